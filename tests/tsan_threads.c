/*
 * tsan_threads.c -- the concurrency checks of thread_stress.c as a plain program, for the
 * ThreadSanitizer build (Criterion's runner cannot map its arena under TSan).  Prints
 * "threads: N passed, N failed".
 */
#include "thread_stress.h"

#include <stdio.h>

int main(void) {
  static const struct { const char *name; int (*fn)(char *, size_t); } checks[] = {
      {"shared_model", thread_stress_shared_model},
      {"concurrent_fits", thread_stress_concurrent_fits},
      {"shared_dataset", thread_stress_shared_dataset},
      {"parallel_ingest", thread_stress_parallel_ingest}};
  int passed = 0, failed = 0;
  for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
    char err[512] = "";
    if (checks[i].fn(err, sizeof err) == 0) {
      passed++;
    } else {
      failed++;
      printf("FAIL %s: %s\n", checks[i].name, err);
    }
  }
  printf("threads: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
