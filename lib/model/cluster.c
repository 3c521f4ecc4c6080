/*
 * cluster.c -- cluster-robust covariance for the unpenalised in-memory fit
 * (churn_model_fit_clustered), statsmodels' Logit cov_type="cluster": the cluster labels are
 * mapped to dense ids by hashing, the rows listed cluster by cluster, and one pass at the
 * estimate sums each cluster's scores S_g = sum_i v_i (y_i - p_i) z_i and adds S_g S_g' to the
 * meat.  The solver then builds H^-1 (sum_g S_g S_g') H^-1 exactly as for HC0, with the
 * small-sample factor G/(G-1) * (n-1)/(n-k) folded into the meat.  Memory: O(n) ids, O(G)
 * offsets, O(k^2) per thread; never an n x n, G x G or G x k array.
 */
#include "cluster.h"
#include "model.h"
#include "common/parallel.h"

#include <cblas.h>
#include <string.h>

#define BATCH_CLUSTERS 64 /* cluster sums per dsyrk call */
#ifndef PREFETCH_ROWS
#define PREFETCH_ROWS 8   /* rows fetched ahead in the cluster-ordered pass */
#endif

/* --- labels to dense ids ------------------------------------------------------------------- */

static uint64_t mix64(uint64_t x) {  /* splitmix64's finaliser */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void churn__clusters_free(churn__clusters *c) {
  churn__free(c->start);
  churn__free(c->order);
  memset(c, 0, sizeof *c);
}

churn_status churn__clusters_make(const int64_t *groups, int64_t n, churn__clusters *out) {
  memset(out, 0, sizeof *out);
  size_t cap = 16;
  while (cap < 2 * (size_t)n) cap *= 2;  /* load <= 1/2 */
  /* Labels already in [0, cap) (codes from a factorisation, row numbers) index the table
   * directly; others are hashed.  Either way ids follow the order of first appearance. */
  bool direct = true;
  for (int64_t i = 0; i < n && direct; i++) direct = groups[i] >= 0 && (uint64_t)groups[i] < cap;
  int64_t *keys = direct ? NULL : churn__malloc_array(cap, sizeof(int64_t));
  int64_t *slot_id = churn__malloc_array(cap, sizeof(int64_t));
  int64_t *id = churn__malloc_array((size_t)n, sizeof(int64_t));
  int64_t *count = NULL;
  churn_status st = ((keys || direct) && slot_id && id) ? CHURN_OK : churn__nomem("cluster ids");
  int64_t G = 0;
  if (st == CHURN_OK) {
    for (size_t q = 0; q < cap; q++) slot_id[q] = -1;
    const size_t mask = cap - 1;
    for (int64_t i = 0; i < n; i++) {
      size_t q;
      if (direct) {
        q = (size_t)groups[i];
        if (slot_id[q] < 0) slot_id[q] = G++;
      } else {
        q = (size_t)mix64((uint64_t)groups[i]) & mask;
        while (slot_id[q] >= 0 && keys[q] != groups[i]) q = (q + 1) & mask;
        if (slot_id[q] < 0) {
          keys[q] = groups[i];
          slot_id[q] = G++;
        }
      }
      id[i] = slot_id[q];
    }
  }
  churn__free(keys);
  churn__free(slot_id);
  if (st == CHURN_OK) {
    /* Counting sort of the rows by id (stable: rows ascending within a cluster). */
    out->start = churn__calloc((size_t)G + 1, sizeof(int64_t));
    out->order = churn__malloc_array((size_t)n, sizeof(int64_t));
    count = churn__calloc((size_t)G + 1, sizeof(int64_t));
    if (!out->start || !out->order || !count) st = churn__nomem("cluster ids");
  }
  if (st == CHURN_OK) {
    for (int64_t i = 0; i < n; i++) out->start[id[i] + 1]++;
    for (int64_t g = 0; g < G; g++) out->start[g + 1] += out->start[g];
    memcpy(count, out->start, (size_t)G * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) out->order[count[id[i]]++] = i;
    out->n = n;
    out->G = G;
  } else {
    churn__clusters_free(out);
  }
  churn__free(count);
  churn__free(id);
  return st;
}

/* --- the pass ------------------------------------------------------------------------------ */

/* Clusters [g0, g1) of one task: the upper triangle of sum_g S_g S_g' in the kernel's centred,
 * unscaled coordinates zc = (1, x - c). */
typedef struct cl_ctx {
  const churn__clusters *cl;
  const churn_suffstats *st;  /* centre, scales, class weights of the solver */
  const void *X;
  churn_dtype dtype;
  int64_t ld;
  const double *y, *w, *bs;   /* bs: d slopes on the centred columns */
  double b0;
  int64_t ntasks;
  double **meat;              /* per task, k*k */
  double **S;                 /* per worker, BATCH_CLUSTERS x k cluster sums */
} cl_ctx;

static void cl_task(void *vctx, int64_t task, int worker) {
  const cl_ctx *c = vctx;
  const churn__clusters *cl = c->cl;
  const int64_t d = c->st->d, k = c->st->k, fi = c->st->fit_intercept;
  const double *ctr = c->st->center, cw0 = c->st->class_weight0, cw1 = c->st->class_weight1;
  /* Tasks own contiguous cluster ranges of about equal row counts. */
  int64_t lo = cl->n * task / c->ntasks, hi = cl->n * (task + 1) / c->ntasks;
  int64_t g0 = 0, g1 = 0;
  {
    int64_t a = 0, b = cl->G;  /* first g with start[g] >= lo */
    while (a < b) {
      int64_t m = a + (b - a) / 2;
      if (cl->start[m] < lo) a = m + 1; else b = m;
    }
    g0 = a;
    a = 0, b = cl->G;
    while (a < b) {
      int64_t m = a + (b - a) / 2;
      if (cl->start[m] < hi) a = m + 1; else b = m;
    }
    g1 = task == c->ntasks - 1 ? cl->G : a;
  }
  double *M = c->meat[task], *Sb = c->S[worker];
  const int64_t q_end = cl->start[g1];
  const size_t esize = c->dtype == CHURN_F64 ? sizeof(double) : sizeof(float);
  const size_t row_bytes = (size_t)d * esize;
  int64_t nb = 0;
  for (int64_t g = g0; g < g1; g++) {
    double *S = Sb + nb * k;
    memset(S, 0, (size_t)k * sizeof(double));
    for (int64_t q = cl->start[g]; q < cl->start[g + 1]; q++) {
      /* Rows come in cluster order, scattered over X when clusters are: fetch ahead. */
      if (q + PREFETCH_ROWS < q_end) {
        const char *ahead =
            (const char *)c->X + (size_t)cl->order[q + PREFETCH_ROWS] * (size_t)c->ld * esize;
        for (size_t off = 0; off < row_bytes; off += 64) __builtin_prefetch(ahead + off);
      }
      const int64_t i = cl->order[q];
      double e[4] = {c->b0, 0, 0, 0};
      if (c->dtype == CHURN_F64) {
        const double *x = (const double *)c->X + i * c->ld;
        int64_t j = 0;
        for (; j + 4 <= d; j += 4) {
          for (int u = 0; u < 4; u++) e[u] += c->bs[j + u] * (x[j + u] - ctr[j + u]);
        }
        for (; j < d; j++) e[0] += c->bs[j] * (x[j] - ctr[j]);
      } else {
        const float *x = (const float *)c->X + i * c->ld;
        for (int64_t j = 0; j < d; j++) e[j & 3] += c->bs[j] * ((double)x[j] - ctr[j]);
      }
      const double eta = (e[0] + e[1]) + (e[2] + e[3]);
      const double yi = c->y[i];
      const double v = (c->w ? c->w[i] : 1.0) * (yi != 0.0 ? cw1 : cw0);
      const double r = v * (yi - churn__sigmoid(eta));
      if (fi) S[0] += r;
      if (c->dtype == CHURN_F64) {
        const double *x = (const double *)c->X + i * c->ld;
        for (int64_t j = 0; j < d; j++) S[fi + j] += r * (x[j] - ctr[j]);
      } else {
        const float *x = (const float *)c->X + i * c->ld;
        for (int64_t j = 0; j < d; j++) S[fi + j] += r * ((double)x[j] - ctr[j]);
      }
    }
    /* sum_g S_g S_g' over a batch of clusters by one BLAS rank-nb update. */
    if (++nb == BATCH_CLUSTERS || g + 1 == g1) {
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)nb, 1.0, Sb, (int)k, 1.0,
                  M, (int)k);
      nb = 0;
    }
  }
}

/* The meat on the standardised scale, full k x k and times the small-sample factor
 * G/(G-1) * (n-1)/(n-k), into *out (allocated). */
static churn_status cluster_meat(churn_solver *s, const churn__clusters *cl, const void *X,
                                 churn_dtype dtype, int64_t ld, const double *y, const double *w,
                                 int nthreads, double **out) {
  churn_suffstats *st = NULL;
  CHURN_TRY(churn_solver_stats_new(s, &st));
  const int64_t d = st->d, k = st->k, fi = st->fit_intercept;
  int64_t ntasks = cl->n / 4096 < nthreads ? cl->n / 4096 : nthreads;
  if (ntasks < 1) ntasks = 1;
  const int nworkers = (int)ntasks;
  double *beta = churn__malloc_array((size_t)k, sizeof(double));
  double *bs = churn__malloc_array((size_t)d + 1, sizeof(double));
  double *Mz = churn__malloc_array((size_t)(k * k), sizeof(double));
  double **meat = churn__calloc((size_t)ntasks, sizeof *meat);
  double **S = churn__calloc((size_t)nworkers, sizeof *S);
  churn_status rc = (beta && bs && Mz && meat && S) ? CHURN_OK
                                                    : churn__nomem("cluster covariance");
  for (int64_t t = 0; rc == CHURN_OK && t < ntasks; t++) {
    meat[t] = churn__calloc((size_t)(k * k), sizeof(double));
    if (!meat[t]) rc = churn__nomem("cluster covariance");
  }
  for (int t = 0; rc == CHURN_OK && t < nworkers; t++) {
    S[t] = churn__malloc_array((size_t)(BATCH_CLUSTERS * k), sizeof(double));
    if (!S[t]) rc = churn__nomem("cluster covariance");
  }
  if (rc == CHURN_OK) rc = churn_solver_beta(s, beta);
  if (rc == CHURN_OK) {
    for (int64_t j = 0; j < d; j++) bs[j] = beta[fi + j] * st->inv_scale[j];
    cl_ctx c = {cl, st, X, dtype, ld, y, w, bs, fi ? beta[0] : 0.0, ntasks, meat, S};
    churn__parallel_for(nworkers, ntasks, cl_task, &c);
    for (int64_t t = 1; t < ntasks; t++) {
      for (int64_t q = 0; q < k * k; q++) meat[0][q] += meat[t][q];
    }
    const double n = (double)cl->n, G = (double)cl->G;
    const double factor = G / (G - 1.0) * ((n - 1.0) / (n - (double)k));
    /* zc -> z = D zc with D = diag(1, 1/scale): Mz = D Mc D. */
    for (int64_t a = 0; a < k; a++) {
      double da = (fi && a == 0) ? 1.0 : st->inv_scale[a - fi];
      for (int64_t b = a; b < k; b++) {
        double db = (fi && b == 0) ? 1.0 : st->inv_scale[b - fi];
        Mz[a * k + b] = Mz[b * k + a] = meat[0][a * k + b] * da * db * factor;
      }
    }
    *out = Mz;
    Mz = NULL;
  }
  for (int64_t t = 0; meat && t < ntasks; t++) churn__free(meat[t]);
  for (int t = 0; S && t < nworkers; t++) churn__free(S[t]);
  churn__free(meat);
  churn__free(S);
  churn__free(Mz);
  churn__free(beta);
  churn__free(bs);
  churn_suffstats_free(st);
  return rc;
}

churn_status churn__cluster_finish(churn_solver *s, const churn__clusters *cl, const void *X,
                                   churn_dtype dtype, int64_t ld, const double *y,
                                   const double *w, int nthreads, churn_model **out) {
  double *Mz = NULL;
  churn_status rc = CHURN_OK;
  if (cl->want_cov) rc = cluster_meat(s, cl, X, dtype, ld, y, w, nthreads, &Mz);
  if (rc == CHURN_OK) {
    churn__solver_set_cluster_meat(s, Mz);
    rc = churn__solver_finish(s, out);
  }
  if (rc == CHURN_OK && cl->want_cov) (*out)->n_clusters = cl->G;
  churn__free(Mz);
  return rc;
}

/* --- the arguments of churn_model_fit_clustered ------------------------------------------- */

churn_status churn__clusters_prepare(const char *fn, int64_t n, int64_t d, const int64_t *groups,
                                     const churn_options *opts, churn__clusters *cl,
                                     churn_options **plain) {
  CHURN_CHECK_ARG(groups != NULL, "%s: groups is NULL: the cluster covariance needs n cluster "
                  "labels", fn);
  int64_t cov = CHURN_COV_NONROBUST, pen = CHURN_PENALTY_NONE, inf = 1, fi = 1;
  if (opts) {
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FIT_COV_TYPE, &cov));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FIT_PENALTY, &pen));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FIT_INFERENCE, &inf));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FIT_INTERCEPT, &fi));
  }
  CHURN_CHECK_ARG(cov == CHURN_COV_CLUSTER, "%s: fit.cov_type is %s, not CLUSTER: groups only "
                  "serve the cluster covariance (set fit.cov_type = CHURN_COV_CLUSTER, or call "
                  "churn_model_fit without groups)", fn,
                  cov == CHURN_COV_HC0 ? "HC0" : cov == CHURN_COV_HC1 ? "HC1" : "NONROBUST");
  CHURN_CHECK_ARG(pen != CHURN_PENALTY_FIRTH, "%s: fit.penalty = FIRTH: a Firth fit has only the "
                  "nonrobust covariance; the cluster covariance is for unpenalised fits", fn);
  const int64_t k = d + (fi ? 1 : 0);
  if (n <= k) {
    return churn__fail(CHURN_E_DATA, "%s: %lld rows for %lld coefficients: the cluster "
                       "covariance's factor (n-1)/(n-k) needs more rows than coefficients", fn,
                       (long long)n, (long long)k);
  }
  CHURN_TRY(churn__clusters_make(groups, n, cl));
  cl->want_cov = inf && pen == CHURN_PENALTY_NONE;
  if (cl->G < 2) {
    churn__clusters_free(cl);
    return churn__fail(CHURN_E_DATA, "%s: groups hold a single cluster (every label is %lld): "
                       "the cluster covariance needs at least 2 clusters (its factor is "
                       "G/(G-1))", fn, (long long)groups[0]);
  }
  /* The solver fits with a plain covariance; the cluster meat replaces it at the end. */
  churn_status rc = opts ? churn_options_clone(opts, plain) : churn_options_new(plain);
  if (rc == CHURN_OK) {
    rc = churn_options_set_int(*plain, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_NONROBUST);
  }
  if (rc != CHURN_OK) {
    churn_options_free(*plain);
    *plain = NULL;
    churn__clusters_free(cl);
  }
  return rc;
}
