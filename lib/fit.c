/*
 * fit.c -- churn_model_fit, the in-memory fit: pass 0 (moments and data checks), then passes of
 * the sufficient-statistics kernel driven by the Newton solver until convergence.  With many
 * rows it first solves the problem on an evenly spread subsample (cheap exact Newton) and uses
 * that optimum and Hessian as the starting point and metric, so that most full passes need only
 * the gradient; the solver asks for a full Hessian when progress slows and always for one at
 * the optimum when the covariance is wanted.
 */
#include "logit.h"
#include "model.h"
#include "parallel.h"

#include <string.h>

/* Rows from which the subsample warm start pays off, and its size. */
#define WARM_MIN_ROWS 200000
#define WARM_BLOCK 64

static int64_t subsample_rows(int64_t n, int64_t k) {
  int64_t m = 32 * k * k;
  if (m < 32768) m = 32768;
  if (m > n / 4) m = n / 4;
  return m / WARM_BLOCK * WARM_BLOCK;
}

/* Runs the solver to convergence over rows X (all in memory). */
static churn_status iterate(churn_solver *s, const void *X, churn_dtype dtype, int64_t n,
                            int64_t ld, const double *y, const double *w, int nthreads) {
  churn_suffstats *st = NULL;
  CHURN_TRY(churn_solver_stats_new(s, &st));
  double *beta = churn__malloc_array((size_t)st->k, sizeof(double));
  churn_status rc = beta ? CHURN_OK : churn__nomem("coefficients");
  int done = 0;
  while (rc == CHURN_OK && !done) {
    churn_suffstats_reset(st);
    rc = churn_solver_beta(s, beta);
    if (rc == CHURN_OK) {
      rc = churn__suffstats_accumulate_mt(st, X, dtype, n, ld, y, w, beta,
                                          churn_solver_wants_hessian(s), 0, nthreads);
    }
    if (rc == CHURN_OK) rc = churn__solver_step(s, st, &done);
  }
  churn__free(beta);
  churn_suffstats_free(st);
  return rc;
}

/* Exact Newton on an evenly spread subsample (blocks of rows), weights scaled so that its
 * objective estimates the full one; on success s starts from its optimum with its Hessian as
 * metric.  Any failure on the subsample (a rare column constant there, say) just means no warm
 * start: the full fit then finds and reports the problem itself. */
static churn_status warm_start(churn_solver *s, const void *X, churn_dtype dtype, int64_t n,
                               int64_t d, int64_t ld, const double *y, const double *w,
                               int nthreads, double tol) {
  int64_t m = subsample_rows(n, d + 1);
  if (m < WARM_BLOCK) return CHURN_OK;
  int64_t nblk = m / WARM_BLOCK, stride = n / nblk;
  double *Xs = churn__malloc_array((size_t)(m * (d ? d : 1)), sizeof(double));
  double *ys = churn__malloc_array((size_t)m, sizeof(double));
  double *ws = churn__malloc_array((size_t)m, sizeof(double));
  churn_solver *sub = NULL;
  churn_status rc = (Xs && ys && ws) ? CHURN_OK : churn__nomem("subsample");
  if (rc == CHURN_OK) {
    double sw_full = 0, sw_sub = 0;
    int64_t r = 0;
    for (int64_t b = 0; b < nblk; b++) {
      for (int64_t i = b * stride; i < b * stride + WARM_BLOCK; i++, r++) {
        for (int64_t j = 0; j < d; j++) Xs[r * d + j] = churn__xget(X, dtype, ld, i, j);
        ys[r] = y[i];
        ws[r] = w ? w[i] : 1.0;
        sw_sub += ws[r];
      }
    }
    for (int64_t i = 0; i < n; i++) sw_full += w ? w[i] : 1.0;
    double factor = sw_sub > 0 ? sw_full / sw_sub : 0;
    if (factor > 0) {
      for (int64_t i = 0; i < m; i++) ws[i] *= factor;
      rc = churn__solver_clone(s, &sub);
      if (rc == CHURN_OK) {
        churn__solver_set_tol(sub, tol > 1e-7 ? tol : 1e-7);
        churn__solver_no_inference(sub);
        if (iterate(sub, Xs, CHURN_F64, m, d ? d : 1, ys, ws, nthreads) == CHURN_OK) {
          rc = churn__solver_warm_start(s, sub, 1.0);
        }
      }
    }
  }
  churn_solver_free(sub);
  churn__free(Xs);
  churn__free(ys);
  churn__free(ws);
  return rc;
}

CHURN_API churn_status churn_model_fit(const void *X, churn_dtype dtype, int64_t n, int64_t d,
                                       int64_t ld, const double *y, const double *sample_weight,
                                       const char *const *feature_names,
                                       const churn_options *opts, churn_model **out) {
  const char *fn = "churn_model_fit";
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_TRY(churn__check_matrix(fn, X, dtype, n, d, ld));
  CHURN_CHECK_ARG(n >= 1, "%s: n = %lld: no rows", fn, (long long)n);
  CHURN_CHECK_ARG(y != NULL, "%s: y is NULL", fn);
  churn_solver *s = NULL;
  int threads = 1;
  CHURN_TRY(churn__context(churn__solver_new(d, feature_names, opts, &threads, &s), "%s", fn));
  int nthreads = churn__resolve_threads(threads);
  churn_status rc = churn__solver_add_moments(s, X, dtype, n, ld, y, sample_weight, 0);
  if (rc == CHURN_OK) rc = churn_solver_begin(s);
  if (rc == CHURN_OK && n >= WARM_MIN_ROWS) {
    double tol = 1e-8;
    if (opts) churn_options_get_real(opts, CHURN_OPT_FIT_TOL, &tol);
    churn__solver_set_lazy(s, 1);
    rc = warm_start(s, X, dtype, n, d, ld, y, sample_weight, nthreads, tol);
  }
  if (rc == CHURN_OK) rc = iterate(s, X, dtype, n, ld, y, sample_weight, nthreads);
  if (rc == CHURN_OK) rc = churn__solver_finish(s, out);
  churn_solver_free(s);
  return rc;
}
