"""Browser tests: the sandbox page in headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
_MISSING = (
    "needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    if not CHROMIUM.exists()
    else "needs Playwright (make .venv/.installed)"
    if importlib.util.find_spec("playwright") is None
    else None
)
if importlib.util.find_spec("playwright") is None:
    # Without Playwright the test modules cannot even be imported; skip them whole.
    collect_ignore_glob = ["test_*.py"]
else:
    from playwright.sync_api import expect

    from tests.browser.rig import (
        ARTIFACTS,
        CHROMIUM_ARGS,
        EXPECT_SECONDS,
        Sandbox,
        Steps,
        running_sandbox,
    )

    expect.set_options(timeout=EXPECT_SECONDS * 1000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            if _MISSING:
                item.add_marker(pytest.mark.skip(reason=_MISSING))


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def sandbox(db: object, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Sandbox]:
    from slackapp.store.db import Database

    assert isinstance(db, Database)
    # A failure's report carries the sandbox's story: every request the emulator sent the app,
    # with its answer, and every Web API call the app made (INFO), beside the screenshots.
    caplog.set_level(logging.INFO)
    with running_sandbox(db, tmp_path / "sandbox") as running:
        yield running


@pytest.fixture
def steps(chromium: object, request: pytest.FixtureRequest) -> Iterator[Steps]:
    """A fresh page; every step's screenshot lands in var/test-artifacts/browser/<test>/."""
    from playwright.sync_api import Browser

    assert isinstance(chromium, Browser)
    context = chromium.new_context(viewport={"width": 1280, "height": 820}, locale="en-US")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    recorded = Steps(page=page, folder=folder)
    try:
        yield recorded
    finally:
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            recorded.shot("failed")
        context.close()
    assert problems == [], problems


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
