#!/usr/bin/env bash
# check.sh LIB -- compares the built libchurn.so against the committed ABI baseline with
# libabigail's abidiff.  Added functions are fine (a minor version may add); a removed function
# or a changed signature or type layout fails.  See README.md here for updating the baseline.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lib=$1
base=$here/libchurn.abi
[ -f "$base" ] || { echo "abi: no baseline at $base"; exit 1; }
hdr=$(cd "$here/../../include" && pwd)
abidw --headers-dir "$hdr" --out-file /tmp/churn-current.abi "$lib" || { echo "abi: abidw failed"; exit 1; }
abidiff --no-added-syms --suppressions "$here/sentinels.suppr" --headers-dir1 "$hdr" --headers-dir2 "$hdr" "$base" /tmp/churn-current.abi > /tmp/churn-abidiff.txt
rc=$?
if [ $rc -ne 0 ]; then
  echo "abi: incompatible change against the baseline (abidiff exit $rc):"
  cat /tmp/churn-abidiff.txt
  exit 1
fi
echo "abi: compatible with the baseline"
