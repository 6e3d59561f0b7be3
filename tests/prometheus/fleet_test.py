#!/usr/bin/env python3
"""The fleet kit (deploy/) on a real Prometheus scraping three eveds.

    fleet_test.py --eved-native PATH --eved-wine PATH --wrapper PROG

Starts two native eveds and one eved.exe under Wine (the server tests'
Server class), writes a file_sd file from the kit's example
(deploy/prometheus/targets/): the natives in its Linux group, eved.exe in
its Windows group. Then runs Debian's prometheus server with the kit's
prometheus.yml (its eved job as it is; only the intervals shortened, the
file_sd path and the rule files pointed here) on a free port with a
temporary data dir, and checks through Prometheus's HTTP API:

- every target is up, with the labels the targets file gives it;
- every scrape was OpenMetrics: the target metadata Prometheus keeps has
  eved_build as an `info` family and eved_requests (no _total) as a
  counter family, which only its OpenMetrics parser records (its text
  parser sees a gauge eved_build_info and a counter eved_requests_total);
  and a capturing proxy in front of each eved (a second job, its samples
  dropped) shows the Accept Prometheus sent and the Content-Type eved
  answered: OpenMetrics 1.0.0, every time;
- every series each eved's /metrics exposes is stored in Prometheus;
- the dashboard's variables list the job and the three instances, and
  every panel's expression, with the variables substituted, returns data;
- every vector selector of every alert and recording rule returns data
  (node_* from both native eveds, windows_* from eved.exe), and every
  recorded series exists.

Only deadlines, never elapsed time, are checked.
"""
import argparse
import calendar
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
try:
    import yaml
except ImportError:
    # A python3 of its own (pyenv...) may lack Debian's python3-yaml.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL fleet: no python3 with PyYAML (Debian: python3-yaml; scripts/install-deps.sh test)")
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
sys.path.insert(0, HERE)
from eved_test import Failure, Server, check, parse_metrics  # noqa: E402
import promql  # noqa: E402
from promql import selectors  # noqa: E402

KIT = os.path.join(TOP, "deploy", "prometheus")
DASHBOARD = os.path.join(TOP, "deploy", "grafana", "eved-dashboard.json")
DEADLINE = 90          # prometheus start; targets up; scrapes after a point
SCRAPE = 2             # seconds: scrape and evaluation interval
# What Grafana makes of $__rate_interval when the data source's scrape
# interval is set to the job's: 4 scrape intervals.
RATE_INTERVAL = "%ds" % (4 * SCRAPE)


class Args:
    def __init__(self, eved, wrapper=None):
        self.eved = eved
        self.wrapper = wrapper


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tap:
    """A capturing proxy in front of one eved, scraped by a job of its own
    (eved-tap, its samples dropped): it passes Prometheus's request to eved
    with the fields a scrape carries and eved's answer back, and keeps each
    exchange's Accept, X-Prometheus-Scrape-Timeout-Seconds, status and
    Content-Type. Prometheus's own API does not show the Content-Type in
    2.42; this shows what eved answered to the request Prometheus sent."""
    FIELDS = ("Accept", "Accept-Encoding", "User-Agent", "X-Prometheus-Scrape-Timeout-Seconds")

    def __init__(self, eved_port):
        self.seen = []
        tap = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                c = http.client.HTTPConnection("127.0.0.1", eved_port, timeout=20)
                try:
                    c.request("GET", self.path, headers={k: self.headers[k] for k in tap.FIELDS
                                                         if self.headers[k] is not None})
                    r = c.getresponse()
                    body = r.read()
                finally:
                    c.close()
                tap.seen.append({"accept": self.headers["Accept"], "status": r.status,
                                 "timeout": self.headers["X-Prometheus-Scrape-Timeout-Seconds"],
                                 "content_type": r.getheader("Content-Type"),
                                 "encoding": r.getheader("Content-Encoding")})
                self.send_response(r.status)
                for k in ("Content-Type", "Content-Encoding"):
                    if r.getheader(k):
                        self.send_header(k, r.getheader(k))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---- the kit's files, made into this test's ----------------------------

def kit_config(tmp, targets_file, taps):
    """The kit's prometheus.yml with its eved job unchanged but for the
    file_sd path; intervals shortened; rule files by absolute path; and a
    job scraping the taps, whose samples are dropped (only its scrapes
    matter, and the kit's rules and dashboard see job eved alone)."""
    with open(os.path.join(KIT, "prometheus.yml")) as f:
        cfg = yaml.safe_load(f)
    jobs = [j for j in cfg["scrape_configs"] if j["job_name"] == "eved"]
    check(len(jobs) == 1, "the kit has one job named eved: %s" % cfg["scrape_configs"])
    job = jobs[0]
    check(len(job.get("file_sd_configs", [])) == 1, "the eved job uses file_sd_configs: %s" % job)
    job["file_sd_configs"][0]["files"] = [targets_file]
    cfg["global"].update(scrape_interval="%ds" % SCRAPE, scrape_timeout="%ds" % SCRAPE,
                         evaluation_interval="%ds" % SCRAPE)
    cfg["rule_files"] = [os.path.join(KIT, r) for r in cfg["rule_files"]]
    cfg.pop("alerting", None)
    cfg["scrape_configs"].append({
        "job_name": "eved-tap",
        "static_configs": [{"targets": ["127.0.0.1:%d" % t.port for t in taps]}],
        "metric_relabel_configs": [{"source_labels": ["__name__"], "regex": ".*", "action": "drop"}]})
    path = os.path.join(tmp, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def kit_targets(tmp, native, wine):
    """The example targets file's groups, with these eveds as targets:
    the natives where os is linux, eved.exe where it is windows. Returns
    the path and {instance: labels the file gives it}."""
    paths = [os.path.join(KIT, "targets", n) for n in sorted(os.listdir(os.path.join(KIT, "targets")))]
    check(len(paths) == 1, "one example targets file: %s" % paths)
    with open(paths[0]) as f:
        groups = yaml.safe_load(f)
    by_os = {g["labels"].get("os"): g for g in groups}
    check("linux" in by_os and "windows" in by_os, "a linux and a windows group: %s" % groups)
    by_os["linux"]["targets"] = ["127.0.0.1:%d" % s.port for s in native]
    by_os["windows"]["targets"] = ["127.0.0.1:%d" % wine.port]
    out = [by_os["linux"], by_os["windows"]]
    path = os.path.join(tmp, "targets", "eved.yml")
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as f:
        yaml.safe_dump(out, f)
    want = {}
    for g in out:
        for t in g["targets"]:
            want[t] = g["labels"]
    return path, want


# ---- Prometheus --------------------------------------------------------

class Prometheus:
    def __init__(self, tmp, config):
        self.port = free_port()
        self.log_path = os.path.join(tmp, "prometheus.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + config,
             "--storage.tsdb.path=" + os.path.join(tmp, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-4000:]

    def api(self, path, **params):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(url, timeout=20) as r:
            reply = json.loads(r.read())
        check(reply.get("status") == "success", "%s: %s" % (url, str(reply)[:500]))
        return reply["data"]

    def wait_ready(self):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure("prometheus exited (%d):\n%s" % (self.proc.returncode, self.read_log()))
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port, timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise Failure("prometheus not ready:\n" + self.read_log())

    def targets(self):
        return [t for t in self.api("/api/v1/targets", state="active")["activeTargets"]
                if t["labels"].get("job") == "eved"]

    def query(self, expr):
        return self.api("/api/v1/query", query=expr)["result"]

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


def scrape_time(t):
    """A target's lastScrape (RFC 3339, ns) as Unix seconds."""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", t)
    check(m is not None, "lastScrape %r" % t)
    secs = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)))
    frac = float("0." + m.group(7)) if m.group(7) else 0.0
    if m.group(8) != "Z":
        sign = 1 if m.group(8)[0] == "+" else -1
        secs -= sign * (int(m.group(8)[1:3]) * 3600 + int(m.group(8)[4:6]) * 60)
    return secs + frac


def wait_scrapes_after(prom, instances, after, count=1):
    """Waits until every target has been scraped successfully `count`
    times after `after` (Unix seconds); a scrape is seen by its
    lastScrape changing."""
    seen = {i: set() for i in instances}
    deadline = time.monotonic() + DEADLINE
    while True:
        ts = {t["labels"]["instance"]: t for t in prom.targets()}
        for i in instances:
            t = ts.get(i)
            if t and t["health"] == "up" and scrape_time(t["lastScrape"]) > after:
                seen[i].add(t["lastScrape"])
        if all(len(s) >= count for s in seen.values()):
            return
        if time.monotonic() > deadline:
            raise Failure("not %d scrapes of each target after %.3f: %s; targets: %s"
                          % (count, after, {i: len(s) for i, s in seen.items()},
                             json.dumps(list(ts.values()))[:3000]))
        time.sleep(0.3)


# ---- the checks --------------------------------------------------------

def check_targets(prom, want):
    deadline = time.monotonic() + DEADLINE
    while True:
        ts = prom.targets()
        up = {t["labels"]["instance"]: t for t in ts if t["health"] == "up"}
        if sorted(up) == sorted(want):
            break
        if time.monotonic() > deadline:
            raise Failure("targets never all up; want %s, got %s" % (sorted(want), json.dumps(ts)[:3000]))
        time.sleep(0.3)
    check(len(ts) == len(want), "exactly the file's targets: %s" % [t["labels"] for t in ts])
    for inst, t in up.items():
        for k, v in want[inst].items():
            check(t["labels"].get(k) == v, "%s has %s=%s from the targets file: %s" % (inst, k, v, t["labels"]))
        # the kit's relabelling: host is the address without its port
        check(t["labels"].get("host") == "127.0.0.1", "%s: host label %s" % (inst, t["labels"]))
        check(t["scrapeUrl"] == "http://%s/metrics" % inst, "scrape URL %s" % t["scrapeUrl"])
    print("ok targets: %d up (%s)" % (len(up), ", ".join("%s os=%s" % (i, want[i].get("os")) for i in sorted(up))))


def check_openmetrics(prom, instances):
    """Prometheus's metadata records the family names and types its parser
    read. OpenMetrics: `eved_build` of type info, `eved_requests` counter.
    Text 0.0.4: `eved_build_info` gauge, `eved_requests_total` counter."""
    for inst in instances:
        meta = prom.api("/api/v1/targets/metadata", match_target='{instance="%s"}' % inst)
        fams = {m["metric"]: m["type"] for m in meta}
        check(fams.get("eved_build") == "info" and "eved_build_info" not in fams,
              "%s: eved_build is an info family (OpenMetrics), got %s / %s"
              % (inst, fams.get("eved_build"), fams.get("eved_build_info")))
        check(fams.get("eved_requests") == "counter" and "eved_requests_total" not in fams,
              "%s: eved_requests is the counter family (OpenMetrics), got %s / %s"
              % (inst, fams.get("eved_requests"), fams.get("eved_requests_total")))
        check(fams.get("process_cpu_seconds") == "counter",
              "%s: process_cpu_seconds counter family: %s" % (inst, fams.get("process_cpu_seconds")))
    print("ok openmetrics: each target's metadata has eved_build (info) and eved_requests (counter)")


OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def check_taps(prom, taps):
    """What eved answered to Prometheus's own requests, through the taps:
    OpenMetrics every time, and Prometheus parsed it (the tap target up)."""
    ts = {t["labels"]["instance"]: t for t in prom.api("/api/v1/targets", state="active")["activeTargets"]
          if t["labels"].get("job") == "eved-tap"}
    for inst, tap in taps.items():
        t = ts.get("127.0.0.1:%d" % tap.port)
        check(t is not None and t["health"] == "up", "tap of %s scraped and up: %s" % (inst, t))
        seen = list(tap.seen)
        check(len(seen) >= 2, "tap of %s saw %d scrapes" % (inst, len(seen)))
        for x in seen:
            check(x["accept"] and x["accept"].startswith("application/openmetrics-text"),
                  "%s: Prometheus asked for %r" % (inst, x["accept"]))
            check(x["status"] == 200 and x["content_type"] == OPENMETRICS,
                  "%s: eved answered Prometheus's Accept %r with %s %r"
                  % (inst, x["accept"], x["status"], x["content_type"]))
            check(x["timeout"] == str(SCRAPE), "%s: X-Prometheus-Scrape-Timeout-Seconds %r"
                  % (inst, x["timeout"]))
    x = seen[-1]
    print("ok content-type: %d scrapes through the taps; Prometheus sent Accept: %s and "
          "X-Prometheus-Scrape-Timeout-Seconds: %s; eved answered every one with Content-Type: %s"
          % (sum(len(t.seen) for t in taps.values()), x["accept"], x["timeout"], OPENMETRICS))


def check_series(prom, servers, target_labels, start):
    """Every series of each eved's /metrics, as this test reads it, is in
    Prometheus under that eved's instance."""
    fetched = {}
    for inst, srv in servers.items():
        r, body = srv.get("/metrics")
        check(r.status == 200, "%s /metrics %d" % (inst, r.status))
        fetched[inst] = parse_metrics(body.decode())
    after = time.time()
    wait_scrapes_after(prom, list(servers), after, count=2)
    total = 0
    for inst, series in fetched.items():
        extra = set(target_labels[inst]) | {"job", "instance", "host"}
        stored = prom.api("/api/v1/series", **{"match[]": '{instance="%s"}' % inst,
                                               "start": "%.3f" % start, "end": "%.3f" % time.time()})
        have = set()
        for s in stored:
            name = s.pop("__name__")
            # the text format's escapes, as eved writes them
            s = {k: v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
                 for k, v in s.items()}
            have.add((name, tuple(sorted((k, v) for k, v in s.items() if k not in extra))))
        # An empty label value is no label in Prometheus's data model
        # (windows_net_nic_info{mac=""} of a loopback is stored without mac).
        missing = sorted(k for k in series
                         if (k[0], tuple(kv for kv in k[1] if kv[1] != "")) not in have)
        check(not missing, "%s: %d of %d series of /metrics not in Prometheus, e.g. %s"
              % (inst, len(missing), len(series), missing[:10]))
        total += len(series)
        print("ok series: %s: all %d series of /metrics stored" % (inst, len(series)))
    return total


def grafana_regex(values):
    """A multi-value variable as Grafana's Prometheus data source writes it
    into a regex matcher: values regex-escaped (the backslash doubled for
    PromQL's string), joined with |."""
    esc = [re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\\\1", v) for v in values]
    return "(" + "|".join(esc) + ")"


def label_values(prom, query, start):
    m = re.match(r"^label_values\((.*),\s*(\w+)\)$", query)
    check(m is not None, "variable query %r" % query)
    series = prom.api("/api/v1/series", **{"match[]": m.group(1), "start": "%.3f" % start,
                                           "end": "%.3f" % time.time()})
    return sorted({s[m.group(2)] for s in series if m.group(2) in s})


def check_dashboard(prom, instances, start):
    with open(DASHBOARD) as f:
        dash = json.load(f)
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    check(set(variables) == {"datasource", "job", "instance"}, "variables %s" % sorted(variables))
    jobs = label_values(prom, variables["job"]["query"], start)
    check(jobs == ["eved"], "$job lists %s" % jobs)
    subst = {"$job": "eved"}
    got = label_values(prom, variables["instance"]["query"].replace("$job", "eved"), start)
    check(got == sorted(instances), "$instance lists %s, the targets are %s" % (got, sorted(instances)))
    # All instances selected, as the dashboard opens by default.
    subst["$instance"] = grafana_regex(got)
    subst["$__rate_interval"] = RATE_INTERVAL
    panels = []
    for p in dash["panels"]:
        panels.append(p)
        panels.extend(p.get("panels", []))
    n = 0
    for p in panels:
        for t in p.get("targets", []):
            expr = t["expr"]
            for k in sorted(subst, key=len, reverse=True):
                expr = expr.replace(k, subst[k])
            check("$" not in expr, "panel %r: a variable this test does not know in %s" % (p["title"], expr))
            # A rate needs two samples in its window: a scrape that failed
            # under load (eved.exe's collectors past their budget) is
            # waited out, not counted as a panel without data.
            deadline = time.monotonic() + 30
            while not prom.query(expr):
                check(time.monotonic() < deadline, "panel %r (%s): no data for %s"
                      % (p["title"], t["refId"], expr))
                time.sleep(SCRAPE)
            n += 1
    check(n >= 20, "the dashboard has %d expressions" % n)
    print("ok dashboard: %d panel expressions return data; $job %s, $instance %s" % (n, jobs, got))


def check_rules(prom, native_instances, wine_instance):
    got = selectors(promql.SAMPLE)
    check(got == promql.SAMPLE_SELECTORS, "the selector extractor: %s" % got)
    rules = []
    for name in ("eved-alerts.yml", "eved-recording.yml"):
        with open(os.path.join(KIT, "rules", name)) as f:
            for g in yaml.safe_load(f)["groups"]:
                rules.extend(g["rules"])
    count = 0
    for r in rules:
        what = r.get("alert") or r.get("record")
        sels = selectors(r["expr"])
        check(sels, "%s: no selector found in %s" % (what, r["expr"]))
        for s in sels:
            result = prom.query(s)
            insts = {x["metric"].get("instance") for x in result}
            if s.startswith("windows_"):
                need = {wine_instance}
            elif s.startswith("node_"):
                need = set(native_instances)
            else:
                need = set()
            check(result and need <= insts, "%s: %s returns data from %s; needed %s"
                  % (what, s, sorted(i for i in insts if i), sorted(need) or "any target"))
            count += 1
    # Recorded series exist: the recording rules ran on real data.
    records = [r["record"] for r in rules if "record" in r]
    deadline = time.monotonic() + DEADLINE
    while True:
        empty = [r for r in records if not prom.query(r)]
        if not empty:
            break
        if time.monotonic() > deadline:
            raise Failure("recording rules without a result: %s; rules: %s"
                          % (empty, json.dumps(prom.api("/api/v1/rules"))[:2000]))
        time.sleep(0.5)
    health = [(r["name"], r.get("lastError")) for g in prom.api("/api/v1/rules")["groups"]
              for r in g["rules"] if r.get("health") == "err"]
    check(not health, "rules that failed to evaluate: %s" % health)
    print("ok rules: %d selectors of %d rules return data; %d recorded series exist"
          % (count, len(rules), len(records)))


def run(args):
    tmp = tempfile.mkdtemp(prefix="eved-fleet-")
    servers = []
    taps = {}
    prom = None
    try:
        native = [Server(Args(args.eved_native)), Server(Args(args.eved_native))]
        servers.extend(native)
        wine = Server(Args(args.eved_wine, args.wrapper))
        servers.append(wine)
        targets_file, want = kit_targets(tmp, native, wine)
        for srv in servers:
            taps["127.0.0.1:%d" % srv.port] = Tap(srv.port)
        prom = Prometheus(tmp, kit_config(tmp, targets_file, list(taps.values())))
        start = time.time()
        prom.wait_ready()
        check_targets(prom, want)
        by_inst = {"127.0.0.1:%d" % s.port: s for s in servers}
        native_inst = ["127.0.0.1:%d" % s.port for s in native]
        wine_inst = "127.0.0.1:%d" % wine.port
        # Enough scrapes for a rate over RATE_INTERVAL.
        wait_scrapes_after(prom, list(by_inst), time.time(), count=3)
        check_openmetrics(prom, list(by_inst))
        check_taps(prom, taps)
        total = check_series(prom, by_inst, want, start - 60)
        check_dashboard(prom, list(by_inst), start - 60)
        check_rules(prom, native_inst, wine_inst)
        # Still up after all that, and eved itself answered every scrape.
        check_targets(prom, want)
        for s in servers:
            s.stop()
        print("ok fleet: 3 eveds, %d series, OpenMetrics, dashboard and rules" % total)
        return 0
    except (Failure, OSError, ValueError, KeyError) as e:
        print("FAIL fleet: %s: %s" % (type(e).__name__, e))
        for s in servers:
            print("---- eved log (%s) ----\n%s" % (s.args.eved, s.read_log()[-3000:]))
        if prom:
            print("---- prometheus log ----\n" + prom.read_log())
        return 1
    finally:
        if prom:
            prom.close()
        for t in taps.values():
            t.close()
        for s in servers:
            s.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved-native", required=True)
    ap.add_argument("--eved-wine", required=True)
    ap.add_argument("--wrapper", required=True)
    args = ap.parse_args()
    for what, path, preset in (("native eved", args.eved_native, "linux"),
                               ("eved.exe", args.eved_wine, "windows")):
        if not os.path.isfile(path):
            print("FAIL fleet: no %s at %s: this test needs both builds; build the %s preset "
                  "(cmake --preset %s && cmake --build --preset %s); another native eved is named "
                  "with cmake --preset windows -DEVE_FLEET_NATIVE_EVED=PATH"
                  % (what, path, preset, preset, preset))
            return 1
    if shutil.which("prometheus") is None:
        print("FAIL fleet: prometheus is not installed (scripts/install-deps.sh test)")
        return 1
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
