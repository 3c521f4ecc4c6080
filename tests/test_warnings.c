/*
 * test_warnings.c -- the early-warning rules on hand-made histories (which rule fires for whom,
 * observed values and thresholds worked out by hand), routing, the working-day contact
 * deadline (weekends, and the Chinese calendar in Beijing time), cancellation requests routed
 * to the retention desk, option changes, and every error path.  T is a Friday 12:00 UTC.
 */
#include "feat_fixture.h"

static churn_dataset *warning_dataset(void) {
  fixture *fx = fx_new();
  /* 0: two bills of 100 due -60 and -30, 50 paid: 2 months late, arrears 150 */
  int s = fx_sub(fx, "pay", at(-400));
  fx->tier[s] = "low";
  fx->manager[s] = "mgr1";
  fx_bill(fx, s, at(-70), 100, 10 * DAY);
  fx_bill(fx, s, at(-40), 100, 10 * DAY);
  fx_pay(fx, s, at(-20), 50);
  /* 1: viewing 1000 -> 400 minutes: a 60% drop; a high tier goes to the VIP manager */
  s = fx_sub(fx, "drop", at(-400));
  fx->tier[s] = "high";
  fx->manager[s] = "mgr2";
  fx_view(fx, s, at(-120), 1000, 1, CHURN_SLOT_PRIME);
  fx_view(fx, s, at(-29), 400, 1, CHURN_SLOT_PRIME);
  /* 2: last heartbeat 10 days ago */
  s = fx_sub(fx, "offline", at(-400));
  fx->tier[s] = "low";
  fx_simple(fx, s, at(-10), CHURN_EV_HEARTBEAT, 0);
  /* 3: a fault contacted after 1 h and fixed after 30 h; a VIP */
  s = fx_sub(fx, "breach", at(-400));
  fx->vip[s] = 1;
  fx_fault(fx, s, at(-3), HOUR, 30 * HOUR);
  fx_simple(fx, s, at(-1), CHURN_EV_HEARTBEAT, 0);
  /* 4: nothing wrong; no device events at all, so no offline warning */
  fx_sub(fx, "quiet", at(-400));
  /* 5: would fire everything but is activated after T */
  s = fx_sub(fx, "future", T0 + 1);
  fx_simple(fx, s, T0 + 2, CHURN_EV_HEARTBEAT, 0);
  /* 6: would fire offline but cancelled at T */
  s = fx_sub(fx, "gone", at(-400));
  fx->cancellation[s] = T0;
  fx_simple(fx, s, at(-30), CHURN_EV_HEARTBEAT, 0);
  churn_dataset *ds = fx_build(fx);
  free(fx);
  return ds;
}

static int64_t col(const churn_table *t, const char *name) {
  int64_t j = -1;
  ASSERT_OK(churn_table_find(t, name, &j));
  return j;
}

typedef struct want_row {
  int64_t sub;
  const char *id, *rule, *category;
  double observed, threshold;
  const char *route;
} want_row;

static void check_rows(const churn_table *t, const want_row *w, int64_t n) {
  cr_assert_eq(churn_table_nrows(t), n, "%lld warnings", (long long)churn_table_nrows(t));
  const int64_t *sub, *asof, *deadline;
  const double *obs, *thr;
  const char *const *id, *const *rule, *const *cat, *const *route;
  ASSERT_OK(churn_table_i64(t, col(t, "subscriber"), &sub));
  ASSERT_OK(churn_table_i64(t, col(t, "as_of"), &asof));
  ASSERT_OK(churn_table_i64(t, col(t, "deadline"), &deadline));
  ASSERT_OK(churn_table_f64(t, col(t, "observed"), &obs));
  ASSERT_OK(churn_table_f64(t, col(t, "threshold"), &thr));
  ASSERT_OK(churn_table_str(t, col(t, "subscriber_id"), &id));
  ASSERT_OK(churn_table_str(t, col(t, "rule"), &rule));
  ASSERT_OK(churn_table_str(t, col(t, "category"), &cat));
  ASSERT_OK(churn_table_str(t, col(t, "route"), &route));
  for (int64_t i = 0; i < n; i++) {
    cr_assert_eq(sub[i], w[i].sub, "row %lld", (long long)i);
    cr_assert_str_eq(id[i], w[i].id);
    cr_assert_str_eq(rule[i], w[i].rule);
    cr_assert_str_eq(cat[i], w[i].category);
    cr_assert(rel_close(obs[i], w[i].observed, 1e-12, 1e-12), "row %lld observed %.17g",
              (long long)i, obs[i]);
    cr_assert_eq(thr[i], w[i].threshold, "row %lld", (long long)i);
    cr_assert_str_eq(route[i], w[i].route, "row %lld", (long long)i);
    cr_assert_eq(asof[i], T0);
    /* Friday 12:00 + 2 working days = Tuesday 12:00 */
    cr_assert_eq(deadline[i], T0 + 4 * DAY);
  }
}

Test(warnings, defaults) {
  churn_dataset *ds = warning_dataset();
  churn_table *t = NULL;
  ASSERT_OK(churn_warnings_compute(ds, T0, NULL, &t));
  want_row w[] = {
      {0, "pay", "payment_anomaly", "unknown", 2, 2, "customer_manager"},
      {1, "drop", "viewing_drop", "unknown", 60, 50, "vip_manager"},
      {2, "offline", "device_offline", "unknown", 10, 7, "customer_service"},
      {3, "breach", "contact_breach", "service", 1, 1, "vip_manager"},
      {3, "breach", "fix_breach", "service", 1, 1, "vip_manager"},
  };
  check_rows(t, w, 5);
  const char *const *manager, *const *tier;
  ASSERT_OK(churn_table_str(t, col(t, "manager"), &manager));
  ASSERT_OK(churn_table_str(t, col(t, "tier"), &tier));
  cr_assert_str_eq(manager[0], "mgr1");
  cr_assert_str_eq(manager[2], "");
  cr_assert_str_eq(tier[1], "high");
  const int64_t *vip;
  ASSERT_OK(churn_table_i64(t, col(t, "vip"), &vip));
  cr_assert_eq(vip[3], 1);
  cr_assert_eq(vip[1], 0);
  const char *const *detail;
  ASSERT_OK(churn_table_str(t, col(t, "detail"), &detail));
  cr_assert(strstr(detail[0], "arrears 150.00") != NULL, "%s", detail[0]);
  churn_table_free(t);
  churn_dataset_free(ds);
}

Test(warnings, thresholds) {
  churn_dataset *ds = warning_dataset();
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_WARN_ARREARS, 150));      /* not > 150 */
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_WARN_VIEW_DROP_PCT, 60)); /* not > 60 */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_WARN_OFFLINE_DAYS, 10));   /* 10 >= 10 */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_WARN_CONTACT_BREACHES, 0)); /* off */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_WARN_FIX_BREACHES, 2));    /* 1 < 2 */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_WARN_DEADLINE_DAYS, 1));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_VIP_TIERS, "mid,low"));
  churn_table *t = NULL;
  ASSERT_OK(churn_warnings_compute(ds, T0, o, &t));
  cr_assert_eq(churn_table_nrows(t), 1);
  const char *const *rule, *const *route;
  const int64_t *deadline;
  const double *obs;
  ASSERT_OK(churn_table_str(t, col(t, "rule"), &rule));
  ASSERT_OK(churn_table_str(t, col(t, "route"), &route));
  ASSERT_OK(churn_table_i64(t, col(t, "deadline"), &deadline));
  ASSERT_OK(churn_table_f64(t, col(t, "observed"), &obs));
  cr_assert_str_eq(rule[0], "device_offline");
  cr_assert_str_eq(route[0], "vip_manager"); /* "low" is now a listed tier */
  cr_assert_eq(deadline[0], T0 + 3 * DAY);   /* Friday + 1 working day = Monday */
  cr_assert_eq(obs[0], 10);
  churn_table_free(t);
  /* the minimum earlier level silences the viewing rule; a smaller P lets it fire again */
  ASSERT_OK(churn_options_reset(o));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_WARN_VIEW_MIN_PREV, 1001));
  ASSERT_OK(churn_warnings_compute(ds, T0, o, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  churn_table_free(t);
  /* a window of 1 month: the 1000 minutes at -120 are no longer "earlier" -> no drop */
  ASSERT_OK(churn_options_reset(o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_WINDOW_MONTHS, 1));
  ASSERT_OK(churn_warnings_compute(ds, T0, o, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  churn_table_free(t);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(warnings, empty_list) {
  churn_dataset *ds = warning_dataset();
  churn_table *t = NULL;
  /* long before any event: nobody is warned, the table has its columns and no rows */
  ASSERT_OK(churn_warnings_compute(ds, at(-399), NULL, &t));
  cr_assert_eq(churn_table_nrows(t), 0);
  cr_assert_eq(churn_table_ncols(t), 13);
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* The weekends-only deadline (churn_calendar_deadline without a calendar, in UTC). */
static int64_t deadline(int64_t t, int64_t days) {
  int64_t out = 0;
  ASSERT_OK(churn_calendar_deadline(NULL, t, days, 0, &out));
  return out;
}

Test(warnings, contact_deadline) {
  int64_t fri = T0, sat = T0 + DAY, sun = T0 + 2 * DAY, mon = T0 + 3 * DAY, wed = T0 + 5 * DAY;
  cr_assert_eq(deadline(fri, 0), fri);
  cr_assert_eq(deadline(fri, 1), mon);
  cr_assert_eq(deadline(sat, 1), mon);
  cr_assert_eq(deadline(sun, 1), mon);
  cr_assert_eq(deadline(sat, 0), sat);
  cr_assert_eq(deadline(wed, 2), fri + 7 * DAY);
  cr_assert_eq(deadline(mon, 5), mon + 7 * DAY);
  cr_assert_eq(deadline(fri, 10), fri + 14 * DAY);
  /* a time before 1970 (a Wednesday, 1969-12-31 23:00) + 1 = Thursday 1970-01-01 23:00 */
  cr_assert_eq(deadline(-3600, 1), -3600 + DAY);
}

/* Cancellation requests: "asked" 3 days before T (a VIP with a manager: still the retention
 * desk), "asked_old" 20 days before (outside the default 14 days), "asked_gone" 2 days before
 * but cancelled at T (not in the base), "asked_later" 1 day after T (not seen at T). */
static churn_dataset *request_dataset(void) {
  fixture *fx = fx_new();
  int s = fx_sub(fx, "asked", at(-400));
  fx->vip[s] = 1;
  fx->manager[s] = "mgr1";
  fx_simple(fx, s, at(-3), CHURN_EV_CANCEL_REQUEST, CHURN_REASON_PRICE);
  s = fx_sub(fx, "asked_old", at(-400));
  fx_simple(fx, s, at(-20), CHURN_EV_CANCEL_REQUEST, 0);
  s = fx_sub(fx, "asked_gone", at(-400));
  fx->cancellation[s] = T0;
  fx_simple(fx, s, at(-2), CHURN_EV_CANCEL_REQUEST, 0);
  s = fx_sub(fx, "asked_later", at(-400));
  fx_simple(fx, s, at(1), CHURN_EV_CANCEL_REQUEST, 0);
  churn_dataset *ds = fx_build(fx);
  free(fx);
  return ds;
}

Test(warnings, cancel_request) {
  churn_dataset *ds = request_dataset();
  churn_table *t = NULL;
  ASSERT_OK(churn_warnings_compute(ds, T0, NULL, &t));
  want_row w[] = {{0, "asked", "cancel_request", "unknown", 3, 14, "retention_desk"}};
  check_rows(t, w, 1);
  churn_table_free(t);
  /* a window of 21 days also sees the request 20 days old (observed = 20 days) */
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_WARN_REQUEST_DAYS, 21));
  ASSERT_OK(churn_warnings_compute(ds, T0, o, &t));
  want_row w2[] = {{0, "asked", "cancel_request", "unknown", 3, 21, "retention_desk"},
                   {1, "asked_old", "cancel_request", "unknown", 20, 21, "retention_desk"}};
  check_rows(t, w2, 2);
  churn_table_free(t);
  /* exactly 3 days old with a 3-day window: outside (the window is (T - 3 days, T]) */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_WARN_REQUEST_DAYS, 3));
  ASSERT_OK(churn_warnings_compute(ds, T0, o, &t));
  cr_assert_eq(churn_table_nrows(t), 0);
  churn_table_free(t);
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_WARN_REQUEST_DAYS, 0), CHURN_E_RANGE,
               "warnings.request_days");
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(warnings, calendar_and_local_time) {
  /* T = Monday 2024-09-30 12:00 UTC; "asked" asked to cancel the day before */
  fixture *fx = fx_new();
  int64_t T = 1727697600LL; /* 2024-09-30T12:00:00Z */
  int s = fx_sub(fx, "asked", T - 400 * DAY);
  fx_simple(fx, s, T - DAY, CHURN_EV_CANCEL_REQUEST, 0);
  churn_dataset *ds = fx_build(fx);
  free(fx);
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  churn_table *t = NULL;
  const int64_t *dl;
  /* weekends only: Monday + 2 = Wednesday 2 October 12:00 UTC */
  ASSERT_OK(churn_warnings_compute(ds, T, o, &t));
  ASSERT_OK(churn_table_i64(t, col(t, "deadline"), &dl));
  cr_assert_eq(dl[0], T + 2 * DAY);
  churn_table_free(t);
  /* the Chinese calendar: 1-7 October are holidays, so + 2 = Wednesday 9 October */
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_CALENDAR,
                                     source_path("examples/calendar_cn_2024_2025.csv")));
  ASSERT_OK(churn_warnings_compute(ds, T, o, &t));
  ASSERT_OK(churn_table_i64(t, col(t, "deadline"), &dl));
  cr_assert_eq(dl[0], T + 9 * DAY);
  churn_table_free(t);
  /* at 17:30 UTC it is 01:30 on 1 October in Beijing: counted there, + 2 working days is
   * Wednesday 9 October 01:30 local = 8 October 17:30 UTC; in UTC it would be 9 October */
  int64_t T2 = T + 5 * 3600 + 1800;
  ASSERT_OK(churn_warnings_compute(ds, T2, o, &t));
  ASSERT_OK(churn_table_i64(t, col(t, "deadline"), &dl));
  cr_assert_eq(dl[0], T2 + 9 * DAY);
  churn_table_free(t);
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_UTC_OFFSET, "+08:00"));
  ASSERT_OK(churn_warnings_compute(ds, T2, o, &t));
  ASSERT_OK(churn_table_i64(t, col(t, "deadline"), &dl));
  cr_assert_eq(dl[0], T2 + 8 * DAY);
  churn_table_free(t);
  /* bad settings are named, and nothing is returned */
  t = NULL;
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_UTC_OFFSET, "+8"));
  ASSERT_FAILS(churn_warnings_compute(ds, T, o, &t), CHURN_E_ARG, "warnings.utc_offset = '+8'");
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_UTC_OFFSET, "+24:00"));
  ASSERT_FAILS(churn_warnings_compute(ds, T, o, &t), CHURN_E_ARG, "'+24:00'");
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_UTC_OFFSET, "-05:30"));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_CALENDAR, "/nonexistent/cal.csv"));
  ASSERT_FAILS(churn_warnings_compute(ds, T, o, &t), CHURN_E_IO, "warnings.calendar");
  cr_assert_null(t);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(warnings, threads) {
  churn_dataset *ds = warning_dataset();
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_THREADS, 3));
  churn_table *t = NULL;
  ASSERT_OK(churn_warnings_compute(ds, T0, o, &t));
  cr_assert_eq(churn_table_nrows(t), 5);
  churn_table_free(t);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(warnings, errors) {
  churn_dataset *ds = warning_dataset();
  churn_table *t = NULL;
  ASSERT_FAILS(churn_warnings_compute(NULL, T0, NULL, &t), CHURN_E_ARG, "ds is NULL");
  ASSERT_FAILS(churn_warnings_compute(ds, T0, NULL, NULL), CHURN_E_ARG, "out is NULL");
  ASSERT_FAILS(churn_warnings_compute(ds, CHURN_TIME_NONE, NULL, &t), CHURN_E_ARG,
               "CHURN_TIME_NONE");
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_WARN_VIEW_DROP_PCT, 101), CHURN_E_RANGE,
               "warnings.view_drop_pct");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_WARN_LATE_MONTHS, 0), CHURN_E_RANGE,
               "warnings.late_months");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_WARN_ARREARS, -1), CHURN_E_RANGE,
               "warnings.arrears");
  churn_options_free(o);
  int64_t sub = 0, time = T0, kind = CHURN_EV_COMPLAINT;
  churn_column ec[3] = {{"subscriber_index", CHURN_I64, &sub, 1, NULL, 0},
                        {"time", CHURN_I64, &time, 1, NULL, 0},
                        {"kind", CHURN_I64, &kind, 1, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 3, NULL));
  ASSERT_FAILS(churn_warnings_compute(ds, T0, NULL, &t), CHURN_E_STATE, "not finalized");
  cr_assert_null(t);
  churn_dataset_free(ds);
}

Test(warnings, allocation_failures) {
  churn_dataset *ds = warning_dataset();
  churn_table *t = NULL;
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_warnings_compute(ds, T0, NULL, &t));
  uint64_t count = churn_testing_fail_alloc(0);
  churn_table_free(t);
  cr_assert(count > 10);
  for (uint64_t k = 1; k <= count; k++) {
    t = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_warnings_compute(ds, T0, NULL, &t);
    churn_testing_fail_alloc(0);
    if (st == CHURN_OK) {
      churn_table_free(t);
      continue;
    }
    cr_assert_eq(st, CHURN_E_NOMEM, "k=%llu: %s", (unsigned long long)k, churn_last_error());
    cr_assert_null(t);
  }
  churn_dataset_free(ds);
}
