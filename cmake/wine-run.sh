#!/bin/sh
# Runs a Windows program under Wine with the build tree's own prefix, so test
# runs never share state with a user's ~/.wine. EVE_WINEPREFIX overrides it.
# The prefix is created on first use; scripts/wine-prefix.sh does that ahead
# of a test run so the first test does not pay for it.
here=$(cd "$(dirname "$0")/.." && pwd)
export WINEPREFIX="${EVE_WINEPREFIX:-$here/build/windows/wineprefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=;winemenubuilder.exe=d}"
exec wine "$@"
