/*
 * infer.c -- inference for a fitted model as statsmodels' Logit reports it: the coefficient table
 * (std errors from the covariance, Wald z, normal p-values and 95% intervals, odds ratios) and
 * the fit statistics (log-likelihoods, McFadden R2, likelihood-ratio test, AIC/BIC), with the
 * special functions they need.
 */
#include "logit.h"
#include "model.h"
#include "common/special.h"

#include <string.h>

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
      cols[4][j] = b - CHURN__Z975 * se;
      cols[5][j] = b + CHURN__Z975 * se;
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
