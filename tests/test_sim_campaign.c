/*
 * test_sim_campaign.c -- the simulator's retention campaign (lib/sim.c, sim.campaign_*): a
 * subscriber it does not treat lives exactly the history of a run without campaign, the run is
 * the same whatever the threads, and churn_campaign_effect / churn_eval_qini_auc on the
 * simulated campaign recover the known effect of the truth table (campaign_true_effect), per
 * segment too; a campaign without controls is refused by churn_campaign_effect.
 */
#include "helpers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400

typedef struct run {
  churn_dataset *ds;
  churn_table *truth;
  int64_t S, E;
  const int32_t *sub;
  const int64_t *time, *off;
  const uint8_t *kind, *code;
} run;

typedef struct camp {
  int64_t n, months, seed, threads, month, horizon;
  double share, control, effect;
} camp;

static run simulate(const camp *c) {
  run r;
  memset(&r, 0, sizeof r);
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, c->n));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, c->months));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SEED, c->seed));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_THREADS, c->threads));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_CAMPAIGN_MONTH, c->month));
  if (c->month >= 0) {
    ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_CAMPAIGN_HORIZON, c->horizon));
    ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_CAMPAIGN_SHARE, c->share));
    ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_CONTROL_SHARE, c->control));
    ASSERT_OK(churn_options_set_real(o, CHURN_OPT_SIM_CAMPAIGN_EFFECT, c->effect));
  }
  ASSERT_OK(churn_simulate(o, &r.ds, &r.truth));
  churn_options_free(o);
  r.S = churn_dataset_num_subscribers(r.ds);
  r.E = churn_dataset_num_events(r.ds);
  r.sub = dataset_event_col(r.ds, "subscriber");
  r.time = dataset_event_col(r.ds, "time");
  r.kind = dataset_event_col(r.ds, "kind");
  r.code = dataset_event_col(r.ds, "code");
  ASSERT_OK(churn_dataset_event_offsets(r.ds, &r.off));
  return r;
}

static void free_run(run *r) {
  churn_dataset_free(r->ds);
  churn_table_free(r->truth);
}

static const int64_t *ti64(const run *r, const char *name) {
  return table_i64(r->truth, name);
}

static const double *tf64(const run *r, const char *name) {
  return table_f64(r->truth, name);
}

/* Start of calendar month k after 2024-01-01 (the default sim.start), from the C library. */
static int64_t month_start(int64_t k) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = 2024 - 1900 + (int)(k / 12);
  tm.tm_mon = (int)(k % 12);
  tm.tm_mday = 1;
  return (int64_t)timegm(&tm);
}

/* The analysis as a user would make it: the selected subscribers, treated (0/1) and churned in
 * the campaign's window [campaign_time, start of month + horizon) from the truth's churn_time,
 * with their true effects and driver; returns how many. */
typedef struct analysis {
  int64_t n, *index;
  double *treated, *churned, *truth;
  int64_t *driver;
} analysis;

static analysis analyse(const run *r, const camp *c) {
  analysis a;
  memset(&a, 0, sizeof a);
  const int64_t *sel = ti64(r, "campaign_selected"), *tr = ti64(r, "campaign_treated");
  const int64_t *ct = ti64(r, "campaign_time"), *churn = ti64(r, "churn_time");
  const int64_t *drv = ti64(r, "campaign_driver");
  const double *eff = tf64(r, "campaign_true_effect");
  int64_t end = month_start(c->month + c->horizon);
  size_t S = (size_t)r->S;
  a.index = malloc(S * sizeof *a.index);
  a.driver = malloc(S * sizeof *a.driver);
  a.treated = malloc(S * sizeof *a.treated);
  a.churned = malloc(S * sizeof *a.churned);
  a.truth = malloc(S * sizeof *a.truth);
  for (int64_t i = 0; i < r->S; i++) {
    if (!sel[i]) continue;
    cr_assert(ct[i] >= month_start(c->month) && ct[i] < month_start(c->month) + DAY);
    a.index[a.n] = i;
    a.treated[a.n] = (double)tr[i];
    a.churned[a.n] = churn[i] != CHURN_TIME_NONE && churn[i] >= ct[i] && churn[i] < end;
    a.truth[a.n] = eff[i];
    a.driver[a.n] = drv[i];
    a.n++;
  }
  return a;
}

static void free_analysis(analysis *a) {
  free(a->index);
  free(a->driver);
  free(a->treated);
  free(a->churned);
  free(a->truth);
}

/* Mean of the truth over the analysed subscribers whose label is `label` (NULL: all). */
static double truth_mean(const analysis *a, const char *const *seg, const char *label) {
  double s = 0;
  int64_t k = 0;
  for (int64_t i = 0; i < a->n; i++) {
    if (label && strcmp(seg[i], label) != 0) continue;
    s += a->truth[i];
    k++;
  }
  return s / (double)k;
}

/* The row of `label` in a churn_campaign_effect table. */
static int64_t row_of(const churn_table *t, const char *label) {
  int64_t j;
  const char *const *s = NULL;
  ASSERT_OK(churn_table_find(t, "segment", &j));
  ASSERT_OK(churn_table_str(t, j, &s));
  for (int64_t r = 0; r < churn_table_nrows(t); r++) {
    if (strcmp(s[r], label) == 0) return r;
  }
  cr_assert_fail("no row %s", label);
  return -1;
}

/* --- the campaign leaves the untreated alone --------------------------------------------- */

Test(sim_campaign, off_by_default_and_untreated_histories_unchanged) {
  camp off = {3000, 8, 3, 0, -1, 3, 0, 0, 0};
  camp on = {3000, 8, 3, 0, 3, 3, 0.7, 0.3, 0.8};
  run a = simulate(&off), b = simulate(&on);
  const int64_t *prev = ti64(&a, "previous_index");
  const int64_t *sel_a = ti64(&a, "campaign_selected"), *ct_a = ti64(&a, "campaign_time");
  const double *eff_a = tf64(&a, "campaign_true_effect");
  const int64_t *sel = ti64(&b, "campaign_selected"), *tr = ti64(&b, "campaign_treated");
  const int64_t *ct = ti64(&b, "campaign_time"), *churn_b = ti64(&b, "churn_time");
  int64_t first_pass = 0, treated = 0, controls = 0, compared = 0, gone_first = 0;
  for (int64_t i = 0; i < a.S; i++) {
    cr_assert(sel_a[i] == 0 && ct_a[i] == CHURN_TIME_NONE && eff_a[i] == 0.0);
    if (prev[i] < 0) first_pass = i + 1;
  }
  /* the first pass (before the win-back re-activations) has the same subscribers */
  for (int64_t i = 0; i < first_pass; i++) {
    int64_t ea = a.off[i], na = a.off[i + 1] - ea, eb = b.off[i], nb = b.off[i + 1] - eb;
    treated += tr[i];
    controls += sel[i] && !tr[i];
    int64_t contacts = 0;
    for (int64_t k = eb; k < eb + nb; k++) {
      if (b.kind[k] == CHURN_EV_RETENTION && b.code[k] == CHURN_OUTCOME_UNKNOWN) {
        contacts++;
        cr_assert_eq(b.time[k], ct[i], "subscriber %lld", (long long)i);
      }
    }
    if (tr[i]) {  /* the offer (unless gone before the call), the same events until then */
      bool gone = churn_b[i] != CHURN_TIME_NONE && churn_b[i] < ct[i];
      cr_assert_eq(contacts, gone ? 0 : 1, "treated %lld has %lld contacts", (long long)i,
                   (long long)contacts);
      gone_first += gone;
      while (na > 0 && a.time[ea + na - 1] >= ct[i]) na--;
      while (nb > 0 && b.time[eb + nb - 1] >= ct[i]) nb--;
    } else {
      cr_assert_eq(contacts, 0, "untreated %lld has a campaign contact", (long long)i);
    }
    cr_assert_eq(na, nb, "subscriber %lld: %lld vs %lld events", (long long)i, (long long)na,
                 (long long)nb);
    for (int64_t k = 0; k < na; k++) {
      cr_assert(a.time[ea + k] == b.time[eb + k] && a.kind[ea + k] == b.kind[eb + k] &&
                    a.code[ea + k] == b.code[eb + k],
                "subscriber %lld event %lld", (long long)i, (long long)k);
    }
    compared += na;
  }
  cr_log_info("first pass %lld, treated %lld (%lld gone before the call), controls %lld, %lld "
              "events compared", (long long)first_pass, (long long)treated,
              (long long)gone_first, (long long)controls, (long long)compared);
  cr_assert_lt(gone_first, 10);
  cr_assert_gt(treated, 1000);
  cr_assert_gt(controls, 300);
  free_run(&a);
  free_run(&b);
}

Test(sim_campaign, same_data_whatever_the_threads) {
  camp c1 = {4000, 7, 9, 1, 2, 4, 0.6, 0.25, 0.7}, c3 = c1;
  c3.threads = 3;
  run a = simulate(&c1), b = simulate(&c3);
  cr_assert_eq(a.S, b.S);
  cr_assert_eq(a.E, b.E);
  size_t E = (size_t)a.E, S = (size_t)a.S;
  cr_assert(memcmp(a.sub, b.sub, E * sizeof *a.sub) == 0);
  cr_assert(memcmp(a.time, b.time, E * sizeof *a.time) == 0);
  cr_assert(memcmp(a.kind, b.kind, E) == 0);
  cr_assert(memcmp(a.code, b.code, E) == 0);
  const double *va = dataset_event_col(a.ds, "value"), *vb = dataset_event_col(b.ds, "value");
  cr_assert(memcmp(va, vb, E * sizeof *va) == 0);
  cr_assert(memcmp(dataset_subscriber_col(a.ds, "cancellation"), dataset_subscriber_col(b.ds, "cancellation"), S * 8) == 0);
  static const char *const I64[] = {"campaign_selected", "campaign_treated", "campaign_time",
                                     "campaign_driver", "churn_time", "driver"};
  for (size_t k = 0; k < sizeof I64 / sizeof *I64; k++) {
    cr_assert(memcmp(ti64(&a, I64[k]), ti64(&b, I64[k]), S * 8) == 0, "%s", I64[k]);
  }
  cr_assert(memcmp(tf64(&a, "campaign_true_effect"), tf64(&b, "campaign_true_effect"), S * 8) == 0);
  free_run(&a);
  free_run(&b);
}

/* --- the estimates recover the known effect ----------------------------------------------- */

/* 40,000 subscribers over 5 months, the campaign in month 2 with a 3-month window (about 1 s of
 * simulation): big enough that the overall effect (about -1.2 points) and the price segment's
 * (about -2) are decisive. */
static const camp BIG = {40000, 5, 11, 0, 2, 3, 0.8, 0.3, 0.5};

/* "price" when the contract or the promotion ends from 3 months before the campaign month to
 * the window's end or the region has the competitor's campaign (observable before the
 * contact), else "other". */
static const char **exposure_segments(const run *r, const analysis *a, const camp *c) {
  const int64_t *ce = dataset_subscriber_col(r->ds, "contract_end"), *pe = dataset_subscriber_col(r->ds, "promotion_end");
  const int64_t *comp = ti64(r, "competitor_region");
  int64_t lo = month_start(c->month - 3), hi = month_start(c->month + c->horizon);
  const char **seg = malloc((size_t)a->n * sizeof *seg);
  for (int64_t k = 0; k < a->n; k++) {
    int64_t i = a->index[k];
    bool near = (ce[i] != CHURN_TIME_NONE && ce[i] >= lo && ce[i] < hi) ||
                (pe[i] != CHURN_TIME_NONE && pe[i] >= lo && pe[i] < hi);
    seg[k] = near || comp[i] ? "price" : "other";
  }
  return seg;
}

Test(sim_campaign, effect_recovered_overall_and_by_exposure) {
  run r = simulate(&BIG);
  analysis a = analyse(&r, &BIG);
  const char **seg = exposure_segments(&r, &a, &BIG);
  churn_table *t = NULL;
  ASSERT_OK(churn_campaign_effect(a.treated, a.churned, seg, a.n, 0.05, &t));
  const double *diff = table_f64(t, "difference"), *lo = table_f64(t, "ci_low"), *hi = table_f64(t, "ci_high");
  static const char *const LABELS[] = {"price", "other", "(all)"};
  double truth[3];
  for (int g = 0; g < 3; g++) {
    int64_t row = row_of(t, LABELS[g]);
    truth[g] = truth_mean(&a, seg, g < 2 ? LABELS[g] : NULL);
    cr_log_info("%s: estimated %.5f [%.5f, %.5f], true %.5f", LABELS[g], diff[row], lo[row],
                hi[row], truth[g]);
    cr_assert(lo[row] <= truth[g] && truth[g] <= hi[row], "%s: true %g outside [%g, %g]",
              LABELS[g], truth[g], lo[row], hi[row]);
  }
  /* the price segment and the whole campaign: significant; the price effect is the larger */
  cr_assert_lt(hi[row_of(t, "price")], 0);
  cr_assert_lt(hi[row_of(t, "(all)")], 0);
  cr_assert_lt(truth[0], 4 * truth[1], "price %g vs other %g", truth[0], truth[1]);
  cr_assert_lt(truth[2], -0.005);
  churn_table_free(t);
  free(seg);
  free_analysis(&a);
  free_run(&r);
}

/* By the driver of the churn each subscriber's untreated history has in the window (fixed
 * before the random assignment): where the offer cannot act ("none" and the drivers with
 * w_k = 0) the true effect is exactly 0 and the estimate is not significant; for the drivers
 * it acts on, the estimate covers the true -p_k (mostly; churn in the contact's first 3 days
 * is out of its reach). */
Test(sim_campaign, effect_recovered_by_driver) {
  run r = simulate(&BIG);
  analysis a = analyse(&r, &BIG);
  static const char *const NAMES[] = {"none", "arrears", "disengagement", "moving", "service",
                                      "contract_end", "promotion_end", "competitor",
                                      "age_health"};
  static const double W[] = {0, 0, 0, 0, 0.5, 1, 1, 1, 0};
  const char **by_driver = malloc((size_t)a.n * sizeof *by_driver);
  const char **zero = malloc((size_t)a.n * sizeof *zero);
  for (int64_t k = 0; k < a.n; k++) {
    cr_assert(a.driver[k] >= 0 && a.driver[k] < 9);
    by_driver[k] = NAMES[a.driver[k]];
    zero[k] = a.truth[k] == 0.0 ? "zero" : "acted";
    /* the rule: -effect x w_k, or 0 for a churn in the first 3 days */
    double p = BIG.effect * W[a.driver[k]];
    cr_assert(a.truth[k] == 0.0 || a.truth[k] == -p, "truth %g for driver %lld", a.truth[k],
              (long long)a.driver[k]);
  }
  churn_table *t = NULL;
  ASSERT_OK(churn_campaign_effect(a.treated, a.churned, by_driver, a.n, 0.05, &t));
  const double *diff = table_f64(t, "difference"), *lo = table_f64(t, "ci_low"), *hi = table_f64(t, "ci_high");
  for (int d = 0; d < 9; d++) {
    int64_t row = row_of(t, NAMES[d]);
    double truth = truth_mean(&a, by_driver, NAMES[d]);
    cr_log_info("%s: estimated %.4f [%.4f, %.4f], true %.4f", NAMES[d], diff[row], lo[row],
                hi[row], truth);
    cr_assert(lo[row] <= truth && truth <= hi[row], "%s: true %g outside [%g, %g]", NAMES[d],
              truth, lo[row], hi[row]);
    if (W[d] == 0) {
      cr_assert(truth == 0.0 && lo[row] < 0 && hi[row] > 0, "%s significant", NAMES[d]);
    } else {
      cr_assert_lt(hi[row], 0, "%s not significant", NAMES[d]);
    }
  }
  churn_table_free(t);
  /* the subscribers with a zero true effect, a mix of churners and stayers: not significant */
  ASSERT_OK(churn_campaign_effect(a.treated, a.churned, zero, a.n, 0.05, &t));
  int64_t row = row_of(t, "zero");
  const double *rt = table_f64(t, "churn_rate_treated"), *rc = table_f64(t, "churn_rate_control");
  lo = table_f64(t, "ci_low");
  hi = table_f64(t, "ci_high");
  cr_log_info("zero effect: %.4f vs %.4f [%.4f, %.4f]", rt[row], rc[row], lo[row], hi[row]);
  cr_assert(rc[row] > 0.01 && lo[row] < 0 && hi[row] > 0);
  cr_assert_lt(hi[row_of(t, "acted")], 0);
  churn_table_free(t);
  free(by_driver);
  free(zero);
  free_analysis(&a);
  free_run(&r);
}

/* An offer that does nothing (sim.campaign_effect 0): every true effect is 0 and no segment is
 * significant. */
Test(sim_campaign, placebo_campaign_is_not_significant) {
  camp c = BIG;
  c.effect = 0;
  c.seed = 12;
  run r = simulate(&c);
  analysis a = analyse(&r, &c);
  for (int64_t k = 0; k < a.n; k++) cr_assert(a.truth[k] == 0.0);
  const char **seg = exposure_segments(&r, &a, &c);
  churn_table *t = NULL;
  ASSERT_OK(churn_campaign_effect(a.treated, a.churned, seg, a.n, 0.05, &t));
  const double *diff = table_f64(t, "difference"), *lo = table_f64(t, "ci_low"), *hi = table_f64(t, "ci_high");
  for (int64_t row = 0; row < churn_table_nrows(t); row++) {
    cr_log_info("placebo row %lld: %.5f [%.5f, %.5f]", (long long)row, diff[row], lo[row],
                hi[row]);
    cr_assert(lo[row] < 0 && hi[row] > 0, "row %lld significant", (long long)row);
  }
  churn_table_free(t);
  free(seg);
  free_analysis(&a);
  free_run(&r);
}

/* Splitmix64 to [0, 1): the random score. */
static double unit(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/* Against 20 random scores (their Qini AUC is 0 in expectation): a score that knows the true
 * effect is far above them, and the observable price exposure clearly above. */
Test(sim_campaign, qini_of_the_true_effect_beats_random_scores) {
  run r = simulate(&BIG);
  analysis a = analyse(&r, &BIG);
  double *score = malloc((size_t)a.n * sizeof *score);
  for (int64_t k = 0; k < a.n; k++) score[k] = -a.truth[k];
  double oracle, exposure, sum = 0, sum2 = 0, best = -INFINITY;
  ASSERT_OK(churn_eval_qini_auc(score, a.treated, a.churned, a.n, &oracle));
  const char **seg = exposure_segments(&r, &a, &BIG);
  for (int64_t k = 0; k < a.n; k++) score[k] = strcmp(seg[k], "price") == 0;
  ASSERT_OK(churn_eval_qini_auc(score, a.treated, a.churned, a.n, &exposure));
  uint64_t state = 2024;
  enum { REPS = 20 };
  for (int rep = 0; rep < REPS; rep++) {
    double auc;
    for (int64_t k = 0; k < a.n; k++) score[k] = unit(&state);
    ASSERT_OK(churn_eval_qini_auc(score, a.treated, a.churned, a.n, &auc));
    sum += auc;
    sum2 += auc * auc;
    if (auc > best) best = auc;
  }
  double mean = sum / REPS, sd = sqrt((sum2 - sum * sum / REPS) / (REPS - 1));
  cr_log_info("qini: true effect %.5f, exposure %.5f, random %.5f +- %.5f (best %.5f)", oracle,
              exposure, mean, sd, best);
  cr_assert_gt(oracle, mean + 5 * sd);
  cr_assert_gt(oracle, 2 * best);
  cr_assert_gt(exposure, mean + 2 * sd);
  cr_assert_gt(oracle, exposure);
  free(score);
  free(seg);
  free_analysis(&a);
  free_run(&r);
}

/* --- errors ------------------------------------------------------------------------------- */

Test(sim_campaign, no_control_group_and_bad_months) {
  camp c = {3000, 4, 5, 0, 1, 2, 1.0, 0.0, 0.5};
  run r = simulate(&c);
  analysis a = analyse(&r, &c);
  cr_assert_gt(a.n, 2500);
  for (int64_t k = 0; k < a.n; k++) cr_assert(a.treated[k] == 1.0);
  churn_table *t = NULL;
  ASSERT_FAILS(churn_campaign_effect(a.treated, a.churned, NULL, a.n, 0.05, &t), CHURN_E_DATA,
               "no control group");
  cr_assert_null(t);
  free_analysis(&a);
  free_run(&r);

  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 6));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_CAMPAIGN_MONTH, 6));
  churn_dataset *ds = NULL;
  churn_table *truth = NULL;
  ASSERT_FAILS(churn_simulate(o, &ds, &truth), CHURN_E_RANGE,
               "sim.campaign_month 6 is not one of the 6 simulated months");
  cr_assert_null(ds);
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_SIM_CAMPAIGN_MONTH, -2), CHURN_E_RANGE,
               "sim.campaign_month");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_SIM_CONTROL_SHARE, 1.5), CHURN_E_RANGE,
               "sim.control_share");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_SIM_CAMPAIGN_HORIZON, 0), CHURN_E_RANGE,
               "sim.campaign_horizon");
  churn_options_free(o);
}
