/*
 * churn.h -- the one public header of libchurn.
 *
 * libchurn is a churn-analytics library for cable-TV, broadband and mobile operators: it holds
 * subscribers and their time-stamped events, extracts point-in-time features and churn labels,
 * fits and explains a logistic-regression risk model, and computes the retention figures
 * operators report.  This header reads top to bottom like a manual:
 *
 *   1. version               5. features, labels, warnings
 *   2. status and errors     6. risk model (fit, inference, scoring, reasons, persistence)
 *   3. options               7. evaluation
 *   4. dataset               8. retention KPIs, simulator
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
#define CHURN_VERSION_MINOR 0
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

#define CHURN_STATUS_ENUM_(name, value, text) name = value,
typedef enum churn_status { CHURN_STATUS_LIST(CHURN_STATUS_ENUM_) CHURN_STATUS_END_ } churn_status;
#undef CHURN_STATUS_ENUM_

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

/* Fault injection for test suites: make the k-th allocation made by the library on this thread
 * from now on fail (k >= 1); k = 0 switches it off.  Only the calling thread is affected.
 * Returns how many allocations were made on this thread since the previous call, so a test can
 * learn how many points a code path has and then fail each in turn. */
CHURN_API uint64_t churn_testing_fail_alloc(uint64_t k);

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
  CHURN_OPT_FIT_TOL = 104,           /* real > 0: gradient-norm tolerance, default 1e-8 */
  CHURN_OPT_FIT_MAX_ITER = 105,      /* int >= 1: Newton iterations, default 100 */
  CHURN_OPT_FIT_CLASS_WEIGHT = 106,  /* int 0 none, 1 balanced; default 0 */
  CHURN_OPT_FIT_STANDARDIZE = 107,   /* int 0/1: standardize internally, default 1 */
  CHURN_OPT_FIT_THREADS = 108,       /* int >= 0: worker threads, 0 = one per core, default 1 */
  CHURN_OPT_FIT_COV_TYPE = 109,      /* int churn_cov_type, default CHURN_COV_NONROBUST */
  CHURN_OPT_FIT_POPULATION_RATE = 110, /* real in [0,1): prior correction, 0 = off; default 0 */
  CHURN_OPT_FIT_MEMORY_BUDGET = 111, /* int bytes for out-of-core fits, default 256 MiB */
  /* --- features (section 5) --- */
  CHURN_OPT_FEAT_FIRST_ = 200,
  /* --- labels (section 5) --- */
  CHURN_OPT_LABEL_FIRST_ = 300,
  /* --- warnings (section 5) --- */
  CHURN_OPT_WARN_FIRST_ = 400,
  /* --- KPIs (section 8) --- */
  CHURN_OPT_KPI_FIRST_ = 500,
  /* --- ingestion (section 4) --- */
  CHURN_OPT_INGEST_FIRST_ = 600,
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

/* ===================================================================================== *
 * 5. Features, labels and early-warning rules
 * ===================================================================================== */

/* ===================================================================================== *
 * 6. Risk model
 * ===================================================================================== */

/* Penalties for churn_model_fit (CHURN_OPT_FIT_PENALTY). */
typedef enum churn_penalty {
  CHURN_PENALTY_NONE = 0,
  CHURN_PENALTY_L2 = 1,
  CHURN_PENALTY_L1 = 2,
  CHURN_PENALTY_ELASTICNET = 3,
  CHURN_PENALTY_FIRTH = 4
} churn_penalty;

/* Covariance estimators for inference (CHURN_OPT_FIT_COV_TYPE). */
typedef enum churn_cov_type {
  CHURN_COV_NONROBUST = 0,
  CHURN_COV_HC0 = 1,
  CHURN_COV_HC1 = 2,
  CHURN_COV_CLUSTER = 3
} churn_cov_type;

/* ===================================================================================== *
 * 7. Evaluation
 * ===================================================================================== */

/* ===================================================================================== *
 * 8. Retention KPIs and simulator
 * ===================================================================================== */

#ifdef __cplusplus
}
#endif

#endif /* CHURN_H */
