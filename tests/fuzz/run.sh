#!/bin/sh
# Runs eve's fuzzers for a bounded time each (`make fuzz`, and ctest's
# fuzz.* entries).
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# BUILD_DIR is the fuzz build (build/fuzz). Each target starts from its seed
# corpus (tests/fuzz/<target>/) and from what earlier runs found
# (BUILD_DIR/corpus/<target>/, where new inputs go); a crash stops the run,
# fails it, and leaves the input in BUILD_DIR/crashes/<target>/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$1
seconds=$2
shift 2
[ $# -gt 0 ] || set -- $(cd "$here" && ls -d */ | tr -d /)
status=0
for target in "$@"; do
  fuzzer="$build/tests/fuzz/fuzz_$target"
  [ -x "$fuzzer" ] || { echo "fuzz: $fuzzer is not built" >&2; exit 2; }
  mkdir -p "$build/corpus/$target" "$build/crashes/$target"
  echo "fuzz: $target for $seconds s"
  # A dictionary beside the seeds (tests/fuzz/<target>.dict) steers the
  # mutations towards the tokens that matter.
  dict=
  [ -f "$here/$target.dict" ] && dict="-dict=$here/$target.dict"
  # -timeout: one input taking 10 s is a hang, and a failure.
  # shellcheck disable=SC2086 # $dict is one word or none
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 $dict \
      -print_final_stats=1 -artifact_prefix="$build/crashes/$target/" \
      "$build/corpus/$target" "$here/$target" 2>"$build/crashes/$target.log"; then
    tail -n 60 "$build/crashes/$target.log"
    echo "fuzz: $target FAILED; input in $build/crashes/$target/" >&2
    status=1
  else
    grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$build/crashes/$target.log" || true
    echo "fuzz: $target ok"
  fi
done
exit $status
