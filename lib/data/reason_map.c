/*
 * reason_map.c -- operators' own cancellation reason labels: the dataset's map from a label to
 * a churn_cancel_reason (churn_dataset_set_reason_map, churn_dataset_read_reason_map_csv), its
 * use by the CSV reader (a CANCEL with an unknown label is kept, never rejected), and the list
 * of the labels seen with their event counts (churn_dataset_reason_labels).
 */
#include "dataset.h"
#include "common/pairs.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LABELS (INT32_MAX - 1) /* in the map */
#define MAX_EVENT_LABELS 256         /* on events: the dataset file's limit per kind */

void churn__reason_map_free(churn__reason_map *m) {
  churn__dict_free(&m->labels);
  churn__free(m->code);
  memset(m, 0, sizeof *m);
}

churn_status churn__reason_label(churn_dataset *ds, int kind, const char *s, size_t len,
                                 uint8_t *code, int32_t *label_index) {
  churn__dict *d;
  CHURN_TRY(churn__events_code_dict(&ds->ev, kind, &d));
  CHURN_TRY(churn__dict_intern(d, s, len, MAX_EVENT_LABELS, label_index, NULL));
  int32_t m = churn__dict_find(&ds->reasons.labels, s, len);
  *code = m >= 0 ? ds->reasons.code[m] : CHURN_REASON_UNKNOWN;
  return CHURN_OK;
}

int churn__reason_target(const char *t, size_t len) {
  int code;
  if (churn__event_code_by_name(CHURN_EV_CANCEL, false, t, len, &code) == 1) return code;
  static const struct {
    const char *name;
    int code;
  } CATS[] = {{"unknown", CHURN_REASON_UNKNOWN},
              {"natural", CHURN_REASON_OTHER_NATURAL},
              {"competitive", CHURN_REASON_OTHER_COMPETITIVE},
              {"service", CHURN_REASON_OTHER_SERVICE}};
  for (size_t i = 0; i < sizeof CATS / sizeof CATS[0]; i++) {
    if (strlen(CATS[i].name) == len && memcmp(CATS[i].name, t, len) == 0) return CATS[i].code;
  }
  return -1;
}

/* Adds or replaces one mapping (the target already checked). */
static churn_status map_one(churn__reason_map *m, const char *label, size_t len, int code) {
  int32_t i;
  bool added = false;
  CHURN_TRY(churn__dict_intern(&m->labels, label, len, MAX_LABELS, &i, &added));
  if (!churn__grow((void **)&m->code, &m->cap, (size_t)m->labels.n, 1)) {
    if (added) churn__dict_truncate(&m->labels, i);
    return churn__nomem("reason map");
  }
  m->code[i] = (uint8_t)code;
  return CHURN_OK;
}

/* Gives the stored events with a mapped label their code. */
static void apply_map(churn_dataset *ds) {
  churn__events *ev = &ds->ev;
  for (int64_t e = 0; e < ev->n; e++) {
    int kind = ev->kind[e];
    if (!churn__kind_has_reason(kind) || ev->aux1[e] == CHURN_AUX_NONE) continue;
    const churn__dict *d = ev->code_dict[kind];
    if (d == NULL || ev->aux1[e] < 0 || ev->aux1[e] >= d->n) continue;
    int32_t m = churn__dict_find(&ds->reasons.labels, churn__dict_label(d, ev->aux1[e]),
                                 churn__dict_label_len(d, ev->aux1[e]));
    if (m >= 0) ev->code[e] = ds->reasons.code[m];
  }
}

static churn_status bad_target(const char *fn, const char *label, size_t llen, const char *t,
                               size_t tlen) {
  return churn__fail(CHURN_E_ARG, "%s: label '%.*s' maps to '%.*s', which is neither a "
                     "cancellation reason nor a category (natural, competitive, service, "
                     "unknown)", fn, (int)(llen > 60 ? 60 : llen), label,
                     (int)(tlen > 60 ? 60 : tlen), t);
}

churn_status churn__reason_map_add(churn_dataset *ds, const char *label, size_t llen,
                                   const char *target, size_t tlen) {
  if (llen == 0) return churn__fail(CHURN_E_ARG, "reason map: a label is empty");
  int code = churn__reason_target(target, tlen);
  if (code < 0) return bad_target("reason map", label, llen, target, tlen);
  CHURN_TRY(map_one(&ds->reasons, label, llen, code));
  apply_map(ds);
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_set_reason_map(churn_dataset *ds,
                                                   const char *const *label,
                                                   const char *const *target, size_t n) {
  const char *fn = "churn_dataset_set_reason_map";
  CHURN_CHECK_ARG(ds != NULL, "%s: ds is NULL", fn);
  CHURN_CHECK_ARG(n == 0 || (label != NULL && target != NULL),
                  "%s: label and target must not be NULL", fn);
  for (size_t i = 0; i < n; i++) {
    CHURN_CHECK_ARG(label[i] != NULL && label[i][0] != '\0', "%s: label[%zu] is empty", fn, i);
    CHURN_CHECK_ARG(target[i] != NULL, "%s: target[%zu] is NULL", fn, i);
    if (churn__reason_target(target[i], strlen(target[i])) < 0) {
      return bad_target(fn, label[i], strlen(label[i]), target[i], strlen(target[i]));
    }
  }
  for (size_t i = 0; i < n; i++) {
    CHURN_TRY(map_one(&ds->reasons, label[i], strlen(label[i]),
                      churn__reason_target(target[i], strlen(target[i]))));
  }
  apply_map(ds);
  return CHURN_OK;
}

typedef struct pair_list {
  const char *path;
  char *text;         /* label NUL target NUL ... */
  size_t len, cap;
  size_t n;
} pair_list;

static churn_status on_pair(void *ctx, int64_t line, const char *a, size_t alen, const char *b,
                            size_t blen) {
  pair_list *p = ctx;
  if (alen == 0) {
    return churn__fail(CHURN_E_FORMAT, "reason map file '%s' line %lld: the label is empty",
                       p->path, (long long)line);
  }
  if (churn__reason_target(b, blen) < 0) {
    return churn__fail(CHURN_E_FORMAT, "reason map file '%s' line %lld: '%.*s' is neither a "
                       "cancellation reason nor a category (natural, competitive, service, "
                       "unknown)", p->path, (long long)line, (int)(blen > 60 ? 60 : blen), b);
  }
  if (!churn__grow((void **)&p->text, &p->cap, p->len + alen + blen + 2, 1)) {
    return churn__nomem("reason map");
  }
  memcpy(p->text + p->len, a, alen);
  p->text[p->len + alen] = '\0';
  memcpy(p->text + p->len + alen + 1, b, blen);
  p->text[p->len + alen + 1 + blen] = '\0';
  p->len += alen + blen + 2;
  p->n++;
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_read_reason_map_csv(churn_dataset *ds, const char *path) {
  CHURN_CHECK_ARG(ds != NULL && path != NULL, "churn_dataset_read_reason_map_csv: ds and path "
                  "must not be NULL");
  pair_list p = {path, NULL, 0, 0, 0};
  churn_status st = churn__read_pairs(path, "reason map", "label", on_pair, &p);
  const char **lab = NULL, **tgt = NULL;
  if (st == CHURN_OK) {
    lab = churn__malloc_array(p.n, sizeof *lab);
    tgt = churn__malloc_array(p.n, sizeof *tgt);
    if (lab == NULL || tgt == NULL) st = churn__nomem("reason map");
  }
  if (st == CHURN_OK) {
    const char *q = p.text;
    for (size_t i = 0; i < p.n; i++) {
      lab[i] = q;
      q += strlen(q) + 1;
      tgt[i] = q;
      q += strlen(q) + 1;
    }
    st = churn_dataset_set_reason_map(ds, lab, tgt, p.n);
  }
  churn__free(lab);
  churn__free(tgt);
  churn__free(p.text);
  return st;
}

typedef struct label_row {
  int32_t label; /* in the merged dictionary */
  int64_t events;
  uint8_t code;
  bool mapped;
} label_row;

static int cmp_rows(const void *x, const void *y) {
  const label_row *a = x, *b = y;
  if (a->events != b->events) return a->events > b->events ? -1 : 1;
  return (a->label > b->label) - (a->label < b->label);
}

/* The labels of both kinds in one dictionary (CANCEL's first, each in the order first seen);
 * map[k][i] = the merged code of label i of kind k. */
static churn_status merge_labels(const churn__events *ev, churn__dict *all, int32_t **map) {
  const int kinds[2] = {CHURN_EV_CANCEL, CHURN_EV_CANCEL_REQUEST};
  for (int k = 0; k < 2; k++) {
    const churn__dict *d = ev->code_dict[kinds[k]];
    int32_t n = d ? d->n : 0;
    map[k] = churn__malloc_array((size_t)n + 1, sizeof *map[k]);
    if (map[k] == NULL) return churn__nomem("reason labels");
    for (int32_t i = 0; i < n; i++) {
      CHURN_TRY(churn__dict_intern(all, churn__dict_label(d, i), churn__dict_label_len(d, i),
                                   MAX_LABELS, &map[k][i], NULL));
    }
  }
  return CHURN_OK;
}

static churn_status list_labels(const churn_dataset *ds, const churn__dict *all,
                                int32_t *const *map, churn_table **out) {
  const churn__events *ev = &ds->ev;
  size_t nrows = (size_t)all->n;
  label_row *rows = churn__calloc(nrows + 1, sizeof *rows);
  if (rows == NULL) return churn__nomem("reason labels");
  for (size_t r = 0; r < nrows; r++) {
    int32_t m = churn__dict_find(&ds->reasons.labels, churn__dict_label(all, (int32_t)r),
                                 churn__dict_label_len(all, (int32_t)r));
    rows[r] = (label_row){(int32_t)r, 0, m >= 0 ? ds->reasons.code[m] : CHURN_REASON_UNKNOWN,
                          m >= 0};
  }
  for (int64_t e = 0; e < ev->n; e++) {
    int kind = ev->kind[e];
    int32_t a = ev->aux1[e];
    if (!churn__kind_has_reason(kind) || a < 0 || a >= ev->code_dict[kind]->n) continue;
    label_row *row = &rows[map[kind == CHURN_EV_CANCEL ? 0 : 1][a]];
    row->events++;
    row->code = ev->code[e]; /* as the events carry it */
  }
  qsort(rows, nrows, sizeof *rows, cmp_rows);
  const char **lab = churn__malloc_array(nrows, sizeof *lab);
  const char **rea = churn__malloc_array(nrows, sizeof *rea);
  const char **cat = churn__malloc_array(nrows, sizeof *cat);
  int64_t *cnt = churn__malloc_array(nrows, sizeof *cnt);
  int64_t *mapped = churn__malloc_array(nrows, sizeof *mapped);
  churn_status st = lab && rea && cat && cnt && mapped ? CHURN_OK : churn__nomem("reason labels");
  if (st == CHURN_OK) {
    for (size_t r = 0; r < nrows; r++) {
      lab[r] = churn__dict_label(all, rows[r].label);
      const char *name = churn__enum_name(CHURN_ENUM_CANCEL_REASON, rows[r].code);
      rea[r] = name ? name : "unknown";
      name = churn__enum_name(CHURN_ENUM_CATEGORY, (int)churn_cancel_reason_category(rows[r].code));
      cat[r] = name ? name : "unknown";
      cnt[r] = rows[r].events;
      mapped[r] = rows[r].mapped;
    }
    churn__col cols[] = {{"label", 's', (void *)lab},
                         {"reason", 's', (void *)rea},
                         {"category", 's', (void *)cat},
                         {"events", 'i', cnt},
                         {"mapped", 'i', mapped}};
    cnt = mapped = NULL; /* taken by the table, also on failure */
    st = churn__table_from_cols((int64_t)nrows, cols, 5, out);
  }
  churn__free(cnt);
  churn__free(mapped);
  churn__free((void *)lab);
  churn__free((void *)rea);
  churn__free((void *)cat);
  churn__free(rows);
  return st;
}

CHURN_API churn_status churn_dataset_reason_labels(const churn_dataset *ds, churn_table **out) {
  CHURN_CHECK_ARG(ds != NULL && out != NULL, "churn_dataset_reason_labels: ds and out must not "
                  "be NULL");
  churn__dict all = {0};
  int32_t *map[2] = {NULL, NULL};
  churn_status st = merge_labels(&ds->ev, &all, map);
  if (st == CHURN_OK) st = list_labels(ds, &all, map, out);
  churn__free(map[0]);
  churn__free(map[1]);
  churn__dict_free(&all);
  return st;
}
