/*
 * test_threads.c -- thread safety of read-only objects (the checks are in thread_stress.c):
 * 8 threads score, explain and accumulate statistics with one shared model, concurrent fits,
 * features and warnings from one shared dataset; all bit-identical to serial runs.
 */
#include "helpers.h"
#include "thread_stress.h"

Test(threads, shared_model_gives_bit_identical_results) {
  char err[512] = "";
  cr_assert_eq(thread_stress_shared_model(err, sizeof err), 0, "%s", err);
}

Test(threads, concurrent_fits_are_independent) {
  char err[512] = "";
  cr_assert_eq(thread_stress_concurrent_fits(err, sizeof err), 0, "%s", err);
}

Test(threads, parallel_ingest_gives_the_one_thread_dataset) {
  char err[512] = "";
  cr_assert_eq(thread_stress_parallel_ingest(err, sizeof err), 0, "%s", err);
}

Test(threads, shared_dataset_gives_identical_features) {
  char err[512] = "";
  cr_assert_eq(thread_stress_shared_dataset(err, sizeof err), 0, "%s", err);
}
