/*
 * sim.c -- the seeded operator simulator (churn_simulate): N subscribers of a cable-TV /
 * broadband / mobile operator over M calendar months, emitting every event kind of the data
 * model, with churn driven by the mechanisms of the domain brief (arrears, falling viewing,
 * device offline, faults and SLA breaches, contract and promotion expiry, a competitor's
 * regional promotion, moving, age) and the ground truth of every churner recorded.
 *
 * How churn works here: every month each active subscriber may start a churn *episode* of one
 * driver, with a monthly probability built from the subscriber's profile (tier, age, bundle,
 * tenure, region, a latent frailty) and the calendar (contract end, promotion end, competitor
 * campaign).  An episode is decided at its start: it either ends in a cancellation (or, for a
 * few movers, in silent abandonment) after a lag of weeks to months, or fades out.  While it
 * runs it leaves the driver's traces in the events (viewing and usage fall, payments stop,
 * the box goes offline, faults and complaints pile up, a downgrade), so point-in-time features
 * see the churn coming, imperfectly, since fading episodes leave the same traces.  Retention
 * contacts can stop an episode.
 *
 * Determinism: subscriber i draws only from its own xoshiro256** stream seeded by (seed, i),
 * and the world (regions hit by the competitor, poor-signal regions) from a stream of its own,
 * so the dataset is bit-identical for a seed whatever the thread count.  Subscribers are
 * simulated in fixed blocks on churn__parallel_for; each block's events are sorted per
 * subscriber and copied in block order into the dataset's columns.  A second, smaller pass
 * simulates the win-back re-activations, chosen from the first pass's churners.
 */
#include "data/dataset.h"
#include "common/parallel.h"
#include "sim_rng.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DAY 86400
#define HOUR 3600
#define MAX_MONTHS 240
#define MAX_REGIONS 64
#define BLOCK 256
#define MAX_SPANS 12
#define NDRV CHURN_DRIVER_END_
#define BURN 6 /* months simulated before the window so that it opens in a steady state */

/* --- configuration ---------------------------------------------------------------------------- */

typedef struct sim_cfg {
  int64_t n, months, seed, start, threads, regions, comp_start, hb_days, camp_month, camp_horizon,
      season_peak;
  double base_churn, new_rate, high_share, comp_share, comp_uplift, poor_share, contract_share,
      promo_share, late_pay, fault_rate, sla_breach, retention, view_events, silent_share,
      camp_share, control_share, camp_effect, spread, silent_other, seasonality, churn_scale,
      same_id;
} sim_cfg;

static churn_status read_int(const churn_options *o, churn_option k, int64_t *v) {
  if (o == NULL) {
    double d = 0;
    CHURN_TRY(churn_option_bounds(k, NULL, NULL, NULL, &d));
    *v = (int64_t)d;
    return CHURN_OK;
  }
  return churn_options_get_int(o, k, v);
}

static churn_status read_real(const churn_options *o, churn_option k, double *v) {
  if (o == NULL) return churn_option_bounds(k, NULL, NULL, NULL, v);
  return churn_options_get_real(o, k, v);
}

static churn_status read_cfg(const churn_options *o, sim_cfg *c) {
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_SUBSCRIBERS, &c->n));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_MONTHS, &c->months));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_SEED, &c->seed));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_START, &c->start));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_THREADS, &c->threads));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_REGIONS, &c->regions));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_COMPETITOR_START, &c->comp_start));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_HEARTBEAT_DAYS, &c->hb_days));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_BASE_CHURN, &c->base_churn));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_NEW_RATE, &c->new_rate));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_HIGH_VALUE_SHARE, &c->high_share));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_COMPETITOR_REGIONS, &c->comp_share));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_COMPETITOR_UPLIFT, &c->comp_uplift));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_POOR_SIGNAL_REGIONS, &c->poor_share));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_CONTRACT_SHARE, &c->contract_share));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_PROMO_SHARE, &c->promo_share));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_LATE_PAYMENT, &c->late_pay));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_FAULT_RATE, &c->fault_rate));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_SLA_BREACH, &c->sla_breach));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_RETENTION_SUCCESS, &c->retention));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_VIEW_EVENTS, &c->view_events));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_SILENT_SHARE, &c->silent_share));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_CAMPAIGN_MONTH, &c->camp_month));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_CAMPAIGN_HORIZON, &c->camp_horizon));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_CAMPAIGN_SHARE, &c->camp_share));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_CONTROL_SHARE, &c->control_share));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_CAMPAIGN_EFFECT, &c->camp_effect));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_PROPENSITY_SPREAD, &c->spread));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_SILENT_OTHER_SHARE, &c->silent_other));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_SEASONALITY, &c->seasonality));
  CHURN_TRY(read_int(o, CHURN_OPT_SIM_SEASON_PEAK, &c->season_peak));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_CHURN_SCALE, &c->churn_scale));
  CHURN_TRY(read_real(o, CHURN_OPT_SIM_RETURN_SAME_ID, &c->same_id));
  return CHURN_OK;
}

/* --- the world: fixed tables and the seed's regional facts --------------------------------------- */

enum { NAGE = 5, NTIER = 3, NPKG = 5, NGENRE = 8, NSLOT = 4, NFAULT = 5, NCOMPL = 5 };

static const char *const AGE_LABELS[NAGE] = {"18-29", "30-44", "45-59", "60-74", "75+"};
static const double AGE_W[NAGE] = {0.15, 0.27, 0.28, 0.20, 0.10};
static const char *const TIER_LABELS[NTIER] = {"low", "mid", "high"};
static const char *const PKG_LABELS[NPKG] = {"basic", "family", "sports", "premium", "ultimate"};
static const double PKG_PRICE[NPKG] = {25.0, 39.0, 52.0, 69.0, 89.0};
static const char *const GENRES[NGENRE] = {"news", "drama", "sports", "movies",
                                           "kids", "documentary", "variety", "music"};
static const char *const FAULTS[NFAULT] = {"no_signal", "picture", "set_top_box", "broadband",
                                           "other"};
static const double FAULT_W[NFAULT] = {0.35, 0.25, 0.20, 0.15, 0.05};
static const char *const COMPLAINTS[NCOMPL] = {"billing", "repair", "staff", "content", "price"};
static const char *const REGION_NAMES[] = {
    "north", "south", "east", "west", "central", "riverside", "hills", "harbour"};
enum { C_BILLING = 0, C_REPAIR = 1, C_STAFF = 2, C_CONTENT = 3, C_PRICE = 4 };

/* Viewing minutes per month by age band (before the subscriber's own factor). */
static const double AGE_VIEW[NAGE] = {1500, 2400, 3300, 4500, 5000};
/* Hour windows of the time slots morning, daytime, prime, late. */
static const int SLOT_H0[NSLOT] = {6, 11, 18, 23};
static const int SLOT_HN[NSLOT] = {5, 7, 5, 3};

static const char *const DRIVER_NAMES[NDRV] = {
    "none", "arrears", "disengagement", "moving", "service",
    "contract_end", "promotion_end", "competitor", "age_health"};
/* Probability that an episode of each driver ends in churn rather than fading out. */
static const double COMPLETE_P[NDRV] = {0, 0.55, 0.5, 0.95, 0.6, 0.65, 0.6, 0.65, 0.9};
/* Shares of the background churn (base_churn) by driver. */
static const double BASE_SHARE[NDRV] = {0, 0.15, 0.20, 0.20, 0.25, 0, 0, 0, 0.10};
/* Age multipliers of the age/health driver (mean about 1 over AGE_W) and of moving. */
static const double AGE_HEALTH_M[NAGE] = {0.1, 0.2, 0.6, 1.7, 4.5};
static const double AGE_MOVE_M[NAGE] = {1.8, 1.1, 0.8, 0.7, 0.6};
/* The retention campaign's offer: the share of sim.campaign_effect it achieves against a churn
 * of each driver (price and competition fully, service half, the rest not at all). */
static const double OFFER_W[NDRV] = {0, 0, 0, 0, 0.5, 1, 1, 1, 0};

typedef struct sim_world {
  sim_cfg c;
  int64_t month_start_[BURN + MAX_MONTHS + 1]; /* read through MS(w, m), m in [-BURN, months] */
  double season_[BURN + MAX_MONTHS];  /* episode start rate factor of month m: SEASON(w, m) */
  int64_t end, n_total, n_new;
  int nreg, mgr_per_region, nvip_mgr;
  double region_w[MAX_REGIONS];
  uint8_t comp[MAX_REGIONS], poor[MAX_REGIONS];
  int64_t comp_start;  /* month index of the competitor's campaign */
  int64_t camp_end;    /* end of the retention campaign's window (months clamped), if any */
  int id_digits;
} sim_world;

#define MS(w, m) ((w)->month_start_[(m) + BURN])
#define SEASON(w, m) ((w)->season_[(m) + BURN])

static void build_calendar(sim_world *w) {
  int64_t days = churn__floor_div(w->c.start, DAY), tod = w->c.start - days * DAY;
  int64_t y, m, d;
  churn__civil_from_days(days, &y, &m, &d);
  if (d > 28) d = 28;
  for (int64_t k = -BURN; k <= w->c.months; k++) {
    w->month_start_[k + BURN] = k == 0 ? w->c.start : churn__days_from_civil(y, m + k, d) * DAY + tod;
  }
  w->end = MS(w, w->c.months);
  /* the seasonal profile by the calendar month in which month k starts, times the churn level */
  for (int64_t k = -BURN; k < w->c.months; k++) {
    int64_t yy, mm, dd;
    churn__civil_from_days(churn__floor_div(MS(w, k), DAY), &yy, &mm, &dd);
    double f = w->c.churn_scale;
    if (w->c.seasonality > 0) {
      f *= 1.0 + w->c.seasonality * cos(2.0 * M_PI * (double)(mm - w->c.season_peak) / 12.0);
    }
    SEASON(w, k) = f;
  }
}

/* Picks round(share * n) distinct regions (at least one when share > 0) into flags. */
static void pick_regions(churn__rng *r, int n, double share, uint8_t *flags) {
  int k = (int)floor(share * n + 0.5);
  if (share > 0 && k == 0) k = 1;
  int order[MAX_REGIONS];
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = n - 1; i > 0; i--) {  /* Fisher-Yates */
    int j = (int)churn__rng_int(r, i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < k && i < n; i++) flags[order[i]] = 1;
}

static void build_world(sim_world *w) {
  build_calendar(w);
  w->nreg = (int)w->c.regions;
  for (int r = 0; r < w->nreg; r++) w->region_w[r] = 1.0 / pow(r + 1.0, 0.6);
  churn__rng wr;
  churn__rng_seed(&wr, (uint64_t)w->c.seed, UINT64_MAX);
  memset(w->comp, 0, sizeof w->comp);
  memset(w->poor, 0, sizeof w->poor);
  pick_regions(&wr, w->nreg, w->c.comp_share, w->comp);
  pick_regions(&wr, w->nreg, w->c.poor_share, w->poor);
  w->comp_start = w->c.comp_start >= 0 ? w->c.comp_start : w->c.months / 3;
  if (w->c.camp_month >= 0) {
    int64_t e = w->c.camp_month + w->c.camp_horizon;
    w->camp_end = MS(w, e < w->c.months ? e : w->c.months);
  }
  w->n_new = (int64_t)floor((double)w->c.n * w->c.new_rate * (double)w->c.months + 0.5);
  w->n_total = w->c.n + w->n_new;
  int64_t per = w->c.n / (2500 * (int64_t)w->nreg);
  w->mgr_per_region = per < 1 ? 1 : (per > 99 ? 99 : (int)per);
  int64_t vip = (int64_t)((double)w->n_total * w->c.high_share / 150.0);
  w->nvip_mgr = vip < 1 ? 1 : (vip > 99 ? 99 : (int)vip);
  w->id_digits = 7;
  for (int64_t x = w->n_total; x >= 10000000; x /= 10) w->id_digits++;
}

/* --- per-block event buffers -------------------------------------------------------------------- */

typedef struct sim_event {
  int64_t time;
  double value;
  int32_t aux1, aux2;
  uint8_t kind, code, code2;
} sim_event;

typedef struct sim_block {
  sim_event *ev;
  size_t n, cap;
  int64_t first;        /* the block holds subscribers first .. first + BLOCK - 1 */
  int64_t count[BLOCK]; /* events per subscriber of the block */
  bool nomem;
} sim_block;

typedef struct sim_truth {
  int64_t churn_time, signal_start;
  double risk;
  int64_t previous;  /* a re-activation: the earlier subscription's index, else -1 */
  int64_t camp_time;   /* retention campaign: contact time of an eligible subscriber, else NONE */
  double camp_effect;  /* -(the offer's success) against the untreated path's churn, else 0 */
  int8_t category, driver, reason, cancelled;
  int8_t camp_selected, camp_treated, camp_driver;
  int8_t same_id_return;  /* the subscriber came back under its id (at return_time) */
  int64_t return_time;
} sim_truth;

typedef struct sim_ctx {
  const sim_world *w;
  churn__subs *subs;
  sim_block *blocks;
  sim_truth *truth;
  int64_t end;                 /* subscribers [first of block 0, end) in this pass */
  int64_t react_base;          /* index of the first re-activation */
  int64_t rows_end;            /* simulated subscriptions from here on are returns under an old
                                * id: no row of their own, their events go to react_src */
  const int64_t *react_src, *react_time;
  int32_t genre_code[NGENRE], fault_code[NFAULT], compl_code[NCOMPL];
} sim_ctx;

/* --- one subscriber ------------------------------------------------------------------------------ */

typedef struct sim_episode {
  int driver, reason;
  bool active, completes, silent, reactive, proactive_done;
  bool offer_saved;  /* would have ended in churn; the campaign's offer keeps the subscriber */
  int64_t ts, tc, t_off;  /* start, end (cancel or fade), device gone (or INT64_MAX) */
} sim_episode;

typedef struct sim_sub {
  const sim_world *w;
  const sim_ctx *ctx;
  sim_block *b;
  churn__rng r;
  churn__rng cr;         /* the retention campaign's draws, a stream of their own */
  int64_t idx, act, hi;  /* hi: no event at or after (cancel time or window end) */
  int region, age, tier, pkg, services, manager;
  bool vip, bb, mobile;
  double list_price, price_now, view_base, bb_base, md_base, mv_base, frailty, fault_m, late_p;
  int64_t contract_end, promo_end;
  double genre_w[NGENRE], slot_w[NSLOT];
  int bill_day, hb_phase;
  /* state */
  sim_episode ep;
  double arrears, dissat, risk_sum;
  int unpaid, risk_months;
  bool susp_np, gone;
  bool camp_eligible, camp_treated, camp_protect;
  int64_t off_a[MAX_SPANS], off_b[MAX_SPANS];
  int noff;
  sim_truth *truth;
} sim_sub;

static void emit(sim_sub *s, int64_t t, int kind, int code, int code2, double value, int32_t aux1,
                 int32_t aux2) {
  /* nothing before the window or activation (but the activation itself), nothing at or after
   * the cancellation or the window's end */
  if (t >= s->hi || (kind != CHURN_EV_ACTIVATION && (t < s->act || t < s->w->c.start))) return;
  sim_block *b = s->b;
  if (b->nomem) return;
  if (b->n == b->cap && !churn__grow((void **)&b->ev, &b->cap, b->n + 1, sizeof *b->ev)) {
    b->nomem = true;
    return;
  }
  sim_event *e = &b->ev[b->n++];
  e->time = t;
  e->value = value;
  e->aux1 = aux1;
  e->aux2 = aux2;
  e->kind = (uint8_t)kind;
  e->code = (uint8_t)code;
  e->code2 = (uint8_t)code2;
}

static void emit_plain(sim_sub *s, int64_t t, int kind, int code) {
  emit(s, t, kind, code, 0, 0.0, CHURN_AUX_NONE, CHURN_AUX_NONE);
}

static int64_t uniform_time(sim_sub *s, int64_t a, int64_t b) {
  if (b <= a) return a;
  return a + churn__rng_int(&s->r, b - a);
}

static double bundle_price(int pkg, bool bb, bool mobile, int services) {
  double p = PKG_PRICE[pkg] + (bb ? 30.0 : 0.0) + (mobile ? 20.0 : 0.0);
  return floor(p * (1.0 - 0.08 * (services - 1)) * 100.0 + 0.5) / 100.0;
}

static int pick_tier(sim_sub *s) {
  double u = churn__rng_unif(&s->r), hs = s->w->c.high_share;
  if (u < hs) return 2;
  if (u < hs + 0.30) return 1;
  return 0;
}

static void draw_bundle(sim_sub *s) {
  static const double SERV_W[NTIER][3] = {{0.6, 0.3, 0.1}, {0.3, 0.45, 0.25}, {0, 0.3, 0.7}};
  static const int PKG_LO[NTIER] = {0, 1, 3}, PKG_N[NTIER] = {2, 3, 2};
  s->services = 1 + churn__rng_pick(&s->r, SERV_W[s->tier], 3);
  s->bb = s->services == 3 || (s->services == 2 && churn__rng_bern(&s->r, 0.75));
  s->mobile = s->services == 3 || (s->services == 2 && !s->bb);
  s->pkg = PKG_LO[s->tier] + (int)churn__rng_int(&s->r, PKG_N[s->tier]);
  s->list_price = bundle_price(s->pkg, s->bb, s->mobile, s->services);
  s->price_now = s->list_price;
}

/* Activation and the contract / promotion dates. */
static void draw_dates(sim_sub *s) {
  const sim_world *w = s->w;
  int64_t start = w->c.start, span = w->end - start;
  if (s->idx < w->c.n) {
    double years = churn__rng_bern(&s->r, 0.15) ? churn__rng_unif(&s->r)
                                                : -4.0 * log(1.0 - churn__rng_unif(&s->r));
    if (years > 20) years = 20;
    s->act = start - DAY - (int64_t)(years * 365.25 * DAY);
  } else {
    int64_t m = (s->idx - w->c.n) * w->c.months / (w->n_new > 0 ? w->n_new : 1);
    int64_t ms = MS(w, m), me = MS(w, m + 1);
    s->act = ms + churn__rng_int(&s->r, me - ms - HOUR);
  }
  s->contract_end = s->promo_end = CHURN_TIME_NONE;
  if (churn__rng_bern(&s->r, w->c.contract_share)) {
    if (s->idx < w->c.n) {
      s->contract_end = start - 30 * DAY + churn__rng_int(&s->r, span + 210 * DAY);
    } else {
      s->contract_end = s->act + (churn__rng_bern(&s->r, 0.5) ? 365 : 730) * DAY;
    }
  }
  double pp = s->idx < w->c.n ? w->c.promo_share : fmin(1.0, 2.0 * w->c.promo_share);
  if (churn__rng_bern(&s->r, pp)) {
    if (s->idx < w->c.n) {
      s->promo_end = start + churn__rng_int(&s->r, span);
    } else {
      s->promo_end = s->act + (churn__rng_bern(&s->r, 0.5) ? 182 : 365) * DAY;
    }
  }
}

static void draw_profile(sim_sub *s) {
  const sim_world *w = s->w;
  churn__rng *r = &s->r;
  s->region = churn__rng_pick(r, w->region_w, w->nreg);
  s->age = churn__rng_pick(r, AGE_W, NAGE);
  s->tier = pick_tier(s);
  s->vip = s->tier == 2 ? churn__rng_bern(r, 0.7) : (s->tier == 1 && churn__rng_bern(r, 0.01));
  draw_bundle(s);
  if (s->vip) {
    s->manager = w->nreg * w->mgr_per_region + (int)churn__rng_int(r, w->nvip_mgr);
  } else {
    s->manager = s->region * w->mgr_per_region + (int)churn__rng_int(r, w->mgr_per_region);
  }
  draw_dates(s);
  s->view_base = AGE_VIEW[s->age] * churn__rng_lognormal(r, -0.1, 0.45);
  s->bb_base = 120000.0 * churn__rng_lognormal(r, -0.18, 0.6);
  s->md_base = 6000.0 * churn__rng_lognormal(r, -0.18, 0.6);
  s->mv_base = 300.0 * churn__rng_lognormal(r, -0.08, 0.4);
  double sp = w->c.spread;  /* mean 1: mu = -sigma^2 / 2 (the default 0.6 gives -0.18) */
  s->frailty = churn__rng_lognormal(r, -0.5 * sp * sp, sp);
  s->fault_m = churn__rng_lognormal(r, -0.125, 0.5);
  static const double TIER_LATE[NTIER] = {1.4, 0.8, 0.5};
  s->late_p = fmin(0.8, w->c.late_pay * TIER_LATE[s->tier] * churn__rng_lognormal(r, -0.125, 0.5));
  for (int g = 0; g < NGENRE; g++) s->genre_w[g] = churn__rng_unif(r) * churn__rng_unif(r) + 0.02;
  s->genre_w[2] += s->pkg == 2 ? 0.6 : 0.0;          /* the sports package watches sports */
  s->genre_w[4] += s->age <= 1 ? 0.2 : 0.0;          /* young families: kids */
  static const double SLOT_BASE[NSLOT] = {0.12, 0.2, 0.55, 0.13};
  for (int k = 0; k < NSLOT; k++) s->slot_w[k] = SLOT_BASE[k] * (0.5 + churn__rng_unif(r));
  if (s->age >= 3) s->slot_w[1] *= 2.0;  /* retired: daytime */
  s->bill_day = 1 + (int)churn__rng_int(r, 28);
  s->hb_phase = (int)churn__rng_int(r, w->c.hb_days);
}

/* --- churn hazards and episodes ----------------------------------------------------------------- */

static bool in_month_or_next(int64_t t, int64_t ms, int64_t me) {
  return t != CHURN_TIME_NONE && t >= ms - 31 * DAY && t < me;
}

/* Monthly episode start rates per driver for month m. */
static void hazards(const sim_sub *s, int64_t m, double *q) {
  const sim_world *w = s->w;
  int64_t ms = MS(w, m), me = MS(w, m + 1);
  double tenure = (double)(ms - s->act) / (365.25 * DAY);
  static const double STICK[4] = {1, 1.3, 0.85, 0.6};
  double common = s->frailty * STICK[s->services] * (tenure < 1 ? 1.5 : (tenure > 5 ? 0.8 : 1.0)) *
                  (s->vip ? 0.6 : 1.0);
  double B = w->c.base_churn;
  static const double TIER_ARREARS[NTIER] = {1.35, 0.7, 0.3};
  for (int k = 0; k < NDRV; k++) q[k] = 0;
  for (int k = 1; k < NDRV; k++) q[k] = B * BASE_SHARE[k] / COMPLETE_P[k];
  q[CHURN_DRIVER_ARREARS] *= TIER_ARREARS[s->tier] * (s->age == 0 ? 1.4 : 1.0);
  q[CHURN_DRIVER_DISENGAGEMENT] *= s->services == 1 ? 1.2 : 0.9;
  q[CHURN_DRIVER_MOVING] *= AGE_MOVE_M[s->age];
  q[CHURN_DRIVER_SERVICE] *= exp(0.6 * s->dissat) * (w->poor[s->region] ? 2.5 : 1.0) * 0.7;
  q[CHURN_DRIVER_AGE_HEALTH] *= AGE_HEALTH_M[s->age];
  if (in_month_or_next(s->contract_end, ms, me)) q[CHURN_DRIVER_CONTRACT_END] = 0.05;
  if (in_month_or_next(s->promo_end, ms, me)) q[CHURN_DRIVER_PROMOTION_END] = 0.08;
  if (w->comp[s->region] && m >= w->comp_start) {
    double fresh = exp(-(double)(m - w->comp_start) / 18.0);
    q[CHURN_DRIVER_COMPETITOR] = B * w->c.comp_uplift * 0.25 / COMPLETE_P[CHURN_DRIVER_COMPETITOR] *
                                 fresh * (s->age <= 1 ? 1.5 : 0.7) * (s->bb ? 1.3 : 1.0);
  }
  common *= SEASON(w, m);
  for (int k = 1; k < NDRV; k++) q[k] *= common;
}

static int pick_reason(sim_sub *s, int driver) {
  double u = churn__rng_unif(&s->r);
  switch (driver) {
    case CHURN_DRIVER_ARREARS: return CHURN_REASON_PRICE;
    case CHURN_DRIVER_DISENGAGEMENT: return CHURN_REASON_NOT_WANTED;
    case CHURN_DRIVER_MOVING: return u < 0.8 ? CHURN_REASON_MOVING : CHURN_REASON_NO_DEVICE;
    case CHURN_DRIVER_SERVICE:
      return u < 0.6 ? CHURN_REASON_TECHNICAL
                     : (u < 0.85 ? CHURN_REASON_CUSTOMER_SERVICE : CHURN_REASON_PACKAGE_FIT);
    case CHURN_DRIVER_CONTRACT_END: return u < 0.6 ? CHURN_REASON_COMPETITOR : CHURN_REASON_PRICE;
    case CHURN_DRIVER_PROMOTION_END: return u < 0.75 ? CHURN_REASON_PROMO_END : CHURN_REASON_PRICE;
    case CHURN_DRIVER_COMPETITOR: return u < 0.85 ? CHURN_REASON_COMPETITOR : CHURN_REASON_PRICE;
    default: return u < 0.8 ? CHURN_REASON_AGE_HEALTH : CHURN_REASON_NO_DEVICE;
  }
}

/* Lag in days from the episode start (or the contract / promotion date) to its end. */
static int64_t episode_end(sim_sub *s, int driver, int64_t ts) {
  static const int LAG_LO[NDRV] = {0, 80, 60, 30, 40, 5, 10, 40, 30};
  static const int LAG_N[NDRV] = {1, 60, 90, 60, 70, 45, 50, 90, 120};
  int64_t base = ts;
  if (driver == CHURN_DRIVER_CONTRACT_END && s->contract_end > ts) base = s->contract_end;
  if (driver == CHURN_DRIVER_PROMOTION_END && s->promo_end > ts) base = s->promo_end;
  return base + (LAG_LO[driver] + churn__rng_int(&s->r, LAG_N[driver])) * DAY +
         churn__rng_int(&s->r, DAY);
}

/* --- the retention campaign (sim.campaign_month; see churn.h) --------------------------------- *
 * Its draws come from a stream of their own per subscriber, so that a subscriber it does not
 * treat lives exactly the history it would have lived without a campaign, and a treated one
 * the same history up to the churn the offer prevents.  Only then does a treated subscriber's
 * history depart from its untreated one, which is why the untreated path's churn in the window
 * (campaign_driver, campaign_true_effect) is known for every eligible subscriber. */

#define CAMPAIGN_STREAM (UINT64_C(3) << 61) /* above REACT_PICK_STREAM + i, below REACT_STREAM */

#define OFFER_DELAY (3 * DAY) /* the offer acts on cancellations this long after the contact */

static double offer_success(const sim_world *w, int driver) {
  return w->c.camp_effect * OFFER_W[driver];
}

/* A treated subscriber's running episode that would end in a cancellation from OFFER_DELAY
 * after the contact to the window's end: the offer keeps the subscriber with probability
 * offer_success; the episode then runs its course and fades at its end instead.  Decided here
 * (after every draw of the main stream that the episode's start makes), so the main stream's
 * draws stay those of the untreated history until the churn time (the retention desk's call
 * before a cancellation, at most 49 hours before it, falls after the contact). */
static bool offer_check(sim_sub *s) {
  sim_episode *e = &s->ep;
  if (!s->camp_treated || !e->active || !e->completes || e->silent) return false;
  if (e->tc < s->truth->camp_time + OFFER_DELAY || e->tc >= s->w->camp_end) return false;
  if (churn__rng_unif(&s->cr) >= offer_success(s->w, e->driver)) return false;
  e->completes = false;
  e->offer_saved = true;
  return true;
}

/* The untreated history churns at t through `driver`: recorded when t falls in the window,
 * with the offer's effect when it could act (silent churn is by movers: no effect). */
static void campaign_record(sim_sub *s, int64_t t, int driver) {
  sim_truth *tr = s->truth;
  if (!s->camp_eligible || tr->camp_driver != 0 || t < tr->camp_time || t >= s->w->camp_end) return;
  tr->camp_driver = (int8_t)driver;
  if (t >= tr->camp_time + OFFER_DELAY) tr->camp_effect = -offer_success(s->w, driver);
}

/* At the start of the campaign month: a subscriber active then is eligible; it is selected with
 * probability sim.campaign_share and, if selected, held out as control with probability
 * sim.control_share; a treated one gets a RETENTION contact (outcome unknown) on the month's
 * first day, and the offer acts on the episode already under way. */
static void campaign_start(sim_sub *s, int64_t m, int64_t ms) {
  const sim_world *w = s->w;
  sim_truth *tr = s->truth;
  if (m != w->c.camp_month || s->act >= ms) return;
  if (tr->churn_time != CHURN_TIME_NONE && tr->churn_time < ms) return; /* silently gone */
  churn__rng_seed(&s->cr, (uint64_t)w->c.seed, CAMPAIGN_STREAM + (uint64_t)s->idx);
  s->camp_eligible = true;
  tr->camp_time = ms + 8 * HOUR + churn__rng_int(&s->cr, 10 * HOUR);
  bool selected = churn__rng_bern(&s->cr, w->c.camp_share);
  bool control = churn__rng_bern(&s->cr, w->c.control_share);
  tr->camp_selected = selected;
  tr->camp_treated = selected && !control;
  s->camp_treated = tr->camp_treated;
  if (!s->camp_treated) return;
  emit_plain(s, tr->camp_time, CHURN_EV_RETENTION, CHURN_OUTCOME_UNKNOWN);
  if (offer_check(s) && s->hi == s->ep.tc) s->hi = w->end;
}

static void start_episode(sim_sub *s, int driver, int64_t ts) {
  sim_episode *e = &s->ep;
  memset(e, 0, sizeof *e);
  e->active = true;
  e->driver = driver;
  e->ts = ts;
  e->tc = episode_end(s, driver, ts);
  e->t_off = INT64_MAX;
  e->completes = churn__rng_bern(&s->r, COMPLETE_P[driver]);
  e->reason = pick_reason(s, driver);
  if (driver == CHURN_DRIVER_MOVING || (driver == CHURN_DRIVER_AGE_HEALTH &&
                                        churn__rng_bern(&s->r, 0.4))) {
    int64_t off = e->tc - (10 + churn__rng_int(&s->r, 35)) * DAY;
    e->t_off = off > ts ? off : ts + HOUR;
    if (!e->completes) e->t_off = INT64_MAX;  /* a mover who stays never leaves the box */
  }
  if (e->completes && driver == CHURN_DRIVER_MOVING &&
      churn__rng_bern(&s->r, s->w->c.silent_share)) {
    e->silent = true;  /* walks away: box offline, bills unpaid, never cancels */
    e->tc = INT64_MAX;
    return;
  }
  /* the other drivers' silent churners (not arrears: the operator cancels those); drawn only
   * when asked for, so that the default keeps the streams of earlier versions */
  if (e->completes && s->w->c.silent_other > 0 && driver != CHURN_DRIVER_MOVING &&
      driver != CHURN_DRIVER_ARREARS && churn__rng_bern(&s->r, s->w->c.silent_other)) {
    int64_t off = e->tc - (10 + churn__rng_int(&s->r, 35)) * DAY;
    e->t_off = off > ts ? off : ts + HOUR;
    e->silent = true;
    e->tc = INT64_MAX;
    return;
  }
  /* The retention desk takes the cancellation call (not for operator-side cancellations). */
  if (e->completes && driver != CHURN_DRIVER_ARREARS &&
      churn__rng_bern(&s->r, s->vip ? 0.9 : 0.5)) {
    e->reactive = true;
    if (churn__rng_bern(&s->r, 0.6 * s->w->c.retention)) e->completes = false;
  }
  offer_check(s);
  if (e->completes && e->tc < s->hi) s->hi = e->tc;
}

/* Progress of the episode at time t in [0, 1] (0 before its start). */
static double progress(const sim_episode *e, int64_t t) {
  if (!e->active || t <= e->ts) return 0;
  int64_t end = e->tc == INT64_MAX ? e->t_off + 30 * DAY : e->tc;
  double p = (double)(t - e->ts) / (double)(end - e->ts);
  return p > 1 ? 1 : p;
}

/* --- emitting one month -------------------------------------------------------------------------- */

static void add_span(sim_sub *s, int64_t a, int64_t b) {
  if (s->noff < MAX_SPANS) {
    s->off_a[s->noff] = a;
    s->off_b[s->noff] = b;
    s->noff++;
  }
}

static bool offline_at(const sim_sub *s, int64_t t) {
  for (int k = 0; k < s->noff; k++) {
    if (t >= s->off_a[k] && t < s->off_b[k]) return true;
  }
  return false;
}

/* Seconds of [a, b) covered by offline spans (spans may overlap: an upper bound). */
static int64_t offline_overlap(const sim_sub *s, int64_t a, int64_t b) {
  int64_t tot = 0;
  for (int k = 0; k < s->noff; k++) {
    int64_t lo = s->off_a[k] > a ? s->off_a[k] : a, hi = s->off_b[k] < b ? s->off_b[k] : b;
    if (hi > lo) tot += hi - lo;
  }
  return tot > b - a ? b - a : tot;
}

static void emit_package_change(sim_sub *s, int64_t t, int dir) {
  int pkg = s->pkg + (dir == CHURN_PACKAGE_UP ? 1 : (dir == CHURN_PACKAGE_DOWN ? -1 : 0));
  if (pkg < 0 || pkg >= NPKG || t < s->act || t >= s->hi) return;
  double price = bundle_price(pkg, s->bb, s->mobile, s->services);
  if (dir == CHURN_PACKAGE_SIDE) price = floor(s->price_now * 90.0 + 0.5) / 100.0;  /* discount */
  s->pkg = pkg;
  s->price_now = price;
  emit(s, t, CHURN_EV_PACKAGE_CHANGE, dir, 0, price, pkg, CHURN_AUX_NONE);
}

static void pay(sim_sub *s, int64_t t, double amount) {
  if (amount <= 0) return;
  emit(s, t, CHURN_EV_PAYMENT, 0, 0, floor(amount * 100.0 + 0.5) / 100.0, CHURN_AUX_NONE,
       CHURN_AUX_NONE);
  s->arrears = 0;
  s->unpaid = 0;
  if (s->susp_np) {
    s->susp_np = false;
    emit_plain(s, t + HOUR, CHURN_EV_RESUME, CHURN_SUSPEND_NON_PAYMENT);
  }
}

static bool payments_blocked(const sim_sub *s, int64_t t) {
  const sim_episode *e = &s->ep;
  if (!e->active) return false;
  if (e->silent) return t >= e->t_off;
  return e->driver == CHURN_DRIVER_ARREARS && t >= e->ts && t < e->tc;
}

static void month_billing(sim_sub *s, int64_t ms, int64_t me) {
  int64_t tb = ms + (s->bill_day - 1) * (int64_t)DAY + 8 * HOUR;
  if (tb >= me) tb = me - HOUR;
  if (s->susp_np && !payments_blocked(s, ms)) {
    int64_t t = uniform_time(s, ms, tb);
    if (!payments_blocked(s, t)) pay(s, t, s->arrears);  /* settles and gets reconnected */
  }
  if (tb < s->act || tb >= s->hi || s->susp_np) return;
  double amount = s->price_now;
  if (s->promo_end != CHURN_TIME_NONE && tb < s->promo_end) amount = floor(amount * 75.0 + 0.5) / 100.0;
  emit(s, tb, CHURN_EV_BILL, 0, 0, amount, 20 * DAY, CHURN_AUX_NONE);
  static const double TIER_MISS[NTIER] = {1.5, 0.8, 0.4};
  if (payments_blocked(s, tb) || churn__rng_bern(&s->r, 0.012 * TIER_MISS[s->tier])) {
    s->arrears += amount;
    s->unpaid++;
    if (s->unpaid >= 2 && !s->susp_np) {
      s->susp_np = true;
      emit_plain(s, tb + 25 * DAY, CHURN_EV_SUSPEND, CHURN_SUSPEND_NON_PAYMENT);
      add_span(s, tb + 25 * DAY, INT64_MAX);
    }
    return;
  }
  bool late = churn__rng_bern(&s->r, s->late_p);
  int64_t delay = late ? (21 + churn__rng_int(&s->r, 30)) * DAY : (1 + churn__rng_int(&s->r, 19)) * DAY;
  int64_t tp = tb + delay + churn__rng_int(&s->r, DAY);
  if (payments_blocked(s, tp)) {  /* a silent churner gone before paying: the bill stays unpaid */
    s->arrears += amount;
    s->unpaid++;
    return;
  }
  pay(s, tp, amount + s->arrears);
}

static int pick_slot_hour(sim_sub *s, int *slot) {
  int k = churn__rng_pick(&s->r, s->slot_w, NSLOT);
  *slot = k + 1;
  return SLOT_H0[k] + (int)churn__rng_int(&s->r, SLOT_HN[k]);
}

static void month_viewing(sim_sub *s, int64_t lo, int64_t hi, double mult) {
  if (hi <= lo) return;
  double frac = (double)(hi - lo) / (30.44 * DAY);
  double total = s->view_base * mult * frac * churn__rng_lognormal(&s->r, -0.01, 0.15);
  int n = churn__rng_poisson(&s->r, s->w->c.view_events * frac * (0.3 + 0.7 * mult));
  for (int i = 0; i < n; i++) {
    int slot;
    int64_t day = churn__floor_div(uniform_time(s, lo, hi), DAY) * DAY;
    int64_t t = day + pick_slot_hour(s, &slot) * (int64_t)HOUR + churn__rng_int(&s->r, HOUR);
    double minutes = floor(total / n * churn__rng_lognormal(&s->r, -0.045, 0.3) + 1.0);
    int g = churn__rng_pick(&s->r, s->genre_w, NGENRE);
    if (t < lo || offline_at(s, t)) continue;
    emit(s, t, CHURN_EV_VIEW, s->ctx->genre_code[g], slot, minutes, CHURN_AUX_NONE,
         CHURN_AUX_NONE);
  }
}

static void month_heartbeats(sim_sub *s, int64_t lo, int64_t hi) {
  const sim_world *w = s->w;
  int64_t step = w->c.hb_days * DAY;
  int64_t anchor = churn__floor_div(w->c.start, DAY) * DAY + s->hb_phase * (int64_t)DAY + 3 * HOUR;
  int64_t k = churn__floor_div(lo - anchor, step) + 1;
  for (int64_t t = anchor + k * step; t < hi; t += step) {
    if (offline_at(s, t)) continue;
    int64_t a = t - step < s->act ? s->act : t - step;
    double online_days = floor((double)(t - a - offline_overlap(s, a, t)) / DAY + 0.5);
    emit(s, t, CHURN_EV_HEARTBEAT, 1, 0, online_days, CHURN_AUX_NONE, CHURN_AUX_NONE);
  }
}

static void month_usage(sim_sub *s, int64_t lo, int64_t hi, double mult) {
  if (hi <= lo) return;
  double frac = (double)(hi - lo) / (30.44 * DAY);
  int64_t t = hi - DAY + churn__rng_int(&s->r, 12 * HOUR);
  if (t < lo) t = lo;
  if (s->bb) {
    emit(s, t, CHURN_EV_USAGE, CHURN_USAGE_BROADBAND, 0,
         floor(s->bb_base * mult * frac * churn__rng_lognormal(&s->r, -0.02, 0.2)), CHURN_AUX_NONE,
         CHURN_AUX_NONE);
  }
  if (s->mobile) {
    emit(s, t + 60, CHURN_EV_USAGE, CHURN_USAGE_MOBILE_DATA, 0,
         floor(s->md_base * mult * frac * churn__rng_lognormal(&s->r, -0.02, 0.2)), CHURN_AUX_NONE,
         CHURN_AUX_NONE);
    emit(s, t + 120, CHURN_EV_USAGE, CHURN_USAGE_MOBILE_VOICE, 0,
         floor(s->mv_base * (0.5 + 0.5 * mult) * frac * churn__rng_lognormal(&s->r, -0.02, 0.2)),
         CHURN_AUX_NONE, CHURN_AUX_NONE);
  }
}

static void complaint(sim_sub *s, int64_t t, int category) {
  emit_plain(s, t, CHURN_EV_COMPLAINT, s->ctx->compl_code[category]);
}

/* Fault reports with first contact and fix times; breaches feed dissatisfaction. */
static void month_faults(sim_sub *s, int64_t lo, int64_t hi, bool service_ep) {
  const sim_world *w = s->w;
  if (hi <= lo) return;
  double frac = (double)(hi - lo) / (30.44 * DAY);
  double poor = w->poor[s->region] ? 2.2 : 1.0;
  double rate = w->c.fault_rate * s->fault_m * poor * (service_ep ? 3.5 : 1.0) * frac;
  int n = churn__rng_poisson(&s->r, rate);
  double pb = fmin(0.9, w->c.sla_breach * (w->poor[s->region] ? 1.5 : 1.0) * (service_ep ? 2.2 : 1.0));
  for (int i = 0; i < n; i++) {
    int64_t t = uniform_time(s, lo, hi);
    int type = churn__rng_pick(&s->r, FAULT_W, NFAULT);
    if (type == 3 && !s->bb) type = 4;
    bool cb = churn__rng_bern(&s->r, pb), fb = churn__rng_bern(&s->r, 0.8 * pb);
    int32_t contact = cb ? (int32_t)(21 * 60 + churn__rng_int(&s->r, 220 * 60))
                         : (int32_t)(2 * 60 + churn__rng_int(&s->r, 18 * 60));
    int32_t fix = fb ? (int32_t)(25 * HOUR + churn__rng_int(&s->r, 72 * HOUR))
                     : (int32_t)(HOUR + churn__rng_int(&s->r, 22 * HOUR));
    if (fix <= contact) fix = contact + HOUR;
    emit(s, t, CHURN_EV_FAULT, s->ctx->fault_code[type], 0, 0.0, contact, fix);
    if (type == 0) {
      emit_plain(s, t - 300, CHURN_EV_DISCONNECT, 1);
      emit_plain(s, t + fix, CHURN_EV_CONNECT, 1);
      add_span(s, t - 300, t + fix);
    }
    s->dissat += 0.3 + (cb ? 0.6 : 0.0) + (fb ? 1.0 : 0.0);
    if (churn__rng_bern(&s->r, 0.6)) {
      int score = (cb || fb) ? 1 + (int)churn__rng_int(&s->r, 2) : 3 + (int)churn__rng_int(&s->r, 3);
      emit_plain(s, t + fix + (1 + churn__rng_int(&s->r, 3)) * DAY, CHURN_EV_CALLBACK, score);
    }
    if ((cb || fb) && churn__rng_bern(&s->r, 0.35)) complaint(s, t + fix + 2 * HOUR, C_REPAIR);
  }
}

/* Vacations, voluntary suspensions and the device leaving with a mover. */
static void month_offline(sim_sub *s, int64_t lo, int64_t me) {
  s->noff = 0;
  if (s->susp_np) add_span(s, lo, INT64_MAX);
  if (s->ep.active && s->ep.t_off < me) {
    if (s->ep.t_off >= lo) emit_plain(s, s->ep.t_off, CHURN_EV_DISCONNECT, 1);
    add_span(s, s->ep.t_off, INT64_MAX);
  }
  if (churn__rng_bern(&s->r, 0.015)) {
    int64_t a = uniform_time(s, lo, me), b = a + (3 + churn__rng_int(&s->r, 14)) * DAY;
    emit_plain(s, a, CHURN_EV_DISCONNECT, 1);
    emit_plain(s, b, CHURN_EV_CONNECT, 1);
    add_span(s, a, b);
  }
  if (churn__rng_bern(&s->r, 0.0025)) {
    int64_t a = uniform_time(s, lo, me), b = a + (14 + churn__rng_int(&s->r, 32)) * DAY;
    emit_plain(s, a, CHURN_EV_SUSPEND, CHURN_SUSPEND_VOLUNTARY);
    emit_plain(s, b, CHURN_EV_RESUME, CHURN_SUSPEND_VOLUNTARY);
    add_span(s, a, b);
  }
}

/* Outbound retention contact when the episode's warning signs show. */
static void month_retention(sim_sub *s, int64_t ms, int64_t me) {
  sim_episode *e = &s->ep;
  double p = (s->tier == 2 || s->vip) ? 0.5 : 0.15;
  if (!e->active || e->silent || e->proactive_done || e->ts >= me) {
    if (!e->active && (s->unpaid >= 1 || s->dissat > 1.5) && churn__rng_bern(&s->r, 0.1 * p)) {
      int64_t t = uniform_time(s, ms, me);
      emit_plain(s, t, CHURN_EV_RETENTION,
                 churn__rng_bern(&s->r, 0.5) ? CHURN_OUTCOME_RETAINED : CHURN_OUTCOME_NO_ANSWER);
    }
    return;
  }
  double prog = progress(e, me);
  bool visible = prog > 0.3 || s->unpaid >= 1 || e->t_off < me || s->dissat > 1.0 ||
                 e->driver == CHURN_DRIVER_CONTRACT_END || e->driver == CHURN_DRIVER_PROMOTION_END;
  if (!visible || !churn__rng_bern(&s->r, p)) return;
  e->proactive_done = true;
  int64_t lo = e->ts + 3 * DAY > ms ? e->ts + 3 * DAY : ms;
  int64_t hi = e->tc < me ? e->tc - HOUR : me;
  if (hi <= lo) return;
  int64_t t = uniform_time(s, lo, hi);
  if (churn__rng_bern(&s->r, 0.3)) {
    emit_plain(s, t, CHURN_EV_RETENTION, CHURN_OUTCOME_NO_ANSWER);
  } else if (churn__rng_bern(&s->r, s->w->c.retention)) {
    emit_plain(s, t, CHURN_EV_RETENTION, CHURN_OUTCOME_RETAINED);
    if (e->driver == CHURN_DRIVER_ARREARS) pay(s, t + 3 * DAY, s->arrears);
    e->active = false;  /* the offer worked: the episode fades from here */
    s->hi = s->w->end;
  } else {
    emit_plain(s, t, CHURN_EV_RETENTION, CHURN_OUTCOME_LOST);
  }
}

/* Effects of the running episode on viewing and usage at mid-month. */
static void episode_effects(const sim_sub *s, int64_t t, double *view, double *usage) {
  static const double VIEW_DROP[NDRV] = {0, 0.3, 0.85, 0.3, 0.4, 0.4, 0.4, 0.65, 0.6};
  static const double USAGE_DROP[NDRV] = {0, 0.15, 0.5, 0.1, 0.2, 0.2, 0.2, 0.7, 0.3};
  double p = progress(&s->ep, t);
  *view = 1.0 - VIEW_DROP[s->ep.driver] * p;
  *usage = 1.0 - USAGE_DROP[s->ep.driver] * p;
}

static void month_episode_extras(sim_sub *s, int64_t lo, int64_t hi) {
  static const double DOWN_P[NDRV] = {0, 0.1, 0.12, 0, 0.05, 0.1, 0.25, 0.2, 0};
  static const double COMPL_P[NDRV] = {0, 0.1, 0, 0, 0.45, 0.05, 0.15, 0.05, 0};
  static const int COMPL_CAT[NDRV] = {0, C_BILLING, 0, 0, C_STAFF, C_PRICE, C_PRICE, C_PRICE, 0};
  int d = s->ep.active && s->ep.ts < hi ? s->ep.driver : 0;
  int64_t a = d && s->ep.ts > lo ? s->ep.ts : lo;
  if (hi <= a) return;
  if (churn__rng_bern(&s->r, 0.002 + DOWN_P[d])) {
    emit_package_change(s, uniform_time(s, a, hi), CHURN_PACKAGE_DOWN);
  } else if (d == 0 && churn__rng_bern(&s->r, 0.003)) {
    emit_package_change(s, uniform_time(s, a, hi), CHURN_PACKAGE_UP);
  }
  if (churn__rng_bern(&s->r, COMPL_P[d])) complaint(s, uniform_time(s, a, hi), COMPL_CAT[d]);
  if (churn__rng_bern(&s->r, 0.005)) {
    complaint(s, uniform_time(s, a, hi), (int)churn__rng_int(&s->r, NCOMPL));
  }
}

/* The episode ending inside [ms, me): cancellation, or the subscriber stays. */
static void month_episode_end(sim_sub *s, int64_t me) {
  sim_episode *e = &s->ep;
  if (!e->active || e->tc >= me) return;
  if (e->completes || e->offer_saved) campaign_record(s, e->tc, e->driver);
  if (e->offer_saved) s->camp_protect = true;  /* took the offer: no new episode in the window */
  if (e->reactive) {
    int64_t t = e->tc - HOUR - churn__rng_int(&s->r, 48 * HOUR);
    if (t < e->ts) t = e->ts;
    /* the subscriber's request to cancel, taken by the retention desk ten minutes later */
    emit_plain(s, t - 600, CHURN_EV_CANCEL_REQUEST, e->reason);
    emit_plain(s, t, CHURN_EV_RETENTION,
               e->completes ? CHURN_OUTCOME_LOST : CHURN_OUTCOME_RETAINED);
    if (!e->completes) emit_package_change(s, t + 60, CHURN_PACKAGE_SIDE);
  }
  if (e->completes) {
    s->hi = e->tc + 1;  /* the cancellation itself is the last event */
    emit_plain(s, e->tc, CHURN_EV_CANCEL, e->reason);
    sim_truth *tr = s->truth;
    tr->churn_time = e->tc;
    tr->signal_start = e->ts;
    tr->driver = (int8_t)e->driver;
    tr->reason = (int8_t)e->reason;
    tr->cancelled = 1;
    tr->category = (int8_t)churn_cancel_reason_category(e->reason);
    s->gone = true;
    return;
  }
  if (e->driver == CHURN_DRIVER_ARREARS) pay(s, e->tc, s->arrears);
  e->active = false;
}

static void month_silent(sim_sub *s, int64_t me) {
  sim_episode *e = &s->ep;
  if (!e->active || !e->silent || e->t_off >= me || s->truth->driver != 0) return;
  sim_truth *tr = s->truth;
  tr->churn_time = e->t_off;
  tr->signal_start = e->ts;
  tr->driver = (int8_t)e->driver;
  tr->reason = (int8_t)e->reason;
  tr->cancelled = 0;
  tr->category = (int8_t)churn_cancel_reason_category(e->reason);
  campaign_record(s, e->t_off, e->driver);
}

static void maybe_start_episode(sim_sub *s, int64_t m, int64_t lo, int64_t me) {
  double q[NDRV];
  hazards(s, m, q);
  double tot = 0, risk = 0;
  for (int k = 1; k < NDRV; k++) {
    tot += q[k];
    risk += q[k] * COMPLETE_P[k];
  }
  s->risk_sum += risk;
  s->risk_months++;
  if (s->ep.active || s->gone || lo >= me) return;
  if (s->camp_protect && m < s->w->c.camp_month + s->w->c.camp_horizon) return;
  if (churn__rng_unif(&s->r) >= 1.0 - exp(-tot)) return;
  int driver = churn__rng_pick(&s->r, q, NDRV);
  start_episode(s, driver, uniform_time(s, lo, me));
}

static void simulate_month(sim_sub *s, int64_t m) {
  const sim_world *w = s->w;
  int64_t ms = MS(w, m), me = MS(w, m + 1);
  int64_t lo = ms > s->act ? ms : s->act;
  if (lo >= me) return;
  campaign_start(s, m, ms);
  maybe_start_episode(s, m, lo, me);
  month_retention(s, ms, me);
  month_offline(s, lo, me);
  sim_episode *e = &s->ep;
  bool service_ep = e->active && e->driver == CHURN_DRIVER_SERVICE && e->ts < me;
  month_faults(s, lo, me, service_ep);
  double view = 1, usage = 1;
  if (e->active) episode_effects(s, (lo + me) / 2, &view, &usage);
  month_billing(s, ms, me);
  month_viewing(s, lo, me, view);
  month_heartbeats(s, lo, me);
  int64_t uhi = e->active && e->t_off < me ? e->t_off : me;
  if (!s->susp_np) month_usage(s, lo, uhi, usage);
  month_episode_extras(s, lo, me);
  month_silent(s, me);
  month_episode_end(s, me);
  s->dissat *= 0.75;
}

/* Months before the window, for the initial base: episodes start (those over before the window
 * are forgotten, as if that subscriber had been someone else) and nothing is emitted, so the
 * window opens with episodes under way, as a real operator's books do. */
static void burn_in(sim_sub *s) {
  const sim_world *w = s->w;
  for (int64_t m = -BURN; m < 0; m++) {
    int64_t ms = MS(w, m), me = MS(w, m + 1);
    int64_t lo = ms > s->act ? ms : s->act;
    if (lo >= me) continue;
    maybe_start_episode(s, m, lo, me);
    sim_episode *e = &s->ep;
    if (e->active && (e->tc < w->c.start || (e->silent && e->t_off < w->c.start))) {
      e->active = false;
      s->hi = w->end;
    }
  }
  s->risk_sum = 0;
  s->risk_months = 0;
}

/* Stable insertion sort of one subscriber's events by (time, kind): the events come out of the
 * month loop nearly sorted, so this is close to linear. */
static void sort_events(sim_event *ev, size_t n) {
  for (size_t i = 1; i < n; i++) {
    sim_event x = ev[i];
    size_t j = i;
    while (j > 0 && (ev[j - 1].time > x.time ||
                     (ev[j - 1].time == x.time && ev[j - 1].kind > x.kind))) {
      ev[j] = ev[j - 1];
      j--;
    }
    ev[j] = x;
  }
}

/* The subscriber-table row as at activation (later package changes are events); each worker
 * writes only its own rows. */
static void write_profile(churn__subs *subs, const sim_sub *s) {
  int64_t i = s->idx;
  subs->activation[i] = s->act;
  subs->cancellation[i] = CHURN_TIME_NONE;
  subs->contract_end[i] = s->contract_end;
  subs->promotion_end[i] = s->promo_end;
  subs->cat[CHURN__CAT_REGION].codes[i] = s->region;
  subs->cat[CHURN__CAT_AGE_BAND].codes[i] = s->age;
  subs->cat[CHURN__CAT_TIER].codes[i] = s->tier;
  subs->cat[CHURN__CAT_PACKAGE].codes[i] = s->pkg;
  subs->cat[CHURN__CAT_MANAGER].codes[i] = s->manager;
  subs->price[i] = s->list_price;
  subs->services[i] = s->services;
  subs->vip[i] = s->vip ? 1 : 0;
}

#define REACT_STREAM (UINT64_C(1) << 62) /* streams of re-activations; below: their choice */
#define REACT_PICK_STREAM (UINT64_C(1) << 61)

/* A churner who comes back: the same person (the profile drawn again from the old
 * subscription's stream), a new subscription from `act` with a win-back promotion of a year and
 * no contract, and a stream of its own for what happens next. */
static void reactivated_profile(sim_sub *s, int64_t src, int64_t act) {
  churn__rng_seed(&s->r, (uint64_t)s->w->c.seed, (uint64_t)src);
  int64_t idx = s->idx;
  s->idx = src;
  draw_profile(s);
  s->idx = idx;
  s->act = act;
  s->contract_end = CHURN_TIME_NONE;
  s->promo_end = act + 365 * (int64_t)DAY;
  s->truth->previous = src;
  churn__rng_seed(&s->r, (uint64_t)s->w->c.seed, REACT_STREAM + (uint64_t)idx);
}

static void simulate_subscriber(const sim_ctx *ctx, sim_block *b, int64_t i) {
  const sim_world *w = ctx->w;
  sim_sub s;
  memset(&s, 0, sizeof s);
  s.w = w;
  s.ctx = ctx;
  s.b = b;
  s.idx = i;
  s.truth = &ctx->truth[i];
  memset(s.truth, 0, sizeof *s.truth);
  s.truth->churn_time = s.truth->signal_start = s.truth->camp_time = CHURN_TIME_NONE;
  s.truth->previous = -1;
  s.truth->return_time = CHURN_TIME_NONE;
  if (i >= ctx->react_base) {
    reactivated_profile(&s, ctx->react_src[i - ctx->react_base],
                        ctx->react_time[i - ctx->react_base]);
  } else {
    churn__rng_seed(&s.r, (uint64_t)w->c.seed, (uint64_t)i);
    draw_profile(&s);
  }
  s.hi = w->end;
  s.ep.t_off = INT64_MAX;
  size_t first = b->n;
  bool own_row = i < ctx->rows_end;
  if (own_row) write_profile(ctx->subs, &s);
  emit_plain(&s, s.act, CHURN_EV_ACTIVATION, 0);  /* before the window for the initial base */
  if (i < w->c.n) burn_in(&s);
  for (int64_t m = 0; m < w->c.months && !s.gone; m++) simulate_month(&s, m);
  if (b->nomem) return;
  sort_events(b->ev + first, b->n - first);
  if (s.truth->cancelled) {  /* drop what was scheduled past the cancellation */
    size_t k = first;
    for (size_t j = first; j < b->n; j++) {
      if (b->ev[j].time < s.truth->churn_time || b->ev[j].kind == CHURN_EV_CANCEL) b->ev[k++] = b->ev[j];
    }
    b->n = k;
  } else if (s.truth->churn_time != CHURN_TIME_NONE) {
    /* a silent churner pays nothing once gone (a payment scheduled for an earlier bill before
     * the episode began is dropped) */
    size_t k = first;
    for (size_t j = first; j < b->n; j++) {
      if (b->ev[j].time <= s.truth->churn_time || b->ev[j].kind != CHURN_EV_PAYMENT) b->ev[k++] = b->ev[j];
    }
    b->n = k;
  }
  b->count[i - b->first] = (int64_t)(b->n - first);
  s.truth->risk = s.risk_months ? s.risk_sum / s.risk_months : 0.0;
  if (own_row) ctx->subs->cancellation[i] = s.truth->cancelled ? s.truth->churn_time : CHURN_TIME_NONE;
}

static void simulate_block(void *vctx, int64_t task, int worker) {
  (void)worker;
  const sim_ctx *ctx = vctx;
  sim_block *b = &ctx->blocks[task];
  int64_t lo = b->first, hi = lo + BLOCK;
  if (hi > ctx->end) hi = ctx->end;
  for (int64_t i = lo; i < hi && !b->nomem; i++) simulate_subscriber(ctx, b, i);
}

/* --- building the dataset ------------------------------------------------------------------------ */

/* Interns labels[0..n) into a dictionary that must give them the codes 0..n-1 (fresh dataset). */
static churn_status intern_all(churn__dict *d, const char *const *labels, int n, int32_t max,
                               int32_t *codes) {
  for (int k = 0; k < n; k++) {
    int32_t code;
    CHURN_TRY(churn__dict_intern(d, labels[k], strlen(labels[k]), max, &code, NULL));
    if (codes) codes[k] = code;
  }
  return CHURN_OK;
}

static churn_status intern_one(churn__dict *d, const char *label, int32_t expect) {
  int32_t code;
  CHURN_TRY(churn__dict_intern(d, label, strlen(label), INT32_MAX, &code, NULL));
  if (code != expect) return churn__fail(CHURN_E_INTERNAL, "churn_simulate: label '%s' got code %d",
                                         label, (int)code);
  return CHURN_OK;
}

static churn_status setup_labels(churn_dataset *ds, const sim_world *w, sim_ctx *ctx) {
  churn__subs *s = &ds->subs;
  char buf[32];
  for (int r = 0; r < w->nreg; r++) {
    if (r < 8) {
      snprintf(buf, sizeof buf, "%s", REGION_NAMES[r]);
    } else {
      snprintf(buf, sizeof buf, "region%02d", r + 1);
    }
    CHURN_TRY(intern_one(&s->cat[CHURN__CAT_REGION].dict, buf, r));
  }
  for (int k = 0; k < NAGE; k++) CHURN_TRY(intern_one(&s->cat[CHURN__CAT_AGE_BAND].dict, AGE_LABELS[k], k));
  for (int k = 0; k < NTIER; k++) CHURN_TRY(intern_one(&s->cat[CHURN__CAT_TIER].dict, TIER_LABELS[k], k));
  for (int k = 0; k < NPKG; k++) CHURN_TRY(intern_one(&s->cat[CHURN__CAT_PACKAGE].dict, PKG_LABELS[k], k));
  int code = 0;
  for (int r = 0; r < w->nreg; r++) {
    for (int k = 0; k < w->mgr_per_region; k++) {
      snprintf(buf, sizeof buf, "M%02d%02d", r + 1, k + 1);
      CHURN_TRY(intern_one(&s->cat[CHURN__CAT_MANAGER].dict, buf, code++));
    }
  }
  for (int k = 0; k < w->nvip_mgr; k++) {
    snprintf(buf, sizeof buf, "VIP%02d", k + 1);
    CHURN_TRY(intern_one(&s->cat[CHURN__CAT_MANAGER].dict, buf, code++));
  }
  churn__dict *d;
  CHURN_TRY(churn__events_code_dict(&ds->ev, CHURN_EV_VIEW, &d));
  CHURN_TRY(intern_all(d, GENRES, NGENRE, 256, ctx->genre_code));
  CHURN_TRY(churn__events_code_dict(&ds->ev, CHURN_EV_FAULT, &d));
  CHURN_TRY(intern_all(d, FAULTS, NFAULT, 256, ctx->fault_code));
  CHURN_TRY(churn__events_code_dict(&ds->ev, CHURN_EV_COMPLAINT, &d));
  return intern_all(d, COMPLAINTS, NCOMPL, 256, ctx->compl_code);
}

/* Adds subscribers [from, to) with their ids and the string column "person" (the person or
 * household behind a subscription: a return under a new id, src[i - from] >= 0, is the person
 * of the subscription it returns from), through churn_dataset_append_subscribers as an
 * operator's export would; write_profile fills the rest of each row. */
static churn_status add_subscribers(churn_dataset *ds, const sim_world *w, int64_t from,
                                    int64_t to, const int64_t *src) {
  size_t n = (size_t)(to - from), width = (size_t)w->id_digits + 2;
  char *text = churn__malloc_array(2 * n + 1, width);
  const char **ids = churn__malloc_array(2 * n + 1, sizeof *ids);
  churn_status st = text && ids ? CHURN_OK : churn__nomem("simulated subscribers");
  for (size_t k = 0; k < n && st == CHURN_OK; k++) {
    int64_t i = from + (int64_t)k, root = src ? src[k] : i;
    char *id = text + 2 * k * width, *person = id + width;
    snprintf(id, width, "S%0*lld", w->id_digits, (long long)(i + 1));
    snprintf(person, width, "P%0*lld", w->id_digits, (long long)(root + 1));
    ids[k] = id;
    ids[n + k] = person;
  }
  if (st == CHURN_OK) {
    churn_column cols[2] = {{"subscriber_id", CHURN_STR, ids, (int64_t)n, NULL, 0},
                            {"person", CHURN_STR, ids + n, (int64_t)n, NULL, 0}};
    st = churn_dataset_append_subscribers(ds, cols, 2, NULL);
  }
  if (st == CHURN_OK && ds->subs.n != to) {
    st = churn__fail(CHURN_E_INTERNAL, "churn_simulate: subscriber rows %lld, expected %lld",
                     (long long)ds->subs.n, (long long)to);
  }
  churn__free(ids);
  churn__free(text);
  return st;
}

typedef struct gather_ctx {
  churn__events *ev;
  sim_block *blocks;
  const int64_t *row; /* first row of each block */
  int64_t nsubs;      /* simulated subscriptions */
  int64_t rows_end;   /* from here on returns under an old id: */
  const int64_t *src; /*   the subscriber of subscription rows_end + k is src[k] */
} gather_ctx;

static void gather_block(void *vctx, int64_t k, int worker) {
  (void)worker;
  const gather_ctx *g = vctx;
  churn__events *ev = g->ev;
  sim_block *b = &g->blocks[k];
  int64_t row = g->row[k];
  size_t e = 0;
  for (int64_t j = 0; j < BLOCK && b->first + j < g->nsubs; j++) {
    int64_t idx = b->first + j;
    int32_t sub = (int32_t)(idx < g->rows_end ? idx : g->src[idx - g->rows_end]);
    for (int64_t c = 0; c < b->count[j]; c++, e++, row++) {
      const sim_event *x = &b->ev[e];
      ev->sub[row] = sub;
      ev->time[row] = x->time;
      ev->kind[row] = x->kind;
      ev->code[row] = x->code;
      ev->code2[row] = x->code2;
      ev->value[row] = x->value;
      ev->aux1[row] = x->aux1;
      ev->aux2[row] = x->aux2;
    }
  }
  churn__free(b->ev);
  b->ev = NULL;
}

/* Copies the blocks' events, in block order, into the dataset's columns; blocks are copied in
 * parallel into their own row ranges (first touch of the new columns is most of the cost) and
 * freed as they go, so the peak stays near one copy of the events. */
static churn_status gather_events(churn_dataset *ds, const sim_world *w, int64_t nsubs,
                                  int64_t rows_end, const int64_t *src, sim_block *blocks,
                                  int64_t nblocks) {
  int64_t *row = churn__malloc_array((size_t)nblocks + 1, sizeof *row);
  if (row == NULL) return churn__nomem("simulated events");
  row[0] = 0;
  for (int64_t k = 0; k < nblocks; k++) row[k + 1] = row[k] + (int64_t)blocks[k].n;
  int64_t total = row[nblocks];
  churn_status st = churn__events_reserve(&ds->ev, total);
  if (st == CHURN_OK) {
    gather_ctx g = {&ds->ev, blocks, row, nsubs, rows_end, src};
    churn__parallel_for(churn__resolve_threads(w->c.threads), nblocks, gather_block, &g);
    ds->ev.n = total;
    ds->ev.finalized = false;
  }
  churn__free(row);
  return st;
}

static const char *category_name(int c) {
  switch (c) {
    case CHURN_CATEGORY_NATURAL: return "natural";
    case CHURN_CATEGORY_COMPETITIVE: return "competitive";
    case CHURN_CATEGORY_SERVICE: return "service";
    default: return "none";
  }
}

static int64_t month_of(const sim_world *w, int64_t t) {
  if (t == CHURN_TIME_NONE) return -1;
  for (int64_t m = 0; m < w->c.months; m++) {
    if (t < MS(w, m + 1)) return m;
  }
  return w->c.months - 1;
}

/* The truth table (see churn.h, churn_simulate). */
static churn_status build_truth(const churn_dataset *ds, const sim_world *w,
                                const sim_truth *truth, churn_table **out) {
  int64_t n = ds->subs.n;
  churn_table *t = NULL;
  CHURN_TRY(churn__table_new(n, &t));
  enum { NI = 15 };
  static const char *const INAMES[NI] = {"category", "driver", "reason", "cancelled",
                                         "churn_time", "churn_month", "signal_start",
                                         "competitor_region", "poor_signal_region", "index",
                                         "previous_index", "campaign_selected",
                                         "campaign_treated", "campaign_time", "campaign_driver"};
  int64_t *cols[NI] = {0};
  const char **ids = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *ids);
  const char **cat = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *cat);
  const char **drv = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *drv);
  double *risk = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *risk);
  double *effect = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *effect);
  const char **ctype = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *ctype);
  const char **rtype = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *rtype);
  const char **person = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *person);
  int64_t *rtime = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof *rtime);
  size_t width = (size_t)w->id_digits + 2;
  char *ptext = churn__malloc_array((size_t)n ? (size_t)n : 1, width);
  bool ok = ids && cat && drv && risk && effect && ctype && rtype && person && ptext && rtime;
  for (int j = 0; j < NI && ok; j++) ok = (cols[j] = churn__malloc_array((size_t)n ? (size_t)n : 1, sizeof(int64_t))) != NULL;
  churn_status st = ok ? CHURN_OK : churn__nomem("truth table");
  for (int64_t i = 0; i < n && st == CHURN_OK; i++) {
    const sim_truth *x = &truth[i];
    int region = ds->subs.cat[CHURN__CAT_REGION].codes[i];
    ids[i] = churn__dict_label(&ds->subs.ids, (int32_t)i);
    cat[i] = category_name(x->category);
    drv[i] = DRIVER_NAMES[x->driver];
    risk[i] = x->risk;
    cols[0][i] = x->category;
    cols[1][i] = x->driver;
    cols[2][i] = x->reason;
    cols[3][i] = x->cancelled;
    cols[4][i] = x->churn_time;
    cols[5][i] = month_of(w, x->churn_time);
    cols[6][i] = x->signal_start;
    cols[7][i] = w->comp[region];
    cols[8][i] = w->poor[region];
    cols[9][i] = i;
    cols[10][i] = x->previous;
    cols[11][i] = x->camp_selected;
    cols[12][i] = x->camp_treated;
    cols[13][i] = x->camp_time;
    cols[14][i] = x->camp_driver;
    effect[i] = x->camp_effect;
    ctype[i] = x->churn_time == CHURN_TIME_NONE ? "none" : (x->cancelled ? "cancel" : "silent");
    rtype[i] = x->previous >= 0 ? "new_id" : (x->same_id_return ? "same_id" : "none");
    rtime[i] = x->previous >= 0 ? ds->subs.activation[i] : x->return_time;
    /* as add_subscribers wrote it (the dataset's column may be standard or extra) */
    person[i] = ptext + (size_t)i * width;
    snprintf(ptext + (size_t)i * width, width, "P%0*lld", w->id_digits,
             (long long)((x->previous >= 0 ? x->previous : i) + 1));
  }
  if (st == CHURN_OK) st = churn__table_add_str(t, "subscriber_id", ids);
  if (st == CHURN_OK) st = churn__table_add_i64(t, "index", cols[9]);
  if (st == CHURN_OK) st = churn__table_add_i64(t, INAMES[0], cols[0]);
  if (st == CHURN_OK) st = churn__table_add_str(t, "category_name", cat);
  if (st == CHURN_OK) st = churn__table_add_i64(t, INAMES[1], cols[1]);
  if (st == CHURN_OK) st = churn__table_add_str(t, "driver_name", drv);
  for (int j = 2; j < 9 && st == CHURN_OK; j++) st = churn__table_add_i64(t, INAMES[j], cols[j]);
  if (st == CHURN_OK) st = churn__table_add_f64(t, "latent_risk", risk);
  if (st == CHURN_OK) st = churn__table_add_i64(t, INAMES[10], cols[10]);
  for (int j = 11; j < NI && st == CHURN_OK; j++) st = churn__table_add_i64(t, INAMES[j], cols[j]);
  if (st == CHURN_OK) st = churn__table_add_f64(t, "campaign_true_effect", effect);
  if (st == CHURN_OK) st = churn__table_add_str(t, "churn_type", ctype);
  if (st == CHURN_OK) st = churn__table_add_str(t, "return_type", rtype);
  if (st == CHURN_OK) st = churn__table_add_i64(t, "return_time", rtime);
  if (st == CHURN_OK) st = churn__table_add_str(t, "person", person);
  churn__free(ctype);
  churn__free(rtype);
  churn__free(person);
  churn__free(ptext);
  churn__free(rtime);
  churn__free(ids);
  churn__free(cat);
  churn__free(drv);
  churn__free(risk);
  churn__free(effect);
  for (int j = 0; j < NI; j++) churn__free(cols[j]);
  if (st != CHURN_OK) {
    churn_table_free(t);
    return st;
  }
  *out = t;
  return CHURN_OK;
}

static churn_status check_cfg(const sim_world *w) {
  if (w->n_total > INT32_MAX) {
    return churn__fail(CHURN_E_RANGE, "churn_simulate: %lld subscribers (sim.subscribers plus "
                       "sim.new_rate x sim.months new ones) exceed the dataset's limit of %d",
                       (long long)w->n_total, INT32_MAX);
  }
  double cells = (double)w->n_total * (double)w->c.months;
  if (cells > 2e9) {
    return churn__fail(CHURN_E_RANGE, "churn_simulate: %lld subscribers x %lld months = %.3g "
                       "subscriber-months exceed the limit of 2e9", (long long)w->n_total,
                       (long long)w->c.months, cells);
  }
  /* VIEW, heartbeats, bill, payment, usage and the rest, per subscriber-month, generously */
  double per_month = w->c.view_events + 31.0 / (double)w->c.hb_days + 8.0;
  if (cells * per_month > 4.0e9) {
    return churn__fail(CHURN_E_RANGE, "churn_simulate: about %.3g events expected (%.3g "
                       "subscriber-months x %.1f), beyond the event log's limit of 4e9; lower "
                       "sim.subscribers, sim.months or sim.view_events", cells * per_month, cells,
                       per_month);
  }
  if (w->c.camp_month >= w->c.months) {
    return churn__fail(CHURN_E_RANGE, "churn_simulate: sim.campaign_month %lld is not one of the "
                       "%lld simulated months (0 to %lld)", (long long)w->c.camp_month,
                       (long long)w->c.months, (long long)w->c.months - 1);
  }
  int64_t last_day = w->end / DAY;
  if (last_day > churn__days_from_civil(2200, 1, 1)) {
    return churn__fail(CHURN_E_RANGE, "churn_simulate: sim.start plus sim.months ends after 2200");
  }
  return CHURN_OK;
}

/* Simulates subscribers [from, to) into new blocks appended to *blocks. */
static churn_status simulate_range(sim_ctx *ctx, int64_t from, int64_t to, sim_block **blocks,
                                   int64_t *nblocks) {
  int64_t add = (to - from + BLOCK - 1) / BLOCK;
  if (add == 0) return CHURN_OK;
  sim_block *bl = churn__realloc(*blocks, (size_t)(*nblocks + add) * sizeof *bl);
  if (bl == NULL) return churn__nomem("simulator blocks");
  *blocks = bl;
  memset(bl + *nblocks, 0, (size_t)add * sizeof *bl);
  for (int64_t k = 0; k < add; k++) bl[*nblocks + k].first = from + k * BLOCK;
  ctx->blocks = bl + *nblocks;
  ctx->end = to;
  *nblocks += add;
  churn__parallel_for(churn__resolve_threads(ctx->w->c.threads), add, simulate_block, ctx);
  for (int64_t k = *nblocks - add; k < *nblocks; k++) {
    if (bl[k].nomem) return churn__nomem("simulated events");
  }
  return CHURN_OK;
}

/* Win-back: a share of the churners who left for price or a competitor come back 2-10 months
 * later as new subscriptions.  Chosen in index order from streams of their own, so the choice
 * is deterministic.  *src and *when are new arrays of *n entries (NULL when none). */
static churn_status pick_reactivations(const sim_world *w, const sim_truth *truth,
                                       int64_t **src, int64_t **when, int64_t *n,
                                       int64_t *nsame) {
  *src = *when = NULL;
  *n = *nsame = 0;
  size_t cap = 0, cap2 = 0;
  for (int64_t i = 0; i < w->n_total; i++) {
    const sim_truth *x = &truth[i];
    if (!x->cancelled || (x->driver != CHURN_DRIVER_CONTRACT_END &&
                          x->driver != CHURN_DRIVER_PROMOTION_END &&
                          x->driver != CHURN_DRIVER_COMPETITOR)) {
      continue;
    }
    churn__rng r;
    churn__rng_seed(&r, (uint64_t)w->c.seed, REACT_PICK_STREAM + (uint64_t)i);
    if (!churn__rng_bern(&r, 0.08)) continue;
    int64_t t = x->churn_time + (60 + churn__rng_int(&r, 240)) * DAY + churn__rng_int(&r, DAY);
    if (t >= w->end - 30 * DAY) continue;
    /* under the old id (marked by -1 - i); drawn only when asked for (the default's streams) */
    if (w->c.same_id > 0 && churn__rng_bern(&r, w->c.same_id)) i = -1 - i;
    if (!churn__grow((void **)src, &cap, (size_t)*n + 1, sizeof **src) ||
        !churn__grow((void **)when, &cap2, (size_t)*n + 1, sizeof **when)) {
      return churn__nomem("re-activations");
    }
    (*src)[*n] = i;
    (*when)[*n] = t;
    (*n)++;
    if (i < 0) i = -1 - i;
  }
  /* the returns under a new id first (they get rows), then those under the old id: a stable
   * partition through a copy */
  int64_t nnew = 0;
  for (int64_t j = 0; j < *n; j++) nnew += (*src)[j] >= 0;
  *nsame = *n - nnew;
  if (*nsame == 0) return CHURN_OK;
  int64_t *tmp = churn__malloc_array(2 * (size_t)*n, sizeof *tmp);
  if (tmp == NULL) return churn__nomem("re-activations");
  int64_t a = 0, b = nnew;
  for (int64_t j = 0; j < *n; j++) {
    int64_t at = (*src)[j] >= 0 ? a++ : b++;
    tmp[at] = (*src)[j] >= 0 ? (*src)[j] : -1 - (*src)[j];
    tmp[*n + at] = (*when)[j];
  }
  memcpy(*src, tmp, (size_t)*n * sizeof *tmp);
  memcpy(*when, tmp + *n, (size_t)*n * sizeof *tmp);
  churn__free(tmp);
  return CHURN_OK;
}

static churn_status run_passes(const sim_world *w, churn_dataset *ds, sim_truth **truth,
                               sim_block **blocks, int64_t *nblocks, int64_t **src,
                               int64_t **when, int64_t *nsim) {
  sim_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.w = w;
  ctx.subs = &ds->subs;
  ctx.truth = *truth;
  ctx.react_base = ctx.rows_end = *nsim = w->n_total;
  CHURN_TRY(setup_labels(ds, w, &ctx));
  CHURN_TRY(add_subscribers(ds, w, 0, w->n_total, NULL));
  CHURN_TRY(simulate_range(&ctx, 0, w->n_total, blocks, nblocks));
  int64_t nre = 0, nsame = 0;
  CHURN_TRY(pick_reactivations(w, *truth, src, when, &nre, &nsame));
  if (nre == 0) return CHURN_OK;
  sim_truth *tr = churn__realloc(*truth, (size_t)(w->n_total + nre) * sizeof *tr);
  if (tr == NULL) return churn__nomem("simulator truth");
  *truth = ctx.truth = tr;
  ctx.react_src = *src;
  ctx.react_time = *when;
  ctx.rows_end = w->n_total + nre - nsame;
  *nsim = w->n_total + nre;
  CHURN_TRY(add_subscribers(ds, w, w->n_total, ctx.rows_end, *src));
  CHURN_TRY(simulate_range(&ctx, w->n_total, w->n_total + nre, blocks, nblocks));
  /* the returns under the old id: the subscriber's row tells the last status */
  for (int64_t i = ctx.rows_end; i < w->n_total + nre; i++) {
    int64_t old = (*src)[i - w->n_total];
    tr[old].same_id_return = 1;
    tr[old].return_time = (*when)[i - w->n_total];
    ds->subs.cancellation[old] = tr[i].cancelled ? tr[i].churn_time : CHURN_TIME_NONE;
  }
  return CHURN_OK;
}

static churn_status run(const sim_world *w, churn_dataset *ds, sim_truth **truth) {
  sim_block *blocks = NULL;
  int64_t nblocks = 0, *src = NULL, *when = NULL, nsim = 0;
  churn_status st = run_passes(w, ds, truth, &blocks, &nblocks, &src, &when, &nsim);
  int64_t rows = ds->subs.n;
  if (st == CHURN_OK) {
    st = gather_events(ds, w, nsim, rows, src ? src + (rows - w->n_total) : NULL, blocks,
                       nblocks);
  }
  for (int64_t k = 0; k < nblocks; k++) churn__free(blocks[k].ev);
  churn__free(blocks);
  churn__free(src);
  churn__free(when);
  if (st == CHURN_OK) st = churn_dataset_finalize(ds, NULL);
  if (st == CHURN_OK) churn_dataset_clear_report(ds); /* the appends' row counts: no ingestion */
  return st;
}

CHURN_API churn_status churn_simulate(const churn_options *opts, churn_dataset **out,
                                      churn_table **truth) {
  CHURN_CHECK_ARG(out != NULL, "churn_simulate: out is NULL");
  sim_world w;
  memset(&w, 0, sizeof w);
  CHURN_TRY(read_cfg(opts, &w.c));
  build_world(&w);
  CHURN_TRY(check_cfg(&w));
  churn_dataset *ds = NULL;
  CHURN_TRY(churn_dataset_new(&ds));
  sim_truth *tr = churn__malloc_array((size_t)w.n_total, sizeof *tr);
  churn_status st = tr ? CHURN_OK : churn__nomem("simulator truth");
  if (st == CHURN_OK) st = run(&w, ds, &tr);
  churn_table *t = NULL;
  if (st == CHURN_OK && truth != NULL) st = build_truth(ds, &w, tr, &t);
  churn__free(tr);
  if (st != CHURN_OK) {
    churn_dataset_free(ds);
    return st;
  }
  *out = ds;
  if (truth != NULL) *truth = t;
  return CHURN_OK;
}
