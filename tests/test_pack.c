/*
 * test_pack.c -- the msgpack layer: the bounded pre-scan refuses hostile counts, truncation,
 * trailing bytes and deep nesting; the envelope checks format, version and checksum; field
 * getters name the missing or mistyped field.
 */
#include "helpers.h"
#include "common/pack.h"

#include <string.h>

static void build_envelope(churn__wbuf *out, const char *format, int major) {
  churn__wbuf payload;
  churn__wbuf_init(&payload);
  msgpack_pack_map(&payload.pk, 3);
  churn__pack_key(&payload, "n");
  msgpack_pack_int64(&payload.pk, -42);
  churn__pack_key(&payload, "x");
  double x[3] = {1.5, -0.0, 1e-300};
  churn__pack_f64_bin(&payload, x, 3);
  churn__pack_key(&payload, "name");
  churn__pack_str(&payload, "tenure");
  ASSERT_OK(churn__wbuf_status(&payload, "payload"));
  churn__wbuf_init(out);
  ASSERT_OK(churn__envelope_write(out, format, major, 3, payload.data, payload.len));
  churn__wbuf_free(&payload);
}

Test(pack, envelope_round_trip_is_exact) {
  churn__wbuf file;
  build_envelope(&file, "churn-test", 1);
  const uint8_t *payload;
  size_t plen;
  int major, minor;
  ASSERT_OK(churn__envelope_read(file.data, file.len, "churn-test", 1, &payload, &plen, &major,
                                 &minor));
  cr_assert_eq(major, 1);
  cr_assert_eq(minor, 3);
  churn__unpacked u;
  ASSERT_OK(churn__unpack(payload, plen, "payload", &u));
  int64_t n;
  ASSERT_OK(churn__get_i64(&u.u.data, "n", &n));
  cr_assert_eq(n, -42);
  double x[3];
  ASSERT_OK(churn__get_bin_n(&u.u.data, "x", sizeof(double), 3, x));
  cr_assert(x[0] == 1.5 && x[1] == 0.0 && x[2] == 1e-300);
  cr_assert(memcmp(&x[1], &(double){-0.0}, sizeof(double)) == 0, "-0.0 kept bit-exactly");
  char *name;
  ASSERT_OK(churn__get_str(&u.u.data, "name", false, &name));
  cr_assert_str_eq(name, "tenure");
  churn__free(name);
  ASSERT_FAILS(churn__get_i64(&u.u.data, "missing", &n), CHURN_E_FORMAT, "'missing' is missing");
  ASSERT_FAILS(churn__get_i64(&u.u.data, "name", &n), CHURN_E_FORMAT, "not an integer");
  ASSERT_FAILS(churn__get_bin_n(&u.u.data, "x", sizeof(double), 4, x), CHURN_E_FORMAT,
               "expected 4 values");
  churn__unpacked_free(&u);
  churn__wbuf_free(&file);
}

Test(pack, every_truncation_and_every_bit_flip_is_refused) {
  churn__wbuf file;
  build_envelope(&file, "churn-test", 1);
  const uint8_t *payload;
  size_t plen;
  for (size_t cut = 0; cut < file.len; cut++) {
    churn_status st = churn__envelope_read(file.data, cut, "churn-test", 1, &payload, &plen, NULL,
                                           NULL);
    cr_assert_neq(st, CHURN_OK, "truncated to %zu bytes accepted", cut);
  }
  uint8_t *copy = churn__malloc(file.len);
  for (size_t i = 0; i < file.len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      memcpy(copy, file.data, file.len);
      copy[i] ^= (uint8_t)(1u << bit);
      churn_status st = churn__envelope_read(copy, file.len, "churn-test", 1, &payload, &plen, NULL,
                                             NULL);
      /* Issue 21 #14: the file checksum covers the header too (the minor version and the
       * "library" entry used to pass), so no flip anywhere loads. */
      cr_assert_neq(st, CHURN_OK, "flip at byte %zu bit %d accepted", i, bit);
    }
  }
  churn__free(copy);
  churn__wbuf_free(&file);
}

/* The envelope as written before 1.2: 6 entries, the checksum over the payload only. */
static void build_legacy_envelope(churn__wbuf *out, const uint8_t *payload, size_t len) {
  churn__wbuf_init(out);
  msgpack_pack_map(&out->pk, 6);
  churn__pack_key(out, "format");
  churn__pack_str(out, "churn-test");
  churn__pack_key(out, "major");
  msgpack_pack_int(&out->pk, 1);
  churn__pack_key(out, "minor");
  msgpack_pack_int(&out->pk, 3);
  churn__pack_key(out, "library");
  churn__pack_str(out, "1.1.0");
  churn__pack_key(out, "checksum");
  msgpack_pack_uint64(&out->pk, churn__checksum64(payload, len));
  churn__pack_key(out, "payload");
  churn__pack_bytes_bin(out, payload, len);
  ASSERT_OK(churn__wbuf_status(out, "legacy"));
}

/* Files written before 1.2 still load (their header is unprotected, as it always was), and
 * the new envelope keeps the payload checksum that older readers check. */
Test(pack, legacy_envelopes_still_load) {
  churn__wbuf file, legacy;
  build_envelope(&file, "churn-test", 1);
  const uint8_t *payload, *p2;
  size_t plen, plen2;
  ASSERT_OK(churn__envelope_read(file.data, file.len, "churn-test", 1, &payload, &plen, NULL, NULL));
  build_legacy_envelope(&legacy, payload, plen);
  int major, minor;
  ASSERT_OK(churn__envelope_read(legacy.data, legacy.len, "churn-test", 1, &p2, &plen2, &major,
                                 &minor));
  cr_assert(plen2 == plen && memcmp(p2, payload, plen) == 0 && major == 1 && minor == 3);
  /* the payload checksum still guards the payload of an old file */
  legacy.data[legacy.len - 1] ^= 0x10;
  ASSERT_FAILS(churn__envelope_read(legacy.data, legacy.len, "churn-test", 1, &p2, &plen2, NULL,
                                    NULL), CHURN_E_FORMAT, "checksum mismatch");
  /* a new file whose map count is cut to 6 (posing as old) has trailing bytes: refused */
  uint8_t *copy = churn__malloc(file.len);
  memcpy(copy, file.data, file.len);
  cr_assert_eq(copy[0], 0x87);
  copy[0] = 0x86;
  cr_assert_neq(churn__envelope_read(copy, file.len, "churn-test", 1, &p2, &plen2, NULL, NULL),
                CHURN_OK);
  churn__free(copy);
  churn__wbuf_free(&legacy);
  churn__wbuf_free(&file);
}

Test(pack, version_format_and_checksum_errors) {
  churn__wbuf file;
  const uint8_t *payload;
  size_t plen;
  build_envelope(&file, "churn-test", 2);
  ASSERT_FAILS(churn__envelope_read(file.data, file.len, "churn-test", 1, &payload, &plen, NULL,
                                    NULL), CHURN_E_VERSION, "version 2.3 is not supported");
  ASSERT_FAILS(churn__envelope_read(file.data, file.len, "churn-model", 9, &payload, &plen, NULL,
                                    NULL), CHURN_E_FORMAT, "expected a 'churn-model'");
  churn__wbuf_free(&file);
  build_envelope(&file, "churn-test", 1);
  file.data[file.len - 2] ^= 0x01; /* inside the payload */
  ASSERT_FAILS(churn__envelope_read(file.data, file.len, "churn-test", 1, &payload, &plen, NULL,
                                    NULL), CHURN_E_FORMAT, "checksum mismatch");
  churn__wbuf_free(&file);
}

Test(pack, hostile_counts_are_refused_before_allocation) {
  /* An array32 claiming 4 billion elements in five bytes (USING.md: ~96 GB reserved otherwise). */
  const uint8_t huge_array[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
  churn__unpacked u;
  ASSERT_FAILS(churn__unpack(huge_array, sizeof huge_array, "input", &u), CHURN_E_FORMAT,
               "claims 4294967295 values");
  const uint8_t huge_map[] = {0xdf, 0x7f, 0xff, 0xff, 0xff, 0x01};
  ASSERT_FAILS(churn__unpack(huge_map, sizeof huge_map, "input", &u), CHURN_E_FORMAT, "claims");
  const uint8_t huge_str[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'};
  ASSERT_FAILS(churn__unpack(huge_str, sizeof huge_str, "input", &u), CHURN_E_FORMAT, "truncated");
  const uint8_t bad_type[] = {0xc1};
  ASSERT_FAILS(churn__unpack(bad_type, 1, "input", &u), CHURN_E_FORMAT, "invalid msgpack type");
  const uint8_t trailing[] = {0x01, 0x02};
  ASSERT_FAILS(churn__unpack(trailing, 2, "input", &u), CHURN_E_FORMAT, "1 trailing bytes");
  ASSERT_FAILS(churn__unpack(trailing, 0, "input", &u), CHURN_E_FORMAT, "empty input");
  uint8_t deep[64];
  memset(deep, 0x91, sizeof deep); /* nested one-element arrays */
  deep[63] = 0x00;
  ASSERT_FAILS(churn__unpack(deep, sizeof deep, "input", &u), CHURN_E_FORMAT, "nesting deeper");
  /* Nesting within the limit is fine. */
  uint8_t ok[11];
  memset(ok, 0x91, 10);
  ok[10] = 0x05;
  ASSERT_OK(churn__unpack(ok, sizeof ok, "input", &u));
  churn__unpacked_free(&u);
}

Test(pack, checksum_differs_on_any_change_and_length) {
  uint8_t a[100] = {0};
  uint64_t base = churn__checksum64(a, sizeof a);
  for (size_t i = 0; i < sizeof a; i++) {
    a[i] = 1;
    cr_assert_neq(churn__checksum64(a, sizeof a), base, "byte %zu", i);
    a[i] = 0;
  }
  cr_assert_neq(churn__checksum64(a, 99), base);
  cr_assert_eq(churn__checksum64(a, sizeof a), base, "deterministic");
}

Test(pack, writer_failure_is_reported_as_nomem) {
  churn__wbuf wb;
  churn__wbuf_init(&wb);
  churn_testing_fail_alloc(1);
  churn__pack_str(&wb, "a string long enough to need the buffer");
  churn_testing_fail_alloc(0);
  ASSERT_FAILS(churn__wbuf_status(&wb, "model"), CHURN_E_NOMEM, "model");
  churn__wbuf_free(&wb);
}
