/*
 * test_dataset_io.c -- the dataset file (lib/dataset_io.c): exact round trips CSV -> dataset ->
 * msgpack -> dataset (every column, dictionary, attribute, counter and rejection compared
 * bit for bit), and hostile input: every truncation, byte flips, wrong format, missing file,
 * and payloads whose checksum is right but whose content is inconsistent (each consistency
 * check of the loader, by a payload rebuilt with one field replaced).  Links the static library
 * for the msgpack envelope (common/pack.h).
 */
#include "helpers.h"
#include "common/pack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *tmp_path(const char *name) {
  static char path[4][512];
  static int k;
  char *p = path[k++ % 4];
  snprintf(p, 512, "%s/%s", test_tmpdir(), name);
  return p;
}

static const char *write_tmp(const char *name, const char *text) {
  const char *p = tmp_path(name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  return p;
}

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n);
  cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static churn_dataset *sample(void) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *subs = "subscriber_id,activation,region,tier,price,vip,services,plan,score\n"
                     "S1,2024-03-01,north,high,29.85,1,2,gold,0.1\n"
                     "S2,2000-01-01,\"south, coast\",,56.95,0,1,silver,\n"
                     "S3,2000-01-01,north,low,,0,,,-3.5e-7\n"
                     "S3,2000-01-01,north,low,,0,,,1\n"; /* duplicate id: a kept rejection */
  const char *ev = "subscriber_id,time,kind,value,code,code2,due_date\n"
                   "S2,2024-03-07,fault,,7,,\n"
                   "S1,2024-03-05T10:00:00Z,bill,49.9,,,2024-03-19\n"
                   "S1,2024-03-06,view,95.5,sports,prime,\n"
                   "S3,2024-03-06,view,1e-9,news,late,\n"
                   "S1,2024-03-06,view,95.5,sports,prime,\n" /* a duplicate event */
                   "S3,2024-03-08,cancel,,moving,,\n"
                   "S3,2024-03-08,payment,nan,,,\n"; /* a rejected row */
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_tmp("s.csv", subs), NULL));
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("e.csv", ev), NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  return ds;
}

static void assert_same_column(const churn_dataset *a, const churn_dataset *b, const char *name,
                               bool events) {
  churn_dtype ta, tb;
  const void *pa, *pb;
  if (events) {
    ASSERT_OK(churn_dataset_event_column(a, name, &ta, &pa));
    ASSERT_OK(churn_dataset_event_column(b, name, &tb, &pb));
  } else {
    ASSERT_OK(churn_dataset_subscriber_column(a, name, &ta, &pa));
    ASSERT_OK(churn_dataset_subscriber_column(b, name, &tb, &pb));
  }
  cr_assert_eq(ta, tb, "%s", name);
  int64_t n = events ? churn_dataset_num_events(a) : churn_dataset_num_subscribers(a);
  size_t bytes = (size_t)n * churn_dtype_size(ta);
  cr_assert(n == 0 || memcmp(pa, pb, bytes) == 0, "column %s differs", name);
}

static void assert_same_labels(const churn_dataset *a, const churn_dataset *b, const char *col) {
  int32_t na, nb;
  ASSERT_OK(churn_dataset_category_label(a, col, -1, NULL, &na));
  ASSERT_OK(churn_dataset_category_label(b, col, -1, NULL, &nb));
  cr_assert_eq(na, nb, "%s", col);
  for (int32_t c = 0; c < na; c++) {
    const char *la, *lb;
    ASSERT_OK(churn_dataset_category_label(a, col, c, &la, NULL));
    ASSERT_OK(churn_dataset_category_label(b, col, c, &lb, NULL));
    cr_assert_str_eq(la, lb);
  }
}

static void assert_same(const churn_dataset *a, const churn_dataset *b) {
  cr_assert_eq(churn_dataset_num_subscribers(a), churn_dataset_num_subscribers(b));
  cr_assert_eq(churn_dataset_num_events(a), churn_dataset_num_events(b));
  cr_assert_eq(churn_dataset_is_finalized(b), 1);
  for (int64_t i = 0; i < churn_dataset_num_subscribers(a); i++) {
    const char *ia, *ib;
    ASSERT_OK(churn_dataset_subscriber_id(a, i, &ia));
    ASSERT_OK(churn_dataset_subscriber_id(b, i, &ib));
    cr_assert_str_eq(ia, ib);
  }
  const char *name;
  churn_dtype dt;
  for (int64_t j = 0; churn_dataset_subscriber_column_at(a, j, &name, &dt) == CHURN_OK; j++) {
    const char *nb;
    ASSERT_OK(churn_dataset_subscriber_column_at(b, j, &nb, NULL));
    cr_assert_str_eq(name, nb);
    assert_same_column(a, b, name, false);
    if (dt == CHURN_I32 && strcmp(name, "services") != 0) assert_same_labels(a, b, name);
  }
  const char *evcols[] = {"subscriber", "time", "kind", "code", "code2", "value", "aux1", "aux2"};
  for (int k = 0; k < 8; k++) assert_same_column(a, b, evcols[k], true);
  assert_same_labels(a, b, "view");
  assert_same_labels(a, b, "fault");
  const int64_t *oa, *ob;
  ASSERT_OK(churn_dataset_event_offsets(a, &oa));
  ASSERT_OK(churn_dataset_event_offsets(b, &ob));
  cr_assert(memcmp(oa, ob, (size_t)(churn_dataset_num_subscribers(a) + 1) * 8) == 0);
  for (int c = 0; c < CHURN_COUNT_END_; c++) {
    int64_t x, y;
    ASSERT_OK(churn_dataset_ingest_count(a, (churn_ingest_counter)c, &x));
    ASSERT_OK(churn_dataset_ingest_count(b, (churn_ingest_counter)c, &y));
    cr_assert_eq(x, y, "counter %d", c);
  }
  churn_table *ta, *tb;
  ASSERT_OK(churn_dataset_rejections(a, &ta));
  ASSERT_OK(churn_dataset_rejections(b, &tb));
  cr_assert_eq(churn_table_nrows(ta), churn_table_nrows(tb));
  for (int64_t j = 0; j < 4; j++) {
    for (int64_t r = 0; r < churn_table_nrows(ta); r++) {
      if (j == 1) {
        const int64_t *x, *y;
        ASSERT_OK(churn_table_i64(ta, j, &x));
        ASSERT_OK(churn_table_i64(tb, j, &y));
        cr_assert_eq(x[r], y[r]);
      } else {
        const char *const *x, *const *y;
        ASSERT_OK(churn_table_str(ta, j, &x));
        ASSERT_OK(churn_table_str(tb, j, &y));
        cr_assert_str_eq(x[r], y[r]);
      }
    }
  }
  churn_table_free(ta);
  churn_table_free(tb);
}

Test(dataset_io, csv_to_msgpack_round_trip_is_exact) {
  churn_dataset *a = sample();
  cr_assert_eq(churn_dataset_num_subscribers(a), 3);
  cr_assert_eq(churn_dataset_num_events(a), 6);
  int64_t dups, rej;
  ASSERT_OK(churn_dataset_ingest_count(a, CHURN_COUNT_DUPLICATE_EVENTS, &dups));
  ASSERT_OK(churn_dataset_ingest_count(a, CHURN_COUNT_REJECTED, &rej));
  cr_assert_eq(dups, 1);
  cr_assert_eq(rej, 2);
  const char *path = tmp_path("a.churnds");
  ASSERT_OK(churn_dataset_save(a, path));
  churn_dataset *b;
  ASSERT_OK(churn_dataset_load(path, &b));
  assert_same(a, b);
  /* a second round trip gives the same bytes */
  const char *path2 = tmp_path("b.churnds");
  ASSERT_OK(churn_dataset_save(b, path2));
  size_t l1, l2;
  uint8_t *b1 = read_all(path, &l1), *b2 = read_all(path2, &l2);
  cr_assert_eq(l1, l2);
  cr_assert(memcmp(b1, b2, l1) == 0);
  free(b1);
  free(b2);
  /* the loaded dataset takes more data like the original */
  ASSERT_OK(churn_dataset_read_events_csv(b, write_tmp("more.csv",
                                          "subscriber_id,time,kind,code\nS2,2024-04-01,complaint,billing\n"),
                                          NULL));
  cr_assert_eq(churn_dataset_num_events(b), 7);
  churn_dataset_free(a);
  churn_dataset_free(b);
}

Test(dataset_io, empty_and_unfinalized_datasets_round_trip) {
  churn_dataset *a, *b;
  ASSERT_OK(churn_dataset_new(&a));
  const char *path = tmp_path("empty.churnds");
  ASSERT_OK(churn_dataset_save(a, path));
  ASSERT_OK(churn_dataset_load(path, &b));
  cr_assert_eq(churn_dataset_num_subscribers(b), 0);
  cr_assert_eq(churn_dataset_num_events(b), 0);
  churn_dataset_free(b);
  /* unsorted appends: save finalizes first */
  int64_t ids[] = {5, 6};
  churn_column sc[] = {{"subscriber_id", CHURN_I64, ids, 2, NULL, 0}};
  ASSERT_OK(churn_dataset_append_subscribers(a, sc, 1, NULL));
  int64_t sub[] = {1, 0}, t[] = {10, 20};
  uint8_t kind[] = {CHURN_EV_HEARTBEAT, CHURN_EV_HEARTBEAT};
  churn_column ec[] = {{"subscriber_index", CHURN_I64, sub, 2, NULL, 0},
                       {"time", CHURN_I64, t, 2, NULL, 0},
                       {"kind", CHURN_U8, kind, 2, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(a, ec, 3, NULL));
  ASSERT_OK(churn_dataset_save(a, path));
  cr_assert_eq(churn_dataset_is_finalized(a), 1);
  ASSERT_OK(churn_dataset_load(path, &b));
  assert_same(a, b);
  churn_dataset_free(a);
  churn_dataset_free(b);
}

Test(dataset_io, hostile_bytes_are_errors_not_crashes) {
  churn_dataset *a = sample();
  const char *path = tmp_path("h.churnds");
  ASSERT_OK(churn_dataset_save(a, path));
  size_t len;
  uint8_t *buf = read_all(path, &len);
  churn_dataset *b = NULL;
  /* every truncation */
  for (size_t n = 0; n < len; n++) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, buf, n);
    churn_status st = churn_dataset_load_buffer(copy, n, &b);
    cr_assert(st == CHURN_E_FORMAT, "truncated to %zu: %s %s", n, churn_status_name(st),
              churn_last_error());
    free(copy);
  }
  /* every single-byte flip: an error (the checksum or the structure), or an equal dataset when
   * the flip hits a byte that does not matter */
  for (size_t i = 0; i < len; i++) {
    buf[i] ^= 0x5a;
    churn_status st = churn_dataset_load_buffer(buf, len, &b);
    cr_assert(st == CHURN_E_FORMAT || st == CHURN_E_VERSION || st == CHURN_OK, "byte %zu: %s", i,
              churn_status_name(st));
    if (st == CHURN_OK) churn_dataset_free(b);
    buf[i] ^= 0x5a;
  }
  ASSERT_OK(churn_dataset_load_buffer(buf, len, &b));
  churn_dataset_free(b);
  free(buf);
  /* a newer major version of the format (the envelope's "major": 1 made 2) */
  uint8_t *nv = read_all(path, &len);
  uint8_t *m = NULL;
  for (size_t i = 0; i + 7 <= len; i++) {
    if (memcmp(nv + i, "\xa5major\x01", 7) == 0) m = nv + i + 6;
  }
  cr_assert_not_null(m);
  *m = 2;
  ASSERT_FAILS(churn_dataset_load_buffer(nv, len, &b), CHURN_E_VERSION, "2");
  free(nv);
  /* not a dataset file */
  const char *other = write_tmp("x.churnds", "subscriber_id\n");
  ASSERT_FAILS(churn_dataset_load(other, &b), CHURN_E_FORMAT, "x.churnds");
  ASSERT_FAILS(churn_dataset_load(tmp_path("missing.churnds"), &b), CHURN_E_IO, "missing.churnds");
  ASSERT_FAILS(churn_dataset_load(NULL, &b), CHURN_E_ARG, "NULL");
  ASSERT_FAILS(churn_dataset_save(NULL, path), CHURN_E_ARG, "NULL");
  ASSERT_FAILS(churn_dataset_save(a, "/nonexistent/dir/x.churnds"), CHURN_E_IO, "nonexistent");
  churn_dataset_free(a);
}

Test(dataset_io, allocation_failures_on_load_are_clean) {
  churn_dataset *a = sample();
  const char *path = tmp_path("f.churnds");
  ASSERT_OK(churn_dataset_save(a, path));
  size_t len;
  uint8_t *buf = read_all(path, &len);
  for (uint64_t k = 1; k < 400; k++) {
    churn_dataset *b = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_dataset_load_buffer(buf, len, &b);
    churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_OK || st == CHURN_E_NOMEM, "k=%d: %s %s", (int)k, churn_status_name(st),
              churn_last_error());
    if (st == CHURN_OK) {
      assert_same(a, b);
      churn_dataset_free(b);
    }
  }
  free(buf);
  churn_dataset_free(a);
}

/* --- consistent envelope, inconsistent payload ----------------------------------------------- */

typedef void (*field_writer)(churn__wbuf *wb);

static int64_t g_nsubs, g_nevents; /* of the sample, for the writers below */

static bool key_is(const msgpack_object *k, const char *name) {
  return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(name) &&
         memcmp(k->via.str.ptr, name, k->via.str.size) == 0;
}

/* Packs o with the value at path[0].path[1]... (nested map keys) replaced by w's output. */
static void pack_replaced(churn__wbuf *wb, const msgpack_object *o, const char *const *path,
                          int depth, int npath, field_writer w) {
  if (depth == npath) {
    w(wb);
    return;
  }
  cr_assert_eq(o->type, MSGPACK_OBJECT_MAP, "path component %d", depth);
  bool found = false;
  msgpack_pack_map(&wb->pk, o->via.map.size);
  for (uint32_t i = 0; i < o->via.map.size; i++) {
    const msgpack_object_kv *kv = &o->via.map.ptr[i];
    msgpack_pack_object(&wb->pk, kv->key);
    if (key_is(&kv->key, path[depth])) {
      found = true;
      pack_replaced(wb, &kv->val, path, depth + 1, npath, w);
    } else {
      msgpack_pack_object(&wb->pk, kv->val);
    }
  }
  cr_assert(found, "no field '%s'", path[depth]);
}

/* Loads the saved sample with one field (a dotted path of map keys) replaced, in a valid
 * envelope (the checksum is recomputed), and expects CHURN_E_FORMAT naming the problem. */
static void expect_inconsistent(const uint8_t *buf, size_t len, const char *dotted,
                                field_writer w, const char *fragment) {
  const uint8_t *payload;
  size_t plen;
  ASSERT_OK(churn__envelope_read(buf, len, "churn-dataset", 1, &payload, &plen, NULL, NULL));
  churn__unpacked u;
  ASSERT_OK(churn__unpack(payload, plen, "test", &u));
  char copy[128];
  snprintf(copy, sizeof copy, "%s", dotted);
  const char *path[4];
  int np = 0;
  for (char *t = strtok(copy, "."); t != NULL && np < 4; t = strtok(NULL, ".")) path[np++] = t;
  churn__wbuf p, env;
  churn__wbuf_init(&p);
  pack_replaced(&p, &u.u.data, path, 0, np, w);
  churn__wbuf_init(&env);
  ASSERT_OK(churn__envelope_write(&env, "churn-dataset", 1, 0, p.data, p.len));
  churn_dataset *out = NULL;
  ASSERT_FAILS(churn_dataset_load_buffer(env.data, env.len, &out), CHURN_E_FORMAT, fragment);
  cr_assert_null(out);
  churn__wbuf_free(&p);
  churn__wbuf_free(&env);
  churn__unpacked_free(&u);
}

static void w_minus_one(churn__wbuf *wb) { msgpack_pack_int(&wb->pk, -1); }
static void w_text_short(churn__wbuf *wb) { churn__pack_bytes_bin(wb, "north", 6); }
static void w_text_repeat(churn__wbuf *wb) { churn__pack_bytes_bin(wb, "north\0north", 12); }
static void w_text_long(churn__wbuf *wb) { churn__pack_bytes_bin(wb, "north\0south, coast\0x", 21); }
static void w_codes_outside(churn__wbuf *wb) {
  int32_t c[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  c[g_nsubs - 1] = 7; /* the region dictionary has 2 labels */
  churn__pack_i32_bin(wb, c, (size_t)g_nsubs);
}
static void w_activation_short(churn__wbuf *wb) {
  int64_t t[8] = {0};
  churn__pack_i64_bin(wb, t, (size_t)g_nsubs - 1);
}
static void w_no_ids(churn__wbuf *wb) {
  msgpack_pack_map(&wb->pk, 2);
  churn__pack_i64_field(wb, "n", 0);
  churn__pack_key(wb, "text");
  churn__pack_bytes_bin(wb, "", 0);
}
static void w_far_cancellation(churn__wbuf *wb) {
  int64_t t[8];
  for (int i = 0; i < 8; i++) t[i] = CHURN_TIME_NONE;
  t[1] = INT64_C(1) << 60;
  churn__pack_i64_bin(wb, t, (size_t)g_nsubs);
}
static void w_vip_two(churn__wbuf *wb) {
  uint8_t v[8] = {0, 2, 0, 0, 0, 0, 0, 0};
  churn__pack_bytes_bin(wb, v, (size_t)g_nsubs);
}
static void w_attrs_repeat(churn__wbuf *wb) {
  double x[8] = {0};
  msgpack_pack_array(&wb->pk, 2);
  for (int j = 0; j < 2; j++) {
    msgpack_pack_map(&wb->pk, 3);
    churn__pack_key(wb, "name");
    churn__pack_str(wb, "score");
    churn__pack_key(wb, "categorical");
    msgpack_pack_false(&wb->pk);
    churn__pack_key(wb, "num");
    churn__pack_f64_bin(wb, x, (size_t)g_nsubs);
  }
}
static void w_kind_zero_labels(churn__wbuf *wb) {
  msgpack_pack_array(&wb->pk, 1);
  msgpack_pack_map(&wb->pk, 2);
  churn__pack_i64_field(wb, "kind", 0);
  churn__pack_key(wb, "labels");
  w_no_ids(wb);
}
static void w_time_short(churn__wbuf *wb) {
  int64_t t[16] = {0};
  churn__pack_i64_bin(wb, t, (size_t)g_nevents + 1);
}
static void w_kind_none(churn__wbuf *wb) {
  uint8_t k[16] = {0};
  churn__pack_bytes_bin(wb, k, (size_t)g_nevents);
}
static void w_sub_outside(churn__wbuf *wb) {
  int32_t x[16] = {0};
  x[g_nevents - 1] = (int32_t)g_nsubs;
  churn__pack_i32_bin(wb, x, (size_t)g_nevents);
}

Test(dataset_io, inconsistent_payloads_are_rejected) {
  churn_dataset *a = sample();
  g_nsubs = churn_dataset_num_subscribers(a);
  g_nevents = churn_dataset_num_events(a);
  cr_assert(g_nsubs >= 2 && g_nsubs <= 8 && g_nevents >= 1 && g_nevents < 16);
  const char *path = tmp_path("c.churnds");
  ASSERT_OK(churn_dataset_save(a, path));
  size_t len;
  uint8_t *buf = read_all(path, &len);
  /* dictionaries (the region labels are "north", "south, coast") */
  expect_inconsistent(buf, len, "subscribers.region.labels.n", w_minus_one,
                      "dictionary 'labels' is corrupt");
  expect_inconsistent(buf, len, "subscribers.region.labels.text", w_text_short,
                      "dictionary 'labels' is short");
  expect_inconsistent(buf, len, "subscribers.region.labels.text", w_text_repeat,
                      "dictionary 'labels' repeats a label");
  expect_inconsistent(buf, len, "subscribers.region.labels.text", w_text_long,
                      "dictionary 'labels' is long");
  expect_inconsistent(buf, len, "subscribers.region.codes", w_codes_outside,
                      "region code 7 at row");
  /* subscribers */
  expect_inconsistent(buf, len, "subscribers.n", w_minus_one, "subscriber count out of range");
  expect_inconsistent(buf, len, "subscribers.activation", w_activation_short,
                      "'activation' has the wrong size");
  expect_inconsistent(buf, len, "subscribers.ids", w_no_ids,
                      "subscriber ids do not match the count");
  expect_inconsistent(buf, len, "subscribers.cancellation", w_far_cancellation,
                      "subscriber 1 has a date outside the years 1..9999");
  expect_inconsistent(buf, len, "subscribers.vip", w_vip_two, "subscriber 1 has invalid values");
  expect_inconsistent(buf, len, "subscribers.attrs", w_attrs_repeat, "attribute names repeat");
  /* events */
  expect_inconsistent(buf, len, "events.n", w_minus_one, "event count out of range");
  expect_inconsistent(buf, len, "events.time", w_time_short, "'time' has the wrong size");
  expect_inconsistent(buf, len, "events.kind", w_kind_none, "event 0 has invalid values");
  expect_inconsistent(buf, len, "events.sub", w_sub_outside, "has invalid values");
  expect_inconsistent(buf, len, "events.code_labels", w_kind_zero_labels,
                      "code labels of an invalid or repeated kind");
  /* the unchanged payload still loads */
  churn_dataset *b = NULL;
  ASSERT_OK(churn_dataset_load_buffer(buf, len, &b));
  assert_same(a, b);
  churn_dataset_free(b);
  free(buf);
  churn_dataset_free(a);
}

/* Issue 21 #14: the header of a saved dataset (the minor version, the library version) is
 * inside the file checksum: one flipped bit there used to load. */
Test(dataset_io, header_bit_flips_are_refused) {
  churn_dataset *ds = sample(), *out = NULL;
  const char *p = tmp_path("hdr.msgpack");
  ASSERT_OK(churn_dataset_save(ds, p));
  size_t len;
  uint8_t *bytes = read_all(p, &len);
  const char *keys[] = {"\xa5minor", "\xa7library"};
  for (int k = 0; k < 2; k++) {
    size_t n = strlen(keys[k]), at = len;
    for (size_t i = 0; i + n < len && at == len; i++) {
      if (memcmp(bytes + i, keys[k], n) == 0) at = i + n + (k == 1); /* the value (past a str tag) */
    }
    cr_assert_lt(at, len, "key %s not found", keys[k] + 1);
    bytes[at] ^= 0x01;
    ASSERT_FAILS(churn_dataset_load_buffer(bytes, len, &out), CHURN_E_FORMAT, "checksum mismatch");
    cr_assert_null(out);
    bytes[at] ^= 0x01;
  }
  ASSERT_OK(churn_dataset_load_buffer(bytes, len, &out));
  churn_dataset_free(out);
  free(bytes);
  churn_dataset_free(ds);
}
