/*
 * lua_survival.c -- survival curves and campaign figures on plain Lua arrays, with the names
 * and argument conventions of the Python binding: churn.kpi.kaplan_meier (delayed entry),
 * cumulative_incidence (categories given by any labels), gray_test, campaign_effect, and
 * churn.metrics.qini_curve / qini_auc.  Results are arrays of row tables; bad arrays (holes,
 * values that are not numbers, wrong lengths) return nil, message, code with 1-based indices.
 */
#include "churn_lua.h"

#define MSG_LEN 256

static int push_rows(lua_State *L, churn_status st, churn_table *t) {
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  return 1;
}

/* Reads opts.entry (an array as long as duration) when the table at idx has one. */
static churn_status read_entry(lua_State *L, int idx, int64_t n, double **entry, char *msg) {
  *entry = NULL;
  if (!lua_istable(L, idx) || lua_getfield(L, idx, "entry") == LUA_TNIL) return CHURN_OK;
  int64_t ne;
  return churn__lua_numbers(L, -1, "entry", 0, n, "the length of duration", entry, &ne, msg,
                            MSG_LEN);
}

/* churn.kpi.kaplan_meier(duration, event [, {entry=, alpha=}]) -> rows {time=, at_risk=,
 * events=, survival=, std_err=, ci_low=, ci_high=}; event 1/true churned, 0/false censored. */
static int k_kaplan_meier(lua_State *L) {
  static const char *const keys[] = {"entry", "alpha", NULL};
  char msg[MSG_LEN];
  lua_settop(L, 3);
  churn__lua_check_keys(L, 3, keys);
  double alpha = churn__lua_opt_number(L, 3, "alpha", 0.05);
  double *d, *e, *entry = NULL;
  int64_t n, ne;
  churn_status st = churn__lua_numbers(L, 1, "duration", 0, -1, NULL, &d, &n, msg, MSG_LEN);
  if (st == CHURN_OK)
    st = churn__lua_numbers(L, 2, "event", 1, n, "the length of duration", &e, &ne, msg, MSG_LEN);
  if (st == CHURN_OK) st = read_entry(L, 3, n, &entry, msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  churn_table *t = NULL;
  st = churn_survival_km(d, e, entry, n, alpha, &t);
  return push_rows(L, st, t);
}

/* churn.kpi.cumulative_incidence(duration, event [, {entry=, alpha=}]) -> rows {time=,
 * category=, cif=, std_err=, ci_low=, ci_high=}: event 0, false or churn.missing for censored,
 * else the category's label ("competitive", 2, ...), which comes back as category. */
static int k_cumulative_incidence(lua_State *L) {
  static const char *const keys[] = {"entry", "alpha", NULL};
  char msg[MSG_LEN];
  lua_settop(L, 3);
  churn__lua_check_keys(L, 3, keys);
  double alpha = churn__lua_opt_number(L, 3, "alpha", 0.05);
  double *d, *entry = NULL;
  int64_t n, *codes = NULL, k = 0;
  churn_status st = churn__lua_numbers(L, 1, "duration", 0, -1, NULL, &d, &n, msg, MSG_LEN);
  if (st == CHURN_OK)
    st = churn__lua_labels(L, 2, "event", 1, n, "the length of duration", &codes, &k, msg,
                           MSG_LEN);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  int labels = lua_gettop(L);
  st = read_entry(L, 3, n, &entry, msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  churn_table *t = NULL;
  st = churn_survival_cif(d, codes, entry, n, alpha, &t);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  churn__lua_relabel(L, -1, "category", labels, 0);
  return 1;
}

/* churn.kpi.gray_test(duration, event, group [, {rho=}]) -> rows {category=, statistic=, df=,
 * p_value=, score=, variance=}: Gray's test of equal cumulative incidence of each category in
 * two groups; event as in cumulative_incidence; group holds two distinct labels, the one that
 * sorts first is the group whose score is reported. */
static int k_gray_test(lua_State *L) {
  static const char *const keys[] = {"rho", NULL};
  char msg[MSG_LEN];
  lua_settop(L, 4);
  churn__lua_check_keys(L, 4, keys);
  double rho = churn__lua_opt_number(L, 4, "rho", 0.0);
  double *d;
  int64_t n, *codes = NULL, *groups = NULL, k = 0, ngroups = 0;
  churn_status st = churn__lua_numbers(L, 1, "duration", 0, -1, NULL, &d, &n, msg, MSG_LEN);
  if (st == CHURN_OK)
    st = churn__lua_labels(L, 2, "event", 1, n, "the length of duration", &codes, &k, msg,
                           MSG_LEN);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  int labels = lua_gettop(L);
  st = churn__lua_labels(L, 3, "group", 0, n, "the length of duration", &groups, &ngroups, msg,
                         MSG_LEN);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  if (ngroups != 2)
    return churn__lua_failf(L, CHURN_E_DATA,
                            "group must hold exactly two distinct labels; got %lld",
                            (long long)ngroups);
  churn_table *t = NULL;
  st = churn_survival_gray_test(d, codes, groups, n, rho, &t);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  churn__lua_relabel(L, -1, "category", labels, 0);
  return 1;
}

/* The segment labels at idx as C strings: strings as they are, numbers as their text,
 * churn.missing as "(missing)" (Python's None).  The strings are kept alive by a table pushed
 * with the array. */
static churn_status read_segments(lua_State *L, int idx, int64_t n, const char ***out,
                                  char *msg) {
  idx = lua_absindex(L, idx);
  if (!lua_istable(L, idx))
    luaL_error(L, "segment must be an array of strings, got %s", luaL_typename(L, idx));
  int64_t len = (int64_t)lua_rawlen(L, idx);
  if (len != n) {
    snprintf(msg, MSG_LEN, "segment has %lld values, treated has %lld", (long long)len,
             (long long)n);
    return CHURN_E_ARG;
  }
  const char **seg = churn__lua_scratch(L, (size_t)n * sizeof *seg);
  lua_createtable(L, (int)(n < 1 << 24 ? n : 0), 0);
  int anchor = lua_gettop(L);
  for (int64_t i = 0; i < n; i++) {
    int t = lua_rawgeti(L, idx, (lua_Integer)i + 1);
    if (t == LUA_TLIGHTUSERDATA && churn__lua_is_missing(L, -1)) {
      lua_pop(L, 1);
      lua_pushliteral(L, "(missing)");
    } else if (t == LUA_TNUMBER) {
      luaL_tolstring(L, -1, NULL);
      lua_remove(L, -2);
    } else if (t != LUA_TSTRING) {
      snprintf(msg, MSG_LEN, "segment[%lld] is %s%s, not a string", (long long)i + 1,
               t == LUA_TNIL ? "" : "a ", t == LUA_TNIL ? "nil (a hole)" : luaL_typename(L, -1));
      return CHURN_E_DATA;
    }
    seg[i] = lua_tostring(L, -1);
    lua_rawseti(L, anchor, (lua_Integer)i + 1);
  }
  *out = seg;
  return CHURN_OK;
}

/* churn.kpi.campaign_effect(treated, churned [, segment [, {alpha=}]]) -> rows {segment=,
 * treated=, control=, treated_churned=, control_churned=, churn_rate_treated=,
 * churn_rate_control=, difference=, ci_low=, ci_high=, relative_reduction=, saved_per_1000=},
 * one per segment label (byte order) then "(all)"; treated and churned 0/1 or booleans. */
static int k_campaign_effect(lua_State *L) {
  static const char *const keys[] = {"alpha", NULL};
  char msg[MSG_LEN];
  lua_settop(L, 4);
  churn__lua_check_keys(L, 4, keys);
  double alpha = churn__lua_opt_number(L, 4, "alpha", 0.05);
  double *treated, *churned;
  const char **segment = NULL;
  int64_t n, nc;
  churn_status st = churn__lua_numbers(L, 1, "treated", 1, -1, NULL, &treated, &n, msg, MSG_LEN);
  if (st == CHURN_OK)
    st = churn__lua_numbers(L, 2, "churned", 1, n, "the length of treated", &churned, &nc, msg,
                            MSG_LEN);
  if (st == CHURN_OK && !lua_isnil(L, 3)) st = read_segments(L, 3, n, &segment, msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  churn_table *t = NULL;
  st = churn_campaign_effect(treated, churned, segment, n, alpha, &t);
  return push_rows(L, st, t);
}

/* score, treated and churned of the Qini calls (arguments 1..3). */
static churn_status uplift_inputs(lua_State *L, double **s, double **t, double **c, int64_t *n,
                                  char *msg) {
  int64_t nt, nc;
  churn_status st = churn__lua_numbers(L, 1, "score", 0, -1, NULL, s, n, msg, MSG_LEN);
  if (st == CHURN_OK)
    st = churn__lua_numbers(L, 2, "treated", 1, *n, "the length of score", t, &nt, msg, MSG_LEN);
  if (st == CHURN_OK)
    st = churn__lua_numbers(L, 3, "churned", 1, *n, "the length of score", c, &nc, msg, MSG_LEN);
  return st;
}

/* churn.metrics.qini_curve(score, treated, churned) -> rows {n=, share=, treated=, control=,
 * treated_churned=, control_churned=, qini=, random=} */
static int m_qini_curve(lua_State *L) {
  char msg[MSG_LEN];
  double *s, *t, *c;
  int64_t n;
  lua_settop(L, 3);
  churn_status st = uplift_inputs(L, &s, &t, &c, &n, msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  churn_table *out = NULL;
  st = churn_eval_qini_curve(s, t, c, n, &out);
  return push_rows(L, st, out);
}

/* churn.metrics.qini_auc(score, treated, churned) -> the Qini coefficient */
static int m_qini_auc(lua_State *L) {
  char msg[MSG_LEN];
  double *s, *t, *c, auc;
  int64_t n;
  lua_settop(L, 3);
  churn_status st = uplift_inputs(L, &s, &t, &c, &n, msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  st = churn_eval_qini_auc(s, t, c, n, &auc);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  lua_pushnumber(L, auc);
  return 1;
}

static const luaL_Reg KPI_FUNCS[] = {
    {"kaplan_meier", k_kaplan_meier},
    {"cumulative_incidence", k_cumulative_incidence},
    {"gray_test", k_gray_test},
    {"campaign_effect", k_campaign_effect},
    {NULL, NULL},
};

static const luaL_Reg METRICS_FUNCS[] = {
    {"qini_curve", m_qini_curve},
    {"qini_auc", m_qini_auc},
    {NULL, NULL},
};

/* Adds funcs to the sub-table `name` of the module table on top (created when absent). */
static void add_to_subtable(lua_State *L, const char *name, const luaL_Reg *funcs) {
  if (lua_getfield(L, -1, name) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
  }
  luaL_setfuncs(L, funcs, 0);
  lua_pop(L, 1);
}

void churn__lua_open_survival(lua_State *L) {
  add_to_subtable(L, "kpi", KPI_FUNCS);
  add_to_subtable(L, "metrics", METRICS_FUNCS);
}
