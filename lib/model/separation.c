/*
 * separation.c -- the separation check of Konis (2007): linear programs over the sign-adjusted
 * rows a_i = s_i (1, x_i), s_i = 2 y_i - 1, decide whether the logistic maximum-likelihood
 * estimate exists and which coefficients run to +/- infinity.
 *
 * The cone C = {b : A b >= 0} holds every direction along which the log-likelihood never falls.
 * Each round solves  max c'b  s.t.  A b >= 0,  -1 <= b_j <= 1  with c the sum of the rows not
 * yet known to be separated; rows with a_i.b > 0 at the optimum are separated.  Rounds stop when
 * the optimum is 0.  The sum of the optimal b's is then positive on every separated row and zero
 * on the others (a relative-interior point of C).  C spans the null space of the rows never
 * separated, so a coefficient still at 0 there moves iff that null space (from a k x k Gram
 * matrix) has a vector non-zero in it; such a vector, scaled small, is added in.  The non-zero
 * entries are the infinite coefficients, the signs their directions.  With many rows each LP
 * runs by constraint generation (an evenly spread subset of rows, plus the rows its solution
 * violates, until none is).
 *
 * The LP is solved through its dual, which has only k = d + intercept equality rows:
 *   min 1'(p + q)  s.t.  -A'l + p - q = c,  l, p, q >= 0,
 * by a revised simplex with an explicit k x k basis inverse (Dantzig pricing, Bland's rule after
 * a run of degenerate pivots so that it cannot cycle, periodic refactorisation).  The primal b
 * is the simplex multiplier vector.  Columns and rows of A are scaled to max-abs 1 first: that
 * changes neither the cone's sign pattern nor which rows are separated.
 */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "common/internal.h"
#include "logit.h"

#define SEP_TOL 1e-9     /* a_i.b above this (rows of max-abs 1, |b_j| <= 1) counts as > 0 */
#define DIR_TOL 1e-7     /* |b_j| above this (|b_j| <= 1) is a direction, below it 0 */
#define PRICE_TOL 1e-11  /* reduced costs below -PRICE_TOL enter */
#define PIVOT_TOL 1e-9   /* ratio-test entries at or below this are not pivots */
#define HARRIS_SLACK 1e-12  /* primal slack allowed in the first pass of the ratio test */
#define FEAS_TOL 1e-8      /* violation of A b >= 0 or |b| <= 1 tolerated in the solution */
#define REFACTOR_EVERY 64
#define DEGENERATE_RUN 30

typedef struct lp {
  int64_t n, k, ncols;  /* ncols = n + 2k: l_0..l_{n-1}, p_0..p_{k-1}, q_0..q_{k-1} */
  const double *A;      /* n x k scaled sign-adjusted rows */
  const double *c;      /* k */
  double *Binv;         /* k x k */
  double *B;            /* k x k work for refactorisation (then k x 2k) */
  double *xB, *pi, *w, *col;
  int64_t *basis;
  unsigned char *is_basic;
} lp;

/* Column j of the dual's constraint matrix into col (k values). */
static void lp_column(const lp *P, int64_t j, double *col) {
  const int64_t k = P->k;
  if (j < P->n) {
    for (int64_t r = 0; r < k; r++) col[r] = -P->A[j * k + r];
  } else {
    memset(col, 0, (size_t)k * sizeof *col);
    col[(j - P->n) % k] = j < P->n + k ? 1.0 : -1.0;
  }
}

static double lp_cost(const lp *P, int64_t j) { return j < P->n ? 0.0 : 1.0; }

/* Rebuilds Binv from the basis columns by Gauss-Jordan with partial pivoting and xB = Binv c;
 * false when the basis has become numerically singular. */
static bool lp_refactor(lp *P) {
  const int64_t k = P->k, w2 = 2 * k;
  double *G = P->B;  /* k x 2k: [B | I] */
  for (int64_t r = 0; r < k; r++) {
    for (int64_t c = 0; c < w2; c++) G[r * w2 + c] = 0.0;
    G[r * w2 + k + r] = 1.0;
  }
  for (int64_t c = 0; c < k; c++) {
    lp_column(P, P->basis[c], P->col);
    for (int64_t r = 0; r < k; r++) G[r * w2 + c] = P->col[r];
  }
  for (int64_t c = 0; c < k; c++) {
    int64_t best = c;
    for (int64_t r = c + 1; r < k; r++) {
      if (fabs(G[r * w2 + c]) > fabs(G[best * w2 + c])) best = r;
    }
    if (fabs(G[best * w2 + c]) < 1e-13) return false;
    if (best != c) {
      for (int64_t t = 0; t < w2; t++) {
        double tmp = G[c * w2 + t];
        G[c * w2 + t] = G[best * w2 + t];
        G[best * w2 + t] = tmp;
      }
    }
    const double inv = 1.0 / G[c * w2 + c];
    for (int64_t t = 0; t < w2; t++) G[c * w2 + t] *= inv;
    for (int64_t r = 0; r < k; r++) {
      const double f = G[r * w2 + c];
      if (r == c || f == 0.0) continue;
      for (int64_t t = 0; t < w2; t++) G[r * w2 + t] -= f * G[c * w2 + t];
    }
  }
  for (int64_t r = 0; r < k; r++) {
    memcpy(P->Binv + r * k, G + r * w2 + k, (size_t)k * sizeof(double));
    double v = 0.0;
    for (int64_t t = 0; t < k; t++) v += P->Binv[r * k + t] * P->c[t];
    P->xB[r] = v < 0.0 ? 0.0 : v;  /* primal feasibility holds up to rounding */
  }
  return true;
}

/* pi' = g_B' Binv: the primal b. */
static void lp_multipliers(lp *P) {
  const int64_t k = P->k;
  for (int64_t t = 0; t < k; t++) P->pi[t] = 0.0;
  for (int64_t r = 0; r < k; r++) {
    const double g = lp_cost(P, P->basis[r]);
    if (g == 0.0) continue;
    for (int64_t t = 0; t < k; t++) P->pi[t] += g * P->Binv[r * k + t];
  }
}

/* The entering column (-1 when optimal): most negative reduced cost, or the first negative one
 * under Bland's rule. */
static int64_t lp_price(const lp *P, bool bland) {
  const int64_t k = P->k;
  int64_t enter = -1;
  double best = -PRICE_TOL;
  for (int64_t j = 0; j < P->ncols; j++) {
    if (P->is_basic[j]) continue;
    double d;
    if (j < P->n) {
      d = 0.0;
      for (int64_t t = 0; t < k; t++) d += P->A[j * k + t] * P->pi[t];
    } else if (j < P->n + k) {
      d = 1.0 - P->pi[j - P->n];
    } else {
      d = 1.0 + P->pi[j - P->n - k];
    }
    if (d < best) {
      enter = j;
      if (bland) break;
      best = d;
    }
  }
  return enter;
}

/* The leaving basis position for direction w, -1 if none.  Under Bland's rule: the minimum
 * ratio, ties to the lowest column index.  Otherwise Harris's two passes: the ratios allowed a
 * tiny slack, then among the rows within that bound the largest pivot (better conditioned
 * bases; the clamp in lp_pivot absorbs the slack). */
static int64_t lp_ratio(const lp *P, bool bland) {
  int64_t leave = -1;
  double best = INFINITY;
  if (bland) {
    for (int64_t r = 0; r < P->k; r++) {
      if (P->w[r] <= PIVOT_TOL) continue;
      const double t = P->xB[r] / P->w[r];
      if (t < best - 1e-14 || (t <= best + 1e-14 && leave >= 0 && P->basis[r] < P->basis[leave])) {
        if (t < best) best = t;
        leave = r;
      }
    }
    return leave;
  }
  for (int64_t r = 0; r < P->k; r++) {
    if (P->w[r] > PIVOT_TOL) best = fmin(best, (P->xB[r] + HARRIS_SLACK) / P->w[r]);
  }
  double wmax = 0.0;
  for (int64_t r = 0; r < P->k; r++) {
    if (P->w[r] > PIVOT_TOL && P->xB[r] / P->w[r] <= best && P->w[r] > wmax) {
      wmax = P->w[r];
      leave = r;
    }
  }
  return leave;
}

static void lp_pivot(lp *P, int64_t enter, int64_t leave) {
  const int64_t k = P->k;
  const double wr = P->w[leave], theta = fmax(P->xB[leave] / wr, 0.0);
  for (int64_t r = 0; r < k; r++) {
    if (r != leave) {
      P->xB[r] -= theta * P->w[r];
      if (P->xB[r] < 0.0) P->xB[r] = 0.0;
    }
  }
  P->xB[leave] = theta;
  double *row = P->Binv + leave * k;
  for (int64_t t = 0; t < k; t++) row[t] /= wr;
  for (int64_t r = 0; r < k; r++) {
    const double f = P->w[r];
    if (r == leave || f == 0.0) continue;
    for (int64_t t = 0; t < k; t++) P->Binv[r * k + t] -= f * row[t];
  }
  P->is_basic[P->basis[leave]] = 0;
  P->is_basic[enter] = 1;
  P->basis[leave] = enter;
}

/* Checks that the optimal b is feasible (A b >= 0, |b_j| <= 1) up to rounding. */
static churn_status lp_verify(const lp *P) {
  const int64_t k = P->k;
  for (int64_t t = 0; t < k; t++) {
    if (!(fabs(P->pi[t]) <= 1.0 + FEAS_TOL)) {
      return churn__fail(CHURN_E_INTERNAL, "churn_separation_check: simplex lost accuracy "
                         "(bound of coefficient %lld)", (long long)t);
    }
  }
  for (int64_t i = 0; i < P->n; i++) {
    double v = 0.0;
    for (int64_t t = 0; t < k; t++) v += P->A[i * k + t] * P->pi[t];
    if (!(v >= -FEAS_TOL)) {
      return churn__fail(CHURN_E_INTERNAL, "churn_separation_check: simplex lost accuracy "
                         "(row %lld)", (long long)i);
    }
  }
  return CHURN_OK;
}

/* Solves one LP for cost c from the slack basis; the optimal b goes to P->pi.  always_bland
 * prices by Bland's rule throughout (slower, but takes different, often better-conditioned
 * pivots). */
static churn_status lp_solve_from_start(lp *P, bool always_bland) {
  const int64_t k = P->k;
  memset(P->is_basic, 0, (size_t)P->ncols);
  memset(P->Binv, 0, (size_t)(k * k) * sizeof(double));
  for (int64_t r = 0; r < k; r++) {  /* p_r or q_r absorbs c_r: a feasible start */
    const bool pos = P->c[r] >= 0.0;
    P->basis[r] = P->n + r + (pos ? 0 : k);
    P->is_basic[P->basis[r]] = 1;
    P->Binv[r * k + r] = pos ? 1.0 : -1.0;
    P->xB[r] = fabs(P->c[r]);
  }
  const int64_t max_iter = 50 * (P->ncols + 100);
  double obj = INFINITY;
  int degenerate = 0;
  for (int64_t it = 0; it < max_iter; it++) {
    /* a basis too ill-conditioned to refactor keeps its updated inverse; lp_verify judges */
    if (it > 0 && it % REFACTOR_EVERY == 0) (void)lp_refactor(P);
    double now = 0.0;
    for (int64_t r = 0; r < k; r++) now += lp_cost(P, P->basis[r]) * P->xB[r];
    degenerate = now < obj - 1e-13 ? 0 : degenerate + 1;
    if (now < obj) obj = now;
    lp_multipliers(P);
    const bool bland = always_bland || degenerate > DEGENERATE_RUN;
    const int64_t enter = lp_price(P, bland);
    if (enter < 0) return lp_verify(P);
    lp_column(P, enter, P->col);
    for (int64_t r = 0; r < k; r++) {
      double v = 0.0;
      for (int64_t t = 0; t < k; t++) v += P->Binv[r * k + t] * P->col[t];
      P->w[r] = v;
    }
    const int64_t leave = lp_ratio(P, bland);
    if (leave < 0) {  /* the dual objective is >= 0, so this means rounding went wrong */
      return churn__fail(CHURN_E_INTERNAL, "churn_separation_check: simplex found an "
                         "unbounded direction in a bounded problem");
    }
    lp_pivot(P, enter, leave);
  }
  return churn__fail(CHURN_E_NOT_CONVERGED, "churn_separation_check: simplex did not finish "
                     "in %lld pivots", (long long)max_iter);
}

/* One LP over P's rows; when rounding spoils the basis, once more from the start under
 * Bland's rule. */
static churn_status lp_solve_all(lp *P) {
  churn_status st = lp_solve_from_start(P, false);
  if (st == CHURN_E_INTERNAL) st = lp_solve_from_start(P, true);
  return st;
}

/* One LP by constraint generation when there are many rows: solve over an evenly spread subset
 * of the rows (the LP's constraints A b >= 0), add the rows the solution violates, solve again,
 * until it violates none: then it is feasible for every row and optimal for fewer constraints,
 * so optimal for all.  Each solve costs O(m k) per pivot for m active rows instead of O(n k).
 * Falls back to the full LP when the active set grows past half the rows. */
#define CG_MIN_ROWS 65536
#define CG_START_ROWS 16384

static churn_status lp_solve(lp *P) {
  const int64_t n = P->n, k = P->k;
  if (n < CG_MIN_ROWS) return lp_solve_all(P);
  double *sub = churn__malloc_array((size_t)(n / 2 + CG_START_ROWS), (size_t)k * sizeof(double));
  unsigned char *active = churn__malloc((size_t)n);
  int64_t *viol = churn__malloc_array((size_t)n, sizeof(int64_t));
  if (!sub || !active || !viol) {
    churn__free(sub);
    churn__free(active);
    churn__free(viol);
    return lp_solve_all(P);  /* no room for the subset: the direct way needs none */
  }
  memset(active, 0, (size_t)n);
  int64_t m = 0;
  for (int64_t r = 0; r < CG_START_ROWS; r++) {
    int64_t i = r * (n / CG_START_ROWS);
    active[i] = 1;
    memcpy(sub + m++ * k, P->A + i * k, (size_t)k * sizeof(double));
  }
  churn_status st = CHURN_OK;
  for (;;) {
    lp S = *P;
    S.A = sub;
    S.n = m;
    S.ncols = m + 2 * k;
    st = lp_solve_all(&S);
    if (st != CHURN_OK) break;
    memcpy(P->pi, S.pi, (size_t)k * sizeof(double));
    int64_t violated = 0;
    for (int64_t i = 0; i < n; i++) {
      if (active[i]) continue;
      double v = 0.0;
      for (int64_t t = 0; t < k; t++) v += P->A[i * k + t] * P->pi[t];
      if (v < -0.5 * FEAS_TOL) viol[violated++] = i;
    }
    if (violated == 0) break;
    int64_t room = n / 2 + CG_START_ROWS - m, want = violated < m ? violated : m;
    if (want > room) {
      st = lp_solve_all(P);
      break;
    }
    /* every (violated / want)-th violated row, at least one */
    double step = (double)violated / (double)want;
    for (int64_t q = 0; q < want; q++) {
      int64_t i = viol[(int64_t)((double)q * step)];
      active[i] = 1;
      memcpy(sub + m++ * k, P->A + i * k, (size_t)k * sizeof(double));
    }
  }
  churn__free(sub);
  churn__free(active);
  churn__free(viol);
  return st;
}

/* Builds the scaled sign-adjusted rows, checking X and y (names the row and column). */
static churn_status build_rows(const void *X, churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                               const double *y, int fi, double *A) {
  const int64_t k = d + fi;
  for (int64_t i = 0; i < n; i++) {
    if (!(y[i] == 0.0 || y[i] == 1.0)) {
      return churn__fail(CHURN_E_DATA, "churn_separation_check: y at row %lld is %.17g; labels "
                         "must be 0 or 1", (long long)i, y[i]);
    }
    const double s = 2.0 * y[i] - 1.0;
    if (fi) A[i * k] = s;
    for (int64_t j = 0; j < d; j++) {
      const double v = churn__xget(X, dtype, ld, i, j);
      if (!churn__is_finite(v)) {
        return churn__fail(CHURN_E_DATA, "churn_separation_check: X at row %lld, column %lld "
                           "is %g; values must be finite", (long long)i, (long long)j, v);
      }
      A[i * k + fi + j] = s * v;
    }
  }
  for (int64_t j = 0; j < k; j++) {  /* column scaling: max |a_ij| = 1 */
    double m = 0.0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(A[i * k + j]));
    if (m > 0.0) {
      for (int64_t i = 0; i < n; i++) A[i * k + j] /= m;
    }
  }
  for (int64_t i = 0; i < n; i++) {  /* row scaling: max |a_ij| = 1 (zero rows stay zero) */
    double m = 0.0;
    for (int64_t j = 0; j < k; j++) m = fmax(m, fabs(A[i * k + j]));
    if (m > 0.0) {
      for (int64_t j = 0; j < k; j++) A[i * k + j] /= m;
    }
  }
  return CHURN_OK;
}

/* Rounds of LPs over the rows not yet separated; bbar accumulates the optimal b's. */
static churn_status separate(lp *P, double *c, unsigned char *open, double *bbar,
                             int64_t *nsep) {
  const int64_t n = P->n, k = P->k;
  *nsep = 0;
  for (int64_t round = 0; round <= n && *nsep < n; round++) {
    for (int64_t t = 0; t < k; t++) c[t] = 0.0;
    for (int64_t i = 0; i < n; i++) {
      for (int64_t t = 0; open[i] && t < k; t++) c[t] += P->A[i * k + t];
    }
    CHURN_TRY(lp_solve(P));
    int64_t found = 0;
    for (int64_t i = 0; i < n; i++) {
      if (!open[i]) continue;
      double v = 0.0;
      for (int64_t t = 0; t < k; t++) v += P->A[i * k + t] * P->pi[t];
      if (v > SEP_TOL) {
        open[i] = 0;
        found++;
      }
    }
    if (found == 0) break;
    *nsep += found;
    for (int64_t t = 0; t < k; t++) bbar[t] += P->pi[t];
  }
  return CHURN_OK;
}

/* Adds alpha * b to bbar with alpha in 1, 1/2, 1/4, ... chosen so that no non-zero entry of
 * bbar cancels (only finitely many alphas could). */
static void add_without_cancelling(double *bbar, const double *b, int64_t k) {
  for (double alpha = 1.0; alpha > 1e-6; alpha *= 0.5) {
    bool ok = true;
    for (int64_t t = 0; t < k && ok; t++) {
      ok = fabs(bbar[t]) <= DIR_TOL || fabs(bbar[t] + alpha * b[t]) > DIR_TOL;
    }
    if (ok) {
      for (int64_t t = 0; t < k; t++) bbar[t] += alpha * b[t];
      return;
    }
  }
}

/* Makes bbar non-zero on every coefficient that some separating direction moves, without
 * more linear programs.  The rounds leave two kinds of rows: S, those some b in the cone C
 * makes positive (bbar is positive on all of them), and N, those every b in C keeps at 0.  So
 * C = {b : A_N b = 0, A_S b >= 0}, and since A_S bbar > 0, bbar + eps d stays in C for every d
 * in null(A_N) and a small enough eps: C spans null(A_N), and coefficient j moves iff some
 * null vector has d_j != 0, i.e. iff P_jj > 0 for P the projector onto null(A_N).  N is found
 * by the rounds (the rows still open), null(A_N) from the eigenvectors of the k x k Gram matrix
 * A_N'A_N (rows scaled to max-abs 1) whose eigenvalues are at rounding level.  Under complete
 * separation N is empty and every coefficient moves.  For each coefficient still at 0 that
 * moves, bbar gets eps P e_j (positive in j) with eps small enough to keep every row of S
 * positive. */
#define NULL_EIG_TOL 1e-10   /* eigenvalues below this times the largest (or k) count as 0 */

static churn_status fill_directions(lp *P, const unsigned char *open, double *bbar) {
  const int64_t n = P->n, k = P->k;
  double *G = churn__malloc_array((size_t)(k * k), sizeof(double));
  double *P_ = churn__malloc_array((size_t)(k * k), sizeof(double));
  double *ev = churn__malloc_array((size_t)k, sizeof(double));
  double *dvec = churn__malloc_array((size_t)k, sizeof(double));
  churn_status st = (G && P_ && ev && dvec) ? CHURN_OK : churn__nomem("separation directions");
  if (st != CHURN_OK) goto done;
  memset(G, 0, (size_t)(k * k) * sizeof(double));
  for (int64_t i = 0; i < n; i++) {
    if (!open[i]) continue;  /* a row of S */
    const double *a = P->A + i * k;
    for (int64_t r = 0; r < k; r++) {
      if (a[r] == 0.0) continue;
      for (int64_t c = r; c < k; c++) G[r * k + c] += a[r] * a[c];
    }
  }
  /* Row-major upper = column-major lower: eigenvectors come back as the columns of the
   * column-major matrix, i.e. the rows of G as we index it. */
  if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)k, G, (lapack_int)k, ev) != 0) {
    st = churn__fail(CHURN_E_INTERNAL, "churn_separation_check: eigen-decomposition failed");
    goto done;
  }
  double top = ev[k - 1] > 1.0 ? ev[k - 1] : 1.0;
  memset(P_, 0, (size_t)(k * k) * sizeof(double));
  for (int64_t e = 0; e < k; e++) {
    if (ev[e] > NULL_EIG_TOL * top) continue;
    const double *v = G + e * k;
    for (int64_t r = 0; r < k; r++) {
      for (int64_t c = 0; c < k; c++) P_[r * k + c] += v[r] * v[c];
    }
  }
  for (int64_t j = 0; j < k; j++) {
    if (fabs(bbar[j]) > DIR_TOL || P_[j * k + j] <= 1e-8) continue;
    /* d = P e_j scaled to max-abs 1; the largest eps with A_S (bbar + eps d) >= half of A_S bbar */
    double dmax = 0.0;
    for (int64_t t = 0; t < k; t++) dmax = fmax(dmax, fabs(P_[t * k + j]));
    for (int64_t t = 0; t < k; t++) dvec[t] = P_[t * k + j] / dmax;
    double eps = 1.0;
    for (int64_t i = 0; i < n; i++) {
      const double *a = P->A + i * k;
      double v = 0.0, w = 0.0;
      for (int64_t t = 0; t < k; t++) v += a[t] * bbar[t], w += a[t] * dvec[t];
      if (!open[i] && v > 0.0 && w < 0.0 && -w * eps > 0.5 * v) eps = 0.5 * v / -w;
    }
    for (int64_t t = 0; t < k; t++) dvec[t] *= eps;
    if (dvec[j] <= DIR_TOL) {  /* too small to show: scale bbar down instead of d up */
      double f = 2 * DIR_TOL / dvec[j];
      for (int64_t t = 0; t < k; t++) dvec[t] *= f;
      for (int64_t t = 0; t < k; t++) bbar[t] *= f;
    }
    add_without_cancelling(bbar, dvec, k);
  }
done:
  churn__free(G);
  churn__free(P_);
  churn__free(ev);
  churn__free(dvec);
  return st;
}

CHURN_API churn_status churn_separation_check(const void *X, churn_dtype dtype, int64_t n,
                                              int64_t d, int64_t ld, const double *y,
                                              int fit_intercept, int *kind,
                                              int8_t *direction) {
  static const char fn[] = "churn_separation_check";
  CHURN_TRY(churn__check_matrix(fn, X, dtype, n, d, ld));
  CHURN_CHECK_ARG(n >= 1, "%s: n = %lld: no rows", fn, (long long)n);
  CHURN_CHECK_ARG(y != NULL, "%s: y is NULL", fn);
  CHURN_CHECK_ARG(kind != NULL, "%s: kind is NULL", fn);
  CHURN_CHECK_ARG(fit_intercept == 0 || fit_intercept == 1,
                  "%s: fit_intercept must be 0 or 1 (got %d)", fn, fit_intercept);
  CHURN_CHECK_ARG(d + fit_intercept >= 1, "%s: no coefficients (d = 0, no intercept)", fn);
  const int64_t k = d + fit_intercept;
  lp P = {.n = n, .k = k, .ncols = n + 2 * k};
  double *A = churn__malloc_array((size_t)n, (size_t)k * sizeof(double));
  double *dbl = churn__malloc_array((size_t)(k * k * 3 + 6 * k), sizeof(double));
  int64_t *basis = churn__malloc_array((size_t)k, sizeof(int64_t));
  unsigned char *flags = churn__malloc((size_t)(P.ncols + n));
  churn_status st = CHURN_OK;
  if (!A || !dbl || !basis || !flags) st = churn__nomem("churn_separation_check work space");
  if (st == CHURN_OK) st = build_rows(X, dtype, n, d, ld, y, fit_intercept, A);
  int64_t nsep = 0;
  double *bbar = NULL;
  if (st == CHURN_OK) {
    double *c = dbl, *p = dbl + k;
    bbar = p;
    p += k;
    P.A = A;
    P.c = c;
    P.Binv = p, p += k * k;
    P.B = p, p += 2 * k * k;
    P.xB = p, p += k;
    P.pi = p, p += k;
    P.w = p, p += k;
    P.col = p;
    P.basis = basis;
    P.is_basic = flags;
    unsigned char *open = flags + P.ncols;
    memset(open, 1, (size_t)n);
    memset(bbar, 0, (size_t)k * sizeof(double));
    st = separate(&P, c, open, bbar, &nsep);
    if (st == CHURN_OK && nsep > 0) st = fill_directions(&P, open, bbar);
  }
  if (st == CHURN_OK) {
    *kind = nsep == 0 ? 0 : nsep == n ? 2 : 1;
    for (int64_t j = 0; direction && j < k; j++) {
      direction[j] = nsep == 0 || fabs(bbar[j]) <= DIR_TOL ? 0 : bbar[j] > 0 ? 1 : -1;
    }
  }
  churn__free(A);
  churn__free(dbl);
  churn__free(basis);
  churn__free(flags);
  return st;
}
