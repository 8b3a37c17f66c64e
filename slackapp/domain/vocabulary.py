"""The four kinds of value action, and the platforms people give value on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Principle(StrEnum):
    """A kind of value action. The value is what the database stores."""

    SOLVE = "solve"
    CARE = "care"
    LAUGH = "laugh"
    OPPORTUNITY = "opportunity"


@dataclass(frozen=True, slots=True)
class PrincipleInfo:
    """How a principle is shown to people."""

    label: str
    emoji: str
    blurb: str


PRINCIPLES: dict[Principle, PrincipleInfo] = {
    Principle.SOLVE: PrincipleInfo(
        label="Solve a problem",
        emoji=":bulb:",
        blurb="Someone was stuck and you got them unstuck, without pitching anything.",
    ),
    Principle.CARE: PrincipleInfo(
        label="Show you care",
        emoji=":heart:",
        blurb="You noticed someone's work and told them, in words that prove you read it.",
    ),
    Principle.LAUGH: PrincipleInfo(
        label="Make them laugh",
        emoji=":joy:",
        blurb="You brightened someone's feed with humour that fits the people you serve.",
    ),
    Principle.OPPORTUNITY: PrincipleInfo(
        label="Embrace an opportunity",
        emoji=":dart:",
        blurb="You caught a question early and had the right resource ready.",
    ),
}

#: The order principles are listed in everywhere (forms, boards, digests).
PRINCIPLE_ORDER: tuple[Principle, ...] = (
    Principle.SOLVE,
    Principle.CARE,
    Principle.LAUGH,
    Principle.OPPORTUNITY,
)


def zero_counts() -> dict[Principle, int]:
    """A fresh count of 0 for every principle, in display order, ready to add to."""
    return dict.fromkeys(PRINCIPLE_ORDER, 0)


class Platform(StrEnum):
    """Where the connection happened."""

    TWITTER = "twitter"
    LINKEDIN = "linkedin"
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    REDDIT = "reddit"
    THREADS = "threads"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    OTHER = "other"


PLATFORM_LABELS: dict[Platform, str] = {
    Platform.TWITTER: "X / Twitter",
    Platform.LINKEDIN: "LinkedIn",
    Platform.INSTAGRAM: "Instagram",
    Platform.FACEBOOK: "Facebook",
    Platform.TIKTOK: "TikTok",
    Platform.YOUTUBE: "YouTube",
    Platform.REDDIT: "Reddit",
    Platform.THREADS: "Threads",
    Platform.BLUESKY: "Bluesky",
    Platform.MASTODON: "Mastodon",
    Platform.OTHER: "Other",
}


def principle_emoji(principle: Principle) -> str:
    """The emoji shown beside a principle's counts."""
    return PRINCIPLES[principle].emoji


def principle_label(principle: Principle) -> str:
    """The human name of a principle."""
    return PRINCIPLES[principle].label
