/*
 * test_score.c -- lib/score.c: linear scores and probabilities against b0 + x.b and the logistic
 * function computed here, float32 input (3 features: the tail; 4, 7, 8: the 4-wide loop), the
 * feature-name check, reasons (contributions coef * (x - mean), ordered, ties to the lower
 * index), and bit-identical results when two threads share one model.
 */
#include "helpers.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

/* A small fitted model on deterministic data: 3 features. */
static churn_model *fit_small(void) {
  enum { N = 200, D = 3 };
  static double X[N * D], y[N];
  for (int i = 0; i < N; i++) {
    X[i * D] = sin(i * 0.37) * 3;
    X[i * D + 1] = (i % 7) - 3.0;
    X[i * D + 2] = cos(i * 1.3) + 0.01 * i;
    double eta = 0.8 * X[i * D] - 0.5 * X[i * D + 1] + 0.3 * X[i * D + 2];
    y[i] = sin(i * 12.9898) * 0.5 + 0.5 < 1 / (1 + exp(-eta));
  }
  const char *names[] = {"arrears", "viewing_drop", "offline_days"};
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, D, D, y, NULL, names, NULL, &m));
  return m;
}

Test(score, probabilities_are_logistic_of_linear_scores) {
  churn_model *m = fit_small();
  double b[3], b0;
  ASSERT_OK(churn_model_coef(m, b, &b0));
  double X[4 * 3] = {0, 0, 0, 1, 2, 3, -4, 0.5, 100, 1e3, -1e3, 0};
  double lin[4], p[4];
  ASSERT_OK(churn_model_decision_function(m, X, CHURN_F64, 4, 3, 3, lin));
  ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, 4, 3, 3, p));
  for (int i = 0; i < 4; i++) {
    double want = b0 + b[0] * X[3 * i] + b[1] * X[3 * i + 1] + b[2] * X[3 * i + 2];
    cr_assert(rel_close(lin[i], want, 1e-14, 1e-14), "row %d: %.17g vs %.17g", i, lin[i], want);
    cr_assert(rel_close(p[i], 1 / (1 + exp(-want)), 1e-14, 1e-300), "row %d", i);
  }
  /* float32 rows with a stride of 4 (one padding column). */
  float Xf[4 * 4];
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 3; j++) Xf[4 * i + j] = (float)X[3 * i + j];
    Xf[4 * i + 3] = NAN;
  }
  double pf[4];
  ASSERT_OK(churn_model_predict_proba(m, Xf, CHURN_F32, 4, 3, 4, pf));
  for (int i = 0; i < 4; i++) cr_assert(rel_close(pf[i], p[i], 1e-6, 1e-300));
  churn_model_free(m);
}

/* float32 input with 4 or more features runs the 4-wide loop of the float32 kernel (the test
 * above, with 3 features, only runs its tail).  Oracle: b0 + sum_j (double)x_j * b_j summed here in
 * index order; the kernel sums in another order, so the two agree to rounding (1e-13 relative on
 * scores of size ~10, far below any kernel slip such as one product taken with the wrong column).
 * d = 7 runs one 4-wide step and a tail of 3; d = 4 and 8 run the loop only. */
static churn_model *fit_wide(int d) {
  enum { N = 300 };
  double *X = malloc(sizeof(double) * N * (size_t)d), y[N];
  for (int i = 0; i < N; i++) {
    double eta = 0;
    for (int j = 0; j < d; j++) {
      X[i * d + j] = sin(i * (0.31 + 0.17 * j) + j) * (1 + j);
      eta += (j % 2 ? -0.4 : 0.3) * X[i * d + j] / (1 + j);
    }
    y[i] = sin(i * 12.9898) * 0.5 + 0.5 < 1 / (1 + exp(-eta));
  }
  churn_model *m = NULL;
  ASSERT_OK(churn_model_fit(X, CHURN_F64, N, d, d, y, NULL, NULL, NULL, &m));
  free(X);
  return m;
}

Test(score, float32_with_four_or_more_features) {
  static const int dims[] = {4, 7, 8};
  for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
    int d = dims[t];
    churn_model *m = fit_wide(d);
    double b[8], b0;
    ASSERT_OK(churn_model_coef(m, b, &b0));
    /* every coefficient differs from the others, so a product with a wrong column shows */
    for (int j = 0; j < d; j++) {
      for (int k = 0; k < j; k++) cr_assert(fabs(b[j] - b[k]) > 1e-3, "d %d: b%d ~ b%d", d, j, k);
    }
    enum { R = 5 };
    float Xf[R * 9];
    for (int i = 0; i < R; i++) {
      for (int j = 0; j < d; j++) Xf[i * (d + 1) + j] = (float)(1.5 * (j + 1) - 2.25 * i + 0.125 * j * i);
      Xf[i * (d + 1) + d] = NAN; /* padding column of a stride d + 1 */
    }
    double lin[R], p[R];
    ASSERT_OK(churn_model_decision_function(m, Xf, CHURN_F32, R, d, d + 1, lin));
    ASSERT_OK(churn_model_predict_proba(m, Xf, CHURN_F32, R, d, d + 1, p));
    for (int i = 0; i < R; i++) {
      double want = b0;
      for (int j = 0; j < d; j++) want += (double)Xf[i * (d + 1) + j] * b[j];
      cr_assert(rel_close(lin[i], want, 1e-13, 1e-13), "d %d row %d: %.17g vs %.17g", d, i,
                lin[i], want);
      cr_assert(rel_close(p[i], 1 / (1 + exp(-want)), 1e-12, 1e-300), "d %d row %d", d, i);
    }
    churn_model_free(m);
  }
}

Test(score, feature_names_must_match) {
  churn_model *m = fit_small();
  double X[3] = {1, 2, 3}, p;
  const char *good[] = {"arrears", "viewing_drop", "offline_days"};
  const char *bad[] = {"arrears", "viewing_time", "offline_days"};
  ASSERT_OK(churn_model_check_features(m, good, 3));
  ASSERT_OK(churn_model_predict_proba_named(m, good, X, CHURN_F64, 1, 3, 3, &p));
  ASSERT_FAILS(churn_model_predict_proba_named(m, bad, X, CHURN_F64, 1, 3, 3, &p), CHURN_E_SCHEMA,
               "feature 1 is 'viewing_time' in the data but 'viewing_drop' in the model");
  ASSERT_FAILS(churn_model_check_features(m, good, 2), CHURN_E_SCHEMA, "2 feature columns, the "
               "model 3");
  ASSERT_FAILS(churn_model_predict_proba(m, X, CHURN_F64, 1, 2, 3, &p), CHURN_E_SCHEMA,
               "2 columns, the model 3 features");
  ASSERT_FAILS(churn_model_predict_proba(m, X, CHURN_I32, 1, 3, 3, &p), CHURN_E_ARG,
               "CHURN_F64 or CHURN_F32");
  ASSERT_FAILS(churn_model_predict_proba(m, X, CHURN_F64, 1, 3, 3, NULL), CHURN_E_ARG,
               "out is NULL");
  ASSERT_FAILS(churn_model_decision_function(NULL, X, CHURN_F64, 1, 3, 3, &p), CHURN_E_ARG,
               "model is NULL");
  churn_model_free(m);
}

Test(score, reasons_are_ordered_contributions) {
  churn_model *m = fit_small();
  double b[3], mean[3];
  ASSERT_OK(churn_model_coef(m, b, NULL));
  ASSERT_OK(churn_model_scaling(m, mean, NULL));
  double X[2 * 3] = {2.5, -3, 0.2, -2, 3, 4};
  int32_t idx[2 * 3];
  double con[2 * 3];
  ASSERT_OK(churn_model_explain(m, X, CHURN_F64, 2, 3, 3, 3, idx, con));
  for (int i = 0; i < 2; i++) {
    int seen = 0;
    for (int r = 0; r < 3; r++) {
      int j = idx[i * 3 + r];
      cr_assert(j >= 0 && j < 3);
      seen |= 1 << j;
      cr_assert(rel_close(con[i * 3 + r], b[j] * (X[i * 3 + j] - mean[j]), 1e-15, 1e-300));
      if (r > 0) cr_assert(con[i * 3 + r] <= con[i * 3 + r - 1], "row %d not descending", i);
    }
    cr_assert_eq(seen, 7);
  }
  /* k = 1 keeps only the strongest push toward churn. */
  ASSERT_OK(churn_model_explain(m, X, CHURN_F64, 2, 3, 3, 1, idx, con));
  for (int i = 0; i < 2; i++) {
    for (int j = 0; j < 3; j++) cr_assert(con[i] >= b[j] * (X[i * 3 + j] - mean[j]));
  }
  /* Ties go to the lower index.  A row equal to the training means makes every contribution
   * coef * 0 = +-0, all equal: the order must be 0, 1, 2.  A row that moves only feature 2 away
   * from its mean by +1 / b2 gives contributions (0, 0, 1): 2 first, then the tie 0 before 1. */
  double tie[2 * 3];
  memcpy(tie, mean, sizeof mean);
  memcpy(tie + 3, mean, sizeof mean);
  tie[3 + 2] += 1 / b[2];
  ASSERT_OK(churn_model_explain(m, tie, CHURN_F64, 2, 3, 3, 3, idx, con));
  static const int32_t tie_w[2][3] = {{0, 1, 2}, {2, 0, 1}};
  for (int i = 0; i < 2; i++) {
    for (int r = 0; r < 3; r++) {
      cr_assert_eq(idx[i * 3 + r], tie_w[i][r], "tie row %d rank %d: feature %d", i, r,
                   idx[i * 3 + r]);
    }
  }
  cr_assert(rel_close(con[3], 1.0, 1e-12, 0) && con[4] == 0 && con[5] == 0);
  ASSERT_FAILS(churn_model_explain(m, X, CHURN_F64, 2, 3, 3, 4, idx, con), CHURN_E_ARG,
               "k = 4 outside [1, d = 3]");
  ASSERT_FAILS(churn_model_explain(m, X, CHURN_F64, 2, 3, 3, 2, idx, NULL), CHURN_E_ARG,
               "contribution is NULL");
  churn_model_free(m);
}

typedef struct score_job {
  const churn_model *m;
  const double *X;
  int64_t n;
  double *out;
} score_job;

static void *score_thread(void *p) {
  score_job *j = p;
  for (int rep = 0; rep < 5; rep++) churn_model_predict_proba(j->m, j->X, CHURN_F64, j->n, 3, 3, j->out);
  return NULL;
}

Test(score, two_threads_give_bit_identical_results) {
  churn_model *m = fit_small();
  enum { N = 20001 };
  double *X = malloc(sizeof(double) * N * 3), *one = malloc(sizeof(double) * N),
         *two = malloc(sizeof(double) * N);
  for (int i = 0; i < N * 3; i++) X[i] = sin(i * 0.001) * 10 + (i % 13);
  ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, N, 3, 3, one));
  /* Split at an odd row so blocks do not line up with the single-thread run. */
  int64_t half = 9999;
  score_job a = {m, X, half, two}, b = {m, X + half * 3, N - half, two + half};
  pthread_t ta, tb;
  cr_assert_eq(pthread_create(&ta, NULL, score_thread, &a), 0);
  cr_assert_eq(pthread_create(&tb, NULL, score_thread, &b), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  cr_assert_eq(memcmp(one, two, sizeof(double) * N), 0, "threads changed the bits");
  free(X);
  free(one);
  free(two);
  churn_model_free(m);
}

/* The vectorised sigmoid of predict_proba: within 4e-16 of libm's logistic over the whole range,
 * NaN and infinities handled like the scalar formula, and each row's probability independent of
 * the batch around it (every prefix of a batch, and each row alone, give the same bits). */
Test(score, vectorised_probabilities_match_libm_and_do_not_depend_on_the_batch) {
  churn_model *m = fit_small();
  double b[3], b0;
  ASSERT_OK(churn_model_coef(m, b, &b0));
  enum { R = 23 };
  double X[R * 3], p[R], lin[R];
  for (int i = 0; i < R; i++) {
    X[3 * i] = (i - 11) * 7.5 / (fabs(b[0]) + 1e-3); /* scores from about -80 to +80 */
    X[3 * i + 1] = 0;
    X[3 * i + 2] = 0;
  }
  X[3 * 5] = NAN;
  X[3 * 9] = INFINITY;
  X[3 * 10] = -INFINITY;
  X[3 * 12] = 1e300; /* |score| far above 700: the scalar path */
  ASSERT_OK(churn_model_decision_function(m, X, CHURN_F64, R, 3, 3, lin));
  ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, R, 3, 3, p));
  for (int i = 0; i < R; i++) {
    double want = 1 / (1 + exp(-lin[i]));
    if (isnan(lin[i])) {
      cr_assert(isnan(p[i]), "row %d: NaN score gave %g", i, p[i]);
    } else {
      cr_assert(rel_close(p[i], want, 4e-16, 1e-300), "row %d: %.17g vs %.17g", i, p[i], want);
    }
  }
  for (int n = 1; n <= R; n++) {
    double q[R];
    ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, n, 3, 3, q));
    cr_assert(memcmp(q, p, (size_t)n * sizeof(double)) == 0, "prefix of %d rows differs", n);
  }
  for (int i = 0; i < R; i++) {
    double one;
    ASSERT_OK(churn_model_predict_proba(m, X + 3 * i, CHURN_F64, 1, 3, 3, &one));
    cr_assert(memcmp(&one, &p[i], sizeof one) == 0, "row %d alone differs", i);
  }
  churn_model_free(m);
}

/* churn_model_score: the same numbers as the unchecked calls (bit for bit; the pair is 1 - p, p
 * as the caller would compute it), across several 1024-row blocks and a ragged last block. */
Test(score, checked_score_equals_the_unchecked_calls) {
  churn_model *m = fit_small();
  enum { N = 2500 };
  static double X[N * 3], lin[N], p[N], lin2[N], p2[N], pair[2 * N];
  for (int i = 0; i < N * 3; i++) X[i] = sin(i * 0.731) * 4;
  ASSERT_OK(churn_model_decision_function(m, X, CHURN_F64, N, 3, 3, lin));
  ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, N, 3, 3, p));
  ASSERT_OK(churn_model_score(m, X, CHURN_F64, N, 3, 3, CHURN_SCORE_LINEAR, lin2));
  ASSERT_OK(churn_model_score(m, X, CHURN_F64, N, 3, 3, CHURN_SCORE_PROBA, p2));
  ASSERT_OK(churn_model_score(m, X, CHURN_F64, N, 3, 3, CHURN_SCORE_PROBA_PAIR, pair));
  for (int i = 0; i < N; i++) {
    cr_assert(lin2[i] == lin[i] && p2[i] == p[i], "row %d", i);
    cr_assert(pair[2 * i + 1] == p[i] && pair[2 * i] == 1.0 - p[i], "row %d", i);
  }
  ASSERT_OK(churn_model_score(m, X, CHURN_F64, 0, 3, 3, CHURN_SCORE_PROBA_PAIR, NULL));
  churn_model_free(m);
}

/* A NaN or infinite x is refused, naming the first such row and column, wherever it sits in
 * the blocks; a finite row whose score overflows is scored (probability 1 or 0). */
Test(score, checked_score_refuses_non_finite_values) {
  churn_model *m = fit_small();
  enum { N = 2100 };
  static double X[N * 3], out[2 * N];
  for (int i = 0; i < N * 3; i++) X[i] = cos(i * 0.17);
  X[2050 * 3 + 2] = NAN;
  X[2060 * 3 + 0] = INFINITY;
  ASSERT_FAILS(churn_model_score(m, X, CHURN_F64, N, 3, 3, CHURN_SCORE_PROBA_PAIR, out),
               CHURN_E_DATA, "X[2050, 2] is NaN");
  ASSERT_FAILS(churn_model_score(m, X, CHURN_F64, N, 3, 3, CHURN_SCORE_LINEAR, out),
               CHURN_E_DATA, "X[2050, 2] is NaN");
  X[2050 * 3 + 2] = 0.5;
  ASSERT_FAILS(churn_model_score(m, X, CHURN_F64, N, 3, 3, CHURN_SCORE_PROBA, out),
               CHURN_E_DATA, "X[2060, 0] is infinite");
  /* the unchecked call keeps its documented contract: a non-finite output, no error */
  ASSERT_OK(churn_model_predict_proba(m, X, CHURN_F64, N, 3, 3, out));
  cr_assert(isnan(out[2060]) || isinf(out[2060]) || out[2060] == 1.0 || out[2060] == 0.0);
  float Xf[2 * 3] = {1, 2, NAN, 0, 0, 0};
  ASSERT_FAILS(churn_model_score(m, Xf, CHURN_F32, 2, 3, 3, CHURN_SCORE_PROBA, out), CHURN_E_DATA,
               "X[0, 2] is NaN");
  double b[3];
  ASSERT_OK(churn_model_coef(m, b, NULL));
  double big[3] = {b[0] > 0 ? 1e308 : -1e308, b[1] > 0 ? 1e308 : -1e308,
                   b[2] > 0 ? 1e308 : -1e308};
  ASSERT_OK(churn_model_score(m, big, CHURN_F64, 1, 3, 3, CHURN_SCORE_PROBA, out));
  cr_assert(out[0] == 1.0, "overflowing finite row: %g", out[0]);
  ASSERT_FAILS(churn_model_score(m, X, CHURN_F64, 1, 3, 3, (churn_score_output)9, out),
               CHURN_E_ARG, "unknown output 9");
  ASSERT_FAILS(churn_model_score(NULL, X, CHURN_F64, 1, 3, 3, CHURN_SCORE_PROBA, out), CHURN_E_ARG,
               "model is NULL");
  ASSERT_FAILS(churn_model_score(m, X, CHURN_F64, 1, 2, 2, CHURN_SCORE_PROBA, out), CHURN_E_SCHEMA,
               "X has 2 columns");
  churn_model_free(m);
}

Test(score, checked_reasons_refuse_non_finite_values) {
  churn_model *m = fit_small();
  double X[2 * 3] = {2.5, -3, 0.2, -2, NAN, 4};
  int32_t idx[2 * 3], idx2[3];
  double con[2 * 3], con2[3];
  ASSERT_FAILS(churn_model_explain_finite(m, X, CHURN_F64, 2, 3, 3, 3, idx, con), CHURN_E_DATA,
               "churn_model_explain_finite: X[1, 1] is NaN");
  ASSERT_OK(churn_model_explain_finite(m, X, CHURN_F64, 1, 3, 3, 3, idx, con));
  ASSERT_OK(churn_model_explain(m, X, CHURN_F64, 1, 3, 3, 3, idx2, con2));
  for (int r = 0; r < 3; r++) cr_assert(idx[r] == idx2[r] && con[r] == con2[r]);
  churn_model_free(m);
}
