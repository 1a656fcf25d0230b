# Developer shortcuts. CI runs .ci/run, which runs the same checks as `make ci`.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# go.mod's toolchain line, for every go command below (an installed Go may default to
# GOTOOLCHAIN=local, which ignores the line); the go command downloads it through the module proxy.
export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)
GOBIN   := $(shell go env GOPATH)/bin
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build test test-race lint vuln ci bench bench-full bench-freshness demo image deploy-check clean

all: lint test-race

build: ## static binary in bin/, as the Dockerfile builds it
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/plutora-sync ./cmd/plutora-sync

test: ## the tests (PostgreSQL on 127.0.0.1:5432, or TEST_DATABASE_URL)
	go test ./...

test-race: ## the README's test command
	go test -race -count=1 ./...

lint: ## gofmt, go vet, staticcheck (pinned, as in .ci/run)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	go vet ./...
	$(GOBIN)/staticcheck -version 2>/dev/null | grep -q 0.8.2 && go version $(GOBIN)/staticcheck | grep -q ' $(GOTOOLCHAIN)$$' || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	$(GOBIN)/staticcheck ./...

vuln: ## govulncheck against vuln.go.dev (offline machines: .ci/run uses a pinned copy from the module proxy)
	$(GOBIN)/govulncheck -version 2>/dev/null | grep -q 1.9.0 && go version $(GOBIN)/govulncheck | grep -q ' $(GOTOOLCHAIN)$$' || go install golang.org/x/vuln/cmd/govulncheck@v1.9.0
	$(GOBIN)/govulncheck ./...

ci: ## what CI runs
	bash .ci/run

bench: ## the performance figures (short sizes; see docs/performance.md)
	go run ./cmd/plutora-bench

bench-full: ## the performance table at full size (200,000 records; takes minutes)
	PLUTORA_BENCH_FULL=1 go run ./cmd/plutora-bench

bench-freshness: ## a busy site: time until incremental, then lag and requests for 10 minutes (sandbox at -scale 10, churning from the start)
	go run ./cmd/plutora-bench -freshness

demo: ## the sandbox synced into the local PostgreSQL
	go run ./cmd/plutora-sync demo

image: ## container image (needs a Docker engine)
	docker build --build-arg VERSION=$(VERSION) -t plutora-sync:$(VERSION) .

deploy-check: ## the deploy/ tests: manifests, rules and dashboards parse and name real metrics
	go test ./deploy/

clean:
	rm -rf bin
