"""Serving over HTTP with gunicorn, Bolt's app built inside each worker."""

from __future__ import annotations

import itertools
import logging
import signal
import sys
from types import FrameType
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.errors import AppImportError, HaltServer
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from slackapp.clock import Clock, system_clock
from slackapp.config import Settings
from slackapp.runtime.app import build_app, build_follow_ups, build_team_clients
from slackapp.runtime.database import open_database
from slackapp.runtime.shedding import QueueTimedWorker
from slackapp.runtime.startup import slack_problem
from slackapp.runtime.web import create_wsgi_app
from slackapp.scheduling.tick import start_scheduler
from slackapp.slack.listening import FollowUps
from slackapp.usecases.deps import Deps

log = logging.getLogger(__name__)

#: Seconds gunicorn gives a worker to finish its requests and follow-ups after SIGTERM.
GRACEFUL_TIMEOUT = 30


def _quit_once(worker: Any) -> None:
    """Make the worker's quit handler run once, however many quit signals arrive.

    Ctrl-C signals the whole process group, so the worker gets SIGINT from the terminal and
    SIGQUIT from the master at almost the same moment. gunicorn's gthread handler, entered a
    second time while the first is shutting its thread pool down, waits forever on the
    pool's own lock, until the master kills the worker and the follow-ups with it.

    The second signal's handler runs nested inside the first, at any bytecode boundary, so the
    guard takes no lock (a `threading.Event` did, and the nested `set()` waited forever on the
    lock the outer one held) and has no gap between its test and its set: `next()` on a
    counter is one call, which no handler can interrupt, and only the first call gets 0.
    """
    first = worker.handle_quit
    calls = itertools.count()

    def handle_quit(sig: int, frame: FrameType | None) -> None:
        if next(calls):
            return
        first(sig, frame)

    for number in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(number, handle_quit)


class ValueboardServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn, configured from our settings rather than its own command line."""

    def __init__(self, settings: Settings, *, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.clock = clock
        super().__init__()

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            # Each worker is a process with its own threads, pool and scheduler tick: Python
            # runs one thread at a time per process, so a second process uses a second core.
            # Scheduled posts stay exactly once across them (the ledger's claims).
            "workers": self.settings.web_workers,
            # gthread, noting when each request joined the queue for a thread (see shedding).
            "worker_class": f"{QueueTimedWorker.__module__}.{QueueTimedWorker.__qualname__}",
            "threads": self.settings.web_threads,
            "timeout": 30,
            "graceful_timeout": GRACEFUL_TIMEOUT,
            "worker_exit": self._drain,
            "post_worker_init": _quit_once,
            "accesslog": None,
            "loglevel": self.settings.log_level.lower(),
        }
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn >= 25.1 opens a control socket at one path per user ($HOME/.gunicorn/),
            # through which worker counts can change; WEB_WORKERS sets ours (each with its own
            # pool and scheduler tick) and everything is configured here, so keep it shut.
            options["control_socket_disable"] = True
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
        db = open_database(self.settings)
        deps = Deps(settings=self.settings, db=db, clock=self.clock)
        self.follow_ups = build_follow_ups(self.settings)
        try:
            app = build_app(self.settings, deps=deps, follow_ups=self.follow_ups)
        except (BoltError, SlackClientError, OSError) as error:
            # The master checked the token before forking; should auth.test fail here anyway,
            # gunicorn prints an AppImportError as its one line and stops (exit status 4).
            cause = error.__context__ if isinstance(error, BoltError) else error
            setting = "SLACK_API_URL" if self.settings.oauth else "SLACK_BOT_TOKEN"
            problem = slack_problem(cause or error, self.settings, setting=setting)
            raise AppImportError(f"slackapp: {problem}") from error
        if self.settings.scheduler_enabled:
            # In the worker, after the fork: a scheduler thread started before it would not
            # survive into the process that serves.
            start_scheduler(
                settings=self.settings,
                db=db,
                client=build_team_clients(self.settings, deps),
                clock=self.clock,
            )
        log.info(
            "Valueboard listening on http://%s:%s/slack/events",
            self.settings.host,
            self.settings.port,
        )
        return create_wsgi_app(
            app,
            db=db,
            signing_secret=self.settings.signing_secret or "",
            queue_limit=self.settings.web_queue_limit,
        )


def serve(settings: Settings, *, clock: Clock = system_clock) -> None:
    """Run gunicorn until it is stopped (`clock` is the sandbox's; real time otherwise)."""
    server = ValueboardServer(settings, clock=clock)
    arbiter = Arbiter(server)
    try:
        arbiter.run()
    except HaltServer as again:
        # When every worker fails to boot at once, gunicorn's own shutdown (halt, then stop)
        # reaps the second failed worker and raises its HaltServer out of the first: finish the
        # shutdown it began, quietly, with the same exit status (the worker said why already).
        arbiter.halt(reason=again.reason, exit_status=again.exit_status)
    except RuntimeError as error:  # how gunicorn says it cannot start at all
        print(f"slackapp: the web server could not start: {error}", file=sys.stderr)
        sys.exit(1)
