#!/usr/bin/env bash
# nightly.sh CHURN NIGHTLY [WRAPPER ...] -- runs examples/nightly.c on a small simulated operator
# (data and model made with the churn CLI), optionally under a wrapper such as valgrind, and
# checks the dispatch list it writes.
set -euo pipefail
churn=$1 nightly=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$churn" simulate --subscribers 1500 --months 14 --seed 11 --out "$work/sim" >/dev/null
"$churn" fit --dataset "$work/sim/dataset.msgpack" --as-of 2024-06-01,2024-09-01 \
  --horizon-days 90 --penalty l2 --out "$work/model.msgpack" >/dev/null
"$@" "$nightly" "$work/model.msgpack" "$work/sim/subscribers.csv" "$work/sim/events.csv" \
  1730419200 "$work/dispatch.csv" 25
head -1 "$work/dispatch.csv" | grep -q '^rank,subscriber_id,probability,main_reason,contact_by_unix$'
[ "$(wc -l < "$work/dispatch.csv")" -eq 26 ]
# ranked by decreasing probability
awk -F, 'NR > 2 && $3 > prev { exit 1 } NR > 1 { prev = $3 }' "$work/dispatch.csv"
echo "nightly example: ok"
