/*
 * cmd_warnings.c -- `churn warnings --dataset D --as-of DATE --out DIR`: the rule-based warning
 * list of churn_warnings_compute split for the people who act on it: one CSV per route
 * (DIR/route/vip_manager.csv, customer_manager.csv, customer_service.csv) and one per customer
 * manager (DIR/manager/M0101.csv: the warnings of that manager's subscribers, whatever their
 * route), plus DIR/index.csv and the whole list in DIR/warnings.csv; every file written
 * atomically (split.c, cli_out).
 */
#include "cli.h"

#include <string.h>

static const char HELP[] =
    "usage: churn warnings --dataset DATASET --as-of DATE --out DIR\n"
    "                      [--set warnings.KEY=V ...] [--set features.KEY=V ...]\n"
    "The rule-based warning list as of DATE (churn.h: churn_warnings_compute), as CSV files:\n"
    "DIR/route/ROUTE.csv for each route (vip_manager, customer_manager, customer_service) and\n"
    "DIR/manager/MANAGER.csv for each customer manager with warnings (all warnings of the\n"
    "manager's subscribers, whatever the route).  Each row: subscriber_id, rule, observed,\n"
    "threshold, detail, category, deadline, route, tier, vip, manager.  DIR/warnings.csv holds\n"
    "the whole list (library order: subscriber, then rule).  DIR/index.csv lists the split\n"
    "files with their row counts; a file an earlier run listed there and this run has no rows\n"
    "for is removed.  A label that is not a plain file name is written with %XX escapes\n"
    "(a/b is a%2Fb.csv).  DATASET is a .msgpack dataset or SUBS.csv,EVENTS.csv.\n";

/* The columns of the warning table, in the order written. */
typedef struct wcols {
  const char *const *id, *const *rule, *const *detail, *const *category, *const *route,
      *const *tier, *const *manager;
  const double *observed, *threshold;
  const int64_t *deadline, *vip;
} wcols;

static const char ROW_HEADER[] =
    "subscriber_id,rule,observed,threshold,detail,category,deadline,route,tier,vip,manager\n";

static void write_row(FILE *f, int64_t i, void *ctx) {
  const wcols *w = ctx;
  char date[40];
  cli_csv_field(f, w->id[i]);
  fprintf(f, ",%s,", w->rule[i]);
  cli_csv_number(f, w->observed[i]);
  fputc(',', f);
  cli_csv_number(f, w->threshold[i]);
  fputc(',', f);
  cli_csv_field(f, w->detail[i]);
  cli_format_date(w->deadline[i], date);
  fprintf(f, ",%s,%s,%s,", w->category[i], date, w->route[i]);
  cli_csv_field(f, w->tier[i]);
  fprintf(f, ",%lld,", (long long)w->vip[i]);
  cli_csv_field(f, w->manager[i]);
  fputc('\n', f);
}

static churn_status str_col(const churn_table *t, const char *name, const char *const **out) {
  int64_t j;
  churn_status st = churn_table_find(t, name, &j);
  return st == CHURN_OK ? churn_table_str(t, j, out) : st;
}

static churn_status columns(const churn_table *t, wcols *w) {
  int64_t j;
  churn_status st = str_col(t, "subscriber_id", &w->id);
  if (st == CHURN_OK) st = str_col(t, "rule", &w->rule);
  if (st == CHURN_OK) st = str_col(t, "detail", &w->detail);
  if (st == CHURN_OK) st = str_col(t, "category", &w->category);
  if (st == CHURN_OK) st = str_col(t, "route", &w->route);
  if (st == CHURN_OK) st = str_col(t, "tier", &w->tier);
  if (st == CHURN_OK) st = str_col(t, "manager", &w->manager);
  if (st == CHURN_OK) st = churn_table_find(t, "observed", &j);
  if (st == CHURN_OK) st = churn_table_f64(t, j, &w->observed);
  if (st == CHURN_OK) st = churn_table_find(t, "threshold", &j);
  if (st == CHURN_OK) st = churn_table_f64(t, j, &w->threshold);
  if (st == CHURN_OK) st = churn_table_find(t, "deadline", &j);
  if (st == CHURN_OK) st = churn_table_i64(t, j, &w->deadline);
  if (st == CHURN_OK) st = churn_table_find(t, "vip", &j);
  if (st == CHURN_OK) st = churn_table_i64(t, j, &w->vip);
  return st;
}

int cmd_warnings(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(HELP, stdout), EXIT_OK;
  const char *data = cli_get(&a, "dataset");
  if (data == NULL) data = cli_get(&a, "data");
  if (data == NULL) {
    return cli_usage_error("warnings", "--dataset is required (see churn warnings --help)");
  }
  const char *asof = cli_need(&a, "as-of", "warnings");
  const char *out = asof ? cli_need(&a, "out", "warnings") : NULL;
  if (!out) return EXIT_USAGE;
  long long T;
  if (!cli_parse_time(asof, &T)) {
    return cli_usage_error("warnings", "--as-of: not a date: %s", asof);
  }
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("warnings", churn_last_status());
  bool set_usage = false;
  int rc = cli_apply_sets(&a, opts, "warnings", "features warnings ingest", &set_usage)
               ? EXIT_OK
               : (set_usage ? EXIT_USAGE : EXIT_FAIL);
  if (rc == EXIT_OK && !cli_all_used(&a, "warnings")) rc = EXIT_USAGE;
  churn_dataset *ds = NULL;
  churn_table *w = NULL;
  if (rc == EXIT_OK) {
    churn_status st = cli_load_dataset(data, opts, &ds);
    if (st == CHURN_OK) st = churn_warnings_compute(ds, T, opts, &w);
    wcols c;
    if (st == CHURN_OK) st = columns(w, &c);
    if (st != CHURN_OK) {
      rc = cli_fail("warnings", st);
    } else {
      int64_t n = churn_table_nrows(w);
      cli_split splits[] = {{"route", c.route, true}, {"manager", c.manager, false}};
      char date[40];
      cli_format_date(T, date);
      printf("%s: %lld warnings as of %s\n", out, (long long)n, date);
      rc = cli_split_write("warnings", out, splits, 2, n, ROW_HEADER, write_row, &c, stdout);
      /* and the whole list in one file */
      cli_out o;
      char path[2100];
      snprintf(path, sizeof path, "%s/warnings.csv", out);
      if (rc == EXIT_OK && !cli_out_open(&o, "warnings")) rc = EXIT_FAIL;
      if (rc == EXIT_OK) {
        fputs(ROW_HEADER, o.f);
        for (int64_t i = 0; i < n; i++) write_row(o.f, i, &c);
        rc = cli_out_commit(&o, path, "warnings");
        if (rc == EXIT_OK) printf("  warnings.csv: %lld rows\n", (long long)n);
      }
    }
  }
  churn_table_free(w);
  churn_dataset_free(ds);
  churn_options_free(opts);
  return rc;
}
