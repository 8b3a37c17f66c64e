"""Many workspaces: installed through "Add to Slack" against the stand-in, each on its own token."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from slackapp.runtime import app as app_module
from slackapp.sandbox.emulator import SlackEmulator
from slackapp.store.db import Database
from slackapp.store.installations import BOTS_TABLE, INSTALLATIONS_TABLE
from slackapp.store.models import Connection, Team
from tests.handlers.test_connect_form import state
from tests.support.driver import ORG_ID, FakeClock, SlackDriver
from tests.support.install import get, install, serve_oauth_app, start_install

ORG_TEAM = "T0ORGA"


@pytest.fixture
def oauth_app(standin: SlackEmulator, db: Database, clock: FakeClock) -> Iterator[SlackDriver]:
    standin.add_user("U3", display_name="Cy", tz="Asia/Tokyo")
    served = serve_oauth_app(standin=standin, db=db, clock=clock)
    standin.add_installable("T0ONE", name="One")
    standin.add_installable("T0TWO", name="Two", bot_user_id="UBOT2")
    standin.add_installable(None, enterprise_id=ORG_ID, enterprise_name="Acme Org")
    try:
        yield served.driver
    finally:
        served.close()


def as_team(driver: SlackDriver, team_id: str, *, org: bool = False) -> SlackDriver:
    return replace(driver, team_id=team_id, install="org" if org else "workspace")


def token_of(standin: SlackEmulator, key: str) -> str:
    tokens = [
        t for t in standin.installed_tokens() if (i := standin.identity_of(t)) and i.key == key
    ]
    assert len(tokens) == 1, tokens
    return tokens[0]


def test_two_workspaces_and_an_org_install_and_each_is_answered_with_its_own_token(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    for key in ("T0ONE", "T0TWO", ORG_ID):
        page = install(oauth_app, team=key)
        assert page.status == 200, page.body
        assert "/connect help" in page.body and "/invite @Valueboard" in page.body
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(
                INSTALLATIONS_TABLE.c.enterprise_id,
                INSTALLATIONS_TABLE.c.team_id,
                INSTALLATIONS_TABLE.c.is_enterprise_install,
            ).order_by(INSTALLATIONS_TABLE.c.id)
        ).all()
    assert rows == [(None, "T0ONE", False), (None, "T0TWO", False), (ORG_ID, None, True)]

    standin.reset()
    for driver, user in (
        (as_team(oauth_app, "T0ONE"), "U1"),
        (as_team(oauth_app, "T0TWO"), "U2"),
        (as_team(oauth_app, ORG_TEAM, org=True), "U3"),
    ):
        reply = driver.command("care @jane thanks for the thread", user=user)
        assert reply.status == 200
        assert "1/10" in reply.body.decode(), reply.body
    tokens_by_user = {
        call.params["user"]: call.token for call in standin.wait_for("users.info", count=3)
    }
    assert tokens_by_user == {
        "U1": token_of(standin, "T0ONE"),
        "U2": token_of(standin, "T0TWO"),
        "U3": token_of(standin, ORG_ID),
    }
    with db.session_scope() as session:
        saved = sorted(session.execute(select(Connection.team_id, Connection.user_id)).all())
        org_team = session.get(Team, ORG_TEAM)
        assert org_team is not None and org_team.enterprise_id == ORG_ID
    assert saved == [("T0ONE", "U1"), (ORG_TEAM, "U3"), ("T0TWO", "U2")]


def test_each_workspace_asks_slack_whose_token_it_is_once_not_before_every_request(
    oauth_app: SlackDriver, standin: SlackEmulator
) -> None:
    # auth.test is a Slack round trip before the ack: once per token and process is enough.
    install(oauth_app, team="T0ONE")
    install(oauth_app, team="T0TWO")
    standin.reset()
    one, two = as_team(oauth_app, "T0ONE"), as_team(oauth_app, "T0TWO")
    for n in range(3):
        for driver in (one, two):
            reply = driver.command(f"care @jane thanks {n}")
            assert "Saved" in reply.json()["text"], reply.body
    tokens = [call.token or "" for call in standin.calls("auth.test")]
    assert sorted(tokens) == sorted([token_of(standin, "T0ONE"), token_of(standin, "T0TWO")])


def test_a_workspace_that_never_installed_is_refused_and_nothing_is_saved(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    install(oauth_app, team="T0ONE")
    stranger = as_team(oauth_app, "T0NEVER")
    reply = stranger.command("care @jane thanks")
    assert reply.status == 200
    answer = stranger.response_to(reply)
    assert "isn't installed in this workspace" in answer["text"]
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Connection)) == 0
        assert session.get(Team, "T0NEVER") is None
    assert [c for c in standin.calls() if c.method in {"users.info", "chat.postMessage"}] == []


def test_a_refusal_bolt_sends_before_the_ack_waits_no_longer_than_a_web_api_call(
    oauth_app: SlackDriver,
    standin: SlackEmulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Bolt's own authorization answers a workspace without an installation through the
    # request's response_url, in the request's thread: with our timeout, not Bolt's 30 s.
    install(oauth_app, team="T0ONE")
    monkeypatch.setattr(app_module, "WEB_API_TIMEOUT", 0.3)
    standin.slow("response_url", 2)
    stranger = as_team(oauth_app, "T0NEVER")

    with caplog.at_level(logging.WARNING):
        reply = stranger.block_action("undo_connection", value="1")

    assert reply.status == 200
    # Answered before Slack even recorded the reply it was still waiting on.
    assert standin.calls("response_url") == []
    # Nor is it sent another way: without an installation there is no token to send it with.
    assert "not delivered, nor sent another way" in caplog.text
    assert standin.calls("chat.postEphemeral") == []


def test_a_cancelled_install_gets_a_friendly_page_and_installs_nothing(
    oauth_app: SlackDriver, db: Database
) -> None:
    base = oauth_app.url.removesuffix("/slack/events")
    page = get(f"{base}/slack/oauth_redirect?error=access_denied&state=x")
    assert page.status == 200
    assert "You cancelled the installation" in page.text and "Try again" in page.body
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(BOTS_TABLE)) == 0


def test_an_install_from_another_browser_or_with_a_used_state_is_refused(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    authorize, cookie = start_install(oauth_app, team="T0ONE")
    allowed = get(authorize)
    location = allowed.header("Location")
    assert location is not None
    no_cookie = get(location)
    assert no_cookie.status == 400 and "didn't start the installation" in no_cookie.text
    assert get(location, cookie=cookie).status == 200
    again = get(location, cookie=cookie)  # the state works once
    assert again.status == 401 and "expired" in again.text
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(BOTS_TABLE)) == 1


def uninstalled(db: Database, team_id: str) -> tuple[bool, str | None, bool]:
    """(is_active, inactive_reason, has uninstalled_at) of a team."""
    with db.session_scope() as session:
        team = session.get(Team, team_id)
        assert team is not None
        return team.is_active, team.inactive_reason, team.uninstalled_at is not None


def stored_tokens(db: Database) -> dict[str, set[str]]:
    with db.engine.connect() as connection:
        return {
            "bots": {r.team_id for r in connection.execute(select(BOTS_TABLE.c.team_id))},
            "installations": {
                r.team_id for r in connection.execute(select(INSTALLATIONS_TABLE.c.team_id))
            },
        }


UNINSTALLED = {"type": "app_uninstalled"}
REVOKED = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}


@pytest.mark.parametrize("events", [(UNINSTALLED, REVOKED), (REVOKED, UNINSTALLED)])
def test_uninstall_in_either_order_forgets_the_tokens_at_once_and_a_reinstall_finds_everything(
    oauth_app: SlackDriver,
    standin: SlackEmulator,
    db: Database,
    events: tuple[dict[str, object], ...],
) -> None:
    install(oauth_app, team="T0ONE")
    install(oauth_app, team="T0TWO")
    one, two = as_team(oauth_app, "T0ONE"), as_team(oauth_app, "T0TWO")
    assert one.command("care @jane thanks for the thread").status == 200
    assert two.command("solve @sam fixed the webhook").status == 200

    first, second = events
    assert one.event(first).status == 200
    # At once, with the first event of either kind: the tokens are gone, the schedules stopped.
    assert stored_tokens(db) == {"bots": {"T0TWO"}, "installations": {"T0TWO"}}
    assert uninstalled(db, "T0ONE") == (False, first["type"], True)
    assert one.event(second).status == 200
    assert uninstalled(db, "T0ONE") == (False, first["type"], True)
    assert uninstalled(db, "T0TWO") == (True, None, False)

    reply = one.command("care @jane again")
    assert "isn't installed in this workspace" in one.response_to(reply)["text"]
    assert two.command("care @sam again").status == 200

    page = install(oauth_app, team="T0ONE")
    assert page.status == 200
    assert uninstalled(db, "T0ONE") == (True, None, False)
    with db.session_scope() as session:
        kept = session.scalar(
            select(func.count()).select_from(Connection).where(Connection.team_id == "T0ONE")
        )
    assert kept == 1
    assert "2/10" in one.command("care @jane welcome back").body.decode()


def board_of(driver: SlackDriver, user: str) -> str:
    """What the member sees of /leaderboard all: every line of its answer."""
    driver.standin.reset()
    reply = driver.command("all", command="/leaderboard", user=user)
    assert reply.status == 200
    (response,) = driver.responses()
    return str(response)


def test_each_workspace_of_an_org_wide_install_has_its_own_board_and_the_org_uninstall_stops_them(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    install(oauth_app, team=ORG_ID)
    install(oauth_app, team="T0ONE")
    east, west = as_team(oauth_app, "T0ORGA", org=True), as_team(oauth_app, "T0ORGB", org=True)
    alone = as_team(oauth_app, "T0ONE")
    assert "1/10" in east.command("care @jane thanks for the thread", user="U1").body.decode()
    assert "1/10" in west.command("solve @sam fixed the webhook", user="U2").body.decode()
    assert "1/10" in alone.command("laugh @kim the meme", user="U3").body.decode()

    east_board, west_board = board_of(east, "U1"), board_of(west, "U2")
    assert "Ana" in east_board and "Ben" not in east_board and "Cy" not in east_board
    assert "Ben" in west_board and "Ana" not in west_board and "Cy" not in west_board
    with db.session_scope() as session:
        org = {
            t.team_id: t.enterprise_id
            for t in session.scalars(select(Team).where(Team.enterprise_id.is_not(None)))
        }
    assert org == {"T0ORGA": ORG_ID, "T0ORGB": ORG_ID}

    assert east.event(UNINSTALLED).status == 200  # the org removes Valueboard
    assert uninstalled(db, "T0ORGA") == (False, "app_uninstalled", True)
    assert uninstalled(db, "T0ORGB") == (False, "app_uninstalled", True)
    assert uninstalled(db, "T0ONE") == (True, None, False)
    assert stored_tokens(db) == {"bots": {"T0ONE"}, "installations": {"T0ONE"}}
    reply = west.command("care @sam again", user="U2")
    assert "isn't installed in this workspace" in west.response_to(reply)["text"]
    install(oauth_app, team=ORG_ID)
    assert uninstalled(db, "T0ORGA") == (True, None, False)
    assert uninstalled(db, "T0ORGB") == (True, None, False)


def test_two_workspaces_side_by_side_never_see_each_others_data(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    """The same member id in both (ids are only unique within a workspace): stats, Home,
    boards and exports each show that workspace's own entries, sent with its own token."""
    install(oauth_app, team="T0ONE")
    install(oauth_app, team="T0TWO")
    one, two = as_team(oauth_app, "T0ONE"), as_team(oauth_app, "T0TWO")
    for text in ("care @jane one-a", "solve @sam one-b"):
        assert one.command(text, user="U1").status == 200
    assert two.command("laugh @kim two-a", user="U1").status == 200
    # Each workspace looks its member's profile up with its own token (then caches it).
    both = {token_of(standin, "T0ONE"), token_of(standin, "T0TWO")}
    standin.wait_until(lambda: {c.token for c in standin.calls("users.info")} == both)
    standin.wait_for("response_url", count=3)  # each log confirmed (the Home waits to be opened)

    standin.reset()
    stats_one = str(one.response_to(one.command("", command="/mystats", user="U1")))
    stats_two = str(two.response_to(two.command("", command="/mystats", user="U1")))
    assert "2/10" in stats_one and "1/10" not in stats_one
    assert "1/10" in stats_two and "2/10" not in stats_two

    standin.reset()
    assert one.event({"type": "app_home_opened", "user": "U1", "tab": "home"}).status == 200
    (home_one,) = standin.wait_for("views.publish")
    assert home_one.token == token_of(standin, "T0ONE")
    assert "one-a" in str(home_one.params) and "two-a" not in str(home_one.params)
    assert two.event({"type": "app_home_opened", "user": "U1", "tab": "home"}).status == 200
    home_two = standin.wait_for("views.publish", count=2)[1]
    assert home_two.token == token_of(standin, "T0TWO")
    assert "two-a" in str(home_two.params) and "one-a" not in str(home_two.params)

    standin.reset()
    assert two.command("export", user="U1").status == 200
    standin.wait_for("files.completeUploadExternal")
    (content,) = standin.uploads
    assert "two-a" in content.decode() and "one-" not in content.decode()
    assert {c.token for c in standin.calls() if c.token} == {token_of(standin, "T0TWO")}


def test_a_form_sent_after_the_uninstall_says_so_inline_and_saves_nothing(
    oauth_app: SlackDriver, standin: SlackEmulator, db: Database
) -> None:
    # A form opened while installed, submitted after the uninstall: Slack would show only its
    # own "trouble connecting" for a plain-text answer; the member reads why, in the form.
    install(oauth_app, team="T0ONE")
    one = as_team(oauth_app, "T0ONE")
    one.command("")
    view = one.opened_view()
    assert one.event(UNINSTALLED).status == 200
    reply = one.submit_view(view, state())
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    [(block_id, text)] = answer["errors"].items()
    assert block_id == next(b["block_id"] for b in view["blocks"] if b["type"] == "input")
    assert text.startswith("Valueboard isn't installed in this workspace any more")
    assert ":" not in text  # plain text: no emoji codes in a form's error
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Connection)) == 0
