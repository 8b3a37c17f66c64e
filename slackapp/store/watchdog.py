"""A client-side limit on every PostgreSQL round trip, for a server that stops answering.

`statement_timeout` is enforced by the server, and TCP's own limits only help when packets are
dropped. A server that is frozen (its process stopped, a proxy that accepts and never answers)
keeps acknowledging our packets and never replies, so a query would wait for ever. The
watchdog arms a deadline when a statement, commit or rollback starts and disarms it when it
returns; past the deadline it shuts the connection's socket, the driver fails at once, and the
pool throws that connection away.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

#: How often the watchdog looks at the deadlines.
TICK_SECONDS = 0.2


class Watchdog:
    """Deadlines for in-flight round trips on one engine's connections."""

    def __init__(self, engine: Engine, *, limit: float) -> None:
        self.limit = limit
        self._deadlines: dict[int, tuple[float, int]] = {}  # id(dbapi conn) -> (deadline, fd)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        event.listen(engine, "before_cursor_execute", self._arm_cursor)
        event.listen(engine, "after_cursor_execute", self._disarm_cursor)
        event.listen(engine, "handle_error", self._disarm_error)
        event.listen(engine, "commit", self._arm_connection)
        event.listen(engine, "rollback", self._arm_connection)
        event.listen(engine.pool, "checkin", self._disarm_checkin)
        event.listen(engine.pool, "invalidate", self._disarm_invalidated)
        # The pool's pre-ping talks to the server outside any statement event: watch it too.
        ping = engine.dialect.do_ping

        def watched_ping(dbapi_connection: Any) -> bool:
            self._arm(dbapi_connection)
            try:
                return bool(ping(dbapi_connection))
            finally:
                self._disarm(dbapi_connection)

        engine.dialect.do_ping = watched_ping  # type: ignore[method-assign]

    def _arm(self, dbapi_connection: Any) -> None:
        try:
            fd = int(dbapi_connection.fileno())
        except Exception:  # closed or not a psycopg connection: nothing to watch
            return
        with self._lock:
            self._deadlines[id(dbapi_connection)] = (time.monotonic() + self.limit, fd)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-watchdog", daemon=True)
                self._thread.start()

    def _disarm(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._deadlines.pop(id(dbapi_connection), None)

    def _arm_cursor(self, conn: Any, *_: Any) -> None:
        self._arm(conn.connection.dbapi_connection)

    def _disarm_cursor(self, conn: Any, *_: Any) -> None:
        self._disarm(conn.connection.dbapi_connection)

    def _disarm_error(self, context: Any) -> None:
        connection = getattr(context, "connection", None)
        if connection is None or connection.invalidated:
            return  # the pool's invalidate event disarms it
        if connection.connection.dbapi_connection is not None:
            self._disarm(connection.connection.dbapi_connection)

    def _arm_connection(self, conn: Any) -> None:
        # A connection the server dropped has nothing to say on the wire at its rollback; and
        # asking it for its DBAPI connection would try to reconnect inside the failed
        # transaction (PendingRollbackError in place of the driver's OperationalError).
        if not conn.invalidated:
            self._arm(conn.connection.dbapi_connection)

    def _disarm_invalidated(self, dbapi_connection: Any, _record: Any, _error: Any) -> None:
        if dbapi_connection is not None:
            self._disarm(dbapi_connection)

    def _disarm_checkin(self, dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            self._disarm(dbapi_connection)

    def _watch(self) -> None:
        while True:
            time.sleep(TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                expired = [(key, fd) for key, (due, fd) in self._deadlines.items() if due < now]
                for key, _ in expired:
                    del self._deadlines[key]
            for _, fd in expired:
                log.error(
                    "the database did not answer for %.0f s; dropping the connection", self.limit
                )
                _shut(fd)


def _shut(fd: int) -> None:
    try:
        duplicate = os.dup(fd)
    except OSError:
        return
    with socket.socket(fileno=duplicate) as sock, contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
