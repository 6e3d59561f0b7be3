#!/bin/sh
# The suite a machine runs is the suite this file names: a test whose tool
# is missing is not registered (CMake leaves it out), so without this check
# a machine lacking valgrind or clang-tidy would run fewer tests and still
# end green. tests/expected/<preset>.txt lists every ctest name the preset
# must have, one per line, sorted.
#
#   check-tests.sh PRESET...            fail (exit 1) naming what differs
#   check-tests.sh --update PRESET...   rewrite the lists from the build trees
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
update=0
[ "${1:-}" = "--update" ] && { update=1; shift; }

status=0
for preset in "$@"; do
  expected="tests/expected/$preset.txt"
  actual=$(mktemp)
  ctest --preset "$preset" -N | sed -n 's/^ *Test *#[0-9]*: *//p' | LC_ALL=C sort > "$actual"
  if [ "$update" = 1 ]; then
    mv "$actual" "$expected"
    echo "check-tests: $expected: $(wc -l < "$expected") tests"
    continue
  fi
  missing=$(LC_ALL=C comm -23 "$expected" "$actual")
  extra=$(LC_ALL=C comm -13 "$expected" "$actual")
  rm -f "$actual"
  if [ -n "$missing" ]; then
    echo "check-tests: the $preset preset lacks these tests of $expected (is a tool missing?):" >&2
    echo "$missing" | sed 's/^/  /' >&2
    status=1
  fi
  if [ -n "$extra" ]; then
    echo "check-tests: the $preset preset has tests $expected does not name (add them there):" >&2
    echo "$extra" | sed 's/^/  /' >&2
    status=1
  fi
  [ -n "$missing$extra" ] || echo "check-tests: $preset: all $(wc -l < "$expected") expected tests present"
done
exit $status
