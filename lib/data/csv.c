/*
 * csv.c -- streaming CSV ingestion of subscriber and event exports.  The file is read in blocks
 * (CHURN_OPT_INGEST_BLOCK_SIZE) into one buffer; records are split in place (RFC 4180 quotes,
 * CRLF or LF), fields are parsed by hand (csv_parse.c) into batches that go through the same
 * validation as the column appends.  Memory is the block buffer, one batch and the result.
 * With CHURN_OPT_INGEST_THREADS > 1 an events file is parsed in blocks on several threads and
 * merged in file order (see "events on several threads"); memory is then 4 x threads blocks
 * (1 MiB each) and their parsed rows more.
 */
#include "dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include "common/parallel.h"

/* --- the record reader ------------------------------------------------------------------------- */

typedef struct csv_field {
  const char *p;
  size_t len;
  bool esc; /* quoted with "" escapes, collapsed once the record is complete */
  bool quoted;
} csv_field;

typedef struct csv_reader {
  const char *path;
  int fd;
  char *buf;
  size_t cap, len, pos; /* buf[pos, len) not yet parsed; buf[len] = '\0' sentinel */
  bool eof;
  char delim;
  uint8_t stop[256];    /* bytes that end an unquoted field */
  int64_t base;         /* file offset of buf[0] */
  int64_t limit;        /* no record starts at or past this file offset (a parallel block) */
  int64_t line;         /* 1-based line of the next record */
  int64_t rec_line;     /* line of the record just returned */
  csv_field *f;
  size_t nf, fcap;
  int junk;             /* the first field with text after its closing quote, -1 if none */
} csv_reader;

/* buf: a block buffer of cap + 1 bytes to use (and own), or NULL for a new one of block_size. */
static churn_status reader_open(csv_reader *r, const char *path, const churn__ingest_cfg *cfg,
                                char *buf, size_t cap) {
  memset(r, 0, sizeof *r);
  r->path = path;
  r->delim = cfg->delimiter;
  r->line = 1;
  r->limit = INT64_MAX;
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) return churn__fail(CHURN_E_IO, "cannot open '%s': %s", path, strerror(errno));
  r->cap = buf != NULL ? cap : (size_t)cfg->block_size;
  r->buf = buf != NULL ? buf : churn__malloc(r->cap + 1);
  if (r->buf == NULL) {
    close(r->fd);
    r->fd = -1;
    return churn__nomem("CSV block");
  }
  r->buf[0] = '\0';
  r->stop[(uint8_t)r->delim] = 1;
  r->stop['\n'] = r->stop['\r'] = r->stop[0] = 1;
  return CHURN_OK;
}

static void reader_close(csv_reader *r) {
  if (r->fd >= 0) close(r->fd);
  churn__free(r->buf);
  churn__free(r->f);
  r->fd = -1;
  r->buf = NULL;
  r->f = NULL;
}

/* Moves the unparsed tail to the front and reads more (growing the buffer when a single
 * record fills it). */
static churn_status refill(csv_reader *r) {
  size_t tail = r->len - r->pos;
  r->base += (int64_t)r->pos;
  if (r->pos > 0) memmove(r->buf, r->buf + r->pos, tail);
  r->pos = 0;
  r->len = tail;
  if (r->len == r->cap) {
    if (r->cap >= ((size_t)1 << 31)) {
      return churn__fail(CHURN_E_FORMAT, "%s: line %lld: a record longer than 2 GiB", r->path,
                         (long long)r->line);
    }
    char *nb = churn__realloc(r->buf, r->cap * 2 + 1);
    if (nb == NULL) return churn__nomem("CSV block");
    r->buf = nb;
    r->cap *= 2;
  }
  size_t stop_at = r->cap; /* a parallel block reads little past its limit */
  if (r->limit != INT64_MAX) {
    const int64_t left = r->limit - (r->base + (int64_t)r->len);
    const size_t want = (left > 0 ? (size_t)left : 0) + 4096;
    if (want < r->cap - r->len) stop_at = r->len + want;
  }
  while (r->len < stop_at) {
    ssize_t got = read(r->fd, r->buf + r->len, stop_at - r->len);
    if (got < 0) {
      if (errno == EINTR) continue;
      return churn__fail(CHURN_E_IO, "reading '%s': %s", r->path, strerror(errno));
    }
    if (got == 0) {
      r->eof = true;
      break;
    }
    r->len += (size_t)got;
    if (r->len - tail >= r->cap / 2) break; /* enough for now */
    if (r->len >= stop_at) break;
  }
  r->buf[r->len] = '\0';
  return CHURN_OK;
}

static bool push_field(csv_reader *r, const char *p, size_t len, bool quoted) {
  if (r->nf == r->fcap && !churn__grow((void **)&r->f, &r->fcap, r->nf + 1, sizeof *r->f)) {
    return false;
  }
  if (!quoted) { /* unquoted edge blanks are padding: " region" is region, "S1 " is S1 */
    while (len > 0 && (*p == ' ' || *p == '\t')) p++, len--;
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
  }
  r->f[r->nf].p = p;
  r->f[r->nf].len = len;
  r->f[r->nf].esc = false;
  r->f[r->nf].quoted = quoted;
  r->nf++;
  return true;
}

/* Collapses "" to " in a quoted field (in place: the result is shorter). */
static size_t unescape_quotes(char *p, size_t len) {
  size_t k = 0;
  for (size_t i = 0; i < len; i++) {
    p[k++] = p[i];
    if (p[i] == '"' && i + 1 < len && p[i + 1] == '"') i++;
  }
  return k;
}

enum { REC_OK = 1, REC_MORE = 0, REC_END = 2, REC_NOMEM = -1, REC_QUOTE = -2 };

/* Splits one record starting at pos. */
static int split_record(csv_reader *r, int64_t *newlines) {
  char *p = r->buf + r->pos, *end = r->buf + r->len;
  const char delim = r->delim;
  r->nf = 0;
  r->junk = -1;
  *newlines = 0;
  bool escapes = false; /* the buffer is changed only once the record is complete */
  for (;;) {
    if (p < end && *p == '"') {
      char *start = ++p;
      bool esc = false;
      for (;;) {
        char *q = memchr(p, '"', (size_t)(end - p));
        if (q == NULL) return r->eof ? REC_QUOTE : REC_MORE;
        if (q + 1 == end && !r->eof) return REC_MORE;
        if (q + 1 < end && q[1] == '"') {
          esc = true;
          p = q + 2;
          continue;
        }
        for (char *c = start; (c = memchr(c, '\n', (size_t)(q - c))) != NULL; c++) (*newlines)++;
        if (!push_field(r, start, (size_t)(q - start), true)) return REC_NOMEM;
        if (esc) {
          r->f[r->nf - 1].esc = true;
          escapes = true;
        }
        p = q + 1;
        break;
      }
      /* "12"5: text between the closing quote and the separator makes the row bad (blanks
       * are allowed); the record is still split to its end so that the next one is found */
      while (p < end && (!r->stop[(uint8_t)*p] || *p == '\0')) { /* a NUL is junk too */
        if (*p != ' ' && *p != '\t' && r->junk < 0) r->junk = (int)r->nf - 1;
        p++;
      }
    } else {
      char *start = p;
      for (;;) {
        while (!r->stop[(uint8_t)*p]) p++;
        if (*p == '\0' && p < end) {
          p++;
          continue;
        }
        break;
      }
      if (!push_field(r, start, (size_t)(p - start), false)) return REC_NOMEM;
    }
    if (p == end) {
      if (!r->eof) return REC_MORE;
      r->pos = r->len;
      break;
    }
    char c = *p++;
    if (c == delim) continue;
    if (c == '\r') {
      if (p == end && !r->eof) return REC_MORE;
      if (p < end && *p == '\n') p++;
    }
    r->pos = (size_t)(p - r->buf);
    break;
  }
  for (size_t j = 0; escapes && j < r->nf; j++) {
    if (r->f[j].esc) r->f[j].len = unescape_quotes((char *)r->f[j].p, r->f[j].len);
  }
  return REC_OK;
}

/* The next record's fields in r->f[0..nf); REC_END at the end of the file. */
static churn_status next_record(csv_reader *r, bool *got) {
  for (;;) {
    if (r->base + (int64_t)r->pos >= r->limit) { /* the next record belongs to the next block */
      *got = false;
      return CHURN_OK;
    }
    if (r->pos == r->len) {
      if (r->eof) {
        *got = false;
        return CHURN_OK;
      }
      CHURN_TRY(refill(r));
      continue;
    }
    int64_t nl;
    size_t pos0 = r->pos;
    int rc = split_record(r, &nl);
    if (rc == REC_MORE) {
      r->pos = pos0;
      CHURN_TRY(refill(r));
      continue;
    }
    if (rc == REC_NOMEM) return churn__nomem("CSV fields");
    if (rc == REC_QUOTE) {
      return churn__fail(CHURN_E_FORMAT, "%s: line %lld: unterminated quoted field", r->path,
                         (long long)r->line);
    }
    r->rec_line = r->line;
    r->line += 1 + nl;
    if (r->nf == 1 && r->f[0].len == 0 && !r->f[0].quoted) continue; /* blank line */
    *got = true;
    return CHURN_OK;
  }
}

/* Reads the header; *n receives the number of columns. */
static churn_status read_header(csv_reader *r) {
  CHURN_TRY(refill(r));
  const unsigned char *b = (const unsigned char *)r->buf;
  if (r->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
    return churn__fail(CHURN_E_FORMAT, "%s: the file is UTF-16 (byte order mark %02X %02X): "
                       "convert it to UTF-8", r->path, b[0], b[1]);
  }
  /* a UTF-8 byte order mark goes before the record is split, so a quoted first name works */
  if (r->len >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
  bool got;
  CHURN_TRY(next_record(r, &got));
  if (!got) return churn__fail(CHURN_E_FORMAT, "%s: empty file (no header line)", r->path);
  for (size_t j = 0; j < r->nf; j++) {
    char why[96];
    if (churn__csv_text_check(r->f[j].p, r->f[j].len, why, sizeof why)) {
      bool nul = memchr(r->f[j].p, 0, r->f[j].len) != NULL;
      return churn__fail(CHURN_E_FORMAT, "%s: line 1: header column %zu: %s%s", r->path, j + 1,
                         why, nul ? " (is the file UTF-16?)" : "");
    }
  }
  if (r->junk >= 0) {
    return churn__fail(CHURN_E_FORMAT, "%s: line 1: text after the closing quote of header "
                       "column %d", r->path, r->junk + 1);
  }
  return CHURN_OK;
}

/* The header names must differ (a repeated name would leave one column silently unread). */
static churn_status check_unique(const char *path, char **names, size_t n) {
  /* wide headers: names are looked up in a hash dictionary, so the cost stays linear */
  const bool wide = n > CHURN__NAME_SCAN_MAX;
  size_t dup = SIZE_MAX;
  if (wide) CHURN_TRY(churn__first_repeat(names, sizeof *names, n, &dup));
  for (size_t j = 0; !wide && dup == SIZE_MAX && j < n; j++) {
    for (size_t k = 0; k < j; k++) {
      if (strcmp(names[j], names[k]) == 0) dup = j;
    }
  }
  if (dup != SIZE_MAX) {
    return churn__fail(CHURN_E_SCHEMA, "%s: line 1: column '%s' appears twice", path, names[dup]);
  }
  return CHURN_OK;
}

static int header_find(const csv_field *h, size_t n, const char *name) {
  size_t len = strlen(name);
  for (size_t j = 0; j < n; j++) {
    if (h[j].len == len && memcmp(h[j].p, name, len) == 0) return (int)j;
  }
  return -1;
}

/* A copy of the header names (they live in the block buffer, which moves). */
static churn_status copy_header(const csv_reader *r, char ***names) {
  char **h = churn__calloc(r->nf, sizeof *h);
  if (h == NULL) return churn__nomem("CSV header");
  for (size_t j = 0; j < r->nf; j++) {
    h[j] = churn__malloc(r->f[j].len + 1);
    if (h[j] == NULL) {
      for (size_t k = 0; k < j; k++) churn__free(h[k]);
      churn__free(h);
      return churn__nomem("CSV header");
    }
    memcpy(h[j], r->f[j].p, r->f[j].len);
    h[j][r->f[j].len] = '\0';
  }
  *names = h;
  return CHURN_OK;
}

static void free_header(char **h, size_t n) {
  if (h == NULL) return;
  for (size_t j = 0; j < n; j++) churn__free(h[j]);
  churn__free(h);
}

static bool blank(const csv_field *f) {
  for (size_t i = 0; i < f->len; i++) {
    if (f->p[i] != ' ' && f->p[i] != '\t') return false;
  }
  return true;
}


/* --- events --------------------------------------------------------------------------------------- */

/* Events are read in batches of CHURN__BATCH_ROWS rows and two passes.  Pass 1 parses every
 * field except the subscriber id, which it copies aside with its hash; a bad field marks the row
 * dead and records the rejection for later.  Pass 2 walks the rows in order: it reports the
 * recorded rejections, resolves the ids through the id dictionary with software prefetching
 * (the slot D rows ahead, the label and activation date D/2 rows ahead: a large subscriber
 * table misses the cache on every lookup, and this hides most of it), then validates the row.
 * Rejections are therefore reported in line order, as a one-pass reader would. */

enum { E_ID, E_TIME, E_KIND, E_VALUE, E_CODE, E_CODE2, E_AUX1, E_AUX2, E_DUE, E_CONTACT, E_FIXED,
       E_NEWPKG, E_N };

#define PREFETCH_D 16

typedef struct deferred {
  int64_t r;          /* batch row */
  int counter;
  const char *column; /* a header name */
  size_t reason;      /* offset in ep->text */
} deferred;

/* A free-form code label (or a new package name) met by a parallel parse: the dictionaries are
 * shared, so it is interned later, in file order, by apply_pending. */
typedef struct pending {
  int64_t r;       /* batch row */
  int k;           /* E_CODE, E_CODE2 or E_NEWPKG */
  int kind;
  size_t off, len; /* the label's bytes in ep->text */
} pending;

typedef struct ev_parser {
  churn_dataset *ds;
  const churn__ingest_cfg *cfg;
  const char *path;
  int col[E_N];         /* header index of each known column, -1 if absent */
  char **names;         /* header names */
  size_t ncols;
  char last_kind[32];   /* one-entry cache: consecutive rows often repeat the kind */
  size_t last_kind_len;
  int last_kind_code;
  /* per batch row: the id's bytes in ids[id_off[r], id_off[r] + id_len[r]), its hash */
  char *ids;
  size_t ids_len, ids_cap;
  size_t *id_off;
  uint32_t *id_len;
  uint64_t *hash;
  deferred *def;        /* recorded rejections, in row order */
  size_t ndef, def_cap;
  char *text;           /* their reasons */
  size_t text_len, text_cap;
  struct {              /* a small cache of free-form code labels (genres...) -> codes */
    uint8_t kind, len, code;
    char s[29];
  } labels[64];
  bool defer_labels;    /* a parallel block: labels go to pend instead of the dictionaries */
  bool hashed;          /* hash[] already holds the ids' hashes (a parallel block) */
  int64_t cur_row;      /* the batch row parse_event is on */
  pending *pend;
  size_t npend, pend_cap;
} ev_parser;

static churn_status ev_parser_init(ev_parser *ep) {
  ep->id_off = churn__malloc_array(CHURN__BATCH_ROWS, sizeof *ep->id_off);
  ep->id_len = churn__malloc_array(CHURN__BATCH_ROWS, sizeof *ep->id_len);
  ep->hash = churn__malloc_array(CHURN__BATCH_ROWS, sizeof *ep->hash);
  if (!ep->id_off || !ep->id_len || !ep->hash) return churn__nomem("CSV batch");
  return CHURN_OK;
}

static void ev_parser_free(ev_parser *ep) {
  churn__free(ep->ids);
  churn__free(ep->id_off);
  churn__free(ep->id_len);
  churn__free(ep->hash);
  churn__free(ep->def);
  churn__free(ep->text);
  churn__free(ep->pend);
  free_header(ep->names, ep->ncols);
}

/* Records a label for apply_pending (its bytes go to ep->text). */
static churn_status add_pending(ev_parser *ep, int k, int kind, const csv_field *f) {
  if (!churn__grow((void **)&ep->pend, &ep->pend_cap, ep->npend + 1, sizeof *ep->pend) ||
      !churn__grow((void **)&ep->text, &ep->text_cap, ep->text_len + f->len + 1, 1)) {
    return churn__nomem("CSV labels");
  }
  memcpy(ep->text + ep->text_len, f->p, f->len);
  ep->text[ep->text_len + f->len] = '\0';
  ep->pend[ep->npend++] = (pending){ep->cur_row, k, kind, ep->text_len, f->len};
  ep->text_len += f->len + 1;
  return CHURN_OK;
}

/* Marks row r dead and records why, to be reported in pass 2. */
static churn_status defer(ev_parser *ep, churn__evbatch *b, int64_t r, int counter,
                          const char *column, const char *what, const csv_field *f) {
  b->flags[r] = CHURN__ROW_DEAD;
  char reason[256], shown[80];
  if (f) churn__csv_show(f->p, f->len, shown, sizeof shown);
  int n = f ? snprintf(reason, sizeof reason, "%s '%s'", what, shown)
            : snprintf(reason, sizeof reason, "%s", what);
  size_t len = n < 0 ? 0 : (size_t)n >= sizeof reason ? sizeof reason - 1 : (size_t)n;
  if (!churn__grow((void **)&ep->def, &ep->def_cap, ep->ndef + 1, sizeof *ep->def) ||
      !churn__grow((void **)&ep->text, &ep->text_cap, ep->text_len + len + 1, 1)) {
    return churn__nomem("CSV rejections");
  }
  memcpy(ep->text + ep->text_len, reason, len);
  ep->text[ep->text_len + len] = '\0';
  ep->def[ep->ndef++] = (deferred){r, counter, column, ep->text_len};
  ep->text_len += len + 1;
  return CHURN_OK;
}

static churn_status ev_reject(ev_parser *ep, churn__evbatch *b, int64_t r, int counter,
                              int col, const char *what, const csv_field *f) {
  return defer(ep, b, r, counter, ep->names[ep->col[col]], what, f);
}

static int kind_of(ev_parser *ep, const csv_field *f) {
  if (f->len == ep->last_kind_len && memcmp(f->p, ep->last_kind, f->len) == 0) {
    return ep->last_kind_code;
  }
  int k = 0;
  int64_t v;
  if (f->len > 0 && (unsigned)(f->p[0] - '0') < 10u) {
    k = churn__parse_i64(f->p, f->len, &v) && v >= 1 && v <= CHURN__MAX_KIND ? (int)v : 0;
  } else {
    k = churn__event_kind_by_name(f->p, f->len);
  }
  if (f->len < sizeof ep->last_kind) {
    memcpy(ep->last_kind, f->p, f->len);
    ep->last_kind_len = f->len;
    ep->last_kind_code = k;
  }
  return k;
}

/* A free-form label of len > 0 bytes into the kind's dictionary; *ok false when it is full. */
static churn_status intern_label(ev_parser *ep, int kind, const char *p, size_t len,
                                 uint8_t *out, bool *ok) {
  /* labels never change code once interned, so a cached (kind, label) -> code stays right */
  size_t slot = ((size_t)kind * 31 + len * 7 + (uint8_t)p[0] + (uint8_t)p[len - 1]) & 63;
  if (ep->labels[slot].kind == kind && ep->labels[slot].len == len &&
      memcmp(ep->labels[slot].s, p, len) == 0) {
    *out = ep->labels[slot].code;
    *ok = true;
    return CHURN_OK;
  }
  churn__dict *d;
  CHURN_TRY(churn__events_code_dict(&ep->ds->ev, kind, &d));
  int32_t c;
  churn_status st = churn__dict_intern(d, p, len, 256, &c, NULL);
  if (st == CHURN_E_NOMEM) return st;
  *ok = st == CHURN_OK;
  *out = (uint8_t)c;
  if (*ok && len < sizeof ep->labels[slot].s) {
    ep->labels[slot].kind = (uint8_t)kind;
    ep->labels[slot].len = (uint8_t)len;
    ep->labels[slot].code = (uint8_t)c;
    memcpy(ep->labels[slot].s, p, len);
  }
  return CHURN_OK;
}

/* A code column: a number 0..255 or a name; *ok false when bad. */
static churn_status parse_code(ev_parser *ep, int kind, bool code2, const csv_field *f,
                               uint8_t *out, bool *ok) {
  *ok = true;
  if (f->len == 0) {
    *out = 0;
    return CHURN_OK;
  }
  int64_t v;
  if ((unsigned)(f->p[0] - '0') < 10u && churn__parse_code_number(f->p, f->len, &v)) {
    /* a kind with fixed names takes only their numbers: cancel code 99 is as bad as an
     * unknown reason name */
    int count = churn__event_code_count(kind, code2);
    *ok = v >= 0 && v <= 255 && (count < 0 || v < count);
    *out = (uint8_t)v;
    return CHURN_OK;
  }
  char why[96];
  if (churn__csv_text_check(f->p, f->len, why, sizeof why)) {
    *ok = false;
    return CHURN_OK;
  }
  int code = 0;
  int found = churn__event_code_by_name(kind, code2, f->p, f->len, &code);
  if (found == 1) {
    *out = (uint8_t)code;
    return CHURN_OK;
  }
  if (found == 0) {
    *ok = false;
    return CHURN_OK;
  }
  if (ep->defer_labels) {
    *out = 0;
    return add_pending(ep, code2 ? E_CODE2 : E_CODE, kind, f);
  }
  return intern_label(ep, kind, f->p, f->len, out, ok);
}

/* A date column relative to the event time into an int32 aux; false when bad. */
static bool rel_time(const csv_field *f, int64_t t, bool unix_times, int32_t *out) {
  if (blank(f)) return true;
  int64_t v;
  if (!churn__parse_time(f->p, f->len, unix_times, &v)) return false;
  int64_t d = v - t;
  if (d <= INT32_MIN || d > INT32_MAX) return false;
  *out = (int32_t)d;
  return true;
}

/* Pass 1 for one record: every field but the subscriber, into batch row r. */
static churn_status parse_event(ev_parser *ep, const csv_field *f, churn__evbatch *b,
                                int64_t r) {
  b->flags[r] = 0;
  ep->cur_row = r;
  const csv_field *id = &f[ep->col[E_ID]];
  if (id->len == 0) {
    return defer(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, ep->names[ep->col[E_ID]],
                 "missing subscriber id", NULL);
  }
  char why[96];
  if (churn__csv_text_check(id->p, id->len, why, sizeof why)) {
    return defer(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, ep->names[ep->col[E_ID]], why, NULL);
  }
  if (id->len > UINT32_MAX ||
      !churn__grow((void **)&ep->ids, &ep->ids_cap, ep->ids_len + id->len, 1)) {
    return churn__nomem("CSV ids");
  }
  memcpy(ep->ids + ep->ids_len, id->p, id->len);
  ep->id_off[r] = ep->ids_len;
  ep->id_len[r] = (uint32_t)id->len;
  ep->ids_len += id->len;
  const csv_field *ft = &f[ep->col[E_TIME]];
  if (!churn__parse_time(ft->p, ft->len, ep->cfg->unix_times, &b->time[r])) {
    return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, E_TIME, "bad time", ft);
  }
  const csv_field *fk = &f[ep->col[E_KIND]];
  int kind = kind_of(ep, fk);
  if (kind == 0) {
    return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, E_KIND, "unknown event kind", fk);
  }
  b->kind[r] = (uint8_t)kind;
  b->value[r] = 0.0;
  if (ep->col[E_VALUE] >= 0 && f[ep->col[E_VALUE]].len > 0 && !blank(&f[ep->col[E_VALUE]])) {
    const csv_field *fv = &f[ep->col[E_VALUE]];
    if (!churn__parse_f64(fv->p, fv->len, &b->value[r])) {
      return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, E_VALUE, "not a number", fv);
    }
  } else {
    b->flags[r] |= CHURN__ROW_NO_VALUE;
  }
  b->code[r] = b->code2[r] = 0;
  b->aux1[r] = b->aux2[r] = CHURN_AUX_NONE;
  for (int k = E_CODE; k <= E_CODE2; k++) {
    if (ep->col[k] < 0) continue;
    const csv_field *fc = &f[ep->col[k]];
    int named;
    if (k == E_CODE && churn__kind_has_reason(kind) && fc->len > 0 &&
        (unsigned)(fc->p[0] - '0') >= 10u &&
        churn__event_code_by_name(kind, false, fc->p, fc->len, &named) == 0) {
      /* an operator's own reason label: the churn is kept, the label stored (reason_map.c) */
      churn_status st = churn__reason_label(ep->ds, kind, fc->p, fc->len, &b->code[r], &b->aux1[r]);
      if (st == CHURN_E_RANGE) {
        return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, k, "too many reason labels",
                         fc);
      }
      CHURN_TRY(st);
      continue;
    }
    bool ok;
    CHURN_TRY(parse_code(ep, kind, k == E_CODE2, &f[ep->col[k]],
                         k == E_CODE ? &b->code[r] : &b->code2[r], &ok));
    if (!ok) {
      const csv_field *fc = &f[ep->col[k]];
      char why[96];
      if (churn__csv_text_check(fc->p, fc->len, why, sizeof why)) {
        return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, k, why, NULL);
      }
      return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, k, "bad code", fc);
    }
  }
  for (int k = E_AUX1; k <= E_AUX2; k++) {
    if (ep->col[k] < 0 || blank(&f[ep->col[k]])) continue;
    int64_t v;
    const csv_field *fa = &f[ep->col[k]];
    if (!churn__parse_i64(fa->p, fa->len, &v) || v <= INT32_MIN || v > INT32_MAX) {
      return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, k, "not an int32", fa);
    }
    (k == E_AUX1 ? b->aux1 : b->aux2)[r] = (int32_t)v;
  }
  if (kind == CHURN_EV_BILL && ep->col[E_DUE] >= 0 &&
      !rel_time(&f[ep->col[E_DUE]], b->time[r], ep->cfg->unix_times, &b->aux1[r])) {
    return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, E_DUE, "bad date",
                     &f[ep->col[E_DUE]]);
  }
  if (kind == CHURN_EV_FAULT) {
    for (int k = E_CONTACT; k <= E_FIXED; k++) {
      if (ep->col[k] >= 0 &&
          !rel_time(&f[ep->col[k]], b->time[r], ep->cfg->unix_times,
                    k == E_CONTACT ? &b->aux1[r] : &b->aux2[r])) {
        return ev_reject(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, k, "bad date",
                         &f[ep->col[k]]);
      }
    }
  }
  if (kind == CHURN_EV_PACKAGE_CHANGE && ep->col[E_NEWPKG] >= 0 &&
      !blank(&f[ep->col[E_NEWPKG]])) {
    const csv_field *fp = &f[ep->col[E_NEWPKG]];
    if (churn__csv_text_check(fp->p, fp->len, why, sizeof why)) {
      return defer(ep, b, r, CHURN_COUNT_REJECTED_BAD_VALUE, ep->names[ep->col[E_NEWPKG]], why,
                   NULL);
    }
    if (ep->defer_labels) return add_pending(ep, E_NEWPKG, kind, fp);
    int32_t c;
    CHURN_TRY(churn__dict_intern(&ep->ds->subs.cat[CHURN__CAT_PACKAGE].dict, fp->p, fp->len,
                                 INT32_MAX - 1, &c, NULL));
    b->aux1[r] = c;
  }
  return CHURN_OK;
}

/* Pass 2, for row r once its slot and label are (probably) cached. */
static churn_status finish_event(ev_parser *ep, churn__evbatch *b, int64_t r, size_t *next_def) {
  churn_dataset *ds = ep->ds;
  while (*next_def < ep->ndef && ep->def[*next_def].r == r) {
    const deferred *d = &ep->def[(*next_def)++];
    CHURN_TRY(churn__report_reject(ds, ep->cfg, (churn_ingest_counter)d->counter, ep->path,
                                   b->row[r], d->column, "%s", ep->text + d->reason));
  }
  if (b->flags[r] & CHURN__ROW_DEAD) return CHURN_OK;
  const char *id = ep->ids + ep->id_off[r];
  size_t len = ep->id_len[r];
  int32_t sub = churn__dict_find_hashed(&ds->subs.ids, id, len, ep->hash[r]);
  if (sub < 0) {
    CHURN_TRY(churn__resolve_subscriber(ds, ep->cfg, id, len, ep->path, ep->names[ep->col[E_ID]],
                                        b->row[r], &sub));
    if (sub < 0) {
      b->flags[r] = CHURN__ROW_DEAD;
      return CHURN_OK;
    }
  }
  b->sub[r] = sub;
  return churn__check_event_row(ds, b, r, ep->cfg, ep->path);
}

static void hash_ids(ev_parser *ep, const churn__evbatch *b) {
  for (int64_t r = 0; r < b->n; r++) {
    ep->hash[r] = b->flags[r] & CHURN__ROW_DEAD
                      ? 0
                      : churn__hash_bytes(ep->ids + ep->id_off[r], ep->id_len[r]);
  }
}

static churn_status resolve_batch(ev_parser *ep, churn__evbatch *b) {
  const churn__dict *ids = &ep->ds->subs.ids;
  const int64_t *act = ep->ds->subs.activation;
  int64_t n = b->n;
  if (!ep->hashed) hash_ids(ep, b);
  size_t next_def = 0;
  for (int64_t i = 0; i < n + 2 * PREFETCH_D; i++) {
    if (i < n && !(b->flags[i] & CHURN__ROW_DEAD)) churn__dict_prefetch(ids, ep->hash[i]);
    int64_t j = i - PREFETCH_D;
    if (j >= 0 && j < n && !(b->flags[j] & CHURN__ROW_DEAD)) {
      const char *label;
      int32_t c = churn__dict_candidate(ids, ep->hash[j], &label);
      if (c >= 0) {
        __builtin_prefetch(label);
        __builtin_prefetch(&act[c]);
      }
    }
    j = i - 2 * PREFETCH_D;
    if (j >= 0 && j < n) {
      CHURN_TRY(finish_event(ep, b, j, &next_def));
      /* creating a subscriber may move the id dictionary's arrays */
      ids = &ep->ds->subs.ids;
      act = ep->ds->subs.activation;
    }
  }
  ep->ndef = 0;
  ep->text_len = 0;
  ep->ids_len = 0;
  return churn__append_event_batch(ep->ds, b);
}

static churn_status map_event_header(ev_parser *ep, const csv_reader *r) {
  static const char *const names[E_N] = {NULL,       "time",    "kind",         "value",
                                         "code",     "code2",   "aux1",         "aux2",
                                         "due_date", "first_contact", "fixed_at", "new_package"};
  ep->ncols = r->nf;
  CHURN_TRY(copy_header(r, &ep->names));
  CHURN_TRY(check_unique(ep->path, ep->names, ep->ncols));
  for (int k = 0; k < E_N; k++) {
    ep->col[k] = header_find(r->f, r->nf, k == E_ID ? ep->cfg->id_column : names[k]);
  }
  int amount = header_find(r->f, r->nf, "amount");
  if (ep->col[E_VALUE] >= 0 && amount >= 0) {
    return churn__fail(CHURN_E_SCHEMA, "%s: line 1: columns 'value' and 'amount' are the same "
                       "column ('amount' is another name of 'value'): give one", ep->path);
  }
  if (ep->col[E_VALUE] < 0) ep->col[E_VALUE] = amount;
  /* a column the reader does not know ("reason", "Code") would be dropped without a word:
   * each is reported in the ingest report (row 1, not counted as a rejected row); past the
   * fifth, one entry counts the rest, so that the report keeps room for rejected rows */
  size_t ignored = 0;
  for (size_t j = 0; j < ep->ncols; j++) {
    bool known = false;
    for (int k = 0; k < E_N && !known; k++) known = ep->col[k] == (int)j;
    if (known || ++ignored > 5) continue;
    const char *hint = NULL;
    for (int k = 1; k < E_N && !hint; k++) {
      if (strcasecmp(ep->names[j], names[k]) == 0) hint = names[k];
    }
    if (!hint && strcasecmp(ep->names[j], ep->cfg->id_column) == 0) hint = ep->cfg->id_column;
    CHURN_TRY(churn__report_note(ep->ds, ep->cfg, ep->path, 1, ep->names[j],
                                 "not an events column: ignored%s%s%s", hint ? " (did you mean '" : "",
                                 hint ? hint : "", hint ? "'?)" : ""));
  }
  if (ignored > 5) {
    CHURN_TRY(churn__report_note(ep->ds, ep->cfg, ep->path, 1, "",
                                 "%zu more columns that are not events columns: ignored",
                                 ignored - 5));
  }
  const char *missing = ep->col[E_ID] < 0 ? ep->cfg->id_column
                        : ep->col[E_TIME] < 0 ? "time"
                        : ep->col[E_KIND] < 0 ? "kind" : NULL;
  if (missing) {
    return churn__fail(CHURN_E_SCHEMA, "%s: line 1: no column '%s' in the header", ep->path,
                       missing);
  }
  return CHURN_OK;
}

/* Pass 1 for the record r just read, into the next row of b. */
static churn_status take_record(ev_parser *ep, churn__evbatch *b, const csv_reader *r) {
  int64_t row = b->n++;
  b->row[row] = r->rec_line;
  if (r->nf != ep->ncols) {
    char why[64];
    snprintf(why, sizeof why, "expected %zu fields, found %zu", ep->ncols, r->nf);
    return defer(ep, b, row, CHURN_COUNT_REJECTED_BAD_VALUE, "", why, NULL);
  }
  if (r->junk >= 0) {
    return defer(ep, b, row, CHURN_COUNT_REJECTED_BAD_VALUE, ep->names[r->junk],
                 "text after the closing quote", NULL);
  }
  return parse_event(ep, r->f, b, row);
}

/* --- events on several threads ----------------------------------------------------------------- */

/* With CHURN_OPT_INGEST_THREADS > 1 the data lines are cut into blocks of about 1 MiB (block_size
 * if smaller), each starting after a line break.  Threads run pass 1 on whole blocks (their own
 * reader and parser; labels are left pending since the dictionaries are shared, the ids are
 * hashed there too), counting lines from 1.
 * The calling thread then takes the blocks in file order: a block is used only if it starts
 * where the previous one ended (a cut inside a quoted field holding a line break breaks that,
 * and so does a failed parse); otherwise it is parsed again, on the calling thread, from where
 * the previous one ended with the true line number.  Its rows get their true line numbers, its
 * labels are interned and pass 2 runs as in the one-thread reader, so every report, count and
 * dictionary code is that of one thread.  While the calling thread merges one round of blocks,
 * the threads parse the next round. */

/* Moves a row's rejection to the label the dictionary refused (the one-thread reader stops at
 * that column, before any later one): replaces the row's recorded rejection or adds one. */
static churn_status refuse_label(ev_parser *ep, churn__evbatch *b, const pending *p) {
  const size_t n0 = ep->ndef;
  const csv_field f = {ep->text + p->off, p->len, false, true};
  CHURN_TRY(ev_reject(ep, b, p->r, CHURN_COUNT_REJECTED_BAD_VALUE, p->k, "bad code", &f));
  const deferred d = ep->def[n0];
  size_t i = n0;
  while (i > 0 && ep->def[i - 1].r >= p->r) i--; /* rejections are few and in row order */
  if (i < n0 && ep->def[i].r == p->r) {
    ep->def[i] = d;
    ep->ndef = n0;
  } else {
    memmove(&ep->def[i + 1], &ep->def[i], (n0 - i) * sizeof *ep->def);
    ep->def[i] = d;
  }
  return CHURN_OK;
}

/* Interns the labels a parallel parse left pending, in row order (as parse_code and parse_event
 * do on one thread), through main's label cache. */
static churn_status apply_pending(ev_parser *main, ev_parser *ep, churn__evbatch *b) {
  int64_t refused = -1;
  for (size_t i = 0; i < ep->npend; i++) {
    const pending *p = &ep->pend[i];
    if (p->r == refused) continue; /* one thread stopped at the first refused label */
    const char *s = ep->text + p->off;
    int32_t c;
    if (p->k == E_NEWPKG) {
      CHURN_TRY(churn__dict_intern(&ep->ds->subs.cat[CHURN__CAT_PACKAGE].dict, s, p->len,
                                   INT32_MAX - 1, &c, NULL));
      b->aux1[p->r] = c;
      continue;
    }
    bool ok;
    CHURN_TRY(intern_label(main, p->kind, s, p->len, &(p->k == E_CODE ? b->code : b->code2)[p->r],
                           &ok));
    if (ok) continue;
    refused = p->r;
    CHURN_TRY(refuse_label(ep, b, p));
  }
  ep->npend = 0;
  return CHURN_OK;
}

#define PAR_BLOCK_MAX ((int64_t)1 << 20)

typedef struct ev_unit { /* one batch of a block */
  ev_parser ep;
  churn__evbatch b;
} ev_unit;

/* The batches of a block.  Blocks take slots in turn (block i, slot i mod nslots), and there are
 * enough slots for the round being parsed and the round being merged, so a slot's batches are
 * reused from block to block instead of being allocated (and page-faulted) again. */
typedef struct ev_slot {
  ev_unit *u;
  size_t nu, nmade, ucap; /* in use, initialised, allocated */
  char *buf;              /* the reader's block buffer, kept from block to block */
  size_t cap;
} ev_slot;

typedef struct ev_block {
  int64_t start, limit; /* records starting in [start, limit) of the file */
  int64_t end;          /* where the parse stopped: the next block's true start */
  int64_t line0, lines; /* line counter at the start and at the end of the parse */
  int64_t rows;
  ev_slot *slot;
  churn_status st;
  bool done;            /* parsed (under ev_par's lock) */
} ev_block;

static void slot_free(ev_slot *s) {
  for (size_t i = 0; i < s->nmade; i++) {
    churn__evbatch_free(&s->u[i].b);
    s->u[i].ep.names = NULL; /* the header names belong to the main parser */
    ev_parser_free(&s->u[i].ep);
  }
  churn__free(s->u);
  churn__free(s->buf);
  memset(s, 0, sizeof *s);
}

/* The slot's batches become free for the next block (their buffers stay). */
static void block_clear(ev_block *k) {
  ev_slot *s = k->slot;
  for (size_t i = 0; i < s->nu; i++) {
    ev_unit *u = &s->u[i];
    u->b.n = 0;
    u->ep.ids_len = u->ep.ndef = u->ep.text_len = u->ep.npend = 0;
    u->ep.last_kind_len = SIZE_MAX;
    u->ep.hashed = false;
  }
  s->nu = 0;
}

/* The next batch for block k, parsing like proto but with labels left pending. */
static churn_status block_unit(const ev_parser *proto, ev_block *k, ev_unit **out) {
  ev_slot *s = k->slot;
  if (s->nu < s->nmade) {
    *out = &s->u[s->nu++];
    return CHURN_OK;
  }
  if (!churn__grow((void **)&s->u, &s->ucap, s->nmade + 1, sizeof *s->u)) {
    return churn__nomem("CSV block batches");
  }
  ev_unit *u = &s->u[s->nmade++];
  s->nu++;
  memset(u, 0, sizeof *u);
  u->ep.ds = proto->ds;
  u->ep.cfg = proto->cfg;
  u->ep.path = proto->path;
  memcpy(u->ep.col, proto->col, sizeof u->ep.col);
  u->ep.names = proto->names;
  u->ep.ncols = proto->ncols;
  u->ep.last_kind_len = SIZE_MAX;
  u->ep.defer_labels = true;
  *out = u;
  churn_status st = churn__evbatch_init(&u->b);
  if (st == CHURN_OK) st = ev_parser_init(&u->ep);
  if (st != CHURN_OK) { /* not kept half made: the slot is reused */
    churn__evbatch_free(&u->b);
    u->ep.names = NULL;
    ev_parser_free(&u->ep);
    s->nmade--;
    s->nu--;
  }
  return st;
}

/* Pass 1 over the records of k that start in [start, k->limit), lines counted from line0.
 * Touches nothing shared: safe on any thread. */
static churn_status block_parse(const ev_parser *proto, ev_block *k, int64_t start,
                                int64_t line0) {
  block_clear(k);
  k->start = k->end = start;
  k->line0 = k->lines = line0;
  k->rows = 0;
  csv_reader r;
  CHURN_TRY(reader_open(&r, proto->path, proto->cfg, k->slot->buf, k->slot->cap));
  k->slot->buf = NULL; /* the reader owns it until the end of the parse */
  r.base = start;
  r.limit = k->limit;
  r.line = line0;
  churn_status st = CHURN_OK;
  if (lseek(r.fd, (off_t)start, SEEK_SET) < 0) {
    st = churn__fail(CHURN_E_IO, "reading '%s': %s", proto->path, strerror(errno));
  }
  ev_unit *u = NULL;
  while (st == CHURN_OK) {
    bool got;
    st = next_record(&r, &got);
    if (st != CHURN_OK || !got) break;
    if (u == NULL || u->b.n == CHURN__BATCH_ROWS) st = block_unit(proto, k, &u);
    if (st != CHURN_OK) break;
    k->rows++;
    st = take_record(&u->ep, &u->b, &r);
  }
  for (size_t i = 0; st == CHURN_OK && i < k->slot->nu; i++) { /* off the merging thread */
    hash_ids(&k->slot->u[i].ep, &k->slot->u[i].b);
    k->slot->u[i].ep.hashed = true;
  }
  k->end = r.base + (int64_t)r.pos;
  k->lines = r.line;
  k->slot->buf = r.buf; /* maybe grown by a long record */
  k->slot->cap = r.cap;
  r.buf = NULL;
  reader_close(&r);
  return st;
}

/* The pipeline: parsing threads claim blocks in order (block i once block i - nslots, which
 * used the same slot, is merged); the calling thread merges them in order as they are done,
 * and parses the next unclaimed block itself instead of waiting for one.  No round barriers: on a loaded
 * machine a thread that loses its core holds up only the block it holds. */
typedef struct ev_par {
  ev_parser *proto;
  ev_block *blocks;
  int64_t nb, nslots;
  pthread_mutex_t mu;     /* guards next, merged, stop and the blocks' done flags */
  pthread_cond_t cv;
  int64_t next;           /* the next block to claim */
  int64_t merged;         /* blocks merged (their slots free again) */
  bool stop;
  int64_t pos, line;      /* where the merged records end, and the line number there */
  churn_status merge_st;
} ev_par;

static void parse_loop(void *ctx, int64_t task, int worker) {
  (void)task;
  (void)worker;
  ev_par *c = ctx;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->stop && c->next < c->nb && c->next >= c->merged + c->nslots) {
      pthread_cond_wait(&c->cv, &c->mu);
    }
    if (c->stop || c->next >= c->nb) break;
    ev_block *k = &c->blocks[c->next++];
    pthread_mutex_unlock(&c->mu);
    churn_status st = block_parse(c->proto, k, k->start, 1);
    pthread_mutex_lock(&c->mu);
    k->st = st;
    k->done = true;
    pthread_cond_broadcast(&c->cv);
  }
  pthread_mutex_unlock(&c->mu);
}

/* Pass 2 for block k, in file order, on the calling thread. */
static churn_status merge_block(ev_par *c, ev_block *k) {
  if (k->st != CHURN_OK || k->start != c->pos) { /* out of step, or failed: parse it again here */
    k->st = block_parse(c->proto, k, c->pos, c->line);
    CHURN_TRY(k->st);
  }
  const int64_t shift = c->line - k->line0;
  c->proto->ds->report.count[CHURN_COUNT_ROWS_READ] += k->rows;
  for (size_t i = 0; i < k->slot->nu; i++) {
    ev_unit *u = &k->slot->u[i];
    for (int64_t r = 0; shift != 0 && r < u->b.n; r++) u->b.row[r] += shift;
    CHURN_TRY(apply_pending(c->proto, &u->ep, &u->b));
    CHURN_TRY(resolve_batch(&u->ep, &u->b));
  }
  c->pos = k->end;
  c->line += k->lines - k->line0;
  block_clear(k);
  return CHURN_OK;
}

/* The calling thread's part: every block in file order. */
static void merge_all(void *ctx) {
  ev_par *c = ctx;
  for (int64_t i = 0; c->merge_st == CHURN_OK && i < c->nb; i++) {
    ev_block *k = &c->blocks[i];
    pthread_mutex_lock(&c->mu);
    while (!k->done) { /* parse the next unclaimed block here rather than wait */
      if (c->next < c->nb && c->next < c->merged + c->nslots) {
        ev_block *j = &c->blocks[c->next++];
        pthread_mutex_unlock(&c->mu);
        churn_status st = block_parse(c->proto, j, j->start, 1);
        pthread_mutex_lock(&c->mu);
        j->st = st;
        j->done = true;
        pthread_cond_broadcast(&c->cv);
      } else {
        pthread_cond_wait(&c->cv, &c->mu);
      }
    }
    pthread_mutex_unlock(&c->mu);
    c->merge_st = merge_block(c, k);
    pthread_mutex_lock(&c->mu);
    c->merged = i + 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
  }
  pthread_mutex_lock(&c->mu); /* on an error the threads stop claiming */
  c->stop = true;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

/* The offset just past the first line break at or after `from` (the file size if none). */
static churn_status cut_after(int fd, const char *path, int64_t from, int64_t size,
                              int64_t *cut) {
  char buf[4096];
  for (int64_t at = from; at < size;) {
    ssize_t got = pread(fd, buf, sizeof buf, (off_t)at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return churn__fail(CHURN_E_IO, "reading '%s': %s", path,
                         got < 0 ? strerror(errno) : "the file shrank");
    }
    const char *nl = memchr(buf, '\n', (size_t)got);
    if (nl != NULL) {
      *cut = at + (nl - buf) + 1;
      return CHURN_OK;
    }
    at += got;
  }
  *cut = size;
  return CHURN_OK;
}

/* The events after the header of r on nthreads threads; *used false (and nothing read) when the
 * file is not a regular file longer than two blocks, left to the one-thread reader. */
static churn_status read_events_parallel(ev_parser *ep, csv_reader *r, int nthreads,
                                         bool *used) {
  *used = false;
  struct stat sb;
  /* blocks of at most 1 MiB: more blocks than slots, so the slots' buffers get reused */
  const int64_t start = r->base + (int64_t)r->pos;
  const int64_t bs = ep->cfg->block_size < PAR_BLOCK_MAX ? ep->cfg->block_size : PAR_BLOCK_MAX;
  if (fstat(r->fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (int64_t)sb.st_size - start <= 2 * bs) {
    return CHURN_OK;
  }
  *used = true;
  const int64_t size = (int64_t)sb.st_size;
  ev_block *blocks = NULL;
  size_t nb = 0, cap = 0;
  churn_status st = CHURN_OK;
  for (int64_t s = start; st == CHURN_OK && s < size;) {
    int64_t cut = size;
    if (size - s > bs) st = cut_after(r->fd, ep->path, s + bs - 1, size, &cut);
    if (st != CHURN_OK) break;
    if (!churn__grow((void **)&blocks, &cap, nb + 1, sizeof *blocks)) {
      st = churn__nomem("CSV blocks");
      break;
    }
    memset(&blocks[nb], 0, sizeof *blocks);
    blocks[nb].start = s;
    blocks[nb].limit = cut < size ? cut : INT64_MAX;
    nb++;
    s = cut;
  }
  const size_t nslots = 4 * (size_t)nthreads;
  ev_slot *slots = churn__calloc(nslots, sizeof *slots);
  if (slots == NULL && st == CHURN_OK) st = churn__nomem("CSV blocks");
  for (size_t i = 0; st == CHURN_OK && i < nslots; i++) {
    slots[i].cap = (size_t)bs;
    slots[i].buf = churn__malloc(slots[i].cap + 1);
    if (slots[i].buf == NULL) st = churn__nomem("CSV block");
  }
  for (size_t i = 0; st == CHURN_OK && i < nb; i++) blocks[i].slot = &slots[i % nslots];
  if (st == CHURN_OK) {
    ev_par c = {.proto = ep, .blocks = blocks, .nb = (int64_t)nb, .nslots = (int64_t)nslots,
                .pos = start, .line = r->line, .merge_st = CHURN_OK};
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    /* nthreads - 1 new threads run the parse loop; the calling thread merges (merge_all) */
    churn__parallel_beside(nthreads - 1, nthreads - 1, parse_loop, &c, merge_all, &c);
    st = c.merge_st;
    pthread_cond_destroy(&c.cv);
    pthread_mutex_destroy(&c.mu);
  }
  for (size_t i = 0; slots != NULL && i < nslots; i++) slot_free(&slots[i]);
  churn__free(slots);
  churn__free(blocks);
  return st;
}

static churn_status read_events(churn_dataset *ds, const char *path,
                                const churn__ingest_cfg *cfg) {
  csv_reader r;
  CHURN_TRY(reader_open(&r, path, cfg, NULL, 0));
  ev_parser ep;
  memset(&ep, 0, sizeof ep);
  ep.ds = ds;
  ep.cfg = cfg;
  ep.path = path;
  ep.last_kind_len = SIZE_MAX;
  churn__evbatch b;
  churn_status st = churn__evbatch_init(&b);
  if (st == CHURN_OK) st = ev_parser_init(&ep);
  if (st == CHURN_OK) st = read_header(&r);
  if (st == CHURN_OK) st = map_event_header(&ep, &r);
  bool parallel = false;
  const int nthreads = churn__resolve_threads(cfg->threads);
  if (st == CHURN_OK && nthreads > 1) {
    /* the file-order part stays on one thread, so more than 4 would only add memory */
    st = read_events_parallel(&ep, &r, nthreads < 4 ? nthreads : 4, &parallel);
  }
  while (st == CHURN_OK && !parallel) {
    bool got;
    st = next_record(&r, &got);
    if (st != CHURN_OK || !got) break;
    ds->report.count[CHURN_COUNT_ROWS_READ]++;
    st = take_record(&ep, &b, &r);
    if (st == CHURN_OK && b.n == CHURN__BATCH_ROWS) st = resolve_batch(&ep, &b);
  }
  if (st == CHURN_OK && !parallel) st = resolve_batch(&ep, &b);
  churn__evbatch_free(&b);
  ev_parser_free(&ep);
  reader_close(&r);
  return st;
}

/* Runs one file reader; on any failure the dataset is rolled back to how it was before. */
static churn_status read_with_rollback(churn_dataset *ds, const char *path,
                                       const churn_options *opts,
                                       churn_status (*reader)(churn_dataset *, const char *,
                                                              const churn__ingest_cfg *)) {
  churn__ingest_cfg cfg;
  CHURN_TRY(churn__ingest_cfg_read(opts, &cfg));
  churn__checkpoint cp;
  CHURN_TRY(churn__checkpoint_take(ds, &cp));
  churn_status st = reader(ds, path, &cfg);
  if (st != CHURN_OK) churn__checkpoint_restore(ds, &cp);
  churn__checkpoint_free(&cp);
  return st;
}

CHURN_API churn_status churn_dataset_read_events_csv(churn_dataset *ds, const char *path,
                                                     const churn_options *opts) {
  CHURN_CHECK_ARG(ds != NULL && path != NULL,
                  "churn_dataset_read_events_csv: ds and path must not be NULL");
  return read_with_rollback(ds, path, opts, read_events);
}

static churn_status wrong_count(churn_dataset *ds, const churn__ingest_cfg *cfg,
                                const csv_reader *r, size_t want) {
  return churn__report_reject(ds, cfg, CHURN_COUNT_REJECTED_BAD_VALUE, r->path, r->rec_line, "",
                              "expected %zu fields, found %zu", want, r->nf);
}

/* --- subscribers ---------------------------------------------------------------------------------- */

#define SUB_BATCH 4096
/* At most this many cells per batch: a wide file (100,000 columns) gets fewer rows per batch,
 * so the batch buffers stay near 20 MB instead of growing with columns x SUB_BATCH. */
#define SUB_BATCH_CELLS ((size_t)1 << 20)

enum { SK_ID, SK_DATE, SK_PRICE, SK_INT, SK_VIP, SK_LABEL, SK_NUM_ATTR };

typedef struct sub_col {
  int kind;          /* SK_* */
  churn_column c;    /* the batch column handed to the append */
  void *data;        /* SUB_BATCH values */
  uint8_t *valid;
} sub_col;

typedef struct sub_parser {
  churn_dataset *ds;
  const churn__ingest_cfg *cfg;
  const char *path;
  char **names;
  size_t ncols;
  sub_col *cols;
  int64_t lines[SUB_BATCH];
  int64_t n;         /* rows in the batch */
  int64_t batch;     /* rows per batch: SUB_BATCH, fewer for wide files */
  char *arena;       /* the batch's strings */
  size_t arena_len, arena_cap;
  size_t *str_off;   /* per (row, col) string offset for STR columns, resolved at flush */
} sub_parser;

static int sub_kind(const char *name, const churn_dataset *ds, const char *id_column,
                    const churn__dict *known) {
  static const char *const dates[] = {"activation", "cancellation", "contract_end",
                                      "promotion_end"};
  static const char *const labels[] = {"region", "age_band", "tier", "package", "manager"};
  if (strcmp(name, id_column) == 0) return SK_ID;
  for (int k = 0; k < 4; k++) {
    if (strcmp(name, dates[k]) == 0) return SK_DATE;
  }
  if (strcmp(name, "price") == 0) return SK_PRICE;
  if (strcmp(name, "services") == 0) return SK_INT;
  if (strcmp(name, "vip") == 0) return SK_VIP;
  for (int k = 0; k < 5; k++) {
    if (strcmp(name, labels[k]) == 0) return SK_LABEL;
  }
  if (known != NULL) {
    const int32_t j = churn__dict_find(known, name, strlen(name));
    return j >= 0 && !ds->subs.attrs[j].categorical ? SK_NUM_ATTR : SK_LABEL;
  }
  for (size_t j = 0; j < ds->subs.nattrs; j++) {
    if (!ds->subs.attrs[j].categorical && strcmp(ds->subs.attrs[j].name, name) == 0) {
      return SK_NUM_ATTR;
    }
  }
  return SK_LABEL; /* a new attribute starts categorical; see convert_numeric_attrs */
}

static churn_status sub_parser_init(sub_parser *sp, const csv_reader *r) {
  sp->ncols = r->nf;
  CHURN_TRY(copy_header(r, &sp->names));
  CHURN_TRY(check_unique(sp->path, sp->names, sp->ncols));
  const bool wide = sp->ncols > CHURN__NAME_SCAN_MAX; /* attribute names via a hash dictionary */
  if (header_find(r->f, r->nf, sp->cfg->id_column) < 0) {
    return churn__fail(CHURN_E_SCHEMA, "%s: line 1: no column '%s' in the header", sp->path,
                       sp->cfg->id_column);
  }
  sp->batch = SUB_BATCH;
  if (sp->ncols * SUB_BATCH > SUB_BATCH_CELLS) {
    sp->batch = (int64_t)(SUB_BATCH_CELLS / sp->ncols > 0 ? SUB_BATCH_CELLS / sp->ncols : 1);
  }
  sp->cols = churn__calloc(sp->ncols, sizeof *sp->cols);
  sp->str_off = churn__malloc_array((size_t)sp->batch * sp->ncols, sizeof *sp->str_off);
  if (sp->cols == NULL || sp->str_off == NULL) return churn__nomem("CSV batch");
  churn__dict known;
  if (wide) CHURN_TRY(churn__attr_names(&sp->ds->subs, &known));
  churn_status st = CHURN_OK;
  for (size_t j = 0; st == CHURN_OK && j < sp->ncols; j++) {
    sub_col *c = &sp->cols[j];
    c->kind = sub_kind(sp->names[j], sp->ds, sp->cfg->id_column, wide ? &known : NULL);
    static const size_t size[] = {sizeof(char *), 8, 8, 8, 8, sizeof(char *), 8};
    static const churn_dtype dt[] = {CHURN_STR, CHURN_I64, CHURN_F64, CHURN_I64,
                                     CHURN_I64, CHURN_STR, CHURN_F64};
    c->data = churn__malloc_array((size_t)sp->batch, size[c->kind]);
    c->valid = churn__malloc((size_t)sp->batch);
    if (c->data == NULL || c->valid == NULL) {
      st = churn__nomem("CSV batch");
      continue;
    }
    c->c.name = sp->names[j];
    c->c.dtype = dt[c->kind];
    c->c.data = c->data;
    c->c.valid = c->valid;
  }
  if (wide) churn__dict_free(&known);
  return st;
}

static void sub_parser_free(sub_parser *sp) {
  for (size_t j = 0; sp->cols && j < sp->ncols; j++) {
    churn__free(sp->cols[j].data);
    churn__free(sp->cols[j].valid);
  }
  churn__free(sp->cols);
  churn__free(sp->str_off);
  churn__free(sp->arena);
  free_header(sp->names, sp->ncols);
}

static bool parse_vip(const csv_field *f, int64_t *v) {
  static const char *const yes[] = {"1", "true", "yes", "y", "TRUE", "Yes", "Y", "True", "YES"};
  static const char *const no[] = {"0", "false", "no", "n", "FALSE", "No", "N", "False", "NO"};
  for (int k = 0; k < 9; k++) {
    if (strlen(yes[k]) == f->len && memcmp(yes[k], f->p, f->len) == 0) {
      *v = 1;
      return true;
    }
    if (strlen(no[k]) == f->len && memcmp(no[k], f->p, f->len) == 0) {
      *v = 0;
      return true;
    }
  }
  return false;
}

static churn_status flush_subs(sub_parser *sp) {
  if (sp->n == 0) return CHURN_OK;
  for (size_t j = 0; j < sp->ncols; j++) {
    sub_col *c = &sp->cols[j];
    c->c.length = sp->n;
    if (c->c.dtype != CHURN_STR) continue;
    const char **s = c->data;
    for (int64_t i = 0; i < sp->n; i++) {
      s[i] = c->valid[i] ? sp->arena + sp->str_off[(size_t)i * sp->ncols + j] : NULL;
    }
  }
  churn_column *cols = churn__malloc_array(sp->ncols, sizeof *cols);
  if (cols == NULL) return churn__nomem("CSV batch");
  for (size_t j = 0; j < sp->ncols; j++) cols[j] = sp->cols[j].c;
  churn_status st = churn__append_subscribers(sp->ds, cols, sp->ncols, sp->cfg, sp->path,
                                              sp->lines);
  churn__free(cols);
  sp->n = 0;
  sp->arena_len = 0;
  return st;
}

/* Parses one record into batch row n; returns false (after reporting) when it is rejected. */
static churn_status parse_sub_row(sub_parser *sp, const csv_reader *r, bool *keep) {
  int64_t n = sp->n;
  *keep = false;
  for (size_t j = 0; j < sp->ncols; j++) {
    sub_col *c = &sp->cols[j];
    const csv_field *f = &r->f[j];
    c->valid[n] = !blank(f);
    if (!c->valid[n]) continue;
    bool ok = true;
    const char *what = "bad value";
    switch (c->kind) {
      case SK_DATE:
        ok = churn__parse_time(f->p, f->len, sp->cfg->unix_times, &((int64_t *)c->data)[n]);
        what = "bad date";
        break;
      case SK_PRICE:
      case SK_NUM_ATTR:
        ok = churn__parse_f64(f->p, f->len, &((double *)c->data)[n]);
        what = "not a number";
        break;
      case SK_INT:
        ok = churn__parse_i64(f->p, f->len, &((int64_t *)c->data)[n]);
        what = "not an integer";
        break;
      case SK_VIP:
        ok = parse_vip(f, &((int64_t *)c->data)[n]);
        what = "not a yes/no value";
        break;
      default: {
        char why[96];
        if (churn__csv_text_check(f->p, f->len, why, sizeof why)) {
          CHURN_TRY(flush_subs(sp));
          return churn__report_reject(sp->ds, sp->cfg, CHURN_COUNT_REJECTED_BAD_VALUE, sp->path,
                                      r->rec_line, sp->names[j], "%s", why);
        }
        if (!churn__grow((void **)&sp->arena, &sp->arena_cap, sp->arena_len + f->len + 1, 1)) {
          return churn__nomem("CSV strings");
        }
        memcpy(sp->arena + sp->arena_len, f->p, f->len);
        sp->arena[sp->arena_len + f->len] = '\0';
        sp->str_off[(size_t)n * sp->ncols + j] = sp->arena_len;
        sp->arena_len += f->len + 1;
      }
    }
    if (!ok) {
      /* the rows before this one go in first, so that rejections come in line order */
      CHURN_TRY(flush_subs(sp));
      char shown[80];
      churn__csv_show(f->p, f->len, shown, sizeof shown);
      return churn__report_reject(sp->ds, sp->cfg, CHURN_COUNT_REJECTED_BAD_VALUE, sp->path,
                                  r->rec_line, sp->names[j], "%s '%s'", what, shown);
    }
  }
  sp->lines[n] = r->rec_line;
  *keep = true;
  return CHURN_OK;
}

/* Attributes this file created as categorical whose labels are all numbers become numeric. */
static churn_status convert_numeric_attrs(churn__subs *s, size_t first) {
  for (size_t j = first; j < s->nattrs; j++) {
    churn__attr *a = &s->attrs[j];
    if (!a->categorical) continue;
    int32_t nl = a->cat.dict.n;
    double *vals = churn__malloc_array((size_t)nl + 1, sizeof *vals);
    if (vals == NULL) return churn__nomem("attribute conversion");
    bool numeric = true;
    for (int32_t c = 0; c < nl && numeric; c++) {
      numeric = churn__parse_f64(churn__dict_label(&a->cat.dict, c),
                                 churn__dict_label_len(&a->cat.dict, c), &vals[c]) &&
                !isinf(vals[c]);
    }
    double *num = numeric ? churn__malloc_array(s->cap ? s->cap : 1, sizeof *num) : NULL;
    if (numeric && num == NULL) {
      churn__free(vals);
      return churn__nomem("attribute conversion");
    }
    if (numeric) {
      for (int64_t i = 0; i < s->n; i++) {
        num[i] = a->cat.codes[i] < 0 ? NAN : vals[a->cat.codes[i]];
      }
      churn__free(a->cat.codes);
      churn__dict_free(&a->cat.dict);
      a->cat.codes = NULL;
      a->num = num;
      a->categorical = false;
    }
    churn__free(vals);
  }
  return CHURN_OK;
}

static churn_status read_subscribers(churn_dataset *ds, const char *path,
                                     const churn__ingest_cfg *cfg) {
  csv_reader r;
  CHURN_TRY(reader_open(&r, path, cfg, NULL, 0));
  sub_parser sp;
  memset(&sp, 0, sizeof sp);
  sp.ds = ds;
  sp.cfg = cfg;
  sp.path = path;
  size_t first_attr = ds->subs.nattrs;
  churn_status st = read_header(&r);
  if (st == CHURN_OK) st = sub_parser_init(&sp, &r);
  while (st == CHURN_OK) {
    bool got;
    st = next_record(&r, &got);
    if (st != CHURN_OK || !got) break;
    if (r.nf != sp.ncols) {
      ds->report.count[CHURN_COUNT_ROWS_READ]++;
      st = flush_subs(&sp);
      if (st == CHURN_OK) st = wrong_count(ds, cfg, &r, sp.ncols);
      continue;
    }
    if (r.junk >= 0) {
      ds->report.count[CHURN_COUNT_ROWS_READ]++;
      st = flush_subs(&sp);
      if (st == CHURN_OK) {
        st = churn__report_reject(ds, cfg, CHURN_COUNT_REJECTED_BAD_VALUE, path, r.rec_line,
                                  sp.names[r.junk], "text after the closing quote");
      }
      continue;
    }
    bool keep;
    st = parse_sub_row(&sp, &r, &keep);
    if (!keep) {
      ds->report.count[CHURN_COUNT_ROWS_READ]++;
      continue;
    }
    if (++sp.n == sp.batch) st = flush_subs(&sp);
  }
  if (st == CHURN_OK) st = flush_subs(&sp);
  if (st == CHURN_OK) st = convert_numeric_attrs(&ds->subs, first_attr);
  sub_parser_free(&sp);
  reader_close(&r);
  return st;
}

CHURN_API churn_status churn_dataset_read_subscribers_csv(churn_dataset *ds, const char *path,
                                                          const churn_options *opts) {
  CHURN_CHECK_ARG(ds != NULL && path != NULL,
                  "churn_dataset_read_subscribers_csv: ds and path must not be NULL");
  return read_with_rollback(ds, path, opts, read_subscribers);
}

/* --- the record reader for other folders (design/ reads flat tables with it) ---------------- */

struct churn__csv {
  csv_reader r;
};

churn_status churn__csv_open(const char *path, const churn_options *opts, churn__csv **out) {
  churn__ingest_cfg cfg;
  CHURN_TRY(churn__ingest_cfg_read(opts, &cfg));
  churn__csv *c = churn__calloc(1, sizeof *c);
  if (c == NULL) return churn__nomem("CSV reader");
  churn_status st = reader_open(&c->r, path, &cfg, NULL, 0);
  if (st == CHURN_OK) st = read_header(&c->r);
  if (st != CHURN_OK) {
    churn__csv_close(c);
    return st;
  }
  *out = c;
  return CHURN_OK;
}

void churn__csv_close(churn__csv *c) {
  if (c == NULL) return;
  reader_close(&c->r);
  churn__free(c);
}

churn_status churn__csv_next(churn__csv *c, bool *got) { return next_record(&c->r, got); }

size_t churn__csv_nfields(const churn__csv *c) { return c->r.nf; }

const char *churn__csv_field(const churn__csv *c, size_t j, size_t *len) {
  *len = c->r.f[j].len;
  return c->r.f[j].p;
}

int64_t churn__csv_line(const churn__csv *c) { return c->r.rec_line; }
