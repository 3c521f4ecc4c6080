/*
 * dataset_dict.c -- interned labels <-> dense codes (subscriber ids, categorical columns, event
 * code labels): one string arena plus an open-addressing hash index, so a lookup of a CSV field
 * costs one hash and usually one memcmp, with no allocation per label.
 */
#include "dataset.h"

#include <string.h>

uint64_t churn__hash_bytes(const char *s, size_t len) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)len;
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
    s += 8;
    len -= 8;
  }
  if (len > 0) {
    uint64_t w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
  }
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return h;
}

void churn__dict_init(churn__dict *d) { memset(d, 0, sizeof *d); }

void churn__dict_free(churn__dict *d) {
  if (d == NULL) return;
  churn__free(d->arena);
  churn__free(d->start);
  churn__free(d->slots);
  churn__dict_init(d);
}

static inline uint32_t tag_of(uint64_t h) { return (uint32_t)(h >> 32) | 1u; }

#define LEN_MAX 0xFFFFu

static void slot_insert(churn__slot *slots, size_t nslots, uint64_t h, int32_t code,
                        uint64_t off, size_t len) {
  size_t mask = nslots - 1;
  size_t i = (size_t)h & mask;
  while (slots[i].tag != 0) i = (i + 1) & mask;
  slots[i].tag = tag_of(h);
  slots[i].code = code;
  slots[i].offlen = off << 16 | (len < LEN_MAX ? len : LEN_MAX);
}

/* Rebuilds the hash index with nslots slots from the labels. */
static churn_status rehash(churn__dict *d, size_t nslots) {
  churn__slot *slots = churn__calloc(nslots, sizeof *slots);
  if (slots == NULL) return churn__nomem("dictionary index");
  for (int32_t c = 0; c < d->n; c++) {
    size_t len = churn__dict_label_len(d, c);
    slot_insert(slots, nslots, churn__hash_bytes(churn__dict_label(d, c), len), c,
                (uint64_t)d->start[c], len);
  }
  churn__free(d->slots);
  d->slots = slots;
  d->nslots = nslots;
  return CHURN_OK;
}

static inline bool slot_is(const churn__dict *d, const churn__slot *sl, const char *s,
                           size_t len) {
  size_t l = (size_t)(sl->offlen & LEN_MAX);
  if (l == LEN_MAX) l = churn__dict_label_len(d, sl->code);
  return l == len && memcmp(d->arena + (sl->offlen >> 16), s, len) == 0;
}

int32_t churn__dict_find_hashed(const churn__dict *d, const char *s, size_t len, uint64_t h) {
  if (d->nslots == 0) return -1;
  size_t mask = d->nslots - 1;
  uint32_t tag = tag_of(h);
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    const churn__slot *sl = &d->slots[i];
    if (sl->tag == 0) return -1;
    if (sl->tag == tag && slot_is(d, sl, s, len)) return sl->code;
  }
}

int32_t churn__dict_candidate(const churn__dict *d, uint64_t h, const char **label) {
  if (d->nslots == 0) return -1;
  size_t mask = d->nslots - 1;
  uint32_t tag = tag_of(h);
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    const churn__slot *sl = &d->slots[i];
    if (sl->tag == 0) return -1;
    if (sl->tag == tag) {
      *label = d->arena + (sl->offlen >> 16);
      return sl->code;
    }
  }
}

int32_t churn__dict_find(const churn__dict *d, const char *s, size_t len) {
  return churn__dict_find_hashed(d, s, len, churn__hash_bytes(s, len));
}

churn_status churn__dict_intern(churn__dict *d, const char *s, size_t len, int32_t max_codes,
                                int32_t *code, bool *added) {
  uint64_t h = churn__hash_bytes(s, len);
  int32_t c = churn__dict_find_hashed(d, s, len, h);
  if (added) *added = false;
  if (c >= 0) {
    *code = c;
    return CHURN_OK;
  }
  if (d->n >= max_codes) {
    return churn__fail(CHURN_E_RANGE, "more than %ld distinct labels", (long)max_codes);
  }
  if ((size_t)(d->n + 1) * 2 >= d->nslots) {
    CHURN_TRY(rehash(d, d->nslots ? d->nslots * 2 : 64));
  }
  if (d->start == NULL || d->start_cap < (size_t)d->n + 2) {
    if (!churn__grow((void **)&d->start, &d->start_cap, (size_t)d->n + 2, sizeof *d->start)) {
      return churn__nomem("dictionary");
    }
    if (d->n == 0) d->start[0] = 0;
  }
  if (!churn__grow((void **)&d->arena, &d->arena_cap, d->arena_len + len + 1, 1)) {
    return churn__nomem("dictionary labels");
  }
  uint64_t off = d->arena_len;
  memcpy(d->arena + off, s, len);
  d->arena[off + len] = '\0';
  d->arena_len += len + 1;
  c = d->n++;
  d->start[d->n] = (int64_t)d->arena_len;
  slot_insert(d->slots, d->nslots, h, c, off, len);
  *code = c;
  if (added) *added = true;
  return CHURN_OK;
}

churn_status churn__dict_truncate(churn__dict *d, int32_t n) {
  if (n >= d->n) return CHURN_OK;
  d->n = n;
  d->arena_len = d->start ? (size_t)d->start[n] : 0;
  if (d->slots) memset(d->slots, 0, d->nslots * sizeof *d->slots);
  for (int32_t c = 0; c < d->n; c++) {
    size_t len = churn__dict_label_len(d, c);
    slot_insert(d->slots, d->nslots, churn__hash_bytes(churn__dict_label(d, c), len), c,
                (uint64_t)d->start[c], len);
  }
  return CHURN_OK;
}
