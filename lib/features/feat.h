/*
 * feat.h -- the point-in-time feature kernel shared by features.c (the public matrix),
 * labels.c and warnings.c (not "features.h": that name would shadow glibc's <features.h>): the
 * settings read from the options, the catalog of base features,
 * the column selection, and the one-pass per-subscriber computation.  Never installed.
 */
#ifndef CHURN_FEAT_H
#define CHURN_FEAT_H

#include "data/dataset.h"

#define CHURN__DAY 86400
#define CHURN__MONTH (30 * CHURN__DAY) /* section 5 counts a month as 30 days */

/* The base (numeric) catalog features, in catalog order.  Keep in step with the table in
 * features_catalog.c and the list in churn.h. */
enum {
  CHURN__F_LATE_RUN = 0,
  CHURN__F_ARREARS,
  CHURN__F_DAYS_SINCE_PAYMENT,
  CHURN__F_LATE_IN_WINDOW,
  CHURN__F_VIEW_MIN,
  CHURN__F_VIEW_MIN_PREV,
  CHURN__F_VIEW_DROP,
  CHURN__F_ACTIVE_DAYS,
  CHURN__F_GENRES,
  CHURN__F_PRIME_SHARE,
  CHURN__F_BB,
  CHURN__F_BB_TREND,
  CHURN__F_MDATA,
  CHURN__F_MDATA_TREND,
  CHURN__F_MVOICE,
  CHURN__F_MVOICE_TREND,
  CHURN__F_DAYS_SINCE_CONNECT,
  CHURN__F_OFFLINE_SHARE,
  CHURN__F_FAULTS,
  CHURN__F_CONTACT_MIN,
  CHURN__F_FIX_HOURS,
  CHURN__F_CONTACT_BREACH,
  CHURN__F_FIX_BREACH,
  CHURN__F_COMPLAINTS,
  CHURN__F_UNRESOLVED,
  CHURN__F_TENURE,
  CHURN__F_ARPU,
  CHURN__F_ARPU_CHANGE,
  CHURN__F_SERVICES,
  CHURN__F_CONTRACT_MONTHS,
  CHURN__F_IN_CONTRACT,
  CHURN__F_PROMO_ENDING,
  CHURN__F_DOWNGRADES,
  CHURN__F_UPGRADES,
  CHURN__F_SUSPENSIONS,
  CHURN__F_SUSPENDED,
  CHURN__F_VIP,
  CHURN__NBASE
};

/* Extra per-row facts the kernel learns on the way (not features). */
typedef struct churn__row_facts {
  bool cancelled;   /* a CANCEL event at or before T */
  bool has_device;  /* a HEARTBEAT or CONNECT at or before T */
} churn__row_facts;

/* Settings of the feature family, in seconds where they are durations. */
typedef struct churn__feat_cfg {
  int64_t months;         /* M */
  int64_t window;         /* L = M months, seconds */
  int64_t grace;          /* late-payment grace, seconds */
  int64_t default_due;    /* due date of a bill without one, seconds after the bill */
  int64_t promo;          /* promotion-ending horizon, seconds */
  int64_t contact_sla;    /* seconds */
  int64_t fix_sla;        /* seconds */
  int threads;
  int onehot_reference;   /* 0 most frequent, 1 first label, 2 none */
  double attr_missing;
  bool unknown_label_zero;  /* a selected one-hot label the dataset lacks: zeros, not a failure */
} churn__feat_cfg;

churn_status churn__feat_cfg_read(const churn_options *opts, churn__feat_cfg *cfg);

/* Computes the CHURN__NBASE base features of subscriber s as of T into base[], in one pass over
 * the events of s at or before T. */
void churn__feat_compute(const churn_dataset *ds, const churn__feat_cfg *cfg, int64_t s,
                         int64_t T, double *base, churn__row_facts *facts);

/* Whether subscriber s belongs in a snapshot at T by the subscriber table: activated at or
 * before T (or activation unknown) and not cancelled at or before T. */
static inline bool churn__feat_eligible(const churn_dataset *ds, int64_t s, int64_t T) {
  int64_t a = ds->subs.activation[s], c = ds->subs.cancellation[s];
  return (a == CHURN_TIME_NONE || a <= T) && (c == CHURN_TIME_NONE || c > T);
}

/* Floor division of a time by a day (correct for times before 1970 too). */
static inline int64_t churn__day_of(int64_t t) {
  int64_t d = t / CHURN__DAY;
  return (t % CHURN__DAY < 0) ? d - 1 : d;
}

/* --- catalog and selection (features_catalog.c) ------------------------------------------- */

typedef struct churn__catalog_entry {
  const char *name;
  const char *description;
  churn_category category;
  int kind;   /* 0 numeric base feature (index = position), 1 standard categorical column */
  int index;  /* base feature index, or CHURN__CAT_* */
} churn__catalog_entry;

const churn__catalog_entry *churn__catalog(size_t *n);

/* How an output column is produced. */
typedef enum churn__col_src {
  CHURN__SRC_BASE = 0,      /* base[index] */
  CHURN__SRC_ATTR = 1,      /* numeric attribute attrs[index] */
  CHURN__SRC_CAT = 2,       /* (subs.cat[index].codes[s] == code) */
  CHURN__SRC_ATTR_CAT = 3   /* (attrs[index].cat.codes[s] == code) */
} churn__col_src;

typedef struct churn__column_sel {
  churn__col_src src;
  int32_t index;
  int32_t code;
  churn_category category;
} churn__column_sel;

typedef struct churn__selection {
  size_t n;
  churn__column_sel *cols;
  char **names;  /* n owned names */
} churn__selection;

/* Resolves the caller's names (NULL/0 = everything) against the catalog and the dataset's
 * attributes.  CHURN_E_NOT_FOUND naming an unknown name, CHURN_E_ARG for a duplicate. */
churn_status churn__selection_build(const churn_dataset *ds, const char *const *names,
                                    size_t nnames, const churn__feat_cfg *cfg,
                                    churn__selection *sel);
void churn__selection_free(churn__selection *sel);

/* Writes row values of subscriber s from its base features. */
void churn__selection_write(const churn_dataset *ds, const churn__selection *sel,
                            const churn__feat_cfg *cfg, int64_t s, const double *base,
                            double *row);

/* The short lower-case name of a churn category ("service"). */
const char *churn__category_name(churn_category c);

#endif
