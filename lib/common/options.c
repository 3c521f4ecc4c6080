/*
 * options.c -- the enum-keyed options object.  One table below describes every key (name, type,
 * bounds, default); adding a key is one line here plus one enum value in churn.h.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

typedef struct option_spec {
  churn_option key;
  const char *name;
  churn_option_type type;
  double min, max, def;  /* for strings: min/max length, def unused */
  const char *def_string;
} option_spec;

#define INT_MAXD 9.2e18

/* The one list of keys.  Keep it ordered by key; churn_option_at() walks it. */
static const option_spec SPECS[] = {
    {CHURN_OPT_FIT_PENALTY, "fit.penalty", CHURN_OPTION_INT, 0, 4, 0, NULL},
    {CHURN_OPT_FIT_C, "fit.C", CHURN_OPTION_REAL, 1e-300, 1e300, 1.0, NULL},
    {CHURN_OPT_FIT_L1_RATIO, "fit.l1_ratio", CHURN_OPTION_REAL, 0, 1, 0.5, NULL},
    {CHURN_OPT_FIT_INTERCEPT, "fit.intercept", CHURN_OPTION_INT, 0, 1, 1, NULL},
    {CHURN_OPT_FIT_TOL, "fit.tol", CHURN_OPTION_REAL, 1e-300, 1e300, 1e-8, NULL},
    {CHURN_OPT_FIT_MAX_ITER, "fit.max_iter", CHURN_OPTION_INT, 1, 1e6, 100, NULL},
    {CHURN_OPT_FIT_CLASS_WEIGHT, "fit.class_weight", CHURN_OPTION_INT, 0, 1, 0, NULL},
    {CHURN_OPT_FIT_STANDARDIZE, "fit.standardize", CHURN_OPTION_INT, 0, 1, 1, NULL},
    {CHURN_OPT_FIT_THREADS, "fit.threads", CHURN_OPTION_INT, 0, 256, 1, NULL},
    {CHURN_OPT_FIT_COV_TYPE, "fit.cov_type", CHURN_OPTION_INT, 0, 3, 0, NULL},
    {CHURN_OPT_FIT_POPULATION_RATE, "fit.population_rate", CHURN_OPTION_REAL, 0, 0.999999999, 0,
     NULL},
    {CHURN_OPT_FIT_MEMORY_BUDGET, "fit.memory_budget", CHURN_OPTION_INT, 1 << 20, INT_MAXD,
     256.0 * 1024 * 1024, NULL},
    {CHURN_OPT_FIT_INFERENCE, "fit.inference", CHURN_OPTION_INT, 0, 1, 1, NULL},
    {CHURN_OPT_FEAT_WINDOW_MONTHS, "features.window_months", CHURN_OPTION_INT, 1, 120, 3, NULL},
    {CHURN_OPT_FEAT_GRACE_DAYS, "features.grace_days", CHURN_OPTION_INT, 0, 365, 0, NULL},
    {CHURN_OPT_FEAT_DUE_DAYS, "features.due_days", CHURN_OPTION_INT, 0, 365, 30, NULL},
    {CHURN_OPT_FEAT_PROMO_DAYS, "features.promo_days", CHURN_OPTION_INT, 0, 3650, 30, NULL},
    {CHURN_OPT_FEAT_CONTACT_MINUTES, "features.contact_minutes", CHURN_OPTION_REAL, 1e-3, 1e6, 20,
     NULL},
    {CHURN_OPT_FEAT_FIX_HOURS, "features.fix_hours", CHURN_OPTION_REAL, 1e-3, 1e5, 24, NULL},
    {CHURN_OPT_FEAT_THREADS, "features.threads", CHURN_OPTION_INT, 0, 256, 1, NULL},
    {CHURN_OPT_FEAT_ONEHOT_REFERENCE, "features.onehot_reference", CHURN_OPTION_INT, 0, 2, 0, NULL},
    {CHURN_OPT_FEAT_ATTR_MISSING, "features.attr_missing", CHURN_OPTION_REAL, -1e300, 1e300, 0,
     NULL},
    {CHURN_OPT_FEAT_UNKNOWN_LABEL, "features.unknown_label", CHURN_OPTION_INT, 0, 1, 0, NULL},
    {CHURN_OPT_LABEL_HORIZON_DAYS, "labels.horizon_days", CHURN_OPTION_INT, 1, 3650, 90, NULL},
    {CHURN_OPT_LABEL_DEFINITION, "labels.definition", CHURN_OPTION_INT, 0, 2, 2, NULL},
    {CHURN_OPT_LABEL_INACTIVE_MONTHS, "labels.inactive_months", CHURN_OPTION_INT, 1, 120, 3, NULL},
    {CHURN_OPT_CHURN_DEFINITION, "churn.definition", CHURN_OPTION_INT, 0, 2, 2, NULL},
    {CHURN_OPT_CHURN_INACTIVE_MONTHS, "churn.inactive_months", CHURN_OPTION_INT, 1, 120, 3, NULL},
    {CHURN_OPT_WARN_LATE_MONTHS, "warnings.late_months", CHURN_OPTION_INT, 1, 120, 2, NULL},
    {CHURN_OPT_WARN_ARREARS, "warnings.arrears", CHURN_OPTION_REAL, 0, 1e300, 0, NULL},
    {CHURN_OPT_WARN_VIEW_DROP_PCT, "warnings.view_drop_pct", CHURN_OPTION_REAL, 0, 100, 50, NULL},
    {CHURN_OPT_WARN_VIEW_MIN_PREV, "warnings.view_min_prev", CHURN_OPTION_REAL, 0, 1e300, 0, NULL},
    {CHURN_OPT_WARN_OFFLINE_DAYS, "warnings.offline_days", CHURN_OPTION_INT, 1, 3650, 7, NULL},
    {CHURN_OPT_WARN_CONTACT_BREACHES, "warnings.contact_breaches", CHURN_OPTION_INT, 0, 1e6, 1,
     NULL},
    {CHURN_OPT_WARN_FIX_BREACHES, "warnings.fix_breaches", CHURN_OPTION_INT, 0, 1e6, 1, NULL},
    {CHURN_OPT_WARN_DEADLINE_DAYS, "warnings.deadline_days", CHURN_OPTION_INT, 0, 365, 2, NULL},
    {CHURN_OPT_WARN_VIP_TIERS, "warnings.vip_tiers", CHURN_OPTION_STRING, 0, 1024, 0, "high"},
    {CHURN_OPT_WARN_CALENDAR, "warnings.calendar", CHURN_OPTION_STRING, 0, 4096, 0, ""},
    {CHURN_OPT_WARN_UTC_OFFSET, "warnings.utc_offset", CHURN_OPTION_STRING, 0, 6, 0, ""},
    {CHURN_OPT_WARN_REQUEST_DAYS, "warnings.request_days", CHURN_OPTION_INT, 1, 365, 14, NULL},
    {CHURN_OPT_KPI_RATE_BASE, "kpi.rate_base", CHURN_OPTION_INT, 0, 3, 0, NULL},
    {CHURN_OPT_KPI_TARGET, "kpi.target", CHURN_OPTION_REAL, 0, 1, 0.035, NULL},
    {CHURN_OPT_KPI_TARGET_START, "kpi.target_start", CHURN_OPTION_REAL, 0, 1, 1.0, NULL},
    {CHURN_OPT_KPI_TARGET_STEP, "kpi.target_step", CHURN_OPTION_REAL, -1, 1, -0.0125, NULL},
    {CHURN_OPT_KPI_TIME_UNIT, "kpi.time_unit", CHURN_OPTION_INT, 0, 1, 0, NULL},
    {CHURN_OPT_KPI_ARPU_SOURCE, "kpi.arpu_source", CHURN_OPTION_INT, 0, 1, 0, NULL},
    {CHURN_OPT_KPI_UTC_OFFSET, "kpi.utc_offset", CHURN_OPTION_STRING, 0, 16, 0, ""},
    {CHURN_OPT_KPI_WINBACK_DAYS, "kpi.winback_days", CHURN_OPTION_INT, 1, 3650, 90, NULL},
    {CHURN_OPT_KPI_FOLLOWUP_DAYS, "kpi.followup_days", CHURN_OPTION_INT, 1, 3650, 90, NULL},
    {CHURN_OPT_INGEST_STRICT, "ingest.strict", CHURN_OPTION_INT, 0, 1, 0, NULL},
    {CHURN_OPT_INGEST_UNKNOWN, "ingest.unknown_subscriber", CHURN_OPTION_INT, 0, 2, 0, NULL},
    {CHURN_OPT_INGEST_BEFORE_ACTIVATION, "ingest.before_activation", CHURN_OPTION_INT, 0, 1, 0,
     NULL},
    {CHURN_OPT_INGEST_DEDUP, "ingest.dedup", CHURN_OPTION_INT, 0, 1, 0, NULL},
    {CHURN_OPT_INGEST_MAX_REPORTED, "ingest.max_reported", CHURN_OPTION_INT, 0, 1e6, 20, NULL},
    {CHURN_OPT_INGEST_ID_COLUMN, "ingest.id_column", CHURN_OPTION_STRING, 1, 256, 0,
     "subscriber_id"},
    {CHURN_OPT_INGEST_DELIMITER, "ingest.delimiter", CHURN_OPTION_STRING, 1, 1, 0, ","},
    {CHURN_OPT_INGEST_BLOCK_SIZE, "ingest.block_size", CHURN_OPTION_INT, 4096, 1073741824,
     4194304, NULL},
    {CHURN_OPT_INGEST_UNIX_TIMES, "ingest.unix_times", CHURN_OPTION_INT, 0, 1, 0, NULL},
    {CHURN_OPT_INGEST_THREADS, "ingest.threads", CHURN_OPTION_INT, 0, 256, 1, NULL},
    {CHURN_OPT_SIM_SUBSCRIBERS, "sim.subscribers", CHURN_OPTION_INT, 1, 5e7, 10000, NULL},
    {CHURN_OPT_SIM_MONTHS, "sim.months", CHURN_OPTION_INT, 1, 240, 24, NULL},
    {CHURN_OPT_SIM_SEED, "sim.seed", CHURN_OPTION_INT, 0, INT_MAXD, 42, NULL},
    {CHURN_OPT_SIM_START, "sim.start", CHURN_OPTION_INT, 0, 4102444800.0, 1704067200.0, NULL},
    {CHURN_OPT_SIM_THREADS, "sim.threads", CHURN_OPTION_INT, 0, 256, 0, NULL},
    {CHURN_OPT_SIM_REGIONS, "sim.regions", CHURN_OPTION_INT, 1, 64, 8, NULL},
    {CHURN_OPT_SIM_BASE_CHURN, "sim.base_churn", CHURN_OPTION_REAL, 0, 0.5, 0.02, NULL},
    {CHURN_OPT_SIM_NEW_RATE, "sim.new_rate", CHURN_OPTION_REAL, 0, 0.5, 0.015, NULL},
    {CHURN_OPT_SIM_HIGH_VALUE_SHARE, "sim.high_value_share", CHURN_OPTION_REAL, 0, 0.7, 0.05,
     NULL},
    {CHURN_OPT_SIM_COMPETITOR_REGIONS, "sim.competitor_regions", CHURN_OPTION_REAL, 0, 1, 0.25,
     NULL},
    {CHURN_OPT_SIM_COMPETITOR_START, "sim.competitor_start", CHURN_OPTION_INT, -1, 240, -1, NULL},
    {CHURN_OPT_SIM_COMPETITOR_UPLIFT, "sim.competitor_uplift", CHURN_OPTION_REAL, 0, 100, 4,
     NULL},
    {CHURN_OPT_SIM_POOR_SIGNAL_REGIONS, "sim.poor_signal_regions", CHURN_OPTION_REAL, 0, 1, 0.125,
     NULL},
    {CHURN_OPT_SIM_CONTRACT_SHARE, "sim.contract_share", CHURN_OPTION_REAL, 0, 1, 0.5, NULL},
    {CHURN_OPT_SIM_PROMO_SHARE, "sim.promo_share", CHURN_OPTION_REAL, 0, 1, 0.3, NULL},
    {CHURN_OPT_SIM_LATE_PAYMENT, "sim.late_payment", CHURN_OPTION_REAL, 0, 1, 0.06, NULL},
    {CHURN_OPT_SIM_FAULT_RATE, "sim.fault_rate", CHURN_OPTION_REAL, 0, 10, 0.04, NULL},
    {CHURN_OPT_SIM_SLA_BREACH, "sim.sla_breach", CHURN_OPTION_REAL, 0, 1, 0.12, NULL},
    {CHURN_OPT_SIM_RETENTION_SUCCESS, "sim.retention_success", CHURN_OPTION_REAL, 0, 1, 0.3,
     NULL},
    {CHURN_OPT_SIM_VIEW_EVENTS, "sim.view_events", CHURN_OPTION_REAL, 0, 200, 4, NULL},
    {CHURN_OPT_SIM_HEARTBEAT_DAYS, "sim.heartbeat_days", CHURN_OPTION_INT, 1, 31, 7, NULL},
    {CHURN_OPT_SIM_SILENT_SHARE, "sim.silent_share", CHURN_OPTION_REAL, 0, 1, 0.1, NULL},
    {CHURN_OPT_SIM_CAMPAIGN_MONTH, "sim.campaign_month", CHURN_OPTION_INT, -1, 239, -1, NULL},
    {CHURN_OPT_SIM_CAMPAIGN_SHARE, "sim.campaign_share", CHURN_OPTION_REAL, 0, 1, 0.2, NULL},
    {CHURN_OPT_SIM_CONTROL_SHARE, "sim.control_share", CHURN_OPTION_REAL, 0, 1, 0.2, NULL},
    {CHURN_OPT_SIM_CAMPAIGN_EFFECT, "sim.campaign_effect", CHURN_OPTION_REAL, 0, 1, 0.5, NULL},
    {CHURN_OPT_SIM_CAMPAIGN_HORIZON, "sim.campaign_horizon", CHURN_OPTION_INT, 1, 24, 3, NULL},
    {CHURN_OPT_SIM_PROPENSITY_SPREAD, "sim.propensity_spread", CHURN_OPTION_REAL, 0, 2.5, 0.6, NULL},
    {CHURN_OPT_SIM_SILENT_OTHER_SHARE, "sim.silent_other_share", CHURN_OPTION_REAL, 0, 1, 0, NULL},
    {CHURN_OPT_SIM_SEASONALITY, "sim.seasonality", CHURN_OPTION_REAL, 0, 1, 0, NULL},
    {CHURN_OPT_SIM_SEASON_PEAK, "sim.season_peak", CHURN_OPTION_INT, 1, 12, 3, NULL},
    {CHURN_OPT_SIM_CHURN_SCALE, "sim.churn_scale", CHURN_OPTION_REAL, 0, 10, 1, NULL},
    {CHURN_OPT_SIM_RETURN_SAME_ID, "sim.return_same_id", CHURN_OPTION_REAL, 0, 1, 0, NULL},
    {CHURN_OPT_DESIGN_LABEL, "design.label", CHURN_OPTION_STRING, 0, 1024, 0, ""},
    {CHURN_OPT_DESIGN_POSITIVE, "design.positive", CHURN_OPTION_STRING, 0, 1024, 0, ""},
    {CHURN_OPT_DESIGN_ID, "design.id", CHURN_OPTION_STRING, 0, 4096, 0, ""},
    {CHURN_OPT_DESIGN_EXCLUDE, "design.exclude", CHURN_OPTION_STRING, 0, 65536, 0, ""},
    {CHURN_OPT_DESIGN_MISSING, "design.missing", CHURN_OPTION_INT, 0, 2, 0, NULL},
    {CHURN_OPT_DESIGN_WEIGHT, "design.weight", CHURN_OPTION_STRING, 0, 1024, 0, ""},
    {CHURN_OPT_DESIGN_CLUSTER, "design.cluster", CHURN_OPTION_STRING, 0, 1024, 0, ""},
    {CHURN_OPT_DESIGN_TIME, "design.time", CHURN_OPTION_STRING, 0, 1024, 0, ""},
    {CHURN_OPT_DESIGN_MAX_LEVELS, "design.max_levels", CHURN_OPTION_INT, 2, 1000000, 1000, NULL},
    {CHURN_OPT_DESIGN_TOP, "design.top", CHURN_OPTION_INT, 0, INT_MAXD, 0, NULL},
    {CHURN_OPT_DESIGN_REASONS, "design.reasons", CHURN_OPTION_INT, 0, 20, 3, NULL},
};

#define NSPECS (sizeof SPECS / sizeof SPECS[0])

/* Older keys that name the same value as a newer one (kept for the ABI): reading or setting
 * either reads or sets the one value. */
static const struct {
  churn_option alias, canonical;
} ALIASES[] = {
    {CHURN_OPT_LABEL_DEFINITION, CHURN_OPT_CHURN_DEFINITION},
    {CHURN_OPT_LABEL_INACTIVE_MONTHS, CHURN_OPT_CHURN_INACTIVE_MONTHS},
};

typedef union option_value {
  int64_t i;
  double r;
  char *s;
} option_value;

struct churn_options {
  option_value values[NSPECS];
};

static const option_spec *find_spec(churn_option key, size_t *index) {
  for (size_t i = 0; i < NSPECS; i++) {
    if (SPECS[i].key == key) {
      if (index) *index = i;
      return &SPECS[i];
    }
  }
  return NULL;
}

static void clear_strings(churn_options *o) {
  for (size_t i = 0; i < NSPECS; i++) {
    if (SPECS[i].type == CHURN_OPTION_STRING) {
      churn__free(o->values[i].s);
      o->values[i].s = NULL;
    }
  }
}

static churn_status set_defaults(churn_options *o) {
  clear_strings(o);
  for (size_t i = 0; i < NSPECS; i++) {
    switch (SPECS[i].type) {
      case CHURN_OPTION_INT: o->values[i].i = (int64_t)SPECS[i].def; break;
      case CHURN_OPTION_REAL: o->values[i].r = SPECS[i].def; break;
      case CHURN_OPTION_STRING:
        if (SPECS[i].def_string) {
          o->values[i].s = churn__strdup(SPECS[i].def_string);
          if (o->values[i].s == NULL) return churn__nomem("option string");
        }
        break;
    }
  }
  return CHURN_OK;
}

CHURN_API churn_status churn_options_new(churn_options **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_options_new: out is NULL");
  churn_options *o = churn__calloc(1, sizeof *o);
  if (o == NULL) return churn__nomem("options");
  churn_status st = set_defaults(o);
  if (st != CHURN_OK) {
    churn_options_free(o);
    return st;
  }
  *out = o;
  return CHURN_OK;
}

CHURN_API void churn_options_free(churn_options *opts) {
  if (opts == NULL) return;
  clear_strings(opts);
  churn__free(opts);
}

CHURN_API churn_status churn_options_clone(const churn_options *src, churn_options **out) {
  CHURN_CHECK_ARG(src != NULL && out != NULL, "churn_options_clone: src and out must not be NULL");
  churn_options *o = churn__calloc(1, sizeof *o);
  if (o == NULL) return churn__nomem("options");
  for (size_t i = 0; i < NSPECS; i++) {
    if (SPECS[i].type == CHURN_OPTION_STRING) {
      if (src->values[i].s) {
        o->values[i].s = churn__strdup(src->values[i].s);
        if (o->values[i].s == NULL) {
          churn_options_free(o);
          return churn__nomem("option string");
        }
      }
    } else {
      o->values[i] = src->values[i];
    }
  }
  *out = o;
  return CHURN_OK;
}

CHURN_API churn_status churn_options_reset(churn_options *opts) {
  CHURN_CHECK_ARG(opts != NULL, "churn_options_reset: opts is NULL");
  return set_defaults(opts);
}

/* The index of the value slot of key: its own, or its canonical key's for an alias. */
static size_t slot_of(churn_option key, size_t index) {
  for (size_t a = 0; a < sizeof ALIASES / sizeof ALIASES[0]; a++) {
    if (ALIASES[a].alias == key) find_spec(ALIASES[a].canonical, &index);
  }
  return index;
}

/* Finds key's spec (*index, for its name and bounds) and its value slot (*slot). */
static churn_status lookup(const churn_options *opts, churn_option key, churn_option_type type,
                           const char *fn, size_t *index, size_t *slot) {
  CHURN_CHECK_ARG(opts != NULL, "%s: opts is NULL", fn);
  const option_spec *spec = find_spec(key, index);
  if (spec == NULL) return churn__fail(CHURN_E_ARG, "%s: unknown option key %d", fn, (int)key);
  if (spec->type != type) {
    return churn__fail(CHURN_E_ARG, "%s: option '%s' is not of this type", fn, spec->name);
  }
  *slot = slot_of(key, *index);
  return CHURN_OK;
}

CHURN_API churn_status churn_options_set_int(churn_options *opts, churn_option key, int64_t value) {
  size_t i, v;
  CHURN_TRY(lookup(opts, key, CHURN_OPTION_INT, "churn_options_set_int", &i, &v));
  if ((double)value < SPECS[i].min || (double)value > SPECS[i].max) {
    return churn__fail(CHURN_E_RANGE, "option '%s' = %lld is outside [%.17g, %.17g]", SPECS[i].name,
                       (long long)value, SPECS[i].min, SPECS[i].max);
  }
  opts->values[v].i = value;
  return CHURN_OK;
}

CHURN_API churn_status churn_options_set_real(churn_options *opts, churn_option key, double value) {
  size_t i, v;
  CHURN_CHECK_ARG(opts != NULL, "churn_options_set_real: opts is NULL");
  const option_spec *spec = find_spec(key, &i);
  if (spec != NULL && spec->type == CHURN_OPTION_INT) {
    if (!churn__is_finite(value) || value != floor(value) || fabs(value) > INT_MAXD) {
      return churn__fail(CHURN_E_RANGE, "option '%s' takes an integer, got %.17g", spec->name,
                         value);
    }
    return churn_options_set_int(opts, key, (int64_t)value);
  }
  CHURN_TRY(lookup(opts, key, CHURN_OPTION_REAL, "churn_options_set_real", &i, &v));
  if (!(value >= SPECS[i].min && value <= SPECS[i].max)) {  /* also rejects NaN */
    return churn__fail(CHURN_E_RANGE, "option '%s' = %.17g is outside [%.17g, %.17g]",
                       SPECS[i].name, value, SPECS[i].min, SPECS[i].max);
  }
  opts->values[v].r = value;
  return CHURN_OK;
}

CHURN_API churn_status churn_options_set_string(churn_options *opts, churn_option key,
                                                const char *value) {
  size_t i, v;
  CHURN_TRY(lookup(opts, key, CHURN_OPTION_STRING, "churn_options_set_string", &i, &v));
  size_t n = value ? strlen(value) : 0;
  if ((double)n < SPECS[i].min || (double)n > SPECS[i].max) {
    return churn__fail(CHURN_E_RANGE, "option '%s': length %zu is outside [%.0f, %.0f]",
                       SPECS[i].name, n, SPECS[i].min, SPECS[i].max);
  }
  char *copy = NULL;
  if (value) {
    copy = churn__strdup(value);
    if (copy == NULL) return churn__nomem("option string");
  }
  churn__free(opts->values[v].s);
  opts->values[v].s = copy;
  return CHURN_OK;
}

CHURN_API churn_status churn_options_get_int(const churn_options *opts, churn_option key,
                                             int64_t *value) {
  size_t i, v;
  CHURN_CHECK_ARG(value != NULL, "churn_options_get_int: value is NULL");
  CHURN_TRY(lookup(opts, key, CHURN_OPTION_INT, "churn_options_get_int", &i, &v));
  *value = opts->values[v].i;
  return CHURN_OK;
}

CHURN_API churn_status churn_options_get_real(const churn_options *opts, churn_option key,
                                              double *value) {
  size_t i, v;
  CHURN_CHECK_ARG(value != NULL, "churn_options_get_real: value is NULL");
  CHURN_TRY(lookup(opts, key, CHURN_OPTION_REAL, "churn_options_get_real", &i, &v));
  *value = opts->values[v].r;
  return CHURN_OK;
}

CHURN_API churn_status churn_options_get_string(const churn_options *opts, churn_option key,
                                                const char **value) {
  size_t i, v;
  CHURN_CHECK_ARG(value != NULL, "churn_options_get_string: value is NULL");
  CHURN_TRY(lookup(opts, key, CHURN_OPTION_STRING, "churn_options_get_string", &i, &v));
  *value = opts->values[v].s;
  return CHURN_OK;
}

CHURN_API churn_status churn_option_bounds(churn_option key, churn_option_type *type, double *min,
                                           double *max, double *default_value) {
  const option_spec *spec = find_spec(key, NULL);
  if (spec == NULL) return churn__fail(CHURN_E_ARG, "churn_option_bounds: unknown key %d", (int)key);
  if (type) *type = spec->type;
  if (min) *min = spec->min;
  if (max) *max = spec->max;
  if (default_value) *default_value = spec->type == CHURN_OPTION_STRING ? 0 : spec->def;
  return CHURN_OK;
}

CHURN_API const char *churn_option_name(churn_option key) {
  const option_spec *spec = find_spec(key, NULL);
  return spec ? spec->name : NULL;
}

CHURN_API churn_status churn_option_find(const char *name, churn_option *key) {
  CHURN_CHECK_ARG(name != NULL && key != NULL, "churn_option_find: name and key must not be NULL");
  for (size_t i = 0; i < NSPECS; i++) {
    if (strcmp(SPECS[i].name, name) == 0) {
      *key = SPECS[i].key;
      return CHURN_OK;
    }
  }
  return churn__fail(CHURN_E_NOT_FOUND, "no option named '%s'", name);
}

CHURN_API churn_status churn_option_at(size_t i, churn_option *key) {
  CHURN_CHECK_ARG(key != NULL, "churn_option_at: key is NULL");
  if (i >= NSPECS) return churn__fail(CHURN_E_NOT_FOUND, "option index %zu past the last", i);
  *key = SPECS[i].key;
  return CHURN_OK;
}
