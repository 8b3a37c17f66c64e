"""Sending a claimed post: what Slack's answers change for it, its team and its member."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text
from sqlalchemy.orm import Session

from slackapp.domain.digests import Digest
from slackapp.scheduling import digests, sending
from slackapp.scheduling.digests import DigestWanted
from slackapp.scheduling.tick import resume_reinstalled_team
from slackapp.store.db import ReadsBusy
from slackapp.store.models import Member
from tests.scheduling.rig import (
    ADMIN,
    DIGESTS,
    MONDAY_NINE,
    NUDGES,
    TEAM,
    Rig,
    log_week,
    make_team,
    ny,
)
from tests.support.factories import add_member


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


@pytest.mark.parametrize("code", ["token_revoked", "account_inactive", "invalid_auth"])
def test_a_dead_token_marks_the_team_inactive_and_stops_its_schedules(rig: Rig, code: str) -> None:
    # The token's own team meets the error; "T0ZZZ" must still be served.
    make_team(rig.db, digest_mode="daily")
    make_team(rig.db, team_id="T0ZZZ", nudge_channel="C0OTHER")
    rig.standin.fail("chat.postMessage", code, channel=NUDGES)
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
    rig.standin.fail("chat.postMessage", code, channel="U1")  # U1's DM is refused
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
        patch.setattr(sending, "team_nudges", broken)
        report = rig.tick(MONDAY_NINE)
    assert len(report.retrying) == 1 and rig.posts() == []
    report = rig.tick(MONDAY_NINE + timedelta(minutes=1))
    assert len(report.sent) == 1 and len(rig.posts(NUDGES)) == 1


def _three_weekly_digest_teams(rig: Rig) -> list[str]:
    teams = ["T0AAA", "T0BBB", "T0CCC"]
    for team_id in teams:
        make_team(
            rig.db,
            team_id=team_id,
            nudge_mode="off",
            digest_mode="weekly",
            digest_channel=f"C{team_id}",
        )
        log_week(rig.db, team_id=team_id, end=date(2027, 3, 19))
    return teams


def test_a_batch_of_digests_is_read_together(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    teams = _three_weekly_digest_teams(rig)
    real = digests.build_digests
    reads: list[list[str]] = []

    def noted(session: Session, wanted: Sequence[DigestWanted]) -> list[Digest]:
        reads.append(sorted(one.team_id for one in wanted))
        return real(session, wanted)

    with monkeypatch.context() as patch:
        patch.setattr(sending, "build_digests", noted)
        report = rig.tick(ny(2027, 3, 19, 16, 0))
    assert reads == [teams]
    assert sorted(line.team_id for line in report.sent) == teams
    assert [len(rig.posts(f"C{team_id}")) for team_id in teams] == [1, 1, 1]
    assert len(rig.standin.uploads) == 3


def test_a_batch_of_digests_is_read_so_many_at_a_time(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = _three_weekly_digest_teams(rig)
    real = digests.build_digests
    reads: list[list[str]] = []

    def noted(session: Session, wanted: Sequence[DigestWanted]) -> list[Digest]:
        reads.append([one.team_id for one in wanted])
        return real(session, wanted)

    with monkeypatch.context() as patch:
        patch.setattr(sending, "build_digests", noted)
        patch.setattr(sending, "DIGESTS_PER_READ", 2)
        report = rig.tick(ny(2027, 3, 19, 16, 0))
    assert sorted(map(len, reads)) == [1, 2]
    assert sorted(team for read in reads for team in read) == teams
    assert sorted(line.team_id for line in report.sent) == teams


def _refused(session: Session, wanted: Sequence[DigestWanted]) -> list[Digest]:
    # A statement the database refuses: on PostgreSQL it also ends the transaction.
    session.execute(text("SELECT * FROM no_such_table"))
    raise AssertionError("unreachable")


def test_a_failed_read_of_digests_is_read_one_by_one_and_only_the_failing_one_waits(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = _three_weekly_digest_teams(rig)
    real = digests.build_digest
    built: list[tuple[str, Session]] = []

    def first_fails(session: Session, **kwargs: Any) -> Digest:
        built.append((kwargs["team_id"], session))
        if len(built) == 1:
            session.execute(text("SELECT * FROM no_such_table"))
        return real(session, **kwargs)

    friday = ny(2027, 3, 19, 16, 0)
    with monkeypatch.context() as patch:
        patch.setattr(sending, "build_digests", _refused)
        patch.setattr(sending, "build_digest", first_fails)
        patch.setattr(sending, "DIGEST_READ_SECONDS", 60.0)  # however slow this machine
        report = rig.tick(friday)
    (failed, first), (_, second), (_, third) = built
    assert [line.team_id for line in report.retrying] == [failed]
    assert sorted(line.team_id for line in report.sent) == sorted(set(teams) - {failed})
    # One by one, several to a read; after a failure, the rest in a new one.
    assert second is third and third is not first
    assert len(rig.standin.uploads) == 2
    report = rig.tick(friday + timedelta(minutes=1))
    assert [line.team_id for line in report.sent] == [failed]
    assert [len(rig.posts(f"C{team_id}")) for team_id in teams] == [1, 1, 1]


def test_one_by_one_a_read_gives_its_place_back_after_its_time(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = _three_weekly_digest_teams(rig)
    real = digests.build_digest
    sessions: list[Session] = []

    def noted(session: Session, **kwargs: Any) -> Digest:
        sessions.append(session)
        return real(session, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(sending, "build_digests", _refused)
        patch.setattr(sending, "build_digest", noted)
        patch.setattr(sending, "DIGEST_READ_SECONDS", 0.0)  # every digest is over time
        report = rig.tick(ny(2027, 3, 19, 16, 0))
    assert len(report.sent) == 3
    assert len({id(session) for session in sessions}) == 3  # each read a digest, then ended
    assert [len(rig.posts(f"C{team_id}")) for team_id in teams] == [1, 1, 1]


def test_when_the_digests_read_cannot_begin_every_digest_waiting_is_retried_at_once(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = _three_weekly_digest_teams(rig)
    real_scope = rig.db.read_scope
    attempts: list[str] = []

    def full_gate(*args: Any, **kwargs: Any) -> Any:
        if sys._getframe(1).f_code.co_name == "_digests":
            attempts.append("digests")
            raise ReadsBusy("no place to read")
        return real_scope(*args, **kwargs)

    friday = ny(2027, 3, 19, 16, 0)
    with monkeypatch.context() as patch:
        patch.setattr(rig.db, "read_scope", full_gate)
        report = rig.tick(friday)
    # One try for the batch, not one (and a wait at the gate) for each digest.
    assert attempts == ["digests"]
    assert sorted(line.team_id for line in report.retrying) == teams
    assert report.sent == () and rig.posts() == []
    report = rig.tick(friday + timedelta(minutes=1))
    assert sorted(line.team_id for line in report.sent) == teams
