#!/bin/sh
# check_module.sh MODULE -- the Lua module exports exactly luaopen_churn and churn_lua_push_model
# and does not link liblua (the interpreter that loads it provides the Lua API).
set -eu
mod=$1
syms=$(nm -D --defined-only "$mod" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort | tr '\n' ' ')
[ "$syms" = "churn_lua_push_model luaopen_churn " ] || { echo "unexpected exports: $syms"; exit 1; }
if readelf -d "$mod" | grep NEEDED | grep -q liblua; then echo "$mod links liblua"; exit 1; fi
echo "ok: exports $syms; no liblua"
