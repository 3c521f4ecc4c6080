/*
 * fuzz_csv.c -- libFuzzer target: the streaming CSV readers.  The first byte chooses the
 * subscribers or the events reader (and strict mode, and ingest.unix_times); the rest is the file.
 */
#include "fuzz_loaders.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *path = fuzz_scratch_file(data + 1, size - 1);
  churn_dataset *ds = NULL;
  churn_options *o = NULL;
  if (churn_dataset_new(&ds) != CHURN_OK || churn_options_new(&o) != CHURN_OK) goto done;
  churn_options_set_int(o, CHURN_OPT_INGEST_STRICT, data[0] & 2 ? 1 : 0);
  churn_options_set_int(o, CHURN_OPT_INGEST_UNKNOWN, 2);
  churn_options_set_int(o, CHURN_OPT_INGEST_BLOCK_SIZE, 4096);
  /* bare integers in date columns: refused, or Unix seconds (ingest.unix_times) */
  churn_options_set_int(o, CHURN_OPT_INGEST_UNIX_TIMES, data[0] & 4 ? 1 : 0);
  if (data[0] & 1) {
    churn_dataset_read_events_csv(ds, path, o);
  } else {
    churn_dataset_read_subscribers_csv(ds, path, o);
  }
  churn_dataset_finalize(ds, o);
done:
  churn_options_free(o);
  churn_dataset_free(ds);
  return 0;
}
