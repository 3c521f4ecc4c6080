/*
 * bench_pass.c -- one pass of the fit's sufficient-statistics kernel (churn_suffstats_accumulate,
 * gradient only or with the Hessian) over the churn-like 1M x 32 float64 matrix of
 * bench_fit.py --part churnlike, timed next to the plain read of the same X in the same
 * process (the floor a pass cannot beat): best of R runs each.  Then the cost of first touches
 * of fresh memory, which the fit's subsample copy pays: a new 9 MB block (the churn-like
 * subsample) and a new 256 MB block (X) filled once, with 4 KB pages and with the huge-page
 * advice churn__malloc_huge gives (madvise MADV_HUGEPAGE; Linux), each a fresh mmap.
 *
 *   cc -O2 -I include bench/bench_pass.c -o /tmp/bench_pass -L BUILD/lib -lchurn -lm \
 *      -Wl,-rpath,BUILD/lib && /tmp/bench_pass [R] [want_hessian]
 */
#define CHURN_EXPERIMENTAL 1
#include "churn.h"

#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/* Milliseconds to fill a fresh anonymous block of mb MiB once (huge: with MADV_HUGEPAGE). */
static double first_touch_ms(size_t mb, int huge) {
  size_t n = mb << 20;
  char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NAN;
#ifdef MADV_HUGEPAGE
  if (huge) (void)madvise(p, n, MADV_HUGEPAGE);
#else
  (void)huge;
#endif
  double t = now_ms();
  memset(p, 1, n);
  t = now_ms() - t;
  munmap(p, n);
  return t;
}

static double normal(void) {
  double u = (rand() + 1.0) / (RAND_MAX + 2.0), v = (rand() + 1.0) / (RAND_MAX + 2.0);
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

int main(int argc, char **argv) {
  const int64_t n = 1000000, d = 32;
  const int reps = argc > 1 ? atoi(argv[1]) : 15, want_h = argc > 2 ? atoi(argv[2]) : 0;
  double *X = malloc(sizeof(double) * (size_t)(n * d)), *y = malloc(sizeof(double) * (size_t)n);
  double beta[33], center[32], scale[32];
  if (X == NULL || y == NULL) return 1;
  srand(7);
  beta[0] = -2;
  for (int j = 0; j < d; j++) beta[j + 1] = 0.3 * normal(), center[j] = 0.01, scale[j] = 1;
  for (int64_t i = 0; i < n; i++) {
    double eta = -2;
    for (int j = 0; j < d; j++) X[i * d + j] = normal(), eta += X[i * d + j] * beta[j + 1];
    y[i] = (rand() / (RAND_MAX + 1.0)) < 1 / (1 + exp(-eta));
  }
  churn_suffstats *st = NULL;
  if (churn_suffstats_new(d, 1, center, scale, 1, 1, &st) != CHURN_OK) return 1;
  double pass = INFINITY, read = INFINITY, sink = 0;
  for (int r = 0; r < reps; r++) {
    churn_suffstats_reset(st);
    double t = now_ms();
    if (churn_suffstats_accumulate(st, X, CHURN_F64, n, d, d, y, NULL, beta, want_h, 0)) {
      fprintf(stderr, "%s\n", churn_last_error());
      return 1;
    }
    t = now_ms() - t;
    pass = t < pass ? t : pass;
    t = now_ms();
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int64_t i = 0; i < n * d; i += 4) s0 += X[i], s1 += X[i + 1], s2 += X[i + 2], s3 += X[i + 3];
    t = now_ms() - t;
    read = t < read ? t : read;
    sink += s0 + s1 + s2 + s3;
  }
  printf("pass (want_hessian %d): %.2f ms; plain read of X: %.2f ms (%.1f GB/s); pass / read "
         "%.2fx  [%g]\n", want_h, pass, read, n * d * 8 / read / 1e6, pass / read, sink);
  for (size_t mb = 9; mb <= 256; mb = mb == 9 ? 256 : 512) {
    double plain = INFINITY, huge = INFINITY;
    for (int r = 0; r < 3; r++) {
      double a = first_touch_ms(mb, 0), b = first_touch_ms(mb, 1);
      plain = a < plain ? a : plain;
      huge = b < huge ? b : huge;
    }
    printf("first touch of a new %zu MiB block: %.2f ms with 4 KB pages, %.2f ms with the "
           "huge-page advice (best of 3)\n", mb, plain, huge);
  }
  churn_suffstats_free(st);
  free(X);
  free(y);
  return 0;
}
