/*
 * report_month.c -- `churn report --month YYYY-MM`: the list of sections (each a library call
 * giving a churn_table and a builder of report_sections.c), the month and data-range checks,
 * and the output: DIR/index.html, one CSV per table and report.json written atomically, or
 * text on stdout.
 */
#include "cli.h"
#include "report.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* --- months ------------------------------------------------------------------------------- */

/* The first second of month m of year y in the operator's local time (off: kpi.utc_offset,
 * "+08:00"; the library's date parser reads it). */
static bool month_start_at(int y, int m, const char *off, int64_t *t) {
  while (m < 1) m += 12, y--;
  while (m > 12) m -= 12, y++;
  char buf[48];
  snprintf(buf, sizeof buf, "%04d-%02d-01T00:00:00%.16s", y, m, off);
  return y >= 1 && y <= 9999 && churn_time_parse(buf, t) == CHURN_OK;
}

/* "YYYY-MM" of t into buf (8 bytes) and the month number y * 12 + m - 1. */
static int month_of(int64_t t, char *buf) {
  char s[40];
  if (churn_time_format(t, s, sizeof s) != CHURN_OK) return -1;
  snprintf(buf, 8, "%.7s", s);
  return atoi(s) * 12 + atoi(s + 5) - 1;
}

static bool parse_month(const char *s, int *y, int *m) {
  if (strlen(s) != 7 || s[4] != '-') return false;
  for (int k = 0; k < 7; k++) {
    if (k != 4 && (s[k] < '0' || s[k] > '9')) return false;
  }
  *y = atoi(s);
  *m = atoi(s + 5);
  return *y >= 1 && *m >= 1 && *m <= 12;
}

bool report_wanted(const char *only, const char *key) {
  if (only == NULL) return true;
  size_t n = strlen(key);
  for (const char *p = only; (p = strstr(p, key)) != NULL; p += n) {
    if ((p == only || p[-1] == ',') && (p[n] == '\0' || p[n] == ',')) return true;
  }
  return false;
}

/* --- fetching the library's tables ---------------------------------------------------------- */

typedef struct month_data {
  report_ctx c;
  int y, m;
  int64_t first_month_start; /* of the data */
  const char *offset;        /* kpi.utc_offset */
  const report_month_args *args;
} month_data;

static churn_status fetch_movement(month_data *d, churn_table **out) {
  int64_t from;
  if (!month_start_at(d->y, d->m - 23, d->offset, &from) || from < d->first_month_start) from = d->first_month_start;
  return churn_kpi_movement(d->c.ds, from, d->c.month_start, NULL, d->c.opts, out);
}

static churn_status fetch_month_total(month_data *d, churn_table **out) {
  return churn_kpi_segments(d->c.ds, d->c.month_start, d->c.month_end, NULL, d->c.opts, out);
}

static churn_status fetch_segments(month_data *d, churn_table **out) {
  return churn_kpi_segments(d->c.ds, d->c.month_start, d->c.month_end, d->c.segment, d->c.opts, out);
}

static churn_status warning_list(report_ctx *c) {
  if (c->warnings) return CHURN_OK;
  return churn_warnings_compute(c->ds, c->month_start, c->opts, &c->warnings);
}

static churn_status fetch_warnings(month_data *d, churn_table **out) {
  churn_status st = warning_list(&d->c);
  if (st != CHURN_OK) return st;
  return churn_kpi_warning_list_accuracy(d->c.ds, d->c.month_start, d->c.month_end, d->c.warnings, out);
}

/* Warning accuracy with the route as the "rule": per route, the flagged subscribers and how
 * many of them churned in the month. */
static churn_status fetch_dispatch(month_data *d, churn_table **out) {
  churn_status st = warning_list(&d->c);
  if (st != CHURN_OK) return st;
  int64_t n = churn_table_nrows(d->c.warnings), js, jr;
  const int64_t *sub = NULL;
  const char *const *route = NULL;
  if ((st = churn_table_find(d->c.warnings, "subscriber", &js)) != CHURN_OK ||
      (st = churn_table_i64(d->c.warnings, js, &sub)) != CHURN_OK ||
      (st = churn_table_find(d->c.warnings, "route", &jr)) != CHURN_OK ||
      (st = churn_table_str(d->c.warnings, jr, &route)) != CHURN_OK) {
    return st;
  }
  static const int64_t none_sub[1] = {0};
  static const char *const none_route[1] = {""};
  return churn_kpi_warning_accuracy(d->c.ds, d->c.month_start, d->c.month_end, n ? sub : none_sub,
                                    n ? route : none_route, n, out);
}

/* The domain's win-back of the month's churners, by churn category. */
static churn_status fetch_winback(month_data *d, churn_table **out) {
  return churn_kpi_winback_rate(d->c.ds, d->c.month_start, d->c.month_end, "category", d->c.opts, out);
}

/* Contact compliance of the month's warning list, by route. */
static churn_status fetch_compliance(month_data *d, churn_table **out) {
  churn_status st = warning_list(&d->c);
  if (st != CHURN_OK) return st;
  return churn_kpi_contact_compliance_list(d->c.ds, d->c.warnings, "route", d->c.opts, out);
}

static churn_status fetch_snapshot(month_data *d, churn_table **out) {
  report_ctx *c = &d->c;
  char col[128] = "", label[128] = "";
  if (c->cohort) {
    const char *eq = strchr(c->cohort, '=');
    snprintf(col, sizeof col, "%.*s", (int)(eq - c->cohort), c->cohort);
    snprintf(label, sizeof label, "%s", eq + 1);
  }
  int nm = c->snapshot_months;
  double *target = malloc(sizeof *target * (size_t)nm);
  if (target == NULL) {
    snprintf(c->err, sizeof c->err, "out of memory");
    return CHURN_E_NOMEM;
  }
  double start = 1.0, step = -0.0125;
  churn_options_get_real(c->opts, CHURN_OPT_KPI_TARGET_START, &start);
  churn_options_get_real(c->opts, CHURN_OPT_KPI_TARGET_STEP, &step);
  char bm[8];
  int base = month_of(c->base_date, bm);
  bool from_file = false;
  for (int k = 0; k < nm; k++) {
    char mk[16];
    snprintf(mk, sizeof mk, "%04d-%02d", (base + k) / 12, (base + k) % 12 + 1);
    const report_target *lv[16];
    int n = report_targets_find(c->targets, "retention", c->cohort ? c->cohort : "all", mk, lv, 16);
    const char *best;
    target[k] = n > 0 ? report_levels_judge("retention", lv, n, 0, &best) : start + (k + 1) * step;
    from_file |= n > 0;
  }
  const double *tg = from_file ? target : NULL;
  c->fallback_note[0] = '\0';
  churn_status st = churn_kpi_snapshot_forecast(c->ds, c->base_date, c->month_end, nm, c->cohort ? col : NULL,
                                                c->cohort ? label : NULL, NULL, 0, tg, CHURN_COHORT_SBG, 0.05,
                                                c->opts, out, NULL);
  /* The probability of reaching each level of the last month's targets: one more projection
   * per level, with that level's target in the last month. */
  c->nlevel_probs = 0;
  if (st == CHURN_OK && tg != NULL) {
    char mk[16];
    snprintf(mk, sizeof mk, "%04d-%02d", (base + nm - 1) / 12, (base + nm - 1) % 12 + 1);
    const report_target *lv[8];
    int n = report_targets_find(c->targets, "retention", c->cohort ? c->cohort : "all", mk, lv, 8);
    double keep = target[nm - 1];
    for (int k = 0; n > 1 && k < n && st == CHURN_OK; k++) {
      churn_table *t = NULL;
      target[nm - 1] = lv[k]->target;
      st = churn_kpi_snapshot_forecast(c->ds, c->base_date, c->month_end, nm, c->cohort ? col : NULL,
                                       c->cohort ? label : NULL, NULL, 0, target, CHURN_COHORT_SBG, 0.05,
                                       c->opts, &t, NULL);
      int64_t j;
      const double *prob = NULL;
      if (st == CHURN_OK && churn_table_find(t, "prob_meet", &j) == CHURN_OK &&
          churn_table_f64(t, j, &prob) == CHURN_OK && churn_table_nrows(t) == nm) {
        snprintf(c->level_name[c->nlevel_probs], sizeof c->level_name[0], "%s", lv[k]->level);
        c->level_target[c->nlevel_probs] = lv[k]->target;
        c->level_prob[c->nlevel_probs++] = prob[nm - 1];
      }
      churn_table_free(t);
    }
    target[nm - 1] = keep;
    if (st != CHURN_OK) {
      churn_table_free(*out);
      *out = NULL;
    }
  }
  if (st == CHURN_E_DATA || st == CHURN_E_NOT_CONVERGED) {
    snprintf(c->fallback_note, sizeof c->fallback_note, "No year-end forecast: %s.", churn_last_error());
    st = churn_kpi_snapshot(c->ds, c->base_date, c->base_month_index, c->cohort ? col : NULL,
                            c->cohort ? label : NULL, NULL, 0, tg, c->opts, out);
  }
  free(target);
  return st;
}

/* The report's sections in page order, each {key, fetch, builder}. */
typedef struct section_def {
  const char *key;
  churn_status (*fetch)(month_data *d, churn_table **out);
  bool (*build)(report_ctx *c, const churn_table *t, rsection *out);
} section_def;

static const section_def SECTIONS[] = {
    {"movement", fetch_movement, section_movement},
    {"categories", fetch_month_total, section_categories},
    {"segments", fetch_segments, section_segments},
    {"snapshot", fetch_snapshot, section_snapshot},
    {"warnings", fetch_warnings, section_warnings},
    {"dispatch", fetch_dispatch, section_dispatch},
    {"compliance", fetch_compliance, section_compliance},
    {"winback", fetch_winback, section_winback},
};

const char REPORT_MONTH_SECTIONS[] =
    "movement, categories, segments, snapshot, warnings, dispatch, compliance, winback";

bool report_month_section_known(const char *key) {
  for (size_t k = 0; k < sizeof SECTIONS / sizeof SECTIONS[0]; k++) {
    if (strcmp(SECTIONS[k].key, key) == 0) return true;
  }
  return false;
}

void report_free(report *r) {
  for (int s = 0; s < r->nsections; s++) rtable_free(r->sec[s].table);
  r->nsections = 0;
}

/* --- output --------------------------------------------------------------------------------- */

static int write_files(const report *r, const char *dir) {
  char err[1200];
  if (!report_make_dir(dir, err, sizeof err)) return cli_usage_error("report", "%s", err), EXIT_FAIL;
  for (int s = 0; s < r->nsections; s++) {
    rbuf b = {0};
    char name[128];
    snprintf(name, sizeof name, "%s.csv", r->sec[s].name);
    rtable_csv(r->sec[s].table, &b);
    bool ok = report_write_file(dir, name, &b, err, sizeof err);
    rbuf_free(&b);
    if (!ok) return cli_usage_error("report", "%s", err), EXIT_FAIL;
  }
  rbuf j = {0}, h = {0};
  report_json(r, &j);
  bool ok = report_write_file(dir, "report.json", &j, err, sizeof err);
  if (ok) {
    report_html(r, &h);
    ok = report_write_file(dir, "index.html", &h, err, sizeof err);
  }
  rbuf_free(&j);
  rbuf_free(&h);
  if (!ok) return cli_usage_error("report", "%s", err), EXIT_FAIL;
  printf("%s/index.html: retention report for %s, %d section%s; tables in %d CSV file%s and report.json\n",
         dir, r->month, r->nsections, r->nsections == 1 ? "" : "s", r->nsections, r->nsections == 1 ? "" : "s");
  return EXIT_OK;
}

static void print_text(const report *r) {
  printf("Retention report %s (events %s)\n\n", r->month, r->data_range);
  for (int s = 0; s < r->nsections; s++) {
    const rsection *x = &r->sec[s];
    printf("== %s\n%s\n\n", x->title, x->summary);
    rtable_text(x->table, stdout);
    printf("\n");
  }
}

/* --- the run -------------------------------------------------------------------------------- */

static int build_sections(month_data *d, report *r) {
  const report_month_args *a = d->args;
  for (size_t k = 0; k < sizeof SECTIONS / sizeof SECTIONS[0]; k++) {
    const section_def *def = &SECTIONS[k];
    if (!report_wanted(a->only, def->key)) continue;
    bool per_cohort = strcmp(def->key, "snapshot") == 0;
    int runs = per_cohort && a->ncohorts > 0 ? a->ncohorts : 1;
    for (int i = 0; i < runs; i++) {
      d->c.cohort = per_cohort && a->ncohorts > 0 ? a->cohorts[i] : NULL;
      if (r->nsections == (int)(sizeof r->sec / sizeof r->sec[0])) return cli_usage_error("report", "too many sections");
      churn_table *t = NULL;
      d->c.err[0] = '\0';
      churn_status st = def->fetch(d, &t);
      if (st != CHURN_OK) return cli_fail("report", st);
      rsection *s = &r->sec[r->nsections];
      memset(s, 0, sizeof *s);
      s->headline_ok = -1;
      bool ok = def->build(&d->c, t, s);
      churn_table_free(t);
      r->nsections++; /* the section owns its table even when the build failed */
      if (!ok) {
        fprintf(stderr, "churn report: section %s: %s\n", def->key, d->c.err[0] ? d->c.err : "out of memory");
        return EXIT_FAIL;
      }
    }
  }
  return EXIT_OK;
}

int report_month_run(churn_dataset *ds, const churn_options *opts, const report_month_args *a) {
  month_data d = {.args = a};
  if (!parse_month(a->month, &d.y, &d.m)) return cli_usage_error("report", "--month takes YYYY-MM, not '%s'", a->month);
  /* The data's months: from the first to the last event, activations left out (exports date
   * the initial base's activations years before the window they cover). */
  churn_dtype dt;
  const void *tv = NULL, *kv = NULL;
  int64_t ne = churn_dataset_num_events(ds), lo = INT64_MAX, hi = INT64_MIN, seen = 0;
  churn_status st = churn_dataset_event_column(ds, "time", &dt, &tv);
  if (st == CHURN_OK) st = churn_dataset_event_column(ds, "kind", &dt, &kv);
  if (st != CHURN_OK) return cli_fail("report", st);
  for (int64_t i = 0; i < ne; i++) {
    int64_t t = ((const int64_t *)tv)[i];
    if (((const uint8_t *)kv)[i] == CHURN_EV_ACTIVATION) continue;
    seen++;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (seen == 0) {
    fprintf(stderr, "churn report: the dataset has no events (other than activations), so no month can be reported\n");
    return EXIT_FAIL;
  }
  report *r = calloc(1, sizeof *r);
  if (r == NULL) return fprintf(stderr, "churn report: out of memory\n"), EXIT_FAIL;
  char first[8], last[8];
  int mlo = month_of(lo, first), mhi = month_of(hi, last), mm = d.y * 12 + d.m - 1;
  snprintf(r->data_range, sizeof r->data_range, "%s to %s", first, last);
  snprintf(r->month, sizeof r->month, "%s", a->month);
  snprintf(r->dataset, sizeof r->dataset, "%s", a->dataset_name);
  int rc = EXIT_OK;
  if (mm < mlo || mm > mhi) {
    fprintf(stderr, "churn report: --month %s is outside the data, whose events run from %s to %s\n", a->month, first, last);
    rc = EXIT_FAIL;
  }
  report_targets targets = {0};
  char err[1200];
  if (rc == EXIT_OK && a->targets_path && !report_targets_read(a->targets_path, &targets, err, sizeof err)) {
    fprintf(stderr, "churn report: %s\n", err);
    rc = EXIT_FAIL;
  }
  snprintf(r->targets_source, sizeof r->targets_source, "%s", a->targets_path ? a->targets_path : "the kpi.* options");
  report_ctx *c = &d.c;
  c->ds = ds;
  c->opts = opts;
  c->targets = &targets;
  snprintf(c->month, sizeof c->month, "%s", a->month);
  c->segment = a->segment ? a->segment : "region";
  d.offset = "";
  churn_options_get_string(opts, CHURN_OPT_KPI_UTC_OFFSET, &d.offset);
  char own[16] = "+00:00";
  int64_t sec = 0;
  if ((d.offset == NULL || d.offset[0] == '\0') && churn_dataset_utc_offset(ds, &sec) == CHURN_OK) {
    /* no --utc-offset: the exports' own local time, as the library's KPIs take it */
    int64_t a = sec < 0 ? -sec : sec;
    snprintf(own, sizeof own, "%c%02d:%02d", sec < 0 ? '-' : '+', (int)(a / 3600),
             (int)(a % 3600 / 60));
  }
  if (d.offset == NULL || d.offset[0] == '\0') d.offset = own;
  int64_t probe;
  if (rc == EXIT_OK && !month_start_at(2000, 1, d.offset, &probe)) {
    fprintf(stderr, "churn report: kpi.utc_offset '%s' is not a UTC offset such as +08:00\n", d.offset);
    rc = EXIT_FAIL;
  }
  if (rc == EXIT_OK && (!month_start_at(d.y, d.m, d.offset, &c->month_start) ||
                        !month_start_at(d.y, d.m + 1, d.offset, &c->month_end) ||
                        !month_start_at(mlo / 12, mlo % 12 + 1, d.offset, &d.first_month_start))) {
    if (rc == EXIT_OK) rc = cli_usage_error("report", "--month %s: no such month", a->month);
  }
  if (rc == EXIT_OK) {
    if (a->have_base_date) c->base_date = a->base_date;
    else month_start_at(d.y, 1, d.offset, &c->base_date);
    char bm[8];
    int base = month_of(c->base_date, bm);
    c->base_month_index = mm - base + 1;
    c->snapshot_months = a->months > 0 ? a->months : 12 - base % 12;
    if (c->base_month_index < 1) rc = cli_usage_error("report", "--base-date %s is after the report month %s", bm, a->month);
    else if (c->snapshot_months < c->base_month_index) c->snapshot_months = c->base_month_index;
  }
  if (rc == EXIT_OK) rc = build_sections(&d, r);
  if (rc == EXIT_OK) {
    if (a->out_dir) {
      rc = write_files(r, a->out_dir);
    } else {
      print_text(r);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
      fprintf(stderr, "churn report: cannot write to standard output\n");
      rc = EXIT_FAIL;
    }
  }
  churn_table_free(c->warnings);
  report_targets_free(&targets);
  report_free(r);
  free(r);
  return rc;
}
