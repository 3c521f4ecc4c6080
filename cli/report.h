/*
 * report.h -- what the files of `churn report --month` share: a growable text buffer, the
 * report's own tables (typed columns with a display format, so HTML, CSV, JSON and text show
 * the same numbers), the chart description, the sections, the targets file, and the atomic
 * file writer.  The library's churn_table is read-only and has no public constructor, so each
 * section turns one churn_table into one rtable (report_sections.c).
 */
#ifndef CHURN_CLI_REPORT_H
#define CHURN_CLI_REPORT_H

#include <churn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* --- text buffer ------------------------------------------------------------------------- */

typedef struct rbuf {
  char *data;
  size_t len, cap;
  bool failed; /* an allocation failed: the content is incomplete and must not be written */
} rbuf;

void rbuf_free(rbuf *b);
void rbuf_put(rbuf *b, const char *s, size_t n);
void rbuf_puts(rbuf *b, const char *s);
void rbuf_printf(rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s with &, <, >, " and ' escaped for HTML text and attributes; bytes that are not valid UTF-8
 * become U+FFFD, so a label from the data can neither open a tag nor break the page. */
void rbuf_html(rbuf *b, const char *s);
/* s as a JSON string (quotes included). */
void rbuf_json(rbuf *b, const char *s);

/* Writes b to dir/name atomically: a temporary file in dir, written, fsync'ed, mode 0644,
 * renamed over name, then dir fsync'ed; on any failure the temporary is removed, the old file
 * (if any) stays, and a message naming the path goes to err.  Returns false on failure. */
bool report_write_file(const char *dir, const char *name, const rbuf *b, char *err, size_t cap);
/* Creates dir when missing (one level); false with a message when it cannot be used. */
bool report_make_dir(const char *dir, char *err, size_t cap);

/* --- report tables ----------------------------------------------------------------------- */

typedef enum rfmt {
  RFMT_STR,   /* text */
  RFMT_INT,   /* count: 12,345 */
  RFMT_DELTA, /* signed count: +1,234 */
  RFMT_PCT,   /* share: 1.23% */
  RFMT_PP,    /* difference of shares in percentage points: +0.35 pp */
  RFMT_PROB,  /* probability: 87% */
  RFMT_DATE   /* Unix seconds shown as YYYY-MM-DD */
} rfmt;

enum { RTABLE_MAX_COLS = 24 };

typedef struct rcol {
  char name[48];   /* the CSV / JSON name */
  char label[64];  /* the column heading people read */
  rfmt fmt;
  double *num;     /* nrows values (NaN = empty) unless fmt is RFMT_STR */
  char **str;      /* nrows strings (owned) when fmt is RFMT_STR */
} rcol;

typedef struct rtable {
  int64_t nrows;
  int ncols;
  rcol col[RTABLE_MAX_COLS];
} rtable;

/* A new table of nrows rows and no columns; NULL when memory runs out. */
rtable *rtable_new(int64_t nrows);
void rtable_free(rtable *t);
/* Adds a column (values NaN / "" until set) and returns its index, or -1 (no memory, too
 * many columns). */
int rtable_add(rtable *t, const char *name, const char *label, rfmt fmt);
void rtable_set(rtable *t, int j, int64_t i, double v);
/* Copies s; false when memory runs out. */
bool rtable_set_str(rtable *t, int j, int64_t i, const char *s);
/* The column named name, or -1. */
int rtable_find(const rtable *t, const char *name);
/* One cell as people read it (the HTML and text form); "" for an empty number. */
void rtable_format(const rtable *t, int j, int64_t i, char *buf, size_t cap);
/* The whole table as CSV (names as the header, numbers at full precision, NaN empty). */
void rtable_csv(const rtable *t, rbuf *b);
/* The rows as a JSON array of objects (numbers at full precision, NaN null). */
void rtable_json(const rtable *t, rbuf *b);
/* Aligned text with the human headings. */
void rtable_text(const rtable *t, FILE *f);

/* --- charts --------------------------------------------------------------------------------- */

typedef enum rchart_kind { RCHART_NONE, RCHART_LINE, RCHART_BARS } rchart_kind;

/* A chart drawn from the section's table.  LINE: x = a text column (months), up to 4 series
 * (dashed ones for targets), an optional band (lo/hi columns) around the series it follows.
 * BARS: one horizontal bar per row, x = the label column, series[0] the length, band the
 * whiskers, ref a column whose first finite value is drawn as a dashed reference line. */
typedef struct rchart {
  rchart_kind kind;
  char title[160];
  int x;
  int nseries;
  int series[4];
  bool dashed[4];
  int band_lo, band_hi; /* -1 for none */
  int ref;              /* -1 for none */
  bool skip_last;       /* BARS: leave out the last row (a total) */
} rchart;

/* The chart as inline SVG (role="img", a <title>, values in each point's tooltip). */
void report_svg(const rtable *t, const rchart *c, rbuf *b);

/* --- sections --------------------------------------------------------------------------- */

typedef struct rsection {
  char name[96];      /* the file name without .csv and the HTML id: "movement" */
  char key[32];       /* the --only key: "snapshot" for every cohort's section */
  char title[160];
  char summary[768];  /* what the month shows, in a sentence or three */
  char note[768];     /* how the figures are defined, caveats */
  char headline_label[96], headline_value[64], headline_sub[192];
  int headline_ok;    /* 1 on target, 0 off target, -1 no judgement */
  rtable *table;
  rchart chart;
} rsection;

typedef struct report {
  char month[8];          /* "YYYY-MM" */
  char data_range[40];    /* "2024-01 to 2025-12" */
  char dataset[512];
  char targets_source[512];
  int nsections;
  rsection sec[32];
} report;

void report_free(report *r);

/* The page (one self-contained HTML file: inline CSS and SVG, no script, no network). */
void report_html(const report *r, rbuf *b);
/* report.json: the month, the data range and every section's table. */
void report_json(const report *r, rbuf *b);

/* --- targets ---------------------------------------------------------------------------- */

/* The targets file: kpi,segment,month,level,target (a header line first).  kpi is churn_rate
 * (monthly churn rate, met when the rate is at or below the target), retention (snapshot
 * retention, met at or above) or warning_recall (at or above); segment "all" for the whole
 * base, a segment label ("north") or a cohort "tier=high"; month YYYY-MM or "*" for every
 * month; level a short name (R0, R1, ...); target a share in [0, 1] (or "3.5%"). */
typedef struct report_target {
  char kpi[32], segment[96], month[8], level[16];
  double target;
} report_target;

typedef struct report_targets {
  int n;
  report_target *t;
} report_targets;

/* Reads the file; false with a message naming the line and field. */
bool report_targets_read(const char *path, report_targets *out, char *err, size_t cap);
void report_targets_free(report_targets *t);

/* The levels for (kpi, segment, month): exact month first, else "*"; the segment exactly, else
 * "all".  Returns the count (at most max) in file order. */
int report_targets_find(const report_targets *t, const char *kpi, const char *segment,
                        const char *month, const report_target **out, int max);
/* Whether value meets target for kpi (lower is better for churn_rate). */
bool report_target_met(const char *kpi, double value, double target);
/* The loosest of the levels (the requirement) and the name of the strictest level value
 * meets ("none" when none).  n > 0. */
double report_levels_judge(const char *kpi, const report_target *const *lv, int n, double value,
                           const char **best);

/* --- the month's report ------------------------------------------------------------------ */

/* What the section builders read besides their table.  Months are UTC calendar months. */
typedef struct report_ctx {
  const churn_dataset *ds;
  const churn_options *opts;
  const report_targets *targets; /* n == 0: targets from the options */
  char month[8];                 /* "YYYY-MM" */
  int64_t month_start, month_end; /* [first second, first second of the next month) */
  const char *segment;           /* column of the segments table */
  int64_t base_date;             /* snapshot photo date */
  int base_month_index;          /* the report month's index in the snapshot (1 = base month) */
  int snapshot_months;           /* months followed, to the year end */
  const char *cohort;            /* current cohort "column=label", or NULL for the whole base */
  char fallback_note[512];       /* why the snapshot has no forecast, when it has none */
  int nlevel_probs;              /* the probability of reaching each level of the last month */
  char level_name[8][16];
  double level_target[8], level_prob[8];
  churn_table *warnings;         /* the warning list issued at month_start (cached) */
  char err[1024];                /* a builder's failure that is not the library's */
} report_ctx;

/* Section builders: each turns the library's churn_table into one section (report_sections.c);
 * false when memory runs out (or ctx->err says why).  The report runs them in the order of the
 * list in report_month.c; a new KPI is one fetch function and one builder added there. */
bool section_movement(report_ctx *c, const churn_table *t, rsection *out);
bool section_categories(report_ctx *c, const churn_table *t, rsection *out);
bool section_segments(report_ctx *c, const churn_table *t, rsection *out);
bool section_snapshot(report_ctx *c, const churn_table *t, rsection *out);
bool section_warnings(report_ctx *c, const churn_table *t, rsection *out);
bool section_dispatch(report_ctx *c, const churn_table *t, rsection *out);

/* Whether the comma-separated list only (NULL: everything) names key. */
bool report_wanted(const char *only, const char *key);
/* The section keys of --only with --month, comma-separated, for messages. */
extern const char REPORT_MONTH_SECTIONS[];
/* Whether key is one of them. */
bool report_month_section_known(const char *key);

/* `churn report --month`: builds the sections and writes DIR/index.html, one CSV per table
 * and report.json (out_dir not NULL), or prints them as text.  Returns the exit code. */
typedef struct report_month_args {
  const char *dataset_name, *month, *out_dir, *only, *targets_path, *segment;
  const char *cohorts[8];
  int ncohorts;
  bool have_base_date;
  int64_t base_date;
  int months; /* 0: to the year end */
} report_month_args;

int report_month_run(churn_dataset *ds, const churn_options *opts, const report_month_args *a);

#endif
