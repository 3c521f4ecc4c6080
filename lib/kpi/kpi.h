/*
 * kpi.h -- what the retention-KPI files (kpi_*.c) share: segments, month boundaries and the
 * KPI options (the active spells come from data/spells.h).
 * Never installed.
 */
#ifndef CHURN_KPI_H
#define CHURN_KPI_H

#include "common/calendar.h"
#include "common/internal.h"
#include "common/special.h"
#include "data/dataset.h"
#include "data/spells.h"

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

/* --- rates -------------------------------------------------------------------------------- */

/* The denominator of a churn rate under CHURN_OPT_KPI_RATE_BASE (churn_kpi_rate_base). */
double churn__kpi_rate_base(int64_t base_kind, int64_t opening, int64_t activations,
                            int64_t closing);
/* churned / base (NaN for base 0) and its 95% Wilson interval with base taken as the trials
 * (NaN when churned exceeds the base, as it can with the opening base). */
void churn__kpi_rate(double churned, double base, double *rate, double *lo, double *hi);

/* Per spell k of sp: 1 when the spell is a return (rejoin): a later spell of the same
 * subscriber. */
churn_status churn__spells_rejoins(const churn_dataset *ds, const churn__spells *sp,
                                   uint8_t **rejoin);

/* --- month boundaries ------------------------------------------------------------------------ */

/* The index i of the interval [b[i], b[i+1]) holding t among nb sorted boundaries: -1 before
 * b[0], nb - 1 at or after the last one. */
int64_t churn__boundary_index(const int64_t *b, int64_t nb, int64_t t);

/* An option's value, or its default when opts is NULL. */
int64_t churn__kpi_opt_int(const churn_options *opts, churn_option key);
double churn__kpi_opt_real(const churn_options *opts, churn_option key);

/* CHURN_E_RANGE naming the argument for a date outside the years 1..9999. */
churn_status churn__kpi_check_date(int64_t t, const char *name, const char *fn);
/* CHURN_E_ARG naming fn when the period [from, to) is empty or an end is CHURN_TIME_NONE. */
churn_status churn__kpi_check_period(int64_t from, int64_t to, const char *fn);

/* The operator's UTC offset in seconds east of UTC (CHURN_OPT_KPI_UTC_OFFSET; 0 when opts is
 * NULL): CHURN_E_ARG naming fn and the text when it is not "+HH:MM" / "-HH:MM" within
 * -14:00..+14:00. */
churn_status churn__kpi_utc_offset(const churn_options *opts, const churn_dataset *ds,
                                   const char *fn, int64_t *offset);

/* The first second (Unix time) of the local calendar month containing t, and of the month k
 * months after the local month starting at month_start, for a UTC offset in seconds. */
int64_t churn__kpi_month_floor(int64_t t, int64_t offset);
int64_t churn__kpi_month_add(int64_t month_start, int64_t k, int64_t offset);

/* The local month boundaries from the month of `from` to the month after that of `to`:
 * *nmonths months, nmonths + 1 boundaries (CHURN_E_ARG naming fn for from > to, CHURN_E_RANGE
 * beyond 1200 months). */
churn_status churn__kpi_months(int64_t from, int64_t to, int64_t offset, const char *fn,
                               int64_t **bounds, int64_t *nmonths);
/* "YYYY-MM" labels of n local months starting at the boundaries (one allocation; free the
 * array). */
churn_status churn__kpi_month_labels(const int64_t *bounds, int64_t n, int64_t offset,
                                     char ***labels);

#endif
