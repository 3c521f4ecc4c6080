/*
 * enums.c -- names of every public enum's values, generated from the list macros of churn.h
 * (churn_enum_name / churn_enum_find / churn_enum_entry), so that the library's files, the CLI
 * and both bindings spell every value the same way.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct enum_entry {
  int value;
  const char *name;
} enum_entry;

#define ENTRY_(sym, value, text) {value, text},
#define STATUS_ENTRY_(sym, value, text) {value, #sym},
#define TABLE_(var, list) static const enum_entry var[] = {list(ENTRY_)};

static const enum_entry STATUS[] = {CHURN_STATUS_LIST(STATUS_ENTRY_)};
TABLE_(EVENT_KIND, CHURN_EVENT_KIND_LIST)
TABLE_(CANCEL_REASON, CHURN_CANCEL_REASON_LIST)
TABLE_(CATEGORY, CHURN_CATEGORY_LIST)
TABLE_(RETENTION_OUTCOME, CHURN_RETENTION_OUTCOME_LIST)
TABLE_(PACKAGE_DIRECTION, CHURN_PACKAGE_DIRECTION_LIST)
TABLE_(SUSPEND_REASON, CHURN_SUSPEND_REASON_LIST)
TABLE_(USAGE_TYPE, CHURN_USAGE_TYPE_LIST)
TABLE_(TIME_SLOT, CHURN_TIME_SLOT_LIST)
TABLE_(INGEST_COUNTER, CHURN_INGEST_COUNTER_LIST)
TABLE_(LABEL_DEFINITION, CHURN_LABEL_DEFINITION_LIST)
TABLE_(WARNING_RULE, CHURN_WARNING_RULE_LIST)
TABLE_(PENALTY, CHURN_PENALTY_LIST)
TABLE_(COV_TYPE, CHURN_COV_TYPE_LIST)
TABLE_(STAT, CHURN_STAT_LIST)
TABLE_(CALIBRATION_STRATEGY, CHURN_CALIBRATION_STRATEGY_LIST)
TABLE_(KPI_RATE_BASE, CHURN_KPI_RATE_BASE_LIST)
TABLE_(COHORT_KIND, CHURN_COHORT_KIND_LIST)
TABLE_(SIM_DRIVER, CHURN_SIM_DRIVER_LIST)

typedef struct enum_table {
  const enum_entry *e;
  int n;
  const char *type; /* the C type, for messages */
} enum_table;

#define T_(var, type) {var, (int)(sizeof var / sizeof var[0]), type}
static const enum_table TABLES[] = {
    {NULL, 0, NULL},
    T_(STATUS, "churn_status"),
    T_(EVENT_KIND, "churn_event_kind"),
    T_(CANCEL_REASON, "churn_cancel_reason"),
    T_(CATEGORY, "churn_category"),
    T_(RETENTION_OUTCOME, "churn_retention_outcome"),
    T_(PACKAGE_DIRECTION, "churn_package_direction"),
    T_(SUSPEND_REASON, "churn_suspend_reason"),
    T_(USAGE_TYPE, "churn_usage_type"),
    T_(TIME_SLOT, "churn_time_slot"),
    T_(INGEST_COUNTER, "churn_ingest_counter"),
    T_(LABEL_DEFINITION, "churn_label_definition"),
    T_(WARNING_RULE, "churn_warning_rule"),
    T_(PENALTY, "churn_penalty"),
    T_(COV_TYPE, "churn_cov_type"),
    T_(STAT, "churn_stat"),
    T_(CALIBRATION_STRATEGY, "churn_calibration_strategy"),
    T_(KPI_RATE_BASE, "churn_kpi_rate_base"),
    T_(COHORT_KIND, "churn_cohort_kind"),
    T_(SIM_DRIVER, "churn_sim_driver"),
};
#define NTABLES ((int)(sizeof TABLES / sizeof TABLES[0]))

static const enum_table *table_of(churn_enum which) {
  return (int)which >= 1 && (int)which < NTABLES ? &TABLES[which] : NULL;
}

int churn__enum_count(churn_enum which) {
  const enum_table *t = table_of(which);
  return t == NULL ? 0 : t->n;
}

const char *churn__enum_name(churn_enum which, int value) {
  const enum_table *t = table_of(which);
  if (t == NULL) return NULL;
  for (int i = 0; i < t->n; i++) {
    if (t->e[i].value == value) return t->e[i].name;
  }
  return NULL;
}

bool churn__enum_find_n(churn_enum which, const char *name, size_t len, int *value) {
  const enum_table *t = table_of(which);
  if (t == NULL) return false;
  for (int i = 0; i < t->n; i++) {
    const char *e = t->e[i].name;
    if (strlen(e) == len && memcmp(e, name, len) == 0) {
      *value = t->e[i].value;
      return true;
    }
  }
  return false;
}

CHURN_API const char *churn_enum_name(churn_enum which, int value) {
  return churn__enum_name(which, value);
}

CHURN_API churn_status churn_enum_find(churn_enum which, const char *name, int *value) {
  const enum_table *t = table_of(which);
  CHURN_CHECK_ARG(t != NULL, "churn_enum_find: %d is not a churn_enum", (int)which);
  CHURN_CHECK_ARG(name != NULL && value != NULL, "churn_enum_find: name and value must not be "
                  "NULL");
  if (churn__enum_find_n(which, name, strlen(name), value)) return CHURN_OK;
  char list[512];
  size_t used = 0;
  list[0] = '\0';
  for (int i = 0; i < t->n && used + 2 < sizeof list; i++) {
    int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", t->e[i].name);
    if (w < 0) break;
    used += (size_t)w;
  }
  return churn__fail(CHURN_E_NOT_FOUND, "%s has no value named '%.60s' (known: %s)", t->type, name,
                     list);
}

CHURN_API churn_status churn_enum_entry(churn_enum which, int index, int *value,
                                        const char **name) {
  const enum_table *t = table_of(which);
  CHURN_CHECK_ARG(t != NULL, "churn_enum_entry: %d is not a churn_enum", (int)which);
  CHURN_CHECK_ARG(value != NULL && name != NULL, "churn_enum_entry: value and name must not be "
                  "NULL");
  if (index < 0 || index >= t->n) {
    return churn__fail(CHURN_E_RANGE, "churn_enum_entry: index %d is outside 0..%d of %s", index,
                       t->n - 1, t->type);
  }
  *value = t->e[index].value;
  *name = t->e[index].name;
  return CHURN_OK;
}
