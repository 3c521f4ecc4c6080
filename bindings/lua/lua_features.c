/*
 * lua_features.c -- point-in-time features, churn labels and early-warning rules in Lua: the
 * dataset methods ds:features(as_of), ds:labels(...), ds:warnings(as_of) and the module's
 * feature catalog calls.  Results come back as plain Lua tables (the feature matrix as an array
 * of rows ready for churn.fit and model:score).
 */
#include "churn_lua.h"

#include <stdint.h>

const char *churn__lua_category_name(int category) {
  const char *name = churn_enum_name(CHURN_ENUM_CATEGORY, category);
  return name != NULL ? name : "unknown";
}

static void release_features(void *p) { churn_features_free(p); }

/* The reference times at idx (named what in messages): one integer (raises otherwise) or an
 * array of them (a hole or a value that is not an integer: CHURN_E_DATA with msg), into
 * scratch memory. */
static churn_status read_times(lua_State *L, int idx, const char *what, int64_t **t, int64_t *n,
                               char *msg, size_t msglen) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TNUMBER) {
    *t = churn__lua_scratch(L, sizeof **t);
    (*t)[0] = (int64_t)luaL_checkinteger(L, idx);
    *n = 1;
    return CHURN_OK;
  }
  luaL_checktype(L, idx, LUA_TTABLE);
  return churn__lua_integers(L, idx, what, "a time (integer Unix seconds)", INT64_MIN, INT64_MAX,
                             0, -1, NULL, t, n, msg, msglen);
}

static void push_i64_array(lua_State *L, const int64_t *v, int64_t n, lua_Integer add) {
  lua_createtable(L, n < 1 << 24 ? (int)n : 0, 0);
  for (int64_t i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)v[i] + add);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Fills the features table on top of the stack from f. */
static void push_features(lua_State *L, const churn_dataset *ds, const churn_features *f) {
  int64_t n = churn_features_nrows(f), d = churn_features_ncols(f);
  const double *x = churn_features_matrix(f);
  const char *const *names = churn_features_names(f);
  const int64_t *subs = churn_features_subscribers(f);
  lua_createtable(L, 0, 6);
  lua_createtable(L, (int)d, 0);
  lua_createtable(L, (int)d, 0);
  for (int64_t j = 0; j < d; j++) {
    churn_category c = CHURN_CATEGORY_UNKNOWN;
    churn_features_column(f, j, NULL, &c);
    lua_pushstring(L, names[j]);
    lua_rawseti(L, -3, (lua_Integer)j + 1);
    lua_pushstring(L, churn__lua_category_name(c));
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  lua_setfield(L, -3, "category");
  lua_setfield(L, -2, "names");
  lua_createtable(L, n < 1 << 24 ? (int)n : 0, 0);
  for (int64_t i = 0; i < n; i++) {
    lua_createtable(L, (int)d, 0);
    for (int64_t j = 0; j < d; j++) {
      lua_pushnumber(L, x[i * d + j]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "rows");
  push_i64_array(L, subs, n, 1);
  lua_setfield(L, -2, "subscriber");
  push_i64_array(L, churn_features_times(f), n, 0);
  lua_setfield(L, -2, "as_of");
  lua_createtable(L, n < 1 << 24 ? (int)n : 0, 0);
  for (int64_t i = 0; i < n; i++) {
    const char *id = "";
    churn_dataset_subscriber_id(ds, subs[i], &id);
    lua_pushstring(L, id);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "subscriber_id");
}

/* ds:features(as_of [, opts]) -> {names=, category=, rows=, subscriber=, subscriber_id=, as_of=}
 * as_of: Unix seconds, or an array of them (snapshots stacked); opts: features.* options by
 * name plus select = {"payment.*", "service.faults", ...} (default everything).  Feed rows and
 * names to churn.fit, or rows to model:score when selected with model:features(). */
static int d_features(lua_State *L) {
  static const char *const skip[] = {"select", NULL};
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  lua_settop(L, 3);
  if (!lua_isnil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  char msg[256];
  size_t nnames = 0;
  int64_t ntimes, *times;
  churn_status st = read_times(L, 2, "as_of", &times, &ntimes, msg, sizeof msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  const char **names = NULL;
  if (lua_istable(L, 3) && lua_getfield(L, 3, "select") != LUA_TNIL) {
    int sel = lua_gettop(L);
    luaL_checktype(L, sel, LUA_TTABLE);
    nnames = lua_rawlen(L, sel);
    names = churn__lua_scratch(L, nnames * sizeof *names);
    for (size_t j = 0; j < nnames; j++) {
      if (lua_rawgeti(L, sel, (lua_Integer)j + 1) != LUA_TSTRING)
        luaL_error(L, "select[%d] is not a string", (int)(j + 1));
      names[j] = lua_tostring(L, -1); /* kept alive by opts.select */
      lua_pop(L, 1);
    }
  }
  churn_options *opts;
  st = churn__lua_options(L, 3, "features", skip, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn_features *f = NULL;
  st = churn_features_extract(ds, times, (size_t)ntimes, names, nnames, opts, &f);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  /* Held by a box while the Lua tables are built, so a memory error cannot leak it. */
  void **box = churn__lua_box(L, release_features);
  *box = f;
  push_features(L, ds, f);
  churn__lua_box_release(L, -2);
  return 1;
}

/* ds:labels(subscribers, as_of [, opts]) or ds:labels(features [, opts])
 *   -> y (0/1 array), category (array: false for non-churners, else "natural", ...),
 *      churn_time (array: Unix seconds or false)
 * subscribers: 1-based dense indices; as_of: one time or one per row; features: the table of
 * ds:features (its subscriber and as_of).  opts: labels.* options by name. */
static int d_labels(lua_State *L) {
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  int subs_idx = 2, times_idx = 3, opts_idx = 4;
  if (lua_getfield(L, 2, "subscriber") == LUA_TTABLE) { /* ds:labels(features [, opts]) */
    lua_pop(L, 1);
    lua_settop(L, 3);
    lua_getfield(L, 2, "subscriber");
    lua_getfield(L, 2, "as_of");
    lua_pushvalue(L, 3);
    subs_idx = 4, times_idx = 5, opts_idx = 6;
  } else {
    lua_settop(L, 4);
  }
  churn_options *opts;
  churn_status st = churn__lua_options(L, opts_idx, "labels", NULL, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  char msg[256];
  int64_t n, *subs, ntimes, *given;
  luaL_checktype(L, subs_idx, LUA_TTABLE);
  st = churn__lua_integers(L, subs_idx, "subscribers", "an index", 1,
                           churn_dataset_num_subscribers(ds), 1, -1, NULL, &subs, &n, msg,
                           sizeof msg);
  if (st == CHURN_OK) st = read_times(L, times_idx, "as_of", &given, &ntimes, msg, sizeof msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  int64_t *times = given;
  if (ntimes == 1 && n != 1) {
    times = churn__lua_scratch(L, (size_t)n * sizeof *times);
    for (int64_t i = 0; i < n; i++) times[i] = given[0];
  } else if ((int64_t)ntimes != n) {
    return churn__lua_failf(L, CHURN_E_ARG, "%d subscribers but %d times", (int)n, (int)ntimes);
  }
  double *y = churn__lua_scratch(L, (size_t)n * sizeof *y);
  int32_t *cat = churn__lua_scratch(L, (size_t)n * sizeof *cat);
  int64_t *when = churn__lua_scratch(L, (size_t)n * sizeof *when);
  if (n == 0) {
    lua_newtable(L), lua_newtable(L), lua_newtable(L);
    return 3;
  }
  st = churn_labels_compute(ds, subs, times, n, opts, y, cat, when);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  lua_createtable(L, (int)n, 0);
  lua_createtable(L, (int)n, 0);
  lua_createtable(L, (int)n, 0);
  for (int64_t i = 0; i < n; i++) {
    lua_pushinteger(L, y[i] != 0);
    lua_rawseti(L, -4, (lua_Integer)i + 1);
    if (cat[i] < 0) lua_pushboolean(L, 0);
    else lua_pushstring(L, churn__lua_category_name(cat[i]));
    lua_rawseti(L, -3, (lua_Integer)i + 1);
    if (when[i] == CHURN_TIME_NONE) lua_pushboolean(L, 0);
    else lua_pushinteger(L, (lua_Integer)when[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 3;
}

/* ds:warnings(as_of [, opts]) -> array of {subscriber=, subscriber_id=, rule=, category=,
 * observed=, threshold=, detail=, as_of=, deadline=, vip=, tier=, manager=, route=}
 * (subscriber is 1-based here).  opts: warnings.* and features.* options by name. */
static int d_warnings(lua_State *L) {
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  int64_t as_of = (int64_t)luaL_checkinteger(L, 2);
  lua_settop(L, 3);
  churn_options *opts;
  churn_status st = churn__lua_options(L, 3, "warnings,features", NULL, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn_table *t;
  st = churn_warnings_compute(ds, as_of, opts, &t);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn__lua_push_table(L, t);
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  for (lua_Integer i = 1; i <= n; i++) { /* dense indices are 1-based in Lua */
    lua_rawgeti(L, -1, i);
    if (lua_getfield(L, -1, "subscriber") == LUA_TNUMBER) {
      lua_pushinteger(L, lua_tointeger(L, -1) + 1);
      lua_setfield(L, -3, "subscriber");
    }
    lua_pop(L, 2);
  }
  return 1;
}

/* churn.feature_catalog() -> array of {name=, description=, category=} */
static int l_feature_catalog(lua_State *L) {
  int64_t n = churn_feature_catalog_size();
  lua_createtable(L, (int)n, 0);
  for (int64_t i = 0; i < n; i++) {
    const char *name, *description;
    churn_category c;
    if (churn_feature_info(i, &name, &description, &c) != CHURN_OK) break;
    lua_createtable(L, 0, 3);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, description);
    lua_setfield(L, -2, "description");
    lua_pushstring(L, churn__lua_category_name(c));
    lua_setfield(L, -2, "category");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* churn.feature_category(name) -> "service" | "competitive" | "natural" | "unknown" */
static int l_feature_category(lua_State *L) {
  churn_category c;
  churn_status st = churn_feature_category(luaL_checkstring(L, 1), &c);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushstring(L, churn__lua_category_name(c));
  return 1;
}

/* churn.contact_deadline(t, working_days) -> t plus that many working days (Mon-Fri, UTC) */
static int l_contact_deadline(lua_State *L) {
  lua_Integer t = luaL_checkinteger(L, 1), days = luaL_checkinteger(L, 2);
  int64_t out = 0;
  churn_status st = churn_calendar_deadline(NULL, (int64_t)t, (int64_t)days, 0, &out);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushinteger(L, (lua_Integer)out);
  return 1;
}

static const luaL_Reg DATASET_METHODS[] = {
    {"features", d_features},
    {"labels", d_labels},
    {"warnings", d_warnings},
    {NULL, NULL},
};

static const luaL_Reg FEATURE_FUNCS[] = {
    {"feature_catalog", l_feature_catalog},
    {"feature_category", l_feature_category},
    {"contact_deadline", l_contact_deadline},
    {NULL, NULL},
};

void churn__lua_open_features(lua_State *L) {
  luaL_getmetatable(L, CHURN_LUA_DATASET_MT);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, DATASET_METHODS, 0);
  lua_pop(L, 2);
  luaL_setfuncs(L, FEATURE_FUNCS, 0);
}
