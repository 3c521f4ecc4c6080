/*
 * lua_kpi.c -- the retention KPIs in Lua as dataset methods returning arrays of row tables:
 * monthly movement (churn rate against target), ARPU, churn by segment, win-back rate,
 * snapshot retention, warning accuracy (of a warning list or a model's top-k list), contact
 * compliance of a warning list and
 * Kaplan-Meier / cumulative-incidence curves by tenure.  Times are Unix seconds; subscriber
 * indices are 1-based as everywhere in Lua.
 */
#include "churn_lua.h"

#include <stdint.h>

typedef churn_status (*period_kpi)(const churn_dataset *, int64_t, int64_t, const char *,
                                   const churn_options *, churn_table **);

/* ds:kpi_xxx(from, to [, segment [, opts]]) for the KPIs over a period with a grouping. */
static int period(lua_State *L, period_kpi fn) {
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  int64_t from = (int64_t)luaL_checkinteger(L, 2), to = (int64_t)luaL_checkinteger(L, 3);
  const char *segment = luaL_optstring(L, 4, NULL);
  lua_settop(L, 5);
  churn_options *opts;
  churn_status st = churn__lua_options(L, 5, "kpi,churn", NULL, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn_table *t;
  st = fn(ds, from, to, segment, opts, &t);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn__lua_push_table(L, t);
  return 1;
}

/* ds:kpi_movement(from, to [, segment [, opts]]) -> rows {month=, opening=, activations=,
 * churned=, closing=, churn_rate=, target=, margin=, ...} */
static int d_kpi_movement(lua_State *L) { return period(L, churn_kpi_movement); }
/* ds:kpi_arpu(from, to [, segment [, opts]]) -> rows {month=, revenue=, arpu=, change=, ...} */
static int d_kpi_arpu(lua_State *L) { return period(L, churn_kpi_arpu); }
/* ds:kpi_segments(from, to [, segment [, opts]]) -> rows {segment=, churn_rate=, ci_low=, ...} */
static int d_kpi_segments(lua_State *L) { return period(L, churn_kpi_segments); }
/* ds:kpi_winback(from, to [, by [, opts]]) -> rows {group=, churned=, won_back=,
 * win_back_rate=, attempted=, success_rate=, kept=, ...}: the domain's win-back */
static int d_kpi_winback(lua_State *L) { return period(L, churn_kpi_winback_rate); }
/* ds:kpi_retention_contacts(from, to [, by [, opts]]) -> rows {group=, attempted=,
 * won_back=, ...}: the outcomes of retention contacts */
static int d_kpi_retention_contacts(lua_State *L) {
  return period(L, churn_kpi_retention_contacts);
}

/* The 1-based subscriber indices of the array at idx (named what) as 0-based ones, checked
 * against the dataset's subscribers; as churn__lua_integers. */
static churn_status read_members(lua_State *L, int idx, const churn_dataset *ds, const char *what,
                                 int64_t **out, int64_t *n, char *msg, size_t msglen) {
  return churn__lua_integers(L, idx, what, "an index", 1,
                             churn_dataset_num_subscribers(ds), 1, -1, NULL, out, n, msg, msglen);
}

/* ds:kpi_snapshot(base_date, nmonths [, opts]) -> rows {month_index=, month=, cohort=,
 * active=, retention=, target=, margin=}.  opts: kpi.* options plus column/label (a cohort
 * filter such as column = "tier", label = "high"), members (1-based indices) and target (one
 * value per month). */
static int d_kpi_snapshot(lua_State *L) {
  static const char *const skip[] = {"column", "label", "members", "target", NULL};
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  int64_t base = (int64_t)luaL_checkinteger(L, 2), nmonths = (int64_t)luaL_checkinteger(L, 3);
  lua_settop(L, 4);
  if (!lua_isnil(L, 4)) luaL_checktype(L, 4, LUA_TTABLE);
  const char *column = NULL, *label = NULL;
  int64_t *members = NULL, nmembers = 0, ntarget = 0;
  double *target = NULL;
  char msg[256];
  churn_status st = CHURN_OK;
  if (lua_istable(L, 4)) {
    if (lua_getfield(L, 4, "column") != LUA_TNIL) column = luaL_checkstring(L, -1);
    if (lua_getfield(L, 4, "label") != LUA_TNIL) label = luaL_checkstring(L, -1);
    if (lua_getfield(L, 4, "members") != LUA_TNIL)
      st = read_members(L, -1, ds, "members", &members, &nmembers, msg, sizeof msg);
    if (st == CHURN_OK && lua_getfield(L, 4, "target") != LUA_TNIL)
      st = churn__lua_numbers(L, -1, "target", 0, -1, NULL, &target, &ntarget, msg, sizeof msg);
  }
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  if (target && ntarget != nmonths)
    return churn__lua_failf(L, CHURN_E_ARG, "target has %d values for %d months", (int)ntarget,
                            (int)nmonths);
  churn_options *opts;
  st = churn__lua_options(L, 4, "kpi,churn", skip, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn_table *t;
  st = churn_kpi_snapshot(ds, base, nmonths, column, label, members, nmembers, target, opts, &t);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  return 1;
}

/* ds:kpi_warning_accuracy(as_of, horizon_end, warnings [, opts]) -> rows {rule=, warned=,
 * warned_churned=, churners=, recall=, precision=, outside_base=}; warnings: the rows of
 * ds:warnings (their subscriber and rule fields); opts: churn.* (definition, inactive_months). */
static int d_kpi_warning_accuracy(lua_State *L) {
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  int64_t as_of = (int64_t)luaL_checkinteger(L, 2), end = (int64_t)luaL_checkinteger(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 5);
  churn_options *opts;
  churn_status ost = churn__lua_options(L, 5, "kpi,churn", NULL, &opts);
  if (ost != CHURN_OK) return churn__lua_fail(L, ost);
  int64_t n = (int64_t)lua_rawlen(L, 4), S = churn_dataset_num_subscribers(ds);
  int64_t *subs = churn__lua_scratch(L, (size_t)n * sizeof *subs);
  const char **rules = churn__lua_scratch(L, (size_t)n * sizeof *rules);
  for (int64_t i = 0; i < n; i++) {
    if (lua_rawgeti(L, 4, (lua_Integer)i + 1) != LUA_TTABLE)
      luaL_error(L, "warning %d is not a table", (int)(i + 1));
    lua_getfield(L, -1, "subscriber");
    lua_getfield(L, -2, "rule");
    lua_Integer sub = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
    if (!lua_isinteger(L, -2) || lua_type(L, -1) != LUA_TSTRING)
      return churn__lua_failf(L, CHURN_E_DATA, "warnings[%lld] needs an integer subscriber and a "
                              "string rule (got %s and %s)", (long long)i + 1,
                              luaL_typename(L, -2), luaL_typename(L, -1));
    if (sub < 1 || sub > S)
      return churn__lua_failf(L, CHURN_E_ARG, "warnings[%lld].subscriber = %lld is not a "
                              "subscriber index in 1..%lld", (long long)i + 1, (long long)sub,
                              (long long)S);
    subs[i] = (int64_t)sub - 1;
    rules[i] = lua_tostring(L, -1); /* a string field of the warning row: kept by the row */
    lua_pop(L, 3);
  }
  churn_table *t;
  churn_status st = churn_kpi_warning_accuracy_opts(ds, as_of, end, subs, rules, n, opts, &t);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  return 1;
}

/* ds:kpi_contact_compliance(warnings [, by]) -> rows {group=, warned=, contacted=,
 * compliance=, ci_low=, ci_high=, late=}; warnings: the rows of ds:warnings (their subscriber,
 * as_of and deadline fields, and the text field named by: "route" by default, "manager",
 * "rule", ...; by = false for the total only). */
static int d_kpi_contact_compliance(lua_State *L) {
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  const char *by = lua_isnoneornil(L, 3) ? "route" : lua_toboolean(L, 3) ? luaL_checkstring(L, 3)
                                                                           : NULL;
  lua_settop(L, 3);
  int64_t n = (int64_t)lua_rawlen(L, 2), S = churn_dataset_num_subscribers(ds);
  int64_t *subs = churn__lua_scratch(L, (size_t)n * sizeof *subs);
  int64_t *as_of = churn__lua_scratch(L, (size_t)n * sizeof *as_of);
  int64_t *deadline = churn__lua_scratch(L, (size_t)n * sizeof *deadline);
  const char **group = by ? churn__lua_scratch(L, (size_t)n * sizeof *group) : NULL;
  for (int64_t i = 0; i < n; i++) {
    if (lua_rawgeti(L, 2, (lua_Integer)i + 1) != LUA_TTABLE)
      luaL_error(L, "warning %d is not a table", (int)(i + 1));
    lua_getfield(L, -1, "subscriber");
    lua_getfield(L, -2, "as_of");
    lua_getfield(L, -3, "deadline");
    lua_getfield(L, -4, by ? by : "subscriber");
    if (!lua_isinteger(L, -4) || !lua_isinteger(L, -3) || !lua_isinteger(L, -2) ||
        (by && lua_type(L, -1) != LUA_TSTRING))
      return churn__lua_failf(L, CHURN_E_DATA, "warnings[%lld] needs integer subscriber, as_of "
                              "and deadline%s%s", (long long)i + 1, by ? " and a string " : "",
                              by ? by : "");
    lua_Integer sub = lua_tointeger(L, -4);
    if (sub < 1 || sub > S)
      return churn__lua_failf(L, CHURN_E_ARG, "warnings[%lld].subscriber = %lld is not a "
                              "subscriber index in 1..%lld", (long long)i + 1, (long long)sub,
                              (long long)S);
    subs[i] = (int64_t)sub - 1;
    as_of[i] = (int64_t)lua_tointeger(L, -3);
    deadline[i] = (int64_t)lua_tointeger(L, -2);
    if (by) group[i] = lua_tostring(L, -1); /* a string field of the row: kept by the row */
    lua_pop(L, 5);
  }
  churn_table *t;
  churn_status st = churn_kpi_contact_compliance(ds, subs, as_of, deadline, group, n, NULL, &t);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  return 1;
}

/* ds:kpi_topk_accuracy(as_of, horizon_end, scores, ks) -> rows {k=, flagged=,
 * flagged_churned=, churners=, recall=, precision=}; scores: one per subscriber. */
static int d_kpi_topk_accuracy(lua_State *L) {
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  int64_t as_of = (int64_t)luaL_checkinteger(L, 2), end = (int64_t)luaL_checkinteger(L, 3);
  lua_settop(L, 5);
  char msg[256];
  int64_t nscores, nk, *k = NULL;
  double *scores = NULL;
  churn_status st = churn__lua_numbers(L, 4, "scores", 0, -1, NULL, &scores, &nscores, msg,
                                       sizeof msg);
  if (st == CHURN_OK)
    st = churn__lua_integers(L, 5, "ks", "an integer", INT64_MIN, INT64_MAX, 0, -1, NULL, &k, &nk,
                             msg, sizeof msg);
  if (st != CHURN_OK) return churn__lua_failf(L, st, "%s", msg);
  churn_table *t;
  st = churn_kpi_topk_accuracy(ds, as_of, end, scores, nscores, k, nk, &t);
  if (st != CHURN_OK) return churn__lua_fail_1based(L, st);
  churn__lua_push_table(L, t);
  return 1;
}

typedef churn_status (*curve_kpi)(const churn_dataset *, int64_t, int64_t, const char *, double,
                                  const churn_options *, churn_table **);

/* ds:kpi_km / ds:kpi_cif(window_start, as_of [, segment [, opts]]): opts.alpha (default 0.05)
 * plus kpi.* options; window_start may be churn.TIME_NONE. */
static int curve(lua_State *L, curve_kpi fn) {
  static const char *const skip[] = {"alpha", NULL};
  churn_dataset *ds = churn__lua_check_dataset(L, 1);
  int64_t start = (int64_t)luaL_checkinteger(L, 2), as_of = (int64_t)luaL_checkinteger(L, 3);
  const char *segment = luaL_optstring(L, 4, NULL);
  lua_settop(L, 5);
  double alpha = 0.05;
  if (lua_istable(L, 5) && lua_getfield(L, 5, "alpha") != LUA_TNIL)
    alpha = luaL_checknumber(L, -1);
  churn_options *opts;
  churn_status st = churn__lua_options(L, 5, "kpi,churn", skip, &opts);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn_table *t;
  st = fn(ds, start, as_of, segment, alpha, opts, &t);
  if (st != CHURN_OK) return churn__lua_fail(L, st);
  churn__lua_push_table(L, t);
  return 1;
}
static int d_kpi_km(lua_State *L) { return curve(L, churn_kpi_km); }
static int d_kpi_cif(lua_State *L) { return curve(L, churn_kpi_cif); }

static const luaL_Reg KPI_METHODS[] = {
    {"kpi_movement", d_kpi_movement},
    {"kpi_arpu", d_kpi_arpu},
    {"kpi_segments", d_kpi_segments},
    {"kpi_winback", d_kpi_winback},
    {"kpi_retention_contacts", d_kpi_retention_contacts},
    {"kpi_snapshot", d_kpi_snapshot},
    {"kpi_warning_accuracy", d_kpi_warning_accuracy},
    {"kpi_contact_compliance", d_kpi_contact_compliance},
    {"kpi_topk_accuracy", d_kpi_topk_accuracy},
    {"kpi_km", d_kpi_km},
    {"kpi_cif", d_kpi_cif},
    {NULL, NULL},
};

void churn__lua_open_kpi(lua_State *L) {
  luaL_getmetatable(L, CHURN_LUA_DATASET_MT);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, KPI_METHODS, 0);
  lua_pop(L, 2);
}
