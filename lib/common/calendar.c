/*
 * calendar.c -- civil dates, UTC months, and the strict date parser and formatter every part of
 * the library (and, through churn_time_parse / churn_time_format, the CLI and both bindings)
 * uses, so that no two of them can disagree about what a date is; and working-day arithmetic
 * (weekends, holidays, make-up working days) for contact deadlines.
 */
#include "calendar.h"

#include <stdio.h>
#include <string.h>

int64_t churn__days_from_civil(int64_t y, int64_t m, int64_t d) {
  int64_t years = churn__floor_div(m - 1, 12);
  y += years;
  m -= 12 * years;
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void churn__civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

int churn__days_in_month(int64_t y, int64_t m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

int64_t churn__month_floor(int64_t t) {
  int64_t y, m, d;
  churn__civil_from_days(churn__floor_div(t, 86400), &y, &m, &d);
  return churn__days_from_civil(y, m, 1) * 86400;
}

int64_t churn__month_add(int64_t month_start, int64_t k) {
  int64_t y, m, d;
  churn__civil_from_days(churn__floor_div(month_start, 86400), &y, &m, &d);
  return churn__days_from_civil(y, m + k, 1) * 86400;
}

void churn__month_label(int64_t t, char *buf) {
  int64_t y, m, d;
  churn__civil_from_days(churn__floor_div(t, 86400), &y, &m, &d);
  snprintf(buf, 16, "%04lld-%02lld", (long long)y, (long long)m);
}

static bool digits(const char *s, int n, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  *out = v;
  return true;
}

/* Checks y-mo-d h:mi:se and stores its Unix time less the offset. */
static bool civil_time(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned se,
                       int64_t offset, int64_t *out) {
  if (mo < 1 || mo > 12 || d < 1 || d > (unsigned)churn__days_in_month(y, mo)) return false;
  if (h > 23 || mi > 59 || se > 59) return false;
  int64_t t = churn__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  if (t < CHURN_TIME_MIN || t > CHURN_TIME_MAX) return false;
  *out = t;
  return true;
}

bool churn__parse_date(const char *s, size_t len, bool compact, int64_t *out) {
  unsigned y, mo, d, h = 0, mi = 0, se = 0;
  if (compact && len == 8) {
    return digits(s, 4, &y) && digits(s + 4, 2, &mo) && digits(s + 6, 2, &d) &&
           civil_time(y, mo, d, 0, 0, 0, 0, out);
  }
  if (len < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
      !digits(s + 8, 2, &d)) {
    return false;
  }
  size_t i = 10;
  int64_t offset = 0;
  if (i < len) {
    if ((s[i] != 'T' && s[i] != ' ') || len < 19 || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se)) {
      return false;
    }
    i = 19;
    if (i < len && s[i] == 'Z') {
      i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
      unsigned oh, om;
      int sign = s[i] == '-' ? -1 : 1;
      if (len == i + 6 && digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
          digits(s + i + 4, 2, &om)) {
        i += 6;
      } else if (len == i + 5 && digits(s + i + 1, 2, &oh) && digits(s + i + 3, 2, &om)) {
        i += 5;
      } else {
        return false;
      }
      if (oh > 23 || om > 59) return false;
      offset = sign * (int64_t)(oh * 3600 + om * 60);
    }
    if (i != len) return false;
  }
  return civil_time(y, mo, d, h, mi, se, offset, out);
}

static void two(char *p, int64_t v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
}

size_t churn__format_time(int64_t t, bool full, char *buf) {
  buf[0] = '\0';
  if (t < CHURN_TIME_MIN || t > CHURN_TIME_MAX) return 0;
  int64_t days = churn__floor_div(t, 86400), sec = t - days * 86400, y, m, d;
  churn__civil_from_days(days, &y, &m, &d);
  memcpy(buf, "0000-00-00T00:00:00Z", CHURN__TIME_TEXT);
  two(buf, y / 100);
  two(buf + 2, y % 100);
  two(buf + 5, m);
  two(buf + 8, d);
  if (!full && sec == 0) {
    buf[10] = '\0';
    return 10;
  }
  two(buf + 11, sec / 3600);
  two(buf + 14, sec / 60 % 60);
  two(buf + 17, sec % 60);
  return 20;
}

CHURN_API churn_status churn_time_parse(const char *text, int64_t *out) {
  CHURN_CHECK_ARG(text != NULL && out != NULL, "churn_time_parse: text and out must not be NULL");
  size_t len = strlen(text);
  if (!churn__parse_date(text, len, true, out)) {
    return churn__fail(CHURN_E_FORMAT, "churn_time_parse: '%.40s' is not a date (YYYY-MM-DD, "
                       "YYYYMMDD or YYYY-MM-DDTHH:MM:SS[Z|+HH:MM], years 1..9999)", text);
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_time_format(int64_t t, char *buf, size_t cap) {
  CHURN_CHECK_ARG(buf != NULL, "churn_time_format: buf must not be NULL");
  CHURN_CHECK_ARG(cap >= CHURN__TIME_TEXT, "churn_time_format: cap = %zu is less than %d bytes",
                  cap, CHURN__TIME_TEXT);
  if (churn__format_time(t, false, buf) == 0) {
    return churn__fail(CHURN_E_RANGE, "churn_time_format: %lld is outside the years 1..9999",
                       (long long)t);
  }
  return CHURN_OK;
}

/* --- working days ------------------------------------------------------------------------------ */

static bool day_listed(const int64_t *days, size_t n, int64_t day) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (days[mid] < day) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < n && days[lo] == day;
}

bool churn__is_working_day(const churn_calendar *cal, int64_t day) {
  if (cal != NULL) {
    if (day_listed(cal->holiday, cal->nholiday, day)) return false;
    if (day_listed(cal->workday, cal->nworkday, day)) return true;
  }
  int weekday = (int)(((day + 4) % 7 + 7) % 7); /* 0 = Sunday; 1970-01-01 was a Thursday */
  return weekday != 0 && weekday != 6;
}

int64_t churn__add_working_days(const churn_calendar *cal, int64_t day, int64_t n) {
  for (int64_t k = 0; k < n; k++) {
    do {
      day++;
    } while (!churn__is_working_day(cal, day));
  }
  return day;
}

bool churn__parse_utc_offset(const char *s, int64_t *seconds) {
  size_t len = strlen(s);
  unsigned h, m = 0;
  if (len == 0 || (len == 1 && (s[0] == 'Z' || s[0] == 'z'))) {
    *seconds = 0;
    return true;
  }
  if (s[0] != '+' && s[0] != '-') return false;
  bool ok = (len == 6 && digits(s + 1, 2, &h) && s[3] == ':' && digits(s + 4, 2, &m)) ||
            (len == 5 && digits(s + 1, 2, &h) && digits(s + 3, 2, &m)) ||
            (len == 3 && digits(s + 1, 2, &h));
  if (!ok || h > 18 || m > 59 || (h == 18 && m > 0)) return false;
  *seconds = (s[0] == '-' ? -1 : 1) * (int64_t)(h * 3600 + m * 60);
  return true;
}
