/*
 * special.c -- the special functions behind p-values and intervals (see special.h), written for
 * full double accuracy and checked against scipy's values in tests/test_infer.c.  No global
 * state: lgamma_r, not lgamma (which writes the global signgam).
 */
#include "special.h"

#include <math.h>

double churn__normal_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

double churn__normal_sf(double x) { return 0.5 * erfc(x / sqrt(2.0)); }

/* Acklam's rational approximation refined by one Halley step on erfc (full double accuracy). */
static double lower_tail_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    double q = sqrt(-2.0 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  double e = 0.5 * erfc(-x / sqrt(2.0)) - p;
  double u = e * sqrt(2.0 * M_PI) * exp(x * x / 2.0);
  return x - u / (1.0 + x * u / 2.0);
}

double churn__normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) return p == 0.0 ? -INFINITY : (p == 1.0 ? INFINITY : NAN);
  return p <= 0.5 ? lower_tail_quantile(p) : -lower_tail_quantile(1.0 - p);
}

static double log_gamma(double a) {
  int sign;
  return lgamma_r(a, &sign);
}

/* Q(a, x) by its continued fraction (modified Lentz), good for x >= a + 1. */
static double gamma_q_cf(double a, double x) {
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 10000; i++) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 1e-16) break;
  }
  return exp(-x + a * log(x) - log_gamma(a)) * h;
}

/* P(a, x) by its series, good for x < a + 1. */
static double gamma_p_series(double a, double x) {
  double ap = a, sum = 1.0 / a, del = sum;
  for (int n = 0; n < 10000; n++) {
    ap += 1.0;
    del *= x / ap;
    sum += del;
    if (fabs(del) < fabs(sum) * 1e-17) break;
  }
  return sum * exp(-x + a * log(x) - log_gamma(a));
}

double churn__gamma_q(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return NAN;
  if (x == 0) return 1.0;
  if (isinf(x)) return 0.0;
  if (x < a + 1.0) return 1.0 - gamma_p_series(a, x);
  return gamma_q_cf(a, x);
}

double churn__chi2_sf(double x, double df) {
  if (!(df > 0)) return NAN;
  if (x <= 0) return 1.0;
  return churn__gamma_q(0.5 * df, 0.5 * x);
}

void churn__wilson_q(double q, double m, double z, double *lo, double *hi) {
  if (!(m > 0.0)) {
    *lo = *hi = NAN;
    return;
  }
  double z2 = z * z, denom = 1.0 + z2 / m;
  double center = (q + z2 / (2.0 * m)) / denom;
  double dist = z * sqrt(q * (1.0 - q) / m + z2 / (4.0 * m * m)) / denom;
  *lo = fmax(0.0, center - dist); /* 0 and 1 exactly at k = 0 and k = m, not 1e-19 beyond */
  *hi = fmin(1.0, center + dist);
}

void churn__wilson(double k, double m, double z, double *lo, double *hi) {
  churn__wilson_q(m > 0.0 ? k / m : NAN, m, z, lo, hi);
}
