/*
 * lua_model.c -- the risk model in Lua: churn.fit, churn.load_model(_buffer) and the methods of
 * a model object (score, explain, features, save, summary, ...).  A model object is a full
 * userdata holding a churn_model *; __gc, __close and model:close() share one idempotent
 * finaliser, and a closed model raises when used.
 */
#include "churn_lua.h"

#include <stdlib.h>
#include <string.h>

typedef struct lua_model {
  churn_model *model;
} lua_model;

/* --- the object -------------------------------------------------------------------------- */

static lua_model *new_model(lua_State *L) {
  lua_model *m = lua_newuserdatauv(L, sizeof *m, 0);
  m->model = NULL;
  luaL_setmetatable(L, CHURN_LUA_MODEL_MT);
  return m;
}

CHURN_LUA_API int churn_lua_push_model(lua_State *L, churn_model *model) {
  new_model(L)->model = model;
  return 1;
}

static churn_model *check_model(lua_State *L, int idx) {
  lua_model *m = luaL_checkudata(L, idx, CHURN_LUA_MODEL_MT);
  if (!m->model) luaL_error(L, "attempt to use a closed churn model");
  return m->model;
}

churn_model *churn__lua_check_model(lua_State *L, int idx) { return check_model(L, idx); }

/* __gc, __close and model:close(): frees the model once; later calls do nothing. */
static int model_finalize(lua_State *L) {
  lua_model *m = luaL_checkudata(L, 1, CHURN_LUA_MODEL_MT);
  churn_model_free(m->model);
  m->model = NULL;
  return 0;
}

static int model_tostring(lua_State *L) {
  lua_model *m = luaL_checkudata(L, 1, CHURN_LUA_MODEL_MT);
  if (m->model)
    lua_pushfstring(L, "churn.model (%d features): %p",
                    (int)churn_model_n_features(m->model), (void *)m);
  else
    lua_pushfstring(L, "churn.model (closed): %p", (void *)m);
  return 1;
}

/* The model's feature names as an array of C strings in scratch memory (owned by the model). */
static const char **model_names(lua_State *L, const churn_model *model) {
  int64_t d = churn_model_n_features(model);
  const char **names = churn__lua_scratch(L, (size_t)d * sizeof *names);
  for (int64_t j = 0; j < d; j++) names[j] = churn_model_feature_name(model, j);
  return names; /* the array stays on the stack (so it is not collected) until the call ends */
}

/* --- creating models --------------------------------------------------------------------- */

static int cmp_strings(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The feature names of a fit: opts.feature_names, else the sorted string keys of the first row
 * when it is a {name = value} table, else none (NULL, d = length of the first row). */
static const char **fit_names(lua_State *L, int xidx, int oidx, int64_t *d) {
  if (lua_istable(L, oidx) && lua_getfield(L, oidx, "feature_names") != LUA_TNIL) {
    if (!lua_istable(L, -1))
      luaL_error(L, "feature_names must be an array of strings, got %s", luaL_typename(L, -1));
    int names_idx = lua_gettop(L);
    *d = (int64_t)lua_rawlen(L, names_idx);
    const char **names = churn__lua_scratch(L, (size_t)*d * sizeof *names);
    for (int64_t j = 0; j < *d; j++) {
      if (lua_rawgeti(L, names_idx, (lua_Integer)j + 1) != LUA_TSTRING)
        luaL_error(L, "feature_names[%d] is not a string", (int)(j + 1));
      names[j] = lua_tostring(L, -1); /* kept alive by opts.feature_names */
      lua_pop(L, 1);
    }
    return names;
  }
  lua_settop(L, oidx > xidx ? oidx : xidx);
  *d = 0;
  if (lua_rawgeti(L, xidx, 1) != LUA_TTABLE) {
    lua_pop(L, 1);
    return NULL;
  }
  int row = lua_gettop(L);
  if (lua_rawgeti(L, row, 1) != LUA_TNIL) {
    *d = (int64_t)lua_rawlen(L, row);
    lua_pop(L, 2);
    return NULL;
  }
  lua_pop(L, 1);
  int64_t count = 0;
  for (lua_pushnil(L); lua_next(L, row); lua_pop(L, 1)) count++;
  const char **names = churn__lua_scratch(L, (size_t)count * sizeof *names);
  for (lua_pushnil(L); lua_next(L, row); lua_pop(L, 1)) {
    if (lua_type(L, -2) == LUA_TSTRING) names[(*d)++] = lua_tostring(L, -2); /* kept by X */
  }
  qsort(names, (size_t)*d, sizeof *names, cmp_strings);
  return names;
}

/* Reads n numbers of the array at idx (y or weights) into scratch memory. */
static churn_status read_vector(lua_State *L, int idx, const char *what, int64_t n, double **out,
                                char *msg, size_t msglen) {
  idx = lua_absindex(L, idx);
  if (!lua_istable(L, idx)) luaL_error(L, "%s must be an array, got %s", what, luaL_typename(L, idx));
  int64_t len = (int64_t)lua_rawlen(L, idx);
  if (len != n) {
    snprintf(msg, msglen, "%s has %lld values, X has %lld rows", what, (long long)len,
             (long long)n);
    return CHURN_E_ARG;
  }
  double *v = churn__lua_scratch(L, (size_t)n * sizeof *v);
  for (int64_t i = 0; i < n; i++) {
    lua_rawgeti(L, idx, (lua_Integer)i + 1);
    int ok = churn__lua_cell(L, -1, &v[i]);
    if (!ok)
      snprintf(msg, msglen, "%s[%lld]: expected a number, got %s", what, (long long)i + 1,
               luaL_typename(L, -1));
    lua_pop(L, 1);
    if (!ok) return CHURN_E_DATA;
  }
  *out = v;
  return CHURN_OK;
}

/* Reads the n cluster labels of the array at idx (strings or integers; equal values are one
 * cluster, 2 and 2.0 are equal, "2" is another label) into dense int64 ids in scratch memory. */
static churn_status read_groups(lua_State *L, int idx, int64_t n, int64_t **out, char *msg,
                                size_t msglen) {
  idx = lua_absindex(L, idx);
  if (!lua_istable(L, idx))
    luaL_error(L, "groups must be an array of strings or integers, got %s", luaL_typename(L, idx));
  int64_t len = (int64_t)lua_rawlen(L, idx);
  if (len != n) {
    snprintf(msg, msglen, "groups has %lld values, X has %lld rows", (long long)len,
             (long long)n);
    return CHURN_E_ARG;
  }
  int64_t *g = churn__lua_scratch(L, (size_t)(n ? n : 1) * sizeof *g), next = 0;
  lua_createtable(L, 0, 0); /* label -> id */
  int ids = lua_gettop(L);
  churn_status st = CHURN_OK;
  for (int64_t i = 0; i < n && st == CHURN_OK; i++) {
    int t = lua_rawgeti(L, idx, (lua_Integer)i + 1), whole = 0;
    if (t == LUA_TNUMBER) lua_tointegerx(L, -1, &whole);
    if (t != LUA_TSTRING && !whole) {
      snprintf(msg, msglen, "groups[%lld]: expected a string or an integer label, got %s",
               (long long)i + 1, t == LUA_TNUMBER ? "a fractional number" : luaL_typename(L, -1));
      st = CHURN_E_DATA;
      lua_pop(L, 1);
    } else {
      lua_pushvalue(L, -1);
      if (lua_rawget(L, ids) == LUA_TNUMBER) { /* ids label id */
        g[i] = (int64_t)lua_tointeger(L, -1);
        lua_pop(L, 2);
      } else {
        lua_pop(L, 1);
        g[i] = next;
        lua_pushinteger(L, (lua_Integer)next++);
        lua_rawset(L, ids); /* ids[label] = id; pops both */
      }
    }
  }
  lua_remove(L, ids);
  *out = g;
  return st;
}

/* churn.fit(X, y [, opts]) -> model | nil, message, code
 * X: array of rows (arrays, or {name = value} tables); y: array of 0/1 (or booleans);
 * opts: fit options by name ("C", "penalty" = "l2", "fit.max_iter", ...) plus feature_names,
 * sample_weight and groups (cluster labels, strings or integers, one per row: with
 * cov_type = "cluster" they give cluster-robust standard errors, churn_model_fit_clustered). */
static int l_fit(lua_State *L) {
  static const char *const skip[] = {"feature_names", "sample_weight", "groups", NULL};
  char msg[512];
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  int64_t d, n;
  double *x, *y, *w = NULL;
  const char **names = fit_names(L, 1, 3, &d);
  churn_status st = churn__lua_matrix(L, 1, names, d, &x, &n, msg, sizeof msg);
  if (st == CHURN_OK) st = read_vector(L, 2, "y", n, &y, msg, sizeof msg);
  if (st == CHURN_OK && lua_istable(L, 3) && lua_getfield(L, 3, "sample_weight") != LUA_TNIL)
    st = read_vector(L, -1, "sample_weight", n, &w, msg, sizeof msg);
  int64_t *groups = NULL;
  if (st == CHURN_OK && lua_istable(L, 3) && lua_getfield(L, 3, "groups") != LUA_TNIL)
    st = read_groups(L, -1, n, &groups, msg, sizeof msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  churn_options *opts;
  st = churn__lua_options(L, 3, "fit", skip, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  int box = lua_gettop(L);
  lua_model *m = new_model(L);
  st = groups ? churn_model_fit_clustered(x, CHURN_F64, n, d, d, y, w, groups, names, opts,
                                          &m->model)
              : churn_model_fit(x, CHURN_F64, n, d, d, y, w, names, opts, &m->model);
  churn__lua_box_release(L, box);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st); /* rows and columns of X from 1 */
  return 1;
}

/* churn.load_model(path) -> model | nil, message, code */
static int l_load_model(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_model *m = new_model(L);
  churn_status st = churn_model_load(path, &m->model);
  return st == CHURN_OK ? 1 : churn__lua_fail(L, st);
}

/* churn.load_model_buffer(bytes) -> model | nil, message, code */
static int l_load_model_buffer(lua_State *L) {
  size_t len;
  const char *bytes = luaL_checklstring(L, 1, &len);
  lua_model *m = new_model(L);
  churn_status st = churn_model_load_buffer(bytes, len, &m->model);
  return st == CHURN_OK ? 1 : churn__lua_fail(L, st);
}

/* --- scoring and reasons ----------------------------------------------------------------- */

static void push_numbers(lua_State *L, const double *v, int64_t n) {
  lua_createtable(L, n < 1 << 24 ? (int)n : 0, 0);
  for (int64_t i = 0; i < n; i++) {
    lua_pushnumber(L, v[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* Scores a batch: probabilities (linear = 0) or linear scores (linear = 1). */
static int score_batch(lua_State *L, int linear) {
  char msg[512];
  churn_model *model = check_model(L, 1);
  int64_t d = churn_model_n_features(model), n;
  double *x;
  const char **names = model_names(L, model);
  churn_status st = churn__lua_matrix(L, 2, names, d, &x, &n, msg, sizeof msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  if (n == 0) {
    lua_newtable(L);
    return 1;
  }
  double *out = churn__lua_scratch(L, (size_t)n * sizeof *out);
  st = linear ? churn_model_decision_function(model, x, CHURN_F64, n, d, d, out)
              : churn_model_predict_proba(model, x, CHURN_F64, n, d, d, out);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  push_numbers(L, out, n);
  return 1;
}

/* model:score(rows) -> {p1, p2, ...} | nil, message, code */
static int m_score(lua_State *L) { return score_batch(L, 0); }

/* model:decision_function(rows) -> {b0 + x.b, ...} | nil, message, code */
static int m_decision_function(lua_State *L) { return score_batch(L, 1); }

/* model:score_one(row) -> p | nil, message, code */
static int m_score_one(lua_State *L) {
  char msg[512];
  churn_model *model = check_model(L, 1);
  int64_t d = churn_model_n_features(model);
  double *x, p;
  churn_status st = churn__lua_row(L, 2, model_names(L, model), d, &x, msg, sizeof msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  st = churn_model_predict_proba(model, x, CHURN_F64, 1, d, d, &p);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  lua_pushnumber(L, p);
  return 1;
}

/* model:explain(row [, k]) -> {{feature=, contribution=, value=, index=}, ...} (the k strongest
 * pushes toward churn first; k defaults to min(5, d); category= the churn category of catalog
 * features) | nil, message, code */
static int m_explain(lua_State *L) {
  char msg[512];
  churn_model *model = check_model(L, 1);
  int64_t d = churn_model_n_features(model);
  lua_Integer k = luaL_optinteger(L, 3, d < 5 ? d : 5);
  lua_settop(L, 2);
  double *x;
  churn_status st = churn__lua_row(L, 2, model_names(L, model), d, &x, msg, sizeof msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  if (k < 1 || k > d)
    return churn__lua_failf(L, CHURN_E_ARG, "k = %d is outside [1, %d]", (int)k, (int)d);
  int32_t *idx = churn__lua_scratch(L, (size_t)k * sizeof *idx);
  double *contrib = churn__lua_scratch(L, (size_t)k * sizeof *contrib);
  st = churn_model_explain(model, x, CHURN_F64, 1, d, d, (int)k, idx, contrib);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  lua_createtable(L, (int)k, 0);
  for (lua_Integer r = 0; r < k; r++) {
    lua_createtable(L, 0, 4);
    lua_pushstring(L, churn_model_feature_name(model, idx[r]));
    lua_setfield(L, -2, "feature");
    lua_pushnumber(L, contrib[r]);
    lua_setfield(L, -2, "contribution");
    lua_pushnumber(L, x[idx[r]]);
    lua_setfield(L, -2, "value");
    lua_pushinteger(L, (lua_Integer)idx[r] + 1);
    lua_setfield(L, -2, "index");
    churn_category c;
    if (churn_feature_category(churn_model_feature_name(model, idx[r]), &c) == CHURN_OK) {
      lua_pushstring(L, churn__lua_category_name(c));
      lua_setfield(L, -2, "category");
    } else {
      churn_clear_error(); /* not a catalog feature: no category */
    }
    lua_rawseti(L, -2, r + 1);
  }
  return 1;
}

/* --- reading a model --------------------------------------------------------------------- */

/* model:features() -> {"name1", ...} */
static int m_features(lua_State *L) {
  churn_model *model = check_model(L, 1);
  int64_t d = churn_model_n_features(model);
  lua_createtable(L, (int)d, 0);
  for (int64_t j = 0; j < d; j++) {
    lua_pushstring(L, churn_model_feature_name(model, j));
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  return 1;
}

/* model:n_features() -> d */
static int m_n_features(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)churn_model_n_features(check_model(L, 1)));
  return 1;
}

/* model:coef() -> {name = coef, ...}, intercept */
static int m_coef(lua_State *L) {
  churn_model *model = check_model(L, 1);
  int64_t d = churn_model_n_features(model);
  double *coef = churn__lua_scratch(L, (size_t)d * sizeof *coef), b0;
  churn_status st = churn_model_coef(model, coef, &b0);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_createtable(L, 0, (int)d);
  for (int64_t j = 0; j < d; j++) {
    lua_pushnumber(L, coef[j]);
    lua_setfield(L, -2, churn_model_feature_name(model, j));
  }
  lua_pushnumber(L, b0);
  return 2;
}

/* model:summary() -> array of {term=, coef=, std_err=, z=, p_value=, ci_low=, ci_high=,
 * odds_ratio=} (intercept first) | nil, message, code */
static int m_summary(lua_State *L) {
  churn_table *t;
  churn_status st = churn_model_summary(check_model(L, 1), &t);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn__lua_push_table(L, t);
  return 1;
}


/* model:stats() -> {loglik=, aic=, n_obs=, converged=, ...} (the statistics the model has) */
static int m_stats(lua_State *L) {
  churn_model *model = check_model(L, 1);
  lua_newtable(L);
  int stat;
  const char *name;
  for (int k = 0; churn_enum_entry(CHURN_ENUM_STAT, k, &stat, &name) == CHURN_OK; k++) {
    double v;
    if (churn_model_stat(model, (churn_stat)stat, &v) != CHURN_OK) continue;
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
  }
  churn_clear_error();
  return 1;
}

/* --- persistence ------------------------------------------------------------------------- */

/* model:save(path) -> true | nil, message, code */
static int m_save(lua_State *L) {
  churn_status st = churn_model_save(check_model(L, 1), luaL_checkstring(L, 2));
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushboolean(L, 1);
  return 1;
}

/* model:to_buffer() -> bytes (a string churn.load_model_buffer reads) | nil, message, code */
static int m_to_buffer(lua_State *L) {
  churn_model *model = check_model(L, 1);
  size_t needed = 0;
  churn_status st = churn_model_save_buffer(model, NULL, 0, &needed);
  if (st != CHURN_OK && st != CHURN_E_BUFFER) return churn__lua_fail(L, st);
  void *buf = churn__lua_scratch(L, needed);
  st = churn_model_save_buffer(model, buf, needed, &needed);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushlstring(L, buf, needed);
  return 1;
}

/* --- registration ------------------------------------------------------------------------ */

static const luaL_Reg MODEL_META[] = {
    {"__gc", model_finalize},
    {"__close", model_finalize},
    {"__tostring", model_tostring},
    {NULL, NULL},
};

static const luaL_Reg MODEL_METHODS[] = {
    {"score", m_score},
    {"score_one", m_score_one},
    {"decision_function", m_decision_function},
    {"explain", m_explain},
    {"features", m_features},
    {"n_features", m_n_features},
    {"coef", m_coef},
    {"summary", m_summary},
    {"stats", m_stats},
    {"save", m_save},
    {"to_buffer", m_to_buffer},
    {"close", model_finalize},
    {NULL, NULL},
};

static const luaL_Reg MODEL_FUNCS[] = {
    {"fit", l_fit},
    {"load_model", l_load_model},
    {"load_model_buffer", l_load_model_buffer},
    {NULL, NULL},
};

void churn__lua_open_model(lua_State *L) {
  /* The metatable carries __gc before any userdata gets it (Lua registers finalisers only then). */
  if (luaL_newmetatable(L, CHURN_LUA_MODEL_MT)) {
    luaL_setfuncs(L, MODEL_META, 0);
    luaL_newlib(L, MODEL_METHODS);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, MODEL_FUNCS, 0);
}
