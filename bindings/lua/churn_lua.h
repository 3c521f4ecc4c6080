/*
 * churn_lua.h -- the Lua 5.4 binding of libchurn.
 *
 * Two ways to use it:
 *  - as a loadable module: `local churn = require "churn"` finds churn.so on package.cpath;
 *  - embedded in a C host that links libchurn and these sources: call
 *    luaL_requiref(L, "churn", luaopen_churn, 1) and hand models the host loaded itself to Lua
 *    scripts with churn_lua_push_model().
 * Everything else in the binding is private (churn__lua_* helpers shared by its files).
 */
#ifndef CHURN_LUA_H
#define CHURN_LUA_H

#include <churn.h>
#include <lauxlib.h>
#include <lua.h>

#if defined(__GNUC__) && __GNUC__ >= 4
#  define CHURN_LUA_API __attribute__((visibility("default")))
#else
#  define CHURN_LUA_API
#endif

/* The module's entry point (its name is fixed by Lua's `require`).  Pushes the module table. */
CHURN_LUA_API int luaopen_churn(lua_State *L);

/* Pushes a model object that owns `model` (it is freed when the Lua object is collected or
 * closed).  The module must have been opened in this state first (metatables).  Returns 1. */
CHURN_LUA_API int churn_lua_push_model(lua_State *L, churn_model *model);

/* ----------------------------------------------------------------------------------------- *
 * Private to the binding
 * ----------------------------------------------------------------------------------------- */

#define CHURN_LUA_MODEL_MT "churn.model"
#define CHURN_LUA_DATASET_MT "churn.dataset"
#define CHURN_LUA_BOX_MT "churn.box"

/* Expected failures: pushes nil, the thread's last libchurn message and the status name
 * ("CHURN_E_IO"); returns 3 so a C function can `return churn__lua_fail(L, st);`. */
int churn__lua_fail(lua_State *L, churn_status st);

/* The same with a message made by the binding. */
int churn__lua_failf(lua_State *L, churn_status st, const char *fmt, ...);

/* A scratch allocation owned by a userdata pushed on the stack, so that a Lua error raised
 * while it is in use cannot leak it: it is released with the userdata. */
void *churn__lua_scratch(lua_State *L, size_t size);

/* A new options object built from the Lua table at idx (nil or absent: all defaults), pushed
 * as a box userdata that frees it when collected.  Keys are option names; a key without a dot
 * gets `family.` in front ("C" -> "fit.C"); family may list several, comma-separated, tried in
 * order ("warnings,features").  Keys listed in `skip` (NULL-terminated) are left
 * for the caller.  Raises for an unknown key or a value of the wrong Lua type; returns
 * CHURN_OK, or the status of a rejected value (with the library's message) and then *out is
 * NULL. */
churn_status churn__lua_options(lua_State *L, int idx, const char *family,
                                const char *const *skip, churn_options **out);

/* Pushes a box userdata that will call release(*slot) when collected or released; returns
 * the slot, NULL until the caller stores the object there. */
void **churn__lua_box(lua_State *L, void (*release)(void *));

/* Releases the object held by the box userdata at idx now (instead of at collection). */
void churn__lua_box_release(lua_State *L, int idx);

/* Pushes a churn_table as an array of rows, each a {column = value} table; frees the table. */
void churn__lua_push_table(lua_State *L, churn_table *table);

/* Reads a number for a matrix cell: numbers, numeric strings and booleans (1/0).  Returns 0
 * when the value is anything else. */
int churn__lua_cell(lua_State *L, int idx, double *out);

/* Reads the rows at idx (an array of rows, each an array of d numbers or a {name = number}
 * table matched to names[0..d-1]) into a new n x d row-major matrix in scratch memory (pushed
 * on the stack).  Raises when rows or a row is not a table.  Returns CHURN_OK, or
 * CHURN_E_SCHEMA / CHURN_E_DATA with a message in msg naming the 1-based row and the feature. */
churn_status churn__lua_matrix(lua_State *L, int idx, const char *const *names, int64_t d,
                               double **x, int64_t *n, char *msg, size_t msglen);

/* The same for a single row (the table at idx) into d doubles of scratch memory. */
churn_status churn__lua_row(lua_State *L, int idx, const char *const *names, int64_t d,
                            double **x, char *msg, size_t msglen);

/* Registers the model methods and metatable; adds the model functions (fit, load_model, ...)
 * to the module table on top of the stack. */
void churn__lua_open_model(lua_State *L);

/* The same for datasets (dataset, dataset_from_csv, load_dataset, ...). */
void churn__lua_open_dataset(lua_State *L);

/* Adds the feature, label and warning calls (dataset methods features/labels/warnings and the
 * module's feature_catalog, feature_category, contact_deadline). */
void churn__lua_open_features(lua_State *L);

/* Adds the KPI methods (ds:kpi_movement, ...) to the dataset objects. */
void churn__lua_open_kpi(lua_State *L);

/* The name of a churn category ("unknown", "natural", "competitive", "service"). */
const char *churn__lua_category_name(int category);

/* The model of the model object at idx; raises for another value or a closed model. */
churn_model *churn__lua_check_model(lua_State *L, int idx);

/* Adds the flat-table methods to the model objects (lua_design.c: model:score_columns,
 * model:score_csv, model:design_features).  Call after churn__lua_open_model. */
void churn__lua_open_design(lua_State *L);

/* The dataset of the dataset object at idx; raises for another value or a closed dataset. */
churn_dataset *churn__lua_check_dataset(lua_State *L, int idx);

/* Whether the value at idx is nil or churn.missing. */
int churn__lua_is_missing(lua_State *L, int idx);

/* --- lua_vectors.c: arrays for the survival, cohort and campaign calls ------------------- */

/* Reads the array at idx (named `what` in messages) into *n doubles of scratch memory pushed
 * on the stack.  Numbers only, and booleans (1/0) when `booleans`; want >= 0 is the length it
 * must have (want_what says why, for the message: "the length of duration").  Raises when the value is not a table;
 * returns CHURN_OK, CHURN_E_DATA for a hole or a value of another type, CHURN_E_ARG for a wrong
 * length, with a message (1-based indices) in msg. */
churn_status churn__lua_numbers(lua_State *L, int idx, const char *what, int booleans,
                                int64_t want, const char *want_what, double **out, int64_t *n,
                                char *msg, size_t msglen);

/* The same for integers (numbers without a fraction): each must lie in lo..hi (else
 * CHURN_E_ARG, "what[i] = v is not <noun> in lo..hi"); `shift` is subtracted from each (1 for
 * Lua's 1-based indices into the library's 0-based ones).  A fraction gives CHURN_E_DATA,
 * "what[i] = v is not <noun>" (noun: "an index", "an integer", ...).  *out: scratch memory. */
churn_status churn__lua_integers(lua_State *L, int idx, const char *what, const char *noun,
                                 int64_t lo, int64_t hi, int64_t shift, int64_t want,
                                 const char *want_what, int64_t **out, int64_t *n, char *msg,
                                 size_t msglen);

/* Reads the array of labels at idx (numbers, strings, and booleans unless `censoring`) into
 * codes: the labels' ranks in sorted order (numbers ascending, strings in byte order, false
 * before true; a mix by their text).  With censoring, 0, false, NaN and churn.missing are
 * censored (code 0) and labels are coded 1..K; without, labels are coded 0..K-1.  Pushes the
 * codes (scratch) and the array of the K sorted labels; *nlabels = K.  Fails as
 * churn__lua_numbers. */
churn_status churn__lua_labels(lua_State *L, int idx, const char *what, int censoring,
                               int64_t want, const char *want_what, int64_t **codes,
                               int64_t *nlabels, char *msg, size_t msglen);

/* In the rows at idx, replaces column (a code) by labels[code + shift] (labels at index). */
void churn__lua_relabel(lua_State *L, int rows, const char *column, int labels, int64_t shift);

/* Raises unless the table at idx (nil allowed) has only the string keys in keys (NULL-ended). */
void churn__lua_check_keys(lua_State *L, int idx, const char *const *keys);

/* opts[key] of the table at idx as a number, def when absent or no table; raises otherwise. */
double churn__lua_opt_number(lua_State *L, int idx, const char *key, double def);

/* churn__lua_fail with the library's 0-based array indices ("duration[2]", "cohort 0", "row 3",
 * "column 1") shown 1-based, as Lua counts.  Only for calls whose library messages number
 * the caller's arrays from 0 (not CSV lines, which are 1-based already). */
int churn__lua_fail_1based(lua_State *L, churn_status st);

/* Adds churn.kpi.kaplan_meier, cumulative_incidence, gray_test, campaign_effect and
 * churn.metrics.qini_curve, qini_auc to the module table on top of the stack. */
void churn__lua_open_survival(lua_State *L);

/* Adds churn.cohort_fit, the cohort model objects and ds:kpi_snapshot_forecast. */
void churn__lua_open_cohort(lua_State *L);

#endif
