/*
 * csv_write.c -- churn_dataset_write_csv: the dataset as the two CSV files the CSV readers take
 * back (subscribers and events), each built in memory and written atomically.  Times are
 * written as ISO-8601 UTC, codes by their CSV names or dictionary labels, and values in text
 * that parses back to the same double.
 */
#include "dataset.h"
#include "common/fileio.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* --- a growable text buffer ------------------------------------------------------------------ */

typedef struct outbuf {
  char *p;
  size_t n, cap;
  bool nomem;
} outbuf;

static bool reserve(outbuf *b, size_t more) {
  if (b->nomem) return false;
  if (b->n + more <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 1 << 16;
  while (cap < b->n + more) cap *= 2;
  char *p = churn__realloc(b->p, cap);
  if (p == NULL) {
    b->nomem = true;
    return false;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

static void put(outbuf *b, const char *s, size_t len) {
  if (!reserve(b, len)) return;
  memcpy(b->p + b->n, s, len);
  b->n += len;
}

static void putc_(outbuf *b, char c) {
  if (!reserve(b, 1)) return;
  b->p[b->n++] = c;
}

static void puts_(outbuf *b, const char *s) { put(b, s, strlen(s)); }

/* A field, quoted (RFC 4180) when it holds a delimiter, quote, line break or edge space. */
static void put_field(outbuf *b, const char *s, size_t len) {
  bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
  for (size_t i = 0; i < len && !quote; i++) {
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  }
  if (!quote) {
    put(b, s, len);
    return;
  }
  putc_(b, '"');
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') putc_(b, '"');
    putc_(b, s[i]);
  }
  putc_(b, '"');
}

static void put_i64(outbuf *b, int64_t v) {
  char tmp[24];
  int k = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[k++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[k++] = '-';
  if (!reserve(b, (size_t)k)) return;
  while (k) b->p[b->n++] = tmp[--k];
}

/* Text that strtod reads back to exactly v: integers and cents the fast way, else %.17g. */
static void put_f64(outbuf *b, double v) {
  if (v == floor(v) && fabs(v) < 1e15) {
    put_i64(b, (int64_t)v);
    return;
  }
  double c = floor(v * 100.0 + 0.5);
  if (fabs(v) < 1e13 && c / 100.0 == v) {  /* v is the double nearest to an exact cents value */
    int64_t k = (int64_t)c;
    if (k < 0) putc_(b, '-');
    uint64_t a = k < 0 ? (uint64_t)0 - (uint64_t)k : (uint64_t)k;
    put_i64(b, (int64_t)(a / 100));
    char frac[3] = {(char)('0' + a % 100 / 10), (char)('0' + a % 10), 0};
    putc_(b, '.');
    put(b, frac, 2);
    return;
  }
  char tmp[40];
  int len = snprintf(tmp, sizeof tmp, "%.17g", v);
  put(b, tmp, (size_t)len);
}

/* YYYY-MM-DDTHH:MM:SSZ for years 1..9999, Unix seconds otherwise; nothing for "none". */
static void put_time(outbuf *b, int64_t t) {
  if (t == CHURN_TIME_NONE) return;
  char tmp[CHURN__TIME_TEXT];
  size_t len = churn__format_time(t, true, tmp);
  if (len == 0) put_i64(b, t);
  else put(b, tmp, len);
}

static void put_label(outbuf *b, const churn__dict *d, int32_t code) {
  if (code < 0 || code >= d->n) return;
  put_field(b, churn__dict_label(d, code), churn__dict_label_len(d, code));
}

static churn_status finish(outbuf *b, const char *path) {
  if (b->nomem) {
    churn__free(b->p);
    return churn__nomem("CSV text");
  }
  churn_status st = churn__write_file_atomic(path, b->p ? b->p : "", b->n);
  churn__free(b->p);
  return st;
}

/* --- subscribers ---------------------------------------------------------------------------- */

static churn_status write_subscribers(const churn_dataset *ds, const char *path) {
  static const char *const CAT[CHURN__NCAT] = {"region", "age_band", "tier", "package",
                                               "manager"};
  const churn__subs *s = &ds->subs;
  outbuf b = {0};
  puts_(&b, "subscriber_id,activation,cancellation,contract_end,promotion_end");
  for (int k = 0; k < CHURN__NCAT; k++) {
    putc_(&b, ',');
    puts_(&b, CAT[k]);
  }
  puts_(&b, ",price,services,vip");
  for (size_t j = 0; j < s->nattrs; j++) {
    putc_(&b, ',');
    put_field(&b, s->attrs[j].name, strlen(s->attrs[j].name));
  }
  putc_(&b, '\n');
  for (int64_t i = 0; i < s->n && !b.nomem; i++) {
    put_label(&b, &s->ids, (int32_t)i);
    const int64_t *dates[4] = {s->activation, s->cancellation, s->contract_end, s->promotion_end};
    for (int k = 0; k < 4; k++) {
      putc_(&b, ',');
      put_time(&b, dates[k][i]);
    }
    for (int k = 0; k < CHURN__NCAT; k++) {
      putc_(&b, ',');
      put_label(&b, &s->cat[k].dict, s->cat[k].codes[i]);
    }
    putc_(&b, ',');
    if (!isnan(s->price[i])) put_f64(&b, s->price[i]);
    putc_(&b, ',');
    if (s->services[i] >= 0) put_i64(&b, s->services[i]);
    putc_(&b, ',');
    put_i64(&b, s->vip[i]);
    for (size_t j = 0; j < s->nattrs; j++) {
      const churn__attr *a = &s->attrs[j];
      putc_(&b, ',');
      if (a->categorical) {
        put_label(&b, &a->cat.dict, a->cat.codes[i]);
      } else if (!isnan(a->num[i])) {
        put_f64(&b, a->num[i]);
      }
    }
    putc_(&b, '\n');
  }
  return finish(&b, path);
}

/* --- events --------------------------------------------------------------------------------- */

static void put_code(outbuf *b, const churn__events *ev, int kind, bool code2, int code) {
  const char *name = churn__enum_name(churn__event_code_enum(kind, code2), code);
  if (name != NULL) {
    puts_(b, name);
    return;
  }
  const churn__dict *d = code2 ? NULL : ev->code_dict[kind];
  /* a label that reads back as itself: not empty and not starting with a digit */
  if (d != NULL && code < d->n && churn__dict_label_len(d, code) > 0 &&
      (unsigned)(churn__dict_label(d, code)[0] - '0') >= 10u) {
    put_label(b, d, code);
    return;
  }
  put_i64(b, code);
}

static churn_status write_events(const churn_dataset *ds, const char *path) {
  const churn__events *ev = &ds->ev;
  const churn__subs *s = &ds->subs;
  const churn__dict *pkgs = &s->cat[CHURN__CAT_PACKAGE].dict;
  outbuf b = {0};
  puts_(&b, "subscriber_id,time,kind,code,code2,value,aux1,aux2,new_package\n");
  for (int64_t e = 0; e < ev->n && !b.nomem; e++) {
    int kind = ev->kind[e];
    put_label(&b, &s->ids, ev->sub[e]);
    putc_(&b, ',');
    put_time(&b, ev->time[e]);
    putc_(&b, ',');
    const char *kn = churn_event_kind_name(kind);
    if (kn) {
      puts_(&b, kn);
    } else {
      put_i64(&b, kind);
    }
    putc_(&b, ',');
    /* an operator's reason label (aux1, reason_map.c): an unmapped one is written as the code
     * so that it reads back as itself; a mapped one as its reason (the label is not kept) */
    int32_t aux1 = ev->aux1[e];
    const churn__dict *rl = churn__kind_has_reason(kind) ? ev->code_dict[kind] : NULL;
    bool reason_label = rl != NULL && aux1 >= 0 && aux1 < rl->n;
    if (reason_label && ev->code[e] == CHURN_REASON_UNKNOWN) {
      put_label(&b, rl, aux1);
    } else {
      put_code(&b, ev, kind, false, ev->code[e]);
    }
    putc_(&b, ',');
    put_code(&b, ev, kind, true, ev->code2[e]);
    putc_(&b, ',');
    put_f64(&b, ev->value[e]);
    putc_(&b, ',');
    if (aux1 != CHURN_AUX_NONE && !reason_label) put_i64(&b, aux1);
    putc_(&b, ',');
    if (ev->aux2[e] != CHURN_AUX_NONE) put_i64(&b, ev->aux2[e]);
    putc_(&b, ',');
    /* the package by label, so that it survives the readers' own dictionary order */
    if (kind == CHURN_EV_PACKAGE_CHANGE && ev->aux1[e] != CHURN_AUX_NONE) {
      put_label(&b, pkgs, ev->aux1[e]);
    }
    putc_(&b, '\n');
  }
  return finish(&b, path);
}

CHURN_API churn_status churn_dataset_write_csv(const churn_dataset *ds,
                                               const char *subscribers_path,
                                               const char *events_path) {
  CHURN_CHECK_ARG(ds != NULL, "churn_dataset_write_csv: ds is NULL");
  if (subscribers_path != NULL) {
    churn_status st = write_subscribers(ds, subscribers_path);
    if (st != CHURN_OK) return churn__context(st, "writing subscribers CSV");
  }
  if (events_path != NULL) {
    churn_status st = write_events(ds, events_path);
    if (st != CHURN_OK) return churn__context(st, "writing events CSV");
  }
  return CHURN_OK;
}
