/*
 * firth.c -- Firth's bias-reduced logistic regression (Firth 1993; Heinze & Schemper 2002), the
 * in-memory fit behind fit.penalty = FIRTH.  It maximises the penalised log-likelihood
 *   l*(b) = l(b) + 0.5 log det I(b),   I(b) = Z'WZ,  W = diag(v_i p_i (1 - p_i)),
 * by Newton steps on its gradient, the modified score
 *   U*(b) = sum_i [v_i (y_i - p_i) + h_i (1/2 - p_i)] z_i,  h_i = v_i p_i (1 - p_i) z_i' I^-1 z_i,
 * with step = I^-1 U* and step halving on l*.  v_i is the row's weight (sample times class
 * weight); z_i the standardised row (with a leading 1 for the intercept), so every quantity is
 * taken on the solver's standardised columns and the estimate is mapped back to the original
 * scale at the end (Firth's estimate is equivariant under affine column transforms).
 *
 * Passes over the rows (split over the fit's threads, partial sums merged in range order) come
 * in two kinds, so that no pass does more than one k^2-per-row product:
 *   INFO  eta, p, l(b) and I(b) (BLAS dsyrk on blocks of rows scaled by sqrt(v p (1-p)));
 *   HAT   eta, p, l(b), the hat values from the Cholesky factor R'R = I of the same point and
 *         U*(b): the scaled rows of a block times R^-1 (R^-1 from one dtrsm per iteration,
 *         applied by dtrmm), h_i the squared norm of a row of that product.
 * One iteration is an INFO pass (line search on l*, the factor) followed by a HAT pass (the
 * score); never an n x n matrix.  The step I^-1 U* is Fisher scoring on U*: quadratic up to a
 * linear rate of order k / n, as in logistf.  With many rows the fit first solves the problem
 * on an evenly spread subsample three times fit.c's (weights scaled to the full data; there
 * each iteration is one merged INFO + HAT pass with the previous point's hat values, which
 * has the same fixed point); the first full pass combines the exact information at its
 * optimum with hat values from its information, the second likewise with the first one's, and
 * exact iterations follow (four full passes in all on 1M x 32: two merged, then the INFO and
 * HAT passes of the point that meets the tolerance).
 *
 * The hat values use R^-1 (one dtrsm per iteration on the k x k identity) applied by dtrmm to
 * blocks of rows: on 1,024-row blocks of 33 columns OpenBLAS 0.3.21's dtrsm with the factor
 * itself took 3 to 4 times as long as dtrmm with its inverse.
 */
#include "firth.h"
#include "common/parallel.h"
#include "subsample.h"

#include <cblas.h>
#include <string.h>

#define BLOCK_ROWS 1024
/* The subsample: SUB_FACTOR times fit.c's size (its sampling error decides how many exact
 * iterations the full data need: at 3x typically two), solved to SUB_TOL only (far below that
 * sampling error). */
#define SUB_FACTOR 3
#define SUB_TOL 1e-6
#define MAX_HALVINGS 40
#define MAX_STEP 5.0         /* largest change of a standardised coefficient in a first step */

enum { WANT_INFO = 1, WANT_HAT = 2, WANT_LL = 4 };

int churn__firth_requested(const churn_options *opts) {
  int64_t pen = 0;
  if (opts == NULL || churn_options_get_int(opts, CHURN_OPT_FIT_PENALTY, &pen) != CHURN_OK) {
    return 0;  /* the fit's own option reading reports a bad object */
  }
  return pen == CHURN_PENALTY_FIRTH;
}

/* --- the pass over rows ------------------------------------------------------------------------ */

/* Rows, their standardisation and class weights. */
typedef struct rowset {
  const void *X;
  churn_dtype dtype;
  int64_t n, ld;
  const double *y, *w;
  int64_t d, k;
  int fi;
  const double *center, *inv_scale;
  double cw0, cw1;
  const char *const *names;  /* d, for messages */
} rowset;

/* Sums of one pass (or one task's share of it). */
typedef struct sums {
  double *info;              /* k*k, upper triangle of sum v p (1-p) z z' (WANT_INFO) */
  double *U;                /* k: U* (WANT_HAT) or the plain score */
  double ll, sw, swp, sh;   /* log-likelihood, sum v, sum v y, sum h */
  int bad;
  int64_t bad_row, bad_col;
  double bad_value;
} sums;

typedef struct work {
  double *S;                /* BLOCK_ROWS x k: standardised rows scaled by sqrt(v p (1-p)) */
  double *xbuf;             /* BLOCK_ROWS x d: float32 rows as double */
  double *eta, *p, *c, *sq, *t;
} work;

typedef struct engine {
  const rowset *r;
  int64_t ntasks;
  int nworkers;
  sums *parts;
  work *work;
  /* per pass */
  const double *Rinv;
  double *bs;               /* d: b / scale, the coefficients of the raw columns */
  double b0c;               /* b0 - center . bs */
  int flags;
} engine;

static void sums_zero(sums *s, int64_t k) {
  memset(s->info, 0, (size_t)(k * k) * sizeof(double));
  memset(s->U, 0, (size_t)k * sizeof(double));
  s->ll = s->sw = s->swp = s->sh = 0;
  s->bad = 0;
}

/* Locates the non-finite X value (or the overflowing score) behind a non-finite eta. */
static void note_bad(const rowset *r, int64_t row, sums *s) {
  s->bad = 1;
  s->bad_row = row;
  s->bad_col = -1;
  s->bad_value = 0;
  for (int64_t j = 0; j < r->d; j++) {
    double v = churn__xget(r->X, r->dtype, r->ld, row, j);
    if (!churn__is_finite(v)) {
      s->bad_col = j;
      s->bad_value = v;
      return;
    }
  }
}

/* out_j = q ((x_j - c_j) s_j), two lanes at a time (SSE2 on x86-64; the same operations in the
 * same order as the scalar tail, so the result does not depend on the lane split). */
typedef double v2d __attribute__((vector_size(16)));

static inline void scaled_row(const double *x, const double *c, const double *s, double q,
                              int64_t d, double *out) {
  const v2d qv = {q, q};
  int64_t j = 0;
  for (; j + 2 <= d; j += 2) {
    v2d xv, cv, sv;
    memcpy(&xv, x + j, sizeof xv);
    memcpy(&cv, c + j, sizeof cv);
    memcpy(&sv, s + j, sizeof sv);
    v2d o = qv * ((xv - cv) * sv);
    memcpy(out + j, &o, sizeof o);
  }
  for (; j < d; j++) out[j] = q * ((x[j] - c[j]) * s[j]);
}

/* One block of nb rows from r0: eta = b0c + x . bs (the standardised score, from the raw
 * columns), the link, and what the pass's flags ask for.  The score sums c_i z_i come from the
 * raw rows too, centred per block: sum_i c_i (x_ij - center_j) / scale_j. */
static void block(const engine *e, int64_t r0, int64_t nb, work *wk, sums *s) {
  const rowset *r = e->r;
  const int64_t k = r->k, d = r->d, fi = r->fi;
  const double *xb = NULL;  /* stays NULL without columns (X may be NULL then) */
  int64_t ldb = 1;
  if (d == 0) {
    /* an intercept-only model reads no X */
  } else if (r->dtype == CHURN_F64) {
    xb = (const double *)r->X + r0 * r->ld;
    ldb = r->ld;
  } else {
    const float *xf = (const float *)r->X + r0 * r->ld;
    for (int64_t i = 0; i < nb; i++) {
      for (int64_t j = 0; j < d; j++) wk->xbuf[i * d + j] = (double)xf[i * r->ld + j];
    }
    xb = wk->xbuf;
    ldb = d;
  }
  double *eta = wk->eta;
  for (int64_t i = 0; i < nb; i++) eta[i] = e->b0c;
  if (d > 0) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nb, (int)d, 1.0, xb, (int)ldb, e->bs, 1, 1.0,
                eta, 1);
  }
  const bool want_ll = e->flags & WANT_LL;
  double ll = 0, sw = 0, swp = 0, sc = 0;
  for (int64_t i = 0; i < nb; i++) {
    if (!churn__is_finite(eta[i])) {
      note_bad(r, r0 + i, s);
      return;
    }
    wk->p[i] = -fabs(eta[i]);
  }
  churn__sigmoid_block(wk->p, nb);  /* sigma(-|eta|) = min(p, 1 - p), vectorised */
  for (int64_t i = 0; i < nb; i++) {
    const double et = eta[i], sm = wk->p[i];
    const double yi = r->y[r0 + i], wi = r->w ? r->w[r0 + i] : 1.0;
    const double v = wi * (yi != 0.0 ? r->cw1 : r->cw0);
    const double p = et >= 0 ? 1.0 - sm : sm;
    /* log(1 + e^eta) = max(eta, 0) - log(1 - sigma(-|eta|)) */
    if (want_ll) ll += v * (yi * et - (et > 0 ? et : 0.0) + log1p(-sm));
    sw += v;
    swp += v * yi;
    wk->p[i] = p;
    wk->c[i] = v * (yi - p);
    wk->sq[i] = sqrt(v * sm * (1.0 - sm));  /* sqrt(v p (1 - p)) */
  }
  s->ll += ll;
  s->sw += sw;
  s->swp += swp;
  if (e->flags & (WANT_INFO | WANT_HAT)) {
    for (int64_t i = 0; i < nb; i++) {
      const double *x = xb + i * ldb;
      const double q = wk->sq[i];
      double *sz = wk->S + i * k;
      if (fi) sz[0] = q;
      scaled_row(x, r->center, r->inv_scale, q, d, sz + fi);
    }
  }
  if (e->flags & WANT_INFO) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)nb, 1.0, wk->S, (int)k, 1.0,
                s->info, (int)k);
  }
  if (e->flags & WANT_HAT) {
    /* Row i of S R^-1 is (R^-T sqrt(q_i) z_i)': its squared norm is q_i z_i' I^-1 z_i = h_i. */
    cblas_dtrmm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)nb,
                (int)k, 1.0, e->Rinv, (int)k, wk->S, (int)k);
    double sh = 0;
    for (int64_t i = 0; i < nb; i++) {
      const double *u = wk->S + i * k;
      double h0 = 0, h1 = 0, h2 = 0, h3 = 0;
      int64_t j = 0;
      for (; j + 4 <= k; j += 4) {
        h0 += u[j] * u[j];
        h1 += u[j + 1] * u[j + 1];
        h2 += u[j + 2] * u[j + 2];
        h3 += u[j + 3] * u[j + 3];
      }
      for (; j < k; j++) h0 += u[j] * u[j];
      const double h = (h0 + h1) + (h2 + h3);
      wk->c[i] += h * (0.5 - wk->p[i]);
      sh += h;
    }
    s->sh += sh;
  }
  for (int64_t i = 0; i < nb; i++) sc += wk->c[i];
  if (fi) s->U[0] += sc;
  if (d > 0) {
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)nb, (int)d, 1.0, xb, (int)ldb, wk->c, 1, 0.0,
                wk->t, 1);
    for (int64_t j = 0; j < d; j++) {
      s->U[fi + j] += (wk->t[j] - r->center[j] * sc) * r->inv_scale[j];
    }
  }
}

static void task(void *vctx, int64_t t, int worker) {
  const engine *e = vctx;
  const int64_t n = e->r->n;
  int64_t r0 = n * t / e->ntasks, r1 = n * (t + 1) / e->ntasks;
  sums *s = &e->parts[t];
  for (int64_t q = r0; q < r1 && !s->bad; q += BLOCK_ROWS) {
    int64_t nb = r1 - q < BLOCK_ROWS ? r1 - q : BLOCK_ROWS;
    block(e, q, nb, &e->work[worker], s);
  }
}

static void engine_free(engine *e) {
  for (int64_t t = 0; e->parts && t < e->ntasks; t++) {
    churn__free(e->parts[t].info);
    churn__free(e->parts[t].U);
  }
  for (int w = 0; e->work && w < e->nworkers; w++) {
    churn__aligned_free(e->work[w].S);
    churn__free(e->work[w].xbuf);
    churn__free(e->work[w].eta);
    churn__free(e->work[w].p);
    churn__free(e->work[w].c);
    churn__free(e->work[w].sq);
    churn__free(e->work[w].t);
  }
  churn__free(e->parts);
  churn__free(e->work);
  churn__free(e->bs);
  memset(e, 0, sizeof *e);
}

static churn_status engine_init(engine *e, const rowset *r, int nthreads) {
  memset(e, 0, sizeof *e);
  e->r = r;
  const int64_t k = r->k;
  /* Ranges of at least 4096 rows: threads are not worth it for less. */
  int64_t ntasks = r->n / 4096 < nthreads ? r->n / 4096 : nthreads;
  if (ntasks < 1) ntasks = 1;
  e->ntasks = ntasks;
  e->nworkers = (int)ntasks;
  e->parts = churn__calloc((size_t)ntasks, sizeof *e->parts);
  e->work = churn__calloc((size_t)e->nworkers, sizeof *e->work);
  e->bs = churn__malloc_array((size_t)r->d + 1, sizeof(double));
  bool ok = e->parts && e->work && e->bs;
  for (int64_t t = 0; ok && t < ntasks; t++) {
    e->parts[t].info = churn__malloc_array((size_t)(k * k), sizeof(double));
    e->parts[t].U = churn__malloc_array((size_t)k, sizeof(double));
    ok = e->parts[t].info && e->parts[t].U;
  }
  for (int w = 0; ok && w < e->nworkers; w++) {
    work *wk = &e->work[w];
    const int64_t d1 = r->d ? r->d : 1;
    wk->S = churn__aligned_alloc((size_t)(BLOCK_ROWS * k) * sizeof(double));
    wk->xbuf = r->dtype == CHURN_F32 ? churn__malloc_array((size_t)(BLOCK_ROWS * d1),
                                                           sizeof(double))
                                     : NULL;
    wk->eta = churn__malloc_array(BLOCK_ROWS, sizeof(double));
    wk->p = churn__malloc_array(BLOCK_ROWS, sizeof(double));
    wk->c = churn__malloc_array(BLOCK_ROWS, sizeof(double));
    wk->sq = churn__malloc_array(BLOCK_ROWS, sizeof(double));
    wk->t = churn__malloc_array((size_t)d1, sizeof(double));
    ok = wk->S && (wk->xbuf || r->dtype != CHURN_F32) && wk->eta && wk->p && wk->c && wk->sq &&
         wk->t;
  }
  if (!ok) {
    engine_free(e);
    return churn__nomem("Firth pass workspace");
  }
  return CHURN_OK;
}

/* One pass at b into out (zeroed first). */
static churn_status engine_pass(engine *e, const double *b, const double *Rinv, int flags,
                                int nthreads, sums *out) {
  const rowset *r = e->r;
  const int64_t k = r->k;
  e->b0c = r->fi ? b[0] : 0.0;
  for (int64_t j = 0; j < r->d; j++) {
    e->bs[j] = b[r->fi + j] * r->inv_scale[j];
    e->b0c -= r->center[j] * e->bs[j];
  }
  e->Rinv = Rinv;
  e->flags = flags;
  for (int64_t t = 0; t < e->ntasks; t++) sums_zero(&e->parts[t], k);
  churn__parallel_for(nthreads < e->nworkers ? nthreads : e->nworkers, e->ntasks, task, e);
  sums_zero(out, k);
  for (int64_t t = 0; t < e->ntasks; t++) {
    const sums *p = &e->parts[t];
    if (p->bad) {
      if (p->bad_col >= 0) {
        return churn__fail(CHURN_E_DATA, "X has a non-finite value (%g) at row %lld, column %lld "
                           "('%s')", p->bad_value, (long long)p->bad_row, (long long)p->bad_col,
                           r->names[p->bad_col]);
      }
      return churn__fail(CHURN_E_DATA, "row %lld: the linear score overflows (values too large)",
                         (long long)p->bad_row);
    }
    for (int64_t q = 0; (flags & WANT_INFO) && q < k * k; q++) out->info[q] += p->info[q];
    for (int64_t q = 0; q < k; q++) out->U[q] += p->U[q];
    out->ll += p->ll;
    out->sw += p->sw;
    out->swp += p->swp;
    out->sh += p->sh;

  }
  return CHURN_OK;
}

/* --- Newton on the modified score -------------------------------------------------------------- */

typedef struct newton {
  int64_t k;
  double *b, *b_prev, *step;
  double *info;     /* k*k full: information at the last INFO pass */
  double *R;       /* its Cholesky factor (row-major upper) */
  double *Rinv;    /* R^-1, upper */
  double *U;       /* k: U* at the last HAT pass */
  sums acc;        /* the pass being read */
  double ll, f;    /* at the last exact point: l(b), l*(b) (standardised columns) */
  double sw, swp, crit;
  double maxstep;  /* the current cap on a step's largest component */
  bool capped;     /* the last step was capped */
  int64_t iter, passes;
} newton;

static void newton_free(newton *nt) {
  churn__free(nt->b);
  churn__free(nt->b_prev);
  churn__free(nt->step);
  churn__free(nt->info);
  churn__free(nt->R);
  churn__free(nt->Rinv);
  churn__free(nt->U);
  churn__free(nt->acc.info);
  churn__free(nt->acc.U);
  memset(nt, 0, sizeof *nt);
}

static churn_status newton_init(newton *nt, int64_t k, const double *b0) {
  memset(nt, 0, sizeof *nt);
  nt->k = k;
  size_t kk = (size_t)k, k2 = (size_t)(k * k);
  nt->b = churn__malloc_array(kk, sizeof(double));
  nt->b_prev = churn__malloc_array(kk, sizeof(double));
  nt->step = churn__malloc_array(kk, sizeof(double));
  nt->info = churn__malloc_array(k2, sizeof(double));
  nt->R = churn__malloc_array(k2, sizeof(double));
  nt->Rinv = churn__malloc_array(k2, sizeof(double));
  nt->U = churn__malloc_array(kk, sizeof(double));
  nt->acc.info = churn__malloc_array(k2, sizeof(double));
  nt->acc.U = churn__malloc_array(kk, sizeof(double));

  if (!nt->b || !nt->b_prev || !nt->step || !nt->info || !nt->R || !nt->Rinv || !nt->U ||
      !nt->acc.info || !nt->acc.U) {
    newton_free(nt);
    return churn__nomem("Firth fit");
  }
  memcpy(nt->b, b0, kk * sizeof(double));
  nt->maxstep = MAX_STEP;
  return CHURN_OK;
}

/* R and R^-1 from the full matrix A; false when A is not positive definite. */
static bool factor(newton *nt, const double *A) {
  const int64_t k = nt->k;
  memcpy(nt->R, A, (size_t)(k * k) * sizeof(double));
  if (churn__cholesky(k, nt->R) != 0) return false;
  for (int64_t a = 0; a < k; a++) {
    for (int64_t c = 0; c < a; c++) nt->R[a * k + c] = 0.0;  /* drop the lower leftovers */
  }
  memset(nt->Rinv, 0, (size_t)(k * k) * sizeof(double));
  for (int64_t j = 0; j < k; j++) nt->Rinv[j * k + j] = 1.0;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)k, (int)k,
              1.0, nt->R, (int)k, nt->Rinv, (int)k);
  return true;
}

static double half_logdet(const newton *nt) {
  double s = 0;
  for (int64_t j = 0; j < nt->k; j++) s += log(nt->R[j * nt->k + j]);
  return s;
}

/* step = I^-1 U from the factor, capped at nt->maxstep in its largest component (logistf's
 * maxstep; the cap doubles after each capped step taken whole, so the large finite estimates
 * of complete separation by a continuous column are reached in a few dozen steps). */
static void newton_step(newton *nt) {
  const int64_t k = nt->k;
  memcpy(nt->step, nt->U, (size_t)k * sizeof(double));
  churn__cholesky_solve(k, nt->R, nt->step);
  double mx = 0;
  for (int64_t j = 0; j < k; j++) mx = fabs(nt->step[j]) > mx ? fabs(nt->step[j]) : mx;
  nt->capped = mx > nt->maxstep;
  if (nt->capped) {
    for (int64_t j = 0; j < k; j++) nt->step[j] *= nt->maxstep / mx;
  }
}

static void take_step(newton *nt) {
  memcpy(nt->b_prev, nt->b, (size_t)nt->k * sizeof(double));
  for (int64_t j = 0; j < nt->k; j++) nt->b[j] += nt->step[j];
  nt->iter++;
}

/* A pass at nt->b with the information (flags include WANT_INFO) mirrored to a full matrix in
 * nt->acc; the first exact information is checked for rank by *rank (set to NULL once done). */
static churn_status info_pass(newton *nt, engine *e, const double *Rinv, int flags, int nthreads,
                              churn_solver **rank) {
  const int64_t k = nt->k;
  sums *acc = &nt->acc;
  CHURN_TRY(engine_pass(e, nt->b, Rinv, flags, nthreads, acc));
  nt->passes++;
  for (int64_t a = 0; a < k; a++) {
    for (int64_t c = 0; c < a; c++) acc->info[a * k + c] = acc->info[c * k + a];
  }
  if (*rank) {
    CHURN_TRY(churn__solver_check_rank(*rank, acc->info));
    *rank = NULL;
  }
  return CHURN_OK;
}

/* nt->U and nt->crit (max |U*| / sum v) from the pass in nt->acc. */
static void take_score(newton *nt) {
  memcpy(nt->U, nt->acc.U, (size_t)nt->k * sizeof(double));
  double m = 0;
  for (int64_t j = 0; j < nt->k; j++) m = fabs(nt->U[j]) > m ? fabs(nt->U[j]) : m;
  nt->crit = m / nt->sw;
}

/* Runs Newton from nt->b to max |U*| / sum v <= tol.  warm (NULL or k*k, full) is an
 * information matrix from elsewhere (the subsample) for the first step; rank_solver (NULL to
 * skip) names dependent columns of the first exact information.  lagged (the subsample's warm
 * start only) merges each iteration into one pass by taking the hat values from the previous
 * point's information: the same fixed point, reached without an exact final score. */
static churn_status newton_run(newton *nt, engine *e, int nthreads, double tol, int64_t max_iter,
                               const double *warm, churn_solver *rank_solver, bool lagged) {
  const int64_t k = nt->k;
  sums *acc = &nt->acc;
  bool have_prev = false, from_warm = false;
  churn_solver *rank = rank_solver;
  int halvings = 0;
  double f_prev = 0;
  if (warm && factor(nt, warm)) {
    /* First full pass: the exact information at the subsample's optimum and the modified score
     * with the subsample's hat values (their error, of the order of the subsample's sampling
     * error, enters the score through its O(k) hat part only), then a step in the exact
     * information. */
    CHURN_TRY(info_pass(nt, e, nt->Rinv, WANT_INFO | WANT_HAT | WANT_LL, nthreads, &rank));
    if (factor(nt, acc->info)) {
      memcpy(nt->U, acc->U, (size_t)k * sizeof(double));
      f_prev = acc->ll + half_logdet(nt);
      newton_step(nt);
      take_step(nt);
      have_prev = from_warm = true;
    }
  }
  /* After the warm pass, the next point is still far from the optimum on the scale where hat
   * values matter: its one pass takes them from the warm point's factor (merged); the
   * iterations after it are exact. */
  bool merge_next = have_prev;
  bool have_rinv = have_prev;  /* nt->Rinv holds the factor of an earlier point */
  for (;;) {
    const bool merged = (lagged || merge_next) && have_rinv;
    merge_next = false;
    CHURN_TRY(info_pass(nt, e, merged ? nt->Rinv : NULL,
                        WANT_INFO | WANT_LL | (merged ? WANT_HAT : 0), nthreads, &rank));
    bool pd = factor(nt, acc->info);
    have_rinv = pd;
    double f = pd ? acc->ll + half_logdet(nt) : -INFINITY;
    if (have_prev && !(f >= f_prev - 1e-13 * fabs(f_prev))) {
      if (from_warm && halvings >= 3) {
        /* The subsample's metric misled the first step: start exact Newton where it began. */
        memcpy(nt->b, nt->b_prev, (size_t)k * sizeof(double));
        have_prev = from_warm = false;
        halvings = 0;
        continue;
      }
      if (++halvings > MAX_HALVINGS) {
        return churn__fail(CHURN_E_NOT_CONVERGED, "Firth fit: the line search failed after %d "
                           "step halvings at iteration %lld (criterion %.3g, tol %.3g)",
                           MAX_HALVINGS, (long long)nt->iter, nt->crit, tol);
      }
      for (int64_t j = 0; j < k; j++) {
        nt->step[j] *= 0.5;
        nt->b[j] = nt->b_prev[j] + nt->step[j];
      }
      continue;
    }
    if (!pd) {
      return churn__fail(CHURN_E_SINGULAR, "Firth fit: the Fisher information is not positive "
                         "definite at iteration %lld", (long long)nt->iter);
    }
    if (nt->capped && halvings == 0) nt->maxstep *= 2;
    if (halvings > 0) nt->maxstep = nt->maxstep / 2 > MAX_STEP ? nt->maxstep / 2 : MAX_STEP;
    halvings = 0;
    from_warm = false;
    memcpy(nt->info, acc->info, (size_t)(k * k) * sizeof(double));
    nt->ll = acc->ll;
    nt->f = f;
    nt->sw = acc->sw;
    nt->swp = acc->swp;
    if (!merged) {
      CHURN_TRY(engine_pass(e, nt->b, nt->Rinv, WANT_HAT, nthreads, acc));
      nt->passes++;
    }
    take_score(nt);
    if (merged && !lagged && nt->crit <= tol) {
      /* Only an exact score may end the fit: the hat values of this point's own factor. */
      CHURN_TRY(engine_pass(e, nt->b, nt->Rinv, WANT_HAT, nthreads, acc));
      nt->passes++;
      take_score(nt);
    }
    if (nt->crit <= tol) {
      /* One more step from the exact quantities of this point (no pass over X).  The steps
       * use the Fisher information, not the Hessian of l* (which differs by O(k) against
       * I's O(n)), so the rate is quadratic up to a linear part of order k / n: this step
       * shrinks the remaining error by that factor.  The reported log-likelihoods, gradient
       * and information stay those of this point. */
      memcpy(nt->step, nt->U, (size_t)k * sizeof(double));
      churn__cholesky_solve(k, nt->R, nt->step);
      for (int64_t j = 0; j < k; j++) nt->b[j] += nt->step[j];
      return CHURN_OK;
    }
    if (nt->iter >= max_iter) {
      return churn__fail(CHURN_E_NOT_CONVERGED, "Firth fit: no convergence in %lld iterations "
                         "(fit.max_iter): criterion %.3g > tol %.3g", (long long)nt->iter,
                         nt->crit, tol);
    }
    f_prev = f;
    have_prev = true;
    newton_step(nt);
    take_step(nt);
  }
}

/* Firth on the subsample (weights scaled to the full sum), from the solver's start.  On success
 * b and info (k*k) receive its optimum and information; a failure there (a column constant in
 * the subsample, say) only means no warm start. */
static bool warm_start(churn__subsample *ss, const rowset *full, double sum_w_full, const double *b0,
                       int nthreads, double tol, int64_t max_iter, double *b, double *info) {
  double sw = 0;
  for (int64_t i = 0; i < ss->m; i++) sw += ss->w[i];
  if (!(sw > 0)) return false;
  for (int64_t i = 0; i < ss->m; i++) ss->w[i] *= sum_w_full / sw;
  rowset r = *full;
  r.X = ss->X;
  r.dtype = CHURN_F64;
  r.n = ss->m;
  r.ld = ss->d ? ss->d : 1;
  r.y = ss->y;
  r.w = ss->w;
  engine e;
  newton nt;
  if (engine_init(&e, &r, nthreads) != CHURN_OK) return false;
  bool ok = newton_init(&nt, r.k, b0) == CHURN_OK;
  if (ok) {
    ok = newton_run(&nt, &e, nthreads, tol > SUB_TOL ? tol : SUB_TOL, max_iter, NULL, NULL,
                    true) == CHURN_OK;
    if (ok) {
      memcpy(b, nt.b, (size_t)r.k * sizeof(double));
      memcpy(info, nt.info, (size_t)(r.k * r.k) * sizeof(double));
    }
    newton_free(&nt);
  }
  engine_free(&e);
  churn_clear_error();
  return ok;
}

/* --- the model --------------------------------------------------------------------------------- */

static churn_status build_model(const churn__solver_view *v, const newton *nt, churn_model **out) {
  const int64_t d = v->d, k = v->k, fi = v->fi;
  churn__model_parts p = {.d = d, .fit_intercept = (int)fi, .names = v->names,
                          .center = v->center, .scale = v->scale, .beta = nt->b,
                          .config = v->cfg, .sample_rate = v->sum_w_positive / v->sum_w};
  churn__fit_info *in = &p.info;
  in->n_obs = v->n;
  in->positives = v->positives;
  in->sum_w = nt->sw;
  in->sum_w_positive = nt->swp;
  in->n_iter = nt->iter;
  in->n_passes = nt->passes;
  in->converged = 1;
  in->loglik = nt->ll;
  double yb = nt->swp / nt->sw, log_scales = 0;
  in->null_loglik = nt->swp * log(yb) + (nt->sw - nt->swp) * log1p(-yb);
  for (int64_t j = 0; j < d; j++) log_scales += log(v->scale[j]);
  /* z = A x~ with det A = prod 1/scale_j: log det I(original) = log det I(z) + 2 sum log s_j. */
  in->penalized_loglik = nt->f + log_scales;
  double g2 = 0;
  for (int64_t j = 0; j < k; j++) {
    double g = nt->U[j];
    if (j >= fi) g = v->scale[j - fi] * g + (fi ? v->center[j - fi] * nt->U[0] : 0.0);
    g2 += g * g;
  }
  in->gradient_norm = sqrt(g2);
  double *cz = NULL;
  if (v->cfg->inference) {
    cz = churn__malloc_array((size_t)(k * k), sizeof(double));
    if (cz == NULL) return churn__nomem("covariance");
    if (churn__cholesky_inverse(k, nt->R, cz) != 0) {
      churn__free(cz);
      return churn__fail(CHURN_E_SINGULAR, "the Fisher information at the estimate is singular: "
                         "no covariance");
    }
  }
  p.cov_z = cz;
  churn_status st = churn__model_finish(&p, out);
  churn__free(cz);
  return st;
}

/* --- the fit ----------------------------------------------------------------------------------- */

churn_status churn__firth_fit(const char *fn, const void *X, churn_dtype dtype, int64_t n,
                              int64_t d, int64_t ld, const double *y, const double *sample_weight,
                              const char *const *feature_names, const churn_options *opts,
                              churn_model **out) {
  churn_solver *s = NULL;
  int threads = 1;
  CHURN_TRY(churn__context(churn__solver_new_firth(d, feature_names, opts, &threads, &s), "%s",
                           fn));
  const int nthreads = churn__resolve_threads(threads);
  churn__subsample ss;
  memset(&ss, 0, sizeof ss);
  const bool warm = n >= CHURN__WARM_MIN_ROWS;
  churn_status rc = CHURN_OK;
  if (warm) {
    /* Standardisation only conditions the numerics here: the subsample's moments do, with
     * exact label counts (and y / weight checks) from all rows; X is checked by the passes. */
    rc = churn__subsample_take(&ss, churn__subsample_rows(n, d + 1, SUB_FACTOR), X, dtype, n, d,
                               ld, y, sample_weight);
    if (rc == CHURN_OK) {
      rc = churn__solver_add_moments(s, ss.X, CHURN_F64, ss.m, ss.d ? ss.d : 1, ss.y, ss.w, 0);
    }
    if (rc == CHURN_OK) rc = churn__solver_count_labels(s, n, y, sample_weight);
  } else {
    rc = churn__solver_add_moments(s, X, dtype, n, ld, y, sample_weight, 0);
  }
  if (rc == CHURN_OK) rc = churn_solver_begin(s);
  churn__solver_view v;
  double *inv_scale = NULL, *wb = NULL, *winfo = NULL;
  engine e;
  newton nt;
  memset(&e, 0, sizeof e);
  memset(&nt, 0, sizeof nt);
  if (rc == CHURN_OK) {
    churn__solver_setup(s, &v);
    inv_scale = churn__malloc_array((size_t)d + 1, sizeof(double));
    wb = churn__malloc_array((size_t)v.k, sizeof(double));
    winfo = churn__malloc_array((size_t)(v.k * v.k), sizeof(double));
    if (!inv_scale || !wb || !winfo) rc = churn__nomem("Firth fit");
  }
  rowset r;
  memset(&r, 0, sizeof r);
  if (rc == CHURN_OK) {
    for (int64_t j = 0; j < d; j++) inv_scale[j] = 1.0 / v.scale[j];
    r = (rowset){X, dtype, n, ld, y, sample_weight, d, v.k, v.fi, v.center, inv_scale,
                 v.cfg->class_weight0, v.cfg->class_weight1, v.names};
    rc = engine_init(&e, &r, nthreads);
  }
  if (rc == CHURN_OK) rc = newton_init(&nt, v.k, v.beta0);
  const double *warm_info = NULL;
  if (rc == CHURN_OK && warm) {
    if (warm_start(&ss, &r, v.sum_w, v.beta0, nthreads, v.cfg->tol, v.cfg->max_iter, wb, winfo)) {
      memcpy(nt.b, wb, (size_t)v.k * sizeof(double));
      warm_info = winfo;
    }
  }
  churn__subsample_free(&ss);
  if (rc == CHURN_OK) {
    rc = newton_run(&nt, &e, nthreads, v.cfg->tol, v.cfg->max_iter, warm_info, s, false);
  }
  if (rc == CHURN_OK) rc = build_model(&v, &nt, out);
  newton_free(&nt);
  engine_free(&e);
  churn__free(inv_scale);
  churn__free(wb);
  churn__free(winfo);
  churn_solver_free(s);
  if (rc != CHURN_OK) return churn__context(rc, "%s (Firth)", fn);
  return CHURN_OK;
}
