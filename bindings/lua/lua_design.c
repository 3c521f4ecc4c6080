/*
 * lua_design.c -- flat tables from Lua: a model fitted on a flat table (`churn fit --data`, or
 * Python's LogisticRegression(design=...)) carries its encoding, and these methods use it:
 *   model:design_features()                 -> {"Contract=One year", ...} | nil, msg, code
 *   model:score_columns(columns)            -> {p1, ...}, unseen | nil, msg, code
 *   model:score_csv(path, out_path [, opts]) -> rows written | nil, msg, code
 * columns is {name = array, ...}: an array holding any string is a string column (numbers in
 * it formatted with 17 digits, nil or churn.missing missing), otherwise numbers (nil missing).
 * Rows rejected for a missing value score NaN (0/0).  The encoding is the C library's, so the
 * probabilities equal the CLI's and Python's bit for bit on the same fields.
 */
#include "churn_lua.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void free_design(void *p) { churn_design_free(p); }

/* The model's design in a box on the stack (freed with it). */
static churn_status push_design(lua_State *L, churn_model *model, churn_design **out) {
  void **slot = churn__lua_box(L, free_design);
  churn_status st = churn_design_from_model(model, out);
  if (st == CHURN_OK) *slot = *out;
  return st;
}

static int m_design_features(lua_State *L) {
  churn_model *model = churn__lua_check_model(L, 1);
  churn_design *d;
  churn_status st = push_design(L, model, &d);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_newtable(L);
  for (int64_t j = 0; j < churn_design_n_features(d); j++) {
    lua_pushstring(L, churn_design_feature_name(d, j));
    lua_rawseti(L, -2, j + 1);
  }
  return 1;
}

/* Reads the array at the top of the stack (column `name`, n rows) into col, its buffers in
 * scratch memory pushed on the stack. */
static void read_column(lua_State *L, const char *name, int64_t n, churn_column *col) {
  int arr = lua_gettop(L);
  int strings = 0;
  for (int64_t i = 1; i <= n && !strings; i++) {
    strings = lua_rawgeti(L, arr, i) == LUA_TSTRING;
    lua_pop(L, 1);
  }
  col->name = name;
  col->length = n;
  col->valid = NULL;
  col->reserved = 0;
  if (strings) {
    const char **s = churn__lua_scratch(L, (size_t)(n + 1) * sizeof *s);
    char *text = churn__lua_scratch(L, (size_t)(n + 1) * 32);
    for (int64_t i = 1; i <= n; i++) {
      int t = lua_rawgeti(L, arr, i);
      if (t == LUA_TSTRING) {
        s[i - 1] = lua_tostring(L, -1); /* anchored by the array */
      } else if (t == LUA_TNUMBER) {
        snprintf(text + 32 * (i - 1), 32, "%.17g", lua_tonumber(L, -1));
        s[i - 1] = text + 32 * (i - 1);
      } else {
        s[i - 1] = NULL;
      }
      lua_pop(L, 1);
    }
    col->dtype = CHURN_STR;
    col->data = s;
  } else {
    double *x = churn__lua_scratch(L, (size_t)(n + 1) * sizeof *x);
    for (int64_t i = 1; i <= n; i++) {
      lua_rawgeti(L, arr, i);
      x[i - 1] = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
      lua_pop(L, 1);
    }
    col->dtype = CHURN_F64;
    col->data = x;
  }
}

static int m_score_columns(lua_State *L) {
  churn_model *model = churn__lua_check_model(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  int64_t ncols = 0, n = -1;
  lua_newtable(L); /* the column names, in an array that anchors them */
  int keys = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "column names must be strings");
    if (lua_type(L, -1) != LUA_TTABLE) {
      luaL_error(L, "column '%s' is a %s, not an array", lua_tostring(L, -2),
                 luaL_typename(L, -1));
    }
    int64_t len = (int64_t)lua_rawlen(L, -1);
    if (n >= 0 && len != n) {
      return churn__lua_failf(L, CHURN_E_ARG, "column '%s' has %lld rows, the others %lld",
                              lua_tostring(L, -2), (long long)len, (long long)n);
    }
    n = len;
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, ++ncols);
  }
  if (n < 0) n = 0;
  churn_design *d;
  churn_status st = push_design(L, model, &d);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn_column *cols = churn__lua_scratch(L, (size_t)(ncols + 1) * sizeof *cols);
  for (int64_t j = 0; j < ncols; j++) {
    luaL_checkstack(L, 8, "too many columns");
    lua_rawgeti(L, keys, j + 1);
    const char *name = lua_tostring(L, -1); /* anchored by keys */
    lua_pop(L, 1);
    lua_getfield(L, 2, name);               /* the array stays on the stack below its scratch */
    read_column(L, name, n, &cols[j]);
  }
  int64_t dd = churn_design_n_features(d), unseen = 0;
  double *X = churn__lua_scratch(L, (size_t)(n * dd + 1) * sizeof *X);
  double *p = churn__lua_scratch(L, (size_t)(n + 1) * sizeof *p);
  uint8_t *kept = churn__lua_scratch(L, (size_t)n + 1);
  st = churn_design_transform_columns(d, cols, ncols, n, X, dd > 0 ? dd : 1, kept, NULL, &unseen);
  if (st == CHURN_OK && n > 0) st = churn_model_predict_proba(model, X, CHURN_F64, n, dd, dd, p);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_createtable(L, (int)n, 0);
  for (int64_t i = 0; i < n; i++) {
    lua_pushnumber(L, kept[i] ? p[i] : NAN);
    lua_rawseti(L, -2, i + 1);
  }
  lua_pushinteger(L, unseen);
  return 2;
}

static int m_score_csv(lua_State *L) {
  churn_model *model = churn__lua_check_model(L, 1);
  const char *path = luaL_checkstring(L, 2), *out = luaL_checkstring(L, 3);
  churn_options *opts = NULL;
  churn_status st = churn__lua_options(L, 4, "design", NULL, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn_design *d;
  st = push_design(L, model, &d);
  int64_t scored = 0;
  if (st == CHURN_OK) st = churn_design_score_csv(d, model, path, out, opts, &scored);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushinteger(L, scored);
  return 1;
}

static const luaL_Reg DESIGN_METHODS[] = {
    {"design_features", m_design_features},
    {"score_columns", m_score_columns},
    {"score_csv", m_score_csv},
    {NULL, NULL},
};

void churn__lua_open_design(lua_State *L) {
  luaL_getmetatable(L, CHURN_LUA_MODEL_MT);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, DESIGN_METHODS, 0);
  lua_pop(L, 2);
}
