/*
 * kpi_warnings.c -- how good the early warnings were: of the subscribers active at T who
 * churned before the horizon, the share that had been warned (recall, the operators' "warning
 * accuracy") and the precision of the list, per rule and overall, and the same for a model's
 * top-k risk list.  Warnings come in as plain arrays so any rule engine can be judged.
 */
#include "data/dataset.h"
#include "kpi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Outcome per subscriber: 0 not active at as_of, 1 active and stayed, 2 active and churned
 * before horizon_end.  *churners counts the 2s. */
static churn_status outcomes(const churn_dataset *ds, int64_t as_of, int64_t horizon_end,
                             const char *fn, uint8_t **out, int64_t *churners) {
  CHURN_CHECK_ARG(ds != NULL, "%s: dataset is NULL", fn);
  CHURN_CHECK_ARG(as_of != CHURN_TIME_NONE && horizon_end != CHURN_TIME_NONE && as_of < horizon_end,
                  "%s: as_of (%lld) must be before horizon_end (%lld)", fn, (long long)as_of,
                  (long long)horizon_end);
  churn__spells sp;
  CHURN_TRY(churn__spells_build(ds, fn, &sp));
  uint8_t *o = churn__calloc((size_t)sp.nsubs + 1, 1);
  if (o == NULL) {
    churn__spells_free(&sp);
    return churn__nomem("warning outcomes");
  }
  int64_t c = 0;
  for (int64_t s = 0; s < sp.nsubs; s++) {
    for (int64_t k = sp.off[s]; k < sp.off[s + 1]; k++) {
      bool started = sp.start[k] == CHURN_TIME_NONE || sp.start[k] <= as_of;
      if (started && as_of < sp.end[k]) {
        o[s] = sp.end[k] < horizon_end ? 2 : 1;
        c += o[s] == 2;
      }
    }
  }
  churn__spells_free(&sp);
  *out = o;
  *churners = c;
  return CHURN_OK;
}

static double ratio(int64_t a, int64_t b) { return b > 0 ? (double)a / (double)b : NAN; }

/* --- warning lists -------------------------------------------------------------------------- */

typedef struct flag {
  int64_t rule, sub;
} flag;

static int cmp_flag(const void *a, const void *b) {
  const flag *x = a, *y = b;
  if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
  return (x->sub > y->sub) - (x->sub < y->sub);
}

/* Numbers the distinct rule names in order of first appearance. */
static churn_status number_rules(const char *const *rule, int64_t n, flag *f, const char ***names,
                                 int64_t *nrules) {
  const char **nm = NULL;
  size_t cap = 0;
  int64_t R = 0;
  for (int64_t i = 0; i < n; i++) {
    const char *r = rule ? rule[i] : "warning";
    int64_t id = -1;
    for (int64_t j = R - 1; j >= 0 && id < 0; j--) {
      if (strcmp(nm[j], r) == 0) id = j;
    }
    if (id < 0) {
      if (!churn__grow((void **)&nm, &cap, (size_t)R + 2, sizeof *nm)) {
        churn__free(nm);
        return churn__nomem("warning rules");
      }
      nm[R] = r;
      id = R++;
    }
    f[i].rule = id;
  }
  if (nm == NULL && (nm = churn__malloc(2 * sizeof *nm)) == NULL) return churn__nomem("warning rules");
  nm[R] = "(any)";
  *names = nm;
  *nrules = R;
  return CHURN_OK;
}

enum { WA_WARNED, WA_HIT, WA_CHURNERS, WA_OUTSIDE, WA_RETAINED, WA_NI };
enum { WA_RECALL, WA_PRECISION, WA_RETAINED_RATE, WA_NF };

static void count_rule(const flag *f, int64_t lo, int64_t hi, const uint8_t *o, int64_t row,
                       int64_t **ic) {
  for (int64_t i = lo; i < hi; i++) {
    if (i > lo && f[i].sub == f[i - 1].sub) continue;
    if (o[f[i].sub] == 0) {
      ic[WA_OUTSIDE][row]++;
      continue;
    }
    ic[WA_WARNED][row]++;
    ic[WA_HIT][row] += o[f[i].sub] == 2;
  }
}

CHURN_API churn_status churn_kpi_warning_accuracy(const churn_dataset *ds, int64_t as_of,
                                                  int64_t horizon_end, const int64_t *subscriber,
                                                  const char *const *rule, int64_t n,
                                                  churn_table **out) {
  const char *fn = "churn_kpi_warning_accuracy";
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_CHECK_ARG(n >= 0 && (n == 0 || subscriber != NULL),
                  "%s: subscriber is NULL or n = %lld is negative", fn, (long long)n);
  int64_t S = churn_dataset_num_subscribers(ds);
  for (int64_t i = 0; i < n; i++) {
    if (subscriber[i] < 0 || subscriber[i] >= S) {
      return churn__fail(CHURN_E_ARG, "%s: subscriber[%lld] = %lld is not an index in [0, %lld)",
                         fn, (long long)i, (long long)subscriber[i], (long long)S);
    }
    if (rule && rule[i] == NULL) {
      return churn__fail(CHURN_E_ARG, "%s: rule[%lld] is NULL", fn, (long long)i);
    }
  }
  uint8_t *o = NULL;
  int64_t churners = 0, R = 0;
  CHURN_TRY(outcomes(ds, as_of, horizon_end, fn, &o, &churners));
  flag *f = churn__malloc_array((size_t)n + 1, sizeof *f);
  const char **names = NULL;
  churn_status st = f ? number_rules(rule, n, f, &names, &R) : churn__nomem("warning flags");
  int64_t *ic[WA_NI] = {0};
  double *fc[WA_NF] = {0};
  bool ok = st == CHURN_OK;
  for (int c = 0; c < WA_NI; c++) ok = ok && (ic[c] = churn__calloc((size_t)R + 2, sizeof(int64_t))) != NULL;
  for (int c = 0; c < WA_NF; c++) ok = ok && (fc[c] = churn__calloc((size_t)R + 2, sizeof(double))) != NULL;
  if (ok) {
    for (int64_t i = 0; i < n; i++) f[i].sub = subscriber[i];
    qsort(f, (size_t)n, sizeof *f, cmp_flag);
    for (int64_t lo = 0, hi = 0; lo < n; lo = hi) {
      while (hi < n && f[hi].rule == f[lo].rule) hi++;
      count_rule(f, lo, hi, o, f[lo].rule, ic);
    }
    for (int64_t i = 0; i < n; i++) f[i].rule = 0; /* the union of all rules */
    qsort(f, (size_t)n, sizeof *f, cmp_flag);
    count_rule(f, 0, n, o, R, ic);
    for (int64_t r = 0; r <= R; r++) {
      ic[WA_CHURNERS][r] = churners;
      fc[WA_RECALL][r] = ratio(ic[WA_HIT][r], churners);
      fc[WA_PRECISION][r] = ratio(ic[WA_HIT][r], ic[WA_WARNED][r]);
      /* retained: warned (a cancellation request, say) and still active at the horizon */
      ic[WA_RETAINED][r] = ic[WA_WARNED][r] - ic[WA_HIT][r];
      fc[WA_RETAINED_RATE][r] = ratio(ic[WA_RETAINED][r], ic[WA_WARNED][r]);
    }
    churn__col cols[] = {{"rule", 's', names},
                         {"warned", 'i', ic[WA_WARNED]},
                         {"warned_churned", 'i', ic[WA_HIT]},
                         {"churners", 'i', ic[WA_CHURNERS]},
                         {"recall", 'f', fc[WA_RECALL]},
                         {"precision", 'f', fc[WA_PRECISION]},
                         {"outside_base", 'i', ic[WA_OUTSIDE]},
                         {"retained", 'i', ic[WA_RETAINED]},
                         {"retained_rate", 'f', fc[WA_RETAINED_RATE]}};
    st = churn__table_from_cols(R + 1, cols, 9, out);
  } else {
    if (st == CHURN_OK) st = churn__nomem("warning accuracy table");
    for (int c = 0; c < WA_NI; c++) churn__free(ic[c]);
    for (int c = 0; c < WA_NF; c++) churn__free(fc[c]);
  }
  churn__free(names);
  churn__free(f);
  churn__free(o);
  return st;
}

/* --- top-k risk lists ----------------------------------------------------------------------- */

typedef struct ranked {
  double score;
  int64_t sub;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return (x->sub > y->sub) - (x->sub < y->sub);
}

enum { TK_K, TK_FLAGGED, TK_HIT, TK_CHURNERS, TK_NI };

CHURN_API churn_status churn_kpi_topk_accuracy(const churn_dataset *ds, int64_t as_of,
                                               int64_t horizon_end, const double *score,
                                               int64_t nscores, const int64_t *k, int64_t nk,
                                               churn_table **out) {
  const char *fn = "churn_kpi_topk_accuracy";
  CHURN_CHECK_ARG(out != NULL && score != NULL && k != NULL,
                  "%s: score, k and out must not be NULL", fn);
  int64_t S = churn_dataset_num_subscribers(ds);
  CHURN_CHECK_ARG(nscores == S, "%s: score has %lld values but the dataset has %lld subscribers",
                  fn, (long long)nscores, (long long)S);
  CHURN_CHECK_ARG(nk >= 1, "%s: nk = %lld, at least one k is needed", fn, (long long)nk);
  for (int64_t j = 0; j < nk; j++) {
    CHURN_CHECK_ARG(k[j] >= 1, "%s: k[%lld] = %lld is not >= 1", fn, (long long)j, (long long)k[j]);
  }
  uint8_t *o = NULL;
  int64_t churners = 0, P = 0;
  CHURN_TRY(outcomes(ds, as_of, horizon_end, fn, &o, &churners));
  ranked *rk = churn__malloc_array((size_t)S + 1, sizeof *rk);
  int64_t *hits = churn__calloc((size_t)S + 2, sizeof *hits);
  churn_status st = rk && hits ? CHURN_OK : churn__nomem("top-k ranking");
  for (int64_t s = 0; st == CHURN_OK && s < S; s++) {
    if (o[s] == 0) continue;
    if (!churn__is_finite(score[s])) {
      st = churn__fail(CHURN_E_DATA, "%s: score[%lld] is not finite", fn, (long long)s);
    }
    rk[P++] = (ranked){score[s], s};
  }
  int64_t *ic[TK_NI] = {0};
  double *fc[2] = {0};
  bool ok = st == CHURN_OK;
  for (int c = 0; c < TK_NI; c++) ok = ok && (ic[c] = churn__calloc((size_t)nk + 1, sizeof(int64_t))) != NULL;
  for (int c = 0; c < 2; c++) ok = ok && (fc[c] = churn__calloc((size_t)nk + 1, sizeof(double))) != NULL;
  if (ok) {
    qsort(rk, (size_t)P, sizeof *rk, cmp_ranked);
    for (int64_t i = 0; i < P; i++) hits[i + 1] = hits[i] + (o[rk[i].sub] == 2);
    for (int64_t j = 0; j < nk; j++) {
      int64_t f = k[j] < P ? k[j] : P;
      ic[TK_K][j] = k[j];
      ic[TK_FLAGGED][j] = f;
      ic[TK_HIT][j] = hits[f];
      ic[TK_CHURNERS][j] = churners;
      fc[0][j] = ratio(hits[f], churners);
      fc[1][j] = ratio(hits[f], f);
    }
    churn__col cols[] = {{"k", 'i', ic[TK_K]},          {"flagged", 'i', ic[TK_FLAGGED]},
                         {"flagged_churned", 'i', ic[TK_HIT]}, {"churners", 'i', ic[TK_CHURNERS]},
                         {"recall", 'f', fc[0]},           {"precision", 'f', fc[1]}};
    st = churn__table_from_cols(nk, cols, 6, out);
  } else {
    if (st == CHURN_OK) st = churn__nomem("top-k table");
    for (int c = 0; c < TK_NI; c++) churn__free(ic[c]);
    for (int c = 0; c < 2; c++) churn__free(fc[c]);
  }
  churn__free(rk);
  churn__free(hits);
  churn__free(o);
  return st;
}

/* --- the warning table of churn_warnings_compute ----------------------------------------------- */

CHURN_API churn_status churn_kpi_warning_list_accuracy(const churn_dataset *ds, int64_t as_of,
                                                       int64_t horizon_end,
                                                       const churn_table *warnings,
                                                       churn_table **out) {
  const char *fn = "churn_kpi_warning_list_accuracy";
  CHURN_CHECK_ARG(warnings != NULL, "%s: warnings is NULL", fn);
  int64_t js = -1, jr = -1;
  const int64_t *sub = NULL;
  const char *const *rule = NULL;
  if (churn_table_find(warnings, "subscriber", &js) != CHURN_OK ||
      churn_table_find(warnings, "rule", &jr) != CHURN_OK ||
      churn_table_i64(warnings, js, &sub) != CHURN_OK ||
      churn_table_str(warnings, jr, &rule) != CHURN_OK) {
    return churn__fail(CHURN_E_SCHEMA, "%s: warnings needs an i64 column 'subscriber' and a str "
                       "column 'rule' (the table of churn_warnings_compute)", fn);
  }
  return churn_kpi_warning_accuracy(ds, as_of, horizon_end, sub, rule,
                                    churn_table_nrows(warnings), out);
}
