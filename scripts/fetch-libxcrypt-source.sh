#!/bin/sh
# Puts Debian's libxcrypt source package in build/deps/libxcrypt, for the
# Windows build: mingw has no libcrypt, so the bcrypt part of libxcrypt
# (cmake/Dependencies.cmake lists the files) is compiled with the cross
# compiler, with the headers its build would generate
# (scripts/libxcrypt-prepare.sh).
# Idempotent; the machine's apt sources are never touched (apt-source.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/build/deps/libxcrypt"
[ -f "$dest/lib/crypt-bcrypt.c" ] && [ -f "$dest/generated/crypt.h" ] && exit 0

work="$top/build/deps/libxcrypt-src"
"$top/scripts/apt-source.sh" libxcrypt "$work"
src=$(find "$work" -maxdepth 3 -name crypt-bcrypt.c -printf '%h\n' | head -n 1)
[ -n "$src" ] || { echo "fetch-libxcrypt-source: crypt-bcrypt.c not found in the source package" >&2; exit 1; }
"$top/scripts/libxcrypt-prepare.sh" "$(dirname "$src")" "$dest"
rm -rf "$work"

