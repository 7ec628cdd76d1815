# sipslb build and test entry points. `make test` is what CI runs; on a
# fresh Debian machine with Go it installs the tools the tests use first
# (deps: needs root, or the tools already installed).
SHELL   := /bin/bash
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build test vet fmt-check unit race fuzz demo bench clean deps

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/sipslb .

deps:
	scripts/install-deps.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Every test, through scripts/testcheck: it prints the package results and
# the failures, and fails the run on a skip (as root nothing may skip; as
# another user only "not root: ..." may), so a missing tool can never pass.
unit: build
	$(GO) build -o bin/testcheck ./scripts/testcheck
	set -o pipefail; $(GO) test -count=1 -timeout 20m -json ./... | bin/testcheck

# Fuzz targets of hostile input, each for FUZZTIME beyond its committed
# seed corpus (testdata/fuzz; `go test` alone replays only the seeds).
# go test -fuzz takes one target per run. PACKAGE:TARGET
FUZZTIME ?= 15s
FUZZ_TARGETS ?= ./cli/ctl:FuzzProtocol ./cli/commands:FuzzQuotedValue ./slb/dataplane/inline:FuzzTranslate

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t##*:}\$$" -fuzztime $(FUZZTIME) $${t%%:*}; \
	done

# The race detector over the product's own packages. The e2e packages run
# the built binary, whose races show only in a -race build of it
# (SIPSLB_BIN=... built with go build -race -tags sipslbtest).
race:
	$(GO) test -race -count=1 -timeout 15m ./slb/... ./cli/... ./sys/...

test: deps fmt-check vet unit race fuzz

clean:
	rm -rf bin out

# The appliance image (docs/image.md). Only image/mk-rootfs.sh needs root
# (sudo is used when not root); test-image boots it under qemu.
IMAGE_OUT ?= out/image

.PHONY: image test-image image-deps

image-deps:
	image/install-deps.sh

image: image-deps build
	image/build.sh $(IMAGE_OUT) bin/sipslb

test-image: image
	image/test.sh $(IMAGE_OUT)

# Two SIPp servers behind a VIP on loopback, a few thousand calls, and the
# balancer's show output (installs sip-tester if missing: needs root).
demo:
	scripts/demo.sh

# Go benchmarks of the hot path (-benchmem), then sipslb against Kamailio
# (tlsf and qm allocators) and SIPp's own ceiling under SIPp on loopback:
# highest passing call rate, CPU-seconds per 10k calls (min/median/max) and
# time inside the balancer, all measured in the same run (bench/README.md).
# Installs sip-tester, kamailio, tcpdump and python3 with apt-get when
# missing (root). About 45 minutes; not part of `make test`. Results:
# /tmp/sipslb-bench/<date>/summary.md, also printed.
BENCH_PKGS ?= ./slb/sip ./slb/hash ./slb/dialog ./slb/dataplane/...

bench: build
	GO="$(GO)" BENCH_PKGS="$(BENCH_PKGS)" bench/bench.sh
