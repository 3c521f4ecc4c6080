/*
 * test_csv_write.c -- churn_dataset_write_csv (lib/csv_write.c): a simulated dataset written as
 * CSV and read back by the CSV readers is the same dataset (labels, times, values bit for bit),
 * and the error paths.
 */
#include "helpers.h"

#include <stdio.h>
#include <string.h>

static const void *subcol(const churn_dataset *ds, const char *name, churn_dtype *dt) {
  const void *p = NULL;
  ASSERT_OK(churn_dataset_subscriber_column(ds, name, dt, &p));
  return p;
}

static const char *label(const churn_dataset *ds, const char *column, int32_t code) {
  const char *l = NULL;
  if (code < 0) return "";
  ASSERT_OK(churn_dataset_category_label(ds, column, code, &l, NULL));
  return l;
}

/* The label of an event code: the kind's dictionary when it has one, else the number. */
static void code_text(const churn_dataset *ds, int kind, int code, char *buf, size_t cap) {
  const char *dict = kind == CHURN_EV_VIEW ? "view" : kind == CHURN_EV_FAULT ? "fault"
                     : kind == CHURN_EV_COMPLAINT ? "complaint" : NULL;
  if (dict) {
    snprintf(buf, cap, "%s", label(ds, dict, code));
  } else {
    snprintf(buf, cap, "%d", code);
  }
}

static churn_dataset *simulated(void) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 300));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 8));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_SIM_SEED, 5));
  churn_dataset *ds;
  ASSERT_OK(churn_simulate(o, &ds, NULL));
  churn_options_free(o);
  return ds;
}

Test(csv_write, round_trip_through_the_readers) {
  churn_dataset *a = simulated();
  char subs[512], evs[512];
  snprintf(subs, sizeof subs, "%s/subscribers.csv", test_tmpdir());
  snprintf(evs, sizeof evs, "%s/events.csv", test_tmpdir());
  ASSERT_OK(churn_dataset_write_csv(a, subs, evs));
  churn_dataset *b;
  ASSERT_OK(churn_dataset_new(&b));
  ASSERT_OK(churn_dataset_read_subscribers_csv(b, subs, NULL));
  ASSERT_OK(churn_dataset_read_events_csv(b, evs, NULL));
  ASSERT_OK(churn_dataset_finalize(b, NULL));
  int64_t rejected = -1;
  ASSERT_OK(churn_dataset_ingest_count(b, CHURN_COUNT_REJECTED, &rejected));
  cr_assert_eq(rejected, 0);
  int64_t S = churn_dataset_num_subscribers(a), E = churn_dataset_num_events(a);
  cr_assert_eq(churn_dataset_num_subscribers(b), S);
  cr_assert_eq(churn_dataset_num_events(b), E);
  /* subscribers: same order (file order), same values and labels */
  static const char *const dates[] = {"activation", "cancellation", "contract_end",
                                      "promotion_end"};
  static const char *const cats[] = {"region", "age_band", "tier", "package", "manager"};
  churn_dtype dt;
  for (int64_t i = 0; i < S; i++) {
    const char *ida, *idb;
    ASSERT_OK(churn_dataset_subscriber_id(a, i, &ida));
    ASSERT_OK(churn_dataset_subscriber_id(b, i, &idb));
    cr_assert_str_eq(ida, idb);
  }
  for (int k = 0; k < 4; k++) {
    cr_assert(memcmp(subcol(a, dates[k], &dt), subcol(b, dates[k], &dt), (size_t)S * 8) == 0,
              "%s", dates[k]);
  }
  for (int k = 0; k < 5; k++) {
    const int32_t *ca = subcol(a, cats[k], &dt), *cb = subcol(b, cats[k], &dt);
    for (int64_t i = 0; i < S; i++) {
      cr_assert_str_eq(label(a, cats[k], ca[i]), label(b, cats[k], cb[i]));
    }
  }
  cr_assert(memcmp(subcol(a, "price", &dt), subcol(b, "price", &dt), (size_t)S * 8) == 0);
  cr_assert(memcmp(subcol(a, "services", &dt), subcol(b, "services", &dt), (size_t)S * 4) == 0);
  cr_assert(memcmp(subcol(a, "vip", &dt), subcol(b, "vip", &dt), (size_t)S) == 0);
  /* events: both finalized, so in the same order */
  const char *names[] = {"subscriber", "time", "kind", "code2", "value", "aux2"};
  const size_t size[] = {4, 8, 1, 1, 8, 4};
  for (int k = 0; k < 6; k++) {
    cr_assert(memcmp(dataset_event_col(a, names[k]), dataset_event_col(b, names[k]), (size_t)E * size[k]) == 0, "%s",
              names[k]);
  }
  const uint8_t *kind = dataset_event_col(a, "kind"), *code_a = dataset_event_col(a, "code"), *code_b = dataset_event_col(b, "code");
  const int32_t *aux_a = dataset_event_col(a, "aux1"), *aux_b = dataset_event_col(b, "aux1");
  const int32_t *pkg_a = subcol(a, "package", &dt);
  (void)pkg_a;
  for (int64_t e = 0; e < E; e++) {
    char ta[64], tb[64];
    code_text(a, kind[e], code_a[e], ta, sizeof ta);
    code_text(b, kind[e], code_b[e], tb, sizeof tb);
    cr_assert_str_eq(ta, tb, "event %lld", (long long)e);
    if (kind[e] == CHURN_EV_PACKAGE_CHANGE) {  /* the package code, by its label */
      cr_assert_str_eq(label(a, "package", aux_a[e]), label(b, "package", aux_b[e]));
    } else {
      cr_assert_eq(aux_a[e], aux_b[e], "event %lld", (long long)e);
    }
  }
  churn_dataset_free(a);
  churn_dataset_free(b);
}

Test(csv_write, one_file_only_and_errors) {
  churn_dataset *a = simulated();
  char subs[512];
  snprintf(subs, sizeof subs, "%s/only_subscribers.csv", test_tmpdir());
  ASSERT_OK(churn_dataset_write_csv(a, subs, NULL));
  FILE *f = fopen(subs, "r");
  cr_assert_not_null(f);
  char line[256];
  cr_assert_not_null(fgets(line, sizeof line, f));
  cr_assert(strncmp(line, "subscriber_id,activation,cancellation,", 38) == 0, "%s", line);
  fclose(f);
  ASSERT_FAILS(churn_dataset_write_csv(NULL, subs, NULL), CHURN_E_ARG, "ds is NULL");
  ASSERT_FAILS(churn_dataset_write_csv(a, "/nonexistent-dir/x/subs.csv", NULL), CHURN_E_IO,
               "/nonexistent-dir/x/subs.csv");
  ASSERT_FAILS(churn_dataset_write_csv(a, NULL, "/nonexistent-dir/x/ev.csv"), CHURN_E_IO,
               "events CSV");
  churn_dataset_free(a);
}
