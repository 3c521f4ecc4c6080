/*
 * features_kernel.c -- the one pass over a subscriber's time-sorted history that computes every
 * base feature as of T.  Only events at or before T are read, and facts carried by such an
 * event about later moments (a fault's first contact or fix time, a bill's settlement) count
 * only when they happened by T, so nothing after T leaks into a feature.
 */
#include "feat.h"

#include <math.h>
#include <string.h>

/* Events are summed and counted branch-free into small tables indexed by (slot, key, window):
 * the slot groups the kinds that feed sums and counts, the key splits a kind by its code (usage
 * type, package direction) or, for VIEW, by prime time; window 0 = recent (T-L, T], 1 = previous
 * (T-2L, T-L], 2 = older (ignored); the kinds marked K_COUNT add 1 instead of their value.  The
 * rare kinds with state (bills and payments, faults, suspensions, cancellations) take a branch
 * to their own handlers. */
enum { SLOT_OTHER = 0, SLOT_VIEW, SLOT_USAGE, SLOT_BILL, SLOT_COMPLAINT, SLOT_PACKAGE, SLOT_SUSPEND,
       NSLOT };
#define NKEY 4
#define NWIN 3
#define CELL(slot, key, w) (((slot) * NKEY + (key)) * NWIN + (w))
#define NCELL (NSLOT * NKEY * NWIN)

/* Per-kind flags: the slot in the low 3 bits, the day channel in bits 3-4 (days with a use, days
 * with a device connection: CH_ACTIVE, CH_CONNECT; 0 = none), then what else the event feeds. */
enum { CH_NONE = 0, CH_ACTIVE = 1, CH_CONNECT = 2, NCH = 4 };
enum { K_ACTIVE = CH_ACTIVE << 3, K_CONNECT = CH_CONNECT << 3, K_RARE = 32, K_COUNT = 64 };

static const uint8_t KIND_FLAGS[256] = {
    [CHURN_EV_BILL] = SLOT_BILL | K_RARE,
    [CHURN_EV_PAYMENT] = K_RARE,
    [CHURN_EV_VIEW] = SLOT_VIEW | K_ACTIVE,
    [CHURN_EV_HEARTBEAT] = K_CONNECT,
    [CHURN_EV_CONNECT] = K_CONNECT,
    [CHURN_EV_FAULT] = K_RARE,
    [CHURN_EV_COMPLAINT] = SLOT_COMPLAINT | K_COUNT,
    [CHURN_EV_PACKAGE_CHANGE] = SLOT_PACKAGE | K_COUNT,
    [CHURN_EV_SUSPEND] = SLOT_SUSPEND | K_RARE | K_COUNT,
    [CHURN_EV_RESUME] = K_RARE,
    [CHURN_EV_CANCEL] = K_RARE,
    [CHURN_EV_USAGE] = SLOT_USAGE | K_ACTIVE,
};

typedef struct pass_state {
  double sum[NCELL];     /* event values; for the K_COUNT kinds event counts */
  /* payment: bills are settled first-in first-out by cumulative payments */
  double cum_bill, cum_paid, head_cum;
  int64_t head;          /* event index of the oldest unsettled bill, -1 none */
  int64_t late_run, late_in_window;
  int64_t last_payment;
  uint64_t genres[4];
  /* per day channel: window days seen, the last day seen, the time of the last event */
  int64_t days[NCH];
  uint64_t last_day[NCH];
  int64_t last_time[NCH];
  int64_t faults, contact_n, fix_n, contact_breach, fix_breach, unresolved;
  double contact_sum, fix_sum;
  bool suspended, cancelled;
} pass_state;

static inline int64_t bill_deadline(const churn__events *ev, int64_t e,
                                    const churn__feat_cfg *cfg) {
  int32_t a = ev->aux1[e];
  return ev->time[e] + (a == CHURN_AUX_NONE ? cfg->default_due : (int64_t)a) + cfg->grace;
}

/* A bill judged on time or late (in the order bills are settled, which is their order). */
static inline void judge(pass_state *p, bool late, int64_t deadline, int64_t T, int64_t L) {
  p->late_run = late ? p->late_run + 1 : 0;
  p->late_in_window += late && deadline > T - L && deadline <= T;
}

static inline bool covered(double paid, double billed) {
  return paid >= billed - 1e-9 * (1.0 + fabs(billed));
}

/* The next BILL after event index from, before end (-1 if none). */
static inline int64_t next_bill(const churn__events *ev, int64_t from, int64_t end) {
  for (int64_t j = from + 1; j < end; j++)
    if (ev->kind[j] == CHURN_EV_BILL) return j;
  return -1;
}

static void on_payment(pass_state *p, const churn__events *ev, int64_t e,
                       const churn__feat_cfg *cfg, int64_t T) {
  p->cum_paid += ev->value[e];
  p->last_payment = ev->time[e];
  while (p->head >= 0 && covered(p->cum_paid, p->head_cum)) {
    int64_t d = bill_deadline(ev, p->head, cfg);
    judge(p, ev->time[e] > d, d, T, cfg->window);
    p->head = next_bill(ev, p->head, e);
    if (p->head >= 0) p->head_cum += ev->value[p->head];
  }
}

static void on_bill(pass_state *p, const churn__events *ev, int64_t e,
                    const churn__feat_cfg *cfg, int64_t T) {
  p->cum_bill += ev->value[e];
  if (p->head >= 0) return; /* an older bill is open: this one waits behind it */
  if (covered(p->cum_paid, p->cum_bill)) {
    int64_t d = bill_deadline(ev, e, cfg);
    judge(p, false, d, T, cfg->window); /* prepaid */
  } else {
    p->head = e;
    p->head_cum = p->cum_bill;
  }
}

/* At T: bills still open whose deadline has passed are late; their unpaid part is arrears. */
static double close_bills(pass_state *p, const churn__events *ev, int64_t end,
                          const churn__feat_cfg *cfg, int64_t T) {
  double arrears = 0.0;
  double unpaid = p->head_cum - p->cum_paid; /* the oldest open bill may be partly paid */
  for (int64_t b = p->head; b >= 0;) {
    int64_t d = bill_deadline(ev, b, cfg);
    if (d < T) {
      judge(p, true, d, T, cfg->window);
      arrears += unpaid;
    }
    b = next_bill(ev, b, end);
    if (b >= 0) unpaid = ev->value[b];
  }
  return arrears;
}

static void on_fault(pass_state *p, const churn__events *ev, int64_t e,
                     const churn__feat_cfg *cfg, int64_t T, int w) {
  int64_t t = ev->time[e];
  int32_t c = ev->aux1[e], f = ev->aux2[e];
  bool contacted = c != CHURN_AUX_NONE && t + c <= T;
  bool fixed = f != CHURN_AUX_NONE && t + f <= T;
  p->unresolved += !fixed;
  if (w != 0) return;
  p->faults++;
  if (contacted) {
    p->contact_n++;
    p->contact_sum += c / 60.0;
  }
  if (fixed) {
    p->fix_n++;
    p->fix_sum += f / 3600.0;
  }
  /* a breach is known at T once the promised time has passed without the contact / fix */
  p->contact_breach += contacted ? c > cfg->contact_sla : T - t > cfg->contact_sla;
  p->fix_breach += fixed ? f > cfg->fix_sla : T - t > cfg->fix_sla;
}

static inline double days_between(int64_t from, int64_t to) {
  return (double)(to - from) / CHURN__DAY;
}

static inline double rel_change(double recent, double prev) {
  return prev > 0 ? (recent - prev) / prev : 0.0;
}

/* Sums over the keys of a slot in window w. */
static inline double slot_total(const double *t, int slot, int w) {
  double x = 0.0;
  for (int k = 0; k < NKEY; k++) x += t[CELL(slot, k, w)];
  return x;
}

static void finish(const pass_state *p, const churn_dataset *ds, const churn__feat_cfg *cfg,
                   int64_t s, int64_t T, double arrears, double *b) {
  const churn__subs *su = &ds->subs;
  const double *sum = p->sum, *cnt = p->sum; /* the counted slots hold counts */
  int64_t act = su->activation[s];
  double since_act = act == CHURN_TIME_NONE ? 0.0 : days_between(act, T);
  double months = (double)cfg->months;

  b[CHURN__F_LATE_RUN] = (double)p->late_run;
  b[CHURN__F_ARREARS] = arrears;
  b[CHURN__F_DAYS_SINCE_PAYMENT] =
      p->last_payment == CHURN_TIME_NONE ? since_act : days_between(p->last_payment, T);
  b[CHURN__F_LATE_IN_WINDOW] = (double)p->late_in_window;

  double view = sum[CELL(SLOT_VIEW, 0, 0)] + sum[CELL(SLOT_VIEW, 1, 0)];
  double view_prev = sum[CELL(SLOT_VIEW, 0, 1)] + sum[CELL(SLOT_VIEW, 1, 1)];
  b[CHURN__F_VIEW_MIN] = view;
  b[CHURN__F_VIEW_MIN_PREV] = view_prev;
  b[CHURN__F_VIEW_DROP] = view_prev > 0 ? (view_prev - view) / view_prev : 0.0;
  b[CHURN__F_ACTIVE_DAYS] = (double)p->days[CH_ACTIVE];
  b[CHURN__F_GENRES] = (double)(__builtin_popcountll(p->genres[0]) +
                                __builtin_popcountll(p->genres[1]) +
                                __builtin_popcountll(p->genres[2]) +
                                __builtin_popcountll(p->genres[3]));
  b[CHURN__F_PRIME_SHARE] = view > 0 ? sum[CELL(SLOT_VIEW, 1, 0)] / view : 0.0;
  static const int USAGE_FEATURE[][3] = {
      {CHURN_USAGE_BROADBAND, CHURN__F_BB, CHURN__F_BB_TREND},
      {CHURN_USAGE_MOBILE_DATA, CHURN__F_MDATA, CHURN__F_MDATA_TREND},
      {CHURN_USAGE_MOBILE_VOICE, CHURN__F_MVOICE, CHURN__F_MVOICE_TREND}};
  for (int u = 0; u < 3; u++) {
    double recent = sum[CELL(SLOT_USAGE, USAGE_FEATURE[u][0], 0)];
    double prev = sum[CELL(SLOT_USAGE, USAGE_FEATURE[u][0], 1)];
    b[USAGE_FEATURE[u][1]] = recent;
    b[USAGE_FEATURE[u][2]] = rel_change(recent, prev);
  }

  int64_t last_connect = p->last_time[CH_CONNECT];
  b[CHURN__F_DAYS_SINCE_CONNECT] =
      last_connect == CHURN_TIME_NONE ? since_act : days_between(last_connect, T);
  double offline = 0.0;
  if (last_connect != CHURN_TIME_NONE) {
    int64_t wdays = cfg->window / CHURN__DAY;
    if (act != CHURN_TIME_NONE) {
      int64_t since = churn__day_of(T) - churn__day_of(act) + 1;
      if (since < wdays) wdays = since;
    }
    offline = wdays > 0 ? 1.0 - (double)p->days[CH_CONNECT] / (double)wdays : 0.0;
  }
  b[CHURN__F_OFFLINE_SHARE] = offline;

  b[CHURN__F_FAULTS] = (double)p->faults;
  b[CHURN__F_CONTACT_MIN] = p->contact_n ? p->contact_sum / (double)p->contact_n : 0.0;
  b[CHURN__F_FIX_HOURS] = p->fix_n ? p->fix_sum / (double)p->fix_n : 0.0;
  b[CHURN__F_CONTACT_BREACH] = (double)p->contact_breach;
  b[CHURN__F_FIX_BREACH] = (double)p->fix_breach;
  b[CHURN__F_COMPLAINTS] = slot_total(cnt, SLOT_COMPLAINT, 0);
  b[CHURN__F_UNRESOLVED] = (double)p->unresolved;

  b[CHURN__F_TENURE] = since_act * CHURN__DAY / CHURN__MONTH;
  b[CHURN__F_ARPU] = slot_total(sum, SLOT_BILL, 0) / months;
  b[CHURN__F_ARPU_CHANGE] = (slot_total(sum, SLOT_BILL, 0) - slot_total(sum, SLOT_BILL, 1)) / months;
  int32_t sv = su->services[s];
  b[CHURN__F_SERVICES] = sv < 0 ? 0.0 : (double)sv;
  int64_t ce = su->contract_end[s];
  b[CHURN__F_CONTRACT_MONTHS] =
      (ce == CHURN_TIME_NONE || ce <= T) ? 0.0 : (double)(ce - T) / CHURN__MONTH;
  b[CHURN__F_IN_CONTRACT] = (ce != CHURN_TIME_NONE && ce > T) ? 1.0 : 0.0;
  int64_t pe = su->promotion_end[s];
  b[CHURN__F_PROMO_ENDING] = (pe != CHURN_TIME_NONE && pe > T && pe - T <= cfg->promo) ? 1.0 : 0.0;
  b[CHURN__F_DOWNGRADES] = cnt[CELL(SLOT_PACKAGE, CHURN_PACKAGE_DOWN, 0)];
  b[CHURN__F_UPGRADES] = cnt[CELL(SLOT_PACKAGE, CHURN_PACKAGE_UP, 0)];
  b[CHURN__F_SUSPENSIONS] = slot_total(cnt, SLOT_SUSPEND, 0);
  b[CHURN__F_SUSPENDED] = p->suspended ? 1.0 : 0.0;
  b[CHURN__F_VIP] = su->vip[s] ? 1.0 : 0.0;
}

/* The rare kinds that carry state. */
static void on_rare(pass_state *p, const churn__events *ev, int64_t e, const churn__feat_cfg *cfg,
                    int64_t T, int w) {
  switch (ev->kind[e]) {
    case CHURN_EV_BILL: on_bill(p, ev, e, cfg, T); break;
    case CHURN_EV_PAYMENT: on_payment(p, ev, e, cfg, T); break;
    case CHURN_EV_FAULT: on_fault(p, ev, e, cfg, T, w); break;
    case CHURN_EV_SUSPEND: p->suspended = true; break;
    case CHURN_EV_RESUME: p->suspended = false; break;
    default: p->cancelled = true; break; /* CHURN_EV_CANCEL */
  }
}

void churn__feat_compute(const churn_dataset *ds, const churn__feat_cfg *cfg, int64_t s,
                         int64_t T, double *base, churn__row_facts *facts) {
  const churn__events *ev = &ds->ev;
  const int64_t L = cfg->window;
  const int64_t first_day = churn__day_of(T) - L / CHURN__DAY; /* day windows: (first_day, T's day] */
  const int64_t *time = ev->time;
  const uint8_t *kind = ev->kind, *code = ev->code, *code2 = ev->code2;
  const double *value = ev->value;
  pass_state p;
  memset(&p, 0, sizeof p);
  p.head = -1;
  p.last_payment = CHURN_TIME_NONE;
  for (int ch = 0; ch < NCH; ch++) {
    p.last_day[ch] = UINT64_MAX;
    p.last_time[ch] = CHURN_TIME_NONE;
  }
  /* days are numbered from the first day of the day window; (uint64) of a time before it is
   * huge, so such an event never counts as a window day */
  const int64_t day0 = (first_day + 1) * CHURN__DAY;

  /* The hot loop has no data-dependent branch but the rare kinds': every event adds its value
   * and a count to its table cell (flags and windows select the cell), and the day counters,
   * genre set and last-seen times update through selects. */
  int64_t e = ev->off[s], end = ev->off[s + 1];
  for (; e < end; e++) {
    const int64_t t = time[e];
    if (t > T) break;
    const unsigned k = kind[e], f = KIND_FLAGS[k], c = code[e];
    const int w = (t <= T - L) + (t <= T - 2 * L);
    /* key: prime time for VIEW, else the code's low bits; arithmetic, as a branch here would be
     * mispredicted on every other event */
    const unsigned is_view = k == CHURN_EV_VIEW, c2 = code2[e];
    const unsigned key = ((c2 == CHURN_SLOT_PRIME) & is_view) | ((c & (NKEY - 1)) & (is_view - 1u));
    const int cell = CELL(f & 7, key, w);
    p.sum[cell] += (f & K_COUNT) ? 1.0 : value[e];
    uint64_t in_view = 0 - (uint64_t)(is_view & (w == 0));
    p.genres[c >> 6] |= (1ull << (c & 63)) & in_view;
    const uint64_t day = ((uint64_t)t - (uint64_t)day0) / CHURN__DAY; /* unsigned: no overflow */
    const unsigned ch = (f >> 3) & 3;
    p.days[ch] += (day != p.last_day[ch]) & (t >= day0);
    p.last_day[ch] = day;
    p.last_time[ch] = t;
    if (CHURN_UNLIKELY(f & K_RARE)) on_rare(&p, ev, e, cfg, T, w);
  }
  double arrears = p.head >= 0 ? close_bills(&p, ev, e, cfg, T) : 0.0;
  finish(&p, ds, cfg, s, T, arrears, base);
  if (facts) {
    facts->cancelled = p.cancelled;
    facts->has_device = p.last_time[CH_CONNECT] != CHURN_TIME_NONE;
  }
}
