# parley — build, test and benchmark every module of the workspace.
SHELL := /bin/bash
# pkg/deploytest and the extraction benchmark are modules of their own, so
# their dependencies (compose-go with docker and logrus; go-domdistiller
# and the other extractors compared) stay out of the services' module graph.
MODULES := pkg services/parley services/fetcher services/parser services/indexer services/alerter pkg/deploytest pkg/extract/cmd/extractbench
GO ?= go
# Count-based, not time-based: a time-based -fuzztime can end in a spurious
# "context deadline exceeded" (golang/go#75804).
FUZZTIME ?= 3000x
BIN := bin

.PHONY: all build run test test-unit vet fuzz bench bench-fetch bench-extract train-extract bench-es bench-enrich bench-alerts bench-export bench-hostile es-up es-down clean screenshots

all: build

build:
	@mkdir -p $(BIN)
	cd services/parley && $(GO) build -o ../../$(BIN)/parley .
	cd services/fetcher && $(GO) build -o ../../$(BIN)/parley-fetcher .
	cd services/parser && $(GO) build -o ../../$(BIN)/parley-parser .
	cd services/indexer && $(GO) build -o ../../$(BIN)/parley-indexer .
	cd services/alerter && $(GO) build -o ../../$(BIN)/parley-alerter .

# run starts parley with the default feed list of real diplomatic sources.
run: build
	./$(BIN)/parley run --feeds deploy/feeds.txt

vet:
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done

# test is the project's test command (README, .ci/run): vet, the race-enabled
# tests of every module against an in-process nats-server and a real
# Elasticsearch (make es-up), then a short run of each fuzz target. When
# Elasticsearch cannot be started, CI (CI=true) fails at once: it must not
# pass without the integration tests; a user's own run goes on, saying
# loudly that those tests skip.
test: vet
	@url=$$(bash scripts/es.sh up 2>&1 | tee /dev/stderr | tail -n 1); \
	case "$$url" in http*) export PARLEY_TEST_ES_URL=$$url ;; \
	*) case "$${CI:-}" in true|TRUE|True|1|yes) \
		echo "make test: FAIL: Elasticsearch could not be started (es.sh said: $$url) and CI=$$CI: CI does not pass without the Elasticsearch integration tests" >&2; exit 1;; esac; \
	   skipped="WARNING: Elasticsearch could not be started (es.sh said: $$url): every Elasticsearch integration test SKIPS in this run (in CI, with CI=true, this fails)"; \
	   echo "make test: $$skipped" >&2;; esac; \
	for m in $(MODULES); do (cd $$m && $(GO) test -race -count=1 -timeout 30m ./...) || exit 1; done; \
	if [ -n "$${skipped:-}" ]; then echo "make test: $$skipped" >&2; fi
	$(MAKE) fuzz

fuzz:
	cd pkg && $(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./feed/
	cd pkg && $(GO) test -run '^$$' -fuzz '^FuzzExtract$$' -fuzztime $(FUZZTIME) ./extract/
	cd pkg && $(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./query/
	cd pkg && $(GO) test -run '^$$' -fuzz '^FuzzAnalyzeForms$$' -fuzztime $(FUZZTIME) ./query/
	cd pkg && $(GO) test -run '^$$' -fuzz '^FuzzEnrich$$' -fuzztime $(FUZZTIME) ./enrich/
	cd pkg && $(GO) test -run '^$$' -fuzz '^FuzzToken$$' -fuzztime $(FUZZTIME) ./bus/
	cd pkg && $(GO) test -run '^$$' -fuzz '^FuzzAssign$$' -fuzztime $(FUZZTIME) ./event/
	cd pkg && $(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./docdate/

# screenshots: the search page's views as the browser test sees them
# (headless Chromium), written to docs/screenshots for the README.
screenshots:
	cd pkg && PARLEY_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestSearchPageInBrowser$$' ./app/

# bench: end-to-end ingest throughput (local origin -> searchable) and peak memory.
bench:
	cd pkg && $(GO) test -run '^$$' -bench '^BenchmarkIngest' -benchtime 1x -timeout 30m ./app/

# bench-fetch: one fetcher against 100,000 generated feeds on 1,000 loopback
# addresses (a tenth busy) with the default politeness; prints polls/s,
# lateness, peak RSS and goroutines, per-host in flight and requests/s, and
# publish -> JetStream latency (sizes: BENCH_FETCH_FEEDS, BENCH_FETCH_HOSTS,
# BENCH_FETCH_START_SECONDS, BENCH_FETCH_SECONDS). Then the whole of parley
# run against 1,000 polled feeds and 20 WebSub feeds: publish -> searchable
# for polled and for pushed items (BENCH_SEARCHABLE_FEEDS,
# BENCH_SEARCHABLE_WARMUP_SECONDS, BENCH_SEARCHABLE_SECONDS).
bench-fetch:
	cd pkg && $(GO) test -run '^$$' -bench '^BenchmarkFetchScale' -benchtime 1x -timeout 40m ./fetcher/
	cd pkg && $(GO) test -run '^$$' -bench '^BenchmarkPublishToSearchable' -benchtime 1x -timeout 20m ./app/

bench-extract:
	cd pkg/extract/cmd/extractbench && $(GO) run . $(EXTRACTBENCH_FLAGS)

# train-extract: trains extraction's block model on ../shared/bench/extraction
# (the MIT-licensed 2019 set only) and writes pkg/extract/blockmodel.json.
train-extract:
	cd pkg/extract && PARLEY_EXTRACT_TRAIN=$(CURDIR)/pkg/extract/blockmodel.json $(GO) test -count=1 -run '^TestTrainBlockModel$$' -v .

# bench-es: 20,000 articles into the real Elasticsearch through the indexer
# stage, through the backend alone, and with a plain _bulk loader, in one
# run. BENCH_ES_SPLIT_CPUS=1 pins Elasticsearch to the last CPU and the
# benchmark (parley and its nats-server) to the others, as when
# Elasticsearch runs on nodes of its own.
bench-es:
	@url=$$(bash scripts/es.sh up | tail -n 1); pin=; pid=; \
	if [ "$(BENCH_ES_SPLIT_CPUS)" = 1 ]; then \
		last=$$(($$(nproc) - 1)); pid=$$(bash scripts/es.sh pid) || exit 1; \
		taskset -a -p -c $$last $$pid >/dev/null && pin="taskset -c 0-$$((last - 1))" || exit 1; \
		echo "bench-es: Elasticsearch pinned to CPU $$last, the benchmark to CPUs 0-$$((last - 1))"; \
	fi; \
	cd pkg && PARLEY_TEST_ES_URL=$$url $$pin $(GO) test -run '^$$' -bench '^BenchmarkBulk' -benchtime 1x -timeout 30m ./index/elastic/; st=$$?; \
	if [ -n "$$pid" ]; then taskset -a -p -c 0-$$last $$pid >/dev/null; fi; exit $$st

bench-enrich:
	cd pkg && $(GO) test -run '^$$' -bench . -benchmem ./enrich/... ./event/

# bench-export: exports of 2,000 and 20,000 matches through the HTTP API, peak server heap of
# each (embedded index; Elasticsearch too when PARLEY_TEST_ES_URL is set).
bench-export:
	cd pkg && $(GO) test -run '^$$' -bench '^BenchmarkExport' -benchtime 1x -timeout 30m ./api/

bench-alerts:
	cd pkg && $(GO) test -run '^$$' -bench '^BenchmarkAlerts' -benchtime 1x -timeout 30m ./alert/

# bench-hostile: peak memory of a parley process while 8 clients send the
# costliest queries the limits allow, and alert matching against the
# costliest rules (README, Security).
bench-hostile:
	cd pkg && $(GO) test -run '^$$' -bench '^BenchmarkHostileQueries$$' -benchtime 1x -timeout 30m ./app/
	cd pkg && $(GO) test -run '^$$' -bench '^BenchmarkHostileRules$$' -benchtime 20x ./alert/

es-up:
	@bash scripts/es.sh up

es-down:
	@bash scripts/es.sh down

clean:
	rm -rf $(BIN)
