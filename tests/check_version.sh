#!/bin/sh
# check_version.sh SOURCE_ROOT -- the version is defined once, in include/churn.h: meson (through
# scripts/version.sh) and the Python package (bindings/python/churn/_version.py) read it from
# there, and no other file of the build or the packages spells it out.
set -eu
root=$1
v=$(sh "$root/scripts/version.sh")
py=$(cd "$root/bindings/python/churn" && /usr/bin/python3 -c 'import _version; print(_version.__version__)')
[ -z "$py" ] || [ "$py" = "$v" ] || { echo "Python package says $py, churn.h says $v"; exit 1; }
if grep -nE "version *[:=] *['\"][0-9]+\.[0-9]+\.[0-9]+" "$root/meson.build" "$root/bindings/python/pyproject.toml" \
     "$root/bindings/python/churn/_version.py" "$root/bindings/python/setup.py"; then
  echo "a version literal outside include/churn.h (above)"; exit 1
fi
echo "ok: version $v defined once (include/churn.h)"
