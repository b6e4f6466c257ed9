# hubbub — see README.md. Every target works on a fresh Debian machine with Go.
SHELL := /bin/bash
GO ?= go
BIN := bin
SMOKE_PORT ?= 18765
# Execution counts, not durations: with a duration, Go 1.26's fuzz coordinator
# can fail a clean run with "context deadline exceeded" at the deadline
# (golang/go#75804, fixed in Go 1.27). A count has no deadline to race.
FUZZTIME ?= 50000x
# FuzzMachine runs whole logs of up to 2,000 entries per input: fewer inputs in the same time
FUZZTIME_MACHINE ?= 5000x
# Test packages get generous time on 2 cores under -race.
TEST_TIMEOUT ?= 15m

.PHONY: all run build test lint vet fmt-check vulncheck unit fuzz smoke soak bench loadtest deps clean

all: build

## run: serve on http://localhost:8080 with the embedded store, which keeps rooms in ./data
run:
	$(GO) run ./cmd/hubbub -addr :8080

## build: compile the server and the load-test harness into bin/
build:
	$(GO) build -o $(BIN)/hubbub ./cmd/hubbub
	$(GO) build -o $(BIN)/hubbub-load ./cmd/hubbub-load

## test: everything CI runs — lint, race tests with leak checks, a short fuzz, a load smoke run
test: deps lint unit fuzz smoke

## deps: check for (and, as root with apt-get, install) what the tests need beyond Go:
## redis-server (Redis-mode tests), chromium (browser tests in static/e2e),
## fonts-noto-cjk (Chinese text in the pages' screenshots), fonts-noto-color-emoji (reactions in colour)
## and nginx and haproxy (TestProxyNginx, TestProxyHAProxy: the examples in docs/deploy)
deps:
	@command -v $(GO) >/dev/null || { echo "Go is required: install Go 1.26 from go.dev/dl"; exit 1; }
	@missing=""; command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v "$${HUBBUB_CHROMIUM:-chromium}" >/dev/null || missing="$$missing chromium"; \
	{ command -v fc-list >/dev/null && fc-list :lang=zh-cn | grep -q .; } || missing="$$missing fonts-noto-cjk"; \
	{ command -v fc-list >/dev/null && fc-list | grep -qi "color emoji"; } || missing="$$missing fonts-noto-color-emoji"; \
	PATH="$$PATH:/usr/sbin:/sbin" command -v nginx >/dev/null || missing="$$missing nginx"; \
	PATH="$$PATH:/usr/sbin:/sbin" command -v haproxy >/dev/null || missing="$$missing haproxy"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "the tests need:$$missing — install with: sudo apt-get install$$missing"; \
			echo "(chromium may be any Chromium or Chrome binary named by HUBBUB_CHROMIUM)"; exit 1; \
		fi; \
	fi

## lint: go vet, a gofmt check and govulncheck
lint: vet fmt-check vulncheck

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## vulncheck: known vulnerabilities in the code's dependencies (govulncheck). Where the
## vulnerability database cannot be reached (no network but the module proxy) it says so and skips.
GOVULNCHECK ?= v1.9.0
vulncheck:
	@out=$$($(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK) ./... 2>&1); rc=$$?; \
	if [ $$rc -eq 0 ]; then echo "govulncheck: no known vulnerabilities reached"; \
	elif echo "$$out" | grep -q "fetching vulnerabilities"; then \
		echo "govulncheck skipped: the vulnerability database cannot be reached from this machine"; \
	else echo "$$out"; exit 1; fi

## unit: every package's tests with the race detector (goleak runs in each TestMain);
## this includes the 60-second soak (TestSoak in cmd/hubbub, see soak below)
unit:
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

## fuzz: a short run of the decoders' fuzz targets (commands, hello, pub/sub envelopes, log records) and of the rules
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeCommand$$' -fuzztime $(FUZZTIME) ./rooms/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeHello$$' -fuzztime $(FUZZTIME) ./rooms/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEnvelope$$' -fuzztime $(FUZZTIME) ./rooms/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRecord$$' -fuzztime $(FUZZTIME) ./rooms/
	$(GO) test -run '^$$' -fuzz '^FuzzMachine$$' -fuzztime $(FUZZTIME_MACHINE) ./rooms/

## smoke: start the server, drive it with the load harness for a few seconds, assert, stop it (SIGTERM)
smoke: build
	@set -u; data=$$(mktemp -d); \
	$(BIN)/hubbub -addr 127.0.0.1:$(SMOKE_PORT) -data $$data -log-level warn & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; rm -rf $$data' EXIT; \
	$(BIN)/hubbub-load -preset smoke -targets http://127.0.0.1:$(SMOKE_PORT) -wait 10s \
		-assert 'p99<250ms,loss=0,connect_failures=0'; rc=$$?; \
	kill -TERM $$pid; wait $$pid; src=$$?; trap - EXIT; rm -rf $$data; \
	if [ $$src -ne 0 ]; then echo "server exited with $$src after SIGTERM"; exit 1; fi; \
	exit $$rc

## soak: a mixed event (joins, drops, leaves, comments, reactions, questions, upvotes, ballots)
## for SOAK (default 30m) against two instances sharing one redis-server with AOF, all started
## on free loopback ports; fails when a server's RSS or goroutines or Redis used_memory keeps
## growing, or when anything acknowledged is missing from its room's export (docs/operations.md).
## SOAK=5m for a shorter one; SOAK_JSON=path writes the report with every sample.
SOAK ?= 30m
SOAK_JSON ?=
SOAK_TIMEOUT ?= 3h
soak:
	HUBBUB_SOAK=$(SOAK) HUBBUB_SOAK_JSON=$(SOAK_JSON) $(GO) test -race -count=1 -v -run '^TestSoak$$' \
		-timeout $(SOAK_TIMEOUT) ./cmd/hubbub/

## bench: in-process benchmarks (fan-out, memory per idle connection, store)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 20m ./hub/ ./rooms/...

## loadtest: the documented presets against a locally started server (see docs/loadtest.md)
PRESETS ?= storm audience event idle upvotes polls
loadtest: build
	@set -u; mkdir -p out; \
	for p in $(PRESETS); do \
		data=$$(mktemp -d); \
		$(BIN)/hubbub -addr 127.0.0.1:$(SMOKE_PORT) -data $$data -log-level warn & pid=$$!; \
		$(BIN)/hubbub-load -preset $$p -targets http://127.0.0.1:$(SMOKE_PORT) -wait 10s \
			-json out/loadtest-$$p.json -html out/loadtest-$$p.html; \
		kill -TERM $$pid; wait $$pid; rm -rf $$data; \
	done

clean:
	rm -rf $(BIN) out
