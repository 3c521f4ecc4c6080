/*
 * test_sim_operator.c -- the simulator's operator realism (issue 19 item 9): heterogeneous
 * churn propensity (the base's monthly churn falls over time and the shifted-beta-geometric fit
 * has finite estimates), silent churners of any driver, the seasonal profile, the churn level,
 * the person column shared by win-back returns, cancellation requests before the retention
 * desk's call, and determinism across thread counts with the new options.  Every figure is
 * counted here from the truth table and the event columns, independently of the simulator's
 * own bookkeeping.
 */
#include "helpers.h"

#include <math.h>
#include <string.h>
#include <time.h>

#define START 1704067200LL /* 2024-01-01, the default start */
#define DAY 86400LL

typedef struct opt {
  churn_option key;
  double value;
} opt;

static churn_dataset *simulate(int64_t n, int64_t months, int64_t seed, const opt *extra,
                               int nextra, churn_table **truth) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, n));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, months));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SEED, seed));
  for (int k = 0; k < nextra; k++) {
    churn_option_type type;
    ASSERT_OK(churn_option_bounds(extra[k].key, &type, NULL, NULL, NULL));
    if (type == CHURN_OPTION_INT) {
      ASSERT_OK(churn_options_set_int(o, extra[k].key, (int64_t)extra[k].value));
    } else {
      ASSERT_OK(churn_options_set_real(o, extra[k].key, extra[k].value));
    }
  }
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_simulate(o, &ds, truth));
  churn_options_free(o);
  return ds;
}

static const char *const *str_col(const churn_table *t, const char *name) {
  int64_t j;
  const char *const *s = NULL;
  ASSERT_OK(churn_table_find(t, name, &j));
  ASSERT_OK(churn_table_str(t, j, &s));
  return s;
}

/* The start of month m of the window (the default start is the 1st of a month). */
static int64_t month_start(int m) {
  struct tm tm = {0};
  tm.tm_year = 2024 - 1900 + m / 12;
  tm.tm_mon = m % 12;
  tm.tm_mday = 1;
  return (int64_t)timegm(&tm);
}

/* The initial base (indices < n) still active at the start of months 0..months: counted from
 * the truth table's churn_time (a churn at t leaves the subscriber inactive from t). */
static void base_alive(const churn_table *truth, int64_t n, int months, double *alive) {
  const int64_t *ct = table_i64(truth, "churn_time");
  for (int m = 0; m <= months; m++) {
    int64_t t = month_start(m), a = 0;
    for (int64_t i = 0; i < n; i++) a += ct[i] == CHURN_TIME_NONE || ct[i] >= t;
    alive[m] = (double)a;
  }
}

/* Monthly churn of the base over the first and the last six months. */
static void early_late(const double *alive, int months, double *early, double *late) {
  *early = 1.0 - pow(alive[6] / alive[0], 1.0 / 6.0);
  *late = 1.0 - pow(alive[months] / alive[months - 6], 1.0 / 6.0);
}

Test(sim_operator, propensity_spread_flattens_the_base_and_the_sbg_fits) {
  enum { N = 20000, M = 24 };
  double alive[M + 1], early[2], late[2];
  const double spreads[2] = {0.0, 1.8};
  for (int k = 0; k < 2; k++) {
    const opt o[] = {{CHURN_OPT_SIM_PROPENSITY_SPREAD, spreads[k]},
                     {CHURN_OPT_SIM_NEW_RATE, 0.0},
                     {CHURN_OPT_SIM_COMPETITOR_UPLIFT, 0.0}};
    churn_table *truth = NULL;
    churn_dataset *ds = simulate(N, M, 21, o, 3, &truth);
    base_alive(truth, N, M, alive);
    early_late(alive, M, &early[k], &late[k]);
    if (k == 1) {
      /* the sBG on the base's alive counts has finite estimates (a constant churn rate, no
       * heterogeneity, would make alpha and beta run off to infinity) */
      int64_t len = M + 1;
      churn_cohort_model *model = NULL;
      ASSERT_OK(churn_cohort_fit(CHURN_COHORT_SBG, alive, &len, 1, &model));
      cr_assert_eq(churn_cohort_model_kind(model), CHURN_COHORT_SBG);
      double p[3];
      ASSERT_OK(churn_cohort_params(model, NULL, p, NULL, NULL, NULL));
      cr_expect(isfinite(p[0]) && isfinite(p[1]) && p[0] > 0 && p[1] > 0 && p[0] < 1e3,
                "alpha %g beta %g", p[0], p[1]);
      churn_cohort_model_free(model);
    }
    churn_table_free(truth);
    churn_dataset_free(ds);
  }
  /* spread: the frail leave first, so the base's churn falls from the first to the last six
   * months by far more than without spread (where only the tenure effects remain) */
  cr_expect_gt(early[1] / late[1], 1.25 * early[0] / late[0],
               "no spread: early %.4f late %.4f; spread: early %.4f late %.4f", early[0], late[0],
               early[1], late[1]);
}

/* Silent churners of the other drivers: never a CANCEL, and after their churn time no use and
 * no payment (a later BILL is the operator's doing). */
Test(sim_operator, silent_churners_of_any_driver) {
  enum { N = 6000, M = 18 };
  const opt o[] = {{CHURN_OPT_SIM_SILENT_OTHER_SHARE, 0.6}};
  churn_table *truth = NULL;
  churn_dataset *ds = simulate(N, M, 3, o, 1, &truth);
  int64_t S = churn_dataset_num_subscribers(ds), E = churn_dataset_num_events(ds);
  const char *const *type = str_col(truth, "churn_type");
  const int64_t *drv = table_i64(truth, "driver"), *ct = table_i64(truth, "churn_time");
  const int64_t *canc = table_i64(truth, "cancelled");
  int64_t silent_other = 0, cancel_other = 0;
  for (int64_t i = 0; i < S; i++) {
    bool other = drv[i] != CHURN_DRIVER_MOVING && drv[i] != CHURN_DRIVER_ARREARS && drv[i] != 0;
    if (strcmp(type[i], "silent") == 0) {
      cr_assert_eq(canc[i], 0);
      silent_other += other;
      cr_expect_neq(drv[i], CHURN_DRIVER_ARREARS);
    } else if (strcmp(type[i], "cancel") == 0) {
      cr_assert_eq(canc[i], 1);
      cancel_other += other;
    } else {
      cr_assert_eq(ct[i], CHURN_TIME_NONE);
    }
  }
  /* 0.6 of the completing episodes walk away; of the rest some are retained by the desk:
   * silent / (silent + cancelled) = 0.6 / (0.6 + 0.4 x (1 - retained)), retained ~ 0.1 */
  double share = (double)silent_other / (double)(silent_other + cancel_other);
  cr_expect(share > 0.5 && share < 0.75, "silent share %.3f (%lld of %lld)", share,
            (long long)silent_other, (long long)(silent_other + cancel_other));
  const int32_t *sub = dataset_event_col(ds, "subscriber");
  const int64_t *t = dataset_event_col(ds, "time");
  const uint8_t *kind = dataset_event_col(ds, "kind");
  int64_t bad = 0;
  for (int64_t e = 0; e < E; e++) {
    if (strcmp(type[sub[e]], "silent") != 0) continue;
    int k = kind[e];
    bad += k == CHURN_EV_CANCEL;
    bool late = t[e] > ct[sub[e]] && (k == CHURN_EV_VIEW || k == CHURN_EV_USAGE ||
                                 k == CHURN_EV_PAYMENT || k == CHURN_EV_HEARTBEAT);
    bad += late;
  }
  cr_expect_eq(bad, 0, "%lld events of silent churners after their churn", (long long)bad);
  churn_table_free(truth);
  churn_dataset_free(ds);
  /* the default draws no silent churner of the other drivers */
  ds = simulate(N, M, 3, NULL, 0, &truth);
  type = str_col(truth, "churn_type");
  drv = table_i64(truth, "driver");
  for (int64_t i = 0; i < churn_dataset_num_subscribers(ds); i++) {
    if (strcmp(type[i], "silent") == 0) cr_expect_eq(drv[i], CHURN_DRIVER_MOVING);
  }
  churn_table_free(truth);
  churn_dataset_free(ds);
}

/* Episode starts (signal_start) of the churners in the window by calendar month: with the peak
 * in March, January-May (cos >= 0.5) against July-November (cos <= -0.5). */
static double season_ratio(double amplitude) {
  const opt o[] = {{CHURN_OPT_SIM_SEASONALITY, amplitude}, {CHURN_OPT_SIM_SEASON_PEAK, 3},
                   {CHURN_OPT_SIM_COMPETITOR_UPLIFT, 0.0}};
  churn_table *truth = NULL;
  churn_dataset *ds = simulate(8000, 24, 9, o, 3, &truth);
  const int64_t *ss = table_i64(truth, "signal_start");
  double high = 0, low = 0;
  for (int64_t i = 0; i < churn_table_nrows(truth); i++) {
    if (ss[i] == CHURN_TIME_NONE || ss[i] < START) continue;
    time_t tt = (time_t)ss[i];
    struct tm tm;
    gmtime_r(&tt, &tm);
    int m = tm.tm_mon + 1;
    high += m >= 1 && m <= 5;
    low += m >= 7 && m <= 11;
  }
  churn_table_free(truth);
  churn_dataset_free(ds);
  return high / low;
}

Test(sim_operator, seasonal_profile) {
  /* factor 1 + 0.9 cos: about 1.7 in the high months and 0.3 in the low ones */
  double flat = season_ratio(0.0), seasonal = season_ratio(0.9);
  cr_expect(flat > 0.6 && flat < 1.6, "no season: high / low %.3f", flat);
  cr_expect_gt(seasonal, 2.5, "season 0.9: high / low %.3f", seasonal);
}

/* The churn level: doubling every start rate about doubles the base's churn in the window. */
Test(sim_operator, churn_scale_sets_the_level) {
  enum { N = 8000, M = 12 };
  double churned[2];
  const double scale[2] = {1.0, 2.0};
  for (int k = 0; k < 2; k++) {
    const opt o[] = {{CHURN_OPT_SIM_CHURN_SCALE, scale[k]}};
    churn_table *truth = NULL;
    churn_dataset *ds = simulate(N, M, 4, o, 1, &truth);
    double alive[M + 1];
    base_alive(truth, N, M, alive);
    churned[k] = alive[0] - alive[M];
    churn_table_free(truth);
    churn_dataset_free(ds);
  }
  double r = churned[1] / churned[0];
  cr_expect(r > 1.6 && r < 2.3, "churned %.0f then %.0f: ratio %.3f", churned[0], churned[1], r);
}

/* Win-back returns under a new id share the person of the subscription they return from; the
 * dataset's person column says the same as the truth table; every CANCEL_REQUEST is answered
 * by the retention desk's RETENTION ten minutes later. */
Test(sim_operator, person_returns_and_requests) {
  churn_table *truth = NULL;
  churn_dataset *ds = simulate(6000, 24, 17, NULL, 0, &truth);
  int64_t S = churn_dataset_num_subscribers(ds);
  const char *const *person = str_col(truth, "person"), *const *rt = str_col(truth, "return_type");
  const int64_t *prev = table_i64(truth, "previous_index");
  churn_dtype dt;
  const void *codes = NULL;
  ASSERT_OK(churn_dataset_subscriber_column(ds, "person", &dt, &codes));
  int64_t returns = 0;
  for (int64_t i = 0; i < S; i++) {
    const char *label = NULL;
    ASSERT_OK(churn_dataset_category_label(ds, "person", ((const int32_t *)codes)[i], &label,
                                           NULL));
    cr_assert_str_eq(label, person[i], "subscriber %lld", (long long)i);
    if (prev[i] >= 0) {
      returns++;
      cr_assert_str_eq(rt[i], "new_id");
      cr_assert_str_eq(person[i], person[prev[i]]);
    } else {
      cr_assert_str_eq(rt[i], "none");
    }
  }
  cr_assert_gt(returns, 0);
  int32_t persons = 0;
  ASSERT_OK(churn_dataset_category_label(ds, "person", -1, NULL, &persons));
  cr_expect_eq(persons, S - returns);
  const int32_t *sub = dataset_event_col(ds, "subscriber");
  const int64_t *t = dataset_event_col(ds, "time");
  const uint8_t *kind = dataset_event_col(ds, "kind");
  int64_t E = churn_dataset_num_events(ds), requests = 0, answered = 0;
  for (int64_t e = 0; e < E; e++) {
    if (kind[e] != CHURN_EV_CANCEL_REQUEST) continue;
    requests++;
    for (int64_t f = e + 1; f < E && sub[f] == sub[e] && t[f] <= t[e] + 600; f++) {
      if (kind[f] == CHURN_EV_RETENTION && t[f] == t[e] + 600) {
        answered++;
        break;
      }
    }
  }
  cr_assert_gt(requests, 0);
  cr_expect_eq(answered, requests);
  churn_table_free(truth);
  churn_dataset_free(ds);
}

Test(sim_operator, deterministic_across_threads_with_the_new_options) {
  churn_dataset *ds[2];
  for (int k = 0; k < 2; k++) {
    const opt o[] = {{CHURN_OPT_SIM_PROPENSITY_SPREAD, 1.2}, {CHURN_OPT_SIM_SILENT_OTHER_SHARE, 0.3},
                     {CHURN_OPT_SIM_SEASONALITY, 0.5}, {CHURN_OPT_SIM_CHURN_SCALE, 1.4},
                     {CHURN_OPT_SIM_THREADS, k == 0 ? 1 : 3}};
    ds[k] = simulate(3000, 12, 8, o, 5, NULL);
  }
  int64_t E = churn_dataset_num_events(ds[0]);
  cr_assert_eq(churn_dataset_num_events(ds[1]), E);
  cr_assert_eq(memcmp(dataset_event_col(ds[0], "time"), dataset_event_col(ds[1], "time"),
                      (size_t)E * 8), 0);
  cr_assert_eq(memcmp(dataset_event_col(ds[0], "kind"), dataset_event_col(ds[1], "kind"),
                      (size_t)E), 0);
  churn_dataset_free(ds[0]);
  churn_dataset_free(ds[1]);
}

/* Returns under the same id: no new row; the subscriber's events show its CANCEL, then an
 * ACTIVATION at return_time, then its later history; its cancellation column is the later
 * cancellation or none. */
Test(sim_operator, returns_under_the_same_id) {
  const opt o[] = {{CHURN_OPT_SIM_RETURN_SAME_ID, 1.0}};
  churn_table *truth = NULL;
  churn_dataset *ds = simulate(6000, 24, 17, o, 1, &truth);
  int64_t S = churn_dataset_num_subscribers(ds), E = churn_dataset_num_events(ds);
  const char *const *rt = str_col(truth, "return_type");
  const int64_t *prev = table_i64(truth, "previous_index"), *ret = table_i64(truth, "return_time");
  const int64_t *ct = table_i64(truth, "churn_time");
  const int64_t *canc = dataset_subscriber_col(ds, "cancellation");
  const int32_t *sub = dataset_event_col(ds, "subscriber");
  const int64_t *t = dataset_event_col(ds, "time");
  const uint8_t *kind = dataset_event_col(ds, "kind");
  int64_t same = 0;
  for (int64_t i = 0; i < S; i++) cr_assert_lt(prev[i], 0, "a new id at %lld", (long long)i);
  for (int64_t e = 0, i = 0; i < S; i++) {
    int64_t from = e;
    while (e < E && sub[e] == i) e++;
    if (strcmp(rt[i], "same_id") != 0) {
      cr_assert_eq(ret[i], CHURN_TIME_NONE);
      continue;
    }
    same++;
    int64_t cancels_before = 0, acts_at_return = 0, after = 0;
    for (int64_t f = from; f < e; f++) {
      cancels_before += kind[f] == CHURN_EV_CANCEL && t[f] == ct[i];
      acts_at_return += kind[f] == CHURN_EV_ACTIVATION && t[f] == ret[i];
      after += t[f] > ret[i];
    }
    cr_assert_eq(cancels_before, 1, "subscriber %lld", (long long)i);
    cr_assert_eq(acts_at_return, 1, "subscriber %lld", (long long)i);
    cr_assert_gt(ret[i], ct[i]);
    cr_assert_gt(after, 0);
    cr_assert(canc[i] == CHURN_TIME_NONE || canc[i] > ret[i]);
  }
  cr_assert_gt(same, 0);
  churn_table_free(truth);
  churn_dataset_free(ds);
}
