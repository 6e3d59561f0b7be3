#!/usr/bin/env python3
"""Connection churn for bench/soak.sh: one connection at a time, opened and
closed in a loop until killed, at most RATE per second, so the soak also
exercises accept, the slot table and every way a connection ends. In
turn: a request answered then a clean close, a reset (SO_LINGER 0) in the
middle of a request, a connection closed without a word, and a request
with Connection: close.

    soak_churn.py HOST PORT [RATE]
"""
import signal
import socket
import struct
import sys
import time


def one(host, port, kind):
    s = socket.create_connection((host, port), timeout=10)
    try:
        if kind == 0:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: churn\r\n\r\n")
            data = s.recv(4096)
            if not data.startswith(b"HTTP/1.1 200"):
                raise RuntimeError("unexpected answer %r" % data[:40])
        elif kind == 1:
            s.sendall(b"GET /stats HTTP/1.1\r\nHo")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif kind == 3:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: churn\r\nConnection: close\r\n\r\n")
            while s.recv(65536):
                pass
    finally:
        s.close()


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 50.0
    done = errors = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    last_report = time.monotonic()
    while not stop:
        t = time.monotonic()
        try:
            one(host, port, done % 4)
        except (OSError, RuntimeError) as e:
            errors += 1
            print("churn error: %s" % e, flush=True)
        done += 1
        if t - last_report >= 60:
            print("churn: %d connections, %d errors" % (done, errors), flush=True)
            last_report = t
        left = 1.0 / rate - (time.monotonic() - t)
        if left > 0:
            time.sleep(left)
    print("churn: %d connections, %d errors" % (done, errors), flush=True)


if __name__ == "__main__":
    main()
