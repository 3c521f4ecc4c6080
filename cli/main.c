/*
 * main.c -- the `churn` command: simulate an operator, ingest billing exports, extract features,
 * fit and inspect a risk model, score the base into a dispatch list, and report retention KPIs.
 */
#include "cli.h"

#include <string.h>

static const char HELP[] =
    "usage: churn COMMAND [options]     (churn COMMAND --help for each)\n"
    "  simulate   simulate an operator (CSV and msgpack dataset, true churn causes)\n"
    "  ingest     read subscriber and event CSV exports into a dataset, report rejected rows\n"
    "  features   point-in-time feature matrix as of one or more dates, as CSV\n"
    "  fit        fit the risk model (from a design-matrix CSV or from a dataset's snapshots)\n"
    "  summary    the model's coefficient table and fit statistics (text or JSON)\n"
    "  score      rank the base by churn risk into a dispatch list with reasons\n"
    "  warnings   the early-warning list as CSV files per route and per customer manager\n"
    "  report     retention KPIs: movement table, ARPU, snapshot retention, segments, win-back\n"
    "  version    print the library version\n"
    "Exit status: 0 success, 1 the input was refused (message on stderr), 2 usage error.\n";

int main(int argc, char **argv) {
  static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
      {"simulate", cmd_simulate}, {"ingest", cmd_ingest}, {"features", cmd_features},
      {"fit", cmd_fit},           {"summary", cmd_summary}, {"score", cmd_score},
      {"report", cmd_report},     {"warnings", cmd_warnings}};
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    fputs(HELP, argc < 2 ? stderr : stdout);
    return cli_finish_stdout("", argc < 2 ? EXIT_USAGE : EXIT_OK);
  }
  if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
    printf("churn %s\n", churn_version_string());
    return cli_finish_stdout("version", EXIT_OK);
  }
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    if (strcmp(argv[1], cmds[i].name) == 0) {
      /* a report cut short by a full disk or a closed pipe must not exit 0 */
      return cli_finish_stdout(cmds[i].name, cmds[i].fn(argc - 2, argv + 2));
    }
  }
  fprintf(stderr, "churn: unknown command '%s'\n%s", argv[1], HELP);
  return EXIT_USAGE;
}
