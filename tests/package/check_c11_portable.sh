#!/bin/sh
# lint.msvc_portable: the Windows sources use no GNU-only C (statement
# expressions, case ranges, typeof, VLAs, zero-length arrays, ?: without a
# middle, __attribute__ without a guard...), so MSVC can build what mingw
# builds (.github/workflows/windows.yml). clang checks them against the
# mingw-w64 headers with -pedantic -Wgnu -Wvla as errors, with the contract
# suite's seams compiled in (as eve_poller_testable builds them) so that
# their code is checked too.
#   check_c11_portable.sh BUILD_DIR [CJSON_DIR [LIBXCRYPT_DIR [MBEDTLS_DIR]]]
#   (generated version.h; cJSON.h; libxcrypt's generated crypt.h; Mbed
#   TLS's headers, with the Windows build's configuration addition)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
cjson=${2:-$top/build/deps/cjson}
xcrypt=${3:-$top/build/deps/libxcrypt}
mbedtls=${4:-$top/build/deps/mbedtls}
command -v clang >/dev/null || { echo "lint.msvc_portable: clang not found" >&2; exit 1; }
status=0
count=0
for f in "$top"/src/poller/*.c "$top"/src/poller/win/*.c "$top"/src/net/*.c \
         "$top"/src/base/*.c "$top"/src/collect/*.c "$top"/src/stats/*.c "$top"/src/tls/*.c \
         "$top"/src/http/*.c \
         "$top"/src/admin/*.c "$top"/src/app/*.c "$top"/service/*.c; do
  case "$f" in
    *posix*|*epoll*|*_unix*|*_linux*) continue ;;  # the Linux side of a pair
  esac
  [ -f "$f" ] || continue
  count=$((count + 1))
  clang --target=x86_64-w64-mingw32 -std=c11 -pedantic -Wgnu -Wvla -Werror -fsyntax-only \
    -DWIN32_LEAN_AND_MEAN -D_WIN32_WINNT=0x0601 -DEVE_POLLER_TEST_HOOKS \
    -I"$top/src/poller" -I"$top/src/poller/include" -I"$build/src/poller/include" -I"$top/src/poller/win" -I"$top/src/net" -I"$top/src/net/win" \
    -I"$top/src/base" -I"$top/src/collect" -I"$top/src/stats" -I"$top/src/tls" -I"$top/src/http" -I"$top/src/admin" \
    -I"$mbedtls/include" -I"$top/cmake/mbedtls" '-DMBEDTLS_USER_CONFIG_FILE="eve_mbedtls_config.h"' \
    -I"$top/src/app" -I"$top/service" -I"$build/src/base/generated" -I"$build/service/messages" \
    -I/usr/share/include/llhttp -I"$cjson" -I"$xcrypt/generated" "$f" || status=1
done
[ "$count" -gt 0 ] || { echo "lint.msvc_portable: no sources found" >&2; exit 1; }
[ "$status" -eq 0 ] && echo "ok: $count Windows sources are ISO C11 (no GNU extensions)"
exit $status
