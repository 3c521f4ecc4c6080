/*
 * churn.h -- the one public header of libchurn.
 *
 * libchurn is a churn-analytics library for cable-TV, broadband and mobile operators: it holds
 * subscribers and their time-stamped events, extracts point-in-time features and churn labels,
 * fits and explains a logistic-regression risk model, and computes the retention figures
 * operators report.  This header reads top to bottom like a manual:
 *
 *   1. version                     5. features, labels, warnings
 *   2. status and errors           6. risk model (fit, inference, scoring, reasons,
 *   2b. names of enum values          persistence, out-of-core, separation)
 *   3. options                     7. evaluation (7b: campaigns and uplift)
 *   4. dataset (and dates as text) 8. retention KPIs (8a survival on arrays, 8b KPIs of a
 *                                     dataset, 8c cohort forecasting, 8d simulator)
 *                                  9. deprecated names
 *
 * Stable and experimental: every call is part of the stable ABI (kept, with its signature, for
 * the whole major version) except those declared inside #ifdef CHURN_EXPERIMENTAL (the
 * sufficient statistics and Newton driver of 6d, cohort forecasting 8c, campaigns 7b, and the
 * fault-injection hook of section 2), whose shape may still change in a minor version.  Define
 * CHURN_EXPERIMENTAL before including this header to use them.
 *
 * Conventions (they hold for every call below):
 *  - Every fallible call returns a churn_status; CHURN_OK is 0.  On failure, churn_last_error()
 *    returns a message for the calling thread naming the argument, row, column or byte offset at
 *    fault.  Outputs go through pointer arguments and are written only on success.
 *  - Objects are opaque handles created by churn_<thing>_new/load/fit(&out, ...) and released by
 *    churn_<thing>_free(p); every _free accepts NULL.  Memory the library hands out is released
 *    by a matching churn_*_free, never by free().
 *  - Matrices cross the boundary as (pointer, churn_dtype, rows, cols, row stride in elements):
 *    a C-contiguous float64 matrix is read where it lies, never copied.
 *  - Options are set on a churn_options object through enum keys, so new options never change
 *    a struct layout.  Keys, like status values, are fixed forever once released.
 *  - The library never prints, aborts or exits and has no global mutable state.  A built
 *    read-only object (a fitted model, a loaded dataset) may be used from many threads at once;
 *    calls that change an object need the caller to serialise them.  Each section says which.
 */
#ifndef CHURN_H
#define CHURN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CHURN_API marks exported functions.  Defined here only if the user has not defined it, so a
 * static or a Windows build can override it from the outside. */
#ifndef CHURN_API
#  if defined(_WIN32) && defined(CHURN_BUILDING_DLL)
#    define CHURN_API __declspec(dllexport)
#  elif defined(__GNUC__) && __GNUC__ >= 4
#    define CHURN_API __attribute__((visibility("default")))
#  else
#    define CHURN_API
#  endif
#endif

/* ===================================================================================== *
 * 1. Version
 * ===================================================================================== */

#define CHURN_VERSION_MAJOR 1
#define CHURN_VERSION_MINOR 2
#define CHURN_VERSION_PATCH 0
#define CHURN_VERSION_NUMBER \
  (CHURN_VERSION_MAJOR * 10000 + CHURN_VERSION_MINOR * 100 + CHURN_VERSION_PATCH)
#define CHURN_VERSION_STRINGIFY_(x) #x
#define CHURN_VERSION_STRINGIFY(x) CHURN_VERSION_STRINGIFY_(x)
#define CHURN_VERSION_STRING                                              \
  CHURN_VERSION_STRINGIFY(CHURN_VERSION_MAJOR) "."                        \
  CHURN_VERSION_STRINGIFY(CHURN_VERSION_MINOR) "."                        \
  CHURN_VERSION_STRINGIFY(CHURN_VERSION_PATCH)

/* The version of the library actually loaded, as MAJOR*10000 + MINOR*100 + PATCH.  A binding
 * compares it with CHURN_VERSION_NUMBER it was written for and refuses an older library. */
CHURN_API unsigned churn_version_number(void);

/* The same as "MAJOR.MINOR.PATCH"; a static string, never freed. */
CHURN_API const char *churn_version_string(void);

/* ===================================================================================== *
 * 2. Status and errors
 * ===================================================================================== */

/* One list generates the enum and the names; values are fixed forever and never reused. */
#define CHURN_STATUS_LIST(X)                                                                  \
  X(CHURN_OK, 0, "ok")                                                                        \
  X(CHURN_E_ARG, 1, "invalid argument")                                                       \
  X(CHURN_E_NOMEM, 2, "out of memory")                                                        \
  X(CHURN_E_IO, 3, "input/output error")                                                      \
  X(CHURN_E_FORMAT, 4, "malformed or corrupt input")                                          \
  X(CHURN_E_VERSION, 5, "unsupported format version")                                         \
  X(CHURN_E_DATA, 6, "invalid data value")                                                    \
  X(CHURN_E_SCHEMA, 7, "schema or feature names do not match")                                \
  X(CHURN_E_NOT_FOUND, 8, "unknown id or name")                                               \
  X(CHURN_E_SINGULAR, 9, "singular design")                                                   \
  X(CHURN_E_SEPARATION, 10, "data are separated: maximum likelihood estimate does not exist") \
  X(CHURN_E_NOT_CONVERGED, 11, "did not converge")                                            \
  X(CHURN_E_STATE, 12, "object is not in a state that allows this call")                      \
  X(CHURN_E_BUFFER, 13, "output buffer too small")                                            \
  X(CHURN_E_REJECTED, 14, "input rows were rejected")                                         \
  X(CHURN_E_RANGE, 15, "value out of range")                                                  \
  X(CHURN_E_INTERNAL, 16, "internal error")

/* Every public enum is one list macro X(NAME, value, "name"): the enum below is generated from
 * it, and so are churn_enum_name / churn_enum_find (section 1b), which the `churn` command and
 * both bindings use instead of tables of their own. */
#define CHURN_ENUM_VALUE_(name, value, text) name = value,
typedef enum churn_status { CHURN_STATUS_LIST(CHURN_ENUM_VALUE_) CHURN_STATUS_END_ } churn_status;

/* The symbolic name of a status ("CHURN_E_ARG"); "CHURN_E_UNKNOWN" for values not in the list.
 * A static string, never freed. */
CHURN_API const char *churn_status_name(churn_status status);

/* A short English description of a status ("invalid argument"); static, never freed. */
CHURN_API const char *churn_status_string(churn_status status);

/* The detailed message of the last failed call made by this thread ("" if none).  Valid until
 * the thread's next failing libchurn call; copy it to keep it. */
CHURN_API const char *churn_last_error(void);

/* The status of the last failed call made by this thread (CHURN_OK if none). */
CHURN_API churn_status churn_last_status(void);

/* Forgets this thread's last error. */
CHURN_API void churn_clear_error(void);

#ifdef CHURN_EXPERIMENTAL
/* Fault injection for test suites: make the k-th allocation made by the library on this thread
 * from now on fail (k >= 1); k = 0 switches it off.  Only the calling thread is affected.
 * Returns how many allocations were made on this thread since the previous call, so a test can
 * learn how many points a code path has and then fail each in turn.  EXPERIMENTAL. */
CHURN_API uint64_t churn_testing_fail_alloc(uint64_t k);
#endif

/* ===================================================================================== *
 * 2b. Names of enum values
 *
 * Every public enum's values have a stable lower-case name (for statuses, the symbol), defined
 * once in the enum's list macro.  Files, the `churn` command and both bindings read and write
 * these names through the two calls below instead of keeping tables of their own.
 * ===================================================================================== */

typedef enum churn_enum {
  CHURN_ENUM_STATUS = 1,              /* churn_status: "CHURN_E_ARG" ... */
  CHURN_ENUM_EVENT_KIND = 2,          /* churn_event_kind: "bill", "payment", ... */
  CHURN_ENUM_CANCEL_REASON = 3,       /* churn_cancel_reason: "price", "moving", ... */
  CHURN_ENUM_CATEGORY = 4,            /* churn_category: "natural", ... */
  CHURN_ENUM_RETENTION_OUTCOME = 5,   /* churn_retention_outcome */
  CHURN_ENUM_PACKAGE_DIRECTION = 6,   /* churn_package_direction */
  CHURN_ENUM_SUSPEND_REASON = 7,      /* churn_suspend_reason */
  CHURN_ENUM_USAGE_TYPE = 8,          /* churn_usage_type */
  CHURN_ENUM_TIME_SLOT = 9,           /* churn_time_slot */
  CHURN_ENUM_INGEST_COUNTER = 10,     /* churn_ingest_counter: "rows_read", ... */
  CHURN_ENUM_LABEL_DEFINITION = 11,   /* churn_label_definition: "cancel", "non_use", "either" */
  CHURN_ENUM_WARNING_RULE = 12,       /* churn_warning_rule: "payment_anomaly", ... */
  CHURN_ENUM_PENALTY = 13,            /* churn_penalty: "none", "l2", "l1", ... */
  CHURN_ENUM_COV_TYPE = 14,           /* churn_cov_type: "nonrobust", "HC0", "HC1", "cluster" */
  CHURN_ENUM_STAT = 15,               /* churn_stat: "loglik", "llr_p_value", ... */
  CHURN_ENUM_CALIBRATION_STRATEGY = 16, /* churn_calibration_strategy */
  CHURN_ENUM_KPI_RATE_BASE = 17,      /* churn_kpi_rate_base: "opening", ... */
  CHURN_ENUM_COHORT_KIND = 18,        /* churn_cohort_kind: "sbg", "bdw", "geometric" */
  CHURN_ENUM_SIM_DRIVER = 19          /* churn_sim_driver: "none", "arrears", ... */
} churn_enum;

/* The name of `value` in enum `which` (a static string), or NULL for a value the enum does not
 * have (or an unknown `which`). */
CHURN_API const char *churn_enum_name(churn_enum which, int value);

/* The value named `name` in enum `which` (exact, case-sensitive match) into *value.
 * CHURN_E_NOT_FOUND for a name the enum does not have (the message lists the valid names),
 * CHURN_E_ARG for NULL arguments or an unknown `which`. */
CHURN_API churn_status churn_enum_find(churn_enum which, const char *name, int *value);

/* The index-th entry (0-based, in the list's order) of enum `which`: its value and name.
 * CHURN_E_RANGE past the last entry, so a binding can list every name; CHURN_E_ARG for NULL
 * outputs or an unknown `which`. */
CHURN_API churn_status churn_enum_entry(churn_enum which, int index, int *value,
                                        const char **name);

/* ===================================================================================== *
 * 3. Options
 *
 * One opaque options object carries every tunable setting: fit penalties, feature windows,
 * warning thresholds, ingestion modes.  Each key has a type (integer, real or string), a
 * documented default, and bounds that churn_option_bounds() reports.  A function reads only the
 * keys of its own family and ignores the others, so one object can configure a whole pipeline.
 * An options object is not thread-safe for writing; reading it from many calls at once is safe.
 * ===================================================================================== */

typedef struct churn_options churn_options;

typedef enum churn_option_type {
  CHURN_OPTION_INT = 1,
  CHURN_OPTION_REAL = 2,
  CHURN_OPTION_STRING = 3
} churn_option_type;

/* Option keys.  Gaps are reserved for later keys of the same family.  See each family's section
 * for the meaning; churn_option_name() gives the key's stable textual name. */
typedef enum churn_option {
  /* --- fit (section 6) --- */
  CHURN_OPT_FIT_PENALTY = 100,       /* int churn_penalty, default CHURN_PENALTY_NONE */
  CHURN_OPT_FIT_C = 101,             /* real > 0: inverse penalty strength, default 1.0 */
  CHURN_OPT_FIT_L1_RATIO = 102,      /* real in [0,1] for elastic net, default 0.5 */
  CHURN_OPT_FIT_INTERCEPT = 103,     /* int 0/1, default 1 */
  CHURN_OPT_FIT_TOL = 104,           /* real > 0: max |gradient| / sum of weights on the
                                        internal columns (TOL at churn_model_fit), default 1e-8 */
  CHURN_OPT_FIT_MAX_ITER = 105,      /* int >= 1: Newton iterations, default 100 */
  CHURN_OPT_FIT_CLASS_WEIGHT = 106,  /* int 0 none, 1 balanced; default 0 */
  CHURN_OPT_FIT_STANDARDIZE = 107,   /* int 0/1: standardize internally, default 1 */
  CHURN_OPT_FIT_THREADS = 108,       /* int >= 0: worker threads, 0 = one per core, default 1 */
  CHURN_OPT_FIT_COV_TYPE = 109,      /* int churn_cov_type, default CHURN_COV_NONROBUST */
  CHURN_OPT_FIT_POPULATION_RATE = 110, /* real in [0,1): prior correction, 0 = off; default 0 */
  CHURN_OPT_FIT_MEMORY_BUDGET = 111, /* int bytes for out-of-core fits, default 256 MiB */
  CHURN_OPT_FIT_INFERENCE = 112,     /* int 0/1: covariance and std errors, default 1 */
  /* --- features (section 5) --- */
  CHURN_OPT_FEAT_FIRST_ = 200,
  CHURN_OPT_FEAT_WINDOW_MONTHS = 201,  /* int in [1,120]: window M in months of 30 days, default 3 */
  CHURN_OPT_FEAT_GRACE_DAYS = 202,     /* int in [0,365]: late-payment grace, default 0 */
  CHURN_OPT_FEAT_DUE_DAYS = 203,       /* int in [0,365]: due date of a bill without one, default 30 */
  CHURN_OPT_FEAT_PROMO_DAYS = 204,     /* int in [0,3650]: "promotion ending within N days", 30 */
  CHURN_OPT_FEAT_CONTACT_MINUTES = 205, /* real > 0: first-contact commitment, default 20 */
  CHURN_OPT_FEAT_FIX_HOURS = 206,      /* real > 0: fix commitment, default 24 */
  CHURN_OPT_FEAT_THREADS = 207,        /* int >= 0: worker threads, 0 = one per core, default 1 */
  CHURN_OPT_FEAT_ONEHOT_REFERENCE = 208, /* int 0 most frequent, 1 first label, 2 none; default 0 */
  CHURN_OPT_FEAT_ATTR_MISSING = 209,   /* real: value of a missing numeric attribute, default 0 */
  CHURN_OPT_FEAT_UNKNOWN_LABEL = 210,  /* int 0 fail, 1 all-zero column; default 0 */
  /* --- labels (section 5) --- */
  CHURN_OPT_LABEL_FIRST_ = 300,
  CHURN_OPT_LABEL_HORIZON_DAYS = 301,  /* int in [1,3650]: horizon H, default 90 */
  CHURN_OPT_LABEL_DEFINITION = 302,    /* alias of CHURN_OPT_CHURN_DEFINITION (same value) */
  CHURN_OPT_LABEL_INACTIVE_MONTHS = 303, /* alias of CHURN_OPT_CHURN_INACTIVE_MONTHS */
  CHURN_OPT_CHURN_DEFINITION = 304,    /* int churn_label_definition: the library's one churn
                                          definition, default CHURN_LABEL_EITHER */
  CHURN_OPT_CHURN_INACTIVE_MONTHS = 305, /* int in [1,120]: N months without use, default 3 */
  /* --- warnings (section 5) --- */
  CHURN_OPT_WARN_FIRST_ = 400,
  CHURN_OPT_WARN_LATE_MONTHS = 401,    /* int in [1,120]: K consecutive months late, default 2 */
  CHURN_OPT_WARN_ARREARS = 402,        /* real >= 0: arrears must exceed this, default 0 */
  CHURN_OPT_WARN_VIEW_DROP_PCT = 403,  /* real in [0,100]: viewing drop P%, default 50 */
  CHURN_OPT_WARN_VIEW_MIN_PREV = 404,  /* real >= 0: minimum earlier viewing minutes, default 0 */
  CHURN_OPT_WARN_OFFLINE_DAYS = 405,   /* int in [1,3650]: device offline D days, default 7 */
  CHURN_OPT_WARN_CONTACT_BREACHES = 406, /* int >= 0: contact breaches to fire, 0 = off; 1 */
  CHURN_OPT_WARN_FIX_BREACHES = 407,   /* int >= 0: fix breaches to fire, 0 = off; default 1 */
  CHURN_OPT_WARN_DEADLINE_DAYS = 408,  /* int in [0,365]: contact within W working days, 2 */
  CHURN_OPT_WARN_VIP_TIERS = 409,      /* string: comma-separated high-value tiers, "high" */
  CHURN_OPT_WARN_CALENDAR = 410,      /* string: path of a working-day calendar CSV for the
                                          deadlines (churn_calendar_load), "" = Mon-Fri */
  CHURN_OPT_WARN_UTC_OFFSET = 411,    /* string: the operator's local time for deadlines,
                                          "+08:00", "-0500", "Z" or "" (the dataset's
                                          own, churn_dataset_utc_offset, else UTC);
                                          default "" */
  CHURN_OPT_WARN_REQUEST_DAYS = 412,  /* int in [1,365]: a cancellation request at most this
                                          many days before T fires cancel_request, default 14 */
  /* --- KPIs (section 8) --- */
  CHURN_OPT_KPI_FIRST_ = 500,
  CHURN_OPT_KPI_RATE_BASE = 501,     /* int churn_kpi_rate_base, default CHURN_KPI_RATE_OPENING */
  CHURN_OPT_KPI_TARGET = 502,        /* real in [0,1]: monthly churn-rate target, default 0.035 */
  CHURN_OPT_KPI_TARGET_START = 503,  /* real in [0,1]: snapshot target at month 0, default 1.0 */
  CHURN_OPT_KPI_TARGET_STEP = 504,   /* real in [-1,1]: snapshot target per month, default -0.0125 */
  CHURN_OPT_KPI_TIME_UNIT = 505,     /* int 0 days, 1 months (30.436875 days); default 0 */
  CHURN_OPT_KPI_ARPU_SOURCE = 506,   /* int 0 BILL amounts, 1 PAYMENT amounts; default 0 */
  CHURN_OPT_KPI_UTC_OFFSET = 507,    /* string "+HH:MM" / "-HH:MM": the operator's local time;
                                          "" (default): the dataset's own, else UTC */
  CHURN_OPT_KPI_WINBACK_DAYS = 508,  /* int in [1,3650]: a return within W days is won back, 90 */
  CHURN_OPT_KPI_FOLLOWUP_DAYS = 509, /* int in [1,3650]: a return kept F days is kept, 90 */
  /* --- ingestion (section 4) --- */
  CHURN_OPT_INGEST_FIRST_ = 600,
  CHURN_OPT_INGEST_STRICT = 601,     /* int 0/1, default 0 (section 4) */
  CHURN_OPT_INGEST_UNKNOWN = 602,    /* int 0 fail, 1 reject row, 2 create; default 0 */
  CHURN_OPT_INGEST_BEFORE_ACTIVATION = 603, /* int 0 reject, 1 keep; default 0 */
  CHURN_OPT_INGEST_DEDUP = 604,      /* int 0/1: remove exact duplicates, default 0 */
  CHURN_OPT_INGEST_MAX_REPORTED = 605, /* int >= 0, default 20 */
  CHURN_OPT_INGEST_ID_COLUMN = 606,  /* string, default "subscriber_id" */
  CHURN_OPT_INGEST_DELIMITER = 607,  /* string of 1 char, default "," */
  CHURN_OPT_INGEST_BLOCK_SIZE = 608, /* int bytes in [4 KiB, 1 GiB], default 4 MiB */
  CHURN_OPT_INGEST_UNIX_TIMES = 620, /* int 0/1: bare integers in date columns are Unix seconds */
  CHURN_OPT_INGEST_THREADS = 670,    /* int >= 0: events CSV parse threads, 0 = one per core, default 1 */
  /* --- simulator (section 8) --- */
  CHURN_OPT_SIM_FIRST_ = 700,
  CHURN_OPT_SIM_SUBSCRIBERS = 701,   /* int >= 1: subscribers at the start, default 10000 */
  CHURN_OPT_SIM_MONTHS = 702,        /* int in [1,240]: calendar months simulated, default 24 */
  CHURN_OPT_SIM_SEED = 703,          /* int >= 0: random seed, default 42 */
  CHURN_OPT_SIM_START = 704,         /* int Unix seconds: first instant, default 2024-01-01 */
  CHURN_OPT_SIM_THREADS = 705,       /* int >= 0: worker threads, 0 = one per core, default 0 */
  CHURN_OPT_SIM_REGIONS = 706,       /* int in [1,64]: number of regions, default 8 */
  CHURN_OPT_SIM_BASE_CHURN = 707,    /* real in [0,0.5]: background monthly churn, 0.02 */
  CHURN_OPT_SIM_NEW_RATE = 708,      /* real in [0,0.5]: monthly activations / base, 0.015 */
  CHURN_OPT_SIM_HIGH_VALUE_SHARE = 709, /* real in [0,0.7]: tier "high" share, default 0.05 */
  CHURN_OPT_SIM_COMPETITOR_REGIONS = 710, /* real in [0,1]: regions hit, default 0.25 */
  CHURN_OPT_SIM_COMPETITOR_START = 711, /* int in [-1,240]: campaign month, -1 = months/3 */
  CHURN_OPT_SIM_COMPETITOR_UPLIFT = 712, /* real in [0,100]: campaign strength, default 4 */
  CHURN_OPT_SIM_POOR_SIGNAL_REGIONS = 713, /* real in [0,1]: share of regions, default 0.125 */
  CHURN_OPT_SIM_CONTRACT_SHARE = 714, /* real in [0,1]: subscribers on contract, default 0.5 */
  CHURN_OPT_SIM_PROMO_SHARE = 715,   /* real in [0,1]: on a promotion, default 0.3 */
  CHURN_OPT_SIM_LATE_PAYMENT = 716,  /* real in [0,1]: late payments, default 0.06 */
  CHURN_OPT_SIM_FAULT_RATE = 717,    /* real in [0,10]: faults per subscriber-month, 0.04 */
  CHURN_OPT_SIM_SLA_BREACH = 718,    /* real in [0,1]: faults breaching first contact, 0.12 */
  CHURN_OPT_SIM_RETENTION_SUCCESS = 719, /* real in [0,1]: retention offers that work, 0.3 */
  CHURN_OPT_SIM_VIEW_EVENTS = 720,   /* real in [0,200]: VIEW events per month, default 4 */
  CHURN_OPT_SIM_HEARTBEAT_DAYS = 721, /* int in [1,31]: days between heartbeats, default 7 */
  CHURN_OPT_SIM_SILENT_SHARE = 722,  /* real in [0,1]: movers who never cancel, default 0.1 */
  CHURN_OPT_SIM_CAMPAIGN_MONTH = 723, /* int in [-1,239]: retention campaign's month, -1 = none
                                      * (default) */
  CHURN_OPT_SIM_CAMPAIGN_SHARE = 724, /* real in [0,1]: share of the active base selected, 0.2 */
  CHURN_OPT_SIM_CONTROL_SHARE = 725, /* real in [0,1]: selected held out as control, 0.2 */
  CHURN_OPT_SIM_CAMPAIGN_EFFECT = 726, /* real in [0,1]: the offer's success on price churn, 0.5 */
  CHURN_OPT_SIM_CAMPAIGN_HORIZON = 727, /* int in [1,24]: months the offer acts, default 3 */
  CHURN_OPT_SIM_PROPENSITY_SPREAD = 728, /* real in [0,2.5]: sigma of the subscribers' lognormal
                                      * churn propensity (mean 1), default 0.6; larger: a cohort's
                                      * retention curve flattens faster */
  CHURN_OPT_SIM_SILENT_OTHER_SHARE = 729, /* real in [0,1]: churners of the other drivers (not
                                      * moving, not arrears) who stop using and paying and never
                                      * cancel, default 0 */
  CHURN_OPT_SIM_SEASONALITY = 730,   /* real in [0,1]: amplitude A of the seasonal profile: every
                                      * episode start rate x (1 + A cos(2 pi (month - peak) / 12)),
                                      * default 0 (none) */
  CHURN_OPT_SIM_SEASON_PEAK = 731,   /* int in [1,12]: calendar month of the seasonal peak, 3 */
  CHURN_OPT_SIM_CHURN_SCALE = 732,   /* real in [0,10]: multiplies every driver's episode start
                                      * rate (the churn level; set it so the monthly churn is
                                      * near the KPI target and some months miss it), default 1 */
  CHURN_OPT_SIM_RETURN_SAME_ID = 733, /* real in [0,1]: win-back returns that come back under
                                      * their old id (a new ACTIVATION event after the CANCEL)
                                      * rather than a new id with the same person, default 0 */
  /* --- designs from flat tables (section 6h) --- */
  CHURN_OPT_DESIGN_FIRST_ = 900,
  CHURN_OPT_DESIGN_LABEL = 901,      /* string: the label column, default "" (none) */
  CHURN_OPT_DESIGN_POSITIVE = 902,   /* string: the label value meaning churn, default "" (0/1,
                                      * true/false, yes/no) */
  CHURN_OPT_DESIGN_ID = 903,         /* string: comma-separated id columns, default "" */
  CHURN_OPT_DESIGN_EXCLUDE = 904,    /* string: comma-separated columns left out, default "" */
  CHURN_OPT_DESIGN_MISSING = 905,    /* int 0 reject the row, 1 fill the mean, 2 fill zero; 0 */
  CHURN_OPT_DESIGN_WEIGHT = 906,     /* string: the sample-weight column, default "" */
  CHURN_OPT_DESIGN_CLUSTER = 907,    /* string: the cluster column (cov_type CLUSTER), "" */
  CHURN_OPT_DESIGN_TIME = 908,       /* string: the month (time) column of stacked tables, "" */
  CHURN_OPT_DESIGN_MAX_LEVELS = 909, /* int in [2, 1000000]: levels of a string column, 1000 */
  CHURN_OPT_DESIGN_TOP = 910,        /* int >= 0: rows written by scoring, 0 = all; default 0 */
  CHURN_OPT_DESIGN_REASONS = 911,    /* int in [0, 20]: reasons per scored row, default 3 */
  CHURN_OPT_END_ = 1000
} churn_option;

/* Creates an options object holding every key's default. */
CHURN_API churn_status churn_options_new(churn_options **out);

/* Releases it; NULL is a no-op. */
CHURN_API void churn_options_free(churn_options *opts);

/* Copies all values of src into a new object. */
CHURN_API churn_status churn_options_clone(const churn_options *src, churn_options **out);

/* Sets every key back to its default. */
CHURN_API churn_status churn_options_reset(churn_options *opts);

/* Setters.  Fail with CHURN_E_ARG for an unknown key or a key of another type, CHURN_E_RANGE for
 * a value outside the key's bounds (the object is then unchanged).  An integer key may also be
 * set through set_real when the value is integral. */
CHURN_API churn_status churn_options_set_int(churn_options *opts, churn_option key, int64_t value);
CHURN_API churn_status churn_options_set_real(churn_options *opts, churn_option key, double value);
CHURN_API churn_status churn_options_set_string(churn_options *opts, churn_option key,
                                                const char *value);

/* Getters.  A string is owned by the object and valid until it is changed or freed. */
CHURN_API churn_status churn_options_get_int(const churn_options *opts, churn_option key,
                                             int64_t *value);
CHURN_API churn_status churn_options_get_real(const churn_options *opts, churn_option key,
                                              double *value);
CHURN_API churn_status churn_options_get_string(const churn_options *opts, churn_option key,
                                                const char **value);

/* Describes a key: its type, bounds (inclusive) and default.  For string keys the bounds are the
 * allowed length and the real default is 0.  Any output pointer may be NULL. */
CHURN_API churn_status churn_option_bounds(churn_option key, churn_option_type *type,
                                           double *min, double *max, double *default_value);

/* The key's stable name ("fit.C"), or NULL for an unknown key. */
CHURN_API const char *churn_option_name(churn_option key);

/* Finds a key by its name, so that bindings can pass settings by name. */
CHURN_API churn_status churn_option_find(const char *name, churn_option *key);

/* Enumerates keys: the i-th known key (i from 0) or CHURN_E_NOT_FOUND past the last one. */
CHURN_API churn_status churn_option_at(size_t i, churn_option *key);

/* ===================================================================================== *
 * Arrays across the boundary
 * ===================================================================================== */

/* Element type of an array passed in. */
typedef enum churn_dtype {
  CHURN_F64 = 1,
  CHURN_F32 = 2,
  CHURN_I64 = 3,
  CHURN_I32 = 4,
  CHURN_U8 = 5,
  CHURN_STR = 6 /* const char *const * : an array of NUL-terminated strings */
} churn_dtype;

/* The size in bytes of one element of a dtype (sizeof(char *) for CHURN_STR), 0 if unknown. */
CHURN_API size_t churn_dtype_size(churn_dtype dtype);

/* Writes len bytes of data to path atomically, as the library saves its own files: a temporary
 * file in the same folder (created with mode 0666 less the process umask, which is never
 * changed), every write checked, fsync, then renamed over path.  A reader sees the old file or
 * the new one, never a part; on any failure (a full disk, a missing folder) the old file is
 * untouched, the temporary removed, and CHURN_E_IO names the path and the system's reason.
 * For programs that write their own reports (the `churn` command's CSV outputs go through it).
 * data may be NULL when len is 0.  Thread-safe. */
CHURN_API churn_status churn_file_write(const char *path, const void *data, size_t len);

/* ===================================================================================== *
 * Tables: the small results (KPIs, lift and calibration tables, warning lists)
 *
 * A churn_table is a read-only set of named, typed columns of equal length; the bindings turn it
 * into a DataFrame or a Lua table.  Column pointers stay valid until churn_table_free.  A table
 * may be read from many threads at once.
 * ===================================================================================== */

typedef struct churn_table churn_table;

/* Releases a table; NULL is a no-op. */
CHURN_API void churn_table_free(churn_table *table);

/* Number of rows and of columns (0 for NULL). */
CHURN_API int64_t churn_table_nrows(const churn_table *table);
CHURN_API int64_t churn_table_ncols(const churn_table *table);

/* The name and the element type (CHURN_F64, CHURN_I64 or CHURN_STR) of column j. */
CHURN_API churn_status churn_table_column_info(const churn_table *table, int64_t j,
                                               const char **name, churn_dtype *dtype);

/* Finds a column by name: its index in *j, or CHURN_E_NOT_FOUND. */
CHURN_API churn_status churn_table_find(const churn_table *table, const char *name, int64_t *j);

/* The data of column j: nrows doubles, int64s or strings (const char *const *), by its type.
 * Fails with CHURN_E_ARG when the column has another type. */
CHURN_API churn_status churn_table_f64(const churn_table *table, int64_t j, const double **data);
CHURN_API churn_status churn_table_i64(const churn_table *table, int64_t j, const int64_t **data);
CHURN_API churn_status churn_table_str(const churn_table *table, int64_t j,
                                       const char *const **data);

/* ===================================================================================== *
 * 4. Dataset (subscribers and their events)
 * ===================================================================================== */

/* A dataset holds the subscriber table and the time-stamped event log of one operator.
 *
 * Build it with churn_dataset_new, fill it by batch columnar appends (numpy or billing-system
 * buffers, read where they lie and copied once into the dataset's own columns) or by reading
 * CSV exports, then call churn_dataset_finalize, which sorts the events by (subscriber, time)
 * and indexes them so that each subscriber's history is contiguous.  Save and load it as a
 * versioned msgpack file.
 *
 * Times are Unix seconds (UTC) as int64; CHURN_TIME_NONE marks "no date" (no cancellation, no
 * contract).  Subscribers get dense indices 0..S-1 in the order they were first added; their
 * external ids are strings (an int64 id column is stored as its decimal text, so 42 and "42"
 * are the same subscriber).
 *
 * Validation (every rejected row is counted and the first CHURN_OPT_INGEST_MAX_REPORTED are
 * kept with their row or line number, column and reason: churn_dataset_ingest_count and
 * churn_dataset_rejections; nothing is dropped silently):
 *  - events of an unknown subscriber: the call fails (CHURN_E_NOT_FOUND naming the id and the
 *    row), or the row is rejected, or the subscriber is created, by CHURN_OPT_INGEST_UNKNOWN;
 *  - a subscriber id given twice: the row is rejected;
 *  - a non-finite value (NaN, inf), an unparsable field, an unknown kind or code: rejected;
 *  - an event before its subscriber's activation date: rejected, or kept and counted, by
 *    CHURN_OPT_INGEST_BEFORE_ACTIVATION;
 *  - exact duplicate events (all columns equal): counted by finalize, removed when
 *    CHURN_OPT_INGEST_DEDUP is 1;
 *  - unsorted input: finalize sorts (stable: events with equal subscriber, time and kind keep
 *    their input order).
 * With CHURN_OPT_INGEST_STRICT = 1 any rejection fails the call with CHURN_E_REJECTED naming the
 * first rejected row, and the dataset is left as it was before the call.
 *
 * Thread-safety: appends, reads and finalize change the dataset and need the caller to
 * serialise them; a finalized dataset may be read (getters, features, KPIs, save) from many
 * threads at once.
 */
typedef struct churn_dataset churn_dataset;

#define CHURN_TIME_NONE INT64_MIN  /* "no date" in every int64 time column */
/* Every other time must lie in the years 1..9999 UTC (so that differences of times never
 * overflow downstream); rows with times outside are rejected. */
#define CHURN_TIME_MIN (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define CHURN_TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */
#define CHURN_AUX_NONE INT32_MIN   /* "not given" in the aux1/aux2 event columns */

/* Dates as text, the one parser and formatter the library, the `churn` command and both bindings
 * use, so that none of them can read a date differently.
 *
 * churn_time_parse reads an ISO-8601 date (2024-07-01), a compact date (20240701) or a date-time
 * 2024-07-01T08:30:00 (also with a space for the T) with an optional Z, +HH:MM, +HHMM or +HH
 * offset (at most 18:00 either way; no offset = UTC), in the years 1..9999, into Unix seconds.  Days past the month's end
 * (2024-02-30), hours past 23, leading or trailing spaces, and bare Unix seconds are refused
 * with CHURN_E_FORMAT naming the text; CHURN_E_ARG for NULL arguments.
 *
 * churn_time_format writes t as YYYY-MM-DD when it falls on midnight UTC, else as
 * YYYY-MM-DDTHH:MM:SSZ, NUL-terminated, into buf of cap >= 21 bytes (CHURN_E_ARG otherwise);
 * CHURN_E_RANGE for a time outside CHURN_TIME_MIN..CHURN_TIME_MAX. */
CHURN_API churn_status churn_time_parse(const char *text, int64_t *out);
CHURN_API churn_status churn_time_format(int64_t t, char *buf, size_t cap);

/* Event kinds.  Values are fixed forever; new kinds get new numbers (at most 255).  The event
 * columns are: subscriber (int32 dense index), time (int64 Unix seconds), kind (uint8),
 * code (uint8), code2 (uint8), value (float64), aux1 (int32), aux2 (int32); unused ones are 0
 * (aux: CHURN_AUX_NONE).  Per kind (durations in seconds, relative to the event's time):
 *   BILL            value = amount billed, aux1 = due date - time (CSV column due_date)
 *   PAYMENT         value = amount paid
 *   VIEW            value = minutes watched, code = genre (a label of the dataset's genre
 *                   dictionary or a number), code2 = time slot churn_time_slot
 *   HEARTBEAT, CONNECT, DISCONNECT   set-top box / device signals; code = device number
 *   FAULT           time = reported; aux1 = first contact - time (CSV first_contact),
 *                   aux2 = fixed - time (CSV fixed_at); CHURN_AUX_NONE if not (yet) happened;
 *                   code = fault type (label or number)
 *   COMPLAINT       code = complaint category (label or number)
 *   PACKAGE_CHANGE  code = churn_package_direction, value = new monthly price,
 *                   aux1 = new package code (the subscribers' package dictionary) or NONE
 *   SUSPEND, RESUME code = churn_suspend_reason
 *   CANCEL          code = churn_cancel_reason (churn_cancel_reason_category maps it to
 *                   natural / competitive / service); aux1 = index of the operator's own
 *                   reason label (churn_dataset_reason_labels) or NONE
 *   RETENTION       code = churn_retention_outcome
 *   USAGE           value = volume (MB for data, minutes for voice), code = churn_usage_type
 *   CALLBACK        satisfaction call-back after a repair; code = score 1..5 (0 unknown)
 *   ACTIVATION      (new installation as an event; the subscriber table also has the date)
 *   CANCEL_REQUEST  the subscriber asked to cancel (CSV kind "cancel_request"); code =
 *                   churn_cancel_reason given with the request (as CANCEL), else 0.  Not a
 *                   churn: the CANCEL event, if any, follows; fires the cancel_request warning
 * BILL, PAYMENT, VIEW, PACKAGE_CHANGE and USAGE need a value; other kinds default it to 0. */
#define CHURN_EVENT_KIND_LIST(X)                    \
  X(CHURN_EV_BILL, 1, "bill")                       \
  X(CHURN_EV_PAYMENT, 2, "payment")                 \
  X(CHURN_EV_VIEW, 3, "view")                       \
  X(CHURN_EV_HEARTBEAT, 4, "heartbeat")             \
  X(CHURN_EV_CONNECT, 5, "connect")                 \
  X(CHURN_EV_DISCONNECT, 6, "disconnect")           \
  X(CHURN_EV_FAULT, 7, "fault")                     \
  X(CHURN_EV_COMPLAINT, 8, "complaint")             \
  X(CHURN_EV_PACKAGE_CHANGE, 9, "package_change")   \
  X(CHURN_EV_SUSPEND, 10, "suspend")                \
  X(CHURN_EV_RESUME, 11, "resume")                  \
  X(CHURN_EV_CANCEL, 12, "cancel")                  \
  X(CHURN_EV_RETENTION, 13, "retention")            \
  X(CHURN_EV_USAGE, 14, "usage")                    \
  X(CHURN_EV_CALLBACK, 15, "callback")              \
  X(CHURN_EV_ACTIVATION, 16, "activation")          \
  X(CHURN_EV_CANCEL_REQUEST, 17, "cancel_request")
typedef enum churn_event_kind {
  CHURN_EVENT_KIND_LIST(CHURN_ENUM_VALUE_)
  CHURN_EV_KIND_END_ /* one past the last known kind; grows with new kinds */
} churn_event_kind;

/* Cancellation reasons (code of CHURN_EV_CANCEL), with their CSV names and the category each
 * maps to (churn_cancel_reason_category): price, competitor and promo_end -> competitive;
 * not_wanted, moving, no_device, age_health -> natural; technical, customer_service,
 * package_fit -> service; other_natural -> natural, other_competitive -> competitive,
 * other_service -> service; unknown -> unknown. */
#define CHURN_CANCEL_REASON_LIST(X)                               \
  X(CHURN_REASON_UNKNOWN, 0, "unknown")                           \
  X(CHURN_REASON_PRICE, 1, "price")             /* too high */    \
  X(CHURN_REASON_COMPETITOR, 2, "competitor")   /* better offer */ \
  X(CHURN_REASON_PROMO_END, 3, "promo_end")     /* promotion about to expire */ \
  X(CHURN_REASON_NOT_WANTED, 4, "not_wanted")   /* no longer wants the service */ \
  X(CHURN_REASON_TECHNICAL, 5, "technical")     /* signal, faults, slow repair */ \
  X(CHURN_REASON_CUSTOMER_SERVICE, 6, "customer_service")         \
  X(CHURN_REASON_MOVING, 7, "moving")           /* out of the coverage area */ \
  X(CHURN_REASON_NO_DEVICE, 8, "no_device")     /* no longer owns the TV/device */ \
  X(CHURN_REASON_AGE_HEALTH, 9, "age_health")                     \
  X(CHURN_REASON_PACKAGE_FIT, 10, "package_fit") /* package does not fit */ \
  /* an operator's own reason label mapped to a category only (churn_dataset_set_reason_map) */ \
  X(CHURN_REASON_OTHER_NATURAL, 11, "other_natural")               \
  X(CHURN_REASON_OTHER_COMPETITIVE, 12, "other_competitive")       \
  X(CHURN_REASON_OTHER_SERVICE, 13, "other_service")
typedef enum churn_cancel_reason { CHURN_CANCEL_REASON_LIST(CHURN_ENUM_VALUE_) } churn_cancel_reason;

/* Churn categories (流失分类). */
#define CHURN_CATEGORY_LIST(X)                   \
  X(CHURN_CATEGORY_UNKNOWN, 0, "unknown")        \
  X(CHURN_CATEGORY_NATURAL, 1, "natural")        \
  X(CHURN_CATEGORY_COMPETITIVE, 2, "competitive") \
  X(CHURN_CATEGORY_SERVICE, 3, "service")
typedef enum churn_churn_category { CHURN_CATEGORY_LIST(CHURN_ENUM_VALUE_) } churn_category;
typedef churn_category churn_churn_category; /* the name before 1.2; deprecated */

/* Codes of CHURN_EV_RETENTION (its outcome). */
#define CHURN_RETENTION_OUTCOME_LIST(X)    \
  X(CHURN_OUTCOME_UNKNOWN, 0, "unknown")   \
  X(CHURN_OUTCOME_RETAINED, 1, "retained") \
  X(CHURN_OUTCOME_LOST, 2, "lost")         \
  X(CHURN_OUTCOME_NO_ANSWER, 3, "no_answer")
typedef enum churn_retention_outcome {
  CHURN_RETENTION_OUTCOME_LIST(CHURN_ENUM_VALUE_)
} churn_retention_outcome;

/* Codes of CHURN_EV_PACKAGE_CHANGE. */
#define CHURN_PACKAGE_DIRECTION_LIST(X) \
  X(CHURN_PACKAGE_SIDE, 0, "side")      \
  X(CHURN_PACKAGE_UP, 1, "up")          \
  X(CHURN_PACKAGE_DOWN, 2, "down")
typedef enum churn_package_direction {
  CHURN_PACKAGE_DIRECTION_LIST(CHURN_ENUM_VALUE_)
} churn_package_direction;

/* Codes of CHURN_EV_SUSPEND / RESUME. */
#define CHURN_SUSPEND_REASON_LIST(X)             \
  X(CHURN_SUSPEND_UNKNOWN, 0, "unknown")         \
  X(CHURN_SUSPEND_NON_PAYMENT, 1, "non_payment") \
  X(CHURN_SUSPEND_VOLUNTARY, 2, "voluntary")
typedef enum churn_suspend_reason { CHURN_SUSPEND_REASON_LIST(CHURN_ENUM_VALUE_) } churn_suspend_reason;

/* Codes of CHURN_EV_USAGE. */
#define CHURN_USAGE_TYPE_LIST(X)                 \
  X(CHURN_USAGE_OTHER, 0, "other")               \
  X(CHURN_USAGE_BROADBAND, 1, "broadband")       \
  X(CHURN_USAGE_MOBILE_DATA, 2, "mobile_data")   \
  X(CHURN_USAGE_MOBILE_VOICE, 3, "mobile_voice")
typedef enum churn_usage_type { CHURN_USAGE_TYPE_LIST(CHURN_ENUM_VALUE_) } churn_usage_type;

/* code2 of CHURN_EV_VIEW. */
#define CHURN_TIME_SLOT_LIST(X)          \
  X(CHURN_SLOT_UNKNOWN, 0, "unknown")    \
  X(CHURN_SLOT_MORNING, 1, "morning")    \
  X(CHURN_SLOT_DAYTIME, 2, "daytime")    \
  X(CHURN_SLOT_PRIME, 3, "prime")        \
  X(CHURN_SLOT_LATE, 4, "late")
typedef enum churn_time_slot { CHURN_TIME_SLOT_LIST(CHURN_ENUM_VALUE_) } churn_time_slot;

/* The stable lower-case name of an event kind ("bill"), NULL for an unknown kind. */
CHURN_API const char *churn_event_kind_name(int kind);

/* Finds a kind by its name; CHURN_E_NOT_FOUND for an unknown name. */
CHURN_API churn_status churn_event_kind_find(const char *name, churn_event_kind *kind);

/* The churn category of a cancellation reason (CHURN_CATEGORY_UNKNOWN for unknown reasons). */
CHURN_API churn_category churn_cancel_reason_category(int reason);

/* A column passed in by the caller: `length` elements of `dtype` at `data`, read where they lie
 * (no copy is kept; the dataset copies the values into its own columns).  `valid`, when not
 * NULL, is one byte per element, 0 meaning "missing" (as an empty CSV field).  `reserved` must
 * be 0.  This struct is fixed forever. */
typedef struct churn_column {
  const char *name;
  churn_dtype dtype;
  const void *data;
  int64_t length;
  const uint8_t *valid;
  int64_t reserved;
} churn_column;

/* Ingestion options (family 600).  Defaults in brackets. */
/*   CHURN_OPT_INGEST_STRICT            int 0/1: any rejected row fails the call [0]
 *   CHURN_OPT_INGEST_UNKNOWN           int: events of unknown subscribers: 0 fail the call with
 *                                      CHURN_E_NOT_FOUND, 1 reject the row, 2 create [0]
 *   CHURN_OPT_INGEST_BEFORE_ACTIVATION int: 0 reject events before activation, 1 keep (and
 *                                      count them) [0]
 *   CHURN_OPT_INGEST_DEDUP             int 0/1: finalize removes exact duplicates [0]
 *   CHURN_OPT_INGEST_MAX_REPORTED      int >= 0: rejections kept with details [20]
 *   CHURN_OPT_INGEST_ID_COLUMN         string: CSV column holding the subscriber id
 *                                      ["subscriber_id"]
 *   CHURN_OPT_INGEST_DELIMITER         string of one character: CSV field separator [","];
 *                                      a quote or a line break fails the read with CHURN_E_ARG
 *   CHURN_OPT_INGEST_BLOCK_SIZE        int: CSV read block in bytes [4 MiB]
 *   CHURN_OPT_INGEST_UNIX_TIMES        int 0/1: a bare integer in a CSV date column is Unix
 *                                      seconds [0: refused, the row rejected as a bad date;
 *                                      20240701 is not an integer but a compact date]
 *   CHURN_OPT_INGEST_THREADS           int >= 0: threads parsing an events CSV, 0 = one per
 *                                      core, at most 4 used [1].  With more than one (the
 *                                      calling thread is one), a regular file larger than
 *                                      two blocks is cut at line breaks into blocks of 1 MiB
 *                                      (CHURN_OPT_INGEST_BLOCK_SIZE if smaller); the blocks
 *                                      are parsed in parallel and their rows checked and
 *                                      appended in file order, so the dataset, the counts
 *                                      and the reported rows (with their line numbers) are
 *                                      those of one thread.  A cut that falls inside a quoted
 *                                      field holding a line break is found (the previous
 *                                      block ends past it) and that block is parsed again
 *                                      from the right place.  Memory: 4 x threads blocks and
 *                                      their parsed rows.  Subscriber CSVs use one thread. */

/* Creates an empty dataset. */
CHURN_API churn_status churn_dataset_new(churn_dataset **out);

/* Releases a dataset; NULL is a no-op. */
CHURN_API void churn_dataset_free(churn_dataset *ds);

/* Appends subscribers from `ncols` columns of equal length.  Column names:
 *   subscriber_id (required; CHURN_STR or CHURN_I64; the name is CHURN_OPT_INGEST_ID_COLUMN),
 *   activation, cancellation, contract_end, promotion_end (CHURN_I64 Unix seconds; missing or
 *     CHURN_TIME_NONE = no date),
 *   region, age_band, tier, package, manager (CHURN_STR labels, coded through per-column
 *     dictionaries; CHURN_I64/I32 are taken as their decimal text),
 *   price (monthly price, CHURN_F64/F32), services (number in the bundle, integer), vip (0/1,
 *     integer),
 *   any other name: an extra attribute, numeric (F64/F32/I64/I32/U8, stored as float64, NaN =
 *     missing) or categorical (CHURN_STR).
 * Missing standard columns get their "none" value.  Duplicate column names fail with
 * CHURN_E_ARG, a wrong dtype with CHURN_E_SCHEMA.  opts may be NULL (defaults).  Rows whose id
 * already exists, or whose values are invalid (non-finite price), are rejected (see above). */
CHURN_API churn_status churn_dataset_append_subscribers(churn_dataset *ds,
                                                        const churn_column *cols, size_t ncols,
                                                        const churn_options *opts);

/* Appends events from columns of equal length.  Column names:
 *   subscriber_id (CHURN_STR or CHURN_I64 external ids; the name is CHURN_OPT_INGEST_ID_COLUMN)
 *     or subscriber_index (CHURN_I32/I64 dense index, fastest); exactly one is required,
 *   time (required, CHURN_I64), kind (required, integer churn_event_kind),
 *   code, code2 (integer 0..255), value (CHURN_F64/F32), aux1, aux2 (integer, int32 range).
 * code may also be CHURN_STR, read as the events CSV reads it: a number, a CSV name of the
 * kind's codes, a free-form label (VIEW, FAULT, COMPLAINT), or for CANCEL and CANCEL_REQUEST
 * an operator's own reason label (kept in aux1, see churn_dataset_reason_labels); other text
 * rejects the row as a bad value.  Unknown column names fail with CHURN_E_SCHEMA.  The dataset is no longer finalized
 * afterwards.  opts may be NULL. */
CHURN_API churn_status churn_dataset_append_events(churn_dataset *ds, const churn_column *cols,
                                                   size_t ncols, const churn_options *opts);

/* Reads a subscribers CSV file (RFC 4180: header line, quoted fields, CRLF or LF).  Columns are
 * found by header name, in any order, with the names of churn_dataset_append_subscribers (the
 * id column's name is CHURN_OPT_INGEST_ID_COLUMN); dates are YYYY-MM-DD, YYYYMMDD (8 digits),
 * YYYY-MM-DDTHH:MM:SS (optionally ending in Z or +HH:MM), empty = none; any other bare integer
 * (Unix seconds, an Excel serial day) is a rejected row unless CHURN_OPT_INGEST_UNIX_TIMES = 1
 * says it is Unix seconds; vip is 0/1/true/false/yes/no; extra columns become attributes,
 * numeric when every non-empty value is a number, categorical otherwise.  Text fields (ids,
 * labels, header names) must be UTF-8 without NUL bytes: otherwise the row is rejected naming
 * the byte and its offset (a header fails with CHURN_E_FORMAT; a UTF-16 file is named as such).
 * A UTF-8 byte order mark is skipped.  Unquoted fields lose their edge blanks (" region" is
 * region, "S1 " is S1); quoted ones keep them.  Text after a closing quote ("12"5) rejects the
 * row; a line holding only "" is a row (with one field), not a blank line.  Streams in blocks: memory grows with the result, not the
 * file.  Errors: CHURN_E_IO naming the path; CHURN_E_FORMAT naming the line for an unterminated
 * quoted field or an empty file; CHURN_E_SCHEMA for a missing id column or a repeated header
 * name.  A line with the wrong number of fields, or a value that does not parse, is a rejected
 * row (reported with its 1-based line number and column).  On failure the dataset is left as
 * it was before the call.  Wide files are fine: the cost is linear in the columns (100,000
 * columns x 1 row: about 1 s, 200 MB peak; bench/bench_wide.py); there is no column limit
 * beyond memory. */
CHURN_API churn_status churn_dataset_read_subscribers_csv(churn_dataset *ds, const char *path,
                                                          const churn_options *opts);

/* Reads an events CSV file.  Columns: the id column (CHURN_OPT_INGEST_ID_COLUMN), time, kind
 * (a name such as "bill" or a number) required; optional value (alias amount), code, code2
 * (a number or a name: the CSV names listed at each enum above; for VIEW genres, fault types
 * and complaint categories any label, interned in a per-kind dictionary of at most 256; for
 * CANCEL and CANCEL_REQUEST an operator's own reason label, see churn_dataset_reason_labels),
 * aux1,
 * aux2 (integers), and the date columns due_date (BILL), first_contact and fixed_at (FAULT),
 * new_package (PACKAGE_CHANGE, a package label), which fill aux1/aux2 as documented at
 * churn_event_kind.  A code given as a number has no leading zeros ("007" is a label) and, for
 * a kind with fixed names, must be one of their numbers (cancel code 99 is rejected like an
 * unknown name).  Other columns are ignored and listed in the ingest report
 * (churn_dataset_rejections: row 1, the column, "not an events column: ignored", not counted
 * as a rejected row; past five, one entry counts the rest).  Same streaming, dates, text checks and errors as above (a missing id,
 * time or kind column, a repeated name, or both value and amount is CHURN_E_SCHEMA). */
CHURN_API churn_status churn_dataset_read_events_csv(churn_dataset *ds, const char *path,
                                                     const churn_options *opts);

/* Operators' own cancellation reason labels (an export's "搬迁", "资费高", "RELOCATED").  A
 * CANCEL or CANCEL_REQUEST row of an events CSV whose code is neither a number nor a
 * churn_cancel_reason name is never rejected for it: the churn is kept, its label is interned
 * in the kind's label dictionary and its index stored in the event's aux1, and its code is the
 * reason the dataset's reason map gives the label, else CHURN_REASON_UNKNOWN.  Labels are UTF-8
 * bytes of any script, compared exactly.
 *
 * churn_dataset_set_reason_map adds n mappings label[i] -> target[i] (replacing an earlier
 * mapping of the same label), target[i] being a churn_cancel_reason name ("moving") or a
 * category name ("natural", "competitive", "service": the reasons other_natural,
 * other_competitive, other_service; "unknown": CHURN_REASON_UNKNOWN, label kept).  Events
 * already stored with a mapped label get the new code at once (the dataset stays finalized),
 * later CSV reads use the map.  CHURN_E_ARG names an empty or NULL label and a target that is
 * neither a reason nor a category, and then nothing is changed.
 *
 * churn_dataset_read_reason_map_csv does the same from a CSV file of lines `label,reason` (or
 * `label,category`; a first line whose first field is "label" is a header): CHURN_E_IO naming
 * the path, CHURN_E_FORMAT naming the line of a line that is not two fields, has an empty
 * label, or names an unknown reason or category (nothing is changed then).
 *
 * churn_dataset_reason_labels lists the labels seen: a new table, one row per label (of
 * either kind), most events first (ties: in the order first seen, CANCEL labels first), with
 * columns label (str), reason (str: the
 * churn_cancel_reason name its events carry now), category (str), events (i64: CANCEL and
 * CANCEL_REQUEST events with the label), mapped (i64 1 when the reason map names the label,
 * even as "unknown").  The rows with mapped 0 are the unmapped labels an ingest report lists
 * ("unmapped reason labels: 搬迁 x 312").  Free with churn_table_free. */
CHURN_API churn_status churn_dataset_set_reason_map(churn_dataset *ds,
                                                   const char *const *label,
                                                   const char *const *target, size_t n);
CHURN_API churn_status churn_dataset_read_reason_map_csv(churn_dataset *ds, const char *path);
CHURN_API churn_status churn_dataset_reason_labels(const churn_dataset *ds, churn_table **out);

/* Reads an operator's own exports through a mapping file (INI): one section per file,
 * [subscribers] (or [subscribers.N]) and [events:KIND] (or [events:KIND.N] for several files of
 * one kind, KIND an event kind name such as bill, view), whose keys map dataset fields to the
 * file's column headers (key = header):
 *   subscribers: subscriber_id (required), activation, cancellation, contract_end,
 *     promotion_end (dates), region, age_band, tier, package, manager (labels), price (number),
 *     services (integer), vip (1/0, true/false, yes/no, 是/否);
 *   events: subscriber_id and time (required), value (number), code, code2 (a number, a CSV
 *     name as for churn_dataset_read_events_csv, or a free-form label where the kind has no
 *     fixed names), aux1, aux2 (integers), due_date (bill), first_contact, fixed_at (fault)
 *     (dates), new_package (package_change, a package label);
 * plus `file` (a path relative to the mapping file's folder) and settings that override
 * [input]'s for that file: encoding (utf-8 [default], gb18030, gbk; converted with iconv),
 * date_format (strptime-style: %Y %m %d %H %M %S, %s for Unix seconds, %% and literals; e.g.
 * %Y%m%d or %Y/%m/%d %H:%M:%S), <column>_format (one date column's format), utc_offset (+08:00:
 * the exports' local time; dates are converted to UTC) [+00:00], delimiter [,] and
 * number_format (an example such as 1,234.50 or 1.234,50: thousands separators and a currency
 * sign ¥ ￥ $ € £ RMB CNY or a trailing 元 are then accepted; without it only plain numbers).
 * [reasons] maps cancellation labels (the code column of [events:cancel] and
 * [events:cancel_request]) to a reason name (moving, price, ...) or a category (natural,
 * competitive, service: the reasons other_natural, other_competitive, other_service; unknown),
 * as churn_dataset_set_reason_map does, once every file is read.  Every label that is not a
 * reason name is kept on its event (churn_dataset_reason_labels); one that [reasons] does not
 * name and the dataset's reason map does not map is stored as reason unknown and counted per
 * file (unmapped_labels).  Lines of the INI
 * file are at most 200 bytes; `;` after a space starts a comment.
 *
 * Before any row is read, the mapping and every file's header line are checked: an unknown
 * section, key, event kind or encoding, an unparsable format, a missing `file` or file, or a
 * mapped column absent from the header fails (CHURN_E_FORMAT, CHURN_E_IO or CHURN_E_SCHEMA)
 * with a message naming the section and key.  Then subscriber files are read first, event
 * files after, each in the mapping's order, with the ingestion options of opts (may be NULL)
 * and the rules of the CSV readers; in addition a row is rejected (counted, reported with its
 * 1-based line and column) when a date does not match its format (a bare number is a date only
 * with %s), a number does not match the number format, a byte is invalid in the file's
 * encoding (the reason names its byte offset in the file) or the field count differs from the
 * header's.  Each file is converted to UTF-8 in memory as a whole (blocks of 64 KiB through
 * iconv), so memory grows with the largest file.
 *
 * On success the dataset records [input]'s utc_offset when given (churn_dataset_utc_offset) and,
 * when summary is not NULL, *summary is a new table with one row per file in reading order:
 * section, file (CHURN_STR), rows_read, rows_stored, rows_rejected, unmapped_labels,
 * first_rejected_line (CHURN_I64; 0 = none), first_rejected_column, first_rejected_reason
 * (CHURN_STR, "" = none); free it with churn_table_free.  On failure the dataset is left as it
 * was before the call. */
CHURN_API churn_status churn_dataset_read_mapping(churn_dataset *ds, const char *path,
                                                  const churn_options *opts,
                                                  churn_table **summary);

/* Writes the dataset the way an operator's billing system exports it, into the existing folder
 * dir: users.csv and one <kind>.csv per event kind present (bill.csv, view.csv, ...), GB18030
 * with Chinese headers, times in local time utc_offset seconds east of UTC (whole minutes, at
 * most 18 hours) as 20240701 where a column holds only local midnights, else as
 * 2024/07/01 08:30:00, amounts as "1,234.5", cancellation reasons as Chinese labels, other
 * codes as numbers or their dictionary labels; plus dir/mapping.ini, with which
 * churn_dataset_read_mapping reads the files back to the same subscribers and events (labels
 * of dictionaries may get other codes; extra subscriber attributes are not written).  Every
 * file is written atomically.  Used by `churn simulate --export-style operator`. */
CHURN_API churn_status churn_dataset_write_operator_export(const churn_dataset *ds,
                                                           const char *dir,
                                                           int64_t utc_offset);

/* The local time of the dataset's exports, in seconds east of UTC (28800 for +08:00), as a
 * mapping's [input] utc_offset or churn_dataset_set_utc_offset recorded it; saved with the
 * dataset (files written before 1.3 record none).  CHURN_E_NOT_FOUND when none is recorded. */
CHURN_API churn_status churn_dataset_utc_offset(const churn_dataset *ds, int64_t *seconds);

/* Records the exports' local time (seconds east of UTC, at most 18 hours either way, else
 * CHURN_E_RANGE). */
CHURN_API churn_status churn_dataset_set_utc_offset(churn_dataset *ds, int64_t seconds);

/* Sorts the events by (subscriber, time, kind), stable, counts exact duplicates (removing them
 * when CHURN_OPT_INGEST_DEDUP is 1) and builds the per-subscriber offsets.  Idempotent; O(n)
 * plus sorting within each subscriber.  opts may be NULL. */
CHURN_API churn_status churn_dataset_finalize(churn_dataset *ds, const churn_options *opts);

/* 1 when the dataset is finalized (no append since the last finalize), else 0. */
CHURN_API int churn_dataset_is_finalized(const churn_dataset *ds);

/* Numbers of subscribers and events (0 for NULL). */
CHURN_API int64_t churn_dataset_num_subscribers(const churn_dataset *ds);
CHURN_API int64_t churn_dataset_num_events(const churn_dataset *ds);

/* The external id of subscriber i (owned by the dataset, valid until the next append). */
CHURN_API churn_status churn_dataset_subscriber_id(const churn_dataset *ds, int64_t i,
                                                   const char **id);

/* The dense index of an external id, or CHURN_E_NOT_FOUND. */
CHURN_API churn_status churn_dataset_find_subscriber(const churn_dataset *ds, const char *id,
                                                     int64_t *index);

/* Subscriber columns, enumerated by j from 0 (CHURN_E_NOT_FOUND past the last): the standard
 * columns in the order listed at append_subscribers (without subscriber_id), then the extra
 * attributes.  dtype is CHURN_I64 (dates), CHURN_F64 (price, numeric attributes), CHURN_I32
 * (services; category codes, -1 = missing) or CHURN_U8 (vip). */
CHURN_API churn_status churn_dataset_subscriber_column_at(const churn_dataset *ds, int64_t j,
                                                          const char **name, churn_dtype *dtype);

/* The data of a subscriber column by name: num_subscribers values of *dtype, owned by the
 * dataset and valid until the next append.  CHURN_E_NOT_FOUND for an unknown name. */
CHURN_API churn_status churn_dataset_subscriber_column(const churn_dataset *ds, const char *name,
                                                       churn_dtype *dtype, const void **data);

/* The label of code `code` of a categorical subscriber column (region, ..., or a categorical
 * attribute) or of the event code dictionary of a kind ("view" = genres); *count (may be
 * NULL) receives the number of labels.  With code = -1 only the count is returned. */
CHURN_API churn_status churn_dataset_category_label(const churn_dataset *ds, const char *column,
                                                    int32_t code, const char **label,
                                                    int32_t *count);

/* The data of an event column by name (subscriber I32, time I64, kind U8, code U8, code2 U8,
 * value F64, aux1 I32, aux2 I32): num_events values, owned by the dataset, valid until the
 * next append or finalize. */
CHURN_API churn_status churn_dataset_event_column(const churn_dataset *ds, const char *name,
                                                  churn_dtype *dtype, const void **data);

/* The per-subscriber offsets of a finalized dataset: num_subscribers + 1 values; the events of
 * subscriber s are rows [off[s], off[s+1]).  CHURN_E_STATE when not finalized. */
CHURN_API churn_status churn_dataset_event_offsets(const churn_dataset *ds, const int64_t **off);

/* Ingestion counters (cumulative over the dataset's life). */
#define CHURN_INGEST_COUNTER_LIST(X)                                                     \
  X(CHURN_COUNT_ROWS_READ, 0, "rows_read") /* data rows seen (CSV lines or column rows) */ \
  X(CHURN_COUNT_ROWS_ACCEPTED, 1, "rows_accepted")                                    \
  X(CHURN_COUNT_REJECTED, 2, "rejected") /* all rejected rows */                      \
  X(CHURN_COUNT_REJECTED_UNKNOWN_SUBSCRIBER, 3, "rejected_unknown_subscriber")        \
  X(CHURN_COUNT_REJECTED_BAD_VALUE, 4, "rejected_bad_value") /* unparsable, out of range, \
                                                        unknown kind or code */        \
  X(CHURN_COUNT_REJECTED_NON_FINITE, 5, "rejected_non_finite")                        \
  X(CHURN_COUNT_REJECTED_BEFORE_ACTIVATION, 6, "rejected_before_activation")          \
  X(CHURN_COUNT_REJECTED_DUPLICATE_ID, 7, "rejected_duplicate_id")                    \
  X(CHURN_COUNT_KEPT_BEFORE_ACTIVATION, 8, "kept_before_activation")                  \
  X(CHURN_COUNT_SUBSCRIBERS_CREATED, 9, "subscribers_created")                        \
  X(CHURN_COUNT_DUPLICATE_EVENTS, 10, "duplicate_events") /* found by the last finalize */ \
  X(CHURN_COUNT_DUPLICATES_REMOVED, 11, "duplicates_removed") /* cumulative */        \
  X(CHURN_COUNT_REJECTED_MISSING_VALUE, 12, "rejected_missing_value")
typedef enum churn_ingest_counter {
  CHURN_INGEST_COUNTER_LIST(CHURN_ENUM_VALUE_)
  CHURN_COUNT_END_
} churn_ingest_counter;

/* Reads one counter. */
CHURN_API churn_status churn_dataset_ingest_count(const churn_dataset *ds,
                                                  churn_ingest_counter which, int64_t *value);

/* The first rejections (at most CHURN_OPT_INGEST_MAX_REPORTED over the dataset's life) as a new
 * table with columns source (CHURN_STR: file path or "append_events"/"append_subscribers"),
 * row (CHURN_I64: 1-based CSV line, or 0-based row of the appended columns), column (CHURN_STR)
 * and reason (CHURN_STR).  Free with churn_table_free. */
CHURN_API churn_status churn_dataset_rejections(const churn_dataset *ds, churn_table **out);

/* Forgets the counters and the kept rejections. */
CHURN_API void churn_dataset_clear_report(churn_dataset *ds);

/* Saves the whole dataset as a versioned msgpack file (format "churn-dataset"), atomically.
 * The dataset is finalized first if it is not.  Exact: loading gives back the same columns,
 * dictionaries and counters. */
CHURN_API churn_status churn_dataset_save(churn_dataset *ds, const char *path);

/* Loads a dataset saved by churn_dataset_save.  Truncated, corrupt or inconsistent input fails
 * with CHURN_E_FORMAT (CHURN_E_VERSION for a newer major version), never crashes. */
CHURN_API churn_status churn_dataset_load(const char *path, churn_dataset **out);

/* The same from bytes in memory (they are not kept). */
CHURN_API churn_status churn_dataset_load_buffer(const void *data, size_t len,
                                                 churn_dataset **out);

/* Writes a dataset as the two CSV files churn_dataset_read_subscribers_csv and
 * churn_dataset_read_events_csv read back to the same dataset (atomically: each file is
 * replaced whole or not at all).  subscribers_path: subscriber_id, activation, cancellation,
 * contract_end, promotion_end (YYYY-MM-DDTHH:MM:SSZ, empty = none), region, age_band, tier,
 * package, manager, price, services, vip, then the extra attributes.  events_path (in the
 * dataset's order; finalized datasets are sorted): subscriber_id, time, kind (its name), code,
 * code2 (CSV names where the kind has them, labels of the kind's dictionary, else numbers),
 * value (text that reads back to the same double), aux1, aux2 (empty = CHURN_AUX_NONE),
 * new_package (the package label of a PACKAGE_CHANGE, which the reader maps to aux1).  Either
 * path may be NULL to skip that file.  Each file is built in memory before its atomic write
 * (about 53 bytes per event).  CHURN_E_IO naming the path.  Reads ds only. */
CHURN_API churn_status churn_dataset_write_csv(const churn_dataset *ds,
                                               const char *subscribers_path,
                                               const char *events_path);

/* ===================================================================================== *
 * 5. Features, labels and early-warning rules
 * ===================================================================================== */

/* Point-in-time features.  churn_features_extract computes, for every subscriber in the base at
 * a reference time T (Unix seconds) and for each of several T ("snapshots", stacked), one row of
 * named features from ONLY the events with time <= T: an event exactly at T counts, nothing
 * after T is read, and facts carried by an event about a later moment (a fault's first contact
 * or fix, a bill's settlement) count only once they happened by T.  Subscriber-table dates
 * that are agreed in advance (contract end, promotion end) are known at T; the cancellation
 * date is only used to leave out subscribers cancelled at or before T.  Other table columns
 * (tier, region, package, services, vip, attributes) are taken as they are stored.
 *
 * Rows: for each T in the order given, the subscribers in dense-index order that were
 * activated at or before T (or whose activation is unknown) and are not cancelled at or before
 * T (by the table's cancellation date or by a CANCEL event at or before T).
 *
 * Windows and units: a month is 30 days.  W is the window of the last M months, the times
 * (T - L, T] with L = M x 30 days (M = CHURN_OPT_FEAT_WINDOW_MONTHS); "previous" is the M months
 * before it, (T - 2L, T - L].  Day counts use UTC calendar days: the M x 30 days ending with
 * T's day.  Days are 86400 seconds.
 *
 * Payments: a bill's due date is its time + aux1 (CHURN_OPT_FEAT_DUE_DAYS when aux1 is not
 * given); payments are applied to bills oldest first; a bill is settled when the cumulative
 * payments reach the cumulative amount billed up to it, and is late when that happens after
 * its due date + CHURN_OPT_FEAT_GRACE_DAYS, or has not happened by T once that date is before
 * T.  A bill still open whose date has not passed is not judged yet.
 *
 * The catalog (churn_feature_info enumerates it with these descriptions; [category] is the churn
 * category the feature points to, used to map a model's reasons to a cause).  A category is given
 * only where the domain ties the feature to a cause: the operator's service failings -> service;
 * price, rate increases, expiring promotions and contracts -> competitive (as the cancellation
 * reasons price and promo_end); arrears, silence (viewing, usage, an offline box), suspensions,
 * package changes and account facts say that a subscriber may leave, not why -> unknown (the
 * cause must be asked):
 *  payment [unknown: arrears are a symptom whose cause must be asked]
 *   payment.late_months_run      bills paid late in a row, counting back from the latest judged
 *   payment.arrears              unpaid amount at T of bills whose due date + grace is before T
 *   payment.days_since_payment   days from the last payment to T (from activation when none;
 *                                0 when activation is unknown)
 *   payment.late_in_window       late bills whose due date + grace lies in W
 *  usage [unknown: silence, whose cause must be asked]
 *   usage.view_minutes           viewing minutes (VIEW values) in W
 *   usage.view_minutes_prev      viewing minutes in the previous M months
 *   usage.view_drop              (prev - recent) / prev; 0 when prev is 0 (negative = growth)
 *   usage.active_days            days with a VIEW or USAGE event among the M x 30 days
 *   usage.genres                 distinct genres (VIEW codes) in W
 *   usage.prime_share            share of W's viewing minutes in CHURN_SLOT_PRIME (0 if none)
 *   usage.broadband_mb, usage.mobile_data_mb, usage.mobile_voice_min
 *                                USAGE volume of that type in W
 *   usage.broadband_trend, usage.mobile_data_trend, usage.mobile_voice_trend
 *                                (recent - prev) / prev volume; 0 when prev is 0
 *  device [unknown: a box that stays off may mean a move, no TV, or another provider]
 *   device.days_since_connect    days from the last HEARTBEAT or CONNECT to T (from activation
 *                                when none; 0 when activation is unknown)
 *   device.offline_share         1 - days with a HEARTBEAT/CONNECT / days of the M x 30 that are
 *                                on or after activation day; 0 without any device event by T
 *  service [service]
 *   service.faults               FAULT reports in W
 *   service.contact_minutes      mean minutes to first contact over W's faults contacted by T
 *                                (0 when none)
 *   service.fix_hours            mean hours to fix over W's faults fixed by T (0 when none)
 *   service.contact_breaches     W's faults contacted later than CHURN_OPT_FEAT_CONTACT_MINUTES,
 *                                or not contacted by T although that time has passed
 *   service.fix_breaches         the same for the fix and CHURN_OPT_FEAT_FIX_HOURS
 *   service.complaints           COMPLAINT events in W
 *   service.unresolved           faults reported at or before T (any time) not fixed by T
 *  account
 *   account.tenure_months        (T - activation) / 30 days; 0 when unknown       [unknown]
 *   account.arpu                 amount billed in W / M                           [competitive]
 *   account.arpu_change          (billed in W - billed in previous) / M           [competitive]
 *   account.services             services in the bundle (0 when unknown)          [unknown]
 *   account.months_to_contract_end  (contract end - T) / 30 days if after T, else 0 [competitive]
 *   account.in_contract          1 when the contract ends after T                 [competitive]
 *   account.promo_ending         1 when the promotion ends in (T, T + N days],
 *                                N = CHURN_OPT_FEAT_PROMO_DAYS                    [competitive]
 *   account.downgrades, account.upgrades  PACKAGE_CHANGE down / up in W            [unknown]
 *   account.suspensions          SUSPEND events in W                              [unknown]
 *   account.suspended            1 when the last SUSPEND/RESUME by T is a SUSPEND [unknown]
 *   account.vip                  the VIP flag                                     [unknown]
 *   account.tier, account.region, account.age_band, account.package
 *                                one-hot: a column "account.tier=<label>" per label but the
 *                                reference level                                  [unknown]
 *  extra attributes [unknown]
 *   attr.<name>                  a numeric attribute as it is (missing: CHURN_OPT_FEAT_ATTR_MISSING);
 *                                a categorical one one-hot: "attr.<name>=<label>" per label but
 *                                the reference level
 * One-hot reference level (CHURN_OPT_FEAT_ONEHOT_REFERENCE): 0 the most frequent label among all
 * subscribers of the dataset (ties: the label seen first), 1 the label seen first, 2 none (every
 * label gets a column).  A subscriber with a missing label has 0 in every column of it.
 *
 * Selecting features: names is an array of nnames names, or NULL / 0 for everything ("*").  A
 * name is a catalog name, "account.tier" (all its one-hot columns), "account.tier=gold" (one
 * column), "attr.<name>", "attr.<name>=<label>", a group "payment.*", "usage.*", "device.*",
 * "service.*", "account.*", "attr.*", or "*".  Columns come in the order of the names (a
 * group in catalog order).  Passing a model's feature names back reproduces its columns on
 * another dataset as long as every one-hot label exists in it; a label it lacks fails with
 * CHURN_E_NOT_FOUND naming it, or, with CHURN_OPT_FEAT_UNKNOWN_LABEL = 1, gives a column of
 * zeros (no subscriber has that label), which is what scoring a new export needs. */
typedef struct churn_features churn_features;

/* Extracts the feature matrix for the ntimes >= 1 reference times as_of[] (stacked in that
 * order).  opts (may be NULL) is read for the CHURN_OPT_FEAT_* keys; CHURN_OPT_FEAT_THREADS
 * splits subscribers over worker threads (the result does not depend on it).  Fails with
 * CHURN_E_ARG (NULL, ntimes 0, a CHURN_TIME_NONE time, a NULL or twice-selected name),
 * CHURN_E_STATE (dataset not finalized), CHURN_E_NOT_FOUND naming an unknown feature or label,
 * CHURN_E_RANGE for a column name longer than 511 bytes, CHURN_E_NOMEM.
 * The dataset is only read (safe concurrently with other readers).  Free *out with
 * churn_features_free.  The result does not refer to the dataset afterwards. */
CHURN_API churn_status churn_features_extract(const churn_dataset *ds, const int64_t *as_of,
                                              size_t ntimes, const char *const *names,
                                              size_t nnames, const churn_options *opts,
                                              churn_features **out);

/* Releases the features; NULL is a no-op. */
CHURN_API void churn_features_free(churn_features *f);

/* Rows and columns (0 for NULL). */
CHURN_API int64_t churn_features_nrows(const churn_features *f);
CHURN_API int64_t churn_features_ncols(const churn_features *f);

/* The matrix: nrows x ncols float64, row-major (row stride ncols), owned by f and valid until
 * churn_features_free; hand it to churn_model_fit as (X, CHURN_F64, nrows, ncols, ncols). */
CHURN_API const double *churn_features_matrix(const churn_features *f);

/* The ncols column names, for churn_model_fit's feature_names; owned by f. */
CHURN_API const char *const *churn_features_names(const churn_features *f);

/* Per row: the subscriber's dense index (churn_dataset_subscriber_id gives its external id)
 * and the reference time T of the row; nrows values each, owned by f. */
CHURN_API const int64_t *churn_features_subscribers(const churn_features *f);
CHURN_API const int64_t *churn_features_times(const churn_features *f);

/* The name and churn category of column j (either output may be NULL); CHURN_E_ARG when j is
 * not in [0, ncols). */
CHURN_API churn_status churn_features_column(const churn_features *f, int64_t j,
                                             const char **name, churn_category *category);

/* The number of catalog entries (numeric features and one-hot groups such as account.tier). */
CHURN_API int64_t churn_feature_catalog_size(void);

/* Catalog entry i (0-based): its name, a one-line description with the formula, and its churn
 * category (outputs may be NULL; static strings).  CHURN_E_NOT_FOUND past the last. */
CHURN_API churn_status churn_feature_info(int64_t i, const char **name, const char **description,
                                          churn_category *category);

/* The churn category of a feature (output column) name, for mapping a model's reasons to a
 * cause: the catalog's category for catalog names and their one-hot columns, UNKNOWN for
 * "attr.*" names; CHURN_E_NOT_FOUND naming any other name.  Pure. */
CHURN_API churn_status churn_feature_category(const char *name, churn_category *category);

/* The churn definition (CHURN_OPT_CHURN_DEFINITION, alias CHURN_OPT_LABEL_DEFINITION), one
 * for the whole library: the labels and every KPI of section 8 read it.
 *  - CANCEL: a subscriber churns when it cancels (a CANCEL event, or the table's
 *    cancellation date);
 *  - NON_USE: when N x 30 days (N = CHURN_OPT_CHURN_INACTIVE_MONTHS) pass without a VIEW or
 *    USAGE event.  The non-use clock starts at the later of activation and the first VIEW or
 *    USAGE event of the whole dataset (the start of the usage data: silence before it is
 *    unobserved); the events up to the end of the period asked about must be in the dataset
 *    (silence after the data is counted as non-use).  A cancellation does not end a spell under NON_USE;
 *    its reason becomes the category of the non-use churn that follows.  A dataset without
 *    any VIEW or USAGE event cannot be judged: calls fail with CHURN_E_DATA saying so;
 *  - EITHER (default, the domain's definition): the first moment either holds.  A dataset
 *    without any VIEW or USAGE event is judged by cancellation alone under EITHER.
 * After a non-use churn, the next use (or an activation) opens a new spell: a return.  A
 * CANCEL event while churned by non-use (before a return) gives that churn its reason, so its
 * category is known; otherwise a non-use churn's category is CHURN_CATEGORY_UNKNOWN.  At
 * equal times a cancellation ends a spell before non-use does, and a use exactly N x 30 days
 * after the last one keeps it open. */
#define CHURN_LABEL_DEFINITION_LIST(X)                                                    \
  X(CHURN_LABEL_CANCEL, 0, "cancel")   /* churned = cancelled */                             \
  X(CHURN_LABEL_NON_USE, 1, "non_use") /* churned = N months without using any service */    \
  X(CHURN_LABEL_EITHER, 2, "either")   /* either of the two (the domain's definition) */
typedef enum churn_label_definition {
  CHURN_LABEL_DEFINITION_LIST(CHURN_ENUM_VALUE_)
} churn_label_definition;

/* The definition named "cancel", "non_use" or "either" (CHURN_E_ARG naming any other name,
 * or NULL arguments).  Pure. */
CHURN_API churn_status churn_definition_parse(const char *name, churn_label_definition *out);

/* Labels of n rows (subscribers[i] a dense index, as_of[i] its T; e.g. from
 * churn_features_subscribers/_times): y[i] = 1.0 when the subscriber churned within the horizon
 * (T, T + H], H = CHURN_OPT_LABEL_HORIZON_DAYS, else 0.0: when one of its active spells under
 * the churn definition above (CHURN_OPT_CHURN_DEFINITION, CHURN_OPT_CHURN_INACTIVE_MONTHS; the
 * spells every KPI of section 8 counts, "Active spells") ends in (T, T + H].  A subscriber
 * already churned at T counts only if it returns and churns again in the horizon; the events
 * up to T + H must be in the dataset.  category (may be NULL) receives -1 for non-churners,
 * else the churn_category of the churn's cancellation reason
 * (churn_cancel_reason_category), CHURN_CATEGORY_UNKNOWN for a non-use churn whose reason is
 * not known or a cancellation without a CANCEL event.  churn_time (may be NULL) receives the
 * churn moment (the earlier of the two under EITHER) or CHURN_TIME_NONE.  CHURN_E_ARG names a
 * bad index or time, CHURN_E_STATE for a dataset that is not finalized, CHURN_E_DATA when
 * the definition is NON_USE and the dataset has no usage events.  Reads the dataset only. */
CHURN_API churn_status churn_labels_compute(const churn_dataset *ds, const int64_t *subscribers,
                                            const int64_t *as_of, int64_t n,
                                            const churn_options *opts, double *y,
                                            int32_t *category, int64_t *churn_time);

/* Early-warning rules (流失预警), each evaluated as of T on the features above. */
/* The rules:
 *   payment_anomaly: late_months_run >= K (CHURN_OPT_WARN_LATE_MONTHS) and arrears >
 *     CHURN_OPT_WARN_ARREARS; observed = months run;
 *   viewing_drop: 100 x view_drop > P (CHURN_OPT_WARN_VIEW_DROP_PCT), when the previous minutes
 *     are > 0 and >= CHURN_OPT_WARN_VIEW_MIN_PREV; observed = drop in percent;
 *   device_offline: days_since_connect >= D (CHURN_OPT_WARN_OFFLINE_DAYS), for subscribers with a
 *     device event by T; observed = days;
 *   contact_breach: service.contact_breaches >= CHURN_OPT_WARN_CONTACT_BREACHES;
 *   fix_breach: service.fix_breaches >= CHURN_OPT_WARN_FIX_BREACHES;
 *   cancel_request: a CANCEL_REQUEST event in (T - D days, T], D = CHURN_OPT_WARN_REQUEST_DAYS;
 *     observed = days since the latest; always routed to "retention_desk". */
#define CHURN_WARNING_RULE_LIST(X)                          \
  X(CHURN_WARN_PAYMENT_ANOMALY, 1, "payment_anomaly")       \
  X(CHURN_WARN_VIEWING_DROP, 2, "viewing_drop")             \
  X(CHURN_WARN_DEVICE_OFFLINE, 3, "device_offline")         \
  X(CHURN_WARN_CONTACT_BREACH, 4, "contact_breach")         \
  X(CHURN_WARN_FIX_BREACH, 5, "fix_breach")                 \
  X(CHURN_WARN_CANCEL_REQUEST, 6, "cancel_request")
typedef enum churn_warning_rule { CHURN_WARNING_RULE_LIST(CHURN_ENUM_VALUE_) } churn_warning_rule;

/* The warning list as of T for the subscribers in the base at T (as for features): a new table
 * with one row per (subscriber, rule fired), by subscriber index then rule, and the columns
 *   subscriber (i64 dense index), subscriber_id (str), rule (str: "payment_anomaly",
 *   "viewing_drop", "device_offline", "contact_breach", "fix_breach", "cancel_request"),
 *   category (str: the churn category the rule points to, only where the domain ties it:
 *     payment_anomaly  unknown  (arrears: the cause must be asked)
 *     viewing_drop     unknown  (silence)
 *     device_offline   unknown  (silence: a move, no TV, or another provider)
 *     contact_breach   service  (the operator's own commitment broken)
 *     fix_breach       service
 *     cancel_request   unknown  (the request's reason, if any, is in the event's code)),
 *   observed (f64), threshold (f64), detail (str, for people), as_of (i64 T),
 *   deadline (i64: T + W working days, W = CHURN_OPT_WARN_DEADLINE_DAYS, counted on the
 *   calendar CHURN_OPT_WARN_CALENDAR (holidays and make-up working days; weekends only when
 *   unset) in the local time CHURN_OPT_WARN_UTC_OFFSET: churn_calendar_deadline),
 *   vip (i64 0/1), tier (str), manager (str, "" when none),
 *   route (str: "retention_desk" for cancel_request, else "vip_manager" for VIP subscribers and
 *   tiers listed in CHURN_OPT_WARN_VIP_TIERS, else "customer_manager" when a manager is
 *   assigned, else "customer_service").
 * opts (may be NULL) is read for CHURN_OPT_FEAT_* (windows, SLAs, threads) and CHURN_OPT_WARN_*.
 * Errors as churn_features_extract, and CHURN_E_ARG naming warnings.utc_offset when it does not
 * parse, the errors of churn_calendar_load (prefixed "warnings.calendar") for the calendar.
 * Free with churn_table_free. */
CHURN_API churn_status churn_warnings_compute(const churn_dataset *ds, int64_t as_of,
                                              const churn_options *opts, churn_table **out);

/* A working-day calendar: the official holidays and make-up working days (调休) of an operator's
 * country, read from a CSV file with the header `date,type` and one line per day:
 *   2024-10-01,holiday        2024-09-29,workday
 * (dates YYYY-MM-DD or YYYYMMDD; type "holiday" or "workday"; blank lines skipped; a UTF-8 BOM
 * and CRLF accepted).  A day not listed is a working day from Monday to Friday.  examples/
 * calendar_cn_2024_2025.csv holds the State Council schedules of 2024 and 2025.
 * churn_calendar_load fails with CHURN_E_IO naming the path, CHURN_E_FORMAT naming the file and
 * the line of a line that does not parse (not two fields, not a date, another type) or of a day
 * listed both as a holiday and as a workday.  A calendar is read-only once loaded (safe from many
 * threads); free it with churn_calendar_free (NULL is a no-op). */
typedef struct churn_calendar churn_calendar;
CHURN_API churn_status churn_calendar_load(const char *path, churn_calendar **out);
CHURN_API void churn_calendar_free(churn_calendar *cal);

/* The contact deadline in the operator's local time: t plus working_days (0..3650) working days
 * of cal (NULL = Monday to Friday: each day added skips Saturdays and Sundays, so Friday + 1
 * is Monday and 0 days gives t itself), counted on the local calendar
 * days of the zone utc_offset seconds east of UTC (28800 for Beijing), keeping the time of day;
 * into *out.  With the Chinese calendar, 2024-09-30 09:00+08:00 plus 2 working days is
 * 2024-10-09 09:00+08:00 (1-7 October are holidays, 8 October the first working day).
 * CHURN_E_ARG for a NULL out, t outside the years 1..9999, working_days out of range or
 * |utc_offset| >= 86400; CHURN_E_RANGE when the deadline passes the year 9999. */
CHURN_API churn_status churn_calendar_deadline(const churn_calendar *cal, int64_t t,
                                               int64_t working_days, int64_t utc_offset,
                                               int64_t *out);

/* ===================================================================================== *
 * 6. Risk model
 * ===================================================================================== */

/* Penalties for churn_model_fit (CHURN_OPT_FIT_PENALTY). */
#define CHURN_PENALTY_LIST(X)                   \
  X(CHURN_PENALTY_NONE, 0, "none")              \
  X(CHURN_PENALTY_L2, 1, "l2")                  \
  X(CHURN_PENALTY_L1, 2, "l1")                  \
  X(CHURN_PENALTY_ELASTICNET, 3, "elasticnet")  \
  X(CHURN_PENALTY_FIRTH, 4, "firth")
typedef enum churn_penalty { CHURN_PENALTY_LIST(CHURN_ENUM_VALUE_) } churn_penalty;

/* Covariance estimators for inference (CHURN_OPT_FIT_COV_TYPE). */
#define CHURN_COV_TYPE_LIST(X)               \
  X(CHURN_COV_NONROBUST, 0, "nonrobust")     \
  X(CHURN_COV_HC0, 1, "HC0")                 \
  X(CHURN_COV_HC1, 2, "HC1")                 \
  X(CHURN_COV_CLUSTER, 3, "cluster")
typedef enum churn_cov_type { CHURN_COV_TYPE_LIST(CHURN_ENUM_VALUE_) } churn_cov_type;

/* A fitted logistic-regression risk model: P(churn | x) = 1 / (1 + exp(-(b0 + x.b))).
 * Built by churn_model_fit (or churn_solver_finish, or loaded from a file), read-only afterwards:
 * every churn_model_* call below except _free may run on one model from many threads at once. */
typedef struct churn_model churn_model;

/* --- 6a. Fitting ---------------------------------------------------------------------------- *
 * churn_model_fit maximises the (weighted, penalised) log-likelihood by Newton / IRLS steps.
 * Options read (CHURN_OPT_FIT_*; opts NULL means all defaults):
 *  - PENALTY (default NONE).  The objectives are scikit-learn's LogisticRegression's:
 *      NONE:       minimise  sum_i w_i logloss_i                       (statsmodels Logit)
 *      L2:         minimise  0.5*||b||^2 + C * sum_i w_i logloss_i
 *      L1:         minimise  ||b||_1 + C * sum_i w_i logloss_i
 *      ELASTICNET: minimise  l1_ratio*||b||_1 + (1-l1_ratio)/2*||b||^2 + C * sum_i w_i logloss_i
 *      FIRTH:      maximise  l*(b) = l(b) + 0.5 log det I(b)    (Firth 1993; Heinze & Schemper
 *                  2002; R's logistf and brglm2 type = "AS_mean" for the logit link)
 *    with l(b) = -sum_i w_i logloss_i and I(b) = Z'WZ the Fisher information, W = diag(w_i p_i
 *    (1 - p_i)).  Firth's bias-reduced estimate is finite under complete and quasi-complete
 *    separation (where NONE fails with CHURN_E_SEPARATION) and removes the O(1/n) bias of the
 *    MLE; it is equivariant under affine column transforms, so STANDARDIZE changes nothing and
 *    C and L1_RATIO are ignored.  Weights act as frequency weights: an integer weight equals
 *    that many copies of the row.  The intercept is never penalised (L2, L1, ELASTICNET).
 *  - STANDARDIZE (default 1): columns are always centred and scaled internally (population mean
 *    and standard deviation, weighted by sample_weight), which only changes the numerics of an
 *    unpenalised fit.  With a penalty, STANDARDIZE=1 penalises the coefficients of the z-scored
 *    columns (scikit-learn on StandardScaler output); STANDARDIZE=0 penalises the coefficients of
 *    the raw columns (scikit-learn on the raw matrix).  Coefficients are always reported on the
 *    original scale.  Without an intercept columns are scaled but not centred.
 *  - C, L1_RATIO, INTERCEPT, MAX_ITER as documented at the option keys.
 *  - TOL (default 1e-8): converged when max_j |gradient_j| / sum_i w_i <= TOL, the gradient of
 *    the objective divided by C (of sum_i w_i logloss_i without a penalty; the minimum-norm
 *    subgradient for L1), taken with respect to the coefficients of the standardised columns.
 *    In scikit-learn's terms: its lbfgs stops when max_j |g_j| <= tol, g the gradient of
 *    F = sum_i w_i logloss_i + penalty / C with respect to the raw coefficients (b_0, b_1..b_d),
 *    not divided by the sum of weights (and earlier when F stops falling: scipy's ftol).  Here,
 *    with z_j = (x_j - c_j) / s_j the internal columns (c_j the centre, 0 without an intercept;
 *    s_j the scale), the gradient is g~_0 = g_0, g~_j = (g_j - c_j g_0) / s_j, and TOL bounds
 *    max_j |g~_j| / sum_i w_i.  On centred unit-scale columns fit.tol = t thus equals
 *    scikit-learn's tol = t * sum_i w_i: on 1M rows fit.tol = 1e-6 allows max |g| <= 1 where
 *    scikit-learn's tol = 1e-6 asks for 1e-6 (and stops on ftol first in practice).  Compare the
 *    two by the gradient norms they reach (bench/bench_fit.py --part churnlike prints both).
 *    On convergence one more Newton step is taken with the exact Hessian of the last pass (a
 *    k x k solve, no pass over X; not with an L1 part), so the estimate is accurate far beyond
 *    TOL; the reported log-likelihood, gradient norm and covariance are those of the last pass.
 *  - CLASS_WEIGHT 1 ("balanced"): rows of class c get weight n / (2 * n_c) times their
 *    sample weight (scikit-learn's definition: n and n_c are row counts).
 *  - THREADS (default 1; 0 = one per core): rows are split over that many threads.  The result
 *    does not depend on the thread count beyond floating-point summation order.
 *  - COV_TYPE (default NONROBUST): covariance for inference.  HC0 is the sandwich estimator
 *    H^-1 (sum_i s_i s_i') H^-1 with s_i the row's score (statsmodels' cov_type="HC0"); HC1 is
 *    HC0 times n / (n - k) (statsmodels 0.13's discrete models return HC0 for "HC1").
 *    CLUSTER is the cluster-robust sandwich of churn_model_fit_clustered, which takes the
 *    cluster labels; churn_model_fit, the streamed, CSV and distributed fits (6d, 6f) reject it
 *    with CHURN_E_ARG ("cluster covariance needs groups: call churn_model_fit_clustered").
 *    FIRTH fits have only NONROBUST: HC0, HC1 or CLUSTER with FIRTH fail with CHURN_E_ARG
 *    ("a Firth fit has only the nonrobust covariance").
 *  - POPULATION_RATE (default 0 = off): when the training sample was enriched in churners,
 *    the population churn rate tau corrects the intercept afterwards (King & Zeng prior
 *    correction): b0 -= log((1-tau)/tau * ybar/(1-ybar)), ybar the weighted training rate,
 *    so churn_model_predict_proba gives population-scale probabilities; slopes and the
 *    covariance are unchanged (consistent under outcome-based sampling).  Needs INTERCEPT = 1
 *    and CLASS_WEIGHT = 0 (balanced class weights shift the intercept by log(w1/w0), the same
 *    distortion: use one or the other), else CHURN_E_ARG.  Recorded in the model file.
 *  - INFERENCE (default 1): compute the covariance matrix from one exact X'WX at the optimum
 *    (or at the last iterate before it when that one already met 100 * TOL).
 *    Only unpenalised and FIRTH fits have inference (FIRTH: I(b)^-1 at the estimate, the
 *    covariance logistf and brglm2 report); 0 skips it (faster, except for FIRTH, whose
 *    iterations compute I(b) anyway; summary has no std errors).
 *
 * How (so that the cost is predictable): with fewer than 200,000 rows, plain Newton with an
 * exact X'WX every pass.  With more, Newton runs first on an evenly spread subsample (blocks of
 * 64 rows, about max(32768, 32 k^2) rows; itself started from an eighth of it, and solved only
 * to its sampling error, max(TOL, min(0.1 / sqrt(rows), 1e-3))), whose optimum and Hessian start
 * the full fit; full passes then compute only the gradient and log-likelihood (steps in the
 * subsample Hessian, updated by BFGS), asking for an exact X'WX only when progress slows and,
 * with INFERENCE=1, once at the optimum.  Column moments then come from the subsample too (they
 * only condition the numerics) unless a penalty on standardised columns needs the exact ones.
 * FIRTH runs its own driver: Newton iterations on the modified score U*(b) = sum_i [w_i (y_i -
 * p_i) + h_i (1/2 - p_i)] z_i (the gradient of l*), h_i = w_i p_i (1 - p_i) z_i' I^-1 z_i the
 * hat values, step I(b)^-1 U*(b), halved until l* does not decrease; TOL applies to
 * max_j |U*_j| / sum_i w_i (standardised columns), then one more step as above.  An iteration
 * is two passes over X: one for I(b) and l(b) (a dsyrk per block of rows), one for the hat
 * values and U* (each block of rows times the inverse Cholesky factor of I, a dtrmm; never an
 * n x n matrix).  The rate is quadratic up to a factor of order k / n (Fisher scoring on U*):
 * small tables take 5-15 iterations, large data 2-4.  With 200,000 rows or more, Firth first
 * runs on an evenly spread subsample three times the size above (moments from it, as above),
 * and the first two full passes each combine I(b) with hat values from the previous point's
 * information (one pass per iteration; the iterations after them are exact): typically 4-6
 * full passes in all (measured costs: bench/RESULTS.md).
 * Only churn_model_fit fits FIRTH: the streamed, CSV and distributed fits (6d, 6f) fail with
 * CHURN_E_ARG ("Firth needs the in-memory fit (churn_model_fit)").
 *
 * X is n rows by d columns, row-major with a row stride of ld >= d elements, CHURN_F64 or
 * CHURN_F32 (accumulated in double); it is read where it lies, never copied whole.  y holds n
 * values in {0, 1}; sample_weight is NULL (all 1) or n finite values >= 0.  feature_names is
 * NULL (names "x0", "x1", ...) or d non-NULL strings, copied into the model.
 * Returns CHURN_OK and a new model in *out (free with churn_model_free), or:
 *  CHURN_E_ARG         NULL pointers, bad dtype, ld < d, n < 1, unknown option values
 *  CHURN_E_DATA        a non-finite X value (names row and column), y not 0/1 (names the row),
 *                      a negative or non-finite weight, only one class present, fewer rows with
 *                      positive weight than coefficients in an unpenalised or FIRTH fit
 *  CHURN_E_SINGULAR    the design (with the intercept) does not have full column rank and there
 *                      is no penalty or the penalty is FIRTH (a duplicated column, a constant
 *                      column besides the intercept); the message names the collinear column(s)
 *  CHURN_E_SEPARATION  unpenalised fit on separated data: the maximum likelihood estimate does
 *                      not exist (never a model with coefficients running to 1e300 or NaN).
 *                      Decided exactly by churn_separation_check (6g) on the rows of positive
 *                      weight, run only when the Newton iterations suggest it: a coefficient
 *                      running off, no convergence, or a converged estimate that looks
 *                      separated (a standardised coefficient beyond 4 or a standard error grown
 *                      10-fold since the start).  The message says "complete" or
 *                      "quasi-complete" separation, names the columns whose estimates are
 *                      infinite with their direction ("'port_out' (+inf)", "'tenure' (-inf)";
 *                      the first 8, then "and N more columns"; "the intercept (-inf)" when it
 *                      runs off too) and suggests fit.penalty = FIRTH (finite, bias-reduced
 *                      estimates) or L2, or dropping the columns.  The check costs a few ms on
 *                      thousands of rows; with 131,072 or more rows a subsample is checked
 *                      first (one without separation proves the data have none), so a false
 *                      alarm costs little; separated data of a million rows take 2-3 s (1M x 32,
 *                      one thread) to be reported.  Under complete separation every
 *                      coefficient can run off, so the message also names the columns that
 *                      order the classes by themselves ("'x5' (churners above) alone
 *                      separates the classes").  When the check
 *                      finds no separation the fit goes on: large but finite estimates (nearly
 *                      separated data) are returned as they are.
 *  CHURN_E_NOT_CONVERGED  MAX_ITER reached without meeting TOL (no model is returned); after
 *                      the exact check found no separation the message says so ("not
 *                      separated (exact check)").
 *  CHURN_E_NOMEM
 * d == 0 is allowed (an intercept-only model) when the intercept is on.
 * Thread-safety: X, y, weights and opts are only read; concurrent fits are independent. */
CHURN_API churn_status churn_model_fit(const void *X, churn_dtype dtype, int64_t n, int64_t d,
                                       int64_t ld, const double *y, const double *sample_weight,
                                       const char *const *feature_names,
                                       const churn_options *opts, churn_model **out);

/* churn_model_fit with cluster-robust standard errors: rows that share a cluster label (a
 * household, a region, a sales channel) may be correlated.  The estimate is churn_model_fit's;
 * the covariance is statsmodels' Logit(...).fit(cov_type="cluster", cov_kwds={"groups": g})
 * with its default correction:
 *     G/(G-1) * (n-1)/(n-k) * H^-1 (sum_g S_g S_g') H^-1,
 * H the Hessian X'WX at the estimate, S_g = sum over the rows i of cluster g of the scores
 * v_i (y_i - p_i) x_i (v_i the sample x class weight), G the number of distinct labels, n the
 * rows (rows of weight 0 count in n, and their labels in G, as n does for HC1), k = d +
 * intercept.  It costs one extra pass over X at the estimate (the rows visited cluster by
 * cluster, split over THREADS) and O(n) memory for the cluster index; never n x n or G x G.
 * groups holds n labels, any int64 values (not necessarily dense or sorted).
 * opts must set CHURN_OPT_FIT_COV_TYPE = CHURN_COV_CLUSTER; every other option is read as by
 * churn_model_fit.  A penalised fit, or INFERENCE=0, returns the model without a covariance (as
 * churn_model_fit does), after the same checks of groups.  CHURN_STAT_N_CLUSTERS reports G
 * (0 for a model without a cluster covariance); the model file keeps it.
 * Returns what churn_model_fit returns, and:
 *  CHURN_E_ARG   groups is NULL ("groups is NULL"); fit.penalty = FIRTH (Firth fits have only the
 *                nonrobust covariance); fit.cov_type is not CLUSTER ("groups only
 *                serve the cluster covariance")
 *  CHURN_E_DATA  all labels equal ("a single cluster": G/(G-1) needs G >= 2); n <= k ("needs
 *                more rows than coefficients": (n-1)/(n-k))
 * Thread-safety: as churn_model_fit. */
CHURN_API churn_status churn_model_fit_clustered(const void *X, churn_dtype dtype, int64_t n,
                                                 int64_t d, int64_t ld, const double *y,
                                                 const double *sample_weight,
                                                 const int64_t *groups,
                                                 const char *const *feature_names,
                                                 const churn_options *opts, churn_model **out);

/* Releases a model; NULL is a no-op. */
CHURN_API void churn_model_free(churn_model *model);

/* --- 6b. Reading a model --------------------------------------------------------------------- */

/* Number of features d (0 for NULL). */
CHURN_API int64_t churn_model_n_features(const churn_model *model);

/* The name of feature j (0 <= j < d), owned by the model; NULL if j is out of range. */
CHURN_API const char *churn_model_feature_name(const churn_model *model, int64_t j);

/* Coefficients on the original scale of the columns: coef receives d values (may be NULL),
 * *intercept the intercept (0 for a model without one; may be NULL). */
CHURN_API churn_status churn_model_coef(const churn_model *model, double *coef, double *intercept);

/* The standardisation used in the fit: d means and d scales (either may be NULL). */
CHURN_API churn_status churn_model_scaling(const churn_model *model, double *mean, double *scale);

/* The covariance matrix of the coefficients, k x k row-major with k = d + intercept, terms in the
 * order of churn_model_summary (intercept first).  CHURN_E_STATE when the model has none
 * (an L2, L1 or elastic-net fit, or INFERENCE=0; unpenalised and FIRTH fits have one). */
CHURN_API churn_status churn_model_covariance(const churn_model *model, double *cov);

/* The coefficient table as statsmodels' Logit summary shows it, one row per term (intercept
 * first, named "intercept"): columns "term" (str), "coef", "std_err", "z", "p_value",
 * "ci_low", "ci_high" (95%, normal), "odds_ratio" (all f64).  Without a covariance the
 * std_err..ci_high columns are NaN.  Free the table with churn_table_free. */
CHURN_API churn_status churn_model_summary(const churn_model *model, churn_table **out);

/* Scalar statistics of a fit, for churn_model_stat.  Values are fixed forever. */
/* The fit statistics (churn_model_stat):
 *   loglik: log-likelihood at the estimate (weighted, no penalty term)
 *   null_loglik: intercept-only log-likelihood (same weights)
 *   pseudo_r2: McFadden: 1 - loglik / null_loglik
 *   llr: likelihood-ratio statistic 2 * (loglik - null_loglik)
 *   llr_p_value: chi-square(df_model) survival of LLR
 *   aic: -2 loglik + 2 k
 *   bic: -2 loglik + k log(n)
 *   n_iter: Newton iterations (passes that moved the estimate)
 *   converged: 1 or 0
 *   gradient_norm: Euclidean norm of the objective's gradient at the estimate, original scale,
 *     intercept included
 *   n_obs: rows used
 *   sum_weights: sum of the weights (sample x class weights)
 *   positives: rows with y = 1
 *   df_model: number of non-intercept coefficients
 *   df_resid: n_obs - k
 *   n_passes: full passes over X by the Newton iterations (not counting the moments pass and the
 *     subsample warm start)
 *   penalized_loglik: the log-likelihood with the fit's penalty: Firth fits l(b) + 0.5 log det
 *     I(b), I the Fisher information of the original columns (logistf's loglik); L2 / L1 /
 *     ELASTICNET l(b) - penalty(b) / C, minus the documented objective over C; unpenalised fits
 *     l(b), equal to LOGLIK; NaN for a model loaded from a file written before this statistic
 *     existed
 *   n_clusters: clusters G of the cluster covariance; 0 without one */

#define CHURN_STAT_LIST(X)                                      \
  X(CHURN_STAT_LOGLIK, 1, "loglik")                            \
  X(CHURN_STAT_NULL_LOGLIK, 2, "null_loglik")                  \
  X(CHURN_STAT_PSEUDO_R2, 3, "pseudo_r2")                      \
  X(CHURN_STAT_LLR, 4, "llr")                                  \
  X(CHURN_STAT_LLR_P_VALUE, 5, "llr_p_value")                  \
  X(CHURN_STAT_AIC, 6, "aic")                                  \
  X(CHURN_STAT_BIC, 7, "bic")                                  \
  X(CHURN_STAT_N_ITER, 8, "n_iter")                            \
  X(CHURN_STAT_CONVERGED, 9, "converged")                      \
  X(CHURN_STAT_GRADIENT_NORM, 10, "gradient_norm")             \
  X(CHURN_STAT_N_OBS, 11, "n_obs")                             \
  X(CHURN_STAT_SUM_WEIGHTS, 12, "sum_weights")                 \
  X(CHURN_STAT_POSITIVES, 13, "positives")                     \
  X(CHURN_STAT_DF_MODEL, 14, "df_model")                       \
  X(CHURN_STAT_DF_RESID, 15, "df_resid")                       \
  X(CHURN_STAT_N_PASSES, 16, "n_passes")                       \
  X(CHURN_STAT_PENALIZED_LOGLIK, 17, "penalized_loglik")       \
  X(CHURN_STAT_N_CLUSTERS, 18, "n_clusters")
typedef enum churn_stat { CHURN_STAT_LIST(CHURN_ENUM_VALUE_) } churn_stat;

/* One statistic of the fit in *out.  CHURN_E_ARG for an unknown key. */
CHURN_API churn_status churn_model_stat(const churn_model *model, churn_stat which,
                                        double *out);

/* The options the model was fitted with, as a new options object in *out (free it with
 * churn_options_free): the fit.* keys that shape the estimate and its inference -- fit.penalty,
 * fit.C, fit.l1_ratio, fit.intercept, fit.tol, fit.max_iter, fit.class_weight,
 * fit.standardize, fit.cov_type, fit.population_rate, fit.inference -- as given to the fit
 * (CLUSTER for a churn_model_fit_clustered model).  The model does not record fit.threads or
 * fit.memory_budget (they change how a fit runs, not what it finds): those keys, and every key
 * of the other families, hold their defaults.  Class weights given by the caller through
 * sample_weight (a binding's per-class dictionary, say) are not a fit option: fit.class_weight
 * is 1 only for the library's "balanced" weighting.  Works the same on a model just fitted and
 * one loaded from a file (the file keeps these options).
 * Returns CHURN_OK, CHURN_E_ARG (NULL model or out), CHURN_E_FORMAT (a value recorded in the
 * model lies outside its key's bounds: a damaged or foreign file; names the key),
 * CHURN_E_NOMEM.  *out is written only on success.
 * Thread-safety: only reads the model; concurrent calls are safe. */
CHURN_API churn_status churn_model_fit_options(const churn_model *model, churn_options **out);

/* --- 6c. Scoring and reasons ----------------------------------------------------------------- *
 * X is as for churn_model_fit, with d equal to the model's feature count (else CHURN_E_SCHEMA).
 * Results for a row depend only on that row: splitting a batch over threads gives bit-identical
 * output.  Non-finite inputs give non-finite outputs for that row (no error). */

/* The linear score b0 + x.b of each row into out[n]. */
CHURN_API churn_status churn_model_decision_function(const churn_model *model, const void *X,
                                                     churn_dtype dtype, int64_t n, int64_t d,
                                                     int64_t ld, double *out);

/* The churn probability of each row into out[n]. */
CHURN_API churn_status churn_model_predict_proba(const churn_model *model, const void *X,
                                                 churn_dtype dtype, int64_t n, int64_t d,
                                                 int64_t ld, double *out);

/* What churn_model_score writes (values fixed forever). */
typedef enum churn_score_output {
  CHURN_SCORE_LINEAR = 1,     /* out[n]: the linear score b0 + x.b */
  CHURN_SCORE_PROBA = 2,      /* out[n]: the churn probability */
  CHURN_SCORE_PROBA_PAIR = 3  /* out[2n], row by row: 1 - p, p (scikit-learn's predict_proba) */
} churn_score_output;

/* Scores as churn_model_decision_function / churn_model_predict_proba, in one pass over X, but
 * refuses non-finite inputs: a NaN or infinite x gives CHURN_E_DATA naming its row and column
 * (the first such row; out is then partly written).  A row of finite values whose score
 * overflows is scored (probability 0 or 1).  The check costs nothing on finite data: only
 * rows whose linear score comes out non-finite are looked at again.  The results are
 * bit-identical to the unchecked calls (and 1 - p to the caller's own 1.0 - p).
 * Thread-safety: only reads the model; concurrent calls are safe. */
CHURN_API churn_status churn_model_score(const churn_model *model, const void *X,
                                         churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                                         churn_score_output what, double *out);

/* Checks that the caller's d column names equal the model's, in order; CHURN_E_SCHEMA names the
 * first mismatching position and both names (or the count mismatch). */
CHURN_API churn_status churn_model_check_features(const churn_model *model,
                                                  const char *const *names, int64_t d);

/* churn_model_predict_proba after churn_model_check_features(model, names, d). */
CHURN_API churn_status churn_model_predict_proba_named(const churn_model *model,
                                                       const char *const *names, const void *X,
                                                       churn_dtype dtype, int64_t n, int64_t d,
                                                       int64_t ld, double *out);

/* Reasons: the contribution of feature j to row i's linear score relative to an average
 * subscriber, c_ij = coef_j * (x_ij - mean_j) (mean_j the training mean).  For each row the k
 * features with the largest contributions TOWARD churn (largest positive c_ij, descending;
 * ties by lower j) go to feature_index[i*k + r] and contribution[i*k + r].  When fewer than k
 * contributions are positive the rest of the row is filled with the remaining features in
 * descending order of c_ij (so the retention caller always sees the strongest pushes first);
 * k must be in [1, d]. */
CHURN_API churn_status churn_model_explain(const churn_model *model, const void *X,
                                           churn_dtype dtype, int64_t n, int64_t d, int64_t ld,
                                           int k, int32_t *feature_index, double *contribution);

/* churn_model_explain, refusing non-finite inputs as churn_model_score does (CHURN_E_DATA
 * naming the first non-finite value's row and column; the outputs are then partly written). */
CHURN_API churn_status churn_model_explain_finite(const churn_model *model, const void *X,
                                                  churn_dtype dtype, int64_t n, int64_t d,
                                                  int64_t ld, int k, int32_t *feature_index,
                                                  double *contribution);

#ifdef CHURN_EXPERIMENTAL /* 6d: the shape of these calls may still change */
/* --- 6d. Sufficient statistics and the Newton driver (out-of-core and distributed fits) ------- *
 * One Newton step needs, over all rows, H = Z'WZ, the gradient Z'(w.(y - p)), the log-likelihood
 * and counts, where Z holds the standardised columns (plus a leading 1 for the intercept).  A
 * churn_suffstats accumulates them from chunks of rows at a given coefficient vector; two of them
 * merge by addition, so workers can each take a partition and a driver merges.  churn_model_fit
 * runs on exactly this code.  The flow:
 *   churn_solver_new(d, names, opts, &s);
 *   for each chunk: churn_solver_add_moments(s, X, ..., y, w, first_row);   -- pass 0
 *     (or on workers, each with its own solver: churn_solver_get_moments there and
 *      churn_solver_merge_moments into s)
 *   churn_solver_begin(s);
 *   do { churn_solver_stats_new(s, &st) (or reset one);                     -- one pass each
 *        for each chunk: churn_suffstats_accumulate(st, X, ..., y, w, beta, want) with beta
 *                         from churn_solver_beta, want = churn_solver_wants_hessian(s);
 *        (merge partial stats from workers with churn_suffstats_merge)
 *        churn_solver_step(s, st, &done); } while (!done);
 *   churn_solver_finish(s, &model);
 * A solver and a suffstats object are not thread-safe; use one per thread and merge. */
typedef struct churn_suffstats churn_suffstats;
typedef struct churn_solver churn_solver;

/* Statistics for k = d + fit_intercept coefficients.  center/scale (d values each, or NULL for
 * 0 and 1) standardise each column as z = (x - center) / scale before use; class_weight0/1
 * multiply the sample weight of rows with y = 0 / y = 1 (1 and 1 for none). */
CHURN_API churn_status churn_suffstats_new(int64_t d, int fit_intercept, const double *center,
                                           const double *scale, double class_weight0,
                                           double class_weight1, churn_suffstats **out);
CHURN_API void churn_suffstats_free(churn_suffstats *stats);
/* Sets every sum to zero (configuration kept). */
CHURN_API void churn_suffstats_reset(churn_suffstats *stats);

/* Adds n rows evaluated at beta (k values: intercept first, then the d coefficients of the
 * standardised columns).  want_hessian 0 skips H (a gradient-only pass is several times
 * cheaper); 1 accumulates H; 2 accumulates H and also the score outer products
 * M = sum_i (v_i (y_i - p_i))^2 z_i z_i' that the HC0/HC1 sandwich covariances need (they merge
 * and serialise like the other sums).  sample_weight may be NULL.  CHURN_E_DATA names row
 * first_row + i and the column for non-finite X, y outside {0,1}, bad weights; CHURN_E_ARG when
 * want_hessian differs from the earlier chunks of the pass.  The same beta must be used for
 * every chunk of one pass (the caller's responsibility). */
CHURN_API churn_status churn_suffstats_accumulate(churn_suffstats *stats, const void *X,
                                                  churn_dtype dtype, int64_t n, int64_t d,
                                                  int64_t ld, const double *y,
                                                  const double *sample_weight, const double *beta,
                                                  int want_hessian, int64_t first_row);

/* dst += src (H, M, gradient, log-likelihood, counts).  Empty statistics (nothing accumulated
 * since creation or reset) merge with anything.  CHURN_E_ARG, dst unchanged, when their shapes,
 * standardisation or class weights differ, when one has a Hessian and the other not ("one side
 * has a Hessian and the other not"), or when one has score outer products (want_hessian = 2)
 * and the other not ("one side has score outer products"): such a mix would give a sandwich
 * covariance that silently misses rows, so it is refused rather than M dropped. */
CHURN_API churn_status churn_suffstats_merge(churn_suffstats *dst, const churn_suffstats *src);

/* Readers.  k coefficients; hessian receives k*k values (row-major, full), gradient k values of
 * sum_i w_i (y_i - p_i) z_i (the log-likelihood's gradient); any pointer may be NULL.
 * CHURN_E_STATE for the Hessian of stats accumulated without one. */
CHURN_API int64_t churn_suffstats_dim(const churn_suffstats *stats);
CHURN_API int churn_suffstats_has_hessian(const churn_suffstats *stats);
CHURN_API churn_status churn_suffstats_hessian(const churn_suffstats *stats, double *hessian);
CHURN_API churn_status churn_suffstats_gradient(const churn_suffstats *stats, double *gradient);
/* The score outer products M (k*k, row-major, full) of statistics accumulated with
 * want_hessian = 2; products may be NULL (then only the status says whether they are there).
 * CHURN_E_STATE for statistics without them. */
CHURN_API churn_status churn_suffstats_score_products(const churn_suffstats *stats,
                                                      double *products);
/* Rows, sum of weights, rows with y = 1, sum of weights of those rows, log-likelihood. */
CHURN_API churn_status churn_suffstats_counts(const churn_suffstats *stats, int64_t *n,
                                              double *sum_w, int64_t *positives,
                                              double *sum_w_positive, double *loglik);

/* A Newton driver configured by opts (copied) for d features with the given names (NULL for
 * "x0".. ; copied).  fit.penalty = FIRTH fails with CHURN_E_ARG ("Firth needs the in-memory fit
 * (churn_model_fit)"). */
CHURN_API churn_status churn_solver_new(int64_t d, const char *const *feature_names,
                                        const churn_options *opts, churn_solver **out);
CHURN_API void churn_solver_free(churn_solver *solver);
/* Pass 0: column means and variances, class counts, and data checks, chunk by chunk. */
CHURN_API churn_status churn_solver_add_moments(churn_solver *solver, const void *X,
                                                churn_dtype dtype, int64_t n, int64_t d,
                                                int64_t ld, const double *y,
                                                const double *sample_weight, int64_t first_row);
/* Pass 0 in parts (distributed fits): a solver on each worker takes its partition with
 * churn_solver_add_moments (errors name first_row + i and the column, as above); its moments
 * leave through churn_solver_get_moments as len = 3 d + 5 doubles:
 *   [0, d)      shift: the first row the solver saw (the sums are about it, for accuracy)
 *   [d, 2d)     sum_i w_i (x_ij - shift_j)
 *   [2d, 3d)    sum_i w_i (x_ij - shift_j)^2
 *   3d .. 3d+4  rows, rows with y = 1, rows with weight > 0, sum of weights, of those with y = 1
 * (w the sample weights as given; counts are whole numbers).  The driver's solver adds each
 * part with churn_solver_merge_moments, in any order: the result equals one solver over all the
 * rows up to rounding (the first part merged into an empty solver is taken bit for bit).
 * A part with 0 rows changes nothing.  Both calls: CHURN_E_ARG for NULL pointers, len other
 * than 3 d + 5, or a call after churn_solver_begin; merge also for a non-finite value, a count
 * that is negative or not whole, or inconsistent counts (more rows with y = 1 or with positive
 * weight than rows, more weight of y = 1 than in all), naming the element; the solver is then
 * unchanged.  Not thread-safe on one solver (serialise the merges). */
CHURN_API churn_status churn_solver_get_moments(const churn_solver *solver, double *moments,
                                                int64_t len);
CHURN_API churn_status churn_solver_merge_moments(churn_solver *solver, const double *moments,
                                                  int64_t len);
/* Ends pass 0 (CHURN_E_DATA for a single class, too few rows) and sets the starting point. */
CHURN_API churn_status churn_solver_begin(churn_solver *solver);
/* A new suffstats configured for this solver (standardisation, class weights). */
CHURN_API churn_status churn_solver_stats_new(const churn_solver *solver, churn_suffstats **out);
/* Where the next pass must evaluate: k values for churn_suffstats_accumulate. */
CHURN_API churn_status churn_solver_beta(const churn_solver *solver, double *beta);
/* What the next pass must accumulate, to be passed as churn_suffstats_accumulate's want_hessian:
 * 0 a gradient-only pass is enough, 1 the Hessian, 2 the Hessian and the score outer products
 * (unpenalised fits with COV_TYPE HC0 or HC1 and INFERENCE on).  0 for NULL. */
CHURN_API int churn_solver_wants_hessian(const churn_solver *solver);
/* Consumes the statistics of one full pass at churn_solver_beta: takes a step (or halves the
 * last one), and sets *done to 1 when converged.  Fails with CHURN_E_SEPARATION,
 * CHURN_E_SINGULAR or CHURN_E_NOT_CONVERGED as churn_model_fit does, and with CHURN_E_ARG when
 * the statistics lack what churn_solver_wants_hessian asked for ("the statistics have none":
 * no Hessian, or no score outer products, e.g. after a trip through a format 1.0 reader). */
CHURN_API churn_status churn_solver_step(churn_solver *solver, const churn_suffstats *stats,
                                         int *done);
/* Builds the model from a converged solver (CHURN_E_STATE before that). */
CHURN_API churn_status churn_solver_finish(churn_solver *solver, churn_model **out);
#endif /* CHURN_EXPERIMENTAL */

/* --- 6e. Persistence --------------------------------------------------------------------------- *
 * A model is stored as msgpack in the "churn-model" format, version 1.0: an envelope with the
 * format name, major/minor version, the writing library's version and a 64-bit checksum over a
 * payload map of named fields (feature names, standardisation means and scales, coefficients,
 * intercept, covariance, the fit options used and the training metadata).  Doubles are stored
 * bit-exactly: a loaded model predicts bit-identically to the saved one.  The bytes written
 * depend only on the model (and the library version string), so saving twice gives the same
 * bytes.  Loading checks everything and fails cleanly, never crashes:
 *  CHURN_E_FORMAT   truncated or trailing bytes, a checksum mismatch (bit flips), not msgpack,
 *                   another format, missing or mistyped fields, sizes that disagree with d,
 *                   non-finite coefficients or non-positive scales; the message says which
 *  CHURN_E_VERSION  a newer major version of the format than this library reads
 *  CHURN_E_IO       the file cannot be read or written (names the path)
 * Newer minor versions load (unknown fields are skipped).  Saving and loading may run on many
 * threads at once (each on its own output). */

/* Writes the model to path atomically (a temporary file in the same folder, fsync, rename): a
 * reader sees the old file or the complete new one, never a partial write. */
CHURN_API churn_status churn_model_save(const churn_model *model, const char *path);

/* Serialises the model into a caller's buffer, the LightGBM way: *needed always receives the
 * size of the image; if cap >= *needed the image is written to buf and CHURN_OK returned,
 * otherwise nothing is written and CHURN_E_BUFFER returned, so a caller asks with cap = 0
 * (buf may then be NULL) and calls again with a buffer of *needed bytes. */
CHURN_API churn_status churn_model_save_buffer(const churn_model *model, void *buf, size_t cap,
                                               size_t *needed);

/* Loads a model saved by churn_model_save; *out is a new model (churn_model_free). */
CHURN_API churn_status churn_model_load(const char *path, churn_model **out);

/* Loads a model from len bytes made by churn_model_save_buffer (or read from a file).  The bytes
 * are only read and may be freed after the call. */
CHURN_API churn_status churn_model_load_buffer(const void *buf, size_t len, churn_model **out);

#ifdef CHURN_EXPERIMENTAL /* with section 6d */
/* Sufficient statistics travel between processes in the "churn-suffstats" msgpack format
 * (version 1.1, the same envelope and checksum as models): shape, standardisation, class
 * weights, the sums of churn_suffstats_accumulate (Hessian only if accumulated; score outer
 * products only if accumulated, in the field "meat" added by version 1.1) and the counts, all
 * bit-exact, so a loaded object merges and reads exactly like the saved one.  Version 1.0 files
 * (no "meat") still load, as statistics without score outer products; a 1.0 reader loads a 1.1
 * file the same way (it skips the unknown field), which churn_solver_step then refuses for an
 * HC0/HC1 fit instead of giving a wrong covariance.  The buffer
 * protocol is churn_model_save_buffer's: *needed always gets the size, CHURN_E_BUFFER (nothing
 * written) when cap is smaller.  Loading fails like churn_model_load_buffer does (CHURN_E_FORMAT,
 * CHURN_E_VERSION) and returns a new object in *out (churn_suffstats_free). */
CHURN_API churn_status churn_suffstats_save_buffer(const churn_suffstats *stats, void *buf,
                                                   size_t cap, size_t *needed);
CHURN_API churn_status churn_suffstats_load_buffer(const void *buf, size_t len,
                                                   churn_suffstats **out);
#endif /* CHURN_EXPERIMENTAL */

/* --- 6f. Out-of-core fitting ------------------------------------------------------------------- *
 * Fits on more rows than fit in memory: each Newton pass streams the rows once, chunk by chunk,
 * through the sufficient statistics above, and takes an exact Newton step on their sum, so the
 * estimate is the in-memory churn_model_fit's (to floating-point summation order) with the same
 * options, errors and model (covariance included: NONROBUST, HC0 and HC1; CLUSTER needs
 * churn_model_fit_clustered).  CHURN_OPT_FIT_MEMORY_BUDGET (default 256 MiB) bounds the memory:
 * the fit's own buffers (one chunk of rows, the O(d^2) statistics, a CSV read buffer) take at
 * most half of it, leaving the rest to the process, its libraries and stack; CHURN_E_RANGE when
 * the budget cannot hold one row.  Each pass re-reads all rows (typically 5 to 15 passes). */

/* The caller's rows, one chunk per call: write up to capacity rows into X (row-major, d doubles
 * per row), y (0/1 labels) and weight (sample weights; NULL when the fit was started with
 * has_weights = 0), set *nrows to the number written and return CHURN_OK.  *nrows = 0 ends the
 * pass.  pass counts from 0; when a call's pass differs from the previous call's, start again
 * from the first row.  Every pass must give the same rows (in any order; the order changes only
 * rounding).  Any other status aborts the fit, which returns it. */
typedef churn_status (*churn_row_source)(void *ctx, int64_t pass, int64_t capacity, double *X,
                                         double *y, double *weight, int64_t *nrows);

/* churn_model_fit over the rows a source gives (d features named as in churn_model_fit).
 * Errors as churn_model_fit, plus CHURN_E_DATA when a pass gives a different number of rows than
 * pass 0; row numbers in messages count from the first row of the pass.  Separation is judged
 * by the Newton iterations alone (a coefficient running off, a standard error collapsing): the
 * rows are not in memory for the exact check, so the message names the column(s) that ran off
 * (kind and direction unknown) and a nearly separated fit may be reported as separated; run
 * churn_separation_check on the rows to be sure.  The source is called from the calling thread
 * only. */
CHURN_API churn_status churn_model_fit_stream(int64_t d, const char *const *feature_names,
                                              churn_row_source source, void *ctx,
                                              int has_weights, const churn_options *opts,
                                              churn_model **out);

/* churn_model_fit over a numeric CSV file read in chunks: a header line of column names, then
 * one row per line, comma-separated decimal numbers (no quoting; blank lines skipped; "\r\n"
 * accepted).  label_column names the 0/1 label, weight_column (or NULL) the sample weights; all
 * other columns are the features, in file order, named by the header.  Fails with CHURN_E_IO
 * (open/read), CHURN_E_SCHEMA (label or weight column missing or repeated), CHURN_E_DATA naming
 * the line and column of a field that is not a number, not finite, a label other than 0/1 or a
 * negative weight, or a line with the wrong number of fields (or longer than the read buffer:
 * 1 MiB, or budget / 16 if less), and as churn_model_fit.  Numbers are read with strtod, so the
 * decimal point is the one of the host program's C locale (libchurn never changes it). */
CHURN_API churn_status churn_model_fit_csv(const char *path, const char *label_column,
                                           const char *weight_column, const churn_options *opts,
                                           churn_model **out);

/* --- 6g. Separation ----------------------------------------------------------------------------- *
 * Whether the unpenalised logistic maximum-likelihood estimate exists (Konis 2007).  With
 * s_i = 2 y_i - 1 and z_i = (1, x_i) (or x_i without an intercept), the data are
 *   completely separated        when some b has s_i z_i.b > 0 for every row,
 *   quasi-completely separated  when some b has s_i z_i.b >= 0 for every row, > 0 for some,
 *                               and no b separates completely,
 * and not separated otherwise (then, for a design of full column rank, the estimate is finite).
 * Decided by exact linear programs (a small simplex in double precision; rows and columns are
 * scaled to max-abs 1 and a_i.b > 1e-9 counts as positive).
 * *kind receives 0 (none), 1 (quasi-complete) or 2 (complete).  direction (NULL or k = d +
 * fit_intercept values, intercept first) receives for each coefficient 0 when no separating
 * direction (b with s_i z_i.b >= 0 for all rows) moves it, so it stays finite, and +1 / -1 when
 * one does, so the estimate can run to +/- infinity: the signs of one direction strictly inside
 * that cone, non-zero on every such coefficient.  Under complete separation that is typically
 * every coefficient.  When the data leave a coefficient's sign open (separating hyperplanes of
 * different tilt), the sign reported is that of the linear programs' solution.  A coefficient
 * that a singular design leaves unidentified (a zero or duplicated column) is reported infinite
 * on separated data and 0 otherwise.
 * Cost: a copy of the n x k matrix plus one simplex solve per round (rounds stop when no
 * more rows separate; usually 1-3), each by constraint generation from 65,536 rows on: a
 * spread subset of 16,384 rows plus the rows its solution violates, O(m k) per pivot for m
 * active rows (measured costs: bench/RESULTS.md).
 * Returns CHURN_OK, or CHURN_E_ARG (NULL X, y or kind, bad dtype, ld < d, n < 1, no
 * coefficients, fit_intercept not 0/1), CHURN_E_DATA (a non-finite X value: names row and
 * column; y not 0/1: names the row), CHURN_E_NOMEM.  Outputs are written only on success.
 * Thread-safety: only reads its inputs; concurrent calls are independent. */
CHURN_API churn_status churn_separation_check(const void *X, churn_dtype dtype, int64_t n,
                                              int64_t d, int64_t ld, const double *y,
                                              int fit_intercept, int *kind,
                                              int8_t *direction);

/* --- 6h. Designs from flat tables ------------------------------------------------------------ *
 * A churn_design turns a flat per-subscriber table (one row per subscriber, or per subscriber and
 * month; an id column, numeric and string columns, a label) into the numeric matrix the fits
 * take, the way R's model.matrix does, and keeps that encoding inside the fitted model, so the
 * model scores next month's table by itself.  The rules, learned from the training table:
 *  - Roles.  design.label (the label), design.id (ids: carried to outputs, never features),
 *    design.weight (sample weights), design.cluster (cluster labels for cov_type CLUSTER) and
 *    design.time (the month of stacked tables) are not features, nor design.exclude's columns.
 *    Every other column is a feature.  Naming a column that is not in the table fails with
 *    CHURN_E_SCHEMA naming it.
 *  - Missing values: an empty or blank field and the words NA, N/A, NaN, NULL, null, None and ?
 *    (and a NaN or invalid entry of an in-memory column).  design.missing 0 (default) rejects
 *    a row with a missing feature, label, weight, cluster or id: counted, and the first such
 *    rows reported with line and column (churn_design_report); 1 (mean) / 2 (zero) fill a
 *    missing numeric feature with its training mean / 0, a missing string with the reference
 *    level, and add a 0/1 column "COL=missing" (only for columns that had missing values).
 *    The label, weight, cluster and id are never filled.
 *  - Types: a feature column whose present values all read as decimal numbers is numeric and
 *    enters as it is ("tenure"); any other is a string column, one-hot encoded: one 0/1 column
 *    "COL=LEVEL" per level but the reference, levels in byte order (pandas' get_dummies order).
 *    The reference is chosen by features.onehot_reference, as for the features: 0 (default) the
 *    most frequent level (ties: the first in byte order), 1 the first level in byte order
 *    (get_dummies(drop_first=True)), 2 none (every level has a column).  A string column with
 *    more than design.max_levels levels (default 1000; an id or a numeric column with text in
 *    it, typically) fails with CHURN_E_DATA naming it and a value.
 *  - Constant columns (one value, or one level) and exact duplicates of an earlier encoded
 *    column ("OnlineSecurity=No internet service" repeating "InternetService=No") are dropped
 *    and reported, not left to make the fit singular.  Duplicates are found by a 64-bit hash of
 *    each encoded column over the rows (a false match has probability about 2^-64); a numeric
 *    column with mean-filled missing values is not compared.  Other linear dependence is left
 *    to the fit (CHURN_E_SINGULAR names the column).
 *  - Label: two distinct values.  Without design.positive they must be 0/1, false/true or no/yes
 *    (any case); with it, rows equal to design.positive are 1 and the others 0.  A third value,
 *    or a design.positive that never occurs, fails with CHURN_E_DATA.
 *  - Ids: an id (with design.time: an id and month) seen twice fails with CHURN_E_DATA naming it
 *    and both lines.
 * At scoring a level unseen in training gets the reference's all-zero columns and is counted
 * ("state: 1 row with an unseen level 'XX'"); a feature column missing from the table fails with
 * CHURN_E_SCHEMA naming it; extra columns are ignored.
 * Thread-safety: a design is built and learned by one thread; once learned (or loaded from a
 * model) it may be shared: churn_design_transform_columns, churn_design_attach (on different
 * models) and the accessors only read it; churn_design_score_csv and churn_design_report take
 * the design's lock (the report of the last scoring is kept in the design), so threads sharing
 * a design score one file at a time (give each thread its own churn_design_from_model to score
 * in parallel). */
typedef struct churn_design churn_design;

/* A new, unlearned design configured by the design.* options of opts (copied; NULL: defaults)
 * and features.onehot_reference.  Free with churn_design_free. */
CHURN_API churn_status churn_design_new(const churn_options *opts, churn_design **out);

/* Releases a design; NULL is a no-op. */
CHURN_API void churn_design_free(churn_design *design);

/* Fits a model on a flat CSV table (header line, RFC 4180 quoting, ingest.delimiter): one pass
 * learns the encoding (types, levels and their counts, means, label values, id uniqueness),
 * the next builds the matrix and fits it with the fit.* options of opts (every penalty
 * including FIRTH, design.weight as sample weights, fit.cov_type, design.cluster with
 * cov_type CLUSTER through churn_model_fit_clustered, fit.threads).  When the matrix would take
 * more than half of fit.memory_budget the rows are streamed instead (churn_model_fit_stream,
 * re-reading the file once per Newton pass; FIRTH and CLUSTER need the rows in memory and
 * then fail with CHURN_E_ARG).  The design must be new (CHURN_E_STATE otherwise) and is
 * learned afterwards; the model carries its encoding (churn_design_from_model) and its feature
 * names are the encoded columns'.  design.label must be set (CHURN_E_ARG).
 * Errors: CHURN_E_IO, CHURN_E_FORMAT (malformed CSV), CHURN_E_SCHEMA (a named column absent, a
 * header column repeated, a row with the wrong number of fields: names the line), CHURN_E_DATA
 * (as above; no rows left: "no rows to fit"), and churn_model_fit's. */
CHURN_API churn_status churn_design_fit_csv(churn_design *design, const char *path,
                                            const churn_options *opts, churn_model **out);

/* Learns the encoding from n rows of in-memory columns (a binding's DataFrame): CHURN_STR
 * columns (NULL entries missing) are read as the CSV fields are (numbers in them make a numeric
 * column), CHURN_F64 / CHURN_F32 / CHURN_I64 / CHURN_I32 / CHURN_U8 columns are numeric (NaN or valid[i] == 0
 * missing).  Each column's length must be n.  The design must be new (CHURN_E_STATE).  Errors as
 * churn_design_fit_csv's first pass. */
CHURN_API churn_status churn_design_learn_columns(churn_design *design,
                                                  const churn_column *cols, int64_t ncols,
                                                  int64_t n);

/* The encoded width d and the name of encoded column j (owned by the design; NULL out of range
 * or before learning). */
CHURN_API int64_t churn_design_n_features(const churn_design *design);
CHURN_API const char *churn_design_feature_name(const churn_design *design, int64_t j);

/* Encodes n rows of columns (found by name; order and extra columns do not matter) into X, n
 * rows of d = churn_design_n_features doubles with row stride ld >= d.  kept (NULL or n bytes)
 * receives 1 for an encoded row and 0 for a row rejected for a missing value (design.missing
 * 0), whose X row is set to NaN; unseen levels are counted.  *rejected and *unseen (either may
 * be NULL) receive those counts.  CHURN_E_STATE before learning, CHURN_E_SCHEMA for a feature
 * column absent or numeric where the design has strings. */
CHURN_API churn_status churn_design_transform_columns(const churn_design *design,
                                                      const churn_column *cols, int64_t ncols,
                                                      int64_t n, double *X, int64_t ld,
                                                      uint8_t *kept, int64_t *rejected,
                                                      int64_t *unseen);

/* Copies the learned encoding into a model fitted on its columns (same names, same order:
 * CHURN_E_SCHEMA otherwise), so the model file carries it.  The only call that changes a
 * model after its fit: do not run it while other threads read the model. */
CHURN_API churn_status churn_design_attach(const churn_design *design, churn_model *model);

/* The design a model carries, as a new learned design (churn_design_free);
 * CHURN_E_NOT_FOUND when the model was not fitted on a flat table, CHURN_E_FORMAT when the
 * encoding is damaged. */
CHURN_API churn_status churn_design_from_model(const churn_model *model, churn_design **out);

/* Scores a flat CSV table with a model carrying this design (as from churn_design_from_model)
 * and writes out_path atomically: the id columns (design.id of opts when set, else the
 * training's), the time column when the design has one, "probability", and design.reasons
 * (default 3) columns "reason1".. in the table's own terms, "Contract = Month-to-month (+1.32)",
 * "tenure = 2 (+0.85)": the sum of coef_j (x_j - mean_j) over the encoded columns of one table
 * column, largest push toward churn first.  Rows go highest risk first (ties in file order),
 * all of them or the design.top first.  With a time column only each id's latest row is scored
 * (times compared as dates when they read as dates, else as numbers, else as text).  Rows
 * rejected for a missing value are left out and counted, as are unseen levels
 * (churn_design_report).  *scored (may be NULL) receives the rows written. */
CHURN_API churn_status churn_design_score_csv(churn_design *design, const churn_model *model,
                                              const char *path, const char *out_path,
                                              const churn_options *opts, int64_t *scored);

/* What the last learn, fit or score call on this design met, one row per finding: columns
 * "kind" ("rejected", "dropped", "unseen", "numeric", "categorical", "rows", "month"), "column",
 * "count" (i64), "line" (i64: the first line concerned, 0 if none), "detail" (str: the reason,
 * the first value, or the level chosen as reference).  Free with churn_table_free. */
CHURN_API churn_status churn_design_report(const churn_design *design, churn_table **out);

/* ===================================================================================== *
 * 7. Evaluation
 *
 * Metrics of a score (a probability or any real-valued ranking score) against observed 0/1
 * outcomes, as the retention team reads them: ranking quality (ROC AUC, average precision),
 * probability quality (log loss, Brier score, calibration table), the warning list at a cut-off
 * (confusion counts, precision, recall) and the decile lift / cumulative gains table.
 *
 * Common arguments: y holds n outcomes, each exactly 0.0 or 1.0; score holds n finite values;
 * weight is NULL (every row weighs 1) or n finite, non-negative sample weights whose sum is > 0.
 * With weights every count below is a sum of weights.  The arrays are only read.
 * Common failures: CHURN_E_ARG for a NULL pointer, n < 1 or a bad bin count; CHURN_E_DATA naming
 * the first bad index for a y that is not 0/1, a NaN or infinite score, a bad weight, a
 * probability outside [0, 1] where one is required, or when the outcomes lack a class the metric
 * needs.  Every function here is pure: safe to call from many threads at once.
 * ===================================================================================== */

/* ROC AUC: the probability that a random positive scores higher than a random negative, ties
 * counting one half (the Mann-Whitney U statistic with midranks, divided by n_pos * n_neg; with
 * weights, each pair counts w_i * w_j).  Equals scikit-learn's roc_auc_score, including its
 * sample_weight.  Needs both classes (positive total weight): CHURN_E_DATA otherwise. */
CHURN_API churn_status churn_eval_roc_auc(const double *y, const double *score,
                                          const double *weight, int64_t n, double *auc);

/* Area under the precision-recall curve as average precision, scikit-learn's definition
 * (average_precision_score): AP = sum_k (R_k - R_{k-1}) * P_k over the distinct score values
 * taken as thresholds in decreasing order (a row is flagged when score >= threshold), without
 * interpolation; tied scores enter together.  Needs a positive: CHURN_E_DATA otherwise. */
CHURN_API churn_status churn_eval_average_precision(const double *y, const double *score,
                                                    const double *weight, int64_t n,
                                                    double *ap);

/* Mean negative log-likelihood (natural log) of probabilities prob in [0, 1]:
 * -sum w [y log p + (1-y) log(1-p)] / sum w, with p clipped to [eps, 1 - eps] where eps is
 * DBL_EPSILON (scikit-learn 1.2 log_loss with its default eps="auto" for float64), so a
 * probability of exactly 0 or 1 gives a large finite loss rather than infinity. */
CHURN_API churn_status churn_eval_log_loss(const double *y, const double *prob,
                                           const double *weight, int64_t n, double *loss);

/* Brier score: sum w (p - y)^2 / sum w for probabilities prob in [0, 1]. */
CHURN_API churn_status churn_eval_brier_score(const double *y, const double *prob,
                                              const double *weight, int64_t n, double *brier);

/* Confusion counts when rows with score >= threshold are flagged: true positives (flagged and
 * churned), false positives, true negatives, false negatives.  Any output pointer may be NULL. */
CHURN_API churn_status churn_eval_confusion(const double *y, const double *score,
                                            const double *weight, int64_t n, double threshold,
                                            double *tp, double *fp, double *tn, double *fn);

/* The warning list at each of nthresholds thresholds (any order, finite, nthresholds >= 1): a
 * table with one row per threshold, in the order given, and the columns
 *   threshold, tp, fp, tn, fn (f64 weighted counts; a row is flagged when score >= threshold),
 *   flagged (tp + fp), precision = tp / (tp + fp), recall = tp / (tp + fn) (the operators'
 *   "warning accuracy"), f1, accuracy = (tp + tn) / total.
 * A ratio whose denominator is 0 is reported as 0 (scikit-learn's zero_division default).
 * *out is a new table, freed with churn_table_free. */
CHURN_API churn_status churn_eval_confusion_table(const double *y, const double *score,
                                                  const double *weight, int64_t n,
                                                  const double *thresholds, int64_t nthresholds,
                                                  churn_table **out);

/* The lift / cumulative gains table over nbins bins (1 <= nbins <= 10000; 10 gives deciles).
 * Rows are ranked by decreasing score and bin k (1-based, bin 1 = highest risk) covers the
 * k-th equal share of the total weight, [(k-1) W / nbins, k W / nbins) of the ranked weight.
 * Ties: a group of rows with equal scores that straddles a bin boundary is shared between
 * the bins in proportion to the weight each bin takes of it, and so are its positives (the
 * expected result under a random order of the tied rows).  The table therefore depends only on
 * the data, never on the order of the rows or on a tie-breaking rule; bin sizes are exactly
 * W / nbins and may be fractional (n = 1005 rows in 10 bins gives 100.5 per bin); the
 * cumulative gains are the gains curve (the fraction of positives captured against the
 * fraction of the population contacted, linear within a tied group) read at k / nbins.
 * Columns (in this order): bin (i64), n, positives, rate (positives / n),
 *   lift (rate / overall rate), cumulative_n, cumulative_positives,
 *   cumulative_gain (cumulative_positives / all positives),
 *   cumulative_lift (cumulative rate / overall rate), score_min, score_max (the range of scores
 *   with a share in the bin), all f64.
 * Needs at least one positive (CHURN_E_DATA otherwise).  *out is freed with churn_table_free. */
CHURN_API churn_status churn_eval_lift_table(const double *y, const double *score,
                                             const double *weight, int64_t n, int64_t nbins,
                                             churn_table **out);

/* How the calibration table places its bin edges. */
/* uniform: nbins equal-width bins on [0, 1], edges k * (1 / nbins) as numpy.linspace computes
 * them; quantile: edges at the k / nbins quantiles of the (unweighted) probabilities, with
 * numpy's default linear interpolation (tied probabilities may leave bins empty). */
#define CHURN_CALIBRATION_STRATEGY_LIST(X)         \
  X(CHURN_CALIBRATION_UNIFORM, 0, "uniform")       \
  X(CHURN_CALIBRATION_QUANTILE, 1, "quantile")
typedef enum churn_calibration_strategy {
  CHURN_CALIBRATION_STRATEGY_LIST(CHURN_ENUM_VALUE_)
} churn_calibration_strategy;

/* The calibration (reliability) table of probabilities prob in [0, 1] over nbins bins
 * (1 <= nbins <= 10000).  A probability p goes to bin k (1-based) when e_{k-1} < p <= e_k, the
 * first bin also taking p = e_0: scikit-learn's calibration_curve rule.  Bins without weight
 * are left out, as calibration_curve leaves out empty bins.  Columns: bin (i64), lower and
 * upper (the edges e_{k-1}, e_k), n (weight in the bin), mean_predicted and observed_rate (the
 * weighted means of prob and y), ci_lower and ci_upper: the 95% Wilson score interval of
 * observed_rate taking n as the number of trials (so weights act as frequency weights).  Needs
 * no particular class.  *out is freed with churn_table_free. */
CHURN_API churn_status churn_eval_calibration_table(const double *y, const double *prob,
                                                    const double *weight, int64_t n,
                                                    int64_t nbins,
                                                    churn_calibration_strategy strategy,
                                                    churn_table **out);

/* --- 7b. Campaigns: the effect of a retention campaign and uplift ---------------------------- *
 * EXPERIMENTAL (declared only with CHURN_EXPERIMENTAL defined): the shape of these calls may
 * still change in a minor version. */
#ifdef CHURN_EXPERIMENTAL

/* The effect of a retention campaign whose contacts were drawn at random: treated[i] is 1.0
 * for a subscriber contacted, 0.0 for one held out as control; churned[i] 1.0 or 0.0.  One row
 * per segment label (segment[i], strings in byte order; NULL for no segments), then "(all)":
 *   segment (str), treated, control, treated_churned, control_churned (i64),
 *   churn_rate_treated, churn_rate_control (f64),
 *   difference (f64: churn_rate_treated - churn_rate_control, negative when the campaign
 *     helped), ci_low, ci_high (f64: its 1 - alpha interval by Newcombe's hybrid score method
 *     (1998, method 10) from the two Wilson score intervals w/o continuity correction, as
 *     statsmodels' confint_proportions_2indep(method="newcomb") computes it),
 *   relative_reduction (f64: (control rate - treated rate) / control rate),
 *   saved_per_1000 (f64: 1000 (control rate - treated rate): churners prevented per 1,000
 *     subscribers contacted).
 * A segment without treated or control subscribers gets NaN rates and effects.
 * Failures: CHURN_E_ARG (NULL arrays, n < 1, alpha outside (0, 1)); CHURN_E_DATA naming the
 * index for a treated or churned value that is not 0/1 (NaN included) or a NULL label, and
 * when the whole campaign has no control group (or no treated subscriber). */
CHURN_API churn_status churn_campaign_effect(const double *treated, const double *churned,
                                             const char *const *segment, int64_t n,
                                             double alpha, churn_table **out);

/* The Qini curve of an uplift score (Radcliffe 2007) for churn: does ranking by `score`
 * (highest first) put first the subscribers whom a contact saves?  Subjects are ranked by
 * decreasing score; after the first k (tied scores enter together, so the curve has one point
 * per distinct score, plus the origin), with N_T, N_C the treated and control subjects among
 * them and Y_T, Y_C their churners,
 *   Q(k) = Y_C N_T / N_C - Y_T    (0 while N_C = 0),
 * the churners the contacts among the first k prevented (the treated's expected churners had
 * they not been contacted, estimated from the control group, minus those observed).  It is
 * scikit-uplift's qini_curve with the outcome "retained" = 1 - churned.  Columns:
 *   n (i64: k), share (f64: k / total), treated, control, treated_churned, control_churned
 *   (i64), qini (f64 Q(k)), random (f64: share x Q(total), the straight line of a random
 *   order).  Inputs as churn_campaign_effect, score finite (CHURN_E_DATA naming the index). */
CHURN_API churn_status churn_eval_qini_curve(const double *score, const double *treated,
                                             const double *churned, int64_t n,
                                             churn_table **out);

/* The Qini coefficient: the area between the Qini curve (linear between its points) and the
 * random line, over the share targeted from 0 to 1, per subject:
 *   qini_auc = (1 / total) integral_0^1 [Q(x) - x Q(1)] dx   (trapezoidal, exact for the
 *   piecewise-linear curve), > 0 when the score ranks savable subscribers first. */
CHURN_API churn_status churn_eval_qini_auc(const double *score, const double *treated,
                                           const double *churned, int64_t n, double *auc);

#endif /* CHURN_EXPERIMENTAL */

/* ===================================================================================== *
 * 8. Retention KPIs, cohort forecasting and the simulator
 * ===================================================================================== */

/* The figures operators report, each returned as a new churn_table (free it with
 * churn_table_free) with the columns listed at each call.  Every call here is pure: it only
 * reads its inputs, so calls may run on one finalized dataset from many threads at once. */

/* --- 8a. Survival estimators on plain arrays ------------------------------------------------- *
 * A subject (a subscriber, or one active spell of one) is followed from time 0 (activation) to
 * duration[i] (any time unit, finite and >= 0), where it either has the event (churns) or is
 * censored (still active when observation stopped).  With delayed entry (left truncation:
 * the data begin after the subscriber joined) entry[i] (finite, >= 0, strictly before
 * duration[i]) is the tenure at which the subject came under observation; it counts in the
 * risk set at time t only when entry[i] < t <= duration[i].  entry = NULL means every subject
 * is observed from 0.  Failures: CHURN_E_ARG for NULL pointers, n < 0, alpha outside (0, 1);
 * CHURN_E_DATA naming the first bad index for a NaN/infinite/negative time, an entry that is not
 * before its duration, a bad event code.  (Lengths cannot be checked in C: every array holds n
 * values.)  n = 0 gives a table without rows.
 * Cost: O(n log n) sorts in general; when every duration and entry is integer-valued (tenures
 * in whole days or months) and their span (max - min + 1) times (categories + 2) is at most
 * 4 n + 65536, one counting pass replaces the sorts, O(n + span), with the same table bit for
 * bit. */

/* Kaplan-Meier product-limit estimate S(t) = prod_{t_j <= t} (1 - d_j / n_j) over the distinct
 * event times t_j (n_j at risk just before t_j, d_j events at t_j); event[i] is 1.0 (churned)
 * or 0.0 (censored).  One row per distinct time with at least one event, ascending:
 *   time (f64), at_risk (i64: n_j), events (i64: d_j), survival (f64),
 *   std_err (f64): Greenwood's standard error of S, S(t) sqrt(sum d_j / (n_j (n_j - d_j))),
 *   ci_low, ci_high (f64): the pointwise 1 - alpha interval on the log(-log) scale (R's
 *     conf.type = "log-log", the "cloglog" transform of statsmodels):
 *     S^exp(+-z sqrt(sum d_j/(n_j (n_j - d_j))) / |log S|), z the 1 - alpha/2 normal quantile.
 * Equals statsmodels.duration.survfunc.SurvfuncRight(duration, event, entry=entry): its
 * surv_times, n_risk, n_events, surv_prob and surv_prob_se (checked to 1e-10).  Once the whole
 * risk set has the event (n_j = d_j) S is 0 from then on and std_err, ci_low and ci_high are
 * NaN from then on (statsmodels does the same); an interval is NaN where S = 0. */
CHURN_API churn_status churn_survival_km(const double *duration, const double *event, const double *entry,
                                int64_t n, double alpha, churn_table **out);

/* Competing risks: the Aalen-Johansen cumulative incidence F_k(t) = P(churn by t in category
 * k), F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j, with S the overall Kaplan-Meier survival
 * above (so sum_k F_k(t) + S(t) = 1 at every t).  category[i] is 0 for censored or the
 * subject's event category (any code > 0; churn_category for churn categories).
 * A long table, one row per distinct event time (of any category) and category, ordered by
 * time then category (the categories present in the data, ascending):
 *   time (f64), category (i64), cif (f64),
 *   std_err (f64): the delta-method standard error of Marubini & Valsecchi (1995), as
 *     statsmodels' CumIncidenceRight and Stata's stcompet report it (not cmprsk's Aalen-type
 *     variance):  Var F_k(t) = sum_{t_j <= t} [ (F_k(t) - F_k(t_j))^2 d_j / (n_j (n_j - d_j))
 *       + S(t_j-)^2 d_kj (n_j - d_kj) / n_j^3 - 2 (F_k(t) - F_k(t_j)) S(t_j-) d_kj / n_j^2 ],
 *     with the delayed-entry risk sets n_j; a term with n_j = d_j is taken as its limit 0,
 *   ci_low, ci_high (f64): the pointwise 1 - alpha interval on the log(-log) scale,
 *     F^exp(+-z se / (F |log F|)); [0, 0] while F = 0.
 * Without entry it equals statsmodels' CumIncidenceRight(duration, category) at these times
 * (checked to 1e-10). */
CHURN_API churn_status churn_survival_cif(const double *duration, const int64_t *category,
                                 const double *entry, int64_t n, double alpha,
                                 churn_table **out);

/* Gray's test (Gray 1988, "A class of K-sample tests for comparing the cumulative incidence of
 * a competing risk"; the statistic R's cmprsk::cuminc reports in $Tests, one stratum) that
 * the cumulative incidence of each churn category is the same in two segments.  Subjects as
 * churn_survival_cif without delayed entry: duration[i] >= 0, category[i] 0 censored or the event's
 * category > 0; group[i] 0 or 1 (the segment).  For each category k present, with the other
 * categories as competing events, at each distinct event time t_j and for each group g
 * (R_g at risk, d_g events of category k, S_g and F_g the group's Kaplan-Meier survival and
 * cumulative incidence of k just before t_j), the score of group 0 is
 *   s = sum_j W_j [ d_0 - D R_0 (1 - F_0) / S_0 / sum_g (R_g (1 - F_g) / S_g) ],
 *   D = d_0 + d_1, W_j = (1 - F(t_j-))^rho with F the pooled estimate
 *   F(t_j) = F(t_j-) + D / sum_g (R_g / S_g),
 * and its variance is Gray's consistent estimator (his section 3; the same terms as cmprsk's
 * crstm with one stratum).  statistic = s^2 / var, chi-square with 1 degree of freedom.
 * One row per category present, ascending: category (i64), statistic (f64), df (i64 1),
 * p_value (f64), score (f64 s), variance (f64).  rho >= 0 (cmprsk's default is 0).  Equals
 * cmprsk::cuminc(ftime, Status, D)$Tests on Scrucca et al.'s (2007) bmtcrr data to the 8
 * digits R prints (the test suite checks it).
 * Failures as churn_survival_cif, and CHURN_E_DATA for a group not 0/1 or a group without subjects. */
CHURN_API churn_status churn_survival_gray_test(const double *duration, const int64_t *category,
                                       const int64_t *group, int64_t n, double rho,
                                       churn_table **out);

/* --- 8b. KPIs of a dataset -------------------------------------------------------------------- *
 * Active spells.  Every KPI below reads a subscriber's active spells [start, end) under the
 * library's one churn definition (churn_label_definition, section 5: CHURN_OPT_CHURN_DEFINITION
 * and CHURN_OPT_CHURN_INACTIVE_MONTHS in opts; calls without opts use the default, EITHER with
 * N = 3), the same spells churn_labels_compute reads, so labels and KPIs count the same churn.
 * A spell opens at the activation date of the subscriber table, or at an ACTIVATION event when
 * the subscriber is not active (a re-activation: a churned subscriber who comes back under the
 * same id), or at the first use after a non-use churn (a return), and closes at the first
 * moment the definition holds: a CANCEL event or the table's cancellation date (CANCEL,
 * EITHER), or N x 30 days without use (NON_USE, EITHER; see churn_label_definition).  A second
 * cancellation of an inactive subscriber is ignored.  At equal times activations are taken
 * before cancellations.  A subscriber without an activation date is
 * active since before the data (its spell has no start) unless its first change is an
 * activation.  A spell's cancel reason is the code of the CANCEL event that closed it
 * (CHURN_REASON_UNKNOWN when the table's date closed it); churn_cancel_reason_category maps it
 * to natural / competitive / service.  A subscriber is active at time t when a spell has
 * start <= t < end, and "active at the end of a month" when a spell has start < B <= end for
 * the first second B of the next month.  A re-activation therefore counts as a new activation
 * in its month and every closed spell as one churned subscriber in the month of its end.
 * Months are calendar months in the operator's local time, CHURN_OPT_KPI_UTC_OFFSET ("+08:00":
 * a cancellation at 00:30 on 1 August, Beijing time, belongs to August; CHURN_E_ARG naming the
 * text of an offset that is not "+HH:MM" / "-HH:MM" within -14:00..+14:00).  Segments:
 * `segment` names a categorical subscriber column (region, age_band, tier, package, manager,
 * vip (labels "0"/"1") or a categorical attribute);
 * subscribers without a label form the group "(missing)"; NULL means no grouping.  Ratios
 * whose denominator is 0 are NaN.  The dataset must be finalized (CHURN_E_STATE otherwise);
 * CHURN_E_NOT_FOUND for an unknown segment column or label; CHURN_E_RANGE for a calendar
 * argument (from, to, base_date) outside the years 1..9999.
 * Options (family 500, defaults in brackets):
 *   CHURN_OPT_KPI_RATE_BASE    int churn_kpi_rate_base: the denominator of every churn rate
 *                              (movement, movement by segment, segments) [CHURN_KPI_RATE_OPENING]
 *   CHURN_OPT_CHURN_DEFINITION, CHURN_OPT_CHURN_INACTIVE_MONTHS: the churn definition (above)
 *   CHURN_OPT_KPI_UTC_OFFSET   string: the operator's UTC offset, "+HH:MM" / "-HH:MM": the
 *                              calendar months of every table are local months [""]: the
 *                              offset the dataset records (a mapping's utc_offset,
 *                              churn_dataset_utc_offset), else UTC
 *   CHURN_OPT_KPI_TARGET       real: the monthly churn-rate control target [0.035]
 *   CHURN_OPT_KPI_TARGET_START real: snapshot target at month 0 [1.0]
 *   CHURN_OPT_KPI_TARGET_STEP  real: snapshot target change per month [-0.0125], so the
 *                              default target of month k is 1 - 0.0125 k (98.75%, 97.50%, ...)
 *   CHURN_OPT_KPI_TIME_UNIT    int: tenure unit of churn_kpi_km / churn_kpi_cif: 0 days,
 *                              1 months of 30.436875 days [0]
 *   CHURN_OPT_KPI_ARPU_SOURCE  int: revenue of churn_kpi_arpu: 0 BILL amounts, 1 PAYMENT
 *                              amounts [0] */
/* opening: churned / opening base; average: churned / ((opening + closing) / 2); exposed:
 * churned / (opening + activations); closing: churned / closing base. */
#define CHURN_KPI_RATE_BASE_LIST(X)              \
  X(CHURN_KPI_RATE_OPENING, 0, "opening")        \
  X(CHURN_KPI_RATE_AVERAGE, 1, "average")        \
  X(CHURN_KPI_RATE_EXPOSED, 2, "exposed")        \
  X(CHURN_KPI_RATE_CLOSING, 3, "closing")
typedef enum churn_kpi_rate_base { CHURN_KPI_RATE_BASE_LIST(CHURN_ENUM_VALUE_) } churn_kpi_rate_base;

/* The monthly movement table (the operators' 离网率 report) for every local calendar month from
 * the month containing `from` to the month containing `to` (both Unix seconds, from <= to, at
 * most 1200 months), per segment when `segment` is not NULL.  One row per (segment, month):
 *   segment (str, only when grouped), month (str "YYYY-MM"), month_start (i64 Unix seconds),
 *   opening (i64: active just before the month starts), activations (i64: spells starting in
 *   the month, re-activations included), churned (i64: spells ending in the month), closing
 *   (i64: active at the end of the month; closing = opening + activations - churned),
 *   churn_rate (f64: churned / the CHURN_OPT_KPI_RATE_BASE denominator), target (f64:
 *   CHURN_OPT_KPI_TARGET), margin (f64: target - churn_rate, >= 0 means within target).
 *   churned_cancel, churned_non_use (i64: the churned by how the spell ended; they sum to
 *   churned), rejoins (i64: the activations that are returns of a churned subscriber under the
 *   same id: re-activations and returns after a non-use churn; a subset of activations).
 * A subscriber activated and cancelled in the same month counts in activations and churned
 * and in neither base. */
CHURN_API churn_status churn_kpi_movement(const churn_dataset *ds, int64_t from, int64_t to,
                                          const char *segment, const churn_options *opts,
                                          churn_table **out);

/* ARPU (单客户月均收入) per month over the same months as churn_kpi_movement:
 *   segment (str, only when grouped), month (str), month_start (i64), revenue (f64: the sum of
 *   the amounts of BILL events dated in the month, or PAYMENT events by
 *   CHURN_OPT_KPI_ARPU_SOURCE, of the segment's subscribers), billed (i64: subscribers with
 *   such an event in the month), average_base (f64: (opening + closing) / 2),
 *   arpu (f64: revenue / average_base), change (f64: arpu - the previous month's arpu of the
 *   same segment; NaN in the first month), change_rate (f64: change / previous arpu). */
CHURN_API churn_status churn_kpi_arpu(const churn_dataset *ds, int64_t from, int64_t to,
                                      const char *segment, const churn_options *opts,
                                      churn_table **out);

/* Snapshot retention (拍照用户保有率): the cohort of subscribers active at base_date (Unix
 * seconds), narrowed by a categorical column's label (column and label both given, e.g. "tier"
 * and "high", or "vip" and "1"; both NULL for no such filter) and/or by a mask of subscriber
 * indices (members, nmembers; NULL and 0 for none; duplicates count once); both filters
 * combine.  Month 1 is the calendar month containing base_date, month k the k-th; for each
 * k = 1..nmonths (at most 1200) one row:
 *   month_index (i64 k), month (str "YYYY-MM"), cohort (i64: cohort size), active (i64: cohort
 *   members active at the end of month k; a member who churned and re-activated counts as
 *   active), retention (f64: active / cohort), target (f64: target[k-1] when target is not
 *   NULL (nmonths finite values), else CHURN_OPT_KPI_TARGET_START + k *
 *   CHURN_OPT_KPI_TARGET_STEP), margin (f64: retention - target, >= 0 means on target).
 * CHURN_E_ARG for a member index outside [0, num_subscribers) naming it. */
CHURN_API churn_status churn_kpi_snapshot(const churn_dataset *ds, int64_t base_date,
                                          int64_t nmonths, const char *column,
                                          const char *label, const int64_t *members,
                                          int64_t nmembers, const double *target,
                                          const churn_options *opts, churn_table **out);

/* Churn by segment over the period [from, to) (Unix seconds, from < to): one row per label of
 * `segment` (dictionary order, then "(missing)" if any), then a total row "(all)"; only the
 * total row when segment is NULL.  Columns:
 *   segment (str), opening (i64: active just before from), activations (i64: spells starting
 *   in the period), exposed (i64: opening + activations), churned (i64: spells ending in the
 *   period), churn_rate (f64: churned / the CHURN_OPT_KPI_RATE_BASE denominator, as in the
 *   movement table, so a one-month period gives the movement table's rate), ci_low, ci_high
 *   (f64: its 95% Wilson score interval, the denominator taken as the trials; NaN when churned
 *   exceeds it), natural, competitive, service, unknown (i64: the churned by the category of
 *   their cancel reason; a non-use churn is unknown unless a cancellation told its reason),
 *   closing (i64: active at to), churned_cancel, churned_non_use (i64: summing to churned). */
CHURN_API churn_status churn_kpi_segments(const churn_dataset *ds, int64_t from, int64_t to,
                                          const char *segment, const churn_options *opts,
                                          churn_table **out);

/* Win-back as the domain defines it (用户挽回成功率 and 挽回效果跟踪): the churns (spells
 * ended, under the churn definition) in [from, to), one row per group of `by`, then "(all)"
 * (only "(all)" when by is NULL).  A churn ended at time c of subscriber s is
 *   won back when a new spell starts within W days (c <= start <= c + W, W =
 *     CHURN_OPT_KPI_WINBACK_DAYS) under the same id (a re-activation or a return after a
 *     non-use churn) or under another id with the same person (the subscribers' "person"
 *     column, a string such as a hashed ID-card number: a categorical column found by its
 *     name); the earliest such spell is the return;
 *   attempted when s has a RETENTION event (any outcome) in [c, c + W];
 *   kept when the return is still active F days after it started (F =
 *     CHURN_OPT_KPI_FOLLOWUP_DAYS; a return still open counts as kept).
 * Columns: group (str), churned (i64: churns in the period; a subscriber churning twice counts
 * twice), won_back (i64), win_back_rate (f64: won_back / churned), ci_low, ci_high (f64: its
 * 95% Wilson interval), attempted (i64), success_rate (f64: won back among the attempted /
 * attempted, the operators' 用户挽回成功率), kept (i64), kept_rate (f64: kept / won_back).
 * `by`: "category" (the churn's category: rows natural, competitive, service, unknown; a
 * non-use churn is unknown unless a cancellation told its reason), a categorical subscriber
 * column (the churned subscriber's label), or NULL.  Ratios with a zero denominator are NaN. */
CHURN_API churn_status churn_kpi_winback_rate(const churn_dataset *ds, int64_t from, int64_t to,
                                              const char *by, const churn_options *opts,
                                              churn_table **out);

/* Outcomes of retention contacts: subscribers whose contact succeeded / subscribers contacted,
 * from the RETENTION events dated in [from, to): a subscriber with at least one such contact
 * was attempted, and won back when one of them has outcome CHURN_OUTCOME_RETAINED (this is not
 * the domain's win-back of churned subscribers: see churn_kpi_winback_rate).  `by` groups the subscribers: "reason_category" (the category of the
 * subscriber's CANCEL event nearest in time to its first contact in the period, the earlier
 * on a tie; "unknown" without one; rows unknown, natural, competitive, service), a categorical
 * subscriber column such as "manager" (the assigned customer manager), or NULL (total only).
 * Rows: the groups, then "(all)".  Columns: group (str), attempted (i64), won_back (i64),
 * success_rate (f64), ci_low, ci_high (f64: 95% Wilson interval).  opts is not read yet (may
 * be NULL). */
CHURN_API churn_status churn_kpi_retention_contacts(const churn_dataset *ds, int64_t from,
                                                    int64_t to, const char *by,
                                                    const churn_options *opts,
                                                    churn_table **out);

/* Warning accuracy (流失预警准确率) of the warnings raised as of `as_of`: the n warnings are
 * (subscriber[i], rule[i]) pairs (dense subscriber indices; rule names, or rule = NULL for one
 * rule named "warning"; a subscriber may be flagged by several rules or twice).  The base is
 * the subscribers active at as_of; a churner is one whose spell active at as_of ends before
 * horizon_end (as_of < horizon_end).  One row per rule (in order of first appearance), then
 * "(any)" for the union of all rules:
 *   rule (str), warned (i64: distinct flagged subscribers in the base), warned_churned (i64),
 *   churners (i64: all churners of the base), recall (f64: warned_churned / churners, the
 *   operators' "warning accuracy"), precision (f64: warned_churned / warned), outside_base
 *   (i64: flagged subscribers not active at as_of, left out of both ratios), retained (i64:
 *   warned - warned_churned, the warned still active at the horizon: for the cancel_request
 *   rule, the requests the retention desk turned around), retained_rate (f64: retained /
 *   warned).
 * CHURN_E_ARG naming i for an index outside [0, num_subscribers) or a NULL rule name. */
CHURN_API churn_status churn_kpi_warning_accuracy(const churn_dataset *ds, int64_t as_of,
                                                  int64_t horizon_end, const int64_t *subscriber,
                                                  const char *const *rule, int64_t n,
                                                  churn_table **out);

/* churn_kpi_warning_accuracy under the churn definition of opts (CHURN_OPT_CHURN_DEFINITION,
 * CHURN_OPT_CHURN_INACTIVE_MONTHS; NULL: the default, as churn_kpi_warning_accuracy reads it),
 * so that a rule's accuracy counts the churn the labels and the other KPIs count. */
CHURN_API churn_status churn_kpi_warning_accuracy_opts(const churn_dataset *ds, int64_t as_of,
                                                       int64_t horizon_end,
                                                       const int64_t *subscriber,
                                                       const char *const *rule, int64_t n,
                                                       const churn_options *opts,
                                                       churn_table **out);

/* The same for the warning list of churn_warnings_compute (or any table with an i64 column
 * "subscriber" and a str column "rule"; CHURN_E_SCHEMA otherwise). */
CHURN_API churn_status churn_kpi_warning_list_accuracy(const churn_dataset *ds, int64_t as_of,
                                                       int64_t horizon_end,
                                                       const churn_table *warnings,
                                                       churn_table **out);

/* churn_kpi_topk_accuracy under the churn definition of opts (as churn_kpi_warning_accuracy_opts). */
CHURN_API churn_status churn_kpi_topk_accuracy_opts(const churn_dataset *ds, int64_t as_of,
                                                    int64_t horizon_end, const double *score,
                                                    int64_t nscores, const int64_t *k,
                                                    int64_t nk, const churn_options *opts,
                                                    churn_table **out);

/* Contact compliance of a warning list: of the warned subscribers, how many had a RETENTION
 * contact event at or after the warning's as_of and by its deadline (the deadline included).
 * The n warnings are subscriber[i] (dense index), as_of[i] and deadline[i] (e.g. the columns
 * of churn_warnings_compute) and, when group is not NULL, group[i], the text to group by (the
 * route, the manager, the rule, ...; "" is the group "(none)").  A subscriber warned by several
 * rules of one list (the same as_of) counts once per group, with the earliest of its
 * deadlines; lists of several dates may be stacked (each (subscriber, as_of) is a warning).
 * Rows: the groups in order of first appearance, then "(all)" (only "(all)" without group).
 * Columns: group (str), warned (i64), contacted (i64: contacted by the deadline), compliance
 * (f64: contacted / warned, NaN for 0 warned), ci_low, ci_high (f64: its 95% Wilson interval),
 * late (i64: warned whose first contact at or after as_of came after the deadline).
 * CHURN_E_ARG naming the warning for an index outside [0, num_subscribers), a deadline before
 * as_of or a NULL group; CHURN_E_STATE for a dataset that is not finalized.  opts is not read
 * (may be NULL).  Reads the dataset only. */
CHURN_API churn_status churn_kpi_contact_compliance(const churn_dataset *ds,
                                                    const int64_t *subscriber,
                                                    const int64_t *as_of, const int64_t *deadline,
                                                    const char *const *group, int64_t n,
                                                    const churn_options *opts,
                                                    churn_table **out);

/* The same for a warning list table (churn_warnings_compute's, or any table with i64 columns
 * "subscriber", "as_of" and "deadline": CHURN_E_SCHEMA otherwise) grouped by its text column
 * `by` ("route", "manager", "rule", ...; CHURN_E_NOT_FOUND for a missing one) or NULL. */
CHURN_API churn_status churn_kpi_contact_compliance_list(const churn_dataset *ds,
                                                         const churn_table *warnings,
                                                         const char *by,
                                                         const churn_options *opts,
                                                         churn_table **out);

/* The same for a model's risk list: score holds one value per subscriber (nscores must equal
 * num_subscribers; CHURN_E_ARG otherwise); the base is ranked by decreasing score (ties by
 * lower index) and for each of the nk list lengths k[j] >= 1 one row:
 *   k (i64), flagged (i64: min(k, base size)), flagged_churned (i64), churners (i64),
 *   recall (f64), precision (f64: flagged_churned / flagged).
 * CHURN_E_DATA naming the index of a non-finite score of a subscriber in the base. */
CHURN_API churn_status churn_kpi_topk_accuracy(const churn_dataset *ds, int64_t as_of,
                                               int64_t horizon_end, const double *score,
                                               int64_t nscores, const int64_t *k, int64_t nk,
                                               churn_table **out);

/* Retention curves of a dataset by tenure (time since the spell's activation, in days or
 * months by CHURN_OPT_KPI_TIME_UNIT), observed over the window [window_start, as_of]: each
 * active spell with a known start on or before as_of that had not ended by window_start is
 * one subject, churned at its end when that is on or before as_of, else censored at as_of;
 * spells that started before window_start enter at tenure window_start - start (delayed
 * entry), so the churn that happened before the data began is not mistaken for survival.
 * window_start = CHURN_TIME_NONE observes every spell from its start.  Per segment (a leading
 * "segment" column) when segment is not NULL.  alpha in (0, 1) sets the intervals.
 * churn_kpi_km: the columns of churn_survival_km.
 * churn_kpi_cif: the columns of churn_survival_cif with category as a string: "natural",
 * "competitive", "service", or "unknown" (a cancellation without a known reason). */
CHURN_API churn_status churn_kpi_km(const churn_dataset *ds, int64_t window_start, int64_t as_of,
                                    const char *segment, double alpha, const churn_options *opts,
                                    churn_table **out);
CHURN_API churn_status churn_kpi_cif(const churn_dataset *ds, int64_t window_start,
                                     int64_t as_of, const char *segment, double alpha,
                                     const churn_options *opts, churn_table **out);

/* --- end of KPIs ---------------------------------------------------------------------------- */

#ifdef CHURN_EXPERIMENTAL /* 8c: the shape of these calls may still change */
/* --- 8c. Cohort forecasting ------------------------------------------------------------------ *
 * EXPERIMENTAL (declared only with CHURN_EXPERIMENTAL defined): cohort retention models that
 * project a cohort's survival beyond the months seen so far, and the snapshot forecast built
 * on them.  Every call here is pure and thread-safe; a fitted churn_cohort_model is read-only
 * and may be shared between threads. */

/* The cohort retention models.  Both describe a cohort whose members each renew every period
 * with their own probability, heterogeneous across members:
 *  - CHURN_COHORT_SBG, shifted-beta-geometric (Fader & Hardie 2007, "How to project customer
 *    retention"): a member churns each period with probability theta ~ Beta(alpha, beta), so
 *    S(t) = B(alpha, beta + t) / B(alpha, beta), P(T = t) = S(t-1) alpha / (alpha + beta + t - 1)
 *    and the retention rate r(t) = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1)
 *    rises with t as the weakest leave.  Parameters (alpha, beta).
 *  - CHURN_COHORT_BDW, beta-discrete-Weibull (Fader, Hardie, Liu, Davin & Steenburgh 2018):
 *    S(t) = B(alpha, beta + t^c) / B(alpha, beta); c < 1 lets each member's churn probability
 *    fall with tenure, c > 1 rise; c = 1 is the sBG.  Parameters (alpha, beta, c).
 *  - CHURN_COHORT_GEOMETRIC: everyone churns with the same probability p each period,
 *    S(t) = (1 - p)^t, the limit of the sBG as alpha and beta grow with alpha/(alpha+beta) = p
 *    fixed; p = churned / member-periods at risk in closed form.  Parameter (p). */
#define CHURN_COHORT_KIND_LIST(X)             \
  X(CHURN_COHORT_SBG, 0, "sbg")               \
  X(CHURN_COHORT_BDW, 1, "bdw")               \
  X(CHURN_COHORT_GEOMETRIC, 2, "geometric")
typedef enum churn_cohort_kind { CHURN_COHORT_KIND_LIST(CHURN_ENUM_VALUE_) } churn_cohort_kind;

typedef struct churn_cohort_model churn_cohort_model;

/* Fits a cohort model by maximum likelihood to ncohorts cohorts (ncohorts >= 1) of different
 * lengths: alive holds the cohorts' alive counts one after the other, cohort k contributing
 * lengths[k] >= 2 values, the number still active after 0, 1, 2, ... periods (so lengths[k] - 1
 * periods observed).  The log-likelihood is Fader & Hardie's, without a multinomial constant:
 *   LL = sum_k [ sum_{t=1..m_k} (n_{k,t-1} - n_{k,t}) log P(T = t) + n_{k,m_k} log S(m_k) ].
 * The sBG is maximised by Newton's method on (log alpha, log beta) with the analytic gradient
 * and Hessian and step halving (Nelder-Mead if Newton stalls); the BdW by Nelder-Mead on the
 * log-parameters started from the sBG fit with c = 1.  Standard errors come from the inverse
 * observed information at the optimum (analytic for the sBG, central differences for the BdW).
 * Failures: CHURN_E_ARG (NULL, ncohorts < 1, a cohort with fewer than 2 counts, unknown kind);
 * CHURN_E_DATA naming cohort and period for a NaN, infinite or negative count, a sequence that
 * rises, a cohort that starts at 0, when no cohort shows any churn (the estimate is not finite:
 * beta is infinite), or when the longest cohort is too short to identify the parameters (3
 * counts for the sBG, 4 for the BdW); CHURN_E_NOT_CONVERGED when the likelihood has no finite
 * maximum, said in the message: for the sBG when alpha and beta both pass 1e4 (the data show
 * no heterogeneity: fit CHURN_COHORT_GEOMETRIC instead), for the geometric model when every
 * member churned in its first period.  *out is freed with churn_cohort_model_free. */
CHURN_API churn_status churn_cohort_fit(churn_cohort_kind kind, const double *alive,
                                        const int64_t *lengths, int64_t ncohorts,
                                        churn_cohort_model **out);

/* Releases a fitted model; NULL is a no-op. */
CHURN_API void churn_cohort_model_free(churn_cohort_model *model);

/* The kind of a fitted model (CHURN_COHORT_SBG for NULL). */
CHURN_API churn_cohort_kind churn_cohort_model_kind(const churn_cohort_model *model);

/* The fit: *nparams (2 sBG, 3 BdW, 1 geometric), params (alpha, beta[, c]) or (p), their
 * standard errors, the
 * covariance matrix (nparams x nparams, row-major; NaN when the information matrix is not
 * positive definite) and the maximised log-likelihood.  Output arrays hold 3 values (9 for
 * cov); any output may be NULL. */
CHURN_API churn_status churn_cohort_params(const churn_cohort_model *model, int64_t *nparams,
                                           double *params, double *std_err, double *cov,
                                           double *loglik);

/* The model's survival S(t[i]) (share of a cohort still active after t periods) and retention
 * rate r(t) = S(t) / S(t - 1) (NaN for t < 1) at n times t >= 0 (non-integer t allowed).
 * Either output may be NULL.  CHURN_E_DATA for a NaN, infinite or negative time. */
CHURN_API churn_status churn_cohort_survival(const churn_cohort_model *model, const double *t,
                                             int64_t n, double *survival, double *retention);

/* Projects a cohort of `size` members of which alive_from are active after `from` periods
 * (from = 0, alive_from = size for a cohort not yet observed) to each period t = from + 1 ..
 * horizon.  Each remaining member survives to t with the model's conditional probability
 * q(t) = S(t) / S(from), independently, so the count is binomial given the parameters.  One
 * row per period:
 *   period (i64 t), survival (f64: the model's S(t)), expected (f64: alive_from q(t), the
 *   expected survivors), share (f64: expected / size), std_err (f64 of the share),
 *   ci_low, ci_high (f64: the 1 - alpha prediction interval of the share),
 * and when target is not NULL (horizon finite values, target[t - 1] for period t):
 *   target (f64), margin (f64: share - target), prob_meet (f64: the probability that the
 *   share actually reached is >= target).
 * Interval and probability: a normal approximation whose variance adds the binomial sampling
 * of the remaining members, q (1 - q) / alive_from, and the parameters' uncertainty by the
 * delta method (numerical gradient of q, the model's covariance), scaled by alive_from / size;
 * the interval is formed on the logit scale of q (so it stays within [0, alive_from / size])
 * and so is the probability: with g = target size / alive_from (the q needed),
 * prob_meet = Phi((logit q - logit g) / (sd_q / (q (1 - q)))) (1 when g <= 0, 0 or 1 when
 * g >= 1), so prob_meet = 1 - alpha/2 where ci_low equals the target.  alpha in (0, 1).
 * CHURN_E_ARG for a bad size, from < 0, alive_from outside [0, size], horizon < from;
 * CHURN_E_DATA for a NaN target. */
CHURN_API churn_status churn_cohort_forecast(const churn_cohort_model *model, double size,
                                             int64_t from, double alive_from, int64_t horizon,
                                             const double *target, double alpha,
                                             churn_table **out);

/* Discounted expected residual lifetime (Fader & Hardie 2010, "Customer-base valuation in a
 * contractual setting"), in periods, of a member who has renewed `renewals` times (is active
 * after `renewals` periods), evaluated just before its next renewal decision:
 *   DERL(d | n) = sum_{t > n} S(t) / S(n) / (1 + d)^(t - n - 1),
 * the paper's DERL(d | alpha, beta, n - 1 renewals) with its n = renewals + 1 (for the sBG it
 * equals (beta + n) / (alpha + beta + n) 2F1(1, beta + n + 1; alpha + beta + n + 1; 1/(1+d))).
 * Multiply by the margin per period for the residual value.  Summed until the remaining tail
 * is below 1e-16 of the sum.  discount d > 0 (CHURN_E_ARG otherwise; with d = 0 the sum
 * may diverge). */
CHURN_API churn_status churn_cohort_derl(const churn_cohort_model *model, double discount,
                                         int64_t renewals, double *derl);

/* The operator's question in one call: photographs the cohort as churn_kpi_snapshot does
 * (same arguments; months 1..nmonths, target NULL for the kpi.target_start/step line), fits
 * the model `kind` on the months whose end (the first second of the next month) is on or
 * before as_of, the cohort size being month 0, and projects the rest to month nmonths from
 * the last observed month.  Re-activated members (whom the snapshot counts as active) are not
 * new survivors for the fit: it uses the running minimum of the active counts.  When the sBG
 * (or the BdW) has no finite estimate because the months seen show no heterogeneity (churn at a constant
 * rate), the geometric model is fitted instead (churn_cohort_model_kind of *model says which).
 * One row per month:
 *   month_index (i64), month (str), observed (i64 1 for a month seen, 0 for a projected one),
 *   cohort (i64), active (f64: members active at the end of the month, NaN when projected),
 *   retention (f64: active / cohort, NaN when projected), expected (f64: the model's fitted
 *   share for an observed month, the projected share otherwise), ci_low, ci_high (f64: the
 *   1 - alpha interval of churn_cohort_forecast for projected months, NaN for observed ones),
 *   target (f64), margin (f64: retention - target when observed, expected - target when
 *   projected), prob_meet (f64: 1 or 0 when observed, churn_cohort_forecast's probability when
 *   projected).
 * When model is not NULL it receives the fitted model (free with churn_cohort_model_free).
 * Fails as churn_kpi_snapshot and churn_cohort_fit do; CHURN_E_DATA when fewer than two months
 * (three for the BdW) have been observed by as_of. */
CHURN_API churn_status churn_kpi_snapshot_forecast(const churn_dataset *ds, int64_t base_date,
                                                   int64_t as_of, int64_t nmonths,
                                                   const char *column, const char *label,
                                                   const int64_t *members, int64_t nmembers,
                                                   const double *target, churn_cohort_kind kind,
                                                   double alpha, const churn_options *opts,
                                                   churn_table **out,
                                                   churn_cohort_model **model);
#endif /* CHURN_EXPERIMENTAL */

/* --- end of cohort forecasting ------------------------------------------------------------- */

/* --- 8d. Simulator --------------------------------------------------------------------------- *
 * churn_simulate builds a realistic, seeded operator: sim.subscribers subscribers active at
 * sim.start plus new activations (sim.new_rate x sim.subscribers per month), followed over
 * sim.months calendar months (month k starts on the start's day of month, clamped to 28, k
 * months later).  Every event kind appears: monthly BILLs (due 20 days later) and PAYMENTs
 * (some late, some missing -> arrears -> SUSPEND non_payment -> RESUME or CANCEL), about
 * sim.view_events aggregated VIEW sessions a month (genre, time slot, minutes), a weekly
 * HEARTBEAT summary (every sim.heartbeat_days; value = days online in the interval) with
 * DISCONNECT/CONNECT around offline spells, FAULTs with first contact and fix (some breaching
 * 20 minutes / 24 hours; a share of sim.sla_breach), CALLBACKs after repairs, COMPLAINTs,
 * PACKAGE_CHANGEs, voluntary SUSPEND/RESUME, RETENTION contacts (retained / lost / no answer),
 * monthly broadband and mobile USAGE, ACTIVATION (dated before the window for the initial
 * base) and CANCEL with a reason code.  About 135 events per subscriber-year with the defaults
 * (heartbeats 51, views 46, usage, bills and payments about 12 each, the rest rare).
 *
 * Subscriber table: regions ("north", ... "harbour", then "region09"...), age bands "18-29",
 * "30-44", "45-59", "60-74", "75+", tiers "low"/"mid"/"high" (sim.high_value_share high), VIP
 * flag (most of the high tier), packages "basic", "family", "sports", "premium", "ultimate"
 * with the bundle's monthly list price, services 1-3 (TV, + broadband and/or mobile), customer
 * managers "MRRKK" by region and "VIPkk" for VIPs, contract and promotion end dates (bills are
 * 25% lower until the promotion ends), activation and cancellation.  Package and price are as
 * at activation; later changes are PACKAGE_CHANGE events.
 *
 * Win-back: about 8% of those who left around a contract or promotion end or for the competitor
 * come back 2-10 months later as a new subscription (new id after the others, same region, age
 * band and tier, a one-year promotion, no contract); the truth table links it to the old one.
 *
 * Churn: each month a subscriber may start a churn episode of one driver (churn_sim_driver)
 * with a probability set by its profile (tier, age, bundle size, tenure, VIP, region, a latent
 * frailty), the calendar (contract and promotion ends, the competitor's campaign from month
 * sim.competitor_start in a sim.competitor_regions share of regions) and its recent service
 * (SLA breaches raise the service hazard; sim.poor_signal_regions regions have more faults).
 * An episode either ends in churn weeks to months later or fades out; meanwhile it leaves its
 * traces (viewing and usage fall, payments stop, the box goes offline, faults and complaints,
 * downgrades), so the signals precede the cancellation.  Retention contacts (more often for
 * VIP and high tier) stop some episodes; when the retention desk takes the cancellation call
 * the subscriber's CANCEL_REQUEST (code = the reason) comes ten minutes before its RETENTION
 * outcome.  A sim.silent_share of churning movers, and a sim.silent_other_share of the churners
 * of the other drivers but arrears, never cancel: the box goes offline, usage stops and bills
 * stay unpaid (churn by inactivity, cancellation = none).  The latent frailty is lognormal with
 * mean 1 and sigma sim.propensity_spread: the more spread, the more a cohort's frail members
 * leave early and its retention curve flattens (the shifted-beta-geometric fit then has finite
 * estimates).  Every episode start rate is multiplied by sim.churn_scale (the churn level) and
 * by the seasonal profile 1 + A cos(2 pi (calendar month - sim.season_peak) / 12), A =
 * sim.seasonality (the calendar month in which the simulated month starts; churn follows its
 * episode start by weeks to months, so the churn's own peak comes later).  Every subscriber has a
 * string column "person" (added through churn_dataset_append_subscribers): "P" and the index of
 * the first subscription of the person, so a win-back re-activation (a new id) shares the
 * person of the subscription it returns from.  A sim.return_same_id share of the win-back
 * returns come back under their old id instead: the subscriber's events go on with an
 * ACTIVATION event at the return (and its later history, maybe a second CANCEL), and its
 * cancellation column holds the last cancellation after the return, CHURN_TIME_NONE when active.
 * With the defaults monthly churn comes out at about 1.5-1.8% (2-2.5% in the competitor's
 * regions once its campaign runs, a little more in the poor-signal region).
 *
 * Retention campaign (off by default: sim.campaign_month = -1 leaves the output bit-identical
 * to a simulator without campaigns).  With sim.campaign_month = c (a month index < sim.months)
 * every subscriber active at the start of month c (activated before it, not churned; silent
 * churners whose box went offline are gone) is eligible, and is selected at random with
 * probability sim.campaign_share (no targeting: the selection is a random sample of the base;
 * restrict the analysis to a segment to study a targeted campaign).  A selected subscriber is
 * held out as control with probability sim.control_share, else treated.  Every eligible
 * subscriber has a contact time 8 to 18 hours after the month's start (uniform);
 * a treated one gets a RETENTION event with outcome CHURN_OUTCOME_UNKNOWN at that time (the
 * offer); controls and the unselected get nothing.  The window of the campaign runs from the
 * contact time to the start of month c + sim.campaign_horizon (or the end of the simulation).
 * The effect's exact rule: a treated subscriber whose history without the offer would cancel
 * at time t in [contact + 3 days, window end) through driver k stays with probability
 *   p_k = sim.campaign_effect x w_k,  w_k = 1 for contract_end, promotion_end and competitor,
 *   0.5 for service, 0 for arrears, disengagement, moving and age_health
 * (the churn episode runs its course, traces included, and fades instead of cancelling; a
 * retention-desk call before it then ends "retained" with a discount), and starts no new
 * churn episode before the window ends; with probability 1 - p_k it cancels as it would have.
 * Silent churn (movers) is never prevented; nothing else changes.  The campaign's draws come
 * from a random stream of each subscriber's own, so the history of a subscriber who is not
 * treated is exactly the one it would have without any campaign (and the same whatever
 * sim.threads), and a treated one's events before its contact are those too.  Hence for
 * every eligible subscriber the churn in the window without the offer is known, and its
 * expected effect given that history is exactly campaign_true_effect below: -p_k for a churn
 * through driver k from 3 days after the contact to the window's end, 0 otherwise.  Over the
 * selected subscribers, E[churn rate of the treated - churn rate of the controls] (churn =
 * churn_time in [campaign_time, window end)) = the mean of campaign_true_effect, overall and
 * in any segment defined before the contact (or by campaign_driver).  Win-back re-activations
 * follow from the churners that remain, so they change with the campaign.
 *
 * The truth table (when truth is not NULL), one row per subscriber in dense-index order:
 *   subscriber_id (str), index (i64),
 *   category (i64 churn_category: 0 = did not churn in the window), category_name (str:
 *     "none", "natural", "competitive", "service"),
 *   driver (i64 churn_sim_driver), driver_name (str: "none", "arrears", ...),
 *   reason (i64 churn_cancel_reason of the CANCEL event, or the silent mover's true reason),
 *   cancelled (i64 1 when a CANCEL event ends the history, 0 for silent churn or none),
 *   churn_time (i64: time of the CANCEL event, or when a silent churner's box went offline;
 *     CHURN_TIME_NONE if none), churn_month (i64 month index of churn_time, -1 if none),
 *   signal_start (i64: when the churn episode, and its traces, began; CHURN_TIME_NONE if none),
 *   competitor_region, poor_signal_region (i64 0/1: the subscriber's region's facts),
 *   latent_risk (f64): the subscriber's mean monthly probability, over its months in the
 *     window, of starting an episode that would end in churn,
 *   previous_index (i64): for a win-back re-activation the index of the earlier subscription,
 *     else -1,
 *   campaign_selected, campaign_treated (i64 0/1: selected for the retention campaign; selected
 *     and not held out as control), 0 for everyone without a campaign,
 *   campaign_time (i64: the eligible subscriber's contact time, for controls and the
 *     unselected the time it would have been; CHURN_TIME_NONE when not eligible),
 *   campaign_driver (i64 churn_sim_driver: the driver of the churn that the subscriber's
 *     history without the offer has in [campaign_time, window end); 0 if none or not eligible;
 *     for a subscriber the offer kept, the churn it prevented),
 *   campaign_true_effect (f64, <= 0: the subscriber's expected change in churn within the
 *     window if treated, given its history without the offer: -p_k as above, else 0; for
 *     every eligible subscriber, selected or not),
 *   churn_type (str: "cancel" when a CANCEL ends the (first) subscription, "silent" for a
 *     silent churner, "none"; churn_time and the columns above describe that first churn),
 *   return_type (str: "new_id" for a win-back re-activation under a new id, "same_id" for a
 *     subscriber who came back under its id after churning, else "none"), return_time (i64: the
 *     return's ACTIVATION for "same_id", the activation for "new_id", else CHURN_TIME_NONE),
 *   person (str: as the dataset's person column).
 * category = churn_cancel_reason_category(reason) for every churner.
 *
 * Deterministic: the same options give a bit-identical dataset and truth whatever
 * sim.threads (every subscriber draws from its own random stream).  The dataset comes back
 * finalized.  opts NULL means defaults; only the sim.* keys are read.  Fails with CHURN_E_ARG
 * for out NULL, CHURN_E_RANGE when the size is beyond limits (more than INT32_MAX subscribers,
 * 2e9 subscriber-months, or about 4e9 events expected) or sim.campaign_month is not below
 * sim.months ("sim.campaign_month 30 is not one of the 24 simulated months"), CHURN_E_NOMEM.  *out is freed with
 * churn_dataset_free and *truth with churn_table_free.  Thread-safe (no shared state).  Speed:
 * about 3 CPU-seconds for 100,000 subscribers x 24 months (27 M events, 0.8 GB). */
/* The simulator's churn drivers:
 *   arrears: payments stop -> suspension -> cancel; reason price
 *   disengagement: viewing fades; reason not_wanted
 *   moving: box offline weeks before; moving / no_device
 *   service: faults, SLA breaches, complaints; technical, ...
 *   contract_end: around the contract end; competitor / price
 *   promotion_end: bill rises at the promotion end; promo_end / price
 *   competitor: competitor's regional campaign; competitor / price
 *   age_health: older subscribers; age_health / no_device */
#define CHURN_SIM_DRIVER_LIST(X)                                \
  X(CHURN_DRIVER_NONE, 0, "none")                              \
  X(CHURN_DRIVER_ARREARS, 1, "arrears")                        \
  X(CHURN_DRIVER_DISENGAGEMENT, 2, "disengagement")            \
  X(CHURN_DRIVER_MOVING, 3, "moving")                          \
  X(CHURN_DRIVER_SERVICE, 4, "service")                        \
  X(CHURN_DRIVER_CONTRACT_END, 5, "contract_end")              \
  X(CHURN_DRIVER_PROMOTION_END, 6, "promotion_end")            \
  X(CHURN_DRIVER_COMPETITOR, 7, "competitor")                  \
  X(CHURN_DRIVER_AGE_HEALTH, 8, "age_health")
typedef enum churn_sim_driver {
  CHURN_SIM_DRIVER_LIST(CHURN_ENUM_VALUE_)
  CHURN_DRIVER_END_
} churn_sim_driver;

/* Simulates the operator described above into *out (finalized) and, when truth is not NULL, the
 * truth table into *truth. */
CHURN_API churn_status churn_simulate(const churn_options *opts, churn_dataset **out,
                                      churn_table **truth);

/* ===================================================================================== *
 * 9. Deprecated names
 *
 * Calls renamed in 1.2 to the churn_<object>_<verb> form.  The old names stay exported and
 * behave exactly as the new ones until the next major version (2.0), which removes them.
 * ===================================================================================== */

#if defined(__GNUC__) && !defined(CHURN_NO_DEPRECATION_WARNINGS)
#  define CHURN_DEPRECATED_(newer) __attribute__((deprecated("use " newer)))
#else
#  define CHURN_DEPRECATED_(newer)
#endif

CHURN_API CHURN_DEPRECATED_("churn_survival_km")
churn_status churn_km(const double *duration, const double *event, const double *entry, int64_t n,
                      double alpha, churn_table **out);
CHURN_API CHURN_DEPRECATED_("churn_survival_cif")
churn_status churn_cif(const double *duration, const int64_t *category, const double *entry,
                       int64_t n, double alpha, churn_table **out);
CHURN_API CHURN_DEPRECATED_("churn_survival_gray_test")
churn_status churn_gray_test(const double *duration, const int64_t *category, const int64_t *group,
                             int64_t n, double rho, churn_table **out);
CHURN_API CHURN_DEPRECATED_("churn_separation_check")
churn_status churn_check_separation(const void *X, churn_dtype dtype, int64_t n, int64_t d,
                                    int64_t ld, const double *y, int fit_intercept, int *kind,
                                    int8_t *direction);
/* t plus working_days working days, Monday to Friday in UTC: churn_calendar_deadline(NULL, t,
 * working_days, 0, &out) without its range checks (the result is t + whole days). */
CHURN_API CHURN_DEPRECATED_("churn_calendar_deadline (cal NULL, utc_offset 0)")
int64_t churn_contact_deadline(int64_t t, int64_t working_days);

/* The retention-contact outcome table was called churn_kpi_winback before 1.2; win-back is now
 * the domain's (churn_kpi_winback_rate). */
CHURN_API CHURN_DEPRECATED_("churn_kpi_retention_contacts")
churn_status churn_kpi_winback(const churn_dataset *ds, int64_t from, int64_t to, const char *by,
                               const churn_options *opts, churn_table **out);

#ifdef __cplusplus
}
#endif

#endif /* CHURN_H */
