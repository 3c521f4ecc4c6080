/*
 * test_mapping.c -- churn_dataset_read_mapping on small hand-made operator exports (Chinese
 * headers, GB18030, local dates, thousands separators, [reasons]) whose expected values are
 * worked out in the comments; bad mappings failing before anything is read, naming section and
 * key; the utc_offset recorded and saved; the per-file summary.
 */
#include "helpers.h"

#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Writes UTF-8 text to dir/name, converted to GB18030 when gb is true (glibc iconv). */
static void put(const char *dir, const char *name, const char *text, bool gb) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  cr_assert(f != NULL);
  if (!gb) {
    fwrite(text, 1, strlen(text), f);
  } else {
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    char out[8192], *ip = (char *)text, *op = out;
    size_t il = strlen(text), ol = sizeof out;
    cr_assert(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    fwrite(out, 1, (size_t)(op - out), f);
  }
  fclose(f);
}

static const char *mapdir(const char *sub) {
  static char dir[512];
  snprintf(dir, sizeof dir, "%s/%s", test_tmpdir(), sub);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
  cr_assert(system(cmd) == 0);
  return dir;
}

static const char *MAPPING =
    "[input]\n"
    "encoding = gb18030          ; utf-8 (default), gb18030, gbk\n"
    "date_format = %Y%m%d\n"
    "utc_offset = +08:00\n"
    "number_format = 1,234.50\n"
    "[subscribers]\n"
    "file = users.csv\n"
    "subscriber_id = 用户编号\n"
    "activation = 开户日期\n"
    "cancellation = 销户日期\n"
    "region = 区域\n"
    "[events:bill]\n"
    "file = bills.csv\n"
    "subscriber_id = 用户编号\n"
    "time = 账期\n"
    "value = 应收金额\n"
    "[events:cancel]\n"
    "file = cancels.csv\n"
    "subscriber_id = 用户编号\n"
    "time = 销户时间\n"
    "time_format = %Y-%m-%d %H:%M:%S\n"
    "code = 销户原因\n"
    "[reasons]\n"
    "搬迁 = moving\n"
    "资费太贵 = competitive\n";

/* The hand-made exports.  Times are local (+08:00), so 2024-01-01 local midnight is
 * 2023-12-31T16:00:00Z = 1704067200 - 28800 = 1704038400. */
static void write_exports(const char *dir) {
  put(dir, "mapping.ini", MAPPING, false);
  put(dir, "users.csv",
      "用户编号,开户日期,销户日期,区域\n"
      "U1,20240101,,北区\n"        /* line 2: kept */
      "U2,20240230,,南区\n"        /* line 3: 30 February: rejected */
      "U3,1704067200,,南区\n"      /* line 4: a bare number with %Y%m%d: rejected */
      "U4,20240115,20240601,南区\n", /* line 5: kept */
      true);
  put(dir, "bills.csv",
      "用户编号,账期,应收金额\n"
      "U1,20240201,\"1,234.50\"\n" /* 2024-02-01 local = 1706745600 - 28800; 1234.5 */
      "U1,20240301,¥88.00\n"       /* 2024-03-01 local = 1709251200 - 28800; 88 */
      "U1,20240401,12x\n"          /* line 4: not a number */
      "U4,20240201,\"12,34\"\n",   /* line 5: a group of 2 digits: not a number */
      true);
  put(dir, "cancels.csv",
      "用户编号,销户时间,销户原因\n"
      "U4,2024-06-01 08:30:00,搬迁\n"     /* 2024-06-01T00:30:00Z = 1717200000 + 1800; moving */
      "U1,2024-05-02 09:00:00,天气不好\n"  /* label not mapped: reason unknown, counted */
      "U4,2024-06-01 08:31:00,资费太贵\n", /* category competitive -> other_competitive */
      true);
}

Test(mapping, hand_made_exports_read_with_formats_encodings_and_reasons) {
  const char *dir = mapdir("ok");
  write_exports(dir);
  char path[600];
  snprintf(path, sizeof path, "%s/mapping.ini", dir);
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  churn_table *sum = NULL;
  ASSERT_OK(churn_dataset_read_mapping(ds, path, NULL, &sum));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 2);
  cr_assert_eq(churn_dataset_num_events(ds), 5);
  const int64_t *act = dataset_subscriber_col(ds, "activation");
  const int64_t *canc = dataset_subscriber_col(ds, "cancellation");
  int64_t i1, i4;
  ASSERT_OK(churn_dataset_find_subscriber(ds, "U1", &i1));
  ASSERT_OK(churn_dataset_find_subscriber(ds, "U4", &i4));
  cr_assert_eq(act[i1], 1704038400LL);
  cr_assert_eq(canc[i1], CHURN_TIME_NONE);
  /* 2024-01-15 = 1704067200 + 14 days; 2024-06-01 = 1717200000; both minus 8 h */
  cr_assert_eq(act[i4], 1704067200LL + 14 * 86400 - 28800);
  cr_assert_eq(canc[i4], 1717200000LL - 28800);
  const int64_t *tm = dataset_event_col(ds, "time");
  const uint8_t *kind = dataset_event_col(ds, "kind");
  const uint8_t *code = dataset_event_col(ds, "code");
  const double *val = dataset_event_col(ds, "value");
  const int32_t *sub = dataset_event_col(ds, "subscriber");
  /* sorted by (subscriber, time): U1 bill Feb, bill Mar, cancel May 2; U4 cancel 00:30, 00:31 */
  int64_t want_t[5] = {1706745600LL - 28800, 1709251200LL - 28800,
                       1714521600LL + 86400 + 3600, 1717200000LL + 1800, 1717200000LL + 1860};
  int want_k[5] = {CHURN_EV_BILL, CHURN_EV_BILL, CHURN_EV_CANCEL, CHURN_EV_CANCEL,
                   CHURN_EV_CANCEL};
  int want_c[5] = {0, 0, CHURN_REASON_UNKNOWN, CHURN_REASON_MOVING,
                   CHURN_REASON_OTHER_COMPETITIVE};
  double want_v[5] = {1234.5, 88.0, 0, 0, 0};
  int64_t want_s[5] = {i1, i1, i1, i4, i4};
  for (int e = 0; e < 5; e++) {
    cr_assert_eq(tm[e], want_t[e], "event %d time %lld", e, (long long)tm[e]);
    cr_assert_eq(kind[e], want_k[e], "event %d", e);
    cr_assert_eq(code[e], want_c[e], "event %d", e);
    cr_assert_eq(val[e], want_v[e], "event %d", e);
    cr_assert_eq(sub[e], want_s[e], "event %d", e);
  }
  int64_t off;
  ASSERT_OK(churn_dataset_utc_offset(ds, &off));
  cr_assert_eq(off, 28800);
  /* the summary: users 4 read, 2 stored, 2 rejected (first line 3, column 开户日期); bills 4,
   * 2, 2 (line 4, 应收金额); cancels 3, 3, 0 with 1 unmapped label */
  cr_assert_eq(churn_table_nrows(sum), 3);
  const int64_t *rd = table_i64(sum, "rows_read"), *st = table_i64(sum, "rows_stored"),
                *rj = table_i64(sum, "rows_rejected"), *um = table_i64(sum, "unmapped_labels"),
                *fl = table_i64(sum, "first_rejected_line");
  int64_t w_rd[3] = {4, 4, 3}, w_st[3] = {2, 2, 3}, w_rj[3] = {2, 2, 0}, w_um[3] = {0, 0, 1},
          w_fl[3] = {3, 4, 0};
  for (int k = 0; k < 3; k++) {
    cr_assert_eq(rd[k], w_rd[k], "file %d", k);
    cr_assert_eq(st[k], w_st[k], "file %d", k);
    cr_assert_eq(rj[k], w_rj[k], "file %d", k);
    cr_assert_eq(um[k], w_um[k], "file %d", k);
    cr_assert_eq(fl[k], w_fl[k], "file %d", k);
  }
  int64_t j;
  const char *const *col;
  ASSERT_OK(churn_table_find(sum, "first_rejected_column", &j));
  ASSERT_OK(churn_table_str(sum, j, &col));
  cr_assert_str_eq(col[0], "开户日期");
  cr_assert_str_eq(col[1], "应收金额");
  churn_table_free(sum);
  /* every cancellation label is kept on its event, with the reason [reasons] gave it (one
   * event each; most events first, ties in the order first seen: 搬迁, 天气不好, 资费太贵) */
  churn_table *rl = NULL;
  ASSERT_OK(churn_dataset_reason_labels(ds, &rl));
  cr_assert_eq(churn_table_nrows(rl), 3);
  const char *const *lab, *const *rsn;
  ASSERT_OK(churn_table_find(rl, "label", &j));
  ASSERT_OK(churn_table_str(rl, j, &lab));
  ASSERT_OK(churn_table_find(rl, "reason", &j));
  ASSERT_OK(churn_table_str(rl, j, &rsn));
  const int64_t *mapped = table_i64(rl, "mapped");
  for (int r = 0; r < 3; r++) {
    bool moving = strcmp(lab[r], "搬迁") == 0, price = strcmp(lab[r], "资费太贵") == 0;
    cr_assert(moving || price || strcmp(lab[r], "天气不好") == 0, "label %s", lab[r]);
    cr_assert_str_eq(rsn[r], moving ? "moving" : price ? "other_competitive" : "unknown");
    cr_assert_eq(mapped[r], moving || price, "label %s", lab[r]);
  }
  churn_table_free(rl);
  /* saved and loaded with the offset; a dataset without one reports none */
  char out[600];
  snprintf(out, sizeof out, "%s/data.msgpack", dir);
  ASSERT_OK(churn_dataset_save(ds, out));
  churn_dataset *back;
  ASSERT_OK(churn_dataset_load(out, &back));
  off = 0;
  ASSERT_OK(churn_dataset_utc_offset(back, &off));
  cr_assert_eq(off, 28800);
  churn_dataset_free(back);
  churn_dataset_free(ds);
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_FAILS(churn_dataset_utc_offset(ds, &off), CHURN_E_NOT_FOUND, "records none");
  ASSERT_FAILS(churn_dataset_set_utc_offset(ds, 19 * 3600), CHURN_E_RANGE, "18 hours");
  ASSERT_OK(churn_dataset_set_utc_offset(ds, -5 * 3600));
  ASSERT_OK(churn_dataset_utc_offset(ds, &off));
  cr_assert_eq(off, -18000);
  churn_dataset_free(ds);
}

/* Replaces the first occurrence of `from` in MAPPING by `to`, writes it, and expects the read
 * to fail with status and fragment, leaving the dataset empty. */
static void bad_mapping(const char *sub, const char *from, const char *to, churn_status status,
                        const char *fragment) {
  const char *dir = mapdir(sub);
  write_exports(dir);
  char text[4096];
  const char *p = strstr(MAPPING, from);
  cr_assert(p != NULL, "%s", from);
  snprintf(text, sizeof text, "%.*s%s%s", (int)(p - MAPPING), MAPPING, to, p + strlen(from));
  put(dir, "mapping.ini", text, false);
  char path[600];
  snprintf(path, sizeof path, "%s/mapping.ini", dir);
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_FAILS(churn_dataset_read_mapping(ds, path, NULL, NULL), status, fragment);
  cr_assert_eq(churn_dataset_num_subscribers(ds), 0);
  int64_t n = -1;
  ASSERT_OK(churn_dataset_ingest_count(ds, CHURN_COUNT_ROWS_READ, &n));
  cr_assert_eq(n, 0, "rows were read before the mapping was checked");
  churn_dataset_free(ds);
}

Test(mapping, bad_mappings_fail_before_reading_naming_section_and_key) {
  bad_mapping("b1", "value = 应收金额", "value = 金额", CHURN_E_SCHEMA,
              "[events:bill] value = 金额: no such column in bills.csv");
  bad_mapping("b2", "file = cancels.csv", "file = nowhere.csv", CHURN_E_IO,
              "[events:cancel] file = nowhere.csv");
  bad_mapping("b3", "[events:bill]", "[events:billing]", CHURN_E_FORMAT,
              "[events:billing]: unknown event kind 'billing'");
  bad_mapping("b4", "encoding = gb18030", "encoding = big5", CHURN_E_FORMAT,
              "[input] encoding = big5: unknown encoding");
  bad_mapping("b5", "time_format = %Y-%m-%d %H:%M:%S", "time_format = %Y-%q", CHURN_E_FORMAT,
              "[events:cancel] time_format = %Y-%q");
  bad_mapping("b6", "number_format = 1,234.50", "number_format = lots", CHURN_E_FORMAT,
              "[input] number_format = lots");
  bad_mapping("b7", "region = 区域", "regoin = 区域", CHURN_E_FORMAT,
              "[subscribers] regoin: unknown key");
  bad_mapping("b8", "utc_offset = +08:00", "utc_offset = 8", CHURN_E_FORMAT,
              "[input] utc_offset = 8");
  bad_mapping("b9", "搬迁 = moving", "搬迁 = elsewhere", CHURN_E_FORMAT, "[reasons] 搬迁 = elsewhere");
  bad_mapping("b10", "[input]", "[inptu]", CHURN_E_FORMAT, "[inptu]: unknown section");
  bad_mapping("b11", "date_format = %Y%m%d\n", "", CHURN_E_FORMAT,
              "[subscribers] activation: no date_format");
}

Test(mapping, bad_bytes_reject_their_row_naming_the_offset) {
  const char *dir = mapdir("badbyte");
  put(dir, "mapping.ini",
      "[input]\nencoding = gb18030\ndate_format = %Y%m%d\n"
      "[subscribers]\nfile = u.csv\nsubscriber_id = id\nregion = r\n", false);
  /* header "id,r\n" (5 bytes), "A,x\n" (4), then "B," and 0x81 0x20 at offset 11: 0x81 starts
   * a two- or four-byte GB18030 sequence, never followed by a space */
  char path[600];
  snprintf(path, sizeof path, "%s/u.csv", dir);
  FILE *f = fopen(path, "wb");
  fwrite("id,r\nA,x\nB,\x81 y\nC,z\n", 1, 19, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/mapping.ini", dir);
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_mapping(ds, path, NULL, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 2); /* A and C */
  churn_table *rej;
  ASSERT_OK(churn_dataset_rejections(ds, &rej));
  cr_assert_eq(churn_table_nrows(rej), 1);
  cr_assert_eq(table_i64(rej, "row")[0], 3);
  int64_t j;
  const char *const *why;
  ASSERT_OK(churn_table_find(rej, "reason", &j));
  ASSERT_OK(churn_table_str(rej, j, &why));
  cr_assert(strstr(why[0], "invalid GB18030 byte at file offset 11") != NULL, "%s", why[0]);
  churn_table_free(rej);
  churn_dataset_free(ds);
}

/* The checks every CSV reader makes (issue 21, churn__csv_text_check): a NUL byte in a mapped
 * field, text after a closing quote and invalid UTF-8 in a UTF-8 export each reject their row,
 * naming the column; an unmapped field is not looked at. */
Test(mapping, nul_bytes_junk_after_quotes_and_bad_utf8_reject_their_row) {
  const char *dir = mapdir("textcheck");
  put(dir, "mapping.ini",
      "[input]\ndate_format = %Y%m%d\n"
      "[subscribers]\nfile = u.csv\nsubscriber_id = id\nregion = r\n", false);
  /* line 2 A: fine; line 3 B: NUL at byte 3 of region "no\0rth"; line 4 C: "x"y is text after
   * the quote of field 2; line 5 D: region "\xC3(" is invalid UTF-8 at its byte 1 (C3 wants a
   * continuation byte); line 6 E: fine with a NUL in the unmapped third column */
  static const char text[] = "id,r,z\nA,x,1\nB,no\0rth,1\nC,\"x\"y,1\nD,\xC3(,1\nE,y,\0\n";
  char path[600];
  snprintf(path, sizeof path, "%s/u.csv", dir);
  FILE *f = fopen(path, "wb");
  fwrite(text, 1, sizeof text - 1, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/mapping.ini", dir);
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_mapping(ds, path, NULL, NULL));
  cr_assert_eq(churn_dataset_num_subscribers(ds), 2); /* A and E */
  churn_table *rej;
  ASSERT_OK(churn_dataset_rejections(ds, &rej));
  cr_assert_eq(churn_table_nrows(rej), 3);
  int64_t jr, jc;
  const char *const *why, *const *col;
  ASSERT_OK(churn_table_find(rej, "reason", &jr));
  ASSERT_OK(churn_table_str(rej, jr, &why));
  ASSERT_OK(churn_table_find(rej, "column", &jc));
  ASSERT_OK(churn_table_str(rej, jc, &col));
  const int64_t *row = table_i64(rej, "row");
  cr_assert(row[0] == 3 && row[1] == 4 && row[2] == 5);
  cr_assert(strstr(why[0], "NUL byte at byte 3") != NULL, "%s", why[0]);
  cr_assert(strstr(why[1], "text after the closing quote of field 2") != NULL, "%s", why[1]);
  /* recoding (iconv UTF-8 to UTF-8) finds it first: 7 + 6 + 11 + 9 bytes of lines, "D," */
  cr_assert(strstr(why[2], "invalid UTF-8 byte at file offset 35") != NULL, "%s", why[2]);
  for (int k = 0; k < 3; k++) cr_assert_str_eq(col[k], "r", "row %d: column %s, %s", k, col[k], why[k]);
  churn_table_free(rej);
  churn_dataset_free(ds);
}

Test(mapping, strict_mode_rolls_back_and_arguments_are_checked) {
  const char *dir = mapdir("strict");
  write_exports(dir);
  char path[600];
  snprintf(path, sizeof path, "%s/mapping.ini", dir);
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_STRICT, 1));
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_FAILS(churn_dataset_read_mapping(ds, path, o, NULL), CHURN_E_REJECTED, "users.csv: row 3");
  cr_assert_eq(churn_dataset_num_subscribers(ds), 0);
  cr_assert_eq(churn_dataset_num_events(ds), 0);
  ASSERT_FAILS(churn_dataset_utc_offset(ds, &(int64_t){0}), CHURN_E_NOT_FOUND, "none");
  ASSERT_FAILS(churn_dataset_read_mapping(NULL, path, NULL, NULL), CHURN_E_ARG, "NULL");
  ASSERT_FAILS(churn_dataset_read_mapping(ds, NULL, NULL, NULL), CHURN_E_ARG, "NULL");
  ASSERT_FAILS(churn_dataset_read_mapping(ds, "/nonexistent/m.ini", NULL, NULL), CHURN_E_IO,
               "/nonexistent/m.ini");
  churn_options_free(o);
  churn_dataset_free(ds);
}

extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

Test(mapping, every_allocation_failure_fails_cleanly_and_rolls_back) {
  const char *dir = mapdir("nomem");
  write_exports(dir);
  char path[600];
  snprintf(path, sizeof path, "%s/mapping.ini", dir);
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  churn_table *sum = NULL;
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_dataset_read_mapping(ds, path, NULL, &sum));
  uint64_t n = churn_testing_fail_alloc(0);
  churn_table_free(sum);
  churn_dataset_free(ds);
  cr_assert(n > 20);
  for (uint64_t k = 1; k <= n; k++) {
    ASSERT_OK(churn_dataset_new(&ds));
    churn_testing_fail_alloc(k);
    churn_status st = churn_dataset_read_mapping(ds, path, NULL, &sum);
    churn_testing_fail_alloc(0);
    cr_assert(st == CHURN_E_NOMEM || st == CHURN_OK, "allocation %d: %s", (int)k,
              churn_last_error());
    if (st == CHURN_OK) {
      churn_table_free(sum);
    } else {
      cr_assert_eq(churn_dataset_num_subscribers(ds), 0, "allocation %d", (int)k);
      cr_assert_eq(churn_dataset_num_events(ds), 0, "allocation %d", (int)k);
    }
    churn_dataset_free(ds);
  }
  if (__lsan_do_recoverable_leak_check) {
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaked (see the LSan report)");
  }
}
