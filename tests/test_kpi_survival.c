/*
 * test_kpi_survival.c -- retention curves of a dataset (churn_kpi_km, churn_kpi_cif): the
 * subjects (tenures, delayed entries, categories) are derived by hand from kpi_base.h and fed
 * to churn_survival_km / churn_survival_cif (themselves checked against statsmodels in test_survival.c); the
 * dataset calls must give exactly the same tables.
 */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "kpi_base.h"

#define DAY 86400.0

/* Spells observed as of 2026-05-01 (kpi_base.h), in days, with churn categories
 * (1 natural, 2 competitive, 3 service, 4 unknown; 0 censored):
 *   A [2025-06-10, open)  censored at as_of         region north
 *   B [2025-11-03, Jan15) competitive (price)       north
 *   C [Jan05, Jan25)      service (technical)       south
 *   D [2025-12-01, Feb10) unknown (table date)      south
 *   E1 [2025-10-01, Jan20) natural (moving)         north
 *   E2 [Mar05, open)      censored                  north
 *   F [Mar31 23:00, open) censored                  (missing)
 *   G [Feb01, Apr01)      unknown (table date)      south */
typedef struct spell_row {
  int64_t start, end;
  int cat, region; /* 0 north, 1 south, 2 missing */
} spell_row;

static void base_spells(spell_row *s) {
  const spell_row rows[8] = {
      {ts(2025, 6, 10, 0), 0, 0, 0},           {ts(2025, 11, 3, 0), ts(2026, 1, 15, 0), 2, 0},
      {ts(2026, 1, 5, 0), ts(2026, 1, 25, 0), 3, 1}, {ts(2025, 12, 1, 0), ts(2026, 2, 10, 0), 4, 1},
      {ts(2025, 10, 1, 0), ts(2026, 1, 20, 0), 1, 0}, {ts(2026, 3, 5, 0), 0, 0, 0},
      {ts(2026, 3, 31, 23), 0, 0, 2},          {ts(2026, 2, 1, 0), ts(2026, 4, 1, 0), 4, 1}};
  memcpy(s, rows, sizeof rows);
}

/* Hand-derived subjects for a window start (NONE for none) and as_of, optionally one region. */
static int64_t subjects(int64_t window, int64_t as_of, int region, double *dur, double *entry,
                        double *event, int64_t *cat) {
  spell_row s[8];
  base_spells(s);
  int64_t n = 0;
  for (int i = 0; i < 8; i++) {
    if (region >= 0 && s[i].region != region) continue;
    if (s[i].start > as_of) continue;
    bool churned = s[i].cat != 0 && s[i].end <= as_of;
    int64_t stop = churned ? s[i].end : as_of;
    if (window != NONE && s[i].cat != 0 && s[i].end <= window) continue;
    dur[n] = (double)(stop - s[i].start) / DAY;
    entry[n] = window != NONE && s[i].start < window ? (double)(window - s[i].start) / DAY : 0.0;
    event[n] = churned;
    cat[n] = churned ? s[i].cat : 0;
    n++;
  }
  return n;
}

static void expect_same_tables(const churn_table *got, const churn_table *want, int64_t skip) {
  cr_assert_eq(churn_table_nrows(got), churn_table_nrows(want));
  cr_assert_eq(churn_table_ncols(got), churn_table_ncols(want) + skip);
  int64_t n = churn_table_nrows(want);
  for (int64_t j = 0; j < churn_table_ncols(want); j++) {
    const char *name = NULL;
    churn_dtype dt;
    ASSERT_OK(churn_table_column_info(want, j, &name, &dt));
    if (strcmp(name, "category") == 0) continue; /* compared by the caller */
    if (dt == CHURN_F64) {
      const double *a = tcol_f64(got, name), *b = tcol_f64(want, name);
      for (int64_t r = 0; r < n; r++) cr_expect(same(a[r], b[r]), "%s[%lld]", name, (long long)r);
    } else {
      const int64_t *a = tcol_i64(got, name), *b = tcol_i64(want, name);
      for (int64_t r = 0; r < n; r++) cr_expect_eq(a[r], b[r], "%s[%lld]", name, (long long)r);
    }
  }
}

static void check_km(churn_dataset *ds, int64_t window, int64_t as_of) {
  double dur[8], entry[8], event[8];
  int64_t cat[8];
  int64_t n = subjects(window, as_of, -1, dur, entry, event, cat);
  churn_table *got = NULL, *want = NULL;
  ASSERT_OK(churn_kpi_km(ds, window, as_of, NULL, 0.05, NULL, &got));
  ASSERT_OK(churn_survival_km(dur, event, window != NONE ? entry : NULL, n, 0.05, &want));
  expect_same_tables(got, want, 0);
  churn_table_free(got);
  churn_table_free(want);
  ASSERT_OK(churn_kpi_cif(ds, window, as_of, NULL, 0.05, NULL, &got));
  ASSERT_OK(churn_survival_cif(dur, cat, window != NONE ? entry : NULL, n, 0.05, &want));
  expect_same_tables(got, want, 0);
  static const char *const names[5] = {"", "natural", "competitive", "service", "unknown"};
  const char *const *gc = tcol_str(got, "category");
  const int64_t *wc = tcol_i64(want, "category");
  for (int64_t r = 0; r < churn_table_nrows(want); r++) cr_expect_str_eq(gc[r], names[wc[r]]);
  churn_table_free(got);
  churn_table_free(want);
  churn_dataset_free(ds);
}

Test(kpi_survival, whole_history) { check_km(kpi_base(), NONE, ts(2026, 5, 1, 0)); }

/* The window opens 2026-01-15 00:00, the second B's spell ends: a spell [start, end) with
 * end == window_start ended before anything was observed and is no subject (the hand-made
 * subjects skip it by end <= window); E1 (Jan 20) and every later one enter late. */
Test(kpi_survival, spell_ending_at_the_window_start) {
  double dur[8], entry[8], event[8];
  int64_t cat[8];
  cr_assert_eq(subjects(ts(2026, 1, 15, 0), ts(2026, 5, 1, 0), -1, dur, entry, event, cat), 7);
  check_km(kpi_base(), ts(2026, 1, 15, 0), ts(2026, 5, 1, 0));
}

/* The window opens 2026-01-01: A, B, D, E1 enter late; nothing ended before it. */
Test(kpi_survival, delayed_entry) { check_km(kpi_base(), ts(2026, 1, 1, 0), ts(2026, 5, 1, 0)); }

/* As of Feb 1 only B, C, E1 have churned; D and G are censored or not yet active. */
Test(kpi_survival, earlier_as_of) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_km(ds, NONE, ts(2026, 2, 1, 0), NULL, 0.05, NULL, &t));
  cr_expect_eq(churn_table_nrows(t), 3);
  const int64_t *ar = tcol_i64(t, "at_risk");
  /* durations (days): C 20, B 73, E1 111; censored A 236, D 62, G 0 (joins exactly at as_of);
   * at risk at 20: A, B, C, D, E1; at 73: A, B, E1 (D censored at 62); at 111: A, E1 */
  cr_expect_eq(tcol_f64(t, "time")[0], 20.0);
  cr_expect_eq(tcol_f64(t, "time")[1], 73.0);
  cr_expect_eq(tcol_f64(t, "time")[2], 111.0);
  cr_expect_eq(ar[0], 5);
  cr_expect_eq(ar[1], 3);
  cr_expect_eq(ar[2], 2);
  churn_table_free(t);
  churn_dataset_free(ds);
}

Test(kpi_survival, per_segment_and_months) {
  churn_dataset *ds = kpi_base();
  churn_options *opts = NULL;
  ASSERT_OK(churn_options_new(&opts));
  churn_table *t = NULL, *w = NULL;
  int64_t as_of = ts(2026, 5, 1, 0);
  ASSERT_OK(churn_kpi_km(ds, NONE, as_of, "region", 0.05, opts, &t));
  double dur[8], entry[8], event[8];
  int64_t cat[8];
  /* north first, then south; (missing) has no event so no rows */
  int64_t nn = subjects(NONE, as_of, 0, dur, entry, event, cat);
  ASSERT_OK(churn_survival_km(dur, event, NULL, nn, 0.05, &w));
  int64_t rn = churn_table_nrows(w);
  const char *const *seg = tcol_str(t, "segment");
  const double *s = tcol_f64(t, "survival"), *sw = tcol_f64(w, "survival");
  for (int64_t r = 0; r < rn; r++) {
    cr_expect_str_eq(seg[r], "north");
    cr_expect(same(s[r], sw[r]));
  }
  churn_table_free(w);
  int64_t ns = subjects(NONE, as_of, 1, dur, entry, event, cat);
  ASSERT_OK(churn_survival_km(dur, event, NULL, ns, 0.05, &w));
  cr_assert_eq(churn_table_nrows(t), rn + churn_table_nrows(w));
  for (int64_t r = 0; r < churn_table_nrows(w); r++) {
    cr_expect_str_eq(seg[rn + r], "south");
    cr_expect(same(s[rn + r], tcol_f64(w, "survival")[r]));
  }
  churn_table_free(w);
  churn_table_free(t);
  /* months: the times are the day counts / 30.436875 */
  ASSERT_OK(churn_options_set_int(opts, CHURN_OPT_KPI_TIME_UNIT, 1));
  ASSERT_OK(churn_kpi_km(ds, NONE, as_of, NULL, 0.05, opts, &t));
  ASSERT_OK(churn_kpi_km(ds, NONE, as_of, NULL, 0.05, NULL, &w));
  for (int64_t r = 0; r < churn_table_nrows(w); r++) {
    cr_expect(same(tcol_f64(t, "time")[r], tcol_f64(w, "time")[r] / 30.436875));
    cr_expect(same(tcol_f64(t, "survival")[r], tcol_f64(w, "survival")[r]));
  }
  churn_table_free(w);
  churn_table_free(t);
  churn_options_free(opts);
  churn_dataset_free(ds);
}

Test(kpi_survival, bad_input) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  int64_t a = ts(2026, 1, 1, 0);
  ASSERT_FAILS(churn_kpi_km(ds, a, a, NULL, 0.05, NULL, &t), CHURN_E_ARG,
               "window_start (");
  ASSERT_FAILS(churn_kpi_cif(ds, NONE, NONE, NULL, 0.05, NULL, &t), CHURN_E_ARG, "as_of is");
  ASSERT_FAILS(churn_kpi_km(ds, NONE, a, NULL, 1.5, NULL, &t), CHURN_E_ARG, "alpha = 1.5");
  ASSERT_FAILS(churn_kpi_cif(ds, NONE, a, "zzz", 0.05, NULL, &t), CHURN_E_NOT_FOUND, "'zzz'");
  ASSERT_FAILS(churn_kpi_km(NULL, NONE, a, NULL, 0.05, NULL, &t), CHURN_E_ARG, "dataset is NULL");
  ASSERT_FAILS(churn_kpi_km(ds, NONE, a, NULL, 0.05, NULL, NULL), CHURN_E_ARG, "out is NULL");
  cr_expect_null(t);
  churn_dataset_free(ds);
}

static churn_status survival_call(const churn_dataset *ds, int which, churn_table **t) {
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 5, 1, 0);
  return which == 0 ? churn_kpi_km(ds, a, b, "region", 0.05, NULL, t)
                    : churn_kpi_cif(ds, a, b, "region", 0.05, NULL, t);
}

Test(kpi_survival, allocation_failures) {
  churn_dataset *ds = kpi_base();
  kpi_allocation_failures(ds, 2, survival_call);
  churn_dataset_free(ds);
  assert_no_leak();
}
