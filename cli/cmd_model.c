/*
 * cmd_model.c -- the model subcommands: `churn fit` (from a design-matrix CSV or from a
 * dataset's snapshots), `churn summary` (statsmodels-like table, or JSON) and `churn score`
 * (the ranked dispatch list with reasons, category, tier, manager and contact deadline).
 */
#include "cli.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char FIT_HELP[] =
    "usage: churn fit --data TABLE.csv --label COLUMN [--id COLS] [--exclude COLS] [--positive V]\n"
    "                 [--missing reject|mean|zero] [--weight COLUMN] [--cluster COLUMN]\n"
    "                 [--time-column COLUMN] [--cov-type nonrobust|HC0|HC1] --out MODEL.msgpack\n"
    "                 [fit options]\n"
    "       churn fit --dataset DATASET --as-of DATE,DATE... --horizon-days H --out MODEL.msgpack\n"
    "                 [--select FEATURES] [fit options]\n"
    "The first form fits on a flat table (one row per subscriber, or per subscriber and month with\n"
    "--time-column): numeric columns as they are, string columns one-hot (reference: the most\n"
    "frequent level), --id columns carried to scores, rows with a missing value rejected and\n"
    "counted (or filled: --missing mean|zero), constant and duplicate columns dropped; the\n"
    "encoding is saved in the model.  Streamed from the file when larger than fit.memory_budget.\n"
    "The second extracts features at each snapshot date, labels churn within H days, and\n"
    "fits on the stacked rows.  Fit options:\n"
    "  --penalty none|l2|l1|elasticnet|firth   (default none: maximum likelihood with\n"
    "                   inference; firth: bias-reduced, finite under separation, with inference,\n"
    "                   --dataset form only)\n"
    "  --C c            inverse penalty strength (default 1)\n"
    "  --l1-ratio r     elastic-net mixing (default 0.5)\n"
    "  --class-weight balanced\n"
    "  --threads T      worker threads (0 = one per core)\n"
    "  --set fit.KEY=V  any other option by name (churn.h lists them)\n";

static bool set_fit_options(cli_args *a, churn_options *opts) {
  const char *pen = cli_get(a, "penalty");
  if (pen) {
    int p = -1;
    if (churn_enum_find(CHURN_ENUM_PENALTY, pen, &p) != CHURN_OK) {
      cli_usage_error("fit", "--penalty must be none, l2, l1, elasticnet or firth, not '%s'", pen);
      return false;
    }
    if (churn_options_set_int(opts, CHURN_OPT_FIT_PENALTY, p) != CHURN_OK) return cli_fail("fit", churn_last_status()), false;
  }
  const struct { const char *flag, *option; } map[] = {
      {"C", "fit.C"}, {"l1-ratio", "fit.l1_ratio"}, {"threads", "fit.threads"},
      {"max-iter", "fit.max_iter"}, {"tol", "fit.tol"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    const char *v = cli_get(a, map[i].flag);
    if (v && cli_set_option(opts, map[i].option, v) != CHURN_OK) return cli_fail("fit", churn_last_status()), false;
  }
  const char *cw = cli_get(a, "class-weight");
  if (cw) {
    if (strcmp(cw, "balanced") != 0) {
      cli_usage_error("fit", "--class-weight takes 'balanced', not '%s'", cw);
      return false;
    }
    churn_options_set_int(opts, CHURN_OPT_FIT_CLASS_WEIGHT, 1);
  }
  bool usage;
  return cli_apply_sets(a, opts, "fit", "fit features labels ingest design", &usage);
}

/* Features at several snapshots, labels within the horizon, and the fit. */
static churn_status fit_from_dataset(const char *data, const long long *times, int nt,
                                     const char *select, const churn_options *opts,
                                     churn_model **model, int64_t *rows, double *rate) {
  churn_dataset *ds = NULL;
  churn_features *f = NULL;
  double *y = NULL;
  char selbuf[4096];
  const char *names[256];
  size_t nnames = cli_split_list(select, selbuf, sizeof selbuf, names, 256);
  int64_t as_of[64];
  for (int i = 0; i < nt; i++) as_of[i] = times[i];
  cli_progress("fit", 0, 3, "loading dataset");
  churn_status st = cli_load_dataset(data, opts, &ds);
  cli_progress("fit", 1, 3, "features and labels");
  if (st == CHURN_OK) st = churn_features_extract(ds, as_of, (size_t)nt, nnames ? names : NULL, nnames, opts, &f);
  int64_t n = f ? churn_features_nrows(f) : 0, d = f ? churn_features_ncols(f) : 0;
  if (st == CHURN_OK) {
    y = malloc(sizeof *y * (size_t)(n ? n : 1));
    st = y ? churn_labels_compute(ds, churn_features_subscribers(f), churn_features_times(f), n, opts, y, NULL, NULL) : CHURN_E_NOMEM;
  }
  cli_progress("fit", 2, 3, "fitting");
  if (st == CHURN_OK) {
    st = churn_model_fit(churn_features_matrix(f), CHURN_F64, n, d, d, y, NULL,
                         churn_features_names(f), opts, model);
  }
  if (st == CHURN_OK) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += y[i];
    *rows = n;
    *rate = n ? s / (double)n : 0;
  }
  free(y);
  churn_features_free(f);
  churn_dataset_free(ds);
  return st;
}

int cmd_fit(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(FIT_HELP, stdout), EXIT_OK;
  const char *out = cli_need(&a, "out", "fit");
  if (!out) return EXIT_USAGE;
  const char *csv = cli_get(&a, "data"), *dataset = cli_get(&a, "dataset");
  if (!!csv == !!dataset) return cli_usage_error("fit", "give either --data X.csv --label COLUMN or --dataset D --as-of DATES --horizon-days H");
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("fit", churn_last_status());
  int rc = set_fit_options(&a, opts) ? EXIT_OK : EXIT_USAGE;
  churn_model *model = NULL;
  churn_status st = CHURN_OK;
  int64_t rows = 0;
  double rate = 0;
  if (rc == EXIT_OK && csv) {
    rc = cli_fit_table(&a, csv, opts, out);
    churn_options_free(opts);
    return rc;
  } else if (rc == EXIT_OK) {
    const char *asof = cli_need(&a, "as-of", "fit");
    const char *horizon = asof ? cli_need(&a, "horizon-days", "fit") : NULL;
    const char *select = cli_get(&a, "select");
    long long times[64];
    int nt = asof ? cli_parse_times(asof, times, 64) : 0;
    if (!horizon) rc = EXIT_USAGE;
    else if (nt <= 0) rc = cli_usage_error("fit", "--as-of: not a list of dates: %s", asof);
    else if (cli_set_option(opts, "labels.horizon_days", horizon) != CHURN_OK) rc = cli_fail("fit", churn_last_status());
    else if (!cli_all_used(&a, "fit")) rc = EXIT_USAGE;
    else st = fit_from_dataset(dataset, times, nt, select, opts, &model, &rows, &rate);
  }
  if (rc == EXIT_OK && st == CHURN_OK) st = churn_model_save(model, out);
  if (rc == EXIT_OK && st != CHURN_OK) rc = cli_fail("fit", st);
  cli_progress_done();
  if (rc == EXIT_OK) {
    double n_obs = 0, it = 0, conv = 0, ll = 0;
    churn_model_stat(model, CHURN_STAT_N_OBS, &n_obs);
    churn_model_stat(model, CHURN_STAT_N_ITER, &it);
    churn_model_stat(model, CHURN_STAT_CONVERGED, &conv);
    churn_model_stat(model, CHURN_STAT_LOGLIK, &ll);
    printf("%s: %lld features, %.0f rows", out, (long long)churn_model_n_features(model), n_obs);
    if (rows) printf(" (churn rate %.2f%%)", 100 * rate);
    printf(", %.0f iterations, converged %s, log-likelihood %.4f\n", it, conv ? "yes" : "no", ll);
  }
  churn_model_free(model);
  churn_options_free(opts);
  return rc;
}

static const char SUMMARY_HELP[] =
    "usage: churn summary MODEL.msgpack [--json]\n"
    "Prints the coefficient table (coef, std err, z, p-value, 95% interval, odds ratio) and the\n"
    "fit statistics as statsmodels' Logit summary does; --json prints the same fields as JSON.\n";

/* The statistics the summary shows, in this order, under their churn_enum_name names ("n_iter"
 * was "iterations" before 1.2). */
static const churn_stat STATS[] = {
    CHURN_STAT_N_OBS,     CHURN_STAT_POSITIVES, CHURN_STAT_DF_MODEL,   CHURN_STAT_DF_RESID,
    CHURN_STAT_LOGLIK,    CHURN_STAT_NULL_LOGLIK, CHURN_STAT_PSEUDO_R2, CHURN_STAT_LLR,
    CHURN_STAT_LLR_P_VALUE, CHURN_STAT_AIC,     CHURN_STAT_BIC,        CHURN_STAT_N_ITER,
    CHURN_STAT_CONVERGED, CHURN_STAT_GRADIENT_NORM};

int cmd_summary(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help json")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(SUMMARY_HELP, stdout), EXIT_OK;
  bool json = cli_flag(&a, "json");
  if (a.npos != 1) return cli_usage_error("summary", "give one model file (see churn summary --help)");
  a.max_pos = 1;
  if (!cli_all_used(&a, "summary")) return EXIT_USAGE;
  churn_model *m = NULL;
  churn_table *t = NULL;
  churn_status st = churn_model_load(a.pos[0], &m);
  if (st == CHURN_OK) st = churn_model_summary(m, &t);
  if (st != CHURN_OK) {
    churn_model_free(m);
    return cli_fail("summary", st);
  }
  double v[sizeof STATS / sizeof STATS[0]];
  for (size_t i = 0; i < sizeof STATS / sizeof STATS[0]; i++) {
    if (churn_model_stat(m, STATS[i], &v[i]) != CHURN_OK) v[i] = NAN;
  }
  if (json) {
    fputs("{\"model\": ", stdout);
    cli_json_string(stdout, a.pos[0]);  /* a path may hold a quote or a backslash */
    fputs(",\n", stdout);
    for (size_t i = 0; i < sizeof STATS / sizeof STATS[0]; i++) {
      const char *name = churn_enum_name(CHURN_ENUM_STAT, STATS[i]);
      if (isfinite(v[i])) printf(" \"%s\": %.17g,\n", name, v[i]);
      else printf(" \"%s\": null,\n", name);
    }
    printf(" \"coefficients\": ");
    cli_table_json(t, stdout);
    printf("}\n");
  } else {
    printf("                          Logit Regression Results (libchurn %s)\n", churn_version_string());
    printf("==============================================================================\n");
    printf("No. Observations: %12.0f    Log-Likelihood:     %14.4f\n", v[0], v[4]);
    printf("Churners:         %12.0f    LL-Null:            %14.4f\n", v[1], v[5]);
    printf("Df Model:         %12.0f    Pseudo R-squ.:      %14.5f\n", v[2], v[6]);
    printf("Df Residuals:     %12.0f    LLR p-value:        %14.4g\n", v[3], v[8]);
    printf("AIC:              %12.2f    BIC:                %14.2f\n", v[9], v[10]);
    printf("Iterations:       %12.0f    Converged:          %14s\n", v[11], v[12] == 1 ? "True" : "False");
    printf("==============================================================================\n");
    int64_t n = churn_table_nrows(t);
    const char *const *term;
    const double *c[7];
    churn_table_str(t, 0, &term);
    for (int j = 0; j < 7; j++) churn_table_f64(t, j + 1, &c[j]);
    printf("%-36s %10s %9s %8s %8s %9s %9s\n", "", "coef", "std err", "z", "P>|z|", "[0.025", "0.975]");
    printf("------------------------------------------------------------------------------------------------\n");
    for (int64_t i = 0; i < n; i++) {
      printf("%-36.36s %10.4f %9.4f %8.3f %8.3f %9.4f %9.4f\n", term[i], c[0][i], c[1][i], c[2][i],
             c[3][i], c[4][i], c[5][i]);
    }
    printf("================================================================================================\n");
  }
  churn_table_free(t);
  churn_model_free(m);
  return EXIT_OK;
}

static const char SCORE_HELP[] =
    "usage: churn score --model MODEL.msgpack --data TABLE.csv [--id COLS] [--top K] [--reasons R]\n"
    "                   --out scores.csv\n"
    "       churn score --model MODEL.msgpack --dataset DATASET --as-of DATE --top K --out dispatch.csv\n"
    "                   [--reasons R] [--by manager] [--calendar CAL.csv] [--utc-offset +08:00]\n"
    "                   [--set warnings.deadline_days=W ...]\n"
    "The first form scores a flat table with the encoding saved in a model fitted by `churn fit\n"
    "--data`: every row (or the top K), highest risk first, as id columns, probability and the\n"
    "reasons in the table's terms ('Contract = Month-to-month (+1.32)'); with a time column the\n"
    "latest month of each id.  The second form:\n"
    "Scores every subscriber in the base at DATE and writes the K most at risk as a dispatch list:\n"
    "rank, subscriber_id, probability, the top R reasons (feature and contribution to the score),\n"
    "churn category of the first reason, value tier, customer manager, contact deadline (DATE + W\n"
    "working days: Monday to Friday, minus the holidays and plus the make-up working days of the\n"
    "calendar CSV `date,type` given by --calendar, counted in the local time of --utc-offset).\n"
    "Each reason is its feature, its contribution and the subscriber's value in words\n"
    "(words1: 'arrears 320.00 yuan, 3 months late').  With --by manager the list is split:\n"
    "--out is a folder: DIR/dispatch.csv the whole list, DIR/manager/MANAGER.csv each manager's\n"
    "part of it (rank kept), DIR/index.csv the manager files (churn warnings --help: names, reruns).\n";

typedef struct ranked {
  double p;
  int64_t row;
} ranked;

static int by_risk(const void *x, const void *y) {
  const ranked *a = x, *b = y;
  if (a->p != b->p) return a->p < b->p ? 1 : -1;
  return a->row < b->row ? -1 : (a->row > b->row);
}

static const char *category_name(churn_category c) {
  const char *name = churn_enum_name(CHURN_ENUM_CATEGORY, (int)c);
  return name != NULL ? name : "unknown";
}

/* A categorical subscriber column's label for subscriber s ("" when missing). */
static const char *label_of(const churn_dataset *ds, const char *column, int64_t s) {
  churn_dtype dt;
  const void *data;
  if (churn_dataset_subscriber_column(ds, column, &dt, &data) != CHURN_OK || dt != CHURN_I32) return "";
  int32_t code = ((const int32_t *)data)[s];
  const char *label = "";
  if (code < 0 || churn_dataset_category_label(ds, column, code, &label, NULL) != CHURN_OK) return "";
  return label;
}

/* The contact deadline of the dispatch list: T + W working days of warnings.calendar in the
 * local time warnings.utc_offset (read back from opts, so --set works as well as the flags). */
static churn_status dispatch_deadline(const churn_options *opts, int64_t T, int64_t *out) {
  int64_t days = 2, offset = 0;
  const char *cal_path = NULL, *off = NULL;
  churn_options_get_int(opts, CHURN_OPT_WARN_DEADLINE_DAYS, &days);
  churn_options_get_string(opts, CHURN_OPT_WARN_CALENDAR, &cal_path);
  churn_options_get_string(opts, CHURN_OPT_WARN_UTC_OFFSET, &off);
  if (off != NULL && off[0] != '\0') {
    /* the offset in seconds, through the library's one date parser: midnight 1970-01-01 in
     * the zone is -offset seconds */
    char text[48];
    snprintf(text, sizeof text, "1970-01-01T00:00:00%s", off);
    int64_t t = 0;
    if (churn_time_parse(text, &t) != CHURN_OK) {
      fprintf(stderr, "churn score: --utc-offset: '%s' is not a UTC offset such as +08:00\n", off);
      return CHURN_E_ARG;
    }
    offset = -t;
  }
  churn_calendar *cal = NULL;
  churn_status st = CHURN_OK;
  if (cal_path != NULL && cal_path[0] != '\0') st = churn_calendar_load(cal_path, &cal);
  if (st == CHURN_OK) st = churn_calendar_deadline(cal, T, days, offset, out);
  churn_calendar_free(cal);
  return st;
}

/* Prints a note for each one-hot feature "GROUP.COLUMN=LABEL" of the model whose label the dataset
 * does not have (scored as an all-zero column, CHURN_OPT_FEAT_UNKNOWN_LABEL). */
static void note_missing_labels(const churn_model *m, const churn_dataset *ds) {
  int64_t d = churn_model_n_features(m);
  for (int64_t j = 0; j < d; j++) {
    const char *name = churn_model_feature_name(m, j), *eq = strchr(name, '=');
    if (eq == NULL) continue;
    /* "account.region=north": the dataset's column is what follows the group's dot */
    const char *dot = memchr(name, '.', (size_t)(eq - name));
    const char *start = dot ? dot + 1 : name;
    char col[256];
    snprintf(col, sizeof col, "%.*s", (int)(eq - start), start);
    int32_t count = 0;
    if (churn_dataset_category_label(ds, col, -1, NULL, &count) != CHURN_OK) continue;
    bool found = false;
    for (int32_t c = 0; c < count && !found; c++) {
      const char *label = NULL;
      found = churn_dataset_category_label(ds, col, c, &label, NULL) == CHURN_OK &&
              strcmp(label, eq + 1) == 0;
    }
    if (!found) {
      printf("note: the dataset has no subscriber with %s (seen in training): scored as an "
             "all-zero column\n", name);
    }
  }
}

/* What one line of the dispatch list needs. */
typedef struct dispatch_ctx {
  const churn_dataset *ds;
  const churn_model *m;
  const ranked *order;
  const int32_t *idx;
  const double *contrib, *x;
  const char *const *names;
  const int64_t *sub;
  const void *vip;
  int64_t d;
  int r;
  char deadline[40];
} dispatch_ctx;

/* Line i of the dispatch list (the i-th highest risk): rank, id, probability, each reason with
 * its contribution and its words, category of the first reason, tier, manager, VIP, deadline. */
static void dispatch_row(FILE *fo, int64_t i, void *ctx) {
  const dispatch_ctx *c = ctx;
  int64_t row = c->order[i].row, s = c->sub[row];
  const char *id = "";
  churn_dataset_subscriber_id(c->ds, s, &id);
  fprintf(fo, "%lld,", (long long)i + 1);
  cli_csv_field(fo, id);
  fprintf(fo, ",%.6f", c->order[i].p);
  for (int j = 0; j < c->r; j++) {
    int32_t f = c->idx[row * c->r + j];
    char words[256];
    cli_reason_words(c->names, c->x + row * c->d, c->d, f, words, sizeof words);
    fputc(',', fo);
    cli_csv_field(fo, churn_model_feature_name(c->m, f));
    fprintf(fo, ",%.4f,", c->contrib[row * c->r + j]);
    cli_csv_field(fo, words);
  }
  churn_category cat = CHURN_CATEGORY_UNKNOWN;
  churn_feature_category(churn_model_feature_name(c->m, c->idx[row * c->r]), &cat);
  fprintf(fo, ",%s,", category_name(cat));
  cli_csv_field(fo, label_of(c->ds, "tier", s));
  fputc(',', fo);
  cli_csv_field(fo, label_of(c->ds, "manager", s));
  fprintf(fo, ",%d,%s\n", c->vip ? ((const uint8_t *)c->vip)[s] : 0, c->deadline);
}

int cmd_score(int argc, char **argv) {
  cli_args a;
  if (!cli_parse(&a, argc, argv, "help")) return EXIT_USAGE;
  if (cli_flag(&a, "help")) return fputs(SCORE_HELP, stdout), EXIT_OK;
  const char *mpath = cli_need(&a, "model", "score");
  const char *table = cli_get(&a, "data");
  if (mpath && table) {
    const char *tout = cli_need(&a, "out", "score");
    return tout ? cli_score_table(&a, mpath, table, tout) : EXIT_USAGE;
  }
  const char *data = mpath ? cli_need(&a, "dataset", "score") : NULL;
  const char *asof = data ? cli_need(&a, "as-of", "score") : NULL;
  const char *out = asof ? cli_need(&a, "out", "score") : NULL;
  if (!out) return EXIT_USAGE;
  const char *topk = cli_get(&a, "top"), *nreasons = cli_get(&a, "reasons");
  const char *by = cli_get(&a, "by");
  bool by_manager = by && strcmp(by, "manager") == 0;
  if (by && !by_manager) return cli_usage_error("score", "--by takes manager, not '%s'", by);
  long long T;
  if (!cli_parse_time(asof, &T)) return cli_usage_error("score", "--as-of: not a date: %s", asof);
  long long kk = 100, rr = 3;
  if (topk && !cli_parse_int(topk, 1, INT_MAX, &kk)) {
    return cli_usage_error("score", "--top takes a positive whole number, not '%s'", topk);
  }
  if (nreasons && !cli_parse_int(nreasons, 1, INT_MAX, &rr)) {
    return cli_usage_error("score", "--reasons takes a positive whole number, not '%s'", nreasons);
  }
  int k = (int)kk, r = (int)rr;
  churn_options *opts = NULL;
  if (churn_options_new(&opts) != CHURN_OK) return cli_fail("score", churn_last_status());
  /* a label seen in training that today's export lacks (no subscriber in that region any more)
   * gets an all-zero column instead of failing the run; the run says so (--set
   * features.unknown_label=0 turns it back into an error) */
  churn_options_set_int(opts, CHURN_OPT_FEAT_UNKNOWN_LABEL, 1);
  bool set_usage = false;
  int rc = cli_apply_sets(&a, opts, "score", "features warnings ingest", &set_usage) ? EXIT_OK : EXIT_FAIL;
  if (set_usage) rc = EXIT_USAGE;
  const char *calendar = cli_get(&a, "calendar"), *utc_offset = cli_get(&a, "utc-offset");
  if (rc == EXIT_OK && calendar != NULL &&
      churn_options_set_string(opts, CHURN_OPT_WARN_CALENDAR, calendar) != CHURN_OK) {
    rc = cli_fail("score", churn_last_status());
  }
  if (rc == EXIT_OK && utc_offset != NULL &&
      churn_options_set_string(opts, CHURN_OPT_WARN_UTC_OFFSET, utc_offset) != CHURN_OK) {
    rc = cli_fail("score", churn_last_status());
  }
  if (rc == EXIT_OK && !cli_all_used(&a, "score")) rc = EXIT_USAGE;
  churn_model *m = NULL;
  churn_dataset *ds = NULL;
  churn_features *f = NULL;
  double *p = NULL, *contrib = NULL;
  int32_t *idx = NULL;
  ranked *order = NULL;
  churn_status st = CHURN_OK;
  if (rc == EXIT_OK) {
    cli_progress("score", 0, 3, "loading");
    st = churn_model_load(mpath, &m);
    if (st == CHURN_OK) st = cli_load_dataset(data, opts, &ds);
    int64_t d = m ? churn_model_n_features(m) : 0;
    const char **names = calloc((size_t)d + 1, sizeof *names);
    for (int64_t j = 0; j < d; j++) names[j] = churn_model_feature_name(m, j);
    int64_t as_of = T;
    cli_progress("score", 1, 3, "features");
    if (st == CHURN_OK) st = churn_features_extract(ds, &as_of, 1, names, (size_t)d, opts, &f);
    free(names);
    int64_t n = f ? churn_features_nrows(f) : 0;
    if (r > d) r = (int)d;
    cli_progress("score", 2, 3, "scoring");
    if (st == CHURN_OK) {
      p = malloc(sizeof *p * (size_t)(n + 1));
      idx = malloc(sizeof *idx * (size_t)(n * r + 1));
      contrib = malloc(sizeof *contrib * (size_t)(n * r + 1));
      order = malloc(sizeof *order * (size_t)(n + 1));
      st = churn_model_predict_proba_named(m, churn_features_names(f), churn_features_matrix(f),
                                           CHURN_F64, n, d, d, p);
    }
    if (st == CHURN_OK) st = churn_model_explain(m, churn_features_matrix(f), CHURN_F64, n, d, d, r, idx, contrib);
    if (st == CHURN_OK) {
      for (int64_t i = 0; i < n; i++) order[i] = (ranked){p[i], i};
      qsort(order, (size_t)n, sizeof *order, by_risk);
      if (k > n) k = (int)n;
      int64_t due = 0;
      st = dispatch_deadline(opts, T, &due);
      if (st != CHURN_OK) rc = EXIT_FAIL; /* reported below */
      dispatch_ctx dc = {.ds = ds, .m = m, .order = order, .idx = idx, .contrib = contrib,
                         .x = churn_features_matrix(f), .names = churn_features_names(f),
                         .sub = churn_features_subscribers(f), .d = d, .r = r};
      churn_dtype vdt;
      churn_dataset_subscriber_column(ds, "vip", &vdt, &dc.vip);
      cli_format_date(due, dc.deadline);
      char header[4096];
      int hl = snprintf(header, sizeof header, "rank,subscriber_id,probability");
      for (int j = 1; j <= r && hl < (int)sizeof header - 64; j++) {
        hl += snprintf(header + hl, sizeof header - (size_t)hl,
                       ",reason%d,contribution%d,words%d", j, j, j);
      }
      snprintf(header + hl, sizeof header - (size_t)hl, ",category,tier,manager,vip,contact_deadline\n");
      char list_path[2100];
      snprintf(list_path, sizeof list_path, "%s%s", out, by_manager ? "/dispatch.csv" : "");
      if (by_manager && rc == EXIT_OK) {
        /* the managers' files; the whole list (unassigned subscribers too) in DIR/dispatch.csv */
        const char **mgr = malloc(sizeof *mgr * (size_t)(k + 1));
        if (mgr == NULL) {
          rc = cli_fail("score", CHURN_E_NOMEM);
        } else {
          for (int i = 0; i < k; i++) mgr[i] = label_of(ds, "manager", dc.sub[order[i].row]);
          cli_split split = {"manager", mgr, false};
          printf("%s: top %d of %lld subscribers scored as of %s\n", out, k, (long long)n, asof);
          rc = cli_split_write("score", out, &split, 1, k, header, dispatch_row, &dc, stdout);
          free(mgr);
        }
      }
      cli_out o;
      if (rc != EXIT_OK) {
        /* reported */
      } else if (!cli_out_open(&o, "score")) {
        rc = EXIT_FAIL;
      } else {
        fputs(header, o.f);
        for (int i = 0; i < k; i++) dispatch_row(o.f, i, &dc);
        rc = cli_out_commit(&o, list_path, "score");
        cli_progress_done();
        if (rc == EXIT_OK) {
          if (by_manager) printf("  dispatch.csv: %d rows\n", k);
          else printf("%s: top %d of %lld subscribers scored as of %s\n", out, k, (long long)n, asof);
          note_missing_labels(m, ds);
        }
      }
    }
    if (st != CHURN_OK) rc = cli_fail("score", st);
  }
  free(p);
  free(idx);
  free(contrib);
  free(order);
  churn_features_free(f);
  churn_dataset_free(ds);
  churn_model_free(m);
  churn_options_free(opts);
  return rc;
}
