/*
 * test_metrics.c -- evaluation (lib/metrics.c): exact hand cases, scikit-learn / statsmodels
 * oracle values (tests/oracles/metrics_fixture.h, made by make_metrics_fixture.py) on inputs
 * full of ties, order independence, every error path, and allocation failure at every point.
 */
#include "helpers.h"
#include "oracles/metrics_fixture.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define TOL 1e-12

/* LeakSanitizer's explicit check, present only in sanitizer builds. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static void assert_no_leak(void) {
  if (__lsan_do_recoverable_leak_check) cr_assert_eq(__lsan_do_recoverable_leak_check(), 0);
}

static void assert_close(double got, double want, const char *what) {
  cr_assert(rel_close(got, want, TOL, TOL), "%s: got %.17g, want %.17g", what, got, want);
}

/* --- hand cases ------------------------------------------------------------------------ */

Test(metrics, roc_auc_hand_cases) {
  const double y[] = {0, 0, 1, 1}, s[] = {0.1, 0.4, 0.35, 0.8};
  double auc;
  ASSERT_OK(churn_eval_roc_auc(y, s, NULL, 4, &auc));
  cr_assert_eq(auc, 0.75); /* 3 of 4 positive-negative pairs ordered correctly */
  const double tied[] = {0.5, 0.5, 0.5, 0.5};
  ASSERT_OK(churn_eval_roc_auc(y, tied, NULL, 4, &auc));
  cr_assert_eq(auc, 0.5);
  /* one tie between a positive and a negative: (3 + 0.5) / 4 */
  const double s2[] = {0.1, 0.35, 0.35, 0.8};
  ASSERT_OK(churn_eval_roc_auc(y, s2, NULL, 4, &auc));
  cr_assert_eq(auc, 0.875);
  /* weights count pairs: w = (1, 2, 1, 3): pairs (neg,pos) weighted: correct = all except
   * neg 0.4 (w 2) above pos 0.35 (w 1); total = 3 * 4 = 12, wrong = 2 */
  const double w[] = {1, 2, 1, 3};
  ASSERT_OK(churn_eval_roc_auc(y, s, w, 4, &auc));
  cr_assert_eq(auc, 10.0 / 12.0);
  /* integer weights equal repeated rows */
  const double yr[] = {0, 0, 0, 1, 1, 1, 1}, sr[] = {0.1, 0.4, 0.4, 0.35, 0.8, 0.8, 0.8};
  double rep;
  ASSERT_OK(churn_eval_roc_auc(yr, sr, NULL, 7, &rep));
  cr_assert(rel_close(auc, rep, 1e-15, 0));
}

Test(metrics, average_precision_hand_case) {
  /* sklearn's docstring example: thresholds 0.8 (P 1, R 1/2), 0.4 (P 2/3... no positive),
   * 0.35 (P 2/3, R 1): AP = 1/2 * 1 + 1/2 * 2/3 */
  const double y[] = {0, 0, 1, 1}, s[] = {0.1, 0.4, 0.35, 0.8};
  double ap;
  ASSERT_OK(churn_eval_average_precision(y, s, NULL, 4, &ap));
  assert_close(ap, 0.5 + 0.5 * 2.0 / 3.0, "ap");
  /* all tied: one threshold, precision = base rate */
  const double tied[] = {0.2, 0.2, 0.2, 0.2};
  ASSERT_OK(churn_eval_average_precision(y, tied, NULL, 4, &ap));
  cr_assert_eq(ap, 0.5);
}

Test(metrics, log_loss_and_brier_hand_cases) {
  const double y[] = {1, 0}, p[] = {0.5, 0.25};
  double v;
  ASSERT_OK(churn_eval_log_loss(y, p, NULL, 2, &v));
  assert_close(v, (log(2.0) - log(0.75)) / 2.0, "log loss");
  ASSERT_OK(churn_eval_brier_score(y, p, NULL, 2, &v));
  cr_assert_eq(v, (0.25 + 0.0625) / 2.0);
  const double w[] = {3, 1};
  ASSERT_OK(churn_eval_brier_score(y, p, w, 2, &v));
  cr_assert_eq(v, (3 * 0.25 + 0.0625) / 4.0);
  /* a certain, wrong prediction is clipped at DBL_EPSILON, not infinite */
  const double y1[] = {1}, p0[] = {0.0}, p1[] = {1.0};
  ASSERT_OK(churn_eval_log_loss(y1, p0, NULL, 1, &v));
  assert_close(v, -log(DBL_EPSILON), "clipped log loss");
  ASSERT_OK(churn_eval_log_loss(y1, p1, NULL, 1, &v));
  assert_close(v, -log(1.0 - DBL_EPSILON), "clipped log loss at 1");
}

Test(metrics, confusion_hand_case) {
  const double y[] = {1, 1, 0, 0, 1}, s[] = {0.9, 0.5, 0.5, 0.1, 0.2};
  double tp, fp, tn, fn;
  ASSERT_OK(churn_eval_confusion(y, s, NULL, 5, 0.5, &tp, &fp, &tn, &fn));
  cr_assert(tp == 2 && fp == 1 && tn == 1 && fn == 1); /* score >= 0.5 flagged */
  ASSERT_OK(churn_eval_confusion(y, s, NULL, 5, 0.5, NULL, NULL, NULL, &fn));
  cr_assert_eq(fn, 1);
  const double thr[] = {2.0, 0.5};
  churn_table *t;
  ASSERT_OK(churn_eval_confusion_table(y, s, NULL, 5, thr, 2, &t));
  cr_assert_eq(churn_table_nrows(t), 2);
  cr_assert_eq(table_f64(t, "threshold")[0], 2.0);
  cr_assert_eq(table_f64(t, "flagged")[0], 0.0);
  cr_assert_eq(table_f64(t, "precision")[0], 0.0); /* 0/0 reported as 0 */
  cr_assert_eq(table_f64(t, "f1")[0], 0.0);
  cr_assert_eq(table_f64(t, "precision")[1], 2.0 / 3.0);
  cr_assert_eq(table_f64(t, "recall")[1], 2.0 / 3.0);
  cr_assert_eq(table_f64(t, "accuracy")[1], 3.0 / 5.0);
  churn_table_free(t);
}

Test(metrics, lift_table_shares_tied_groups) {
  /* ranked: 0.9 (pos), {0.5 pos, 0.5 neg}, 0.1 (neg); 2 bins of 2 rows: bin 1 takes the top row
   * and half of the tied pair, so half of its positive. */
  const double y[] = {0, 1, 0, 1}, s[] = {0.5, 0.9, 0.1, 0.5};
  churn_table *t;
  ASSERT_OK(churn_eval_lift_table(y, s, NULL, 4, 2, &t));
  cr_assert_eq(churn_table_nrows(t), 2);
  cr_assert_eq(table_i64(t, "bin")[0], 1);
  cr_assert_eq(table_i64(t, "bin")[1], 2);
  cr_assert_eq(table_f64(t, "n")[0], 2.0);
  cr_assert_eq(table_f64(t, "positives")[0], 1.5);
  cr_assert_eq(table_f64(t, "positives")[1], 0.5);
  cr_assert_eq(table_f64(t, "rate")[0], 0.75);
  cr_assert_eq(table_f64(t, "lift")[0], 1.5);
  cr_assert_eq(table_f64(t, "cumulative_gain")[0], 0.75);
  cr_assert_eq(table_f64(t, "cumulative_gain")[1], 1.0);
  cr_assert_eq(table_f64(t, "cumulative_lift")[1], 1.0);
  cr_assert_eq(table_f64(t, "score_max")[0], 0.9);
  cr_assert_eq(table_f64(t, "score_min")[0], 0.5);
  cr_assert_eq(table_f64(t, "score_max")[1], 0.5);
  cr_assert_eq(table_f64(t, "score_min")[1], 0.1);
  churn_table_free(t);
  /* 5 rows in 2 bins: 2.5 each */
  const double y5[] = {1, 0, 0, 1, 0}, s5[] = {5, 4, 3, 2, 1};
  ASSERT_OK(churn_eval_lift_table(y5, s5, NULL, 5, 2, &t));
  cr_assert_eq(table_f64(t, "n")[0], 2.5);
  cr_assert_eq(table_f64(t, "positives")[0], 1.0);
  cr_assert_eq(table_f64(t, "positives")[1], 1.0);
  cr_assert_eq(table_f64(t, "cumulative_n")[1], 5.0);
  churn_table_free(t);
}

Test(metrics, lift_table_does_not_depend_on_row_order) {
  const fx_case *c = &FX_CASES[0];
  int64_t n = c->n;
  double y[64], s[64], w[64];
  for (int64_t i = 0; i < n; i++) { /* reverse the rows */
    y[i] = c->y[n - 1 - i];
    s[i] = c->s[n - 1 - i];
    w[i] = c->w[n - 1 - i];
  }
  churn_table *a, *b;
  ASSERT_OK(churn_eval_lift_table(c->y, c->s, c->w, n, 7, &a));
  ASSERT_OK(churn_eval_lift_table(y, s, w, n, 7, &b));
  for (int64_t j = 1; j < churn_table_ncols(a); j++) {
    const double *da, *db;
    ASSERT_OK(churn_table_f64(a, j, &da));
    ASSERT_OK(churn_table_f64(b, j, &db));
    cr_assert_eq(memcmp(da, db, 7 * sizeof(double)), 0, "column %lld differs", (long long)j);
  }
  churn_table_free(a);
  churn_table_free(b);
}

Test(metrics, calibration_hand_case_from_sklearn_docs) {
  /* calibration_curve's docstring: prob_true [0, 0.5, 1], prob_pred [0.2, 0.525, 0.85] */
  const double y[] = {0, 0, 0, 0, 1, 1, 1, 1, 1};
  const double p[] = {0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.};
  churn_table *t;
  ASSERT_OK(churn_eval_calibration_table(y, p, NULL, 9, 3, CHURN_CALIBRATION_UNIFORM, &t));
  cr_assert_eq(churn_table_nrows(t), 3);
  const double want_true[] = {0, 0.5, 1}, want_pred[] = {0.2, 0.525, 0.85};
  for (int k = 0; k < 3; k++) {
    assert_close(table_f64(t, "observed_rate")[k], want_true[k], "observed");
    assert_close(table_f64(t, "mean_predicted")[k], want_pred[k], "predicted");
  }
  cr_assert_eq(table_f64(t, "n")[1], 2.0);
  churn_table_free(t);
}

/* --- scikit-learn oracle ------------------------------------------------------------- */

Test(metrics, scalar_metrics_match_sklearn) {
  for (size_t k = 0; k < FX_NCASES; k++) {
    const fx_case *c = &FX_CASES[k];
    double v;
    ASSERT_OK(churn_eval_roc_auc(c->y, c->s, NULL, c->n, &v));
    assert_close(v, c->auc, c->name);
    ASSERT_OK(churn_eval_roc_auc(c->y, c->s, c->w, c->n, &v));
    assert_close(v, c->auc_w, c->name);
    ASSERT_OK(churn_eval_average_precision(c->y, c->s, NULL, c->n, &v));
    assert_close(v, c->ap, c->name);
    ASSERT_OK(churn_eval_average_precision(c->y, c->s, c->w, c->n, &v));
    assert_close(v, c->ap_w, c->name);
    if (isnan(c->logloss)) continue; /* linear scores: not probabilities */
    ASSERT_OK(churn_eval_log_loss(c->y, c->s, NULL, c->n, &v));
    assert_close(v, c->logloss, c->name);
    ASSERT_OK(churn_eval_log_loss(c->y, c->s, c->w, c->n, &v));
    assert_close(v, c->logloss_w, c->name);
    ASSERT_OK(churn_eval_brier_score(c->y, c->s, NULL, c->n, &v));
    assert_close(v, c->brier, c->name);
    ASSERT_OK(churn_eval_brier_score(c->y, c->s, c->w, c->n, &v));
    assert_close(v, c->brier_w, c->name);
  }
}

static void check_confusion(const fx_case *c, const double *w, const double *want) {
  churn_table *t;
  ASSERT_OK(churn_eval_confusion_table(c->y, c->s, w, c->n, FX_THRESHOLDS, FX_NTHRESHOLDS, &t));
  static const char *const cols[] = {"tp", "fp", "tn", "fn", "precision", "recall", "f1",
                                     "accuracy"};
  for (int i = 0; i < FX_NTHRESHOLDS; i++) {
    for (int j = 0; j < 8; j++) assert_close(table_f64(t, cols[j])[i], want[8 * i + j], cols[j]);
    double tp, fp, tn, fn;
    ASSERT_OK(churn_eval_confusion(c->y, c->s, w, c->n, FX_THRESHOLDS[i], &tp, &fp, &tn, &fn));
    assert_close(tp, want[8 * i], "tp");
    assert_close(fp, want[8 * i + 1], "fp");
    assert_close(tn, want[8 * i + 2], "tn");
    assert_close(fn, want[8 * i + 3], "fn");
  }
  churn_table_free(t);
}

Test(metrics, confusion_matches_sklearn) {
  for (size_t k = 0; k < FX_NCASES; k++) {
    check_confusion(&FX_CASES[k], NULL, FX_CASES[k].conf);
    check_confusion(&FX_CASES[k], FX_CASES[k].w, FX_CASES[k].conf_w);
  }
}

static void check_lift(const fx_case *c, const double *w, int64_t nbins, const double *want) {
  churn_table *t;
  ASSERT_OK(churn_eval_lift_table(c->y, c->s, w, c->n, nbins, &t));
  cr_assert_eq(churn_table_nrows(t), nbins);
  for (int j = 0; j < 8; j++) {
    const double *col = table_f64(t, FX_LIFT_COLS[j]);
    for (int64_t i = 0; i < nbins; i++) {
      cr_assert(rel_close(col[i], want[j * nbins + i], TOL, TOL),
                "%s %s bin %lld: got %.17g want %.17g", c->name, FX_LIFT_COLS[j],
                (long long)i + 1, col[i], want[j * nbins + i]);
    }
  }
  churn_table_free(t);
}

Test(metrics, lift_table_matches_sklearn_gains_curve) {
  for (size_t k = 0; k < FX_NCASES; k++) {
    const fx_case *c = &FX_CASES[k];
    check_lift(c, NULL, 10, c->lift10);
    check_lift(c, c->w, 10, c->lift10_w);
    check_lift(c, NULL, 7, c->lift7);
    check_lift(c, c->w, 7, c->lift7_w);
  }
}

static void check_calibration(const double *y, const double *p, const double *w, int64_t n,
                              int64_t nbins, churn_calibration_strategy strategy, int64_t rows,
                              const double *want) {
  churn_table *t;
  ASSERT_OK(churn_eval_calibration_table(y, p, w, n, nbins, strategy, &t));
  cr_assert_eq(churn_table_nrows(t), rows);
  const int64_t *bin = table_i64(t, "bin");
  for (int64_t i = 0; i < rows; i++) cr_assert_eq((double)bin[i], want[i]);
  for (int j = 1; j < 8; j++) {
    const double *col = table_f64(t, FX_CAL_COLS[j]);
    for (int64_t i = 0; i < rows; i++) {
      cr_assert(rel_close(col[i], want[j * rows + i], TOL, TOL),
                "%s row %lld: got %.17g want %.17g", FX_CAL_COLS[j], (long long)i, col[i],
                want[j * rows + i]);
    }
  }
  churn_table_free(t);
}

Test(metrics, calibration_matches_sklearn_and_statsmodels) {
  const churn_calibration_strategy U = CHURN_CALIBRATION_UNIFORM, Q = CHURN_CALIBRATION_QUANTILE;
  check_calibration(TIES40_Y, TIES40_S, NULL, 40, 5, U, TIES40_CAL_UNIFORM5_ROWS,
                    TIES40_CAL_UNIFORM5);
  check_calibration(TIES40_Y, TIES40_S, NULL, 40, 10, U, TIES40_CAL_UNIFORM10_ROWS,
                    TIES40_CAL_UNIFORM10);
  check_calibration(TIES40_Y, TIES40_S, NULL, 40, 5, Q, TIES40_CAL_QUANTILE5_ROWS,
                    TIES40_CAL_QUANTILE5);
  check_calibration(TIES40_Y, TIES40_S, NULL, 40, 10, Q, TIES40_CAL_QUANTILE10_ROWS,
                    TIES40_CAL_QUANTILE10);
  check_calibration(BETA203_Y, BETA203_S, NULL, 203, 5, U, BETA203_CAL_UNIFORM5_ROWS,
                    BETA203_CAL_UNIFORM5);
  check_calibration(BETA203_Y, BETA203_S, NULL, 203, 10, U, BETA203_CAL_UNIFORM10_ROWS,
                    BETA203_CAL_UNIFORM10);
  check_calibration(BETA203_Y, BETA203_S, NULL, 203, 5, Q, BETA203_CAL_QUANTILE5_ROWS,
                    BETA203_CAL_QUANTILE5);
  check_calibration(BETA203_Y, BETA203_S, NULL, 203, 10, Q, BETA203_CAL_QUANTILE10_ROWS,
                    BETA203_CAL_QUANTILE10);
  /* integer weights against the rows repeated */
  check_calibration(TIES40_Y, TIES40_S, TIES40_W, 40, 10, U, TIES40_CAL_UNIFORM10_W_ROWS,
                    TIES40_CAL_UNIFORM10_W);
  check_calibration(BETA203_Y, BETA203_S, BETA203_W, 203, 10, U, BETA203_CAL_UNIFORM10_W_ROWS,
                    BETA203_CAL_UNIFORM10_W);
}

/* --- errors -------------------------------------------------------------------------- */

Test(metrics, argument_errors) {
  const double y[] = {0, 1, 1}, s[] = {0.1, 0.2, 0.3};
  double v;
  churn_table *t;
  ASSERT_FAILS(churn_eval_roc_auc(NULL, s, NULL, 3, &v), CHURN_E_ARG, "y is NULL");
  ASSERT_FAILS(churn_eval_roc_auc(y, NULL, NULL, 3, &v), CHURN_E_ARG, "score is NULL");
  ASSERT_FAILS(churn_eval_roc_auc(y, s, NULL, 3, NULL), CHURN_E_ARG, "output pointer");
  ASSERT_FAILS(churn_eval_roc_auc(y, s, NULL, 0, &v), CHURN_E_ARG, "n = 0");
  ASSERT_FAILS(churn_eval_log_loss(y, NULL, NULL, 3, &v), CHURN_E_ARG, "prob is NULL");
  ASSERT_FAILS(churn_eval_average_precision(y, s, NULL, -1, &v), CHURN_E_ARG, "n = -1");
  ASSERT_FAILS(churn_eval_brier_score(y, s, NULL, 3, NULL), CHURN_E_ARG, "output");
  ASSERT_FAILS(churn_eval_confusion(y, s, NULL, 3, NAN, &v, NULL, NULL, NULL), CHURN_E_ARG,
               "threshold is NaN");
  ASSERT_FAILS(churn_eval_confusion(NULL, s, NULL, 3, 0.5, &v, NULL, NULL, NULL), CHURN_E_ARG,
               "y is NULL");
  const double thr[] = {0.5, INFINITY};
  ASSERT_FAILS(churn_eval_confusion_table(y, s, NULL, 3, NULL, 1, &t), CHURN_E_ARG,
               "thresholds is NULL");
  ASSERT_FAILS(churn_eval_confusion_table(y, s, NULL, 3, thr, 0, &t), CHURN_E_ARG,
               "nthresholds = 0");
  ASSERT_FAILS(churn_eval_confusion_table(y, s, NULL, 3, thr, 2, &t), CHURN_E_ARG,
               "thresholds[1]");
  ASSERT_FAILS(churn_eval_lift_table(y, s, NULL, 3, 0, &t), CHURN_E_ARG, "nbins = 0");
  ASSERT_FAILS(churn_eval_lift_table(y, s, NULL, 3, 10001, &t), CHURN_E_ARG, "nbins = 10001");
  ASSERT_FAILS(churn_eval_lift_table(y, s, NULL, 3, 2, NULL), CHURN_E_ARG, "output");
  ASSERT_FAILS(churn_eval_calibration_table(y, s, NULL, 3, 0, CHURN_CALIBRATION_UNIFORM, &t),
               CHURN_E_ARG, "nbins = 0");
  ASSERT_FAILS(churn_eval_calibration_table(y, s, NULL, 3, 2, (churn_calibration_strategy)7, &t),
               CHURN_E_ARG, "unknown strategy 7");
}

Test(metrics, data_errors_name_the_index) {
  const double y[] = {0, 1, 2, 1}, ok_y[] = {0, 1, 0, 1};
  const double s[] = {0.1, 0.2, 0.3, 0.4}, s_nan[] = {0.1, 0.2, 0.3, NAN};
  const double s_inf[] = {0.1, -INFINITY, 0.3, 0.4}, p_big[] = {0.1, 1.5, 0.3, 0.4};
  const double w_neg[] = {1, 1, -1, 1}, w_nan[] = {NAN, 1, 1, 1}, w_zero[] = {0, 0, 0, 0};
  const double y_nan[] = {0, NAN, 1, 1};
  double v;
  churn_table *t;
  ASSERT_FAILS(churn_eval_roc_auc(y, s, NULL, 4, &v), CHURN_E_DATA, "y[2] = 2 is not 0 or 1");
  ASSERT_FAILS(churn_eval_roc_auc(y_nan, s, NULL, 4, &v), CHURN_E_DATA, "y[1]");
  ASSERT_FAILS(churn_eval_roc_auc(ok_y, s_nan, NULL, 4, &v), CHURN_E_DATA,
               "score[3] = nan is not finite");
  ASSERT_FAILS(churn_eval_average_precision(ok_y, s_inf, NULL, 4, &v), CHURN_E_DATA,
               "score[1] = -inf");
  ASSERT_FAILS(churn_eval_roc_auc(ok_y, s, w_neg, 4, &v), CHURN_E_DATA, "weight[2] = -1");
  ASSERT_FAILS(churn_eval_roc_auc(ok_y, s, w_nan, 4, &v), CHURN_E_DATA, "weight[0] = nan");
  ASSERT_FAILS(churn_eval_roc_auc(ok_y, s, w_zero, 4, &v), CHURN_E_DATA, "weights sum to 0");
  ASSERT_FAILS(churn_eval_log_loss(ok_y, p_big, NULL, 4, &v), CHURN_E_DATA,
               "prob[1] = 1.5 is outside [0, 1]");
  ASSERT_FAILS(churn_eval_brier_score(ok_y, p_big, NULL, 4, &v), CHURN_E_DATA, "prob[1]");
  ASSERT_FAILS(churn_eval_calibration_table(ok_y, p_big, NULL, 4, 5, CHURN_CALIBRATION_UNIFORM,
                                            &t), CHURN_E_DATA, "prob[1]");
  ASSERT_FAILS(churn_eval_lift_table(ok_y, s_nan, NULL, 4, 2, &t), CHURN_E_DATA, "score[3]");
  ASSERT_FAILS(churn_eval_confusion_table(y, s, NULL, 4, s, 1, &t), CHURN_E_DATA, "y[2]");
}

Test(metrics, missing_classes) {
  const double zeros[] = {0, 0, 0}, ones[] = {1, 1, 1}, s[] = {0.1, 0.2, 0.3};
  const double y[] = {0, 1, 1}, w[] = {0, 1, 1};
  double v;
  churn_table *t;
  ASSERT_FAILS(churn_eval_roc_auc(zeros, s, NULL, 3, &v), CHURN_E_DATA, "only one class (all 0");
  ASSERT_FAILS(churn_eval_roc_auc(ones, s, NULL, 3, &v), CHURN_E_DATA, "only one class (all 1");
  /* a class present only with zero weight does not count */
  ASSERT_FAILS(churn_eval_roc_auc(y, s, w, 3, &v), CHURN_E_DATA, "only one class");
  ASSERT_FAILS(churn_eval_average_precision(zeros, s, NULL, 3, &v), CHURN_E_DATA,
               "no positive");
  ASSERT_FAILS(churn_eval_lift_table(zeros, s, NULL, 3, 2, &t), CHURN_E_DATA, "no positive");
  /* metrics that need no class work on one */
  ASSERT_OK(churn_eval_average_precision(ones, s, NULL, 3, &v));
  cr_assert_eq(v, 1.0);
  ASSERT_OK(churn_eval_brier_score(zeros, s, NULL, 3, &v));
  ASSERT_OK(churn_eval_calibration_table(zeros, s, NULL, 3, 2, CHURN_CALIBRATION_QUANTILE, &t));
  churn_table_free(t);
}

/* Fails each allocation of op in turn: every one must give CHURN_E_NOMEM, leak nothing. */
typedef churn_status (*table_op)(churn_table **out);

static void fail_each_allocation(table_op op) {
  churn_table *t = NULL;
  churn_testing_fail_alloc(0);
  ASSERT_OK(op(&t));
  uint64_t count = churn_testing_fail_alloc(0);
  churn_table_free(t);
  cr_assert(count > 0);
  for (uint64_t k = 1; k <= count; k++) {
    t = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = op(&t);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "allocation %llu: %s", (unsigned long long)k,
                 churn_status_name(st));
    cr_assert_null(t);
  }
  assert_no_leak();
}

static churn_status op_lift(churn_table **out) {
  const fx_case *c = &FX_CASES[0];
  return churn_eval_lift_table(c->y, c->s, c->w, c->n, 7, out);
}
static churn_status op_calibration(churn_table **out) {
  return churn_eval_calibration_table(TIES40_Y, TIES40_S, NULL, 40, 10,
                                      CHURN_CALIBRATION_QUANTILE, out);
}
static churn_status op_confusion(churn_table **out) {
  return churn_eval_confusion_table(TIES40_Y, TIES40_S, NULL, 40, FX_THRESHOLDS, FX_NTHRESHOLDS,
                                    out);
}
static churn_status op_auc(churn_table **out) {
  double v;
  *out = NULL;
  return churn_eval_roc_auc(TIES40_Y, TIES40_S, NULL, 40, &v);
}

Test(metrics, allocation_failures_are_clean) {
  fail_each_allocation(op_lift);
  fail_each_allocation(op_calibration);
  fail_each_allocation(op_confusion);
  fail_each_allocation(op_auc);
}
