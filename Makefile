# lmsh: the two commands a new user needs are `make run` and `make test`.
# Both install the missing system packages (libedit, OpenBLAS, pkg-config) with apt first.

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHARED_DATA := ../shared/data
SHAKESPEARE_URL := https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt

.PHONY: run test build release bench data deps clean

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
run: release
	@.build/release/lmsh $(ARGS)

## Build and run every test.
test: deps
	$(SWIFT) build --build-tests
	timeout 1500 $(SWIFT) test --skip-build

## Benchmarks (release build).
bench: release
	.build/release/lmsh-bench

## Corpora under data/ (git-ignored): linked from ../shared/data when present, else downloaded.
data:
	@mkdir -p data
	@if [ -d "$(SHARED_DATA)" ]; then \
		for f in $(SHARED_DATA)/*.txt; do ln -sf "$$(cd "$$(dirname "$$f")" && pwd)/$$(basename "$$f")" data/; done; \
		echo "linked corpora from $(SHARED_DATA) into data/"; \
	elif [ ! -f data/tinyshakespeare.txt ]; then \
		curl -fsSL -o data/tinyshakespeare.txt "$(SHAKESPEARE_URL)" && echo "downloaded data/tinyshakespeare.txt"; \
	fi
	@ls -l data/

clean:
	rm -rf .build
