#!/bin/sh
# Prepares the Wine prefix the Windows tests run in (build/windows/wineprefix,
# or EVE_WINEPREFIX), and keeps one wineserver alive for the whole run so
# each test's wine start does not pay for a new server. `--stop` ends that
# wineserver. Idempotent.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export WINEPREFIX="${EVE_WINEPREFIX:-$top/build/windows/wineprefix}"
export WINEDEBUG=-all
# Gecko and Mono installers would ask for downloads this machine cannot make;
# winemenubuilder would write menu entries and file types into the user's
# ~/.local/share, outside the build tree.
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"

if [ "${1:-}" = "--stop" ]; then
  if [ -d "$WINEPREFIX" ]; then
    wineserver -k 2>/dev/null || true
    wineserver -w 2>/dev/null || true
  fi
  exit 0
fi

mkdir -p "$WINEPREFIX"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "wine-prefix: creating $WINEPREFIX"
  "$top/cmake/wine-run.sh" wineboot -i >/dev/null 2>&1 || true
  wineserver -w
  [ -f "$WINEPREFIX/system.reg" ] || { echo "wine-prefix: wineboot failed" >&2; exit 1; }
fi
# A wineserver that outlives each test (services need one too) and still
# ends by itself an hour after the last Wine process, if --stop never runs.
# The wait counts from the last *user* process: services.exe and the other
# system processes do not hold the server, and it takes them down when it
# ends. With a minute, the service phase lost its services.exe during
# msi.wine.build (over 60 s of wixl with no Wine process), and every later
# service test met a fresh wineserver that ended with its own client.
wineserver -p3600 >/dev/null 2>&1 || true
# Start the prefix's own processes (services.exe, explorer, plugplay) now,
# with one trivial program whose stdio goes nowhere. Started by the first
# test instead, they inherit that test's stdout and stderr, and ctest waits
# for those pipes to close: the first test then "hangs" for as long as the
# wineserver persists, though the program itself has long exited. Through
# the test runs' own wrapper, so services.exe and every service it starts
# inherit the same address-space settings as the tests' programs.
"$top/cmake/wine-run.sh" cmd /c exit </dev/null >/dev/null 2>&1 || true
