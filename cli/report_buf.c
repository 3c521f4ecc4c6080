/*
 * report_buf.c -- the growable text buffer the report is built in before it is written
 * atomically, and the HTML and JSON escapes of text taken from the data.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

void rbuf_free(rbuf *b) {
  free(b->data);
  *b = (rbuf){0};
}

static bool grow(rbuf *b, size_t need) {
  if (b->failed) return false;
  if (b->len + need + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + need + 1) cap *= 2;
  char *p = realloc(b->data, cap);
  if (p == NULL) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void rbuf_put(rbuf *b, const char *s, size_t n) {
  if (!grow(b, n)) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void rbuf_puts(rbuf *b, const char *s) { rbuf_put(b, s, strlen(s)); }

void rbuf_printf(rbuf *b, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = true;
    return;
  }
  if ((size_t)n < sizeof small) {
    rbuf_put(b, small, (size_t)n);
    return;
  }
  if (!grow(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes there are not one
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static int utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4) return 0;
  for (int k = 1; k < n; k++) {
    if ((s[k] & 0xC0) != 0x80) return 0;
  }
  if (n == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))) return 0;
  if (n == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))) return 0;
  return n;
}

void rbuf_html(rbuf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    switch (*p) {
      case '&': rbuf_puts(b, "&amp;"); p++; continue;
      case '<': rbuf_puts(b, "&lt;"); p++; continue;
      case '>': rbuf_puts(b, "&gt;"); p++; continue;
      case '"': rbuf_puts(b, "&quot;"); p++; continue;
      case '\'': rbuf_puts(b, "&#39;"); p++; continue;
      default: break;
    }
    int n = utf8_len(p);
    if (n == 0 || (*p < 0x20 && *p != '\t' && *p != '\n')) {
      rbuf_puts(b, "&#xFFFD;");
      p++;
    } else {
      rbuf_put(b, (const char *)p, (size_t)n);
      p += n;
    }
  }
}

void rbuf_json(rbuf *b, const char *s) {
  rbuf_put(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') rbuf_printf(b, "\\%c", *p);
    else if (*p < 0x20) rbuf_printf(b, "\\u%04x", *p);
    else rbuf_put(b, (const char *)p, 1);
  }
  rbuf_put(b, "\"", 1);
}
