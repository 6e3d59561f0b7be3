#!/usr/bin/env python3
"""Where a Windows design's wineserver requests go, by request name.

    wine_counts.py [--modes overlapped,wsapoll] [--no-baseline] [--rounds N]
                   [--sequential N] [--windows-build DIR] [--markdown]

For eved.exe in each mode and the minimal WSAPoll loop
(bench/http/wsapoll_loop.c), under a fresh wineserver started with
WINEDEBUG=+server, the three traced runs of http_bench.py's Wine section
(one request at a time with every wait blocking, wrk with 50 connections
in the steady state, new connections with one request each), printed as
requests per HTTP request (per connection for the third) for every request
name, so a change to the poller shows which round trips it saved or added.
Counts are exact one at a time and move by about 1% under wrk; they do not
depend on the machine's load, which is why decisions here rest on them
rather than on requests/s. Uses the worktree's prefix (EVE_WINEPREFIX, or
build/windows/wineprefix) like http_bench.py; about 40 s per server.
"""
import argparse
import collections
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_bench  # noqa: E402


def traced(bench, start, n_requests):
    """One server under a fresh traced wineserver (http_bench's three
    runs): three dicts of requests by name, already divided per HTTP
    request, per request under wrk, and per connection."""
    return bench.wine_server_requests(start, n_requests)[3]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    p.add_argument("--windows-build", help="the Windows build tree (default ROOT/build/windows)")
    p.add_argument("--modes", default="overlapped,wsapoll",
                   help="eved.exe poller modes, comma-separated")
    p.add_argument("--no-baseline", action="store_true", help="leave out wsapoll_loop.exe")
    p.add_argument("--rounds", type=int, default=1, help="traced rounds per server (medians)")
    p.add_argument("--sequential", type=int, default=500, help="requests one at a time")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args()
    args.linux_build = None
    bench = http_bench.Bench(args)
    try:
        servers = []
        if not args.no_baseline:
            eved = bench.start_eved("wsapoll", True)
            _, body = http_bench.http_get(eved.port)
            eved.stop()
            bench.body_path = os.path.join(bench.tmp, "stats.json")
            with open(bench.body_path, "wb") as f:
                f.write(body)
            servers.append(("loop", lambda env, err: bench.start_baseline(bench.body_path, env,
                                                                          err)))
        for mode in filter(None, args.modes.split(",")):
            servers.append((mode, lambda env, err, m=mode: bench.start_eved(m, True, env, err)))
        runs = collections.defaultdict(list)
        for _ in range(args.rounds):
            for name, start in servers:
                http_bench.log("tracing %s" % name)
                runs[name].append(traced(bench, start, args.sequential))
                time.sleep(1)
        results = [{name: http_bench.median_counts([r[i] for r in runs[name]])
                    for name, _ in servers} for i in range(3)]
        for title, per_server in zip(http_bench.BREAKDOWN_TITLES, results):
            print(http_bench.breakdown_table(("### " if args.markdown else "") + title + "\n",
                                             per_server, args.markdown) + "\n")
    finally:
        shutil.rmtree(bench.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
