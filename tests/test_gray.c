/*
 * test_gray.c -- Gray's test (lib/gray.c): R cmprsk::cuminc's published statistics on the
 * bmtcrr data (fixtures/bmtcrr.h), a case worked by hand from Gray's formulas, the
 * symmetric cases (identical groups give 0, swapping the groups changes nothing), the
 * one-cause case where Gray's score is exactly the log-rank O - E (computed here) and its
 * variance close to the log-rank variance, and the error paths.
 */
#include <churn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures/bmtcrr.h"
#include "helpers.h"
#include "kpi_base.h"

Test(gray, equals_cmprsk_cuminc_on_bmtcrr) {
  /* R: cmprsk::cuminc(ftime, Status, D)$Tests on Scrucca et al.'s bmtcrr data (printed to 8
   * significant digits): cause 1 stat 2.8623325 pv 0.09067592, cause 2 stat 0.4481279
   * pv 0.50322531, df 1 */
  churn_table *t = NULL;
  ASSERT_OK(churn_survival_gray_test(BMTCRR_FTIME, BMTCRR_STATUS, BMTCRR_D, BMTCRR_N, 0.0, &t));
  cr_assert_eq(churn_table_nrows(t), 2);
  const double *stat = tcol_f64(t, "statistic"), *pv = tcol_f64(t, "p_value");
  cr_assert(rel_close(stat[0], 2.8623325, 2e-8, 0), "%.10g", stat[0]);
  cr_assert(rel_close(pv[0], 0.09067592, 1e-7, 0), "%.10g", pv[0]);
  cr_assert(rel_close(stat[1], 0.4481279, 2e-7, 0), "%.10g", stat[1]);
  cr_assert(rel_close(pv[1], 0.50322531, 2e-8, 0), "%.10g", pv[1]);
  churn_table_free(t);
}

Test(gray, hand_case) {
  /* group 0: one event of category 1 at t = 1; group 1: censored at t = 2.
   * At t = 1: R = (1, 1), h = q = 2, score = 1 - 1 * 1 / 2 = 1/2;
   * a00 = 1/2, a01 = -1/2, c00 = 1/4, c01 = -1/4; cause terms: group 0 (S = 0, t4 = 1,
   * t3 = 1/2): v += (1/2 - 1/4)^2 / 2 = 1/32, v3_0 = 1/2, v2_0 = 1/8; group 1 (S = 1,
   * t4 = 1/2, t3 = 1/2): v += (-1/2 + 1/8)^2 / 2 = 9/128, v3_1 = 1/8, v2_1 = -3/32;
   * final: c00^2 v3_0 + 2 c00 v2_0 + c01^2 v3_1 + 2 c01 v2_1 = 1/32 + 1/16 + 1/128 + 3/64.
   * Total variance 1/4: statistic 1, p = erfc(sqrt(1/2)). */
  double d[] = {1, 2};
  int64_t c[] = {1, 0}, g[] = {0, 1};
  churn_table *t = NULL;
  ASSERT_OK(churn_survival_gray_test(d, c, g, 2, 0.0, &t));
  cr_assert_eq(churn_table_nrows(t), 1);
  cr_assert_eq(tcol_i64(t, "category")[0], 1);
  cr_assert(rel_close(tcol_f64(t, "score")[0], 0.5, 1e-15, 0));
  cr_assert(rel_close(tcol_f64(t, "variance")[0], 0.25, 1e-15, 0), "%.17g",
            tcol_f64(t, "variance")[0]);
  cr_assert(rel_close(tcol_f64(t, "statistic")[0], 1.0, 1e-15, 0));
  cr_assert(rel_close(tcol_f64(t, "p_value")[0], 0.31731050786291415, 1e-14, 0));
  cr_assert_eq(tcol_i64(t, "df")[0], 1);
  churn_table_free(t);
}

/* A small competing-risks sample: n subjects, times from a fixed generator, 3 categories. */
static void sample(int n, double *d, int64_t *c, unsigned seed) {
  srand(seed);
  for (int i = 0; i < n; i++) {
    d[i] = (double)(1 + rand() % 40);
    c[i] = rand() % 4; /* 0 censored, 1-3 categories */
  }
}

Test(gray, identical_groups_give_zero_and_swapping_changes_nothing) {
  enum { N = 60 };
  double d[2 * N];
  int64_t c[2 * N], g[2 * N], g2[2 * N];
  sample(N, d, c, 3);
  memcpy(d + N, d, N * sizeof *d);
  memcpy(c + N, c, N * sizeof *c);
  for (int i = 0; i < 2 * N; i++) g[i] = i >= N;
  churn_table *t = NULL;
  ASSERT_OK(churn_survival_gray_test(d, c, g, 2 * N, 0.0, &t));
  cr_assert_eq(churn_table_nrows(t), 3);
  for (int k = 0; k < 3; k++) {
    cr_assert(fabs(tcol_f64(t, "score")[k]) < 1e-12);
    cr_assert(fabs(tcol_f64(t, "statistic")[k]) < 1e-12);
    cr_assert(tcol_f64(t, "p_value")[k] > 1.0 - 1e-6);
  }
  churn_table_free(t);
  /* different groups: swap the labels -> same statistic, score negated */
  sample(2 * N, d, c, 11);
  for (int i = 0; i < 2 * N; i++) g[i] = (i % 3) == 0, g2[i] = 1 - g[i];
  churn_table *a = NULL, *b = NULL;
  ASSERT_OK(churn_survival_gray_test(d, c, g, 2 * N, 0.0, &a));
  ASSERT_OK(churn_survival_gray_test(d, c, g2, 2 * N, 0.0, &b));
  for (int k = 0; k < 3; k++) {
    cr_assert(rel_close(tcol_f64(a, "statistic")[k], tcol_f64(b, "statistic")[k], 1e-10, 1e-14));
    cr_assert(rel_close(tcol_f64(a, "score")[k], -tcol_f64(b, "score")[k], 1e-10, 1e-14));
    cr_assert(tcol_f64(a, "variance")[k] > 0);
  }
  churn_table_free(a);
  churn_table_free(b);
  /* rho > 0 weights early differences: a different but valid statistic */
  ASSERT_OK(churn_survival_gray_test(d, c, g, 2 * N, 1.0, &a));
  cr_assert(tcol_f64(a, "variance")[0] > 0);
  churn_table_free(a);
}

Test(gray, one_cause_score_is_the_logrank_o_minus_e) {
  enum { N = 400 };
  double d[N];
  int64_t c[N], g[N];
  srand(5);
  for (int i = 0; i < N; i++) {
    g[i] = i % 2;
    double u = (rand() + 1.0) / (RAND_MAX + 2.0);
    d[i] = floor(-log(u) * (g[i] ? 10.0 : 14.0)) + 1; /* ties on purpose */
    c[i] = (rand() % 5) != 0;                         /* 20% censored, one cause */
  }
  churn_table *t = NULL;
  ASSERT_OK(churn_survival_gray_test(d, c, g, N, 0.0, &t));
  /* log-rank by hand: over distinct times, O - E for group 0 and the hypergeometric variance */
  double oe = 0.0, var = 0.0;
  for (double time = 0; time <= 400; time += 1.0) {
    double r0 = 0, r = 0, d0 = 0, dd = 0;
    for (int i = 0; i < N; i++) {
      if (d[i] >= time) r += 1, r0 += g[i] == 0;
      if (d[i] == time && c[i] == 1) dd += 1, d0 += g[i] == 0;
    }
    if (dd == 0) continue;
    oe += d0 - dd * r0 / r;
    if (r > 1) var += dd * (r0 / r) * (1 - r0 / r) * (r - dd) / (r - 1);
  }
  cr_assert(rel_close(tcol_f64(t, "score")[0], oe, 1e-10, 1e-12), "%g vs %g",
            tcol_f64(t, "score")[0], oe);
  double v = tcol_f64(t, "variance")[0];
  cr_assert(fabs(v / var - 1.0) < 0.1, "Gray's variance %g vs log-rank %g", v, var);
  churn_table_free(t);
}

Test(gray, errors) {
  double d[] = {1, 2, 3}, bad[] = {1, NAN, 3};
  int64_t c[] = {1, 0, 2}, g[] = {0, 1, 0}, g1[] = {1, 1, 1}, g3[] = {0, 2, 1}, cn[] = {1, -1, 0};
  churn_table *t = NULL;
  ASSERT_FAILS(churn_survival_gray_test(bad, c, g, 3, 0, &t), CHURN_E_DATA, "duration[1]");
  ASSERT_FAILS(churn_survival_gray_test(d, c, g1, 3, 0, &t), CHURN_E_DATA, "group 0 has no subjects");
  ASSERT_FAILS(churn_survival_gray_test(d, c, g3, 3, 0, &t), CHURN_E_DATA, "group[1] = 2");
  ASSERT_FAILS(churn_survival_gray_test(d, cn, g, 3, 0, &t), CHURN_E_DATA, "category[1] = -1");
  ASSERT_FAILS(churn_survival_gray_test(d, c, g, 3, -1, &t), CHURN_E_ARG, "rho");
  ASSERT_FAILS(churn_survival_gray_test(d, c, g, 0, 0, &t), CHURN_E_ARG, "n must be");
  ASSERT_FAILS(churn_survival_gray_test(NULL, c, g, 3, 0, &t), CHURN_E_ARG, "NULL");
  cr_assert_null(t);
}

Test(gray, allocation_failures_are_clean) {
  for (uint64_t k = 1; k < 20; k++) {
    churn_table *t = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_survival_gray_test(BMTCRR_FTIME, BMTCRR_STATUS, BMTCRR_D, BMTCRR_N, 0.0, &t);
    churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_OK || st == CHURN_E_NOMEM);
    if (st == CHURN_E_NOMEM) cr_assert_null(t);
    churn_table_free(t);
  }
  assert_no_leak();
}
