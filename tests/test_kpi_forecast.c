/*
 * test_kpi_forecast.c -- churn_kpi_snapshot_forecast (lib/kpi_forecast.c) on a small simulated
 * operator: observed months equal churn_kpi_snapshot, the fit equals churn_cohort_fit on the
 * snapshot's counts, projected months equal churn_cohort_forecast from the last observed
 * month (for the whole base with the sBG, and for one tier with the BdW); the error paths.
 */
#include <churn.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "kpi_base.h"

static churn_dataset *simulated(void) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 3000));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 13));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SEED, 21));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_START, ts(2024, 1, 1, 0)));
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_simulate(o, &ds, NULL));
  churn_options_free(o);
  return ds;
}

Test(kpi_forecast, observed_months_fit_and_projection) {
  churn_dataset *ds = simulated();
  int64_t base = ts(2024, 1, 1, 0), as_of = ts(2024, 5, 1, 0); /* months 1-4 have ended */
  double target[12];
  for (int k = 0; k < 12; k++) target[k] = 1.0 - 0.0125 * (k + 1);
  churn_table *t = NULL, *snap = NULL, *fc = NULL;
  churn_cohort_model *model = NULL, *ref = NULL;
  ASSERT_OK(churn_kpi_snapshot_forecast(ds, base, as_of, 12, NULL, NULL, NULL, 0, target,
                                        CHURN_COHORT_SBG, 0.05, NULL, &t, &model));
  ASSERT_OK(churn_kpi_snapshot(ds, base, 12, NULL, NULL, NULL, 0, target, NULL, &snap));
  cr_assert_eq(churn_table_nrows(t), 12);
  const int64_t *obs = tcol_i64(t, "observed"), *active = tcol_i64(snap, "active");
  const double *act = tcol_f64(t, "active"), *ret = tcol_f64(t, "retention");
  const double *sret = tcol_f64(snap, "retention"), *exp_ = tcol_f64(t, "expected");
  const double *margin = tcol_f64(t, "margin"), *prob = tcol_f64(t, "prob_meet");
  const double *lo = tcol_f64(t, "ci_low"), *hi = tcol_f64(t, "ci_high");
  int64_t cohort = tcol_i64(snap, "cohort")[0];
  cr_assert_str_eq(tcol_str(t, "month")[0], "2024-01");
  /* the fit is churn_cohort_fit on (cohort, active after months 1..4) */
  double alive[5] = {(double)cohort};
  for (int k = 1; k <= 4; k++) alive[k] = fmin(alive[k - 1], (double)active[k - 1]);
  int64_t len = 5;
  /* the simulator's base churns at a near-constant rate over these months: the sBG has no
   * finite estimate and the call falls back to the geometric model */
  cr_assert_eq(churn_cohort_model_kind(model), CHURN_COHORT_GEOMETRIC);
  ASSERT_OK(churn_cohort_fit(CHURN_COHORT_GEOMETRIC, alive, &len, 1, &ref));
  double p[3], pr[3];
  ASSERT_OK(churn_cohort_params(model, NULL, p, NULL, NULL, NULL));
  ASSERT_OK(churn_cohort_params(ref, NULL, pr, NULL, NULL, NULL));
  cr_assert(p[0] == pr[0]);
  ASSERT_OK(churn_cohort_forecast(ref, alive[0], 4, alive[4], 12, target, 0.05, &fc));
  const double *share = tcol_f64(fc, "share"), *fpm = tcol_f64(fc, "prob_meet");
  for (int k = 0; k < 12; k++) {
    cr_assert_eq(tcol_f64(t, "target")[k], target[k]);
    if (k < 4) {
      cr_assert_eq(obs[k], 1);
      cr_assert_eq(act[k], (double)active[k]);
      cr_assert(same(ret[k], sret[k]));
      cr_assert(same(margin[k], sret[k] - target[k]));
      cr_assert(isnan(lo[k]) && isnan(hi[k]));
      double tt = k + 1, s;
      ASSERT_OK(churn_cohort_survival(ref, &tt, 1, &s, NULL));
      cr_assert(same(exp_[k], s));
      cr_assert(fabs(exp_[k] - ret[k]) < 0.02); /* the fit follows the data */
    } else {
      cr_assert_eq(obs[k], 0);
      cr_assert(isnan(act[k]) && isnan(ret[k]));
      cr_assert(same(exp_[k], share[k - 4]));
      cr_assert(same(prob[k], fpm[k - 4]));
      cr_assert(lo[k] < exp_[k] && exp_[k] < hi[k]);
      cr_assert(exp_[k] < exp_[k - 1]); /* retention keeps falling */
    }
  }
  churn_table_free(t);
  churn_table_free(snap);
  churn_table_free(fc);
  churn_cohort_model_free(model);
  churn_cohort_model_free(ref);
  churn_dataset_free(ds);
}

/* The high tier only, fitted with the BdW, default targets: the same three-part oracle on the
 * narrowed cohort (churn_kpi_snapshot with the same filter, churn_cohort_fit of the kind the
 * call reports on the running minimum of its active counts, churn_cohort_forecast from the last
 * observed month), so a filter dropped on the way to the snapshot or a fit on the whole base
 * shows.  Months 1-5 have ended by as_of (the BdW needs three). */
Test(kpi_forecast, tier_filter_with_the_bdw) {
  churn_dataset *ds = simulated();
  int64_t base = ts(2024, 1, 1, 0), as_of = ts(2024, 6, 1, 0);
  enum { M = 12, SEEN = 5 };
  churn_table *t = NULL, *snap = NULL, *all = NULL, *fc = NULL;
  churn_cohort_model *model = NULL, *ref = NULL;
  ASSERT_OK(churn_kpi_snapshot_forecast(ds, base, as_of, M, "tier", "high", NULL, 0, NULL,
                                        CHURN_COHORT_BDW, 0.05, NULL, &t, &model));
  ASSERT_OK(churn_kpi_snapshot(ds, base, M, "tier", "high", NULL, 0, NULL, NULL, &snap));
  ASSERT_OK(churn_kpi_snapshot(ds, base, M, NULL, NULL, NULL, 0, NULL, NULL, &all));
  cr_assert_eq(churn_table_nrows(t), M);
  int64_t cohort = tcol_i64(snap, "cohort")[0];
  cr_assert(cohort > 50 && cohort < tcol_i64(all, "cohort")[0], "tier high: %lld of %lld",
            (long long)cohort, (long long)tcol_i64(all, "cohort")[0]);
  const int64_t *active = tcol_i64(snap, "active");
  double alive[SEEN + 1] = {(double)cohort};
  for (int k = 1; k <= SEEN; k++) alive[k] = fmin(alive[k - 1], (double)active[k - 1]);
  int64_t len = SEEN + 1;
  churn_cohort_kind kind = churn_cohort_model_kind(model);
  cr_assert(kind == CHURN_COHORT_BDW || kind == CHURN_COHORT_GEOMETRIC);
  ASSERT_OK(churn_cohort_fit(kind, alive, &len, 1, &ref));
  double p[3] = {0}, pr[3] = {0};
  ASSERT_OK(churn_cohort_params(model, NULL, p, NULL, NULL, NULL));
  ASSERT_OK(churn_cohort_params(ref, NULL, pr, NULL, NULL, NULL));
  for (int j = 0; j < 3; j++) cr_assert(p[j] == pr[j] || (isnan(p[j]) && isnan(pr[j])), "param %d", j);
  const double *target = tcol_f64(snap, "target");
  ASSERT_OK(churn_cohort_forecast(ref, alive[0], SEEN, alive[SEEN], M, target, 0.05, &fc));
  const double *share = tcol_f64(fc, "share"), *fpm = tcol_f64(fc, "prob_meet");
  const double *flo = tcol_f64(fc, "ci_low"), *fhi = tcol_f64(fc, "ci_high");
  const int64_t *obs = tcol_i64(t, "observed"), *coh = tcol_i64(t, "cohort");
  const double *act = tcol_f64(t, "active"), *ret = tcol_f64(t, "retention");
  const double *exp_ = tcol_f64(t, "expected"), *prob = tcol_f64(t, "prob_meet");
  const double *lo = tcol_f64(t, "ci_low"), *hi = tcol_f64(t, "ci_high");
  const double *sret = tcol_f64(snap, "retention");
  for (int k = 0; k < M; k++) {
    cr_assert_eq(coh[k], cohort);
    cr_assert(same(tcol_f64(t, "target")[k], target[k]));
    if (k < SEEN) {
      cr_assert_eq(obs[k], 1);
      cr_assert_eq(act[k], (double)active[k], "month %d", k + 1);
      cr_assert(same(ret[k], sret[k]));
      double tt = k + 1, sv;
      ASSERT_OK(churn_cohort_survival(ref, &tt, 1, &sv, NULL));
      cr_assert(same(exp_[k], sv), "month %d expected %.17g vs %.17g", k + 1, exp_[k], sv);
    } else {
      cr_assert_eq(obs[k], 0);
      cr_assert(same(exp_[k], share[k - SEEN]), "month %d", k + 1);
      cr_assert(same(lo[k], flo[k - SEEN]) && same(hi[k], fhi[k - SEEN]), "month %d", k + 1);
      cr_assert(same(prob[k], fpm[k - SEEN]));
    }
  }
  churn_table_free(t);
  churn_table_free(snap);
  churn_table_free(all);
  churn_table_free(fc);
  churn_cohort_model_free(model);
  churn_cohort_model_free(ref);
  churn_dataset_free(ds);
}

Test(kpi_forecast, errors) {
  churn_dataset *ds = simulated();
  int64_t base = ts(2024, 1, 1, 0);
  churn_table *t = NULL;
  churn_cohort_model *m = NULL;
  ASSERT_FAILS(churn_kpi_snapshot_forecast(ds, base, ts(2024, 2, 15, 0), 12, NULL, NULL, NULL,
                                           0, NULL, CHURN_COHORT_SBG, 0.05, NULL, &t, &m),
               CHURN_E_DATA, "only 1 month(s)");
  ASSERT_FAILS(churn_kpi_snapshot_forecast(ds, base, ts(2024, 3, 15, 0), 12, NULL, NULL, NULL,
                                           0, NULL, CHURN_COHORT_BDW, 0.05, NULL, &t, &m),
               CHURN_E_DATA, "needs at least 3");
  ASSERT_FAILS(churn_kpi_snapshot_forecast(ds, base, ts(2024, 6, 1, 0), 0, NULL, NULL, NULL, 0,
                                           NULL, CHURN_COHORT_SBG, 0.05, NULL, &t, &m),
               CHURN_E_ARG, "nmonths");
  ASSERT_FAILS(churn_kpi_snapshot_forecast(ds, base, ts(2024, 6, 1, 0), 12, NULL, NULL, NULL, 0,
                                           NULL, CHURN_COHORT_SBG, 2.0, NULL, &t, &m),
               CHURN_E_ARG, "alpha");
  ASSERT_FAILS(churn_kpi_snapshot_forecast(ds, base, ts(2024, 6, 1, 0), 12, "tier", "nosuch",
                                           NULL, 0, NULL, CHURN_COHORT_SBG, 0.05, NULL, &t, &m),
               CHURN_E_NOT_FOUND, "nosuch");
  ASSERT_FAILS(churn_kpi_snapshot_forecast(ds, base, ts(2024, 6, 1, 0), 12, NULL, NULL, NULL, 0,
                                           NULL, CHURN_COHORT_SBG, 0.05, NULL, NULL, &m),
               CHURN_E_ARG, "out");
  cr_assert_null(t);
  cr_assert_null(m);
  churn_dataset_free(ds);
}

/* The forecast with its model output; the model is freed here (the helper checks the table). */
static churn_status forecast_call(const churn_dataset *ds, int which, churn_table **t) {
  churn_cohort_model *m = NULL;
  churn_status st = churn_kpi_snapshot_forecast(
      ds, ts(2024, 1, 1, 0), ts(2024, 5, 1, 0), 12, which ? "tier" : NULL, which ? "high" : NULL,
      NULL, 0, NULL, which ? CHURN_COHORT_BDW : CHURN_COHORT_SBG, 0.05, NULL, t, &m);
  if (st != CHURN_OK) cr_assert_null(m);
  churn_cohort_model_free(m);
  return st;
}

Test(kpi_forecast, allocation_failures_are_clean) {
  churn_dataset *ds = simulated();
  kpi_allocation_failures(ds, 2, forecast_call);
  churn_dataset_free(ds);
  assert_no_leak();
}
