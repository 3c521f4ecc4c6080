/*
 * cluster.h -- cluster-robust covariance of the in-memory fit (cluster.c), and the in-memory fit
 * entry point (fit.c) that churn_model_fit and churn_model_fit_clustered share.  Never installed.
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

/* The in-memory fit (fit.c); fn names the public call in messages; cl NULL for a fit without
 * cluster covariance. */
churn_status churn__fit_in_memory(const char *fn, const void *X, churn_dtype dtype, int64_t n,
                                  int64_t d, int64_t ld, const double *y,
                                  const double *sample_weight, const churn__clusters *cl,
                                  const char *const *feature_names, const churn_options *opts,
                                  churn_model **out);

#endif
