"""Serving over HTTP with gunicorn, Bolt's app built inside each worker."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from slackapp.config import Settings
from slackapp.runtime.app import build_app, build_client
from slackapp.runtime.web import create_wsgi_app
from slackapp.scheduling.tick import start_scheduler
from slackapp.store.db import Database
from slackapp.usecases.services import Valueboard

log = logging.getLogger(__name__)


class ValueboardServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn, configured from our settings rather than its own command line."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": self.settings.web_threads,
            "timeout": 30,
            "graceful_timeout": 10,
            "accesslog": None,
            "loglevel": self.settings.log_level.lower(),
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Built in the worker process, so each process has its own database pool.
        db = Database(self.settings.database_url)
        valueboard = Valueboard(settings=self.settings, db=db)
        app = build_app(self.settings, valueboard=valueboard)
        if self.settings.scheduler_enabled:
            # In the worker, after the fork: a scheduler thread started before it would not
            # survive into the process that serves.
            start_scheduler(
                valueboard=valueboard, client=build_client(self.settings, scheduled=True)
            )
        log.info(
            "Valueboard listening on http://%s:%s/slack/events",
            self.settings.host,
            self.settings.port,
        )
        return create_wsgi_app(app, db=db, signing_secret=self.settings.signing_secret or "")


def serve(settings: Settings) -> None:
    """Run gunicorn until it is stopped."""
    ValueboardServer(settings).run()
