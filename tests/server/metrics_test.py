#!/usr/bin/env python3
"""/metrics beyond its shape, one behaviour per invocation, run like
eved_test.py's (whose Server it uses) as server.<target>.<behaviour>:

    metrics_test.py --eved PATH [--wrapper PROG] BEHAVIOUR

metrics_negotiation: the format Accept chooses (RFC 9110 12.5.1, the
rules in docs/eved.md), each body read by its format's parser;
metrics_openmetrics: an OpenMetrics body read by a strict parser, series
for series the text body's; metrics_process: the standard process_*
figures against what the OS says of the eved process (natively /proc;
for eved.exe its own /stats figures, the test's clock and, under Wine,
the Linux process Wine runs it as).

The OpenMetrics parser is prometheus_client's (Debian's
python3-prometheus-client), run by whichever python3 has it installed,
so it is used like promtool: a program, not an import.
"""
import argparse
import json
import os
import re
import subprocess
import sys

from eved_test import Failure, Reader, Server, check, promtool_ok, request

TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OM_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"

PROMETHEUS_2_OLD = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
PROMETHEUS_2 = ("application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;"
                "version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2")
PROMETHEUS_3 = ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
                "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;"
                "escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1")
PROMETHEUS_TEXT_ONLY = "text/plain;version=0.0.4;q=1,*/*;q=0.1"

# (what, Accept field lines (None: no field), OpenMetrics expected)
NEGOTIATION = [
    ("no Accept", None, False),
    ("Prometheus 2 before scrape_protocols", [PROMETHEUS_2_OLD], True),
    ("Prometheus 2 scrape_protocols default", [PROMETHEUS_2], True),
    ("Prometheus 3 default", [PROMETHEUS_3], True),
    ("Prometheus asking text only", [PROMETHEUS_TEXT_ONLY], False),
    ("openmetrics q=0 beside text", ["application/openmetrics-text;version=1.0.0;q=0,"
                                     "text/plain;version=0.0.4;q=0.5"], False),
    ("openmetrics q=0 alone", ["application/openmetrics-text;q=0"], False),
    ("openmetrics q=0.000", ["application/openmetrics-text;q=0.000"], False),
    ("openmetrics alone", ["application/openmetrics-text"], True),
    ("openmetrics q=0.001 alone", ["application/openmetrics-text;q=0.001"], True),
    ("q above 1", ["application/openmetrics-text;q=1.5"], False),
    ("q 1.001", ["application/openmetrics-text;q=1.001"], False),
    ("q with four decimals", ["application/openmetrics-text;q=0.0001"], False),
    ("q empty", ["application/openmetrics-text;q="], False),
    ("q quoted", ['application/openmetrics-text;q="0.5"'], False),
    ("q twice", ["application/openmetrics-text;q=0.5;q=0.9"], False),
    ("q 1.", ["application/openmetrics-text;q=1."], True),
    ("q before version", ["application/openmetrics-text;q=0.9;version=1.0.0,text/plain;q=0.8"], True),
    ("upper case names", ["Application/OpenMetrics-Text; Version=1.0.0; Q=0.9, TEXT/plain;q=0.5"], True),
    ("quoted version", ['application/openmetrics-text;version="1.0.0"'], True),
    ("quoted pair in version", ['application/openmetrics-text;version="1.0\\.0"'], True),
    ("version 0.0.1 only", ["application/openmetrics-text;version=0.0.1"], False),
    ("version 2.0.0 only", ["application/openmetrics-text;version=2.0.0"], False),
    ("specific range says q=0", ["application/openmetrics-text;version=1.0.0;q=0,"
                                 "application/openmetrics-text;q=1"], False),
    ("tie goes to text", ["application/openmetrics-text, text/plain"], False),
    ("text/* above openmetrics", ["text/*;q=0.9, application/openmetrics-text;q=0.8"], False),
    ("*/* alone", ["*/*"], False),
    ("application/* alone", ["application/*"], False),
    ("*/* below openmetrics", ["*/*;q=0.1, application/openmetrics-text"], True),
    ("*/* above openmetrics", ["*/*;q=0.9, application/openmetrics-text;q=0.5"], False),
    ("OWS and empty elements", [" , application/openmetrics-text ; q=0.8 ,, text/plain;q=0.7 ,"], True),
    ("empty parameter", ["application/openmetrics-text;;q=0.5"], True),
    ("empty field", [""], False),
    ("*/subtype", ["*/openmetrics-text"], False),
    ("two ranges without a comma", ["application/openmetrics-text text/plain"], False),
    ("no subtype", ["application/"], False),
    ("unterminated quote", ['application/openmetrics-text;version="1.0.0'], False),
    ("space before =", ["application/openmetrics-text;q =0.5"], False),
    ("a long word", ["x" * 2000 + "/y, application/openmetrics-text"], True),
    ("two Accept fields, openmetrics preferred", ["text/plain;q=0.2",
                                                  "application/openmetrics-text;q=0.9"], True),
    ("two Accept fields, text preferred", ["application/openmetrics-text;q=0.9",
                                           "text/plain;version=0.0.4"], False),
    ("two Accept fields, one malformed", ["application/openmetrics-text", "text/plain;q=bad"], False),
    ("three Accept fields, empty ones", ["", "application/openmetrics-text", ""], True),
]


def _om_python():
    for exe in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(exe) and subprocess.run(
                [exe, "-c", "import prometheus_client.openmetrics.parser"],
                capture_output=True).returncode == 0:
            return exe
    raise Failure("no python3 with prometheus_client (Debian: python3-prometheus-client)")


OM_PARSE = r"""
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [[s.name, s.labels, s.value] for s in f.samples]})
print(json.dumps(out))
"""


def parse_openmetrics(body):
    """The families prometheus_client's strict OpenMetrics parser reads."""
    p = subprocess.run([_om_python(), "-c", OM_PARSE], input=body, capture_output=True)
    check(p.returncode == 0, "OpenMetrics parser refused the body: %s\n%s" %
          (p.stderr.decode()[-1500:], body.decode()[:3000]))
    return json.loads(p.stdout)


def promtool(body):
    promtool_ok(body)


SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def text_samples(body):
    """{(name, labels text): value} of a text-format (or OpenMetrics) body."""
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        check(m, "not a sample line: %r" % line)
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def scrape(sock_reader, sock, accept, method="GET"):
    extra = "".join("Accept: %s\r\n" % a for a in accept or [])
    sock.sendall(request("/metrics", method=method, extra=extra))
    return sock_reader.response(head_only=method == "HEAD")


def check_format(what, status, headers, body, openmetrics, method="GET"):
    check(status == 200, "%s: status %d" % (what, status))
    ctype = headers.get("content-type")
    check(ctype == (OM_TYPE if openmetrics else TEXT_TYPE),
          "%s: Content-Type %r, expected %s" % (what, ctype, "OpenMetrics" if openmetrics else "text"))
    check(headers.get("vary") == "Accept", "%s: Vary %r" % (what, headers.get("vary")))
    if method == "HEAD":
        return
    text = body.decode()
    if openmetrics:
        check(text.endswith("\n# EOF\n"), "%s: OpenMetrics body does not end with # EOF" % what)
        check("# TYPE eved_requests counter\n" in text, "%s: counter family not OpenMetrics" % what)
        check("# TYPE eved_build info\n" in text, "%s: build info not an info family" % what)
    else:
        check("# EOF" not in text, "%s: # EOF in a text-format body" % what)
        check("# TYPE eved_requests_total counter\n" in text, "%s: counter family not text" % what)
        check("# TYPE eved_build_info gauge\n" in text, "%s: build info not a gauge" % what)


def negotiation(srv):
    """Every row on one kept-alive connection; each body is read by the
    parser of the format its Content-Type says."""
    sock = srv.connect()
    rd = Reader(sock)
    for what, accept, openmetrics in NEGOTIATION:
        status, headers, body = scrape(rd, sock, accept)
        check_format(what, status, headers, body, openmetrics)
        if openmetrics:
            parse_openmetrics(body)
        else:
            promtool(body)
    # HEAD says what GET would send.
    status, headers, _ = scrape(rd, sock, [PROMETHEUS_3], method="HEAD")
    check_format("HEAD, Prometheus 3", status, headers, b"", True, method="HEAD")
    # Other paths do not vary.
    sock.sendall(request("/healthz", extra="Accept: application/openmetrics-text\r\n"))
    status, headers, _ = rd.response()
    check(status == 200 and "vary" not in headers, "/healthz has no Vary")
    sock.close()


def openmetrics(srv):
    """An OpenMetrics body read by the strict parser: every family eved
    writes in text is there, named as OpenMetrics names it, with the same
    series; counters' samples keep _total; build info is an info family."""
    sock = srv.connect()
    rd = Reader(sock)
    _, _, text_body = scrape(rd, sock, None)
    _, headers, om_body = scrape(rd, sock, [PROMETHEUS_3])
    check(headers.get("content-type") == OM_TYPE, "OpenMetrics negotiated")
    sock.close()
    families = {f["name"]: f for f in parse_openmetrics(om_body)}
    text_types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text_body.decode(), re.M))
    for name, kind in text_types.items():
        if kind == "counter":
            check(name.endswith("_total"), "text counter %s lacks _total" % name)
            om_name = name[:-len("_total")]
        elif name == "eved_build_info":
            om_name, kind = "eved_build", "info"
        else:
            om_name = name
        check(om_name in families, "%s missing from OpenMetrics (as %s)" % (name, om_name))
        check(families[om_name]["type"] == kind, "%s is %s" % (om_name, families[om_name]["type"]))
        for sample_name, _, _ in families[om_name]["samples"]:
            check(sample_name == name, "%s sample named %s" % (om_name, sample_name))
    check(len(families) == len(text_types), "families: %d in OpenMetrics, %d in text" %
          (len(families), len(text_types)))
    # Same series in both (their values move between the two scrapes).
    text_series = set(text_samples(text_body))
    om_series = set(text_samples(om_body))
    check(text_series == om_series, "series differ: %s" % (text_series ^ om_series))
    build = families["eved_build"]["samples"]
    check(len(build) == 1 and build[0][2] == 1.0, "one build info sample, 1: %s" % build)
    labels = build[0][1]
    check(sorted(labels) == ["backend", "mode", "revision", "version"], "build labels %s" % labels)
    check(re.match(r"^([0-9a-f]{4,40}|unknown)$", labels["revision"]), "revision %r" % labels["revision"])
    stats = srv.stats()
    check(labels["version"] == stats["version"], "version %s vs /stats %s" % (labels["version"], stats["version"]))
    check(labels["backend"] == stats["poller"]["backend"] and labels["mode"] == stats["poller"]["mode"],
          "backend/mode %s vs /stats %s" % (labels, stats["poller"]))
    # The two requests before /stats, and /stats itself, counted exactly.
    requests = {tuple(s[1].items()): s[2] for s in families["eved_requests"]["samples"]}
    check(requests[(("status", "200"),)] == 2.0, "eved_requests_total{status=200} = %s" % requests)


# ---- the process figures ------------------------------------------------

def proc_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 of proc(5)
    return {"utime": int(fields[11]), "stime": int(fields[12]), "starttime": int(fields[19]),
            "vsize": int(fields[20]), "rss": int(fields[21])}


def boot_time():
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("btime "):
                return int(line.split()[1])
    raise Failure("no btime in /proc/stat")


def soft_limit(pid, what):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith(what):
                soft = line[len(what):].split()[0]
                return float(2 ** 64 - 1) if soft == "unlimited" else float(soft)
    raise Failure("no %r in /proc/%d/limits" % (what, pid))


def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise Failure("no %s in /proc/%d/status" % (field, pid))


def vm_rss(pid):
    return proc_status(pid, "VmRSS")


def process_samples(body):
    s = text_samples(body)
    return {name: value for (name, labels), value in s.items() if name.startswith("process_")}


def process(srv):
    sock = srv.connect()
    rd = Reader(sock)
    for _ in range(20):  # warm: later scrapes touch no new memory
        scrape(rd, sock, None)
    if srv.args.eved.lower().endswith(".exe"):
        process_windows(srv, sock, rd)
    else:
        process_native(srv, sock, rd)
    sock.close()


def wine_unix_pid(srv):
    """Under Wine, eved.exe is a Linux process too: cmake/wine-run.sh execs
    wine, which becomes the program, so the pid the test started is its."""
    try:
        with open("/proc/%d/cmdline" % srv.proc.pid, "rb") as f:
            return srv.proc.pid if b"eved.exe" in f.read() else None
    except OSError:
        return None


def process_native(srv, sock, rd):
    pid = srv.proc.pid
    page = os.sysconf("SC_PAGESIZE")
    before = proc_stat(pid)
    _, _, body = scrape(rd, sock, None)
    after = proc_stat(pid)
    # The connection is still open: eved's descriptors are what /proc lists
    # now, and the one it held open on /proc/self/fd while counting.
    fds = len(os.listdir("/proc/%d/fd" % pid))
    p = process_samples(body)
    want = {"process_cpu_seconds_total", "process_open_fds", "process_max_fds",
            "process_virtual_memory_bytes", "process_virtual_memory_max_bytes",
            "process_resident_memory_bytes", "process_start_time_seconds"}
    check(set(p) == want, "process families: %s" % sorted(p))
    cpu_lo = (before["utime"] + before["stime"]) / 100.0
    cpu_hi = (after["utime"] + after["stime"]) / 100.0
    check(cpu_lo <= p["process_cpu_seconds_total"] <= cpu_hi,
          "cpu %s not within /proc's %s..%s" % (p["process_cpu_seconds_total"], cpu_lo, cpu_hi))
    start = boot_time() + before["starttime"] / 100.0
    check(abs(p["process_start_time_seconds"] - start) < 0.006,
          "start %s, /proc says %s" % (p["process_start_time_seconds"], start))
    check(srv.spawned_wall - 1 <= p["process_start_time_seconds"] <= srv.ready_wall + 1,
          "start %s outside the test's %s..%s" % (p["process_start_time_seconds"],
                                                  srv.spawned_wall, srv.ready_wall))
    for metric, field, scale in (("process_virtual_memory_bytes", "vsize", 1),
                                 ("process_resident_memory_bytes", "rss", page)):
        lo = min(before[field], after[field]) * scale
        hi = max(before[field], after[field]) * scale
        check(lo <= p[metric] <= hi, "%s %s not within /proc's %s..%s" % (metric, p[metric], lo, hi))
    # status's VmRSS is the same figure summed another way from the
    # kernel's per-CPU counters, so the two differ by some pages.
    rss = vm_rss(pid)
    check(abs(p["process_resident_memory_bytes"] - rss) <= rss // 10,
          "resident %s, VmRSS %s" % (p["process_resident_memory_bytes"], rss))
    check(p["process_open_fds"] == fds + 1, "open fds %s, /proc/%d/fd lists %d (+1 while counting)" %
          (p["process_open_fds"], pid, fds))
    check(p["process_max_fds"] == soft_limit(pid, "Max open files"), "max fds %s" % p["process_max_fds"])
    check(p["process_virtual_memory_max_bytes"] == soft_limit(pid, "Max address space"),
          "virtual max %s" % p["process_virtual_memory_max_bytes"])
    # cpu moves forward with work
    for _ in range(300):
        scrape(rd, sock, None)
    _, _, body2 = scrape(rd, sock, None)
    check(process_samples(body2)["process_cpu_seconds_total"] >= p["process_cpu_seconds_total"],
          "cpu seconds went back")


def process_windows(srv, sock, rd):
    _, _, body = scrape(rd, sock, None)
    stats = srv.stats()
    p = process_samples(body)
    want = {"process_cpu_seconds_total", "process_open_fds", "process_max_fds",
            "process_virtual_memory_bytes", "process_resident_memory_bytes",
            "process_start_time_seconds"}
    check(set(p) == want, "process families (no virtual max on Windows): %s" % sorted(p))
    start = p["process_start_time_seconds"]
    check(start == int(start), "start time %s is not whole seconds, as client_golang writes it" % start)
    check(int(srv.spawned_wall) - 1 <= start <= srv.ready_wall + 1,
          "start %s outside the test's %s..%s" % (start, srv.spawned_wall, srv.ready_wall))
    check(p["process_max_fds"] == 16777216, "max fds %s" % p["process_max_fds"])
    mem = stats["process"]["memory_bytes"]
    check(p["process_resident_memory_bytes"] > 0 and
          abs(p["process_resident_memory_bytes"] - mem) <= mem // 4,
          "resident %s, /stats memory %s" % (p["process_resident_memory_bytes"], mem))
    check(p["process_virtual_memory_bytes"] > 0, "virtual (private) bytes %s" % p["process_virtual_memory_bytes"])
    # Handles: the same call as /stats' figure. Wine 8 reports 0 where
    # Windows reports the process's handles (GetProcessHandleCount,
    # https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-getprocesshandlecount):
    # more than 0 is asked only off Wine.
    check(p["process_open_fds"] == stats["process"].get("handles", -1),
          "open fds %s, /stats handles %s" % (p["process_open_fds"], stats["process"].get("handles")))
    unix_pid = wine_unix_pid(srv)
    if unix_pid is None:
        check(p["process_open_fds"] > 0, "open handles %s" % p["process_open_fds"])
    else:
        # Wine's process is the Linux one: its creation time (set when
        # wineserver takes the new process in, after Wine's loader started:
        # seconds later on a loaded machine) falls between the Linux
        # process's start and eved's ready line, in whole seconds; its
        # working set is VmRSS.
        unix_start = boot_time() + proc_stat(unix_pid)["starttime"] / 100.0
        check(int(unix_start) - 1 <= start <= srv.ready_wall + 1,
              "start %s, the Linux process started %s, eved ready at %s" % (start, unix_start, srv.ready_wall))
        rss = vm_rss(unix_pid)
        check(abs(p["process_resident_memory_bytes"] - rss) <= rss // 10,
              "working set %s, VmRSS %s" % (p["process_resident_memory_bytes"], rss))
        # Wine's commit charge (PagefileUsage) is the Linux process's
        # anonymous resident memory and swap; eved's figure must be that
        # one, not a field Wine leaves unwritten.
        anon = proc_status(unix_pid, "RssAnon") + proc_status(unix_pid, "VmSwap")
        check(abs(p["process_virtual_memory_bytes"] - anon) <= anon // 10,
              "commit charge %s, RssAnon + VmSwap %s" % (p["process_virtual_memory_bytes"], anon))
    cpu = p["process_cpu_seconds_total"]
    for _ in range(300):
        scrape(rd, sock, None)
    _, _, body2 = scrape(rd, sock, None)
    cpu2 = process_samples(body2)["process_cpu_seconds_total"]
    check(cpu2 > cpu, "cpu seconds %s after 300 scrapes, %s before" % (cpu2, cpu))


BEHAVIOURS = {
    "metrics_negotiation": negotiation,
    "metrics_openmetrics": openmetrics,
    "metrics_process": process,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved", required=True)
    ap.add_argument("--wrapper")
    ap.add_argument("behaviour", choices=sorted(BEHAVIOURS))
    args = ap.parse_args()
    srv = Server(args)
    try:
        BEHAVIOURS[args.behaviour](srv)
        srv.stop()
    except (Failure, OSError, EOFError, ValueError, KeyError) as e:
        print("FAIL %s: %s: %s" % (args.behaviour, type(e).__name__, e))
        print("---- eved log ----\n" + srv.read_log())
        return 1
    finally:
        srv.close()
    print("ok %s" % args.behaviour)
    return 0


if __name__ == "__main__":
    sys.exit(main())
