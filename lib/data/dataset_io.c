/*
 * dataset_io.c -- the dataset file: the whole dataset (subscribers, dictionaries, attributes,
 * event log, ingestion counters and kept rejections) as the payload of a "churn-dataset"
 * msgpack envelope (lib/pack.h), columns as bin of little-endian values, written atomically
 * (lib/fileio.h).  Loading validates every count, code, index and value, so a truncated or
 * corrupt file is CHURN_E_FORMAT, never a crash.
 *
 * Payload (format major 1, minor 1; minor 1 added the optional "utc_offset"):
 *   {"subscribers": {"n", "ids": dict, "activation", "cancellation", "contract_end",
 *                    "promotion_end": bin i64, "region", "age_band", "tier", "package",
 *                    "manager": {"codes": bin i32, "labels": dict}, "price": bin f64,
 *                    "services": bin i32, "vip": bin u8,
 *                    "attrs": [{"name", "categorical": bool, "num": bin f64 |
 *                               "codes": bin i32, "labels": dict}]},
 *    "events": {"n", "sub": bin i32, "time": bin i64, "kind", "code", "code2": bin u8,
 *               "value": bin f64, "aux1", "aux2": bin i32,
 *               "code_labels": [{"kind": int, "labels": dict}]},
 *    "finalized": bool, "counters": bin i64, "rejections": [{"source", "row", "column",
 *    "reason"}],
 *    "utc_offset": int seconds east of UTC (only when the dataset records one)}
 *   dict = {"n": int, "text": bin of the n labels, each followed by a NUL byte}
 */
#include "dataset.h"
#include "common/fileio.h"
#include "common/pack.h"

#include <string.h>

#define FORMAT "churn-dataset"
#define MAJOR 1
#define MINOR 1

static const char *const CATS[CHURN__NCAT] = {"region", "age_band", "tier", "package",
                                              "manager"};

/* --- writing --------------------------------------------------------------------------------- */

static void pack_dict(churn__wbuf *wb, const churn__dict *d) {
  msgpack_pack_map(&wb->pk, 2);
  churn__pack_key(wb, "n");
  msgpack_pack_int64(&wb->pk, d->n);
  churn__pack_key(wb, "text");
  churn__pack_bytes_bin(wb, d->arena, d->n ? d->arena_len : 0);
}

static void pack_catcol(churn__wbuf *wb, const churn__catcol *c, int64_t n) {
  msgpack_pack_map(&wb->pk, 2);
  churn__pack_key(wb, "codes");
  churn__pack_i32_bin(wb, c->codes, (size_t)n);
  churn__pack_key(wb, "labels");
  pack_dict(wb, &c->dict);
}

static void pack_subs(churn__wbuf *wb, const churn__subs *s) {
  size_t n = (size_t)s->n;
  msgpack_pack_map(&wb->pk, 10 + CHURN__NCAT);
  churn__pack_key(wb, "n");
  msgpack_pack_int64(&wb->pk, s->n);
  churn__pack_key(wb, "ids");
  pack_dict(wb, &s->ids);
  churn__pack_key(wb, "activation");
  churn__pack_i64_bin(wb, s->activation, n);
  churn__pack_key(wb, "cancellation");
  churn__pack_i64_bin(wb, s->cancellation, n);
  churn__pack_key(wb, "contract_end");
  churn__pack_i64_bin(wb, s->contract_end, n);
  churn__pack_key(wb, "promotion_end");
  churn__pack_i64_bin(wb, s->promotion_end, n);
  for (int k = 0; k < CHURN__NCAT; k++) {
    churn__pack_key(wb, CATS[k]);
    pack_catcol(wb, &s->cat[k], s->n);
  }
  churn__pack_key(wb, "price");
  churn__pack_f64_bin(wb, s->price, n);
  churn__pack_key(wb, "services");
  churn__pack_i32_bin(wb, s->services, n);
  churn__pack_key(wb, "vip");
  churn__pack_bytes_bin(wb, s->vip, n);
  churn__pack_key(wb, "attrs");
  msgpack_pack_array(&wb->pk, s->nattrs);
  for (size_t j = 0; j < s->nattrs; j++) {
    const churn__attr *a = &s->attrs[j];
    msgpack_pack_map(&wb->pk, a->categorical ? 4 : 3);
    churn__pack_key(wb, "name");
    churn__pack_str(wb, a->name);
    churn__pack_key(wb, "categorical");
    if (a->categorical) {
      msgpack_pack_true(&wb->pk);
      churn__pack_key(wb, "codes");
      churn__pack_i32_bin(wb, a->cat.codes, n);
      churn__pack_key(wb, "labels");
      pack_dict(wb, &a->cat.dict);
    } else {
      msgpack_pack_false(&wb->pk);
      churn__pack_key(wb, "num");
      churn__pack_f64_bin(wb, a->num, n);
    }
  }
}

static void pack_events(churn__wbuf *wb, const churn__events *ev) {
  size_t n = (size_t)ev->n;
  msgpack_pack_map(&wb->pk, 10);
  churn__pack_key(wb, "n");
  msgpack_pack_int64(&wb->pk, ev->n);
  churn__pack_key(wb, "sub");
  churn__pack_i32_bin(wb, ev->sub, n);
  churn__pack_key(wb, "time");
  churn__pack_i64_bin(wb, ev->time, n);
  churn__pack_key(wb, "kind");
  churn__pack_bytes_bin(wb, ev->kind, n);
  churn__pack_key(wb, "code");
  churn__pack_bytes_bin(wb, ev->code, n);
  churn__pack_key(wb, "code2");
  churn__pack_bytes_bin(wb, ev->code2, n);
  churn__pack_key(wb, "value");
  churn__pack_f64_bin(wb, ev->value, n);
  churn__pack_key(wb, "aux1");
  churn__pack_i32_bin(wb, ev->aux1, n);
  churn__pack_key(wb, "aux2");
  churn__pack_i32_bin(wb, ev->aux2, n);
  churn__pack_key(wb, "code_labels");
  uint32_t nd = 0;
  for (int k = 0; k <= CHURN__MAX_KIND; k++) nd += ev->code_dict[k] && ev->code_dict[k]->n > 0;
  msgpack_pack_array(&wb->pk, nd);
  for (int k = 0; k <= CHURN__MAX_KIND; k++) {
    if (!(ev->code_dict[k] && ev->code_dict[k]->n > 0)) continue;
    msgpack_pack_map(&wb->pk, 2);
    churn__pack_key(wb, "kind");
    msgpack_pack_int(&wb->pk, k);
    churn__pack_key(wb, "labels");
    pack_dict(wb, ev->code_dict[k]);
  }
}

static void pack_report(churn__wbuf *wb, const churn__report *r) {
  churn__pack_key(wb, "counters");
  churn__pack_i64_bin(wb, r->count, CHURN_COUNT_END_);
  churn__pack_key(wb, "rejections");
  msgpack_pack_array(&wb->pk, r->nrej);
  for (size_t i = 0; i < r->nrej; i++) {
    msgpack_pack_map(&wb->pk, 4);
    churn__pack_key(wb, "source");
    churn__pack_str(wb, r->rej[i].source);
    churn__pack_key(wb, "row");
    msgpack_pack_int64(&wb->pk, r->rej[i].row);
    churn__pack_key(wb, "column");
    churn__pack_str(wb, r->rej[i].column);
    churn__pack_key(wb, "reason");
    churn__pack_str(wb, r->rej[i].reason);
  }
}

CHURN_API churn_status churn_dataset_save(churn_dataset *ds, const char *path) {
  CHURN_CHECK_ARG(ds != NULL && path != NULL, "churn_dataset_save: ds and path must not be NULL");
  CHURN_TRY(churn_dataset_finalize(ds, NULL));
  churn__wbuf payload, file;
  churn__wbuf_init(&payload);
  msgpack_pack_map(&payload.pk, ds->has_utc_offset ? 6 : 5);
  churn__pack_key(&payload, "subscribers");
  pack_subs(&payload, &ds->subs);
  churn__pack_key(&payload, "events");
  pack_events(&payload, &ds->ev);
  churn__pack_key(&payload, "finalized");
  msgpack_pack_true(&payload.pk);
  pack_report(&payload, &ds->report);
  if (ds->has_utc_offset) {
    churn__pack_key(&payload, "utc_offset");
    msgpack_pack_int64(&payload.pk, ds->utc_offset);
  }
  churn_status st = churn__wbuf_status(&payload, "dataset file");
  churn__wbuf_init(&file);
  if (st == CHURN_OK) st = churn__envelope_write(&file, FORMAT, MAJOR, MINOR, payload.data,
                                                 payload.len);
  churn__wbuf_free(&payload);
  if (st == CHURN_OK) st = churn__write_file_atomic(path, file.data, file.len);
  churn__wbuf_free(&file);
  return st;
}

/* --- reading --------------------------------------------------------------------------------- */

static churn_status bad(const char *what) {
  return churn__fail(CHURN_E_FORMAT, "dataset file: %s", what);
}

static churn_status load_dict(const msgpack_object *map, const char *key, churn__dict *d,
                              int32_t max_codes) {
  const msgpack_object *o = churn__map_get(map, key);
  if (o == NULL || o->type != MSGPACK_OBJECT_MAP) {
    return churn__fail(CHURN_E_FORMAT, "dataset file: dictionary '%s' missing", key);
  }
  int64_t n;
  const uint8_t *text;
  size_t len;
  CHURN_TRY(churn__get_i64(o, "n", &n));
  CHURN_TRY(churn__get_bin(o, "text", &text, &len));
  if (n < 0 || n > max_codes || (n == 0) != (len == 0) || (len > 0 && text[len - 1] != 0)) {
    return churn__fail(CHURN_E_FORMAT, "dataset file: dictionary '%s' is corrupt", key);
  }
  size_t pos = 0;
  for (int64_t c = 0; c < n; c++) {
    const char *s = (const char *)text + pos;
    const char *z = pos < len ? memchr(s, 0, len - pos) : NULL;
    if (z == NULL) return churn__fail(CHURN_E_FORMAT, "dataset file: dictionary '%s' is short", key);
    size_t l = (size_t)(z - s);
    int32_t code;
    bool added;
    CHURN_TRY(churn__dict_intern(d, s, l, max_codes, &code, &added));
    if (!added) {
      return churn__fail(CHURN_E_FORMAT, "dataset file: dictionary '%s' repeats a label", key);
    }
    pos += l + 1;
  }
  if (pos != len) return churn__fail(CHURN_E_FORMAT, "dataset file: dictionary '%s' is long", key);
  return CHURN_OK;
}

static churn_status check_codes(const int32_t *codes, int64_t n, int32_t nlabels,
                                const char *what) {
  for (int64_t i = 0; i < n; i++) {
    if (codes[i] < -1 || codes[i] >= nlabels) {
      return churn__fail(CHURN_E_FORMAT, "dataset file: %s code %ld at row %lld is outside "
                         "[-1, %ld)", what, (long)codes[i], (long long)i, (long)nlabels);
    }
  }
  return CHURN_OK;
}

static churn_status load_catcol(const msgpack_object *subs, const char *key, churn__catcol *c,
                                int64_t n) {
  const msgpack_object *o = churn__map_get(subs, key);
  if (o == NULL || o->type != MSGPACK_OBJECT_MAP) {
    return churn__fail(CHURN_E_FORMAT, "dataset file: column '%s' missing", key);
  }
  CHURN_TRY(churn__get_bin_n(o, "codes", sizeof(int32_t), (size_t)n, c->codes));
  CHURN_TRY(load_dict(o, "labels", &c->dict, INT32_MAX - 1));
  return check_codes(c->codes, n, c->dict.n, key);
}

static churn_status load_attrs(const msgpack_object *subs, churn__subs *s) {
  const msgpack_object *items;
  size_t na;
  CHURN_TRY(churn__get_array(subs, "attrs", &items, &na));
  for (size_t j = 0; j < na; j++) {
    char *name = NULL;
    bool categorical;
    CHURN_TRY(churn__get_str(&items[j], "name", false, &name));
    churn_status st = churn__get_bool(&items[j], "categorical", &categorical);
    size_t k = 0;
    if (st == CHURN_OK && s->nattrs != j) st = bad("attributes");
    if (st == CHURN_OK) st = churn__subs_attr(s, name, categorical, &k);
    if (st == CHURN_OK && k != j) st = bad("attribute names repeat");
    churn__free(name);
    CHURN_TRY(st);
    churn__attr *a = &s->attrs[j];
    if (categorical) {
      CHURN_TRY(churn__get_bin_n(&items[j], "codes", sizeof(int32_t), (size_t)s->n, a->cat.codes));
      CHURN_TRY(load_dict(&items[j], "labels", &a->cat.dict, INT32_MAX - 1));
      CHURN_TRY(check_codes(a->cat.codes, s->n, a->cat.dict.n, a->name));
    } else {
      CHURN_TRY(churn__get_bin_n(&items[j], "num", sizeof(double), (size_t)s->n, a->num));
    }
  }
  return CHURN_OK;
}

static churn_status load_subs(const msgpack_object *root, churn__subs *s) {
  const msgpack_object *o = churn__map_get(root, "subscribers");
  if (o == NULL || o->type != MSGPACK_OBJECT_MAP) return bad("no subscribers");
  int64_t n;
  CHURN_TRY(churn__get_i64(o, "n", &n));
  if (n < 0 || n > INT32_MAX) return bad("subscriber count out of range");
  const uint8_t *p;
  size_t len;
  CHURN_TRY(churn__get_bin(o, "activation", &p, &len)); /* sizes before allocating n rows */
  if (len != (size_t)n * 8) return bad("subscriber column 'activation' has the wrong size");
  CHURN_TRY(churn__subs_reserve(s, n));
  CHURN_TRY(load_dict(o, "ids", &s->ids, INT32_MAX));
  if (s->ids.n != n) return bad("subscriber ids do not match the count");
  s->n = n;
  size_t un = (size_t)n;
  CHURN_TRY(churn__get_bin_n(o, "activation", 8, un, s->activation));
  CHURN_TRY(churn__get_bin_n(o, "cancellation", 8, un, s->cancellation));
  CHURN_TRY(churn__get_bin_n(o, "contract_end", 8, un, s->contract_end));
  CHURN_TRY(churn__get_bin_n(o, "promotion_end", 8, un, s->promotion_end));
  for (int k = 0; k < CHURN__NCAT; k++) CHURN_TRY(load_catcol(o, CATS[k], &s->cat[k], n));
  CHURN_TRY(churn__get_bin_n(o, "price", 8, un, s->price));
  CHURN_TRY(churn__get_bin_n(o, "services", 4, un, s->services));
  CHURN_TRY(churn__get_bin_n(o, "vip", 1, un, s->vip));
  for (int64_t i = 0; i < n; i++) {
    const int64_t dates[] = {s->activation[i], s->cancellation[i], s->contract_end[i],
                             s->promotion_end[i]};
    for (int k = 0; k < 4; k++) {
      if (dates[k] != CHURN_TIME_NONE && !churn__time_ok(dates[k])) {
        return churn__fail(CHURN_E_FORMAT, "dataset file: subscriber %lld has a date outside "
                           "the years 1..9999", (long long)i);
      }
    }
    if (s->vip[i] > 1 || s->services[i] < -1 || isinf(s->price[i])) {
      return churn__fail(CHURN_E_FORMAT, "dataset file: subscriber %lld has invalid values",
                         (long long)i);
    }
  }
  return load_attrs(o, s);
}

static churn_status load_code_labels(const msgpack_object *evo, churn__events *ev) {
  const msgpack_object *items;
  size_t nd;
  CHURN_TRY(churn__get_array(evo, "code_labels", &items, &nd));
  for (size_t j = 0; j < nd; j++) {
    int64_t kind;
    CHURN_TRY(churn__get_i64(&items[j], "kind", &kind));
    if (kind < 1 || kind > CHURN__MAX_KIND || ev->code_dict[kind] != NULL) {
      return bad("code labels of an invalid or repeated kind");
    }
    churn__dict *d;
    CHURN_TRY(churn__events_code_dict(ev, (int)kind, &d));
    CHURN_TRY(load_dict(&items[j], "labels", d, 256));
  }
  return CHURN_OK;
}

static churn_status load_events(const msgpack_object *root, churn__events *ev, int64_t S) {
  const msgpack_object *o = churn__map_get(root, "events");
  if (o == NULL || o->type != MSGPACK_OBJECT_MAP) return bad("no events");
  int64_t n;
  CHURN_TRY(churn__get_i64(o, "n", &n));
  if (n < 0 || n > (int64_t)UINT32_MAX - 1) return bad("event count out of range");
  /* check the column sizes before allocating n rows */
  const uint8_t *p;
  size_t len;
  CHURN_TRY(churn__get_bin(o, "time", &p, &len));
  if (len != (size_t)n * 8) return bad("event column 'time' has the wrong size");
  CHURN_TRY(churn__events_reserve(ev, n));
  size_t un = (size_t)n;
  CHURN_TRY(churn__get_bin_n(o, "sub", 4, un, ev->sub));
  CHURN_TRY(churn__get_bin_n(o, "time", 8, un, ev->time));
  CHURN_TRY(churn__get_bin_n(o, "kind", 1, un, ev->kind));
  CHURN_TRY(churn__get_bin_n(o, "code", 1, un, ev->code));
  CHURN_TRY(churn__get_bin_n(o, "code2", 1, un, ev->code2));
  CHURN_TRY(churn__get_bin_n(o, "value", 8, un, ev->value));
  CHURN_TRY(churn__get_bin_n(o, "aux1", 4, un, ev->aux1));
  CHURN_TRY(churn__get_bin_n(o, "aux2", 4, un, ev->aux2));
  for (int64_t i = 0; i < n; i++) {
    if (ev->sub[i] < 0 || ev->sub[i] >= S || ev->kind[i] == 0 || !churn__is_finite(ev->value[i]) ||
        !churn__time_ok(ev->time[i])) {
      return churn__fail(CHURN_E_FORMAT, "dataset file: event %lld has invalid values",
                         (long long)i);
    }
  }
  ev->n = n;
  return load_code_labels(o, ev);
}

static churn_status load_report(const msgpack_object *root, churn__report *r) {
  CHURN_TRY(churn__get_bin_n(root, "counters", 8, CHURN_COUNT_END_, r->count));
  const msgpack_object *items;
  size_t n;
  CHURN_TRY(churn__get_array(root, "rejections", &items, &n));
  if (n > 0) {
    r->rej = churn__calloc(n, sizeof *r->rej);
    if (r->rej == NULL) return churn__nomem("rejections");
    r->rej_cap = n;
  }
  for (size_t i = 0; i < n; i++) {
    churn__rejection *x = &r->rej[i];
    r->nrej = i + 1; /* so that a failure below frees what was read */
    CHURN_TRY(churn__get_str(&items[i], "source", false, &x->source));
    CHURN_TRY(churn__get_str(&items[i], "column", false, &x->column));
    CHURN_TRY(churn__get_str(&items[i], "reason", false, &x->reason));
    CHURN_TRY(churn__get_i64(&items[i], "row", &x->row));
  }
  return CHURN_OK;
}

static churn_status load_payload(const msgpack_object *root, churn_dataset *ds) {
  if (root->type != MSGPACK_OBJECT_MAP) return bad("payload is not a map");
  CHURN_TRY(load_subs(root, &ds->subs));
  CHURN_TRY(load_events(root, &ds->ev, ds->subs.n));
  CHURN_TRY(load_report(root, &ds->report));
  if (churn__map_get(root, "utc_offset") != NULL) { /* absent in files before minor 1 */
    int64_t off;
    CHURN_TRY(churn__get_i64(root, "utc_offset", &off));
    if (off < -CHURN__MAX_UTC_OFFSET || off > CHURN__MAX_UTC_OFFSET) {
      return bad("utc_offset out of range");
    }
    ds->has_utc_offset = true;
    ds->utc_offset = off;
  }
  bool finalized;
  CHURN_TRY(churn__get_bool(root, "finalized", &finalized));
  if (finalized) {
    int64_t counts[CHURN_COUNT_END_];
    memcpy(counts, ds->report.count, sizeof counts);
    CHURN_TRY(churn_dataset_finalize(ds, NULL));
    memcpy(ds->report.count, counts, sizeof counts);
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_load_buffer(const void *data, size_t len,
                                                 churn_dataset **out) {
  CHURN_CHECK_ARG(data != NULL && out != NULL,
                  "churn_dataset_load_buffer: data and out must not be NULL");
  const uint8_t *payload;
  size_t plen;
  int major, minor;
  CHURN_TRY(churn__envelope_read((const uint8_t *)data, len, FORMAT, MAJOR, &payload, &plen, &major, &minor));
  churn__unpacked u;
  CHURN_TRY(churn__unpack(payload, plen, "dataset payload", &u));
  churn_dataset *ds = NULL;
  churn_status st = churn_dataset_new(&ds);
  if (st == CHURN_OK) st = load_payload(&u.u.data, ds);
  churn__unpacked_free(&u);
  if (st != CHURN_OK) {
    churn_dataset_free(ds);
    return st;
  }
  *out = ds;
  return CHURN_OK;
}

CHURN_API churn_status churn_dataset_load(const char *path, churn_dataset **out) {
  CHURN_CHECK_ARG(path != NULL && out != NULL, "churn_dataset_load: path and out must not be NULL");
  uint8_t *data;
  size_t len;
  CHURN_TRY(churn__read_file(path, &data, &len));
  churn_status st = churn_dataset_load_buffer(data, len, out);
  churn__free(data);
  if (st != CHURN_OK) return churn__context(st, "loading '%s'", path);
  return CHURN_OK;
}
