/*
 * suffstats.c -- the one pass over rows that every fit is made of: at a coefficient vector beta
 * (standardised scale) it accumulates the log-likelihood, the gradient Z'(v.(y-p)), optionally the
 * Hessian Z'diag(v p(1-p))Z (BLAS dsyrk on row blocks that stay in cache), and counts.  Used by
 * the in-memory fit (over row ranges on several threads), the out-of-core fit and the Dask
 * binding (over chunks, merged by addition).
 */
#include "logit.h"
#include "parallel.h"

#include <cblas.h>
#include <string.h>

#define BLOCK_ROWS 256

churn_status churn__check_matrix(const char *fn, const void *X, churn_dtype dtype, int64_t n,
                                 int64_t d, int64_t ld) {
  CHURN_CHECK_ARG(dtype == CHURN_F64 || dtype == CHURN_F32,
                  "%s: X must be CHURN_F64 or CHURN_F32 (dtype %d)", fn, (int)dtype);
  CHURN_CHECK_ARG(n >= 0, "%s: n = %lld is negative", fn, (long long)n);
  CHURN_CHECK_ARG(d >= 0, "%s: d = %lld is negative", fn, (long long)d);
  CHURN_CHECK_ARG(ld >= d && ld >= 1, "%s: row stride ld = %lld is smaller than d = %lld", fn,
                  (long long)ld, (long long)d);
  CHURN_CHECK_ARG(X != NULL || n == 0 || d == 0, "%s: X is NULL", fn);
  return CHURN_OK;
}

CHURN_API churn_status churn_suffstats_new(int64_t d, int fit_intercept, const double *center,
                                           const double *scale, double class_weight0,
                                           double class_weight1, churn_suffstats **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_suffstats_new: out is NULL");
  CHURN_CHECK_ARG(d >= 0 && d <= 100000, "churn_suffstats_new: d = %lld outside [0, 100000]",
                  (long long)d);
  CHURN_CHECK_ARG(fit_intercept == 0 || fit_intercept == 1,
                  "churn_suffstats_new: fit_intercept must be 0 or 1");
  CHURN_CHECK_ARG(d + fit_intercept >= 1, "churn_suffstats_new: no coefficients (d = 0, no intercept)");
  CHURN_CHECK_ARG(churn__is_finite(class_weight0) && class_weight0 > 0 &&
                      churn__is_finite(class_weight1) && class_weight1 > 0,
                  "churn_suffstats_new: class weights must be finite and > 0");
  for (int64_t j = 0; center && j < d; j++) {
    CHURN_CHECK_ARG(churn__is_finite(center[j]), "churn_suffstats_new: center[%lld] is not finite",
                    (long long)j);
  }
  for (int64_t j = 0; scale && j < d; j++) {
    CHURN_CHECK_ARG(churn__is_finite(scale[j]) && scale[j] > 0,
                    "churn_suffstats_new: scale[%lld] must be finite and > 0", (long long)j);
  }
  int64_t k = d + fit_intercept;
  churn_suffstats *s = churn__calloc(1, sizeof *s);
  if (s == NULL) return churn__nomem("sufficient statistics");
  s->d = d;
  s->k = k;
  s->fit_intercept = fit_intercept;
  s->center = churn__malloc_array((size_t)d + 1, sizeof(double));
  s->inv_scale = churn__malloc_array((size_t)d + 1, sizeof(double));
  s->H = churn__malloc_array((size_t)(k * k), sizeof(double));
  s->g = churn__malloc_array((size_t)k, sizeof(double));
  if (!s->center || !s->inv_scale || !s->H || !s->g) {
    churn_suffstats_free(s);
    return churn__nomem("sufficient statistics");
  }
  for (int64_t j = 0; j < d; j++) {
    s->center[j] = center ? center[j] : 0.0;
    s->inv_scale[j] = scale ? 1.0 / scale[j] : 1.0;
  }
  s->class_weight0 = class_weight0;
  s->class_weight1 = class_weight1;
  churn_suffstats_reset(s);
  *out = s;
  return CHURN_OK;
}

CHURN_API void churn_suffstats_free(churn_suffstats *stats) {
  if (stats == NULL) return;
  churn__free(stats->center);
  churn__free(stats->inv_scale);
  churn__free(stats->H);
  churn__free(stats->g);
  churn__free(stats);
}

CHURN_API void churn_suffstats_reset(churn_suffstats *stats) {
  if (stats == NULL) return;
  memset(stats->H, 0, (size_t)(stats->k * stats->k) * sizeof(double));
  memset(stats->g, 0, (size_t)stats->k * sizeof(double));
  stats->hessian_state = -1;
  stats->loglik = stats->sum_w = stats->sum_w_pos = 0;
  stats->n = stats->positives = 0;
}

/* A problem found in a row: which row (relative to the chunk), which column, what kind. */
typedef enum bad_kind { BAD_NONE = 0, BAD_X, BAD_Y, BAD_W } bad_kind;
typedef struct bad_row {
  bad_kind kind;
  int64_t row, col;
  double value;
} bad_row;

/* Partial sums of one thread over one row range. */
typedef struct partial {
  double *H, *g;
  double loglik, sum_w, sum_w_pos;
  int64_t n, positives;
  bad_row bad;
} partial;

/* Workspace of one block: standardised rows Z (BLOCK_ROWS x k), eta, residuals, Hessian roots. */
typedef struct block_work {
  double *Z, *eta, *r, *sq;
} block_work;

static void fill_block(const churn_suffstats *s, const void *X, churn_dtype dtype, int64_t ld,
                       int64_t r0, int64_t nb, double *Z) {
  const int64_t k = s->k, d = s->d, fi = s->fit_intercept;
  for (int64_t i = 0; i < nb; i++) {
    double *z = Z + i * k;
    if (fi) z[0] = 1.0;
    double *zz = z + fi;
    if (dtype == CHURN_F64) {
      const double *x = (const double *)X + (r0 + i) * ld;
      for (int64_t j = 0; j < d; j++) zz[j] = (x[j] - s->center[j]) * s->inv_scale[j];
    } else {
      const float *x = (const float *)X + (r0 + i) * ld;
      for (int64_t j = 0; j < d; j++) zz[j] = ((double)x[j] - s->center[j]) * s->inv_scale[j];
    }
  }
}

/* Finds the first non-finite value of row i (there is one when its eta is not finite). */
static int64_t bad_column(const void *X, churn_dtype dtype, int64_t ld, int64_t d, int64_t i,
                          double *value) {
  for (int64_t j = 0; j < d; j++) {
    double v = churn__xget(X, dtype, ld, i, j);
    if (!churn__is_finite(v)) {
      *value = v;
      return j;
    }
  }
  *value = 0;
  return -1;  /* eta overflowed from finite but huge values: report column -1 */
}

/* Accumulates rows [r0, r0 + nrows) into p. */
static void accumulate_range(const churn_suffstats *s, const void *X, churn_dtype dtype,
                             int64_t ld, const double *y, const double *w, const double *beta,
                             int want_h, int check, int64_t r0, int64_t nrows, block_work *bw,
                             partial *p) {
  const int64_t k = s->k;
  for (int64_t b0 = r0; b0 < r0 + nrows; b0 += BLOCK_ROWS) {
    int64_t nb = r0 + nrows - b0 < BLOCK_ROWS ? r0 + nrows - b0 : BLOCK_ROWS;
    fill_block(s, X, dtype, ld, b0, nb, bw->Z);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nb, (int)k, 1.0, bw->Z, (int)k, beta, 1, 0.0,
                bw->eta, 1);
    double ll = 0, sw = 0, swp = 0;
    int64_t npos = 0;
    for (int64_t i = 0; i < nb; i++) {
      const int64_t row = b0 + i;
      const double yi = y[row], wi = w ? w[row] : 1.0, eta = bw->eta[i];
      if (check) {
        bad_kind kind = BAD_NONE;
        double value = 0;
        int64_t col = -1;
        if (!(yi == 0.0 || yi == 1.0)) kind = BAD_Y, value = yi;
        else if (!(wi >= 0.0 && churn__is_finite(wi))) kind = BAD_W, value = wi;
        else if (!churn__is_finite(eta)) kind = BAD_X, col = bad_column(X, dtype, ld, s->d, row, &value);
        if (kind != BAD_NONE) {
          p->bad = (bad_row){kind, row, col, value};
          return;
        }
      }
      const double v = wi * (yi != 0.0 ? s->class_weight1 : s->class_weight0);
      /* log(1 + exp(eta)) = max(eta, 0) + log1p(exp(-|eta|)); p from the same exp. */
      const double e = exp(-fabs(eta));
      const double inv = 1.0 / (1.0 + e);
      const double pr = eta >= 0 ? inv : e * inv;
      ll += v * (yi * eta - (eta > 0 ? eta : 0.0) - log1p(e));
      bw->r[i] = v * (yi - pr);
      /* sqrt of the Hessian weight v p(1-p) = v e / (1+e)^2, for either sign of eta. */
      bw->sq[i] = sqrt(v * e) * inv;
      sw += v;
      if (yi != 0.0) swp += v, npos++;
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)nb, (int)k, 1.0, bw->Z, (int)k, bw->r, 1, 1.0,
                p->g, 1);
    if (want_h) {
      for (int64_t i = 0; i < nb; i++) {
        double *z = bw->Z + i * k;
        const double sq = bw->sq[i];
        for (int64_t j = 0; j < k; j++) z[j] *= sq;
      }
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)nb, 1.0, bw->Z, (int)k, 1.0,
                  p->H, (int)k);
    }
    p->loglik += ll;
    p->sum_w += sw;
    p->sum_w_pos += swp;
    p->n += nb;
    p->positives += npos;
  }
}

static void work_free(block_work *bw) {
  churn__aligned_free(bw->Z);
  churn__free(bw->eta);
  churn__free(bw->r);
  churn__free(bw->sq);
  memset(bw, 0, sizeof *bw);
}

static bool work_alloc(block_work *bw, int64_t k) {
  bw->Z = churn__aligned_alloc((size_t)(BLOCK_ROWS * k) * sizeof(double));
  bw->eta = churn__malloc_array(BLOCK_ROWS, sizeof(double));
  bw->r = churn__malloc_array(BLOCK_ROWS, sizeof(double));
  bw->sq = churn__malloc_array(BLOCK_ROWS, sizeof(double));
  if (bw->Z && bw->eta && bw->r && bw->sq) return true;
  work_free(bw);
  return false;
}

/* One row range per task; tasks write their own partial so merging is in range order. */
typedef struct mt_ctx {
  const churn_suffstats *s;
  const void *X;
  churn_dtype dtype;
  int64_t n, ld;
  const double *y, *w, *beta;
  int want_h, check;
  int64_t ntasks;
  partial *parts;
  block_work *work;  /* one per worker */
} mt_ctx;

static void mt_task(void *vctx, int64_t task, int worker) {
  mt_ctx *c = vctx;
  int64_t r0 = c->n * task / c->ntasks, r1 = c->n * (task + 1) / c->ntasks;
  accumulate_range(c->s, c->X, c->dtype, c->ld, c->y, c->w, c->beta, c->want_h, c->check, r0,
                   r1 - r0, &c->work[worker], &c->parts[task]);
}

static churn_status report_bad(const bad_row *b, int64_t first_row) {
  long long row = (long long)(first_row + b->row);
  switch (b->kind) {
    case BAD_Y:
      return churn__fail(CHURN_E_DATA, "y at row %lld is %.17g; labels must be 0 or 1", row,
                         b->value);
    case BAD_W:
      return churn__fail(CHURN_E_DATA, "sample_weight at row %lld is %.17g; weights must be "
                         "finite and >= 0", row, b->value);
    case BAD_X:
      if (b->col < 0) {
        return churn__fail(CHURN_E_DATA, "row %lld: the linear score overflows (values too large)",
                           row);
      }
      return churn__fail(CHURN_E_DATA, "X has a non-finite value (%g) at row %lld, column %lld",
                         b->value, row, (long long)b->col);
    case BAD_NONE: break;
  }
  return CHURN_OK;
}

churn_status churn__suffstats_accumulate_mt(churn_suffstats *s, const void *X, churn_dtype dtype,
                                            int64_t n, int64_t ld, const double *y,
                                            const double *w, const double *beta, int want_hessian,
                                            int64_t first_row, int nthreads) {
  const int64_t k = s->k;
  want_hessian = want_hessian ? 1 : 0;
  if (s->hessian_state >= 0 && s->hessian_state != want_hessian) {
    return churn__fail(CHURN_E_ARG, "churn_suffstats_accumulate: want_hessian = %d but earlier "
                       "chunks of this pass used %d", want_hessian, s->hessian_state);
  }
  if (n == 0) {
    s->hessian_state = want_hessian;
    return CHURN_OK;
  }
  if (nthreads < 1) nthreads = 1;
  /* Ranges of at least 4096 rows: threads are not worth it for less. */
  int64_t ntasks = n / 4096 < nthreads ? n / 4096 : nthreads;
  if (ntasks < 1) ntasks = 1;
  int nworkers = (int)ntasks;
  partial *parts = churn__calloc((size_t)ntasks, sizeof *parts);
  block_work *work = churn__calloc((size_t)nworkers, sizeof *work);
  churn_status st = CHURN_OK;
  if (parts == NULL || work == NULL) st = churn__nomem("accumulation workspace");
  for (int64_t t = 0; st == CHURN_OK && t < ntasks; t++) {
    /* The first task writes straight into s. */
    if (t == 0) {
      parts[t].H = s->H;
      parts[t].g = s->g;
    } else {
      parts[t].H = churn__calloc((size_t)(k * k), sizeof(double));
      parts[t].g = churn__calloc((size_t)k, sizeof(double));
      if (!parts[t].H || !parts[t].g) st = churn__nomem("accumulation workspace");
    }
  }
  for (int i = 0; st == CHURN_OK && i < nworkers; i++) {
    if (!work_alloc(&work[i], k)) st = churn__nomem("accumulation workspace");
  }
  if (st == CHURN_OK) {
    mt_ctx c = {s, X, dtype, n, ld, y, w, beta, want_hessian, 1, ntasks, parts, work};
    double ll0 = s->loglik, sw0 = s->sum_w, swp0 = s->sum_w_pos;
    int64_t n0 = s->n, np0 = s->positives;
    parts[0].loglik = ll0, parts[0].sum_w = sw0, parts[0].sum_w_pos = swp0;
    parts[0].n = n0, parts[0].positives = np0;
    churn__parallel_for(nworkers, ntasks, mt_task, &c);
    for (int64_t t = 0; t < ntasks; t++) {
      if (parts[t].bad.kind != BAD_NONE) {
        st = report_bad(&parts[t].bad, first_row);
        break;
      }
    }
    if (st == CHURN_OK) {
      for (int64_t t = 1; t < ntasks; t++) {
        for (int64_t q = 0; q < k * k; q++) s->H[q] += parts[t].H[q];
        for (int64_t q = 0; q < k; q++) s->g[q] += parts[t].g[q];
        parts[0].loglik += parts[t].loglik;
        parts[0].sum_w += parts[t].sum_w;
        parts[0].sum_w_pos += parts[t].sum_w_pos;
        parts[0].n += parts[t].n;
        parts[0].positives += parts[t].positives;
      }
      s->loglik = parts[0].loglik;
      s->sum_w = parts[0].sum_w;
      s->sum_w_pos = parts[0].sum_w_pos;
      s->n = parts[0].n;
      s->positives = parts[0].positives;
      s->hessian_state = want_hessian;
    } else {
      /* A failed chunk leaves the sums unusable: start the pass again. */
      churn_suffstats_reset(s);
    }
  }
  for (int64_t t = 1; parts && t < ntasks; t++) {
    churn__free(parts[t].H);
    churn__free(parts[t].g);
  }
  for (int i = 0; work && i < nworkers; i++) work_free(&work[i]);
  churn__free(parts);
  churn__free(work);
  return st;
}

CHURN_API churn_status churn_suffstats_accumulate(churn_suffstats *stats, const void *X,
                                                  churn_dtype dtype, int64_t n, int64_t d,
                                                  int64_t ld, const double *y,
                                                  const double *sample_weight, const double *beta,
                                                  int want_hessian, int64_t first_row) {
  const char *fn = "churn_suffstats_accumulate";
  CHURN_CHECK_ARG(stats != NULL, "%s: stats is NULL", fn);
  CHURN_TRY(churn__check_matrix(fn, X, dtype, n, d, ld));
  CHURN_CHECK_ARG(d == stats->d, "%s: X has %lld columns, the statistics %lld", fn, (long long)d,
                  (long long)stats->d);
  CHURN_CHECK_ARG(y != NULL || n == 0, "%s: y is NULL", fn);
  CHURN_CHECK_ARG(beta != NULL, "%s: beta is NULL", fn);
  for (int64_t j = 0; j < stats->k; j++) {
    CHURN_CHECK_ARG(churn__is_finite(beta[j]), "%s: beta[%lld] is not finite", fn, (long long)j);
  }
  return churn__suffstats_accumulate_mt(stats, X, dtype, n, ld, y, sample_weight, beta,
                                        want_hessian, first_row, 1);
}

CHURN_API churn_status churn_suffstats_merge(churn_suffstats *dst, const churn_suffstats *src) {
  CHURN_CHECK_ARG(dst != NULL && src != NULL, "churn_suffstats_merge: dst and src must not be NULL");
  CHURN_CHECK_ARG(dst->d == src->d && dst->fit_intercept == src->fit_intercept,
                  "churn_suffstats_merge: shapes differ (d %lld vs %lld, intercept %d vs %d)",
                  (long long)dst->d, (long long)src->d, dst->fit_intercept, src->fit_intercept);
  for (int64_t j = 0; j < dst->d; j++) {
    CHURN_CHECK_ARG(dst->center[j] == src->center[j] && dst->inv_scale[j] == src->inv_scale[j],
                    "churn_suffstats_merge: standardisation of column %lld differs", (long long)j);
  }
  CHURN_CHECK_ARG(dst->class_weight0 == src->class_weight0 &&
                      dst->class_weight1 == src->class_weight1,
                  "churn_suffstats_merge: class weights differ");
  if (src->hessian_state < 0) return CHURN_OK;
  CHURN_CHECK_ARG(dst->hessian_state < 0 || dst->hessian_state == src->hessian_state,
                  "churn_suffstats_merge: one side has a Hessian and the other not");
  const int64_t k = dst->k;
  for (int64_t q = 0; q < k * k; q++) dst->H[q] += src->H[q];
  for (int64_t q = 0; q < k; q++) dst->g[q] += src->g[q];
  dst->loglik += src->loglik;
  dst->sum_w += src->sum_w;
  dst->sum_w_pos += src->sum_w_pos;
  dst->n += src->n;
  dst->positives += src->positives;
  dst->hessian_state = src->hessian_state;
  return CHURN_OK;
}

CHURN_API int64_t churn_suffstats_dim(const churn_suffstats *stats) {
  return stats ? stats->k : 0;
}

CHURN_API int churn_suffstats_has_hessian(const churn_suffstats *stats) {
  return stats && stats->hessian_state == 1;
}

CHURN_API churn_status churn_suffstats_hessian(const churn_suffstats *stats, double *hessian) {
  CHURN_CHECK_ARG(stats != NULL, "churn_suffstats_hessian: stats is NULL");
  if (stats->hessian_state != 1) {
    return churn__fail(CHURN_E_STATE, "churn_suffstats_hessian: the statistics were accumulated "
                       "without the Hessian");
  }
  if (hessian == NULL) return CHURN_OK;
  const int64_t k = stats->k;
  for (int64_t a = 0; a < k; a++) {
    for (int64_t b = 0; b < k; b++) {
      hessian[a * k + b] = a <= b ? stats->H[a * k + b] : stats->H[b * k + a];
    }
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_suffstats_gradient(const churn_suffstats *stats, double *gradient) {
  CHURN_CHECK_ARG(stats != NULL, "churn_suffstats_gradient: stats is NULL");
  if (gradient) memcpy(gradient, stats->g, (size_t)stats->k * sizeof(double));
  return CHURN_OK;
}

CHURN_API churn_status churn_suffstats_counts(const churn_suffstats *stats, int64_t *n,
                                              double *sum_w, int64_t *positives,
                                              double *sum_w_positive, double *loglik) {
  CHURN_CHECK_ARG(stats != NULL, "churn_suffstats_counts: stats is NULL");
  if (n) *n = stats->n;
  if (sum_w) *sum_w = stats->sum_w;
  if (positives) *positives = stats->positives;
  if (sum_w_positive) *sum_w_positive = stats->sum_w_pos;
  if (loglik) *loglik = stats->loglik;
  return CHURN_OK;
}
