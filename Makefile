# `make run` and `make test` bootstrap .venv by themselves (created when missing,
# reinstalled when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APP_STAMP := $(VENV)/.installed-app

.PHONY: run sandbox screenshot test lint typecheck check bench clean

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

test: $(STAMP)
	@test -x /usr/bin/chromium || echo "note: browser tests skipped, no Chromium (apt-get install chromium)"
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

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
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
