"""Jumping the sandbox clock delivers what falls due, through the scheduler's own tick."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slackapp.config import Settings
from slackapp.runtime.app import build_client
from slackapp.sandbox import seed
from slackapp.sandbox.clock import SandboxClock
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.sandbox.sample import fill_sample_history
from slackapp.sandbox.timeline import PAST_DUE, in_words, jump, upcoming
from slackapp.store.db import Database
from slackapp.store.followups import add_follow_up
from tests.sandbox.rig import sandbox_emulator
from tests.support.driver import FakeClock
from tests.support.factories import add_connection

#: Thursday 26 November 2026, 20:00 in New York.
THURSDAY_EVENING = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[SlackEmulator]:
    with sandbox_emulator(clock) as emulator:
        seed.populate(emulator)
        yield emulator


def test_the_next_nudge_and_digest_follow_the_teams_schedule(db: Database) -> None:
    fill_sample_history(
        db, now=THURSDAY_EVENING, default_timezone=seed.ADMIN.tz, daily_goal=10, daily_cap=50
    )

    coming = upcoming(db, now=THURSDAY_EVENING)

    # Friday 27 November, 09:00 and 16:00 in New York (UTC-5).
    assert coming["nudge"].at == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    assert coming["digest"].at == datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    assert coming["nudge"].target == seed.MARKETING.channel_id


def test_nothing_is_upcoming_without_a_schedule(db: Database) -> None:
    assert upcoming(db, now=THURSDAY_EVENING) == {}


def test_a_jump_delivers_the_nudge_then_the_digest_with_its_chart(
    db: Database, emulator: SlackEmulator, tmp_path: Path
) -> None:
    fill_sample_history(
        db, now=THURSDAY_EVENING, default_timezone=seed.ADMIN.tz, daily_goal=10, daily_cap=50
    )
    settings = replace(
        Settings(), bot_token=emulator.bot_token, api_url=emulator.api_url, database_url=db.url
    )
    clock = SandboxClock(tmp_path / "clock.json")
    client = build_client(settings, scheduled=True)
    coming = upcoming(db, now=THURSDAY_EVENING)

    report = jump(
        clock=clock, settings=settings, db=db, client=client, to=coming["nudge"].at + PAST_DUE
    )

    assert in_words(report, place=lambda target: "#marketing") == [
        "Sent the nudge to #marketing for Fri 27 Nov."
    ]
    assert abs(clock() - coming["nudge"].at) < timedelta(minutes=1)
    nudge = emulator.messages("C0MARKETING")[-1]
    assert nudge["text"].startswith("Today's principle")

    jump(clock=clock, settings=settings, db=db, client=client, to=coming["digest"].at + PAST_DUE)

    digest, chart = emulator.messages("C0MARKETING")[-2:]
    assert digest["text"].startswith("Weekly digest")
    assert chart["files"][0]["mimetype"] == "image/png"


def test_the_next_follow_up_is_the_viewers_own_dm_at_nine_on_its_day(
    db: Database, emulator: SlackEmulator, tmp_path: Path
) -> None:
    fill_sample_history(
        db, now=THURSDAY_EVENING, default_timezone=seed.ADMIN.tz, daily_goal=10, daily_cap=50
    )
    admin, other = seed.MEMBERS[0], seed.MEMBERS[1]
    with db.session_scope() as session:
        for member, due in ((admin, date(2026, 11, 30)), (other, date(2026, 11, 28))):
            entry = add_connection(
                session,
                team_id=seed.TEAM_ID,
                user_id=member.user_id,
                note="answered her question",
                local_date=date(2026, 11, 26),
            )
            add_follow_up(
                session,
                team_id=seed.TEAM_ID,
                user_id=member.user_id,
                connection_id=entry.id,
                due=due,
                now=THURSDAY_EVENING,
            )

    mine = upcoming(db, now=THURSDAY_EVENING, viewer=admin.user_id)["followup"]
    # Monday 30 November, 09:00 in the admin's own zone; another member's comes sooner.
    nine = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo(admin.tz)).astimezone(UTC)
    assert (mine.at, mine.target, mine.direct) == (nine, admin.user_id, True)
    assert upcoming(db, now=THURSDAY_EVENING)["followup"].target == other.user_id

    settings = replace(
        Settings(), bot_token=emulator.bot_token, api_url=emulator.api_url, database_url=db.url
    )
    client = build_client(settings, scheduled=True)
    clock = SandboxClock(tmp_path / "clock.json")
    report = jump(clock=clock, settings=settings, db=db, client=client, to=mine.at + PAST_DUE)
    # Ben's Monday DM (09:00 in Berlin) was six hours before: skipped, as after downtime.
    assert f"Sent the follow-up to {admin.user_id} for Mon 30 Nov." in in_words(report, place=str)
    [dm] = [c for c in emulator.calls("chat.postMessage") if c.params["channel"] == admin.user_id]
    assert "reply" in dm.params["text"] and "answered her question" in str(dm.params["blocks"])
    after = upcoming(db, now=clock(), viewer=admin.user_id).get("followup")
    assert after is None or after.target != admin.user_id
