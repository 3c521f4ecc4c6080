/*
 * warnings.c -- the operators' early-warning rules (payment anomaly, viewing drop, device offline,
 * service-commitment breaches, cancellation requests) evaluated as of T on the point-in-time
 * features and events, producing the warning list with the contact deadline (T + W working days
 * of the operator's calendar, in its local time) and the routing (retention desk, VIP manager,
 * customer manager, customer service).
 */
#include "feat.h"
#include "common/parallel.h"

#include <stdio.h>
#include <string.h>

typedef struct warn_cfg {
  int64_t late_months;
  double arrears;
  double view_drop_pct;
  double view_min_prev;
  int64_t offline_days;
  int64_t contact_breaches, fix_breaches;
  int64_t deadline_days;
  const char *vip_tiers;
  int64_t request_days;
  int64_t utc_offset;       /* seconds east of UTC */
  churn_calendar *calendar; /* owned; NULL = Monday to Friday */
} warn_cfg;

static churn_status warn_cfg_read(const churn_options *opts, warn_cfg *w) {
  *w = (warn_cfg){2, 0.0, 50.0, 0.0, 7, 1, 1, 2, "high", 14, 0, NULL};
  if (opts == NULL) return CHURN_OK;
  const char *offset = NULL, *calendar = NULL;
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_WARN_LATE_MONTHS, &w->late_months));
  CHURN_TRY(churn_options_get_real(opts, CHURN_OPT_WARN_ARREARS, &w->arrears));
  CHURN_TRY(churn_options_get_real(opts, CHURN_OPT_WARN_VIEW_DROP_PCT, &w->view_drop_pct));
  CHURN_TRY(churn_options_get_real(opts, CHURN_OPT_WARN_VIEW_MIN_PREV, &w->view_min_prev));
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_WARN_OFFLINE_DAYS, &w->offline_days));
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_WARN_CONTACT_BREACHES, &w->contact_breaches));
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_WARN_FIX_BREACHES, &w->fix_breaches));
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_WARN_DEADLINE_DAYS, &w->deadline_days));
  CHURN_TRY(churn_options_get_string(opts, CHURN_OPT_WARN_VIP_TIERS, &w->vip_tiers));
  if (w->vip_tiers == NULL) w->vip_tiers = "";
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_WARN_REQUEST_DAYS, &w->request_days));
  CHURN_TRY(churn_options_get_string(opts, CHURN_OPT_WARN_UTC_OFFSET, &offset));
  if (offset != NULL && !churn__parse_utc_offset(offset, &w->utc_offset)) {
    return churn__fail(CHURN_E_ARG, "warnings.utc_offset = '%s' is not a UTC offset such as "
                       "\"+08:00\", \"-0500\" or \"Z\"", offset);
  }
  CHURN_TRY(churn_options_get_string(opts, CHURN_OPT_WARN_CALENDAR, &calendar));
  if (calendar != NULL && calendar[0] != '\0') {
    CHURN_TRY(churn__context(churn_calendar_load(calendar, &w->calendar), "warnings.calendar"));
  }
  return CHURN_OK;
}


/* --- the facts each rule needs, per subscriber, computed on the worker threads ----------- */

enum { V_LATE, V_ARREARS, V_RECENT, V_PREV, V_OFFLINE, V_CONTACT, V_FIX, V_REQUEST, V_FLAGS, NV };
#define FLAG_ELIGIBLE 1.0
#define FLAG_DEVICE 2.0

typedef struct warn_job {
  const churn_dataset *ds;
  const churn__feat_cfg *cfg;
  int64_t T;
  int64_t request_days;
  double *v; /* subs.n x NV */
} warn_job;

/* Days from the latest CANCEL_REQUEST in (T - days, T] to T, or -1 when there is none. */
static double request_age(const churn_dataset *ds, int64_t s, int64_t T, int64_t days) {
  const churn__events *ev = &ds->ev;
  for (int64_t e = ev->off[s + 1] - 1; e >= ev->off[s]; e--) {
    if (ev->time[e] > T || ev->kind[e] != CHURN_EV_CANCEL_REQUEST) continue;
    double age = (double)(T - ev->time[e]) / CHURN__DAY;
    return age < (double)days ? age : -1.0;
  }
  return -1.0;
}

#define BLOCK 512

static void warn_block(void *ctx, int64_t task, int worker) {
  (void)worker;
  warn_job *j = ctx;
  int64_t lo = task * BLOCK, hi = lo + BLOCK < j->ds->subs.n ? lo + BLOCK : j->ds->subs.n;
  double b[CHURN__NBASE];
  for (int64_t s = lo; s < hi; s++) {
    double *v = j->v + s * NV;
    v[V_FLAGS] = 0;
    if (!churn__feat_eligible(j->ds, s, j->T)) continue;
    churn__row_facts facts;
    churn__feat_compute(j->ds, j->cfg, s, j->T, b, &facts);
    if (facts.cancelled) continue;
    v[V_LATE] = b[CHURN__F_LATE_RUN];
    v[V_ARREARS] = b[CHURN__F_ARREARS];
    v[V_RECENT] = b[CHURN__F_VIEW_MIN];
    v[V_PREV] = b[CHURN__F_VIEW_MIN_PREV];
    v[V_OFFLINE] = b[CHURN__F_DAYS_SINCE_CONNECT];
    v[V_CONTACT] = b[CHURN__F_CONTACT_BREACH];
    v[V_FIX] = b[CHURN__F_FIX_BREACH];
    v[V_REQUEST] = request_age(j->ds, s, j->T, j->request_days);
    v[V_FLAGS] = FLAG_ELIGIBLE + (facts.has_device ? FLAG_DEVICE : 0.0);
  }
}

/* --- the list being built ------------------------------------------------------------------ */

typedef struct warning_row {
  int64_t sub;
  int rule;
  double observed, threshold;
  char detail[96];
} warning_row;

typedef struct warning_list {
  warning_row *rows;
  size_t n, cap;
} warning_list;

/* The category a rule points to (churn.h, churn_warning_rule): arrears, fading viewing, a box
 * that stays off and a request to cancel say that a subscriber may leave, not why (the domain:
 * "where it does not (arrears, silence), the cause is unknown until someone asks"); only the
 * broken service commitments name the operator's own failing. */
static const churn_category RULE_CATEGORY[] = {
    CHURN_CATEGORY_UNKNOWN, CHURN_CATEGORY_UNKNOWN, CHURN_CATEGORY_UNKNOWN,
    CHURN_CATEGORY_UNKNOWN, CHURN_CATEGORY_SERVICE, CHURN_CATEGORY_SERVICE,
    CHURN_CATEGORY_UNKNOWN};

static churn_status add(warning_list *l, int64_t s, int rule, double observed, double threshold,
                        const char *fmt, double a, double b) {
  if (!churn__grow((void **)&l->rows, &l->cap, l->n + 1, sizeof *l->rows)) {
    return churn__nomem("warning list");
  }
  warning_row *r = &l->rows[l->n++];
  r->sub = s;
  r->rule = rule;
  r->observed = observed;
  r->threshold = threshold;
  snprintf(r->detail, sizeof r->detail, fmt, a, b);
  return CHURN_OK;
}

static churn_status apply_rules(const double *v, int64_t s, const warn_cfg *w, warning_list *l) {
  if (v[V_LATE] >= (double)w->late_months && v[V_ARREARS] > w->arrears) {
    CHURN_TRY(add(l, s, CHURN_WARN_PAYMENT_ANOMALY, v[V_LATE], (double)w->late_months,
                  "%.0f months paid late, arrears %.2f", v[V_LATE], v[V_ARREARS]));
  }
  double drop_pct = v[V_PREV] > 0 ? 100.0 * (v[V_PREV] - v[V_RECENT]) / v[V_PREV] : 0.0;
  if (v[V_PREV] > 0 && v[V_PREV] >= w->view_min_prev && drop_pct > w->view_drop_pct) {
    CHURN_TRY(add(l, s, CHURN_WARN_VIEWING_DROP, drop_pct, w->view_drop_pct,
                  "viewing down %.1f%% from %.0f minutes", drop_pct, v[V_PREV]));
  }
  bool device = ((int)v[V_FLAGS] & 2) != 0;
  if (device && v[V_OFFLINE] >= (double)w->offline_days) {
    CHURN_TRY(add(l, s, CHURN_WARN_DEVICE_OFFLINE, v[V_OFFLINE], (double)w->offline_days,
                  "set-top box offline %.1f days (threshold %.0f)", v[V_OFFLINE],
                  (double)w->offline_days));
  }
  if (w->contact_breaches > 0 && v[V_CONTACT] >= (double)w->contact_breaches) {
    CHURN_TRY(add(l, s, CHURN_WARN_CONTACT_BREACH, v[V_CONTACT], (double)w->contact_breaches,
                  "%.0f faults not contacted in time (threshold %.0f)", v[V_CONTACT],
                  (double)w->contact_breaches));
  }
  if (w->fix_breaches > 0 && v[V_FIX] >= (double)w->fix_breaches) {
    CHURN_TRY(add(l, s, CHURN_WARN_FIX_BREACH, v[V_FIX], (double)w->fix_breaches,
                  "%.0f faults not fixed in time (threshold %.0f)", v[V_FIX],
                  (double)w->fix_breaches));
  }
  if (v[V_REQUEST] >= 0) {
    CHURN_TRY(add(l, s, CHURN_WARN_CANCEL_REQUEST, v[V_REQUEST], (double)w->request_days,
                  "asked to cancel %.1f days ago (window %.0f days)", v[V_REQUEST],
                  (double)w->request_days));
  }
  return CHURN_OK;
}

/* Whether a tier label is in the comma-separated list. */
static bool tier_listed(const char *list, const char *label) {
  size_t n = strlen(label);
  if (n == 0) return false;
  for (const char *p = list; *p;) {
    size_t k = strcspn(p, ",");
    if (k == n && strncmp(p, label, n) == 0) return true;
    p += k;
    if (*p == ',') p++;
  }
  return false;
}

static const char *cat_label(const churn__catcol *cc, int64_t s) {
  int32_t c = cc->codes[s];
  return c >= 0 && c < cc->dict.n ? churn__dict_label(&cc->dict, c) : "";
}

/* Builds the table from the list; string columns point into the dataset (copied by the table). */
static churn_status build_table(const churn_dataset *ds, const warning_list *l, int64_t T,
                                const warn_cfg *w, churn_table *t) {
  size_t n = l->n;
  int64_t deadline = 0;
  CHURN_TRY(churn_calendar_deadline(w->calendar, T, w->deadline_days, w->utc_offset, &deadline));
  int64_t *i64[4];
  double *f64[2];
  const char **str[7];
  churn_status st = CHURN_OK;
  memset(i64, 0, sizeof i64);
  memset(f64, 0, sizeof f64);
  memset(str, 0, sizeof str);
  for (int k = 0; k < 4; k++) i64[k] = churn__malloc_array(n, sizeof(int64_t));
  for (int k = 0; k < 2; k++) f64[k] = churn__malloc_array(n, sizeof(double));
  for (int k = 0; k < 7; k++) str[k] = churn__malloc_array(n, sizeof(char *));
  for (int k = 0; k < 4; k++) st = i64[k] ? st : CHURN_E_NOMEM;
  for (int k = 0; k < 2; k++) st = f64[k] ? st : CHURN_E_NOMEM;
  for (int k = 0; k < 7; k++) st = str[k] ? st : CHURN_E_NOMEM;
  if (st == CHURN_OK) {
    const churn__subs *su = &ds->subs;
    for (size_t i = 0; i < n; i++) {
      const warning_row *r = &l->rows[i];
      const char *tier = cat_label(&su->cat[CHURN__CAT_TIER], r->sub);
      const char *manager = cat_label(&su->cat[CHURN__CAT_MANAGER], r->sub);
      bool vip = su->vip[r->sub] || tier_listed(w->vip_tiers, tier);
      i64[0][i] = r->sub;
      i64[1][i] = T;
      i64[2][i] = deadline;
      i64[3][i] = su->vip[r->sub];
      f64[0][i] = r->observed;
      f64[1][i] = r->threshold;
      str[0][i] = churn__dict_label(&su->ids, (int32_t)r->sub);
      str[1][i] = churn__enum_name(CHURN_ENUM_WARNING_RULE, r->rule);
      str[2][i] = churn__category_name(RULE_CATEGORY[r->rule]);
      str[3][i] = r->detail;
      str[4][i] = tier;
      str[5][i] = manager;
      str[6][i] = r->rule == CHURN_WARN_CANCEL_REQUEST ? "retention_desk"
                  : vip                                ? "vip_manager"
                  : manager[0]                         ? "customer_manager"
                                                       : "customer_service";
    }
    static const char *const SNAMES[] = {"subscriber_id", "rule", "category", "detail",
                                         "tier", "manager", "route"};
    st = churn__table_add_i64(t, "subscriber", i64[0]);
    if (st == CHURN_OK) st = churn__table_add_str(t, SNAMES[0], str[0]);
    if (st == CHURN_OK) st = churn__table_add_str(t, SNAMES[1], str[1]);
    if (st == CHURN_OK) st = churn__table_add_str(t, SNAMES[2], str[2]);
    if (st == CHURN_OK) st = churn__table_add_f64(t, "observed", f64[0]);
    if (st == CHURN_OK) st = churn__table_add_f64(t, "threshold", f64[1]);
    if (st == CHURN_OK) st = churn__table_add_str(t, SNAMES[3], str[3]);
    if (st == CHURN_OK) st = churn__table_add_i64(t, "as_of", i64[1]);
    if (st == CHURN_OK) st = churn__table_add_i64(t, "deadline", i64[2]);
    if (st == CHURN_OK) st = churn__table_add_i64(t, "vip", i64[3]);
    if (st == CHURN_OK) st = churn__table_add_str(t, SNAMES[4], str[4]);
    if (st == CHURN_OK) st = churn__table_add_str(t, SNAMES[5], str[5]);
    if (st == CHURN_OK) st = churn__table_add_str(t, SNAMES[6], str[6]);
  } else {
    st = churn__nomem("warning table");
  }
  for (int k = 0; k < 4; k++) churn__free(i64[k]);
  for (int k = 0; k < 2; k++) churn__free(f64[k]);
  for (int k = 0; k < 7; k++) churn__free((void *)str[k]);
  return st;
}

CHURN_API churn_status churn_warnings_compute(const churn_dataset *ds, int64_t as_of,
                                              const churn_options *opts, churn_table **out) {
  CHURN_CHECK_ARG(ds != NULL, "churn_warnings_compute: ds is NULL");
  CHURN_CHECK_ARG(out != NULL, "churn_warnings_compute: out is NULL");
  CHURN_CHECK_ARG(as_of != CHURN_TIME_NONE, "churn_warnings_compute: as_of is CHURN_TIME_NONE");
  if (!ds->ev.finalized) {
    return churn__fail(CHURN_E_STATE, "churn_warnings_compute: the dataset is not finalized "
                                      "(call churn_dataset_finalize)");
  }
  churn__feat_cfg cfg;
  warn_cfg w;
  CHURN_TRY(churn__feat_cfg_read(opts, &cfg));
  churn_status st = warn_cfg_read(opts, &w);
  if (st != CHURN_OK) {
    churn_calendar_free(w.calendar);
    return st;
  }
  int64_t S = ds->subs.n;
  double *v = churn__malloc_array((size_t)S, NV * sizeof(double));
  if (v == NULL) {
    churn_calendar_free(w.calendar);
    return churn__nomem("warning facts");
  }
  warn_job job = {ds, &cfg, as_of, w.request_days, v};
  churn__parallel_for(churn__resolve_threads(cfg.threads), (S + BLOCK - 1) / BLOCK, warn_block,
                      &job);
  warning_list l = {NULL, 0, 0};
  for (int64_t s = 0; s < S && st == CHURN_OK; s++) {
    if (v[s * NV + V_FLAGS] != 0) st = apply_rules(v + s * NV, s, &w, &l);
  }
  churn__free(v);
  churn_table *t = NULL;
  if (st == CHURN_OK) st = churn__table_new((int64_t)l.n, &t);
  if (st == CHURN_OK) st = build_table(ds, &l, as_of, &w, t);
  churn__free(l.rows);
  churn_calendar_free(w.calendar);
  if (st != CHURN_OK) {
    churn_table_free(t);
    return st;
  }
  *out = t;
  return CHURN_OK;
}
