/*
 * pairs.h -- a reader for the small two-column CSV files users hand the library as settings
 * (pairs.c): a working-day calendar (date,type), a reason map (label,reason).  Never installed.
 */
#ifndef CHURN_PAIRS_H
#define CHURN_PAIRS_H

#include "internal.h"

/* Called for each data line with its 1-based line number and its two fields (unquoted, not
 * NUL-terminated; UTF-8 passed through as bytes).  A status other than CHURN_OK stops the
 * read and is returned (the callback sets the message, naming the line). */
typedef churn_status (*churn__pair_fn)(void *ctx, int64_t line, const char *a, size_t alen,
                                       const char *b, size_t blen);

/* Reads path: a UTF-8 byte-order mark is skipped, LF or CRLF ends a line, blank lines are
 * skipped, a field may be quoted ("a,b" and "" inside quotes as in RFC 4180).  When the first
 * line's first field equals header_first it is a header and skipped.  A line that does not hold
 * exactly two fields fails with CHURN_E_FORMAT naming the file and the line.  what names the
 * file's purpose in messages ("calendar").  CHURN_E_IO naming the path when it cannot be read. */
churn_status churn__read_pairs(const char *path, const char *what, const char *header_first,
                               churn__pair_fn fn, void *ctx);

#endif
