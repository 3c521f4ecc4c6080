/*
 * model.c -- the churn_model object: allocation, release, and the plain getters (names,
 * coefficients, standardisation, covariance, feature-name check, the fit options it records).
 */
#include "model.h"

#include <math.h>
#include <string.h>

churn_status churn__model_new(int64_t d, int fit_intercept, churn_model **out) {
  churn_model *m = churn__calloc(1, sizeof *m);
  if (m == NULL) return churn__nomem("model");
  m->d = d;
  m->k = d + (fit_intercept ? 1 : 0);
  size_t dd = (size_t)d + 1;
  m->names = churn__calloc(dd, sizeof *m->names);
  m->mean = churn__calloc(dd, sizeof(double));
  m->scale = churn__calloc(dd, sizeof(double));
  m->coef = churn__calloc(dd, sizeof(double));
  if (!m->names || !m->mean || !m->scale || !m->coef) {
    churn_model_free(m);
    return churn__nomem("model");
  }
  for (int64_t j = 0; j < d; j++) m->scale[j] = 1.0;
  churn__fit_config *c = &m->config;
  c->penalty = CHURN_PENALTY_NONE;
  c->C = 1.0;
  c->l1_ratio = 0.5;
  c->fit_intercept = fit_intercept ? 1 : 0;
  c->standardize = 1;
  c->class_weight0 = c->class_weight1 = 1.0;
  c->cov_type = CHURN_COV_NONROBUST;
  c->tol = 1e-8;
  c->max_iter = 100;
  c->inference = 1;
  m->info.penalized_loglik = NAN;
  *out = m;
  return CHURN_OK;
}

churn_status churn__model_set_name(churn_model *m, int64_t j, const char *name) {
  char *copy = churn__strdup(name ? name : "");
  if (copy == NULL) return churn__nomem("feature name");
  churn__free(m->names[j]);
  m->names[j] = copy;
  return CHURN_OK;
}

churn_status churn__model_alloc_cov(churn_model *m) {
  if (m->cov) return CHURN_OK;
  m->cov = churn__calloc((size_t)(m->k * m->k) + 1, sizeof(double));
  return m->cov ? CHURN_OK : churn__nomem("covariance");
}

CHURN_API void churn_model_free(churn_model *model) {
  if (model == NULL) return;
  for (int64_t j = 0; model->names && j < model->d; j++) churn__free(model->names[j]);
  churn__free(model->names);
  churn__free(model->mean);
  churn__free(model->scale);
  churn__free(model->coef);
  churn__free(model->cov);
  churn__free(model->attachment);
  churn__free(model);
}

churn_status churn__model_set_attachment(churn_model *m, const void *data, size_t len) {
  uint8_t *copy = NULL;
  if (len > 0) {
    copy = churn__malloc(len);
    if (copy == NULL) return churn__nomem("model attachment");
    memcpy(copy, data, len);
  }
  churn__free(m->attachment);
  m->attachment = copy;
  m->attachment_len = len;
  return CHURN_OK;
}

churn_status churn__model_attachment(const churn_model *m, const uint8_t **data, size_t *len) {
  if (m->attachment == NULL) {
    return churn__fail(CHURN_E_NOT_FOUND, "the model carries no design (it was not fitted on a "
                       "flat table)");
  }
  *data = m->attachment;
  *len = m->attachment_len;
  return CHURN_OK;
}

CHURN_API int64_t churn_model_n_features(const churn_model *model) {
  return model ? model->d : 0;
}

CHURN_API const char *churn_model_feature_name(const churn_model *model, int64_t j) {
  if (model == NULL || j < 0 || j >= model->d) return NULL;
  return model->names[j];
}

CHURN_API churn_status churn_model_coef(const churn_model *model, double *coef, double *intercept) {
  CHURN_CHECK_ARG(model != NULL, "churn_model_coef: model is NULL");
  if (coef && model->d) memcpy(coef, model->coef, (size_t)model->d * sizeof(double));
  if (intercept) *intercept = model->intercept;
  return CHURN_OK;
}

CHURN_API churn_status churn_model_scaling(const churn_model *model, double *mean, double *scale) {
  CHURN_CHECK_ARG(model != NULL, "churn_model_scaling: model is NULL");
  if (mean && model->d) memcpy(mean, model->mean, (size_t)model->d * sizeof(double));
  if (scale && model->d) memcpy(scale, model->scale, (size_t)model->d * sizeof(double));
  return CHURN_OK;
}

CHURN_API churn_status churn_model_covariance(const churn_model *model, double *cov) {
  CHURN_CHECK_ARG(model != NULL && cov != NULL, "churn_model_covariance: model and cov must not "
                  "be NULL");
  if (model->cov == NULL) {
    return churn__fail(CHURN_E_STATE, "churn_model_covariance: the model has no covariance "
                       "(penalised fit, or fit.inference = 0)");
  }
  memcpy(cov, model->cov, (size_t)(model->k * model->k) * sizeof(double));
  return CHURN_OK;
}

CHURN_API churn_status churn_model_check_features(const churn_model *model,
                                                  const char *const *names, int64_t d) {
  CHURN_CHECK_ARG(model != NULL, "churn_model_check_features: model is NULL");
  CHURN_CHECK_ARG(names != NULL || d == 0, "churn_model_check_features: names is NULL");
  if (d != model->d) {
    return churn__fail(CHURN_E_SCHEMA, "the data have %lld feature columns, the model %lld",
                       (long long)d, (long long)model->d);
  }
  for (int64_t j = 0; j < d; j++) {
    if (names[j] == NULL || strcmp(names[j], model->names[j]) != 0) {
      return churn__fail(CHURN_E_SCHEMA, "feature %lld is '%s' in the data but '%s' in the model",
                         (long long)j, names[j] ? names[j] : "(null)", model->names[j]);
    }
  }
  return CHURN_OK;
}

/* One recorded value into opts; a value outside the key's bounds can only come from a damaged
 * or foreign file (the loader checks types, not every bound). */
static churn_status put_option(churn_options *o, churn_option key, double v, int is_int) {
  churn_status st = CHURN_E_RANGE;
  if (!is_int) st = churn_options_set_real(o, key, v);
  else if (fabs(v) < 9e18) st = churn_options_set_int(o, key, (int64_t)v);
  if (st == CHURN_E_RANGE || st == CHURN_E_ARG) {
    return churn__fail(CHURN_E_FORMAT, "churn_model_fit_options: the model records %s = %.17g, "
                       "outside the option's bounds", churn_option_name(key), v);
  }
  return st;
}

CHURN_API churn_status churn_model_fit_options(const churn_model *model, churn_options **out) {
  CHURN_CHECK_ARG(model != NULL && out != NULL, "churn_model_fit_options: model and out must not "
                  "be NULL");
  const churn__fit_config *c = &model->config;
  churn_options *o = NULL;
  CHURN_TRY(churn_options_new(&o));
  churn_status st = put_option(o, CHURN_OPT_FIT_PENALTY, c->penalty, 1);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_C, c->C, 0);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_L1_RATIO, c->l1_ratio, 0);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_INTERCEPT, c->fit_intercept, 1);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_TOL, c->tol, 0);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_MAX_ITER, (double)c->max_iter, 1);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_CLASS_WEIGHT, c->class_weight, 1);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_STANDARDIZE, c->standardize, 1);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_COV_TYPE, c->cov_type, 1);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_POPULATION_RATE, c->population_rate, 0);
  if (st == CHURN_OK) st = put_option(o, CHURN_OPT_FIT_INFERENCE, c->inference, 1);
  if (st != CHURN_OK) {
    churn_options_free(o);
    return st;
  }
  *out = o;
  return CHURN_OK;
}
