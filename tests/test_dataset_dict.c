/*
 * test_dataset_dict.c -- the interning dictionaries (lib/dataset_dict.c) through the public API:
 * many ids (rehashing), lookups of every id and of absent ones, codes in order of first
 * appearance, and truncation on a strict-mode rollback followed by new inserts.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 50000 };

static char **make_ids(int n, const char *fmt) {
  char **ids = malloc((size_t)n * sizeof *ids);
  for (int i = 0; i < n; i++) {
    ids[i] = malloc(32);
    snprintf(ids[i], 32, fmt, i);
  }
  return ids;
}

static void free_ids(char **ids, int n) {
  for (int i = 0; i < n; i++) free(ids[i]);
  free(ids);
}

Test(dataset_dict, many_ids_are_found) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  char **ids = make_ids(N, "%07d-ABCDEFGH"); /* long ids share prefixes and suffixes */
  churn_column c = {"subscriber_id", CHURN_STR, ids, N, NULL, 0};
  ASSERT_OK(churn_dataset_append_subscribers(ds, &c, 1, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), N);
  for (int i = 0; i < N; i++) {
    int64_t idx;
    ASSERT_OK(churn_dataset_find_subscriber(ds, ids[i], &idx));
    cr_assert_eq(idx, i);
    const char *back;
    ASSERT_OK(churn_dataset_subscriber_id(ds, i, &back));
    cr_assert_str_eq(back, ids[i]);
  }
  int64_t idx;
  ASSERT_FAILS(churn_dataset_find_subscriber(ds, "0000001-ABCDEFG", &idx), CHURN_E_NOT_FOUND,
               "0000001-ABCDEFG");
  ASSERT_FAILS(churn_dataset_find_subscriber(ds, "", &idx), CHURN_E_NOT_FOUND, "''");
  free_ids(ids, N);
  churn_dataset_free(ds);
}

Test(dataset_dict, codes_follow_first_appearance) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[] = {"a", "b", "c", "d", "e"};
  const char *region[] = {"west", "east", "west", "", "north"};
  churn_column c[] = {{"subscriber_id", CHURN_STR, ids, 5, NULL, 0},
                      {"region", CHURN_STR, region, 5, NULL, 0}};
  ASSERT_OK(churn_dataset_append_subscribers(ds, c, 2, NULL));
  churn_dtype dt;
  const int32_t *codes;
  ASSERT_OK(churn_dataset_subscriber_column(ds, "region", &dt, (const void **)&codes));
  int32_t want[] = {0, 1, 0, 2, 3}; /* the empty string is a label like any other */
  for (int i = 0; i < 5; i++) cr_assert_eq(codes[i], want[i]);
  const char *label;
  ASSERT_OK(churn_dataset_category_label(ds, "region", 2, &label, NULL));
  cr_assert_str_eq(label, "");
  churn_dataset_free(ds);
}

Test(dataset_dict, rollback_truncates_and_inserts_continue) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  char **first = make_ids(1000, "first-%d");
  churn_column c1 = {"subscriber_id", CHURN_STR, first, 1000, NULL, 0};
  ASSERT_OK(churn_dataset_append_subscribers(ds, &c1, 1, NULL));
  /* 5000 new ids (forcing rehashes) and a duplicate at the end: strict rolls all back */
  char **second = make_ids(5001, "second-%d");
  snprintf(second[5000], 32, "first-7");
  churn_column c2 = {"subscriber_id", CHURN_STR, second, 5001, NULL, 0};
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_STRICT, 1));
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, &c2, 1, o), CHURN_E_REJECTED, "first-7");
  cr_assert_eq(churn_dataset_num_subscribers(ds), 1000);
  int64_t idx;
  ASSERT_FAILS(churn_dataset_find_subscriber(ds, "second-10", &idx), CHURN_E_NOT_FOUND,
               "second-10");
  ASSERT_OK(churn_dataset_find_subscriber(ds, "first-999", &idx));
  cr_assert_eq(idx, 999);
  /* without strict the 5000 go in after the 1000 */
  ASSERT_OK(churn_dataset_append_subscribers(ds, &c2, 1, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 6000);
  ASSERT_OK(churn_dataset_find_subscriber(ds, "second-4999", &idx));
  cr_assert_eq(idx, 5999);
  churn_options_free(o);
  free_ids(first, 1000);
  free_ids(second, 5001);
  churn_dataset_free(ds);
}
