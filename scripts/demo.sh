#!/usr/bin/env bash
# demo.sh -- README's main command: installs what libchurn needs, builds it, and runs the
# end-to-end demo (examples/demo.py): a simulated 100,000-subscriber operator, a risk model
# trained on snapshots and evaluated on a holdout, the KPIs operators report, and the dispatch
# list.  Charts and an HTML report go to demo-output/ (or the folder given as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh demo
[ -f build/build.ninja ] || meson setup build -Dtests=disabled >/dev/null 2>&1 || meson setup build -Dtests=disabled
ninja -C build >/dev/null
CHURN_LIBRARY="$PWD/build/lib/libchurn.so" /usr/bin/python3 examples/demo.py --out "${1:-demo-output}"
