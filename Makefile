# SPDX-License-Identifier: Apache-2.0
# The two commands a newcomer needs:  `make demo` (main job) and `make test` (every test).
# Both install what they need first (scripts/bootstrap.sh; quick when already done).
.PHONY: all bootstrap build demo corpus backbone test test-quick fuzz-long bench wasm python clean help

all: build

help:
	@echo "make demo        run the main job on the built-in example data"
	@echo "make test        run every test (C++, sanitizers, fuzzers, Python, WebAssembly)"
	@echo "make test-quick  C++ unit tests only (the seconds-long loop)"
	@echo "make fuzz-long   every fuzzer for an hour, new coverage merged into tests/fuzz/corpus"
	@echo "make build       configure and build the dev preset (build/dev)"
	@echo "make corpus      synthesize the shipped model's 100k-clip training corpus (out/corpus-100k, resumable)"
	@echo "make backbone    assemble the backbone model (data/models/backbone) from Whisper tiny.en's pinned weights"
	@echo "make bench       benchmarks (bench/), prints markdown tables"
	@echo "make bootstrap   install apt packages, .venv and npm packages"

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake --preset dev >/dev/null && cmake --build --preset dev

demo: bootstrap
	@scripts/demo.sh

corpus: bootstrap
	@scripts/default-corpus.sh

backbone: build
	@scripts/backbone-model.sh assemble

test: bootstrap
	@scripts/test.sh

test-quick: build
	@ctest --preset dev -L unit

fuzz-long: bootstrap
	@FUZZ_GROW=1 tests/fuzz/run.sh 3600

bench: bootstrap
	@scripts/bench.sh

clean:
	rm -rf build out
