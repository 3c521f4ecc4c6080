/*
 * telco_data.h -- test-only readers for the shared Telco reference data: the design matrix CSV
 * (numeric, one header line, last column the 0/1 label) and the few numbers the tests need from
 * telco_oracle.json (a tiny, trusting reader: find a section, then a key in it, then numbers).
 * Header-only (static functions) so any test file can include it.
 */
#ifndef CHURN_TEST_TELCO_DATA_H
#define CHURN_TEST_TELCO_DATA_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct telco {
  int64_t n, d;
  double *X;    /* n x d row-major */
  double *y;    /* n */
  char **names; /* d */
  char *json;   /* the oracle file's text */
} telco;

static char *telco_slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)len + 1);
  if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
    free(buf);
    buf = NULL;
  }
  if (buf) buf[len] = '\0';
  fclose(f);
  return buf;
}

/* Loads telco_design.csv and telco_oracle.json; returns 0 on success. */
static int telco_load(telco *t) {
  memset(t, 0, sizeof *t);
  char *csv = telco_slurp(shared_data_path("telco/telco_design.csv"));
  t->json = telco_slurp(shared_data_path("telco/telco_oracle.json"));
  if (csv == NULL || t->json == NULL) return -1;
  char *line = csv, *eol = strchr(line, '\n');
  *eol = '\0';
  int64_t cols = 1;
  for (char *c = line; *c; c++) cols += *c == ',';
  t->d = cols - 1;
  t->names = calloc((size_t)t->d, sizeof *t->names);
  char *save = NULL, *tok = strtok_r(line, ",\r", &save);
  for (int64_t j = 0; j < t->d && tok; j++, tok = strtok_r(NULL, ",\r", &save)) {
    t->names[j] = strdup(tok);
  }
  int64_t cap = 8192;
  t->X = malloc((size_t)(cap * t->d) * sizeof(double));
  t->y = malloc((size_t)cap * sizeof(double));
  char *p = eol + 1;
  while (*p) {
    if (t->n == cap) {
      cap *= 2;
      t->X = realloc(t->X, (size_t)(cap * t->d) * sizeof(double));
      t->y = realloc(t->y, (size_t)cap * sizeof(double));
    }
    for (int64_t j = 0; j <= t->d; j++) {
      char *end;
      double v = strtod(p, &end);
      if (j < t->d) t->X[t->n * t->d + j] = v;
      else t->y[t->n] = v;
      p = end + (*end == ',' ? 1 : 0);
    }
    while (*p == '\r' || *p == '\n') p++;
    t->n++;
  }
  free(csv);
  return 0;
}

static void telco_free(telco *t) {
  for (int64_t j = 0; t->names && j < t->d; j++) free(t->names[j]);
  free(t->names);
  free(t->X);
  free(t->y);
  free(t->json);
}

/* The position right after "key": inside section (NULL for the top level), or NULL. */
static const char *telco_find(const telco *t, const char *section, const char *key) {
  char pat[128];
  const char *from = t->json;
  if (section) {
    snprintf(pat, sizeof pat, "\"%s\": {", section);
    from = strstr(from, pat);
    if (from == NULL) return NULL;
  }
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *at = strstr(from, pat);
  return at ? at + strlen(pat) : NULL;
}

/* A number value; NAN when absent. */
static double telco_number(const telco *t, const char *section, const char *key) {
  const char *at = telco_find(t, section, key);
  return at ? strtod(at, NULL) : NAN;
}

/* A numeric array into out (at most cap values); returns the count. */
static int64_t telco_array(const telco *t, const char *section, const char *key, double *out,
                           int64_t cap) {
  const char *at = telco_find(t, section, key);
  if (at == NULL) return 0;
  at = strchr(at, '[');
  int64_t n = 0;
  while (at && *at != ']' && n < cap) {
    at++;
    char *end;
    double v = strtod(at, &end);
    if (end == at) break;
    out[n++] = v;
    at = end;
    while (*at == ' ' || *at == '\n') at++;
  }
  return n;
}

#endif
