# fido — the two front-door commands are `make demo` and `make test`.
# Both install what is missing (Debian packages, a Python venv with SecantusDB),
# start local servers on free ports (`make test`: one per shard, scripts/test.sh),
# and stop only the processes they started.
# `make server` starts one that stays up, where fido looks by default
# (127.0.0.1:27017); `make server-stop` stops it.

SHELL := /bin/bash
PREFIX ?= /usr/local
VENV := .venv
SECANTUS_VERSION := 0.7.0b3
APT_PACKAGES := libmongoc-dev libcurl4-openssl-dev libssl-dev pkg-config mandoc zsh fish time python3-venv openssl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_DIR := .fido-data/demo
TEST_DIR := .fido-test-data
# `make server`: its data lives here across restarts (git-ignored, kept by `make clean`).
SERVER_DIR := .fido-data/server
# The port of fido's default URI (Config.defaultURI, mongodb://127.0.0.1:27017).
SERVER_PORT := 27017
# apt and pip write here, not on the terminal.
SETUP_LOG := .build/setup.log

.PHONY: all deps venv build release demo test unit sanitize install uninstall bench bench-full docs format clean server server-stop

# $(call quietly,WHAT,COMMANDS): one line on the terminal, the output in $(SETUP_LOG),
# and on failure the log's path and its last lines.
quietly = mkdir -p $(dir $(SETUP_LOG)); echo "$(1) (output in $(SETUP_LOG))"; \
  echo "=== $$(date -u '+%F %T') UTC: $(1)" >>$(SETUP_LOG); \
  { $(2); } >>$(SETUP_LOG) 2>&1 || { \
    echo "$(1) failed; see $(CURDIR)/$(SETUP_LOG), which ends:" >&2; \
    tail -n 20 $(SETUP_LOG) | sed 's/^/  /' >&2; exit 1; }

all: build

deps: .deps.stamp
.deps.stamp:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  $(call quietly,installing Debian packages:$$missing,$(SUDO) apt-get update && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $$missing); \
	fi
	@touch $@

venv: $(VENV)/.stamp
$(VENV)/.stamp:
	@$(call quietly,creating the Python venv $(VENV) with SecantusDB $(SECANTUS_VERSION),python3 -m venv $(VENV) && \
	  $(VENV)/bin/pip install --disable-pip-version-check secantusdb==$(SECANTUS_VERSION))
	@touch $@

build: deps
	swift build

# The Swift runtime linked statically: fewer libraries to load at each start. When the
# toolchain has lld and glibc is 2.36 or later, relative relocations are packed (DT_RELR):
# the loader applies fido's 29,000 of them from 5 KB instead of reading 650 KB, which
# takes 0.4-0.9 ms off every run (bench/out/results.md) and keeps the binary position-
# independent (ASLR), unlike linking it -no-pie, which saves as much.
RELR := $(shell d=$$(dirname "$$(readlink -f "$$(command -v swift)")"); \
  v=$$(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //'); \
  [ -x "$$d/ld.lld" ] && printf '%s\n' 2.36 "$$v" | sort -C -V && echo yes)
RELEASE_FLAGS := -c release --static-swift-stdlib \
  $(if $(RELR),-Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs)
export RELEASE_FLAGS
RELEASE := swift build $(RELEASE_FLAGS)

release: deps
	$(RELEASE)

# Walkthrough against a fresh local server; the server is stopped afterwards.
# scripts/demo.sh ends by saying how to keep going (make server, make install).
demo: deps venv release
	@rm -rf $(DEMO_DIR); scripts/server.sh start $(DEMO_DIR)
	@trap 'scripts/server.sh stop $(DEMO_DIR)' EXIT; \
	  FIDO=$$($(RELEASE) --show-bin-path)/fido MONGO_URI=$$(scripts/server.sh uri $(DEMO_DIR)) \
	  scripts/demo.sh

# The whole suite (unit and integration tests), in shards run at once, each against
# its own fresh server started with test commands (fail points); see scripts/test.sh.
test: deps venv
	swift build --build-tests
	@scripts/test.sh $(TEST_DIR) $(CURDIR)/$(VENV)/bin/python

# A local SecantusDB that stays up: one-node replica set (transactions work), no test
# commands, on 127.0.0.1:$(SERVER_PORT) when that port is free, else on a free port (it
# prints the MONGO_URI to export). Run twice, it reports the one already running.
server: deps venv
	@scripts/server.sh serve $(SERVER_DIR) $(SERVER_PORT)

# Stops the server `make server` started, and only that process; the data stays.
server-stop:
	@scripts/server.sh stop $(SERVER_DIR) --report

# Unit tests only (no server).
unit: deps
	swift test --filter 'FidoCoreTests|fidoTests'

# The unit tests under AddressSanitizer and ThreadSanitizer, then the whole suite
# against an ASan-built fido (its own build folders; not part of `make test`).
# Leak reports are off: the leaks ASan reports here are in the toolchain's XCTest
# and Foundation (Process, weak references), not in fido.
SANITIZE_UNIT := --filter 'FidoCoreTests|fidoTests'
sanitize: deps venv
	ASAN_OPTIONS=detect_leaks=0 swift test --sanitize=address --build-path .build-asan $(SANITIZE_UNIT)
	swift test --sanitize=thread --build-path .build-tsan $(SANITIZE_UNIT)
	@run=$(TEST_DIR)/san-$$$$; rm -rf $$run; scripts/server.sh start $$run --test; \
	  trap 'scripts/server.sh stop '$$run'; rm -rf '$$run EXIT; \
	  ASAN_OPTIONS=detect_leaks=0 FIDO_TEST_URI=$$(scripts/server.sh uri $$run) \
	  FIDO_BIN=$$(swift build --sanitize=address --build-path .build-asan --show-bin-path)/fido \
	  FIDO_TEST_PYTHON=$(CURDIR)/$(VENV)/bin/python \
	  swift test --sanitize=address --build-path .build-asan --disable-swift-testing \
	    --filter IntegrationTests

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $$($(RELEASE) --show-bin-path)/fido $(DESTDIR)$(PREFIX)/bin/fido
	install -m 644 man/fido.1 $(DESTDIR)$(PREFIX)/share/man/man1/fido.1
	install -m 644 completions/fido.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/fido
	install -m 644 completions/_fido $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_fido
	install -m 644 completions/fido.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/fido.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/fido $(DESTDIR)$(PREFIX)/share/man/man1/fido.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/fido \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_fido \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/fido.fish

# Regenerate completions/ and man/fido.1 from the command table.
docs: deps
	FIDO_RECORD_SNAPSHOTS=1 swift test --filter fidoTests || true
	swift test --filter fidoTests

# make bench: every figure, curves to 10^4 (about 12 minutes here).
# make bench-full: the curves' 10^5 points too (import and migration of
# 100,000 transactions: about 25 minutes on SecantusDB).
bench: deps venv release
	bench/run.sh

bench-full: deps venv release
	BENCH_CURVE_IMPORT=$${BENCH_CURVE_IMPORT:-1000,10000,100000} \
	BENCH_CURVE_MIGRATE=$${BENCH_CURVE_MIGRATE:-1000,10000,100000} bench/run.sh

format:
	swift format -i -r Sources Tests

# Keeps $(SERVER_DIR): `make server`'s data is the user's, not a build product.
clean:
	rm -rf .build $(TEST_DIR) $(DEMO_DIR) .deps.stamp
