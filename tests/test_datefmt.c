/*
 * test_datefmt.c -- the pieces of mapping ingest: strptime-style date formats (expected times
 * worked out by hand from 2024-01-01T00:00:00Z = 1704067200), UTC offsets, number formats,
 * and the iconv conversion in blocks with a character cut by the block boundary and a bad byte.
 */
#include "helpers.h"
#include "data/mapping.h"

#include <stdio.h>
#include <string.h>

static int64_t T(const char *fmt, const char *s, int64_t off) {
  int64_t t = 0;
  cr_assert(churn__datefmt_parse(fmt, s, strlen(s), off, &t), "'%s' by '%s'", s, fmt);
  return t;
}

static void refused(const char *fmt, const char *s) {
  int64_t t;
  cr_assert(!churn__datefmt_parse(fmt, s, strlen(s), 0, &t), "'%s' by '%s' was accepted", s, fmt);
}

Test(datefmt, formats_parse_local_times) {
  cr_assert_eq(T("%Y%m%d", "20240101", 0), 1704067200);
  cr_assert_eq(T("%Y%m%d", "20240101", 8 * 3600), 1704067200 - 28800);
  cr_assert_eq(T("%Y%m%d", " 20240101 ", 0), 1704067200); /* spaces around are trimmed */
  /* 2024-07-01 = 1704067200 + 182 days (31+29+31+30+31+30); 08:30:00 local +08:00 = 00:30Z */
  cr_assert_eq(T("%Y/%m/%d %H:%M:%S", "2024/07/01 08:30:00", 28800), 1704067200 + 182 * 86400 + 1800);
  cr_assert_eq(T("%Y/%m/%d", "2024/7/1", 0), 1704067200 + 182 * 86400); /* 1-digit fields */
  cr_assert_eq(T("%d.%m.%Y %H:%M", "01.07.2024 23:59", -5 * 3600), 1704067200 + 182 * 86400 + 86340 + 18000);
  cr_assert_eq(T("%s", "1704067200", 28800), 1704067200); /* Unix seconds: no offset */
  cr_assert_eq(T("%s", "-86400", 0), -86400);
  cr_assert_eq(T("%Y年%m月%d日", "2024年01月01日", 0), 1704067200);
  cr_assert_eq(T("%Y%%%m%d", "2024%0101", 0), 1704067200);
}

Test(datefmt, mismatches_are_refused) {
  refused("%Y%m%d", "1704067200");      /* a bare number is not a date */
  refused("%Y%m%d", "20240230");        /* 30 February */
  refused("%Y%m%d", "2024011");         /* too short */
  refused("%Y%m%d", "202401011");       /* trailing digit */
  refused("%Y-%m-%d", "2024/01/01");    /* another literal */
  refused("%Y-%m-%d %H:%M:%S", "2024-01-01 24:00:00");
  refused("%Y-%m-%d", "");
  refused("%s", "12ab");
  refused("%Y-%m-%d", "0000-01-01");
}

Test(datefmt, format_checks) {
  const char *why;
  cr_assert(churn__datefmt_check("%Y%m%d", &why));
  cr_assert(churn__datefmt_check("%s", &why));
  cr_assert(!churn__datefmt_check("%Y%m", &why));
  cr_assert(!churn__datefmt_check("%Y%m%d%q", &why));
  cr_assert(!churn__datefmt_check("%Y%m%d%Y", &why));
  cr_assert(!churn__datefmt_check("%s %H", &why));
  cr_assert(!churn__datefmt_check("%Y%m%d%", &why));
}

Test(datefmt, utc_offsets) {
  int64_t o;
  cr_assert(churn__parse_utc_offset("+08:00", 6, &o) && o == 28800);
  cr_assert(churn__parse_utc_offset("-0530", 5, &o) && o == -19800);
  cr_assert(churn__parse_utc_offset("+09", 3, &o) && o == 32400);
  cr_assert(churn__parse_utc_offset("Z", 1, &o) && o == 0);
  cr_assert(!churn__parse_utc_offset("8", 1, &o));
  cr_assert(!churn__parse_utc_offset("+19:00", 6, &o));
  cr_assert(!churn__parse_utc_offset("+08:60", 6, &o));
}

Test(datefmt, number_formats) {
  churn__numfmt us, eu;
  cr_assert(churn__numfmt_from_example("1,234.50", &us) && us.thousands == ',' && us.decimal == '.');
  cr_assert(churn__numfmt_from_example("1.234,50", &eu) && eu.thousands == '.' && eu.decimal == ',');
  cr_assert(!churn__numfmt_from_example("lots", &eu));
  cr_assert(!churn__numfmt_from_example("1,234,50", &eu));
  double v;
  struct { const char *s; double want; } ok[] = {
      {"1,234.50", 1234.5}, {"1234.50", 1234.5}, {"¥1,234,567.25", 1234567.25},
      {"￥88", 88}, {"-¥1,000", -1000}, {"¥-1,000", -1000}, {"320.00元", 320}, {"0.5", 0.5},
      {"$12", 12}};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    cr_assert(churn__numfmt_parse(&us, ok[i].s, strlen(ok[i].s), &v), "%s", ok[i].s);
    cr_assert_eq(v, ok[i].want, "%s", ok[i].s);
  }
  const char *bad[] = {"12,34", "1,2345", ",123", "1,234.", "12x", "", "¥", "1.234,5", "1,,234"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert(!churn__numfmt_parse(&us, bad[i], strlen(bad[i]), &v), "%s accepted", bad[i]);
  }
  cr_assert(churn__numfmt_parse(&eu, "1.234,5", 7, &v) && v == 1234.5);
  /* without a format: plain numbers only */
  cr_assert(churn__numfmt_parse(NULL, "1234.5", 6, &v) && v == 1234.5);
  cr_assert(!churn__numfmt_parse(NULL, "1,234.5", 7, &v));
  cr_assert(!churn__numfmt_parse(NULL, "¥12", 4, &v));
}

Test(datefmt, recode_carries_a_character_cut_by_the_block_boundary) {
  /* 65535 ASCII bytes then 中 (GB18030 D6 D0) across the 65536-byte block boundary, then a
   * bad byte 0x81 followed by a space at offset 65537 + 1 = 65538, then "x" */
  char path[600];
  snprintf(path, sizeof path, "%s/block.csv", test_tmpdir());
  FILE *f = fopen(path, "wb");
  for (int i = 0; i < 65535; i++) fputc('a', f);
  fwrite("\xD6\xD0" "b\x81 x", 1, 6, f);
  fclose(f);
  churn__recoded r;
  ASSERT_OK(churn__recode_file(path, "GB18030", 0, &r));
  cr_assert_eq(r.len, 65535 + 3 + 1 + 1 + 2);
  cr_assert(memcmp(r.text + 65535, "中b\xFF x", 7) == 0);
  cr_assert_eq(r.nbad, 1);
  cr_assert_eq(r.bad[0], 65538);
  churn__recoded_free(&r);
  /* a UTF-8 byte-order mark is dropped; invalid UTF-8 is a bad byte too */
  f = fopen(path, "wb");
  fwrite("\xEF\xBB\xBFid\n\xC3(\n", 1, 9, f);
  fclose(f);
  ASSERT_OK(churn__recode_file(path, "UTF-8", 0, &r));
  cr_assert_eq(r.len, 6);
  cr_assert(memcmp(r.text, "id\n\xFF(\n", 6) == 0);
  cr_assert_eq(r.nbad, 1);
  cr_assert_eq(r.bad[0], 6);
  churn__recoded_free(&r);
  ASSERT_FAILS(churn__recode_file("/nonexistent/x.csv", "UTF-8", 0, &r), CHURN_E_IO,
               "/nonexistent/x.csv");
  cr_assert(churn__encoding_name("GB18030") && churn__encoding_name("utf8"));
  cr_assert(churn__encoding_name("big5") == NULL);
}

/* One buffer serves a mapping's files in turn: each file's text and bad bytes are its own. */
Test(datefmt, recode_reuses_its_buffer_across_files) {
  char a[600], b[600];
  snprintf(a, sizeof a, "%s/reuse_a.csv", test_tmpdir());
  snprintf(b, sizeof b, "%s/reuse_b.csv", test_tmpdir());
  FILE *f = fopen(a, "wb");
  for (int i = 0; i < 200000; i++) fputc('0' + i % 10, f);
  fwrite(",\xD6\xD0\x81\n", 1, 5, f);  /* 中 then a bad lead byte before the line break */
  fclose(f);
  f = fopen(b, "wb");
  fwrite("id,\xB1\xB1\xBE\xA9X\n", 1, 9, f);  /* 北京 then an ASCII letter in one run */
  fclose(f);
  churn__recoded r;
  memset(&r, 0, sizeof r);
  ASSERT_OK(churn__recode_file_reuse(a, "GB18030", 0, &r));
  cr_assert_eq(r.len, 200000 + 1 + 3 + 1 + 1);
  cr_assert(memcmp(r.text + 200000, ",中\xFF\n", 6) == 0);
  cr_assert_eq(r.nbad, 1);
  cr_assert_eq(r.bad[0], 200003);
  char *first = r.text;
  ASSERT_OK(churn__recode_file_reuse(b, "GB18030", 0, &r));
  cr_assert_eq(r.text, first, "the smaller file's text lands in the same buffer");
  cr_assert_eq(r.len, 3 + 6 + 1 + 1);
  cr_assert_str_eq(r.text, "id,北京X\n");
  cr_assert_eq(r.nbad, 0);
  ASSERT_FAILS(churn__recode_file_reuse("/nonexistent/x.csv", "GB18030", 0, &r), CHURN_E_IO,
               "/nonexistent/x.csv");
  cr_assert_null(r.text);
  cr_assert_eq(r.len, 0);
}

Test(datefmt, recode_fails_cleanly_when_allocation_fails) {
  char path[600];
  snprintf(path, sizeof path, "%s/small.csv", test_tmpdir());
  FILE *f = fopen(path, "wb");
  fputs("a,b\n1,\x81 2\n", f);
  fclose(f);
  churn__recoded r;
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn__recode_file(path, "GB18030", 0, &r));
  churn__recoded_free(&r);
  uint64_t n = churn_testing_fail_alloc(0);
  cr_assert(n >= 3);
  for (uint64_t k = 1; k <= n; k++) {
    churn_testing_fail_alloc(k);
    churn_status st = churn__recode_file(path, "GB18030", 0, &r);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "allocation %d: %s", (int)k, churn_last_error());
  }
}
