#!/bin/sh
# version.sh -- prints the library's version, MAJOR.MINOR.PATCH, from include/churn.h: the one
# place it is defined (meson and the Python package read it from there).
h="$(dirname "$0")/../include/churn.h"
awk '/^#define CHURN_VERSION_(MAJOR|MINOR|PATCH) /{v[$2]=$3}
     END{if (v["CHURN_VERSION_MAJOR"]=="") exit 1;
         printf "%s.%s.%s\n", v["CHURN_VERSION_MAJOR"], v["CHURN_VERSION_MINOR"], v["CHURN_VERSION_PATCH"]}' "$h"
