"""Shedding load: a verified request that waited past WEB_QUEUE_LIMIT is answered "busy" at once.

The web layer is called directly with a request's WSGI environ and a stated wait; the served
path (gunicorn's queue, a thread held by a slow client) is in tests/test_serve.py.
"""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.parse
from typing import Any

import pytest
from gunicorn.workers.gthread import ThreadWorker
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from slackapp.config import ConfigError, Settings, load_settings
from slackapp.runtime import shedding
from slackapp.runtime.app import build_app
from slackapp.runtime.web import create_wsgi_app
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.slack.listening import BUSY_NOTHING_SAVED
from slackapp.store.db import Database
from slackapp.store.models import Connection
from slackapp.usecases.deps import Deps
from tests.support.driver import SIGNING_SECRET, FakeClock, track_listeners
from tests.support.served import FORM, slash_command

LIMIT = 2.0


def _wsgi(standin: SlackEmulator, db: Database, clock: FakeClock, *, waited: float) -> Any:
    settings = Settings(
        bot_token=standin.bot_token,
        signing_secret=SIGNING_SECRET,
        api_url=standin.api_url,
        database_url=db.url,
    )
    app = build_app(settings, deps=Deps(settings=settings, db=db, clock=clock))
    track_listeners(app, db)  # the db fixture waits for its work after the acks
    return create_wsgi_app(app, db=db, queue_limit=LIMIT, waited=lambda: waited)


def _call(
    wsgi: Any, body: bytes, *, content_type: str, signed: bool = True
) -> tuple[str, dict[str, str], bytes]:
    ts = str(int(time.time()))
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
    }
    if signed:
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
        environ["HTTP_X_SLACK_SIGNATURE"] = signature
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, {k.lower(): v for k, v in headers}

    chunks = b"".join(wsgi(environ, start_response))
    return answer["status"], answer["headers"], chunks


def _command(standin: SlackEmulator, text: str) -> bytes:
    return slash_command(text, response_url=standin.response_url("late"))


def _saved(db: Database) -> int:
    with db.read_scope() as session:
        return int(session.scalar(select(func.count()).select_from(Connection)) or 0)


def test_a_command_that_waited_too_long_is_told_busy_and_nothing_is_saved(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    wsgi = _wsgi(standin, db, clock, waited=LIMIT + 0.5)
    standin.reset()
    status, headers, body = _call(
        wsgi, _command(standin, "solve fixed her deploy"), content_type=FORM
    )
    assert status.startswith("200")
    assert json.loads(body) == {"response_type": "ephemeral", "text": BUSY_NOTHING_SAVED}
    assert headers["content-type"] == "application/json"
    time.sleep(0.2)
    assert _saved(db) == 0
    # Nothing else happened either: no confirmation, no profile fetch.
    assert standin.calls() == []


def test_a_command_that_waited_less_is_done(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    wsgi = _wsgi(standin, db, clock, waited=LIMIT - 0.5)
    status, _, body = _call(wsgi, _command(standin, "solve fixed her deploy"), content_type=FORM)
    assert status.startswith("200")
    assert "busy" not in body.decode()
    assert _saved(db) == 1


def test_other_late_requests_get_a_503_that_slack_shows_or_retries(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    wsgi = _wsgi(standin, db, clock, waited=LIMIT + 1)
    event = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0TEAM",
            "event": {"type": "app_home_opened", "user": "U1", "tab": "home"},
        }
    ).encode()
    status, headers, _ = _call(wsgi, event, content_type="application/json")
    assert status.startswith("503")
    assert headers["retry-after"] == "1"
    action = urllib.parse.urlencode(
        {
            "payload": json.dumps(
                {
                    "type": "block_actions",
                    "team": {"id": "T0TEAM"},
                    "user": {"id": "U1"},
                    "actions": [{"action_id": "x", "block_id": "b", "type": "button"}],
                }
            )
        }
    ).encode()
    status, _, _ = _call(wsgi, action, content_type=FORM)
    assert status.startswith("503")


def test_an_unsigned_request_is_refused_before_any_busy_answer(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    wsgi = _wsgi(standin, db, clock, waited=LIMIT + 5)
    status, _, body = _call(wsgi, _command(standin, "solve x"), content_type=FORM, signed=False)
    assert status.startswith("401")
    assert BUSY_NOTHING_SAVED not in body.decode()


def test_the_wait_is_the_queue_s_alone_and_read_per_thread() -> None:
    assert shedding.queued_for() == 0.0

    class Conn:
        pass

    class Clock:
        """time.monotonic, moved by hand: the request was queued at 100 and taken at 101."""

        now = 101.0

        def monotonic(self) -> float:
            return self.now

    clock = Clock()
    seen: dict[str, float] = {}
    conn = Conn()
    setattr(conn, shedding._QUEUED_AT, 100.0)

    class Worker(shedding.QueueTimedWorker):
        def __init__(self) -> None:  # no gunicorn arbiter here: only the two overrides run
            pass

    def handled(_self: Any, _conn: Any) -> None:
        # A client slow to send its request, once a thread has it: not time in the queue.
        clock.now += 0.3
        seen["waited"] = shedding.queued_for()
        seen["elsewhere"] = _elsewhere()

    def _elsewhere() -> float:
        result: list[float] = []
        thread = threading.Thread(target=lambda: result.append(shedding.queued_for()))
        thread.start()
        thread.join()
        return result[0]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ThreadWorker, "handle", handled)
        patch.setattr(shedding, "time", clock)
        Worker().handle(conn)
    assert seen["waited"] == 1.0
    assert seen["elsewhere"] == 0.0  # another thread's request did not wait
    assert shedding.queued_for() == 0.0  # and nothing lingers after the request


def test_slack_checking_the_url_is_answered_even_when_late(
    standin: SlackEmulator, db: Database, clock: FakeClock
) -> None:
    wsgi = _wsgi(standin, db, clock, waited=LIMIT + 1)
    challenge = json.dumps({"type": "url_verification", "challenge": "c-123"}).encode()
    status, _, body = _call(wsgi, challenge, content_type="application/json")
    assert status.startswith("200")
    assert "c-123" in body.decode()


def test_the_worker_stamps_each_connection_as_it_joins_the_queue() -> None:
    class Conn:
        pass

    class Worker(shedding.QueueTimedWorker):
        def __init__(self) -> None:
            pass

    queued: list[Any] = []
    conn = Conn()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ThreadWorker, "enqueue_req", lambda _self, c: queued.append(c))
        before = time.monotonic()
        Worker().enqueue_req(conn)
    assert queued == [conn]
    assert before <= getattr(conn, shedding._QUEUED_AT) <= time.monotonic()


def test_the_queue_limit_is_a_setting_in_seconds() -> None:
    assert load_settings({}, dotenv_path=None).web_queue_limit == 2
    assert load_settings({"WEB_QUEUE_LIMIT": "0.75"}, dotenv_path=None).web_queue_limit == 0.75
    with pytest.raises(ConfigError, match=r"WEB_QUEUE_LIMIT must be between 0\.1 and 30 seconds"):
        load_settings({"WEB_QUEUE_LIMIT": "0"}, dotenv_path=None)
