"""Team revisions: a number per team, raised by every write that may change what its members'
App Homes show, so that a Home read at the team's current revision can be served again.

No use case has to remember it. Every INSERT, UPDATE and DELETE that SQLAlchemy runs passes an
engine hook (`watch`) that notes which teams it wrote for: the `team_id` values among its
parameters; when it has none (an update by primary key), the teams its unit of work said it is
for (`for_team`, which `ensure_team` calls); and with neither, every team. Just before the unit
of work commits, `raise_revisions` raises those teams' revisions in one statement of the same
transaction, so a reader sees the new revision exactly when it sees the change.

A revision is kept in parts (`team_revisions.shard`) and read as their sum; each unit of work
adds 1 to one part, picked at random on PostgreSQL. A raised part stays locked until the
commit, and an entry raises its part early (`raise_first`): with a single number, the entries
of one team would take turns for the whole of their transactions. The sum goes up with every
commit, whichever part it raised, so a reader can never see the same sum before and after a
change. Writes to the
tables no Home reads (the delivery ledger, processed events, Slack's installations) raise none.

Writes made outside `Database.session_scope` (a migration, a script) raise no revision; a
process started after them reads everything afresh.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import weakref
from collections.abc import Iterator
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Connection,
    Engine,
    Integer,
    bindparam,
    event,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import BinaryExpression, ClauseElement, ColumnClause, TextClause
from sqlalchemy.sql.selectable import CTE

from slackapp.store.models import TEAM_COLUMN, Team, TeamRevision

log = logging.getLogger(__name__)

#: Tables no App Home reads: writing to them changes no team's revision.
UNSEEN_TABLES = frozenset(
    {"deliveries", "processed_events", "alembic_version", TeamRevision.__tablename__}
)
#: slack_sdk's installation store keeps its tables under this prefix.
_SLACK_TABLES = "slack_"
#: In a connection's `info`: the teams written for in the current transaction.
_WRITTEN = "valueboard_written_for"
#: In a session's `info`: the teams its unit of work is for.
_FOR = "valueboard_for_teams"
#: Stands for "a write whose team is not known".
_UNKNOWN = ""
#: In a connection's `info`: the teams whose revision the transaction raised early.
_RAISED = "valueboard_raised_early"


def watch(engine: Engine, sessions: sessionmaker[Session]) -> None:
    """Note, on each connection of `engine`, the teams its transaction writes for; and in each
    of `sessions`, the teams of the objects it writes."""
    event.listen(engine, "begin", _forget)
    event.listen(engine, "after_cursor_execute", _noted)
    event.listen(sessions, "before_flush", _flushed)


def for_team(session: Session, team_id: str) -> None:
    """Say that `session`'s unit of work is for `team_id`: a write of its that names no team
    (an update by primary key) is then taken to be that team's, not every team's."""
    session.info.setdefault(_FOR, set()).add(team_id)


def raise_first(session: Session, team_id: str) -> None:
    """Raise `team_id`'s revision now rather than at the commit, for a unit of work that is
    about to write for it and holds no row another unit of work may want yet.

    On PostgreSQL a raised part stays locked to the commit, and the last statement before the
    commit runs while the unit of work holds every row it wrote: an entry's person, say, which
    every entry naming them waits for. Raised first, the part is no longer inside that wait.
    The team's row is taken shared in the same statement, before the part, as every entry
    takes it (store.tallies): a purge or a settings change, which take that row alone, are
    waited for before the part is held, never while it is. Parts raised first and parts raised
    at the commit are never the same ones, so a unit of work waiting for a part raised first
    holds none of the rows its holder may wait for. Once per unit of work and team.
    """
    connection = session.connection()
    raised: set[str] = connection.info.setdefault(_RAISED, set())
    if team_id in raised:
        return
    dialect = connection.dialect.name
    done = connection.execute(
        _raising(dialect, every=False, first=True),
        {"shard": _shard(dialect, first=True), "teams": [team_id]},
        execution_options={"preserve_rowcount": True},  # an INSERT's count is kept on request
    )
    if done.rowcount:  # a team without a row yet is raised at the commit, once it has one
        raised.add(team_id)


def raise_revisions(session: Session) -> None:
    """Raise the revision of each team `session` wrote for; call it last before the commit."""
    if not session.in_transaction():
        return
    session.flush()
    connection = session.connection()
    written: set[str] | None = connection.info.get(_WRITTEN)
    if not written:
        return
    teams: set[str] | None = written - {_UNKNOWN}
    if _UNKNOWN in written:
        declared: set[str] | None = session.info.get(_FOR)
        teams = None if not declared else written - {_UNKNOWN} | declared
    if teams is None:
        log.debug("a write named no team: every team's revision raised")
        global _every_team_raises
        with _COUNTING:
            _every_team_raises += 1
    else:
        teams -= connection.info.get(_RAISED, set())
        if not teams:
            connection.info.pop(_WRITTEN, None)
            return
    dialect = connection.dialect.name
    parameters: dict[str, Any] = {"shard": _shard(dialect)}
    if teams is not None:
        parameters["teams"] = sorted(teams)
    connection.execute(_raising(dialect, every=teams is None), parameters)
    connection.info.pop(_WRITTEN, None)


#: How many parts a team's revision is kept in on PostgreSQL. A part stays locked from its
#: raise to the commit, so two entries of a team wait for each other only when they raise the
#: same part; the revision is read as the sum of at most this many rows. The first half is
#: for raise_first, the second for raises at the commit. SQLite writes one transaction at a
#: time: there it is one part.
SHARDS = 32


def _shard(dialect: str, *, first: bool = False) -> int:
    if dialect != "postgresql":
        return 0
    half = SHARDS // 2
    return random.randrange(half) + (0 if first else half)


#: The statement raising the revisions, by dialect, whether for every team and whether first.
_RAISING: dict[tuple[str, bool, bool], Any] = {}


def _raising(dialect: str, *, every: bool, first: bool = False) -> Any:
    """Add 1 to one part of each team's revision (a new part starts at 1): only teams that
    exist, so that a purged team gets no row back; in one order everywhere, so that two units
    of work raising the same part never wait on each other's rows. `first`: holding the
    teams' rows shared (see raise_first)."""
    statement = _RAISING.get((dialect, every, first))
    if statement is None:
        chosen = select(Team.team_id, bindparam("shard", type_=Integer), literal(1, BigInteger))
        if not every:
            chosen = chosen.where(Team.team_id.in_(bindparam("teams", expanding=True)))
        if first:
            chosen = chosen.with_for_update(read=True)  # SQLite has no row locks: nothing
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _RAISING[(dialect, every, first)] = (
            make(TeamRevision)
            .from_select(
                [TeamRevision.team_id, TeamRevision.shard, TeamRevision.revision],
                chosen.order_by(Team.team_id),
            )
            .on_conflict_do_update(
                index_elements=[TeamRevision.team_id, TeamRevision.shard],
                set_={TeamRevision.revision: TeamRevision.revision + 1},
            )
        )
    return statement


_COUNTING = threading.Lock()
_every_team_raises = 0


def every_team_raises() -> int:
    """How many units of work in this process raised every team's revision (a write that
    named no team, in a unit of work for none): a test keeps requests from doing it."""
    with _COUNTING:
        return _every_team_raises


def _flushed(session: Session, _context: Any, _instances: Any) -> None:
    # Rows the unit of work writes as objects: their own team, whatever the statement names.
    for row in (*session.new, *session.dirty, *session.deleted):
        team_id = getattr(row, TEAM_COLUMN, None)
        if isinstance(team_id, str):
            for_team(session, team_id)


def _forget(connection: Connection) -> None:
    connection.info.pop(_WRITTEN, None)
    connection.info.pop(_RAISED, None)


def _noted(
    connection: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    if context is None:
        return
    if context.isinsert or context.isupdate or context.isdelete:
        keys = _team_keys(context.compiled)
    elif context.compiled is None:  # SQL run as written (exec_driver_sql)
        keys = frozenset() if _writes(statement) else None
    else:  # a SELECT that may write (data-modifying CTEs), or text()
        keys = _hidden_team_keys(context.compiled, statement)
    if keys is None:
        return
    teams = {
        team
        for parameters in getattr(context, "compiled_parameters", None) or ()
        for key, value in parameters.items()
        # An expanding IN gives one parameter per value: team_id_1_1, team_id_1_2...
        if key in keys or key.rpartition("_")[0] in keys
        for team in _values(value)
    }
    written: set[str] = connection.info.setdefault(_WRITTEN, set())
    written.update(teams or (_UNKNOWN,))


#: Per compiled statement: the names of its parameters that hold a team id (None: it writes
#: nothing a Home reads). SQLAlchemy caches compiled statements, so each is looked at once.
_KEYS: weakref.WeakKeyDictionary[Any, frozenset[str] | None] = weakref.WeakKeyDictionary()
_MISSING = object()


_KEYS_LOCK = threading.Lock()


def _kept_keys(compiled: Any) -> object:
    try:
        with _KEYS_LOCK:
            return _KEYS.get(compiled, _MISSING)
    except TypeError:  # not something a weak reference can point at: looked at every time
        return _MISSING


def _keep_keys(compiled: Any, keys: frozenset[str] | None) -> None:
    with _KEYS_LOCK, contextlib.suppress(TypeError):
        _KEYS[compiled] = keys


def _team_keys(compiled: Any) -> frozenset[str] | None:
    """An INSERT, UPDATE or DELETE."""
    found = _kept_keys(compiled)
    if found is not _MISSING:
        return cast("frozenset[str] | None", found)
    statement = getattr(compiled, "statement", None)
    keys = None if _unseen(statement) else frozenset(_team_binds(compiled, statement))
    _keep_keys(compiled, keys)
    return keys


def _hidden_team_keys(compiled: Any, sql: str) -> frozenset[str] | None:
    """A statement SQLAlchemy does not count as a write that may still be one: a SELECT over
    data-modifying CTEs (the tallies' upserts on PostgreSQL), or DML written out in text()."""
    found = _kept_keys(compiled)
    if found is not _MISSING:
        return cast("frozenset[str] | None", found)
    statement = getattr(compiled, "statement", None)
    keys: frozenset[str] | None = None
    if isinstance(statement, ClauseElement) and not isinstance(statement, TextClause):
        writes = [
            element.element
            for element in visitors.iterate(statement)
            if isinstance(element, CTE) and isinstance(element.element, UpdateBase)
        ]
        if any(not _unseen(write) for write in writes):
            keys = frozenset(key for write in writes for key in _team_binds(compiled, write))
    elif _writes(sql):
        keys = frozenset()  # whose rows, only the SQL knows: taken as the unit of work's
    _keep_keys(compiled, keys)
    return keys


def _writes(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))


def _unseen(statement: Any) -> bool:
    name = getattr(getattr(statement, "table", None), "name", None)
    return isinstance(name, str) and (name in UNSEEN_TABLES or name.startswith(_SLACK_TABLES))


def _team_binds(compiled: Any, statement: Any) -> Iterator[str]:
    # A row's own team_id (an ORM flush, an insert of dicts) goes by the column's name.
    yield TEAM_COLUMN
    bind_names = getattr(compiled, "bind_names", {})
    # An insert's values, `.values(team_id=bindparam("b_team"))`.
    for column, value in (getattr(statement, "_values", None) or {}).items():
        if getattr(column, "name", column) == TEAM_COLUMN and isinstance(value, BindParameter):
            yield bind_names.get(value, value.key)
    # A comparison anywhere in the statement: `team_id = :b_team`, `team_id IN (...)`.
    for element in visitors.iterate(statement):
        if not isinstance(element, BinaryExpression):
            continue
        for column, value in ((element.left, element.right), (element.right, element.left)):
            if (
                isinstance(column, ColumnClause)
                and column.name == TEAM_COLUMN
                and isinstance(value, BindParameter)
            ):
                yield bind_names.get(value, value.key)


def _values(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        yield from (item for item in value if isinstance(item, str))
