#!/usr/bin/env bash
# valgrind.sh BUILD_DIR -- the C examples under valgrind memcheck: any memory error or definite
# or indirect leak fails.  Prints "valgrind: N passed, N failed".
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
vg=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet)
pass=0 fail=0
run() {
  local name=$1; shift
  if out=$("$@" 2>&1); then pass=$((pass + 1)); echo "valgrind $name: ok"
  else fail=$((fail + 1)); echo "valgrind $name: FAILED"; echo "$out" | tail -40; fi
}
run quickstart "${vg[@]}" "$build/examples/quickstart"
run nightly bash "$here/nightly.sh" "$build/cli/churn" "$build/examples/nightly" "${vg[@]}"
if [ -x "$build/examples/lua_host" ]; then
  run lua_host "${vg[@]}" "$build/examples/lua_host" "$here/../../examples/retention_rules.lua"
fi
run cli_summary "${vg[@]}" "$build/cli/churn" fit --data "${CHURN_SHARED_DATA:-$here/../../../shared/data}/telco/telco_design.csv" --label churn --out /tmp/churn-vg-model.msgpack
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
