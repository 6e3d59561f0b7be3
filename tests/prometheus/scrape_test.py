#!/usr/bin/env python3
"""A real Prometheus scrapes eved (native, or eved.exe under Wine).

    scrape_test.py --eved PATH [--wrapper PROG] [--https]

Starts eved on a port the OS picks (the server tests' Server class), then
Debian's prometheus server on a free loopback port with its own temporary
storage and a 1 s scrape of eved. Passes when Prometheus's HTTP API shows
up == 1 for the eved target, and eved's request counter, as Prometheus
stored it, grew by at least the N requests this test sent between two
scrapes: one scrape taken before the first request, one after the last.
Only deadlines, never elapsed time, are checked. Standard library only.

--https (prometheus.<target>.https_scrape): the same Prometheus, Go's
crypto/tls, scrapes eved serving HTTPS with RequireAndVerifyClientCert and
basic auth (docs/security.md, "HTTPS"). Certificates are made with openssl
at test time (tls_test.py's Pki), the bcrypt hash with htpasswd. Job eved
has scheme https, tls_config {ca_file, cert_file, key_file} and basic_auth,
and scrapes through a TCP relay that reads the handshake's clear-text
messages (what Prometheus offered, what eved chose) and counts Prometheus's
connections. Passes when that target is up with no lastError, eved's own
series are stored, eved counted the scrapes (auth ok) and the handshakes,
with fewer connections than scrapes (Prometheus keeps its connection), TLS
1.2 with an ECDHE AEAD suite was chosen; and three jobs that must fail do:
no client certificate and a CA that did not sign eved's certificate are
down with a TLS error (counted by eved as client_certificate and
peer_closed), a wrong password down with a 401.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import struct
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

# Reuses the server tests' Server; no __pycache__ left in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from eved_test import Failure, Server, check  # noqa: E402
from auth_test import bcrypt_hash  # noqa: E402
from tls_test import Pki, TlsServer  # noqa: E402

DEADLINE = 60  # prometheus start, first scrape, a scrape after the requests
N = 40
SERIES = 'eved_requests_total{job="eved",status="200"}'


def free_port():
    # Closed again before prometheus binds it; another process taking it
    # in between makes prometheus exit, which the readiness wait reports.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def job(name, port, **settings):
    """One scrape_configs entry: `name` scraping 127.0.0.1:port, with the
    scrape config's own keys (scheme, tls_config...) in `settings`."""
    j = {"job_name": name, "static_configs": [{"targets": ["127.0.0.1:%d" % port]}]}
    j.update(settings)
    return j


class Prometheus:
    def __init__(self, target_port, jobs=None):
        """A scrape every second of job eved at target_port, or of `jobs`
        (job() entries) when given."""
        self.dir = tempfile.mkdtemp(prefix="eved-prom-")
        self.port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        # JSON is YAML: Prometheus reads it as its config.
        with open(config, "w") as f:
            json.dump({"global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                       "scrape_configs": jobs or [job("eved", target_port)]}, f, indent=1)
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

    def active_targets(self):
        """{job: the target's entry in /api/v1/targets}, one target a job."""
        status, body = self.get("/api/v1/targets?state=active")
        reply = json.loads(body)
        check(status == 200 and reply["status"] == "success", "targets: %s" % body[:500])
        return {t["labels"]["job"]: t for t in reply["data"]["activeTargets"]}

    def value(self, expr):
        """The value of an instant query that must give one series."""
        result = self.query(expr)
        check(len(result) == 1, "one series for %s, got %s" % (expr, result))
        return float(result[0]["value"][1])

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


# ---- HTTPS: Prometheus's crypto/tls against eved's Mbed TLS --------------

class TlsRelay:
    """A TCP relay in front of eved for one scrape job: every byte passed
    on unchanged both ways, the first CAPTURE bytes of each direction kept
    per connection, so the handshake's clear-text messages (ClientHello,
    ServerHello, ServerKeyExchange: TLS 1.2 encrypts nothing before
    ChangeCipherSpec) can be read, and Prometheus's connections counted."""
    CAPTURE = 16384

    def __init__(self, eved_port):
        self.eved_port = eved_port
        self.conns = []  # [{"client": bytearray, "server": bytearray}]
        self.socks = []
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.eved_port), timeout=10)
                u.settimeout(None)
            except OSError:
                c.close()
                continue
            conn = {"client": bytearray(), "server": bytearray()}
            with self.lock:
                self.conns.append(conn)
                self.socks += [c, u]
            threading.Thread(target=self._pump, args=(c, u, conn["client"]), daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c, conn["server"]), daemon=True).start()

    def _pump(self, src, dst, keep):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                with self.lock:
                    keep += data[:max(0, self.CAPTURE - len(keep))]
                dst.sendall(data)
        except OSError:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def connections(self):
        with self.lock:
            return [{k: bytes(v) for k, v in c.items()} for c in self.conns]

    def close(self):
        self.listener.close()
        with self.lock:
            for s in self.socks:
                s.close()


SUITES = {0xC02B: "ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02C: "ECDHE-ECDSA-AES256-GCM-SHA384",
          0xC02F: "ECDHE-RSA-AES128-GCM-SHA256", 0xC030: "ECDHE-RSA-AES256-GCM-SHA384",
          0xCCA8: "ECDHE-RSA-CHACHA20-POLY1305", 0xCCA9: "ECDHE-ECDSA-CHACHA20-POLY1305",
          0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
          0x1303: "TLS_CHACHA20_POLY1305_SHA256"}
GROUPS = {29: "x25519", 23: "secp256r1", 24: "secp384r1", 25: "secp521r1"}
VERSIONS = {0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}


def name(table, code):
    return table.get(code, "0x%04x" % code)


def handshake_messages(stream):
    """The handshake messages (type, body) of one direction's bytes, up to
    its ChangeCipherSpec (what follows is encrypted), records joined."""
    hs = b""
    p = 0
    while p + 5 <= len(stream):
        rtype, _, length = struct.unpack("!BHH", stream[p:p + 5])
        if rtype != 22:
            break
        hs += stream[p + 5:p + 5 + length]
        p += 5 + length
    out = []
    q = 0
    while q + 4 <= len(hs):
        mtype = hs[q]
        length = int.from_bytes(hs[q + 1:q + 4], "big")
        if q + 4 + length > len(hs):
            break
        out.append((mtype, hs[q + 4:q + 4 + length]))
        q += 4 + length
    return out


def hello(body, server):
    """A ClientHello's or ServerHello's version, cipher suites and
    extensions {type: data}."""
    p = 34
    p += 1 + body[p]  # session id
    if server:
        suites = [struct.unpack("!H", body[p:p + 2])[0]]
        p += 3  # the suite, the compression method
    else:
        n = struct.unpack("!H", body[p:p + 2])[0]
        suites = [struct.unpack("!H", body[i:i + 2])[0] for i in range(p + 2, p + 2 + n, 2)]
        p += 2 + n
        p += 1 + body[p]  # compression methods
    exts = {}
    if p + 2 <= len(body):
        end = p + 2 + struct.unpack("!H", body[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            etype, elen = struct.unpack("!HH", body[p:p + 4])
            exts[etype] = body[p + 4:p + 4 + elen]
            p += 4 + elen
    return struct.unpack("!H", body[0:2])[0], suites, exts


def alpn(data):
    out, p = [], 2
    while p < len(data):
        out.append(data[p + 1:p + 1 + data[p]].decode("ascii", "replace"))
        p += 1 + data[p]
    return out


def negotiated(conn):
    """What one relayed connection's handshake shows: a dict of the
    client's offer and the server's choice."""
    cmsgs = dict(handshake_messages(conn["client"]))
    smsgs = dict(handshake_messages(conn["server"]))
    check(1 in cmsgs, "no ClientHello from Prometheus in %r" % conn["client"][:64])
    check(2 in smsgs and 12 in smsgs, "no ServerHello and ServerKeyExchange from eved in %r"
          % conn["server"][:64])
    _, offered, cexts = hello(cmsgs[1], False)
    sversion, (suite,), sexts = hello(smsgs[2], True)
    ske = smsgs[12]
    check(ske[0] == 3, "ServerKeyExchange of a named curve, got curve_type %d" % ske[0])
    vs = cexts.get(43, b"\0")
    return {"offered_versions": [name(VERSIONS, struct.unpack("!H", vs[i:i + 2])[0])
                                 for i in range(1, 1 + vs[0], 2)],
            "offered_suites": [name(SUITES, x) for x in offered if x in SUITES],
            "offered_groups": [name(GROUPS, struct.unpack("!H", cexts[10][i:i + 2])[0])
                               for i in range(2, len(cexts.get(10, b"")), 2)],
            "offered_alpn": alpn(cexts[16]) if 16 in cexts else [],
            "sni": 0 in cexts, "ticket": 35 in cexts,
            "version": sversion, "suite": suite, "group": struct.unpack("!H", ske[1:3])[0],
            "alpn": alpn(sexts[16]) if 16 in sexts else [],
            "client_cert": 11 in cmsgs and len(cmsgs[11]) > 3}


USER, PASSWORD = "prometheus", "scrape-secret"
# The jobs that must fail, and what Prometheus's lastError must say:
# Go's crypto/tls error texts (eved's alert, as docs/security.md promises
# the client can read it; Go's own verification failure) and Prometheus's
# own for a status other than 200.
NEGATIVE = {"eved-nocert": "remote error: tls: ",
            "eved-othercert": "remote error: tls: ",
            "eved-wrongca": "x509: certificate signed by unknown authority",
            "eved-badpass": "server returned HTTP status 401 Unauthorized"}


def https_jobs(pki, relay_port, eved_port):
    """Job eved as docs/fleet.md shows it, through the relay, and the
    four that must fail, straight to eved: no client certificate, one from
    a CA eved does not trust, a CA that did not sign eved's, a wrong
    password. The server certificate has
    IP:127.0.0.1 in its subjectAltName, so no server_name is needed."""
    def tls(ca="ca", client="client"):
        t = {"ca_file": pki.path(ca + ".pem")}
        if client:
            t.update(cert_file=pki.path(client + ".pem"), key_file=pki.path(client + ".key"))
        return t
    auth = {"username": USER, "password": PASSWORD}
    return [job("eved", relay_port, scheme="https", tls_config=tls(), basic_auth=auth),
            job("eved-nocert", eved_port, scheme="https", tls_config=tls(client=None), basic_auth=auth),
            job("eved-othercert", eved_port, scheme="https", tls_config=tls(client="other-client"),
                basic_auth=auth),
            job("eved-wrongca", eved_port, scheme="https", tls_config=tls(ca="other-ca"), basic_auth=auth),
            # Every 5 s: a 401 a second from Prometheus's address would use
            # up eved's allowance of failures for that address (10, then one
            # every 6 s: docs/security.md, "Throttling") and job eved, from
            # the same address, would then get 429s.
            job("eved-badpass", eved_port, scheme="https", tls_config=tls(),
                basic_auth={"username": USER, "password": "wrong"}, scrape_interval="5s")]


def wait_targets(prom):
    """Until job eved is up and every job of NEGATIVE has been scraped."""
    deadline = time.monotonic() + DEADLINE
    while True:
        ts = prom.active_targets()
        ready = (ts.get("eved", {}).get("health") == "up" and
                 all(ts.get(j, {}).get("health") == "down" for j in NEGATIVE))
        if ready:
            return ts
        if time.monotonic() > deadline:
            raise Failure("job eved never up with every negative job down: %s"
                          % {j: (t["health"], t["lastError"]) for j, t in ts.items()})
        time.sleep(0.3)


def https_scrape(srv, prom, relay):
    prom.wait_ready()
    ts = wait_targets(prom)
    good = ts["eved"]
    check(good["lastError"] == "", "job eved: lastError %r" % good["lastError"])
    check(good["scrapeUrl"] == "https://127.0.0.1:%d/metrics" % relay.port, "scrapeUrl %s" % good["scrapeUrl"])
    print("ok up: job eved health up, lastError empty, %s" % good["scrapeUrl"])
    wrong = []
    for j, want in NEGATIVE.items():
        t = ts[j]
        check(prom.value('up{job="%s"}' % j) == 0, "up{job=%s} is not 0" % j)
        if want in t["lastError"]:
            print("ok %s: down, lastError %r" % (j, t["lastError"]))
        else:
            print("FAIL %s: down, lastError %r, want %r" % (j, t["lastError"], want))
            wrong.append(j)
    check(not wrong, "jobs down for another reason than theirs: %s" % wrong)

    # Scrapes that happened after the negative jobs' failures, so eved's
    # figures as Prometheus stored them include those failures.
    after = time.time()
    series = 'eved_auth_requests_total{job="eved",result="ok"}'
    prom.wait_sample_after(series, after, "job eved")
    prom.wait_sample_after(series, after + 2, "job eved, again")
    check(prom.value('up{job="eved"}') == 1, "up{job=eved} is not 1")
    v = {}
    for key, expr in (("handshakes", "eved_tls_handshakes_total"),
                      ("requests", 'sum(eved_requests_total{job="eved"})'),
                      ("ok", series),
                      ("bad", 'eved_auth_requests_total{job="eved",result="bad_credentials"}'),
                      ("client_certificate", 'eved_tls_handshake_errors_total{job="eved",reason="client_certificate"}'),
                      ("peer_closed", 'eved_tls_handshake_errors_total{job="eved",reason="peer_closed"}'),
                      ("expiry", "eved_tls_certificate_expiry_seconds")):
        if not expr.startswith("sum") and "{" not in expr:
            expr += '{job="eved"}'
        v[key] = prom.value(expr)
    print("ok series: eved's own stored: up 1, eved_tls_handshakes_total %g, eved_requests_total %g, "
          "eved_auth_requests_total ok %g bad_credentials %g, eved_tls_handshake_errors_total "
          "client_certificate %g peer_closed %g" % (v["handshakes"], v["requests"], v["ok"], v["bad"],
                                                     v["client_certificate"], v["peer_closed"]))
    check(v["expiry"] == srv.pki.not_after("server"), "eved_tls_certificate_expiry_seconds %g" % v["expiry"])
    check(v["ok"] >= 3, "eved counted %g authenticated requests; job eved scraped at least 3 times" % v["ok"])
    check(v["requests"] >= v["ok"], "eved_requests_total %g < auth ok %g" % (v["requests"], v["ok"]))
    check(v["bad"] >= 1, "eved counted no bad_credentials from job eved-badpass")
    check(v["client_certificate"] >= 1, "eved counted no client_certificate failure from job eved-nocert")
    check(v["peer_closed"] >= 1, "eved counted no peer_closed (the alert of job eved-wrongca)")

    conns = relay.connections()
    check(conns, "no connection through the relay")
    check(v["handshakes"] >= len(conns), "eved counted %g handshakes; job eved alone made %d connections"
          % (v["handshakes"], len(conns)))
    # Prometheus keeps its connection: fewer connections than scrapes.
    check(len(conns) < v["ok"], "job eved: %d connections for %g scrapes: one per scrape"
          % (len(conns), v["ok"]))
    print("ok keep-alive: job eved made %d TLS connection(s) for %g scrapes; eved counted %g handshakes "
          "in all (job eved-badpass's included)" % (len(conns), v["ok"], v["handshakes"]))

    n = negotiated(conns[0])
    check(n["version"] == 0x0303, "eved chose %s, not TLS 1.2" % name(VERSIONS, n["version"]))
    check(n["suite"] in SUITES and SUITES[n["suite"]].startswith("ECDHE-RSA-"),
          "eved chose suite %s for an RSA certificate" % name(SUITES, n["suite"]))
    check(n["client_cert"], "Prometheus sent no client certificate")
    print("ok negotiated: Prometheus offered %s, suites %s, groups %s, ALPN %s, SNI %s, session ticket %s; "
          "eved chose %s %s over %s, ALPN %s; Prometheus sent its client certificate"
          % ("/".join(n["offered_versions"]) or "TLS 1.2", ",".join(n["offered_suites"]),
             ",".join(n["offered_groups"]), n["offered_alpn"] or "none", "sent" if n["sni"] else "none",
             "offered" if n["ticket"] else "not offered", name(VERSIONS, n["version"]),
             name(SUITES, n["suite"]), name(GROUPS, n["group"]), n["alpn"] or "none"))


def start_https(args, tmp):
    """eved with tls (RequireAndVerifyClientCert) and basic auth, its relay
    and Prometheus: (srv, relay, prom)."""
    pki = Pki(tmp, bool(args.wrapper))
    tls = pki.tls_config(client_ca_file=pki.eved_path("client-ca.pem"),
                         client_auth_type="RequireAndVerifyClientCert")
    srv = TlsServer(args, pki, tls, config={"basic_auth_users": {USER: bcrypt_hash(USER, PASSWORD)}},
                    client="client")
    relay = TlsRelay(srv.port)
    prom = Prometheus(None, https_jobs(pki, relay.port, srv.port))
    return srv, relay, prom


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved", required=True)
    ap.add_argument("--wrapper")
    ap.add_argument("--https", action="store_true")
    args = ap.parse_args()
    what = "https_scrape" if args.https else "scrape"
    if shutil.which("prometheus") is None:
        print("FAIL %s: prometheus is not installed (scripts/install-deps.sh test)" % what)
        return 1
    tmp = tempfile.mkdtemp(prefix="eved-prom-pki-")
    srv = prom = relay = None
    try:
        if args.https:
            srv, relay, prom = start_https(args, tmp)
            https_scrape(srv, prom, relay)
        else:
            srv = Server(args)
            prom = Prometheus(srv.port)
            scrape(srv, prom)
        srv.stop()
    except (Failure, OSError, ValueError, KeyError, IndexError, struct.error) as e:
        print("FAIL %s: %s: %s" % (what, type(e).__name__, e))
        if srv:
            print("---- eved log ----\n" + srv.read_log())
        if prom:
            print("---- prometheus log ----\n" + prom.read_log())
        return 1
    finally:
        if prom:
            prom.close()
        if relay:
            relay.close()
        if srv:
            srv.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok %s" % what)
    return 0


if __name__ == "__main__":
    sys.exit(main())
