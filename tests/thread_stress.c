/*
 * thread_stress.c -- concurrency checks on read-only libchurn objects (see thread_stress.h).
 */
#include "thread_stress.h"

#include <churn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 4000
#define D 6
#define K 3
#define THREADS 8

typedef struct results {
  double proba[N];
  double score[N];
  int32_t idx[N * K];
  double contrib[N * K];
  double grad[D + 1];
  double hess[(D + 1) * (D + 1)];
  double loglik;
  int failed;
} results;

static double X[N * D], Y[N];

static void make_data(void) {
  uint64_t s = 12345;
  for (int i = 0; i < N; i++) {
    double eta = -0.5;
    for (int j = 0; j < D; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      double u = (double)(s >> 11) / 9007199254740992.0;
      X[i * D + j] = (u - 0.5) * (j + 1);
      eta += (j % 2 ? -0.4 : 0.3) * X[i * D + j];
    }
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = (double)(s >> 11) / 9007199254740992.0;
    Y[i] = u < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
  }
}

static int fail(char *err, size_t cap, const char *what) {
  snprintf(err, cap, "%s: %s: %s", what, churn_status_name(churn_last_status()), churn_last_error());
  return 1;
}

typedef struct job {
  const churn_model *model;
  results *r;
} job;

static void compute(const churn_model *m, results *r) {
  double beta[D + 1], mean[D], scale[D];
  churn_suffstats *st = NULL;
  r->failed = churn_model_predict_proba(m, X, CHURN_F64, N, D, D, r->proba) ||
              churn_model_decision_function(m, X, CHURN_F64, N, D, D, r->score) ||
              churn_model_explain(m, X, CHURN_F64, N, D, D, K, r->idx, r->contrib) ||
              churn_model_scaling(m, mean, scale);
  for (int j = 0; j <= D; j++) beta[j] = 0.01 * j;
  r->failed = r->failed || churn_suffstats_new(D, 1, mean, scale, 1.0, 1.0, &st) ||
              churn_suffstats_accumulate(st, X, CHURN_F64, N, D, D, Y, NULL, beta, 1, 0) ||
              churn_suffstats_gradient(st, r->grad) || churn_suffstats_hessian(st, r->hess) ||
              churn_suffstats_counts(st, NULL, NULL, NULL, NULL, &r->loglik);
  churn_suffstats_free(st);
}

static void *score_worker(void *arg) {
  job *j = arg;
  for (int rep = 0; rep < 3; rep++) compute(j->model, j->r);
  return NULL;
}

int thread_stress_shared_model(char *err, size_t cap) {
  make_data();
  churn_model *m = NULL;
  if (churn_model_fit(X, CHURN_F64, N, D, D, Y, NULL, NULL, NULL, &m)) return fail(err, cap, "fit");
  results *ref = calloc(1, sizeof *ref), *res = calloc(THREADS, sizeof *res);
  compute(m, ref);
  job jobs[THREADS];
  pthread_t th[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (job){m, &res[t]};
    pthread_create(&th[t], NULL, score_worker, &jobs[t]);
  }
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  int rc = 0;
  if (ref->failed) rc = fail(err, cap, "serial run");
  for (int t = 0; t < THREADS && rc == 0; t++) {
    if (memcmp(&res[t], ref, sizeof *ref) != 0) {
      snprintf(err, cap, "thread %d differs from the serial run", t);
      rc = 1;
    }
  }
  free(ref);
  free(res);
  churn_model_free(m);
  return rc;
}

static void *fit_worker(void *arg) {
  churn_model **out = arg;
  churn_options *o = NULL;
  churn_options_new(&o);
  churn_options_set_int(o, CHURN_OPT_FIT_THREADS, 2);
  churn_model_fit(X, CHURN_F64, N, D, D, Y, NULL, NULL, o, out);
  churn_options_free(o);
  return NULL;
}

int thread_stress_concurrent_fits(char *err, size_t cap) {
  make_data();
  churn_model *m[4] = {0};
  pthread_t th[4];
  for (int t = 0; t < 4; t++) pthread_create(&th[t], NULL, fit_worker, &m[t]);
  for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
  double c0[D], c[D], b0 = 0, b = 0;
  int rc = 0;
  for (int t = 0; t < 4 && rc == 0; t++) {
    if (m[t] == NULL) {
      snprintf(err, cap, "fit %d failed", t);
      rc = 1;
    } else if (t == 0) {
      churn_model_coef(m[0], c0, &b0);
    } else {
      churn_model_coef(m[t], c, &b);
      if (memcmp(c, c0, sizeof c) != 0 || b != b0) {
        snprintf(err, cap, "fit %d differs from fit 0", t);
        rc = 1;
      }
    }
  }
  for (int t = 0; t < 4; t++) churn_model_free(m[t]);
  return rc;
}

typedef struct ds_job {
  const churn_dataset *ds;
  churn_features *f;
  int64_t warnings;
  int failed;
} ds_job;

static void *features_worker(void *arg) {
  ds_job *j = arg;
  int64_t t = 1735689600;
  churn_table *w = NULL;
  j->failed = churn_features_extract(j->ds, &t, 1, NULL, 0, NULL, &j->f) ||
              churn_warnings_compute(j->ds, t, NULL, &w);
  j->warnings = churn_table_nrows(w);
  churn_table_free(w);
  return NULL;
}

int thread_stress_shared_dataset(char *err, size_t cap) {
  churn_options *o = NULL;
  churn_dataset *ds = NULL;
  if (churn_options_new(&o) || churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 1500) ||
      churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 13) || churn_simulate(o, &ds, NULL)) {
    churn_options_free(o);
    return fail(err, cap, "simulate");
  }
  churn_options_free(o);
  ds_job ref = {ds, NULL, 0, 0}, jobs[4];
  features_worker(&ref);
  pthread_t th[4];
  for (int t = 0; t < 4; t++) {
    jobs[t] = (ds_job){ds, NULL, 0, 0};
    pthread_create(&th[t], NULL, features_worker, &jobs[t]);
  }
  for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
  int rc = ref.failed ? fail(err, cap, "serial features") : 0;
  size_t bytes = ref.f ? sizeof(double) * (size_t)(churn_features_nrows(ref.f) * churn_features_ncols(ref.f)) : 0;
  for (int t = 0; t < 4; t++) {
    if (rc == 0 && (jobs[t].failed || jobs[t].warnings != ref.warnings ||
                    churn_features_nrows(jobs[t].f) != churn_features_nrows(ref.f) ||
                    memcmp(churn_features_matrix(jobs[t].f), churn_features_matrix(ref.f), bytes))) {
      snprintf(err, cap, "features or warnings of thread %d differ from the serial run", t);
      rc = 1;
    }
    churn_features_free(jobs[t].f);
  }
  churn_features_free(ref.f);
  churn_dataset_free(ds);
  return rc;
}

/* --- the events CSV parsed on several threads ------------------------------------------------- */

typedef struct ingest_job {
  const char *subs, *events;
  int threads;
  int failed;
  int64_t events_n, rejected;
  uint8_t *codes; /* the code column, copied */
} ingest_job;

static void *ingest_worker(void *arg) {
  ingest_job *j = arg;
  churn_options *o = NULL;
  churn_dataset *ds = NULL;
  j->failed = churn_options_new(&o) ||
              churn_options_set_int(o, CHURN_OPT_INGEST_THREADS, j->threads) ||
              churn_options_set_int(o, CHURN_OPT_INGEST_BLOCK_SIZE, 4096) ||
              churn_dataset_new(&ds) || churn_dataset_read_subscribers_csv(ds, j->subs, o) ||
              churn_dataset_read_events_csv(ds, j->events, o) ||
              churn_dataset_ingest_count(ds, CHURN_COUNT_REJECTED, &j->rejected);
  if (!j->failed) {
    churn_dtype dt;
    const void *p = NULL;
    j->events_n = churn_dataset_num_events(ds);
    j->failed = churn_dataset_event_column(ds, "code", &dt, &p) != CHURN_OK;
    j->codes = malloc((size_t)j->events_n + 1);
    if (!j->failed && j->codes) memcpy(j->codes, p, (size_t)j->events_n);
  }
  churn_dataset_free(ds);
  churn_options_free(o);
  return NULL;
}

int thread_stress_parallel_ingest(char *err, size_t cap) {
  char dir[] = "/tmp/churn-tsan-XXXXXX", subs[64], events[64];
  if (mkdtemp(dir) == NULL) return snprintf(err, cap, "mkdtemp failed"), 1;
  snprintf(subs, sizeof subs, "%s/s.csv", dir);
  snprintf(events, sizeof events, "%s/e.csv", dir);
  FILE *f = fopen(subs, "w");
  if (f == NULL) return snprintf(err, cap, "cannot write %s", subs), 1;
  fputs("subscriber_id,activation\nS1,2020-01-01\nS2,2020-01-01\nS3,2020-01-01\n", f);
  fclose(f);
  f = fopen(events, "w");
  if (f == NULL) return snprintf(err, cap, "cannot write %s", events), 1;
  fputs("subscriber_id,time,kind,code,value,note\n", f);
  for (int i = 0; i < 2000; i++) {
    fprintf(f, "S%d,2024-02-%02d,view,g%d,%d,%s\n", 1 + i % 3, 1 + i % 28, (i * 7) % 280,
            5 + i % 9, i % 5 == 0 ? "\"a quoted note\nover two lines\"" : "x");
  }
  fclose(f);
  ingest_job ref = {subs, events, 1, 0, 0, 0, NULL}, jobs[2];
  ingest_worker(&ref);
  pthread_t th[2];
  for (int t = 0; t < 2; t++) {
    jobs[t] = (ingest_job){subs, events, 3, 0, 0, 0, NULL};
    pthread_create(&th[t], NULL, ingest_worker, &jobs[t]);
  }
  for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
  int rc = ref.failed || ref.codes == NULL ? fail(err, cap, "one-thread ingest") : 0;
  for (int t = 0; t < 2; t++) {
    if (rc == 0 && (jobs[t].failed || jobs[t].codes == NULL || jobs[t].events_n != ref.events_n ||
                    jobs[t].rejected != ref.rejected ||
                    memcmp(jobs[t].codes, ref.codes, (size_t)ref.events_n))) {
      snprintf(err, cap, "ingest on 3 threads (caller %d) differs from one thread", t);
      rc = 1;
    }
    free(jobs[t].codes);
  }
  free(ref.codes);
  remove(subs);
  remove(events);
  remove(dir);
  return rc;
}
