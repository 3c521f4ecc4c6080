/*
 * test_export_operator.c -- churn_dataset_write_operator_export on a simulated operator, read
 * back through its own mapping.ini with churn_dataset_read_mapping: the dataset must equal the
 * simulated one (counts, ids, subscriber dates, prices and labels, every event's subscriber,
 * time, kind, value and aux, codes of the kinds with fixed codes), with no rejected row.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ev {
  int32_t sub;
  int64_t time;
  uint8_t kind, code, code2;
  double value;
  int32_t aux1, aux2;
} ev;

static int cmp_ev(const void *a, const void *b) {
  const ev *x = a, *y = b;
  if (x->sub != y->sub) return x->sub < y->sub ? -1 : 1;
  if (x->time != y->time) return x->time < y->time ? -1 : 1;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  if (x->value != y->value) return x->value < y->value ? -1 : 1;
  if (x->code != y->code) return x->code < y->code ? -1 : 1;
  if (x->aux1 != y->aux1) return x->aux1 < y->aux1 ? -1 : 1;
  return (x->aux2 > y->aux2) - (x->aux2 < y->aux2);
}

/* The events as tuples sorted completely, codes of dictionary kinds blanked (their codes are
 * assigned in order of appearance, so only their labels are comparable). */
static ev *events_of(const churn_dataset *ds, int64_t n) {
  const int32_t *sub = dataset_event_col(ds, "subscriber");
  const int64_t *t = dataset_event_col(ds, "time");
  const uint8_t *k = dataset_event_col(ds, "kind"), *c = dataset_event_col(ds, "code"),
                *c2 = dataset_event_col(ds, "code2");
  const double *v = dataset_event_col(ds, "value");
  const int32_t *a1 = dataset_event_col(ds, "aux1"), *a2 = dataset_event_col(ds, "aux2");
  ev *e = malloc((size_t)n * sizeof *e);
  for (int64_t i = 0; i < n; i++) {
    bool dict = k[i] == CHURN_EV_VIEW || k[i] == CHURN_EV_FAULT || k[i] == CHURN_EV_COMPLAINT;
    bool pkg = k[i] == CHURN_EV_PACKAGE_CHANGE; /* aux1: a package code, compared by label */
    /* a cancellation read from the export keeps the operator's Chinese label (aux1: its index
     * in the label dictionary); the reason code it maps to is compared */
    bool label = k[i] == CHURN_EV_CANCEL || k[i] == CHURN_EV_CANCEL_REQUEST;
    e[i] = (ev){sub[i], t[i], k[i], dict ? 0 : c[i], c2[i], v[i], pkg || label ? 0 : a1[i], a2[i]};
  }
  qsort(e, (size_t)n, sizeof *e, cmp_ev);
  return e;
}

Test(export_operator, simulated_operator_reads_back_equal_through_its_mapping) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 400));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 8));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SEED, 11));
  churn_dataset *sim;
  churn_table *truth;
  ASSERT_OK(churn_simulate(o, &sim, &truth));
  churn_table_free(truth);
  churn_options_free(o);
  const char *dir = test_tmpdir();
  ASSERT_OK(churn_dataset_write_operator_export(sim, dir, 8 * 3600));
  char path[600];
  snprintf(path, sizeof path, "%s/mapping.ini", dir);
  churn_dataset *back;
  ASSERT_OK(churn_dataset_new(&back));
  ASSERT_OK(churn_dataset_read_mapping(back, path, NULL, NULL));
  ASSERT_OK(churn_dataset_finalize(back, NULL));
  int64_t rejected = -1, off = 0;
  ASSERT_OK(churn_dataset_ingest_count(back, CHURN_COUNT_REJECTED, &rejected));
  cr_assert_eq(rejected, 0);
  ASSERT_OK(churn_dataset_utc_offset(back, &off));
  cr_assert_eq(off, 28800);

  int64_t S = churn_dataset_num_subscribers(sim), n = churn_dataset_num_events(sim);
  cr_assert_eq(churn_dataset_num_subscribers(back), S);
  cr_assert_eq(churn_dataset_num_events(back), n);
  for (int64_t i = 0; i < S; i++) {
    const char *a, *b;
    ASSERT_OK(churn_dataset_subscriber_id(sim, i, &a));
    ASSERT_OK(churn_dataset_subscriber_id(back, i, &b));
    cr_assert_str_eq(a, b);
  }
  static const char *const DATES[] = {"activation", "cancellation", "contract_end",
                                      "promotion_end"};
  for (int k = 0; k < 4; k++) {
    const int64_t *a = dataset_subscriber_col(sim, DATES[k]), *b = dataset_subscriber_col(back, DATES[k]);
    for (int64_t i = 0; i < S; i++) cr_assert_eq(a[i], b[i], "%s of %lld", DATES[k], (long long)i);
  }
  const double *pa = dataset_subscriber_col(sim, "price"), *pb = dataset_subscriber_col(back, "price");
  for (int64_t i = 0; i < S; i++) {
    cr_assert(pa[i] == pb[i] || (pa[i] != pa[i] && pb[i] != pb[i]), "price of %lld", (long long)i);
  }
  static const char *const CATS[] = {"region", "tier", "manager", "package"};
  for (int k = 0; k < 4; k++) {
    const int32_t *a = dataset_subscriber_col(sim, CATS[k]), *b = dataset_subscriber_col(back, CATS[k]);
    for (int64_t i = 0; i < S; i++) {
      cr_assert_eq(a[i] < 0, b[i] < 0);
      if (a[i] < 0) continue;
      const char *la, *lb;
      ASSERT_OK(churn_dataset_category_label(sim, CATS[k], a[i], &la, NULL));
      ASSERT_OK(churn_dataset_category_label(back, CATS[k], b[i], &lb, NULL));
      cr_assert_str_eq(la, lb, "%s of %lld", CATS[k], (long long)i);
    }
  }
  ev *ea = events_of(sim, n), *eb = events_of(back, n);
  for (int64_t i = 0; i < n; i++) {
    cr_assert(memcmp(&ea[i], &eb[i], sizeof(ev)) == 0 || cmp_ev(&ea[i], &eb[i]) == 0,
              "event %lld: sub %d time %lld kind %d value %.17g code %d aux1 %d vs sub %d "
              "time %lld kind %d value %.17g code %d aux1 %d", (long long)i, ea[i].sub,
              (long long)ea[i].time, ea[i].kind, ea[i].value, ea[i].code, ea[i].aux1, eb[i].sub,
              (long long)eb[i].time, eb[i].kind, eb[i].value, eb[i].code, eb[i].aux1);
    cr_assert_eq(ea[i].code2, eb[i].code2);
  }
  free(ea);
  free(eb);
  churn_dataset_free(back);
  churn_dataset_free(sim);
}

Test(export_operator, arguments_are_checked) {
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_FAILS(churn_dataset_write_operator_export(NULL, "/tmp", 0), CHURN_E_ARG, "NULL");
  ASSERT_FAILS(churn_dataset_write_operator_export(ds, NULL, 0), CHURN_E_ARG, "NULL");
  ASSERT_FAILS(churn_dataset_write_operator_export(ds, "/tmp", 30), CHURN_E_RANGE, "minutes");
  ASSERT_FAILS(churn_dataset_write_operator_export(ds, "/nonexistent/dir", 0), CHURN_E_IO,
               "/nonexistent/dir");
  churn_dataset_free(ds);
}
