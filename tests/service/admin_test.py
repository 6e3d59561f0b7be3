#!/usr/bin/env python3
"""eved's admin channel, one behaviour per invocation (one ctest entry each).

    admin_test.py --eved PATH [--wrapper PROG --probe PIPE_PROBE] BEHAVIOUR

Natively the channel is a Unix-domain socket, driven both by `eved admin`
and by raw sockets from here. With --wrapper (Wine) it is a named pipe:
`eved admin` runs under Wine, and what Python cannot do to a Wine pipe
(flood it, hold several clients open, squat its name, read its DACL) is
done by pipe_probe.exe. Every behaviour starts its own eved with its own
socket or pipe name, so runs in parallel never clash. Deadlines are
generous; nothing asserts on elapsed time.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

# Importing the server driver must not leave __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from eved_test import EVENT_DEADLINE, START_DEADLINE, Failure, Server, check  # noqa: E402

LINE_MAX = 65536


class Channel:
    """The admin channel of one eved: `eved admin` and raw clients."""

    def __init__(self, args, behaviour):
        self.args = args
        self.wine = bool(args.wrapper)
        tag = "%s-%d" % (behaviour.replace("_", "-"), os.getpid())
        if self.wine:
            self.pipe = "eved-test-" + tag
            self.config = {"enabled": True, "pipe": self.pipe}
        else:
            self.sock_dir = "/tmp/eved-admin-" + tag
            os.makedirs(self.sock_dir, exist_ok=True)
            self.path = os.path.join(self.sock_dir, "admin.sock")
            self.config = {"enabled": True, "socket": self.path}

    def target(self):
        return ["--pipe", self.pipe] if self.wine else ["--socket", self.path]

    def run_client(self, cmd, timeout):
        """Runs a client program. Under Wine 8 a program started while the
        parallel tests end others was seen to exit 1 at once having printed
        nothing at all, twice in three full runs: eved's client and
        pipe_probe alike, whose every failure prints a line. Only that is
        run again, once, and said in the output; any answer, any message,
        any other exit is the test's to judge."""
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        if self.wine and p.returncode == 1 and not p.stdout and not p.stderr:
            print("note: %s exited 1 with no output (Wine process start); ran it again"
                  % os.path.basename(cmd[1]))
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        return p

    def cli(self, *words, json_out=False):
        cmd = ([self.args.wrapper] if self.wine else []) + [self.args.eved, "admin"] + \
            self.target() + (["--json"] if json_out else []) + list(words)
        p = self.run_client(cmd, START_DEADLINE)
        out = p.stdout.decode("utf-8", "replace")
        if self.wine:
            # The C runtime writes text-mode stdout on Windows: every "\n"
            # leaves as "\r\n" (learn.microsoft.com/cpp/c-runtime-library/
            # text-and-binary-mode-file-i-o). Only that is undone here.
            out = out.replace("\r\n", "\n")
        return p.returncode, out, p.stderr.decode("utf-8", "replace")

    def command(self, *words):
        """One command with --json: (exit code, answer object)."""
        code, out, err = self.cli(*words, json_out=True)
        lines = [l for l in out.splitlines() if l.startswith("{")]
        check(lines, "no JSON answer to %s (exit %d): %r %r" % (words, code, out, err))
        return code, json.loads(lines[-1])

    def ok(self, *words):
        code, answer = self.command(*words)
        check(code == 0 and answer.get("ok") is True, "%s: exit %d, %s" % (words, code, answer))
        return answer

    def probe(self, *argv, timeout=START_DEADLINE):
        cmd = [self.args.wrapper, self.args.probe] + list(argv)
        p = self.run_client(cmd, timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(EVENT_DEADLINE)
        s.connect(self.path)
        return s

    def cleanup(self):
        if not self.wine:
            for name in os.listdir(self.sock_dir):
                os.unlink(os.path.join(self.sock_dir, name))
            os.rmdir(self.sock_dir)


def read_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        data = s.recv(65536)
        if not data:
            break
        buf += data
    return buf


def at_eof(s):
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


# ---- behaviours ---------------------------------------------------------

def t_stats(srv, ch):
    srv.get("/healthz")
    answer = ch.ok("stats")
    st = answer["stats"]
    check(st["requests"]["by_path"]["/healthz"] == 1, "stats over the channel: %s" % st)
    check(st["process"]["pid"] == srv.stats()["process"]["pid"], "the same process")
    code, out, err = ch.cli("stats")
    check(code == 0 and "requests.total: " in out and "poller.backend: " in out,
          "pretty output: %d %r %r" % (code, out, err))
    code, out, _ = ch.cli("version")
    check(code == 0 and out.startswith("version: ") and "ok" not in out.splitlines(),
          "version: %d %r" % (code, out))


def t_errors(srv, ch):
    for words, what in ((["bogus"], "unknown command"), (["loglevel", "loud"], "loglevel"),
                        (["version", "extra"], "bad arguments")):
        code, answer = ch.command(*words)
        check(code == 1 and answer["ok"] is False and what in answer["error"],
              "%s: exit %d, %s" % (words, code, answer))
    code, out, err = ch.cli("bogus")
    check(code == 1 and "unknown command" in err, "pretty error: %d %r %r" % (code, out, err))
    ch.ok("version")  # the channel carries on
    check(srv.get("/healthz")[0].status == 200, "and so does the server")


def write_config(srv, cfg):
    with open(srv.config_path, "w") as f:
        if isinstance(cfg, str):
            f.write(cfg)
        else:
            json.dump(cfg, f)


def t_reload(srv, ch):
    good = json.load(open(srv.config_path))
    write_config(srv, '{"max_connections": "many"')
    code, answer = ch.command("reload")
    check(code == 1 and answer["ok"] is False and "JSON" in answer["error"], "broken JSON: %s" % answer)
    write_config(srv, dict(good, max_header_bytes=5))
    code, answer = ch.command("reload")
    check(code == 1 and "max_header_bytes" in answer["error"], "bad value: %s" % answer)
    check(srv.get("/healthz")[0].status == 200, "still serving after a rejected reload")
    check("reload rejected" in srv.read_log(), "the rejection is logged")
    # The old config stays: a header of 2000 bytes is still within 8192.
    r, _ = srv.get("/healthz", headers={"X-Pad": "a" * 2000})
    check(r.status == 200, "old max_header_bytes still applies (%d)" % r.status)
    write_config(srv, dict(good, max_header_bytes=1024, log={"level": "debug"}))
    ch.ok("reload")
    check(ch.ok("loglevel")["level"] == "debug", "the new log level applies")
    r, _ = srv.get("/healthz", headers={"X-Pad": "a" * 2000})
    check(r.status == 431, "the new max_header_bytes applies (%d)" % r.status)
    # Only keys that wait for the next start earn the warning that says so.
    restart_note = "take effect at the next start"
    check(restart_note not in srv.read_log(), "reloadable keys only, yet warned:\n" + srv.read_log())
    write_config(srv, dict(good, max_header_bytes=1024, max_connections=7))
    ch.ok("reload")
    check(srv.read_log().count(restart_note) == 1, "max_connections changed, no warning:\n" + srv.read_log())


def t_drain_resume(srv, ch):
    check(ch.ok("drain")["status"] == "paused", "drain answers paused")
    r, body = srv.get("/healthz")
    check(r.status == 503 and body == b"paused\n", "healthz 503 while drained: %d %r" % (r.status, body))
    st = srv.stats()
    check(st["status"] == "paused", "/stats still served, says paused")
    check(ch.ok("resume")["status"] == "running", "resume answers running")
    r, body = srv.get("/healthz")
    check(r.status == 200 and body == b"ok\n", "healthz 200 after resume")


def t_connections(srv, ch):
    a, b = srv.connect(), srv.connect()
    for s in (a, b):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(4096)
    answer = ch.ok("connections")
    peers = {c["peer"] for c in answer["connections"]}
    want = {"127.0.0.1:%d" % s.getsockname()[1] for s in (a, b)}
    check(answer["count"] == 2 and want <= peers, "connections %s, want %s" % (answer, want))
    check(all(c["requests"] == 1 and c["age_ms"] >= 0 for c in answer["connections"]), "figures")


def t_reset_stats(srv, ch):
    for _ in range(3):
        srv.get("/healthz")
    # An answer with nothing but "ok" prints exactly that.
    code, out, _ = ch.cli("reset-stats")
    check(code == 0 and out == "ok\n", "reset-stats: %d %r" % (code, out))
    st = ch.ok("stats")["stats"]
    check(st["requests"]["total"] == 0 and st["connections"]["accepted"] == 0, "reset: %s" % st)


def t_loglevel(srv, ch):
    check(ch.ok("loglevel")["level"] == "info", "starts at info")
    check(ch.ok("loglevel", "debug")["level"] == "debug", "set to debug")
    srv.get("/healthz")
    ch.ok("loglevel", "error")
    check("log level set to debug" in srv.read_log(), "logged")


def t_shutdown(srv, ch):
    check(ch.ok("shutdown")["status"] == "stopping", "shutdown answered")
    code = srv.proc.wait(timeout=EVENT_DEADLINE + 30)
    check(code == 0, "clean exit after shutdown (%d)" % code)


def t_line_limit(srv, ch):
    if ch.wine:
        code, out = ch.probe("flood", ch.pipe, str(1024 * 1024))
        check(code == 0 and "line longer than 65536" in out and "disconnected" in out,
              "pipe_probe flood: %d %r" % (code, out))
    else:
        s = ch.connect()
        s.settimeout(EVENT_DEADLINE)
        try:
            s.sendall(b"x" * (1024 * 1024))
        except (BrokenPipeError, ConnectionResetError):
            pass  # cut off after the first 64 KiB, as it should be
        line = read_line(s)
        check(b"line longer than 65536" in line, "error line: %r" % line[:200])
        check(at_eof(s), "disconnected after the error")
    ch.ok("version")
    check(srv.get("/healthz")[0].status == 200, "the server carries on")
    # A line just within the bound (65,536 bytes with its newline) is still
    # a command (an unknown one), also when the newline comes in a later
    # write; one byte more is refused, wherever the newline comes.
    if not ch.wine:
        s = ch.connect()
        s.sendall(b"y" * (LINE_MAX - 1) + b"\n")
        check(b"bad arguments" in read_line(s), "a long line is answered")
        s = ch.connect()
        s.sendall(b"y" * (LINE_MAX - 1))
        time.sleep(0.3)
        s.sendall(b"\n")
        check(b"bad arguments" in read_line(s), "a 64 KiB line whose newline came later is answered")
        s.sendall(b"version\n")
        check(b'"ok":true' in read_line(s), "and the client carries on")
        s = ch.connect()
        s.sendall(b"y" * LINE_MAX)
        time.sleep(0.3)
        try:
            s.sendall(b"\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        check(b"line longer than 65536" in read_line(s), "a line one byte over the bound is refused")
        check(at_eof(s), "and its client disconnected")
        st = ch.ok("stats")["stats"]
        check(st["limits"]["admin_line"] == 2, "admin_line counted: %s" % st["limits"])


def t_max_clients(srv, ch):
    n = 3
    if ch.wine:
        code, out = ch.probe("many", ch.pipe, str(n + 1))
        check(code == 0, "pipe_probe many: %d %r" % (code, out))
        check(out.count('"ok":true') == n, "%d clients answered at once: %r" % (n, out))
        check("busy" in out, "client %d is refused while %d are connected: %r" % (n + 1, n, out))
    else:
        held = [ch.connect() for _ in range(n)]
        for s in held:
            s.sendall(b"version\n")
        for s in held:
            check(b'"ok":true' in read_line(s), "each of %d clients answered" % n)
        extra = ch.connect()
        check(b"too many admin clients" in read_line(extra), "client %d refused" % (n + 1))
        held.pop().close()
        time.sleep(0.2)
        s = ch.connect()
        s.sendall(b"version\n")
        check(b'"ok":true' in read_line(s), "a slot freed by a close is reused")


def t_idle_timeout(srv, ch):
    if ch.wine:
        code, out = ch.probe("idle", ch.pipe)
        check(code == 0 and "disconnected" in out, "pipe_probe idle: %d %r" % (code, out))
    else:
        s = ch.connect()
        check(at_eof(s), "an idle client is disconnected")
    ch.ok("version")


def t_idle_blocks(srv, ch):
    """With nothing timed to do, the loop waits with no timeout: the wait
    count does not grow while eved sits idle (a polling loop with this
    config would wake every 10 ms)."""
    first = ch.ok("stats")["stats"]["poller"]["waits"]
    time.sleep(1.5)
    second = ch.ok("stats")["stats"]["poller"]["waits"]
    check(second - first < 40, "waits grew %d while idle" % (second - first))
    check("idle: waiting with no timeout" in srv.read_log(), "the idle wait is logged")
    srv.stop()  # the stop request still reaches the blocked loop


def t_taken(srv, ch):
    """A second eved on the same channel refuses to start, loudly."""
    second = subprocess.run(([ch.args.wrapper] if ch.wine else []) +
                            [ch.args.eved, "run", "--config", srv.config_path, "--listen",
                             "127.0.0.1:0"], stdin=subprocess.DEVNULL, capture_output=True,
                            timeout=START_DEADLINE)
    out = (second.stdout + second.stderr).decode("utf-8", "replace")
    check(second.returncode == 5, "second eved: exit %d %r" % (second.returncode, out))
    check("admin" in out and ("in use" in out or "another" in out), "says why: %r" % out)
    ch.ok("version")  # the first one still owns it


def t_socket_mode(srv, ch):
    mode = stat.S_IMODE(os.stat(ch.path).st_mode)
    check(mode == 0o600, "socket mode %o" % mode)
    srv.stop()
    check(not os.path.exists(ch.path), "the socket is removed at exit")


def t_sighup_reload(srv, ch):
    """systemd's ExecReload: SIGHUP reloads like PARAMCHANGE."""
    good = json.load(open(srv.config_path))
    write_config(srv, '{"max_connections": 0}')
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + EVENT_DEADLINE
    while "reload rejected" not in srv.read_log():
        check(time.monotonic() < deadline, "SIGHUP did not reload")
        time.sleep(0.05)
    check(srv.proc.poll() is None and srv.get("/healthz")[0].status == 200, "still serving")
    write_config(srv, dict(good, log={"level": "warn"}))
    srv.proc.send_signal(signal.SIGHUP)
    while ch.ok("loglevel")["level"] != "warn":
        check(time.monotonic() < deadline, "SIGHUP did not apply the new config")
        time.sleep(0.05)


def t_stale_socket(args, ch):
    # A socket file nobody listens on (a crashed eved's) is replaced.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(ch.path)
    s.close()
    srv = Server(args, {"admin": ch.config})
    try:
        ch.ok("version")
        check("replacing the stale socket" in srv.read_log(), "logged")
        srv.stop()
    finally:
        srv.close()


# src/admin/client.c's bound on one answer: eved never sends one near it,
# so a stand-in server on the socket does.
ANSWER_MAX = 8 * 1024 * 1024


def t_answer_limit(args, ch):
    """eved admin reads an answer of up to ANSWER_MAX - 2 bytes and its
    newline, and refuses one byte more with a clear error rather than
    growing without end."""
    def serve(listener, size):
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            pad = size - len('{"ok":true,"pad":""}\n')
            conn.sendall(b'{"ok":true,"pad":"' + b"x" * pad + b'"}\n')
            conn.shutdown(socket.SHUT_WR)
            conn.recv(1)
    for size, fits in ((ANSWER_MAX - 1, True), (ANSWER_MAX, False)):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(ch.path)
        listener.listen(1)
        server = threading.Thread(target=serve, args=(listener, size))
        server.start()
        try:
            code, out, err = ch.cli("--json", "version")
        finally:
            server.join(EVENT_DEADLINE)
            listener.close()
            os.unlink(ch.path)
        if fits:
            check(code == 0 and len(out) == size and json.loads(out)["ok"] is True,
                  "an answer of %d bytes: exit %d, %d bytes, %r" % (size, code, len(out), err))
        else:
            check(code != 0 and out == "" and "eved admin:" in err,
                  "an answer of %d bytes: exit %d, %d bytes out, %r" % (size, code, len(out), err))


def t_squat(args, ch):
    """A pipe created first by another process under eved's name: eved
    refuses to start (FILE_FLAG_FIRST_PIPE_INSTANCE on Windows; under Wine,
    which ignores that flag, the probe of the name before creating it)."""
    cmd = [args.wrapper, args.probe, "squat", ch.pipe]
    squatter = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        line = squatter.stdout.readline().decode()
        check("squatting" in line, "the squatter did not start: %r" % line)
        d = tempfile.mkdtemp(prefix="eved-squat-")
        path = os.path.join(d, "c.json")
        with open(path, "w") as f:
            json.dump({"listen": ["127.0.0.1:0"], "admin": ch.config}, f)
        p = subprocess.run([args.wrapper, args.eved, "run", "--config", path],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=START_DEADLINE)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        check(p.returncode == 5, "eved started beside a squatter: exit %d %r" % (p.returncode, out))
        check("already exists" in out, "says why: %r" % out)
        shutil.rmtree(d, ignore_errors=True)
    finally:
        squatter.stdin.close()
        try:
            squatter.wait(timeout=EVENT_DEADLINE)
        except subprocess.TimeoutExpired:
            squatter.kill()
            squatter.wait()


def t_dacl(srv, ch):
    """The pipe carries the DACL of admin.sddl: eved reads it back and
    compares it itself, and a client reading it sees the same entries.
    (Every Wine process runs as the same user, so whether the DACL keeps
    anyone out cannot be seen here; see docs/service.md.)"""
    # GetSecurityInfo renders GRGW as GWGR: the same rights.
    want = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GWGR;;;WD)"
    check("DACL checked: " + want in srv.read_log(), "eved checked the DACL:\n" + srv.read_log())
    code, out = ch.probe("dacl", ch.pipe)
    check(code == 0 and out.strip() == want, "pipe_probe dacl: %d %r, want %s" % (code, out, want))
    ch.ok("version")


# name: (function, server config, transports it runs on)
BEHAVIOURS = {
    "stats": (t_stats, {}, "both"),
    "errors": (t_errors, {}, "both"),
    "reload": (t_reload, {}, "both"),
    "drain_resume": (t_drain_resume, {}, "both"),
    "connections": (t_connections, {}, "both"),
    "reset_stats": (t_reset_stats, {}, "both"),
    "loglevel": (t_loglevel, {}, "both"),
    "shutdown": (t_shutdown, {}, "both"),
    "line_limit": (t_line_limit, {}, "both"),
    "max_clients": (t_max_clients, {"max_clients": 3}, "both"),
    "idle_timeout": (t_idle_timeout, {"idle_timeout_ms": 300}, "both"),
    "idle_blocks": (t_idle_blocks, {"_top": {"header_timeout_ms": 40, "log": {"level": "debug"}}},
                    "both"),
    "taken": (t_taken, {}, "both"),
    "socket_mode": (t_socket_mode, {}, "native"),
    "stale_socket": (t_stale_socket, None, "native"),
    "answer_limit": (t_answer_limit, None, "native"),
    "sighup_reload": (t_sighup_reload, {}, "native"),
    "squat": (t_squat, None, "wine"),
    "dacl": (t_dacl, {"sddl": "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;WD)"}, "wine"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved", required=True)
    ap.add_argument("--wrapper")
    ap.add_argument("--probe")
    ap.add_argument("behaviour", choices=sorted(BEHAVIOURS))
    args = ap.parse_args()
    fn, extra, where = BEHAVIOURS[args.behaviour]
    ch = Channel(args, args.behaviour)
    srv = None
    try:
        if extra is None:
            fn(args, ch)
        else:
            extra = dict(extra)
            top = extra.pop("_top", {})
            cfg = dict(top, admin=dict(ch.config, **extra))
            srv = Server(args, cfg)
            fn(srv, ch)
            if srv.proc.poll() is None:
                srv.stop()
    except (Failure, OSError, EOFError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        print("FAIL %s: %s: %s" % (args.behaviour, type(e).__name__, e))
        if srv is not None:
            print("---- eved log ----\n" + srv.read_log())
        return 1
    finally:
        if srv is not None:
            srv.close()
        ch.cleanup()
    print("ok %s" % args.behaviour)
    return 0


if __name__ == "__main__":
    sys.exit(main())
