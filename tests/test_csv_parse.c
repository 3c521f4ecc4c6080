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
static bool t64(const char *s, int64_t *v) { return churn__parse_time(s, strlen(s), v); }

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

/* issue 20: 20240701 in a date column was read as Unix seconds (1970-08-23); eight digits are
 * now a compact date (2024-07-01 = 1704067200 + 182 days = 1719792000) or refused. */
Test(csv_parse, eight_digits_are_a_date_never_unix_seconds) {
  int64_t v = 0;
  cr_assert(t64("20240701", &v));
  cr_assert_eq(v, 1719792000);
  cr_assert(!t64("20240230", &v)); /* 30 February: refused, not 20,240,230 seconds */
  cr_assert(t64("19700823", &v)); /* 1970-08-23: 212 days to 1 August + 22 */
  cr_assert_eq(v, 234 * 86400);
  cr_assert(t64("1719792000", &v)); /* ten digits stay Unix seconds (documented) */
  cr_assert_eq(v, 1719792000);
}
