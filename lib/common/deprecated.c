/*
 * deprecated.c -- the names public calls had before 1.2, kept exported for the ABI until 2.0:
 * each forwards to the call's new name (churn.h, section 9).
 */
#define CHURN_NO_DEPRECATION_WARNINGS
#include "calendar.h"
#include "internal.h"

CHURN_API churn_status churn_km(const double *duration, const double *event, const double *entry,
                                int64_t n, double alpha, churn_table **out) {
  return churn_survival_km(duration, event, entry, n, alpha, out);
}

CHURN_API churn_status churn_cif(const double *duration, const int64_t *category,
                                 const double *entry, int64_t n, double alpha,
                                 churn_table **out) {
  return churn_survival_cif(duration, category, entry, n, alpha, out);
}

CHURN_API churn_status churn_gray_test(const double *duration, const int64_t *category,
                                       const int64_t *group, int64_t n, double rho,
                                       churn_table **out) {
  return churn_survival_gray_test(duration, category, group, n, rho, out);
}

CHURN_API churn_status churn_check_separation(const void *X, churn_dtype dtype, int64_t n,
                                              int64_t d, int64_t ld, const double *y,
                                              int fit_intercept, int *kind, int8_t *direction) {
  return churn_separation_check(X, dtype, n, d, ld, y, fit_intercept, kind, direction);
}

CHURN_API int64_t churn_contact_deadline(int64_t t, int64_t working_days) {
  int64_t day = churn__floor_div(t, 86400);
  return t + (churn__add_working_days(NULL, day, working_days) - day) * 86400;
}
