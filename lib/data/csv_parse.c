/*
 * csv_parse.c -- hand-written parsers for CSV fields: integers, decimal numbers (exact
 * Clinger fast path, strtod only for long or extreme inputs), ISO-8601 dates and date-times, and
 * Unix seconds.  No allocation, no locale, no sscanf.
 */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

static void trim(const char **s, size_t *len) {
  while (*len > 0 && (**s == ' ' || **s == '\t')) {
    (*s)++;
    (*len)--;
  }
  while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

static inline bool is_digit(char c) { return (unsigned)(c - '0') < 10u; }

bool churn__parse_i64(const char *s, size_t len, int64_t *out) {
  trim(&s, &len);
  if (len == 0) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == len) return false;
  uint64_t v = 0;
  for (; i < len; i++) {
    if (!is_digit(s[i])) return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX) return false;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

static bool ieq(const char *s, size_t len, const char *word) {
  size_t n = strlen(word);
  if (len != n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod on a NUL-terminated copy, for inputs outside the exact fast path. */
static bool slow_f64(const char *s, size_t len, double *out) {
  char buf[128];
  if (len >= sizeof buf) return false;
  memcpy(buf, s, len);
  buf[len] = '\0';
  char *end;
  double v = strtod(buf, &end);
  if (end != buf + len) return false;
  *out = v;
  return true;
}

bool churn__parse_f64(const char *s, size_t len, double *out) {
  trim(&s, &len);
  if (len == 0) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i < len && !is_digit(s[i]) && s[i] != '.') {
    const char *w = s + i;
    size_t wl = len - i;
    if (ieq(w, wl, "nan")) {
      *out = NAN;
      return true;
    }
    if (ieq(w, wl, "inf") || ieq(w, wl, "infinity")) {
      *out = neg ? -INFINITY : INFINITY;
      return true;
    }
    return false;
  }
  uint64_t m = 0;
  int nd = 0;         /* significant digits in m */
  int exp10 = 0;
  bool any = false, dropped = false;
  for (; i < len && is_digit(s[i]); i++) {
    any = true;
    if (nd < 19) {
      m = m * 10 + (uint64_t)(s[i] - '0');
      if (m) nd++;
    } else {
      exp10++;
      dropped |= s[i] != '0';
    }
  }
  if (i < len && s[i] == '.') {
    for (i++; i < len && is_digit(s[i]); i++) {
      any = true;
      if (nd < 19) {
        m = m * 10 + (uint64_t)(s[i] - '0');
        if (m) nd++;
        exp10--;
      } else {
        dropped |= s[i] != '0';
      }
    }
  }
  if (!any) return false;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
    if (i == len) return false;
    int e = 0;
    for (; i < len && is_digit(s[i]); i++) {
      if (e < 100000) e = e * 10 + (s[i] - '0');
    }
    exp10 += eneg ? -e : e;
  }
  if (i != len) return false;
  if (!dropped && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
    double v = (double)m;
    v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
    *out = neg ? -v : v;
    return true;
  }
  return slow_f64(s, len, out);
}

bool churn__parse_time(const char *s, size_t len, int64_t *out) {
  trim(&s, &len);
  int64_t v;
  /* 8 digits are a compact date (20240701) or refused, never Unix seconds (1970-08-23) */
  bool compact = len == 8;
  for (size_t i = 0; compact && i < 8; i++) compact = is_digit(s[i]);
  bool ok = compact || (len >= 10 && s[4] == '-') ? churn__parse_date(s, len, compact, &v)
                                                  : churn__parse_i64(s, len, &v);
  if (!ok || !churn__time_ok(v)) return false;
  *out = v;
  return true;
}
