/*
 * test_model_io.c -- model persistence (lib/model_io.c): exact round trips through a buffer and
 * a file (every field bit-identical, predictions bit-identical), the needed-length buffer
 * protocol, and corrupt input: truncation at every length, bit flips at every byte, trailing
 * bytes, another format, a newer major version, missing fields and inconsistent sizes, each a
 * clean status and message.  Links the static library to build models and payloads directly.
 */
#include "helpers.h"
#include "model/model.h"
#include "common/pack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* A model with every field set to a distinctive value (not a fit: persistence must not care). */
static churn_model *make_model(int64_t d, int fit_intercept, bool with_cov) {
  churn_model *m = NULL;
  ASSERT_OK(churn__model_new(d, fit_intercept, &m));
  static const char *const names[] = {"tenure_months", "monthly_charge", "faults_90d",
                                      "viewing_drop_pct", "payment_late_months"};
  for (int64_t j = 0; j < d; j++) {
    ASSERT_OK(churn__model_set_name(m, j, names[j % 5]));
    m->mean[j] = 0.1 * (double)(j + 1) + 1e-17 * (double)j;
    m->scale[j] = 1.0 / 3.0 + (double)j;
    m->coef[j] = (j % 2 ? -1.0 : 1.0) * (0.123456789012345678 + (double)j) / 7.0;
  }
  m->intercept = fit_intercept ? -1.2345678901234567 : 0.0;
  if (with_cov) {
    ASSERT_OK(churn__model_alloc_cov(m));
    /* symmetric with a positive diagonal, as a loader now requires */
    for (int64_t i = 0; i < m->k; i++) {
      for (int64_t j = 0; j < m->k; j++) m->cov[i * m->k + j] = 1e-3 / (1.0 + (double)(i + j)) + (i == j ? 0.01 : 0);
    }
  }
  m->config.penalty = CHURN_PENALTY_L2;
  m->config.C = 0.5;
  m->config.l1_ratio = 0.25;
  m->config.standardize = 1;
  m->config.class_weight = 1;
  m->config.class_weight0 = 0.6;
  m->config.class_weight1 = 2.5;
  m->config.cov_type = CHURN_COV_HC1;
  m->config.population_rate = 0.03;
  m->config.tol = 1e-9;
  m->config.max_iter = 77;
  m->config.inference = with_cov;
  m->info.n_obs = 7043;
  m->info.positives = 1869;
  m->info.sum_w = 7043.5;
  m->info.sum_w_positive = 1869.25;
  m->info.n_iter = 6;
  m->info.n_passes = 9;
  m->info.converged = 1;
  m->info.loglik = -2907.123456789;
  m->info.null_loglik = -4075.987654321;
  m->info.gradient_norm = 3.5e-11;
  m->info.intercept_shift = -0.75;
  m->n_clusters = 0;
  return m;
}

static bool same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void assert_same_model(const churn_model *a, const churn_model *b) {
  cr_assert_eq(a->d, b->d);
  cr_assert_eq(a->k, b->k);
  size_t d = (size_t)a->d;
  for (size_t j = 0; j < d; j++) cr_assert_str_eq(a->names[j], b->names[j]);
  cr_assert(d == 0 || memcmp(a->mean, b->mean, d * sizeof(double)) == 0);
  cr_assert(d == 0 || memcmp(a->scale, b->scale, d * sizeof(double)) == 0);
  cr_assert(d == 0 || memcmp(a->coef, b->coef, d * sizeof(double)) == 0);
  cr_assert(same_double(a->intercept, b->intercept));
  cr_assert_eq(a->cov == NULL, b->cov == NULL);
  if (a->cov) cr_assert(memcmp(a->cov, b->cov, (size_t)(a->k * a->k) * sizeof(double)) == 0);
  const churn__fit_config *p = &a->config, *q = &b->config;
  cr_assert(p->penalty == q->penalty && same_double(p->C, q->C) &&
            same_double(p->l1_ratio, q->l1_ratio) && p->fit_intercept == q->fit_intercept &&
            p->standardize == q->standardize && p->class_weight == q->class_weight &&
            same_double(p->class_weight0, q->class_weight0) &&
            same_double(p->class_weight1, q->class_weight1) && p->cov_type == q->cov_type &&
            same_double(p->population_rate, q->population_rate) && same_double(p->tol, q->tol) &&
            p->max_iter == q->max_iter && p->inference == q->inference);
  const churn__fit_info *f = &a->info, *g = &b->info;
  cr_assert(f->n_obs == g->n_obs && f->positives == g->positives &&
            same_double(f->sum_w, g->sum_w) && same_double(f->sum_w_positive, g->sum_w_positive) &&
            f->n_iter == g->n_iter && f->n_passes == g->n_passes && f->converged == g->converged &&
            same_double(f->loglik, g->loglik) && same_double(f->null_loglik, g->null_loglik) &&
            same_double(f->gradient_norm, g->gradient_norm) &&
            same_double(f->intercept_shift, g->intercept_shift));
  cr_assert_eq(a->n_clusters, b->n_clusters);
}

/* The image of m in a malloc'd buffer (two-call protocol). */
static uint8_t *save(const churn_model *m, size_t *len) {
  size_t needed = 0;
  ASSERT_FAILS(churn_model_save_buffer(m, NULL, 0, &needed), CHURN_E_BUFFER, "needs");
  cr_assert(needed > 0);
  uint8_t *buf = malloc(needed);
  size_t again = 0;
  ASSERT_OK(churn_model_save_buffer(m, buf, needed, &again));
  cr_assert_eq(again, needed);
  *len = needed;
  return buf;
}

Test(model_io, buffer_round_trip_is_exact) {
  for (int variant = 0; variant < 4; variant++) {
    int fi = variant & 1;
    bool cov = variant & 2;
    churn_model *m = make_model(5, fi, cov), *back = NULL;
    size_t len;
    uint8_t *buf = save(m, &len);
    ASSERT_OK(churn_model_load_buffer(buf, len, &back));
    assert_same_model(m, back);
    /* saving the loaded model gives the same bytes */
    size_t len2;
    uint8_t *buf2 = save(back, &len2);
    cr_assert(len == len2 && memcmp(buf, buf2, len) == 0);
    free(buf);
    free(buf2);
    churn_model_free(m);
    churn_model_free(back);
  }
}

/* A file whose recorded fit options lie outside their bounds (written by a foreign or damaged
 * writer: the loader checks types, not every bound) loads, but churn_model_fit_options refuses
 * to report them, naming the option, and allocates nothing. */
Test(model_io, fit_options_out_of_bounds_are_a_format_error) {
  churn_model *m = make_model(3, 1, true), *back = NULL;
  m->config.max_iter = 0;  /* fit.max_iter is >= 1 */
  size_t len;
  uint8_t *buf = save(m, &len);
  ASSERT_OK(churn_model_load_buffer(buf, len, &back));
  churn_options *o = NULL;
  ASSERT_FAILS(churn_model_fit_options(back, &o), CHURN_E_FORMAT, "fit.max_iter = 0");
  cr_assert_null(o);
  back->config.max_iter = 77;
  back->config.penalty = 9;  /* no such penalty (the loader itself refuses it in a file) */
  ASSERT_FAILS(churn_model_fit_options(back, &o), CHURN_E_FORMAT, "fit.penalty = 9");
  cr_assert_null(o);
  free(buf);
  churn_model_free(m);
  churn_model_free(back);
  if (__lsan_do_recoverable_leak_check) cr_assert_eq(__lsan_do_recoverable_leak_check(), 0);
}

Test(model_io, round_trip_of_an_intercept_only_model) {
  churn_model *m = make_model(0, 1, true), *back = NULL;
  size_t len;
  uint8_t *buf = save(m, &len);
  ASSERT_OK(churn_model_load_buffer(buf, len, &back));
  assert_same_model(m, back);
  free(buf);
  churn_model_free(m);
  churn_model_free(back);
}

Test(model_io, fitted_model_predicts_bit_identically_after_a_file_round_trip) {
  /* a small, non-separated design: 3 features, 60 rows */
  enum { N = 60, D = 3 };
  double X[N * D], y[N];
  for (int i = 0; i < N; i++) {
    X[i * D] = (double)(i % 7) - 3.0;
    X[i * D + 1] = sin(0.37 * i);
    X[i * D + 2] = (double)((i * 13) % 11) / 5.0;
    y[i] = ((i * 7) % 10 < 3 + (i % 7 > 3 ? 3 : 0)) ? 1.0 : 0.0;
  }
  const char *const names[] = {"a", "b", "c"};
  churn_model *m = NULL, *back = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, names, NULL, &m));
  char path[600];
  snprintf(path, sizeof path, "%s/model.msgpack", test_tmpdir());
  ASSERT_OK(churn_model_save(m, path));
  ASSERT_OK(churn_model_load(path, &back));
  assert_same_model(m, back);
  double p1[N], p2[N];
  ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, N, D, D, p1));
  ASSERT_OK(churn_model_predict_proba(back, X, CHURN_F64, N, D, D, p2));
  cr_assert(memcmp(p1, p2, sizeof p1) == 0);
  ASSERT_OK(churn_model_check_features(back, names, D));
  /* saving over an existing file replaces it */
  ASSERT_OK(churn_model_save(back, path));
  churn_model_free(m);
  churn_model_free(back);
}

Test(model_io, argument_and_io_errors) {
  churn_model *m = make_model(2, 1, false), *out = NULL;
  size_t needed = 0;
  uint8_t small[8];
  ASSERT_FAILS(churn_model_save(NULL, "/tmp/x"), CHURN_E_ARG, "model is NULL");
  ASSERT_FAILS(churn_model_save(m, NULL), CHURN_E_ARG, "path is NULL");
  ASSERT_FAILS(churn_model_save_buffer(m, NULL, 10, &needed), CHURN_E_ARG, "buf is NULL");
  ASSERT_FAILS(churn_model_save_buffer(m, small, sizeof small, NULL), CHURN_E_ARG,
               "needed is NULL");
  ASSERT_FAILS(churn_model_save_buffer(m, small, sizeof small, &needed), CHURN_E_BUFFER,
               "cap is 8");
  cr_assert(needed > sizeof small);
  ASSERT_FAILS(churn_model_load(NULL, &out), CHURN_E_ARG, "path is NULL");
  ASSERT_FAILS(churn_model_load("/tmp/x", NULL), CHURN_E_ARG, "out is NULL");
  ASSERT_FAILS(churn_model_load_buffer(small, 8, NULL), CHURN_E_ARG, "out is NULL");
  ASSERT_FAILS(churn_model_load_buffer(NULL, 8, &out), CHURN_E_ARG, "buf is NULL");
  ASSERT_FAILS(churn_model_load_buffer(NULL, 0, &out), CHURN_E_FORMAT, "empty");
  ASSERT_FAILS(churn_model_load("/nonexistent-dir/model.msgpack", &out), CHURN_E_IO,
               "/nonexistent-dir/model.msgpack");
  ASSERT_FAILS(churn_model_save(m, "/nonexistent-dir/model.msgpack"), CHURN_E_IO,
               "/nonexistent-dir/model.msgpack");
  cr_assert_null(out);
  churn_model_free(m);
}

Test(model_io, every_truncation_fails_cleanly) {
  churn_model *m = make_model(3, 1, true);
  size_t len;
  uint8_t *buf = save(m, &len);
  for (size_t cut = 0; cut < len; cut++) {
    churn_model *out = NULL;
    uint8_t *copy = malloc(cut ? cut : 1); /* an exact-size copy so ASan sees over-reads */
    memcpy(copy, buf, cut);
    churn_status st = churn_model_load_buffer(copy, cut, &out);
    cr_assert_eq(st, CHURN_E_FORMAT, "cut at %zu: %s", cut, churn_last_error());
    cr_assert(strlen(churn_last_error()) > 0);
    cr_assert_null(out);
    free(copy);
  }
  free(buf);
  churn_model_free(m);
}

Test(model_io, every_bit_flip_fails_or_gives_the_same_model) {
  churn_model *m = make_model(3, 1, true);
  size_t len;
  uint8_t *buf = save(m, &len);
  /* the payload (under the checksum) is the tail of the envelope */
  const uint8_t *payload;
  size_t plen;
  ASSERT_OK(churn__envelope_read(buf, len, "churn-model", 1, &payload, &plen, NULL, NULL));
  size_t payload_at = (size_t)(payload - buf);
  static const uint8_t masks[] = {0x01, 0x10, 0x80};
  int loaded = 0;
  for (size_t i = 0; i < len; i++) {
    for (size_t b = 0; b < sizeof masks; b++) {
      uint8_t *copy = malloc(len);
      memcpy(copy, buf, len);
      copy[i] ^= masks[b];
      churn_model *out = NULL;
      churn_status st = churn_model_load_buffer(copy, len, &out);
      if (st == CHURN_OK) {
        /* only metadata outside the checksum (library string, minor version) may change */
        cr_assert(i < payload_at, "flip at payload byte %zu loaded", i);
        assert_same_model(m, out);
        loaded++;
      } else {
        cr_assert(st == CHURN_E_FORMAT || st == CHURN_E_VERSION, "byte %zu: %s", i,
                  churn_status_name(st));
        cr_assert(strstr(churn_last_error(), "loading a model") != NULL);
      }
      churn_model_free(out);
      free(copy);
    }
  }
  cr_assert(loaded < 40, "%d flips loaded", loaded);
  free(buf);
  churn_model_free(m);
}

/* --- hand-made envelopes and payloads --------------------------------------------------- */

/* Re-packs the payload of m with field `drop` left out and, if add_key is set, a field written
 * by add(wb) appended; wraps it in an envelope of the given format and version. */
typedef void (*field_writer)(churn__wbuf *wb);

static uint8_t *rebuild(const churn_model *m, const char *drop, const char *add_key,
                        field_writer add, const char *format, int major, size_t *out_len) {
  size_t len;
  uint8_t *buf = save(m, &len);
  const uint8_t *payload;
  size_t plen;
  ASSERT_OK(churn__envelope_read(buf, len, "churn-model", 1, &payload, &plen, NULL, NULL));
  churn__unpacked u;
  ASSERT_OK(churn__unpack(payload, plen, "test", &u));
  const msgpack_object *map = &u.u.data;
  churn__wbuf p;
  churn__wbuf_init(&p);
  uint32_t keep = 0;
  for (uint32_t i = 0; i < map->via.map.size; i++) {
    const msgpack_object *k = &map->via.map.ptr[i].key;
    keep += !(drop && k->via.str.size == strlen(drop) &&
              memcmp(k->via.str.ptr, drop, k->via.str.size) == 0);
  }
  msgpack_pack_map(&p.pk, keep + (add_key != NULL));
  for (uint32_t i = 0; i < map->via.map.size; i++) {
    const msgpack_object *k = &map->via.map.ptr[i].key;
    if (drop && k->via.str.size == strlen(drop) &&
        memcmp(k->via.str.ptr, drop, k->via.str.size) == 0) {
      continue;
    }
    msgpack_pack_object(&p.pk, *k);
    msgpack_pack_object(&p.pk, map->via.map.ptr[i].val);
  }
  if (add_key) {
    churn__pack_key(&p, add_key);
    add(&p);
  }
  churn__wbuf env;
  churn__wbuf_init(&env);
  ASSERT_OK(churn__envelope_write(&env, format, major, 0, p.data, p.len));
  churn__wbuf_free(&p);
  churn__unpacked_free(&u);
  free(buf);
  *out_len = env.len;
  return env.data; /* from churn__realloc: free with churn__free */
}

static void expect_load_failure(const churn_model *m, const char *drop, const char *add_key,
                                field_writer add, churn_status want, const char *fragment) {
  size_t len;
  uint8_t *img = rebuild(m, drop, add_key, add, "churn-model", 1, &len);
  churn_model *out = NULL;
  ASSERT_FAILS(churn_model_load_buffer(img, len, &out), want, fragment);
  cr_assert_null(out);
  churn__free(img);
}

static void w_short_coef(churn__wbuf *wb) {
  const double c[2] = {1, 2};
  churn__pack_f64_bin(wb, c, 2);
}
static void w_nan_coef(churn__wbuf *wb) {
  const double c[3] = {1, NAN, 2};
  churn__pack_f64_bin(wb, c, 3);
}
static void w_zero_scale(churn__wbuf *wb) {
  const double c[3] = {1, 0, 2};
  churn__pack_f64_bin(wb, c, 3);
}
static void w_two_names(churn__wbuf *wb) {
  msgpack_pack_array(&wb->pk, 2);
  churn__pack_str(wb, "a");
  churn__pack_str(wb, "b");
}
static void w_int_name(churn__wbuf *wb) {
  msgpack_pack_array(&wb->pk, 3);
  churn__pack_str(wb, "a");
  msgpack_pack_int(&wb->pk, 5);
  churn__pack_str(wb, "c");
}
static void w_negative_d(churn__wbuf *wb) { msgpack_pack_int(&wb->pk, -1); }
static void w_huge_d(churn__wbuf *wb) { msgpack_pack_int64(&wb->pk, INT64_C(1) << 40); }
static void w_max_d(churn__wbuf *wb) { msgpack_pack_int64(&wb->pk, 100000); }
static void w_false(churn__wbuf *wb) { msgpack_pack_false(&wb->pk); }
static void w_zero(churn__wbuf *wb) { msgpack_pack_int(&wb->pk, 0); }
static void w_str(churn__wbuf *wb) { churn__pack_str(wb, "not a map"); }
static void w_short_cov(churn__wbuf *wb) {
  const double c[4] = {1, 2, 3, 4};
  churn__pack_f64_bin(wb, c, 4);
}
static void w_unknown(churn__wbuf *wb) {
  msgpack_pack_array(&wb->pk, 2);
  msgpack_pack_int(&wb->pk, 1);
  churn__pack_str(wb, "future field");
}

Test(model_io, inconsistent_payloads_are_rejected) {
  churn_model *m = make_model(3, 1, true);
  expect_load_failure(m, "coef", NULL, NULL, CHURN_E_FORMAT, "field 'coef' is missing");
  expect_load_failure(m, "coef", "coef", w_short_coef, CHURN_E_FORMAT, "field 'coef' holds 16");
  expect_load_failure(m, "coef", "coef", w_nan_coef, CHURN_E_FORMAT,
                      "'coef' has an invalid value at 1");
  expect_load_failure(m, "scale", "scale", w_zero_scale, CHURN_E_FORMAT,
                      "'scale' has an invalid value at 1");
  expect_load_failure(m, "feature_names", "feature_names", w_two_names, CHURN_E_FORMAT,
                      "2 names for d = 3");
  expect_load_failure(m, "feature_names", "feature_names", w_int_name, CHURN_E_FORMAT,
                      "feature name 1 is not a string");
  expect_load_failure(m, "d", "d", w_negative_d, CHURN_E_FORMAT, "field 'd' = -1");
  expect_load_failure(m, "d", "d", w_huge_d, CHURN_E_FORMAT, "field 'd'");
  /* a hostile d is caught by the array sizes before anything of size d is allocated */
  expect_load_failure(m, "d", "d", w_max_d, CHURN_E_FORMAT,
                      "field 'mean' holds 24 bytes, expected 100000 values");
  expect_load_failure(m, "options", "options", w_str, CHURN_E_FORMAT, "'options'");
  expect_load_failure(m, "training", NULL, NULL, CHURN_E_FORMAT, "'training'");
  expect_load_failure(m, "covariance", NULL, NULL, CHURN_E_FORMAT, "'covariance' is missing");
  expect_load_failure(m, "covariance", "covariance", w_short_cov, CHURN_E_FORMAT,
                      "'covariance' holds 32");
  churn_model_free(m);
}

Test(model_io, a_model_without_coefficients_is_rejected) {
  churn_model *m = make_model(0, 1, false), *out = NULL;
  size_t len;
  uint8_t *img = rebuild(m, "fit_intercept", "fit_intercept", w_false, "churn-model", 1, &len);
  ASSERT_FAILS(churn_model_load_buffer(img, len, &out), CHURN_E_FORMAT, "no coefficients");
  churn__free(img);
  img = rebuild(m, "d", "d", w_zero, "churn-model", 1, &len);
  ASSERT_OK(churn_model_load_buffer(img, len, &out)); /* intercept-only is fine */
  churn__free(img);
  churn_model_free(out);
  churn_model_free(m);
}

Test(model_io, unknown_fields_are_skipped) {
  churn_model *m = make_model(3, 1, true), *out = NULL;
  size_t len;
  uint8_t *img = rebuild(m, NULL, "added_in_1_1", w_unknown, "churn-model", 1, &len);
  ASSERT_OK(churn_model_load_buffer(img, len, &out));
  assert_same_model(m, out);
  churn__free(img);
  churn_model_free(out);
  churn_model_free(m);
}

Test(model_io, newer_major_version_and_other_formats_are_rejected) {
  churn_model *m = make_model(3, 1, true), *out = NULL;
  size_t len;
  uint8_t *img = rebuild(m, NULL, NULL, NULL, "churn-model", 2, &len);
  ASSERT_FAILS(churn_model_load_buffer(img, len, &out), CHURN_E_VERSION, "version 2.0");
  churn__free(img);
  img = rebuild(m, NULL, NULL, NULL, "churn-dataset", 1, &len);
  ASSERT_FAILS(churn_model_load_buffer(img, len, &out), CHURN_E_FORMAT,
               "expected a 'churn-model'");
  churn__free(img);
  /* trailing garbage */
  uint8_t *buf = save(m, &len);
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, buf, len);
  longer[len] = 0xc0;
  ASSERT_FAILS(churn_model_load_buffer(longer, len + 1, &out), CHURN_E_FORMAT, "trailing");
  /* not msgpack at all */
  const char text[] = "model,coef\nx,1\n";
  ASSERT_FAILS(churn_model_load_buffer(text, sizeof text - 1, &out), CHURN_E_FORMAT,
               "loading a model");
  cr_assert_null(out);
  free(longer);
  free(buf);
  churn_model_free(m);
}

Test(model_io, allocation_failures_are_clean) {
  churn_model *m = make_model(4, 1, true);
  size_t len;
  uint8_t *buf = save(m, &len);
  uint8_t *img = malloc(len);
  /* save: count the allocation points, then fail each */
  churn_testing_fail_alloc(0);
  size_t needed;
  ASSERT_OK(churn_model_save_buffer(m, img, len, &needed));
  uint64_t count = churn_testing_fail_alloc(0);
  for (uint64_t k = 1; k <= count; k++) {
    churn_testing_fail_alloc(k);
    churn_status st = churn_model_save_buffer(m, img, len, &needed);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "save, allocation %llu", (unsigned long long)k);
  }
  churn_model *out = NULL;
  ASSERT_OK(churn_model_load_buffer(buf, len, &out));
  churn_model_free(out);
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_model_load_buffer(buf, len, &out));
  count = churn_testing_fail_alloc(0);
  churn_model_free(out);
  for (uint64_t k = 1; k <= count; k++) {
    out = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_model_load_buffer(buf, len, &out);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "load, allocation %llu: %s", (unsigned long long)k,
                 churn_last_error());
    cr_assert_null(out);
  }
  free(img);
  free(buf);
  churn_model_free(m);
  if (__lsan_do_recoverable_leak_check) cr_assert_eq(__lsan_do_recoverable_leak_check(), 0);
}

/* Issue 21 #15: a file with a valid checksum but hostile content (each made by saving a model
 * whose field was set so) is refused with CHURN_E_FORMAT naming the field, as non-finite
 * coefficients are. */
typedef void (*spoil_fn)(churn_model *m);
static void cov_nan(churn_model *m) { for (int64_t i = 0; i < m->k * m->k; i++) m->cov[i] = NAN; }
static void cov_inf(churn_model *m) { m->cov[1] = INFINITY; }
static void cov_negative(churn_model *m) { m->cov[0] = -1.0; }
static void cov_asymmetric(churn_model *m) { m->cov[1] = 5.0; }
static void loglik_nan(churn_model *m) { m->info.loglik = NAN; }
static void loglik_positive(churn_model *m) { m->info.null_loglik = 12.5; }
static void clusters_huge(churn_model *m) { m->n_clusters = (int64_t)1 << 62; }
static void names_duplicate(churn_model *m) { ASSERT_OK(churn__model_set_name(m, 2, m->names[0])); }
static void names_empty(churn_model *m) { ASSERT_OK(churn__model_set_name(m, 1, "")); }
static void weights_bad(churn_model *m) { m->info.sum_w_positive = m->info.sum_w * 2; }

Test(model_io, hostile_content_with_a_valid_checksum_is_refused) {
  struct { spoil_fn f; const char *msg; } cases[] = {
      {cov_nan, "'covariance' is not finite"},      {cov_inf, "'covariance' is not finite"},
      {cov_negative, "negative variance"},          {cov_asymmetric, "not symmetric"},
      {loglik_nan, "'loglik' = nan"},               {loglik_positive, "'null_loglik' = 12.5"},
      {clusters_huge, "'n_clusters' = 4611686018427387904 exceeds"},
      {names_duplicate, "'tenure_months' appears twice"}, {names_empty, "feature name 1 is empty"},
      {weights_bad, "are not weights"}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    churn_model *m = make_model(3, 1, true), *out = NULL;
    cases[c].f(m);
    size_t len = 0;
    churn_model_save_buffer(m, NULL, 0, &len);
    uint8_t *buf = malloc(len);
    ASSERT_OK(churn_model_save_buffer(m, buf, len, &len));
    ASSERT_FAILS(churn_model_load_buffer(buf, len, &out), CHURN_E_FORMAT, cases[c].msg);
    cr_assert_null(out);
    free(buf);
    churn_model_free(m);
  }
}

/* A negative minor version in the (checksummed) envelope is corrupt, not "any minor". */
Test(model_io, negative_minor_version_is_refused) {
  churn__wbuf payload, file;
  churn__wbuf_init(&payload);
  msgpack_pack_map(&payload.pk, 0);
  churn__wbuf_init(&file);
  ASSERT_OK(churn__envelope_write(&file, "churn-model", 1, -1, payload.data, payload.len));
  churn_model *out = NULL;
  ASSERT_FAILS(churn_model_load_buffer(file.data, file.len, &out), CHURN_E_FORMAT,
               "minor version -1 is negative");
  churn__wbuf_free(&payload);
  churn__wbuf_free(&file);
}
