/*
 * firth.h -- Firth's bias-reduced logistic regression (firth.c): the in-memory driver that
 * churn_model_fit hands CHURN_PENALTY_FIRTH to, and the pieces of the Newton driver's set-up
 * (solver.c) it reuses: option reading, the moments pass and its data checks, standardisation,
 * class weights, the start, and the rank check.  Never installed.
 */
#ifndef CHURN_FIRTH_H
#define CHURN_FIRTH_H

#include "logit.h"
#include "model.h"

/* 1 when opts (NULL = defaults) ask for fit.penalty = FIRTH. */
int churn__firth_requested(const churn_options *opts);

/* churn_model_fit for fit.penalty = FIRTH (same arguments and errors; the caller has checked
 * out, X's shape, n >= 1 and y; fn names the public call in messages). */
churn_status churn__firth_fit(const char *fn, const void *X, churn_dtype dtype, int64_t n,
                              int64_t d, int64_t ld, const double *y, const double *sample_weight,
                              const char *const *feature_names, const churn_options *opts,
                              churn_model **out);

/* The solver's set-up after churn_solver_begin, read in place (valid while the solver lives). */
typedef struct churn__solver_view {
  int64_t d, k;
  int fi;
  const char *const *names;      /* d */
  const double *center, *scale;  /* d: z = (x - center) / scale */
  const double *beta0;           /* k: the starting point (intercept at the log odds) */
  const churn__fit_config *cfg;  /* class weights resolved */
  int64_t n, positives;          /* rows, rows with y = 1 */
  double sum_w, sum_w_positive;  /* sample weights only (no class weights) */
} churn__solver_view;

/* churn__solver_new that accepts FIRTH (every other caller refuses it). */
churn_status churn__solver_new_firth(int64_t d, const char *const *feature_names,
                                     const churn_options *opts, int *nthreads,
                                     churn_solver **out);
void churn__solver_setup(const churn_solver *s, churn__solver_view *v);
/* The solver's rank check on a full symmetric k x k information matrix (CHURN_E_SINGULAR naming
 * the dependent columns). */
churn_status churn__solver_check_rank(churn_solver *s, const double *H);

#endif
