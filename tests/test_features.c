/*
 * test_features.c -- point-in-time features: every catalog feature on hand-made histories with
 * the expected values computed by hand in the comments (exact up to 1e-12 relative), the
 * selection syntax, row membership at T, the no-leakage property (events, fault and bill facts
 * and cancellation dates after T change nothing), thread independence, and every error path.
 * T is T0 (a Friday, 12:00 UTC); the default window is M = 3 months = 90 days, so W = (T-90d, T]
 * and the previous window is (T-180d, T-90d].
 */
#include "feat_fixture.h"

#include <stdio.h>

static churn_features *extract_all(churn_dataset *ds, int64_t T, const churn_options *o) {
  churn_features *f = NULL;
  ASSERT_OK(churn_features_extract(ds, &T, 1, NULL, 0, o, &f));
  return f;
}

Test(features, payment) {
  fixture *fx = fx_new();
  int a = fx_sub(fx, "A", at(-400));
  /* bills due 10 days after issue */
  fx_bill(fx, a, at(-150), 100, 10 * DAY); /* paid at -145: on time */
  fx_pay(fx, a, at(-145), 100);
  fx_bill(fx, a, at(-120), 100, 10 * DAY); /* due -110, paid -100: late (deadline outside W) */
  fx_pay(fx, a, at(-100), 100);
  fx_bill(fx, a, at(-60), 100, 10 * DAY);  /* due -50, paid 50 + 50 by -30: late, in W */
  fx_pay(fx, a, at(-45), 50);
  fx_pay(fx, a, at(-30), 50);
  fx_bill(fx, a, at(-29), 100, 10 * DAY);  /* due -19, unpaid at T: late, in W, arrears 100 */
  fx_bill(fx, a, at(-5), 100, 10 * DAY);   /* due +5: not judged yet, not arrears */
  /* B prepays 200, then two bills are covered at once; the third (due -10) is half paid */
  int b = fx_sub(fx, "B", at(-400));
  fx_pay(fx, b, at(-100), 200);
  fx_bill(fx, b, at(-95), 100, 10 * DAY);
  fx_bill(fx, b, at(-60), 100, 10 * DAY);
  fx_bill(fx, b, at(-20), 100, 10 * DAY);
  fx_pay(fx, b, at(-5), 50);
  /* C never paid and has no bills: days since payment falls back to days since activation */
  int c = fx_sub(fx, "C", at(-33.5));
  churn_dataset *ds = fx_build(fx);
  churn_features *f = extract_all(ds, T0, NULL);

  /* A: judged in order on-time, late, late, late -> run 3; late deadlines in W: -50, -19 */
  ASSERT_FEAT(f, a, "payment.late_months_run", 3);
  ASSERT_FEAT(f, a, "payment.arrears", 100);
  ASSERT_FEAT(f, a, "payment.days_since_payment", 30);
  ASSERT_FEAT(f, a, "payment.late_in_window", 2);
  /* ARPU: billed in W = 300 (-60, -29, -5), previous = 200 (-150, -120); M = 3 */
  ASSERT_FEAT(f, a, "account.arpu", 100);
  ASSERT_FEAT(f, a, "account.arpu_change", 100.0 / 3.0);
  /* B: on time, on time, late (unpaid part 300 - 250 = 50) */
  ASSERT_FEAT(f, b, "payment.late_months_run", 1);
  ASSERT_FEAT(f, b, "payment.arrears", 50);
  ASSERT_FEAT(f, b, "payment.days_since_payment", 5);
  ASSERT_FEAT(f, b, "payment.late_in_window", 1);
  ASSERT_FEAT(f, c, "payment.days_since_payment", 33.5);
  ASSERT_FEAT(f, c, "payment.late_months_run", 0);
  ASSERT_FEAT(f, c, "payment.arrears", 0);
  churn_features_free(f);

  /* a grace of 15 days moves B's last deadline to T+5: not judged, no arrears, run 0 */
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_GRACE_DAYS, 15));
  f = extract_all(ds, T0, o);
  ASSERT_FEAT(f, b, "payment.late_months_run", 0);
  ASSERT_FEAT(f, b, "payment.arrears", 0);
  ASSERT_FEAT(f, b, "payment.late_in_window", 0);
  /* A with grace 15: bill 2 (deadline -95, paid -100) and bill 3 (deadline -35, paid -30 -> late),
   * bill 4 deadline -4 unpaid -> late: run = 2 */
  ASSERT_FEAT(f, a, "payment.late_months_run", 2);
  churn_features_free(f);
  /* bills without a due date are due after CHURN_OPT_FEAT_DUE_DAYS (default 30) */
  churn_options_free(o);
  churn_dataset_free(ds);
  free(fx);
}

Test(features, default_due_date) {
  fixture *fx = fx_new();
  int a = fx_sub(fx, "A", at(-400));
  fx_bill(fx, a, at(-40), 80, AUXNONE); /* due -10 (30 days): late, arrears 80 */
  fx_bill(fx, a, at(-20), 70, AUXNONE); /* due +10: not judged */
  churn_dataset *ds = fx_build(fx);
  churn_features *f = extract_all(ds, T0, NULL);
  ASSERT_FEAT(f, a, "payment.late_months_run", 1);
  ASSERT_FEAT(f, a, "payment.arrears", 80);
  churn_features_free(f);
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_DUE_DAYS, 5)); /* due -35 and -15 */
  f = extract_all(ds, T0, o);
  ASSERT_FEAT(f, a, "payment.late_months_run", 2);
  ASSERT_FEAT(f, a, "payment.arrears", 150);
  churn_features_free(f);
  churn_options_free(o);
  churn_dataset_free(ds);
  free(fx);
}

Test(features, usage) {
  fixture *fx = fx_new();
  int c = fx_sub(fx, "C", at(-400));
  fx_view(fx, c, at(-100), 600, 1, CHURN_SLOT_PRIME);   /* previous */
  fx_view(fx, c, at(-95), 400, 2, CHURN_SLOT_DAYTIME);  /* previous */
  fx_view(fx, c, at(-80), 100, 1, CHURN_SLOT_PRIME);
  fx_view(fx, c, at(-10), 200, 3, CHURN_SLOT_LATE);
  fx_view(fx, c, at(-10) + HOUR, 50, 3, CHURN_SLOT_PRIME); /* same day as the one before */
  fx_view(fx, c, T0, 50, 4, CHURN_SLOT_MORNING);          /* exactly at T: counts */
  fx_view(fx, c, T0 + 1, 1000, 9, CHURN_SLOT_PRIME);      /* after T: never */
  fx_usage(fx, c, at(-100), 1000, CHURN_USAGE_BROADBAND);
  fx_usage(fx, c, at(-50), 500, CHURN_USAGE_BROADBAND);
  fx_usage(fx, c, at(-10) + 2 * HOUR, 1000, CHURN_USAGE_BROADBAND);
  fx_usage(fx, c, at(-20), 300, CHURN_USAGE_MOBILE_DATA);
  fx_usage(fx, c, at(-120), 200, CHURN_USAGE_MOBILE_VOICE);
  fx_usage(fx, c, at(-30), 50, CHURN_USAGE_MOBILE_VOICE);
  int e = fx_sub(fx, "E", at(-400)); /* no usage at all */
  churn_dataset *ds = fx_build(fx);
  churn_features *f = extract_all(ds, T0, NULL);
  /* recent = 100 + 200 + 50 + 50 = 400, previous = 1000 */
  ASSERT_FEAT(f, c, "usage.view_minutes", 400);
  ASSERT_FEAT(f, c, "usage.view_minutes_prev", 1000);
  ASSERT_FEAT(f, c, "usage.view_drop", 0.6);
  ASSERT_FEAT(f, c, "usage.genres", 3);            /* genres 1, 3, 4 */
  ASSERT_FEAT(f, c, "usage.prime_share", 150.0 / 400.0);
  /* days with a view or usage event in W: -80, -50, -30, -20, -10, 0 */
  ASSERT_FEAT(f, c, "usage.active_days", 6);
  ASSERT_FEAT(f, c, "usage.broadband_mb", 1500);
  ASSERT_FEAT(f, c, "usage.broadband_trend", 0.5);
  ASSERT_FEAT(f, c, "usage.mobile_data_mb", 300);
  ASSERT_FEAT(f, c, "usage.mobile_data_trend", 0);   /* previous is 0 */
  ASSERT_FEAT(f, c, "usage.mobile_voice_min", 50);
  ASSERT_FEAT(f, c, "usage.mobile_voice_trend", -0.75);
  ASSERT_FEAT(f, e, "usage.view_drop", 0);
  ASSERT_FEAT(f, e, "usage.prime_share", 0);
  ASSERT_FEAT(f, e, "usage.active_days", 0);
  churn_features_free(f);

  /* M = 1: W = (T-30d, T], previous = (T-60d, T-30d] */
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_WINDOW_MONTHS, 1));
  f = extract_all(ds, T0, o);
  ASSERT_FEAT(f, c, "usage.view_minutes", 300);
  ASSERT_FEAT(f, c, "usage.view_minutes_prev", 0);
  ASSERT_FEAT(f, c, "usage.broadband_mb", 1000);
  ASSERT_FEAT(f, c, "usage.broadband_trend", 1.0);   /* 1000 vs 500 at -50 */
  ASSERT_FEAT(f, c, "usage.mobile_voice_min", 0);    /* -30 is the window's open end */
  ASSERT_FEAT(f, c, "usage.active_days", 3);         /* -20, -10, 0 */
  churn_features_free(f);
  churn_options_free(o);
  churn_dataset_free(ds);
  free(fx);
}

Test(features, device) {
  fixture *fx = fx_new();
  int d = fx_sub(fx, "D", at(-20));
  fx_simple(fx, d, at(-15), CHURN_EV_HEARTBEAT, 0);
  fx_simple(fx, d, at(-15) + HOUR, CHURN_EV_HEARTBEAT, 0);
  fx_simple(fx, d, at(-10), CHURN_EV_HEARTBEAT, 0);
  fx_simple(fx, d, at(-3), CHURN_EV_CONNECT, 0);
  fx_simple(fx, d, at(-2), CHURN_EV_DISCONNECT, 0);
  fx_simple(fx, d, at(1), CHURN_EV_HEARTBEAT, 0);
  int n = fx_sub(fx, "N", at(-12.25)); /* no device events */
  int old = fx_sub(fx, "OLD", at(-400));
  fx_simple(fx, old, at(-100), CHURN_EV_HEARTBEAT, 0);
  fx_simple(fx, old, at(-89.5) , CHURN_EV_HEARTBEAT, 0);
  churn_dataset *ds = fx_build(fx);
  churn_features *f = extract_all(ds, T0, NULL);
  ASSERT_FEAT(f, d, "device.days_since_connect", 3);
  /* 21 days from activation day to T's day, 3 of them with a connection */
  ASSERT_FEAT(f, d, "device.offline_share", 1.0 - 3.0 / 21.0);
  ASSERT_FEAT(f, n, "device.days_since_connect", 12.25);
  ASSERT_FEAT(f, n, "device.offline_share", 0);
  ASSERT_FEAT(f, old, "device.days_since_connect", 89.5);
  ASSERT_FEAT(f, old, "device.offline_share", 1.0 - 1.0 / 90.0);
  churn_features_free(f);
  churn_dataset_free(ds);
  free(fx);
}

Test(features, service) {
  fixture *fx = fx_new();
  int e = fx_sub(fx, "E", at(-400));
  fx_fault(fx, e, at(-100), 600, AUXNONE);          /* outside W, never fixed: unresolved */
  fx_fault(fx, e, at(-30), 600, 2 * HOUR);          /* 10 min, 2 h: within the commitments */
  fx_fault(fx, e, at(-20), HOUR, 48 * HOUR);        /* 60 min, 48 h: both breached */
  fx_fault(fx, e, T0 - HOUR, AUXNONE, AUXNONE);     /* no contact after 1 h: contact breach */
  fx_fault(fx, e, T0 - 600, 1800, AUXNONE);         /* contact at T+20 min unknown; 10 min old */
  fx_fault(fx, e, at(-2), 300, 3 * DAY);            /* fixed at T+1d: unknown; 2 d old: breach */
  fx_simple(fx, e, at(-5), CHURN_EV_COMPLAINT, 0);
  fx_simple(fx, e, at(-100), CHURN_EV_COMPLAINT, 0);
  churn_dataset *ds = fx_build(fx);
  churn_features *f = extract_all(ds, T0, NULL);
  ASSERT_FEAT(f, e, "service.faults", 5);
  ASSERT_FEAT(f, e, "service.contact_minutes", (10.0 + 60.0 + 5.0) / 3.0);
  ASSERT_FEAT(f, e, "service.fix_hours", (2.0 + 48.0) / 2.0);
  ASSERT_FEAT(f, e, "service.contact_breaches", 2);
  ASSERT_FEAT(f, e, "service.fix_breaches", 2);
  ASSERT_FEAT(f, e, "service.complaints", 1);
  ASSERT_FEAT(f, e, "service.unresolved", 4);
  churn_features_free(f);
  /* commitments of 5 minutes and 1 hour: contact breaches -30 (10 min), -20, T-1h, T-10min
   * (not contacted, 10 min > 5), fix breaches -30 (2 h), -20, -2d, T-1h (exactly 1 h: not more) */
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FEAT_CONTACT_MINUTES, 5));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FEAT_FIX_HOURS, 1));
  f = extract_all(ds, T0, o);
  ASSERT_FEAT(f, e, "service.contact_breaches", 4);
  ASSERT_FEAT(f, e, "service.fix_breaches", 3);
  churn_features_free(f);
  churn_options_free(o);
  churn_dataset_free(ds);
  free(fx);
}

Test(features, account) {
  fixture *fx = fx_new();
  int a = fx_sub(fx, "F", at(-365));
  fx->services[a] = 3;
  fx->contract_end[a] = at(45);
  fx->promotion_end[a] = at(20);
  fx->vip[a] = 1;
  fx_simple(fx, a, at(-100), CHURN_EV_PACKAGE_CHANGE, CHURN_PACKAGE_DOWN);
  fx_simple(fx, a, at(-50), CHURN_EV_PACKAGE_CHANGE, CHURN_PACKAGE_UP);
  fx_simple(fx, a, at(-10), CHURN_EV_PACKAGE_CHANGE, CHURN_PACKAGE_DOWN);
  fx_simple(fx, a, at(-40), CHURN_EV_SUSPEND, CHURN_SUSPEND_VOLUNTARY);
  fx_simple(fx, a, at(-35), CHURN_EV_RESUME, 0);
  fx_simple(fx, a, at(-5), CHURN_EV_SUSPEND, CHURN_SUSPEND_NON_PAYMENT);
  int g = fx_sub(fx, "G", NONE);
  fx->services[g] = -1;
  fx->contract_end[g] = at(-10);
  fx->promotion_end[g] = at(31);
  int h = fx_sub(fx, "H", at(-10));
  fx->promotion_end[h] = at(30);
  fx_simple(fx, h, at(-9), CHURN_EV_SUSPEND, 0);
  fx_simple(fx, h, at(-8), CHURN_EV_RESUME, 0);
  churn_dataset *ds = fx_build(fx);
  churn_features *f = extract_all(ds, T0, NULL);
  ASSERT_FEAT(f, a, "account.tenure_months", 365.0 / 30.0);
  ASSERT_FEAT(f, a, "account.services", 3);
  ASSERT_FEAT(f, a, "account.months_to_contract_end", 1.5);
  ASSERT_FEAT(f, a, "account.in_contract", 1);
  ASSERT_FEAT(f, a, "account.promo_ending", 1);
  ASSERT_FEAT(f, a, "account.downgrades", 1);
  ASSERT_FEAT(f, a, "account.upgrades", 1);
  ASSERT_FEAT(f, a, "account.suspensions", 2);
  ASSERT_FEAT(f, a, "account.suspended", 1);
  ASSERT_FEAT(f, a, "account.vip", 1);
  ASSERT_FEAT(f, g, "account.tenure_months", 0);
  ASSERT_FEAT(f, g, "account.services", 0);
  ASSERT_FEAT(f, g, "account.months_to_contract_end", 0);
  ASSERT_FEAT(f, g, "account.in_contract", 0);
  ASSERT_FEAT(f, g, "account.promo_ending", 0);
  ASSERT_FEAT(f, g, "account.vip", 0);
  ASSERT_FEAT(f, g, "account.arpu", 0);
  ASSERT_FEAT(f, h, "account.promo_ending", 1); /* exactly N = 30 days ahead */
  ASSERT_FEAT(f, h, "account.suspended", 0);
  ASSERT_FEAT(f, h, "account.suspensions", 1);
  churn_features_free(f);
  churn_dataset_free(ds);
  free(fx);
}

/* Tiers high, low, low, mid, (missing): "low" is the most frequent and is left out. */
static churn_dataset *categorical_dataset(void) {
  fixture *fx = fx_new();
  const char *tiers[] = {"high", "low", "low", "mid", NULL};
  const char *channels[] = {"web", "shop", "shop", NULL, "web"};
  double ages[] = {30, 41.5, NAN, 50, 60};
  for (int i = 0; i < 5; i++) {
    char *id = malloc(8);
    snprintf(id, 8, "s%d", i);
    int s = fx_sub(fx, id, at(-100));
    fx->tier[s] = tiers[i];
    fx->channel[s] = channels[i];
    fx->age[s] = ages[i];
  }
  churn_dataset *ds = fx_build(fx);
  for (int i = 0; i < 5; i++) free((void *)fx->id[i]);
  free(fx);
  return ds;
}

static void assert_names(const churn_features *f, const char *const *expected, int n) {
  cr_assert_eq(churn_features_ncols(f), n);
  for (int j = 0; j < n; j++) {
    cr_assert_str_eq(churn_features_names(f)[j], expected[j]);
  }
}

Test(features, categorical_and_attributes) {
  churn_dataset *ds = categorical_dataset();
  const char *sel[] = {"account.tier", "attr.age", "attr.channel"};
  churn_features *f = NULL;
  int64_t T = T0;
  ASSERT_OK(churn_features_extract(ds, &T, 1, sel, 3, NULL, &f));
  /* channel: shop (2) beats web (2)? tie: web was seen first, so web is the reference */
  const char *want[] = {"account.tier=high", "account.tier=mid", "attr.age", "attr.channel=shop"};
  assert_names(f, want, 4);
  double expected[5][4] = {{1, 0, 30, 0}, {0, 0, 41.5, 1}, {0, 0, 0, 1}, {0, 1, 50, 0},
                           {0, 0, 60, 0}};
  const double *X = churn_features_matrix(f);
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 4; j++) cr_assert_eq(X[i * 4 + j], expected[i][j], "X[%d][%d]", i, j);
  churn_features_free(f);

  /* reference = first label; and none; missing numeric -> the option's value */
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_ONEHOT_REFERENCE, 1));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FEAT_ATTR_MISSING, -1));
  ASSERT_OK(churn_features_extract(ds, &T, 1, sel, 3, o, &f));
  const char *want1[] = {"account.tier=low", "account.tier=mid", "attr.age", "attr.channel=shop"};
  assert_names(f, want1, 4);
  cr_assert_eq(churn_features_matrix(f)[2 * 4 + 2], -1.0);
  churn_features_free(f);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_ONEHOT_REFERENCE, 2));
  ASSERT_OK(churn_features_extract(ds, &T, 1, sel, 1, o, &f));
  const char *want2[] = {"account.tier=high", "account.tier=low", "account.tier=mid"};
  assert_names(f, want2, 3);
  churn_features_free(f);

  /* single one-hot columns by name, and groups */
  const char *one[] = {"account.tier=low", "attr.channel=web", "payment.arrears"};
  ASSERT_OK(churn_features_extract(ds, &T, 1, one, 3, NULL, &f));
  assert_names(f, one, 3);
  cr_assert_eq(churn_features_matrix(f)[1 * 3 + 0], 1.0);
  cr_assert_eq(churn_features_matrix(f)[4 * 3 + 1], 1.0);
  churn_features_free(f);
  const char *groups[] = {"attr.*", "device.*"};
  ASSERT_OK(churn_features_extract(ds, &T, 1, groups, 2, NULL, &f));
  const char *want3[] = {"attr.age", "attr.channel=shop", "device.days_since_connect",
                         "device.offline_share"};
  assert_names(f, want3, 4);
  churn_features_free(f);
  churn_options_free(o);
  churn_dataset_free(ds);
}

/* Scoring a dataset that lacks a label the model was trained with. */
Test(features, unknown_label_as_zeros) {
  churn_dataset *ds = categorical_dataset();
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_UNKNOWN_LABEL, 1));
  const char *sel[] = {"account.tier=platinum", "account.tier=high", "attr.channel=phone"};
  churn_features *f = NULL;
  int64_t T = T0;
  ASSERT_OK(churn_features_extract(ds, &T, 1, sel, 3, o, &f));
  assert_names(f, sel, 3);
  const double *X = churn_features_matrix(f);
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(X[i * 3 + 0], 0.0);
    cr_assert_eq(X[i * 3 + 1], i == 0 ? 1.0 : 0.0);
    cr_assert_eq(X[i * 3 + 2], 0.0);
  }
  churn_features_free(f);
  /* still an error for a feature that does not exist at all */
  const char *bad[] = {"account.nothing=x"};
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, bad, 1, o, &f), CHURN_E_NOT_FOUND,
               "account.nothing=x");
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(features, everything_by_default) {
  churn_dataset *ds = categorical_dataset();
  churn_features *f = extract_all(ds, T0, NULL);
  /* 37 numeric catalog features + tier (2 one-hot) + age + channel (1) */
  cr_assert_eq(churn_features_ncols(f), 37 + 2 + 1 + 1);
  churn_category cat;
  for (int64_t j = 0; j < churn_features_ncols(f); j++) {
    const char *name = NULL;
    ASSERT_OK(churn_features_column(f, j, &name, &cat));
    churn_category c2;
    ASSERT_OK(churn_feature_category(name, &c2));
    cr_assert_eq(cat, c2, "%s", name);
  }
  churn_features_free(f);
  churn_dataset_free(ds);
}

Test(features, catalog) {
  int64_t n = churn_feature_catalog_size();
  cr_assert_eq(n, 41); /* 37 numeric + tier, region, age_band, package */
  for (int64_t i = 0; i < n; i++) {
    const char *name = NULL, *desc = NULL;
    churn_category c;
    ASSERT_OK(churn_feature_info(i, &name, &desc, &c));
    cr_assert(name && desc && strlen(desc) > 10);
    churn_category c2;
    ASSERT_OK(churn_feature_category(name, &c2));
    cr_assert_eq(c, c2);
  }
  churn_category c;
  ASSERT_OK(churn_feature_category("service.fix_breaches", &c));
  cr_assert_eq(c, CHURN_CATEGORY_SERVICE);
  /* only where the domain ties a cause (churn.h's catalog): arrears, silence and an offline box
   * must be asked; price and an ending promotion point to competitors */
  ASSERT_OK(churn_feature_category("payment.arrears", &c));
  cr_assert_eq(c, CHURN_CATEGORY_UNKNOWN);
  ASSERT_OK(churn_feature_category("usage.view_drop", &c));
  cr_assert_eq(c, CHURN_CATEGORY_UNKNOWN);
  ASSERT_OK(churn_feature_category("device.offline_share", &c));
  cr_assert_eq(c, CHURN_CATEGORY_UNKNOWN);
  ASSERT_OK(churn_feature_category("account.promo_ending", &c));
  cr_assert_eq(c, CHURN_CATEGORY_COMPETITIVE);
  ASSERT_OK(churn_feature_category("account.arpu_change", &c));
  cr_assert_eq(c, CHURN_CATEGORY_COMPETITIVE);
  ASSERT_OK(churn_feature_category("account.package=gold", &c));
  cr_assert_eq(c, CHURN_CATEGORY_UNKNOWN);
  ASSERT_OK(churn_feature_category("attr.anything=x", &c));
  cr_assert_eq(c, CHURN_CATEGORY_UNKNOWN);
  ASSERT_FAILS(churn_feature_category("payment.arrears=1", &c), CHURN_E_NOT_FOUND,
               "payment.arrears=1");
  ASSERT_FAILS(churn_feature_category("nope", &c), CHURN_E_NOT_FOUND, "'nope'");
  ASSERT_FAILS(churn_feature_category(NULL, &c), CHURN_E_ARG, "name is NULL");
  ASSERT_FAILS(churn_feature_category("payment.arrears", NULL), CHURN_E_ARG, "category");
  ASSERT_FAILS(churn_feature_info(n, NULL, NULL, NULL), CHURN_E_NOT_FOUND, "index 41");
  ASSERT_FAILS(churn_feature_info(-1, NULL, NULL, NULL), CHURN_E_NOT_FOUND, "index -1");
}

Test(features, rows_at_T) {
  fixture *fx = fx_new();
  int before = fx_sub(fx, "before", at(-10));
  int at_t = fx_sub(fx, "activated_at_T", T0);
  fx_sub(fx, "after", T0 + 1);
  int unknown = fx_sub(fx, "unknown_activation", NONE);
  int cancelled_at_t = fx_sub(fx, "cancelled_at_T", at(-10));
  fx->cancellation[cancelled_at_t] = T0;
  int cancelled_later = fx_sub(fx, "cancelled_later", at(-10));
  fx->cancellation[cancelled_later] = T0 + 1;
  int cancel_event = fx_sub(fx, "cancel_event", at(-10));
  fx_simple(fx, cancel_event, at(-1), CHURN_EV_CANCEL, CHURN_REASON_PRICE);
  int cancel_event_later = fx_sub(fx, "cancel_event_later", at(-10));
  fx_simple(fx, cancel_event_later, at(1), CHURN_EV_CANCEL, CHURN_REASON_PRICE);
  churn_dataset *ds = fx_build(fx);
  int64_t times[2] = {T0, at(-5)};
  churn_features *f = NULL;
  const char *sel[] = {"account.tenure_months"};
  ASSERT_OK(churn_features_extract(ds, times, 2, sel, 1, NULL, &f));
  int64_t want_sub[] = {before, at_t, unknown, cancelled_later, cancel_event_later,
                        /* at T-5: the cancel event at -1 has not happened yet */
                        before, unknown, cancelled_at_t, cancelled_later, cancel_event,
                        cancel_event_later};
  int64_t n = sizeof want_sub / sizeof want_sub[0];
  cr_assert_eq(churn_features_nrows(f), n);
  for (int64_t r = 0; r < n; r++) {
    cr_assert_eq(churn_features_subscribers(f)[r], want_sub[r], "row %lld", (long long)r);
    cr_assert_eq(churn_features_times(f)[r], r < 5 ? T0 : at(-5), "row %lld", (long long)r);
  }
  ASSERT_FEAT(f, at_t, "account.tenure_months", 0);
  churn_features_free(f);
  churn_dataset_free(ds);
  free(fx);
}

Test(features, empty_dataset_and_history) {
  fixture *fx = fx_new();
  churn_dataset *ds = fx_build(fx); /* no subscribers */
  churn_features *f = extract_all(ds, T0, NULL);
  cr_assert_eq(churn_features_nrows(f), 0);
  cr_assert_eq(churn_features_ncols(f), 37);
  churn_features_free(f);
  churn_dataset_free(ds);
  int s = fx_sub(fx, "empty", at(-60));
  ds = fx_build(fx);
  f = extract_all(ds, T0, NULL);
  cr_assert_eq(churn_features_nrows(f), 1);
  for (int64_t j = 0; j < churn_features_ncols(f); j++) {
    const char *name = churn_features_names(f)[j];
    double want = 0;
    if (strcmp(name, "payment.days_since_payment") == 0) want = 60;
    if (strcmp(name, "device.days_since_connect") == 0) want = 60;
    if (strcmp(name, "account.tenure_months") == 0) want = 2;
    if (strcmp(name, "account.services") == 0) want = 1;
    ASSERT_FEAT(f, s, name, want);
  }
  churn_features_free(f);
  churn_dataset_free(ds);
  free(fx);
}

/* --- no leakage: anything after T changes nothing at T ------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}
static int64_t rnd_int(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

/* A random event of any kind at time t, with random facts (some of them after T). */
static void random_event(fixture *fx, int s, int64_t t) {
  int kind = (int)rnd_int(1, 16);
  int64_t code = rnd_int(0, 5), code2 = rnd_int(0, 4);
  int64_t a1 = rnd_int(0, 3) == 0 ? AUXNONE : rnd_int(0, 5 * DAY);
  int64_t a2 = rnd_int(0, 3) == 0 ? AUXNONE : rnd_int(0, 5 * DAY);
  if (kind == CHURN_EV_CANCEL) kind = CHURN_EV_RETENTION; /* a cancel would end the row */
  if (kind == CHURN_EV_CANCEL || kind == CHURN_EV_RETENTION) code = rnd_int(0, 3);
  if (kind == CHURN_EV_PACKAGE_CHANGE) code = rnd_int(0, 2), a1 = AUXNONE;
  if (kind == CHURN_EV_SUSPEND || kind == CHURN_EV_RESUME) code = rnd_int(0, 2);
  if (kind == CHURN_EV_USAGE) code = rnd_int(0, 3);
  if (kind == CHURN_EV_CALLBACK) code = rnd_int(0, 5);
  if (kind == CHURN_EV_VIEW) code = rnd_int(0, 40);
  double value = (double)rnd_int(1, 20000) / 7.0;
  fx_ev(fx, s, t, kind, value, code, code2, a1, a2);
}

Test(features, no_leakage_property) {
  for (int trial = 0; trial < 12; trial++) {
    rng_state = 0x9E3779B97F4A7C15ull + (uint64_t)trial * 7919;
    fixture *base = fx_new();
    int nsubs = 20;
    char ids[20][8];
    for (int s = 0; s < nsubs; s++) {
      snprintf(ids[s], sizeof ids[s], "u%d", s);
      fx_sub(base, ids[s], at(-(double)rnd_int(1, 500)));
      base->contract_end[s] = rnd_int(0, 1) ? at((double)rnd_int(-100, 100)) : NONE;
      base->promotion_end[s] = rnd_int(0, 1) ? at((double)rnd_int(-100, 100)) : NONE;
    }
    for (int k = 0; k < 600; k++) {
      int s = (int)rnd_int(0, nsubs - 1);
      int64_t t = base->activation[s] + rnd_int(0, T0 - base->activation[s]);
      if (rnd_int(0, 9) == 0) t = T0; /* exactly at T */
      random_event(base, s, t);
    }
    fixture *more = fx_new();
    memcpy(more, base, sizeof *base);
    for (int k = 0; k < 600; k++) {
      int s = (int)rnd_int(0, nsubs - 1);
      int64_t t = T0 + rnd_int(1, 200 * DAY);
      if (rnd_int(0, 9) == 0) t = T0 + 1;
      random_event(more, s, t);
      if (rnd_int(0, 20) == 0) fx_simple(more, s, t, CHURN_EV_CANCEL, CHURN_REASON_MOVING);
    }
    for (int s = 0; s < nsubs; s += 3) more->cancellation[s] = T0 + rnd_int(1, 100 * DAY);
    churn_dataset *d1 = fx_build(base), *d2 = fx_build(more);
    int64_t times[2] = {T0, at(-45.5)};
    churn_features *f1 = NULL, *f2 = NULL;
    ASSERT_OK(churn_features_extract(d1, times, 2, NULL, 0, NULL, &f1));
    ASSERT_OK(churn_features_extract(d2, times + 0, 1, NULL, 0, NULL, &f2));
    int64_t n2 = churn_features_nrows(f2), d = churn_features_ncols(f1);
    cr_assert_eq(churn_features_ncols(f2), d);
    /* the first block of f1 is T0 */
    cr_assert_eq(n2, nsubs);
    for (int64_t i = 0; i < n2 * d; i++) {
      cr_assert_eq(memcmp(&churn_features_matrix(f1)[i], &churn_features_matrix(f2)[i], 8), 0,
                   "trial %d: row %lld column %s differs: %.17g vs %.17g", trial,
                   (long long)(i / d), churn_features_names(f1)[i % d],
                   churn_features_matrix(f1)[i], churn_features_matrix(f2)[i]);
    }
    churn_features_free(f1);
    churn_features_free(f2);
    churn_dataset_free(d1);
    churn_dataset_free(d2);
    free(base);
    free(more);
  }
}

Test(features, threads_do_not_change_the_result) {
  rng_state = 12345;
  fixture *fx = fx_new();
  char ids[FX_MAX_SUBS][8];
  for (int s = 0; s < FX_MAX_SUBS; s++) {
    snprintf(ids[s], sizeof ids[s], "t%d", s);
    fx_sub(fx, ids[s], at(-300));
  }
  for (int k = 0; k < FX_MAX_EVENTS; k++) {
    int s = (int)rnd_int(0, FX_MAX_SUBS - 1);
    random_event(fx, s, at(-300) + rnd_int(0, 300 * DAY));
  }
  churn_dataset *ds = fx_build(fx);
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  int64_t times[3] = {T0, at(-100), at(-30)};
  churn_features *f1 = NULL, *f4 = NULL;
  ASSERT_OK(churn_features_extract(ds, times, 3, NULL, 0, o, &f1));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_THREADS, 4));
  ASSERT_OK(churn_features_extract(ds, times, 3, NULL, 0, o, &f4));
  int64_t n = churn_features_nrows(f1), d = churn_features_ncols(f1);
  cr_assert_eq(n, 3 * FX_MAX_SUBS);
  cr_assert_eq(churn_features_nrows(f4), n);
  cr_assert_eq(memcmp(churn_features_matrix(f1), churn_features_matrix(f4),
                      (size_t)(n * d) * sizeof(double)), 0);
  cr_assert_eq(memcmp(churn_features_subscribers(f1), churn_features_subscribers(f4),
                      (size_t)n * 8), 0);
  churn_features_free(f1);
  churn_features_free(f4);
  churn_options_free(o);
  churn_dataset_free(ds);
  free(fx);
}

/* Many subscribers, so that the work is split into many tasks: 1, 2 and 3 threads agree. */
Test(features, threads_over_many_blocks) {
  enum { S = 3000, PER = 40 };
  int64_t *ids = malloc(S * sizeof *ids), *act = malloc(S * sizeof *act);
  int64_t n = (int64_t)S * PER;
  int64_t *sub = malloc((size_t)n * 8), *t = malloc((size_t)n * 8), *kind = malloc((size_t)n * 8);
  int64_t *code = malloc((size_t)n * 8);
  double *value = malloc((size_t)n * 8);
  rng_state = 777;
  for (int s = 0; s < S; s++) {
    ids[s] = 1000 + s;
    act[s] = at(-400);
  }
  static const int kinds[] = {CHURN_EV_VIEW, CHURN_EV_VIEW, CHURN_EV_HEARTBEAT, CHURN_EV_USAGE,
                              CHURN_EV_BILL, CHURN_EV_PAYMENT, CHURN_EV_COMPLAINT};
  for (int64_t i = 0; i < n; i++) {
    sub[i] = i / PER;
    t[i] = at(-400) + rnd_int(0, 500 * DAY);
    kind[i] = kinds[rnd() % 7];
    code[i] = kind[i] == CHURN_EV_USAGE ? rnd_int(0, 3) : rnd_int(0, 9);
    value[i] = (double)rnd_int(1, 100);
  }
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_dataset_new(&ds));
  churn_column sc[2] = {{"subscriber_id", CHURN_I64, ids, S, NULL, 0},
                        {"activation", CHURN_I64, act, S, NULL, 0}};
  ASSERT_OK(churn_dataset_append_subscribers(ds, sc, 2, NULL));
  churn_column ec[5] = {{"subscriber_index", CHURN_I64, sub, n, NULL, 0},
                        {"time", CHURN_I64, t, n, NULL, 0},
                        {"kind", CHURN_I64, kind, n, NULL, 0},
                        {"code", CHURN_I64, code, n, NULL, 0},
                        {"value", CHURN_F64, value, n, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 5, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  int64_t times[2] = {T0, at(-50)};
  churn_features *ref = NULL;
  ASSERT_OK(churn_features_extract(ds, times, 2, NULL, 0, o, &ref));
  cr_assert_eq(churn_features_nrows(ref), 2 * S);
  for (int threads = 2; threads <= 3; threads++) {
    churn_features *f = NULL;
    ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_THREADS, threads));
    ASSERT_OK(churn_features_extract(ds, times, 2, NULL, 0, o, &f));
    int64_t cells = churn_features_nrows(f) * churn_features_ncols(f);
    cr_assert_eq(churn_features_nrows(f), 2 * S);
    cr_assert_eq(memcmp(churn_features_matrix(f), churn_features_matrix(ref),
                        (size_t)cells * sizeof(double)), 0, "%d threads", threads);
    cr_assert_eq(memcmp(churn_features_times(f), churn_features_times(ref), 2 * S * 8), 0);
    churn_features_free(f);
  }
  churn_table *w1 = NULL, *w3 = NULL;
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_THREADS, 1));
  ASSERT_OK(churn_warnings_compute(ds, T0, o, &w1));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FEAT_THREADS, 3));
  ASSERT_OK(churn_warnings_compute(ds, T0, o, &w3));
  cr_assert_eq(churn_table_nrows(w1), churn_table_nrows(w3));
  cr_assert_gt(churn_table_nrows(w1), 0);
  churn_table_free(w1);
  churn_table_free(w3);
  churn_features_free(ref);
  churn_options_free(o);
  churn_dataset_free(ds);
  free(ids), free(act), free(sub), free(t), free(kind), free(code), free(value);
}

/* --- errors --------------------------------------------------------------------------------- */

Test(features, errors) {
  churn_dataset *ds = categorical_dataset();
  churn_features *f = NULL;
  int64_t T = T0, bad = CHURN_TIME_NONE;
  ASSERT_FAILS(churn_features_extract(NULL, &T, 1, NULL, 0, NULL, &f), CHURN_E_ARG, "ds is NULL");
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, NULL, 0, NULL, NULL), CHURN_E_ARG, "out is NULL");
  ASSERT_FAILS(churn_features_extract(ds, NULL, 1, NULL, 0, NULL, &f), CHURN_E_ARG, "as_of is NULL");
  ASSERT_FAILS(churn_features_extract(ds, &T, 0, NULL, 0, NULL, &f), CHURN_E_ARG, "ntimes is 0");
  ASSERT_FAILS(churn_features_extract(ds, &bad, 1, NULL, 0, NULL, &f), CHURN_E_ARG, "as_of[0]");
  const char *unknown[] = {"payment.arrears", "usage.nonsense"};
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, unknown, 2, NULL, &f), CHURN_E_NOT_FOUND,
               "'usage.nonsense'");
  const char *label[] = {"account.tier=platinum"};
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, label, 1, NULL, &f), CHURN_E_NOT_FOUND,
               "account.tier=platinum");
  const char *numeq[] = {"attr.age=3"};
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, numeq, 1, NULL, &f), CHURN_E_NOT_FOUND,
               "attr.age=3");
  const char *group[] = {"billing.*"};
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, group, 1, NULL, &f), CHURN_E_NOT_FOUND,
               "billing.*");
  const char *twice[] = {"account.tier", "account.tier=high"};
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, twice, 2, NULL, &f), CHURN_E_ARG,
               "'account.tier=high' is selected twice");
  const char *null_name[] = {"payment.arrears", NULL};
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, null_name, 2, NULL, &f), CHURN_E_ARG,
               "feature name 1 is NULL");
  cr_assert_null(f);
  /* a dataset changed after finalize */
  int64_t sub = 0, time = T0, kind = CHURN_EV_COMPLAINT;
  churn_column ec[3] = {{"subscriber_index", CHURN_I64, &sub, 1, NULL, 0},
                        {"time", CHURN_I64, &time, 1, NULL, 0},
                        {"kind", CHURN_I64, &kind, 1, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 3, NULL));
  ASSERT_FAILS(churn_features_extract(ds, &T, 1, NULL, 0, NULL, &f), CHURN_E_STATE,
               "not finalized");
  /* options out of range are refused by the options object */
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_FEAT_WINDOW_MONTHS, 0), CHURN_E_RANGE,
               "features.window_months");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_FEAT_CONTACT_MINUTES, -1), CHURN_E_RANGE,
               "features.contact_minutes");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_FEAT_ONEHOT_REFERENCE, 3), CHURN_E_RANGE,
               "features.onehot_reference");
  churn_options_free(o);
  /* accessors on NULL */
  cr_assert_eq(churn_features_nrows(NULL), 0);
  cr_assert_eq(churn_features_ncols(NULL), 0);
  cr_assert_null(churn_features_matrix(NULL));
  cr_assert_null(churn_features_names(NULL));
  cr_assert_null(churn_features_subscribers(NULL));
  cr_assert_null(churn_features_times(NULL));
  ASSERT_FAILS(churn_features_column(NULL, 0, NULL, NULL), CHURN_E_ARG, "f is NULL");
  churn_features_free(NULL);
  churn_dataset_free(ds);
}

Test(features, column_out_of_range) {
  churn_dataset *ds = categorical_dataset();
  churn_features *f = extract_all(ds, T0, NULL);
  ASSERT_FAILS(churn_features_column(f, churn_features_ncols(f), NULL, NULL), CHURN_E_ARG,
               "column 41");
  churn_features_free(f);
  churn_dataset_free(ds);
}

/* Every allocation of an extraction fails in turn: a clean error, never a crash or a leak. */
Test(features, allocation_failures) {
  churn_dataset *ds = categorical_dataset();
  int64_t times[2] = {T0, at(-10)};
  churn_testing_fail_alloc(0);
  churn_features *f = NULL;
  ASSERT_OK(churn_features_extract(ds, times, 2, NULL, 0, NULL, &f));
  uint64_t count = churn_testing_fail_alloc(0);
  churn_features_free(f);
  cr_assert(count > 5);
  for (uint64_t k = 1; k <= count; k++) {
    f = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_features_extract(ds, times, 2, NULL, 0, NULL, &f);
    churn_testing_fail_alloc(0);
    if (st == CHURN_OK) {
      churn_features_free(f);
      continue;
    }
    cr_assert_eq(st, CHURN_E_NOMEM, "k=%llu: %s", (unsigned long long)k, churn_last_error());
    cr_assert_null(f);
  }
  churn_dataset_free(ds);
}
