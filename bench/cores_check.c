/*
 * cores_check.c -- how many cores the shared machine gives this process right now: times one
 * CPU-bound loop on one thread, then the same loop on two threads at once (twice the work).
 * About 1.0x means two cores were free; about 2.0x means the two threads shared one core, and no
 * parallel code can be faster in wall time then.  Used next to bench_ingest_threads.py.
 *   cc -O2 -pthread bench/cores_check.c -o /tmp/cores_check && /tmp/cores_check
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *spin(void *arg) {
  volatile double x = 0;
  for (long i = 0; i < 300000000; i++) x += i * 1e-9;
  (void)arg;
  return NULL;
}

int main(void) {
  double t = now();
  spin(NULL);
  double one = now() - t;
  t = now();
  pthread_t a, b;
  pthread_create(&a, NULL, spin, NULL);
  pthread_create(&b, NULL, spin, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  double two = now() - t;
  printf("one loop on 1 thread %.2f s; two loops on 2 threads %.2f s: %.2fx\n", one, two, two / one);
  return 0;
}
