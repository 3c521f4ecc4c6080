/*
 * csv_parse.c -- hand-written parsers for CSV fields: integers, decimal numbers (exact
 * Clinger fast path, strtod only for long or extreme inputs), ISO-8601 dates and date-times,
 * compact YYYYMMDD dates, Unix seconds when asked for, and the check every text field (id,
 * label, header name) passes: UTF-8 without NUL bytes.  No allocation, no locale, no sscanf.
 */
#include "dataset.h"

#include <stdio.h>
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

bool churn__parse_time(const char *s, size_t len, bool unix_times, int64_t *out) {
  trim(&s, &len);
  int64_t v;
  bool ok;
  if (len >= 10 && s[4] == '-') {
    ok = churn__parse_date(s, len, false, &v);
  } else if (len == 8 && s[0] != '-' && s[0] != '+') {
    /* 20240701 is a date (billing exports write them so), never 1970-08-23 */
    ok = churn__parse_date(s, len, true, &v);
  } else {
    /* a bare number (Unix seconds, an Excel serial day like 45474) only when the caller says
     * what it is (CHURN_OPT_INGEST_UNIX_TIMES) */
    ok = unix_times && churn__parse_i64(s, len, &v);
  }
  if (!ok || !churn__time_ok(v)) return false;
  *out = v;
  return true;
}

bool churn__parse_code_number(const char *s, size_t len, int64_t *out) {
  if (len == 0) return false;
  size_t d = s[0] == '-' ? 1 : 0;
  if (len > d + 1 && s[d] == '0') return false;
  return churn__parse_i64(s, len, out);
}

/* --- text fields -------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (at most left bytes), 0 if invalid: no overlong
 * forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t left) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (left < n || s[1] < lo || s[1] > hi) return 0;
  for (size_t k = 2; k < n; k++) {
    if (s[k] < 0x80 || s[k] > 0xBF) return 0;
  }
  return n;
}

const char *churn__csv_text_check(const char *s, size_t len, char *why, size_t cap) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < len;) {
    if (u[i] >= 0x20 && u[i] < 0x80) {  /* the common case: printable ASCII */
      i++;
      continue;
    }
    if (u[i] == 0) {
      snprintf(why, cap, "a NUL byte at byte %zu", i + 1);
      return why;
    }
    size_t n = utf8_seq(u + i, len - i);
    if (n == 0) {
      snprintf(why, cap, "invalid UTF-8: byte 0x%02X at byte %zu (give text in UTF-8)", u[i],
               i + 1);
      return why;
    }
    i += n;
  }
  return NULL;
}

void churn__csv_show(const char *s, size_t len, char *buf, size_t cap) {
  size_t n = 0;
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < len && n + 5 < cap;) {
    size_t k = u[i] >= 0x20 ? utf8_seq(u + i, len - i) : 0;
    if (k == 0) {
      buf[n++] = '?';
      i++;
    } else {
      memcpy(buf + n, s + i, k);
      n += k;
      i += k;
    }
    if (n >= 60 && i < len) {
      memcpy(buf + n, "...", 3);
      n += 3;
      break;
    }
  }
  buf[n] = '\0';
}
