/*
 * model.h -- the inside of a churn_model, shared by the files that build it (fit.c, solver.c),
 * read it (infer.c, score.c) and persist it (model_io.c).  Never installed.
 *
 * Conventions: k = d + fit_intercept coefficients; vectors over coefficients put the intercept
 * first.  Everything a persisted model needs is here; fields marked "derived" can be recomputed
 * from the others.  New fields go at the end of their group with a default that means "absent"
 * (NaN or 0), so an older file loads into a newer struct.
 */
#ifndef CHURN_MODEL_H
#define CHURN_MODEL_H

#include "common/internal.h"

/* The options a model was fitted with (a copy of the fit.* keys that shape the estimate). */
typedef struct churn__fit_config {
  int penalty;            /* churn_penalty */
  double C;               /* inverse penalty strength */
  double l1_ratio;        /* elastic-net mixing */
  int fit_intercept;      /* 0/1 */
  int standardize;        /* 0/1: penalty on z-scored (1) or raw (0) coefficients */
  int class_weight;       /* 0 none, 1 balanced */
  double class_weight0;   /* the weight factors applied to rows with y = 0 / y = 1 */
  double class_weight1;
  int cov_type;           /* churn_cov_type of the covariance below */
  double population_rate; /* 0 = no prior correction */
  double tol;
  int64_t max_iter;
  int inference;          /* 0/1 */
} churn__fit_config;

/* What the fit did and found. */
typedef struct churn__fit_info {
  int64_t n_obs;          /* rows */
  int64_t positives;      /* rows with y = 1 */
  double sum_w;           /* sum of weights (sample x class) */
  double sum_w_positive;  /* the same over rows with y = 1 */
  int64_t n_iter;         /* Newton iterations */
  int64_t n_passes;       /* full passes over X */
  int converged;          /* 0/1 */
  double loglik;          /* at the estimate, without the penalty term */
  double null_loglik;     /* intercept-only (or p = 0.5 without intercept) */
  double gradient_norm;   /* ||grad of the objective||_2, original scale, intercept included */
  double intercept_shift; /* added to the intercept by the population-rate correction */
  double penalized_loglik; /* CHURN_STAT_PENALIZED_LOGLIK; NaN when absent (older files) */
} churn__fit_info;

struct churn_model {
  int64_t d;              /* features */
  int64_t k;              /* coefficients: d + fit_intercept */
  char **names;           /* d owned strings */
  double *mean;           /* d: centring used in the fit (0 when none) */
  double *scale;          /* d: scaling used in the fit (1 when none) */
  double *coef;           /* d: coefficients on the original scale */
  double intercept;       /* original scale, population correction included; 0 without one */
  double *cov;            /* k*k row-major covariance on the original scale, or NULL */
  churn__fit_config config;
  churn__fit_info info;
  /* Room for later additions (Firth fits, cluster covariance): keep optional, NULL = absent. */
  int64_t n_clusters;     /* for CHURN_COV_CLUSTER; 0 otherwise */
  /* An opaque image another layer keeps in the model file (design/ stores the encoding of a
   * flat table there); the model only copies, saves and loads the bytes.  NULL = absent. */
  uint8_t *attachment;
  size_t attachment_len;
};

/* Allocates a model for d features with every array sized (names set to NULL, means 0, scales
 * 1, coefficients 0, cov NULL, config defaults of churn_options).  For the loader and the fit. */
churn_status churn__model_new(int64_t d, int fit_intercept, churn_model **out);

/* Sets the name of feature j (copied). */
churn_status churn__model_set_name(churn_model *m, int64_t j, const char *name);

/* Allocates m->cov (k*k, zeroed) if absent. */
churn_status churn__model_alloc_cov(churn_model *m);

/* --- finishing a fit (finish.c) ----------------------------------------------------------- */

/* What a fit hands over to become a model: the estimate on the standardised scale z = (x - c)/s
 * (intercept first when fit_intercept), the standardisation, the options, the fit's record (its
 * intercept_shift is filled here) and, for inference, the covariance of the standardised
 * estimate (k*k row-major, NULL for none). */
typedef struct churn__model_parts {
  int64_t d;
  int fit_intercept;
  const char *const *names;
  const double *center, *scale;
  const double *beta;
  const double *cov_z;
  const churn__fit_config *config;
  churn__fit_info info;
  double sample_rate;  /* the weighted share of positives the population-rate shift corrects */
} churn__model_parts;

/* The one place a fitted model is built, for the Newton (solver.c) and Firth (firth.c) fits:
 * coefficients back on the original scale, King and Zeng's population-rate shift of the intercept
 * (config->population_rate > 0), and the covariance back-transformed, Cov_raw = T Cov_z T' with
 * T = [1, -c'/s; 0, diag(1/s)]. */
churn_status churn__model_finish(churn__model_parts *p, churn_model **out);

/* Replaces the model's attachment with a copy of len bytes (len 0: removes it).  Not safe while
 * other threads read the model. */
churn_status churn__model_set_attachment(churn_model *m, const void *data, size_t len);

/* The attachment's bytes (owned by the model) and length; CHURN_E_NOT_FOUND when absent. */
churn_status churn__model_attachment(const churn_model *m, const uint8_t **data, size_t *len);

#endif
