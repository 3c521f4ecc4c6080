/*
 * test_options.c -- the enum-keyed options object: defaults, bounds, type checks, names, clone.
 */
#include "helpers.h"

#include <math.h>
#include <string.h>

Test(options, defaults_are_documented_values) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  int64_t v;
  double r;
  ASSERT_OK(churn_options_get_int(o, CHURN_OPT_FIT_PENALTY, &v));
  cr_assert_eq(v, CHURN_PENALTY_NONE);
  ASSERT_OK(churn_options_get_real(o, CHURN_OPT_FIT_C, &r));
  cr_assert_eq(r, 1.0);
  ASSERT_OK(churn_options_get_int(o, CHURN_OPT_FIT_MAX_ITER, &v));
  cr_assert_eq(v, 100);
  ASSERT_OK(churn_options_get_real(o, CHURN_OPT_FIT_TOL, &r));
  cr_assert_eq(r, 1e-8);
  churn_options_free(o);
  churn_options_free(NULL); /* a no-op */
}

Test(options, bounds_and_types_are_enforced) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_FIT_C, -1.0), CHURN_E_RANGE, "fit.C");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_FIT_C, NAN), CHURN_E_RANGE, "fit.C");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_FIT_L1_RATIO, 1.5), CHURN_E_RANGE,
               "fit.l1_ratio");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_FIT_C, 2), CHURN_E_ARG, "not of this type");
  ASSERT_FAILS(churn_options_set_int(o, (churn_option)12345, 2), CHURN_E_ARG, "unknown option");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_FIT_PENALTY, 9), CHURN_E_RANGE, "fit.penalty");
  ASSERT_FAILS(churn_options_set_real(o, CHURN_OPT_FIT_MAX_ITER, 2.5), CHURN_E_RANGE,
               "integer");
  /* A failed set leaves the value unchanged. */
  double r;
  ASSERT_OK(churn_options_get_real(o, CHURN_OPT_FIT_C, &r));
  cr_assert_eq(r, 1.0);
  /* Integral reals are accepted for integer keys (bindings pass numbers). */
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_MAX_ITER, 7.0));
  int64_t v;
  ASSERT_OK(churn_options_get_int(o, CHURN_OPT_FIT_MAX_ITER, &v));
  cr_assert_eq(v, 7);
  ASSERT_FAILS(churn_options_get_int(NULL, CHURN_OPT_FIT_MAX_ITER, &v), CHURN_E_ARG, "NULL");
  ASSERT_FAILS(churn_options_get_int(o, CHURN_OPT_FIT_MAX_ITER, NULL), CHURN_E_ARG, "NULL");
  churn_options_free(o);
}

Test(options, names_round_trip_and_enumerate) {
  size_t n = 0;
  churn_option key;
  while (churn_option_at(n, &key) == CHURN_OK) {
    const char *name = churn_option_name(key);
    cr_assert_not_null(name);
    churn_option back;
    ASSERT_OK(churn_option_find(name, &back));
    cr_assert_eq(back, key);
    churn_option_type type;
    double lo, hi, def;
    ASSERT_OK(churn_option_bounds(key, &type, &lo, &hi, &def));
    if (type != CHURN_OPTION_STRING) cr_assert(lo <= def && def <= hi, "%s default", name);
    n++;
  }
  cr_assert_geq(n, 10);
  ASSERT_FAILS(churn_option_find("fit.nonsense", &key), CHURN_E_NOT_FOUND, "fit.nonsense");
  cr_assert_null(churn_option_name((churn_option)4242));
}

Test(options, clone_and_reset) {
  churn_options *o, *c;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_real(o, CHURN_OPT_FIT_C, 0.25));
  ASSERT_OK(churn_options_clone(o, &c));
  double r;
  ASSERT_OK(churn_options_get_real(c, CHURN_OPT_FIT_C, &r));
  cr_assert_eq(r, 0.25);
  ASSERT_OK(churn_options_reset(o));
  ASSERT_OK(churn_options_get_real(o, CHURN_OPT_FIT_C, &r));
  cr_assert_eq(r, 1.0);
  ASSERT_OK(churn_options_get_real(c, CHURN_OPT_FIT_C, &r));
  cr_assert_eq(r, 0.25);
  churn_options_free(o);
  churn_options_free(c);
}
