/*
 * test_solver.c -- lib/solver.c through its public driver: a fit streamed in chunks, with
 * statistics from two "workers" merged, equals churn_model_fit on the whole matrix; the call
 * order is enforced with clear messages.
 */
#include "helpers.h"

#include <math.h>
#include <string.h>

enum { N = 3000, D = 4 };

static void data(double *X, double *y) {
  for (int i = 0; i < N; i++) {
    double eta = -0.5;
    for (int j = 0; j < D; j++) {
      X[i * D + j] = sin(i * (0.31 + j * 0.17)) * (j + 1) + j * 10;
      eta += (j % 2 ? 0.4 : -0.3) * (X[i * D + j] - j * 10);
    }
    y[i] = sin(i * 78.233) * 0.5 + 0.5 < 1 / (1 + exp(-eta));
  }
}

static void streamed(const double *X, const double *y, const churn_options *o, churn_model **out) {
  const char *names[] = {"a", "b", "c", "d"};
  churn_solver *s = NULL;
  ASSERT_OK(churn_solver_new(D, names, o, &s));
  for (int64_t r = 0; r < N; r += 1000) {
    ASSERT_OK(churn_solver_add_moments(s, X + r * D, CHURN_F64, 1000, D, D, y + r, NULL, r));
  }
  ASSERT_OK(churn_solver_begin(s));
  churn_suffstats *w1 = NULL, *w2 = NULL;
  ASSERT_OK(churn_solver_stats_new(s, &w1));
  ASSERT_OK(churn_solver_stats_new(s, &w2));
  double beta[D + 1];
  int done = 0, passes = 0;
  while (!done) {
    cr_assert(passes++ < 100);
    churn_suffstats_reset(w1);
    churn_suffstats_reset(w2);
    ASSERT_OK(churn_solver_beta(s, beta));
    int h = churn_solver_wants_hessian(s);
    ASSERT_OK(churn_suffstats_accumulate(w1, X, CHURN_F64, 1200, D, D, y, NULL, beta, h, 0));
    ASSERT_OK(churn_suffstats_accumulate(w2, X + 1200 * D, CHURN_F64, N - 1200, D, D, y + 1200,
                                         NULL, beta, h, 1200));
    ASSERT_OK(churn_suffstats_merge(w1, w2));
    ASSERT_OK(churn_solver_step(s, w1, &done));
  }
  ASSERT_OK(churn_solver_finish(s, out));
  churn_suffstats_free(w1);
  churn_suffstats_free(w2);
  churn_solver_free(s);
}

static void compare(int penalty) {
  static double X[N * D], y[N];
  data(X, y);
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, penalty));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_C, 0.05));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  churn_model *a = NULL, *b = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, NULL, o, &a));
  streamed(X, y, o, &b);
  double ca[D + 1], cb[D + 1];
  ASSERT_OK(churn_model_coef(a, ca + 1, ca));
  ASSERT_OK(churn_model_coef(b, cb + 1, cb));
  for (int j = 0; j <= D; j++) {
    cr_assert(rel_close(ca[j], cb[j], 1e-9, 1e-12), "coef %d: %.17g vs %.17g", j, ca[j], cb[j]);
  }
  cr_assert_str_eq(churn_model_feature_name(b, 2), "c");
  churn_model_free(a);
  churn_model_free(b);
  churn_options_free(o);
}

Test(solver, streamed_fit_equals_in_memory_fit) { compare(CHURN_PENALTY_NONE); }
Test(solver, streamed_l2_fit_equals_in_memory_fit) { compare(CHURN_PENALTY_L2); }
Test(solver, streamed_l1_fit_equals_in_memory_fit) { compare(CHURN_PENALTY_L1); }

Test(solver, call_order_is_enforced) {
  static double X[N * D], y[N];
  data(X, y);
  churn_solver *s = NULL;
  churn_suffstats *st = NULL;
  churn_model *m = NULL;
  double beta[D + 1];
  int done;
  ASSERT_OK(churn_solver_new(D, NULL, NULL, &s));
  ASSERT_FAILS(churn_solver_stats_new(s, &st), CHURN_E_ARG, "call churn_solver_begin first");
  ASSERT_FAILS(churn_solver_beta(s, beta), CHURN_E_ARG, "call churn_solver_begin first");
  ASSERT_FAILS(churn_solver_finish(s, &m), CHURN_E_ARG, "has not converged");
  ASSERT_FAILS(churn_solver_begin(s), CHURN_E_DATA, "no rows");
  ASSERT_FAILS(churn_solver_add_moments(s, X, CHURN_F64, 10, 3, 3, y, NULL, 0), CHURN_E_ARG,
               "X has 3 columns, the solver 4");
  ASSERT_OK(churn_solver_add_moments(s, X, CHURN_F64, N, D, D, y, NULL, 0));
  ASSERT_OK(churn_solver_begin(s));
  ASSERT_FAILS(churn_solver_add_moments(s, X, CHURN_F64, N, D, D, y, NULL, 0), CHURN_E_ARG,
               "after churn_solver_begin");
  ASSERT_OK(churn_solver_stats_new(s, &st));
  ASSERT_OK(churn_solver_beta(s, beta));
  cr_assert_eq(churn_solver_wants_hessian(s), 1);
  ASSERT_FAILS(churn_solver_step(s, st, &done), CHURN_E_ARG, "no rows");
  ASSERT_OK(churn_suffstats_accumulate(st, X, CHURN_F64, N, D, D, y, NULL, beta, 0, 0));
  ASSERT_FAILS(churn_solver_step(s, st, &done), CHURN_E_ARG, "asked for a pass with the Hessian");
  churn_suffstats *other = NULL;
  ASSERT_OK(churn_suffstats_new(D, 1, NULL, NULL, 1, 1, &other));
  ASSERT_FAILS(churn_solver_step(s, other, &done), CHURN_E_ARG, "standardised differently");
  churn_suffstats_free(other);
  ASSERT_OK(churn_suffstats_new(D, 1, NULL, NULL, 2, 1, &other));
  ASSERT_FAILS(churn_solver_step(s, other, &done), CHURN_E_ARG, "other class weights");
  churn_suffstats_free(other);
  churn_suffstats_free(st);
  churn_solver_free(s);
  churn_solver_free(NULL);
}
