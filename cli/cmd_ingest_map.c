/*
 * cmd_ingest_map.c -- `churn ingest --map mapping.ini --out DATASET.msgpack [--json]`: the
 * operator's own exports read through a mapping file (churn_dataset_read_mapping), saved as a
 * dataset, with a summary per file (rows read, stored, rejected, unmapped reason labels, the
 * first rejected row) as text or JSON.
 */
#include "cli.h"

#include <string.h>

static const char HELP[] =
    "usage: churn ingest --map MAPPING.ini --out DATASET.msgpack [--json] [--strict] [--dedup]\n"
    "                    [--create-unknown] [--set ingest.KEY=V ...]\n"
    "Reads the exports a mapping file names (README: \"From your own exports\"; churn.h:\n"
    "churn_dataset_read_mapping) and prints one line per file: rows read, stored, rejected,\n"
    "unmapped reason labels and the first rejected row.  --json prints the summary as JSON.\n";

int cmd_ingest_map(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help strict dedup create-unknown json")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(HELP, stdout), EXIT_OK;
  const char *map = cli_need(&a, "map", "ingest");
  const char *out = map ? cli_need(&a, "out", "ingest") : NULL;
  if (!out) return EXIT_USAGE;
  bool json = cli_flag(&a, "json");
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("ingest", churn_last_status());
  int rc = cli_apply_ingest_flags(&a, opts);
  if (rc == EXIT_OK && !cli_all_used(&a, "ingest")) rc = EXIT_USAGE;
  churn_dataset *ds = NULL;
  churn_table *sum = NULL;
  if (rc == EXIT_OK) {
    churn_status st = churn_dataset_new(&ds);
    if (st == CHURN_OK) st = churn_dataset_read_mapping(ds, map, opts, &sum);
    if (st == CHURN_OK) st = churn_dataset_finalize(ds, opts);
    if (st == CHURN_OK) st = churn_dataset_save(ds, out);
    if (st != CHURN_OK) {
      rc = cli_fail("ingest", st);
    } else if (json) {
      cli_table_json(sum, stdout);
      fputc('\n', stdout);
    } else {
      printf("%s: %lld subscribers, %lld events\n", out,
             (long long)churn_dataset_num_subscribers(ds), (long long)churn_dataset_num_events(ds));
      cli_table_text(sum, stdout, 1000);
    }
  }
  churn_table_free(sum);
  churn_dataset_free(ds);
  churn_options_free(opts);
  return rc;
}
