/*
 * test_alloc_failures.c -- sqlite-style fault injection along the main paths: for every k, the
 * k-th allocation made by the library fails; each call must return CHURN_E_NOMEM (or succeed when
 * the failing allocation was optional), write no output, leak nothing (checked by LeakSanitizer
 * in the sanitizer build), and leave the objects made before it usable.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

/* LeakSanitizer's check, present only in the sanitizer build. */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static void assert_no_leaks(const char *path) {
  if (__lsan_do_recoverable_leak_check) {
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "%s leaked (see the LSan report)", path);
  }
}

/* Runs op with the k-th allocation failing for k = 1, 2, ... until op makes no more
 * allocations than k - 1 (it then succeeds); checks each failure is clean. */
#define FOR_EACH_FAILURE(path, op, on_success)                                                 \
  do {                                                                                         \
    churn_testing_fail_alloc(0);                                                               \
    { op; on_success; }                                                                        \
    uint64_t points_ = churn_testing_fail_alloc(0);                                            \
    cr_assert_gt(points_, 0, "%s allocates nothing?", path);                                   \
    for (uint64_t k_ = 1; k_ <= points_; k_++) {                                               \
      churn_testing_fail_alloc(k_);                                                            \
      churn_status st_ = (op);                                                                 \
      churn_testing_fail_alloc(0);                                                             \
      if (st_ == CHURN_OK) { on_success; continue; }                                           \
      cr_assert_eq(st_, CHURN_E_NOMEM, "%s, allocation %llu: %s: %s", path,                    \
                   (unsigned long long)k_, churn_status_name(st_), churn_last_error());        \
    }                                                                                          \
    assert_no_leaks(path);                                                                     \
  } while (0)

static const char *write_file(const char *name, const char *text) {
  static char path[4][600];
  static int next;
  char *p = path[next++ % 4];
  snprintf(p, 600, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
  return p;
}

static const char SUBS[] =
    "subscriber_id,activation,region,tier,price,services,vip,contract_end\n"
    "A1,2023-01-05,north,high,59.5,3,1,2025-01-01\n"
    "A2,2023-06-01,south,low,19.9,1,0,\n"
    "A3,2024-02-01,north,mid,29.9,2,0,2024-12-31\n";
static const char EVENTS[] =
    "subscriber_id,time,kind,value,code,due_date,first_contact,fixed_at\n"
    "A1,2024-01-01,bill,59.5,,2024-01-21,,\n"
    "A1,2024-01-10,payment,59.5,,,,\n"
    "A2,2024-01-01,bill,19.9,,2024-01-21,,\n"
    "A2,2024-02-03,view,120,news,,,\n"
    "A3,2024-03-01,fault,0,,,2024-03-01T00:30:00,2024-03-02T12:00:00\n"
    "A3,2024-03-04,complaint,0,billing,,,\n"
    "A1,2024-03-05,cancel,0,price,,,\n";

static churn_status ingest(const char *subs, const char *events, churn_dataset **out) {
  churn_dataset *ds = NULL;
  churn_status st = churn_dataset_new(&ds);
  if (st == CHURN_OK) st = churn_dataset_read_subscribers_csv(ds, subs, NULL);
  if (st == CHURN_OK) st = churn_dataset_read_events_csv(ds, events, NULL);
  if (st == CHURN_OK) st = churn_dataset_finalize(ds, NULL);
  if (st != CHURN_OK) {
    churn_dataset_free(ds);
    return st;
  }
  *out = ds;
  return CHURN_OK;
}

Test(alloc_failures, ingest_features_save_load) {
  const char *subs = write_file("subs.csv", SUBS), *events = write_file("events.csv", EVENTS);
  churn_dataset *ds = NULL;
  FOR_EACH_FAILURE("CSV ingestion", ingest(subs, events, &ds), (churn_dataset_free(ds), ds = NULL));
  ASSERT_OK(ingest(subs, events, &ds));
  cr_assert_eq(churn_dataset_num_events(ds), 7);

  int64_t t = 1714521600; /* 2024-05-01 */
  churn_features *f = NULL;
  FOR_EACH_FAILURE("feature extraction", churn_features_extract(ds, &t, 1, NULL, 0, NULL, &f),
                   (churn_features_free(f), f = NULL));
  churn_table *w = NULL;
  FOR_EACH_FAILURE("warnings", churn_warnings_compute(ds, t, NULL, &w), (churn_table_free(w), w = NULL));

  char path[600];
  snprintf(path, sizeof path, "%s/ds.msgpack", test_tmpdir());
  FOR_EACH_FAILURE("dataset save", churn_dataset_save(ds, path), (void)0);
  churn_dataset *back = NULL;
  FOR_EACH_FAILURE("dataset load", churn_dataset_load(path, &back), (churn_dataset_free(back), back = NULL));
  /* The dataset made before all this is intact. */
  ASSERT_OK(churn_features_extract(ds, &t, 1, NULL, 0, NULL, &f));
  cr_assert_eq(churn_features_nrows(f), 2); /* A1 cancelled before T */
  churn_features_free(f);
  churn_dataset_free(ds);
}

Test(alloc_failures, fit_score_save_load) {
  enum { N = 300, D = 4 };
  static double X[N * D], y[N];
  uint64_t s = 99;
  for (int i = 0; i < N; i++) {
    double eta = 0;
    for (int j = 0; j < D; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      X[i * D + j] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
      eta += (j + 1) * X[i * D + j];
    }
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    y[i] = (double)(s >> 11) / 9007199254740992.0 < 1 / (1 + exp(-eta));
  }
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  churn_model *m = NULL;
  FOR_EACH_FAILURE("unpenalised fit", churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, NULL, o, &m),
                   (churn_model_free(m), m = NULL));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L1));
  FOR_EACH_FAILURE("L1 fit", churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, NULL, o, &m),
                   (churn_model_free(m), m = NULL));
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, NULL, NULL, &m));
  churn_table *sum = NULL;
  FOR_EACH_FAILURE("summary", churn_model_summary(m, &sum), (churn_table_free(sum), sum = NULL));
  char path[600];
  snprintf(path, sizeof path, "%s/m.msgpack", test_tmpdir());
  FOR_EACH_FAILURE("model save", churn_model_save(m, path), (void)0);
  churn_model *back = NULL;
  FOR_EACH_FAILURE("model load", churn_model_load(path, &back), (churn_model_free(back), back = NULL));
  int32_t idx[N];
  double contrib[N];
  FOR_EACH_FAILURE("explain", churn_model_explain(m, X, CHURN_F64, N, D, D, 1, idx, contrib), (void)0);
  churn_table *lift = NULL;
  double p[N];
  ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, N, D, D, p));
  FOR_EACH_FAILURE("lift table", churn_eval_lift_table(y, p, NULL, N, 10, &lift),
                   (churn_table_free(lift), lift = NULL));
  /* The model made before is intact: it still scores the same. */
  double p2[N];
  ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, N, D, D, p2));
  cr_assert(memcmp(p, p2, sizeof p) == 0);
  churn_model_free(m);
  churn_options_free(o);
}

/* An operator's reason labels: a map read from a file, a CSV with unmapped and mapped labels,
 * the listing of the labels. */
static churn_status with_reasons(const char *map, const char *subs, const char *events,
                                 churn_table **labels) {
  churn_dataset *ds = NULL;
  churn_status st = churn_dataset_new(&ds);
  if (st == CHURN_OK) st = churn_dataset_read_reason_map_csv(ds, map);
  if (st == CHURN_OK) st = churn_dataset_read_subscribers_csv(ds, subs, NULL);
  if (st == CHURN_OK) st = churn_dataset_read_events_csv(ds, events, NULL);
  if (st == CHURN_OK) st = churn_dataset_reason_labels(ds, labels);
  churn_dataset_free(ds);
  return st;
}

Test(alloc_failures, reason_map) {
  const char *subs = write_file("subs.csv", SUBS);
  const char *events = write_file("reasons.csv", "subscriber_id,time,kind,code\n"
                                                 "A1,2024-03-05,cancel,搬迁\n"
                                                 "A2,2024-03-05,cancel_request,资费高\n"
                                                 "A3,2024-03-05,cancel,资费高\n");
  const char *map = write_file("map.csv", "label,reason\n资费高,price\n");
  churn_table *t = NULL;
  FOR_EACH_FAILURE("reason labels", with_reasons(map, subs, events, &t),
                   (churn_table_free(t), t = NULL));
  ASSERT_OK(with_reasons(map, subs, events, &t));
  cr_assert_eq(churn_table_nrows(t), 2); /* 资费高 x 2 (price), 搬迁 x 1 (unknown) */
  cr_assert_eq(table_i64(t, "events")[0], 2);
  churn_table_free(t);
}
