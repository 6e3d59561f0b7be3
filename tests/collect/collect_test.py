#!/usr/bin/env python3
"""The Windows collectors under Wine, checked against the Linux host that
Wine reads underneath; one behaviour per invocation.

    collect_test.py --dump COLLECT_DUMP.EXE --wrapper cmake/wine-run.sh \
                    [--test-service COLLECT_TEST_SERVICE.EXE] BEHAVIOUR

What Wine 8 builds each figure from (seen here, and why each check holds):
- GlobalMemoryStatusEx: ullTotalPhys is /proc/meminfo MemTotal; ullAvailPhys
  is MemFree + Buffers + Cached (not MemAvailable).
- SystemProcessorPerformanceInformation: /proc/stat per CPU, in USER_HZ
  ticks: IdleTime = idle; UserTime = user + nice; KernelTime = idle +
  system + iowait + irq + softirq + steal. DpcTime, InterruptTime and
  InterruptCount stay 0, so the modes of a core sum to its elapsed time.
- GetDiskFreeSpaceExW: statfs of the folder the drive letter maps to.
- GetIfEntry2: /proc/net/dev (the adapter's description is the Linux
  interface name, "lo" for loopback).
- GetTickCount64: CLOCK_MONOTONIC, which on this host (never suspended)
  puts the boot time at /proc/stat's btime.
- Processes, threads and handles: the wineserver's, i.e. the Windows
  processes of this prefix only.

A value read from /proc before the Wine run and another after bracket
the one Wine read in between, so most checks are exact ranges, not
tolerances.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time

DEADLINE = 120  # a fresh prefix's first run is slow
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Round:
    """One round of collect_dump's output: samples by (name, labels)."""

    def __init__(self, number, monotonic_ms):
        self.number = number
        self.monotonic_ms = monotonic_ms
        self.collectors = {}  # name -> (rc, dropped, errors, error text)
        self.samples = {}

    def get(self, name, **labels):
        key = (name, tuple(sorted(labels.items())))
        check(key in self.samples, "no sample %s%r" % (name, labels))
        return self.samples[key]

    def family(self, name):
        """[(labels dict, value)] of one family."""
        return [(dict(k[1]), v) for k, v in self.samples.items() if k[0] == name]


def parse(text):
    rounds, current, last = [], None, None
    for line in text.splitlines():
        m = re.match(r'^# round (\d+) monotonic_ms (\d+)$', line)
        if m:
            current = Round(int(m.group(1)), int(m.group(2)))
            rounds.append(current)
            continue
        m = re.match(r'^# collector (\S+) rc (-?\d+) dropped (\d+) errors (\d+)$', line)
        if m:
            last = m.group(1)
            current.collectors[last] = [int(m.group(2)), int(m.group(3)), int(m.group(4)), ""]
            continue
        if line.startswith("# error "):
            current.collectors[last][3] = line[len("# error "):]
            continue
        m = LINE.match(line)
        check(m is not None and current is not None, "unparsable line %r" % line)
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        key = (m.group(1), labels)
        check(key not in current.samples, "duplicate series %r" % line)
        current.samples[key] = float(m.group(3))
    check(rounds, "no output")
    return rounds


class Dump:
    def __init__(self, args):
        self.args = args
        # The prefix the wrapper runs in, as cmake/wine-run.sh picks it.
        top = os.path.dirname(os.path.dirname(os.path.abspath(args.wrapper)))
        self.prefix = os.environ.get("EVE_WINEPREFIX") or os.path.join(
            top, "build", "windows", "wineprefix")

    def command(self, *argv):
        return [self.args.wrapper, self.args.dump] + list(argv)

    def run(self, *argv, ok_errors=0):
        """Runs collect_dump; its rounds. Every collector must succeed with
        nothing dropped and at most ok_errors partial failures."""
        p = subprocess.run(self.command(*argv), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=DEADLINE)
        out = p.stdout.decode("utf-8", "replace")
        check(p.returncode == 0, "collect_dump %r exited %d: %s%s" % (
            argv, p.returncode, out, p.stderr.decode("utf-8", "replace")))
        rounds = parse(out)
        for r in rounds:
            for name, (rc, dropped, errors, text) in r.collectors.items():
                check(rc == 0, "collector %s failed: %s" % (name, text))
                check(dropped == 0, "collector %s dropped %d" % (name, dropped))
                check(errors <= ok_errors, "collector %s: %d errors" % (name, errors))
        return rounds


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            out[key] = int(value.split()[0]) * 1024
    return out


def proc_stat():
    """{cpu index: [user, nice, system, idle, iowait, irq, softirq, steal]}, btime."""
    cpus, btime = {}, None
    with open("/proc/stat") as f:
        for line in f:
            words = line.split()
            if re.match(r'^cpu\d+$', words[0]):
                cpus[int(words[0][3:])] = [int(x) for x in words[1:9]]
            elif words[0] == "btime":
                btime = int(words[1])
    return cpus, btime


def net_dev(iface):
    """(received bytes, sent bytes) of a Linux interface."""
    with open("/proc/net/dev") as f:
        for line in f:
            if ":" in line and line.split(":", 1)[0].strip() == iface:
                words = line.split(":", 1)[1].split()
                return int(words[0]), int(words[8])
    raise Failure("no %s in /proc/net/dev" % iface)


def between(low, value, high, what, slack=0.0):
    check(low - slack <= value <= high + slack,
          "%s: %r outside [%r, %r] (slack %r)" % (what, value, low, high, slack))


# ---- behaviours ---------------------------------------------------------

def t_memory_matches_host(dump):
    before = meminfo()
    r = dump.run("memory", ok_errors=1)[0]
    after = meminfo()
    # Wine 8 stubs EnumPageFilesW (it returns FALSE): then the collector
    # must count that failure and report no windows_pagefile_* series.
    pagefiles = r.family("windows_pagefile_limit_bytes")
    check(r.collectors["memory"][2] == (0 if pagefiles else 1),
          "paging files %r with %d errors" % (pagefiles, r.collectors["memory"][2]))
    total = r.get("windows_memory_physical_total_bytes")
    host_total = after["MemTotal"]
    check(abs(total - host_total) <= host_total * 0.01,
          "physical total %d, MemTotal %d" % (total, host_total))
    avail = r.get("windows_memory_physical_free_bytes")
    cached = [m["MemFree"] + m["Buffers"] + m["Cached"] for m in (before, after)]
    # The host's free memory moves while Wine starts: 1% of the total.
    between(min(cached), avail, max(cached), "physical free vs MemFree+Buffers+Cached",
            slack=host_total * 0.01)
    check(r.get("windows_memory_available_bytes") == avail, "available_bytes != physical_free")
    limit = r.get("windows_memory_commit_limit")
    host_limit = after["MemTotal"] + after["SwapTotal"]
    check(abs(limit - host_limit) <= host_limit * 0.01,
          "commit limit %d, MemTotal+SwapTotal %d" % (limit, host_limit))
    committed = r.get("windows_memory_committed_bytes")
    check(0 < committed <= limit, "committed %d, limit %d" % (committed, limit))


def nproc():
    return int(subprocess.run(["nproc"], capture_output=True, check=True).stdout)


def t_cpu_count_matches_host(dump):
    r = dump.run("cpu")[0]
    n = nproc()
    check(r.get("windows_cpu_logical_processor") == n,
          "logical processors %r, nproc %d" % (r.get("windows_cpu_logical_processor"), n))
    cores = {labels["core"] for labels, _ in r.family("windows_cpu_time_total")}
    check(cores == {"0,%d" % i for i in range(n)}, "core labels %r for %d CPUs" % (sorted(cores), n))
    modes = {labels["mode"] for labels, _ in r.family("windows_cpu_time_total")}
    check(modes == {"idle", "user", "privileged", "interrupt", "dpc"}, "modes %r" % modes)


def t_cpu_times_advance(dump):
    hz = os.sysconf("SC_CLK_TCK")
    before, _ = proc_stat()
    first, second = dump.run("--rounds", "2", "--interval-ms", "2000", "cpu")
    after, _ = proc_stat()
    n = nproc()
    # Each core's idle and user time lies between the host's own readings
    # before and after the run (Wine maps them from /proc/stat).
    for r in (first, second):
        for cpu in range(n):
            core = "0,%d" % cpu
            b, a = before[cpu], after[cpu]
            between(b[3] / hz, r.get("windows_cpu_time_total", core=core, mode="idle"), a[3] / hz,
                    "core %s idle" % core, slack=1e-6)
            between((b[0] + b[1]) / hz, r.get("windows_cpu_time_total", core=core, mode="user"),
                    (a[0] + a[1]) / hz, "core %s user" % core, slack=1e-6)
            busy = lambda s: (s[2] + s[4] + s[5] + s[6] + s[7]) / hz  # noqa: E731
            between(busy(b), r.get("windows_cpu_time_total", core=core, mode="privileged"),
                    busy(a), "core %s privileged" % core, slack=1e-6)
    # Monotonic, and together they account for the time that passed.
    elapsed = (second.monotonic_ms - first.monotonic_ms) / 1000.0
    check(elapsed >= 1.9, "rounds %.3f s apart" % elapsed)
    total = 0.0
    for labels, v2 in second.family("windows_cpu_time_total"):
        v1 = first.get("windows_cpu_time_total", **labels)
        check(v2 >= v1, "%r went back: %r -> %r" % (labels, v1, v2))
        total += v2 - v1
    check(abs(total - elapsed * n) <= elapsed * n * 0.10,
          "modes sum to %.3f s over %d CPUs in %.3f s" % (total, n, elapsed))


def t_disk_matches_df(dump):
    drive_c = os.path.join(dump.prefix, "drive_c")
    before = os.statvfs(drive_c)
    r = dump.run("logical_disk")[0]
    after = os.statvfs(drive_c)
    size = r.get("windows_logical_disk_size_bytes", volume="C:")
    check(size == after.f_blocks * after.f_frsize,
          "C: size %d, statvfs(%s) %d" % (size, drive_c, after.f_blocks * after.f_frsize))
    free = r.get("windows_logical_disk_free_bytes", volume="C:")
    # Wine reports f_bavail (what a non-root user may still write) as the
    # volume's total free bytes too; Windows' TotalNumberOfFreeBytes has no
    # root reserve to leave out. Free space moves as other builds write.
    frees = [s.f_bavail * s.f_frsize for s in (before, after)]
    between(min(frees), free, max(frees), "C: free vs f_bavail", slack=size * 0.01)
    check(r.get("windows_logical_disk_readonly", volume="C:") == 0, "C: read-only")
    volumes = {labels["volume"] for labels, _ in r.family("windows_logical_disk_size_bytes")}
    check(all(re.match(r'^[A-Z]:$', v) for v in volumes), "volume labels %r" % volumes)


def send_loopback(count):
    """Sends count bytes through a TCP connection over 127.0.0.1."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    got = [0]

    def drain():
        conn, _ = server.accept()
        while True:
            data = conn.recv(65536)
            if not data:
                break
            got[0] += len(data)
        conn.close()

    t = threading.Thread(target=drain)
    t.start()
    client = socket.create_connection(server.getsockname())
    block = b"x" * 65536
    sent = 0
    while sent < count:
        sent += client.send(block[:min(len(block), count - sent)])
    client.close()
    t.join(30)
    server.close()
    check(got[0] == count, "loopback delivered %d of %d" % (got[0], count))


def t_net_loopback_counts(dump):
    host_before = net_dev("lo")
    first = dump.run("net")[0]
    host_mid = net_dev("lo")
    sent = 8 << 20
    send_loopback(sent)
    second = dump.run("net")[0]
    received = [r.get("windows_net_bytes_received_total", nic="lo") for r in (first, second)]
    between(host_before[0], received[0], host_mid[0], "lo received vs /proc/net/dev")
    check(received[1] - received[0] >= sent,
          "lo received grew by %d, the test sent %d" % (received[1] - received[0], sent))
    check(second.get("windows_net_nic_operation_status", nic="lo", status="up") == 1, "lo not up")
    check(second.get("windows_net_bytes_total", nic="lo") ==
          received[1] + second.get("windows_net_bytes_sent_total", nic="lo"), "bytes_total")
    # Every nic is a Linux interface, and each has one status set.
    for labels, _ in second.family("windows_net_bytes_received_total"):
        check(os.path.exists("/sys/class/net/" + labels["nic"]), "nic %r not on the host" % labels)
        statuses = [v for l, v in second.family("windows_net_nic_operation_status")
                    if l["nic"] == labels["nic"]]
        check(len(statuses) == 7 and sum(statuses) == 1, "statuses of %r: %r" % (labels, statuses))


def t_system_matches_host(dump):
    _, btime = proc_stat()
    first = dump.run("system")[0]
    boot = first.get("windows_system_boot_time_timestamp_seconds")
    check(abs(boot - btime) <= 2, "boot time %d, /proc/stat btime %d" % (boot, btime))
    # Processes: three more Windows processes in the prefix show as three
    # more, and their end as three fewer. (The counts are the wineserver's:
    # the prefix's processes, not the host's.)
    sleepers = []
    try:
        for _ in range(3):
            p = subprocess.Popen(dump.command("--rounds", "2", "--interval-ms", "60000", "system"),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            sleepers.append(p)
            check(p.stdout.readline().startswith(b"# round 1"), "a sleeper did not start")
        second = dump.run("system")[0]
    finally:
        for p in sleepers:
            p.kill()
            p.wait()
    third = dump.run("system")[0]
    counts = [r.get("windows_system_processes") for r in (first, second, third)]
    check(counts[1] >= counts[0] + 3 and counts[2] <= counts[1] - 3,
          "processes %r with three sleepers started, then ended" % counts)
    for r in (first, second, third):
        check(r.get("windows_system_threads") >= r.get("windows_system_processes"),
              "fewer threads than processes")
        check(r.get("windows_system_handles") > 0, "no handles")


def t_unknown_name(dump):
    p = subprocess.run(dump.command("filesystem"), stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=DEADLINE)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == 2 and "filesystem: it is a collector on Linux" in err,
          "filesystem: %d %r" % (p.returncode, err))
    p = subprocess.run(dump.command("nonesuch"), stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=DEADLINE)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == 2 and "unknown collector nonesuch\n" in err.replace("\r", ""),
          "nonesuch: %d %r" % (p.returncode, err))


# ---- the service collector ---------------------------------------------

def win_path(path):
    return "Z:" + path.replace("/", "\\")


def sc(dump, *argv):
    p = subprocess.run([dump.args.wrapper, "sc"] + list(argv), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=DEADLINE)
    return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


def sc_state(dump, name):
    _, out = sc(dump, "query", name)
    m = re.search(r"STATE\s*:\s*\d+\s+(\w+)", out)
    return m.group(1) if m else None


def wait_state(dump, name, want):
    deadline = time.monotonic() + 30
    while sc_state(dump, name) != want:
        check(time.monotonic() < deadline, "%s never reached %s" % (name, want))
        time.sleep(0.1)


def one_hot(r, family, name, label):
    """The label value whose sample is 1 for service `name`, checking that
    exactly one is."""
    hot = [l[label] for l, v in r.family(family) if l["name"] == name and v == 1]
    every = [l for l, v in r.family(family) if l["name"] == name]
    check(len(hot) == 1, "%s of %s: %r" % (family, name, every))
    return hot[0]


def t_service_follows_sc(dump):
    # Two services of the test's own: one started on demand, which the test
    # starts and stops, and one set to start at boot, never started here.
    # (Wine 8's `sc config` fails, so the start mode is set at creation.)
    name = "eved-collect-test-%d" % os.getpid()
    auto = name + "-auto"
    created = []
    try:
        for n, mode in ((name, "demand"), (auto, "auto")):
            code, out = sc(dump, "create", n, "binPath=", win_path(dump.args.test_service),
                           "start=", mode)
            check(code == 0, "sc create %s: %s" % (n, out))
            created.append(n)
        r = dump.run("service")[0]
        check(one_hot(r, "windows_service_state", name, "state") == "stopped", "not stopped")
        check(one_hot(r, "windows_service_start_mode", name, "start_mode") == "manual",
              "not manual")
        check(one_hot(r, "windows_service_start_mode", auto, "start_mode") == "auto", "not auto")
        check(not [l for l, _ in r.family("windows_service_process") if l["name"] == name],
              "a stopped service has a process")
        # The prefix's own services are there too, in the state the SCM has.
        check(one_hot(r, "windows_service_state", "PlugPlay", "state") ==
              sc_state(dump, "PlugPlay").lower(), "PlugPlay's state differs from sc query's")

        code, out = sc(dump, "start", name)
        check(code == 0, "sc start: %s" % out)
        wait_state(dump, name, "RUNNING")
        r = dump.run("service")[0]
        check(one_hot(r, "windows_service_state", name, "state") == "running", "not running")
        procs = [(l, v) for l, v in r.family("windows_service_process") if l["name"] == name]
        check(len(procs) == 1 and int(procs[0][0]["process_id"]) > 0, "process %r" % procs)
        check(abs(procs[0][1] - time.time()) < 120, "process created at %r" % procs[0][1])

        code, out = sc(dump, "stop", name)
        check(code == 0, "sc stop: %s" % out)
        wait_state(dump, name, "STOPPED")
        r = dump.run("service")[0]
        check(one_hot(r, "windows_service_state", name, "state") == "stopped", "not stopped")
        check(not [l for l, _ in r.family("windows_service_process") if l["name"] == name],
              "a stopped service still has a process")
    finally:
        for n in created:
            sc(dump, "stop", n)
            sc(dump, "delete", n)


BEHAVIOURS = {
    "memory_matches_host": t_memory_matches_host,
    "cpu_count_matches_host": t_cpu_count_matches_host,
    "cpu_times_advance": t_cpu_times_advance,
    "disk_matches_df": t_disk_matches_df,
    "net_loopback_counts": t_net_loopback_counts,
    "system_matches_host": t_system_matches_host,
    "unknown_name": t_unknown_name,
    "service_follows_sc": t_service_follows_sc,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--wrapper", required=True)
    ap.add_argument("--test-service")
    ap.add_argument("behaviour", choices=sorted(BEHAVIOURS))
    args = ap.parse_args()
    try:
        BEHAVIOURS[args.behaviour](Dump(args))
    except (Failure, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        print("FAIL %s: %s: %s" % (args.behaviour, type(e).__name__, e))
        return 1
    print("ok %s" % args.behaviour)
    return 0


if __name__ == "__main__":
    sys.exit(main())
