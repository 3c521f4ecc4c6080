/*
 * cmd_report.c -- `churn report`: the retention KPI tables (monthly movement against target,
 * ARPU, snapshot retention against target, churn by segment with categories, win-back, the
 * Kaplan-Meier retention curve) as text, CSV or JSON; with --month, the operator's monthly
 * report (report_month.c), as text or as an HTML page with CSV and JSON files (--out DIR).
 */
#include "cli.h"
#include "report.h"

#include <stdlib.h>
#include <string.h>

static const char REPORT_HELP[] =
    "usage: churn report --dataset DATASET --month YYYY-MM [--out DIR] [--targets targets.csv]\n"
    "                    [--cohort COLUMN=LABEL ...] [--segment COLUMN] [--base-date DATE]\n"
    "                    [--months N] [--only SECTIONS] [--set kpi.KEY=V ...]\n"
    "The monthly retention report: the movement table of the trailing 12 months against target\n"
    "with the base's year-on-year change, churn by category and by segment (default region),\n"
    "snapshot retention of each --cohort (repeatable; default the whole base) photographed at\n"
    "--base-date (default 1 January of the month's year) with its forecast to the year end and\n"
    "the probability of meeting the target, the warning accuracy of the warning list issued on\n"
    "the month's first day, and that list's dispatch summary by route.  --only takes a\n"
    "comma-separated subset of movement, categories, segments, snapshot, warnings, dispatch.\n"
    "Without --out the report is printed as text; with --out DIR it is written as DIR/index.html\n"
    "(one self-contained page), one CSV per table (movement.csv, ...) and DIR/report.json.\n"
    "Targets: --targets CSV with the header kpi,segment,month,level,target (kpi churn_rate,\n"
    "retention or warning_recall; segment all, a segment label or COLUMN=LABEL; month YYYY-MM or *;\n"
    "level such as R0, R1; target 0.035 or 3.5%%); the report shows the strictest level met.\n"
    "Without it: kpi.target, kpi.target_start, kpi.target_step.  A month outside the data's\n"
    "events fails (exit 1) naming their range.\n"
    "\n"
    "usage: churn report --dataset DATASET [--from DATE] [--to DATE] [--format text|csv|json]\n"
    "                    [--only movement,arpu,snapshot,segments,winback,km]\n"
    "                    [--segment COLUMN] [--base-date DATE] [--months N]\n"
    "                    [--cohort COLUMN=LABEL] [--set kpi.KEY=V ...]\n"
    "Prints the KPI tables.  The period defaults to the span of the dataset's events.  The\n"
    "snapshot cohort is photographed at --base-date (default --from) and followed --months\n"
    "months (default 12), optionally narrowed to COLUMN=LABEL (e.g. tier=high).  --segment\n"
    "groups the movement table and the churn-by-segment table (default region for the latter).\n"
    "Targets: --set kpi.target=0.035, kpi.target_start=1, kpi.target_step=-0.0125.\n";

static const char TABLE_SECTIONS[] = "movement, arpu, snapshot, segments, winback, km";

static void emit(const char *title, const churn_table *t, const char *format, bool *first) {
  if (strcmp(format, "csv") == 0) {
    printf("# %s\n", title);
    cli_table_csv(t, stdout);
    printf("\n");
  } else if (strcmp(format, "json") == 0) {
    printf("%s\"%s\": ", *first ? "{\n" : ",\n", title);
    cli_table_json(t, stdout);
  } else {
    printf("== %s\n", title);
    cli_table_text(t, stdout, 0);
    printf("\n");
  }
  *first = false;
}

static bool wanted(const char *only, const char *name) { return report_wanted(only, name); }

/* Every name of --only must be a section of the chosen mode; usage error naming them if not. */
static bool only_valid(const char *only, bool month) {
  if (only == NULL) return true;
  char buf[1024];
  const char *names[64];
  size_t n = cli_split_list(only, buf, sizeof buf, names, 64);
  if (n == 0) {
    cli_usage_error("report", "--only needs section names: %s", month ? REPORT_MONTH_SECTIONS : TABLE_SECTIONS);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    bool ok = month ? report_month_section_known(names[i]) : report_wanted("movement,arpu,snapshot,segments,winback,km", names[i]);
    if (!ok) {
      if (month) {
        cli_usage_error("report", "--only: unknown section '%s'; the sections are %s", names[i], REPORT_MONTH_SECTIONS);
      } else {
        cli_usage_error("report", "--only: unknown section '%s'; the sections are %s (with --month: %s)", names[i],
                        TABLE_SECTIONS, REPORT_MONTH_SECTIONS);
      }
      return false;
    }
  }
  return true;
}

/* The --month report: arguments, then report_month_run. */
static int month_report(cli_args *a, const char *data, const char *month) {
  report_month_args m = {.dataset_name = data, .month = month};
  m.out_dir = cli_get(a, "out");
  m.only = cli_get(a, "only");
  m.targets_path = cli_get(a, "targets");
  m.segment = cli_get(a, "segment");
  const char *format = cli_get(a, "format"), *sbase = cli_get(a, "base-date"), *smonths = cli_get(a, "months");
  if (format && strcmp(format, "text") != 0) {
    return cli_usage_error("report", "with --month the output is text, or HTML, CSV and JSON files with --out DIR (not --format %s)", format);
  }
  if (cli_get(a, "from") || cli_get(a, "to")) return cli_usage_error("report", "--from and --to do not go with --month");
  if (m.out_dir && m.out_dir[0] == '\0') return cli_usage_error("report", "--out needs a folder");
  if (!only_valid(m.only, true)) return EXIT_USAGE;
  for (int i = 0; i < a->n; i++) {
    if (strcmp(a->name[i], "cohort") != 0) continue;
    a->used[i] = true;
    const char *v = a->value[i] ? a->value[i] : "";
    const char *eq = strchr(v, '=');
    if (eq == NULL || eq == v || eq[1] == '\0') return cli_usage_error("report", "--cohort takes COLUMN=LABEL, not '%s'", v);
    if (m.ncohorts == 8) return cli_usage_error("report", "at most 8 --cohort options");
    m.cohorts[m.ncohorts++] = v;
  }
  long long base = 0;
  if (sbase) {
    if (!cli_parse_time(sbase, &base)) return cli_usage_error("report", "--base-date: not a date: %s", sbase);
    m.have_base_date = true;
    m.base_date = base;
  }
  if (smonths) {
    long long v;
    if (!cli_parse_int(smonths, 1, 1200, &v)) return cli_usage_error("report", "--months takes a number from 1 to 1200, not '%s'", smonths);
    m.months = (int)v;
  }
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("report", churn_last_status());
  bool set_usage = false;
  int rc = cli_apply_sets(a, opts, "report", "kpi labels warnings features ingest", &set_usage)
               ? EXIT_OK
               : EXIT_FAIL;
  if (set_usage) rc = EXIT_USAGE;
  if (rc == EXIT_OK && !cli_all_used(a, "report")) rc = EXIT_USAGE;
  churn_dataset *ds = NULL;
  if (rc == EXIT_OK) {
    churn_status st = cli_load_dataset(data, opts, &ds);
    if (st != CHURN_OK) rc = cli_fail("report", st);
  }
  if (rc == EXIT_OK) rc = report_month_run(ds, opts, &m);
  churn_dataset_free(ds);
  churn_options_free(opts);
  return rc;
}

int cmd_report(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(REPORT_HELP, stdout), EXIT_OK;
  const char *data = cli_get(&a, "dataset");
  if (data == NULL) data = cli_get(&a, "data");
  if (data == NULL) return cli_usage_error("report", "--dataset is required (see churn report --help)");
  const char *month = cli_get(&a, "month");
  if (month) return month_report(&a, data, month);
  if (cli_get(&a, "out") || cli_get(&a, "targets")) return cli_usage_error("report", "--out and --targets go with --month YYYY-MM");
  const char *format = cli_get(&a, "format");
  if (format == NULL) format = "text";
  if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json")) {
    return cli_usage_error("report", "--format must be text, csv or json, not '%s'", format);
  }
  const char *only = cli_get(&a, "only"), *segment = cli_get(&a, "segment");
  const char *sfrom = cli_get(&a, "from"), *sto = cli_get(&a, "to"), *sbase = cli_get(&a, "base-date");
  const char *smonths = cli_get(&a, "months"), *cohort = cli_get(&a, "cohort");
  if (!only_valid(only, false)) return EXIT_USAGE;
  int ncohort = 0;
  for (int i = 0; i < a.n; i++) ncohort += strcmp(a.name[i], "cohort") == 0;
  if (ncohort > 1) return cli_usage_error("report", "--cohort is repeatable only with --month");
  long long from = 0, to = 0, base = 0;
  if (sfrom && !cli_parse_time(sfrom, &from)) return cli_usage_error("report", "--from: not a date: %s", sfrom);
  if (sto && !cli_parse_time(sto, &to)) return cli_usage_error("report", "--to: not a date: %s", sto);
  if (sbase && !cli_parse_time(sbase, &base)) return cli_usage_error("report", "--base-date: not a date: %s", sbase);
  long long lmonths = 12;
  if (smonths && !cli_parse_int(smonths, 1, 1200, &lmonths)) {
    return cli_usage_error("report", "--months takes a whole number in 1..1200, not '%s'", smonths);
  }
  int months = (int)lmonths;
  char col[128] = "", label[128] = "";
  if (cohort) {
    const char *eq = strchr(cohort, '=');
    if (eq == NULL) return cli_usage_error("report", "--cohort takes COLUMN=LABEL, not '%s'", cohort);
    snprintf(col, sizeof col, "%.*s", (int)(eq - cohort), cohort);
    snprintf(label, sizeof label, "%s", eq + 1);
  }
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("report", churn_last_status());
  bool set_usage = false;
  int rc = cli_apply_sets(&a, opts, "report", "kpi labels ingest", &set_usage) ? EXIT_OK : EXIT_FAIL;
  if (set_usage) rc = EXIT_USAGE;
  if (rc == EXIT_OK && !cli_all_used(&a, "report")) rc = EXIT_USAGE;
  churn_dataset *ds = NULL;
  churn_status st = CHURN_OK;
  if (rc == EXIT_OK) st = cli_load_dataset(data, opts, &ds);
  if (rc == EXIT_OK && st == CHURN_OK && (!sfrom || !sto)) {
    churn_dtype dt;
    const void *tv;
    int64_t n = churn_dataset_num_events(ds);
    st = churn_dataset_event_column(ds, "time", &dt, &tv);
    long long lo = 0, hi = 0;
    for (int64_t i = 0; st == CHURN_OK && i < n; i++) {
      long long t = ((const int64_t *)tv)[i];
      if (i == 0 || t < lo) lo = t;
      if (i == 0 || t > hi) hi = t;
    }
    if (!sfrom) from = lo;
    if (!sto) to = hi;
  }
  if (!sbase) base = from;
  if (rc == EXIT_OK && st == CHURN_OK && from > to) {
    char f1[40], t1[40];
    cli_format_date(from, f1);
    cli_format_date(to, t1);
    rc = cli_usage_error("report", "--from %s%s is after --to %s%s", f1,
                         sfrom ? "" : " (the first event)", t1, sto ? "" : " (the last event)");
  }
  bool first = true;
  struct {
    const char *name;
    churn_table *t;
  } tables[6] = {{"movement", NULL}, {"arpu", NULL}, {"snapshot", NULL},
                 {"segments", NULL}, {"winback", NULL}, {"km", NULL}};
  if (rc == EXIT_OK && st == CHURN_OK && wanted(only, "movement")) st = churn_kpi_movement(ds, from, to, segment, opts, &tables[0].t);
  if (rc == EXIT_OK && st == CHURN_OK && wanted(only, "arpu")) st = churn_kpi_arpu(ds, from, to, segment, opts, &tables[1].t);
  if (rc == EXIT_OK && st == CHURN_OK && wanted(only, "snapshot")) {
    st = churn_kpi_snapshot(ds, base, months, cohort ? col : NULL, cohort ? label : NULL, NULL, 0, NULL, opts, &tables[2].t);
  }
  if (rc == EXIT_OK && st == CHURN_OK && wanted(only, "segments")) {
    st = churn_kpi_segments(ds, from, to + 1, segment ? segment : "region", opts, &tables[3].t);
  }
  if (rc == EXIT_OK && st == CHURN_OK && wanted(only, "winback")) st = churn_kpi_winback(ds, from, to + 1, "reason_category", opts, &tables[4].t);
  if (rc == EXIT_OK && st == CHURN_OK && wanted(only, "km")) st = churn_kpi_km(ds, from, to, NULL, 0.05, opts, &tables[5].t);
  if (rc == EXIT_OK && st != CHURN_OK) rc = cli_fail("report", st);
  for (int i = 0; i < 6; i++) {
    if (rc == EXIT_OK && tables[i].t) emit(tables[i].name, tables[i].t, format, &first);
    churn_table_free(tables[i].t);
  }
  if (rc == EXIT_OK && strcmp(format, "json") == 0 && !first) printf("}\n");
  churn_dataset_free(ds);
  churn_options_free(opts);
  return rc;
}
