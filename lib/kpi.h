/*
 * kpi.h -- what the retention-KPI files (kpi_*.c) and the survival estimators (survival.c) share:
 * the survival estimators' row buffers, subscriber active spells, segments and calendar months.
 * Never installed.
 */
#ifndef CHURN_KPI_H
#define CHURN_KPI_H

#include "internal.h"

/* --- survival estimators (survival.c) ----------------------------------------------------- */

/* Rows of a Kaplan-Meier or cumulative-incidence result, appended group by group. */
typedef struct churn__surv_rows {
  int64_t n, cap;
  int64_t *group;      /* the caller's group number of each row */
  double *time;
  int64_t *at_risk;    /* KM only */
  int64_t *events;     /* KM only */
  int64_t *category;   /* CIF only */
  double *estimate;    /* survival (KM) or cif (CIF) */
  double *se, *lo, *hi;
} churn__surv_rows;

/* An empty buffer with room for a first row; freed by churn__surv_rows_free. */
churn_status churn__surv_rows_init(churn__surv_rows *r, bool km);
void churn__surv_rows_free(churn__surv_rows *r);

/* Moves the rows into a new table (emptying them either way): a leading "segment" column of
 * group_labels[group] when group_labels is given; CIF categories as category_labels[code - 1]
 * strings when category_labels is given, else as i64 codes. */
churn_status churn__surv_table(churn__surv_rows *r, bool km, const char *const *group_labels,
                               const char *const *category_labels, churn_table **out);

/* The inputs of one estimate: n subjects with exit times (finite, >= 0), categories (0 censored,
 * > 0 the event's category; KM counts every category > 0 as the event) and entry times (NULL for
 * none; -INFINITY marks a subject that is at risk from the origin).  A subject is at risk at t
 * when entry < t <= exit.  Checked by the caller. */
typedef struct churn__surv_input {
  int64_t n;
  const double *exit;
  const int64_t *category;
  const double *entry;
} churn__surv_input;

/* Appends the Kaplan-Meier rows of one group (z is the two-sided normal quantile). */
churn_status churn__km_rows(const churn__surv_input *in, double z, int64_t group,
                            churn__surv_rows *rows);
/* Appends the Aalen-Johansen rows of one group: one per distinct event time and category. */
churn_status churn__cif_rows(const churn__surv_input *in, double z, int64_t group,
                             churn__surv_rows *rows);

/* The standard normal quantile function (|relative error| < 1e-15 on (0, 1)). */
double churn__normal_quantile(double p);

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

/* --- calendar months (UTC) ------------------------------------------------------------------- */

/* The first second of the UTC calendar month containing t, and of the month k months later. */
int64_t churn__month_floor(int64_t t);
int64_t churn__month_add(int64_t month_start, int64_t k);
/* "YYYY-MM" of the month containing t (buf of at least 16 bytes). */
void churn__month_label(int64_t t, char *buf);
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

/* The 95% Wilson score interval of k successes out of m trials (NaN for m = 0). */
void churn__wilson95(double k, double m, double *lo, double *hi);

/* Builds a table of n rows from the columns given (kinds: 'f' f64, 'i' i64, 's' str), taking
 * ownership of f64/i64 arrays (from churn__malloc, freed on failure too) and copying strings. */
typedef struct churn__col {
  const char *name;
  char kind;
  void *data;
} churn__col;
churn_status churn__kpi_table(int64_t n, churn__col *cols, int ncols, churn_table **out);

#endif
