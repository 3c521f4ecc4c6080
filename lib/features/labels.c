/*
 * labels.c -- churn labels for (subscriber, T) rows: did the subscriber churn within the horizon
 * (T, T + H], by cancellation, by N months without using any service, or either, and in which
 * churn category.  Unlike features, labels look after T: that is their purpose.
 */
#include "feat.h"

typedef struct label_cfg {
  int64_t horizon;   /* seconds */
  int definition;    /* churn_label_definition */
  int64_t idle;      /* N months, seconds */
} label_cfg;

static churn_status label_cfg_read(const churn_options *opts, label_cfg *cfg) {
  int64_t h = 90, def = CHURN_LABEL_EITHER, months = 3;
  if (opts) {
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_LABEL_HORIZON_DAYS, &h));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_LABEL_DEFINITION, &def));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_LABEL_INACTIVE_MONTHS, &months));
  }
  cfg->horizon = h * CHURN__DAY;
  cfg->definition = (int)def;
  cfg->idle = months * CHURN__MONTH;
  return CHURN_OK;
}

/* The first cancellation in (T, E]: its time (CHURN_TIME_NONE if none) and category.  *before
 * is set when the subscriber was already cancelled at or before T. */
static int64_t first_cancel(const churn_dataset *ds, int64_t s, int64_t T, int64_t E,
                            int32_t *category, bool *before) {
  const churn__events *ev = &ds->ev;
  int64_t c = ds->subs.cancellation[s];
  *before = c != CHURN_TIME_NONE && c <= T;
  for (int64_t e = ev->off[s]; e < ev->off[s + 1] && ev->time[e] <= E; e++) {
    if (ev->kind[e] != CHURN_EV_CANCEL) continue;
    if (ev->time[e] <= T) {
      *before = true;
      continue;
    }
    *category = (int32_t)churn_cancel_reason_category(ev->code[e]);
    return ev->time[e];
  }
  if (c != CHURN_TIME_NONE && c > T && c <= E) {
    *category = CHURN_CATEGORY_UNKNOWN; /* a date in the table without a cancel event */
    return c;
  }
  return CHURN_TIME_NONE;
}

/* The first moment in (T, E] at which the subscriber has used no service (view or usage event)
 * for `idle` seconds, counted from the last use, or from activation (from the first event when
 * activation is unknown) before any use; CHURN_TIME_NONE if none. */
static int64_t first_idle(const churn_dataset *ds, int64_t s, int64_t T, int64_t E,
                          int64_t idle) {
  const churn__events *ev = &ds->ev;
  int64_t lo = ev->off[s], hi = ev->off[s + 1];
  int64_t prev = ds->subs.activation[s];
  if (prev == CHURN_TIME_NONE) {
    if (lo == hi) return CHURN_TIME_NONE;
    prev = ev->time[lo];
  }
  for (int64_t e = lo; e < hi && ev->time[e] <= E; e++) {
    int k = ev->kind[e];
    if (k != CHURN_EV_VIEW && k != CHURN_EV_USAGE) continue;
    int64_t u = ev->time[e];
    if (u > prev + idle && prev + idle > T) return prev + idle;
    if (u > prev) prev = u;
  }
  int64_t c = prev + idle;
  return (c > T && c <= E) ? c : CHURN_TIME_NONE;
}

static churn_status check_args(const churn_dataset *ds, const int64_t *subscribers,
                               const int64_t *as_of, int64_t n, const double *y) {
  CHURN_CHECK_ARG(ds != NULL, "churn_labels_compute: ds is NULL");
  CHURN_CHECK_ARG(n >= 0, "churn_labels_compute: n is negative");
  CHURN_CHECK_ARG(n == 0 || (subscribers != NULL && as_of != NULL && y != NULL),
                  "churn_labels_compute: subscribers, as_of and y must not be NULL");
  if (!ds->ev.finalized) {
    return churn__fail(CHURN_E_STATE, "churn_labels_compute: the dataset is not finalized "
                                      "(call churn_dataset_finalize)");
  }
  for (int64_t i = 0; i < n; i++) {
    if (subscribers[i] < 0 || subscribers[i] >= ds->subs.n) {
      return churn__fail(CHURN_E_ARG, "churn_labels_compute: subscribers[%lld] = %lld is not a "
                                      "subscriber index in [0, %lld)",
                         (long long)i, (long long)subscribers[i], (long long)ds->subs.n);
    }
    if (as_of[i] == CHURN_TIME_NONE) {
      return churn__fail(CHURN_E_ARG, "churn_labels_compute: as_of[%lld] is CHURN_TIME_NONE",
                         (long long)i);
    }
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_labels_compute(const churn_dataset *ds, const int64_t *subscribers,
                                            const int64_t *as_of, int64_t n,
                                            const churn_options *opts, double *y,
                                            int32_t *category, int64_t *churn_time) {
  CHURN_TRY(check_args(ds, subscribers, as_of, n, y));
  label_cfg cfg;
  CHURN_TRY(label_cfg_read(opts, &cfg));
  for (int64_t i = 0; i < n; i++) {
    int64_t s = subscribers[i], T = as_of[i], E = T + cfg.horizon;
    int32_t cancel_cat = CHURN_CATEGORY_UNKNOWN;
    bool before = false;
    int64_t tc = first_cancel(ds, s, T, E, &cancel_cat, &before);
    bool by_cancel = !before && cfg.definition != CHURN_LABEL_NON_USE && tc != CHURN_TIME_NONE;
    int64_t ti = (!before && cfg.definition != CHURN_LABEL_CANCEL)
                     ? first_idle(ds, s, T, E, cfg.idle)
                     : CHURN_TIME_NONE;
    int64_t t = by_cancel ? tc : CHURN_TIME_NONE;
    if (ti != CHURN_TIME_NONE && (t == CHURN_TIME_NONE || ti < t)) t = ti;
    /* the category comes from the cancellation reason; churn by non-use alone is unknown */
    int32_t cat = by_cancel ? cancel_cat : CHURN_CATEGORY_UNKNOWN;
    y[i] = t != CHURN_TIME_NONE ? 1.0 : 0.0;
    if (category) category[i] = t != CHURN_TIME_NONE ? cat : -1;
    if (churn_time) churn_time[i] = t;
  }
  return CHURN_OK;
}
