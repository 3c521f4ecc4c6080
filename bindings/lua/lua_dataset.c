/*
 * lua_dataset.c -- the dataset (subscribers and their event log) in Lua: churn.dataset(),
 * churn.dataset_from_csv, churn.load_dataset(_buffer) and the methods of a dataset object
 * (columnar appends from Lua arrays, CSV reads, finalize, counters, rejections, columns, save).
 * Same object rules as models: full userdata, one idempotent finaliser for __gc/__close/close().
 */
#include "churn_lua.h"

#include <stdio.h>
#include <string.h>

typedef struct lua_dataset {
  churn_dataset *ds;
} lua_dataset;

static lua_dataset *new_dataset(lua_State *L) {
  lua_dataset *d = lua_newuserdatauv(L, sizeof *d, 0);
  d->ds = NULL;
  luaL_setmetatable(L, CHURN_LUA_DATASET_MT);
  return d;
}

static churn_dataset *check_dataset(lua_State *L, int idx) {
  lua_dataset *d = luaL_checkudata(L, idx, CHURN_LUA_DATASET_MT);
  if (!d->ds) luaL_error(L, "attempt to use a closed churn dataset");
  return d->ds;
}

churn_dataset *churn__lua_check_dataset(lua_State *L, int idx) { return check_dataset(L, idx); }

static int dataset_finalize(lua_State *L) {
  lua_dataset *d = luaL_checkudata(L, 1, CHURN_LUA_DATASET_MT);
  churn_dataset_free(d->ds);
  d->ds = NULL;
  return 0;
}

static int dataset_tostring(lua_State *L) {
  lua_dataset *d = luaL_checkudata(L, 1, CHURN_LUA_DATASET_MT);
  if (d->ds)
    lua_pushfstring(L, "churn.dataset (%d subscribers, %d events): %p",
                    (int)churn_dataset_num_subscribers(d->ds),
                    (int)churn_dataset_num_events(d->ds), (void *)d);
  else
    lua_pushfstring(L, "churn.dataset (closed): %p", (void *)d);
  return 1;
}

static int push_true_or_fail(lua_State *L, churn_status st) {
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushboolean(L, 1);
  return 1;
}

/* --- creating datasets ------------------------------------------------------------------- */

/* churn.dataset() -> an empty dataset */
static int l_dataset(lua_State *L) {
  lua_dataset *d = new_dataset(L);
  churn_status st = churn_dataset_new(&d->ds);
  return st == CHURN_OK ? 1 : churn__lua_fail(L, st);
}

/* churn.dataset_from_csv(subscribers_csv, events_csv [, opts]) -> finalized dataset
 * opts: ingest options by name ("strict", "unknown_subscriber" = "reject", "dedup", ...). */
static int l_dataset_from_csv(lua_State *L) {
  const char *subs = luaL_checkstring(L, 1);
  const char *events = luaL_optstring(L, 2, NULL);
  churn_options *opts;
  churn_status st = churn__lua_options(L, 3, "ingest", NULL, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_dataset *d = new_dataset(L);
  st = churn_dataset_new(&d->ds);
  if (st == CHURN_OK) st = churn_dataset_read_subscribers_csv(d->ds, subs, opts);
  if (st == CHURN_OK && events) st = churn_dataset_read_events_csv(d->ds, events, opts);
  if (st == CHURN_OK) st = churn_dataset_finalize(d->ds, opts);
  if (st != CHURN_OK) {
    churn_dataset_free(d->ds); /* now rather than at the next collection */
    d->ds = NULL;
    return churn__lua_fail(L, st);
  }
  return 1;
}

/* churn.load_dataset(path) -> dataset */
static int l_load_dataset(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_dataset *d = new_dataset(L);
  churn_status st = churn_dataset_load(path, &d->ds);
  return st == CHURN_OK ? 1 : churn__lua_fail(L, st);
}

/* churn.load_dataset_buffer(bytes) -> dataset */
static int l_load_dataset_buffer(lua_State *L) {
  size_t len;
  const char *bytes = luaL_checklstring(L, 1, &len);
  lua_dataset *d = new_dataset(L);
  churn_status st = churn_dataset_load_buffer(bytes, len, &d->ds);
  return st == CHURN_OK ? 1 : churn__lua_fail(L, st);
}

/* --- appends from Lua arrays ------------------------------------------------------------- */

/* churn.missing: a value for "missing" inside an array (nil would make its length ambiguous). */
static const char MISSING = 0;

static int is_missing(lua_State *L, int idx) {
  int t = lua_type(L, idx);
  return t == LUA_TNIL || (t == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == &MISSING);
}

int churn__lua_is_missing(lua_State *L, int idx) { return is_missing(L, idx); }

/* The element type a Lua array needs: any string -> CHURN_STR, all integers (or booleans) ->
 * CHURN_I64, else CHURN_F64.  nil holes up to n are missing values.  A value of another type
 * (a table, a function, ...): CHURN_E_DATA with a message naming name[i] (1-based). */
static churn_status column_dtype(lua_State *L, int idx, const char *name, int64_t n,
                                 churn_dtype *dt, char *msg, size_t msglen) {
  int any_float = 0, any_string = 0;
  for (int64_t i = 0; i < n; i++) {
    int t = lua_rawgeti(L, idx, (lua_Integer)i + 1);
    if (t == LUA_TSTRING) {
      any_string = 1;
    } else if (t == LUA_TNUMBER) {
      any_float |= !lua_isinteger(L, -1);
    } else if (t != LUA_TBOOLEAN && !is_missing(L, -1)) {
      snprintf(msg, msglen, "%s[%lld] is a %s, not a string, number, boolean or churn.missing",
               name, (long long)i + 1, luaL_typename(L, -1));
      lua_pop(L, 1);
      return CHURN_E_DATA;
    }
    lua_pop(L, 1);
  }
  *dt = any_string ? CHURN_STR : any_float ? CHURN_F64 : CHURN_I64;
  return CHURN_OK;
}

/* Event kinds may be given by name ("bill"); an unknown name becomes kind 0, which the dataset
 * rejects and counts like any unknown kind. */
static int64_t kind_value(lua_State *L, int idx) {
  churn_event_kind k;
  if (lua_type(L, idx) == LUA_TSTRING)
    return churn_event_kind_find(lua_tostring(L, idx), &k) == CHURN_OK ? (int64_t)k : 0;
  return (int64_t)lua_tointeger(L, idx);
}

/* Fills *col from the Lua array at idx named name.  Strings converted from numbers are kept
 * alive in the anchor table at anchor.  Memory is scratch on the stack.  Fails as
 * column_dtype. */
static churn_status read_column(lua_State *L, int idx, const char *name, int anchor,
                                churn_column *col, char *msg, size_t msglen) {
  int64_t n = (int64_t)lua_rawlen(L, idx);
  int is_kind = strcmp(name, "kind") == 0;
  lua_Integer shift = strcmp(name, "subscriber_index") == 0 ? 1 : 0; /* 1-based in Lua */
  churn_dtype dt = CHURN_I64;
  churn_status st = is_kind ? CHURN_OK : column_dtype(L, idx, name, n, &dt, msg, msglen);
  if (st != CHURN_OK) return st;
  size_t elem = dt == CHURN_STR ? sizeof(char *) : 8;
  char *data = churn__lua_scratch(L, (size_t)n * elem);
  uint8_t *valid = churn__lua_scratch(L, (size_t)n);
  int any_missing = 0;
  for (int64_t i = 0; i < n; i++) {
    int t = lua_rawgeti(L, idx, (lua_Integer)i + 1);
    if (is_missing(L, -1)) t = LUA_TNIL;
    valid[i] = t != LUA_TNIL;
    any_missing |= t == LUA_TNIL;
    if (dt == CHURN_STR) {
      const char *s = NULL;
      if (t != LUA_TNIL) {
        s = lua_tostring(L, -1); /* converts a number on the stack only */
        lua_pushvalue(L, -1);
        lua_rawseti(L, anchor, (lua_Integer)lua_rawlen(L, anchor) + 1);
      }
      ((const char **)(void *)data)[i] = s;
    } else if (dt == CHURN_I64) {
      int64_t v = t == LUA_TBOOLEAN ? lua_toboolean(L, -1)
                  : is_kind && t != LUA_TNIL ? kind_value(L, -1)
                                             : (int64_t)(lua_tointeger(L, -1) - shift);
      ((int64_t *)(void *)data)[i] = v;
    } else {
      ((double *)(void *)data)[i] = t == LUA_TNIL ? 0.0 : lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
  }
  col->name = name;
  col->dtype = dt;
  col->data = data;
  col->length = n;
  col->valid = any_missing ? valid : NULL;
  col->reserved = 0;
  return CHURN_OK;
}

typedef churn_status (*append_fn)(churn_dataset *, const churn_column *, size_t,
                                  const churn_options *);

/* ds:append_subscribers(columns [, opts]) / ds:append_events(columns [, opts]) -> true
 * columns: {name = array, ...} with the column names of the C API (subscriber_id, time, kind,
 * value, ...); arrays of strings, integers or numbers, churn.missing (or a trailing nil) for a
 * missing value; kinds may be names ("bill"); subscriber_index is 1-based. */
static int append(lua_State *L, append_fn fn) {
  churn_dataset *ds = check_dataset(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);
  churn_options *opts;
  churn_status st = churn__lua_options(L, 3, "ingest", NULL, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  size_t ncols = 0;
  for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "column names must be strings");
    if (!lua_istable(L, -1))
      luaL_error(L, "column '%s' is a %s, not an array", lua_tostring(L, -2),
                 luaL_typename(L, -1));
    ncols++;
  }
  churn_column *cols = churn__lua_scratch(L, ncols * sizeof *cols + 1);
  lua_newtable(L);
  int anchor = lua_gettop(L);
  size_t j = 0;
  char msg[256];
  for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1)) {
    st = read_column(L, lua_gettop(L), lua_tostring(L, -2), anchor, &cols[j], msg, sizeof msg);
    if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
    /* keep the scratch of this column below the key/value pair that lua_next needs */
    lua_rotate(L, -4, 2);
    j++;
  }
  st = fn(ds, cols, ncols, opts);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st); /* appended rows count from 1 */
  lua_pushboolean(L, 1);
  return 1;
}

static int d_append_subscribers(lua_State *L) {
  return append(L, churn_dataset_append_subscribers);
}
static int d_append_events(lua_State *L) { return append(L, churn_dataset_append_events); }

/* ds:read_subscribers_csv(path [, opts]) / ds:read_events_csv(path [, opts]) -> true */
static int read_csv(lua_State *L, int events) {
  churn_dataset *ds = check_dataset(L, 1);
  const char *path = luaL_checkstring(L, 2);
  churn_options *opts;
  churn_status st = churn__lua_options(L, 3, "ingest", NULL, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  st = events ? churn_dataset_read_events_csv(ds, path, opts)
              : churn_dataset_read_subscribers_csv(ds, path, opts);
  return push_true_or_fail(L, st);
}
static int d_read_subscribers_csv(lua_State *L) { return read_csv(L, 0); }
static int d_read_events_csv(lua_State *L) { return read_csv(L, 1); }

/* ds:finalize([opts]) -> true */
static int d_finalize(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  churn_options *opts;
  churn_status st = churn__lua_options(L, 2, "ingest", NULL, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  return push_true_or_fail(L, churn_dataset_finalize(ds, opts));
}

/* --- reading ----------------------------------------------------------------------------- */

static int d_is_finalized(lua_State *L) {
  lua_pushboolean(L, churn_dataset_is_finalized(check_dataset(L, 1)));
  return 1;
}

static int d_num_subscribers(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)churn_dataset_num_subscribers(check_dataset(L, 1)));
  return 1;
}

static int d_num_events(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)churn_dataset_num_events(check_dataset(L, 1)));
  return 1;
}

/* ds:subscriber_id(i) -> external id of the i-th subscriber (1-based) */
static int d_subscriber_id(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  lua_Integer i = luaL_checkinteger(L, 2);
  int64_t S = churn_dataset_num_subscribers(ds);
  if (i < 1 || i > S)
    return churn__lua_failf(L, CHURN_E_ARG, "subscriber index %lld is outside 1..%lld",
                            (long long)i, (long long)S);
  const char *id;
  churn_status st = churn_dataset_subscriber_id(ds, (int64_t)i - 1, &id);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushstring(L, id);
  return 1;
}

/* ds:find_subscriber(id) -> 1-based index */
static int d_find_subscriber(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  int64_t index;
  churn_status st = churn_dataset_find_subscriber(ds, luaL_checkstring(L, 2), &index);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushinteger(L, (lua_Integer)index + 1);
  return 1;
}

static void push_values(lua_State *L, churn_dtype dt, const void *data, int64_t n) {
  lua_createtable(L, n < 1 << 24 ? (int)n : 0, 0);
  for (int64_t i = 0; i < n; i++) {
    switch (dt) {
      case CHURN_F64: lua_pushnumber(L, ((const double *)data)[i]); break;
      case CHURN_F32: lua_pushnumber(L, ((const float *)data)[i]); break;
      case CHURN_I64: lua_pushinteger(L, (lua_Integer)((const int64_t *)data)[i]); break;
      case CHURN_I32: lua_pushinteger(L, ((const int32_t *)data)[i]); break;
      case CHURN_U8: lua_pushinteger(L, ((const uint8_t *)data)[i]); break;
      default: lua_pushstring(L, ((const char *const *)data)[i]); break;
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* ds:subscriber_column(name) -> array (dates as Unix seconds, churn.TIME_NONE for none;
 * categories as codes, -1 missing), dtype name */
static int d_subscriber_column(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  churn_dtype dt;
  const void *data;
  churn_status st = churn_dataset_subscriber_column(ds, luaL_checkstring(L, 2), &dt, &data);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  push_values(L, dt, data, churn_dataset_num_subscribers(ds));
  return 1;
}

/* ds:subscriber_columns() -> {"activation", "cancellation", ...} */
static int d_subscriber_columns(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  lua_newtable(L);
  const char *name;
  churn_dtype dt;
  for (int64_t j = 0; churn_dataset_subscriber_column_at(ds, j, &name, &dt) == CHURN_OK; j++) {
    lua_pushstring(L, name);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  churn_clear_error();
  return 1;
}

/* ds:event_column(name) -> array (the subscriber column holds 1-based dense indices, as
 * everywhere in Lua) */
static int d_event_column(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  const char *name = luaL_checkstring(L, 2);
  churn_dtype dt;
  const void *data;
  churn_status st = churn_dataset_event_column(ds, name, &dt, &data);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  int64_t n = churn_dataset_num_events(ds);
  push_values(L, dt, data, n);
  if (strcmp(name, "subscriber") == 0) {
    for (int64_t i = 0; i < n; i++) {
      lua_rawgeti(L, -1, (lua_Integer)i + 1);
      lua_Integer v = lua_tointeger(L, -1) + 1;
      lua_pop(L, 1);
      lua_pushinteger(L, v);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
  }
  return 1;
}

/* ds:category_label(column, code) -> label */
static int d_category_label(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  const char *label;
  churn_status st = churn_dataset_category_label(ds, luaL_checkstring(L, 2),
                                                 (int32_t)luaL_checkinteger(L, 3), &label, NULL);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushstring(L, label);
  return 1;
}

static const char *const COUNTERS[CHURN_COUNT_END_] = {
    "rows_read",           "rows_accepted",         "rejected",
    "rejected_unknown_subscriber", "rejected_bad_value", "rejected_non_finite",
    "rejected_before_activation",  "rejected_duplicate_id", "kept_before_activation",
    "subscribers_created", "duplicate_events",      "duplicates_removed",
    "rejected_missing_value",
};

/* ds:ingest_counts() -> {rows_read=, rows_accepted=, rejected=, ...} */
static int d_ingest_counts(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  lua_createtable(L, 0, CHURN_COUNT_END_);
  for (int c = 0; c < CHURN_COUNT_END_; c++) {
    int64_t v;
    if (!COUNTERS[c] || churn_dataset_ingest_count(ds, (churn_ingest_counter)c, &v) != CHURN_OK)
      continue;
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, COUNTERS[c]);
  }
  churn_clear_error();
  return 1;
}

/* ds:rejections() -> array of {source=, row=, column=, reason=} */
static int d_rejections(lua_State *L) {
  churn_table *t;
  churn_status st = churn_dataset_rejections(check_dataset(L, 1), &t);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn__lua_push_table(L, t);
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  for (lua_Integer i = 1; i <= n; i++) { /* appended rows are 0-based in C, 1-based in Lua */
    lua_rawgeti(L, -1, i);
    lua_getfield(L, -1, "source");
    int appended = lua_type(L, -1) == LUA_TSTRING && strncmp(lua_tostring(L, -1), "append_", 7) == 0;
    lua_pop(L, 1);
    if (appended && lua_getfield(L, -1, "row") == LUA_TNUMBER) {
      lua_pushinteger(L, lua_tointeger(L, -1) + 1);
      lua_setfield(L, -3, "row");
    }
    if (appended) lua_pop(L, 1);
    lua_pop(L, 1);
  }
  return 1;
}

/* ds:save(path) -> true */
static int d_save(lua_State *L) {
  churn_dataset *ds = check_dataset(L, 1);
  return push_true_or_fail(L, churn_dataset_save(ds, luaL_checkstring(L, 2)));
}

/* --- registration ------------------------------------------------------------------------ */

static const luaL_Reg DATASET_META[] = {
    {"__gc", dataset_finalize},
    {"__close", dataset_finalize},
    {"__tostring", dataset_tostring},
    {NULL, NULL},
};

static const luaL_Reg DATASET_METHODS[] = {
    {"append_subscribers", d_append_subscribers},
    {"append_events", d_append_events},
    {"read_subscribers_csv", d_read_subscribers_csv},
    {"read_events_csv", d_read_events_csv},
    {"finalize", d_finalize},
    {"is_finalized", d_is_finalized},
    {"num_subscribers", d_num_subscribers},
    {"num_events", d_num_events},
    {"subscriber_id", d_subscriber_id},
    {"find_subscriber", d_find_subscriber},
    {"subscriber_column", d_subscriber_column},
    {"subscriber_columns", d_subscriber_columns},
    {"event_column", d_event_column},
    {"category_label", d_category_label},
    {"ingest_counts", d_ingest_counts},
    {"rejections", d_rejections},
    {"save", d_save},
    {"close", dataset_finalize},
    {NULL, NULL},
};

static const luaL_Reg DATASET_FUNCS[] = {
    {"dataset", l_dataset},
    {"dataset_from_csv", l_dataset_from_csv},
    {"load_dataset", l_load_dataset},
    {"load_dataset_buffer", l_load_dataset_buffer},
    {NULL, NULL},
};

void churn__lua_open_dataset(lua_State *L) {
  if (luaL_newmetatable(L, CHURN_LUA_DATASET_MT)) {
    luaL_setfuncs(L, DATASET_META, 0);
    luaL_newlib(L, DATASET_METHODS);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, DATASET_FUNCS, 0);
  lua_pushinteger(L, (lua_Integer)CHURN_TIME_NONE);
  lua_setfield(L, -2, "TIME_NONE");
  lua_pushlightuserdata(L, (void *)&MISSING);
  lua_setfield(L, -2, "missing");
}
