/*
 * mapping.c -- the mapping file of churn_dataset_read_mapping: an INI file (parsed by libinih)
 * naming, per operator export, which of its columns holds which dataset field, its encoding,
 * date and number formats and UTC offset.  Everything is checked here, including every named
 * file's header line, so that a bad mapping fails before a single row is read.
 */
#include "mapping.h"
#include "dataset.h"

#include <ini.h>
#include <string.h>

static const char *const SUB_KEYS[] = {"subscriber_id", "activation", "cancellation",
                                       "contract_end", "promotion_end", "region", "age_band",
                                       "tier", "package", "manager", "price", "services", "vip",
                                       NULL};
static const char *const EV_KEYS[] = {"subscriber_id", "time", "value", "code", "code2", "aux1",
                                      "aux2", "due_date", "first_contact", "fixed_at",
                                      "new_package", NULL};
static const char *const DATE_KEYS[] = {"activation", "cancellation", "contract_end",
                                        "promotion_end", "time", "due_date", "first_contact",
                                        "fixed_at", NULL};

static bool in_list(const char *const *list, const char *s) {
  for (size_t i = 0; list[i]; i++) {
    if (strcmp(list[i], s) == 0) return true;
  }
  return false;
}

static churn_status set_str(char **dst, const char *v) {
  churn__free(*dst);
  *dst = churn__strdup(v);
  return *dst ? CHURN_OK : churn__nomem("mapping");
}

/* The file section named sec, created on first sight; NULL with m->st set on failure. */
static churn__mapfile *file_section(churn__mapping *m, const char *sec) {
  for (size_t i = 0; i < m->nfiles; i++) {
    if (strcmp(m->files[i].section, sec) == 0) return &m->files[i];
  }
  int kind = 0;
  if (strncmp(sec, "events:", 7) == 0) {
    const char *k = sec + 7;
    size_t len = strcspn(k, ".");
    kind = churn__event_kind_by_name(k, len);
    if (kind == 0 || (k[len] == '.' && k[len + 1] == '\0')) {
      m->st = churn__fail(CHURN_E_FORMAT, "[%s]: unknown event kind '%.*s'", sec, (int)len, k);
      return NULL;
    }
  } else if (!(strcmp(sec, "subscribers") == 0 ||
               (strncmp(sec, "subscribers.", 12) == 0 && sec[12] != '\0'))) {
    m->st = churn__fail(CHURN_E_FORMAT,
                        "[%s]: unknown section (input, subscribers, events:KIND, reasons)", sec);
    return NULL;
  }
  size_t cap = m->nfiles;
  if (!churn__grow((void **)&m->files, &cap, m->nfiles + 1, sizeof *m->files)) {
    m->st = churn__nomem("mapping");
    return NULL;
  }
  churn__mapfile *f = &m->files[m->nfiles];
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->section = churn__strdup(sec);
  if (f->section == NULL) {
    m->st = churn__nomem("mapping");
    return NULL;
  }
  m->nfiles++;
  return f;
}

static churn_status handle(churn__mapping *m, const char *sec, const char *key, const char *v) {
  static const char *const COMMON[] = {"encoding", "date_format", "number_format", "utc_offset",
                                       "delimiter", NULL};
  if (strcmp(sec, "input") == 0) {
    char **dst = strcmp(key, "encoding") == 0        ? &m->in_enc
                 : strcmp(key, "date_format") == 0   ? &m->in_datefmt
                 : strcmp(key, "number_format") == 0 ? &m->in_numfmt
                 : strcmp(key, "utc_offset") == 0    ? &m->in_offset
                 : strcmp(key, "delimiter") == 0     ? &m->in_delim
                                                     : NULL;
    if (dst == NULL) return churn__fail(CHURN_E_FORMAT, "[input] %s: unknown key", key);
    return set_str(dst, v);
  }
  if (strcmp(sec, "reasons") == 0) {
    if (churn__reason_target(v, strlen(v)) < 0) {
      return churn__fail(CHURN_E_FORMAT,
                         "[reasons] %s = %s: neither a cancel reason name nor a category", key, v);
    }
    size_t cap = m->nreasons;
    if (!churn__grow((void **)&m->reason_label, &cap, m->nreasons + 1, sizeof(char *))) {
      return churn__nomem("mapping");
    }
    cap = m->nreasons;
    if (!churn__grow((void **)&m->reason_target, &cap, m->nreasons + 1, sizeof(char *))) {
      return churn__nomem("mapping");
    }
    char *label = churn__strdup(key), *target = churn__strdup(v);
    if (label == NULL || target == NULL) {
      churn__free(label);
      churn__free(target);
      return churn__nomem("mapping");
    }
    m->reason_label[m->nreasons] = label;
    m->reason_target[m->nreasons++] = target;
    return CHURN_OK;
  }
  churn__mapfile *f = file_section(m, sec);
  if (f == NULL) return m->st;
  if (strcmp(key, "file") == 0) return set_str(&f->file, v);
  if (in_list(COMMON, key)) {
    char **dst = key[0] == 'e' ? &f->enc_raw : key[0] == 'n' ? &f->numfmt_raw
                 : key[0] == 'u' ? &f->offset_raw : key[1] == 'a' ? &f->datefmt_raw
                 : &f->delim_raw;
    return set_str(dst, v);
  }
  size_t klen = strlen(key);
  bool is_fmt = klen > 7 && strcmp(key + klen - 7, "_format") == 0;
  char base[64];
  if (klen >= sizeof base) return churn__fail(CHURN_E_FORMAT, "[%s] %s: unknown key", sec, key);
  memcpy(base, key, klen + 1);
  if (is_fmt) base[klen - 7] = '\0';
  if (!in_list(f->kind ? EV_KEYS : SUB_KEYS, base)) {
    return churn__fail(CHURN_E_FORMAT, "[%s] %s: unknown key", sec, key);
  }
  if (is_fmt && !in_list(DATE_KEYS, base)) {
    return churn__fail(CHURN_E_FORMAT, "[%s] %s: %s is not a date column", sec, key, base);
  }
  churn__mapcol *c = NULL;
  for (size_t i = 0; i < f->ncols; i++) {
    if (strcmp(f->cols[i].key, base) == 0) c = &f->cols[i];
  }
  if (c == NULL) {
    size_t cap = f->ncols;
    if (!churn__grow((void **)&f->cols, &cap, f->ncols + 1, sizeof *f->cols)) {
      return churn__nomem("mapping");
    }
    c = &f->cols[f->ncols++];
    memset(c, 0, sizeof *c);
    c->idx = -1;
    CHURN_TRY(set_str(&c->key, base));
  }
  return set_str(is_fmt ? &c->format : &c->header, v);
}

static int on_ini_value(void *user, const char *sec, const char *key, const char *v) {
  churn__mapping *m = user;
  if (m->st != CHURN_OK) return 1; /* keep the first error */
  m->st = handle(m, sec, key, v);
  return m->st == CHURN_OK;
}

void churn__mapping_free(churn__mapping *m) {
  for (size_t i = 0; i < m->nfiles; i++) {
    churn__mapfile *f = &m->files[i];
    churn__free(f->section);
    churn__free(f->file);
    churn__free(f->path);
    churn__free(f->enc_raw);
    churn__free(f->datefmt_raw);
    churn__free(f->numfmt_raw);
    churn__free(f->offset_raw);
    churn__free(f->delim_raw);
    for (size_t j = 0; j < f->ncols; j++) {
      churn__free(f->cols[j].key);
      churn__free(f->cols[j].header);
      churn__free(f->cols[j].format);
    }
    churn__free(f->cols);
  }
  churn__free(m->files);
  for (size_t i = 0; i < m->nreasons; i++) {
    churn__free(m->reason_label[i]);
    churn__free(m->reason_target[i]);
  }
  churn__free(m->reason_label);
  churn__free(m->reason_target);
  churn__free(m->dir);
  churn__free(m->in_enc);
  churn__free(m->in_datefmt);
  churn__free(m->in_numfmt);
  churn__free(m->in_offset);
  churn__free(m->in_delim);
  memset(m, 0, sizeof *m);
}

/* The section a setting came from: the file's own, else [input]. */
static const char *from(const churn__mapfile *f, const char *own) {
  return own ? f->section : "input";
}

/* Resolves the file's settings against [input] and checks every format. */
static churn_status settle(churn__mapping *m, churn__mapfile *f) {
  const char *enc = f->enc_raw ? f->enc_raw : m->in_enc ? m->in_enc : "utf-8";
  f->iconv_name = churn__encoding_name(enc);
  if (f->iconv_name == NULL) {
    return churn__fail(CHURN_E_FORMAT, "[%s] encoding = %s: unknown encoding (utf-8, gb18030, gbk)",
                       from(f, f->enc_raw), enc);
  }
  f->date_format = f->datefmt_raw ? f->datefmt_raw : m->in_datefmt ? m->in_datefmt : NULL;
  const char *why;
  if (f->date_format && !churn__datefmt_check(f->date_format, &why)) {
    return churn__fail(CHURN_E_FORMAT, "[%s] date_format = %s: %s", from(f, f->datefmt_raw),
                       f->date_format, why);
  }
  const char *nf = f->numfmt_raw ? f->numfmt_raw : m->in_numfmt;
  f->has_numfmt = nf != NULL;
  if (nf && !churn__numfmt_from_example(nf, &f->numfmt)) {
    return churn__fail(CHURN_E_FORMAT,
                       "[%s] number_format = %s: not an example such as 1,234.50 or 1.234,50",
                       from(f, f->numfmt_raw), nf);
  }
  const char *off = f->offset_raw ? f->offset_raw : m->in_offset;
  f->utc_offset = 0;
  if (off && !churn__parse_utc_offset(off, &f->utc_offset)) {
    return churn__fail(CHURN_E_FORMAT, "[%s] utc_offset = %s: not an offset such as +08:00",
                       from(f, f->offset_raw), off);
  }
  const char *d = f->delim_raw ? f->delim_raw : m->in_delim ? m->in_delim : ",";
  if (strcmp(d, "\\t") == 0 || strcmp(d, "tab") == 0) d = "\t";
  if (strlen(d) != 1 || d[0] == '"' || d[0] == '\n' || d[0] == '\r') {
    return churn__fail(CHURN_E_FORMAT, "[%s] delimiter = %s: not one character",
                       from(f, f->delim_raw), d);
  }
  f->delim = d[0];
  if (f->file == NULL) return churn__fail(CHURN_E_FORMAT, "[%s] file: missing", f->section);
  bool has_id = false, has_time = false;
  for (size_t j = 0; j < f->ncols; j++) {
    churn__mapcol *c = &f->cols[j];
    if (c->header == NULL) {
      return churn__fail(CHURN_E_FORMAT, "[%s] %s_format: no column %s is mapped", f->section,
                         c->key, c->key);
    }
    if (c->format && !churn__datefmt_check(c->format, &why)) {
      return churn__fail(CHURN_E_FORMAT, "[%s] %s_format = %s: %s", f->section, c->key,
                         c->format, why);
    }
    if (in_list(DATE_KEYS, c->key) && !c->format && !f->date_format) {
      return churn__fail(CHURN_E_FORMAT, "[%s] %s: no date_format (nor %s_format) given",
                         f->section, c->key, c->key);
    }
    has_id |= strcmp(c->key, "subscriber_id") == 0;
    has_time |= strcmp(c->key, "time") == 0;
  }
  if (!has_id) return churn__fail(CHURN_E_FORMAT, "[%s] subscriber_id: missing", f->section);
  if (f->kind && !has_time) return churn__fail(CHURN_E_FORMAT, "[%s] time: missing", f->section);
  size_t n = strlen(m->dir) + strlen(f->file) + 1;
  f->path = churn__malloc(n);
  if (f->path == NULL) return churn__nomem("mapping");
  if (f->file[0] == '/') {
    memcpy(f->path, f->file, strlen(f->file) + 1);
  } else {
    memcpy(f->path, m->dir, strlen(m->dir));
    memcpy(f->path + strlen(m->dir), f->file, strlen(f->file) + 1);
  }
  return CHURN_OK;
}

/* Reads the file's header line and finds every mapped column in it. */
static churn_status check_header(churn__mapfile *f) {
  churn__recoded rc;
  churn_status st = churn__recode_file(f->path, f->iconv_name, 1 << 16, &rc);
  if (st != CHURN_OK) return churn__context(st, "[%s] file = %s", f->section, f->file);
  churn__maprec r = {.pos = rc.text, .end = rc.text + rc.len, .delim = f->delim, .line = 1};
  bool got = false;
  /* a header cut by the 64 KiB limit has no closing quote: only a complete first line counts */
  st = churn__maprec_next(&r, f->path, &got);
  if (st == CHURN_OK && !got) {
    st = churn__fail(CHURN_E_FORMAT, "[%s] file = %s: empty file, no header line", f->section,
                     f->file);
  }
  for (size_t j = 0; st == CHURN_OK && j < f->ncols; j++) {
    churn__mapcol *c = &f->cols[j];
    for (size_t k = 0; k < r.nf && c->idx < 0; k++) {
      if (strcmp(r.f[k].p, c->header) == 0) c->idx = (int)k;
    }
    if (c->idx < 0) {
      st = churn__fail(CHURN_E_SCHEMA, "[%s] %s = %s: no such column in %s", f->section, c->key,
                       c->header, f->file);
    }
  }
  f->nheader = r.nf;
  churn__maprec_free(&r);
  churn__recoded_free(&rc);
  return st;
}

churn_status churn__mapping_load(const char *path, churn__mapping *m) {
  memset(m, 0, sizeof *m);
  const char *slash = strrchr(path, '/');
  size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
  m->dir = churn__malloc(dl + 1);
  if (m->dir == NULL) return churn__nomem("mapping");
  memcpy(m->dir, path, dl);
  m->dir[dl] = '\0';
  int line = ini_parse(path, on_ini_value, m);
  churn_status st = m->st;
  if (st != CHURN_OK) st = churn__context(st, "%s", path);
  if (st == CHURN_OK && line == -1) st = churn__fail(CHURN_E_IO, "%s: cannot open", path);
  if (st == CHURN_OK && line == -2) st = churn__nomem("mapping");
  if (st == CHURN_OK && line > 0) {
    st = churn__fail(CHURN_E_FORMAT,
                     "%s: line %d: not an INI line (a section, key = value, or longer than 200 "
                     "bytes)", path, line);
  }
  if (st == CHURN_OK && m->in_offset) {
    m->has_offset = true;
    if (!churn__parse_utc_offset(m->in_offset, &m->utc_offset)) {
      st = churn__fail(CHURN_E_FORMAT, "%s: [input] utc_offset = %s: not an offset such as +08:00",
                       path, m->in_offset);
    }
  }
  if (st == CHURN_OK && m->nfiles == 0) {
    st = churn__fail(CHURN_E_FORMAT, "%s: no [subscribers] or [events:KIND] section", path);
  }
  for (size_t i = 0; st == CHURN_OK && i < m->nfiles; i++) {
    st = settle(m, &m->files[i]);
    if (st == CHURN_OK) st = check_header(&m->files[i]);
    if (st != CHURN_OK) st = churn__context(st, "%s", path);
  }
  if (st != CHURN_OK) churn__mapping_free(m);
  return st;
}
