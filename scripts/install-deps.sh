#!/bin/sh
# Installs what building and testing eve needs, from Debian's packages.
# Each need is the command or file the build actually calls, paired with the
# Debian package that provides it: a package can be installed and still lack
# the command (wine64 without `wine`, say), so the check is on the command.
#
#   install-deps.sh [--check] GROUP...
#
# Groups:
#   run      the native build and `make run`: compiler, CMake, llhttp, cJSON,
#            libcrypt (bcrypt for basic auth), Mbed TLS (HTTPS)
#   test     everything `make test` runs: the Windows cross build and Wine,
#            the linters, fuzzers, valgrind, Prometheus and its Python
#            client (the strict OpenMetrics parser), PyYAML (the fleet
#            kit's tests read its YAML), Chromium, wrk,
#            systemd-analyze, the MSI tools, npm for the workflow linters,
#            perl with its modules (cpan stands for it: libxcrypt's header
#            scripts for the Windows build),
#            htpasswd (the basic auth tests' bcrypt hashes)
#            openssl (the TLS tests: certificates, s_client, s_server)
#   bench    the load generators' peers, the plot and perf (`make bench`;
#            perf: the HTTPS section's handshake profile)
#   package  the MSI (wixl)
# --check only lists what is missing (exit 1 if anything is). Installing
# needs root (make runs it as the user who typed make).
set -eu

check_only=0
[ "${1:-}" = "--check" ] && { check_only=1; shift; }

# "need package" pairs; a need with a / is a file, otherwise a command.
run="cmake:cmake make:make gcc:gcc /usr/include/stdio.h:libc6-dev
python3:python3 curl:curl
/usr/share/llhttp/llhttp.c:node-llhttp /usr/share/include/llhttp/llhttp.h:node-llhttp
/usr/include/cjson/cJSON.h:libcjson-dev /usr/include/crypt.h:libcrypt-dev
/usr/include/mbedtls/ssl.h:libmbedtls-dev"
test="$run cpan:perl htpasswd:apache2-utils
x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64 x86_64-w64-mingw32-windres:binutils-mingw-w64-x86-64
g++:g++ x86_64-w64-mingw32-g++:g++-mingw-w64-x86-64 pkg-config:pkgconf
x86_64-w64-mingw32-windmc:binutils-mingw-w64-x86-64
wine:wine wineserver:wine wineboot:wine /usr/lib/wine/wine64:wine64
dpkg-source:dpkg-dev
clang-tidy:clang-tidy clang:clang /usr/lib/x86_64-linux-gnu/libtsan.so.2:libtsan2
/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev
valgrind:valgrind prometheus:prometheus promtool:prometheus chromium:chromium wrk:wrk
/usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py:python3-prometheus-client
/usr/lib/python3/dist-packages/yaml/__init__.py:python3-yaml
prometheus-node-exporter:prometheus-node-exporter strace:strace openssl:openssl
systemd-analyze:systemd npm:npm node:nodejs
wixl:wixl msiinfo:msitools"
bench="$test nginx:nginx-light gnuplot:gnuplot-nox perf:linux-perf"
package="$run x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64
x86_64-w64-mingw32-windres:binutils-mingw-w64-x86-64 x86_64-w64-mingw32-windmc:binutils-mingw-w64-x86-64
dpkg-source:dpkg-dev cpan:perl wixl:wixl"

want=""
for group in "$@"; do
  case "$group" in
    run) want="$want $run" ;;
    test) want="$want $test" ;;
    bench) want="$want $bench" ;;
    package) want="$want $package" ;;
    *) echo "install-deps: unknown group $group" >&2; exit 2 ;;
  esac
done

present() {
  case "$1" in
    */*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing="" packages=""
for pair in $want; do
  need=${pair%:*} pkg=${pair##*:}
  present "$need" && continue
  case " $missing " in *" $need "*) continue ;; esac
  missing="$missing $need"
  case " $packages " in *" $pkg "*) ;; *) packages="$packages $pkg" ;; esac
done
[ -n "$missing" ] || exit 0

if [ "$check_only" = 1 ] || [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing$missing (from the packages$packages; run as root to install them)" >&2
  exit 1
fi
echo "install-deps: missing$missing; installing$packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $packages

# The fault this script exists to prevent: a package went in, yet what the
# build calls is still missing. Say so now, not halfway through the tests.
still=""
for pair in $want; do
  need=${pair%:*}
  present "$need" || still="$still $need"
done
if [ -n "$still" ]; then
  echo "install-deps: still missing after the install:$still" >&2
  exit 1
fi
