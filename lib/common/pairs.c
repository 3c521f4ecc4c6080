/*
 * pairs.c -- reads the two-column CSV files given as settings (a working-day calendar, a reason
 * map): whole file in memory (they are small), RFC 4180 quoting, each line handed to a callback.
 */
#include "pairs.h"
#include "fileio.h"

#include <string.h>

/* Splits one line [p, end) into at most 2 fields, unquoting in place; the number of fields, or
 * -1 for a bad quote. */
static int split(char *p, char *end, char **f, size_t *flen) {
  int n = 0;
  for (;;) {
    if (n == 2) return 3; /* a third field */
    char *w = p, *start = p;
    if (p < end && *p == '"') {
      p++;
      for (;;) {
        if (p >= end) return -1;
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            *w++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        *w++ = *p++;
      }
      if (p < end && *p != ',') return -1;
    } else {
      while (p < end && *p != ',') p++;
      w = p;
    }
    f[n] = start;
    flen[n] = (size_t)(w - start);
    n++;
    if (p >= end) return n;
    p++; /* the comma */
  }
}

churn_status churn__read_pairs(const char *path, const char *what, const char *header_first,
                               churn__pair_fn fn, void *ctx) {
  CHURN_CHECK_ARG(path != NULL, "%s file path is NULL", what);
  uint8_t *data = NULL;
  size_t len = 0;
  CHURN_TRY(churn__read_file(path, &data, &len));
  char *p = (char *)data, *end = p + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
  churn_status st = CHURN_OK;
  for (int64_t line = 1; p < end && st == CHURN_OK; line++) {
    char *eol = memchr(p, '\n', (size_t)(end - p));
    char *next = eol ? eol + 1 : end;
    char *le = eol ? eol : end;
    if (le > p && le[-1] == '\r') le--;
    if (le > p) {
      char *f[2];
      size_t flen[2];
      char *orig = p;
      size_t olen = (size_t)(le - p);
      char show[64];
      size_t sl = olen < sizeof show - 1 ? olen : sizeof show - 1;
      memcpy(show, orig, sl);
      show[sl] = '\0';
      int n = split(p, le, f, flen);
      if (n != 2) {
        st = churn__fail(CHURN_E_FORMAT, "%s file '%s' line %lld: '%s' is not two fields "
                         "separated by a comma", what, path, (long long)line, show);
      } else if (line == 1 && header_first != NULL && flen[0] == strlen(header_first) &&
                 memcmp(f[0], header_first, flen[0]) == 0) {
        /* the header */
      } else {
        st = fn(ctx, line, f[0], flen[0], f[1], flen[1]);
      }
    }
    p = next;
  }
  churn__free(data);
  return st;
}
