/*
 * subsample.c -- an evenly spread subsample of a design's rows (see subsample.h).
 */
#include "subsample.h"

#include "logit.h"

#include <string.h>

int64_t churn__subsample_rows(int64_t n, int64_t k, int64_t factor) {
  int64_t m = factor * 32 * k * k;
  if (m < factor * 32768) m = factor * 32768;
  if (m > n / 4) m = n / 4;
  return m / CHURN__WARM_BLOCK * CHURN__WARM_BLOCK;
}

void churn__subsample_free(churn__subsample *ss) {
  churn__free(ss->X);
  churn__free(ss->y);
  churn__free(ss->w);
  memset(ss, 0, sizeof *ss);
}

churn_status churn__subsample_take(churn__subsample *ss, int64_t m, const void *X,
                                   churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                                   const double *y, const double *w) {
  memset(ss, 0, sizeof *ss);
  int64_t nblk = m / CHURN__WARM_BLOCK, stride = n / nblk;
  ss->m = m;
  ss->d = d;
  ss->X = churn__malloc_huge((size_t)(m * (d ? d : 1)) * sizeof(double));
  ss->y = churn__malloc_array((size_t)m, sizeof(double));
  ss->w = churn__malloc_array((size_t)m, sizeof(double));
  if (!ss->X || !ss->y || !ss->w) {
    churn__subsample_free(ss);
    return churn__nomem("subsample");
  }
  int64_t r = 0;
  for (int64_t b = 0; b < nblk; b++) {
    for (int64_t i = b * stride; i < b * stride + CHURN__WARM_BLOCK; i++, r++) {
      if (dtype == CHURN_F64 && d > 0) {  /* d = 0: an intercept-only fit, X may be NULL */
        memcpy(ss->X + r * d, (const double *)X + i * ld, (size_t)d * sizeof(double));
      } else {
        for (int64_t j = 0; j < d; j++) ss->X[r * d + j] = churn__xget(X, dtype, ld, i, j);
      }
      ss->y[r] = y[i];
      ss->w[r] = w ? w[i] : 1.0;
    }
  }
  return CHURN_OK;
}
