"""Serving over HTTP with gunicorn, Bolt's app built inside each worker."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from slackapp.clock import Clock, system_clock
from slackapp.config import Settings
from slackapp.runtime.app import build_app, build_client, build_follow_ups
from slackapp.runtime.web import create_wsgi_app
from slackapp.scheduling.tick import start_scheduler
from slackapp.slack.listening import FollowUps
from slackapp.store.db import Database
from slackapp.usecases.deps import Deps

log = logging.getLogger(__name__)

#: Seconds gunicorn gives a worker to finish its requests and follow-ups after SIGTERM.
GRACEFUL_TIMEOUT = 30


class ValueboardServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn, configured from our settings rather than its own command line."""

    def __init__(self, settings: Settings, *, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.clock = clock
        super().__init__()

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": self.settings.web_threads,
            "timeout": 30,
            "graceful_timeout": GRACEFUL_TIMEOUT,
            "worker_exit": self._drain,
            "accesslog": None,
            "loglevel": self.settings.log_level.lower(),
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def _drain(self, _server: Any, _worker: Any) -> None:
        # Every acknowledged change is already committed; what still waits here are
        # confirmations and Home refreshes. Give them the rest of gunicorn's graceful window.
        follow_ups: FollowUps | None = getattr(self, "follow_ups", None)
        if follow_ups is not None:
            left = follow_ups.drain(GRACEFUL_TIMEOUT - 2)
            if left:
                log.warning("stopping with %d follow-ups not run (their changes are saved)", left)

    def load(self) -> Any:
        # Built in the worker process, so each process has its own database pool.
        db = Database(self.settings.database_url)
        deps = Deps(settings=self.settings, db=db, clock=self.clock)
        self.follow_ups = build_follow_ups(self.settings)
        app = build_app(self.settings, deps=deps, follow_ups=self.follow_ups)
        if self.settings.scheduler_enabled:
            # In the worker, after the fork: a scheduler thread started before it would not
            # survive into the process that serves.
            start_scheduler(
                settings=self.settings,
                db=db,
                client=build_client(self.settings, scheduled=True),
                clock=self.clock,
            )
        log.info(
            "Valueboard listening on http://%s:%s/slack/events",
            self.settings.host,
            self.settings.port,
        )
        return create_wsgi_app(app, db=db)


def serve(settings: Settings, *, clock: Clock = system_clock) -> None:
    """Run gunicorn until it is stopped (`clock` is the sandbox's; real time otherwise)."""
    ValueboardServer(settings, clock=clock).run()
