#!/bin/sh
# The poller benchmark for every mode, as one markdown table with the machine
# named: epoll natively, then each Windows mode under Wine, the raw IOCP
# wake-up floor beside them, and wineserver requests per round of 10 reads
# (WINEDEBUG=+server) for 10 active + 1,000 idle connections.
#
#   bench/run-poller-bench.sh [--linux DIR] [--windows DIR] [--idle "N..."] [--max-sockets N]
#
# --idle lists the idle-socket counts to measure 10 active connections
# beside (default "1000 10000": 10,000 is both ends of 5,000 loopback pairs,
# within this machine's 20,000 open files per process); the wineserver
# request counts use the first.
#
# DIRs are configured build trees (default build/linux and build/windows),
# with bench/poller_bench built. Wine runs use EVE_WINEPREFIX if set, else
# the build tree's prefix (cmake/wine-run.sh). Absolute figures under Wine
# move ~25% between runs: compare rows of one run with each other.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
linux="$top/build/linux"
windows="$top/build/windows"
idle="1000 10000"
max_sockets=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --linux) linux=$2; shift 2 ;;
    --windows) windows=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --max-sockets) max_sockets=$2; shift 2 ;;
    *) echo "usage: $0 [--linux DIR] [--windows DIR] [--idle \"N...\"] [--max-sockets N]" >&2; exit 2 ;;
  esac
done
wine_run="$top/cmake/wine-run.sh"
win_bench="$windows/bench/poller_bench.exe"
idle_args=""
for n in $idle; do idle_args="$idle_args --idle $n"; done
first_idle=${idle%% *}
linux_bench="$linux/bench/poller_bench"

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
wine_version=$(wine --version 2>/dev/null | head -n 1 || echo "no wine")
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Machine: $(uname -m), $(nproc) cores, ${cpu:-unknown CPU}; $(uname -sr); ${wine_version}; load average at start: ${load}"
echo
echo "| mode | measurement | result |"
echo "|---|---|---|"

[ -x "$linux_bench" ] && "$linux_bench" epoll --max-sockets "$max_sockets" $idle_args
if [ -f "$win_bench" ]; then
  "$wine_run" "$win_bench" raw-iocp
  for mode in wsapoll overlapped; do
    "$wine_run" "$win_bench" "$mode" --max-sockets "$max_sockets" $idle_args
  done
  # wineserver requests per round (10 sends, 10 reports, 10 reads), counted
  # between the bench's two named-event markers. The client's own sends and
  # reads are in the count; they are the same for every mode. wineserver
  # traces requests only if it was itself started with +server, so each
  # count starts a fresh one (it ends by itself a few seconds later).
  prefix="${EVE_WINEPREFIX:-$top/build/windows/wineprefix}"
  for mode in wsapoll overlapped; do
    for n in 0 "$first_idle"; do
      WINEPREFIX="$prefix" wineserver -k 2>/dev/null || true
      WINEPREFIX="$prefix" wineserver -w 2>/dev/null || true
      count=$(WINEDEBUG=+server "$wine_run" "$win_bench" "$mode" --trace-rounds --idle "$n" 2>&1 >/dev/null |
        awk '/eve-bench-mark-begin/ { on = 1; next } /eve-bench-mark-end/ { on = 0 }
             on && /^[0-9a-f]+: [a-z_]+\(/ && !/\) = / { c++ } END { print c + 0 }')
      echo "| $mode | wineserver requests per round of 10 reads, $n idle | $((count / 100)) |"
    done
  done
fi
