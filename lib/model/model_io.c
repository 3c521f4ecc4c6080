/*
 * model_io.c -- persistence of a fitted churn_model: the "churn-model" msgpack format (envelope
 * from pack.c, payload map of named fields below), saved to a file atomically or into a caller's
 * buffer, and loaded back with every size and value checked, so that a truncated, corrupt or
 * foreign file is a clean CHURN_E_FORMAT / CHURN_E_VERSION, never a crash or a wrong model.
 *
 * Payload (format "churn-model", version 1.0), a map:
 *   d (int), fit_intercept (bool), feature_names (array of d str),
 *   mean, scale, coef (bin: d little-endian f64 each), intercept (f64),
 *   covariance (bin of k*k f64, k = d + fit_intercept, row-major; or nil),
 *   n_clusters (int),
 *   options (map: penalty, C, l1_ratio, standardize, class_weight, class_weight0,
 *            class_weight1, cov_type, population_rate, tol, max_iter, inference),
 *   training (map: n_obs, positives, sum_w, sum_w_positive, n_iter, n_passes, converged, loglik,
 *             null_loglik, gradient_norm, intercept_shift, penalized_loglik -- optional: files
 *             written before it load with NaN),
 *   attachment (bin, optional, version 1.1): opaque bytes another layer keeps with the model (the
 *             encoding of a flat table, lib/design/); absent when the model has none.  A model
 *             without one is written as version 1.0, byte for byte as before; a 1.0 reader skips
 *             the field.
 * Readers ignore fields they do not know, so a later minor version adds fields freely.
 */
#include "common/fileio.h"
#include "model.h"
#include "common/pack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_FORMAT "churn-model"
#define MODEL_MAJOR 1
#define MODEL_MINOR 0
/* More features than any design we accept in a fit (and keeps k*k well inside size_t). */
#define MODEL_MAX_FEATURES 100000

/* --- writing ----------------------------------------------------------------------------- */

static void pack_options(churn__wbuf *wb, const churn__fit_config *c) {
  churn__pack_key(wb, "options");
  msgpack_pack_map(&wb->pk, 12);
  churn__pack_i64_field(wb, "penalty", c->penalty);
  churn__pack_f64_field(wb, "C", c->C);
  churn__pack_f64_field(wb, "l1_ratio", c->l1_ratio);
  churn__pack_i64_field(wb, "standardize", c->standardize);
  churn__pack_i64_field(wb, "class_weight", c->class_weight);
  churn__pack_f64_field(wb, "class_weight0", c->class_weight0);
  churn__pack_f64_field(wb, "class_weight1", c->class_weight1);
  churn__pack_i64_field(wb, "cov_type", c->cov_type);
  churn__pack_f64_field(wb, "population_rate", c->population_rate);
  churn__pack_f64_field(wb, "tol", c->tol);
  churn__pack_i64_field(wb, "max_iter", c->max_iter);
  churn__pack_i64_field(wb, "inference", c->inference);
}

static void pack_training(churn__wbuf *wb, const churn__fit_info *f) {
  churn__pack_key(wb, "training");
  msgpack_pack_map(&wb->pk, 12);
  churn__pack_i64_field(wb, "n_obs", f->n_obs);
  churn__pack_i64_field(wb, "positives", f->positives);
  churn__pack_f64_field(wb, "sum_w", f->sum_w);
  churn__pack_f64_field(wb, "sum_w_positive", f->sum_w_positive);
  churn__pack_i64_field(wb, "n_iter", f->n_iter);
  churn__pack_i64_field(wb, "n_passes", f->n_passes);
  churn__pack_i64_field(wb, "converged", f->converged);
  churn__pack_f64_field(wb, "loglik", f->loglik);
  churn__pack_f64_field(wb, "null_loglik", f->null_loglik);
  churn__pack_f64_field(wb, "gradient_norm", f->gradient_norm);
  churn__pack_f64_field(wb, "intercept_shift", f->intercept_shift);
  churn__pack_f64_field(wb, "penalized_loglik", f->penalized_loglik);
}

static void pack_payload(churn__wbuf *wb, const churn_model *m) {
  size_t d = (size_t)m->d, k = (size_t)m->k;
  msgpack_pack_map(&wb->pk, m->attachment ? 12 : 11);
  churn__pack_i64_field(wb, "d", m->d);
  churn__pack_key(wb, "fit_intercept");
  if (m->config.fit_intercept) msgpack_pack_true(&wb->pk);
  else msgpack_pack_false(&wb->pk);
  churn__pack_key(wb, "feature_names");
  msgpack_pack_array(&wb->pk, d);
  for (size_t j = 0; j < d; j++) churn__pack_str(wb, m->names[j]);
  churn__pack_key(wb, "mean");
  churn__pack_f64_bin(wb, m->mean, d);
  churn__pack_key(wb, "scale");
  churn__pack_f64_bin(wb, m->scale, d);
  churn__pack_key(wb, "coef");
  churn__pack_f64_bin(wb, m->coef, d);
  churn__pack_f64_field(wb, "intercept", m->intercept);
  churn__pack_key(wb, "covariance");
  if (m->cov) churn__pack_f64_bin(wb, m->cov, k * k);
  else msgpack_pack_nil(&wb->pk);
  churn__pack_i64_field(wb, "n_clusters", m->n_clusters);
  pack_options(wb, &m->config);
  pack_training(wb, &m->info);
  if (m->attachment) {
    churn__pack_key(wb, "attachment");
    churn__pack_bytes_bin(wb, m->attachment, m->attachment_len);
  }
}

/* The whole file image of a model in a new buffer. */
static churn_status encode(const churn_model *m, churn__wbuf *out) {
  churn__wbuf payload;
  churn__wbuf_init(&payload);
  pack_payload(&payload, m);
  churn_status st = churn__wbuf_status(&payload, "model payload");
  churn__wbuf_init(out);
  if (st == CHURN_OK) {
    st = churn__envelope_write(out, MODEL_FORMAT, MODEL_MAJOR, m->attachment ? 1 : MODEL_MINOR,
                               payload.data,
                               payload.len);
  }
  churn__wbuf_free(&payload);
  if (st != CHURN_OK) churn__wbuf_free(out);
  return st;
}

static churn_status check_model(const char *fn, const churn_model *m) {
  CHURN_CHECK_ARG(m != NULL, "%s: model is NULL", fn);
  CHURN_CHECK_ARG(m->d >= 0 && m->d <= MODEL_MAX_FEATURES &&
                      m->k == m->d + !!m->config.fit_intercept,
                  "%s: model is not a fitted model (d = %lld, k = %lld)", fn, (long long)m->d,
                  (long long)m->k);
  for (int64_t j = 0; j < m->d; j++) {
    CHURN_CHECK_ARG(m->names && m->names[j], "%s: model has no name for feature %lld", fn,
                    (long long)j);
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_model_save(const churn_model *model, const char *path) {
  CHURN_TRY(check_model("churn_model_save", model));
  CHURN_CHECK_ARG(path != NULL, "churn_model_save: path is NULL");
  churn__wbuf wb;
  CHURN_TRY(encode(model, &wb));
  churn_status st = churn__write_file_atomic(path, wb.data, wb.len);
  churn__wbuf_free(&wb);
  return st;
}

CHURN_API churn_status churn_model_save_buffer(const churn_model *model, void *buf, size_t cap,
                                               size_t *needed) {
  CHURN_TRY(check_model("churn_model_save_buffer", model));
  CHURN_CHECK_ARG(needed != NULL, "churn_model_save_buffer: needed is NULL");
  CHURN_CHECK_ARG(buf != NULL || cap == 0, "churn_model_save_buffer: buf is NULL but cap = %zu",
                  cap);
  churn__wbuf wb;
  CHURN_TRY(encode(model, &wb));
  *needed = wb.len;
  churn_status st = CHURN_OK;
  if (cap < wb.len) {
    st = churn__fail(CHURN_E_BUFFER,
                     "churn_model_save_buffer: the model needs %zu bytes, cap is %zu", wb.len, cap);
  } else {
    memcpy(buf, wb.data, wb.len);
  }
  churn__wbuf_free(&wb);
  return st;
}

/* --- reading ----------------------------------------------------------------------------- */

static churn_status read_options(const msgpack_object *p, churn__fit_config *c) {
  const msgpack_object *o;
  CHURN_TRY(churn__get_map(p, "options", &o));
  CHURN_TRY(churn__get_int_in(o, "penalty", 0, 4, &c->penalty));
  CHURN_TRY(churn__get_f64(o, "C", &c->C));
  CHURN_TRY(churn__get_f64(o, "l1_ratio", &c->l1_ratio));
  CHURN_TRY(churn__get_int_in(o, "standardize", 0, 1, &c->standardize));
  CHURN_TRY(churn__get_int_in(o, "class_weight", 0, 1, &c->class_weight));
  CHURN_TRY(churn__get_f64(o, "class_weight0", &c->class_weight0));
  CHURN_TRY(churn__get_f64(o, "class_weight1", &c->class_weight1));
  CHURN_TRY(churn__get_int_in(o, "cov_type", 0, 3, &c->cov_type));
  CHURN_TRY(churn__get_f64(o, "population_rate", &c->population_rate));
  CHURN_TRY(churn__get_f64(o, "tol", &c->tol));
  CHURN_TRY(churn__get_i64_in(o, "max_iter", 0, INT64_MAX, &c->max_iter));
  CHURN_TRY(churn__get_int_in(o, "inference", 0, 1, &c->inference));
  return CHURN_OK;
}

static churn_status read_training(const msgpack_object *p, churn__fit_info *f) {
  const msgpack_object *o;
  CHURN_TRY(churn__get_map(p, "training", &o));
  CHURN_TRY(churn__get_i64_in(o, "n_obs", 0, INT64_MAX, &f->n_obs));
  CHURN_TRY(churn__get_i64_in(o, "positives", 0, f->n_obs, &f->positives));
  CHURN_TRY(churn__get_f64(o, "sum_w", &f->sum_w));
  CHURN_TRY(churn__get_f64(o, "sum_w_positive", &f->sum_w_positive));
  CHURN_TRY(churn__get_i64_in(o, "n_iter", 0, INT64_MAX, &f->n_iter));
  CHURN_TRY(churn__get_i64_in(o, "n_passes", 0, INT64_MAX, &f->n_passes));
  CHURN_TRY(churn__get_int_in(o, "converged", 0, 1, &f->converged));
  CHURN_TRY(churn__get_f64(o, "loglik", &f->loglik));
  CHURN_TRY(churn__get_f64(o, "null_loglik", &f->null_loglik));
  CHURN_TRY(churn__get_f64(o, "gradient_norm", &f->gradient_norm));
  CHURN_TRY(churn__get_f64(o, "intercept_shift", &f->intercept_shift));
  /* Optional (written since CHURN_STAT_PENALIZED_LOGLIK exists): older files load with NaN. */
  f->penalized_loglik = NAN;
  if (churn__map_get(o, "penalized_loglik") != NULL) {
    CHURN_TRY(churn__get_f64(o, "penalized_loglik", &f->penalized_loglik));
  }
  return CHURN_OK;
}

static churn_status read_names(const msgpack_object *p, churn_model *m) {
  const msgpack_object *items;
  size_t n;
  CHURN_TRY(churn__get_array(p, "feature_names", &items, &n));
  if (n != (size_t)m->d) {
    return churn__fail(CHURN_E_FORMAT, "field 'feature_names' has %zu names for d = %lld", n,
                       (long long)m->d);
  }
  for (size_t j = 0; j < n; j++) {
    char *name = NULL;
    char what[64];
    snprintf(what, sizeof what, "feature name %zu", j);
    CHURN_TRY(churn__obj_str(&items[j], what, &name));
    churn_status st = churn__model_set_name(m, (int64_t)j, name);
    churn__free(name);
    CHURN_TRY(st);
  }
  return CHURN_OK;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feature names must be non-empty and distinct: scoring matches columns by name. */
static churn_status check_names(const churn_model *m) {
  size_t d = (size_t)m->d;
  for (size_t j = 0; j < d; j++) {
    if (m->names[j][0] == '\0') {
      return churn__fail(CHURN_E_FORMAT, "feature name %zu is empty", j);
    }
  }
  if (d < 2) return CHURN_OK;
  const char **sorted = churn__malloc_array(d, sizeof *sorted);
  if (sorted == NULL) return churn__nomem("feature name check");
  for (size_t j = 0; j < d; j++) sorted[j] = m->names[j];
  qsort(sorted, d, sizeof *sorted, by_name);
  churn_status st = CHURN_OK;
  for (size_t j = 1; j < d && st == CHURN_OK; j++) {
    if (strcmp(sorted[j - 1], sorted[j]) == 0) {
      st = churn__fail(CHURN_E_FORMAT, "feature name '%.80s' appears twice", sorted[j]);
    }
  }
  churn__free(sorted);
  return st;
}

/* The fit results a file claims, checked the way the coefficients are: a covariance must be
 * finite and symmetric with a non-negative diagonal, log-likelihoods finite and <= 0, weights
 * finite and consistent, clusters no more than observations. */
static churn_status check_results(const churn_model *m) {
  const double *c = m->cov;
  int64_t k = m->k;
  for (int64_t i = 0; c && i < k; i++) {
    for (int64_t j = 0; j < k; j++) {
      double v = c[i * k + j];
      if (!churn__is_finite(v)) {
        return churn__fail(CHURN_E_FORMAT, "field 'covariance' is not finite at (%lld, %lld)",
                           (long long)i, (long long)j);
      }
    }
    if (c[i * k + i] < 0) {
      return churn__fail(CHURN_E_FORMAT, "field 'covariance' has a negative variance at %lld",
                         (long long)i);
    }
  }
  for (int64_t i = 0; c && i < k; i++) {
    for (int64_t j = 0; j < i; j++) {
      double a = c[i * k + j], b = c[j * k + i];
      double tol = 1e-6 * sqrt(c[i * k + i] * c[j * k + j]) + 1e-300;
      if (fabs(a - b) > tol) {
        return churn__fail(CHURN_E_FORMAT, "field 'covariance' is not symmetric at (%lld, %lld)",
                           (long long)i, (long long)j);
      }
    }
  }
  const churn__fit_info *f = &m->info;
  const struct { const char *name; double v; } ll[] = {{"loglik", f->loglik},
                                                        {"null_loglik", f->null_loglik}};
  for (int i = 0; i < 2; i++) {
    if (!churn__is_finite(ll[i].v) || ll[i].v > 1e-9) {
      return churn__fail(CHURN_E_FORMAT, "field '%s' = %g is not a log-likelihood (finite, <= 0)",
                         ll[i].name, ll[i].v);
    }
  }
  if (!isnan(f->penalized_loglik) && !churn__is_finite(f->penalized_loglik)) {
    return churn__fail(CHURN_E_FORMAT, "field 'penalized_loglik' is infinite");
  }
  if (!churn__is_finite(f->sum_w) || f->sum_w < 0 || !churn__is_finite(f->sum_w_positive) ||
      f->sum_w_positive < 0 || f->sum_w_positive > f->sum_w * (1 + 1e-9) + 1e-9) {
    return churn__fail(CHURN_E_FORMAT, "fields 'sum_w' = %g and 'sum_w_positive' = %g are not "
                       "weights", f->sum_w, f->sum_w_positive);
  }
  if (m->n_clusters > f->n_obs) {
    return churn__fail(CHURN_E_FORMAT, "field 'n_clusters' = %lld exceeds the %lld observations",
                       (long long)m->n_clusters, (long long)f->n_obs);
  }
  return CHURN_OK;
}

/* Checks the byte sizes of the arrays against d before anything is allocated for them, so a
 * hostile d cannot make the loader reserve memory the file does not back. */
static churn_status check_sizes(const msgpack_object *p, int64_t d, int64_t k) {
  CHURN_TRY(churn__check_f64_count(p, "mean", d));
  CHURN_TRY(churn__check_f64_count(p, "scale", d));
  CHURN_TRY(churn__check_f64_count(p, "coef", d));
  const msgpack_object *cov = churn__map_get(p, "covariance");
  if (cov == NULL) return churn__fail(CHURN_E_FORMAT, "field 'covariance' is missing");
  if (cov->type == MSGPACK_OBJECT_NIL) return CHURN_OK;
  return churn__check_f64_count(p, "covariance", k * k);
}

static churn_status read_payload(const msgpack_object *p, churn_model **out) {
  if (p->type != MSGPACK_OBJECT_MAP) return churn__fail(CHURN_E_FORMAT, "payload is not a map");
  int64_t d;
  bool fit_intercept;
  CHURN_TRY(churn__get_i64_in(p, "d", 0, MODEL_MAX_FEATURES, &d));
  CHURN_TRY(churn__get_bool(p, "fit_intercept", &fit_intercept));
  if (d == 0 && !fit_intercept) {
    return churn__fail(CHURN_E_FORMAT, "no coefficients (d = 0 and no intercept)");
  }
  CHURN_TRY(check_sizes(p, d, d + fit_intercept));
  churn_model *m = NULL;
  CHURN_TRY(churn__model_new(d, fit_intercept, &m));
  size_t k = (size_t)m->k;
  const msgpack_object *cov = churn__map_get(p, "covariance");
  churn_status st = read_names(p, m);
  if (st == CHURN_OK) st = churn__get_f64_vector(p, "mean", (size_t)d, false, m->mean);
  if (st == CHURN_OK) st = churn__get_f64_vector(p, "scale", (size_t)d, true, m->scale);
  if (st == CHURN_OK) st = churn__get_f64_vector(p, "coef", (size_t)d, false, m->coef);
  if (st == CHURN_OK) st = churn__get_f64(p, "intercept", &m->intercept);
  if (st == CHURN_OK && !churn__is_finite(m->intercept)) {
    st = churn__fail(CHURN_E_FORMAT, "field 'intercept' is not finite");
  }
  if (st == CHURN_OK && cov->type != MSGPACK_OBJECT_NIL) {
    st = churn__model_alloc_cov(m);
    if (st == CHURN_OK) st = churn__get_bin_n(p, "covariance", sizeof(double), k * k, m->cov);
  }
  if (st == CHURN_OK) st = churn__get_i64_in(p, "n_clusters", 0, INT64_MAX, &m->n_clusters);
  if (st == CHURN_OK) st = read_options(p, &m->config);
  if (st == CHURN_OK) m->config.fit_intercept = fit_intercept;
  if (st == CHURN_OK) st = read_training(p, &m->info);
  if (st == CHURN_OK) st = check_names(m);
  if (st == CHURN_OK) st = check_results(m);
  if (st == CHURN_OK && churn__map_get(p, "attachment") != NULL) {
    const uint8_t *bytes;
    size_t blen;
    st = churn__get_bin(p, "attachment", &bytes, &blen);
    if (st == CHURN_OK) st = churn__model_set_attachment(m, bytes, blen);
  }
  if (st != CHURN_OK) {
    churn_model_free(m);
    return st;
  }
  *out = m;
  return CHURN_OK;
}

CHURN_API churn_status churn_model_load_buffer(const void *buf, size_t len, churn_model **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_model_load_buffer: out is NULL");
  CHURN_CHECK_ARG(buf != NULL || len == 0, "churn_model_load_buffer: buf is NULL");
  const uint8_t *payload = NULL;
  size_t plen = 0;
  churn_status st = churn__envelope_read(buf, len, MODEL_FORMAT, MODEL_MAJOR, &payload, &plen,
                                         NULL, NULL);
  if (st != CHURN_OK) return churn__context(st, "loading a model");
  churn__unpacked u;
  st = churn__unpack(payload, plen, "model payload", &u);
  if (st == CHURN_OK) {
    st = read_payload(&u.u.data, out);
    churn__unpacked_free(&u);
  }
  if (st != CHURN_OK) return churn__context(st, "loading a model");
  return CHURN_OK;
}

CHURN_API churn_status churn_model_load(const char *path, churn_model **out) {
  CHURN_CHECK_ARG(path != NULL, "churn_model_load: path is NULL");
  CHURN_CHECK_ARG(out != NULL, "churn_model_load: out is NULL");
  uint8_t *data = NULL;
  size_t len = 0;
  CHURN_TRY(churn__read_file(path, &data, &len));
  churn_status st = churn_model_load_buffer(data, len, out);
  churn__free(data);
  if (st != CHURN_OK) return churn__context(st, "%s", path);
  return CHURN_OK;
}
