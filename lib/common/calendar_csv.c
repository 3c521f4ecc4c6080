/*
 * calendar_csv.c -- the public working-day calendar (churn_calendar): loading it from a
 * `date,type` CSV file (type holiday or workday) and the deadline call that counts working days
 * in the operator's local time.  The arithmetic itself lives in calendar.c.
 */
#include "calendar.h"
#include "pairs.h"

#include <stdlib.h>
#include <string.h>

typedef struct day_entry {
  int64_t day;
  int64_t line;
  bool holiday;
} day_entry;

typedef struct cal_read {
  const char *path;
  day_entry *e;
  size_t n, cap;
} cal_read;

static churn_status on_line(void *ctx, int64_t line, const char *a, size_t alen, const char *b,
                            size_t blen) {
  cal_read *r = ctx;
  int64_t t;
  if (!churn__parse_date(a, alen, true, &t) || churn__floor_div(t, 86400) * 86400 != t) {
    return churn__fail(CHURN_E_FORMAT, "calendar file '%s' line %lld: '%.*s' is not a date "
                       "(YYYY-MM-DD)", r->path, (long long)line, (int)(alen > 40 ? 40 : alen), a);
  }
  bool holiday;
  if (blen == 7 && memcmp(b, "holiday", 7) == 0) {
    holiday = true;
  } else if (blen == 7 && memcmp(b, "workday", 7) == 0) {
    holiday = false;
  } else {
    return churn__fail(CHURN_E_FORMAT, "calendar file '%s' line %lld: type '%.*s' is neither "
                       "'holiday' nor 'workday'", r->path, (long long)line,
                       (int)(blen > 40 ? 40 : blen), b);
  }
  if (!churn__grow((void **)&r->e, &r->cap, r->n + 1, sizeof *r->e)) {
    return churn__nomem("calendar days");
  }
  r->e[r->n++] = (day_entry){t / 86400, line, holiday};
  return CHURN_OK;
}

static int cmp_entry(const void *x, const void *y) {
  const day_entry *a = x, *b = y;
  if (a->day != b->day) return a->day < b->day ? -1 : 1;
  return (a->line > b->line) - (a->line < b->line);
}

CHURN_API churn_status churn_calendar_load(const char *path, churn_calendar **out) {
  CHURN_CHECK_ARG(path != NULL && out != NULL, "churn_calendar_load: path and out must not be "
                  "NULL");
  cal_read r = {path, NULL, 0, 0};
  churn_status st = churn__read_pairs(path, "calendar", "date", on_line, &r);
  churn_calendar *cal = NULL;
  if (st == CHURN_OK) {
    if (r.n > 1) qsort(r.e, r.n, sizeof *r.e, cmp_entry); /* r.e is NULL for an empty file */
    cal = churn__calloc(1, sizeof *cal);
    if (cal != NULL) {
      cal->holiday = churn__malloc_array(r.n, sizeof(int64_t));
      cal->workday = churn__malloc_array(r.n, sizeof(int64_t));
    }
    if (cal == NULL || cal->holiday == NULL || cal->workday == NULL) {
      st = churn__nomem("calendar");
    }
  }
  for (size_t i = 0; st == CHURN_OK && i < r.n; i++) {
    if (i > 0 && r.e[i].day == r.e[i - 1].day) {
      if (r.e[i].holiday != r.e[i - 1].holiday) {
        st = churn__fail(CHURN_E_FORMAT, "calendar file '%s' line %lld: the day is a %s on line "
                         "%lld and a %s here", path, (long long)r.e[i].line,
                         r.e[i - 1].holiday ? "holiday" : "workday", (long long)r.e[i - 1].line,
                         r.e[i].holiday ? "holiday" : "workday");
      }
      continue; /* a repeat of the same declaration */
    }
    if (r.e[i].holiday) {
      cal->holiday[cal->nholiday++] = r.e[i].day;
    } else {
      cal->workday[cal->nworkday++] = r.e[i].day;
    }
  }
  churn__free(r.e);
  if (st != CHURN_OK) {
    churn_calendar_free(cal);
    return st;
  }
  *out = cal;
  return CHURN_OK;
}

CHURN_API void churn_calendar_free(churn_calendar *cal) {
  if (cal == NULL) return;
  churn__free(cal->holiday);
  churn__free(cal->workday);
  churn__free(cal);
}

CHURN_API churn_status churn_calendar_deadline(const churn_calendar *cal, int64_t t,
                                               int64_t working_days, int64_t utc_offset,
                                               int64_t *out) {
  const char *fn = "churn_calendar_deadline";
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_CHECK_ARG(t >= CHURN_TIME_MIN && t <= CHURN_TIME_MAX,
                  "%s: t = %lld is outside the years 1..9999", fn, (long long)t);
  CHURN_CHECK_ARG(working_days >= 0 && working_days <= 3650,
                  "%s: working_days = %lld is not in [0, 3650]", fn, (long long)working_days);
  CHURN_CHECK_ARG(utc_offset > -86400 && utc_offset < 86400,
                  "%s: utc_offset = %lld seconds is not within a day of UTC", fn,
                  (long long)utc_offset);
  int64_t local = t + utc_offset;
  int64_t day = churn__floor_div(local, 86400);
  int64_t d = churn__add_working_days(cal, day, working_days) - day;
  int64_t r = t + d * 86400;
  if (r > CHURN_TIME_MAX) {
    return churn__fail(CHURN_E_RANGE, "%s: the deadline is after the year 9999", fn);
  }
  *out = r;
  return CHURN_OK;
}
