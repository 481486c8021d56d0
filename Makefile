# Udara developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VAR := var
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := mosquitto mosquitto-clients influxdb influxdb-client chromium
PYTEST_ARGS ?=
# The suite runs on both cores (pytest-xdist; a test file stays on one worker, so its module
# fixtures start once): most of its time is spent waiting on servers it started.
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help system-packages venv run services stop test test-fast lint typecheck format bench faults clean

help: ## List every target with what it does
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-16s %s\n", $$1, $$2}'

system-packages: ## Install Mosquitto, InfluxDB 1.x and Chromium from apt when missing
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create the virtualenv and install Udara with its dev tools

services: system-packages venv ## Start local Mosquitto and InfluxDB under ./var (reusing servers already on :1883, :8086)
	@$(BIN)/python -m udara.devservers up $(VAR)

# Ctrl-C stops `udara run`; then the servers this run started (recorded in var/run/*.pid)
# are stopped too. Servers it reused, or that `make services` started before, keep running.
run: system-packages venv ## Set everything up, migrate, run ingest + scheduler + web + simulator; Ctrl-C stops what it started
	@$(BIN)/udara db upgrade
	@$(BIN)/python -m udara.devservers run $(VAR) -- $(BIN)/udara run --with-simulator

stop: ## Stop the Mosquitto and InfluxDB that make run or make services started (never a reused one)
	@$(PYTHON) -m udara.devservers down $(VAR)

test: system-packages venv lint ## Install what the tests need, then run all tests (over TEST_WORKERS=2 processes)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-fast: venv ## Unit tests only (no servers)
	$(BIN)/pytest tests/unit -q

lint: venv ## ruff, mypy and the import rules of docs/ARCHITECTURE.md (lint-imports)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-logo

typecheck: venv ## mypy only
	$(BIN)/mypy .

format: venv ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: system-packages venv ## Throughput, latency and memory benchmark (prints figures and ratios)
	$(BIN)/python -m bench.run

faults: system-packages venv ## Fault-injection suite: restarts, outages, kills, bursts, fuzzing
	$(BIN)/pytest -m faults tests/faults -v

clean: stop ## Stop the local servers, remove the virtualenv and local data
	rm -rf $(VENV) $(VAR) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
