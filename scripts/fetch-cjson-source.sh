#!/bin/sh
# Puts Debian's cjson source package (upstream cJSON with Debian's security
# patches applied) in build/deps/cjson, for the Windows build: mingw has no
# libcjson, so cJSON.c is compiled with the cross compiler. Idempotent.
#
# apt-get source needs deb-src entries, which a default Debian does not
# have. Rather than add them to the machine's sources, this fetch uses a
# private apt configuration under build/deps/apt: the machine's own
# repositories turned into deb-src entries, with their own package lists
# and cache. /etc/apt and /var/lib/apt are read, never written.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/build/deps/cjson"
[ -f "$dest/cJSON.c" ] && exit 0
command -v dpkg-source >/dev/null || { echo "fetch-cjson-source: dpkg-source not found (apt-get install dpkg-dev)" >&2; exit 1; }

apt="$top/build/deps/apt"
rm -rf "$apt"
mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial"
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  sed 's/^Types:.*/Types: deb-src/' "$f" > "$apt/sources.list.d/$(basename "$f")"
done
: > "$apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  sed -n 's/^deb \(.*\)/deb-src \1/p' "$f" >> "$apt/sources.list"
done

# Root's apt drops to the _apt user to download, which cannot write into a
# build tree that root owns; the private lists are ours alone anyway.
set -- -q -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d" \
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root
apt-get "$@" update >/dev/null

work="$top/build/deps/cjson-src"
rm -rf "$work"
mkdir -p "$work"
(cd "$work" && apt-get "$@" source cjson)
src=$(find "$work" -maxdepth 2 -name cJSON.c -printf '%h\n' | head -n 1)
[ -n "$src" ] || { echo "fetch-cjson-source: cJSON.c not found in the source package" >&2; exit 1; }
rm -rf "$dest"
mv "$src" "$dest"
rm -rf "$work" "$apt"
echo "fetch-cjson-source: cJSON $(sed -n 's/^#define CJSON_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' "$dest/cJSON.h" | paste -sd.) in $dest"
