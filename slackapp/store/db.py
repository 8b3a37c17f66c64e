"""Engine, sessions and the one place that owns commit and rollback."""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, CursorResult, Date, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import TypedReturnsRows

from slackapp.store import revisions
from slackapp.store.watchdog import Watchdog

#: How long SQLite waits for another writer's lock when no statement timeout bounds it
#: (operator commands such as `migrate`), in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Each SQLite connection's page cache, in KiB (SQLite's default is 2 MB). At a million entries
#: the boards' and the digest's index pages no longer fit in 2 MB, and every miss is a system
#: call: 16 at once over 2 processes, alternated twice on one database, the weekly digest's
#: p50 was 53-61 ms with 16 MB and 64-84 ms without, the App Home's 16-21 ms and 20-23 ms. A
#: connection's cache fills only as far as it reads, so a small database costs what it did.
SQLITE_CACHE_KIB = 16_384
#: Execution option marking a connection whose transactions only read.
READ_ONLY = "valueboard_read_only"
#: How much longer than the statement timeout a round trip may take before it is cut.
WATCHDOG_GRACE_S = 1
#: Seconds unacknowledged data may wait on a PostgreSQL connection before it is dropped.
TCP_USER_TIMEOUT_S = 2
#: A pooled PostgreSQL connection idle at least this long is pinged before use, so that one the
#: server dropped meanwhile (a restart, an idle timeout on the way) is replaced, not handed out.
#: One used within the last second is not: a busy process saves a round trip per checkout,
#: 0.12-0.14 ms of its 0.5-0.6 ms around a one-statement read. A restart that falls between two
#: uses that close fails the next statement on that connection, which then renews the whole pool.
PING_AFTER_IDLE_S = 1.0
#: Connections each process keeps, and how many more it may open at busy moments, when
#: nothing says otherwise (the served app sizes them by its threads: see open_database).
DEFAULT_POOL_SIZE = 10
DEFAULT_POOL_OVERFLOW = 10
#: Seconds a unit of work waits its turn to write to SQLite before the member hears "busy".
WRITE_GATE_WAIT_S = 2.0
#: Read transactions each process runs at once (see ReadGate). One per core of the machine it
#: was measured on: one place measured no better than two, and two keep one slow read (an
#: export, a digest) from holding up every other.
DEFAULT_READ_PLACES = 2

_Ts = TypeVarTuple("_Ts")


class DatabaseBusy(Exception):
    """The database had more writers waiting than it could take in time; nothing was saved."""


class ReadsBusy(DatabaseBusy):
    """No turn to read came in time (see ReadGate): nothing was read, and nothing changed."""


class WriteGate:
    """SQLite's single writer, taken in turn: a lock in this process, then a lock file.

    SQLite lets one transaction write at a time, and its own waiting (the busy handler) sleeps
    and retries, so under load writers starve each other for seconds. Here writers queue on a
    process lock, and the one at its head takes an exclusive lock on a file beside the
    database (shared by every process on the machine) before BEGIN IMMEDIATE: by then the
    write lock is free, and it is released right after COMMIT. Whoever cannot get in within
    `wait` seconds gets DatabaseBusy, which members hear as "busy, nothing was saved".
    """

    def __init__(self, path: Path, *, wait: float = WRITE_GATE_WAIT_S) -> None:
        self.path = path
        self.wait = wait
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        # Opened per process: a descriptor inherited across fork shares its lock with the parent.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the gate for the block, or raise DatabaseBusy after `wait` seconds."""
        deadline = time.monotonic() + self.wait
        if not self._lock.acquire(timeout=self.wait):
            raise DatabaseBusy(f"no turn to write within {self.wait:g} s (this process)")
        try:
            fd = self._file()
            pause = 0.0005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DatabaseBusy(
                            f"no turn to write within {self.wait:g} s (another process)"
                        ) from None
                    # One waiter per process polls: short pauses, a few milliseconds at most.
                    time.sleep(pause)
                    pause = min(pause * 2, 0.004)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()


class ReadGate:
    """Read transactions admitted a few at a time, first come, first served.

    A process's threads take turns on the GIL, and not fairly: whoever holds it keeps going,
    so under load most reads finish in a millisecond while a few wait dozens of others out (a
    board at a million rows, 16 clients over two processes, SQLite: p50 1-4 ms, p99 45-94 ms).
    Here at most `places` read transactions run at once per process, and a freed place goes
    straight to the longest waiter (never to a newcomer, nor back to the thread that freed
    it), so waits are shared out evenly (the same boards: p99 8-46 ms). Whoever gets no place
    within `wait` seconds gets ReadsBusy (a DatabaseBusy). A read scope opened inside another,
    or inside a unit of work, runs in the place its thread already holds: a thread waits here
    at most once.
    """

    def __init__(self, places: int = DEFAULT_READ_PLACES, *, wait: float = 2.0) -> None:
        if places < 1:
            raise ValueError("a read gate needs at least one place")
        self.places = places
        self.wait = wait
        self._reset()
        # Per process: a forked child starts with nobody inside and nobody waiting, set before
        # any of its threads can ask (a weak reference: registrations outlive gates).
        gate = weakref.ref(self)

        def reset_in_child() -> None:
            if (alive := gate()) is not None:
                alive._reset()

        os.register_at_fork(after_in_child=reset_in_child)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._free = self.places
        self._queue: deque[threading.Event] = deque()
        self._depth = threading.local()

    @property
    def waiting(self) -> int:
        """Threads of this process waiting for a place."""
        return len(self._queue)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a place for the block (or the one this thread holds already)."""
        depth = getattr(self._depth, "value", 0)
        if depth == 0:
            self._enter()
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth
            if depth == 0:
                self._leave()

    @contextmanager
    def passed(self) -> Iterator[None]:
        """Run the block as if holding a place, without taking one: a unit of work's own reads,
        so that a writer never waits for readers that may be waiting for it."""
        depth = getattr(self._depth, "value", 0)
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth

    def _enter(self) -> None:
        with self._lock:
            if self._free and not self._queue:
                self._free -= 1
                return
            turn = threading.Event()
            self._queue.append(turn)
        if turn.wait(self.wait):
            return
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out: the place is ours
                return
            self._queue.remove(turn)
        raise ReadsBusy(f"no turn to read within {self.wait:g} s")

    def _leave(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().set()
            else:
                # Never more than `places`: a place taken before a fork is freed in the child
                # too, by the thread that forked, after the child's gate started afresh.
                self._free = min(self._free + 1, self.places)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long the app waits on its database before giving up, in seconds.

    `connect`: to open a connection (PostgreSQL's connect_timeout; libpq counts at least 2 s).
    `pool`: for a free connection from the pool when all are busy.
    `statement`: for one statement (PostgreSQL's statement_timeout; SQLite's busy timeout,
    the wait for another writer's lock). None means no limit, for operator commands like
    migrations and exports that may legitimately run long.
    """

    connect: float = 3
    pool: float = 2
    statement: float | None = 5

    @property
    def health(self) -> float:
        """How long a health check waits for its answer before calling the database down."""
        return max(self.connect, self.pool) + 1


def normalize_url(url: str) -> URL:
    """Parse a database URL, choosing the psycopg 3 driver for plain postgresql:// URLs."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _postgres_url(url: URL, timeouts: Timeouts) -> URL:
    """`url` with our timeouts added, keeping any the URL itself sets (and its other options)."""
    query: dict[str, str] = {}
    if "connect_timeout" not in url.query:
        # libpq wants whole seconds; it rounds anything under 2 up to 2.
        query["connect_timeout"] = str(max(1, round(timeouts.connect)))
    if "tcp_user_timeout" not in url.query:
        # A server that stops answering mid-query (a black-holed connection) is given up on
        # after this long, instead of TCP's many minutes: no statement timeout can fire then.
        query["tcp_user_timeout"] = str(round(TCP_USER_TIMEOUT_S * 1000))
        query.setdefault("keepalives", "1")
        query.setdefault("keepalives_idle", "5")
        query.setdefault("keepalives_interval", "2")
        query.setdefault("keepalives_count", "2")
    if timeouts.statement is not None:
        existing = url.query.get("options", "")
        options = existing if isinstance(existing, str) else " ".join(existing)
        if "statement_timeout" not in options:
            limit = f"-c statement_timeout={round(timeouts.statement * 1000)}"
            query["options"] = f"{limit} {options}".strip()
    return url.update_query_dict(query) if query else url


def create_db_engine(
    url: str,
    *,
    echo: bool = False,
    timeouts: Timeouts | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    max_overflow: int = DEFAULT_POOL_OVERFLOW,
) -> Engine:
    """An engine tuned for the backend, with timeouts so that a hung database cannot hang us.

    PostgreSQL: connect and statement timeouts, and a ping of connections left idle so that a
    pool recovers by itself after the database restarts. SQLite: WAL, a bounded busy timeout,
    immediate write locks, and a page cache that holds a big database's hot index pages.
    """
    timeouts = timeouts or Timeouts()
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(
            _postgres_url(parsed, timeouts),
            echo=echo,
            pool_timeout=timeouts.pool,
            pool_size=pool_size,
            max_overflow=max_overflow,
        )
        _ping_when_idle(engine)
        _custom_plans_for_writes(engine)
        if timeouts.statement is not None:
            # The server's statement_timeout fires first while the server is alive.
            Watchdog(engine, limit=timeouts.statement + WATCHDOG_GRACE_S)
        return engine
    database = parsed.database or ""
    in_memory = not database or database == ":memory:"
    if not in_memory and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    busy_ms = (
        SQLITE_BUSY_TIMEOUT_MS if timeouts.statement is None else round(timeouts.statement * 1000)
    )
    # A file database gets a QueuePool; an in-memory one a pool without checkout waits.
    pool_options: dict[str, Any] = (
        {}
        if in_memory
        else {"pool_timeout": timeouts.pool, "pool_size": pool_size, "max_overflow": max_overflow}
    )
    engine = create_engine(
        parsed,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
        **pool_options,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Read-only work begins a plain (deferred) transaction: WAL readers never wait on the
        # writer. Everything else takes the write lock up front, because a transaction that
        # reads and then writes would otherwise fail with SQLITE_BUSY instead of waiting.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _custom_plans_for_writes(engine: Engine) -> None:
    """PostgreSQL: a writing transaction plans each statement for its own values.

    psycopg prepares a statement at its sixth run on a connection, and after five runs
    PostgreSQL may keep one generic plan for it, made for no value in particular and from the
    statistics of its day. On a table that grows fast (a new workspace's entries) such a plan
    stays a poor one until the next ANALYZE: a /connect's look for a teammate's latest touch
    of the person it names sorted every entry for them, while the entry's transaction held that
    person's row, and /connect at 16 at once went from 216 to 62 a second. Reads keep their
    plans (the boards' prepared statements are half their database time), writes re-plan.
    """

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


_USED_AT = "valueboard_used_at"


def _ping_when_idle(engine: Engine) -> None:
    """The pool's pre-ping, for connections idle PING_AFTER_IDLE_S or more (see there).

    A connection the server has dropped is thrown away with every other pooled one, and a new
    one taken, as the pool's own pre-ping does (SQLAlchemy retries a checkout that raises
    InvalidatePoolError); any other failure of the ping is raised. The ping is the dialect's,
    so the Watchdog bounds it.
    """

    def used(_dbapi_connection: Any, record: Any) -> None:
        record.info[_USED_AT] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        used_at = record.info.get(_USED_AT)
        if used_at is not None and time.monotonic() - used_at < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                # The server went away (a restart, most likely): renew every pooled
                # connection now, as the pool's own pre-ping does, rather than each in turn.
                raise InvalidatePoolError(f"dropped while idle: {error}") from error
            raise
        record.info[_USED_AT] = time.monotonic()

    event.listen(engine.pool, "connect", used)
    event.listen(engine.pool, "checkin", used)
    event.listen(engine.pool, "checkout", checkout)


def _write_gate(engine: Engine) -> WriteGate | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return WriteGate(Path(f"{database}-gate"))


def single_statement_reads(engine: Engine) -> Engine:
    """`engine` for reads made outside our scopes, one statement per connection (slack_sdk's
    installation look-ups on every request): on SQLite a plain BEGIN, so that they never queue
    for SQLite's write lock nor hold it; on PostgreSQL autocommit, so no BEGIN and ROLLBACK
    round trips, and no ROLLBACK to drop psycopg's prepared statements. Writes stay on `engine`.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine.execution_options(**{READ_ONLY: True})


def plain_rows(
    session: Session,
    statement: TypedReturnsRows[*_Ts],
    parameters: Mapping[str, Any] | None = None,
) -> CursorResult[*_Ts]:
    """Run `statement` on the session's connection (its transaction) and return plain rows.

    For read queries that return many small rows (counts, dates, ids): the ORM's row loading
    costs more than the query there. Pending ORM changes are flushed first, as an ORM query's
    autoflush would, so the rows include what this session has just written.
    """
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters)


class unindexed(FunctionElement[Any]):
    """A column that SQLite must not look up through an index (`+column`); as is elsewhere.

    SQLite keeps no statistics here, so it cannot know that a person's entries are few: given
    `team_id = ? AND person_id = ? AND local_date < ?` it may walk the team's days instead of
    the person's entries, and it groups by person by walking every person of the team. Marking
    the one column keeps it on the index that answers fast. PostgreSQL plans by cost.
    """

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: ColumnElement[Any] | QueryableAttribute[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + str(compiler.process(element.clauses, **kw))


class month_start(FunctionElement[date]):
    """The first day of `column`'s month (a Date), as both databases write it."""

    inherit_cache = True
    name = "month_start"
    type = Date()


@compiles(month_start)
def _month_start(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    # Through timestamp (no zone): on a date, date_trunc would take timestamptz and the
    # session's TimeZone, and a month whose first midnight a zone skipped would come out wrong.
    column = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('month', CAST({column} AS TIMESTAMP)) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class Database:
    """The engine plus a session factory; `session_scope()` is the unit of work."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        timeouts: Timeouts | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        max_overflow: int = DEFAULT_POOL_OVERFLOW,
        read_places: int = DEFAULT_READ_PLACES,
    ) -> None:
        self.url = url
        self.timeouts = timeouts or Timeouts()
        self.engine = create_db_engine(
            url, echo=echo, timeouts=self.timeouts, pool_size=pool_size, max_overflow=max_overflow
        )
        #: SQLite files only: writers take turns here before BEGIN IMMEDIATE (see WriteGate).
        self.write_gate = _write_gate(self.engine)
        #: Read transactions take turns here, a few at once (see ReadGate).
        self.read_gate = ReadGate(read_places, wait=self.timeouts.pool)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        revisions.watch(self.engine, self._sessions)
        # A read scope sees one moment of the database, whatever commits while it reads: a
        # SQLite read transaction always does; on PostgreSQL each statement would otherwise
        # see its own (a team's settings from before a save and its kept runs from after).
        # Read-only transactions there never fail to serialize, and both are set client-side.
        snapshot = (
            {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            if self.engine.dialect.name == "postgresql"
            else {}
        )
        self._readers = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}, **snapshot),
            expire_on_commit=False,
        )
        self._commit_reads = self.engine.dialect.name == "postgresql"
        # SQLite answers a bare SELECT 1 without opening the file: read its schema instead.
        postgresql = self.engine.dialect.name == "postgresql"
        self._probe = text("SELECT 1" if postgresql else "SELECT 1 FROM sqlite_master LIMIT 1")

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @property
    def writers_take_turns(self) -> bool:
        """Whether writes queue at the write gate (SQLite files).

        Then the reads a write depends on are best done before its turn, in `read_scope`, so
        that the turn stays short. Elsewhere (PostgreSQL) writers run side by side, and doing
        those reads inside the write's own transaction saves a checkout and its round trips.
        """
        return self.write_gate is not None

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back if it raises.

        On a SQLite file it first waits its turn at the write gate (DatabaseBusy if none
        comes); read-only work belongs in `read_scope`, which never waits there.
        """
        gates = self.write_gate.held() if self.write_gate is not None else nullcontext()
        with self.read_gate.passed(), gates:
            session = self._sessions()
            try:
                yield session
                revisions.raise_revisions(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def read_scope(self, *, take_turn: bool = True) -> Iterator[Session]:
        """A session for reads only, all of them at one moment; on SQLite it never takes the
        write lock, and on PostgreSQL it cannot write. It waits its turn at the read gate
        first (ReadsBusy if none comes in time), unless `take_turn=False`: for the few long
        reads (a member's export, a purge's look at the tables) that would otherwise hold a
        place every board waits for."""
        with self.read_gate.held() if take_turn else nullcontext():
            session = self._readers()
            try:
                yield session
                if self._commit_reads and not (session.new or session.dirty or session.deleted):
                    # Nothing to write (the transaction is read-only there anyway): ending it
                    # with COMMIT rather than ROLLBACK keeps psycopg's prepared statements,
                    # which it drops at every rollback (it prepares one at its sixth run).
                    session.commit()
            finally:
                session.close()  # ends the transaction; loaded objects stay readable

    def ping(self, *, timeout: float | None = None) -> bool:
        """Whether the database answers a trivial query within `timeout` (default: timeouts.health).

        The query runs in its own thread: a connection to a server that stopped answering
        (a pooled one, say, that the pre-ping now waits on) blocks with no client-side limit,
        and a health check must answer even then. A stuck thread holds one pooled connection
        at most, so the pool's own timeout bounds how many can pile up.
        """
        answers: list[bool] = []

        def check() -> None:
            try:
                # A read: on SQLite it never queues for the write lock (a busy writer is not a
                # database down) nor holds it; on PostgreSQL one round trip, no ROLLBACK.
                with single_statement_reads(self.engine).connect() as connection:
                    connection.execute(self._probe)
            except Exception:
                answers.append(False)
            else:
                answers.append(True)

        thread = threading.Thread(target=check, name="db-ping", daemon=True)
        thread.start()
        thread.join(self.timeouts.health if timeout is None else timeout)
        return bool(answers) and answers[0]

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
