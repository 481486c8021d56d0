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

.DEFAULT_GOAL := help
.PHONY: help system-packages venv run services test test-fast lint typecheck format bench faults clean

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

services: system-packages venv ## Start local Mosquitto (or reuse one on :1883) and InfluxDB under ./var
	@$(BIN)/python -m udara.devservers $(VAR)

run: services ## Set everything up, migrate, and run ingest + scheduler + web + simulator
	@$(BIN)/udara db upgrade
	@$(BIN)/udara run --with-simulator

test: system-packages venv lint ## Install what the tests need, then run all tests
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: venv ## Unit tests only (no servers)
	$(BIN)/pytest tests/unit -q

lint: venv ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

typecheck: venv ## mypy only
	$(BIN)/mypy .

format: venv ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: system-packages venv ## Throughput, latency and memory benchmark (prints figures and ratios)
	$(BIN)/python -m bench.run

faults: system-packages venv ## Fault-injection suite: restarts, outages, kills, bursts, fuzzing
	$(BIN)/pytest -m faults tests/faults -v

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) $(VAR) .pytest_cache .mypy_cache .ruff_cache
