/*
 * score.c -- batch scoring and reasons with a fitted model: linear scores, probabilities and each
 * row's top-k feature contributions.  Every row is computed on its own with a fixed order of
 * operations, so results do not depend on batch boundaries or on how callers split the rows
 * over threads.  The model is only read: any number of threads may score with one model.
 */
#include "logit.h"
#include "model.h"

#include <string.h>

typedef double v2d __attribute__((vector_size(16)));

/* b0 + x.b for one row, summed in a fixed order (two 2-wide partial sums, then the tail). */
static inline double dot_f64(const double *x, const double *b, int64_t d, double b0) {
  v2d a0 = {0, 0}, a1 = {0, 0};
  int64_t j = 0;
  for (; j + 4 <= d; j += 4) {
    v2d x0, x1, c0, c1;
    memcpy(&x0, x + j, sizeof x0);
    memcpy(&x1, x + j + 2, sizeof x1);
    memcpy(&c0, b + j, sizeof c0);
    memcpy(&c1, b + j + 2, sizeof c1);
    a0 += x0 * c0;
    a1 += x1 * c1;
  }
  v2d a = a0 + a1;
  double s = a[0] + a[1];
  for (; j < d; j++) s += x[j] * b[j];
  return s + b0;
}

static inline double dot_f32(const float *x, const double *b, int64_t d, double b0) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += (double)x[j] * b[j];
    s1 += (double)x[j + 1] * b[j + 1];
    s2 += (double)x[j + 2] * b[j + 2];
    s3 += (double)x[j + 3] * b[j + 3];
  }
  double s = (s0 + s2) + (s1 + s3);
  for (; j < d; j++) s += (double)x[j] * b[j];
  return s + b0;
}

static churn_status check_scoring(const char *fn, const churn_model *m, const void *X,
                                  churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                                  const void *out) {
  CHURN_CHECK_ARG(m != NULL, "%s: model is NULL", fn);
  CHURN_TRY(churn__check_matrix(fn, X, dtype, n, d, ld));
  CHURN_CHECK_ARG(out != NULL || n == 0, "%s: out is NULL", fn);
  if (d != m->d) {
    return churn__fail(CHURN_E_SCHEMA, "%s: X has %lld columns, the model %lld features", fn,
                       (long long)d, (long long)m->d);
  }
  return CHURN_OK;
}

static void linear(const churn_model *m, const void *X, churn_dtype dtype, int64_t n, int64_t ld,
                   double *out) {
  const int64_t d = m->d;
  if (dtype == CHURN_F64) {
    const double *x = X;
    for (int64_t i = 0; i < n; i++) out[i] = dot_f64(x + i * ld, m->coef, d, m->intercept);
  } else {
    const float *x = X;
    for (int64_t i = 0; i < n; i++) out[i] = dot_f32(x + i * ld, m->coef, d, m->intercept);
  }
}

CHURN_API churn_status churn_model_decision_function(const churn_model *model, const void *X,
                                                     churn_dtype dtype, int64_t n, int64_t d,
                                                     int64_t ld, double *out) {
  CHURN_TRY(check_scoring("churn_model_decision_function", model, X, dtype, n, d, ld, out));
  linear(model, X, dtype, n, ld, out);
  return CHURN_OK;
}

CHURN_API churn_status churn_model_predict_proba(const churn_model *model, const void *X,
                                                 churn_dtype dtype, int64_t n, int64_t d,
                                                 int64_t ld, double *out) {
  CHURN_TRY(check_scoring("churn_model_predict_proba", model, X, dtype, n, d, ld, out));
  /* Blocks keep the linear scores in cache between the two loops. */
  for (int64_t b0 = 0; b0 < n; b0 += 1024) {
    int64_t nb = n - b0 < 1024 ? n - b0 : 1024;
    size_t off = (size_t)(b0 * ld) * (dtype == CHURN_F32 ? sizeof(float) : sizeof(double));
    linear(model, (const char *)X + off, dtype, nb, ld, out + b0);
    churn__sigmoid_block(out + b0, nb);
  }
  return CHURN_OK;
}

/* The first non-finite value of row i (a row whose linear score came out non-finite): names it in
 * a CHURN_E_DATA error.  A row of finite values whose score overflowed is accepted (returns OK). */
static churn_status refuse_row(const char *fn, const void *X, churn_dtype dtype, int64_t ld,
                               int64_t i, int64_t d) {
  for (int64_t j = 0; j < d; j++) {
    const double v = churn__xget(X, dtype, ld, i, j);
    if (!isfinite(v)) {
      return churn__fail(CHURN_E_DATA, "%s: X[%lld, %lld] is %s (row %lld, column %lld)", fn,
                         (long long)i, (long long)j, isnan(v) ? "NaN" : "infinite",
                         (long long)i, (long long)j);
    }
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_model_score(const churn_model *model, const void *X,
                                         churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                                         churn_score_output what, double *out) {
  const char *fn = "churn_model_score";
  CHURN_TRY(check_scoring(fn, model, X, dtype, n, d, ld, out));
  CHURN_CHECK_ARG(what == CHURN_SCORE_LINEAR || what == CHURN_SCORE_PROBA ||
                      what == CHURN_SCORE_PROBA_PAIR,
                  "%s: unknown output %d", fn, (int)what);
  const size_t esize = dtype == CHURN_F32 ? sizeof(float) : sizeof(double);
  double eta[1024];
  /* One pass over X, block by block: the linear scores stay in cache while they are checked
   * (a non-finite x gives a non-finite score, as every coefficient is finite, so only the rows
   * whose score is non-finite are looked at again) and turned into the output. */
  for (int64_t b0 = 0; b0 < n; b0 += 1024) {
    const int64_t nb = n - b0 < 1024 ? n - b0 : 1024;
    const void *xb = (const char *)X + (size_t)(b0 * ld) * esize;
    double *dst = what == CHURN_SCORE_PROBA_PAIR ? eta : out + b0;
    linear(model, xb, dtype, nb, ld, dst);
    int bad = 0;
    for (int64_t i = 0; i < nb; i++) bad |= !isfinite(dst[i]);
    if (bad) {
      for (int64_t i = 0; i < nb; i++) {
        if (!isfinite(dst[i])) CHURN_TRY(refuse_row(fn, X, dtype, ld, b0 + i, d));
      }
    }
    if (what == CHURN_SCORE_LINEAR) continue;
    churn__sigmoid_block(dst, nb);
    if (what == CHURN_SCORE_PROBA_PAIR) {
      double *o = out + 2 * b0;
      for (int64_t i = 0; i < nb; i++) {
        o[2 * i] = 1.0 - eta[i];
        o[2 * i + 1] = eta[i];
      }
    }
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_model_predict_proba_named(const churn_model *model,
                                                       const char *const *names, const void *X,
                                                       churn_dtype dtype, int64_t n, int64_t d,
                                                       int64_t ld, double *out) {
  CHURN_TRY(churn_model_check_features(model, names, d));
  return churn_model_predict_proba(model, X, dtype, n, d, ld, out);
}

static churn_status explain(const char *fn, int refuse_nonfinite, const churn_model *model,
                            const void *X, churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                            int k, int32_t *feature_index, double *contribution) {
  CHURN_TRY(check_scoring(fn, model, X, dtype, n, d, ld, feature_index));
  CHURN_CHECK_ARG(contribution != NULL || n == 0, "%s: contribution is NULL", fn);
  CHURN_CHECK_ARG(k >= 1 && k <= d, "%s: k = %d outside [1, d = %lld]", fn, k, (long long)d);
  CHURN_CHECK_ARG(d <= INT32_MAX, "%s: too many features for int32 indices", fn);
  double *c = churn__malloc_array((size_t)d, sizeof(double));
  char *used = churn__malloc((size_t)d);
  if (c == NULL || used == NULL) {
    churn__free(c);
    churn__free(used);
    return churn__nomem("explain workspace");
  }
  for (int64_t i = 0; i < n; i++) {
    for (int64_t j = 0; j < d; j++) {
      const double x = churn__xget(X, dtype, ld, i, j);
      if (refuse_nonfinite && !isfinite(x)) {
        churn__free(c);
        churn__free(used);
        return refuse_row(fn, X, dtype, ld, i, d);
      }
      c[j] = model->coef[j] * (x - model->mean[j]);
    }
    memset(used, 0, (size_t)d);
    /* Selection of the k largest, descending; ties go to the lower index; NaN sorts last. */
    for (int r = 0; r < k; r++) {
      int64_t best = -1;
      for (int64_t j = 0; j < d; j++) {
        if (used[j]) continue;
        if (best < 0 || c[j] > c[best] || (isnan(c[best]) && !isnan(c[j]))) best = j;
      }
      used[best] = 1;
      feature_index[i * k + r] = (int32_t)best;
      contribution[i * k + r] = c[best];
    }
  }
  churn__free(c);
  churn__free(used);
  return CHURN_OK;
}

CHURN_API churn_status churn_model_explain(const churn_model *model, const void *X,
                                           churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                                           int k, int32_t *feature_index, double *contribution) {
  return explain("churn_model_explain", 0, model, X, dtype, n, d, ld, k, feature_index,
                 contribution);
}

CHURN_API churn_status churn_model_explain_finite(const churn_model *model, const void *X,
                                                  churn_dtype dtype, int64_t n, int64_t d,
                                                  int64_t ld, int k, int32_t *feature_index,
                                                  double *contribution) {
  return explain("churn_model_explain_finite", 1, model, X, dtype, n, d, ld, k, feature_index,
                 contribution);
}
