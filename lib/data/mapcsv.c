/*
 * mapcsv.c -- splits the records of a whole converted export (mapping ingest) in place: RFC
 * 4180 quoting with "" escapes, CRLF or LF, fields NUL-terminated where they lie.  The streaming
 * reader of csv.c reads raw files block by block; an export read through a mapping is first
 * converted to UTF-8 as a whole (recode.c), so its records are split here from memory.
 */
#include "mapping.h"

#include <string.h>

static bool push(churn__maprec *r, char *p, size_t len) {
  if (!churn__grow((void **)&r->f, &r->fcap, r->nf + 1, sizeof *r->f)) return false;
  r->f[r->nf++] = (churn__mapfield){p, len};
  return true;
}

void churn__maprec_free(churn__maprec *r) {
  churn__free(r->f);
  r->f = NULL;
  r->nf = r->fcap = 0;
}

churn_status churn__maprec_next(churn__maprec *r, const char *source, bool *got) {
  *got = false;
  /* skip empty lines */
  while (r->pos < r->end && (*r->pos == '\n' || *r->pos == '\r')) {
    if (*r->pos == '\n') r->line++;
    r->pos++;
  }
  if (r->pos >= r->end) return CHURN_OK;
  r->nf = 0;
  r->nbad = 0;
  r->junk = -1;
  r->rec_line = r->line;
  char *p = r->pos;
  for (;;) {
    char *start = p, *w = p;
    if (p < r->end && *p == '"') {
      p++;
      for (;;) {
        if (p >= r->end) {
          return churn__fail(CHURN_E_FORMAT, "%s: line %lld: unterminated quoted field", source,
                             (long long)r->rec_line);
        }
        if (*p == '"') {
          if (p + 1 < r->end && p[1] == '"') {
            *w++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        if (*p == '\n') r->line++;
        if ((unsigned char)*p == 0xFF) r->nbad++;
        *w++ = *p++;
      }
      /* text after the closing quote ("12"5): kept, and the record is rejected (junk) */
      if (p < r->end && *p != r->delim && *p != '\n' && *p != '\r' && r->junk < 0) {
        r->junk = (int)r->nf;
      }
      while (p < r->end && *p != r->delim && *p != '\n' && *p != '\r') {
        if ((unsigned char)*p == 0xFF) r->nbad++;
        *w++ = *p++;
      }
    } else {
      while (p < r->end && *p != r->delim && *p != '\n' && *p != '\r') {
        if ((unsigned char)*p == 0xFF) r->nbad++;
        p++;
      }
      w = p;
    }
    char stop = p < r->end ? *p : '\n';
    if (!push(r, start, (size_t)(w - start))) return churn__nomem("record fields");
    if (stop == r->delim) {
      *w = '\0';
      p++;
      continue;
    }
    /* end of record: CRLF, LF or end of buffer */
    if (p < r->end && *p == '\r') p++;
    if (p < r->end && *p == '\n') p++;
    *w = '\0';
    r->line++;
    break;
  }
  r->pos = p;
  *got = true;
  return CHURN_OK;
}
