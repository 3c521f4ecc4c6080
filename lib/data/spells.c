/*
 * spells.c -- one churn definition for the whole library: each subscriber's active spells
 * under churn.definition (cancel, non_use, either) and churn.inactive_months.  A spell opens at
 * activation (or a re-activation, or the first use after a non-use churn: a return) and closes
 * at the first moment the definition holds.  The labels and every KPI read these spells, so
 * they agree by construction.
 */
#include "spells.h"

#include <string.h>

/* One change in a subscriber's history, from the table or the event log. */
typedef struct change {
  int64_t time;
  int order; /* at equal times: 0 table activation, 1 event activation, 2 use, 3 event cancel,
              * 4 table cancellation */
  uint8_t reason;
} change;

enum { CH_TABLE_ACT, CH_EVENT_ACT, CH_USE, CH_EVENT_CANCEL, CH_TABLE_CANCEL };

churn_status churn__churn_def_read(const churn_dataset *ds, const churn_options *opts,
                                   const char *fn, churn__churn_def *def) {
  int64_t d = CHURN_LABEL_EITHER, months = 3;
  if (opts) {
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_CHURN_DEFINITION, &d));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_CHURN_INACTIVE_MONTHS, &months));
  }
  memset(def, 0, sizeof *def);
  def->definition = (int)d;
  def->idle = months * CHURN__SPELL_MONTH;
  def->usage_start = CHURN_TIME_NONE;
  const churn__events *ev = &ds->ev;
  for (int64_t e = 0; e < ev->n; e++) {
    if (ev->kind[e] != CHURN_EV_VIEW && ev->kind[e] != CHURN_EV_USAGE) continue;
    if (def->usage_start == CHURN_TIME_NONE || ev->time[e] < def->usage_start) {
      def->usage_start = ev->time[e];
    }
  }
  bool usage = def->usage_start != CHURN_TIME_NONE;
  if (d == CHURN_LABEL_NON_USE && !usage) {
    return churn__fail(CHURN_E_DATA, "%s: churn.definition = non_use, but the dataset has no "
                       "VIEW or USAGE events, so non-use cannot be judged (use cancel or "
                       "either)", fn);
  }
  def->non_use = d != CHURN_LABEL_CANCEL && usage;
  def->cancel = d != CHURN_LABEL_NON_USE;
  return CHURN_OK;
}

CHURN_API churn_status churn_definition_parse(const char *name, churn_label_definition *out) {
  CHURN_CHECK_ARG(name != NULL && out != NULL,
                  "churn_definition_parse: name and out must not be NULL");
  int d = 0;
  if (!churn__enum_find_n(CHURN_ENUM_LABEL_DEFINITION, name, strlen(name), &d)) {
    return churn__fail(CHURN_E_ARG, "unknown churn definition '%s' (cancel, non_use or either)",
                       name);
  }
  *out = (churn_label_definition)d;
  return CHURN_OK;
}

static void sort_changes(change *c, size_t n) {
  for (size_t i = 1; i < n; i++) { /* nearly sorted already: insertion sort */
    change x = c[i];
    size_t j = i;
    while (j > 0 && (c[j - 1].time > x.time ||
                     (c[j - 1].time == x.time && c[j - 1].order > x.order))) {
      c[j] = c[j - 1];
      j--;
    }
    c[j] = x;
  }
}

/* Collects subscriber s's changes (uses only when non-use is judged), sorted. */
static churn_status collect_changes(const churn_dataset *ds, const churn__churn_def *def,
                                    int64_t s, churn__spell_scratch *scratch, size_t *n) {
  const churn__events *ev = &ds->ev;
  int64_t lo = ev->n > 0 ? ev->off[s] : 0, hi = ev->n > 0 ? ev->off[s + 1] : 0;
  size_t need = 2;
  for (int64_t e = lo; e < hi; e++) {
    int k = ev->kind[e];
    need += k == CHURN_EV_ACTIVATION || k == CHURN_EV_CANCEL ||
            (def->non_use && (k == CHURN_EV_VIEW || k == CHURN_EV_USAGE));
  }
  if (!churn__grow(&scratch->buf, &scratch->cap, need, sizeof(change))) {
    return churn__nomem("churn spells");
  }
  change *c = scratch->buf;
  size_t m = 0;
  if (ds->subs.activation[s] != CHURN_TIME_NONE) {
    c[m++] = (change){ds->subs.activation[s], CH_TABLE_ACT, 0};
  }
  for (int64_t e = lo; e < hi; e++) {
    int k = ev->kind[e];
    if (k == CHURN_EV_ACTIVATION) c[m++] = (change){ev->time[e], CH_EVENT_ACT, 0};
    if (k == CHURN_EV_CANCEL) c[m++] = (change){ev->time[e], CH_EVENT_CANCEL, ev->code[e]};
    if (def->non_use && (k == CHURN_EV_VIEW || k == CHURN_EV_USAGE)) {
      c[m++] = (change){ev->time[e], CH_USE, 0};
    }
  }
  if (ds->subs.cancellation[s] != CHURN_TIME_NONE) {
    c[m++] = (change){ds->subs.cancellation[s], CH_TABLE_CANCEL, 0};
  }
  sort_changes(c, m);
  *n = m;
  return CHURN_OK;
}

static churn_status push_spell(churn__spells *sp, int64_t start, int64_t end, uint8_t reason,
                               uint8_t how) {
  if ((size_t)sp->n + 1 > sp->cap) {
    size_t want = sp->cap ? sp->cap * 2 : 1024;
    int64_t *a = churn__realloc(sp->start, want * sizeof *a);
    if (a) sp->start = a;
    int64_t *b = a ? churn__realloc(sp->end, want * sizeof *b) : NULL;
    if (b) sp->end = b;
    uint8_t *r = b ? churn__realloc(sp->reason, want * sizeof *r) : NULL;
    if (r) sp->reason = r;
    uint8_t *h = r ? churn__realloc(sp->how, want * sizeof *h) : NULL;
    if (h == NULL) return churn__nomem("churn spells");
    sp->how = h;
    sp->cap = want;
  }
  sp->start[sp->n] = start;
  sp->end[sp->n] = end;
  sp->reason[sp->n] = reason;
  sp->how[sp->n] = how;
  sp->n++;
  return CHURN_OK;
}

static int64_t later(int64_t a, int64_t b) { return a > b ? a : b; }

/* The state machine over one subscriber's sorted changes.  While a spell is open, `last` is
 * the later of its last use and the start of the non-use clock (the later of the spell's
 * start and the usage data's start); the spell closes by non-use at last + idle when nothing
 * keeps it open by then.  (The caller must hold the events up to the end of the period it
 * asks about: silence after the data is taken as non-use, as the labels always did.) */
churn_status churn__spells_of(const churn_dataset *ds, const churn__churn_def *def, int64_t s,
                              churn__spell_scratch *scratch, churn__spells *sp) {
  size_t m = 0;
  CHURN_TRY(collect_changes(ds, def, s, scratch, &m));
  const change *c = scratch->buf;
  size_t first = 0; /* the first activation or cancellation decides the initial state */
  while (first < m && c[first].order == CH_USE) first++;
  bool known = ds->subs.activation[s] != CHURN_TIME_NONE;
  bool active = !known && !(first < m && c[first].order <= CH_EVENT_ACT);
  bool silent = false;       /* closed by non-use and not back yet */
  int64_t start = CHURN_TIME_NONE, last = def->usage_start, silent_spell = -1;
  uint8_t pending = 0;       /* a cancel reason seen while non-use decides (non_use) */
  for (size_t i = 0; i < m; i++) {
    if (active && def->non_use && last + def->idle < c[i].time) {
      CHURN_TRY(push_spell(sp, start, last + def->idle, pending, CHURN__END_NON_USE));
      active = false;
      silent = true;
      silent_spell = sp->n - 1;
    }
    switch (c[i].order) {
      case CH_TABLE_ACT:
      case CH_EVENT_ACT:
        if (!active) {
          active = true;
          silent = false;
          start = c[i].time;
          last = later(start, def->usage_start);
          pending = 0;
        }
        break;
      case CH_USE:
        if (active) {
          last = later(last, c[i].time);
        } else if (silent) { /* a return after a non-use churn */
          active = true;
          silent = false;
          start = last = c[i].time;
          pending = 0;
        }
        break;
      default: /* cancellations */
        if (active && def->cancel) {
          CHURN_TRY(push_spell(sp, start, c[i].time, c[i].reason, CHURN__END_CANCEL));
          active = false;
        } else if (active) {
          if (pending == 0) pending = c[i].reason;
        } else if (silent && sp->reason[silent_spell] == 0) {
          sp->reason[silent_spell] = c[i].reason; /* the silent churn's cause, now known */
        }
        break;
    }
  }
  if (active && def->non_use) {
    CHURN_TRY(push_spell(sp, start, last + def->idle, pending, CHURN__END_NON_USE));
    active = false;
  }
  if (active) CHURN_TRY(push_spell(sp, start, CHURN__OPEN_END, 0, CHURN__END_OPEN));
  return CHURN_OK;
}

void churn__spells_free(churn__spells *sp) {
  churn__free(sp->off);
  churn__free(sp->start);
  churn__free(sp->end);
  churn__free(sp->reason);
  churn__free(sp->how);
  memset(sp, 0, sizeof *sp);
}

churn_status churn__spells_build(const churn_dataset *ds, const churn_options *opts,
                                 const char *fn, churn__spells *sp) {
  memset(sp, 0, sizeof *sp);
  CHURN_CHECK_ARG(ds != NULL, "%s: dataset is NULL", fn);
  if (!ds->ev.finalized && ds->ev.n > 0) {
    return churn__fail(CHURN_E_STATE, "%s: the dataset is not finalized "
                       "(call churn_dataset_finalize after appending)", fn);
  }
  churn__churn_def def;
  CHURN_TRY(churn__churn_def_read(ds, opts, fn, &def));
  sp->nsubs = ds->subs.n;
  sp->off = churn__malloc_array((size_t)sp->nsubs + 1, sizeof *sp->off);
  if (sp->off == NULL) return churn__nomem("churn spells");
  churn__spell_scratch scratch = {NULL, 0};
  churn_status st = CHURN_OK;
  for (int64_t s = 0; s < sp->nsubs && st == CHURN_OK; s++) {
    sp->off[s] = sp->n;
    st = churn__spells_of(ds, &def, s, &scratch, sp);
  }
  sp->off[sp->nsubs] = sp->n;
  churn__free(scratch.buf);
  if (st != CHURN_OK) churn__spells_free(sp);
  return st;
}
