#!/usr/bin/env bash
# demo.sh -- README's main command: installs what libchurn needs, builds it and runs the
# end-to-end demo (for now the C quickstart).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh demo
[ -d build ] || meson setup build >/dev/null 2>&1 || meson setup build
ninja -C build >/dev/null
./build/examples/quickstart
