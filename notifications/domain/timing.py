"""When: quiet hours, and how long an alert has lasted within a building's operating hours.

Decisions:
- Quiet hours are one local period `HH:MM-HH:MM` in the person's zone; a period whose end is
  before its start runs over midnight (`22:00-06:00`). A delivery that is not urgent and
  falls inside waits until the period ends; urgent ones (critical alerts) pass.
- A warning "lasts 30 minutes within operating hours" when the open time it has spent inside
  the building's periods adds up to 30 minutes: a warning raised at 18:50 in a building that
  closes at 19:00 is told at 07:20 the next working day if it still lasts, not at 19:20.
- A building without hours set counts every minute (nobody said when it is closed).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from maintenance.domain.hours import DAYS, OperatingHours

_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_quiet_hours(text: str) -> tuple[int, int]:
    """`22:00-06:00` as minutes after midnight (start, end); ValueError when malformed."""
    match = _PERIOD.match(text.strip())
    if match is None:
        raise ValueError(f"quiet hours must look like 22:00-06:00, not {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2) or (h1, m1) == (h2, m2):
        raise ValueError(f"quiet hours must look like 22:00-06:00, not {text!r}")
    return h1 * 60 + m1, h2 * 60 + m2


def render_quiet_hours(period: tuple[int, int]) -> str:
    """The text form of a quiet period, `22:00-06:00`."""
    (s, e) = period
    return f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"


def quiet_until(now: datetime, period: tuple[int, int], timezone: str) -> datetime | None:
    """The end of the quiet period `now` falls in (UTC), or None when `now` is not quiet."""
    start, end = period
    local = now.astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    quiet = start <= minute < end if start < end else (minute >= start or minute < end)
    if not quiet:
        return None
    day = local.date()
    if end <= minute:  # the period ends tomorrow (it started before midnight)
        day += timedelta(days=1)
    end_local = datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)) + timedelta(minutes=end)
    return end_local.astimezone(UTC)


def open_time(hours: OperatingHours, timezone: str, start: datetime, end: datetime) -> timedelta:
    """How much of [start, end) falls within `hours` (all of it when hours are not set)."""
    if end <= start:
        return timedelta(0)
    if not hours.is_set:
        return end - start
    zone = ZoneInfo(timezone)
    total = timedelta(0)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        for s, e in hours.periods(DAYS[day.weekday()]):
            lo = max(start, midnight + timedelta(minutes=s))
            hi = min(end, midnight + timedelta(minutes=e))
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total
