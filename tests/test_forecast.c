/*
 * test_forecast.c -- the cohort retention models of lib/forecast.c: the sBG fit against Fader &
 * Hardie's (2007) published estimates and an independent grid maximisation of the likelihood
 * (fixtures/make_forecast_fixture.py), the BdW against the same, standard errors against a
 * finite-difference Hessian of a likelihood written here, survival and retention against their
 * closed forms, DERL against direct summation, the forecast's arithmetic, every error path.
 */
#include <churn.h>
#include <math.h>
#include <string.h>

#include "fixtures/forecast_fixture.h"
#include "helpers.h"
#include "kpi_base.h"

static const double REG[] = {1000, 631, 468, 382, 326, 289, 262, 241};
static const double HIGH[] = {1000, 869, 743, 653, 593, 551, 517, 491};

static churn_cohort_model *fit1(churn_cohort_kind kind, const double *alive, int64_t len) {
  churn_cohort_model *m = NULL;
  ASSERT_OK(churn_cohort_fit(kind, alive, &len, 1, &m));
  return m;
}

static void params(const churn_cohort_model *m, double *p, double *se, double *ll) {
  int64_t np = 0;
  ASSERT_OK(churn_cohort_params(m, &np, p, se, NULL, ll));
}

/* round(x, 3) as the paper prints it */
static double round3(double x) { return round(x * 1000.0) / 1000.0; }

Test(forecast, sbg_published_estimates) {
  /* Fader & Hardie (2007), "How to project customer retention", the two cohorts of 1,000:
   * regular alpha = 0.704, beta = 1.182; high end alpha = 0.668, beta = 3.806. */
  double p[3], ll;
  churn_cohort_model *m = fit1(CHURN_COHORT_SBG, REG, 8);
  params(m, p, NULL, &ll);
  cr_assert_eq(round3(p[0]), 0.704, "alpha %.6f", p[0]);
  cr_assert_eq(round3(p[1]), 1.182, "beta %.6f", p[1]);
  churn_cohort_model_free(m);
  m = fit1(CHURN_COHORT_SBG, HIGH, 8);
  params(m, p, NULL, &ll);
  cr_assert_eq(round3(p[0]), 0.668, "alpha %.6f", p[0]);
  cr_assert_eq(round3(p[1]), 3.806, "beta %.6f", p[1]);
  churn_cohort_model_free(m);
}

Test(forecast, sbg_matches_grid_optimum) {
  double p[3], ll;
  churn_cohort_model *m = fit1(CHURN_COHORT_SBG, REG, 8);
  params(m, p, NULL, &ll);
  /* the log-likelihood at the optimum is flat: equal to 1e-12 relative; the grid's argmax is
   * good to ~1e-7 */
  cr_assert(rel_close(ll, SBG_REGULAR_LOGLIK, 1e-12, 0), "ll %.15g", ll);
  cr_assert(rel_close(p[0], SBG_REGULAR_ALPHA, 1e-6, 0));
  cr_assert(rel_close(p[1], SBG_REGULAR_BETA, 1e-6, 0));
  churn_cohort_model_free(m);
  m = fit1(CHURN_COHORT_SBG, HIGH, 8);
  params(m, p, NULL, &ll);
  cr_assert(rel_close(ll, SBG_HIGH_END_LOGLIK, 1e-12, 0), "ll %.15g", ll);
  cr_assert(rel_close(p[0], SBG_HIGH_END_ALPHA, 1e-6, 0));
  cr_assert(rel_close(p[1], SBG_HIGH_END_BETA, 1e-6, 0));
  churn_cohort_model_free(m);
}

Test(forecast, sbg_several_cohorts_of_different_lengths) {
  double alive[12];
  memcpy(alive, REG, sizeof REG);
  memcpy(alive + 8, HIGH, 4 * sizeof *HIGH);
  int64_t len[2] = {8, 4};
  churn_cohort_model *m = NULL;
  ASSERT_OK(churn_cohort_fit(CHURN_COHORT_SBG, alive, len, 2, &m));
  double p[3], ll;
  params(m, p, NULL, &ll);
  cr_assert(rel_close(ll, SBG_BOTH_LOGLIK, 1e-12, 0), "ll %.15g", ll);
  cr_assert(rel_close(p[0], SBG_BOTH_ALPHA, 1e-6, 0));
  cr_assert(rel_close(p[1], SBG_BOTH_BETA, 1e-6, 0));
  churn_cohort_model_free(m);
}

/* The sBG log-likelihood from the survival products, written independently of the library. */
static double sbg_ll(double a, double b, const double *n, int len) {
  double ll = 0, s = 1;
  for (int t = 1; t < len; t++) {
    ll += (n[t - 1] - n[t]) * log(s * a / (a + b + t - 1));
    s *= (b + t - 1) / (a + b + t - 1);
  }
  return ll + n[len - 1] * log(s);
}

Test(forecast, sbg_standard_errors_are_the_inverse_observed_information) {
  double p[3], se[3], cov[9], ll;
  churn_cohort_model *m = fit1(CHURN_COHORT_SBG, REG, 8);
  int64_t np;
  ASSERT_OK(churn_cohort_params(m, &np, p, se, cov, &ll));
  cr_assert_eq(np, 2);
  double a = p[0], b = p[1], h = 1e-4, H[4];
  H[0] = (sbg_ll(a + h, b, REG, 8) - 2 * sbg_ll(a, b, REG, 8) + sbg_ll(a - h, b, REG, 8)) / (h * h);
  H[3] = (sbg_ll(a, b + h, REG, 8) - 2 * sbg_ll(a, b, REG, 8) + sbg_ll(a, b - h, REG, 8)) / (h * h);
  H[1] = (sbg_ll(a + h, b + h, REG, 8) - sbg_ll(a + h, b - h, REG, 8) -
          sbg_ll(a - h, b + h, REG, 8) + sbg_ll(a - h, b - h, REG, 8)) / (4 * h * h);
  double det = H[0] * H[3] - H[1] * H[1];
  double va = -H[3] / det, vb = -H[0] / det, vab = H[1] / det;
  cr_assert(rel_close(se[0] * se[0], va, 1e-5, 0), "%g vs %g", se[0] * se[0], va);
  cr_assert(rel_close(se[1] * se[1], vb, 1e-5, 0));
  cr_assert(rel_close(cov[1], vab, 1e-5, 0));
  cr_assert_eq(cov[1], cov[2]);
  churn_cohort_model_free(m);
}

Test(forecast, bdw_fits_better_and_matches_grid) {
  double p[3], se[3], ll;
  churn_cohort_model *m = fit1(CHURN_COHORT_BDW, REG, 8);
  int64_t np;
  ASSERT_OK(churn_cohort_params(m, &np, p, se, NULL, &ll));
  cr_assert_eq(np, 3);
  cr_assert(rel_close(ll, BDW_REGULAR_LOGLIK, 1e-11, 0), "ll %.15g", ll);
  cr_assert(rel_close(p[2], BDW_REGULAR_C, 1e-5, 0), "c %.10g", p[2]);
  cr_assert(ll >= SBG_REGULAR_LOGLIK); /* nests the sBG */
  cr_assert(se[2] > 0 && isfinite(se[2]));
  churn_cohort_model_free(m);
  m = fit1(CHURN_COHORT_BDW, HIGH, 8);
  params(m, p, NULL, &ll);
  cr_assert(rel_close(ll, BDW_HIGH_END_LOGLIK, 1e-11, 0), "ll %.15g", ll);
  cr_assert(rel_close(p[2], BDW_HIGH_END_C, 1e-5, 0), "c %.10g", p[2]);
  churn_cohort_model_free(m);
}

Test(forecast, geometric_closed_form) {
  /* 1000 -> 500 -> 250 -> 125: 875 churned over 1750 member-periods, p = 1/2 exactly */
  double geo[] = {1000, 500, 250, 125}, p[3], se[3], ll;
  churn_cohort_model *m = fit1(CHURN_COHORT_GEOMETRIC, geo, 4);
  int64_t np;
  ASSERT_OK(churn_cohort_params(m, &np, p, se, NULL, &ll));
  cr_assert_eq(np, 1);
  cr_assert_eq(churn_cohort_model_kind(m), CHURN_COHORT_GEOMETRIC);
  cr_assert(rel_close(p[0], 0.5, 1e-15, 0));
  cr_assert(rel_close(se[0], sqrt(0.25 / 1750), 1e-14, 0));
  cr_assert(rel_close(ll, 1750 * log(0.5), 1e-14, 0));
  double t = 3, s, r;
  ASSERT_OK(churn_cohort_survival(m, &t, 1, &s, &r));
  cr_assert(rel_close(s, 0.125, 1e-14, 0) && rel_close(r, 0.5, 1e-14, 0));
  double derl; /* sum_k 0.5^(k+1) / 1.1^k = 0.5 / (1 - 0.5/1.1) */
  ASSERT_OK(churn_cohort_derl(m, 0.1, 2, &derl));
  cr_assert(rel_close(derl, 0.5 / (1 - 0.5 / 1.1), 1e-13, 0));
  churn_cohort_model_free(m);
}

Test(forecast, survival_and_retention_closed_forms) {
  churn_cohort_model *m = fit1(CHURN_COHORT_SBG, REG, 8);
  double p[3], ll;
  params(m, p, NULL, &ll);
  double t[13], s[13], r[13];
  for (int i = 0; i < 13; i++) t[i] = i;
  ASSERT_OK(churn_cohort_survival(m, t, 13, s, r));
  double prod = 1.0;
  cr_assert(rel_close(s[0], 1.0, 1e-15, 0));
  cr_assert(isnan(r[0]));
  for (int i = 1; i < 13; i++) {
    double rr = (p[1] + i - 1) / (p[0] + p[1] + i - 1);
    prod *= rr;
    cr_assert(rel_close(s[i], prod, 1e-12, 0), "S(%d) %g vs %g", i, s[i], prod);
    cr_assert(rel_close(r[i], rr, 1e-12, 0));
  }
  /* the fitted curve follows the data: S(7) near 241/1000 */
  cr_assert(fabs(s[7] - 0.241) < 0.01);
  churn_cohort_model_free(m);
}

Test(forecast, derl_equals_direct_summation) {
  churn_cohort_model *m = fit1(CHURN_COHORT_SBG, HIGH, 8);
  double p[3], ll;
  params(m, p, NULL, &ll);
  for (int n = 0; n <= 4; n += 2) {
    for (int k = 0; k < 2; k++) {
      double d = k == 0 ? 0.1 : 0.01, derl;
      ASSERT_OK(churn_cohort_derl(m, d, n, &derl));
      /* sum_{t > n} S(t) / S(n) / (1 + d)^(t - n - 1), products of the retention rates */
      double ratio = 1.0, sum = 0.0, disc = 1.0;
      for (int t = n + 1; t < 200000; t++) {
        ratio *= (p[1] + t - 1) / (p[0] + p[1] + t - 1);
        sum += ratio * disc;
        disc /= 1.0 + d;
      }
      cr_assert(rel_close(derl, sum, 1e-11, 0), "n %d d %g: %.15g vs %.15g", n, d, derl, sum);
    }
  }
  /* the more renewals, the longer the expected residual life (the weak have left) */
  double d0, d4;
  ASSERT_OK(churn_cohort_derl(m, 0.1, 0, &d0));
  ASSERT_OK(churn_cohort_derl(m, 0.1, 4, &d4));
  cr_assert(d4 > d0);
  churn_cohort_model_free(m);
}

Test(forecast, forecast_unconditional_and_conditional) {
  churn_cohort_model *m = fit1(CHURN_COHORT_SBG, REG, 8);
  double p[3], ll;
  params(m, p, NULL, &ll);
  churn_table *t = NULL;
  ASSERT_OK(churn_cohort_forecast(m, 1000, 0, 1000, 12, NULL, 0.05, &t));
  cr_assert_eq(churn_table_nrows(t), 12);
  cr_assert_eq(churn_table_ncols(t), 7);
  const int64_t *period = tcol_i64(t, "period");
  const double *surv = tcol_f64(t, "survival"), *exp_ = tcol_f64(t, "expected");
  const double *share = tcol_f64(t, "share"), *lo = tcol_f64(t, "ci_low");
  const double *hi = tcol_f64(t, "ci_high"), *se = tcol_f64(t, "std_err");
  double s = 1.0;
  for (int i = 0; i < 12; i++) {
    s *= (p[1] + i) / (p[0] + p[1] + i);
    cr_assert_eq(period[i], i + 1);
    cr_assert(rel_close(surv[i], s, 1e-12, 0));
    cr_assert(rel_close(exp_[i], 1000 * s, 1e-12, 0));
    cr_assert(rel_close(share[i], s, 1e-12, 0));
    cr_assert(lo[i] < share[i] && share[i] < hi[i]);
    /* wider than the binomial sampling alone */
    cr_assert(se[i] > sqrt(s * (1 - s) / 1000));
  }
  churn_table_free(t);
  /* conditional on 241 alive after 7 periods: 241 S(t) / S(7) */
  double target[12];
  for (int i = 0; i < 12; i++) target[i] = 0.25 - 0.01 * i;
  ASSERT_OK(churn_cohort_forecast(m, 1000, 7, 241, 12, target, 0.05, &t));
  cr_assert_eq(churn_table_nrows(t), 5);
  {
    /* where ci_low is the target, the probability of meeting it is 1 - alpha/2 */
    churn_table *t2 = NULL;
    double tg2[12];
    for (int i = 0; i < 12; i++) tg2[i] = tcol_f64(t, "ci_low")[i < 7 ? 0 : i - 7];
    ASSERT_OK(churn_cohort_forecast(m, 1000, 7, 241, 12, tg2, 0.05, &t2));
    for (int i = 0; i < 5; i++) {
      cr_assert(rel_close(tcol_f64(t2, "prob_meet")[i], 0.975, 1e-9, 0));
    }
    churn_table_free(t2);
  }
  cr_assert_eq(churn_table_ncols(t), 10);
  exp_ = tcol_f64(t, "expected");
  share = tcol_f64(t, "share");
  const double *tg = tcol_f64(t, "target"), *mg = tcol_f64(t, "margin");
  const double *pm = tcol_f64(t, "prob_meet");
  se = tcol_f64(t, "std_err");
  double s7 = 1.0;
  for (int i = 0; i < 7; i++) s7 *= (p[1] + i) / (p[0] + p[1] + i);
  s = s7;
  for (int i = 0; i < 5; i++) {
    s *= (p[1] + 7 + i) / (p[0] + p[1] + 7 + i);
    cr_assert(rel_close(exp_[i], 241 * s / s7, 1e-12, 0));
    cr_assert(rel_close(share[i], 0.241 * s / s7, 1e-12, 0));
    cr_assert_eq(tg[i], target[7 + i]);
    cr_assert(rel_close(mg[i], share[i] - target[7 + i], 1e-12, 1e-15));
    /* on the logit scale of q = share / 0.241: sd_q = se / 0.241 */
    double q = share[i] / 0.241, g = tg[i] / 0.241, sq = se[i] / 0.241 / (q * (1 - q));
    double z = (log(q / (1 - q)) - log(g / (1 - g))) / sq;
    cr_assert(rel_close(pm[i], 0.5 * erfc(-z / sqrt(2.0)), 1e-10, 0));
    cr_assert((pm[i] > 0.5) == (share[i] > tg[i]));
  }
  churn_table_free(t);
  churn_cohort_model_free(m);
}

Test(forecast, errors) {
  churn_cohort_model *m = NULL;
  int64_t len = 4, two[2] = {3, 1};
  double rises[] = {100, 90, 95, 80}, zero[] = {0, 0, 0, 0}, flat[] = {100, 100, 100, 100};
  double nan_[] = {100, NAN, 80, 70}, neg[] = {100, 90, -1, 0}, geo[] = {1000, 500, 250, 125};
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, rises, &len, 1, &m), CHURN_E_DATA,
               "rises at period 2");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, zero, &len, 1, &m), CHURN_E_DATA,
               "starts at 0");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, flat, &len, 1, &m), CHURN_E_DATA,
               "no cohort shows any churn");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, nan_, &len, 1, &m), CHURN_E_DATA,
               "cohort 0, period 1");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, neg, &len, 1, &m), CHURN_E_DATA,
               "period 2: alive count -1");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, geo, &len, 1, &m), CHURN_E_NOT_CONVERGED,
               "fit the geometric model");
  double first[] = {100, 0, 0};
  int64_t len3 = 3;
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_GEOMETRIC, first, &len3, 1, &m),
               CHURN_E_NOT_CONVERGED, "every member churned in its first period");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, REG, two, 2, &m), CHURN_E_ARG,
               "cohort 1 has 1 alive counts");
  int64_t two3 = 2;
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, REG, &two3, 1, &m), CHURN_E_DATA,
               "not identified");
  int64_t three = 3;
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_BDW, REG, &three, 1, &m), CHURN_E_DATA,
               "BdW needs at least 4");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, NULL, &len, 1, &m), CHURN_E_ARG, "NULL");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, REG, &len, 0, &m), CHURN_E_ARG, "ncohorts");
  ASSERT_FAILS(churn_cohort_fit((churn_cohort_kind)7, REG, &len, 1, &m), CHURN_E_ARG,
               "unknown model kind 7");
  ASSERT_FAILS(churn_cohort_fit(CHURN_COHORT_SBG, REG, &len, 1, NULL), CHURN_E_ARG, "out");
  cr_assert_null(m);
  m = fit1(CHURN_COHORT_SBG, REG, 8);
  double d, t = -1, nt = NAN, s;
  ASSERT_FAILS(churn_cohort_derl(m, 0.0, 1, &d), CHURN_E_ARG, "discount");
  ASSERT_FAILS(churn_cohort_derl(m, NAN, 1, &d), CHURN_E_ARG, "discount");
  ASSERT_FAILS(churn_cohort_derl(m, 0.1, -1, &d), CHURN_E_ARG, "renewals");
  ASSERT_FAILS(churn_cohort_survival(m, &t, 1, &s, NULL), CHURN_E_DATA, "t[0] = -1");
  ASSERT_FAILS(churn_cohort_survival(m, &nt, 1, &s, NULL), CHURN_E_DATA, "t[0] = nan");
  churn_table *tb = NULL;
  double tg[12] = {0};
  tg[5] = NAN;
  ASSERT_FAILS(churn_cohort_forecast(m, 0, 0, 0, 12, NULL, 0.05, &tb), CHURN_E_ARG, "size");
  ASSERT_FAILS(churn_cohort_forecast(m, 100, 0, 101, 12, NULL, 0.05, &tb), CHURN_E_ARG,
               "alive_from");
  ASSERT_FAILS(churn_cohort_forecast(m, 100, 5, 50, 4, NULL, 0.05, &tb), CHURN_E_ARG, "horizon");
  ASSERT_FAILS(churn_cohort_forecast(m, 100, 0, 100, 12, NULL, 1.0, &tb), CHURN_E_ARG, "alpha");
  ASSERT_FAILS(churn_cohort_forecast(m, 100, 0, 100, 12, tg, 0.05, &tb), CHURN_E_DATA,
               "target[5]");
  cr_assert_null(tb);
  ASSERT_FAILS(churn_cohort_params(NULL, NULL, NULL, NULL, NULL, NULL), CHURN_E_ARG, "NULL");
  churn_cohort_model_free(m);
  churn_cohort_model_free(NULL);
}

Test(forecast, allocation_failures_are_clean) {
  churn_cohort_model *m = fit1(CHURN_COHORT_SBG, REG, 8);
  for (uint64_t k = 1; k < 40; k++) {
    churn_table *t = NULL;
    churn_cohort_model *m2 = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_cohort_forecast(m, 1000, 0, 1000, 12, NULL, 0.05, &t);
    churn_status st2 = churn_cohort_fit(CHURN_COHORT_BDW, REG, &(int64_t){8}, 1, &m2);
    churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_OK || st == CHURN_E_NOMEM);
    cr_assert(st2 == CHURN_OK || st2 == CHURN_E_NOMEM);
    churn_table_free(t);
    churn_cohort_model_free(m2);
  }
  churn_cohort_model_free(m);
  assert_no_leak();
}
