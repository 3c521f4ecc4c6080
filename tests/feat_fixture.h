/*
 * feat_fixture.h -- hand-made subscriber histories for the feature, label and warning tests, built
 * through the public churn_dataset_append_* calls.  Times are given relative to a reference time
 * T (2024-07-19 12:00 UTC, a Friday) in days, so the hand computations in the tests read easily.
 */
#ifndef CHURN_FEAT_FIXTURE_H
#define CHURN_FEAT_FIXTURE_H

#include "helpers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400LL
#define HOUR 3600LL
/* 2024-01-01 00:00 UTC (a Monday) + 200 days + 12 h = 2024-07-19 12:00 (a Friday). */
#define T0 (1704067200LL + 200 * DAY + 12 * HOUR)
#define NONE CHURN_TIME_NONE
#define AUXNONE ((int64_t)CHURN_AUX_NONE)

/* Relative time: T0 + d days. */
static inline int64_t at(double d) { return T0 + (int64_t)llround(d * (double)DAY); }

#define FX_MAX_SUBS 64
#define FX_MAX_EVENTS 4096

typedef struct fixture {
  int nsubs;
  const char *id[FX_MAX_SUBS];
  int64_t activation[FX_MAX_SUBS], cancellation[FX_MAX_SUBS], contract_end[FX_MAX_SUBS],
      promotion_end[FX_MAX_SUBS], services[FX_MAX_SUBS], vip[FX_MAX_SUBS];
  const char *tier[FX_MAX_SUBS], *manager[FX_MAX_SUBS], *channel[FX_MAX_SUBS];
  double age[FX_MAX_SUBS];
  int nev;
  int64_t sub[FX_MAX_EVENTS], time[FX_MAX_EVENTS], kind[FX_MAX_EVENTS], code[FX_MAX_EVENTS],
      code2[FX_MAX_EVENTS], aux1[FX_MAX_EVENTS], aux2[FX_MAX_EVENTS];
  double value[FX_MAX_EVENTS];
} fixture;

static inline fixture *fx_new(void) {
  fixture *f = calloc(1, sizeof *f);
  cr_assert(f != NULL);
  return f;
}

/* Adds a subscriber activated at `activation`; returns its dense index. */
static inline int fx_sub(fixture *f, const char *id, int64_t activation) {
  int i = f->nsubs++;
  cr_assert(i < FX_MAX_SUBS);
  f->id[i] = id;
  f->activation[i] = activation;
  f->cancellation[i] = f->contract_end[i] = f->promotion_end[i] = NONE;
  f->services[i] = 1;
  f->vip[i] = 0;
  f->age[i] = NAN;
  return i;
}

static inline void fx_ev(fixture *f, int sub, int64_t t, int kind, double value, int64_t code,
                         int64_t code2, int64_t aux1, int64_t aux2) {
  int i = f->nev++;
  cr_assert(i < FX_MAX_EVENTS);
  f->sub[i] = sub;
  f->time[i] = t;
  f->kind[i] = kind;
  f->value[i] = value;
  f->code[i] = code;
  f->code2[i] = code2;
  f->aux1[i] = aux1;
  f->aux2[i] = aux2;
}

/* Shorthands for the common kinds. */
static inline void fx_bill(fixture *f, int s, int64_t t, double amount, int64_t due_after) {
  fx_ev(f, s, t, CHURN_EV_BILL, amount, 0, 0, due_after, AUXNONE);
}
static inline void fx_pay(fixture *f, int s, int64_t t, double amount) {
  fx_ev(f, s, t, CHURN_EV_PAYMENT, amount, 0, 0, AUXNONE, AUXNONE);
}
static inline void fx_view(fixture *f, int s, int64_t t, double minutes, int genre, int slot) {
  fx_ev(f, s, t, CHURN_EV_VIEW, minutes, genre, slot, AUXNONE, AUXNONE);
}
static inline void fx_usage(fixture *f, int s, int64_t t, double volume, int type) {
  fx_ev(f, s, t, CHURN_EV_USAGE, volume, type, 0, AUXNONE, AUXNONE);
}
static inline void fx_fault(fixture *f, int s, int64_t t, int64_t contact, int64_t fixed) {
  fx_ev(f, s, t, CHURN_EV_FAULT, 0, 0, 0, contact, fixed);
}
static inline void fx_simple(fixture *f, int s, int64_t t, int kind, int code) {
  fx_ev(f, s, t, kind, 0, code, 0, AUXNONE, AUXNONE);
}

/* Builds and finalizes the dataset (with the optional attributes "age" and "channel" when any
 * subscriber has them). */
static inline churn_dataset *fx_build(const fixture *f) {
  churn_dataset *ds = NULL;
  ASSERT_OK(churn_dataset_new(&ds));
  int n = f->nsubs;
  uint8_t tier_ok[FX_MAX_SUBS], mgr_ok[FX_MAX_SUBS], ch_ok[FX_MAX_SUBS], sv_ok[FX_MAX_SUBS];
  bool any_age = false, any_channel = false;
  for (int i = 0; i < n; i++) {
    tier_ok[i] = f->tier[i] != NULL;
    mgr_ok[i] = f->manager[i] != NULL;
    ch_ok[i] = f->channel[i] != NULL;
    sv_ok[i] = f->services[i] >= 0; /* -1 = unknown */
    any_age |= !isnan(f->age[i]);
    any_channel |= f->channel[i] != NULL;
  }
  churn_column sc[12] = {
      {"subscriber_id", CHURN_STR, f->id, n, NULL, 0},
      {"activation", CHURN_I64, f->activation, n, NULL, 0},
      {"cancellation", CHURN_I64, f->cancellation, n, NULL, 0},
      {"contract_end", CHURN_I64, f->contract_end, n, NULL, 0},
      {"promotion_end", CHURN_I64, f->promotion_end, n, NULL, 0},
      {"services", CHURN_I64, f->services, n, sv_ok, 0},
      {"vip", CHURN_I64, f->vip, n, NULL, 0},
      {"tier", CHURN_STR, f->tier, n, tier_ok, 0},
      {"manager", CHURN_STR, f->manager, n, mgr_ok, 0},
  };
  size_t nc = 9;
  if (any_age) sc[nc++] = (churn_column){"age", CHURN_F64, f->age, n, NULL, 0};
  if (any_channel) sc[nc++] = (churn_column){"channel", CHURN_STR, f->channel, n, ch_ok, 0};
  if (n > 0) ASSERT_OK(churn_dataset_append_subscribers(ds, sc, nc, NULL));
  int m = f->nev;
  if (m > 0) {
    churn_column ec[8] = {
        {"subscriber_index", CHURN_I64, f->sub, m, NULL, 0},
        {"time", CHURN_I64, f->time, m, NULL, 0},
        {"kind", CHURN_I64, f->kind, m, NULL, 0},
        {"code", CHURN_I64, f->code, m, NULL, 0},
        {"code2", CHURN_I64, f->code2, m, NULL, 0},
        {"value", CHURN_F64, f->value, m, NULL, 0},
        {"aux1", CHURN_I64, f->aux1, m, NULL, 0},
        {"aux2", CHURN_I64, f->aux2, m, NULL, 0},
    };
    ASSERT_OK(churn_dataset_append_events(ds, ec, 8, NULL));
  }
  int64_t rejected = -1;
  ASSERT_OK(churn_dataset_ingest_count(ds, CHURN_COUNT_REJECTED, &rejected));
  if (rejected != 0) { /* name the first rejected row (subscriber or event) */
    churn_table *rej = NULL;
    ASSERT_OK(churn_dataset_rejections(ds, &rej));
    const char *const *reason = NULL;
    const int64_t *row = NULL;
    ASSERT_OK(churn_table_str(rej, 3, &reason));
    ASSERT_OK(churn_table_i64(rej, 1, &row));
    cr_assert_fail("fixture row %lld was rejected: %s", (long long)row[0], reason[0]);
  }
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  return ds;
}

/* The value of feature `name` in the row of subscriber s (asserts both exist). */
static inline double fx_value(const churn_features *f, int64_t s, const char *name) {
  int64_t row = -1, col = -1;
  const int64_t *sub = churn_features_subscribers(f);
  for (int64_t r = 0; r < churn_features_nrows(f); r++)
    if (sub[r] == s) row = r;
  const char *const *names = churn_features_names(f);
  for (int64_t j = 0; j < churn_features_ncols(f); j++)
    if (strcmp(names[j], name) == 0) col = j;
  cr_assert(row >= 0, "no row for subscriber %lld", (long long)s);
  cr_assert(col >= 0, "no column %s", name);
  return churn_features_matrix(f)[row * churn_features_ncols(f) + col];
}

#define ASSERT_FEAT(f, s, name, expected)                                                   \
  do {                                                                                      \
    double got_ = fx_value((f), (s), (name));                                               \
    double exp_ = (expected);                                                               \
    cr_assert(rel_close(got_, exp_, 1e-12, 1e-12), "subscriber %d %s = %.17g, expected %.17g", \
              (int)(s), (name), got_, exp_);                                                \
  } while (0)

#endif
