/*
 * test_sampling.c -- the sampling correction of churn_model_fit (fit.population_rate, King & Zeng
 * 2001 prior correction) on simulated data where the population truth is known: a population
 * drawn from a known logistic model, then a training set sampled by outcome (every churner, a
 * tenth of the stayers), as retention teams build them.
 * Oracles: the generating coefficients (within 4 standard errors of the fit), the population's
 * own churn rate and the closed form of the correction.
 */
#include "helpers.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* splitmix64: a small deterministic generator independent of the library's. */
static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double uniform(uint64_t *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }
static double normal(uint64_t *s) {
  double u = uniform(s), v = uniform(s);
  return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

enum { POP = 200000 };
static const double B0 = -3.0, B1 = 1.0, KEEP_STAYERS = 0.1;

typedef struct population {
  double *x, *y;            /* POP rows */
  double *xs, *ys;          /* the outcome-based sample */
  int64_t m;
  double rate;              /* the population's churn rate */
} population;

static void make_population(population *p) {
  uint64_t s = 20261125;
  p->x = malloc(POP * sizeof(double));
  p->y = malloc(POP * sizeof(double));
  p->xs = malloc(POP * sizeof(double));
  p->ys = malloc(POP * sizeof(double));
  cr_assert(p->x && p->y && p->xs && p->ys);
  double churners = 0;
  p->m = 0;
  for (int64_t i = 0; i < POP; i++) {
    p->x[i] = normal(&s);
    double prob = 1 / (1 + exp(-(B0 + B1 * p->x[i])));
    p->y[i] = uniform(&s) < prob ? 1.0 : 0.0;
    churners += p->y[i];
    if (p->y[i] == 1.0 || uniform(&s) < KEEP_STAYERS) {
      p->xs[p->m] = p->x[i];
      p->ys[p->m++] = p->y[i];
    }
  }
  p->rate = churners / POP;
}

static void free_population(population *p) {
  free(p->x);
  free(p->y);
  free(p->xs);
  free(p->ys);
}

static churn_model *fit_sample(const population *p, double tau) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_POPULATION_RATE, tau));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(p->xs, CHURN_F64, p->m, 1, 1, p->ys, NULL, NULL, o, &m));
  churn_options_free(o);
  return m;
}

Test(sampling, prior_correction_recovers_the_population_model) {
  population p;
  make_population(&p);
  cr_assert(p.rate > 0.05 && p.rate < 0.12, "population rate %g", p.rate);
  churn_model *raw = fit_sample(&p, 0.0), *cor = fit_sample(&p, p.rate);
  double cov[4], b0_raw, b1_raw, b0, b1;
  ASSERT_OK(churn_model_coef(raw, &b1_raw, &b0_raw));
  ASSERT_OK(churn_model_coef(cor, &b1, &b0));
  ASSERT_OK(churn_model_covariance(cor, cov));
  double se0 = sqrt(cov[0]), se1 = sqrt(cov[3]);
  /* The slope is consistent under outcome-based sampling; the correction leaves it alone. */
  cr_assert_eq(b1, b1_raw);
  cr_assert(fabs(b1 - B1) < 4 * se1, "slope %g (se %g) vs true %g", b1, se1, B1);
  /* The uncorrected intercept is off by about log(1 / KEEP_STAYERS); the corrected one is not. */
  cr_assert(fabs(b0_raw - B0 - log(1 / KEEP_STAYERS)) < 4 * se0 + 0.05, "raw intercept %g", b0_raw);
  cr_assert(fabs(b0 - B0) < 4 * se0, "corrected intercept %g (se %g) vs true %g", b0, se0, B0);
  /* The closed form: b0 = b0_raw - log((1 - tau) / tau * ybar / (1 - ybar)). */
  double ybar = 0;
  for (int64_t i = 0; i < p.m; i++) ybar += p.ys[i];
  ybar /= (double)p.m;
  cr_assert(rel_close(b0, b0_raw - log((1 - p.rate) / p.rate * ybar / (1 - ybar)), 1e-12, 0));
  /* Population-scale probabilities: their mean over the population is its churn rate; the
   * uncorrected model's is several times too high. */
  double *prob = malloc(POP * sizeof(double));
  cr_assert(prob);
  double mean_cor = 0, mean_raw = 0;
  ASSERT_OK(churn_model_predict_proba(cor, p.x, CHURN_F64, POP, 1, 1, prob));
  for (int64_t i = 0; i < POP; i++) mean_cor += prob[i] / POP;
  ASSERT_OK(churn_model_predict_proba(raw, p.x, CHURN_F64, POP, 1, 1, prob));
  for (int64_t i = 0; i < POP; i++) mean_raw += prob[i] / POP;
  cr_assert(fabs(mean_cor - p.rate) < 0.1 * p.rate, "mean probability %g vs rate %g", mean_cor,
            p.rate);
  cr_assert(mean_raw > 3 * p.rate, "uncorrected mean probability %g", mean_raw);
  free(prob);
  churn_model_free(raw);
  churn_model_free(cor);
  free_population(&p);
}

Test(sampling, population_rate_outside_the_open_unit_interval_is_refused) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_FIT_POPULATION_RATE, 1.0), CHURN_E_RANGE,
               "fit.population_rate");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_FIT_POPULATION_RATE, -0.1), CHURN_E_RANGE,
               "fit.population_rate");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_FIT_POPULATION_RATE, NAN), CHURN_E_RANGE,
               "fit.population_rate");
  churn_options_free(o);
}

Test(sampling, population_rate_needs_an_intercept_and_no_class_weight) {
  const double x[] = {0, 1, 2, 3, 4, 5}, y[] = {0, 1, 0, 1, 0, 1};
  churn_options *o = NULL;
  churn_model *m = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_POPULATION_RATE, 0.05));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INTERCEPT, 0));
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 6, 1, 1, y, NULL, NULL, o, &m), CHURN_E_ARG,
               "needs fit.intercept = 1");
  cr_assert_null(m);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INTERCEPT, 1));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_CLASS_WEIGHT, 1));
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 6, 1, 1, y, NULL, NULL, o, &m), CHURN_E_ARG,
               "set one of them");
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_FIRTH));
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 6, 1, 1, y, NULL, NULL, o, &m), CHURN_E_ARG,
               "set one of them");
  cr_assert_null(m);
  churn_options_free(o);
}
