/*
 * test_threads.c -- thread safety of read-only objects: 8 threads score, explain and accumulate
 * sufficient statistics with ONE shared model at the same time, and every result is
 * bit-identical to a single-threaded run.  Run under ThreadSanitizer by README's test command.
 */
#include "helpers.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define N 4000
#define D 6
#define K 3
#define THREADS 8

typedef struct results {
  double proba[N];
  double score[N];
  int32_t idx[N * K];
  double contrib[N * K];
  double grad[D + 1];
  double hess[(D + 1) * (D + 1)];
  double loglik;
} results;

static double X[N * D], Y[N];
static churn_model *MODEL;

static void make_data(void) {
  uint64_t s = 12345;
  for (int i = 0; i < N; i++) {
    double eta = -0.5;
    for (int j = 0; j < D; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      double u = (double)(s >> 11) / 9007199254740992.0;
      X[i * D + j] = (u - 0.5) * (j + 1);
      eta += (j % 2 ? -0.4 : 0.3) * X[i * D + j];
    }
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = (double)(s >> 11) / 9007199254740992.0;
    Y[i] = u < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
  }
}

static void compute(results *r) {
  cr_assert_eq(churn_model_predict_proba(MODEL, X, CHURN_F64, N, D, D, r->proba), CHURN_OK);
  cr_assert_eq(churn_model_decision_function(MODEL, X, CHURN_F64, N, D, D, r->score), CHURN_OK);
  cr_assert_eq(churn_model_explain(MODEL, X, CHURN_F64, N, D, D, K, r->idx, r->contrib), CHURN_OK);
  double beta[D + 1], mean[D], scale[D];
  cr_assert_eq(churn_model_scaling(MODEL, mean, scale), CHURN_OK);
  for (int j = 0; j <= D; j++) beta[j] = 0.01 * j;
  churn_suffstats *st = NULL;
  cr_assert_eq(churn_suffstats_new(D, 1, mean, scale, 1.0, 1.0, &st), CHURN_OK);
  cr_assert_eq(churn_suffstats_accumulate(st, X, CHURN_F64, N, D, D, Y, NULL, beta, 1, 0),
               CHURN_OK);
  cr_assert_eq(churn_suffstats_gradient(st, r->grad), CHURN_OK);
  cr_assert_eq(churn_suffstats_hessian(st, r->hess), CHURN_OK);
  cr_assert_eq(churn_suffstats_counts(st, NULL, NULL, NULL, NULL, &r->loglik), CHURN_OK);
  churn_suffstats_free(st);
}

static void *worker(void *arg) {
  results *r = arg;
  for (int rep = 0; rep < 3; rep++) compute(r);
  return NULL;
}

Test(threads, shared_model_gives_bit_identical_results, .timeout = 120) {
  make_data();
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, D, D, Y, NULL, NULL, NULL, &MODEL));
  results *ref = calloc(1, sizeof *ref);
  compute(ref);
  results *res = calloc(THREADS, sizeof *res);
  pthread_t th[THREADS];
  for (int t = 0; t < THREADS; t++) cr_assert_eq(pthread_create(&th[t], NULL, worker, &res[t]), 0);
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  for (int t = 0; t < THREADS; t++) {
    cr_assert(memcmp(&res[t], ref, sizeof *ref) == 0, "thread %d differs from the serial run", t);
  }
  free(ref);
  free(res);
  churn_model_free(MODEL);
}

static void *fit_worker(void *arg) {
  churn_model **out = arg;
  churn_options *o = NULL;
  churn_options_new(&o);
  churn_options_set_int(o, CHURN_OPT_FIT_THREADS, 2);
  churn_model_fit(X, CHURN_F64, N, D, D, Y, NULL, NULL, o, out);
  churn_options_free(o);
  return NULL;
}

Test(threads, concurrent_fits_are_independent, .timeout = 120) {
  make_data();
  churn_model *m[4] = {0};
  pthread_t th[4];
  for (int t = 0; t < 4; t++) cr_assert_eq(pthread_create(&th[t], NULL, fit_worker, &m[t]), 0);
  for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
  double c0[D], c[D], b0, b;
  cr_assert_not_null(m[0]);
  ASSERT_OK(churn_model_coef(m[0], c0, &b0));
  for (int t = 1; t < 4; t++) {
    cr_assert_not_null(m[t]);
    ASSERT_OK(churn_model_coef(m[t], c, &b));
    cr_assert(memcmp(c, c0, sizeof c) == 0 && b == b0, "fit %d differs", t);
  }
  for (int t = 0; t < 4; t++) churn_model_free(m[t]);
}
