#!/usr/bin/env bash
# mutants.sh [PATTERN] -- a small mutation test of the suite: each line of the list below is one
# deliberate bug (a one-line sed on a named library file) with the tests that must catch it.
# The tree is copied (the files git lists, so no .git and no build folders) into $MUTANTS_DIR
# (default /tmp/churn-mutants-$UID), built there once, and each mutant is applied to that copy,
# rebuilt incrementally, run against its tests, and reverted.  A mutant is killed when one of its
# tests fails, survived when all pass; a sed that no longer changes its file (the code moved) is
# reported as STALE and makes the script fail, so the list is kept current.  Prints
# `mutants: N killed, N survived` and exits non-zero if any survived or went stale.
# Run by hand (it is not part of scripts/test.sh); PATTERN keeps only mutants whose id matches.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${MUTANTS_DIR:-/tmp/churn-mutants-$(id -u)}
pattern=${1:-}
src=$work/src
build=$work/build

# id | file under lib/ | sed expression | tests: C test names, py:<file> (pytest in
# bindings/python/tests).  Fields are separated by " | " (space, bar, space), so a sed
# expression may hold "||" but not " | ".  Up to warnings-recall: the audit of issue 24 as
# far as it could be reconstructed (its surviving KPI and scoring mutants first, then mutants
# the suite already caught); from snapshot-cohort on: one per gap closed after it.  The win-back
# rules' mutants are left out while lib/kpi/kpi_segments.c's win-back is being redefined.
MUTANTS=$(cat <<'EOF'
score-f32-column    | model/score.c        | s/s3 += (double)x\[j + 3\] \* b\[j + 3\]/s3 += (double)x[j + 2] * b[j + 3]/ | test_score
score-topk-tie      | model/score.c        | s/c\[j\] > c\[best\] /c[j] >= c[best] / | test_score
topk-rank-tie       | kpi/kpi_warnings.c   | /^static int cmp_ranked/,/^}/s/return (x->sub > y->sub) - (x->sub < y->sub);/return (x->sub < y->sub) - (x->sub > y->sub);/ | test_kpi_warnings
segments-attr       | kpi/kpi_common.c     | s/cc = &a->cat;/cc = \&ds->subs.cat[0];/ | test_kpi_segments py:test_kpi_dataset.py
snapshot-end        | kpi/kpi_movement.c   | s/if (started \&\& sp.end\[j\] >= b\[k\])/if (started \&\& sp.end[j] > b[k])/ | test_kpi_movement
curves-window       | kpi/kpi_survival.c   | s/e <= window_start) return false;/e < window_start) return false;/ | test_kpi_survival
auc-ties            | eval/metrics.c       | s/(pos_above + 0\.5 \* g\.pos)/(pos_above + 1.0 * g.pos)/ | test_metrics
km-greenwood        | survival/survival.c  | s/greenwood += dd \/ (nr \* (nr - dd));/greenwood += dd \/ (nr * nr);/ | test_survival
km-loglog           | survival/survival.c  | s/\*lo = pow(p, exp(w));/*lo = pow(p, exp(0.5 * w));/ | test_survival
wilson-center       | common/special.c     | s/double center = (q + z2 \/ (2\.0 \* m)) \/ denom;/double center = (q + z2 \/ m) \/ denom;/ | test_kpi_segments
infer-pvalue        | model/infer.c        | s/cols\[3\]\[j\] = 2\.0 \* churn__normal_sf/cols[3][j] = churn__normal_sf/ | test_infer
infer-odds          | model/infer.c        | s/cols\[6\]\[j\] = exp(b);/cols[6][j] = exp(-b);/ | test_infer
l2-gradient         | model/solver.c       | s/s->G\[j\] = -st->g\[j\] + s->lam2/s->G[j] = -st->g[j] + 2.0 * s->lam2/ | test_fit
null-loglik         | model/solver.c       | s/(s->sum_w - s->sum_w_pos) \* log1p(-yb)/(s->sum_w - s->sum_w_pos) * log(yb)/ | test_fit
labels-horizon      | features/labels.c    | s/ev->off\[s + 1\] \&\& ev->time\[e\] <= E;/ev->off[s + 1] \&\& ev->time[e] < E;/ | test_labels
movement-average    | kpi/kpi_movement.c   | s/? 0\.5 \* (double)(open + close)/? (double)(open + close)/ | test_kpi_movement
warnings-recall     | kpi/kpi_warnings.c   | s/fc\[WA_RECALL\]\[r\] = ratio(ic\[WA_HIT\]\[r\], churners);/fc[WA_RECALL][r] = ratio(ic[WA_HIT][r], churners + 1);/ | test_kpi_warnings
snapshot-cohort     | kpi/kpi_movement.c   | s/if (started \&\& base < sp->end\[k\])/if (started \&\& base <= sp->end[k])/ | test_kpi_movement
alloc-no-injection  | common/alloc.c       | s/return CHURN_UNLIKELY(tls_fail_at != 0 \&\& tls_count == tls_fail_at);/return false;/ | test_kpi_movement test_kpi_segments test_kpi_survival test_kpi_warnings
dataset-vip         | data/dataset_io.c    | s/if (s->vip\[i\] > 1 ||/if (s->vip[i] > 2 ||/ | test_dataset_io
dataset-dict-long   | data/dataset_io.c    | s/if (pos != len) return/if (pos > len) return/ | test_dataset_io
csv-bom             | data/csv.c           | s/if (r->f\[0\]\.len >= 3 \&\&/if (r->f[0].len >= 30 \&\&/ | test_csv
csv-aux-int32       | data/csv.c           | s/v <= INT32_MIN || v > INT32_MAX/v < INT32_MIN || v > INT32_MAX/ | test_csv
options-str-length  | common/options.c     | s/if ((double)n < SPECS\[i\]\.min || (double)n > SPECS\[i\]\.max)/if ((double)n < SPECS[i].min)/ | test_options
options-get-string  | common/options.c     | s/\*value = opts->values\[i\]\.s;/*value = SPECS[i].def_string;/ | test_options
solver-halvings     | model/solver.c       | s/if (++s->halvings > MAX_HALVINGS) {/if (++s->halvings > 4 * MAX_HALVINGS) {/ | test_solver
solver-non-finite   | model/solver.c       | s/if (!churn__is_finite(f)) {/if (0) {/ | test_solver
firth-overflow      | model/firth.c        | s/if (p->bad) {/if (p->bad \&\& p->bad_col >= 0) {/ | test_firth
forecast-filter     | kpi/kpi_cohort_forecast.c | s/churn_kpi_snapshot(ds, base_date, nmonths, column, label,/churn_kpi_snapshot(ds, base_date, nmonths, NULL, NULL,/ | test_kpi_forecast
movement-nan-margin | kpi/kpi_movement.c   | s/fc\[MV_MARGIN\]\[r\] = target - fc\[MV_RATE\]\[r\];/fc[MV_MARGIN][r] = isnan(fc[MV_RATE][r]) ? target : target - fc[MV_RATE][r];/ | test_kpi_movement
EOF
)

fail() { echo "mutants: $*" >&2; exit 2; }
mkdir -p "$src"
# Copy the files git knows of (tracked, and new ones not ignored), by content: only a file that
# differs is copied, with a fresh mtime, so the build in the copy stays incremental.
git -C "$root" ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
  [ -f "$root/$f" ] || continue
  cmp -s "$root/$f" "$src/$f" && continue
  mkdir -p "$(dirname "$src/$f")" && cp "$root/$f" "$src/$f" || exit 1
done || fail "copy failed"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" -Dlua=disabled >"$work/setup.log" 2>&1 \
    || { cat "$work/setup.log"; fail "meson setup failed"; }
fi

# The shared library's ninja target (lib/libchurn.so.<version>).
solib=$(ninja -C "$build" -t targets all | grep -o '^lib/libchurn\.so[.0-9]*:' | head -1 | tr -d :)
[ -n "$solib" ] || fail "no shared library target in $build"

# The ninja targets for a list of tests.
targets_for() {
  local t out=$solib
  for t in "$@"; do
    case $t in py:*) ;; *) out="$out tests/$t" ;; esac
  done
  echo "$out"
}

run_tests() { # prints the first failing test, returns 1 if any fails
  local t
  for t in "$@"; do
    case $t in
      py:*)
        CHURN_LIBRARY=$build/lib/libchurn.so /usr/bin/python3 -m pytest -q -x -p no:cacheprovider \
          "$src/bindings/python/tests/${t#py:}" >"$work/run.log" 2>&1 || { echo "$t"; return 1; } ;;
      *)
        (cd "$build" && CHURN_SHARED_DATA="$root/../shared/data" CHURN_SOURCE_ROOT="$src" \
          timeout 600 "./tests/$t") >"$work/run.log" 2>&1 || { echo "$t"; return 1; } ;;
    esac
  done
  return 0
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }

# Every listed test must pass on the unmutated copy first.
table=$(echo "$MUTANTS" | sed 's/ | /\t/g')
all_tests=$(echo "$table" | cut -f4 | tr ' ' '\n' | sort -u | tr '\n' ' ')
# shellcheck disable=SC2086
ninja -C "$build" $(targets_for $all_tests) >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; fail "the unmutated copy does not build"; }
# shellcheck disable=SC2086
if ! bad=$(run_tests $all_tests); then
  tail -30 "$work/run.log"; fail "$bad fails without any mutant"
fi

killed=0 survived=0 stale=0
while IFS=$'\t' read -r id file expr tests; do
  id=$(trim "$id"); file=$(trim "$file"); expr=$(trim "$expr"); tests=$(trim "$tests")
  [ -n "$id" ] || continue
  [ -z "$pattern" ] || [[ $id == *$pattern* ]] || continue
  path=$src/lib/$file
  cp "$path" "$work/orig"
  sed -i "$expr" "$path"
  if cmp -s "$path" "$work/orig"; then
    echo "STALE     $id: the sed no longer changes lib/$file"
    stale=$((stale + 1))
    continue
  fi
  # shellcheck disable=SC2086
  if ! ninja -C "$build" $(targets_for $tests) >"$work/build.log" 2>&1; then
    echo "STALE     $id: lib/$file does not build with the mutation"
    stale=$((stale + 1))
  # shellcheck disable=SC2086
  elif who=$(run_tests $tests); then
    echo "SURVIVED  $id (lib/$file; $tests)"
    survived=$((survived + 1))
  else
    echo "killed    $id by $who"
    killed=$((killed + 1))
  fi
  cp "$work/orig" "$path" # a fresh mtime: the next build recompiles the original
done <<<"$table"
# shellcheck disable=SC2086
ninja -C "$build" $(targets_for $all_tests) >/dev/null 2>&1
summary="mutants: $killed killed, $survived survived"
[ "$stale" -eq 0 ] || summary="$summary, $stale stale"
echo "$summary"
[ "$survived" -eq 0 ] && [ "$stale" -eq 0 ]
