"""A few weeks of believable history for the seeded members, so every screen has something.

Each member has a habit of their own (Ana nearly always reaches the goal, Kenji logs now and
then, Maya joined last week), drawn from a fixed seed so the same button gives the same data.
Entries go through the store's own `log_connection` with a client token per entry, so the
tallies stay right and pressing the button twice adds nothing the second time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

from slackapp.domain.calendar import DEFAULT_WORK_DAYS, local_date, zone
from slackapp.domain.entries import Draft, LogStatus
from slackapp.domain.team_settings import DigestMode, NudgeMode, SettingsUpdate
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.sandbox.seed import ADMIN, MARKETING, MEMBERS, TEAM_ID, SeedMember
from slackapp.store.connections import ensure_member, ensure_team, log_connection
from slackapp.store.db import Database
from slackapp.store.models import Member
from slackapp.store.team_settings import get_settings, save_settings

#: How many days back the history reaches.
SAMPLE_DAYS: Final = 21


@dataclass(frozen=True, slots=True)
class Habit:
    """How often and how much a member logs."""

    active: float  # chance of logging on a work day
    per_day: int  # typical count on such a day
    joined_days_ago: int = SAMPLE_DAYS


HABITS: Final = {
    "U0ANA": Habit(active=0.95, per_day=10),
    "U0BEN": Habit(active=0.9, per_day=8),
    "U0PRIYA": Habit(active=0.7, per_day=6),
    "U0KENJI": Habit(active=0.5, per_day=3),
    "U0MAYA": Habit(active=0.9, per_day=7, joined_days_ago=6),
}

_WHO: Final = {
    Principle.SOLVE: (
        ("@devon_builds", Platform.TWITTER, "answered his question about rate-limit headers"),
        ("Lena", Platform.REDDIT, "walked her through a CORS preflight until it worked"),
        ("@tomasz", Platform.LINKEDIN, "reviewed his landing page and fixed the headline"),
        ("@arun.dev", Platform.BLUESKY, "found the CI cache flag he was missing"),
        ("Grace", Platform.YOUTUBE, "replied to her comment with the missing setup step"),
    ),
    Principle.CARE: (
        ("@mira_designs", Platform.INSTAGRAM, "told her why the onboarding art made us smile"),
        (
            "@sam_ships",
            Platform.TWITTER,
            "congratulated Sam on the launch, quoting my favourite line",
        ),
        ("Jo", Platform.YOUTUBE, "thanked Jo for the tutorial and said where it helped"),
        ("@carla.pm", Platform.LINKEDIN, "commented on her hiring post with a real story"),
    ),
    Principle.LAUGH: (
        ("@dev_folks", Platform.INSTAGRAM, "shared a meme about Friday deploys"),
        ("r/ProgrammerHumor", Platform.REDDIT, "a gentle joke about naming things"),
        ("@flakytests", Platform.TIKTOK, "a ten-second skit about flaky tests"),
        ("@ops_life", Platform.MASTODON, "the pager-at-3am comic, with a kind caption"),
    ),
    Principle.OPPORTUNITY: (
        ("@newbie_pm", Platform.TWITTER, "spotted her asking for a podcast host, sent our list"),
        ("Growth community", Platform.OTHER, "caught a pricing-page question, shared our teardown"),
        ("@ravi_ops", Platform.LINKEDIN, "saw he was hiring DevRel, made an introduction"),
        ("@indiehacker", Platform.THREADS, "answered a launch-checklist question with our guide"),
    ),
}
_LINKS: Final = {
    Platform.TWITTER: "https://x.com/{who}/status/{n}",
    Platform.LINKEDIN: "https://www.linkedin.com/feed/update/urn:li:activity:{n}",
    Platform.REDDIT: "https://www.reddit.com/r/webdev/comments/{n}",
    Platform.YOUTUBE: "https://www.youtube.com/watch?v={n}",
    Platform.INSTAGRAM: "https://www.instagram.com/p/{n}",
}
#: Each member leans towards some principles (weights in PRINCIPLE order).
_LEANINGS: Final = {
    "U0ANA": (4, 3, 1, 2),
    "U0BEN": (2, 4, 2, 1),
    "U0PRIYA": (5, 1, 1, 3),
    "U0KENJI": (2, 2, 3, 1),
    "U0MAYA": (1, 2, 5, 1),
}
_PRINCIPLES: Final = (Principle.SOLVE, Principle.CARE, Principle.LAUGH, Principle.OPPORTUNITY)


@dataclass(frozen=True, slots=True)
class SampleReport:
    """What the button did."""

    added: int
    members: int
    days: int
    schedule_set: bool

    def summary(self) -> str:
        text = (
            f"Added {self.added:,} connections over the last {self.days} days "
            f"for {self.members} members."
        )
        if not self.added:
            text = "The sample history was already there; nothing new was added."
        if self.schedule_set:
            text += (
                f" Switched on a daily nudge (09:00) and a weekly digest (Fridays 16:00) "
                f"in #{MARKETING.name}."
            )
        return text


def _draft(rng: random.Random, member: SeedMember, day: datetime, n: int) -> Draft:
    principle = rng.choices(_PRINCIPLES, weights=_LEANINGS.get(member.user_id, (1, 1, 1, 1)))[0]
    who, platform, note = rng.choice(_WHO[principle])
    pattern = _LINKS.get(platform)
    link = None
    if pattern is not None and rng.random() < 0.6:
        number = f"{day:%y%m%d}{n:02d}{rng.randrange(10**8):08d}"
        link = pattern.format(who=who.strip("@").replace(".", "_"), n=number)
    return Draft(
        principle=principle,
        local_date=day.date(),
        platform=platform,
        who=who,
        note=note[:1].upper() + note[1:],
        link=link,
    )


def _count_for(rng: random.Random, habit: Habit, *, work_day: bool) -> int:
    if not work_day:
        return 1 if rng.random() < 0.15 else 0
    if rng.random() > habit.active:
        return 0
    return max(1, round(rng.gauss(habit.per_day, habit.per_day / 4)))


def fill_sample_history(
    db: Database, *, now: datetime, default_timezone: str, daily_goal: int, daily_cap: int
) -> SampleReport:
    """Log a few weeks of connections for every seeded member; switch on a schedule if none."""
    added = 0
    with db.session_scope() as session:
        ensure_team(
            session,
            team_id=TEAM_ID,
            now=now,
            timezone=default_timezone,
            daily_goal=daily_goal,
        )
        for member in MEMBERS:
            row = ensure_member(session, team_id=TEAM_ID, user_id=member.user_id, now=now)
            _remember(row, member)
    for member in MEMBERS:
        habit = HABITS.get(member.user_id, Habit(active=0.6, per_day=4))
        rng = random.Random(f"valueboard-sandbox:{member.user_id}")
        tz = zone(member.tz)
        today = local_date(now, tz)
        with db.session_scope() as session:
            for back in range(min(habit.joined_days_ago, SAMPLE_DAYS), -1, -1):
                day = today - timedelta(days=back)
                count = _count_for(rng, habit, work_day=day.weekday() in DEFAULT_WORK_DAYS)
                if back == 0:
                    # Today is under way: a start, not a full day.
                    count = min(count, 3)
                for n in range(count):
                    hour = 9 + (8 * n) // max(count, 1)
                    at = datetime.combine(day, time(hour, rng.randrange(60)), tz)
                    if at > now:
                        break
                    result = log_connection(
                        session,
                        team_id=TEAM_ID,
                        user_id=member.user_id,
                        draft=_draft(rng, member, at, n),
                        now=at,
                        daily_goal=daily_goal,
                        daily_cap=daily_cap,
                        source="sample",
                        client_token=f"sample:{member.user_id}:{day.isoformat()}:{n}",
                    )
                    added += result.status is LogStatus.SAVED
    schedule_set = _switch_on_schedule(db, now=now, default_timezone=default_timezone)
    return SampleReport(
        added=added, members=len(MEMBERS), days=SAMPLE_DAYS, schedule_set=schedule_set
    )


def _remember(row: Member, member: SeedMember) -> None:
    # What users.info would say; the app checks it again itself within a day.
    row.display_name = row.display_name or member.name.split()[0]
    row.timezone = row.timezone or member.tz
    row.is_admin = member.is_admin


def _switch_on_schedule(db: Database, *, now: datetime, default_timezone: str) -> bool:
    with db.session_scope() as session:
        current = get_settings(session, team_id=TEAM_ID, default_timezone=default_timezone)
        if current.updated_by is not None:
            return False  # an admin chose already; theirs stands
        save_settings(
            session,
            team_id=TEAM_ID,
            update=SettingsUpdate(
                timezone=current.timezone,
                work_days=current.work_days,
                daily_goal=current.daily_goal,
                nudge_mode=NudgeMode.CHANNEL,
                nudge_channel=MARKETING.channel_id,
                nudge_time=time(9, 0),
                digest_mode=DigestMode.WEEKLY,
                digest_channel=MARKETING.channel_id,
                digest_time=time(16, 0),
                digest_weekday=4,
            ),
            user_id=ADMIN.user_id,
            now=now,
        )
    return True
