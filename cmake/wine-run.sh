#!/bin/sh
# Runs a Windows program under Wine with the build tree's own prefix, so test
# runs never share state with a user's ~/.wine. EVE_WINEPREFIX overrides it.
# The prefix is created on first use; scripts/wine-prefix.sh does that ahead
# of a test run so the first test does not pay for it.
#
# Address-space randomisation is turned off for Wine (setarch -R) where the
# kernel allows it. Debian's wine64 has no preloader to reserve the address
# Windows fixes for the shared user data (0x7ffe0000), and its loader is
# linked at 0x7d000000, so the brk heap starts just above it at an offset
# Linux 6.x randomises over 1 GiB: now and then the heap covers 0x7ffe0000
# and Wine dies before the program starts ("failed to map the shared user
# data: c0000018"). Without randomisation the heap starts at 0x7d005000,
# 48 MiB below it. tests/lint/wine_run.py checks the setting reaches Wine.
here=$(cd "$(dirname "$0")/.." && pwd)
export WINEPREFIX="${EVE_WINEPREFIX:-$here/build/windows/wineprefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=;winemenubuilder.exe=d}"
# A container's seccomp policy may refuse the personality change: then Wine
# runs as it would anyway, with the rare start-up failure above.
if setarch "$(uname -m)" -R true 2>/dev/null; then
  exec setarch "$(uname -m)" -R wine "$@"
fi
exec wine "$@"
