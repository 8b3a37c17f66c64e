"""What a scheduled delivery is: the team's daily nudge or its digest."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DeliveryKind"]


class DeliveryKind(StrEnum):
    """What a delivery is; the value is what the deliveries ledger stores in `kind`."""

    NUDGE = "nudge"
    DIGEST = "digest"
