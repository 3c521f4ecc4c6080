/*
 * test_model.c -- lib/model.c: the plain getters of a fitted model, the fit options it records
 * (through save and load), and their argument errors.
 */
#include "helpers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(model, getters) {
  double X[12] = {0, 1, 1, 0, 2, 1, 3, 0, 4, 1, 5, 0}, y[6] = {0, 1, 1, 0, 1, 0};
  const char *names[] = {"tenure", "complaints"};
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, 6, 2, 2, y, NULL, names, NULL, &m));
  cr_assert_eq(churn_model_n_features(m), 2);
  cr_assert_eq(churn_model_n_features(NULL), 0);
  cr_assert_str_eq(churn_model_feature_name(m, 1), "complaints");
  cr_assert_null(churn_model_feature_name(m, 2));
  cr_assert_null(churn_model_feature_name(m, -1));
  cr_assert_null(churn_model_feature_name(NULL, 0));
  double mean[2], scale[2], cov[9], coef[2], b0;
  ASSERT_OK(churn_model_scaling(m, mean, scale));
  cr_assert(rel_close(mean[0], 2.5, 1e-15, 0));
  cr_assert(rel_close(mean[1], 0.5, 1e-15, 0));
  cr_assert(rel_close(scale[0], sqrt(17.5 / 6), 1e-15, 0));
  cr_assert(rel_close(scale[1], 0.5, 1e-15, 0));
  ASSERT_OK(churn_model_coef(m, coef, &b0));
  ASSERT_OK(churn_model_coef(m, NULL, NULL));
  ASSERT_OK(churn_model_covariance(m, cov));
  for (int a = 0; a < 3; a++) {
    cr_assert(cov[a * 3 + a] > 0);
    for (int b = 0; b < 3; b++) cr_assert_eq(cov[a * 3 + b], cov[b * 3 + a]);
  }
  ASSERT_FAILS(churn_model_coef(NULL, coef, &b0), CHURN_E_ARG, "model is NULL");
  ASSERT_FAILS(churn_model_scaling(NULL, mean, scale), CHURN_E_ARG, "model is NULL");
  ASSERT_FAILS(churn_model_covariance(m, NULL), CHURN_E_ARG, "must not be NULL");
  ASSERT_FAILS(churn_model_check_features(NULL, names, 2), CHURN_E_ARG, "model is NULL");
  ASSERT_FAILS(churn_model_check_features(m, NULL, 2), CHURN_E_ARG, "names is NULL");
  const char *with_null[] = {"tenure", NULL};
  ASSERT_FAILS(churn_model_check_features(m, with_null, 2), CHURN_E_SCHEMA, "'(null)'");
  churn_model_free(m);
  churn_model_free(NULL);
}

/* The fit.* keys, and a reader of them into v (ints as doubles) in this order. */
static const churn_option FIT_KEYS[] = {
    CHURN_OPT_FIT_PENALTY, CHURN_OPT_FIT_C, CHURN_OPT_FIT_L1_RATIO, CHURN_OPT_FIT_INTERCEPT,
    CHURN_OPT_FIT_TOL, CHURN_OPT_FIT_MAX_ITER, CHURN_OPT_FIT_CLASS_WEIGHT,
    CHURN_OPT_FIT_STANDARDIZE, CHURN_OPT_FIT_COV_TYPE, CHURN_OPT_FIT_POPULATION_RATE,
    CHURN_OPT_FIT_INFERENCE, CHURN_OPT_FIT_THREADS, CHURN_OPT_FIT_MEMORY_BUDGET};
enum { N_FIT_KEYS = sizeof FIT_KEYS / sizeof FIT_KEYS[0] };

static void read_fit_keys(const churn_options *o, double *v) {
  for (int q = 0; q < N_FIT_KEYS; q++) {
    churn_option_type t;
    ASSERT_OK(churn_option_bounds(FIT_KEYS[q], &t, NULL, NULL, NULL));
    if (t == CHURN_OPTION_INT) {
      int64_t i;
      ASSERT_OK(churn_options_get_int(o, FIT_KEYS[q], &i));
      v[q] = (double)i;
    } else {
      ASSERT_OK(churn_options_get_real(o, FIT_KEYS[q], &v[q]));
    }
  }
}

/* Fits with opts, then checks churn_model_fit_options on the fitted model, on its saved and
 * reloaded copy (file and buffer) against the values set: every recorded key equal, the
 * unrecorded ones (threads, memory budget) at their defaults. */
static void check_fit_options_round_trip(const churn_options *opts) {
  double X[2 * 40], y[40];
  for (int i = 0; i < 40; i++) X[2 * i] = sin(i), X[2 * i + 1] = cos(i * 0.7), y[i] = i % 3 == 0;
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, 40, 2, 2, y, NULL, NULL, opts, &m));
  char path[600];
  snprintf(path, sizeof path, "%s/fit_options.churnmodel", test_tmpdir());
  ASSERT_OK(churn_model_save(m, path));
  churn_model *loaded = NULL;
  ASSERT_OK(churn_model_load(path, &loaded));
  size_t need = 0;
  cr_assert_eq(churn_model_save_buffer(m, NULL, 0, &need), CHURN_E_BUFFER);
  char *buf = malloc(need);
  ASSERT_OK(churn_model_save_buffer(m, buf, need, &need));
  churn_model *from_buf = NULL;
  ASSERT_OK(churn_model_load_buffer(buf, need, &from_buf));
  free(buf);
  double want[N_FIT_KEYS], got[N_FIT_KEYS];
  read_fit_keys(opts, want);
  const churn_model *models[] = {m, loaded, from_buf};
  for (int k = 0; k < 3; k++) {
    churn_options *o = NULL;
    ASSERT_OK(churn_model_fit_options(models[k], &o));
    read_fit_keys(o, got);
    for (int q = 0; q < N_FIT_KEYS; q++) {
      double def;
      ASSERT_OK(churn_option_bounds(FIT_KEYS[q], NULL, NULL, NULL, &def));
      bool recorded = FIT_KEYS[q] != CHURN_OPT_FIT_THREADS &&
                      FIT_KEYS[q] != CHURN_OPT_FIT_MEMORY_BUDGET;
      cr_assert_eq(got[q], recorded ? want[q] : def, "model %d, %s: %.17g, set %.17g", k,
                   churn_option_name(FIT_KEYS[q]), got[q], want[q]);
    }
    /* keys of other families keep their defaults */
    int64_t horizon;
    ASSERT_OK(churn_options_get_int(o, CHURN_OPT_LABEL_HORIZON_DAYS, &horizon));
    cr_assert_eq(horizon, 90);
    churn_options_free(o);
  }
  churn_model_free(m);
  churn_model_free(loaded);
  churn_model_free(from_buf);
}

Test(model, fit_options_round_trip) {
  churn_options *o = NULL;
  /* defaults */
  ASSERT_OK(churn_options_new(&o));
  check_fit_options_round_trip(o);
  /* an elastic net with every recorded key away from its default (but population_rate, which
   * needs the intercept and no class weights: the next case) */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_ELASTICNET));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_C, 0.37));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_L1_RATIO, 0.3));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INTERCEPT, 0));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-9));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MAX_ITER, 77));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_CLASS_WEIGHT, 1));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_STANDARDIZE, 0));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_HC1));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INFERENCE, 0));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_THREADS, 2));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MEMORY_BUDGET, 64 << 20));
  check_fit_options_round_trip(o);
  /* unpenalised with a robust covariance and the prior correction (needs the intercept) */
  ASSERT_OK(churn_options_reset(o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_HC0));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_POPULATION_RATE, 0.05));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MAX_ITER, 31));
  check_fit_options_round_trip(o);
  /* L1 and L2 */
  ASSERT_OK(churn_options_reset(o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L1));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_C, 4.5));
  check_fit_options_round_trip(o);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2));
  check_fit_options_round_trip(o);
  churn_options_free(o);
}

Test(model, fit_options_argument_errors) {
  double X[12] = {0, 1, 1, 0, 2, 1, 3, 0, 4, 1, 5, 0}, y[6] = {0, 1, 1, 0, 1, 0};
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, 6, 2, 2, y, NULL, NULL, NULL, &m));
  churn_options *o = NULL;
  ASSERT_FAILS(churn_model_fit_options(NULL, &o), CHURN_E_ARG, "must not be NULL");
  ASSERT_FAILS(churn_model_fit_options(m, NULL), CHURN_E_ARG, "must not be NULL");
  cr_assert_null(o);
  churn_model_free(m);
}
