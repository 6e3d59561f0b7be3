#!/usr/bin/env python3
"""Where a Windows design's wineserver requests go, by request name.

    wine_counts.py [--modes overlapped,wsapoll] [--no-baseline] [--rounds N]
                   [--sequential N] [--windows-build DIR] [--markdown] [--show-one]

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
import re
import shutil
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_bench  # noqa: E402


def traced(bench, start, n_requests):
    """One server under a fresh traced wineserver (http_bench's three
    runs): three dicts of requests by name, already divided per HTTP
    request, per request under wrk, and per connection."""
    return bench.wine_server_requests(start, n_requests)[3]


def show_one(bench, name, start):
    """The requests, in order, of one HTTP request on a warm keep-alive
    connection and of one new connection with one request, from the
    server's socket threads: where each round trip comes from."""
    trace = os.path.join(bench.tmp, "one-trace.log")
    env = dict(os.environ, WINEDEBUG="+server")
    bench.restart_wineserver(False)
    windows = []
    try:
        with open(trace, "wb") as err:
            proc = start(env, err)
            try:
                with socket.create_connection(("127.0.0.1", proc.port)) as s:
                    for _ in range(20):
                        bench.get_stats(s)
                        time.sleep(0.01)
                    time.sleep(0.3)
                    before = os.path.getsize(trace)
                    bench.get_stats(s)
                    time.sleep(0.3)
                    windows.append(("one HTTP request", before, os.path.getsize(trace)))
                for _ in range(5):
                    with socket.create_connection(("127.0.0.1", proc.port)) as s:
                        bench.get_stats(s)
                    time.sleep(0.05)
                time.sleep(0.3)
                before = os.path.getsize(trace)
                with socket.create_connection(("127.0.0.1", proc.port)) as s:
                    bench.get_stats(s)
                time.sleep(0.3)
                windows.append(("one new connection", before, os.path.getsize(trace)))
            finally:
                proc.stop()
    finally:
        bench.restart_wineserver(True)
    for what, begin, end in windows:
        counts = bench.count_by_name(trace, begin, end)
        print("### %s: %s, %d wineserver requests\n" % (name, what, sum(counts.values())))
        with open(trace, "rb") as f:
            f.seek(begin)
            lines = f.read(end - begin).decode(errors="replace").split("\n")
        threads = {line[:4] for line in lines
                   if re.match(r"^[0-9a-f]{4}: (recv_socket|send_socket|accept_socket)\(", line)
                   or re.match(r"^[0-9a-f]{4}: ioctl\(.*code=00012024", line)}
        for line in lines:
            if line[:4] in threads and re.match(r"^[0-9a-f]{4}: \w+\(", line) \
                    and ") = " not in line:
                print("    " + line[:140])
        print()


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
    p.add_argument("--show-one", action="store_true",
                   help="print the requests of one HTTP request and one new connection instead")
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
        if args.show_one:
            for name, start in servers:
                show_one(bench, name, start)
            return
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
