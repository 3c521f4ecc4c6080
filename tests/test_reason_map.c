/*
 * test_reason_map.c -- operators' own cancellation reason labels (reason_map.c): a cancel with a
 * label the library does not know is kept with reason unknown and its label listed
 * (churn_dataset_reason_labels), a reason map (C call or CSV file) recodes the stored events and
 * later reads, the same through a string code column of churn_dataset_append_events, the labels
 * survive a CSV round trip and a dataset file, and maps naming an unknown reason fail naming it.
 * Every expected value is counted by hand from the six events below.
 */
#include "helpers.h"

#include <stdio.h>
#include <string.h>

static const char *write_tmp(const char *name, const char *text) {
  static char path[4][512];
  static int k;
  char *p = path[k++ % 4];
  snprintf(p, 512, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  return p;
}

static const char SUBS[] = "subscriber_id,activation\n"
                           "A,2024-01-01\nB,2024-01-01\nC,2024-01-01\n"
                           "D,2024-01-01\nE,2024-01-01\nF,2024-01-01\n";
/* One event each, so that after finalize event i belongs to subscriber i (A..F):
 * 搬迁 ("moving house") on A, B and E's request: 3 events; 资费高 ("price too high") on C: 1;
 * D's cancel uses the library's own name; RELOCATED (Latin script) on F: 1. */
static const char EVENTS[] = "subscriber_id,time,kind,code\n"
                             "A,2024-03-01,cancel,搬迁\n"
                             "B,2024-03-02,cancel,搬迁\n"
                             "C,2024-03-03,cancel,资费高\n"
                             "D,2024-03-04,cancel,moving\n"
                             "E,2024-02-10,cancel_request,搬迁\n"
                             "F,2024-03-05,cancel,RELOCATED\n";

static churn_dataset *read_all(const char *map_path) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  if (map_path) ASSERT_OK(churn_dataset_read_reason_map_csv(ds, map_path));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_tmp("subs.csv", SUBS), NULL));
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("ev.csv", EVENTS), NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  return ds;
}

static const char *const *table_str(const churn_table *t, const char *name) {
  int64_t j;
  const char *const *s = NULL;
  ASSERT_OK(churn_table_find(t, name, &j));
  ASSERT_OK(churn_table_str(t, j, &s));
  return s;
}

/* The codes of the six events (A..F). */
static void expect_codes(const churn_dataset *ds, const int want[6]) {
  cr_assert_eq(churn_dataset_num_events(ds), 6);
  const uint8_t *code = dataset_event_col(ds, "code");
  for (int i = 0; i < 6; i++) cr_expect_eq(code[i], want[i], "event %d: code %d", i, code[i]);
}

/* The listing: rows in order, each label / reason / category / events. */
typedef struct row {
  const char *label, *reason, *category;
  int64_t events;
} row;
static void expect_labels(const churn_dataset *ds, const row *want, int n) {
  churn_table *t = NULL;
  ASSERT_OK(churn_dataset_reason_labels(ds, &t));
  cr_assert_eq(churn_table_nrows(t), n);
  const char *const *l = table_str(t, "label"), *const *r = table_str(t, "reason");
  const char *const *c = table_str(t, "category");
  const int64_t *e = table_i64(t, "events");
  for (int i = 0; i < n; i++) {
    cr_expect_str_eq(l[i], want[i].label, "row %d", i);
    cr_expect_str_eq(r[i], want[i].reason, "row %d (%s)", i, l[i]);
    cr_expect_str_eq(c[i], want[i].category, "row %d (%s)", i, l[i]);
    cr_expect_eq(e[i], want[i].events, "row %d (%s)", i, l[i]);
  }
  churn_table_free(t);
}

static const int UNMAPPED[6] = {CHURN_REASON_UNKNOWN, CHURN_REASON_UNKNOWN, CHURN_REASON_UNKNOWN,
                                CHURN_REASON_MOVING,  CHURN_REASON_UNKNOWN, CHURN_REASON_UNKNOWN};
static const row UNMAPPED_ROWS[3] = {{"搬迁", "unknown", "unknown", 3},
                                     {"资费高", "unknown", "unknown", 1},
                                     {"RELOCATED", "unknown", "unknown", 1}};
/* 搬迁 -> moving (natural), 资费高 -> the category competitive (reason other_competitive) */
static const int MAPPED[6] = {CHURN_REASON_MOVING, CHURN_REASON_MOVING,
                              CHURN_REASON_OTHER_COMPETITIVE, CHURN_REASON_MOVING,
                              CHURN_REASON_MOVING, CHURN_REASON_UNKNOWN};
static const row MAPPED_ROWS[3] = {{"搬迁", "moving", "natural", 3},
                                   {"资费高", "other_competitive", "competitive", 1},
                                   {"RELOCATED", "unknown", "unknown", 1}};

Test(reason_map, unknown_labels_are_kept_and_listed) {
  churn_dataset *ds = read_all(NULL);
  int64_t rejected = -1;
  ASSERT_OK(churn_dataset_ingest_count(ds, CHURN_COUNT_REJECTED, &rejected));
  cr_assert_eq(rejected, 0);
  expect_codes(ds, UNMAPPED);
  /* A, B and E's request share one label each in their kind's dictionary; D has none */
  const int32_t *aux1 = dataset_event_col(ds, "aux1");
  cr_expect_eq(aux1[0], aux1[1]);
  cr_expect_eq(aux1[3], CHURN_AUX_NONE);
  cr_expect_neq(aux1[4], CHURN_AUX_NONE);
  expect_labels(ds, UNMAPPED_ROWS, 3);
  churn_dataset_free(ds);
}

Test(reason_map, a_map_recodes_stored_events) {
  churn_dataset *ds = read_all(NULL);
  const char *label[] = {"搬迁", "资费高"}, *target[] = {"moving", "competitive"};
  ASSERT_OK(churn_dataset_set_reason_map(ds, label, target, 2));
  cr_assert(churn_dataset_is_finalized(ds));
  expect_codes(ds, MAPPED);
  expect_labels(ds, MAPPED_ROWS, 3);
  cr_expect_eq(churn_cancel_reason_category(CHURN_REASON_OTHER_COMPETITIVE),
               CHURN_CATEGORY_COMPETITIVE);
  /* a later mapping of a label replaces the earlier one; "unknown" is a mapping too (the
   * label is no longer listed as unmapped) */
  const char *again[] = {"unknown"};
  ASSERT_OK(churn_dataset_set_reason_map(ds, label, again, 1));
  const uint8_t *code = dataset_event_col(ds, "code");
  cr_expect_eq(code[0], CHURN_REASON_UNKNOWN);
  cr_expect_eq(code[4], CHURN_REASON_UNKNOWN);
  churn_table *t = NULL;
  ASSERT_OK(churn_dataset_reason_labels(ds, &t));
  const int64_t *mapped = table_i64(t, "mapped");
  cr_expect_eq(mapped[0], 1); /* 搬迁 (unknown, by the map) */
  cr_expect_eq(mapped[1], 1); /* 资费高 */
  cr_expect_eq(mapped[2], 0); /* RELOCATED */
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* The map as a file, read before the events: a byte-order mark, a header, CRLF, a quoted
 * label, a blank line. */
Test(reason_map, a_map_file_read_before_the_events) {
  const char *map = write_tmp("map.csv", "\xEF\xBB\xBFlabel,reason\r\n\"搬迁\",moving\r\n\r\n"
                                         "资费高,competitive\r\n");
  churn_dataset *ds = read_all(map);
  expect_codes(ds, MAPPED);
  expect_labels(ds, MAPPED_ROWS, 3);
  churn_dataset_free(ds);
}

Test(reason_map, unknown_targets_fail_naming_them) {
  churn_dataset *ds = read_all(NULL);
  const char *label[] = {"搬迁", "资费高"}, *target[] = {"moving", "cheaper"};
  ASSERT_FAILS(churn_dataset_set_reason_map(ds, label, target, 2), CHURN_E_ARG, "'cheaper'");
  cr_expect(strstr(churn_last_error(), "资费高") != NULL, "%s", churn_last_error());
  expect_codes(ds, UNMAPPED); /* nothing changed, not even the good first mapping */
  const char *empty[] = {""};
  ASSERT_FAILS(churn_dataset_set_reason_map(ds, empty, target, 1), CHURN_E_ARG, "empty");
  ASSERT_FAILS(churn_dataset_set_reason_map(NULL, label, target, 1), CHURN_E_ARG, "NULL");
  const char *bad = write_tmp("bad.csv", "label,reason\n搬迁,moving\n资费高,cheaper\n");
  ASSERT_FAILS(churn_dataset_read_reason_map_csv(ds, bad), CHURN_E_FORMAT, "line 3");
  cr_expect(strstr(churn_last_error(), "'cheaper'") != NULL, "%s", churn_last_error());
  expect_codes(ds, UNMAPPED);
  const char *three = write_tmp("three.csv", "搬迁,moving,extra\n");
  ASSERT_FAILS(churn_dataset_read_reason_map_csv(ds, three), CHURN_E_FORMAT, "line 1");
  ASSERT_FAILS(churn_dataset_read_reason_map_csv(ds, "/nonexistent/map.csv"), CHURN_E_IO,
               "/nonexistent/map.csv");
  churn_dataset_free(ds);
}

/* The same events through churn_dataset_append_events with a string code column; a retention
 * outcome that is not one of its names is still a bad value. */
Test(reason_map, string_code_column_of_append_events) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_tmp("subs.csv", SUBS), NULL));
  const char *label[] = {"搬迁"}, *target[] = {"moving"};
  ASSERT_OK(churn_dataset_set_reason_map(ds, label, target, 1));
  const char *id[] = {"A", "B", "C", "D", "E", "F", "F"};
  const char *code[] = {"搬迁", "搬迁", "资费高", "7", "搬迁", "RELOCATED", "maybe"};
  int64_t t0 = 1709251200; /* 2024-03-01 */
  int64_t time[] = {t0, t0 + 86400, t0 + 2 * 86400, t0 + 3 * 86400, t0 - 20 * 86400,
                    t0 + 4 * 86400, t0 + 5 * 86400};
  int64_t kind[] = {CHURN_EV_CANCEL, CHURN_EV_CANCEL, CHURN_EV_CANCEL, CHURN_EV_CANCEL,
                    CHURN_EV_CANCEL_REQUEST, CHURN_EV_CANCEL, CHURN_EV_RETENTION};
  churn_column cols[] = {{"subscriber_id", CHURN_STR, id, 7, NULL, 0},
                         {"time", CHURN_I64, time, 7, NULL, 0},
                         {"kind", CHURN_I64, kind, 7, NULL, 0},
                         {"code", CHURN_STR, code, 7, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, cols, 4, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  int64_t rejected = -1;
  ASSERT_OK(churn_dataset_ingest_count(ds, CHURN_COUNT_REJECTED, &rejected));
  cr_assert_eq(rejected, 1); /* "maybe" */
  const int want[6] = {CHURN_REASON_MOVING, CHURN_REASON_MOVING, CHURN_REASON_UNKNOWN,
                       CHURN_REASON_MOVING, CHURN_REASON_MOVING, CHURN_REASON_UNKNOWN};
  expect_codes(ds, want);
  const row rows[3] = {{"搬迁", "moving", "natural", 3},
                       {"资费高", "unknown", "unknown", 1},
                       {"RELOCATED", "unknown", "unknown", 1}};
  expect_labels(ds, rows, 3);
  churn_dataset_free(ds);
}

/* Written back to CSV an unmapped label is the code again (and a mapped one its reason); a
 * dataset file keeps labels and codes. */
Test(reason_map, round_trips) {
  churn_dataset *ds = read_all(NULL);
  const char *label[] = {"资费高"}, *target[] = {"price"};
  ASSERT_OK(churn_dataset_set_reason_map(ds, label, target, 1));
  char subs[512], ev[512], file[512];
  snprintf(subs, sizeof subs, "%s/rt_subs.csv", test_tmpdir());
  snprintf(ev, sizeof ev, "%s/rt_ev.csv", test_tmpdir());
  snprintf(file, sizeof file, "%s/rt.msgpack", test_tmpdir());
  ASSERT_OK(churn_dataset_write_csv(ds, subs, ev));
  ASSERT_OK(churn_dataset_save(ds, file));
  const int want[6] = {CHURN_REASON_UNKNOWN, CHURN_REASON_UNKNOWN, CHURN_REASON_PRICE,
                       CHURN_REASON_MOVING,  CHURN_REASON_UNKNOWN, CHURN_REASON_UNKNOWN};
  churn_dataset *back;
  ASSERT_OK(churn_dataset_new(&back));
  ASSERT_OK(churn_dataset_read_subscribers_csv(back, subs, NULL));
  ASSERT_OK(churn_dataset_read_events_csv(back, ev, NULL));
  ASSERT_OK(churn_dataset_finalize(back, NULL));
  expect_codes(back, want);
  const row csv_rows[2] = {{"搬迁", "unknown", "unknown", 3}, {"RELOCATED", "unknown", "unknown", 1}};
  expect_labels(back, csv_rows, 2);
  churn_dataset_free(back);
  ASSERT_OK(churn_dataset_load(file, &back));
  expect_codes(back, want);
  const row file_rows[3] = {{"搬迁", "unknown", "unknown", 3},
                            {"资费高", "price", "competitive", 1},
                            {"RELOCATED", "unknown", "unknown", 1}};
  expect_labels(back, file_rows, 3);
  churn_dataset_free(back);
  churn_dataset_free(ds);
}
