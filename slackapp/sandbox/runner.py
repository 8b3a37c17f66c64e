"""`slackapp sandbox`: the real app, served as in production, against a local Slack and a page.

The sandbox's process starts the emulator (Slack's Web API, its requests to the app, the page)
and then runs `slackapp.runtime.server.serve`, gunicorn and all, with the sandbox's clock in
place of the system's. The emulator answers from the sandbox's own threads; gunicorn's worker
serves the app on a private port that only the emulator talks to.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Final

from slackapp.config import Settings
from slackapp.sandbox import seed
from slackapp.sandbox.clock import SandboxClock
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.sandbox.errors import SandboxError
from slackapp.sandbox.paths import SandboxPaths
from slackapp.sandbox.routes import SandboxRoutes
from slackapp.store.db import Database
from slackapp.store.migrate import upgrade

log = logging.getLogger(__name__)

#: The sandbox's bot token: only its own emulator accepts it.
SANDBOX_BOT_TOKEN: Final = "xoxb-sandbox-not-a-real-token"  # noqa: S105
#: How often the conversations are saved while the sandbox runs.
SAVE_SECONDS: Final = 5.0
#: How long to wait for the app to answer its health check before saying so.
READY_SECONDS: Final = 60.0


def page_dir() -> Path:
    """The folder holding the page's HTML, JavaScript and CSS."""
    return Path(str(files("slackapp.sandbox") / "page"))


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def app_settings(base: Settings, *, emulator: SlackEmulator, paths: SandboxPaths) -> Settings:
    """The app's settings in the sandbox: the emulator's Slack, the sandbox's own database."""
    return dataclasses.replace(
        base,
        bot_token=emulator.bot_token,
        signing_secret=emulator.signing_secret,
        app_token=None,
        api_url=emulator.api_url,
        database_url=paths.database_url,
        host="127.0.0.1",
        port=_free_port("127.0.0.1"),
        default_timezone=seed.ADMIN.tz,
        admin_user_ids=frozenset(),
        scheduler_enabled=True,
    )


def build_emulator(*, clock: SandboxClock, host: str, port: int) -> SlackEmulator:
    """The sandbox's Slack: Valueboard installed, the seeded members and channels, the page."""
    emulator = SlackEmulator(
        team_id=seed.TEAM_ID,
        team_name=seed.TEAM_NAME,
        bot_user_id=seed.BOT_USER_ID,
        bot_token=SANDBOX_BOT_TOKEN,
        # A fresh secret per run: the app checks every request's signature, as with Slack.
        signing_secret=secrets.token_hex(16),
        surface=seed.VALUEBOARD,
        clock=clock,
        host=host,
        port=port,
        log_calls=True,
    )
    emulator.page_coming = True
    return emulator


def _open_when_ready(
    emulator: SlackEmulator, url: str, health: str, *, stop: threading.Event
) -> None:
    """Once the app answers its health check: say where the sandbox is, and serve the page."""
    deadline = time.monotonic() + READY_SECONDS
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        stop.wait(0.25)
    else:
        if not stop.is_set():
            log.error("the app did not answer its health check within %.0f s", READY_SECONDS)
        return
    print(
        f"\nValueboard sandbox is ready: {url}\n"
        "  A local Slack with the real app behind it; no Slack account needed.\n"
        "  Stop it with Ctrl-C.\n",
        flush=True,
    )
    # Only now: the page never shows a workspace whose app cannot answer yet.
    emulator.page_dir = page_dir()


def _keep_saving(emulator: SlackEmulator, path: Path, *, stop: threading.Event) -> None:
    saved = -1
    while not stop.wait(SAVE_SECONDS):
        if emulator.ws.version != saved:
            saved = emulator.save(path)


def run_sandbox(
    base: Settings,
    *,
    data_dir: Path,
    host: str,
    port: int,
    faults: Sequence[tuple[str, str, int | None]] = (),
    delays: Sequence[tuple[str, float]] = (),
) -> int:
    """Start the emulator and the page, then serve the app with gunicorn until stopped.

    `faults` (method, error, times) and `delays` (method, seconds) make the local Slack
    misbehave on purpose, to see how the app copes.
    """
    from slackapp.runtime.server import serve

    paths = SandboxPaths(data_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    clock = SandboxClock(paths.clock)
    emulator = build_emulator(clock=clock, host=host, port=port)
    for method, error, times in faults:
        emulator.fail(method, error, times=times)
    for method, seconds in delays:
        emulator.slow(method, seconds)
    for line in emulator.describe_faults():
        log.warning("the local Slack is told to misbehave: %s", line)
    try:
        emulator.start()
    except OSError as error:
        raise SandboxError(
            f"cannot listen on {host}:{port} ({error.strerror or error}). "
            "Is another sandbox running? Pick another port with --port (or PORT=… make run)."
        ) from error
    stop = threading.Event()
    routes: SandboxRoutes | None = None
    # gunicorn forks its worker from inside serve(); the worker leaves through this same
    # `finally` when it exits, and must not touch what belongs to the sandbox's own process.
    owner = os.getpid()
    try:
        emulator.restore(paths.workspace)
        seed.populate(emulator)
        settings = app_settings(base, emulator=emulator, paths=paths)
        db = Database(settings.database_url)
        upgrade(db)
        db.dispose()
        routes = SandboxRoutes(settings=settings, clock=clock, paths=paths)
        routes.install(emulator)
        emulator.request_url = f"http://{settings.host}:{settings.port}/slack/events"
        url = f"{emulator.base_url}/"
        paths.run_file.write_text(json.dumps({"url": url}), encoding="utf-8")
        health = f"http://{settings.host}:{settings.port}/healthz"
        threading.Thread(
            target=_open_when_ready,
            args=(emulator, url, health),
            kwargs={"stop": stop},
            daemon=True,
            name="sandbox-ready",
        ).start()
        threading.Thread(
            target=_keep_saving,
            args=(emulator, paths.workspace),
            kwargs={"stop": stop},
            daemon=True,
            name="sandbox-saver",
        ).start()
        log.info("sandbox data in %s (its own SQLite file: %s)", paths.root, paths.database)
        serve(settings, clock=clock)
    finally:
        if os.getpid() == owner:
            stop.set()
            emulator.save(paths.workspace)
            emulator.stop()
            if routes is not None:
                routes.close()
            paths.run_file.unlink(missing_ok=True)
    return 0
