/*
 * infer.c -- inference for a fitted model as statsmodels' Logit reports it: the coefficient table
 * (std errors from the covariance, Wald z, normal p-values and 95% intervals, odds ratios) and
 * the fit statistics (log-likelihoods, McFadden R2, likelihood-ratio test, AIC/BIC), with the
 * special functions they need.
 */
#include "logit.h"
#include "model.h"

#include <string.h>

/* The 0.975 quantile of the standard normal (scipy.stats.norm.ppf(0.975)). */
#define Z975 1.959963984540054

double churn__normal_sf(double x) { return 0.5 * erfc(x / sqrt(2.0)); }

/* Q(a, x) by its continued fraction (modified Lentz), good for x >= a + 1. */
static double gamma_q_cf(double a, double x) {
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 10000; i++) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 1e-16) break;
  }
  return exp(-x + a * log(x) - lgamma(a)) * h;
}

/* P(a, x) by its series, good for x < a + 1. */
static double gamma_p_series(double a, double x) {
  double ap = a, sum = 1.0 / a, del = sum;
  for (int n = 0; n < 10000; n++) {
    ap += 1.0;
    del *= x / ap;
    sum += del;
    if (fabs(del) < fabs(sum) * 1e-17) break;
  }
  return sum * exp(-x + a * log(x) - lgamma(a));
}

double churn__gamma_q(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return NAN;
  if (x == 0) return 1.0;
  if (isinf(x)) return 0.0;
  if (x < a + 1.0) return 1.0 - gamma_p_series(a, x);
  return gamma_q_cf(a, x);
}

double churn__chi2_sf(double x, double df) {
  if (!(df > 0)) return NAN;
  if (x <= 0) return 1.0;
  return churn__gamma_q(0.5 * df, 0.5 * x);
}

CHURN_API churn_status churn_model_stat(const churn_model *model, churn_stat which,
                                        double *out) {
  CHURN_CHECK_ARG(model != NULL && out != NULL, "churn_model_stat: model and out must not be NULL");
  const churn__fit_info *in = &model->info;
  const double k = (double)model->k, df_model = (double)model->d;
  const double llr = 2.0 * (in->loglik - in->null_loglik);
  double v;
  switch (which) {
    case CHURN_STAT_LOGLIK: v = in->loglik; break;
    case CHURN_STAT_NULL_LOGLIK: v = in->null_loglik; break;
    case CHURN_STAT_PSEUDO_R2: v = 1.0 - in->loglik / in->null_loglik; break;
    case CHURN_STAT_LLR: v = llr; break;
    case CHURN_STAT_LLR_P_VALUE: v = df_model > 0 ? churn__chi2_sf(llr, df_model) : NAN; break;
    case CHURN_STAT_AIC: v = -2.0 * in->loglik + 2.0 * k; break;
    case CHURN_STAT_BIC: v = -2.0 * in->loglik + k * log((double)in->n_obs); break;
    case CHURN_STAT_N_ITER: v = (double)in->n_iter; break;
    case CHURN_STAT_CONVERGED: v = in->converged ? 1.0 : 0.0; break;
    case CHURN_STAT_GRADIENT_NORM: v = in->gradient_norm; break;
    case CHURN_STAT_N_OBS: v = (double)in->n_obs; break;
    case CHURN_STAT_SUM_WEIGHTS: v = in->sum_w; break;
    case CHURN_STAT_POSITIVES: v = (double)in->positives; break;
    case CHURN_STAT_DF_MODEL: v = df_model; break;
    case CHURN_STAT_DF_RESID: v = (double)in->n_obs - k; break;
    case CHURN_STAT_N_PASSES: v = (double)in->n_passes; break;
    case CHURN_STAT_PENALIZED_LOGLIK: v = in->penalized_loglik; break;
    case CHURN_STAT_N_CLUSTERS: v = (double)model->n_clusters; break;
    default:
      return churn__fail(CHURN_E_ARG, "churn_model_stat: unknown statistic %d", (int)which);
  }
  *out = v;
  return CHURN_OK;
}

CHURN_API churn_status churn_model_summary(const churn_model *model, churn_table **out) {
  CHURN_CHECK_ARG(model != NULL && out != NULL, "churn_model_summary: model and out must not be "
                  "NULL");
  const int64_t k = model->k, fi = model->k - model->d;
  const char **terms = churn__calloc((size_t)k + 1, sizeof *terms);
  double *cols[7];
  churn_status st = terms ? CHURN_OK : churn__nomem("summary");
  for (int c = 0; c < 7; c++) {
    cols[c] = churn__malloc_array((size_t)k + 1, sizeof(double));
    if (cols[c] == NULL) st = churn__nomem("summary");
  }
  churn_table *t = NULL;
  if (st == CHURN_OK) {
    for (int64_t j = 0; j < k; j++) {
      double b = (fi && j == 0) ? model->intercept : model->coef[j - fi];
      terms[j] = (fi && j == 0) ? "intercept" : model->names[j - fi];
      double se = model->cov ? sqrt(model->cov[j * k + j]) : NAN;
      double z = b / se;
      cols[0][j] = b;
      cols[1][j] = se;
      cols[2][j] = z;
      cols[3][j] = 2.0 * churn__normal_sf(fabs(z));
      cols[4][j] = b - Z975 * se;
      cols[5][j] = b + Z975 * se;
      cols[6][j] = exp(b);
    }
    st = churn__table_new(k, &t);
  }
  static const char *const names[7] = {"coef",    "std_err", "z",         "p_value",
                                       "ci_low",  "ci_high", "odds_ratio"};
  if (st == CHURN_OK) st = churn__table_add_str(t, "term", terms);
  for (int c = 0; c < 7; c++) {
    if (st == CHURN_OK) {
      st = churn__table_take_f64(t, names[c], cols[c]);  /* takes cols[c] even on failure */
    } else {
      churn__free(cols[c]);
    }
    cols[c] = NULL;
  }
  churn__free(terms);
  if (st != CHURN_OK) {
    churn_table_free(t);
    return st;
  }
  *out = t;
  return CHURN_OK;
}
