# Awda: run `make help` for the targets.
export GOTOOLCHAIN := go1.27.3
# SQLite's memory statistics take one process-wide lock on every allocation: with the
# read pool's eight connections busy, that lock was a fifth of a page's time
# (BenchmarkCaseListVsBare: 1,265 -> 1,631 req/s). Awda never reads those statistics.
# The query planner stability guarantee (QPSG) stops SQLite re-preparing a statement
# each time its parameters are bound: go-sqlite3 clears the bindings before every run,
# which expires any statement whose plan might depend on a bound value (a join on a
# case id, `active = ?`, `LIKE ?`), so the case file's query was compiled afresh on
# every request (BenchmarkCaseFile: 664 -> 407 us). Without statistics of values
# (no STAT4), the plans are the same.
export CGO_CFLAGS := -O2 -g -DSQLITE_DEFAULT_MEMSTATUS=0 -DSQLITE_ENABLE_QPSG -DSQLITE_DEFAULT_PCACHE_INITSZ=0
GO      ?= go
DB      ?= data/awda.db
ADDR    ?= 127.0.0.1:8080
PKGS    := ./...

.PHONY: help run build test test-sqlite test-postgres test-e2e screenshots axe generate fmt lint check bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-14s %s\n", $$1, $$2}'

run: build ## serve the portal at http://127.0.0.1:8080 with the demo data
	./bin/awda serve --demo --addr $(ADDR) --db $(DB)

build: ## build bin/awda
	$(GO) build -o bin/awda ./cmd/awda

test: test-sqlite test-postgres test-e2e ## run every test (SQLite, then PostgreSQL when TEST_DATABASE_URL is set, then in Chromium)

test-sqlite:
	$(GO) test -race -count=1 -timeout 30m $$($(GO) list $(PKGS) | grep -v '/e2e$$')

# The demo test loads the whole 2021 dataset through the stores; on PostgreSQL every
# write also runs the summary, home and search triggers at commit: allow it an hour.
test-postgres:
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the database tests again, on PostgreSQL"; \
		AWDA_TEST_DB=postgres $(GO) test -race -count=1 -timeout 60m ./models/... ./handlers/... ./cmd/...; \
	else \
		echo "PostgreSQL skipped: set TEST_DATABASE_URL=postgres://… to run the tests on PostgreSQL too"; \
	fi

generate: ## regenerate the templ views
	$(GO) tool templ generate

fmt: ## format Go and templ files
	gofmt -w $$(git ls-files '*.go')
	$(GO) tool templ fmt .

lint: ## vet, and check formatting
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt would rewrite the files above"; exit 1; }
	$(GO) tool templ fmt -fail .

check: generate lint test ## what CI runs: regenerate (and fail when stale), lint, test
	git diff --exit-code -- '*_templ.go'

bench: ## run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

CHROMIUM ?= /usr/lib/chromium/chromium
AXE_VERSION := 4.14.1

test-e2e: ## the browser tests: journeys, axe, no-JavaScript and page weights in headless Chromium
	@if [ -x "$(CHROMIUM)" ] || [ -n "$$AWDA_CHROMIUM" ] || command -v chromium >/dev/null; then \
		$(GO) test -count=1 -timeout 15m -parallel 4 ./e2e/; \
	else \
		echo "e2e: Chromium not found, browser tests skipped (apt-get install chromium)"; \
	fi

screenshots: ## screenshots of the pages in French and Arabic, on screen and in print, into screenshots/
	rm -rf screenshots && mkdir -p screenshots
	AWDA_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -count=1 -run 'TestScreenshots' -v ./e2e/
	@ls screenshots

axe: ## refresh e2e/testdata/axe.min.js from npm (axe-core $(AXE_VERSION)); the file is committed
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar xzf axe-core-$(AXE_VERSION).tgz && \
		cp package/axe.min.js $(CURDIR)/e2e/testdata/axe.min.js && cp package/LICENSE $(CURDIR)/e2e/testdata/AXE-LICENSE && rm -rf $$tmp
	@head -c 20 e2e/testdata/axe.min.js; echo
# Load: a fresh portal (SQLite in a temporary folder, or LOAD_DB=postgres://…) under
# LOAD_USERS signed-in users for LOAD_DURATION (LOAD_MIX: office, browse or writes); see cmd/awdaload.
LOAD_USERS    ?= 50
LOAD_DURATION ?= 60s
LOAD_RAMP     ?= 10s
LOAD_MIX      ?= office
LOAD_DB       ?=

.PHONY: load fuzz
load: build ## put a freshly started portal under load and check the database afterwards
	$(GO) build -o bin/awdaload ./cmd/awdaload
	./bin/awdaload --spawn bin/awda --users $(LOAD_USERS) --duration $(LOAD_DURATION) --ramp $(LOAD_RAMP) --mix $(LOAD_MIX) $(if $(LOAD_DB),--db '$(LOAD_DB)')

# Fuzzing: each target for FUZZTIME (corpora committed under testdata/fuzz/).
FUZZTIME ?= 10s
FUZZ_TARGETS := ./models:FuzzParseDate ./models:FuzzParseAmount ./models:FuzzNormalize ./models:FuzzImportFile ./models:FuzzDocumentFile \
	./handlers:FuzzLocalPath ./handlers:FuzzLoginForm ./handlers:FuzzPasswordForm ./handlers:FuzzCaseForm ./handlers:FuzzSupportForm
fuzz: ## run every fuzz target for FUZZTIME (default 10s each)
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $${t#*:} ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) $${t%%:*}; \
	done

# The demo dataset: the 2021 report's figures (×SCALE) in a new database.
SCALE ?= 1
.PHONY: demo
demo: build ## load the demo dataset (2021, ×SCALE) into a new database DB
	./bin/awda demo --scale $(SCALE) --db $(DB)

# Benchmarks on the demo dataset itself: the demo at each of BENCH_SCALES, built once
# through the stores (bin/awda demo) and cached as $TMPDIR/awda-bench-demo-N.db, then
# every page people use all day against a bare echo handler in the same run (32
# connections, BENCH_SECONDS per page in interleaved rounds), with one request alone.
# BENCH_POSTGRES (a PostgreSQL URL; psql needed) measures the same pages again on that
# server, whose awda_bench_demo_N databases are built the same way, once.
BENCH_SCALES   ?= 40 400
BENCH_SECONDS  ?= 5
BENCH_POSTGRES ?=
BENCH_TMP      := $(or $(TMPDIR),/tmp)
.PHONY: bench-scale
# The demo's output goes through grep (the accounts' passwords left out): pipefail keeps
# a failed or interrupted build from being renamed as complete. The PostgreSQL demo is
# vacuumed and analysed once loaded, as autovacuum would soon do on a server that runs it
# (the tallies are updated over a million times during the load; left as loaded, the
# homes' sums read four times the pages and took four to six times as long).
bench-scale: SHELL := /bin/bash
bench-scale: .SHELLFLAGS := -o pipefail -c
bench-scale: build ## build (once) the demo at scale 40 and 400 and measure the pages on it
	@set -e; for s in $(BENCH_SCALES); do \
		db=$(BENCH_TMP)/awda-bench-demo-$$s.db; \
		if [ ! -f $$db ]; then \
			echo "== building the demo at scale $$s into $$db (once)"; \
			rm -f $$db.part $$db.part-wal $$db.part-shm; \
			start=$$(date +%s); \
			./bin/awda demo --scale $$s --db $$db.part | grep -v '@awda.local'; \
			mv $$db.part $$db; \
			echo "== scale $$s built in $$(( $$(date +%s) - start )) s"; \
		fi; \
		if [ -n "$(BENCH_POSTGRES)" ] && [ -z "$$(psql "$(BENCH_POSTGRES)" -Atc "SELECT 1 FROM pg_database WHERE datname = 'awda_bench_demo_$$s'")" ]; then \
			echo "== building the demo at scale $$s into awda_bench_demo_$$s on PostgreSQL (once)"; \
			part=$$(echo "$(BENCH_POSTGRES)" | sed -E "s#^([a-z]+://[^/?]*)(/[^?]*)?#\\1/awda_bench_part_$$s#"); \
			psql "$(BENCH_POSTGRES)" -qc "DROP DATABASE IF EXISTS awda_bench_part_$$s" -c "CREATE DATABASE awda_bench_part_$$s"; \
			start=$$(date +%s); \
			./bin/awda demo --scale $$s --db "$$part" | grep -v '@awda.local'; \
			psql "$$part" -qc "VACUUM ANALYZE"; \
			psql "$(BENCH_POSTGRES)" -qc "ALTER DATABASE awda_bench_part_$$s RENAME TO awda_bench_demo_$$s"; \
			echo "== scale $$s built on PostgreSQL in $$(( $$(date +%s) - start )) s"; \
		fi; \
	done
	TMPDIR=$(BENCH_TMP) AWDA_BENCH_SCALES="$(BENCH_SCALES)" AWDA_BENCH_SECONDS=$(BENCH_SECONDS) AWDA_BENCH_POSTGRES="$(BENCH_POSTGRES)" \
		$(GO) test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -timeout 3h -v ./handlers/ | grep -v '^goos\|^goarch\|^pkg\|^cpu'
