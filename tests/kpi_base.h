/*
 * kpi_base.h -- the hand-made subscriber base the KPI tests share, built through the public
 * churn_dataset_append_* API.  Every expected figure in tests/test_kpi_*.c is worked out by
 * hand from the table below (see the comments there).
 *
 *  idx id  activation        cancellation        region  tier  vip mgr  events
 *  0   A   2025-06-10        -                   north   high  1   m1   BILL Jan10 50, Feb10 50,
 *                                                                        Feb20 10, Mar10 50;
 *                                                                        PAYMENT Jan12 50;
 *                                                                        RETENTION Feb01 retained
 *  1   B   2025-11-03        2026-01-15          north   low   0   m1   CANCEL Jan15 price;
 *                                                                        BILL Jan05 30;
 *                                                                        RETENTION Jan10 lost
 *  2   C   2026-01-05        2026-01-25          south   low   0   m2   CANCEL Jan25 technical;
 *                                                                        RETENTION Jan20 no_answer,
 *                                                                        Jan22 retained
 *  3   D   2025-12-01        2026-02-10          south   high  1   m2   (table cancel only);
 *                                                                        BILL Jan08 40, Feb08 40;
 *                                                                        RETENTION 2025-12-15 retained
 *  4   E   2025-10-01        -                   north   high  0   m1   CANCEL Jan20 moving;
 *                                                                        ACTIVATION Mar05 (re-
 *                                                                        activation); BILL Mar20 35;
 *                                                                        RETENTION Jan18 lost,
 *                                                                        Mar01 retained
 *  5   F   2026-03-31 23:00  -                   (none)  low   0   -
 *  6   G   2026-02-01 00:00  2026-04-01 00:00    south   low   0   -    BILL Feb15 20, Mar15 20
 * (dates 2026 unless written out; times 00:00 UTC unless given.)
 * Extra subscriber columns (attributes): spend (numeric) 1..7 for A..G; channel (categorical,
 * grouped unlike region or tier): A shop, B online, C online, D shop, E shop, F online, G missing.
 */
#ifndef KPI_BASE_H
#define KPI_BASE_H

#include <churn.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "helpers.h"

/* Table columns by name, asserting the type. */
static inline const double *tcol_f64(const churn_table *t, const char *name) {
  int64_t j = -1;
  const double *d = NULL;
  ASSERT_OK(churn_table_find(t, name, &j));
  ASSERT_OK(churn_table_f64(t, j, &d));
  return d;
}

static inline const int64_t *tcol_i64(const churn_table *t, const char *name) {
  int64_t j = -1;
  const int64_t *d = NULL;
  ASSERT_OK(churn_table_find(t, name, &j));
  ASSERT_OK(churn_table_i64(t, j, &d));
  return d;
}

static inline const char *const *tcol_str(const churn_table *t, const char *name) {
  int64_t j = -1;
  const char *const *d = NULL;
  ASSERT_OK(churn_table_find(t, name, &j));
  ASSERT_OK(churn_table_str(t, j, &d));
  return d;
}

/* a == b, NaN == NaN, within 1e-14 relative. */
static inline bool same(double a, double b) {
  if (isnan(b)) return isnan(a);
  return fabs(a - b) <= 1e-14 * (fabs(b) > 1.0 ? fabs(b) : 1.0);
}

/* LeakSanitizer's explicit check, present only in sanitizer builds. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static inline void assert_no_leak(void) {
  if (__lsan_do_recoverable_leak_check) cr_assert_eq(__lsan_do_recoverable_leak_check(), 0);
}

/* One KPI call of a fault-injection test: call `which` of a test's list on ds into *t. */
typedef churn_status (*kpi_call)(const churn_dataset *ds, int which, churn_table **t);

/* Fails each allocation of each of the ncalls calls in turn.  A clean call first must succeed
 * and tells how many allocations the call makes (at least 2, so a broken injection cannot pass
 * unseen); failing any one of them must give CHURN_E_NOMEM and no table. */
static inline void kpi_allocation_failures(const churn_dataset *ds, int ncalls, kpi_call call) {
  for (int which = 0; which < ncalls; which++) {
    churn_table *t = NULL;
    churn_testing_fail_alloc(0);
    churn_status st = call(ds, which, &t);
    uint64_t points = churn_testing_fail_alloc(0);
    cr_assert_eq(st, CHURN_OK, "call %d: %s", which, churn_last_error());
    churn_table_free(t);
    cr_assert_geq(points, 2, "call %d made %llu allocations", which, (unsigned long long)points);
    uint64_t injected = 0;
    for (uint64_t k = 1; k <= points; k++) {
      t = NULL;
      churn_testing_fail_alloc(k);
      st = call(ds, which, &t);
      churn_testing_fail_alloc(0);
      cr_assert_eq(st, CHURN_E_NOMEM, "call %d, allocation %llu of %llu: %s (%s)", which,
                   (unsigned long long)k, (unsigned long long)points, churn_status_name(st),
                   churn_last_error());
      cr_assert_null(t);
      injected++;
    }
    cr_assert_eq(injected, points);
  }
}

static inline int64_t ts(int y, int m, int d, int hh) {
  struct tm tm = {0};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = hh;
  return (int64_t)timegm(&tm);
}

#define NONE CHURN_TIME_NONE

static inline churn_status kpi_base_subscribers(churn_dataset *ds) {
  static const char *ids[] = {"A", "B", "C", "D", "E", "F", "G"};
  int64_t act[7] = {ts(2025, 6, 10, 0), ts(2025, 11, 3, 0), ts(2026, 1, 5, 0), ts(2025, 12, 1, 0),
                    ts(2025, 10, 1, 0), ts(2026, 3, 31, 23), ts(2026, 2, 1, 0)};
  int64_t can[7] = {NONE, ts(2026, 1, 15, 0), ts(2026, 1, 25, 0), ts(2026, 2, 10, 0), NONE, NONE,
                    ts(2026, 4, 1, 0)};
  static const char *region[] = {"north", "north", "south", "south", "north", "", "south"};
  static const uint8_t region_ok[] = {1, 1, 1, 1, 1, 0, 1};
  static const char *tier[] = {"high", "low", "low", "high", "high", "low", "low"};
  static const int64_t vip[] = {1, 0, 0, 1, 0, 0, 0};
  static const char *mgr[] = {"m1", "m1", "m2", "m2", "m1", "", ""};
  static const uint8_t mgr_ok[] = {1, 1, 1, 1, 1, 0, 0};
  static const double spend[] = {1, 2, 3, 4, 5, 6, 7};
  static const char *channel[] = {"shop", "online", "online", "shop", "shop", "online", ""};
  static const uint8_t channel_ok[] = {1, 1, 1, 1, 1, 1, 0};
  churn_column cols[] = {
      {"subscriber_id", CHURN_STR, ids, 7, NULL, 0}, {"activation", CHURN_I64, act, 7, NULL, 0},
      {"cancellation", CHURN_I64, can, 7, NULL, 0},  {"region", CHURN_STR, region, 7, region_ok, 0},
      {"tier", CHURN_STR, tier, 7, NULL, 0},         {"vip", CHURN_I64, vip, 7, NULL, 0},
      {"manager", CHURN_STR, mgr, 7, mgr_ok, 0},     {"spend", CHURN_F64, spend, 7, NULL, 0},
      {"channel", CHURN_STR, channel, 7, channel_ok, 0}};
  return churn_dataset_append_subscribers(ds, cols, 9, NULL);
}

#define KPI_NEV 22

static inline churn_status kpi_base_events(churn_dataset *ds) {
  static const char *sub[KPI_NEV] = {"A", "A", "A", "A", "A", "A", "B", "B", "B", "C", "C",
                                     "C", "D", "D", "D", "E", "E", "E", "E", "E", "G", "G"};
  int64_t t[KPI_NEV] = {
      ts(2026, 1, 10, 0), ts(2026, 2, 10, 0), ts(2026, 2, 20, 0), ts(2026, 3, 10, 0),
      ts(2026, 1, 12, 0), ts(2026, 2, 1, 0),  ts(2026, 1, 15, 0), ts(2026, 1, 5, 0),
      ts(2026, 1, 10, 0), ts(2026, 1, 25, 0), ts(2026, 1, 20, 0), ts(2026, 1, 22, 0),
      ts(2026, 1, 8, 0),  ts(2026, 2, 8, 0),  ts(2025, 12, 15, 0), ts(2026, 1, 20, 0),
      ts(2026, 3, 5, 0),  ts(2026, 3, 20, 0), ts(2026, 1, 18, 0), ts(2026, 3, 1, 0),
      ts(2026, 2, 15, 0), ts(2026, 3, 15, 0)};
  enum { B = CHURN_EV_BILL, P = CHURN_EV_PAYMENT, R = CHURN_EV_RETENTION, X = CHURN_EV_CANCEL,
         AC = CHURN_EV_ACTIVATION };
  static const int64_t kind[KPI_NEV] = {B, B, B, B, P, R, X, B, R, X, R,
                                        R, B, B, R, X, AC, B, R, R, B, B};
  static const int64_t code[KPI_NEV] = {
      0, 0, 0, 0, 0, CHURN_OUTCOME_RETAINED, CHURN_REASON_PRICE, 0, CHURN_OUTCOME_LOST,
      CHURN_REASON_TECHNICAL, CHURN_OUTCOME_NO_ANSWER, CHURN_OUTCOME_RETAINED, 0, 0,
      CHURN_OUTCOME_RETAINED, CHURN_REASON_MOVING, 0, 0, CHURN_OUTCOME_LOST,
      CHURN_OUTCOME_RETAINED, 0, 0};
  static const double value[KPI_NEV] = {50, 50, 10, 50, 50, 0, 0, 30, 0, 0, 0,
                                        0,  40, 40, 0,  0,  0, 35, 0, 0, 20, 20};
  churn_column cols[] = {{"subscriber_id", CHURN_STR, sub, KPI_NEV, NULL, 0},
                         {"time", CHURN_I64, t, KPI_NEV, NULL, 0},
                         {"kind", CHURN_I64, kind, KPI_NEV, NULL, 0},
                         {"code", CHURN_I64, code, KPI_NEV, NULL, 0},
                         {"value", CHURN_F64, value, KPI_NEV, NULL, 0}};
  return churn_dataset_append_events(ds, cols, 5, NULL);
}

/* The base, finalized. */
static inline churn_dataset *kpi_base(void) {
  churn_dataset *ds = NULL;
  if (churn_dataset_new(&ds) != CHURN_OK) return NULL;
  if (kpi_base_subscribers(ds) != CHURN_OK || kpi_base_events(ds) != CHURN_OK ||
      churn_dataset_finalize(ds, NULL) != CHURN_OK) {
    churn_dataset_free(ds);
    return NULL;
  }
  return ds;
}

#endif
