/*
 * test_separation.c -- churn_separation_check on hand-made data whose separation and
 * directions are worked out by hand in the comments, on the Telco design (not separated: its
 * unpenalised fit matches statsmodels), its bad-input errors, and the unpenalised fit's
 * separation error on the same hand-made data.
 */
#include <churn.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "telco_data.h"

static int check(const double *X, int64_t n, int64_t d, const double *y, int fi, int8_t *dir) {
  int kind = -1;
  ASSERT_OK(churn_separation_check(X, CHURN_F64, n, d, d, y, fi, &kind, dir));
  return kind;
}

/* y = 1 exactly when x > 3.5: b0 + b1 x separates iff b1 > 0 and -b0/b1 in (3, 4), so b0 < 0. */
Test(separation, complete_one_column) {
  const double x[] = {1, 2, 3, 4, 5, 6}, y[] = {0, 0, 0, 1, 1, 1};
  int8_t dir[2] = {9, 9};
  cr_assert_eq(check(x, 6, 1, y, 1, dir), 2);
  cr_assert_eq(dir[0], -1);
  cr_assert_eq(dir[1], 1);
}

/* A tie at x = 3 with both classes: b0 + 3 b1 = 0 is forced (b1 > 0), the two rows at 3 are on
 * the boundary: quasi-complete, b0 -> -inf, b1 -> +inf. */
Test(separation, quasi_complete_tie) {
  const double x[] = {1, 2, 3, 3, 4, 5}, y[] = {0, 0, 0, 1, 1, 1};
  int8_t dir[2] = {9, 9};
  cr_assert_eq(check(x, 6, 1, y, 1, dir), 1);
  cr_assert_eq(dir[0], -1);
  cr_assert_eq(dir[1], 1);
}

/* Labels reversed: y = 1 for small x; the signs flip. */
Test(separation, complete_decreasing) {
  const double x[] = {1, 2, 3, 4, 5, 6}, y[] = {1, 1, 1, 0, 0, 0};
  int8_t dir[2];
  cr_assert_eq(check(x, 6, 1, y, 1, dir), 2);
  cr_assert_eq(dir[0], 1);
  cr_assert_eq(dir[1], -1);
}

/* Two columns, no intercept, y = 1 iff x1 + x2 > 0.  Neither column alone separates (the
 * classes overlap in x1 and in x2).  Sign-adjusted rows are (2,-1), (-1,2), (1,1) twice, so a
 * separating b needs 2 b1 > b2 and 2 b2 > b1: both positive. */
static const double two_x[] = {2, -1, -1, 2, 1, 1, -2, 1, 1, -2, -1, -1};
static const double two_y[] = {1, 1, 1, 0, 0, 0};

Test(separation, two_columns_jointly) {
  int8_t dir[2];
  cr_assert_eq(check(two_x, 6, 2, two_y, 0, dir), 2);
  cr_assert_eq(dir[0], 1);
  cr_assert_eq(dir[1], 1);
  double col[6];
  for (int c = 0; c < 2; c++) {
    for (int i = 0; i < 6; i++) col[i] = two_x[2 * i + c];
    cr_assert_eq(check(col, 6, 1, two_y, 0, NULL), 0, "column %d alone", c);
    cr_assert_eq(check(col, 6, 1, two_y, 1, NULL), 0, "column %d alone with intercept", c);
  }
}

/* With an intercept, two tied pairs pin the boundary: both classes at (0,0) force b0 = 0 and
 * both at (1,-1) force b1 = b2; the remaining rows then need b1 > 0.  Quasi-complete, the
 * intercept stays finite, both slopes -> +inf. */
Test(separation, two_columns_quasi_with_intercept) {
  const double x[] = {2, -1, -1, 2, 1, 1, -2, 1, 1, -2, -1, -1, 0, 0, 0, 0, 1, -1, 1, -1};
  const double y[] = {1, 1, 1, 0, 0, 0, 0, 1, 0, 1};
  int8_t dir[3] = {9, 9, 9};
  cr_assert_eq(check(x, 10, 2, y, 1, dir), 1);
  cr_assert_eq(dir[0], 0);
  cr_assert_eq(dir[1], 1);
  cr_assert_eq(dir[2], 1);
}

/* Interleaved classes: no b orders them. */
Test(separation, none_small) {
  const double x[] = {1, 2, 3, 4}, y[] = {0, 1, 0, 1};
  int8_t dir[2] = {9, 9};
  cr_assert_eq(check(x, 4, 1, y, 1, dir), 0);
  cr_assert_eq(dir[0], 0);
  cr_assert_eq(dir[1], 0);
}

/* One class only: with an intercept b0 alone separates completely (b0 -> +inf for all-ones). */
Test(separation, one_class) {
  const double x[] = {1, 2, 3}, y[] = {1, 1, 1};
  int8_t dir[2];
  cr_assert_eq(check(x, 3, 1, y, 1, dir), 2);
  cr_assert_eq(dir[0], 1);
}

Test(separation, f32_matches_f64) {
  const float x[] = {1, 2, 3, 3, 4, 5};
  const double y[] = {0, 0, 0, 1, 1, 1};
  int kind = -1;
  int8_t dir[2];
  ASSERT_OK(churn_separation_check(x, CHURN_F32, 6, 1, 1, y, 1, &kind, dir));
  cr_assert_eq(kind, 1);
  cr_assert_eq(dir[1], 1);
}

/* The Telco design has a finite MLE (the fit tests match statsmodels on it): "none". */
Test(separation, telco_none, .timeout = 120) {
  (void)telco_number;  /* the oracle readers are not needed here */
  (void)telco_array;
  telco t;
  cr_assert_eq(telco_load(&t), 0, "cannot read the Telco data under %s", shared_data_path(""));
  int8_t *dir = calloc((size_t)t.d + 1, 1);
  int kind = -1;
  ASSERT_OK(churn_separation_check(t.X, CHURN_F64, t.n, t.d, t.d, t.y, 1, &kind, dir));
  cr_assert_eq(kind, 0);
  for (int64_t j = 0; j <= t.d; j++) cr_assert_eq(dir[j], 0);
  /* The first 200 rows plus a column equal to y: b = (-1, 0, ..., 0, 2) gives s_i z_i.b = 1 on
   * every row, so complete separation, with that column's coefficient -> +inf. */
  int64_t n = 200, d = t.d + 1;
  double *X = malloc((size_t)(n * d) * sizeof(double));
  for (int64_t i = 0; i < n; i++) {
    memcpy(X + i * d, t.X + i * t.d, (size_t)t.d * sizeof(double));
    X[i * d + t.d] = t.y[i];
  }
  int8_t *dir2 = calloc((size_t)d + 1, 1);
  ASSERT_OK(churn_separation_check(X, CHURN_F64, n, d, d, t.y, 1, &kind, dir2));
  cr_assert_eq(kind, 2);  /* b = (-1, 0..., 2) separates every row strictly */
  cr_assert_eq(dir2[d], 1);
  free(dir2);
  free(X);
  free(dir);
  telco_free(&t);
}

Test(separation, bad_input) {
  const double x[] = {1, 2, 3, 4}, y[] = {0, 1, 0, 1};
  int kind;
  int8_t dir[2];
  ASSERT_FAILS(churn_separation_check(NULL, CHURN_F64, 4, 1, 1, y, 1, &kind, dir), CHURN_E_ARG,
               "X is NULL");
  ASSERT_FAILS(churn_separation_check(x, CHURN_F64, 4, 1, 1, NULL, 1, &kind, dir), CHURN_E_ARG,
               "y is NULL");
  ASSERT_FAILS(churn_separation_check(x, CHURN_F64, 4, 1, 1, y, 1, NULL, dir), CHURN_E_ARG,
               "kind is NULL");
  ASSERT_FAILS(churn_separation_check(x, CHURN_F64, 0, 1, 1, y, 1, &kind, dir), CHURN_E_ARG,
               "no rows");
  ASSERT_FAILS(churn_separation_check(x, CHURN_I32, 4, 1, 1, y, 1, &kind, dir), CHURN_E_ARG,
               "CHURN_F64 or CHURN_F32");
  ASSERT_FAILS(churn_separation_check(x, CHURN_F64, 2, 2, 1, y, 1, &kind, dir), CHURN_E_ARG,
               "row stride");
  ASSERT_FAILS(churn_separation_check(x, CHURN_F64, 4, 0, 1, y, 0, &kind, dir), CHURN_E_ARG,
               "no coefficients");
  ASSERT_FAILS(churn_separation_check(x, CHURN_F64, 4, 1, 1, y, 2, &kind, dir), CHURN_E_ARG,
               "fit_intercept");
  const double xnan[] = {1, 2, 3, 4, 5, NAN};
  ASSERT_FAILS(churn_separation_check(xnan, CHURN_F64, 3, 2, 2, y, 1, &kind, dir),
               CHURN_E_DATA, "row 2, column 1");
  const double ybad[] = {0, 1, 0.5, 1};
  ASSERT_FAILS(churn_separation_check(x, CHURN_F64, 4, 1, 1, ybad, 1, &kind, dir),
               CHURN_E_DATA, "y at row 2");
}

/* The unpenalised fit refuses the separated data above, naming the column. */
Test(separation, fit_refuses_separated_data) {
  const char *names[] = {"tenure"};
  const double x[] = {1, 2, 3, 4, 5, 6}, y[] = {0, 0, 0, 1, 1, 1};
  churn_model *m = NULL;
  ASSERT_FAILS(churn_model_fit(x, CHURN_F64, 6, 1, 1, y, NULL, names, NULL, &m),
               CHURN_E_SEPARATION, "tenure");
  cr_assert_null(m);
  const double xq[] = {1, 2, 3, 3, 4, 5};
  ASSERT_FAILS(churn_model_fit(xq, CHURN_F64, 6, 1, 1, y, NULL, names, NULL, &m),
               CHURN_E_SEPARATION, "tenure");
  cr_assert_null(m);
  /* the two-column quasi-complete case: both slopes infinite, both named */
  const char *two[] = {"tv_minutes", "data_gb"};
  const double x2[] = {2, -1, -1, 2, 1, 1, -2, 1, 1, -2, -1, -1, 0, 0, 0, 0, 1, -1, 1, -1};
  const double y2[] = {1, 1, 1, 0, 0, 0, 0, 1, 0, 1};
  ASSERT_FAILS(churn_model_fit(x2, CHURN_F64, 10, 2, 2, y2, NULL, two, NULL, &m),
               CHURN_E_SEPARATION, "'tv_minutes' (");
  cr_assert(strstr(churn_last_error(), "'data_gb' (") != NULL, "%s", churn_last_error());
  cr_assert_null(m);
}

/* Each of the allocations failing in turn gives CHURN_E_NOMEM and leaves the outputs alone (the
 * ASan build checks that nothing leaks). */
Test(separation, allocation_failures) {
  const double x[] = {1, 2, 3, 3, 4, 5}, y[] = {0, 0, 0, 1, 1, 1};
  int kind = -1;
  int8_t dir[2] = {9, 9};
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_separation_check(x, CHURN_F64, 6, 1, 1, y, 1, &kind, dir));
  uint64_t points = churn_testing_fail_alloc(0);
  cr_assert_geq(points, 4);
  for (uint64_t k = 1; k <= points; k++) {
    kind = -1;
    dir[0] = dir[1] = 9;
    churn_testing_fail_alloc(k);
    churn_status st = churn_separation_check(x, CHURN_F64, 6, 1, 1, y, 1, &kind, dir);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "allocation %llu: %s", (unsigned long long)k,
                 churn_last_error());
    cr_assert_eq(kind, -1);
    cr_assert_eq(dir[0], 9);
  }
}

/* Many rows (the LP then runs by constraint generation over subsets of the rows): two noise
 * columns that predict y without separating it, and a dummy that is 1 only for a fifth of the
 * churners (quasi-complete: its coefficient alone runs to +inf), then the dummy replaced by y
 * itself (complete).  The answers are those of the hand-made small cases, and the quasi case
 * agrees with the direct LP on the first 60,000 rows. */
static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 11;
}

Test(separation, many_rows_by_constraint_generation) {
  enum { N = 150000, D = 3 };
  double *x = malloc(sizeof(double) * N * D), *y = malloc(sizeof(double) * N);
  cr_assert(x && y);
  uint64_t s = 99;
  for (int64_t i = 0; i < N; i++) {
    double u0 = (double)lcg(&s) * 0x1.0p-53 - 0.5, u1 = (double)lcg(&s) * 0x1.0p-53 - 0.5;
    double p = 1 / (1 + exp(-(-1 + 4 * u0 - 2 * u1)));
    y[i] = (double)lcg(&s) * 0x1.0p-53 < p ? 1.0 : 0.0;
    x[i * D] = u0;
    x[i * D + 1] = u1;
    x[i * D + 2] = y[i] == 1.0 && lcg(&s) % 5 == 0 ? 1.0 : 0.0;
  }
  int8_t dir[D + 1] = {9, 9, 9, 9}, small[D + 1] = {9, 9, 9, 9};
  cr_assert_eq(check(x, N, D, y, 1, dir), 1);
  cr_assert_eq(check(x, 60000, D, y, 1, small), 1);
  for (int j = 0; j <= D; j++) {
    cr_assert_eq(dir[j], j == D ? 1 : 0, "coefficient %d: %d", j, dir[j]);
    cr_assert_eq(small[j], dir[j], "coefficient %d", j);
  }
  for (int64_t i = 0; i < N; i++) x[i * D + 2] = y[i];
  cr_assert_eq(check(x, N, D, y, 1, dir), 2);
  cr_assert_eq(dir[0], -1);
  cr_assert_eq(dir[D], 1);
  free(x);
  free(y);
}
