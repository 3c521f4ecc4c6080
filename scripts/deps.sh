#!/usr/bin/env bash
# deps.sh [demo|test] -- installs the Debian 12 packages libchurn needs to build and run the demo
# ("demo") or every test ("test").  Run as root (or with sudo available).
set -euo pipefail
what=${1:-test}
build=(gcc g++ meson ninja-build pkg-config binutils libopenblas-dev liblapacke-dev libmsgpack-dev libinih-dev
       python3 python3-numpy python3-pandas python3-matplotlib python3-sklearn)
test_only=(libcriterion-dev python3-pytest python3-sklearn python3-statsmodels python3-dask
           python3-distributed python3-nbclient python3-ipykernel liblua5.4-dev lua5.4 lua-busted
           liblinear-tools abigail-tools clang libclang-rt-14-dev valgrind
           chromium)  # chromium: bindings/python/tests/test_report_html.py renders the HTML report
pkgs=("${build[@]}")
[ "$what" = test ] && pkgs+=("${test_only[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "== installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
