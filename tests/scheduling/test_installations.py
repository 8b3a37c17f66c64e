"""The scheduler with many workspaces: each team posts with its own installation's token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import insert, select, update

from slackapp.runtime.app import build_team_clients
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.scheduling.tick import run_tick
from slackapp.store.db import Database
from slackapp.store.installations import BOTS_TABLE, INSTALLATIONS_TABLE, STATES_TABLE
from slackapp.store.models import Delivery, Team
from tests.scheduling.rig import ADMIN, MONDAY_NINE, settings_for
from tests.support.driver import ORG_ID, FakeClock, ServedApp
from tests.support.install import install, serve_oauth_app

ORG_TEAM = "T0ORGA"
#: Token expiry times are real time (slack_sdk reads the real clock): long expired.
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC).replace(tzinfo=None)  # slack_sdk stores naive UTC


@pytest.fixture
def served(standin: SlackEmulator, db: Database) -> Iterator[ServedApp]:
    app = serve_oauth_app(standin=standin, db=db, clock=FakeClock(MONDAY_NINE), token_rotation=True)
    standin.add_installable("T0ONE", name="One")
    standin.add_installable("T0TWO", name="Two")
    standin.add_installable(None, enterprise_id=ORG_ID, enterprise_name="Acme Org")
    try:
        yield app
    finally:
        app.close()


def nudge_at_nine(
    db: Database, team_id: str, channel: str, *, enterprise_id: str | None = None
) -> None:
    """The team's channel nudge at 09:00 New York, saved long ago (the row exists or is made)."""
    with db.session_scope() as session:
        team = session.get(Team, team_id)
        if team is None:
            team = Team(team_id=team_id, created_at=MONDAY_NINE, timezone="UTC")
            session.add(team)
        team.timezone = "America/New_York"
        team.nudge_mode, team.nudge_channel, team.nudge_time = "channel", channel, "09:00"
        team.settings_updated_by = ADMIN
        team.enterprise_id = enterprise_id


def tick(served: ServedApp, db: Database) -> None:
    deps = served.driver.deps
    run_tick(
        settings=deps.settings,
        db=db,
        client=build_team_clients(deps.settings, deps),
        at=MONDAY_NINE,
    )


def token_of(standin: SlackEmulator, key: str) -> str:
    mine = [t for t in standin.installed_tokens() if (i := standin.identity_of(t)) and i.key == key]
    return mine[-1]


def test_each_team_is_nudged_with_its_own_token_and_one_without_installation_stops(
    served: ServedApp, standin: SlackEmulator, db: Database
) -> None:
    for key in ("T0ONE", "T0TWO", ORG_ID):
        install(served.driver, team=key)
    nudge_at_nine(db, "T0ONE", "C0ONE")
    nudge_at_nine(db, "T0TWO", "C0TWO")
    nudge_at_nine(db, ORG_TEAM, "C0ORG", enterprise_id=ORG_ID)
    nudge_at_nine(db, "T0GONE", "C0GONE")  # saved settings once; its installation is gone
    standin.reset()

    tick(served, db)

    posts = {c.params["channel"]: c.token for c in standin.calls("chat.postMessage")}
    assert posts == {
        "C0ONE": token_of(standin, "T0ONE"),
        "C0TWO": token_of(standin, "T0TWO"),
        "C0ORG": token_of(standin, ORG_ID),
    }
    with db.session_scope() as session:
        gone = session.get(Team, "T0GONE")
        assert gone is not None and not gone.is_active and gone.inactive_reason == "no_installation"
        assert (
            session.scalars(select(Delivery.team_id).where(Delivery.team_id == "T0GONE")).all()
            == []
        )
    standin.reset()
    tick(served, db)  # not retried: nothing more for anyone
    assert standin.calls("chat.postMessage") == []


def test_the_scheduler_refreshes_an_expired_token_first_and_saves_it(
    served: ServedApp, standin: SlackEmulator, db: Database
) -> None:
    install(served.driver, team="T0ONE")
    old = token_of(standin, "T0ONE")
    nudge_at_nine(db, "T0ONE", "C0ONE")
    standin.expire_token(old)
    with db.engine.begin() as connection:
        for table in (BOTS_TABLE, INSTALLATIONS_TABLE):
            connection.execute(update(table).values(bot_token_expires_at=LONG_AGO))
    standin.reset()

    tick(served, db)

    new = token_of(standin, "T0ONE")
    assert new != old
    assert [c.method for c in standin.calls()] == ["oauth.v2.access", "chat.postMessage"]
    assert standin.calls("chat.postMessage")[0].token == new
    with db.engine.connect() as connection:
        saved = set(connection.execute(select(INSTALLATIONS_TABLE.c.bot_token)).scalars())
        bots = set(connection.execute(select(BOTS_TABLE.c.bot_token)).scalars())
    assert saved == {new} and bots == {new}


def test_a_request_with_an_expired_token_is_answered_after_bolt_refreshes_it(
    served: ServedApp, standin: SlackEmulator, db: Database
) -> None:
    install(served.driver, team="T0ONE")
    old = token_of(standin, "T0ONE")
    standin.expire_token(old)
    with db.engine.begin() as connection:
        for table in (BOTS_TABLE, INSTALLATIONS_TABLE):
            connection.execute(update(table).values(bot_token_expires_at=LONG_AGO))
    standin.reset()
    driver = replace(served.driver, team_id="T0ONE")

    reply = driver.command("care @jane thanks for the thread")

    assert "1/10" in reply.body.decode(), reply.body
    new = token_of(standin, "T0ONE")
    assert new != old
    assert standin.wait_for("users.info")[0].token == new
    assert old not in {c.token for c in standin.calls() if c.method != "oauth.v2.access"}


def test_the_tick_forgets_install_states_that_expired_unused(db: Database) -> None:
    at = MONDAY_NINE.replace(tzinfo=None)  # slack_sdk stores naive UTC
    with db.engine.begin() as connection:
        connection.execute(
            insert(STATES_TABLE),
            [
                {"state": "old", "expire_at": at - timedelta(minutes=1)},
                {"state": "live", "expire_at": at + timedelta(minutes=9)},
            ],
        )
    with SlackEmulator() as standin:
        run_tick(
            settings=settings_for(standin, db),
            db=db,
            client=WebClient(token=standin.bot_token, base_url=standin.api_url),
            at=MONDAY_NINE,
        )
    with db.engine.connect() as connection:
        assert list(connection.execute(select(STATES_TABLE.c.state)).scalars()) == ["live"]


def test_slackapp_deliver_posts_with_each_installations_token(
    served: ServedApp, standin: SlackEmulator, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from slackapp.cli import deliver

    for key in ("T0ONE", "T0TWO"):
        install(served.driver, team=key)
    nudge_at_nine(db, "T0ONE", "C0ONE")
    nudge_at_nine(db, "T0TWO", "C0TWO")
    standin.reset()

    assert deliver(served.driver.deps.settings, at=MONDAY_NINE) == 0

    posts = {c.params["channel"]: c.token for c in standin.calls("chat.postMessage")}
    assert posts == {"C0ONE": token_of(standin, "T0ONE"), "C0TWO": token_of(standin, "T0TWO")}
    assert "sent" in capsys.readouterr().out


def test_a_workspace_installed_on_its_own_inside_a_grid_org_posts_with_its_own_token(
    served: ServedApp, standin: SlackEmulator, db: Database
) -> None:
    standin.add_installable("T0GRID", name="Grid East", enterprise_id="E0GRID")
    install(served.driver, team="T0GRID")
    with db.session_scope() as session:
        team = session.get(Team, "T0GRID")
        assert team is not None and team.enterprise_id == "E0GRID"  # learnt at install
    nudge_at_nine(db, "T0GRID", "C0GRID", enterprise_id="E0GRID")
    standin.reset()

    tick(served, db)

    (post,) = standin.calls("chat.postMessage")
    assert (post.params["channel"], post.token) == ("C0GRID", token_of(standin, "T0GRID"))
