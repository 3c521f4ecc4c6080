/*
 * thread_stress.h -- the concurrency checks shared by the Criterion test (test_threads.c) and the
 * plain program run under ThreadSanitizer (tsan_threads.c; Criterion's runner cannot start under
 * TSan).  Each returns 0 on success, or 1 with a message in err.
 */
#ifndef CHURN_THREAD_STRESS_H
#define CHURN_THREAD_STRESS_H

#include <stddef.h>

/* 8 threads score, explain and accumulate sufficient statistics with one shared model, three
 * times each; every result must be bit-identical to a serial run. */
int thread_stress_shared_model(char *err, size_t cap);

/* 4 threads fit the same data at once (each fit itself on 2 threads); the models must be equal. */
int thread_stress_concurrent_fits(char *err, size_t cap);

/* 4 threads extract features and warnings from one shared dataset; identical to a serial run. */
int thread_stress_shared_dataset(char *err, size_t cap);

/* An events CSV read with ingest.threads = 3 (4 KiB blocks, quoted line breaks across cuts,
 * free-form labels) by 2 threads at once; each equal to a one-thread read. */
int thread_stress_parallel_ingest(char *err, size_t cap);

#endif
