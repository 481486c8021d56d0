"""Meter triggers: a plan due every N run hours (or any meter), calendar or meter first.

A meter plan keeps a baseline: the meter's value when its last order was made. It is due
when the meter has advanced by `every` since then; whichever order comes first (the
calendar's or the meter's) resets the baseline, so the next meter order counts from there.
Pure: readings and times are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from maintenance.domain.errors import InvalidInput


@dataclass(frozen=True)
class MeterTrigger:
    """Due each time `meter` advances by `every` (500 run hours, 150 Pa filter drop)."""

    meter: str
    every: float

    def __post_init__(self) -> None:
        """A trigger needs a positive step."""
        if not self.every > 0:
            raise InvalidInput("meter_every must be positive")


@dataclass(frozen=True)
class Reading:
    """One meter reading of an asset."""

    at: datetime
    value: float


def meter_due(trigger: MeterTrigger, baseline: float | None, value: float) -> bool:
    """True when `value` is at least `every` past `baseline` (no baseline: counted from 0).

    A meter that went backwards (replaced, reset to zero) is never due by itself; its next
    order resets the baseline.
    """
    return value - (baseline or 0.0) >= trigger.every


def crossing(
    trigger: MeterTrigger, baseline: float | None, readings: Sequence[Reading]
) -> Reading | None:
    """The first reading (in time order) at which the meter became due, or None.

    Its time is the occurrence of the meter-triggered order: the same for every scheduler
    that looks, so the order is made exactly once.
    """
    for reading in sorted(readings, key=lambda r: r.at):
        if meter_due(trigger, baseline, reading.value):
            return reading
    return None


@dataclass(frozen=True)
class Due:
    """What a calendar-or-meter plan owes now: the occurrence and what triggered it."""

    at: datetime
    trigger: str  # "calendar" or "meter"


def whichever_first(
    calendar_next: datetime | None,
    meter_crossing: Reading | None,
    now: datetime,
) -> Due | None:
    """The order owed at `now`: the calendar's occurrence or the meter's crossing, whichever
    came first; None when neither is due yet."""
    options = []
    if calendar_next is not None and calendar_next <= now:
        options.append(Due(calendar_next, "calendar"))
    if meter_crossing is not None and meter_crossing.at <= now:
        options.append(Due(meter_crossing.at, "meter"))
    return min(options, key=lambda d: (d.at, d.trigger)) if options else None
