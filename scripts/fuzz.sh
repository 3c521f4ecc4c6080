#!/usr/bin/env bash
# fuzz.sh [SECONDS] -- builds the libFuzzer targets with clang, ASan and UBSan, and runs each for
# SECONDS (default 30) from its seed corpus in tests/fuzz/corpus/<name>.  New inputs go to a
# temporary folder, not into the repository.  Fails on any crash, leak or sanitizer report.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang meson setup "$dir" -Dfuzz=true -Dtests=disabled -Db_sanitize=address,undefined \
    -Db_lundef=false -Ddefault_library=static >/tmp/churn-setup-fuzz.log 2>&1 \
    || { cat /tmp/churn-setup-fuzz.log; exit 1; }
fi
ninja -C "$dir" >/dev/null || { ninja -C "$dir"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
for exe in "$dir"/tests/fuzz/fuzz_*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  name=$(basename "$exe"); name=${name#fuzz_}
  mkdir -p "$work/$name"
  seeds=tests/fuzz/corpus/$name
  if UBSAN_OPTIONS=halt_on_error=1 "$exe" -max_total_time="$secs" -rss_limit_mb=2048 \
       -artifact_prefix="$work/$name-" "$work/$name" "$seeds" >"$work/$name.log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$work/$name.log" | tail -1)
    echo "fuzz $name: ok ($runs in ${secs}s)"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED"; tail -40 "$work/$name.log"
    mkdir -p fuzz-findings && cp "$work/$name"-* fuzz-findings/ 2>/dev/null
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
