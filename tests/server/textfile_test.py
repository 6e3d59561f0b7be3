#!/usr/bin/env python3
"""The textfile collector (docs/collectors.md, "Textfile metrics") through
a running eved, one behaviour per invocation, run like eved_test.py's
(whose Server it uses) as server.<target>.<behaviour>:

    textfile_test.py --eved PATH [--wrapper PROG] BEHAVIOUR

textfile_merge: one eved over a directory holding good files and one
file of each bad kind; the good files' series appear in /metrics in the
text format (promtool) and in OpenMetrics (prometheus_client's strict
parser) with their values, labels, HELP and TYPE; every bad file is
skipped whole with its reason counted and logged, and
eved_textfile_scrape_error is 1; once the bad files are gone it is 0.
textfile_directory: the same eved with the directory missing (no error),
a file where the directory should be (an error), and a reload that
points it elsewhere.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from eved_test import EVENT_DEADLINE, Failure, Server, check, parse_metrics
from metrics_test import OM_TYPE, PROMETHEUS_3, parse_openmetrics

GOOD = (
    "# HELP app_jobs_total Jobs done, with \\\\ and\\n in the help.\n"
    "# TYPE app_jobs_total counter\n"
    'app_jobs_total{queue="a"} 3\n'
    'app_jobs_total{queue="b \\"q\\" \\\\ \\n",host="h1"} 4.5\n'
    "# HELP app_temperature_celsius A gauge.\n"
    "# TYPE app_temperature_celsius gauge\n"
    "app_temperature_celsius -12.25\n"
    "# HELP app_last_run A counter written without _total.\n"
    "# TYPE app_last_run counter\n"
    "app_last_run 7\n"
    "# HELP app_untyped An untyped one.\n"
    "app_untyped{empty=\"\",x=\"caf\u00e9\"} NaN\n"
)
# Sorted before z_second.prom, which repeats its family.
FIRST = "# HELP shared_family In two files.\n# TYPE shared_family gauge\nshared_family 1\n"


def bad_files(under_wine):
    """{file: (reason, family it would have added, text)}: each has a good
    family before its fault, which must not appear either."""
    host_family = "windows_cpu_time_total" if under_wine else "node_cpu_seconds_total"
    labels = '{core="0,0",mode="idle"}' if under_wine else '{cpu="0",mode="user"}'
    return {
        "malformed.prom": ("malformed", "mal_ok", 'mal_ok 1\nmal_bad{x=1} 2\n'),
        "timestamp.prom": ("malformed", "ts_ok", "ts_ok 1\nts_bad 2 1700000000000\n"),
        "bad_utf8.prom": ("malformed", "utf_ok", 'utf_ok 1\nutf_bad{x="\udcc3("} 1\n'),
        "dup_within.prom": ("duplicate", "dw_ok", 'dw_ok 1\ndw{a="1"} 1\ndw{a="1"} 2\n'),
        "z_second.prom": ("duplicate", "zs_ok", 'zs_ok 1\nshared_family{x="y"} 2\n'),
        # One family in OpenMetrics (omc, samples omc_total) written twice.
        "om_clash.prom": ("duplicate", "omc_ok",
                          "omc_ok 1\n# TYPE omc_total counter\nomc_total 1\n# TYPE omc gauge\nomc 2\n"),
        "clash_eved.prom": ("clash", "ce_ok",
                            "ce_ok 1\n# TYPE eved_uptime_seconds counter\neved_uptime_seconds 5\n"),
        "clash_host.prom": ("clash", "ch_ok", "ch_ok 1\n%s%s 1\n" % (host_family, labels)),
        "big.prom": ("bound", "big_ok", "big_ok 1\n" + ("# padding " + "x" * 1000 + "\n") * 1100),
        "series.prom": ("bound", "ser_ok",
                        "ser_ok 1\n" + "".join('ser{i="%d"} 1\n' % i for i in range(10001))),
    }


def write(d, name, text):
    with open(os.path.join(d, name), "w", encoding="utf-8", errors="surrogateescape",
              newline="") as f:
        f.write(text)


def wine_path(srv, path):
    """The directory as eved sees it: under Wine, on drive Z: (the Linux
    root), in Windows' own spelling."""
    return "Z:" + path.replace("/", "\\") if srv.under_wine else path


def scrape(srv, openmetrics=False):
    headers = {"Accept": PROMETHEUS_3} if openmetrics else None
    r, body = srv.get("/metrics", headers=headers)
    check(r.status == 200, "/metrics status %d" % r.status)
    if openmetrics:
        check(r.getheader("Content-Type") == OM_TYPE, "OpenMetrics negotiated")
    return body


def promtool_text(body):
    """promtool check metrics: no parse error; of its lint, only the
    counter the good file names without _total, which the test keeps on
    purpose (the text format allows it), and node_exporter's own
    camelCase memory names."""
    p = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    out = (p.stdout + p.stderr).decode()
    problems = [l for l in out.splitlines() if l.strip()
                and l != 'app_last_run counter metrics should have "_total" suffix'
                and not re.match(r"^node_memory_\w+ metric names should be written in 'snake_case'", l)]
    check(p.returncode in (0, 3) and not problems, "promtool (exit %d): %s" % (p.returncode, out))


def skipped(series):
    return {k[1][0][1]: v for k, v in series.items() if k[0] == "eved_textfile_files_skipped"}


def mtimes(series):
    return {k[1][0][1]: v for k, v in series.items() if k[0] == "eved_textfile_mtime_seconds"}


def check_good_text(text, series):
    check("# HELP app_jobs_total Jobs done, with \\\\ and\\n in the help.\n"
          "# TYPE app_jobs_total counter\n" in text, "app_jobs_total's HELP and TYPE")
    check(series.get(("app_jobs_total", (("queue", "a"),))) == 3, "app_jobs_total{queue=a}")
    check('app_jobs_total{queue="b \\"q\\" \\\\ \\n",host="h1"} 4.5\n' in text,
          "app_jobs_total's escaped labels, in the file's order")
    check("# TYPE app_temperature_celsius gauge\napp_temperature_celsius -12.25\n" in text, "gauge")
    check("# TYPE app_last_run counter\napp_last_run 7\n" in text, "counter without _total")
    check("# HELP app_untyped An untyped one.\n# TYPE app_untyped untyped\n"
          'app_untyped{x="caf\u00e9"} NaN\n' in text, "untyped, the empty label dropped")
    check("# HELP shared_family In two files.\n" in text and
          series.get(("shared_family", ())) == 1, "a_first.prom's family")


def check_good_openmetrics(body):
    fams = {f["name"]: f for f in parse_openmetrics(body)}
    jobs = fams.get("app_jobs")
    check(jobs is not None and jobs["type"] == "counter", "app_jobs counter family: %s" % jobs)
    check(jobs["help"] == "Jobs done, with \\ and\n in the help.", "help %r" % jobs["help"])
    check(sorted((s[0], s[1].get("queue"), s[2]) for s in jobs["samples"]) ==
          [("app_jobs_total", "a", 3.0), ("app_jobs_total", 'b "q" \\ \n', 4.5)],
          "app_jobs samples %s" % jobs["samples"])
    last = fams.get("app_last_run")
    check(last is not None and last["type"] == "counter" and
          [s[:3] for s in last["samples"]] == [["app_last_run_total", {}, 7.0]],
          "a counter without _total gets it in OpenMetrics: %s" % last)
    untyped = fams.get("app_untyped")
    check(untyped is not None and untyped["type"] == "unknown" and
          untyped["samples"][0][1] == {"x": "caf\u00e9"}, "untyped is unknown: %s" % untyped)
    temp = fams.get("app_temperature_celsius")
    check(temp is not None and temp["type"] == "gauge" and temp["samples"][0][2] == -12.25, "gauge")
    return fams


def t_merge(srv, d):
    bads = bad_files(srv.under_wine)
    write(d, "good.prom", GOOD)
    write(d, "a_first.prom", FIRST)
    write(d, "notes.txt", "not metrics at all {{{\n")  # another extension: ignored
    for name, (_, _, text) in bads.items():
        write(d, name, text)
    os.mkdir(os.path.join(d, "dir.prom"))  # listed, cannot be read as a file
    unreadable = 1
    if not srv.under_wine:
        # Listed, gone when opened: what a file deleted mid-read looks like.
        os.symlink(os.path.join(d, "no-such-target"), os.path.join(d, "gone.prom"))
        unreadable = 2

    body = scrape(srv)
    text = body.decode()
    promtool_text(body)
    series = parse_metrics(text)
    check_good_text(text, series)
    for name, (_, family, _) in bads.items():
        check(not any(k[0] == family for k in series), "%s's %s is shown" % (name, family))
    for family in ("mal_bad", "ts_bad", "dw", "ser", "omc_total", "omc"):
        check(not any(k[0] == family for k in series), "%s is shown" % family)
    check(series.get(("eved_uptime_seconds", ())) != 5, "clash_eved's value replaced eved's")
    check(series.get(("eved_textfile_scrape_error", ())) == 1, "scrape_error is 1")
    want = {"malformed": 3, "duplicate": 3, "clash": 2, "bound": 2, "unreadable": unreadable}
    check(skipped(series) == want, "files_skipped %s, want %s" % (skipped(series), want))
    check(sorted(mtimes(series)) == ["a_first.prom", "good.prom"], "mtime files %s" % mtimes(series))
    st = os.stat(os.path.join(d, "good.prom"))
    check(abs(mtimes(series)["good.prom"] - st.st_mtime) < 0.01,
          "good.prom mtime %s, the file's %s" % (mtimes(series)["good.prom"], st.st_mtime))
    check(series.get(("eved_collector_success", (("collector", "textfile"),))) == 1, "success")
    check(series.get(("eved_collector_errors", (("collector", "textfile"),))) == sum(want.values()),
          "eved_collector_errors counts each skipped file")

    check_good_openmetrics(scrape(srv, openmetrics=True))

    stats = srv.stats()
    tf = stats["host"]["collectors"]["textfile"]
    check(tf["success"] is True and "timestamp.prom: line 2: client-side timestamps" in tf["error"],
          "/stats textfile: %s" % tf)
    check(stats["host"]["metrics"]["eved_textfile_scrape_error"][0]["value"] == 1, "/stats metrics")
    log = srv.read_log()
    check(re.search(r" warn +collector textfile: .*bad_utf8\.prom: line 2: not UTF-8", log) and
          "big.prom: larger than 1048576 bytes" in log, "skips logged:\n" + log)
    # Once per change: a second scrape with the same files logs nothing new.
    scrape(srv)
    check(srv.read_log().count("collector textfile:") == 1, "logged again:\n" + srv.read_log())

    # The bad files gone: every file merged, no error.
    for name in bads:
        os.unlink(os.path.join(d, name))
    os.rmdir(os.path.join(d, "dir.prom"))
    if not srv.under_wine:
        os.unlink(os.path.join(d, "gone.prom"))
    series = parse_metrics(scrape(srv).decode())
    check(series.get(("eved_textfile_scrape_error", ())) == 0, "scrape_error back to 0")
    check(set(skipped(series).values()) == {0}, "nothing skipped: %s" % skipped(series))
    check(series.get(("app_jobs_total", (("queue", "a"),))) == 3, "good.prom still there")


def t_directory(srv, d):
    # Missing: no files and no error (a fresh install).
    shutil.rmtree(d)
    series = parse_metrics(scrape(srv).decode())
    check(series.get(("eved_textfile_scrape_error", ())) == 0, "a missing directory is no error")
    check(not mtimes(series), "no files")
    # A file where the directory should be: an error, and /metrics valid.
    write(os.path.dirname(d), os.path.basename(d), "x 1\n")
    body = scrape(srv)
    promtool_text(body)
    parse_openmetrics(scrape(srv, openmetrics=True))
    series = parse_metrics(body.decode())
    check(series.get(("eved_textfile_scrape_error", ())) == 1, "a file for a directory is an error")
    check(not any(k[0] == "x" for k in series), "the file was not read as a textfile")
    tf = srv.stats()["host"]["collectors"]["textfile"]
    check("not a directory" in tf["error"], "/stats error %r" % tf["error"])
    # A reload (SIGHUP; the admin channel's reload is the same call, tested
    # in tests/service) points it at another directory, used from the next
    # run. Wine has no SIGHUP for eved.exe.
    if srv.under_wine:
        return
    other = tempfile.mkdtemp(prefix="eved-textfile-other-")
    try:
        write(other, "moved.prom", "moved_here 42\n")
        cfg = dict(srv.config)
        cfg["textfile"] = {"directory": wine_path(srv, other)}
        with open(srv.config_path, "w") as f:
            json.dump(cfg, f)
        srv.proc.send_signal(signal.SIGHUP)
        wait_log(srv, "reloaded ")
        series = parse_metrics(scrape(srv).decode())
        check(series.get(("moved_here", ())) == 42, "reloaded directory read")
        check(series.get(("eved_textfile_scrape_error", ())) == 0, "no error after the reload")
    finally:
        shutil.rmtree(other, ignore_errors=True)


def wait_log(srv, text):
    deadline = time.monotonic() + EVENT_DEADLINE
    while text not in srv.read_log():
        check(time.monotonic() < deadline, "no %r in the log:\n%s" % (text, srv.read_log()))
        time.sleep(0.05)


BEHAVIOURS = {"textfile_merge": t_merge, "textfile_directory": t_directory}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved", required=True)
    ap.add_argument("--wrapper")
    ap.add_argument("behaviour", choices=sorted(BEHAVIOURS))
    args = ap.parse_args()
    top = tempfile.mkdtemp(prefix="eved-textfile-")
    d = os.path.join(top, "textfile")
    os.mkdir(d)
    under_wine = bool(args.wrapper)
    directory = "Z:" + d.replace("/", "\\") if under_wine else d
    srv = Server(args, config={"textfile": {"directory": directory},
                               "collectors": {"min_interval_ms": 0}})
    try:
        BEHAVIOURS[args.behaviour](srv, d)
        srv.stop()
    except (Failure, OSError, EOFError, ValueError, KeyError) as e:
        print("FAIL %s: %s: %s" % (args.behaviour, type(e).__name__, e))
        print("---- eved log ----\n" + srv.read_log())
        return 1
    finally:
        srv.close()
        shutil.rmtree(top, ignore_errors=True)
    print("ok %s" % args.behaviour)
    return 0


if __name__ == "__main__":
    sys.exit(main())
