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

void churn__surv_rows_free(churn__surv_rows *r);

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

#endif
