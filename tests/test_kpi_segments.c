/*
 * test_kpi_segments.c -- churn by segment and win-back success on the hand-made base of
 * kpi_base.h; counts worked out by hand, Wilson intervals from statsmodels'
 * proportion_confint(k, n, method="wilson") (values pasted below with their k and n).
 */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "kpi_base.h"

/* statsmodels.stats.proportion.proportion_confint(k, n, method='wilson') */
static const struct { double k, n, lo, hi; } WILSON[] = {
    {2, 3, 0.2076596008020477, 0.9385080552796037}, {4, 6, 0.29999331513839184, 0.9032285888942195},
    {1, 3, 0.06149194472039626, 0.7923403991979523}, {2, 4, 0.15003898915214947, 0.8499610108478506},
    {1, 1, 0.2065493143772374, 1.0},                 {0, 1, 0.0, 0.7934506856227627},
    {2, 2, 0.342380227506653, 1.0}};

static void expect_wilson(double k, double n, double lo, double hi) {
  for (size_t i = 0; i < sizeof WILSON / sizeof WILSON[0]; i++) {
    if (WILSON[i].k == k && WILSON[i].n == n) {
      cr_expect(fabs(lo - WILSON[i].lo) < 1e-12, "%g/%g lo %.17g", k, n, lo);
      cr_expect(fabs(hi - WILSON[i].hi) < 1e-12, "%g/%g hi %.17g", k, n, hi);
      return;
    }
  }
  cr_expect(isnan(lo) && isnan(hi) && n == 0, "no reference for %g/%g", k, n);
}

/* Period [2026-01-01, 2026-03-01) by region:
 *   north: opening A,B,E1 = 3, no activation, churned B (price: competitive), E1 (moving:
 *          natural) = 2
 *   south: opening D = 1, activations C, G = 2, exposed 3, churned C (technical: service),
 *          D (table date only: unknown) = 2
 *   (missing): F joins Mar 31: nothing
 *   (all): opening 4, activations 2, exposed 6, churned 4, one of each category. */
Test(kpi_segments, by_region) {
  churn_dataset *ds = kpi_base();
  cr_assert_not_null(ds, "%s", churn_last_error());
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_segments(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), "region", NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  static const char *const seg_w[4] = {"north", "south", "(missing)", "(all)"};
  static const int64_t w[4][9] = {/* opening act exposed churned nat comp serv unk */
                                  {3, 0, 3, 2, 1, 1, 0, 0},
                                  {1, 2, 3, 2, 0, 0, 1, 1},
                                  {0, 0, 0, 0, 0, 0, 0, 0},
                                  {4, 2, 6, 4, 1, 1, 1, 1}};
  static const char *const names[8] = {"opening", "activations", "exposed", "churned",
                                       "natural", "competitive", "service", "unknown"};
  const char *const *seg = tcol_str(t, "segment");
  const double *rate = tcol_f64(t, "churn_rate"), *lo = tcol_f64(t, "ci_low");
  const double *hi = tcol_f64(t, "ci_high");
  for (int r = 0; r < 4; r++) {
    cr_expect_str_eq(seg[r], seg_w[r]);
    for (int c = 0; c < 8; c++) {
      cr_expect_eq(tcol_i64(t, names[c])[r], w[r][c], "row %d %s", r, names[c]);
    }
    double want = w[r][2] ? (double)w[r][3] / (double)w[r][2] : NAN;
    cr_expect(same(rate[r], want), "row %d rate %g", r, rate[r]);
    expect_wilson((double)w[r][3], (double)w[r][2], lo[r], hi[r]);
  }
  churn_table_free(t);
  /* no segment: the total row only */
  ASSERT_OK(churn_kpi_segments(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), NULL, NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 1);
  cr_expect_str_eq(tcol_str(t, "segment")[0], "(all)");
  cr_expect_eq(tcol_i64(t, "churned")[0], 4);
  cr_expect_eq(tcol_i64(t, "exposed")[0], 6);
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* The same period by the categorical attribute "channel" (kpi_base.h), whose groups cut across
 * region and tier, so reading another column shows:
 *   shop: opening A, D, E1 = 3 (E2 starts Mar 5, outside), churned D (unknown), E1 (natural) = 2
 *   online: opening B = 1, activation C = 1, exposed 2, churned B (competitive), C (service) = 2
 *   (missing): G joins Feb 1 (activation 1), cancels Apr 1 (outside): churned 0
 *   (all): as by region. */
Test(kpi_segments, by_categorical_attribute) {
  churn_dataset *ds = kpi_base();
  cr_assert_not_null(ds, "%s", churn_last_error());
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_segments(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), "channel", NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  static const char *const seg_w[4] = {"shop", "online", "(missing)", "(all)"};
  static const int64_t w[4][8] = {/* opening act exposed churned nat comp serv unk */
                                  {3, 0, 3, 2, 1, 0, 0, 1},
                                  {1, 1, 2, 2, 0, 1, 1, 0},
                                  {0, 1, 1, 0, 0, 0, 0, 0},
                                  {4, 2, 6, 4, 1, 1, 1, 1}};
  static const char *const names[8] = {"opening", "activations", "exposed", "churned",
                                       "natural", "competitive", "service", "unknown"};
  const char *const *seg = tcol_str(t, "segment");
  const double *rate = tcol_f64(t, "churn_rate"), *lo = tcol_f64(t, "ci_low");
  const double *hi = tcol_f64(t, "ci_high");
  for (int r = 0; r < 4; r++) {
    cr_expect_str_eq(seg[r], seg_w[r]);
    for (int c = 0; c < 8; c++) {
      cr_expect_eq(tcol_i64(t, names[c])[r], w[r][c], "row %d %s", r, names[c]);
    }
    cr_expect(same(rate[r], (double)w[r][3] / (double)w[r][2]), "row %d rate %g", r, rate[r]);
    expect_wilson((double)w[r][3], (double)w[r][2], lo[r], hi[r]);
  }
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* Win-back in [2026-01-01, 2026-03-01): contacts of A (Feb 1 retained), B (Jan 10 lost), C (Jan 20
 * no answer, Jan 22 retained), E (Jan 18 lost; Mar 1 is outside); D's is in 2025.
 * Attempted A,B,C,E = 4, won back A, C = 2.  By reason category (nearest CANCEL): A none ->
 * unknown 1/1; E moving -> natural 0/1; B price -> competitive 0/1; C technical -> service 1/1.
 * By manager: m1 = A,B,E 1/3; m2 = C 1/1; (missing) 0/0. */
Test(kpi_segments, winback) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 3, 1, 0);
  ASSERT_OK(churn_kpi_winback(ds, a, b, "reason_category", NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 5);
  static const char *const g_w[5] = {"unknown", "natural", "competitive", "service", "(all)"};
  static const int64_t tried_w[5] = {1, 1, 1, 1, 4}, won_w[5] = {1, 0, 0, 1, 2};
  const char *const *g = tcol_str(t, "group");
  const int64_t *tried = tcol_i64(t, "attempted"), *won = tcol_i64(t, "won_back");
  const double *rate = tcol_f64(t, "success_rate"), *lo = tcol_f64(t, "ci_low");
  const double *hi = tcol_f64(t, "ci_high");
  for (int r = 0; r < 5; r++) {
    cr_expect_str_eq(g[r], g_w[r]);
    cr_expect_eq(tried[r], tried_w[r], "row %d", r);
    cr_expect_eq(won[r], won_w[r], "row %d", r);
    cr_expect(same(rate[r], (double)won_w[r] / (double)tried_w[r]));
    expect_wilson((double)won_w[r], (double)tried_w[r], lo[r], hi[r]);
  }
  churn_table_free(t);
  ASSERT_OK(churn_kpi_winback(ds, a, b, "manager", NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  static const char *const m_w[4] = {"m1", "m2", "(missing)", "(all)"};
  static const int64_t mt[4] = {3, 1, 0, 4}, mw[4] = {1, 1, 0, 2};
  g = tcol_str(t, "group");
  tried = tcol_i64(t, "attempted");
  won = tcol_i64(t, "won_back");
  rate = tcol_f64(t, "success_rate");
  for (int r = 0; r < 4; r++) {
    cr_expect_str_eq(g[r], m_w[r]);
    cr_expect(tried[r] == mt[r] && won[r] == mw[r], "row %d", r);
    cr_expect(same(rate[r], mt[r] ? (double)mw[r] / (double)mt[r] : NAN));
  }
  churn_table_free(t);
  /* total only; a later period catches E's March success */
  ASSERT_OK(churn_kpi_winback(ds, b, ts(2026, 4, 1, 0), NULL, NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 1);
  cr_expect_eq(tcol_i64(t, "attempted")[0], 1);
  cr_expect_eq(tcol_i64(t, "won_back")[0], 1);
  churn_table_free(t);
  churn_dataset_free(ds);
}

Test(kpi_segments, bad_input) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  int64_t a = ts(2026, 1, 1, 0);
  ASSERT_FAILS(churn_kpi_segments(ds, a, a, NULL, NULL, &t), CHURN_E_ARG, "is empty");
  ASSERT_FAILS(churn_kpi_winback(ds, a, a - 1, NULL, NULL, &t), CHURN_E_ARG, "is empty");
  ASSERT_FAILS(churn_kpi_segments(ds, a, a + 10, "nope", NULL, &t), CHURN_E_NOT_FOUND, "'nope'");
  ASSERT_FAILS(churn_kpi_winback(ds, a, a + 10, "nope", NULL, &t), CHURN_E_NOT_FOUND, "'nope'");
  ASSERT_FAILS(churn_kpi_segments(NULL, a, a + 10, NULL, NULL, &t), CHURN_E_ARG, "must not be NULL");
  ASSERT_FAILS(churn_kpi_winback(ds, a, a + 10, NULL, NULL, NULL), CHURN_E_ARG, "must not be NULL");
  cr_expect_null(t);
  churn_dataset_free(ds);
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(kpi_base_subscribers(ds));
  ASSERT_OK(kpi_base_events(ds));
  ASSERT_FAILS(churn_kpi_segments(ds, a, a + 10, NULL, NULL, &t), CHURN_E_STATE, "not finalized");
  ASSERT_FAILS(churn_kpi_winback(ds, a, a + 10, NULL, NULL, &t), CHURN_E_STATE, "not finalized");
  churn_dataset_free(ds);
}

static churn_status segments_call(const churn_dataset *ds, int which, churn_table **t) {
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 3, 1, 0);
  return which == 0   ? churn_kpi_segments(ds, a, b, "region", NULL, t)
         : which == 1 ? churn_kpi_winback(ds, a, b, "reason_category", NULL, t)
                      : churn_kpi_winback(ds, a, b, "manager", NULL, t);
}

Test(kpi_segments, allocation_failures) {
  churn_dataset *ds = kpi_base();
  kpi_allocation_failures(ds, 3, segments_call);
  churn_dataset_free(ds);
  assert_no_leak();
}
