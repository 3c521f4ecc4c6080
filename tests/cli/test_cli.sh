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
expect 0 'converged yes' -- "$churn" fit --data "$telco" --label churn --penalty firth --out "$work/t3.msgpack"
expect 1 'CHURN_E_ARG.*needs fit.intercept' -- "$churn" fit --data "$telco" --label churn --set fit.population_rate=0.05 --set fit.intercept=0 --out "$work/t3.msgpack"

# fit and score a flat table (issue 23): the raw Telco file, strings one-hot, 11 blank
# TotalCharges rejected, duplicate columns dropped, the encoding kept in the model
raw=$shared/telco/telco_customer_churn.csv
expect 0 '23 features, 7032 rows .*converged yes' -- "$churn" fit --data "$raw" --label Churn --id customerID --out "$work/raw.msgpack"
expect 0 "TotalCharges: 11 rows rejected for a missing value \(first on line 490\)" -- "$churn" fit --data "$raw" --label Churn --id customerID --out "$work/raw.msgpack"
expect 0 "dropped: 'StreamingTV=No internet service' duplicates 'InternetService=No'" -- "$churn" fit --data "$raw" --label Churn --id customerID --out "$work/raw.msgpack"
expect 0 'TotalCharges=missing' -- sh -c "'$churn' fit --data '$raw' --label Churn --id customerID --missing mean --penalty l2 --out '$work/raw_mean.msgpack' && '$churn' summary '$work/raw_mean.msgpack'"
expect 0 'converged yes' -- "$churn" fit --data "$raw" --label Churn --id customerID --penalty firth --out "$work/raw_firth.msgpack"
expect 0 'converged' -- "$churn" fit --data "$raw" --label Churn --id customerID --penalty l2 --C 0.1 --threads 2 --out "$work/raw_l2.msgpack"
expect 0 'converged yes' -- "$churn" fit --data "$raw" --label Churn --id customerID --cluster PaymentMethod --out "$work/raw_cl.msgpack"
expect 0 'converged yes' -- "$churn" fit --data "$raw" --label Churn --id customerID --cov-type HC1 --set fit.memory_budget=1048576 --out "$work/raw_stream.msgpack"
expect 0 '7032 rows scored' -- "$churn" score --model "$work/raw.msgpack" --data "$raw" --id customerID --out "$work/raw_scores.csv"
expect 0 '^customerID,probability,reason1,reason2,reason3$' -- head -1 "$work/raw_scores.csv"
expect 0 'Contract = Month-to-month \(\+[0-9.]+\)' -- head -5 "$work/raw_scores.csv"
expect 0 '^customerID,probability$' -- sh -c "'$churn' score --model '$work/raw.msgpack' --data '$raw' --top 5 --reasons 0 --out '$work/top5.csv' && head -1 '$work/top5.csv'"
n=$(($(wc -l < "$work/top5.csv") - 1))
if [ "$n" -eq 5 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: --top 5 wrote $n rows"; fi
# bad input, each with a clear error
printf 'id,plan,x,label\na,p1,1,yes\nb,p2,2,no\nc,p1,3,maybe\n' > "$work/three.csv"
expect 1 "CHURN_E_DATA.*third value 'maybe'" -- "$churn" fit --data "$work/three.csv" --label label --id id --out "$work/bad.msgpack"
printf 'id,plan,x,label\na,p1,1,stay\nb,p2,2,left\nc,p1,3,left\nd,p2,1,stay\n' > "$work/two.csv"
expect 1 "CHURN_E_DATA.*--positive value 'gone' never occurs" -- "$churn" fit --data "$work/two.csv" --label label --id id --positive gone --out "$work/bad.msgpack"
expect 1 "CHURN_E_DATA.*'stay' and 'left'.*--positive" -- "$churn" fit --data "$work/two.csv" --label label --id id --out "$work/bad.msgpack"
printf 'id,plan,x,label\na,p1,1,1\nb,p2,2,0\na,p1,3,1\n' > "$work/dup.csv"
expect 1 "CHURN_E_DATA.*line 4: id 'a' in column 'id' repeats \(first on line 2\)" -- "$churn" fit --data "$work/dup.csv" --label label --id id --out "$work/bad.msgpack"
expect 1 "CHURN_E_SCHEMA.*excluded column 'nosuch' is not in the table" -- "$churn" fit --data "$work/two.csv" --label label --id id --exclude plan,nosuch --out "$work/bad.msgpack"
printf 'id,plan,x,label\n' > "$work/empty.csv"
expect 1 'CHURN_E_DATA.*no rows to fit' -- "$churn" fit --data "$work/empty.csv" --label label --id id --out "$work/bad.msgpack"
expect 1 "CHURN_E_DATA.*'customerID' has more than 1000 distinct values" -- "$churn" fit --data "$raw" --label Churn --out "$work/bad.msgpack"
expect 2 'missing must be' -- "$churn" fit --data "$raw" --label Churn --id customerID --missing drop --out "$work/bad.msgpack"
# scoring: a missing column fails naming it, an unseen level is counted
/usr/bin/python3 - "$raw" "$work/next.csv" "$work/nocontract.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
h = rows[0]
c = h.index("Contract")
rows[1][c] = "Ten years"
csv.writer(open(sys.argv[2], "w", newline="")).writerows(rows[:50])
csv.writer(open(sys.argv[3], "w", newline="")).writerows([r[:c] + r[c + 1:] for r in rows[:50]])
PY
expect 0 "unseen: Contract: 1 row with an unseen level 'Ten years'" -- "$churn" score --model "$work/raw.msgpack" --data "$work/next.csv" --id customerID --out "$work/next_scores.csv"
expect 1 "CHURN_E_SCHEMA.*'Contract' the model needs is not in the table" -- "$churn" score --model "$work/raw.msgpack" --data "$work/nocontract.csv" --id customerID --out "$work/bad.csv"
expect 1 'CHURN_E_NOT_FOUND.*carries no design' -- "$churn" score --model "$work/model.msgpack" --data "$raw" --out "$work/bad.csv"
# stacked months: ids repeat across months; scoring keeps each id's latest month
printf 'id,month,plan,x,label\na,2024-01,p1,1,0\nb,2024-01,p2,2,1\nc,2024-01,p1,5,0\nd,2024-01,p2,3,1\na,2024-02,p2,4,1\nb,2024-02,p1,1,0\nc,2024-02,p1,2,1\nd,2024-02,p2,9,0\n' > "$work/months.csv"
expect 1 "CHURN_E_DATA.*id 'a' in column 'id' repeats.*--time-column" -- "$churn" fit --data "$work/months.csv" --label label --id id --out "$work/bad.msgpack"
expect 0 'month: 2024-02: 4 rows' -- "$churn" fit --data "$work/months.csv" --label label --id id --time-column month --penalty l2 --out "$work/months.msgpack"
expect 0 '4 rows scored' -- "$churn" score --model "$work/months.msgpack" --data "$work/months.csv" --out "$work/months_scores.csv"
expect 0 '^id,month,probability' -- head -1 "$work/months_scores.csv"
if [ "$(grep -c ',2024-02,' "$work/months_scores.csv")" -eq 4 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: scoring stacked months did not keep the latest month per id"; fi

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

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
