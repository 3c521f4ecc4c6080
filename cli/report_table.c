/*
 * report_table.c -- the report's tables: typed columns with a display format, and their CSV,
 * JSON and text forms.  The HTML page and the text output format cells with rtable_format, the
 * CSV keeps full precision, so a reader can check one against the other.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

rtable *rtable_new(int64_t nrows) {
  rtable *t = calloc(1, sizeof *t);
  if (t) t->nrows = nrows < 0 ? 0 : nrows;
  return t;
}

void rtable_free(rtable *t) {
  if (t == NULL) return;
  for (int j = 0; j < t->ncols; j++) {
    free(t->col[j].num);
    if (t->col[j].str) {
      for (int64_t i = 0; i < t->nrows; i++) free(t->col[j].str[i]);
      free(t->col[j].str);
    }
  }
  free(t);
}

int rtable_add(rtable *t, const char *name, const char *label, rfmt fmt) {
  if (t == NULL || t->ncols == RTABLE_MAX_COLS) return -1;
  rcol *c = &t->col[t->ncols];
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%s", name);
  snprintf(c->label, sizeof c->label, "%s", label);
  c->fmt = fmt;
  size_t n = (size_t)t->nrows + 1;
  if (fmt == RFMT_STR) {
    c->str = calloc(n, sizeof *c->str);
    if (c->str == NULL) return -1;
  } else {
    c->num = malloc(n * sizeof *c->num);
    if (c->num == NULL) return -1;
    for (size_t i = 0; i < n; i++) c->num[i] = NAN;
  }
  return t->ncols++;
}

void rtable_set(rtable *t, int j, int64_t i, double v) {
  if (j >= 0 && j < t->ncols && t->col[j].num && i >= 0 && i < t->nrows) t->col[j].num[i] = v;
}

bool rtable_set_str(rtable *t, int j, int64_t i, const char *s) {
  if (j < 0 || j >= t->ncols || t->col[j].str == NULL || i < 0 || i >= t->nrows) return false;
  char *copy = strdup(s ? s : "");
  if (copy == NULL) return false;
  free(t->col[j].str[i]);
  t->col[j].str[i] = copy;
  return true;
}

int rtable_find(const rtable *t, const char *name) {
  for (int j = 0; j < t->ncols; j++) {
    if (strcmp(t->col[j].name, name) == 0) return j;
  }
  return -1;
}

/* An integer with thousands separators (v finite, |v| < 1e18). */
static void grouped(double v, bool sign, char *buf, size_t cap) {
  long long n = llround(v);
  char digits[32];
  snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);
  size_t len = strlen(digits), o = 0;
  char out[48];
  if (n < 0) out[o++] = '-';
  else if (sign && n > 0) out[o++] = '+';
  for (size_t k = 0; k < len; k++) {
    if (k > 0 && (len - k) % 3 == 0) out[o++] = ',';
    out[o++] = digits[k];
  }
  out[o] = '\0';
  snprintf(buf, cap, "%s", out);
}

void rtable_format(const rtable *t, int j, int64_t i, char *buf, size_t cap) {
  const rcol *c = &t->col[j];
  if (c->fmt == RFMT_STR) {
    snprintf(buf, cap, "%s", c->str[i] ? c->str[i] : "");
    return;
  }
  double v = c->num[i];
  if (!isfinite(v)) {
    buf[0] = '\0';
    return;
  }
  switch (c->fmt) {
    case RFMT_INT: grouped(v, false, buf, cap); break;
    case RFMT_DELTA: grouped(v, true, buf, cap); break;
    case RFMT_PCT: snprintf(buf, cap, "%.2f%%", 100 * v); break;
    case RFMT_PP: snprintf(buf, cap, "%+.2f pp", 100 * v); break;
    case RFMT_PROB: snprintf(buf, cap, "%.0f%%", 100 * v); break;
    case RFMT_DATE:
      if (churn_time_format((int64_t)v, buf, cap) != CHURN_OK) snprintf(buf, cap, "%.0f", v);
      else if (strlen(buf) > 10) buf[10] = '\0';
      break;
    default: snprintf(buf, cap, "%.6g", v); break;
  }
}

static void csv_field(rbuf *b, const char *s) {
  if (strpbrk(s, ",\"\n\r") == NULL) {
    rbuf_puts(b, s);
    return;
  }
  rbuf_put(b, "\"", 1);
  for (; *s; s++) {
    if (*s == '"') rbuf_put(b, "\"", 1);
    rbuf_put(b, s, 1);
  }
  rbuf_put(b, "\"", 1);
}

/* A number at full precision: integers exactly, others in the fewest of 15, 16, 17 significant
 * digits that read back to the same double. */
static void raw_number(const rcol *c, double v, char *buf, size_t cap) {
  if (c->fmt == RFMT_INT || c->fmt == RFMT_DELTA || c->fmt == RFMT_DATE) snprintf(buf, cap, "%.0f", v);
  else {
    for (int digits = 15; digits <= 17; digits++) {
      snprintf(buf, cap, "%.*g", digits, v);
      if (strtod(buf, NULL) == v) break;
    }
  }
}

void rtable_csv(const rtable *t, rbuf *b) {
  for (int j = 0; j < t->ncols; j++) {
    if (j) rbuf_put(b, ",", 1);
    csv_field(b, t->col[j].name);
  }
  rbuf_put(b, "\n", 1);
  char buf[64];
  for (int64_t i = 0; i < t->nrows; i++) {
    for (int j = 0; j < t->ncols; j++) {
      const rcol *c = &t->col[j];
      if (j) rbuf_put(b, ",", 1);
      if (c->fmt == RFMT_STR) csv_field(b, c->str[i] ? c->str[i] : "");
      else if (c->fmt == RFMT_DATE && isfinite(c->num[i])) {
        rtable_format(t, j, i, buf, sizeof buf);
        rbuf_puts(b, buf);
      } else if (isfinite(c->num[i])) {
        raw_number(c, c->num[i], buf, sizeof buf);
        rbuf_puts(b, buf);
      }
    }
    rbuf_put(b, "\n", 1);
  }
}

void rtable_json(const rtable *t, rbuf *b) {
  char buf[64];
  rbuf_puts(b, "[");
  for (int64_t i = 0; i < t->nrows; i++) {
    rbuf_puts(b, i ? ",\n    {" : "\n    {");
    for (int j = 0; j < t->ncols; j++) {
      const rcol *c = &t->col[j];
      if (j) rbuf_puts(b, ", ");
      rbuf_json(b, c->name);
      rbuf_puts(b, ": ");
      if (c->fmt == RFMT_STR) {
        rbuf_json(b, c->str[i] ? c->str[i] : "");
      } else if (!isfinite(c->num[i])) {
        rbuf_puts(b, "null");
      } else if (c->fmt == RFMT_DATE) {
        rtable_format(t, j, i, buf, sizeof buf);
        rbuf_json(b, buf);
      } else {
        raw_number(c, c->num[i], buf, sizeof buf);
        rbuf_puts(b, buf);
      }
    }
    rbuf_puts(b, "}");
  }
  rbuf_puts(b, t->nrows ? "\n  ]" : "]");
}

/* Display width of UTF-8 text: one per code point, two for East Asian wide ones (U+1100 and up
 * is close enough for CJK labels). */
static int width_of(const char *s) {
  int w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p & 0xC0) == 0x80) continue;
    w += *p >= 0xE1 ? 2 : 1;
  }
  return w;
}

void rtable_text(const rtable *t, FILE *f) {
  int width[RTABLE_MAX_COLS];
  char buf[256];
  for (int j = 0; j < t->ncols; j++) {
    width[j] = width_of(t->col[j].label);
    for (int64_t i = 0; i < t->nrows; i++) {
      rtable_format(t, j, i, buf, sizeof buf);
      int w = width_of(buf);
      if (w > width[j]) width[j] = w;
    }
  }
  for (int j = 0; j < t->ncols; j++) {
    fprintf(f, "%s%*s%s", j ? "  " : "", width[j] - width_of(t->col[j].label), "", t->col[j].label);
  }
  fputc('\n', f);
  for (int64_t i = 0; i < t->nrows; i++) {
    for (int j = 0; j < t->ncols; j++) {
      rtable_format(t, j, i, buf, sizeof buf);
      fprintf(f, "%s%*s%s", j ? "  " : "", width[j] - width_of(buf), "", buf);
    }
    fputc('\n', f);
  }
}
