/*
 * kpi_forecast.c -- snapshot retention forecast: photographs a cohort (churn_kpi_snapshot),
 * fits a cohort retention model (forecast.c) on the months observed by as_of and projects the
 * rest of the target series.
 */
#include "kpi.h"

#include <math.h>
#include <string.h>

/* The snapshot's columns this file reads. */
typedef struct snap_cols {
  const int64_t *index, *cohort, *active;
  const char *const *month;
  const double *target;
} snap_cols;

static churn_status snap_read(const churn_table *t, snap_cols *c) {
  int64_t j;
  CHURN_TRY(churn_table_find(t, "month_index", &j));
  CHURN_TRY(churn_table_i64(t, j, &c->index));
  CHURN_TRY(churn_table_find(t, "cohort", &j));
  CHURN_TRY(churn_table_i64(t, j, &c->cohort));
  CHURN_TRY(churn_table_find(t, "active", &j));
  CHURN_TRY(churn_table_i64(t, j, &c->active));
  CHURN_TRY(churn_table_find(t, "month", &j));
  CHURN_TRY(churn_table_str(t, j, &c->month));
  CHURN_TRY(churn_table_find(t, "target", &j));
  CHURN_TRY(churn_table_f64(t, j, &c->target));
  return CHURN_OK;
}

/* Fills the result columns from the snapshot, the fit and the forecast. */
typedef struct out_cols {
  int64_t *index, *observed, *cohort;
  double *active, *retention, *expected, *lo, *hi, *target, *margin, *prob;
} out_cols;

static churn_status fill(const snap_cols *s, int64_t nmonths, int64_t m,
                         const churn_cohort_model *model, const churn_table *fc, out_cols *o) {
  const double *share = NULL, *lo = NULL, *hi = NULL, *prob = NULL;
  int64_t j;
  if (fc) {
    CHURN_TRY(churn_table_find(fc, "share", &j));
    CHURN_TRY(churn_table_f64(fc, j, &share));
    CHURN_TRY(churn_table_find(fc, "ci_low", &j));
    CHURN_TRY(churn_table_f64(fc, j, &lo));
    CHURN_TRY(churn_table_find(fc, "ci_high", &j));
    CHURN_TRY(churn_table_f64(fc, j, &hi));
    CHURN_TRY(churn_table_find(fc, "prob_meet", &j));
    CHURN_TRY(churn_table_f64(fc, j, &prob));
  }
  for (int64_t k = 0; k < nmonths; k++) {
    bool seen = k < m;
    double size = (double)s->cohort[k], tg = s->target[k];
    o->index[k] = s->index[k];
    o->observed[k] = seen;
    o->cohort[k] = s->cohort[k];
    o->target[k] = tg;
    if (seen) {
      double t = (double)(k + 1), surv;
      CHURN_TRY(churn_cohort_survival(model, &t, 1, &surv, NULL));
      o->active[k] = (double)s->active[k];
      o->retention[k] = size > 0 ? (double)s->active[k] / size : NAN;
      o->expected[k] = surv;
      o->lo[k] = o->hi[k] = NAN;
      o->margin[k] = o->retention[k] - tg;
      o->prob[k] = o->margin[k] >= 0.0 ? 1.0 : 0.0;
    } else {
      o->active[k] = o->retention[k] = NAN;
      o->expected[k] = share[k - m];
      o->lo[k] = lo[k - m];
      o->hi[k] = hi[k - m];
      o->margin[k] = share[k - m] - tg;
      o->prob[k] = prob[k - m];
    }
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_kpi_snapshot_forecast(const churn_dataset *ds, int64_t base_date,
                                                   int64_t as_of, int64_t nmonths,
                                                   const char *column, const char *label,
                                                   const int64_t *members, int64_t nmembers,
                                                   const double *target, churn_cohort_kind kind,
                                                   double alpha, const churn_options *opts,
                                                   churn_table **out,
                                                   churn_cohort_model **model) {
  const char *fn = "churn_kpi_snapshot_forecast";
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_CHECK_ARG(nmonths >= 1, "%s: nmonths must be >= 1", fn);
  CHURN_CHECK_ARG(alpha > 0.0 && alpha < 1.0, "%s: alpha must be in (0, 1)", fn);
  churn_table *snap = NULL, *fc = NULL, *res = NULL;
  churn_cohort_model *fit = NULL;
  double *alive = NULL;
  CHURN_TRY(churn_kpi_snapshot(ds, base_date, nmonths, column, label, members, nmembers, target,
                               opts, &snap));
  snap_cols s;
  churn_status st = snap_read(snap, &s);
  int64_t offset = 0, m = 0;
  if (st == CHURN_OK) st = churn__kpi_utc_offset(opts, ds, fn, &offset);
  int64_t first = churn__kpi_month_floor(base_date, offset);
  while (m < nmonths && churn__kpi_month_add(first, m + 1, offset) <= as_of) m++;
  int64_t need = kind == CHURN_COHORT_BDW ? 3 : 2;
  if (st == CHURN_OK && m < need) {
    st = churn__fail(CHURN_E_DATA, "%s: only %lld month(s) of the cohort have ended by as_of; "
                     "the fit needs at least %lld", fn, (long long)m, (long long)need);
  }
  if (st == CHURN_OK && s.cohort[0] == 0) {
    st = churn__fail(CHURN_E_DATA, "%s: the cohort is empty (no subscriber active at base_date "
                     "matches the filters)", fn);
  }
  if (st == CHURN_OK) {
    alive = churn__malloc_array((size_t)m + 1, sizeof *alive);
    if (alive == NULL) st = churn__nomem("snapshot forecast");
  }
  if (st == CHURN_OK) {
    alive[0] = (double)s.cohort[0];
    for (int64_t k = 1; k <= m; k++) alive[k] = fmin(alive[k - 1], (double)s.active[k - 1]);
    int64_t len = m + 1;
    st = churn_cohort_fit(kind, alive, &len, 1, &fit);
    if (st == CHURN_E_NOT_CONVERGED && kind != CHURN_COHORT_GEOMETRIC) { /* constant rate */
      churn_clear_error();
      st = churn_cohort_fit(CHURN_COHORT_GEOMETRIC, alive, &len, 1, &fit);
    }
    if (st != CHURN_OK) churn__context(st, "%s", fn);
  }
  if (st == CHURN_OK && m < nmonths) {
    st = churn_cohort_forecast(fit, alive[0], m, alive[m], nmonths, s.target, alpha, &fc);
  }
  if (st == CHURN_OK) {
    out_cols o;
    int64_t **ic[3] = {&o.index, &o.observed, &o.cohort};
    double **fcols[8] = {&o.active, &o.retention, &o.expected, &o.lo,
                         &o.hi,     &o.target,    &o.margin,   &o.prob};
    bool ok = true;
    for (int c = 0; c < 3; c++) ok &= (*ic[c] = churn__malloc_array((size_t)nmonths, 8)) != NULL;
    for (int c = 0; c < 8; c++) {
      ok &= (*fcols[c] = churn__malloc_array((size_t)nmonths, 8)) != NULL;
    }
    st = ok ? fill(&s, nmonths, m, fit, fc, &o) : churn__nomem("snapshot forecast");
    churn__col cols[12] = {{"month_index", 'i', o.index}, {"month", 's', (void *)s.month},
                           {"observed", 'i', o.observed}, {"cohort", 'i', o.cohort},
                           {"active", 'f', o.active},     {"retention", 'f', o.retention},
                           {"expected", 'f', o.expected}, {"ci_low", 'f', o.lo},
                           {"ci_high", 'f', o.hi},        {"target", 'f', o.target},
                           {"margin", 'f', o.margin},     {"prob_meet", 'f', o.prob}};
    if (st == CHURN_OK) {
      st = churn__table_from_cols(nmonths, cols, 12, &res);
    } else {
      for (int c = 0; c < 3; c++) churn__free(*ic[c]);
      for (int c = 0; c < 8; c++) churn__free(*fcols[c]);
    }
  }
  churn__free(alive);
  churn_table_free(fc);
  churn_table_free(snap);
  if (st != CHURN_OK) {
    churn_cohort_model_free(fit);
    return st;
  }
  *out = res;
  if (model) {
    *model = fit;
  } else {
    churn_cohort_model_free(fit);
  }
  return CHURN_OK;
}
