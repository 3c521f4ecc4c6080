/*
 * survival.h -- what the survival estimators on arrays (survival.c), Gray's test and the cohort
 * models share with the retention curves of a dataset (kpi/kpi_survival.c): the row buffers of a
 * Kaplan-Meier or cumulative-incidence result and the estimators that fill them.  Never installed.
 */
#ifndef CHURN_SURVIVAL_H
#define CHURN_SURVIVAL_H

#include "common/internal.h"
#include "common/special.h"

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

#endif
