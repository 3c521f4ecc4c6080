/*
 * design.c -- the churn_design object: its configuration from the design.* options, the
 * columns of a table and their roles, the field classifier (missing / number / string), the
 * encoding of one row into the model's columns, the accessors and the report table.
 */
#include "design.h"

#include <stdio.h>
#include <string.h>

static char *opt_string(const churn_options *opts, churn_option key) {
  const char *v = "";
  if (opts) churn_options_get_string(opts, key, &v);
  return churn__strdup(v ? v : "");
}

CHURN_API churn_status churn_design_new(const churn_options *opts, churn_design **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_design_new: out is NULL");
  churn_design *D = churn__calloc(1, sizeof *D);
  if (D == NULL) return churn__nomem("design");
  if (pthread_mutex_init(&D->report_lock, NULL) != 0) {
    churn__free(D);
    return churn__fail(CHURN_E_INTERNAL, "churn_design_new: cannot create a lock");
  }
  D->label = opt_string(opts, CHURN_OPT_DESIGN_LABEL);
  D->positive = opt_string(opts, CHURN_OPT_DESIGN_POSITIVE);
  D->ids = opt_string(opts, CHURN_OPT_DESIGN_ID);
  D->exclude = opt_string(opts, CHURN_OPT_DESIGN_EXCLUDE);
  D->weight = opt_string(opts, CHURN_OPT_DESIGN_WEIGHT);
  D->cluster = opt_string(opts, CHURN_OPT_DESIGN_CLUSTER);
  D->time = opt_string(opts, CHURN_OPT_DESIGN_TIME);
  int64_t miss = 0, ref = 0;
  D->max_levels = 1000;
  D->reasons = 3;
  if (opts) {
    churn_options_get_int(opts, CHURN_OPT_DESIGN_MISSING, &miss);
    churn_options_get_int(opts, CHURN_OPT_FEAT_ONEHOT_REFERENCE, &ref);
    churn_options_get_int(opts, CHURN_OPT_DESIGN_MAX_LEVELS, &D->max_levels);
    churn_options_get_int(opts, CHURN_OPT_DESIGN_TOP, &D->top);
    churn_options_get_int(opts, CHURN_OPT_DESIGN_REASONS, &D->reasons);
  }
  D->missing = (int)miss;
  D->reference = (int)ref;
  churn__dict_init(&D->id_seen);
  churn__dict_init(&D->label_seen);
  churn__dict_init(&D->months);
  if (!D->label || !D->positive || !D->ids || !D->exclude || !D->weight || !D->cluster ||
      !D->time) {
    churn_design_free(D);
    return churn__nomem("design");
  }
  *out = D;
  return CHURN_OK;
}

void churn__dcol_free(churn__dcol *c) {
  churn__free(c->name);
  churn__dict_free(&c->levels);
  churn__free(c->slot_feat);
  if (c->learn) {
    churn__dict_free(&c->learn->seen);
    churn__free(c->learn->count);
    churn__free(c->learn->hash);
    churn__free(c->learn->first_str);
    churn__free(c->learn);
  }
  memset(c, 0, sizeof *c);
}

void churn__design_report_clear(churn_design *D) {
  for (size_t i = 0; i < D->nrep; i++) {
    churn__free(D->rep[i].kind);
    churn__free(D->rep[i].column);
    churn__free(D->rep[i].detail);
  }
  D->nrep = 0;
}

CHURN_API void churn_design_free(churn_design *D) {
  if (D == NULL) return;
  char **strs[] = {&D->label, &D->positive, &D->weight, &D->cluster, &D->time, &D->ids,
                   &D->exclude, &D->label1, &D->label0};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) churn__free(*strs[i]);
  for (size_t c = 0; c < D->ncols; c++) churn__dcol_free(&D->cols[c]);
  churn__free(D->cols);
  for (int64_t j = 0; D->names && j < D->d; j++) churn__free(D->names[j]);
  churn__free(D->names);
  churn__free(D->feat_col);
  churn__dict_free(&D->id_seen);
  churn__free(D->id_line);
  churn__dict_free(&D->label_seen);
  churn__dict_free(&D->months);
  churn__free(D->month_count);
  churn__design_report_clear(D);
  churn__free(D->rep);
  pthread_mutex_destroy(&D->report_lock);
  churn__free(D);
}

bool churn__design_in_list(const char *list, const char *name) {
  size_t n = strlen(name);
  const char *p = list;
  while (p && *p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && memcmp(p, name, n) == 0) return true;
    p = e ? e + 1 : NULL;
  }
  return false;
}

churn_status churn__design_report_add(churn_design *D, const char *kind, const char *column,
                                      int64_t count, int64_t line, const char *fmt, ...) {
  if (!churn__grow((void **)&D->rep, &D->rep_cap, D->nrep + 1, sizeof *D->rep)) {
    return churn__nomem("design report");
  }
  char detail[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  churn__drep *r = &D->rep[D->nrep];
  r->kind = churn__strdup(kind);
  r->column = churn__strdup(column ? column : "");
  r->detail = churn__strdup(detail);
  r->count = count;
  r->line = line;
  D->nrep++;
  if (!r->kind || !r->column || !r->detail) return churn__nomem("design report");
  return CHURN_OK;
}

/* Each name of a comma-separated list must be a column of the table. */
static churn_status check_list(const char *list, const char *what, const char *const *names,
                               size_t n, const char *source) {
  const char *p = list;
  while (p && *p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    bool found = false;
    for (size_t j = 0; j < n && !found; j++) {
      found = strlen(names[j]) == len && memcmp(names[j], p, len) == 0;
    }
    if (!found) {
      return churn__fail(CHURN_E_SCHEMA, "%s: the %s column '%.*s' is not in the table", source,
                         what, (int)len, p);
    }
    p = e ? e + 1 : NULL;
  }
  return CHURN_OK;
}

churn_status churn__design_set_columns(churn_design *D, const char *const *names, size_t n,
                                       const char *source) {
  for (size_t j = 0; j < n; j++) {
    for (size_t k = 0; k < j; k++) {
      if (strcmp(names[j], names[k]) == 0) {
        return churn__fail(CHURN_E_SCHEMA, "%s: column '%s' appears twice in the header", source,
                           names[j]);
      }
    }
  }
  CHURN_TRY(check_list(D->label, "label", names, n, source));
  CHURN_TRY(check_list(D->ids, "id", names, n, source));
  CHURN_TRY(check_list(D->exclude, "excluded", names, n, source));
  CHURN_TRY(check_list(D->weight, "weight", names, n, source));
  CHURN_TRY(check_list(D->cluster, "cluster", names, n, source));
  CHURN_TRY(check_list(D->time, "time", names, n, source));
  D->cols = churn__calloc(n ? n : 1, sizeof *D->cols);
  if (D->cols == NULL) return churn__nomem("design columns");
  D->ncols = n;
  for (size_t j = 0; j < n; j++) {
    churn__dcol *c = &D->cols[j];
    churn__dict_init(&c->levels);
    c->ref = -1;
    c->name = churn__strdup(names[j]);
    if (c->name == NULL) return churn__nomem("design columns");
    const char *nm = names[j];
    c->role = strcmp(nm, D->label) == 0     ? DROLE_LABEL
              : churn__design_in_list(D->ids, nm) ? DROLE_ID
              : strcmp(nm, D->weight) == 0  ? DROLE_WEIGHT
              : strcmp(nm, D->cluster) == 0 ? DROLE_CLUSTER
              : strcmp(nm, D->time) == 0    ? DROLE_TIME
              : churn__design_in_list(D->exclude, nm) ? DROLE_EXCLUDED
                                                      : DROLE_FEATURE;
  }
  return CHURN_OK;
}

/* --- fields --------------------------------------------------------------------------------- */

static bool is_missing_word(const char *p, size_t len) {
  static const char *const words[] = {"NA", "N/A", "NaN", "nan", "NULL", "null", "None", "?",
                                      "#N/A"};
  while (len > 0 && (*p == ' ' || *p == '\t')) p++, len--;
  while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
  if (len == 0) return true;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    if (strlen(words[i]) == len && memcmp(words[i], p, len) == 0) return true;
  }
  return false;
}

void churn__dfield_classify(churn__dfield *f, const char *p, size_t len) {
  f->p = p;
  f->len = len;
  f->x = 0;
  if (p == NULL || is_missing_word(p, len)) {
    f->kind = DF_MISSING;
  } else if (churn__parse_f64(p, len, &f->x) && churn__is_finite(f->x)) {
    f->kind = DF_NUM;
  } else {
    f->kind = DF_STR;
  }
}

/* --- encoding one row ----------------------------------------------------------------------- */

bool churn__design_encode(const churn_design *D, const churn__dfield *f, double *x,
                          size_t *bad_col, int64_t *unseen, churn__dfield *unseen_first) {
  for (int64_t j = 0; j < D->d; j++) x[j] = 0.0;
  for (size_t c = 0; c < D->ncols; c++) {
    const churn__dcol *col = &D->cols[c];
    if (col->role != DROLE_FEATURE) continue;
    const churn__dfield *v = &f[c];
    bool missing = v->kind == DF_MISSING;
    if (col->type == DTYPE_NUM && v->kind == DF_STR) missing = true; /* text in a number column */
    if (missing) {
      if (D->missing == DMISS_REJECT) {
        *bad_col = c;
        return false;
      }
      if (col->missing_col && col->slot_feat[col->nslots - 1] >= 0) {
        x[col->slot_feat[col->nslots - 1]] = 1.0;
      }
      if (col->type == DTYPE_NUM && col->slot_feat[0] >= 0) x[col->slot_feat[0]] = col->fill;
      continue;
    }
    if (col->type == DTYPE_NUM) {
      if (col->slot_feat[0] >= 0) x[col->slot_feat[0]] = v->x;
      continue;
    }
    int32_t code = v->p ? churn__dict_find(&col->levels, v->p, v->len) : -1;
    if (code < 0) {
      if (unseen) {
        if (unseen[c]++ == 0 && unseen_first) unseen_first[c] = *v;
      }
      continue;
    }
    if (col->slot_feat[code] >= 0) x[col->slot_feat[code]] = 1.0;
  }
  return true;
}

/* --- accessors ------------------------------------------------------------------------------ */

CHURN_API int64_t churn_design_n_features(const churn_design *design) {
  return design && design->learned ? design->d : 0;
}

CHURN_API const char *churn_design_feature_name(const churn_design *design, int64_t j) {
  if (design == NULL || !design->learned || j < 0 || j >= design->d) return NULL;
  return design->names[j];
}

static churn_status report_table(const churn_design *design, churn_table **out);

CHURN_API churn_status churn_design_report(const churn_design *design, churn_table **out) {
  CHURN_CHECK_ARG(design != NULL && out != NULL, "churn_design_report: design and out must not "
                  "be NULL");
  pthread_mutex_t *lock = (pthread_mutex_t *)&design->report_lock; /* the report only */
  pthread_mutex_lock(lock);
  churn_status st = report_table(design, out);
  pthread_mutex_unlock(lock);
  return st;
}

static churn_status report_table(const churn_design *design, churn_table **out) {
  size_t n = design->nrep;
  const char **kind = churn__malloc_array(n + 1, sizeof *kind);
  const char **column = churn__malloc_array(n + 1, sizeof *column);
  const char **detail = churn__malloc_array(n + 1, sizeof *detail);
  int64_t *count = churn__malloc_array(n + 1, sizeof *count);
  int64_t *line = churn__malloc_array(n + 1, sizeof *line);
  if (!kind || !column || !detail || !count || !line) {
    churn__free(kind), churn__free(column), churn__free(detail), churn__free(count);
    churn__free(line);
    return churn__nomem("design report");
  }
  for (size_t i = 0; i < n; i++) {
    kind[i] = design->rep[i].kind;
    column[i] = design->rep[i].column;
    detail[i] = design->rep[i].detail;
    count[i] = design->rep[i].count;
    line[i] = design->rep[i].line;
  }
  churn__col cols[] = {{"kind", 's', (void *)kind},   {"column", 's', (void *)column},
                       {"count", 'i', count},         {"line", 'i', line},
                       {"detail", 's', (void *)detail}};
  churn_status st = churn__table_from_cols((int64_t)n, cols, 5, out);
  churn__free(kind);
  churn__free(column);
  churn__free(detail);
  return st;
}
