"""The App Home kept between openings: served again only while nothing it shows has changed.

Each process keeps a member's Home figures with the team's revision and the quarter-hour they
were read at (usecases.progress). These tests prime that, change something the way members
do, and check the next Home against one read afresh by a second process's database object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import event

from slackapp.domain.team_settings import SettingsField
from slackapp.render import ids
from slackapp.store.db import Database
from slackapp.usecases import progress
from slackapp.usecases.deps import Deps
from tests.handlers.test_home import HOME_CONTAINER, open_home, seed
from tests.handlers.test_settings import _open_settings, _values
from tests.support.blockkit import all_text
from tests.support.driver import SlackDriver
from tests.support.factories import add_connection, add_member, add_team

THURSDAY = date(2026, 11, 26)


@pytest.fixture
def fresh(slack: SlackDriver) -> Iterator[Callable[[str], progress.HomeData]]:
    """A member's Home as another process reads it: its own database object, nothing kept."""
    client = WebClient(token=slack.standin.bot_token, base_url=slack.standin.api_url)
    opened: list[Database] = []

    def read(user_id: str) -> progress.HomeData:
        other = Database(slack.db.url)
        opened.append(other)
        deps = Deps(settings=slack.deps.settings, db=other, clock=slack.clock)
        return progress.home(deps, client, team_id=slack.team_id, user_id=user_id)

    yield read
    for other in opened:
        other.dispose()


def kept(slack: SlackDriver, user_id: str) -> progress.HomeData:
    """The member's Home as the served app reads it (its own database object)."""
    client = WebClient(token=slack.standin.bot_token, base_url=slack.standin.api_url)
    return progress.home(slack.deps, client, team_id=slack.team_id, user_id=user_id)


@pytest.fixture
def statements(slack: SlackDriver) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(slack.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(slack.db.engine, "before_cursor_execute", record)


def _reads_of_figures(seen: list[str]) -> list[str]:
    """The reads beyond the event's claim and the team's and member's rows (one statement)."""
    return [
        statement
        for statement in seen
        if statement.lstrip().upper().startswith("SELECT")
        and "processed_events" not in statement
        and "FROM teams LEFT OUTER JOIN members" not in statement
    ]


def test_a_home_opened_again_is_served_from_what_was_kept(
    slack: SlackDriver, statements: list[str], fresh: Callable[[str], progress.HomeData]
) -> None:
    seed(slack)
    first = open_home(slack)
    statements.clear()
    second = open_home(slack, count=2)
    assert second == first
    assert _reads_of_figures(statements) == []  # only the team's and the member's rows
    assert kept(slack, "U1") == fresh("U1")


def _ben_logs(slack: SlackDriver) -> str:
    reply = slack.command("solve fixed the build for @jo on github", user="U2")
    assert reply.json()["text"].startswith("Saved")
    return "Ben"


def _ana_logs(slack: SlackDriver) -> str:
    reply = slack.command("laugh sent @dev_folks the llama gif on instagram", user="U1")
    assert reply.json()["text"].startswith("Saved")
    return "the llama gif"


def _ana_deletes_one_on_her_home(slack: SlackDriver) -> str:
    slack.block_action(
        ids.DELETE_ACTION,
        value=str(_newest(slack)),
        user="U1",
        channel=None,
        container=HOME_CONTAINER,
    )
    return ""


def _ben_deletes_his_data(slack: SlackDriver) -> str:
    click = slack.block_action(ids.FORGET_ME_ACTION, value="U2", user="U2")
    assert click.status == 200
    return ""


def _an_admin_halves_the_goal(slack: SlackDriver) -> str:
    slack.standin.add_user("U9", display_name="Cleo", tz="Europe/London", is_admin=True)
    view = _open_settings(slack, user="U9")
    changes = {SettingsField.DAILY_GOAL: {"value": "5"}}
    assert slack.submit_view(view, _values(view, changes), user="U9").status == 200
    return "/5*"


def _someone_writes_straight_to_the_database(slack: SlackDriver) -> str:
    # What a script or another surface saves through the store: the same unit of work.
    with slack.db.session_scope() as session:
        add_connection(session, team_id=slack.team_id, user_id="U1", note="added by a script")
    return "added by a script"


def _newest(slack: SlackDriver) -> int:
    from tests.handlers.test_home import rows

    return max(row_id for row_id, row in rows(slack).items() if row.user_id == "U1")


CHANGES: dict[str, Callable[[SlackDriver], str]] = {
    "a teammate logs": _ben_logs,
    "the member logs": _ana_logs,
    "the member deletes an entry on the Home": _ana_deletes_one_on_her_home,
    "a teammate deletes their data": _ben_deletes_his_data,
    "an admin changes the goal": _an_admin_halves_the_goal,
    "a write made outside any request": _someone_writes_straight_to_the_database,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_by_anyone_shows_on_the_next_home(
    slack: SlackDriver, fresh: Callable[[str], progress.HomeData], change: str
) -> None:
    seed(slack, entries=4)
    opened = open_home(slack)
    before = kept(slack, "U1")
    shown = CHANGES[change](slack)
    slack.settle()
    after = kept(slack, "U1")
    assert after == fresh("U1")
    assert after != before
    view = open_home(slack, count=len(slack.standin.calls("views.publish")) + 1)
    assert all_text(view["blocks"]) != all_text(opened["blocks"])
    assert shown in all_text(view["blocks"])


def test_a_day_ending_in_the_members_zone_shows_at_once(slack: SlackDriver) -> None:
    # Kathmandu is 5:45 ahead of UTC: the member's Friday ends at 18:15 UTC, a quarter-hour
    # that is not a whole hour.
    slack.standin.add_user("U5", display_name="Sita", tz="Asia/Kathmandu")
    slack.clock.now = datetime(2026, 11, 27, 18, 14, tzinfo=UTC)  # 23:59 on Friday there
    slack.command("care checked in on @sam after her move", user="U5")
    slack.settle()
    friday = open_home(slack, user="U5")
    assert "*Today* · Fri 27 Nov\n*1/10*" in all_text(friday["blocks"])
    slack.clock.advance(minutes=2)  # 00:01 on Saturday there
    saturday = open_home(slack, user="U5", count=2)
    assert "*Today* · Sat 28 Nov" in all_text(saturday["blocks"])
    assert "*1/10*" not in all_text(saturday["blocks"])


def test_the_next_quarter_hour_reads_afresh_even_with_nothing_written(
    slack: SlackDriver, statements: list[str]
) -> None:
    seed(slack)
    open_home(slack)
    statements.clear()
    slack.clock.now = slack.clock.now.replace(minute=14, second=59)
    open_home(slack, count=2)
    assert _reads_of_figures(statements) == []
    slack.clock.advance(seconds=1)  # 15:15 UTC
    statements.clear()
    open_home(slack, count=3)
    assert _reads_of_figures(statements)


def test_a_process_keeps_a_bounded_number_of_homes() -> None:
    kept_homes = progress._KeptHomes(size=2)
    figures: Any = object()
    for user in ("U1", "U2", "U3"):
        kept_homes.put(("T1", user), (1,), figures)
    assert len(kept_homes) == 2
    assert kept_homes.get(("T1", "U1"), (1,)) is None
    assert kept_homes.get(("T1", "U3"), (1,)) is figures
    assert kept_homes.get(("T1", "U3"), (2,)) is None  # another revision: read afresh
    assert kept_homes.get(("T1", "U3"), None) is None  # nothing to compare: read afresh


def test_a_day_ending_in_a_teammates_zone_shows_on_the_board_at_once(
    slack: SlackDriver, fresh: Callable[[str], progress.HomeData]
) -> None:
    # The board's goal counts each member's work days up to their own today. Sita's Thursday
    # (Kathmandu, 5:45 ahead of UTC) ends at 18:15 UTC, while Ana's (New York) goes on:
    # neither Ana's day nor anything written changes, only the quarter-hour.
    with slack.db.session_scope() as session:
        add_team(session, team_id=slack.team_id, timezone="UTC")
        add_member(session, team_id=slack.team_id, user_id="U5", timezone="Asia/Kathmandu")
        for _ in range(3):
            add_connection(session, team_id=slack.team_id, user_id="U5", local_date=THURSDAY)
    slack.clock.now = datetime(2026, 11, 26, 18, 14, tzinfo=UTC)  # 23:59 on Thursday there
    thursday = kept(slack, "U1")
    assert kept(slack, "U1") == thursday == fresh("U1")
    slack.clock.advance(minutes=2)  # 00:01 on Friday there, 13:16 on Thursday in New York
    friday = kept(slack, "U1")
    assert friday.stats.today == thursday.stats.today
    assert friday == fresh("U1")
    assert friday.board.team_goal > thursday.board.team_goal
