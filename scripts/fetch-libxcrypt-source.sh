#!/bin/sh
# Puts Debian's libxcrypt source package in build/deps/libxcrypt, for the
# Windows build: mingw has no libcrypt, so the bcrypt part of libxcrypt
# (cmake/Dependencies.cmake lists the files) is compiled with the cross
# compiler. The headers its build would generate (crypt.h,
# crypt-hashes.h for bcrypt alone, crypt-symbol-vers.h) are made here with
# the package's own scripts, into build/deps/libxcrypt/generated.
# Idempotent; the machine's apt sources are never touched (apt-source.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/build/deps/libxcrypt"
[ -f "$dest/lib/crypt-bcrypt.c" ] && [ -f "$dest/generated/crypt.h" ] && exit 0
command -v perl >/dev/null || { echo "fetch-libxcrypt-source: perl not found (apt-get install perl)" >&2; exit 1; }

work="$top/build/deps/libxcrypt-src"
"$top/scripts/apt-source.sh" libxcrypt "$work"
src=$(find "$work" -maxdepth 3 -name crypt-bcrypt.c -printf '%h\n' | head -n 1)
[ -n "$src" ] || { echo "fetch-libxcrypt-source: crypt-bcrypt.c not found in the source package" >&2; exit 1; }
pkg=$(dirname "$src")
version=$(basename "$pkg" | sed -n 's/^libxcrypt-\([0-9.]*\)$/\1/p')
[ -n "$version" ] || { echo "fetch-libxcrypt-source: no version in $(basename "$pkg")" >&2; exit 1; }

gen="$work/generated"
mkdir -p "$gen"
scripts="$pkg/build-aux/scripts"
# gen-crypt-h reads only the version and <sys/cdefs.h>'s macros (none on
# mingw) from config.h: that much config for it alone.
printf '#define PACKAGE_VERSION "%s"\n' "$version" > "$gen/config-version.h"
hashes=bcrypt,bcrypt_a,bcrypt_y
LC_ALL=C perl "$scripts/gen-crypt-hashes-h" "$pkg/lib/hashes.conf" "$hashes" > "$gen/crypt-hashes.h"
# No symbol versions: a static library (what configure's APPLY_SYMVERS=no
# and the minimum ABI give).
LC_ALL=C perl "$scripts/gen-crypt-symbol-vers-h" no SYMVER_MIN=XCRYPT_2.0 SYMVER_FLOOR=XCRYPT_2.0 \
  COMPAT_ABI=no "$pkg/lib/libcrypt.map.in" > "$gen/crypt-symbol-vers.h"
LC_ALL=C perl "$scripts/gen-crypt-h" "$pkg/lib/crypt.h.in" "$gen/config-version.h" \
  "$pkg/lib/hashes.conf" "$hashes" > "$gen/crypt.h"
rm "$gen/config-version.h"

rm -rf "$dest"
mkdir -p "$dest"
mv "$pkg/lib" "$dest/lib"
mv "$pkg/COPYING.LIB" "$pkg/LICENSING" "$dest/"
mv "$gen" "$dest/generated"
rm -rf "$work"
echo "fetch-libxcrypt-source: libxcrypt $version (bcrypt) in $dest"
