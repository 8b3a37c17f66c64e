"""The real app served on loopback with the sandbox's emulator as its Slack."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slackapp.config import Settings
from slackapp.runtime.app import build_app
from slackapp.runtime.web import create_wsgi_app
from slackapp.sandbox import seed
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.usecases.deps import Deps
from tests.support.driver import FakeClock, finish_listeners, track_listeners


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    """The emulator with members and channels, and the app it sends requests to."""

    emulator: SlackEmulator
    db: Database
    clock: FakeClock
    settings: Settings

    @property
    def members(self) -> Any:
        return self.emulator.members


def sandbox_emulator(clock: FakeClock, **kwargs: Any) -> SlackEmulator:
    """An emulator set up like the sandbox's (Valueboard's commands, the seeded people)."""
    emulator = SlackEmulator(
        team_id=seed.TEAM_ID,
        team_name=seed.TEAM_NAME,
        bot_user_id=seed.BOT_USER_ID,
        surface=seed.VALUEBOARD,
        clock=clock,
        **kwargs,
    )
    return emulator


@contextmanager
def serve_against(emulator: SlackEmulator, *, db: Database, clock: FakeClock) -> Iterator[Served]:
    """Serve the app for `emulator` (started and seeded here) until the block ends."""
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
        track_listeners(app, db)
        server = make_server(
            "127.0.0.1",
            0,
            create_wsgi_app(app, db=db),
            server_class=_Server,
            handler_class=_Quiet,
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        emulator.request_url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
        try:
            yield Served(emulator=emulator, db=db, clock=clock, settings=settings)
        finally:
            server.shutdown()
            server.server_close()
            finish_listeners(db)
