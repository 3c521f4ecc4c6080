/*
 * test_status.c -- status names and texts, the thread-local last error, version functions, and
 * the allocation fault-injection hook.
 */
#include "helpers.h"

#include <stdio.h>
#include <pthread.h>
#include <string.h>

Test(status, names_and_texts_come_from_one_list) {
  cr_assert_str_eq(churn_status_name(CHURN_OK), "CHURN_OK");
  cr_assert_str_eq(churn_status_name(CHURN_E_ARG), "CHURN_E_ARG");
  cr_assert_str_eq(churn_status_string(CHURN_E_NOMEM), "out of memory");
  cr_assert_str_eq(churn_status_name((churn_status)9999), "CHURN_E_UNKNOWN");
  cr_assert_str_eq(churn_status_string((churn_status)-1), "unknown status");
  /* Values are part of the ABI: they must never change. */
  cr_assert_eq(CHURN_E_ARG, 1);
  cr_assert_eq(CHURN_E_SEPARATION, 10);
  cr_assert_eq(CHURN_E_INTERNAL, 16);
}

Test(status, version_matches_header) {
  cr_assert_eq(churn_version_number(), CHURN_VERSION_NUMBER);
  cr_assert_str_eq(churn_version_string(), CHURN_VERSION_STRING);
  /* the version is written once (the three macros); the number and string derive from them */
  cr_assert_eq(CHURN_VERSION_NUMBER,
               CHURN_VERSION_MAJOR * 10000 + CHURN_VERSION_MINOR * 100 + CHURN_VERSION_PATCH);
  char text[32];
  snprintf(text, sizeof text, "%d.%d.%d", CHURN_VERSION_MAJOR, CHURN_VERSION_MINOR,
           CHURN_VERSION_PATCH);
  cr_assert_str_eq(CHURN_VERSION_STRING, text);
}

Test(status, last_error_names_the_argument) {
  churn_clear_error();
  cr_assert_str_eq(churn_last_error(), "");
  cr_assert_eq(churn_last_status(), CHURN_OK);
  ASSERT_FAILS(churn_options_new(NULL), CHURN_E_ARG, "out is NULL");
  cr_assert_eq(churn_last_status(), CHURN_E_ARG);
  churn_clear_error();
  cr_assert_str_eq(churn_last_error(), "");
}

static void *fail_in_thread(void *arg) {
  (void)arg;
  churn_options_new(NULL);
  return NULL;
}

Test(status, last_error_is_thread_local) {
  churn_clear_error();
  pthread_t th;
  cr_assert_eq(pthread_create(&th, NULL, fail_in_thread, NULL), 0);
  pthread_join(th, NULL);
  /* The other thread's failure is not seen here. */
  cr_assert_str_eq(churn_last_error(), "");
  cr_assert_eq(churn_last_status(), CHURN_OK);
}

Test(status, dtype_sizes) {
  cr_assert_eq(churn_dtype_size(CHURN_F64), 8);
  cr_assert_eq(churn_dtype_size(CHURN_F32), 4);
  cr_assert_eq(churn_dtype_size(CHURN_I32), 4);
  cr_assert_eq(churn_dtype_size(CHURN_U8), 1);
  cr_assert_eq(churn_dtype_size((churn_dtype)77), 0);
}

Test(status, injected_allocation_failure_is_clean) {
  churn_options *o = NULL;
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_options_new(&o));
  uint64_t points = churn_testing_fail_alloc(0);
  cr_assert_geq(points, 1);
  churn_options_free(o);
  for (uint64_t k = 1; k <= points; k++) {
    o = NULL;
    churn_testing_fail_alloc(k);
    ASSERT_FAILS(churn_options_new(&o), CHURN_E_NOMEM, "out of memory");
    cr_assert_null(o);
  }
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_options_new(&o));
  churn_options_free(o);
}
