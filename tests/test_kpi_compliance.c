/*
 * test_kpi_compliance.c -- contact compliance of a warning list (churn_kpi_contact_compliance)
 * on a hand-made list whose every figure is worked out below: the deadline included, a contact
 * before the warning not counted, a late contact, a subscriber flagged by two rules counted
 * once with its earliest deadline, grouping by route, rule and manager; Wilson intervals from
 * statsmodels; bad input and allocation failures.
 */
#include "helpers.h"
#include "kpi_base.h"

/* Warnings as of T = 2024-10-08 00:00Z (row: subscriber, rule, route, manager, deadline):
 *  0 S1 viewing_drop    customer_manager  m1  Oct 10 00:00
 *  1 S1 payment_anomaly customer_manager  m1  Oct 08 12:00  (S1's earliest deadline)
 *  2 S2 viewing_drop    vip_manager       m2  Oct 10 00:00
 *  3 S3 device_offline  customer_service  ""  Oct 10 00:00
 *  4 S4 viewing_drop    customer_manager  m1  Oct 10 00:00
 *  5 S5 device_offline  customer_service  ""  Oct 10 00:00
 * RETENTION events: S1 Oct 9, S2 Oct 10 00:00 (exactly the deadline: in time), S3 Oct 11
 * (late), S4 Oct 1 (before the warning: no contact); S5 none.
 * By route: customer_manager S1 (Oct 9 > Oct 8 12:00: late), S4 -> 2 warned, 0 contacted,
 *   1 late; vip_manager S2 -> 1, 1, 0; customer_service S3 (late), S5 -> 2, 0, 1;
 *   (all) S1 late, S2 in time, S3 late, S4, S5 -> 5, 1, 2.
 * By rule: viewing_drop S1 (its deadline Oct 10 here: in time), S2, S4 -> 3, 2, 0;
 *   payment_anomaly S1 -> 1, 0, 1; device_offline S3, S5 -> 2, 0, 1; (all) 5, 1, 2.
 * By manager: m1 (S1, S4) 2, 0, 1; m2 (S2) 1, 1, 0; (none) (S3, S5) 2, 0, 1; (all) 5, 1, 2. */
static churn_dataset *compliance_base(void) {
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_dataset_new(&ds));
  static const char *ids[] = {"S1", "S2", "S3", "S4", "S5"};
  int64_t act[5];
  for (int i = 0; i < 5; i++) act[i] = ts(2024, 1, 1, 0);
  churn_column sc[] = {{"subscriber_id", CHURN_STR, ids, 5, NULL, 0},
                       {"activation", CHURN_I64, act, 5, NULL, 0}};
  ASSERT_OK(churn_dataset_append_subscribers(ds, sc, 2, NULL));
  static const char *sub[] = {"S1", "S2", "S3", "S4"};
  int64_t t[] = {ts(2024, 10, 9, 0), ts(2024, 10, 10, 0), ts(2024, 10, 11, 0), ts(2024, 10, 1, 0)};
  int64_t kind[] = {CHURN_EV_RETENTION, CHURN_EV_RETENTION, CHURN_EV_RETENTION,
                    CHURN_EV_RETENTION};
  int64_t code[] = {CHURN_OUTCOME_RETAINED, CHURN_OUTCOME_LOST, CHURN_OUTCOME_RETAINED,
                    CHURN_OUTCOME_RETAINED};
  churn_column ec[] = {{"subscriber_id", CHURN_STR, sub, 4, NULL, 0},
                       {"time", CHURN_I64, t, 4, NULL, 0},
                       {"kind", CHURN_I64, kind, 4, NULL, 0},
                       {"code", CHURN_I64, code, 4, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 4, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  return ds;
}

static const int64_t SUB[6] = {0, 0, 1, 2, 3, 4};
static const char *const RULE[6] = {"viewing_drop", "payment_anomaly", "viewing_drop",
                                    "device_offline", "viewing_drop", "device_offline"};
static const char *const ROUTE[6] = {"customer_manager", "customer_manager", "vip_manager",
                                     "customer_service", "customer_manager",
                                     "customer_service"};
static const char *const MANAGER[6] = {"m1", "m1", "m2", "", "m1", ""};

static void list_times(int64_t *as_of, int64_t *deadline) {
  for (int i = 0; i < 6; i++) {
    as_of[i] = ts(2024, 10, 8, 0);
    deadline[i] = i == 1 ? ts(2024, 10, 8, 12) : ts(2024, 10, 10, 0);
  }
}

/* statsmodels.stats.proportion.proportion_confint(k, n, method='wilson') */
static void wilson_ref(int64_t k, int64_t n, double *lo, double *hi) {
  static const struct { int64_t k, n; double lo, hi; } W[] = {
      {0, 2, 0.0, 0.657619772493347},      {1, 1, 0.2065493143772374, 1.0},
      {1, 5, 0.036224108632430196, 0.6244653702374748},
      {2, 3, 0.2076596008020477, 0.9385080552796037}, {0, 1, 0.0, 0.7934506856227627}};
  for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) {
    if (W[i].k == k && W[i].n == n) {
      *lo = W[i].lo;
      *hi = W[i].hi;
      return;
    }
  }
  cr_assert_fail("no Wilson reference for %lld/%lld", (long long)k, (long long)n);
}

static void expect_rows(const churn_table *t, int nrows, const char *const *group,
                        const int64_t (*want)[3]) {
  cr_assert_eq(churn_table_nrows(t), nrows);
  const char *const *g = tcol_str(t, "group");
  const int64_t *warned = tcol_i64(t, "warned"), *contacted = tcol_i64(t, "contacted");
  const int64_t *late = tcol_i64(t, "late");
  const double *rate = tcol_f64(t, "compliance"), *lo = tcol_f64(t, "ci_low");
  const double *hi = tcol_f64(t, "ci_high");
  for (int r = 0; r < nrows; r++) {
    cr_expect_str_eq(g[r], group[r]);
    cr_expect_eq(warned[r], want[r][0], "%s warned", group[r]);
    cr_expect_eq(contacted[r], want[r][1], "%s contacted", group[r]);
    cr_expect_eq(late[r], want[r][2], "%s late", group[r]);
    cr_expect(same(rate[r], (double)want[r][1] / (double)want[r][0]), "%s rate", group[r]);
    double l, h;
    wilson_ref(want[r][1], want[r][0], &l, &h);
    cr_expect(fabs(lo[r] - l) < 1e-12 && fabs(hi[r] - h) < 1e-12, "%s interval", group[r]);
  }
}

Test(kpi_compliance, by_route_rule_and_manager) {
  churn_dataset *ds = compliance_base();
  int64_t as_of[6], deadline[6];
  list_times(as_of, deadline);
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_contact_compliance(ds, SUB, as_of, deadline, ROUTE, 6, NULL, &t));
  static const char *const routes[4] = {"customer_manager", "vip_manager", "customer_service",
                                        "(all)"};
  static const int64_t by_route[4][3] = {{2, 0, 1}, {1, 1, 0}, {2, 0, 1}, {5, 1, 2}};
  expect_rows(t, 4, routes, by_route);
  churn_table_free(t);
  ASSERT_OK(churn_kpi_contact_compliance(ds, SUB, as_of, deadline, RULE, 6, NULL, &t));
  static const char *const rules[4] = {"viewing_drop", "payment_anomaly", "device_offline",
                                       "(all)"};
  static const int64_t by_rule[4][3] = {{3, 2, 0}, {1, 0, 1}, {2, 0, 1}, {5, 1, 2}};
  expect_rows(t, 4, rules, by_rule);
  churn_table_free(t);
  ASSERT_OK(churn_kpi_contact_compliance(ds, SUB, as_of, deadline, MANAGER, 6, NULL, &t));
  static const char *const managers[4] = {"m1", "m2", "(none)", "(all)"};
  static const int64_t by_manager[4][3] = {{2, 0, 1}, {1, 1, 0}, {2, 0, 1}, {5, 1, 2}};
  expect_rows(t, 4, managers, by_manager);
  churn_table_free(t);
  ASSERT_OK(churn_kpi_contact_compliance(ds, SUB, as_of, deadline, NULL, 6, NULL, &t));
  static const char *const all[1] = {"(all)"};
  static const int64_t total[1][3] = {{5, 1, 2}};
  expect_rows(t, 1, all, total);
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* A second list a week later stacked under the first: S2 warned again on Oct 15 (deadline
 * Oct 17) has no contact after Oct 15: (all) 6 warned, 1 contacted, 2 late. */
Test(kpi_compliance, stacked_lists) {
  churn_dataset *ds = compliance_base();
  int64_t as_of[7], deadline[7], sub[7];
  list_times(as_of, deadline);
  for (int i = 0; i < 6; i++) sub[i] = SUB[i];
  sub[6] = 1;
  as_of[6] = ts(2024, 10, 15, 0);
  deadline[6] = ts(2024, 10, 17, 0);
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_contact_compliance(ds, sub, as_of, deadline, NULL, 7, NULL, &t));
  cr_expect_eq(tcol_i64(t, "warned")[0], 6);
  cr_expect_eq(tcol_i64(t, "contacted")[0], 1);
  cr_expect_eq(tcol_i64(t, "late")[0], 2);
  churn_table_free(t);
  churn_dataset_free(ds);
}

Test(kpi_compliance, the_list_of_warnings_compute) {
  churn_dataset *ds = compliance_base();
  churn_table *w = NULL, *t = NULL;
  ASSERT_OK(churn_warnings_compute(ds, ts(2024, 10, 8, 0), NULL, &w));
  ASSERT_OK(churn_kpi_contact_compliance_list(ds, w, "route", NULL, &t));
  /* whatever the rules fired, the "(all)" row counts the distinct warned subscribers */
  int64_t n = churn_table_nrows(t);
  cr_assert_geq(n, 1);
  cr_expect_str_eq(tcol_str(t, "group")[n - 1], "(all)");
  churn_table_free(t);
  ASSERT_FAILS(churn_kpi_contact_compliance_list(ds, w, "region", NULL, &t), CHURN_E_NOT_FOUND,
               "'region'");
  ASSERT_FAILS(churn_kpi_contact_compliance_list(ds, w, "as_of", NULL, &t), CHURN_E_NOT_FOUND,
               "'as_of'");
  churn_table_free(w);
  ASSERT_OK(churn_kpi_movement(ds, ts(2024, 10, 1, 0), ts(2024, 10, 2, 0), NULL, NULL, &w));
  ASSERT_FAILS(churn_kpi_contact_compliance_list(ds, w, NULL, NULL, &t), CHURN_E_SCHEMA,
               "'deadline'");
  churn_table_free(w);
  churn_dataset_free(ds);
}

Test(kpi_compliance, bad_input) {
  churn_dataset *ds = compliance_base();
  int64_t as_of[6], deadline[6];
  list_times(as_of, deadline);
  churn_table *t = NULL;
  int64_t bad_sub[6] = {0, 0, 1, 2, 3, 5};
  ASSERT_FAILS(churn_kpi_contact_compliance(ds, bad_sub, as_of, deadline, NULL, 6, NULL, &t),
               CHURN_E_ARG, "warning 5: subscriber 5 is not an index in [0, 5)");
  deadline[2] = as_of[2] - 1;
  ASSERT_FAILS(churn_kpi_contact_compliance(ds, SUB, as_of, deadline, NULL, 6, NULL, &t),
               CHURN_E_ARG, "warning 2: the deadline must be a time at or after as_of");
  list_times(as_of, deadline);
  const char *groups[6] = {"a", "b", NULL, "c", "d", "e"};
  ASSERT_FAILS(churn_kpi_contact_compliance(ds, SUB, as_of, deadline, groups, 6, NULL, &t),
               CHURN_E_ARG, "warning 2: group is NULL");
  ASSERT_FAILS(churn_kpi_contact_compliance(ds, NULL, as_of, deadline, NULL, 6, NULL, &t),
               CHURN_E_ARG, "need subscriber, as_of and deadline");
  ASSERT_FAILS(churn_kpi_contact_compliance(NULL, SUB, as_of, deadline, NULL, 6, NULL, &t),
               CHURN_E_ARG, "must not be NULL");
  ASSERT_FAILS(churn_kpi_contact_compliance_list(ds, NULL, NULL, NULL, &t), CHURN_E_ARG,
               "warnings is NULL");
  cr_expect_null(t);
  /* no warnings: one "(all)" row, 0 warned, NaN compliance */
  ASSERT_OK(churn_kpi_contact_compliance(ds, NULL, NULL, NULL, NULL, 0, NULL, &t));
  cr_expect_eq(tcol_i64(t, "warned")[0], 0);
  cr_expect(isnan(tcol_f64(t, "compliance")[0]));
  churn_table_free(t);
  churn_dataset_free(ds);
}

static churn_status compliance_call(const churn_dataset *ds, int which, churn_table **t) {
  int64_t as_of[6], deadline[6];
  list_times(as_of, deadline);
  return churn_kpi_contact_compliance(ds, SUB, as_of, deadline, which ? ROUTE : NULL, 6, NULL,
                                      t);
}

Test(kpi_compliance, allocation_failures) {
  churn_dataset *ds = compliance_base();
  kpi_allocation_failures(ds, 2, compliance_call);
  churn_dataset_free(ds);
}
