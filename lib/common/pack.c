/*
 * pack.c -- msgpack for libchurn's files: a write buffer behind msgpack-c's packer, the
 * checksummed envelope every file format shares, and a reader that pre-scans untrusted bytes
 * (bounded counts and depth) before msgpack-c builds objects from them, because msgpack-c trusts
 * array and map headers and would reserve memory for a hostile count before reading it.
 */
#include "pack.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* Writing                                                                                   */
/* ---------------------------------------------------------------------------------------- */

static int wbuf_write(void *data, const char *buf, size_t len) {
  churn__wbuf *wb = data;
  if (wb->failed) return -1;
  if (!churn__grow((void **)&wb->data, &wb->cap, wb->len + len, 1)) {
    wb->failed = true;
    return -1;
  }
  if (len) memcpy(wb->data + wb->len, buf, len);
  wb->len += len;
  return 0;
}

void churn__wbuf_init(churn__wbuf *wb) {
  memset(wb, 0, sizeof *wb);
  msgpack_packer_init(&wb->pk, wb, wbuf_write);
}

void churn__wbuf_free(churn__wbuf *wb) {
  churn__free(wb->data);
  wb->data = NULL;
  wb->len = wb->cap = 0;
}

void churn__pack_str(churn__wbuf *wb, const char *s) {
  if (s == NULL) {
    msgpack_pack_nil(&wb->pk);
    return;
  }
  size_t n = strlen(s);
  msgpack_pack_str(&wb->pk, n);
  msgpack_pack_str_body(&wb->pk, s, n);
}

void churn__pack_key(churn__wbuf *wb, const char *key) { churn__pack_str(wb, key); }

void churn__pack_f64_field(churn__wbuf *wb, const char *key, double v) {
  churn__pack_key(wb, key);
  msgpack_pack_double(&wb->pk, v);
}

void churn__pack_i64_field(churn__wbuf *wb, const char *key, int64_t v) {
  churn__pack_key(wb, key);
  msgpack_pack_int64(&wb->pk, v);
}

void churn__pack_bytes_bin(churn__wbuf *wb, const void *x, size_t nbytes) {
  msgpack_pack_bin(&wb->pk, nbytes);
  msgpack_pack_bin_body(&wb->pk, x, nbytes);
}

/* The library targets little-endian machines; the format is little-endian by definition. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#  error "libchurn's file formats assume a little-endian machine"
#endif

void churn__pack_f64_bin(churn__wbuf *wb, const double *x, size_t n) {
  churn__pack_bytes_bin(wb, x, n * sizeof *x);
}

void churn__pack_i64_bin(churn__wbuf *wb, const int64_t *x, size_t n) {
  churn__pack_bytes_bin(wb, x, n * sizeof *x);
}

void churn__pack_i32_bin(churn__wbuf *wb, const int32_t *x, size_t n) {
  churn__pack_bytes_bin(wb, x, n * sizeof *x);
}

churn_status churn__wbuf_status(const churn__wbuf *wb, const char *what) {
  return wb->failed ? churn__nomem(what) : CHURN_OK;
}

/* The last entry of an envelope written since 1.2: "file_checksum" = uint64 (0xcf + 8 bytes,
 * big-endian), the checksum of every byte of the envelope before those 8. */
static const char FILE_SUM_KEY[] = "\xad" "file_checksum";
#define FILE_SUM_TAIL (sizeof FILE_SUM_KEY - 1 + 9)

churn_status churn__envelope_write(churn__wbuf *out, const char *format, int major, int minor,
                                   const uint8_t *payload, size_t len) {
  size_t start = out->len;
  /* 7 entries: the payload checksum stays (older readers check it), and the file checksum at
   * the end covers the header fields too (format, versions, library, the payload checksum). */
  msgpack_pack_map(&out->pk, 7);
  churn__pack_key(out, "format");
  churn__pack_str(out, format);
  churn__pack_key(out, "major");
  msgpack_pack_int(&out->pk, major);
  churn__pack_key(out, "minor");
  msgpack_pack_int(&out->pk, minor);
  churn__pack_key(out, "library");
  churn__pack_str(out, CHURN_VERSION_STRING);
  churn__pack_key(out, "checksum");
  msgpack_pack_uint64(&out->pk, churn__checksum64(payload, len));
  churn__pack_key(out, "payload");
  churn__pack_bytes_bin(out, payload, len);
  churn__pack_key(out, "file_checksum");
  uint8_t tail[9] = {0xcf};
  if (out->pk.callback(out->pk.data, (const char *)tail, 9) == 0 && !out->failed) {
    uint64_t sum = churn__checksum64(out->data + start, out->len - start - 8);
    for (int i = 0; i < 8; i++) out->data[out->len - 8 + i] = (uint8_t)(sum >> (56 - 8 * i));
  }
  return churn__wbuf_status(out, "file envelope");
}

/* ---------------------------------------------------------------------------------------- */
/* Bounded pre-scan                                                                          */
/* ---------------------------------------------------------------------------------------- */

static uint64_t be_read(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

/* Walks one complete msgpack value stream from buf; fails on anything msgpack-c would trust
 * blindly.  pending[d] counts the values still expected at depth d. */
static churn_status prescan(const uint8_t *buf, size_t len, const char *what) {
  uint64_t pending[CHURN_PACK_MAX_DEPTH + 1];
  int depth = 0;
  pending[0] = 1;
  size_t pos = 0;
  while (depth >= 0) {
    if (pending[depth] == 0) {
      depth--;
      continue;
    }
    pending[depth]--;
    if (pos >= len) {
      return churn__fail(CHURN_E_FORMAT, "%s: truncated at byte %zu of %zu", what, pos, len);
    }
    uint8_t b = buf[pos];
    size_t head = 1;     /* bytes of the type byte and its length field */
    uint64_t body = 0;   /* bytes of payload after the head */
    uint64_t children = 0;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
      /* single byte */
    } else if (b >= 0x80 && b <= 0x8f) {
      children = 2u * (b & 0x0f);
    } else if (b >= 0x90 && b <= 0x9f) {
      children = b & 0x0f;
    } else if (b >= 0xa0 && b <= 0xbf) {
      body = b & 0x1f;
    } else {
      int lenbytes = 0;
      switch (b) {
        case 0xc4: case 0xd9: lenbytes = 1; break;
        case 0xc5: case 0xda: lenbytes = 2; break;
        case 0xc6: case 0xdb: lenbytes = 4; break;
        case 0xc7: lenbytes = 1; head++; break; /* ext: + type byte */
        case 0xc8: lenbytes = 2; head++; break;
        case 0xc9: lenbytes = 4; head++; break;
        case 0xca: body = 4; break;
        case 0xcb: body = 8; break;
        case 0xcc: case 0xd0: body = 1; break;
        case 0xcd: case 0xd1: body = 2; break;
        case 0xce: case 0xd2: body = 4; break;
        case 0xcf: case 0xd3: body = 8; break;
        case 0xd4: body = 2; break;
        case 0xd5: body = 3; break;
        case 0xd6: body = 5; break;
        case 0xd7: body = 9; break;
        case 0xd8: body = 17; break;
        case 0xdc: case 0xde: lenbytes = 2; break;
        case 0xdd: case 0xdf: lenbytes = 4; break;
        default:
          return churn__fail(CHURN_E_FORMAT, "%s: invalid msgpack type byte 0x%02x at byte %zu",
                             what, b, pos);
      }
      if (lenbytes) {
        if (len - pos < 1 + (size_t)lenbytes) {
          return churn__fail(CHURN_E_FORMAT, "%s: truncated at byte %zu of %zu", what, pos, len);
        }
        uint64_t count = be_read(buf + pos + 1, lenbytes);
        head += (size_t)lenbytes;
        if (b == 0xdc || b == 0xdd) children = count;
        else if (b == 0xde || b == 0xdf) children = 2 * count;
        else body = count;
      }
    }
    if (head > len - pos || body > len - pos - head) {
      return churn__fail(CHURN_E_FORMAT, "%s: truncated at byte %zu of %zu (value needs %llu bytes)",
                         what, pos, len, (unsigned long long)(head + body));
    }
    pos += head + (size_t)body;
    if (children > 0) {
      /* Every child takes at least one byte: a larger count is a lie. */
      if (children > len - pos) {
        return churn__fail(CHURN_E_FORMAT, "%s: container at byte %zu claims %llu values but only "
                           "%zu bytes remain", what, pos - head, (unsigned long long)children,
                           len - pos);
      }
      if (depth == CHURN_PACK_MAX_DEPTH) {
        return churn__fail(CHURN_E_FORMAT, "%s: nesting deeper than %d at byte %zu", what,
                           CHURN_PACK_MAX_DEPTH, pos - head);
      }
      pending[++depth] = children;
    }
  }
  if (pos != len) {
    return churn__fail(CHURN_E_FORMAT, "%s: %zu trailing bytes after the value (at byte %zu)", what,
                       len - pos, pos);
  }
  return CHURN_OK;
}

churn_status churn__unpack(const uint8_t *buf, size_t len, const char *what, churn__unpacked *out) {
  out->live = false;
  if (buf == NULL || len == 0) return churn__fail(CHURN_E_FORMAT, "%s: empty input", what);
  CHURN_TRY(prescan(buf, len, what));
  msgpack_unpacked_init(&out->u);
  size_t off = 0;
  msgpack_unpack_return r = msgpack_unpack_next(&out->u, (const char *)buf, len, &off);
  if (r != MSGPACK_UNPACK_SUCCESS || off != len) {
    msgpack_unpacked_destroy(&out->u);
    if (r == MSGPACK_UNPACK_NOMEM_ERROR) return churn__nomem(what);
    return churn__fail(CHURN_E_FORMAT, "%s: malformed msgpack (code %d at byte %zu)", what, (int)r,
                       off);
  }
  out->live = true;
  return CHURN_OK;
}

void churn__unpacked_free(churn__unpacked *u) {
  if (u && u->live) {
    msgpack_unpacked_destroy(&u->u);
    u->live = false;
  }
}

/* ---------------------------------------------------------------------------------------- */
/* Field access                                                                              */
/* ---------------------------------------------------------------------------------------- */

const msgpack_object *churn__map_get(const msgpack_object *map, const char *key) {
  if (map == NULL || map->type != MSGPACK_OBJECT_MAP) return NULL;
  size_t klen = strlen(key);
  for (uint32_t i = 0; i < map->via.map.size; i++) {
    const msgpack_object *k = &map->via.map.ptr[i].key;
    if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
        memcmp(k->via.str.ptr, key, klen) == 0) {
      return &map->via.map.ptr[i].val;
    }
  }
  return NULL;
}

static churn_status field(const msgpack_object *map, const char *key, const msgpack_object **o) {
  *o = churn__map_get(map, key);
  if (*o == NULL) return churn__fail(CHURN_E_FORMAT, "field '%s' is missing", key);
  return CHURN_OK;
}

churn_status churn__get_i64(const msgpack_object *map, const char *key, int64_t *out) {
  const msgpack_object *o;
  CHURN_TRY(field(map, key, &o));
  if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
    if (o->via.u64 > (uint64_t)INT64_MAX) {
      return churn__fail(CHURN_E_FORMAT, "field '%s' is out of range", key);
    }
    *out = (int64_t)o->via.u64;
  } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
    *out = o->via.i64;
  } else {
    return churn__fail(CHURN_E_FORMAT, "field '%s' is not an integer", key);
  }
  return CHURN_OK;
}

churn_status churn__get_f64(const msgpack_object *map, const char *key, double *out) {
  const msgpack_object *o;
  CHURN_TRY(field(map, key, &o));
  switch (o->type) {
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: *out = o->via.f64; break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: *out = (double)o->via.u64; break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: *out = (double)o->via.i64; break;
    default: return churn__fail(CHURN_E_FORMAT, "field '%s' is not a number", key);
  }
  return CHURN_OK;
}

churn_status churn__get_bool(const msgpack_object *map, const char *key, bool *out) {
  const msgpack_object *o;
  CHURN_TRY(field(map, key, &o));
  if (o->type != MSGPACK_OBJECT_BOOLEAN) {
    return churn__fail(CHURN_E_FORMAT, "field '%s' is not a boolean", key);
  }
  *out = o->via.boolean;
  return CHURN_OK;
}

churn_status churn__obj_str(const msgpack_object *o, const char *what, char **out) {
  if (o == NULL || o->type != MSGPACK_OBJECT_STR) {
    return churn__fail(CHURN_E_FORMAT, "%s is not a string", what);
  }
  if (memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL) {
    return churn__fail(CHURN_E_FORMAT, "%s contains a NUL byte", what);
  }
  char *s = churn__malloc((size_t)o->via.str.size + 1);
  if (s == NULL) return churn__nomem(what);
  if (o->via.str.size) memcpy(s, o->via.str.ptr, o->via.str.size);
  s[o->via.str.size] = '\0';
  *out = s;
  return CHURN_OK;
}

churn_status churn__get_str(const msgpack_object *map, const char *key, bool allow_nil, char **out) {
  const msgpack_object *o;
  CHURN_TRY(field(map, key, &o));
  if (allow_nil && o->type == MSGPACK_OBJECT_NIL) {
    *out = NULL;
    return CHURN_OK;
  }
  char what[96];
  snprintf(what, sizeof what, "field '%.60s'", key);
  return churn__obj_str(o, what, out);
}

churn_status churn__get_bin(const msgpack_object *map, const char *key, const uint8_t **data,
                            size_t *len) {
  const msgpack_object *o;
  CHURN_TRY(field(map, key, &o));
  if (o->type != MSGPACK_OBJECT_BIN) {
    return churn__fail(CHURN_E_FORMAT, "field '%s' is not binary data", key);
  }
  *data = (const uint8_t *)o->via.bin.ptr;
  *len = o->via.bin.size;
  return CHURN_OK;
}

churn_status churn__get_bin_n(const msgpack_object *map, const char *key, size_t elem, size_t n,
                              void *out) {
  const uint8_t *data = NULL;
  size_t len = 0;
  CHURN_TRY(churn__get_bin(map, key, &data, &len));
  if (elem != 0 && (n > SIZE_MAX / elem || len != n * elem)) {
    return churn__fail(CHURN_E_FORMAT, "field '%s' holds %zu bytes, expected %zu values of %zu",
                       key, len, n, elem);
  }
  if (len) memcpy(out, data, len);
  return CHURN_OK;
}

churn_status churn__get_array(const msgpack_object *map, const char *key,
                              const msgpack_object **items, size_t *n) {
  const msgpack_object *o;
  CHURN_TRY(field(map, key, &o));
  if (o->type != MSGPACK_OBJECT_ARRAY) {
    return churn__fail(CHURN_E_FORMAT, "field '%s' is not an array", key);
  }
  *items = o->via.array.ptr;
  *n = o->via.array.size;
  return CHURN_OK;
}

churn_status churn__get_i64_in(const msgpack_object *map, const char *key, int64_t lo, int64_t hi,
                               int64_t *out) {
  CHURN_TRY(churn__get_i64(map, key, out));
  if (*out < lo || *out > hi) {
    return churn__fail(CHURN_E_FORMAT, "field '%s' = %lld is outside [%lld, %lld]", key,
                       (long long)*out, (long long)lo, (long long)hi);
  }
  return CHURN_OK;
}

churn_status churn__get_int_in(const msgpack_object *map, const char *key, int lo, int hi,
                               int *out) {
  int64_t v;
  CHURN_TRY(churn__get_i64_in(map, key, lo, hi, &v));
  *out = (int)v;
  return CHURN_OK;
}

churn_status churn__get_finite(const msgpack_object *map, const char *key, double *out) {
  CHURN_TRY(churn__get_f64(map, key, out));
  if (!churn__is_finite(*out)) return churn__fail(CHURN_E_FORMAT, "field '%s' is not finite", key);
  return CHURN_OK;
}

churn_status churn__get_map(const msgpack_object *map, const char *key,
                            const msgpack_object **out) {
  *out = churn__map_get(map, key);
  if (*out == NULL || (*out)->type != MSGPACK_OBJECT_MAP) {
    return churn__fail(CHURN_E_FORMAT, "field '%s' is missing or not a map", key);
  }
  return CHURN_OK;
}

churn_status churn__get_f64_vector(const msgpack_object *map, const char *key, size_t n,
                                   bool positive, double *out) {
  CHURN_TRY(churn__get_bin_n(map, key, sizeof(double), n, out));
  for (size_t j = 0; j < n; j++) {
    if (!churn__is_finite(out[j]) || (positive && !(out[j] > 0.0))) {
      return churn__fail(CHURN_E_FORMAT, "field '%s' has an invalid value at %zu", key, j);
    }
  }
  return CHURN_OK;
}

churn_status churn__check_f64_count(const msgpack_object *map, const char *key, int64_t n) {
  const uint8_t *data = NULL;
  size_t len = 0;
  CHURN_TRY(churn__get_bin(map, key, &data, &len));
  if (n < 0 || (uint64_t)n > SIZE_MAX / sizeof(double) || len != (size_t)n * sizeof(double)) {
    return churn__fail(CHURN_E_FORMAT, "field '%s' holds %zu bytes, expected %lld values of 8",
                       key, len, (long long)n);
  }
  return CHURN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Envelope                                                                                  */
/* ---------------------------------------------------------------------------------------- */

churn_status churn__envelope_read(const uint8_t *buf, size_t len, const char *format,
                                  int max_major, const uint8_t **payload, size_t *payload_len,
                                  int *major, int *minor) {
  churn__unpacked u;
  CHURN_TRY(churn__unpack(buf, len, format, &u));
  const msgpack_object *root = &u.u.data;
  churn_status st = CHURN_OK;
  char *name = NULL;
  int64_t mj = 0, mn = 0, sum = 0;
  const msgpack_object *cs;
  if (root->type != MSGPACK_OBJECT_MAP) {
    st = churn__fail(CHURN_E_FORMAT, "not a libchurn file: the top level is not a map");
    goto done;
  }
  st = churn__get_str(root, "format", false, &name);
  if (st != CHURN_OK) goto done;
  if (strcmp(name, format) != 0) {
    st = churn__fail(CHURN_E_FORMAT, "file holds a '%s', expected a '%s'", name, format);
    goto done;
  }
  if ((st = churn__get_i64(root, "major", &mj)) != CHURN_OK) goto done;
  if ((st = churn__get_i64(root, "minor", &mn)) != CHURN_OK) goto done;
  if (mn < 0) {
    st = churn__fail(CHURN_E_FORMAT, "%s: minor version %lld is negative: the file is corrupt",
                     format, (long long)mn);
    goto done;
  }
  if (mj > max_major || mj < 1) {
    st = churn__fail(CHURN_E_VERSION, "%s format version %lld.%lld is not supported (this library "
                     "reads major versions up to %d)", format, (long long)mj, (long long)mn,
                     max_major);
    goto done;
  }
  /* An envelope of 6 entries is from before 1.2 (its checksum covers the payload only); any
   * other ends with "file_checksum" over every byte before its value. */
  if (root->via.map.size != 6) {
    const msgpack_object *fs = churn__map_get(root, "file_checksum");
    if (fs == NULL || fs->type != MSGPACK_OBJECT_POSITIVE_INTEGER || len < FILE_SUM_TAIL ||
        memcmp(buf + len - FILE_SUM_TAIL, FILE_SUM_KEY, sizeof FILE_SUM_KEY - 1) != 0 ||
        buf[len - 9] != 0xcf || be_read(buf + len - 8, 8) != fs->via.u64) {
      st = churn__fail(CHURN_E_FORMAT, "%s: field 'file_checksum' is missing or not the last "
                       "entry: the file is corrupt", format);
      goto done;
    }
    if (churn__checksum64(buf, len - 8) != fs->via.u64) {
      st = churn__fail(CHURN_E_FORMAT, "%s: checksum mismatch: the file is corrupt", format);
      goto done;
    }
  }
  cs = churn__map_get(root, "checksum");
  if (cs == NULL || cs->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
    st = churn__fail(CHURN_E_FORMAT, "field 'checksum' is missing or not an unsigned integer");
    goto done;
  }
  (void)sum;
  if ((st = churn__get_bin(root, "payload", payload, payload_len)) != CHURN_OK) goto done;
  if (churn__checksum64(*payload, *payload_len) != cs->via.u64) {
    st = churn__fail(CHURN_E_FORMAT, "%s: checksum mismatch: the file is corrupt", format);
    goto done;
  }
  if (major) *major = (int)mj;
  if (minor) *minor = (int)mn;
done:
  churn__free(name);
  churn__unpacked_free(&u);
  return st;
}

/* ---------------------------------------------------------------------------------------- */
/* Checksum: four independent 64-bit lanes over 32-byte blocks (xxHash64's round function).  */
/* ---------------------------------------------------------------------------------------- */

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t round64(uint64_t acc, uint64_t in) {
  return rotl64(acc + in * P2, 31) * P1;
}
static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

uint64_t churn__checksum64(const uint8_t *data, size_t len) {
  uint64_t h[4] = {P1 + P2, P2, 0, (uint64_t)0 - P1};
  size_t i = 0;
  for (; i + 32 <= len; i += 32) {
    h[0] = round64(h[0], load64(data + i));
    h[1] = round64(h[1], load64(data + i + 8));
    h[2] = round64(h[2], load64(data + i + 16));
    h[3] = round64(h[3], load64(data + i + 24));
  }
  uint64_t acc = rotl64(h[0], 1) + rotl64(h[1], 7) + rotl64(h[2], 12) + rotl64(h[3], 18);
  acc ^= (uint64_t)len * P3;
  for (; i + 8 <= len; i += 8) acc = rotl64(acc ^ round64(0, load64(data + i)), 27) * P1 + P3;
  for (; i < len; i++) acc = rotl64(acc ^ (data[i] * P3), 11) * P1;
  acc ^= acc >> 33;
  acc *= P2;
  acc ^= acc >> 29;
  acc *= P3;
  acc ^= acc >> 32;
  return acc;
}
