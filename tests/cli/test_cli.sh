#!/usr/bin/env bash
# test_cli.sh CHURN_BINARY SHARED_DATA_DIR -- the `churn` command's happy paths and error paths:
# exit codes (0 ok, 1 refused input, 2 usage) and the messages users see.
set -u
churn=$1
shared=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

# expect CODE PATTERN -- CMD...: runs CMD, checks its exit code and that its output matches.
expect() {
  local code=$1 pattern=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$code" ] && printf '%s' "$out" | grep -Eq -- "$pattern"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    printf 'FAIL: %s\n  wanted exit %s and /%s/, got exit %s:\n%s\n' "$*" "$code" "$pattern" "$rc" "$(printf '%s' "$out" | head -20)"
  fi
}

expect 0 'simulate' -- "$churn" --help
expect 2 "unknown command 'frobnicate'" -- "$churn" frobnicate
expect 0 '^churn [0-9]+\.[0-9]+\.[0-9]+' -- "$churn" version
for sub in simulate ingest features fit summary score report; do
  expect 0 "usage: churn $sub" -- "$churn" $sub --help
done

# simulate
expect 2 'out is required' -- "$churn" simulate --subscribers 100
expect 2 'unknown option --bogus' -- "$churn" simulate --out "$work/x" --bogus 1
expect 1 'CHURN_E_RANGE.*sim.subscribers' -- "$churn" simulate --subscribers 0 --out "$work/x"
expect 0 'simulated [0-9]+ subscribers' -- "$churn" simulate --subscribers 1500 --months 15 --seed 3 --out "$work/sim"
for f in subscribers.csv events.csv dataset.msgpack truth.csv; do
  if [ -s "$work/sim/$f" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: simulate wrote no $f"; fi
done

# ingest: clean, then with bad rows (reported with their line), then strict
expect 0 'rows rejected +0' -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/sim/events.csv" --out "$work/ds.msgpack"
cp "$work/sim/events.csv" "$work/bad_events.csv"
echo "NO_SUCH_ID,2024-03-01,bill,,,10,,," >> "$work/bad_events.csv"
first_id=$(sed -n 2p "$work/sim/subscribers.csv" | cut -d, -f1)
echo "$first_id,2024-03-01,payment,,,not_a_number,,," >> "$work/bad_events.csv"
lines=$(wc -l < "$work/bad_events.csv")
expect 1 'CHURN_E_NOT_FOUND.*NO_SUCH_ID' -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/bad_events.csv" --out "$work/bad.msgpack"
expect 0 "rows rejected +2" -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/bad_events.csv" --out "$work/bad.msgpack" --set ingest.unknown_subscriber=1
expect 0 "$lines .*value" -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/bad_events.csv" --out "$work/bad.msgpack" --set ingest.unknown_subscriber=1
expect 1 'CHURN_E_REJECTED' -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/bad_events.csv" --out "$work/strict.msgpack" --strict --set ingest.unknown_subscriber=1
if [ ! -e "$work/strict.msgpack" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: strict ingest wrote a file"; fi
printf 'subscriber_id,time,kind\n"unterminated,2024-01-01,bill\n' > "$work/broken.csv"
expect 1 'CHURN_E_FORMAT.*line' -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/broken.csv" --out "$work/b.msgpack"
expect 1 "CHURN_E_IO.*$work/missing.csv" -- "$churn" ingest --subscribers "$work/missing.csv" --events "$work/sim/events.csv" --out "$work/b.msgpack"

# features
expect 0 'rows x [0-9]+ features' -- "$churn" features --data "$work/ds.msgpack" --as-of 2024-10-01 --out "$work/f.csv"
expect 0 'rows x 2 features' -- "$churn" features --data "$work/sim/subscribers.csv,$work/sim/events.csv" --as-of 2024-10-01 --select payment.arrears,usage.view_drop --horizon-days 90 --out "$work/f2.csv"
expect 0 '^subscriber_id,as_of,payment.arrears,usage.view_drop,churned$' -- head -1 "$work/f2.csv"
expect 1 'CHURN_E_NOT_FOUND.*no.such' -- "$churn" features --data "$work/ds.msgpack" --as-of 2024-10-01 --select no.such --out "$work/f3.csv"
expect 2 'not a list of dates' -- "$churn" features --data "$work/ds.msgpack" --as-of yesterday --out "$work/f3.csv"

# fit: from a design-matrix CSV (the Telco oracle data) and from the dataset
telco=$shared/telco/telco_design.csv
expect 0 'converged yes' -- "$churn" fit --data "$telco" --label churn --out "$work/telco.msgpack"
expect 1 'CHURN_E_SCHEMA.*nochurn' -- "$churn" fit --data "$telco" --label nochurn --out "$work/t2.msgpack"
expect 2 'penalty must be' -- "$churn" fit --data "$telco" --label churn --penalty l3 --out "$work/t2.msgpack"
expect 0 'converged' -- "$churn" fit --data "$telco" --label churn --penalty l2 --C 0.5 --out "$work/telco_l2.msgpack"
expect 0 'converged yes' -- "$churn" fit --dataset "$work/ds.msgpack" --as-of 2024-06-01,2024-09-01 --horizon-days 90 --penalty l2 --out "$work/model.msgpack"
expect 0 'converged yes' -- "$churn" fit --dataset "$work/ds.msgpack" --as-of 2024-06-01,2024-09-01 --horizon-days 90 --penalty firth --out "$work/firth.msgpack"
expect 1 'CHURN_E_ARG.*Firth needs the in-memory fit' -- "$churn" fit --data "$telco" --label churn --penalty firth --out "$work/t3.msgpack"
expect 1 'CHURN_E_ARG.*needs fit.intercept' -- "$churn" fit --data "$telco" --label churn --set fit.population_rate=0.05 --set fit.intercept=0 --out "$work/t3.msgpack"

# summary: text and JSON (parsed)
expect 0 'tenure +-0\.0607' -- "$churn" summary "$work/telco.msgpack"
expect 0 '"loglik": -2912\.917' -- "$churn" summary "$work/telco.msgpack" --json
if "$churn" summary "$work/telco.msgpack" --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["coefficients"]) == 24 and d["converged"] == 1'; then
  pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: summary --json is not the expected JSON"; fi
expect 1 'CHURN_E_IO' -- "$churn" summary "$work/none.msgpack"
head -c 100 "$work/telco.msgpack" > "$work/truncated.msgpack"
expect 1 'CHURN_E_FORMAT' -- "$churn" summary "$work/truncated.msgpack"
# a model from a newer major version of the format: the envelope's "major" field set to 9
/usr/bin/python3 - "$work/telco.msgpack" "$work/newer.msgpack" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.index(b'\xa5major') + 6
assert b[i] == 1
b[i] = 9
open(sys.argv[2], 'wb').write(bytes(b))
PY
expect 1 'CHURN_E_VERSION.*9\.' -- "$churn" summary "$work/newer.msgpack"

# score: the dispatch list
expect 0 'top 15 of' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --top 15 --out "$work/dispatch.csv"
expect 0 '^rank,subscriber_id,probability,reason1,contribution1' -- head -1 "$work/dispatch.csv"
n=$(($(wc -l < "$work/dispatch.csv") - 1))
if [ "$n" -eq 15 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: dispatch list has $n rows"; fi
expect 1 'CHURN_E_SCHEMA|CHURN_E_NOT_FOUND' -- "$churn" score --model "$work/telco.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --out "$work/d2.csv"

# report
expect 0 '== movement' -- "$churn" report --dataset "$work/ds.msgpack" --from 2024-01-01 --to 2024-12-31
expect 0 '^# snapshot' -- "$churn" report --dataset "$work/ds.msgpack" --format csv --only snapshot --cohort tier=high
if "$churn" report --dataset "$work/ds.msgpack" --format json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert set(d) >= {"movement","snapshot","segments","winback"}'; then
  pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: report --format json"; fi
expect 2 'format must be' -- "$churn" report --dataset "$work/ds.msgpack" --format xml
expect 1 'CHURN_E_NOT_FOUND' -- "$churn" report --dataset "$work/ds.msgpack" --segment no_such_column
# the churn definition: the movement table's churned_non_use is 0 under cancel, and bad input
# is named
expect 0 'churned_non_use' -- "$churn" report --dataset "$work/ds.msgpack" --only movement --format csv --definition non_use --inactive-months 2
if "$churn" report --dataset "$work/ds.msgpack" --only movement --format csv --definition cancel | /usr/bin/python3 -c 'import csv,sys; r=[x for x in csv.DictReader(l for l in sys.stdin if not l.startswith("#") and l.strip())]; assert r and all(x["churned_non_use"] == "0" for x in r)'; then
  pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: report --definition cancel"; fi
expect 1 "unknown churn definition 'silence'" -- "$churn" report --dataset "$work/ds.msgpack" --definition silence
expect 1 'CHURN_E_RANGE.*churn.inactive_months' -- "$churn" report --dataset "$work/ds.msgpack" --inactive-months 0
expect 2 "unknown churn definition 'x'" -- "$churn" fit --dataset "$work/ds.msgpack" --as-of 2024-06-01 --horizon-days 90 --definition x --out "$work/m2.msgpack"
expect 0 'top 5 of' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --top 5 --definition cancel --out "$work/d3.csv"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
