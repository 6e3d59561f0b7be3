#!/bin/sh
# Mutation testing, area by area (docs/testing.md): ../shared/tools/mutate
# plants sampled bugs in a scratch clone of the committed HEAD and runs the
# tests that cover the area; a mutant the tests do not fail SURVIVED.
# A fixed seed and sample (64 mutants in all), so a run is repeatable;
# MUTATE_SEED picks another sample. About 30 to 45 minutes on two cores;
# not part of `make test`.
#
#   scripts/mutate.sh [AREA...]     areas: poller http admin config textfile tls jobs windows (default: all)
#
# Each area prints the tool's lines (KILLED/SURVIVED/STILLBORN per mutant)
# and its score line; the last lines repeat the scores. The Windows area
# builds with mingw-w64 and runs the poller contract suite under Wine, on
# this worktree's Wine prefix (started here, stopped at the end).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tool="${MUTATE_TOOL:-$top/../shared/tools/mutate}"
seed="${MUTATE_SEED:-1}"
[ -x "$tool" ] || { echo "mutate.sh: $tool not found (the shared tools folder beside the repository)" >&2; exit 1; }
[ $# -gt 0 ] || set -- poller http admin config textfile tls jobs windows

native_build='cmake --preset linux >/dev/null && cmake --build --preset linux --target %s >/dev/null'
# Deterministic suites only: a test that flakes under load would count as a
# kill. wrk and chromium measure nothing a mutant changes here and take long.
# A failed test runs once more (--repeat until-pass:2): on two cores shared
# with other work a timing margin can be missed once, which would count as a
# kill (or fail the unmutated tree); a mutant's failure repeats.
# The first failure settles a mutant (--stop-on-failure): one that hangs
# every test would otherwise cost each test's whole timeout.
# src/http/server_state.c's reload is driven over the admin channel.
server_tests='^((server|fault)\.native\.|admin\.native\.(reload|sighup_reload)$)'
server_skip='\.(wrk|dashboard_chromium)$'

results=$(mktemp)
trap 'rm -f "$results"' EXIT

area() {
  name=$1; shift
  echo "== mutate: $name (seed $seed)"
  out=$(mktemp)
  "$tool" --seed "$seed" "$@" | tee "$out"
  sed -n "s/^score: /$name: /p" "$out" >> "$results"
  rm -f "$out"
}

for a in "$@"; do
  case "$a" in
    poller)
      # Natively, under TSan, and under ASan/LSan: a mutant that leaks or
      # overruns changes nothing a plain test sees.
      area poller --count 8 \
        --build "$(printf "$native_build" 'poller_tests poller_tests_tsan') && cmake --preset linux-asan >/dev/null && cmake --build --preset linux-asan --target poller_tests >/dev/null" \
        --test "ctest --preset linux -j2 --stop-on-failure --repeat until-pass:2 -R '^poller\\.' --timeout 60 >/dev/null && ctest --preset linux-asan -j2 --stop-on-failure --repeat until-pass:2 -R '^poller\\.' --timeout 60 >/dev/null" \
        'src/poller/*.c' ;;
    http)
      area http --count 12 \
        --build "$(printf "$native_build" 'eved eved_test_hooks')" \
        --test "ctest --preset linux -j2 --stop-on-failure --repeat until-pass:2 -R '$server_tests' -E '$server_skip' --timeout 120 >/dev/null" \
        'src/http/*.c' 'src/stats/*.c' ;;
    admin)
      # Under ASan/LSan: each command builds and frees its answer, and a
      # leak there is invisible to the plain build.
      area admin --count 6 \
        --build "cmake --preset linux-asan >/dev/null && cmake --build --preset linux-asan --target eved >/dev/null" \
        --test "ctest --preset linux-asan -j2 --stop-on-failure --repeat until-pass:2 -R '^(admin\\.native\\.|fault\\.native\\.admin_)' --timeout 120 >/dev/null" \
        'src/admin/*.c' ;;
    config)
      area config --count 6 \
        --build "$(printf "$native_build" eved)" \
        --test "ctest --preset linux -j2 --stop-on-failure --repeat until-pass:2 -R '^(server\\.native\\.(cli_|config_defaults$)|admin\\.native\\.reload$)' --timeout 120 >/dev/null" \
        'src/base/config.c' ;;
    tls)
      # The TLS glue: the session on the socket, the credentials, the
      # reasons counted, the config's tls object.
      area tls --count 8 \
        --build "$(printf "$native_build" 'eved tls_session_unit')" \
        --test "ctest --preset linux -j2 --stop-on-failure --repeat until-pass:2 -R '^(server\\.native\\.tls_|tls\\.native\\.)' --timeout 180 >/dev/null" \
        'src/tls/session.c' 'src/tls/credentials.c' 'src/tls/tls.c' 'src/tls/reasons.c' 'src/base/config_tls.c' ;;
    textfile)
      # The one parser written here (the Prometheus text format has no C
      # library in Debian), and the collector that merges the files.
      area textfile --count 8 \
        --build "$(printf "$native_build" 'collect_unit textfile_unit eved')" \
        --test "ctest --preset linux -j2 --stop-on-failure --repeat until-pass:2 -R '^(collect\\.(textfile_|namespaces)|server\\.native\\.textfile_)' --timeout 120 >/dev/null" \
        'src/collect/textfile*.c' ;;
    jobs)
      # The job table the loop shares with worker threads: its own unit
      # tests, and basic auth, whose bcrypt verifier runs on it (the
      # certificate store's signer, its other user, is Windows-only).
      # Under ASan: a loop one slot too far writes past the table, which a
      # plain build does not see.
      area jobs --count 8 \
        --build "cmake --preset linux-asan >/dev/null && cmake --build --preset linux-asan --target jobs_unit eved >/dev/null" \
        --test "ctest --preset linux-asan -j2 --stop-on-failure --repeat until-pass:2 -R '^(collect\\.jobs_|server\\.native\\.auth_)' --timeout 120 >/dev/null" \
        'src/collect/jobs.c' ;;
    windows)
      # The scratch clone has no cJSON or libxcrypt source: it takes this
      # worktree's.
      scripts/fetch-cjson-source.sh >/dev/null
      scripts/fetch-libxcrypt-source.sh >/dev/null
      scripts/fetch-mbedtls-source.sh >/dev/null
      export EVE_WINEPREFIX="${EVE_WINEPREFIX:-$top/build/windows/wineprefix}"
      scripts/wine-prefix.sh
      area windows --count 8 --skip '' \
        --build "mkdir -p build/deps && rm -rf build/deps/cjson build/deps/libxcrypt build/deps/mbedtls && cp -r '$top/build/deps/cjson' '$top/build/deps/libxcrypt' '$top/build/deps/mbedtls' build/deps/ && cmake --preset windows >/dev/null && cmake --build --preset windows --target poller_tests >/dev/null" \
        --test "ctest --preset windows -j2 --stop-on-failure -R '^poller\\.' --timeout 120 >/dev/null" \
        'src/poller/win/*.c' || true
      scripts/wine-prefix.sh --stop ;;
    *) echo "mutate.sh: unknown area $a (poller http admin config textfile tls jobs windows)" >&2; exit 2 ;;
  esac
done
echo "== mutate: scores (seed $seed)"
cat "$results"
