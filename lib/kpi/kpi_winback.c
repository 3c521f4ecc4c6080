/*
 * kpi_winback.c -- win-back as the domain defines it: of the subscribers who churned in a
 * period (under the library's churn definition), how many came back within W days, under the
 * same id or under another id of the same person (the "person" subscriber column), how many
 * of those a win-back was attempted on (a RETENTION contact after the churn), and how many of
 * the returns stayed F days (the operators' 挽回效果跟踪).
 */
#include "data/dataset.h"
#include "kpi.h"

#include <math.h>
#include <string.h>

static const char *const CATEGORY_ROWS[] = {"natural", "competitive", "service", "unknown"};

/* The person code of every subscriber (-1: none), from the categorical column "person". */
static const int32_t *person_codes(const churn_dataset *ds) {
  for (size_t j = 0; j < ds->subs.nattrs; j++) {
    const churn__attr *a = &ds->subs.attrs[j];
    if (a->categorical && strcmp(a->name, "person") == 0) return a->cat.codes;
  }
  return NULL;
}

/* Subscribers ordered by person code (those without one left out): order[i], i in
 * [first[p], first[p + 1]) are person p's. */
typedef struct people {
  int32_t n;
  int64_t *first, *order;
} people;

static void people_free(people *pp) {
  churn__free(pp->first);
  churn__free(pp->order);
  memset(pp, 0, sizeof *pp);
}

static churn_status people_build(const churn_dataset *ds, const int32_t *code, people *pp) {
  memset(pp, 0, sizeof *pp);
  int32_t n = 0;
  for (int64_t s = 0; code && s < ds->subs.n; s++) n = code[s] + 1 > n ? code[s] + 1 : n;
  pp->n = n;
  pp->first = churn__calloc((size_t)n + 2, sizeof *pp->first);
  pp->order = churn__malloc_array((size_t)ds->subs.n + 1, sizeof *pp->order);
  if (!pp->first || !pp->order) {
    people_free(pp);
    return churn__nomem("win-back persons");
  }
  for (int64_t s = 0; code && s < ds->subs.n; s++) {
    if (code[s] >= 0) pp->first[code[s] + 2]++;
  }
  for (int32_t p = 0; p < n; p++) pp->first[p + 2] += pp->first[p + 1];
  for (int64_t s = 0; code && s < ds->subs.n; s++) {
    if (code[s] >= 0) pp->order[pp->first[code[s] + 1]++] = s;
  }
  return CHURN_OK;
}

/* The return after spell k of subscriber s ended at `end`: the earliest spell start in
 * [end, end + W] of s itself or of another id of its person; its spell index, or -1. */
static int64_t find_return(const churn__spells *sp, const people *pp, const int32_t *code,
                           int64_t s, int64_t k, int64_t W) {
  int64_t end = sp->end[k], best = -1;
  if (k + 1 < sp->off[s + 1] && sp->start[k + 1] - end <= W) best = k + 1;
  if (code == NULL || code[s] < 0) return best;
  for (int64_t i = pp->first[code[s]]; i < pp->first[code[s] + 1]; i++) {
    int64_t o = pp->order[i];
    if (o == s) continue;
    for (int64_t j = sp->off[o]; j < sp->off[o + 1]; j++) {
      int64_t a = sp->start[j];
      if (a == CHURN_TIME_NONE || a < end || a - end > W) continue;
      if (best < 0 || a < sp->start[best]) best = j;
    }
  }
  return best;
}

/* A RETENTION contact of s in [end, end + W]. */
static bool attempted(const churn__events *ev, int64_t s, int64_t end, int64_t W) {
  for (int64_t e = ev->n > 0 ? ev->off[s] : 0; ev->n > 0 && e < ev->off[s + 1]; e++) {
    if (ev->kind[e] == CHURN_EV_RETENTION && ev->time[e] >= end && ev->time[e] - end <= W) {
      return true;
    }
  }
  return false;
}

enum { WR_CHURNED, WR_WON, WR_TRIED, WR_TRIED_WON, WR_KEPT, WR_NI };
enum { WR_RATE, WR_LO, WR_HI, WR_SUCCESS, WR_KEPT_RATE, WR_NF };

CHURN_API churn_status churn_kpi_winback_rate(const churn_dataset *ds, int64_t from, int64_t to,
                                              const char *by, const churn_options *opts,
                                              churn_table **out) {
  const char *fn = "churn_kpi_winback_rate";
  CHURN_CHECK_ARG(ds != NULL && out != NULL, "%s: ds and out must not be NULL", fn);
  CHURN_TRY(churn__kpi_check_period(from, to, fn));
  int64_t W = churn__kpi_opt_int(opts, CHURN_OPT_KPI_WINBACK_DAYS) * CHURN__SPELL_DAY;
  int64_t F = churn__kpi_opt_int(opts, CHURN_OPT_KPI_FOLLOWUP_DAYS) * CHURN__SPELL_DAY;
  bool by_category = by != NULL && strcmp(by, "category") == 0;
  churn__segments seg;
  memset(&seg, 0, sizeof seg);
  if (by_category) {
    seg.ngroups = 4;
    seg.labels = churn__malloc_array(4, sizeof *seg.labels);
    if (seg.labels == NULL) return churn__nomem("win-back groups");
    for (int g = 0; g < 4; g++) seg.labels[g] = CATEGORY_ROWS[g];
  } else {
    CHURN_TRY(churn__segments_build(ds, by, fn, &seg));
  }
  churn__spells sp;
  churn_status st = churn__spells_build(ds, opts, fn, &sp);
  const int32_t *code = person_codes(ds);
  people pp;
  memset(&pp, 0, sizeof pp);
  if (st == CHURN_OK) st = people_build(ds, code, &pp);
  int64_t G = seg.ngroups, rows = by ? G + 1 : 1;
  int64_t *ic[WR_NI] = {0};
  double *fc[WR_NF] = {0};
  const char **labels = churn__malloc_array((size_t)G + 1, sizeof *labels);
  bool ok = st == CHURN_OK && labels != NULL;
  for (int c = 0; c < WR_NI; c++) ok = ok && (ic[c] = churn__calloc((size_t)G + 2, sizeof(int64_t))) != NULL;
  for (int c = 0; c < WR_NF; c++) ok = ok && (fc[c] = churn__calloc((size_t)G + 2, sizeof(double))) != NULL;
  if (ok) {
    for (int64_t g = 0; g < G; g++) labels[g] = seg.labels[g];
    labels[by ? G : 0] = "(all)";
    for (int64_t s = 0; s < sp.nsubs; s++) {
      for (int64_t k = sp.off[s]; k < sp.off[s + 1]; k++) {
        if (sp.how[k] == CHURN__END_OPEN || sp.end[k] < from || sp.end[k] >= to) continue;
        int64_t g = G;
        if (by_category) {
          int c = (int)churn_cancel_reason_category(sp.reason[k]);
          g = c == CHURN_CATEGORY_UNKNOWN ? 3 : c - 1;
        } else if (by) {
          g = seg.group[s];
        }
        int64_t r = find_return(&sp, &pp, code, s, k, W);
        bool tried = attempted(&ds->ev, s, sp.end[k], W);
        bool kept = r >= 0 && (sp.end[r] == CHURN__OPEN_END || sp.end[r] - sp.start[r] > F);
        int64_t add[WR_NI] = {1, r >= 0, tried, tried && r >= 0, kept};
        for (int c = 0; c < WR_NI; c++) {
          if (by) ic[c][g] += add[c];
          ic[c][by ? G : 0] += add[c];
        }
      }
    }
    for (int64_t r = 0; r < rows; r++) {
      double m = (double)ic[WR_CHURNED][r], w = (double)ic[WR_WON][r];
      churn__kpi_rate(w, m, &fc[WR_RATE][r], &fc[WR_LO][r], &fc[WR_HI][r]);
      double t = (double)ic[WR_TRIED][r];
      fc[WR_SUCCESS][r] = t > 0.0 ? (double)ic[WR_TRIED_WON][r] / t : NAN;
      fc[WR_KEPT_RATE][r] = w > 0.0 ? (double)ic[WR_KEPT][r] / w : NAN;
    }
    churn__free(ic[WR_TRIED_WON]);
    churn__col cols[] = {{"group", 's', labels},
                         {"churned", 'i', ic[WR_CHURNED]},
                         {"won_back", 'i', ic[WR_WON]},
                         {"win_back_rate", 'f', fc[WR_RATE]},
                         {"ci_low", 'f', fc[WR_LO]},
                         {"ci_high", 'f', fc[WR_HI]},
                         {"attempted", 'i', ic[WR_TRIED]},
                         {"success_rate", 'f', fc[WR_SUCCESS]},
                         {"kept", 'i', ic[WR_KEPT]},
                         {"kept_rate", 'f', fc[WR_KEPT_RATE]}};
    st = churn__table_from_cols(rows, cols, 10, out);
  } else {
    if (st == CHURN_OK) st = churn__nomem("win-back table");
    for (int c = 0; c < WR_NI; c++) churn__free(ic[c]);
    for (int c = 0; c < WR_NF; c++) churn__free(fc[c]);
  }
  churn__free(labels);
  people_free(&pp);
  churn__spells_free(&sp);
  churn__segments_free(&seg);
  return st;
}
