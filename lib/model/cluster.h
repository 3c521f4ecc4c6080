/*
 * cluster.h -- cluster-robust covariance of the in-memory fit (cluster.c): cluster labels to
 * dense ids, the argument checks of churn_model_fit_clustered (fit.c) and the extra pass at the
 * estimate.  Never installed.
 */
#ifndef CHURN_CLUSTER_H
#define CHURN_CLUSTER_H

#include "logit.h"

/* n cluster labels mapped to dense ids 0..G-1 (in order of first appearance), with the rows of
 * each cluster listed together: rows order[start[g] .. start[g+1]) belong to cluster g, in
 * increasing row order. */
typedef struct churn__clusters {
  int64_t n, G;
  int want_cov;    /* 0: penalised or INFERENCE=0, no covariance (only cov_type is recorded) */
  int64_t *start;  /* G + 1 */
  int64_t *order;  /* n */
} churn__clusters;

/* Maps groups[0..n) (any int64 values) to clusters.  CHURN_E_NOMEM only; G may be 1. */
churn_status churn__clusters_make(const int64_t *groups, int64_t n, churn__clusters *out);
void churn__clusters_free(churn__clusters *c);

/* Called instead of churn__solver_finish once s converged: with inference on an unpenalised
 * fit, one pass at the estimate sums each cluster's scores, hands sum_g S_g S_g' (times the
 * small-sample factor) to the solver as the sandwich's meat and records G in the model. */
churn_status churn__cluster_finish(churn_solver *s, const churn__clusters *cl, const void *X,
                                   churn_dtype dtype, int64_t ld, const double *y,
                                   const double *w, int nthreads, churn_model **out);

/* Checks the arguments of churn_model_fit_clustered (fn names it in messages): groups not NULL,
 * fit.cov_type CLUSTER, no Firth, n > k, at least 2 clusters; then builds *cl and *plain, a copy
 * of opts with a nonrobust covariance for the solver (the cluster meat replaces it at the end).
 * On failure nothing is left to free. */
churn_status churn__clusters_prepare(const char *fn, int64_t n, int64_t d, const int64_t *groups,
                                     const churn_options *opts, churn__clusters *cl,
                                     churn_options **plain);

#endif
