#!/bin/sh
# check_layers.sh SOURCE_ROOT -- every #include "folder/..." in lib/ follows the rule of
# lib/README.md: a folder includes only the folders listed for it (and its own files by bare
# name).  Prints each back edge and fails on any.
set -eu
root=${1:-$(dirname "$0")/..}
cd "$root/lib"
allowed() {
  case $1 in
    common) echo "" ;;
    data) echo "common" ;;
    features) echo "common data" ;;
    model|eval|survival) echo "common" ;;
    kpi) echo "common data survival" ;;
    sim) echo "common data" ;;
    design) echo "common data model" ;;
    *) echo "UNKNOWN" ;;
  esac
}
bad=0 edges=0
for f in */*.c */*.h */*.inc; do
  [ -f "$f" ] || continue
  from=${f%%/*}
  ok=$(allowed "$from")
  if [ "$ok" = UNKNOWN ]; then
    echo "check_layers: lib/$from/ is not in lib/README.md's table"; bad=1; continue
  fi
  for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
    case $inc in
      */*) to=${inc%%/*} ;;
      *) if [ -f "$from/$inc" ] || [ "$inc" = churn.h ]; then continue; fi
         echo "check_layers: lib/$f includes \"$inc\", which is not in lib/$from/"; bad=1; continue ;;
    esac
    edges=$((edges + 1))
    [ "$to" = "$from" ] && { echo "check_layers: lib/$f names its own folder in \"$inc\""; bad=1; continue; }
    case " $ok " in
      *" $to "*) ;;
      *) echo "check_layers: lib/$f includes \"$inc\": $from/ may not include $to/ (lib/README.md)"; bad=1 ;;
    esac
  done
done
[ "$bad" -eq 0 ] || exit 1
echo "ok: $edges includes across lib/ folders follow lib/README.md"
