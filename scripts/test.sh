#!/usr/bin/env bash
# test.sh -- README's test command: installs what the tests need, builds libchurn with warnings as
# errors, and runs every test: the Criterion suite (plain and under ASan+UBSan), the ABI checks,
# the examples.  Prints one closing line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test || exit 1
passed=0 failed=0

# Runs `meson test` in a build dir and adds its counts to the totals.
run_meson_suite() {
  local dir=$1; shift
  local log
  log=$(meson test -C "$dir" --num-processes 2 --print-errorlogs "$@" 2>&1)
  echo "$log" | grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Timeout|Skipped):' || true
  echo "$log" | grep -q -E '^(Fail|Timeout): *[1-9]' && echo "$log" | tail -80
  local ok fail to
  ok=$(echo "$log" | sed -n 's/^Ok: *\([0-9]*\).*/\1/p')
  fail=$(echo "$log" | sed -n 's/^Fail: *\([0-9]*\).*/\1/p')
  to=$(echo "$log" | sed -n 's/^Timeout: *\([0-9]*\).*/\1/p')
  [ -n "$ok" ] || { echo "meson test in $dir did not run"; failed=$((failed + 1)); return; }
  passed=$((passed + ok)); failed=$((failed + ${fail:-0} + ${to:-0}))
}

echo "== build (warnings are errors)"
setup_build() {  # setup_build DIR MESON_ARGS...: a fresh configuration every run
  local dir=$1; shift
  rm -rf "$dir"
  meson setup "$dir" "$@" >"/tmp/churn-setup-$dir.log" 2>&1 || { cat "/tmp/churn-setup-$dir.log"; exit 1; }
}
setup_build build-test -Dwerror=true
ninja -C build-test >/dev/null || { ninja -C build-test; exit 1; }
echo "== Criterion suite, ABI checks, examples"
run_meson_suite build-test

echo "== Python binding: pytest bindings/python/tests (against build-test's library)"
# Adds pytest's passed / failed+errors counts to the totals; no tests collected (exit 5), a
# crash or an unparsable summary counts as one failure of the stage.
run_pytest_suite() {
  local log rc summary ok bad
  log=$(CHURN_LIBRARY="$PWD/build-test/lib/libchurn.so" /usr/bin/python3 -m pytest -q \
        -p no:cacheprovider bindings/python/tests 2>&1); rc=$?
  summary=$(echo "$log" | grep -E ' in [0-9.]+s' | tail -1)
  echo "$summary"
  ok=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
  bad=$(echo "$summary" | grep -oE '[0-9]+ (failed|errors?)' | grep -oE '^[0-9]+' | paste -sd+)
  bad=$(( ${bad:-0} ))
  [ "$rc" -ne 0 ] && echo "$log" | tail -60
  if [ "$rc" -eq 5 ] || [ -z "$ok$summary" ] || { [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
    echo "pytest stage failed (exit $rc)"; bad=$((bad + 1))
  fi
  passed=$((passed + ${ok:-0})); failed=$((failed + bad))
}
run_pytest_suite

echo "== the same suite under AddressSanitizer + UndefinedBehaviorSanitizer"
setup_build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan >/dev/null || { ninja -C build-asan; exit 1; }
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
  run_meson_suite build-asan --suite unit --suite threads --suite examples --suite cli

echo "== Lua binding: busted bindings/lua/spec (build-test's churn.so), leak check under LSan"
# Adds busted's successes / failures+errors to the totals; a crash or no summary counts as one
# failure.  The sanitized run (meson suite 'lua') adds the specs and the leak check under ASan.
run_busted_suite() {
  local root=$PWD log rc summary ok bad
  log=$(cd bindings/lua && LUA_CPATH="$root/build-test/bindings/lua/?.so;;" \
        LD_LIBRARY_PATH="$root/build-test/lib" CHURN_LUA_BUILD="$root/build-test/bindings/lua" \
        busted -o plainTerminal spec 2>&1); rc=$?
  summary=$(echo "$log" | grep -E '^[0-9]+ success' | tail -1)
  echo "$summary"
  ok=$(echo "$summary" | sed -n 's/^\([0-9]*\) success.*/\1/p')
  bad=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failures\{0,1\} \/ \([0-9]*\) errors\{0,1\}.*/\1+\2/p')
  bad=$(( ${bad:-0} ))
  [ "$rc" -ne 0 ] && echo "$log" | tail -40
  if [ -z "$ok" ] || { [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
    echo "busted stage failed (exit $rc)"; bad=$((bad + 1))
  fi
  passed=$((passed + ${ok:-0})); failed=$((failed + bad))
}
run_busted_suite
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 run_meson_suite build-asan --suite lua

echo "== threaded tests under ThreadSanitizer"
setup_build build-tsan -Db_sanitize=thread -Db_lundef=false
ninja -C build-tsan >/dev/null || { ninja -C build-tsan; exit 1; }
TSAN_OPTIONS=halt_on_error=1 run_meson_suite build-tsan --suite tsan

# Runs a script that ends with "NAME: N passed, N failed" and adds its counts to the totals.
run_counted() {
  local log p f
  log=$("$@" 2>&1); echo "$log" | tail -15
  p=$(echo "$log" | sed -n 's/^[a-z]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
  f=$(echo "$log" | sed -n 's/^[a-z]*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
  [ -n "$p" ] || { p=0; f=1; echo "no summary from: $*"; }
  passed=$((passed + p)); failed=$((failed + f))
}

echo "== C examples and the CLI under valgrind memcheck (zero errors, zero leaks)"
run_counted bash tests/examples/valgrind.sh build-test

echo "== ABI guard: abidiff against the committed baseline (tests/abi/README.md)"
if bash tests/abi/check.sh build-test/lib/libchurn.so; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== fuzzing: each target for ${CHURN_FUZZ_SECONDS:-30} s (scripts/fuzz.sh)"
run_counted bash scripts/fuzz.sh "${CHURN_FUZZ_SECONDS:-30}"

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
