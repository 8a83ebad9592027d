# Ohjaamo. `make run` and `make test` are all a new machine needs: Go fetches
# the modules and the pinned tools (buf, protoc-gen-go, protoc-gen-connect-go
# are `tool` lines in go.mod, run with `go tool`).

GO       ?= go
# go-sqlite3 is cgo; FTS5 is needed by the full-text search.
TAGS     := sqlite_fts5
export CGO_ENABLED := 1
DATA     ?= ./data
LISTEN   ?= 127.0.0.1:8080
BIN      := bin/ohjaamo
# buf breaking compares the protos with the commit that first added them:
# stored events must stay readable forever, so nothing may break since then.
# Override to compare with a branch: make breaking BREAKING_AGAINST='.git#branch=main'
PROTO_BASE := $(shell git log --diff-filter=A --format=%H -- proto 2>/dev/null | tail -1)
BREAKING_AGAINST ?= .git\#ref=$(PROTO_BASE)

.PHONY: all build run test test-short generate check-generated lint breaking bench fuzz clean

all: build

build:
	$(GO) build -tags '$(TAGS)' -o $(BIN) ./cmd/ohjaamo

## run: build and start the server with an embedded NATS server; demo data on first start
run: build
	./$(BIN) serve --data $(DATA) --listen $(LISTEN)

## test: vet, every test with the race detector (real JetStream, real SQLite; the fuzzers' seed
## corpora included), then each fuzzer for 3000 inputs: a count, not a duration, because Go 1.26's
## fuzzing coordinator can fail a run at a -fuzztime deadline with "context deadline exceeded"
## (golang/go#75804, fixed in Go 1.27)
test:
	$(GO) vet -tags '$(TAGS)' ./...
	$(GO) test -tags '$(TAGS)' -race -count=1 -timeout 12m ./...
	$(MAKE) fuzz FUZZTIME=3000x

test-short:
	$(GO) test -tags '$(TAGS)' -count=1 ./...

## generate: regenerate internal/gen from proto/ (reproducible; CI checks it)
generate:
	$(GO) tool buf generate

## check-generated: fail when internal/gen differs from what `make generate` makes
check-generated: generate
	@git add -N internal/gen >/dev/null 2>&1 || true
	@git diff --exit-code --stat -- internal/gen || { echo "internal/gen is not what 'make generate' produces: run make generate and commit"; exit 1; }

## lint: buf lint, buf breaking against main, go vet, gofmt
lint:
	$(GO) tool buf lint
	$(GO) tool buf format --diff --exit-code
	$(MAKE) breaking
	$(GO) vet -tags '$(TAGS)' ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '^internal/gen/'))" || { gofmt -l $$(git ls-files '*.go' | grep -v '^internal/gen/'); echo "gofmt needed"; exit 1; }

## breaking: buf breaking against $(BREAKING_AGAINST)
breaking:
	@if [ -n "$(PROTO_BASE)" ]; then $(GO) tool buf breaking --against '$(BREAKING_AGAINST)' && echo "buf breaking: no breaking change since $(PROTO_BASE)"; \
	else echo "buf breaking: no committed protos yet"; fi

## bench: throughput ratios against raw JetStream and raw SQLite, measured in the same run
bench:
	$(GO) run -tags '$(TAGS)' ./cmd/ohjaamo-bench

## fuzz: run each fuzzer for FUZZTIME (a duration, or a count like 3000x as make test does)
FUZZTIME ?= 60s
fuzz:
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzIdentityCode$$' -fuzztime $(FUZZTIME) ./internal/domain
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/eventstore
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzUpcast$$' -fuzztime $(FUZZTIME) ./internal/eventstore
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzWebhookURL$$' -fuzztime $(FUZZTIME) ./internal/domain
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzFeedPath$$' -fuzztime $(FUZZTIME) ./internal/api
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzRequests$$' -fuzztime $(FUZZTIME) ./internal/api

clean:
	rm -rf bin
