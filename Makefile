# `make run` and `make test` bootstrap .venv by themselves (created when missing,
# reinstalled when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test`: auto is one per core; 0 runs the tests in this process.
PYTEST_WORKERS ?= auto
# Which tests `make test` runs (pytest -m); `make test-all` clears it to run the slow ones too.
PYTEST_MARKERS ?= not slow

.PHONY: run test test-all lint typecheck check bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m slackapp run

# The import contracts first (a second or so), then the suite on SQLite, or on PostgreSQL when
# TEST_DATABASE_URL is set. Extra pytest options: make test PYTEST_ARGS='-k leaderboard'.
test: $(STAMP)
	$(BIN)/lint-imports --no-cache --no-logo
	@if [ -n "$(PYTEST_MARKERS)" ]; then \
	  echo "make test: running tests with -m '$(PYTEST_MARKERS)'; tests marked slow (processes end to end) are skipped, make test-all runs them"; \
	fi
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal -m '$(PYTEST_MARKERS)' $(PYTEST_ARGS)

# Everything, slow tests included, as CI runs it.
test-all: $(STAMP)
	@$(MAKE) --no-print-directory test PYTEST_MARKERS=

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
