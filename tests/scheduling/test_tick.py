"""The delivery tick against the Slack stand-in: what goes out, when, and only once."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, text

from slackapp.clock import system_clock
from slackapp.domain.team_settings import DigestMode, NudgeMode, SettingsUpdate
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.scheduling import tick as scheduler_module
from slackapp.scheduling.report import TickReport
from slackapp.scheduling.tick import (
    MISFIRE_GRACE_SECONDS,
    resume_reinstalled_team,
    start_scheduler,
)
from slackapp.store.db import Database
from slackapp.store.events import claim_event
from slackapp.store.models import Member, ProcessedEvent
from slackapp.store.team_settings import save_settings
from tests.scheduling.rig import (
    ADMIN,
    DIGESTS,
    MONDAY_NINE,
    NUDGES,
    PNG_SIGNATURE,
    TEAM,
    Rig,
    log_week,
    make_team,
    ny,
    settings_for,
    utc,
)
from tests.support.databases import write_lock_held
from tests.support.factories import add_member


def test_a_simulated_fortnight_across_dst_sends_each_post_once_at_its_local_time(
    rig: Rig,
) -> None:
    # Channel nudge and weekly digest (Fridays 16:00) for one team; DM nudges and a daily
    # digest (17:30) for another whose members live in New York, Berlin, or opted out.
    make_team(rig.db, digest_mode="weekly")
    make_team(
        rig.db,
        team_id="T0DM",
        nudge_mode="dm",
        nudge_channel=None,
        digest_mode="daily",
        digest_channel="C0DMDIGEST",
        digest_time="17:30",
    )
    with rig.db.session_scope() as session:
        add_member(session, team_id="T0DM", user_id="U1", timezone="America/New_York")
        add_member(session, team_id="T0DM", user_id="U2", timezone="Europe/Berlin")
        add_member(session, team_id="T0DM", user_id="U3", timezone="America/New_York")
        opted_out = session.get(Member, ("T0DM", "U3"))
        assert opted_out is not None
        opted_out.nudges_enabled = False
    log_week(rig.db, end=date(2027, 3, 12))
    log_week(rig.db, end=date(2027, 3, 19))

    sent_at: dict[tuple[str, str], list[datetime]] = {}
    start = ny(2027, 3, 8, 0, 0)
    at = start
    while at < start + timedelta(days=14):
        before = len(rig.posts())
        first = rig.tick(at)
        new = rig.posts()[before:]
        for call in new:
            text_ = str(call.params.get("text"))
            sent_at.setdefault((call.params["channel"], text_[:6]), []).append(at)
        assert len(first.sent) == len(new) and first.failed == () and first.errors == ()
        # The same tick again (a rerun, a second process, a restart) changes nothing.
        again = rig.tick(at)
        assert again.sent == () and again.skipped == () and len(rig.posts()) == before + len(new)
        at += timedelta(minutes=30)

    def times(channel: str) -> list[datetime]:
        return sorted(t for (c, _), ts in sent_at.items() if c == channel for t in ts)

    work_days = [date(2027, 3, d) for d in (8, 9, 10, 11, 12, 15, 16, 17, 18, 19)]
    # 09:00 in New York: 14:00 UTC before Sunday 14 March, 13:00 UTC after it.
    expected_nine = [ny(d.year, d.month, d.day, 9, 0) for d in work_days]
    assert times(NUDGES) == expected_nine
    assert [t.hour for t in expected_nine] == [14] * 5 + [13] * 5
    assert times("U1") == expected_nine
    # Berlin keeps its clocks until 28 March: 09:00 CET is 08:00 UTC on both weeks.
    assert times("U2") == [utc(d.year, d.month, d.day, 8, 0) for d in work_days]
    assert times("U3") == []
    assert times(DIGESTS) == [ny(2027, 3, 12, 16, 0), ny(2027, 3, 19, 16, 0)]
    assert times("C0DMDIGEST") == [ny(d.year, d.month, d.day, 17, 30) for d in work_days]
    assert len(rig.posts()) == 10 + 10 + 10 + 2 + 10
    assert [r.status for r in rig.rows()] == ["sent"] * 42
    assert all(r.message_ts for r in rig.rows())
    # The weekly digests each came with a real PNG chart.
    assert len(rig.standin.uploads) == 2
    for png in rig.standin.uploads:
        assert png.startswith(PNG_SIGNATURE)
        assert Image.open(io.BytesIO(png)).format == "PNG"
    completes = rig.standin.calls("files.completeUploadExternal")
    assert [c.params.get("channel_id") for c in completes] == [DIGESTS, DIGESTS]


@pytest.mark.parametrize(
    ("late", "goes_out"),
    [
        (timedelta(minutes=90), True),
        (timedelta(hours=2), True),
        (timedelta(hours=2, minutes=1), False),
        (timedelta(hours=3), False),
    ],
)
def test_after_downtime_a_post_within_the_grace_goes_once_and_an_older_one_is_skipped(
    rig: Rig, caplog: pytest.LogCaptureFixture, late: timedelta, goes_out: bool
) -> None:
    make_team(rig.db)
    with caplog.at_level(logging.WARNING, logger="slackapp.scheduling.tick"):
        report = rig.tick(MONDAY_NINE + late)
        rig.tick(MONDAY_NINE + late + timedelta(minutes=1))
        rig.tick(MONDAY_NINE + late + timedelta(minutes=30))
    assert len(rig.posts(NUDGES)) == (1 if goes_out else 0)
    assert [r.status for r in rig.rows()] == ["sent" if goes_out else "skipped"]
    assert len(report.sent if goes_out else report.skipped) == 1
    skipped_logs = [r for r in caplog.records if r.getMessage().startswith("skipped nudge")]
    assert len(skipped_logs) == (0 if goes_out else 1)
    if not goes_out:
        assert "past the 2h grace period" in skipped_logs[0].getMessage()


def test_the_grace_period_comes_from_settings(db: Database, standin: SlackEmulator) -> None:
    settings = settings_for(standin, db, delivery_grace_minutes=30)
    rig = Rig(db=db, standin=standin, settings=settings, clock=system_clock)
    make_team(db)
    report = rig.tick(MONDAY_NINE + timedelta(minutes=45))
    assert len(report.skipped) == 1 and rig.posts() == []


def test_a_schedule_saved_after_its_time_starts_the_next_day_without_a_burst(rig: Rig) -> None:
    make_team(rig.db, nudge_mode="off")
    update = SettingsUpdate(
        timezone="America/New_York",
        work_days=frozenset(range(5)),
        daily_goal=10,
        nudge_mode=NudgeMode.CHANNEL,
        nudge_channel=NUDGES,
        nudge_time=datetime(2027, 1, 1, 9, 0).time(),  # noqa: DTZ001
        digest_mode=DigestMode.OFF,
        digest_channel=None,
        digest_time=datetime(2027, 1, 1, 16, 0).time(),  # noqa: DTZ001
        digest_weekday=4,
    )
    with rig.db.session_scope() as session:
        save_settings(
            session,
            team_id=TEAM,
            update=update,
            user_id=ADMIN,
            now=MONDAY_NINE + timedelta(minutes=30),
        )
    report = rig.tick(MONDAY_NINE + timedelta(minutes=31))
    assert report.quiet and rig.posts() == [] and rig.rows() == []
    rig.tick(MONDAY_NINE + timedelta(days=1))
    assert len(rig.posts(NUDGES)) == 1


def test_resume_asks_slack_only_when_a_team_waits_for_its_token(rig: Rig) -> None:
    make_team(rig.db)
    assert resume_reinstalled_team(db=rig.db, client=rig.client) is None
    assert rig.standin.calls("auth.test") == []


def test_the_check_for_a_team_waiting_on_its_token_waits_for_no_writer(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    # It only reads, but took the write lock: behind a busy writer it failed (logged) and the
    # hourly check was lost.
    make_team(rig.db)
    with write_lock_held(rig.db):
        assert resume_reinstalled_team(db=rig.db, client=rig.client) is None
    assert "could not check" not in caplog.text


def test_a_tick_never_raises_even_without_its_table(rig: Rig) -> None:
    make_team(rig.db)
    with rig.db.engine.begin() as connection:
        connection.execute(text("DROP TABLE deliveries"))
    report = rig.tick(MONDAY_NINE)
    assert report.errors and report.sent == ()
    assert rig.posts() == []


def test_logs_never_carry_the_token(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    make_team(rig.db, digest_mode="daily")
    rig.standin.fail("chat.postMessage", "token_revoked")
    with caplog.at_level(logging.DEBUG):
        rig.tick(MONDAY_NINE)
        rig.tick(ny(2027, 3, 15, 16, 0))
    ours = [r for r in caplog.records if r.name.startswith("slackapp")]
    assert ours
    assert all(rig.standin.bot_token not in r.getMessage() for r in ours)
    assert all(rig.standin.bot_token not in (r.exc_text or "") for r in ours)


def test_the_tick_forgets_event_ids_older_than_a_day(rig: Rig) -> None:
    with rig.db.session_scope() as session:
        claim_event(session, event_id="EvOld", team_id=TEAM, now=MONDAY_NINE - timedelta(days=2))
        claim_event(session, event_id="EvNew", team_id=TEAM, now=MONDAY_NINE - timedelta(hours=1))
    rig.tick(MONDAY_NINE)
    with rig.db.session_scope() as session:
        assert session.scalars(select(ProcessedEvent.event_id)).all() == ["EvNew"]


@pytest.fixture
def started(rig: Rig) -> Iterator[list[Any]]:
    schedulers: list[Any] = []
    yield schedulers
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)


def test_start_scheduler_runs_one_tick_job_that_sends_once(rig: Rig, started: list[Any]) -> None:
    make_team(rig.db)
    scheduler = start_scheduler(
        settings=rig.settings, db=rig.db, client=rig.client, clock=rig.clock, interval_seconds=0.2
    )
    started.append(scheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"valueboard-deliveries", "valueboard-retention"}
    job = jobs["valueboard-deliveries"]
    assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (
        MISFIRE_GRACE_SECONDS,
        True,
        1,
    )
    rig.standin.wait_for("chat.postMessage", timeout=5)
    time.sleep(0.8)  # several more ticks at the same (frozen) instant
    assert len(rig.posts(NUDGES)) == 1


def test_the_scheduler_survives_a_tick_that_blows_up(
    rig: Rig, started: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_team(rig.db)
    real = scheduler_module.run_tick
    calls: list[int] = []

    def flaky(**kwargs: Any) -> TickReport:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first tick explodes")
        return real(**kwargs)

    monkeypatch.setattr(scheduler_module, "run_tick", flaky)
    started.append(
        start_scheduler(
            settings=rig.settings,
            db=rig.db,
            client=rig.client,
            clock=rig.clock,
            interval_seconds=0.2,
        )
    )
    rig.standin.wait_for("chat.postMessage", timeout=5)
    assert len(calls) >= 2
