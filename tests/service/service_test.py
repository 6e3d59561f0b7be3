#!/usr/bin/env python3
"""eved as a Windows service under Wine, one behaviour per invocation.

    service_test.py --eved EVED.EXE --wrapper cmake/wine-run.sh \
                    --svcctl SVCCTL.EXE --probe PIPE_PROBE.EXE \
                    --sd-probe SD_PROBE.EXE --event-probe EVENT_PROBE.EXE BEHAVIOUR

Needs the persistent wineserver scripts/wine-prefix.sh starts: a service
lives in services.exe, which Wine ends with its wineserver. Every behaviour
installs its own service (its own name, port, admin pipe and log file) and
uninstalls it, so runs in parallel never clash. Deadlines are generous; the
one time bound asserted is the behaviour under test in stop_fast ("sc stop
reaches STOPPED in under 5 s with 100 idle keep-alive connections and a
30 s drain timeout").
"""
import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

# Importing the server driver must not leave __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from eved_test import EVENT_DEADLINE, START_DEADLINE, Failure, check  # noqa: E402

EXIT_ADMIN = 5
# The merged SDDL of FILE_GENERIC_READ, and of FILE_GENERIC_READ |
# FILE_GENERIC_WRITE, as ConvertSecurityDescriptorToStringSecurityDescriptor
# writes them.
RIGHTS_READ = "FR"
RIGHTS_READ_WRITE = "0x12019f"

# What each event kind of service/messages.mc formats to, with the
# insertion strings event_probe passes ("<ID.N>"): ID -> (type, text).
# Types: 1 error, 2 warning, 4 information (EVENTLOG_*_TYPE).
EVENT_TEXTS = {
    1: (4, "<1.1>"),
    2: (2, "<2.1>"),
    3: (1, "<3.1>"),
    100: (4, "Service <100.1> is running with the config file <100.2>."),
    101: (4, "Service <101.1> stopped."),
    102: (1, "Service <102.1> stopped: its config file <102.2> is missing or invalid: <102.3>"),
    103: (1, "Service <103.1> stopped: a listen address could not be bound: <103.2>"),
    104: (1, "Service <104.1> stopped: its admin channel could not be opened or is taken: <104.2>"),
    105: (1, "Service <105.1> stopped with exit code <105.2>: <105.3>"),
    106: (4, "Service <106.1> installed, running as <106.2>, command line: <106.3>"),
    107: (4, "Service <107.1> uninstalled."),
    108: (2, "Service <108.1> could not set its own recovery actions (error <108.2>); "
              "eved install sets them."),
    109: (4, "Firewall rule <109.1> added: inbound TCP to ports <109.2> of <109.3>, from <109.4>."),
    110: (4, "Firewall rule <110.1> removed."),
}


def service_sid(name):
    """S-1-5-80 and the SHA-1 of the upper-cased name in UTF-16LE as five
    little-endian 32-bit numbers: derived here independently of eved."""
    digest = hashlib.sha1(name.upper().encode("utf-16-le")).digest()
    return "S-1-5-80-" + "-".join(str(x) for x in struct.unpack("<5I", digest))


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

    def sd_probe(self, *argv):
        return self.run(self.args.sd_probe, *argv)

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
    # Event 106 (installed: name, account, command line), information.
    check(re.search(r"ReportEventW \([^,]*,0x0004,0x0000,0x0000006a,[^,]*,0x0003,", err),
          "ReportEventW at install:\n" + err[-3000:])
    check("NT SERVICE\\\\%s" % svc.name in err or "NT SERVICE\\%s" % svc.name in err,
          "the account among its strings:\n" + err[-3000:])
    check("RegisterEventSourceW" in err, "the event source is registered:\n" + err[-2000:])
    code, out, err = svc.eved("uninstall", "--name", svc.name, env=env)
    check(code == 0 and re.search(r"ReportEventW \([^,]*,0x0004,0x0000,0x0000006b,", err),
          "ReportEventW (107, uninstalled) at uninstall: %d\n%s" % (code, err[-3000:]))
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


def granted(out, what, path_leaf):
    """The DACL install says it set on a file (its "granted" line)."""
    for line in out.splitlines():
        if line.startswith("granted %s on " % what) and path_leaf in line:
            return line.split(": ", 1)[1]
    raise Failure("no \"granted %s\" line for %s in:\n%s" % (what, path_leaf, out))


def t_virtual_account(svc):
    """The default account is NT SERVICE\\<name>; the service SID gets
    read on the config, read and write on the log, and GA on the admin
    pipe. Wine runs every process as one user and Debian's wineserver keeps
    no file DACLs, so the DACLs checked are the ones eved set (its
    "granted" lines, the merge tested in service_sid) and the pipe's, read
    back from the live pipe; no access check is exercised."""
    sid = service_sid(svc.name)
    code, out, install_err = svc.install()
    check(code == 0 and "RUNNING" in out, "install: %d %r %r\n%s" % (code, out, install_err,
                                                                   svc.read_log()))
    check("as NT SERVICE\\%s (service SID %s)" % (svc.name, sid) in out, "install names the account "
          "and the SID derived here: %r" % out)
    code, cfg, err = svc.svcctl("config")
    check(code == 0 and "account: NT SERVICE\\%s\n" % svc.name in cfg.replace("\r", ""),
          "QueryServiceConfig: %d %r %r" % (code, cfg, err))
    # The token settings: read back where the SCM keeps them; Wine 8's
    # services.exe refuses both levels (ERROR_INVALID_LEVEL), and install
    # says so rather than failing.
    check("sid type: 1\n" in cfg.replace("\r", "") or
          "the service SID type not set: this SCM does not support it (error 124)" in install_err,
          "SID type unrestricted asked for: %r %r" % (cfg, install_err))
    check("privileges: SeChangeNotifyPrivilege\n" in cfg.replace("\r", "") or
          "the required privileges not set: this SCM does not support it (error 124)" in install_err,
          "required privileges asked for: %r %r" % (cfg, install_err))
    config_dacl = granted(out, "read", "eved.json")
    check("(A;;%s;;;%s)" % (RIGHTS_READ, sid) in config_dacl, "config: read for the SID: " + config_dacl)
    check("(A;;%s;;;%s)" % (RIGHTS_READ_WRITE, sid) not in config_dacl, "config: no write: " + config_dacl)
    log_dacl = granted(out, "read and write", "eved.log")
    check("(A;;%s;;;%s)" % (RIGHTS_READ_WRITE, sid) in log_dacl, "log: read and write: " + log_dacl)
    code, dacl = svc.run(svc.args.probe, "dacl", svc.pipe)[:2]
    want = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;%s)" % sid
    check(code == 0 and dacl.strip() == want, "pipe DACL: %d %r, want %s" % (code, dacl, want))
    check("admin pipe: DACL checked: " + want in svc.read_log(), "eved read the same DACL back")
    status, body = svc.get("/stats")
    check(status == 200 and json.loads(body)["status"] == "running", "/stats %d" % status)
    code, answer, out = svc.admin("stats")
    check(code == 0 and answer["ok"], "admin stats over the pipe: %d %r" % (code, out))


def t_local_system(svc):
    """--account LocalSystem: registered without an account name (the SCM
    stores LocalSystem), no file grants; the pipe still admits the service
    SID, which SERVICE_SID_TYPE_UNRESTRICTED puts in its token on Windows."""
    code, out, err = svc.install("--account", "LocalSystem")
    check(code == 0 and "RUNNING" in out, "install: %d %r %r" % (code, out, err))
    check("as LocalSystem" in out and "granted" not in out, "no grants for LocalSystem: %r" % out)
    code, cfg, err = svc.svcctl("config")
    check(code == 0 and "account: LocalSystem" in cfg, "QueryServiceConfig: %d %r %r" % (code, cfg, err))
    code, dacl = svc.run(svc.args.probe, "dacl", svc.pipe)[:2]
    check(service_sid(svc.name) in dacl, "pipe DACL with the service SID: %r" % dacl)
    check(svc.get("/healthz")[0] == 200, "serving")


def t_service_sid(svc):
    """The SID derivation, against a SID Windows itself assigned, and the
    DACL merge install applies to files."""
    known = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
    code, out, err = svc.sd_probe("sid", "TrustedInstaller")
    check(code == 0 and out.strip() == known, "TrustedInstaller: %d %r %r" % (code, out, err))
    for name in (svc.name, svc.name.upper(), "eved"):
        code, out, err = svc.sd_probe("sid", name)
        check(code == 0 and out.strip() == service_sid(name), "%s: %r, want %s" %
              (name, out, service_sid(name)))
    sid = service_sid("eved")
    base = "(A;;FA;;;SY)(A;;FA;;;BA)(A;ID;0x1200a9;;;BU)"
    code, out, err = svc.sd_probe("grant", "D:" + base, sid, "read")
    check(code == 0 and out.strip() == "D:(A;;FR;;;%s)%s" % (sid, base),
          "read merged before the inherited ACE, others kept: %d %r %r" % (code, out, err))
    code, out, err = svc.sd_probe("grant", "D:(A;;FA;;;SY)", sid, "readwrite")
    check(code == 0 and out.strip() == "D:(A;;0x12019f;;;%s)(A;;FA;;;SY)" % sid,
          "read and write: %d %r %r" % (code, out, err))
    # A re-install over a file that already grants the SID read: Windows
    # combines the rights into the one ACE (ACCESS_MODE, GRANT_ACCESS:
    # "combines the specified rights with any existing allowed or denied
    # rights of the trustee"); Wine 8's SetEntriesInAcl adds a second ACE.
    # Either way the SID is allowed read and write, and SY keeps its ACE.
    code, out, err = svc.sd_probe("grant", "D:(A;;FR;;;%s)(A;;FA;;;SY)" % sid, sid, "readwrite")
    out = out.strip()
    check(code == 0 and out in ("D:(A;;0x12019f;;;%s)(A;;FA;;;SY)" % sid,
                                "D:(A;;0x12019f;;;%s)(A;;FR;;;%s)(A;;FA;;;SY)" % (sid, sid)),
          "an existing ACE for the SID widened: %r" % out)


def t_messages(svc):
    """Every kind of event: written once through eved's own event code
    (ReportEventW, seen in Wine's +eventlog trace), and formatted from
    eved.exe's message table with FormatMessage, as Event Viewer does.
    install registers eved.exe as the source's EventMessageFile."""
    code, out, err = svc.run(svc.args.event_probe, win_path(os.path.abspath(svc.args.eved)),
                             svc.name, env={"WINEDEBUG": "+eventlog"})
    check(code == 0, "event_probe: %d %r %r" % (code, out, err[-2000:]))
    lines = [l.rstrip("\r") for l in out.splitlines() if l.strip()]
    seen = {}
    for line in lines:
        ident, kind, text = line.split(" ", 2)
        seen[int(ident)] = (int(kind), text)
    check(sorted(seen) == sorted(EVENT_TEXTS), "the kinds eved writes: %r" % sorted(seen))
    for ident, (kind, text) in EVENT_TEXTS.items():
        got = seen[ident]
        # Each message ends with the line end windmc keeps ("\r\n", shown "||").
        check(got == (kind, text + "||"), "event %d: %r, want %r" % (ident, got, (kind, text + "||")))
        calls = re.findall(r"ReportEventW \([^,]*,0x%04x,0x0000,0x%08x," % (kind, ident), err)
        check(len(calls) == 1, "event %d written once with type %d: %d calls" % (ident, kind, len(calls)))
    code, out, err = svc.install("--start", "manual")
    check(code == 0, "install: %d %r %r" % (code, out, err))
    key = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" + svc.name
    code, out, err = svc.run("reg", "query", key, "/v", "EventMessageFile")
    exe = win_path(os.path.abspath(svc.args.eved))
    check(code == 0 and exe.lower() in out.lower(), "EventMessageFile is eved.exe: %d %r" % (code, out))


def fw_trace(err, prop):
    """The value Wine's INetFwRule stub traced for a property put."""
    m = re.search(r"netfw_rule_put_%s [0-9A-Fa-f]+, (.*)" % prop, err)
    return m.group(1).strip() if m else None


def t_firewall_rule(svc):
    """Wine 8's hnetcfg creates the policy and rule objects, but every
    INetFwRule setter and INetFwRules::Add/Item is a stub that only traces
    (fixme:hnetcfg) and keeps nothing. So the rule is tested as eved builds
    it (the line install prints) and as it reaches the API (each put_* value
    in Wine's trace, then Add); that the firewall keeps and enforces it is
    not shown here."""
    svc.config["listen"] = ["127.0.0.1:%d" % svc.port, "127.0.0.1:%d" % svc.port,
                            "[::1]:%d" % (svc.port + 1)]
    svc.write_config(svc.config)
    env = {"WINEDEBUG": "fixme+hnetcfg"}
    code, out, err = svc.install("--start", "manual", "--firewall", "--remote-addr",
                                 "10.0.0.0/8,192.168.1.5-192.168.1.9,LocalSubnet", env=env)
    check(code == 0, "install --firewall: %d %r %r" % (code, out, err[-3000:]))
    ports = "%d,%d" % (svc.port, svc.port + 1)
    exe = win_path(os.path.abspath(svc.args.eved))
    rule = ('firewall rule "eved (%s)": inbound TCP, local ports %s, remote addresses '
            "10.0.0.0/8,192.168.1.5-192.168.1.9,LocalSubnet, allow, program %s, service %s, "
            "all profiles, group eved" % (svc.name, ports, exe, svc.name))
    check(rule in out.replace("\r", "").splitlines(), "the rule install builds:\n%s\nwant\n%s" % (out, rule))
    want = {"Name": 'L"eved (%s)"' % svc.name, "Grouping": 'L"eved"',
            "ApplicationName": 'L"%s"' % exe.replace("\\", "\\\\"),
            "ServiceName": 'L"%s"' % svc.name, "Protocol": "6", "LocalPorts": 'L"%s"' % ports,
            "RemoteAddresses": 'L"10.0.0.0/8,192.168.1.5-192.168.1.9,LocalSubnet"',
            "Direction": "1", "Action": "1", "Profiles": "0x7fffffff", "Enabled": "0xffffffff"}
    for prop, value in want.items():
        got = fw_trace(err, prop)
        check(got == value, "INetFwRule::put_%s: %r, want %r" % (prop, got, value))
    check(err.find("netfw_rule_put_Protocol") < err.find("netfw_rule_put_LocalPorts"),
          "Protocol is set before LocalPorts (the API requires it)")
    check(re.search(r"netfw_rules_Add [0-9A-Fa-f]+, [0-9A-Fa-f]+", err), "INetFwRules::Add called")
    check(re.search(r'netfw_rules_Item [0-9A-Fa-f]+, L"eved \(%s\)"' % re.escape(svc.name), err),
          "an older rule of that name looked up first")
    code, out, err = svc.eved("uninstall", "--name", svc.name, env=env)
    check(code == 0 and "uninstalled" in out, "uninstall: %d %r %r" % (code, out, err[-2000:]))
    check(re.search(r'netfw_rules_Item [0-9A-Fa-f]+, L"eved \(%s\)"' % re.escape(svc.name), err),
          "uninstall looks the rule up to remove it")
    check("removed firewall rule" not in out, "Wine's stub kept no rule to remove: %r" % out)
    svc.installed = False


def t_firewall_refused(svc):
    """A rule the firewall would refuse is refused before anything is
    installed, naming why."""
    code, out, err = svc.install("--firewall", "--remote-addr", "10.0.0.0/8,example.com")
    check(code == 1 and '"example.com"' in err, "a host name: %d %r" % (code, err))
    code, out, err = svc.install("--firewall", "--remote-addr", "*,10.0.0.1")
    check(code == 1 and '"*"' in err, "* with others: %d %r" % (code, err))
    code, out, err = svc.install("--remote-addr", "10.0.0.1")
    check(code == 2 and "--remote-addr goes with --firewall" in err, "without --firewall: %d %r" %
          (code, err))
    svc.write_config(dict(svc.config, listen=["127.0.0.1:0"]))
    code, out, err = svc.install("--firewall")
    check(code == 1 and "port 0" in err, "port 0: %d %r" % (code, err))
    code, out, err = svc.eved("status", "--name", svc.name)
    check(code == 3 and "not installed" in err, "nothing was installed: %d %r" % (code, err))
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
    "virtual_account": (t_virtual_account, {}),
    "local_system": (t_local_system, {}),
    "service_sid": (t_service_sid, {}),
    "messages": (t_messages, {}),
    "firewall_rule": (t_firewall_rule, {}),
    "firewall_refused": (t_firewall_refused, {}),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved", required=True)
    ap.add_argument("--wrapper", required=True)
    ap.add_argument("--svcctl", required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--sd-probe", required=True)
    ap.add_argument("--event-probe", required=True)
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
