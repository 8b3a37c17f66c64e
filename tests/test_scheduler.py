"""The delivery tick against the Slack stand-in: what goes out, when, once, and what Slack's
errors change."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select, text

from slackapp.clock import Clock, system_clock
from slackapp.config import Settings
from slackapp.domain.team_settings import DigestMode, NudgeMode, SettingsUpdate
from slackapp.domain.vocabulary import Principle
from slackapp.runtime.app import build_client
from slackapp.scheduling import sending
from slackapp.scheduling import tick as scheduler_module
from slackapp.scheduling.report import TickReport
from slackapp.scheduling.tick import (
    MISFIRE_GRACE_SECONDS,
    resume_reinstalled_team,
    run_tick,
    start_scheduler,
)
from slackapp.store.connections import claim_event
from slackapp.store.db import Database
from slackapp.store.models import Delivery, Member, ProcessedEvent, Team
from slackapp.store.team_settings import save_settings
from tests.support.driver import FakeClock, SlackDriver
from tests.support.factories import add_connection, add_member, add_team
from tests.support.standin import RecordedCall, SlackStandIn

NY = ZoneInfo("America/New_York")
TEAM = "T0TEAM"
ADMIN = "UADMIN"
NUDGES = "C0NUDGE"
DIGESTS = "C0DIGEST"
#: Monday 15 March 2027, 09:00 in New York (EDT, the day after the change).
MONDAY_NINE = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


def make_team(
    db: Database,
    *,
    team_id: str = TEAM,
    timezone: str = "America/New_York",
    nudge_mode: str = "channel",
    nudge_channel: str | None = NUDGES,
    nudge_time: str = "09:00",
    digest_mode: str = "off",
    digest_channel: str | None = DIGESTS,
    digest_time: str = "16:00",
    digest_weekday: int = 4,
    admin: str | None = ADMIN,
) -> None:
    """A team with its schedules saved long ago by ADMIN."""
    with db.session_scope() as session:
        team = add_team(session, team_id=team_id, timezone=timezone)
        team.nudge_mode = nudge_mode
        team.nudge_channel = nudge_channel
        team.nudge_time = nudge_time
        team.digest_mode = digest_mode
        team.digest_channel = digest_channel
        team.digest_time = digest_time
        team.digest_weekday = digest_weekday
        team.settings_updated_by = admin
        team.settings_updated_at = utc(2027, 1, 1)


def settings_for(standin: SlackStandIn, db: Database, **overrides: Any) -> Settings:
    return replace(
        Settings(),
        bot_token=standin.bot_token,
        api_url=standin.api_url,
        database_url=db.url,
        **overrides,
    )


@dataclass
class Rig:
    """The tick wired to the stand-in and a database, plus ways to read back what happened."""

    db: Database
    standin: SlackStandIn
    settings: Settings
    clock: Clock

    def __post_init__(self) -> None:
        self.client = build_client(self.settings, scheduled=True)

    def tick(self, at: datetime) -> TickReport:
        return run_tick(settings=self.settings, db=self.db, client=self.client, at=at)

    def posts(self, channel: str | None = None) -> list[RecordedCall]:
        calls = self.standin.calls("chat.postMessage")
        return [c for c in calls if channel is None or c.params.get("channel") == channel]

    def team(self, team_id: str = TEAM) -> Team:
        with self.db.session_scope() as session:
            team = session.get(Team, team_id)
            assert team is not None
            return team

    def rows(self) -> list[Delivery]:
        with self.db.session_scope() as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.id)))


@pytest.fixture
def rig(db: Database, standin: SlackStandIn) -> Rig:
    standin.add_channel(NUDGES, name="nudges")
    standin.add_channel(DIGESTS, name="wins")
    settings = settings_for(standin, db)
    return Rig(db=db, standin=standin, settings=settings, clock=FakeClock(MONDAY_NINE))


def log_week(db: Database, *, team_id: str = TEAM, end: date) -> None:
    """A few connections on each of the seven days ending `end`, so the chart has bars."""
    with db.session_scope() as session:
        for back in range(7):
            day = end - timedelta(days=back)
            for principle in list(Principle)[: 1 + back % 4]:
                add_connection(
                    session,
                    team_id=team_id,
                    user_id="U1",
                    principle=principle,
                    local_date=day,
                    note=f"helped on {day}",
                )


# -------------------------------------------------------------------------------------------
# A fortnight, tick by tick
# -------------------------------------------------------------------------------------------


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


# -------------------------------------------------------------------------------------------
# Downtime and the grace period
# -------------------------------------------------------------------------------------------


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


def test_the_grace_period_comes_from_settings(db: Database, standin: SlackStandIn) -> None:
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


# -------------------------------------------------------------------------------------------
# Slack's errors
# -------------------------------------------------------------------------------------------


def test_not_in_a_public_channel_joins_it_and_posts_once(rig: Rig) -> None:
    rig.standin.add_channel(NUDGES, name="nudges", is_member=False)
    make_team(rig.db)
    report = rig.tick(MONDAY_NINE)
    methods = [c.method for c in rig.standin.calls() if c.method != "auth.test"]
    assert methods == ["chat.postMessage", "conversations.join", "chat.postMessage"]
    assert rig.standin.calls("conversations.join")[0].params["channel"] == NUDGES
    assert len(report.sent) == 1 and "joined" in report.sent[0].detail
    assert [r.status for r in rig.rows()] == ["sent"]
    assert rig.team().nudge_paused_reason is None
    rig.tick(MONDAY_NINE + timedelta(days=1))
    assert len(rig.standin.calls("conversations.join")) == 1  # a member now: no second join


@pytest.mark.parametrize(
    ("setup", "code", "words"),
    [
        ("private", "channel_not_found", "/invite @Valueboard"),
        ("missing", "channel_not_found", "/invite @Valueboard"),
        ("archived", "is_archived", "archived"),
        ("join_refused", "not_in_channel", "/invite @Valueboard"),
    ],
)
def test_a_channel_that_refuses_us_pauses_that_schedule_and_tells_the_admin_once(
    rig: Rig, setup: str, code: str, words: str
) -> None:
    if setup == "private":
        rig.standin.add_channel(NUDGES, name="secret", is_private=True, is_member=False)
    elif setup == "missing":
        rig.standin.fail("chat.postMessage", "channel_not_found")
    elif setup == "archived":
        rig.standin.add_channel(NUDGES, name="old", is_archived=True)
    else:
        rig.standin.add_channel(NUDGES, name="nudges", is_member=False)
        rig.standin.fail("conversations.join", "restricted_action")
    make_team(rig.db, digest_mode="daily")
    report = rig.tick(MONDAY_NINE)

    team = rig.team()
    assert team.nudge_paused_reason is not None and code in team.nudge_paused_reason
    assert team.digest_paused_reason is None and team.is_active
    assert [(p.kind, p.channel, p.admin_told) for p in report.paused] == [("nudge", NUDGES, True)]
    assert [r.status for r in rig.rows()] == ["failed"]
    dms = rig.posts(ADMIN)
    assert len(dms) == 1
    message = str(dms[0].params["text"])
    assert words in message and "/connect settings" in message and f"<#{NUDGES}>" in message

    # The digest has its own channel and carries on; the paused nudge is not tried again.
    rig.tick(ny(2027, 3, 15, 16, 0))
    assert len(rig.posts(DIGESTS)) == 1
    before = len(rig.posts(NUDGES))
    rig.tick(MONDAY_NINE + timedelta(days=1))
    assert len(rig.posts(NUDGES)) == before
    assert len(rig.posts(ADMIN)) == 1


def test_saving_the_settings_resumes_a_paused_nudge_from_its_next_time(rig: Rig) -> None:
    rig.standin.add_channel(NUDGES, name="old", is_archived=True)
    make_team(rig.db)
    rig.tick(MONDAY_NINE)
    assert rig.team().nudge_paused_reason is not None
    rig.standin.add_channel("C0NEW", name="fresh")
    with rig.db.session_scope() as session:
        team = session.get(Team, TEAM)
        assert team is not None
        update = SettingsUpdate(
            timezone=team.timezone,
            work_days=frozenset(range(5)),
            daily_goal=10,
            nudge_mode=NudgeMode.CHANNEL,
            nudge_channel="C0NEW",
            nudge_time=datetime(2027, 1, 1, 9, 0).time(),  # noqa: DTZ001
            digest_mode=DigestMode.OFF,
            digest_channel=None,
            digest_time=datetime(2027, 1, 1, 16, 0).time(),  # noqa: DTZ001
            digest_weekday=4,
        )
        save_settings(
            session,
            team_id=TEAM,
            update=update,
            user_id=ADMIN,
            now=MONDAY_NINE + timedelta(minutes=20),
        )
    rig.tick(MONDAY_NINE + timedelta(minutes=21))
    assert rig.posts("C0NEW") == []  # today's 09:00 had passed when it was saved
    rig.tick(MONDAY_NINE + timedelta(days=1))
    assert len(rig.posts("C0NEW")) == 1


def test_with_nobody_to_tell_the_pause_is_still_recorded(rig: Rig) -> None:
    rig.standin.add_channel(NUDGES, name="old", is_archived=True)
    make_team(rig.db, admin=None)
    report = rig.tick(MONDAY_NINE)
    assert [p.admin_told for p in report.paused] == [False]
    assert rig.team().nudge_paused_reason is not None


@pytest.mark.parametrize("code", ["token_revoked", "account_inactive", "invalid_auth"])
def test_a_dead_token_marks_the_team_inactive_and_stops_its_schedules(rig: Rig, code: str) -> None:
    # The token's own team sorts first, so it meets the error; "T0ZZZ" must still be served.
    make_team(rig.db, digest_mode="daily")
    make_team(rig.db, team_id="T0ZZZ", nudge_channel="C0OTHER")
    rig.standin.fail("chat.postMessage", code)
    report = rig.tick(MONDAY_NINE)
    team = rig.team()
    assert (team.is_active, team.inactive_reason) == (False, code)
    assert report.deactivated == (TEAM,)
    assert len(rig.posts("C0OTHER")) == 1
    rig.tick(ny(2027, 3, 15, 16, 0))
    rig.tick(MONDAY_NINE + timedelta(days=1))
    assert rig.posts(DIGESTS) == [] and len(rig.posts(NUDGES)) == 1  # only the failed try
    assert rig.posts(ADMIN) == []
    # Once the token works again (auth.test answers), the team is switched back on.
    assert resume_reinstalled_team(db=rig.db, client=rig.client) == TEAM
    assert rig.team().is_active


def test_resume_asks_slack_only_when_a_team_waits_for_its_token(rig: Rig) -> None:
    make_team(rig.db)
    assert resume_reinstalled_team(db=rig.db, client=rig.client) is None
    assert rig.standin.calls("auth.test") == []


def test_a_429_is_retried_after_retry_after(rig: Rig) -> None:
    make_team(rig.db)
    rig.standin.rate_limit("chat.postMessage", retry_after=1)
    report = rig.tick(MONDAY_NINE)
    first, second = rig.posts(NUDGES)
    assert second.at - first.at >= 1.0
    assert len(report.sent) == 1
    assert [(r.status, r.attempts) for r in rig.rows()] == [("sent", 1)]


def test_rate_limits_that_outlast_the_client_retries_become_a_later_try(rig: Rig) -> None:
    make_team(rig.db)
    rig.standin.rate_limit("chat.postMessage", retry_after=0, times=3)
    report = rig.tick(MONDAY_NINE)
    assert len(report.retrying) == 1 and len(rig.posts(NUDGES)) == 3
    stored = rig.rows()[0]
    assert (stored.status, stored.last_error) == ("retry", "ratelimited")
    assert stored.next_attempt_at == MONDAY_NINE + timedelta(minutes=1)
    rig.tick(MONDAY_NINE + timedelta(seconds=30))
    assert len(rig.posts(NUDGES)) == 3
    report = rig.tick(MONDAY_NINE + timedelta(minutes=1))
    assert len(report.sent) == 1 and len(rig.posts(NUDGES)) == 4
    assert [(r.status, r.attempts) for r in rig.rows()] == [("sent", 2)]


def test_transient_errors_back_off_and_give_up_after_six_tries(rig: Rig) -> None:
    make_team(rig.db)
    rig.standin.fail("chat.postMessage", "internal_error", times=None)
    tried_at: list[int] = []
    for minute in range(45):
        before = len(rig.posts(NUDGES))
        rig.tick(MONDAY_NINE + timedelta(minutes=minute))
        tried_at += [minute] * (len(rig.posts(NUDGES)) - before)
    # Waits of 1, 2, 4, 8 and 16 minutes between the six tries; then it is given up.
    assert tried_at == [0, 1, 3, 7, 15, 31]
    rig.tick(MONDAY_NINE + timedelta(minutes=60))
    assert len(rig.posts(NUDGES)) == 6
    stored = rig.rows()[0]
    assert (stored.status, stored.attempts) == ("failed", 6)


def test_a_permanent_error_fails_that_post_only(rig: Rig) -> None:
    make_team(rig.db)
    rig.standin.fail("chat.postMessage", "msg_too_long")
    report = rig.tick(MONDAY_NINE)
    assert [line.detail for line in report.failed] == ["msg_too_long"]
    assert rig.team().nudge_paused_reason is None and rig.team().is_active
    rig.tick(MONDAY_NINE + timedelta(minutes=5))
    assert len(rig.posts(NUDGES)) == 1
    rig.tick(MONDAY_NINE + timedelta(days=1))
    assert len(rig.posts(NUDGES)) == 2


@pytest.mark.parametrize(
    ("code", "flags"),
    [
        ("user_not_found", (False, True)),
        ("user_disabled", (False, True)),
        ("cannot_dm_bot", (True, False)),
        ("user_not_visible", (False, False)),
    ],
)
def test_a_dm_error_skips_that_member_only(rig: Rig, code: str, flags: tuple[bool, bool]) -> None:
    make_team(rig.db, nudge_mode="dm", nudge_channel=None)
    with rig.db.session_scope() as session:
        for user in ("U1", "U2", "U3"):
            add_member(session, team_id=TEAM, user_id=user, timezone="America/New_York")
    rig.standin.fail("chat.postMessage", code)  # the first DM, U1's, is refused
    report = rig.tick(MONDAY_NINE)
    assert [line.target for line in report.sent] == ["U2", "U3"]
    assert [(line.target, line.detail) for line in report.failed] == [
        ("U1", f"member skipped: {code}")
    ]
    assert rig.team().is_active and rig.team().nudge_paused_reason is None
    with rig.db.session_scope() as session:
        member = session.get(Member, (TEAM, "U1"))
        assert member is not None and (member.is_bot, member.deleted) == flags
    report = rig.tick(MONDAY_NINE + timedelta(days=1))
    tried_again = "U1" in [line.target for line in report.sent]
    assert tried_again is (flags == (False, False))


def test_a_failed_chart_upload_never_resends_the_digest(rig: Rig) -> None:
    make_team(rig.db, nudge_mode="off", digest_mode="weekly")
    log_week(rig.db, end=date(2027, 3, 19))
    rig.standin.fail("files.getUploadURLExternal", "internal_error")
    friday = ny(2027, 3, 19, 16, 0)
    report = rig.tick(friday)
    assert len(report.sent) == 1 and "chart upload" in report.sent[0].detail
    rig.tick(friday + timedelta(minutes=1))
    rig.tick(friday + timedelta(minutes=10))
    assert len(rig.posts(DIGESTS)) == 1 and rig.standin.uploads == []
    stored = rig.rows()[0]
    assert stored.status == "sent" and "chart upload" in (stored.last_error or "")


def test_a_weekly_digest_uploads_its_chart_after_the_message(rig: Rig) -> None:
    make_team(rig.db, nudge_mode="off", digest_mode="weekly")
    log_week(rig.db, end=date(2027, 3, 19))
    rig.tick(ny(2027, 3, 19, 16, 0))
    methods = [c.method for c in rig.standin.calls() if c.method != "auth.test"]
    assert methods[0] == "chat.postMessage"
    assert "files.completeUploadExternal" in methods
    (png,) = rig.standin.uploads
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width >= 320 and image.height >= 240
    complete = rig.standin.calls("files.completeUploadExternal")[0]
    assert complete.params.get("channel_id") == DIGESTS
    assert complete.params.get("initial_comment")


def test_a_post_whose_preparation_fails_is_retried(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_team(rig.db)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database blinked")

    with monkeypatch.context() as patch:
        patch.setattr(sending, "team_nudge", broken)
        report = rig.tick(MONDAY_NINE)
    assert len(report.retrying) == 1 and rig.posts() == []
    report = rig.tick(MONDAY_NINE + timedelta(minutes=1))
    assert len(report.sent) == 1 and len(rig.posts(NUDGES)) == 1


def test_an_abandoned_claim_is_closed_and_never_resent(rig: Rig) -> None:
    make_team(rig.db)
    with rig.db.session_scope() as session:
        session.add(
            Delivery(
                team_id=TEAM,
                kind="nudge",
                target=NUDGES,
                local_date=date(2027, 3, 15),
                due_at=MONDAY_NINE,
                status="claimed",
                attempts=1,
                claimed_at=MONDAY_NINE,
                claimed_by="gone:1",
            )
        )
    report = rig.tick(MONDAY_NINE + timedelta(minutes=20))
    assert [line.detail for line in report.failed] == ["outcome unknown: its process stopped"]
    assert rig.posts() == [] and [r.status for r in rig.rows()] == ["failed"]


def test_a_settings_change_after_the_claim_skips_a_retry(rig: Rig) -> None:
    make_team(rig.db)
    rig.standin.fail("chat.postMessage", "internal_error")
    rig.tick(MONDAY_NINE)
    with rig.db.session_scope() as session:
        team = session.get(Team, TEAM)
        assert team is not None
        team.nudge_mode = "off"
    report = rig.tick(MONDAY_NINE + timedelta(minutes=1))
    assert [line.detail for line in report.skipped] == ["nudge turned off"]
    assert len(rig.posts(NUDGES)) == 1


def test_one_broken_team_does_not_stop_the_others(rig: Rig) -> None:
    make_team(rig.db, team_id="T0BAD", nudge_time="25:99")
    make_team(rig.db, team_id="T0GOOD")
    report = rig.tick(MONDAY_NINE)
    assert [line.team_id for line in report.sent] == ["T0GOOD"]


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


# -------------------------------------------------------------------------------------------
# The in-process scheduler
# -------------------------------------------------------------------------------------------


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
    (job,) = scheduler.get_jobs()
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


# -------------------------------------------------------------------------------------------
# Events that end a team's schedules
# -------------------------------------------------------------------------------------------


def wait_until_inactive(db: Database, *, timeout: float = 5.0) -> Team:
    deadline = time.monotonic() + timeout
    while True:
        with db.session_scope() as session:
            team = session.get(Team, TEAM)
            assert team is not None
        if not team.is_active or time.monotonic() > deadline:
            return team
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"type": "app_uninstalled"}, "app_uninstalled"),
        ({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}, "tokens_revoked"),
    ],
)
def test_uninstall_and_revoked_bot_tokens_make_the_team_inactive(
    slack: SlackDriver, event: dict[str, Any], reason: str
) -> None:
    make_team(slack.db)
    assert slack.event(event).status == 200
    team = wait_until_inactive(slack.db)
    assert (team.is_active, team.inactive_reason) == (False, reason)


def test_revoked_user_tokens_leave_the_team_active(slack: SlackDriver) -> None:
    make_team(slack.db)
    reply = slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}})
    assert reply.status == 200
    time.sleep(0.3)
    team = wait_until_inactive(slack.db, timeout=0.2)
    assert team.is_active


def test_the_tick_forgets_event_ids_older_than_a_day(rig: Rig) -> None:
    with rig.db.session_scope() as session:
        claim_event(session, event_id="EvOld", team_id=TEAM, now=MONDAY_NINE - timedelta(days=2))
        claim_event(session, event_id="EvNew", team_id=TEAM, now=MONDAY_NINE - timedelta(hours=1))
    rig.tick(MONDAY_NINE)
    with rig.db.session_scope() as session:
        assert session.scalars(select(ProcessedEvent.event_id)).all() == ["EvNew"]
