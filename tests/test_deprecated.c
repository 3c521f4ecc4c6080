/*
 * test_deprecated.c -- the names renamed in 1.2 (churn.h section 9) still work and give exactly
 * what the new names give, on a small hand-made sample.
 */
#define CHURN_NO_DEPRECATION_WARNINGS
#include <criterion/criterion.h>

#include "churn.h"
#include "helpers.h"

static void same_tables(churn_table *a, churn_table *b) {
  cr_assert_eq(churn_table_nrows(a), churn_table_nrows(b));
  cr_assert_eq(churn_table_ncols(a), churn_table_ncols(b));
  for (int64_t c = 0; c < churn_table_ncols(a); c++) {
    const double *x, *y;
    if (churn_table_f64(a, c, &x) != CHURN_OK) continue;
    cr_assert_eq(churn_table_f64(b, c, &y), CHURN_OK);
    for (int64_t r = 0; r < churn_table_nrows(a); r++) {
      cr_assert(x[r] == y[r] || (x[r] != x[r] && y[r] != y[r]), "column %lld row %lld",
                (long long)c, (long long)r);
    }
  }
  churn_table_free(a);
  churn_table_free(b);
}

Test(deprecated, old_names_forward_to_the_new_ones) {
  const double t[] = {1, 2, 2, 3, 5, 8}, e[] = {1, 0, 1, 1, 0, 1};
  const int64_t cat[] = {1, 0, 2, 1, 0, 2}, grp[] = {0, 1, 0, 1, 0, 1};
  churn_table *a, *b;
  cr_assert_eq(churn_km(t, e, NULL, 6, 0.05, &a), CHURN_OK);
  cr_assert_eq(churn_survival_km(t, e, NULL, 6, 0.05, &b), CHURN_OK);
  same_tables(a, b);
  cr_assert_eq(churn_cif(t, cat, NULL, 6, 0.05, &a), CHURN_OK);
  cr_assert_eq(churn_survival_cif(t, cat, NULL, 6, 0.05, &b), CHURN_OK);
  same_tables(a, b);
  cr_assert_eq(churn_gray_test(t, cat, grp, 6, 0.0, &a), CHURN_OK);
  cr_assert_eq(churn_survival_gray_test(t, cat, grp, 6, 0.0, &b), CHURN_OK);
  same_tables(a, b);
  const double X[] = {1, 2, 3, 4}, y[] = {0, 0, 1, 1};
  int k1 = -1, k2 = -2;
  cr_assert_eq(churn_check_separation(X, CHURN_F64, 4, 1, 1, y, 1, &k1, NULL), CHURN_OK);
  cr_assert_eq(churn_separation_check(X, CHURN_F64, 4, 1, 1, y, 1, &k2, NULL), CHURN_OK);
  cr_assert_eq(k1, k2);
  cr_assert_eq(k1, 2, "x separates y completely"); /* x <= 2 all 0, x >= 3 all 1 */
  cr_assert_eq(churn_km(NULL, e, NULL, 6, 0.05, &a), CHURN_E_ARG);
}
