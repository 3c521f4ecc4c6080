/*
 * test_workdays.c -- the working-day calendar (churn_calendar_load, churn_calendar_deadline):
 * the Chinese State Council schedule of examples/calendar_cn_2024_2025.csv on dates worked out
 * by hand from the published schedules, the operator's local time, agreement with the
 * weekends-only churn_contact_deadline, and every error path (lines that do not parse, named).
 */
#define CHURN_NO_DEPRECATION_WARNINGS /* compares with churn_contact_deadline */
#include "helpers.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400LL
#define HOUR 3600LL
#define BEIJING (8 * HOUR)

static int64_t date(const char *text) {
  int64_t t = 0;
  ASSERT_OK(churn_time_parse(text, &t));
  return t;
}

static churn_calendar *cn(void) {
  churn_calendar *cal = NULL;
  ASSERT_OK(churn_calendar_load(source_path("examples/calendar_cn_2024_2025.csv"), &cal));
  return cal;
}

static int64_t deadline(const churn_calendar *cal, const char *t, int64_t n, int64_t offset) {
  int64_t out = 0;
  ASSERT_OK(churn_calendar_deadline(cal, date(t), n, offset, &out));
  return out;
}

static const char *write_file(const char *name, const char *text) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

Test(workdays, national_day_2024) {
  churn_calendar *cal = cn();
  /* Monday 30 September 2024: 1-7 October are the National Day holiday, so the first working
   * day is Tuesday 8 October and the second Wednesday 9 October (the example). */
  cr_assert_eq(deadline(cal, "2024-09-30", 2, 0), date("2024-10-09"));
  cr_assert_eq(deadline(cal, "2024-09-30T09:00:00+08:00", 2, BEIJING),
               date("2024-10-09T09:00:00+08:00"));
  /* without the calendar: Monday + 2 = Wednesday 2 October, inside the holiday */
  cr_assert_eq(deadline(NULL, "2024-09-30", 2, 0), date("2024-10-02"));
  /* Friday 27 September + 1 = Sunday 29 September, a make-up working day (调休) */
  cr_assert_eq(deadline(cal, "2024-09-27", 1, 0), date("2024-09-29"));
  /* Saturday 12 October is a make-up working day: Friday 11 + 1 = Saturday 12, + 2 = Monday 14 */
  cr_assert_eq(deadline(cal, "2024-10-11", 1, 0), date("2024-10-12"));
  cr_assert_eq(deadline(cal, "2024-10-11", 2, 0), date("2024-10-14"));
  /* 0 working days: the time itself, even on a holiday */
  cr_assert_eq(deadline(cal, "2024-10-03T10:00:00Z", 0, 0), date("2024-10-03T10:00:00Z"));
  churn_calendar_free(cal);
}

Test(workdays, spring_festival_and_2025) {
  churn_calendar *cal = cn();
  /* Friday 9 Feb 2024: 10-17 Feb holidays, Sunday 18 Feb a working day -> + 1 = 18 Feb,
   * + 2 = Monday 19 Feb */
  cr_assert_eq(deadline(cal, "2024-02-09", 1, 0), date("2024-02-18"));
  cr_assert_eq(deadline(cal, "2024-02-09", 2, 0), date("2024-02-19"));
  /* Sunday 26 Jan 2025 is a working day; Monday 27 a working day; 28 Jan - 4 Feb holidays;
   * Wednesday 5 Feb the next: Friday 24 Jan + 1 = 26, + 2 = 27, + 3 = 5 Feb, and Saturday
   * 8 Feb is a make-up working day: + 6 = 8 Feb (5, 6, 7, 8 are the 3rd to 6th) */
  cr_assert_eq(deadline(cal, "2025-01-24", 1, 0), date("2025-01-26"));
  cr_assert_eq(deadline(cal, "2025-01-24", 3, 0), date("2025-02-05"));
  cr_assert_eq(deadline(cal, "2025-01-24", 6, 0), date("2025-02-08"));
  /* Dragon Boat 2025: 31 May - 2 June; Friday 30 May + 1 = Tuesday 3 June */
  cr_assert_eq(deadline(cal, "2025-05-30", 1, 0), date("2025-06-03"));
  /* National Day 2025: 1-8 October, Saturday 11 October works: Tuesday 30 Sep + 1 = Thu 9 Oct,
   * + 3 = Saturday 11 Oct */
  cr_assert_eq(deadline(cal, "2025-09-30", 1, 0), date("2025-10-09"));
  cr_assert_eq(deadline(cal, "2025-09-30", 3, 0), date("2025-10-11"));
  churn_calendar_free(cal);
}

Test(workdays, local_time) {
  churn_calendar *cal = cn();
  /* 17:30 UTC on 30 September is 01:30 on 1 October in Beijing: the local day is a holiday and
   * the next working day Tuesday 8 October 01:30 local = 7 October 17:30 UTC.  Counted in UTC,
   * the day is 30 September and + 1 is 8 October 17:30 UTC, a day later. */
  cr_assert_eq(deadline(cal, "2024-09-30T17:30:00Z", 1, BEIJING), date("2024-10-07T17:30:00Z"));
  cr_assert_eq(deadline(cal, "2024-09-30T17:30:00Z", 1, 0), date("2024-10-08T17:30:00Z"));
  /* New York (-05:00): 2024-10-05 02:00 UTC is Friday 4 October 21:00 local; weekends only,
   * + 1 = Monday 7 October 21:00 local = 8 October 02:00 UTC (in UTC: Saturday + 1 = Monday 7
   * October 02:00 UTC) */
  cr_assert_eq(deadline(NULL, "2024-10-05T02:00:00Z", 1, -5 * HOUR), date("2024-10-08T02:00:00Z"));
  cr_assert_eq(deadline(NULL, "2024-10-05T02:00:00Z", 1, 0), date("2024-10-07T02:00:00Z"));
  churn_calendar_free(cal);
}

Test(workdays, no_calendar_is_weekends_only) {
  /* without a calendar and in UTC, the new call is churn_contact_deadline, over 3 weeks of
   * start days at several times of day and 0..12 working days */
  for (int64_t t = date("2024-03-01") - 5 * HOUR; t < date("2024-03-22"); t += 7 * HOUR) {
    for (int64_t n = 0; n <= 12; n++) {
      int64_t out = 0;
      ASSERT_OK(churn_calendar_deadline(NULL, t, n, 0, &out));
      cr_assert_eq(out, churn_contact_deadline(t, n), "t %lld n %lld", (long long)t,
                   (long long)n);
    }
  }
}

Test(workdays, file_format) {
  /* header optional, BOM, CRLF, blank lines, compact dates, a repeated declaration */
  const char *path = write_file("ok.csv", "\xEF\xBB\xBF" "date,type\r\n\r\n20240105,holiday\r\n"
                                          "2024-01-06,workday\n2024-01-05,holiday\n");
  churn_calendar *cal = NULL;
  ASSERT_OK(churn_calendar_load(path, &cal));
  /* Thursday 4 Jan + 1: Friday 5 is a holiday, Saturday 6 a working day */
  cr_assert_eq(deadline(cal, "2024-01-04", 1, 0), date("2024-01-06"));
  churn_calendar_free(cal);
  cal = NULL;
  path = write_file("noheader.csv", "2024-01-05,holiday\n");
  ASSERT_OK(churn_calendar_load(path, &cal));
  cr_assert_eq(deadline(cal, "2024-01-04", 1, 0), date("2024-01-08"));
  churn_calendar_free(cal);
  cal = NULL;
  path = write_file("empty.csv", "date,type\n");
  ASSERT_OK(churn_calendar_load(path, &cal));
  cr_assert_eq(deadline(cal, "2024-01-04", 1, 0), date("2024-01-05"));
  churn_calendar_free(cal);
}

Test(workdays, errors) {
  churn_calendar *cal = NULL;
  ASSERT_FAILS(churn_calendar_load(write_file("b1.csv", "date,type\n2024-01-05,holiday\n"
                                                        "2024-13-01,holiday\n"), &cal),
               CHURN_E_FORMAT, "line 3: '2024-13-01' is not a date");
  ASSERT_FAILS(churn_calendar_load(write_file("b2.csv", "date,type\n2024-01-05,vacation\n"), &cal),
               CHURN_E_FORMAT, "line 2: type 'vacation'");
  ASSERT_FAILS(churn_calendar_load(write_file("b3.csv", "2024-01-05\n"), &cal), CHURN_E_FORMAT,
               "line 1: '2024-01-05' is not two fields");
  ASSERT_FAILS(churn_calendar_load(write_file("b4.csv", "2024-01-05,holiday,x\n"), &cal),
               CHURN_E_FORMAT, "line 1");
  ASSERT_FAILS(churn_calendar_load(write_file("b5.csv", "2024-01-05T10:00:00,holiday\n"), &cal),
               CHURN_E_FORMAT, "is not a date");
  ASSERT_FAILS(churn_calendar_load(write_file("b6.csv", "2024-01-06,workday\n2024-01-07,holiday\n"
                                                        "2024-01-06,holiday\n"), &cal),
               CHURN_E_FORMAT, "line 3: the day is a workday on line 1 and a holiday here");
  ASSERT_FAILS(churn_calendar_load(write_file("b7.csv", "\"2024-01-05,holiday\n"), &cal),
               CHURN_E_FORMAT, "line 1");
  ASSERT_FAILS(churn_calendar_load("/nonexistent/cal.csv", &cal), CHURN_E_IO,
               "/nonexistent/cal.csv");
  cr_assert_null(cal);
  ASSERT_FAILS(churn_calendar_load(NULL, &cal), CHURN_E_ARG, "must not be NULL");
  ASSERT_FAILS(churn_calendar_load("x", NULL), CHURN_E_ARG, "must not be NULL");
  int64_t out;
  ASSERT_FAILS(churn_calendar_deadline(NULL, 0, 1, 0, NULL), CHURN_E_ARG, "out is NULL");
  ASSERT_FAILS(churn_calendar_deadline(NULL, 0, -1, 0, &out), CHURN_E_ARG, "working_days = -1");
  ASSERT_FAILS(churn_calendar_deadline(NULL, 0, 3651, 0, &out), CHURN_E_ARG, "3651");
  ASSERT_FAILS(churn_calendar_deadline(NULL, 0, 1, 86400, &out), CHURN_E_ARG, "utc_offset");
  ASSERT_FAILS(churn_calendar_deadline(NULL, CHURN_TIME_NONE, 1, 0, &out), CHURN_E_ARG,
               "outside the years");
  ASSERT_FAILS(churn_calendar_deadline(NULL, CHURN_TIME_MAX, 1, 0, &out), CHURN_E_RANGE,
               "after the year 9999");
  churn_calendar_free(NULL);
}

Test(workdays, allocation_failures) {
  const char *path = source_path("examples/calendar_cn_2024_2025.csv");
  churn_calendar *cal = NULL;
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_calendar_load(path, &cal));
  uint64_t count = churn_testing_fail_alloc(0);
  churn_calendar_free(cal);
  cr_assert(count >= 4);
  for (uint64_t k = 1; k <= count; k++) {
    cal = NULL;
    churn_testing_fail_alloc(k);
    churn_status st = churn_calendar_load(path, &cal);
    churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_E_NOMEM, "k=%llu: %s", (unsigned long long)k, churn_last_error());
    cr_assert_null(cal);
  }
}
