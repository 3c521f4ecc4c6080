/*
 * lua_cohort.c -- the cohort retention models in Lua (shifted-beta-geometric, beta-discrete-
 * Weibull, geometric): churn.cohort_fit(alive [, {kind=}]) returns a model object with
 * :params(), :survival(t), :retention_rate(t), :forecast(periods [, opts]), :derl(discount
 * [, renewals]) and :kind(); ds:kpi_snapshot_forecast fits one on a dataset's cohort.  Same
 * object rules as models and datasets: a full userdata whose __gc, __close and close() share
 * one idempotent finaliser; the userdata also keeps the fitted alive counts (for forecasts
 * that start from a cohort's last count, as Python's CohortModel.forecast does).
 */
#include "churn_lua.h"

#include <math.h>
#include <string.h>

#define CHURN_LUA_COHORT_MT "churn.cohort"
#define MSG_LEN 256

/* Followed in the same userdata by lengths[ncohorts] and the alive counts, one after another. */
typedef struct lua_cohort {
  churn_cohort_model *model;
  int64_t ncohorts;
} lua_cohort;

static const char *const PARAM_NAMES[3][3] = {
    {"alpha", "beta", NULL}, {"alpha", "beta", "c"}, {"p", NULL, NULL}};

static int64_t *cohort_lengths(lua_cohort *c) { return (int64_t *)(void *)(c + 1); }
static double *cohort_alive(lua_cohort *c) {
  return (double *)(void *)(cohort_lengths(c) + c->ncohorts);
}

static lua_cohort *new_cohort(lua_State *L, int64_t ncohorts, int64_t nalive) {
  size_t size = sizeof(lua_cohort) + (size_t)ncohorts * sizeof(int64_t) +
                (size_t)nalive * sizeof(double);
  lua_cohort *c = lua_newuserdatauv(L, size, 0);
  c->model = NULL;
  c->ncohorts = ncohorts;
  luaL_setmetatable(L, CHURN_LUA_COHORT_MT);
  return c;
}

static churn_cohort_model *check_cohort(lua_State *L, int idx) {
  lua_cohort *c = luaL_checkudata(L, idx, CHURN_LUA_COHORT_MT);
  if (!c->model) luaL_error(L, "attempt to use a closed churn cohort model");
  return c->model;
}

static int cohort_finalize(lua_State *L) {
  lua_cohort *c = luaL_checkudata(L, 1, CHURN_LUA_COHORT_MT);
  churn_cohort_model_free(c->model);
  c->model = NULL;
  return 0;
}

static int cohort_tostring(lua_State *L) {
  lua_cohort *c = luaL_checkudata(L, 1, CHURN_LUA_COHORT_MT);
  if (c->model)
    lua_pushfstring(L, "churn.cohort (%s): %p", churn_enum_name(CHURN_ENUM_COHORT_KIND, churn_cohort_model_kind(c->model)),
                    (void *)c);
  else
    lua_pushfstring(L, "churn.cohort (closed): %p", (void *)c);
  return 1;
}

/* opts.<key> as a model kind name ("sbg" when absent); raises for an unknown name. */
static churn_cohort_kind opt_kind(lua_State *L, int idx, const char *key) {
  if (!lua_istable(L, idx)) return CHURN_COHORT_SBG;
  int t = lua_getfield(L, idx, key);
  const char *name = t == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  lua_pop(L, 1);
  if (t == LUA_TNIL) return CHURN_COHORT_SBG;
  int kind;
  if (name && churn_enum_find(CHURN_ENUM_COHORT_KIND, name, &kind) == CHURN_OK) {
    return (churn_cohort_kind)kind;
  }
  churn_clear_error();
  return (churn_cohort_kind)luaL_error(L, "option '%s' must be \"sbg\", \"bdw\" or "
                                       "\"geometric\"", key);
}

/* --- fitting ----------------------------------------------------------------------------- */

/* churn.cohort_fit(alive [, {kind = "sbg" | "bdw" | "geometric"}]) -> model | nil, msg, code
 * alive: the counts still active after 0, 1, 2, ... periods, or an array of such arrays
 * (cohorts of different lengths). */
static int l_cohort_fit(lua_State *L) {
  static const char *const keys[] = {"kind", NULL};
  char msg[MSG_LEN], what[48];
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  churn__lua_check_keys(L, 2, keys);
  churn_cohort_kind kind = opt_kind(L, 2, "kind");
  int nested = lua_rawgeti(L, 1, 1) == LUA_TTABLE;
  lua_pop(L, 1);
  int64_t ncohorts = 1, total = 0;
  if (nested) {
    churn_status st = CHURN_OK;
    ncohorts = (int64_t)lua_rawlen(L, 1);
    /* each cohort's scratch array goes to slot k of a table, so the stack stays small */
    lua_createtable(L, (int)(ncohorts < 1 << 20 ? ncohorts : 0), 0);
    int parts = lua_gettop(L);
    int64_t *lengths = churn__lua_scratch(L, (size_t)ncohorts * sizeof *lengths);
    for (int64_t k = 0; k < ncohorts && st == CHURN_OK; k++) {
      snprintf(what, sizeof what, "alive[%lld]", (long long)k + 1);
      int t = lua_rawgeti(L, 1, (lua_Integer)k + 1);
      if (t != LUA_TTABLE) {
        snprintf(msg, sizeof msg, "%s is %s%s, not an array of counts", what,
                 t == LUA_TNIL ? "" : "a ", t == LUA_TNIL ? "nil" : luaL_typename(L, -1));
        st = CHURN_E_DATA;
        break;
      }
      double *v;
      st = churn__lua_numbers(L, -1, what, 0, -1, NULL, &v, &lengths[k], msg, sizeof msg);
      if (st == CHURN_OK) {
        lua_rawseti(L, parts, (lua_Integer)k + 1); /* the scratch array */
        total += lengths[k];
      }
      lua_pop(L, 1);
    }
    if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
    lua_cohort *c = new_cohort(L, ncohorts, total);
    memcpy(cohort_lengths(c), lengths, (size_t)ncohorts * sizeof *lengths);
    double *dst = cohort_alive(c);
    for (int64_t k = 0; k < ncohorts; k++) {
      lua_rawgeti(L, parts, (lua_Integer)k + 1);
      memcpy(dst, lua_touserdata(L, -1), (size_t)lengths[k] * sizeof *dst);
      dst += lengths[k];
      lua_pop(L, 1);
    }
  } else {
    double *v;
    churn_status st = churn__lua_numbers(L, 1, "alive", 0, -1, NULL, &v, &total, msg, sizeof msg);
    if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
    lua_cohort *c = new_cohort(L, 1, total);
    cohort_lengths(c)[0] = total;
    memcpy(cohort_alive(c), v, (size_t)total * sizeof *v);
  }
  lua_cohort *c = lua_touserdata(L, -1);
  churn_status st = churn_cohort_fit(kind, cohort_alive(c), cohort_lengths(c), c->ncohorts,
                                     &c->model);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  return 1;
}

/* --- methods ----------------------------------------------------------------------------- */

/* m:kind() -> "sbg", "bdw" or "geometric" (the model fitted, which a snapshot forecast may have
 * changed to "geometric") */
static int c_kind(lua_State *L) {
  lua_pushstring(L, churn_enum_name(CHURN_ENUM_COHORT_KIND, churn_cohort_model_kind(check_cohort(L, 1))));
  return 1;
}

/* m:params() -> {kind=, names={...}, alpha=, beta=[, c=] | p=, std_err={name = se},
 * cov={{...}, ...}, loglik=} */
static int c_params(lua_State *L) {
  churn_cohort_model *m = check_cohort(L, 1);
  int64_t k;
  double p[3], se[3], cov[9], ll;
  churn_status st = churn_cohort_params(m, &k, p, se, cov, &ll);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn_cohort_kind kind = churn_cohort_model_kind(m);
  const char *const *names = PARAM_NAMES[kind];
  lua_createtable(L, 0, 8);
  lua_pushstring(L, churn_enum_name(CHURN_ENUM_COHORT_KIND, kind));
  lua_setfield(L, -2, "kind");
  lua_createtable(L, (int)k, 0);
  lua_createtable(L, 0, (int)k);
  lua_createtable(L, (int)k, 0);
  for (int64_t i = 0; i < k; i++) {
    lua_pushnumber(L, p[i]);
    lua_setfield(L, -5, names[i]);
    lua_pushstring(L, names[i]);
    lua_rawseti(L, -4, (lua_Integer)i + 1);
    lua_pushnumber(L, se[i]);
    lua_setfield(L, -3, names[i]);
    lua_createtable(L, (int)k, 0);
    for (int64_t j = 0; j < k; j++) {
      lua_pushnumber(L, cov[i * k + j]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -4, "cov");
  lua_setfield(L, -3, "std_err");
  lua_setfield(L, -2, "names");
  lua_pushnumber(L, ll);
  lua_setfield(L, -2, "loglik");
  return 1;
}

/* S(t) and r(t) at a number t (two numbers) or an array of times (two arrays). */
static int curves(lua_State *L, int which) {
  churn_cohort_model *m = check_cohort(L, 1);
  char msg[MSG_LEN];
  if (lua_type(L, 2) == LUA_TNUMBER) {
    double t = (double)lua_tonumber(L, 2), s, r;
    churn_status st = churn_cohort_survival(m, &t, 1, &s, &r);
    if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
    lua_pushnumber(L, which == 1 ? r : s);
    if (which == 1) return 1;
    lua_pushnumber(L, r);
    return 2;
  }
  lua_settop(L, 2);
  double *t;
  int64_t n;
  churn_status st = churn__lua_numbers(L, 2, "t", 0, -1, NULL, &t, &n, msg, sizeof msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  double *s = churn__lua_scratch(L, (size_t)n * sizeof *s);
  double *r = churn__lua_scratch(L, (size_t)n * sizeof *r);
  st = churn_cohort_survival(m, t, n, s, r);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  for (int out = 0; out < 2; out++) {
    const double *v = (which == 1 || out == 1) ? r : s;
    lua_createtable(L, (int)(n < 1 << 24 ? n : 0), 0);
    for (int64_t i = 0; i < n; i++) {
      lua_pushnumber(L, v[i]);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    if (which == 1) return 1;
  }
  return 2;
}

/* m:survival(t) -> S(t), r(t): the share of a cohort still active after t periods and the
 * retention rate S(t)/S(t-1) (NaN for t < 1); t a number or an array (then two arrays). */
static int c_survival(lua_State *L) { return curves(L, 0); }
/* m:retention_rate(t) -> r(t) alone */
static int c_retention_rate(lua_State *L) { return curves(L, 1); }

/* opts[key] as an integer, def when absent; raises for a non-integer. */
static int64_t opt_integer(lua_State *L, int idx, const char *key, int64_t def) {
  if (!lua_istable(L, idx) || lua_getfield(L, idx, key) == LUA_TNIL) {
    if (lua_istable(L, idx)) lua_pop(L, 1);
    return def;
  }
  int isint = 0;
  lua_Integer v = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
  if (!isint)
    luaL_error(L, "option '%s' wants an integer, got %s", key,
               lua_type(L, -1) == LUA_TNUMBER ? "a fraction" : luaL_typename(L, -1));
  lua_pop(L, 1);
  return (int64_t)v;
}

/* m:forecast(periods [, {target=, alpha=, cohort=, size=, start=, alive=}]) -> rows
 * {period=, survival=, expected=, share=, std_err=, ci_low=, ci_high= [, target=, margin=,
 * prob_meet=]} for each period after the start up to `periods`.  By default the cohort is the
 * `cohort`-th fitted one (1-based, default 1): its size alive[1], its count after `start`
 * periods (default: its last); or give size [, start (0) [, alive (size)]] for another
 * cohort.  target: one value per period 1..periods. */
static int c_forecast(lua_State *L) {
  static const char *const keys[] = {"target", "alpha", "cohort", "size", "start", "alive", NULL};
  churn_cohort_model *m = check_cohort(L, 1);
  lua_cohort *c = lua_touserdata(L, 1);
  char msg[MSG_LEN];
  int64_t periods = (int64_t)luaL_checkinteger(L, 2);
  lua_settop(L, 3);
  churn__lua_check_keys(L, 3, keys);
  double alpha = churn__lua_opt_number(L, 3, "alpha", 0.05);
  double size = churn__lua_opt_number(L, 3, "size", NAN), alive;
  int64_t start;
  if (size == size) { /* a cohort given by its size */
    start = opt_integer(L, 3, "start", 0);
    alive = churn__lua_opt_number(L, 3, "alive", size);
  } else {
    if (c->ncohorts == 0)
      return churn__lua_failf(L, CHURN_E_ARG, "this model was not fitted on alive counts (it "
                              "comes from a snapshot forecast): give opts.size");
    int64_t k = opt_integer(L, 3, "cohort", 1);
    if (k < 1 || k > c->ncohorts)
      return churn__lua_failf(L, CHURN_E_ARG, "cohort %lld: the model was fitted on %lld "
                              "cohort(s)", (long long)k, (long long)c->ncohorts);
    const double *seq = cohort_alive(c);
    const int64_t *len = cohort_lengths(c);
    for (int64_t j = 0; j < k - 1; j++) seq += len[j];
    start = opt_integer(L, 3, "start", len[k - 1] - 1);
    if (start < 0 || start >= len[k - 1])
      return churn__lua_failf(L, CHURN_E_ARG, "start %lld is outside cohort %lld's %lld "
                              "observed periods", (long long)start, (long long)k,
                              (long long)len[k - 1] - 1);
    size = seq[0];
    alive = churn__lua_opt_number(L, 3, "alive", seq[start]);
  }
  double *target = NULL;
  if (lua_istable(L, 3) && lua_getfield(L, 3, "target") != LUA_TNIL) {
    int64_t nt;
    churn_status st = churn__lua_numbers(L, -1, "target", 0, periods < 0 ? 0 : periods,
                                         "one per period 1..periods", &target, &nt, msg,
                                         sizeof msg);
    if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  }
  churn_table *t = NULL;
  churn_status st = churn_cohort_forecast(m, size, start, alive, periods, target, alpha, &t);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  return 1;
}

/* m:derl(discount [, renewals]) -> the discounted expected residual lifetime, in periods */
static int c_derl(lua_State *L) {
  churn_cohort_model *m = check_cohort(L, 1);
  double d = (double)luaL_checknumber(L, 2), out;
  int64_t renewals = (int64_t)luaL_optinteger(L, 3, 0);
  churn_status st = churn_cohort_derl(m, d, renewals, &out);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_pushnumber(L, out);
  return 1;
}

/* --- the dataset's cohort ---------------------------------------------------------------- */

/* ds:kpi_snapshot_forecast(base_date, as_of [, nmonths [, opts]]) -> rows, model
 * rows {month_index=, month=, observed=, cohort=, active=, retention=, expected=, ci_low=,
 * ci_high=, target=, margin=, prob_meet=}; model: the fitted cohort model.  opts: column/label
 * (a cohort filter), members (1-based indices), target (one per month; its length sets nmonths
 * when nmonths is nil), model ("sbg", "bdw", "geometric"), alpha, and kpi.* options. */
static int d_kpi_snapshot_forecast(lua_State *L) {
  static const char *const skip[] = {"column", "label", "members", "target", "model", "alpha",
                                     NULL};
  char msg[MSG_LEN];
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  int64_t base = (int64_t)luaL_checkinteger(L, 2), as_of = (int64_t)luaL_checkinteger(L, 3);
  int has_months = !lua_isnoneornil(L, 4);
  int64_t nmonths = has_months ? (int64_t)luaL_checkinteger(L, 4) : -1;
  lua_settop(L, 5);
  if (!lua_isnil(L, 5)) luaL_checktype(L, 5, LUA_TTABLE);
  const char *column = NULL, *label = NULL;
  int64_t *members = NULL, nmembers = 0;
  double *target = NULL, alpha = churn__lua_opt_number(L, 5, "alpha", 0.05);
  churn_cohort_kind kind = opt_kind(L, 5, "model");
  churn_status st = CHURN_OK;
  if (lua_istable(L, 5)) {
    if (lua_getfield(L, 5, "column") != LUA_TNIL) column = luaL_checkstring(L, -1);
    if (lua_getfield(L, 5, "label") != LUA_TNIL) label = luaL_checkstring(L, -1);
    if (lua_getfield(L, 5, "target") != LUA_TNIL) {
      int64_t nt;
      st = churn__lua_numbers(L, -1, "target", 0, nmonths, "one per month 1..nmonths", &target,
                              &nt, msg, sizeof msg);
      if (st == CHURN_OK && !has_months) nmonths = nt;
    }
    if (st == CHURN_OK && lua_getfield(L, 5, "members") != LUA_TNIL)
      st = churn__lua_integers(L, -1, "members", "an index", 1,
                               churn_dataset_num_subscribers(ds), 1, -1, NULL, &members,
                               &nmembers, msg, sizeof msg);
  }
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  if (nmonths < 0)
    return churn__lua_failf(L, CHURN_E_ARG, "give nmonths, or opts.target (its length sets "
                            "them)");
  churn_options *opts;
  st = churn__lua_options(L, 5, "kpi", skip, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  lua_cohort *c = new_cohort(L, 0, 0);
  int model = lua_gettop(L);
  churn_table *t = NULL;
  st = churn_kpi_snapshot_forecast(ds, base, as_of, nmonths, column, label, members, nmembers,
                                   target, kind, alpha, opts, &t, &c->model);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  lua_pushvalue(L, model);
  return 2;
}

/* --- registration ------------------------------------------------------------------------ */

static const luaL_Reg COHORT_META[] = {
    {"__gc", cohort_finalize},
    {"__close", cohort_finalize},
    {"__tostring", cohort_tostring},
    {NULL, NULL},
};

static const luaL_Reg COHORT_METHODS[] = {
    {"kind", c_kind},
    {"params", c_params},
    {"survival", c_survival},
    {"retention_rate", c_retention_rate},
    {"forecast", c_forecast},
    {"derl", c_derl},
    {"close", cohort_finalize},
    {NULL, NULL},
};

void churn__lua_open_cohort(lua_State *L) {
  if (luaL_newmetatable(L, CHURN_LUA_COHORT_MT)) {
    luaL_setfuncs(L, COHORT_META, 0);
    luaL_newlib(L, COHORT_METHODS);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, l_cohort_fit);
  lua_setfield(L, -2, "cohort_fit");
  luaL_getmetatable(L, CHURN_LUA_DATASET_MT);
  lua_getfield(L, -1, "__index");
  lua_pushcfunction(L, d_kpi_snapshot_forecast);
  lua_setfield(L, -2, "kpi_snapshot_forecast");
  lua_pop(L, 2);
}
