/*
 * kpi.h -- what the retention-KPI files (kpi_*.c) share: subscriber active spells, segments,
 * month boundaries and the KPI options.
 * Never installed.
 */
#ifndef CHURN_KPI_H
#define CHURN_KPI_H

#include "common/calendar.h"
#include "common/internal.h"
#include "common/special.h"
#include "data/dataset.h"

/* --- active spells (kpi_common.c) -------------------------------------------------------- */

#define CHURN__OPEN_END INT64_MAX /* end of a spell that has not ended */

/* The active spells [start, end) of every subscriber, from the subscriber table's activation
 * and cancellation dates and the ACTIVATION / CANCEL events (see churn.h, "Active spells").
 * start = CHURN_TIME_NONE: active since before the data (activation unknown). */
typedef struct churn__spells {
  int64_t nsubs, n;
  int64_t *off;       /* nsubs + 1: spells of s are [off[s], off[s+1]) */
  int64_t *start, *end;
  uint8_t *reason;    /* cancel reason of the event that ended the spell (0 unknown / open) */
} churn__spells;

/* Builds the spells of a finalized dataset (CHURN_E_STATE naming fn otherwise). */
churn_status churn__spells_build(const churn_dataset *ds, const char *fn, churn__spells *sp);
void churn__spells_free(churn__spells *sp);

/* --- segments -------------------------------------------------------------------------------- */

/* A grouping of the subscribers by a categorical column: group[s] in [0, ngroups); labels[g]
 * points into the dataset (or at a static string) and lives as long as the dataset.  A NULL
 * column gives one group "(all)"; subscribers missing a label go to a last group "(missing)". */
typedef struct churn__segments {
  int64_t ngroups;
  int32_t *group;
  const char **labels;
} churn__segments;

churn_status churn__segments_build(const churn_dataset *ds, const char *column, const char *fn,
                                   churn__segments *seg);
void churn__segments_free(churn__segments *seg);

/* The code of `label` in a categorical column (CHURN_E_NOT_FOUND naming both otherwise). */
churn_status churn__segments_find(const churn__segments *seg, const char *column,
                                  const char *label, const char *fn, int32_t *code);

/* --- month boundaries ------------------------------------------------------------------------ */

/* The index i of the interval [b[i], b[i+1]) holding t among nb sorted boundaries: -1 before
 * b[0], nb - 1 at or after the last one. */
int64_t churn__boundary_index(const int64_t *b, int64_t nb, int64_t t);

/* An option's value, or its default when opts is NULL. */
int64_t churn__kpi_opt_int(const churn_options *opts, churn_option key);
double churn__kpi_opt_real(const churn_options *opts, churn_option key);

/* CHURN_E_RANGE naming the argument for a date outside the years 1..9999. */
churn_status churn__kpi_check_date(int64_t t, const char *name, const char *fn);

/* The UTC month boundaries from the month of `from` to the month after that of `to`: *nmonths
 * months, nmonths + 1 boundaries (CHURN_E_ARG naming fn for from > to, CHURN_E_RANGE beyond
 * 1200 months). */
churn_status churn__kpi_months(int64_t from, int64_t to, const char *fn, int64_t **bounds,
                               int64_t *nmonths);
/* "YYYY-MM" labels of n months starting at the boundaries (one allocation; free the array). */
churn_status churn__kpi_month_labels(const int64_t *bounds, int64_t n, char ***labels);

#endif
