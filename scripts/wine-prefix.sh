#!/bin/sh
# Prepares the Wine prefix the Windows tests run in (build/windows/wineprefix,
# or EVE_WINEPREFIX), and keeps one wineserver alive for the whole run so
# each test's wine start does not pay for a new server. `--stop` ends that
# wineserver. Idempotent.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export WINEPREFIX="${EVE_WINEPREFIX:-$top/build/windows/wineprefix}"
export WINEDEBUG=-all
# Gecko and Mono installers would ask for downloads this machine cannot make.
export WINEDLLOVERRIDES="mscoree,mshtml="

if [ "${1:-}" = "--stop" ]; then
  [ -d "$WINEPREFIX" ] && wineserver -k 2>/dev/null || true
  exit 0
fi

mkdir -p "$WINEPREFIX"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "wine-prefix: creating $WINEPREFIX"
  wineboot -i >/dev/null 2>&1 || true
  wineserver -w
  [ -f "$WINEPREFIX/system.reg" ] || { echo "wine-prefix: wineboot failed" >&2; exit 1; }
fi
# A wineserver that outlives each test (services need one too) and still
# ends by itself a minute after the last Wine process, if --stop never runs.
wineserver -p60 >/dev/null 2>&1 || true
# Start the prefix's own processes (services.exe, explorer, plugplay) now,
# with one trivial program, rather than in whichever tests start first:
# two first programs starting together were seen to stall one of them.
wine cmd /c exit >/dev/null 2>&1 || true
