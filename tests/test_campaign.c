/*
 * test_campaign.c -- lib/campaign.c: Newcombe's hybrid score interval against statsmodels'
 * confint_proportions_2indep(method="newcomb"), the per-segment table by hand, the Qini curve
 * and coefficient against scikit-uplift's algorithm re-typed in numpy
 * (fixtures/make_forecast_fixture.py), and the error paths.
 */
#include <churn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures/forecast_fixture.h"
#include "helpers.h"
#include "kpi_base.h"

/* Builds treated/churned arrays for (yt of nt treated churned, yc of nc control churned). */
static int64_t build(double *tr, double *ch, int yt, int nt, int yc, int nc) {
  int64_t i = 0;
  for (int k = 0; k < nt; k++, i++) tr[i] = 1, ch[i] = k < yt;
  for (int k = 0; k < nc; k++, i++) tr[i] = 0, ch[i] = k < yc;
  return i;
}

Test(campaign, newcombe_interval_equals_statsmodels) {
  size_t ncase = sizeof NEWCOMBE / sizeof *NEWCOMBE / 6;
  for (size_t c = 0; c < ncase; c++) {
    const double *r = NEWCOMBE + 6 * c;
    double tr[1000], ch[1000];
    int64_t n = build(tr, ch, (int)r[0], (int)r[1], (int)r[2], (int)r[3]);
    churn_table *t = NULL;
    ASSERT_OK(churn_campaign_effect(tr, ch, NULL, n, 0.05, &t));
    cr_assert_eq(churn_table_nrows(t), 1);
    cr_assert_str_eq(tcol_str(t, "segment")[0], "(all)");
    double p1 = r[0] / r[1], p2 = r[2] / r[3];
    cr_assert(rel_close(tcol_f64(t, "churn_rate_treated")[0], p1, 1e-15, 0));
    cr_assert(rel_close(tcol_f64(t, "churn_rate_control")[0], p2, 1e-15, 0));
    cr_assert(rel_close(tcol_f64(t, "difference")[0], p1 - p2, 1e-13, 1e-16));
    cr_assert(rel_close(tcol_f64(t, "ci_low")[0], r[4], 1e-12, 1e-15), "case %zu low %.15g",
              c, tcol_f64(t, "ci_low")[0]);
    cr_assert(rel_close(tcol_f64(t, "ci_high")[0], r[5], 1e-12, 1e-15), "case %zu", c);
    cr_assert(rel_close(tcol_f64(t, "saved_per_1000")[0], 1000 * (p2 - p1), 1e-12, 1e-12));
    if (p2 > 0) {
      cr_assert(rel_close(tcol_f64(t, "relative_reduction")[0], (p2 - p1) / p2, 1e-12, 1e-15));
    }
    cr_assert_eq(tcol_i64(t, "treated")[0], (int64_t)r[1]);
    cr_assert_eq(tcol_i64(t, "control_churned")[0], (int64_t)r[2]);
    churn_table_free(t);
  }
}

Test(campaign, per_segment_rows) {
  /* north: treated 4 (1 churned), control 2 (1 churned); south: treated 2 (0), no control */
  double tr[] = {1, 1, 1, 1, 0, 0, 1, 1};
  double ch[] = {1, 0, 0, 0, 1, 0, 0, 0};
  const char *seg[] = {"north", "north", "north", "north", "north", "north", "south", "south"};
  churn_table *t = NULL;
  ASSERT_OK(churn_campaign_effect(tr, ch, seg, 8, 0.05, &t));
  cr_assert_eq(churn_table_nrows(t), 3);
  const char *const *s = tcol_str(t, "segment");
  cr_assert_str_eq(s[0], "north");
  cr_assert_str_eq(s[1], "south");
  cr_assert_str_eq(s[2], "(all)");
  const double *rt = tcol_f64(t, "churn_rate_treated"), *rc = tcol_f64(t, "churn_rate_control");
  const double *diff = tcol_f64(t, "difference"), *saved = tcol_f64(t, "saved_per_1000");
  cr_assert(rel_close(rt[0], 0.25, 1e-15, 0) && rel_close(rc[0], 0.5, 1e-15, 0));
  cr_assert(rel_close(diff[0], -0.25, 1e-15, 0) && rel_close(saved[0], 250, 1e-13, 0));
  cr_assert(rel_close(tcol_f64(t, "relative_reduction")[0], 0.5, 1e-15, 0));
  cr_assert(rel_close(rt[1], 0.0, 0, 1e-300) && isnan(rc[1]) && isnan(diff[1]));
  cr_assert(isnan(tcol_f64(t, "ci_low")[1]));
  cr_assert(rel_close(rt[2], 1.0 / 6, 1e-15, 0) && rel_close(rc[2], 0.5, 1e-15, 0));
  cr_assert_eq(tcol_i64(t, "treated")[2], 6);
  cr_assert_eq(tcol_i64(t, "control")[2], 2);
  churn_table_free(t);
}

Test(campaign, effect_errors) {
  double tr[] = {1, 1, 1}, ch[] = {0, 1, 0}, bad[] = {0, 0.5, 1}, nanv[] = {0, NAN, 1};
  double ctrl[] = {0, 0, 0};
  const char *seg[] = {"a", NULL, "b"};
  churn_table *t = NULL;
  ASSERT_FAILS(churn_campaign_effect(tr, ch, NULL, 3, 0.05, &t), CHURN_E_DATA, "no control group");
  ASSERT_FAILS(churn_campaign_effect(ctrl, ch, NULL, 3, 0.05, &t), CHURN_E_DATA,
               "no treated subscriber");
  ASSERT_FAILS(churn_campaign_effect(bad, ch, NULL, 3, 0.05, &t), CHURN_E_DATA,
               "treated[1] = 0.5 is not 0 or 1");
  ASSERT_FAILS(churn_campaign_effect(ctrl, nanv, NULL, 3, 0.05, &t), CHURN_E_DATA,
               "churned[1] = nan");
  ASSERT_FAILS(churn_campaign_effect(bad, ch, NULL, 0, 0.05, &t), CHURN_E_ARG, "n must be");
  ASSERT_FAILS(churn_campaign_effect(NULL, ch, NULL, 3, 0.05, &t), CHURN_E_ARG, "NULL");
  double mix[] = {1, 0, 1};
  ASSERT_FAILS(churn_campaign_effect(mix, ch, seg, 3, 0.05, &t), CHURN_E_DATA, "segment[1]");
  ASSERT_FAILS(churn_campaign_effect(mix, ch, NULL, 3, 0.0, &t), CHURN_E_ARG, "alpha");
  ASSERT_FAILS(churn_campaign_effect(mix, ch, NULL, 3, 0.05, NULL), CHURN_E_ARG, "out");
  cr_assert_null(t);
}

Test(campaign, qini_curve_equals_scikit_uplift) {
  int64_t n = (int64_t)(sizeof QINI_SCORE / sizeof *QINI_SCORE);
  churn_table *t = NULL;
  ASSERT_OK(churn_eval_qini_curve(QINI_SCORE, QINI_TREATED, QINI_CHURNED, n, &t));
  int64_t m = (int64_t)(sizeof QINI_N / sizeof *QINI_N);
  cr_assert_eq(churn_table_nrows(t), m);
  const int64_t *k = tcol_i64(t, "n");
  const double *q = tcol_f64(t, "qini"), *share = tcol_f64(t, "share");
  const double *rnd = tcol_f64(t, "random");
  for (int64_t p = 0; p < m; p++) {
    cr_assert_eq(k[p], (int64_t)QINI_N[p]);
    cr_assert(rel_close(q[p], QINI_CURVE[p], 1e-12, 1e-12), "point %lld: %g vs %g",
              (long long)p, q[p], QINI_CURVE[p]);
    cr_assert(rel_close(share[p], QINI_N[p] / (double)n, 1e-15, 0));
    cr_assert(rel_close(rnd[p], share[p] * QINI_CURVE[m - 1], 1e-12, 1e-12));
  }
  churn_table_free(t);
  double auc;
  ASSERT_OK(churn_eval_qini_auc(QINI_SCORE, QINI_TREATED, QINI_CHURNED, n, &auc));
  cr_assert(rel_close(auc, QINI_AUC, 1e-12, 1e-15), "%.15g vs %.15g", auc, QINI_AUC);
}

Test(campaign, qini_hand_case) {
  /* scores 3,2,1: treated churned=0 (saved), control churned=1, treated churned=1.
   * k=1: NT=1 NC=0 -> 0; k=2: NT=1 NC=1 YC=1 YT=0 -> 1; k=3: NT=2 NC=1 YC=1 YT=1 -> 2-1 = 1.
   * area between curve (0,0),(1/3,0),(2/3,1),(1,1) and line x*1: trapezoids of d = Q - x:
   * d = 0, -1/3, 1/3, 0 -> (1/3)(0 + -1/3)/2 + (1/3)(-1/3 + 1/3)/2 + (1/3)(1/3 + 0)/2 = 0;
   * so auc = 0 / 3. */
  double s[] = {3, 2, 1}, tr[] = {1, 0, 1}, ch[] = {0, 1, 1}, auc = -1;
  churn_table *t = NULL;
  ASSERT_OK(churn_eval_qini_curve(s, tr, ch, 3, &t));
  const double *q = tcol_f64(t, "qini");
  cr_assert_eq(churn_table_nrows(t), 4);
  cr_assert(q[0] == 0 && q[1] == 0 && q[2] == 1 && q[3] == 1);
  churn_table_free(t);
  ASSERT_OK(churn_eval_qini_auc(s, tr, ch, 3, &auc));
  cr_assert(fabs(auc) < 1e-15, "%g", auc);
  /* ties: all one score -> the origin and one point */
  double s2[] = {1, 1, 1};
  ASSERT_OK(churn_eval_qini_curve(s2, tr, ch, 3, &t));
  cr_assert_eq(churn_table_nrows(t), 2);
  churn_table_free(t);
}

Test(campaign, qini_errors) {
  double s[] = {1, NAN, 2}, tr[] = {1, 0, 1}, ch[] = {0, 1, 2}, ok[] = {0, 1, 0}, auc;
  churn_table *t = NULL;
  ASSERT_FAILS(churn_eval_qini_curve(s, tr, ok, 3, &t), CHURN_E_DATA, "score[1]");
  ASSERT_FAILS(churn_eval_qini_auc(tr, tr, ch, 3, &auc), CHURN_E_DATA, "churned[2] = 2");
  ASSERT_FAILS(churn_eval_qini_auc(NULL, tr, ok, 3, &auc), CHURN_E_ARG, "score is NULL");
  ASSERT_FAILS(churn_eval_qini_auc(tr, tr, ok, 3, NULL), CHURN_E_ARG, "auc is NULL");
  cr_assert_null(t);
}

Test(campaign, allocation_failures_are_clean) {
  double tr[] = {1, 1, 0, 0, 1}, ch[] = {0, 1, 1, 0, 0}, s[] = {1, 2, 3, 4, 5};
  const char *seg[] = {"a", "b", "a", "b", "a"};
  for (uint64_t k = 1; k < 40; k++) {
    churn_table *t = NULL, *q = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_campaign_effect(tr, ch, seg, 5, 0.05, &t);
    churn_status st2 = churn_eval_qini_curve(s, tr, ch, 5, &q);
    churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_OK || st == CHURN_E_NOMEM);
    cr_assert(st2 == CHURN_OK || st2 == CHURN_E_NOMEM);
    churn_table_free(t);
    churn_table_free(q);
  }
  assert_no_leak();
}
