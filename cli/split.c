/*
 * split.c -- a list split into one CSV file per group (a route, a customer manager) under
 * DIR/<kind>/, each file built in memory and written atomically (cli_out, churn_file_write),
 * plus DIR/index.csv naming this run's files.  Files an earlier run listed in its index that
 * this run does not write again are removed, so a manager with no rows today does not open
 * yesterday's list.  Used by `churn warnings` and `churn score --by manager`.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_csv_number(FILE *f, double v) {
  if (v != v) return; /* NaN: an empty field */
  char buf[40];
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) break;
  }
  fputs(buf, f);
}

bool cli_file_name(const char *label, char *buf, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)label; *p; p++) {
    bool plain = *p >= 0x80 || (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
                 (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '_' ||
                 (*p == '.' && p != (const unsigned char *)label);
    if (n + (plain ? 1 : 3) >= cap) return false;
    if (plain) {
      buf[n++] = (char)*p;
    } else {
      buf[n++] = '%';
      buf[n++] = hex[*p >> 4];
      buf[n++] = hex[*p & 15];
    }
  }
  buf[n] = '\0';
  return n > 0;
}

typedef struct keyed {
  const char *key;
  int64_t row;
} keyed;

static int by_key(const void *x, const void *y) {
  const keyed *a = x, *b = y;
  int c = strcmp(a->key, b->key);
  return c ? c : (a->row > b->row) - (a->row < b->row);
}

static bool make_dir(const char *path, const char *cmd) {
  if (mkdir(path, 0777) == 0 || errno == EEXIST) return true;
  fprintf(stderr, "churn %s: cannot create folder %s: %s\n", cmd, path, strerror(errno));
  return false;
}

/* The files an earlier run wrote (first column of DIR/index.csv), not written now: removed. */
static void remove_stale(const char *dir, const char *index, const char *now) {
  FILE *f = fopen(index, "r");
  if (f == NULL) return;
  char line[1200], path[2500];
  bool header = true;
  while (fgets(line, sizeof line, f)) {
    size_t k = strcspn(line, ",\r\n");
    line[k] = '\0';
    if (header) {
      header = false;
      continue;
    }
    const char *slash = strchr(line, '/');
    bool ours = (strncmp(line, "route/", 6) == 0 || strncmp(line, "manager/", 8) == 0) &&
                slash && strchr(slash + 1, '/') == NULL && slash[1] != '.' && k > 4 &&
                strcmp(line + k - 4, ".csv") == 0;
    if (!ours) continue;
    /* `now` holds "\n<file>\n" for every file of this run */
    char probe[1210];
    snprintf(probe, sizeof probe, "\n%s\n", line);
    if (strstr(now, probe) != NULL) continue;
    snprintf(path, sizeof path, "%s/%s", dir, line);
    unlink(path);
  }
  fclose(f);
}

int cli_split_write(const char *cmd, const char *dir, const cli_split *splits, int nsplits,
                    int64_t nrows, const char *header, cli_split_row row, void *ctx,
                    FILE *summary) {
  char path[2400], name[1024];
  if (!make_dir(dir, cmd)) return EXIT_FAIL;
  keyed *k = malloc(sizeof *k * (size_t)(nrows + 1));
  cli_out idx;
  if (k == NULL || !cli_out_open(&idx, cmd)) {
    free(k);
    fprintf(stderr, "churn %s: out of memory\n", cmd);
    return EXIT_FAIL;
  }
  /* "\n<file>\n..." of this run, for remove_stale */
  char *now = NULL;
  size_t now_len = 0;
  FILE *nowf = open_memstream(&now, &now_len);
  int rc = nowf ? EXIT_OK : EXIT_FAIL;
  if (nowf) fputc('\n', nowf);
  fputs("file,kind,name,rows\n", idx.f);
  for (int s = 0; rc == EXIT_OK && s < nsplits; s++) {
    snprintf(path, sizeof path, "%s/%s", dir, splits[s].kind);
    if (!make_dir(path, cmd)) rc = EXIT_FAIL;
    int64_t m = 0;
    for (int64_t i = 0; i < nrows; i++) {
      const char *key = splits[s].key[i];
      if (key && key[0]) k[m++] = (keyed){key, i};
    }
    qsort(k, (size_t)m, sizeof *k, by_key);
    int files = 0;
    for (int64_t a = 0, b; rc == EXIT_OK && a < m; a = b) {
      for (b = a + 1; b < m && strcmp(k[b].key, k[a].key) == 0;) b++;
      if (!cli_file_name(k[a].key, name, sizeof name - 4)) {
        fprintf(stderr, "churn %s: %s '%s' is too long for a file name\n", cmd, splits[s].kind,
                k[a].key);
        rc = EXIT_FAIL;
        break;
      }
      strcat(name, ".csv");
      cli_out o;
      if (!cli_out_open(&o, cmd)) {
        rc = EXIT_FAIL;
        break;
      }
      fputs(header, o.f);
      for (int64_t i = a; i < b; i++) row(o.f, k[i].row, ctx);
      snprintf(path, sizeof path, "%s/%s/%s", dir, splits[s].kind, name);
      rc = cli_out_commit(&o, path, cmd);
      fprintf(idx.f, "%s/%s,%s,", splits[s].kind, name, splits[s].kind);
      cli_csv_field(idx.f, k[a].key);
      fprintf(idx.f, ",%lld\n", (long long)(b - a));
      fprintf(nowf, "%s/%s\n", splits[s].kind, name);
      if (summary && splits[s].list_each) {
        fprintf(summary, "  %s/%s: %lld rows\n", splits[s].kind, name, (long long)(b - a));
      }
      files++;
    }
    if (summary && rc == EXIT_OK && !splits[s].list_each) {
      fprintf(summary, "  %s/: %d files\n", splits[s].kind, files);
    }
  }
  free(k);
  bool nowbad = nowf == NULL || ferror(nowf) != 0;
  if (nowf && fclose(nowf) != 0) nowbad = true;
  snprintf(path, sizeof path, "%s/index.csv", dir);
  if (rc == EXIT_OK && nowbad) {
    fprintf(stderr, "churn %s: out of memory\n", cmd);
    rc = EXIT_FAIL;
  }
  if (rc == EXIT_OK) {
    remove_stale(dir, path, now);
    rc = cli_out_commit(&idx, path, cmd);
  } else {
    cli_out_discard(&idx);
  }
  free(now);
  return rc;
}
