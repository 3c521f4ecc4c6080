/*
 * fit.c -- churn_model_fit, the in-memory fit: pass 0 (moments and data checks), then passes of
 * the sufficient-statistics kernel driven by the Newton solver until convergence.  With many
 * rows it first solves the problem on an evenly spread subsample (cheap exact Newton) and uses
 * that optimum and Hessian as the starting point and metric, so that most full passes need only
 * the gradient; the solver asks for a full Hessian when progress slows and always for one at
 * the optimum when the covariance is wanted.
 */
#include "cluster.h"
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

/* An evenly spread subsample: nblk blocks of WARM_BLOCK consecutive rows, as float64. */
typedef struct subsample {
  int64_t m, d;
  double *X, *y, *w;
} subsample;

static void subsample_free(subsample *ss) {
  churn__free(ss->X);
  churn__free(ss->y);
  churn__free(ss->w);
}

static churn_status subsample_take(subsample *ss, const void *X, churn_dtype dtype, int64_t n,
                                   int64_t d, int64_t ld, const double *y, const double *w) {
  memset(ss, 0, sizeof *ss);
  int64_t m = subsample_rows(n, d + 1);
  int64_t nblk = m / WARM_BLOCK, stride = n / nblk;
  ss->m = m;
  ss->d = d;
  ss->X = churn__malloc_array((size_t)(m * (d ? d : 1)), sizeof(double));
  ss->y = churn__malloc_array((size_t)m, sizeof(double));
  ss->w = churn__malloc_array((size_t)m, sizeof(double));
  if (!ss->X || !ss->y || !ss->w) {
    subsample_free(ss);
    return churn__nomem("subsample");
  }
  int64_t r = 0;
  for (int64_t b = 0; b < nblk; b++) {
    for (int64_t i = b * stride; i < b * stride + WARM_BLOCK; i++, r++) {
      for (int64_t j = 0; j < d; j++) ss->X[r * d + j] = churn__xget(X, dtype, ld, i, j);
      ss->y[r] = y[i];
      ss->w[r] = w ? w[i] : 1.0;
    }
  }
  return CHURN_OK;
}

/* Pass 0 from the subsample: column moments (enough for the numerics of any fit but a
 * standardised penalty) plus exact counts from a pass over y and the weights only.  The
 * subsample's X values are checked here; the rest of X is checked by the first full pass. */
static churn_status moments_from_subsample(churn_solver *s, const subsample *ss, int64_t n,
                                           const double *y, const double *w) {
  CHURN_TRY(churn__solver_add_moments(s, ss->X, CHURN_F64, ss->m, ss->d ? ss->d : 1, ss->y,
                                      ss->w, 0));
  return churn__solver_count_labels(s, n, y, w);
}

/* Exact Newton on the subsample, weights scaled so that its objective estimates the full one;
 * on success s starts from its optimum with its Hessian as metric.  A failure on the subsample
 * (a rare column constant there, say) just means no warm start: the full fit then finds and
 * reports the problem itself. */
static churn_status warm_start(churn_solver *s, subsample *ss, int nthreads, double tol) {
  double sw_sub = 0, sw_full = 0;
  int64_t m = ss->m;
  for (int64_t i = 0; i < m; i++) sw_sub += ss->w[i];
  if (churn__solver_sum_weights(s, &sw_full) != CHURN_OK || !(sw_sub > 0)) return CHURN_OK;
  double factor = sw_full / sw_sub;
  for (int64_t i = 0; i < m; i++) ss->w[i] *= factor;
  churn_solver *sub = NULL;
  churn_status rc = churn__solver_clone(s, &sub);
  if (rc == CHURN_OK) {
    churn__solver_set_tol(sub, tol > 1e-7 ? tol : 1e-7);
    churn__solver_no_inference(sub);
    if (iterate(sub, ss->X, CHURN_F64, m, ss->d ? ss->d : 1, ss->y, ss->w, nthreads) == CHURN_OK) {
      rc = churn__solver_warm_start(s, sub, 1.0);
    }
  }
  churn_solver_free(sub);
  return rc;
}

churn_status churn__fit_in_memory(const char *fn, const void *X, churn_dtype dtype, int64_t n,
                                  int64_t d, int64_t ld, const double *y,
                                  const double *sample_weight, const churn__clusters *cl,
                                  const char *const *feature_names, const churn_options *opts,
                                  churn_model **out) {
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_TRY(churn__check_matrix(fn, X, dtype, n, d, ld));
  CHURN_CHECK_ARG(n >= 1, "%s: n = %lld: no rows", fn, (long long)n);
  CHURN_CHECK_ARG(y != NULL, "%s: y is NULL", fn);
  churn_solver *s = NULL;
  int threads = 1;
  CHURN_TRY(churn__context(churn__solver_new(d, feature_names, opts, &threads, &s), "%s", fn));
  int nthreads = churn__resolve_threads(threads);
  double tol = 1e-8;
  if (opts) churn_options_get_real(opts, CHURN_OPT_FIT_TOL, &tol);
  subsample ss;
  memset(&ss, 0, sizeof ss);
  churn_status rc = CHURN_OK;
  bool warm = n >= WARM_MIN_ROWS;
  if (warm) rc = subsample_take(&ss, X, dtype, n, d, ld, y, sample_weight);
  if (rc == CHURN_OK) {
    if (warm && !churn__solver_needs_exact_moments(s) &&
        moments_from_subsample(s, &ss, n, y, sample_weight) == CHURN_OK) {
      rc = CHURN_OK;
    } else {
      churn__solver_reset_moments(s);
      rc = churn__solver_add_moments(s, X, dtype, n, ld, y, sample_weight, 0);
    }
  }
  if (rc == CHURN_OK) rc = churn_solver_begin(s);
  if (rc == CHURN_OK && warm) {
    churn__solver_set_lazy(s, 1);
    rc = warm_start(s, &ss, nthreads, tol);
  }
  subsample_free(&ss);
  if (rc == CHURN_OK) rc = iterate(s, X, dtype, n, ld, y, sample_weight, nthreads);
  if (rc == CHURN_OK && cl) {
    rc = churn__cluster_finish(s, cl, X, dtype, ld, y, sample_weight, nthreads, out);
  } else if (rc == CHURN_OK) {
    rc = churn__solver_finish(s, out);
  }
  churn_solver_free(s);
  return rc;
}

CHURN_API churn_status churn_model_fit(const void *X, churn_dtype dtype, int64_t n, int64_t d,
                                       int64_t ld, const double *y, const double *sample_weight,
                                       const char *const *feature_names,
                                       const churn_options *opts, churn_model **out) {
  return churn__fit_in_memory("churn_model_fit", X, dtype, n, d, ld, y, sample_weight, NULL,
                              feature_names, opts, out);
}
