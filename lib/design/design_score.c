/*
 * design_score.c -- scoring a flat CSV table with a model that carries its design: each row is
 * encoded as in training, scored, explained in the table's own terms ("Contract =
 * Month-to-month (+1.32)": the contributions of a column's encoded columns summed), and the
 * rows are written highest risk first, atomically.  With a time column only each id's latest
 * row is kept.  Rows with a missing value (design.missing 0) and unseen levels are counted in
 * the design's report.
 */
#include "design.h"
#include "common/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
  char *p;
  size_t len, cap;
  bool failed;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (!churn__grow((void **)&b->p, &b->cap, b->len + n + 1, 1)) {
    b->failed = true;
    return;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

/* A CSV field, quoted when it holds a separator, a quote or a line break. */
static void put_field(sbuf *b, const char *s, size_t n) {
  bool quote = false;
  for (size_t i = 0; i < n && !quote; i++) {
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  }
  if (!quote) return put(b, s, n);
  put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') put(b, "\"", 1);
    put(b, &s[i], 1);
  }
  put(b, "\"", 1);
}

typedef struct scored {
  double p;
  int64_t line;
  size_t head, tail;   /* offsets in the arena: "id[,time]" and ",reason1,..." */
  size_t time;         /* offset of the time text (with a time column) */
  bool live;
} scored;

typedef struct scorer {
  churn_design *D;
  const churn_model *model;
  int64_t *map;          /* design column -> table column, -1 absent */
  int64_t *ids;          /* table columns of the ids */
  size_t nids;
  int64_t time_col;      /* table column of the time, or -1 */
  double *coef, *mean, *x, *contrib;
  int32_t *order;
  churn__dfield *f;      /* per design column */
  int64_t *unseen;
  churn__dfield *unseen_first;
  int64_t *unseen_line;
  char **unseen_text;    /* the first unseen level per column (copied) */
  sbuf arena;
  sbuf header;           /* the output's header line */
  scored *rows;
  size_t nrows, cap;
  churn__dict latest;    /* id key -> index of its latest row */
  int64_t *latest_row;
  size_t latest_cap;
  int64_t rejected, rejected_line;
  size_t rejected_col;
  int64_t reasons;
} scorer;

static void scorer_free(scorer *s) {
  churn__free(s->map);
  churn__free(s->ids);
  churn__free(s->coef);
  churn__free(s->mean);
  churn__free(s->x);
  churn__free(s->contrib);
  churn__free(s->order);
  churn__free(s->f);
  churn__free(s->unseen);
  churn__free(s->unseen_first);
  churn__free(s->unseen_line);
  for (size_t c = 0; s->unseen_text && c < s->D->ncols; c++) churn__free(s->unseen_text[c]);
  churn__free(s->unseen_text);
  churn__free(s->arena.p);
  churn__free(s->header.p);
  churn__free(s->rows);
  churn__dict_free(&s->latest);
  churn__free(s->latest_row);
}

static int64_t header_index(churn__csv *csv, const char *name) {
  size_t n = churn__csv_nfields(csv), want = strlen(name);
  for (size_t j = 0; j < n; j++) {
    size_t len;
    const char *p = churn__csv_field(csv, j, &len);
    if (j == 0 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, len -= 3;
    if (len == want && memcmp(p, name, len) == 0) return (int64_t)j;
  }
  return -1;
}

static churn_status scorer_init(scorer *s, churn_design *D, const churn_model *model,
                                churn__csv *csv, const char *path, const churn_options *opts) {
  memset(s, 0, sizeof *s);
  s->D = D;
  s->model = model;
  s->time_col = -1;
  churn__dict_init(&s->latest);
  size_t nc = D->ncols, d = (size_t)D->d;
  s->map = churn__malloc_array(nc + 1, sizeof *s->map);
  s->f = churn__calloc(nc + 1, sizeof *s->f);
  s->unseen = churn__calloc(nc + 1, sizeof *s->unseen);
  s->unseen_first = churn__calloc(nc + 1, sizeof *s->unseen_first);
  s->unseen_line = churn__calloc(nc + 1, sizeof *s->unseen_line);
  s->unseen_text = churn__calloc(nc + 1, sizeof *s->unseen_text);
  s->coef = churn__malloc_array(d + 1, sizeof(double));
  s->mean = churn__malloc_array(d + 1, sizeof(double));
  s->x = churn__malloc_array(d + 1, sizeof(double));
  s->contrib = churn__malloc_array(nc + 1, sizeof(double));
  s->order = churn__malloc_array(nc + 1, sizeof(int32_t));
  if (!s->map || !s->f || !s->unseen || !s->unseen_first || !s->unseen_line || !s->unseen_text || !s->coef ||
      !s->mean || !s->x || !s->contrib || !s->order) {
    return churn__nomem("scoring");
  }
  CHURN_TRY(churn_model_coef(model, s->coef, NULL));
  CHURN_TRY(churn_model_scaling(model, s->mean, NULL));
  for (size_t c = 0; c < nc; c++) {
    s->map[c] = -1;
    s->f[c].kind = DF_MISSING;
    if (D->cols[c].role != DROLE_FEATURE) continue;
    s->map[c] = header_index(csv, D->cols[c].name);
    if (s->map[c] < 0) {
      return churn__fail(CHURN_E_SCHEMA, "%s: the column '%s' the model needs is not in the "
                         "table", path, D->cols[c].name);
    }
  }
  const char *ids = NULL;
  if (opts) churn_options_get_string(opts, CHURN_OPT_DESIGN_ID, &ids);
  if (ids == NULL || !ids[0]) ids = D->ids;
  size_t cap = 1;
  for (const char *q = ids; *q; q++) cap += *q == ',';
  s->ids = churn__malloc_array(cap, sizeof *s->ids);
  if (s->ids == NULL) return churn__nomem("scoring");
  for (const char *q = ids; *q;) {
    const char *e = strchr(q, ',');
    size_t len = e ? (size_t)(e - q) : strlen(q);
    char name[1024];
    snprintf(name, sizeof name, "%.*s", (int)len, q);
    int64_t j = header_index(csv, name);
    if (j < 0) {
      return churn__fail(CHURN_E_SCHEMA, "%s: the id column '%s' is not in the table", path,
                         name);
    }
    s->ids[s->nids++] = j;
    if (s->nids > 1) put(&s->header, ",", 1);
    put_field(&s->header, name, strlen(name));
    q = e ? e + 1 : q + len;
  }
  if (D->time[0]) {
    s->time_col = header_index(csv, D->time);
    if (s->time_col < 0) {
      return churn__fail(CHURN_E_SCHEMA, "%s: the time column '%s' is not in the table", path,
                         D->time);
    }
    if (s->nids) put(&s->header, ",", 1);
    put_field(&s->header, D->time, strlen(D->time));
  }
  put(&s->header, s->nids || s->time_col >= 0 ? ",probability" : "probability", s->nids || s->time_col >= 0 ? 12 : 11);
  int64_t r = D->reasons;
  if (opts) churn_options_get_int(opts, CHURN_OPT_DESIGN_REASONS, &r);
  s->reasons = r;
  int64_t nf = 0;
  for (size_t c = 0; c < nc; c++) nf += D->cols[c].role == DROLE_FEATURE;
  for (int64_t k = 1; k <= (r < nf ? r : nf); k++) {
    char h[32];
    snprintf(h, sizeof h, ",reason%lld", (long long)k);
    puts_(&s->header, h);
  }
  put(&s->header, "\n", 1);
  return s->header.failed ? churn__nomem("scoring") : CHURN_OK;
}

/* Orders two times given as text: dates, then numbers, then bytes. */
static int time_cmp(const char *a, const char *b) {
  int64_t ta, tb;
  double xa, xb;
  if (churn__parse_time(a, strlen(a), false, &ta) && churn__parse_time(b, strlen(b), false, &tb)) {
    return (ta > tb) - (ta < tb);
  }
  if (churn__parse_f64(a, strlen(a), &xa) && churn__parse_f64(b, strlen(b), &xb)) {
    return (xa > xb) - (xa < xb);
  }
  return strcmp(a, b);
}

static void put_reason(scorer *s, size_t c) {
  const churn__dcol *col = &s->D->cols[c];
  const churn__dfield *v = &s->f[c];
  char text[1200];
  int n;
  if (v->kind == DF_MISSING || (col->type == DTYPE_NUM && v->kind == DF_STR)) {
    n = snprintf(text, sizeof text, "%s = (missing) (%+.2f)", col->name, s->contrib[c]);
  } else {
    n = snprintf(text, sizeof text, "%s = %.*s (%+.2f)", col->name, (int)(v->len > 200 ? 200 : v->len),
                 v->p ? v->p : "", s->contrib[c]);
  }
  put(&s->arena, ",", 1);
  put_field(&s->arena, text, (size_t)(n < (int)sizeof text ? n : (int)sizeof text - 1));
}

/* Scores the current row (s->f filled); line for reports. */
static churn_status score_row(scorer *s, churn__csv *csv, int64_t line) {
  churn_design *D = s->D;
  size_t bad;
  for (size_t c = 0; c < D->ncols; c++) {
    if (s->unseen[c] == 0) s->unseen_line[c] = line;
  }
  bool ok = churn__design_encode(D, s->f, s->x, &bad, s->unseen, s->unseen_first);
  for (size_t c = 0; c < D->ncols; c++) {
    if (s->unseen[c] > 0 && s->unseen_text[c] == NULL) {
      const churn__dfield *v = &s->unseen_first[c];
      s->unseen_text[c] = churn__malloc(v->len + 1);
      if (s->unseen_text[c] == NULL) return churn__nomem("scoring");
      memcpy(s->unseen_text[c], v->p, v->len);
      s->unseen_text[c][v->len] = '\0';
    }
  }
  if (!ok) {
    if (s->rejected++ == 0) s->rejected_line = line, s->rejected_col = bad;
    return CHURN_OK;
  }
  double p;
  CHURN_TRY(churn_model_predict_proba(s->model, s->x, CHURN_F64, 1, D->d, D->d, &p));
  if (!churn__grow((void **)&s->rows, &s->cap, s->nrows + 1, sizeof *s->rows)) {
    return churn__nomem("scores");
  }
  scored *row = &s->rows[s->nrows];
  row->p = p;
  row->line = line;
  row->live = true;
  row->head = s->arena.len;
  char key[1024];
  size_t klen = 0;
  for (size_t k = 0; k < s->nids; k++) {
    size_t len;
    const char *v = churn__csv_field(csv, (size_t)s->ids[k], &len);
    if (k) put(&s->arena, ",", 1);
    put_field(&s->arena, v, len);
    if (klen + len + 1 < sizeof key) memcpy(key + klen, v, len), klen += len, key[klen++] = 0x1f;
  }
  if (s->time_col >= 0) {
    size_t len;
    const char *v = churn__csv_field(csv, (size_t)s->time_col, &len);
    if (s->nids) put(&s->arena, ",", 1);
    put_field(&s->arena, v, len);
  }
  put(&s->arena, "", 0);
  s->arena.len++; /* keep the NUL: head is a C string */
  row->time = s->arena.len;
  if (s->time_col >= 0) {
    size_t len;
    const char *v = churn__csv_field(csv, (size_t)s->time_col, &len);
    put(&s->arena, v, len);
  }
  put(&s->arena, "", 0);
  s->arena.len++;
  /* reasons: per column, the sum of its encoded columns' contributions */
  size_t nf = 0;
  for (size_t c = 0; c < D->ncols; c++) s->contrib[c] = 0;
  for (int64_t j = 0; j < D->d; j++) {
    s->contrib[D->feat_col[j]] += s->coef[j] * (s->x[j] - s->mean[j]);
  }
  for (size_t c = 0; c < D->ncols; c++) {
    if (D->cols[c].role == DROLE_FEATURE) s->order[nf++] = (int32_t)c;
  }
  row->tail = s->arena.len;
  int64_t r = s->reasons < (int64_t)nf ? s->reasons : (int64_t)nf;
  for (int64_t k = 0; k < r; k++) {
    size_t best = (size_t)k;
    for (size_t m = (size_t)k + 1; m < nf; m++) {
      if (s->contrib[s->order[m]] > s->contrib[s->order[best]]) best = m;
    }
    int32_t t = s->order[k];
    s->order[k] = s->order[best];
    s->order[best] = t;
    put_reason(s, (size_t)s->order[k]);
  }
  put(&s->arena, "", 0);
  s->arena.len++;
  if (s->arena.failed) return churn__nomem("scores");
  if (s->time_col >= 0) {
    int32_t code;
    bool added;
    CHURN_TRY(churn__dict_intern(&s->latest, key, klen, INT32_MAX, &code, &added));
    if (!churn__grow((void **)&s->latest_row, &s->latest_cap, (size_t)code + 1,
                     sizeof *s->latest_row)) {
      return churn__nomem("scores");
    }
    if (added) {
      s->latest_row[code] = (int64_t)s->nrows;
    } else {
      scored *old = &s->rows[s->latest_row[code]];
      if (time_cmp(s->arena.p + row->time, s->arena.p + old->time) >= 0) {
        old->live = false;
        s->latest_row[code] = (int64_t)s->nrows;
      } else {
        row->live = false;
      }
    }
  }
  s->nrows++;
  return CHURN_OK;
}

static int by_risk(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->p != y->p) return x->p < y->p ? 1 : -1;
  return (x->line > y->line) - (x->line < y->line);
}

static churn_status write_scores(scorer *s, const char *out_path, int64_t top,
                                 int64_t *scored_out) {
  size_t live = 0;
  for (size_t i = 0; i < s->nrows; i++) {
    if (s->rows[i].live) s->rows[live++] = s->rows[i];
  }
  qsort(s->rows, live, sizeof *s->rows, by_risk);
  if (top > 0 && (size_t)top < live) live = (size_t)top;
  sbuf out = {0};
  put(&out, s->header.p, s->header.len);
  for (size_t i = 0; i < live; i++) {
    const scored *r = &s->rows[i];
    char p[40];
    int n = snprintf(p, sizeof p, "%s%.17g", s->arena.p[r->head] ? "," : "", r->p);
    puts_(&out, s->arena.p + r->head);
    put(&out, p, (size_t)n);
    puts_(&out, s->arena.p + r->tail);
    put(&out, "\n", 1);
  }
  churn_status st = out.failed ? churn__nomem("scores") : CHURN_OK;
  if (st == CHURN_OK) st = churn__write_file_atomic(out_path, out.p ? out.p : "", out.len);
  churn__free(out.p);
  if (st == CHURN_OK && scored_out) *scored_out = (int64_t)live;
  return st;
}

static churn_status report_scoring(scorer *s, const char *path) {
  churn_design *D = s->D;
  for (size_t c = 0; c < D->ncols; c++) {
    if (s->unseen[c] == 0) continue;
    CHURN_TRY(churn__design_report_add(D, "unseen", D->cols[c].name, s->unseen[c],
                                       s->unseen_line[c], "%s: %lld row%s with an unseen level "
                                       "'%.60s' (first on line %lld; scored as the reference)",
                                       D->cols[c].name, (long long)s->unseen[c],
                                       s->unseen[c] == 1 ? "" : "s", s->unseen_text[c],
                                       (long long)s->unseen_line[c]));
  }
  if (s->rejected) {
    CHURN_TRY(churn__design_report_add(D, "rejected", D->cols[s->rejected_col].name, s->rejected,
                                       s->rejected_line, "%s: %lld rows not scored for a missing "
                                       "value (first on line %lld)", path,
                                       (long long)s->rejected, (long long)s->rejected_line));
  }
  return churn__design_report_add(D, "rows", "", (int64_t)s->nrows, 0, "rows scored");
}

static churn_status score_csv(churn_design *D, const churn_model *model, const char *path,
                              const char *out_path, const churn_options *opts, int64_t *scored);

CHURN_API churn_status churn_design_score_csv(churn_design *design, const churn_model *model,
                                              const char *path, const char *out_path,
                                              const churn_options *opts, int64_t *scored) {
  CHURN_CHECK_ARG(design != NULL && model != NULL && path != NULL && out_path != NULL,
                  "churn_design_score_csv: design, model, path and out_path must not be NULL");
  pthread_mutex_lock(&design->report_lock); /* the call fills the design's report */
  churn_status st = score_csv(design, model, path, out_path, opts, scored);
  pthread_mutex_unlock(&design->report_lock);
  return st;
}

static churn_status score_csv(churn_design *D, const churn_model *model, const char *path,
                              const char *out_path, const churn_options *opts, int64_t *scored) {
  if (!D->learned) {
    return churn__fail(CHURN_E_STATE, "churn_design_score_csv: the design has not learned a "
                       "table");
  }
  const char **names = churn__malloc_array((size_t)D->d + 1, sizeof *names);
  if (names == NULL) return churn__nomem("scoring");
  for (int64_t j = 0; j < D->d; j++) names[j] = D->names[j];
  churn_status st = churn_model_check_features(model, names, D->d);
  churn__free(names);
  CHURN_TRY(st);
  churn__design_report_clear(D);
  int64_t top = D->top;
  if (opts) churn_options_get_int(opts, CHURN_OPT_DESIGN_TOP, &top);
  churn__csv *csv = NULL;
  CHURN_TRY(churn__csv_open(path, opts, &csv));
  size_t ncols = churn__csv_nfields(csv);
  scorer s;
  st = scorer_init(&s, D, model, csv, path, opts);
  while (st == CHURN_OK) {
    bool got;
    st = churn__csv_next(csv, &got);
    if (st != CHURN_OK || !got) break;
    int64_t line = churn__csv_line(csv);
    if (churn__csv_nfields(csv) != ncols) {
      st = churn__fail(CHURN_E_SCHEMA, "%s: line %lld: expected %zu fields, found %zu", path,
                       (long long)line, ncols, churn__csv_nfields(csv));
      break;
    }
    for (size_t c = 0; c < D->ncols; c++) {
      if (s.map[c] < 0) continue;
      size_t len;
      const char *p = churn__csv_field(csv, (size_t)s.map[c], &len);
      churn__dfield_classify(&s.f[c], p, len);
    }
    st = score_row(&s, csv, line);
  }
  if (st == CHURN_OK) st = report_scoring(&s, path);
  if (st == CHURN_OK) st = write_scores(&s, out_path, top, scored);
  churn__csv_close(csv);
  scorer_free(&s);
  return st;
}
