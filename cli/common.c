/*
 * common.c -- argument parsing, option setting by name, dates, errors and progress for the
 * `churn` command.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cli_parse(cli_args *a, int argc, char **argv, const char *flags) {
  memset(a, 0, sizeof *a);
  for (int i = 0; i < argc; i++) {
    const char *w = argv[i];
    if (strncmp(w, "--", 2) == 0 && w[2] != '\0') {
      if (a->n == 64) {
        cli_usage_error("", "too many options");
        return false;
      }
      const char *name = w + 2;
      const char *eq = strchr(name, '=');
      char *key = a->name[a->n];
      if (eq) {
        snprintf(key, sizeof a->name[0], "%.*s", (int)(eq - name), name);
      } else {
        snprintf(key, sizeof a->name[0], "%s", name);
      }
      char pattern[80];
      snprintf(pattern, sizeof pattern, " %s ", key);
      char padded[512];
      snprintf(padded, sizeof padded, " %s ", flags ? flags : "");
      bool is_flag = strstr(padded, pattern) != NULL;
      for (int k = 0; k < a->n; k++) {
        if (strcmp(a->name[k], key) == 0 && !strstr(" set cohort ", pattern)) { /* repeatable */
          cli_usage_error("", "option --%s given twice", key);
          return false;
        }
      }
      if (eq) {
        a->value[a->n] = eq + 1;
      } else if (!is_flag) {
        if (i + 1 >= argc) {
          cli_usage_error("", "option --%s needs a value", key);
          return false;
        }
        a->value[a->n] = argv[++i];
      }
      a->n++;
    } else {
      if (a->npos == 16) {
        cli_usage_error("", "too many arguments");
        return false;
      }
      a->pos[a->npos++] = w;
    }
  }
  return true;
}

const char *cli_get(cli_args *a, const char *name) {
  const char *v = NULL;
  for (int i = 0; i < a->n; i++) {
    if (strcmp(a->name[i], name) == 0) {
      a->used[i] = true;
      v = a->value[i] ? a->value[i] : "";
    }
  }
  return v;
}

bool cli_flag(cli_args *a, const char *name) { return cli_get(a, name) != NULL; }

const char *cli_need(cli_args *a, const char *name, const char *cmd) {
  const char *v = cli_get(a, name);
  if (v == NULL || v[0] == '\0') cli_usage_error(cmd, "--%s is required (see churn %s --help)", name, cmd);
  return v && v[0] ? v : NULL;
}

bool cli_all_used(const cli_args *a, const char *cmd) {
  if (a->npos > a->max_pos) {
    cli_usage_error(cmd, "unexpected argument '%s' (see churn %s --help)", a->pos[a->max_pos], cmd);
    return false;
  }
  for (int i = 0; i < a->n; i++) {
    if (!a->used[i]) {
      cli_usage_error(cmd, "unknown option --%s (see churn %s --help)", a->name[i], cmd);
      return false;
    }
  }
  return true;
}

int cli_fail(const char *cmd, churn_status st) {
  cli_progress_done();
  fprintf(stderr, "churn %s: %s: %s\n", cmd, churn_status_name(st), churn_last_error());
  return EXIT_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  cli_progress_done();
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "churn%s%s: ", cmd[0] ? " " : "", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return EXIT_USAGE;
}

churn_status cli_set_option(churn_options *opts, const char *name, const char *value) {
  churn_option key;
  churn_status st = churn_option_find(name, &key);
  if (st != CHURN_OK) return st;
  churn_option_type type;
  churn_option_bounds(key, &type, NULL, NULL, NULL);
  if (type == CHURN_OPTION_STRING) return churn_options_set_string(opts, key, value);
  char *end;
  double v = strtod(value, &end);
  if (end == value || *end != '\0') {
    /* Let the library produce the message for a non-number. */
    return churn_options_set_real(opts, key, NAN);
  }
  return churn_options_set_real(opts, key, v);
}

bool cli_apply_definition(cli_args *a, churn_options *opts, const char *cmd) {
  const char *def = cli_get(a, "definition"), *months = cli_get(a, "inactive-months");
  churn_status st = CHURN_OK;
  if (def) {
    churn_label_definition d;
    st = churn_definition_parse(def, &d);
    if (st == CHURN_OK) st = churn_options_set_int(opts, CHURN_OPT_CHURN_DEFINITION, d);
  }
  if (st == CHURN_OK && months) st = cli_set_option(opts, "churn.inactive_months", months);
  if (st != CHURN_OK) {
    cli_fail(cmd, st);
    return false;
  }
  return true;
}

bool cli_apply_utc_offset(cli_args *a, churn_options *opts, const char *cmd) {
  const char *off = cli_get(a, "utc-offset");
  churn_status st = off ? churn_options_set_string(opts, CHURN_OPT_KPI_UTC_OFFSET, off) : CHURN_OK;
  if (st != CHURN_OK) {
    cli_fail(cmd, st);
    return false;
  }
  return true;
}

/* Whether option `name`'s section (the part before the dot) is one of `sections`. */
static bool in_sections(const char *name, const char *sections) {
  const char *dot = strchr(name, '.');
  if (dot == NULL) return false;
  size_t n = (size_t)(dot - name);
  for (const char *p = sections; *p;) {
    while (*p == ' ') p++;
    size_t m = strcspn(p, " ");
    if (m == n && strncmp(p, name, n) == 0) return true;
    p += m;
  }
  return false;
}

int cli_apply_ingest_flags(cli_args *a, churn_options *opts) {
  if (cli_flag(a, "strict")) churn_options_set_int(opts, CHURN_OPT_INGEST_STRICT, 1);
  if (cli_flag(a, "dedup")) churn_options_set_int(opts, CHURN_OPT_INGEST_DEDUP, 1);
  if (cli_flag(a, "create-unknown")) churn_options_set_int(opts, CHURN_OPT_INGEST_UNKNOWN, 2);
  bool usage = false;
  if (cli_apply_sets(a, opts, "ingest", "ingest", &usage)) return EXIT_OK;
  return usage ? EXIT_USAGE : EXIT_FAIL;
}

bool cli_apply_sets(cli_args *a, churn_options *opts, const char *cmd, const char *sections,
                    bool *usage) {
  *usage = false;
  for (int i = 0; i < a->n; i++) {
    if (strcmp(a->name[i], "set") != 0) continue;
    a->used[i] = true;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", a->value[i] ? a->value[i] : "");
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
      char *eq = strchr(item, '=');
      if (eq == NULL) {
        cli_usage_error(cmd, "--set takes NAME=VALUE, got '%s'", item);
        *usage = true;
        return false;
      }
      *eq = '\0';
      churn_option key;
      if (churn_option_find(item, &key) == CHURN_OK && !in_sections(item, sections)) {
        cli_usage_error(cmd, "--set %s: churn %s reads no %.*s.* options (it takes %s.*)", item,
                        cmd, (int)strcspn(item, "."), item, sections);
        *usage = true;
        return false;
      }
      churn_status st = cli_set_option(opts, item, eq + 1);
      if (st != CHURN_OK) {
        cli_fail(cmd, st);
        return false;
      }
    }
  }
  return true;
}

size_t cli_split_list(const char *list, char *buf, size_t cap, const char **names, size_t max) {
  size_t n = 0;
  if (list == NULL) return 0;
  snprintf(buf, cap, "%s", list);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save)) names[n++] = t;
  return n;
}

bool cli_parse_time(const char *s, long long *out) {
  int64_t t;
  if (churn_time_parse(s, &t) != CHURN_OK) return false;
  *out = (long long)t;
  return true;
}

void cli_format_date(long long t, char *buf) {
  if (churn_time_format((int64_t)t, buf, 40) != CHURN_OK) snprintf(buf, 40, "%lld", t);
  buf[10] = '\0'; /* the day only */
}

int cli_parse_times(const char *s, long long *out, int max) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", s);
  int n = 0;
  char *save = NULL;
  for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    if (n == max || !cli_parse_time(item, &out[n])) return -1;
    n++;
  }
  return n;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

churn_status cli_load_dataset(const char *spec, const churn_options *opts, churn_dataset **out) {
  const char *comma = strchr(spec, ',');
  if (comma == NULL || ends_with(spec, ".msgpack")) return churn_dataset_load(spec, out);
  char subs[1024];
  snprintf(subs, sizeof subs, "%.*s", (int)(comma - spec), spec);
  churn_dataset *ds = NULL;
  churn_status st = churn_dataset_new(&ds);
  if (st == CHURN_OK) st = churn_dataset_read_subscribers_csv(ds, subs, opts);
  if (st == CHURN_OK) st = churn_dataset_read_events_csv(ds, comma + 1, opts);
  if (st == CHURN_OK) st = churn_dataset_finalize(ds, opts);
  if (st != CHURN_OK) {
    churn_dataset_free(ds);
    return st;
  }
  *out = ds;
  return CHURN_OK;
}

bool cli_out_open(cli_out *o, const char *cmd) {
  o->buf = NULL;
  o->len = 0;
  o->f = open_memstream(&o->buf, &o->len);
  if (o->f == NULL) {
    cli_progress_done();
    fprintf(stderr, "churn %s: out of memory for the output file\n", cmd);
    return false;
  }
  return true;
}

void cli_out_discard(cli_out *o) {
  if (o->f) fclose(o->f);
  free(o->buf);
  o->f = NULL;
  o->buf = NULL;
}

int cli_out_commit(cli_out *o, const char *path, const char *cmd) {
  bool bad = ferror(o->f) != 0;
  bad |= fclose(o->f) != 0;
  o->f = NULL;
  int rc = EXIT_OK;
  if (bad) {
    cli_progress_done();
    fprintf(stderr, "churn %s: cannot write %s: out of memory building it\n", cmd, path);
    rc = EXIT_FAIL;
  } else if (churn_file_write(path, o->buf, o->len) != CHURN_OK) {
    cli_progress_done();
    fprintf(stderr, "churn %s: cannot write %s: %s\n", cmd, path, churn_last_error());
    rc = EXIT_FAIL;
  }
  free(o->buf);
  o->buf = NULL;
  return rc;
}

int cli_finish_stdout(const char *cmd, int rc) {
  errno = 0;
  bool bad = fflush(stdout) != 0;
  int err = errno;
  bad |= ferror(stdout) != 0;
  if (!bad) return rc;
  fprintf(stderr, "churn%s%s: cannot write standard output%s%s\n", cmd[0] ? " " : "", cmd,
          err ? ": " : "", err ? strerror(err) : "");
  return rc == EXIT_OK ? EXIT_FAIL : rc;
}

bool cli_parse_int(const char *s, long long lo, long long hi, long long *out) {
  if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t') return false;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi) return false;
  *out = v;
  return true;
}

static bool progress_shown;

void cli_progress(const char *cmd, int step, int steps, const char *what) {
  if (!isatty(STDERR_FILENO)) return;
  int width = 24, done = steps > 0 ? width * step / steps : 0;
  char bar[32];
  for (int i = 0; i < width; i++) bar[i] = i < done ? '#' : '.';
  bar[width] = '\0';
  fprintf(stderr, "\r\033[Kchurn %s [%s] %d/%d %s", cmd, bar, step, steps, what);
  fflush(stderr);
  progress_shown = true;
}

void cli_progress_done(void) {
  if (progress_shown) {
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    progress_shown = false;
  }
}

/* --- tables ------------------------------------------------------------------------------ */

static void cell(const churn_table *t, int64_t j, int64_t i, char *buf, size_t cap) {
  churn_dtype dt;
  churn_table_column_info(t, j, NULL, &dt);
  if (dt == CHURN_F64) {
    const double *v;
    churn_table_f64(t, j, &v);
    if (isnan(v[i])) buf[0] = '\0';
    else snprintf(buf, cap, "%.6g", v[i]);
  } else if (dt == CHURN_I64) {
    const int64_t *v;
    churn_table_i64(t, j, &v);
    snprintf(buf, cap, "%lld", (long long)v[i]);
  } else {
    const char *const *v;
    churn_table_str(t, j, &v);
    snprintf(buf, cap, "%s", v[i]);
  }
}

void cli_csv_field(FILE *f, const char *s) {
  size_t n = strlen(s);
  bool edge = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
  if (!edge && strpbrk(s, ",\"\n\r") == NULL) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

void cli_table_csv(const churn_table *t, FILE *f) {
  int64_t nr = churn_table_nrows(t), nc = churn_table_ncols(t);
  for (int64_t j = 0; j < nc; j++) {
    const char *name;
    churn_table_column_info(t, j, &name, NULL);
    if (j) fputc(',', f);
    cli_csv_field(f, name);
  }
  fputc('\n', f);
  char buf[512];
  for (int64_t i = 0; i < nr; i++) {
    for (int64_t j = 0; j < nc; j++) {
      if (j) fputc(',', f);
      cell(t, j, i, buf, sizeof buf);
      cli_csv_field(f, buf);
    }
    fputc('\n', f);
  }
}

void cli_table_text(const churn_table *t, FILE *f, int max_rows) {
  int64_t nr = churn_table_nrows(t), nc = churn_table_ncols(t);
  if (max_rows > 0 && nr > max_rows) nr = max_rows;
  int width[64] = {0};
  char buf[512];
  if (nc > 64) nc = 64;
  for (int64_t j = 0; j < nc; j++) {
    const char *name;
    churn_table_column_info(t, j, &name, NULL);
    width[j] = (int)strlen(name);
    for (int64_t i = 0; i < nr; i++) {
      cell(t, j, i, buf, sizeof buf);
      int w = (int)strlen(buf);
      if (w > width[j]) width[j] = w > 40 ? 40 : w;
    }
  }
  for (int64_t j = 0; j < nc; j++) {
    const char *name;
    churn_table_column_info(t, j, &name, NULL);
    fprintf(f, "%s%*s", j ? "  " : "", width[j], name);
  }
  fputc('\n', f);
  for (int64_t i = 0; i < nr; i++) {
    for (int64_t j = 0; j < nc; j++) {
      cell(t, j, i, buf, sizeof buf);
      fprintf(f, "%s%*.*s", j ? "  " : "", width[j], width[j], buf);
    }
    fputc('\n', f);
  }
  if (churn_table_nrows(t) > nr) fprintf(f, "... %lld more rows\n", (long long)(churn_table_nrows(t) - nr));
}

void cli_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

void cli_table_json(const churn_table *t, FILE *f) {
  int64_t nr = churn_table_nrows(t), nc = churn_table_ncols(t);
  fputs("[", f);
  for (int64_t i = 0; i < nr; i++) {
    fputs(i ? ",\n {" : "\n {", f);
    for (int64_t j = 0; j < nc; j++) {
      const char *name;
      churn_dtype dt;
      churn_table_column_info(t, j, &name, &dt);
      if (j) fputs(", ", f);
      cli_json_string(f, name);
      fputs(": ", f);
      if (dt == CHURN_F64) {
        const double *v;
        churn_table_f64(t, j, &v);
        if (isfinite(v[i])) fprintf(f, "%.17g", v[i]);
        else fputs("null", f);
      } else if (dt == CHURN_I64) {
        const int64_t *v;
        churn_table_i64(t, j, &v);
        fprintf(f, "%lld", (long long)v[i]);
      } else {
        const char *const *v;
        churn_table_str(t, j, &v);
        cli_json_string(f, v[i]);
      }
    }
    fputs("}", f);
  }
  fputs("\n]\n", f);
}
