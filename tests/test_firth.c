/*
 * test_firth.c -- Firth's bias-reduced logistic regression (lib/firth.c, fit.penalty = FIRTH).
 * Oracles: closed forms (a 2x2 table is a saturated model, so Firth's fitted probability in each
 * cell is (y_g + 1/2) / (n_g + 1), with a zero cell and with complete separation too; an
 * intercept-only model has p = (sum w y + 1/2) / (sum w + 1)); the modified score and Fisher
 * information recomputed here from the data at the returned estimate (a few lines of plain C on
 * the original columns, the hat values from the full inverse); row duplication against integer
 * weights.  Bad input is checked for status and message.  Links the static library to rebuild a
 * model file without the newer field.
 */
#include "helpers.h"
#include "common/pack.h"
#include "telco_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LeakSanitizer's check when the test runs under it (a weak symbol: NULL otherwise). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static churn_options *firth_opts(double tol) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_FIRTH));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, tol));
  return o;
}

static double stat(const churn_model *m, churn_stat s) {
  double v = NAN;
  ASSERT_OK(churn_model_stat(m, s, &v));
  return v;
}

/* --- 2x2 tables: x = 0 has a churners of n0 rows, x = 1 has c churners of n1 rows ---------- */

static void check_table(int a, int n0, int c, int n1) {
  int64_t n = n0 + n1, r = 0;
  double *x = malloc((size_t)n * sizeof(double)), *y = malloc((size_t)n * sizeof(double));
  for (int i = 0; i < n0; i++, r++) x[r] = 0, y[r] = i < a;
  for (int i = 0; i < n1; i++, r++) x[r] = 1, y[r] = i < c;
  churn_options *o = firth_opts(1e-13);
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, NULL, NULL, o, &m));
  double p0 = (a + 0.5) / (n0 + 1.0), p1 = (c + 0.5) / (n1 + 1.0);
  double b0 = log(p0 / (1 - p0)), b1 = log(p1 / (1 - p1)) - b0;
  double coef, icpt;
  ASSERT_OK(churn_model_coef(m, &coef, &icpt));
  cr_assert(isfinite(coef) && isfinite(icpt));
  cr_assert(fabs(icpt - b0) <= 1e-10, "table %d/%d %d/%d: intercept %.17g, formula %.17g", a, n0,
            c, n1, icpt, b0);
  cr_assert(fabs(coef - b1) <= 1e-10, "table %d/%d %d/%d: slope %.17g, formula %.17g", a, n0, c,
            n1, coef, b1);
  /* Fisher information of the saturated model: diagonal in the cell parametrisation. */
  double A0 = n0 * p0 * (1 - p0), A1 = n1 * p1 * (1 - p1);
  double cov[4];
  ASSERT_OK(churn_model_covariance(m, cov));
  cr_assert(rel_close(cov[0], 1 / A0, 1e-9, 0), "var(b0) %.17g vs %.17g", cov[0], 1 / A0);
  cr_assert(rel_close(cov[1], -1 / A0, 1e-9, 0));
  cr_assert(rel_close(cov[3], 1 / A0 + 1 / A1, 1e-9, 0));
  double ll = a * log(p0) + (n0 - a) * log1p(-p0) + c * log(p1) + (n1 - c) * log1p(-p1);
  cr_assert(rel_close(stat(m, CHURN_STAT_LOGLIK), ll, 1e-10, 0));
  /* det of [[A0 + A1, A1], [A1, A1]] = A0 A1 */
  cr_assert(rel_close(stat(m, CHURN_STAT_PENALIZED_LOGLIK), ll + 0.5 * log(A0 * A1), 1e-10, 0),
            "penalised %.17g vs %.17g", stat(m, CHURN_STAT_PENALIZED_LOGLIK),
            ll + 0.5 * log(A0 * A1));
  cr_assert_eq(stat(m, CHURN_STAT_CONVERGED), 1.0);
  churn_table *t = NULL;
  ASSERT_OK(churn_model_summary(m, &t));
  const double *se = NULL;
  int64_t j = -1;
  ASSERT_OK(churn_table_find(t, "std_err", &j));
  ASSERT_OK(churn_table_f64(t, j, &se));
  cr_assert(rel_close(se[1], sqrt(1 / A0 + 1 / A1), 1e-9, 0));
  churn_table_free(t);
  churn_model_free(m);
  churn_options_free(o);
  free(x);
  free(y);
}

Test(firth, two_by_two_closed_form) { check_table(3, 10, 6, 10); }
/* a zero cell: quasi-complete separation, the MLE slope is infinite */
Test(firth, two_by_two_zero_cell_quasi_complete) { check_table(0, 8, 5, 10); }
/* x separates y completely: every MLE coefficient runs off */
Test(firth, two_by_two_complete_separation) { check_table(0, 6, 7, 7); }
Test(firth, two_by_two_negative_slope) { check_table(2, 5, 0, 9); }

Test(firth, intercept_only_closed_form_with_weights) {
  double y[7] = {1, 0, 0, 1, 0, 0, 0}, w[7] = {1, 2, 0.5, 3, 1, 1, 0};
  churn_options *o = firth_opts(1e-13);
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(NULL, CHURN_F64, 7, 0, 1, y, w, NULL, o, &m));
  double sw = 0, swy = 0;
  for (int i = 0; i < 7; i++) sw += w[i], swy += w[i] * y[i];
  double p = (swy + 0.5) / (sw + 1), b0;
  ASSERT_OK(churn_model_coef(m, NULL, &b0));
  cr_assert(fabs(b0 - log(p / (1 - p))) <= 1e-12, "%.17g vs %.17g", b0, log(p / (1 - p)));
  double cov;
  ASSERT_OK(churn_model_covariance(m, &cov));
  cr_assert(rel_close(cov, 1 / (sw * p * (1 - p)), 1e-10, 0));
  churn_model_free(m);
  /* the same with 250,000 rows (the subsample path) and no X at all */
  const int64_t n = 250000;
  double *yy = malloc((size_t)n * sizeof(double)), s1 = 0;
  for (int64_t i = 0; i < n; i++) yy[i] = i % 7 == 0, s1 += yy[i];
  ASSERT_OK(churn_model_fit(NULL, CHURN_F64, n, 0, 1, yy, NULL, NULL, o, &m));
  ASSERT_OK(churn_model_coef(m, NULL, &b0));
  p = (s1 + 0.5) / (n + 1.0);
  cr_assert(fabs(b0 - log(p / (1 - p))) <= 1e-12, "%.17g vs %.17g", b0, log(p / (1 - p)));
  churn_model_free(m);
  free(yy);
  churn_options_free(o);
}

/* --- the modified score recomputed from the data ----------------------------------------------- */

/* Inverse of a k x k SPD matrix by Gauss-Jordan (k small). */
static void invert(int k, const double *A, double *out) {
  double M[16 * 32];
  for (int a = 0; a < k; a++) {
    for (int b = 0; b < 2 * k; b++) M[a * 2 * k + b] = b < k ? A[a * k + b] : (b - k == a);
  }
  for (int c = 0; c < k; c++) {
    double piv = M[c * 2 * k + c];
    for (int b = 0; b < 2 * k; b++) M[c * 2 * k + b] /= piv;
    for (int a = 0; a < k; a++) {
      if (a == c) continue;
      double f = M[a * 2 * k + c];
      for (int b = 0; b < 2 * k; b++) M[a * 2 * k + b] -= f * M[c * 2 * k + b];
    }
  }
  for (int a = 0; a < k; a++) {
    for (int b = 0; b < k; b++) out[a * k + b] = M[a * 2 * k + k + b];
  }
}

/* max_j |U*_j| / sum w and the information at (b0, coef) on the original columns. */
static double modified_score(const double *X, const double *y, const double *w, int64_t n, int d,
                             double b0, const double *coef, double *info) {
  int k = d + 1;
  double *p = malloc((size_t)n * sizeof(double)), inv[256], U[16] = {0}, sw = 0;
  memset(info, 0, (size_t)(k * k) * sizeof(double));
  for (int64_t i = 0; i < n; i++) {
    double eta = b0, z[16];
    z[0] = 1;
    for (int j = 0; j < d; j++) eta += coef[j] * X[i * d + j], z[j + 1] = X[i * d + j];
    p[i] = 1 / (1 + exp(-eta));
    double q = (w ? w[i] : 1) * p[i] * (1 - p[i]);
    for (int a = 0; a < k; a++) {
      for (int b = 0; b < k; b++) info[a * k + b] += q * z[a] * z[b];
    }
  }
  invert(k, info, inv);
  for (int64_t i = 0; i < n; i++) {
    double z[16], wi = w ? w[i] : 1, h = 0;
    z[0] = 1;
    for (int j = 0; j < d; j++) z[j + 1] = X[i * d + j];
    for (int a = 0; a < k; a++) {
      for (int b = 0; b < k; b++) h += z[a] * inv[a * k + b] * z[b];
    }
    h *= wi * p[i] * (1 - p[i]);
    double c = wi * (y[i] - p[i]) + h * (0.5 - p[i]);
    for (int a = 0; a < k; a++) U[a] += c * z[a];
    sw += wi;
  }
  double m = 0;
  for (int a = 0; a < k; a++) m = fmax(m, fabs(U[a]));
  free(p);
  return m / sw;
}

/* n rows of d columns from a fixed LCG: x ~ U(-2, 2) plus a shift, y ~ Bernoulli. */
static void simulate(int64_t n, int d, double *X, double *y) {
  uint64_t s = 12345;
  for (int64_t i = 0; i < n; i++) {
    double eta = -1.0;
    for (int j = 0; j < d; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      double u = (double)(s >> 11) / 9007199254740992.0;
      X[i * d + j] = 4 * u - 2 + j;
      eta += (0.5 - 0.3 * j) * (X[i * d + j] - j);
    }
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    y[i] = (double)(s >> 11) / 9007199254740992.0 < 1 / (1 + exp(-eta));
  }
}

Test(firth, many_rows_meet_the_score_and_do_not_depend_on_threads) {
  /* 250,000 rows: the subsample warm start path. */
  const int64_t n = 250000;
  const int d = 3;
  double *X = malloc((size_t)(n * d) * sizeof(double)), *y = malloc((size_t)n * sizeof(double));
  simulate(n, d, X, y);
  churn_options *o = firth_opts(1e-8);
  churn_model *m1 = NULL, *m2 = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, d, d, y, NULL, NULL, o, &m1));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_THREADS, 2));
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, d, d, y, NULL, NULL, o, &m2));
  double c1[3], c2[3], i1, i2, info[16], cov[16], inv[16];
  ASSERT_OK(churn_model_coef(m1, c1, &i1));
  ASSERT_OK(churn_model_coef(m2, c2, &i2));
  cr_assert(rel_close(i1, i2, 1e-10, 1e-12));
  for (int j = 0; j < d; j++) cr_assert(rel_close(c1[j], c2[j], 1e-10, 1e-12));
  double crit = modified_score(X, y, NULL, n, d, i1, c1, info);
  cr_assert(crit <= 1e-9, "max |U*| / n = %g at the estimate", crit);
  invert(d + 1, info, inv);
  ASSERT_OK(churn_model_covariance(m1, cov));
  for (int q = 0; q < 16; q++) cr_assert(rel_close(cov[q], inv[q], 1e-6, 1e-15));
  cr_assert(stat(m1, CHURN_STAT_N_PASSES) <= 7, "%g passes", stat(m1, CHURN_STAT_N_PASSES));
  churn_model_free(m1);
  churn_model_free(m2);
  churn_options_free(o);
  free(X);
  free(y);
}

Test(firth, telco_meets_the_modified_score) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  (void)telco_number;  /* the oracle readers are not needed here */
  (void)telco_array;
  /* 6 columns of the Telco design (numeric and dummies) keep the check's k small. */
  const int cols[6] = {0, 1, 2, 9, 17, 18}, d = 6;
  double *X = malloc((size_t)(t.n * d) * sizeof(double));
  const char *names[6];
  for (int j = 0; j < d; j++) names[j] = t.names[cols[j]];
  for (int64_t i = 0; i < t.n; i++) {
    for (int j = 0; j < d; j++) X[i * d + j] = t.X[i * t.d + cols[j]];
  }
  churn_options *o = firth_opts(1e-10);
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, t.n, d, d, t.y, NULL, names, o, &m));
  double coef[6], b0, info[49];
  ASSERT_OK(churn_model_coef(m, coef, &b0));
  double crit = modified_score(X, t.y, NULL, t.n, d, b0, coef, info);
  cr_assert(crit <= 1e-9, "max |U*| / n = %g", crit);
  cr_assert_str_eq(churn_model_feature_name(m, 3), t.names[9]);
  /* Firth shrinks towards 0 relative to the MLE, by O(k / n) here. */
  churn_model *mle = NULL;
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_NONE));
  ASSERT_OK(churn_model_fit(X, CHURN_F64, t.n, d, d, t.y, NULL, names, o, &mle));
  double cm[6], bm;
  ASSERT_OK(churn_model_coef(mle, cm, &bm));
  for (int j = 0; j < d; j++) cr_assert(rel_close(coef[j], cm[j], 0.05, 1e-3));
  cr_assert(stat(m, CHURN_STAT_LOGLIK) < stat(mle, CHURN_STAT_LOGLIK));
  cr_assert_eq(stat(mle, CHURN_STAT_PENALIZED_LOGLIK), stat(mle, CHURN_STAT_LOGLIK));
  churn_model_free(mle);
  churn_model_free(m);
  churn_options_free(o);
  free(X);
  telco_free(&t);
}

Test(firth, integer_weights_equal_duplicated_rows) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  const int cols[4] = {1, 2, 9, 17}, d = 4;
  const int64_t n = 600;
  double *X = malloc((size_t)(n * d) * sizeof(double)), *w = malloc((size_t)n * sizeof(double));
  double *Xd = malloc((size_t)(3 * n * d) * sizeof(double)), *yd = malloc(3 * (size_t)n * 8);
  int64_t nd = 0;
  for (int64_t i = 0; i < n; i++) {
    w[i] = (double)(i % 4);  /* 0, 1, 2, 3 */
    for (int j = 0; j < d; j++) X[i * d + j] = t.X[i * t.d + cols[j]];
    for (int r = 0; r < (int)w[i]; r++, nd++) {
      memcpy(Xd + nd * d, X + i * d, (size_t)d * sizeof(double));
      yd[nd] = t.y[i];
    }
  }
  churn_options *o = firth_opts(1e-12);
  churn_model *mw = NULL, *md = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, d, d, t.y, w, NULL, o, &mw));
  ASSERT_OK(churn_model_fit(Xd, CHURN_F64, nd, d, d, yd, NULL, NULL, o, &md));
  double cw[4], cd[4], bw, bd, vw[25], vd[25];
  ASSERT_OK(churn_model_coef(mw, cw, &bw));
  ASSERT_OK(churn_model_coef(md, cd, &bd));
  cr_assert(rel_close(bw, bd, 1e-8, 1e-12), "%.17g vs %.17g", bw, bd);
  for (int j = 0; j < d; j++) cr_assert(rel_close(cw[j], cd[j], 1e-8, 1e-12));
  ASSERT_OK(churn_model_covariance(mw, vw));
  ASSERT_OK(churn_model_covariance(md, vd));
  for (int q = 0; q < 25; q++) cr_assert(rel_close(vw[q], vd[q], 1e-7, 1e-15));
  cr_assert(rel_close(stat(mw, CHURN_STAT_LOGLIK), stat(md, CHURN_STAT_LOGLIK), 1e-10, 0));
  cr_assert(rel_close(stat(mw, CHURN_STAT_PENALIZED_LOGLIK),
                      stat(md, CHURN_STAT_PENALIZED_LOGLIK), 1e-10, 0));
  churn_model_free(mw);
  churn_model_free(md);
  churn_options_free(o);
  free(X), free(w), free(Xd), free(yd);
  telco_free(&t);
}

/* --- bad input --------------------------------------------------------------------------------- */

Test(firth, duplicated_or_constant_column_is_singular) {
  double X[20 * 3], y[20];
  for (int i = 0; i < 20; i++) {
    X[i * 3] = i % 7;
    X[i * 3 + 1] = (i * 3) % 5;
    X[i * 3 + 2] = X[i * 3];  /* a copy of column 0 */
    y[i] = i % 3 == 0;
  }
  const char *names[3] = {"tenure", "faults", "tenure_copy"};
  churn_options *o = firth_opts(1e-8);
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 20, 3, 3, y, NULL, names, o, &m), CHURN_E_SINGULAR,
               "tenure");
  for (int i = 0; i < 20; i++) X[i * 3 + 2] = 4.0;  /* constant */
  const char *names2[3] = {"tenure", "faults", "region_code"};
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 20, 3, 3, y, NULL, names2, o, &m), CHURN_E_SINGULAR,
               "'region_code'");
  cr_assert_null(m);
  churn_options_free(o);
}

Test(firth, fewer_rows_than_coefficients) {
  double X[3 * 4] = {1, 2, 3, 4, 2, 1, 0, 5, 3, 3, 1, 1}, y[3] = {1, 0, 1};
  churn_options *o = firth_opts(1e-8);
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 3, 4, 4, y, NULL, NULL, o, &m), CHURN_E_DATA,
               "rows with positive weight for 5 coefficients");
  /* zero weights do not count */
  double X2[12] = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, y2[6] = {1, 0, 1, 0, 1, 0};
  double w2[6] = {1, 0, 0, 0, 0, 1};
  ASSERT_FAILS(churn_model_fit(X2, CHURN_F64, 6, 2, 2, y2, w2, NULL, o, &m), CHURN_E_DATA,
               "2 rows with positive weight for 3 coefficients: an unpenalised or Firth fit");
  cr_assert_null(m);
  churn_options_free(o);
}

Test(firth, robust_covariance_is_refused) {
  double X[8] = {0, 1, 2, 3, 4, 5, 6, 7}, y[8] = {0, 0, 1, 0, 1, 1, 0, 1};
  churn_options *o = firth_opts(1e-8);
  churn_model *m = NULL;
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_HC0));
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 8, 1, 1, y, NULL, NULL, o, &m), CHURN_E_ARG,
               "only the nonrobust covariance");
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_HC1));
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 8, 1, 1, y, NULL, NULL, o, &m), CHURN_E_ARG,
               "fit.cov_type");
  cr_assert_null(m);
  churn_options_free(o);
}

static churn_status one_chunk(void *ctx, int64_t pass, int64_t capacity, double *X, double *y,
                              double *w, int64_t *nrows) {
  (void)ctx, (void)pass, (void)capacity, (void)w;
  static const double xs[4] = {0, 1, 2, 3}, ys[4] = {0, 1, 0, 1};
  memcpy(X, xs, sizeof xs);
  memcpy(y, ys, sizeof ys);
  *nrows = 4;
  return CHURN_OK;
}

Test(firth, needs_the_in_memory_fit) {
  churn_options *o = firth_opts(1e-8);
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit_stream(1, NULL, one_chunk, NULL, 0, o, &m), CHURN_E_ARG,
               "Firth needs the in-memory fit (churn_model_fit)");
  char path[512];
  snprintf(path, sizeof path, "%s/firth.csv", test_tmpdir());
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs("x,churn\n0,0\n1,1\n2,0\n3,1\n", f);
  fclose(f);
  ASSERT_FAILS(churn_model_fit_csv(path, "churn", NULL, o, &m), CHURN_E_ARG,
               "Firth needs the in-memory fit");
  churn_solver *s = NULL;
  ASSERT_FAILS(churn_solver_new(1, NULL, o, &s), CHURN_E_ARG, "Firth needs the in-memory fit");
  cr_assert_null(m);
  cr_assert_null(s);
  churn_options_free(o);
}

Test(firth, max_iter_is_respected) {
  double X[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, y[10] = {0, 0, 1, 0, 0, 1, 1, 0, 1, 1};
  churn_options *o = firth_opts(1e-14);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MAX_ITER, 1));
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 1, 1, y, NULL, NULL, o, &m),
               CHURN_E_NOT_CONVERGED, "fit.max_iter");
  cr_assert_null(m);
  churn_options_free(o);
}

Test(firth, inference_off_has_no_covariance) {
  double X[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, y[10] = {0, 0, 1, 0, 0, 1, 1, 0, 1, 1};
  churn_options *o = firth_opts(1e-10);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INFERENCE, 0));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, 10, 1, 1, y, NULL, NULL, o, &m));
  double cov[4];
  ASSERT_FAILS(churn_model_covariance(m, cov), CHURN_E_STATE, "no covariance");
  churn_model_free(m);
  churn_options_free(o);
}

/* --- persistence ------------------------------------------------------------------------------- */

Test(firth, save_load_keeps_penalty_and_both_log_likelihoods) {
  double X[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, y[10] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  churn_options *o = firth_opts(1e-12);
  churn_model *m = NULL, *back = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, 10, 1, 1, y, NULL, NULL, o, &m));
  char path[512];
  snprintf(path, sizeof path, "%s/firth.msgpack", test_tmpdir());
  ASSERT_OK(churn_model_save(m, path));
  ASSERT_OK(churn_model_load(path, &back));
  cr_assert_eq(stat(back, CHURN_STAT_LOGLIK), stat(m, CHURN_STAT_LOGLIK));
  cr_assert_eq(stat(back, CHURN_STAT_PENALIZED_LOGLIK), stat(m, CHURN_STAT_PENALIZED_LOGLIK));
  cr_assert(stat(m, CHURN_STAT_PENALIZED_LOGLIK) != stat(m, CHURN_STAT_LOGLIK));
  double c1, c2, cv1[4], cv2[4];
  ASSERT_OK(churn_model_coef(m, &c1, NULL));
  ASSERT_OK(churn_model_coef(back, &c2, NULL));
  cr_assert_eq(c1, c2);
  ASSERT_OK(churn_model_covariance(back, cv2));
  ASSERT_OK(churn_model_covariance(m, cv1));
  cr_assert(memcmp(cv1, cv2, sizeof cv1) == 0);
  /* the penalty is kept: the file's options say FIRTH (4) */
  size_t len = 0;
  ASSERT_FAILS(churn_model_save_buffer(m, NULL, 0, &len), CHURN_E_BUFFER, "needs");
  uint8_t *buf = malloc(len);
  ASSERT_OK(churn_model_save_buffer(m, buf, len, &len));
  const uint8_t *payload;
  size_t plen;
  ASSERT_OK(churn__envelope_read(buf, len, "churn-model", 1, &payload, &plen, NULL, NULL));
  churn__unpacked u;
  ASSERT_OK(churn__unpack(payload, plen, "test", &u));
  const msgpack_object *opt = churn__map_get(&u.u.data, "options");
  int64_t pen = -1;
  ASSERT_OK(churn__get_i64(opt, "penalty", &pen));
  cr_assert_eq(pen, CHURN_PENALTY_FIRTH);
  /* A file written before penalized_loglik existed (the key dropped from "training") loads,
   * with NaN for it. */
  churn__wbuf p;
  churn__wbuf_init(&p);
  const msgpack_object *map = &u.u.data;
  msgpack_pack_map(&p.pk, map->via.map.size);
  for (uint32_t i = 0; i < map->via.map.size; i++) {
    const msgpack_object *k = &map->via.map.ptr[i].key, *v = &map->via.map.ptr[i].val;
    msgpack_pack_object(&p.pk, *k);
    if (k->via.str.size == 8 && memcmp(k->via.str.ptr, "training", 8) == 0) {
      msgpack_pack_map(&p.pk, v->via.map.size - 1);
      for (uint32_t q = 0; q < v->via.map.size; q++) {
        const msgpack_object *tk = &v->via.map.ptr[q].key;
        if (tk->via.str.size == 16 && memcmp(tk->via.str.ptr, "penalized_loglik", 16) == 0) {
          continue;
        }
        msgpack_pack_object(&p.pk, *tk);
        msgpack_pack_object(&p.pk, v->via.map.ptr[q].val);
      }
    } else {
      msgpack_pack_object(&p.pk, *v);
    }
  }
  churn__wbuf env;
  churn__wbuf_init(&env);
  ASSERT_OK(churn__envelope_write(&env, "churn-model", 1, 0, p.data, p.len));
  churn_model *old = NULL;
  ASSERT_OK(churn_model_load_buffer(env.data, env.len, &old));
  cr_assert(isnan(stat(old, CHURN_STAT_PENALIZED_LOGLIK)));
  cr_assert_eq(stat(old, CHURN_STAT_LOGLIK), stat(m, CHURN_STAT_LOGLIK));
  churn_model_free(old);
  churn__wbuf_free(&env);
  churn__wbuf_free(&p);
  churn__unpacked_free(&u);
  free(buf);
  churn_model_free(back);
  churn_model_free(m);
  churn_options_free(o);
}

/* --- allocation failures ----------------------------------------------------------------------- */

/* Every allocation of a Firth fit failing in turn: CHURN_E_NOMEM or (a failure inside the
 * optional subsample warm start) a correct model, never a crash or a leak; on 250,000 rows
 * (warm-start path) and on a small table. */
static void fail_each_allocation(const double *X, const double *y, int64_t n, int d,
                                 double b0_want) {
  churn_options *o = firth_opts(1e-10);
  churn_model *m = NULL;
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, d, d, y, NULL, NULL, o, &m));
  churn_model_free(m);
  uint64_t points = churn_testing_fail_alloc(0);
  cr_assert_gt(points, 10);
  for (uint64_t k = 1; k <= points; k++) {
    m = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_model_fit(X, CHURN_F64, n, d, d, y, NULL, NULL, o, &m);
    churn_testing_fail_alloc(0);
    if (st == CHURN_OK) {
      double b0;
      ASSERT_OK(churn_model_coef(m, NULL, &b0));
      cr_assert(rel_close(b0, b0_want, 1e-8, 1e-10), "allocation %llu: %.17g vs %.17g",
                (unsigned long long)k, b0, b0_want);
      churn_model_free(m);
      continue;
    }
    cr_assert_eq(st, CHURN_E_NOMEM, "allocation %llu: %s: %s", (unsigned long long)k,
                 churn_status_name(st), churn_last_error());
    cr_assert_null(m);
  }
  churn_options_free(o);
  if (__lsan_do_recoverable_leak_check) cr_assert_eq(__lsan_do_recoverable_leak_check(), 0);
}

Test(firth, allocation_failures_are_clean) {
  double x[20], y[20];
  for (int i = 0; i < 20; i++) x[i] = i % 2, y[i] = (i % 2) ? i < 14 : i < 3;
  churn_options *o = firth_opts(1e-10);
  churn_model *m = NULL;
  double b0;
  ASSERT_OK(churn_model_fit(x, CHURN_F64, 20, 1, 1, y, NULL, NULL, o, &m));
  ASSERT_OK(churn_model_coef(m, NULL, &b0));
  churn_model_free(m);
  fail_each_allocation(x, y, 20, 1, b0);
  const int64_t n = 250000;
  double *X = malloc((size_t)(n * 2) * sizeof(double)), *yy = malloc((size_t)n * sizeof(double));
  simulate(n, 2, X, yy);
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, 2, 2, yy, NULL, NULL, o, &m));
  ASSERT_OK(churn_model_coef(m, NULL, &b0));
  churn_model_free(m);
  fail_each_allocation(X, yy, n, 2, b0);
  churn_options_free(o);
  free(X);
  free(yy);
}

Test(firth, continuous_complete_separation_is_finite) {
  /* y = 1 exactly when x0 > 1: the MLE runs off, Firth's estimate is finite but large (its
   * slope grows with n), reached within the default max_iter by the growing step cap. */
  const int64_t n = 2000;
  const int d = 2;
  double *X = malloc((size_t)(n * d) * sizeof(double)), *y = malloc((size_t)n * sizeof(double));
  simulate(n, d, X, y);
  for (int64_t i = 0; i < n; i++) y[i] = X[i * d] > 1.0;
  churn_options *o = firth_opts(1e-8);
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, d, d, y, NULL, NULL, o, &m));
  double coef[2], b0, info[9];
  ASSERT_OK(churn_model_coef(m, coef, &b0));
  cr_assert(isfinite(b0) && isfinite(coef[0]) && isfinite(coef[1]));
  cr_assert(coef[0] > 50, "slope %g", coef[0]);
  cr_assert(stat(m, CHURN_STAT_N_ITER) < 60, "%g iterations", stat(m, CHURN_STAT_N_ITER));
  double crit = modified_score(X, y, NULL, n, d, b0, coef, info);
  cr_assert(crit <= 1e-8, "max |U*| / n = %g", crit);
  double se[9];
  ASSERT_OK(churn_model_covariance(m, se));
  cr_assert(isfinite(se[4]) && se[4] > 0);
  churn_model_free(m);
  churn_options_free(o);
  free(X);
  free(y);
}

Test(firth, non_finite_x_is_named_on_the_subsample_path_too) {
  const int64_t n = 250000;
  double *X = malloc((size_t)(n * 2) * sizeof(double)), *y = malloc((size_t)n * sizeof(double));
  simulate(n, 2, X, y);
  X[123457 * 2 + 1] = NAN;  /* outside the subsample's blocks */
  const char *names[2] = {"tenure", "arrears"};
  churn_options *o = firth_opts(1e-8);
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, n, 2, 2, y, NULL, names, o, &m),
               CHURN_E_DATA, "row 123457, column 1 ('arrears')");
  X[123457 * 2 + 1] = 0;
  y[99] = 0.5;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, n, 2, 2, y, NULL, names, o, &m), CHURN_E_DATA,
               "y at row 99");
  cr_assert_null(m);
  churn_options_free(o);
  free(X);
  free(y);
}

/* Finite X whose linear score would overflow: values near DBL_MAX of both signs make the
 * standardised row (or its product with the coefficients) infinite.  The fit refuses before any
 * iteration, naming a value, its row and its column and why (its square exceeds the double
 * range), instead of returning NaN estimates. */
Test(firth, an_overflowing_linear_score_names_the_value) {
  enum { N = 40 };
  double X[N * 2], y[N];
  for (int i = 0; i < N; i++) {
    X[2 * i] = (i % 5) - 2.0;
    X[2 * i + 1] = i % 2 ? 1.7e308 : -1.7e308;
    y[i] = i % 3 == 0;
  }
  churn_options *o = firth_opts(1e-10);
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, N, 2, 2, y, NULL, NULL, o, &m), CHURN_E_DATA,
               "(Firth): X value 1.7e+308 at row 1, column 1 ('x1') overflows");
  cr_assert_null(m);
  churn_options_free(o);
}
