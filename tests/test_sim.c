/*
 * test_sim.c -- the operator simulator (lib/sim.c): determinism across seeds and thread counts,
 * every event kind present, realistic monthly churn and category shares, churn signals that
 * precede the cancellation (computed here straight from the event columns), the truth table
 * against the cancellation events, and the error paths.
 */
#include "helpers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400
#define START 1704067200 /* 2024-01-01T00:00:00Z, the default start */

typedef struct sim {
  churn_dataset *ds;
  churn_table *truth;
  int64_t S, E;
  const int32_t *sub;
  const int64_t *time;
  const uint8_t *kind, *code;
  const double *value;
  const int32_t *aux1, *aux2;
  const int64_t *off;
  const int64_t *activation, *cancellation;
} sim;

static churn_options *sim_opts(int64_t n, int64_t months, int64_t seed, int64_t threads) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, n));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, months));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SEED, seed));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_THREADS, threads));
  return o;
}

static sim run_sim(int64_t n, int64_t months, int64_t seed, int64_t threads) {
  sim s;
  memset(&s, 0, sizeof s);
  churn_options *o = sim_opts(n, months, seed, threads);
  ASSERT_OK(churn_simulate(o, &s.ds, &s.truth));
  churn_options_free(o);
  s.S = churn_dataset_num_subscribers(s.ds);
  s.E = churn_dataset_num_events(s.ds);
  s.sub = dataset_event_col(s.ds, "subscriber");
  s.time = dataset_event_col(s.ds, "time");
  s.kind = dataset_event_col(s.ds, "kind");
  s.code = dataset_event_col(s.ds, "code");
  s.value = dataset_event_col(s.ds, "value");
  s.aux1 = dataset_event_col(s.ds, "aux1");
  s.aux2 = dataset_event_col(s.ds, "aux2");
  ASSERT_OK(churn_dataset_event_offsets(s.ds, &s.off));
  s.activation = dataset_subscriber_col(s.ds, "activation");
  s.cancellation = dataset_subscriber_col(s.ds, "cancellation");
  return s;
}

static void free_sim(sim *s) {
  churn_dataset_free(s->ds);
  churn_table_free(s->truth);
}

static const int64_t *truth_i64(const sim *s, const char *name) {
  return table_i64(s->truth, name);
}

static const double *truth_f64(const sim *s, const char *name) {
  return table_f64(s->truth, name);
}

/* Calendar month starts from the C library (an independent oracle of the simulator's calendar). */
static int64_t month_start(int64_t k) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = 2024 - 1900 + (int)(k / 12);
  tm.tm_mon = (int)(k % 12);
  tm.tm_mday = 1;
  return (int64_t)timegm(&tm);
}

/* --- determinism --------------------------------------------------------------------------- */

static void assert_same_columns(const sim *a, const sim *b) {
  cr_assert_eq(a->S, b->S);
  cr_assert_eq(a->E, b->E);
  size_t E = (size_t)a->E;
  cr_assert(memcmp(a->sub, b->sub, E * sizeof *a->sub) == 0);
  cr_assert(memcmp(a->time, b->time, E * sizeof *a->time) == 0);
  cr_assert(memcmp(a->kind, b->kind, E) == 0);
  cr_assert(memcmp(a->code, b->code, E) == 0);
  cr_assert(memcmp(a->value, b->value, E * sizeof *a->value) == 0);
  cr_assert(memcmp(a->aux1, b->aux1, E * sizeof *a->aux1) == 0);
  cr_assert(memcmp(a->aux2, b->aux2, E * sizeof *a->aux2) == 0);
  cr_assert(memcmp(a->activation, b->activation, (size_t)a->S * 8) == 0);
  cr_assert(memcmp(a->cancellation, b->cancellation, (size_t)a->S * 8) == 0);
  const double *pa = dataset_subscriber_col(a->ds, "price"), *pb = dataset_subscriber_col(b->ds, "price");
  cr_assert(memcmp(pa, pb, (size_t)a->S * 8) == 0);
  const double *ra = truth_f64(a, "latent_risk"), *rb = truth_f64(b, "latent_risk");
  cr_assert(memcmp(ra, rb, (size_t)a->S * 8) == 0);
  cr_assert(memcmp(truth_i64(a, "driver"), truth_i64(b, "driver"), (size_t)a->S * 8) == 0);
}

Test(sim, same_seed_same_data_whatever_the_threads) {
  sim a = run_sim(1500, 12, 7, 1);
  sim b = run_sim(1500, 12, 7, 2);
  sim c = run_sim(1500, 12, 7, 3);
  assert_same_columns(&a, &b);
  assert_same_columns(&a, &c);
  free_sim(&a);
  free_sim(&b);
  free_sim(&c);
}

Test(sim, different_seeds_differ) {
  sim a = run_sim(800, 6, 1, 0);
  sim b = run_sim(800, 6, 2, 0);
  cr_assert_eq(a.S, b.S);  /* sizes follow the options, contents the seed */
  bool differ = a.E != b.E;
  size_t n = (size_t)(a.E < b.E ? a.E : b.E);
  if (!differ) differ = memcmp(a.time, b.time, n * 8) != 0;
  cr_assert(differ);
  cr_assert(memcmp(a.activation, b.activation, (size_t)a.S * 8) != 0);
  free_sim(&a);
  free_sim(&b);
}

/* --- shape of the data ------------------------------------------------------------------------- */

Test(sim, every_event_kind_and_sane_events) {
  sim s = run_sim(3000, 24, 11, 0);
  cr_assert(churn_dataset_is_finalized(s.ds));
  cr_assert_gt(s.S, 3000);  /* new activations came in */
  int64_t counts[CHURN_EV_KIND_END_] = {0};
  for (int64_t e = 0; e < s.E; e++) {
    cr_assert(s.kind[e] >= 1 && s.kind[e] < CHURN_EV_KIND_END_);
    counts[s.kind[e]]++;
    cr_assert(isfinite(s.value[e]));
  }
  for (int k = 1; k < CHURN_EV_KIND_END_; k++) {
    cr_assert_gt(counts[k], 0, "no %s event", churn_event_kind_name(k));
  }
  /* bounded volume: the demo's budget is ~100-200 events per subscriber-year */
  double sub_years = 0;
  int64_t end = month_start(24);
  for (int64_t i = 0; i < s.S; i++) {
    int64_t a = s.activation[i] > START ? s.activation[i] : START;
    int64_t b = s.cancellation[i] != CHURN_TIME_NONE ? s.cancellation[i] : end;
    if (b > a) sub_years += (double)(b - a) / (365.25 * DAY);
  }
  double per_year = (double)s.E / sub_years;
  cr_assert(per_year > 60 && per_year < 220, "%.1f events per subscriber-year", per_year);
  /* per subscriber: sorted, within [activation, cancellation], nothing after a CANCEL */
  for (int64_t i = 0; i < s.S; i++) {
    for (int64_t e = s.off[i]; e < s.off[i + 1]; e++) {
      cr_assert(s.time[e] >= s.activation[i]);
      cr_assert(s.time[e] < end || s.kind[e] == CHURN_EV_ACTIVATION);
      if (e > s.off[i]) cr_assert(s.time[e] >= s.time[e - 1]);
      if (s.cancellation[i] != CHURN_TIME_NONE) cr_assert(s.time[e] <= s.cancellation[i]);
      if (s.kind[e] == CHURN_EV_FAULT) {
        cr_assert(s.aux1[e] > 0 && s.aux2[e] > s.aux1[e]);  /* contact, then fix */
      }
      if (s.kind[e] == CHURN_EV_BILL) cr_assert(s.value[e] > 0 && s.aux1[e] == 20 * DAY);
    }
  }
  /* SLA: some faults breach the 20-minute first contact and the 24-hour fix, most do not */
  int64_t faults = 0, contact_breach = 0, fix_breach = 0;
  for (int64_t e = 0; e < s.E; e++) {
    if (s.kind[e] != CHURN_EV_FAULT) continue;
    faults++;
    contact_breach += s.aux1[e] > 20 * 60;
    fix_breach += s.aux2[e] > 24 * 3600;
  }
  cr_assert(contact_breach > 0.05 * faults && contact_breach < 0.4 * faults);
  cr_assert(fix_breach > 0.03 * faults && fix_breach < 0.4 * faults);
  free_sim(&s);
}

Test(sim, subscriber_profile_is_realistic) {
  sim s = run_sim(4000, 6, 5, 0);
  const int32_t *tier = dataset_subscriber_col(s.ds, "tier");
  const uint8_t *vip = dataset_subscriber_col(s.ds, "vip");
  const int32_t *services = dataset_subscriber_col(s.ds, "services");
  const double *price = dataset_subscriber_col(s.ds, "price");
  const char *label;
  int32_t ntier;
  ASSERT_OK(churn_dataset_category_label(s.ds, "tier", -1, NULL, &ntier));
  int32_t high = -1;
  for (int32_t c = 0; c < ntier; c++) {
    ASSERT_OK(churn_dataset_category_label(s.ds, "tier", c, &label, NULL));
    if (strcmp(label, "high") == 0) high = c;
  }
  cr_assert_geq(high, 0);
  int64_t nhigh = 0, nvip = 0;
  for (int64_t i = 0; i < s.S; i++) {
    nhigh += tier[i] == high;
    nvip += vip[i];
    cr_assert(services[i] >= 1 && services[i] <= 3);
    cr_assert(price[i] > 0 && price[i] < 200);
  }
  double hs = (double)nhigh / (double)s.S, vs = (double)nvip / (double)s.S;
  cr_assert(hs > 0.02 && hs < 0.10, "high tier share %.3f", hs);
  cr_assert(vs > 0.01 && vs < hs + 0.02, "vip share %.3f", vs);
  for (const char *col = "region"; col; col = strcmp(col, "region") == 0 ? "age_band" : NULL) {
    int32_t n;
    ASSERT_OK(churn_dataset_category_label(s.ds, col, -1, NULL, &n));
    cr_assert_geq(n, 5);
  }
  free_sim(&s);
}

/* --- churn ------------------------------------------------------------------------------------- */

Test(sim, monthly_churn_rate_is_realistic) {
  sim s = run_sim(4000, 24, 3, 0);
  for (int64_t m = 0; m < 24; m++) {
    int64_t ms = month_start(m), me = month_start(m + 1), base = 0, churned = 0;
    for (int64_t i = 0; i < s.S; i++) {
      bool active = s.activation[i] < ms &&
                    (s.cancellation[i] == CHURN_TIME_NONE || s.cancellation[i] >= ms);
      if (!active) continue;
      base++;
      churned += s.cancellation[i] != CHURN_TIME_NONE && s.cancellation[i] < me;
    }
    double rate = (double)churned / (double)base;
    cr_assert(rate >= 0.01 && rate <= 0.04, "month %lld: churn %.4f (%lld of %lld)",
              (long long)m, rate, (long long)churned, (long long)base);
  }
  free_sim(&s);
}

Test(sim, categories_and_drivers_are_all_present) {
  sim s = run_sim(4000, 24, 4, 0);
  const int64_t *cat = truth_i64(&s, "category"), *drv = truth_i64(&s, "driver");
  int64_t nc[4] = {0}, nd[CHURN_DRIVER_END_] = {0}, churners = 0;
  for (int64_t i = 0; i < s.S; i++) {
    cr_assert(cat[i] >= 0 && cat[i] <= 3);
    nc[cat[i]]++;
    nd[drv[i]]++;
    churners += cat[i] != 0;
  }
  for (int c = 1; c <= 3; c++) {
    double share = (double)nc[c] / (double)churners;
    cr_assert(share > 0.08 && share < 0.7, "category %d share %.3f", c, share);
  }
  for (int d = 1; d < CHURN_DRIVER_END_; d++) cr_assert_gt(nd[d], 0, "driver %d absent", d);
  free_sim(&s);
}

/* Every churner's truth matches its history: one CANCEL as the last event at the churn time,
 * with the recorded reason, its category, and a driver of that category. */
Test(sim, truth_matches_cancellation_events) {
  sim s = run_sim(3000, 18, 9, 0);
  const int64_t *cat = truth_i64(&s, "category"), *drv = truth_i64(&s, "driver");
  const int64_t *reason = truth_i64(&s, "reason"), *canc = truth_i64(&s, "cancelled");
  const int64_t *ct = truth_i64(&s, "churn_time"), *cm = truth_i64(&s, "churn_month");
  const int64_t *ss = truth_i64(&s, "signal_start"), *idx = truth_i64(&s, "index");
  /* driver -> category, as documented at churn_sim_driver */
  static const int DRV_CAT[CHURN_DRIVER_END_] = {0, 2, 1, 1, 3, 2, 2, 2, 1};
  cr_assert_eq(churn_table_nrows(s.truth), s.S);
  int64_t j;
  const char *const *ids;
  ASSERT_OK(churn_table_find(s.truth, "subscriber_id", &j));
  ASSERT_OK(churn_table_str(s.truth, j, &ids));
  int64_t silent = 0;
  for (int64_t i = 0; i < s.S; i++) {
    const char *id;
    ASSERT_OK(churn_dataset_subscriber_id(s.ds, i, &id));
    cr_assert_str_eq(ids[i], id);
    cr_assert_eq(idx[i], i);
    int64_t ncancel = 0, last = s.off[i + 1] - 1;
    for (int64_t e = s.off[i]; e < s.off[i + 1]; e++) ncancel += s.kind[e] == CHURN_EV_CANCEL;
    if (canc[i]) {
      cr_assert_eq(ncancel, 1);
      cr_assert_eq(s.kind[last], CHURN_EV_CANCEL);
      cr_assert_eq(s.time[last], ct[i]);
      cr_assert_eq(s.cancellation[i], ct[i]);
      cr_assert_eq(s.code[last], reason[i]);
    } else {
      cr_assert_eq(ncancel, 0);
      cr_assert_eq(s.cancellation[i], CHURN_TIME_NONE);
    }
    if (cat[i] == 0) {
      cr_assert_eq(drv[i], 0);
      cr_assert_eq(ct[i], CHURN_TIME_NONE);
      cr_assert_eq(cm[i], -1);
      cr_assert_eq(canc[i], 0);
      continue;
    }
    silent += !canc[i];
    cr_assert_eq(cat[i], churn_cancel_reason_category((int)reason[i]));
    cr_assert_eq(cat[i], DRV_CAT[drv[i]], "driver %lld category %lld", (long long)drv[i],
                 (long long)cat[i]);
    cr_assert(ss[i] != CHURN_TIME_NONE && ss[i] <= ct[i]);
    cr_assert(ct[i] >= month_start(cm[i]) && ct[i] < month_start(cm[i] + 1));
  }
  cr_assert_gt(silent, 0);  /* a few movers walk away without cancelling */
  free_sim(&s);
}

/* A few churners who left for price or a competitor come back as new subscriptions: same
 * region, age band and tier, activated after the old one was cancelled. */
Test(sim, win_back_reactivations) {
  sim s = run_sim(4000, 24, 9, 0);
  const int64_t *prev = truth_i64(&s, "previous_index"), *cat = truth_i64(&s, "category");
  const int64_t *canc = truth_i64(&s, "cancelled");
  const int32_t *region = dataset_subscriber_col(s.ds, "region"), *age = dataset_subscriber_col(s.ds, "age_band");
  const int32_t *tier = dataset_subscriber_col(s.ds, "tier");
  const int64_t *contract = dataset_subscriber_col(s.ds, "contract_end");
  int64_t n = 0;
  for (int64_t i = 0; i < s.S; i++) {
    if (prev[i] < 0) continue;
    n++;
    int64_t p = prev[i];
    cr_assert_lt(p, i);
    cr_assert_eq(canc[p], 1);
    cr_assert_eq(cat[p], CHURN_CATEGORY_COMPETITIVE);
    cr_assert_gt(s.activation[i], s.cancellation[p]);
    cr_assert_eq(region[i], region[p]);
    cr_assert_eq(age[i], age[p]);
    cr_assert_eq(tier[i], tier[p]);
    cr_assert_eq(contract[i], CHURN_TIME_NONE);
  }
  cr_assert(n > 0 && n < 0.05 * s.S, "%lld re-activations", (long long)n);
  free_sim(&s);
}

/* The early-warning signals lead the cancellation: over the 60 days before it, churners watch
 * much less than the subscribers who stay watch over the same days; movers' boxes are silent in
 * their last week; service churners report more faults beforehand. */
Test(sim, signals_precede_cancellation) {
  sim s = run_sim(4000, 24, 21, 0);
  const int64_t *drv = truth_i64(&s, "driver"), *cat = truth_i64(&s, "category");
  int64_t end = month_start(24), ndays = (end - START) / DAY;
  double *stay_day = calloc((size_t)ndays, sizeof *stay_day);
  int64_t nstay = 0;
  for (int64_t i = 0; i < s.S; i++) {
    if (cat[i] != 0 || s.activation[i] >= START) continue;  /* stayers present all window */
    nstay++;
    for (int64_t e = s.off[i]; e < s.off[i + 1]; e++) {
      if (s.kind[e] != CHURN_EV_VIEW) continue;
      cr_assert(s.time[e] >= START && s.time[e] < end);
      stay_day[(s.time[e] - START) / DAY] += s.value[e];
    }
  }
  double churn_min = 0, stay_min = 0, movers = 0, movers_silent = 0;
  double svc_faults = 0, svc_n = 0, other_faults = 0, other_n = 0;
  for (int64_t i = 0; i < s.S; i++) {
    int64_t tc = s.cancellation[i];
    if (tc == CHURN_TIME_NONE || tc < START + 90 * DAY || s.activation[i] >= START) continue;
    int64_t d1 = (tc - START) / DAY, d0 = d1 - 60;
    for (int64_t e = s.off[i]; e < s.off[i + 1]; e++) {
      if (s.kind[e] == CHURN_EV_VIEW && s.time[e] >= START + d0 * DAY && s.time[e] < START + d1 * DAY) {
        churn_min += s.value[e];
      }
    }
    for (int64_t d = d0; d < d1; d++) stay_min += stay_day[d] / (double)nstay;
    if (drv[i] == CHURN_DRIVER_MOVING) {
      movers++;
      bool beat = false;
      for (int64_t e = s.off[i]; e < s.off[i + 1]; e++) {
        beat |= s.kind[e] == CHURN_EV_HEARTBEAT && s.time[e] >= tc - 7 * DAY;
      }
      movers_silent += !beat;
    }
    double nf = 0;
    for (int64_t e = s.off[i]; e < s.off[i + 1]; e++) {
      nf += s.kind[e] == CHURN_EV_FAULT && s.time[e] >= tc - 120 * DAY;
    }
    if (drv[i] == CHURN_DRIVER_SERVICE) {
      svc_faults += nf;
      svc_n++;
    } else {
      other_faults += nf;
      other_n++;
    }
  }
  cr_assert(churn_min < 0.8 * stay_min, "churners %.0f vs stayers %.0f minutes", churn_min,
            stay_min);
  cr_assert(movers > 10 && movers_silent > 0.8 * movers, "%.0f of %.0f movers offline",
            movers_silent, movers);
  cr_assert(svc_n > 10 && svc_faults / svc_n > 2.0 * other_faults / other_n,
            "faults per service churner %.2f vs others %.2f", svc_faults / svc_n,
            other_faults / other_n);
  free(stay_day);
  free_sim(&s);
}

/* Arrears churners stop paying: their bills in the 90 days before cancellation far exceed
 * their payments, unlike other churners'. */
Test(sim, arrears_precede_arrears_churn) {
  sim s = run_sim(4000, 24, 22, 0);
  const int64_t *drv = truth_i64(&s, "driver");
  double arr_gap = 0, arr_n = 0, other_gap = 0, other_n = 0;
  for (int64_t i = 0; i < s.S; i++) {
    int64_t tc = s.cancellation[i];
    if (tc == CHURN_TIME_NONE || tc < START + 120 * DAY) continue;
    double billed = 0, paid = 0;
    for (int64_t e = s.off[i]; e < s.off[i + 1]; e++) {
      if (s.time[e] < tc - 90 * DAY) continue;
      if (s.kind[e] == CHURN_EV_BILL) billed += s.value[e];
      if (s.kind[e] == CHURN_EV_PAYMENT) paid += s.value[e];
    }
    if (drv[i] == CHURN_DRIVER_ARREARS) {
      arr_gap += billed - paid;
      arr_n++;
    } else {
      other_gap += billed - paid;
      other_n++;
    }
  }
  cr_assert(arr_n > 10);
  cr_assert(arr_gap / arr_n > 30.0 && arr_gap / arr_n > 3.0 * fabs(other_gap / other_n),
            "unpaid before churn: arrears %.1f, others %.1f", arr_gap / arr_n,
            other_gap / other_n);
  free_sim(&s);
}

/* The latent risk ranks churners above stayers, and the competitor's regions churn more once
 * its campaign runs (from month 24 / 3 = 8 by default). */
Test(sim, latent_risk_and_competitor_regions) {
  sim s = run_sim(5000, 24, 23, 0);
  const int64_t *cat = truth_i64(&s, "category"), *comp = truth_i64(&s, "competitor_region");
  const int64_t *drv = truth_i64(&s, "driver");
  const double *risk = truth_f64(&s, "latent_risk");
  double rc = 0, nc = 0, rs = 0, ns = 0;
  double comp_base = 0, comp_churn = 0, other_base = 0, other_churn = 0;
  int64_t t8 = month_start(8);
  for (int64_t i = 0; i < s.S; i++) {
    cr_assert(risk[i] >= 0 && risk[i] < 1);
    if (cat[i]) {
      rc += risk[i];
      nc++;
    } else {
      rs += risk[i];
      ns++;
    }
    cr_assert(drv[i] != CHURN_DRIVER_COMPETITOR || comp[i] == 1);
    if (s.activation[i] >= t8 || (s.cancellation[i] != CHURN_TIME_NONE && s.cancellation[i] < t8)) {
      continue;
    }
    bool churned = s.cancellation[i] != CHURN_TIME_NONE;
    if (comp[i]) {
      comp_base++;
      comp_churn += churned;
    } else {
      other_base++;
      other_churn += churned;
    }
  }
  cr_assert(rc / nc > 1.3 * (rs / ns), "risk churners %.4f stayers %.4f", rc / nc, rs / ns);
  cr_assert(comp_base > 100);
  cr_assert(comp_churn / comp_base > 1.3 * other_churn / other_base,
            "competitor regions %.3f vs others %.3f", comp_churn / comp_base,
            other_churn / other_base);
  free_sim(&s);
}

/* The poor-signal region reports more faults and loses more subscribers to service churn. */
Test(sim, poor_signal_region) {
  sim s = run_sim(5000, 24, 24, 0);
  const int64_t *poor = truth_i64(&s, "poor_signal_region"), *cat = truth_i64(&s, "category");
  double n[2] = {0}, faults[2] = {0}, service[2] = {0};
  for (int64_t i = 0; i < s.S; i++) {
    int p = (int)poor[i];
    cr_assert(p == 0 || p == 1);
    n[p]++;
    service[p] += cat[i] == CHURN_CATEGORY_SERVICE;
    for (int64_t e = s.off[i]; e < s.off[i + 1]; e++) faults[p] += s.kind[e] == CHURN_EV_FAULT;
  }
  cr_assert(n[1] > 200);
  cr_assert(faults[1] / n[1] > 1.5 * faults[0] / n[0], "faults per subscriber %.2f vs %.2f",
            faults[1] / n[1], faults[0] / n[0]);
  cr_assert(service[1] / n[1] > 1.5 * service[0] / n[0], "service churn %.3f vs %.3f",
            service[1] / n[1], service[0] / n[0]);
  free_sim(&s);
}

Test(sim, options_change_the_operator) {
  churn_options *o = sim_opts(2000, 12, 1, 0);
  churn_dataset *ds;
  churn_table *t;
  ASSERT_OK(churn_simulate(o, &ds, NULL));  /* truth not wanted */
  const uint8_t *kind = dataset_event_col(ds, "kind");
  int64_t default_cancels = 0;
  for (int64_t e = 0; e < churn_dataset_num_events(ds); e++) {
    default_cancels += kind[e] == CHURN_EV_CANCEL;
  }
  churn_dataset_free(ds);
  /* no background churn, no competitor, no new subscribers, a later start */
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_NEW_RATE, 0.0));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_BASE_CHURN, 0.0));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_COMPETITOR_UPLIFT, 0.0));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_START, month_start(1)));
  ASSERT_OK(churn_simulate(o, &ds, &t));
  int64_t S = churn_dataset_num_subscribers(ds);  /* the base plus a few win-backs */
  cr_assert(S >= 2000 && S < 2100);
  const int64_t *time = dataset_event_col(ds, "time");
  kind = dataset_event_col(ds, "kind");
  int64_t cancels = 0;
  for (int64_t e = 0; e < churn_dataset_num_events(ds); e++) {
    cr_assert(kind[e] == CHURN_EV_ACTIVATION || (time[e] >= month_start(1) &&
                                                 time[e] < month_start(13)));
    cancels += kind[e] == CHURN_EV_CANCEL;
  }
  /* only the calendar drivers (contract and promotion end) remain */
  cr_assert(cancels > 0 && cancels < 0.5 * default_cancels, "%lld vs %lld cancellations",
            (long long)cancels, (long long)default_cancels);
  int64_t j;
  const int64_t *drv;
  ASSERT_OK(churn_table_find(t, "driver", &j));
  ASSERT_OK(churn_table_i64(t, j, &drv));
  const int64_t *prev;
  ASSERT_OK(churn_table_find(t, "previous_index", &j));
  ASSERT_OK(churn_table_i64(t, j, &prev));
  for (int64_t i = 0; i < S; i++) {
    cr_assert(drv[i] == 0 || drv[i] == CHURN_DRIVER_CONTRACT_END ||
              drv[i] == CHURN_DRIVER_PROMOTION_END);
    cr_assert_eq(prev[i] >= 0, i >= 2000);
  }
  churn_dataset_free(ds);
  churn_table_free(t);
  churn_options_free(o);
}

Test(sim, defaults_when_opts_is_null) {
  /* opts NULL is the documented default operator (10,000 subscribers, 24 months); only check
   * the call and sizes, at a glance */
  churn_dataset *ds;
  churn_table *t;
  ASSERT_OK(churn_simulate(NULL, &ds, &t));
  cr_assert_geq(churn_dataset_num_subscribers(ds), 10000);
  cr_assert_eq(churn_table_nrows(t), churn_dataset_num_subscribers(ds));
  churn_dataset_free(ds);
  churn_table_free(t);
}

/* --- errors -------------------------------------------------------------------------------- */

Test(sim, bad_arguments_and_sizes) {
  churn_table *t = NULL;
  ASSERT_FAILS(churn_simulate(NULL, NULL, &t), CHURN_E_ARG, "out is NULL");
  churn_options *o = sim_opts(10, 3, 1, 1);
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 0), CHURN_E_RANGE, "sim.months");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 0), CHURN_E_RANGE,
               "sim.subscribers");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_SIM_BASE_CHURN, 0.9), CHURN_E_RANGE,
               "sim.base_churn");
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 50000000));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 240));
  churn_dataset *ds = NULL;
  ASSERT_FAILS(churn_simulate(o, &ds, &t), CHURN_E_RANGE, "subscriber-months");
  cr_assert_null(ds);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 12));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_VIEW_EVENTS, 200));
  ASSERT_FAILS(churn_simulate(o, &ds, &t), CHURN_E_RANGE, "beyond the event log's limit");
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 240));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_NEW_RATE, 0.5));
  ASSERT_FAILS(churn_simulate(o, &ds, &t), CHURN_E_RANGE, "exceed the dataset's limit");
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 1000));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 1));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_START, 4102444800LL));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_NEW_RATE, 0.0));
  ASSERT_OK(churn_simulate(o, &ds, NULL));  /* 2100-01-01 is still fine */
  churn_dataset_free(ds);
  churn_options_free(o);
}

/* Every allocation failure comes back as CHURN_E_NOMEM with nothing leaked or half-built. */
Test(sim, allocation_failures) {
  churn_options *o = sim_opts(40, 3, 1, 1);  /* one thread: all allocations on this thread */
  churn_dataset *ds = NULL;
  churn_table *t = NULL;
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_simulate(o, &ds, &t));
  churn_dataset_free(ds);
  churn_table_free(t);
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_simulate(o, &ds, &t));
  uint64_t points = churn_testing_fail_alloc(0);
  churn_dataset_free(ds);
  churn_table_free(t);
  cr_assert_gt(points, 10);
  for (uint64_t k = 1; k <= points; k++) {
    ds = NULL;
    t = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_simulate(o, &ds, &t);
    churn_testing_fail_alloc(0);
    if (st == CHURN_OK) {  /* a failure the code can absorb (none expected) */
      churn_dataset_free(ds);
      churn_table_free(t);
      continue;
    }
    cr_assert_eq(st, CHURN_E_NOMEM, "k=%llu: %s", (unsigned long long)k, churn_last_error());
    cr_assert_null(ds);
    cr_assert_null(t);
  }
  churn_options_free(o);
}

/* --- the point of it: a model learns the drivers from point-in-time features ---------------- */

/* Features at two training snapshots and a later holdout, 90-day churn labels, an unpenalised
 * logistic regression on a handful of catalog features: the drivers' features get the signs the
 * mechanisms imply and the holdout ranking is clearly better than chance. */
Test(sim, a_fitted_model_recovers_the_drivers) {
  sim s = run_sim(6000, 18, 31, 0);
  const char *names[] = {"payment.arrears",    "usage.view_minutes", "usage.view_minutes_prev",
                         "service.complaints", "account.services",   "account.downgrades",
                         "account.tenure_months"};
  const size_t d = sizeof names / sizeof names[0];
  int64_t train_t[2] = {month_start(6), month_start(9)}, test_t = month_start(12);
  churn_features *tr, *te;
  ASSERT_OK(churn_features_extract(s.ds, train_t, 2, names, d, NULL, &tr));
  ASSERT_OK(churn_features_extract(s.ds, &test_t, 1, names, d, NULL, &te));
  int64_t n = churn_features_nrows(tr), ne = churn_features_nrows(te);
  cr_assert_eq(churn_features_ncols(tr), (int64_t)d);
  double *y = malloc((size_t)n * sizeof *y), *ye = malloc((size_t)ne * sizeof *ye);
  double *p = malloc((size_t)ne * sizeof *p);
  ASSERT_OK(churn_labels_compute(s.ds, churn_features_subscribers(tr), churn_features_times(tr),
                                 n, NULL, y, NULL, NULL));
  ASSERT_OK(churn_labels_compute(s.ds, churn_features_subscribers(te), churn_features_times(te),
                                 ne, NULL, ye, NULL, NULL));
  churn_model *m;
  ASSERT_OK(churn_model_fit(churn_features_matrix(tr), CHURN_F64, n, (int64_t)d, (int64_t)d, y,
                            NULL, names, NULL, &m));
  double coef[7], b0;
  ASSERT_OK(churn_model_coef(m, coef, &b0));
  cr_assert_gt(coef[0], 0, "arrears %g", coef[0]);
  cr_assert_lt(coef[1], 0, "recent viewing %g", coef[1]);
  cr_assert_gt(coef[2], 0, "earlier viewing (a drop) %g", coef[2]);
  cr_assert_gt(coef[3], 0, "complaints %g", coef[3]);
  cr_assert_lt(coef[4], 0, "services in the bundle %g", coef[4]);
  cr_assert_gt(coef[5], 0, "downgrades %g", coef[5]);
  ASSERT_OK(churn_model_predict_proba(m, churn_features_matrix(te), CHURN_F64, ne, (int64_t)d,
                                      (int64_t)d, p));
  double auc;
  ASSERT_OK(churn_eval_roc_auc(ye, p, NULL, ne, &auc));
  cr_log_info("coef %g %g %g %g %g %g %g, holdout AUC %.3f", coef[0], coef[1], coef[2],
              coef[3], coef[4], coef[5], coef[6], auc);
  cr_assert_gt(auc, 0.65, "holdout AUC %.3f", auc);
  churn_model_free(m);
  churn_features_free(tr);
  churn_features_free(te);
  free(y);
  free(ye);
  free(p);
  free_sim(&s);
}
