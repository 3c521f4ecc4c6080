/*
 * gray.c -- Gray's (1988) test that the cumulative incidence of a competing risk is the same
 * in two groups: the score of group 0 and Gray's consistent variance estimator, for each
 * event category against all other categories as competing events.
 */
#include "survival.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct gray_obs {
  double time;
  int64_t category;
  int group;
} gray_obs;

static int cmp_time(const void *a, const void *b) {
  const gray_obs *x = a, *y = b;
  return (x->time > y->time) - (x->time < y->time);
}

/* Gray's score and variance for one cause (2 groups).  Notation of the paper: at each distinct
 * time, for group g: R[g] at risk, d1[g] events of the cause, d2[g] competing events,
 * S[g] / Sm[g] its Kaplan-Meier survival after / before the time, F1[g] / F1m[g] its
 * cumulative incidence of the cause after / before.  h = sum R/Sm, q = sum R (1 - F1m) / Sm;
 * the pooled F(t) = F(t-) + D1 / h.  The variance is accumulated as in Gray's section 3:
 *   a(i,j) = W (R_i/Sm_i) (delta_ij - R_j/(Sm_j h)), the derivative of the score with
 *   respect to group j's cumulative hazard, c(i,j) its running sum weighted by D1/(h(1-F-)),
 *   and the martingale variances of each group's cause and competing events. */
static void gray_one(const gray_obs *o, int64_t n, int64_t cause, double rho, double *score,
                     double *var) {
  double R[2] = {0, 0};
  for (int64_t i = 0; i < n; i++) R[o[i].group] += 1.0;
  double Sm[2] = {1, 1}, S[2] = {1, 1}, F1m[2] = {0, 0}, F1[2] = {0, 0};
  double c[2][2] = {{0, 0}, {0, 0}}, a[2][2], v3[2] = {0, 0}, v2[2] = {0, 0};
  double s = 0.0, v = 0.0, Fm = 0.0;
  for (int64_t lo = 0; lo < n;) {
    int64_t hi = lo;
    while (hi < n && o[hi].time == o[lo].time) hi++;
    double d1[2] = {0, 0}, d2[2] = {0, 0};
    for (int64_t i = lo; i < hi; i++) {
      if (o[i].category == cause) d1[o[i].group] += 1.0;
      else if (o[i].category > 0) d2[o[i].group] += 1.0;
    }
    double D1 = d1[0] + d1[1], D2 = d2[0] + d2[1];
    if (D1 > 0.0 || D2 > 0.0) {
      double h = 0.0, q = 0.0;
      for (int g = 0; g < 2; g++) {
        if (R[g] <= 0.0) continue;
        S[g] = Sm[g] * (R[g] - d1[g] - d2[g]) / R[g];
        F1[g] = F1m[g] + Sm[g] * d1[g] / R[g];
        h += R[g] / Sm[g];
        q += R[g] * (1.0 - F1m[g]) / Sm[g];
      }
      double F = Fm + D1 / h, w = pow(1.0 - Fm, rho);
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
          a[i][j] = 0.0;
          if (R[i] <= 0.0 || R[j] <= 0.0) continue;
          double ti = R[i] / Sm[i];
          a[i][j] = i == j ? w * ti * (1.0 - ti / h) : -w * ti * R[j] / (Sm[j] * h);
          if (D1 > 0.0) c[i][j] += a[i][j] * D1 / (h * (1.0 - Fm));
        }
      }
      if (R[0] > 0.0) s += w * (d1[0] - D1 * R[0] * (1.0 - F1m[0]) / (Sm[0] * q));
      if (D1 > 0.0) { /* the cause's events: a multinomial over the pooled risk set */
        for (int k = 0; k < 2; k++) {
          if (R[k] <= 0.0) continue;
          double t4 = S[k] > 0.0 ? 1.0 - (1.0 - F) / S[k] : 1.0;
          double t5 = D1 > 1.0 ? 1.0 - (D1 - 1.0) / (h * Sm[k] - 1.0) : 1.0;
          double t3 = t5 * Sm[k] * D1 / (h * R[k]);
          double t1 = a[0][k] - t4 * c[0][k];
          v3[k] += t4 * t4 * t3;
          v2[k] += t1 * t4 * t3;
          v += t1 * t1 * t3;
        }
      }
      for (int k = 0; k < 2 && D2 > 0.0; k++) { /* the competing events of group k */
        if (S[k] <= 0.0 || d2[k] <= 0.0) continue;
        double t4 = (1.0 - F) / S[k];
        double t5 = d2[k] > 1.0 ? 1.0 - (d2[k] - 1.0) / (R[k] - 1.0) : 1.0;
        double t3 = t5 * Sm[k] * Sm[k] * d2[k] / (R[k] * R[k]);
        double t1 = t4 * c[0][k];
        v3[k] += t4 * t4 * t3;
        v2[k] -= t1 * t4 * t3;
        v += t1 * t1 * t3;
      }
      Fm = F;
    }
    for (int64_t i = lo; i < hi; i++) R[o[i].group] -= 1.0;
    for (int g = 0; g < 2; g++) {
      F1m[g] = F1[g];
      Sm[g] = S[g];
    }
    lo = hi;
  }
  for (int k = 0; k < 2; k++) v += c[0][k] * c[0][k] * v3[k] + 2.0 * c[0][k] * v2[k];
  *score = s;
  *var = v;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

CHURN_API churn_status churn_survival_gray_test(const double *duration, const int64_t *category,
                                       const int64_t *group, int64_t n, double rho,
                                       churn_table **out) {
  const char *fn = "churn_survival_gray_test";
  CHURN_CHECK_ARG(duration != NULL && category != NULL && group != NULL && out != NULL,
                  "%s: NULL argument", fn);
  CHURN_CHECK_ARG(n >= 1, "%s: n must be >= 1 (got %lld)", fn, (long long)n);
  CHURN_CHECK_ARG(churn__is_finite(rho) && rho >= 0.0, "%s: rho must be finite and >= 0", fn);
  int64_t ng[2] = {0, 0};
  for (int64_t i = 0; i < n; i++) {
    if (!churn__is_finite(duration[i]) || duration[i] < 0.0) {
      return churn__fail(CHURN_E_DATA, "%s: duration[%lld] = %g is not a finite time >= 0", fn,
                         (long long)i, duration[i]);
    }
    if (category[i] < 0) {
      return churn__fail(CHURN_E_DATA, "%s: category[%lld] = %lld is negative", fn,
                         (long long)i, (long long)category[i]);
    }
    if (group[i] != 0 && group[i] != 1) {
      return churn__fail(CHURN_E_DATA, "%s: group[%lld] = %lld is not 0 or 1", fn, (long long)i,
                         (long long)group[i]);
    }
    ng[group[i]]++;
  }
  if (ng[0] == 0 || ng[1] == 0) {
    return churn__fail(CHURN_E_DATA, "%s: group %d has no subjects: the test compares two "
                       "groups", fn, ng[0] == 0 ? 0 : 1);
  }
  gray_obs *o = churn__malloc_array((size_t)n, sizeof *o);
  int64_t *cats = churn__malloc_array((size_t)n, sizeof *cats);
  if (o == NULL || cats == NULL) {
    churn__free(o);
    churn__free(cats);
    return churn__nomem("Gray's test");
  }
  int64_t nc = 0;
  for (int64_t i = 0; i < n; i++) {
    o[i] = (gray_obs){duration[i], category[i], (int)group[i]};
    if (category[i] > 0) cats[nc++] = category[i];
  }
  qsort(o, (size_t)n, sizeof *o, cmp_time);
  qsort(cats, (size_t)nc, sizeof *cats, cmp_i64);
  int64_t m = 0;
  for (int64_t i = 0; i < nc; i++) {
    if (i == 0 || cats[i] != cats[i - 1]) cats[m++] = cats[i];
  }
  int64_t *cat = churn__malloc_array((size_t)m, 8), *df = churn__malloc_array((size_t)m, 8);
  double *stat = churn__malloc_array((size_t)m, 8), *pv = churn__malloc_array((size_t)m, 8);
  double *sc = churn__malloc_array((size_t)m, 8), *vr = churn__malloc_array((size_t)m, 8);
  if (!cat || !df || !stat || !pv || !sc || !vr) {
    churn__free(o), churn__free(cats), churn__free(cat), churn__free(df);
    churn__free(stat), churn__free(pv), churn__free(sc), churn__free(vr);
    return churn__nomem("Gray's test");
  }
  for (int64_t k = 0; k < m; k++) {
    cat[k] = cats[k];
    df[k] = 1;
    gray_one(o, n, cats[k], rho, &sc[k], &vr[k]);
    stat[k] = vr[k] > 0.0 ? sc[k] * sc[k] / vr[k] : NAN;
    pv[k] = vr[k] > 0.0 ? churn__chi2_sf(stat[k], 1.0) : NAN;
  }
  churn__free(o);
  churn__free(cats);
  churn__col cols[6] = {{"category", 'i', cat}, {"statistic", 'f', stat}, {"df", 'i', df},
                        {"p_value", 'f', pv},   {"score", 'f', sc},       {"variance", 'f', vr}};
  return churn__table_from_cols(m, cols, 6, out);
}
