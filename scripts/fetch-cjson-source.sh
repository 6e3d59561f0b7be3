#!/bin/sh
# Puts Debian's cjson source package (upstream cJSON with Debian's security
# patches applied) in build/deps/cjson, for the Windows build: mingw has no
# libcjson, so cJSON.c is compiled with the cross compiler. Idempotent.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/build/deps/cjson"
[ -f "$dest/cJSON.c" ] && exit 0

# apt-get source needs a deb-src entry; mirror the machine's own deb entries.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && \
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fetch-cjson-source: needs a deb-src entry; run as root" >&2
    exit 1
  fi
  entries=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed 's/^Types:.*/Types: deb-src/' "$f"
    echo
  done > "$entries"
  mv "$entries" /etc/apt/sources.list.d/eve-deb-src.sources
  chmod 644 /etc/apt/sources.list.d/eve-deb-src.sources
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/eve-deb-src.list
  fi
  apt-get update -q
fi

work="$top/build/deps/cjson-src"
rm -rf "$work"
mkdir -p "$work"
(cd "$work" && apt-get source -q cjson)
src=$(find "$work" -maxdepth 2 -name cJSON.c -printf '%h\n' | head -n 1)
[ -n "$src" ] || { echo "fetch-cjson-source: cJSON.c not found in the source package" >&2; exit 1; }
rm -rf "$dest"
mv "$src" "$dest"
rm -rf "$work"
echo "fetch-cjson-source: cJSON $(sed -n 's/^#define CJSON_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' "$dest/cJSON.h" | paste -sd.) in $dest"
