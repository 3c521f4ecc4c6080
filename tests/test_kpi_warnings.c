/*
 * test_kpi_warnings.c -- warning accuracy (recall) and precision per rule, and of a top-k risk
 * list, on the hand-made base of kpi_base.h with hand-computed figures.
 *
 * As of 2026-01-01 the base is A, B, D, E (C joins Jan 5, F Mar 31, G Feb 1); with the horizon
 * ending 2026-03-01 the churners are B (Jan 15), E (Jan 20) and D (Feb 10): 3 churners.
 */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "kpi_base.h"

enum { A, B, C, D, E, F, G };

/* Warnings: payment -> A, B, B (twice); offline -> E, B, C (C is outside the base).
 *   payment: warned A,B = 2, hit B = 1: recall 1/3, precision 1/2
 *   offline: warned B,E = 2 (C left out, outside_base 1), hit 2: recall 2/3, precision 1
 *   (any):   warned A,B,E = 3, hit B,E = 2: recall 2/3, precision 2/3, outside_base 1 */
Test(kpi_warnings, per_rule) {
  churn_dataset *ds = kpi_base();
  cr_assert_not_null(ds, "%s", churn_last_error());
  const int64_t sub[6] = {B, A, E, B, C, B};
  const char *rule[6] = {"payment", "payment", "offline", "offline", "offline", "payment"};
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_warning_accuracy(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), sub, rule, 6, &t));
  cr_assert_eq(churn_table_nrows(t), 3);
  static const char *const rw[3] = {"payment", "offline", "(any)"};
  static const int64_t warned[3] = {2, 2, 3}, hit[3] = {1, 2, 2}, outside[3] = {0, 1, 1};
  const double recall[3] = {1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0}, prec[3] = {0.5, 1.0, 2.0 / 3.0};
  const char *const *r = tcol_str(t, "rule");
  for (int i = 0; i < 3; i++) {
    cr_expect_str_eq(r[i], rw[i]);
    cr_expect_eq(tcol_i64(t, "warned")[i], warned[i], "row %d", i);
    cr_expect_eq(tcol_i64(t, "warned_churned")[i], hit[i], "row %d", i);
    cr_expect_eq(tcol_i64(t, "churners")[i], 3);
    cr_expect_eq(tcol_i64(t, "outside_base")[i], outside[i], "row %d", i);
    cr_expect(same(tcol_f64(t, "recall")[i], recall[i]));
    cr_expect(same(tcol_f64(t, "precision")[i], prec[i]));
    /* retained = warned - warned_churned: payment A, offline none, (any) A */
    cr_expect_eq(tcol_i64(t, "retained")[i], warned[i] - hit[i], "row %d", i);
    cr_expect(same(tcol_f64(t, "retained_rate")[i], 1.0 - prec[i]));
  }
  churn_table_free(t);
  /* no rule names: one rule "warning" plus "(any)"; an empty list: precision NaN */
  ASSERT_OK(churn_kpi_warning_accuracy(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), sub, NULL, 6, &t));
  cr_assert_eq(churn_table_nrows(t), 2);
  cr_expect_str_eq(tcol_str(t, "rule")[0], "warning");
  cr_expect_eq(tcol_i64(t, "warned")[0], 3);
  churn_table_free(t);
  ASSERT_OK(churn_kpi_warning_accuracy(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), NULL, NULL, 0, &t));
  cr_assert_eq(churn_table_nrows(t), 1);
  cr_expect_eq(tcol_f64(t, "recall")[0], 0.0);
  cr_expect(isnan(tcol_f64(t, "precision")[0]));
  churn_table_free(t);
  /* a horizon ending Feb 10 exactly leaves D out (its cancellation is not before the end) */
  ASSERT_OK(churn_kpi_warning_accuracy(ds, ts(2026, 1, 1, 0), ts(2026, 2, 10, 0), sub, rule, 6, &t));
  cr_expect_eq(tcol_i64(t, "churners")[0], 2);
  churn_table_free(t);
  churn_dataset_free(ds);
}

/* Cancellation requests (kind cancel_request) added to the base: A on 2025-12-28 (stays),
 * D on 2025-12-29 (cancelled by the table Feb 10), B on 2025-12-30 (cancels Jan 15).  As of
 * 2026-01-01 the cancel_request rule flags A, B and D (within 14 days), all three routed to the
 * retention desk; with the horizon ending 2026-03-01, B and D churned and A was retained:
 * warned 3, warned_churned 2, retained 1, retained_rate 1/3, recall 2/3 (churners B, D, E). */
Test(kpi_warnings, cancel_request_outcome) {
  churn_dataset *ds = kpi_base();
  cr_assert_not_null(ds, "%s", churn_last_error());
  const char *id[3] = {"A", "D", "B"};
  int64_t t[3] = {ts(2025, 12, 28, 0), ts(2025, 12, 29, 0), ts(2025, 12, 30, 0)};
  int64_t kind[3] = {CHURN_EV_CANCEL_REQUEST, CHURN_EV_CANCEL_REQUEST, CHURN_EV_CANCEL_REQUEST};
  churn_column cols[] = {{"subscriber_id", CHURN_STR, id, 3, NULL, 0},
                         {"time", CHURN_I64, t, 3, NULL, 0},
                         {"kind", CHURN_I64, kind, 3, NULL, 0}};
  ASSERT_OK(churn_dataset_append_events(ds, cols, 3, NULL));
  ASSERT_OK(churn_dataset_finalize(ds, NULL));
  churn_table *w = NULL, *a = NULL;
  int64_t as_of = ts(2026, 1, 1, 0), end = ts(2026, 3, 1, 0);
  ASSERT_OK(churn_warnings_compute(ds, as_of, NULL, &w));
  int64_t nreq = 0;
  for (int64_t i = 0; i < churn_table_nrows(w); i++) {
    if (strcmp(tcol_str(w, "rule")[i], "cancel_request") != 0) continue;
    nreq++;
    cr_expect_str_eq(tcol_str(w, "route")[i], "retention_desk");
  }
  cr_assert_eq(nreq, 3);
  ASSERT_OK(churn_kpi_warning_list_accuracy(ds, as_of, end, w, &a));
  int64_t r = -1;
  for (int64_t i = 0; i < churn_table_nrows(a); i++) {
    if (strcmp(tcol_str(a, "rule")[i], "cancel_request") == 0) r = i;
  }
  cr_assert_geq(r, 0);
  cr_expect_eq(tcol_i64(a, "warned")[r], 3);
  cr_expect_eq(tcol_i64(a, "warned_churned")[r], 2);
  cr_expect_eq(tcol_i64(a, "retained")[r], 1);
  cr_expect(same(tcol_f64(a, "retained_rate")[r], 1.0 / 3.0));
  cr_expect(same(tcol_f64(a, "recall")[r], 2.0 / 3.0));
  churn_table_free(a);
  churn_table_free(w);
  churn_dataset_free(ds);
}

/* Scores: base ranked B 0.9, D 0.5, E 0.5 (tie: lower index first; both churned, so the order
 * changes no figure here: see the A / D tie below), A 0.1; C, F, G are not in
 * the base whatever their score.  Churners B, D, E. */
Test(kpi_warnings, topk) {
  churn_dataset *ds = kpi_base();
  const double score[7] = {0.1, 0.9, 0.95, 0.5, 0.5, 0.99, 0.2};
  const int64_t k[4] = {1, 2, 3, 10};
  churn_table *t = NULL;
  ASSERT_OK(churn_kpi_topk_accuracy(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), score, 7, k, 4, &t));
  cr_assert_eq(churn_table_nrows(t), 4);
  static const int64_t flagged[4] = {1, 2, 3, 4}, hit[4] = {1, 2, 3, 3};
  for (int i = 0; i < 4; i++) {
    cr_expect_eq(tcol_i64(t, "k")[i], k[i]);
    cr_expect_eq(tcol_i64(t, "flagged")[i], flagged[i]);
    cr_expect_eq(tcol_i64(t, "flagged_churned")[i], hit[i]);
    cr_expect_eq(tcol_i64(t, "churners")[i], 3);
    cr_expect(same(tcol_f64(t, "recall")[i], hit[i] / 3.0));
    cr_expect(same(tcol_f64(t, "precision")[i], (double)hit[i] / (double)flagged[i]));
  }
  churn_table_free(t);
  /* the order decides: A (not a churner) above B loses the only place of k = 1 */
  const double s2[7] = {0.9, 0.8, 0, 0, 0, 0, 0};
  const int64_t k1 = 1;
  ASSERT_OK(churn_kpi_topk_accuracy(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), s2, 7, &k1, 1, &t));
  cr_expect_eq(tcol_i64(t, "flagged_churned")[0], 0);
  churn_table_free(t);
  /* A real tie between a non-churner and a churner (the D / E tie above changes no count, both
   * churned): A and D both 0.6, k = 1 flags the lower index, A, so no hit; k = 2 both, one hit. */
  const double s3[7] = {0.6, 0, 0, 0.6, 0, 0, 0};
  const int64_t k12[2] = {1, 2};
  ASSERT_OK(churn_kpi_topk_accuracy(ds, ts(2026, 1, 1, 0), ts(2026, 3, 1, 0), s3, 7, k12, 2, &t));
  cr_expect_eq(tcol_i64(t, "flagged_churned")[0], 0, "the tie went to D, not to A");
  cr_expect_eq(tcol_i64(t, "flagged_churned")[1], 1);
  churn_table_free(t);
  churn_dataset_free(ds);
}

Test(kpi_warnings, bad_input) {
  churn_dataset *ds = kpi_base();
  churn_table *t = NULL;
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 3, 1, 0);
  const int64_t sub[2] = {1, 9};
  const char *rule[2] = {"x", NULL};
  ASSERT_FAILS(churn_kpi_warning_accuracy(ds, a, b, sub, NULL, 2, &t), CHURN_E_ARG,
               "subscriber[1] = 9");
  const int64_t ok2[2] = {1, 2};
  ASSERT_FAILS(churn_kpi_warning_accuracy(ds, a, b, ok2, rule, 2, &t), CHURN_E_ARG,
               "rule[1] is NULL");
  ASSERT_FAILS(churn_kpi_warning_accuracy(ds, b, a, ok2, NULL, 2, &t), CHURN_E_ARG,
               "must be before horizon_end");
  ASSERT_FAILS(churn_kpi_warning_accuracy(ds, a, b, NULL, NULL, 2, &t), CHURN_E_ARG,
               "subscriber is NULL");
  const double score[7] = {0, 0, 0, 0, 0, 0, 0}, nan_score[7] = {0, 0, 0, NAN, 0, 0, 0};
  const int64_t k[2] = {1, 0};
  ASSERT_FAILS(churn_kpi_topk_accuracy(ds, a, b, score, 6, k, 1, &t), CHURN_E_ARG,
               "score has 6 values but the dataset has 7 subscribers");
  ASSERT_FAILS(churn_kpi_topk_accuracy(ds, a, b, score, 7, k, 2, &t), CHURN_E_ARG,
               "k[1] = 0 is not >= 1");
  ASSERT_FAILS(churn_kpi_topk_accuracy(ds, a, b, score, 7, k, 0, &t), CHURN_E_ARG, "nk = 0");
  ASSERT_FAILS(churn_kpi_topk_accuracy(ds, a, b, nan_score, 7, k, 1, &t), CHURN_E_DATA,
               "score[3] is not finite");
  ASSERT_FAILS(churn_kpi_topk_accuracy(ds, a, b, NULL, 7, k, 1, &t), CHURN_E_ARG,
               "must not be NULL");
  cr_expect_null(t);
  churn_dataset_free(ds);
}

static churn_status warnings_call(const churn_dataset *ds, int which, churn_table **t) {
  static const int64_t sub[6] = {B, A, E, B, C, B};
  static const char *rule[6] = {"payment", "payment", "offline", "offline", "offline", "payment"};
  static const double score[7] = {0.1, 0.9, 0.95, 0.5, 0.5, 0.99, 0.2};
  static const int64_t k[2] = {1, 3};
  int64_t a = ts(2026, 1, 1, 0), b = ts(2026, 3, 1, 0);
  return which == 0 ? churn_kpi_warning_accuracy(ds, a, b, sub, rule, 6, t)
                    : churn_kpi_topk_accuracy(ds, a, b, score, 7, k, 2, t);
}

Test(kpi_warnings, allocation_failures) {
  churn_dataset *ds = kpi_base();
  kpi_allocation_failures(ds, 2, warnings_call);
  churn_dataset_free(ds);
  assert_no_leak();
}

/* The table of churn_warnings_compute gives the same figures as its columns passed as arrays
 * (with a 1-month late run and no viewing threshold so that rules fire on this small base). */
Test(kpi_warnings, from_the_warnings_table) {
  churn_dataset *ds = kpi_base();
  churn_options *opts = NULL;
  ASSERT_OK(churn_options_new(&opts));
  ASSERT_OK(churn_options_set_int(opts, CHURN_OPT_WARN_LATE_MONTHS, 1));
  churn_table *w = NULL, *a = NULL, *b = NULL;
  int64_t as_of = ts(2026, 3, 15, 0), end = ts(2026, 6, 1, 0);
  ASSERT_OK(churn_warnings_compute(ds, as_of, opts, &w));
  int64_t n = churn_table_nrows(w);
  ASSERT_OK(churn_kpi_warning_list_accuracy(ds, as_of, end, w, &a));
  ASSERT_OK(churn_kpi_warning_accuracy(ds, as_of, end, tcol_i64(w, "subscriber"),
                                       tcol_str(w, "rule"), n, &b));
  cr_assert_eq(churn_table_nrows(a), churn_table_nrows(b));
  for (int64_t r = 0; r < churn_table_nrows(a); r++) {
    cr_expect_str_eq(tcol_str(a, "rule")[r], tcol_str(b, "rule")[r]);
    cr_expect_eq(tcol_i64(a, "warned")[r], tcol_i64(b, "warned")[r]);
    cr_expect_eq(tcol_i64(a, "warned_churned")[r], tcol_i64(b, "warned_churned")[r]);
  }
  /* A (bills Feb 10 and Mar 10 unpaid) is the one flagged, for payment_anomaly; G is the only
   * churner of the base at Mar 15 (cancelled Apr 1) */
  cr_assert_eq(churn_table_nrows(a), 2);
  cr_expect_str_eq(tcol_str(a, "rule")[0], "payment_anomaly");
  cr_expect_eq(tcol_i64(a, "warned")[0], 1);
  cr_expect_eq(tcol_i64(a, "warned_churned")[0], 0);
  cr_expect_eq(tcol_i64(a, "churners")[0], 1);
  churn_table_free(b);
  ASSERT_FAILS(churn_kpi_warning_list_accuracy(ds, as_of, end, a, &b), CHURN_E_SCHEMA,
               "an i64 column 'subscriber'");
  ASSERT_FAILS(churn_kpi_warning_list_accuracy(ds, as_of, end, NULL, &b), CHURN_E_ARG,
               "warnings is NULL");
  churn_table_free(a);
  churn_table_free(w);
  churn_options_free(opts);
  churn_dataset_free(ds);
}
