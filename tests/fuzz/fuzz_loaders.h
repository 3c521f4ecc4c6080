/*
 * fuzz_loaders.h -- what the libFuzzer targets share: a per-process scratch file for the
 * readers that take a path (the CSV ingestion), so each input is read the way users' files are.
 */
#ifndef CHURN_FUZZ_LOADERS_H
#define CHURN_FUZZ_LOADERS_H

#include <churn.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the input to a scratch file and returns its path (static buffer). */
static inline const char *fuzz_scratch_file(const uint8_t *data, size_t size) {
  static char path[64];
  if (path[0] == '\0') snprintf(path, sizeof path, "/tmp/churn-fuzz-%d.csv", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(data, 1, size, f);
    fclose(f);
  }
  return path;
}

#endif
