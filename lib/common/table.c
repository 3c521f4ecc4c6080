/*
 * table.c -- churn_table, the small named-column result that KPIs, evaluation tables and warning
 * lists come back as.  Built once inside the library, read-only afterwards.
 */
#include "internal.h"

#include <string.h>

typedef struct table_column {
  char *name;
  churn_dtype dtype;
  void *data;      /* nrows elements; for CHURN_STR an array of owned char * */
} table_column;

struct churn_table {
  int64_t nrows;
  int64_t ncols;
  size_t cap;
  table_column *cols;
};

churn_status churn__table_new(int64_t nrows, churn_table **out) {
  if (nrows < 0) return churn__fail(CHURN_E_INTERNAL, "table with %lld rows", (long long)nrows);
  churn_table *t = churn__calloc(1, sizeof *t);
  if (t == NULL) return churn__nomem("table");
  t->nrows = nrows;
  *out = t;
  return CHURN_OK;
}

static void free_column(const churn_table *t, table_column *c) {
  if (c->dtype == CHURN_STR && c->data) {
    char **s = c->data;
    for (int64_t i = 0; i < t->nrows; i++) churn__free(s[i]);
  }
  churn__free(c->data);
  churn__free(c->name);
}

CHURN_API void churn_table_free(churn_table *table) {
  if (table == NULL) return;
  for (int64_t j = 0; j < table->ncols; j++) free_column(table, &table->cols[j]);
  churn__free(table->cols);
  churn__free(table);
}

/* Appends a column that owns data (freed by the caller on failure). */
static churn_status push(churn_table *t, const char *name, churn_dtype dtype, void *data) {
  if (!churn__grow((void **)&t->cols, &t->cap, (size_t)t->ncols + 1, sizeof *t->cols)) {
    return churn__nomem("table column");
  }
  char *n = churn__strdup(name);
  if (n == NULL) return churn__nomem("table column name");
  t->cols[t->ncols].name = n;
  t->cols[t->ncols].dtype = dtype;
  t->cols[t->ncols].data = data;
  t->ncols++;
  return CHURN_OK;
}

static churn_status add_copy(churn_table *t, const char *name, churn_dtype dtype, const void *src,
                             size_t elem) {
  void *data = churn__malloc_array((size_t)t->nrows, elem);
  if (data == NULL) return churn__nomem("table column");
  if (t->nrows) memcpy(data, src, (size_t)t->nrows * elem);
  churn_status st = push(t, name, dtype, data);
  if (st != CHURN_OK) churn__free(data);
  return st;
}

churn_status churn__table_add_f64(churn_table *t, const char *name, const double *data) {
  return add_copy(t, name, CHURN_F64, data, sizeof(double));
}

churn_status churn__table_add_i64(churn_table *t, const char *name, const int64_t *data) {
  return add_copy(t, name, CHURN_I64, data, sizeof(int64_t));
}

churn_status churn__table_take_f64(churn_table *t, const char *name, double *data) {
  churn_status st = push(t, name, CHURN_F64, data);
  if (st != CHURN_OK) churn__free(data);
  return st;
}

churn_status churn__table_take_i64(churn_table *t, const char *name, int64_t *data) {
  churn_status st = push(t, name, CHURN_I64, data);
  if (st != CHURN_OK) churn__free(data);
  return st;
}

churn_status churn__table_add_str(churn_table *t, const char *name, const char *const *data) {
  char **copy = churn__calloc((size_t)t->nrows ? (size_t)t->nrows : 1, sizeof *copy);
  if (copy == NULL) return churn__nomem("table column");
  for (int64_t i = 0; i < t->nrows; i++) {
    copy[i] = churn__strdup(data[i] ? data[i] : "");
    if (copy[i] == NULL) {
      for (int64_t k = 0; k < i; k++) churn__free(copy[k]);
      churn__free(copy);
      return churn__nomem("table string");
    }
  }
  churn_status st = push(t, name, CHURN_STR, copy);
  if (st != CHURN_OK) {
    for (int64_t k = 0; k < t->nrows; k++) churn__free(copy[k]);
    churn__free(copy);
  }
  return st;
}

CHURN_API int64_t churn_table_nrows(const churn_table *table) { return table ? table->nrows : 0; }

CHURN_API int64_t churn_table_ncols(const churn_table *table) { return table ? table->ncols : 0; }

static churn_status column(const churn_table *t, int64_t j, const char *fn,
                           const table_column **c) {
  CHURN_CHECK_ARG(t != NULL, "%s: table is NULL", fn);
  CHURN_CHECK_ARG(j >= 0 && j < t->ncols, "%s: column %lld outside [0, %lld)", fn, (long long)j,
                  (long long)t->ncols);
  *c = &t->cols[j];
  return CHURN_OK;
}

CHURN_API churn_status churn_table_column_info(const churn_table *table, int64_t j,
                                               const char **name, churn_dtype *dtype) {
  const table_column *c = NULL;
  CHURN_TRY(column(table, j, "churn_table_column_info", &c));
  if (name) *name = c->name;
  if (dtype) *dtype = c->dtype;
  return CHURN_OK;
}

CHURN_API churn_status churn_table_find(const churn_table *table, const char *name, int64_t *j) {
  CHURN_CHECK_ARG(table != NULL && name != NULL && j != NULL,
                  "churn_table_find: table, name and j must not be NULL");
  for (int64_t k = 0; k < table->ncols; k++) {
    if (strcmp(table->cols[k].name, name) == 0) {
      *j = k;
      return CHURN_OK;
    }
  }
  return churn__fail(CHURN_E_NOT_FOUND, "table has no column '%s'", name);
}

static churn_status typed(const churn_table *t, int64_t j, churn_dtype want, const char *fn,
                          const void **data) {
  const table_column *c = NULL;
  CHURN_CHECK_ARG(data != NULL, "%s: data is NULL", fn);
  CHURN_TRY(column(t, j, fn, &c));
  if (c->dtype != want) return churn__fail(CHURN_E_ARG, "%s: column '%s' has another type", fn, c->name);
  *data = c->data;
  return CHURN_OK;
}

CHURN_API churn_status churn_table_f64(const churn_table *table, int64_t j, const double **data) {
  return typed(table, j, CHURN_F64, "churn_table_f64", (const void **)data);
}

CHURN_API churn_status churn_table_i64(const churn_table *table, int64_t j, const int64_t **data) {
  return typed(table, j, CHURN_I64, "churn_table_i64", (const void **)data);
}

CHURN_API churn_status churn_table_str(const churn_table *table, int64_t j,
                                       const char *const **data) {
  return typed(table, j, CHURN_STR, "churn_table_str", (const void **)data);
}

churn_status churn__table_from_cols(int64_t n, churn__col *cols, int ncols, churn_table **out) {
  churn_table *t = NULL;
  churn_status st = churn__table_new(n, &t);
  for (int c = 0; c < ncols; c++) {
    if (st != CHURN_OK) {
      if (cols[c].kind != 's') churn__free(cols[c].data);
    } else if (cols[c].kind == 'f') {
      st = churn__table_take_f64(t, cols[c].name, cols[c].data);
    } else if (cols[c].kind == 'i') {
      st = churn__table_take_i64(t, cols[c].name, cols[c].data);
    } else {
      st = churn__table_add_str(t, cols[c].name, cols[c].data);
    }
    if (cols[c].kind != 's') cols[c].data = NULL;
  }
  if (st != CHURN_OK) {
    churn_table_free(t);
    return st;
  }
  *out = t;
  return CHURN_OK;
}
