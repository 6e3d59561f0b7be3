#!/usr/bin/env python3
"""`make bench`, HTTPS: native eved over TLS against nginx-light with the
same certificate, and eved over TLS against eved plain.

    tls_bench.py [--rounds N] [--seconds S] [--handshake-conns 1,50] [--no-ecdsa] [--no-perf]

http_bench.py runs it after the native section (options --tls-*); alone it
prints its table and appends it to build/bench/results.md.

A test CA and server certificates (RSA-2048, and ECDSA P-256 as a second
row) are made with the openssl CLI in a temp dir. Both servers run one
worker/thread: eved with the host collectors off; nginx with TLS 1.2
only, eved's cipher list in eved's order (src/tls/credentials.c; the
server's order wins in both), no session tickets and no session cache, so
every new connection is a full handshake as with eved (which has no
resumption), answering /healthz with `return 200` and eved's bytes.

- keep-alive requests/s at c=50 on GET /healthz, https and http, both
  servers; CPU per request from the server's utime+stime
  (/proc/<pid>/stat) divided by wrk's responses;
- handshakes per second: wrk with "Connection: close", so each request
  is one new connection and one full handshake, with the servers'
  concurrency (wrk keeps c connections in flight, as a load balancer or
  many scrapers would; `openssl s_time -new` runs one connection at a
  time, which measures a handshake's latency, not what a server sustains,
  and its client CPU competes on this 2-core machine just the same).
  eved's eved_tls_handshakes_total delta over wrk's responses confirms
  one full handshake per request; eved_tls_handshake_errors_total's
  delta is shown. nginx is measured twice: with its own key exchange
  group (X25519) and with the one eved negotiates;
- what TLS costs per keep-alive request: CPU (above), system calls
  (`strace -c -f`, as native_bench.py) and heap allocations (an
  LD_PRELOAD counter, bench/http/malloc_count.c: 10,000 requests on one
  kept-alive connection after 2,000 of warm-up, and 200 new connections);
- where the handshake's CPU goes: `perf record -g` on each server during
  a handshake run, the flat profile's top symbols (Debian's libmbedcrypto
  has no frame pointers: call chains would be wrong).

A benchmark, not a test: it fails only if a server or wrk misbehaves.
"""
import argparse
import os
import re
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_bench as hb  # noqa: E402  (servers, wrk and /proc helpers)
import native_bench as nb  # noqa: E402  (wrk with CPU, strace counts)

# eved's list (src/tls/credentials.c), in OpenSSL's names and its order.
CIPHERS = ("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
           "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
           "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
CLOSE = ("Connection: close",)
ALLOC_WARMUP, ALLOC_REQUESTS, ALLOC_CONNECTIONS = 2000, 10000, 200


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def med(runs, key):
    return statistics.median(r[key] for r in runs)


class TlsBench:
    def __init__(self, bench):
        """bench: an http_bench.Bench (its tmp dir, config(), start_nginx,
        eved path and args: tls_rounds, tls_seconds, tls_handshake_conns,
        tls_ecdsa, tls_perf)."""
        self.b = bench
        self.a = bench.args
        self.dir = os.path.join(bench.tmp, "tls")
        os.makedirs(self.dir, exist_ok=True)
        self.rows = []
        self.keepalive = {}
        self.handshakes = {}
        self.syscalls = {}
        self.allocs = {}
        self.profiles = {}
        self.negotiated = {}
        self.counter_so = os.path.join(bench.linux_build, "bench/http/libmalloc_count.so")

    # -- certificates ------------------------------------------------------------
    def openssl(self, *args):
        subprocess.run(["openssl"] + list(args), check=True, cwd=self.dir,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def make_certs(self):
        """A test CA and a server certificate per key type, for localhost
        and 127.0.0.1; {name: (cert, key)}."""
        self.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                     "-out", "ca.pem", "-days", "2", "-subj", "/CN=eved bench CA")
        self.ca = os.path.join(self.dir, "ca.pem")
        kinds = [("RSA-2048", ["-newkey", "rsa:2048"])]
        if self.a.tls_ecdsa:
            kinds.append(("ECDSA P-256", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]))
        with open(os.path.join(self.dir, "san.ext"), "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        self.certs = {}
        for i, (name, newkey) in enumerate(kinds):
            key, csr, crt = "server%d.key" % i, "server%d.csr" % i, "server%d.pem" % i
            self.openssl("req", "-new", *newkey, "-nodes", "-keyout", key, "-out", csr,
                         "-subj", "/CN=localhost")
            self.openssl("x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key",
                         "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", crt)
            self.certs[name] = (os.path.join(self.dir, crt), os.path.join(self.dir, key))
        self.context = ssl.create_default_context(cafile=self.ca)

    # -- servers -------------------------------------------------------------------
    def start(self, server, cert=None, curve=None, counted=False):
        """server "eved" or "nginx"; over TLS with cert (a self.certs name),
        plain without. curve: nginx's ssl_ecdh_curve. counted: eved with
        the allocation counter preloaded."""
        if server == "eved":
            port = hb.free_port()
            extra = {"collectors": {"enabled": []}}
            if cert:
                extra["tls"] = {"cert_file": self.certs[cert][0], "key_file": self.certs[cert][1]}
            env = None
            if counted:
                self.addr_file = os.path.join(self.dir, "malloc-%d.addr" % port)
                env = dict(os.environ, LD_PRELOAD=self.counter_so, MALLOC_COUNT_ADDR_FILE=self.addr_file)
            return hb.Proc([self.b.eved, "run", "--config", self.b.config(port, extra=extra)], port,
                           env=env, log_path=os.path.join(self.b.tmp, "server-%d.log" % port))
        tls = None
        if cert:
            tls = {"certificate": self.certs[cert][0], "certificate_key": self.certs[cert][1],
                   "protocols": "TLSv1.2", "ciphers": CIPHERS, "prefer_server_ciphers": "on",
                   "session_tickets": "off", "session_cache": "off"}
            if curve:
                tls["ecdh_curve"] = curve
        return self.b.start_nginx(location="return 200 '%s';" % self.body, path="/healthz", tls=tls,
                                  content_type="text/plain", status_path="/nginx_status")

    @staticmethod
    def pid(proc, server):
        return proc.main_pid("nginx: worker") if server == "nginx" else proc.proc.pid

    def take_body(self):
        """eved's /healthz body, which nginx returns too."""
        proc = self.start("eved", next(iter(self.certs)))
        try:
            head, body = hb.http_get(proc.port, "/healthz", tls=self.context)
        finally:
            proc.stop()
        if not head.startswith(b"HTTP/1.1 200") or not re.fullmatch(rb"[A-Za-z0-9 .\n]*", body):
            raise SystemExit("eved's /healthz over TLS: %r %r" % (head[:40], body[:40]))
        self.body = body.decode().replace("\n", "\\n")

    def tls_counts(self, port):
        """eved's handshake counters: (completed, {reason: errors})."""
        _, body = hb.http_get(port, "/metrics", tls=self.context)
        text = body.decode()
        done = int(re.search(r"^eved_tls_handshakes_total (\d+)$", text, re.M).group(1))
        errors = {m.group(1): int(m.group(2)) for m in re.finditer(
            r'^eved_tls_handshake_errors_total\{reason="(\w+)"\} (\d+)$', text, re.M)}
        return done, errors

    def negotiate(self, server, cert, curve=None):
        """What the two sides agree on (s_client's cipher and temporary
        key), and whether any of 5 reconnections resumed the session."""
        proc = self.start(server, cert, curve)
        try:
            out = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % proc.port,
                                  "-CAfile", self.ca, "-reconnect"], input="",
                                 capture_output=True, text=True, timeout=60).stdout
        finally:
            proc.stop()
        cipher = re.search(r"Cipher is (\S+)", out)
        key = re.search(r"Server Temp Key: (.*)", out)
        return {"cipher": cipher.group(1) if cipher else "?",
                "kx": key.group(1).strip() if key else "?",
                "resumed": len(re.findall(r"^Reused,", out, re.M)),
                "new": len(re.findall(r"^New,", out, re.M)),
                "verified": "Verify return code: 0 (ok)" in out}

    def served(self, server, port, cert):
        """Requests the server has answered so far (eved_requests_total's
        samples; nginx's stub_status), on a connection of its own."""
        tls = self.context if cert else None
        if server == "eved":
            _, body = hb.http_get(port, "/metrics", tls=tls)
            return sum(int(m.group(1)) for m in re.finditer(
                rb"^eved_requests_total(?:\{[^}]*\})? (\d+)$", body, re.M))
        _, body = hb.http_get(port, "/nginx_status", tls=tls)
        return int(re.search(rb"^\s*\d+\s+\d+\s+(\d+)\s*$", body, re.M).group(1))

    # -- one wrk run -------------------------------------------------------------------
    def measure(self, server, cert, conns, close=False, curve=None):
        """One wrk run on a fresh server. With keep-alive, CPU per request
        and req/s are also taken in a steady window (from 1 s after wrk
        starts to 0.5 s before it ends, requests counted by the server):
        over TLS the c handshakes at wrk's start (~10 ms each for eved)
        would otherwise be charged to the requests."""
        proc = self.start(server, cert, curve)
        try:
            pid = self.pid(proc, server)
            counted = server == "eved" and cert
            if counted:
                time.sleep(0.2)  # the start probe's connection (no handshake) is counted first
            before = self.tls_counts(proc.port) if counted else None
            cpu0, t0 = hb.cpu_seconds(pid), time.monotonic()
            result = {}
            seconds = self.a.tls_seconds
            load = threading.Thread(target=lambda: result.update(nb.wrk_with_cpu(
                proc.port, conns, seconds, "/healthz", scheme="https" if cert else "http",
                headers=CLOSE if close else ())))
            load.start()
            if not close:
                time.sleep(1.0)
                w0, n0, c0 = time.monotonic(), self.served(server, proc.port, cert), hb.cpu_seconds(pid)
                time.sleep(max(seconds - 1.5, 0.5))
                w1, c1 = time.monotonic(), hb.cpu_seconds(pid)
                n1 = self.served(server, proc.port, cert)
            load.join()
            r = result
            cpu = hb.cpu_seconds(pid) - cpu0
            r["server_cpu"] = 100.0 * cpu / (time.monotonic() - t0)
            r["cpu_us"] = 1e6 * cpu / max(r["done"], 1)
            if not close:
                r["steady_rps"] = (n1 - n0) / (w1 - w0)
                r["steady_cpu_us"] = 1e6 * (c1 - c0) / max(n1 - n0, 1)
                r["steady_server_cpu"] = 100.0 * (c1 - c0) / (w1 - w0)
            if counted:
                after = self.tls_counts(proc.port)
                # The second /metrics connection's own handshake is in `after`.
                r["full"] = (after[0] - before[0] - 1) / max(r["done"], 1)
                r["tls_errors"] = {k: after[1][k] - before[1].get(k, 0) for k in after[1]
                                   if after[1][k] != before[1].get(k, 0)}
        finally:
            proc.stop()
        label = "%s %s%s" % (server, cert or "plain", " " + curve if curve else "")
        if r["errors"]:
            raise SystemExit("%s c=%d: wrk reported %d errors" % (label, conns, r["errors"]))
        log("  %-28s c=%-3d %s %9.0f/s  p50 %.2f ms  p99 %.2f ms  server CPU %3.0f%% (%.0f us each)"
            "  wrk CPU %3.0f%%%s" % (
                label, conns, "close" if close else "keep ", r["rps"], r["p50"], r["p99"],
                r.get("steady_server_cpu", r["server_cpu"]), r.get("steady_cpu_us", r["cpu_us"]), r["wrk_cpu"],
                "  full handshakes %.3f/request, errors %s" % (r["full"], r["tls_errors"] or "none")
                if "full" in r else ""))
        return r

    def keepalive_runs(self):
        rsa = next(iter(self.certs))
        cases = [("eved", rsa), ("nginx", rsa), ("eved", None), ("nginx", None)]
        log("HTTPS keep-alive: GET /healthz, c=50, %d rounds" % self.a.tls_rounds)
        self.keepalive = {c: [] for c in cases}
        for _ in range(self.a.tls_rounds):
            for server, cert in cases:
                self.keepalive[(server, cert)].append(self.measure(server, cert, 50))

    def handshake_runs(self):
        log("HTTPS handshakes: wrk -H 'Connection: close', %d rounds" % self.a.tls_rounds)
        for cert in self.certs:
            eved_kx = self.negotiated[("eved", cert, None)]["kx"]
            group = re.search(r"(secp\d+r1|prime256v1|X25519|X448)", eved_kx)
            self.eved_group = group.group(1) if group else None
            servers = [("eved", None), ("nginx", None)]
            if self.eved_group and self.eved_group not in self.negotiated[("nginx", cert, None)]["kx"]:
                servers.append(("nginx", self.eved_group))
                if ("nginx", cert, self.eved_group) not in self.negotiated:
                    self.negotiated[("nginx", cert, self.eved_group)] = self.negotiate(
                        "nginx", cert, self.eved_group)
            for conns in self.a.tls_handshake_conns:
                self.handshakes[(cert, conns)] = {s: [] for s in servers}
            for _ in range(self.a.tls_rounds):
                for conns in self.a.tls_handshake_conns:
                    for server, curve in servers:
                        self.handshakes[(cert, conns)][(server, curve)].append(
                            self.measure(server, cert, conns, close=True, curve=curve))

    # -- system calls and allocations per keep-alive request ----------------------------
    def syscall_runs(self, seconds=3):
        log("system calls per keep-alive request (strace -c -f, wrk c=50)")
        rsa = next(iter(self.certs))
        for server, cert in (("eved", rsa), ("eved", None), ("nginx", rsa)):
            proc = self.start(server, cert)
            try:
                s = nb.syscalls_during(self.pid(proc, server), self.b.tmp, lambda: hb.wrk(
                    proc.port, 50, seconds, "/healthz", scheme="https" if cert else "http"))
            finally:
                proc.stop()
            self.syscalls[(server, cert)] = s
            log("  %-16s receive %.3f, send %.3f per request" % (
                "%s %s" % (server, cert or "plain"), s["receive"], s["send"]))

    def read_counter(self, pid):
        with open(self.addr_file) as f:
            addr = int(f.read().strip(), 16)
        with open("/proc/%d/mem" % pid, "rb") as mem:
            mem.seek(addr)
            return struct.unpack("=Q", mem.read(8))[0]

    def connect(self, port, cert):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.context.wrap_socket(s, server_hostname="localhost") if cert else s

    @staticmethod
    def get(s):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit("allocation count: the connection closed")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
        while len(rest) < length:
            rest += s.recv(4096)

    def alloc_runs(self):
        """Heap allocations in the whole eved process, per keep-alive
        request and per new connection (connect, handshake, one request,
        close), over TLS and plain."""
        if not os.path.exists(self.counter_so):
            log("allocations: %s not built" % self.counter_so)
            return
        log("heap allocations per request (LD_PRELOAD counter)")
        rsa = next(iter(self.certs))
        for cert in (rsa, None):
            proc = self.start("eved", cert, counted=True)
            try:
                pid = proc.proc.pid
                s = self.connect(proc.port, cert)
                for _ in range(ALLOC_WARMUP):
                    self.get(s)
                a0 = self.read_counter(pid)
                for _ in range(ALLOC_REQUESTS):
                    self.get(s)
                a1 = self.read_counter(pid)
                s.close()
                time.sleep(0.2)
                a2 = self.read_counter(pid)
                for _ in range(ALLOC_CONNECTIONS):
                    c = self.connect(proc.port, cert)
                    self.get(c)
                    c.close()
                time.sleep(0.2)
                a3 = self.read_counter(pid)
            finally:
                proc.stop()
            self.allocs[cert] = ((a1 - a0) / ALLOC_REQUESTS, (a3 - a2) / ALLOC_CONNECTIONS)
            log("  eved %-9s %.3f per keep-alive request, %.1f per new connection" % (
                cert or "plain", *self.allocs[cert]))

    # -- where the handshake's CPU goes ------------------------------------------------
    def profile(self, server, cert, seconds=4, top=12):
        proc = self.start(server, cert)
        data = os.path.join(self.dir, "perf-%s.data" % server)
        try:
            pid = self.pid(proc, server)
            rec = subprocess.Popen(["perf", "record", "-g", "-o", data, "-p", str(pid)],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            try:
                time.sleep(0.5)
                hb.wrk(proc.port, 50, seconds, "/healthz", scheme="https", headers=CLOSE)
            finally:
                rec.send_signal(2)
                rec.wait(60)
        finally:
            proc.stop()
        if not os.path.exists(data):
            log("  %s: perf record wrote nothing (perf_event_paranoid?)" % server)
            return
        self.profiles[server] = self.flat_profile(data, top)
        rows, by_dso, families = self.profiles[server]
        log("  %s: %s" % (server, ", ".join("%s %.0f%%" % (s, p) for p, _, s in rows[:5])))

    @staticmethod
    def exported(dso):
        """A library's exported functions, sorted by address: [(addr, name)]."""
        for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib"):
            path = os.path.join(d, dso)
            if os.path.exists(path):
                out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True,
                                     text=True).stdout
                syms = [(int(f[0], 16), f[2]) for f in (l.split() for l in out.splitlines())
                        if len(f) == 3 and f[1] in "Tt"]
                return sorted(syms)
        return []

    @classmethod
    def flat_profile(cls, data, top):
        """Self time, flat: (top symbols, {library: %}, {family: %}).
        Debian's libmbedcrypto and OpenSSL's libcrypto export only their
        public functions: a sample in a static one (Mbed TLS's bignum
        multiply loop, its curve arithmetic; OpenSSL's assembly) has no
        name, so it is summed under "static code after <the exported
        function before it>", which names its object file (the linker
        keeps each file's functions together)."""
        exported = {}

        def static_label(dso, addr):
            if dso not in exported:
                exported[dso] = cls.exported(dso)
            before = [name for a, name in exported[dso] if a <= addr]
            return "static code after %s" % before[-1] if before else "(no symbol)"

        def report(sort):
            return subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", sort,
                                   "--stdio", "-g", "none", "--percent-limit", "0"],
                                  capture_output=True, text=True, timeout=300).stdout
        rows = {}
        for line in report("dso,symbol").splitlines():
            m = re.match(r"^\s+([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(\S+)", line)
            if m:
                sym = m.group(3)
                if sym.startswith("0x"):
                    sym = static_label(m.group(2), int(sym, 16))
                key = (m.group(2), sym)
                rows[key] = rows.get(key, 0.0) + float(m.group(1))
        by_dso = {}
        for line in report("dso").splitlines():
            m = re.match(r"^\s+([\d.]+)%\s+(\S+)\s*$", line)
            if m:
                by_dso[m.group(2)] = float(m.group(1))
        families = {}
        for (_, sym), pct in rows.items():
            for name, prefix in (("bignum (mbedtls_mpi_*)", "mbedtls_mpi_"),
                                 ("constant-time helpers (mbedtls_ct_*)", "mbedtls_ct_"),
                                 ("malloc/free", ("_int_malloc", "_int_free", "malloc", "free", "calloc",
                                                  "cfree", "__libc_calloc", "__libc_malloc")),
                                 ("memset/memcpy", ("__memset", "__memmove", "__memcpy"))):
                if sym.startswith(prefix):
                    families[name] = families.get(name, 0.0) + pct
        ordered = sorted(((p, d, s) for (d, s), p in rows.items()), reverse=True)
        return ordered[:top], by_dso, families

    def profile_runs(self):
        if not self.a.tls_perf:
            return
        log("perf record -g during a handshake run (wrk c=50, Connection: close)")
        rsa = next(iter(self.certs))
        for server in ("eved", "nginx"):
            try:
                self.profile(server, rsa)
            except (OSError, subprocess.SubprocessError) as e:
                log("  %s: perf failed: %s" % (server, e))

    # -- report ---------------------------------------------------------------------------
    def table(self):
        a = self.a
        rsa = next(iter(self.certs))
        r = self.rows
        load = os.getloadavg()
        r.append("\n### HTTPS: eved (Mbed TLS %s) vs nginx %s (OpenSSL %s), native, one worker each\n" % (
            self.mbedtls_version(), self.nginx_version(), self.openssl_version()))
        r.append("Medians of %d alternating rounds, wrk %d s per figure; load average at the start "
                 "%.2f / %.2f / %.2f on %d cores. The same certificate (a test CA's), TLS 1.2, eved's "
                 "cipher list in its order; nginx with `ssl_session_tickets off` and "
                 "`ssl_session_cache off` (eved has no resumption). CPU: the server's utime+stime "
                 "(/proc/<pid>/stat) per request or as percent of one core; wrk's own CPU beside it." % (
                     a.tls_rounds, a.tls_seconds, *self.load_at_start, os.cpu_count()))
        r.append("\nNegotiated (openssl s_client, 5 reconnections each):\n")
        r.append("| server | certificate | cipher | key exchange | chain verified | resumed |")
        r.append("|---|---|---|---|---|---|")
        for (server, cert, curve), n in self.negotiated.items():
            r.append("| %s%s | %s | %s | %s | %s | %d of %d |" % (
                server, " (ssl_ecdh_curve %s)" % curve if curve else "", cert, n["cipher"], n["kx"],
                "yes" if n["verified"] else "NO", n["resumed"], n["resumed"] + n["new"]))
        r.append("\n#### Keep-alive GET /healthz, c=50\n")
        r.append("Steady: from 1 s after wrk starts to 0.5 s before it ends, requests counted by the "
                 "server (eved_requests_total, nginx's stub_status): wrk's whole run includes its 50 "
                 "connections' handshakes, which eved makes one after another on its loop.\n")
        r.append("| server | req/s (wrk, whole run) | req/s steady | p50 / p99 ms (wrk) | server CPU steady | "
                 "CPU per request steady | TLS's cost per request | wrk CPU |")
        r.append("|---|---|---|---|---|---|---|---|")
        for (server, cert), runs in self.keepalive.items():
            cost = ""
            if cert:
                plain = self.keepalive[(server, None)]
                cost = "+%.1f us (%.2fx)" % (med(runs, "steady_cpu_us") - med(plain, "steady_cpu_us"),
                                             med(runs, "steady_cpu_us") / med(plain, "steady_cpu_us"))
            r.append("| %s %s | %.0f | %.0f | %.2f / %.2f | %.0f%% | %.1f us | %s | %.0f%% |" % (
                server, "https (%s)" % cert if cert else "http", med(runs, "rps"), med(runs, "steady_rps"),
                med(runs, "p50"), med(runs, "p99"), med(runs, "steady_server_cpu"),
                med(runs, "steady_cpu_us"), cost, med(runs, "wrk_cpu")))
        e, n = self.keepalive[("eved", rsa)], self.keepalive[("nginx", rsa)]
        r.append("\neved/nginx over TLS: %.2fx the steady requests/s (%.2fx wrk's whole-run figure)." % (
            med(e, "steady_rps") / med(n, "steady_rps"), med(e, "rps") / med(n, "rps")))
        r.append("\n#### Full handshakes: one per request (wrk -H \"Connection: close\")\n")
        r.append("| certificate | connections | server | handshakes/s | p50 / p99 ms | server CPU | "
                 "CPU per handshake | one core's worth (1 / CPU per handshake) | wrk CPU | eved: full "
                 "handshakes per response | eved: handshake errors |")
        r.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for (cert, conns), per in self.handshakes.items():
            for (server, curve), runs in per.items():
                full = "%.3f" % med(runs, "full") if "full" in runs[0] else ""
                errs = ""
                if server == "eved":
                    total = {}
                    for x in runs:
                        for k, v in x.get("tls_errors", {}).items():
                            total[k] = total.get(k, 0) + v
                    errs = ", ".join("%s %d" % kv for kv in total.items()) or "0"
                r.append("| %s | %d | %s%s | %.0f | %.2f / %.2f | %.0f%% | %.2f ms | %.0f/s | %.0f%% | %s | %s |" % (
                    cert, conns, server, " (%s)" % curve if curve else "", med(runs, "rps"),
                    med(runs, "p50"), med(runs, "p99"), med(runs, "server_cpu"),
                    med(runs, "cpu_us") / 1000, 1e6 / med(runs, "cpu_us"), med(runs, "wrk_cpu"), full, errs))
        r.append("\nwrk's latency runs from a request's write, after its connection's handshake: at "
                 "c=1 it leaves the handshake out; at c=50 it is the wait behind the other "
                 "connections' handshakes.")
        r.append("\nwrk polls a connection whose handshake waits for the server (a read that fails with "
                 "EAGAIN, then epoll_wait, hundreds of times per handshake: `strace -c -f wrk ...`), so "
                 "its CPU is high and on these 2 shared cores the server does not get a whole one: "
                 "CPU per handshake, and one core's worth of handshakes, are the figures to compare.")
        r.append("\nHandshake errors: summed over the rounds, all expected: wrk opens one TCP connection "
                 "at its start to pick the address and closes it without a handshake (one peer_closed "
                 "per run), and closes the connections it has in flight when it stops (up to "
                 "`connections` more); \"full handshakes per response\" above 1 are the in-flight "
                 "ones that had finished their handshake.")
        if self.syscalls:
            r.append("\n#### System calls per keep-alive request (strace -c -f, wrk c=50, 3 s)\n")
            r.append("| server | requests traced | receive | send | every call per request |")
            r.append("|---|---|---|---|---|")
            for (server, cert), s in self.syscalls.items():
                calls = ", ".join("%s %.3f" % (k, v) for k, v in
                                  sorted(s["per"].items(), key=lambda kv: -kv[1]) if v >= 0.001)
                r.append("| %s %s | %d | %.3f | %.3f | %s |" % (
                    server, "https" if cert else "http", s["requests"], s["receive"], s["send"], calls))
        if self.allocs:
            r.append("\n#### Heap allocations in eved (malloc/calloc/realloc, LD_PRELOAD counter)\n")
            r.append("| eved | per keep-alive request (%d after %d of warm-up, one connection) | per new "
                     "connection with one request (%d) |" % (ALLOC_REQUESTS, ALLOC_WARMUP, ALLOC_CONNECTIONS))
            r.append("|---|---|---|")
            for cert, (req, conn) in self.allocs.items():
                r.append("| %s | %.3f | %.1f |" % ("https (%s)" % cert if cert else "http", req, conn))
        for server, (rows, by_dso, families) in self.profiles.items():
            r.append("\n#### Where %s's handshake CPU goes (perf record, %s, wrk c=50 Connection: close; "
                     "self time, flat)\n" % (server, rsa))
            r.append("By library: " + ", ".join("%s %.1f%%" % (d, p) for d, p in
                                                 sorted(by_dso.items(), key=lambda kv: -kv[1])[:6]) + ".")
            if families:
                r.append("By kind: " + ", ".join("%s %.1f%%" % (f, p) for f, p in
                                                  sorted(families.items(), key=lambda kv: -kv[1])) + ".")
            r.append("\n| self | library | symbol |\n|---|---|---|")
            for pct, dso, sym in rows:
                r.append("| %.1f%% | %s | %s |" % (pct, dso, sym))
        r.append("\nLoad average at the end: %.2f / %.2f / %.2f." % load)

    @staticmethod
    def mbedtls_version():
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libmbedtls14"],
                             capture_output=True, text=True).stdout
        return out.split("-")[0] or "2.28"

    @staticmethod
    def nginx_version():
        out = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
        m = re.search(r"nginx/(\S+)", out)
        return m.group(1) if m else "?"

    @staticmethod
    def openssl_version():
        out = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.split()
        return out[1] if len(out) > 1 else "?"

    def run(self):
        self.load_at_start = os.getloadavg()
        self.make_certs()
        self.take_body()
        for cert in self.certs:
            for server in ("eved", "nginx"):
                self.negotiated[(server, cert, None)] = self.negotiate(server, cert)
        self.keepalive_runs()
        self.handshake_runs()
        self.syscall_runs()
        self.alloc_runs()
        self.profile_runs()
        self.table()
        return self.rows


def conn_list(text):
    return [int(x) for x in text.split(",") if x]


def add_arguments(p, prefix="--tls-"):
    p.add_argument(prefix + "rounds", dest="tls_rounds", type=int, default=3)
    p.add_argument(prefix + "seconds", dest="tls_seconds", type=int, default=5)
    p.add_argument(prefix + "handshake-conns", dest="tls_handshake_conns", type=conn_list,
                   default=[1, 50], help="wrk connections of the handshake runs, comma-separated")
    p.add_argument(prefix + "no-ecdsa", dest="tls_ecdsa", action="store_false",
                   help="the RSA-2048 certificate only")
    p.add_argument(prefix + "no-perf", dest="tls_perf", action="store_false", help="no perf profile")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    p.add_argument("--linux-build")
    add_arguments(p, "--")
    args = p.parse_args()
    args.windows_build = None
    args.native_only = True
    bench = hb.Bench(args)
    try:
        rows = TlsBench(bench).run()
    finally:
        import shutil
        shutil.rmtree(bench.tmp, ignore_errors=True)
    text = "\n## HTTPS benchmark run %s\n\nMachine: %s. Command: `python3 bench/http/tls_bench.py %s`.\n" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), bench.machine(), " ".join(sys.argv[1:]))
    text += "\n".join(rows) + "\n"
    with open(os.path.join(bench.out, "results.md"), "a") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
