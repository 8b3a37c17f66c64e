"""`slackapp deliver` as cron runs it: real processes against the stand-in and one database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.models import Delivery
from tests.scheduling.rig import (
    DIGESTS,
    MONDAY_NINE,
    NUDGES,
    TEAM,
    add_teams,
    log_week,
    make_team,
    ny,
)
from tests.store.test_purge import counts, seed, uninstall
from tests.support.factories import add_member

pytestmark = pytest.mark.slow

_SUMMARY = re.compile(r"^(\d+) sent, (\d+) skipped, (\d+) to retry, (\d+) failed, (\d+) paused")


def deliver_env(standin: SlackEmulator, database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLACK_") and k not in {"DATABASE_URL", "TEST_DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=database_url,
        SLACK_API_URL=standin.api_url,
        SLACK_BOT_TOKEN=standin.bot_token,
        LOG_LEVEL="WARNING",
    )
    return env


def command(at: datetime | str | None) -> list[str]:
    args = [sys.executable, "-m", "slackapp", "deliver"]
    if at is not None:
        args += ["--at", at if isinstance(at, str) else at.isoformat()]
    return args


def run_deliver(
    standin: SlackEmulator, db: Database, at: datetime | str | None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(at),
        env=deliver_env(standin, db.url),
        cwd=cwd,  # away from any developer's .env
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def summary(output: str) -> tuple[int, ...]:
    for line in output.splitlines():
        match = _SUMMARY.match(line)
        if match:
            return tuple(int(n) for n in match.groups())
    raise AssertionError(f"no summary line in:\n{output}")


@pytest.fixture
def channels(standin: SlackEmulator) -> SlackEmulator:
    standin.add_channel(NUDGES, name="nudges")
    standin.add_channel(DIGESTS, name="wins")
    return standin


def test_deliver_across_a_fortnight_with_dst_posts_each_nudge_once_at_nine_local(
    db: Database, channels: SlackEmulator, tmp_path: Path
) -> None:
    make_team(db, digest_mode="weekly")
    log_week(db, end=date(2027, 3, 12))
    log_week(db, end=date(2027, 3, 19))
    # Every day at 13:00 and 14:00 UTC: 08:00 and 09:00 in New York before the change on
    # Sunday 14 March, 09:00 and 10:00 after it. Fridays also at 20:00 and 21:00 UTC.
    instants: list[datetime] = []
    for offset in range(14):
        day = date(2027, 3, 8) + timedelta(days=offset)
        hours = [13, 14] + ([20, 21] if day.weekday() == 4 else [])
        instants += [datetime(day.year, day.month, day.day, h, tzinfo=UTC) for h in hours]
    posted_at: list[tuple[str, datetime]] = []
    for at in instants:
        before = len(channels.calls("chat.postMessage"))
        result = run_deliver(channels, db, at, tmp_path)
        assert result.returncode == 0, result.stderr
        new = channels.calls("chat.postMessage")[before:]
        posted_at += [(str(call.params["channel"]), at) for call in new]
        assert summary(result.stdout)[0] == len(new)
        for call in new:
            assert f"sent      {'nudge' if call.params['channel'] == NUDGES else 'digest'}" in (
                result.stdout
            )
        if new:
            # The same --at again: nothing more goes out.
            rerun = run_deliver(channels, db, at, tmp_path)
            assert rerun.returncode == 0, rerun.stderr
            assert summary(rerun.stdout)[:2] == (0, 0)
            assert len(channels.calls("chat.postMessage")) == before + len(new)

    nudges = [at for channel, at in posted_at if channel == NUDGES]
    work_days = [date(2027, 3, d) for d in (8, 9, 10, 11, 12, 15, 16, 17, 18, 19)]
    assert nudges == [ny(d.year, d.month, d.day, 9, 0) for d in work_days]
    assert [at.hour for at in nudges] == [14] * 5 + [13] * 5
    digests = [at for channel, at in posted_at if channel == DIGESTS]
    assert digests == [ny(2027, 3, 12, 16, 0), ny(2027, 3, 19, 16, 0)]
    assert [at.hour for at in digests] == [21, 20]
    assert len(channels.uploads) == 2
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in channels.uploads)


def test_three_deliver_processes_at_once_post_each_delivery_exactly_once(
    db: Database, channels: SlackEmulator, tmp_path: Path
) -> None:
    make_team(db, digest_mode="daily", digest_time="09:00")
    make_team(db, team_id="T0DM", nudge_mode="dm", nudge_channel=None)
    members = [f"U{n:03d}" for n in range(40)]
    with db.session_scope() as session:
        for user in members:
            add_member(session, team_id="T0DM", user_id=user, timezone="America/New_York")
    env = deliver_env(channels, db.url)
    processes = [
        subprocess.Popen(
            command(MONDAY_NINE),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    targets = Counter(str(c.params["channel"]) for c in channels.calls("chat.postMessage"))
    expected = {NUDGES: 1, DIGESTS: 1} | dict.fromkeys(members, 1)
    assert targets == expected
    assert sum(summary(out)[0] for out, _ in outputs) == len(expected)
    with db.session_scope() as session:
        rows = session.scalars(select(Delivery)).all()
        assert sorted(r.status for r in rows) == ["sent"] * len(expected)


def test_three_deliver_processes_share_many_teams_and_post_each_once(
    db: Database, channels: SlackEmulator, tmp_path: Path
) -> None:
    targets = add_teams(db, 80, members=2)  # 40 channel nudges and 80 DMs
    channels.slow("chat.postMessage", 0.05)
    env = deliver_env(channels, db.url) | {"DELIVERY_CONCURRENCY": "4"}
    processes = [
        subprocess.Popen(
            command(MONDAY_NINE),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    posted = Counter(str(c.params["channel"]) for c in channels.calls("chat.postMessage"))
    assert posted == Counter(targets)
    assert sum(summary(out)[0] for out, _ in outputs) == len(targets)
    with db.session_scope() as session:
        statuses = Counter(session.scalars(select(Delivery.status)))
    assert statuses == Counter({"sent": len(targets)})


def test_deliver_reports_a_post_skipped_after_downtime(
    db: Database, channels: SlackEmulator, tmp_path: Path
) -> None:
    make_team(db)
    result = run_deliver(channels, db, MONDAY_NINE + timedelta(hours=3), tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"skipped   nudge to {NUDGES} for 2027-03-15 [team {TEAM}" in result.stdout
    assert "3h late, past the 2h grace period" in result.stdout
    assert "skipped nudge" in result.stderr  # and logged
    assert summary(result.stdout)[:2] == (0, 1)
    assert channels.calls("chat.postMessage") == []


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("nonsense", "is not an ISO-8601 instant"),
        ("2027-13-01T09:00Z", "is not an ISO-8601 instant"),
        ("2027-03-15T09:00", "has no UTC offset"),
    ],
)
def test_a_bad_at_is_a_clear_error(
    db: Database, channels: SlackEmulator, tmp_path: Path, at: str, message: str
) -> None:
    result = run_deliver(channels, db, at, tmp_path)
    assert result.returncode == 2
    assert "argument --at" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert channels.calls() == []


def test_deliver_without_a_token_says_what_to_set(
    db: Database, channels: SlackEmulator, tmp_path: Path
) -> None:
    env = deliver_env(channels, db.url)
    del env["SLACK_BOT_TOKEN"]
    result = subprocess.run(
        command(None),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_deliver_purges_workspaces_past_their_retention_by_the_real_clock(
    db: Database, standin: SlackEmulator, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    seed(db, "T1")
    seed(db, "T2")
    uninstall(db, "T1", at=now - timedelta(days=31))
    uninstall(db, "T2", at=now - timedelta(days=29))
    # --at rehearses another instant for the tick; the purge keeps to the real clock.
    result = run_deliver(standin, db, now - timedelta(days=300), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "deleted the data of team T1" in result.stdout
    # "team T2", not "T2": the tick's timestamp (…T20:38…) holds "T2" for hours 20 to 23.
    assert "team T2" not in result.stdout
    assert not any(counts(db, "T1").values())
    assert all(counts(db, "T2").values())
