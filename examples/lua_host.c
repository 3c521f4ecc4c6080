/*
 * lua_host.c -- the shape of a vendor's BSS integration: a C program that embeds Lua and
 * libchurn.  The host owns the model (loads it from a file with the C API), exposes it to a Lua
 * rule script through the churn module, and asks the script what to do with each subscriber.
 *
 * Usage: lua_host RULES.lua [MODEL.msgpack]
 * Without a model file it first trains a small demo model on made-up subscribers and saves it
 * to a temporary file (standing in for the nightly training job), then loads that file.
 */
#include <churn.h>
#include <churn_lua.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NF 5
/* Catalog feature names (churn.h section 5), so the reasons carry their churn category. */
static const char *const FEATURES[NF] = {"account.tenure_months", "payment.arrears",
                                         "service.faults", "service.complaints",
                                         "usage.view_drop"};

/* A subscriber as the BSS holds it. */
typedef struct bss_subscriber {
  const char *id;
  double x[NF];
  int vip;
} bss_subscriber;

static const bss_subscriber TODAY[] = {
    {"S-1001", {3, 120, 3, 1, 0.1}, 0},   /* new, in arrears, many faults */
    {"S-1002", {96, 0, 0, 0, 0.05}, 0},   /* long-standing and quiet */
    {"S-1003", {40, 250, 0, 0, 0.2}, 1},  /* VIP with large arrears */
    {"S-1004", {24, 10, 0, 0, 0.8}, 0},   /* stopped watching */
};

static int check(churn_status st, const char *what) {
  if (st == CHURN_OK) return 0;
  fprintf(stderr, "%s: %s: %s\n", what, churn_status_name(st), churn_last_error());
  return 1;
}

/* Trains the demo model on a deterministic made-up sample and saves it to path. */
static int train_demo_model(const char *path) {
  enum { N = 400 };
  static double x[N * NF], y[N];
  uint64_t s = 42;
  for (int i = 0; i < N; i++) {
    double u[NF + 1];
    for (int j = 0; j <= NF; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      u[j] = (double)(s >> 11) / 9007199254740992.0;
    }
    double *r = &x[i * NF];
    r[0] = floor(u[0] * 120), r[1] = floor(u[1] * 300), r[2] = floor(u[2] * 4);
    r[3] = floor(u[3] * 3), r[4] = u[4];
    double eta = -1.0 - 0.03 * r[0] + 0.008 * r[1] + 0.7 * r[2] + 0.4 * r[3] + 2.0 * r[4];
    y[i] = u[5] < 1 / (1 + exp(-eta)) ? 1 : 0;
  }
  churn_model *model = NULL;
  if (check(churn_model_fit(x, CHURN_F64, N, NF, NF, y, NULL, FEATURES, NULL, &model), "fit"))
    return 1;
  int rc = check(churn_model_save(model, path), "save");
  churn_model_free(model);
  return rc;
}

/* Pushes a subscriber as the {field = value} table the rules read: the model's features by
 * name plus BSS fields (id, vip) that the model ignores. */
static void push_subscriber(lua_State *L, const bss_subscriber *sub) {
  lua_createtable(L, 0, NF + 2);
  for (int j = 0; j < NF; j++) {
    lua_pushnumber(L, sub->x[j]);
    lua_setfield(L, -2, FEATURES[j]);
  }
  lua_pushinteger(L, sub->vip);
  lua_setfield(L, -2, "vip");
  lua_pushstring(L, sub->id);
  lua_setfield(L, -2, "id");
}

/* Calls rules.decide(model, subscriber) (rules at index 1, model at 2) and prints the work order. */
static int decide(lua_State *L, const bss_subscriber *sub) {
  lua_getfield(L, 1, "decide");
  lua_pushvalue(L, 2);
  push_subscriber(L, sub);
  if (lua_pcall(L, 2, 3, 0) != LUA_OK) {
    fprintf(stderr, "rules failed for %s: %s\n", sub->id, lua_tostring(L, -1));
    lua_pop(L, 1);
    return 1;
  }
  const char *action = lua_tostring(L, -3);
  if (!action || !lua_isnumber(L, -2) || !lua_istable(L, -1)) {
    fprintf(stderr, "rules returned no action for %s\n", sub->id);
    lua_pop(L, 3);
    return 1;
  }
  printf("%s  p=%.3f  action=%-36s reasons:", sub->id, lua_tonumber(L, -2), action);
  lua_Integer nr = luaL_len(L, -1);
  for (lua_Integer r = 1; r <= nr; r++) {
    lua_rawgeti(L, -1, r);
    lua_getfield(L, -1, "feature");
    lua_getfield(L, -2, "contribution");
    lua_getfield(L, -3, "category");
    printf(" %s[%s](%+.2f)", lua_tostring(L, -3), lua_isstring(L, -1) ? lua_tostring(L, -1) : "?",
           lua_tonumber(L, -2));
    lua_pop(L, 4);
  }
  printf("\n");
  lua_pop(L, 3);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s RULES.lua [MODEL.msgpack]\n", argv[0]);
    return 2;
  }
  char demo_path[512];
  const char *model_path = argc == 3 ? argv[2] : NULL;
  if (!model_path) {
    const char *tmp = getenv("TMPDIR");
    snprintf(demo_path, sizeof demo_path, "%s/lua_host_demo_%ld.msgpack", tmp ? tmp : "/tmp",
             (long)getpid());
    if (train_demo_model(demo_path)) return 1;
    model_path = demo_path;
  }
  churn_model *model = NULL;
  churn_status st = churn_model_load(model_path, &model);
  if (model_path == demo_path) remove(demo_path);
  if (check(st, "load")) return 1;

  lua_State *L = luaL_newstate();
  if (!L) {
    churn_model_free(model);
    return 1;
  }
  luaL_openlibs(L);
  luaL_requiref(L, "churn", luaopen_churn, 1);  /* also makes `require "churn"` work */
  lua_pop(L, 1);
  int rc = 1;
  if (luaL_dofile(L, argv[1]) != LUA_OK || !lua_istable(L, -1)) {
    fprintf(stderr, "loading %s: %s\n", argv[1],
            lua_isstring(L, -1) ? lua_tostring(L, -1) : "the script must return a table");
    churn_model_free(model);
  } else {
    churn_lua_push_model(L, model);  /* Lua owns the model from here */
    printf("libchurn %s, rules %s\n", churn_version_string(), argv[1]);
    rc = 0;
    for (size_t i = 0; i < sizeof TODAY / sizeof TODAY[0]; i++) rc |= decide(L, &TODAY[i]);
  }
  lua_close(L);  /* collects the model */
  return rc;
}
