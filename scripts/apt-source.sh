#!/bin/sh
# Downloads and unpacks one Debian source package into a directory, for the
# Windows build's dependencies that mingw lacks (fetch-cjson-source.sh,
# fetch-libxcrypt-source.sh):
#
#   apt-source.sh PACKAGE WORKDIR
#
# apt-get source needs deb-src entries, which a default Debian does not
# have. Rather than add them to the machine's sources, this uses a private
# apt configuration under WORKDIR/apt: the machine's own repositories
# turned into deb-src entries, with their own package lists and cache.
# /etc/apt and /var/lib/apt are read, never written. WORKDIR is emptied
# first; the unpacked tree is left in it, the private apt files are not.
set -eu
[ $# -eq 2 ] || { echo "usage: apt-source.sh PACKAGE WORKDIR" >&2; exit 2; }
package=$1 work=$2
command -v dpkg-source >/dev/null || { echo "apt-source: dpkg-source not found (apt-get install dpkg-dev)" >&2; exit 1; }

rm -rf "$work"
apt="$work/apt"
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
(cd "$work" && apt-get "$@" source "$package")
rm -rf "$apt"
