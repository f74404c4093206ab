# The two commands of the README:  `make demo`  and  `make test`.
# Each sets up everything it needs on a fresh machine (a virtualenv in .venv with the
# exact versions of requirements.lock) before it runs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.lock pyproject.toml Makefile | cksum | cut -d' ' -f1)

.PHONY: setup demo test lint lock bench

# Bytecode is compiled at setup (also for a virtualenv installed before this rule):
# where PYTHONDONTWRITEBYTECODE is set (as on these machines) every process would
# otherwise compile dagster and dbt from source, about 7 s of each dbt run, Dagster run
# and test worker.
$(STAMP): requirements.lock pyproject.toml Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check "uv==0.13.9"
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

## Sets up, syncs the bundled sample community through the fake APIs, builds the
## models, publishes the snapshot and serves the dashboard on http://localhost:8501
demo: $(STAMP)
	$(BIN)/acacia demo

## Sets up and runs lint, the import contracts (pyproject's [tool.importlinter]: what may
## import what, docs/architecture.md), the whole test suite (slow tests included; Chromium for the
## browser tests is installed first when missing), then the date-sensitive tests again at
## each instant of the date matrix (tests/dates.py, docs/clock.md)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m tests.chromium
	$(BIN)/python -m tests.spark
	$(BIN)/python -m pytest -n 2 --dist worksteal
	$(BIN)/python -m tests.dates

## Re-pins requirements.lock after a change to pyproject.toml
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra deploy --python-version 3.11 \
		--no-header --no-annotate -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra spark -c requirements.lock --python-version 3.11 \
		--no-header --no-annotate -o tests/spark.lock

bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.requests_per_source
