/*
 * special.h -- the special functions of the library's statistics (special.c): the standard normal
 * distribution, the regularised incomplete gamma function, the chi-square tail and the Wilson
 * score interval.  One home, so that the model's inference, the survival estimators, the KPIs
 * and the evaluation tables use the same (tested) code.  Never installed.
 */
#ifndef CHURN_SPECIAL_H
#define CHURN_SPECIAL_H

#include "internal.h"

/* The two-sided 95% standard normal quantile, scipy.stats.norm.ppf(0.975). */
#define CHURN__Z975 1.959963984540054

/* P(N(0,1) <= x) and P(N(0,1) > x), each accurate in its own tail. */
double churn__normal_cdf(double x);
double churn__normal_sf(double x);
/* The standard normal quantile function (|relative error| < 1e-15 on (0, 1); -inf at 0, +inf
 * at 1, NaN outside). */
double churn__normal_quantile(double p);
/* Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a), a > 0, x >= 0. */
double churn__gamma_q(double a, double x);
/* P(chi-square(df) > x). */
double churn__chi2_sf(double x, double df);

/* The Wilson score interval at normal quantile z of a proportion q observed on m trials, and of
 * k successes out of m trials; NaN bounds for m <= 0. */
void churn__wilson_q(double q, double m, double z, double *lo, double *hi);
void churn__wilson(double k, double m, double z, double *lo, double *hi);

#endif
