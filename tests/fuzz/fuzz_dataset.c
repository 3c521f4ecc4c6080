/*
 * fuzz_dataset.c -- libFuzzer target for the dataset loader (lib/dataset_io.c).  Raw bytes
 * rarely get past the envelope's checksum, so the input is also wrapped as the payload of a
 * valid "churn-dataset" envelope, which reaches the column parsing and the consistency checks.
 * A dataset that loads must answer its getters and extract features.
 */
#include "common/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(const uint8_t *buf, size_t len) {
  churn_dataset *ds = NULL;
  if (churn_dataset_load_buffer(buf, len, &ds) != CHURN_OK) return;
  const char *id;
  if (churn_dataset_num_subscribers(ds) > 0) churn_dataset_subscriber_id(ds, 0, &id);
  int64_t t = 1735689600;
  churn_features *f = NULL;
  if (churn_features_extract(ds, &t, 1, NULL, 0, NULL, &f) == CHURN_OK) churn_features_free(f);
  churn_dataset_free(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  load(data, size);
  churn__wbuf wb;
  churn__wbuf_init(&wb);
  if (churn__envelope_write(&wb, "churn-dataset", 1, 0, data, size) == CHURN_OK) load(wb.data, wb.len);
  churn__wbuf_free(&wb);
  return 0;
}
