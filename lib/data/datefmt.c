/*
 * datefmt.c -- the operator formats of a mapping file: strptime-style date formats (our own
 * small parser: no locale, no global state, and a text that does not match is refused rather
 * than half-read), UTC offsets, and number formats with thousands separators and currency signs.
 */
#include "mapping.h"
#include "dataset.h"

#include <string.h>

static inline bool is_digit(char c) { return (unsigned)(c - '0') < 10u; }

/* Width of a conversion: %Y 4 digits, the others 2. */
static int conv_width(char c) { return c == 'Y' ? 4 : 2; }

bool churn__datefmt_check(const char *fmt, const char **why) {
  bool seen[128] = {false};
  size_t n = 0;
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') continue;
    char c = p[1];
    if (c == '%') {
      p++;
      continue;
    }
    if (c == '\0' || !strchr("YmdHMSs", c)) {
      *why = "a conversion other than %Y %m %d %H %M %S %s %%";
      return false;
    }
    if (seen[(int)c]) {
      *why = "a conversion given twice";
      return false;
    }
    seen[(int)c] = true;
    n++;
    p++;
  }
  if (seen['s'] && n > 1) {
    *why = "%s (Unix seconds) combined with other conversions";
    return false;
  }
  if (!seen['s'] && !(seen['Y'] && seen['m'] && seen['d'])) {
    *why = "no %Y, %m and %d (nor %s)";
    return false;
  }
  return true;
}

bool churn__datefmt_parse(const char *fmt, const char *s, size_t len, int64_t utc_offset,
                          int64_t *out) {
  while (len > 0 && (*s == ' ' || *s == '\t')) s++, len--;
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
  int64_t v[128] = {0};
  v['m'] = v['d'] = 1;
  bool unix_secs = false;
  size_t i = 0;
  bool after_conv = false; /* the previous format item was a conversion */
  for (const char *p = fmt; *p; p++) {
    if (*p != '%' || p[1] == '%') {
      if (*p == '%') p++;
      if (i >= len || s[i] != *p) return false;
      i++;
      after_conv = false;
      continue;
    }
    char c = *++p;
    bool prev_conv = after_conv;
    after_conv = true;
    if (c == 's') {
      bool neg = i < len && s[i] == '-';
      if (neg) i++;
      size_t start = i;
      int64_t x = 0;
      while (i < len && is_digit(s[i]) && i - start < 12) x = x * 10 + (s[i++] - '0');
      if (i == start || (i < len && is_digit(s[i]))) return false;
      v['s'] = neg ? -x : x;
      unix_secs = true;
      continue;
    }
    /* full width next to another conversion (20240701), else 1..width digits (2024/7/1) */
    int width = conv_width(c);
    bool fixed = prev_conv || (p[1] == '%' && p[2] != '%');
    size_t start = i;
    int64_t x = 0;
    while (i < len && is_digit(s[i]) && (int)(i - start) < width) x = x * 10 + (s[i++] - '0');
    size_t got = i - start;
    if (got == 0 || (fixed && (int)got != width) || (c == 'Y' && got != 4)) return false;
    if (i < len && is_digit(s[i]) && !fixed) return false;
    v[(int)c] = x;
  }
  if (i != len) return false;
  int64_t t;
  if (unix_secs) {
    t = v['s'];
  } else {
    int64_t y = v['Y'], m = v['m'], d = v['d'];
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > churn__days_in_month(y, m)) return false;
    if (v['H'] > 23 || v['M'] > 59 || v['S'] > 59) return false;
    t = churn__days_from_civil(y, m, d) * 86400 + v['H'] * 3600 + v['M'] * 60 + v['S'] -
        utc_offset;
  }
  if (!churn__time_ok(t)) return false;
  *out = t;
  return true;
}

bool churn__numfmt_from_example(const char *ex, churn__numfmt *nf) {
  /* one digit, an optional thousands separator, three digits, a decimal mark, digits */
  size_t n = strlen(ex);
  size_t i = 0;
  if (n < 4 || !is_digit(ex[0])) return false;
  i = 1;
  char th = 0;
  if (!is_digit(ex[1])) {
    th = ex[1];
    i = 2;
  }
  for (int k = 0; k < 3; k++, i++) {
    if (i >= n || !is_digit(ex[i])) return false;
  }
  if (i >= n || is_digit(ex[i]) || ex[i] == th) return false;
  char dec = ex[i++];
  if (i >= n) return false;
  for (; i < n; i++) {
    if (!is_digit(ex[i])) return false;
  }
  if (!strchr(".,", dec) || (th && !strchr(",. '", th))) return false;
  nf->thousands = th;
  nf->decimal = dec;
  return true;
}

/* Strips a currency sign at the front (after an optional minus) or 元 at the end. */
static void strip_currency(const char **s, size_t *len, bool *neg) {
  static const char *const SIGNS[] = {"\xC2\xA5", "\xEF\xBF\xA5", "$", "\xE2\x82\xAC",
                                      "\xC2\xA3", "RMB", "CNY"};
  if (*len > 0 && (**s == '-' || **s == '+')) {
    *neg = **s == '-';
    (*s)++;
    (*len)--;
  }
  for (size_t k = 0; k < sizeof SIGNS / sizeof *SIGNS; k++) {
    size_t m = strlen(SIGNS[k]);
    if (*len >= m && memcmp(*s, SIGNS[k], m) == 0) {
      *s += m;
      *len -= m;
      break;
    }
  }
  static const char YUAN[] = "\xE5\x85\x83";
  if (*len >= 3 && memcmp(*s + *len - 3, YUAN, 3) == 0) *len -= 3;
  if (!*neg && *len > 0 && **s == '-') {
    *neg = true;
    (*s)++;
    (*len)--;
  }
}

bool churn__numfmt_parse(const churn__numfmt *nf, const char *s, size_t len, double *out) {
  if (nf == NULL) return churn__parse_f64(s, len, out);
  while (len > 0 && (*s == ' ' || *s == '\t')) s++, len--;
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
  bool neg = false;
  strip_currency(&s, &len, &neg);
  char buf[96];
  size_t k = 0;
  if (len == 0 || len >= sizeof buf - 2) return false;
  if (neg) buf[k++] = '-';
  /* integer part: digits, grouped by 3 after the first group when separators appear */
  size_t i = 0, group = 0, groups = 0;
  bool grouped = false;
  for (; i < len && s[i] != nf->decimal; i++) {
    if (is_digit(s[i])) {
      buf[k++] = s[i];
      group++;
      continue;
    }
    if (nf->thousands == 0 || s[i] != nf->thousands) return false;
    if (group == 0 || (groups == 0 ? group > 3 : group != 3)) return false;
    grouped = true;
    groups++;
    group = 0;
  }
  if (group == 0 || (grouped && group != 3)) return false;
  if (i < len) {
    buf[k++] = '.';
    size_t frac = 0;
    for (i++; i < len; i++, frac++) {
      if (!is_digit(s[i])) return false;
      buf[k++] = s[i];
    }
    if (frac == 0) return false;
  }
  return churn__parse_f64(buf, k, out) && churn__is_finite(*out);
}
