#!/usr/bin/env python3
"""`make bench`, host collectors: GET /metrics per scrape, eved against
node_exporter natively, and eved.exe under Wine.

    collect_bench.py [--collect-seconds S] [--collect-fast-seconds S] [--native-only]
                     [--linux-build DIR] [--windows-build DIR]

Every collector on and collectors.min_interval_ms 0, so each scrape
collects (node_exporter collects on every scrape too). Each server is
scraped from one keep-alive connection, (a) once a second and (b) one GET
after another as fast as it answers. Per scrape: latency p50/p99, CPU
(the server's utime+stime from /proc/<pid>/stat, and the same from the
threads' /proc/<pid>/task/*/schedstat, which counts nanoseconds where
stat counts 10 ms ticks), RSS at the end (VmRSS) and peak (VmHWM), bytes
and series. node_exporter runs twice: with its default collectors, and
limited to the ones that report what eved's do. Under Wine, wineserver
requests per scrape are counted from WINEDEBUG=+server.

Prints the table and the goal verdicts of issue 17 and writes
build/bench/collectors.md when run alone; http_bench.py (make bench) runs
it as its last section, into results.md. A benchmark, not a test: it fails only if a server misbehaves.
"""
import argparse
import glob
import os
import re
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_bench as hb  # noqa: E402  (the servers' start/stop and /proc helpers)

# Upstream node_exporter 1.x defaults that Debian patches (it skips /run,
# /mnt, /media and lo); eved keeps upstream's, so both list the same mounts
# and interfaces (as tests/server/eved_test.py t_collectors_node_exporter).
NE_UPSTREAM = ["--collector.filesystem.mount-points-exclude="
               "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|"
               "var/lib/containers/storage/.+)($|/)",
               "--collector.netdev.device-exclude="]
# The node_exporter collectors that report what eved's five do: cpu
# (/proc/stat cpuN), meminfo, filesystem, netdev, and eved's system
# collector's figures, which node_exporter splits into stat (boot time,
# context switches, forks, interrupts, procs), time and loadavg.
NE_SAME = ["--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
           "--collector.filesystem", "--collector.netdev", "--collector.stat",
           "--collector.time", "--collector.loadavg"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def node_exporter_exe():
    for name in ("prometheus-node-exporter", "node_exporter"):
        for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/bin"]:
            p = os.path.join(d, name)
            if os.access(p, os.X_OK):
                return p
    return None


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_ns(pid):
    """CPU time of every live thread of pid, in ns (schedstat's first field)."""
    total = 0
    for path in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def pct(values, p):
    """The p-th percentile, nearest rank."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


class Scraper:
    """One keep-alive connection; scrape() returns (seconds, body): the time
    from the request's send to the body's last byte. The chunked body
    node_exporter sends is decoded after the clock stops."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.req = b"GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n"

    def scrape(self):
        t0 = time.perf_counter()
        self.s.sendall(self.req)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.s.recv(262144)
            if not chunk:
                raise SystemExit("server closed the connection")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit("scrape answered %r" % head[:60])
        m = re.search(rb"\r\nContent-Length: *(\d+)", head, re.I)
        if m:
            length = int(m.group(1))
            while len(rest) < length:
                rest += self.s.recv(262144)
            dt = time.perf_counter() - t0
            return dt, rest
        while not rest.endswith(b"\r\n0\r\n\r\n"):
            chunk = self.s.recv(262144)
            if not chunk:
                raise SystemExit("server closed the connection mid-body")
            rest += chunk
        dt = time.perf_counter() - t0
        return dt, dechunk(rest)

    def close(self):
        self.s.close()


def dechunk(data):
    out, i = [], 0
    while True:
        j = data.index(b"\r\n", i)
        n = int(data[i:j].split(b";")[0], 16)
        if n == 0:
            return b"".join(out)
        out.append(data[j + 2:j + 2 + n])
        i = j + 2 + n + 2


# eved's own figure of each collector's run, read from the scrapes at 1/s.
DURATION = re.compile(rb'^eved_collector_duration_seconds\{collector="(\w+)"\} (\S+)$', re.M)


def series(body):
    return sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))


def scrape_run(port, pid, seconds, paced, trace=None):
    """Scrapes for `seconds`, once a second if paced, else back to back.
    Three warm-up scrapes first (eved starts its collector threads at the
    first). Returns the per-scrape figures."""
    sc = Scraper(port)
    try:
        for _ in range(3):
            sc.scrape()
        time.sleep(0.5)
        ticks0, ns0 = hb.cpu_seconds(pid), cpu_ns(pid)
        trace0 = os.path.getsize(trace) if trace else 0
        lat, body, durations = [], b"", {}
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            if paced:
                due = start + len(lat)
                time.sleep(max(0.0, due - time.monotonic()))
            dt, body = sc.scrape()
            lat.append(dt)
            if paced:
                for name, secs in DURATION.findall(body):
                    durations.setdefault(name.decode(), []).append(float(secs) * 1e3)
        if paced:
            # The collector threads finish after the scrape is answered.
            time.sleep(0.2)
        ticks1, ns1 = hb.cpu_seconds(pid), cpu_ns(pid)
        requests = None
        if trace:
            time.sleep(0.5)
            requests = count_trace(trace, trace0, os.path.getsize(trace))
    finally:
        sc.close()
    n = len(lat)
    return {"n": n, "p50": pct(lat, 50) * 1e3, "p99": pct(lat, 99) * 1e3,
            "max": max(lat) * 1e3, "cpu_stat": (ticks1 - ticks0) / n * 1e3,
            "cpu": (ns1 - ns0) / n / 1e6, "rss": status_kb(pid, "VmRSS"),
            "hwm": status_kb(pid, "VmHWM"), "bytes": len(body), "series": series(body),
            "wineserver": None if requests is None else requests / n,
            "collectors": {k: statistics.median(v) for k, v in durations.items()}}


def count_trace(trace, begin, end):
    """Every wineserver request in bytes [begin, end) of a +server trace,
    from any process of the prefix: the service collector's queries are
    answered by services.exe, which is part of a scrape's cost."""
    with open(trace, "rb") as f:
        f.seek(begin)
        data = f.read(end - begin)
    return sum(1 for line in data.split(b"\n")
               if re.match(rb"^[0-9a-f]{4}: \w+\(", line) and b") = " not in line)


class CollectBench:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.root = args.root
        linux = args.linux_build or os.path.join(self.root, "build/linux")
        windows = args.windows_build or os.path.join(self.root, "build/windows")
        self.eved = os.path.join(linux, "src/app/eved")
        self.eved_exe = os.path.join(windows, "src/app/eved.exe")
        self.wine_run = os.path.join(self.root, "cmake/wine-run.sh")
        self.results = {}
        self.rows = []

    def eved_config(self, port):
        path = os.path.join(self.tmp, "collect-eved-%d.json" % port)
        with open(path, "w") as f:
            f.write('{"listen": ["127.0.0.1:%d"], "log": {"level": "warn"}, '
                    '"max_requests_per_connection": 100000000, '
                    '"collectors": {"min_interval_ms": 0}}' % port)
        return path

    def start_eved(self, windows=False, env=None, stderr=None):
        port = hb.free_port()
        cfg = self.eved_config(port)
        cmd = ([self.wine_run, self.eved_exe] if windows else [self.eved]) + [
            "run", "--config", cfg]
        proc = hb.Proc(cmd, port, env=env, stderr=stderr,
                       log_path=os.path.join(self.tmp, "collect-%d.log" % port))
        return proc, proc.main_pid("eved.exe" if windows else "eved")

    def start_node_exporter(self, same):
        port = hb.free_port()
        cmd = [node_exporter_exe(), "--web.listen-address=127.0.0.1:%d" % port] + NE_UPSTREAM
        if same:
            cmd += NE_SAME
        proc = hb.Proc(cmd, port, log_path=os.path.join(self.tmp, "ne-%d.log" % port))
        return proc, proc.proc.pid

    def measure(self, label, start):
        proc, pid = start()
        try:
            out = {}
            for kind, paced, secs in (("1/s", True, self.args.collect_seconds),
                                      ("fast", False, self.args.collect_fast_seconds)):
                r = scrape_run(proc.port, pid, secs, paced)
                out[kind] = r
                log("  %-32s %-4s %5d scrapes  p50 %7.2f ms  p99 %7.2f ms  CPU %.3f ms/scrape"
                    "  RSS %d kB (peak %d)" % (label, kind, r["n"], r["p50"], r["p99"], r["cpu"],
                                               r["rss"], r["hwm"]))
        finally:
            proc.stop()
        self.results[label] = out

    # -- native ----------------------------------------------------------------
    def native(self):
        if node_exporter_exe() is None:
            raise SystemExit("prometheus-node-exporter is not installed "
                             "(scripts/install-deps.sh bench)")
        log("collectors: eved vs node_exporter, /metrics, %d s at 1/s and %d s back to back" % (
            self.args.collect_seconds, self.args.collect_fast_seconds))
        self.measure("eved", lambda: self.start_eved())
        self.measure("node_exporter default", lambda: self.start_node_exporter(False))
        self.measure("node_exporter same collectors", lambda: self.start_node_exporter(True))

    # -- Wine ------------------------------------------------------------------
    def wine_prefix(self):
        return os.environ.get("EVE_WINEPREFIX") or os.path.join(self.root,
                                                                "build/windows/wineprefix")

    def restart_wineserver(self, persistent):
        """A +server trace needs a wineserver started with it (as
        http_bench.py's count), and the untraced runs an untraced one."""
        env = dict(os.environ, WINEPREFIX=self.wine_prefix(), WINEDEBUG="-all")
        subprocess.run(["wineserver", "-k"], env=env, stderr=subprocess.DEVNULL)
        subprocess.run(["wineserver", "-w"], env=env, stderr=subprocess.DEVNULL)
        if persistent:
            subprocess.run(["wineserver", "-p60"], env=env, stderr=subprocess.DEVNULL)

    def wine(self):
        log("collectors: eved.exe under Wine, every Windows collector")
        self.measure("eved.exe (Wine)", lambda: self.start_eved(windows=True))
        # wineserver requests per scrape: a traced run of each kind, with
        # the prefix's idle rate (a window without scrapes) subtracted.
        trace = os.path.join(self.tmp, "collect-trace.log")
        self.restart_wineserver(False)
        try:
            with open(trace, "wb") as err:
                proc, pid = self.start_eved(True, dict(os.environ, WINEDEBUG="+server"), err)
                try:
                    Scraper(proc.port).scrape()
                    time.sleep(2)
                    b = os.path.getsize(trace)
                    time.sleep(5)
                    idle = count_trace(trace, b, os.path.getsize(trace)) / 5
                    counts = {}
                    for kind, paced, secs in (("1/s", True, 10), ("fast", False, 5)):
                        r = scrape_run(proc.port, pid, secs, paced, trace)
                        counts[kind] = r["wineserver"]
                        if paced:
                            counts[kind] -= idle
                finally:
                    proc.stop()
        finally:
            self.restart_wineserver(True)
        log("  wineserver requests per scrape: 1/s %.0f, back to back %.0f (idle prefix: %.1f/s)"
            % (counts["1/s"], counts["fast"], idle))
        for kind in counts:
            self.results["eved.exe (Wine)"][kind]["wineserver"] = counts[kind]
        self.wine_idle = idle

    # -- report ----------------------------------------------------------------
    def table(self):
        rows = []
        rows.append("| server | mode | scrapes | p50 ms | p99 ms | CPU ms/scrape (schedstat; "
                    "/proc stat) | RSS end / peak | bytes | series |")
        rows.append("|---|---|---|---|---|---|---|---|---|")
        for label, out in self.results.items():
            for kind in ("1/s", "fast"):
                r = out[kind]
                mode = "1/s" if kind == "1/s" else "back to back"
                rows.append("| %s | %s | %d | %.2f | %.2f | %.3f; %.2f | %.1f / %.1f MiB | %d | %d |"
                            % (label, mode, r["n"], r["p50"], r["p99"], r["cpu"], r["cpu_stat"],
                               r["rss"] / 1024, r["hwm"] / 1024, r["bytes"], r["series"]))
        for label in ("eved", "eved.exe (Wine)"):
            r = self.results.get(label, {}).get("1/s")
            if r and r["collectors"]:
                rows.append("\n%s: each collector's run (eved_collector_duration_seconds, median "
                            "of the scrapes at 1/s): %s." % (label, ", ".join(
                                "%s %.2f ms" % kv for kv in r["collectors"].items())))
        wine = self.results.get("eved.exe (Wine)")
        if wine and wine["1/s"].get("wineserver") is not None:
            rows.append("\nwineserver requests per scrape (eved.exe, every process of the prefix, "
                        "from WINEDEBUG=+server): %.0f at 1/s (the prefix's idle %.1f/s "
                        "subtracted), %.0f back to back." % (wine["1/s"]["wineserver"],
                                                             self.wine_idle,
                                                             wine["fast"]["wineserver"]))
        return rows

    def verdicts(self):
        rows = ["| goal | measured | verdict |", "|---|---|---|"]

        def judge(goal, measured, ok):
            rows.append("| %s | %s | %s |" % (goal, measured, "PASS" if ok else "MISS"))

        e = self.results.get("eved")
        for ne in ("node_exporter default", "node_exporter same collectors"):
            n = self.results.get(ne)
            if not (e and n):
                continue
            for kind, mode in (("1/s", "at 1/s"), ("fast", "back to back")):
                ratio = n[kind]["p50"] / e[kind]["p50"]
                judge("eved >= 10x faster per scrape than %s, latency p50 %s" % (ne, mode),
                      "%.1fx (%.2f vs %.2f ms)" % (ratio, e[kind]["p50"], n[kind]["p50"]),
                      ratio >= 10)
            ratio = n["fast"]["cpu"] / e["fast"]["cpu"]
            judge("eved >= 10x less CPU per scrape than %s (back to back)" % ne,
                  "%.1fx (%.3f vs %.3f ms)" % (ratio, e["fast"]["cpu"], n["fast"]["cpu"]),
                  ratio >= 10)
            ratio = e["fast"]["rss"] / n["fast"]["rss"]
            judge("eved RSS <= 1/5 of %s's (at the end)" % ne,
                  "%.2f (%.1f vs %.1f MiB; peaks %.1f vs %.1f)" % (
                      ratio, e["fast"]["rss"] / 1024, n["fast"]["rss"] / 1024,
                      e["fast"]["hwm"] / 1024, n["fast"]["hwm"] / 1024), ratio <= 0.2)
        w = self.results.get("eved.exe (Wine)")
        if w:
            for kind, mode in (("1/s", "at 1/s"), ("fast", "back to back")):
                judge("Wine: eved.exe p99 scrape latency <= 50 ms, every collector, %s" % mode,
                      "%.2f ms" % w[kind]["p99"], w[kind]["p99"] <= 50)
        return rows

    def run(self):
        load0 = os.getloadavg()
        self.native()
        if not self.args.native_only:
            self.wine()
        load = os.getloadavg()
        self.rows.append("\n### Host collectors: GET /metrics per scrape (every collector, "
                         "collectors.min_interval_ms 0; %d s at 1/s, %d s back to back on one "
                         "keep-alive connection; load average (1, 5, 15 min) %.2f %.2f %.2f at the start, "
                         "%.2f %.2f %.2f at the end)\n" % (
                             self.args.collect_seconds, self.args.collect_fast_seconds, *load0, *load))
        self.rows.extend(self.table())
        self.rows.append("\n### Targets (issue 17), judged from this run\n")
        self.rows.extend(self.verdicts())
        return self.rows


def add_arguments(p):
    p.add_argument("--collect-seconds", dest="collect_seconds", type=int, default=20,
                   help="seconds scraped at 1/s")
    p.add_argument("--collect-fast-seconds", dest="collect_fast_seconds", type=int, default=10,
                   help="seconds scraped back to back")


def main():
    import tempfile
    import shutil
    p = argparse.ArgumentParser()
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    p.add_argument("--native-only", action="store_true")
    p.add_argument("--linux-build")
    p.add_argument("--windows-build")
    add_arguments(p)
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="eve-collect-bench-")
    try:
        started = time.monotonic()
        rows = CollectBench(args, tmp).run()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = "\n".join(["## Collector benchmark run %s\n" % time.strftime("%Y-%m-%d %H:%M UTC",
                                                                      time.gmtime()),
                      "Command: `python3 bench/http/collect_bench.py` (%.0f s)." % (time.monotonic() - started)]
                     + rows) + "\n"
    out = os.path.join(args.root, "build", "bench")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "collectors.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
