# ruvector build.
#
#   make                              library (static + shared) and the CLI, in build/
#   make test                         build and run every test (and check-cycles)
#   make server-test                  `ruvector serve` driven by Qdrant's JS client, raw sockets, kill -9
#   make SANITIZE=address,undefined test
#   make SANITIZE=thread test         the same under a sanitizer, in build/san-*/
#   make wasm-test                    core + tests under emscripten and node (SIMD and plain)
#   make cross-test                   core + tests for arm64 (NEON) under qemu
#   make browser-test                 the browser build (web/) in headless Chromium
#   make pg-test                      the PostgreSQL 15 extension (pg/): pg_regress and TAP suites
#   make bench-pg                     the extension beside pgvector 0.8.6 (pg/README.md)
#   make browser-demo                 serve the browser demo on http://127.0.0.1:8080/examples/browser/
#   make hyper-test                   the hypergraph's C, CLI and Node tests (issue #18)
#   make bench-browser                the browser build against other browser vector libraries
#   make fuzz                         libFuzzer targets (every input surface), 45 s each
#   make fuzz-long [FUZZ_SECS=1800]   the same targets, FUZZ_SECS each; CPU-hours and findings
#   make powerloss                    power-loss simulator: every crash point, every mode
#   make demo                         the main job: SIFT (or generated) index, recall and QPS
#   make bench                        peers side by side (see bench/README.md)
#   make bench-server                 wrk against `ruvector serve` on SIFT 100k (server/README.md)
#   make clean
#
# SIMD kernels are selected at run time by CPUID; nothing here uses
# -march=native, so a binary built here runs on any x86-64.

CC      ?= cc
CXX     ?= c++
comma   := ,
SANITIZE ?=

ifeq ($(SANITIZE),)
BUILD   ?= build
OPT     ?= -O2
else
BUILD   ?= build/san-$(subst $(comma),-,$(SANITIZE))
OPT     ?= -O1
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
# Sanitizers slow code 5-20x; tests then use smaller data sets (the same
# checks, thresholds and code paths).
TEST_FLAGS := -DRV_TEST_SMALL=1
endif

CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L
CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -fPIC -pthread $(SANFLAGS)
LDFLAGS  += -pthread $(SANFLAGS)
LDLIBS   += -lm

# The core: platform -> kernels -> index -> collection -> public API.
CORE_DIRS := src/util src/platform src/kernels src/quant src/index src/text src/rank src/storage src/collection src/io
CORE_SRC  := $(foreach d,$(CORE_DIRS),$(wildcard $(d)/*.c)) src/ruvector.c
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)

CLI_SRC   := $(wildcard cli/*.c)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)

# The REST server (server/, issue #14): linked into the CLI (`ruvector
# serve`), over the public header, on libmicrohttpd.
SERVER_SRC := $(wildcard server/*.c)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o)
MHD_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS   := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
$(SERVER_OBJ): CPPFLAGS += $(MHD_CFLAGS)

TEST_SRC  := $(wildcard tests/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

LIB_A  := $(BUILD)/libruvector.a
LIB_SO := $(BUILD)/libruvector.so
CLI    := $(BUILD)/ruvector

.PHONY: all lib cli test test-c test-cli check-cycles deps clean wasm-test cross-test bench demo stress
all: lib cli
lib: $(LIB_A) $(LIB_SO)
cli: $(CLI)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_A): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(CORE_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(CLI): $(CLI_OBJ) $(SERVER_OBJ) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(SERVER_OBJ) $(LIB_A) $(MHD_LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/harness.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_FLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIB_A) $(LDFLAGS) $(LDLIBS)

# Every C test, then the CLI's end-to-end checks.
test-c: $(TEST_BIN) $(CLI)
	@BUILD=$(BUILD) sh tests/run_c_tests.sh $(TEST_BIN)

test-cli: $(CLI)
	@sh tests/test_cli.sh $(CLI)
	@sh tests/test_cli_db.sh $(CLI)
	@sh tests/test_cli_io.sh $(CLI)
	@sh tests/test_cli_hyper.sh $(CLI)
	@sh tests/test_breakit.sh $(CLI)
	@sh tests/test_cli_calib.sh $(CLI)
	@sh tests/test_cli_inspect.sh $(CLI)

deps:
	@sh scripts/install-deps.sh build test

# The hypergraph alone (issue #18): its C tests, CLI checks and Node tests.
# `make test` runs them all already (test-c, test-cli, node-test).
.PHONY: hyper-test
hyper-test: $(BUILD)/tests/test_hyper $(BUILD)/tests/test_hyper_durable $(CLI)
	@BUILD=$(BUILD) sh tests/run_c_tests.sh $(BUILD)/tests/test_hyper $(BUILD)/tests/test_hyper_durable
	@sh tests/test_cli_hyper.sh $(CLI)
	cd node && node --test test/hypergraph.test.js test/agentdb-causal-chain.test.js

# No two files call each other, directly or around a loop, and no include
# cycles (scripts/check-cycles.py: from the sources, in a second).
# node/src (the addon) and web/src (the browser shell) are held to the same rule.
CYCLE_DIRS ?= src cli server node/src web/src pg
check-cycles:
	@python3 scripts/check-cycles.py $(CYCLE_DIRS)

# `make test` is the whole suite: the packages it needs, the C tests, the
# CLI, the Node package, the core built for WebAssembly (SIMD and not) and
# arm64 (NEON) with the kernel and collection tests run there, and the
# browser build in headless Chromium. Under a sanitizer only the native
# tests run (the ports are other compilers).
ifeq ($(SANITIZE),)
test: deps
	$(MAKE) check-cycles test-c test-cli node-test server-test
	$(MAKE) wasm-test cross-test browser-test pg-test
else
test: check-cycles test-c test-cli
endif

# The Node.js package (node/, issues #6 and #7): `npm install` builds the
# addon with node-gyp from the core sources (incremental after the first
# build) and its one dependency, better-sqlite3 (optional; ruvector/agentdb
# needs it), both offline against the headers installed beside node
# (npm_config_nodedir), then its node --test suite runs (the differential
# tests install ruvector@0.3.2 and agentdb@1.6.1 into build/npm-peers/ and
# skip, saying so, only without a registry).
NODE_PREFIX = $(shell node -p "require('path').resolve(process.execPath, '..', '..')" 2>/dev/null)
.PHONY: node-test
node-test:
	cd node && npm_config_nodedir="$${npm_config_nodedir:-$(NODE_PREFIX)}" npm install --no-audit --no-fund && \
		node --expose-gc --test test/*.test.js

# The REST server (server/, issue #14): Qdrant's official JS client
# (pinned in server/test/package.json, installed from its lock file) drives
# `ruvector serve` through every endpoint on 10,000 points, checked against
# exact scans; then the raw-socket, key, limit and crash tests.
.PHONY: server-test
server-test: $(CLI)
	cd server/test && npm install --no-audit --no-fund --loglevel=error && \
		RUVECTOR_CLI=$(abspath $(CLI)) node --test --test-concurrency=1 *.test.js

# wrk against `ruvector serve` on SIFT 100k (server/bench/run.sh): QPS and
# p50/p99 at 1, 8 and 64 connections, the in-process ratio, overload.
.PHONY: bench-server
bench-server: $(CLI)
	sh server/bench/run.sh

# 10,000 kill -9 cycles (tests/test_crash.c runs 300 in every `make test`).
stress: $(BUILD)/tests/test_crash
	RV_CRASH_CYCLES=10000 $(BUILD)/tests/test_crash

# The power-loss simulator at every crash point of its workload in every
# mode (tests/test_powerloss.c; `make test` runs a sample), a few minutes.
.PHONY: powerloss
powerloss: $(BUILD)/tests/test_powerloss
	RV_POWERLOSS_ALL=1 $(BUILD)/tests/test_powerloss

# libFuzzer (clang, ASan + UBSan), one target per input surface (the list
# is in tests/fuzz/run.sh), each on a copy of its seed corpus. CI runs
# `make fuzz`: 45 s per target, eight targets, about 7 minutes with the build.
# `make fuzz-long` runs each for FUZZ_SECS (default 30 minutes) and goes on
# after a finding, then reports executions, CPU time and findings per target
# and the CPU-hours in all.
FUZZ_SECS ?= 1800
.PHONY: fuzz fuzz-long
fuzz:
	sh tests/fuzz/run.sh 45
fuzz-long:
	FUZZ_LONG=1 sh tests/fuzz/run.sh $(FUZZ_SECS)

wasm-test:
	sh scripts/wasm-test.sh

# The browser build (web/, issue #12): both WebAssembly builds, then its
# tests in headless Chromium (web/test/browser.test.js), which compare it
# with the native CLI (built here) and with the Node package (its addon,
# built as node-test builds it; incremental after the first time). The
# packages it needs (emscripten, chromium, playwright-core, esbuild) come
# from `sh scripts/install-deps.sh browser`.
# The PostgreSQL extension (pg/, issue #15): built with PGXS against
# pg_config's server, linked with $(LIB_A); its pg_regress suite and TAP
# tests run on temporary servers from a private install tree (never the
# system's clusters), as the postgres user when run as root.
.PHONY: pg pg-test bench-pg
pg: $(LIB_A)
	$(MAKE) -C pg
# Beside pgvector 0.8.6 built from ../shared/peers (pg/README.md).
bench-pg: pg
	sh pg/bench/run.sh

pg-test: pg
	sh pg/test/run.sh regress
	sh pg/test/run.sh tap

.PHONY: browser-test
browser-test: $(CLI)
	@sh scripts/install-deps.sh browser
	cd node && npm_config_nodedir="$${npm_config_nodedir:-$(NODE_PREFIX)}" npm install --no-audit --no-fund
	sh web/build.sh
	cd web && node --test test/browser.test.js

# The browser benchmark (web/bench/peers.js): ruvector's two builds against
# @ruvector/wasm, hnswlib-wasm, voy-search and EdgeVec (pinned in
# web/bench/peers/package.json, installed only here) in one Chromium run,
# on SIFT 100k and the 384-d word vectors (../shared/data, or generated);
# then the plot (python3-matplotlib). N_SIFT, N_WORDS, NQ shrink it.
.PHONY: bench-browser
bench-browser: $(CLI)
	@sh scripts/install-deps.sh browser
	@dpkg-query -W -f='$${Status}' python3-matplotlib 2>/dev/null | grep -q "install ok installed" || sh scripts/install-deps.sh bench
	@[ -f node/browser/dist/simd/ruvector.wasm ] && [ -f node/browser/dist/plain/ruvector.wasm ] || sh web/build.sh
	cd web/bench/peers && npm ci --no-audit --no-fund
	cd web && node bench/peers.js
	@PY=/usr/bin/python3; [ -x $$PY ] || PY=python3; $$PY web/bench/plot.py

# The browser demo (examples/browser/): builds what is missing, then serves
# the repository on http://127.0.0.1:8080/examples/browser/ until stopped.
.PHONY: browser-demo
browser-demo:
	@sh scripts/install-deps.sh browser
	@[ -f node/browser/dist/simd/ruvector.wasm ] && [ -f node/browser/dist/plain/ruvector.wasm ] || sh web/build.sh
	@sh examples/browser/prepare.sh
	node web/test/server.js 8080
cross-test: ; sh scripts/cross-test.sh

demo: all
	sh scripts/demo.sh

bench: all
	sh bench/run.sh

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SERVER_OBJ:.o=.d) $(TEST_BIN:=.d)
