/*
 * test_csv_wide.c -- wide subscriber tables (issue 22): a CSV with 20,000 columns, and the same
 * width through churn_dataset_append_subscribers, ingest in linear time (hash lookups of the
 * header names instead of pairwise comparisons; smaller row batches); asserted here are the
 * behaviour and the values: every attribute created with the value written in the file, a
 * repeated name found however far apart the two columns are, and a second file with the same
 * columns mapped onto the existing attributes.  (The speed figure is in bench/bench_wide.py.)
 */
#include "helpers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WIDE = 20000 };

/* A subscribers file: id, then attributes a0..a{WIDE-2}; rows S1..Srows with a_j = j + 1000 r
 * (r the 0-based row), so every value is known here; dup >= 0 renames column dup to "a5". */
static const char *write_wide(const char *name, int rows, int first_row, int dup) {
  static char path[2][512];
  static int k;
  char *p = path[k++ % 2];
  snprintf(p, 512, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f);
  fputs("subscriber_id", f);
  for (int j = 0; j < WIDE - 1; j++) {
    if (j == dup) fputs(",a5", f);
    else fprintf(f, ",a%d", j);
  }
  fputc('\n', f);
  for (int r = first_row; r < first_row + rows; r++) {
    fprintf(f, "S%d", r + 1);
    for (int j = 0; j < WIDE - 1; j++) fprintf(f, ",%d", j + 1000 * r);
    fputc('\n', f);
  }
  fclose(f);
  return p;
}

static const double *attr(const churn_dataset *ds, const char *name) {
  churn_dtype dt;
  const void *p;
  ASSERT_OK(churn_dataset_subscriber_column(ds, name, &dt, &p));
  cr_assert_eq(dt, CHURN_F64, "column %s", name);
  return p;
}

Test(csv_wide, twenty_thousand_columns_are_read_with_their_values) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_wide("wide.csv", 3, 0, -1), NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 3);
  const int probe[] = {0, 1, 63, 64, 9999, WIDE - 2};
  for (size_t q = 0; q < sizeof probe / sizeof *probe; q++) {
    char name[32];
    snprintf(name, sizeof name, "a%d", probe[q]);
    const double *v = attr(ds, name);
    for (int r = 0; r < 3; r++) cr_assert_eq(v[r], probe[q] + 1000.0 * r, "%s[%d]", name, r);
  }
  /* a second file with the same columns maps onto the same attributes (no new ones) */
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_wide("wide2.csv", 2, 3, -1), NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 5);
  const double *v = attr(ds, "a12345");
  for (int r = 0; r < 5; r++) cr_assert_eq(v[r], 12345 + 1000.0 * r, "row %d", r);
  churn_dataset_free(ds);
}

Test(csv_wide, a_repeated_name_far_apart_is_refused) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_FAILS(churn_dataset_read_subscribers_csv(ds, write_wide("dup.csv", 1, 0, WIDE - 3), NULL),
               CHURN_E_SCHEMA, "line 1: column 'a5' appears twice");
  cr_assert_eq(churn_dataset_num_subscribers(ds), 0);
  churn_dataset_free(ds);
}

/* The same width through the column API: values land, and a repeated name is refused. */
Test(csv_wide, wide_column_arrays) {
  enum { C = 5000, N = 2 };
  static churn_column cols[C];
  static double vals[C][N];
  static char names[C][16];
  static const char *ids[N] = {"A", "B"};
  memset(cols, 0, sizeof cols);
  cols[0].name = "subscriber_id";
  cols[0].dtype = CHURN_STR;
  cols[0].data = ids;
  cols[0].length = N;
  for (int j = 1; j < C; j++) {
    snprintf(names[j], sizeof names[j], "x%d", j);
    vals[j][0] = j;
    vals[j][1] = -j;
    cols[j].name = names[j];
    cols[j].dtype = CHURN_F64;
    cols[j].data = vals[j];
    cols[j].length = N;
  }
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_append_subscribers(ds, cols, C, NULL));
  const double *v = attr(ds, "x4321");
  cr_assert(v[0] == 4321.0 && v[1] == -4321.0);
  cols[C - 1].name = "x7";
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, cols, C, NULL), CHURN_E_ARG,
               "column 'x7' given twice");
  cr_assert_eq(churn_dataset_num_subscribers(ds), 2);
  churn_dataset_free(ds);
}
