/*
 * test_design.c -- churn_design_* (lib/design/): the encoding of a hand-made table worked out
 * below, missing-value filling, unseen levels, the design kept in a model file, the streamed
 * fit equal to the in-memory one, argument and state errors, allocation failures.
 */
#include "helpers.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table.  Row c has x (and dup) missing.  With design.missing = reject it is rejected, and
 * the 5 rows kept give:
 *   plan:   basic 3 (b d f), gold 2 (a e)            -> reference basic, column plan=gold
 *   region: east 1, north 3 (a e f), south 1         -> reference north, region=east,
 *                                                       region=south (byte order)
 *   x numeric; const is 7 everywhere (dropped); dup equals x (dropped as its duplicate).
 * Encoded rows (plan=gold, region=east, region=south, x):
 *   a 1 0 0 1.5 | b 0 0 1 2.0 | d 0 1 0 4.0 | e 1 0 0 0.5 | f 0 0 0 3.0 */
enum { N = 6, NC = 7 };
static const char *ID[N] = {"a", "b", "c", "d", "e", "f"};
static const char *PLAN[N] = {"gold", "basic", "basic", "basic", "gold", "basic"};
static const char *REGION[N] = {"north", "south", "north", "east", "north", "north"};
static const char *X[N] = {"1.5", "2.0", "", "4.0", "0.5", "3.0"};
static const char *CONST[N] = {"7", "7", "7", "7", "7", "7"};
static const char *LABEL[N] = {"yes", "no", "yes", "no", "no", "yes"};

static void columns(churn_column *c, const char **region) {
  const char *names[NC] = {"id", "plan", "region", "x", "const", "dup", "label"};
  const char **data[NC] = {ID, PLAN, region ? region : REGION, X, CONST, X, LABEL};
  for (int j = 0; j < NC; j++) c[j] = (churn_column){names[j], CHURN_STR, data[j], N, NULL, 0};
}

static churn_options *design_options(int missing) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_DESIGN_ID, "id"));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_DESIGN_LABEL, "label"));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_DESIGN_MISSING, missing));
  return o;
}

static churn_design *learned(int missing) {
  churn_options *o = design_options(missing);
  churn_design *d = NULL;
  churn_column c[NC];
  columns(c, NULL);
  ASSERT_OK(churn_design_new(o, &d));
  ASSERT_OK(churn_design_learn_columns(d, c, NC, N));
  churn_options_free(o);
  return d;
}

Test(design, hand_made_table_is_encoded_as_worked_out) {
  churn_design *d = learned(0);
  const char *want[] = {"plan=gold", "region=east", "region=south", "x"};
  cr_assert_eq(churn_design_n_features(d), 4);
  for (int j = 0; j < 4; j++) cr_assert_str_eq(churn_design_feature_name(d, j), want[j]);
  cr_assert_null(churn_design_feature_name(d, 4));
  double Xe[N * 4];
  uint8_t kept[N];
  int64_t rej = -1, uns = -1;
  churn_column c[NC];
  columns(c, NULL);
  ASSERT_OK(churn_design_transform_columns(d, c, NC, N, Xe, 4, kept, &rej, &uns));
  const double expect[N][4] = {{1, 0, 0, 1.5}, {0, 0, 1, 2.0}, {NAN, NAN, NAN, NAN},
                               {0, 1, 0, 4.0}, {1, 0, 0, 0.5}, {0, 0, 0, 3.0}};
  for (int i = 0; i < N; i++) {
    cr_assert_eq(kept[i], i != 2);
    for (int j = 0; j < 4; j++) {
      if (i == 2) cr_assert(isnan(Xe[i * 4 + j]));
      else cr_assert_eq(Xe[i * 4 + j], expect[i][j], "row %d col %d", i, j);
    }
  }
  cr_assert_eq(rej, 1);
  cr_assert_eq(uns, 0);
  churn_table *t = NULL;
  ASSERT_OK(churn_design_report(d, &t));
  const char *const *kind, *const *detail;
  ASSERT_OK(churn_table_str(t, 0, &kind));
  ASSERT_OK(churn_table_str(t, 4, &detail));
  int seen = 0;
  for (int64_t i = 0; i < churn_table_nrows(t); i++) {
    if (strcmp(detail[i], "'const' is constant") == 0) seen |= 1;
    if (strcmp(detail[i], "'dup' duplicates 'x'") == 0) seen |= 2;
    if (strcmp(kind[i], "categorical") == 0 && strstr(detail[i], "reference 'north'")) seen |= 4;
    if (strcmp(kind[i], "rejected") == 0 && strstr(detail[i], "x: 1 rows rejected")) seen |= 8;
  }
  cr_assert_eq(seen, 15, "report incomplete (%d)", seen);
  churn_table_free(t);
  churn_design_free(d);
}

Test(design, mean_fill_adds_a_missing_indicator) {
  /* all 6 rows kept; x's mean over its 5 values (1.5 + 2 + 4 + 0.5 + 3) / 5 = 2.2 fills row c;
   * dup is not compared with x (mean-filled), dup=missing duplicates x=missing */
  churn_design *d = learned(1);
  const char *want[] = {"plan=gold", "region=east", "region=south", "x", "x=missing", "dup"};
  cr_assert_eq(churn_design_n_features(d), 6);
  for (int j = 0; j < 6; j++) cr_assert_str_eq(churn_design_feature_name(d, j), want[j]);
  double Xe[N * 6];
  churn_column c[NC];
  columns(c, NULL);
  ASSERT_OK(churn_design_transform_columns(d, c, NC, N, Xe, 6, NULL, NULL, NULL));
  cr_assert(rel_close(Xe[2 * 6 + 3], 2.2, 1e-15, 0));
  cr_assert_eq(Xe[2 * 6 + 4], 1.0);
  cr_assert_eq(Xe[0 * 6 + 4], 0.0);
  churn_design_free(d);
}

Test(design, unseen_level_is_the_reference_and_counted) {
  churn_design *d = learned(0);
  const char *region[N] = {"west", "south", "north", "east", "mars", "north"};
  churn_column c[NC];
  columns(c, region);
  double Xe[N * 4];
  int64_t uns = 0;
  ASSERT_OK(churn_design_transform_columns(d, c, NC, N, Xe, 4, NULL, NULL, &uns));
  cr_assert_eq(uns, 2);
  cr_assert_eq(Xe[1], 0.0);
  cr_assert_eq(Xe[2], 0.0);
  /* a missing feature column fails naming it; extra columns and order do not matter */
  ASSERT_FAILS(churn_design_transform_columns(d, c, 3, N, Xe, 4, NULL, NULL, NULL),
               CHURN_E_SCHEMA, "'x'");
  churn_design_free(d);
}

Test(design, encoding_travels_in_the_model_file) {
  churn_design *d = learned(0);
  double Xe[N * 4], y[N] = {1, 0, 1, 0, 0, 1}, Xk[5 * 4], yk[5];
  uint8_t kept[N];
  churn_column c[NC];
  columns(c, NULL);
  ASSERT_OK(churn_design_transform_columns(d, c, NC, N, Xe, 4, kept, NULL, NULL));
  int k = 0;
  for (int i = 0; i < N; i++) {
    if (!kept[i]) continue;
    memcpy(Xk + 4 * k, Xe + 4 * i, sizeof(double) * 4);
    yk[k++] = y[i];
  }
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2));
  const char *names[4];
  for (int j = 0; j < 4; j++) names[j] = churn_design_feature_name(d, j);
  churn_model *m = NULL, *back = NULL, *plain = NULL;
  ASSERT_OK(churn_model_fit(Xk, CHURN_F64, 5, 4, 4, yk, NULL, names, o, &m));
  ASSERT_OK(churn_model_fit(Xk, CHURN_F64, 5, 4, 4, yk, NULL, NULL, o, &plain));
  churn_design *none = NULL;
  ASSERT_FAILS(churn_design_from_model(m, &none), CHURN_E_NOT_FOUND, "carries no design");
  ASSERT_FAILS(churn_design_attach(d, plain), CHURN_E_SCHEMA, "plan=gold");
  ASSERT_OK(churn_design_attach(d, m));
  size_t need = 0;
  churn_model_save_buffer(m, NULL, 0, &need);
  void *buf = malloc(need);
  ASSERT_OK(churn_model_save_buffer(m, buf, need, &need));
  ASSERT_OK(churn_model_load_buffer(buf, need, &back));
  churn_design *d2 = NULL;
  ASSERT_OK(churn_design_from_model(back, &d2));
  double X2[N * 4];
  ASSERT_OK(churn_design_transform_columns(d2, c, NC, N, X2, 4, NULL, NULL, NULL));
  cr_assert_eq(memcmp(Xe, X2, sizeof Xe), 0);
  free(buf);
  churn_design_free(d2);
  churn_model_free(back);
  churn_model_free(m);
  churn_model_free(plain);
  churn_options_free(o);
  churn_design_free(d);
}

Test(design, streamed_fit_equals_in_memory_fit) {
  const char *path = shared_data_path("telco/telco_customer_churn.csv");
  churn_model *m[2] = {NULL, NULL};
  for (int s = 0; s < 2; s++) {
    churn_options *o = NULL;
    ASSERT_OK(churn_options_new(&o));
    ASSERT_OK(churn_options_set_string(o, CHURN_OPT_DESIGN_LABEL, "Churn"));
    ASSERT_OK(churn_options_set_string(o, CHURN_OPT_DESIGN_ID, "customerID"));
    /* 7,032 rows x 26 doubles = 1.46 MB: streamed under a 1 MiB budget */
    if (s) ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MEMORY_BUDGET, 1 << 20));
    churn_design *d = NULL;
    ASSERT_OK(churn_design_new(o, &d));
    ASSERT_OK(churn_design_fit_csv(d, path, o, &m[s]));
    ASSERT_FAILS(churn_design_fit_csv(d, path, o, &m[s]), CHURN_E_STATE, "already");
    churn_design_free(d);
    churn_options_free(o);
  }
  double a[23], b[23], ia, ib, ll[2];
  ASSERT_OK(churn_model_coef(m[0], a, &ia));
  ASSERT_OK(churn_model_coef(m[1], b, &ib));
  for (int j = 0; j < 23; j++) cr_assert(rel_close(a[j], b[j], 1e-8, 1e-10), "coef %d", j);
  cr_assert(rel_close(ia, ib, 1e-8, 1e-10));
  ASSERT_OK(churn_model_stat(m[0], CHURN_STAT_LOGLIK, &ll[0]));
  ASSERT_OK(churn_model_stat(m[1], CHURN_STAT_LOGLIK, &ll[1]));
  cr_assert(rel_close(ll[0], ll[1], 1e-12, 0));
  /* statsmodels on the same encoding (pytest test_design.py): -2912.9177 */
  cr_assert(fabs(ll[0] - -2912.9177) < 1e-4, "loglik %.6f", ll[0]);
  churn_model_free(m[0]);
  churn_model_free(m[1]);
}

Test(design, arguments_and_states) {
  churn_design *d = NULL;
  ASSERT_FAILS(churn_design_new(NULL, NULL), CHURN_E_ARG, "out is NULL");
  ASSERT_OK(churn_design_new(NULL, &d));
  churn_column c[NC];
  columns(c, NULL);
  double Xe[4];
  ASSERT_FAILS(churn_design_transform_columns(d, c, NC, N, Xe, 4, NULL, NULL, NULL),
               CHURN_E_STATE, "not learned");
  ASSERT_FAILS(churn_design_fit_csv(d, "x.csv", NULL, NULL), CHURN_E_ARG, "NULL");
  churn_model *m = NULL;
  ASSERT_FAILS(churn_design_fit_csv(d, "x.csv", NULL, &m), CHURN_E_ARG, "no label column");
  c[3].length = 3;
  ASSERT_FAILS(churn_design_learn_columns(d, c, NC, N), CHURN_E_ARG, "'x' has 3 rows");
  c[3].length = N;
  ASSERT_FAILS(churn_design_learn_columns(NULL, c, NC, N), CHURN_E_ARG, "design is NULL");
  cr_assert_eq(churn_design_n_features(NULL), 0);
  churn_design_free(d);
  churn_design_free(NULL);
  /* a label with one value, a column named twice */
  churn_options *o = design_options(0);
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_DESIGN_LABEL, "const"));
  ASSERT_OK(churn_design_new(o, &d));
  ASSERT_FAILS(churn_design_learn_columns(d, c, NC, N), CHURN_E_DATA, "single value");
  churn_design_free(d);
  ASSERT_OK(churn_design_new(o, &d));
  c[5].name = "x";
  ASSERT_FAILS(churn_design_learn_columns(d, c, NC, N), CHURN_E_SCHEMA, "'x' appears twice");
  churn_design_free(d);
  churn_options_free(o);
}

int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

Test(design, allocation_failures_are_clean) {
  churn_options *o = design_options(1);
  churn_column c[NC];
  columns(c, NULL);
  double Xe[N * 8];
  churn_testing_fail_alloc(0);
  churn_design *d = NULL;
  ASSERT_OK(churn_design_new(o, &d));
  ASSERT_OK(churn_design_learn_columns(d, c, NC, N));
  ASSERT_OK(churn_design_transform_columns(d, c, NC, N, Xe, 8, NULL, NULL, NULL));
  uint64_t count = churn_testing_fail_alloc(0);
  churn_design_free(d);
  cr_assert(count > 10);
  for (uint64_t k = 1; k <= count; k++) {
    d = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_design_new(o, &d);
    if (st == CHURN_OK) st = churn_design_learn_columns(d, c, NC, N);
    if (st == CHURN_OK) st = churn_design_transform_columns(d, c, NC, N, Xe, 8, NULL, NULL, NULL);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "allocation %llu: %s: %s", (unsigned long long)k,
                 churn_status_name(st), churn_last_error());
    churn_design_free(d);
  }
  churn_options_free(o);
  if (__lsan_do_recoverable_leak_check) cr_assert_eq(__lsan_do_recoverable_leak_check(), 0);
}

/* Threads sharing one learned design: churn_design_score_csv keeps the report of the last
 * scoring in the design, under the design's lock, so four threads scoring the Telco file with
 * one design and one model write the same bytes as a single call, and the report afterwards is
 * one whole scoring's (of the 7,043 rows, 11 rejected for a blank TotalCharges).  The race the
 * lock prevents is narrow (the report is rewritten at the end of each call): this check of the
 * outcome passed on this machine without the lock too; ThreadSanitizer is what sees it. */
static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

typedef struct score_job {
  churn_design *d;
  const churn_model *m;
  const char *in;
  char out[512];
  churn_status st;
} score_job;

static void *score_thread(void *arg) {
  score_job *j = arg;
  int64_t scored = 0;
  for (int r = 0; r < 3 && j->st == CHURN_OK; r++) {
    j->st = churn_design_score_csv(j->d, j->m, j->in, j->out, NULL, &scored);
  }
  return NULL;
}

Test(design, threads_share_one_design_for_scoring) {
  const char *path = shared_data_path("telco/telco_customer_churn.csv");
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_DESIGN_LABEL, "Churn"));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_DESIGN_ID, "customerID"));
  churn_design *d = NULL;
  churn_model *m = NULL;
  ASSERT_OK(churn_design_new(o, &d));
  ASSERT_OK(churn_design_fit_csv(d, path, o, &m));
  int64_t scored = 0;
  char ref[512];
  snprintf(ref, sizeof ref, "%s/design_ref.csv", test_tmpdir());
  ASSERT_OK(churn_design_score_csv(d, m, path, ref, NULL, &scored));
  size_t ref_len = 0;
  uint8_t *want = slurp(ref, &ref_len);
  enum { T = 4 };
  pthread_t th[T];
  score_job jobs[T];
  for (int t = 0; t < T; t++) {
    jobs[t] = (score_job){d, m, path, "", CHURN_OK};
    snprintf(jobs[t].out, sizeof jobs[t].out, "%s/design_thread%d.csv", test_tmpdir(), t);
    cr_assert_eq(pthread_create(&th[t], NULL, score_thread, &jobs[t]), 0);
  }
  for (int t = 0; t < T; t++) pthread_join(th[t], NULL);
  for (int t = 0; t < T; t++) {
    cr_assert_eq(jobs[t].st, CHURN_OK, "thread %d", t);
    size_t len = 0;
    uint8_t *got = slurp(jobs[t].out, &len);
    cr_assert(len == ref_len && memcmp(got, want, len) == 0, "thread %d wrote other bytes", t);
    free(got);
  }
  churn_table *rep = NULL;
  ASSERT_OK(churn_design_report(d, &rep));
  int64_t rows = -1, rejected = -1, jk, jc;
  const char *const *kind;
  const int64_t *count;
  ASSERT_OK(churn_table_find(rep, "kind", &jk));
  ASSERT_OK(churn_table_find(rep, "count", &jc));
  ASSERT_OK(churn_table_str(rep, jk, &kind));
  ASSERT_OK(churn_table_i64(rep, jc, &count));
  for (int64_t i = 0; i < churn_table_nrows(rep); i++) {
    if (strcmp(kind[i], "rows") == 0) rows = count[i];
    if (strcmp(kind[i], "rejected") == 0) rejected = count[i];
  }
  cr_assert_eq(rejected, 11);
  cr_assert_eq(rows + rejected, 7043, "rows %lld", (long long)rows);
  churn_table_free(rep);
  free(want);
  churn_model_free(m);
  churn_design_free(d);
  churn_options_free(o);
}
