/*
 * pack.h -- msgpack for libchurn's files (models, datasets, sufficient statistics): a growable
 * write buffer driven by msgpack-c's packer, a versioned and checksummed envelope, and a safe
 * reader that pre-scans untrusted bytes with bounded counts before msgpack-c unpacks them.
 *
 * Conventions for every file format:
 *  - A file is an envelope map {"format": name, "major": M, "minor": m, "library": "x.y.z",
 *    "checksum": u64, "payload": bin, "file_checksum": u64}; "checksum" covers the payload
 *    bytes, "file_checksum" (the last entry, always 9 bytes: 0xcf and 8 big-endian bytes)
 *    covers every byte of the file before its own 8, header fields included.  Files from
 *    before 1.2 have no "file_checksum" (6 entries) and still load.
 *  - The payload is a map with named fields; readers look fields up by name and ignore the ones
 *    they do not know (so a newer minor version still loads).
 *  - Large numeric arrays are stored as bin of little-endian values (exact, compact, and read
 *    without building a msgpack object per element).
 */
#ifndef CHURN_PACK_H
#define CHURN_PACK_H

#include "internal.h"

#include <msgpack.h>

/* --- writing ------------------------------------------------------------------------------- */

typedef struct churn__wbuf {
  uint8_t *data;
  size_t len, cap;
  bool failed;        /* an allocation failed: the content is incomplete */
  msgpack_packer pk;  /* pack with msgpack_pack_* (&wb->pk, ...) */
} churn__wbuf;

/* Initialises an empty buffer whose packer appends to it through churn__realloc. */
void churn__wbuf_init(churn__wbuf *wb);
void churn__wbuf_free(churn__wbuf *wb);
/* Convenience packers. */
void churn__pack_str(churn__wbuf *wb, const char *s);  /* NULL packs nil */
void churn__pack_key(churn__wbuf *wb, const char *key); /* same as pack_str, reads better */
/* A map entry: the key, then the value. */
void churn__pack_f64_field(churn__wbuf *wb, const char *key, double v);
void churn__pack_i64_field(churn__wbuf *wb, const char *key, int64_t v);
void churn__pack_f64_bin(churn__wbuf *wb, const double *x, size_t n);
void churn__pack_i64_bin(churn__wbuf *wb, const int64_t *x, size_t n);
void churn__pack_i32_bin(churn__wbuf *wb, const int32_t *x, size_t n);
void churn__pack_bytes_bin(churn__wbuf *wb, const void *x, size_t nbytes);
/* CHURN_OK, or CHURN_E_NOMEM if any write into the buffer failed. */
churn_status churn__wbuf_status(const churn__wbuf *wb, const char *what);

/* Wraps payload bytes in the envelope (see top).  out must be initialised. */
churn_status churn__envelope_write(churn__wbuf *out, const char *format, int major, int minor,
                                   const uint8_t *payload, size_t len);

/* --- reading ------------------------------------------------------------------------------- */

/* Limits on untrusted input. */
#define CHURN_PACK_MAX_DEPTH 24

typedef struct churn__unpacked {
  msgpack_unpacked u;  /* u.data is the root object; strings/bins point into the input bytes */
  bool live;
} churn__unpacked;

/* Unpacks exactly one msgpack object filling all of buf[0..len) after a bounded pre-scan:
 * truncated input, trailing bytes, counts larger than the remaining bytes, nesting deeper than
 * CHURN_PACK_MAX_DEPTH: each CHURN_E_FORMAT with the byte offset in the message.  `what` names
 * the input in messages.  The input must outlive the result. */
churn_status churn__unpack(const uint8_t *buf, size_t len, const char *what, churn__unpacked *out);
void churn__unpacked_free(churn__unpacked *u);

/* Opens an envelope: checks the format name, that the major version is <= max_major
 * (CHURN_E_VERSION otherwise; checked first, since a newer major may checksum differently),
 * then the file checksum (when present) and the payload checksum (CHURN_E_FORMAT).  buf must
 * start at the envelope.  *payload points into buf. */
churn_status churn__envelope_read(const uint8_t *buf, size_t len, const char *format,
                                  int max_major, const uint8_t **payload, size_t *payload_len,
                                  int *major, int *minor);

/* Field access on a map object; each fails with CHURN_E_FORMAT naming the field when it is
 * missing (unless the _opt variant) or of the wrong type. */
const msgpack_object *churn__map_get(const msgpack_object *map, const char *key);
churn_status churn__get_i64(const msgpack_object *map, const char *key, int64_t *out);
churn_status churn__get_f64(const msgpack_object *map, const char *key, double *out);
churn_status churn__get_bool(const msgpack_object *map, const char *key, bool *out);
/* A newly allocated copy of a string field (or NULL for nil when allow_nil). */
churn_status churn__get_str(const msgpack_object *map, const char *key, bool allow_nil, char **out);
/* A bin field holding exactly n values of the given element size, copied into out. */
churn_status churn__get_bin_n(const msgpack_object *map, const char *key, size_t elem, size_t n,
                              void *out);
/* A bin field: pointer into the input and its length in bytes. */
churn_status churn__get_bin(const msgpack_object *map, const char *key, const uint8_t **data,
                            size_t *len);
/* An array field: its elements and count. */
churn_status churn__get_array(const msgpack_object *map, const char *key,
                              const msgpack_object **items, size_t *n);
/* An integer field within [lo, hi] (CHURN_E_FORMAT naming field, value and range otherwise). */
churn_status churn__get_i64_in(const msgpack_object *map, const char *key, int64_t lo, int64_t hi,
                               int64_t *out);
churn_status churn__get_int_in(const msgpack_object *map, const char *key, int lo, int hi,
                               int *out);
/* A finite number field. */
churn_status churn__get_finite(const msgpack_object *map, const char *key, double *out);
/* A map field. */
churn_status churn__get_map(const msgpack_object *map, const char *key,
                            const msgpack_object **out);
/* A bin field of n doubles, all finite (and > 0 when positive), copied into out. */
churn_status churn__get_f64_vector(const msgpack_object *map, const char *key, size_t n,
                                   bool positive, double *out);
/* Checks that a bin field holds exactly n doubles, before anything is allocated for them, so a
 * hostile size field cannot make a loader reserve memory the file does not back. */
churn_status churn__check_f64_count(const msgpack_object *map, const char *key, int64_t n);
/* A copy of a msgpack string object (CHURN_E_FORMAT if not a string). */
churn_status churn__obj_str(const msgpack_object *o, const char *what, char **out);

/* 64-bit checksum of bytes (fast, for corruption detection, not security). */
uint64_t churn__checksum64(const uint8_t *data, size_t len);

#endif
