"""Headless Chromium driven over the DevTools protocol, standard library only.

--remote-debugging-pipe speaks the protocol as NUL-terminated JSON messages
on the browser's fds 3 (commands in) and 4 (replies and events out), so no
WebSocket client is needed. Unlike --dump-dom, the page runs in real time
and is read as often as a test wants: figures computed from two samples
taken a second apart need real seconds to pass, which
--virtual-time-budget skips.
"""
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading


class ChromiumError(Exception):
    pass


class Chromium:
    def __init__(self):
        if shutil.which("chromium") is None:
            raise ChromiumError("chromium is not installed")
        self.profile = tempfile.mkdtemp(prefix="eved-chromium-")
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()
        # Far from 3 and 4, so the redirections cannot clobber them (bash: dash
        # takes one-digit descriptors only).
        hi_r, hi_w = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 20), fcntl.fcntl(res_w, fcntl.F_DUPFD, 20)
        os.close(cmd_r)
        os.close(res_w)
        args = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + os.path.join(self.profile, "p"),
                "--remote-debugging-pipe", "about:blank"]
        script = 'exec "$0" "$@" 3<&%d 4>&%d %d<&- %d>&-' % (hi_r, hi_w, hi_r, hi_w)
        # Chromium's crash reporter keeps its settings under $HOME/.config
        # whatever the profile: a home of its own keeps the user's untouched.
        env = dict(os.environ, HOME=self.profile, XDG_CONFIG_HOME=self.profile)
        self.log = open(os.path.join(self.profile, "stderr"), "w+b")
        self.proc = subprocess.Popen(["bash", "-c", script] + args, pass_fds=(hi_r, hi_w), env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        os.close(hi_r)
        os.close(hi_w)
        self.next_id = 0
        self.replies = queue.Queue()
        self.events = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        buf = b""
        while True:
            chunk = os.read(self.res_r, 65536)
            if not chunk:
                self.replies.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                m = json.loads(msg)
                (self.replies if "id" in m else self.events).put(m)

    def call(self, method, params=None, session=None, timeout=60):
        """One command; its result, or ChromiumError with the protocol's error."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            try:
                m = self.replies.get(timeout=timeout)
            except queue.Empty:
                raise ChromiumError("no reply to %s in %d s" % (method, timeout))
            if m is None:
                self.replies.put(None)
                raise ChromiumError("chromium exited:\n" + self.stderr())
            if m["id"] == self.next_id:
                if "error" in m:
                    raise ChromiumError("%s: %s" % (method, m["error"]))
                return m["result"]

    def open(self, url, hold=None):
        """A new tab at url; its session id. hold: a URL pattern ("*/stats")
        whose requests wait until the test lets each go (wait_request,
        release): the test then knows how many answers the page has seen."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        if hold:
            self.call("Fetch.enable", {"patterns": [{"urlPattern": hold}]}, session)
        self.call("Page.navigate", {"url": url}, session)
        return session

    def wait_request(self, session, timeout=60):
        """The id of the next request held in that tab."""
        while True:
            try:
                m = self.events.get(timeout=timeout)
            except queue.Empty:
                raise ChromiumError("no request held in %d s" % timeout)
            if m.get("method") == "Fetch.requestPaused" and m.get("sessionId") == session:
                return m["params"]["requestId"]

    def release(self, session, request_id, hold_more=True):
        """Lets a held request go; hold_more=False holds no later ones."""
        self.call("Fetch.continueRequest", {"requestId": request_id}, session)
        if not hold_more:
            self.call("Fetch.disable", {}, session)

    def evaluate(self, session, expression):
        """The expression's value (JSON-able) in that tab."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        if "exceptionDetails" in r:
            raise ChromiumError("%s: %s" % (expression, r["exceptionDetails"]))
        return r["result"].get("value")

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-2000:]

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except (ChromiumError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.cmd_w, self.res_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
