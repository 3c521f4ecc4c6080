/*
 * mapping.h -- the pieces of ingest through a mapping file (churn_dataset_read_mapping):
 * strptime-style date formats (datefmt.c), operator number formats (datefmt.c), text encodings
 * converted with iconv (recode.c), a CSV record splitter over a converted buffer (mapcsv.c) and
 * the mapping file itself (mapping.c).  Never installed.
 */
#ifndef CHURN_MAPPING_H
#define CHURN_MAPPING_H

#include "common/calendar.h"
#include "common/internal.h"

/* --- date formats (datefmt.c) ------------------------------------------------------------- */

/* Checks a date format: literals and %Y %m %d %H %M %S %s %%; %Y, %m and %d all present, or %s
 * alone (Unix seconds).  False with *why set to a static reason otherwise. */
bool churn__datefmt_check(const char *fmt, const char **why);
/* Parses exactly len bytes of s (spaces around trimmed) by fmt, a local time utc_offset
 * seconds east of UTC (ignored for %s), into Unix seconds in CHURN_TIME_MIN..MAX.  False when
 * the text does not match or the date does not exist (2024-02-30, 25:00). */
bool churn__datefmt_parse(const char *fmt, const char *s, size_t len, int64_t utc_offset,
                          int64_t *out);
/* UTC offsets ("+08:00", "-0530", "Z") are read by churn__parse_utc_offset (common/calendar.h,
 * the library's one offset parser). */

/* --- number formats (datefmt.c) ----------------------------------------------------------- */

/* An operator number format, from an example such as "1,234.50" (',' groups thousands, '.' is
 * the decimal point), "1.234,50" or "1 234,50"; currency signs (¥ ￥ $ € £, a trailing 元)
 * are accepted around numbers read with a format. */
typedef struct churn__numfmt {
  char thousands; /* 0 = none */
  char decimal;
} churn__numfmt;

bool churn__numfmt_from_example(const char *example, churn__numfmt *nf);
/* A number by the format (fmt NULL: the plain parser, no separators or signs). */
bool churn__numfmt_parse(const churn__numfmt *nf, const char *s, size_t len, double *out);

/* --- encodings (recode.c) ----------------------------------------------------------------- */

/* The iconv name of an encoding given in a mapping ("utf-8", "gb18030", "gbk", any case), or
 * NULL for an unknown one. */
const char *churn__encoding_name(const char *enc);

/* A file converted to UTF-8, NUL-terminated.  A byte sequence invalid in the encoding becomes
 * one 0xFF byte (never valid UTF-8) and its byte offset in the file is kept in bad[], in order,
 * so the row holding it can be rejected naming the offset.  A leading UTF-8 byte-order mark is
 * dropped. */
typedef struct churn__recoded {
  char *text;
  size_t len, text_cap;
  int64_t *bad;
  size_t nbad, bad_cap;
} churn__recoded;

/* Converts the file at path (at most max_bytes of it when max_bytes > 0: used to read the header
 * line before anything else) from the encoding's iconv name, in blocks, carrying an incomplete
 * multibyte sequence into the next block.  CHURN_E_IO naming the path; on any failure *out is
 * freed and empty. */
churn_status churn__recode_file(const char *path, const char *iconv_name, size_t max_bytes,
                                churn__recoded *out);
/* The same into *out, which is empty (zeroed) or holds an earlier file's text: its buffers are
 * reused, so that reading many files touches fresh memory only for the largest. */
churn_status churn__recode_file_reuse(const char *path, const char *iconv_name,
                                      size_t max_bytes, churn__recoded *out);
void churn__recoded_free(churn__recoded *r);
/* Converts UTF-8 text to the encoding (for the operator export); CHURN_E_DATA when a character
 * has no representation in it. */
churn_status churn__recode_from_utf8(const char *iconv_name, const char *text, size_t len,
                                     char **out, size_t *out_len);

/* --- records (mapcsv.c) ------------------------------------------------------------------- */

typedef struct churn__mapfield {
  char *p;     /* NUL-terminated in place, quotes removed */
  size_t len;
} churn__mapfield;

typedef struct churn__maprec {
  char *pos, *end;      /* the rest of the buffer */
  char delim;
  int64_t line;         /* 1-based line of the next record */
  int64_t rec_line;     /* line of the record just split */
  size_t nbad;          /* 0xFF bytes (bad input bytes) seen in this record */
  int junk;             /* the first field with text after its closing quote, -1 if none */
  churn__mapfield *f;
  size_t nf, fcap;
} churn__maprec;

/* Splits the next record of an RFC 4180 buffer (quotes, "" escapes, CRLF or LF) in place.
 * *got false at the end; CHURN_E_FORMAT naming the line for an unterminated quote. Empty lines
 * are skipped. */
churn_status churn__maprec_next(churn__maprec *r, const char *source, bool *got);
void churn__maprec_free(churn__maprec *r);

/* --- the mapping file (mapping.c) --------------------------------------------------------- */

/* One mapped column: the dataset's name (key), the operator's header (value), its own date
 * format when `<key>_format` is given, and its index in the file's header. */
typedef struct churn__mapcol {
  char *key, *header, *format;
  int idx;
} churn__mapcol;

/* One file section: [subscribers], [events:KIND] or [events:KIND.N]. */
typedef struct churn__mapfile {
  char *section;
  int kind;                  /* 0 = subscribers, else churn_event_kind */
  char *file, *path;         /* as written; relative to the mapping's folder */
  char *enc_raw, *datefmt_raw, *numfmt_raw, *offset_raw, *delim_raw; /* NULL = [input]'s */
  const char *iconv_name;
  const char *date_format;
  bool has_numfmt;
  churn__numfmt numfmt;
  int64_t utc_offset;
  char delim;
  churn__mapcol *cols;
  size_t ncols;
  size_t nheader;            /* fields of the header line */
} churn__mapfile;

typedef struct churn__mapping {
  char *dir;                 /* folder of the mapping file, with a trailing '/', or "" */
  char *in_enc, *in_datefmt, *in_numfmt, *in_offset, *in_delim;
  bool has_offset;
  int64_t utc_offset;        /* [input] utc_offset when has_offset */
  churn__mapfile *files;
  size_t nfiles;
  char **reason_label;       /* [reasons]: operator label -> target (a reason or category */
  char **reason_target;      /* name, checked by churn__reason_target), given to the */
  size_t nreasons;           /* dataset's reason map once every file is read */
  churn_status st;           /* first error met in the handler */
} churn__mapping;

/* Parses and checks a mapping file, then reads the header line of every file it names: a
 * missing file or column, an unknown section, key, kind or encoding, or an unparsable format
 * fails here (naming the section and key) before any row is read. */
churn_status churn__mapping_load(const char *path, churn__mapping *m);
void churn__mapping_free(churn__mapping *m);

#endif
