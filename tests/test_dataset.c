/*
 * test_dataset.c -- the dataset handle and subscriber table (lib/dataset.c): columnar append of
 * subscribers with every rule (duplicate ids, non-finite prices, bad vip/services, missing
 * values, attributes), argument errors, the ingest report and getters.
 */
#include "helpers.h"

#include <math.h>
#include <string.h>

#define COL(nm, dt, ptr, n) {(nm), (dt), (ptr), (n), NULL, 0}

static int64_t count(const churn_dataset *ds, churn_ingest_counter c) {
  int64_t v = -1;
  ASSERT_OK(churn_dataset_ingest_count(ds, c, &v));
  return v;
}

Test(dataset, new_free_and_empty_getters) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 0);
  cr_assert_eq(churn_dataset_num_events(ds), 0);
  cr_assert_eq(churn_dataset_num_subscribers(NULL), 0);
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  const int64_t *off;
  ASSERT_OK(churn_dataset_event_offsets(ds, &off));
  cr_assert_eq(off[0], 0);
  churn_dataset_free(ds);
  churn_dataset_free(NULL);
  ASSERT_FAILS(churn_dataset_new(NULL), CHURN_E_ARG, "out is NULL");
}

Test(dataset, standard_columns_are_stored) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[] = {"7590-VHVEG", "5575-GNVDE"};
  int64_t act[] = {1709251200, 946728000};
  int64_t canc[] = {CHURN_TIME_NONE, 1709251199};
  const char *region[] = {"north", "south"};
  const char *tier[] = {"high", NULL};
  double price[] = {29.85, 56.95};
  int32_t services[] = {1, 3};
  uint8_t vip[] = {1, 0};
  uint8_t valid_price[] = {1, 0};
  churn_column cols[] = {
      COL("subscriber_id", CHURN_STR, ids, 2), COL("activation", CHURN_I64, act, 2),
      COL("cancellation", CHURN_I64, canc, 2), COL("region", CHURN_STR, region, 2),
      COL("tier", CHURN_STR, tier, 2), {"price", CHURN_F64, price, 2, valid_price, 0},
      COL("services", CHURN_I32, services, 2), COL("vip", CHURN_U8, vip, 2)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, cols, 8, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 2);
  const char *id;
  ASSERT_OK(churn_dataset_subscriber_id(ds, 1, &id));
  cr_assert_str_eq(id, "5575-GNVDE");
  ASSERT_FAILS(churn_dataset_subscriber_id(ds, 2, &id), CHURN_E_ARG, "outside");
  churn_dtype dt;
  const void *p;
  ASSERT_OK(churn_dataset_subscriber_column(ds, "activation", &dt, &p));
  cr_assert_eq(dt, CHURN_I64);
  cr_assert_eq(((const int64_t *)p)[0], 1709251200);
  ASSERT_OK(churn_dataset_subscriber_column(ds, "cancellation", &dt, &p));
  cr_assert_eq(((const int64_t *)p)[0], CHURN_TIME_NONE);
  ASSERT_OK(churn_dataset_subscriber_column(ds, "contract_end", &dt, &p));
  cr_assert_eq(((const int64_t *)p)[1], CHURN_TIME_NONE); /* not given */
  ASSERT_OK(churn_dataset_subscriber_column(ds, "price", &dt, &p));
  cr_assert_eq(dt, CHURN_F64);
  cr_assert_eq(((const double *)p)[0], 29.85);
  cr_assert(isnan(((const double *)p)[1])); /* masked as missing */
  ASSERT_OK(churn_dataset_subscriber_column(ds, "tier", &dt, &p));
  cr_assert_eq(dt, CHURN_I32);
  cr_assert_eq(((const int32_t *)p)[0], 0);
  cr_assert_eq(((const int32_t *)p)[1], -1); /* NULL string = missing */
  ASSERT_OK(churn_dataset_subscriber_column(ds, "vip", &dt, &p));
  cr_assert_eq(dt, CHURN_U8);
  cr_assert_eq(((const uint8_t *)p)[0], 1);
  ASSERT_OK(churn_dataset_subscriber_column(ds, "services", &dt, &p));
  cr_assert_eq(((const int32_t *)p)[1], 3);
  ASSERT_OK(churn_dataset_subscriber_column(ds, "package", &dt, &p));
  cr_assert_eq(((const int32_t *)p)[0], -1);
  const char *label;
  int32_t n;
  ASSERT_OK(churn_dataset_category_label(ds, "region", 1, &label, &n));
  cr_assert_str_eq(label, "south");
  cr_assert_eq(n, 2);
  ASSERT_FAILS(churn_dataset_category_label(ds, "region", 2, &label, &n), CHURN_E_RANGE, "code 2");
  ASSERT_FAILS(churn_dataset_category_label(ds, "price", 0, &label, &n), CHURN_E_NOT_FOUND,
               "price");
  ASSERT_FAILS(churn_dataset_subscriber_column(ds, "colour", &dt, &p), CHURN_E_NOT_FOUND, "colour");
  /* enumerate: 12 standard columns */
  const char *name;
  ASSERT_OK(churn_dataset_subscriber_column_at(ds, 0, &name, &dt));
  cr_assert_str_eq(name, "activation");
  ASSERT_OK(churn_dataset_subscriber_column_at(ds, 11, &name, &dt));
  cr_assert_str_eq(name, "vip");
  ASSERT_FAILS(churn_dataset_subscriber_column_at(ds, 12, &name, &dt), CHURN_E_NOT_FOUND, "12");
  churn_dataset_free(ds);
}

Test(dataset, int_ids_equal_their_decimal_text) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  int64_t ids[] = {42, -7, 9000000000LL};
  churn_column cols[] = {COL("subscriber_id", CHURN_I64, ids, 3)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, cols, 1, NULL));
  int64_t idx;
  ASSERT_OK(churn_dataset_find_subscriber(ds, "9000000000", &idx));
  cr_assert_eq(idx, 2);
  ASSERT_OK(churn_dataset_find_subscriber(ds, "-7", &idx));
  cr_assert_eq(idx, 1);
  const char *again[] = {"42"};
  churn_column c2[] = {COL("subscriber_id", CHURN_STR, again, 1)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, c2, 1, NULL));
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_DUPLICATE_ID), 1);
  cr_assert_eq(churn_dataset_num_subscribers(ds), 3);
  churn_dataset_free(ds);
}

Test(dataset, rejected_rows_are_counted_and_reported) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[] = {"a", "b", "a", "c", "d", "e", NULL};
  double price[] = {1.0, NAN, 2.0, 3.0, 4.0, INFINITY, 5.0};
  int64_t vip[] = {0, 0, 0, 2, 1, 0, 0};
  int64_t services[] = {1, 1, 1, 1, -3, 1, 1};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 7),
                         COL("price", CHURN_F64, price, 7), COL("vip", CHURN_I64, vip, 7),
                         COL("services", CHURN_I64, services, 7)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, cols, 4, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_ROWS_READ), 7);
  cr_assert_eq(count(ds, CHURN_COUNT_ROWS_ACCEPTED), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 6);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_NON_FINITE), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_DUPLICATE_ID), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BAD_VALUE), 3);
  churn_table *t;
  ASSERT_OK(churn_dataset_rejections(ds, &t));
  cr_assert_eq(churn_table_nrows(t), 6);
  const char *const *src, *const *col, *const *why;
  const int64_t *row;
  ASSERT_OK(churn_table_str(t, 0, &src));
  ASSERT_OK(churn_table_i64(t, 1, &row));
  ASSERT_OK(churn_table_str(t, 2, &col));
  ASSERT_OK(churn_table_str(t, 3, &why));
  cr_assert_str_eq(src[0], "append_subscribers");
  cr_assert_eq(row[0], 1);
  cr_assert_str_eq(col[0], "price");
  cr_assert(strstr(why[0], "non-finite") != NULL);
  cr_assert_eq(row[1], 2);
  cr_assert(strstr(why[1], "'a' given twice") != NULL, "%s", why[1]);
  cr_assert_eq(row[2], 3);
  cr_assert_str_eq(col[2], "vip");
  cr_assert_eq(row[3], 4);
  cr_assert_str_eq(col[3], "services");
  cr_assert_eq(row[5], 6);
  cr_assert(strstr(why[5], "missing subscriber id") != NULL);
  churn_table_free(t);
  churn_dataset_clear_report(ds);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 0);
  ASSERT_OK(churn_dataset_rejections(ds, &t));
  cr_assert_eq(churn_table_nrows(t), 0);
  churn_table_free(t);
  /* dates outside the years 1..9999 */
  const char *late[] = {"z"};
  int64_t when[] = {CHURN_TIME_MAX + 1};
  churn_column lc[] = {COL("subscriber_id", CHURN_STR, late, 1),
                       COL("contract_end", CHURN_I64, when, 1)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, lc, 2, NULL));
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BAD_VALUE), 1);
  ASSERT_OK(churn_dataset_rejections(ds, &t));
  ASSERT_OK(churn_table_str(t, 2, &col));
  ASSERT_OK(churn_table_str(t, 3, &why));
  cr_assert_str_eq(col[0], "contract_end");
  cr_assert(strstr(why[0], "1..9999") != NULL, "%s", why[0]);
  churn_table_free(t);
  ASSERT_FAILS(churn_dataset_ingest_count(ds, (churn_ingest_counter)99, &(int64_t){0}),
               CHURN_E_ARG, "unknown counter");
  churn_dataset_free(ds);
}

Test(dataset, max_reported_limits_details_not_counts) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[] = {"x", "x", "x", "x", "x"};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 5)};
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_MAX_REPORTED, 2));
  ASSERT_OK(churn_dataset_append_subscribers(ds, cols, 1, o));
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 4);
  churn_table *t;
  ASSERT_OK(churn_dataset_rejections(ds, &t));
  cr_assert_eq(churn_table_nrows(t), 2);
  churn_table_free(t);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(dataset, strict_mode_rolls_back_the_whole_call) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[] = {"a", "b", "b"};
  const char *region[] = {"r1", "r2", "r3"};
  const char *colour[] = {"red", "red", "blue"};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 3),
                         COL("region", CHURN_STR, region, 3), COL("colour", CHURN_STR, colour, 3)};
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_STRICT, 1));
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, cols, 3, o), CHURN_E_REJECTED, "row 2");
  cr_assert(strstr(churn_last_error(), "given twice") != NULL);
  cr_assert_eq(churn_dataset_num_subscribers(ds), 0);
  int32_t n = -1;
  ASSERT_OK(churn_dataset_category_label(ds, "region", -1, NULL, &n));
  cr_assert_eq(n, 0);
  const char *name;
  ASSERT_FAILS(churn_dataset_subscriber_column_at(ds, 12, &name, NULL), CHURN_E_NOT_FOUND, "12");
  /* the same call without strict keeps the good rows */
  ASSERT_OK(churn_dataset_append_subscribers(ds, cols, 3, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 2);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(dataset, attributes_numeric_and_categorical) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[] = {"a", "b"};
  double score[] = {0.5, 1.5};
  const char *plan[] = {"gold", "silver"};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 2),
                         COL("score", CHURN_F64, score, 2), COL("plan", CHURN_STR, plan, 2)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, cols, 3, NULL));
  /* a later batch without the attributes leaves them missing */
  const char *ids2[] = {"c"};
  churn_column c2[] = {COL("subscriber_id", CHURN_STR, ids2, 1)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, c2, 1, NULL));
  churn_dtype dt;
  const void *p;
  ASSERT_OK(churn_dataset_subscriber_column(ds, "score", &dt, &p));
  cr_assert_eq(dt, CHURN_F64);
  cr_assert_eq(((const double *)p)[1], 1.5);
  cr_assert(isnan(((const double *)p)[2]));
  ASSERT_OK(churn_dataset_subscriber_column(ds, "plan", &dt, &p));
  cr_assert_eq(dt, CHURN_I32);
  cr_assert_eq(((const int32_t *)p)[1], 1);
  cr_assert_eq(((const int32_t *)p)[2], -1);
  const char *name;
  ASSERT_OK(churn_dataset_subscriber_column_at(ds, 12, &name, &dt));
  cr_assert_str_eq(name, "score");
  ASSERT_OK(churn_dataset_subscriber_column_at(ds, 13, &name, &dt));
  cr_assert_str_eq(name, "plan");
  cr_assert_eq(dt, CHURN_I32);
  /* an attribute cannot change type */
  const char *ids3[] = {"d"};
  const char *score3[] = {"high"};
  churn_column c3[] = {COL("subscriber_id", CHURN_STR, ids3, 1), COL("score", CHURN_STR, score3, 1)};
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, c3, 2, NULL), CHURN_E_SCHEMA, "score");
  cr_assert_eq(churn_dataset_num_subscribers(ds), 3);
  churn_dataset_free(ds);
}

Test(dataset, argument_and_schema_errors) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[] = {"a"};
  double d[] = {1.0};
  churn_column no_id[] = {COL("price", CHURN_F64, d, 1)};
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, no_id, 1, NULL), CHURN_E_SCHEMA,
               "subscriber_id");
  churn_column twice[] = {COL("subscriber_id", CHURN_STR, ids, 1),
                          COL("subscriber_id", CHURN_STR, ids, 1)};
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, twice, 2, NULL), CHURN_E_ARG, "twice");
  churn_column reserved[] = {{"subscriber_id", CHURN_STR, ids, 1, NULL, 5}};
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, reserved, 1, NULL), CHURN_E_ARG, "reserved");
  churn_column dtype[] = {{"subscriber_id", (churn_dtype)42, ids, 1, NULL, 0}};
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, dtype, 1, NULL), CHURN_E_ARG, "dtype");
  churn_column nodata[] = {{"subscriber_id", CHURN_STR, NULL, 1, NULL, 0}};
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, nodata, 1, NULL), CHURN_E_ARG, "NULL");
  churn_column act[] = {COL("subscriber_id", CHURN_STR, ids, 1), COL("activation", CHURN_F64, d, 1)};
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, act, 2, NULL), CHURN_E_SCHEMA, "activation");
  churn_column noname[] = {{NULL, CHURN_STR, ids, 1, NULL, 0}};
  ASSERT_FAILS(churn_dataset_append_subscribers(ds, noname, 1, NULL), CHURN_E_ARG, "no name");
  /* the id column's name follows the option */
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_INGEST_ID_COLUMN, "customerID"));
  churn_column custom[] = {COL("customerID", CHURN_STR, ids, 1)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, custom, 1, o));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 1);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(dataset, allocation_failures_are_clean) {
  const char *ids[] = {"a", "b", "c"};
  const char *region[] = {"x", "y", "x"};
  double score[] = {1, 2, 3};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 3),
                         COL("region", CHURN_STR, region, 3), COL("score", CHURN_F64, score, 3)};
  for (uint64_t k = 1; k < 100; k++) {
    churn_dataset *ds = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_dataset_new(&ds);
    if (st == CHURN_OK) st = churn_dataset_append_subscribers(ds, cols, 3, NULL);
    churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_OK || st == CHURN_E_NOMEM, "k=%d: %s", (int)k, churn_status_name(st));
    if (ds) {
      cr_assert(churn_dataset_num_subscribers(ds) == 0 || churn_dataset_num_subscribers(ds) == 3);
      ASSERT_OK(churn_dataset_append_subscribers(ds, cols, 3, NULL));
    }
    churn_dataset_free(ds);
  }
}
