/*
 * test_kpi_local_time.c -- kpi.utc_offset: the KPI months are calendar months in the operator's
 * local time (a cancellation at 00:30 on 1 August, Beijing time, belongs to August), on a
 * three-subscriber base whose every figure is worked out below under +08:00, +00:00 and -05:00,
 * and a malformed offset is refused naming it.
 */
#include "helpers.h"
#include "kpi_base.h"

/* No usage events: churn is cancellation (EITHER judges by cancellation alone).
 *  P  activated 2024-01-01, CANCEL 2024-07-31 16:30Z (Beijing 08-01 00:30; New York 07-31 11:30)
 *  Q  activated 2024-07-31 20:00Z (Beijing 08-01 04:00; New York 07-31 15:00)
 *  R  activated 2024-01-01, CANCEL 2024-09-01 02:00Z (Beijing 09-01 10:00; New York 08-31 21:00)
 * Period from 2024-07-15 to 2024-09-15 (both inside July and September at each offset).
 * Months [opening, activations, churned, closing]:
 *   +08:00  Jul [2, 0, 0, 2]  Aug [2, 1 (Q), 1 (P), 2]  Sep [2, 0, 1 (R), 1]
 *   +00:00  Jul [2, 1 (Q), 1 (P), 2]  Aug [2, 0, 0, 2]  Sep [2, 0, 1 (R), 1]
 *   -05:00  Jul [2, 1 (Q), 1 (P), 2]  Aug [2, 0, 1 (R), 1]  Sep [1, 0, 0, 1]
 * month_start = the local midnight of the 1st in UTC: 2024-07-01 00:00 at +08:00 is
 * 2024-06-30 16:00Z; at -05:00 it is 2024-07-01 05:00Z. */
static churn_dataset *local_base(void) {
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_dataset_new(&ds));
  static const char *ids[] = {"P", "Q", "R"};
  int64_t act[3] = {ts(2024, 1, 1, 0), ts(2024, 7, 31, 20), ts(2024, 1, 1, 0)};
  churn_column sc[] = {{"subscriber_id", CHURN_STR, ids, 3, NULL, 0},
                       {"activation", CHURN_I64, act, 3, NULL, 0}};
  ASSERT_OK(churn_dataset_append_subscribers(ds, sc, 2, NULL));
  static const char *sub[] = {"P", "R"};
  int64_t t[] = {ts(2024, 7, 31, 16) + 30 * 60, ts(2024, 9, 1, 2)};
  int64_t kind[] = {CHURN_EV_CANCEL, CHURN_EV_CANCEL};
  int64_t code[] = {CHURN_REASON_PRICE, CHURN_REASON_MOVING};
  churn_column ec[] = {{"subscriber_id", CHURN_STR, sub, 2, NULL, 0},
                       {"time", CHURN_I64, t, 2, NULL, 0},
                       {"kind", CHURN_I64, kind, 2, NULL, 0},
                       {"code", CHURN_I64, code, 2, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 4, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  return ds;
}

static void expect_movement(const churn_dataset *ds, const char *offset, const int64_t want[3][4],
                            int64_t offset_seconds) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  if (offset) ASSERT_OK(churn_options_set_string(o, CHURN_OPT_KPI_UTC_OFFSET, offset));
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_movement(ds, ts(2024, 7, 15, 0), ts(2024, 9, 15, 0), NULL, o, &t));
  cr_assert_eq(churn_table_nrows(t), 3, "%s", offset ? offset : "default");
  static const char *const months[3] = {"2024-07", "2024-08", "2024-09"};
  static const char *const names[4] = {"opening", "activations", "churned", "closing"};
  for (int r = 0; r < 3; r++) {
    cr_expect_str_eq(tcol_str(t, "month")[r], months[r]);
    cr_expect_eq(tcol_i64(t, "month_start")[r], ts(2024, 7 + r, 1, 0) - offset_seconds,
                 "%s row %d", offset ? offset : "default", r);
    for (int c = 0; c < 4; c++) {
      cr_expect_eq(tcol_i64(t, names[c])[r], want[r][c], "%s %s %s",
                   offset ? offset : "default", months[r], names[c]);
    }
  }
  churn_table_free(t);
  churn_options_free(o);
}

Test(kpi_local_time, months_follow_the_offset) {
  churn_dataset *ds = local_base();
  static const int64_t beijing[3][4] = {{2, 0, 0, 2}, {2, 1, 1, 2}, {2, 0, 1, 1}};
  static const int64_t utc[3][4] = {{2, 1, 1, 2}, {2, 0, 0, 2}, {2, 0, 1, 1}};
  static const int64_t new_york[3][4] = {{2, 1, 1, 2}, {2, 0, 1, 1}, {1, 0, 0, 1}};
  expect_movement(ds, "+08:00", beijing, 8 * 3600);
  expect_movement(ds, "+0800", beijing, 8 * 3600);
  expect_movement(ds, NULL, utc, 0);
  expect_movement(ds, "Z", utc, 0);
  expect_movement(ds, "-05:00", new_york, -5 * 3600);
  churn_dataset_free(ds);
}

/* Without the option (or with it ""), the months are those of the offset the dataset records
 * (a mapping's utc_offset): +08:00 here gives Beijing's table; the option still overrides. */
Test(kpi_local_time, the_dataset_offset_is_the_default) {
  churn_dataset *ds = local_base();
  ASSERT_OK(churn_dataset_set_utc_offset(ds, 8 * 3600));
  static const int64_t beijing[3][4] = {{2, 0, 0, 2}, {2, 1, 1, 2}, {2, 0, 1, 1}};
  static const int64_t utc[3][4] = {{2, 1, 1, 2}, {2, 0, 0, 2}, {2, 0, 1, 1}};
  expect_movement(ds, NULL, beijing, 8 * 3600);
  expect_movement(ds, "", beijing, 8 * 3600);
  expect_movement(ds, "+00:00", utc, 0);
  churn_dataset_free(ds);
}

/* Snapshot of the cohort active at 2024-07-15 (P, R) at +08:00: month 1 ends at local
 * 2024-08-01 00:00 (2024-07-31 16:00Z), before P's cancellation: both active; month 2 ends at
 * local 09-01 00:00 (08-31 16:00Z): P gone, R active.  At +00:00 month 1 already loses P. */
Test(kpi_local_time, snapshot_months) {
  churn_dataset *ds = local_base();
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2024, 7, 15, 0), 2, NULL, NULL, NULL, 0, NULL, o, &t));
  cr_expect_eq(tcol_i64(t, "active")[0], 1);
  cr_expect_eq(tcol_i64(t, "active")[1], 1);
  churn_table_free(t);
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_KPI_UTC_OFFSET, "+08:00"));
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2024, 7, 15, 0), 2, NULL, NULL, NULL, 0, NULL, o, &t));
  cr_expect_eq(tcol_i64(t, "active")[0], 2);
  cr_expect_eq(tcol_i64(t, "active")[1], 1);
  cr_expect_str_eq(tcol_str(t, "month")[0], "2024-07");
  churn_table_free(t);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(kpi_local_time, bad_offsets_are_named) {
  churn_dataset *ds = local_base();
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  static const char *const bad[] = {"+8", "UTC+8", "+08:60", "+24:00", "+15:00", "08:00",
                                    "+08:00 ", "-14:01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    churn_table *t = NULL;
    ASSERT_OK(churn_options_set_string(o, CHURN_OPT_KPI_UTC_OFFSET, bad[i]));
    ASSERT_FAILS(churn_kpi_movement(ds, ts(2024, 7, 15, 0), ts(2024, 9, 15, 0), NULL, o, &t),
                 CHURN_E_ARG, "kpi.utc_offset");
    cr_expect(strstr(churn_last_error(), bad[i]) != NULL, "%s: %s", bad[i], churn_last_error());
    cr_expect_null(t);
    ASSERT_FAILS(churn_kpi_snapshot(ds, ts(2024, 7, 15, 0), 2, NULL, NULL, NULL, 0, NULL, o, &t),
                 CHURN_E_ARG, "kpi.utc_offset");
  }
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_KPI_UTC_OFFSET, "+14:00"));
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_movement(ds, ts(2024, 7, 15, 0), ts(2024, 9, 15, 0), NULL, o, &t));
  churn_table_free(t);
  churn_options_free(o);
  churn_dataset_free(ds);
}
