/*
 * design_columns.c -- a design over in-memory columns (a binding's DataFrame): learning the
 * encoding from them and encoding rows into a caller's matrix.  The fields go through the same
 * classifier and encoder as the CSV fields, so a model fitted by the CLI on a file scores the
 * same rows read by pandas identically.
 */
#include "design.h"

#include <stdio.h>
#include <string.h>

static churn_status check_cols(const churn_column *cols, int64_t ncols, int64_t n,
                               const char *fn) {
  CHURN_CHECK_ARG(cols != NULL || ncols == 0, "%s: cols is NULL", fn);
  CHURN_CHECK_ARG(ncols >= 0 && n >= 0, "%s: negative ncols or n", fn);
  for (int64_t j = 0; j < ncols; j++) {
    const churn_column *c = &cols[j];
    CHURN_CHECK_ARG(c->name != NULL, "%s: column %lld has no name", fn, (long long)j);
    CHURN_CHECK_ARG(c->length == n, "%s: column '%s' has %lld rows, expected %lld", fn, c->name,
                    (long long)c->length, (long long)n);
    CHURN_CHECK_ARG(c->data != NULL || n == 0, "%s: column '%s' has no data", fn, c->name);
    CHURN_CHECK_ARG(c->dtype == CHURN_STR || c->dtype == CHURN_F64 || c->dtype == CHURN_F32 ||
                        c->dtype == CHURN_I64 ||
                        c->dtype == CHURN_I32 || c->dtype == CHURN_U8,
                    "%s: column '%s' has an unsupported dtype %d", fn, c->name, (int)c->dtype);
  }
  return CHURN_OK;
}

/* Field i of column c; text holds 32 bytes for a number that a non-feature role reads as
 * text (a 0/1 label, a numeric id). */
static void column_field(const churn_column *c, int64_t i, bool as_text, char *text,
                         churn__dfield *f) {
  if (c->valid && !c->valid[i]) {
    churn__dfield_classify(f, NULL, 0);
    return;
  }
  double x;
  switch (c->dtype) {
    case CHURN_STR: {
      const char *s = ((const char *const *)c->data)[i];
      churn__dfield_classify(f, s, s ? strlen(s) : 0);
      return;
    }
    case CHURN_F64: x = ((const double *)c->data)[i]; break;
    case CHURN_F32: x = ((const float *)c->data)[i]; break;
    case CHURN_I64: x = (double)((const int64_t *)c->data)[i]; break;
    case CHURN_I32: x = ((const int32_t *)c->data)[i]; break;
    default: x = ((const uint8_t *)c->data)[i]; break;
  }
  if (!churn__is_finite(x)) {
    churn__dfield_classify(f, NULL, 0);
    return;
  }
  f->kind = DF_NUM;
  f->x = x;
  f->p = NULL;
  f->len = 0;
  if (as_text) {
    f->len = (size_t)snprintf(text, 32, "%.17g", x);
    f->p = text;
  }
}

CHURN_API churn_status churn_design_learn_columns(churn_design *design,
                                                  const churn_column *cols, int64_t ncols,
                                                  int64_t n) {
  CHURN_CHECK_ARG(design != NULL, "churn_design_learn_columns: design is NULL");
  CHURN_TRY(check_cols(cols, ncols, n, "churn_design_learn_columns"));
  if (design->learned || design->cols != NULL) {
    return churn__fail(CHURN_E_STATE, "churn_design_learn_columns: the design has already "
                       "learned a table (make a new one)");
  }
  churn_design *D = design;
  churn__design_report_clear(D);
  const char **names = churn__malloc_array((size_t)ncols + 1, sizeof *names);
  churn__dfield *f = churn__malloc_array((size_t)ncols + 1, sizeof *f);
  char *text = churn__malloc_array((size_t)ncols + 1, 32);
  churn_status st = names && f && text ? CHURN_OK : churn__nomem("design columns");
  for (int64_t j = 0; st == CHURN_OK && j < ncols; j++) names[j] = cols[j].name;
  if (st == CHURN_OK) st = churn__design_set_columns(D, names, (size_t)ncols, "columns");
  if (st == CHURN_OK) st = churn__design_learn_begin(D);
  for (int64_t i = 0; st == CHURN_OK && i < n; i++) {
    for (int64_t j = 0; j < ncols; j++) {
      column_field(&cols[j], i, D->cols[j].role != DROLE_FEATURE, text + 32 * j, &f[j]);
    }
    st = churn__design_learn_row(D, f, i + 1, "columns");
  }
  if (st == CHURN_OK) st = churn__design_learn_end(D, "columns");
  churn__free(names);
  churn__free(f);
  churn__free(text);
  return st;
}

CHURN_API churn_status churn_design_transform_columns(const churn_design *design,
                                                      const churn_column *cols, int64_t ncols,
                                                      int64_t n, double *X, int64_t ld,
                                                      uint8_t *kept, int64_t *rejected,
                                                      int64_t *unseen) {
  const char *fn = "churn_design_transform_columns";
  CHURN_CHECK_ARG(design != NULL, "%s: design is NULL", fn);
  CHURN_TRY(check_cols(cols, ncols, n, fn));
  const churn_design *D = design;
  if (!D->learned) return churn__fail(CHURN_E_STATE, "%s: the design has not learned a table", fn);
  CHURN_CHECK_ARG(X != NULL || n == 0 || D->d == 0, "%s: X is NULL", fn);
  CHURN_CHECK_ARG(ld >= D->d, "%s: ld = %lld is less than d = %lld", fn, (long long)ld,
                  (long long)D->d);
  int64_t *map = churn__malloc_array(D->ncols + 1, sizeof *map);
  churn__dfield *f = churn__calloc(D->ncols + 1, sizeof *f);
  int64_t *uns = churn__calloc(D->ncols + 1, sizeof *uns);
  if (!map || !f || !uns) {
    churn__free(map), churn__free(f), churn__free(uns);
    return churn__nomem("design transform");
  }
  churn_status st = CHURN_OK;
  for (size_t c = 0; c < D->ncols && st == CHURN_OK; c++) {
    map[c] = -1;
    f[c].kind = DF_MISSING;
    if (D->cols[c].role != DROLE_FEATURE) continue;
    for (int64_t j = 0; j < ncols; j++) {
      if (strcmp(cols[j].name, D->cols[c].name) == 0) map[c] = j;
    }
    if (map[c] < 0) {
      st = churn__fail(CHURN_E_SCHEMA, "%s: the column '%s' of the design is missing", fn,
                       D->cols[c].name);
    } else if (D->cols[c].type == DTYPE_CAT && cols[map[c]].dtype != CHURN_STR) {
      st = churn__fail(CHURN_E_SCHEMA, "%s: the column '%s' holds strings in the design: pass "
                       "it as strings", fn, D->cols[c].name);
    }
  }
  int64_t nrej = 0;
  for (int64_t i = 0; st == CHURN_OK && i < n; i++) {
    for (size_t c = 0; c < D->ncols; c++) {
      if (map[c] >= 0) column_field(&cols[map[c]], i, false, NULL, &f[c]);
    }
    size_t bad;
    double *x = X + (size_t)i * (size_t)ld;
    bool ok = churn__design_encode(D, f, x, &bad, uns, NULL);
    if (!ok) {
      for (int64_t j = 0; j < D->d; j++) x[j] = NAN;
      nrej++;
    }
    if (kept) kept[i] = ok;
  }
  int64_t total = 0;
  for (size_t c = 0; c < D->ncols; c++) total += uns[c];
  if (st == CHURN_OK && rejected) *rejected = nrej;
  if (st == CHURN_OK && unseen) *unseen = total;
  churn__free(map);
  churn__free(f);
  churn__free(uns);
  return st;
}
