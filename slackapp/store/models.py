"""The schema: SQLAlchemy 2 typed models. Change it only through an Alembic migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    cast,
    func,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column

from slackapp.domain.calendar import DEFAULT_WORK_DAYS
from slackapp.domain.entries import LINK_MAX_LENGTH, NOTE_MAX_LENGTH, WHO_MAX_LENGTH
from slackapp.domain.people import HANDLE_KEY_MAX
from slackapp.domain.team_settings import (
    DEFAULT_DAILY_GOAL,
    DEFAULT_DIGEST_TIME,
    DEFAULT_DIGEST_WEEKDAY,
    DEFAULT_NUDGE_TIME,
    DigestMode,
    NudgeMode,
    format_time,
    mask_from_work_days,
)
from slackapp.domain.vocabulary import PRINCIPLE_ORDER

#: The entries with a note, as ix_connections_team_notes is built over them: a query meant to
#: read that index says so in these words (a bound parameter in their place would not match).
NOTED = "note != ''"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: The column that makes a table team-scoped: whose a row is.
TEAM_COLUMN = "team_id"


class TeamRevision(Base):
    """Part of a team's revision, the number raised by every write that may change what its
    App Homes show: the revision is the sum of the team's parts (store.revisions).

    Kept apart from `teams`, whose row every entry holds shared while it is saved: raising a
    number there would make two entries of one team wait for each other. Kept in parts because
    raising one locks it until the commit, and an entry raises its part early in its
    transaction (store.revisions): with one number, a team's entries would take turns for
    the whole of theirs.
    """

    __tablename__ = "team_revisions"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)


class Team(Base):
    """A workspace that installed Valueboard, with its team-wide settings."""

    __tablename__ = "teams"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Weekdays as a bitmask, Monday = bit 0; 31 = Monday to Friday.
    work_days_mask: Mapped[int] = mapped_column(
        Integer, default=mask_from_work_days(DEFAULT_WORK_DAYS)
    )
    daily_goal: Mapped[int] = mapped_column(Integer, default=DEFAULT_DAILY_GOAL)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The daily nudge: "off", "channel" (post in nudge_channel) or "dm" (each member).
    nudge_mode: Mapped[str] = mapped_column(String(16), default=NudgeMode.OFF.value)
    nudge_channel: Mapped[str | None] = mapped_column(String(32))
    nudge_time: Mapped[str] = mapped_column(  # local HH:MM
        String(5), default=format_time(DEFAULT_NUDGE_TIME)
    )
    nudge_paused_reason: Mapped[str | None] = mapped_column(String(200))
    # The digest: "off", "daily" or "weekly" (on digest_weekday, Monday = 0).
    digest_mode: Mapped[str] = mapped_column(String(16), default=DigestMode.OFF.value)
    digest_channel: Mapped[str | None] = mapped_column(String(32))
    digest_time: Mapped[str] = mapped_column(  # local HH:MM
        String(5), default=format_time(DEFAULT_DIGEST_TIME)
    )
    digest_weekday: Mapped[int] = mapped_column(Integer, default=DEFAULT_DIGEST_WEEKDAY)
    digest_paused_reason: Mapped[str | None] = mapped_column(String(200))
    # Who last saved the settings: told when a schedule has to pause.
    settings_updated_by: Mapped[str | None] = mapped_column(String(32))
    settings_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    inactive_reason: Mapped[str | None] = mapped_column(String(64))
    # When Slack said the workspace uninstalled Valueboard or revoked its bot token: its data is
    # deleted DATA_RETENTION_DAYS later unless it reinstalls first (which clears this).
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The Enterprise Grid organisation the workspace belongs to, learnt from its requests: an
    # org-wide install's token is found by the organisation, not by the workspace.
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    # The goal and work days that member_days.goal_run follows (store.tallies keeps them in
    # step); None until they are first worked out, and readers check them before trusting it.
    streak_goal: Mapped[int | None] = mapped_column(Integer)
    streak_days_mask: Mapped[int | None] = mapped_column(Integer)
    # The team's revision (store.revisions), read only where asked for: a Home read at it,
    # within the same quarter-hour, is still right. None until the team's first write.
    revision: Mapped[int | None] = column_property(
        # PostgreSQL sums bigints as numeric: cast back, so that the stamp is an int.
        select(cast(func.sum(TeamRevision.revision), BigInteger))
        .where(TeamRevision.team_id == team_id)
        .correlate_except(TeamRevision)
        .scalar_subquery(),
        deferred=True,
    )

    __table_args__ = (
        CheckConstraint("daily_goal BETWEEN 1 AND 100", name="daily_goal_range"),
        CheckConstraint("work_days_mask BETWEEN 1 AND 127", name="work_days_range"),
        CheckConstraint("nudge_mode IN ('off', 'channel', 'dm')", name="nudge_mode_known"),
        CheckConstraint("digest_mode IN ('off', 'daily', 'weekly')", name="digest_mode_known"),
        CheckConstraint("digest_weekday BETWEEN 0 AND 6", name="digest_weekday_range"),
    )


class Member(Base):
    """A person in a team, with what we cache about them from users.info."""

    __tablename__ = "members"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Slack's users.info flags; a DM nudge never goes to a bot or a deactivated account.
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # `/connect followups off|on`: whether the member is asked "did they reply?" by DM.
    followups_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Connection(Base):
    """One logged value action."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    principle: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(16))
    who: Mapped[str | None] = mapped_column(String(WHO_MAX_LENGTH))
    note: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(LINK_MAX_LENGTH))
    # The member's own calendar day, in their time zone, when it happened.
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16), default="command")
    # Idempotency key of the request that created it (e.g. a modal's view id).
    client_token: Mapped[str | None] = mapped_column(String(64))
    # The person `who` names on `platform` (see domain/people.py); set in the log's transaction.
    person_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("people.id"))

    __table_args__ = (
        CheckConstraint(
            "principle IN ('solve', 'care', 'laugh', 'opportunity')", name="principle_known"
        ),
        CheckConstraint(f"length(note) <= {NOTE_MAX_LENGTH}", name="note_length"),
        UniqueConstraint("team_id", "client_token"),
        UniqueConstraint("team_id", "user_id", "local_date", "link"),
        Index("ix_connections_team_day", "team_id", "local_date", "user_id", "principle"),
        Index("ix_connections_member_day", "team_id", "user_id", "local_date", "principle"),
        Index("ix_connections_member_recent", "team_id", "user_id", "created_at"),
        # The people a member reached most recently (their App Home), newest first, ties by id:
        # only entries that name someone, so a member who rarely names anyone costs no scan.
        Index(
            "ix_connections_member_people",
            "team_id",
            "user_id",
            "created_at",
            "id",
            "person_id",
            "local_date",
            sqlite_where=text("person_id IS NOT NULL"),
            postgresql_where=text("person_id IS NOT NULL"),
        ),
        # The team's notes by day and time, newest first (a digest's highlights): only entries
        # with a note, so the newest forty are forty index entries, none sorted.
        Index(
            "ix_connections_team_notes",
            "team_id",
            "local_date",
            "created_at",
            "id",
            sqlite_where=text(NOTED),
            postgresql_where=text(NOTED),
        ),
        # The people board: distinct people each member reached in a window.
        Index("ix_connections_team_day_person", "team_id", "local_date", "user_id", "person_id"),
        # Covers a person's page and the teammate hint, newest first (ties by id): counts, first and
        # last, principles, who.
        Index(
            "ix_connections_person_recent",
            "team_id",
            "person_id",
            "created_at",
            "id",
            "user_id",
            "local_date",
            "principle",
        ),
    )


class Person(Base):
    """Someone the team gave value to: one handle on one platform, or one Slack user.

    `merged_into` points at the person this one was found to be (always a person that is not
    merged itself); clearing it undoes the merge, because entries keep their own person.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # A Platform value, "slack" for a Slack user, or "" when the entry named no platform.
    platform: Mapped[str] = mapped_column(String(16))
    handle_key: Mapped[str] = mapped_column(String(HANDLE_KEY_MAX))
    display: Mapped[str] = mapped_column(String(HANDLE_KEY_MAX))
    merged_into: Mapped[int | None] = mapped_column(Integer, ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The earliest local date of the entries naming this person row (None while none does),
    # kept by store.named_dates.
    first_date: Mapped[date | None] = mapped_column(Date)
    # The local dates of the three latest entries naming this person row, newest first (two
    # on one day give that day twice; None while fewer name them), kept by store.named_dates.
    touch_1: Mapped[date | None] = mapped_column(Date)
    touch_2: Mapped[date | None] = mapped_column(Date)
    touch_3: Mapped[date | None] = mapped_column(Date)
    # The same four dates for the person as the team knows them: this row and every row merged
    # into it (None on a row merged into another, whose dates count in its root's), kept by
    # store.tallies. Who is new to the team in a week, and who was touched three times in a
    # window that nobody has logged past, are then each one range on an index of its own.
    group_first: Mapped[date | None] = mapped_column(Date)
    group_touch_1: Mapped[date | None] = mapped_column(Date)
    group_touch_2: Mapped[date | None] = mapped_column(Date)
    group_touch_3: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("team_id", "platform", "handle_key"),
        Index("ix_people_team_handle", "team_id", "handle_key"),
        Index("ix_people_team_merged", "team_id", "merged_into", "id"),
        Index("ix_people_team_group_first", "team_id", "group_first"),
        Index("ix_people_team_group_touches", "team_id", "group_touch_3", "group_touch_1"),
    )


#: The columns of Person that keep its latest touches, newest first.
KEPT_TOUCH_COLUMNS = ("touch_1", "touch_2", "touch_3")
#: The same of the person as the team knows them (their row and every row merged into it).
GROUP_TOUCH_COLUMNS = ("group_touch_1", "group_touch_2", "group_touch_3")
#: MemberDay's column for each principle's count, in PRINCIPLE_ORDER (the principle's value).
DAY_PRINCIPLE_COLUMNS = tuple(principle.value for principle in PRINCIPLE_ORDER)


class FollowUp(Base):
    """A member's wish to be asked, on `due_date` (their own day), whether someone replied.

    `ask_on` is the day it waits to be asked (its due date), and empty once a DM asked or an
    answer closed it, so the tick's question is one range on an index. `asked_for` is the due
    date the last DM asked about (`delivery_id` is that DM in the ledger). "Still waiting"
    moves `due_date` (and `ask_on`) on; an answer closes it.
    """

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    # Whom it is about is the entry's person: editing the entry's "who" moves it too.
    connection_id: Mapped[int] = mapped_column(Integer, ForeignKey("connections.id"))
    due_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="open")
    ask_on: Mapped[date | None] = mapped_column(Date)
    asked_for: Mapped[date | None] = mapped_column(Date)
    delivery_id: Mapped[int | None] = mapped_column(Integer)
    asks: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The member's own day of the answer: reply rates count by it.
    answered_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("connection_id"),
        CheckConstraint("state IN ('open', 'replied', 'no_reply')", name="state_known"),
        # The tick's question: follow-ups waiting to be asked by a day, across teams.
        Index("ix_followups_ask_on", "ask_on"),
        Index("ix_followups_member", "team_id", "user_id", "state", "due_date"),
        Index("ix_followups_delivery", "delivery_id"),
        Index("ix_followups_answered", "team_id", "answered_on", "user_id", "state"),
    )


class MemberTotal(Base):
    """A member's all-time count of one principle, kept like MemberDay."""

    __tablename__ = "member_totals"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    principle: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class MemberMonth(Base):
    """How many connections of one principle a member logged in one calendar month of their
    days (`month` is its first day), kept like MemberDay.

    The month's board reads a row per member and principle instead of one per day.
    """

    __tablename__ = "member_months"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    principle: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_member_months_team_month", "team_id", "month", "user_id", "principle", "count"),
    )


class MemberDay(Base):
    """How many connections a member logged on one of their days: each principle's count and
    all of them together, and the day's place in the member's streaks.

    Kept in step with `connections` in the same transaction as every change to it
    (store.tallies), so that boards, stats, streaks and digests read a row per member and day
    instead of counting every entry, and a span's counts are column sums, not a row per
    principle.
    """

    __tablename__ = "member_days"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Each principle's count that day (named by Principle's values; together they make `count`).
    solve: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    care: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    laugh: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    opportunity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # On a day that met the team's goal, its place in the member's run of such days (1 on the
    # run's first day); 0 on other days. As of Team.streak_goal and Team.streak_days_mask.
    goal_run: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The same for days with anything logged (the active streak), as of those work days.
    active_run: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        # A team's days: who met the goal on them and where that day stands in their run (goal
        # streaks), and each member's counts over a span (boards, digests), from the index alone.
        Index(
            "ix_member_days_team_day",
            "team_id",
            "local_date",
            "count",
            "user_id",
            "goal_run",
            *DAY_PRINCIPLE_COLUMNS,
        ),
        # A member's history (their streaks, kept runs included) from the index alone, without
        # visiting the rows. Not their principle counts, which only their last eight days read:
        # with them it would cover a team's board too, in member order, the whole team's days.
        Index(
            "ix_member_days_member",
            "team_id",
            "user_id",
            "local_date",
            "count",
            "goal_run",
            "active_run",
        ),
    )


#: MemberDay's principle counts as columns, in PRINCIPLE_ORDER (a principle without its column
#: fails here, at import).
MEMBER_DAY_PRINCIPLES = tuple(getattr(MemberDay, name) for name in DAY_PRINCIPLE_COLUMNS)


class ProcessedEvent(Base):
    """Events API deliveries already handled, so Slack's retries never act twice."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Delivery(Base):
    """One scheduled post (nudge, digest or follow-up DM), claimed under a unique key first."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # "nudge", "digest" or "followup"
    target: Mapped[str] = mapped_column(String(32))  # channel id or user id (DMs)
    local_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # claimed -> sent; claimed -> retry (transient failure, see next_attempt_at) -> claimed ...;
    # claimed -> failed (permanent) ; skipped (too late after downtime).
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("team_id", "kind", "target", "local_date"),
        CheckConstraint(
            "status IN ('claimed', 'sent', 'retry', 'failed', 'skipped')", name="status_known"
        ),
        Index("ix_deliveries_retry", "status", "next_attempt_at"),
    )
