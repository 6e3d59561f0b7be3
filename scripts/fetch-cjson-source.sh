#!/bin/sh
# Puts Debian's cjson source package (upstream cJSON with Debian's security
# patches applied) in build/deps/cjson, for the Windows build: mingw has no
# libcjson, so cJSON.c is compiled with the cross compiler. Idempotent.
#
# The machine's apt sources are never touched: apt-source.sh fetches with
# a private apt configuration.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/build/deps/cjson"
[ -f "$dest/cJSON.c" ] && exit 0
work="$top/build/deps/cjson-src"
"$top/scripts/apt-source.sh" cjson "$work"
src=$(find "$work" -maxdepth 2 -name cJSON.c -printf '%h\n' | head -n 1)
[ -n "$src" ] || { echo "fetch-cjson-source: cJSON.c not found in the source package" >&2; exit 1; }
rm -rf "$dest"
mv "$src" "$dest"
rm -rf "$work"
echo "fetch-cjson-source: cJSON $(sed -n 's/^#define CJSON_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' "$dest/cJSON.h" | paste -sd.) in $dest"
