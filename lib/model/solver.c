/*
 * solver.c -- the Newton driver behind every fit.  It holds the standardisation (from pass 0's
 * column moments), the penalty and the current coefficients, and turns the sufficient
 * statistics of one pass into the next point:
 *   - unpenalised / L2: a Newton step with the exact Hessian, or, when the driver is "lazy"
 *     (in-memory fits of many rows), a step in a fixed metric (the last exact or subsample
 *     Hessian) that costs only a gradient pass; a fresh Hessian is asked for when the gradient
 *     stops shrinking fast;
 *   - L1 / elastic net: a proximal Newton step, the penalised quadratic model solved by cyclic
 *     coordinate descent;
 *   - every step is guarded by halving it until the penalised objective does not increase.
 * It detects a singular design (pivoted Cholesky on the first Hessian) and separation (a
 * coefficient that keeps running off), and builds the model with its covariance at the end.
 */
#include "firth.h"
#include "logit.h"
#include "model.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

#define SEP_LIMIT 4.0       /* |coefficient| of a standardised column beyond which ... */
#define SEP_STREAK 6        /* ... this many outward steps in a row mean separation */
#define SUSPECT_SE_RATIO 10.0 /* std error / its start value that makes fit.c check exactly */
#define RANK_TOL 1e-10      /* pivot tolerance of the rank check (unit-diagonal scale) */
#define MAX_HALVINGS 40
#define SLOW_CONTRACTION 0.25

typedef enum solver_state { S_MOMENTS = 0, S_ITERATE, S_DONE } solver_state;

struct churn_solver {
  int64_t d, k;
  int fi;
  char **names;
  churn__fit_config cfg;
  /* pass 0 */
  int64_t n, npos, n_wpos;    /* rows, rows with y = 1, rows with weight > 0 */
  double sw, swp;             /* sample-weight sums (no class weights) */
  double *shift, *m1, *m2;    /* shifted weighted column sums */
  int have_shift;
  /* iteration */
  solver_state state;
  double *center, *scale;
  double lam1, lam2;          /* objective: -ll + lam2/2 sum pen2 b^2 + lam1 sum pen1 |b| */
  double *pen1, *pen2;
  double *beta, *beta_prev, *step, *G;
  double f_prev;
  int have_prev, halvings;
  double *A;                  /* metric: H + lam2 diag(pen2), full */
  double *L;                  /* its Cholesky factor */
  int have_metric;
  double *Hx;                 /* last exact Hessian of -ll, at beta when hx_here */
  int hx_here, rank_checked, final_pass;
  int want_h, lazy;
  int64_t iter, passes;
  double crit, crit_prev;
  double ll, sum_w, sum_w_pos;
  int64_t *streak;            /* per coefficient: outward steps in a row beyond SEP_LIMIT */
  double *q;                  /* coordinate-descent workspace */
  double *se0;                /* std errors (z-scale) at the first exact Hessian */
  double *G_prev;             /* gradient at beta_prev, for the quasi-Newton metric update */
  double *Mx;                 /* score outer products at beta when mx_here (sandwich covariance) */
  int mx_here;
  int hx_near;                /* Hx (and Mx) were taken at an iterate with criterion <= 100 tol */
  int have_se0;
  int converged;
  int hx_any;                 /* some pass of the full data carried the exact Hessian (in Hx) */
  int finite_known;           /* an exact check found no separation: the heuristics stay quiet */
};

/* --- construction --------------------------------------------------------------------------- */

static churn_status read_config(const churn_options *opts, churn__fit_config *c, int64_t *threads) {
  churn_options *own = NULL;
  if (opts == NULL) {
    CHURN_TRY(churn_options_new(&own));
    opts = own;
  }
  int64_t pen = 0, fi = 1, cw = 0, st = 1, cov = 0, inf = 1;
  churn_status s = CHURN_OK;
  if (s == CHURN_OK) s = churn_options_get_int(opts, CHURN_OPT_FIT_PENALTY, &pen);
  if (s == CHURN_OK) s = churn_options_get_real(opts, CHURN_OPT_FIT_C, &c->C);
  if (s == CHURN_OK) s = churn_options_get_real(opts, CHURN_OPT_FIT_L1_RATIO, &c->l1_ratio);
  if (s == CHURN_OK) s = churn_options_get_int(opts, CHURN_OPT_FIT_INTERCEPT, &fi);
  if (s == CHURN_OK) s = churn_options_get_real(opts, CHURN_OPT_FIT_TOL, &c->tol);
  if (s == CHURN_OK) s = churn_options_get_int(opts, CHURN_OPT_FIT_MAX_ITER, &c->max_iter);
  if (s == CHURN_OK) s = churn_options_get_int(opts, CHURN_OPT_FIT_CLASS_WEIGHT, &cw);
  if (s == CHURN_OK) s = churn_options_get_int(opts, CHURN_OPT_FIT_STANDARDIZE, &st);
  if (s == CHURN_OK) s = churn_options_get_int(opts, CHURN_OPT_FIT_THREADS, threads);
  if (s == CHURN_OK) s = churn_options_get_int(opts, CHURN_OPT_FIT_COV_TYPE, &cov);
  if (s == CHURN_OK) s = churn_options_get_real(opts, CHURN_OPT_FIT_POPULATION_RATE,
                                                &c->population_rate);
  if (s == CHURN_OK) s = churn_options_get_int(opts, CHURN_OPT_FIT_INFERENCE, &inf);
  churn_options_free(own);
  CHURN_TRY(s);
  c->penalty = (int)pen;
  c->fit_intercept = (int)fi;
  c->class_weight = (int)cw;
  c->standardize = (int)st;
  c->cov_type = (int)cov;
  c->inference = (int)inf;
  c->class_weight0 = c->class_weight1 = 1.0;
  if (c->population_rate > 0 && !fi) {
    return churn__fail(CHURN_E_ARG, "fit.population_rate corrects the intercept: it needs "
                       "fit.intercept = 1");
  }
  if (c->population_rate > 0 && cw) {
    return churn__fail(CHURN_E_ARG, "fit.population_rate and fit.class_weight both move the "
                       "intercept: set one of them (population_rate for rows sampled by outcome)");
  }
  if (cov == CHURN_COV_CLUSTER) {
    return churn__fail(CHURN_E_ARG, "fit.cov_type = CLUSTER: cluster covariance needs groups: "
                       "call churn_model_fit_clustered (in-memory fits only; streamed, CSV and "
                       "distributed fits offer NONROBUST, HC0 and HC1)");
  }
  return CHURN_OK;
}

static churn_status copy_names(int64_t d, const char *const *names, char ***out) {
  char **nm = churn__calloc((size_t)d + 1, sizeof *nm);
  if (nm == NULL) return churn__nomem("feature names");
  for (int64_t j = 0; j < d; j++) {
    char buf[32];
    const char *src = names ? names[j] : NULL;
    if (names && src == NULL) {
      for (int64_t q = 0; q < j; q++) churn__free(nm[q]);
      churn__free(nm);
      return churn__fail(CHURN_E_ARG, "feature_names[%lld] is NULL", (long long)j);
    }
    if (src == NULL) {
      snprintf(buf, sizeof buf, "x%lld", (long long)j);
      src = buf;
    }
    nm[j] = churn__strdup(src);
    if (nm[j] == NULL) {
      for (int64_t q = 0; q < j; q++) churn__free(nm[q]);
      churn__free(nm);
      return churn__nomem("feature names");
    }
  }
  *out = nm;
  return CHURN_OK;
}

CHURN_API void churn_solver_free(churn_solver *s) {
  if (s == NULL) return;
  for (int64_t j = 0; s->names && j < s->d; j++) churn__free(s->names[j]);
  churn__free(s->names);
  double *arrays[] = {s->shift, s->m1, s->m2, s->center, s->scale, s->pen1, s->pen2, s->beta,
                      s->beta_prev, s->step, s->G, s->A, s->L, s->Hx};
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) churn__free(arrays[i]);
  churn__free(s->streak);
  churn__free(s->q);
  churn__free(s->se0);
  churn__free(s->G_prev);
  churn__free(s->Mx);
  churn__free(s);
}

static churn_status solver_alloc(int64_t d, int fi, churn_solver **out) {
  churn_solver *s = churn__calloc(1, sizeof *s);
  if (s == NULL) return churn__nomem("solver");
  int64_t k = d + fi;
  s->d = d;
  s->k = k;
  s->fi = fi;
  size_t dd = (size_t)d + 1, kk = (size_t)k, k2 = (size_t)(k * k);
  s->shift = churn__calloc(dd, sizeof(double));
  s->m1 = churn__calloc(dd, sizeof(double));
  s->m2 = churn__calloc(dd, sizeof(double));
  s->center = churn__calloc(dd, sizeof(double));
  s->scale = churn__calloc(dd, sizeof(double));
  s->pen1 = churn__calloc(kk, sizeof(double));
  s->pen2 = churn__calloc(kk, sizeof(double));
  s->beta = churn__calloc(kk, sizeof(double));
  s->beta_prev = churn__calloc(kk, sizeof(double));
  s->step = churn__calloc(kk, sizeof(double));
  s->G = churn__calloc(kk, sizeof(double));
  s->A = churn__calloc(k2, sizeof(double));
  s->L = churn__calloc(k2, sizeof(double));
  s->Hx = churn__calloc(k2, sizeof(double));
  s->streak = churn__calloc(kk, sizeof(int64_t));
  s->q = churn__calloc(kk, sizeof(double));
  s->se0 = churn__calloc(kk, sizeof(double));
  s->G_prev = churn__calloc(kk, sizeof(double));
  s->Mx = churn__calloc(k2, sizeof(double));
  if (!s->Mx || !s->q || !s->se0 || !s->G_prev || !s->shift || !s->m1 || !s->m2 || !s->center || !s->scale || !s->pen1 || !s->pen2 ||
      !s->beta || !s->beta_prev || !s->step || !s->G || !s->A || !s->L || !s->Hx || !s->streak) {
    churn_solver_free(s);
    return churn__nomem("solver");
  }
  *out = s;
  return CHURN_OK;
}

/* A solver; firth_ok 1 only for the Firth driver (firth.c), which runs its own iteration on the
 * solver's set-up: every other fit (streams, CSV, the public solver API) refuses FIRTH. */
static churn_status solver_create(int64_t d, const char *const *feature_names,
                                  const churn_options *opts, int firth_ok, int *nthreads,
                                  churn_solver **out) {
  churn__fit_config cfg;
  memset(&cfg, 0, sizeof cfg);
  int64_t threads = 1;
  CHURN_TRY(read_config(opts, &cfg, &threads));
  if (cfg.penalty == CHURN_PENALTY_FIRTH && !firth_ok) {
    return churn__fail(CHURN_E_ARG, "fit.penalty = FIRTH: Firth needs the in-memory fit "
                       "(churn_model_fit)");
  }
  if (cfg.penalty == CHURN_PENALTY_FIRTH && cfg.cov_type != CHURN_COV_NONROBUST) {
    return churn__fail(CHURN_E_ARG, "fit.cov_type = %d with fit.penalty = FIRTH: a Firth fit has "
                       "only the nonrobust covariance I(b)^-1 (CHURN_COV_NONROBUST)",
                       cfg.cov_type);
  }
  if (nthreads) *nthreads = (int)threads;
  CHURN_CHECK_ARG(d >= 0 && d <= 100000, "d = %lld outside [0, 100000]", (long long)d);
  CHURN_CHECK_ARG(d > 0 || cfg.fit_intercept, "d = 0 and no intercept: nothing to fit");
  churn_solver *s = NULL;
  CHURN_TRY(solver_alloc(d, cfg.fit_intercept, &s));
  s->cfg = cfg;
  churn_status st = copy_names(d, feature_names, &s->names);
  if (st != CHURN_OK) {
    churn_solver_free(s);
    return st;
  }
  *out = s;
  return CHURN_OK;
}

churn_status churn__solver_new(int64_t d, const char *const *feature_names,
                               const churn_options *opts, int *nthreads, churn_solver **out) {
  return solver_create(d, feature_names, opts, 0, nthreads, out);
}

churn_status churn__solver_new_firth(int64_t d, const char *const *feature_names,
                                     const churn_options *opts, int *nthreads,
                                     churn_solver **out) {
  return solver_create(d, feature_names, opts, 1, nthreads, out);
}

CHURN_API churn_status churn_solver_new(int64_t d, const char *const *feature_names,
                                        const churn_options *opts, churn_solver **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_solver_new: out is NULL");
  return churn__context(churn__solver_new(d, feature_names, opts, NULL, out), "churn_solver_new");
}

/* --- pass 0: moments and checks ------------------------------------------------------------- */

/* CHURN_E_DATA naming row when its label is not 0 or 1 or its weight not finite and >= 0. */
static churn_status check_label_weight(int64_t row, double yi, double wi) {
  if (!(yi == 0.0 || yi == 1.0)) {
    return churn__fail(CHURN_E_DATA, "y at row %lld is %.17g; labels must be 0 or 1",
                       (long long)row, yi);
  }
  if (!(wi >= 0.0 && churn__is_finite(wi))) {
    return churn__fail(CHURN_E_DATA, "sample_weight at row %lld is %.17g; weights must be "
                       "finite and >= 0", (long long)row, wi);
  }
  return CHURN_OK;
}

/* The first invalid value among rows [i0, i1) of pass 0, in row order (y, then the weight, then
 * X's values, then their squares): CHURN_E_DATA naming it, or CHURN_OK when there is none. */
static churn_status moments_locate_bad(const churn_solver *s, const void *X, churn_dtype dtype,
                                       int64_t ld, const double *y, const double *w, int64_t i0,
                                       int64_t i1, int64_t first_row) {
  const int64_t d = s->d;
  for (int64_t i = i0; i < i1; i++) {
    CHURN_TRY(check_label_weight(first_row + i, y[i], w ? w[i] : 1.0));
    for (int64_t j = 0; j < d; j++) {
      double v = churn__xget(X, dtype, ld, i, j);
      if (!churn__is_finite(v)) {
        return churn__fail(CHURN_E_DATA, "X has a non-finite value (%g) at row %lld, column "
                           "%lld ('%s')", v, (long long)(first_row + i), (long long)j,
                           s->names[j]);
      }
    }
    for (int64_t j = 0; j < d; j++) {
      double v = churn__xget(X, dtype, ld, i, j), t = v - s->shift[j];
      if (!churn__is_finite(t * t)) {
        return churn__fail(CHURN_E_DATA, "X value %g at row %lld, column %lld ('%s') overflows: "
                           "its square exceeds the double range (keep |x| below 1e150; "
                           "rescale the column)", v, (long long)(first_row + i), (long long)j,
                           s->names[j]);
      }
    }
  }
  return CHURN_OK;
}

#define MOMENT_BLOCK 256  /* rows between two checks of the running sums */

churn_status churn__solver_add_moments(churn_solver *s, const void *X, churn_dtype dtype,
                                       int64_t n, int64_t ld, const double *y, const double *w,
                                       int64_t first_row) {
  const int64_t d = s->d;
  if (n == 0) return CHURN_OK;
  if (!s->have_shift) {
    for (int64_t j = 0; j < d; j++) {
      double v = churn__xget(X, dtype, ld, 0, j);
      s->shift[j] = churn__is_finite(v) ? v : 0.0;
    }
    s->have_shift = 1;
  }
  double *m1 = s->m1, *m2 = s->m2;
  const double *K = s->shift;
  /* A non-finite x, or one whose square overflows, turns its column's sums non-finite (a zero
   * weight too: 0 * inf is NaN), so the sums are checked once per block of rows and the block
   * is searched only when they went bad (or a label or weight was invalid). */
  for (int64_t i0 = 0; i0 < n; i0 += MOMENT_BLOCK) {
    const int64_t i1 = n - i0 < MOMENT_BLOCK ? n : i0 + MOMENT_BLOCK;
    int64_t bad = 0;
    for (int64_t i = i0; i < i1; i++) {
      const double yi = y[i], wi = w ? w[i] : 1.0;
      bad |= !(yi == 0.0 || yi == 1.0) | !(wi >= 0.0 && wi <= DBL_MAX);
      if (dtype == CHURN_F64) {
        const double *x = (const double *)X + i * ld;
        for (int64_t j = 0; j < d; j++) {
          double t = x[j] - K[j];
          m1[j] += wi * t;
          m2[j] += wi * (t * t);
        }
      } else {
        const float *x = (const float *)X + i * ld;
        for (int64_t j = 0; j < d; j++) {
          double t = (double)x[j] - K[j];
          m1[j] += wi * t;
          m2[j] += wi * (t * t);
        }
      }
      s->sw += wi;
      s->n_wpos += wi > 0;
      s->npos += yi != 0.0;
      s->swp += wi * (yi != 0.0);
    }
    s->n += i1 - i0;
    double sums = 0;
    for (int64_t j = 0; j < d; j++) sums += m1[j] * 0.0 + m2[j] * 0.0;
    if (bad || sums != 0.0) {
      CHURN_TRY(moments_locate_bad(s, X, dtype, ld, y, w, i0, i1, first_row));
    }
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_solver_add_moments(churn_solver *solver, const void *X,
                                                churn_dtype dtype, int64_t n, int64_t d,
                                                int64_t ld, const double *y,
                                                const double *sample_weight, int64_t first_row) {
  const char *fn = "churn_solver_add_moments";
  CHURN_CHECK_ARG(solver != NULL, "%s: solver is NULL", fn);
  CHURN_CHECK_ARG(solver->state == S_MOMENTS, "%s: called after churn_solver_begin", fn);
  CHURN_TRY(churn__check_matrix(fn, X, dtype, n, d, ld));
  CHURN_CHECK_ARG(d == solver->d, "%s: X has %lld columns, the solver %lld", fn, (long long)d,
                  (long long)solver->d);
  CHURN_CHECK_ARG(y != NULL || n == 0, "%s: y is NULL", fn);
  return churn__solver_add_moments(solver, X, dtype, n, ld, y, sample_weight, first_row);
}

/* Pass 0 in parts: the moments as 3d + 5 values (layout in churn.h), so that solvers on workers
 * can each take a partition and a driver merges them. */
static churn_status check_moments_args(const char *fn, const churn_solver *solver,
                                       const double *moments, int64_t len) {
  CHURN_CHECK_ARG(solver != NULL && moments != NULL, "%s: solver and moments must not be NULL",
                  fn);
  CHURN_CHECK_ARG(len == 3 * solver->d + 5, "%s: len = %lld, expected 3 d + 5 = %lld", fn,
                  (long long)len, (long long)(3 * solver->d + 5));
  CHURN_CHECK_ARG(solver->state == S_MOMENTS, "%s: called after churn_solver_begin", fn);
  return CHURN_OK;
}

CHURN_API churn_status churn_solver_get_moments(const churn_solver *solver, double *moments,
                                                int64_t len) {
  CHURN_TRY(check_moments_args("churn_solver_get_moments", solver, moments, len));
  const int64_t d = solver->d;
  memcpy(moments, solver->shift, (size_t)d * sizeof(double));
  memcpy(moments + d, solver->m1, (size_t)d * sizeof(double));
  memcpy(moments + 2 * d, solver->m2, (size_t)d * sizeof(double));
  double *c = moments + 3 * d;
  c[0] = (double)solver->n, c[1] = (double)solver->npos, c[2] = (double)solver->n_wpos;
  c[3] = solver->sw, c[4] = solver->swp;
  return CHURN_OK;
}

CHURN_API churn_status churn_solver_merge_moments(churn_solver *solver, const double *moments,
                                                  int64_t len) {
  const char *fn = "churn_solver_merge_moments";
  CHURN_TRY(check_moments_args(fn, solver, moments, len));
  const int64_t d = solver->d;
  const double *K = moments, *m1 = moments + d, *m2 = moments + 2 * d, *c = moments + 3 * d;
  for (int64_t q = 0; q < 3 * d + 5; q++) {
    CHURN_CHECK_ARG(churn__is_finite(moments[q]), "%s: moments[%lld] is not finite", fn,
                    (long long)q);
  }
  for (int q = 0; q < 5; q++) {
    CHURN_CHECK_ARG(c[q] >= 0 && (q >= 3 || (c[q] == floor(c[q]) && c[q] <= 9007199254740992.0)),
                    "%s: moments[%lld] = %.17g must be a count (row counts whole, sums >= 0)", fn,
                    (long long)(3 * d + q), c[q]);
  }
  CHURN_CHECK_ARG(c[1] <= c[0] && c[2] <= c[0] && c[4] <= c[3] * (1 + 1e-12),
                  "%s: inconsistent counts (rows %.17g, with y = 1 %.17g, with weight > 0 %.17g, "
                  "weight %.17g, of y = 1 %.17g)", fn, c[0], c[1], c[2], c[3], c[4]);
  if (c[0] == 0) return CHURN_OK;
  if (!solver->have_shift) {
    memcpy(solver->shift, K, (size_t)d * sizeof(double));
    solver->have_shift = 1;
  }
  /* Sums about the other part's shift K re-expressed about ours S: x - S = (x - K) + t. */
  for (int64_t j = 0; j < d; j++) {
    double t = K[j] - solver->shift[j];
    solver->m1[j] += m1[j] + c[3] * t;
    solver->m2[j] += m2[j] + 2.0 * t * m1[j] + c[3] * t * t;
  }
  solver->n += (int64_t)c[0], solver->npos += (int64_t)c[1], solver->n_wpos += (int64_t)c[2];
  solver->sw += c[3], solver->swp += c[4];
  return CHURN_OK;
}

/* Replaces the row counts with those of a label pass over all rows (when the column moments
 * came from a subsample): validates y and weights, naming the row. */
churn_status churn__solver_count_labels(churn_solver *s, int64_t n, const double *y,
                                        const double *w) {
  /* Branch-free: churners are not predictable row by row. */
  int64_t npos = 0, n_wpos = 0, bad = 0;
  double sw = 0, swp = 0;
  if (w == NULL) {
    for (int64_t i = 0; i < n; i++) {
      const double yi = y[i];
      bad |= !(yi == 0.0 || yi == 1.0);
      npos += yi != 0.0;
    }
    sw = (double)n, swp = (double)npos, n_wpos = n;
  } else {
    for (int64_t i = 0; i < n; i++) {
      const double yi = y[i], wi = w[i];
      bad |= !(yi == 0.0 || yi == 1.0) | !(wi >= 0.0 && wi <= DBL_MAX);
      sw += wi;
      swp += wi * (yi != 0.0);
      n_wpos += wi > 0;
      npos += yi != 0.0;
    }
  }
  for (int64_t i = 0; bad && i < n; i++) CHURN_TRY(check_label_weight(i, y[i], w ? w[i] : 1.0));
  /* Column sums stay those of the subsample: rescale them to the full weight. */
  double f = s->sw > 0 ? sw / s->sw : 1.0;
  for (int64_t j = 0; j < s->d; j++) s->m1[j] *= f, s->m2[j] *= f;
  s->n = n, s->npos = npos, s->n_wpos = n_wpos, s->sw = sw, s->swp = swp;
  return CHURN_OK;
}

churn_status churn__solver_sum_weights(const churn_solver *s, double *sw) {
  *sw = s->sw;
  return CHURN_OK;
}

void churn__solver_reset_moments(churn_solver *s) {
  memset(s->m1, 0, (size_t)s->d * sizeof(double));
  memset(s->m2, 0, (size_t)s->d * sizeof(double));
  s->have_shift = 0;
  s->n = s->npos = s->n_wpos = 0;
  s->sw = s->swp = 0;
}

int churn__solver_needs_exact_moments(const churn_solver *s) {
  return s->cfg.penalty != CHURN_PENALTY_NONE && s->cfg.standardize;
}

static int penalized(const churn_solver *s) { return s->cfg.penalty != CHURN_PENALTY_NONE; }

CHURN_API churn_status churn_solver_begin(churn_solver *s) {
  CHURN_CHECK_ARG(s != NULL, "churn_solver_begin: solver is NULL");
  CHURN_CHECK_ARG(s->state == S_MOMENTS, "churn_solver_begin: called twice");
  const int64_t d = s->d, fi = s->fi;
  if (s->n == 0) return churn__fail(CHURN_E_DATA, "no rows");
  if (!(s->sw > 0)) return churn__fail(CHURN_E_DATA, "every sample weight is 0");
  if (s->npos == 0 || s->swp == 0) {
    return churn__fail(CHURN_E_DATA, "y has a single class: every row (of positive weight) has "
                       "y = 0; a churn model needs both churners and non-churners");
  }
  if (s->npos == s->n || s->swp == s->sw) {
    return churn__fail(CHURN_E_DATA, "y has a single class: every row (of positive weight) has "
                       "y = 1; a churn model needs both churners and non-churners");
  }
  if ((!penalized(s) || s->cfg.penalty == CHURN_PENALTY_FIRTH) && s->n_wpos < s->k) {
    return churn__fail(CHURN_E_DATA, "%lld rows with positive weight for %lld coefficients: an "
                       "%s fit needs at least as many rows as coefficients",
                       (long long)s->n_wpos, (long long)s->k,
                       penalized(s) ? "unpenalised or Firth" : "unpenalised");
  }
  for (int64_t j = 0; j < d; j++) {
    double mu = s->m1[j] / s->sw;
    double var = s->m2[j] / s->sw - mu * mu;
    double mean = s->shift[j] + mu;
    if (fi) {
      double sd = var > 0 ? sqrt(var) : 0.0;
      s->center[j] = mean;
      /* A constant column keeps scale 1 (its centred values are ~0: the rank check names it). */
      s->scale[j] = (sd > 1e-12 * fabs(mean) && sd > 0) ? sd : 1.0;
    } else {
      double rms = sqrt(mean * mean + (var > 0 ? var : 0));
      s->center[j] = 0.0;
      s->scale[j] = rms > 0 ? rms : 1.0;
    }
  }
  if (s->cfg.class_weight) {
    s->cfg.class_weight1 = (double)s->n / (2.0 * (double)s->npos);
    s->cfg.class_weight0 = (double)s->n / (2.0 * (double)(s->n - s->npos));
  }
  /* Penalty weights on the standardised coefficients (intercept never penalised). */
  double C = s->cfg.C, r = s->cfg.l1_ratio;
  switch (s->cfg.penalty) {
    case CHURN_PENALTY_L2: s->lam2 = 1.0 / C; break;
    case CHURN_PENALTY_L1: s->lam1 = 1.0 / C; break;
    case CHURN_PENALTY_ELASTICNET: s->lam1 = r / C, s->lam2 = (1.0 - r) / C; break;
    default: break;
  }
  for (int64_t j = 0; j < d; j++) {
    double sc = s->cfg.standardize ? 1.0 : 1.0 / s->scale[j];
    s->pen1[fi + j] = sc;
    s->pen2[fi + j] = sc * sc;
  }
  if (fi) {
    double a = s->cfg.class_weight1 * s->swp, b = s->cfg.class_weight0 * (s->sw - s->swp);
    s->beta[0] = log(a / b);
  }
  s->state = S_ITERATE;
  s->want_h = 1;
  s->crit_prev = INFINITY;
  return CHURN_OK;
}

/* --- internal set-up used by the in-memory fit ---------------------------------------------- */

void churn__solver_set_lazy(churn_solver *s, int lazy) {
  s->lazy = lazy && s->lam1 == 0;
}

/* A solver for a subsample of the rows with the same standardisation, penalty and start. */
churn_status churn__solver_clone(const churn_solver *s, churn_solver **out) {
  churn_solver *c = NULL;
  CHURN_TRY(solver_alloc(s->d, s->fi, &c));
  const int64_t d = s->d, k = s->k;
  c->cfg = s->cfg;
  c->n = s->n, c->npos = s->npos, c->n_wpos = s->n_wpos, c->sw = s->sw, c->swp = s->swp;
  memcpy(c->center, s->center, (size_t)d * sizeof(double));
  memcpy(c->scale, s->scale, (size_t)d * sizeof(double));
  memcpy(c->pen1, s->pen1, (size_t)k * sizeof(double));
  memcpy(c->pen2, s->pen2, (size_t)k * sizeof(double));
  memcpy(c->beta, s->beta, (size_t)k * sizeof(double));
  c->lam1 = s->lam1, c->lam2 = s->lam2;
  c->state = S_ITERATE;
  c->want_h = 1;
  c->crit_prev = INFINITY;
  c->names = NULL;
  *out = c;
  return CHURN_OK;
}

/* Starts s from the optimum of a subsample solver, with its Hessian (scaled by factor to the
 * full data) as the metric of a lazy s's first, gradient-only, pass. */
churn_status churn__solver_warm_start(churn_solver *s, const churn_solver *sub, double factor) {
  const int64_t k = s->k;
  if (!sub->hx_here) return CHURN_OK;
  memcpy(s->beta, sub->beta, (size_t)k * sizeof(double));
  for (int64_t q = 0; q < k * k; q++) s->A[q] = sub->Hx[q] * factor;
  for (int64_t j = 0; j < k; j++) s->A[j * k + j] += s->lam2 * s->pen2[j];
  memcpy(s->L, s->A, (size_t)(k * k) * sizeof(double));
  if (churn__cholesky(k, s->L) != 0) return CHURN_OK;  /* fall back to a cold start */
  s->have_metric = 1;
  s->want_h = s->lazy ? 0 : 1;  /* a solver that is not lazy (a subsample's) wants exact steps */
  s->rank_checked = sub->rank_checked;
  if (sub->have_se0) {
    for (int64_t j = 0; j < k; j++) s->se0[j] = sub->se0[j] / sqrt(factor);
    s->have_se0 = 1;
  }
  return CHURN_OK;
}

static churn_status check_rank(churn_solver *s);

/* The set-up after churn_solver_begin, for the Firth driver (firth.h). */
void churn__solver_setup(const churn_solver *s, churn__solver_view *v) {
  v->d = s->d;
  v->k = s->k;
  v->fi = s->fi;
  v->names = (const char *const *)s->names;
  v->center = s->center;
  v->scale = s->scale;
  v->beta0 = s->beta;
  v->cfg = &s->cfg;
  v->n = s->n;
  v->positives = s->npos;
  v->sum_w = s->sw;
  v->sum_w_positive = s->swp;
}

/* The rank check of the first exact Hessian on a full symmetric k x k information matrix: the
 * same CHURN_E_SINGULAR message naming the dependent columns. */
churn_status churn__solver_check_rank(churn_solver *s, const double *H) {
  memcpy(s->Hx, H, (size_t)(s->k * s->k) * sizeof(double));
  return check_rank(s);
}

void churn__solver_set_tol(churn_solver *s, double tol) { s->cfg.tol = tol; }
void churn__solver_no_inference(churn_solver *s) { s->cfg.inference = 0; }

/* cluster.c's covariance: records cov_type CLUSTER and, when M is given (k x k full, on the
 * standardised scale, already times the small-sample factor), makes it the meat of the
 * sandwich churn__solver_finish builds for HC0. */
void churn__solver_set_cluster_meat(churn_solver *s, const double *M) {
  s->cfg.cov_type = CHURN_COV_CLUSTER;
  if (M == NULL) return;
  memcpy(s->Mx, M, (size_t)(s->k * s->k) * sizeof(double));
  s->mx_here = 1;
}

CHURN_API churn_status churn_solver_stats_new(const churn_solver *solver, churn_suffstats **out) {
  CHURN_CHECK_ARG(solver != NULL && out != NULL, "churn_solver_stats_new: solver and out must not "
                  "be NULL");
  CHURN_CHECK_ARG(solver->state != S_MOMENTS, "churn_solver_stats_new: call churn_solver_begin "
                  "first");
  return churn_suffstats_new(solver->d, solver->fi, solver->center, solver->scale,
                             solver->cfg.class_weight0, solver->cfg.class_weight1, out);
}

CHURN_API churn_status churn_solver_beta(const churn_solver *solver, double *beta) {
  CHURN_CHECK_ARG(solver != NULL && beta != NULL, "churn_solver_beta: solver and beta must not be "
                  "NULL");
  CHURN_CHECK_ARG(solver->state != S_MOMENTS, "churn_solver_beta: call churn_solver_begin first");
  memcpy(beta, solver->beta, (size_t)solver->k * sizeof(double));
  return CHURN_OK;
}


/* A sandwich covariance is wanted: the Hessian passes also accumulate score outer products. */
static int robust(const churn_solver *s) {
  return s->cfg.cov_type != CHURN_COV_NONROBUST && s->cfg.inference && !penalized(s);
}

CHURN_API int churn_solver_wants_hessian(const churn_solver *solver) {
  if (solver == NULL || !solver->want_h) return 0;
  return robust(solver) ? 2 : 1;
}

/* --- one step ------------------------------------------------------------------------------- */

static double objective(const churn_solver *s, const double *b, double ll) {
  double f = -ll;
  for (int64_t j = 0; j < s->k; j++) {
    f += 0.5 * s->lam2 * s->pen2[j] * b[j] * b[j] + s->lam1 * s->pen1[j] * fabs(b[j]);
  }
  return f;
}

/* max_j |minimum-norm subgradient_j| / sum of weights. */
static double criterion(const churn_solver *s) {
  double m = 0;
  for (int64_t j = 0; j < s->k; j++) {
    double g = s->G[j], l = s->lam1 * s->pen1[j], v;
    if (l == 0) v = fabs(g);
    else if (s->beta[j] != 0) v = fabs(g + (s->beta[j] > 0 ? l : -l));
    else v = fabs(g) > l ? fabs(g) - l : 0.0;
    if (v > m) m = v;
  }
  return m / s->sum_w;
}

static void mirror(int64_t k, double *H) {
  for (int64_t a = 0; a < k; a++) {
    for (int64_t b = 0; b < a; b++) H[a * k + b] = H[b * k + a];
  }
}

/* Names of the columns behind coefficient indices (skipping the intercept) into buf. */
static void name_list(const churn_solver *s, const int64_t *idx, int64_t m, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (int64_t q = 0; q < m && len + 8 < cap; q++) {
    /* A subsample solver (churn__solver_clone) has no names: its messages are never shown, but
     * a separated or singular subsample of a large fit comes through here. */
    char dflt[32];
    const char *nm = (s->fi && idx[q] == 0) ? "intercept" : s->names ? s->names[idx[q] - s->fi]
                                                                      : NULL;
    if (nm == NULL) {
      snprintf(dflt, sizeof dflt, "x%lld", (long long)(idx[q] - s->fi));
      nm = dflt;
    }
    int w = snprintf(buf + len, cap - len, "%s'%s'", q ? ", " : "", nm);
    if (w < 0) break;
    len += (size_t)w;
    if (len >= cap) {
      buf[cap - 1] = '\0';
      break;
    }
  }
}

static churn_status check_rank(churn_solver *s) {
  const int64_t k = s->k;
  int64_t *dep = churn__malloc_array((size_t)k, sizeof(int64_t));
  if (dep == NULL) return churn__nomem("rank check");
  int64_t rank = churn__rank(k, s->Hx, RANK_TOL, dep);
  churn_status st = CHURN_OK;
  if (rank < 0) {
    st = churn__nomem("rank check");
  } else if (rank < k) {
    /* Name the dependent columns in their original order. */
    int64_t m = k - rank;
    for (int64_t a = 1; a < m; a++) {
      for (int64_t b = a; b > 0 && dep[b - 1] > dep[b]; b--) {
        int64_t t = dep[b];
        dep[b] = dep[b - 1];
        dep[b - 1] = t;
      }
    }
    char names[512];
    name_list(s, dep, m, names, sizeof names);
    st = churn__fail(CHURN_E_SINGULAR, "singular design: rank %lld of %lld coefficients; column%s "
                     "%s %s a linear combination of the others (or constant); drop %s or use a "
                     "penalty", (long long)rank, (long long)k, m > 1 ? "s" : "", names,
                     m > 1 ? "are" : "is", m > 1 ? "them" : "it");
  }
  churn__free(dep);
  s->rank_checked = 1;
  return st;
}

static churn_status separation(const churn_solver *s, const double *se) {
  int64_t idx[64] = {0}, m = 0;
  for (int64_t j = s->fi; j < s->k && m < 64; j++) {
    bool runs = se ? (se[j] > 1000 * s->se0[j] && fabs(s->beta[j]) > 1)
                   : fabs(s->beta[j]) > SEP_LIMIT / 2 || s->streak[j] > 0;
    if (runs) idx[m++] = j;
  }
  if (m == 0) {  /* name the largest coefficient */
    int64_t best = s->fi;
    for (int64_t j = s->fi; j < s->k; j++) {
      if (fabs(s->beta[j]) > fabs(s->beta[best])) best = j;
    }
    if (best < s->k) idx[m++] = best;
  }
  char names[512];
  name_list(s, idx, m, names, sizeof names);
  return churn__fail(CHURN_E_SEPARATION, "separation: the coefficient%s of %s grow%s without "
                     "bound after %lld iterations (the classes are completely or "
                     "quasi-completely separated by %s); the maximum likelihood estimate does not "
                     "exist: use fit.penalty = FIRTH (finite, bias-reduced estimates) or a penalty "
                     "such as fit.penalty = L2, or drop %s",
                     m > 1 ? "s" : "", names, m > 1 ? "" : "s", (long long)s->iter,
                     m > 1 ? "these columns" : "this column", m > 1 ? "them" : "it");
}

/* Standard errors sqrt(diag(Hx^-1)) into se; false when Hx is not positive definite (or no
 * memory: then the check is skipped by the caller's fallback). */
static bool std_errors(const churn_solver *s, double *se, bool *nomem) {
  const int64_t k = s->k;
  double *L = churn__malloc_array((size_t)(k * k), sizeof(double));
  double *inv = churn__malloc_array((size_t)(k * k), sizeof(double));
  bool ok = false;
  *nomem = !(L && inv);
  if (!*nomem) {
    memcpy(L, s->Hx, (size_t)(k * k) * sizeof(double));
    ok = churn__cholesky(k, L) == 0 && churn__cholesky_inverse(k, L, inv) == 0;
    for (int64_t j = 0; ok && j < k; j++) {
      se[j] = sqrt(inv[j * k + j]);
      if (!churn__is_finite(se[j])) ok = false;
    }
  }
  churn__free(L);
  churn__free(inv);
  return ok;
}

/* At convergence with an exact (or within-100-tol) Hessian in hand, one more Newton step from
 * the last pass's gradient costs a k x k solve and no pass over the data: quadratic convergence
 * takes the estimate from "gradient below tol" to the optimum within rounding, so coefficients
 * near zero are accurate in relative terms too (statsmodels' Newton iterates to the same point).
 * The reported log-likelihood, gradient norm and covariance stay those measured by the last
 * pass; their change is of second order.  Skipped for L1 (no smooth Newton step) and when the
 * Hessian is not positive definite. */
static void polish(churn_solver *s) {
  const int64_t k = s->k;
  if (s->lam1 > 0 || !(s->hx_here || s->hx_near)) return;
  memcpy(s->L, s->Hx, (size_t)(k * k) * sizeof(double));
  for (int64_t j = 0; j < k; j++) s->L[j * k + j] += s->lam2 * s->pen2[j];
  if (churn__cholesky(k, s->L) != 0) return;
  for (int64_t j = 0; j < k; j++) s->step[j] = -s->G[j];
  churn__cholesky_solve(k, s->L, s->step);
  for (int64_t j = 0; j < k; j++) s->beta[j] += s->step[j];
}

/* Separation at a converged point: a coefficient whose information collapsed (std error grown
 * by more than 1000x since the start: the rows that inform it are fitted as exactly 0 or 1). */
static churn_status check_collapse(churn_solver *s) {
  if (penalized(s) || s->finite_known || !(s->hx_here || s->hx_near) || !s->have_se0) return CHURN_OK;
  const int64_t k = s->k;
  double *se = churn__malloc_array((size_t)k, sizeof(double));
  if (se == NULL) return churn__nomem("separation check");
  bool nomem = false, ok = std_errors(s, se, &nomem);
  churn_status st = CHURN_OK;
  if (nomem) st = churn__nomem("separation check");
  else if (!ok) st = separation(s, NULL);
  else {
    for (int64_t j = s->fi; j < k; j++) {
      if (se[j] > 1000 * s->se0[j] && fabs(s->beta[j]) > 1) {
        st = separation(s, se);
        break;
      }
    }
  }
  churn__free(se);
  return st;
}

/* For the in-memory fit, which can afford the exact separation check (fit.c): whether a
 * converged unpenalised estimate looks separated.  A coefficient of a standardised column beyond
 * SEP_LIMIT, or a standard error above SUSPECT_SE_RATIO times its value at the start (the rows
 * that inform it are fitted close to 0 or 1), or a Hessian no longer positive definite.  Only a
 * trigger: a false alarm costs one exact check.  Measured: fits of non-separated data (Telco,
 * one-hot designs, a continuous predictor of 3 log-odds per standard deviation) stay at ratios
 * 1-3; quasi-complete separation that Newton "converges" on (coefficient 13-18) is at
 * 100-100000, at fit.tol = 1e-4 (coefficient ~8) at ~10-30. */
churn_status churn__solver_suspect_separation(const churn_solver *s, int *suspect) {
  *suspect = 0;
  if (penalized(s)) return CHURN_OK;
  for (int64_t j = s->fi; j < s->k; j++) {
    if (fabs(s->beta[j]) > SEP_LIMIT) *suspect = 1;
  }
  if (*suspect || !s->hx_any || !s->have_se0) return CHURN_OK;
  double *se = churn__malloc_array((size_t)s->k, sizeof(double));
  if (se == NULL) return churn__nomem("separation check");
  bool nomem = false, ok = std_errors(s, se, &nomem);
  for (int64_t j = 0; ok && j < s->k; j++) {
    if (se[j] > SUSPECT_SE_RATIO * s->se0[j]) *suspect = 1;
  }
  churn__free(se);
  if (nomem) return churn__nomem("separation check");
  if (!ok) *suspect = 1;
  return CHURN_OK;
}

/* The exact check found the data not separated: separation is never reported from here on (a
 * fit stopped by the heuristics resumes from where it stopped). */
void churn__solver_assume_finite(churn_solver *s) { s->finite_known = 1; }

/* Tracks coefficients that keep moving outward beyond SEP_LIMIT (unpenalised fits only). */
static bool diverging(churn_solver *s) {
  if (penalized(s)) return false;
  bool any = false;
  for (int64_t j = s->fi; j < s->k; j++) {
    double b = s->beta[j], st = s->step[j];
    if (fabs(b) > SEP_LIMIT && b * st > 0 && fabs(st) > 0.05) {
      if (++s->streak[j] >= SEP_STREAK) any = true;
    } else {
      s->streak[j] = 0;
    }
  }
  return any;
}

/* BFGS update of the metric A with the last accepted step and gradient change, then its
 * factor; keeps the old metric when the curvature condition fails or the factor breaks. */
static void bfgs_update(churn_solver *s) {
  const int64_t k = s->k;
  double *sv = s->step, *Bs = s->q, sy = 0, sBs = 0;
  for (int64_t a = 0; a < k; a++) {
    double acc = 0;
    for (int64_t b = 0; b < k; b++) acc += s->A[a * k + b] * sv[b];
    Bs[a] = acc;
    sBs += sv[a] * acc;
    sy += sv[a] * (s->G[a] - s->G_prev[a]);
  }
  if (!(sy > 1e-12 * sBs) || !(sBs > 0)) return;
  double *old = churn__malloc_array((size_t)(k * k), sizeof(double));
  if (old == NULL) return;  /* the old metric still works */
  memcpy(old, s->A, (size_t)(k * k) * sizeof(double));
  for (int64_t a = 0; a < k; a++) {
    double ya = s->G[a] - s->G_prev[a];
    for (int64_t b = 0; b < k; b++) {
      double yb = s->G[b] - s->G_prev[b];
      s->A[a * k + b] += ya * yb / sy - Bs[a] * Bs[b] / sBs;
    }
  }
  memcpy(s->L, s->A, (size_t)(k * k) * sizeof(double));
  if (churn__cholesky(k, s->L) != 0) {
    memcpy(s->A, old, (size_t)(k * k) * sizeof(double));
    memcpy(s->L, s->A, (size_t)(k * k) * sizeof(double));
    churn__cholesky(k, s->L);
  }
  churn__free(old);
}

/* Solves min_u G'(u-b) + 0.5 (u-b)'A(u-b) + lam1 sum pen1 |u| by cyclic coordinate descent and
 * puts u - b into step. */
static void prox_newton_step(churn_solver *s) {
  const int64_t k = s->k;
  double *u = s->step;  /* holds u while iterating */
  double *q = s->q;  /* A (u - b) */
  memcpy(u, s->beta, (size_t)k * sizeof(double));
  memset(q, 0, (size_t)k * sizeof(double));
  for (int sweep = 0; sweep < 10000; sweep++) {
    double maxd = 0, maxu = 0;
    for (int64_t j = 0; j < k; j++) {
      double a = s->A[j * k + j];
      if (!(a > 0)) continue;
      double z = u[j] - (s->G[j] + q[j]) / a;
      double t = s->lam1 * s->pen1[j] / a, un;
      un = z > t ? z - t : (z < -t ? z + t : 0.0);
      double dl = un - u[j];
      if (dl != 0) {
        for (int64_t i = 0; i < k; i++) q[i] += s->A[i * k + j] * dl;
        u[j] = un;
      }
      if (fabs(dl) > maxd) maxd = fabs(dl);
      if (fabs(un) > maxu) maxu = fabs(un);
    }
    if (maxd <= 1e-15 * (1 + maxu)) break;
  }
  for (int64_t j = 0; j < k; j++) u[j] -= s->beta[j];
}

churn_status churn__solver_step(churn_solver *s, const churn_suffstats *st, int *done) {
  const int64_t k = s->k;
  *done = 0;
  if (st->n == 0 || !(st->sum_w > 0)) {
    return churn__fail(CHURN_E_ARG, "churn_solver_step: the statistics hold no rows");
  }
  if (s->want_h && st->hessian_state != 1) {
    return churn__fail(CHURN_E_ARG, "churn_solver_step: the solver asked for a pass with the "
                       "Hessian (churn_solver_wants_hessian) but the statistics have none");
  }
  /* Without this a sandwich covariance would ask for its final pass again and again. */
  if (s->want_h && robust(s) && !st->has_meat) {
    return churn__fail(CHURN_E_ARG, "churn_solver_step: the solver asked for score outer "
                       "products (churn_solver_wants_hessian = 2, for cov_type HC0/HC1) but the "
                       "statistics have none (accumulated with want_hessian = 1, or loaded from "
                       "a format 1.0 file)");
  }
  s->passes++;
  const int has_h = st->hessian_state == 1;
  const double ll = st->loglik;
  const double f = objective(s, s->beta, ll);
  if (!churn__is_finite(f)) {
    return churn__fail(CHURN_E_INTERNAL, "objective is not finite at iteration %lld",
                       (long long)s->iter);
  }
  /* Step-halving: a trial point that made the objective worse. */
  if (s->have_prev && f > s->f_prev + 1e-13 * fabs(s->f_prev)) {
    if (++s->halvings > MAX_HALVINGS) {
      return churn__fail(CHURN_E_NOT_CONVERGED, "the line search failed after %d step halvings "
                         "at iteration %lld (gradient criterion %.3g, tol %.3g)", MAX_HALVINGS,
                         (long long)s->iter, s->crit_prev, s->cfg.tol);
    }
    for (int64_t j = 0; j < k; j++) {
      s->step[j] *= 0.5;
      s->beta[j] = s->beta_prev[j] + s->step[j];
    }
    s->want_h = s->have_metric ? 0 : 1;
    return CHURN_OK;
  }
  s->halvings = 0;
  s->ll = ll;
  s->sum_w = st->sum_w;
  s->sum_w_pos = st->sum_w_pos;
  for (int64_t j = 0; j < k; j++) s->G[j] = -st->g[j] + s->lam2 * s->pen2[j] * s->beta[j];
  s->mx_here = st->has_meat && has_h;
  if (s->mx_here) {
    memcpy(s->Mx, st->M, (size_t)(k * k) * sizeof(double));
    mirror(k, s->Mx);
  }
  if (has_h) {
    memcpy(s->Hx, st->H, (size_t)(k * k) * sizeof(double));
    mirror(k, s->Hx);
    s->hx_here = 1;
    s->hx_any = 1;
    if (!s->rank_checked && !penalized(s)) CHURN_TRY(check_rank(s));
    s->rank_checked = 1;
    if (!s->have_se0 && !penalized(s)) {
      bool nomem = false;
      if (std_errors(s, s->se0, &nomem)) s->have_se0 = 1;
      else if (nomem) return churn__nomem("standard errors");
    }
  } else {
    s->hx_here = 0;
  }
  if (s->have_prev && !s->finite_known && diverging(s)) return separation(s, NULL);
  s->crit = criterion(s);
  if (has_h) s->hx_near = s->crit <= 100 * s->cfg.tol && (!robust(s) || s->mx_here);
  if (s->crit <= s->cfg.tol) {
    int need_cov = s->cfg.inference && !penalized(s);
    int have_cov = s->hx_near || (s->hx_here && (!robust(s) || s->mx_here));
    if (need_cov && !have_cov) {
      /* Converged: one more pass at the same point for the exact Hessian of the covariance. */
      s->want_h = 1;
      s->have_prev = 0;
      s->final_pass = 1;
      return CHURN_OK;
    }
    CHURN_TRY(check_collapse(s));
    for (int64_t j = s->fi; j < k && !penalized(s) && !s->finite_known; j++) {
      if (fabs(s->beta[j]) > 4 * SEP_LIMIT) return separation(s, NULL);
    }
    polish(s);
    s->converged = 1;
    s->state = S_DONE;
    *done = 1;
    return CHURN_OK;
  }
  if (s->iter >= s->cfg.max_iter) {
    return churn__fail(CHURN_E_NOT_CONVERGED, "no convergence in %lld iterations (fit.max_iter): "
                       "gradient criterion %.3g > tol %.3g", (long long)s->iter, s->crit,
                       s->cfg.tol);
  }
  if (has_h) {
    memcpy(s->A, s->Hx, (size_t)(k * k) * sizeof(double));
    for (int64_t j = 0; j < k; j++) s->A[j * k + j] += s->lam2 * s->pen2[j];
    if (s->lam1 == 0) {
      memcpy(s->L, s->A, (size_t)(k * k) * sizeof(double));
      if (churn__cholesky(k, s->L) != 0) {
        if (s->iter > 0 && !penalized(s) && s->finite_known) {
          return churn__fail(CHURN_E_NOT_CONVERGED, "the Hessian lost positive definiteness at "
                             "iteration %lld (fitted probabilities rounded to 0 or 1)",
                             (long long)s->iter);
        }
        if (s->iter > 0 && !penalized(s)) return separation(s, NULL);
        return churn__fail(CHURN_E_SINGULAR, "the Hessian is not positive definite at iteration "
                           "%lld", (long long)s->iter);
      }
    }
    s->have_metric = 1;
  } else if (!s->have_metric) {
    return churn__fail(CHURN_E_INTERNAL, "no metric for a gradient-only step");
  } else if (s->have_prev && s->lam1 == 0) {
    bfgs_update(s);
  }
  if (s->lam1 > 0) {
    prox_newton_step(s);
  } else {
    for (int64_t j = 0; j < k; j++) s->step[j] = -s->G[j];
    churn__cholesky_solve(k, s->L, s->step);
  }
  /* Ask for a fresh Hessian when the metric stops paying: slow contraction of the gradient. */
  if (!s->lazy || s->lam1 > 0) {
    s->want_h = 1;
  } else if (has_h) {
    s->want_h = 0;
  } else {
    s->want_h = s->crit > SLOW_CONTRACTION * s->crit_prev;
    /* When the covariance is wanted and the next point will likely meet the tolerance (linear
     * contraction at the last rate), let that pass carry the exact Hessian: it then serves the
     * covariance and saves a confirming pass. */
    double rate = s->crit_prev > 0 && churn__is_finite(s->crit_prev) ? s->crit / s->crit_prev : 1.0;
    if (s->cfg.inference && !penalized(s) && s->crit * rate <= s->cfg.tol) s->want_h = 1;
  }
  s->crit_prev = s->crit;
  memcpy(s->G_prev, s->G, (size_t)k * sizeof(double));
  memcpy(s->beta_prev, s->beta, (size_t)k * sizeof(double));
  s->f_prev = f;
  s->have_prev = 1;
  for (int64_t j = 0; j < k; j++) s->beta[j] += s->step[j];
  s->iter++;
  return CHURN_OK;
}

CHURN_API churn_status churn_solver_step(churn_solver *solver, const churn_suffstats *stats,
                                         int *done) {
  CHURN_CHECK_ARG(solver != NULL && stats != NULL && done != NULL,
                  "churn_solver_step: solver, stats and done must not be NULL");
  CHURN_CHECK_ARG(solver->state == S_ITERATE, "churn_solver_step: solver is %s",
                  solver->state == S_MOMENTS ? "not begun (call churn_solver_begin)"
                                             : "already converged");
  CHURN_CHECK_ARG(stats->k == solver->k && stats->fit_intercept == solver->fi,
                  "churn_solver_step: statistics of another shape");
  CHURN_CHECK_ARG(stats->class_weight0 == solver->cfg.class_weight0 &&
                      stats->class_weight1 == solver->cfg.class_weight1,
                  "churn_solver_step: statistics with other class weights; create them with "
                  "churn_solver_stats_new");
  for (int64_t j = 0; j < solver->d; j++) {
    CHURN_CHECK_ARG(stats->center[j] == solver->center[j] &&
                        stats->inv_scale[j] == 1.0 / solver->scale[j],
                    "churn_solver_step: statistics standardised differently (column %lld); "
                    "create them with churn_solver_stats_new", (long long)j);
  }
  return churn__solver_step(solver, stats, done);
}

/* --- the model ------------------------------------------------------------------------------ */

/* The covariance of the standardised estimate into *cz (k*k, from churn__malloc): the inverse
 * Hessian, or for HC0/HC1 the sandwich Hinv M Hinv (times n / (n - k) for HC1). */
static churn_status standardised_covariance(const churn_solver *s, double **cz) {
  const int64_t k = s->k;
  double *L = churn__malloc_array((size_t)(k * k), sizeof(double));
  double *Cz = churn__malloc_array((size_t)(k * k), sizeof(double));
  churn_status st = (L && Cz) ? CHURN_OK : churn__nomem("covariance");
  if (st == CHURN_OK) {
    memcpy(L, s->Hx, (size_t)(k * k) * sizeof(double));
    if (churn__cholesky(k, L) != 0 || churn__cholesky_inverse(k, L, Cz) != 0) {
      st = churn__fail(CHURN_E_SINGULAR, "the Hessian at the estimate is singular: no "
                       "covariance");
    }
  }
  if (st == CHURN_OK && robust(s)) {
    if (!s->mx_here && !s->hx_near) {
      st = churn__fail(CHURN_E_INTERNAL, "no score outer products for the sandwich covariance");
    } else {
      double f = s->cfg.cov_type == CHURN_COV_HC1 ? (double)s->n / (double)(s->n - k) : 1.0;
      double *tmp = L; /* Cz M, then (Cz M) Cz back into Cz's place through L */
      for (int64_t a = 0; a < k; a++) {
        for (int64_t b = 0; b < k; b++) {
          double acc = 0;
          for (int64_t q = 0; q < k; q++) acc += Cz[a * k + q] * s->Mx[q * k + b];
          tmp[a * k + b] = acc;
        }
      }
      double *out = churn__malloc_array((size_t)(k * k), sizeof(double));
      if (out == NULL) {
        st = churn__nomem("covariance");
      } else {
        for (int64_t a = 0; a < k; a++) {
          for (int64_t b = a; b < k; b++) {
            double acc = 0;
            for (int64_t q = 0; q < k; q++) acc += tmp[a * k + q] * Cz[q * k + b];
            out[a * k + b] = out[b * k + a] = acc * f;
          }
        }
        churn__free(Cz);
        Cz = out;
      }
    }
  }
  churn__free(L);
  if (st != CHURN_OK) {
    churn__free(Cz);
    return st;
  }
  *cz = Cz;
  return CHURN_OK;
}

churn_status churn__solver_finish(churn_solver *s, churn_model **out) {
  const int64_t k = s->k, fi = s->fi;
  churn__model_parts p = {.d = s->d, .fit_intercept = (int)fi, .names = (const char *const *)s->names,
                          .center = s->center, .scale = s->scale, .beta = s->beta,
                          .config = &s->cfg, .sample_rate = s->swp / s->sw};
  churn__fit_info *in = &p.info;
  in->n_obs = s->n;
  in->positives = s->npos;
  in->sum_w = s->sum_w;
  in->sum_w_positive = s->sum_w_pos;
  in->n_iter = s->iter;
  in->n_passes = s->passes;
  in->converged = s->converged;
  in->loglik = s->ll;
  in->penalized_loglik = -objective(s, s->beta, s->ll);
  double yb = s->sum_w_pos / s->sum_w;
  in->null_loglik = s->sum_w_pos * log(yb) + (s->sum_w - s->sum_w_pos) * log1p(-yb);
  /* Gradient of the documented objective (C times ours when penalised) on the original scale. */
  double scale_obj = penalized(s) ? s->cfg.C : 1.0, g2 = 0;
  for (int64_t j = 0; j < k; j++) {
    double l = s->lam1 * s->pen1[j], gj = s->G[j];
    if (l > 0) gj = s->beta[j] != 0 ? gj + (s->beta[j] > 0 ? l : -l)
                                    : (fabs(gj) > l ? fabs(gj) - l : 0.0);
    double graw = gj;
    if (j >= fi) graw = s->scale[j - fi] * gj + (fi ? s->center[j - fi] * s->G[0] : 0.0);
    g2 += graw * graw * scale_obj * scale_obj;
  }
  in->gradient_norm = sqrt(g2);
  double *cz = NULL;
  if (s->cfg.inference && !penalized(s) && (s->hx_here || s->hx_near)) {
    CHURN_TRY(standardised_covariance(s, &cz));
  }
  p.cov_z = cz;
  churn_status st = churn__model_finish(&p, out);
  churn__free(cz);
  return st;
}

CHURN_API churn_status churn_solver_finish(churn_solver *solver, churn_model **out) {
  CHURN_CHECK_ARG(solver != NULL && out != NULL, "churn_solver_finish: solver and out must not be "
                  "NULL");
  CHURN_CHECK_ARG(solver->state == S_DONE, "churn_solver_finish: the solver has not converged");
  return churn__solver_finish(solver, out);
}
