/*
 * forecast.c -- cohort retention models for projecting a cohort's survival: the
 * shifted-beta-geometric (Fader & Hardie 2007) and the beta-discrete-Weibull (Fader, Hardie,
 * Liu, Davin & Steenburgh 2018), fitted by maximum likelihood on the alive counts of one or
 * several cohorts; survival, retention rate, forecast with intervals against a target, DERL.
 */
#include "survival.h"

#include <math.h>
#include <string.h>

#define NPAR_MAX 3
#define LOG_BOUND 18.420680743952367 /* log(1e8): beyond this a parameter is not finite */
#define GEOMETRIC 9.210340371976184 /* log(1e4): alpha and beta both above = no heterogeneity */

struct churn_cohort_model {
  churn_cohort_kind kind;
  int npar;
  double par[NPAR_MAX];               /* alpha, beta[, c] */
  double cov[NPAR_MAX * NPAR_MAX];    /* of par, row-major */
  double loglik;
  int64_t iterations;
};

/* The data of a fit: cohorts of alive counts, concatenated. */
typedef struct cohort_data {
  const double *alive;
  const int64_t *len;
  int64_t ncohorts;
} cohort_data;

/* --- the models ------------------------------------------------------------------------------ */

static double lgam(double x) {
  int sign;
  return lgamma_r(x, &sign);
}

/* log S(t) = log B(alpha, beta + t^c) - log B(alpha, beta); c = 1 is the sBG. */
static double log_surv(double a, double b, double c, double t) {
  if (t <= 0.0) return 0.0;
  double u = c == 1.0 ? t : pow(t, c);
  return lgam(b + u) - lgam(a + b + u) - lgam(b) + lgam(a + b);
}

static void unpack(const double *theta, int npar, double *a, double *b, double *c) {
  *a = exp(theta[0]);
  *b = exp(theta[1]);
  *c = npar > 2 ? exp(theta[2]) : 1.0;
}

/* The log-likelihood as Fader & Hardie write it, without the multinomial constant:
 * sum over cohorts of sum_t (n_{t-1} - n_t) log P(T = t) + n_m log S(m). */
static double loglik_theta(const cohort_data *d, int npar, const double *theta) {
  double a, b, c;
  unpack(theta, npar, &a, &b, &c);
  double ll = 0.0;
  const double *x = d->alive;
  for (int64_t k = 0; k < d->ncohorts; k++) {
    int64_t m = d->len[k] - 1;
    double lsprev = 0.0;
    for (int64_t t = 1; t <= m; t++) {
      double ls = log_surv(a, b, c, (double)t), dt = x[t - 1] - x[t];
      if (dt > 0.0) {
        double p;
        if (c == 1.0) { /* exact: P(t) = S(t-1) alpha / (alpha + beta + t - 1) */
          p = exp(lsprev) * a / (a + b + (double)t - 1.0);
        } else {
          p = exp(lsprev) * -expm1(ls - lsprev);
        }
        ll += dt * log(p);
      }
      lsprev = ls;
    }
    if (x[m] > 0.0) ll += x[m] * lsprev;
    x += d->len[k];
  }
  return isnan(ll) ? -INFINITY : ll;
}

/* The sBG's analytic gradient and Hessian in (alpha, beta). */
static void sbg_derivs(const cohort_data *d, double a, double b, double g[2], double h[4]) {
  memset(g, 0, 2 * sizeof *g);
  memset(h, 0, 4 * sizeof *h);
  const double *x = d->alive;
  for (int64_t k = 0; k < d->ncohorts; k++) {
    int64_t m = d->len[k] - 1;
    /* derivatives of log S(t-1): sums over i = 1..t-1 of 1/(b+i-1), 1/(a+b+i-1), squares */
    double sb = 0, sab = 0, sb2 = 0, sab2 = 0;
    for (int64_t t = 1; t <= m + 1; t++) {
      double w = t <= m ? x[t - 1] - x[t] : 0.0; /* weight of log P(t) */
      double ws = t == m + 1 ? x[m] : 0.0;       /* weight of log S(t-1) = log S(m) */
      if (w != 0.0) {
        double r = 1.0 / (a + b + (double)t - 1.0);
        g[0] += w * (1.0 / a - r - sab);
        g[1] += w * (-r + sb - sab);
        h[0] += w * (-1.0 / (a * a) + r * r + sab2);
        h[1] += w * (r * r + sab2);
        h[3] += w * (r * r - sb2 + sab2);
      }
      if (ws != 0.0) {
        g[0] += ws * -sab;
        g[1] += ws * (sb - sab);
        h[0] += ws * sab2;
        h[1] += ws * sab2;
        h[3] += ws * (sab2 - sb2);
      }
      double rb = 1.0 / (b + (double)t - 1.0), rab = 1.0 / (a + b + (double)t - 1.0);
      sb += rb;
      sab += rab;
      sb2 += rb * rb;
      sab2 += rab * rab;
    }
    x += d->len[k];
  }
  h[2] = h[1];
}

/* --- optimisers ------------------------------------------------------------------------------ */

static bool in_bounds(const double *theta, int npar) {
  for (int i = 0; i < npar; i++) {
    if (!(fabs(theta[i]) <= LOG_BOUND)) return false;
  }
  return true;
}

/* Newton's method on (log alpha, log beta) with step halving; 1 on convergence, 0 when it
 * could not improve (the caller falls back to Nelder-Mead), -1 when a parameter ran off to 0
 * or infinity. */
static int sbg_newton(const cohort_data *d, double theta[2], double *ll_out, int64_t *iters) {
  double ll = loglik_theta(d, 2, theta);
  for (int it = 0; it < 200; it++) {
    *iters = it + 1;
    double a = exp(theta[0]), b = exp(theta[1]), g[2], h[4];
    sbg_derivs(d, a, b, g, h);
    /* chain rule to the log scale */
    double gt[2] = {a * g[0], b * g[1]};
    double h00 = a * a * h[0] + gt[0], h01 = a * b * h[1], h11 = b * b * h[3] + gt[1];
    double step[2];
    double n00 = -h00, n01 = -h01, n11 = -h11, det = n00 * n11 - n01 * n01;
    if (n00 > 0 && det > 0) {
      step[0] = (n11 * gt[0] - n01 * gt[1]) / det;
      step[1] = (n00 * gt[1] - n01 * gt[0]) / det;
    } else {
      double norm = fmax(1.0, hypot(gt[0], gt[1]));
      step[0] = gt[0] / norm;
      step[1] = gt[1] / norm;
    }
    /* converged when the Newton step is negligible, or the gradient vanishes to rounding
     * and the step is small (a ridge to infinity has small gradients but large steps) */
    double gnorm = fmax(fabs(gt[0]), fabs(gt[1])), smax = fmax(fabs(step[0]), fabs(step[1]));
    bool newton = n00 > 0 && det > 0;
    if ((newton && smax < 1e-10) || (gnorm <= 1e-12 * (1.0 + fabs(ll)) && smax < 1e-4)) {
      *ll_out = ll;
      return 1;
    }
    if (newton && smax < 1e-6) { /* inside the quadratic region: the likelihood is flat to
                                  * rounding, the step is exact to ~1e-12; take it */
      theta[0] += step[0];
      theta[1] += step[1];
      *ll_out = loglik_theta(d, 2, theta);
      return 1;
    }
    double s = 1.0, next[2], lln = -INFINITY;
    int h2;
    for (h2 = 0; h2 < 60; h2++, s *= 0.5) {
      next[0] = theta[0] + s * step[0];
      next[1] = theta[1] + s * step[1];
      lln = loglik_theta(d, 2, next);
      if (lln >= ll) break;
    }
    if (h2 == 60) return 0;
    double moved = fmax(fabs(next[0] - theta[0]), fabs(next[1] - theta[1]));
    theta[0] = next[0];
    theta[1] = next[1];
    ll = lln;
    if (!in_bounds(theta, 2)) return -1;
    if (moved < 1e-13) {
      *ll_out = ll;
      return 1;
    }
  }
  return 0;
}

/* Nelder-Mead maximisation of the log-likelihood over the log-parameters (npar <= 3),
 * restarted once from its result.  1 on convergence, -1 when it ran out of bounds. */
static int nelder_mead(const cohort_data *d, int npar, double *theta, double *ll_out,
                       int64_t *iters) {
  double simplex[NPAR_MAX + 1][NPAR_MAX], f[NPAR_MAX + 1];
  for (int restart = 0; restart < 3; restart++) {
    for (int i = 0; i <= npar; i++) {
      memcpy(simplex[i], theta, (size_t)npar * sizeof *theta);
      if (i > 0) simplex[i][i - 1] += restart == 0 ? 0.5 : 0.05;
      f[i] = -loglik_theta(d, npar, simplex[i]);
    }
    for (int it = 0; it < 5000; it++) {
      (*iters)++;
      /* order: best first */
      for (int i = 1; i <= npar; i++) {
        for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
          double tf = f[j];
          f[j] = f[j - 1];
          f[j - 1] = tf;
          for (int p = 0; p < npar; p++) {
            double tx = simplex[j][p];
            simplex[j][p] = simplex[j - 1][p];
            simplex[j - 1][p] = tx;
          }
        }
      }
      double spread = 0.0;
      for (int i = 1; i <= npar; i++) {
        for (int p = 0; p < npar; p++) spread = fmax(spread, fabs(simplex[i][p] - simplex[0][p]));
      }
      if (spread < 1e-11 && fabs(f[npar] - f[0]) <= 1e-13 * (1.0 + fabs(f[0]))) break;
      double cen[NPAR_MAX] = {0}, xr[NPAR_MAX], xe[NPAR_MAX];
      for (int i = 0; i < npar; i++) {
        for (int p = 0; p < npar; p++) cen[p] += simplex[i][p] / npar;
      }
      for (int p = 0; p < npar; p++) xr[p] = cen[p] + (cen[p] - simplex[npar][p]);
      double fr = -loglik_theta(d, npar, xr);
      if (fr < f[0]) {
        for (int p = 0; p < npar; p++) xe[p] = cen[p] + 2.0 * (cen[p] - simplex[npar][p]);
        double fe = -loglik_theta(d, npar, xe);
        bool e = fe < fr;
        memcpy(simplex[npar], e ? xe : xr, (size_t)npar * sizeof *xr);
        f[npar] = e ? fe : fr;
      } else if (fr < f[npar - 1]) {
        memcpy(simplex[npar], xr, (size_t)npar * sizeof *xr);
        f[npar] = fr;
      } else {
        double xc[NPAR_MAX];
        bool outside = fr < f[npar];
        for (int p = 0; p < npar; p++) {
          xc[p] = outside ? cen[p] + 0.5 * (xr[p] - cen[p])
                          : cen[p] + 0.5 * (simplex[npar][p] - cen[p]);
        }
        double fc = -loglik_theta(d, npar, xc);
        if (fc < (outside ? fr : f[npar])) {
          memcpy(simplex[npar], xc, (size_t)npar * sizeof *xc);
          f[npar] = fc;
        } else {
          for (int i = 1; i <= npar; i++) {
            for (int p = 0; p < npar; p++) {
              simplex[i][p] = simplex[0][p] + 0.5 * (simplex[i][p] - simplex[0][p]);
            }
            f[i] = -loglik_theta(d, npar, simplex[i]);
          }
        }
      }
    }
    int best = 0;
    for (int i = 1; i <= npar; i++) {
      if (f[i] < f[best]) best = i;
    }
    memcpy(theta, simplex[best], (size_t)npar * sizeof *theta);
    *ll_out = -f[best];
    if (!in_bounds(theta, npar)) return -1;
  }
  return 1;
}

/* --- inference ------------------------------------------------------------------------------- */

/* Inverts a symmetric positive-definite matrix of order n <= 3 in place (Gauss-Jordan);
 * false when it is not positive definite. */
static bool spd_inverse(double *m, int n) {
  double a[NPAR_MAX][2 * NPAR_MAX];
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      a[i][j] = m[i * n + j];
      a[i][n + j] = i == j;
    }
  }
  for (int p = 0; p < n; p++) {
    if (!(a[p][p] > 0.0)) return false;
    double piv = a[p][p];
    for (int j = 0; j < 2 * n; j++) a[p][j] /= piv;
    for (int i = 0; i < n; i++) {
      if (i == p) continue;
      double f = a[i][p];
      for (int j = 0; j < 2 * n; j++) a[i][j] -= f * a[p][j];
    }
  }
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) m[i * n + j] = a[i][n + j];
  }
  return true;
}

/* Observed information in the original parameters: analytic for the sBG, central
 * differences of the log-likelihood on the log scale otherwise. */
static void information(const cohort_data *d, churn_cohort_model *m) {
  int n = m->npar;
  double info[NPAR_MAX * NPAR_MAX];
  if (m->kind == CHURN_COHORT_SBG) {
    double g[2], h[4];
    sbg_derivs(d, m->par[0], m->par[1], g, h);
    for (int i = 0; i < 4; i++) info[i] = -h[i];
  } else {
    double theta[NPAR_MAX], e = 1e-4;
    for (int i = 0; i < n; i++) theta[i] = log(m->par[i]);
    double f0 = loglik_theta(d, n, theta);
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        double t[NPAR_MAX], fpp, fpm, fmp, fmm;
        memcpy(t, theta, sizeof t);
        if (i == j) {
          t[i] = theta[i] + e;
          fpp = loglik_theta(d, n, t);
          t[i] = theta[i] - e;
          fmm = loglik_theta(d, n, t);
          info[i * n + i] = -(fpp - 2.0 * f0 + fmm) / (e * e);
        } else {
          t[i] = theta[i] + e, t[j] = theta[j] + e, fpp = loglik_theta(d, n, t);
          t[i] = theta[i] + e, t[j] = theta[j] - e, fpm = loglik_theta(d, n, t);
          t[i] = theta[i] - e, t[j] = theta[j] + e, fmp = loglik_theta(d, n, t);
          t[i] = theta[i] - e, t[j] = theta[j] - e, fmm = loglik_theta(d, n, t);
          info[i * n + j] = info[j * n + i] = -(fpp - fpm - fmp + fmm) / (4.0 * e * e);
        }
      }
    }
    /* from the log scale back: d theta_i / d par_i = 1 / par_i (the gradient term vanishes
     * at the optimum) */
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) info[i * n + j] /= m->par[i] * m->par[j];
    }
  }
  if (!spd_inverse(info, n)) {
    for (int i = 0; i < n * n; i++) info[i] = NAN;
  }
  memcpy(m->cov, info, (size_t)(n * n) * sizeof *info);
}

/* --- fitting --------------------------------------------------------------------------------- */

static churn_status check_cohorts(const double *alive, const int64_t *lengths, int64_t ncohorts,
                                  churn_cohort_kind kind) {
  const char *fn = "churn_cohort_fit";
  CHURN_CHECK_ARG(kind == CHURN_COHORT_SBG || kind == CHURN_COHORT_BDW ||
                      kind == CHURN_COHORT_GEOMETRIC,
                  "%s: unknown model kind %d", fn, (int)kind);
  CHURN_CHECK_ARG(alive != NULL && lengths != NULL, "%s: alive or lengths is NULL", fn);
  CHURN_CHECK_ARG(ncohorts >= 1, "%s: ncohorts must be >= 1 (got %lld)", fn, (long long)ncohorts);
  int64_t maxlen = 0;
  double churned = 0.0;
  const double *x = alive;
  for (int64_t k = 0; k < ncohorts; k++) {
    if (lengths[k] < 2) {
      return churn__fail(CHURN_E_ARG, "%s: cohort %lld has %lld alive counts; need at least 2 "
                         "(after 0 and 1 periods)", fn, (long long)k, (long long)lengths[k]);
    }
    if (lengths[k] > 100000) {
      return churn__fail(CHURN_E_RANGE, "%s: cohort %lld has %lld periods (at most 100000)", fn,
                         (long long)k, (long long)lengths[k]);
    }
    for (int64_t t = 0; t < lengths[k]; t++) {
      if (!churn__is_finite(x[t]) || x[t] < 0.0) {
        return churn__fail(CHURN_E_DATA, "%s: cohort %lld, period %lld: alive count %g is not a "
                           "finite number >= 0", fn, (long long)k, (long long)t, x[t]);
      }
      if (t > 0 && x[t] > x[t - 1]) {
        return churn__fail(CHURN_E_DATA, "%s: cohort %lld rises at period %lld (%g after %g): "
                           "alive counts cannot increase", fn, (long long)k, (long long)t, x[t],
                           x[t - 1]);
      }
    }
    if (!(x[0] > 0.0)) {
      return churn__fail(CHURN_E_DATA, "%s: cohort %lld starts at 0 alive: a cohort needs "
                         "members at period 0", fn, (long long)k);
    }
    churned += x[0] - x[lengths[k] - 1];
    if (lengths[k] > maxlen) maxlen = lengths[k];
    x += lengths[k];
  }
  if (!(churned > 0.0)) {
    return churn__fail(CHURN_E_DATA, "%s: no cohort shows any churn: the maximum-likelihood "
                       "estimate does not exist (beta is infinite)", fn);
  }
  int64_t need = kind == CHURN_COHORT_SBG ? 3 : kind == CHURN_COHORT_BDW ? 4 : 2;
  if (maxlen < need) {
    return churn__fail(CHURN_E_DATA, "%s: the longest cohort has %lld alive counts; the %s "
                       "needs at least %lld (its parameters are not identified otherwise)", fn,
                       (long long)maxlen, kind == CHURN_COHORT_SBG ? "sBG" : "BdW",
                       (long long)need);
  }
  return CHURN_OK;
}

static churn_status no_estimate(const char *why) {
  return churn__fail(CHURN_E_NOT_CONVERGED, "churn_cohort_fit: no finite maximum-likelihood "
                     "estimate: %s", why);
}

/* The geometric model in closed form: p = churned / member-periods at risk. */
static churn_status fit_geometric(const double *alive, const int64_t *lengths, int64_t ncohorts,
                                  churn_cohort_model **out) {
  double churned = 0.0, exposure = 0.0;
  const double *x = alive;
  for (int64_t k = 0; k < ncohorts; k++) {
    for (int64_t t = 1; t < lengths[k]; t++) exposure += x[t - 1];
    churned += x[0] - x[lengths[k] - 1];
    x += lengths[k];
  }
  if (churned >= exposure) return no_estimate("every member churned in its first period");
  churn_cohort_model *m = churn__calloc(1, sizeof *m);
  if (m == NULL) return churn__nomem("cohort model");
  double p = churned / exposure;
  m->kind = CHURN_COHORT_GEOMETRIC;
  m->npar = 1;
  m->par[0] = p;
  m->cov[0] = p * (1.0 - p) / exposure;
  m->loglik = churned * log(p) + (exposure - churned) * log1p(-p);
  *out = m;
  return CHURN_OK;
}

CHURN_API churn_status churn_cohort_fit(churn_cohort_kind kind, const double *alive,
                                        const int64_t *lengths, int64_t ncohorts,
                                        churn_cohort_model **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_cohort_fit: out is NULL");
  CHURN_TRY(check_cohorts(alive, lengths, ncohorts, kind));
  if (kind == CHURN_COHORT_GEOMETRIC) return fit_geometric(alive, lengths, ncohorts, out);
  cohort_data d = {alive, lengths, ncohorts};
  double theta[NPAR_MAX] = {0.0, 0.0, 0.0}, ll = -INFINITY;
  int64_t iters = 0;
  int rc = sbg_newton(&d, theta, &ll, &iters);
  if (rc == 0) rc = nelder_mead(&d, 2, theta, &ll, &iters);
  if (theta[0] > GEOMETRIC && theta[1] > GEOMETRIC) rc = -1;
  if (rc < 0 && kind == CHURN_COHORT_BDW) { /* the BdW may still have a finite optimum */
    theta[0] = theta[1] = 0.0;
    rc = 1;
  }
  if (rc < 0) {
    return no_estimate(theta[0] > 5.0 && theta[1] > 5.0
                           ? "alpha and beta grow beyond 1e4 (the churn probability is "
                             "practically the same for everyone: fit the geometric model, "
                             "CHURN_COHORT_GEOMETRIC, kind \"geometric\")"
                           : "a parameter runs off to 0 or infinity");
  }
  int npar = 2;
  if (kind == CHURN_COHORT_BDW) {
    npar = 3;
    theta[2] = 0.0;
    double ll3;
    rc = nelder_mead(&d, 3, theta, &ll3, &iters);
    if (rc < 0 || (theta[0] > GEOMETRIC && theta[1] > GEOMETRIC)) {
      return no_estimate("a beta-discrete-Weibull parameter runs off to 0 or infinity (fit the "
                         "geometric model, CHURN_COHORT_GEOMETRIC, kind \"geometric\", when churn "
                         "runs at a constant rate)");
    }
    ll = ll3;
  }
  churn_cohort_model *m = churn__calloc(1, sizeof *m);
  if (m == NULL) return churn__nomem("cohort model");
  m->kind = kind;
  m->npar = npar;
  for (int i = 0; i < npar; i++) m->par[i] = exp(theta[i]);
  m->loglik = ll;
  m->iterations = iters;
  information(&d, m);
  *out = m;
  return CHURN_OK;
}

CHURN_API void churn_cohort_model_free(churn_cohort_model *m) { churn__free(m); }

CHURN_API churn_cohort_kind churn_cohort_model_kind(const churn_cohort_model *m) {
  return m ? m->kind : CHURN_COHORT_SBG;
}

CHURN_API churn_status churn_cohort_params(const churn_cohort_model *m, int64_t *nparams,
                                           double *params, double *std_err, double *cov,
                                           double *loglik) {
  CHURN_CHECK_ARG(m != NULL, "churn_cohort_params: model is NULL");
  int n = m->npar;
  if (nparams) *nparams = n;
  for (int i = 0; i < n; i++) {
    if (params) params[i] = m->par[i];
    if (std_err) std_err[i] = sqrt(m->cov[i * n + i]);
  }
  if (cov) memcpy(cov, m->cov, (size_t)(n * n) * sizeof *cov);
  if (loglik) *loglik = m->loglik;
  return CHURN_OK;
}

/* --- using a fitted model -------------------------------------------------------------------- */

static double model_log_surv(const churn_cohort_model *m, const double *par, double t) {
  if (m->kind == CHURN_COHORT_GEOMETRIC) return t * log1p(-par[0]);
  return log_surv(par[0], par[1], m->npar > 2 ? par[2] : 1.0, t);
}

CHURN_API churn_status churn_cohort_survival(const churn_cohort_model *m, const double *t,
                                             int64_t n, double *survival, double *retention) {
  const char *fn = "churn_cohort_survival";
  CHURN_CHECK_ARG(m != NULL && t != NULL, "%s: model or t is NULL", fn);
  CHURN_CHECK_ARG(n >= 0, "%s: n must be >= 0", fn);
  for (int64_t i = 0; i < n; i++) {
    if (!churn__is_finite(t[i]) || t[i] < 0.0) {
      return churn__fail(CHURN_E_DATA, "%s: t[%lld] = %g is not a finite time >= 0", fn,
                         (long long)i, t[i]);
    }
  }
  for (int64_t i = 0; i < n; i++) {
    double ls = model_log_surv(m, m->par, t[i]);
    if (survival) survival[i] = exp(ls);
    if (retention) {
      retention[i] = t[i] < 1.0 ? NAN : exp(ls - model_log_surv(m, m->par, t[i] - 1.0));
    }
  }
  return CHURN_OK;
}

/* Var of log-params-free quantity f(par) by the delta method with central differences on the
 * log scale of each parameter (relative steps), using the model's covariance. */
static double delta_var(const churn_cohort_model *m, double from, double t) {
  int n = m->npar;
  double grad[NPAR_MAX];
  for (int i = 0; i < n; i++) {
    double p[NPAR_MAX], e = 1e-5;
    memcpy(p, m->par, sizeof p);
    p[i] = m->par[i] * exp(e);
    double up = exp(model_log_surv(m, p, t) - model_log_surv(m, p, from));
    p[i] = m->par[i] * exp(-e);
    double dn = exp(model_log_surv(m, p, t) - model_log_surv(m, p, from));
    grad[i] = (up - dn) / (2.0 * e) / m->par[i]; /* d/d par_i */
  }
  double v = 0.0;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) v += grad[i] * m->cov[i * n + j] * grad[j];
  }
  return v;
}

/* P(q_actual >= g) under the normal approximation on the logit scale of q (the scale of the
 * interval, so prob_meet = 1 - alpha/2 exactly where ci_low meets the target). */
static double prob_meet(double q, double sd, double g) {
  if (!(g > 0.0)) return 1.0;
  if (!(g < 1.0)) return q >= g ? 1.0 : 0.0;
  if (!(sd > 0.0) || !(q > 0.0 && q < 1.0)) return q >= g ? 1.0 : 0.0;
  double s = sd / (q * (1.0 - q));
  return churn__normal_cdf((log(q / (1.0 - q)) - log(g / (1.0 - g))) / s);
}

CHURN_API churn_status churn_cohort_forecast(const churn_cohort_model *m, double size,
                                             int64_t from, double alive_from, int64_t horizon,
                                             const double *target, double alpha,
                                             churn_table **out) {
  const char *fn = "churn_cohort_forecast";
  CHURN_CHECK_ARG(m != NULL && out != NULL, "%s: model or out is NULL", fn);
  CHURN_CHECK_ARG(churn__is_finite(size) && size > 0.0, "%s: size must be finite and > 0", fn);
  CHURN_CHECK_ARG(from >= 0, "%s: from must be >= 0", fn);
  CHURN_CHECK_ARG(churn__is_finite(alive_from) && alive_from >= 0.0 && alive_from <= size,
                  "%s: alive_from must be in [0, size]", fn);
  CHURN_CHECK_ARG(horizon >= from && horizon - from <= 100000,
                  "%s: horizon must be in [from, from + 100000]", fn);
  CHURN_CHECK_ARG(alpha > 0.0 && alpha < 1.0, "%s: alpha must be in (0, 1)", fn);
  if (target) {
    for (int64_t k = 0; k < horizon; k++) {
      if (!churn__is_finite(target[k])) {
        return churn__fail(CHURN_E_DATA, "%s: target[%lld] is not finite", fn, (long long)k);
      }
    }
  }
  int64_t n = horizon - from;
  double z = churn__normal_quantile(1.0 - alpha / 2.0);
  int64_t *period = churn__malloc_array((size_t)n, sizeof *period);
  double *col[9] = {0};
  int ncol = target ? 9 : 6;
  bool ok = period != NULL;
  for (int c = 0; c < ncol && ok; c++) ok = (col[c] = churn__malloc_array((size_t)n, 8)) != NULL;
  if (!ok) {
    churn__free(period);
    for (int c = 0; c < ncol; c++) churn__free(col[c]);
    return churn__nomem("cohort forecast");
  }
  double lsf = model_log_surv(m, m->par, (double)from), w = alive_from / size;
  for (int64_t i = 0; i < n; i++) {
    int64_t t = from + 1 + i;
    double ls = model_log_surv(m, m->par, (double)t), q = exp(ls - lsf);
    double vq = (alive_from > 0.0 ? q * (1.0 - q) / alive_from : 0.0) + delta_var(m, (double)from,
                                                                                (double)t);
    double sd = sqrt(fmax(vq, 0.0)), lo = q, hi = q;
    if (sd > 0.0 && q > 0.0 && q < 1.0) { /* on the logit scale, so the interval stays in (0, 1) */
      double l = log(q / (1.0 - q)), s = sd / (q * (1.0 - q));
      lo = 1.0 / (1.0 + exp(-(l - z * s)));
      hi = 1.0 / (1.0 + exp(-(l + z * s)));
    }
    period[i] = t;
    col[0][i] = exp(ls);
    col[1][i] = alive_from * q;
    col[2][i] = w * q;
    col[3][i] = sd * w;
    col[4][i] = w * lo;
    col[5][i] = w * hi;
    if (target) {
      double tg = target[t - 1];
      col[6][i] = tg;
      col[7][i] = w * q - tg;
      col[8][i] = w > 0.0 ? prob_meet(q, sd, tg / w) : (tg <= 0.0 ? 1.0 : 0.0);
    }
  }
  churn__col cols[10] = {{"period", 'i', period},    {"survival", 'f', col[0]},
                         {"expected", 'f', col[1]},  {"share", 'f', col[2]},
                         {"std_err", 'f', col[3]},   {"ci_low", 'f', col[4]},
                         {"ci_high", 'f', col[5]},   {"target", 'f', col[6]},
                         {"margin", 'f', col[7]},    {"prob_meet", 'f', col[8]}};
  return churn__table_from_cols(n, cols, ncol + 1, out);
}

CHURN_API churn_status churn_cohort_derl(const churn_cohort_model *m, double discount,
                                         int64_t renewals, double *derl) {
  const char *fn = "churn_cohort_derl";
  CHURN_CHECK_ARG(m != NULL && derl != NULL, "%s: model or derl is NULL", fn);
  CHURN_CHECK_ARG(churn__is_finite(discount) && discount > 0.0,
                  "%s: discount must be a finite rate > 0 (got %g)", fn, discount);
  CHURN_CHECK_ARG(renewals >= 0, "%s: renewals must be >= 0", fn);
  double r = (double)renewals, lsr = model_log_surv(m, m->par, r), v = 1.0 / (1.0 + discount);
  double sum = 0.0, disc = 1.0;
  for (int64_t k = 0; k < 100000000; k++) {
    double term = exp(model_log_surv(m, m->par, r + 1.0 + (double)k) - lsr) * disc;
    sum += term;
    /* the survival ratios are <= 1, so the rest is at most term * v / (1 - v) */
    if (term / discount <= 1e-16 * sum) {
      *derl = sum;
      return CHURN_OK;
    }
    disc *= v;
  }
  return churn__fail(CHURN_E_NOT_CONVERGED, "%s: the series did not converge within 1e8 terms "
                     "(discount %g is too small)", fn, discount);
}
