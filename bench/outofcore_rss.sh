#!/usr/bin/env bash
# outofcore_rss.sh -- out-of-core fit of a CSV design matrix more than 4x larger than its memory
# budget: peak RSS (from /usr/bin/time -v) against the budget, and against the peer in the same
# run, the in-memory fit of the same file (whole file parsed into RAM, churn_model_fit).  Checks
# that both give the same coefficients.
#   bench/outofcore_rss.sh [BUILD_DIR=build-eval] [BUDGET_MIB=64] [ROWS=800000] [D=16]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-eval} budget_mib=${2:-64} rows=${3:-800000} d=${4:-16}
work=$(mktemp -d /tmp/churn-ooc-XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude bench/outofcore_rss.c -o "$work/ooc" \
  -L"$build/lib" -Wl,-rpath,"$PWD/$build/lib" -lchurn -lm
csv=$work/design.csv
"$work/ooc" gen "$csv" "$rows" "$d"
bytes=$(stat -c %s "$csv")
budget=$((budget_mib * 1024 * 1024))
echo "file: $rows rows x $d features, $((bytes / 1048576)) MiB = $(awk -v a="$bytes" -v b="$budget" 'BEGIN{printf "%.2f", a/b}') x the budget of $budget_mib MiB"
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
/usr/bin/time -v "$work/ooc" csv "$csv" "$budget" 1e-12 >"$work/csv.out" 2>"$work/csv.time"
/usr/bin/time -v "$work/ooc" mem "$csv" 1e-12 >"$work/mem.out" 2>"$work/mem.time"
cat "$work/csv.out" "$work/mem.out" | grep -v '^coef'
r_csv=$(rss "$work/csv.time") r_mem=$(rss "$work/mem.time")
echo "peak RSS out-of-core: $((r_csv / 1024)) MiB (budget $budget_mib MiB: $(awk -v a="$r_csv" -v b="$budget_mib" 'BEGIN{printf "%.0f%%", 100*a/1024/b}') of it)"
echo "peak RSS in-memory:   $((r_mem / 1024)) MiB  (ratio in-memory / out-of-core $(awk -v a="$r_mem" -v b="$r_csv" 'BEGIN{printf "%.1f", a/b}'))"
paste <(grep '^coef' "$work/csv.out" | tr ' ' '\n' | tail -n +2) \
      <(grep '^coef' "$work/mem.out" | tr ' ' '\n' | tail -n +2) |
  awk '{d = $1 - $2; if (d < 0) d = -d; s = ($2 < 0 ? -$2 : $2); r = d / (s > 1e-300 ? s : 1); if (r > m) m = r}
       END {printf "max relative coefficient difference out-of-core vs in-memory: %.2g\n", m}'
[ "$r_csv" -le $((budget_mib * 1024)) ] && echo "OK: peak RSS under the budget" || { echo "FAIL: peak RSS over the budget"; exit 1; }
