#!/usr/bin/env python3
"""`make bench`, native part: eved against nginx's fastest response path.

http_bench.py runs it first. GET /stats natively, three servers, one
worker each, wrk at 1, 50, 500 and 5,000 connections, alternating the
servers each round and quoting medians:

- eved with the host collectors off, so its /stats body (eved's own
  figures, ~1.5 KB) fits in an nginx config string;
- nginx 1.22 answering `return 200 '<those bytes>'` (its fastest path: no
  file is opened per request, no sendfile; access_log off);
- nginx serving the same bytes from a file (an open, an fstat and a
  sendfile per request): the second column.

Beside each figure: wrk's own CPU (from its rusage; 100% is its one thread
saturated, so the load generator, not the server, set the figure) and the
server's (utime + stime from /proc/<pid>/stat).

Then, at 50 connections:
- system calls per request, counted by `strace -c -f` on the serving
  process over a wrk run (strace slows the server, not the counts);
- the request path with the host collectors on and /metrics scraped once a
  second, against collectors off: GET /healthz, whose body is the same
  either way (/stats' is not: it carries the host figures when they are
  on).

Targets (issue 21) are judged from this run's figures; a benchmark, not a
test: it fails only if a server or wrk misbehaves.
"""
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_bench as hb  # noqa: E402  (servers, wrk and /proc helpers)

# nginx reads a config token into a 4096-byte buffer (NGX_CONF_BUFFER in
# src/core/ngx_conf_file.c): a longer `return` text is refused.
NGINX_TOKEN_MAX = 4000
SERVERS = ("eved", "nginx return", "nginx file")
RECEIVES = {"recvfrom", "recvmsg", "read", "readv", "recvmmsg"}
SENDS = {"sendmsg", "sendto", "write", "writev", "sendfile", "sendmmsg"}
# Per-connection and loop calls: the wait, accepts, closes and their socket
# options, which a keep-alive load makes per connection, not per request.
LOOP = {"epoll_wait", "epoll_pwait", "accept4", "accept", "close", "shutdown", "setsockopt",
        "epoll_ctl", "getsockopt", "ioctl"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def wrk_with_cpu(port, conns, seconds, path="/stats", **wrk_args):
    """hb.wrk, and wrk's CPU as a percentage of one core over the run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = hb.wrk(port, conns, seconds, path, **wrk_args)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["wrk_cpu"] = 100.0 * used / max(elapsed, 1e-9)
    return result


def syscalls_during(pid, tmp, load):
    """System calls of pid (every thread) per request while load() runs:
    `strace -c -f` attached first (strace slows the server, not the
    counts); load returns hb.wrk's result, whose "done" divides. Receives,
    sends, and the calls that are neither nor the loop's (other), each
    per request; per: every call."""
    out = os.path.join(tmp, "strace-%d.txt" % pid)
    tracer = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", out],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)  # attached before the load starts
        r = load()
        time.sleep(0.3)
    finally:
        tracer.terminate()
        tracer.wait(30)
    calls = {}
    with open(out) as f:
        for line in f:
            m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
            if m and m.group(2) != "total":
                calls[m.group(2)] = int(m.group(1))
    per = {k: v / r["done"] for k, v in calls.items()}
    receive = sum(v for k, v in per.items() if k in RECEIVES)
    send = sum(v for k, v in per.items() if k in SENDS)
    other = {k: v for k, v in per.items() if k not in RECEIVES | SENDS | LOOP}
    return {"receive": receive, "send": send, "other": other, "per": per, "requests": r["done"]}


class NativeBench:
    def __init__(self, bench):
        self.b = bench
        self.results = None
        self.syscalls = {}
        self.interference = None
        self.rows = []

    # -- servers -----------------------------------------------------------------
    def start_eved(self, collectors):
        port = hb.free_port()
        extra = None if collectors else {"collectors": {"enabled": []}}
        cfg = self.b.config(port, extra=extra)
        return hb.Proc([self.b.eved, "run", "--config", cfg], port,
                       log_path=os.path.join(self.b.tmp, "server-%d.log" % port))

    def start(self, name):
        if name == "eved":
            return self.start_eved(False)
        if name == "nginx return":
            return self.b.start_nginx(location="return 200 '%s';" % self.quoted)
        return self.b.start_nginx(self.body_path)

    @staticmethod
    def serving_pid(proc, name):
        return proc.main_pid("nginx: worker") if name.startswith("nginx") else proc.proc.pid

    # -- the body both nginx configs answer with ------------------------------------
    def take_body(self):
        eved = self.start_eved(False)
        try:
            _, body = hb.http_get(eved.port)
        finally:
            eved.stop()
        if len(body) > NGINX_TOKEN_MAX or b"$" in body:
            raise SystemExit("eved's /stats body (%d bytes) cannot be an nginx `return` string" % len(body))
        self.body_path = os.path.join(self.b.tmp, "stats.json")
        with open(self.body_path, "wb") as f:
            f.write(body)
        # Single-quoted in nginx's config: \ and ' escaped, $ refused above.
        self.quoted = body.decode().replace("\\", "\\\\").replace("'", "\\'")
        self.body_len = len(body)

    # -- requests/s ------------------------------------------------------------------
    def measure(self, name, conns):
        proc = self.start(name)
        try:
            pid = self.serving_pid(proc, name)
            cpu0, t0 = hb.cpu_seconds(pid), time.monotonic()
            r = wrk_with_cpu(proc.port, conns, self.b.args.seconds)
            r["server_cpu"] = 100.0 * (hb.cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
        finally:
            proc.stop()
        if r["errors"]:
            raise SystemExit("%s c=%d: wrk reported %d errors" % (name, conns, r["errors"]))
        log("  %-13s c=%-5d %9.0f req/s  p50 %.2f ms  p99 %.2f ms  wrk CPU %3.0f%%  server CPU %3.0f%%" %
            (name, conns, r["rps"], r["p50"], r["p99"], r["wrk_cpu"], r["server_cpu"]))
        return r

    def throughput(self):
        rounds = self.b.args.rounds
        log("native eved vs nginx (return and file), %d rounds" % rounds)
        self.results = {c: {n: [] for n in SERVERS} for c in self.b.conns}
        for _ in range(rounds):
            for c in self.b.conns:
                for name in SERVERS:
                    self.results[c][name].append(self.measure(name, c))

    def med(self, c, name, key):
        return statistics.median(r[key] for r in self.results[c][name])

    # -- system calls per request ------------------------------------------------------
    def count_syscalls(self, name, seconds=3):
        proc = self.start(name)
        try:
            s = syscalls_during(self.serving_pid(proc, name), self.b.tmp,
                                lambda: hb.wrk(proc.port, 50, seconds))
        finally:
            proc.stop()
        log("  %-13s per request: receive %.3f, send %.3f, other %s" % (
            name, s["receive"], s["send"],
            ", ".join("%s %.4f" % kv for kv in sorted(s["other"].items())) or "none"))
        return s

    def syscalls_per_request(self):
        log("system calls per request (strace -c, wrk c=50)")
        for name in ("eved", "nginx return"):
            self.syscalls[name] = self.count_syscalls(name)

    # -- collectors on, /metrics once a second ---------------------------------------------
    def collectors_interference(self):
        log("request path with collectors on and /metrics scraped at 1/s")
        runs = {"off": [], "on": []}
        for _ in range(self.b.args.rounds):
            for state in ("off", "on"):
                proc = self.start_eved(state == "on")
                stop = threading.Event()
                scrapes = []

                def scrape():
                    while not stop.wait(1.0):
                        head, _ = hb.http_get(proc.port, "/metrics")
                        scrapes.append(head.startswith(b"HTTP/1.1 200"))
                scraper = threading.Thread(target=scrape) if state == "on" else None
                try:
                    if scraper:
                        hb.http_get(proc.port, "/metrics")  # the collectors' threads exist
                        scraper.start()
                    r = hb.wrk(proc.port, 50, self.b.args.seconds, "/healthz")
                finally:
                    stop.set()
                    if scraper:
                        scraper.join()
                    proc.stop()
                if r["errors"] or (scraper and not (scrapes and all(scrapes))):
                    raise SystemExit("collectors %s: wrk errors %d, scrapes %r" % (state, r["errors"], scrapes))
                runs[state].append(r)
                log("  collectors %-3s GET /healthz c=50 %9.0f req/s  p99 %.2f ms%s" % (
                    state, r["rps"], r["p99"], "  (%d scrapes)" % len(scrapes) if scraper else ""))
        self.interference = {s: (statistics.median(r["rps"] for r in v), statistics.median(r["p99"] for r in v))
                             for s, v in runs.items()}

    # -- report -------------------------------------------------------------------------
    def table(self):
        rows = ["\n### Native: eved vs nginx 1.22's `return 200` (GET /stats, the same %d bytes; "
                "medians of %d alternating rounds, wrk %ds)\n" % (self.body_len, self.b.args.rounds,
                                                                  self.b.args.seconds),
                "eved with the host collectors off (their figures would make /stats too long for an "
                "nginx config string). CPU: percent of one core, wrk's own and the server's.\n",
                "| connections | eved req/s | nginx return req/s | ratio | nginx file req/s | "
                "eved p50/p99 ms | nginx return p50/p99 ms | wrk CPU (eved / nginx return) | "
                "server CPU (eved / nginx return) |",
                "|---|---|---|---|---|---|---|---|---|"]
        for c in self.b.conns:
            m = lambda n, k: self.med(c, n, k)  # noqa: E731
            rows.append("| %d | %.0f | %.0f | %.2fx | %.0f | %.2f / %.2f | %.2f / %.2f | %.0f%% / %.0f%% | "
                        "%.0f%% / %.0f%% |" % (
                            c, m("eved", "rps"), m("nginx return", "rps"),
                            m("eved", "rps") / m("nginx return", "rps"), m("nginx file", "rps"),
                            m("eved", "p50"), m("eved", "p99"), m("nginx return", "p50"),
                            m("nginx return", "p99"), m("eved", "wrk_cpu"), m("nginx return", "wrk_cpu"),
                            m("eved", "server_cpu"), m("nginx return", "server_cpu")))
            self.b.plot.setdefault("eved native", {})[c] = m("eved", "rps")
            self.b.plot.setdefault("nginx return", {})[c] = m("nginx return", "rps")
            self.b.plot.setdefault("nginx file", {})[c] = m("nginx file", "rps")
        rows.append("\n### System calls per request (strace -c -f on the serving process, wrk c=50)\n")
        rows.append("| server | requests traced | receive | send | every call per request |")
        rows.append("|---|---|---|---|---|")
        for name, s in self.syscalls.items():
            calls = ", ".join("%s %.3f" % (k, v) for k, v in sorted(s["per"].items(), key=lambda kv: -kv[1]))
            rows.append("| %s | %d | %.3f | %.3f | %s |" % (name, s["requests"], s["receive"], s["send"], calls))
        if self.interference:
            (off, off99), (on, on99) = self.interference["off"], self.interference["on"]
            rows.append("\n### Host collectors on, /metrics scraped once a second (GET /healthz, wrk c=50)\n")
            rows.append("| collectors | req/s | p99 ms |\n|---|---|---|")
            rows.append("| off | %.0f | %.2f |\n| on, scraped at 1/s | %.0f | %.2f |" % (off, off99, on, on99))
        self.rows.extend(rows)

    def targets(self):
        """(target, measured, holds) rows of issue 21."""
        out = []
        for c in self.b.conns:
            e, n = self.med(c, "eved", "rps"), self.med(c, "nginx return", "rps")
            ep, np_ = self.med(c, "eved", "p99"), self.med(c, "nginx return", "p99")
            out.append(("native c=%d: eved >= 1.2x nginx `return 200` req/s, p99 no worse" % c,
                        "%.2fx; p99 %.2f ms vs %.2f ms" % (e / n, ep, np_), e >= 1.2 * n and ep <= np_))
        s = self.syscalls.get("eved")
        if s:
            exact = abs(s["receive"] - 1) < 0.01 and abs(s["send"] - 1) < 0.01 and \
                sum(s["other"].values()) < 0.01
            other = ", ".join("%s %.4f" % kv for kv in sorted(s["other"].items())) or "none"
            out.append(("eved: one receive and one send per request, nothing else but the wait and accepts",
                        "receive %.3f, send %.3f, other: %s" % (s["receive"], s["send"], other), exact))
        busiest = max(self.med(c, n, "wrk_cpu") for c in self.b.conns for n in SERVERS)
        eved_cpu = min(self.med(c, "eved", "server_cpu") for c in self.b.conns if c >= 50)
        out.append(("wrk is not the bottleneck (its CPU below 90% of a core in every run)",
                    "wrk at most %.0f%%; eved at least %.0f%% from c=50" % (busiest, eved_cpu), busiest < 90))
        if self.interference:
            off, on = self.interference["off"][0], self.interference["on"][0]
            out.append(("collectors on + /metrics at 1/s: request path within 5%",
                        "%.3fx of collectors off" % (on / off), on >= 0.95 * off))
        return out

    def run(self):
        self.take_body()
        self.throughput()
        self.syscalls_per_request()
        self.collectors_interference()
        self.table()
        return self.rows
