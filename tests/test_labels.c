/*
 * test_labels.c -- churn labels on hand-made histories under the three definitions, with the
 * expected label, category and churn moment worked out by hand (horizon H = 90 days and
 * N = 3 months = 90 days of non-use by default), boundaries, and every error path.
 */
#include "feat_fixture.h"

typedef struct expect {
  double y;
  int32_t cat;
  int64_t time;
} expect;

static churn_dataset *label_dataset(int *n) {
  fixture *fx = fx_new();
  int s;
  s = fx_sub(fx, "cancel_price", at(-400));                 /* 0 */
  fx_simple(fx, s, at(10), CHURN_EV_CANCEL, CHURN_REASON_PRICE);
  s = fx_sub(fx, "cancel_after_horizon", at(-400));         /* 1 */
  fx_simple(fx, s, at(91), CHURN_EV_CANCEL, CHURN_REASON_PRICE);
  fx_view(fx, s, at(60), 10, 0, 0);
  s = fx_sub(fx, "table_only", at(-400));                   /* 2 */
  fx->cancellation[s] = at(30);
  fx_view(fx, s, at(-1), 10, 0, 0);
  s = fx_sub(fx, "idle", at(-400));                         /* 3: last use -50 -> +40 */
  fx_view(fx, s, at(-100), 10, 0, 0);
  fx_view(fx, s, at(-50), 10, 0, 0);
  s = fx_sub(fx, "active", at(-400));                       /* 4: a use every 30 days */
  for (int d = -100; d <= 120; d += 30) fx_view(fx, s, at(d), 10, 0, 0);
  s = fx_sub(fx, "dormant", at(-400));                      /* 5: idle since -110 already */
  fx_usage(fx, s, at(-200), 10, CHURN_USAGE_BROADBAND);
  s = fx_sub(fx, "both", at(-400));                         /* 6: idle +30, cancel +60 */
  fx_usage(fx, s, at(-60), 10, CHURN_USAGE_MOBILE_DATA);
  fx_simple(fx, s, at(60), CHURN_EV_CANCEL, CHURN_REASON_TECHNICAL);
  s = fx_sub(fx, "cancelled_before", at(-400));             /* 7 */
  fx_view(fx, s, at(-6), 10, 0, 0);
  fx_simple(fx, s, at(-5), CHURN_EV_CANCEL, CHURN_REASON_MOVING);
  s = fx_sub(fx, "never_used", at(-60));                    /* 8: idle at +30 */
  s = fx_sub(fx, "gap_then_back", at(-400));                /* 9: -10 then +95: idle at +80 */
  fx_view(fx, s, at(-10), 10, 0, 0);
  fx_view(fx, s, at(95), 10, 0, 0);
  s = fx_sub(fx, "cancel_at_horizon_end", at(-400));        /* 10 */
  fx_view(fx, s, at(-1), 10, 0, 0);
  fx_simple(fx, s, at(90), CHURN_EV_CANCEL, CHURN_REASON_MOVING);
  s = fx_sub(fx, "cancel_at_T", at(-400));                  /* 11 */
  fx_simple(fx, s, T0, CHURN_EV_CANCEL, CHURN_REASON_MOVING);
  s = fx_sub(fx, "heartbeats_are_not_use", at(-400));       /* 12: idle at -100 + 90 = -10 */
  fx_view(fx, s, at(-100), 10, 0, 0);
  for (int d = -90; d <= 80; d += 10) fx_simple(fx, s, at(d), CHURN_EV_HEARTBEAT, 0);
  *n = fx->nsubs;
  churn_dataset *ds = fx_build(fx);
  free(fx);
  return ds;
}

static void check(churn_dataset *ds, int n, const churn_options *o, const expect *want) {
  int64_t subs[32], times[32], churn_time[32];
  double y[32];
  int32_t cat[32];
  for (int i = 0; i < n; i++) {
    subs[i] = i;
    times[i] = T0;
  }
  ASSERT_OK(churn_labels_compute(ds, subs, times, n, o, y, cat, churn_time));
  for (int i = 0; i < n; i++) {
    const char *id = NULL;
    ASSERT_OK(churn_dataset_subscriber_id(ds, i, &id));
    cr_assert_eq(y[i], want[i].y, "%s: y = %g", id, y[i]);
    cr_assert_eq(cat[i], want[i].cat, "%s: category = %d", id, cat[i]);
    cr_assert_eq(churn_time[i], want[i].time, "%s: time = %lld, want %lld", id,
                 (long long)churn_time[i], (long long)want[i].time);
  }
}

#define NO {0, -1, CHURN_TIME_NONE}
#define UNK CHURN_CATEGORY_UNKNOWN

Test(labels, either) {
  int n;
  churn_dataset *ds = label_dataset(&n);
  /* The usage data start at -200 (dormant's use), so the non-use clock of a subscriber
   * activated before that starts at -200.  cancel_price never used anything: it churned
   * silently at -200 + 90 = -110, before T, so its cancellation at +10 is no new churn (the
   * definition held first at -110; the cancellation only tells that churn's reason). */
  expect want[] = {
      NO, NO, {1, UNK, at(30)}, {1, UNK, at(40)}, NO, NO,
      {1, CHURN_CATEGORY_SERVICE, at(30)}, NO, {1, UNK, at(30)}, {1, UNK, at(80)},
      /* idle from +89 comes first; the category is still the cancellation's */
      {1, CHURN_CATEGORY_NATURAL, at(89)}, NO, NO};
  cr_assert_eq(n, (int)(sizeof want / sizeof want[0]));
  check(ds, n, NULL, want);
  churn_dataset_free(ds);
}

Test(labels, cancel_only) {
  int n;
  churn_dataset *ds = label_dataset(&n);
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_LABEL_DEFINITION, CHURN_LABEL_CANCEL));
  expect want[] = {
      {1, CHURN_CATEGORY_COMPETITIVE, at(10)}, NO, {1, UNK, at(30)}, NO, NO, NO,
      {1, CHURN_CATEGORY_SERVICE, at(60)}, NO, NO, NO, {1, CHURN_CATEGORY_NATURAL, at(90)}, NO,
      NO};
  check(ds, n, o, want);
  /* a horizon of 10 days: only the cancellation at +10 */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_LABEL_HORIZON_DAYS, 10));
  expect want10[] = {{1, CHURN_CATEGORY_COMPETITIVE, at(10)}, NO, NO, NO, NO, NO, NO, NO, NO,
                     NO, NO, NO, NO};
  check(ds, n, o, want10);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(labels, non_use_only) {
  int n;
  churn_dataset *ds = label_dataset(&n);
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_LABEL_DEFINITION, CHURN_LABEL_NON_USE));
  /* cancel_price: no use since the usage data start (-200) -> idle at -110, before T: 0.
   * table_only: last use -1 -> +89.  cancel_at_horizon_end: last use -1 -> +89.  A non-use
   * churn takes the reason of a cancellation that follows it before any return: both's
   * technical (+60, service) and cancel_at_horizon_end's moving (+90, natural). */
  /* cancelled_before: a cancellation does not end a spell under non_use: its last use at -6
   * makes it churn at +84, with the cancellation's reason (moving: natural). */
  expect want[] = {NO, NO, {1, UNK, at(89)}, {1, UNK, at(40)}, NO, NO,
                   {1, CHURN_CATEGORY_SERVICE, at(30)}, {1, CHURN_CATEGORY_NATURAL, at(84)},
                   {1, UNK, at(30)}, {1, UNK, at(80)},
                   {1, CHURN_CATEGORY_NATURAL, at(89)}, NO, NO};
  check(ds, n, o, want);
  /* N = 1 month: "active" (every 30 days) stays active; "idle" went idle at -20 (before T)
   * and "gap_then_back" at +20 */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_LABEL_INACTIVE_MONTHS, 1));
  int64_t subs[3] = {3, 4, 9}, times[3] = {T0, T0, T0}, ct[3];
  double y[3];
  ASSERT_OK(churn_labels_compute(ds, subs, times, 3, o, y, NULL, ct));
  cr_assert_eq(y[0], 0);
  cr_assert_eq(y[1], 0);
  cr_assert_eq(y[2], 1);
  cr_assert_eq(ct[2], at(20));
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(labels, rows_from_features) {
  int n;
  churn_dataset *ds = label_dataset(&n);
  int64_t times[2] = {T0, at(-30)};
  const char *sel[] = {"account.tenure_months"};
  churn_features *f = NULL;
  ASSERT_OK(churn_features_extract(ds, times, 2, sel, 1, NULL, &f));
  int64_t rows = churn_features_nrows(f);
  double *y = calloc((size_t)rows, sizeof *y);
  ASSERT_OK(churn_labels_compute(ds, churn_features_subscribers(f), churn_features_times(f), rows,
                                 NULL, y, NULL, NULL));
  /* at T-30 "cancelled_before" (cancel at -5) is in the base and churns within 90 days */
  bool seen = false;
  for (int64_t r = 0; r < rows; r++) {
    if (churn_features_subscribers(f)[r] == 7) {
      cr_assert_eq(churn_features_times(f)[r], at(-30));
      cr_assert_eq(y[r], 1.0);
      seen = true;
    }
  }
  cr_assert(seen);
  free(y);
  churn_features_free(f);
  churn_dataset_free(ds);
}

Test(labels, errors) {
  int n;
  churn_dataset *ds = label_dataset(&n);
  int64_t subs[1] = {0}, times[1] = {T0}, bad_sub[1] = {99}, bad_time[1] = {CHURN_TIME_NONE};
  double y[1];
  ASSERT_FAILS(churn_labels_compute(NULL, subs, times, 1, NULL, y, NULL, NULL), CHURN_E_ARG,
               "ds is NULL");
  ASSERT_FAILS(churn_labels_compute(ds, subs, times, -1, NULL, y, NULL, NULL), CHURN_E_ARG,
               "n is negative");
  ASSERT_FAILS(churn_labels_compute(ds, NULL, times, 1, NULL, y, NULL, NULL), CHURN_E_ARG,
               "must not be NULL");
  ASSERT_FAILS(churn_labels_compute(ds, subs, times, 1, NULL, NULL, NULL, NULL), CHURN_E_ARG,
               "must not be NULL");
  ASSERT_FAILS(churn_labels_compute(ds, bad_sub, times, 1, NULL, y, NULL, NULL), CHURN_E_ARG,
               "subscribers[0] = 99");
  ASSERT_FAILS(churn_labels_compute(ds, subs, bad_time, 1, NULL, y, NULL, NULL), CHURN_E_ARG,
               "as_of[0]");
  ASSERT_OK(churn_labels_compute(ds, NULL, NULL, 0, NULL, NULL, NULL, NULL));
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_LABEL_DEFINITION, 3), CHURN_E_RANGE,
               "labels.definition");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_LABEL_HORIZON_DAYS, 0), CHURN_E_RANGE,
               "labels.horizon_days");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_LABEL_INACTIVE_MONTHS, 0), CHURN_E_RANGE,
               "labels.inactive_months");
  churn_options_free(o);
  int64_t sub = 0, time = T0, kind = CHURN_EV_COMPLAINT;
  churn_column ec[3] = {{"subscriber_index", CHURN_I64, &sub, 1, NULL, 0},
                        {"time", CHURN_I64, &time, 1, NULL, 0},
                        {"kind", CHURN_I64, &kind, 1, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 3, NULL));
  ASSERT_FAILS(churn_labels_compute(ds, subs, times, 1, NULL, y, NULL, NULL), CHURN_E_STATE,
               "not finalized");
  churn_dataset_free(ds);
}
