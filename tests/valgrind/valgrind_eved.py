#!/usr/bin/env python3
"""eved under valgrind memcheck (ctest valgrind.eved): a batch of good and
bad requests, connections cut in every state, then SIGTERM and the drain.
It passes only if eved exits 0 and memcheck saw no invalid access and no
definite leak (valgrind-run.sh makes either exit 97).

    valgrind_eved.py --eved PATH
"""
import argparse
import os
import signal
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
import eved_test as t  # noqa: E402  (the server tests' helpers, shared as they are)


def batch(srv):
    for path in ("/", "/stats", "/metrics", "/healthz", "/nope", "/stats?x=1"):
        r, _ = srv.get(path)
        t.check(r.status in (200, 404), "%s: %d" % (path, r.status))
    r, _ = srv.get("/stats", method="DELETE")
    t.check(r.status == 405, "405")
    s = srv.connect()
    s.sendall(t.request("/healthz") + t.request("/stats", method="HEAD") + t.request("/metrics") +
              t.request("/nope", extra="Connection: close\r\n"))
    rd = t.Reader(s)
    codes = [rd.response(head_only=(i == 1))[0] for i in range(4)]
    t.check(codes == [200, 200, 200, 404], "pipelined: %s" % codes)
    t.check(rd.at_eof(), "closed after Connection: close")
    s.close()
    bad = [
        (t.request("/healthz", host=False), 400),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 400),
        (t.request("/healthz", extra="X-Big: %s\r\n" % ("a" * 9000)), 431),
        (t.request("/healthz", extra="Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") +
         b"0\r\n\r\n", 400),
        (t.request("/stats", method="POST", extra="Content-Length: 3\r\n") + b"abc", 405),
        (t.request("/x" * 300, extra="Connection: close\r\n"), 404),
    ]
    for data, status in bad:
        t.expect_error_and_close(srv, data, status)
    # Cut in every state: mid-head, after a request with its answer
    # unread, with a reset (SO_LINGER 0), and a half-close.
    for i in range(20):
        s = srv.connect()
        s.sendall(b"GET /stats HTTP/1.1\r\nHo" if i % 2 else t.request("/metrics"))
        if i % 3 == 0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    s = srv.connect()
    s.sendall(t.request("/healthz"))
    s.shutdown(socket.SHUT_WR)
    st, _, _ = t.Reader(s).response()
    t.check(st == 200, "half-closed client answered")
    s.close()
    # The header timeout (408) and a client that never reads (output cap).
    slow = srv.connect()
    slow.sendall(b"GET /healthz HTTP/1.1\r\n")
    st, _, _ = t.Reader(slow).response()
    t.check(st == 408, "408: %d" % st)
    slow.close()
    lazy = srv.connect(rcvbuf=4096)
    # eved sends each response at once, so the kernel's send buffer (up to
    # tcp_wmem's 4 MB here) fills before eved queues anything: ask for more.
    lazy.sendall(t.request("/metrics") * 2000)
    srv.wait_stats(lambda x: x["limits"]["output_cap"] >= 1, "output cap reached")
    # Left open for the drain: one mid-request, one idle, one not reading.
    busy = srv.connect()
    busy.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    idle = srv.connect()
    idle.sendall(t.request("/healthz"))
    t.Reader(idle).response()
    srv.proc.send_signal(signal.SIGTERM)
    t.check(t.Reader(idle).at_eof(), "idle connection closed by the drain")
    busy.sendall(b"\r\n")
    st, _, _ = t.Reader(busy).response()
    t.check(st == 503, "healthz answers 503 while draining: %d" % st)
    try:
        code = srv.proc.wait(timeout=120)
    except t.subprocess.TimeoutExpired:
        raise t.Failure("eved did not exit after SIGTERM")
    lazy.close()
    busy.close()
    idle.close()
    log = srv.read_log()
    t.check(code == 0, "eved under valgrind exited with %d (97: memcheck errors)" % code)
    t.check("ERROR SUMMARY: 0 errors" in log, "memcheck reports errors")
    t.check("definitely lost: 0 bytes" in log or "All heap blocks were freed" in log,
            "memcheck reports a definite leak")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eved", required=True)
    args = ap.parse_args()
    args.wrapper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "valgrind-run.sh")
    srv = t.Server(args, {"header_timeout_ms": 2000, "write_timeout_ms": 30000,
                          "max_output_bytes": 65536, "drain_timeout_ms": 30000})
    try:
        batch(srv)
    except (t.Failure, OSError, EOFError, ValueError, KeyError) as e:
        print("FAIL valgrind.eved: %s: %s" % (type(e).__name__, e))
        print("---- eved log (with memcheck's report) ----\n" + srv.read_log())
        return 1
    finally:
        srv.close()
    print("ok valgrind.eved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
