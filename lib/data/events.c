/*
 * events.c -- the columnar event log: kinds and their code names, validation and batch append,
 * finalize (stable sort by subscriber, time and kind; duplicate detection; per-subscriber
 * offsets) and the event getters.
 */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EVENTS ((int64_t)UINT32_MAX - 1) /* finalize permutes with uint32 indices */

/* --- kinds and code names -------------------------------------------------------------------- */

CHURN_API const char *churn_event_kind_name(int kind) {
  return churn__enum_name(CHURN_ENUM_EVENT_KIND, kind);
}

int churn__event_kind_by_name(const char *name, size_t len) {
  int k = 0;
  return churn__enum_find_n(CHURN_ENUM_EVENT_KIND, name, len, &k) ? k : 0;
}

CHURN_API churn_status churn_event_kind_find(const char *name, churn_event_kind *kind) {
  CHURN_CHECK_ARG(name != NULL && kind != NULL, "churn_event_kind_find: arguments must not be "
                  "NULL");
  int k = churn__event_kind_by_name(name, strlen(name));
  if (k == 0) return churn__fail(CHURN_E_NOT_FOUND, "no event kind named '%s'", name);
  *kind = (churn_event_kind)k;
  return CHURN_OK;
}

CHURN_API churn_category churn_cancel_reason_category(int reason) {
  switch (reason) {
    case CHURN_REASON_PRICE:
    case CHURN_REASON_COMPETITOR:
    case CHURN_REASON_PROMO_END: return CHURN_CATEGORY_COMPETITIVE;
    case CHURN_REASON_NOT_WANTED:
    case CHURN_REASON_MOVING:
    case CHURN_REASON_NO_DEVICE:
    case CHURN_REASON_AGE_HEALTH: return CHURN_CATEGORY_NATURAL;
    case CHURN_REASON_TECHNICAL:
    case CHURN_REASON_CUSTOMER_SERVICE:
    case CHURN_REASON_PACKAGE_FIT:
    case CHURN_REASON_OTHER_SERVICE: return CHURN_CATEGORY_SERVICE;
    case CHURN_REASON_OTHER_NATURAL: return CHURN_CATEGORY_NATURAL;
    case CHURN_REASON_OTHER_COMPETITIVE: return CHURN_CATEGORY_COMPETITIVE;
    default: return CHURN_CATEGORY_UNKNOWN;
  }
}

churn_enum churn__event_code_enum(int kind, bool code2) {
  if (code2) return kind == CHURN_EV_VIEW ? CHURN_ENUM_TIME_SLOT : (churn_enum)0;
  switch (kind) {
    case CHURN_EV_CANCEL:
    case CHURN_EV_CANCEL_REQUEST: return CHURN_ENUM_CANCEL_REASON;
    case CHURN_EV_RETENTION: return CHURN_ENUM_RETENTION_OUTCOME;
    case CHURN_EV_PACKAGE_CHANGE: return CHURN_ENUM_PACKAGE_DIRECTION;
    case CHURN_EV_SUSPEND:
    case CHURN_EV_RESUME: return CHURN_ENUM_SUSPEND_REASON;
    case CHURN_EV_USAGE: return CHURN_ENUM_USAGE_TYPE;
    default: return (churn_enum)0;
  }
}

int churn__event_code_count(int kind, bool code2) {
  churn_enum e = churn__event_code_enum(kind, code2);
  return e == 0 ? -1 : churn__enum_count(e); /* the codes run 0..count-1 */
}

int churn__event_code_by_name(int kind, bool code2, const char *name, size_t len, int *code) {
  churn_enum e = churn__event_code_enum(kind, code2);
  if (e == 0) return code2 ? 0 : -1;
  return churn__enum_find_n(e, name, len, code) ? 1 : 0;
}

bool churn__event_kind_needs_value(int kind) {
  return kind == CHURN_EV_BILL || kind == CHURN_EV_PAYMENT || kind == CHURN_EV_VIEW ||
         kind == CHURN_EV_PACKAGE_CHANGE || kind == CHURN_EV_USAGE;
}

/* --- storage ------------------------------------------------------------------------------------ */

#define GROW_EV(ptr, cap)                                                         \
  do {                                                                            \
    void *p_ = churn__realloc((ptr), (cap) * sizeof *(ptr));                      \
    if (p_ == NULL) return churn__nomem("event log");                             \
    (ptr) = p_;                                                                   \
  } while (0)

churn_status churn__events_reserve(churn__events *ev, int64_t need) {
  if ((size_t)need <= ev->cap) return CHURN_OK;
  if (need > MAX_EVENTS) {
    return churn__fail(CHURN_E_RANGE, "more than %lld events", (long long)MAX_EVENTS);
  }
  size_t cap = ev->cap ? ev->cap : 1024;
  while (cap < (size_t)need) cap += cap / 2 + 1; /* 1.5x: less slack in a large log */
  if (cap > (size_t)MAX_EVENTS) cap = (size_t)MAX_EVENTS;
  GROW_EV(ev->sub, cap);
  GROW_EV(ev->time, cap);
  GROW_EV(ev->kind, cap);
  GROW_EV(ev->code, cap);
  GROW_EV(ev->code2, cap);
  GROW_EV(ev->value, cap);
  GROW_EV(ev->aux1, cap);
  GROW_EV(ev->aux2, cap);
  ev->cap = cap;
  return CHURN_OK;
}

churn_status churn__events_code_dict(churn__events *ev, int kind, churn__dict **out) {
  if (ev->code_dict[kind] == NULL) {
    ev->code_dict[kind] = churn__calloc(1, sizeof(churn__dict));
    if (ev->code_dict[kind] == NULL) return churn__nomem("code labels");
  }
  *out = ev->code_dict[kind];
  return CHURN_OK;
}

/* --- batches ------------------------------------------------------------------------------------ */

churn_status churn__evbatch_init(churn__evbatch *b) {
  memset(b, 0, sizeof *b);
  size_t n = CHURN__BATCH_ROWS;
  b->sub = churn__malloc_array(n, sizeof *b->sub);
  b->time = churn__malloc_array(n, sizeof *b->time);
  b->kind = churn__malloc_array(n, 1);
  b->code = churn__malloc_array(n, 1);
  b->code2 = churn__malloc_array(n, 1);
  b->value = churn__malloc_array(n, sizeof *b->value);
  b->aux1 = churn__malloc_array(n, sizeof *b->aux1);
  b->aux2 = churn__malloc_array(n, sizeof *b->aux2);
  b->flags = churn__malloc_array(n, 1);
  b->row = churn__malloc_array(n, sizeof *b->row);
  if (!b->sub || !b->time || !b->kind || !b->code || !b->code2 || !b->value || !b->aux1 ||
      !b->aux2 || !b->flags || !b->row) {
    churn__evbatch_free(b);
    return churn__nomem("event batch");
  }
  return CHURN_OK;
}

void churn__evbatch_free(churn__evbatch *b) {
  churn__free(b->sub);
  churn__free(b->time);
  churn__free(b->kind);
  churn__free(b->code);
  churn__free(b->code2);
  churn__free(b->value);
  churn__free(b->aux1);
  churn__free(b->aux2);
  churn__free(b->flags);
  churn__free(b->row);
  memset(b, 0, sizeof *b);
}

/* Row checks that need the whole row: kind, value, activation.  Returns the counter of a
 * rejection (0 = fine) and the column and reason. */
static int check_event(const churn_dataset *ds, const churn__evbatch *b, int64_t i,
                       const churn__ingest_cfg *cfg, const char **col, const char **why) {
  int kind = b->kind[i];
  if (kind == 0 || kind >= CHURN_EV_KIND_END_) {
    *col = "kind";
    *why = "unknown event kind";
    return CHURN_COUNT_REJECTED_BAD_VALUE;
  }
  if (b->flags[i] & CHURN__ROW_NO_VALUE) {
    if (churn__event_kind_needs_value(kind)) {
      *col = "value";
      *why = "missing value";
      return CHURN_COUNT_REJECTED_MISSING_VALUE;
    }
  } else if (!churn__is_finite(b->value[i])) {
    *col = "value";
    *why = "non-finite value";
    return CHURN_COUNT_REJECTED_NON_FINITE;
  }
  int64_t act = ds->subs.activation[b->sub[i]];
  if (act != CHURN_TIME_NONE && b->time[i] < act && !cfg->keep_before_activation) {
    *col = "time";
    *why = "event before the subscriber's activation";
    return CHURN_COUNT_REJECTED_BEFORE_ACTIVATION;
  }
  return 0;
}

churn_status churn__check_event_row(churn_dataset *ds, churn__evbatch *b, int64_t r,
                                    const churn__ingest_cfg *cfg, const char *source) {
  const char *col = NULL, *why = NULL;
  int counter = check_event(ds, b, r, cfg, &col, &why);
  if (counter == 0) {
    if (b->flags[r] & CHURN__ROW_NO_VALUE) b->value[r] = 0.0;
    int64_t act = ds->subs.activation[b->sub[r]];
    if (act != CHURN_TIME_NONE && b->time[r] < act) {
      ds->report.count[CHURN_COUNT_KEPT_BEFORE_ACTIVATION]++;
    }
    return CHURN_OK;
  }
  b->flags[r] |= CHURN__ROW_DEAD;
  const char *kn = churn_event_kind_name(b->kind[r]);
  if (kn) {
    return churn__report_reject(ds, cfg, (churn_ingest_counter)counter, source, b->row[r], col,
                                "%s (kind %s)", why, kn);
  }
  return churn__report_reject(ds, cfg, (churn_ingest_counter)counter, source, b->row[r], col,
                              "%s %d", why, (int)b->kind[r]);
}

churn_status churn__append_event_batch(churn_dataset *ds, churn__evbatch *b) {
  churn__events *ev = &ds->ev;
  CHURN_TRY(churn__events_reserve(ev, ev->n + b->n));
  int64_t n = ev->n;
  for (int64_t i = 0; i < b->n; i++) {
    if (b->flags[i] & CHURN__ROW_DEAD) continue;
    ev->sub[n] = b->sub[i];
    ev->time[n] = b->time[i];
    ev->kind[n] = b->kind[i];
    ev->code[n] = b->code[i];
    ev->code2[n] = b->code2[i];
    ev->value[n] = b->value[i];
    ev->aux1[n] = b->aux1[i];
    ev->aux2[n] = b->aux2[i];
    n++;
  }
  ds->report.count[CHURN_COUNT_ROWS_ACCEPTED] += n - ev->n;
  if (n != ev->n) ev->finalized = false;
  ev->n = n;
  b->n = 0;
  return CHURN_OK;
}

churn_status churn__resolve_subscriber(churn_dataset *ds, const churn__ingest_cfg *cfg,
                                       const char *id, size_t len, const char *source,
                                       const char *column, int64_t row, int32_t *idx) {
  int32_t c = churn__dict_find(&ds->subs.ids, id, len);
  if (CHURN_LIKELY(c >= 0)) {
    *idx = c;
    return CHURN_OK;
  }
  *idx = -1;
  if (cfg->unknown == 0) {
    return churn__fail(CHURN_E_NOT_FOUND, "%s: row %lld: unknown subscriber id '%.*s' (set "
                       "ingest.unknown_subscriber to reject or create)", source, (long long)row,
                       (int)(len > 200 ? 200 : len), id);
  }
  if (cfg->unknown == 1) {
    return churn__report_reject(ds, cfg, CHURN_COUNT_REJECTED_UNKNOWN_SUBSCRIBER, source, row,
                                column, "unknown subscriber id '%.*s'",
                                (int)(len > 200 ? 200 : len), id);
  }
  int64_t s;
  CHURN_TRY(churn__subs_add(&ds->subs, id, len, &s));
  ds->report.count[CHURN_COUNT_SUBSCRIBERS_CREATED]++;
  ds->ev.finalized = false;
  *idx = (int32_t)s;
  return CHURN_OK;
}

/* --- column append ------------------------------------------------------------------------------ */

enum { C_ID, C_INDEX, C_TIME, C_KIND, C_CODE, C_CODE2, C_VALUE, C_AUX1, C_AUX2, C_N };
static const char *const EV_COLS[C_N] = {"subscriber_id", "subscriber_index", "time", "kind",
                                         "code", "code2", "value", "aux1", "aux2"};

static churn_status map_event_columns(const churn_column *cols, size_t ncols,
                                      const churn__ingest_cfg *cfg, const churn_column **by) {
  for (int k = 0; k < C_N; k++) by[k] = NULL;
  for (size_t j = 0; j < ncols; j++) {
    const churn_column *c = &cols[j];
    int k = -1;
    for (int m = 0; m < C_N; m++) {
      if (strcmp(c->name, EV_COLS[m]) == 0) k = m;
    }
    if (strcmp(c->name, cfg->id_column) == 0) k = C_ID;
    if (k < 0) return churn__fail(CHURN_E_SCHEMA, "unknown event column '%s'", c->name);
    bool ok = k == C_ID ? (c->dtype == CHURN_STR || churn__is_int_dtype(c->dtype))
              : k == C_VALUE ? churn__is_num_dtype(c->dtype)
              : k == C_CODE  ? (c->dtype == CHURN_STR || churn__is_int_dtype(c->dtype))
                             : churn__is_int_dtype(c->dtype);
    if (!ok) return churn__fail(CHURN_E_SCHEMA, "event column '%s' has the wrong dtype", c->name);
    by[k] = c;
  }
  if (by[C_ID] == NULL && by[C_INDEX] == NULL) {
    return churn__fail(CHURN_E_SCHEMA, "events need a '%s' or 'subscriber_index' column",
                       cfg->id_column);
  }
  if (by[C_ID] != NULL && by[C_INDEX] != NULL) {
    return churn__fail(CHURN_E_SCHEMA, "give '%s' or 'subscriber_index', not both",
                       cfg->id_column);
  }
  if (by[C_TIME] == NULL) return churn__fail(CHURN_E_SCHEMA, "events need a 'time' column");
  if (by[C_KIND] == NULL) return churn__fail(CHURN_E_SCHEMA, "events need a 'kind' column");
  return CHURN_OK;
}

/* A code given as text (a string code column): a number without leading zeros, a fixed name of
 * the kind, a free-form label of a kind with a label dictionary, or for CANCEL and
 * CANCEL_REQUEST an operator's reason label (reason_map.c; *label gets its index).  *code = -1
 * when the text is none of these (or the kind is invalid). */
static churn_status code_from_text(churn_dataset *ds, int64_t kind, const char *text,
                                   int64_t *code, int32_t *label) {
  size_t len = strlen(text);
  *code = -1;
  if (len > 0 && len <= 3 && strspn(text, "0123456789") == len && (len == 1 || text[0] != '0')) {
    *code = atoi(text);
    return CHURN_OK;
  }
  if (kind < 1 || kind > CHURN__MAX_KIND || len == 0) return CHURN_OK;
  int c = 0;
  int found = churn__event_code_by_name((int)kind, false, text, len, &c);
  if (found == 1) {
    *code = c;
  } else if (churn__kind_has_reason((int)kind)) {
    uint8_t rc;
    churn_status st = churn__reason_label(ds, (int)kind, text, len, &rc, label);
    if (st == CHURN_E_RANGE) return CHURN_OK; /* too many labels: a bad code */
    CHURN_TRY(st);
    *code = rc;
  } else if (found < 0) {
    churn__dict *d = NULL;
    int32_t idx = 0;
    CHURN_TRY(churn__events_code_dict(&ds->ev, (int)kind, &d));
    churn_status st = churn__dict_intern(d, text, len, 256, &idx, NULL);
    if (st == CHURN_E_RANGE) return CHURN_OK;
    CHURN_TRY(st);
    *code = idx;
  }
  return CHURN_OK;
}

/* Converts row i of the caller's columns into batch row r; rejects it (DEAD) on bad values. */
static churn_status convert_event_row(churn_dataset *ds, const churn_column *const *by,
                                      const churn__ingest_cfg *cfg, int64_t i,
                                      churn__evbatch *b, int64_t r) {
  static const char *const src = "append_events";
  b->flags[r] = 0;
  b->row[r] = i;
  const char *bad = NULL;
  for (int k = C_ID; k <= C_KIND && bad == NULL; k++) {
    if (by[k] && churn__col_missing(by[k], i)) bad = by[k]->name;
  }
  if (bad) {
    b->flags[r] = CHURN__ROW_DEAD;
    return churn__report_reject(ds, cfg, CHURN_COUNT_REJECTED_BAD_VALUE, src, i, bad,
                                "missing value");
  }
  if (by[C_ID]) {
    char buf[32];
    const char *id;
    size_t len;
    if (by[C_ID]->dtype == CHURN_STR) {
      id = ((const char *const *)by[C_ID]->data)[i];
      len = strlen(id);
    } else {
      len = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)churn__col_i64(by[C_ID], i));
      id = buf;
    }
    int32_t s;
    CHURN_TRY(churn__resolve_subscriber(ds, cfg, id, len, src, by[C_ID]->name, i, &s));
    if (s < 0) {
      b->flags[r] = CHURN__ROW_DEAD;
      return CHURN_OK;
    }
    b->sub[r] = s;
  } else {
    int64_t s = churn__col_i64(by[C_INDEX], i);
    if (s < 0 || s >= ds->subs.n) {
      b->flags[r] = CHURN__ROW_DEAD;
      return churn__report_reject(ds, cfg, CHURN_COUNT_REJECTED_UNKNOWN_SUBSCRIBER, src, i,
                                  "subscriber_index", "subscriber index %lld outside [0, %lld)",
                                  (long long)s, (long long)ds->subs.n);
    }
    b->sub[r] = (int32_t)s;
  }
  b->time[r] = churn__col_i64(by[C_TIME], i);
  int64_t kind = churn__col_i64(by[C_KIND], i);
  int64_t code = 0;
  int32_t label = CHURN_AUX_NONE; /* an operator's reason label, into aux1 */
  if (by[C_CODE] && !churn__col_missing(by[C_CODE], i)) {
    if (by[C_CODE]->dtype == CHURN_STR) {
      int64_t k = churn__col_i64(by[C_KIND], i);
      const char *text = ((const char *const *)by[C_CODE]->data)[i];
      CHURN_TRY(code_from_text(ds, k, text, &code, &label));
      if (code < 0) {
        b->flags[r] = CHURN__ROW_DEAD;
        return churn__report_reject(ds, cfg, CHURN_COUNT_REJECTED_BAD_VALUE, src, i, "code",
                                    "bad code '%.60s'", text);
      }
    } else {
      code = churn__col_i64(by[C_CODE], i);
    }
  }
  int64_t code2 =
      by[C_CODE2] && !churn__col_missing(by[C_CODE2], i) ? churn__col_i64(by[C_CODE2], i) : 0;
  int64_t aux[2] = {CHURN_AUX_NONE, CHURN_AUX_NONE};
  for (int k = 0; k < 2; k++) {
    const churn_column *c = by[C_AUX1 + k];
    if (c && !churn__col_missing(c, i)) aux[k] = churn__col_i64(c, i);
  }
  if (label != CHURN_AUX_NONE) aux[0] = label;
  const char *what = NULL;
  if (!churn__time_ok(b->time[r])) what = "time";
  else if (kind < 1 || kind > CHURN__MAX_KIND) what = "kind";
  else if (code < 0 || code > 255) what = "code";
  else if (code2 < 0 || code2 > 255) what = "code2";
  else if (aux[0] < INT32_MIN || aux[0] > INT32_MAX) what = "aux1";
  else if (aux[1] < INT32_MIN || aux[1] > INT32_MAX) what = "aux2";
  if (what) {
    b->flags[r] = CHURN__ROW_DEAD;
    return churn__report_reject(ds, cfg, CHURN_COUNT_REJECTED_BAD_VALUE, src, i, what,
                                "value out of range");
  }
  b->kind[r] = (uint8_t)kind;
  b->code[r] = (uint8_t)code;
  b->code2[r] = (uint8_t)code2;
  b->aux1[r] = (int32_t)aux[0];
  b->aux2[r] = (int32_t)aux[1];
  if (by[C_VALUE] && !churn__col_missing(by[C_VALUE], i)) {
    b->value[r] = churn__col_f64(by[C_VALUE], i);
  } else {
    b->value[r] = 0.0;
    b->flags[r] |= CHURN__ROW_NO_VALUE;
  }
  return churn__check_event_row(ds, b, r, cfg, src);
}

static churn_status append_events(churn_dataset *ds, const churn_column *cols, size_t ncols,
                                  const churn__ingest_cfg *cfg) {
  int64_t n;
  CHURN_TRY(churn__check_columns(cols, ncols, "churn_dataset_append_events", &n));
  const churn_column *by[C_N];
  CHURN_TRY(map_event_columns(cols, ncols, cfg, by));
  churn__evbatch b;
  CHURN_TRY(churn__evbatch_init(&b));
  churn_status st = CHURN_OK;
  for (int64_t i = 0; st == CHURN_OK && i < n; i++) {
    ds->report.count[CHURN_COUNT_ROWS_READ]++;
    st = convert_event_row(ds, by, cfg, i, &b, b.n);
    b.n++;
    if (st == CHURN_OK && (b.n == CHURN__BATCH_ROWS || i == n - 1)) {
      st = churn__append_event_batch(ds, &b);
    }
  }
  churn__evbatch_free(&b);
  return st;
}

CHURN_API churn_status churn_dataset_append_events(churn_dataset *ds, const churn_column *cols,
                                                   size_t ncols, const churn_options *opts) {
  CHURN_CHECK_ARG(ds != NULL, "churn_dataset_append_events: ds is NULL");
  churn__ingest_cfg cfg;
  CHURN_TRY(churn__ingest_cfg_read(opts, &cfg));
  churn__checkpoint cp;
  CHURN_TRY(churn__checkpoint_take(ds, &cp));
  churn_status st = append_events(ds, cols, ncols, &cfg);
  if (st != CHURN_OK) churn__checkpoint_restore(ds, &cp);
  churn__checkpoint_free(&cp);
  return st;
}

/* --- finalize ------------------------------------------------------------------------------------ */

typedef struct sort_ctx {
  const int64_t *time;
  const uint8_t *kind;
} sort_ctx;

static inline bool key_less(const sort_ctx *c, uint32_t a, uint32_t b) {
  if (c->time[a] != c->time[b]) return c->time[a] < c->time[b];
  if (c->kind[a] != c->kind[b]) return c->kind[a] < c->kind[b];
  return a < b;
}

/* Stable merge sort of idx[0..n) by key_less (tmp holds n). */
static void merge_sort(const sort_ctx *c, uint32_t *idx, uint32_t *tmp, int64_t n) {
  if (n <= 16) {
    for (int64_t i = 1; i < n; i++) {
      uint32_t v = idx[i];
      int64_t j = i;
      while (j > 0 && key_less(c, v, idx[j - 1])) {
        idx[j] = idx[j - 1];
        j--;
      }
      idx[j] = v;
    }
    return;
  }
  int64_t h = n / 2;
  merge_sort(c, idx, tmp, h);
  merge_sort(c, idx + h, tmp, n - h);
  if (!key_less(c, idx[h], idx[h - 1])) return;
  memcpy(tmp, idx, (size_t)h * sizeof *idx);
  int64_t i = 0, j = h, k = 0;
  while (i < h && j < n) idx[k++] = key_less(c, idx[j], tmp[i]) ? idx[j++] : tmp[i++];
  while (i < h) idx[k++] = tmp[i++];
}

static bool log_is_sorted(const churn__events *ev) {
  for (int64_t i = 1; i < ev->n; i++) {
    if (ev->sub[i] != ev->sub[i - 1]) {
      if (ev->sub[i] < ev->sub[i - 1]) return false;
    } else if (ev->time[i] != ev->time[i - 1]) {
      if (ev->time[i] < ev->time[i - 1]) return false;
    } else if (ev->kind[i] < ev->kind[i - 1]) {
      return false;
    }
  }
  return true;
}

/* off[0..S] from the subscriber column. */
static void count_offsets(const churn__events *ev, int64_t S, int64_t *off) {
  memset(off, 0, (size_t)(S + 1) * sizeof *off);
  for (int64_t i = 0; i < ev->n; i++) off[ev->sub[i] + 1]++;
  for (int64_t s = 0; s < S; s++) off[s + 1] += off[s];
}

/* One event row without its subscriber (which finalize rebuilds from the offsets). */
typedef struct ev_row {
  int64_t time;
  double value;
  int32_t aux1, aux2;
  uint8_t kind, code, code2;
} ev_row;

static inline void get_row(const churn__events *ev, int64_t i, ev_row *r) {
  r->time = ev->time[i];
  r->value = ev->value[i];
  r->aux1 = ev->aux1[i];
  r->aux2 = ev->aux2[i];
  r->kind = ev->kind[i];
  r->code = ev->code[i];
  r->code2 = ev->code2[i];
}

static inline void put_row(churn__events *ev, int64_t i, const ev_row *r) {
  ev->time[i] = r->time;
  ev->value[i] = r->value;
  ev->aux1[i] = r->aux1;
  ev->aux2[i] = r->aux2;
  ev->kind[i] = r->kind;
  ev->code[i] = r->code;
  ev->code2[i] = r->code2;
}

/* Applies new[j] = old[perm[j]] to the columns but sub in place by following the permutation's
 * cycles (a visited entry of perm is set to UINT32_MAX).  Needs no memory, but the walk is a
 * chain of dependent cache misses, about 3x slower than gathering through a scratch column:
 * the fallback when that scratch cannot be allocated. */
static void permute_in_place(churn__events *ev, uint32_t *perm) {
  const uint32_t done = UINT32_MAX;
  for (int64_t i = 0; i < ev->n; i++) {
    if (perm[i] == done) continue;
    if (perm[i] == (uint32_t)i) {
      perm[i] = done;
      continue;
    }
    ev_row saved, moving;
    get_row(ev, i, &saved);
    int64_t j = i;
    for (;;) {
      int64_t k = perm[j];
      perm[j] = done;
      if (k == i) {
        put_row(ev, j, &saved);
        break;
      }
      get_row(ev, k, &moving);
      put_row(ev, j, &moving);
      j = k;
    }
  }
}

#define GATHER(col, T)                                                  \
  do {                                                                  \
    T *dst_ = scratch;                                                  \
    for (int64_t i_ = 0; i_ < n; i_++) dst_[i_] = (col)[perm[i_]];      \
    memcpy((col), dst_, (size_t)n * sizeof(T));                         \
  } while (0)

/* Applies the permutation to every column.  The subscriber column is implied by the offsets
 * once sorted, so it is released first and rebuilt at the end in perm's memory: the peak above
 * the log is perm (4 bytes per event) + one 8-byte scratch column - the 4-byte subscriber
 * column = 8 bytes per event.  Cannot fail. */
static void apply_permutation(churn__events *ev, uint32_t *perm, const int64_t *off, int64_t S) {
  int64_t n = ev->n;
  churn__free(ev->sub);
  ev->sub = NULL;
  void *scratch = churn__malloc_array((size_t)n, sizeof(int64_t));
  if (scratch != NULL) {
    GATHER(ev->time, int64_t);
    GATHER(ev->value, double);
    GATHER(ev->aux1, int32_t);
    GATHER(ev->aux2, int32_t);
    GATHER(ev->kind, uint8_t);
    GATHER(ev->code, uint8_t);
    GATHER(ev->code2, uint8_t);
    churn__free(scratch);
  } else {
    permute_in_place(ev, perm);
  }
  int32_t *sub = (int32_t *)perm;
  for (int64_t s = 0; s < S; s++) {
    for (int64_t e = off[s]; e < off[s + 1]; e++) sub[e] = (int32_t)s;
  }
  ev->sub = sub;
  ev->cap = (size_t)n; /* sub holds n; the next append grows every column again */
}

/* Sorts the log by (subscriber, time, kind), stable: a counting sort by subscriber, then a merge
 * sort of each subscriber's rows when they are out of order; then the rows are permuted (see
 * apply_permutation: 8 bytes per event above the log at the peak, plus 8 per subscriber). */
static churn_status sort_log(churn__events *ev, const int64_t *off, int64_t S) {
  int64_t n = ev->n;
  uint32_t *perm = churn__malloc_array((size_t)n, sizeof *perm);
  int64_t *pos = churn__malloc_array((size_t)S + 1, sizeof *pos);
  if (perm == NULL || pos == NULL) {
    churn__free(perm);
    churn__free(pos);
    return churn__nomem("sorting the event log");
  }
  memcpy(pos, off, (size_t)(S + 1) * sizeof *pos);
  for (int64_t i = 0; i < n; i++) perm[pos[ev->sub[i]]++] = (uint32_t)i;
  churn__free(pos);
  sort_ctx c = {ev->time, ev->kind};
  int64_t maxseg = 0;
  for (int64_t s = 0; s < S; s++) {
    if (off[s + 1] - off[s] > maxseg) maxseg = off[s + 1] - off[s];
  }
  uint32_t *tmp = NULL;
  for (int64_t s = 0; s < S; s++) {
    uint32_t *seg = perm + off[s];
    int64_t m = off[s + 1] - off[s];
    bool sorted = true;
    for (int64_t i = 1; i < m && sorted; i++) sorted = !key_less(&c, seg[i], seg[i - 1]);
    if (sorted) continue;
    if (tmp == NULL) tmp = churn__malloc_array((size_t)maxseg, sizeof *tmp);
    if (tmp == NULL) {
      churn__free(perm);
      return churn__nomem("sorting the event log");
    }
    merge_sort(&c, seg, tmp, m);
  }
  churn__free(tmp);
  apply_permutation(ev, perm, off, S); /* perm becomes the subscriber column */
  return CHURN_OK;
}

static bool rows_equal(const churn__events *ev, int64_t a, int64_t b) {
  return ev->code[a] == ev->code[b] && ev->code2[a] == ev->code2[b] &&
         ev->value[a] == ev->value[b] && ev->aux1[a] == ev->aux1[b] && ev->aux2[a] == ev->aux2[b];
}

/* Orders rows by content (code, code2, value, aux1, aux2), then by row. */
static bool content_less(const churn__events *ev, int64_t a, int64_t b) {
  if (ev->code[a] != ev->code[b]) return ev->code[a] < ev->code[b];
  if (ev->code2[a] != ev->code2[b]) return ev->code2[a] < ev->code2[b];
  if (ev->value[a] != ev->value[b]) return ev->value[a] < ev->value[b];
  if (ev->aux1[a] != ev->aux1[b]) return ev->aux1[a] < ev->aux1[b];
  if (ev->aux2[a] != ev->aux2[b]) return ev->aux2[a] < ev->aux2[b];
  return a < b;
}

static void sort_by_content(const churn__events *ev, int64_t *idx, int64_t *tmp, int64_t n) {
  if (n <= 16) {
    for (int64_t i = 1; i < n; i++) {
      int64_t v = idx[i], j = i;
      for (; j > 0 && content_less(ev, v, idx[j - 1]); j--) idx[j] = idx[j - 1];
      idx[j] = v;
    }
    return;
  }
  int64_t h = n / 2;
  sort_by_content(ev, idx, tmp, h);
  sort_by_content(ev, idx + h, tmp, n - h);
  memcpy(tmp, idx, (size_t)h * sizeof *idx);
  int64_t i = 0, j = h, k = 0;
  while (i < h && j < n) idx[k++] = content_less(ev, idx[j], tmp[i]) ? idx[j++] : tmp[i++];
  while (i < h) idx[k++] = tmp[i++];
}

/* Marks exact duplicates (a later row equal to an earlier one in all columns) in dup[] and
 * counts them in *found.  Equal rows share (subscriber, time, kind), so they sit in one run of
 * the sorted log.  Short runs (the usual case) are compared pairwise; a long run is sorted by
 * content so that the cost stays O(r log r). */
static churn_status mark_duplicates(const churn__events *ev, uint8_t *dup, int64_t *found) {
  enum { PAIRWISE_MAX = 32 };
  int64_t *idx = NULL, *tmp = NULL;
  *found = 0;
  for (int64_t a = 0; a < ev->n;) {
    int64_t b = a + 1;
    while (b < ev->n && ev->sub[b] == ev->sub[a] && ev->time[b] == ev->time[a] &&
           ev->kind[b] == ev->kind[a]) {
      b++;
    }
    int64_t r = b - a;
    if (r <= PAIRWISE_MAX) {
      for (int64_t j = a + 1; j < b; j++) {
        for (int64_t i = a; i < j; i++) {
          if (!dup[i] && rows_equal(ev, i, j)) {
            dup[j] = 1;
            (*found)++;
            break;
          }
        }
      }
    } else {
      int64_t *ni = churn__realloc(idx, (size_t)r * sizeof *idx);
      if (ni) idx = ni;
      int64_t *nt = ni ? churn__realloc(tmp, (size_t)r * sizeof *tmp) : NULL;
      if (nt) tmp = nt;
      if (ni == NULL || nt == NULL) {
        churn__free(idx);
        churn__free(tmp);
        return churn__nomem("duplicate search");
      }
      for (int64_t k = 0; k < r; k++) idx[k] = a + k;
      sort_by_content(ev, idx, tmp, r);
      for (int64_t k = 1; k < r; k++) {
        if (rows_equal(ev, idx[k - 1], idx[k])) {
          dup[idx[k]] = 1; /* idx[k] > idx[k-1]: the later row of an equal pair */
          (*found)++;
        }
      }
    }
    a = b;
  }
  churn__free(idx);
  churn__free(tmp);
  return CHURN_OK;
}

static void remove_marked(churn__events *ev, const uint8_t *dup) {
  int64_t k = 0;
  for (int64_t i = 0; i < ev->n; i++) {
    if (dup[i]) continue;
    ev->sub[k] = ev->sub[i];
    ev->time[k] = ev->time[i];
    ev->kind[k] = ev->kind[i];
    ev->code[k] = ev->code[i];
    ev->code2[k] = ev->code2[i];
    ev->value[k] = ev->value[i];
    ev->aux1[k] = ev->aux1[i];
    ev->aux2[k] = ev->aux2[i];
    k++;
  }
  ev->n = k;
}

CHURN_API churn_status churn_dataset_finalize(churn_dataset *ds, const churn_options *opts) {
  CHURN_CHECK_ARG(ds != NULL, "churn_dataset_finalize: ds is NULL");
  churn__ingest_cfg cfg;
  CHURN_TRY(churn__ingest_cfg_read(opts, &cfg));
  churn__events *ev = &ds->ev;
  int64_t S = ds->subs.n;
  if (ev->finalized && !(cfg.dedup && ds->report.count[CHURN_COUNT_DUPLICATE_EVENTS] > 0)) {
    return CHURN_OK;
  }
  int64_t *off = churn__malloc_array((size_t)S + 1, sizeof *off);
  if (off == NULL) return churn__nomem("event offsets");
  count_offsets(ev, S, off);
  churn_status st = CHURN_OK;
  if (!log_is_sorted(ev)) st = sort_log(ev, off, S);
  uint8_t *dup = st == CHURN_OK ? churn__calloc((size_t)ev->n + 1, 1) : NULL;
  if (st == CHURN_OK && dup == NULL) st = churn__nomem("duplicate marks");
  if (st != CHURN_OK) {
    churn__free(off);
    return st;
  }
  int64_t found;
  st = mark_duplicates(ev, dup, &found);
  if (st != CHURN_OK) {
    churn__free(dup);
    churn__free(off);
    return st;
  }
  ds->report.count[CHURN_COUNT_DUPLICATE_EVENTS] = found;
  if (cfg.dedup && found > 0) {
    remove_marked(ev, dup);
    count_offsets(ev, S, off);
    ds->report.count[CHURN_COUNT_DUPLICATES_REMOVED] += found;
    ds->report.count[CHURN_COUNT_DUPLICATE_EVENTS] = 0;
  }
  churn__free(dup);
  churn__free(ev->off);
  ev->off = off;
  ev->finalized = true;
  return CHURN_OK;
}

/* --- getters ------------------------------------------------------------------------------------ */

CHURN_API int churn_dataset_is_finalized(const churn_dataset *ds) {
  return ds != NULL && ds->ev.finalized;
}

CHURN_API int64_t churn_dataset_num_events(const churn_dataset *ds) { return ds ? ds->ev.n : 0; }

CHURN_API churn_status churn_dataset_event_column(const churn_dataset *ds, const char *name,
                                                  churn_dtype *dtype, const void **data) {
  CHURN_CHECK_ARG(ds != NULL && name != NULL && dtype != NULL && data != NULL,
                  "churn_dataset_event_column: arguments must not be NULL");
  const churn__events *ev = &ds->ev;
  static const char *const names[] = {"subscriber", "time",  "kind", "code",
                                      "code2",      "value", "aux1", "aux2"};
  const void *ptrs[] = {ev->sub, ev->time, ev->kind, ev->code, ev->code2, ev->value, ev->aux1,
                        ev->aux2};
  static const churn_dtype types[] = {CHURN_I32, CHURN_I64, CHURN_U8,  CHURN_U8,
                                      CHURN_U8,  CHURN_F64, CHURN_I32, CHURN_I32};
  for (int k = 0; k < 8; k++) {
    if (strcmp(names[k], name) == 0) {
      *dtype = types[k];
      *data = ptrs[k];
      return CHURN_OK;
    }
  }
  return churn__fail(CHURN_E_NOT_FOUND, "no event column '%s'", name);
}

CHURN_API churn_status churn_dataset_event_offsets(const churn_dataset *ds, const int64_t **off) {
  CHURN_CHECK_ARG(off != NULL, "churn_dataset_event_offsets: off is NULL");
  CHURN_TRY(churn__dataset_require_finalized(ds, "churn_dataset_event_offsets"));
  *off = ds->ev.off;
  return CHURN_OK;
}
