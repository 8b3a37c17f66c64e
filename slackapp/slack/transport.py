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
An idle connection the server may have closed is never written to: it is dropped when it has
been idle for IDLE_SECONDS (far below the idle timeouts servers use) or when the server has
already hung up (it reads as readable). With a proxy configured (the client's own, or the
environment's HTTP(S)_PROXY), calls go through urllib as before.
"""

from __future__ import annotations

import http.client
import io
import select
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from functools import cache
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, getproxies, proxy_bypass

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.web.file_upload_v2_result import FileUploadV2Result

__all__ = ["IDLE_SECONDS", "MAX_IDLE", "ConnectionPool", "KeptAliveWebClient", "shared_pool"]

#: A connection idle longer than this is closed, not reused: servers close idle connections
#: after a minute or more (60 s at common load balancers, 75 s at nginx), so ours never meets
#: one closing under a request.
IDLE_SECONDS = 10.0
#: Idle connections kept per host; more (after a burst of concurrent calls) are closed.
MAX_IDLE = 64

_Key = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP response, read whole."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes


@cache
def _default_context() -> ssl.SSLContext:
    # What urlopen uses when given no context: the system's trusted CAs, hostnames checked.
    return ssl.create_default_context()


def _hung_up(connection: http.client.HTTPConnection) -> bool:
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
        self._idle: dict[_Key, list[tuple[http.client.HTTPConnection, float]]] = {}
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
            except OSError as error:
                raise URLError(error) from error
            response = connection.getresponse()
            answer = Answer(response.status, response.reason, response.headers, response.read())
        except BaseException:
            connection.close()
            raise
        # One that said "Connection: close" is closed already, and is dropped when next taken.
        self._give_back(key, connection)
        return answer

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _ in connections:
                connection.close()

    def _take(
        self, key: _Key, *, timeout: float, context: ssl.SSLContext | None
    ) -> http.client.HTTPConnection:
        now = self._clock()
        stale: list[http.client.HTTPConnection] = []
        found: http.client.HTTPConnection | None = None
        with self._lock:
            idle = self._idle.get(key)
            while idle and found is None:
                # The most recently used first: the least likely to have been closed.
                connection, since = idle.pop()
                if now - since > self._idle_seconds:
                    stale.append(connection)
                    stale.extend(c for c, _ in idle)  # older still
                    idle.clear()
                else:
                    found = connection
        for connection in stale:
            connection.close()
        if found is not None and not _hung_up(found):
            found.timeout = timeout
            if found.sock is not None:
                found.sock.settimeout(timeout)
            return found
        if found is not None:
            found.close()
        scheme, host, port = key
        with self._lock:
            self.opened += 1
        if scheme == "https":
            return http.client.HTTPSConnection(
                host, port, timeout=timeout, context=context or _default_context()
            )
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def _give_back(self, key: _Key, connection: http.client.HTTPConnection) -> None:
        now = self._clock()
        closing: list[http.client.HTTPConnection] = []
        with self._lock:
            idle = self._idle.setdefault(key, [])
            # The oldest first: those idle too long are closed now rather than when next
            # taken, so that connections the server has since closed do not linger.
            while idle and now - idle[0][1] > self._idle_seconds:
                closing.append(idle.pop(0)[0])
            if len(idle) < self._max_idle:
                idle.append((connection, now))
            else:
                closing.append(connection)
        for old in closing:
            old.close()


_SHARED = ConnectionPool()


def shared_pool() -> ConnectionPool:
    """The process's pool: every kept-alive client shares it (one per workspace token too)."""
    return _SHARED


def _through_proxy(url: str) -> bool:
    """Whether the environment sends `url` through a proxy (as urllib would)."""
    parts = urlsplit(url)
    proxies = getproxies()
    return parts.scheme.lower() in proxies and not proxy_bypass(parts.hostname or "")


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

    def _kept_alive(self, url: str, proxy: str | None) -> bool:
        return proxy is None and not _through_proxy(url)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        data = req.data
        if not (data is None or isinstance(data, bytes)) or not self._kept_alive(url, self.proxy):
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
        if not self._kept_alive(url, proxy):
            return super()._upload_file(
                url=url, data=data, logger=logger, timeout=timeout, proxy=proxy, ssl=ssl
            )
        # The same request urllib made: the bytes, with the form type it adds to a bare POST.
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = _checked(
            url, self.pool.post(url, body=data, headers=headers, timeout=timeout, context=ssl)
        )
        return FileUploadV2Result(status=answer.status, body=_text(answer))
