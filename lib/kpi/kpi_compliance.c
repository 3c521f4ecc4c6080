/*
 * kpi_compliance.c -- contact compliance of a warning list (churn_kpi_contact_compliance): of
 * the warned subscribers, how many had a RETENTION contact between the warning and its contact
 * deadline, by route, manager, rule or any text column of the list, with a Wilson interval.
 */
#include "data/dataset.h"
#include "kpi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One warned (group, subscriber, as_of), with the earliest deadline of its rows. */
typedef struct warned {
  int64_t group, sub, as_of, deadline;
} warned;

static int by_key(const void *pa, const void *pb) {
  const warned *a = pa, *b = pb;
  if (a->group != b->group) return a->group < b->group ? -1 : 1;
  if (a->sub != b->sub) return a->sub < b->sub ? -1 : 1;
  if (a->as_of != b->as_of) return a->as_of < b->as_of ? -1 : 1;
  return (a->deadline > b->deadline) - (a->deadline < b->deadline);
}

/* The first RETENTION contact of s at or after t (CHURN_TIME_NONE: none). */
static int64_t first_contact(const churn__events *ev, int64_t s, int64_t t) {
  int64_t best = CHURN_TIME_NONE;
  for (int64_t e = ev->n > 0 ? ev->off[s] : 0; ev->n > 0 && e < ev->off[s + 1]; e++) {
    if (ev->kind[e] == CHURN_EV_RETENTION && ev->time[e] >= t &&
        (best == CHURN_TIME_NONE || ev->time[e] < best)) {
      best = ev->time[e];
    }
  }
  return best;
}

/* Group index of every row (labels in order of first appearance; "" is "(none)"). */
static churn_status group_rows(const char *const *key, int64_t n, int64_t *group,
                               const char ***labels, int64_t *ngroups) {
  const char **l = churn__malloc_array((size_t)n + 1, sizeof *l);
  if (l == NULL) return churn__nomem("contact compliance groups");
  int64_t G = 0;
  for (int64_t i = 0; i < n; i++) {
    const char *k = key ? (key[i][0] ? key[i] : "(none)") : "(all)";
    int64_t g = 0;
    while (g < G && strcmp(l[g], k) != 0) g++;
    if (g == G) l[G++] = k;
    group[i] = g;
  }
  *labels = l;
  *ngroups = G;
  return CHURN_OK;
}

enum { CC_WARNED, CC_CONTACTED, CC_LATE, CC_NI };
enum { CC_RATE, CC_LO, CC_HI, CC_NF };

/* Counts the distinct (group, subscriber, as_of) of n rows sorted by key into ic[.][group]. */
static void count(const churn_dataset *ds, const warned *w, int64_t n, int64_t **ic) {
  for (int64_t i = 0; i < n; i++) {
    if (i > 0 && w[i].group == w[i - 1].group && w[i].sub == w[i - 1].sub &&
        w[i].as_of == w[i - 1].as_of) {
      continue; /* the same warning under another rule: its earliest deadline came first */
    }
    int64_t t = first_contact(&ds->ev, w[i].sub, w[i].as_of);
    ic[CC_WARNED][w[i].group]++;
    if (t != CHURN_TIME_NONE && t <= w[i].deadline) ic[CC_CONTACTED][w[i].group]++;
    if (t != CHURN_TIME_NONE && t > w[i].deadline) ic[CC_LATE][w[i].group]++;
  }
}

CHURN_API churn_status churn_kpi_contact_compliance(const churn_dataset *ds,
                                                    const int64_t *subscriber,
                                                    const int64_t *as_of, const int64_t *deadline,
                                                    const char *const *group_of, int64_t n,
                                                    const churn_options *opts,
                                                    churn_table **out) {
  const char *fn = "churn_kpi_contact_compliance";
  (void)opts;
  CHURN_CHECK_ARG(ds != NULL && out != NULL, "%s: ds and out must not be NULL", fn);
  CHURN_CHECK_ARG(n >= 0 && (n == 0 || (subscriber && as_of && deadline)),
                  "%s: n = %lld warnings need subscriber, as_of and deadline arrays", fn,
                  (long long)n);
  if (!ds->ev.finalized && ds->ev.n > 0) {
    return churn__fail(CHURN_E_STATE, "%s: the dataset is not finalized", fn);
  }
  for (int64_t i = 0; i < n; i++) {
    CHURN_CHECK_ARG(subscriber[i] >= 0 && subscriber[i] < ds->subs.n,
                    "%s: warning %lld: subscriber %lld is not an index in [0, %lld)", fn,
                    (long long)i, (long long)subscriber[i], (long long)ds->subs.n);
    CHURN_CHECK_ARG(as_of[i] != CHURN_TIME_NONE && deadline[i] != CHURN_TIME_NONE &&
                        deadline[i] >= as_of[i],
                    "%s: warning %lld: the deadline must be a time at or after as_of", fn,
                    (long long)i);
    CHURN_CHECK_ARG(group_of == NULL || group_of[i] != NULL, "%s: warning %lld: group is NULL",
                    fn, (long long)i);
  }
  bool by = group_of != NULL;
  int64_t *group = churn__malloc_array((size_t)n + 1, sizeof *group);
  warned *w = churn__malloc_array((size_t)(2 * n) + 1, sizeof *w);
  const char **labels = NULL;
  int64_t G = 0;
  churn_status st = group && w ? group_rows(group_of, n, group, &labels, &G) : churn__nomem(fn);
  int64_t rows = by ? G + 1 : 1, all = by ? G : 0;
  int64_t *ic[CC_NI] = {0};
  double *fc[CC_NF] = {0};
  bool ok = st == CHURN_OK;
  for (int k = 0; k < CC_NI; k++) ok = ok && (ic[k] = churn__calloc((size_t)rows, 8)) != NULL;
  for (int k = 0; k < CC_NF; k++) ok = ok && (fc[k] = churn__calloc((size_t)rows, 8)) != NULL;
  const char **names = ok ? churn__malloc_array((size_t)rows, sizeof *names) : NULL;
  if (ok && names != NULL) {
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
      if (by) w[m++] = (warned){group[i], subscriber[i], as_of[i], deadline[i]};
      w[m++] = (warned){all, subscriber[i], as_of[i], deadline[i]};
    }
    qsort(w, (size_t)m, sizeof *w, by_key);
    count(ds, w, m, ic);
    for (int64_t r = 0; r < rows; r++) {
      names[r] = r == all ? "(all)" : labels[r];
      churn__kpi_rate((double)ic[CC_CONTACTED][r], (double)ic[CC_WARNED][r], &fc[CC_RATE][r],
                      &fc[CC_LO][r], &fc[CC_HI][r]);
    }
    churn__col cols[] = {{"group", 's', names},
                         {"warned", 'i', ic[CC_WARNED]},
                         {"contacted", 'i', ic[CC_CONTACTED]},
                         {"compliance", 'f', fc[CC_RATE]},
                         {"ci_low", 'f', fc[CC_LO]},
                         {"ci_high", 'f', fc[CC_HI]},
                         {"late", 'i', ic[CC_LATE]}};
    st = churn__table_from_cols(rows, cols, 7, out);
  } else {
    if (st == CHURN_OK) st = churn__nomem(fn);
    for (int k = 0; k < CC_NI; k++) churn__free(ic[k]);
    for (int k = 0; k < CC_NF; k++) churn__free(fc[k]);
  }
  churn__free(names);
  churn__free(labels);
  churn__free(w);
  churn__free(group);
  return st;
}

CHURN_API churn_status churn_kpi_contact_compliance_list(const churn_dataset *ds,
                                                         const churn_table *warnings,
                                                         const char *by,
                                                         const churn_options *opts,
                                                         churn_table **out) {
  const char *fn = "churn_kpi_contact_compliance_list";
  CHURN_CHECK_ARG(warnings != NULL, "%s: warnings is NULL", fn);
  int64_t js = -1, ja = -1, jd = -1, jk = -1;
  const int64_t *sub = NULL, *as_of = NULL, *deadline = NULL;
  const char *const *key = NULL;
  if (churn_table_find(warnings, "subscriber", &js) != CHURN_OK ||
      churn_table_find(warnings, "as_of", &ja) != CHURN_OK ||
      churn_table_find(warnings, "deadline", &jd) != CHURN_OK ||
      churn_table_i64(warnings, js, &sub) != CHURN_OK ||
      churn_table_i64(warnings, ja, &as_of) != CHURN_OK ||
      churn_table_i64(warnings, jd, &deadline) != CHURN_OK) {
    return churn__fail(CHURN_E_SCHEMA, "%s: warnings needs i64 columns 'subscriber', 'as_of' "
                       "and 'deadline' (the table of churn_warnings_compute)", fn);
  }
  if (by != NULL && (churn_table_find(warnings, by, &jk) != CHURN_OK ||
                     churn_table_str(warnings, jk, &key) != CHURN_OK)) {
    return churn__fail(CHURN_E_NOT_FOUND, "%s: the warning list has no text column '%s' to "
                       "group by (route, manager, rule, ...)", fn, by);
  }
  return churn_kpi_contact_compliance(ds, sub, as_of, deadline, key, churn_table_nrows(warnings),
                                      opts, out);
}
