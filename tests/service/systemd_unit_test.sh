#!/bin/sh
# service/eved.service passes `systemd-analyze verify` with no warning when
# pointed at the eved just built, and keeps the lines eved relies on: the
# foreground run, SIGHUP for reload, /run/eved for the admin socket.
set -eu
unit=$1
eved=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s#/usr/local/bin/eved#$eved#" "$unit" > "$dir/eved.service"
out=$(systemd-analyze verify "$dir/eved.service" 2>&1 || echo "verify failed")
# The config file lives on the installed machine only.
out=$(printf '%s\n' "$out" | grep -v '/etc/eved/eved.json' || true)
if [ -n "$out" ]; then
  printf 'systemd-analyze verify:\n%s\n' "$out"
  exit 1
fi
grep -q '^ExecStart=.* run --config ' "$dir/eved.service"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$dir/eved.service"
grep -q '^RuntimeDirectory=eved' "$dir/eved.service"
echo ok
