/*
 * spells.h -- the library's one churn definition (churn.definition, churn.inactive_months)
 * and the active spells it gives each subscriber, read by the labels (features/) and by every
 * KPI (kpi/), so that both count the same churn.  Never installed.
 */
#ifndef CHURN_SPELLS_H
#define CHURN_SPELLS_H

#include "dataset.h"

#define CHURN__OPEN_END INT64_MAX /* end of a spell that has not ended */
#define CHURN__SPELL_DAY 86400
#define CHURN__SPELL_MONTH (30 * CHURN__SPELL_DAY) /* non-use counts months of 30 days */

/* How a spell ended. */
enum { CHURN__END_OPEN = 0, CHURN__END_CANCEL = 1, CHURN__END_NON_USE = 2 };

/* The definition in force for one call, with what the dataset says about usage. */
typedef struct churn__churn_def {
  int definition;       /* churn_label_definition */
  bool non_use;         /* non-use is judged: definition != CANCEL and usage events exist */
  bool cancel;          /* cancellations end a spell: definition != NON_USE */
  int64_t idle;         /* N x 30 days, seconds */
  int64_t usage_start;  /* first VIEW / USAGE event of the dataset (CHURN_TIME_NONE: none) */
} churn__churn_def;

/* Reads churn.definition and churn.inactive_months (defaults when opts is NULL) and scans the
 * dataset's usage window.  CHURN_E_DATA naming fn when the definition is non_use and the
 * dataset holds no VIEW or USAGE event (non-use cannot be judged); under either such a
 * dataset is judged by cancellation alone (def->non_use false).  The dataset's events must be
 * finalized (the caller checks). */
churn_status churn__churn_def_read(const churn_dataset *ds, const churn_options *opts,
                                   const char *fn, churn__churn_def *def);

/* The active spells [start, end) of subscribers (see churn.h, "Active spells"). */
typedef struct churn__spells {
  int64_t nsubs, n;
  int64_t *off;       /* nsubs + 1: spells of s are [off[s], off[s+1]) */
  int64_t *start, *end;
  uint8_t *reason;    /* cancel reason of the spell's churn (0 unknown / open) */
  uint8_t *how;       /* CHURN__END_* */
  size_t cap;
} churn__spells;

/* Builds the spells of every subscriber of a finalized dataset (CHURN_E_STATE naming fn
 * otherwise) under the definition read from opts. */
churn_status churn__spells_build(const churn_dataset *ds, const churn_options *opts,
                                 const char *fn, churn__spells *sp);
void churn__spells_free(churn__spells *sp);

/* Scratch space for churn__spells_of: the merged changes of one subscriber. */
typedef struct churn__spell_scratch {
  void *buf;
  size_t cap;
} churn__spell_scratch;

/* Appends the spells of subscriber s to sp (sp->n grows; sp->off untouched). */
churn_status churn__spells_of(const churn_dataset *ds, const churn__churn_def *def, int64_t s,
                              churn__spell_scratch *scratch, churn__spells *sp);

#endif
