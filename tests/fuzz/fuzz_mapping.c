/*
 * fuzz_mapping.c -- libFuzzer target: ingest through a mapping file.  An input holding two NUL
 * bytes is "mapping text \0\0 export bytes"; otherwise the first byte picks the encoding of a
 * fixed mapping (utf-8, gb18030, gbk) and the rest is the export.  The export is written as both
 * files the mapping names (a subscribers file and a bill file), so the recoder, the record
 * splitter, the date and number formats and the INI checks all see hostile bytes.
 */
#include "fuzz_loaders.h"

#include <string.h>
#include <sys/stat.h>

static const char *const ENCODINGS[] = {"utf-8", "gb18030", "gbk"};

static void write_file(const char *dir, const char *name, const void *p, size_t n) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(p, 1, n, f);
    fclose(f);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static char dir[64];
  if (dir[0] == '\0') {
    snprintf(dir, sizeof dir, "/tmp/churn-fuzz-map-%d", (int)getpid());
    mkdir(dir, 0700);
  }
  const uint8_t *sep = NULL;
  for (size_t i = 0; i + 1 < size; i++) {
    if (data[i] == 0 && data[i + 1] == 0) {
      sep = data + i;
      break;
    }
  }
  const uint8_t *body;
  size_t blen;
  if (sep) {
    write_file(dir, "m.ini", data, (size_t)(sep - data));
    body = sep + 2;
    blen = size - (size_t)(sep - data) - 2;
  } else {
    char ini[512];
    int n = snprintf(ini, sizeof ini,
                     "[input]\nencoding = %s\ndate_format = %%Y%%m%%d\nutc_offset = +08:00\n"
                     "number_format = 1,234.50\n[subscribers]\nfile = u.csv\nsubscriber_id = id\n"
                     "activation = a\n[events:bill]\nfile = e.csv\nsubscriber_id = id\ntime = a\n"
                     "time_format = %%Y/%%m/%%d %%H:%%M:%%S\nvalue = v\n[reasons]\n搬迁 = moving\n",
                     ENCODINGS[data[0] % 3]);
    write_file(dir, "m.ini", ini, (size_t)n);
    body = data + 1;
    blen = size - 1;
  }
  write_file(dir, "u.csv", body, blen);
  write_file(dir, "e.csv", body, blen);
  char path[128];
  snprintf(path, sizeof path, "%s/m.ini", dir);
  churn_dataset *ds = NULL;
  churn_options *o = NULL;
  churn_table *sum = NULL;
  if (churn_dataset_new(&ds) != CHURN_OK || churn_options_new(&o) != CHURN_OK) goto done;
  churn_options_set_int(o, CHURN_OPT_INGEST_UNKNOWN, 2);
  if (churn_dataset_read_mapping(ds, path, o, &sum) == CHURN_OK) churn_dataset_finalize(ds, o);
done:
  churn_table_free(sum);
  churn_options_free(o);
  churn_dataset_free(ds);
  return 0;
}
