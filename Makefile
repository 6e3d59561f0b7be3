# The two commands README gives: `make run` and `make test`. Each installs
# what it lacks (as root, from Debian's packages) before it builds.
.PHONY: all deps deps-run build build-linux build-windows test test-linux test-windows run bench clean

all: build

# `make test` needs everything; `make run` only the native build.
deps:
	scripts/install-deps.sh test
	scripts/fetch-cjson-source.sh
	scripts/fetch-libxcrypt-source.sh
	scripts/fetch-mbedtls-source.sh

deps-run:
	scripts/install-deps.sh run

build: build-linux build-windows

build-linux:
	cmake --preset linux >/dev/null
	cmake --build --preset linux

build-windows:
	scripts/fetch-cjson-source.sh
	scripts/fetch-libxcrypt-source.sh
	scripts/fetch-mbedtls-source.sh
	cmake --preset windows >/dev/null
	cmake --build --preset windows

# Every suite runs even when one fails; the target fails if any did:
# native (epoll), Windows under Wine, native again under ASan + UBSan,
# and the fuzzers for 30 s each. First, each preset must list exactly the
# tests tests/expected/ names, so none goes missing with its tool. The Windows service and MSI tests run
# last, on a wineserver of their own: Wine 8's wineserver was seen to die
# under the parallel socket tests now and then, and the one that a later
# Wine program then starts is not persistent, so services.exe (and every
# service in it) would end with the last client.
PRESETS = linux windows linux-asan fuzz
test: deps build build-asan build-fuzz
	scripts/wine-prefix.sh
	@status=0; \
	scripts/check-tests.sh $(PRESETS) || status=1; \
	ctest --preset linux || status=1; \
	ctest --preset windows -LE "service|package" || status=1; \
	scripts/wine-prefix.sh --stop; scripts/wine-prefix.sh; \
	ctest --preset windows -L "service|package" || status=1; \
	ctest --preset linux-asan || status=1; \
	ctest --preset fuzz || status=1; \
	scripts/wine-prefix.sh --stop; \
	exit $$status

test-linux: deps build-linux
	ctest --preset linux

test-windows: deps build-windows
	scripts/wine-prefix.sh
	ctest --preset windows; status=$$?; scripts/wine-prefix.sh --stop; exit $$status

run: deps-run build-linux
	build/linux/src/app/eved run --config config/eved.json

clean:
	rm -rf build/linux build/windows

# ---- hardening (docs/hardening.md) ----
.PHONY: build-asan test-asan build-fuzz fuzz test-fuzz soak soak-linux soak-windows

# The whole native suite (poller, server, fault tests) under ASan + UBSan.
build-asan:
	cmake --preset linux-asan >/dev/null
	cmake --build --preset linux-asan

test-asan: deps build-asan
	ctest --preset linux-asan

build-fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz

# ctest's fuzz.* entries: each fuzzer for 30 s from its seed corpus.
test-fuzz: deps build-fuzz
	ctest --preset fuzz

# Each fuzzer for FUZZ_SECONDS (default 60), keeping what it finds in
# build/fuzz/corpus/<target>; a crash leaves its input in build/fuzz/crashes.
FUZZ_SECONDS ?= 60
fuzz: deps build-fuzz
	tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

# A benchmark, not a test: SOAK_MINUTES (default 10) of wrk and connection
# churn, natively and against eved.exe under Wine; see bench/soak.sh.
SOAK_MINUTES ?= 10
soak: soak-linux soak-windows

soak-linux: deps build-linux
	bench/soak.sh --minutes $(SOAK_MINUTES) build/linux/src/app/eved

soak-windows: deps build-windows
	scripts/wine-prefix.sh
	bench/soak.sh --minutes $(SOAK_MINUTES) --wrapper cmake/wine-run.sh build/windows/src/app/eved.exe; \
	status=$$?; scripts/wine-prefix.sh --stop; exit $$status

# Benchmarks (not tests): eved against nginx natively (plain and HTTPS), eved.exe's modes
# against a minimal WSAPoll loop under Wine, 10,000 idle connections, and
# the poller's own figures. Results in build/bench/results.md and a plot.
bench: deps build
	scripts/install-deps.sh bench
	scripts/wine-prefix.sh
	python3 bench/http/http_bench.py; status=$$?; scripts/wine-prefix.sh --stop; exit $$status

# ---- packaging (docs/packaging.md) ----
.PHONY: deps-package package

deps-package:
	scripts/install-deps.sh package
	scripts/fetch-cjson-source.sh
	scripts/fetch-libxcrypt-source.sh
	scripts/fetch-mbedtls-source.sh

# The Windows ZIP (CPack) and MSI (wixl) in build/windows/package/, both
# versioned from project(VERSION); `cmake --install build/linux` is the Linux
# side. A fresh clone needs nothing else.
package: deps-package build-windows
	cmake --build --preset windows --target package msi
	@ls -1 build/windows/package/*.zip build/windows/package/*.msi

# ---- mutation testing (docs/testing.md) ----
.PHONY: mutate

# Plants about 40 sampled bugs, area by area, in a scratch clone of the
# committed HEAD and reports how many the tests catch (MUTATE_SEED, default
# 1, picks the sample). 30 to 45 minutes; not part of `make test`.
mutate: deps build-linux
	nice -n 10 scripts/mutate.sh
