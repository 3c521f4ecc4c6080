/*
 * kpi_segments.c -- where churn concentrates and what the retention desk wins back: churn by
 * segment over a period with Wilson intervals and churners by category, and the outcomes of
 * retention contacts by reason category or by a subscriber column (manager).  The domain's
 * win-back rate (returns of churned subscribers) is kpi_winback.c.
 */
#include "data/dataset.h"
#include "kpi.h"

#include <math.h>
#include <string.h>

static int64_t *zeros_i64(int64_t n) { return churn__calloc((size_t)n + 1, sizeof(int64_t)); }
static double *zeros_f64(int64_t n) { return churn__calloc((size_t)n + 1, sizeof(double)); }

/* Labels per row: the groups, then "(all)". */
static const char **row_labels(const churn__segments *seg, const char *total) {
  const char **l = churn__malloc_array((size_t)seg->ngroups + 1, sizeof *l);
  if (l == NULL) return NULL;
  for (int64_t g = 0; g < seg->ngroups; g++) l[g] = seg->labels[g];
  l[seg->ngroups] = total;
  return l;
}

/* --- churn by segment ---------------------------------------------------------------------- */

enum { SG_OPEN, SG_ACT, SG_EXPOSED, SG_OUT, SG_NAT, SG_COMP, SG_SERV, SG_UNK, SG_CLOSE,
       SG_OUT_CANCEL, SG_OUT_NON_USE, SG_NI };
enum { SG_RATE, SG_LO, SG_HI, SG_NF };

static void segment_counts(const churn__spells *sp, const churn__segments *seg, int64_t from,
                           int64_t to, int64_t G, int64_t **ic) {
  for (int64_t s = 0; s < sp->nsubs; s++) {
    int64_t g = seg->group[s];
    for (int64_t k = sp->off[s]; k < sp->off[s + 1]; k++) {
      int64_t a = sp->start[k], e = sp->end[k];
      bool before = a == CHURN_TIME_NONE || a < from;
      int64_t add[SG_NI] = {0};
      add[SG_OPEN] = before && e >= from;
      add[SG_ACT] = a != CHURN_TIME_NONE && a >= from && a < to;
      add[SG_OUT] = e != CHURN__OPEN_END && e >= from && e < to;
      add[SG_CLOSE] = (a == CHURN_TIME_NONE || a < to) && e >= to;
      add[SG_OUT_CANCEL] = add[SG_OUT] && sp->how[k] == CHURN__END_CANCEL;
      add[SG_OUT_NON_USE] = add[SG_OUT] && sp->how[k] == CHURN__END_NON_USE;
      if (add[SG_OUT]) {
        switch (churn_cancel_reason_category(sp->reason[k])) {
          case CHURN_CATEGORY_NATURAL: add[SG_NAT] = 1; break;
          case CHURN_CATEGORY_COMPETITIVE: add[SG_COMP] = 1; break;
          case CHURN_CATEGORY_SERVICE: add[SG_SERV] = 1; break;
          default: add[SG_UNK] = 1; break;
        }
      }
      add[SG_EXPOSED] = add[SG_OPEN] + add[SG_ACT];
      for (int c = 0; c < SG_NI; c++) {
        ic[c][g] += add[c];
        ic[c][G] += add[c];
      }
    }
  }
}

CHURN_API churn_status churn_kpi_segments(const churn_dataset *ds, int64_t from, int64_t to,
                                          const char *segment, const churn_options *opts,
                                          churn_table **out) {
  const char *fn = "churn_kpi_segments";
  CHURN_CHECK_ARG(ds != NULL && out != NULL, "%s: ds and out must not be NULL", fn);
  CHURN_TRY(churn__kpi_check_period(from, to, fn));
  churn__spells sp;
  churn__segments seg;
  CHURN_TRY(churn__spells_build(ds, opts, fn, &sp));
  churn_status st = churn__segments_build(ds, segment, fn, &seg);
  if (st != CHURN_OK) {
    churn__spells_free(&sp);
    return st;
  }
  int64_t G = seg.ngroups, rows = segment ? G + 1 : 1;
  int64_t *ic[SG_NI] = {0};
  double *fc[SG_NF] = {0};
  const char **labels = row_labels(&seg, "(all)");
  bool ok = labels != NULL;
  for (int c = 0; c < SG_NI; c++) ok = ok && (ic[c] = zeros_i64(G + 1)) != NULL;
  for (int c = 0; c < SG_NF; c++) ok = ok && (fc[c] = zeros_f64(G + 1)) != NULL;
  if (ok) {
    segment_counts(&sp, &seg, from, to, G, ic);
    if (segment == NULL) { /* only the total row: move it to row 0 */
      for (int c = 0; c < SG_NI; c++) ic[c][0] = ic[c][G];
      labels[0] = "(all)";
    }
    int64_t base_kind = churn__kpi_opt_int(opts, CHURN_OPT_KPI_RATE_BASE);
    for (int64_t r = 0; r < rows; r++) {
      double m = churn__kpi_rate_base(base_kind, ic[SG_OPEN][r], ic[SG_ACT][r], ic[SG_CLOSE][r]);
      churn__kpi_rate((double)ic[SG_OUT][r], m, &fc[SG_RATE][r], &fc[SG_LO][r], &fc[SG_HI][r]);
    }
    churn__col cols[] = {{"segment", 's', labels},         {"opening", 'i', ic[SG_OPEN]},
                         {"activations", 'i', ic[SG_ACT]}, {"exposed", 'i', ic[SG_EXPOSED]},
                         {"churned", 'i', ic[SG_OUT]},     {"churn_rate", 'f', fc[SG_RATE]},
                         {"ci_low", 'f', fc[SG_LO]},       {"ci_high", 'f', fc[SG_HI]},
                         {"natural", 'i', ic[SG_NAT]},     {"competitive", 'i', ic[SG_COMP]},
                         {"service", 'i', ic[SG_SERV]},    {"unknown", 'i', ic[SG_UNK]},
                         {"closing", 'i', ic[SG_CLOSE]},
                         {"churned_cancel", 'i', ic[SG_OUT_CANCEL]},
                         {"churned_non_use", 'i', ic[SG_OUT_NON_USE]}};
    st = churn__table_from_cols(rows, cols, 15, out);
  } else {
    st = churn__nomem("segments table");
    for (int c = 0; c < SG_NI; c++) churn__free(ic[c]);
    for (int c = 0; c < SG_NF; c++) churn__free(fc[c]);
  }
  churn__free(labels);
  churn__segments_free(&seg);
  churn__spells_free(&sp);
  return st;
}

/* --- win-back ------------------------------------------------------------------------------ */


/* The churn category of the CANCEL event of subscriber s nearest in time to t (ties: the
 * earlier one); unknown when s has no CANCEL event. */
static int nearest_cancel_category(const churn__events *ev, int64_t s, int64_t t) {
  int64_t best = -1;
  uint64_t best_gap = UINT64_MAX;
  for (int64_t e = ev->off[s]; e < ev->off[s + 1]; e++) {
    if (ev->kind[e] != CHURN_EV_CANCEL) continue;
    uint64_t gap = ev->time[e] >= t ? (uint64_t)ev->time[e] - (uint64_t)t
                                    : (uint64_t)t - (uint64_t)ev->time[e];
    if (gap < best_gap) {
      best_gap = gap;
      best = e;
    }
  }
  return best < 0 ? CHURN_CATEGORY_UNKNOWN : (int)churn_cancel_reason_category(ev->code[best]);
}

enum { WB_TRIED, WB_WON, WB_NI };
enum { WB_RATE, WB_LO, WB_HI, WB_NF };

CHURN_API churn_status churn_kpi_retention_contacts(const churn_dataset *ds, int64_t from,
                                                    int64_t to, const char *by,
                                                    const churn_options *opts,
                                                    churn_table **out) {
  const char *fn = "churn_kpi_retention_contacts";
  (void)opts;
  CHURN_CHECK_ARG(ds != NULL && out != NULL, "%s: ds and out must not be NULL", fn);
  CHURN_TRY(churn__kpi_check_period(from, to, fn));
  if (!ds->ev.finalized && ds->ev.n > 0) {
    return churn__fail(CHURN_E_STATE, "%s: the dataset is not finalized", fn);
  }
  bool by_category = by != NULL && strcmp(by, "reason_category") == 0;
  churn__segments seg;
  memset(&seg, 0, sizeof seg);
  if (by_category) {
    seg.ngroups = 4;
    seg.labels = churn__malloc_array(4, sizeof *seg.labels);
    if (seg.labels == NULL) return churn__nomem("win-back groups");
    for (int g = 0; g < 4; g++) seg.labels[g] = churn__enum_name(CHURN_ENUM_CATEGORY, g);
  } else {
    CHURN_TRY(churn__segments_build(ds, by, fn, &seg));
  }
  int64_t G = seg.ngroups, rows = by ? G + 1 : 1;
  int64_t *ic[WB_NI] = {0};
  double *fc[WB_NF] = {0};
  const char **labels = row_labels(&seg, "(all)");
  bool ok = labels != NULL;
  for (int c = 0; c < WB_NI; c++) ok = ok && (ic[c] = zeros_i64(G + 1)) != NULL;
  for (int c = 0; c < WB_NF; c++) ok = ok && (fc[c] = zeros_f64(G + 1)) != NULL;
  churn_status st = CHURN_OK;
  if (ok) {
    const churn__events *ev = &ds->ev;
    for (int64_t s = 0; ev->n > 0 && s < ds->subs.n; s++) {
      int64_t first = CHURN_TIME_NONE;
      bool won = false;
      for (int64_t e = ev->off[s]; e < ev->off[s + 1]; e++) {
        if (ev->kind[e] != CHURN_EV_RETENTION || ev->time[e] < from || ev->time[e] >= to) continue;
        if (first == CHURN_TIME_NONE) first = ev->time[e];
        won |= ev->code[e] == CHURN_OUTCOME_RETAINED;
      }
      if (first == CHURN_TIME_NONE) continue;
      int64_t g = by_category ? nearest_cancel_category(ev, s, first) : seg.group[s];
      ic[WB_TRIED][g]++;
      ic[WB_TRIED][G]++;
      ic[WB_WON][g] += won;
      ic[WB_WON][G] += won;
    }
    if (by == NULL) {
      for (int c = 0; c < WB_NI; c++) ic[c][0] = ic[c][G];
      labels[0] = "(all)";
    }
    for (int64_t r = 0; r < rows; r++) {
      double k = (double)ic[WB_WON][r], m = (double)ic[WB_TRIED][r];
      fc[WB_RATE][r] = m > 0.0 ? k / m : NAN;
      churn__wilson(k, m, CHURN__Z975, &fc[WB_LO][r], &fc[WB_HI][r]);
    }
    churn__col cols[] = {{"group", 's', labels},          {"attempted", 'i', ic[WB_TRIED]},
                         {"won_back", 'i', ic[WB_WON]},    {"success_rate", 'f', fc[WB_RATE]},
                         {"ci_low", 'f', fc[WB_LO]},       {"ci_high", 'f', fc[WB_HI]}};
    st = churn__table_from_cols(rows, cols, 6, out);
  } else {
    st = churn__nomem("win-back table");
    for (int c = 0; c < WB_NI; c++) churn__free(ic[c]);
    for (int c = 0; c < WB_NF; c++) churn__free(fc[c]);
  }
  churn__free(labels);
  churn__segments_free(&seg);
  return st;
}
