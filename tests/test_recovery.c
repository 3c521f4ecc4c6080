/*
 * test_recovery.c -- the whole pipeline recovers what the simulator put in: on a simulated
 * operator, the model fitted on snapshot features gives the true churn drivers' features the
 * right signs, its holdout AUC beats every single early-warning rule, and its reasons point at
 * the true churn category (service churners get service reasons far more often than others).
 */
#include "helpers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MONTH (30LL * 86400)

static int64_t month_start(int k) {
  /* 2024-01-01 plus k calendar months, as the simulator counts them */
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
                             31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t t = 1704067200;
  for (int i = 0; i < k; i++) t += days[i % 24] * 86400LL;
  return t;
}

static int64_t column_of(const churn_features *f, const char *name) {
  const char *const *names = churn_features_names(f);
  for (int64_t j = 0; j < churn_features_ncols(f); j++) {
    if (strcmp(names[j], name) == 0) return j;
  }
  cr_assert_fail("feature %s missing", name);
  return -1;
}

static double *labels_of(const churn_dataset *ds, const churn_features *f,
                         const churn_options *o) {
  int64_t n = churn_features_nrows(f);
  double *y = malloc(sizeof *y * (size_t)n);
  ASSERT_OK(churn_labels_compute(ds, churn_features_subscribers(f), churn_features_times(f), n, o,
                                 y, NULL, NULL));
  return y;
}

Test(recovery, model_recovers_drivers_and_beats_rules, .timeout = 300) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 6000));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 20));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SEED, 3));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_LABEL_HORIZON_DAYS, 90));
  churn_dataset *ds;
  churn_table *truth;
  ASSERT_OK(churn_simulate(o, &ds, &truth));

  int64_t train[3] = {month_start(5), month_start(8), month_start(11)};
  churn_features *f;
  ASSERT_OK(churn_features_extract(ds, train, 3, NULL, 0, o, &f));
  int64_t n = churn_features_nrows(f), d = churn_features_ncols(f);
  double *y = labels_of(ds, f, o);
  churn_model *m;
  ASSERT_OK(churn_model_fit(churn_features_matrix(f), CHURN_F64, n, d, d, y, NULL,
                            churn_features_names(f), NULL, &m));
  double *coef = malloc(sizeof *coef * (size_t)d);
  ASSERT_OK(churn_model_coef(m, coef, NULL));

  /* The simulator's drivers: arrears, complaints, downgrades, promotion ends and the box going
   * offline raise the risk; activity and tenure lower it. */
  const char *up[] = {"payment.arrears", "service.complaints", "account.downgrades",
                      "account.promo_ending", "device.offline_share", "account.suspended"};
  const char *down[] = {"usage.active_days", "account.tenure_months"};
  for (size_t i = 0; i < sizeof up / sizeof up[0]; i++) {
    cr_assert_gt(coef[column_of(f, up[i])], 0, "%s should raise churn risk", up[i]);
  }
  for (size_t i = 0; i < sizeof down / sizeof down[0]; i++) {
    cr_assert_lt(coef[column_of(f, down[i])], 0, "%s should lower churn risk", down[i]);
  }

  /* Holdout: a later snapshot, never seen in training. */
  int64_t hold = month_start(15);
  churn_features *fh;
  ASSERT_OK(churn_features_extract(ds, &hold, 1, churn_features_names(f), (size_t)d, o, &fh));
  int64_t nh = churn_features_nrows(fh);
  double *yh = labels_of(ds, fh, o), *p = malloc(sizeof *p * (size_t)nh);
  ASSERT_OK(churn_model_predict_proba(m, churn_features_matrix(fh), CHURN_F64, nh, d, d, p));
  double auc;
  ASSERT_OK(churn_eval_roc_auc(yh, p, NULL, nh, &auc));
  cr_assert_gt(auc, 0.65, "holdout AUC %.3f", auc);

  /* Each warning rule as a 0/1 score over the same holdout rows. */
  churn_table *w;
  ASSERT_OK(churn_warnings_compute(ds, hold, o, &w));
  int64_t jsub, jrule;
  ASSERT_OK(churn_table_find(w, "subscriber", &jsub));
  ASSERT_OK(churn_table_find(w, "rule", &jrule));
  const int64_t *wsub;
  const char *const *wrule;
  ASSERT_OK(churn_table_i64(w, jsub, &wsub));
  ASSERT_OK(churn_table_str(w, jrule, &wrule));
  const char *rules[] = {"payment_anomaly", "viewing_drop", "device_offline", "contact_breach",
                         "fix_breach"};
  int64_t nsubs = churn_dataset_num_subscribers(ds);
  double *flag = malloc(sizeof *flag * (size_t)nsubs), *rs = malloc(sizeof *rs * (size_t)nh);
  const int64_t *hsub = churn_features_subscribers(fh);
  for (size_t r = 0; r < 5; r++) {
    memset(flag, 0, sizeof *flag * (size_t)nsubs);
    int64_t fired = 0;
    for (int64_t i = 0; i < churn_table_nrows(w); i++) {
      if (strcmp(wrule[i], rules[r]) == 0) flag[wsub[i]] = 1, fired++;
    }
    for (int64_t i = 0; i < nh; i++) rs[i] = flag[hsub[i]];
    double rauc;
    ASSERT_OK(churn_eval_roc_auc(yh, rs, NULL, nh, &rauc));
    cr_assert_gt(auc, rauc + 0.05, "model AUC %.3f vs rule %s %.3f (%lld fired)", auc, rules[r],
                 rauc, (long long)fired);
  }

  /* Reasons: the first reason's category for the true churners of each category. */
  int32_t *idx = malloc(sizeof *idx * (size_t)nh);
  double *c = malloc(sizeof *c * (size_t)nh);
  ASSERT_OK(churn_model_explain(m, churn_features_matrix(fh), CHURN_F64, nh, d, d, 1, idx, c));
  int64_t jcat;
  ASSERT_OK(churn_table_find(truth, "category", &jcat));
  const int64_t *tcat;
  ASSERT_OK(churn_table_i64(truth, jcat, &tcat));
  double hits[4] = {0}, count[4] = {0};
  for (int64_t i = 0; i < nh; i++) {
    int64_t tc = tcat[hsub[i]];
    if (yh[i] != 1 || tc < 1 || tc > 3) continue;
    churn_category rc;
    ASSERT_OK(churn_features_column(fh, idx[i], NULL, &rc));
    count[tc]++;
    hits[tc] += rc == CHURN_CATEGORY_SERVICE;
  }
  cr_assert_geq(count[CHURN_CATEGORY_SERVICE], 20);
  double svc = hits[CHURN_CATEGORY_SERVICE] / count[CHURN_CATEGORY_SERVICE];
  double comp = hits[CHURN_CATEGORY_COMPETITIVE] / count[CHURN_CATEGORY_COMPETITIVE];
  double nat = hits[CHURN_CATEGORY_NATURAL] / count[CHURN_CATEGORY_NATURAL];
  cr_assert_gt(svc, 0.35, "service churners with a service first reason: %.2f", svc);
  cr_assert_gt(svc, 2 * comp, "service %.2f vs competitive churners %.2f", svc, comp);
  cr_assert_gt(svc, 2 * nat, "service %.2f vs natural churners %.2f", svc, nat);

  free(idx);
  free(c);
  free(flag);
  free(rs);
  free(p);
  free(yh);
  free(y);
  free(coef);
  churn_table_free(w);
  churn_features_free(fh);
  churn_features_free(f);
  churn_model_free(m);
  churn_table_free(truth);
  churn_dataset_free(ds);
  churn_options_free(o);
}
