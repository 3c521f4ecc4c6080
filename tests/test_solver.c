/*
 * test_solver.c -- lib/solver.c through its public driver: a fit streamed in chunks, with
 * statistics from two "workers" merged, equals churn_model_fit on the whole matrix; pass 0 in
 * parts (worker solvers' moments merged) equals pass 0 in one solver; the call order is enforced
 * with clear messages; passes that cannot make progress (a failing line search, a non-finite
 * objective) end in an error, not a loop.
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

/* Pass 0 as three "workers" would run it: a solver each over uneven parts (one empty, one with
 * a very different shift), their moments merged into s in reverse order. */
static void moments_in_parts(churn_solver *s, const double *X, const double *y, const double *w) {
  const int64_t cuts[] = {0, 700, 700, 1900, N};
  double mom[4][3 * D + 5];
  for (int p = 0; p < 4; p++) {
    churn_solver *part = NULL;
    ASSERT_OK(churn_solver_new(D, NULL, NULL, &part));
    ASSERT_OK(churn_solver_add_moments(part, X + cuts[p] * D, CHURN_F64, cuts[p + 1] - cuts[p], D,
                                       D, y + cuts[p], w ? w + cuts[p] : NULL, cuts[p]));
    ASSERT_OK(churn_solver_get_moments(part, mom[p], 3 * D + 5));
    churn_solver_free(part);
  }
  for (int p = 3; p >= 0; p--) ASSERT_OK(churn_solver_merge_moments(s, mom[p], 3 * D + 5));
}

static void streamed_with(const double *X, const double *y, const churn_options *o, bool parts,
                          churn_model **out) {
  const char *names[] = {"a", "b", "c", "d"};
  churn_solver *s = NULL;
  ASSERT_OK(churn_solver_new(D, names, o, &s));
  if (parts) {
    moments_in_parts(s, X, y, NULL);
  } else {
    for (int64_t r = 0; r < N; r += 1000) {
      ASSERT_OK(churn_solver_add_moments(s, X + r * D, CHURN_F64, 1000, D, D, y + r, NULL, r));
    }
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

static void streamed(const double *X, const double *y, const churn_options *o, churn_model **out) {
  streamed_with(X, y, o, false, out);
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

/* Moments merged from parts give one solver's standardisation (1e-13 of the column's scale) and
 * model (1e-10),
 * unpenalised and with a penalty on the standardised columns (where the moments matter). */
Test(solver, moments_in_parts_equal_one_pass) {
  static double X[N * D], y[N];
  data(X, y);
  for (int q = 0; q < N; q++) X[q * D + 2] += q == 1000 ? 0.0 : 1e4; /* shifts far apart */
  for (int pen = 0; pen < 2; pen++) {
    churn_options *o = NULL;
    ASSERT_OK(churn_options_new(&o));
    ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, pen ? CHURN_PENALTY_L2 : 0));
    ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_C, 0.05));
    ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
    churn_model *a = NULL, *b = NULL;
    streamed_with(X, y, o, false, &a);
    streamed_with(X, y, o, true, &b);
    double ma[D], mb[D], sa[D], sb[D], ca[D + 1], cb[D + 1];
    ASSERT_OK(churn_model_scaling(a, ma, sa));
    ASSERT_OK(churn_model_scaling(b, mb, sb));
    for (int j = 0; j < D; j++) {
      /* a mean near 0 is compared on the scale of its column */
      cr_assert(rel_close(ma[j], mb[j], 1e-13, 1e-13 * sa[j]), "mean %d: %.17g vs %.17g", j, ma[j],
                mb[j]);
      cr_assert(rel_close(sa[j], sb[j], 1e-12, 0), "scale %d: %.17g vs %.17g", j, sa[j], sb[j]);
    }
    ASSERT_OK(churn_model_coef(a, ca + 1, ca));
    ASSERT_OK(churn_model_coef(b, cb + 1, cb));
    for (int j = 0; j <= D; j++) {
      cr_assert(rel_close(ca[j], cb[j], 1e-10, 0), "coef %d: %.17g vs %.17g", j, ca[j], cb[j]);
    }
    double na, nb;
    ASSERT_OK(churn_model_stat(a, CHURN_STAT_N_OBS, &na));
    ASSERT_OK(churn_model_stat(b, CHURN_STAT_N_OBS, &nb));
    cr_assert(na == N && nb == N);
    churn_model_free(a);
    churn_model_free(b);
    churn_options_free(o);
  }
}

/* The moments of one solver by their definition; the first part merged into an empty solver is
 * taken bit for bit; bad input is refused, naming the element, and changes nothing. */
Test(solver, moments_layout_and_merge_errors) {
  static double X[N * D], y[N], w[N];
  data(X, y);
  for (int i = 0; i < N; i++) w[i] = i % 4 ? 0.5 + (i % 3) : 0.0;
  churn_solver *a = NULL, *b = NULL;
  ASSERT_OK(churn_solver_new(D, NULL, NULL, &a));
  ASSERT_OK(churn_solver_new(D, NULL, NULL, &b));
  double m[3 * D + 5], m2[3 * D + 5];
  ASSERT_OK(churn_solver_get_moments(a, m, 3 * D + 5));
  for (int q = 0; q < 3 * D + 5; q++) cr_assert_eq(m[q], 0.0);
  ASSERT_OK(churn_solver_add_moments(a, X, CHURN_F64, 500, D, D, y, w, 0));
  ASSERT_OK(churn_solver_get_moments(a, m, 3 * D + 5));
  double s1[D] = {0}, s2[D] = {0}, n = 0, npos = 0, nw = 0, sw = 0, swp = 0;
  for (int i = 0; i < 500; i++) {
    for (int j = 0; j < D; j++) {
      double t = X[i * D + j] - X[j];
      s1[j] += w[i] * t, s2[j] += w[i] * t * t;
    }
    n++, npos += y[i], nw += w[i] > 0, sw += w[i], swp += y[i] * w[i];
  }
  for (int j = 0; j < D; j++) {
    cr_assert_eq(m[j], X[j], "shift %d", j);
    cr_assert(rel_close(m[D + j], s1[j], 1e-12, 1e-12), "m1 %d", j);
    cr_assert(rel_close(m[2 * D + j], s2[j], 1e-12, 0), "m2 %d", j);
  }
  cr_assert(m[3 * D] == n && m[3 * D + 1] == npos && m[3 * D + 2] == nw);
  cr_assert(rel_close(m[3 * D + 3], sw, 1e-14, 0) && rel_close(m[3 * D + 4], swp, 1e-14, 0));
  ASSERT_OK(churn_solver_merge_moments(b, m, 3 * D + 5));
  ASSERT_OK(churn_solver_get_moments(b, m2, 3 * D + 5));
  cr_assert(memcmp(m, m2, sizeof m) == 0);
  /* errors */
  ASSERT_FAILS(churn_solver_get_moments(a, m, 3 * D + 4), CHURN_E_ARG, "expected 3 d + 5 = 17");
  ASSERT_FAILS(churn_solver_merge_moments(b, m, 3), CHURN_E_ARG, "len = 3");
  ASSERT_FAILS(churn_solver_merge_moments(b, NULL, 3 * D + 5), CHURN_E_ARG, "must not be NULL");
  double bad[3 * D + 5];
  memcpy(bad, m, sizeof m);
  bad[D + 1] = NAN;
  ASSERT_FAILS(churn_solver_merge_moments(b, bad, 3 * D + 5), CHURN_E_ARG,
               "moments[5] is not finite");
  memcpy(bad, m, sizeof m);
  bad[3 * D] = 10.5;
  ASSERT_FAILS(churn_solver_merge_moments(b, bad, 3 * D + 5), CHURN_E_ARG, "moments[12] = 10.5");
  memcpy(bad, m, sizeof m);
  bad[3 * D + 1] = bad[3 * D] + 1;
  ASSERT_FAILS(churn_solver_merge_moments(b, bad, 3 * D + 5), CHURN_E_ARG, "inconsistent counts");
  memcpy(bad, m, sizeof m);
  bad[3 * D + 3] = -1;
  ASSERT_FAILS(churn_solver_merge_moments(b, bad, 3 * D + 5), CHURN_E_ARG, "moments[15] = -1");
  ASSERT_OK(churn_solver_get_moments(b, m2, 3 * D + 5));
  cr_assert(memcmp(m, m2, sizeof m) == 0, "a refused merge changed the solver");
  /* a part with no rows changes nothing, whatever its shift */
  double empty[3 * D + 5] = {0};
  empty[0] = 1e300;
  ASSERT_OK(churn_solver_merge_moments(b, empty, 3 * D + 5));
  ASSERT_OK(churn_solver_get_moments(b, m2, 3 * D + 5));
  cr_assert(memcmp(m, m2, sizeof m) == 0);
  ASSERT_OK(churn_solver_merge_moments(b, m, 3 * D + 5));
  ASSERT_OK(churn_solver_begin(b));
  ASSERT_FAILS(churn_solver_merge_moments(b, m, 3 * D + 5), CHURN_E_ARG,
               "after churn_solver_begin");
  ASSERT_FAILS(churn_solver_get_moments(b, m, 3 * D + 5), CHURN_E_ARG, "after churn_solver_begin");
  churn_solver_free(a);
  churn_solver_free(b);
}

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

/* A driver whose passes are not the same data (labels flipped from the second pass on: every
 * trial point is worse than the first point, even as the step shrinks to 0, since the labels'
 * mean is not 1/2) cannot make progress: after 40 halvings the step fails, CHURN_E_NOT_CONVERGED,
 * instead of looping.  Passes whose weighted log-likelihood overflows to -infinity (every
 * weight 1e308 from the second pass on: finite weights, an infinite sum) fail as a non-finite
 * objective. */
typedef enum { FLIP_LABELS, HUGE_WEIGHTS } bad_pass;

static churn_status stream_with_bad_passes(bad_pass how, int *passes) {
  static double X[N * D], y[N], flipped[N], huge[N];
  data(X, y);
  double ybar = 0;
  for (int i = 0; i < N; i++) {
    flipped[i] = 1 - y[i];
    ybar += y[i] / N;
  }
  cr_assert(fabs(ybar - 0.5) > 0.05, "mean label %g", ybar);
  for (int i = 0; i < N; i++) huge[i] = 1e308;
  churn_solver *s = NULL;
  ASSERT_OK(churn_solver_new(D, NULL, NULL, &s));
  ASSERT_OK(churn_solver_add_moments(s, X, CHURN_F64, N, D, D, y, NULL, 0));
  ASSERT_OK(churn_solver_begin(s));
  churn_suffstats *w = NULL;
  ASSERT_OK(churn_solver_stats_new(s, &w));
  double beta[D + 1];
  int done = 0;
  churn_status st = CHURN_OK;
  for (*passes = 0; st == CHURN_OK && !done && *passes < 200; ++*passes) {
    churn_suffstats_reset(w);
    ASSERT_OK(churn_solver_beta(s, beta));
    bool bad = *passes > 0;
    const double *wp = bad && how == HUGE_WEIGHTS ? huge : NULL;
    const double *yp = bad && how == FLIP_LABELS ? flipped : y;
    st = churn_suffstats_accumulate(w, X, CHURN_F64, N, D, D, yp, wp, beta,
                                    churn_solver_wants_hessian(s), 0);
    if (st == CHURN_OK) st = churn_solver_step(s, w, &done);
  }
  churn_suffstats_free(w);
  churn_solver_free(s);
  return st;
}

Test(solver, a_line_search_that_cannot_succeed_fails) {
  int passes = 0;
  ASSERT_FAILS(stream_with_bad_passes(FLIP_LABELS, &passes), CHURN_E_NOT_CONVERGED,
               "the line search failed after 40 step halvings at iteration 1");
  cr_assert_eq(passes, 1 + 41, "%d passes", passes); /* the first step, then 41 trials */
}

Test(solver, a_non_finite_objective_fails) {
  int passes = 0;
  ASSERT_FAILS(stream_with_bad_passes(HUGE_WEIGHTS, &passes), CHURN_E_INTERNAL,
               "objective is not finite at iteration 1");
  cr_assert_eq(passes, 2);
}
