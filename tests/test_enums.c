/*
 * test_enums.c -- churn_enum_name / churn_enum_find / churn_enum_entry (common/enums.c): the
 * names are the documented ones (the CSV and binding spellings written out here by hand), every
 * entry round-trips, and bad lookups fail clearly.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "churn.h"
#include "helpers.h"

Test(enums, names_are_the_documented_spellings) {
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_EVENT_KIND, CHURN_EV_PACKAGE_CHANGE), "package_change");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_CANCEL_REASON, CHURN_REASON_CUSTOMER_SERVICE),
                   "customer_service");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_CATEGORY, CHURN_CATEGORY_COMPETITIVE), "competitive");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_RETENTION_OUTCOME, CHURN_OUTCOME_NO_ANSWER), "no_answer");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_TIME_SLOT, CHURN_SLOT_PRIME), "prime");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_INGEST_COUNTER, CHURN_COUNT_REJECTED_MISSING_VALUE),
                   "rejected_missing_value");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_LABEL_DEFINITION, CHURN_LABEL_NON_USE), "non_use");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_WARNING_RULE, CHURN_WARN_DEVICE_OFFLINE), "device_offline");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_PENALTY, CHURN_PENALTY_ELASTICNET), "elasticnet");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_COV_TYPE, CHURN_COV_HC1), "HC1");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_STAT, CHURN_STAT_LLR_P_VALUE), "llr_p_value");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_KPI_RATE_BASE, CHURN_KPI_RATE_EXPOSED), "exposed");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_COHORT_KIND, CHURN_COHORT_GEOMETRIC), "geometric");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_SIM_DRIVER, CHURN_DRIVER_PROMOTION_END), "promotion_end");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_STATUS, CHURN_E_SEPARATION), "CHURN_E_SEPARATION");
  cr_assert_str_eq(churn_enum_name(CHURN_ENUM_CALIBRATION_STRATEGY, 1), "quantile");
  cr_assert_null(churn_enum_name(CHURN_ENUM_EVENT_KIND, 0));
  cr_assert_null(churn_enum_name(CHURN_ENUM_CATEGORY, 4));
  cr_assert_null(churn_enum_name((churn_enum)0, 0));
  cr_assert_null(churn_enum_name((churn_enum)999, 0));
}

Test(enums, every_entry_round_trips) {
  for (int w = CHURN_ENUM_STATUS; w <= CHURN_ENUM_SIM_DRIVER; w++) {
    int value, n = 0;
    const char *name;
    for (; churn_enum_entry((churn_enum)w, n, &value, &name) == CHURN_OK; n++) {
      cr_assert_str_eq(churn_enum_name((churn_enum)w, value), name);
      int back = -1;
      cr_assert_eq(churn_enum_find((churn_enum)w, name, &back), CHURN_OK);
      cr_assert_eq(back, value, "enum %d: %s", w, name);
    }
    cr_assert_eq(churn_last_status(), CHURN_E_RANGE);
    cr_assert_gt(n, 1, "enum %d has %d entries", w, n);
  }
  int v, count = 0;
  const char *name;
  while (churn_enum_entry(CHURN_ENUM_EVENT_KIND, count, &v, &name) == CHURN_OK) count++;
  cr_assert_eq(count, CHURN_EV_KIND_END_ - 1);
  count = 0;
  while (churn_enum_entry(CHURN_ENUM_INGEST_COUNTER, count, &v, &name) == CHURN_OK) count++;
  cr_assert_eq(count, CHURN_COUNT_END_);
}

Test(enums, bad_lookups_fail_clearly) {
  int v = 7;
  cr_assert_eq(churn_enum_find(CHURN_ENUM_PENALTY, "ridge", &v), CHURN_E_NOT_FOUND);
  cr_assert_eq(v, 7);
  cr_assert(strstr(churn_last_error(), "'ridge'") != NULL, "%s", churn_last_error());
  cr_assert(strstr(churn_last_error(), "l2, l1, elasticnet, firth") != NULL, "%s",
            churn_last_error());
  cr_assert_eq(churn_enum_find(CHURN_ENUM_COV_TYPE, "hc0", &v), CHURN_E_NOT_FOUND); /* exact */
  cr_assert_eq(churn_enum_find((churn_enum)0, "l2", &v), CHURN_E_ARG);
  cr_assert_eq(churn_enum_find(CHURN_ENUM_PENALTY, NULL, &v), CHURN_E_ARG);
  cr_assert_eq(churn_enum_find(CHURN_ENUM_PENALTY, "l2", NULL), CHURN_E_ARG);
  const char *name;
  cr_assert_eq(churn_enum_entry(CHURN_ENUM_PENALTY, -1, &v, &name), CHURN_E_RANGE);
  cr_assert_eq(churn_enum_entry(CHURN_ENUM_PENALTY, 0, NULL, &name), CHURN_E_ARG);
  cr_assert_eq(churn_enum_entry((churn_enum)42, 0, &v, &name), CHURN_E_ARG);
}
