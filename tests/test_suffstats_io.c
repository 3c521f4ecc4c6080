/*
 * test_suffstats_io.c -- serialisation of sufficient statistics (lib/suffstats_io.c): exact
 * round trips in every Hessian state (with and without score outer products), a distributed fit
 * whose workers ship their statistics as bytes (same model as the in-memory fit to 1e-10, and
 * the same HC0/HC1 covariance), format 1.0 files (no 'meat') still load, truncation at every
 * length, bit flips at every byte, wrong format and newer version, allocation failures.
 */
#include "helpers.h"
#include "common/pack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

enum { N = 3000, D = 3, K = D + 1 };

static double X[N * D], Y[N], W[N];

static void make_data(void) {
  uint64_t s = 7;
  for (int i = 0; i < N; i++) {
    double u[4];
    for (int q = 0; q < 4; q++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      u[q] = (double)(s >> 11) / 9007199254740992.0;
    }
    X[i * D] = 10.0 * u[0];
    X[i * D + 1] = u[1] < 0.4 ? 1.0 : 0.0;
    X[i * D + 2] = 50.0 + 30.0 * u[2];
    double eta = -2.0 + 0.2 * X[i * D] + 0.8 * X[i * D + 1] + 0.01 * X[i * D + 2];
    Y[i] = u[3] < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
    W[i] = 1.0 + (double)(i % 3);
  }
}

static const double CENTER[D] = {5.0, 0.4, 65.0}, SCALE[D] = {2.9, 0.49, 8.7};
static const double BETA[K] = {-0.3, 0.5, 0.2, 0.1};

static churn_suffstats *make_stats(int want_hessian, int64_t from, int64_t to) {
  churn_suffstats *s = NULL;
  ASSERT_OK(churn_suffstats_new(D, 1, CENTER, SCALE, 0.75, 1.5, &s));
  if (want_hessian >= 0) {
    ASSERT_OK(churn_suffstats_accumulate(s, X + from * D, CHURN_F64, to - from, D, D, Y + from,
                                         W + from, BETA, want_hessian, from));
  }
  return s;
}

static uint8_t *save(const churn_suffstats *s, size_t *len) {
  size_t needed = 0;
  ASSERT_FAILS(churn_suffstats_save_buffer(s, NULL, 0, &needed), CHURN_E_BUFFER, "need");
  uint8_t *buf = malloc(needed);
  ASSERT_OK(churn_suffstats_save_buffer(s, buf, needed, &needed));
  *len = needed;
  return buf;
}

static void assert_same_stats(const churn_suffstats *a, const churn_suffstats *b) {
  cr_assert_eq(churn_suffstats_dim(a), churn_suffstats_dim(b));
  cr_assert_eq(churn_suffstats_has_hessian(a), churn_suffstats_has_hessian(b));
  double ha[K * K], hb[K * K], ga[K], gb[K];
  if (churn_suffstats_has_hessian(a)) {
    ASSERT_OK(churn_suffstats_hessian(a, ha));
    ASSERT_OK(churn_suffstats_hessian(b, hb));
    cr_assert(memcmp(ha, hb, sizeof ha) == 0);
  }
  churn_status ma = churn_suffstats_score_products(a, ha), mb = churn_suffstats_score_products(b, hb);
  cr_assert_eq(ma, mb);
  if (ma == CHURN_OK) cr_assert(memcmp(ha, hb, sizeof ha) == 0);
  ASSERT_OK(churn_suffstats_gradient(a, ga));
  ASSERT_OK(churn_suffstats_gradient(b, gb));
  cr_assert(memcmp(ga, gb, sizeof ga) == 0);
  int64_t na, nb, pa, pb;
  double swa, swb, spa, spb, la, lb;
  ASSERT_OK(churn_suffstats_counts(a, &na, &swa, &pa, &spa, &la));
  ASSERT_OK(churn_suffstats_counts(b, &nb, &swb, &pb, &spb, &lb));
  cr_assert(na == nb && pa == pb);
  cr_assert(memcmp(&swa, &swb, 8) == 0 && memcmp(&spa, &spb, 8) == 0 && memcmp(&la, &lb, 8) == 0);
}

Test(suffstats_io, round_trip_is_exact_in_every_state) {
  make_data();
  for (int state = -1; state <= 2; state++) {
    churn_suffstats *s = make_stats(state, 0, N), *back = NULL;
    size_t len;
    uint8_t *buf = save(s, &len);
    ASSERT_OK(churn_suffstats_load_buffer(buf, len, &back));
    assert_same_stats(s, back);
    /* the loaded object merges like the original: same standardisation bit for bit */
    churn_suffstats *more = make_stats(state < 0 ? 1 : state, 0, 100);
    ASSERT_OK(churn_suffstats_merge(back, more));
    ASSERT_OK(churn_suffstats_merge(s, more));
    assert_same_stats(s, back);
    churn_suffstats_free(more);
    churn_suffstats_free(s);
    churn_suffstats_free(back);
    free(buf);
  }
}

Test(suffstats_io, merged_partitions_equal_one_pass) {
  make_data();
  churn_suffstats *all = make_stats(1, 0, N), *driver = make_stats(-1, 0, 0);
  const int64_t cuts[] = {0, 700, 1900, N};
  for (int p = 0; p < 3; p++) {
    churn_suffstats *part = make_stats(1, cuts[p], cuts[p + 1]), *recv = NULL;
    size_t len;
    uint8_t *bytes = save(part, &len);
    ASSERT_OK(churn_suffstats_load_buffer(bytes, len, &recv));
    ASSERT_OK(churn_suffstats_merge(driver, recv));
    churn_suffstats_free(part);
    churn_suffstats_free(recv);
    free(bytes);
  }
  double ha[K * K], hb[K * K], ga[K], gb[K];
  ASSERT_OK(churn_suffstats_hessian(all, ha));
  ASSERT_OK(churn_suffstats_hessian(driver, hb));
  ASSERT_OK(churn_suffstats_gradient(all, ga));
  ASSERT_OK(churn_suffstats_gradient(driver, gb));
  for (int q = 0; q < K * K; q++) cr_assert(rel_close(ha[q], hb[q], 1e-12, 1e-9));
  for (int q = 0; q < K; q++) cr_assert(rel_close(ga[q], gb[q], 1e-10, 1e-9));
  churn_suffstats_free(all);
  churn_suffstats_free(driver);
}

/* A copy of a saved file as format 1.<minor>, its payload without the field `drop` (NULL: keep
 * all) and with one more field written by `add` (NULL: none).  Lets the tests write what a 1.0
 * writer wrote, and malformed 'meat' fields. */
static uint8_t *rewrite(const uint8_t *file, size_t len, int minor, const char *drop,
                        void (*add)(churn__wbuf *), size_t *out_len) {
  const uint8_t *payload;
  size_t plen;
  ASSERT_OK(churn__envelope_read(file, len, "churn-suffstats", 1, &payload, &plen, NULL, NULL));
  churn__unpacked u;
  ASSERT_OK(churn__unpack(payload, plen, "test", &u));
  const msgpack_object_map *map = &u.u.data.via.map;
  uint32_t keep = 0;
  for (uint32_t i = 0; i < map->size; i++) {
    const msgpack_object_str *key = &map->ptr[i].key.via.str;
    keep += !(drop && key->size == strlen(drop) && memcmp(key->ptr, drop, key->size) == 0);
  }
  churn__wbuf p, f;
  churn__wbuf_init(&p);
  msgpack_pack_map(&p.pk, keep + (add != NULL));
  for (uint32_t i = 0; i < map->size; i++) {
    const msgpack_object_str *key = &map->ptr[i].key.via.str;
    if (drop && key->size == strlen(drop) && memcmp(key->ptr, drop, key->size) == 0) continue;
    msgpack_pack_object(&p.pk, map->ptr[i].key);
    msgpack_pack_object(&p.pk, map->ptr[i].val);
  }
  if (add) add(&p);
  churn__unpacked_free(&u);
  churn__wbuf_init(&f);
  ASSERT_OK(churn__envelope_write(&f, "churn-suffstats", 1, minor, p.data, p.len));
  churn__wbuf_free(&p);
  *out_len = f.len;
  return f.data; /* the buffer's storage, freed by the caller */
}

/* A driver and three "workers" that only exchange bytes, every pass; the model equals the
 * in-memory fit's, covariance included (HC0/HC1: the score outer products travel as bytes).
 * With old_driver the driver reads the workers' bytes as a format 1.0 reader would (no 'meat'):
 * the fit must fail with a message instead of asking for passes forever. */
static void distributed_fit(int cov_type, bool old_driver) {
  make_data();
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, cov_type));
  const char *const names[D] = {"a", "b", "c"};
  const int64_t cuts[] = {0, 1000, 2200, N};
  churn_solver *s = NULL;
  ASSERT_OK(churn_solver_new(D, names, o, &s));
  for (int p = 0; p < 3; p++) {
    ASSERT_OK(churn_solver_add_moments(s, X + cuts[p] * D, CHURN_F64, cuts[p + 1] - cuts[p], D, D,
                                       Y + cuts[p], W + cuts[p], cuts[p]));
  }
  ASSERT_OK(churn_solver_begin(s));
  int done = 0, passes = 0, saw_meat = 0;
  while (!done) {
    churn_suffstats *merged = NULL;
    ASSERT_OK(churn_solver_stats_new(s, &merged));
    /* the configuration travels as bytes too: workers start from the driver's empty stats */
    size_t cfg_len;
    uint8_t *cfg = save(merged, &cfg_len);
    double beta[K];
    ASSERT_OK(churn_solver_beta(s, beta));
    int want = churn_solver_wants_hessian(s);
    cr_assert(want <= (cov_type == CHURN_COV_NONROBUST ? 1 : 2));
    saw_meat |= want == 2;
    for (int p = 0; p < 3; p++) {
      churn_suffstats *w = NULL, *recv = NULL;
      ASSERT_OK(churn_suffstats_load_buffer(cfg, cfg_len, &w));
      ASSERT_OK(churn_suffstats_accumulate(w, X + cuts[p] * D, CHURN_F64, cuts[p + 1] - cuts[p],
                                           D, D, Y + cuts[p], W + cuts[p], beta, want, cuts[p]));
      size_t len;
      uint8_t *bytes = save(w, &len);
      if (old_driver) {
        size_t len2;
        uint8_t *old = rewrite(bytes, len, 0, "meat", NULL, &len2);
        free(bytes);
        bytes = old, len = len2;
      }
      ASSERT_OK(churn_suffstats_load_buffer(bytes, len, &recv));
      ASSERT_OK(churn_suffstats_merge(merged, recv));
      churn_suffstats_free(w);
      churn_suffstats_free(recv);
      free(bytes);
    }
    free(cfg);
    churn_status st = churn_solver_step(s, merged, &done);
    churn_suffstats_free(merged);
    if (old_driver) {
      cr_assert_eq(want, 2, "the first pass of an HC fit asks for M");
      cr_assert_eq(st, CHURN_E_ARG);
      cr_assert(strstr(churn_last_error(), "score outer products") != NULL, "%s",
                churn_last_error());
      churn_solver_free(s);
      churn_options_free(o);
      return;
    }
    ASSERT_OK(st);
    cr_assert(++passes < 100);
  }
  cr_assert_eq(saw_meat, cov_type != CHURN_COV_NONROBUST);
  churn_model *dist = NULL, *mem = NULL;
  ASSERT_OK(churn_solver_finish(s, &dist));
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, D, D, Y, W, names, o, &mem));
  double ca[D], cb[D], ia, ib;
  ASSERT_OK(churn_model_coef(dist, ca, &ia));
  ASSERT_OK(churn_model_coef(mem, cb, &ib));
  for (int j = 0; j < D; j++) {
    cr_assert(rel_close(ca[j], cb[j], 1e-10, 0), "coef %d: %.17g vs %.17g", j, ca[j], cb[j]);
  }
  cr_assert(rel_close(ia, ib, 1e-10, 0));
  double va[K * K], vb[K * K];
  ASSERT_OK(churn_model_covariance(dist, va));
  ASSERT_OK(churn_model_covariance(mem, vb));
  for (int q = 0; q < K * K; q++) {
    cr_assert(rel_close(va[q], vb[q], 1e-9, 0), "cov %d: %.17g vs %.17g", q, va[q], vb[q]);
  }
  churn_model_free(dist);
  churn_model_free(mem);
  churn_solver_free(s);
  churn_options_free(o);
}

Test(suffstats_io, distributed_fit_through_bytes_equals_in_memory_fit) {
  distributed_fit(CHURN_COV_NONROBUST, false);
}

Test(suffstats_io, distributed_hc0_hc1_through_bytes_equal_in_memory_fit) {
  distributed_fit(CHURN_COV_HC0, false);
  distributed_fit(CHURN_COV_HC1, false);
}

Test(suffstats_io, statistics_without_meat_fail_an_hc_fit_instead_of_looping) {
  distributed_fit(CHURN_COV_HC0, true);
}

static void add_meat_4(churn__wbuf *p) {
  const double v[4] = {1, 2, 3, 4};
  churn__pack_key(p, "meat");
  churn__pack_f64_bin(p, v, 4);
}

static void add_meat_k2(churn__wbuf *p) {
  double v[K * K] = {0};
  churn__pack_key(p, "meat");
  churn__pack_f64_bin(p, v, K * K);
}

static void add_meat_nan(churn__wbuf *p) {
  double v[K * K] = {0};
  v[5] = NAN;
  churn__pack_key(p, "meat");
  churn__pack_f64_bin(p, v, K * K);
}

static void add_meat_nil(churn__wbuf *p) {
  churn__pack_key(p, "meat");
  msgpack_pack_nil(&p->pk);
}

static void add_meat_str(churn__wbuf *p) {
  churn__pack_key(p, "meat");
  churn__pack_str(p, "beef");
}

/* Versions: a 1.0 file (no 'meat') loads as statistics without score outer products; a 1.1 file
 * with M loads it whatever minor the envelope says; a malformed 'meat' is CHURN_E_FORMAT. */
Test(suffstats_io, format_versions_and_the_meat_field) {
  make_data();
  churn_suffstats *with = make_stats(2, 0, 500), *plain = make_stats(1, 0, 500), *out = NULL;
  size_t len, len10;
  uint8_t *buf = save(with, &len);
  const uint8_t *payload;
  size_t plen;
  int major = 0, minor = 0;
  ASSERT_OK(churn__envelope_read(buf, len, "churn-suffstats", 1, &payload, &plen, &major, &minor));
  cr_assert(major == 1 && minor == 1, "written as %d.%d", major, minor);
  /* what a 1.0 writer wrote: the same statistics without the field */
  uint8_t *v10 = rewrite(buf, len, 0, "meat", NULL, &len10);
  ASSERT_OK(churn_suffstats_load_buffer(v10, len10, &out));
  assert_same_stats(plain, out);
  ASSERT_FAILS(churn_suffstats_score_products(out, NULL), CHURN_E_STATE, "without score outer");
  /* merging it with statistics that have M is refused (the driver would lose rows' scores) */
  ASSERT_FAILS(churn_suffstats_merge(with, out), CHURN_E_ARG, "score outer products");
  churn_suffstats_free(out);
  out = NULL;
  /* a 1.0 envelope around a payload with M: the field is read all the same */
  size_t lm;
  uint8_t *m10 = rewrite(buf, len, 0, NULL, NULL, &lm);
  ASSERT_OK(churn_suffstats_load_buffer(m10, lm, &out));
  assert_same_stats(with, out);
  churn_suffstats_free(out);
  out = NULL;
  free(m10);
  /* nil is "absent" */
  m10 = rewrite(buf, len, 1, "meat", add_meat_nil, &lm);
  ASSERT_OK(churn_suffstats_load_buffer(m10, lm, &out));
  assert_same_stats(plain, out);
  churn_suffstats_free(out);
  out = NULL;
  free(m10);
  /* malformed */
  m10 = rewrite(buf, len, 1, "meat", add_meat_4, &lm);
  ASSERT_FAILS(churn_suffstats_load_buffer(m10, lm, &out), CHURN_E_FORMAT,
               "field 'meat' holds 32 bytes");
  free(m10);
  m10 = rewrite(buf, len, 1, "meat", add_meat_nan, &lm);
  ASSERT_FAILS(churn_suffstats_load_buffer(m10, lm, &out), CHURN_E_FORMAT,
               "field 'meat' has an invalid value at 5");
  free(m10);
  m10 = rewrite(buf, len, 1, "meat", add_meat_str, &lm);
  ASSERT_FAILS(churn_suffstats_load_buffer(m10, lm, &out), CHURN_E_FORMAT, "'meat'");
  free(m10);
  /* M beside gradient-only statistics */
  churn_suffstats *grad = make_stats(0, 0, 500);
  uint8_t *gbuf = save(grad, &len10);
  m10 = rewrite(gbuf, len10, 1, NULL, add_meat_k2, &lm);
  ASSERT_FAILS(churn_suffstats_load_buffer(m10, lm, &out), CHURN_E_FORMAT,
               "field 'meat' is present but hessian_state is 0");
  cr_assert_null(out);
  free(m10);
  free(gbuf);
  free(v10);
  free(buf);
  churn_suffstats_free(grad);
  churn_suffstats_free(with);
  churn_suffstats_free(plain);
}

Test(suffstats_io, argument_errors) {
  make_data();
  churn_suffstats *s = make_stats(1, 0, 10), *out = NULL;
  size_t needed;
  uint8_t small[4];
  ASSERT_FAILS(churn_suffstats_save_buffer(NULL, small, 4, &needed), CHURN_E_ARG, "stats is NULL");
  ASSERT_FAILS(churn_suffstats_save_buffer(s, small, 4, NULL), CHURN_E_ARG, "needed is NULL");
  ASSERT_FAILS(churn_suffstats_save_buffer(s, NULL, 4, &needed), CHURN_E_ARG, "buf is NULL");
  ASSERT_FAILS(churn_suffstats_save_buffer(s, small, 4, &needed), CHURN_E_BUFFER, "cap is 4");
  ASSERT_FAILS(churn_suffstats_load_buffer(small, 4, NULL), CHURN_E_ARG, "out is NULL");
  ASSERT_FAILS(churn_suffstats_load_buffer(NULL, 4, &out), CHURN_E_ARG, "buf is NULL");
  ASSERT_FAILS(churn_suffstats_load_buffer(NULL, 0, &out), CHURN_E_FORMAT, "empty");
  cr_assert_null(out);
  churn_suffstats_free(s);
}

Test(suffstats_io, every_truncation_and_flip_fails_cleanly) {
  make_data();
  churn_suffstats *s = make_stats(2, 0, 200);
  size_t len;
  uint8_t *buf = save(s, &len);
  const uint8_t *payload;
  size_t plen;
  ASSERT_OK(churn__envelope_read(buf, len, "churn-suffstats", 1, &payload, &plen, NULL, NULL));
  size_t payload_at = (size_t)(payload - buf);
  for (size_t cut = 0; cut < len; cut++) {
    churn_suffstats *out = NULL;
    uint8_t *copy = malloc(cut ? cut : 1);
    memcpy(copy, buf, cut);
    cr_assert_eq(churn_suffstats_load_buffer(copy, cut, &out), CHURN_E_FORMAT, "cut %zu", cut);
    cr_assert_null(out);
    free(copy);
  }
  for (size_t i = 0; i < len; i++) {
    uint8_t *copy = malloc(len);
    memcpy(copy, buf, len);
    copy[i] ^= 0x04;
    churn_suffstats *out = NULL;
    churn_status st = churn_suffstats_load_buffer(copy, len, &out);
    if (st == CHURN_OK) {
      cr_assert(i < payload_at, "a flip in payload byte %zu loaded", i);
      assert_same_stats(s, out);
    } else {
      cr_assert(st == CHURN_E_FORMAT || st == CHURN_E_VERSION, "byte %zu: %s", i,
                churn_status_name(st));
      cr_assert(strstr(churn_last_error(), "loading sufficient statistics") != NULL);
    }
    churn_suffstats_free(out);
    free(copy);
  }
  free(buf);
  churn_suffstats_free(s);
}

Test(suffstats_io, wrong_format_and_newer_version) {
  make_data();
  churn_suffstats *s = make_stats(0, 0, 50), *out = NULL;
  size_t len;
  uint8_t *buf = save(s, &len);
  const uint8_t *payload;
  size_t plen;
  ASSERT_OK(churn__envelope_read(buf, len, "churn-suffstats", 1, &payload, &plen, NULL, NULL));
  churn__wbuf wb;
  churn__wbuf_init(&wb);
  ASSERT_OK(churn__envelope_write(&wb, "churn-suffstats", 2, 0, payload, plen));
  ASSERT_FAILS(churn_suffstats_load_buffer(wb.data, wb.len, &out), CHURN_E_VERSION,
               "version 2.0");
  churn__wbuf_free(&wb);
  churn__wbuf_init(&wb);
  ASSERT_OK(churn__envelope_write(&wb, "churn-model", 1, 0, payload, plen));
  ASSERT_FAILS(churn_suffstats_load_buffer(wb.data, wb.len, &out), CHURN_E_FORMAT,
               "expected a 'churn-suffstats'");
  churn__wbuf_free(&wb);
  /* a payload that is not a map */
  churn__wbuf p;
  churn__wbuf_init(&p);
  msgpack_pack_int(&p.pk, 3);
  churn__wbuf_init(&wb);
  ASSERT_OK(churn__envelope_write(&wb, "churn-suffstats", 1, 0, p.data, p.len));
  ASSERT_FAILS(churn_suffstats_load_buffer(wb.data, wb.len, &out), CHURN_E_FORMAT,
               "payload is not a map");
  churn__wbuf_free(&wb);
  churn__wbuf_free(&p);
  /* a payload with the gradient of the wrong size */
  churn__wbuf_init(&p);
  msgpack_pack_map(&p.pk, 5);
  churn__pack_key(&p, "d");
  msgpack_pack_int(&p.pk, 1);
  churn__pack_key(&p, "fit_intercept");
  msgpack_pack_true(&p.pk);
  churn__pack_key(&p, "class_weight0");
  msgpack_pack_double(&p.pk, 1.0);
  churn__pack_key(&p, "class_weight1");
  msgpack_pack_double(&p.pk, 1.0);
  churn__pack_key(&p, "center");
  const double c2[2] = {0, 0};
  churn__pack_f64_bin(&p, c2, 2);
  churn__wbuf_init(&wb);
  ASSERT_OK(churn__envelope_write(&wb, "churn-suffstats", 1, 0, p.data, p.len));
  ASSERT_FAILS(churn_suffstats_load_buffer(wb.data, wb.len, &out), CHURN_E_FORMAT,
               "field 'center' holds 16 bytes");
  churn__wbuf_free(&wb);
  churn__wbuf_free(&p);
  /* a hostile d: the sizes are checked before a d x d Hessian would be allocated */
  churn__wbuf_init(&p);
  msgpack_pack_map(&p.pk, 7);
  churn__pack_key(&p, "d");
  msgpack_pack_int(&p.pk, 100000);
  churn__pack_key(&p, "fit_intercept");
  msgpack_pack_true(&p.pk);
  churn__pack_key(&p, "class_weight0");
  msgpack_pack_double(&p.pk, 1.0);
  churn__pack_key(&p, "class_weight1");
  msgpack_pack_double(&p.pk, 1.0);
  churn__pack_key(&p, "center");
  churn__pack_f64_bin(&p, c2, 0);
  churn__pack_key(&p, "inv_scale");
  churn__pack_f64_bin(&p, c2, 0);
  churn__pack_key(&p, "gradient");
  churn__pack_f64_bin(&p, c2, 1);
  churn__wbuf_init(&wb);
  ASSERT_OK(churn__envelope_write(&wb, "churn-suffstats", 1, 0, p.data, p.len));
  churn_testing_fail_alloc(0);
  ASSERT_FAILS(churn_suffstats_load_buffer(wb.data, wb.len, &out), CHURN_E_FORMAT,
               "field 'center' holds 0 bytes, expected 100000 values");
  cr_assert_lt(churn_testing_fail_alloc(0), 10); /* nothing of size d was allocated */
  churn__wbuf_free(&wb);
  churn__wbuf_free(&p);
  cr_assert_null(out);
  free(buf);
  churn_suffstats_free(s);
}

Test(suffstats_io, allocation_failures_are_clean) {
  make_data();
  churn_suffstats *s = make_stats(2, 0, 100), *out = NULL;
  size_t len;
  uint8_t *buf = save(s, &len);
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_suffstats_save_buffer(s, buf, len, &len));
  uint64_t count = churn_testing_fail_alloc(0);
  for (uint64_t k = 1; k <= count; k++) {
    churn_testing_fail_alloc(k);
    churn_status st = churn_suffstats_save_buffer(s, buf, len, &len);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "save, allocation %llu", (unsigned long long)k);
  }
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_suffstats_load_buffer(buf, len, &out));
  count = churn_testing_fail_alloc(0);
  churn_suffstats_free(out);
  for (uint64_t k = 1; k <= count; k++) {
    out = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_suffstats_load_buffer(buf, len, &out);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "load, allocation %llu: %s", (unsigned long long)k,
                 churn_last_error());
    cr_assert_null(out);
  }
  free(buf);
  churn_suffstats_free(s);
  if (__lsan_do_recoverable_leak_check) cr_assert_eq(__lsan_do_recoverable_leak_check(), 0);
}

/* Issue 21 #14: the header of saved statistics (minor, library) is inside the file checksum. */
Test(suffstats_io, header_bit_flips_are_refused) {
  make_data();
  churn_suffstats *s = make_stats(1, 0, N), *out = NULL;
  size_t len;
  uint8_t *bytes = save(s, &len);
  const char *keys[] = {"\xa5minor", "\xa7library"};
  for (int k = 0; k < 2; k++) {
    size_t n = strlen(keys[k]), at = len;
    for (size_t i = 0; i + n < len && at == len; i++) {
      if (memcmp(bytes + i, keys[k], n) == 0) at = i + n + (k == 1);
    }
    cr_assert_lt(at, len, "key %s not found", keys[k] + 1);
    bytes[at] ^= 0x01;
    ASSERT_FAILS(churn_suffstats_load_buffer(bytes, len, &out), CHURN_E_FORMAT, "checksum mismatch");
    bytes[at] ^= 0x01;
  }
  ASSERT_OK(churn_suffstats_load_buffer(bytes, len, &out));
  churn_suffstats_free(out);
  free(bytes);
  churn_suffstats_free(s);
}
