/*
 * test_model.c -- lib/model.c: the plain getters of a fitted model and their argument errors.
 */
#include "helpers.h"

#include <math.h>
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
