/*
 * test_outofcore.c -- out-of-core fitting (lib/outofcore.c): a fit streamed in chunks (from a
 * caller's row source or a CSV file, under a small memory budget so there are many chunks) gives
 * the in-memory churn_model_fit's model to 1e-10 relative (covariance to 1e-8, also the HC0 and
 * HC1 sandwiches); every error of the sources, the budget and the CSV reader has a status and a
 * message.
 */
#include "helpers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 40000
#define D 4
#define TOL 1e-10

/* A deterministic design with an intercept, mixed scales and a non-trivial signal. */
typedef struct data {
  double X[N * D], y[N], w[N];
} data;

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) / 9007199254740992.0; }

static data *make_data(void) {
  data *dt = malloc(sizeof *dt);
  uint64_t s = 42;
  for (int i = 0; i < N; i++) {
    double *x = dt->X + i * D;
    x[0] = floor(unif(&s) * 72.0);             /* tenure in months */
    x[1] = 20.0 + 100.0 * unif(&s);            /* monthly charge */
    x[2] = floor(-log(unif(&s) + 1e-12));      /* faults */
    x[3] = unif(&s) < 0.3 ? 1.0 : 0.0;         /* month-to-month contract */
    double eta = -1.0 - 0.04 * x[0] + 0.012 * x[1] + 0.35 * x[2] + 1.1 * x[3];
    dt->y[i] = unif(&s) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
    dt->w[i] = 0.5 + floor(unif(&s) * 3.0);
  }
  return dt;
}

static const char *const NAMES[D] = {"tenure", "charge", "faults", "monthly"};

/* A row source over arrays in memory (the test's stand-in for a database cursor). */
typedef struct mem_source {
  const data *dt;
  bool weights;
  int64_t next, pass, calls;
  int64_t fail_at_call;   /* return CHURN_E_IO at this call (0 = never) */
  int64_t drop_in_pass;   /* give one row less in this pass (0 = never) */
  int64_t overfill;       /* claim capacity + overfill rows (0 = never) */
} mem_source;

static churn_status mem_read(void *ctx, int64_t pass, int64_t capacity, double *X, double *y,
                             double *w, int64_t *nrows) {
  mem_source *m = ctx;
  m->calls++;
  if (m->fail_at_call && m->calls == m->fail_at_call) return CHURN_E_IO;
  if (m->overfill) {
    *nrows = capacity + m->overfill;
    return CHURN_OK;
  }
  if (pass != m->pass) {
    m->pass = pass;
    m->next = 0;
  }
  int64_t total = N - (m->drop_in_pass && pass == m->drop_in_pass ? 1 : 0);
  int64_t n = total - m->next < capacity ? total - m->next : capacity;
  memcpy(X, m->dt->X + m->next * D, (size_t)(n * D) * sizeof(double));
  memcpy(y, m->dt->y + m->next, (size_t)n * sizeof(double));
  if (w) memcpy(w, m->dt->w + m->next, (size_t)n * sizeof(double));
  cr_assert_eq(w != NULL, m->weights);
  m->next += n;
  *nrows = n;
  return CHURN_OK;
}

static churn_options *small_budget(int penalty) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MEMORY_BUDGET, 1 << 20));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, penalty));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  return o;
}

static void assert_same_fit(const churn_model *a, const churn_model *b, bool cov) {
  double ca[D], cb[D], ia, ib;
  ASSERT_OK(churn_model_coef(a, ca, &ia));
  ASSERT_OK(churn_model_coef(b, cb, &ib));
  for (int j = 0; j < D; j++) {
    cr_assert(rel_close(ca[j], cb[j], TOL, 0), "coef %d: %.17g vs %.17g", j, ca[j], cb[j]);
  }
  cr_assert(rel_close(ia, ib, TOL, 0), "intercept %.17g vs %.17g", ia, ib);
  double la, lb;
  ASSERT_OK(churn_model_stat(a, CHURN_STAT_LOGLIK, &la));
  ASSERT_OK(churn_model_stat(b, CHURN_STAT_LOGLIK, &lb));
  cr_assert(rel_close(la, lb, 1e-12, 0), "loglik %.17g vs %.17g", la, lb);
  if (cov) {
    double va[(D + 1) * (D + 1)], vb[(D + 1) * (D + 1)];
    ASSERT_OK(churn_model_covariance(a, va));
    ASSERT_OK(churn_model_covariance(b, vb));
    for (int q = 0; q < (D + 1) * (D + 1); q++) {
      cr_assert(rel_close(va[q], vb[q], 1e-8, 1e-300), "cov %d: %.17g vs %.17g", q, va[q], vb[q]);
    }
  }
  for (int j = 0; j < D; j++) {
    cr_assert_str_eq(churn_model_feature_name(a, j), churn_model_feature_name(b, j));
  }
}

static void stream_matches_memory(int penalty, bool weights) {
  data *dt = make_data();
  churn_options *o = small_budget(penalty);
  churn_model *mem = NULL, *str = NULL;
  ASSERT_OK(churn_model_fit(dt->X, CHURN_F64, N, D, D, dt->y, weights ? dt->w : NULL, NAMES, o,
                            &mem));
  mem_source src = {dt, weights, 0, -1, 0, 0, 0, 0};
  ASSERT_OK(churn_model_fit_stream(D, NAMES, mem_read, &src, weights, o, &str));
  double passes;
  ASSERT_OK(churn_model_stat(str, CHURN_STAT_N_ITER, &passes));
  cr_assert(src.calls > 3 * (int64_t)passes, "only %lld calls: the budget did not split the rows",
            (long long)src.calls);
  assert_same_fit(mem, str, penalty == CHURN_PENALTY_NONE);
  churn_model_free(mem);
  churn_model_free(str);
  churn_options_free(o);
  free(dt);
}

Test(outofcore, stream_equals_in_memory_fit) { stream_matches_memory(CHURN_PENALTY_NONE, false); }
Test(outofcore, stream_equals_in_memory_fit_weighted) {
  stream_matches_memory(CHURN_PENALTY_NONE, true);
}
Test(outofcore, stream_equals_in_memory_fit_l2) { stream_matches_memory(CHURN_PENALTY_L2, false); }

static const char *write_csv(const data *dt, const char *name, bool weights, bool crlf,
                             int rows) {
  static char path[700];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(path, "w");
  fprintf(f, "tenure,churned,charge,%sfaults,monthly%s", weights ? "w," : "", crlf ? "\r\n" : "\n");
  for (int i = 0; i < rows; i++) {
    const double *x = dt->X + i * D;
    fprintf(f, "%.17g,%g,%.17g,", x[0], dt->y[i], x[1]);
    if (weights) fprintf(f, "%.17g,", dt->w[i]);
    fprintf(f, "%.17g,%.17g%s", x[2], x[3], crlf ? "\r\n" : "\n");
    if (i == rows / 2) fprintf(f, "\n"); /* a blank line is skipped */
  }
  fclose(f);
  return path;
}

Test(outofcore, csv_equals_in_memory_fit) {
  data *dt = make_data();
  churn_options *o = small_budget(CHURN_PENALTY_NONE);
  for (int variant = 0; variant < 2; variant++) {
    bool weights = variant == 1;
    churn_model *mem = NULL, *csv = NULL;
    ASSERT_OK(churn_model_fit(dt->X, CHURN_F64, N, D, D, dt->y, weights ? dt->w : NULL, NAMES, o,
                              &mem));
    const char *path = write_csv(dt, "design.csv", weights, weights, N);
    ASSERT_OK(churn_model_fit_csv(path, "churned", weights ? "w" : NULL, o, &csv));
    assert_same_fit(mem, csv, true);
    churn_model_free(mem);
    churn_model_free(csv);
  }
  churn_options_free(o);
  free(dt);
}

/* HC0 / HC1: the streamed and CSV fits accumulate the score outer products in their last pass
 * and give the in-memory fit's sandwich covariance (which test_fit.c checks against statsmodels);
 * HC0 and HC1 differ by exactly n / (n - k). */
Test(outofcore, stream_and_csv_hc0_hc1_equal_in_memory_fit) {
  data *dt = make_data();
  const char *path = write_csv(dt, "design_hc.csv", true, false, N);
  double hc[2][(D + 1) * (D + 1)];
  const int covs[2] = {CHURN_COV_HC0, CHURN_COV_HC1};
  for (int c = 0; c < 2; c++) {
    churn_options *o = small_budget(CHURN_PENALTY_NONE);
    ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_COV_TYPE, covs[c]));
    churn_model *mem = NULL, *str = NULL, *csv = NULL;
    ASSERT_OK(churn_model_fit(dt->X, CHURN_F64, N, D, D, dt->y, dt->w, NAMES, o, &mem));
    mem_source src = {dt, true, 0, -1, 0, 0, 0, 0};
    ASSERT_OK(churn_model_fit_stream(D, NAMES, mem_read, &src, 1, o, &str));
    ASSERT_OK(churn_model_fit_csv(path, "churned", "w", o, &csv));
    assert_same_fit(mem, str, true);
    assert_same_fit(mem, csv, true);
    ASSERT_OK(churn_model_covariance(str, hc[c]));
    churn_model_free(mem);
    churn_model_free(str);
    churn_model_free(csv);
    churn_options_free(o);
  }
  /* the sandwich is not the nonrobust covariance, and HC1 = HC0 * n / (n - k) */
  churn_options *o = small_budget(CHURN_PENALTY_NONE);
  churn_model *plain = NULL;
  mem_source src = {dt, true, 0, -1, 0, 0, 0, 0};
  ASSERT_OK(churn_model_fit_stream(D, NAMES, mem_read, &src, 1, o, &plain));
  double nr[(D + 1) * (D + 1)];
  ASSERT_OK(churn_model_covariance(plain, nr));
  cr_assert(!rel_close(nr[0], hc[0][0], 1e-3, 0), "HC0 equals the nonrobust covariance");
  for (int q = 0; q < (D + 1) * (D + 1); q++) {
    cr_assert(rel_close(hc[1][q], hc[0][q] * N / (N - (D + 1.0)), 1e-12, 1e-300), "HC1 %d", q);
  }
  churn_model_free(plain);
  churn_options_free(o);
  free(dt);
}

static const char *csv_text(const char *name, const char *text) {
  static char path[700];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  return path;
}

Test(outofcore, csv_errors_name_line_and_column) {
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit_csv("/nonexistent/x.csv", "y", NULL, NULL, &m), CHURN_E_IO,
               "/nonexistent/x.csv");
  ASSERT_FAILS(churn_model_fit_csv(NULL, "y", NULL, NULL, &m), CHURN_E_ARG, "path is NULL");
  ASSERT_FAILS(churn_model_fit_csv("x.csv", NULL, NULL, NULL, &m), CHURN_E_ARG, "label_column");
  ASSERT_FAILS(churn_model_fit_csv("x.csv", "y", NULL, NULL, NULL), CHURN_E_ARG, "out is NULL");
  const char *p = csv_text("empty.csv", "");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_DATA, "empty");
  p = csv_text("header_only.csv", "a,y\r\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_DATA, "no rows");
  p = csv_text("nolabel.csv", "a,b\n1,2\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_SCHEMA, "no label column 'y'");
  p = csv_text("twolabels.csv", "y,a,y\n1,2,1\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_SCHEMA, "more than one");
  p = csv_text("noweight.csv", "a,y\n1,0\n2,1\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", "w", NULL, &m), CHURN_E_SCHEMA, "weight column 'w'");
  p = csv_text("badnum.csv", "a,y\n1,0\n2,1\n3x,0\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_DATA,
               "line 4, column 'a': '3x' is not a number");
  p = csv_text("emptyfield.csv", "a,y\n1,0\n,1\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_DATA, "line 3, column 'a'");
  p = csv_text("fields.csv", "a,b,y\n1,2,0\n2,1\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_DATA,
               "line 3 has 2 fields, the header has 3");
  p = csv_text("nan.csv", "a,y\n1,0\n2,1\nnan,0\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_DATA,
               "line 4, column 'a': values must be finite, got nan");
  p = csv_text("label2.csv", "a,y\n1,0\n2,2\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_DATA,
               "line 3, column 'y': labels must be 0 or 1, got 2");
  p = csv_text("negweight.csv", "a,y,w\n1,0,1\n2,1,-3\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", "w", NULL, &m), CHURN_E_DATA,
               "line 3, column 'w': weights must be finite and >= 0, got -3");
  p = csv_text("overflow.csv", "a,y\n1e999,0\n");
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_E_DATA, "got inf");
  p = csv_text("oneclass.csv", "a,y\n1,0\n2,0\n3,0\n");
  cr_assert_neq(churn_model_fit_csv(p, "y", NULL, NULL, &m), CHURN_OK);
  /* a line longer than the read buffer (budget 1 MiB -> 64 KiB buffer) */
  size_t big = 70000;
  char *text = malloc(big + 32);
  strcpy(text, "a,y\n");
  memset(text + 4, '1', big);
  strcpy(text + 4 + big, ",0\n");
  p = csv_text("longline.csv", text);
  free(text);
  churn_options *o = small_budget(CHURN_PENALTY_NONE);
  ASSERT_FAILS(churn_model_fit_csv(p, "y", NULL, o, &m), CHURN_E_DATA, "longer than");
  churn_options_free(o);
  cr_assert_null(m);
}

Test(outofcore, csv_quoted_header_and_last_line_without_newline) {
  const char *p = csv_text("quoted.csv", "\"x\" , y\n0,0\n1,0\n2,1\n3,0\n4,1\n5,1\n6,0\n7,1");
  churn_model *m = NULL, *mem = NULL;
  ASSERT_OK(churn_model_fit_csv(p, "y", NULL, NULL, &m));
  cr_assert_str_eq(churn_model_feature_name(m, 0), "x");
  const double X[] = {0, 1, 2, 3, 4, 5, 6, 7}, y[] = {0, 0, 1, 0, 1, 1, 0, 1};
  const char *const names[] = {"x"};
  ASSERT_OK(churn_model_fit(X, CHURN_F64, 8, 1, 1, y, NULL, names, NULL, &mem));
  double a, b, ia, ib;
  ASSERT_OK(churn_model_coef(m, &a, &ia));
  ASSERT_OK(churn_model_coef(mem, &b, &ib));
  cr_assert(rel_close(a, b, TOL, 0) && rel_close(ia, ib, TOL, 0));
  churn_model_free(m);
  churn_model_free(mem);
}

Test(outofcore, stream_errors) {
  data *dt = make_data();
  churn_options *o = small_budget(CHURN_PENALTY_NONE);
  churn_model *m = NULL;
  mem_source src = {dt, false, 0, -1, 0, 0, 0, 0};
  ASSERT_FAILS(churn_model_fit_stream(D, NAMES, NULL, &src, 0, o, &m), CHURN_E_ARG,
               "source is NULL");
  ASSERT_FAILS(churn_model_fit_stream(D, NAMES, mem_read, &src, 0, o, NULL), CHURN_E_ARG,
               "out is NULL");
  ASSERT_FAILS(churn_model_fit_stream(D, NAMES, mem_read, &src, 2, o, &m), CHURN_E_ARG,
               "has_weights");
  src.fail_at_call = 9;
  ASSERT_FAILS(churn_model_fit_stream(D, NAMES, mem_read, &src, 0, o, &m), CHURN_E_IO,
               "row source failed with CHURN_E_IO in pass");
  mem_source drop = {dt, false, 0, -1, 0, 0, 2, 0};
  ASSERT_FAILS(churn_model_fit_stream(D, NAMES, mem_read, &drop, 0, o, &m), CHURN_E_DATA,
               "39999 rows in pass 2 but 40000 in pass 0");
  mem_source over = {dt, false, 0, -1, 0, 0, 0, 5};
  ASSERT_FAILS(churn_model_fit_stream(D, NAMES, mem_read, &over, 0, o, &m), CHURN_E_ARG,
               "it may return 0 to");
  /* a budget that cannot hold the d x d statistics */
  ASSERT_FAILS(churn_model_fit_stream(400, NULL, mem_read, &src, 0, o, &m), CHURN_E_RANGE,
               "fit.memory_budget");
  cr_assert_null(m);
  churn_options_free(o);
  free(dt);
}

/* A source over the first `rows` rows only. */
typedef struct small_source {
  mem_source base;
  int64_t rows;
} small_source;

static churn_status small_read(void *ctx, int64_t pass, int64_t capacity, double *X, double *y,
                               double *w, int64_t *nrows) {
  small_source *s = ctx;
  if (pass != s->base.pass) {
    s->base.pass = pass;
    s->base.next = 0;
  }
  int64_t n = s->rows - s->base.next < capacity ? s->rows - s->base.next : capacity;
  memcpy(X, s->base.dt->X + s->base.next * D, (size_t)(n * D) * sizeof(double));
  memcpy(y, s->base.dt->y + s->base.next, (size_t)n * sizeof(double));
  (void)w;
  s->base.next += n;
  *nrows = n;
  return CHURN_OK;
}

int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

Test(outofcore, allocation_failures_are_clean) {
  data *dt = make_data();
  const char *path = write_csv(dt, "alloc.csv", false, false, 2000);
  churn_options *o = small_budget(CHURN_PENALTY_NONE);
  for (int which = 0; which < 2; which++) {
    small_source src = {{dt, false, 0, -1, 0, 0, 0, 0}, 2000};
    churn_model *m = NULL;
    churn_testing_fail_alloc(0);
    if (which == 0) ASSERT_OK(churn_model_fit_stream(D, NAMES, small_read, &src, 0, o, &m));
    else ASSERT_OK(churn_model_fit_csv(path, "churned", NULL, o, &m));
    uint64_t count = churn_testing_fail_alloc(0);
    churn_model_free(m);
    cr_assert(count > 5);
    for (uint64_t k = 1; k <= count; k++) {
      m = NULL;
      src.base.pass = -1;
      churn_testing_fail_alloc(k);
      churn_status st = which == 0 ? churn_model_fit_stream(D, NAMES, small_read, &src, 0, o, &m)
                                   : churn_model_fit_csv(path, "churned", NULL, o, &m);
      churn_testing_fail_alloc(0);
      cr_assert_eq(st, CHURN_E_NOMEM, "source %d, allocation %llu: %s: %s", which,
                   (unsigned long long)k, churn_status_name(st), churn_last_error());
      cr_assert_null(m);
    }
  }
  churn_options_free(o);
  free(dt);
  if (__lsan_do_recoverable_leak_check) cr_assert_eq(__lsan_do_recoverable_leak_check(), 0);
}
