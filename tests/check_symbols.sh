#!/bin/sh
# check_symbols.sh LIB HEADER -- every dynamic symbol the shared library defines starts with
# churn_ and is declared in the public header; the soname carries the major version; the library
# never calls umask().
set -eu
lib=$1 header=$2
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
[ -n "$syms" ] || { echo "no exported symbols found in $lib"; exit 1; }
bad=0
for s in $syms; do
  case $s in
    CHURN_1) continue ;;  # the version node itself
    churn_*) ;;
    *) echo "exported symbol without churn_ prefix: $s"; bad=1; continue ;;
  esac
  grep -Eq "[^A-Za-z0-9_]$s *\\(" "$header" || { echo "exported but not declared in churn.h: $s"; bad=1; }
done
# Issue 21 #1: the umask is process-global; reading it with umask() races with other threads.
if nm -D --undefined-only "$lib" | awk '{print $2}' | sed 's/@.*//' | grep -qx umask; then
  echo "the library calls umask(): it must never change process-global state"; bad=1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
case $soname in
  libchurn.so.[0-9]*) ;;
  *) echo "soname is '$soname', expected libchurn.so.<major>"; bad=1 ;;
esac
n=$(echo "$syms" | wc -l)
[ $bad -eq 0 ] && echo "ok: $n exported symbols, soname $soname"
exit $bad
