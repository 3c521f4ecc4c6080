/*
 * design_csv.c -- a design over a flat CSV table: the learning pass, then the fit, in memory
 * (the encoded matrix, labels, weights and cluster codes, then churn_model_fit or
 * churn_model_fit_clustered) or, when the matrix would not fit the memory budget, streamed
 * (churn_model_fit_stream re-reading the file once per pass); the encoding is attached to the
 * model.  The CSV records come from data/'s reader (churn__csv_*).
 */
#include "design.h"

#include <string.h>

/* An open table: the reader and one row's fields classified, indexed like D->cols. */
typedef struct table {
  churn__csv *csv;
  const char *path;
  size_t ncols;
  churn__dfield *f;
} table;

static void table_close(table *t) {
  churn__csv_close(t->csv);
  churn__free(t->f);
  t->csv = NULL;
  t->f = NULL;
}

/* Opens path; with D unlearned, sets D's columns from the header; otherwise checks that the
 * header is the training table's. */
static churn_status table_open(churn_design *D, const char *path, const churn_options *opts,
                               table *t) {
  memset(t, 0, sizeof *t);
  t->path = path;
  CHURN_TRY(churn__csv_open(path, opts, &t->csv));
  size_t n = churn__csv_nfields(t->csv);
  char **names = churn__calloc(n + 1, sizeof *names);
  churn_status st = names ? CHURN_OK : churn__nomem("CSV header");
  for (size_t j = 0; j < n && st == CHURN_OK; j++) {
    size_t len;
    const char *p = churn__csv_field(t->csv, j, &len);
    if (j == 0 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, len -= 3;
    names[j] = churn__malloc(len + 1);
    if (names[j] == NULL) st = churn__nomem("CSV header");
    else memcpy(names[j], p, len), names[j][len] = '\0';
  }
  if (st == CHURN_OK && D->cols == NULL) {
    st = churn__design_set_columns(D, (const char *const *)names, n, path);
  } else if (st == CHURN_OK) {
    for (size_t j = 0; j < n && st == CHURN_OK; j++) {
      if (j >= D->ncols || strcmp(names[j], D->cols[j].name) != 0) {
        st = churn__fail(CHURN_E_SCHEMA, "%s: the header changed between passes", path);
      }
    }
  }
  for (size_t j = 0; names && j < n; j++) churn__free(names[j]);
  churn__free(names);
  t->ncols = n;
  t->f = churn__malloc_array(n + 1, sizeof *t->f);
  if (st == CHURN_OK && t->f == NULL) st = churn__nomem("CSV fields");
  if (st != CHURN_OK) table_close(t);
  return st;
}

/* The next record into t->f; *got false at the end. */
static churn_status table_next(table *t, bool *got) {
  CHURN_TRY(churn__csv_next(t->csv, got));
  if (!*got) return CHURN_OK;
  size_t nf = churn__csv_nfields(t->csv);
  if (nf != t->ncols) {
    return churn__fail(CHURN_E_SCHEMA, "%s: line %lld: expected %zu fields, found %zu", t->path,
                       (long long)churn__csv_line(t->csv), t->ncols, nf);
  }
  for (size_t j = 0; j < nf; j++) {
    size_t len;
    const char *p = churn__csv_field(t->csv, j, &len);
    churn__dfield_classify(&t->f[j], p, len);
  }
  return CHURN_OK;
}

static churn_status learn_csv(churn_design *D, const char *path, const churn_options *opts) {
  table t;
  CHURN_TRY(table_open(D, path, opts, &t));
  churn_status st = churn__design_learn_begin(D);
  for (;;) {
    bool got = false;
    if (st == CHURN_OK) st = table_next(&t, &got);
    if (st != CHURN_OK || !got) break;
    st = churn__design_learn_row(D, t.f, churn__csv_line(t.csv), path);
  }
  table_close(&t);
  if (st == CHURN_OK) st = churn__design_learn_end(D, path);
  return st;
}

/* The column index of a role, or -1. */
static int64_t role_col(const churn_design *D, int role) {
  for (size_t c = 0; c < D->ncols; c++) {
    if (D->cols[c].role == role) return (int64_t)c;
  }
  return -1;
}

/* --- in memory ------------------------------------------------------------------------------- */

typedef struct matrix {
  double *X, *y, *w;
  int64_t *groups;
  int64_t n;
  churn__dict cluster_codes;
} matrix;

static void matrix_free(matrix *m) {
  churn__aligned_free(m->X);
  churn__free(m->y);
  churn__free(m->w);
  churn__free(m->groups);
  churn__dict_free(&m->cluster_codes);
}

static churn_status build_matrix(const churn_design *D, const char *path,
                                 const churn_options *opts, matrix *m) {
  int64_t wc = role_col(D, DROLE_WEIGHT), cc = role_col(D, DROLE_CLUSTER);
  int64_t lc = role_col(D, DROLE_LABEL);
  size_t n = (size_t)D->nkept, d = (size_t)D->d;
  churn__dict_init(&m->cluster_codes);
  m->X = churn__aligned_alloc((n * d + 1) * sizeof(double));
  m->y = churn__malloc_array(n + 1, sizeof *m->y);
  m->w = wc >= 0 ? churn__malloc_array(n + 1, sizeof *m->w) : NULL;
  m->groups = cc >= 0 ? churn__malloc_array(n + 1, sizeof *m->groups) : NULL;
  if (!m->X || !m->y || (wc >= 0 && !m->w) || (cc >= 0 && !m->groups)) {
    return churn__nomem("design matrix");
  }
  table t;
  CHURN_TRY(table_open((churn_design *)D, path, opts, &t));
  churn_status st = CHURN_OK;
  int64_t i = 0;
  for (;;) {
    bool got = false;
    st = table_next(&t, &got);
    if (st != CHURN_OK || !got) break;
    size_t bad;
    const char *why;
    if (churn__design_row_rejected(D, t.f, &bad, &why)) continue;
    if (i >= D->nkept) {
      st = churn__fail(CHURN_E_DATA, "%s: the file grew between passes", path);
      break;
    }
    if (!churn__design_encode(D, t.f, m->X + (size_t)i * d, &bad, NULL, NULL)) continue;
    m->y[i] = churn__design_label_value(D, &t.f[lc]);
    if (m->w) m->w[i] = t.f[wc].x;
    if (m->groups) {
      int32_t code;
      st = churn__dict_intern(&m->cluster_codes, t.f[cc].p, t.f[cc].len, INT32_MAX, &code, NULL);
      if (st != CHURN_OK) break;
      m->groups[i] = code;
    }
    i++;
  }
  table_close(&t);
  if (st == CHURN_OK && i != D->nkept) {
    st = churn__fail(CHURN_E_DATA, "%s: the file changed between passes", path);
  }
  m->n = i;
  return st;
}

/* --- streamed -------------------------------------------------------------------------------- */

typedef struct stream_ctx {
  const churn_design *D;
  const char *path;
  const churn_options *opts;
  table t;
  bool open;
  int64_t pass;
  double *row;
} stream_ctx;

static churn_status stream_rows(void *vctx, int64_t pass, int64_t capacity, double *X, double *y,
                                double *weight, int64_t *nrows) {
  stream_ctx *s = vctx;
  const churn_design *D = s->D;
  if (!s->open || pass != s->pass) {
    if (s->open) table_close(&s->t);
    s->open = false;
    CHURN_TRY(table_open((churn_design *)D, s->path, s->opts, &s->t));
    s->open = true;
    s->pass = pass;
  }
  int64_t wc = role_col(D, DROLE_WEIGHT), lc = role_col(D, DROLE_LABEL);
  int64_t n = 0;
  size_t d = (size_t)D->d;
  while (n < capacity) {
    bool got;
    CHURN_TRY(table_next(&s->t, &got));
    if (!got) break;
    size_t bad;
    const char *why;
    if (churn__design_row_rejected(D, s->t.f, &bad, &why)) continue;
    if (!churn__design_encode(D, s->t.f, X + (size_t)n * d, &bad, NULL, NULL)) continue;
    y[n] = churn__design_label_value(D, &s->t.f[lc]);
    if (weight) weight[n] = s->t.f[wc].x;
    n++;
  }
  *nrows = n;
  return CHURN_OK;
}

/* --- the fit --------------------------------------------------------------------------------- */

CHURN_API churn_status churn_design_fit_csv(churn_design *design, const char *path,
                                            const churn_options *opts, churn_model **out) {
  CHURN_CHECK_ARG(design != NULL && path != NULL && out != NULL,
                  "churn_design_fit_csv: design, path and out must not be NULL");
  if (design->learned || design->cols != NULL) {
    return churn__fail(CHURN_E_STATE, "churn_design_fit_csv: the design has already learned a "
                       "table (make a new one)");
  }
  CHURN_CHECK_ARG(design->label[0] != '\0', "churn_design_fit_csv: no label column "
                  "(design.label)");
  churn_design *D = design;
  churn__design_report_clear(D);
  churn_status st = learn_csv(D, path, opts);
  if (st != CHURN_OK) return st;
  int64_t budget = 256 << 20;
  if (opts) churn_options_get_int(opts, CHURN_OPT_FIT_MEMORY_BUDGET, &budget);
  double bytes = (double)D->nkept * (double)(D->d + 3) * 8.0;
  const char *const *names = (const char *const *)D->names;
  churn_model *model = NULL;
  if (bytes > (double)budget / 2) {
    stream_ctx s = {.D = D, .path = path, .opts = opts};
    st = churn_model_fit_stream(D->d, names, stream_rows, &s, role_col(D, DROLE_WEIGHT) >= 0,
                                opts, &model);
    if (s.open) table_close(&s.t);
  } else {
    matrix m;
    memset(&m, 0, sizeof m);
    st = build_matrix(D, path, opts, &m);
    if (st == CHURN_OK && m.groups) {
      st = churn_model_fit_clustered(m.X, CHURN_F64, m.n, D->d, D->d, m.y, m.w, m.groups, names,
                                     opts, &model);
    } else if (st == CHURN_OK) {
      st = churn_model_fit(m.X, CHURN_F64, m.n, D->d, D->d, m.y, m.w, names, opts, &model);
    }
    matrix_free(&m);
  }
  if (st == CHURN_OK) st = churn_design_attach(D, model);
  if (st != CHURN_OK) {
    churn_model_free(model);
    return st;
  }
  *out = model;
  return CHURN_OK;
}
