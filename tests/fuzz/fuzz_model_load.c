/*
 * fuzz_model_load.c -- libFuzzer target for the model and sufficient-statistics loaders
 * (lib/model_io.c, lib/suffstats_io.c).  Raw bytes rarely get past the envelope's checksum, so
 * the input is also wrapped as the payload of a valid envelope: that reaches the field parsing,
 * the size checks and the construction of the objects.  A loaded model is saved again, which
 * must succeed; loaded statistics must survive a save and load round trip.
 */
#include "common/pack.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_model(const uint8_t *buf, size_t len) {
  churn_model *m = NULL;
  if (churn_model_load_buffer(buf, len, &m) == CHURN_OK) {
    size_t needed = 0;
    if (churn_model_save_buffer(m, NULL, 0, &needed) != CHURN_E_BUFFER) __builtin_trap();
    churn_model_free(m);
  }
}

/* Statistics that load must save and load again, score outer products ('meat') included. */
static void load_stats(const uint8_t *buf, size_t len) {
  churn_suffstats *s = NULL;
  if (churn_suffstats_load_buffer(buf, len, &s) != CHURN_OK) return;
  size_t needed = 0;
  if (churn_suffstats_save_buffer(s, NULL, 0, &needed) != CHURN_E_BUFFER) __builtin_trap();
  uint8_t *copy = malloc(needed);
  churn_suffstats *back = NULL;
  if (copy == NULL || churn_suffstats_save_buffer(s, copy, needed, &needed) != CHURN_OK ||
      churn_suffstats_load_buffer(copy, needed, &back) != CHURN_OK ||
      (churn_suffstats_score_products(s, NULL) == CHURN_OK) !=
          (churn_suffstats_score_products(back, NULL) == CHURN_OK)) {
    __builtin_trap();
  }
  churn_suffstats_free(back);
  free(copy);
  churn_suffstats_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  load_model(data, size);
  load_stats(data, size);
  static const char *const formats[] = {"churn-model", "churn-suffstats"};
  for (int f = 0; f < 2; f++) {
    churn__wbuf wb;
    churn__wbuf_init(&wb);
    if (churn__envelope_write(&wb, formats[f], 1, 0, data, size) == CHURN_OK) {
      if (f == 0) load_model(wb.data, wb.len);
      else load_stats(wb.data, wb.len);
    }
    churn__wbuf_free(&wb);
  }
  return 0;
}
