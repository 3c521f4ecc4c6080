/*
 * dense.c -- the small k x k linear algebra of the Newton driver and the inference: Cholesky
 * factor, solve, inverse and numerical rank, through LAPACKE.  Matrices are row-major and full;
 * a row-major upper triangle is the same memory as a column-major lower one, so every call uses
 * LAPACK_COL_MAJOR with uplo 'L' (no transposed copies).
 */
#include "logit.h"

#include <lapacke.h>
#include <string.h>

int churn__cholesky(int64_t k, double *A) {
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)k, A, (lapack_int)k);
  return info == 0 ? 0 : (info > 0 ? (int)info : -1);
}

void churn__cholesky_solve(int64_t k, const double *L, double *b) {
  LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)k, 1, L, (lapack_int)k, b, (lapack_int)k);
}

int churn__cholesky_inverse(int64_t k, const double *L, double *inv) {
  memcpy(inv, L, (size_t)(k * k) * sizeof(double));
  lapack_int info = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', (lapack_int)k, inv, (lapack_int)k);
  if (info != 0) return info > 0 ? (int)info : -1;
  /* Column-major lower = row-major upper: mirror it to the row-major lower part. */
  for (int64_t a = 0; a < k; a++) {
    for (int64_t b = 0; b < a; b++) inv[a * k + b] = inv[b * k + a];
  }
  return 0;
}

int64_t churn__rank(int64_t k, const double *A, double rel_tol, int64_t *dependent) {
  double *C = churn__malloc_array((size_t)(k * k), sizeof(double));
  double *dinv = churn__malloc_array((size_t)k, sizeof(double));
  lapack_int *piv = churn__malloc_array((size_t)k, sizeof(lapack_int));
  int64_t rank = -1;
  if (C && dinv && piv) {
    /* Scale to unit diagonal so the tolerance is relative to each column's own size; a column
     * with a zero diagonal is dependent outright. */
    for (int64_t a = 0; a < k; a++) {
      double v = A[a * k + a];
      dinv[a] = v > 0 ? 1.0 / sqrt(v) : 0.0;
    }
    for (int64_t a = 0; a < k; a++) {
      for (int64_t b = 0; b < k; b++) {
        double v = (a <= b ? A[a * k + b] : A[b * k + a]) * dinv[a] * dinv[b];
        C[a * k + b] = v;
      }
      if (dinv[a] == 0) C[a * k + a] = 0;
    }
    lapack_int r = 0;
    lapack_int info = LAPACKE_dpstrf(LAPACK_COL_MAJOR, 'L', (lapack_int)k, C, (lapack_int)k, piv,
                                     &r, rel_tol);
    if (info < 0) {
      rank = -1;
    } else {
      rank = r;
      for (int64_t q = r; q < k; q++) dependent[q - r] = (int64_t)piv[q] - 1;
    }
  }
  churn__free(C);
  churn__free(dinv);
  churn__free(piv);
  return rank;
}
