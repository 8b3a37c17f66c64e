"""Shedding load: a request that waited too long for a serving thread is answered "busy" at once.

gunicorn's gthread worker accepts connections as they come and queues them for its threads;
under more load than the threads can serve, that queue only grows, and every request in it
waits longer than the last, well past the 3 seconds Slack waits for an answer. Our worker stamps
each connection when it joins the queue; the web layer reads how long the request it is
answering waited (`queued_for`) and, past WEB_QUEUE_LIMIT, answers it straight away (after its
signature is checked) instead of doing its work late: a slash command hears "very busy,
nothing was saved", anything else gets a 503 that Slack shows or retries. The wait in that
queue is then bounded, and the member is told rather than left hanging. (Connections beyond
gunicorn's worker_connections wait in the kernel's backlog, which no process can see; and each
busy answer still takes a thread for a moment, to check its signature.)
"""

from __future__ import annotations

import threading
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

#: The attribute our worker stamps on a connection when it is queued for a thread.
_QUEUED_AT = "valueboard_queued_at"

_current = threading.local()


class QueueTimedWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker, noting when each connection was queued for a thread."""

    def enqueue_req(self, conn: Any) -> None:
        # New connections and kept-alive ones with a new request both come through here.
        setattr(conn, _QUEUED_AT, time.monotonic())
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        # The wait ends here, as a thread takes the connection: what follows (a client slow to
        # send its request, say) is the client's time, not the queue's.
        queued_at: float | None = getattr(conn, _QUEUED_AT, None)
        _current.waited = 0.0 if queued_at is None else max(0.0, time.monotonic() - queued_at)
        try:
            return super().handle(conn)
        finally:
            _current.waited = 0.0


def queued_for() -> float:
    """Seconds the request this thread is answering waited for a thread (0 outside our worker)."""
    waited: float = getattr(_current, "waited", 0.0)
    return waited
