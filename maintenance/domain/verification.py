"""Sensor-verified completion: did the room's air stay inside the limit after the work?

Pure: the readings, the limit, the times and the breaching alert are given; nothing is read.
A corrective work order born of an air-quality alert is verified once the room's readings of
the alert's metric have stayed inside the limit for `hold` (UDARA_VERIFY_MINUTES) after it
was done; a reading outside the limit, or a new alert for the same room and metric, first
makes it "not fixed". Gaps in the data longer than `max_gap` restart the hold: a room whose
sensor is silent is not verified by its silence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

VerificationState = Literal["pending", "verified", "not_fixed"]
VERIFICATION_STATES: Final[tuple[str, ...]] = ("pending", "verified", "not_fixed")
# Sensors report every 15-60 s; a silence longer than this is a gap in the data.
DEFAULT_MAX_GAP: Final = timedelta(minutes=10)


@dataclass(frozen=True)
class Sample:
    """One reading of the watched metric in the room (any of its sensors)."""

    at: datetime
    value: float


@dataclass(frozen=True)
class Bounds:
    """The limit the reading must stay within (a bound itself is inside)."""

    lower: float | None = None
    upper: float | None = None

    def contains(self, value: float) -> bool:
        """True when `value` is within the bounds."""
        return (self.lower is None or value >= self.lower) and (
            self.upper is None or value <= self.upper
        )


@dataclass(frozen=True)
class Verdict:
    """What the readings say: `pending` (not yet), `verified` (with the mean over the hold
    window and how many readings it had), or `not_fixed` (when, why, and the value)."""

    state: VerificationState
    window_start: datetime | None = None
    window_end: datetime | None = None
    mean: float | None = None
    samples: int = 0
    breach_at: datetime | None = None
    reason: str | None = None  # "reading_outside" | "new_alert"
    value: float | None = None


def decide(
    *,
    since: datetime,
    now: datetime,
    readings: Iterable[Sample],
    bounds: Bounds,
    hold: timedelta,
    max_gap: timedelta = DEFAULT_MAX_GAP,
    new_alert_at: datetime | None = None,
) -> Verdict:
    """The verdict as of `now` on work done at `since`.

    Events are taken in time order, so whichever comes first decides: a hold window completed
    before a breach verifies the work; a breach (a reading outside `bounds`, or `new_alert_at`)
    before the window completes means it is not fixed. The window starts at `since` and must
    be covered by readings no more than `max_gap` apart (the first one included); a longer
    gap starts it again at the next reading.
    """
    if hold <= timedelta(0):
        raise ValueError("hold must be positive")
    alert = new_alert_at if new_alert_at is not None and new_alert_at >= since else None
    start, last = since, since
    window: list[float] = []
    for sample in sorted((s for s in readings if since <= s.at <= now), key=lambda s: s.at):
        if alert is not None and alert <= sample.at:
            break
        if not bounds.contains(sample.value):
            return Verdict(
                "not_fixed", breach_at=sample.at, reason="reading_outside", value=sample.value
            )
        if sample.at - last > max_gap:
            start, window = sample.at, []
        last = sample.at
        window.append(sample.value)
        if sample.at - start >= hold:
            return Verdict(
                "verified",
                window_start=start,
                window_end=sample.at,
                mean=sum(window) / len(window),
                samples=len(window),
            )
    if alert is not None and alert <= now:
        return Verdict("not_fixed", breach_at=alert, reason="new_alert")
    return Verdict("pending", window_start=start)
