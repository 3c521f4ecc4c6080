/*
 * alloc.c -- the one funnel every allocation of the library goes through, with per-thread fault
 * injection (fail the k-th allocation) in the manner of sqlite's test harness.  The counters are
 * thread-local, so injecting faults in one thread never disturbs another.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local uint64_t tls_fail_at;  /* 0 = off; else the allocation number that fails */
static _Thread_local uint64_t tls_count;    /* allocations since the last churn_testing_fail_alloc */

CHURN_API uint64_t churn_testing_fail_alloc(uint64_t k) {
  uint64_t made = tls_count;
  tls_count = 0;
  tls_fail_at = k;
  return made;
}

static inline bool injected_failure(void) {
  tls_count++;
  return CHURN_UNLIKELY(tls_fail_at != 0 && tls_count == tls_fail_at);
}

void *churn__malloc(size_t size) {
  if (injected_failure()) return NULL;
  return malloc(size ? size : 1);
}

void *churn__calloc(size_t count, size_t size) {
  if (injected_failure()) return NULL;
  if (count == 0 || size == 0) return calloc(1, 1);
  return calloc(count, size);
}

void *churn__realloc(void *ptr, size_t size) {
  if (injected_failure()) return NULL;
  return realloc(ptr, size ? size : 1);
}

void churn__free(void *ptr) { free(ptr); }

void *churn__malloc_array(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  return churn__malloc(count * size);
}

bool churn__grow(void **ptr, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return true;
  size_t n = *cap ? *cap : 16;
  while (n < need) {
    if (n > SIZE_MAX / 2) return false;
    n *= 2;
  }
  if (size != 0 && n > SIZE_MAX / size) return false;
  void *p = churn__realloc(*ptr, n * size);
  if (p == NULL) return false;
  *ptr = p;
  *cap = n;
  return true;
}

void *churn__aligned_alloc(size_t size) {
  if (injected_failure()) return NULL;
  void *p = NULL;
  if (posix_memalign(&p, 64, size ? size : 64) != 0) return NULL;
  return p;
}

void churn__aligned_free(void *ptr) { free(ptr); }

char *churn__strdup(const char *s) {
  if (s == NULL) return NULL;
  size_t n = strlen(s) + 1;
  char *p = churn__malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}
