/*
 * suffstats_io.c -- serialisation of churn_suffstats (the mergeable statistics of one Newton
 * pass) in the "churn-suffstats" msgpack format, so that workers on other processes or machines
 * can ship their partial statistics to a driver that merges them.  Bit-exact: a loaded object
 * merges and reads exactly like the one that was saved.
 *
 * Payload (format "churn-suffstats", version 1.1), a map:
 *   d (int), fit_intercept (bool), center, inv_scale (bin: d f64 each: the standardisation as
 *   stored, so merges compare bit-exactly), class_weight0, class_weight1 (f64),
 *   hessian_state (int: -1 empty, 0 gradient only, 1 with Hessian),
 *   hessian (bin of k*k f64 as accumulated, or nil when hessian_state != 1), gradient (bin of k),
 *   loglik, sum_w, sum_w_positive (f64), n, positives (int);
 *   since 1.1, optional: meat (bin of k*k f64 as accumulated: the score outer products of
 *   want_hessian = 2, which sandwich covariances need; written only when present, and then
 *   hessian_state is 1).
 * Versions: 1.0 files have no 'meat' and load as statistics without it; a 1.0 reader skips the
 * field (unknown fields are ignored), so it loads a 1.1 file as statistics without score outer
 * products, which a solver wanting them refuses (churn_solver_step) rather than misusing.
 */
#include "logit.h"
#include "common/pack.h"

#include <string.h>

#define STATS_FORMAT "churn-suffstats"
#define STATS_MAJOR 1
#define STATS_MINOR 1
#define STATS_MAX_FEATURES 100000

static void pack_payload(churn__wbuf *wb, const churn_suffstats *s) {
  size_t d = (size_t)s->d, k = (size_t)s->k;
  msgpack_pack_map(&wb->pk, s->has_meat ? 15 : 14);
  churn__pack_i64_field(wb, "d", s->d);
  churn__pack_key(wb, "fit_intercept");
  if (s->fit_intercept) msgpack_pack_true(&wb->pk);
  else msgpack_pack_false(&wb->pk);
  churn__pack_key(wb, "center");
  churn__pack_f64_bin(wb, s->center, d);
  churn__pack_key(wb, "inv_scale");
  churn__pack_f64_bin(wb, s->inv_scale, d);
  churn__pack_f64_field(wb, "class_weight0", s->class_weight0);
  churn__pack_f64_field(wb, "class_weight1", s->class_weight1);
  churn__pack_i64_field(wb, "hessian_state", s->hessian_state);
  churn__pack_key(wb, "hessian");
  if (s->hessian_state == 1) churn__pack_f64_bin(wb, s->H, k * k);
  else msgpack_pack_nil(&wb->pk);
  churn__pack_key(wb, "gradient");
  churn__pack_f64_bin(wb, s->g, k);
  churn__pack_f64_field(wb, "loglik", s->loglik);
  churn__pack_f64_field(wb, "sum_w", s->sum_w);
  churn__pack_f64_field(wb, "sum_w_positive", s->sum_w_pos);
  churn__pack_i64_field(wb, "n", s->n);
  churn__pack_i64_field(wb, "positives", s->positives);
  if (s->has_meat) {
    churn__pack_key(wb, "meat");
    churn__pack_f64_bin(wb, s->M, k * k);
  }
}

CHURN_API churn_status churn_suffstats_save_buffer(const churn_suffstats *stats, void *buf,
                                                   size_t cap, size_t *needed) {
  static const char fn[] = "churn_suffstats_save_buffer";
  CHURN_CHECK_ARG(stats != NULL, "%s: stats is NULL", fn);
  CHURN_CHECK_ARG(needed != NULL, "%s: needed is NULL", fn);
  CHURN_CHECK_ARG(buf != NULL || cap == 0, "%s: buf is NULL but cap = %zu", fn, cap);
  churn__wbuf payload, out;
  churn__wbuf_init(&payload);
  churn__wbuf_init(&out);
  pack_payload(&payload, stats);
  churn_status st = churn__wbuf_status(&payload, "statistics payload");
  if (st == CHURN_OK) {
    st = churn__envelope_write(&out, STATS_FORMAT, STATS_MAJOR, STATS_MINOR, payload.data,
                               payload.len);
  }
  if (st == CHURN_OK) {
    *needed = out.len;
    if (cap < out.len) {
      st = churn__fail(CHURN_E_BUFFER, "%s: the statistics need %zu bytes, cap is %zu", fn,
                       out.len, cap);
    } else {
      memcpy(buf, out.data, out.len);
    }
  }
  churn__wbuf_free(&payload);
  churn__wbuf_free(&out);
  return st;
}

/* --- reading ----------------------------------------------------------------------------- */

/* Reads the sums into s (already shaped by the header fields). */
static churn_status read_sums(const msgpack_object *p, churn_suffstats *s) {
  size_t k = (size_t)s->k;
  int64_t state;
  CHURN_TRY(churn__get_i64_in(p, "hessian_state", -1, 1, &state));
  s->hessian_state = (int)state;
  const msgpack_object *h = churn__map_get(p, "hessian");
  if (h == NULL) return churn__fail(CHURN_E_FORMAT, "field 'hessian' is missing");
  if (state == 1) {
    CHURN_TRY(churn__get_f64_vector(p, "hessian", k * k, false, s->H));
  } else if (h->type != MSGPACK_OBJECT_NIL) {
    return churn__fail(CHURN_E_FORMAT, "field 'hessian' is present but hessian_state is %lld",
                       (long long)state);
  }
  /* Score outer products (1.1): optional, only beside a Hessian. */
  const msgpack_object *m = churn__map_get(p, "meat");
  if (m != NULL && m->type != MSGPACK_OBJECT_NIL) {
    if (state != 1) {
      return churn__fail(CHURN_E_FORMAT, "field 'meat' is present but hessian_state is %lld",
                         (long long)state);
    }
    CHURN_TRY(churn__get_f64_vector(p, "meat", k * k, false, s->M));
    s->has_meat = 1;
  }
  CHURN_TRY(churn__get_f64_vector(p, "gradient", k, false, s->g));
  CHURN_TRY(churn__get_finite(p, "loglik", &s->loglik));
  CHURN_TRY(churn__get_finite(p, "sum_w", &s->sum_w));
  CHURN_TRY(churn__get_finite(p, "sum_w_positive", &s->sum_w_pos));
  CHURN_TRY(churn__get_i64_in(p, "n", 0, INT64_MAX, &s->n));
  CHURN_TRY(churn__get_i64_in(p, "positives", 0, s->n, &s->positives));
  return CHURN_OK;
}

/* Checks the byte sizes of the arrays against d before the object is allocated, so a hostile d
 * cannot make the loader reserve memory the file does not back. */
static churn_status check_sizes(const msgpack_object *p, int64_t d, int64_t k) {
  CHURN_TRY(churn__check_f64_count(p, "center", d));
  CHURN_TRY(churn__check_f64_count(p, "inv_scale", d));
  return churn__check_f64_count(p, "gradient", k);
}

static churn_status read_payload(const msgpack_object *p, churn_suffstats **out) {
  if (p->type != MSGPACK_OBJECT_MAP) return churn__fail(CHURN_E_FORMAT, "payload is not a map");
  int64_t d;
  bool fi;
  double cw0, cw1;
  CHURN_TRY(churn__get_i64_in(p, "d", 0, STATS_MAX_FEATURES, &d));
  CHURN_TRY(churn__get_bool(p, "fit_intercept", &fi));
  if (d == 0 && !fi) return churn__fail(CHURN_E_FORMAT, "no coefficients (d = 0, no intercept)");
  CHURN_TRY(churn__get_finite(p, "class_weight0", &cw0));
  CHURN_TRY(churn__get_finite(p, "class_weight1", &cw1));
  if (!(cw0 > 0.0 && cw1 > 0.0)) {
    return churn__fail(CHURN_E_FORMAT, "fields 'class_weight0/1' must be > 0");
  }
  CHURN_TRY(check_sizes(p, d, d + fi));
  churn_suffstats *s = NULL;
  CHURN_TRY(churn_suffstats_new(d, fi, NULL, NULL, cw0, cw1, &s));
  churn_status st = churn__get_f64_vector(p, "center", (size_t)d, false, s->center);
  if (st == CHURN_OK) st = churn__get_f64_vector(p, "inv_scale", (size_t)d, true, s->inv_scale);
  if (st == CHURN_OK) st = read_sums(p, s);
  if (st != CHURN_OK) {
    churn_suffstats_free(s);
    return st;
  }
  *out = s;
  return CHURN_OK;
}

CHURN_API churn_status churn_suffstats_load_buffer(const void *buf, size_t len,
                                                   churn_suffstats **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_suffstats_load_buffer: out is NULL");
  CHURN_CHECK_ARG(buf != NULL || len == 0, "churn_suffstats_load_buffer: buf is NULL");
  const uint8_t *payload = NULL;
  size_t plen = 0;
  churn_status st = churn__envelope_read(buf, len, STATS_FORMAT, STATS_MAJOR, &payload, &plen,
                                         NULL, NULL);
  if (st == CHURN_OK) {
    churn__unpacked u;
    st = churn__unpack(payload, plen, "statistics payload", &u);
    if (st == CHURN_OK) {
      st = read_payload(&u.u.data, out);
      churn__unpacked_free(&u);
    }
  }
  if (st != CHURN_OK) return churn__context(st, "loading sufficient statistics");
  return CHURN_OK;
}
