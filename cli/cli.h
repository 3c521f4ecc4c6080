/*
 * cli.h -- what the `churn` command's subcommands share: argument parsing, option setting by
 * name, dates, error reporting with exit codes, and a progress line on stderr.
 */
#ifndef CHURN_CLI_H
#define CHURN_CLI_H

#include <churn.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes: 0 success, 1 the library refused the input (bad data, bad file), 2 usage. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* A parsed command line: --name value pairs and positional words. */
typedef struct cli_args {
  int n;
  char name[64][48];
  const char *value[64];   /* NULL for a flag without value */
  bool used[64];
  int npos;
  const char *pos[16];
  int max_pos;             /* positional words the command takes (0 unless it sets it) */
} cli_args;

/* Parses argv (after the subcommand).  `flags` lists the options that take no value,
 * space-separated.  Returns false (message printed) on a malformed line, or an option given
 * twice (--set excepted: it may repeat). */
bool cli_parse(cli_args *a, int argc, char **argv, const char *flags);
/* The value of --name, or NULL.  Marks it used. */
const char *cli_get(cli_args *a, const char *name);
bool cli_flag(cli_args *a, const char *name);
/* The value of a required option, printing a usage error when missing. */
const char *cli_need(cli_args *a, const char *name, const char *cmd);
/* Fails (printing the first one) when an option was given that no code asked for, or when
 * there are more positional words than a->max_pos. */
bool cli_all_used(const cli_args *a, const char *cmd);

/* Prints "churn CMD: <status name>: <library message>" and returns EXIT_FAIL. */
int cli_fail(const char *cmd, churn_status st);
/* Prints "churn CMD: message" and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);

/* The flags both forms of `churn ingest` take (--strict, --dedup, --create-unknown) and its
 * --set ingest.* options into opts: EXIT_OK, EXIT_USAGE or EXIT_FAIL (message printed). */
int cli_apply_ingest_flags(cli_args *a, churn_options *opts);
/* Applies every --set NAME=VALUE (repeatable, comma-separated also) to opts by option name.
 * Only options of the sections the command reads are taken (`sections`, space-separated, e.g.
 * "ingest"); another one (fit.C on ingest) is a usage error, *usage set, instead of a setting
 * that would silently do nothing. */
bool cli_apply_sets(cli_args *a, churn_options *opts, const char *cmd, const char *sections,
                    bool *usage);
/* Applies --definition cancel|non_use|either and --inactive-months N (the churn definition of
 * the labels and the KPIs; fit, score and report take them). */
bool cli_apply_definition(cli_args *a, churn_options *opts, const char *cmd);
/* Applies --utc-offset +HH:MM (kpi.utc_offset: the KPI months in the operator's local time;
 * report takes it; the KPI calls reject a malformed offset naming it). */
bool cli_apply_utc_offset(cli_args *a, churn_options *opts, const char *cmd);
/* Sets one option by name from text. */
churn_status cli_set_option(churn_options *opts, const char *name, const char *value);

/* Splits a comma-separated list (NULL: none) into at most max names pointing into buf; returns
 * the count. */
size_t cli_split_list(const char *list, char *buf, size_t cap, const char **names, size_t max);

/* Dates, through the library's parser (churn_time_parse): YYYY-MM-DD, YYYYMMDD or
 * YYYY-MM-DDTHH:MM:SS[Z|+HH:MM]; false for anything else (2024-02-30, Unix seconds). */
bool cli_parse_time(const char *s, long long *out);
/* Formats Unix seconds as YYYY-MM-DD into buf (40 bytes; churn_time_format's day). */
void cli_format_date(long long t, char *buf);
/* Parses a comma-separated list of dates into out (at most max); returns the count or -1. */
int cli_parse_times(const char *s, long long *out, int max);

/* A dataset from --dataset/--data: a .msgpack file, or "SUBS.csv,EVENTS.csv". */
churn_status cli_load_dataset(const char *spec, const churn_options *opts, churn_dataset **out);

/* A progress line on stderr, shown only when stderr is a terminal. */
void cli_progress(const char *cmd, int step, int steps, const char *what);
void cli_progress_done(void);

/* An output file built in memory and written with churn_file_write (atomically: the old file
 * stays whole until the new one is complete; a full disk leaves it untouched). */
typedef struct cli_out {
  FILE *f;      /* write here */
  char *buf;
  size_t len;
} cli_out;
/* Opens o->f; false (message printed) when out of memory. */
bool cli_out_open(cli_out *o, const char *cmd);
/* Checks every write, closes o->f and writes the file; EXIT_OK, or EXIT_FAIL with
 * "churn CMD: cannot write PATH: reason" printed. */
int cli_out_commit(cli_out *o, const char *path, const char *cmd);
/* Closes o->f without writing anything (after an earlier failure). */
void cli_out_discard(cli_out *o);
/* Flushes standard output; rc, or EXIT_FAIL with a message when any write to it failed (a
 * full disk, a closed pipe, /dev/full). */
int cli_finish_stdout(const char *cmd, int rc);

/* The one number parser for flags: the whole text must be a decimal integer in [lo, hi]. */
bool cli_parse_int(const char *s, long long lo, long long hi, long long *out);

/* One CSV field with RFC 4180 quoting (when it holds the delimiter, a quote, a line break or an
 * edge space), as the library's CSV writer does. */
void cli_csv_field(FILE *f, const char *s);

/* A number in a CSV field: the fewest of 15, 16, 17 significant digits that read back to the
 * same double; NaN as an empty field. */
void cli_csv_number(FILE *f, double v);

/* A group's label as a file name (split.c): ASCII letters, digits, '-', '_', '.' (not first) and
 * bytes >= 0x80 (UTF-8 text) kept, every other byte as %XX ('/' is %2F, '%' is %25), so that
 * different labels give different names and none leaves its folder.  false when empty or when
 * it does not fit in cap. */
bool cli_file_name(const char *label, char *buf, size_t cap);

/* One way of splitting a list: rows go to DIR/<kind>/<file name of key[row]>.csv; a row whose
 * key is NULL or "" goes to no file of this kind.  list_each: the summary names each file
 * (else it counts them). */
typedef struct cli_split {
  const char *kind;
  const char *const *key;
  bool list_each;
} cli_split;
typedef void (*cli_split_row)(FILE *f, int64_t row, void *ctx);
/* Writes one CSV per group of each split (header, then row(f, i, ctx) for the group's rows in
 * ascending i), each atomically and checked, then DIR/index.csv (file,kind,name,rows); files an
 * earlier run's index listed under DIR/route/ or DIR/manager/ that this run did not write are
 * removed.  Folders are created.  A line per file (or kind) goes to summary when not NULL.
 * EXIT_OK, or EXIT_FAIL with the reason printed. */
int cli_split_write(const char *cmd, const char *dir, const cli_split *splits, int nsplits,
                    int64_t nrows, const char *header, cli_split_row row, void *ctx,
                    FILE *summary);

/* A model's reason in words (reason_words.c): feature j of a row (x, the row's values of the
 * model's d features named names) as a phrase for people, e.g. payment.arrears 320 with
 * payment.late_months_run 3 is "arrears 320.00 yuan, 3 months late". */
void cli_reason_words(const char *const *names, const double *x, int64_t d, int64_t j,
                      char *buf, size_t cap);

/* A JSON string literal (quotes, backslashes and control bytes escaped). */
void cli_json_string(FILE *f, const char *s);

/* Writes a churn_table as CSV (to a FILE) or as aligned text. */
void cli_table_csv(const churn_table *t, FILE *f);
void cli_table_text(const churn_table *t, FILE *f, int max_rows);
void cli_table_json(const churn_table *t, FILE *f);

/* Subcommands. */
int cmd_simulate(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_ingest_map(int argc, char **argv);  /* churn ingest --map */
int cmd_features(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_warnings(int argc, char **argv);
/* The flat-table forms of fit and score (cmd_table.c). */
int cli_fit_table(cli_args *a, const char *csv, churn_options *opts, const char *out);
int cli_score_table(cli_args *a, const char *mpath, const char *csv, const char *out);

#endif
