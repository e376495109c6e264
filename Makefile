# tmimport: chunked, concurrent imports into PostgreSQL/PostGIS.
# `make` (or `make help`) lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Tests only ever dial loopback, and testcontainers never starts its reaper (it would
# need an image pull; pgtest terminates its containers itself).
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export TESTCONTAINERS_RYUK_DISABLED=true
# Make a missing database (or ogr2ogr) a test failure, not a skip.
export TMIMPORT_REQUIRE_DB=1
# The integration tests build the CLI they run with -race too.
export TMIMPORT_CLI_RACE=1
# The PostGIS image used by tests and the demo; built offline by `make image`.
TMIMPORT_PG_IMAGE ?= tmimport/postgis:15
export TMIMPORT_PG_IMAGE

GO        ?= go
BIN       := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
UNIT_PKGS := ./pipeline/... ./stages/... ./geo/... ./cmd/...
DB_PKGS   := ./pgio/... ./integration_test/...
FUZZTIME  ?= 1m
BENCH_WORKLOADS ?= w1,w2,w3,w4,tm
FUZZTIME_SHORT ?= 20000x

.PHONY: help
help: ## show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

.PHONY: docker
docker: ## ensure a Docker daemon answers (installs Debian's docker.io and starts dockerd when root)
	@bash .ci/ensure-docker.sh

.PHONY: gdal
gdal: ## ensure ogr2ogr is installed (installs Debian's gdal-bin when root); make test requires it
	@bash .ci/ensure-gdal.sh

.PHONY: image
image: docker ## build the offline PostGIS test image $(TMIMPORT_PG_IMAGE) if it is missing (never pulls)
	@case "$(TMIMPORT_PG_IMAGE)" in \
	tmimport/*) bash .ci/postgis/build-image.sh "$(TMIMPORT_PG_IMAGE)" ;; \
	*) docker image inspect "$(TMIMPORT_PG_IMAGE)" >/dev/null 2>&1 || \
		{ echo "image $(TMIMPORT_PG_IMAGE) is missing; pull it yourself (make never pulls)"; exit 1; } ;; \
	esac

.PHONY: build
build: ## build the tmimport CLI into bin/
	$(GO) build -o $(BIN)/tmimport ./cmd/tmimport

.PHONY: test
test: image gdal test-unit test-integration test-matrix fuzz-short ## run every test: unit (-race), integration on PostGIS and on PostgreSQL 14-18, short fuzzing

.PHONY: test-unit
test-unit: ## unit tests with -race (no database)
	$(GO) test -race -count=1 $(UNIT_PKGS)

.PHONY: test-integration
test-integration: image gdal ## integration tests with -race (CLI too) against containerized PostGIS
	$(GO) test -race -count=1 -timeout 20m $(DB_PKGS)

.PHONY: test-matrix
test-matrix: ## integration tests that need no PostGIS on PostgreSQL 14-18 (npm binaries, PGMATRIX_MAJORS="17" for one)
	@GO=$(GO) bash .ci/pgmatrix.sh

.PHONY: fuzz-short
fuzz-short: ## run every fuzz target for $(FUZZTIME_SHORT) (an execution count: a short time budget can end mid-minimization)
	@FUZZTIME=$(FUZZTIME_SHORT) bash .ci/fuzz.sh

.PHONY: fuzz
fuzz: ## run every fuzz target for $(FUZZTIME) (FUZZTIME=10m make fuzz)
	@FUZZTIME=$(FUZZTIME) bash .ci/fuzz.sh

.PHONY: bench
bench: image ## run the benchmark workloads of BENCH.md (writes BENCHMARKS.md), then the Go micro-benchmarks
	$(GO) run ./testdata/bench -workloads $(BENCH_WORKLOADS) -reps 3
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...

.PHONY: demo
demo: image ## run the demo on a throwaway PostGIS container (removed afterwards)
	@bash .ci/demo.sh

.PHONY: lint
lint: $(BIN)/staticcheck ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(BIN)/staticcheck ./...

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: clean
clean: ## remove build output and caches (not the Docker image)
	rm -rf $(BIN) .bench
	$(GO) clean -testcache
