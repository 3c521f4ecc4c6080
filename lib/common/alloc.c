/*
 * alloc.c -- the one funnel every allocation of the library goes through, with per-thread fault
 * injection (fail the k-th allocation) in the manner of sqlite's test harness.  The counters are
 * thread-local, so injecting faults in one thread never disturbs another.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

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

/* Blocks of at least this many bytes get the advice, as numpy gives its arrays. */
#define HUGE_ADVICE_MIN ((size_t)4 << 20)

/* Asks Linux to back the page-aligned part of a large new block with transparent huge pages
 * (madvise MADV_HUGEPAGE; on systems where THP is "madvise", as here, nothing else gets them).
 * Only for a block that is written at once and read many times, like the fit's subsample: its
 * first touches then fault once per 2 MB instead of once per 4 KB (here a new 9 MB copy took
 * 28 ms with 4 KB pages, 1.4 ms with huge pages).  Not for growing buffers: with the advice on
 * every large allocation, the events CSV ingest (realloc'd columns) got 40% slower here, the
 * huge-page faults compacting memory as they went.  The advice failing changes nothing. */
void *churn__malloc_huge(size_t size) {
  void *p = churn__malloc(size);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p != NULL && size >= HUGE_ADVICE_MIN) {
    const uintptr_t page = 4096, a = ((uintptr_t)p + page - 1) & ~(page - 1);
    const uintptr_t end = ((uintptr_t)p + size) & ~(page - 1);
    if (end > a) (void)madvise((void *)a, end - a, MADV_HUGEPAGE);
  }
#endif
  return p;
}

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
