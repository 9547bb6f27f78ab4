# CivicDesk: `make run` starts the whole contact center with demo data on
# embedded defaults; `make test` runs every test, browser tests included.

GO ?= go
# Go 1.26.10 fixes standard-library vulnerabilities that govulncheck finds in
# 1.26.8 (net/http, crypto/tls, crypto/x509, html/template): build and test
# with it, fetched through the module proxy. GOTOOLCHAIN=local make … uses
# the installed Go instead.
export GOTOOLCHAIN ?= go1.26.10+auto
# JSON is most of what the hot path decodes and encodes. Go's jsonv2
# experiment (the default from Go 1.27) runs encoding/json on the new
# implementation: the same behaviour, about half the CPU and a fraction of
# the allocations (docs/benchmarks.md). Used when the toolchain knows it;
# GOEXPERIMENT= make … builds without it.
ifeq ($(origin GOEXPERIMENT),undefined)
GOEXPERIMENT := $(shell GOEXPERIMENT=jsonv2 $(GO) env GOEXPERIMENT 2>/dev/null)
endif
export GOEXPERIMENT
BIN := bin/civicdesk
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test test-go test-browser vet lint fmt bench fuzz fuzz-short vulncheck clean

run: build
	./$(BIN) serve --demo

build:
	$(GO) build -o $(BIN) ./cmd/civicdesk

test: vet test-go fuzz-short test-browser

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 -timeout 8m ./...

test-browser:
	bash tests/browser/run.sh

lint: vet
	$(GO) run $(STATICCHECK) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Every parser of outside input, one target at a time: 5 s each in `make
# test`, 30 s each (plus slow-to-build targets) in `make fuzz`.
fuzz-short:
	GO=$(GO) FUZZTIME=5s bash scripts/fuzz-short.sh

fuzz:
	GO=$(GO) FUZZTIME=30s FUZZ_ALL=1 bash scripts/fuzz-short.sh

# Known vulnerabilities in the code paths used; needs vuln.go.dev, so it is
# not part of `make test`.
vulncheck:
	GO=$(GO) bash scripts/vulncheck.sh

clean:
	rm -rf bin data
