/*
 * test_suffstats.c -- lib/suffstats.c: the sufficient statistics of a pass against the formulas
 * (log-likelihood, gradient, Hessian) evaluated here row by row; chunking + merging equals one
 * pass; standardisation; the score outer products of want_hessian = 2 against their definition
 * and through merges; every error path.
 */
#include "helpers.h"

#include <math.h>
#include <string.h>

enum { N = 37, D = 2, K = 3 };

static void data(double *X, double *y, double *w) {
  for (int i = 0; i < N; i++) {
    X[i * D] = sin(i * 0.7) * 2 + 1;
    X[i * D + 1] = (i % 5) * 0.5;
    y[i] = (i * 7 % 3) == 0;
    w[i] = 0.5 + (i % 4);
  }
}

/* The statistics by definition, z = (1, (x - c)/s). */
static void reference(const double *X, const double *y, const double *w, const double *c,
                      const double *s, const double *beta, double cw0, double cw1, double *H,
                      double *g, double *ll) {
  memset(H, 0, sizeof(double) * K * K);
  memset(g, 0, sizeof(double) * K);
  *ll = 0;
  for (int i = 0; i < N; i++) {
    double z[K] = {1, (X[i * D] - c[0]) / s[0], (X[i * D + 1] - c[1]) / s[1]};
    double eta = 0;
    for (int j = 0; j < K; j++) eta += z[j] * beta[j];
    double p = 1 / (1 + exp(-eta)), v = w[i] * (y[i] ? cw1 : cw0);
    *ll += v * (y[i] * log(p) + (1 - y[i]) * log(1 - p));
    for (int a = 0; a < K; a++) {
      g[a] += v * (y[i] - p) * z[a];
      for (int b = 0; b < K; b++) H[a * K + b] += v * p * (1 - p) * z[a] * z[b];
    }
  }
}

Test(suffstats, match_the_definitions) {
  double X[N * D], y[N], w[N], c[D] = {0.5, 1.0}, s[D] = {2.0, 0.7}, beta[K] = {-0.3, 0.8, -1.1};
  data(X, y, w);
  churn_suffstats *st = NULL;
  ASSERT_OK(churn_suffstats_new(D, 1, c, s, 0.7, 1.9, &st));
  ASSERT_OK(churn_suffstats_accumulate(st, X, CHURN_F64, N, D, D, y, w, beta, 1, 0));
  double H[K * K], g[K], ll, Hr[K * K], gr[K], llr, sw, swp;
  int64_t n, pos;
  ASSERT_OK(churn_suffstats_hessian(st, H));
  ASSERT_OK(churn_suffstats_gradient(st, g));
  ASSERT_OK(churn_suffstats_counts(st, &n, &sw, &pos, &swp, &ll));
  reference(X, y, w, c, s, beta, 0.7, 1.9, Hr, gr, &llr);
  for (int q = 0; q < K * K; q++) cr_assert(rel_close(H[q], Hr[q], 1e-13, 1e-15), "H[%d]", q);
  for (int q = 0; q < K; q++) cr_assert(rel_close(g[q], gr[q], 1e-12, 1e-14), "g[%d]", q);
  cr_assert(rel_close(ll, llr, 1e-13, 0), "ll %.17g vs %.17g", ll, llr);
  double swr = 0, swpr = 0;
  int64_t posr = 0;
  for (int i = 0; i < N; i++) {
    double v = w[i] * (y[i] ? 1.9 : 0.7);
    swr += v;
    if (y[i]) swpr += v, posr++;
  }
  cr_assert_eq(n, N);
  cr_assert_eq(pos, posr);
  cr_assert(rel_close(sw, swr, 1e-14, 0));
  cr_assert(rel_close(swp, swpr, 1e-14, 0));
  cr_assert_eq(churn_suffstats_dim(st), K);
  cr_assert(churn_suffstats_has_hessian(st));
  churn_suffstats_free(st);
}

Test(suffstats, chunks_merge_to_one_pass) {
  double X[N * D], y[N], w[N], beta[K] = {0.2, -0.4, 0.9};
  data(X, y, w);
  churn_suffstats *all = NULL, *a = NULL, *b = NULL;
  ASSERT_OK(churn_suffstats_new(D, 1, NULL, NULL, 1, 1, &all));
  ASSERT_OK(churn_suffstats_new(D, 1, NULL, NULL, 1, 1, &a));
  ASSERT_OK(churn_suffstats_new(D, 1, NULL, NULL, 1, 1, &b));
  ASSERT_OK(churn_suffstats_accumulate(all, X, CHURN_F64, N, D, D, y, w, beta, 1, 0));
  ASSERT_OK(churn_suffstats_accumulate(a, X, CHURN_F64, 10, D, D, y, w, beta, 1, 0));
  ASSERT_OK(churn_suffstats_accumulate(a, X + 10 * D, CHURN_F64, 5, D, D, y + 10, w + 10, beta, 1, 10));
  ASSERT_OK(churn_suffstats_accumulate(b, X + 15 * D, CHURN_F64, N - 15, D, D, y + 15, w + 15, beta, 1, 15));
  ASSERT_OK(churn_suffstats_merge(a, b));
  double H1[K * K], H2[K * K], g1[K], g2[K], l1, l2;
  ASSERT_OK(churn_suffstats_hessian(all, H1));
  ASSERT_OK(churn_suffstats_hessian(a, H2));
  ASSERT_OK(churn_suffstats_gradient(all, g1));
  ASSERT_OK(churn_suffstats_gradient(a, g2));
  ASSERT_OK(churn_suffstats_counts(all, NULL, NULL, NULL, NULL, &l1));
  ASSERT_OK(churn_suffstats_counts(a, NULL, NULL, NULL, NULL, &l2));
  for (int q = 0; q < K * K; q++) cr_assert(rel_close(H1[q], H2[q], 1e-13, 1e-15));
  for (int q = 0; q < K; q++) cr_assert(rel_close(g1[q], g2[q], 1e-13, 1e-15));
  cr_assert(rel_close(l1, l2, 1e-14, 0));
  /* Merging empty statistics changes nothing; reset empties. */
  churn_suffstats_reset(b);
  ASSERT_OK(churn_suffstats_merge(a, b));
  int64_t n;
  ASSERT_OK(churn_suffstats_counts(a, &n, NULL, NULL, NULL, NULL));
  cr_assert_eq(n, N);
  /* float32 input with the same (exactly representable) values. */
  float Xf[N * D];
  double Xr[N * D];
  for (int q = 0; q < N * D; q++) Xf[q] = (float)X[q], Xr[q] = (double)Xf[q];
  churn_suffstats_reset(a);
  churn_suffstats_reset(all);
  ASSERT_OK(churn_suffstats_accumulate(a, Xf, CHURN_F32, N, D, D, y, w, beta, 0, 0));
  ASSERT_OK(churn_suffstats_accumulate(all, Xr, CHURN_F64, N, D, D, y, w, beta, 0, 0));
  ASSERT_OK(churn_suffstats_gradient(all, g1));
  ASSERT_OK(churn_suffstats_gradient(a, g2));
  for (int q = 0; q < K; q++) cr_assert_eq(g1[q], g2[q]);
  ASSERT_FAILS(churn_suffstats_hessian(a, H1), CHURN_E_STATE, "without the Hessian");
  churn_suffstats_free(all);
  churn_suffstats_free(a);
  churn_suffstats_free(b);
}

/* want_hessian = 2: M = sum_i (v_i (y_i - p_i))^2 z_i z_i' (upper triangle), merged by addition;
 * statistics with and without M do not merge. */
Test(suffstats, score_outer_products_match_the_definition_and_merge) {
  double X[N * D], y[N], w[N], c[D] = {0.5, 1.0}, s[D] = {2.0, 0.7}, beta[K] = {-0.3, 0.8, -1.1};
  data(X, y, w);
  double Mr[K * K] = {0};
  for (int i = 0; i < N; i++) {
    double z[K] = {1, (X[i * D] - c[0]) / s[0], (X[i * D + 1] - c[1]) / s[1]};
    double eta = 0;
    for (int j = 0; j < K; j++) eta += z[j] * beta[j];
    double p = 1 / (1 + exp(-eta)), r = w[i] * (y[i] ? 1.9 : 0.7) * (y[i] - p);
    for (int a = 0; a < K; a++) {
      for (int b = 0; b < K; b++) Mr[a * K + b] += r * r * z[a] * z[b];
    }
  }
  churn_suffstats *all = NULL, *a = NULL, *b = NULL, *plain = NULL;
  ASSERT_OK(churn_suffstats_new(D, 1, c, s, 0.7, 1.9, &all));
  ASSERT_OK(churn_suffstats_new(D, 1, c, s, 0.7, 1.9, &a));
  ASSERT_OK(churn_suffstats_new(D, 1, c, s, 0.7, 1.9, &b));
  ASSERT_OK(churn_suffstats_new(D, 1, c, s, 0.7, 1.9, &plain));
  ASSERT_OK(churn_suffstats_accumulate(all, X, CHURN_F64, N, D, D, y, w, beta, 2, 0));
  ASSERT_OK(churn_suffstats_accumulate(a, X, CHURN_F64, 20, D, D, y, w, beta, 2, 0));
  ASSERT_OK(churn_suffstats_accumulate(b, X + 20 * D, CHURN_F64, N - 20, D, D, y + 20, w + 20,
                                       beta, 2, 20));
  ASSERT_OK(churn_suffstats_accumulate(plain, X, CHURN_F64, N, D, D, y, w, beta, 1, 0));
  double M[K * K];
  ASSERT_OK(churn_suffstats_score_products(all, M));
  for (int q = 0; q < K * K; q++) cr_assert(rel_close(M[q], Mr[q], 1e-13, 1e-15), "M[%d]", q);
  cr_assert(churn_suffstats_has_hessian(all));
  ASSERT_OK(churn_suffstats_score_products(all, NULL));
  ASSERT_FAILS(churn_suffstats_score_products(plain, M), CHURN_E_STATE, "without score outer");
  ASSERT_FAILS(churn_suffstats_score_products(NULL, M), CHURN_E_ARG, "stats is NULL");
  /* the Hessian is the same whether or not M is accumulated */
  double H1[K * K], H2[K * K];
  ASSERT_OK(churn_suffstats_hessian(all, H1));
  ASSERT_OK(churn_suffstats_hessian(plain, H2));
  cr_assert(memcmp(H1, H2, sizeof H1) == 0);
  ASSERT_OK(churn_suffstats_merge(a, b));
  ASSERT_OK(churn_suffstats_score_products(a, M));
  for (int q = 0; q < K * K; q++) cr_assert(rel_close(M[q], Mr[q], 1e-13, 1e-15), "merged %d", q);
  /* merged into empty statistics, M is kept; reset drops it */
  churn_suffstats_reset(b);
  ASSERT_FAILS(churn_suffstats_score_products(b, NULL), CHURN_E_STATE, "without score outer");
  ASSERT_OK(churn_suffstats_merge(b, all));
  double Mb[K * K];
  ASSERT_OK(churn_suffstats_score_products(all, M));
  ASSERT_OK(churn_suffstats_score_products(b, Mb));
  cr_assert(memcmp(M, Mb, sizeof M) == 0);
  /* with and without M, either way round: refused, nothing changed */
  int64_t n0;
  ASSERT_OK(churn_suffstats_counts(a, &n0, NULL, NULL, NULL, NULL));
  ASSERT_FAILS(churn_suffstats_merge(a, plain), CHURN_E_ARG, "one side has score outer products");
  ASSERT_FAILS(churn_suffstats_merge(plain, a), CHURN_E_ARG, "want_hessian = 2");
  int64_t n1;
  ASSERT_OK(churn_suffstats_counts(a, &n1, NULL, NULL, NULL, NULL));
  cr_assert_eq(n0, n1);
  /* a chunk of a pass with M cannot continue without it */
  ASSERT_FAILS(churn_suffstats_accumulate(a, X, CHURN_F64, 3, D, D, y, w, beta, 1, 0),
               CHURN_E_ARG, "earlier chunks of this pass used 2");
  churn_suffstats_free(all);
  churn_suffstats_free(a);
  churn_suffstats_free(b);
  churn_suffstats_free(plain);
}

Test(suffstats, errors_name_the_row) {
  double X[N * D], y[N], w[N], beta[K] = {0, 0, 0};
  data(X, y, w);
  churn_suffstats *st = NULL, *o = NULL;
  ASSERT_OK(churn_suffstats_new(D, 1, NULL, NULL, 1, 1, &st));
  y[3] = 0.5;
  ASSERT_FAILS(churn_suffstats_accumulate(st, X, CHURN_F64, N, D, D, y, w, beta, 1, 1000),
               CHURN_E_DATA, "y at row 1003 is 0.5");
  y[3] = 1;
  w[5] = NAN;
  ASSERT_FAILS(churn_suffstats_accumulate(st, X, CHURN_F64, N, D, D, y, w, beta, 1, 0),
               CHURN_E_DATA, "sample_weight at row 5");
  w[5] = 1;
  X[9 * D + 1] = -INFINITY;
  ASSERT_FAILS(churn_suffstats_accumulate(st, X, CHURN_F64, N, D, D, y, w, beta, 1, 0),
               CHURN_E_DATA, "at row 9, column 1");
  X[9 * D + 1] = 0;
  ASSERT_OK(churn_suffstats_accumulate(st, X, CHURN_F64, 4, D, D, y, w, beta, 1, 0));
  ASSERT_FAILS(churn_suffstats_accumulate(st, X, CHURN_F64, 4, D, D, y, w, beta, 0, 4),
               CHURN_E_ARG, "earlier chunks of this pass used 1");
  ASSERT_FAILS(churn_suffstats_accumulate(st, X, CHURN_F64, 4, 3, 3, y, w, beta, 1, 4),
               CHURN_E_ARG, "X has 3 columns, the statistics 2");
  beta[1] = NAN;
  ASSERT_FAILS(churn_suffstats_accumulate(st, X, CHURN_F64, 4, D, D, y, w, beta, 1, 4),
               CHURN_E_ARG, "beta[1] is not finite");
  ASSERT_FAILS(churn_suffstats_new(D, 2, NULL, NULL, 1, 1, &o), CHURN_E_ARG, "fit_intercept");
  ASSERT_FAILS(churn_suffstats_new(0, 0, NULL, NULL, 1, 1, &o), CHURN_E_ARG, "no coefficients");
  ASSERT_FAILS(churn_suffstats_new(D, 1, NULL, NULL, 0, 1, &o), CHURN_E_ARG, "class weights");
  double bad_scale[D] = {1, 0};
  ASSERT_FAILS(churn_suffstats_new(D, 1, NULL, bad_scale, 1, 1, &o), CHURN_E_ARG, "scale[1]");
  ASSERT_OK(churn_suffstats_new(D, 0, NULL, NULL, 1, 1, &o));
  ASSERT_FAILS(churn_suffstats_merge(st, o), CHURN_E_ARG, "shapes differ");
  churn_suffstats_free(o);
  double c[D] = {1, 1};
  ASSERT_OK(churn_suffstats_new(D, 1, c, NULL, 1, 1, &o));
  ASSERT_FAILS(churn_suffstats_merge(st, o), CHURN_E_ARG, "standardisation of column 0");
  churn_suffstats_free(o);
  churn_suffstats_free(st);
  churn_suffstats_free(NULL);
}
