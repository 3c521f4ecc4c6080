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

static void slot_insert(uint64_t *slots, size_t nslots, uint32_t tag, uint64_t h, int32_t code) {
  size_t mask = nslots - 1;
  size_t i = (size_t)h & mask;
  while (slots[i] != 0) i = (i + 1) & mask;
  slots[i] = ((uint64_t)tag << 32) | (uint64_t)(uint32_t)(code + 1);
}

/* Rebuilds the hash index with nslots slots from the labels. */
static churn_status rehash(churn__dict *d, size_t nslots) {
  uint64_t *slots = churn__calloc(nslots, sizeof *slots);
  if (slots == NULL) return churn__nomem("dictionary index");
  for (int32_t c = 0; c < d->n; c++) {
    uint64_t h = churn__hash_bytes(churn__dict_label(d, c), churn__dict_label_len(d, c));
    slot_insert(slots, nslots, tag_of(h), h, c);
  }
  churn__free(d->slots);
  d->slots = slots;
  d->nslots = nslots;
  return CHURN_OK;
}

static int32_t find_hashed(const churn__dict *d, const char *s, size_t len, uint64_t h) {
  if (d->nslots == 0) return -1;
  size_t mask = d->nslots - 1;
  uint32_t tag = tag_of(h);
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    uint64_t v = d->slots[i];
    if (v == 0) return -1;
    if ((uint32_t)(v >> 32) == tag) {
      int32_t c = (int32_t)(uint32_t)v - 1;
      if (churn__dict_label_len(d, c) == len && memcmp(churn__dict_label(d, c), s, len) == 0) {
        return c;
      }
    }
  }
}

int32_t churn__dict_find(const churn__dict *d, const char *s, size_t len) {
  return find_hashed(d, s, len, churn__hash_bytes(s, len));
}

churn_status churn__dict_intern(churn__dict *d, const char *s, size_t len, int32_t max_codes,
                                int32_t *code, bool *added) {
  uint64_t h = churn__hash_bytes(s, len);
  int32_t c = find_hashed(d, s, len, h);
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
  memcpy(d->arena + d->arena_len, s, len);
  d->arena[d->arena_len + len] = '\0';
  d->arena_len += len + 1;
  c = d->n++;
  d->start[d->n] = (int64_t)d->arena_len;
  slot_insert(d->slots, d->nslots, tag_of(h), h, c);
  *code = c;
  if (added) *added = true;
  return CHURN_OK;
}

churn_status churn__dict_truncate(churn__dict *d, int32_t n) {
  if (n >= d->n) return CHURN_OK;
  d->n = n;
  d->arena_len = d->start ? (size_t)d->start[n] : 0;
  memset(d->slots, 0, d->nslots * sizeof *d->slots);
  for (int32_t c = 0; c < d->n; c++) {
    uint64_t h = churn__hash_bytes(churn__dict_label(d, c), churn__dict_label_len(d, c));
    slot_insert(d->slots, d->nslots, tag_of(h), h, c);
  }
  return CHURN_OK;
}
