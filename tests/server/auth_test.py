#!/usr/bin/env python3
"""Basic auth (docs/security.md, "Basic auth") through a running eved, one
behaviour per invocation, run like eved_test.py's (whose Server it uses)
as server.<target>.<behaviour>:

    auth_test.py --eved PATH [--wrapper PROG] BEHAVIOUR

Every hash is made by the test with Apache's htpasswd (apache2-utils: its
own bcrypt, not libxcrypt's), at cost 4 or 5 so runs stay fast; the one
that needs verifications to pile up uses cost 12.

auth_basic: no, wrong and right credentials give 401, 401 and 200 on
/stats and /metrics, the 401 with the Basic challenge; an unknown user,
a $2b$ hash, HEAD, an unknown path; /healthz open; each result counted;
the clear-text warning logged.
auth_protect_healthz: auth.protect_healthz closes /healthz too.
auth_malformed: a bad scheme, bad base64, no colon, a control
character, two fields, a field far beyond the bound: 401 each, counted
malformed, and eved serves on.
auth_pipelined: a pipelined request waiting for its bcrypt run keeps its
place: the answers come in the order asked.
auth_throttle: a burst of wrong passwords from one client is throttled
(429 with Retry-After, no bcrypt run, counted), even with the right
password; /healthz and another client (127.0.0.2) with the right
password are served.
auth_queue_full: more verifications at once than the verifier's 16 jobs:
the rest get 503, counted busy, and the queue depth is seen above 0
while they wait.
auth_cache_reload: the second request with the right password starts no
bcrypt run (eved_auth_verifications_total); a reload (the admin channel)
with a changed hash makes the old password fail and the new one pass; a
verification still running when a reload changes the users ends in 401.
auth_check_config: check-config refuses each bad auth key with an error
naming the user or the key.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time

from eved_test import (EVENT_DEADLINE, Failure, admin, run_behaviour, Reader, Server, check, parse_metrics, request)

CHALLENGE = 'Basic realm="eved", charset="UTF-8"'
# The behaviour's eveds, whose logs a failure prints.
SERVERS = []


def start(args, config):
    srv = Server(args, config)
    SERVERS.append(srv)
    close = srv.close

    def keep_log_and_close():
        srv.last_log = srv.read_log()
        close()
    srv.close = keep_log_and_close
    return srv
RESULTS = ("ok", "bad_credentials", "missing", "malformed", "throttled", "busy")


def bcrypt_hash(user, password, cost=4):
    out = subprocess.run(["htpasswd", "-nbBC", str(cost), user, password], check=True,
                         capture_output=True, text=True).stdout.strip()
    name, _, h = out.partition(":")
    check(name == user and h.startswith("$2y$%02d$" % cost) and len(h) == 60, "htpasswd gave %r" % out)
    return h


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def get(srv, path, auth=None, method="GET", extra=None):
    headers = dict(extra or {})
    if auth is not None:
        headers["Authorization"] = auth
    return srv.get(path, method=method, headers=headers)


def auth_counts(srv, auth):
    """eved_auth_* from /metrics, read with credentials that pass."""
    r, body = get(srv, "/metrics", auth)
    check(r.status == 200, "/metrics with good credentials: %d" % r.status)
    m = parse_metrics(body.decode())
    counts = {res: m[("eved_auth_requests_total", (("result", res),))] for res in RESULTS}
    counts["verifications"] = m[("eved_auth_verifications_total", ())]
    counts["queue_depth"] = m[("eved_auth_queue_depth", ())]
    counts["401"] = m[("eved_requests_total", (("status", "401"),))]
    counts["429"] = m[("eved_requests_total", (("status", "429"),))]
    counts["503"] = m[("eved_requests_total", (("status", "503"),))]
    return counts


def expect(r, status, what):
    check(r.status == status, "%s: %d, not %d" % (what, r.status, status))
    if status == 401:
        check(r.getheader("WWW-Authenticate") == CHALLENGE,
              "%s: WWW-Authenticate %r" % (what, r.getheader("WWW-Authenticate")))
    else:
        check(r.getheader("WWW-Authenticate") is None, "%s: a challenge on a %d" % (what, status))


def t_basic(args, d):
    alice = bcrypt_hash("alice", "secret")
    # htpasswd writes $2y$; $2b$ is the same algorithm (OpenBSD's name).
    bob = "$2b$" + bcrypt_hash("bob", "hunter2")[4:]
    srv = start(args, {"basic_auth_users": {"alice": alice, "bob": bob},
                        "collectors": {"enabled": []}})
    try:
        good = basic("alice", "secret")
        for path in ("/stats", "/metrics"):
            r, body = get(srv, path)
            expect(r, 401, path + " without credentials")
            check(body == b"unauthorized\n", "401 body %r" % body)
            r, _ = get(srv, path, basic("alice", "wrong"))
            expect(r, 401, path + " with a wrong password")
            r, body = get(srv, path, good)
            expect(r, 200, path + " with the right password")
        check(json.loads(get(srv, "/stats", good)[1])["auth"]["ok"] >= 2, "/stats has auth.ok")
        r, _ = get(srv, "/stats", basic("bob", "hunter2"))
        expect(r, 200, "a $2b$ hash")
        r, _ = get(srv, "/stats", basic("mallory", "secret"))
        expect(r, 401, "an unknown user with alice's password")
        r, _ = get(srv, "/stats", "basic " + good[6:])
        expect(r, 200, "the scheme in lower case (RFC 9110 11.1)")
        r, body = get(srv, "/stats", method="HEAD")
        expect(r, 401, "HEAD without credentials")
        r, _ = get(srv, "/nope")
        expect(r, 401, "an unknown path without credentials (nothing told)")
        r, _ = get(srv, "/nope", good)
        expect(r, 404, "an unknown path with credentials")
        r, body = get(srv, "/healthz")
        expect(r, 200, "/healthz is open by default")
        check(body == b"ok\n", "/healthz body %r" % body)
        c = auth_counts(srv, good)
        # Missing: /stats, /metrics, HEAD, /nope. Bad: 2 wrong + mallory.
        # OK: 2 + /stats JSON + bob + lower case + /nope + this /metrics.
        want = {"ok": 7, "bad_credentials": 3, "missing": 4, "malformed": 0, "throttled": 0,
                "busy": 0, "401": 7}
        for k, v in want.items():
            check(c[k] == v, "%s counted %s, not %s: %s" % (k, c[k], v, c))
        # Runs: the wrong passwords, mallory, alice once, bob once: the
        # rest came from the cache.
        check(c["verifications"] == 5, "bcrypt runs %s, not 5" % c["verifications"])
        log = srv.read_log()
        check("basic auth over plain HTTP: credentials travel in clear" in log,
              "no clear-text warning in the log:\n" + log)
        srv.stop()
    finally:
        srv.close()


def t_protect_healthz(args, d):
    srv = start(args, {"basic_auth_users": {"alice": bcrypt_hash("alice", "secret")},
                        "auth": {"protect_healthz": True}, "collectors": {"enabled": []}})
    try:
        r, _ = get(srv, "/healthz")
        expect(r, 401, "/healthz with protect_healthz and no credentials")
        r, _ = get(srv, "/healthz", basic("alice", "nope"))
        expect(r, 401, "/healthz with a wrong password")
        r, body = get(srv, "/healthz", basic("alice", "secret"))
        expect(r, 200, "/healthz with the right password")
        check(body == b"ok\n", "/healthz body %r" % body)
        srv.stop()
    finally:
        srv.close()


def t_malformed(args, d):
    srv = start(args, {"basic_auth_users": {"alice": bcrypt_hash("alice", "secret")},
                        "max_header_bytes": 65536, "collectors": {"enabled": []}})
    try:
        good = basic("alice", "secret")
        b64 = lambda raw: base64.b64encode(raw).decode()
        bad = [
            ("Bearer " + good[6:], "another scheme"),
            ("Basic", "no credentials"),
            ("Basic " + good[6:] + "!", "a character outside base64"),
            ("Basic " + good[6:-1], "base64 cut short"),
            ("Basic " + b64(b"alice-secret"), "no colon"),
            ("Basic " + b64(b"alice:sec\x01ret"), "a control character"),
            ("Basic " + b64(b"alice:" + b"x" * 40000), "40,000 bytes of password"),
            ("Basic " + "QUJD" * 12000, "48,000 characters of base64"),
            ("Basic    " + good[6:] + "==", "padding where none belongs"),
        ]
        for value, what in bad:
            r, _ = get(srv, "/stats", value)
            expect(r, 401, what)
        # Two Authorization fields, even both right (RFC 9110 11.6.2: one).
        s = srv.connect()
        try:
            s.sendall(request("/stats", extra="Authorization: %s\r\nAuthorization: %s\r\n" % (good, good)))
            status, h, _ = Reader(s, track=False).response()
            check(status == 401 and h.get("www-authenticate") == CHALLENGE, "two fields: %d" % status)
        finally:
            s.close()
        r, _ = get(srv, "/stats", "Basic   " + good[6:] + " \t")
        expect(r, 200, "spaces after the scheme and trailing whitespace")
        c = auth_counts(srv, good)
        check(c["malformed"] == len(bad) + 1, "malformed counted %s, not %d" % (c["malformed"], len(bad) + 1))
        check(c["verifications"] == 1, "bcrypt runs %s: a malformed field starts none" % c["verifications"])
        srv.stop()
    finally:
        srv.close()


def t_pipelined(args, d):
    srv = start(args, {"basic_auth_users": {"alice": bcrypt_hash("alice", "secret", 5)},
                        "collectors": {"enabled": []}})
    try:
        good = basic("alice", "secret")
        s = srv.connect()
        try:
            # The first waits for a bcrypt run (nothing is cached yet); the
            # second needs none; the third waits for another.
            s.sendall(request("/stats", extra="Authorization: %s\r\n" % good) +
                      request("/healthz") +
                      request("/stats", extra="Authorization: %s\r\n" % basic("alice", "bad")) +
                      request("/nope", extra="Authorization: %s\r\n" % good))
            rd = Reader(s, track=False)
            status, _, body = rd.response()
            check(status == 200 and json.loads(body)["auth"]["verifications"] == 1,
                  "first answer: %d %r" % (status, body[:80]))
            status, _, body = rd.response()
            check(status == 200 and body == b"ok\n", "second answer: %d %r" % (status, body))
            status, h, body = rd.response()
            check(status == 401 and h.get("www-authenticate") == CHALLENGE,
                  "third answer: %d %r" % (status, body))
            status, _, body = rd.response()
            check(status == 404, "fourth answer: %d %r" % (status, body))
        finally:
            s.close()
        c = auth_counts(srv, good)
        check(c["verifications"] == 2 and c["ok"] == 3 and c["bad_credentials"] == 1,
              "counted: %s" % c)
        srv.stop()
    finally:
        srv.close()


def get_from(srv, source, path, auth, body=False):
    """One request from a given source address (127.0.0.2: another client):
    (status, headers), or (status, body)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(EVENT_DEADLINE)
        s.bind((source, 0))
        s.connect(("127.0.0.1", srv.port))
        s.sendall(request(path, extra="Authorization: %s\r\n" % auth))
        rd = Reader(s, track=False)
        status, h, b = rd.response()
        return (status, b) if body else (status, h)
    finally:
        s.close()


def t_throttle(args, d):
    srv = start(args, {"basic_auth_users": {"alice": bcrypt_hash("alice", "secret")},
                        "collectors": {"enabled": []}})
    try:
        good = basic("alice", "secret")
        # Another client's success first, so its check later is cached.
        status, _ = get_from(srv, "127.0.0.2", "/stats", good)
        check(status == 200, "127.0.0.2 with the right password: %d" % status)
        statuses = []
        retry_after = []
        for i in range(16):
            r, _ = get(srv, "/stats", basic("alice", "guess%d" % i))
            statuses.append(r.status)
            if r.status == 429:
                retry_after.append(r.getheader("Retry-After"))
            else:
                expect(r, 401, "guess %d" % i)
        n401, n429 = statuses.count(401), statuses.count(429)
        # 10 at once, then one per 6 s: a slow run may earn one or two more.
        check(10 <= n401 <= 12 and n401 + n429 == 16, "16 guesses answered %s" % statuses)
        check(statuses[:10] == [401] * 10 and statuses[-1] == 429,
              "the first 10 are 401, then 429: %s" % statuses)
        check(all(v is not None and v.isdigit() and 1 <= int(v) <= 6 for v in retry_after),
              "Retry-After %s" % retry_after)
        # The right password from the throttled client: still 429 (the
        # cache would otherwise answer guesses at no cost).
        r, _ = get(srv, "/stats", good)
        check(r.status == 429, "the throttled client's right password: %d" % r.status)
        r, body = get(srv, "/healthz")
        check(r.status == 200 and body == b"ok\n", "/healthz while throttled: %d" % r.status)
        status, _ = get_from(srv, "127.0.0.2", "/stats", basic("alice", "secret"))
        check(status == 200, "another client with the right password: %d" % status)
        r, body = srv.get("/metrics", headers={"Authorization": good})
        check(r.status == 429, "still throttled: %d" % r.status)
        # Counted, read by the other client.
        status, body = get_from(srv, "127.0.0.2", "/metrics", good, body=True)
        check(status == 200, "/metrics: %d" % status)
        m = parse_metrics(body.decode())
        throttled = m[("eved_auth_requests_total", (("result", "throttled"),))]
        bad = m[("eved_auth_requests_total", (("result", "bad_credentials"),))]
        runs = m[("eved_auth_verifications_total", ())]
        check(throttled == n429 + 2, "throttled counted %s, not %d" % (throttled, n429 + 2))
        check(bad == n401, "bad_credentials counted %s, not %d" % (bad, n401))
        # A run per 401 and the other client's one: none for a 429.
        check(runs == n401 + 1, "bcrypt runs %s, not %d" % (runs, n401 + 1))
        srv.stop()
    finally:
        srv.close()


def t_queue_full(args, d):
    # Cost 11: each run takes long enough (a tenth of a second or more)
    # that 24 sent at once pile up behind the two threads.
    srv = start(args, {"basic_auth_users": {"alice": bcrypt_hash("alice", "secret", 11)},
                       "header_timeout_ms": 120000, "collectors": {"enabled": []}})
    try:
        good = basic("alice", "secret")
        # Another client's success first: cached, so it reads /stats at
        # once while the others wait (and is not the throttled client).
        status, _ = get_from(srv, "127.0.0.2", "/stats", good)
        check(status == 200, "the right password: %d" % status)
        results = {}
        socks = []
        try:
            for i in range(24):
                s = srv.connect()
                s.settimeout(EVENT_DEADLINE * 6)
                socks.append(s)
                s.sendall(request("/stats", extra="Authorization: %s\r\n" % basic("alice", "w%d" % i)))
            status, body = get_from(srv, "127.0.0.2", "/stats", good, body=True)
            check(status == 200, "/stats while they wait: %d" % status)
            depth = json.loads(body)["auth"]["queue_depth"]
            check(1 <= depth <= 16, "queue depth while they wait: %d" % depth)

            def read(i, s):
                try:
                    results[i] = Reader(s, track=False).response()[0]
                except (OSError, EOFError, Failure) as e:
                    results[i] = repr(e)
            threads = [threading.Thread(target=read, args=(i, s)) for i, s in enumerate(socks)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(EVENT_DEADLINE * 6)
        finally:
            for s in socks:
                s.close()
        statuses = [results.get(i) for i in range(24)]
        n401, n503 = statuses.count(401), statuses.count(503)
        # 16 jobs: at least 8 refused (more if some finished before the
        # rest arrived, fewer never).
        check(n401 + n503 == 24 and n401 <= 16 + 2 and n503 >= 6,
              "24 at once: verified (401) or refused (503): %s" % statuses)
        status, body = get_from(srv, "127.0.0.2", "/stats", good, body=True)
        a = json.loads(body)
        check(a["auth"]["busy"] == n503 and a["limits"]["auth_queue"] == n503,
              "busy counted: %s, limits %s" % (a["auth"], a["limits"]["auth_queue"]))
        check(a["auth"]["verifications"] == n401 + 1, "bcrypt runs: %s" % a["auth"])
        check(a["auth"]["queue_depth"] == 0, "queue empty after: %s" % a["auth"])
        srv.stop()
    finally:
        srv.close()


def t_cache_reload(args, d):
    under_wine = bool(args.wrapper)
    adm = {"enabled": True}
    if under_wine:
        adm["pipe"] = "eved-auth-test-%d" % os.getpid()
    else:
        adm["socket"] = os.path.join(d, "admin.sock")
    # bob's hash is slow (cost 16: seconds of bcrypt), so a reload lands
    # while his verification runs.
    slow = bcrypt_hash("bob", "bob-old", 16)
    srv = start(args, {"basic_auth_users": {"alice": bcrypt_hash("alice", "old-secret"), "bob": slow},
                        "admin": adm, "collectors": {"enabled": []}})
    try:
        old, new = basic("alice", "old-secret"), basic("alice", "new-secret")
        r, body = get(srv, "/stats", old)
        check(r.status == 200, "old password: %d" % r.status)
        first = json.loads(body)["auth"]
        r, body = get(srv, "/stats", old)
        second = json.loads(body)["auth"]
        check(first["verifications"] == 1 and second["verifications"] == 1,
              "the second request started no bcrypt run: %s then %s" % (first, second))
        check(second["ok"] == 2, "both counted ok: %s" % second)
        cfg = dict(srv.config)
        cfg["basic_auth_users"] = {"alice": bcrypt_hash("alice", "new-secret"), "bob": slow}
        with open(srv.config_path, "w") as f:
            json.dump(cfg, f)
        code, out = admin(srv, "reload")
        check(code == 0, "admin reload: %d %s\n%s" % (code, out, srv.read_log()))
        r, _ = get(srv, "/stats", old)
        expect(r, 401, "the old password after the hash changed")
        r, body = get(srv, "/stats", new)
        expect(r, 200, "the new password")
        after = json.loads(body)["auth"]
        check(after["verifications"] == 3, "runs after the reload: %s" % after)
        # A verification under way when a reload changes the users is
        # void: bob's old password, right when it was asked, is refused
        # once his hash changed, never served on the old table.
        s = srv.connect()
        try:
            s.sendall(request("/stats", extra="Authorization: %s\r\n" % basic("bob", "bob-old")))
            # alice's new password is cached: this read starts no bcrypt run.
            _, body = get(srv, "/stats", new)
            check(json.loads(body)["auth"]["queue_depth"] == 1,
                  "bob's verification is not running: the check below would prove nothing (%s)" % body[:200])
            cfg["basic_auth_users"] = {"alice": cfg["basic_auth_users"]["alice"],
                                       "bob": bcrypt_hash("bob", "bob-new")}
            with open(srv.config_path, "w") as f:
                json.dump(cfg, f)
            code, out = admin(srv, "reload")
            check(code == 0, "admin reload during bob's bcrypt run: %d %s" % (code, out))
            status, h, _ = Reader(s, track=False).response()
            check(status == 401 and h.get("www-authenticate") == CHALLENGE,
                  "bob's old password, verified against the table a reload replaced: %d" % status)
        finally:
            s.close()
        srv.stop()
    finally:
        srv.close()


def t_check_config(args, d):
    h = bcrypt_hash("alice", "secret")
    path = os.path.join(d, "c.json")

    def verdict(cfg):
        with open(path, "w") as f:
            json.dump(cfg, f)
        argv = ([args.wrapper] if args.wrapper else []) + [args.eved, "check-config", path]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=EVENT_DEADLINE * 3,
                           stdin=subprocess.DEVNULL)
        return p.returncode, (p.stdout + p.stderr).strip()

    code, out = verdict({"basic_auth_users": {"alice": h, "bob": "$2b$" + h[4:]},
                         "auth": {"protect_healthz": True}})
    check(code == 0, "a good config refused: %s" % out)
    not_bcrypt = ("basic_auth_users.%s: not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31, "
                  "60 characters; htpasswd -nBC 10 %s makes one)")
    many = {"u%d" % i: h for i in range(65)}
    bad = [
        ({"alice": h, "bob": h[:-1]}, not_bcrypt % ("bob", "bob")),
        ({"bob": h + "x"}, not_bcrypt % ("bob", "bob")),
        ({"carol": "$2x$" + h[4:]}, not_bcrypt % ("carol", "carol")),
        ({"dave": h[:4] + "03" + h[6:]}, not_bcrypt % ("dave", "dave")),
        ({"erin": h[:4] + "32" + h[6:]}, not_bcrypt % ("erin", "erin")),
        ({"frank": h[:-1] + "!"}, not_bcrypt % ("frank", "frank")),
        ({"grace": "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="}, not_bcrypt % ("grace", "grace")),
        ({"heidi": 5}, not_bcrypt % ("heidi", "heidi")),
        ({"a:b": h}, 'basic_auth_users: "a:b" is not a user name (empty, a colon or a control character)'),
        ({"": h}, 'basic_auth_users: "" is not a user name (empty, a colon or a control character)'),
        ({"n" * 64: h}, 'basic_auth_users: a user name longer than 63 bytes ("%s...")' % ("n" * 32)),
        (many, "basic_auth_users: at most 64 users"),
        ([h], 'basic_auth_users: must be an object of "name": "bcrypt hash"'),
    ]
    for users, want in bad:
        code, out = verdict({"basic_auth_users": users})
        check(code == 1 and out.endswith(": " + want), "%r: %d %r, want %r" % (list(users)[:2], code, out, want))
    for auth, want in (({"protect_healthz": 1}, "auth.protect_healthz: must be true or false"),
                       ({"realm": "x"}, "auth.realm: unknown key"),
                       ([], "auth: must be an object")):
        code, out = verdict({"auth": auth})
        check(code == 1 and out.endswith(": " + want), "%r: %d %r" % (auth, code, out))
    # Duplicate names: JSON allows them; eved does not.
    with open(path, "w") as f:
        f.write('{"basic_auth_users": {"alice": "%s", "alice": "%s"}}' % (h, h))
    argv = ([args.wrapper] if args.wrapper else []) + [args.eved, "check-config", path]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=EVENT_DEADLINE * 3,
                       stdin=subprocess.DEVNULL)
    out = (p.stdout + p.stderr).strip()
    check(p.returncode == 1 and out.endswith('basic_auth_users: user "alice" is listed twice'), out)


BEHAVIOURS = {
    "auth_basic": t_basic,
    "auth_protect_healthz": t_protect_healthz,
    "auth_malformed": t_malformed,
    "auth_pipelined": t_pipelined,
    "auth_throttle": t_throttle,
    "auth_queue_full": t_queue_full,
    "auth_cache_reload": t_cache_reload,
    "auth_check_config": t_check_config,
}


def main():
    return run_behaviour(BEHAVIOURS, "eved-auth-", SERVERS)


if __name__ == "__main__":
    sys.exit(main())
