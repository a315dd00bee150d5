# Everything runs in a virtual environment this Makefile creates: a fresh machine
# needs only python3 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-simulator

.DEFAULT_GOAL := help
.PHONY: help demo test lint typecheck pytest venv clean

help:
	@echo "make demo   - a scripted agent against the local simulator (creates $(VENV))"
	@echo "make test   - ruff, mypy --strict and the whole test suite (creates $(VENV))"
	@echo "make lint   - ruff check and ruff format --check"
	@echo "make clean  - remove $(VENV) and caches"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# The demo needs only the simulator extra; a dev install includes it.
$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[simulator]'
	@touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/agentchat demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -W error

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
