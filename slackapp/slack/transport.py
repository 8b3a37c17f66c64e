"""Web API calls over kept-alive connections: one TCP (and TLS) set-up serves many calls.

slack_sdk's WebClient opens a connection for every call and closes it after the answer
(urllib). A weekly digest makes four calls (the message, then the chart's upload in three
steps), so a fan-out spent as much on setting connections up and down, and on the far side
accepting them, as on the calls themselves; against Slack each new connection is also a TLS
handshake and a round trip or two. `KeptAliveWebClient` sends the same requests through a
`ConnectionPool` that keeps answered connections open for the next call.

What urllib promised, this keeps: an error while connecting or sending is a URLError (Slack
never read the request, so it is safe to try again: see slack.posting), an error while waiting
for the answer is not (Slack may have acted on it), and an HTTP error status is an HTTPError.
It also closes a gap urllib left: an answer cut short or malformed comes from http.client as an
error of its own, not an OSError, and passed every caller's handling of a dropped connection;
here it is an UnreadableAnswer, an OSError meaning the same as one.
An idle connection the server may have closed is never written to: it is dropped once idle for
IDLE_SECONDS (below the idle timeouts servers use) or for less than what the server said it
keeps, or when the server has already hung up (it reads as readable). That leaves a window of
one network trip: a server that closes a connection just as a post goes out on it costs that
post (its answer cannot be read, so the scheduler never resends it; a listener's client tries
once more), as a connection dropped mid-answer always did. With a proxy configured (the
client's own, which slack_sdk takes from HTTP(S)_PROXY), calls go through urllib as before.
"""

from __future__ import annotations

import copy
import io
import select
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from functools import cache
from http.client import HTTPConnection, HTTPException, HTTPMessage, HTTPSConnection
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.web.file_upload_v2_result import FileUploadV2Result

__all__ = [
    "IDLE_SECONDS",
    "MAX_IDLE",
    "ConnectionPool",
    "KeptAliveWebClient",
    "UnreadableAnswer",
    "shared_pool",
]

#: A connection idle longer than this is closed, not reused: below the idle timeouts servers
#: use (5 s at Node.js and Apache, 60 s and more at load balancers and nginx), so that ours
#: never meets one closing under a request. A server that says less ("Keep-Alive: timeout=")
#: is taken at its word. Within a fan-out, calls follow each other by milliseconds.
IDLE_SECONDS = 4.0
#: Idle connections kept per host; more (after a burst of concurrent calls) are closed.
MAX_IDLE = 64

_Key = tuple[str, str, int]


class UnreadableAnswer(ConnectionError):
    """A request was sent and its answer could not be read: cut short (IncompleteRead), not
    HTTP (BadStatusLine) or too long a line (LineTooLong). http.client raises those as its own
    errors, not OSError; as a dropped connection, the server may have acted on the request."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP response, read whole."""

    status: int
    reason: str
    headers: HTTPMessage
    body: bytes


@cache
def _default_context() -> ssl.SSLContext:
    # What urlopen uses when given no context: the system's trusted CAs, hostnames checked.
    return ssl.create_default_context()


def _hung_up(connection: HTTPConnection) -> bool:
    """Whether an idle connection's server has closed it (or sent something unasked)."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


class ConnectionPool:
    """Open HTTP(S) connections by host, each used by one call at a time (thread-safe)."""

    def __init__(
        self,
        *,
        max_idle: int = MAX_IDLE,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_idle = max_idle
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._idle: dict[_Key, list[tuple[HTTPConnection, float]]] = {}
        #: Connections opened so far (for tests and benchmarks).
        self.opened = 0

    def post(
        self,
        url: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float,
        context: ssl.SSLContext | None = None,
    ) -> Answer:
        """POST `body` to `url` and read the whole answer.

        Raises URLError when the request could not be sent (never read by the server), and
        OSError (a timeout, a dropped connection) when its answer could not be read.
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise SlackRequestError(f"Invalid URL detected: {url}")
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, parts.hostname, port)
        target = parts.path or "/"
        if parts.query:
            target = f"{target}?{parts.query}"
        connection = self._take(key, timeout=timeout, context=context)
        try:
            try:
                # Connects first when it has to; either way, nothing of it was answered yet.
                connection.request("POST", target, body=body, headers=dict(headers))
            except (OSError, HTTPException) as error:
                raise URLError(error) from error
            with _readable():
                response = connection.getresponse()
                answer = Answer(response.status, response.reason, response.headers, response.read())
        except BaseException:
            connection.close()
            raise
        keep = self._idle_seconds
        offered = _keep_alive_timeout(response.headers)
        if offered is not None:
            keep = min(keep, offered - 1.0)  # a second's margin for the network
        if connection.sock is None or keep <= 0:
            connection.close()  # it said "Connection: close", or keeps nothing idle
        else:
            self._give_back(key, connection, until=self._clock() + keep)
        return answer

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _ in connections:
                connection.close()

    def _take(self, key: _Key, *, timeout: float, context: ssl.SSLContext | None) -> HTTPConnection:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                # The most recently used first: the least likely to have been closed.
                connection, until = idle.pop() if idle else (None, 0.0)
            if connection is None:
                break
            if self._clock() > until or _hung_up(connection):
                connection.close()
                continue
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
            return connection
        scheme, host, port = key
        with self._lock:
            self.opened += 1
        if scheme == "https":
            return HTTPSConnection(
                host, port, timeout=timeout, context=context or _default_context()
            )
        return HTTPConnection(host, port, timeout=timeout)

    def _give_back(self, key: _Key, connection: HTTPConnection, *, until: float) -> None:
        now = self._clock()
        closing: list[HTTPConnection] = []
        with self._lock:
            idle = self._idle.setdefault(key, [])
            # Those left at the back past their time are closed now rather than when next
            # taken, so that connections their server has since closed do not linger.
            kept = [(c, t) for c, t in idle if t >= now]
            closing.extend(c for c, t in idle if t < now)
            if len(kept) < self._max_idle:
                kept.append((connection, until))
            else:
                closing.append(connection)
            self._idle[key] = kept
        for old in closing:
            old.close()


@contextmanager
def _readable() -> Iterator[None]:
    """Reading an answer: http.client's own errors become UnreadableAnswer (an OSError).

    RemoteDisconnected (the server closed without answering) is one already, a
    ConnectionResetError: it stays as it is, which listeners' clients retry once.
    """
    try:
        yield
    except HTTPException as error:
        if isinstance(error, OSError):
            raise
        # What the server sent may be long and hold line breaks: a short, quoted piece of it.
        raise UnreadableAnswer(f"{type(error).__name__}: {str(error)[:200]!r}") from error


def _keep_alive_timeout(headers: HTTPMessage) -> float | None:
    """The seconds a server says it keeps an idle connection ("Keep-Alive: timeout=5")."""
    for part in (headers.get("Keep-Alive") or "").split(","):
        name, _, value = part.partition("=")
        if name.strip().lower() == "timeout":
            try:
                return float(value.strip())
            except ValueError:
                return None
    return None


_SHARED = ConnectionPool()


def shared_pool() -> ConnectionPool:
    """The process's pool: every kept-alive client shares it (one per workspace token too)."""
    return _SHARED


def _text(answer: Answer) -> str:
    return answer.body.decode(answer.headers.get_content_charset() or "utf-8")


def _checked(url: str, answer: Answer) -> Answer:
    """The answer, or the HTTPError urllib raises for a status other than 2xx."""
    if 200 <= answer.status < 300:
        return answer
    headers: Message = answer.headers
    raise HTTPError(url, answer.status, answer.reason, headers, io.BytesIO(answer.body))


class KeptAliveWebClient(WebClient):
    """A WebClient whose calls, file uploads included, reuse open connections."""

    def __init__(self, *args: Any, pool: ConnectionPool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool or _SHARED

    def __deepcopy__(self, memo: dict[int, Any]) -> KeptAliveWebClient:
        """A copy on the same pool (Bolt copies a request's context, client included, for the
        threads that go on after its ack): the connections are the process's, and a pool's
        lock cannot be copied."""
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied
        for name, value in vars(self).items():
            setattr(copied, name, value if name == "pool" else copy.deepcopy(value, memo))
        return copied

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        data = req.data
        # Through a proxy (the client's own, which slack_sdk also takes from HTTP(S)_PROXY),
        # as urllib does.
        if not (data is None or isinstance(data, bytes)) or self.proxy is not None:
            # urllib wraps OSError before the request is sent in URLError; an http.client error
            # from urllib (a proxy's garbled answer to CONNECT, say) is taken, cautiously, as
            # an unreadable answer: never resent.
            with _readable():
                return super()._perform_urllib_http_request_internal(url, req)
        answer = _checked(
            url,
            self.pool.post(
                url,
                body=data,
                headers=dict(req.header_items()),
                timeout=self.timeout,
                context=self.ssl,
            ),
        )
        if answer.headers.get_content_type() == "application/gzip":
            return {"status": answer.status, "headers": answer.headers, "body": answer.body}
        return {"status": answer.status, "headers": answer.headers, "body": _text(answer)}

    def _upload_file(
        self,
        *,
        url: str,
        data: bytes,
        logger: Any,
        timeout: int,
        proxy: str | None,
        ssl: ssl.SSLContext | None,
    ) -> FileUploadV2Result:
        if proxy is not None:
            with _readable():
                return super()._upload_file(
                    url=url, data=data, logger=logger, timeout=timeout, proxy=proxy, ssl=ssl
                )
        # The same request urllib made: the bytes, with the form type it adds to a bare POST.
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = _checked(
            url, self.pool.post(url, body=data, headers=headers, timeout=timeout, context=ssl)
        )
        return FileUploadV2Result(status=answer.status, body=_text(answer))
