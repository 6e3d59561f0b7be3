#!/bin/sh
# The systemd unit configured from service/eved.service.in passes
# `systemd-analyze verify` with no warning when pointed at the eved just
# built, has every @VARIABLE@ filled in, and keeps the lines eved relies
# on: the foreground run, SIGHUP for reload, /run/eved for the admin socket.
#   systemd_unit_test.sh UNIT EVED    (UNIT: <build>/eved.service)
set -eu
unit=$1
eved=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if grep -n '@[A-Za-z_]*@' "$unit"; then
  echo "the unit has template variables left"
  exit 1
fi
# ExecStart names the installed eved, which is not there before an install.
sed "s#^ExecStart=[^ ]*#ExecStart=$eved#" "$unit" > "$dir/eved.service"
out=$(systemd-analyze verify "$dir/eved.service" 2>&1 || echo "verify failed")
# The config file lives on the installed machine only.
out=$(printf '%s\n' "$out" | grep -v '/eved/eved.json' || true)
if [ -n "$out" ]; then
  printf 'systemd-analyze verify:\n%s\n' "$out"
  exit 1
fi
grep -q '^ExecStart=[^ ]* run --config /[^ ]*/eved/eved\.json$' "$dir/eved.service"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$dir/eved.service"
grep -q '^RuntimeDirectory=eved' "$dir/eved.service"
echo ok
