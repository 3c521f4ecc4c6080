/*
 * test_cluster.c -- churn_model_fit_clustered (lib/cluster.c): the cluster-robust covariance.
 * Oracles: exact identities against the HC0 fit (each row its own cluster; duplicated rows
 * paired in clusters; weights against duplicated rows in the same cluster), a 2x2 table whose
 * MLE, Hessian and cluster score sums are computed here in closed form, and statsmodels on
 * Telco through the HC0 fixture.  Bad input is checked for status and message.
 */
#include "helpers.h"
#include "telco_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures/telco_cluster.h"

/* LeakSanitizer's check, present only in the sanitizer build (a leak alone does not fail a
 * Criterion test). */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static void assert_no_leaks(void) {
  if (__lsan_do_recoverable_leak_check) {
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaked (see the LSan report)");
  }
}

static churn_options *cluster_opts(double tol) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_CLUSTER));
  if (tol > 0) ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, tol));
  return o;
}

static double stat(const churn_model *m, churn_stat s) {
  double v = NAN;
  ASSERT_OK(churn_model_stat(m, s, &v));
  return v;
}

static void check_cov(const char *what, const double *got, const double *want, int64_t k,
                      double factor, double rtol) {
  for (int64_t q = 0; q < k * k; q++) {
    /* relative to the diagonal scale of the entry (off-diagonals can be near 0) */
    int64_t a = q / k, b = q % k;
    double sc = sqrt(fabs(want[a * k + a] * want[b * k + b])) * factor;
    cr_assert(fabs(got[q] - factor * want[q]) <= rtol * sc, "%s cov[%lld][%lld] = %.17g, want "
              "%.17g", what, (long long)a, (long long)b, got[q], factor * want[q]);
  }
}

static void check_coef(const churn_model *a, const churn_model *b, int64_t d, double rtol) {
  double ca[64], cb[64], ia, ib;
  ASSERT_OK(churn_model_coef(a, ca, &ia));
  ASSERT_OK(churn_model_coef(b, cb, &ib));
  cr_assert(rel_close(ia, ib, rtol, 1e-12), "intercept %.17g vs %.17g", ia, ib);
  for (int64_t j = 0; j < d; j++) {
    cr_assert(rel_close(ca[j], cb[j], rtol, 1e-12), "coef %lld %.17g vs %.17g", (long long)j,
              ca[j], cb[j]);
  }
}

static churn_model *fit_hc0(const double *X, int64_t n, int64_t d, const double *y,
                            const double *w) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_HC0));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, n, d, d, y, w, NULL, o, &m));
  churn_options_free(o);
  return m;
}

/* statsmodels Logit(...).fit(cov_type="cluster", cov_kwds={"groups": g}) on Telco
 * (tests/fixtures/make_telco_cluster.py): standard errors to 1e-7 relative; coefficients against
 * the oracle's statsmodels MLE. */
static void telco_statsmodels(int which, int threads) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  const int64_t n = t.n, d = t.d, k = d + 1;
  int64_t *g = malloc((size_t)n * sizeof *g);
  for (int64_t i = 0; i < n; i++) g[i] = which == 0 ? (i * 7) % 97 : i / 3;
  const double *want = which == 0 ? TELCO_CLUSTER_MOD97_SE : TELCO_CLUSTER_TRIPLES_SE;
  churn_options *o = cluster_opts(1e-12);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_THREADS, threads));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, n, d, d, t.y, NULL, g, NULL, o, &m));
  double *cov = malloc((size_t)(k * k) * sizeof *cov), coef[64], b0, sm[64];
  ASSERT_OK(churn_model_covariance(m, cov));
  for (int64_t j = 0; j < k; j++) {
    cr_assert(rel_close(sqrt(cov[j * k + j]), want[j], 1e-7, 0), "se[%lld] %.17g, statsmodels "
              "%.17g", (long long)j, sqrt(cov[j * k + j]), want[j]);
  }
  ASSERT_OK(churn_model_coef(m, coef, &b0));
  cr_assert_eq(telco_array(&t, "mle", "coef", sm, 64), k);
  cr_assert(rel_close(b0, sm[0], 1e-6, 1e-9));
  for (int64_t j = 0; j < d; j++) cr_assert(rel_close(coef[j], sm[j + 1], 1e-6, 1e-9));
  cr_assert_eq(stat(m, CHURN_STAT_N_CLUSTERS), which == 0 ? 97.0 : (double)((n + 2) / 3));
  (void)telco_number;
  free(cov);
  free(g);
  churn_model_free(m);
  churn_options_free(o);
  telco_free(&t);
}

Test(cluster, telco_97_spread_clusters_match_statsmodels) { telco_statsmodels(0, 1); }
Test(cluster, telco_households_of_three_match_statsmodels) { telco_statsmodels(1, 2); }

/* Each row its own cluster: S_g = s_i, so the covariance is G/(G-1) (n-1)/(n-k) = n/(n-k) times
 * HC0.  Labels are scattered, negative and huge to exercise the hashing. */
Test(cluster, singletons_are_hc0_times_the_factor) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  const int64_t n = t.n, k = t.d + 1;
  int64_t *g = malloc((size_t)n * sizeof *g);
  for (int64_t i = 0; i < n; i++) g[i] = (i * 7919) % n * 1000003LL - 4000000000000LL;
  churn_model *h = fit_hc0(t.X, n, t.d, t.y, NULL), *m = NULL;
  churn_options *o = cluster_opts(1e-12);
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, n, t.d, t.d, t.y, NULL, g, NULL, o, &m));
  check_coef(m, h, t.d, 1e-13);
  double *cm = malloc((size_t)(k * k) * sizeof *cm), *ch = malloc((size_t)(k * k) * sizeof *ch);
  ASSERT_OK(churn_model_covariance(m, cm));
  ASSERT_OK(churn_model_covariance(h, ch));
  check_cov("singletons", cm, ch, k, (double)n / (double)(n - k), 1e-9);
  cr_assert_eq(stat(m, CHURN_STAT_N_CLUSTERS), (double)n);
  cr_assert_eq(stat(h, CHURN_STAT_N_CLUSTERS), 0.0);
  free(cm);
  free(ch);
  free(g);
  churn_model_free(m);
  churn_model_free(h);
  churn_options_free(o);
  telco_free(&t);
}

/* Every row twice (row i and row n0 + i), the two copies one cluster: the estimate is the
 * base one, H doubles and S_g = 2 s_i, so H^-1 M H^-1 is the base HC0 and the covariance is
 * n0/(n0-1) * (2 n0 - 1)/(2 n0 - k) times it.  Two threads (n >= 8192 splits the pass). */
static void duplicated_pairs(int threads) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  const int64_t n0 = t.n, d = t.d, k = d + 1, n = 2 * n0;
  double *X = malloc((size_t)(n * d) * sizeof *X), *y = malloc((size_t)n * sizeof *y);
  int64_t *g = malloc((size_t)n * sizeof *g);
  memcpy(X, t.X, (size_t)(n0 * d) * sizeof *X);
  memcpy(X + n0 * d, t.X, (size_t)(n0 * d) * sizeof *X);
  memcpy(y, t.y, (size_t)n0 * sizeof *y);
  memcpy(y + n0, t.y, (size_t)n0 * sizeof *y);
  for (int64_t i = 0; i < n0; i++) g[i] = g[n0 + i] = n0 - i;
  churn_model *h = fit_hc0(t.X, n0, d, t.y, NULL), *m = NULL;
  churn_options *o = cluster_opts(1e-12);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_THREADS, threads));
  ASSERT_OK(churn_model_fit_clustered(X, CHURN_F64, n, d, d, y, NULL, g, NULL, o, &m));
  check_coef(m, h, d, 1e-10);
  double *cm = malloc((size_t)(k * k) * sizeof *cm), *ch = malloc((size_t)(k * k) * sizeof *ch);
  ASSERT_OK(churn_model_covariance(m, cm));
  ASSERT_OK(churn_model_covariance(h, ch));
  double f = (double)n0 / (double)(n0 - 1) * (double)(n - 1) / (double)(n - k);
  check_cov("pairs", cm, ch, k, f, 1e-8);
  cr_assert_eq(stat(m, CHURN_STAT_N_CLUSTERS), (double)n0);
  free(cm);
  free(ch);
  free(X);
  free(y);
  free(g);
  churn_model_free(m);
  churn_model_free(h);
  churn_options_free(o);
  telco_free(&t);
}

Test(cluster, duplicated_rows_paired_give_the_base_hc0) { duplicated_pairs(1); }
Test(cluster, duplicated_rows_paired_two_threads) { duplicated_pairs(2); }

/* A 2x2 table (x = 0/1) whose rows are dealt to 5 clusters.  The MLE fits each cell's rate
 * exactly (p_x = positives / rows of the cell), so H, the cluster score sums and the sandwich are
 * computed here in closed form, independently of the library. */
Test(cluster, two_by_two_table_closed_form) {
  static const int cnt[4] = {30, 10, 15, 25};  /* (x,y) = (0,0), (0,1), (1,0), (1,1) */
  double x[80], y[80];
  int64_t g[80], n = 0;
  for (int c = 0; c < 4; c++) {
    for (int i = 0; i < cnt[c]; i++, n++) {
      x[n] = c / 2;
      y[n] = c % 2;
      g[n] = (n * 3 + c) % 5 + 100;
    }
  }
  const double p[2] = {10.0 / 40.0, 25.0 / 40.0};
  double H[3] = {0, 0, 0}, S[5][2] = {{0}};  /* H = [h00 h01; h01 h11] */
  for (int64_t i = 0; i < n; i++) {
    int xi = (int)x[i];
    double v = p[xi] * (1 - p[xi]), r = y[i] - p[xi];
    H[0] += v, H[1] += v * xi, H[2] += v * xi * xi;
    S[g[i] - 100][0] += r;
    S[g[i] - 100][1] += r * xi;
  }
  double M[3] = {0, 0, 0};
  for (int c = 0; c < 5; c++) {
    M[0] += S[c][0] * S[c][0], M[1] += S[c][0] * S[c][1], M[2] += S[c][1] * S[c][1];
  }
  double det = H[0] * H[2] - H[1] * H[1];
  double Hi[2][2] = {{H[2] / det, -H[1] / det}, {-H[1] / det, H[0] / det}};
  double Mm[2][2] = {{M[0], M[1]}, {M[1], M[2]}}, want[4];
  double f = 5.0 / 4.0 * (79.0 / 78.0);
  for (int a = 0; a < 2; a++) {
    for (int b = 0; b < 2; b++) {
      double acc = 0;
      for (int u = 0; u < 2; u++)
        for (int w = 0; w < 2; w++) acc += Hi[a][u] * Mm[u][w] * Hi[w][b];
      want[a * 2 + b] = f * acc;
    }
  }
  churn_options *o = cluster_opts(1e-13);
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit_clustered(x, CHURN_F64, n, 1, 1, y, NULL, g, NULL, o, &m));
  double coef, b0, cov[4];
  ASSERT_OK(churn_model_coef(m, &coef, &b0));
  cr_assert(rel_close(b0, log(10.0 / 30.0), 1e-12, 1e-14));
  cr_assert(rel_close(coef, log(25.0 * 30.0 / (15.0 * 10.0)), 1e-12, 1e-14));
  ASSERT_OK(churn_model_covariance(m, cov));
  check_cov("table", cov, want, 2, 1.0, 1e-10);
  cr_assert_eq(stat(m, CHURN_STAT_N_CLUSTERS), 5.0);
  churn_model_free(m);
  churn_options_free(o);
}

/* A row of weight 2 scores exactly as two copies of it in the same cluster; only n differs, so
 * the two covariances differ by the ratio of their (n-1)/(n-k) factors.  Also: rows of one
 * cluster need not be adjacent, and labels may be any int64. */
Test(cluster, weights_equal_duplicates_within_a_cluster) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  const int64_t n0 = 3000, d = t.d, k = d + 1;
  double *w = malloc((size_t)n0 * sizeof *w);
  int64_t *g0 = malloc((size_t)n0 * sizeof *g0), n1 = 0;
  for (int64_t i = 0; i < n0; i++) {
    w[i] = i % 3 == 0 ? 2.0 : 1.0;
    g0[i] = INT64_MIN + (i * 37) % 700;  /* 700 clusters, rows spread over the data */
    n1 += (int64_t)w[i];
  }
  double *X1 = malloc((size_t)(n1 * d) * sizeof *X1), *y1 = malloc((size_t)n1 * sizeof *y1);
  int64_t *g1 = malloc((size_t)n1 * sizeof *g1), r = 0;
  for (int64_t i = 0; i < n0; i++) {
    for (int c = 0; c < (int)w[i]; c++, r++) {
      memcpy(X1 + r * d, t.X + i * d, (size_t)d * sizeof *X1);
      y1[r] = t.y[i];
      g1[r] = g0[i];
    }
  }
  churn_options *o = cluster_opts(1e-12);
  churn_model *a = NULL, *b = NULL;
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, n0, d, d, t.y, w, g0, NULL, o, &a));
  ASSERT_OK(churn_model_fit_clustered(X1, CHURN_F64, n1, d, d, y1, NULL, g1, NULL, o, &b));
  check_coef(a, b, d, 1e-9);
  double *ca = malloc((size_t)(k * k) * sizeof *ca), *cb = malloc((size_t)(k * k) * sizeof *cb);
  ASSERT_OK(churn_model_covariance(a, ca));
  ASSERT_OK(churn_model_covariance(b, cb));
  double f = ((double)(n0 - 1) / (double)(n0 - k)) / ((double)(n1 - 1) / (double)(n1 - k));
  check_cov("weights", ca, cb, k, f, 1e-8);
  cr_assert_eq(stat(a, CHURN_STAT_N_CLUSTERS), 700.0);
  free(ca);
  free(cb);
  free(w);
  free(g0);
  free(X1);
  free(y1);
  free(g1);
  churn_model_free(a);
  churn_model_free(b);
  churn_options_free(o);
  telco_free(&t);
}

/* Small non-negative labels index a table directly, others are hashed: the same partition
 * through either path gives the same covariance, bit for bit (ids in order of first appearance
 * either way). */
Test(cluster, direct_and_hashed_labels_agree) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  const int64_t n = t.n, d = t.d, k = d + 1;
  int64_t *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
  for (int64_t i = 0; i < n; i++) {
    a[i] = (i * 31) % 1500;                      /* direct */
    b[i] = -((i * 31) % 1500) * 1000003 - 17;    /* hashed */
  }
  churn_options *o = cluster_opts(0);
  churn_model *ma = NULL, *mb = NULL;
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, n, d, d, t.y, NULL, a, NULL, o, &ma));
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, n, d, d, t.y, NULL, b, NULL, o, &mb));
  double *ca = malloc((size_t)(k * k) * sizeof *ca), *cb = malloc((size_t)(k * k) * sizeof *cb);
  ASSERT_OK(churn_model_covariance(ma, ca));
  ASSERT_OK(churn_model_covariance(mb, cb));
  cr_assert_eq(memcmp(ca, cb, (size_t)(k * k) * sizeof *ca), 0);
  cr_assert_eq(stat(ma, CHURN_STAT_N_CLUSTERS), 1500.0);
  free(ca);
  free(cb);
  free(a);
  free(b);
  churn_model_free(ma);
  churn_model_free(mb);
  churn_options_free(o);
  telco_free(&t);
}

/* float32 X is read as such (the values converted to double): equal to the float64 fit of the
 * same values. */
Test(cluster, float32_equals_float64_of_the_same_values) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  const int64_t n = t.n, d = t.d, k = d + 1;
  float *xf = malloc((size_t)(n * d) * sizeof *xf);
  for (int64_t q = 0; q < n * d; q++) {
    xf[q] = (float)t.X[q];
    t.X[q] = (double)xf[q];
  }
  int64_t *g = malloc((size_t)n * sizeof *g);
  for (int64_t i = 0; i < n; i++) g[i] = i / 3;
  churn_options *o = cluster_opts(1e-12);
  churn_model *a = NULL, *b = NULL;
  ASSERT_OK(churn_model_fit_clustered(xf, CHURN_F32, n, d, d, t.y, NULL, g, NULL, o, &a));
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, n, d, d, t.y, NULL, g, NULL, o, &b));
  double *ca = malloc((size_t)(k * k) * sizeof *ca), *cb = malloc((size_t)(k * k) * sizeof *cb);
  ASSERT_OK(churn_model_covariance(a, ca));
  ASSERT_OK(churn_model_covariance(b, cb));
  check_cov("f32", ca, cb, k, 1.0, 1e-10);
  free(ca);
  free(cb);
  free(xf);
  free(g);
  churn_model_free(a);
  churn_model_free(b);
  churn_options_free(o);
  telco_free(&t);
}

/* The model file keeps cov_type and n_clusters: a saved and reloaded model has the same
 * covariance, summary and N_CLUSTERS. */
Test(cluster, save_load_round_trip) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  const int64_t n = t.n, d = t.d, k = d + 1;
  int64_t *g = malloc((size_t)n * sizeof *g);
  for (int64_t i = 0; i < n; i++) g[i] = (i * 13) % 20;
  churn_options *o = cluster_opts(0);
  churn_model *m = NULL, *l = NULL;
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, n, d, d, t.y, NULL, g, NULL, o, &m));
  size_t need = 0;
  cr_assert_eq(churn_model_save_buffer(m, NULL, 0, &need), CHURN_E_BUFFER);
  char *buf = malloc(need);
  ASSERT_OK(churn_model_save_buffer(m, buf, need, &need));
  ASSERT_OK(churn_model_load_buffer(buf, need, &l));
  char path[512];
  snprintf(path, sizeof path, "%s/clustered.churnmodel", test_tmpdir());
  ASSERT_OK(churn_model_save(m, path));
  churn_model *f = NULL;
  ASSERT_OK(churn_model_load(path, &f));
  double *a = malloc((size_t)(k * k) * sizeof *a), *b = malloc((size_t)(k * k) * sizeof *b);
  ASSERT_OK(churn_model_covariance(m, a));
  const churn_model *loaded[2] = {l, f};
  for (int v = 0; v < 2; v++) {
    ASSERT_OK(churn_model_covariance(loaded[v], b));
    cr_assert_eq(memcmp(a, b, (size_t)(k * k) * sizeof *a), 0, "covariance changed");
    cr_assert_eq(stat(loaded[v], CHURN_STAT_N_CLUSTERS), 20.0);
  }
  cr_assert_eq(stat(m, CHURN_STAT_N_CLUSTERS), 20.0);
  free(a);
  free(b);
  free(buf);
  free(g);
  churn_model_free(m);
  churn_model_free(l);
  churn_model_free(f);
  churn_options_free(o);
  telco_free(&t);
}

/* Penalised fits and INFERENCE=0 have no covariance: the groups are checked, the model has no
 * covariance and N_CLUSTERS is 0. */
Test(cluster, no_covariance_without_inference) {
  telco t;
  cr_assert_eq(telco_load(&t), 0);
  int64_t *g = malloc((size_t)t.n * sizeof *g);
  for (int64_t i = 0; i < t.n; i++) g[i] = i % 50;
  churn_options *o = cluster_opts(0);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, t.n, t.d, t.d, t.y, NULL, g, NULL, o, &m));
  {
    double c[64 * 64];
    ASSERT_FAILS(churn_model_covariance(m, c), CHURN_E_STATE, "no covariance");
  }
  cr_assert_eq(stat(m, CHURN_STAT_N_CLUSTERS), 0.0);
  churn_model_free(m);
  m = NULL;
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_NONE));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INFERENCE, 0));
  ASSERT_OK(churn_model_fit_clustered(t.X, CHURN_F64, t.n, t.d, t.d, t.y, NULL, g, NULL, o, &m));
  {
    double c[64 * 64];
    ASSERT_FAILS(churn_model_covariance(m, c), CHURN_E_STATE, "no covariance");
  }
  cr_assert_eq(stat(m, CHURN_STAT_N_CLUSTERS), 0.0);
  churn_model_free(m);
  free(g);
  churn_options_free(o);
  telco_free(&t);  assert_no_leaks();
}

static churn_status no_rows(void *ctx, int64_t pass, int64_t capacity, double *X, double *y,
                            double *w, int64_t *nrows) {
  (void)ctx, (void)pass, (void)capacity, (void)X, (void)y, (void)w;
  *nrows = 0;
  return CHURN_OK;
}

Test(cluster, bad_input) {
  double x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, y[8] = {0, 1, 0, 1, 1, 0, 1, 0};
  int64_t g[8] = {1, 1, 2, 2, 3, 3, 4, 4}, one[8] = {7, 7, 7, 7, 7, 7, 7, 7};
  churn_options *o = cluster_opts(0);
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, y, NULL, NULL, NULL, o, &m),
               CHURN_E_ARG, "groups is NULL");
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, y, NULL, one, NULL, o, &m),
               CHURN_E_DATA, "single cluster");
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 2, 1, 1, y, NULL, g, NULL, o, &m),
               CHURN_E_DATA, "more rows than coefficients");
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, y, NULL, g, NULL, o, NULL),
               CHURN_E_ARG, "out is NULL");
  ASSERT_FAILS(churn_model_fit_clustered(NULL, CHURN_F64, 8, 1, 1, y, NULL, g, NULL, o, &m),
               CHURN_E_ARG, "X is NULL");
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, NULL, NULL, g, NULL, o, &m),
               CHURN_E_ARG, "y is NULL");
  /* data errors of the fit itself still come through */
  double ybad[8] = {0, 1, 0, 2, 1, 0, 1, 0};
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, ybad, NULL, g, NULL, o, &m),
               CHURN_E_DATA, "row 3");
  /* groups with another cov_type, and cluster without groups */
  churn_options *p = NULL;
  ASSERT_OK(churn_options_new(&p));
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, y, NULL, g, NULL, p, &m),
               CHURN_E_ARG, "groups only serve the cluster covariance");
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, y, NULL, g, NULL, NULL, &m),
               CHURN_E_ARG, "is NONROBUST, not CLUSTER");
  ASSERT_OK(churn_options_set_int(p, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_HC1));
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, y, NULL, g, NULL, p, &m),
               CHURN_E_ARG, "is HC1, not CLUSTER");
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_FIRTH));
  ASSERT_FAILS(churn_model_fit_clustered(x, CHURN_F64, 8, 1, 1, y, NULL, g, NULL, o, &m),
               CHURN_E_ARG, "FIRTH");
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_NONE));
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 8, 1, 1, y, NULL, NULL, o, &m), CHURN_E_ARG,
               "cluster covariance needs groups: call churn_model_fit_clustered");
  churn_solver *s = NULL;
  ASSERT_FAILS(churn_solver_new(1, NULL, o, &s), CHURN_E_ARG,
               "cluster covariance needs groups");
  ASSERT_FAILS(churn_model_fit_stream(1, NULL, no_rows, NULL, 0, o, &m), CHURN_E_ARG,
               "cluster covariance needs groups");
  ASSERT_FAILS(churn_model_fit_csv(shared_data_path("telco/telco_design.csv"), "churn", NULL, o,
                                   &m),
               CHURN_E_ARG, "cluster covariance needs groups");
  cr_assert_null(m);
  cr_assert_null(s);
  churn_options_free(p);
  churn_options_free(o);  assert_no_leaks();
}

/* Every allocation of the clustered fit may fail: NOMEM (never a crash), and success once the
 * failure point lies beyond the last allocation. */
Test(cluster, allocation_failures) {
  double x[40], y[40];
  int64_t g[40];
  for (int i = 0; i < 40; i++) {
    x[i] = (i * 7) % 11;
    y[i] = (i * 5) % 3 == 0;
    g[i] = i / 4;
  }
  churn_options *o = cluster_opts(0);
  for (uint64_t kth = 1;; kth++) {
    churn_model *m = NULL;
    churn_testing_fail_alloc(kth);
    churn_status st = churn_model_fit_clustered(x, CHURN_F64, 40, 1, 1, y, NULL, g, NULL, o, &m);
    churn_testing_fail_alloc(0);
    if (st == CHURN_OK) {
      cr_assert_not_null(m);
      churn_model_free(m);
      cr_assert_gt(kth, 3);
      break;
    }
    cr_assert_eq(st, CHURN_E_NOMEM, "allocation %llu: %s", (unsigned long long)kth,
                 churn_last_error());
    cr_assert_null(m);
    cr_assert_lt(kth, 1000);
  }
  churn_options_free(o);  assert_no_leaks();
}
