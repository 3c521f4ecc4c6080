/*
 * outofcore_rss.c -- the driver of bench/outofcore_rss.sh: writes a synthetic numeric CSV design
 * matrix, fits it out of core with churn_model_fit_csv under a memory budget, or (the peer) reads
 * the whole file into memory and fits it with churn_model_fit.  Prints the time, passes and
 * coefficients; the script measures peak RSS around each run with /usr/bin/time -v.
 *
 *   outofcore_rss gen PATH ROWS D      write the CSV (deterministic)
 *   outofcore_rss csv PATH BUDGET TOL  out-of-core fit with fit.memory_budget = BUDGET bytes
 *   outofcore_rss mem PATH TOL         in-memory fit of the whole file
 * TOL is fit.tol for both (small, so that both converge to the same estimate).
 */
#include <churn.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 12345;
static double unif(void) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(rng >> 11) / 9007199254740992.0;
}

static int gen(const char *path, long rows, int d) {
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  fprintf(f, "churned");
  for (int j = 0; j < d; j++) fprintf(f, ",x%d", j);
  fprintf(f, "\n");
  double *x = malloc(sizeof(double) * (size_t)d);
  for (long i = 0; i < rows; i++) {
    double eta = -1.0;
    for (int j = 0; j < d; j++) {
      x[j] = j % 4 == 0 ? floor(unif() * 5) : unif() * 2.0 - 1.0;
      eta += (j % 3 == 0 ? 0.3 : -0.2) * x[j] / (1.0 + j * 0.1);
    }
    fprintf(f, "%d", unif() < 1.0 / (1.0 + exp(-eta)) ? 1 : 0);
    for (int j = 0; j < d; j++) fprintf(f, ",%.17g", x[j]);
    fprintf(f, "\n");
  }
  free(x);
  return fclose(f) != 0;
}

static void report(const char *what, const churn_model *m, double secs) {
  double passes = 0, iters = 0, ll = 0, ic = 0;
  churn_model_stat(m, CHURN_STAT_N_PASSES, &passes);
  churn_model_stat(m, CHURN_STAT_N_ITER, &iters);
  churn_model_stat(m, CHURN_STAT_LOGLIK, &ll);
  int64_t d = churn_model_n_features(m);
  double *c = malloc(sizeof(double) * (size_t)(d + 1));
  churn_model_coef(m, c, &ic);
  printf("%s: %.2f s, %.0f passes, %.0f iterations, loglik %.17g\n", what, secs, passes, iters,
         ll);
  printf("coef %.17g", ic);
  for (int64_t j = 0; j < d; j++) printf(" %.17g", c[j]);
  printf("\n");
  free(c);
}

static int fit_csv(const char *path, long budget, double tol) {
  churn_options *o;
  churn_options_new(&o);
  churn_options_set_real(o, CHURN_OPT_FIT_TOL, tol);
  churn_options_set_int(o, CHURN_OPT_FIT_MEMORY_BUDGET, budget);
  churn_model *m = NULL;
  double t = now();
  churn_status st = churn_model_fit_csv(path, "churned", NULL, o, &m);
  if (st != CHURN_OK) {
    fprintf(stderr, "fit_csv: %s\n", churn_last_error());
    return 1;
  }
  report("out-of-core", m, now() - t);
  churn_model_free(m);
  churn_options_free(o);
  return 0;
}

/* The peer: the whole file parsed into memory, then the in-memory fit. */
static int fit_mem(const char *path, double tol) {
  FILE *f = fopen(path, "r");
  if (!f) return 1;
  char line[1 << 16];
  if (!fgets(line, sizeof line, f)) return 1;
  int d = 0;
  for (char *p = line; *p; p++) d += *p == ',';
  size_t cap = 1 << 16, n = 0;
  double *X = malloc(cap * (size_t)d * sizeof(double)), *y = malloc(cap * sizeof(double));
  double t = now();
  while (fgets(line, sizeof line, f)) {
    if (n == cap) {
      cap *= 2;
      X = realloc(X, cap * (size_t)d * sizeof(double));
      y = realloc(y, cap * sizeof(double));
    }
    char *p = line;
    y[n] = strtod(p, &p);
    for (int j = 0; j < d; j++) X[n * (size_t)d + (size_t)j] = strtod(p + 1, &p);
    n++;
  }
  fclose(f);
  double t_read = now() - t;
  churn_model *m = NULL;
  churn_options *o;
  churn_options_new(&o);
  churn_options_set_real(o, CHURN_OPT_FIT_TOL, tol);
  t = now();
  if (churn_model_fit(X, CHURN_F64, (int64_t)n, d, d, y, NULL, NULL, o, &m) != CHURN_OK) {
    fprintf(stderr, "fit: %s\n", churn_last_error());
    return 1;
  }
  printf("in-memory: read %.2f s\n", t_read);
  report("in-memory", m, now() - t);
  churn_model_free(m);
  churn_options_free(o);
  free(X);
  free(y);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "gen") == 0) return gen(argv[2], atol(argv[3]), atoi(argv[4]));
  if (argc == 5 && strcmp(argv[1], "csv") == 0) return fit_csv(argv[2], atol(argv[3]), atof(argv[4]));
  if (argc == 4 && strcmp(argv[1], "mem") == 0) return fit_mem(argv[2], atof(argv[3]));
  fprintf(stderr, "usage: outofcore_rss gen PATH ROWS D | csv PATH BUDGET TOL | mem PATH TOL\n");
  return 2;
}
