/*
 * lua_vectors.c -- Lua arrays into the C vectors of the survival, cohort and campaign calls:
 * numbers read one by one (holes, values of the wrong type and wrong lengths come back as
 * messages with 1-based indices), category and group labels turned into codes and back, small
 * option tables, and libchurn's 0-based indices in its messages shown 1-based as in Lua.
 * Integer arrays (indices, times, k) are read through the number reader and checked whole.
 */
#include "churn_lua.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- arrays ------------------------------------------------------------------------------ */

/* The length of the array at idx when it has no holes: every positive integer key is in
 * 1..#t.  Otherwise names the first missing element in msg and returns CHURN_E_DATA. */
static churn_status array_length(lua_State *L, int idx, const char *what, int64_t *n, char *msg,
                                 size_t msglen) {
  lua_Integer len = (lua_Integer)lua_rawlen(L, idx), top = len;
  for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
    if (lua_isinteger(L, -2) && lua_tointeger(L, -2) > top) top = lua_tointeger(L, -2);
  }
  if (top > len) {
    snprintf(msg, msglen, "%s[%lld] is nil but %s[%lld] is set: arrays must not have holes", what,
             (long long)len + 1, what, (long long)top);
    return CHURN_E_DATA;
  }
  *n = (int64_t)len;
  return CHURN_OK;
}

churn_status churn__lua_numbers(lua_State *L, int idx, const char *what, int booleans,
                                int64_t want, const char *want_what, double **out, int64_t *n,
                                char *msg, size_t msglen) {
  idx = lua_absindex(L, idx);
  if (!lua_istable(L, idx))
    luaL_error(L, "%s must be an array of numbers, got %s", what, luaL_typename(L, idx));
  churn_status st = array_length(L, idx, what, n, msg, msglen);
  if (st != CHURN_OK) return st;
  if (want >= 0 && *n != want) {
    snprintf(msg, msglen, "%s has %lld values, expected %lld (%s)", what, (long long)*n,
             (long long)want, want_what);
    return CHURN_E_ARG;
  }
  double *v = churn__lua_scratch(L, (size_t)*n * sizeof *v);
  for (int64_t i = 0; i < *n; i++) {
    int t = lua_rawgeti(L, idx, (lua_Integer)i + 1);
    int ok = 1;
    if (t == LUA_TNUMBER) {
      v[i] = (double)lua_tonumber(L, -1);
    } else if (t == LUA_TBOOLEAN && booleans) {
      v[i] = lua_toboolean(L, -1) ? 1.0 : 0.0;
    } else if (t == LUA_TNIL) {
      ok = 0;
      snprintf(msg, msglen, "%s[%lld] is nil: arrays must not have holes", what,
               (long long)i + 1);
    } else {
      ok = 0;
      snprintf(msg, msglen, "%s[%lld] is a %s, not a number%s", what, (long long)i + 1,
               luaL_typename(L, -1), booleans ? " or a boolean" : "");
    }
    lua_pop(L, 1);
    if (!ok) return CHURN_E_DATA;
  }
  *out = v;
  return CHURN_OK;
}

churn_status churn__lua_integers(lua_State *L, int idx, const char *what, const char *noun,
                                 int64_t lo, int64_t hi, int64_t shift, int64_t want,
                                 const char *want_what, int64_t **out, int64_t *n, char *msg,
                                 size_t msglen) {
  double *v;
  idx = lua_absindex(L, idx); /* before the scratch is pushed */
  churn_status st = churn__lua_numbers(L, idx, what, 0, want, want_what, &v, n, msg, msglen);
  if (st != CHURN_OK) return st;
  int64_t *w = churn__lua_scratch(L, (size_t)*n * sizeof *w);
  for (int64_t i = 0; i < *n; i++) {
    lua_rawgeti(L, idx, (lua_Integer)i + 1);
    int isint = 0;
    lua_Integer whole = lua_tointegerx(L, -1, &isint); /* exact for integers (CHURN_TIME_NONE) */
    lua_pop(L, 1);
    if (!isint) {
      snprintf(msg, msglen, "%s[%lld] = %.17g is not %s", what, (long long)i + 1, v[i], noun);
      return CHURN_E_DATA;
    }
    int64_t x = (int64_t)whole;
    if (x < lo || x > hi) {
      snprintf(msg, msglen, "%s[%lld] = %lld is not %s in %lld..%lld", what, (long long)i + 1,
               (long long)x, noun, (long long)lo, (long long)hi);
      return CHURN_E_ARG;
    }
    w[i] = x - shift;
  }
  *out = w;
  return CHURN_OK;
}

/* --- labels ------------------------------------------------------------------------------ */

/* Kinds of label sets: one Lua type each, or mixed (then compared by their text, as Python's
 * sorted(key=str) does). */
enum { LABEL_NUMBERS = 1, LABEL_STRINGS = 2, LABEL_BOOLEANS = 4 };

static void push_text(lua_State *L, int idx) {
  if (lua_type(L, idx) == LUA_TSTRING) lua_pushvalue(L, idx);
  else luaL_tolstring(L, idx, NULL);
}

static int bytes_less(lua_State *L, int a, int b) {
  size_t la, lb;
  const char *sa = lua_tolstring(L, a, &la), *sb = lua_tolstring(L, b, &lb);
  int c = memcmp(sa, sb, la < lb ? la : lb);
  return c < 0 || (c == 0 && la < lb);
}

/* Whether the label at stack index a sorts before the one at b (absolute indices). */
static int label_less(lua_State *L, int a, int b, int kinds) {
  switch (kinds) {
    case LABEL_NUMBERS: return lua_compare(L, a, b, LUA_OPLT);
    case LABEL_STRINGS: return bytes_less(L, a, b);
    case LABEL_BOOLEANS: return !lua_toboolean(L, a) && lua_toboolean(L, b);
    default: {
      push_text(L, a);
      push_text(L, b);
      int less = bytes_less(L, -2, -1);
      lua_pop(L, 2);
      return less;
    }
  }
}

/* Sorts the array of k labels at idx in place (a stable merge sort: labels are distinct). */
static void sort_labels(lua_State *L, int idx, int64_t k, int kinds) {
  if (k < 2) return;
  lua_Integer *a = churn__lua_scratch(L, (size_t)k * sizeof *a);
  lua_Integer *b = churn__lua_scratch(L, (size_t)k * sizeof *b);
  for (int64_t i = 0; i < k; i++) a[i] = (lua_Integer)i + 1;
  for (int64_t width = 1; width < k; width *= 2) {
    for (int64_t lo = 0; lo < k; lo += 2 * width) {
      int64_t mid = lo + width < k ? lo + width : k, hi = lo + 2 * width < k ? lo + 2 * width : k;
      int64_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi) {
        lua_rawgeti(L, idx, a[j]);
        lua_rawgeti(L, idx, a[i]);
        int take_right = label_less(L, lua_absindex(L, -2), lua_absindex(L, -1), kinds);
        lua_pop(L, 2);
        b[o++] = take_right ? a[j++] : a[i++];
      }
      while (i < mid) b[o++] = a[i++];
      while (j < hi) b[o++] = a[j++];
    }
    lua_Integer *t = a;
    a = b;
    b = t;
  }
  lua_createtable(L, (int)k, 0);
  for (int64_t i = 0; i < k; i++) {
    lua_rawgeti(L, idx, a[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  for (int64_t i = 0; i < k; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i + 1);
    lua_rawseti(L, idx, (lua_Integer)i + 1);
  }
  lua_pop(L, 3); /* the sorted copy and the two index arrays */
}

/* Whether the value at idx means "censored" in an event array: 0, false, NaN, churn.missing. */
static int is_censored(lua_State *L, int idx) {
  int t = lua_type(L, idx);
  if (t == LUA_TBOOLEAN) return !lua_toboolean(L, idx);
  if (t == LUA_TNUMBER) {
    lua_Number x = lua_tonumber(L, idx);
    return x == 0 || x != x;
  }
  return t == LUA_TLIGHTUSERDATA && churn__lua_is_missing(L, idx); /* not nil: a hole */
}

churn_status churn__lua_labels(lua_State *L, int idx, const char *what, int censoring,
                               int64_t want, const char *want_what, int64_t **codes,
                               int64_t *nlabels, char *msg, size_t msglen) {
  idx = lua_absindex(L, idx);
  if (!lua_istable(L, idx))
    luaL_error(L, "%s must be an array of labels, got %s", what, luaL_typename(L, idx));
  int64_t n;
  churn_status st = array_length(L, idx, what, &n, msg, msglen);
  if (st != CHURN_OK) return st;
  if (want >= 0 && n != want) {
    snprintf(msg, msglen, "%s has %lld values, expected %lld (%s)", what, (long long)n,
             (long long)want, want_what);
    return CHURN_E_ARG;
  }
  int64_t *c = churn__lua_scratch(L, (size_t)n * sizeof *c);
  lua_newtable(L); /* label -> code */
  int code_of = lua_gettop(L);
  lua_newtable(L); /* the distinct labels */
  int labels = lua_gettop(L);
  int64_t k = 0;
  int kinds = 0;
  for (int64_t i = 0; i < n; i++) {
    int t = lua_rawgeti(L, idx, (lua_Integer)i + 1);
    const char *bad = NULL;
    if (censoring && is_censored(L, -1)) {
      c[i] = -1;
    } else if (t == LUA_TNUMBER && lua_tonumber(L, -1) != lua_tonumber(L, -1)) {
      bad = "is NaN";
    } else if (t == LUA_TNUMBER || t == LUA_TSTRING || (t == LUA_TBOOLEAN && !censoring)) {
      kinds |= t == LUA_TNUMBER ? LABEL_NUMBERS : t == LUA_TSTRING ? LABEL_STRINGS : LABEL_BOOLEANS;
      lua_pushvalue(L, -1);
      if (lua_rawget(L, code_of) == LUA_TNIL) {
        lua_pushvalue(L, -2);
        lua_pushinteger(L, (lua_Integer)++k);
        lua_rawset(L, code_of);
        lua_pushvalue(L, -2);
        lua_rawseti(L, labels, (lua_Integer)k);
      }
      lua_pop(L, 1);
      c[i] = 0; /* coded below, once the labels are sorted */
    } else if (t == LUA_TNIL) {
      snprintf(msg, msglen, "%s[%lld] is nil: arrays must not have holes%s", what,
               (long long)i + 1, censoring ? " (0, false or churn.missing for censored)" : "");
      lua_pop(L, 1);
      return CHURN_E_DATA;
    } else {
      bad = t == LUA_TBOOLEAN ? "is true" : lua_pushfstring(L, "is a %s", luaL_typename(L, -1));
    }
    if (bad) {
      snprintf(msg, msglen, "%s[%lld] %s, not a label (a number or a string%s)", what,
               (long long)i + 1, bad,
               censoring ? "; 0, false or churn.missing for censored" : " or a boolean");
      lua_settop(L, labels);
      return CHURN_E_DATA;
    }
    lua_pop(L, 1);
  }
  sort_labels(L, labels, k, kinds);
  for (int64_t j = 0; j < k; j++) { /* code_of[label] = its rank */
    lua_rawgeti(L, labels, (lua_Integer)j + 1);
    lua_pushinteger(L, (lua_Integer)j + 1);
    lua_rawset(L, code_of);
  }
  for (int64_t i = 0; i < n; i++) {
    if (c[i] < 0) {
      c[i] = 0;
      continue;
    }
    lua_rawgeti(L, idx, (lua_Integer)i + 1);
    lua_rawget(L, code_of);
    c[i] = (int64_t)lua_tointeger(L, -1) - (censoring ? 0 : 1);
    lua_pop(L, 1);
  }
  lua_remove(L, code_of); /* leaves the codes (scratch) and the sorted labels */
  *codes = c;
  *nlabels = k;
  return CHURN_OK;
}

void churn__lua_relabel(lua_State *L, int rows, const char *column, int labels, int64_t shift) {
  rows = lua_absindex(L, rows);
  labels = lua_absindex(L, labels);
  lua_Integer n = (lua_Integer)lua_rawlen(L, rows);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, rows, i);
    lua_getfield(L, -1, column);
    lua_Integer code = lua_tointeger(L, -1) + (lua_Integer)shift;
    lua_pop(L, 1);
    lua_rawgeti(L, labels, code);
    lua_setfield(L, -2, column);
    lua_pop(L, 1);
  }
}

/* --- option tables ----------------------------------------------------------------------- */

void churn__lua_check_keys(lua_State *L, int idx, const char *const *keys) {
  if (lua_isnoneornil(L, idx)) return;
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
    int known = 0;
    if (lua_type(L, -2) == LUA_TSTRING) {
      for (const char *const *k = keys; *k && !known; k++)
        known = strcmp(*k, lua_tostring(L, -2)) == 0;
    }
    if (!known) {
      char list[256] = "";
      for (const char *const *k = keys; *k; k++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", k == keys ? "" : ", ", *k);
      }
      lua_pushvalue(L, -2);
      luaL_error(L, "unknown option '%s' (expected one of: %s)", luaL_tolstring(L, -1, NULL),
                 list);
    }
  }
}

double churn__lua_opt_number(lua_State *L, int idx, const char *key, double def) {
  if (!lua_istable(L, idx)) return def;
  int t = lua_getfield(L, idx, key);
  double v = def;
  if (t == LUA_TNUMBER) v = (double)lua_tonumber(L, -1);
  else if (t != LUA_TNIL) luaL_error(L, "option '%s' wants a number, got %s", key,
                                     luaL_typename(L, -1));
  lua_pop(L, 1);
  return v;
}

/* --- messages ---------------------------------------------------------------------------- */

/* Copies the number at *p (digits) plus one into the buffer; returns the end of the digits. */
static const char *add_one(luaL_Buffer *b, const char *p) {
  char *end;
  unsigned long long v = strtoull(p, &end, 10);
  char num[32];
  snprintf(num, sizeof num, "%llu", v + 1);
  luaL_addstring(b, num);
  return end;
}

/* The words before a 0-based index in libchurn's messages ("cohort 0", "row 3", "column 2"):
 * the length of the word and its space when one starts at p (at a word start) and is followed
 * by a number (digits not running into a name such as "3g_usage"), else 0. */
static size_t index_word(const char *start, const char *p) {
  static const char *const WORDS[] = {"cohort ", "row ", "column ", NULL};
  if (p > start && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) return 0;
  for (const char *const *w = WORDS; *w; w++) {
    size_t len = strlen(*w);
    if (strncmp(p, *w, len) != 0 || !isdigit((unsigned char)p[len])) continue;
    const char *end = p + len + strspn(p + len, "0123456789");
    if (!isalpha((unsigned char)*end) && *end != '_') return len; /* a number, not a name */
  }
  return 0;
}

int churn__lua_fail_1based(lua_State *L, churn_status st) {
  const char *m = churn_last_error();
  if (!m || !m[0]) return churn__lua_fail(L, st);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (const char *p = m; *p;) {
    size_t digits, w;
    if (*p == '[' && (digits = strspn(p + 1, "0123456789")) > 0 && p[1 + digits] == ']') {
      luaL_addchar(&b, '[');
      p = add_one(&b, p + 1);
    } else if ((w = index_word(m, p)) > 0) {
      luaL_addlstring(&b, p, w);
      p = add_one(&b, p + w);
    } else {
      luaL_addchar(&b, *p++);
    }
  }
  luaL_pushresult(&b);
  luaL_pushfail(L);
  lua_insert(L, -2);
  lua_pushstring(L, churn_status_name(st));
  return 3;
}
