#!/usr/bin/env python3
"""Checks that Windows programs under test start with the address layout
cmake/wine-run.sh promises: no address-space randomisation where this
kernel allows turning it off, so the brk heap of Wine's loader (linked at
0x7d000000) cannot land on 0x7ffe0000, the address Windows fixes for the
shared user data. With randomisation that happened about once per thousand
starts here and killed the start ("failed to map the shared user data").

    wine_run.py WRAPPER

Looks at a program started through WRAPPER and at the prefix's services.exe,
which starts every service under test; both must carry ADDR_NO_RANDOMIZE
(0x0040000 in /proc/PID/personality) and a heap below 0x7ffe0000.
"""
import os
import platform
import subprocess
import sys
import time

ADDR_NO_RANDOMIZE = 0x0040000
SHARED_USER_DATA = 0x7FFE0000


def is_wine(pid):
    """Whether the process is Wine's loader yet: before that it is the
    wrapper's shell, setarch, or Debian's `wine` script, each with its own
    heap far above the one that matters."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            return any(line.rstrip().endswith("/ntdll.so") for line in f)
    except OSError:
        return False


def layout(pid):
    """(personality, start of [heap] or None) of a running process."""
    with open("/proc/%d/personality" % pid) as f:
        persona = int(f.read(), 16)
    heap = None
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            if line.rstrip().endswith("[heap]"):
                heap = int(line.split("-", 1)[0], 16)
    return persona, heap


def check(what, pid):
    persona, heap = layout(pid)
    print("%s: pid %d personality %#x heap %s" % (what, pid, persona, heap and hex(heap)))
    if not persona & ADDR_NO_RANDOMIZE:
        sys.exit("FAIL: %s runs with address-space randomisation" % what)
    if heap is not None and heap >= SHARED_USER_DATA:
        sys.exit("FAIL: %s's heap starts at %#x, above the shared user data" % (what, heap))


def prefix_services(prefix):
    """PIDs of services.exe processes of this Wine prefix."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().lower()
            with open("/proc/%s/environ" % entry, "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue
        if b"services.exe" in cmdline and ("WINEPREFIX=" + prefix).encode() in environ:
            found.append(int(entry))
    return found


def main():
    wrapper = sys.argv[1]
    allowed = subprocess.run(["setarch", platform.machine(), "-R", "true"],
                             stderr=subprocess.DEVNULL).returncode == 0
    if not allowed:
        print("SKIP: this kernel refuses the personality change (seccomp); "
              "wine-run.sh then runs Wine as it is")
        return 77
    # cmd waits on its standard input until we close it: a Windows program
    # that stays put while its layout is read.
    prog = subprocess.Popen([wrapper, "cmd", "/c", "set /p x="], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not is_wine(prog.pid):
            if time.monotonic() > deadline or prog.poll() is not None:
                sys.exit("FAIL: no Wine process to look at (wine-run.sh exited %s)" % prog.poll())
            time.sleep(0.05)
        check("a program started through wine-run.sh", prog.pid)
        prefix = os.environ.get("EVE_WINEPREFIX") or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(wrapper))), "build", "windows", "wineprefix")
        services = prefix_services(prefix)
        if not services:
            sys.exit("FAIL: no services.exe in %s while a program runs there" % prefix)
        for pid in services:
            check("services.exe", pid)
    finally:
        prog.stdin.close()
        prog.wait(timeout=30)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
