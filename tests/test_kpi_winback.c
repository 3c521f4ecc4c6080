/*
 * test_kpi_winback.c -- the domain's win-back (lib/kpi/kpi_winback.c) on a hand-made base
 * whose every figure is worked out below, with the rules that tell it apart from the old
 * contact-outcome table: a return under another id of the same person, a return that did not
 * stay, a contact whose outcome was "lost" but the subscriber came back.
 */
#define CHURN_NO_DEPRECATION_WARNINGS /* churn_kpi_winback, the old name, is tested too */
#include "helpers.h"
#include "kpi_base.h"

/* Period [2026-01-01, 2026-02-01), W = F = 90 days (defaults).  No usage events: churn is
 * cancellation (either judged by cancellation alone).  Everyone activated 2025-01-01 unless
 * said.
 *  A  CANCEL Jan 10 price; RETENTION Jan 12 retained; ACTIVATION Feb 20 (41 days): won back,
 *     attempted, kept (still open)
 *  B  CANCEL Jan 15 technical; ACTIVATION Mar 1 (45 days); CANCEL Apr 1 (31 days later):
 *     won back, not attempted, not kept
 *  C  CANCEL Jan 20 moving, person p1; RETENTION Jan 25 *lost*: attempted, and won back by
 *     C2 (person p1, activated Feb 5, 16 days): kept (open).  The old table counted C as lost.
 *  C2 person p1, activation 2026-02-05: not a churn
 *  D  CANCEL Jan 25 competitor; RETENTION Jan 26 no answer; ACTIVATION Jun 1 (127 days > 90):
 *     attempted, not won back
 *  E  CANCEL Feb 10: outside the period
 *  F  CANCEL Jan 5 not_wanted, person p2; F2 (person p2) active since 2025-06-01, before F's
 *     churn: no return
 *  F2 person p2, activation 2025-06-01
 * (all): churned 5, won_back 3 (A, B, C), rate 3/5, attempted 3 (A, C, D) of whom won 2 (A,
 * C): success 2/3, kept 2 (A, C) of 3: 2/3.
 * By category (natural, competitive, service, unknown):
 *   natural C, F: 2, 1 won, 1 attempted (won), kept 1
 *   competitive A, D: 2, 1 won (A), 2 attempted (A won), kept 1
 *   service B: 1, 1 won, 0 attempted (NaN), kept 0 (kept_rate 0)
 *   unknown: nothing (NaN rates). */
static churn_dataset *winback_base(void) {
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_dataset_new(&ds));
  static const char *ids[] = {"A", "B", "C", "C2", "D", "E", "F", "F2"};
  int64_t y25 = ts(2025, 1, 1, 0);
  int64_t act[8] = {y25, y25, y25, ts(2026, 2, 5, 0), y25, y25, y25, ts(2025, 6, 1, 0)};
  static const char *person[] = {"", "", "p1", "p1", "", "", "p2", "p2"};
  static const uint8_t person_ok[] = {0, 0, 1, 1, 0, 0, 1, 1};
  churn_column sc[] = {{"subscriber_id", CHURN_STR, ids, 8, NULL, 0},
                       {"activation", CHURN_I64, act, 8, NULL, 0},
                       {"person", CHURN_STR, person, 8, person_ok, 0}};
  ASSERT_OK(churn_dataset_append_subscribers(ds, sc, 3, NULL));
  static const char *sub[] = {"A", "A", "A", "B", "B", "B", "C", "C", "D", "D", "D", "E", "F"};
  int64_t t[] = {ts(2026, 1, 10, 0), ts(2026, 1, 12, 0), ts(2026, 2, 20, 0),
                 ts(2026, 1, 15, 0), ts(2026, 3, 1, 0),  ts(2026, 4, 1, 0),
                 ts(2026, 1, 20, 0), ts(2026, 1, 25, 0),
                 ts(2026, 1, 25, 0), ts(2026, 1, 26, 0), ts(2026, 6, 1, 0),
                 ts(2026, 2, 10, 0), ts(2026, 1, 5, 0)};
  int64_t kind[] = {CHURN_EV_CANCEL, CHURN_EV_RETENTION, CHURN_EV_ACTIVATION,
                    CHURN_EV_CANCEL, CHURN_EV_ACTIVATION, CHURN_EV_CANCEL,
                    CHURN_EV_CANCEL, CHURN_EV_RETENTION,
                    CHURN_EV_CANCEL, CHURN_EV_RETENTION, CHURN_EV_ACTIVATION,
                    CHURN_EV_CANCEL, CHURN_EV_CANCEL};
  int64_t code[] = {CHURN_REASON_PRICE, CHURN_OUTCOME_RETAINED, 0,
                    CHURN_REASON_TECHNICAL, 0, CHURN_REASON_TECHNICAL,
                    CHURN_REASON_MOVING, CHURN_OUTCOME_LOST,
                    CHURN_REASON_COMPETITOR, CHURN_OUTCOME_NO_ANSWER, 0,
                    CHURN_REASON_PRICE, CHURN_REASON_NOT_WANTED};
  churn_column ec[] = {{"subscriber_id", CHURN_STR, sub, 13, NULL, 0},
                       {"time", CHURN_I64, t, 13, NULL, 0},
                       {"kind", CHURN_I64, kind, 13, NULL, 0},
                       {"code", CHURN_I64, code, 13, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 4, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  return ds;
}

static void expect_row(const churn_table *t, int r, const char *group, int64_t churned,
                       int64_t won, int64_t tried, double success, int64_t kept,
                       double kept_rate) {
  cr_expect_str_eq(tcol_str(t, "group")[r], group);
  cr_expect_eq(tcol_i64(t, "churned")[r], churned, "%s churned", group);
  cr_expect_eq(tcol_i64(t, "won_back")[r], won, "%s won_back", group);
  cr_expect(same(tcol_f64(t, "win_back_rate")[r], churned ? (double)won / churned : NAN),
            "%s rate", group);
  cr_expect_eq(tcol_i64(t, "attempted")[r], tried, "%s attempted", group);
  cr_expect(same(tcol_f64(t, "success_rate")[r], success), "%s success %g", group,
            tcol_f64(t, "success_rate")[r]);
  cr_expect_eq(tcol_i64(t, "kept")[r], kept, "%s kept", group);
  cr_expect(same(tcol_f64(t, "kept_rate")[r], kept_rate), "%s kept_rate", group);
}

Test(kpi_winback, by_hand) {
  churn_dataset *ds = winback_base();
  churn_table *t = NULL;
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 2, 1, 0);
  ASSERT_OK(churn_kpi_winback_rate(ds, a, b, NULL, NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 1);
  expect_row(t, 0, "(all)", 5, 3, 3, 2.0 / 3.0, 2, 2.0 / 3.0);
  /* statsmodels proportion_confint(3, 5, method="wilson") */
  cr_expect(fabs(tcol_f64(t, "ci_low")[0] - 0.2307242812760129) < 1e-12);
  cr_expect(fabs(tcol_f64(t, "ci_high")[0] - 0.8823792257673522) < 1e-12);
  churn_table_free(t);
  ASSERT_OK(churn_kpi_winback_rate(ds, a, b, "category", NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 5);
  expect_row(t, 0, "natural", 2, 1, 1, 1.0, 1, 1.0);
  expect_row(t, 1, "competitive", 2, 1, 2, 0.5, 1, 1.0);
  expect_row(t, 2, "service", 1, 1, 0, NAN, 0, 0.0);
  expect_row(t, 3, "unknown", 0, 0, 0, NAN, 0, NAN);
  expect_row(t, 4, "(all)", 5, 3, 3, 2.0 / 3.0, 2, 2.0 / 3.0);
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* W = 30 days: only C's return (16 days) is within it; F = 40 days: A's return (Feb 20, open)
 * and C2 (open) stay; B is not won back any more. */
Test(kpi_winback, windows_are_options) {
  churn_dataset *ds = winback_base();
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_KPI_WINBACK_DAYS, 30));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_KPI_FOLLOWUP_DAYS, 40));
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_winback_rate(ds, ts(2026, 1, 1, 0), ts(2026, 2, 1, 0), NULL, o, &t));
  /* attempted: contacts within 30 days of the churn: A (2 days), C (5), D (1) */
  expect_row(t, 0, "(all)", 5, 1, 3, 1.0 / 3.0, 1, 1.0);
  churn_table_free(t);
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_KPI_WINBACK_DAYS, 0), CHURN_E_RANGE,
               "kpi.winback_days");
  churn_options_free(o);
  churn_dataset_free(ds);
}

/* The contact-outcome table keeps its figures under its new name and its old one. */
Test(kpi_winback, retention_contacts_alias) {
  churn_dataset *ds = winback_base();
  churn_table *t1 = NULL, *t2 = NULL;
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 2, 1, 0);
  ASSERT_OK(churn_kpi_retention_contacts(ds, a, b, NULL, NULL, &t1));
  ASSERT_OK(churn_kpi_winback(ds, a, b, NULL, NULL, &t2));
  /* contacted A (retained), C (lost), D (no answer): 1 of 3 by outcome */
  cr_expect_eq(tcol_i64(t1, "attempted")[0], 3);
  cr_expect_eq(tcol_i64(t1, "won_back")[0], 1);
  cr_expect_eq(tcol_i64(t2, "attempted")[0], 3);
  cr_expect_eq(tcol_i64(t2, "won_back")[0], 1);
  churn_table_free(t1);
  churn_table_free(t2);
  churn_dataset_free(ds);
}

Test(kpi_winback, bad_input_and_allocation_failures) {
  churn_dataset *ds = winback_base();
  churn_table *t = NULL;
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 2, 1, 0);
  ASSERT_FAILS(churn_kpi_winback_rate(ds, b, a, NULL, NULL, &t), CHURN_E_ARG, "is empty");
  ASSERT_FAILS(churn_kpi_winback_rate(NULL, a, b, NULL, NULL, &t), CHURN_E_ARG, "must not be NULL");
  ASSERT_FAILS(churn_kpi_winback_rate(ds, a, b, "no_such", NULL, &t), CHURN_E_NOT_FOUND, "no_such");
  bool done = false;
  for (uint64_t k = 1; k < 500 && !done; k++) {
    churn_testing_fail_alloc(k);
    churn_status st = churn_kpi_winback_rate(ds, a, b, "category", NULL, &t);
    churn_testing_fail_alloc(0);
    if (st == CHURN_OK) {
      churn_table_free(t);
      done = true;
    } else {
      cr_assert_eq(st, CHURN_E_NOMEM);
    }
  }
  cr_assert(done);
  assert_no_leak();
  churn_dataset_free(ds);
}
