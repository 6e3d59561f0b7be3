"""The conformance table of docs/http.md: one row per rule, each on its own
connection, one line of output per row. The rows run against one eved,
but for the two that need other bounds (LIMIT_ROWS), which share a second.

Every answer is parsed strictly (parse_response): the status line exactly
`HTTP/1.1 NNN Reason`, field lines `name: value`, a Date in IMF-fixdate,
then exactly Content-Length body bytes, none after a HEAD. Two rules hold
for every row beyond its own expectations:
- an answer that says `Connection: keep-alive` is followed by reading the
  next request: a probe request on the same connection must be answered;
- an answer that says `Connection: close` is followed by EOF, with nothing
  else sent.
The row ids are those of the table in docs/http.md; the run fails if the
two lists differ, so no row of the table goes untested.

run(..., tls=CONTEXT) runs the same rows over HTTPS (tls_test.py's
tls_conformance): each connection is wrapped by the ssl.SSLContext given,
which verifies eved's certificate, and the bytes of every row go inside
TLS records, unchanged.
"""
import os
import re
import socket
import time

HOST = b"Host: eved.test\r\n"
PROBE = b"GET /healthz HTTP/1.1\r\n" + HOST + b"\r\n"
MAX_HEADER_BYTES = 8192  # eved's default; CONFIG keeps it
HEADER_TIMEOUT_MS = 4000
CONFIG = {"max_header_bytes": MAX_HEADER_BYTES, "header_timeout_ms": HEADER_TIMEOUT_MS}
DEADLINE = 20

REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout", 413: "Content Too Large",
           414: "URI Too Long", 429: "Too Many Requests", 431: "Request Header Fields Too Large", 503: "Service Unavailable",
           505: "HTTP Version Not Supported"}
STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) ([^\r\n]+)\Z")
FIELD_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+): ([\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)\Z")
IMF_FIXDATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                         r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\Z")


class RowFailure(Exception):
    pass


def need(cond, what):
    if not cond:
        raise RowFailure(what)


class Answer:
    def __init__(self, status, fields, body):
        self.status, self.fields, self.body = status, fields, body

    def __repr__(self):
        return "%d %s" % (self.status, self.fields.get("connection"))


class Conn:
    def __init__(self, port, tls=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            # The handshake happens here; a row's bytes start once it is done.
            self.sock = tls.wrap_socket(self.sock, server_hostname="127.0.0.1")
        self.buf = b""

    def send(self, data, pieces=0):
        if not pieces:
            self.sock.sendall(data)
            return
        for i in range(0, len(data), pieces):
            self.sock.sendall(data[i:i + pieces])
            time.sleep(0.001)  # separate segments, so eved reads them apart

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            raise RowFailure("EOF where an answer was due; had %r" % self.buf[:200])
        self.buf += data

    def answer(self, head_only):
        while b"\r\n\r\n" not in self.buf:
            need(len(self.buf) < 65536, "no end of head in %d bytes" % len(self.buf))
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        m = STATUS_LINE.match(lines[0])
        need(m, "status line %r" % lines[0])
        status = int(m.group(1))
        need(REASONS.get(status) == m.group(2).decode(), "reason in %r" % lines[0])
        fields = {}
        for line in lines[1:]:
            f = FIELD_LINE.match(line)
            need(f, "field line %r" % line)
            name = f.group(1).decode().lower()
            need(name not in fields, "field %s twice" % name)
            fields[name] = f.group(2).decode()
        need(IMF_FIXDATE.match(fields.get("date", "")), "Date %r (RFC 9110 6.6.1)" % fields.get("date"))
        need(re.match(r"\d+\Z", fields.get("content-length", "")), "Content-Length %r" %
             fields.get("content-length"))
        need(fields.get("connection") in ("keep-alive", "close"), "Connection %r" %
             fields.get("connection"))
        need("transfer-encoding" not in fields, "Transfer-Encoding sent")
        if status == 405:
            need(fields.get("allow") == "GET, HEAD", "405 without Allow: GET, HEAD (RFC 9110 15.5.6)")
        length = 0 if head_only else int(fields["content-length"])
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return Answer(status, fields, body)

    def eof(self):
        """True if eved closed with nothing more sent."""
        while True:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                return self.buf == b""
            self.buf += data

    def close(self):
        self.sock.close()


class Row:
    """One rule: bytes to send, the answers due ("200", "400 close head"...:
    status, then `close` if the connection must close, `head` if the answer
    must be head-only), and an optional check of the answers."""

    def __init__(self, rid, send, expect, pieces=0, check=None):
        self.id, self.send, self.expect, self.pieces, self.check = rid, send, expect, pieces, check

    def run(self, port, tls=None):
        c = Conn(port, tls)
        try:
            data = self.send(port) if callable(self.send) else self.send
            c.send(data, self.pieces)
            got = []
            for want in self.expect:
                words = want.split()
                a = c.answer("head" in words)
                got.append(a)
                need(a.status == int(words[0]), "answer %d is %d, want %s" %
                     (len(got), a.status, want))
                conn = "close" if "close" in words else "keep-alive"
                need(a.fields["connection"] == conn, "answer %d says Connection: %s, want %s" %
                     (len(got), a.fields["connection"], conn))
            if self.check:
                self.check(got)
            if got[-1].fields["connection"] == "close":
                need(c.eof(), "more sent after Connection: close: %r" % c.buf[:200])
            else:
                c.send(PROBE)
                a = c.answer(False)
                need(a.status == 200 and a.body == b"ok\n",
                     "keep-alive promised, but the next request got %d" % a.status)
                need(c.buf == b"", "bytes after the last answer: %r" % c.buf[:200])
            return ", ".join(w for w in self.expect)
        finally:
            c.close()


def req(line, fields=b"", host=True, version=b"HTTP/1.1"):
    return line + b" " + version + b"\r\n" + (HOST if host else b"") + fields + b"\r\n"


def get(path=b"/healthz", fields=b"", **kw):
    return req(b"GET " + path, fields, **kw)


def head(path=b"/healthz", fields=b"", **kw):
    return req(b"HEAD " + path, fields, **kw)


def padded_head(total, sep=b": "):
    """A GET /healthz head of exactly `total` bytes, one field padded."""
    start = b"GET /healthz HTTP/1.1\r\n" + HOST + b"X-Pad" + sep
    pad = total - len(start) - 4
    return start + b"a" * pad + b"\r\n\r\n"


def body_is(want):
    def check(got):
        need(got[0].body == want, "body %r, want %r" % (got[0].body, want))
    return check


def same_length_as_get(got):
    # RFC 9110 9.3.2, 8.6: HEAD's Content-Length is that of the GET.
    need(got[0].fields["content-length"] == got[1].fields["content-length"],
         "HEAD Content-Length %s, GET's %s" % (got[0].fields["content-length"],
                                              got[1].fields["content-length"]))


TLS_HELLO = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 32 + b"\r\n\r\n"
H2C = (b"GET /healthz HTTP/1.1\r\n" + HOST + b"Connection: Upgrade, HTTP2-Settings\r\n"
       b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
SMUGGLED = b"GET /smuggled HTTP/1.1\r\n" + HOST + b"\r\n"

ROWS = [
    # RFC 9112 2: message format
    Row("2.1-octets", get(fields=b"X-Name: caf\xe9 \x80\xff\r\n"), ["200"]),
    Row("2.2-leading-empty-line", b"\r\n" + get(), ["200"]),
    Row("2.2-bare-cr-field", get(fields=b"X-Abc: \rxTransfer-Encoding: chunked\r\n"), ["400 close"]),
    Row("2.2-bare-cr-request-line", b"GET /healthz\r HTTP/1.1\r\n" + HOST + b"\r\n", ["400 close"]),
    Row("2.2-bare-lf-request-line", b"GET /healthz HTTP/1.1\n" + HOST + b"\r\n", ["400 close"]),
    Row("2.2-bare-lf-field", b"GET /healthz HTTP/1.1\r\nHost: eved.test\nX: 1\r\n\r\n", ["400 close"]),
    Row("2.2-bare-lf-end", b"GET /healthz HTTP/1.1\r\n" + HOST + b"\n", ["400 close"]),
    Row("2.2-space-before-first-field", b"GET /healthz HTTP/1.1\r\n X: 1\r\n" + HOST + b"\r\n",
        ["400 close"]),
    Row("2.2-not-http", TLS_HELLO, ["400 close"]),
    Row("2.3-version-case", get(version=b"http/1.1"), ["400 close"]),
    Row("2.3-http2-version", get(version=b"HTTP/2.0"), ["505 close"], check=body_is(b"HTTP/1.1 only\n")),
    Row("2.3-http09-version", get(version=b"HTTP/0.9"), ["505 close"]),
    Row("2.3-http2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ["505 close"]),
    Row("2.3-minor-version", get(version=b"HTTP/1.2"), ["400 close"]),
    # RFC 9112 3: request line, target, Host
    Row("3-trailing-space", b"GET /healthz HTTP/1.1 \r\n" + HOST + b"\r\n", ["400 close"]),
    Row("3-unknown-method", req(b"FOO /healthz"), ["400 close"]),
    Row("3-method-case", req(b"get /healthz"), ["400 close"]),
    Row("3-method-not-served", req(b"DELETE /healthz"), ["405"]),
    Row("3-long-target", get(b"/" + b"a" * MAX_HEADER_BYTES), ["414 close"]),
    Row("3-spaces-after-method", b"GET" + b" " * 20000 + b"/healthz HTTP/1.1\r\n" + HOST + b"\r\n",
        ["414 close"]),
    Row("3.2-host-missing", get(host=False), ["400 close"]),
    Row("3.2-host-missing-http10", get(host=False, version=b"HTTP/1.0"), ["200 close"]),
    Row("3.2-host-twice", get(fields=b"Host: other.test\r\n"), ["400 close"]),
    Row("3.2-host-twice-identical", get(fields=HOST), ["400 close"]),
    Row("3.2-host-space", get(host=False, fields=b"Host: a b\r\n"), ["400 close"]),
    Row("3.2-host-userinfo", get(host=False, fields=b"Host: x/y@z\r\n"), ["400 close"]),
    Row("3.2-host-open-bracket", get(host=False, fields=b"Host: [::1\r\n"), ["400 close"]),
    Row("3.2-host-valid", b"".join(get(host=False, fields=b"Host: " + h + b"\r\n") for h in
                                   (b"eved.test:8080", b"[::1]:80", b"127.0.0.1", b"",
                                    b"xn--bcher-kva.example", b"a%41b", b"eved.test  ")),
        ["200"] * 7),
    Row("3.2.1-origin-form-query", get(b"/healthz?probe=1&x=%20"), ["200"], check=body_is(b"ok\n")),
    Row("3.2.2-absolute-form", get(b"http://other.test/healthz?x"), ["200"], check=body_is(b"ok\n")),
    # Letters at both ends of each case after the first (llhttp takes
    # letters only in a scheme).
    Row("3.2.2-absolute-form-any-scheme", get(b"azZA://other.test/healthz"), ["200"],
        check=body_is(b"ok\n")),
    Row("3.2.2-absolute-form-empty-path", get(b"http://eved.test"), ["200"],
        check=lambda got: need(got[0].fields["content-type"].startswith("text/html"), "not the page")),
    Row("3.2.3-authority-form-not-connect", get(b"eved.test:80"), ["400 close"]),
    Row("3.2.4-asterisk-options", req(b"OPTIONS *"), ["405"]),
    Row("3.2.4-asterisk-get", get(b"*"), ["400"]),
    # RFC 9112 5, RFC 9110 5.5-5.6: fields
    Row("5.1-space-before-colon", get(fields=b"X-Probe : 1\r\n"), ["400 close"]),
    Row("5.1-tab-before-colon", get(fields=b"X-Probe\t: 1\r\n"), ["400 close"]),
    Row("5.1-space-before-colon-framing", get(fields=b"Content-Length : 0\r\n"), ["400 close"]),
    Row("5.1-empty-field-name", get(fields=b":x\r\n"), ["400 close"]),
    Row("5.1-field-name-not-token", get(fields=b"X(: 1\r\n"), ["400 close"]),
    Row("5.2-obs-fold", get(fields=b"X-Folded: a\r\n b\r\n"), ["400 close"]),
    Row("5.2-obs-fold-tab", get(fields=b"X-Folded: a\r\n\tb\r\n"), ["400 close"]),
    Row("5.5-nul-in-value", get(fields=b"X-Nul: a\x00b\r\n"), ["400 close"]),
    Row("5.5-ctl-in-value", get(fields=b"X-Ctl: a\x01b\r\n"), ["400 close"]),
    Row("5.5-value-whitespace", get(fields=b"X-Ows:   1 \t 2   \r\nX-Empty:\r\n"), ["200"]),
    Row("5.6-connection-list", get(fields=b"Connection: foo, close\r\n"), ["200 close"]),
    Row("5-head-in-pieces", get(fields=b"X-Slow: " + b"s" * 200 + b"\r\n"), ["200"], pieces=7),
    # max_header_bytes: counted in the bytes received (docs/http.md)
    Row("5-head-limit-exact", padded_head(MAX_HEADER_BYTES), ["200"]),
    Row("5-head-limit-exact-no-space", padded_head(MAX_HEADER_BYTES, sep=b":"), ["200"]),
    Row("5-head-limit-exact-pieces", padded_head(MAX_HEADER_BYTES), ["200"], pieces=20),
    Row("5-head-limit-plus-one", padded_head(MAX_HEADER_BYTES + 1), ["431 close"]),
    Row("5-head-limit-plus-one-pieces", padded_head(MAX_HEADER_BYTES + 1), ["431 close"], pieces=20),
    Row("5-head-limit-8135-pieces", padded_head(8135), ["200"], pieces=20),
    Row("5-spaces-after-colon", get(fields=b"X-Spaces:" + b" " * 20000 + b"1\r\n"), ["431 close"]),
    # RFC 9112 6: message body
    Row("6.1-chunked-refused", get(fields=b"Transfer-Encoding: chunked\r\n") + b"0\r\n\r\n" + SMUGGLED,
        ["413 close"]),
    Row("6.1-chunked-post", req(b"POST /healthz", b"Transfer-Encoding: chunked\r\n") + b"0\r\n\r\n",
        ["405 close"]),
    Row("6.1-te-chunked-not-final", get(fields=b"Transfer-Encoding: chunked, gzip\r\n"), ["400 close"]),
    Row("6.1-te-http10", get(fields=b"Transfer-Encoding: chunked\r\n", version=b"HTTP/1.0") +
        b"0\r\n\r\n", ["413 close"]),
    Row("6.2-content-length-invalid", get(fields=b"Content-Length: abc\r\n"), ["400 close"]),
    Row("6.2-content-length-list", get(fields=b"Content-Length: 1, 1\r\n") + b"x", ["400 close"]),
    Row("6.3-content-length-twice", get(fields=b"Content-Length: 1\r\nContent-Length: 1\r\n") + b"x",
        ["400 close"]),
    Row("6.3-cl-and-te", get(fields=b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") +
        b"0\r\n\r\n", ["400 close"]),
    Row("6.3-content-length-zero", get(fields=b"Content-Length: 0\r\n") + get(), ["200", "200"]),
    Row("6.3-body-refused", get(fields=b"Content-Length: %d\r\n" % len(SMUGGLED)) + SMUGGLED,
        ["413 close"]),
    # RFC 9112 9: connection management
    Row("9.3-persistent-default", get(), ["200"]),
    Row("9.3-http10-close", get(version=b"HTTP/1.0"), ["200 close"]),
    Row("9.3-http10-keep-alive", get(fields=b"Connection: keep-alive\r\n", version=b"HTTP/1.0"), ["200"]),
    Row("9.3.2-pipelining", get() + get(b"/nope") + head() + req(b"DELETE /stats") + get(),
        ["200", "404", "200 head", "405", "200"]),
    Row("9.5-header-timeout", b"HEAD /healthz HTTP/1.1\r\nHo", ["408 close head"]),
    Row("9.6-connection-close", get(fields=b"Connection: close\r\n") + get(), ["200 close"]),
    # RFC 9110
    Row("9110-6.6.1-date", get() + get(b"/nope") + get(host=False), ["200", "404", "400 close"]),
    Row("9110-7.8-upgrade-h2c", H2C + get(), ["200", "200"]),
    Row("9110-7.8-upgrade-websocket", get(fields=b"Connection: upgrade\r\nUpgrade: websocket\r\n"
                                              b"Sec-WebSocket-Version: 13\r\n"
                                              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
        ["200"]),
    Row("9110-7.8-upgrade-http10", get(fields=b"Connection: upgrade\r\nUpgrade: h2c\r\n",
                                       version=b"HTTP/1.0"), ["200 close"]),
    Row("9110-9.3.2-head-200", head() + get(), ["200 head", "200"], check=same_length_as_get),
    Row("9110-9.3.2-head-404", head(b"/nope"), ["404 head"]),
    Row("9110-9.3.2-head-405", req(b"HEAD /healthz") + req(b"DELETE /healthz"), ["200 head", "405"]),
    Row("9110-9.3.2-head-400", b"HEAD /healthz HTTP/1.1\r\n\r\n", ["400 close head"]),
    Row("9110-9.3.2-head-413", head(fields=b"Content-Length: 5\r\n") + b"hello", ["413 close head"]),
    Row("9110-9.3.2-head-414", head(b"/" + b"a" * MAX_HEADER_BYTES), ["414 close head"]),
    Row("9110-9.3.2-head-431", head(fields=b"X-Big: " + b"a" * MAX_HEADER_BYTES + b"\r\n"),
        ["431 close head"]),
    Row("9110-9.3.2-head-505", head(version=b"HTTP/2.0"), ["505 close head"]),
    Row("9110-9.3.6-connect", lambda port: (b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n" % port) + HOST +
        b"\r\n" + get(), ["405", "200"]),
    Row("9110-14.2-range-ignored", get(fields=b"Range: bytes=0-0\r\n"), ["200"], check=body_is(b"ok\n")),
]


class HeldRow(Row):
    """A row run while another connection holds eved's only slot
    (LIMITS_CONFIG). The holder is accepted for sure once it is answered;
    until eved has seen an earlier connection's close, it is refused."""

    def run(self, port, tls=None):
        deadline = time.monotonic() + DEADLINE
        while True:
            holder = None
            try:
                # Over TLS the handshake is in Conn(): a refused one may
                # fail there.
                holder = Conn(port, tls)
                holder.send(PROBE)
                if holder.answer(False).status == 200:
                    break
            except (RowFailure, OSError):
                pass  # refused, and reset before the 503 was read
            if holder:
                holder.close()
            need(time.monotonic() < deadline, "no free slot for the holding connection")
            time.sleep(0.05)
        try:
            if tls is None:
                return Row.run(self, port, tls)
            # Over TLS eved resets a connection beyond max_connections
            # rather than pay for a handshake to send the 503
            # (src/app/server.c, reject_connection): no answer, a refusal.
            try:
                Conn(port, tls).close()
            except OSError as e:
                return "refused over TLS (%s), no 503" % type(e).__name__
            raise RowFailure("over TLS, a connection beyond max_connections got a handshake")
        finally:
            holder.close()


# Rows that need bounds of their own, against a second eved: one
# connection at most, two requests per connection.
LIMITS_CONFIG = {"max_connections": 1, "max_requests_per_connection": 2}
LIMIT_ROWS = [
    Row("9.3-max-requests", get() + get() + get(), ["200", "200 close"]),
    HeldRow("9110-15.6.4-503-max-connections", b"", ["503 close"],
            check=body_is(b"too many connections\n")),
]


def documented_rows(doc):
    """The row ids of docs/http.md's table (first column, in backquotes)."""
    with open(doc, encoding="utf-8") as f:
        return [m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", f.read(), re.M)]


def run(port, limits_port, doc, tls=None):
    """Runs every row, ROWS against the eved on `port` and LIMIT_ROWS
    against the one on `limits_port` (LIMITS_CONFIG); returns the failures
    (the row lines are printed). tls: an ssl.SSLContext to speak HTTPS
    through (None: plain HTTP)."""
    failures = []
    for rows, on in ((ROWS, port), (LIMIT_ROWS, limits_port)):
        for row in rows:
            try:
                print("ok   %-36s %s" % (row.id, row.run(on, tls)), flush=True)
            except (RowFailure, OSError) as e:
                print("FAIL %-36s %s: %s" % (row.id, type(e).__name__, e), flush=True)
                failures.append(row.id)
    ids = [r.id for r in ROWS + LIMIT_ROWS]
    documented = documented_rows(doc) if os.path.exists(doc) else []
    if len(set(ids)) != len(ids):
        failures.append("row ids repeat")
    for missing in sorted(set(documented) - set(ids)):
        failures.append("%s: in docs/http.md, not tested" % missing)
    for extra in sorted(set(ids) - set(documented)):
        failures.append("%s: tested, not in docs/http.md" % extra)
    print("%d rows, %d documented, %d failed" % (len(ids), len(documented), len(failures)))
    return failures
