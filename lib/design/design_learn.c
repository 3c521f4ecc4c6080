/*
 * design_learn.c -- the learning pass of a design: one row at a time it gathers, per column,
 * the distinct texts with their counts, the moments of the numbers, missing counts, and a hash
 * of every would-be encoded column; it checks the label's values and the ids' uniqueness; at
 * the end it decides types, levels, references, fill values, the constant and duplicate
 * columns to drop, and the encoded names.  The same code learns from a CSV file and from
 * in-memory columns, so both give the same encoding.
 */
#include "design.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* The contribution of value v in kept row r to its column's hash: equal columns (the same
 * non-zero values in the same rows) get equal sums whatever their type. */
static uint64_t mix(int64_t r, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  return splitmix((uint64_t)r * 0xD1B54A32D192ED03ull ^ splitmix(bits));
}

static int show(size_t len) { return (int)(len > 60 ? 60 : len); }

static const char *where(int64_t line) { return line > 0 ? "line" : "row"; }

churn_status churn__design_learn_begin(churn_design *D) {
  for (size_t c = 0; c < D->ncols; c++) {
    churn__dlearn *l = churn__calloc(1, sizeof *l);
    if (l == NULL) return churn__nomem("design learning");
    churn__dict_init(&l->seen);
    l->min = INFINITY;
    l->max = -INFINITY;
    D->cols[c].learn = l;
  }
  D->nkept = 0;
  return CHURN_OK;
}

bool churn__design_row_rejected(const churn_design *D, const churn__dfield *f, size_t *col,
                                const char **why) {
  for (size_t c = 0; c < D->ncols; c++) {
    int role = D->cols[c].role;
    if (role == DROLE_EXCLUDED) continue;
    if (role == DROLE_FEATURE && D->missing != DMISS_REJECT) continue;
    if (f[c].kind == DF_MISSING) {
      *col = c;
      *why = "missing value";
      return true;
    }
    if (role == DROLE_WEIGHT && (f[c].kind != DF_NUM || f[c].x < 0)) {
      *col = c;
      *why = "weight is not a number >= 0";
      return true;
    }
  }
  return false;
}

/* Interns text into a column's distinct values, keeping counts and hashes per value. */
static churn_status learn_text(churn_design *D, churn__dlearn *l, const churn__dfield *v,
                               int64_t r) {
  if (l->overflow || v->p == NULL) return CHURN_OK;
  int32_t code;
  bool added;
  churn_status st = churn__dict_intern(&l->seen, v->p, v->len, (int32_t)D->max_levels + 1, &code,
                                       &added);
  if (st == CHURN_E_RANGE) {
    churn_clear_error();
    l->overflow = true;
    return CHURN_OK;
  }
  CHURN_TRY(st);
  if ((size_t)code >= l->cap) {
    size_t cap = l->cap, cap2 = l->cap;
    if (!churn__grow((void **)&l->count, &cap, (size_t)code + 1, sizeof *l->count) ||
        !churn__grow((void **)&l->hash, &cap2, (size_t)code + 1, sizeof *l->hash)) {
      return churn__nomem("design levels");
    }
    for (size_t i = l->cap; i < (cap < cap2 ? cap : cap2); i++) l->count[i] = 0, l->hash[i] = 0;
    l->cap = cap < cap2 ? cap : cap2;
  }
  l->count[code]++;
  l->hash[code] += mix(r, 1.0);
  return CHURN_OK;
}

static churn_status check_id(churn_design *D, const churn__dfield *f, int64_t line,
                             const char *source) {
  char key[1024];
  size_t len = 0;
  bool any = false;
  for (size_t c = 0; c < D->ncols; c++) {
    int role = D->cols[c].role;
    if (role != DROLE_ID && role != DROLE_TIME) continue;
    if (role == DROLE_ID) any = true;
    size_t n = f[c].len < 400 ? f[c].len : 400;
    if (len + n + 1 > sizeof key) break;
    if (f[c].p) memcpy(key + len, f[c].p, n);
    len += n;
    key[len++] = '\x1f';
  }
  if (!any) return CHURN_OK;
  int32_t code;
  bool added;
  CHURN_TRY(churn__dict_intern(&D->id_seen, key, len, INT32_MAX, &code, &added));
  if (!added) {
    size_t idc = 0;
    while (D->cols[idc].role != DROLE_ID) idc++;
    return churn__fail(CHURN_E_DATA, "%s: %s %lld: id '%.*s' in column '%s' repeats (first on "
                       "%s %lld)%s", source, where(line), (long long)(line > 0 ? line : 0),
                       show(f[idc].len), f[idc].p ? f[idc].p : "", D->cols[idc].name,
                       where(line), (long long)D->id_line[code],
                       D->time[0] ? " in the same month" : "; stacked months need --time-column");
  }
  if (!churn__grow((void **)&D->id_line, &D->id_cap, (size_t)code + 1, sizeof *D->id_line)) {
    return churn__nomem("design ids");
  }
  D->id_line[code] = line;
  return CHURN_OK;
}

static churn_status learn_label(churn_design *D, const churn__dfield *v, int64_t line,
                                const char *source, const char *name) {
  int32_t code;
  bool added;
  CHURN_TRY(churn__dict_intern(&D->label_seen, v->p, v->len, INT32_MAX, &code, &added));
  if (code >= 2) {
    return churn__fail(CHURN_E_DATA, "%s: %s %lld: the label column '%s' has a third value "
                       "'%.*s' (after '%s' and '%s'): a label takes two values", source,
                       where(line), (long long)line, name, show(v->len), v->p,
                       churn__dict_label(&D->label_seen, 0), churn__dict_label(&D->label_seen, 1));
  }
  return CHURN_OK;
}

churn_status churn__design_learn_row(churn_design *D, const churn__dfield *f, int64_t line,
                                     const char *source) {
  size_t bad;
  const char *why;
  if (churn__design_row_rejected(D, f, &bad, &why)) {
    churn__dlearn *l = D->cols[bad].learn;
    if (l->n_missing++ == 0) l->first_rejected = line;
    (void)why;
    return CHURN_OK;
  }
  int64_t r = D->nkept;
  for (size_t c = 0; c < D->ncols; c++) {
    churn__dcol *col = &D->cols[c];
    const churn__dfield *v = &f[c];
    if (col->role == DROLE_LABEL) {
      CHURN_TRY(learn_label(D, v, line, source, col->name));
      continue;
    }
    if (col->role == DROLE_TIME) {
      int32_t code;
      bool added;
      CHURN_TRY(churn__dict_intern(&D->months, v->p ? v->p : "", v->p ? v->len : 0, INT32_MAX,
                                   &code, &added));
      if (!churn__grow((void **)&D->month_count, &D->month_cap, (size_t)code + 1,
                       sizeof *D->month_count)) {
        return churn__nomem("design months");
      }
      if (added) D->month_count[code] = 0;
      D->month_count[code]++;
      continue;
    }
    if (col->role != DROLE_FEATURE) continue;
    churn__dlearn *l = col->learn;
    if (v->kind == DF_MISSING) { /* kept: design.missing fills it */
      l->hash_missing += mix(r, 1.0);
      l->n_filled++;
      continue;
    }
    if (v->kind == DF_NUM) {
      l->n_num++;
      double delta = v->x - l->mean;
      l->mean += delta / (double)l->n_num;
      l->m2 += delta * (v->x - l->mean);
      if (v->x < l->min) l->min = v->x;
      if (v->x > l->max) l->max = v->x;
      if (v->x != 0) {
        l->hash_num += mix(r, v->x);
        l->nnz_num++;
      }
    } else if (l->n_str++ == 0) {
      l->first_str = churn__malloc(v->len + 1);
      if (l->first_str == NULL) return churn__nomem("design");
      memcpy(l->first_str, v->p, v->len);
      l->first_str[v->len] = '\0';
      l->first_str_line = line;
    }
    CHURN_TRY(learn_text(D, l, v, r));
  }
  CHURN_TRY(check_id(D, f, line, source));
  D->nkept++;
  return CHURN_OK;
}

/* --- the end of the pass -------------------------------------------------------------------- */

typedef struct lev {
  const char *s;
  size_t len;
  int32_t code;
} lev;

static int by_bytes(const void *a, const void *b) {
  const lev *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->s, y->s, n);
  if (c) return c;
  return x->len < y->len ? -1 : (x->len > y->len);
}

static bool word_is(const char *s, size_t len, const char *const *words, int n) {
  for (int i = 0; i < n; i++) {
    size_t wl = strlen(words[i]);
    if (wl != len) continue;
    size_t k = 0;
    while (k < len && (s[k] | 32) == (words[i][k] | 32)) k++;
    if (k == len) return true;
  }
  return false;
}

static churn_status label_mapping(churn_design *D, const char *source) {
  if (!D->label[0]) return CHURN_OK;
  int32_t n = D->label_seen.n;
  const char *a = n > 0 ? churn__dict_label(&D->label_seen, 0) : "";
  const char *b = n > 1 ? churn__dict_label(&D->label_seen, 1) : "";
  const char *one = NULL, *zero = NULL;
  if (D->positive[0]) {
    if (strcmp(a, D->positive) == 0) one = a, zero = b;
    else if (n > 1 && strcmp(b, D->positive) == 0) one = b, zero = a;
    else {
      return churn__fail(CHURN_E_DATA, "%s: the --positive value '%s' never occurs in the label "
                         "column '%s' (its values: '%s'%s%s%s)", source, D->positive, D->label, a,
                         n > 1 ? ", '" : "", b, n > 1 ? "'" : "");
    }
  } else {
    static const char *const yes[] = {"1", "true", "yes", "y", "1.0"};
    static const char *const no[] = {"0", "false", "no", "n", "0.0"};
    for (int32_t i = 0; i < n; i++) {
      const char *s = i ? b : a;
      if (word_is(s, strlen(s), yes, 5)) one = s;
      else if (word_is(s, strlen(s), no, 5)) zero = s;
    }
    if (n == 2 && (one == NULL || zero == NULL)) {
      return churn__fail(CHURN_E_DATA, "%s: the label column '%s' has the values '%s' and '%s': "
                         "say which one means churn with --positive VALUE (design.positive)",
                         source, D->label, a, b);
    }
  }
  if (n < 2) {
    return churn__fail(CHURN_E_DATA, "%s: the label column '%s' has a single value '%s' in the "
                       "rows kept: a fit needs churners and stayers", source, D->label, a);
  }
  D->label1 = churn__strdup(one);
  D->label0 = churn__strdup(zero);
  if (!D->label1 || !D->label0) return churn__nomem("design label");
  return CHURN_OK;
}

double churn__design_label_value(const churn_design *D, const churn__dfield *f) {
  return f->p && strlen(D->label1) == f->len && memcmp(f->p, D->label1, f->len) == 0 ? 1.0 : 0.0;
}

/* A slot's facts for the drop decisions. */
typedef struct slotinfo {
  uint64_t hash;
  int64_t nnz;
  bool hashable, constant;
} slotinfo;

static churn_status make_levels(churn_design *D, churn__dcol *col, const char *source) {
  churn__dlearn *l = col->learn;
  int32_t n = l->seen.n;
  if (l->overflow) {
    return churn__fail(CHURN_E_DATA, "%s: column '%s' has more than %lld distinct values (as "
                       "text: '%s' on %s %lld is not a number): name it with --id, leave it out "
                       "with --exclude, or raise design.max_levels", source, col->name,
                       (long long)D->max_levels, l->first_str ? l->first_str : "",
                       where(l->first_str_line), (long long)l->first_str_line);
  }
  lev *v = churn__malloc_array((size_t)n + 1, sizeof *v);
  if (v == NULL) return churn__nomem("design levels");
  for (int32_t i = 0; i < n; i++) {
    v[i] = (lev){churn__dict_label(&l->seen, i), churn__dict_label_len(&l->seen, i), i};
  }
  qsort(v, (size_t)n, sizeof *v, by_bytes);
  churn_status st = CHURN_OK;
  for (int32_t i = 0; i < n && st == CHURN_OK; i++) {
    int32_t code;
    st = churn__dict_intern(&col->levels, v[i].s, v[i].len, INT32_MAX, &code, NULL);
  }
  if (st == CHURN_OK) {
    /* keep counts and hashes in level order: reuse the seen arrays through a permutation */
    int64_t *cnt = churn__malloc_array((size_t)n + 1, sizeof *cnt);
    uint64_t *h = churn__malloc_array((size_t)n + 1, sizeof *h);
    if (!cnt || !h) {
      churn__free(cnt), churn__free(h);
      st = churn__nomem("design levels");
    } else {
      int32_t best = 0;
      for (int32_t i = 0; i < n; i++) {
        cnt[i] = l->count[v[i].code];
        h[i] = l->hash[v[i].code];
        if (cnt[i] > cnt[best]) best = i;
      }
      col->ref = D->reference == 0 ? best : D->reference == 1 ? 0 : -1;
      churn__free(l->count);
      churn__free(l->hash);
      l->count = cnt;
      l->hash = h;
    }
  }
  churn__free(v);
  return st;
}

static churn_status add_feature(churn_design *D, size_t c, const char *name, const char *level,
                                slotinfo *info, slotinfo *feats, int64_t *slot) {
  churn__dcol *col = &D->cols[c];
  char buf[1024];
  if (level) snprintf(buf, sizeof buf, "%s=%s", name, level);
  else snprintf(buf, sizeof buf, "%s", name);
  if (info->constant) {
    *slot = -1;
    return churn__design_report_add(D, "dropped", col->name, 0, 0, "'%s' is constant", buf);
  }
  for (int64_t j = 0; info->hashable && j < D->d; j++) {
    if (feats[j].hashable && feats[j].hash == info->hash && feats[j].nnz == info->nnz) {
      *slot = -1;
      return churn__design_report_add(D, "dropped", col->name, 0, 0, "'%s' duplicates '%s'", buf,
                                      D->names[j]);
    }
  }
  char *copy = churn__strdup(buf);
  if (copy == NULL) return churn__nomem("design names");
  D->names[D->d] = copy;
  D->feat_col[D->d] = (int32_t)c;
  feats[D->d] = *info;
  *slot = D->d++;
  return CHURN_OK;
}

static churn_status assign(churn_design *D, slotinfo *feats) {
  for (size_t c = 0; c < D->ncols; c++) {
    churn__dcol *col = &D->cols[c];
    if (col->role != DROLE_FEATURE) continue;
    churn__dlearn *l = col->learn;
    int64_t nmiss = l->n_filled;
    col->missing_col = D->missing != DMISS_REJECT && nmiss > 0;
    int32_t nvals = col->type == DTYPE_CAT ? col->levels.n : 1;
    col->nslots = nvals + (col->missing_col ? 1 : 0);
    col->slot_feat = churn__malloc_array((size_t)col->nslots + 1, sizeof *col->slot_feat);
    if (col->slot_feat == NULL) return churn__nomem("design slots");
    if (col->type == DTYPE_NUM) {
      col->fill = D->missing == DMISS_MEAN && l->n_num > 0 ? l->mean : 0.0;
      slotinfo s = {l->hash_num, l->nnz_num, D->missing != DMISS_MEAN || nmiss == 0,
                    l->n_num == 0 || (l->min == l->max && (nmiss == 0 || col->fill == l->min))};
      CHURN_TRY(add_feature(D, c, col->name, NULL, &s, feats, &col->slot_feat[0]));
    } else {
      col->fill = 0;
      for (int32_t k = 0; k < nvals; k++) {
        if (k == col->ref) {
          col->slot_feat[k] = -1;
          continue;
        }
        slotinfo s = {l->hash[k], l->count[k], true, l->count[k] == D->nkept};
        CHURN_TRY(add_feature(D, c, col->name, churn__dict_label(&col->levels, k), &s, feats,
                              &col->slot_feat[k]));
      }
    }
    if (col->missing_col) {
      slotinfo s = {l->hash_missing, nmiss, true, nmiss == D->nkept};
      CHURN_TRY(add_feature(D, c, col->name, "missing", &s, feats,
                            &col->slot_feat[col->nslots - 1]));
    }
  }
  return CHURN_OK;
}

static churn_status report_columns(churn_design *D) {
  for (size_t c = 0; c < D->ncols; c++) {
    churn__dcol *col = &D->cols[c];
    churn__dlearn *l = col->learn;
    if (l->n_missing > 0 && col->role != DROLE_EXCLUDED) {
      CHURN_TRY(churn__design_report_add(D, "rejected", col->name, l->n_missing,
                                         l->first_rejected,
                                         "%s: %lld rows rejected for a missing %s (first on %s %lld)", col->name,
                                         (long long)l->n_missing,
                                         col->role == DROLE_WEIGHT ? "or negative weight"
                                                                   : "value",
                                         where(l->first_rejected),
                                         (long long)l->first_rejected));
    }
    if (col->role != DROLE_FEATURE) continue;
    if (col->type == DTYPE_CAT) {
      CHURN_TRY(churn__design_report_add(D, "categorical", col->name, col->levels.n, 0,
                                         "%d levels, reference '%s'", (int)col->levels.n,
                                         col->ref >= 0 ? churn__dict_label(&col->levels, col->ref)
                                                       : "(none)"));
    } else {
      CHURN_TRY(churn__design_report_add(D, "numeric", col->name, l->n_num, 0, "%s",
                                         col->missing_col ? "missing values filled" : ""));
    }
  }
  for (int32_t m = 0; m < D->months.n; m++) {
    CHURN_TRY(churn__design_report_add(D, "month", D->time, D->month_count[m], 0,
                                       "%s: %lld rows", churn__dict_label(&D->months, m),
                                       (long long)D->month_count[m]));
  }
  return churn__design_report_add(D, "rows", "", D->nkept, 0, "rows kept");
}

churn_status churn__design_learn_end(churn_design *D, const char *source) {
  if (D->nkept == 0) {
    return churn__fail(CHURN_E_DATA, "%s: no rows to fit (the table is empty or every row was "
                       "rejected)", source);
  }
  CHURN_TRY(label_mapping(D, source));
  int64_t width = 0;
  for (size_t c = 0; c < D->ncols; c++) {
    churn__dcol *col = &D->cols[c];
    if (col->role != DROLE_FEATURE) continue;
    col->type = col->learn->n_str > 0 ? DTYPE_CAT : DTYPE_NUM;
    if (col->type == DTYPE_CAT) CHURN_TRY(make_levels(D, col, source));
    width += (col->type == DTYPE_CAT ? col->levels.n : 1) + 1;
  }
  D->names = churn__calloc((size_t)width + 1, sizeof *D->names);
  D->feat_col = churn__malloc_array((size_t)width + 1, sizeof *D->feat_col);
  slotinfo *feats = churn__malloc_array((size_t)width + 1, sizeof *feats);
  churn_status st = D->names && D->feat_col && feats ? CHURN_OK : churn__nomem("design");
  D->d = 0;
  if (st == CHURN_OK) st = assign(D, feats);
  churn__free(feats);
  if (st == CHURN_OK) st = report_columns(D);
  if (st != CHURN_OK) return st;
  for (size_t c = 0; c < D->ncols; c++) {
    churn__dcol *col = &D->cols[c];
    churn__dlearn *l = col->learn;
    churn__dict_free(&l->seen);
    churn__free(l->count);
    churn__free(l->hash);
    churn__free(l->first_str);
    churn__free(l);
    col->learn = NULL;
  }
  churn__dict_free(&D->id_seen);
  churn__dict_init(&D->id_seen);
  churn__free(D->id_line);
  D->id_line = NULL;
  D->id_cap = 0;
  D->learned = true;
  return CHURN_OK;
}
