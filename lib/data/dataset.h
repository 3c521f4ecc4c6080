/*
 * dataset.h -- the internal layout of churn_dataset, read directly by the feature, label,
 * warning, KPI and simulator modules.  Never installed.
 *
 * Subscribers are a struct of arrays indexed by the dense index s in [0, S); events are a
 * struct of arrays of n rows.  After churn_dataset_finalize (ev.finalized == true) the events
 * are sorted by (subscriber, time, kind), stable, and the events of subscriber s are the rows
 * [ev.off[s], ev.off[s+1]).  A reader that needs the index checks ev.finalized (or calls
 * churn__dataset_require_finalized) and then reads the arrays in place:
 *
 *   const churn__events *ev = &ds->ev;
 *   for (int64_t s = 0; s < ds->subs.n; s++)
 *     for (int64_t e = ev->off[s]; e < ev->off[s + 1]; e++)
 *       switch (ev->kind[e]) { case CHURN_EV_BILL: ... ev->value[e] ... ev->time[e] ... }
 *
 * Per-kind meaning of code/code2/value/aux1/aux2: see churn_event_kind in churn.h.
 * 31 bytes per event: int32 sub + int64 time + 3 x uint8 + float64 value + 2 x int32 aux.
 * Guarantees for readers: times lie in CHURN_TIME_MIN..CHURN_TIME_MAX (subscriber dates may
 * also be CHURN_TIME_NONE), values are finite, kinds are nonzero (appends accept only known
 * kinds; a file from a newer minor version may hold kinds this build does not know: skip
 * them), sub is in [0, S).  Writers other than the append calls (the simulator) must keep them.
 * Column pointers may move on any append and on finalize (which releases and rebuilds sub and
 * may lower ev.cap to n), so never keep them across such calls.
 */
#ifndef CHURN_DATASET_H
#define CHURN_DATASET_H

#include "common/calendar.h"
#include "common/internal.h"

#include <math.h>

/* --- dictionaries: interned labels <-> dense codes 0..n-1 ----------------------------------- */

/* Labels are stored NUL-terminated one after another in one arena; label i starts at
 * arena + start[i] and has length start[i+1] - start[i] - 1.  An open-addressing hash index
 * finds a label's code in O(1); a slot also holds the label's offset and length, so a lookup
 * touches one slot and the label's bytes only (two cache misses in a large dictionary, and the
 * CSV reader prefetches both). */
typedef struct churn__slot {
  uint32_t tag;      /* high hash bits | 1; 0 = empty slot */
  int32_t code;
  uint64_t offlen;   /* arena offset << 16 | min(length, 0xFFFF) */
} churn__slot;

typedef struct churn__dict {
  char *arena;
  size_t arena_len, arena_cap;
  int64_t *start;   /* n + 1 offsets into arena */
  size_t start_cap;
  int32_t n;
  churn__slot *slots;
  size_t nslots;    /* a power of two, > 2 n */
} churn__dict;

void churn__dict_init(churn__dict *d);
void churn__dict_free(churn__dict *d);
/* The code of a label of len bytes, or -1. */
int32_t churn__dict_find(const churn__dict *d, const char *s, size_t len);
/* The code of a label, added if new (*added set when not NULL).  CHURN_E_NOMEM, or
 * CHURN_E_RANGE when the dictionary already holds max_codes labels. */
churn_status churn__dict_intern(churn__dict *d, const char *s, size_t len, int32_t max_codes,
                                int32_t *code, bool *added);
/* The label of a code (NUL-terminated, valid until the next intern). */
static inline const char *churn__dict_label(const churn__dict *d, int32_t code) {
  return d->arena + d->start[code];
}
static inline size_t churn__dict_label_len(const churn__dict *d, int32_t code) {
  return (size_t)(d->start[code + 1] - d->start[code] - 1);
}
/* Pipelined lookups for bulk ingestion: hash once, prefetch the slot, later take the
 * candidate (the first slot with the hash's tag: its code and label, or -1 when the probe
 * meets an empty slot first), prefetch its label, and finally confirm with
 * churn__dict_find_hashed, which is exact. */
static inline void churn__dict_prefetch(const churn__dict *d, uint64_t h) {
  if (d->nslots) __builtin_prefetch(&d->slots[(size_t)h & (d->nslots - 1)]);
}
int32_t churn__dict_candidate(const churn__dict *d, uint64_t h, const char **label);
int32_t churn__dict_find_hashed(const churn__dict *d, const char *s, size_t len, uint64_t h);
/* Forgets the labels with code >= n (rollback of a failed call). */
churn_status churn__dict_truncate(churn__dict *d, int32_t n);
/* Hash of bytes, used by the dictionaries. */
uint64_t churn__hash_bytes(const char *s, size_t len);

/* --- subscribers ------------------------------------------------------------------------------ */

/* The standard categorical subscriber columns. */
enum {
  CHURN__CAT_REGION = 0,
  CHURN__CAT_AGE_BAND = 1,
  CHURN__CAT_TIER = 2,
  CHURN__CAT_PACKAGE = 3,
  CHURN__CAT_MANAGER = 4,
  CHURN__NCAT = 5
};

/* A categorical column: codes per subscriber (-1 = missing) and their labels. */
typedef struct churn__catcol {
  int32_t *codes;
  churn__dict dict;
} churn__catcol;

/* An extra attribute named by the caller: numeric (num, NaN = missing) or categorical. */
typedef struct churn__attr {
  char *name;
  bool categorical;
  double *num;        /* when !categorical */
  churn__catcol cat;  /* when categorical */
} churn__attr;

typedef struct churn__subs {
  int64_t n;
  size_t cap;                /* capacity of every per-subscriber array */
  churn__dict ids;           /* label s = external id of subscriber s; ids.n == n */
  int64_t *activation;       /* Unix seconds, CHURN_TIME_NONE = unknown */
  int64_t *cancellation;     /* CHURN_TIME_NONE = not cancelled */
  int64_t *contract_end;     /* CHURN_TIME_NONE = no contract */
  int64_t *promotion_end;    /* CHURN_TIME_NONE = no promotion */
  churn__catcol cat[CHURN__NCAT]; /* region, age_band, tier, package, manager */
  double *price;             /* monthly price, NaN = unknown */
  int32_t *services;         /* services in the bundle, -1 = unknown */
  uint8_t *vip;              /* 0/1 */
  churn__attr *attrs;
  size_t nattrs, attrs_cap;
} churn__subs;

/* --- events ----------------------------------------------------------------------------------- */

#define CHURN__MAX_KIND 255

typedef struct churn__events {
  int64_t n;
  size_t cap;
  int32_t *sub;     /* dense subscriber index */
  int64_t *time;    /* Unix seconds */
  uint8_t *kind;    /* churn_event_kind */
  uint8_t *code;    /* per kind, see churn.h */
  uint8_t *code2;
  double *value;    /* always finite */
  int32_t *aux1;    /* CHURN_AUX_NONE = not given */
  int32_t *aux2;
  /* valid when finalized: subs.n + 1 offsets, events of s are [off[s], off[s+1]) */
  int64_t *off;
  bool finalized;
  /* labels of free-form codes per kind (genres of VIEW, fault types, complaint categories),
   * allocated on first use; NULL = none */
  churn__dict *code_dict[CHURN__MAX_KIND + 1];
} churn__events;

/* --- the ingestion report --------------------------------------------------------------------- */

typedef struct churn__rejection {
  char *source;
  int64_t row;
  char *column;
  char *reason;
} churn__rejection;

typedef struct churn__report {
  int64_t count[CHURN_COUNT_END_];
  churn__rejection *rej;
  size_t nrej, rej_cap;
} churn__report;

/* The operator's reason labels -> churn_cancel_reason (reason_map.c). */
typedef struct churn__reason_map {
  churn__dict labels;
  uint8_t *code;   /* per label */
  size_t cap;
} churn__reason_map;

struct churn_dataset {
  churn__subs subs;
  churn__events ev;
  churn__report report;
  churn__reason_map reasons;
  /* the exports' local time (churn_dataset_set_utc_offset, a mapping's utc_offset) */
  bool has_utc_offset;
  int64_t utc_offset;  /* seconds east of UTC */
};

/* Whether events of a kind carry a cancellation reason (CANCEL, CANCEL_REQUEST). */
static inline bool churn__kind_has_reason(int kind) {
  return kind == CHURN_EV_CANCEL || kind == CHURN_EV_CANCEL_REQUEST;
}
/* An operator's reason label of len bytes on an event of such a kind: interns it in the kind's
 * label dictionary (*label_index) and gives the code the reason map assigns (*code, else
 * CHURN_REASON_UNKNOWN).  CHURN_E_NOMEM or CHURN_E_RANGE (too many labels). */
churn_status churn__reason_label(churn_dataset *ds, int kind, const char *s, size_t len,
                                 uint8_t *code, int32_t *label_index);
void churn__reason_map_free(churn__reason_map *m);
/* Maps one operator's reason label (llen bytes, not empty) to target (tlen bytes: a
 * churn_cancel_reason name, or natural / competitive / service / unknown), replacing an earlier
 * mapping of the label, and recodes the stored events with that label.  The one entry point
 * for other readers of reason maps (an INI [reasons] section: wrap the error with
 * churn__context to name the line).  CHURN_E_ARG naming label and target, CHURN_E_NOMEM. */
churn_status churn__reason_map_add(churn_dataset *ds, const char *label, size_t llen,
                                   const char *target, size_t tlen);
/* The code of a reason-map target (tlen bytes): a churn_cancel_reason name, or a category
 * (natural / competitive / service: the reasons other_natural, other_competitive,
 * other_service; unknown); -1 when it is neither. */
int churn__reason_target(const char *t, size_t tlen);

/* The largest UTC offset a dataset records (18 hours, as ISO 8601 allows). */
#define CHURN__MAX_UTC_OFFSET (18 * 3600)

/* CHURN_OK when ds is finalized, else CHURN_E_STATE naming fn. */
churn_status churn__dataset_require_finalized(const churn_dataset *ds, const char *fn);

/* --- shared between dataset.c, events.c, csv.c, dataset_io.c ---------------------------------- */

/* Ingestion settings read once from a churn_options (or defaults when opts is NULL). */
typedef struct churn__ingest_cfg {
  bool strict;
  int unknown;          /* 0 fail, 1 reject, 2 create */
  bool keep_before_activation;
  bool dedup;
  int64_t max_reported;
  const char *id_column;
  char delimiter;
  int64_t block_size;
  bool unix_times;      /* bare integers in date columns are Unix seconds */
  int64_t threads;      /* events CSV parse threads, 0 = one per core */
} churn__ingest_cfg;

churn_status churn__ingest_cfg_read(const churn_options *opts, churn__ingest_cfg *cfg);

/* A point to roll back to when a strict call fails. */
typedef struct churn__checkpoint {
  int64_t nsubs, nevents;
  int32_t cat_n[CHURN__NCAT];
  size_t nattrs;
  int32_t *attr_cat_n;  /* per existing attribute */
  int32_t code_dict_n[CHURN__MAX_KIND + 1];
  bool finalized;
  churn__report report_counts_only; /* counts copied; rej not owned */
} churn__checkpoint;

churn_status churn__checkpoint_take(const churn_dataset *ds, churn__checkpoint *cp);
void churn__checkpoint_restore(churn_dataset *ds, churn__checkpoint *cp);
void churn__checkpoint_free(churn__checkpoint *cp);

/* Records a rejected row: bumps CHURN_COUNT_REJECTED and `counter`, keeps the details while
 * fewer than max_reported are kept.  Returns CHURN_OK, or CHURN_E_NOMEM. */
churn_status churn__report_reject(churn_dataset *ds, const churn__ingest_cfg *cfg,
                                  churn_ingest_counter counter, const char *source, int64_t row,
                                  const char *column, const char *fmt, ...) CHURN_PRINTF(7, 8);

/* Adds a note to the ingest report (an ignored column: row 1, the header line) without
 * counting a rejected row, while fewer than max_reported entries are kept; strict mode is not
 * triggered.  CHURN_OK or CHURN_E_NOMEM. */
churn_status churn__report_note(churn_dataset *ds, const churn__ingest_cfg *cfg,
                                const char *source, int64_t row, const char *column,
                                const char *fmt, ...) CHURN_PRINTF(6, 7);

/* Capacity: makes every subscriber array (and attributes) hold at least need rows. */
churn_status churn__subs_reserve(churn__subs *s, int64_t need);
/* Adds one subscriber with every field "none"; its dense index in *index. */
churn_status churn__subs_add(churn__subs *s, const char *id, size_t len, int64_t *index);
/* Finds or adds an attribute column by name (numeric or categorical). */
churn_status churn__subs_attr(churn__subs *s, const char *name, bool categorical, size_t *j);
/* churn__subs_attr when the caller already looked the name up: k is its attribute index, or
 * SIZE_MAX for a new attribute (wide files look names up in churn__attr_names). */
churn_status churn__subs_attr_at(churn__subs *s, size_t k, const char *name, bool categorical,
                                 size_t *j);
/* A dictionary of the attribute names (code = attribute index), for lookups in linear time
 * when a file has many columns.  Freed with churn__dict_free (also on failure). */
churn_status churn__attr_names(const churn__subs *s, churn__dict *names);
/* Callers with more columns than this look names up in a dictionary instead of by scanning. */
#define CHURN__NAME_SCAN_MAX 64
/* The first of n names (each at base + j * stride bytes, a const char *) equal to an earlier
 * one: its index in *dup, SIZE_MAX if all differ.  Linear time; CHURN_E_NOMEM. */
churn_status churn__first_repeat(const void *base, size_t stride, size_t n, size_t *dup);
/* Shrinks the subscriber table back to n rows (and the id dictionary). */
churn_status churn__subs_truncate(churn__subs *s, int64_t n);

/* Capacity of every event array. */
churn_status churn__events_reserve(churn__events *ev, int64_t need);
/* The per-kind code dictionary, created on first use. */
churn_status churn__events_code_dict(churn__events *ev, int kind, churn__dict **out);

/* The number of fixed CSV names of the column ("code" or "code2") of kind, or -1 when its codes
 * are free (a number, or a dictionary label). */
int churn__event_code_count(int kind, bool code2);
/* Fixed CSV names of codes: the code of `name` for the column ("code" or "code2") of `kind`;
 * returns 1 found, 0 the kind has fixed names but not this one, -1 the kind has no fixed names
 * (a free-form label interned in the kind's dictionary). */
int churn__event_code_by_name(int kind, bool code2, const char *name, size_t len, int *code);
/* The enum naming the codes (code2: the second codes) of events of `kind`; 0 for none. */
churn_enum churn__event_code_enum(int kind, bool code2);
/* Whether events of a kind need a value. */
bool churn__event_kind_needs_value(int kind);
/* The kind of a name of len bytes, or 0. */
int churn__event_kind_by_name(const char *name, size_t len);

/* Caller columns (churn_column): checks names, lengths, dtypes, duplicates; *length = rows. */
churn_status churn__check_columns(const churn_column *cols, size_t ncols, const char *fn,
                                  int64_t *length);
static inline bool churn__is_int_dtype(churn_dtype t) {
  return t == CHURN_I64 || t == CHURN_I32 || t == CHURN_U8;
}
static inline bool churn__is_num_dtype(churn_dtype t) {
  return churn__is_int_dtype(t) || t == CHURN_F64 || t == CHURN_F32;
}
/* Whether cell i is missing (valid mask 0, or a NULL string). */
static inline bool churn__col_missing(const churn_column *c, int64_t i) {
  if (c->valid && !c->valid[i]) return true;
  return c->dtype == CHURN_STR && ((const char *const *)c->data)[i] == NULL;
}
static inline double churn__col_f64(const churn_column *c, int64_t i) {
  switch (c->dtype) {
    case CHURN_F64: return ((const double *)c->data)[i];
    case CHURN_F32: return ((const float *)c->data)[i];
    case CHURN_I64: return (double)((const int64_t *)c->data)[i];
    case CHURN_I32: return ((const int32_t *)c->data)[i];
    case CHURN_U8: return ((const uint8_t *)c->data)[i];
    default: return NAN;
  }
}
static inline int64_t churn__col_i64(const churn_column *c, int64_t i) {
  switch (c->dtype) {
    case CHURN_I64: return ((const int64_t *)c->data)[i];
    case CHURN_I32: return ((const int32_t *)c->data)[i];
    case CHURN_U8: return ((const uint8_t *)c->data)[i];
    default: return 0;
  }
}

/* The append calls without checkpoint (csv.c batches into them): rows are numbered lines[i]
 * in reports when lines is given, else i.  A strict rejection returns CHURN_E_REJECTED. */
churn_status churn__append_subscribers(churn_dataset *ds, const churn_column *cols, size_t ncols,
                                       const churn__ingest_cfg *cfg, const char *source,
                                       const int64_t *lines);

/* A batch of parsed events on their way into the log (csv.c and the column append fill one,
 * churn__append_event_batch validates and copies the rows not marked dead). */
#define CHURN__BATCH_ROWS 65536
enum { CHURN__ROW_DEAD = 1, CHURN__ROW_NO_VALUE = 2 };
typedef struct churn__evbatch {
  int64_t n;
  int32_t *sub;
  int64_t *time;
  uint8_t *kind, *code, *code2;
  double *value;
  int32_t *aux1, *aux2;
  uint8_t *flags;   /* CHURN__ROW_* */
  int64_t *row;     /* row or line number for reports */
} churn__evbatch;

churn_status churn__evbatch_init(churn__evbatch *b);
void churn__evbatch_free(churn__evbatch *b);
/* Validates batch row r once its columns are filled (kind, value, activation): marks it dead
 * and reports it when it is rejected (CHURN_E_REJECTED in strict mode). */
churn_status churn__check_event_row(churn_dataset *ds, churn__evbatch *b, int64_t r,
                                    const churn__ingest_cfg *cfg, const char *source);
/* Copies the live rows of a batch into the log and empties the batch. */
churn_status churn__append_event_batch(churn_dataset *ds, churn__evbatch *b);

/* The dense index of an external id for an event row; on an unknown id fails (CHURN_E_NOT_FOUND),
 * rejects the row (*idx = -1) or creates the subscriber, by cfg->unknown. */
churn_status churn__resolve_subscriber(churn_dataset *ds, const churn__ingest_cfg *cfg,
                                       const char *id, size_t len, const char *source,
                                       const char *column, int64_t row, int32_t *idx);

/* A valid time (CHURN_TIME_MIN..CHURN_TIME_MAX); CHURN_TIME_NONE is not one. */
static inline bool churn__time_ok(int64_t t) { return t >= CHURN_TIME_MIN && t <= CHURN_TIME_MAX; }

/* Parsers shared by CSV and tests (csv_parse.c).  Each returns true on success. */
/* A time: ISO-8601 date or date-time, or 8 digits YYYYMMDD; a bare integer as Unix seconds
 * only when unix_times (CHURN_OPT_INGEST_UNIX_TIMES), else false. */
bool churn__parse_time(const char *s, size_t len, bool unix_times, int64_t *out);
/* A code given as a number: decimal without leading zeros ("007" is a label, not 7). */
bool churn__parse_code_number(const char *s, size_t len, int64_t *out);
/* The check every CSV text field passes (ids, labels, header names; the mapping and wide-table
 * readers too): valid UTF-8, no NUL byte.  NULL when good, else why (written into why[cap],
 * naming the offending byte and its 1-based offset in the field). */
const char *churn__csv_text_check(const char *s, size_t len, char *why, size_t cap);
/* A field as shown in a rejection reason: at most ~60 bytes, control bytes and invalid UTF-8
 * replaced by '?', so that reports and their JSON stay valid.  cap >= 8. */
void churn__csv_show(const char *s, size_t len, char *buf, size_t cap);
bool churn__parse_f64(const char *s, size_t len, double *out);     /* accepts nan/inf */
bool churn__parse_i64(const char *s, size_t len, int64_t *out);

/* csv.c's record reader for other folders: RFC 4180 quotes, CRLF or LF, a UTF-8 BOM stripped,
 * blank lines skipped, ingest.delimiter and ingest.block_size from opts (may be NULL).  Open
 * reads the header line, whose fields are then the current record; next moves to the next record
 * (*got false at the end).  A field points into the reader's buffer and is valid until the next
 * call; it is not NUL-terminated. */
typedef struct churn__csv churn__csv;
churn_status churn__csv_open(const char *path, const churn_options *opts, churn__csv **out);
void churn__csv_close(churn__csv *c);
churn_status churn__csv_next(churn__csv *c, bool *got);
size_t churn__csv_nfields(const churn__csv *c);
const char *churn__csv_field(const churn__csv *c, size_t j, size_t *len);
int64_t churn__csv_line(const churn__csv *c);   /* the 1-based line of the current record */

#endif
