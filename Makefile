# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= sowhat-demo
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run demo test lint typecheck unit e2e services bench clean

# --no-compile: Python compiles what it imports on first use; byte-compiling all ~10k
# installed files up front cost more than half of a fresh install's CPU (67 s -> 31 s).
$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	PIP_CONSTRAINT=requirements/lock.txt $(BIN)/python -m pip install --quiet --no-compile \
		-e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/sowhat demo $(DEMO_DIR) --force
	$(BIN)/sowhat status --workspace $(DEMO_DIR)
	$(BIN)/sowhat review weekly --workspace $(DEMO_DIR) --as-of 2026-11-16

run: demo
	$(BIN)/sowhat serve --workspace $(DEMO_DIR) --host $(HOST) --port $(PORT) --demo

services:
	bash scripts/test-services.sh

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

# loadgroup: tests/conftest.py schedules the units (the Spark module on one worker, first;
# the browser tests together; modules with module-scoped fixtures whole)
# env -u PYTHONDONTWRITEBYTECODE: a shell that sets it (this farm's does) makes every process
# the suite starts — CLI runs, servers, workers — compile its imports from source again; with
# bytecode written on first import, tests/integration/test_cli_hardening.py took 54 s instead
# of 91 s.
test: install services lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n 2 --dist loadgroup

unit: install
	$(BIN)/pytest -m "not e2e and not slow" -x

bench: install
	$(BIN)/python benchmarks/metrics.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
