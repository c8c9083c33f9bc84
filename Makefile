# lmsh: the two commands a new user needs are `make run` and `make test`.
# Both install the missing system packages (libedit, OpenBLAS, pkg-config) with apt first.

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHARED_DATA := ../shared/data

.PHONY: run test test-torch build release bench data link-data deps clean fuzz

## Install libedit-dev, libopenblas-dev and pkg-config when pkg-config cannot find them (and tmux, which
## the interactive tests drive lmsh in).
deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libedit openblas || ! command -v tmux >/dev/null 2>&1; then \
		echo "lmsh: installing libedit-dev libopenblas-dev pkg-config tmux with apt"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libedit-dev libopenblas-dev pkg-config tmux; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Start the interactive shell.
run: release link-data
	@.build/release/lmsh $(ARGS)

## Build and run every test. The end-to-end tests (examples in quick mode, README blocks, faults) run the
## release binary, as a user does; the unit tests run in the debug build.
test: deps link-data
	$(SWIFT) build -c release --product lmsh
	$(SWIFT) build --build-tests
	LMSH_BINARY=$(CURDIR)/.build/release/lmsh timeout 1500 $(SWIFT) test --skip-build

## The transformer's checkpoint loads into a nanoGPT-style GPT and gives the same log-probs to 1e-4 (issue 20;
## Tests/TorchInterop/check_transformer.py, which with --golden DIR also rewrites the golden pair of TransformerTests).
## The hand-off to PyTorch (issue 19): lmsh trains a 2x128 LSTM, exports it, the generated train.py continues it on
## one process and under torchrun on two (gloo), the losses are compared with lmsh's own, and lmsh imports the result.
## Uses $(TORCH_PYTHON) when set (a Python with torch and safetensors), else makes $(TORCH_VENV) and installs them
## with pip (CPU wheels); when that fails (no network) it says so and skips. `make test` needs no PyTorch.
TORCH_VENV ?= .venv-torch
TORCH_PIP_ARGS ?= --extra-index-url https://download.pytorch.org/whl/cpu
test-torch: deps link-data
	$(SWIFT) build -c release --product lmsh
	@py="$(TORCH_PYTHON)"; \
	if [ -z "$$py" ]; then \
		py="$(TORCH_VENV)/bin/python"; \
		if ! "$$py" -c "import torch, safetensors" >/dev/null 2>&1; then \
			echo "test-torch: installing torch and safetensors into $(TORCH_VENV)"; \
			{ python3 -m venv "$(TORCH_VENV)" && "$(TORCH_VENV)/bin/pip" install -q $(TORCH_PIP_ARGS) torch safetensors; } || \
				{ echo "test-torch: SKIPPED: could not install torch and safetensors from PyPI (offline?); set TORCH_PYTHON to a Python that has them"; exit 0; }; \
		fi; \
	fi; \
	"$$py" Tests/TorchInterop/check_handoff.py --lmsh .build/release/lmsh --corpus data/tinyshakespeare.txt && \
	"$$py" Tests/TorchInterop/check_transformer.py --lmsh .build/release/lmsh --corpus data/tinyshakespeare.txt

## Benchmarks (release build).
## The standard set of issue 6 ((a)-(e) and the sgemm limit); `bench/compare.sh` runs them beside PyTorch.
bench: release
	.build/release/lmsh bench --standard

## libFuzzer on the lexer, parser and evaluator (Linux only): the separate package in fuzz/ builds with
## -sanitize=fuzzer (linked with lld: gold fails on it) and runs for FUZZ_SECONDS on fuzz/corpus (seeded with
## the example scripts; new inputs are added there), going on after a crash. Crash reproducers go to
## fuzz/artifacts/ and make the target fail; copy each to fuzz/regressions/ with its fix, and the property
## test replays it on every `make test`.
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 1
fuzz: deps
	cd fuzz && $(SWIFT) build -c release --scratch-path ../.build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld --product lmsh-fuzz
	@mkdir -p fuzz/corpus fuzz/artifacts
	SWIFT_BACKTRACE=enable=no .build-fuzz/release/lmsh-fuzz fuzz/corpus -fork=$(FUZZ_JOBS) -ignore_crashes=1 -ignore_timeouts=1 \
		-max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=3072 -max_len=2048 -artifact_prefix=fuzz/artifacts/ -print_final_stats=1
	@if ls fuzz/artifacts/crash-* fuzz/artifacts/timeout-* >/dev/null 2>&1; then echo "lmsh-fuzz: reproducers in fuzz/artifacts/"; ls fuzz/artifacts; exit 1; fi

## Corpora under data/ (git-ignored): linked from ../shared/data when present, else downloaded.
data:
	@mkdir -p data
	@if [ -d "$(SHARED_DATA)" ]; then \
		for f in $(SHARED_DATA)/*.txt; do ln -sf "$$(cd "$$(dirname "$$f")" && pwd)/$$(basename "$$f")" data/; done; \
		echo "linked corpora from $(SHARED_DATA) into data/"; \
	else \
		bash scripts/fetch-corpora.sh data || echo "make data: some corpora are missing (see above); tests that need them skip"; \
	fi
	@ls -l data/

## Links ../shared/data/*.txt into data/ when that folder exists (never downloads, never fails): the
## examples and the shipped session read data/tinyshakespeare.txt and data/linux.txt.
link-data:
	@if [ -d "$(SHARED_DATA)" ]; then mkdir -p data; \
		for f in $(SHARED_DATA)/*.txt; do [ -e "data/$$(basename "$$f")" ] || ln -s "$$(cd "$$(dirname "$$f")" && pwd)/$$(basename "$$f")" data/; done; \
	fi

clean:
	rm -rf .build
