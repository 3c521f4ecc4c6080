/*
 * calendar.h -- the one home of calendar arithmetic (calendar.c): proleptic Gregorian civil dates
 * <-> days since 1970-01-01, UTC calendar months, and the strict date parser and formatter behind
 * churn_time_parse / churn_time_format, the CSV readers and writers, the KPIs and the simulator,
 * and working-day arithmetic (weekends, holidays and make-up working days) with UTC offsets for
 * contact deadlines.  Never installed.
 */
#ifndef CHURN_CALENDAR_H
#define CHURN_CALENDAR_H

#include "internal.h"

/* a / b rounded towards minus infinity (b > 0). */
static inline int64_t churn__floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* Days since 1970-01-01 of the date y-m-d (H. Hinnant's algorithm).  m may lie outside 1..12
 * (month 13 is January of the next year, month 0 December of the previous one) and d outside the
 * month (day 0 is the last day of the previous month). */
int64_t churn__days_from_civil(int64_t y, int64_t m, int64_t d);
/* The civil date of day z since 1970-01-01 (m in 1..12, d in 1..31). */
void churn__civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d);
/* Days in month m (1..12) of year y. */
int churn__days_in_month(int64_t y, int64_t m);

/* The first second of the UTC calendar month containing t, and of the month k months later. */
int64_t churn__month_floor(int64_t t);
int64_t churn__month_add(int64_t month_start, int64_t k);
/* "YYYY-MM" of the month containing t (buf of at least 16 bytes). */
void churn__month_label(int64_t t, char *buf);

/* Parses an ISO-8601 date or date-time (YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM:SS with an optional Z,
 * +HH:MM or +HHMM offset) or, when compact is true, an 8-digit YYYYMMDD, of exactly len bytes.
 * Day-of-month, hours, minutes and seconds are checked (2024-02-30 is refused); the result must
 * lie in CHURN_TIME_MIN..CHURN_TIME_MAX.  False for anything else. */
bool churn__parse_date(const char *s, size_t len, bool compact, int64_t *out);

/* YYYY-MM-DD (date_only, or t at midnight UTC when !full) or YYYY-MM-DDTHH:MM:SSZ into buf
 * (at least CHURN__TIME_TEXT bytes, NUL-terminated); the length written, 0 for a time outside
 * CHURN_TIME_MIN..CHURN_TIME_MAX. */
#define CHURN__TIME_TEXT 21
size_t churn__format_time(int64_t t, bool full, char *buf);

/* --- working days ------------------------------------------------------------------------------ */

/* A working-day calendar (the body of the public churn_calendar): the days (numbers since
 * 1970-01-01) declared holidays and declared working days (make-up days, 调休), each sorted and
 * without repeats.  Other days are working days from Monday to Friday. */
struct churn_calendar {
  int64_t *holiday;
  size_t nholiday;
  int64_t *workday;
  size_t nworkday;
};

/* Whether day (days since 1970-01-01) is a working day; cal NULL = Monday to Friday. */
bool churn__is_working_day(const churn_calendar *cal, int64_t day);
/* The day n >= 0 working days after day (each step moves to the next working day). */
int64_t churn__add_working_days(const churn_calendar *cal, int64_t day, int64_t n);

/* Parses a UTC offset "+HH:MM", "-HH:MM", "+HHMM", "+HH", "Z", "z" or "" (UTC) into seconds
 * east of UTC, |offset| <= 18 hours (as ISO 8601 allows).  False for anything else. */
bool churn__parse_utc_offset(const char *s, int64_t *seconds);

#endif
