/*
 * subsample.h -- an evenly spread subsample of a design's rows, copied as float64: the warm
 * starts of the in-memory fits (fit.c, firth.c) solve on it first, and the separation check of
 * the fit looks at it before the whole data.  Internal.
 */
#ifndef CHURN_SUBSAMPLE_H
#define CHURN_SUBSAMPLE_H

#include "common/internal.h"

/* Rows from which a subsample warm start pays off, and the run of consecutive rows taken. */
#define CHURN__WARM_MIN_ROWS 200000
#define CHURN__WARM_BLOCK 64

typedef struct churn__subsample {
  int64_t m, d;       /* rows taken, columns */
  double *X, *y, *w;  /* m x d row-major, m labels, m weights (1 without weights) */
} churn__subsample;

/* The subsample size for n rows and k coefficients: factor * max(32768, 32 k^2) rows, at most a
 * quarter of n, a multiple of CHURN__WARM_BLOCK. */
int64_t churn__subsample_rows(int64_t n, int64_t k, int64_t factor);

/* Copies m rows (a multiple of CHURN__WARM_BLOCK, 0 < m <= n) in blocks of CHURN__WARM_BLOCK
 * consecutive rows evenly spread over X's n rows (d columns, stride ld, dtype), with their labels
 * and weights (w NULL: 1).  CHURN_E_NOMEM leaves *ss empty. */
churn_status churn__subsample_take(churn__subsample *ss, int64_t m, const void *X,
                                   churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                                   const double *y, const double *w);

/* Frees the copies and empties *ss (safe on an empty one). */
void churn__subsample_free(churn__subsample *ss);

#endif
