/*
 * labels.c -- churn labels for (subscriber, T) rows: did the subscriber churn within the horizon
 * (T, T + H] under the library's one churn definition (cancellation, N months without using
 * any service, or either; data/spells.c, the spells every KPI reads too), and in which churn
 * category.  Unlike features, labels look after T: that is their purpose.
 */
#include "data/spells.h"
#include "feat.h"

#include <string.h>

/* The first churn of subscriber s in (T, E]: the first of its spells (under the library's one
 * churn definition, data/spells.c) that ends there.  CHURN_TIME_NONE when none. */
static int64_t first_churn(const churn__spells *sp, int64_t T, int64_t E, int32_t *category) {
  for (int64_t k = 0; k < sp->n; k++) {
    if (sp->how[k] == CHURN__END_OPEN || sp->end[k] <= T || sp->end[k] > E) continue;
    *category = (int32_t)churn_cancel_reason_category(sp->reason[k]);
    return sp->end[k];
  }
  return CHURN_TIME_NONE;
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
  int64_t h = 90;
  if (opts) CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_LABEL_HORIZON_DAYS, &h));
  churn__churn_def def;
  CHURN_TRY(churn__churn_def_read(ds, opts, "churn_labels_compute", &def));
  churn__spells sp;
  memset(&sp, 0, sizeof sp);
  churn__spell_scratch scratch = {NULL, 0};
  churn_status st = CHURN_OK;
  for (int64_t i = 0; i < n && st == CHURN_OK; i++) {
    int64_t s = subscribers[i], T = as_of[i], E = T + h * CHURN__DAY;
    sp.n = 0;
    st = churn__spells_of(ds, &def, s, &scratch, &sp);
    int32_t cat = -1;
    int64_t t = st == CHURN_OK ? first_churn(&sp, T, E, &cat) : CHURN_TIME_NONE;
    y[i] = t != CHURN_TIME_NONE ? 1.0 : 0.0;
    if (category) category[i] = t != CHURN_TIME_NONE ? cat : -1;
    if (churn_time) churn_time[i] = t;
  }
  churn__free(scratch.buf);
  churn__spells_free(&sp);
  return st;
}
