#!/usr/bin/env bash
# bench_report.sh CHURN_BINARY [SUBSCRIBERS] -- the cost of `churn report --month --out`: the
# simulated operator (24 months) is loaded once with only the movement section (the load is most
# of it) and once with every section, two cohorts; prints /usr/bin/time's CPU, wall and peak RSS.
set -euo pipefail
churn=$1
n=${2:-50000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$churn" simulate --subscribers "$n" --months 24 --seed 1 --no-csv --out "$work/sim" >/dev/null
ls -l "$work/sim/dataset.msgpack" | awk '{print "dataset file: " $5 " bytes"}'
for only in movement movement,categories,segments,snapshot,warnings,dispatch; do
  for run in 1 2; do
    /usr/bin/time -f "--only $only (run $run): %U s user, %S s sys, %e s wall, %M KB peak RSS" \
      "$churn" report --dataset "$work/sim/dataset.msgpack" --month 2025-06 --cohort tier=high \
      --cohort package=premium --only "$only" --out "$work/report" >/dev/null
  done
done
du -sh "$work/report" | awk '{print "report folder: " $1}'
