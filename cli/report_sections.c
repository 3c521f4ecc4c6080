/*
 * report_sections.c -- the sections of `churn report --month`, each built by one function
 * from the library's churn_table: the columns people need, the level of target met, a chart,
 * and a summary in words for a retention manager.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- reading the library's table ------------------------------------------------------------ */

static const int64_t *i64_col(const churn_table *t, const char *name) {
  int64_t j;
  const int64_t *v = NULL;
  if (churn_table_find(t, name, &j) != CHURN_OK || churn_table_i64(t, j, &v) != CHURN_OK) return NULL;
  return v;
}

static const double *f64_col(const churn_table *t, const char *name) {
  int64_t j;
  const double *v = NULL;
  if (churn_table_find(t, name, &j) != CHURN_OK || churn_table_f64(t, j, &v) != CHURN_OK) return NULL;
  return v;
}

static const char *const *str_col(const churn_table *t, const char *name) {
  int64_t j;
  const char *const *v = NULL;
  if (churn_table_find(t, name, &j) != CHURN_OK || churn_table_str(t, j, &v) != CHURN_OK) return NULL;
  return v;
}

static bool missing(report_ctx *c, const char *table, const char *column) {
  snprintf(c->err, sizeof c->err, "the %s table has no column %s", table, column);
  return false;
}

/* --- words ------------------------------------------------------------------------------ */

static const char *fmt_count(double v, char *buf) {
  rtable t = {.nrows = 1, .ncols = 1};
  t.col[0].fmt = RFMT_INT;
  t.col[0].num = &v;
  rtable_format(&t, 0, 0, buf, 32);
  return buf;
}

static const char *fmt_pct(double v, char *buf) {
  if (isfinite(v)) snprintf(buf, 32, "%.2f%%", 100 * v);
  else snprintf(buf, 32, "n/a");
  return buf;
}

/* The target and the level met of value for kpi in segment and month: the targets file's levels
 * when it has some, else the option's target (given) as the single level "met". */
static double judge(const report_ctx *c, const char *kpi, const char *segment, const char *month,
                    double value, double option_target, const char **level) {
  const report_target *lv[16];
  int n = report_targets_find(c->targets, kpi, segment, month, lv, 16);
  if (n > 0) return report_levels_judge(kpi, lv, n, value, level);
  *level = report_target_met(kpi, value, option_target) ? "met" : "none";
  return option_target;
}

/* "R0 3.50%, R1 3.00%" for the note, or "" without a targets file. */
static void levels_text(const report_ctx *c, const char *kpi, const char *segment, const char *month,
                        char *buf, size_t cap) {
  const report_target *lv[16];
  int n = report_targets_find(c->targets, kpi, segment, month, lv, 16);
  buf[0] = '\0';
  for (int k = 0; k < n; k++) {
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s%s %s %.2f%%", k ? ", " : "", lv[k]->level,
             strcmp(kpi, "churn_rate") == 0 ? "<=" : ">=", 100 * lv[k]->target);
  }
}

static void set_chart(rsection *s, rchart_kind kind, const char *title, int x) {
  s->chart = (rchart){.kind = kind, .x = x, .band_lo = -1, .band_hi = -1, .ref = -1};
  snprintf(s->chart.title, sizeof s->chart.title, "%s", title);
}

static void add_series(rsection *s, int j, bool dashed) {
  if (s->chart.nseries < 4 && j >= 0) {
    s->chart.series[s->chart.nseries] = j;
    s->chart.dashed[s->chart.nseries++] = dashed;
  }
}

#define ADD(t, name, label, fmt)                                      \
  do {                                                                \
    if (rtable_add((t), (name), (label), (fmt)) < 0) return false;    \
  } while (0)

/* --- movement ----------------------------------------------------------------------------- */

bool section_movement(report_ctx *c, const churn_table *t, rsection *s) {
  const char *const *month = str_col(t, "month");
  const int64_t *opening = i64_col(t, "opening"), *act = i64_col(t, "activations");
  const int64_t *churned = i64_col(t, "churned"), *closing = i64_col(t, "closing");
  const double *rate = f64_col(t, "churn_rate"), *target = f64_col(t, "target");
  if (!month || !opening || !act || !churned || !closing || !rate || !target) return missing(c, "movement", "month/opening/activations/churned/closing/churn_rate/target");
  int64_t n = churn_table_nrows(t), first = n > 12 ? n - 12 : 0;
  rtable *r = s->table = rtable_new(n - first);
  if (r == NULL) return false;
  ADD(r, "month", "Month", RFMT_STR);
  ADD(r, "opening", "Opening base", RFMT_INT);
  ADD(r, "activations", "New", RFMT_INT);
  ADD(r, "churned", "Churned", RFMT_INT);
  ADD(r, "closing", "Closing base", RFMT_INT);
  ADD(r, "churn_rate", "Churn rate", RFMT_PCT);
  ADD(r, "target", "Target", RFMT_PCT);
  ADD(r, "margin", "Margin", RFMT_PP);
  ADD(r, "level_met", "Level met", RFMT_STR);
  ADD(r, "base_yoy", "Base vs a year earlier", RFMT_DELTA);
  ADD(r, "base_yoy_rate", "Base change", RFMT_PCT);
  /* The stricter levels of the targets file as their own columns, drawn as dashed lines. */
  const char *extra[2];
  int jextra[2], nextra = 0;
  for (int64_t i = first; i < n; i++) {
    const report_target *lv[16];
    int nl = report_targets_find(c->targets, "churn_rate", "all", month[i], lv, 16);
    const char *loosest_name;
    double loosest = nl > 0 ? report_levels_judge("churn_rate", lv, nl, INFINITY, &loosest_name) : NAN;
    for (int q = 0; q < nl; q++) {
      bool known = lv[q]->target == loosest;
      for (int e = 0; e < nextra && !known; e++) known = strcmp(extra[e], lv[q]->level) == 0;
      if (!known && nextra < 2) extra[nextra++] = lv[q]->level;
    }
  }
  for (int e = 0; e < nextra; e++) {
    char name[48], label[64];
    snprintf(name, sizeof name, "target_%s", extra[e]);
    snprintf(label, sizeof label, "%s target", extra[e]);
    if ((jextra[e] = rtable_add(r, name, label, RFMT_PCT)) < 0) return false;
  }
  const char *level = "none";
  for (int64_t i = first; i < n; i++) {
    int64_t k = i - first;
    for (int e = 0; e < nextra; e++) {
      const report_target *lv[16];
      int nl = report_targets_find(c->targets, "churn_rate", "all", month[i], lv, 16);
      for (int q = 0; q < nl; q++) {
        if (strcmp(lv[q]->level, extra[e]) == 0) rtable_set(r, jextra[e], k, lv[q]->target);
      }
    }
    if (!rtable_set_str(r, 0, k, month[i])) return false;
    rtable_set(r, 1, k, (double)opening[i]);
    rtable_set(r, 2, k, (double)act[i]);
    rtable_set(r, 3, k, (double)churned[i]);
    rtable_set(r, 4, k, (double)closing[i]);
    rtable_set(r, 5, k, rate[i]);
    double tg = judge(c, "churn_rate", "all", month[i], rate[i], target[i], &level);
    rtable_set(r, 6, k, tg);
    rtable_set(r, 7, k, tg - rate[i]);
    if (!rtable_set_str(r, 8, k, level)) return false;
    if (i >= 12) {
      rtable_set(r, 9, k, (double)(closing[i] - closing[i - 12]));
      if (closing[i - 12] > 0) rtable_set(r, 10, k, (double)(closing[i] - closing[i - 12]) / (double)closing[i - 12]);
    }
  }
  snprintf(s->key, sizeof s->key, "movement");
  snprintf(s->name, sizeof s->name, "movement");
  snprintf(s->title, sizeof s->title, "Monthly movement against target (trailing %lld month%s)", (long long)(n - first), n - first == 1 ? "" : "s");
  set_chart(s, RCHART_LINE, "Monthly churn rate against its target", 0);
  add_series(s, 5, false);
  add_series(s, 6, true);
  for (int e = 0; e < nextra; e++) add_series(s, jextra[e], true);
  int64_t last = n - first - 1, i = n - 1;
  if (last < 0) {
    snprintf(s->summary, sizeof s->summary, "No month to show.");
    return true;
  }
  char a[32], b[32], d[32], e[32], f[32], g[32];
  const char *lv = r->col[8].str[last];
  double tg = r->col[6].num[last];
  bool met = strcmp(lv, "none") != 0;
  snprintf(s->summary, sizeof s->summary, "In %s, %s subscribers left out of an opening base of %s: a churn rate of %s, %s the %s target%s%s%s. %s new subscribers joined and the base closed at %s",
           month[i], fmt_count((double)churned[i], a), fmt_count((double)opening[i], b), fmt_pct(rate[i], d),
           met ? "within" : "above", fmt_pct(tg, e), met && strcmp(lv, "met") ? " (level " : "",
           met && strcmp(lv, "met") ? lv : "", met && strcmp(lv, "met") ? " met)" : "",
           fmt_count((double)act[i], f), fmt_count((double)closing[i], g));
  size_t len = strlen(s->summary);
  if (isfinite(r->col[9].num[last])) {
    snprintf(s->summary + len, sizeof s->summary - len, ", %s (%+.1f%%) on a year earlier.",
             r->col[9].num[last] == 0 ? "unchanged" : (rtable_format(r, 9, last, a, sizeof a), a), 100 * r->col[10].num[last]);
  } else {
    snprintf(s->summary + len, sizeof s->summary - len, " (the data do not reach a year earlier).");
  }
  char lvtext[256];
  levels_text(c, "churn_rate", "all", c->month, lvtext, sizeof lvtext);
  snprintf(s->note, sizeof s->note, "Churn rate = churned in the month / the base the kpi.rate_base option names (opening base by default). Margin = target - churn rate (positive: within target). %s%s%s",
           lvtext[0] ? "Levels this month: " : "Target: the kpi.target option (no --targets file).",
           lvtext, lvtext[0] ? "; the level met is the strictest one the rate meets." : "");
  snprintf(s->headline_label, sizeof s->headline_label, "Churn rate %s", month[i]);
  fmt_pct(rate[i], s->headline_value);
  snprintf(s->headline_sub, sizeof s->headline_sub, "target %s%s%s", fmt_pct(tg, a),
           strcmp(lv, "met") && strcmp(lv, "none") ? ", level " : met ? ", met" : ", missed",
           strcmp(lv, "met") && strcmp(lv, "none") ? lv : "");
  s->headline_ok = met;
  return true;
}

/* --- churn by category --------------------------------------------------------------------- */

bool section_categories(report_ctx *c, const churn_table *t, rsection *s) {
  static const char *const cats[4] = {"competitive", "service", "natural", "unknown"};
  static const char *const words[4] = {
      "left for a competitor (price, content, convenience)",
      "left because of the operator's own service (signal, repairs, customer service)",
      "moved away, no longer have the device, age or health",
      "no reason recorded (arrears, silence): ask"};
  const int64_t *exposed = i64_col(t, "exposed"), *churned = i64_col(t, "churned");
  const int64_t *by[4];
  for (int k = 0; k < 4; k++) by[k] = i64_col(t, cats[k]);
  if (!exposed || !churned || !by[0] || !by[1] || !by[2] || !by[3]) return missing(c, "segments", "exposed/churned/natural/competitive/service/unknown");
  int64_t last = churn_table_nrows(t) - 1; /* the "(all)" row */
  if (last < 0) return missing(c, "segments", "(all) row");
  rtable *r = s->table = rtable_new(5);
  if (r == NULL) return false;
  ADD(r, "category", "Category", RFMT_STR);
  ADD(r, "churned", "Churned", RFMT_INT);
  ADD(r, "share", "Share of churners", RFMT_PCT);
  ADD(r, "churn_rate", "Churn rate", RFMT_PCT);
  ADD(r, "meaning", "Meaning", RFMT_STR);
  double total = (double)churned[last], ex = (double)exposed[last];
  int top = 0;
  for (int k = 0; k < 4; k++) {
    double v = (double)by[k][last];
    if (v > (double)by[top][last]) top = k;
    if (!rtable_set_str(r, 0, k, cats[k]) || !rtable_set_str(r, 4, k, words[k])) return false;
    rtable_set(r, 1, k, v);
    rtable_set(r, 2, k, total > 0 ? v / total : NAN);
    rtable_set(r, 3, k, ex > 0 ? v / ex : NAN);
  }
  if (!rtable_set_str(r, 0, 4, "(all)")) return false;
  rtable_set(r, 1, 4, total);
  rtable_set(r, 2, 4, total > 0 ? 1.0 : NAN);
  rtable_set(r, 3, 4, ex > 0 ? total / ex : NAN);
  snprintf(s->key, sizeof s->key, "categories");
  snprintf(s->name, sizeof s->name, "categories");
  snprintf(s->title, sizeof s->title, "Churn by category, %s", c->month);
  set_chart(s, RCHART_BARS, "Share of the month's churners by category", 0);
  add_series(s, 2, false);
  s->chart.skip_last = true; /* the total row is 100% */
  char a[32], b[32], d[32], e[32];
  if (total > 0) {
    snprintf(s->summary, sizeof s->summary, "Of the %s subscribers who left in %s, the largest group is %s: %s (%s). Service churners, %s, are the ones the retention team can act on most.",
             fmt_count(total, a), c->month, cats[top], fmt_count((double)by[top][last], b),
             fmt_pct((double)by[top][last] / total, d), fmt_count((double)by[1][last], e));
  } else {
    snprintf(s->summary, sizeof s->summary, "Nobody left in %s.", c->month);
  }
  snprintf(s->note, sizeof s->note, "The category comes from the cancellation's reason code (churn_cancel_reason_category); a churn by non-use with no cancellation reason is unknown. Churn rate here = churned / the base kpi.rate_base names (the opening base by default), as in the movement table.");
  return true;
}

/* --- churn by segment --------------------------------------------------------------------- */

bool section_segments(report_ctx *c, const churn_table *t, rsection *s) {
  const char *const *seg = str_col(t, "segment");
  const int64_t *opening = i64_col(t, "opening"), *act = i64_col(t, "activations");
  const int64_t *churned = i64_col(t, "churned");
  const double *rate = f64_col(t, "churn_rate"), *lo = f64_col(t, "ci_low"), *hi = f64_col(t, "ci_high");
  static const char *const cats[4] = {"competitive", "service", "natural", "unknown"};
  const int64_t *by[4];
  for (int k = 0; k < 4; k++) by[k] = i64_col(t, cats[k]);
  if (!seg || !opening || !act || !churned || !rate || !lo || !hi || !by[0] || !by[1] || !by[2] || !by[3]) return missing(c, "segments", "segment/opening/activations/churned/churn_rate/ci_low/ci_high/categories");
  double option_target = 0.035;
  churn_options_get_real(c->opts, CHURN_OPT_KPI_TARGET, &option_target);
  int64_t n = churn_table_nrows(t);
  rtable *r = s->table = rtable_new(n);
  if (r == NULL) return false;
  ADD(r, "segment", c->segment, RFMT_STR);
  ADD(r, "opening", "Opening base", RFMT_INT);
  ADD(r, "activations", "New", RFMT_INT);
  ADD(r, "churned", "Churned", RFMT_INT);
  ADD(r, "churn_rate", "Churn rate", RFMT_PCT);
  ADD(r, "ci_low", "95% CI low", RFMT_PCT);
  ADD(r, "ci_high", "95% CI high", RFMT_PCT);
  ADD(r, "target", "Target", RFMT_PCT);
  ADD(r, "level_met", "Level met", RFMT_STR);
  for (int k = 0; k < 4; k++) ADD(r, cats[k], cats[k], RFMT_INT);
  int64_t worst = -1;
  const char *level;
  for (int64_t i = 0; i < n; i++) {
    bool all = strcmp(seg[i], "(all)") == 0;
    if (!rtable_set_str(r, 0, i, seg[i])) return false;
    rtable_set(r, 1, i, (double)opening[i]);
    rtable_set(r, 2, i, (double)act[i]);
    rtable_set(r, 3, i, (double)churned[i]);
    rtable_set(r, 4, i, rate[i]);
    rtable_set(r, 5, i, lo[i]);
    rtable_set(r, 6, i, hi[i]);
    rtable_set(r, 7, i, judge(c, "churn_rate", all ? "all" : seg[i], c->month, rate[i], option_target, &level));
    if (!rtable_set_str(r, 8, i, level)) return false;
    for (int k = 0; k < 4; k++) rtable_set(r, 9 + k, i, (double)by[k][i]);
    if (!all && isfinite(rate[i]) && (worst < 0 || rate[i] > rate[worst])) worst = i;
  }
  snprintf(s->key, sizeof s->key, "segments");
  snprintf(s->name, sizeof s->name, "segments");
  snprintf(s->title, sizeof s->title, "Churn by %s, %s", c->segment, c->month);
  set_chart(s, RCHART_BARS, "Churn rate by segment with its 95% interval and the target", 0);
  add_series(s, 4, false);
  s->chart.band_lo = 5;
  s->chart.band_hi = 6;
  s->chart.ref = 7;
  char a[32], b[32], d[32], e[32];
  int64_t all = n - 1;
  if (worst >= 0 && all >= 0) {
    int above = 0;
    for (int64_t i = 0; i < all; i++) above += isfinite(lo[i]) && lo[i] > rate[all];
    char sig[96];
    if (above == 0) snprintf(sig, sizeof sig, "No %s is clearly above the overall rate", c->segment);
    else snprintf(sig, sizeof sig, "%d of %lld are clearly above the overall rate", above, (long long)all);
    snprintf(s->summary, sizeof s->summary, "In %s the highest churn rate is in %s %s: %s (95%% interval %s to %s) against %s overall. %s (the whole interval above it).",
             c->month, c->segment, seg[worst], fmt_pct(rate[worst], a), fmt_pct(lo[worst], b), fmt_pct(hi[worst], d),
             fmt_pct(rate[all], e), sig);
  } else {
    snprintf(s->summary, sizeof s->summary, "No segment to compare in %s.", c->month);
  }
  snprintf(s->note, sizeof s->note, "Churn rate = churned / the base kpi.rate_base names (the opening base by default, as in the movement table); the interval is Wilson's 95%% score interval. Targets: the churn_rate line of the segment in the targets file, else the line for all, else the kpi.target option. The chart's dashed line is the first segment's target.");
  return true;
}

/* --- snapshot retention ------------------------------------------------------------------- */

static void cohort_file_name(const char *cohort, char *buf, size_t cap) {
  snprintf(buf, cap, "snapshot_%s", cohort ? cohort : "all");
  for (char *p = buf; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch < 0x80 && !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) *p = '_';
  }
}

bool section_snapshot(report_ctx *c, const churn_table *t, rsection *s) {
  const char *const *month = str_col(t, "month");
  const int64_t *cohort = i64_col(t, "cohort");
  const double *retention = f64_col(t, "retention"), *target = f64_col(t, "target");
  const double *expected = f64_col(t, "expected"), *lo = f64_col(t, "ci_low"), *hi = f64_col(t, "ci_high");
  const double *prob = f64_col(t, "prob_meet"), *active_f = f64_col(t, "active");
  const int64_t *observed = i64_col(t, "observed"), *active_i = i64_col(t, "active");
  if (!month || !cohort || !retention || !target || (!active_f && !active_i)) return missing(c, "snapshot", "month/cohort/active/retention/target");
  int64_t n = churn_table_nrows(t);
  rtable *r = s->table = rtable_new(n);
  if (r == NULL) return false;
  ADD(r, "month", "Month", RFMT_STR);
  ADD(r, "status", "Seen or forecast", RFMT_STR);
  ADD(r, "cohort", "Cohort", RFMT_INT);
  ADD(r, "active", "Still active", RFMT_INT);
  ADD(r, "retention", "Retention", RFMT_PCT);
  ADD(r, "forecast", "Model fit / forecast", RFMT_PCT);
  ADD(r, "ci_low", "95% low", RFMT_PCT);
  ADD(r, "ci_high", "95% high", RFMT_PCT);
  ADD(r, "target", "Target", RFMT_PCT);
  ADD(r, "level_met", "Level met", RFMT_STR);
  ADD(r, "prob_meet", "P(meet target)", RFMT_PROB);
  const char *seg = c->cohort ? c->cohort : "all";
  int64_t now = -1;
  for (int64_t i = 0; i < n; i++) {
    bool seen = observed ? observed[i] != 0 : true;
    double act = active_f ? active_f[i] : (double)active_i[i];
    if (!rtable_set_str(r, 0, i, month[i]) || !rtable_set_str(r, 1, i, seen ? "seen" : "forecast")) return false;
    rtable_set(r, 2, i, (double)cohort[i]);
    rtable_set(r, 3, i, act);
    rtable_set(r, 4, i, retention[i]);
    if (expected) rtable_set(r, 5, i, expected[i]);
    if (lo && hi) rtable_set(r, 6, i, lo[i]), rtable_set(r, 7, i, hi[i]);
    const char *level = "";
    double tg = target[i];
    if (seen) tg = judge(c, "retention", seg, month[i], retention[i], target[i], &level);
    rtable_set(r, 8, i, tg);
    if (!rtable_set_str(r, 9, i, level)) return false;
    if (prob && !seen) rtable_set(r, 10, i, prob[i]);
    if (seen && i + 1 == c->base_month_index) now = i;
  }
  snprintf(s->key, sizeof s->key, "snapshot");
  cohort_file_name(c->cohort, s->name, sizeof s->name);
  char base[40];
  churn_time_format(c->base_date, base, sizeof base);
  snprintf(s->title, sizeof s->title, "Snapshot retention of %s (photo on %.10s)", c->cohort ? c->cohort : "the whole base", base);
  set_chart(s, RCHART_LINE, "Snapshot retention, its forecast to the year end and the target", 0);
  add_series(s, 4, false);
  if (expected) {
    add_series(s, 8, true);
    add_series(s, 5, false);
    s->chart.band_lo = 6;
    s->chart.band_hi = 7;
  } else {
    add_series(s, 8, true);
  }
  char a[32], b[32], d[32], e[32], f[32];
  if (now < 0 || n == 0) {
    snprintf(s->summary, sizeof s->summary, "The report month is not among the snapshot's months.");
    return true;
  }
  const char *lvnow = r->col[9].str[now];
  bool ok = strcmp(lvnow, "none") != 0;
  snprintf(s->summary, sizeof s->summary, "Of the %s subscribers in %s on %.10s, %s (%s) were still active at the end of %s, %s the %s target%s%s%s.",
           fmt_count((double)cohort[now], a), c->cohort ? c->cohort : "the base", base,
           fmt_count(r->col[3].num[now], b), fmt_pct(retention[now], d), month[now], ok ? "meeting" : "below",
           fmt_pct(r->col[8].num[now], e), ok && strcmp(lvnow, "met") ? " (level " : "",
           ok && strcmp(lvnow, "met") ? lvnow : "", ok && strcmp(lvnow, "met") ? " met)" : "");
  size_t len = strlen(s->summary);
  int64_t ye = n - 1;
  snprintf(s->headline_label, sizeof s->headline_label, "Retention %s, %s", c->cohort ? c->cohort : "whole base", month[now]);
  fmt_pct(retention[now], s->headline_value);
  if (expected && prob && ye > now) {
    snprintf(s->summary + len, sizeof s->summary - len, " Forecast for %s: %s (95%% interval %s to %s) against a target of %s; probability of meeting it: %.0f%%.",
             month[ye], fmt_pct(expected[ye], a), fmt_pct(lo[ye], b), fmt_pct(hi[ye], d), fmt_pct(target[ye], e), 100 * prob[ye]);
    snprintf(s->headline_sub, sizeof s->headline_sub, "%s forecast %s vs %s, P(meet) %.0f%%", month[ye], fmt_pct(expected[ye], a), fmt_pct(target[ye], f), 100 * prob[ye]);
    for (int k = 0; k < c->nlevel_probs; k++) {
      len = strlen(s->summary);
      snprintf(s->summary + len, sizeof s->summary - len, "%s %s (%s): %.0f%%%s", k ? "," : " By level:", c->level_name[k],
               fmt_pct(c->level_target[k], a), 100 * c->level_prob[k], k + 1 == c->nlevel_probs ? "." : "");
    }
    s->headline_ok = prob[ye] >= 0.5;
  } else {
    snprintf(s->summary + len, sizeof s->summary - len, " %s", c->fallback_note[0] ? c->fallback_note : "");
    snprintf(s->headline_sub, sizeof s->headline_sub, "target %s, %s", fmt_pct(r->col[8].num[now], a), ok ? "met" : "missed");
    s->headline_ok = ok;
  }
  char lvtext[256];
  levels_text(c, "retention", seg, c->month, lvtext, sizeof lvtext);
  snprintf(s->note, sizeof s->note, "Retention = cohort members active at the month's end / the cohort photographed on %.10s. The forecast fits a shifted-beta-geometric cohort model to the months seen (geometric when they show no heterogeneity) and projects the rest; P(meet target) is the probability that the month's retention reaches its target. %s%s",
           base, lvtext[0] ? "Levels this month: " : "Targets: kpi.target_start + month x kpi.target_step (no --targets line for this cohort).", lvtext);
  return true;
}

/* --- warning accuracy ----------------------------------------------------------------------- */

bool section_warnings(report_ctx *c, const churn_table *t, rsection *s) {
  const char *const *rule = str_col(t, "rule");
  const int64_t *warned = i64_col(t, "warned"), *wc = i64_col(t, "warned_churned"), *churners = i64_col(t, "churners");
  const double *recall = f64_col(t, "recall"), *precision = f64_col(t, "precision");
  const int64_t *outside = i64_col(t, "outside_base");
  if (!rule || !warned || !wc || !churners || !recall || !precision || !outside) return missing(c, "warning accuracy", "rule/warned/warned_churned/churners/recall/precision/outside_base");
  int64_t n = churn_table_nrows(t);
  rtable *r = s->table = rtable_new(n);
  if (r == NULL) return false;
  ADD(r, "rule", "Rule", RFMT_STR);
  ADD(r, "warned", "Flagged", RFMT_INT);
  ADD(r, "warned_churned", "Flagged and churned", RFMT_INT);
  ADD(r, "churners", "Churners", RFMT_INT);
  ADD(r, "recall", "Accuracy (recall)", RFMT_PCT);
  ADD(r, "precision", "Precision", RFMT_PCT);
  ADD(r, "outside_base", "Not in the base", RFMT_INT);
  bool judged = false;
  for (int k = 0; c->targets && k < c->targets->n; k++) judged |= strcmp(c->targets->t[k].kpi, "warning_recall") == 0;
  int jt = judged ? rtable_add(r, "target", "Target", RFMT_PCT) : -1;
  int jl = judged ? rtable_add(r, "level_met", "Level met", RFMT_STR) : -1;
  if (judged && (jt < 0 || jl < 0)) return false;
  int64_t any = -1;
  for (int64_t i = 0; i < n; i++) {
    if (!rtable_set_str(r, 0, i, rule[i])) return false;
    rtable_set(r, 1, i, (double)warned[i]);
    rtable_set(r, 2, i, (double)wc[i]);
    rtable_set(r, 3, i, (double)churners[i]);
    rtable_set(r, 4, i, recall[i]);
    rtable_set(r, 5, i, precision[i]);
    rtable_set(r, 6, i, (double)outside[i]);
    if (judged) {
      const report_target *lv[16];
      /* A rule is judged only against a line naming it: the "all" levels are for the union. */
      bool union_row = strcmp(rule[i], "(any)") == 0;
      int nl = report_targets_find(c->targets, "warning_recall", union_row ? "all" : rule[i], c->month, lv, 16);
      if (nl > 0 && !union_row && strcmp(lv[0]->segment, rule[i]) != 0) nl = 0;
      const char *level = "";
      if (nl > 0) rtable_set(r, jt, i, report_levels_judge("warning_recall", lv, nl, recall[i], &level));
      if (!rtable_set_str(r, jl, i, level)) return false;
    }
    if (strcmp(rule[i], "(any)") == 0) any = i;
  }
  char date[40];
  churn_time_format(c->month_start, date, sizeof date);
  snprintf(s->key, sizeof s->key, "warnings");
  snprintf(s->name, sizeof s->name, "warnings");
  snprintf(s->title, sizeof s->title, "Warning accuracy of the list issued on %.10s", date);
  set_chart(s, RCHART_BARS, "Share of the month's churners each rule had flagged (recall)", 0);
  add_series(s, 4, false);
  char a[32], b[32], d[32], e[32], f[32], g[32];
  if (any >= 0) {
    snprintf(s->summary, sizeof s->summary, "Of the %s subscribers who churned in %s, the warnings issued on %.10s had flagged %s: a warning accuracy of %s. Of the %s flagged, %s churned within the month (precision %s).",
             fmt_count((double)churners[any], a), c->month, date, fmt_count((double)wc[any], b), fmt_pct(recall[any], d),
             fmt_count((double)warned[any], e), fmt_count((double)wc[any], f), fmt_pct(precision[any], g));
    snprintf(s->headline_label, sizeof s->headline_label, "Warning accuracy %s", c->month);
    fmt_pct(recall[any], s->headline_value);
    snprintf(s->headline_sub, sizeof s->headline_sub, "%s of %s churners flagged; precision %s", fmt_count((double)wc[any], a), fmt_count((double)churners[any], b), fmt_pct(precision[any], d));
    s->headline_ok = -1;
    if (judged && r->col[jl].str[any][0]) s->headline_ok = strcmp(r->col[jl].str[any], "none") != 0;
  } else {
    snprintf(s->summary, sizeof s->summary, "No warning was issued on %.10s.", date);
  }
  snprintf(s->note, sizeof s->note, "The list is the rule-based warning list as of the month's first day (warnings.* options). Accuracy (流失预警准确率) = churners of the month who had been flagged / all churners of the base; precision = flagged who churned / flagged. Subscribers flagged but no longer in the base are left out of both.");
  return true;
}

/* --- dispatch ------------------------------------------------------------------------------- */

bool section_dispatch(report_ctx *c, const churn_table *t, rsection *s) {
  const char *const *route = str_col(t, "rule");
  const int64_t *warned = i64_col(t, "warned"), *wc = i64_col(t, "warned_churned");
  const char *const *wroute = str_col(c->warnings, "route"), *const *wcat = str_col(c->warnings, "category");
  const char *const *wman = str_col(c->warnings, "manager");
  const int64_t *wsub = i64_col(c->warnings, "subscriber"), *wvip = i64_col(c->warnings, "vip");
  const int64_t *wdead = i64_col(c->warnings, "deadline");
  if (!route || !warned || !wc) return missing(c, "dispatch", "rule/warned/warned_churned");
  if (!wroute || !wcat || !wman || !wsub || !wvip || !wdead) return missing(c, "warning list", "route/category/manager/subscriber/vip/deadline");
  int64_t n = churn_table_nrows(t), nw = churn_table_nrows(c->warnings);
  rtable *r = s->table = rtable_new(n);
  if (r == NULL) return false;
  ADD(r, "route", "Route", RFMT_STR);
  ADD(r, "subscribers", "Work orders", RFMT_INT);
  ADD(r, "warnings", "Warnings", RFMT_INT);
  ADD(r, "vip", "VIP", RFMT_INT);
  ADD(r, "managers", "Managers", RFMT_INT);
  ADD(r, "deadline", "Contact by", RFMT_DATE);
  ADD(r, "competitive", "competitive", RFMT_INT);
  ADD(r, "service", "service", RFMT_INT);
  ADD(r, "natural", "natural", RFMT_INT);
  ADD(r, "unknown", "unknown", RFMT_INT);
  ADD(r, "churned", "Churned", RFMT_INT);
  ADD(r, "churned_share", "Share churned", RFMT_PCT);
  const char **seen = malloc(sizeof *seen * (size_t)(nw + 1));
  if (seen == NULL) return false;
  for (int64_t i = 0; i < n; i++) {
    bool all = strcmp(route[i], "(any)") == 0;
    if (!rtable_set_str(r, 0, i, all ? "(all)" : route[i])) {
      free(seen);
      return false;
    }
    double rows = 0, vip = 0, cats[4] = {0}, dead = NAN;
    int64_t nman = 0;
    for (int64_t w = 0; w < nw; w++) {
      if (!all && strcmp(wroute[w], route[i]) != 0) continue;
      rows++;
      bool first_row = w == 0 || wsub[w - 1] != wsub[w];
      if (first_row) vip += wvip[w] != 0;
      int k = strcmp(wcat[w], "competitive") == 0 ? 0 : strcmp(wcat[w], "service") == 0 ? 1 : strcmp(wcat[w], "natural") == 0 ? 2 : 3;
      cats[k]++;
      if (!isfinite(dead) || (double)wdead[w] > dead) dead = (double)wdead[w];
      if (first_row && wman[w][0]) {
        bool known = false;
        for (int64_t m = 0; m < nman && !known; m++) known = strcmp(seen[m], wman[w]) == 0;
        if (!known) seen[nman++] = wman[w];
      }
    }
    rtable_set(r, 1, i, (double)warned[i]);
    rtable_set(r, 2, i, rows);
    rtable_set(r, 3, i, vip);
    rtable_set(r, 4, i, (double)nman);
    rtable_set(r, 5, i, dead);
    for (int k = 0; k < 4; k++) rtable_set(r, 6 + k, i, cats[k]);
    rtable_set(r, 10, i, (double)wc[i]);
    rtable_set(r, 11, i, warned[i] > 0 ? (double)wc[i] / (double)warned[i] : NAN);
  }
  free(seen);
  char date[40];
  churn_time_format(c->month_start, date, sizeof date);
  snprintf(s->key, sizeof s->key, "dispatch");
  snprintf(s->name, sizeof s->name, "dispatch");
  snprintf(s->title, sizeof s->title, "Dispatch summary: work orders of %.10s by route", date);
  set_chart(s, RCHART_BARS, "Work orders (subscribers to contact) by route", 0);
  add_series(s, 1, false);
  char a[32], b[32], d[32], e[32], f[32];
  int64_t all = n - 1;
  if (all >= 0 && strcmp(r->col[0].str[all], "(all)") == 0) {
    rtable_format(r, 5, all, d, sizeof d);
    snprintf(s->summary, sizeof s->summary, "On %.10s the warnings produced %s work orders (%s VIP) for %s customer managers and the service desk, to be contacted by %s. %s of those subscribers churned during the month anyway.",
             date, fmt_count(r->col[1].num[all], a), fmt_count(r->col[3].num[all], b), fmt_count(r->col[4].num[all], e), d,
             fmt_count(r->col[10].num[all], f));
    snprintf(s->headline_label, sizeof s->headline_label, "Work orders %.10s", date);
    fmt_count(r->col[1].num[all], s->headline_value);
    snprintf(s->headline_sub, sizeof s->headline_sub, "%s VIP; contact by %s", fmt_count(r->col[3].num[all], a), d);
    s->headline_ok = -1;
  } else {
    snprintf(s->summary, sizeof s->summary, "No work order on %.10s.", date);
  }
  snprintf(s->note, sizeof s->note, "One work order per flagged subscriber, routed as churn_warnings_compute routes it (VIP manager, customer manager, customer service); categories count warnings by the category their rule points to. Contact deadline: warnings.deadline_days working days after issue.");
  return true;
}

/* --- win-back (the domain's: churners of the month who came back) ---------------------------- */

bool section_winback(report_ctx *c, const churn_table *t, rsection *s) {
  const char *const *group = str_col(t, "group");
  const int64_t *churned = i64_col(t, "churned"), *won = i64_col(t, "won_back");
  const int64_t *tried = i64_col(t, "attempted"), *kept = i64_col(t, "kept");
  const double *rate = f64_col(t, "win_back_rate"), *lo = f64_col(t, "ci_low");
  const double *hi = f64_col(t, "ci_high"), *success = f64_col(t, "success_rate");
  const double *kept_rate = f64_col(t, "kept_rate");
  if (!group || !churned || !won || !tried || !kept || !rate || !lo || !hi || !success || !kept_rate) {
    return missing(c, "win-back", "group/churned/won_back/win_back_rate/ci_low/ci_high/attempted/success_rate/kept/kept_rate");
  }
  int64_t n = churn_table_nrows(t);
  rtable *r = s->table = rtable_new(n);
  if (r == NULL) return false;
  ADD(r, "category", "Category", RFMT_STR);
  ADD(r, "churned", "Churned", RFMT_INT);
  ADD(r, "won_back", "Came back", RFMT_INT);
  ADD(r, "win_back_rate", "Win-back rate", RFMT_PCT);
  ADD(r, "ci_low", "95% CI low", RFMT_PCT);
  ADD(r, "ci_high", "95% CI high", RFMT_PCT);
  ADD(r, "attempted", "Win-back attempted", RFMT_INT);
  ADD(r, "success_rate", "Success of attempts", RFMT_PCT);
  ADD(r, "kept", "Stayed", RFMT_INT);
  ADD(r, "kept_rate", "Stayed share", RFMT_PCT);
  const double *cols[] = {NULL, NULL, NULL, rate, lo, hi, NULL, success, NULL, kept_rate};
  const int64_t *counts[] = {NULL, churned, won, NULL, NULL, NULL, tried, NULL, kept, NULL};
  for (int64_t i = 0; i < n; i++) {
    if (!rtable_set_str(r, 0, i, group[i])) return false;
    for (int j = 1; j < 10; j++) rtable_set(r, j, i, cols[j] ? cols[j][i] : (double)counts[j][i]);
  }
  int64_t all = n - 1;
  snprintf(s->key, sizeof s->key, "winback");
  snprintf(s->name, sizeof s->name, "winback");
  snprintf(s->title, sizeof s->title, "Win-back of the subscribers who churned in %s", c->month);
  set_chart(s, RCHART_BARS, "Win-back rate by churn category", 0);
  add_series(s, 3, false);
  char a[32], b[32], d[32], e[32], f[32];
  if (all >= 0 && churned[all] > 0) {
    snprintf(s->summary, sizeof s->summary, "Of the %s subscribers who churned in %s, %s came back (win-back rate %s); a win-back was attempted on %s, with a success rate of %s.",
             fmt_count((double)churned[all], a), c->month, fmt_count((double)won[all], b), fmt_pct(rate[all], d),
             fmt_count((double)tried[all], e), fmt_pct(success[all], f));
    snprintf(s->headline_label, sizeof s->headline_label, "Win-back %s", c->month);
    fmt_pct(rate[all], s->headline_value);
    snprintf(s->headline_sub, sizeof s->headline_sub, "%s of %s churners came back", fmt_count((double)won[all], a), fmt_count((double)churned[all], b));
  } else {
    snprintf(s->summary, sizeof s->summary, "No subscriber churned in %s.", c->month);
  }
  snprintf(s->note, sizeof s->note, "Churn as the library defines it (churn.definition). Came back = a new spell of the same id, or of another id of the same person, within kpi.winback_days (90) after the churn; attempted = a retention contact after the churn; stayed = still active kpi.followup_days (90) after the return. Returns after the data's end are not seen yet, so a recent month's rate is a lower bound.");
  return true;
}

/* --- contact compliance of the month's warning list --------------------------------------- */

bool section_compliance(report_ctx *c, const churn_table *t, rsection *s) {
  const char *const *group = str_col(t, "group");
  const int64_t *warned = i64_col(t, "warned"), *contacted = i64_col(t, "contacted");
  const int64_t *late = i64_col(t, "late");
  const double *rate = f64_col(t, "compliance"), *lo = f64_col(t, "ci_low"), *hi = f64_col(t, "ci_high");
  if (!group || !warned || !contacted || !late || !rate || !lo || !hi) {
    return missing(c, "contact compliance", "group/warned/contacted/compliance/ci_low/ci_high/late");
  }
  int64_t n = churn_table_nrows(t);
  rtable *r = s->table = rtable_new(n);
  if (r == NULL) return false;
  ADD(r, "route", "Route", RFMT_STR);
  ADD(r, "warned", "Work orders", RFMT_INT);
  ADD(r, "contacted", "Contacted by the deadline", RFMT_INT);
  ADD(r, "compliance", "Compliance", RFMT_PCT);
  ADD(r, "ci_low", "95% CI low", RFMT_PCT);
  ADD(r, "ci_high", "95% CI high", RFMT_PCT);
  ADD(r, "late", "Contacted late", RFMT_INT);
  for (int64_t i = 0; i < n; i++) {
    if (!rtable_set_str(r, 0, i, group[i])) return false;
    rtable_set(r, 1, i, (double)warned[i]);
    rtable_set(r, 2, i, (double)contacted[i]);
    rtable_set(r, 3, i, rate[i]);
    rtable_set(r, 4, i, lo[i]);
    rtable_set(r, 5, i, hi[i]);
    rtable_set(r, 6, i, (double)late[i]);
  }
  char date[40];
  churn_time_format(c->month_start, date, sizeof date);
  int64_t all = n - 1;
  snprintf(s->key, sizeof s->key, "compliance");
  snprintf(s->name, sizeof s->name, "compliance");
  snprintf(s->title, sizeof s->title, "Contact compliance of the list issued on %.10s", date);
  set_chart(s, RCHART_BARS, "Share of work orders contacted by their deadline, by route", 0);
  add_series(s, 3, false);
  char a[32], b[32], d[32], e[32];
  if (all >= 0 && warned[all] > 0) {
    snprintf(s->summary, sizeof s->summary, "Of the %s subscribers warned on %.10s, %s had a retention contact by their deadline (compliance %s); %s were contacted late.",
             fmt_count((double)warned[all], a), date, fmt_count((double)contacted[all], b), fmt_pct(rate[all], d),
             fmt_count((double)late[all], e));
    snprintf(s->headline_label, sizeof s->headline_label, "Contact compliance %.10s", date);
    fmt_pct(rate[all], s->headline_value);
    snprintf(s->headline_sub, sizeof s->headline_sub, "%s of %s work orders in time", fmt_count((double)contacted[all], a), fmt_count((double)warned[all], b));
  } else {
    snprintf(s->summary, sizeof s->summary, "No warning was issued on %.10s.", date);
  }
  snprintf(s->note, sizeof s->note, "A work order is met when a retention contact (RETENTION event) lies between the warning and its deadline (warnings.deadline_days working days), the deadline included; a subscriber flagged by several rules counts once, with the earliest deadline.");
  return true;
}
