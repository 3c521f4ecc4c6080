/*
 * finish.c -- turns a converged fit into a churn_model: de-standardised coefficients, the
 * population-rate shift and the covariance on the original scale.  The plain (solver.c) and
 * Firth (firth.c) fits both end here, so they cannot report the same estimate two ways.
 */
#include "model.h"

#include <math.h>
#include <string.h>

/* Row a of T = [1, -c'/s; 0, diag(1/s)] at column p (intercept first when fi). */
static double t_entry(const churn__model_parts *p, int64_t a, int64_t q) {
  const int64_t fi = p->fit_intercept;
  if (fi && a == 0) return q == 0 ? 1.0 : -p->center[q - 1] / p->scale[q - 1];
  return q == a ? 1.0 / p->scale[a - fi] : 0.0;
}

/* m->cov = T cov_z T'.  Row a of T has at most two kinds of non-zeros (the intercept row is
 * dense, every other row diagonal), so each entry costs O(k) for the intercept and O(1) else. */
static void covariance_to_original(const churn__model_parts *p, int64_t k, double *cov) {
  const double *cz = p->cov_z;
  for (int64_t a = 0; a < k; a++) {
    for (int64_t b = a; b < k; b++) {
      double acc = 0;
      for (int64_t q = 0; q < k; q++) {
        double ta = t_entry(p, a, q);
        if (ta == 0) continue;
        for (int64_t r = 0; r < k; r++) {
          double tb = t_entry(p, b, r);
          if (tb != 0) acc += ta * cz[q * k + r] * tb;
        }
      }
      cov[a * k + b] = cov[b * k + a] = acc;
    }
  }
}

churn_status churn__model_finish(churn__model_parts *p, churn_model **out) {
  const int64_t d = p->d, fi = p->fit_intercept, k = d + fi;
  churn_model *m = NULL;
  CHURN_TRY(churn__model_new(d, (int)fi, &m));
  churn_status st = CHURN_OK;
  for (int64_t j = 0; j < d && st == CHURN_OK; j++) st = churn__model_set_name(m, j, p->names[j]);
  if (st == CHURN_OK) {
    memcpy(m->mean, p->center, (size_t)d * sizeof(double));
    memcpy(m->scale, p->scale, (size_t)d * sizeof(double));
    double b0 = fi ? p->beta[0] : 0.0;
    for (int64_t j = 0; j < d; j++) {
      m->coef[j] = p->beta[fi + j] / p->scale[j];
      b0 -= m->coef[j] * p->center[j];
    }
    m->config = *p->config;
    m->info = p->info;
    m->info.intercept_shift = 0.0;
    if (fi && p->config->population_rate > 0) {
      double tau = p->config->population_rate, ybar = p->sample_rate;
      m->info.intercept_shift = -log((1 - tau) / tau * ybar / (1 - ybar));
      b0 += m->info.intercept_shift;
    }
    m->intercept = fi ? b0 : 0.0;
  }
  if (st == CHURN_OK && p->cov_z != NULL) {
    st = churn__model_alloc_cov(m);
    if (st == CHURN_OK) covariance_to_original(p, k, m->cov);
  }
  if (st != CHURN_OK) {
    churn_model_free(m);
    return st;
  }
  *out = m;
  return CHURN_OK;
}
