#!/usr/bin/env python3
"""A real Prometheus scrapes eved (native, or eved.exe under Wine).

    scrape_test.py --eved PATH [--wrapper PROG]

Starts eved on a port the OS picks (the server tests' Server class), then
Debian's prometheus server on a free loopback port with its own temporary
storage and a 1 s scrape of eved. Passes when Prometheus's HTTP API shows
up == 1 for the eved target, and eved's request counter, as Prometheus
stored it, grew by at least the N requests this test sent between two
scrapes: one scrape taken before the first request, one after the last.
Only deadlines, never elapsed time, are checked. Standard library only.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

# Reuses the server tests' Server; no __pycache__ left in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from eved_test import Failure, Server, check  # noqa: E402

DEADLINE = 60  # prometheus start, first scrape, a scrape after the requests
N = 40
SERIES = 'eved_requests_total{job="eved",status="200"}'


def free_port():
    # Closed again before prometheus binds it; another process taking it
    # in between makes prometheus exit, which the readiness wait reports.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    def __init__(self, target_port):
        self.dir = tempfile.mkdtemp(prefix="eved-prom-")
        self.port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: eved\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % target_port)
        self.log_path = os.path.join(self.dir, "prometheus.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + config,
             "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-4000:]

    def get(self, path):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()

    def wait_ready(self):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure("prometheus exited (%d):\n%s" % (self.proc.returncode, self.read_log()))
            try:
                if self.get("/-/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise Failure("prometheus not ready:\n" + self.read_log())

    def query(self, expr):
        status, body = self.get("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        reply = json.loads(body)
        check(status == 200 and reply["status"] == "success", "query %s: %s" % (expr, body[:500]))
        return reply["data"]["result"]

    def samples(self, series):
        """The raw samples Prometheus stored for one series in the last
        minute, as (timestamp in s, value) pairs, oldest first."""
        result = self.query(series + "[1m]")
        if not result:
            return []
        check(len(result) == 1, "one series for %s, got %d" % (series, len(result)))
        return [(float(t), float(v)) for t, v in result[0]["values"]]

    def wait_sample_after(self, series, after, what):
        """The first sample stored with a timestamp later than `after`
        (Unix seconds, this host's clock, which Prometheus shares)."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            later = [s for s in self.samples(series) if s[0] > after]
            if later:
                return later[0]
            time.sleep(0.2)
        raise Failure("no scrape of %s after %s; targets: %s" % (what, after, self.targets()))

    def targets(self):
        try:
            return self.get("/api/v1/targets")[1].decode()[:2000]
        except OSError as e:
            return str(e)

    def close(self):
        # By PID: other engineers' prometheus servers are not ours to stop.
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def scrape(srv, prom):
    prom.wait_ready()
    # up == 1: the target was scraped and answered.
    deadline = time.monotonic() + DEADLINE
    while True:
        up = prom.query('up{job="eved"}')
        if up and up[0]["value"][1] == "1":
            break
        if time.monotonic() > deadline:
            raise Failure("up{job=\"eved\"} never 1: %s; targets: %s" % (up, prom.targets()))
        time.sleep(0.2)
    check(up[0]["metric"]["instance"] == "127.0.0.1:%d" % srv.port, "the target is this eved: %s" % up)

    # A scrape stored before the requests...
    prom.wait_sample_after(SERIES, 0, "eved")
    before_t, before_v = prom.samples(SERIES)[-1]
    start = time.time()
    check(before_t < start, "a sample older than the requests")
    for _ in range(N):
        r, body = srv.get("/healthz")
        check(r.status == 200, "/healthz %d" % r.status)
    end = time.time()
    # ...and one after them: the counter as Prometheus stored it.
    after_t, after_v = prom.wait_sample_after(SERIES, end, "the requests")
    grown = after_v - before_v
    check(grown >= N, "%s grew by %g between the scrapes at %.3f and %.3f; %d requests were sent"
          % (SERIES, grown, before_t, after_t, N))
    up = prom.query('up{job="eved"}')
    check(up and up[0]["value"][1] == "1", "still up after the requests: %s" % up)
    print("up == 1; %s grew %g (>= %d) between two scrapes" % (SERIES, grown, N))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved", required=True)
    ap.add_argument("--wrapper")
    args = ap.parse_args()
    if shutil.which("prometheus") is None:
        print("FAIL scrape: prometheus is not installed (scripts/install-deps.sh test)")
        return 1
    srv = Server(args)
    prom = None
    try:
        prom = Prometheus(srv.port)
        scrape(srv, prom)
        srv.stop()
    except (Failure, OSError, ValueError, KeyError) as e:
        print("FAIL scrape: %s: %s" % (type(e).__name__, e))
        print("---- eved log ----\n" + srv.read_log())
        if prom:
            print("---- prometheus log ----\n" + prom.read_log())
        return 1
    finally:
        if prom:
            prom.close()
        srv.close()
    print("ok scrape")
    return 0


if __name__ == "__main__":
    sys.exit(main())
