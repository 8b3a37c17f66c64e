"""SQLite's write gate: writers take turns across threads and processes, readers never wait.

Without the gate, two processes writing at once with a short busy timeout see "database is
locked"; with it they queue. A writer that cannot get its turn in time gets DatabaseBusy (which
members hear as "busy, nothing was saved"), never a half-done write.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from slackapp.store.db import Database, DatabaseBusy, Timeouts, WriteGate
from slackapp.store.models import MemberTotal, Team
from tests.support.factories import add_team

ROOT = Path(__file__).resolve().parents[2]

#: Each process: THREADS threads, each WRITES transactions that read, then write, then commit.
_WRITER = textwrap.dedent(
    """
    import sys, threading
    from datetime import UTC, date, datetime
    from slackapp.store.db import Database, Timeouts
    from slackapp.store.tallies import count_entry

    url, name, threads, writes, gated = sys.argv[1:6]
    # A busy timeout far shorter than the work queued behind it: SQLite's own waiting gives up.
    db = Database(url, timeouts=Timeouts(statement=0.001))
    if gated != "gated":
        db.write_gate = None
    else:
        db.write_gate.wait = 60  # a slow turn on a busy machine is not what is under test
    errors = []

    def work(n):
        for k in range(int(writes)):
            try:
                with db.session_scope() as session:
                    count_entry(
                        session, team_id="T1", user_id=f"{name}-{n}", local_date=date(2026, 12, 5),
                        principle="solve", delta=1,
                    )
            except Exception as error:
                errors.append(repr(error))

    pool = [threading.Thread(target=work, args=(n,)) for n in range(int(threads))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    print(len(errors), errors[:1])
    """
)

THREADS = 6
WRITES = 25


def _sqlite_only(db: Database) -> None:
    if db.backend != "sqlite":
        pytest.skip("the write gate is SQLite's")


def _writers(db: Database, *, gated: bool) -> list[str]:
    """Two processes writing at once; what each printed (its error count first)."""
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WRITER,
                db.url,
                name,
                str(THREADS),
                str(WRITES),
                "gated" if gated else "ungated",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("A", "B")
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out.strip())
    return outputs


def _written(db: Database) -> int:
    with db.read_scope() as session:
        return int(session.scalar(select(func.sum(MemberTotal.count))) or 0)


def test_two_processes_writing_at_once_never_see_database_is_locked(db: Database) -> None:
    _sqlite_only(db)
    outputs = _writers(db, gated=True)
    assert [out.split()[0] for out in outputs] == ["0", "0"], outputs
    assert _written(db) == 2 * THREADS * WRITES


def test_without_the_gate_the_same_load_does_see_database_is_locked(db: Database) -> None:
    """The test above could fail: SQLite alone, with that busy timeout, refuses writers."""
    _sqlite_only(db)
    outputs = _writers(db, gated=False)
    assert any(out.split()[0] != "0" for out in outputs), outputs
    assert "database is locked" in " ".join(outputs)


def test_a_writer_that_gets_no_turn_in_time_is_told_busy_and_changes_nothing(
    db: Database,
) -> None:
    _sqlite_only(db)
    assert db.write_gate is not None
    # Another process's gate on the same file: the lock file, not this process's lock, decides.
    other = WriteGate(db.write_gate.path, wait=0.2)
    with other.held():
        db.write_gate.wait = 0.2
        with pytest.raises(DatabaseBusy), db.session_scope() as session:
            add_team(session, team_id="TBUSY")
    with db.read_scope() as session:
        assert session.get(Team, "TBUSY") is None
    with db.session_scope() as session:  # its turn comes once the other lets go
        add_team(session, team_id="TBUSY")


def test_writers_of_one_process_wait_their_turn_and_busy_after_the_wait(db: Database) -> None:
    _sqlite_only(db)
    assert db.write_gate is not None
    db.write_gate.wait = 0.2
    inside = threading.Event()
    leave = threading.Event()

    def hold() -> None:
        with db.session_scope() as session:
            add_team(session, team_id="THOLD")
            inside.set()
            leave.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert inside.wait(10)
        with pytest.raises(DatabaseBusy), db.session_scope() as session:
            add_team(session, team_id="TLATE")
        # Reads never wait at the gate: a WAL reader sees the last commit meanwhile.
        with db.read_scope() as session:
            assert session.get(Team, "TLATE") is None
            assert session.get(Team, "THOLD") is None  # not committed yet
    finally:
        leave.set()
        holder.join()
    with db.read_scope() as session:
        assert session.get(Team, "THOLD") is not None


def test_only_sqlite_files_have_a_gate(tmp_path: Path) -> None:
    assert Database("sqlite://").write_gate is None
    on_file = Database(f"sqlite:///{tmp_path / 'x.db'}", timeouts=Timeouts())
    assert on_file.write_gate is not None
    assert on_file.write_gate.path == tmp_path / "x.db-gate"
