/*
 * helpers.c -- shared test helpers (see helpers.h).
 */
#include "helpers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rel_close(double a, double b, double rtol, double atol) {
  if (isnan(a) || isnan(b)) return false;
  double scale = fmax(fabs(a), fabs(b));
  return fabs(a - b) <= rtol * scale + atol;
}

const char *shared_data_path(const char *relative) {
  static char path[4096];
  const char *root = getenv("CHURN_SHARED_DATA");
  snprintf(path, sizeof path, "%s/%s", root ? root : "../shared/data", relative);
  return path;
}

const char *source_path(const char *relative) {
  static char path[4096];
  const char *root = getenv("CHURN_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/%s", root ? root : ".", relative);
  return path;
}

const char *test_tmpdir(void) {
  static char dir[256];
  if (dir[0] == '\0') {
    snprintf(dir, sizeof dir, "/tmp/churn-test-XXXXXX");
    if (mkdtemp(dir) == NULL) snprintf(dir, sizeof dir, "/tmp");
  }
  return dir;
}

const double *table_f64(const churn_table *t, const char *name) {
  int64_t j = -1;
  const double *v = NULL;
  ASSERT_OK(churn_table_find(t, name, &j));
  ASSERT_OK(churn_table_f64(t, j, &v));
  return v;
}

const int64_t *table_i64(const churn_table *t, const char *name) {
  int64_t j = -1;
  const int64_t *v = NULL;
  ASSERT_OK(churn_table_find(t, name, &j));
  ASSERT_OK(churn_table_i64(t, j, &v));
  return v;
}

const void *dataset_event_col(const churn_dataset *ds, const char *name) {
  churn_dtype dt;
  const void *p = NULL;
  ASSERT_OK(churn_dataset_event_column(ds, name, &dt, &p));
  return p;
}

const void *dataset_subscriber_col(const churn_dataset *ds, const char *name) {
  churn_dtype dt;
  const void *p = NULL;
  ASSERT_OK(churn_dataset_subscriber_column(ds, name, &dt, &p));
  return p;
}
