/*
 * test_calendar.c -- churn_time_parse / churn_time_format (common/calendar.c), the one date
 * parser of the library, the CLI and the bindings: exact values worked out by hand (days since
 * 1970-01-01 from the civil calendar), the refusals, and a round trip over every day of a leap
 * and a common year against the proleptic Gregorian rules.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "churn.h"
#include "helpers.h"

static int64_t parse_ok(const char *s) {
  int64_t t = 0;
  cr_assert_eq(churn_time_parse(s, &t), CHURN_OK, "%s: %s", s, churn_last_error());
  return t;
}

Test(calendar, parses_the_documented_forms) {
  /* 2024-07-01: 19905 days after 1970-01-01 (54 years, 13 of them leap: 54*365+13 = 19723,
   * plus Jan..Jun 2024 = 31+29+31+30+31+30 = 182) */
  cr_assert_eq(parse_ok("2024-07-01"), 19905LL * 86400);
  cr_assert_eq(parse_ok("20240701"), 19905LL * 86400);
  cr_assert_eq(parse_ok("2024-07-01T08:30:00"), 19905LL * 86400 + 8 * 3600 + 30 * 60);
  cr_assert_eq(parse_ok("2024-07-01 08:30:00Z"), 19905LL * 86400 + 8 * 3600 + 30 * 60);
  /* 00:30 in Beijing on 1 August is 16:30 UTC on 31 July */
  cr_assert_eq(parse_ok("2024-08-01T00:30:00+08:00"), (19905LL + 31) * 86400 - 7 * 3600 - 30 * 60);
  cr_assert_eq(parse_ok("2024-08-01T00:30:00+0800"), (19905LL + 31) * 86400 - 7 * 3600 - 30 * 60);
  cr_assert_eq(parse_ok("1970-01-01"), 0);
  cr_assert_eq(parse_ok("0001-01-01"), CHURN_TIME_MIN);
  cr_assert_eq(parse_ok("9999-12-31T23:59:59Z"), CHURN_TIME_MAX);
}

Test(calendar, refuses_what_is_not_a_date) {
  const char *bad[] = {"2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "20240230",
                       "2024-07-01T24:00:00", "2024-07-01T08:60:00", " 2024-07-01",
                       "2024-07-01 ", "1719792000", "45474", "2024-7-1", "2024/07/01",
                       "0000-12-31", "2024-07-01T08:30", "2024-07-01T08:30:00+8", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t t = 42;
    cr_assert_eq(churn_time_parse(bad[i], &t), CHURN_E_FORMAT, "'%s' accepted", bad[i]);
    cr_assert_eq(t, 42, "'%s' wrote the output", bad[i]);
    cr_assert(strstr(churn_last_error(), "is not a date") != NULL, "%s", churn_last_error());
  }
  int64_t t;
  cr_assert_eq(churn_time_parse(NULL, &t), CHURN_E_ARG);
  cr_assert_eq(churn_time_parse("2024-07-01", NULL), CHURN_E_ARG);
}

Test(calendar, formats_and_round_trips_every_day) {
  char buf[32];
  cr_assert_eq(churn_time_format(19905LL * 86400, buf, sizeof buf), CHURN_OK);
  cr_assert_str_eq(buf, "2024-07-01");
  cr_assert_eq(churn_time_format(19905LL * 86400 + 1, buf, sizeof buf), CHURN_OK);
  cr_assert_str_eq(buf, "2024-07-01T00:00:01Z");
  cr_assert_eq(churn_time_format(-1, buf, sizeof buf), CHURN_OK);
  cr_assert_str_eq(buf, "1969-12-31T23:59:59Z");
  cr_assert_eq(churn_time_format(CHURN_TIME_MAX + 1, buf, sizeof buf), CHURN_E_RANGE);
  cr_assert_eq(churn_time_format(CHURN_TIME_NONE, buf, sizeof buf), CHURN_E_RANGE);
  cr_assert_eq(churn_time_format(0, buf, 20), CHURN_E_ARG);
  cr_assert_eq(churn_time_format(0, NULL, 64), CHURN_E_ARG);
  /* every day of 1900 (not leap), 2000 (leap) and 2024 (leap): consecutive, and month lengths
   * as the Gregorian rules say */
  const int years[] = {1900, 2000, 2024};
  for (int yi = 0; yi < 3; yi++) {
    int y = years[yi];
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int dm[12] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char first[48];
    snprintf(first, sizeof first, "%04d-01-01", y);
    int64_t expect = parse_ok(first);
    for (int m = 1; m <= 12; m++) {
      for (int d = 1; d <= dm[m - 1]; d++) {
        char text[48];
        snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
        cr_assert_eq(parse_ok(text), expect, "%s", text);
        cr_assert_eq(churn_time_format(expect, buf, sizeof buf), CHURN_OK);
        cr_assert_str_eq(buf, text);
        expect += 86400;
      }
      char past[48];
      snprintf(past, sizeof past, "%04d-%02d-%02d", y, m, dm[m - 1] + 1);
      int64_t t;
      cr_assert_eq(churn_time_parse(past, &t), CHURN_E_FORMAT, "%s accepted", past);
    }
  }
}
