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

/* String keys: the documented defaults ("high" for warnings.vip_tiers, "," for
 * ingest.delimiter), the length bounds of churn_option_bounds enforced by set_string (the
 * delimiter is exactly 1 byte; vip_tiers 0..1024 bytes, NULL is length 0), a copy kept (the
 * caller's buffer may change), clone and reset copying strings, and the type check both ways. */
Test(options, string_values_and_their_length_bounds) {
  churn_options *o, *c;
  ASSERT_OK(churn_options_new(&o));
  const char *s = NULL;
  ASSERT_OK(churn_options_get_string(o, CHURN_OPT_WARN_VIP_TIERS, &s));
  cr_assert_str_eq(s, "high");
  ASSERT_OK(churn_options_get_string(o, CHURN_OPT_INGEST_DELIMITER, &s));
  cr_assert_str_eq(s, ",");
  churn_option_type type;
  double lo, hi;
  ASSERT_OK(churn_option_bounds(CHURN_OPT_INGEST_DELIMITER, &type, &lo, &hi, NULL));
  cr_assert(type == CHURN_OPTION_STRING && lo == 1 && hi == 1);
  ASSERT_FAILS(churn_options_set_string(o, CHURN_OPT_INGEST_DELIMITER, ";;"), CHURN_E_RANGE,
               "option 'ingest.delimiter': length 2 is outside [1, 1]");
  ASSERT_FAILS(churn_options_set_string(o, CHURN_OPT_INGEST_DELIMITER, ""), CHURN_E_RANGE,
               "length 0 is outside [1, 1]");
  ASSERT_FAILS(churn_options_set_string(o, CHURN_OPT_INGEST_DELIMITER, NULL), CHURN_E_RANGE,
               "length 0");
  ASSERT_OK(churn_options_get_string(o, CHURN_OPT_INGEST_DELIMITER, &s));
  cr_assert_str_eq(s, ",", "a refused value changed the option");
  char buf[1026];
  memset(buf, 'a', 1025);
  buf[1025] = 0;
  ASSERT_FAILS(churn_options_set_string(o, CHURN_OPT_WARN_VIP_TIERS, buf), CHURN_E_RANGE,
               "length 1025 is outside [0, 1024]");
  buf[1024] = 0;
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_VIP_TIERS, buf));
  buf[0] = 'b'; /* the option holds its own copy */
  ASSERT_OK(churn_options_get_string(o, CHURN_OPT_WARN_VIP_TIERS, &s));
  cr_assert(strlen(s) == 1024 && s[0] == 'a');
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_INGEST_DELIMITER, ";"));
  ASSERT_OK(churn_options_clone(o, &c));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_INGEST_DELIMITER, "\t"));
  ASSERT_OK(churn_options_get_string(c, CHURN_OPT_INGEST_DELIMITER, &s));
  cr_assert_str_eq(s, ";", "the clone shares the string");
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_WARN_VIP_TIERS, NULL));
  ASSERT_OK(churn_options_get_string(o, CHURN_OPT_WARN_VIP_TIERS, &s));
  cr_assert_null(s);
  ASSERT_OK(churn_options_reset(o));
  ASSERT_OK(churn_options_get_string(o, CHURN_OPT_WARN_VIP_TIERS, &s));
  cr_assert_str_eq(s, "high");
  ASSERT_FAILS(churn_options_get_string(o, CHURN_OPT_FIT_C, &s), CHURN_E_ARG, "not of this type");
  ASSERT_FAILS(churn_options_set_string(o, CHURN_OPT_FIT_C, "1"), CHURN_E_ARG, "not of this type");
  ASSERT_FAILS(churn_options_get_string(o, CHURN_OPT_INGEST_DELIMITER, NULL), CHURN_E_ARG,
               "churn_options_get_string: value is NULL");
  ASSERT_FAILS(churn_options_get_string(NULL, CHURN_OPT_INGEST_DELIMITER, &s), CHURN_E_ARG, "NULL");
  churn_options_free(o);
  churn_options_free(c);
}
