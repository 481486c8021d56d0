"""What to do with occurrences the scheduler missed while it was down."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from maintenance.domain.errors import InvalidInput
from maintenance.domain.model import CATCH_UP_POLICIES


@dataclass(frozen=True)
class CatchUpDecision:
    """Occurrences to turn into work orders, and missed ones to record as skipped."""

    generate: tuple[datetime, ...]
    skip: tuple[datetime, ...]


def decide(occurrences: Sequence[datetime], now: datetime, policy: str) -> CatchUpDecision:
    """Split sorted occurrences into generate and skip under `policy`.

    An occurrence is missed when its time is already past at `now`: in normal running the
    scheduler's look-ahead generates every occurrence before it happens, so only downtime
    (or a plan created with a start in the past) leaves any behind.
    """
    if policy not in CATCH_UP_POLICIES:
        raise InvalidInput.coded(
            "must_be_one_of", what="catch-up policy", allowed=", ".join(CATCH_UP_POLICIES)
        )
    missed = tuple(o for o in occurrences if o < now)
    upcoming = tuple(o for o in occurrences if o >= now)
    if policy == "all":
        return CatchUpDecision(missed + upcoming, ())
    if policy == "latest":
        return CatchUpDecision(missed[-1:] + upcoming, missed[:-1])
    return CatchUpDecision(upcoming, missed)
