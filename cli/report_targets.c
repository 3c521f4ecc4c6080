/*
 * report_targets.c -- the targets file of `churn report --targets` (kpi,segment,month,level,
 * target: the operator's control targets at several levels, R0, R1, ...) and the rule deciding
 * which level a figure met.
 */
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const KPIS[] = {"churn_rate", "retention", "warning_recall"};

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  return s;
}

static bool valid_month(const char *s) {
  if (strcmp(s, "*") == 0) return true;
  if (strlen(s) != 7 || s[4] != '-') return false;
  for (int k = 0; k < 7; k++) {
    if (k != 4 && !isdigit((unsigned char)s[k])) return false;
  }
  int m = atoi(s + 5);
  return m >= 1 && m <= 12;
}

/* Splits line into exactly 5 comma-separated fields (no quoting: none of them needs commas). */
static int split(char *line, char **f) {
  int n = 0;
  for (char *p = line;; n++) {
    if (n == 5) return 6;
    f[n] = p;
    char *c = strchr(p, ',');
    if (c == NULL) return n + 1;
    *c = '\0';
    p = c + 1;
  }
}

bool report_targets_read(const char *path, report_targets *out, char *err, size_t cap) {
  *out = (report_targets){0};
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, cap, "--targets: cannot read %s: %s", path, strerror(errno));
    return false;
  }
  char line[1024];
  int lineno = 0, cap_t = 0;
  bool ok = true, header = false;
  while (ok && fgets(line, sizeof line, f)) {
    lineno++;
    if (strchr(line, '\n') == NULL && !feof(f)) {
      snprintf(err, cap, "--targets %s line %d: longer than %zu bytes", path, lineno, sizeof line - 2);
      ok = false;
      break;
    }
    char *s = trim(line);
    if (lineno == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) s += 3;
    if (*s == '\0' || *s == '#') continue;
    char *fld[6];
    int nf = split(s, fld);
    if (nf != 5) {
      snprintf(err, cap, "--targets %s line %d: %d fields, expected 5 (kpi,segment,month,level,target)", path, lineno, nf > 5 ? 6 : nf);
      ok = false;
      break;
    }
    for (int k = 0; k < 5; k++) fld[k] = trim(fld[k]);
    if (!header) {
      static const char *const names[] = {"kpi", "segment", "month", "level", "target"};
      for (int k = 0; k < 5 && ok; k++) {
        if (strcmp(fld[k], names[k]) != 0) {
          snprintf(err, cap, "--targets %s line %d: header field %d is '%s', expected '%s' (kpi,segment,month,level,target)", path, lineno, k + 1, fld[k], names[k]);
          ok = false;
        }
      }
      header = true;
      continue;
    }
    bool known = false;
    for (size_t k = 0; k < sizeof KPIS / sizeof KPIS[0]; k++) known |= strcmp(fld[0], KPIS[k]) == 0;
    if (!known) {
      snprintf(err, cap, "--targets %s line %d: kpi '%s' is not one of churn_rate, retention, warning_recall", path, lineno, fld[0]);
      ok = false;
      break;
    }
    if (fld[1][0] == '\0' || strlen(fld[1]) >= sizeof out->t[0].segment) {
      snprintf(err, cap, "--targets %s line %d: segment must be 'all', a label or COLUMN=LABEL", path, lineno);
      ok = false;
      break;
    }
    if (!valid_month(fld[2])) {
      snprintf(err, cap, "--targets %s line %d: month '%s' is not YYYY-MM or *", path, lineno, fld[2]);
      ok = false;
      break;
    }
    if (fld[3][0] == '\0' || strlen(fld[3]) >= sizeof out->t[0].level) {
      snprintf(err, cap, "--targets %s line %d: level must be a short name such as R0", path, lineno);
      ok = false;
      break;
    }
    char *end;
    errno = 0;
    double v = strtod(fld[4], &end);
    if (end != fld[4] && *end == '%' && end[1] == '\0') v /= 100, end++;
    if (end == fld[4] || *end != '\0' || errno != 0 || !(v >= 0 && v <= 1)) {
      snprintf(err, cap, "--targets %s line %d: target '%s' is not a share in [0, 1] (0.035 or 3.5%%)", path, lineno, fld[4]);
      ok = false;
      break;
    }
    if (out->n == cap_t) {
      int nc = cap_t ? 2 * cap_t : 16;
      report_target *p = realloc(out->t, (size_t)nc * sizeof *p);
      if (p == NULL) {
        snprintf(err, cap, "--targets %s: out of memory", path);
        ok = false;
        break;
      }
      out->t = p;
      cap_t = nc;
    }
    report_target *t = &out->t[out->n++];
    snprintf(t->kpi, sizeof t->kpi, "%s", fld[0]);
    snprintf(t->segment, sizeof t->segment, "%s", fld[1]);
    snprintf(t->month, sizeof t->month, "%s", fld[2]);
    snprintf(t->level, sizeof t->level, "%s", fld[3]);
    t->target = v;
  }
  if (ok && ferror(f)) {
    snprintf(err, cap, "--targets: cannot read %s: %s", path, strerror(errno));
    ok = false;
  }
  if (ok && !header) {
    snprintf(err, cap, "--targets %s: empty (expected the header kpi,segment,month,level,target)", path);
    ok = false;
  }
  fclose(f);
  if (!ok) report_targets_free(out);
  return ok;
}

void report_targets_free(report_targets *t) {
  free(t->t);
  *t = (report_targets){0};
}

static int collect(const report_targets *t, const char *kpi, const char *segment,
                   const char *month, const report_target **out, int max) {
  int n = 0;
  for (int i = 0; t && i < t->n && n < max; i++) {
    const report_target *r = &t->t[i];
    if (strcmp(r->kpi, kpi) == 0 && strcmp(r->segment, segment) == 0 && strcmp(r->month, month) == 0) out[n++] = r;
  }
  return n;
}

int report_targets_find(const report_targets *t, const char *kpi, const char *segment,
                        const char *month, const report_target **out, int max) {
  const char *segs[2] = {segment, "all"};
  const char *months[2] = {month, "*"};
  for (int s = 0; s < 2; s++) {
    for (int m = 0; m < 2; m++) {
      int n = collect(t, kpi, segs[s], months[m], out, max);
      if (n > 0) return n;
    }
  }
  return 0;
}

bool report_target_met(const char *kpi, double value, double target) {
  if (!isfinite(value)) return false;
  return strcmp(kpi, "churn_rate") == 0 ? value <= target : value >= target;
}

double report_levels_judge(const char *kpi, const report_target *const *lv, int n, double value,
                           const char **best) {
  bool lower = strcmp(kpi, "churn_rate") == 0;
  double loosest = lv[0]->target, best_t = NAN;
  *best = "none";
  for (int k = 0; k < n; k++) {
    double t = lv[k]->target;
    if (lower ? t > loosest : t < loosest) loosest = t;
    if (report_target_met(kpi, value, t) && (isnan(best_t) || (lower ? t < best_t : t > best_t))) {
      best_t = t;
      *best = lv[k]->level;
    }
  }
  return loosest;
}
