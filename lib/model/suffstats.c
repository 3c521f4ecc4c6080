/*
 * suffstats.c -- the one pass over rows that every fit is made of: at a coefficient vector beta
 * (standardised scale) it accumulates the log-likelihood, the gradient Z'(v.(y-p)), optionally the
 * Hessian Z'diag(v p(1-p))Z (BLAS dsyrk on row blocks that stay in cache), and counts.  Used by
 * the in-memory fit (over row ranges on several threads), the out-of-core fit and the Dask
 * binding (over chunks, merged by addition).
 */
#include "logit.h"
#include "common/parallel.h"

#include <cblas.h>
#include <string.h>

#define BLOCK_ROWS 256
#define PREFETCH_ROWS 64  /* rows ahead of the kernel's reads that it prefetches */

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
  s->M = churn__malloc_array((size_t)(k * k), sizeof(double));
  if (!s->center || !s->inv_scale || !s->H || !s->g || !s->M) {
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
  churn__free(stats->M);
  churn__free(stats);
}

CHURN_API void churn_suffstats_reset(churn_suffstats *stats) {
  if (stats == NULL) return;
  memset(stats->H, 0, (size_t)(stats->k * stats->k) * sizeof(double));
  memset(stats->g, 0, (size_t)stats->k * sizeof(double));
  memset(stats->M, 0, (size_t)(stats->k * stats->k) * sizeof(double));
  stats->hessian_state = -1;
  stats->has_meat = 0;
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

/* Partial sums of one thread over one row range, in the centred, unscaled coordinates of the
 * kernel: Hc over (1, x - c), gc over x - c; sums = loglik, sum v, sum v (y=1), count (y=1),
 * sum r. */
typedef struct partial {
  double *Hc, *gc, *Mc;
  double sums[5];
  int64_t n;
  bad_row bad;
} partial;

/* Workspace of one block. */
typedef struct block_work {
  double *Z;              /* BLOCK_ROWS x k: rows for dsyrk */
  double *xbuf;           /* BLOCK_ROWS x d: float32 rows converted to double */
  double *eta, *r, *sq;
} block_work;

/* --- the vector kernel, compiled twice ------------------------------------------------------ */

/* The kernel's helpers pass 32-byte vectors between static functions only: no ABI concern. */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4di __attribute__((vector_size(32)));
typedef double v4du __attribute__((vector_size(32), aligned(8)));
#define SPLAT(x) ((v4d){(x), (x), (x), (x)})
#define LOADU(p) ((v4d)(*(const v4du *)(p)))
#define STOREU(p, v) (*(v4du *)(p) = (v4du)(v))

#define KERNEL_ATTR
#define KERNEL_NAME(x) generic_##x
#include "logit_kernel.inc"
#undef KERNEL_ATTR
#undef KERNEL_NAME

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_KERNEL 1
#define KERNEL_ATTR __attribute__((target("avx2")))
#define KERNEL_NAME(x) avx2_##x
#include "logit_kernel.inc"
#undef KERNEL_ATTR
#undef KERNEL_NAME
#endif

typedef bool (*block_fn)(const double *, int64_t, int64_t, int64_t, const double *,
                         const double *, double, const double *, const double *, double, double,
                         int, double *, double *, double *, double *, double *);

static block_fn pick_kernel(void) {
#ifdef HAVE_AVX2_KERNEL
  if (__builtin_cpu_supports("avx2")) return avx2_block;
#endif
  return generic_block;
}

void churn__sigmoid_block(double *x, int64_t n) {
#ifdef HAVE_AVX2_KERNEL
  if (__builtin_cpu_supports("avx2")) {
    avx2_sigmoid_block(x, n);
    return;
  }
#endif
  generic_sigmoid_block(x, n);
}

/* Finds the first invalid y, weight or X value of a block (the kernel saw one). */
static bad_row locate_bad(const churn_suffstats *s, const void *X, churn_dtype dtype, int64_t ld,
                          const double *y, const double *w, const double *eta, int64_t b0,
                          int64_t nb) {
  for (int64_t i = 0; i < nb; i++) {
    const int64_t row = b0 + i;
    const double yi = y[row], wi = w ? w[row] : 1.0;
    if (!(yi == 0.0 || yi == 1.0)) return (bad_row){BAD_Y, row, -1, yi};
    if (!(wi >= 0.0 && churn__is_finite(wi))) return (bad_row){BAD_W, row, -1, wi};
    if (!churn__is_finite(eta[i])) {
      for (int64_t j = 0; j < s->d; j++) {
        double v = churn__xget(X, dtype, ld, row, j);
        if (!churn__is_finite(v)) return (bad_row){BAD_X, row, j, v};
      }
      return (bad_row){BAD_X, row, -1, 0.0};
    }
  }
  return (bad_row){BAD_X, b0, -1, 0.0};
}

/* Accumulates rows [r0, r0 + nrows) into p at kernel coefficients bs (d) and b0. */
static void accumulate_range(const churn_suffstats *s, const void *X, churn_dtype dtype,
                             int64_t ld, const double *y, const double *w, const double *bs,
                             double b0, int want_h, int64_t r0, int64_t nrows, block_work *bw,
                             partial *p) {
  const int64_t k = s->k, d = s->d, fi = s->fit_intercept;
  const block_fn kernel = pick_kernel();
  for (int64_t q0 = r0; q0 < r0 + nrows; q0 += BLOCK_ROWS) {
    const int64_t nb = r0 + nrows - q0 < BLOCK_ROWS ? r0 + nrows - q0 : BLOCK_ROWS;
    const double *xb;
    int64_t ldb;
    if (dtype == CHURN_F64) {
      xb = (const double *)X + q0 * ld;
      ldb = ld;
    } else {
      const float *xf = (const float *)X + q0 * ld;
      for (int64_t i = 0; i < nb; i++) {
        for (int64_t j = 0; j < d; j++) bw->xbuf[i * d + j] = (double)xf[i * ld + j];
      }
      xb = bw->xbuf;
      ldb = d;
    }
    if (!kernel(xb, ldb, nb, d, s->center, bs, b0, y + q0, w ? w + q0 : NULL, s->class_weight0,
                s->class_weight1, want_h, bw->eta, bw->r, bw->sq, p->gc, p->sums)) {
      p->bad = locate_bad(s, X, dtype, ld, y, w, bw->eta, q0, nb);
      return;
    }
    if (want_h) {
      for (int64_t i = 0; i < nb; i++) {
        double *z = bw->Z + i * k;
        const double *x = xb + i * ldb;
        const double sq = bw->sq[i];
        if (fi) z[0] = sq;
        for (int64_t j = 0; j < d; j++) z[fi + j] = sq * (x[j] - s->center[j]);
      }
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)nb, 1.0, bw->Z, (int)k, 1.0,
                  p->Hc, (int)k);
    }
    if (want_h == 2) {
      for (int64_t i = 0; i < nb; i++) {
        double *z = bw->Z + i * k;
        const double *x = xb + i * ldb;
        const double ri = bw->r[i];
        if (fi) z[0] = ri;
        for (int64_t j = 0; j < d; j++) z[fi + j] = ri * (x[j] - s->center[j]);
      }
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)nb, 1.0, bw->Z, (int)k, 1.0,
                  p->Mc, (int)k);
    }
    p->n += nb;
  }
}

static void work_free(block_work *bw) {
  churn__aligned_free(bw->Z);
  churn__free(bw->xbuf);
  churn__free(bw->eta);
  churn__free(bw->r);
  churn__free(bw->sq);
  memset(bw, 0, sizeof *bw);
}

static bool work_alloc(block_work *bw, int64_t k, int64_t d, churn_dtype dtype) {
  bw->Z = churn__aligned_alloc((size_t)(BLOCK_ROWS * k) * sizeof(double));
  bw->xbuf = dtype == CHURN_F32 ? churn__malloc_array((size_t)(BLOCK_ROWS * (d ? d : 1)),
                                                      sizeof(double))
                                : NULL;
  bw->eta = churn__malloc_array(BLOCK_ROWS, sizeof(double));
  bw->r = churn__malloc_array(BLOCK_ROWS, sizeof(double));
  bw->sq = churn__malloc_array(BLOCK_ROWS, sizeof(double));
  if (bw->Z && bw->eta && bw->r && bw->sq && (bw->xbuf || dtype != CHURN_F32)) return true;
  work_free(bw);
  return false;
}

/* One row range per task; tasks write their own partial so merging is in range order. */
typedef struct mt_ctx {
  const churn_suffstats *s;
  const void *X;
  churn_dtype dtype;
  int64_t n, ld;
  const double *y, *w, *bs;
  double b0;
  int want_h;
  int64_t ntasks;
  partial *parts;
  block_work *work;  /* one per worker */
} mt_ctx;

static void mt_task(void *vctx, int64_t task, int worker) {
  mt_ctx *c = vctx;
  int64_t r0 = c->n * task / c->ntasks, r1 = c->n * (task + 1) / c->ntasks;
  accumulate_range(c->s, c->X, c->dtype, c->ld, c->y, c->w, c->bs, c->b0, c->want_h, r0, r1 - r0,
                   &c->work[worker], &c->parts[task]);
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

/* Adds a pass's centred partial sums to s in its standardised coordinates:
 * z = (1, (x - c) / scale), so g_z = (sum r, gc / scale) and H_z = D Hc D, D = diag(1, 1/scale). */
static void add_transformed(churn_suffstats *s, const partial *p, int want_h) {
  const int64_t k = s->k, d = s->d, fi = s->fit_intercept;
  if (fi) s->g[0] += p->sums[4];
  for (int64_t j = 0; j < d; j++) s->g[fi + j] += p->gc[j] * s->inv_scale[j];
  if (want_h) {
    for (int64_t a = 0; a < k; a++) {
      double da = (fi && a == 0) ? 1.0 : s->inv_scale[a - fi];
      for (int64_t b = a; b < k; b++) {
        double db = (fi && b == 0) ? 1.0 : s->inv_scale[b - fi];
        s->H[a * k + b] += p->Hc[a * k + b] * da * db;
        if (want_h == 2) s->M[a * k + b] += p->Mc[a * k + b] * da * db;
      }
    }
  }
  s->loglik += p->sums[0];
  s->sum_w += p->sums[1];
  s->sum_w_pos += p->sums[2];
  s->positives += (int64_t)p->sums[3];
  s->n += p->n;
}

churn_status churn__suffstats_accumulate_mt(churn_suffstats *s, const void *X, churn_dtype dtype,
                                            int64_t n, int64_t ld, const double *y,
                                            const double *w, const double *beta, int want_hessian,
                                            int64_t first_row, int nthreads) {
  const int64_t k = s->k, d = s->d, fi = s->fit_intercept;
  const int mode = want_hessian == 2 ? 2 : (want_hessian ? 1 : 0);
  const int state = mode ? 1 : 0, meat = mode == 2;
  if (s->hessian_state >= 0 && (s->hessian_state != state || s->has_meat != meat)) {
    return churn__fail(CHURN_E_ARG, "churn_suffstats_accumulate: want_hessian = %d but earlier "
                       "chunks of this pass used %d", mode, s->has_meat ? 2 : s->hessian_state);
  }
  if (n == 0) {
    s->hessian_state = state;
    s->has_meat = meat;
    return CHURN_OK;
  }
  want_hessian = mode;
  if (nthreads < 1) nthreads = 1;
  /* Ranges of at least 4096 rows: threads are not worth it for less. */
  int64_t ntasks = n / 4096 < nthreads ? n / 4096 : nthreads;
  if (ntasks < 1) ntasks = 1;
  int nworkers = (int)ntasks;
  partial *parts = churn__calloc((size_t)ntasks, sizeof *parts);
  block_work *work = churn__calloc((size_t)nworkers, sizeof *work);
  double *bs = churn__malloc_array((size_t)d + 1, sizeof(double));
  churn_status st = CHURN_OK;
  if (parts == NULL || work == NULL || bs == NULL) st = churn__nomem("accumulation workspace");
  for (int64_t t = 0; st == CHURN_OK && t < ntasks; t++) {
    parts[t].Hc = want_hessian ? churn__calloc((size_t)(k * k), sizeof(double)) : NULL;
    parts[t].gc = churn__calloc((size_t)d + 1, sizeof(double));
    parts[t].Mc = want_hessian == 2 ? churn__calloc((size_t)(k * k), sizeof(double)) : NULL;
    if ((want_hessian && !parts[t].Hc) || !parts[t].gc || (want_hessian == 2 && !parts[t].Mc)) {
      st = churn__nomem("accumulation workspace");
    }
  }
  for (int i = 0; st == CHURN_OK && i < nworkers; i++) {
    if (!work_alloc(&work[i], k, d, dtype)) st = churn__nomem("accumulation workspace");
  }
  if (st == CHURN_OK) {
    for (int64_t j = 0; j < d; j++) bs[j] = beta[fi + j] * s->inv_scale[j];
    mt_ctx c = {s, X, dtype, n, ld, y, w, bs, fi ? beta[0] : 0.0, want_hessian, ntasks, parts,
                work};
    churn__parallel_for(nworkers, ntasks, mt_task, &c);
    for (int64_t t = 0; t < ntasks; t++) {
      if (parts[t].bad.kind != BAD_NONE) {
        st = report_bad(&parts[t].bad, first_row);
        break;
      }
    }
    if (st == CHURN_OK) {
      for (int64_t t = 1; t < ntasks; t++) {
        for (int64_t q = 0; want_hessian && q < k * k; q++) parts[0].Hc[q] += parts[t].Hc[q];
        for (int64_t q = 0; want_hessian == 2 && q < k * k; q++) parts[0].Mc[q] += parts[t].Mc[q];
        for (int64_t q = 0; q < d; q++) parts[0].gc[q] += parts[t].gc[q];
        for (int q = 0; q < 5; q++) parts[0].sums[q] += parts[t].sums[q];
        parts[0].n += parts[t].n;
      }
      add_transformed(s, &parts[0], want_hessian);
      s->hessian_state = state;
      s->has_meat = meat;
    } else {
      /* A failed chunk leaves the pass unusable: start it again. */
      churn_suffstats_reset(s);
    }
  }
  for (int64_t t = 0; parts && t < ntasks; t++) {
    churn__free(parts[t].Hc);
    churn__free(parts[t].gc);
    churn__free(parts[t].Mc);
  }
  for (int i = 0; work && i < nworkers; i++) work_free(&work[i]);
  churn__free(parts);
  churn__free(work);
  churn__free(bs);
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
  /* Mixed: a sandwich covariance would silently lose some rows' scores, so refuse. */
  CHURN_CHECK_ARG(dst->hessian_state < 0 || dst->has_meat == src->has_meat,
                  "churn_suffstats_merge: one side has score outer products (want_hessian = 2) "
                  "and the other not (statistics from a pass with want_hessian = 1, or loaded "
                  "from a format 1.0 file)");
  const int64_t k = dst->k;
  for (int64_t q = 0; q < k * k; q++) dst->H[q] += src->H[q];
  for (int64_t q = 0; src->has_meat && q < k * k; q++) dst->M[q] += src->M[q];
  dst->has_meat = src->has_meat;
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

CHURN_API churn_status churn_suffstats_score_products(const churn_suffstats *stats,
                                                      double *products) {
  CHURN_CHECK_ARG(stats != NULL, "churn_suffstats_score_products: stats is NULL");
  if (!stats->has_meat) {
    return churn__fail(CHURN_E_STATE, "churn_suffstats_score_products: the statistics were "
                       "accumulated without score outer products (want_hessian = 2)");
  }
  if (products == NULL) return CHURN_OK;
  const int64_t k = stats->k;
  for (int64_t a = 0; a < k; a++) {
    for (int64_t b = 0; b < k; b++) {
      products[a * k + b] = a <= b ? stats->M[a * k + b] : stats->M[b * k + a];
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
