/*
 * mapping_read.c -- churn_dataset_read_mapping: reads every export a mapping file names
 * (subscriber files first, then event files, each in the mapping's order), converting its text
 * to UTF-8, its dates and numbers by the mapping's formats, and its cancellation labels by
 * [reasons]; rows then go through the same validation as every other ingest path.  Returns a
 * per-file summary.  On failure the dataset is left as it was.
 */
#include "mapping.h"
#include "dataset.h"

#include <stdio.h>
#include <string.h>

/* Per-file state while reading. */
typedef struct mreader {
  churn_dataset *ds;
  const churn__ingest_cfg *cfg;
  const churn__mapping *m;
  const churn__mapfile *f;
  churn__recoded *rc;       /* the file's text in UTF-8 (its buffers serve every file) */
  churn__maprec r;
  size_t next_bad;          /* index into rc.bad of the next record's first bad byte */
  int64_t unmapped;         /* cancellation labels not in [reasons] nor a reason name */
} mreader;

static const churn__mapcol *col_of(const churn__mapfile *f, const char *key) {
  for (size_t j = 0; j < f->ncols; j++) {
    if (strcmp(f->cols[j].key, key) == 0) return &f->cols[j];
  }
  return NULL;
}

static churn__mapfield *field(mreader *mr, const churn__mapcol *c) {
  return c ? &mr->r.f[c->idx] : NULL;
}

static bool blank(const churn__mapfield *x) {
  for (size_t i = 0; i < x->len; i++) {
    if (x->p[i] != ' ' && x->p[i] != '\t') return false;
  }
  return true;
}

static churn_status reject(mreader *mr, int counter, const churn__mapcol *c, const char *fmt,
                           const char *a, const char *b) {
  return churn__report_reject(mr->ds, mr->cfg, (churn_ingest_counter)counter, mr->f->path,
                              mr->r.rec_line, c ? c->header : "", fmt, a, b);
}

/* Common checks of a record: bad bytes and field count.  *ok false after reporting. */
static churn_status check_record(mreader *mr, bool *ok) {
  *ok = false;
  const churn__maprec *r = &mr->r;
  if (r->nbad > 0) {
    int64_t off = mr->rc->bad[mr->next_bad];
    mr->next_bad += r->nbad;
    char what[96];
    snprintf(what, sizeof what, "invalid %s byte at file offset %lld", mr->f->iconv_name,
             (long long)off);
    const churn__mapcol *c = NULL; /* the mapped column holding it, if one does */
    for (size_t j = 0; j < mr->f->ncols && c == NULL && r->nf == mr->f->nheader; j++) {
      const churn__mapfield *x = &r->f[mr->f->cols[j].idx];
      if (memchr(x->p, 0xFF, x->len)) c = &mr->f->cols[j];
    }
    return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, c, "%s%s", what, "");
  }
  if (r->nf != mr->f->nheader) {
    char what[96];
    snprintf(what, sizeof what, "expected %zu fields, found %zu", mr->f->nheader, r->nf);
    return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, NULL, "%s%s", what, "");
  }
  /* the checks every CSV reader makes (csv_parse.c): no text after a closing quote, and
   * mapped fields in valid UTF-8 without NUL bytes (after recoding, a NUL is still a NUL) */
  if (r->junk >= 0) {
    const churn__mapcol *c = NULL;
    for (size_t j = 0; j < mr->f->ncols && c == NULL; j++) {
      if (mr->f->cols[j].idx == r->junk) c = &mr->f->cols[j];
    }
    char what[64];
    snprintf(what, sizeof what, "text after the closing quote of field %d", r->junk + 1);
    return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, c, "%s%s", what, "");
  }
  for (size_t j = 0; j < mr->f->ncols; j++) {
    const churn__mapcol *c = &mr->f->cols[j];
    char why[96];
    const char *bad = churn__csv_text_check(r->f[c->idx].p, r->f[c->idx].len, why, sizeof why);
    if (bad) return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, c, "%s%s", bad, "");
  }
  *ok = true;
  return CHURN_OK;
}

/* A date field by the column's format (else the file's); blank = none. */
static churn_status date_of(mreader *mr, const churn__mapcol *c, int64_t *t, bool *ok) {
  churn__mapfield *x = field(mr, c);
  *ok = true;
  *t = CHURN_TIME_NONE;
  if (x == NULL || blank(x)) return CHURN_OK;
  const char *fmt = c->format ? c->format : mr->f->date_format;
  if (churn__datefmt_parse(fmt, x->p, x->len, mr->f->utc_offset, t)) return CHURN_OK;
  *ok = false;
  return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, c, "date '%s' does not match format '%s'",
                x->p, fmt);
}

static churn_status number_of(mreader *mr, const churn__mapcol *c, double *v, bool *ok) {
  churn__mapfield *x = field(mr, c);
  *ok = churn__numfmt_parse(mr->f->has_numfmt ? &mr->f->numfmt : NULL, x->p, x->len, v);
  if (*ok) return CHURN_OK;
  return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, c, "not a number '%s'%s", x->p,
                mr->f->has_numfmt ? " in the number_format" : " (no number_format given)");
}

/* --- subscribers --------------------------------------------------------------------------- */

enum { S_ID, S_ACT, S_CANC, S_CEND, S_PEND, S_REGION, S_AGE, S_TIER, S_PKG, S_MGR, S_PRICE,
       S_SERVICES, S_VIP, S_N };
static const char *const S_NAMES[S_N] = {"subscriber_id", "activation", "cancellation",
                                         "contract_end", "promotion_end", "region", "age_band",
                                         "tier", "package", "manager", "price", "services", "vip"};

static bool parse_yes_no(const churn__mapfield *x, int64_t *v) {
  static const char *const YES[] = {"1", "true", "yes", "y", "\xE6\x98\xAF", NULL};  /* 是 */
  static const char *const NO[] = {"0", "false", "no", "n", "\xE5\x90\xA6", NULL};    /* 否 */
  for (int k = 0; YES[k]; k++) {
    if (strcmp(x->p, YES[k]) == 0) return *v = 1, true;
    if (strcmp(x->p, NO[k]) == 0) return *v = 0, true;
  }
  return false;
}

static churn_status read_subscribers(mreader *mr) {
  const churn__mapcol *mc[S_N];
  for (int k = 0; k < S_N; k++) mc[k] = col_of(mr->f, S_NAMES[k]);
  /* rows are at most the file's lines */
  int64_t cap = 1;
  for (const char *p = mr->r.pos; p < mr->r.end; p++) cap += *p == '\n';
  void *data[S_N] = {NULL};
  uint8_t *valid[S_N] = {NULL};
  int64_t *lines = churn__malloc_array((size_t)cap, sizeof *lines);
  churn_status st = lines ? CHURN_OK : churn__nomem("subscriber columns");
  for (int k = 0; st == CHURN_OK && k < S_N; k++) {
    if (!mc[k]) continue;
    data[k] = churn__malloc_array((size_t)cap, 8);
    valid[k] = churn__malloc_array((size_t)cap, 1);
    if (!data[k] || !valid[k]) st = churn__nomem("subscriber columns");
  }
  int64_t n = 0;
  while (st == CHURN_OK) {
    bool got, ok;
    st = churn__maprec_next(&mr->r, mr->f->path, &got);
    if (st != CHURN_OK || !got) break;
    st = check_record(mr, &ok);
    for (int k = 0; st == CHURN_OK && ok && k < S_N; k++) {
      if (!mc[k]) continue;
      churn__mapfield *x = field(mr, mc[k]);
      bool missing = blank(x);
      valid[k][n] = !missing;
      if (k == S_ID || (k >= S_REGION && k <= S_MGR)) {
        ((const char **)data[k])[n] = missing ? NULL : x->p;
      } else if (k <= S_PEND) {
        st = date_of(mr, mc[k], &((int64_t *)data[k])[n], &ok);
      } else if (k == S_PRICE) {
        ((double *)data[k])[n] = 0.0;
        if (!missing) st = number_of(mr, mc[k], &((double *)data[k])[n], &ok);
      } else {
        int64_t *v = &((int64_t *)data[k])[n];
        *v = 0;
        if (!missing && !(k == S_VIP ? parse_yes_no(x, v) : churn__parse_i64(x->p, x->len, v))) {
          ok = false;
          st = reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, mc[k], "not %s '%s'",
                      k == S_VIP ? "yes/no" : "an integer", x->p);
        }
      }
    }
    if (st == CHURN_OK && !ok) mr->ds->report.count[CHURN_COUNT_ROWS_READ]++;
    if (st == CHURN_OK && ok) lines[n++] = mr->r.rec_line;
  }
  if (st == CHURN_OK && n > 0) {
    churn_column cols[S_N];
    size_t nc = 0;
    for (int k = 0; k < S_N; k++) {
      if (!mc[k]) continue;
      churn_dtype t = (k == S_ID || (k >= S_REGION && k <= S_MGR)) ? CHURN_STR
                      : k == S_PRICE                                ? CHURN_F64
                                                                    : CHURN_I64;
      cols[nc++] = (churn_column){k == S_ID ? mr->cfg->id_column : S_NAMES[k], t, data[k], n,
                                  valid[k], 0};
    }
    st = churn__append_subscribers(mr->ds, cols, nc, mr->cfg, mr->f->path, lines);
  }
  for (int k = 0; k < S_N; k++) {
    churn__free(data[k]);
    churn__free(valid[k]);
  }
  churn__free(lines);
  return st;
}

/* --- events -------------------------------------------------------------------------------- */

/* A code field: a number 0..255, a fixed name, or a free-form label interned in the kind's
 * dictionary.  A cancellation (or request) label that is no reason name is kept as the CSV
 * readers keep it (churn__reason_label: reason unknown until the [reasons] map, applied once
 * every file is read, or the dataset's reason map gives it one; its label index in *label) and
 * counted per file when [reasons] does not name it. */
static churn_status code_of(mreader *mr, const churn__mapcol *c, bool code2, uint8_t *out,
                            int32_t *label, bool *ok) {
  churn__mapfield *x = field(mr, c);
  *ok = true;
  *out = 0;
  if (x == NULL || blank(x)) return CHURN_OK;
  int kind = mr->f->kind;
  int named;
  if (!code2 && churn__kind_has_reason(kind) && (unsigned)(x->p[0] - '0') >= 10u &&
      churn__event_code_by_name(kind, false, x->p, x->len, &named) == 0) {
    churn_status st = churn__reason_label(mr->ds, kind, x->p, x->len, out, label);
    if (st == CHURN_E_RANGE) {
      *ok = false;
      return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, c, "too many reason labels ('%s')%s",
                    x->p, "");
    }
    CHURN_TRY(st);
    bool listed = false;
    for (size_t i = 0; i < mr->m->nreasons && !listed; i++) {
      listed = strcmp(mr->m->reason_label[i], x->p) == 0;
    }
    if (!listed && *out == CHURN_REASON_UNKNOWN) mr->unmapped++;
    return CHURN_OK;
  }
  int64_t v;
  if ((unsigned)(x->p[0] - '0') < 10u && churn__parse_i64(x->p, x->len, &v)) {
    if (v >= 0 && v <= 255) {
      *out = (uint8_t)v;
      return CHURN_OK;
    }
  } else {
    int code = 0;
    int found = churn__event_code_by_name(kind, code2, x->p, x->len, &code);
    if (found == 1) {
      *out = (uint8_t)code;
      return CHURN_OK;
    }
    if (found == -1) {
      churn__dict *d;
      CHURN_TRY(churn__events_code_dict(&mr->ds->ev, kind, &d));
      int32_t cc;
      churn_status st = churn__dict_intern(d, x->p, x->len, 256, &cc, NULL);
      if (st == CHURN_E_NOMEM) return st;
      if (st == CHURN_OK) {
        *out = (uint8_t)cc;
        return CHURN_OK;
      }
    }
  }
  *ok = false;
  return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, c, "bad code '%s'%s", x->p, "");
}

enum { E_ID, E_TIME, E_VALUE, E_CODE, E_CODE2, E_AUX1, E_AUX2, E_DUE, E_CONTACT, E_FIXED,
       E_NEWPKG, E_N };
static const char *const E_NAMES[E_N] = {"subscriber_id", "time", "value", "code", "code2",
                                         "aux1", "aux2", "due_date", "first_contact",
                                         "fixed_at", "new_package"};

/* Parses one record into batch row i; *ok false (reported) when rejected before the checks
 * every ingest path shares. */
static churn_status parse_event(mreader *mr, const churn__mapcol *const *mc, churn__evbatch *b,
                                int64_t i, bool *ok) {
  int kind = mr->f->kind;
  b->kind[i] = (uint8_t)kind;
  b->flags[i] = 0;
  b->value[i] = 0.0;
  b->code[i] = b->code2[i] = 0;
  b->aux1[i] = b->aux2[i] = CHURN_AUX_NONE;
  CHURN_TRY(check_record(mr, ok));
  if (!*ok) return CHURN_OK;
  churn__mapfield *id = field(mr, mc[E_ID]);
  if (blank(id)) {
    *ok = false;
    return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, mc[E_ID], "missing subscriber id%s%s", "",
                  "");
  }
  CHURN_TRY(date_of(mr, mc[E_TIME], &b->time[i], ok));
  if (!*ok) return CHURN_OK;
  if (b->time[i] == CHURN_TIME_NONE) {
    *ok = false;
    return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, mc[E_TIME], "missing time%s%s", "", "");
  }
  if (mc[E_VALUE] && !blank(field(mr, mc[E_VALUE]))) {
    CHURN_TRY(number_of(mr, mc[E_VALUE], &b->value[i], ok));
    if (!*ok) return CHURN_OK;
  } else {
    b->flags[i] |= CHURN__ROW_NO_VALUE;
  }
  CHURN_TRY(code_of(mr, mc[E_CODE], false, &b->code[i], &b->aux1[i], ok));
  if (*ok) CHURN_TRY(code_of(mr, mc[E_CODE2], true, &b->code2[i], NULL, ok));
  for (int k = E_AUX1; *ok && k <= E_AUX2; k++) {
    churn__mapfield *x = field(mr, mc[k]);
    if (x == NULL || blank(x)) continue;
    int64_t v;
    if (!churn__parse_i64(x->p, x->len, &v) || v <= INT32_MIN || v > INT32_MAX) {
      *ok = false;
      return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, mc[k], "not an int32 '%s'%s", x->p, "");
    }
    (k == E_AUX1 ? b->aux1 : b->aux2)[i] = (int32_t)v;
  }
  /* dates that become durations after the event (churn.h, churn_event_kind) */
  int rel[2] = {-1, -1};
  if (kind == CHURN_EV_BILL) rel[0] = E_DUE;
  if (kind == CHURN_EV_FAULT) rel[0] = E_CONTACT, rel[1] = E_FIXED;
  for (int k = 0; *ok && k < 2; k++) {
    if (rel[k] < 0 || !mc[rel[k]]) continue;
    int64_t t;
    CHURN_TRY(date_of(mr, mc[rel[k]], &t, ok));
    if (!*ok || t == CHURN_TIME_NONE) continue;
    int64_t d = t - b->time[i];
    if (d <= INT32_MIN || d > INT32_MAX) {
      *ok = false;
      return reject(mr, CHURN_COUNT_REJECTED_BAD_VALUE, mc[rel[k]], "date '%s' too far from the "
                    "event's time%s", field(mr, mc[rel[k]])->p, "");
    }
    (k == 0 ? b->aux1 : b->aux2)[i] = (int32_t)d;
  }
  churn__mapfield *np = field(mr, mc[E_NEWPKG]);
  if (*ok && kind == CHURN_EV_PACKAGE_CHANGE && np && !blank(np)) {
    int32_t c;
    CHURN_TRY(churn__dict_intern(&mr->ds->subs.cat[CHURN__CAT_PACKAGE].dict, np->p, np->len,
                                 INT32_MAX - 1, &c, NULL));
    b->aux1[i] = c;
  }
  if (!*ok) return CHURN_OK;
  int32_t sub = churn__dict_find(&mr->ds->subs.ids, id->p, id->len);
  if (sub < 0) {
    CHURN_TRY(churn__resolve_subscriber(mr->ds, mr->cfg, id->p, id->len, mr->f->path,
                                        mc[E_ID]->header, mr->r.rec_line, &sub));
    if (sub < 0) {
      *ok = false;
      return CHURN_OK; /* rejected and reported */
    }
  }
  b->sub[i] = sub;
  return churn__check_event_row(mr->ds, b, i, mr->cfg, mr->f->path);
}

static churn_status read_events(mreader *mr) {
  const churn__mapcol *mc[E_N];
  for (int k = 0; k < E_N; k++) mc[k] = col_of(mr->f, E_NAMES[k]);
  churn__evbatch b;
  CHURN_TRY(churn__evbatch_init(&b));
  churn_status st = CHURN_OK;
  while (st == CHURN_OK) {
    bool got, ok;
    st = churn__maprec_next(&mr->r, mr->f->path, &got);
    if (st != CHURN_OK || !got) break;
    mr->ds->report.count[CHURN_COUNT_ROWS_READ]++;
    int64_t i = b.n++;
    b.row[i] = mr->r.rec_line;
    st = parse_event(mr, mc, &b, i, &ok);
    if (st == CHURN_OK && !ok) b.flags[i] |= CHURN__ROW_DEAD;
    if (st == CHURN_OK && b.n == CHURN__BATCH_ROWS) st = churn__append_event_batch(mr->ds, &b);
  }
  if (st == CHURN_OK) st = churn__append_event_batch(mr->ds, &b);
  churn__evbatch_free(&b);
  return st;
}

/* --- the call ------------------------------------------------------------------------------ */

typedef struct fsum {
  int64_t read, stored, rejected, unmapped, first_line;
  const char *first_column, *first_reason;
} fsum;

static churn_status read_file(churn_dataset *ds, const churn__ingest_cfg *cfg,
                              const churn__mapping *m, const churn__mapfile *f,
                              churn__recoded *text, fsum *sum) {
  mreader mr;
  memset(&mr, 0, sizeof mr);
  mr.rc = text;
  mr.ds = ds;
  mr.cfg = cfg;
  mr.m = m;
  mr.f = f;
  const churn__report *rep = &ds->report;
  int64_t r0 = rep->count[CHURN_COUNT_ROWS_READ], a0 = rep->count[CHURN_COUNT_ROWS_ACCEPTED],
          j0 = rep->count[CHURN_COUNT_REJECTED];
  size_t k0 = rep->nrej;
  CHURN_TRY(churn__recode_file_reuse(f->path, f->iconv_name, 0, text));
  mr.r = (churn__maprec){.pos = text->text, .end = text->text + text->len, .delim = f->delim,
                         .line = 1};
  bool got;
  churn_status st = churn__maprec_next(&mr.r, f->path, &got); /* the header */
  mr.next_bad = mr.r.nbad;
  if (st == CHURN_OK && got) st = f->kind ? read_events(&mr) : read_subscribers(&mr);
  churn__maprec_free(&mr.r);
  sum->read = rep->count[CHURN_COUNT_ROWS_READ] - r0;
  sum->stored = rep->count[CHURN_COUNT_ROWS_ACCEPTED] - a0;
  sum->rejected = rep->count[CHURN_COUNT_REJECTED] - j0;
  sum->unmapped = mr.unmapped;
  if (rep->nrej > k0) {
    sum->first_line = rep->rej[k0].row;
    sum->first_column = rep->rej[k0].column;
    sum->first_reason = rep->rej[k0].reason;
  } else {
    sum->first_line = 0;
    sum->first_column = sum->first_reason = "";
  }
  return st;
}

static churn_status summary_table(const churn__mapping *m, const size_t *order, const fsum *s,
                                  churn_table **out) {
  size_t n = m->nfiles;
  const char **sec = churn__malloc_array(n, sizeof *sec);
  const char **file = churn__malloc_array(n, sizeof *file);
  const char **col = churn__malloc_array(n, sizeof *col);
  const char **why = churn__malloc_array(n, sizeof *why);
  int64_t *num[5];
  for (int k = 0; k < 5; k++) num[k] = churn__malloc_array(n, sizeof(int64_t));
  bool ok = sec && file && col && why && num[0] && num[1] && num[2] && num[3] && num[4];
  if (ok) {
    for (size_t i = 0; i < n; i++) {
      const fsum *x = &s[i];
      sec[i] = m->files[order[i]].section;
      file[i] = m->files[order[i]].path;
      col[i] = x->first_column;
      why[i] = x->first_reason;
      num[0][i] = x->read;
      num[1][i] = x->stored;
      num[2][i] = x->rejected;
      num[3][i] = x->unmapped;
      num[4][i] = x->first_line;
    }
  }
  churn_status st;
  if (ok) {
    churn__col cols[] = {{"section", 's', sec},          {"file", 's', file},
                         {"rows_read", 'i', num[0]},     {"rows_stored", 'i', num[1]},
                         {"rows_rejected", 'i', num[2]}, {"unmapped_labels", 'i', num[3]},
                         {"first_rejected_line", 'i', num[4]},
                         {"first_rejected_column", 's', col},
                         {"first_rejected_reason", 's', why}};
    st = churn__table_from_cols((int64_t)n, cols, 9, out);
  } else {
    for (int k = 0; k < 5; k++) churn__free(num[k]);
    st = churn__nomem("mapping summary");
  }
  churn__free(sec);
  churn__free(file);
  churn__free(col);
  churn__free(why);
  return st;
}

CHURN_API churn_status churn_dataset_read_mapping(churn_dataset *ds, const char *path,
                                                  const churn_options *opts,
                                                  churn_table **summary) {
  CHURN_CHECK_ARG(ds != NULL && path != NULL,
                  "churn_dataset_read_mapping: ds and path must not be NULL");
  if (summary) *summary = NULL;
  churn__ingest_cfg cfg;
  CHURN_TRY(churn__ingest_cfg_read(opts, &cfg));
  churn__mapping m;
  CHURN_TRY(churn__mapping_load(path, &m));
  size_t *order = churn__malloc_array(m.nfiles, sizeof *order);
  fsum *sums = churn__calloc(m.nfiles ? m.nfiles : 1, sizeof *sums);
  churn__checkpoint cp;
  churn_status st = order && sums ? churn__checkpoint_take(ds, &cp) : churn__nomem("mapping");
  if (st != CHURN_OK) {
    churn__free(order);
    churn__free(sums);
    churn__mapping_free(&m);
    return st;
  }
  size_t k = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < m.nfiles; i++) {
      if ((m.files[i].kind == 0) == (pass == 0)) order[k++] = i;
    }
  }
  churn__recoded text;
  memset(&text, 0, sizeof text);
  for (size_t i = 0; st == CHURN_OK && i < m.nfiles; i++) {
    st = read_file(ds, &cfg, &m, &m.files[order[i]], &text, &sums[i]);
  }
  churn__recoded_free(&text);
  for (size_t i = 0; st == CHURN_OK && i < m.nreasons; i++) {
    st = churn__reason_map_add(ds, m.reason_label[i], strlen(m.reason_label[i]),
                               m.reason_target[i], strlen(m.reason_target[i]));
  }
  if (st == CHURN_OK && summary) st = summary_table(&m, order, sums, summary);
  if (st == CHURN_OK && m.has_offset) {
    ds->has_utc_offset = true;
    ds->utc_offset = m.utc_offset;
  }
  if (st != CHURN_OK) churn__checkpoint_restore(ds, &cp);
  churn__checkpoint_free(&cp);
  churn__free(order);
  churn__free(sums);
  churn__mapping_free(&m);
  return st;
}
