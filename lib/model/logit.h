/*
 * logit.h -- the numerical core shared by the fit, the Newton driver and the scoring code: the
 * logistic link, the sufficient-statistics pass over rows, and small dense linear algebra on the
 * k x k Hessian.  Never installed.
 */
#ifndef CHURN_LOGIT_H
#define CHURN_LOGIT_H

#include "common/internal.h"

#include <math.h>

/* The inside of churn_suffstats (the public handle), so the driver can read it in place. */
struct churn_suffstats {
  int64_t d, k;
  int fit_intercept;
  double *center;     /* d */
  double *inv_scale;  /* d */
  double class_weight0, class_weight1;
  int hessian_state;  /* -1 nothing accumulated yet, 0 gradient only, 1 with Hessian */
  double *H;          /* k*k row-major; upper triangle accumulated, mirrored by readers */
  double *g;          /* k: sum v_i (y_i - p_i) z_i */
  double loglik;      /* sum v_i (y_i eta_i - log(1 + exp(eta_i))) */
  double sum_w, sum_w_pos;
  int64_t n, positives;
  /* For sandwich covariances: sum_i (v_i (y_i - p_i))^2 z_i z_i' (upper triangle), accumulated
   * with the Hessian when want_hessian = 2 (has_meat = 1; then hessian_state is 1).  Merged by
   * addition and serialised as the optional field 'meat' (suffstats_io.c). */
  int has_meat;
  double *M;
};

/* p = 1/(1+exp(-eta)) and log(1+exp(eta)) without overflow, from one exp. */
static inline double churn__sigmoid(double eta) {
  if (eta >= 0) return 1.0 / (1.0 + exp(-eta));
  double e = exp(eta);
  return e / (1.0 + e);
}

/* churn__sigmoid of n values in place, vectorised with the pass kernel's exp (relative error
 * below 2e-16; |eta| > 700 and non-finite eta take the scalar path).  Each result depends on
 * its own value only, whatever the batch around it. */
void churn__sigmoid_block(double *x, int64_t n);

/* Like churn_suffstats_accumulate, split over nthreads threads (rows in contiguous ranges, partial
 * sums merged in range order, so the result is the same for a given thread count).  check = 0
 * skips the data checks when the caller validated the rows already. */
churn_status churn__suffstats_accumulate_mt(churn_suffstats *s, const void *X, churn_dtype dtype,
                                            int64_t n, int64_t ld, const double *y,
                                            const double *w, const double *beta, int want_hessian,
                                            int64_t first_row, int nthreads);

/* Reads element (i, j) of a row-major F64/F32 matrix as double. */
static inline double churn__xget(const void *X, churn_dtype dtype, int64_t ld, int64_t i,
                                 int64_t j) {
  return dtype == CHURN_F32 ? (double)((const float *)X)[i * ld + j]
                            : ((const double *)X)[i * ld + j];
}

/* Common argument checks for a matrix crossing the API. */
churn_status churn__check_matrix(const char *fn, const void *X, churn_dtype dtype, int64_t n,
                                 int64_t d, int64_t ld);

/* --- dense k x k helpers (row-major, full symmetric storage) ---------------------------------- */

/* Cholesky factor of a symmetric positive definite A (overwritten by the factor); returns 0 on
 * success, or the 1-based order of the failing leading minor. */
int churn__cholesky(int64_t k, double *A);
/* Solves A x = b in place using a factor from churn__cholesky. */
void churn__cholesky_solve(int64_t k, const double *L, double *b);
/* Inverse of an SPD matrix from its Cholesky factor into inv (full, mirrored). 0 on success. */
int churn__cholesky_inverse(int64_t k, const double *L, double *inv);
/* Numerical rank of symmetric PSD A (scaled to unit diagonal) by pivoted Cholesky; the indices of
 * the columns left out of the rank go to dependent[0..k-rank).  Returns the rank, -1 on no memory. */
int64_t churn__rank(int64_t k, const double *A, double rel_tol, int64_t *dependent);

/* --- the Newton driver (solver.c), internal entry points of the in-memory fit ---------------- */

churn_status churn__solver_new(int64_t d, const char *const *feature_names,
                               const churn_options *opts, int *nthreads, churn_solver **out);
churn_status churn__solver_add_moments(churn_solver *s, const void *X, churn_dtype dtype,
                                       int64_t n, int64_t ld, const double *y, const double *w,
                                       int64_t first_row);
churn_status churn__solver_count_labels(churn_solver *s, int64_t n, const double *y,
                                        const double *w);
int churn__solver_needs_exact_moments(const churn_solver *s);
churn_status churn__solver_sum_weights(const churn_solver *s, double *sw);
void churn__solver_reset_moments(churn_solver *s);
void churn__solver_set_lazy(churn_solver *s, int lazy);
churn_status churn__solver_clone(const churn_solver *s, churn_solver **out);
churn_status churn__solver_warm_start(churn_solver *s, const churn_solver *sub, double factor);
void churn__solver_set_tol(churn_solver *s, double tol);
void churn__solver_no_inference(churn_solver *s);
/* Separation in the in-memory fit (fit.c runs the exact check): whether a converged estimate
 * looks separated, and, after the check found none, silencing the heuristics. */
churn_status churn__solver_suspect_separation(const churn_solver *s, int *suspect);
void churn__solver_assume_finite(churn_solver *s);
void churn__solver_set_cluster_meat(churn_solver *s, const double *M);  /* cluster.c */
churn_status churn__solver_step(churn_solver *s, const churn_suffstats *st, int *done);
churn_status churn__solver_finish(churn_solver *s, churn_model **out);

#endif
