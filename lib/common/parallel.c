/*
 * parallel.c -- a minimal fork-join loop on the library's own threads.  Tasks are claimed with an
 * atomic counter so uneven tasks balance; each thread passes its own worker index so callers can
 * keep per-worker accumulators and merge them afterwards in a fixed order (results then do not
 * depend on scheduling).
 */
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

int churn__cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > 1024 ? 1024 : (int)n);
}

int churn__resolve_threads(int64_t requested) {
  if (requested <= 0) return churn__cpu_count();
  return requested > 1024 ? 1024 : (int)requested;
}

typedef struct loop_state {
  void (*fn)(void *ctx, int64_t task, int worker);
  void *ctx;
  int64_t ntasks;
  atomic_llong next;
} loop_state;

typedef struct worker_arg {
  loop_state *loop;
  int worker;
} worker_arg;

static void run_tasks(loop_state *s, int worker) {
  for (;;) {
    int64_t t = (int64_t)atomic_fetch_add(&s->next, 1);
    if (t >= s->ntasks) return;
    s->fn(s->ctx, t, worker);
  }
}

static void *worker_main(void *p) {
  worker_arg *a = p;
  run_tasks(a->loop, a->worker);
  return NULL;
}

#define MAX_INLINE_THREADS 64

void churn__parallel_for(int nthreads, int64_t ntasks,
                         void (*fn)(void *ctx, int64_t task, int worker), void *ctx) {
  if (ntasks <= 0) return;
  if (nthreads > ntasks) nthreads = (int)ntasks;
  if (nthreads > MAX_INLINE_THREADS) nthreads = MAX_INLINE_THREADS;
  loop_state s = {fn, ctx, ntasks, 0};
  if (nthreads <= 1) {
    run_tasks(&s, 0);
    return;
  }
  pthread_t th[MAX_INLINE_THREADS];
  worker_arg args[MAX_INLINE_THREADS];
  int started = 0;
  for (int w = 1; w < nthreads; w++) {
    args[w].loop = &s;
    args[w].worker = w;
    if (pthread_create(&th[w], NULL, worker_main, &args[w]) != 0) break;
    started = w;
  }
  run_tasks(&s, 0);
  for (int w = 1; w <= started; w++) pthread_join(th[w], NULL);
}

void churn__parallel_beside(int nthreads, int64_t ntasks,
                            void (*fn)(void *ctx, int64_t task, int worker), void *ctx,
                            void (*side)(void *side_ctx), void *side_ctx) {
  if (ntasks < 0) ntasks = 0;
  if (nthreads > ntasks) nthreads = (int)ntasks;
  if (nthreads > MAX_INLINE_THREADS - 1) nthreads = MAX_INLINE_THREADS - 1;
  loop_state s = {fn, ctx, ntasks, 0};
  pthread_t th[MAX_INLINE_THREADS];
  worker_arg args[MAX_INLINE_THREADS];
  int started = 0;
  for (int w = 1; w <= nthreads; w++) {
    args[w].loop = &s;
    args[w].worker = w;
    if (pthread_create(&th[w], NULL, worker_main, &args[w]) != 0) break;
    started = w;
  }
  if (side != NULL) side(side_ctx);
  run_tasks(&s, 0);
  for (int w = 1; w <= started; w++) pthread_join(th[w], NULL);
}
