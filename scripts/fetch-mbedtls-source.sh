#!/bin/sh
# Puts Debian's mbedtls source package (upstream Mbed TLS with Debian's
# patches applied) in build/deps/mbedtls, for the Windows build: mingw has
# no libmbedtls, so cmake/Dependencies.cmake builds its three libraries
# with the cross compiler through the package's own CMake files.
# Idempotent; the machine's apt sources are never touched (apt-source.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/build/deps/mbedtls"
[ -f "$dest/library/ssl_tls.c" ] && exit 0
work="$top/build/deps/mbedtls-src"
"$top/scripts/apt-source.sh" mbedtls "$work"
src=$(find "$work" -maxdepth 3 -name ssl_tls.c -path '*/library/*' -printf '%h\n' | head -n 1)
[ -n "$src" ] || { echo "fetch-mbedtls-source: library/ssl_tls.c not found in the source package" >&2; exit 1; }
rm -rf "$dest"
mv "$(dirname "$src")" "$dest"
rm -rf "$work"
echo "fetch-mbedtls-source: $(sed -n 's/^#define MBEDTLS_VERSION_STRING_FULL *"\(.*\)"/\1/p' "$dest/include/mbedtls/version.h") in $dest"
