/*
 * parallel.h -- the library's own worker threads for row-split loops (OpenBLAS does not split
 * tall-and-skinny products, and its thread count belongs to the host program).
 */
#ifndef CHURN_PARALLEL_H
#define CHURN_PARALLEL_H

#include "internal.h"

/* Number of online processors (>= 1). */
int churn__cpu_count(void);

/* Resolves a user thread setting: 0 means one per core; the result is >= 1. */
int churn__resolve_threads(int64_t requested);

/* Runs fn(ctx, task, worker) for task in [0, ntasks) on up to nthreads threads (the calling
 * thread is one of them); worker is in [0, nthreads) and unique among concurrently running
 * calls, so fn can write per-worker accumulators.  Tasks are handed out dynamically.  If threads
 * cannot be created the remaining tasks run on the calling thread: the result is the same. */
void churn__parallel_for(int nthreads, int64_t ntasks,
                         void (*fn)(void *ctx, int64_t task, int worker), void *ctx);

/* churn__parallel_for, with the calling thread first running side(side_ctx) while nthreads new
 * threads start on the tasks; it then helps with them.  side therefore always runs on the
 * calling thread (its errors and thread-local messages stay there); returns when all are done. */
void churn__parallel_beside(int nthreads, int64_t ntasks,
                            void (*fn)(void *ctx, int64_t task, int worker), void *ctx,
                            void (*side)(void *side_ctx), void *side_ctx);

#endif
