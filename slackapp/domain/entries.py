"""Entries: what a member logs, the form's fields and the rules a draft must meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from slackapp.domain.followups import FORM_CHOICES
from slackapp.domain.vocabulary import Platform, Principle

#: Slack delivers slash-command text up to about this many characters.
COMMAND_TEXT_MAX = 4000
#: How far back a member may date an entry.
MAX_DAYS_BACK = 30
#: Column widths of an entry's free text (the schema holds the same limits).
NOTE_MAX_LENGTH = 1000
WHO_MAX_LENGTH = 200
LINK_MAX_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Draft:
    """What a member asked to save, already validated."""

    principle: Principle
    local_date: date
    platform: Platform | None = None
    who: str | None = None
    note: str = ""
    link: str | None = None


@dataclass(frozen=True, slots=True)
class SavedConnection:
    """A stored value action, as the rest of the app sees it."""

    id: int
    team_id: str
    user_id: str
    principle: Principle
    platform: Platform | None
    who: str | None
    note: str
    link: str | None
    local_date: date
    created_at: datetime
    #: The person `who` names (see domain/people.py), when it names anyone.
    person_id: int | None = None


@dataclass(frozen=True, slots=True)
class Prefill:
    """Values to show in the connection form when it opens."""

    principle: Principle | None = None
    platform: Platform | None = None
    who: str | None = None
    link: str | None = None
    note: str | None = None
    local_date: date | None = None


class LogStatus(StrEnum):
    SAVED = "saved"
    ALREADY_SAVED = "already_saved"  # the same request (e.g. a modal) arrived twice
    DUPLICATE_LINK = "duplicate_link"  # this link is already logged today
    CAP_REACHED = "cap_reached"


@dataclass(frozen=True, slots=True)
class LogResult:
    """What happened to a log request, and the member's day afterwards."""

    status: LogStatus
    connection: SavedConnection | None
    day_count: int
    daily_goal: int
    daily_cap: int


class ChangeStatus(StrEnum):
    DONE = "done"
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    DUPLICATE_LINK = "duplicate_link"


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """The outcome of an undo, delete or edit."""

    status: ChangeStatus
    connection: SavedConnection | None


class FormField(StrEnum):
    """The fields of a connection, as validation names them (the renderer picks block ids)."""

    PRINCIPLE = "principle"
    PLATFORM = "platform"
    WHO = "who"
    LINK = "link"
    NOTE = "note"
    DATE = "date"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True, slots=True)
class FormInput:
    """Raw values a member typed into the connection form."""

    principle: str | None
    platform: str | None
    who: str | None
    link: str | None
    note: str | None
    local_date: str | None  # ISO date from the date picker
    #: The "Follow up" choice (a key of domain.followups.FORM_CHOICES); not on the edit form.
    follow_up: str | None = None


def is_valid_link(link: str) -> bool:
    """Whether `link` is an absolute http(s) URL with a host and no spaces."""
    if len(link) > LINK_MAX_LENGTH or any(ch.isspace() for ch in link):
        return False
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and "." in parts.netloc


def validate_form(form: FormInput, *, today: date) -> Draft | dict[FormField, str]:
    """Turn form input into a Draft, or say what is wrong with each field."""
    errors: dict[FormField, str] = {}
    principle: Principle | None = None
    try:
        principle = Principle(form.principle or "")
    except ValueError:
        errors[FormField.PRINCIPLE] = "Pick the kind of value you gave."
    platform: Platform | None = None
    if form.platform:
        try:
            platform = Platform(form.platform)
        except ValueError:
            errors[FormField.PLATFORM] = "Pick a platform from the list."
    link = (form.link or "").strip() or None
    if link is not None and not is_valid_link(link):
        errors[FormField.LINK] = "That doesn't look like a web link. Try one starting with https://"
    note = (form.note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors[FormField.NOTE] = (
            f"Keep the note under {NOTE_MAX_LENGTH:,} characters (it has {len(note):,})."
        )
    who = (form.who or "").strip() or None
    if who is not None and len(who) > WHO_MAX_LENGTH:
        errors[FormField.WHO] = f"Keep this under {WHO_MAX_LENGTH} characters."
    if form.follow_up and form.follow_up not in FORM_CHOICES:
        errors[FormField.FOLLOW_UP] = "Pick when to follow up from the list."
    day = today
    if form.local_date:
        try:
            day = date.fromisoformat(form.local_date)
        except ValueError:
            errors[FormField.DATE] = "Pick a date from the calendar."
    if FormField.DATE not in errors:
        if day > today:
            errors[FormField.DATE] = "That day hasn't happened yet. Pick today or an earlier day."
        elif day < today - timedelta(days=MAX_DAYS_BACK):
            errors[FormField.DATE] = f"You can log up to {MAX_DAYS_BACK} days back."
    if errors or principle is None:
        return errors
    return Draft(
        principle=principle, local_date=day, platform=platform, who=who, note=note, link=link
    )
