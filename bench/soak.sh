#!/bin/sh
# A soak run of eved (a benchmark, not a test: `make soak`).
#
#   bench/soak.sh [--minutes N] [--wrapper PROG] [--out DIR] EVED
#
# Starts EVED (eved, or eved.exe with --wrapper cmake/wine-run.sh) on a free
# port, then for N minutes (default 10) runs wrk at 200 connections on
# /healthz together with a churn client (bench/soak_churn.py: one connection
# at a time, opened and closed in a loop, some of them reset), and samples
# /stats every 10 s. It fails if wrk reports any error or non-2xx response,
# if eved does not exit cleanly on Ctrl-C afterwards, or if memory (RSS /
# working set) or, where the OS reports it, the handle count grows more than
# 5% over its value at the end of the first minute (the first minute is
# warm-up: buffers, allocator arenas and connection tables fill).
# Samples and logs stay in DIR (default a new directory under /tmp).
set -eu

minutes=10
wrapper=""
out=""
while [ $# -gt 1 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --wrapper) wrapper=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--minutes N] [--wrapper PROG] [--out DIR] EVED" >&2; exit 2; }
eved=$1
here=$(cd "$(dirname "$0")" && pwd)
[ -n "$out" ] || out=$(mktemp -d /tmp/eved-soak.XXXXXX)
mkdir -p "$out"
interval=10
# SOAK_SECONDS overrides the length, for a quick check of the script itself.
seconds=${SOAK_SECONDS:-$((minutes * 60))}
connections=200

# Bounds as shipped, except a log level that keeps a 10-minute log short.
cat >"$out/eved.json" <<EOF
{ "listen": ["127.0.0.1:0"], "log": {"level": "info"} }
EOF

pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

# setsid: Ctrl-C for this script does not reach eved before the drain.
if [ -n "$wrapper" ]; then
  setsid "$wrapper" "$eved" run --config "$out/eved.json" >"$out/eved.log" 2>&1 &
else
  setsid "$eved" run --config "$out/eved.json" >"$out/eved.log" 2>&1 &
fi
eved_pid=$!
pids="$eved_pid"

port=""
for _ in $(seq 1 1200); do
  port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$out/eved.log" | head -n1)
  [ -n "$port" ] && break
  kill -0 "$eved_pid" 2>/dev/null || { cat "$out/eved.log"; echo "soak: eved exited at start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$out/eved.log"; echo "soak: eved did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"
echo "soak: eved on port $port, $minutes min of wrk -c$connections + churn; samples in $out"

sample() {
  # elapsed_s memory_bytes handles active accepted requests
  curl -s --max-time 10 "$base/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
p = s["process"]
print(sys.argv[1], p["memory_bytes"], p.get("handles", -1), s["connections"]["active"],
      s["connections"]["accepted"], s["requests"]["total"])' "$1"
}

python3 "$here/soak_churn.py" 127.0.0.1 "$port" >"$out/churn.log" 2>&1 &
churn_pid=$!
pids="$pids $churn_pid"
wrk -t2 -c$connections -d${seconds}s --timeout 10s --latency "$base/healthz" >"$out/wrk.txt" 2>&1 &
wrk_pid=$!
pids="$pids $wrk_pid"

echo "elapsed_s memory_bytes handles active accepted requests" >"$out/samples.txt"
start=$(date +%s)
while kill -0 "$wrk_pid" 2>/dev/null; do
  now=$(date +%s)
  sample $((now - start)) >>"$out/samples.txt" || echo "soak: /stats failed at $((now - start)) s" | tee -a "$out/errors.txt"
  # Sleep in short steps so the end of wrk is noticed.
  for _ in $(seq 1 $((interval * 10))); do
    kill -0 "$wrk_pid" 2>/dev/null || break
    sleep 0.1
  done
done
wrk_status=0
wait "$wrk_pid" || wrk_status=$?
kill "$churn_pid" 2>/dev/null || true
wait "$churn_pid" 2>/dev/null || true
now=$(date +%s)
sample $((now - start)) >>"$out/samples.txt" || true

kill -INT "$eved_pid"
eved_status=0
for _ in $(seq 1 300); do
  kill -0 "$eved_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$eved_pid" 2>/dev/null; then
  kill -9 "$eved_pid"
  eved_status=124
else
  wait "$eved_pid" || eved_status=$?
fi
pids=""

cat "$out/wrk.txt"
tail -n 3 "$out/churn.log"
echo "samples (every ${interval} s):"
cat "$out/samples.txt"
python3 - "$out" "$wrk_status" "$eved_status" <<'EOF'
import re, sys
out, wrk_status, eved_status = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [l.split() for l in open(out + "/samples.txt").read().splitlines()[1:]]
rows = [[int(x) for x in r] for r in rows if len(r) == 6]
failures = []
wrk = open(out + "/wrk.txt").read()
if wrk_status != 0:
    failures.append("wrk exited with %d" % wrk_status)
for bad in ("Socket errors", "Non-2xx"):
    if bad in wrk:
        failures.append("wrk reports: " + [l for l in wrk.splitlines() if bad in l][0].strip())
m = re.search(r"(\d+) requests in", wrk)
if not m or int(m.group(1)) == 0:
    failures.append("wrk completed no request")
churn = re.findall(r"churn: (\d+) connections, (\d+) errors", open(out + "/churn.log").read())
if not churn:
    failures.append("the churn client reported nothing")
elif int(churn[-1][1]) != 0:
    failures.append("the churn client saw %s errors" % churn[-1][1])
if eved_status != 0:
    failures.append("eved exited with %d after Ctrl-C" % eved_status)
late = [r for r in rows if r[0] >= 60]
summary = []
if len(late) < 2:
    failures.append("fewer than two samples after the first minute")
else:
    for col, name in ((1, "memory_bytes"), (2, "handles")):
        first = late[0][col]
        peak = max(r[col] for r in late)
        last = late[-1][col]
        if first <= 0:
            summary.append("%s: not reported (%d)" % (name, first))
            continue
        growth = 100.0 * (peak - first) / first
        summary.append("%s: %d at 1 min, peak %d, last %d: %+.1f%%" % (name, first, peak, last, growth))
        if growth > 5.0:
            failures.append("%s grew %.1f%% after the first minute" % (name, growth))
rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk)
summary.append("wrk: %s requests, %s req/s" % (m.group(1) if m else "?", rps.group(1) if rps else "?"))
if rows:
    summary.append("connections accepted: %d, requests served: %d" % (rows[-1][4], rows[-1][5]))
if churn:
    summary.append("churn: %s connections, %s errors" % churn[-1])
for line in summary:
    print("soak: " + line)
for f in failures:
    print("soak: FAIL: " + f)
print("soak: %s" % ("FAIL" if failures else "ok"))
sys.exit(1 if failures else 0)
EOF
