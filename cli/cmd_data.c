/*
 * cmd_data.c -- the data subcommands: `churn simulate` (a seeded operator to CSV and msgpack),
 * `churn ingest` (billing CSV exports to a msgpack dataset, with the rejected-row report) and
 * `churn features` (the point-in-time feature matrix as CSV).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char SIMULATE_HELP[] =
    "usage: churn simulate --subscribers N --months M --seed S --out DIR [--set sim.KEY=V ...]\n"
    "Simulates an operator and writes DIR/subscribers.csv, DIR/events.csv, DIR/dataset.msgpack\n"
    "and DIR/truth.csv (each subscriber's true churn category and driver).\n"
    "  --start DATE   first day of the simulation (YYYY-MM-DD; default 2024-01-01)\n"
    "  --threads T    worker threads (0 = one per core; the data do not depend on it)\n"
    "  --no-csv       write only the msgpack dataset and the truth\n"
    "  --export-style operator   write the CSV as an operator's exports instead: GB18030,\n"
    "                 Chinese headers, local time +08:00, one file per source, plus the\n"
    "                 DIR/mapping.ini that `churn ingest --map` reads them with\n";

int cmd_simulate(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help no-csv")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(SIMULATE_HELP, stdout), EXIT_OK;
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("simulate", churn_last_status());
  const char *out = cli_need(&a, "out", "simulate");
  const struct { const char *flag, *option; } map[] = {
      {"subscribers", "sim.subscribers"}, {"months", "sim.months"}, {"seed", "sim.seed"},
      {"threads", "sim.threads"}};
  int rc = out ? EXIT_OK : EXIT_USAGE;
  for (size_t i = 0; rc == EXIT_OK && i < sizeof map / sizeof map[0]; i++) {
    const char *v = cli_get(&a, map[i].flag);
    if (v && cli_set_option(opts, map[i].option, v) != CHURN_OK) rc = cli_fail("simulate", churn_last_status());
  }
  const char *start = cli_get(&a, "start");
  long long t0;
  if (rc == EXIT_OK && start) {
    if (!cli_parse_time(start, &t0)) rc = cli_usage_error("simulate", "--start: not a date: %s", start);
    else if (churn_options_set_int(opts, CHURN_OPT_SIM_START, t0) != CHURN_OK) rc = cli_fail("simulate", churn_last_status());
  }
  bool csv = !cli_flag(&a, "no-csv");
  const char *style = cli_get(&a, "export-style");
  bool operator_style = style && strcmp(style, "operator") == 0;
  if (rc == EXIT_OK && style && !operator_style && strcmp(style, "plain") != 0) {
    rc = cli_usage_error("simulate", "--export-style must be plain or operator, not %s", style);
  }
  bool set_usage = false;
  if (rc == EXIT_OK && !cli_apply_sets(&a, opts, "simulate", "sim", &set_usage)) rc = set_usage ? EXIT_USAGE : EXIT_FAIL;
  if (rc == EXIT_OK && !cli_all_used(&a, "simulate")) rc = EXIT_USAGE;
  if (rc != EXIT_OK) {
    churn_options_free(opts);
    return rc;
  }
  mkdir(out, 0777);
  churn_dataset *ds = NULL;
  churn_table *truth = NULL;
  char p1[1100], p2[1100];
  cli_progress("simulate", 0, 3, "simulating");
  churn_status st = churn_simulate(opts, &ds, &truth);
  if (st == CHURN_OK) {
    cli_progress("simulate", 1, 3, "saving dataset.msgpack");
    snprintf(p1, sizeof p1, "%s/dataset.msgpack", out);
    st = churn_dataset_save(ds, p1);
  }
  if (st == CHURN_OK && csv && operator_style) {
    cli_progress("simulate", 2, 3, "writing operator exports");
    st = churn_dataset_write_operator_export(ds, out, 8 * 3600);
  } else if (st == CHURN_OK && csv) {
    cli_progress("simulate", 2, 3, "writing CSV");
    snprintf(p1, sizeof p1, "%s/subscribers.csv", out);
    snprintf(p2, sizeof p2, "%s/events.csv", out);
    st = churn_dataset_write_csv(ds, p1, p2);
  }
  if (st == CHURN_OK) {
    snprintf(p1, sizeof p1, "%s/truth.csv", out);
    cli_out o;
    if (!cli_out_open(&o, "simulate")) {
      rc = EXIT_FAIL;
    } else {
      cli_table_csv(truth, o.f);
      rc = cli_out_commit(&o, p1, "simulate");
    }
  } else {
    rc = cli_fail("simulate", st);
  }
  cli_progress_done();
  if (rc == EXIT_OK) {
    printf("simulated %lld subscribers, %lld events into %s\n",
           (long long)churn_dataset_num_subscribers(ds), (long long)churn_dataset_num_events(ds), out);
  }
  churn_table_free(truth);
  churn_dataset_free(ds);
  churn_options_free(opts);
  return rc;
}

static const char INGEST_HELP[] =
    "usage: churn ingest --subscribers SUBS.csv --events EVENTS.csv --out DATASET.msgpack\n"
    "                    [--strict] [--dedup] [--create-unknown] [--reason-map REASONS.csv]\n"
    "                    [--set ingest.KEY=V ...]\n"
    "Reads billing CSV exports (schemas in churn.h) into a msgpack dataset and reports every\n"
    "rejected row: counts by reason and the first rows with line, column and reason.\n"
    "  --strict          any rejected row fails the command (exit 1) and nothing is written\n"
    "  --dedup           remove exact duplicate events\n"
    "  --create-unknown  create subscribers for events of unknown ids instead of failing\n"
    "  --reason-map F    the operator's own cancellation reason labels: lines `label,reason` or\n"
    "                    `label,category` (natural, competitive, service, unknown).  A cancel\n"
    "                    whose label is not mapped is kept with reason unknown and its label\n"
    "                    listed under \"unmapped reason labels\".\n";

/* "unmapped reason labels: 搬迁 x 312, ..." (most events first; the first 20). */
static void print_unmapped_reasons(const churn_dataset *ds) {
  churn_table *t = NULL;
  int64_t jl, jm, je;
  const char *const *label;
  const int64_t *events, *mapped;
  if (churn_dataset_reason_labels(ds, &t) == CHURN_OK && churn_table_find(t, "label", &jl) == 0 &&
      churn_table_find(t, "mapped", &jm) == 0 && churn_table_find(t, "events", &je) == 0 &&
      churn_table_str(t, jl, &label) == 0 && churn_table_i64(t, jm, &mapped) == 0 &&
      churn_table_i64(t, je, &events) == 0) {
    int shown = 0;
    int64_t more = 0;
    for (int64_t i = 0; i < churn_table_nrows(t); i++) {
      if (mapped[i] || events[i] == 0) continue;
      if (shown == 20) {
        more++;
        continue;
      }
      printf("%s%s x %lld", shown ? ", " : "unmapped reason labels: ", label[i],
             (long long)events[i]);
      shown++;
    }
    if (more) printf(" and %lld more", (long long)more);
    if (shown) putchar('\n');
  }
  churn_table_free(t);
}

static void print_report(const churn_dataset *ds) {
  static const struct { churn_ingest_counter c; const char *name; } counters[] = {
      {CHURN_COUNT_ROWS_READ, "rows read"},
      {CHURN_COUNT_ROWS_ACCEPTED, "rows accepted"},
      {CHURN_COUNT_REJECTED, "rows rejected"},
      {CHURN_COUNT_REJECTED_UNKNOWN_SUBSCRIBER, "  unknown subscriber"},
      {CHURN_COUNT_REJECTED_BAD_VALUE, "  bad value"},
      {CHURN_COUNT_REJECTED_NON_FINITE, "  non-finite value"},
      {CHURN_COUNT_REJECTED_MISSING_VALUE, "  missing value"},
      {CHURN_COUNT_REJECTED_BEFORE_ACTIVATION, "  before activation"},
      {CHURN_COUNT_REJECTED_DUPLICATE_ID, "  duplicate subscriber id"},
      {CHURN_COUNT_SUBSCRIBERS_CREATED, "subscribers created"},
      {CHURN_COUNT_DUPLICATE_EVENTS, "duplicate events found"},
      {CHURN_COUNT_DUPLICATES_REMOVED, "duplicate events removed"},
  };
  for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
    int64_t v = 0;
    churn_dataset_ingest_count(ds, counters[i].c, &v);
    if (v || i < 3) printf("%-28s %lld\n", counters[i].name, (long long)v);
  }
  print_unmapped_reasons(ds);
  churn_table *rej = NULL;
  if (churn_dataset_rejections(ds, &rej) == CHURN_OK && churn_table_nrows(rej) > 0) {
    printf("first rejected rows:\n");
    cli_table_text(rej, stdout, 20);
  }
  churn_table_free(rej);
}

int cmd_ingest(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--map") == 0) return cmd_ingest_map(argc, argv);
  }
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help strict dedup create-unknown")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(INGEST_HELP, stdout), EXIT_OK;
  const char *subs = cli_need(&a, "subscribers", "ingest");
  const char *events = subs ? cli_need(&a, "events", "ingest") : NULL;
  const char *out = events ? cli_need(&a, "out", "ingest") : NULL;
  if (!out) return EXIT_USAGE;
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("ingest", churn_last_status());
  int rc = cli_apply_ingest_flags(&a, opts);
  const char *reason_map = cli_get(&a, "reason-map");
  if (rc == EXIT_OK && !cli_all_used(&a, "ingest")) rc = EXIT_USAGE;
  churn_dataset *ds = NULL;
  churn_status st = CHURN_OK;
  if (rc == EXIT_OK) {
    st = churn_dataset_new(&ds);
    cli_progress("ingest", 0, 3, subs);
    if (st == CHURN_OK && reason_map != NULL) st = churn_dataset_read_reason_map_csv(ds, reason_map);
    if (st == CHURN_OK) st = churn_dataset_read_subscribers_csv(ds, subs, opts);
    cli_progress("ingest", 1, 3, events);
    if (st == CHURN_OK) st = churn_dataset_read_events_csv(ds, events, opts);
    if (st == CHURN_OK) st = churn_dataset_finalize(ds, opts);
    cli_progress("ingest", 2, 3, out);
    if (st == CHURN_OK) st = churn_dataset_save(ds, out);
    if (st != CHURN_OK) {
      rc = cli_fail("ingest", st);
      if (ds) print_report(ds);
    } else {
      cli_progress_done();
      printf("%s: %lld subscribers, %lld events\n", out,
             (long long)churn_dataset_num_subscribers(ds), (long long)churn_dataset_num_events(ds));
      print_report(ds);
    }
  }
  churn_dataset_free(ds);
  churn_options_free(opts);
  return rc;
}

static const char FEATURES_HELP[] =
    "usage: churn features --data DATASET --as-of DATE[,DATE...] --out FEATURES.csv\n"
    "                      [--select NAME,NAME...] [--horizon-days H] [--set features.KEY=V ...]\n"
    "Writes the point-in-time feature matrix (one row per subscriber in the base at each date,\n"
    "computed only from events up to that date) with subscriber_id and as_of columns.\n"
    "DATASET is a .msgpack dataset or SUBS.csv,EVENTS.csv.  With --horizon-days a churn label\n"
    "column (churned within H days after the date) is added.\n";

int cmd_features(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(FEATURES_HELP, stdout), EXIT_OK;
  const char *data = cli_get(&a, "data");
  if (data == NULL) data = cli_get(&a, "dataset");
  if (data == NULL) return cli_usage_error("features", "--data is required (see churn features --help)");
  const char *asof = cli_need(&a, "as-of", "features");
  const char *out = asof ? cli_need(&a, "out", "features") : NULL;
  if (!out) return EXIT_USAGE;
  long long times[64];
  int nt = cli_parse_times(asof, times, 64);
  if (nt <= 0) return cli_usage_error("features", "--as-of: not a list of dates: %s", asof);
  const char *select = cli_get(&a, "select");
  const char *horizon = cli_get(&a, "horizon-days");
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("features", churn_last_status());
  int rc = EXIT_OK;
  if (horizon && cli_set_option(opts, "labels.horizon_days", horizon) != CHURN_OK) rc = cli_fail("features", churn_last_status());
  bool set_usage = false;
  if (rc == EXIT_OK && !cli_apply_sets(&a, opts, "features", "features labels ingest", &set_usage)) rc = set_usage ? EXIT_USAGE : EXIT_FAIL;
  if (rc == EXIT_OK && !cli_all_used(&a, "features")) rc = EXIT_USAGE;
  char selbuf[4096];
  const char *names[256];
  size_t nnames = cli_split_list(select, selbuf, sizeof selbuf, names, 256);
  churn_dataset *ds = NULL;
  churn_features *f = NULL;
  double *y = NULL;
  if (rc == EXIT_OK) {
    cli_progress("features", 0, 2, "loading dataset");
    churn_status st = cli_load_dataset(data, opts, &ds);
    int64_t as_of[64];
    for (int i = 0; i < nt; i++) as_of[i] = times[i];
    cli_progress("features", 1, 2, "extracting features");
    if (st == CHURN_OK) st = churn_features_extract(ds, as_of, (size_t)nt, nnames ? names : NULL, nnames, opts, &f);
    int64_t n = f ? churn_features_nrows(f) : 0;
    if (st == CHURN_OK && horizon) {
      y = malloc(sizeof *y * (size_t)(n ? n : 1));
      st = churn_labels_compute(ds, churn_features_subscribers(f), churn_features_times(f), n, opts, y, NULL, NULL);
    }
    if (st != CHURN_OK) rc = cli_fail("features", st);
  }
  if (rc == EXIT_OK) {
    cli_out o;
    if (!cli_out_open(&o, "features")) {
      rc = EXIT_FAIL;
    } else {
      FILE *fo = o.f;
      int64_t n = churn_features_nrows(f), d = churn_features_ncols(f);
      const double *X = churn_features_matrix(f);
      const char *const *fn = churn_features_names(f);
      const int64_t *sub = churn_features_subscribers(f), *tt = churn_features_times(f);
      fputs("subscriber_id,as_of", fo);
      for (int64_t j = 0; j < d; j++) {
        fputc(',', fo);
        cli_csv_field(fo, fn[j]);
      }
      if (y) fputs(",churned", fo);
      fputc('\n', fo);
      for (int64_t i = 0; i < n; i++) {
        const char *id = "";
        char date[40];
        churn_dataset_subscriber_id(ds, sub[i], &id);
        cli_format_date(tt[i], date);
        cli_csv_field(fo, id);
        fprintf(fo, ",%s", date);
        for (int64_t j = 0; j < d; j++) fprintf(fo, ",%.17g", X[i * d + j]);
        if (y) fprintf(fo, ",%g", y[i]);
        fputc('\n', fo);
      }
      rc = cli_out_commit(&o, out, "features");
      cli_progress_done();
      if (rc == EXIT_OK) printf("%s: %lld rows x %lld features\n", out, (long long)n, (long long)d);
    }
  }
  free(y);
  churn_features_free(f);
  churn_dataset_free(ds);
  churn_options_free(opts);
  return rc;
}
