#!/usr/bin/env python3
"""eved as a Windows service under Wine, one behaviour per invocation.

    service_test.py --eved EVED.EXE --wrapper cmake/wine-run.sh \
                    --svcctl SVCCTL.EXE --probe PIPE_PROBE.EXE BEHAVIOUR

Needs the persistent wineserver scripts/wine-prefix.sh starts: a service
lives in services.exe, which Wine ends with its wineserver. Every behaviour
installs its own service (its own name, port, admin pipe and log file) and
uninstalls it, so runs in parallel never clash. Deadlines are generous; the
one time bound asserted is the behaviour under test in stop_fast ("sc stop
reaches STOPPED in under 5 s with 100 idle keep-alive connections and a
30 s drain timeout").
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

# Importing the server driver must not leave __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from eved_test import EVENT_DEADLINE, START_DEADLINE, Failure, check  # noqa: E402

EXIT_ADMIN = 5


def win_path(path):
    """A Linux path as Wine sees it (Z: is the root)."""
    return "Z:" + path.replace("/", "\\")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Service:
    def __init__(self, args, behaviour, config=None):
        self.args = args
        tag = "%s-%d" % (behaviour.replace("_", "-"), os.getpid())
        self.name = "eved-test-" + tag
        self.pipe = "eved-svc-" + tag
        self.dir = tempfile.mkdtemp(prefix="eved-svc-")
        self.log_path = os.path.join(self.dir, "eved.log")
        self.port = free_port()
        self.config = {"listen": ["127.0.0.1:%d" % self.port],
                       "log": {"level": "debug", "file": win_path(self.log_path)},
                       "admin": {"enabled": True, "pipe": self.pipe}}
        self.config.update(config or {})
        self.config_path = os.path.join(self.dir, "eved.json")
        self.write_config(self.config)
        self.installed = False

    def write_config(self, cfg):
        with open(self.config_path, "w") as f:
            f.write(cfg if isinstance(cfg, str) else json.dumps(cfg))

    def run(self, *argv, env=None, timeout=START_DEADLINE):
        cmd = [self.args.wrapper] + list(argv)
        e = dict(os.environ, **(env or {}))
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                           env=e)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def eved(self, *argv, env=None):
        return self.run(self.args.eved, *argv, env=env)

    def install(self, *extra, env=None):
        code, out, err = self.eved("install", "--name", self.name, "--config",
                                   win_path(self.config_path), *extra, env=env)
        self.installed = self.installed or code in (0, 1)
        return code, out, err

    def sc_query(self):
        code, out, err = self.run("sc", "query", self.name)
        m = re.search(r"STATE\s*:\s*\d+\s+(\w+)", out)
        return code, (m.group(1) if m else None), out + err

    def svcctl(self, verb):
        return self.run(self.args.svcctl, verb, self.name)

    def admin(self, *words):
        code, out, err = self.eved("admin", "--pipe", self.pipe, "--json", *words)
        lines = [l for l in out.splitlines() if l.startswith("{")]
        return code, (json.loads(lines[-1]) if lines else None), out + err

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=EVENT_DEADLINE)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, text, what):
        deadline = time.monotonic() + EVENT_DEADLINE
        while text not in self.read_log():
            if time.monotonic() > deadline:
                raise Failure("timed out waiting for %s in the log" % what)
            time.sleep(0.05)

    def wait_state(self, want):
        deadline = time.monotonic() + EVENT_DEADLINE
        while True:
            code, state, out = self.sc_query()
            if state == want:
                return
            if time.monotonic() > deadline:
                raise Failure("service never reached %s: %s" % (want, out))
            time.sleep(0.05)

    def cleanup(self):
        if self.installed:
            self.eved("uninstall", "--name", self.name)
        shutil.rmtree(self.dir, ignore_errors=True)


def installed_running(svc):
    code, out, err = svc.install()
    check(code == 0 and "RUNNING" in out, "install: %d %r %r\n%s" % (code, out, err, svc.read_log()))
    _, state, out = svc.sc_query()
    check(state == "RUNNING", "sc query: %r" % out)


# ---- behaviours ---------------------------------------------------------

def t_install_running(svc):
    installed_running(svc)
    status, body = svc.get("/stats")
    check(status == 200 and json.loads(body)["status"] == "running", "/stats %d" % status)
    code, answer, out = svc.admin("stats")
    check(code == 0 and answer["ok"] and answer["stats"]["requests"]["by_path"]["/stats"] == 1,
          "admin stats over the pipe: %d %r" % (code, out))
    pid = answer["stats"]["process"]["pid"]
    code, out, err = svc.eved("status", "--name", svc.name)
    check(code == 0 and "RUNNING (pid %d)" % pid in out, "status: %d %r %r" % (code, out, err))
    code, out, err = svc.install()
    check(code == 5 and "already installed" in err, "second install: %d %r" % (code, err))
    code, out, err = svc.eved("uninstall", "--name", svc.name)
    check(code == 0 and "uninstalled" in out, "uninstall: %d %r %r" % (code, out, err))
    svc.installed = False
    code, state, out = svc.sc_query()
    check(code != 0 and state is None, "sc query after uninstall: %d %r" % (code, out))
    code, out, err = svc.eved("status", "--name", svc.name)
    check(code == 3 and "not installed" in err, "status after uninstall: %d %r" % (code, err))
    check("stopped: 1 requests" in svc.read_log(), "the service stopped cleanly before removal")


def t_pause_continue(svc):
    installed_running(svc)
    code, out, err = svc.svcctl("pause")
    check(code == 0 and "PAUSED" in out, "svcctl pause: %d %r %r" % (code, out, err))
    status, body = svc.get("/healthz")
    check(status == 503 and body == b"paused\n", "healthz while paused: %d %r" % (status, body))
    status, body = svc.get("/stats")
    check(status == 200 and json.loads(body)["status"] == "paused", "/stats still served")
    code, out, err = svc.svcctl("interrogate")
    check(code == 0 and "PAUSED" in out, "interrogate: %d %r %r" % (code, out, err))
    code, out, err = svc.svcctl("continue")
    check(code == 0 and "RUNNING" in out, "svcctl continue: %d %r %r" % (code, out, err))
    status, body = svc.get("/healthz")
    check(status == 200 and body == b"ok\n", "healthz after continue: %d" % status)


def t_paramchange_reload(svc):
    installed_running(svc)
    good = dict(svc.config)
    svc.write_config('{"listen": ["127.0.0.1:1"], "max_connections": "many"}')
    code, out, err = svc.svcctl("paramchange")
    check(code == 0 and "RUNNING" in out, "svcctl paramchange: %d %r %r" % (code, out, err))
    svc.wait_log("reload rejected", "the rejected reload")
    code, answer, out = svc.admin("reload")
    check(code == 1 and answer and answer["ok"] is False and "max_connections" in answer["error"],
          "admin reload of a broken config: %d %r" % (code, out))
    check(svc.get("/healthz")[0] == 200, "still serving after the rejected reloads")
    _, state, _ = svc.sc_query()
    check(state == "RUNNING", "still RUNNING")
    svc.write_config(dict(good, log=dict(good["log"], level="warn")))
    svc.svcctl("paramchange")
    deadline = time.monotonic() + EVENT_DEADLINE
    while True:
        code, answer, out = svc.admin("loglevel")
        if answer and answer.get("level") == "warn":
            break
        check(time.monotonic() < deadline, "PARAMCHANGE never applied the new config: %r" % out)
        time.sleep(0.1)


def t_stop_fast(svc):
    installed_running(svc)
    held = []
    for _ in range(100):
        s = socket.create_connection(("127.0.0.1", svc.port), timeout=EVENT_DEADLINE)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        held.append(s)
    for s in held:
        check(b"200 OK" in s.recv(4096), "each keep-alive connection served")
    code, answer, out = svc.admin("stats")
    check(answer["stats"]["connections"]["active"] == 100, "100 idle connections open: %r" % out)
    started = time.monotonic()
    code, out, err = svc.run("sc", "stop", svc.name)
    check(code == 0, "sc stop: %d %r %r" % (code, out, err))
    svc.wait_state("STOPPED")
    elapsed = time.monotonic() - started
    check(elapsed < 5.0, "STOPPED after %.1f s with drain_timeout_ms 30000" % elapsed)
    for s in held:
        s.settimeout(EVENT_DEADLINE)
        try:
            check(s.recv(1) == b"", "idle connection closed by the stop")
        except ConnectionResetError:
            pass
    check("stopping: draining 100 connections" in svc.read_log(), "drained, not killed")
    check("drain timed out" not in svc.read_log(), "idle connections were not waited out")


def t_wakeup_idle(svc):
    """The control handler's post_wakeup reaches a loop blocked with no
    timeout: nothing else would ever wake it."""
    installed_running(svc)
    svc.wait_log("idle: waiting with no timeout", "the loop's idle wait")
    time.sleep(0.5)
    log = svc.read_log()
    tail = log[log.rindex("idle: waiting with no timeout"):]
    check(tail.count("\n") == 1, "nothing ran after the idle wait began:\n" + tail)
    code, out, err = svc.eved("stop", "--name", svc.name)
    check(code == 0 and "STOPPED" in out, "eved stop: %d %r %r" % (code, out, err))
    check("stopping: draining 0 connections" in svc.read_log(), "the loop saw the stop")


def t_squat_refuses(svc):
    cmd = [svc.args.wrapper, svc.args.probe, "squat", svc.pipe]
    squatter = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        check("squatting" in squatter.stdout.readline().decode(), "the squatter started")
        code, out, err = svc.install()
        check(code == 1 and "STOPPED (exit code %d" % EXIT_ADMIN in out,
              "install beside a squatter: %d %r %r" % (code, out, err))
        check("already exists" in svc.read_log(), "the log says why:\n" + svc.read_log())
        code, out, err = svc.eved("status", "--name", svc.name)
        check("STOPPED (exit code %d" % EXIT_ADMIN in out, "status keeps the exit code: %r" % out)
    finally:
        squatter.stdin.close()
        squatter.wait(timeout=EVENT_DEADLINE)


def t_eventlog(svc):
    env = {"WINEDEBUG": "+eventlog"}
    code, out, err = svc.install("--start", "manual", env=env)
    check(code == 0, "install: %d %r %r" % (code, out, err))
    calls = [l for l in err.splitlines() if "ReportEventW" in l]
    check(any("service installed" in l for l in calls) or
          (calls and "service installed" in err), "ReportEventW at install:\n" + err[-3000:])
    check("RegisterEventSourceW" in err, "the event source is registered:\n" + err[-2000:])
    code, out, err = svc.eved("uninstall", "--name", svc.name, env=env)
    check(code == 0 and "ReportEventW" in err and "service uninstalled" in err,
          "ReportEventW at uninstall: %d\n%s" % (code, err[-3000:]))
    svc.installed = False


def t_cli_errors(svc):
    code, out, err = svc.eved("status", "--name", svc.name)
    check(code == 3 and "not installed" in err, "status: %d %r" % (code, err))
    code, out, err = svc.eved("uninstall", "--name", svc.name)
    check(code == 3 and "not installed" in err, "uninstall: %d %r" % (code, err))
    code, out, err = svc.eved("install", "--name", svc.name)
    check(code == 1 and "cannot open" in err and "beside eved.exe" in err,
          "install without --config and no eved.json beside eved.exe: %d %r" % (code, err))
    svc.write_config('{"max_connections": 0}')
    code, out, err = svc.install()
    check(code == 1 and "max_connections" in err, "install with a bad config: %d %r" % (code, err))
    code, out, err = svc.eved("service", "--name", svc.name, "--config", "x.json")
    check(code == 1 and "Service Control Manager" in err, "service from a console: %d %r" % (code, err))
    svc.installed = False


BEHAVIOURS = {
    "install_running": (t_install_running, {}),
    "pause_continue": (t_pause_continue, {}),
    "paramchange_reload": (t_paramchange_reload, {}),
    "stop_fast": (t_stop_fast, {"drain_timeout_ms": 30000}),
    "wakeup_idle": (t_wakeup_idle, {}),
    "squat_refuses": (t_squat_refuses, {}),
    "eventlog": (t_eventlog, {}),
    "cli_errors": (t_cli_errors, {}),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved", required=True)
    ap.add_argument("--wrapper", required=True)
    ap.add_argument("--svcctl", required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("behaviour", choices=sorted(BEHAVIOURS))
    args = ap.parse_args()
    fn, config = BEHAVIOURS[args.behaviour]
    svc = Service(args, args.behaviour, config)
    try:
        fn(svc)
    except (Failure, OSError, ValueError, KeyError, TypeError, subprocess.TimeoutExpired) as e:
        print("FAIL %s: %s: %s" % (args.behaviour, type(e).__name__, e))
        print("---- eved log ----\n" + svc.read_log())
        return 1
    finally:
        svc.cleanup()
    print("ok %s" % args.behaviour)
    return 0


if __name__ == "__main__":
    sys.exit(main())
