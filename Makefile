# CivicDesk: `make run` starts the whole contact center with demo data on
# embedded defaults; `make test` runs every test, browser tests included.

GO ?= go
BIN := bin/civicdesk
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test test-go test-browser vet lint fmt bench fuzz clean

run: build
	./$(BIN) serve --demo

build:
	$(GO) build -o $(BIN) ./cmd/civicdesk

test: vet test-go test-browser

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

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 30s ./internal/httpx

clean:
	rm -rf bin data
