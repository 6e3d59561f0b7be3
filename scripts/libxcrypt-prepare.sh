#!/bin/sh
# Lays out libxcrypt's source tree PKG (Debian's source package, or a clone
# of upstream's tag of the same version, named libxcrypt-X.Y.Z) in DEST for
# the Windows build: its lib/, and the headers its own build would generate
# (crypt.h, crypt-hashes.h for bcrypt alone, crypt-symbol-vers.h), made
# with the package's own perl scripts into DEST/generated.
#
#   scripts/libxcrypt-prepare.sh PKG DEST
set -eu
[ $# -eq 2 ] || { echo "usage: libxcrypt-prepare.sh PKG DEST" >&2; exit 2; }
pkg=$1
dest=$2
command -v perl >/dev/null || { echo "libxcrypt-prepare: perl not found" >&2; exit 1; }
[ -f "$pkg/lib/crypt-bcrypt.c" ] || { echo "libxcrypt-prepare: $pkg/lib/crypt-bcrypt.c not found" >&2; exit 1; }
version=$(basename "$pkg" | sed -n 's/^libxcrypt-\([0-9.]*\)$/\1/p')
[ -n "$version" ] || { echo "libxcrypt-prepare: no version in $(basename "$pkg") (want libxcrypt-X.Y.Z)" >&2; exit 1; }

gen="$pkg/generated"
rm -rf "$gen"
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
cp -R "$pkg/lib" "$dest/lib"
cp "$pkg/COPYING.LIB" "$pkg/LICENSING" "$dest/"
mv "$gen" "$dest/generated"
echo "libxcrypt-prepare: libxcrypt $version (bcrypt) in $dest"
