"""What a member holds in Valueboard, as `/connect forget-me` tells them before and after."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MemberData"]


@dataclass(frozen=True, slots=True)
class MemberData:
    """Counts of a member's own data: what forget-me would delete, or did.

    `settings` is their member record (name, time zone, nudge choice); `people` the people only
    their entries named (known once deleted); `other` rows of any other kind.
    """

    entries: int = 0
    follow_ups: int = 0
    settings: int = 0
    scheduled_messages: int = 0
    people: int = 0
    other: int = 0

    @property
    def empty(self) -> bool:
        """Nothing at all is stored for the member."""
        return not (
            self.entries
            or self.follow_ups
            or self.settings
            or self.scheduled_messages
            or self.other
        )
