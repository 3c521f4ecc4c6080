/*
 * test_csv.c -- CSV ingestion (lib/csv.c): header-named schemas in any order, quoting, CRLF,
 * block boundaries, extra attributes, event names and codes, and every malformed-input case
 * (missing columns, unterminated quotes, wrong field counts, bad dates, non-numeric and
 * non-finite values, strict mode), asserting status, message and counts.  The Telco file is
 * read as a subscriber export, checked against values read off the file by hand.
 */
#include "helpers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *write_tmp(const char *name, const char *text) {
  static char path[8][512];
  static int k;
  char *p = path[k++ % 8];
  snprintf(p, 512, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  return p;
}

static int64_t count(const churn_dataset *ds, churn_ingest_counter c) {
  int64_t v = -1;
  ASSERT_OK(churn_dataset_ingest_count(ds, c, &v));
  return v;
}

static const void *subs_col(const churn_dataset *ds, const char *name, churn_dtype want) {
  churn_dtype dt;
  const void *p;
  ASSERT_OK(churn_dataset_subscriber_column(ds, name, &dt, &p));
  cr_assert_eq(dt, want, "column %s", name);
  return p;
}

/* The k-th kept rejection: row, column, reason. */
static void rejection(const churn_dataset *ds, int64_t k, int64_t *row, char *col, char *why) {
  churn_table *t;
  ASSERT_OK(churn_dataset_rejections(ds, &t));
  cr_assert_lt(k, churn_table_nrows(t));
  const int64_t *r;
  const char *const *c, *const *w;
  ASSERT_OK(churn_table_i64(t, 1, &r));
  ASSERT_OK(churn_table_str(t, 2, &c));
  ASSERT_OK(churn_table_str(t, 3, &w));
  *row = r[k];
  strcpy(col, c[k]);
  strcpy(why, w[k]);
  churn_table_free(t);
}

static const char *SUBS =
    "region,subscriber_id,activation,cancellation,price,vip,services,contract_end,plan,score\r\n"
    "north,S1,2024-03-01,,29.85,yes,2,2025-03-01T00:00:00Z,gold,1.5\r\n"
    "\"south, coast\",S2,2000-01-01T12:00:00Z,2024-02-29T23:59:59,56.95,0,1,,\"silver \"\"plus\"\"\",\r\n"
    "north,S3,2000-01-01T12:00:00+01:00,,,n,,,gold,-2e3\r\n";

static churn_dataset *load_subs(void) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_tmp("subs.csv", SUBS), NULL));
  return ds;
}

Test(csv, subscribers_file) {
  churn_dataset *ds = load_subs();
  cr_assert_eq(churn_dataset_num_subscribers(ds), 3);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 0);
  cr_assert_eq(count(ds, CHURN_COUNT_ROWS_READ), 3);
  /* expected times from Python's calendar.timegm */
  const int64_t *act = subs_col(ds, "activation", CHURN_I64);
  cr_assert_eq(act[0], 1709251200);
  cr_assert_eq(act[1], 946728000);
  cr_assert_eq(act[2], 946728000 - 3600); /* 12:00 at +01:00 is 11:00Z */
  const int64_t *canc = subs_col(ds, "cancellation", CHURN_I64);
  cr_assert_eq(canc[0], CHURN_TIME_NONE);
  cr_assert_eq(canc[1], 1709251199);
  const int64_t *ce = subs_col(ds, "contract_end", CHURN_I64);
  cr_assert_eq(ce[0], 1709251200 + 365 * 86400);
  const double *price = subs_col(ds, "price", CHURN_F64);
  cr_assert_eq(price[0], 29.85);
  cr_assert_eq(price[1], 56.95);
  cr_assert(isnan(price[2]));
  const uint8_t *vip = subs_col(ds, "vip", CHURN_U8);
  cr_assert_eq(vip[0], 1);
  cr_assert_eq(vip[1], 0);
  cr_assert_eq(vip[2], 0);
  const int32_t *services = subs_col(ds, "services", CHURN_I32);
  cr_assert_eq(services[0], 2);
  cr_assert_eq(services[2], -1);
  const int32_t *region = subs_col(ds, "region", CHURN_I32);
  cr_assert_eq(region[0], region[2]);
  const char *label;
  ASSERT_OK(churn_dataset_category_label(ds, "region", region[1], &label, NULL));
  cr_assert_str_eq(label, "south, coast");
  const int32_t *plan = subs_col(ds, "plan", CHURN_I32); /* text: categorical */
  ASSERT_OK(churn_dataset_category_label(ds, "plan", plan[1], &label, NULL));
  cr_assert_str_eq(label, "silver \"plus\"");
  const double *score = subs_col(ds, "score", CHURN_F64); /* all numbers: numeric */
  cr_assert_eq(score[0], 1.5);
  cr_assert(isnan(score[1]));
  cr_assert_eq(score[2], -2000.0);
  int64_t idx;
  ASSERT_OK(churn_dataset_find_subscriber(ds, "S3", &idx));
  cr_assert_eq(idx, 2);
  churn_dataset_free(ds);
}

Test(csv, telco_export_as_subscribers) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_INGEST_ID_COLUMN, "customerID"));
  ASSERT_OK(churn_dataset_read_subscribers_csv(
      ds, shared_data_path("telco/telco_customer_churn.csv"), o));
  /* 7043 customers (README of the data set); 11 have a blank TotalCharges */
  cr_assert_eq(churn_dataset_num_subscribers(ds), 7043);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 0);
  int64_t i;
  ASSERT_OK(churn_dataset_find_subscriber(ds, "5575-GNVDE", &i));
  cr_assert_eq(i, 1);
  const double *mc = subs_col(ds, "MonthlyCharges", CHURN_F64);
  cr_assert_eq(mc[0], 29.85);
  cr_assert_eq(mc[1], 56.95);
  const double *tc = subs_col(ds, "TotalCharges", CHURN_F64);
  cr_assert_eq(tc[1], 1889.5);
  int blanks = 0;
  for (int64_t k = 0; k < 7043; k++) blanks += isnan(tc[k]);
  cr_assert_eq(blanks, 11);
  const int32_t *contract = subs_col(ds, "Contract", CHURN_I32);
  const char *label;
  int32_t n;
  ASSERT_OK(churn_dataset_category_label(ds, "Contract", contract[1], &label, &n));
  cr_assert_str_eq(label, "One year");
  cr_assert_eq(n, 3);
  churn_options_free(o);
  churn_dataset_free(ds);
}

static const char *EVENTS =
    "time,subscriber_id,kind,amount,code,code2,due_date,first_contact,fixed_at,new_package,note\n"
    "2024-03-05T10:00:00Z,S1,bill,49.90,,,2024-03-19,,,,x\n"
    "2024-03-06T20:00:00Z,S1,view,95,sports,prime,,,,,\n"
    "2024-03-07,S2,fault,,3,,,2024-03-07T00:15:00Z,2024-03-08T06:00:00Z,,\n"
    "20240308,S2,cancel,,competitor,,,,,,\n"
    "2024-03-04,S1,package_change,79,up,,,,,premium,\n"
    "2024-03-06T21:00:00Z,S3,view,30,news,late,,,,,\n"
    "2024-03-06T22:00:00Z,S3,3,12.5,sports,0,,,,,\n"
    "2024-03-08,S3,retention,,no_answer,,,,,,\n";

Test(csv, events_file_with_names_codes_and_dates) {
  churn_dataset *ds = load_subs();
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("ev.csv", EVENTS), NULL));
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 0);
  cr_assert_eq(churn_dataset_num_events(ds), 8);
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  const int64_t *off;
  ASSERT_OK(churn_dataset_event_offsets(ds, &off));
  cr_assert_eq(off[1], 3);
  cr_assert_eq(off[2], 5);
  cr_assert_eq(off[3], 8);
  const int64_t *t = dataset_event_col(ds, "time");
  const uint8_t *kind = dataset_event_col(ds, "kind"), *code = dataset_event_col(ds, "code"), *code2 = dataset_event_col(ds, "code2");
  const double *v = dataset_event_col(ds, "value");
  const int32_t *aux1 = dataset_event_col(ds, "aux1"), *aux2 = dataset_event_col(ds, "aux2");
  /* S1, sorted by time: package_change (03-04), bill (03-05), view (03-06) */
  cr_assert_eq(kind[0], CHURN_EV_PACKAGE_CHANGE);
  cr_assert_eq(code[0], CHURN_PACKAGE_UP);
  cr_assert_eq(v[0], 79.0);
  const char *label;
  ASSERT_OK(churn_dataset_category_label(ds, "package", aux1[0], &label, NULL));
  cr_assert_str_eq(label, "premium");
  cr_assert_eq(kind[1], CHURN_EV_BILL);
  cr_assert_eq(v[1], 49.90);
  cr_assert_eq(t[1], 1709251200 + 4 * 86400 + 10 * 3600);
  cr_assert_eq(aux1[1], 1709251200 + 18 * 86400 - t[1]); /* due date - time */
  cr_assert_eq(kind[2], CHURN_EV_VIEW);
  cr_assert_eq(code2[2], CHURN_SLOT_PRIME);
  int32_t ngenres;
  ASSERT_OK(churn_dataset_category_label(ds, "view", code[2], &label, &ngenres));
  cr_assert_str_eq(label, "sports");
  cr_assert_eq(ngenres, 2); /* sports, news */
  /* S2: fault (03-07) then cancel (03-08 = 1709856000) */
  cr_assert_eq(kind[3], CHURN_EV_FAULT);
  cr_assert_eq(code[3], 3);
  cr_assert_eq(aux1[3], 15 * 60);
  cr_assert_eq(aux2[3], 30 * 3600);
  cr_assert_eq(kind[4], CHURN_EV_CANCEL);
  cr_assert_eq(code[4], CHURN_REASON_COMPETITOR);
  cr_assert_eq(t[4], 1709856000);
  cr_assert_eq(aux1[4], CHURN_AUX_NONE);
  /* S3: two views and a retention contact */
  cr_assert_eq(kind[6], CHURN_EV_VIEW);
  cr_assert_eq(code[6], code[2]); /* same genre label, same code */
  cr_assert_eq(kind[7], CHURN_EV_RETENTION);
  cr_assert_eq(code[7], CHURN_OUTCOME_NO_ANSWER);
  churn_dataset_free(ds);
}

Test(csv, malformed_values_are_rejected_with_line_column_reason) {
  churn_dataset *ds = load_subs();
  const char *text =
      "subscriber_id,time,kind,value,code\n"
      "S1,2024-03-05,bill,12.5,\n"          /* line 2: fine */
      "S1,2024-02-30,bill,12.5,\n"          /* line 3: no such day */
      "S1,2024-03-05,bill,twelve,\n"        /* line 4: not a number */
      "S1,2024-03-05,bill,NaN,\n"           /* line 5: non-finite */
      "S1,2024-03-05,bill,-inf,\n"          /* line 6: non-finite */
      "S1,2024-03-05,bill\n"                /* line 7: 3 fields of 5 */
      "S1,2024-03-05,teleport,1,\n"         /* line 8: unknown kind */
      "S1,2024-03-05,retention,,because\n"  /* line 9: unknown outcome name (an unknown
                                               * cancel reason is a label: kept) */
      "S1,2024-03-05,bill,,\n"              /* line 10: a bill needs a value */
      "S1,2023-01-01,bill,1,\n"             /* line 11: before activation 2024-03-01 */
      "S1,2024-03-05,view,5,300\n"          /* line 12: code out of range */
      "S1,2024-03-05T25:00:00,heartbeat,,\n"/* line 13: hour 25 */
      "S1,2024-03-06,heartbeat,,\n";        /* line 14: fine */
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("bad.csv", text), NULL));
  cr_assert_eq(churn_dataset_num_events(ds), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_ROWS_READ), 3 + 13);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 11);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_NON_FINITE), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_MISSING_VALUE), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BEFORE_ACTIVATION), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BAD_VALUE), 7);
  struct { int64_t line; const char *col, *why; } want[] = {
      {3, "time", "bad time '2024-02-30'"}, {4, "value", "not a number 'twelve'"},
      {5, "value", "non-finite"},            {6, "value", "non-finite"},
      {7, "", "expected 5 fields, found 3"}, {8, "kind", "unknown event kind 'teleport'"},
      {9, "code", "bad code 'because'"},     {10, "value", "missing value"},
      {11, "time", "before"},                {12, "code", "bad code '300'"},
      {13, "time", "bad time"}};
  for (int k = 0; k < 11; k++) {
    int64_t row;
    char col[64], why[512];
    rejection(ds, k, &row, col, why);
    cr_assert_eq(row, want[k].line, "rejection %d: line %lld", k, (long long)row);
    cr_assert_str_eq(col, want[k].col, "rejection %d", k);
    cr_assert(strstr(why, want[k].why) != NULL, "rejection %d: '%s' lacks '%s'", k, why,
              want[k].why);
  }
  churn_dataset_free(ds);
}

/* A UTF-8 byte order mark before the header is dropped (else the first column would be
 * "\xEF\xBB\xBFsubscriber_id" and the file would lack its id column), and aux1 / aux2 take
 * int32 values except INT32_MIN, which stands for "not given" (CHURN_AUX_NONE):
 *   line 2: aux1 7, aux2 -2147483647 (INT32_MIN + 1): kept
 *   line 3: aux1 2147483648 (INT32_MAX + 1): rejected, "not an int32"
 *   line 4: aux2 -2147483648 (INT32_MIN): rejected
 *   line 5: aux1 1.5: rejected
 *   line 6: aux1 2147483647 (INT32_MAX), aux2 empty (CHURN_AUX_NONE): kept */
Test(csv, byte_order_mark_and_int32_aux_columns) {
  churn_dataset *ds = load_subs();
  const char *text = "\xEF\xBB\xBFsubscriber_id,time,kind,aux1,aux2\n"
                     "S1,2024-03-05,heartbeat,7,-2147483647\n"
                     "S1,2024-03-05,heartbeat,2147483648,\n"
                     "S1,2024-03-05,heartbeat,,-2147483648\n"
                     "S1,2024-03-05,heartbeat,1.5,\n"
                     "S1,2024-03-06,heartbeat,2147483647,\n";
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("bom.csv", text), NULL));
  cr_assert_eq(churn_dataset_num_events(ds), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 3);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BAD_VALUE), 3);
  const int32_t *aux1 = dataset_event_col(ds, "aux1"), *aux2 = dataset_event_col(ds, "aux2");
  cr_assert(aux1[0] == 7 && aux2[0] == -2147483647, "%d %d", aux1[0], aux2[0]);
  cr_assert(aux1[1] == INT32_MAX && aux2[1] == CHURN_AUX_NONE, "%d %d", aux1[1], aux2[1]);
  struct { int64_t line; const char *col, *why; } want[] = {
      {3, "aux1", "not an int32 '2147483648'"},
      {4, "aux2", "not an int32 '-2147483648'"},
      {5, "aux1", "not an int32 '1.5'"}};
  for (int k = 0; k < 3; k++) {
    int64_t row;
    char col[64], why[512];
    rejection(ds, k, &row, col, why);
    cr_assert_eq(row, want[k].line, "rejection %d: line %lld", k, (long long)row);
    cr_assert_str_eq(col, want[k].col, "rejection %d", k);
    cr_assert(strstr(why, want[k].why) != NULL, "rejection %d: '%s' lacks '%s'", k, why,
              want[k].why);
  }
  churn_dataset_free(ds);
}

Test(csv, broken_files_fail_with_status_and_line) {
  churn_dataset *ds = load_subs();
  ASSERT_FAILS(churn_dataset_read_events_csv(ds, write_tmp("nokind.csv",
                                             "subscriber_id,time,value\nS1,2024-03-05,1\n"), NULL),
               CHURN_E_SCHEMA, "no column 'kind'");
  ASSERT_FAILS(churn_dataset_read_events_csv(ds, write_tmp("empty.csv", ""), NULL), CHURN_E_FORMAT,
               "empty file");
  ASSERT_FAILS(churn_dataset_read_events_csv(ds, "/nonexistent/dir/ev.csv", NULL), CHURN_E_IO,
               "/nonexistent/dir/ev.csv");
  const char *unterminated = "subscriber_id,time,kind\nS1,2024-03-05,heartbeat\n"
                             "S1,2024-03-06,\"heartbeat\nS1,2024-03-07,heartbeat\n";
  ASSERT_FAILS(churn_dataset_read_events_csv(ds, write_tmp("quote.csv", unterminated), NULL),
               CHURN_E_FORMAT, "line 3: unterminated quoted field");
  /* nothing of the failed files stays */
  cr_assert_eq(churn_dataset_num_events(ds), 0);
  ASSERT_FAILS(churn_dataset_read_subscribers_csv(ds, write_tmp("noid.csv", "id,region\nx,y\n"),
                                                  NULL),
               CHURN_E_SCHEMA, "no column 'subscriber_id'");
  ASSERT_FAILS(churn_dataset_read_subscribers_csv(
                   ds, write_tmp("twice.csv", "subscriber_id,region,region\nx,y,z\n"), NULL),
               CHURN_E_SCHEMA, "'region' appears twice");
  ASSERT_FAILS(churn_dataset_read_events_csv(NULL, "x", NULL), CHURN_E_ARG, "NULL");
  /* unknown subscriber: fails by default, naming id and line */
  ASSERT_FAILS(churn_dataset_read_events_csv(
                   ds, write_tmp("unk.csv", "subscriber_id,time,kind\nS1,2024-03-05,heartbeat\n"
                                            "S9,2024-03-05,heartbeat\n"), NULL),
               CHURN_E_NOT_FOUND, "row 3: unknown subscriber id 'S9'");
  cr_assert_eq(churn_dataset_num_events(ds), 0);
  churn_dataset_free(ds);
}

Test(csv, subscriber_rows_rejected) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  const char *text = "subscriber_id,activation,price,vip,services\n"
                     "a,2024-01-01,1,0,1\n"
                     "b,01/02/2024,1,0,1\n"   /* line 3: not ISO */
                     "c,2024-01-01,abc,0,1\n" /* line 4 */
                     "d,2024-01-01,inf,0,1\n" /* line 5: non-finite price */
                     "e,2024-01-01,1,maybe,1\n" /* line 6 */
                     "f,2024-01-01,1,0,1.5\n" /* line 7 */
                     "a,2024-01-01,1,0,1\n"   /* line 8: duplicate id */
                     ",2024-01-01,1,0,1\n";   /* line 9: missing id */
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_tmp("s.csv", text), NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_ROWS_READ), 8);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 7);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_DUPLICATE_ID), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_NON_FINITE), 1);
  int64_t lines[] = {3, 4, 5, 6, 7, 8, 9};
  const char *cols[] = {"activation", "price", "price", "vip", "services", "subscriber_id",
                        "subscriber_id"};
  for (int k = 0; k < 7; k++) {
    int64_t row;
    char col[64], why[512];
    rejection(ds, k, &row, col, why);
    cr_assert_eq(row, lines[k], "rejection %d: line %lld (%s)", k, (long long)row, why);
    cr_assert_str_eq(col, cols[k], "rejection %d", k);
  }
  churn_dataset_free(ds);
}

Test(csv, strict_mode_fails_on_first_rejection_and_rolls_back) {
  churn_dataset *ds = load_subs();
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_STRICT, 1));
  const char *text = "subscriber_id,time,kind,value\nS1,2024-03-05,bill,1\n"
                     "S2,2024-03-05,bill,x\nS3,2024-03-05,bill,2\n";
  const char *path = write_tmp("strict.csv", text);
  ASSERT_FAILS(churn_dataset_read_events_csv(ds, path, o), CHURN_E_REJECTED, "row 3");
  cr_assert(strstr(churn_last_error(), "not a number 'x'") != NULL, "%s", churn_last_error());
  cr_assert_eq(churn_dataset_num_events(ds), 0);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 0);
  ASSERT_OK(churn_dataset_read_events_csv(ds, path, NULL));
  cr_assert_eq(churn_dataset_num_events(ds), 2);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 1);
  churn_options_free(o);
  churn_dataset_free(ds);
}

/* A file with quoted ids holding newlines and "" escapes, read with the smallest block (4 KiB)
 * so that records straddle block boundaries, must give the same log as one big block. */
Test(csv, block_boundaries_do_not_change_the_result) {
  enum { S = 40, N = 3000 };
  char *subs = malloc(64 * S + 64), *ev = malloc(96 * N + 64);
  size_t ls = (size_t)sprintf(subs, "subscriber_id\n");
  for (int s = 0; s < S; s++) ls += (size_t)sprintf(subs + ls, "\"id \"\"%d\"\"\n line\"\r\n", s);
  size_t le = (size_t)sprintf(ev, "subscriber_id,time,kind,value\r\n");
  for (int i = 0; i < N; i++) {
    le += (size_t)sprintf(ev + le, "\"id \"\"%d\"\"\n line\",%d,view,%d.25\r\n", (i * 7) % S,
                          1700000000 + i, i);
  }
  const char *sp = write_tmp("bs.csv", subs), *ep = write_tmp("be.csv", ev);
  churn_options *small;
  ASSERT_OK(churn_options_new(&small));
  ASSERT_OK(churn_options_set_int(small, CHURN_OPT_INGEST_BLOCK_SIZE, 4096));
  ASSERT_OK(churn_options_set_int(small, CHURN_OPT_INGEST_UNIX_TIMES, 1)); /* times 1700000000+i */
  churn_options *unix_times;
  ASSERT_OK(churn_options_new(&unix_times));
  ASSERT_OK(churn_options_set_int(unix_times, CHURN_OPT_INGEST_UNIX_TIMES, 1));
  churn_dataset *a, *b;
  ASSERT_OK(churn_dataset_new(&a));
  ASSERT_OK(churn_dataset_new(&b));
  ASSERT_OK(churn_dataset_read_subscribers_csv(a, sp, small));
  ASSERT_OK(churn_dataset_read_events_csv(a, ep, small));
  ASSERT_OK(churn_dataset_read_subscribers_csv(b, sp, NULL));
  ASSERT_OK(churn_dataset_read_events_csv(b, ep, unix_times));
  churn_options_free(unix_times);
  cr_assert_eq(churn_dataset_num_subscribers(a), S);
  cr_assert_eq(churn_dataset_num_events(a), N);
  cr_assert_eq(count(a, CHURN_COUNT_REJECTED), 0);
  const char *id;
  ASSERT_OK(churn_dataset_subscriber_id(a, 3, &id));
  cr_assert_str_eq(id, "id \"3\"\n line");
  const int32_t *sa = dataset_event_col(a, "subscriber"), *sb = dataset_event_col(b, "subscriber");
  const double *va = dataset_event_col(a, "value"), *vb = dataset_event_col(b, "value");
  for (int i = 0; i < N; i++) {
    cr_assert_eq(sa[i], (i * 7) % S);
    cr_assert_eq(sa[i], sb[i]);
    cr_assert_eq(va[i], i + 0.25);
    cr_assert_eq(va[i], vb[i]);
  }
  /* line numbers count the newlines inside quotes: the bad row is on line 2 + 2 * N */
  FILE *f = fopen(ep, "ab");
  fputs("\"id \"\"1\"\"\n line\",notatime,view,1\r\n", f);
  fclose(f);
  churn_dataset_free(a);
  ASSERT_OK(churn_dataset_new(&a));
  ASSERT_OK(churn_dataset_read_subscribers_csv(a, sp, small));
  ASSERT_OK(churn_dataset_read_events_csv(a, ep, small));
  int64_t row;
  char col[64], why[512];
  rejection(a, 0, &row, col, why);
  cr_assert_eq(row, 2 + 2 * N, "line %lld", (long long)row);
  churn_options_free(small);
  churn_dataset_free(a);
  churn_dataset_free(b);
  free(subs);
  free(ev);
}

Test(csv, delimiter_option_and_unknown_subscriber_create) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_string(o, CHURN_OPT_INGEST_DELIMITER, ";"));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_UNKNOWN, 2));
  const char *text = "subscriber_id;time;kind;value\nu1;2024-03-05;payment;3,5\n"
                     "u2;2024-03-05;payment;4\n";
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("semi.csv", text), o));
  /* "3,5" is not a number in this library (decimal point only): the row is rejected, and a
   * rejected row creates no subscriber */
  cr_assert_eq(churn_dataset_num_events(ds), 1);
  cr_assert_eq(churn_dataset_num_subscribers(ds), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_SUBSCRIBERS_CREATED), 1);
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED_BAD_VALUE), 1);
  churn_options_free(o);
  churn_dataset_free(ds);
}

/* Random damage to a valid file (quotes, separators, line ends, NUL and high bytes, cuts) must
 * give a status, never a crash or a leak (this suite also runs under ASan+UBSan). */
Test(csv, damaged_files_never_crash) {
  size_t n0 = strlen(EVENTS);
  char *buf = malloc(n0 + 64);
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_BLOCK_SIZE, 4096));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_UNKNOWN, 1));
  srand(3);
  static const char noise[] = {'"', ',', '\n', '\r', '\0', (char)0xff, 'x', '9', '-', ':'};
  for (int round = 0; round < 400; round++) {
    memcpy(buf, EVENTS, n0);
    size_t n = n0;
    for (int m = 0; m < 1 + round % 6; m++) buf[rand() % n] = noise[rand() % sizeof noise];
    if (round % 5 == 0) n = (size_t)rand() % n;
    char name[32];
    snprintf(name, sizeof name, "dmg%d.csv", round % 4);
    const char *path = write_tmp(name, "");
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    churn_dataset *ds = load_subs();
    churn_status st = churn_dataset_read_events_csv(ds, path, o);
    cr_assert(st == CHURN_OK || st == CHURN_E_FORMAT || st == CHURN_E_SCHEMA, "round %d: %s %s",
              round, churn_status_name(st), churn_last_error());
    if (st == CHURN_OK) ASSERT_OK(churn_dataset_finalize(ds, NULL));
    churn_dataset_free(ds);
  }
  churn_options_free(o);
  free(buf);
}

Test(csv, damaged_subscriber_files_never_crash) {
  size_t n0 = strlen(SUBS);
  char *buf = malloc(n0 + 64);
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_BLOCK_SIZE, 4096));
  srand(5);
  static const char noise[] = {'"', ',', '\n', '\r', '\0', (char)0xff, 'x', '9', '-', ':'};
  for (int round = 0; round < 400; round++) {
    memcpy(buf, SUBS, n0);
    size_t n = n0;
    for (int m = 0; m < 1 + round % 6; m++) buf[rand() % n] = noise[rand() % sizeof noise];
    if (round % 5 == 0) n = (size_t)rand() % n;
    const char *path = write_tmp("dmgs.csv", "");
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    churn_dataset *ds;
    ASSERT_OK(churn_dataset_new(&ds));
    churn_status st = churn_dataset_read_subscribers_csv(ds, path, o);
    cr_assert(st == CHURN_OK || st == CHURN_E_FORMAT || st == CHURN_E_SCHEMA, "round %d: %s %s",
              round, churn_status_name(st), churn_last_error());
    churn_dataset_free(ds);
  }
  churn_options_free(o);
  free(buf);
}

/* --- issue 21: nothing misread, nothing lost ------------------------------------------------ */

/* Checks the k-th kept report entry's line, column and that its reason holds `why`. */
static void want_rejection(const churn_dataset *ds, int64_t k, int64_t line, const char *col,
                           const char *why) {
  int64_t row;
  char c[256], w[512];
  rejection(ds, k, &row, c, w);
  cr_assert_eq(row, line, "entry %lld: line %lld, wanted %lld (%s)", (long long)k, (long long)row,
               (long long)line, w);
  cr_assert_str_eq(c, col, "entry %lld (%s)", (long long)k, w);
  cr_assert(strstr(w, why) != NULL, "entry %lld: '%s' lacks '%s'", (long long)k, w, why);
}

/* #4: 20240701 is a date; the Excel serial 45474 and Unix seconds are rejected rows unless
 * CHURN_OPT_INGEST_UNIX_TIMES says they are seconds.  Times by calendar.timegm. */
Test(csv, bare_integers_in_date_columns) {
  const char *subs = "subscriber_id,activation\nS1,20240301\nS2,45474\nS3,1709251200\n";
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_tmp("bare_s.csv", subs), NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 1);
  cr_assert_eq(((const int64_t *)subs_col(ds, "activation", CHURN_I64))[0], 1709251200);
  want_rejection(ds, 0, 3, "activation", "bad date '45474'");
  want_rejection(ds, 1, 4, "activation", "bad date '1709251200'");
  const char *ev = "subscriber_id,time,kind,value,due_date\n"
                   "S1,20240701,bill,10,20240715\n"   /* due 14 days later */
                   "S1,45474,bill,10,\n"              /* Excel serial: rejected */
                   "S1,2024-07-02,bill,10,1720000000\n"; /* Unix due date: rejected */
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("bare_e.csv", ev), NULL));
  cr_assert_eq(churn_dataset_num_events(ds), 1);
  cr_assert_eq(((const int64_t *)dataset_event_col(ds, "time"))[0], 1719792000);
  cr_assert_eq(((const int32_t *)dataset_event_col(ds, "aux1"))[0], 14 * 86400);
  want_rejection(ds, 2, 3, "time", "bad time '45474'");
  want_rejection(ds, 3, 4, "due_date", "bad date '1720000000'");
  churn_dataset_free(ds);
  /* with the option, bare integers other than 8 digits are Unix seconds */
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  churn_option key;
  ASSERT_OK(churn_option_find("ingest.unix_times", &key));
  cr_assert_eq(key, CHURN_OPT_INGEST_UNIX_TIMES);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_UNIX_TIMES, 1));
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, write_tmp("bare_s2.csv", subs), o));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 3);
  const int64_t *act = subs_col(ds, "activation", CHURN_I64);
  cr_assert_eq(act[0], 1709251200);
  cr_assert_eq(act[1], 45474);
  cr_assert_eq(act[2], 1709251200);
  churn_options_free(o);
  churn_dataset_free(ds);
}

/* #6, #7, #9, #11: text after a closing quote, a NUL byte, invalid UTF-8 (GB18030 bytes) are
 * rejected rows naming line, column and byte; unquoted edge blanks of header names, ids and
 * labels are padding, quoted ones are kept. */
Test(csv, hostile_fields_are_rejected_and_padding_trimmed) {
  static const char subs[] =
      "subscriber_id, region ,price\n"
      "S1 ,north,\"12\"5\n"              /* line 2: "12"5 -> rejected (was 12.0) */
      "S2,nor\0th,3\n"                   /* line 3: NUL in a label */
      "S3,\xB1\xB1\xBE\xA9,4\n"          /* line 4: GB18030 for 北京 */
      "S4,\xE5\x8C\x97\xE4\xBA\xAC,5\n"  /* line 5: UTF-8 北京: fine */
      "\" S5 \",south ,6\n"              /* line 6: quoted blanks kept, unquoted trimmed */
      " S1,west,7\n";                    /* line 7: " S1" is S1: rows 2 rejected, so fine */
  const char *p = test_tmpdir();
  char path[600];
  snprintf(path, sizeof path, "%s/hostile_s.csv", p);
  FILE *f = fopen(path, "wb");
  fwrite(subs, 1, sizeof subs - 1, f);
  fclose(f);
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, path, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 3);
  const char *id;
  ASSERT_OK(churn_dataset_subscriber_id(ds, 0, &id));
  cr_assert_str_eq(id, "S4");
  ASSERT_OK(churn_dataset_subscriber_id(ds, 1, &id));
  cr_assert_str_eq(id, " S5 ");
  ASSERT_OK(churn_dataset_subscriber_id(ds, 2, &id));
  cr_assert_str_eq(id, "S1");
  const int32_t *region = subs_col(ds, "region", CHURN_I32);  /* " region " is region */
  const char *label;
  ASSERT_OK(churn_dataset_category_label(ds, "region", region[0], &label, NULL));
  cr_assert_str_eq(label, "\xE5\x8C\x97\xE4\xBA\xAC");
  ASSERT_OK(churn_dataset_category_label(ds, "region", region[1], &label, NULL));
  cr_assert_str_eq(label, "south");
  want_rejection(ds, 0, 2, "price", "text after the closing quote");
  want_rejection(ds, 1, 3, "region", "a NUL byte at byte 4");
  want_rejection(ds, 2, 4, "region", "invalid UTF-8: byte 0xB1 at byte 1");
  /* events: the same checks on ids, code labels and the time field */
  static const char ev[] =
      "subscriber_id,time,kind,value,code\n"
      "S4,2024-03-05,view,\"12\"5,news\n"      /* line 2 */
      "S4\0x,2024-03-05,view,1,news\n"         /* line 3: NUL in the id */
      "S4,2024-03-05,view,1,\xB2\xA5\n"        /* line 4: GB18030 genre */
      "S4 ,2024-03-05,view,1, news \n"         /* line 5: fine, id and label trimmed */
      "S4,2024-03-05,view,\"1\"\0,news\n";       /* line 6: a NUL after a closing quote */
  snprintf(path, sizeof path, "%s/hostile_e.csv", p);
  f = fopen(path, "wb");
  fwrite(ev, 1, sizeof ev - 1, f);
  fclose(f);
  ASSERT_OK(churn_dataset_read_events_csv(ds, path, NULL));
  cr_assert_eq(churn_dataset_num_events(ds), 1);
  cr_assert_eq(((const int32_t *)dataset_event_col(ds, "subscriber"))[0], 0);
  int32_t n = 0;
  ASSERT_OK(churn_dataset_category_label(ds, "view", 0, &label, &n));
  cr_assert_str_eq(label, "news");
  cr_assert_eq(n, 1, "no raw-byte genre was interned");
  want_rejection(ds, 3, 2, "value", "text after the closing quote");
  want_rejection(ds, 4, 3, "subscriber_id", "a NUL byte at byte 3");
  want_rejection(ds, 5, 4, "code", "invalid UTF-8: byte 0xB2 at byte 1");
  want_rejection(ds, 6, 6, "value", "text after the closing quote");
  churn_dataset_free(ds);
}

/* #8: an events column the reader does not know is reported (not silently dropped); duplicate
 * names and value next to its alias amount fail. */
Test(csv, unknown_duplicate_and_aliased_event_columns) {
  churn_dataset *ds = load_subs();
  const char *text = "subscriber_id,time,kind,value,reason,Code\n"
                     "S1,2024-03-05,cancel,,price,competitor\n";
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("unk.csv", text), NULL));
  cr_assert_eq(count(ds, CHURN_COUNT_REJECTED), 0, "ignored columns are not rejected rows");
  want_rejection(ds, 0, 1, "reason", "not an events column: ignored");
  want_rejection(ds, 1, 1, "Code", "did you mean 'code'?");
  /* past five ignored columns one entry counts the rest (room is kept for rejected rows) */
  churn_dataset_free(ds);
  ds = load_subs();
  ASSERT_OK(churn_dataset_read_events_csv(
      ds, write_tmp("unk8.csv", "subscriber_id,time,kind,a,b,c,d,e,f,g,h\nS1,2024-03-05,heartbeat,,,,,,,,\n"), NULL));
  want_rejection(ds, 4, 1, "e", "not an events column: ignored");
  want_rejection(ds, 5, 1, "", "3 more columns that are not events columns: ignored");
  churn_table *t;
  ASSERT_OK(churn_dataset_rejections(ds, &t));
  cr_assert_eq(churn_table_nrows(t), 6);
  churn_table_free(t);
  ASSERT_FAILS(churn_dataset_read_events_csv(
                   ds, write_tmp("dup.csv", "subscriber_id,time,kind,code,code\nS1,2024-03-05,heartbeat,1,2\n"), NULL),
               CHURN_E_SCHEMA, "column 'code' appears twice");
  ASSERT_FAILS(churn_dataset_read_events_csv(
                   ds, write_tmp("alias.csv", "subscriber_id,time,kind,value,amount\nS1,2024-03-05,bill,1,2\n"), NULL),
               CHURN_E_SCHEMA, "'value' and 'amount'");
  churn_dataset_free(ds);
}

/* #12: cancel code 99 is as unknown as a bad reason name; "007" is a genre label, not code 7;
 * the delimiter may not be a quote or a line break; a quoted empty line is a counted row. */
Test(csv, codes_delimiters_and_quoted_empty_lines) {
  churn_dataset *ds = load_subs();
  const char *text = "subscriber_id,time,kind,value,code\n"
                     "S1,2024-03-05,cancel,,99\n"       /* line 2: no reason 99 */
                     "S1,2024-03-05,cancel,,10\n"       /* line 3: package_fit, the last */
                     "S1,2024-03-05,view,5,007\n"       /* line 4: a label */
                     "\"\"\n"                           /* line 5: a quoted empty field */
                     "\n"                               /* line 6: blank, skipped */
                     "S1,2024-03-06,view,5,7\n";        /* line 7: genre code 7 */
  ASSERT_OK(churn_dataset_read_events_csv(ds, write_tmp("codes.csv", text), NULL));
  cr_assert_eq(churn_dataset_num_events(ds), 3);
  cr_assert_eq(count(ds, CHURN_COUNT_ROWS_READ), 3 + 5);
  want_rejection(ds, 0, 2, "code", "bad code '99'");
  want_rejection(ds, 1, 5, "", "expected 5 fields, found 1");
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  const uint8_t *code = dataset_event_col(ds, "code"), *kind = dataset_event_col(ds, "kind");
  const char *label;
  int found007 = 0, found7 = 0;
  for (int i = 0; i < 3; i++) {
    if (kind[i] == CHURN_EV_CANCEL) cr_assert_eq(code[i], CHURN_REASON_PACKAGE_FIT);
    if (kind[i] != CHURN_EV_VIEW) continue;
    if (code[i] == 7) found7++;
    else if (churn_dataset_category_label(ds, "view", code[i], &label, NULL) == CHURN_OK &&
             strcmp(label, "007") == 0) found007++;
  }
  cr_assert(found007 == 1 && found7 == 1, "007 -> label, 7 -> code 7 (%d, %d)", found007, found7);
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  const char *bad[] = {"\"", "\n", "\r"};
  for (int k = 0; k < 3; k++) {
    ASSERT_OK(churn_options_set_string(o, CHURN_OPT_INGEST_DELIMITER, bad[k]));
    ASSERT_FAILS(churn_dataset_read_events_csv(ds, write_tmp("codes.csv", text), o), CHURN_E_ARG,
                 "ingest.delimiter");
  }
  churn_options_free(o);
  churn_dataset_free(ds);
}

/* #16: a byte order mark before a quoted header; UTF-16 named as such. */
Test(csv, bom_before_quoted_header_and_utf16) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(
      ds, write_tmp("bom.csv", "\xEF\xBB\xBF\"subscriber_id\",\"region\"\nS1,north\n"), NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 1);
  static const char u16[] = "\xFF\xFEs\0u\0b\0,\0";
  char path[600];
  snprintf(path, sizeof path, "%s/u16.csv", test_tmpdir());
  FILE *f = fopen(path, "wb");
  fwrite(u16, 1, sizeof u16 - 1, f);
  fclose(f);
  ASSERT_FAILS(churn_dataset_read_subscribers_csv(ds, path, NULL), CHURN_E_FORMAT, "UTF-16");
  /* UTF-16 without a byte order mark: NUL bytes in the header */
  f = fopen(path, "wb");
  fwrite(u16 + 2, 1, sizeof u16 - 3, f);
  fclose(f);
  ASSERT_FAILS(churn_dataset_read_subscribers_csv(ds, path, NULL), CHURN_E_FORMAT, "is the file UTF-16?");
  churn_dataset_free(ds);
}
