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
for sub in simulate ingest features fit summary score report warnings; do
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
# the same file on two threads in 4 KiB blocks (ingest.threads): the same report line and the
# same dataset, byte for byte
expect 0 "$lines .*value" -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/bad_events.csv" --out "$work/bad2.msgpack" --set ingest.unknown_subscriber=1 --set ingest.threads=2 --set ingest.block_size=4096
if cmp -s "$work/bad.msgpack" "$work/bad2.msgpack"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: ingest.threads=2 gave another dataset"; fi
printf 'subscriber_id,time,kind\n"unterminated,2024-01-01,bill\n' > "$work/broken.csv"
expect 1 'CHURN_E_FORMAT.*line' -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/broken.csv" --out "$work/b.msgpack"
expect 1 "CHURN_E_IO.*$work/missing.csv" -- "$churn" ingest --subscribers "$work/missing.csv" --events "$work/sim/events.csv" --out "$work/b.msgpack"
# the operator's own reason labels: 312 cancels labelled 搬迁 (moving house) and 40 labelled
# 资费高 (price) are kept with reason unknown and listed; --reason-map maps them; a map naming an
# unknown reason fails naming it
mkdir -p "$work/rm"
{ echo "subscriber_id,activation"; for i in $(seq 1 352); do echo "R$i,2024-01-01"; done; } > "$work/rm/subs.csv"
{ echo "subscriber_id,time,kind,code"; for i in $(seq 1 312); do echo "R$i,2024-03-01,cancel,搬迁"; done
  for i in $(seq 313 352); do echo "R$i,2024-03-02,cancel,资费高"; done; } > "$work/rm/events.csv"
expect 0 'unmapped reason labels: 搬迁 x 312, 资费高 x 40' -- "$churn" ingest --subscribers "$work/rm/subs.csv" --events "$work/rm/events.csv" --out "$work/rm/ds.msgpack"
printf 'label,reason\n搬迁,moving\n' > "$work/rm/map.csv"
expect 0 'unmapped reason labels: 资费高 x 40$' -- "$churn" ingest --subscribers "$work/rm/subs.csv" --events "$work/rm/events.csv" --out "$work/rm/ds.msgpack" --reason-map "$work/rm/map.csv"
printf 'label,reason\n搬迁,moving\n资费高,competitive\n' > "$work/rm/map2.csv"
out=$("$churn" ingest --subscribers "$work/rm/subs.csv" --events "$work/rm/events.csv" --out "$work/rm/ds.msgpack" --reason-map "$work/rm/map2.csv" 2>&1)
if ! printf '%s' "$out" | grep -q unmapped; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: a full reason map still lists unmapped labels"; fi
printf 'label,reason\n搬迁,relocation\n' > "$work/rm/bad.csv"
expect 1 "CHURN_E_FORMAT.*line 2: 'relocation' is neither" -- "$churn" ingest --subscribers "$work/rm/subs.csv" --events "$work/rm/events.csv" --out "$work/rm/ds.msgpack" --reason-map "$work/rm/bad.csv"

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
# contact deadlines: Monday 2024-09-30 + 2 working days is 2 October (weekends only) but 9 October
# with the Chinese calendar (1-7 October holidays); at 17:00 UTC on 30 September it is 01:00 on
# 1 October in Beijing, a holiday, so + 2 working days there is 9 October 01:00 local = 8 October
# 17:00 UTC, while counted in UTC it is 9 October 17:00 (the list shows the date)
cal="$(cd "$(dirname "$0")/../.." && pwd)/examples/calendar_cn_2024_2025.csv"
deadline_of() { sed -n 2p "$1" | awk -F, '{print $NF}'; }
expect 0 'top 3 of' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-09-30 --top 3 --out "$work/d_we.csv"
expect 0 '^2024-10-02$' -- deadline_of "$work/d_we.csv"
expect 0 'top 3 of' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-09-30 --top 3 --calendar "$cal" --out "$work/d_cn.csv"
expect 0 '^2024-10-09$' -- deadline_of "$work/d_cn.csv"
expect 0 'top 3 of' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-09-30T17:00:00Z --top 3 --calendar "$cal" --utc-offset +08:00 --out "$work/d_bj.csv"
expect 0 '^2024-10-08$' -- deadline_of "$work/d_bj.csv"
expect 0 'top 3 of' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-09-30T17:00:00Z --top 3 --calendar "$cal" --out "$work/d_utc.csv"
expect 0 '^2024-10-09$' -- deadline_of "$work/d_utc.csv"
printf 'date,type\n2024-10-01,holiday\n2024-10-0x,holiday\n' > "$work/badcal.csv"
expect 1 'CHURN_E_FORMAT.*line 3' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-09-30 --calendar "$work/badcal.csv" --out "$work/d_bad.csv"
expect 1 "utc-offset: '\+8'" -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-09-30 --utc-offset +8 --out "$work/d_bad.csv"

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
expect 2 "unknown section 'bogus'.*movement, arpu, snapshot, segments, winback, km" -- "$churn" report --dataset "$work/ds.msgpack" --only bogus
expect 2 "unknown section 'warnings'.*with --month: movement, categories" -- "$churn" report --dataset "$work/ds.msgpack" --only warnings

# report --month: the monthly report as text, or as files with --out
expect 0 '== Monthly movement.*' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02
expect 0 'Warning accuracy of the list issued on 2025-02-01' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --only warnings,dispatch
expect 2 "unknown section 'bogus'; the sections are movement, categories, segments, snapshot, warnings, dispatch, compliance, winback" -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --only movement,bogus
expect 1 'outside the data, whose events run from 2024-01 to 2025-03' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-04
expect 1 'outside the data, whose events run from 2024-01 to 2025-03' -- "$churn" report --dataset "$work/ds.msgpack" --month 2023-12
expect 2 'month takes YYYY-MM' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-13
expect 2 'cohort takes COLUMN=LABEL' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --cohort tier
expect 2 'not --format json' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --format json
expect 2 'go with --month' -- "$churn" report --dataset "$work/ds.msgpack" --out "$work/rep"
expect 2 'repeatable only with --month' -- "$churn" report --dataset "$work/ds.msgpack" --cohort tier=high --cohort tier=low
expect 0 'rep/index.html: retention report for 2025-02, 9 sections' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --cohort tier=high --cohort vip=1 --out "$work/rep"
for f in index.html report.json movement.csv categories.csv segments.csv snapshot_tier_high.csv snapshot_vip_1.csv warnings.csv dispatch.csv compliance.csv winback.csv; do
  if [ -s "$work/rep/$f" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: report --out wrote no $f"; fi
done
expect 0 '^month,opening,activations,churned,closing,churn_rate,target,margin,level_met,base_yoy,base_yoy_rate$' -- head -1 "$work/rep/movement.csv"
if ls -A "$work/rep" | grep -q '^\.'; then fail=$((fail + 1)); echo "FAIL: report --out left a temporary file"; else pass=$((pass + 1)); fi
# issue 19: the win-back and contact-compliance sections, their CSVs checked against the warning
# list and the movement table they come from; local months (--utc-offset) and a bad offset
expect 0 '^category,churned,won_back,win_back_rate,ci_low,ci_high,attempted,success_rate,kept,kept_rate$' -- head -1 "$work/rep/winback.csv"
expect 0 '^route,warned,contacted,compliance,ci_low,ci_high,late$' -- head -1 "$work/rep/compliance.csv"
"$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --only movement --out "$work/rep_m" > /dev/null
if /usr/bin/python3 - "$work/rep" "$work/rep_m" <<'PY'
import sys, pandas as pd
wb = pd.read_csv(sys.argv[1] + "/winback.csv").set_index("category")
mv = pd.read_csv(sys.argv[2] + "/movement.csv").set_index("month")
assert list(wb.index) == ["natural", "competitive", "service", "unknown", "(all)"], wb.index
assert wb.loc["(all)", "churned"] == mv.loc["2025-02", "churned"]            # the same churn
assert wb.drop("(all)").churned.sum() == wb.loc["(all)", "churned"]
cc = pd.read_csv(sys.argv[1] + "/compliance.csv").set_index("route")
d = pd.read_csv(sys.argv[1] + "/dispatch.csv").set_index("route")
# distinct warned subscribers: at least those still in the base, at most one per warning row
assert d.loc["(all)", "subscribers"] <= cc.loc["(all)", "warned"] <= d.loc["(all)", "warnings"]
assert list(cc.index[:-1]) == list(d.index[:-1])                               # the same routes
assert (cc.contacted + cc.late <= cc.warned).all()
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: report winback/compliance CSVs"; fi
expect 0 'Win-back of the subscribers who churned in 2025-02' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --only winback,compliance --utc-offset +08:00 --definition cancel
expect 1 "kpi.utc_offset 'UTC\+8' is not a UTC offset" -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --only winback --utc-offset UTC+8
expect 1 "kpi.utc_offset = 'UTC\+8' is not a UTC offset" -- "$churn" report --dataset "$work/ds.msgpack" --only movement --utc-offset UTC+8
printf 'kpi,segment,month,level,target\nchurn_rate,all,*,R0,0.035\nchurn_rate,all,2025-02,R1,high\n' > "$work/targets_bad.csv"
expect 1 'targets_bad.csv line 3: target .high. is not a share' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --targets "$work/targets_bad.csv" --out "$work/rep2"
printf 'kpi,segment,level,target\n' > "$work/targets_hdr.csv"
expect 1 'targets_hdr.csv line 1: 4 fields, expected 5' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --targets "$work/targets_hdr.csv"
printf 'kpi,segment,month,level,target\narpu,all,*,R0,0.1\n' > "$work/targets_kpi.csv"
expect 1 "targets_kpi.csv line 2: kpi 'arpu' is not one of churn_rate, retention, warning_recall" -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --targets "$work/targets_kpi.csv"
printf 'kpi,segment,month,level,target\nretention,tier=high,2025-2,R0,0.9\n' > "$work/targets_month.csv"
expect 1 "targets_month.csv line 2: month '2025-2' is not YYYY-MM" -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --targets "$work/targets_month.csv"
printf 'kpi,segment,month,level,target\nretention,all,*,R0,1.5\n' > "$work/targets_range.csv"
expect 1 "targets_range.csv line 2: target '1.5' is not a share in \[0, 1\]" -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --targets "$work/targets_range.csv"
expect 1 "cannot read $work/no_targets.csv" -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --targets "$work/no_targets.csv"
if [ ! -e "$work/rep2" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: a refused report created its folder"; fi
printf 'kpi,segment,month,level,target\nchurn_rate,all,*,R0,0.5\nchurn_rate,all,*,R1,0.0001\n' > "$work/targets.csv"
expect 0 'rep3/index.html: retention report for 2025-02, 1 section;' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --targets "$work/targets.csv" --only movement --out "$work/rep3"
expect 0 '^2025-02,.*,R0,' -- tail -1 "$work/rep3/movement.csv"
: > "$work/not_a_folder"
expect 1 'not a folder' -- "$churn" report --dataset "$work/ds.msgpack" --month 2025-02 --out "$work/not_a_folder"
if [ -w /dev/full ]; then
  expect 1 'cannot write to standard output' -- sh -c '"$0" report --dataset "$1" --month 2025-02 > /dev/full' "$churn" "$work/ds.msgpack"
fi

# --- issue 21: output files, standard output, usage laxness -------------------------------------
# #2: a write that fails midway (file-size limit: EFBIG, as a full disk gives ENOSPC) exits 1 with
# the reason, and the previous dispatch list is left whole (the old code truncated it first,
# printed "scored" and exited 0).
cp "$work/dispatch.csv" "$work/dispatch.before"
expect 1 "cannot write $work/dispatch.csv" -- bash -c 'trap "" XFSZ; ulimit -f 1; exec "$@"' _ "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --top 1000 --out "$work/dispatch.csv"
if cmp -s "$work/dispatch.csv" "$work/dispatch.before"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: a failed score changed the old dispatch list"; fi
expect 1 "cannot write $work/f4.csv" -- bash -c 'trap "" XFSZ; ulimit -f 1; exec "$@"' _ "$churn" features --data "$work/ds.msgpack" --as-of 2024-10-01 --out "$work/f4.csv"
mkdir -p "$work/simfull/truth.csv"
expect 1 'cannot write .*truth.csv.*not a regular file \(a folder\)' -- "$churn" simulate --subscribers 300 --months 6 --seed 1 --no-csv --out "$work/simfull"
expect 1 'cannot write /dev/full.*not a regular file' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --out /dev/full
# #13: a FIFO given as the model is refused at once (open used to wait for a writer forever)
mkfifo "$work/model.fifo"
expect 1 'CHURN_E_IO.*not a regular file \(a FIFO\)' -- timeout 20 "$churn" summary "$work/model.fifo"
# #3: standard output to a full device
expect 1 'churn summary: cannot write standard output' -- sh -c '"$1" summary "$2" > /dev/full' _ "$churn" "$work/telco.msgpack"
expect 1 'churn report: cannot write standard output' -- sh -c '"$1" report --dataset "$2" > /dev/full' _ "$churn" "$work/ds.msgpack"
expect 1 'churn version: cannot write standard output' -- sh -c '"$1" version > /dev/full' _ "$churn"
# #5: dates through the library's parser
expect 2 'as-of: not a date: 2024-02-30' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-02-30 --out "$work/d3.csv"
expect 2 'as-of: not a list of dates' -- "$churn" features --data "$work/ds.msgpack" --as-of 1727740800 --out "$work/f3.csv"
expect 0 'top 5 of [1-9][0-9]* subscribers scored as of 20241001' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 20241001 --top 5 --out "$work/d4.csv"
expect 0 ',2024-10-0[1-9]$' -- sed -n 2p "$work/d4.csv"
# #10: ids and labels holding a comma, a quote or a line break are quoted (RFC 4180)
/usr/bin/python3 - "$work/sim/subscribers.csv" "$work/sim/events.csv" "$work/q" <<'PY'
import csv, os, sys
os.makedirs(sys.argv[3], exist_ok=True)
ren = {}
with open(sys.argv[1], newline='') as f:
    rows = list(csv.reader(f))
for k, r in enumerate(rows[1:]):
    ren[r[0]] = r[0] + (',x"y' if k % 3 == 0 else '\nz' if k % 3 == 1 else '')
    r[0] = ren[r[0]]
    r[rows[0].index('manager')] += ', "boss"'
with open(sys.argv[3] + '/subs.csv', 'w', newline='') as f:
    csv.writer(f).writerows(rows)
with open(sys.argv[2], newline='') as f:
    ev = list(csv.reader(f))
for r in ev[1:]:
    r[0] = ren[r[0]]
with open(sys.argv[3] + '/events.csv', 'w', newline='') as f:
    csv.writer(f).writerows(ev)
PY
expect 0 'subscribers, [0-9]+ events' -- "$churn" ingest --subscribers "$work/q/subs.csv" --events "$work/q/events.csv" --out "$work/q.msgpack"
expect 0 'top 50 of' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/q.msgpack" --as-of 2024-12-01 --top 50 --out "$work/q_dispatch.csv"
expect 0 'rows x' -- "$churn" features --data "$work/q.msgpack" --as-of 2024-10-01 --out "$work/q_features.csv"
if /usr/bin/python3 - "$work/q_dispatch.csv" "$work/q_features.csv" <<'PY'
import sys, pandas as pd
d = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
assert len(d) == 50 and d.columns[-1] == 'contact_deadline', d.columns
assert d['contact_deadline'].str.match(r'^\d{4}-\d\d-\d\d$').all()
assert d['subscriber_id'].str.contains(',x"y').any() and d['subscriber_id'].str.contains('\nz').any()
assert d['manager'].str.endswith(', "boss"').all()
f = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
assert f['as_of'].eq('2024-10-01').all() and f['subscriber_id'].str.contains(',x"y').any()
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: quoted ids and labels in score/features output"; fi
# #18: a label the model saw in training that today's dataset lacks: scored as zeros, with a note
/usr/bin/python3 - "$work/sim/subscribers.csv" "$work/sim/events.csv" "$work/nolabel" <<'PY'
import csv, os, sys, collections
os.makedirs(sys.argv[3], exist_ok=True)
with open(sys.argv[1], newline='') as f:
    rows = list(csv.reader(f))
j = rows[0].index('region')
common = collections.Counter(r[j] for r in rows[1:]).most_common()
gone, into = common[-1][0], common[0][0]     # the rarest region disappears
for r in rows[1:]:
    if r[j] == gone: r[j] = into
with open(sys.argv[3] + '/subs.csv', 'w', newline='') as f:
    csv.writer(f).writerows(rows)
open(sys.argv[3] + '/gone', 'w').write(gone)
PY
gone=$(cat "$work/nolabel/gone")
expect 0 'rows rejected +0' -- "$churn" ingest --subscribers "$work/nolabel/subs.csv" --events "$work/sim/events.csv" --out "$work/nolabel.msgpack"
expect 0 "note: the dataset has no subscriber with account.region=$gone" -- "$churn" score --model "$work/model.msgpack" --dataset "$work/nolabel.msgpack" --as-of 2024-12-01 --top 5 --out "$work/d5.csv"
expect 1 "CHURN_E_NOT_FOUND.*region=$gone" -- "$churn" score --model "$work/model.msgpack" --dataset "$work/nolabel.msgpack" --as-of 2024-12-01 --top 5 --out "$work/d5.csv" --set features.unknown_label=0
# #9: GB18030 bytes in a label are a rejected row naming line, column and byte; the report stays
# valid text.  A model path holding a quote stays valid JSON in summary --json.
printf 'subscriber_id,region\nG1,\261\261\276\251\nG2,north\n' > "$work/gb.csv"
printf 'subscriber_id,time,kind\nG2,2024-03-01,heartbeat\n' > "$work/gb_events.csv"
expect 0 ' 2  region  invalid UTF-8: byte 0xB1 at byte 1' -- "$churn" ingest --subscribers "$work/gb.csv" --events "$work/gb_events.csv" --out "$work/gb.msgpack"
cp "$work/telco.msgpack" "$work/quo\"te.msgpack"
if "$churn" summary "$work/quo\"te.msgpack" --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["model"].endswith("quo\"te.msgpack")'; then
  pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: summary --json with a quote in the path"; fi
# #20: one strict number parser, no repeated flags, no stray words, --set by section, --only, --from/--to
expect 2 "top takes a positive whole number, not '5x'" -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --top 5x --out "$work/d6.csv"
expect 2 "reasons takes a positive whole number, not '0'" -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --reasons 0 --out "$work/d6.csv"
expect 2 'months takes a whole number' -- "$churn" report --dataset "$work/ds.msgpack" --months 3x
expect 2 'option --top given twice' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --top 5 --top 6 --out "$work/d6.csv"
expect 2 "unexpected argument 'extra.csv'" -- "$churn" features --data "$work/ds.msgpack" --as-of 2024-10-01 --out "$work/f5.csv" extra.csv
expect 2 "unexpected argument 'x.csv'" -- "$churn" report --dataset "$work/ds.msgpack" x.csv
expect 2 'churn ingest reads no fit.\* options' -- "$churn" ingest --subscribers "$work/sim/subscribers.csv" --events "$work/sim/events.csv" --out "$work/x.msgpack" --set fit.C=2
expect 2 "only: unknown section 'bogus'" -- "$churn" report --dataset "$work/ds.msgpack" --only movement,bogus
expect 2 'from 2024-06-01 is after --to 2024-01-01' -- "$churn" report --dataset "$work/ds.msgpack" --from 2024-06-01 --to 2024-01-01
expect 2 'from 2030-01-01 is after --to [0-9]{4}-[0-9]{2}-[0-9]{2} \(the last event\)' -- "$churn" report --dataset "$work/ds.msgpack" --from 2030-01-01

# ingest --map: an operator's GB18030 exports through a mapping file (hand-made, see test_mapping.c)
mkdir -p "$work/map"
printf '[input]\nencoding = gb18030\ndate_format = %%Y%%m%%d\nutc_offset = +08:00\n[subscribers]\nfile = users.csv\nsubscriber_id = 用户编号\nactivation = 开户日期\n[events:bill]\nfile = bills.csv\nsubscriber_id = 用户编号\ntime = 账期\nvalue = 应收金额\n' > "$work/map/mapping.ini"
printf '用户编号,开户日期\nU1,20240101\nU2,1704067200\n' | iconv -f UTF-8 -t GB18030 > "$work/map/users.csv"
printf '用户编号,账期,应收金额\nU1,20240201,88.5\nU1,20240301,"1,234.50"\n' | iconv -f UTF-8 -t GB18030 > "$work/map/bills.csv"
expect 0 'map.msgpack: 1 subscribers, 1 events' -- "$churn" ingest --map "$work/map/mapping.ini" --out "$work/map.msgpack"
expect 0 'subscribers .*users.csv +2 +1 +1 .* 3 +开户日期' -- "$churn" ingest --map "$work/map/mapping.ini" --out "$work/map.msgpack"
expect 0 '"section": "events:bill".*"rows_rejected": 1.*"first_rejected_line": 3' -- "$churn" ingest --map "$work/map/mapping.ini" --out "$work/map.msgpack" --json
sed -i 's/应收金额$/金额/' "$work/map/mapping.ini"
expect 1 'CHURN_E_SCHEMA.*\[events:bill\] value = 金额: no such column in bills.csv' -- "$churn" ingest --map "$work/map/mapping.ini" --out "$work/map2.msgpack"
if [ -e "$work/map2.msgpack" ]; then fail=$((fail + 1)); echo "FAIL: a bad mapping wrote a dataset"; else pass=$((pass + 1)); fi
# simulate --export-style operator, read back through its own mapping: nothing rejected
expect 0 'simulated [0-9]+ subscribers' -- "$churn" simulate --subscribers 300 --months 6 --seed 4 --out "$work/op" --export-style operator
expect 0 '"section": "events:bill", .*"rows_rejected": 0' -- "$churn" ingest --map "$work/op/mapping.ini" --out "$work/op.msgpack" --json
expect 2 'export-style must be plain or operator' -- "$churn" simulate --out "$work/op2" --export-style excel

# warnings (issue 20 item 3): the warning list split per route and per customer manager, checked
# against the library's whole list (Python binding, churn.warnings); manager M0101 is renamed
# 'M01,01 "a"/b' so that quoting (RFC 4180) and file-name escapes are exercised.
/usr/bin/python3 - "$work/sim/subscribers.csv" "$work/wsubs.csv" <<'PY'
import sys, pandas as pd
s = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
s.loc[s.manager == 'M0101', 'manager'] = 'M01,01 "a"/b'
s.to_csv(sys.argv[2], index=False)
PY
expect 0 'wds.msgpack' -- "$churn" ingest --subscribers "$work/wsubs.csv" --events "$work/sim/events.csv" --out "$work/wds.msgpack"
expect 0 '^.*/warn: [0-9]+ warnings as of 2024-12-01' -- "$churn" warnings --dataset "$work/wds.msgpack" --as-of 2024-12-01 --out "$work/warn"
# a file an earlier run listed in index.csv and this run does not write goes; others stay
printf 'manager/ZZ9.csv,manager,ZZ9,1\n' >> "$work/warn/index.csv"
printf 'old\n' > "$work/warn/manager/ZZ9.csv"
printf 'mine\n' > "$work/warn/manager/notes.csv"
expect 0 'manager/: [0-9]+ files' -- "$churn" warnings --dataset "$work/wds.msgpack" --as-of 2024-12-01 --out "$work/warn"
if [ ! -e "$work/warn/manager/ZZ9.csv" ] && [ -e "$work/warn/manager/notes.csv" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: warnings reran without removing the stale listed file (or removed an unlisted one)"; fi
rm -f "$work/warn/manager/notes.csv"
cat > "$work/wcheck.py" <<'PY'
# Shared by the two checks below: reading a warnings file, comparing rows with the library's.
import pandas as pd
cols = ['subscriber_id', 'rule', 'observed', 'threshold', 'detail', 'category', 'deadline',
        'route', 'tier', 'vip', 'manager']
def read(path):
    d = pd.read_csv(path, dtype={'subscriber_id': str, 'tier': str, 'manager': str, 'detail': str,
                                 'deadline': str}, keep_default_na=False, float_precision='round_trip')
    assert list(d.columns) == cols, (path, list(d.columns))
    return d
def same(part, want, what):
    # the rows of one file against the reference rows, in the same order
    want = want.reset_index(drop=True)
    assert len(part) == len(want), (what, len(part), len(want))
    for c in ['subscriber_id', 'rule', 'detail', 'category', 'route', 'tier', 'manager', 'deadline']:
        assert (part[c].astype(str) == want[c].astype(str)).all(), (what, c)
    for c in ['observed', 'threshold', 'vip']:
        assert (part[c].to_numpy() == want[c].to_numpy()).all(), (what, c)  # exact: 17 digits
PY
# (a) DIR/warnings.csv is the library's list (Python binding; an uninstrumented Python cannot
# load a sanitizer build's library, so that build skips this one check: the plain build runs it)
lib="$(dirname "$churn")/../lib/libchurn.so"
if grep -q -a -e __asan_init -e __tsan_init "$lib"; then
  echo "note: warnings.csv against churn.warnings skipped (sanitizer build)"
elif CHURN_LIBRARY="$lib" PYTHONPATH="$(dirname "$0")/../../bindings/python:$work" \
   /usr/bin/python3 - "$work/wds.msgpack" "$work/warn" <<'PY'
import sys
import churn
from wcheck import read, same
lib = churn.warnings(churn.Dataset.load(sys.argv[1]), "2024-12-01")
lib['deadline'] = lib.deadline.dt.strftime('%Y-%m-%d')
assert len(lib) > 50 and lib.route.nunique() >= 2, lib.route.value_counts()
same(read(sys.argv[2] + '/warnings.csv'), lib, 'warnings.csv')
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: warnings.csv differs from churn.warnings"; fi
# (b) the split files against the whole list: one file per route and per manager, counted and
# compared row by row with pandas
if PYTHONPATH="$work" /usr/bin/python3 - "$work/warn" <<'PY'
import glob, os, sys
import pandas as pd
from wcheck import read, same
out = sys.argv[1]
full = read(out + '/warnings.csv')
assert len(full) > 50 and full.route.nunique() >= 2, full.route.value_counts()
routes = {os.path.basename(p)[:-4]: read(p) for p in glob.glob(out + '/route/*.csv')}
assert set(routes) == set(full.route), (set(routes), set(full.route))
counts = full.groupby('route').size()
for r, d in routes.items():
    assert len(d) == counts[r], (r, len(d), counts[r])
    same(d, full[full.route == r], r)
# one file per manager with warnings; 'M01,01 "a"/b' escaped in the name, quoted in the rows
names = {'M01,01 "a"/b': 'M01%2C01%20%22a%22%2Fb'}
managers = set(full.manager) - {''}
assert 'M01,01 "a"/b' in managers
files = {os.path.basename(p) for p in glob.glob(out + '/manager/*.csv')}
assert files == {names.get(m, m) + '.csv' for m in managers}, files
for m in managers:
    same(read(out + '/manager/' + names.get(m, m) + '.csv'), full[full.manager == m], m)
# the index: every split file once with its row count
idx = pd.read_csv(out + '/index.csv', dtype=str, keep_default_na=False)
assert len(idx) == len(routes) + len(managers), idx
for f, n in zip(idx.file, idx.rows):
    assert len(read(out + '/' + f)) == int(n), f
assert set(idx[idx.kind == 'manager'].name) == managers
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: warnings split files differ from warnings.csv"; fi
expect 2 'as-of is required' -- "$churn" warnings --dataset "$work/wds.msgpack" --out "$work/warn2"
expect 2 'as-of: not a date: 2024-13-01' -- "$churn" warnings --dataset "$work/wds.msgpack" --as-of 2024-13-01 --out "$work/warn2"
expect 2 'churn warnings reads no fit.\* options' -- "$churn" warnings --dataset "$work/wds.msgpack" --as-of 2024-12-01 --out "$work/warn2" --set fit.C=2
expect 1 'cannot create folder .*dispatch.csv/w' -- "$churn" warnings --dataset "$work/wds.msgpack" --as-of 2024-12-01 --out "$work/dispatch.csv/w"

# score --by manager: the same dispatch list, split; reasons in words next to contributions
expect 0 'top 30 of' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --top 30 --out "$work/d30.csv"
expect 0 'manager/: [0-9]+ files' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --top 30 --by manager --out "$work/bym"
if cmp -s "$work/d30.csv" "$work/bym/dispatch.csv"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: score --by manager's dispatch.csv differs from the plain list"; fi
expect 2 '--by takes manager' -- "$churn" score --model "$work/model.msgpack" --dataset "$work/ds.msgpack" --as-of 2024-12-01 --by region --out "$work/bym2"
expect 0 'rows x' -- "$churn" features --data "$work/ds.msgpack" --as-of 2024-12-01 --select payment.arrears,payment.late_months_run,service.complaints --out "$work/fw.csv"
if /usr/bin/python3 - "$work/d30.csv" "$work/bym" "$work/fw.csv" <<'PY'
import glob, os, sys
import pandas as pd
d = pd.read_csv(sys.argv[1], dtype={'subscriber_id': str, 'manager': str}, keep_default_na=False)
assert [c for c in d.columns if c.startswith('words')] == ['words1', 'words2', 'words3']
assert list(d.columns[3:6]) == ['reason1', 'contribution1', 'words1']
# manager files: each manager's rows of the whole list, rank kept
parts = []
for p in glob.glob(sys.argv[2] + '/manager/*.csv'):
    m = os.path.basename(p)[:-4]
    part = pd.read_csv(p, dtype={'subscriber_id': str, 'manager': str}, keep_default_na=False)
    assert (part.manager == m).all() and part['rank'].is_monotonic_increasing, p
    parts.append(part)
allp = pd.concat(parts).sort_values('rank').reset_index(drop=True)
assert allp.equals(d[d.manager != ''].reset_index(drop=True))
# words against the features extracted on their own (the model's reasons name them)
f = pd.read_csv(sys.argv[3], dtype={'subscriber_id': str}).set_index('subscriber_id')
seen = 0
for _, row in d.iterrows():
    for j in (1, 2, 3):
        r, w = row[f'reason{j}'], row[f'words{j}']
        if r in ('payment.arrears', 'payment.late_months_run'):
            x = f.loc[row.subscriber_id]
            late = x['payment.late_months_run']
            want = f"arrears {x['payment.arrears']:.2f} yuan, {late:.0f} month{'' if late == 1 else 's'} late"
            assert w == want, (w, want)
            seen += 1
        elif r == 'service.complaints':
            c = f.loc[row.subscriber_id, 'service.complaints']
            assert w == ('1 complaint' if c == 1 else f"{c:.0f} complaints"), (w, c)
            seen += 1
assert seen > 0, 'no arrears or complaints reason in the top 30'
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: score --by manager or the reasons' words"; fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
