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

APP_STAMP := $(VENV)/.installed-app

.PHONY: run sandbox screenshot test test-all lint typecheck check bench clean

# `make run` needs only the app; `make test` and friends add the developer tools on top.
$(APP_STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "==> Creating $(VENV) (first run only)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> Installing Valueboard and its dependencies into $(VENV) (under a minute, first run only)"
	$(BIN)/python -m pip install --disable-pip-version-check -e .
	@touch $(APP_STAMP)
	@echo "==> Installed. The command line is $(BIN)/slackapp (try $(BIN)/slackapp --help)"

$(STAMP): $(APP_STAMP)
	@echo "==> Installing the developer tools (pytest, ruff, mypy, Playwright…)"
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	@touch $(STAMP)

# With Slack credentials in .env this connects to Slack; without, it starts the sandbox.
run: $(APP_STAMP)
	$(BIN)/python -m slackapp run

sandbox: $(APP_STAMP)
	$(BIN)/python -m slackapp sandbox

# The import contracts first (a second or so), then the suite on SQLite, or on PostgreSQL when
# TEST_DATABASE_URL is set. Extra pytest options: make test PYTEST_ARGS='-k leaderboard'.
test: $(STAMP)
	$(BIN)/lint-imports --no-cache --no-logo
	@test -x /usr/bin/chromium || echo "make test: browser tests skipped, no Chromium (apt-get install chromium)"
	@if [ -n "$(PYTEST_MARKERS)" ]; then \
	  echo "make test: running tests with -m '$(PYTEST_MARKERS)'; tests marked slow (processes end to end) are skipped, make test-all runs them"; \
	fi
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal -m '$(PYTEST_MARKERS)' $(PYTEST_ARGS)

# Everything, slow tests included, as CI runs it.
test-all: $(STAMP)
	@$(MAKE) --no-print-directory test PYTEST_MARKERS=

# Regenerates docs/sandbox.png (the README's picture) from the browser test that takes it.
screenshot: $(STAMP)
	SANDBOX_SCREENSHOT=update $(BIN)/python -m pytest -q tests/browser/test_readme_screenshot.py

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
