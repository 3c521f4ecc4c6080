/*
 * fit.c -- churn_model_fit, the in-memory fit: pass 0 (moments and data checks), then passes of
 * the sufficient-statistics kernel driven by the Newton solver until convergence.  With many
 * rows it first solves the problem on an evenly spread subsample (cheap exact Newton) and uses
 * that optimum and Hessian as the starting point and metric, so that most full passes need only
 * the gradient; the solver asks for a full Hessian when progress slows and always for one at
 * the optimum when the covariance is wanted.
 */
#include "cluster.h"
#include "firth.h"
#include "logit.h"
#include "model.h"
#include "common/parallel.h"
#include "subsample.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* Pass 0 from the subsample: column moments (enough for the numerics of any fit but a
 * standardised penalty) plus exact counts from a pass over y and the weights only.  The
 * subsample's X values are checked here; the rest of X is checked by the first full pass. */
static churn_status moments_from_subsample(churn_solver *s, const churn__subsample *ss,
                                           int64_t n, const double *y, const double *w) {
  CHURN_TRY(churn__solver_add_moments(s, ss->X, CHURN_F64, ss->m, ss->d ? ss->d : 1, ss->y,
                                      ss->w, 0));
  return churn__solver_count_labels(s, n, y, w);
}

/* A subsample at least this large is itself warm-started from every PILOT_SHARE-th of its
 * blocks (the pilot), whose optimum is a few Newton steps closer than the cold start: measured
 * on 1M x 32 (bench/bench_fit.py --part churnlike) the subsample took 6 exact passes cold and 3
 * after the pilot's 5 passes over an eighth of its rows. */
#define PILOT_MIN_ROWS 16384
#define PILOT_SHARE 8

/* Exact Newton on the subsample, weights scaled so that its objective estimates the full one;
 * on success s starts from its optimum with its Hessian as metric.  The subsample's optimum is
 * an estimate of the full one with a sampling error of order 1 / sqrt(m) in the gradient
 * criterion, so solving it further than a tenth of that buys nothing: its tolerance is
 * max(tol, min(0.1 / sqrt(m), 1e-3)).  A failure on the subsample (a rare column
 * constant there, say) just means no warm start: the full fit then finds and reports the problem
 * itself. */
static churn_status warm_start(churn_solver *s, churn__subsample *ss, int nthreads, double tol) {
  double sw_sub = 0, sw_full = 0;
  int64_t m = ss->m;
  for (int64_t i = 0; i < m; i++) sw_sub += ss->w[i];
  if (churn__solver_sum_weights(s, &sw_full) != CHURN_OK || !(sw_sub > 0)) return CHURN_OK;
  double factor = sw_full / sw_sub;
  for (int64_t i = 0; i < m; i++) ss->w[i] *= factor;
  churn_solver *sub = NULL;
  churn_status rc = churn__solver_clone(s, &sub);
  if (rc == CHURN_OK && m >= PILOT_MIN_ROWS) {
    churn__subsample pilot;
    rc = churn__subsample_take(&pilot, m / PILOT_SHARE / CHURN__WARM_BLOCK * CHURN__WARM_BLOCK,
                               ss->X, CHURN_F64, m, ss->d, ss->d ? ss->d : 1, ss->y, ss->w);
    if (rc == CHURN_OK) rc = warm_start(sub, &pilot, nthreads, tol);
    churn__subsample_free(&pilot);
  }
  if (rc == CHURN_OK) {
    double sub_tol = 0.1 / sqrt((double)m);
    churn__solver_set_tol(sub, tol > sub_tol ? tol : sub_tol < 1e-3 ? sub_tol : 1e-3);
    churn__solver_no_inference(sub);
    if (iterate(sub, ss->X, CHURN_F64, m, ss->d ? ss->d : 1, ss->y, ss->w, nthreads) == CHURN_OK) {
      rc = churn__solver_warm_start(s, sub, 1.0);
    }
  }
  churn_solver_free(sub);
  return rc;
}

/* --- separation: the exact check decides ------------------------------------------------------ *
 * The solver's separation signs (coefficients running off, information collapsing, a Hessian
 * turning singular) are heuristics: they fire on nearly separated data whose estimate is finite
 * (x > 0 iff churn except two swapped rows next to 0: statsmodels finds a slope of 28 or 940;
 * the streak test stopped such fits after 8 iterations), and they miss quasi-complete
 * separation by a rare dummy, on which Newton meets the tolerance at a coefficient of 13-18
 * (a standardised coefficient of 1-3, below the streak's limit).  So when the solver reports
 * separation, does not converge, or converges to an estimate that looks separated
 * (churn__solver_suspect_separation), the in-memory fit runs the exact linear programs of
 * churn_separation_check (6g) on the rows with positive weight and lets them decide:
 *   - separated: CHURN_E_SEPARATION naming the kind and the infinite coefficients;
 *   - not separated after a solver's separation report: the estimate exists, so the solver
 *     resumes with its heuristics off; Newton with step halving reaches it (the cases above
 *     converge in 10-30 iterations), or the fit ends in an honest CHURN_E_NOT_CONVERGED;
 *   - not separated after non-convergence: still CHURN_E_NOT_CONVERGED, saying so;
 *   - not separated at a converged estimate: the estimate is the (large) finite MLE; kept.
 * When the linear programs themselves fail (rounding; never seen on real data), the solver's
 * verdict stands.  Unpenalised fits only: every penalty has a finite optimum. */

#define SEP_NAMES_SHOWN 8

/* Rows from which a subsample is tried first (see exact_check). */
#define SEP_SUBSAMPLE_MIN 131072

/* churn_separation_check on take of the m rows with positive weight, evenly spread (all m when
 * take == m), copied as float64. */
static churn_status check_rows(const void *X, churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                               const double *y, const double *w, int64_t m, int64_t take, int fi,
                               int *kind, int8_t *dir) {
  double *Xp = churn__malloc_array((size_t)take, (size_t)(d ? d : 1) * sizeof(double));
  double *yp = churn__malloc_array((size_t)take, sizeof(double));
  churn_status st = (Xp && yp) ? CHURN_OK : churn__nomem("separation check rows");
  int64_t r = 0, pos = 0;
  for (int64_t i = 0, q = 0; st == CHURN_OK && i < n; i++) {
    if (w && !(w[i] > 0)) continue;
    if ((q * take) / m != ((q + 1) * take) / m) {  /* the row after each multiple of m / take */
      for (int64_t j = 0; j < d; j++) Xp[r * d + j] = churn__xget(X, dtype, ld, i, j);
      pos += y[i] != 0.0;
      yp[r++] = y[i];
    }
    q++;
  }
  if (st == CHURN_OK && take < m && (pos == 0 || pos == r)) {
    *kind = 1;  /* one class only in the subsample: it proves nothing */
  } else if (st == CHURN_OK) {
    st = churn_separation_check(Xp, CHURN_F64, r, d, d, yp, fi, kind, dir);
  }
  churn__free(Xp);
  churn__free(yp);
  return st;
}

/* churn_separation_check on the rows of positive weight (zero-weight rows are no observations:
 * they cannot separate anything, and the check itself ignores weights).  Its cost grows with the
 * rows: measured on 1M x 32 (one thread) 1.0-1.2 s with or without separation
 * (bench/bench_separation.py --large).
 * Fewer rows only enlarge the cone of separating directions, so a subsample without separation
 * proves that the whole data have none: with many rows an evenly spread subsample (as large as
 * the warm start's, max(32768, 32 k^2) rows) is checked first, and the whole data only when it
 * is separated (or holds one class). */
static churn_status exact_check(const void *X, churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                                const double *y, const double *w, int fi, int *kind,
                                int8_t *dir) {
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++) m += !w || w[i] > 0;
  if (m >= SEP_SUBSAMPLE_MIN) {
    int64_t take = churn__subsample_rows(m, d + fi, 1);
    CHURN_TRY(check_rows(X, dtype, n, d, ld, y, w, m, take, fi, kind, dir));
    if (*kind == 0) return CHURN_OK;
  }
  if (m == n) return churn_separation_check(X, dtype, n, d, ld, y, fi, kind, dir);
  return check_rows(X, dtype, n, d, ld, y, w, m, m, fi, kind, dir);
}

/* Under complete separation every coefficient can run off, so the list of infinite ones does
 * not point at the culprit; a column that orders the classes by itself usually is.  Writes
 * "; 'x5' alone separates the classes (every churner above every other row)" into buf (up to
 * SEP_NAMES_SHOWN columns; empty when none does), from one pass over the rows of positive
 * weight: column j separates alone iff max over y = 0 < min over y = 1, or the reverse. */
static void lone_separators(const void *X, churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                            const double *y, const double *w, const char *const *names,
                            char *buf, size_t cap) {
  buf[0] = '\0';
  double *mm = churn__malloc_array((size_t)(4 * d), sizeof(double));
  if (mm == NULL) return;  /* only a hint: no memory, no hint */
  double *lo0 = mm, *hi0 = mm + d, *lo1 = mm + 2 * d, *hi1 = mm + 3 * d;
  for (int64_t j = 0; j < d; j++) lo0[j] = lo1[j] = INFINITY, hi0[j] = hi1[j] = -INFINITY;
  for (int64_t i = 0; i < n; i++) {
    if (w && !(w[i] > 0)) continue;
    double *lo = y[i] != 0.0 ? lo1 : lo0, *hi = y[i] != 0.0 ? hi1 : hi0;
    for (int64_t j = 0; j < d; j++) {
      double v = churn__xget(X, dtype, ld, i, j);
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  size_t len = 0;
  int shown = 0;
  for (int64_t j = 0; j < d && shown < SEP_NAMES_SHOWN; j++) {
    int up = hi0[j] < lo1[j], down = hi1[j] < lo0[j];
    if (!up && !down) continue;
    char dflt[32];
    const char *nm = names ? names[j] : NULL;
    if (nm == NULL) {
      snprintf(dflt, sizeof dflt, "x%lld", (long long)j);
      nm = dflt;
    }
    int wr = snprintf(buf + len, cap - len, "%s'%.60s' (churners %s)", shown ? ", " : "; ", nm,
                      up ? "above" : "below");
    if (wr > 0) len = len + (size_t)wr < cap ? len + (size_t)wr : cap - 1;
    shown++;
  }
  if (shown) {
    snprintf(buf + len, cap - len, " alone separate%s the classes", shown > 1 ? "" : "s");
  }
  churn__free(mm);
}

/* CHURN_E_SEPARATION naming the kind and the infinite coefficients with their directions;
 * hint (may be "") is appended. */
static churn_status separation_error(int kind, const int8_t *dir, int64_t d, int fi,
                                     const char *const *names, const char *hint) {
  char list[700];
  size_t len = 0;
  int64_t shown = 0, total = 0;
  list[0] = '\0';
  for (int64_t j = 0; j < d; j++) {
    if (dir[fi + j] == 0) continue;
    if (++total > SEP_NAMES_SHOWN) continue;
    char dflt[32];
    const char *nm = names ? names[j] : NULL;
    if (nm == NULL) {
      snprintf(dflt, sizeof dflt, "x%lld", (long long)j);
      nm = dflt;
    }
    int wr = snprintf(list + len, sizeof list - len, "%s'%.60s' (%cinf)", shown ? ", " : "", nm,
                      dir[fi + j] > 0 ? '+' : '-');
    if (wr > 0) len = len + (size_t)wr < sizeof list ? len + (size_t)wr : sizeof list - 1;
    shown++;
  }
  char more[48] = "";
  if (total > shown) {
    snprintf(more, sizeof more, "%s %lld more column%s", fi && dir[0] ? "," : " and",
             (long long)(total - shown), total - shown > 1 ? "s" : "");
  }
  char icpt[40] = "";
  if (fi && dir[0] != 0) {
    snprintf(icpt, sizeof icpt, "%sthe intercept (%cinf)", total ? " and " : "",
             dir[0] > 0 ? '+' : '-');
  }
  return churn__fail(CHURN_E_SEPARATION, "%s separation (exact check): the maximum likelihood "
                     "estimate does not exist; the estimate%s of %s%s%s %s infinite; use "
                     "fit.penalty = FIRTH (finite, bias-reduced estimates) or fit.penalty = L2, "
                     "or drop %s%s", kind == 2 ? "complete" : "quasi-complete",
                     total + (icpt[0] != 0) > 1 ? "s" : "", list, more, icpt,
                     total + (icpt[0] != 0) > 1 ? "are" : "is",
                     hint[0] ? "the separating columns" :
                     total > 1 ? "these columns" : "this column", hint);
}

/* Lets the exact check settle what the solver's run (status rc) says about separation; may
 * resume the solver (see above).  Returns the status the fit ends with. */
static churn_status settle_separation(churn_solver *s, churn_status rc, const churn_options *opts,
                                      const void *X, churn_dtype dtype, int64_t n, int64_t d,
                                      int64_t ld, const double *y, const double *w,
                                      const char *const *names, int nthreads) {
  int64_t pen = CHURN_PENALTY_NONE, fi = 1;
  if (opts) {
    churn_options_get_int(opts, CHURN_OPT_FIT_PENALTY, &pen);
    churn_options_get_int(opts, CHURN_OPT_FIT_INTERCEPT, &fi);
  }
  if (pen != CHURN_PENALTY_NONE || d == 0) return rc;
  int suspect = rc == CHURN_E_SEPARATION || rc == CHURN_E_NOT_CONVERGED;
  if (rc == CHURN_OK) CHURN_TRY(churn__solver_suspect_separation(s, &suspect));
  if (!suspect) return rc;
  char why[512] = "";
  if (rc != CHURN_OK) snprintf(why, sizeof why, "%s", churn_last_error());
  int kind = 0;
  int8_t *dir = churn__malloc((size_t)(d + fi));
  churn_status st = dir ? exact_check(X, dtype, n, d, ld, y, w, (int)fi, &kind, dir)
                        : churn__nomem("separation check");
  if (st == CHURN_OK && kind > 0) {
    char hint[600] = "";
    if (kind == 2 && fi) lone_separators(X, dtype, n, d, ld, y, w, names, hint, sizeof hint);
    st = separation_error(kind, dir, d, (int)fi, names, hint);
  }
  churn__free(dir);
  if (st == CHURN_E_NOMEM || st == CHURN_E_SEPARATION) return st;
  if (st != CHURN_OK) {  /* the check could not decide: the solver's verdict stands */
    return rc == CHURN_OK ? CHURN_OK : churn__fail(rc, "%s", why);
  }
  if (rc == CHURN_E_SEPARATION) {
    churn__solver_assume_finite(s);
    rc = iterate(s, X, dtype, n, ld, y, w, nthreads);
    if (rc == CHURN_OK) return CHURN_OK;
    snprintf(why, sizeof why, "%s", churn_last_error());
  }
  if (rc == CHURN_E_NOT_CONVERGED) {
    return churn__fail(rc, "%s; the data are not separated (exact check), so the estimate is "
                       "finite but may be large: raise fit.max_iter or loosen fit.tol", why);
  }
  return rc;
}

/* The arguments every in-memory fit checks before anything else (fn names the public call). */
static churn_status check_fit_args(const char *fn, const void *X, churn_dtype dtype, int64_t n,
                                   int64_t d, int64_t ld, const double *y, churn_model **out) {
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_TRY(churn__check_matrix(fn, X, dtype, n, d, ld));
  CHURN_CHECK_ARG(n >= 1, "%s: n = %lld: no rows", fn, (long long)n);
  CHURN_CHECK_ARG(y != NULL, "%s: y is NULL", fn);
  return CHURN_OK;
}

/* The in-memory fit behind churn_model_fit and churn_model_fit_clustered, after
 * check_fit_args; fn names the public call in messages; cl NULL for a fit without cluster
 * covariance. */
static churn_status fit_in_memory(const char *fn, const void *X, churn_dtype dtype, int64_t n,
                                  int64_t d, int64_t ld, const double *y,
                                  const double *sample_weight, const churn__clusters *cl,
                                  const char *const *feature_names, const churn_options *opts,
                                  churn_model **out) {
  churn_solver *s = NULL;
  int threads = 1;
  CHURN_TRY(churn__context(churn__solver_new(d, feature_names, opts, &threads, &s), "%s", fn));
  int nthreads = churn__resolve_threads(threads);
  double tol = 1e-8;
  if (opts) churn_options_get_real(opts, CHURN_OPT_FIT_TOL, &tol);
  churn__subsample ss;
  memset(&ss, 0, sizeof ss);
  churn_status rc = CHURN_OK;
  bool warm = n >= CHURN__WARM_MIN_ROWS;
  if (warm) {
    rc = churn__subsample_take(&ss, churn__subsample_rows(n, d + 1, 1), X, dtype, n, d, ld, y,
                               sample_weight);
  }
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
  churn__subsample_free(&ss);
  if (rc == CHURN_OK) {
    rc = iterate(s, X, dtype, n, ld, y, sample_weight, nthreads);
    rc = settle_separation(s, rc, opts, X, dtype, n, d, ld, y, sample_weight, feature_names,
                           nthreads);
  }
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
  const char *fn = "churn_model_fit";
  CHURN_TRY(check_fit_args(fn, X, dtype, n, d, ld, y, out));
  if (churn__firth_requested(opts)) {  /* its own driver: firth.c */
    return churn__firth_fit(fn, X, dtype, n, d, ld, y, sample_weight, feature_names, opts, out);
  }
  return fit_in_memory(fn, X, dtype, n, d, ld, y, sample_weight, NULL, feature_names, opts, out);
}

CHURN_API churn_status churn_model_fit_clustered(const void *X, churn_dtype dtype, int64_t n,
                                                 int64_t d, int64_t ld, const double *y,
                                                 const double *sample_weight,
                                                 const int64_t *groups,
                                                 const char *const *feature_names,
                                                 const churn_options *opts, churn_model **out) {
  const char *fn = "churn_model_fit_clustered";
  CHURN_TRY(check_fit_args(fn, X, dtype, n, d, ld, y, out));
  churn__clusters cl;
  churn_options *plain = NULL;
  CHURN_TRY(churn__clusters_prepare(fn, n, d, groups, opts, &cl, &plain));
  churn_status rc = fit_in_memory(fn, X, dtype, n, d, ld, y, sample_weight, &cl, feature_names,
                                  plain, out);
  churn_options_free(plain);
  churn__clusters_free(&cl);
  return rc;
}
