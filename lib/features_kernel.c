/*
 * features_kernel.c -- the one pass over a subscriber's time-sorted history that computes every
 * base feature as of T.  Only events at or before T are read, and facts carried by such an
 * event about later moments (a fault's first contact or fix time, a bill's settlement) count
 * only when they happened by T, so nothing after T leaks into a feature.
 */
#include "feat.h"

#include <math.h>
#include <string.h>

/* Running state of the pass.  Windows: index 0 = recent (T-L, T], 1 = previous (T-2L, T-L],
 * 2 = older (ignored), so sums are indexed without branches. */
typedef struct pass_state {
  /* payment: bills are settled first-in first-out by cumulative payments */
  double cum_bill, cum_paid, head_cum;
  int64_t head;          /* event index of the oldest unsettled bill, -1 none */
  int64_t late_run, late_in_window;
  int64_t last_payment, last_connect;
  double view[3], bill[3], bb[3], mdata[3], mvoice[3];
  double prime;
  uint64_t genres[4];
  int64_t last_active_day, active_days;
  int64_t last_conn_day, conn_days;
  int64_t faults, contact_n, fix_n, contact_breach, fix_breach, unresolved, complaints;
  double contact_sum, fix_sum;
  int64_t downgrades, upgrades, suspensions;
  bool suspended, cancelled;
} pass_state;

static inline int window_of(int64_t t, int64_t T, int64_t L) {
  return (t > T - L) ? 0 : (t > T - 2 * L) ? 1 : 2;
}

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
                    const churn__feat_cfg *cfg, int64_t T, int w) {
  p->cum_bill += ev->value[e];
  p->bill[w] += ev->value[e];
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

static void finish(const pass_state *p, const churn_dataset *ds, const churn__feat_cfg *cfg,
                   int64_t s, int64_t T, double arrears, double *b) {
  const churn__subs *su = &ds->subs;
  int64_t act = su->activation[s];
  double since_act = act == CHURN_TIME_NONE ? 0.0 : days_between(act, T);
  double months = (double)cfg->months;

  b[CHURN__F_LATE_RUN] = (double)p->late_run;
  b[CHURN__F_ARREARS] = arrears;
  b[CHURN__F_DAYS_SINCE_PAYMENT] =
      p->last_payment == CHURN_TIME_NONE ? since_act : days_between(p->last_payment, T);
  b[CHURN__F_LATE_IN_WINDOW] = (double)p->late_in_window;

  b[CHURN__F_VIEW_MIN] = p->view[0];
  b[CHURN__F_VIEW_MIN_PREV] = p->view[1];
  b[CHURN__F_VIEW_DROP] = p->view[1] > 0 ? (p->view[1] - p->view[0]) / p->view[1] : 0.0;
  b[CHURN__F_ACTIVE_DAYS] = (double)p->active_days;
  b[CHURN__F_GENRES] = (double)(__builtin_popcountll(p->genres[0]) +
                                __builtin_popcountll(p->genres[1]) +
                                __builtin_popcountll(p->genres[2]) +
                                __builtin_popcountll(p->genres[3]));
  b[CHURN__F_PRIME_SHARE] = p->view[0] > 0 ? p->prime / p->view[0] : 0.0;
  b[CHURN__F_BB] = p->bb[0];
  b[CHURN__F_BB_TREND] = rel_change(p->bb[0], p->bb[1]);
  b[CHURN__F_MDATA] = p->mdata[0];
  b[CHURN__F_MDATA_TREND] = rel_change(p->mdata[0], p->mdata[1]);
  b[CHURN__F_MVOICE] = p->mvoice[0];
  b[CHURN__F_MVOICE_TREND] = rel_change(p->mvoice[0], p->mvoice[1]);

  b[CHURN__F_DAYS_SINCE_CONNECT] =
      p->last_connect == CHURN_TIME_NONE ? since_act : days_between(p->last_connect, T);
  double offline = 0.0;
  if (p->last_connect != CHURN_TIME_NONE) {
    int64_t wdays = cfg->window / CHURN__DAY;
    if (act != CHURN_TIME_NONE) {
      int64_t since = churn__day_of(T) - churn__day_of(act) + 1;
      if (since < wdays) wdays = since;
    }
    offline = wdays > 0 ? 1.0 - (double)p->conn_days / (double)wdays : 0.0;
  }
  b[CHURN__F_OFFLINE_SHARE] = offline;

  b[CHURN__F_FAULTS] = (double)p->faults;
  b[CHURN__F_CONTACT_MIN] = p->contact_n ? p->contact_sum / (double)p->contact_n : 0.0;
  b[CHURN__F_FIX_HOURS] = p->fix_n ? p->fix_sum / (double)p->fix_n : 0.0;
  b[CHURN__F_CONTACT_BREACH] = (double)p->contact_breach;
  b[CHURN__F_FIX_BREACH] = (double)p->fix_breach;
  b[CHURN__F_COMPLAINTS] = (double)p->complaints;
  b[CHURN__F_UNRESOLVED] = (double)p->unresolved;

  b[CHURN__F_TENURE] = since_act * CHURN__DAY / CHURN__MONTH;
  b[CHURN__F_ARPU] = p->bill[0] / months;
  b[CHURN__F_ARPU_CHANGE] = (p->bill[0] - p->bill[1]) / months;
  int32_t sv = su->services[s];
  b[CHURN__F_SERVICES] = sv < 0 ? 0.0 : (double)sv;
  int64_t ce = su->contract_end[s];
  b[CHURN__F_CONTRACT_MONTHS] =
      (ce == CHURN_TIME_NONE || ce <= T) ? 0.0 : (double)(ce - T) / CHURN__MONTH;
  b[CHURN__F_IN_CONTRACT] = (ce != CHURN_TIME_NONE && ce > T) ? 1.0 : 0.0;
  int64_t pe = su->promotion_end[s];
  b[CHURN__F_PROMO_ENDING] = (pe != CHURN_TIME_NONE && pe > T && pe - T <= cfg->promo) ? 1.0 : 0.0;
  b[CHURN__F_DOWNGRADES] = (double)p->downgrades;
  b[CHURN__F_UPGRADES] = (double)p->upgrades;
  b[CHURN__F_SUSPENSIONS] = (double)p->suspensions;
  b[CHURN__F_SUSPENDED] = p->suspended ? 1.0 : 0.0;
  b[CHURN__F_VIP] = su->vip[s] ? 1.0 : 0.0;
}

void churn__feat_compute(const churn_dataset *ds, const churn__feat_cfg *cfg, int64_t s,
                         int64_t T, double *base, churn__row_facts *facts) {
  const churn__events *ev = &ds->ev;
  const int64_t L = cfg->window;
  const int64_t first_day = churn__day_of(T) - L / CHURN__DAY; /* day windows: (first_day, T's day] */
  pass_state p;
  memset(&p, 0, sizeof p);
  p.head = -1;
  p.last_payment = p.last_connect = CHURN_TIME_NONE;
  p.last_active_day = p.last_conn_day = INT64_MIN;

  int64_t e = ev->off[s], end = ev->off[s + 1];
  for (; e < end; e++) {
    const int64_t t = ev->time[e];
    if (t > T) break;
    const int w = window_of(t, T, L);
    const double v = ev->value[e];
    switch (ev->kind[e]) {
      case CHURN_EV_VIEW: {
        p.view[w] += v;
        if (w == 0) {
          unsigned g = ev->code[e];
          p.genres[g >> 6] |= 1ull << (g & 63);
          p.prime += ev->code2[e] == CHURN_SLOT_PRIME ? v : 0.0;
        }
        int64_t day = churn__day_of(t);
        p.active_days += day > first_day && day != p.last_active_day;
        p.last_active_day = day;
        break;
      }
      case CHURN_EV_USAGE: {
        uint8_t c = ev->code[e];
        p.bb[w] += c == CHURN_USAGE_BROADBAND ? v : 0.0;
        p.mdata[w] += c == CHURN_USAGE_MOBILE_DATA ? v : 0.0;
        p.mvoice[w] += c == CHURN_USAGE_MOBILE_VOICE ? v : 0.0;
        int64_t day = churn__day_of(t);
        p.active_days += day > first_day && day != p.last_active_day;
        p.last_active_day = day;
        break;
      }
      case CHURN_EV_HEARTBEAT:
      case CHURN_EV_CONNECT: {
        p.last_connect = t;
        int64_t day = churn__day_of(t);
        p.conn_days += day > first_day && day != p.last_conn_day;
        p.last_conn_day = day;
        break;
      }
      case CHURN_EV_BILL: on_bill(&p, ev, e, cfg, T, w); break;
      case CHURN_EV_PAYMENT: on_payment(&p, ev, e, cfg, T); break;
      case CHURN_EV_FAULT: on_fault(&p, ev, e, cfg, T, w); break;
      case CHURN_EV_COMPLAINT: p.complaints += w == 0; break;
      case CHURN_EV_PACKAGE_CHANGE:
        p.downgrades += w == 0 && ev->code[e] == CHURN_PACKAGE_DOWN;
        p.upgrades += w == 0 && ev->code[e] == CHURN_PACKAGE_UP;
        break;
      case CHURN_EV_SUSPEND:
        p.suspensions += w == 0;
        p.suspended = true;
        break;
      case CHURN_EV_RESUME: p.suspended = false; break;
      case CHURN_EV_CANCEL: p.cancelled = true; break;
      default: break;
    }
  }
  double arrears = p.head >= 0 ? close_bills(&p, ev, e, cfg, T) : 0.0;
  finish(&p, ds, cfg, s, T, arrears, base);
  if (facts) {
    facts->cancelled = p.cancelled;
    facts->has_device = p.last_connect != CHURN_TIME_NONE;
  }
}
