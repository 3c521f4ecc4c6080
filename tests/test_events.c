/*
 * test_events.c -- the event log (lib/events.c): columnar append with every validation rule,
 * finalize (stable sort against an independent qsort oracle, duplicates, offsets), getters,
 * kind names and cancellation categories.
 */
#include "helpers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COL(nm, dt, ptr, n) {(nm), (dt), (ptr), (n), NULL, 0}

/* Three subscribers A, B, C activated at t = 1000. */
static churn_dataset *three_subscribers(void) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *ids[] = {"A", "B", "C"};
  int64_t act[] = {1000, 1000, 1000};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 3),
                         COL("activation", CHURN_I64, act, 3)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, cols, 2, NULL));
  return ds;
}

static churn_options *opts_with(churn_option key, int64_t v) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, key, v));
  return o;
}

static int64_t count(const churn_dataset *ds, churn_ingest_counter c) {
  int64_t v = -1;
  ASSERT_OK(churn_dataset_ingest_count(ds, c, &v));
  return v;
}

Test(events, kinds_names_and_categories) {
  cr_assert_str_eq(churn_event_kind_name(CHURN_EV_BILL), "bill");
  cr_assert_str_eq(churn_event_kind_name(CHURN_EV_PACKAGE_CHANGE), "package_change");
  cr_assert_null(churn_event_kind_name(0));
  cr_assert_null(churn_event_kind_name(200));
  churn_event_kind k;
  ASSERT_OK(churn_event_kind_find("retention", &k));
  cr_assert_eq(k, CHURN_EV_RETENTION);
  ASSERT_FAILS(churn_event_kind_find("bogus", &k), CHURN_E_NOT_FOUND, "bogus");
  /* the DOMAIN.md mapping: price/competitor/promotion -> competitive, moving/no longer wanted ->
   * natural, technical/customer service -> service */
  cr_assert_eq(churn_cancel_reason_category(CHURN_REASON_COMPETITOR), CHURN_CATEGORY_COMPETITIVE);
  cr_assert_eq(churn_cancel_reason_category(CHURN_REASON_PRICE), CHURN_CATEGORY_COMPETITIVE);
  cr_assert_eq(churn_cancel_reason_category(CHURN_REASON_PROMO_END), CHURN_CATEGORY_COMPETITIVE);
  cr_assert_eq(churn_cancel_reason_category(CHURN_REASON_MOVING), CHURN_CATEGORY_NATURAL);
  cr_assert_eq(churn_cancel_reason_category(CHURN_REASON_NOT_WANTED), CHURN_CATEGORY_NATURAL);
  cr_assert_eq(churn_cancel_reason_category(CHURN_REASON_TECHNICAL), CHURN_CATEGORY_SERVICE);
  cr_assert_eq(churn_cancel_reason_category(CHURN_REASON_CUSTOMER_SERVICE),
               CHURN_CATEGORY_SERVICE);
  cr_assert_eq(churn_cancel_reason_category(99), CHURN_CATEGORY_UNKNOWN);
}

Test(events, append_by_id_index_and_int_id) {
  churn_dataset *ds = three_subscribers();
  const char *ids[] = {"B", "A"};
  int64_t t[] = {2000, 3000};
  int32_t kind[] = {CHURN_EV_BILL, CHURN_EV_PAYMENT};
  double v[] = {49.5, 20.25};
  int32_t aux1[] = {86400 * 14, 0};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 2), COL("time", CHURN_I64, t, 2),
                         COL("kind", CHURN_I32, kind, 2), COL("value", CHURN_F64, v, 2),
                         COL("aux1", CHURN_I32, aux1, 2)};
  ASSERT_OK(churn_dataset_append_events(ds, cols, 5, NULL));
  int64_t idx[] = {2};
  int64_t t2[] = {2500};
  uint8_t k2[] = {CHURN_EV_HEARTBEAT};
  churn_column c2[] = {COL("subscriber_index", CHURN_I64, idx, 1), COL("time", CHURN_I64, t2, 1),
                       COL("kind", CHURN_U8, k2, 1)};
  ASSERT_OK(churn_dataset_append_events(ds, c2, 3, NULL));
  cr_assert_eq(churn_dataset_num_events(ds), 3);
  cr_assert_eq(churn_dataset_is_finalized(ds), 0);
  const int64_t *off;
  ASSERT_FAILS(churn_dataset_event_offsets(ds, &off), CHURN_E_STATE, "not finalized");
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  cr_assert_eq(churn_dataset_is_finalized(ds), 1);
  ASSERT_OK(churn_dataset_event_offsets(ds, &off));
  cr_assert_eq(off[0], 0);
  cr_assert_eq(off[1], 1); /* A: payment */
  cr_assert_eq(off[2], 2); /* B: bill */
  cr_assert_eq(off[3], 3); /* C: heartbeat */
  churn_dtype dt;
  const void *p;
  ASSERT_OK(churn_dataset_event_column(ds, "value", &dt, &p));
  cr_assert_eq(dt, CHURN_F64);
  cr_assert_eq(((const double *)p)[0], 20.25);
  cr_assert_eq(((const double *)p)[1], 49.5);
  cr_assert_eq(((const double *)p)[2], 0.0); /* heartbeat needs no value */
  ASSERT_OK(churn_dataset_event_column(ds, "aux1", &dt, &p));
  cr_assert_eq(((const int32_t *)p)[1], 86400 * 14);
  cr_assert_eq(((const int32_t *)p)[2], CHURN_AUX_NONE);
  ASSERT_OK(churn_dataset_event_column(ds, "subscriber", &dt, &p));
  cr_assert_eq(dt, CHURN_I32);
  cr_assert_eq(((const int32_t *)p)[2], 2);
  ASSERT_FAILS(churn_dataset_event_column(ds, "nope", &dt, &p), CHURN_E_NOT_FOUND, "nope");
  churn_dataset_free(ds);
}

Test(events, schema_errors) {
  churn_dataset *ds = three_subscribers();
  const char *ids[] = {"A"};
  int64_t t[] = {2000};
  double kindf[] = {1.0};
  uint8_t kind[] = {CHURN_EV_BILL};
  churn_column no_time[] = {COL("subscriber_id", CHURN_STR, ids, 1), COL("kind", CHURN_U8, kind, 1)};
  ASSERT_FAILS(churn_dataset_append_events(ds, no_time, 2, NULL), CHURN_E_SCHEMA, "'time'");
  churn_column no_id[] = {COL("time", CHURN_I64, t, 1), COL("kind", CHURN_U8, kind, 1)};
  ASSERT_FAILS(churn_dataset_append_events(ds, no_id, 2, NULL), CHURN_E_SCHEMA, "subscriber_index");
  churn_column float_kind[] = {COL("subscriber_id", CHURN_STR, ids, 1),
                               COL("time", CHURN_I64, t, 1), COL("kind", CHURN_F64, kindf, 1)};
  ASSERT_FAILS(churn_dataset_append_events(ds, float_kind, 3, NULL), CHURN_E_SCHEMA, "'kind'");
  churn_column extra[] = {COL("subscriber_id", CHURN_STR, ids, 1), COL("time", CHURN_I64, t, 1),
                          COL("kind", CHURN_U8, kind, 1), COL("colour", CHURN_U8, kind, 1)};
  ASSERT_FAILS(churn_dataset_append_events(ds, extra, 4, NULL), CHURN_E_SCHEMA, "colour");
  churn_column mism[] = {COL("subscriber_id", CHURN_STR, ids, 1), COL("time", CHURN_I64, t, 0),
                         COL("kind", CHURN_U8, kind, 1)};
  ASSERT_FAILS(churn_dataset_append_events(ds, mism, 3, NULL), CHURN_E_ARG, "rows");
  ASSERT_FAILS(churn_dataset_append_events(ds, NULL, 0, NULL), CHURN_E_ARG, "no columns");
  ASSERT_FAILS(churn_dataset_append_events(NULL, mism, 3, NULL), CHURN_E_ARG, "ds is NULL");
  cr_assert_eq(churn_dataset_num_events(ds), 0);
  churn_dataset_free(ds);
}

Test(events, unknown_subscriber_modes) {
  churn_dataset *ds = three_subscribers();
  const char *ids[] = {"A", "ZZ-9", "B"};
  int64_t t[] = {2000, 2001, 2002};
  uint8_t kind[] = {CHURN_EV_HEARTBEAT, CHURN_EV_HEARTBEAT, CHURN_EV_HEARTBEAT};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 3), COL("time", CHURN_I64, t, 3),
                         COL("kind", CHURN_U8, kind, 3)};
  /* default: the call fails naming the id and row, nothing is appended */
  ASSERT_FAILS(churn_dataset_append_events(ds, cols, 3, NULL), CHURN_E_NOT_FOUND, "ZZ-9");
  cr_assert(strstr(churn_last_error(), "row 1") != NULL, "%s", churn_last_error());
  cr_assert_eq(churn_dataset_num_events(ds), 0);
  /* reject: the row is counted and reported */
  churn_options *o = opts_with(CHURN_OPT_INGEST_UNKNOWN, 1);
  ASSERT_OK(churn_dataset_append_events(ds, cols, 3, o));
  cr_assert_eq(churn_dataset_num_events(ds), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_UNKNOWN_SUBSCRIBER), 1);
  churn_table *rej;
  ASSERT_OK(churn_dataset_rejections(ds, &rej));
  cr_assert_eq(churn_table_nrows(rej), 1);
  const int64_t *row;
  const char *const *reason;
  const char *const *column;
  ASSERT_OK(churn_table_i64(rej, 1, &row));
  ASSERT_OK(churn_table_str(rej, 2, &column));
  ASSERT_OK(churn_table_str(rej, 3, &reason));
  cr_assert_eq(row[0], 1);
  cr_assert_str_eq(column[0], "subscriber_id");
  cr_assert(strstr(reason[0], "ZZ-9") != NULL);
  churn_table_free(rej);
  /* create */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_UNKNOWN, 2));
  ASSERT_OK(churn_dataset_append_events(ds, cols, 3, o));
  cr_assert_eq(churn_dataset_num_events(ds), 5);
  cr_assert_eq(churn_dataset_num_subscribers(ds), 4);
  cr_assert_eq(count(ds, CHURN_COUNT_SUBSCRIBERS_CREATED), 1);
  int64_t idx;
  ASSERT_OK(churn_dataset_find_subscriber(ds, "ZZ-9", &idx));
  cr_assert_eq(idx, 3);
  /* a subscriber index out of range is an unknown subscriber too */
  int64_t bad_index[] = {7};
  churn_column ci[] = {COL("subscriber_index", CHURN_I64, bad_index, 1), COL("time", CHURN_I64, t, 1),
                       COL("kind", CHURN_U8, kind, 1)};
  ASSERT_OK(churn_dataset_append_events(ds, ci, 3, NULL));
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_UNKNOWN_SUBSCRIBER), 2);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(events, value_rules_and_before_activation) {
  churn_dataset *ds = three_subscribers();
  const char *ids[] = {"A", "A", "A", "B", "B", "C", "C"};
  int64_t t[] = {2000, 2001, 2002, 500, 2003, 2004, 2005};
  uint8_t kind[] = {CHURN_EV_BILL, CHURN_EV_PAYMENT, CHURN_EV_BILL, CHURN_EV_VIEW,
                    CHURN_EV_VIEW, 99, CHURN_EV_USAGE};
  double v[] = {10.0, NAN, 1.0, 30.0, INFINITY, 1.0, 0.0};
  uint8_t valid[] = {1, 1, 0, 1, 1, 1, 1};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 7), COL("time", CHURN_I64, t, 7),
                         COL("kind", CHURN_U8, kind, 7), {"value", CHURN_F64, v, 7, valid, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, cols, 4, NULL));
  /* kept: row 0 (bill 10) and row 6 (usage 0) */
  cr_assert_eq(churn_dataset_num_events(ds), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_ROWS_READ), 3 + 7); /* 3 subscriber rows + 7 */
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 5);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_NON_FINITE), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_MISSING_VALUE), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BEFORE_ACTIVATION), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BAD_VALUE), 1);
  churn_table *rej;
  ASSERT_OK(churn_dataset_rejections(ds, &rej));
  cr_assert_eq(churn_table_nrows(rej), 5);
  const int64_t *row;
  const char *const *reason;
  ASSERT_OK(churn_table_i64(rej, 1, &row));
  ASSERT_OK(churn_table_str(rej, 3, &reason));
  cr_assert_eq(row[0], 1);
  cr_assert(strstr(reason[0], "non-finite") != NULL, "%s", reason[0]);
  cr_assert_eq(row[1], 2);
  cr_assert(strstr(reason[1], "missing value") != NULL, "%s", reason[1]);
  cr_assert_eq(row[2], 3);
  cr_assert(strstr(reason[2], "before") != NULL, "%s", reason[2]);
  cr_assert_eq(row[4], 5);
  cr_assert(strstr(reason[4], "unknown event kind 99") != NULL, "%s", reason[4]);
  churn_table_free(rej);
  /* keeping events before activation, counted */
  churn_options *o = opts_with(CHURN_OPT_INGEST_BEFORE_ACTIVATION, 1);
  churn_column one[] = {COL("subscriber_id", CHURN_STR, ids + 3, 1), COL("time", CHURN_I64, t + 3, 1),
                        COL("kind", CHURN_U8, kind + 3, 1), COL("value", CHURN_F64, v + 3, 1)};
  ASSERT_OK(churn_dataset_append_events(ds, one, 4, o));
  cr_assert_eq(churn_dataset_num_events(ds), 3);
  cr_assert_eq(count(ds, CHURN_COUNT_KEPT_BEFORE_ACTIVATION), 1);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(events, range_checks_on_codes_and_aux) {
  churn_dataset *ds = three_subscribers();
  const char *ids[] = {"A", "A", "A", "A"};
  int64_t t[] = {2000, 2001, CHURN_TIME_MAX + 1, 2003};
  uint8_t kind[] = {CHURN_EV_COMPLAINT, CHURN_EV_COMPLAINT, CHURN_EV_COMPLAINT,
                    CHURN_EV_COMPLAINT};
  int64_t code[] = {255, 256, 1, 1};
  int64_t aux[] = {0, 0, 0, (int64_t)INT32_MAX + 1};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 4), COL("time", CHURN_I64, t, 4),
                         COL("kind", CHURN_U8, kind, 4), COL("code", CHURN_I64, code, 4),
                         COL("aux2", CHURN_I64, aux, 4)};
  ASSERT_OK(churn_dataset_append_events(ds, cols, 5, NULL));
  cr_assert_eq(churn_dataset_num_events(ds), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BAD_VALUE), 3);
  churn_table *rej;
  ASSERT_OK(churn_dataset_rejections(ds, &rej));
  const char *const *column;
  ASSERT_OK(churn_table_str(rej, 2, &column));
  cr_assert_str_eq(column[0], "code");
  cr_assert_str_eq(column[1], "time");
  cr_assert_str_eq(column[2], "aux2");
  churn_table_free(rej);
  churn_dataset_free(ds);
}

Test(events, strict_mode_fails_and_leaves_dataset_unchanged) {
  churn_dataset *ds = three_subscribers();
  const char *ids[] = {"A", "B", "C"};
  int64_t t[] = {2000, 2001, 2002};
  uint8_t kind[] = {CHURN_EV_BILL, CHURN_EV_BILL, CHURN_EV_BILL};
  double v[] = {1.0, NAN, 3.0};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 3), COL("time", CHURN_I64, t, 3),
                         COL("kind", CHURN_U8, kind, 3), COL("value", CHURN_F64, v, 3)};
  churn_options *o = opts_with(CHURN_OPT_INGEST_STRICT, 1);
  ASSERT_FAILS(churn_dataset_append_events(ds, cols, 4, o), CHURN_E_REJECTED, "row 1");
  cr_assert(strstr(churn_last_error(), "non-finite") != NULL);
  cr_assert_eq(churn_dataset_num_events(ds), 0);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 0);
  /* strict auto-create is rolled back too */
  const char *ids2[] = {"NEW", "B", "C"};
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_UNKNOWN, 2));
  cols[0].data = ids2;
  ASSERT_FAILS(churn_dataset_append_events(ds, cols, 4, o), CHURN_E_REJECTED, "row 1");
  cr_assert_eq(churn_dataset_num_subscribers(ds), 3);
  int64_t idx;
  ASSERT_FAILS(churn_dataset_find_subscriber(ds, "NEW", &idx), CHURN_E_NOT_FOUND, "NEW");
  churn_options_free(o);
  churn_dataset_free(ds);
}

/* --- sorting against an independent oracle --------------------------------------------------- */

typedef struct oracle_row {
  int32_t sub;
  int64_t time;
  uint8_t kind;
  double value;
  int64_t input;
} oracle_row;

static int oracle_cmp(const void *a, const void *b) {
  const oracle_row *x = a, *y = b;
  if (x->sub != y->sub) return x->sub < y->sub ? -1 : 1;
  if (x->time != y->time) return x->time < y->time ? -1 : 1;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  return x->input < y->input ? -1 : (x->input > y->input);
}

Test(events, finalize_sorts_stably_like_qsort_oracle) {
  enum { S = 50, N = 20000 };
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  int64_t sid[S];
  for (int s = 0; s < S; s++) sid[s] = 1000 + s;
  churn_column sc[] = {COL("subscriber_id", CHURN_I64, sid, S)};
  ASSERT_OK(churn_dataset_append_subscribers(ds, sc, 1, NULL));
  int32_t *sub = malloc(N * sizeof *sub);
  int64_t *t = malloc(N * sizeof *t);
  uint8_t *kind = malloc(N);
  double *v = malloc(N * sizeof *v);
  oracle_row *o = malloc(N * sizeof *o);
  srand(7);
  for (int i = 0; i < N; i++) {
    sub[i] = rand() % S;
    t[i] = rand() % 40; /* many ties */
    kind[i] = (uint8_t)(1 + rand() % 3);
    v[i] = i; /* unique: identifies the input row */
    o[i] = (oracle_row){sub[i], t[i], kind[i], v[i], i};
  }
  churn_column ec[] = {COL("subscriber_index", CHURN_I32, sub, N), COL("time", CHURN_I64, t, N),
                       COL("kind", CHURN_U8, kind, N), COL("value", CHURN_F64, v, N)};
  ASSERT_OK(churn_dataset_append_events(ds, ec, 4, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  qsort(o, N, sizeof *o, oracle_cmp);
  churn_dtype dt;
  const int32_t *gs;
  const int64_t *gt;
  const double *gv;
  const int64_t *off;
  ASSERT_OK(churn_dataset_event_column(ds, "subscriber", &dt, (const void **)&gs));
  ASSERT_OK(churn_dataset_event_column(ds, "time", &dt, (const void **)&gt));
  ASSERT_OK(churn_dataset_event_column(ds, "value", &dt, (const void **)&gv));
  ASSERT_OK(churn_dataset_event_offsets(ds, &off));
  for (int i = 0; i < N; i++) {
    cr_assert_eq(gs[i], o[i].sub, "row %d", i);
    cr_assert_eq(gt[i], o[i].time, "row %d", i);
    cr_assert_eq(gv[i], o[i].value, "row %d", i);
  }
  for (int s = 0; s < S; s++) {
    for (int64_t e = off[s]; e < off[s + 1]; e++) cr_assert_eq(gs[e], s);
  }
  cr_assert_eq(off[S], N);
  ASSERT_OK(churn_dataset_finalize(ds, NULL)); /* idempotent */
  cr_assert_eq(gv[0], o[0].value);
  free(sub);
  free(t);
  free(kind);
  free(v);
  free(o);
  churn_dataset_free(ds);
}

/* Every allocation of finalize failing in turn: either CHURN_E_NOMEM with the log unchanged and
 * still finalizable, or a correct sort (one failure point is the scratch column, whose
 * fallback permutes the rows in place). */
Test(events, finalize_under_allocation_failures) {
  enum { S = 7, N = 500 };
  int32_t sub[N];
  int64_t t[N];
  uint8_t kind[N];
  double v[N];
  oracle_row o[N];
  srand(13);
  for (int i = 0; i < N; i++) {
    sub[i] = rand() % S;
    t[i] = rand() % 50;
    kind[i] = (uint8_t)(1 + rand() % 2);
    v[i] = i;
    o[i] = (oracle_row){sub[i], t[i], kind[i], v[i], i};
  }
  qsort(o, N, sizeof *o, oracle_cmp);
  int fallback_seen = 0;
  for (uint64_t k = 1; k <= 12; k++) {
    churn_dataset *ds;
    ASSERT_OK(churn_dataset_new(&ds));
    int64_t sid[S];
    for (int s = 0; s < S; s++) sid[s] = s;
    churn_column sc[] = {COL("subscriber_id", CHURN_I64, sid, S)};
    ASSERT_OK(churn_dataset_append_subscribers(ds, sc, 1, NULL));
    churn_column ec[] = {COL("subscriber_index", CHURN_I32, sub, N), COL("time", CHURN_I64, t, N),
                         COL("kind", CHURN_U8, kind, N), COL("value", CHURN_F64, v, N)};
    ASSERT_OK(churn_dataset_append_events(ds, ec, 4, NULL));
    churn_testing_fail_alloc(k);
    churn_status st = churn_dataset_finalize(ds, NULL);
    uint64_t used = churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_OK || st == CHURN_E_NOMEM, "k=%d", (int)k);
    if (st == CHURN_E_NOMEM) {
      cr_assert_eq(churn_dataset_is_finalized(ds), 0);
      ASSERT_OK(churn_dataset_finalize(ds, NULL));
    } else if (used >= k) {
      fallback_seen++;
    }
    churn_dtype dt;
    const int32_t *gs;
    const double *gv;
    ASSERT_OK(churn_dataset_event_column(ds, "subscriber", &dt, (const void **)&gs));
    ASSERT_OK(churn_dataset_event_column(ds, "value", &dt, (const void **)&gv));
    for (int i = 0; i < N; i++) {
      cr_assert_eq(gs[i], o[i].sub, "k=%d row %d", (int)k, i);
      cr_assert_eq(gv[i], o[i].value, "k=%d row %d", (int)k, i);
    }
    /* appending after a finalize that shrank the capacity still works */
    ASSERT_OK(churn_dataset_append_events(ds, ec, 4, NULL));
    cr_assert_eq(churn_dataset_num_events(ds), 2 * N);
    churn_dataset_free(ds);
  }
  cr_assert_gt(fallback_seen, 0, "no allocation failure was absorbed by the in-place fallback");
}

Test(events, duplicates_counted_and_removed) {
  churn_dataset *ds = three_subscribers();
  /* A@2000 bill 5 appears three times (interleaved with a different bill at the same time),
   * B has a pair that differs only in code: not duplicates. */
  const char *ids[] = {"A", "A", "A", "B", "B", "A"};
  int64_t t[] = {2000, 2000, 2000, 3000, 3000, 2000};
  uint8_t kind[] = {1, 1, 1, 8, 8, 1};
  uint8_t code[] = {0, 0, 0, 1, 2, 0};
  double v[] = {5.0, 6.0, 5.0, 0.0, 0.0, 5.0};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 6), COL("time", CHURN_I64, t, 6),
                         COL("kind", CHURN_U8, kind, 6), COL("code", CHURN_U8, code, 6),
                         COL("value", CHURN_F64, v, 6)};
  ASSERT_OK(churn_dataset_append_events(ds, cols, 5, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  cr_assert_eq(count(ds, CHURN_COUNT_DUPLICATE_EVENTS), 2);
  cr_assert_eq(churn_dataset_num_events(ds), 6);
  churn_options *o = opts_with(CHURN_OPT_INGEST_DEDUP, 1);
  ASSERT_OK(churn_dataset_finalize(ds, o));
  cr_assert_eq(churn_dataset_num_events(ds), 4);
  cr_assert_eq(count(ds, CHURN_COUNT_DUPLICATES_REMOVED), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_DUPLICATE_EVENTS), 0);
  const int64_t *off;
  ASSERT_OK(churn_dataset_event_offsets(ds, &off));
  cr_assert_eq(off[1], 2); /* A: 5.0 then 6.0, input order kept */
  cr_assert_eq(off[2], 4);
  cr_assert_eq(off[3], 4);
  churn_dtype dt;
  const double *gv;
  ASSERT_OK(churn_dataset_event_column(ds, "value", &dt, (const void **)&gv));
  cr_assert_eq(gv[0], 5.0);
  cr_assert_eq(gv[1], 6.0);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(events, long_runs_of_equal_times_find_every_duplicate) {
  /* 300 events of one subscriber at one time and kind: values cycle through 7 distinct numbers,
   * so 300 - 7 are duplicates (the pairwise path covers runs of up to 32, this one is sorted) */
  enum { N = 300 };
  churn_dataset *ds = three_subscribers();
  int64_t sub[N], t[N];
  uint8_t kind[N];
  double v[N];
  for (int i = 0; i < N; i++) {
    sub[i] = 1;
    t[i] = 5000;
    kind[i] = CHURN_EV_PAYMENT;
    v[i] = (i * 3) % 7;
  }
  churn_column cols[] = {COL("subscriber_index", CHURN_I64, sub, N), COL("time", CHURN_I64, t, N),
                         COL("kind", CHURN_U8, kind, N), COL("value", CHURN_F64, v, N)};
  ASSERT_OK(churn_dataset_append_events(ds, cols, 4, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  cr_assert_eq(count(ds, CHURN_COUNT_DUPLICATE_EVENTS), N - 7);
  churn_options *o = opts_with(CHURN_OPT_INGEST_DEDUP, 1);
  ASSERT_OK(churn_dataset_finalize(ds, o));
  cr_assert_eq(churn_dataset_num_events(ds), 7);
  /* the first occurrence of each value is kept, in input order: 0, 3, 6, 2, 5, 1, 4 */
  churn_dtype dt;
  const double *gv;
  ASSERT_OK(churn_dataset_event_column(ds, "value", &dt, (const void **)&gv));
  double want[] = {0, 3, 6, 2, 5, 1, 4};
  for (int i = 0; i < 7; i++) cr_assert_eq(gv[i], want[i]);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(events, allocation_failures_are_clean) {
  const char *ids[] = {"A", "B", "A"};
  int64_t t[] = {2003, 2001, 2002};
  uint8_t kind[] = {CHURN_EV_HEARTBEAT, CHURN_EV_HEARTBEAT, CHURN_EV_HEARTBEAT};
  churn_column cols[] = {COL("subscriber_id", CHURN_STR, ids, 3), COL("time", CHURN_I64, t, 3),
                         COL("kind", CHURN_U8, kind, 3)};
  for (uint64_t k = 1; k < 200; k++) {
    churn_dataset *ds = three_subscribers();
    churn_testing_fail_alloc(k);
    churn_status st = churn_dataset_append_events(ds, cols, 3, NULL);
    if (st == CHURN_OK) st = churn_dataset_finalize(ds, NULL);
    churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_OK || st == CHURN_E_NOMEM, "k=%d: %s", (int)k, churn_status_name(st));
    if (st == CHURN_E_NOMEM) {
      /* the dataset is still usable and consistent after the failure */
      ASSERT_OK(churn_dataset_append_events(ds, cols, 3, NULL));
      ASSERT_OK(churn_dataset_finalize(ds, NULL));
    }
    cr_assert(churn_dataset_num_events(ds) == 3 || churn_dataset_num_events(ds) == 6);
    churn_dataset_free(ds);
  }
}
