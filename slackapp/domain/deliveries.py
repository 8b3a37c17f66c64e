"""What a scheduled delivery is: the team's daily nudge, its digest, or a member's follow-ups."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DeliveryKind"]


class DeliveryKind(StrEnum):
    """What a delivery is; the value is what the deliveries ledger stores in `kind`."""

    NUDGE = "nudge"
    DIGEST = "digest"
    #: A member's morning DM asking whether the people of their due follow-ups replied.
    FOLLOWUP = "followup"
