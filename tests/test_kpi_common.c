/*
 * test_kpi_common.c -- the pieces every KPI stands on (lib/kpi_common.c): active spells with
 * re-activation and tie rules, segment grouping with "(missing)", UTC calendar months (checked
 * against libc's timegm), boundary search and the Wilson interval (statsmodels values).
 */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "kpi/kpi.h"
#include "kpi_base.h"

Test(kpi_common, spells_of_the_base) {
  churn_dataset *ds = kpi_base();
  cr_assert_not_null(ds, "%s", churn_last_error());
  churn__spells sp;
  ASSERT_OK(churn__spells_build(ds, NULL, "test", &sp));
  cr_assert_eq(sp.nsubs, 7);
  /* A 1, B 1, C 1, D 1, E 2 (re-activated), F 1, G 1 */
  static const int64_t off[8] = {0, 1, 2, 3, 4, 6, 7, 8};
  for (int s = 0; s < 8; s++) cr_expect_eq(sp.off[s], off[s], "off[%d]", s);
  cr_expect_eq(sp.end[0], CHURN__OPEN_END);
  cr_expect_eq(sp.end[1], ts(2026, 1, 15, 0));
  cr_expect_eq(sp.reason[1], CHURN_REASON_PRICE); /* the event closes it, not the table date */
  cr_expect_eq(sp.reason[3], CHURN_REASON_UNKNOWN); /* D: table date only */
  cr_expect_eq(sp.start[4], ts(2025, 10, 1, 0));
  cr_expect_eq(sp.end[4], ts(2026, 1, 20, 0));
  cr_expect_eq(sp.reason[4], CHURN_REASON_MOVING);
  cr_expect_eq(sp.start[5], ts(2026, 3, 5, 0));
  cr_expect_eq(sp.end[5], CHURN__OPEN_END);
  churn__spells_free(&sp);
  churn_dataset_free(ds);
}

/* A subscriber without activation date is active from before the data; a second cancel of an
 * inactive subscriber is ignored; an activation event before any cancel when the table has no
 * date starts the spell there. */
Test(kpi_common, spells_without_activation) {
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[3] = {"x", "y", "z"};
  const int64_t act[3] = {CHURN_TIME_NONE, CHURN_TIME_NONE, ts(2026, 1, 1, 0)};
  churn_column sc[] = {{"subscriber_id", CHURN_STR, ids, 3, NULL, 0},
                       {"activation", CHURN_I64, act, 3, NULL, 0}};
  ASSERT_OK(churn_dataset_append_subscribers(ds, sc, 2, NULL));
  const char *sub[5] = {"x", "x", "y", "z", "z"};
  const int64_t t[5] = {ts(2026, 2, 1, 0), ts(2026, 3, 1, 0), ts(2026, 2, 1, 0),
                        ts(2026, 2, 1, 0), ts(2026, 2, 1, 0)};
  const int64_t kind[5] = {CHURN_EV_CANCEL, CHURN_EV_CANCEL, CHURN_EV_ACTIVATION,
                           CHURN_EV_ACTIVATION, CHURN_EV_CANCEL};
  churn_column ec[] = {{"subscriber_id", CHURN_STR, sub, 5, NULL, 0},
                       {"time", CHURN_I64, t, 5, NULL, 0},
                       {"kind", CHURN_I64, kind, 5, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 3, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  churn__spells sp;
  ASSERT_OK(churn__spells_build(ds, NULL, "test", &sp));
  cr_assert_eq(sp.n, 3);
  cr_expect_eq(sp.start[0], CHURN_TIME_NONE); /* x: since before the data, ends Feb 1 */
  cr_expect_eq(sp.end[0], ts(2026, 2, 1, 0));
  cr_expect_eq(sp.start[1], ts(2026, 2, 1, 0)); /* y: from its activation event */
  cr_expect_eq(sp.end[1], CHURN__OPEN_END);
  cr_expect_eq(sp.end[2], ts(2026, 2, 1, 0)); /* z: activation at the same second ignored */
  churn__spells_free(&sp);
  churn_dataset_free(ds);
}

Test(kpi_common, segments) {
  churn_dataset *ds = kpi_base();
  churn__segments seg;
  ASSERT_OK(churn__segments_build(ds, "region", "test", &seg));
  cr_assert_eq(seg.ngroups, 3);
  cr_expect_str_eq(seg.labels[0], "north");
  cr_expect_str_eq(seg.labels[2], "(missing)");
  cr_expect_eq(seg.group[5], 2);
  int32_t code = -1;
  ASSERT_OK(churn__segments_find(&seg, "region", "south", "test", &code));
  cr_expect_eq(code, 1);
  ASSERT_FAILS(churn__segments_find(&seg, "region", "west", "fn", &code), CHURN_E_NOT_FOUND,
               "fn: column 'region' has no label 'west'");
  churn__segments_free(&seg);
  ASSERT_OK(churn__segments_build(ds, "vip", "test", &seg));
  cr_expect_eq(seg.ngroups, 2);
  cr_expect_eq(seg.group[0], 1);
  churn__segments_free(&seg);
  ASSERT_OK(churn__segments_build(ds, NULL, "test", &seg));
  cr_expect_eq(seg.ngroups, 1);
  cr_expect_str_eq(seg.labels[0], "(all)");
  churn__segments_free(&seg);
  ASSERT_FAILS(churn__segments_build(ds, "spend", "fn", &seg), CHURN_E_ARG, "numeric");
  ASSERT_FAILS(churn__segments_build(ds, "colour", "fn", &seg), CHURN_E_NOT_FOUND, "'colour'");
  churn_dataset_free(ds);
}

/* Months against libc's timegm over 1969..2101, including leap years. */
Test(kpi_common, calendar) {
  for (int y = 1969; y <= 2101; y++) {
    for (int m = 1; m <= 12; m++) {
      int64_t first = ts(y, m, 1, 0);
      int64_t next = m == 12 ? ts(y + 1, 1, 1, 0) : ts(y, m + 1, 1, 0);
      cr_assert_eq(churn__month_floor(first), first);
      cr_assert_eq(churn__month_floor(next - 1), first);
      cr_assert_eq(churn__month_floor(first + 15 * 86400 + 7), first);
      cr_assert_eq(churn__month_add(first, 1), next);
      cr_assert_eq(churn__month_add(first, 25), ts(y + (m + 24) / 12, (m + 24) % 12 + 1, 1, 0));
      cr_assert_eq(churn__month_add(next, -1), first);
    }
  }
  char buf[16];
  churn__month_label(ts(2024, 2, 29, 23), buf);
  cr_expect_str_eq(buf, "2024-02");
  churn__month_label(ts(1969, 12, 31, 23), buf);
  cr_expect_str_eq(buf, "1969-12");
  const int64_t b[3] = {10, 20, 30};
  cr_expect_eq(churn__boundary_index(b, 3, 9), -1);
  cr_expect_eq(churn__boundary_index(b, 3, 10), 0);
  cr_expect_eq(churn__boundary_index(b, 3, 29), 1);
  cr_expect_eq(churn__boundary_index(b, 3, 30), 2);
  cr_expect_eq(churn__boundary_index(b, 3, INT64_MAX), 2);
}

/* statsmodels proportion_confint(k, n, method="wilson") */
Test(kpi_common, wilson) {
  double lo, hi;
  churn__wilson(2, 3, CHURN__Z975, &lo, &hi);
  cr_expect(fabs(lo - 0.2076596008020477) < 1e-14 && fabs(hi - 0.9385080552796037) < 1e-14);
  churn__wilson(0, 1, CHURN__Z975, &lo, &hi);
  cr_expect(fabs(lo) < 1e-15 && fabs(hi - 0.7934506856227627) < 1e-14);
  churn__wilson(0, 0, CHURN__Z975, &lo, &hi);
  cr_expect(isnan(lo) && isnan(hi));
}

Test(kpi_common, not_finalized) {
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(kpi_base_subscribers(ds));
  ASSERT_OK(kpi_base_events(ds));
  churn__spells sp;
  ASSERT_FAILS(churn__spells_build(ds, NULL, "fn", &sp), CHURN_E_STATE, "fn: the dataset is not finalized");
  churn_dataset_free(ds);
}
