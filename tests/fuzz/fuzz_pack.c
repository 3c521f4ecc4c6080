/*
 * fuzz_pack.c -- libFuzzer target for the msgpack layer every loader stands on: the bounded
 * pre-scan, msgpack-c's unpacker behind it, and the envelope (format, version, checksum).
 */
#include "common/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  churn__unpacked u;
  if (churn__unpack(data, size, "fuzz", &u) == CHURN_OK) {
    int64_t i;
    double f;
    char *s = NULL;
    churn__get_i64(&u.u.data, "major", &i);
    churn__get_f64(&u.u.data, "x", &f);
    if (churn__get_str(&u.u.data, "format", true, &s) == CHURN_OK) churn__free(s);
    churn__unpacked_free(&u);
  }
  const uint8_t *payload;
  size_t plen;
  churn__envelope_read(data, size, "churn-model", 1, &payload, &plen, NULL, NULL);
  return 0;
}
