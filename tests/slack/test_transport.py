"""Kept-alive Web API calls: one connection serves many, and failures mean what urllib's did."""

from __future__ import annotations

import copy
import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.error import HTTPError, URLError
from urllib.request import Request

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, FixedValueRetryIntervalCalculator

from slackapp.render.kit import Message
from slackapp.sandbox.emulator.core import SlackEmulator
from slackapp.slack.posting import OUTCOME_UNKNOWN, PostOutcome, post_scheduled, upload_chart
from slackapp.slack.transport import (
    IDLE_SECONDS,
    ConnectionPool,
    KeptAliveWebClient,
    UnreadableAnswer,
)

HELLO = Message(text="Hello there")
OK_BODY = b'{"ok": true, "channel": "C1", "ts": "1.000100"}'


#: A listener's client's handling of a dropped connection (slackapp.runtime.app), at once.
_RETRY_ONCE = ConnectionErrorRetryHandler(
    max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0)
)


def _client(
    url: str, pool: ConnectionPool, *, timeout: int = 5, listeners: bool = False
) -> KeptAliveWebClient:
    # As the scheduler's: no retries of its own, so that each failure shows as it is. A
    # listener's client (`listeners=True`) retries a dropped connection once, at once.
    return KeptAliveWebClient(
        token="xoxb-standin",
        base_url=url,
        timeout=timeout,
        pool=pool,
        retry_handlers=[_RETRY_ONCE] if listeners else [],
    )


@pytest.fixture
def pool() -> Iterator[ConnectionPool]:
    made = ConnectionPool()
    yield made
    made.close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


class _Wire:
    """A bare HTTP server on 127.0.0.1: each connection is handed to `serve`, which answers
    however the test wants (keep it open, hang up, say nothing). Counts connections."""

    def __init__(self, serve: Callable[[socket.socket, _Wire], None]) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._serve = serve
        self.accepted = 0
        self.requests: list[bytes] = []
        self.hung_up = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/api/"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn, self), daemon=True).start()

    def read_request(self, conn: socket.socket) -> bool:
        """Read one request (headers and a Content-Length body); False when the client left."""
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = conn.recv(65536)
            except OSError:  # closed as the test ended
                return False
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return False
            if not chunk:
                return False
            body += chunk
        self.requests.append(head.split(b"\r\n")[0])
        return True

    def close(self) -> None:
        self._listener.close()
        for conn in self._open:
            conn.close()


@contextmanager
def _wire(serve: Callable[[socket.socket, _Wire], None]) -> Iterator[_Wire]:
    server = _Wire(serve)
    try:
        yield server
    finally:
        server.close()


def _answer(body: bytes = OK_BODY, *, status: str = "200 OK", extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def _answer_then_hang_up(conn: socket.socket, wire: _Wire) -> None:
    # A keep-alive answer (no "Connection: close"), then the server closes anyway, as servers
    # do with idle connections.
    if wire.read_request(conn):
        conn.sendall(_answer())
    conn.close()
    wire.hung_up.set()


def _answering(
    body: bytes = OK_BODY, *, status: str = "200 OK", extra: str = ""
) -> Callable[[socket.socket, _Wire], None]:
    """A server that gives every request on a connection the same answer, keeping it open."""

    def serve(conn: socket.socket, wire: _Wire) -> None:
        while wire.read_request(conn):
            conn.sendall(_answer(body, status=status, extra=extra))

    return serve


_keep_answering = _answering()


# ----- one connection for many calls -------------------------------------------------------------


def test_calls_in_a_row_share_one_connection(pool: ConnectionPool) -> None:
    with _wire(_keep_answering) as wire:
        client = _client(wire.url, pool)
        for _ in range(5):
            assert post_scheduled(client, channel="C1", message=HELLO).outcome is PostOutcome.SENT
        assert (wire.accepted, pool.opened, len(wire.requests)) == (1, 1, 5)


def test_a_digest_and_its_chart_go_over_one_connection(
    standin: SlackEmulator, pool: ConnectionPool
) -> None:
    client = _client(standin.api_url, pool)
    sent = post_scheduled(client, channel="C1", message=HELLO)
    problem = upload_chart(
        client,
        channel="C1",
        png=b"\x89PNG not really",
        filename="week.png",
        title="This week",
        initial_comment="The week in a picture",
    )
    assert sent.outcome is PostOutcome.SENT and problem is None
    # The message, the upload URL, the bytes to it, and the upload's completion.
    assert standin.uploads == [b"\x89PNG not really"]
    assert [c.method for c in standin.calls()] == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert pool.opened == 1


def test_threads_never_share_a_connection_at_once(pool: ConnectionPool) -> None:
    with _wire(_keep_answering) as wire:
        client = _client(wire.url, pool)
        outcomes: list[PostOutcome] = []
        lock = threading.Lock()

        def post_ten() -> None:
            for _ in range(10):
                outcome = post_scheduled(client, channel="C1", message=HELLO).outcome
                with lock:
                    outcomes.append(outcome)

        threads = [threading.Thread(target=post_ten) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert outcomes == [PostOutcome.SENT] * 80
        assert len(wire.requests) == 80
        # At most one connection per thread calling at once; reused after that.
        assert 1 <= wire.accepted <= 8 and pool.opened == wire.accepted


# ----- connections that must not be reused ------------------------------------------------------


def test_a_connection_the_server_closed_is_not_written_to(pool: ConnectionPool) -> None:
    with _wire(_answer_then_hang_up) as wire:
        client = _client(wire.url, pool)
        first = post_scheduled(client, channel="C1", message=HELLO)
        assert wire.hung_up.wait(5)
        # Written to, that connection would lose the post: its answer could never be read,
        # and a post whose answer was not read is never resent.
        second = post_scheduled(client, channel="C1", message=HELLO)
        assert (first.outcome, second.outcome) == (PostOutcome.SENT, PostOutcome.SENT)
        assert wire.accepted == 2 and len(wire.requests) == 2


def test_a_connection_idle_too_long_is_closed_not_reused() -> None:
    now = [0.0]
    pool = ConnectionPool(clock=lambda: now[0])
    with _wire(_keep_answering) as wire:
        client = _client(wire.url, pool)
        post_scheduled(client, channel="C1", message=HELLO)
        now[0] += IDLE_SECONDS / 2
        post_scheduled(client, channel="C1", message=HELLO)
        assert wire.accepted == 1
        now[0] += IDLE_SECONDS + 1
        post_scheduled(client, channel="C1", message=HELLO)
        assert wire.accepted == 2
    pool.close()


def test_an_answer_saying_close_closes_the_connection(pool: ConnectionPool) -> None:
    with _wire(_answering(extra="Connection: close\r\n")) as wire:
        client = _client(wire.url, pool)
        for _ in range(3):
            assert post_scheduled(client, channel="C1", message=HELLO).outcome is PostOutcome.SENT
        assert wire.accepted == 3


# ----- failures mean what they meant with urllib -------------------------------------------------


def test_nobody_listening_is_a_connection_error_safe_to_retry(pool: ConnectionPool) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    # Nothing listens there now: the post never left, so the ledger may try it again.
    client = _client(f"http://127.0.0.1:{port}/api/", pool)
    with pytest.raises(URLError):
        pool.post(f"http://127.0.0.1:{port}/api/x", body=b"", headers={}, timeout=2)
    result = post_scheduled(client, channel="C1", message=HELLO)
    assert result.outcome is PostOutcome.RETRY
    assert result.error is not None and result.error.startswith("connection:")


def test_no_answer_in_time_is_an_unknown_outcome_never_resent(pool: ConnectionPool) -> None:
    def read_and_say_nothing(conn: socket.socket, wire: _Wire) -> None:
        wire.read_request(conn)
        threading.Event().wait(5)

    with _wire(read_and_say_nothing) as wire:
        client = _client(wire.url, pool, timeout=1)
        result = post_scheduled(client, channel="C1", message=HELLO)
        assert len(wire.requests) == 1
    # Slack may have posted it: given up, not retried.
    assert result.outcome is PostOutcome.FAILED
    assert result.error is not None and OUTCOME_UNKNOWN in result.error


def _cut_short(conn: socket.socket, wire: _Wire) -> None:
    # Headers promising a body, half of it, then the server goes away.
    if wire.read_request(conn):
        conn.sendall(_answer()[: -len(OK_BODY) // 2])
    conn.close()


def _nonsense(conn: socket.socket, wire: _Wire) -> None:
    # Something that is not HTTP where the status line should be.
    if wire.read_request(conn):
        conn.sendall(b"garbage, not a status line\r\n\r\n")
    conn.close()


def _header_too_long(conn: socket.socket, wire: _Wire) -> None:
    if wire.read_request(conn):
        conn.sendall(_answer(extra=f"X-Long: {'a' * 70_000}\r\n"))
    conn.close()


@pytest.mark.parametrize("serve", [_cut_short, _nonsense, _header_too_long])
def test_an_answer_that_cannot_be_read_is_an_unknown_outcome_never_resent(
    pool: ConnectionPool, serve: Callable[[socket.socket, _Wire], None]
) -> None:
    # http.client says so with its own errors (IncompleteRead, BadStatusLine, LineTooLong),
    # which are not OSError: every caller that handles a dropped connection must see one.
    with _wire(serve) as wire:
        client = _client(wire.url, pool)
        with pytest.raises(OSError) as raised:
            pool.post(wire.url + "chat.postMessage", body=b"", headers={}, timeout=2)
        assert not isinstance(raised.value, URLError)  # the request was sent: not safe to retry
        result = post_scheduled(client, channel="C1", message=HELLO)
        assert len(wire.requests) == 2
    assert result.outcome is PostOutcome.FAILED
    assert result.error is not None and OUTCOME_UNKNOWN in result.error


def test_a_connection_closed_without_an_answer_is_retried_once_by_a_listeners_client(
    pool: ConnectionPool,
) -> None:
    def hang_up_on_the_first(conn: socket.socket, wire: _Wire) -> None:
        if wire.accepted == 1:
            if wire.read_request(conn):
                conn.close()
            return
        _keep_answering(conn, wire)

    # http.client's RemoteDisconnected is a ConnectionResetError too: it reaches the client as
    # it is, and a listener's client (slack_sdk's ConnectionErrorRetryHandler) tries once more.
    with _wire(hang_up_on_the_first) as wire:
        client = _client(wire.url, pool, listeners=True)
        assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"]
        assert (wire.accepted, len(wire.requests)) == (2, 2)


def test_a_listeners_client_never_resends_a_post_whose_answer_it_could_not_read(
    pool: ConnectionPool,
) -> None:
    with _wire(_cut_short) as wire:
        client = _client(wire.url, pool, listeners=True)
        with pytest.raises(UnreadableAnswer, match="IncompleteRead"):
            client.chat_postMessage(channel="C1", text="once")
        # Slack may have posted it: the retry a dropped connection gets would post it twice.
        assert len(wire.requests) == 1


def test_a_request_http_client_would_not_send_is_safe_to_retry(
    pool: ConnectionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise http.client.CannotSendRequest("Request-sent")

    with _wire(_keep_answering) as wire:
        monkeypatch.setattr(http.client.HTTPConnection, "request", refuse)
        result = post_scheduled(_client(wire.url, pool), channel="C1", message=HELLO)
        assert wire.requests == []
    assert result.outcome is PostOutcome.RETRY
    assert result.error is not None and result.error.startswith("connection:")


def test_a_429_keeps_its_retry_after(pool: ConnectionPool) -> None:
    throttle = _answering(
        b'{"ok": false, "error": "ratelimited"}',
        status="429 Too Many Requests",
        extra="Retry-After: 7\r\n",
    )
    with _wire(throttle) as wire:
        client = _client(wire.url, pool)
        result = post_scheduled(client, channel="C1", message=HELLO)
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="again")
        # The connection stays usable after an error status.
        assert wire.accepted == 1
    assert result.outcome is PostOutcome.RATE_LIMITED and result.retry_after == 7
    assert raised.value.response.status_code == 429


def test_a_proxy_from_the_environment_is_used_as_urllib_would(
    pool: ConnectionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _wire(_keep_answering) as proxy:
        monkeypatch.setenv("http_proxy", proxy.url.removesuffix("/api/"))
        monkeypatch.setenv("no_proxy", "")
        client = _client("http://slack.invalid/api/", pool)
        assert post_scheduled(client, channel="C1", message=HELLO).outcome is PostOutcome.SENT
        # The proxy got the request for the API's own address; our pool was never used.
        assert proxy.requests == [b"POST http://slack.invalid/api/chat.postMessage HTTP/1.1"]
    assert pool.opened == 0


def test_a_connection_left_idle_at_the_back_is_closed_when_too_old() -> None:
    now = [0.0]
    pool = ConnectionPool(clock=lambda: now[0])
    both_in = threading.Barrier(2, timeout=10)
    closed: list[int] = []

    def answer(conn: socket.socket, wire: _Wire) -> None:
        first = True
        while wire.read_request(conn):
            if first:
                both_in.wait()  # two calls at once: two connections
                first = False
            conn.sendall(_answer())
        closed.append(1)

    with _wire(answer) as wire:
        client = _client(wire.url, pool)
        calls = [
            threading.Thread(
                target=post_scheduled, args=(client,), kwargs={"channel": "C1", "message": HELLO}
            )
            for _ in range(2)
        ]
        for call in calls:
            call.start()
        for call in calls:
            call.join(timeout=10)
        assert wire.accepted == 2
        # Calls one at a time reuse the newest connection; the other waits at the back.
        now[0] += IDLE_SECONDS / 2
        post_scheduled(client, channel="C1", message=HELLO)
        now[0] += IDLE_SECONDS / 2 + 1
        post_scheduled(client, channel="C1", message=HELLO)
        # Given back, the newest closed the one idle too long.
        for _ in range(500):
            if closed:
                break
            threading.Event().wait(0.02)
        assert closed == [1] and wire.accepted == 2
    pool.close()


def test_a_server_keeping_idle_connections_briefly_is_taken_at_its_word() -> None:
    now = [0.0]
    pool = ConnectionPool(clock=lambda: now[0])

    with _wire(_answering(extra="Keep-Alive: timeout=2, max=100\r\n")) as wire:
        client = _client(wire.url, pool)
        post_scheduled(client, channel="C1", message=HELLO)
        now[0] += 0.5
        post_scheduled(client, channel="C1", message=HELLO)
        assert wire.accepted == 1
        # It keeps them 2 s; ours go a second before that.
        now[0] += 1.5
        post_scheduled(client, channel="C1", message=HELLO)
        assert wire.accepted == 2
    pool.close()


def test_an_error_status_is_an_http_error_as_urllib_raised(pool: ConnectionPool) -> None:
    with _wire(_answering(b"upstream trouble", status="503 Service Unavailable")) as wire:
        client = _client(wire.url, pool)
        request = Request(f"{wire.url}chat.postMessage", data=b"{}", method="POST")
        with pytest.raises(HTTPError) as raised:
            client._perform_urllib_http_request_internal(request.full_url, request)
        # What slack_sdk reads off it: the status, the headers and the body.
        assert raised.value.code == 503
        assert raised.value.headers.get_content_type() == "application/json"
        assert raised.value.read() == b"upstream trouble"
        assert wire.accepted == 1


def test_a_copy_shares_the_pool(pool: ConnectionPool) -> None:
    # Bolt copies a request's context, its client included, for work after the ack.
    client = _client("http://127.0.0.1:9/api/", pool)
    copied = copy.deepcopy(client)
    assert copied is not client and copied.pool is pool
    assert (copied.token, copied.base_url, copied.timeout) == (client.token, client.base_url, 5)
