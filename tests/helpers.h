/*
 * helpers.h -- what the Criterion tests share: relative comparisons, status assertions that show
 * the library's message, paths to the shared reference data.
 */
#ifndef CHURN_TEST_HELPERS_H
#define CHURN_TEST_HELPERS_H

#include <churn.h>
#include <criterion/criterion.h>
#include <stdbool.h>

/* |a - b| <= rtol * max(|a|, |b|) (+ a tiny absolute floor for values that should be 0). */
bool rel_close(double a, double b, double rtol, double atol);

/* Asserts that an expression returns CHURN_OK, showing the last error otherwise. */
#define ASSERT_OK(expr)                                                                       \
  do {                                                                                        \
    churn_status st_ = (expr);                                                                \
    cr_assert_eq(st_, CHURN_OK, "%s -> %s: %s", #expr, churn_status_name(st_),                \
                 churn_last_error());                                                         \
  } while (0)

/* Asserts a failing status and that the message contains the given fragment. */
#define ASSERT_FAILS(expr, status, fragment)                                                  \
  do {                                                                                        \
    churn_status st_ = (expr);                                                                \
    cr_assert_eq(st_, (status), "%s -> %s (wanted %s): %s", #expr, churn_status_name(st_),    \
                 churn_status_name(status), churn_last_error());                              \
    cr_assert(strstr(churn_last_error(), (fragment)) != NULL,                                 \
              "message '%s' lacks '%s'", churn_last_error(), (fragment));                     \
  } while (0)

/* The path of a file under ../shared/data (CHURN_SHARED_DATA), in a static buffer. */
const char *shared_data_path(const char *relative);

/* The path of a file of the source tree (CHURN_SOURCE_ROOT), in a static buffer. */
const char *source_path(const char *relative);

/* The f64 / i64 column of a table by name (asserts that it exists and has that type). */
const double *table_f64(const churn_table *t, const char *name);
const int64_t *table_i64(const churn_table *t, const char *name);

/* An event / subscriber column of a dataset by name (asserts that it exists). */
const void *dataset_event_col(const churn_dataset *ds, const char *name);
const void *dataset_subscriber_col(const churn_dataset *ds, const char *name);

/* A fresh temporary directory for this test process (removed by the OS's tmp cleaning). */
const char *test_tmpdir(void);

#endif
