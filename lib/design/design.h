/*
 * design.h -- the inside of a churn_design (the model.matrix-like encoding of a flat table),
 * shared by the files that learn it (design_learn.c), read tables through it (design_csv.c,
 * design_columns.c), persist it (design_io.c) and score with it (design_score.c).  Never
 * installed.
 *
 * A design knows the training table's columns (dcol), each with a role.  A feature column
 * has "slots": a numeric column one slot (its value), a string column one slot per level (in
 * byte order); with missing-value filling a last slot for "COL=missing".  Each slot maps to
 * an encoded feature index or -1 (the reference level, a constant or a duplicate column).
 */
#ifndef CHURN_DESIGN_H
#define CHURN_DESIGN_H

#include <pthread.h>
#include "common/internal.h"
#include "data/dataset.h"

enum { DROLE_FEATURE = 0, DROLE_ID, DROLE_LABEL, DROLE_WEIGHT, DROLE_CLUSTER, DROLE_TIME,
       DROLE_EXCLUDED };
enum { DTYPE_NUM = 0, DTYPE_CAT = 1 };
enum { DMISS_REJECT = 0, DMISS_MEAN = 1, DMISS_ZERO = 2 };
enum { DF_MISSING = 0, DF_NUM = 1, DF_STR = 2 };

/* One field of a row: its text (p may be NULL for an in-memory number) and, for DF_NUM, x. */
typedef struct churn__dfield {
  const char *p;
  size_t len;
  double x;
  int kind;
} churn__dfield;

/* Classifies the text of a field: missing word, finite number, or string. */
void churn__dfield_classify(churn__dfield *f, const char *p, size_t len);

/* What the learning pass gathers about one column (freed after finalising). */
typedef struct churn__dlearn {
  churn__dict seen;        /* distinct texts (up to max_levels + 1) */
  int64_t *count;          /* per seen code */
  uint64_t *hash;          /* per seen code: sum of row mixes of rows with that text */
  size_t cap;
  bool overflow;
  int64_t n_num, n_str;
  int64_t n_missing, first_rejected; /* rows rejected for this column, the first one's line */
  int64_t n_filled;        /* kept rows with the value missing (filled) */
  int64_t first_str_line;
  char *first_str;
  double mean, m2, min, max; /* numbers among kept rows (Welford) */
  int64_t nnz_num;
  uint64_t hash_num, hash_missing;
} churn__dlearn;

typedef struct churn__dcol {
  char *name;
  int role;
  int type;                /* features: DTYPE_* */
  churn__dict levels;      /* string features: code = position in byte order */
  int32_t ref;             /* reference level, -1 none */
  double fill;             /* numeric fill value (design.missing 1 or 2) */
  bool missing_col;        /* has a "COL=missing" slot */
  int32_t nslots;
  int64_t *slot_feat;      /* per slot: encoded feature index or -1 */
  churn__dlearn *learn;    /* during learning only */
} churn__dcol;

typedef struct churn__drep {
  char *kind, *column, *detail;
  int64_t count, line;
} churn__drep;

struct churn_design {
  /* configuration */
  char *label, *positive, *weight, *cluster, *time, *ids, *exclude;
  int missing, reference;
  int64_t max_levels, top, reasons;
  /* learned */
  bool learned;
  churn__dcol *cols;
  size_t ncols;
  int64_t d;
  char **names;            /* d encoded names */
  int32_t *feat_col;       /* per feature: its column */
  char *label1, *label0;   /* label texts meaning 1 and 0 (training only; NULL when loaded) */
  int64_t nkept;           /* rows kept by the learning pass */
  /* learning: ids seen (id, or id \x1f time) and the line of each */
  churn__dict id_seen;
  int64_t *id_line;
  size_t id_cap;
  churn__dict label_seen;
  churn__dict months;      /* learning: time values of the kept rows, and their counts */
  int64_t *month_count;
  size_t month_cap;
  /* report of the last call; report_lock serialises the calls that write it (scoring a CSV
   * file) and read it, so threads may share one learned design */
  churn__drep *rep;
  size_t nrep, rep_cap;
  pthread_mutex_t report_lock;
};

/* --- design.c ------------------------------------------------------------------------------ */

/* Whether name is in a comma-separated list. */
bool churn__design_in_list(const char *list, const char *name);
/* Empties the report / adds a row to it. */
void churn__design_report_clear(churn_design *D);
churn_status churn__design_report_add(churn_design *D, const char *kind, const char *column,
                                      int64_t count, int64_t line, const char *fmt, ...)
    CHURN_PRINTF(6, 7);
/* Sets D->cols from the training table's header (roles from the configuration), checking that
 * every named column exists and none repeats.  source names the table in messages. */
churn_status churn__design_set_columns(churn_design *D, const char *const *names, size_t n,
                                       const char *source);
void churn__dcol_free(churn__dcol *c);

/* Encodes the features of one row: f[c] is the field of design column c (only features are
 * read).  Returns true and x[0..d) when the row is kept; false when a missing value rejects it
 * (*bad_col receives the column).  unseen (NULL or ncols counters) counts unseen levels and
 * unseen_first (NULL or ncols) keeps the first unseen field per column. */
bool churn__design_encode(const churn_design *D, const churn__dfield *f, double *x,
                          size_t *bad_col, int64_t *unseen, churn__dfield *unseen_first);

/* --- design_learn.c ------------------------------------------------------------------------ */

churn_status churn__design_learn_begin(churn_design *D);
/* One row of the training table; line for messages (0 for in-memory rows, then row + 1 is
 * shown as "row"). */
churn_status churn__design_learn_row(churn_design *D, const churn__dfield *f, int64_t line,
                                     const char *source);
/* Decides types, levels, references, fills and drops; sets D->learned. */
churn_status churn__design_learn_end(churn_design *D, const char *source);
/* The label of a kept training row: 0/1 by the learned mapping. */
double churn__design_label_value(const churn_design *D, const churn__dfield *f);
/* Whether a training row is rejected (missing feature in reject mode, missing label, weight,
 * cluster or id, negative weight); *col the column, *why the reason. */
bool churn__design_row_rejected(const churn_design *D, const churn__dfield *f, size_t *col,
                                const char **why);

/* --- design_io.c --------------------------------------------------------------------------- */

/* The learned encoding as a checksummed "churn-design" image (churn__free the bytes). */
churn_status churn__design_encode_image(const churn_design *D, uint8_t **data, size_t *len);

#endif
