# The two commands README gives: `make run` and `make test`. Each installs
# what it lacks (as root, from Debian's packages) before it builds.
.PHONY: all deps deps-run build build-linux build-windows test test-linux test-windows run lint clean

all: build

deps:
	scripts/install-deps.sh base test
	scripts/fetch-cjson-source.sh

deps-run:
	scripts/install-deps.sh base

build: build-linux build-windows

build-linux:
	cmake --preset linux >/dev/null
	cmake --build --preset linux

build-windows:
	scripts/fetch-cjson-source.sh
	cmake --preset windows >/dev/null
	cmake --build --preset windows

# Both suites run even when the first fails; the target fails if either did.
test: deps build
	scripts/wine-prefix.sh
	@status=0; \
	ctest --preset linux || status=1; \
	ctest --preset windows || status=1; \
	scripts/wine-prefix.sh --stop; \
	exit $$status

test-linux: deps build-linux
	ctest --preset linux

test-windows: deps build-windows
	scripts/wine-prefix.sh
	ctest --preset windows; status=$$?; scripts/wine-prefix.sh --stop; exit $$status

run: deps-run build-linux
	build/linux/src/server/eved run --config config/eved.json

clean:
	rm -rf build/linux build/windows
