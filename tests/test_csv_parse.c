/*
 * test_csv_parse.c -- the hand-written field parsers (lib/csv_parse.c), linked from the static
 * library: numbers checked bit-for-bit against strtod (the independent oracle), dates against
 * Python's calendar.timegm values, and every malformed form.
 */
#include "helpers.h"

#include "data/dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool f64(const char *s, double *v) { return churn__parse_f64(s, strlen(s), v); }
static bool t64(const char *s, int64_t *v) { return churn__parse_time(s, strlen(s), true, v); }
/* without CHURN_OPT_INGEST_UNIX_TIMES: the default */
static bool d64(const char *s, int64_t *v) { return churn__parse_time(s, strlen(s), false, v); }

Test(csv_parse, numbers_match_strtod_exactly) {
  const char *cases[] = {"0",     "-0",          "1",      "29.85",  "56.95",   "0.1",
                         "1e-3",  "-2E+3",       "123456789012345678", "1.7976931348623157e308",
                         "4.9e-324", "0.000000000000000000001", "12345678901234567890123",
                         ".5",    "5.",          "+7.25",  "3.141592653589793238462643"};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    double v, want = strtod(cases[k], NULL);
    cr_assert(f64(cases[k], &v), "%s", cases[k]);
    cr_assert(memcmp(&v, &want, sizeof v) == 0, "%s: %.17g vs %.17g", cases[k], v, want);
  }
  /* random values printed with 17 and with 6 significant digits */
  srand(11);
  for (int i = 0; i < 20000; i++) {
    double x = (rand() / (double)RAND_MAX - 0.5) * pow(10, rand() % 30 - 15);
    char buf[64];
    snprintf(buf, sizeof buf, i % 2 ? "%.17g" : "%.6g", x);
    double v, want = strtod(buf, NULL);
    cr_assert(f64(buf, &v), "%s", buf);
    cr_assert(memcmp(&v, &want, sizeof v) == 0, "%s: %.17g vs %.17g", buf, v, want);
  }
}

Test(csv_parse, non_finite_and_malformed_numbers) {
  double v;
  cr_assert(f64("nan", &v) && isnan(v));
  cr_assert(f64("NaN", &v) && isnan(v));
  cr_assert(f64("inf", &v) && isinf(v) && v > 0);
  cr_assert(f64("-Infinity", &v) && isinf(v) && v < 0);
  cr_assert(f64(" 2.5 ", &v) && v == 2.5); /* surrounding blanks are trimmed */
  const char *bad[] = {"", " ", "abc", "1.2.3", "1e", "--1", "1,5", "0x10", "e5", ".", "-",
                       "12a", "nanx"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    cr_assert(!f64(bad[k], &v), "'%s' parsed", bad[k]);
  }
}

Test(csv_parse, integers) {
  int64_t v;
  cr_assert(churn__parse_i64("9223372036854775807", 19, &v) && v == INT64_MAX);
  cr_assert(churn__parse_i64("-9223372036854775808", 20, &v) && v == INT64_MIN);
  cr_assert(!churn__parse_i64("9223372036854775808", 19, &v));
  cr_assert(!churn__parse_i64("1.0", 3, &v));
  cr_assert(!churn__parse_i64("-", 1, &v));
  cr_assert(!churn__parse_i64("", 0, &v));
}

Test(csv_parse, dates_and_times) {
  int64_t v;
  /* oracle: Python calendar.timegm */
  cr_assert(t64("2024-03-01", &v) && v == 1709251200);
  cr_assert(t64("2024-02-29T23:59:59", &v) && v == 1709251199);
  cr_assert(t64("2024-02-29 23:59:59Z", &v) && v == 1709251199);
  cr_assert(t64("1969-12-31", &v) && v == -86400);
  cr_assert(t64("2000-01-01T12:00:00Z", &v) && v == 946728000);
  cr_assert(t64("2000-01-01T12:00:00+01:00", &v) && v == 946728000 - 3600);
  cr_assert(t64("2000-01-01T12:00:00-0230", &v) && v == 946728000 + 9000);
  cr_assert(t64("1709251200", &v) && v == 1709251200);
  cr_assert(t64("-5", &v) && v == -5);
  /* the valid range is the years 1..9999 */
  cr_assert(t64("253402300799", &v) && v == CHURN_TIME_MAX);
  cr_assert(t64("9999-12-31T23:59:59Z", &v) && v == CHURN_TIME_MAX);
  cr_assert(t64("0001-01-01", &v) && v == CHURN_TIME_MIN);
  cr_assert(!t64("253402300800", &v));
  cr_assert(!t64("-62135596801", &v));
  cr_assert(!t64("0000-12-31", &v));
  cr_assert(!t64("0001-01-01T00:00:00+00:01", &v));
  /* every day of 1970..2100 against a running day counter */
  int64_t day = 0;
  for (int y = 1970; y <= 2100; y++) {
    for (unsigned m = 1; m <= 12; m++) {
      static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      unsigned nd = dm[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
      for (unsigned d = 1; d <= nd; d++, day++) {
        cr_assert_eq(churn__days_from_civil(y, m, d), day, "%d-%u-%u", y, m, d);
      }
    }
  }
  const char *bad[] = {"2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01",
                       "2024-03-01T24:00:00", "2024-03-01T12:60:00", "2024-03-01T12:00",
                       "2024-03-01T12:00:00.5", "2024-03-01X", "2024-03-01T12:00:00+1",
                       "03/01/2024", "yesterday", "", "1.5"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    cr_assert(!t64(bad[k], &v), "'%s' parsed", bad[k]);
  }
}

/* Issue 21 #4: a bare integer in a date column.  Eight digits are a compact date (20240701 is
 * 2024-07-01 = 1719792000 by calendar.timegm, not 1970-08-23); any other bare integer (Unix
 * seconds, the Excel serial 45474) is refused unless the caller asked for Unix seconds. */
Test(csv_parse, bare_integers_in_date_columns) {
  int64_t v;
  cr_assert(d64("20240701", &v) && v == 1719792000);
  cr_assert(t64("20240701", &v) && v == 1719792000, "8 digits are a date even with unix_times");
  cr_assert(d64(" 20240229 ", &v) && v == 1709164800);
  const char *refused[] = {"45474", "1719792000", "0", "-5", "20240230", "20241301", "2024070",
                           "202407011", "+20240701", "-20240701"};
  for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
    cr_assert(!d64(refused[k], &v), "'%s' parsed as %lld", refused[k], (long long)v);
  }
  cr_assert(t64("45474", &v) && v == 45474, "with unix_times a bare integer is Unix seconds");
  cr_assert(t64("1719792000", &v) && v == 1719792000);
  cr_assert(d64("2024-07-01", &v) && v == 1719792000);
}

/* Issue 21 #12: a code given as a number has no leading zeros ("007" is a genre label). */
Test(csv_parse, code_numbers) {
  int64_t v;
  cr_assert(churn__parse_code_number("0", 1, &v) && v == 0);
  cr_assert(churn__parse_code_number("7", 1, &v) && v == 7);
  cr_assert(churn__parse_code_number("255", 3, &v) && v == 255);
  cr_assert(!churn__parse_code_number("007", 3, &v));
  cr_assert(!churn__parse_code_number("00", 2, &v));
  cr_assert(!churn__parse_code_number("", 0, &v));
}

/* Issue 21 #7 and #9: the one text check (ids, labels, header names): valid UTF-8, no NUL,
 * naming the byte and its 1-based offset. */
Test(csv_parse, text_check) {
  char why[96];
  const char *ok[] = {"north", "", "\xE5\x8C\x97\xE4\xBA\xAC" /* 北京 */, "caf\xC3\xA9",
                      "\xF0\x9F\x93\xBA" /* U+1F4FA */, "a b,c\"d"};
  for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
    cr_assert_null(churn__csv_text_check(ok[k], strlen(ok[k]), why, sizeof why), "%s", ok[k]);
  }
  cr_assert_str_eq(churn__csv_text_check("nor\0th", 6, why, sizeof why), "a NUL byte at byte 4");
  /* GB18030 for 北京 is B1 B1 BE A9: B1 cannot start a UTF-8 sequence */
  const char *msg = churn__csv_text_check("x\xB1\xB1\xBE\xA9", 5, why, sizeof why);
  cr_assert_not_null(msg);
  cr_assert(strstr(msg, "invalid UTF-8: byte 0xB1 at byte 2"), "%s", msg);
  struct { const char *s; size_t len; size_t at; } bad[] = {
      {"\xC0\xAF", 2, 1},        /* overlong '/' */
      {"\xE0\x80\xAF", 3, 1},    /* overlong, 3 bytes */
      {"\xED\xA0\x80", 3, 1},    /* a UTF-16 surrogate */
      {"\xF4\x90\x80\x80", 4, 1}, /* above U+10FFFF */
      {"ab\xE5\x8C", 4, 3},      /* truncated sequence at the end */
      {"\xFF", 1, 1}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    msg = churn__csv_text_check(bad[k].s, bad[k].len, why, sizeof why);
    cr_assert_not_null(msg, "case %zu accepted", k);
    char want[32];
    snprintf(want, sizeof want, "at byte %zu", bad[k].at);
    cr_assert(strstr(msg, want), "case %zu: %s", k, msg);
  }
  char shown[80];
  churn__csv_show("x\xB1y\nz", 5, shown, sizeof shown);
  cr_assert_str_eq(shown, "x?y?z");
}
