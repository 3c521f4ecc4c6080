/*
 * churn_lua.c -- the Lua module's entry point and what its object files share: the error
 * convention (nil, message, code), option tables, scratch memory that a raised error cannot
 * leak, and the conversions between Lua tables and libchurn's matrices and result tables.
 */
#include "churn_lua.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* --- errors ------------------------------------------------------------------------------ */

int churn__lua_fail(lua_State *L, churn_status st) {
  const char *msg = churn_last_error();
  luaL_pushfail(L);
  lua_pushstring(L, (msg && msg[0]) ? msg : churn_status_string(st));
  lua_pushstring(L, churn_status_name(st));
  return 3;
}

int churn__lua_failf(lua_State *L, churn_status st, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  luaL_pushfail(L);
  lua_pushstring(L, buf);
  lua_pushstring(L, churn_status_name(st));
  return 3;
}

/* --- memory that Lua owns ---------------------------------------------------------------- */

void *churn__lua_scratch(lua_State *L, size_t size) {
  return lua_newuserdatauv(L, size ? size : 1, 0);
}

/* A box holds one libchurn object and frees it when collected (or released early). */
typedef struct lua_box {
  void *ptr;
  void (*release)(void *);
} lua_box;

static int box_gc(lua_State *L) {
  lua_box *b = luaL_checkudata(L, 1, CHURN_LUA_BOX_MT);
  if (b->ptr) b->release(b->ptr);
  b->ptr = NULL;
  return 0;
}

static lua_box *box_push(lua_State *L, void (*release)(void *)) {
  lua_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->ptr = NULL;
  b->release = release;
  luaL_setmetatable(L, CHURN_LUA_BOX_MT);
  return b;
}

void **churn__lua_box(lua_State *L, void (*release)(void *)) {
  return &box_push(L, release)->ptr;
}

void churn__lua_box_release(lua_State *L, int idx) {
  lua_box *b = luaL_checkudata(L, idx, CHURN_LUA_BOX_MT);
  if (b->ptr) b->release(b->ptr);
  b->ptr = NULL;
}

/* --- options ----------------------------------------------------------------------------- */

static void release_options(void *p) { churn_options_free(p); }
static void release_table(void *p) { churn_table_free(p); }

/* Integer options that hold a public enum: their names come from the library. */
static const struct {
  const char *option;
  churn_enum which;
} ENUM_OPTIONS[] = {
    {"fit.penalty", CHURN_ENUM_PENALTY},
    {"fit.cov_type", CHURN_ENUM_COV_TYPE},
    {"labels.definition", CHURN_ENUM_LABEL_DEFINITION},
    {"kpi.rate_base", CHURN_ENUM_KPI_RATE_BASE},
};

/* Names accepted for the other integer options that hold a choice. */
static const struct {
  const char *option, *label;
  int value;
} ENUM_LABELS[] = {
    {"fit.class_weight", "none", 0},
    {"fit.class_weight", "balanced", 1},
    {"ingest.unknown_subscriber", "fail", 0},
    {"ingest.unknown_subscriber", "reject", 1},
    {"ingest.unknown_subscriber", "create", 2},
    {"ingest.before_activation", "reject", 0},
    {"ingest.before_activation", "keep", 1},
    {"features.onehot_reference", "most_frequent", 0},
    {"features.onehot_reference", "first", 1},
    {"features.onehot_reference", "none", 2},
};

/* Short names that differ from the option's own (scikit-learn's spelling). */
static const struct {
  const char *alias, *name;
} ALIASES[] = {
    {"fit_intercept", "intercept"},
};

static int enum_label(const char *option, const char *label, int *value) {
  for (size_t i = 0; i < sizeof ENUM_OPTIONS / sizeof ENUM_OPTIONS[0]; i++) {
    if (strcmp(ENUM_OPTIONS[i].option, option) != 0) continue;
    const char *name;
    for (int k = 0; churn_enum_entry(ENUM_OPTIONS[i].which, k, value, &name) == CHURN_OK; k++) {
      if (strcasecmp(name, label) == 0) return 1; /* "hc0" names HC0 too */
    }
    churn_clear_error();
    return 0;
  }
  for (size_t i = 0; i < sizeof ENUM_LABELS / sizeof ENUM_LABELS[0]; i++) {
    if (strcmp(ENUM_LABELS[i].option, option) == 0 &&
        strcasecmp(ENUM_LABELS[i].label, label) == 0) {
      *value = ENUM_LABELS[i].value;
      return 1;
    }
  }
  return 0;
}

/* The full name of a short key: the first of the comma-separated families ("warnings,features")
 * that has it, else the first family's spelling (so the error names what was looked for). */
static const char *full_option_name(const char *key, const char *family, char *buf, size_t len) {
  if (strchr(key, '.')) return key;
  for (size_t i = 0; i < sizeof ALIASES / sizeof ALIASES[0]; i++) {
    if (strcmp(ALIASES[i].alias, key) == 0) key = ALIASES[i].name;
  }
  const char *first_end = strchr(family, ',');
  int first_len = first_end ? (int)(first_end - family) : (int)strlen(family);
  for (const char *f = family; f && *f;) {
    const char *end = strchr(f, ',');
    int flen = end ? (int)(end - f) : (int)strlen(f);
    churn_option k;
    snprintf(buf, len, "%.*s.%s", flen, f, key);
    if (churn_option_find(buf, &k) == CHURN_OK) return buf;
    f = end ? end + 1 : NULL;
  }
  snprintf(buf, len, "%.*s.%s", first_len, family, key);
  return buf;
}

static int is_skipped(const char *key, const char *const *skip) {
  for (; skip && *skip; skip++) {
    if (strcmp(*skip, key) == 0) return 1;
  }
  return 0;
}

/* Sets one option from the Lua value at the top of the stack. */
static churn_status set_option(lua_State *L, churn_options *o, const char *name) {
  churn_option key;
  churn_option_type type;
  if (churn_option_find(name, &key) != CHURN_OK) luaL_error(L, "unknown option '%s'", name);
  churn_option_bounds(key, &type, NULL, NULL, NULL);
  int vt = lua_type(L, -1);
  if (type == CHURN_OPTION_INT) {
    if (vt == LUA_TBOOLEAN) return churn_options_set_int(o, key, lua_toboolean(L, -1));
    if (vt == LUA_TSTRING) {
      int v = 0;
      if (!enum_label(name, lua_tostring(L, -1), &v))
        luaL_error(L, "option '%s': unknown value '%s'", name, lua_tostring(L, -1));
      return churn_options_set_int(o, key, v);
    }
    if (lua_isinteger(L, -1)) return churn_options_set_int(o, key, lua_tointeger(L, -1));
    if (vt == LUA_TNUMBER) return churn_options_set_real(o, key, lua_tonumber(L, -1));
    luaL_error(L, "option '%s' wants an integer, got %s", name, luaL_typename(L, -1));
  } else if (type == CHURN_OPTION_REAL) {
    if (vt == LUA_TNUMBER) return churn_options_set_real(o, key, lua_tonumber(L, -1));
    luaL_error(L, "option '%s' wants a number, got %s", name, luaL_typename(L, -1));
  } else {
    if (vt == LUA_TSTRING) return churn_options_set_string(o, key, lua_tostring(L, -1));
    luaL_error(L, "option '%s' wants a string, got %s", name, luaL_typename(L, -1));
  }
  return CHURN_E_INTERNAL; /* not reached: luaL_error does not return */
}

churn_status churn__lua_options(lua_State *L, int idx, const char *family,
                                const char *const *skip, churn_options **out) {
  idx = lua_absindex(L, idx);
  *out = NULL;
  int has_table = !lua_isnoneornil(L, idx);
  if (has_table) luaL_checktype(L, idx, LUA_TTABLE);
  lua_box *b = box_push(L, release_options);
  churn_options *o = NULL;
  churn_status st = churn_options_new(&o);
  if (st != CHURN_OK) return st;
  b->ptr = o;
  if (has_table) {
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "option names must be strings");
      const char *key = lua_tostring(L, -2);
      if (!is_skipped(key, skip)) {
        char buf[128];
        st = set_option(L, b->ptr, full_option_name(key, family, buf, sizeof buf));
        if (st != CHURN_OK) {
          lua_pop(L, 2);
          return st;
        }
      }
      lua_pop(L, 1);
    }
  }
  *out = b->ptr;
  return CHURN_OK;
}

/* --- tables and matrices ----------------------------------------------------------------- */

void churn__lua_push_table(lua_State *L, churn_table *t) {
  int64_t nrows = churn_table_nrows(t), ncols = churn_table_ncols(t);
  /* Hold the table in a box first: a memory error while building the rows must not leak it. */
  lua_box *b = box_push(L, release_table);
  b->ptr = t;
  lua_createtable(L, nrows > 0 && nrows < 1 << 24 ? (int)nrows : 0, 0);
  for (int64_t i = 0; i < nrows; i++) {
    lua_createtable(L, 0, ncols > 0 && ncols < 256 ? (int)ncols : 0);
    for (int64_t j = 0; j < ncols; j++) {
      const char *name;
      churn_dtype dt;
      churn_table_column_info(t, j, &name, &dt);
      if (dt == CHURN_F64) {
        const double *v;
        churn_table_f64(t, j, &v);
        lua_pushnumber(L, v[i]);
      } else if (dt == CHURN_I64) {
        const int64_t *v;
        churn_table_i64(t, j, &v);
        lua_pushinteger(L, (lua_Integer)v[i]);
      } else {
        const char *const *v;
        churn_table_str(t, j, &v);
        if (v[i]) lua_pushstring(L, v[i]);
        else lua_pushnil(L);
      }
      lua_setfield(L, -2, name);
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  churn__lua_box_release(L, -2);
  lua_remove(L, -2);
}

int churn__lua_cell(lua_State *L, int idx, double *out) {
  int isnum = 0;
  if (lua_type(L, idx) == LUA_TBOOLEAN) {
    *out = lua_toboolean(L, idx) ? 1.0 : 0.0;
    return 1;
  }
  *out = (double)lua_tonumberx(L, idx, &isnum);
  return isnum;
}

/* Reads the row table at idx into dst[0..d-1]; r is its 1-based number for messages. */
static churn_status read_row(lua_State *L, int idx, int64_t r, const char *const *names,
                             int64_t d, double *dst, char *msg, size_t msglen) {
  idx = lua_absindex(L, idx);
  int positional = lua_rawgeti(L, idx, 1) != LUA_TNIL;
  lua_pop(L, 1);
  if (positional) {
    lua_Unsigned len = lua_rawlen(L, idx);
    if ((int64_t)len != d) {
      snprintf(msg, msglen, "row %lld has %llu values, expected %lld", (long long)r,
               (unsigned long long)len, (long long)d);
      return CHURN_E_SCHEMA;
    }
    for (int64_t j = 0; j < d; j++) {
      lua_rawgeti(L, idx, (lua_Integer)j + 1);
      int ok = churn__lua_cell(L, -1, &dst[j]);
      if (!ok) {
        snprintf(msg, msglen, "row %lld, column %lld%s%s%s: expected a number, got %s",
                 (long long)r, (long long)j + 1, names ? " ('" : "", names ? names[j] : "",
                 names ? "')" : "", luaL_typename(L, -1));
      }
      lua_pop(L, 1);
      if (!ok) return CHURN_E_DATA;
    }
    return CHURN_OK;
  }
  for (int64_t j = 0; j < d; j++) {
    int t = lua_getfield(L, idx, names[j]);
    int ok = t != LUA_TNIL && churn__lua_cell(L, -1, &dst[j]);
    if (!ok && t == LUA_TNIL) {
      snprintf(msg, msglen, "row %lld: missing feature '%s'", (long long)r, names[j]);
    } else if (!ok) {
      snprintf(msg, msglen, "row %lld, feature '%s': expected a number, got %s", (long long)r,
               names[j], luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    if (!ok) return t == LUA_TNIL ? CHURN_E_SCHEMA : CHURN_E_DATA;
  }
  return CHURN_OK;
}

churn_status churn__lua_matrix(lua_State *L, int idx, const char *const *names, int64_t d,
                               double **x, int64_t *n, char *msg, size_t msglen) {
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  int64_t rows = (int64_t)lua_rawlen(L, idx);
  if (d > 0 && rows > (int64_t)(SIZE_MAX / sizeof(double)) / d)
    luaL_error(L, "too many rows");
  double *buf = churn__lua_scratch(L, (size_t)(rows * d) * sizeof(double));
  for (int64_t i = 0; i < rows; i++) {
    if (lua_rawgeti(L, idx, (lua_Integer)i + 1) != LUA_TTABLE)
      luaL_error(L, "row %d is a %s, not a table", (int)(i + 1), luaL_typename(L, -1));
    churn_status st = read_row(L, -1, i + 1, names, d, buf + i * d, msg, msglen);
    lua_pop(L, 1);
    if (st != CHURN_OK) return st;
  }
  *x = buf;
  *n = rows;
  return CHURN_OK;
}

churn_status churn__lua_row(lua_State *L, int idx, const char *const *names, int64_t d,
                            double **x, char *msg, size_t msglen) {
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  double *buf = churn__lua_scratch(L, (size_t)d * sizeof(double));
  churn_status st = read_row(L, idx, 1, names, d, buf, msg, msglen);
  if (st == CHURN_OK) *x = buf;
  return st;
}

/* --- the module -------------------------------------------------------------------------- */

/* churn.version() -> "1.2.0", 10200 (the loaded library's string and number) */
static int l_version(lua_State *L) {
  lua_pushstring(L, churn_version_string());
  lua_pushinteger(L, (lua_Integer)churn_version_number());
  return 2;
}

/* churn.status_name(code) -> "CHURN_E_IO": for scripts that log numeric codes */
static int l_status_name(lua_State *L) {
  lua_pushstring(L, churn_status_name((churn_status)luaL_checkinteger(L, 1)));
  return 1;
}

/* churn.testing_fail_alloc(k) -> allocations made since the previous call: the C API's fault
 * injection (the k-th allocation of the library on this thread fails; 0 switches it off), so
 * test suites can check every out-of-memory path through the binding. */
static int l_testing_fail_alloc(lua_State *L) {
  lua_Integer k = luaL_checkinteger(L, 1);
  luaL_argcheck(L, k >= 0, 1, "must be >= 0");
  lua_pushinteger(L, (lua_Integer)churn_testing_fail_alloc((uint64_t)k));
  return 1;
}

static const luaL_Reg MODULE_FUNCS[] = {
    {"version", l_version},
    {"status_name", l_status_name},
    {"testing_fail_alloc", l_testing_fail_alloc},
    {NULL, NULL},
};

CHURN_LUA_API int luaopen_churn(lua_State *L) {
  if (churn_version_number() / 10000 != CHURN_VERSION_MAJOR ||
      churn_version_number() < CHURN_VERSION_NUMBER) {
    return luaL_error(L, "churn: libchurn %s is older than the %s this module was built for",
                      churn_version_string(), CHURN_VERSION_STRING);
  }
  if (luaL_newmetatable(L, CHURN_LUA_BOX_MT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, MODULE_FUNCS);
  lua_pushstring(L, CHURN_VERSION_STRING);
  lua_setfield(L, -2, "_VERSION");
  churn__lua_open_model(L);
  churn__lua_open_design(L);
  churn__lua_open_dataset(L);
  churn__lua_open_features(L);
  churn__lua_open_kpi(L);
  churn__lua_open_survival(L);
  churn__lua_open_cohort(L);
  return 1;
}
