/*
 * quickstart.c -- libchurn in one page: simulate a small operator, extract point-in-time
 * features at two snapshots, label who churned within 90 days, fit the risk model, and print
 * the three subscribers most at risk today with their main reason.  Every call returns a status;
 * on failure churn_last_error() says exactly what was wrong.
 */
#include <churn.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                                     \
  do {                                                                                  \
    churn_status st_ = (call);                                                          \
    if (st_ != CHURN_OK) {                                                              \
      fprintf(stderr, "%s: %s: %s\n", #call, churn_status_name(st_), churn_last_error()); \
      exit(1);                                                                          \
    }                                                                                   \
  } while (0)

int main(void) {
  printf("libchurn %s\n", churn_version_string());
  churn_options *opts;
  CHECK(churn_options_new(&opts));
  CHECK(churn_options_set_int(opts, CHURN_OPT_SIM_SUBSCRIBERS, 3000));
  CHECK(churn_options_set_int(opts, CHURN_OPT_SIM_MONTHS, 18));
  CHECK(churn_options_set_int(opts, CHURN_OPT_LABEL_HORIZON_DAYS, 90));
  CHECK(churn_options_set_int(opts, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2)); /* rare features */

  churn_dataset *ds;  /* or churn_dataset_read_subscribers_csv / _events_csv + finalize */
  CHECK(churn_simulate(opts, &ds, NULL));

  int64_t snapshots[2] = {1719792000 /* 2024-07-01 */, 1727740800 /* 2024-10-01 */};
  churn_features *train;
  CHECK(churn_features_extract(ds, snapshots, 2, NULL, 0, opts, &train));
  int64_t n = churn_features_nrows(train), d = churn_features_ncols(train);
  double *y = malloc(sizeof *y * (size_t)n);
  CHECK(churn_labels_compute(ds, churn_features_subscribers(train), churn_features_times(train),
                             n, opts, y, NULL, NULL));
  churn_model *model;
  CHECK(churn_model_fit(churn_features_matrix(train), CHURN_F64, n, d, d, y, NULL,
                        churn_features_names(train), opts, &model));
  double ll;
  CHECK(churn_model_stat(model, CHURN_STAT_LOGLIK, &ll));
  printf("fitted %lld rows x %lld features, log-likelihood %.2f\n", (long long)n, (long long)d, ll);

  int64_t today = 1735689600; /* 2025-01-01 */
  churn_features *now;
  CHECK(churn_features_extract(ds, &today, 1, churn_features_names(train), (size_t)d, opts, &now));
  int64_t m = churn_features_nrows(now);
  double *p = malloc(sizeof *p * (size_t)m), *why = malloc(sizeof *why * (size_t)m);
  int32_t *reason = malloc(sizeof *reason * (size_t)m);
  CHECK(churn_model_predict_proba(model, churn_features_matrix(now), CHURN_F64, m, d, d, p));
  CHECK(churn_model_explain(model, churn_features_matrix(now), CHURN_F64, m, d, d, 1, reason, why));
  for (int top = 0; top < 3; top++) {  /* three passes of a selection: fine for a quickstart */
    int64_t best = 0;
    for (int64_t i = 1; i < m; i++) if (p[i] > p[best]) best = i;
    const char *id;
    CHECK(churn_dataset_subscriber_id(ds, churn_features_subscribers(now)[best], &id));
    printf("%s  risk %.3f  main reason %s\n", id, p[best], churn_model_feature_name(model, reason[best]));
    p[best] = -1;
  }
  free(y), free(p), free(why), free(reason);
  churn_features_free(now), churn_features_free(train);
  churn_model_free(model), churn_dataset_free(ds), churn_options_free(opts);
  return 0;
}
