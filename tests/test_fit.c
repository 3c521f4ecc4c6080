/*
 * test_fit.c -- churn_model_fit (lib/fit.c and the solver it drives).
 * Oracles: closed forms for a 2x2 table (MLE = log odds and log odds ratio, std errors
 * sqrt(sum 1/count)); statsmodels/scikit-learn results on the Telco data
 * (../shared/data/telco/telco_oracle.json, produced by make_oracle.py there); optimality (KKT)
 * conditions computed here from the data for L1 and elastic net.  Every failure mode is checked
 * for its status and message.
 */
#include "helpers.h"
#include "telco_data.h"

#include <math.h>
#include <string.h>

#include "fixtures/telco_robust.h"

static churn_options *opts_new(void) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  return o;
}

static double stat(const churn_model *m, churn_stat s) {
  double v = NAN;
  ASSERT_OK(churn_model_stat(m, s, &v));
  return v;
}

/* --- a 2x2 table: counts a (x=0,y=0), b (x=0,y=1), c (x=1,y=0), e (x=1,y=1) ------------------ */

static const double A = 30, B = 10, C_ = 15, E = 25;

static void table_rows(double *x, double *y, int64_t *n) {
  int64_t r = 0;
  for (int i = 0; i < A; i++) x[r] = 0, y[r++] = 0;
  for (int i = 0; i < B; i++) x[r] = 0, y[r++] = 1;
  for (int i = 0; i < C_; i++) x[r] = 1, y[r++] = 0;
  for (int i = 0; i < E; i++) x[r] = 1, y[r++] = 1;
  *n = r;
}

static void check_table_model(const churn_model *m, double rtol) {
  double coef, b0;
  ASSERT_OK(churn_model_coef(m, &coef, &b0));
  cr_assert(rel_close(b0, log(B / A), rtol, 1e-14), "intercept %.17g", b0);
  cr_assert(rel_close(coef, log(E * A / (C_ * B)), rtol, 1e-14), "slope %.17g", coef);
}

Test(fit, two_by_two_table_closed_form) {
  double x[80], y[80];
  int64_t n;
  table_rows(x, y, &n);
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-13));
  churn_model *m = NULL;
  const char *names[] = {"has_fault"};
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, NULL, names, o, &m));
  check_table_model(m, 1e-12);
  double cov[4];
  ASSERT_OK(churn_model_covariance(m, cov));
  cr_assert(rel_close(sqrt(cov[0]), sqrt(1 / A + 1 / B), 1e-10, 0));
  cr_assert(rel_close(sqrt(cov[3]), sqrt(1 / A + 1 / B + 1 / C_ + 1 / E), 1e-10, 0));
  cr_assert(rel_close(cov[1], -(1 / A + 1 / B), 1e-10, 0));
  double ll = B * log(B / (A + B)) + A * log(A / (A + B)) + E * log(E / (C_ + E)) +
              C_ * log(C_ / (C_ + E));
  double N = A + B + C_ + E, P = B + E;
  double ll0 = P * log(P / N) + (N - P) * log((N - P) / N);
  cr_assert(rel_close(stat(m, CHURN_STAT_LOGLIK), ll, 1e-12, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_NULL_LOGLIK), ll0, 1e-12, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_PSEUDO_R2), 1 - ll / ll0, 1e-10, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_AIC), -2 * ll + 4, 1e-12, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_BIC), -2 * ll + 2 * log(N), 1e-12, 0));
  cr_assert_eq(stat(m, CHURN_STAT_CONVERGED), 1.0);
  cr_assert_eq(stat(m, CHURN_STAT_N_OBS), N);
  cr_assert_eq(stat(m, CHURN_STAT_POSITIVES), P);
  cr_assert_eq(stat(m, CHURN_STAT_DF_MODEL), 1.0);
  cr_assert_eq(stat(m, CHURN_STAT_DF_RESID), N - 2);
  cr_assert_str_eq(churn_model_feature_name(m, 0), "has_fault");
  churn_model_free(m);
  churn_options_free(o);
}

Test(fit, weights_equal_replicated_rows_and_float32) {
  /* Four rows weighted by the counts give the same estimate as the 80 rows. */
  double x[4] = {0, 0, 1, 1}, y[4] = {0, 1, 0, 1}, w[4] = {A, B, C_, E};
  churn_model *m = NULL;
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-13));
  ASSERT_OK(churn_model_fit(x, CHURN_F64, 4, 1, 1, y, w, NULL, o, &m));
  check_table_model(m, 1e-11);
  cr_assert_str_eq(churn_model_feature_name(m, 0), "x0");
  churn_model_free(m);
  float xf[80];
  double xd[80], yd[80];
  int64_t n;
  table_rows(xd, yd, &n);
  for (int64_t i = 0; i < n; i++) xf[i] = (float)xd[i];
  ASSERT_OK(churn_model_fit(xf, CHURN_F32, n, 1, 1, yd, NULL, NULL, o, &m));
  check_table_model(m, 1e-11);
  churn_model_free(m);
  churn_options_free(o);
}

Test(fit, row_stride_is_respected) {
  /* The feature sits in column 0 of a 3-wide buffer whose other columns hold garbage. */
  double xd[80], yd[80], wide[240];
  int64_t n;
  table_rows(xd, yd, &n);
  for (int64_t i = 0; i < n; i++) wide[3 * i] = xd[i], wide[3 * i + 1] = 1e300, wide[3 * i + 2] = NAN;
  churn_model *m = NULL;
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-13));
  ASSERT_OK(churn_model_fit(wide, CHURN_F64, n, 1, 3, yd, NULL, NULL, o, &m));
  check_table_model(m, 1e-11);
  churn_model_free(m);
  churn_options_free(o);
}

Test(fit, balanced_class_weights_and_population_rate) {
  double x[80], y[80];
  int64_t n;
  table_rows(x, y, &n);
  double N = A + B + C_ + E, P = B + E;
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-13));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_CLASS_WEIGHT, 1));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, NULL, NULL, o, &m));
  /* scikit-learn's balanced weights n/(2 n_c): the odds ratio is unchanged, the intercept
   * moves by log(w1/w0). */
  double w1 = N / (2 * P), w0 = N / (2 * (N - P)), coef, b0;
  ASSERT_OK(churn_model_coef(m, &coef, &b0));
  cr_assert(rel_close(coef, log(E * A / (C_ * B)), 1e-11, 0));
  cr_assert(rel_close(b0, log(B * w1 / (A * w0)), 1e-11, 1e-14));
  cr_assert(rel_close(stat(m, CHURN_STAT_SUM_WEIGHTS), N, 1e-12, 0));
  churn_model_free(m);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_CLASS_WEIGHT, 0));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_POPULATION_RATE, 0.05));
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, NULL, NULL, o, &m));
  ASSERT_OK(churn_model_coef(m, &coef, &b0));
  double ybar = P / N;
  cr_assert(rel_close(b0, log(B / A) - log(0.95 / 0.05 * ybar / (1 - ybar)), 1e-11, 0));
  cr_assert(rel_close(coef, log(E * A / (C_ * B)), 1e-11, 0));
  churn_model_free(m);
  churn_options_free(o);
}

Test(fit, intercept_only_when_d_is_zero) {
  double y[10] = {0, 0, 0, 1, 0, 1, 0, 0, 0, 1};
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(NULL, CHURN_F64, 10, 0, 1, y, NULL, NULL, NULL, &m));
  double b0;
  ASSERT_OK(churn_model_coef(m, NULL, &b0));
  cr_assert(rel_close(b0, log(3.0 / 7.0), 1e-9, 0));
  cr_assert_eq(churn_model_n_features(m), 0);
  double p;
  ASSERT_OK(churn_model_predict_proba(m, NULL, CHURN_F64, 1, 0, 1, &p));
  cr_assert(rel_close(p, 0.3, 1e-9, 0));
  churn_model_free(m);
}

/* --- the Telco oracle ------------------------------------------------------------------------ */

static void check_vec(const char *what, const double *got, const double *want, int64_t k,
                      double rtol, double atol) {
  for (int64_t j = 0; j < k; j++) {
    cr_assert(rel_close(got[j], want[j], rtol, atol), "%s[%lld]: %.17g vs oracle %.17g", what,
              (long long)j, got[j], want[j]);
  }
}

/* tol 0 keeps the default (fit.tol = 1e-8): the oracle's tolerances must hold there too. */
static void telco_mle(int threads, double tol) {
  telco t;
  cr_assert_eq(telco_load(&t), 0, "cannot read the Telco data under %s", shared_data_path(""));
  churn_options *o = opts_new();
  if (tol > 0) ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, tol));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_THREADS, threads));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(t.X, CHURN_F64, t.n, t.d, t.d, t.y, NULL,
                            (const char *const *)t.names, o, &m));
  const int64_t k = t.d + 1;
  double want[64];
  churn_table *s = NULL;
  ASSERT_OK(churn_model_summary(m, &s));
  cr_assert_eq(churn_table_nrows(s), k);
  const char *const *terms = NULL;
  ASSERT_OK(churn_table_str(s, 0, &terms));
  cr_assert_str_eq(terms[0], "intercept");
  cr_assert_str_eq(terms[3], "MonthlyCharges");
  cr_assert_eq(telco_array(&t, "mle", "coef", want, 64), k);
  check_vec("coef", table_f64(s, "coef"), want, k, 1e-6, 0);
  telco_array(&t, "mle", "std_err", want, 64);
  check_vec("std_err", table_f64(s, "std_err"), want, k, 1e-6, 0);
  telco_array(&t, "mle", "z", want, 64);
  check_vec("z", table_f64(s, "z"), want, k, 1e-6, 0);
  telco_array(&t, "mle", "p_value", want, 64);
  check_vec("p_value", table_f64(s, "p_value"), want, k, 1e-5, 1e-300);
  telco_array(&t, "mle", "ci_low", want, 64);
  check_vec("ci_low", table_f64(s, "ci_low"), want, k, 1e-6, 0);
  telco_array(&t, "mle", "ci_high", want, 64);
  check_vec("ci_high", table_f64(s, "ci_high"), want, k, 1e-6, 0);
  const double *c = table_f64(s, "coef"), *orat = table_f64(s, "odds_ratio");
  for (int64_t j = 0; j < k; j++) cr_assert(rel_close(orat[j], exp(c[j]), 1e-15, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_LOGLIK), telco_number(&t, "mle", "loglik"), 1e-8, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_NULL_LOGLIK), telco_number(&t, "mle", "null_loglik"),
                      1e-8, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_PSEUDO_R2), telco_number(&t, "mle", "pseudo_r2"), 1e-8,
                      0));
  cr_assert(rel_close(stat(m, CHURN_STAT_AIC), telco_number(&t, "mle", "aic"), 1e-8, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_BIC), telco_number(&t, "mle", "bic"), 1e-8, 0));
  cr_assert(rel_close(stat(m, CHURN_STAT_LLR_P_VALUE), telco_number(&t, "mle", "llr_p_value"),
                      1e-8, 1e-300));
  cr_assert_eq(stat(m, CHURN_STAT_CONVERGED), 1.0);
  cr_assert(stat(m, CHURN_STAT_N_ITER) <= telco_number(&t, "mle", "iterations"));
  cr_assert_eq(stat(m, CHURN_STAT_N_OBS), (double)t.n);
  cr_assert_eq(stat(m, CHURN_STAT_POSITIVES), telco_number(&t, NULL, "positives"));
  churn_table_free(s);
  churn_model_free(m);
  churn_options_free(o);
  telco_free(&t);
}

Test(fit, telco_mle_matches_statsmodels) { telco_mle(1, 1e-12); }
Test(fit, telco_mle_two_threads) { telco_mle(2, 1e-12); }
Test(fit, telco_mle_at_default_tolerance) { telco_mle(1, 0); }

static void telco_robust(int cov_type, const double *want, int threads) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, cov_type));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_THREADS, threads));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(t.X, CHURN_F64, t.n, t.d, t.d, t.y, NULL, NULL, o, &m));
  churn_table *s = NULL;
  ASSERT_OK(churn_model_summary(m, &s));
  check_vec("robust std_err", table_f64(s, "std_err"), want, t.d + 1, 1e-6, 0);
  churn_table_free(s);
  churn_model_free(m);
  churn_options_free(o);
  telco_free(&t);
}

/* statsmodels Logit(...).fit(cov_type="HC0"), tests/fixtures/make_telco_robust.py */
Test(fit, telco_hc0_matches_statsmodels) { telco_robust(CHURN_COV_HC0, TELCO_HC0_SE, 1); }
/* HC1 is HC0 with the small-sample factor n / (n - k) on the covariance.  (statsmodels 0.13's
 * discrete models return the HC0 values for cov_type="HC1", see TELCO_HC1_SE in the fixture.) */
Test(fit, telco_hc1_is_hc0_with_small_sample_factor) {
  double want[24];
  for (int j = 0; j < 24; j++) want[j] = TELCO_HC0_SE[j] * sqrt(7032.0 / (7032.0 - 24.0));
  telco_robust(CHURN_COV_HC1, want, 2);
}

Test(fit, telco_l2_raw_matches_sklearn) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_C, 1.0));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_STANDARDIZE, 0));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(t.X, CHURN_F64, t.n, t.d, t.d, t.y, NULL, NULL, o, &m));
  double want[64], got[64];
  telco_array(&t, "l2_raw", "coef", want, 64);
  ASSERT_OK(churn_model_coef(m, got + 1, got));
  check_vec("l2 raw coef", got, want, t.d + 1, 1e-6, 0);
  /* Our gradient norm is at least as good as the oracle's Newton solver's. */
  cr_assert(stat(m, CHURN_STAT_GRADIENT_NORM) <= 10 * telco_number(&t, "l2_raw", "gradient_norm") + 1e-6,
            "gradient norm %g", stat(m, CHURN_STAT_GRADIENT_NORM));
  ASSERT_FAILS(churn_model_covariance(m, got), CHURN_E_STATE, "no covariance");
  churn_model_free(m);
  churn_options_free(o);
  telco_free(&t);
}

Test(fit, telco_l2_standardized_matches_sklearn) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(t.X, CHURN_F64, t.n, t.d, t.d, t.y, NULL, NULL, o, &m));
  double want[64], got[64], mean[64], sd[64], omean[64], osd[64];
  ASSERT_OK(churn_model_coef(m, got + 1, got));
  ASSERT_OK(churn_model_scaling(m, mean, sd));
  telco_array(&t, "l2_standardized", "mean", omean, 64);
  telco_array(&t, "l2_standardized", "std", osd, 64);
  check_vec("mean", mean, omean, t.d, 1e-12, 1e-15);
  check_vec("std", sd, osd, t.d, 1e-10, 0);
  /* Back to the z-scale of the oracle: b_z = b * sd, b0_z = b0 + sum b * mean. */
  for (int64_t j = 0; j < t.d; j++) {
    got[0] += got[1 + j] * omean[j];
    got[1 + j] *= osd[j];
  }
  telco_array(&t, "l2_standardized", "coef", want, 64);
  check_vec("l2 standardized coef", got, want, t.d + 1, 1e-6, 0);
  churn_model_free(m);
  churn_options_free(o);
  telco_free(&t);
}

/* Gradient of sum_i logloss_i with respect to the z-scale coefficients (intercept first). */
static void telco_z_gradient(const telco *t, const double *mean, const double *sd,
                             const double *bz, double *g) {
  memset(g, 0, (size_t)(t->d + 1) * sizeof(double));
  for (int64_t i = 0; i < t->n; i++) {
    double eta = bz[0];
    for (int64_t j = 0; j < t->d; j++) eta += bz[1 + j] * (t->X[i * t->d + j] - mean[j]) / sd[j];
    double r = 1 / (1 + exp(-eta)) - t->y[i];
    g[0] += r;
    for (int64_t j = 0; j < t->d; j++) g[1 + j] += r * (t->X[i * t->d + j] - mean[j]) / sd[j];
  }
}

static void telco_sparse_kkt(int penalty, double C, double l1_ratio) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, penalty));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_C, C));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_L1_RATIO, l1_ratio));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(t.X, CHURN_F64, t.n, t.d, t.d, t.y, NULL, NULL, o, &m));
  double b[64], mean[64], sd[64], g[64];
  ASSERT_OK(churn_model_coef(m, b + 1, b));
  ASSERT_OK(churn_model_scaling(m, mean, sd));
  for (int64_t j = 0; j < t.d; j++) {
    b[0] += b[1 + j] * mean[j];
    b[1 + j] *= sd[j];
  }
  telco_z_gradient(&t, mean, sd, b, g);
  /* KKT of l1_ratio |b|_1 + (1-l1_ratio)/2 |b|^2 + C sum logloss (intercept free). */
  cr_assert(fabs(C * g[0]) < 1e-7, "intercept gradient %g", C * g[0]);
  int zeros = 0;
  for (int64_t j = 1; j <= t.d; j++) {
    double smooth = C * g[j] + (1 - l1_ratio) * b[j];
    if (b[j] != 0) {
      cr_assert(fabs(smooth + (b[j] > 0 ? l1_ratio : -l1_ratio)) < 1e-7, "KKT at %lld: %g",
                (long long)j, smooth);
    } else {
      zeros++;
      cr_assert(fabs(smooth) <= l1_ratio + 1e-7, "zero coefficient %lld: |%g| > %g",
                (long long)j, smooth, l1_ratio);
    }
  }
  cr_assert(zeros > 0, "a sparse fit with no zero coefficient");
  churn_model_free(m);
  churn_options_free(o);
  telco_free(&t);
}

Test(fit, telco_l1_satisfies_kkt) { telco_sparse_kkt(CHURN_PENALTY_L1, 0.002, 1.0); }
Test(fit, telco_elasticnet_satisfies_kkt) {
  telco_sparse_kkt(CHURN_PENALTY_ELASTICNET, 0.002, 0.7);
}

/* --- failure modes --------------------------------------------------------------------------- */

Test(fit, complete_separation_is_reported) {
  double x[20], y[20];
  for (int i = 0; i < 20; i++) x[i] = i, y[i] = i >= 10;
  churn_model *m = NULL;
  const char *names[] = {"days_offline"};
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 20, 1, 1, y, NULL, names, NULL, &m),
               CHURN_E_SEPARATION, "'days_offline'");
  cr_assert(strstr(churn_last_error(), "penalty") != NULL);
  cr_assert_null(m);
  /* With a penalty the same data fit fine. */
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2));
  ASSERT_OK(churn_model_fit(x, CHURN_F64, 20, 1, 1, y, NULL, names, o, &m));
  double c;
  ASSERT_OK(churn_model_coef(m, &c, NULL));
  cr_assert(isfinite(c) && c > 0);
  churn_model_free(m);
  churn_options_free(o);
}

Test(fit, quasi_complete_separation_names_the_column) {
  /* x1 = 1 only for churners (never for non-churners); x0 is ordinary noise. */
  double X[2 * 60], y[60];
  for (int i = 0; i < 60; i++) {
    y[i] = (i % 3) == 0;
    X[2 * i] = sin(i * 1.7);
    X[2 * i + 1] = (y[i] == 1 && i % 2 == 0) ? 1.0 : 0.0;
  }
  churn_model *m = NULL;
  const char *names[] = {"noise", "complaint_open"};
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 60, 2, 2, y, NULL, names, NULL, &m),
               CHURN_E_SEPARATION, "'complaint_open'");
  cr_assert(strstr(churn_last_error(), "'noise'") == NULL, "%s", churn_last_error());
}

Test(fit, singular_design_names_the_collinear_column) {
  double X[3 * 40], y[40];
  for (int i = 0; i < 40; i++) {
    X[3 * i] = sin(i);
    X[3 * i + 1] = cos(i * 0.3);
    X[3 * i + 2] = 2 * X[3 * i] - X[3 * i + 1] + 1;
    y[i] = (i * 7) % 5 < 2;
  }
  const char *names[] = {"tenure", "charges", "total"};
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 40, 3, 3, y, NULL, names, NULL, &m),
               CHURN_E_SINGULAR, "linear combination");
  /* One of the three columns is named (any of them completes the dependency). */
  const char *msg = churn_last_error();
  cr_assert(strstr(msg, "'tenure'") || strstr(msg, "'charges'") || strstr(msg, "'total'"), "%s",
            msg);
  /* A constant column is collinear with the intercept. */
  for (int i = 0; i < 40; i++) X[3 * i + 2] = 5.0;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 40, 3, 3, y, NULL, names, NULL, &m),
               CHURN_E_SINGULAR, "'total'");
  /* An exact duplicate: the later copy is named. */
  for (int i = 0; i < 40; i++) X[3 * i + 2] = X[3 * i + 1];
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 40, 3, 3, y, NULL, names, NULL, &m),
               CHURN_E_SINGULAR, "'");
  cr_assert_null(m);
}

Test(fit, non_finite_value_names_row_and_column) {
  double X[2 * 10], y[10];
  for (int i = 0; i < 10; i++) X[2 * i] = i, X[2 * i + 1] = i % 3, y[i] = i % 2;
  X[2 * 7 + 1] = NAN;
  churn_model *m = NULL;
  const char *names[] = {"a", "arrears"};
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 2, 2, y, NULL, names, NULL, &m), CHURN_E_DATA,
               "row 7, column 1 ('arrears')");
  X[2 * 7 + 1] = INFINITY;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 2, 2, y, NULL, names, NULL, &m), CHURN_E_DATA,
               "row 7, column 1");
  float Xf[20];
  for (int i = 0; i < 20; i++) Xf[i] = (float)X[i];
  ASSERT_FAILS(churn_model_fit(Xf, CHURN_F32, 10, 2, 2, y, NULL, names, NULL, &m), CHURN_E_DATA,
               "row 7, column 1");
}

/* Issue 21 #17: 1e308 is finite but its square is not: the message names the value, row and
 * column (it used to say the column was "a linear combination of the others"). */
Test(fit, overflowing_value_names_row_and_column) {
  double X[2 * 10], y[10];
  for (int i = 0; i < 10; i++) X[2 * i] = i, X[2 * i + 1] = i % 3, y[i] = i % 2;
  X[2 * 6 + 1] = 1e308;
  churn_model *m = NULL;
  const char *names[] = {"a", "arrears"};
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 2, 2, y, NULL, names, NULL, &m), CHURN_E_DATA,
               "X value 1e+308 at row 6, column 1 ('arrears') overflows");
  X[2 * 6 + 1] = -1e200;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 2, 2, y, NULL, names, NULL, &m), CHURN_E_DATA,
               "row 6, column 1 ('arrears') overflows");
  cr_assert_null(m);
}

Test(fit, label_and_weight_errors) {
  double x[10], y[10], w[10];
  for (int i = 0; i < 10; i++) x[i] = i, y[i] = i % 2, w[i] = 1;
  churn_model *m = NULL;
  y[4] = 2;
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 10, 1, 1, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "y at row 4 is 2");
  y[4] = NAN;
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 10, 1, 1, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "y at row 4");
  y[4] = 0;
  w[6] = -1;
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 10, 1, 1, y, w, NULL, NULL, &m), CHURN_E_DATA,
               "sample_weight at row 6");
  w[6] = 1;
  for (int i = 0; i < 10; i++) y[i] = 0;
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 10, 1, 1, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "single class");
  for (int i = 0; i < 10; i++) y[i] = 1;
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 10, 1, 1, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "y = 1");
  for (int i = 0; i < 10; i++) w[i] = 0;
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 10, 1, 1, y, w, NULL, NULL, &m), CHURN_E_DATA,
               "every sample weight is 0");
  cr_assert_null(m);
}

Test(fit, too_few_rows_for_the_coefficients) {
  double X[3 * 3] = {1, 2, 3, 4, 5, 7, 2, 1, 0}, y[3] = {0, 1, 0};
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 3, 3, 3, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "3 rows with positive weight for 4 coefficients");
}

Test(fit, argument_errors) {
  double x[4] = {0, 1, 0, 1}, y[4] = {0, 1, 1, 0};
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 4, 1, 1, y, NULL, NULL, NULL, NULL), CHURN_E_ARG,
               "out is NULL");
  ASSERT_FAILS(churn_model_fit(x, CHURN_I64, 4, 1, 1, y, NULL, NULL, NULL, &m), CHURN_E_ARG,
               "CHURN_F64 or CHURN_F32");
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 4, 2, 1, y, NULL, NULL, NULL, &m), CHURN_E_ARG,
               "row stride");
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 0, 1, 1, y, NULL, NULL, NULL, &m), CHURN_E_ARG,
               "no rows");
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 4, 1, 1, NULL, NULL, NULL, NULL, &m), CHURN_E_ARG,
               "y is NULL");
  ASSERT_FAILS(churn_model_fit(NULL, CHURN_F64, 4, 1, 1, y, NULL, NULL, NULL, &m), CHURN_E_ARG,
               "X is NULL");
  const char *names[] = {NULL};
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 4, 1, 1, y, NULL, names, NULL, &m), CHURN_E_ARG,
               "feature_names[0] is NULL");
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INTERCEPT, 0));
  ASSERT_FAILS(churn_model_fit(NULL, CHURN_F64, 4, 0, 1, y, NULL, NULL, o, &m), CHURN_E_ARG,
               "nothing to fit");
  ASSERT_OK(churn_options_reset(o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_CLUSTER));
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 4, 1, 1, y, NULL, NULL, o, &m), CHURN_E_ARG,
               "cov_type");
  churn_options_free(o);
  cr_assert_null(m);
}

Test(fit, max_iter_reached_is_not_converged) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MAX_ITER, 2));
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(t.X, CHURN_F64, t.n, t.d, t.d, t.y, NULL, NULL, o, &m),
               CHURN_E_NOT_CONVERGED, "2 iterations");
  cr_assert_null(m);
  churn_options_free(o);
  telco_free(&t);
}

Test(fit, no_intercept_model) {
  /* Without an intercept and one binary column, the MLE is the log odds within each group
   * only for the x=1 group; the x=0 rows have eta = 0 whatever b is. */
  double x[80], y[80];
  int64_t n;
  table_rows(x, y, &n);
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INTERCEPT, 0));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-13));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, NULL, NULL, o, &m));
  double c, b0;
  ASSERT_OK(churn_model_coef(m, &c, &b0));
  cr_assert_eq(b0, 0.0);
  cr_assert(rel_close(c, log(E / C_), 1e-11, 0));
  double cov;
  ASSERT_OK(churn_model_covariance(m, &cov));
  cr_assert(rel_close(sqrt(cov), sqrt(1 / E + 1 / C_), 1e-10, 0));
  churn_model_free(m);
  churn_options_free(o);
}

/* Many rows take the subsample warm start and gradient-only passes: the estimate and the
 * covariance must be those of plain Newton (the solver API run with a Hessian every pass). */
Test(fit, many_rows_path_equals_plain_newton, .timeout = 120) {
  const int64_t n = 220000, d = 4;
  double *X = malloc((size_t)(n * d) * sizeof(double)), *y = malloc((size_t)n * sizeof(double));
  uint64_t s = 42;
  for (int64_t i = 0; i < n; i++) {
    double eta = -1.0;
    for (int64_t j = 0; j < d; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      double u = (double)(s >> 11) / 9007199254740992.0;
      X[i * d + j] = (u - 0.5) * (j + 1) + j;
      eta += (j % 2 ? 0.7 : -0.4) * (X[i * d + j] - j);
    }
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = (double)(s >> 11) / 9007199254740992.0;
    y[i] = u < 1 / (1 + exp(-eta));
  }
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-11));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, d, d, y, NULL, NULL, o, &m));
  /* Plain Newton through the public driver. */
  churn_solver *sv = NULL;
  ASSERT_OK(churn_solver_new(d, NULL, o, &sv));
  ASSERT_OK(churn_solver_add_moments(sv, X, CHURN_F64, n, d, d, y, NULL, 0));
  ASSERT_OK(churn_solver_begin(sv));
  churn_suffstats *st = NULL;
  ASSERT_OK(churn_solver_stats_new(sv, &st));
  double beta[8];
  int done = 0, passes = 0;
  while (!done && passes++ < 50) {
    churn_suffstats_reset(st);
    ASSERT_OK(churn_solver_beta(sv, beta));
    ASSERT_OK(churn_suffstats_accumulate(st, X, CHURN_F64, n, d, d, y, NULL, beta,
                                         churn_solver_wants_hessian(sv), 0));
    ASSERT_OK(churn_solver_step(sv, st, &done));
  }
  churn_model *ref = NULL;
  ASSERT_OK(churn_solver_finish(sv, &ref));
  double a[8], b[8], ca[25], cb[25];
  ASSERT_OK(churn_model_coef(m, a + 1, a));
  ASSERT_OK(churn_model_coef(ref, b + 1, b));
  check_vec("coef", a, b, d + 1, 1e-8, 1e-12);
  ASSERT_OK(churn_model_covariance(m, ca));
  ASSERT_OK(churn_model_covariance(ref, cb));
  check_vec("cov", ca, cb, (d + 1) * (d + 1), 1e-6, 1e-14);
  cr_assert(rel_close(stat(m, CHURN_STAT_LOGLIK), stat(ref, CHURN_STAT_LOGLIK), 1e-12, 0));
  churn_model_free(m);
  churn_model_free(ref);
  churn_suffstats_free(st);
  churn_solver_free(sv);
  churn_options_free(o);
  free(X);
  free(y);
}

/* With many rows the fit takes its moments from a subsample; bad values elsewhere are still
 * found (by the first full pass) with their row and column. */
Test(fit, many_rows_bad_values_are_found, .timeout = 120) {
  const int64_t n = 200000;
  double *X = malloc(sizeof(double) * (size_t)n * 2), *y = malloc(sizeof(double) * (size_t)n);
  for (int64_t i = 0; i < n; i++) {
    X[2 * i] = sin((double)i * 0.001);
    X[2 * i + 1] = (double)(i % 11);
    y[i] = (i * 7919 % 13) < 5;
  }
  churn_model *m = NULL;
  X[2 * 150001 + 1] = NAN;  /* outside the subsample's blocks */
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, n, 2, 2, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "row 150001, column 1");
  X[2 * 150001 + 1] = 1;
  X[2 * 5] = INFINITY;      /* inside the first block of the subsample */
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, n, 2, 2, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "row 5, column 0");
  X[2 * 5] = 0;
  /* float32 input on this path: the same estimate as float64 holding the same values. */
  float *Xf = malloc(sizeof(float) * (size_t)n * 2);
  for (int64_t i = 0; i < 2 * n; i++) Xf[i] = (float)X[i], X[i] = (double)Xf[i];
  churn_model *m32 = NULL, *m64 = NULL;
  ASSERT_OK(churn_model_fit(Xf, CHURN_F32, n, 2, 2, y, NULL, NULL, NULL, &m32));
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, 2, 2, y, NULL, NULL, NULL, &m64));
  double a[3], b[3];
  ASSERT_OK(churn_model_coef(m32, a + 1, a));
  ASSERT_OK(churn_model_coef(m64, b + 1, b));
  check_vec("f32 vs f64", a, b, 3, 1e-12, 1e-15);
  churn_model_free(m32);
  churn_model_free(m64);
  free(Xf);
  y[123457] = -1;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, n, 2, 2, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "y at row 123457");
  y[123457] = 0;
  /* Weights on this path are checked by the label count over all rows. */
  double *w = malloc(sizeof(double) * (size_t)n);
  for (int64_t i = 0; i < n; i++) w[i] = 1.0 + (double)(i % 3);
  w[190001] = -0.5;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, n, 2, 2, y, w, NULL, NULL, &m), CHURN_E_DATA,
               "sample_weight at row 190001 is -0.5");
  w[190001] = INFINITY;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, n, 2, 2, y, w, NULL, NULL, &m), CHURN_E_DATA,
               "sample_weight at row 190001");
  free(w);
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, 2, 2, y, NULL, NULL, NULL, &m));
  churn_model_free(m);
  free(X);
  free(y);
}

/* Pass 0 checks its sums once per block of rows and then searches the block: the first
 * offending row is still the one named, whatever its kind, and a zero weight does not hide a
 * non-finite value. */
Test(fit, first_offending_row_is_named_within_a_block) {
  double X[2 * 10], y[10], w[10];
  for (int i = 0; i < 10; i++) X[2 * i] = i, X[2 * i + 1] = i % 3, y[i] = i % 2, w[i] = 1;
  churn_model *m = NULL;
  X[2 * 7 + 1] = NAN;
  y[8] = 2;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 2, 2, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "row 7, column 1");
  y[3] = 2;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 2, 2, y, NULL, NULL, NULL, &m), CHURN_E_DATA,
               "y at row 3 is 2");
  y[3] = 1, y[8] = 0, X[2 * 7 + 1] = 1;
  w[2] = 0;
  X[2 * 2] = INFINITY;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 2, 2, y, w, NULL, NULL, &m), CHURN_E_DATA,
               "row 2, column 0");
  w[1] = NAN;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 10, 2, 2, y, w, NULL, NULL, &m), CHURN_E_DATA,
               "sample_weight at row 1");
  cr_assert_null(m);
}

Test(fit, allocation_failures_are_clean) {
  double x[80], y[80];
  int64_t n;
  table_rows(x, y, &n);
  churn_testing_fail_alloc(0);
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, NULL, NULL, NULL, &m));
  churn_model_free(m);
  uint64_t count = churn_testing_fail_alloc(0);
  cr_assert(count > 0);
  for (uint64_t k = 1; k <= count; k++) {
    m = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_model_fit(x, CHURN_F64, n, 1, 1, y, NULL, NULL, NULL, &m);
    churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_E_NOMEM || st == CHURN_OK, "allocation %llu: %s", (unsigned long long)k,
              churn_status_name(st));
    if (st == CHURN_E_NOMEM) cr_assert_null(m);
    churn_model_free(m);
  }
}
