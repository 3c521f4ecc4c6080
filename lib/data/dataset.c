/*
 * dataset.c -- the churn_dataset handle and its subscriber table: creation, the ingestion
 * settings and report, strict-mode checkpoints, batch columnar append of subscribers and the
 * subscriber getters.  Events live in events.c, CSV in csv.c, files in dataset_io.c.
 */
#include "dataset.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const CAT_NAMES[CHURN__NCAT] = {"region", "age_band", "tier", "package",
                                                   "manager"};
static const char *const SUBS_SOURCE = "append_subscribers";

/* --- handle ------------------------------------------------------------------------------- */

CHURN_API churn_status churn_dataset_new(churn_dataset **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_dataset_new: out is NULL");
  churn_dataset *ds = churn__calloc(1, sizeof *ds);
  if (ds == NULL) return churn__nomem("dataset");
  *out = ds;
  return CHURN_OK;
}

static void free_catcol(churn__catcol *c) {
  churn__free(c->codes);
  churn__dict_free(&c->dict);
}

static void free_subs(churn__subs *s) {
  churn__dict_free(&s->ids);
  churn__free(s->activation);
  churn__free(s->cancellation);
  churn__free(s->contract_end);
  churn__free(s->promotion_end);
  for (int k = 0; k < CHURN__NCAT; k++) free_catcol(&s->cat[k]);
  churn__free(s->price);
  churn__free(s->services);
  churn__free(s->vip);
  for (size_t j = 0; j < s->nattrs; j++) {
    churn__free(s->attrs[j].name);
    churn__free(s->attrs[j].num);
    free_catcol(&s->attrs[j].cat);
  }
  churn__free(s->attrs);
}

static void free_events(churn__events *ev) {
  churn__free(ev->sub);
  churn__free(ev->time);
  churn__free(ev->kind);
  churn__free(ev->code);
  churn__free(ev->code2);
  churn__free(ev->value);
  churn__free(ev->aux1);
  churn__free(ev->aux2);
  churn__free(ev->off);
  for (int k = 0; k <= CHURN__MAX_KIND; k++) {
    if (ev->code_dict[k]) {
      churn__dict_free(ev->code_dict[k]);
      churn__free(ev->code_dict[k]);
    }
  }
}

CHURN_API void churn_dataset_clear_report(churn_dataset *ds) {
  if (ds == NULL) return;
  for (size_t i = 0; i < ds->report.nrej; i++) {
    churn__free(ds->report.rej[i].source);
    churn__free(ds->report.rej[i].column);
    churn__free(ds->report.rej[i].reason);
  }
  churn__free(ds->report.rej);
  memset(&ds->report, 0, sizeof ds->report);
}

CHURN_API void churn_dataset_free(churn_dataset *ds) {
  if (ds == NULL) return;
  free_subs(&ds->subs);
  free_events(&ds->ev);
  churn__reason_map_free(&ds->reasons);
  churn_dataset_clear_report(ds);
  churn__free(ds);
}

churn_status churn__dataset_require_finalized(const churn_dataset *ds, const char *fn) {
  CHURN_CHECK_ARG(ds != NULL, "%s: dataset is NULL", fn);
  if (!ds->ev.finalized) {
    return churn__fail(CHURN_E_STATE, "%s: the dataset is not finalized (call "
                       "churn_dataset_finalize after appending)", fn);
  }
  return CHURN_OK;
}

/* --- settings ------------------------------------------------------------------------------ */

churn_status churn__ingest_cfg_read(const churn_options *opts, churn__ingest_cfg *cfg) {
  cfg->strict = false;
  cfg->unknown = 0;
  cfg->keep_before_activation = false;
  cfg->dedup = false;
  cfg->max_reported = 20;
  cfg->id_column = "subscriber_id";
  cfg->delimiter = ',';
  cfg->block_size = 4 << 20;
  cfg->unix_times = false;
  cfg->threads = 1;
  if (opts == NULL) return CHURN_OK;
  int64_t v;
  const char *s;
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_INGEST_STRICT, &v));
  cfg->strict = v != 0;
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_INGEST_UNKNOWN, &v));
  cfg->unknown = (int)v;
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_INGEST_BEFORE_ACTIVATION, &v));
  cfg->keep_before_activation = v != 0;
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_INGEST_DEDUP, &v));
  cfg->dedup = v != 0;
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_INGEST_MAX_REPORTED, &cfg->max_reported));
  CHURN_TRY(churn_options_get_string(opts, CHURN_OPT_INGEST_ID_COLUMN, &s));
  if (s) cfg->id_column = s;
  CHURN_TRY(churn_options_get_string(opts, CHURN_OPT_INGEST_DELIMITER, &s));
  if (s && s[0]) cfg->delimiter = s[0];
  if (cfg->delimiter == '"' || cfg->delimiter == '\n' || cfg->delimiter == '\r') {
    return churn__fail(CHURN_E_ARG, "option 'ingest.delimiter': %s cannot separate fields",
                       cfg->delimiter == '"' ? "the quote '\"'" : "a line break");
  }
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_INGEST_UNIX_TIMES, &v));
  cfg->unix_times = v != 0;
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_INGEST_BLOCK_SIZE, &cfg->block_size));
  CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_INGEST_THREADS, &cfg->threads));
  return CHURN_OK;
}

/* --- report -------------------------------------------------------------------------------- */

/* Appends one line to the ingest report (its reason already formatted). */
static churn_status report_add(churn__report *r, const char *source, int64_t row,
                               const char *column, const char *reason) {
  if (!churn__grow((void **)&r->rej, &r->rej_cap, r->nrej + 1, sizeof *r->rej)) {
    return churn__nomem("ingest report");
  }
  churn__rejection *x = &r->rej[r->nrej];
  x->source = churn__strdup(source);
  x->column = churn__strdup(column ? column : "");
  x->reason = churn__strdup(reason);
  x->row = row;
  if (!x->source || !x->column || !x->reason) {
    churn__free(x->source);
    churn__free(x->column);
    churn__free(x->reason);
    return churn__nomem("ingest report");
  }
  r->nrej++;
  return CHURN_OK;
}

churn_status churn__report_reject(churn_dataset *ds, const churn__ingest_cfg *cfg,
                                  churn_ingest_counter counter, const char *source, int64_t row,
                                  const char *column, const char *fmt, ...) {
  churn__report *r = &ds->report;
  r->count[CHURN_COUNT_REJECTED]++;
  r->count[counter]++;
  if ((int64_t)r->nrej >= cfg->max_reported && !cfg->strict) return CHURN_OK;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  CHURN_TRY(report_add(r, source, row, column, reason));
  if (cfg->strict) {
    return churn__fail(CHURN_E_REJECTED, "%s: row %lld, column '%s': %s (strict mode)", source,
                       (long long)row, column ? column : "", reason);
  }
  return CHURN_OK;
}

churn_status churn__report_note(churn_dataset *ds, const churn__ingest_cfg *cfg,
                                const char *source, int64_t row, const char *column,
                                const char *fmt, ...) {
  churn__report *r = &ds->report;
  if ((int64_t)r->nrej >= cfg->max_reported) return CHURN_OK;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return report_add(r, source, row, column, reason);
}

CHURN_API churn_status churn_dataset_ingest_count(const churn_dataset *ds,
                                                  churn_ingest_counter which, int64_t *value) {
  CHURN_CHECK_ARG(ds != NULL && value != NULL,
                  "churn_dataset_ingest_count: ds and value must not be NULL");
  CHURN_CHECK_ARG((int)which >= 0 && which < CHURN_COUNT_END_,
                  "churn_dataset_ingest_count: unknown counter %d", (int)which);
  *value = ds->report.count[which];
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_rejections(const churn_dataset *ds, churn_table **out) {
  CHURN_CHECK_ARG(ds != NULL && out != NULL,
                  "churn_dataset_rejections: ds and out must not be NULL");
  const churn__report *r = &ds->report;
  size_t n = r->nrej;
  const char **src = churn__calloc(n ? n : 1, sizeof *src);
  const char **col = churn__calloc(n ? n : 1, sizeof *col);
  const char **why = churn__calloc(n ? n : 1, sizeof *why);
  int64_t *row = churn__calloc(n ? n : 1, sizeof *row);
  churn_table *t = NULL;
  churn_status st = CHURN_OK;
  if (!src || !col || !why || !row) st = churn__nomem("rejections table");
  for (size_t i = 0; st == CHURN_OK && i < n; i++) {
    src[i] = r->rej[i].source;
    col[i] = r->rej[i].column;
    why[i] = r->rej[i].reason;
    row[i] = r->rej[i].row;
  }
  if (st == CHURN_OK) st = churn__table_new((int64_t)n, &t);
  if (st == CHURN_OK) st = churn__table_add_str(t, "source", src);
  if (st == CHURN_OK) st = churn__table_add_i64(t, "row", row);
  if (st == CHURN_OK) st = churn__table_add_str(t, "column", col);
  if (st == CHURN_OK) st = churn__table_add_str(t, "reason", why);
  churn__free(src);
  churn__free(col);
  churn__free(why);
  churn__free(row);
  if (st != CHURN_OK) {
    churn_table_free(t);
    return st;
  }
  *out = t;
  return CHURN_OK;
}

/* --- checkpoints ---------------------------------------------------------------------------- */

churn_status churn__checkpoint_take(const churn_dataset *ds, churn__checkpoint *cp) {
  memset(cp, 0, sizeof *cp);
  cp->nsubs = ds->subs.n;
  cp->nevents = ds->ev.n;
  for (int k = 0; k < CHURN__NCAT; k++) cp->cat_n[k] = ds->subs.cat[k].dict.n;
  cp->nattrs = ds->subs.nattrs;
  cp->attr_cat_n = churn__calloc(cp->nattrs ? cp->nattrs : 1, sizeof *cp->attr_cat_n);
  if (cp->attr_cat_n == NULL) return churn__nomem("checkpoint");
  for (size_t j = 0; j < cp->nattrs; j++) cp->attr_cat_n[j] = ds->subs.attrs[j].cat.dict.n;
  for (int k = 0; k <= CHURN__MAX_KIND; k++) {
    cp->code_dict_n[k] = ds->ev.code_dict[k] ? ds->ev.code_dict[k]->n : 0;
  }
  cp->finalized = ds->ev.finalized;
  memcpy(cp->report_counts_only.count, ds->report.count, sizeof ds->report.count);
  cp->report_counts_only.nrej = ds->report.nrej;
  return CHURN_OK;
}

void churn__checkpoint_restore(churn_dataset *ds, churn__checkpoint *cp) {
  churn__subs *s = &ds->subs;
  churn__subs_truncate(s, cp->nsubs);
  for (int k = 0; k < CHURN__NCAT; k++) churn__dict_truncate(&s->cat[k].dict, cp->cat_n[k]);
  for (size_t j = cp->nattrs; j < s->nattrs; j++) {
    churn__free(s->attrs[j].name);
    churn__free(s->attrs[j].num);
    free_catcol(&s->attrs[j].cat);
  }
  if (s->nattrs > cp->nattrs) s->nattrs = cp->nattrs;
  for (size_t j = 0; j < s->nattrs; j++) {
    churn__dict_truncate(&s->attrs[j].cat.dict, cp->attr_cat_n[j]);
  }
  for (int k = 0; k <= CHURN__MAX_KIND; k++) {
    if (ds->ev.code_dict[k]) churn__dict_truncate(ds->ev.code_dict[k], cp->code_dict_n[k]);
  }
  ds->ev.n = cp->nevents;
  ds->ev.finalized = cp->finalized;
  memcpy(ds->report.count, cp->report_counts_only.count, sizeof ds->report.count);
  while (ds->report.nrej > cp->report_counts_only.nrej) {
    churn__rejection *x = &ds->report.rej[--ds->report.nrej];
    churn__free(x->source);
    churn__free(x->column);
    churn__free(x->reason);
  }
}

void churn__checkpoint_free(churn__checkpoint *cp) {
  churn__free(cp->attr_cat_n);
  cp->attr_cat_n = NULL;
}

/* --- subscriber table ------------------------------------------------------------------------ */

#define GROW_ARRAY(ptr, cap)                                                      \
  do {                                                                            \
    void *p_ = churn__realloc((ptr), (cap) * sizeof *(ptr));                      \
    if (p_ == NULL) return churn__nomem("subscriber table");                      \
    (ptr) = p_;                                                                   \
  } while (0)

churn_status churn__subs_reserve(churn__subs *s, int64_t need) {
  if ((size_t)need <= s->cap) return CHURN_OK;
  if (need > INT32_MAX) {
    return churn__fail(CHURN_E_RANGE, "more than %d subscribers", INT32_MAX);
  }
  size_t cap = s->cap ? s->cap : 64;
  while (cap < (size_t)need) cap *= 2;
  GROW_ARRAY(s->activation, cap);
  GROW_ARRAY(s->cancellation, cap);
  GROW_ARRAY(s->contract_end, cap);
  GROW_ARRAY(s->promotion_end, cap);
  for (int k = 0; k < CHURN__NCAT; k++) GROW_ARRAY(s->cat[k].codes, cap);
  GROW_ARRAY(s->price, cap);
  GROW_ARRAY(s->services, cap);
  GROW_ARRAY(s->vip, cap);
  for (size_t j = 0; j < s->nattrs; j++) {
    if (s->attrs[j].categorical) {
      GROW_ARRAY(s->attrs[j].cat.codes, cap);
    } else {
      GROW_ARRAY(s->attrs[j].num, cap);
    }
  }
  s->cap = cap;
  return CHURN_OK;
}

churn_status churn__subs_add(churn__subs *s, const char *id, size_t len, int64_t *index) {
  CHURN_TRY(churn__subs_reserve(s, s->n + 1));
  int32_t code;
  bool added;
  churn_status st = churn__dict_intern(&s->ids, id, len, INT32_MAX, &code, &added);
  if (st != CHURN_OK) return st;
  if (!added) return churn__fail(CHURN_E_INTERNAL, "subscriber id added twice");
  int64_t i = s->n++;
  s->activation[i] = s->cancellation[i] = CHURN_TIME_NONE;
  s->contract_end[i] = s->promotion_end[i] = CHURN_TIME_NONE;
  for (int k = 0; k < CHURN__NCAT; k++) s->cat[k].codes[i] = -1;
  s->price[i] = NAN;
  s->services[i] = -1;
  s->vip[i] = 0;
  for (size_t j = 0; j < s->nattrs; j++) {
    if (s->attrs[j].categorical) {
      s->attrs[j].cat.codes[i] = -1;
    } else {
      s->attrs[j].num[i] = NAN;
    }
  }
  *index = i;
  return CHURN_OK;
}

churn_status churn__subs_attr(churn__subs *s, const char *name, bool categorical, size_t *j) {
  size_t k = 0;
  while (k < s->nattrs && strcmp(s->attrs[k].name, name) != 0) k++;
  return churn__subs_attr_at(s, k < s->nattrs ? k : SIZE_MAX, name, categorical, j);
}

churn_status churn__attr_names(const churn__subs *s, churn__dict *names) {
  churn__dict_init(names);
  for (size_t k = 0; k < s->nattrs; k++) {
    int32_t code;
    churn_status st = churn__dict_intern(names, s->attrs[k].name, strlen(s->attrs[k].name),
                                         INT32_MAX - 1, &code, NULL);
    if (st != CHURN_OK) {
      churn__dict_free(names);
      return st;
    }
  }
  return CHURN_OK;
}

churn_status churn__first_repeat(const void *base, size_t stride, size_t n, size_t *dup) {
  churn__dict seen;
  churn__dict_init(&seen);
  *dup = SIZE_MAX;
  churn_status st = CHURN_OK;
  for (size_t j = 0; st == CHURN_OK && j < n; j++) {
    const char *name = *(const char *const *)(const void *)((const char *)base + j * stride);
    int32_t code;
    bool added = false;
    st = churn__dict_intern(&seen, name, strlen(name), INT32_MAX - 1, &code, &added);
    if (st == CHURN_OK && !added) {
      *dup = j;
      break;
    }
  }
  churn__dict_free(&seen);
  return st;
}

churn_status churn__subs_attr_at(churn__subs *s, size_t k, const char *name, bool categorical,
                                 size_t *j) {
  if (k != SIZE_MAX) {
    if (s->attrs[k].categorical != categorical) {
      return churn__fail(CHURN_E_SCHEMA, "attribute '%s' is %s, got %s values", name,
                         s->attrs[k].categorical ? "categorical" : "numeric",
                         categorical ? "string" : "numeric");
    }
    *j = k;
    return CHURN_OK;
  }
  if (!churn__grow((void **)&s->attrs, &s->attrs_cap, s->nattrs + 1, sizeof *s->attrs)) {
    return churn__nomem("attributes");
  }
  churn__attr a;
  memset(&a, 0, sizeof a);
  a.categorical = categorical;
  a.name = churn__strdup(name);
  size_t cap = s->cap ? s->cap : 1;
  if (categorical) {
    a.cat.codes = churn__malloc_array(cap, sizeof *a.cat.codes);
  } else {
    a.num = churn__malloc_array(cap, sizeof *a.num);
  }
  if (a.name == NULL || (categorical ? (void *)a.cat.codes : (void *)a.num) == NULL) {
    churn__free(a.name);
    churn__free(a.cat.codes);
    churn__free(a.num);
    return churn__nomem("attribute");
  }
  for (int64_t i = 0; i < s->n; i++) {
    if (categorical) {
      a.cat.codes[i] = -1;
    } else {
      a.num[i] = NAN;
    }
  }
  s->attrs[s->nattrs] = a;
  *j = s->nattrs++;
  return CHURN_OK;
}

churn_status churn__subs_truncate(churn__subs *s, int64_t n) {
  if (n >= s->n) return CHURN_OK;
  s->n = n;
  return churn__dict_truncate(&s->ids, (int32_t)n);
}

/* --- reading caller columns ------------------------------------------------------------------ */

churn_status churn__check_columns(const churn_column *cols, size_t ncols, const char *fn,
                                  int64_t *length) {
  CHURN_CHECK_ARG(cols != NULL && ncols > 0, "%s: no columns given", fn);
  for (size_t j = 0; j < ncols; j++) {
    const churn_column *c = &cols[j];
    CHURN_CHECK_ARG(c->name != NULL, "%s: column %zu has no name", fn, j);
    CHURN_CHECK_ARG(c->reserved == 0, "%s: column '%s': reserved must be 0", fn, c->name);
    CHURN_CHECK_ARG(c->length >= 0, "%s: column '%s': negative length", fn, c->name);
    CHURN_CHECK_ARG(c->data != NULL || c->length == 0, "%s: column '%s': data is NULL", fn,
                    c->name);
    CHURN_CHECK_ARG(churn_dtype_size(c->dtype) != 0, "%s: column '%s': unknown dtype %d", fn,
                    c->name, (int)c->dtype);
    CHURN_CHECK_ARG(c->length == cols[0].length,
                    "%s: column '%s' has %lld rows, column '%s' has %lld", fn, c->name,
                    (long long)c->length, cols[0].name, (long long)cols[0].length);
    for (size_t k = 0; ncols <= CHURN__NAME_SCAN_MAX && k < j; k++) {
      CHURN_CHECK_ARG(strcmp(cols[k].name, c->name) != 0, "%s: column '%s' given twice", fn,
                      c->name);
    }
  }
  if (ncols > CHURN__NAME_SCAN_MAX) { /* wide input: a hash lookup keeps this linear */
    size_t dup;
    CHURN_TRY(churn__first_repeat(&cols[0].name, sizeof *cols, ncols, &dup));
    CHURN_CHECK_ARG(dup == SIZE_MAX, "%s: column '%s' given twice", fn,
                    dup == SIZE_MAX ? "" : cols[dup].name);
  }
  *length = cols[0].length;
  return CHURN_OK;
}

/* The text of an id or label cell: a string, or the decimal text of an integer (in buf). */
static const char *cell_text(const churn_column *c, int64_t i, char *buf, size_t cap,
                             size_t *len) {
  if (c->dtype == CHURN_STR) {
    const char *s = ((const char *const *)c->data)[i];
    *len = strlen(s);
    return s;
  }
  int n = snprintf(buf, cap, "%lld", (long long)churn__col_i64(c, i));
  *len = (size_t)n;
  return buf;
}

/* --- append subscribers ---------------------------------------------------------------------- */

enum { F_ACT, F_CANCEL, F_CONTRACT, F_PROMO, F_PRICE, F_SERVICES, F_VIP, F_NFIXED };
static const char *const FIXED_NAMES[F_NFIXED] = {"activation",    "cancellation", "contract_end",
                                                  "promotion_end", "price",        "services",
                                                  "vip"};

/* What each caller column fills. */
typedef struct subs_target {
  int kind;    /* 0 id, 1 fixed field, 2 standard categorical, 3 attribute */
  int field;   /* F_* or CHURN__CAT_* */
  size_t attr; /* attribute index */
} subs_target;

static churn_status map_subs_columns(churn_dataset *ds, const churn_column *cols, size_t ncols,
                                     const churn__ingest_cfg *cfg, subs_target *tg,
                                     size_t *id_col, churn__dict *known) {
  *id_col = SIZE_MAX;
  for (size_t j = 0; j < ncols; j++) {
    const churn_column *c = &cols[j];
    const char *nm = c->name;
    if (strcmp(nm, cfg->id_column) == 0) {
      if (c->dtype != CHURN_STR && !churn__is_int_dtype(c->dtype)) {
        return churn__fail(CHURN_E_SCHEMA, "column '%s' (subscriber id) must be strings or "
                           "integers", nm);
      }
      tg[j].kind = 0;
      *id_col = j;
      continue;
    }
    int f = -1;
    for (int k = 0; k < F_NFIXED; k++) {
      if (strcmp(nm, FIXED_NAMES[k]) == 0) f = k;
    }
    if (f >= 0) {
      bool ok = f == F_PRICE ? churn__is_num_dtype(c->dtype) : churn__is_int_dtype(c->dtype);
      if (!ok) return churn__fail(CHURN_E_SCHEMA, "column '%s' must be %s", nm,
                                  f == F_PRICE ? "numeric" : "integer");
      tg[j].kind = 1;
      tg[j].field = f;
      continue;
    }
    int cat = -1;
    for (int k = 0; k < CHURN__NCAT; k++) {
      if (strcmp(nm, CAT_NAMES[k]) == 0) cat = k;
    }
    if (cat >= 0) {
      if (c->dtype != CHURN_STR && !churn__is_int_dtype(c->dtype)) {
        return churn__fail(CHURN_E_SCHEMA, "column '%s' must be strings or integers", nm);
      }
      tg[j].kind = 2;
      tg[j].field = cat;
      continue;
    }
    tg[j].kind = 3;
    if (known == NULL) {
      CHURN_TRY(churn__subs_attr(&ds->subs, nm, c->dtype == CHURN_STR, &tg[j].attr));
      continue;
    }
    const int32_t k = churn__dict_find(known, nm, strlen(nm));
    CHURN_TRY(churn__subs_attr_at(&ds->subs, k >= 0 ? (size_t)k : SIZE_MAX, nm,
                                  c->dtype == CHURN_STR, &tg[j].attr));
    if (k < 0) {
      int32_t code;
      CHURN_TRY(churn__dict_intern(known, nm, strlen(nm), INT32_MAX - 1, &code, NULL));
    }
  }
  if (*id_col == SIZE_MAX) {
    return churn__fail(CHURN_E_SCHEMA, "no subscriber id column '%s'", cfg->id_column);
  }
  return CHURN_OK;
}

/* Checks one row's values; returns 0 if fine, else the counter of the rejection and the
 * offending column in *bad. */
static int check_subs_row(const churn_column *cols, size_t ncols, const subs_target *tg,
                          int64_t i, size_t *bad, const char **why) {
  for (size_t j = 0; j < ncols; j++) {
    const churn_column *c = &cols[j];
    *bad = j;
    if (churn__col_missing(c, i)) {
      if (tg[j].kind == 0) {
        *why = "missing subscriber id";
        return CHURN_COUNT_REJECTED_BAD_VALUE;
      }
      continue;
    }
    if (tg[j].kind == 1 && tg[j].field <= F_PROMO) {
      int64_t t = churn__col_i64(c, i);
      if (t != CHURN_TIME_NONE && !churn__time_ok(t)) {
        *why = "date outside the years 1..9999";
        return CHURN_COUNT_REJECTED_BAD_VALUE;
      }
    } else if (tg[j].kind == 1 && tg[j].field == F_PRICE) {
      if (!churn__is_finite(churn__col_f64(c, i))) {
        *why = "non-finite price";
        return CHURN_COUNT_REJECTED_NON_FINITE;
      }
    } else if (tg[j].kind == 1 && tg[j].field == F_SERVICES) {
      int64_t v = churn__col_i64(c, i);
      if (v < 0 || v > 1000) {
        *why = "services outside [0, 1000]";
        return CHURN_COUNT_REJECTED_BAD_VALUE;
      }
    } else if (tg[j].kind == 1 && tg[j].field == F_VIP) {
      int64_t v = churn__col_i64(c, i);
      if (v != 0 && v != 1) {
        *why = "vip is not 0 or 1";
        return CHURN_COUNT_REJECTED_BAD_VALUE;
      }
    } else if (tg[j].kind == 3 && c->dtype != CHURN_STR && c->dtype != CHURN_F64 &&
               c->dtype != CHURN_F32) {
      continue;
    } else if (tg[j].kind == 3 && c->dtype != CHURN_STR && isinf(churn__col_f64(c, i))) {
      *why = "infinite attribute value";
      return CHURN_COUNT_REJECTED_NON_FINITE;
    }
  }
  return 0;
}

static churn_status set_label(churn__catcol *cc, const churn_column *c, int64_t i, int64_t row) {
  char buf[32];
  size_t len;
  const char *s = cell_text(c, i, buf, sizeof buf, &len);
  int32_t code;
  churn_status st = churn__dict_intern(&cc->dict, s, len, INT32_MAX - 1, &code, NULL);
  if (st != CHURN_OK) return churn__context(st, "column '%s', row %lld", c->name, (long long)row);
  cc->codes[row] = code;
  return CHURN_OK;
}

static churn_status write_subs_row(churn__subs *s, const churn_column *cols, size_t ncols,
                                   const subs_target *tg, int64_t i, int64_t r) {
  for (size_t j = 0; j < ncols; j++) {
    const churn_column *c = &cols[j];
    if (tg[j].kind == 0 || churn__col_missing(c, i)) continue;
    if (tg[j].kind == 1) {
      switch (tg[j].field) {
        case F_ACT: s->activation[r] = churn__col_i64(c, i); break;
        case F_CANCEL: s->cancellation[r] = churn__col_i64(c, i); break;
        case F_CONTRACT: s->contract_end[r] = churn__col_i64(c, i); break;
        case F_PROMO: s->promotion_end[r] = churn__col_i64(c, i); break;
        case F_PRICE: s->price[r] = churn__col_f64(c, i); break;
        case F_SERVICES: s->services[r] = (int32_t)churn__col_i64(c, i); break;
        default: s->vip[r] = (uint8_t)churn__col_i64(c, i); break;
      }
    } else if (tg[j].kind == 2) {
      CHURN_TRY(set_label(&s->cat[tg[j].field], c, i, r));
    } else if (s->attrs[tg[j].attr].categorical) {
      CHURN_TRY(set_label(&s->attrs[tg[j].attr].cat, c, i, r));
    } else {
      s->attrs[tg[j].attr].num[r] = churn__col_f64(c, i);
    }
  }
  return CHURN_OK;
}

/* The append without checkpoint: rows are numbered by lines[i] when given (CSV), else by i. */
churn_status churn__append_subscribers(churn_dataset *ds, const churn_column *cols, size_t ncols,
                                       const churn__ingest_cfg *cfg, const char *source,
                                       const int64_t *lines) {
  int64_t n;
  CHURN_TRY(churn__check_columns(cols, ncols, "churn_dataset_append_subscribers", &n));
  subs_target *tg = churn__calloc(ncols, sizeof *tg);
  if (tg == NULL) return churn__nomem("column map");
  size_t id_col;
  int64_t before = ds->subs.n;
  /* a wide table looks its attribute names up in a dictionary (linear, not quadratic) */
  churn__dict known;
  const bool wide = ncols > CHURN__NAME_SCAN_MAX;
  churn_status st = wide ? churn__attr_names(&ds->subs, &known) : CHURN_OK;
  if (st != CHURN_OK) {
    churn__free(tg);
    return st;
  }
  st = map_subs_columns(ds, cols, ncols, cfg, tg, &id_col, wide ? &known : NULL);
  if (wide) churn__dict_free(&known);
  if (st == CHURN_OK) st = churn__subs_reserve(&ds->subs, ds->subs.n + n);
  for (int64_t i = 0; st == CHURN_OK && i < n; i++) {
    int64_t row = lines ? lines[i] : i;
    ds->report.count[CHURN_COUNT_ROWS_READ]++;
    size_t bad;
    const char *why = NULL;
    int counter = check_subs_row(cols, ncols, tg, i, &bad, &why);
    if (counter != 0) {
      st = churn__report_reject(ds, cfg, (churn_ingest_counter)counter, source, row,
                                cols[bad].name, "%s", why);
      continue;
    }
    char buf[32];
    size_t len;
    const char *id = cell_text(&cols[id_col], i, buf, sizeof buf, &len);
    if (churn__dict_find(&ds->subs.ids, id, len) >= 0) {
      st = churn__report_reject(ds, cfg, CHURN_COUNT_REJECTED_DUPLICATE_ID, source, row,
                                cols[id_col].name, "subscriber id '%s' given twice", id);
      continue;
    }
    int64_t r;
    st = churn__subs_add(&ds->subs, id, len, &r);
    if (st == CHURN_OK) st = write_subs_row(&ds->subs, cols, ncols, tg, i, r);
    if (st == CHURN_OK) ds->report.count[CHURN_COUNT_ROWS_ACCEPTED]++;
  }
  churn__free(tg);
  if (ds->subs.n != before) ds->ev.finalized = false; /* off must have S + 1 entries */
  return st;
}

CHURN_API churn_status churn_dataset_append_subscribers(churn_dataset *ds,
                                                        const churn_column *cols, size_t ncols,
                                                        const churn_options *opts) {
  CHURN_CHECK_ARG(ds != NULL, "churn_dataset_append_subscribers: ds is NULL");
  churn__ingest_cfg cfg;
  CHURN_TRY(churn__ingest_cfg_read(opts, &cfg));
  churn__checkpoint cp;
  CHURN_TRY(churn__checkpoint_take(ds, &cp));
  churn_status st = churn__append_subscribers(ds, cols, ncols, &cfg, SUBS_SOURCE, NULL);
  if (st != CHURN_OK) churn__checkpoint_restore(ds, &cp);
  churn__checkpoint_free(&cp);
  return st;
}

/* --- subscriber getters ---------------------------------------------------------------------- */

CHURN_API int64_t churn_dataset_num_subscribers(const churn_dataset *ds) {
  return ds ? ds->subs.n : 0;
}

CHURN_API churn_status churn_dataset_subscriber_id(const churn_dataset *ds, int64_t i,
                                                   const char **id) {
  CHURN_CHECK_ARG(ds != NULL && id != NULL, "churn_dataset_subscriber_id: ds and id must not be "
                  "NULL");
  CHURN_CHECK_ARG(i >= 0 && i < ds->subs.n, "churn_dataset_subscriber_id: index %lld outside "
                  "[0, %lld)", (long long)i, (long long)ds->subs.n);
  *id = churn__dict_label(&ds->subs.ids, (int32_t)i);
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_find_subscriber(const churn_dataset *ds, const char *id,
                                                     int64_t *index) {
  CHURN_CHECK_ARG(ds != NULL && id != NULL && index != NULL,
                  "churn_dataset_find_subscriber: arguments must not be NULL");
  int32_t c = churn__dict_find(&ds->subs.ids, id, strlen(id));
  if (c < 0) return churn__fail(CHURN_E_NOT_FOUND, "no subscriber with id '%s'", id);
  *index = c;
  return CHURN_OK;
}

/* Standard columns in their documented order. */
enum { NSTD = F_NFIXED + CHURN__NCAT };
static const char *std_name(int j) {
  static const char *const names[NSTD] = {"activation", "cancellation", "contract_end",
                                          "promotion_end", "region", "age_band", "tier",
                                          "package", "manager", "price", "services", "vip"};
  return names[j];
}

static void std_column(const churn__subs *s, int j, churn_dtype *dtype, const void **data) {
  switch (j) {
    case 0: *dtype = CHURN_I64; *data = s->activation; break;
    case 1: *dtype = CHURN_I64; *data = s->cancellation; break;
    case 2: *dtype = CHURN_I64; *data = s->contract_end; break;
    case 3: *dtype = CHURN_I64; *data = s->promotion_end; break;
    case 9: *dtype = CHURN_F64; *data = s->price; break;
    case 10: *dtype = CHURN_I32; *data = s->services; break;
    case 11: *dtype = CHURN_U8; *data = s->vip; break;
    default: *dtype = CHURN_I32; *data = s->cat[j - 4].codes; break;
  }
}

CHURN_API churn_status churn_dataset_subscriber_column_at(const churn_dataset *ds, int64_t j,
                                                          const char **name, churn_dtype *dtype) {
  CHURN_CHECK_ARG(ds != NULL, "churn_dataset_subscriber_column_at: ds is NULL");
  int64_t total = NSTD + (int64_t)ds->subs.nattrs;
  if (j < 0 || j >= total) {
    return churn__fail(CHURN_E_NOT_FOUND, "subscriber column %lld outside [0, %lld)",
                       (long long)j, (long long)total);
  }
  churn_dtype t;
  const void *d;
  const char *nm;
  if (j < NSTD) {
    std_column(&ds->subs, (int)j, &t, &d);
    nm = std_name((int)j);
  } else {
    const churn__attr *a = &ds->subs.attrs[j - NSTD];
    t = a->categorical ? CHURN_I32 : CHURN_F64;
    nm = a->name;
  }
  if (name) *name = nm;
  if (dtype) *dtype = t;
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_subscriber_column(const churn_dataset *ds, const char *name,
                                                       churn_dtype *dtype, const void **data) {
  CHURN_CHECK_ARG(ds != NULL && name != NULL && dtype != NULL && data != NULL,
                  "churn_dataset_subscriber_column: arguments must not be NULL");
  for (int j = 0; j < NSTD; j++) {
    if (strcmp(std_name(j), name) == 0) {
      std_column(&ds->subs, j, dtype, data);
      return CHURN_OK;
    }
  }
  for (size_t j = 0; j < ds->subs.nattrs; j++) {
    const churn__attr *a = &ds->subs.attrs[j];
    if (strcmp(a->name, name) == 0) {
      *dtype = a->categorical ? CHURN_I32 : CHURN_F64;
      *data = a->categorical ? (const void *)a->cat.codes : (const void *)a->num;
      return CHURN_OK;
    }
  }
  return churn__fail(CHURN_E_NOT_FOUND, "no subscriber column '%s'", name);
}

/* The dictionary behind a categorical column or an event kind's code labels, or NULL. */
static const churn__dict *find_dict(const churn_dataset *ds, const char *column) {
  for (int k = 0; k < CHURN__NCAT; k++) {
    if (strcmp(CAT_NAMES[k], column) == 0) return &ds->subs.cat[k].dict;
  }
  for (size_t j = 0; j < ds->subs.nattrs; j++) {
    const churn__attr *a = &ds->subs.attrs[j];
    if (a->categorical && strcmp(a->name, column) == 0) return &a->cat.dict;
  }
  int kind = churn__event_kind_by_name(column, strlen(column));
  if (kind > 0) {
    static const churn__dict empty;
    return ds->ev.code_dict[kind] ? ds->ev.code_dict[kind] : &empty;
  }
  return NULL;
}

CHURN_API churn_status churn_dataset_category_label(const churn_dataset *ds, const char *column,
                                                    int32_t code, const char **label,
                                                    int32_t *count) {
  CHURN_CHECK_ARG(ds != NULL && column != NULL,
                  "churn_dataset_category_label: ds and column must not be NULL");
  const churn__dict *d = find_dict(ds, column);
  if (d == NULL) {
    return churn__fail(CHURN_E_NOT_FOUND, "no categorical column '%s'", column);
  }
  if (count) *count = d->n;
  if (code == -1) return CHURN_OK;
  CHURN_CHECK_ARG(label != NULL, "churn_dataset_category_label: label is NULL");
  if (code < 0 || code >= d->n) {
    return churn__fail(CHURN_E_RANGE, "column '%s': code %ld outside [0, %ld)", column,
                       (long)code, (long)d->n);
  }
  *label = churn__dict_label(d, code);
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_utc_offset(const churn_dataset *ds, int64_t *seconds) {
  CHURN_CHECK_ARG(ds != NULL && seconds != NULL,
                  "churn_dataset_utc_offset: ds and seconds must not be NULL");
  if (!ds->has_utc_offset) {
    return churn__fail(CHURN_E_NOT_FOUND, "churn_dataset_utc_offset: the dataset records none");
  }
  *seconds = ds->utc_offset;
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_set_utc_offset(churn_dataset *ds, int64_t seconds) {
  CHURN_CHECK_ARG(ds != NULL, "churn_dataset_set_utc_offset: ds must not be NULL");
  if (seconds < -CHURN__MAX_UTC_OFFSET || seconds > CHURN__MAX_UTC_OFFSET) {
    return churn__fail(CHURN_E_RANGE,
                       "churn_dataset_set_utc_offset: %lld seconds is more than 18 hours",
                       (long long)seconds);
  }
  ds->has_utc_offset = true;
  ds->utc_offset = seconds;
  return CHURN_OK;
}
