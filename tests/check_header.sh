#!/bin/sh
# check_header.sh INCLUDE_DIR -- churn.h compiles on its own as strict C11 and as C++.
set -eu
inc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <churn.h>\nint main(void) { return churn_version_number() == 0; }\n' > "$tmp/h.c"
cp "$tmp/h.c" "$tmp/h.cpp"
${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/h.c"
${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only -DCHURN_EXPERIMENTAL -I"$inc" "$tmp/h.c"
${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/h.c"
if command -v c++ >/dev/null 2>&1; then
  c++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/h.cpp"
  c++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -DCHURN_EXPERIMENTAL -I"$inc" "$tmp/h.cpp"
  echo "ok: churn.h compiles alone as C11 (with and without CHURN_EXPERIMENTAL), C99 and C++11"
else
  echo "c++ compiler not found: the C++ check cannot run" >&2
  exit 1
fi
