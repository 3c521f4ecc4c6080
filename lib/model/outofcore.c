/*
 * outofcore.c -- fitting a model on more rows than fit in memory: the rows come in chunks from a
 * caller's row source (or from a numeric CSV file, the source provided here), each Newton pass
 * streams them once through the mergeable sufficient statistics, and the Newton driver
 * (solver.c) turns each pass's merged statistics into the next step: exact Newton, the same
 * estimate as the in-memory fit.  Memory stays within the CHURN_OPT_FIT_MEMORY_BUDGET option:
 * one chunk buffer sized from it plus the O(d^2) statistics.
 */
#include "logit.h"
#include "common/parallel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chunks beyond this many rows buy nothing but memory. */
#define MAX_CHUNK_ROWS (INT64_C(1) << 18)

/* --- the streaming driver ----------------------------------------------------------------- */

typedef struct stream {
  churn_row_source source;
  void *ctx;
  int64_t d, cap;        /* features, chunk capacity in rows */
  double *X, *y, *w;     /* the chunk buffer; w NULL without weights */
  int64_t pass;          /* the pass being read */
  int64_t rows_pass0;    /* rows seen in pass 0 */
} stream;

/* Bytes the fit keeps besides the chunk: the statistics, the driver's k x k matrices, and per
 * thread a partial Hessian and the kernel's block of 256 standardised rows. */
static int64_t fixed_bytes(int64_t d, int nthreads) {
  int64_t k = d + 1;
  return (int64_t)(12 + 2 * nthreads) * k * k * 8 + (int64_t)nthreads * (256 * k * 8 + 8192) +
         32 * d * 8 + 64 * 1024;
}

static churn_status memory_budget(const churn_options *opts, int64_t *budget) {
  if (opts == NULL) {
    double def = 0;
    CHURN_TRY(churn_option_bounds(CHURN_OPT_FIT_MEMORY_BUDGET, NULL, NULL, NULL, &def));
    *budget = (int64_t)def;
    return CHURN_OK;
  }
  return churn_options_get_int(opts, CHURN_OPT_FIT_MEMORY_BUDGET, budget);
}

/* Rows per chunk: half the budget (the rest is left to the process, its libraries and stack)
 * minus the fixed part, divided by the bytes of a row. */
static churn_status chunk_rows(int64_t budget, int64_t d, int nthreads, int64_t extra,
                               int64_t *rows) {
  int64_t per_row = (d + 2) * 8;
  int64_t avail = budget / 2 - fixed_bytes(d, nthreads) - extra;
  if (avail < per_row) {
    return churn__fail(CHURN_E_RANGE, "fit.memory_budget = %lld bytes is too small for %lld "
                       "features: it needs at least %lld", (long long)budget, (long long)d,
                       (long long)(2 * (fixed_bytes(d, nthreads) + extra + per_row)));
  }
  *rows = avail / per_row < MAX_CHUNK_ROWS ? avail / per_row : MAX_CHUNK_ROWS;
  return CHURN_OK;
}

/* Asks the source for the next chunk; *n = 0 ends the pass. */
static churn_status next_chunk(stream *s, int64_t *n) {
  *n = -1;
  churn_clear_error();
  churn_status st = s->source(s->ctx, s->pass, s->cap, s->X, s->y, s->w, n);
  if (st != CHURN_OK) {
    if (churn_last_error()[0] == '\0') {
      return churn__fail(st, "the row source failed with %s in pass %lld", churn_status_name(st),
                         (long long)s->pass);
    }
    return churn__context(st, "row source, pass %lld", (long long)s->pass);
  }
  if (*n < 0 || *n > s->cap) {
    return churn__fail(CHURN_E_ARG, "the row source returned %lld rows in pass %lld; it may "
                       "return 0 to %lld", (long long)*n, (long long)s->pass, (long long)s->cap);
  }
  return CHURN_OK;
}

static churn_status check_pass_rows(const stream *s, int64_t rows) {
  if (s->pass == 0) return CHURN_OK;
  if (rows == s->rows_pass0) return CHURN_OK;
  return churn__fail(CHURN_E_DATA, "the row source gave %lld rows in pass %lld but %lld in pass "
                     "0: every pass must give the same rows", (long long)rows,
                     (long long)s->pass, (long long)s->rows_pass0);
}

/* Pass 0: moments and data checks. */
static churn_status moments_pass(stream *s, churn_solver *solver) {
  int64_t rows = 0, n;
  for (;;) {
    CHURN_TRY(next_chunk(s, &n));
    if (n == 0) break;
    CHURN_TRY(churn__solver_add_moments(solver, s->X, CHURN_F64, n, s->d, s->y, s->w, rows));
    rows += n;
  }
  s->rows_pass0 = rows;
  return CHURN_OK;
}

/* One Newton pass at the solver's current point into st. */
static churn_status stats_pass(stream *s, churn_solver *solver, churn_suffstats *st,
                               const double *beta, int nthreads) {
  int want_h = churn_solver_wants_hessian(solver);
  churn_suffstats_reset(st);
  int64_t rows = 0, n;
  for (;;) {
    CHURN_TRY(next_chunk(s, &n));
    if (n == 0) break;
    CHURN_TRY(churn__suffstats_accumulate_mt(st, s->X, CHURN_F64, n, s->d, s->y, s->w, beta,
                                             want_h, rows, nthreads));
    rows += n;
  }
  return check_pass_rows(s, rows);
}

static churn_status run_newton(stream *s, churn_solver *solver, int nthreads, churn_model **out) {
  churn_suffstats *st = NULL;
  double *beta = churn__malloc_array((size_t)s->d + 1, sizeof *beta);
  if (beta == NULL) return churn__nomem("coefficients");
  churn_status status = moments_pass(s, solver);
  if (status == CHURN_OK) status = churn_solver_begin(solver);
  if (status == CHURN_OK) status = churn_solver_stats_new(solver, &st);
  int done = 0;
  while (status == CHURN_OK && !done) {
    s->pass++;
    status = churn_solver_beta(solver, beta);
    if (status == CHURN_OK) status = stats_pass(s, solver, st, beta, nthreads);
    if (status == CHURN_OK) status = churn_solver_step(solver, st, &done);
  }
  if (status == CHURN_OK) status = churn_solver_finish(solver, out);
  churn_suffstats_free(st);
  churn__free(beta);
  return status;
}

/* The fit behind both public entry points; extra = bytes the source itself holds. */
static churn_status fit_stream(int64_t d, const char *const *names, churn_row_source source,
                               void *ctx, int has_weights, const churn_options *opts,
                               int64_t extra, churn_model **out) {
  int nthreads = 1;
  churn_solver *solver = NULL;
  CHURN_TRY(churn__solver_new(d, names, opts, &nthreads, &solver));
  nthreads = churn__resolve_threads(nthreads);
  int64_t budget = 0, cap = 0;
  churn_status st = memory_budget(opts, &budget);
  if (st == CHURN_OK) st = chunk_rows(budget, d, nthreads, extra, &cap);
  stream s = {source, ctx, d, cap, NULL, NULL, NULL, 0, 0};
  if (st == CHURN_OK) {
    s.X = churn__malloc_array((size_t)(cap * (d > 0 ? d : 1)), sizeof(double));
    s.y = churn__malloc_array((size_t)cap, sizeof(double));
    s.w = has_weights ? churn__malloc_array((size_t)cap, sizeof(double)) : NULL;
    if (!s.X || !s.y || (has_weights && !s.w)) st = churn__nomem("row chunk");
  }
  if (st == CHURN_OK) st = run_newton(&s, solver, nthreads, out);
  churn__free(s.X);
  churn__free(s.y);
  churn__free(s.w);
  churn_solver_free(solver);
  return st;
}

CHURN_API churn_status churn_model_fit_stream(int64_t d, const char *const *feature_names,
                                              churn_row_source source, void *ctx,
                                              int has_weights, const churn_options *opts,
                                              churn_model **out) {
  static const char fn[] = "churn_model_fit_stream";
  CHURN_CHECK_ARG(source != NULL, "%s: source is NULL", fn);
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_CHECK_ARG(has_weights == 0 || has_weights == 1, "%s: has_weights must be 0 or 1", fn);
  return churn__context(fit_stream(d, feature_names, source, ctx, has_weights, opts, 0, out),
                        "%s", fn);
}

/* --- numeric CSV files -------------------------------------------------------------------- */

/* Role of a CSV column. */
enum { COL_LABEL = -1, COL_WEIGHT = -2 };

typedef struct csv_source {
  FILE *f;
  const char *path;
  char *buf;             /* read buffer: buf[pos..end) not yet consumed */
  size_t cap, pos, end;
  bool eof;
  long data_start;       /* file offset of the first data line */
  int64_t line;          /* 1-based number of the line last read */
  int64_t ncols;
  int64_t *role;         /* per CSV column: feature index, COL_LABEL or COL_WEIGHT */
  char **names;          /* per CSV column, from the header */
  int64_t pass;          /* pass the reader is positioned for */
} csv_source;

/* The next line (without its end of line) in *line / *len, NUL-terminated in place; *line =
 * NULL at the end of the file. */
static churn_status csv_next_line(csv_source *c, char **line, size_t *len) {
  for (;;) {
    char *start = c->buf + c->pos;
    char *nl = memchr(start, '\n', c->end - c->pos);
    if (nl != NULL || (c->eof && c->end > c->pos)) {
      size_t n = nl ? (size_t)(nl - start) : c->end - c->pos;
      c->pos += n + (nl != NULL);
      if (n > 0 && start[n - 1] == '\r') n--;
      start[n] = '\0'; /* the newline's place, or the spare byte after end */
      c->line++;
      *line = start;
      *len = n;
      return CHURN_OK;
    }
    if (c->eof) {
      *line = NULL;
      return CHURN_OK;
    }
    /* Move the partial line to the front and read more. */
    size_t rest = c->end - c->pos;
    if (rest == c->cap) {
      return churn__fail(CHURN_E_DATA, "%s: line %lld is longer than %zu bytes", c->path,
                         (long long)c->line + 1, c->cap);
    }
    memmove(c->buf, c->buf + c->pos, rest);
    c->pos = 0;
    c->end = rest;
    size_t got = fread(c->buf + rest, 1, c->cap - rest, c->f);
    c->end += got;
    if (got < c->cap - rest) {
      if (ferror(c->f)) {
        return churn__fail(CHURN_E_IO, "%s: read error: %s", c->path, strerror(errno));
      }
      c->eof = true;
    }
  }
}

/* Splits a line at commas in place: field i in fields[i] (NUL-terminated).  Returns the count
 * (which may exceed max, in which case only max are stored). */
static int64_t csv_split(char *line, char **fields, int64_t max) {
  int64_t n = 0;
  char *p = line;
  for (;;) {
    if (n < max) fields[n] = p;
    n++;
    char *comma = strchr(p, ',');
    if (comma == NULL) break;
    *comma = '\0';
    p = comma + 1;
  }
  return n;
}

static bool blank(const char *s) {
  while (*s == ' ' || *s == '\t') s++;
  return *s == '\0';
}

/* A number filling the whole field (surrounding blanks allowed). */
static bool parse_number(const char *s, double *out) {
  char *end = NULL;
  while (*s == ' ' || *s == '\t') s++;
  if (*s == '\0') return false;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s) return false;
  while (*end == ' ' || *end == '\t') end++;
  if (*end != '\0') return false;
  *out = v; /* overflow gives +-inf, caught later as a non-finite value */
  return true;
}

static churn_status csv_rewind(csv_source *c) {
  if (fseek(c->f, c->data_start, SEEK_SET) != 0) {
    return churn__fail(CHURN_E_IO, "%s: cannot seek: %s", c->path, strerror(errno));
  }
  clearerr(c->f);
  c->pos = c->end = 0;
  c->eof = false;
  c->line = 1;
  return CHURN_OK;
}

/* The row source over a CSV file (see churn_row_source). */
static churn_status csv_read(void *ctx, int64_t pass, int64_t capacity, double *X, double *y,
                             double *w, int64_t *nrows) {
  csv_source *c = ctx;
  if (pass != c->pass) {
    CHURN_TRY(csv_rewind(c));
    c->pass = pass;
  }
  int64_t d = 0;
  for (int64_t j = 0; j < c->ncols; j++) d += c->role[j] >= 0;
  char *fields[1024];
  char **fv = c->ncols <= 1024 ? fields : NULL;
  int64_t n = 0;
  churn_status st = CHURN_OK;
  if (fv == NULL) {
    fv = churn__malloc_array((size_t)c->ncols, sizeof *fv);
    if (fv == NULL) return churn__nomem("CSV fields");
  }
  while (n < capacity && st == CHURN_OK) {
    char *line;
    size_t len;
    st = csv_next_line(c, &line, &len);
    if (st != CHURN_OK || line == NULL) break;
    if (blank(line)) continue;
    int64_t nf = csv_split(line, fv, c->ncols);
    if (nf != c->ncols) {
      st = churn__fail(CHURN_E_DATA, "%s: line %lld has %lld fields, the header has %lld",
                       c->path, (long long)c->line, (long long)nf, (long long)c->ncols);
      break;
    }
    for (int64_t j = 0; j < c->ncols && st == CHURN_OK; j++) {
      double v;
      if (!parse_number(fv[j], &v)) {
        st = churn__fail(CHURN_E_DATA, "%s: line %lld, column '%s': '%.40s' is not a number",
                         c->path, (long long)c->line, c->names[j], fv[j]);
      } else if (!churn__is_finite(v) || (c->role[j] == COL_LABEL && v != 0.0 && v != 1.0) ||
                 (c->role[j] == COL_WEIGHT && v < 0.0)) {
        st = churn__fail(CHURN_E_DATA, "%s: line %lld, column '%s': %s %g", c->path,
                         (long long)c->line, c->names[j],
                         c->role[j] == COL_LABEL    ? "labels must be 0 or 1, got"
                         : c->role[j] == COL_WEIGHT ? "weights must be finite and >= 0, got"
                                                    : "values must be finite, got",
                         v);
      } else if (c->role[j] == COL_LABEL) {
        y[n] = v;
      } else if (c->role[j] == COL_WEIGHT) {
        w[n] = v;
      } else {
        X[n * d + c->role[j]] = v;
      }
    }
    if (st == CHURN_OK) n++;
  }
  if (fv != fields) churn__free(fv);
  if (st == CHURN_OK) *nrows = n;
  return st;
}

static void csv_close(csv_source *c) {
  if (c->f) fclose(c->f);
  for (int64_t j = 0; c->names && j < c->ncols; j++) churn__free(c->names[j]);
  churn__free(c->names);
  churn__free(c->role);
  churn__free(c->buf);
}

/* Strips blanks and one pair of double quotes around a header name. */
static char *header_name(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    s++;
  }
  return s;
}

/* Reads the header and assigns each column its role. */
static churn_status csv_header(csv_source *c, const char *label, const char *weight,
                               int64_t *d) {
  char *line;
  size_t len;
  CHURN_TRY(csv_next_line(c, &line, &len));
  if (line == NULL) return churn__fail(CHURN_E_DATA, "%s: the file is empty", c->path);
  c->ncols = 1;
  for (size_t i = 0; i < len; i++) c->ncols += line[i] == ',';
  c->role = churn__calloc((size_t)c->ncols, sizeof *c->role);
  c->names = churn__calloc((size_t)c->ncols, sizeof *c->names);
  if (!c->role || !c->names) return churn__nomem("CSV header");
  char *p = line;
  int64_t nfeat = 0, have_label = 0, have_weight = 0;
  for (int64_t j = 0; j < c->ncols; j++) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    c->names[j] = churn__strdup(header_name(p));
    if (c->names[j] == NULL) return churn__nomem("CSV header");
    if (strcmp(c->names[j], label) == 0) {
      c->role[j] = COL_LABEL;
      have_label++;
    } else if (weight && strcmp(c->names[j], weight) == 0) {
      c->role[j] = COL_WEIGHT;
      have_weight++;
    } else {
      c->role[j] = nfeat++;
    }
    p = comma ? comma + 1 : p;
  }
  if (have_label != 1) {
    return churn__fail(CHURN_E_SCHEMA, "%s: the header has %s label column '%s'", c->path,
                       have_label ? "more than one" : "no", label);
  }
  if (weight && have_weight != 1) {
    return churn__fail(CHURN_E_SCHEMA, "%s: the header has %s weight column '%s'", c->path,
                       have_weight ? "more than one" : "no", weight);
  }
  *d = nfeat;
  c->data_start = ftell(c->f) - (long)(c->end - c->pos);
  return CHURN_OK;
}

/* The feature names in column order (pointers into c->names). */
static churn_status csv_feature_names(const csv_source *c, int64_t d, const char ***out) {
  const char **names = churn__malloc_array((size_t)d + 1, sizeof *names);
  if (names == NULL) return churn__nomem("feature names");
  for (int64_t j = 0; j < c->ncols; j++) {
    if (c->role[j] >= 0) names[c->role[j]] = c->names[j];
  }
  *out = names;
  return CHURN_OK;
}

CHURN_API churn_status churn_model_fit_csv(const char *path, const char *label_column,
                                           const char *weight_column, const churn_options *opts,
                                           churn_model **out) {
  static const char fn[] = "churn_model_fit_csv";
  CHURN_CHECK_ARG(path != NULL, "%s: path is NULL", fn);
  CHURN_CHECK_ARG(label_column != NULL, "%s: label_column is NULL", fn);
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  int64_t budget = 0;
  CHURN_TRY(memory_budget(opts, &budget));
  csv_source c;
  memset(&c, 0, sizeof c);
  c.path = path;
  c.cap = (size_t)(budget / 16 < (1 << 20) ? budget / 16 : (1 << 20));
  c.buf = churn__malloc(c.cap + 1); /* + 1: room for a NUL after a last line without newline */
  if (c.buf == NULL) return churn__nomem("CSV buffer");
  c.f = fopen(path, "rb");
  if (c.f == NULL) {
    churn_status st = churn__fail(CHURN_E_IO, "%s: cannot open %s: %s", fn, path,
                                  strerror(errno));
    csv_close(&c);
    return st;
  }
  int64_t d = 0;
  const char **names = NULL;
  churn_status st = csv_header(&c, label_column, weight_column, &d);
  if (st == CHURN_OK) st = csv_feature_names(&c, d, &names);
  if (st == CHURN_OK) {
    c.pass = -1; /* the first call rewinds to the data */
    st = fit_stream(d, names, csv_read, &c, weight_column != NULL, opts,
                    (int64_t)c.cap + c.ncols * 64, out);
  }
  churn__free(names);
  csv_close(&c);
  return churn__context(st, "%s", fn);
}
