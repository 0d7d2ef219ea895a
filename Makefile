# The user's interface. Everything below it is CMake + CTest.
#   make run    build and run the embedded default demo
#   make test   what CI runs: deps, generated-file check, build (ASan+UBSan), ctest
# See README.md for the rest.

SHELL      := /bin/bash
JOBS       ?= $(shell nproc)
BUILD_TEST := build/test
BUILD_REL  := build/rel
# Both builds also Verilate the 4-lane device: the tests run the scoreboard and the driver suite
# on it too (tests/system/CMakeLists.txt), espbench and make bench measure it.
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
CTEST_ARGS ?=
# make test ends with a short libFuzzer run on the IKE message parser (make fuzz: 60 s).
FUZZ_SECONDS ?= 30

# Debian packages the project needs (build, tests, interop peers, plots).
DEB_PKGS := build-essential cmake ninja-build ccache pkg-config python3 openssl \
            verilator yosys libssl-dev libgtest-dev libgmock-dev libpcap-dev \
            libexpected-dev nlohmann-json3-dev libcli11-dev libspdlog-dev \
            python3-cryptography-vectors linux-libc-dev \
            strongswan-charon strongswan-swanctl libcharon-extra-plugins \
            libstrongswan-standard-plugins \
            tshark tcpdump iproute2 iputils-ping clang libclang-rt-14-dev clang-format gnuplot-nox

.PHONY: all deps build test run bench syn lint fuzz gen check-gen format rtl-test clean

all: build

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	echo "deps: installing missing Debian packages: $$missing"; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "deps: not root. Run as root, or: sudo apt-get install $$missing" >&2; exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing

gen:
	python3 hw/regtool.py hw/regmap.toml hw/gen

# Fails when hw/gen is stale with respect to hw/regmap.toml or hw/regtool.py.
check-gen:
	python3 hw/regtool.py --check hw/regmap.toml hw/gen

$(BUILD_TEST)/build.ninja $(BUILD_TEST)/Makefile:
	cmake -S . -B $(BUILD_TEST) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIPSEC_SANITIZE=ON \
	  -DIPSEC_EXTRA_LANES=4

$(BUILD_REL)/build.ninja $(BUILD_REL)/Makefile:
	cmake -S . -B $(BUILD_REL) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DIPSEC_EXTRA_LANES=4

build: deps $(BUILD_REL)/$(if $(CMAKE_GEN),build.ninja,Makefile)
	cmake --build $(BUILD_REL) -j $(JOBS)

test: deps check-gen $(BUILD_TEST)/$(if $(CMAKE_GEN),build.ninja,Makefile)
	cmake -S . -B $(BUILD_TEST) -DIPSEC_EXTRA_LANES=4 >/dev/null
	cmake --build $(BUILD_TEST) -j $(JOBS)
	cd $(BUILD_TEST) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
	bash tools/fuzz.sh $(FUZZ_SECONDS)

run: build
	bash tools/demo.sh $(BUILD_REL)

# A build configured before IPSEC_EXTRA_LANES existed gets the 4-lane device here (and in test).
# yosys synthesis of esp_gcm (cell counts, logic depth) takes longer than every other benchmark
# together (tens of minutes in ABC on 2 cores): `make syn`, or `make bench SYN=1` for both.
SYN ?= 0
bench: deps $(BUILD_REL)/$(if $(CMAKE_GEN),build.ninja,Makefile)
	cmake -S . -B $(BUILD_REL) -DIPSEC_EXTRA_LANES=4 >/dev/null
	cmake --build $(BUILD_REL) -j $(JOBS)
	IPSEC_BENCH_SYN=$(SYN) bash tools/bench.sh $(BUILD_REL)

syn: deps
	bash tools/rtl_syn.sh build/rtl_syn

rtl-test: build
	cd $(BUILD_REL) && ctest --output-on-failure -R '$(M)'

lint: deps
	bash tools/lint.sh

fuzz: deps
	bash tools/fuzz.sh

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
