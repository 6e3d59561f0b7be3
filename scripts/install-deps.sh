#!/bin/sh
# Installs what building and testing eve needs, from Debian's packages, and
# nothing that is already there. Run as root (make does). Pass the package
# groups to install: base (build + Wine tests), test (HTTP test tools, fuzzers, valgrind),
# bench (load generators and plot), package (the MSI: wixl builds it,
# msitools reads it back in the tests; the workflow linter comes
# from npm, with the machine's Node.js).
set -eu

base="cmake make gcc libc6-dev gcc-mingw-w64-x86-64 wine64 node-llhttp libcjson-dev dpkg-dev python3 curl clang-tidy"
test="prometheus chromium wrk clang libclang-rt-14-dev valgrind"
bench="wrk nginx-light gnuplot-nox"
package="wixl msitools"

want=""
for group in "$@"; do
  case "$group" in
    base) want="$want $base" ;;
    test) want="$want $test" ;;
    bench) want="$want $bench" ;;
    package) want="$want $package" ;;
    *) echo "install-deps: unknown group $group" >&2; exit 2 ;;
  esac
done

missing=""
for pkg in $want; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
    *" installed") ;;
    *) missing="$missing $pkg" ;;
  esac
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages:$missing (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
