/*
 * cmd_report.c -- `churn report`: the retention KPI tables (monthly movement against target,
 * ARPU, snapshot retention against target, churn by segment with categories, win-back, the
 * Kaplan-Meier retention curve) as text, CSV or JSON.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char REPORT_HELP[] =
    "usage: churn report --dataset DATASET [--from DATE] [--to DATE] [--format text|csv|json]\n"
    "                    [--only movement,arpu,snapshot,segments,winback,km]\n"
    "                    [--segment COLUMN] [--base-date DATE] [--months N]\n"
    "                    [--cohort COLUMN=LABEL] [--set kpi.KEY=V ...]\n"
    "                    [--definition cancel|non_use|either] [--inactive-months N]\n"
    "Prints the KPI tables.  The period defaults to the span of the dataset's events.  The\n"
    "snapshot cohort is photographed at --base-date (default --from) and followed --months\n"
    "months (default 12), optionally narrowed to COLUMN=LABEL (e.g. tier=high).  --segment\n"
    "groups the movement table and the churn-by-segment table (default region for the latter).\n"
    "Targets: --set kpi.target=0.035, kpi.target_start=1, kpi.target_step=-0.0125.\n"
    "Churn is counted under --definition (default either: cancellation or --inactive-months\n"
    "months without use, 3 by default); the rate's denominator is --set kpi.rate_base=0..3\n"
    "(opening, average, exposed, closing).\n";

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

static bool wanted(const char *only, const char *name) {
  if (only == NULL) return true;
  size_t n = strlen(name);
  for (const char *p = only; (p = strstr(p, name)) != NULL; p += n) {
    if ((p == only || p[-1] == ',') && (p[n] == '\0' || p[n] == ',')) return true;
  }
  return false;
}

int cmd_report(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(REPORT_HELP, stdout), EXIT_OK;
  const char *data = cli_get(&a, "dataset");
  if (data == NULL) data = cli_get(&a, "data");
  if (data == NULL) return cli_usage_error("report", "--dataset is required (see churn report --help)");
  const char *format = cli_get(&a, "format");
  if (format == NULL) format = "text";
  if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json")) {
    return cli_usage_error("report", "--format must be text, csv or json, not '%s'", format);
  }
  const char *only = cli_get(&a, "only"), *segment = cli_get(&a, "segment");
  const char *sfrom = cli_get(&a, "from"), *sto = cli_get(&a, "to"), *sbase = cli_get(&a, "base-date");
  const char *smonths = cli_get(&a, "months"), *cohort = cli_get(&a, "cohort");
  long long from = 0, to = 0, base = 0;
  if (sfrom && !cli_parse_time(sfrom, &from)) return cli_usage_error("report", "--from: not a date: %s", sfrom);
  if (sto && !cli_parse_time(sto, &to)) return cli_usage_error("report", "--to: not a date: %s", sto);
  if (sbase && !cli_parse_time(sbase, &base)) return cli_usage_error("report", "--base-date: not a date: %s", sbase);
  int months = smonths ? atoi(smonths) : 12;
  if (months < 1) return cli_usage_error("report", "--months takes a positive number");
  char col[128] = "", label[128] = "";
  if (cohort) {
    const char *eq = strchr(cohort, '=');
    if (eq == NULL) return cli_usage_error("report", "--cohort takes COLUMN=LABEL, not '%s'", cohort);
    snprintf(col, sizeof col, "%.*s", (int)(eq - cohort), cohort);
    snprintf(label, sizeof label, "%s", eq + 1);
  }
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("report", churn_last_status());
  int rc = cli_apply_definition(&a, opts, "report") && cli_apply_sets(&a, opts, "report")
               ? EXIT_OK
               : EXIT_FAIL;
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
