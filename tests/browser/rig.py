"""The sandbox assembled in the test process (emulator, page, the app, the clock routes), and a
Playwright page on it that saves a screenshot at every step."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from playwright.sync_api import Locator, Page, expect

from slackapp.config import Settings
from slackapp.runtime.app import build_app
from slackapp.runtime.web import create_wsgi_app
from slackapp.sandbox import seed
from slackapp.sandbox.clock import SandboxClock
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.sandbox.paths import SandboxPaths
from slackapp.sandbox.routes import SandboxRoutes
from slackapp.sandbox.runner import build_emulator, page_dir
from slackapp.store.db import Database
from slackapp.usecases.deps import Deps

ROOT = Path(__file__).resolve().parents[2]
#: Where the sandbox clock starts in each test: Wednesday 25 November 2026, 12:00 UTC, the
#: same date for every seeded member (07:00 in New York, 21:00 in Tokyo).
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
#: Where each step's screenshot goes (the CI keeps this folder as an artifact).
ARTIFACTS = ROOT / "var" / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
#: Sample data writes a few hundred entries: on a busy CI machine that takes a while.
SAMPLE_SECONDS = 60
#: How long an expectation waits by default (Playwright's own is 5 s).
EXPECT_SECONDS = 15
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Sandbox:
    """A running sandbox: the page's URL and what stands behind it."""

    url: str
    emulator: SlackEmulator
    db: Database
    settings: Settings
    clock: SandboxClock


@contextmanager
def running_sandbox(db: Database, data_dir: Path) -> Iterator[Sandbox]:
    """The sandbox as `slackapp sandbox` wires it, with the app served from a thread."""
    clock = SandboxClock(data_dir / "clock.json")
    clock.set(START)
    emulator = build_emulator(clock=clock, host="127.0.0.1", port=0)
    with emulator:
        seed.populate(emulator)
        settings = replace(
            Settings(),
            bot_token=emulator.bot_token,
            signing_secret=emulator.signing_secret,
            api_url=emulator.api_url,
            database_url=db.url,
            default_timezone=seed.ADMIN.tz,
        )
        app = build_app(settings, deps=Deps(settings=settings, db=db, clock=clock))
        server = make_server(
            "127.0.0.1", 0, create_wsgi_app(app, db=db), server_class=_Server, handler_class=_Quiet
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        emulator.request_url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
        routes = SandboxRoutes(settings=settings, clock=clock, paths=SandboxPaths(data_dir))
        routes.install(emulator)
        emulator.page_dir = page_dir()
        try:
            yield Sandbox(
                url=emulator.base_url + "/",
                emulator=emulator,
                db=db,
                settings=settings,
                clock=clock,
            )
        finally:
            server.shutdown()
            server.server_close()
            routes.close()


@dataclass
class Steps:
    """Screenshots of one test, numbered in the order taken."""

    page: Page
    folder: Path
    taken: list[Path] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        path = (
            self.folder
            / f"{len(self.taken) + 1:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.png"
        )
        self.page.screenshot(path=str(path))
        self.taken.append(path)
        return path


# ----- what a member does on the page ---------------------------------------------------------


def open_sandbox(page: Page, sandbox: Sandbox, *, as_user: str = "ana") -> None:
    """Load the page as a member and wait until it has drawn the workspace."""
    page.goto(f"{sandbox.url}?as={as_user}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15_000)


def view_as(page: Page, user_id: str) -> None:
    page.select_option("#viewer", user_id)
    expect(page.locator("#viewer")).to_have_value(user_id)


def go_to(page: Page, where: str) -> None:
    """Open a channel by id, or the app ("app")."""
    page.click(f'[data-nav="{where}"]')


def type_in_composer(page: Page, text: str) -> None:
    page.fill("#composer", text)
    page.press("#composer", "Enter")
    expect(page.locator("#composer")).to_be_enabled()


def message(page: Page, text: str) -> Locator:
    """The last message (as the member sees it) containing `text`."""
    return page.locator(".message", has_text=text).last


def modal(page: Page) -> Locator:
    return page.locator("form.modal")


def field_in(page: Page, block_id: str) -> Locator:
    """An input block of the open modal, by block id."""
    return modal(page).locator(f'.bk-input-block[data-block-id="{block_id}"]')
