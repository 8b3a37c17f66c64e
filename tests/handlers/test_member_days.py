"""A team spread from UTC−11 to UTC+14: every entry is on every board its member-day belongs to.

The team keeps Pago Pago's time (UTC−11); its members live in Kiritimati (UTC+14), Lagos (UTC+1)
and Bogotá (UTC−5). They log through /connect at hours chosen so that some of their days are
ahead of the team's, across a week end (Sunday 29 to Monday 30 November 2026) and a month end
(30 November to 1 December). At several later instants, each window on the board, /mystats and
the App Home must agree with an oracle that knows only the rule: today, 7d and 30d are each
member's own days; week and month are the team's, start to end; all is everything.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from slackapp.domain.calendar import Window, week_start
from slackapp.domain.windows import RULE
from slackapp.usecases import board, progress
from tests.support.driver import SlackDriver
from tests.support.factories import add_team

TEAM_ZONE = "Pacific/Pago_Pago"
MEMBERS = {
    "UKIRI": "Pacific/Kiritimati",
    "ULAGOS": "Africa/Lagos",
    "UBOGOTA": "America/Bogota",
}
# When each member logs (UTC); their entry is dated by their own calendar.
LOGS = [
    datetime(2026, 11, 29, 9, 0, tzinfo=UTC),  # Kiritimati already Sunday 23:00
    datetime(2026, 11, 29, 12, 0, tzinfo=UTC),  # Kiritimati Monday 30, the team still Sunday 29
    datetime(2026, 11, 30, 11, 30, tzinfo=UTC),  # Kiritimati Tuesday 1 December
    datetime(2026, 11, 30, 23, 30, tzinfo=UTC),  # Lagos 1 December, the team 30 November
    datetime(2026, 12, 1, 10, 0, tzinfo=UTC),  # the team 30 November 23:00
]
CHECKS = [
    datetime(2026, 11, 29, 12, 30, tzinfo=UTC),
    datetime(2026, 11, 30, 10, 59, tzinfo=UTC),  # the team's Sunday, its last minute
    datetime(2026, 11, 30, 11, 0, tzinfo=UTC),  # the team's Monday, a new week
    datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
    datetime(2026, 12, 1, 11, 30, tzinfo=UTC),  # the team's 1 December, a new month
    datetime(2026, 12, 2, 23, 0, tzinfo=UTC),
]


def _day(instant: datetime, zone_name: str) -> date:
    return instant.astimezone(ZoneInfo(zone_name)).date()


def _expected(window: Window, *, at: datetime, user: str, entries: list[tuple[str, date]]) -> int:
    """The oracle: how many of `user`'s entries `window` holds at `at`."""
    own = _day(at, MEMBERS[user])
    team = _day(at, TEAM_ZONE)

    def holds(day: date) -> bool:
        if window is Window.TODAY:
            return day == own
        if window is Window.LAST_7_DAYS:
            return own - timedelta(days=6) <= day <= own
        if window is Window.LAST_30_DAYS:
            return own - timedelta(days=29) <= day <= own
        if window is Window.WEEK:
            return week_start(team) <= day <= week_start(team) + timedelta(days=6)
        if window is Window.MONTH:
            return (day.year, day.month) == (team.year, team.month)
        return True

    return sum(1 for who, day in entries if who == user and holds(day))


@pytest.fixture
def spread(slack: SlackDriver) -> list[tuple[str, date]]:
    """The team and its members, each logging once at every instant in LOGS."""
    for user, zone_name in MEMBERS.items():
        slack.standin.add_user(user, display_name=user.title(), tz=zone_name)
    with slack.db.session_scope() as session:
        add_team(session, team_id=slack.team_id, timezone=TEAM_ZONE)
    entries: list[tuple[str, date]] = []
    for n, instant in enumerate(LOGS):
        slack.clock.now = instant
        for user, zone_name in MEMBERS.items():
            reply = slack.command(f"solve answered question {n} for {user}", user=user)
            assert "Saved" in reply.json()["text"]
            # The work after the ack (profile, date fix) is done before the next log.
            slack.settle()
            entries.append((user, _day(instant, zone_name)))
    return entries


@pytest.mark.parametrize("at", CHECKS, ids=lambda at: at.strftime("%d%H%M"))
def test_every_window_holds_exactly_its_member_days(
    slack: SlackDriver, spread: list[tuple[str, date]], at: datetime
) -> None:
    slack.clock.now = at
    client = _client(slack)
    for window in Window:
        outcome = board.leaderboard(
            slack.deps, client, team_id=slack.team_id, user_id="UKIRI", text=window.value
        )
        assert isinstance(outcome, board.TeamBoard)
        shown = {row.user_id: row.total for row in outcome.board.rows}
        for user in MEMBERS:
            expected = _expected(window, at=at, user=user, entries=spread)
            assert shown.get(user, 0) == expected, (window, user, at)
        assert outcome.board.team_total == sum(
            _expected(window, at=at, user=user, entries=spread) for user in MEMBERS
        )
    # /mystats and the Home count each member's own today and week as the board does.
    for user in MEMBERS:
        mine = progress.my_stats(slack.deps, client, team_id=slack.team_id, user_id=user)
        assert mine.stats.today_count == _expected(Window.TODAY, at=at, user=user, entries=spread)
        home = progress.home(slack.deps, client, team_id=slack.team_id, user_id=user)
        home_rows = {row.user_id: row.total for row in home.board.rows}
        for other in MEMBERS:
            assert home_rows.get(other, 0) == _expected(
                Window.WEEK, at=at, user=other, entries=spread
            )


def test_the_board_says_whose_days_it_counts(
    slack: SlackDriver, spread: list[tuple[str, date]]
) -> None:
    slack.clock.now = CHECKS[2]
    reply = slack.command("today", command="/leaderboard", user="ULAGOS")
    assert RULE in json.dumps(slack.response_to(reply))


def _client(slack: SlackDriver) -> WebClient:
    return WebClient(token=slack.standin.bot_token, base_url=slack.standin.api_url)
