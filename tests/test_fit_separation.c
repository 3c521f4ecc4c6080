/*
 * test_fit_separation.c -- the unpenalised in-memory fit (lib/fit.c) on separated data: the exact
 * check decides, and the message names the kind, the infinite coefficients with their
 * directions, and suggests FIRTH.  Oracles: separation built into hand-made data (a column equal
 * to 1 only among churners can only run to +inf; a rare dummy seen in both classes cannot run
 * at all), closed forms (a 2x2 table's MLE is the log odds ratio), and the score equations
 * computed here for estimates that are large but finite.
 */
#include "helpers.h"
#include "telco_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static churn_options *opts_new(void) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  return o;
}

/* A reproducible standard normal (xorshift64 + Box-Muller). */
static double normal(uint64_t *s) {
  double u[2];
  for (int q = 0; q < 2; q++) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    u[q] = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
  }
  return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

static double uniform(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

/* Asserts CHURN_E_SEPARATION, no model, and every fragment in the message. */
static void assert_separation(churn_status st, churn_model *m, const char *const *fragments) {
  cr_assert_eq(st, CHURN_E_SEPARATION, "%s: %s", churn_status_name(st), churn_last_error());
  cr_assert_null(m);
  const char *msg = churn_last_error();
  cr_assert(strstr(msg, "fit.penalty = FIRTH") != NULL, "%s", msg);
  cr_assert(strstr(msg, "L2") != NULL, "%s", msg);
  for (const char *const *f = fragments; *f; f++) {
    cr_assert(strstr(msg, *f) != NULL, "message '%s' lacks '%s'", msg, *f);
  }
}

/* The weighted score X'(y - p) (intercept first), max-abs relative to the sum of weights. */
static double score_norm(const double *X, int64_t n, int64_t d, const double *y, const double *w,
                         const double *coef, double b0) {
  double g[16] = {0}, sw = 0;
  for (int64_t i = 0; i < n; i++) {
    double eta = b0, wi = w ? w[i] : 1.0;
    for (int64_t j = 0; j < d; j++) eta += coef[j] * X[i * d + j];
    double r = wi * (y[i] - 1.0 / (1.0 + exp(-eta)));
    g[0] += r;
    for (int64_t j = 0; j < d; j++) g[1 + j] += r * X[i * d + j];
    sw += wi;
  }
  double mx = 0;
  for (int64_t j = 0; j <= d; j++) mx = fmax(mx, fabs(g[j]));
  return mx / sw;
}

Test(fit_separation, complete) {
  /* x > 0 exactly for the churners. */
  double x[20], y[20];
  for (int i = 0; i < 20; i++) x[i] = i - 9.5, y[i] = x[i] > 0;
  const char *names[] = {"days_offline"};
  churn_model *m = NULL;
  const char *want[] = {"complete separation", "'days_offline' (+inf)", NULL};
  const char *lone[] = {"complete separation", "'days_offline' (+inf)",
                        "'days_offline' (churners above) alone separates the classes", NULL};
  assert_separation(churn_model_fit(x, CHURN_F64, 20, 1, 1, y, NULL, names, NULL, &m), m, lone);
  cr_assert(strstr(churn_last_error(), "quasi") == NULL, "%s", churn_last_error());
  /* float32 input, and without an intercept */
  float xf[20];
  for (int i = 0; i < 20; i++) xf[i] = (float)x[i];
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INTERCEPT, 0));
  assert_separation(churn_model_fit(xf, CHURN_F32, 20, 1, 1, y, NULL, names, o, &m), m, want);
  cr_assert(strstr(churn_last_error(), "intercept") == NULL, "%s", churn_last_error());
  /* x < 0 for the churners: the other direction */
  for (int i = 0; i < 20; i++) x[i] = -x[i];
  const char *down[] = {"complete separation", "'days_offline' (-inf)",
                        "'days_offline' (churners below) alone", NULL};
  assert_separation(churn_model_fit(x, CHURN_F64, 20, 1, 1, y, NULL, names, NULL, &m), m, down);
  churn_options_free(o);
}

Test(fit_separation, quasi_complete_dummy) {
  /* complaint_open = 1 only among churners; 0 in both classes.  Only it can run off (+inf):
   * the noise column and the intercept stay finite. */
  double X[2 * 60], y[60];
  for (int i = 0; i < 60; i++) {
    y[i] = (i % 3) == 0;
    X[2 * i] = sin(i * 1.7);
    X[2 * i + 1] = (y[i] == 1 && i % 2 == 0) ? 1.0 : 0.0;
  }
  const char *names[] = {"noise", "complaint_open"};
  churn_model *m = NULL;
  const char *want[] = {"quasi-complete separation", "estimate of 'complaint_open' (+inf) is "
                        "infinite", "drop this column", NULL};
  assert_separation(churn_model_fit(X, CHURN_F64, 60, 2, 2, y, NULL, names, NULL, &m), m, want);
  cr_assert(strstr(churn_last_error(), "'noise'") == NULL, "%s", churn_last_error());
  cr_assert(strstr(churn_last_error(), "intercept") == NULL, "%s", churn_last_error());
  /* The same dummy marking non-churners only runs to -inf. */
  for (int i = 0; i < 60; i++) X[2 * i + 1] = (y[i] == 0 && i % 4 == 1) ? 1.0 : 0.0;
  const char *neg[] = {"quasi-complete separation", "'complaint_open' (-inf)", NULL};
  assert_separation(churn_model_fit(X, CHURN_F64, 60, 2, 2, y, NULL, names, NULL, &m), m, neg);
}

Test(fit_separation, quasi_complete_that_newton_converges_on) {
  /* A rare dummy (about 1 churner in 500) among four ordinary columns: Newton meets the
   * tolerance at a coefficient near 17 with a huge standard error (what statsmodels returns);
   * the standardised coefficient stays small, so only the exact check sees it.  Also at a loose
   * tolerance, where the estimate stops near 8. */
  enum { N = 5000, D = 5 };
  double *X = malloc(sizeof(double) * N * D), *y = malloc(sizeof(double) * N);
  uint64_t s = 5000;
  int64_t ones = 0;
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < 4; j++) X[i * D + j] = normal(&s);
    y[i] = uniform(&s) < 1.0 / (1.0 + exp(-(X[i * D] - 1.0)));
    X[i * D + 4] = (y[i] == 1 && uniform(&s) < 0.008) ? 1.0 : 0.0;
    ones += X[i * D + 4] != 0;
  }
  cr_assert(ones >= 3, "the dummy marks %lld rows", (long long)ones);
  const char *names[] = {"tenure", "charges", "calls", "faults", "port_out_request"};
  churn_model *m = NULL;
  const char *want[] = {"quasi-complete separation", "'port_out_request' (+inf) is infinite",
                        NULL};
  assert_separation(churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, names, NULL, &m), m, want);
  churn_options *o = opts_new();
  const double tols[] = {1e-6, 1e-4};
  for (int q = 0; q < 2; q++) {
    ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, tols[q]));
    assert_separation(churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, names, o, &m), m, want);
  }
  /* without inference (no covariance at the end) */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_INFERENCE, 0));
  assert_separation(churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, names, o, &m), m, want);
  churn_options_free(o);
  free(X);
  free(y);
}

Test(fit_separation, quasi_complete_in_a_combination_of_two_columns) {
  /* plan_before - plan_after is 1 for some churners and 0 for every other row; neither column
   * alone separates (both take 0, 1, 2 in both classes).  The direction: plan_before to +inf,
   * plan_after to -inf, nothing else. */
  enum { N = 90 };
  double X[3 * N], y[N];
  for (int i = 0; i < N; i++) {
    y[i] = i % 3 == 0;
    double a = (double)(i % 5 == 4 ? 2 : i % 5 == 3 ? 1 : 0);
    double b = a;
    if (y[i] == 1 && i % 2 == 0 && a > 0) b = a - 1;
    X[3 * i] = cos(i * 0.9);
    X[3 * i + 1] = a;
    X[3 * i + 2] = b;
  }
  const char *names[] = {"usage", "plan_before", "plan_after"};
  churn_model *m = NULL;
  const char *want[] = {"quasi-complete separation", "'plan_before' (+inf)",
                        "'plan_after' (-inf)", "drop these columns", NULL};
  assert_separation(churn_model_fit(X, CHURN_F64, N, 3, 3, y, NULL, names, NULL, &m), m, want);
  cr_assert(strstr(churn_last_error(), "'usage'") == NULL, "%s", churn_last_error());
}

Test(fit_separation, dummy_in_the_telco_design) {
  /* The Telco design (7032 x 23, not separated) plus a dummy set for one churner in twenty. */
  telco t;
  cr_assert_eq(telco_load(&t), 0, "shared Telco data missing");
  int64_t n = t.n, d = t.d + 1;
  double *X = malloc(sizeof(double) * (size_t)(n * d));
  const char **names = malloc(sizeof(char *) * (size_t)d);
  for (int64_t j = 0; j < t.d; j++) names[j] = t.names[j];
  names[t.d] = "retention_call_refused";
  for (int64_t i = 0; i < n; i++) {
    memcpy(X + i * d, t.X + i * t.d, sizeof(double) * (size_t)t.d);
    X[i * d + t.d] = (t.y[i] == 1 && i % 20 == 7) ? 1.0 : 0.0;
  }
  churn_model *m = NULL;
  const char *want[] = {"quasi-complete separation",
                        "estimate of 'retention_call_refused' (+inf) is infinite", NULL};
  assert_separation(churn_model_fit(X, CHURN_F64, n, d, d, t.y, NULL, names, NULL, &m), m, want);
  for (int64_t j = 0; j < t.d; j++) {
    char quoted[128];
    snprintf(quoted, sizeof quoted, "'%s'", t.names[j]);
    cr_assert(strstr(churn_last_error(), quoted) == NULL, "%s", churn_last_error());
  }
  /* Without the dummy the design fits. */
  ASSERT_OK(churn_model_fit(t.X, CHURN_F64, n, t.d, t.d, t.y, NULL, NULL, NULL, &m));
  churn_model_free(m);
  free(X);
  free(names);
  telco_free(&t);
  (void)telco_number;  /* the header's oracle readers are not needed here */
  (void)telco_array;
}

/* A 2x2 table (dummy x churn) with a rare dummy seen in both classes: counts a (0,0), b (0,1),
 * c (1,0), e (1,1). */
static int64_t rare_table(double *x, double *y, int a, int b, int c, int e) {
  int64_t r = 0;
  for (int i = 0; i < a; i++) x[r] = 0, y[r++] = 0;
  for (int i = 0; i < b; i++) x[r] = 0, y[r++] = 1;
  for (int i = 0; i < c; i++) x[r] = 1, y[r++] = 0;
  for (int i = 0; i < e; i++) x[r] = 1, y[r++] = 1;
  return r;
}

Test(fit_separation, rare_dummy_in_both_classes_fits) {
  /* 3 rows of 300 have the dummy: 2 churners, 1 not.  No separation: the MLE is the log odds
   * ratio, no false alarm. */
  double x[300], y[300];
  int64_t n = rare_table(x, y, 200, 97, 1, 2);
  const char *names[] = {"sim_swap"};
  churn_model *m = NULL;
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-12));
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, NULL, names, o, &m));
  double coef, b0;
  ASSERT_OK(churn_model_coef(m, &coef, &b0));
  cr_assert(rel_close(b0, log(97.0 / 200.0), 1e-10, 1e-14), "intercept %.17g", b0);
  cr_assert(rel_close(coef, log(2.0 * 200.0 / (1.0 * 97.0)), 1e-10, 1e-14), "slope %.17g", coef);
  churn_model_free(m);
  churn_options_free(o);
}

Test(fit_separation, nearly_separated_data_fit_after_the_exact_check) {
  /* x > 0 for the churners except two swapped pairs next to 0: no separation, the estimate is
   * finite but large (slope > 10); the solver's run-off heuristic fires, the exact check finds
   * no separation and the fit resumes to the optimum (score equations ~ 0). */
  enum { N = 200 };
  double X[2 * N], y[N];
  for (int i = 0; i < N; i++) {
    X[2 * i] = (i - 99.5) / 40.0;
    X[2 * i + 1] = sin(i * 2.1);
    y[i] = X[2 * i] > 0;
  }
  y[99] = 1, y[100] = 0, y[98] = 1, y[101] = 0;
  churn_model *m = NULL;
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MAX_ITER, 200));
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, 2, 2, y, NULL, NULL, o, &m));
  double coef[2], b0;
  ASSERT_OK(churn_model_coef(m, coef, &b0));
  cr_assert(coef[0] > 10 && isfinite(coef[0]), "slope %g", coef[0]);
  double g = score_norm(X, N, 2, y, NULL, coef, b0);
  cr_assert(g < 1e-8, "score %g at the estimate", g);
  churn_model_free(m);
  churn_options_free(o);
}

Test(fit_separation, weights_zero_rows_do_not_count) {
  /* The rare dummy of 3 rows (2 churners, 1 not) fits; with the non-churner's weight 0 it
   * separates (quasi-complete, +inf); with weights 0 on other rows it still fits. */
  double x[300], y[300], w[300];
  int64_t n = rare_table(x, y, 200, 97, 1, 2);
  for (int64_t i = 0; i < n; i++) w[i] = 1.0 + (double)(i % 3);
  const char *names[] = {"sim_swap"};
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, w, names, NULL, &m));
  churn_model_free(m);
  m = NULL;
  w[297] = 0;  /* the dummy's non-churner */
  const char *want[] = {"quasi-complete separation", "'sim_swap' (+inf)", NULL};
  assert_separation(churn_model_fit(x, CHURN_F64, n, 1, 1, y, w, names, NULL, &m), m, want);
  w[297] = 2.5;
  for (int64_t i = 0; i < 150; i++) w[i] = 0;  /* zero weights elsewhere: still both classes */
  ASSERT_OK(churn_model_fit(x, CHURN_F64, n, 1, 1, y, w, names, NULL, &m));
  double coef;
  ASSERT_OK(churn_model_coef(m, &coef, NULL));
  cr_assert(isfinite(coef));
  churn_model_free(m);
}

Test(fit_separation, long_lists_are_capped) {
  /* Ten dummies, each set for one churner only: ten coefficients run to +inf; the message shows
   * eight and counts the rest. */
  enum { N = 80, D = 11 };
  double X[N * D], y[N];
  char buf[D][16];
  const char *names[D];
  for (int j = 0; j < D; j++) {
    snprintf(buf[j], sizeof buf[j], "flag%d", j);
    names[j] = buf[j];
  }
  for (int i = 0; i < N; i++) {
    y[i] = i % 2;
    X[i * D] = cos(i * 1.3);
    for (int j = 1; j < D; j++) X[i * D + j] = (i == 2 * j + 1) ? 1.0 : 0.0;
  }
  churn_model *m = NULL;
  const char *want[] = {"quasi-complete separation", "'flag1' (+inf)", "'flag8' (+inf)",
                        "and 2 more columns", NULL};
  assert_separation(churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, names, NULL, &m), m, want);
  cr_assert(strstr(churn_last_error(), "'flag9'") == NULL, "%s", churn_last_error());
  cr_assert(strstr(churn_last_error(), "'flag0'") == NULL, "%s", churn_last_error());
}

Test(fit_separation, many_rows_use_the_subsample_path) {
  /* 250,000 rows (the warm start's subsample and the check's subsample both in play): complete
   * separation by one column is reported (this once crashed in the subsample solver), and a
   * strong but not separating column fits. */
  enum { N = 250000 };
  double *X = malloc(sizeof(double) * N * 2), *y = malloc(sizeof(double) * N);
  uint64_t s = 77;
  for (int i = 0; i < N; i++) {
    X[2 * i] = normal(&s);
    X[2 * i + 1] = normal(&s);
    y[i] = X[2 * i] > 0;
  }
  const char *names[] = {"arrears", "noise"};
  churn_model *m = NULL;
  const char *want[] = {"complete separation", "'arrears' (+inf)", NULL};
  assert_separation(churn_model_fit(X, CHURN_F64, N, 2, 2, y, NULL, names, NULL, &m), m, want);
  for (int i = 0; i < N; i++) y[i] = uniform(&s) < 1.0 / (1.0 + exp(-6.0 * X[2 * i]));
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, 2, 2, y, NULL, names, NULL, &m));
  double coef[2], b0;
  ASSERT_OK(churn_model_coef(m, coef, &b0));
  cr_assert(fabs(coef[0] - 6.0) < 0.3, "slope %g (simulated 6)", coef[0]);
  churn_model_free(m);
  free(X);
  free(y);
}

Test(fit_separation, no_convergence_without_separation_says_so) {
  double X[2 * 40], y[40];
  for (int i = 0; i < 40; i++) X[2 * i] = sin(i), X[2 * i + 1] = cos(i * 0.7), y[i] = i % 3 == 0;
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_MAX_ITER, 1));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_TOL, 1e-14));
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(X, CHURN_F64, 40, 2, 2, y, NULL, NULL, o, &m),
               CHURN_E_NOT_CONVERGED, "not separated (exact check)");
  cr_assert(strstr(churn_last_error(), "fit.max_iter") != NULL, "%s", churn_last_error());
  cr_assert_null(m);
  churn_options_free(o);
}

Test(fit_separation, penalised_fits_are_not_checked) {
  double x[20], y[20];
  for (int i = 0; i < 20; i++) x[i] = i - 9.5, y[i] = x[i] > 0;
  churn_options *o = opts_new();
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2));
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(x, CHURN_F64, 20, 1, 1, y, NULL, NULL, o, &m));
  double c;
  ASSERT_OK(churn_model_coef(m, &c, NULL));
  cr_assert(isfinite(c) && c > 0);
  churn_model_free(m);
  churn_options_free(o);
}

/* LeakSanitizer's check, present only in the sanitizer build. */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

Test(fit_separation, allocation_failures) {
  /* Each allocation failing in turn on the paths of the check (weighted rows copied, a false
   * alarm resumed): CHURN_E_NOMEM, or the usual outcome when the allocation was optional. */
  double x[300], y[300], w[300];
  int64_t n = rare_table(x, y, 200, 97, 1, 2);
  for (int64_t i = 0; i < n; i++) w[i] = i == 297 ? 0.0 : 1.0;
  double X[2 * 200], y2[200];
  for (int i = 0; i < 200; i++) {
    X[2 * i] = (i - 99.5) / 40.0;
    X[2 * i + 1] = sin(i * 2.1);
    y2[i] = X[2 * i] > 0;
  }
  y2[99] = 1, y2[100] = 0;
  for (int c = 0; c < 2; c++) {
    churn_model *m = NULL;
    churn_testing_fail_alloc(0);
    churn_status want = c == 0 ? churn_model_fit(x, CHURN_F64, n, 1, 1, y, w, NULL, NULL, &m)
                               : churn_model_fit(X, CHURN_F64, 200, 2, 2, y2, NULL, NULL, NULL, &m);
    churn_model_free(m);
    m = NULL;
    cr_assert_eq(want, c == 0 ? CHURN_E_SEPARATION : CHURN_OK, "%s", churn_last_error());
    uint64_t points = churn_testing_fail_alloc(0);
    for (uint64_t k = 1; k <= points; k++) {
      churn_testing_fail_alloc(k);
      churn_status st = c == 0 ? churn_model_fit(x, CHURN_F64, n, 1, 1, y, w, NULL, NULL, &m)
                               : churn_model_fit(X, CHURN_F64, 200, 2, 2, y2, NULL, NULL, NULL, &m);
      churn_testing_fail_alloc(0);
      cr_assert(st == CHURN_E_NOMEM || st == want, "case %d, allocation %llu: %s: %s", c,
                (unsigned long long)k, churn_status_name(st), churn_last_error());
      cr_assert((st == CHURN_OK) == (m != NULL));
      churn_model_free(m);
      m = NULL;
    }
  }
  if (__lsan_do_recoverable_leak_check) {
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaked (see the LSan report)");
  }
}
