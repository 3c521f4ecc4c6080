/*
 * test_kpi_movement.c -- the movement table, ARPU and snapshot retention on the hand-made base
 * of kpi_base.h, every figure worked out by hand (the derivations are in the comments), plus
 * empty months, month boundaries, re-activation, options, bad input and allocation failures.
 */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "kpi_base.h"

/* Spells of the base (kpi_base.h):
 *   A [2025-06-10, open)   B [2025-11-03, Jan15)   C [Jan05, Jan25)   D [2025-12-01, Feb10)
 *   E1 [2025-10-01, Jan20) E2 [Mar05, open)        F [Mar31 23:00, open)
 *   G [Feb01 00:00, Apr01 00:00)
 * Active just before the first second of: Jan A,B,D,E1 (4); Feb A,D (2); Mar A,G (2);
 * Apr A,E2,F,G (4; G ends exactly at Apr 1 so it churns in April); May A,E2,F (3). */
static const int64_t OPEN[4] = {4, 2, 2, 4}, ACT[4] = {1, 1, 2, 0}, OUT[4] = {3, 1, 0, 1},
                     CLOSE[4] = {2, 2, 4, 3};
static const char *const MONTHS[4] = {"2026-01", "2026-02", "2026-03", "2026-04"};

Test(kpi_movement, overall) {
  churn_dataset *ds = kpi_base();
  cr_assert_not_null(ds, "%s", churn_last_error());
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_movement(ds, ts(2026, 1, 10, 0), ts(2026, 4, 3, 0), NULL, NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  cr_assert_eq(churn_table_ncols(t), 9); /* no segment column */
  const char *const *month = tcol_str(t, "month");
  const int64_t *ms = tcol_i64(t, "month_start"), *o = tcol_i64(t, "opening");
  const int64_t *a = tcol_i64(t, "activations"), *c = tcol_i64(t, "churned");
  const int64_t *cl = tcol_i64(t, "closing");
  const double *rate = tcol_f64(t, "churn_rate"), *tg = tcol_f64(t, "target");
  const double *mg = tcol_f64(t, "margin");
  for (int i = 0; i < 4; i++) {
    cr_expect_str_eq(month[i], MONTHS[i]);
    cr_expect_eq(ms[i], ts(2026, i + 1, 1, 0));
    cr_expect_eq(o[i], OPEN[i], "opening %d: %lld", i, (long long)o[i]);
    cr_expect_eq(a[i], ACT[i], "activations %d: %lld", i, (long long)a[i]);
    cr_expect_eq(c[i], OUT[i], "churned %d: %lld", i, (long long)c[i]);
    cr_expect_eq(cl[i], CLOSE[i], "closing %d: %lld", i, (long long)cl[i]);
    double want = (double)OUT[i] / (double)OPEN[i]; /* default: churned / opening */
    cr_expect(same(rate[i], want), "rate %d: %g vs %g", i, rate[i], want);
    cr_expect_eq(tg[i], 0.035);
    cr_expect(same(mg[i], 0.035 - want));
  }
  churn_table_free(t);
  churn_dataset_free(ds);
}

Test(kpi_movement, rate_bases_and_target_options) {
  churn_dataset *ds = kpi_base();
  churn_options *opts = NULL;
  ASSERT_OK(churn_options_new(&opts));
  ASSERT_OK(churn_options_set_real(opts, CHURN_OPT_KPI_TARGET, 0.5));
  for (int base = 1; base <= 2; base++) {
    ASSERT_OK(churn_options_set_int(opts, CHURN_OPT_KPI_RATE_BASE, base));
    churn_table *t = NULL;
    ASSERT_OK(churn_kpi_movement(ds, ts(2026, 1, 1, 0), ts(2026, 4, 30, 0), NULL, opts, &t));
    const double *rate = tcol_f64(t, "churn_rate"), *mg = tcol_f64(t, "margin");
    for (int i = 0; i < 4; i++) {
      double d = base == 1 ? (OPEN[i] + CLOSE[i]) / 2.0 : (double)(OPEN[i] + ACT[i]);
      cr_expect(same(rate[i], OUT[i] / d), "base %d month %d: %g", base, i, rate[i]);
      cr_expect(same(mg[i], 0.5 - OUT[i] / d));
    }
    churn_table_free(t);
  }
  churn_options_free(opts);
  churn_dataset_free(ds);
}

/* Per region: north = A,B,E; south = C,D,G; (missing) = F. */
Test(kpi_movement, by_region_with_empty_months) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_movement(ds, ts(2026, 1, 1, 0), ts(2026, 4, 1, 0), "region", NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 12);
  cr_assert_eq(churn_table_ncols(t), 10);
  static const char *const seg_want[3] = {"north", "south", "(missing)"};
  /* opening, activations, churned, closing per month, by hand */
  static const int64_t want[3][4][4] = {
      {{3, 0, 2, 1}, {1, 0, 0, 1}, {1, 1, 0, 2}, {2, 0, 0, 2}},   /* north: B,E1 in Jan; E2 Mar */
      {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 0, 0, 1}, {1, 0, 1, 0}},   /* south: C in and out in Jan */
      {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 1, 0, 1}, {1, 0, 0, 1}}};  /* F: empty Jan and Feb */
  const char *const *seg = tcol_str(t, "segment");
  const int64_t *o = tcol_i64(t, "opening"), *a = tcol_i64(t, "activations");
  const int64_t *c = tcol_i64(t, "churned"), *cl = tcol_i64(t, "closing");
  const double *rate = tcol_f64(t, "churn_rate");
  for (int g = 0; g < 3; g++) {
    for (int i = 0; i < 4; i++) {
      int r = g * 4 + i;
      cr_expect_str_eq(seg[r], seg_want[g]);
      cr_expect_eq(o[r], want[g][i][0], "g%d m%d opening", g, i);
      cr_expect_eq(a[r], want[g][i][1], "g%d m%d activations", g, i);
      cr_expect_eq(c[r], want[g][i][2], "g%d m%d churned", g, i);
      cr_expect_eq(cl[r], want[g][i][3], "g%d m%d closing", g, i);
      double w = want[g][i][0] ? (double)want[g][i][2] / (double)want[g][i][0] : NAN;
      cr_expect(same(rate[r], w), "g%d m%d rate %g", g, i, rate[r]);
    }
  }
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* Months before anybody joined (the first activation is A's, 2025-06-10): by tier (high, low;
 * dictionary order) x Jan, Feb 2025, every count 0 (opening, activations, churned, closing),
 * the rate 0/0 = NaN and so the margin, the default target 3.5% still reported; the months
 * and the segment labels are those asked for. */
Test(kpi_movement, empty_months) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_movement(ds, ts(2025, 1, 1, 0), ts(2025, 2, 28, 0), "tier", NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 4); /* high, low x Jan, Feb 2025 */
  static const char *const seg_w[4] = {"high", "high", "low", "low"};
  static const char *const month_w[4] = {"2025-01", "2025-02", "2025-01", "2025-02"};
  const char *const *seg = tcol_str(t, "segment"), *const *month = tcol_str(t, "month");
  const int64_t *ms = tcol_i64(t, "month_start");
  static const char *const counts[4] = {"opening", "activations", "churned", "closing"};
  const double *rate = tcol_f64(t, "churn_rate"), *tg = tcol_f64(t, "target");
  const double *mg = tcol_f64(t, "margin");
  for (int r = 0; r < 4; r++) {
    cr_expect_str_eq(seg[r], seg_w[r]);
    cr_expect_str_eq(month[r], month_w[r]);
    cr_expect_eq(ms[r], ts(2025, 1 + r % 2, 1, 0));
    for (int c = 0; c < 4; c++) cr_expect_eq(tcol_i64(t, counts[c])[r], 0, "row %d %s", r, counts[c]);
    cr_expect(isnan(rate[r]) && isnan(mg[r]), "row %d: rate %g margin %g", r, rate[r], mg[r]);
    cr_expect_eq(tg[r], 0.035);
  }
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* ARPU: revenue of BILL events by month (kpi_base.h):
 *   Jan A50 + B30 + D40 = 120 over 3 billed; average base (4 + 2) / 2 = 3 -> 40
 *   Feb A50 + A10 + D40 + G20 = 120, 3 billed (A twice); base (2 + 2) / 2 = 2 -> 60 (+20, +50%)
 *   Mar A50 + E35 + G20 = 105, 3 billed; base (2 + 4) / 2 = 3 -> 35 (-25, -25/60)
 *   Apr nothing; base (4 + 3) / 2 = 3.5 -> 0 (-35, -100%) */
Test(kpi_movement, arpu) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_arpu(ds, ts(2026, 1, 1, 0), ts(2026, 4, 1, 0), NULL, NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  const double rev_w[4] = {120, 120, 105, 0}, avg_w[4] = {3, 2, 3, 3.5};
  const double arpu_w[4] = {40, 60, 35, 0}, chg_w[4] = {NAN, 20, -25, -35};
  const double rate_w[4] = {NAN, 0.5, -25.0 / 60.0, -1.0};
  const int64_t billed_w[4] = {3, 3, 3, 0};
  const double *rev = tcol_f64(t, "revenue"), *avg = tcol_f64(t, "average_base");
  const double *arpu = tcol_f64(t, "arpu"), *chg = tcol_f64(t, "change");
  const double *cr = tcol_f64(t, "change_rate");
  const int64_t *billed = tcol_i64(t, "billed");
  for (int i = 0; i < 4; i++) {
    cr_expect(same(rev[i], rev_w[i]), "revenue %d %g", i, rev[i]);
    cr_expect(same(avg[i], avg_w[i]));
    cr_expect(same(arpu[i], arpu_w[i]), "arpu %d %g", i, arpu[i]);
    cr_expect(same(chg[i], chg_w[i]), "change %d %g", i, chg[i]);
    cr_expect(same(cr[i], rate_w[i]), "change_rate %d %g", i, cr[i]);
    cr_expect_eq(billed[i], billed_w[i]);
  }
  churn_table_free(t);
  /* PAYMENT amounts: only A paid 50 in January -> 50 / 3 */
  churn_options *opts = NULL;
  ASSERT_OK(churn_options_new(&opts));
  ASSERT_OK(churn_options_set_int(opts, CHURN_OPT_KPI_ARPU_SOURCE, 1));
  ASSERT_OK(churn_kpi_arpu(ds, ts(2026, 1, 1, 0), ts(2026, 2, 1, 0), "region", opts, &t));
  cr_assert_eq(churn_table_nrows(t), 6);
  const double *a2 = tcol_f64(t, "arpu");
  cr_expect(same(a2[0], 50.0 / 2.0)); /* north Jan: base (3 + 1) / 2 = 2 */
  cr_expect(same(a2[1], 0.0));       /* north Feb */
  cr_expect(isnan(a2[4]));           /* (missing) Jan: no base */
  churn_table_free(t);
  churn_options_free(opts);
  churn_dataset_free(ds);
}

/* Snapshot at 2026-01-01: cohort A,B,D,E (C joins Jan 5).  End of Jan: A,D; Feb: A; Mar: A,E2
 * (re-activated); Apr: A,E2. */
Test(kpi_movement, snapshot_all) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2026, 1, 1, 0), 4, NULL, NULL, NULL, 0, NULL, NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  const int64_t *idx = tcol_i64(t, "month_index"), *coh = tcol_i64(t, "cohort");
  const int64_t *act = tcol_i64(t, "active");
  const double *ret = tcol_f64(t, "retention"), *tg = tcol_f64(t, "target");
  const double *mg = tcol_f64(t, "margin");
  const char *const *month = tcol_str(t, "month");
  const int64_t act_w[4] = {2, 1, 2, 2};
  for (int k = 0; k < 4; k++) {
    cr_expect_eq(idx[k], k + 1);
    cr_expect_str_eq(month[k], MONTHS[k]);
    cr_expect_eq(coh[k], 4);
    cr_expect_eq(act[k], act_w[k]);
    cr_expect(same(ret[k], act_w[k] / 4.0));
    double target = 1.0 - 0.0125 * (k + 1); /* 98.75%, 97.50%, ... */
    cr_expect(same(tg[k], target), "target %d: %.17g", k, tg[k]);
    cr_expect(same(mg[k], act_w[k] / 4.0 - target));
  }
  churn_table_free(t);
  churn_dataset_free(ds);
}

Test(kpi_movement, snapshot_filters_and_targets) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  /* tier high: A, D, E -> 2/3, 1/3, 2/3, 2/3 */
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2026, 1, 1, 0), 4, "tier", "high", NULL, 0, NULL, NULL, &t));
  const int64_t *act = tcol_i64(t, "active"), *coh = tcol_i64(t, "cohort");
  const int64_t w1[4] = {2, 1, 2, 2};
  for (int k = 0; k < 4; k++) cr_expect(coh[k] == 3 && act[k] == w1[k]);
  churn_table_free(t);
  /* vip 1: A, D -> 2, 1, 1, 1 of 2; given targets */
  const double target[3] = {0.9, 0.8, 0.7};
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2026, 1, 1, 0), 3, "vip", "1", NULL, 0, target, NULL, &t));
  act = tcol_i64(t, "active");
  coh = tcol_i64(t, "cohort");
  const double *tg = tcol_f64(t, "target"), *mg = tcol_f64(t, "margin");
  const int64_t w2[3] = {2, 1, 1};
  for (int k = 0; k < 3; k++) {
    cr_expect(coh[k] == 2 && act[k] == w2[k]);
    cr_expect_eq(tg[k], target[k]);
    cr_expect(same(mg[k], w2[k] / 2.0 - target[k]));
  }
  churn_table_free(t);
  /* mask {B, C, E, E}: C was not active at the base date -> cohort B, E: 0, 0, 1, 1 */
  const int64_t members[4] = {1, 2, 4, 4};
  churn_options *opts = NULL;
  ASSERT_OK(churn_options_new(&opts));
  ASSERT_OK(churn_options_set_real(opts, CHURN_OPT_KPI_TARGET_START, 0.9));
  ASSERT_OK(churn_options_set_real(opts, CHURN_OPT_KPI_TARGET_STEP, -0.1));
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2026, 1, 1, 0), 4, NULL, NULL, members, 4, NULL, opts, &t));
  act = tcol_i64(t, "active");
  coh = tcol_i64(t, "cohort");
  tg = tcol_f64(t, "target");
  const int64_t w3[4] = {0, 0, 1, 1};
  for (int k = 0; k < 4; k++) {
    cr_expect(coh[k] == 2 && act[k] == w3[k], "k %d: %lld/%lld", k, (long long)act[k],
              (long long)coh[k]);
    cr_expect(same(tg[k], 0.9 - 0.1 * (k + 1)));
  }
  churn_table_free(t);
  /* mask and column together: {B, C, E} and tier high -> E only */
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2026, 1, 1, 0), 3, "tier", "high", members, 3, NULL, NULL, &t));
  coh = tcol_i64(t, "cohort");
  cr_expect_eq(coh[0], 1);
  churn_table_free(t);
  /* an empty cohort: NaN retention */
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2020, 1, 1, 0), 2, NULL, NULL, NULL, 0, NULL, NULL, &t));
  cr_expect(isnan(tcol_f64(t, "retention")[0]));
  churn_table_free(t);
  churn_options_free(opts);
  churn_dataset_free(ds);
}

/* Boundaries, both written [start, end): G is active from 2026-02-01 00:00 until its
 * cancellation at 2026-04-01 00:00, the first second after March.
 *   - "active at the end of month k" means start < b <= end with b the first second after the
 *     month, so G is still active at the end of March: with base 2026-02-15, members {G}, the
 *     active counts of Feb, Mar, Apr are 1, 1, 0;
 *   - the cohort is those active at the base date (start <= base < end): G is in it at its
 *     activation second and out of it at its cancellation second. */
Test(kpi_movement, snapshot_boundaries) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  const int64_t g[1] = {6};
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2026, 2, 15, 0), 3, NULL, NULL, g, 1, NULL, NULL, &t));
  const int64_t *act = tcol_i64(t, "active"), *coh = tcol_i64(t, "cohort");
  const int64_t w[3] = {1, 1, 0};
  for (int k = 0; k < 3; k++) {
    cr_expect(coh[k] == 1 && act[k] == w[k], "month %d: %lld of %lld", k + 1, (long long)act[k],
              (long long)coh[k]);
  }
  churn_table_free(t);
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2026, 2, 1, 0), 1, NULL, NULL, g, 1, NULL, NULL, &t));
  cr_expect_eq(tcol_i64(t, "cohort")[0], 1, "G not in the cohort at its activation second");
  churn_table_free(t);
  ASSERT_OK(churn_kpi_snapshot(ds, ts(2026, 4, 1, 0), 1, NULL, NULL, g, 1, NULL, NULL, &t));
  cr_expect_eq(tcol_i64(t, "cohort")[0], 0, "G in the cohort at its cancellation second");
  churn_table_free(t);
  churn_dataset_free(ds);
}

Test(kpi_movement, bad_input) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 3, 1, 0);
  ASSERT_FAILS(churn_kpi_movement(ds, b, a, NULL, NULL, &t), CHURN_E_ARG, "is after to");
  ASSERT_FAILS(churn_kpi_movement(ds, NONE, a, NULL, NULL, &t), CHURN_E_ARG, "CHURN_TIME_NONE");
  ASSERT_FAILS(churn_kpi_movement(ds, a, ts(2200, 1, 1, 0), NULL, NULL, &t), CHURN_E_RANGE,
               "1200 months");
  ASSERT_FAILS(churn_kpi_movement(ds, -(INT64_C(1) << 62), a, NULL, NULL, &t), CHURN_E_RANGE,
               "from = -4611686018427387904 is outside the years 1..9999");
  ASSERT_FAILS(churn_kpi_arpu(ds, a, INT64_MAX - 1, NULL, NULL, &t), CHURN_E_RANGE,
               "to = 9223372036854775806 is outside");
  ASSERT_FAILS(churn_kpi_snapshot(ds, INT64_C(1) << 60, 2, NULL, NULL, NULL, 0, NULL, NULL, &t),
               CHURN_E_RANGE, "base_date = 1152921504606846976 is outside");
  ASSERT_FAILS(churn_kpi_movement(ds, a, b, "colour", NULL, &t), CHURN_E_NOT_FOUND, "'colour'");
  ASSERT_FAILS(churn_kpi_arpu(ds, a, b, "spend", NULL, &t), CHURN_E_ARG, "'spend' is numeric");
  ASSERT_FAILS(churn_kpi_movement(NULL, a, b, NULL, NULL, &t), CHURN_E_ARG, "dataset is NULL");
  ASSERT_FAILS(churn_kpi_arpu(ds, a, b, NULL, NULL, NULL), CHURN_E_ARG, "out is NULL");
  ASSERT_FAILS(churn_kpi_snapshot(ds, a, 0, NULL, NULL, NULL, 0, NULL, NULL, &t), CHURN_E_ARG,
               "nmonths = 0");
  ASSERT_FAILS(churn_kpi_snapshot(ds, a, 2, "tier", NULL, NULL, 0, NULL, NULL, &t), CHURN_E_ARG,
               "column and label must be given together");
  ASSERT_FAILS(churn_kpi_snapshot(ds, a, 2, "tier", "gold", NULL, 0, NULL, NULL, &t),
               CHURN_E_NOT_FOUND, "column 'tier' has no label 'gold'");
  const int64_t bad[2] = {1, 7};
  ASSERT_FAILS(churn_kpi_snapshot(ds, a, 2, NULL, NULL, bad, 2, NULL, NULL, &t), CHURN_E_ARG,
               "members[1] = 7");
  ASSERT_FAILS(churn_kpi_snapshot(ds, a, 2, NULL, NULL, NULL, 3, NULL, NULL, &t), CHURN_E_ARG,
               "members is NULL");
  const double tg[2] = {0.9, NAN};
  ASSERT_FAILS(churn_kpi_snapshot(ds, a, 2, NULL, NULL, NULL, 0, tg, NULL, &t), CHURN_E_DATA,
               "target[1] is not finite");
  ASSERT_FAILS(churn_kpi_snapshot(ds, NONE, 2, NULL, NULL, NULL, 0, NULL, NULL, &t), CHURN_E_ARG,
               "base_date");
  cr_expect_null(t);
  churn_dataset_free(ds);
  /* not finalized */
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(kpi_base_subscribers(ds));
  ASSERT_OK(kpi_base_events(ds));
  ASSERT_FAILS(churn_kpi_movement(ds, a, b, NULL, NULL, &t), CHURN_E_STATE, "not finalized");
  churn_dataset_free(ds);
}

static churn_status movement_call(const churn_dataset *ds, int which, churn_table **t) {
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 4, 1, 0);
  return which == 0   ? churn_kpi_movement(ds, a, b, "region", NULL, t)
         : which == 1 ? churn_kpi_arpu(ds, a, b, "region", NULL, t)
                      : churn_kpi_snapshot(ds, a, 3, "tier", "high", NULL, 0, NULL, NULL, t);
}

Test(kpi_movement, allocation_failures) {
  churn_dataset *ds = kpi_base();
  kpi_allocation_failures(ds, 3, movement_call);
  churn_dataset_free(ds);
  assert_no_leak();
}
