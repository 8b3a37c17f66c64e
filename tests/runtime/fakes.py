"""Databases that misbehave on the wire: one that never answers, and a proxy that can hang."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never says a word: a database that hangs."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, database: str = "valueboard") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self._listener.close()
        for held in self._held:
            held.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(connection)


class HangingProxy:
    """Forwards TCP to `upstream` on 127.0.0.1, until told to hang.

    `hang()`: new connections are accepted and never answered, and bytes stop flowing on the
    open ones (a database that froze). `recover()`: the frozen connections are closed, as a
    restarted database would close them, and forwarding resumes.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._hanging = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> HangingProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self._listener.close()
        self._close_all()

    def hang(self) -> None:
        self._hanging.set()

    def recover(self) -> None:
        self._close_all()
        self._hanging.clear()

    def _close_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by its other end
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._sockets.append(client)
            if self._hanging.is_set():
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(server)
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        ends = {client: server, server: client}
        while not self._stopped.is_set():
            if self._hanging.is_set():
                self._stopped.wait(0.05)
                if client.fileno() < 0 or server.fileno() < 0:
                    return
                continue
            try:
                readable, _, _ = select.select(list(ends), [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    ends[sock].sendall(data)
            except (OSError, ValueError):  # closed under us by recover() or __exit__
                return
