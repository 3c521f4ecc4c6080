/*
 * cmd_table.c -- `churn fit --data TABLE.csv` and `churn score --data TABLE.csv`: fitting and
 * scoring flat per-subscriber tables through a churn_design (the table's encoding travels in
 * the model file), with the design's report (rejected rows, dropped columns, unseen levels)
 * printed on stderr.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* The design.* options from the command line's flags. */
static bool set_design_options(cli_args *a, churn_options *opts, const char *cmd) {
  const struct { const char *flag, *option; } map[] = {
      {"label", "design.label"},       {"id", "design.id"},
      {"exclude", "design.exclude"},   {"positive", "design.positive"},
      {"weight", "design.weight"},     {"cluster", "design.cluster"},
      {"time-column", "design.time"},  {"top", "design.top"},
      {"reasons", "design.reasons"},   {"max-levels", "design.max_levels"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    const char *v = cli_get(a, map[i].flag);
    if (v && cli_set_option(opts, map[i].option, v) != CHURN_OK) {
      cli_fail(cmd, churn_last_status());
      return false;
    }
  }
  const char *miss = cli_get(a, "missing");
  if (miss) {
    static const char *const names[] = {"reject", "mean", "zero"};
    int m = -1;
    for (int i = 0; i < 3; i++) if (strcmp(miss, names[i]) == 0) m = i;
    if (m < 0) {
      cli_usage_error(cmd, "--missing must be reject, mean or zero, not '%s'", miss);
      return false;
    }
    churn_options_set_int(opts, CHURN_OPT_DESIGN_MISSING, m);
  }
  if (cli_get(a, "cluster")) churn_options_set_int(opts, CHURN_OPT_FIT_COV_TYPE, CHURN_COV_CLUSTER);
  const char *cov = cli_get(a, "cov-type");
  if (cov) {
    static const char *const names[] = {"nonrobust", "HC0", "HC1", "cluster"};
    int c = -1;
    for (int i = 0; i < 4; i++) if (strcmp(cov, names[i]) == 0) c = i;
    if (c < 0) {
      cli_usage_error(cmd, "--cov-type must be nonrobust, HC0, HC1 or cluster, not '%s'", cov);
      return false;
    }
    churn_options_set_int(opts, CHURN_OPT_FIT_COV_TYPE, c);
  }
  return true;
}

/* Prints the design's report rows of the given kinds on stderr. */
static void print_report(const churn_design *design, const char *cmd, const char *kinds) {
  churn_table *t = NULL;
  if (churn_design_report(design, &t) != CHURN_OK) return;
  const char *const *kind, *const *detail;
  churn_table_str(t, 0, &kind);
  churn_table_str(t, 4, &detail);
  for (int64_t i = 0; i < churn_table_nrows(t); i++) {
    if (strstr(kinds, kind[i])) fprintf(stderr, "churn %s: %s: %s\n", cmd, kind[i], detail[i]);
  }
  churn_table_free(t);
}

int cli_fit_table(cli_args *a, const char *csv, churn_options *opts, const char *out) {
  if (!cli_need(a, "label", "fit")) return EXIT_USAGE;
  if (!set_design_options(a, opts, "fit")) return EXIT_USAGE;
  if (!cli_all_used(a, "fit")) return EXIT_USAGE;
  churn_design *design = NULL;
  churn_model *model = NULL;
  churn_status st = churn_design_new(opts, &design);
  if (st == CHURN_OK) st = churn_design_fit_csv(design, csv, opts, &model);
  if (design) print_report(design, "fit", "rejected dropped month");
  if (st == CHURN_OK) st = churn_model_save(model, out);
  int rc = EXIT_OK;
  if (st != CHURN_OK) {
    rc = cli_fail("fit", st);
  } else {
    double n_obs = 0, it = 0, conv = 0, ll = 0, pos = 0;
    churn_model_stat(model, CHURN_STAT_N_OBS, &n_obs);
    churn_model_stat(model, CHURN_STAT_POSITIVES, &pos);
    churn_model_stat(model, CHURN_STAT_N_ITER, &it);
    churn_model_stat(model, CHURN_STAT_CONVERGED, &conv);
    churn_model_stat(model, CHURN_STAT_LOGLIK, &ll);
    printf("%s: %lld features, %.0f rows (churn rate %.2f%%), %.0f iterations, converged %s, "
           "log-likelihood %.4f\n", out, (long long)churn_model_n_features(model), n_obs,
           n_obs > 0 ? 100 * pos / n_obs : 0.0, it, conv ? "yes" : "no", ll);
  }
  churn_model_free(model);
  churn_design_free(design);
  return rc;
}

int cli_score_table(cli_args *a, const char *mpath, const char *csv, const char *out) {
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("score", churn_last_status());
  bool set_usage = true;
  int rc = EXIT_USAGE;
  if (set_design_options(a, opts, "score")) {
    rc = cli_apply_sets(a, opts, "score", "design features ingest", &set_usage) ? EXIT_OK
                                                                                 : EXIT_FAIL;
  }
  if (set_usage) rc = EXIT_USAGE;
  if (rc == EXIT_OK && !cli_all_used(a, "score")) rc = EXIT_USAGE;
  churn_model *model = NULL;
  churn_design *design = NULL;
  int64_t scored = 0;
  churn_status st = CHURN_OK;
  if (rc == EXIT_OK) {
    st = churn_model_load(mpath, &model);
    if (st == CHURN_OK) st = churn_design_from_model(model, &design);
    if (st == CHURN_OK) st = churn_design_score_csv(design, model, csv, out, opts, &scored);
    if (design) print_report(design, "score", "rejected unseen");
    if (st != CHURN_OK) rc = cli_fail("score", st);
    else printf("%s: %lld rows scored, highest risk first\n", out, (long long)scored);
  }
  churn_design_free(design);
  churn_model_free(model);
  churn_options_free(opts);
  return rc;
}
