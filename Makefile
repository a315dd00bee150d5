# Everything runs in a virtual environment this Makefile creates: a fresh machine
# needs only python3 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-simulator

.DEFAULT_GOAL := help
BENCH_STAMP := $(VENV)/.installed-bench
LATEST ?= .venv-latest
.PHONY: help demo test test-latest bench docs matrix lint typecheck pytest venv clean system-deps

help:
	@echo "make demo   - a scripted agent against the local simulator (creates $(VENV))"
	@echo "make test   - ruff, mypy --strict, the whole suite on httpx, aiohttp, pyreqwest, docs, test-latest"
	@echo "make test-latest - the compatibility tests on the newest release of every dependency"
	@echo "make docs   - the documentation site, built strictly into site/"
	@echo "make bench  - the benchmarks: load against raw httpx, httpx2, aiohttp and pyreqwest; parsing, idle sessions"
	@echo "make matrix - the test suite on Python 3.10, 3.11, 3.12 and 3.13 (tox)"
	@echo "make lint   - ruff check and ruff format --check"
	@echo "make typecheck / make pytest - mypy --strict / the test suite alone"
	@echo "make venv   - create $(VENV) with the dev extra"
	@echo "make system-deps - the programs the tests run that pip cannot install (redis-server)"
	@echo "make clean  - remove $(VENV) and caches"

# Creates $(VENV) if needed and installs the project with one extra; the stamp
# (the target) says it is done for this pyproject.toml.
define install
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[$(1)]'
	@touch $@
endef

$(STAMP): pyproject.toml
	$(call install,dev)

venv: $(STAMP)

# The demo needs only the simulator extra; a dev install includes it.
$(DEMO_STAMP): pyproject.toml
	$(call install,simulator)

demo: $(DEMO_STAMP)
	$(BIN)/agentchat demo

# The benchmarks need the bench extra (aiohttp, matplotlib); a dev install includes it.
$(BENCH_STAMP): pyproject.toml
	$(call install,bench)

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Programs the tests start that pip cannot install: redis-server (tests/redis_server.py
# runs one on a free 127.0.0.1 port; the tests never use a system service on 6379).
# Installed with apt-get where missing, as root or through sudo; where that cannot
# be done it fails, naming what to install: the tests that need it never skip.
system-deps:
	@command -v redis-server >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then sudo=; \
		elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
		else echo "make system-deps: redis-server is missing, and installing it needs root or sudo:" \
			"install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)" >&2; \
			exit 1; fi; \
		if ! command -v apt-get >/dev/null 2>&1; then \
			echo "make system-deps: redis-server is missing and there is no apt-get:" \
			"install redis-server with this system's package manager (macOS: brew install redis)" >&2; \
			exit 1; fi; \
		echo "make system-deps: installing redis-server with apt-get"; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	}
	@redis-server --version

# The whole suite on the default transport (httpx; asyncio and trio), then again
# on the aiohttp transport and on the pyreqwest one (asyncio only; see
# tests/conftest.py). pyreqwest has wheels for Python 3.11 and newer only.
HAS_PYREQWEST = $(BIN)/python -c "import pyreqwest" 2>/dev/null
NO_PYREQWEST = echo "(no pyreqwest on this Python, 3.11+ only: its run is skipped)"

pytest: $(STAMP) system-deps
	$(BIN)/python -m pytest -W error
	AGENTCHAT_TRANSPORT=aiohttp $(BIN)/python -m pytest -W error
	if $(HAS_PYREQWEST); then AGENTCHAT_TRANSPORT=pyreqwest $(BIN)/python -m pytest -W error; \
	else $(NO_PYREQWEST); fi

# The documentation site (mkdocs.yml), strictly: a broken link or reference fails.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint typecheck pytest docs test-latest

# The newest release of every dependency, past the upper bounds of pyproject.toml,
# in a venv of its own: the tests of every private touch (_compat.py) and of the
# wires, pools and converters that rely on them. A new release that breaks one is
# met here by a red test, not by a user.
LATEST_DEPS := anyio attrs cattrs httpcore httpx aiohttp yarl brotli zstandard \
	opentelemetry-api opentelemetry-sdk opentelemetry-instrumentation-httpx \
	opentelemetry-instrumentation-aiohttp-client redis \
	$(if $(shell $(PYTHON) -c "import sys; print(sys.version_info >= (3, 11) or '')"),pyreqwest)
LATEST_TESTS := tests/test_compat.py tests/test_wires.py tests/test_bounds.py \
	tests/test_httpx_pool.py tests/test_converters.py tests/test_pipeline.py tests/test_retry.py \
	tests/test_telemetry.py tests/test_proxies.py tests/test_pyreqwest.py tests/test_fleet_store.py

test-latest: system-deps
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@echo "(pip may report that these releases are past agentchat-client's bounds: that is the point)"
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade $(LATEST_DEPS)
	$(LATEST)/bin/python -m pip list --disable-pip-version-check 2>/dev/null \
		| grep -iE '^(anyio|attrs|cattrs|httpcore|httpx|aiohttp|redis|pyreqwest) '
	$(LATEST)/bin/python -m pytest -W error -q $(LATEST_TESTS)
	AGENTCHAT_TRANSPORT=aiohttp $(LATEST)/bin/python -m pytest -W error -q $(LATEST_TESTS)
	if $(LATEST)/bin/python -c "import pyreqwest" 2>/dev/null; then \
		AGENTCHAT_TRANSPORT=pyreqwest $(LATEST)/bin/python -m pytest -W error -q $(LATEST_TESTS); \
	else $(NO_PYREQWEST); fi

# Every Python 3.10-3.13 that pyenv has goes first on PATH, so tox finds them.
PYENV_BINS ?= $(shell root=$$(pyenv root 2>/dev/null) && pyenv versions --bare 2>/dev/null \
	| grep -E '^3\.1[0-3]\.[0-9]+$$' | sed "s|^|$$root/versions/|; s|$$|/bin|" | tr '\n' ':')

matrix: $(STAMP) system-deps
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'tox>=4.11'
	PATH="$(PYENV_BINS)$$PATH" $(BIN)/tox run-parallel --parallel 2 --parallel-no-spinner

clean:
	rm -rf $(VENV) $(LATEST) .tox .mypy_cache .ruff_cache .pytest_cache .hypothesis site
