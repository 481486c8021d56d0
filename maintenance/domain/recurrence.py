"""Recurring schedules expanded with dateutil.rrule in the building's local time, as UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule

from maintenance.domain.errors import InvalidInput
from maintenance.domain.model import FREQUENCIES

_RRULE_FREQ = {"daily": DAILY, "weekly": WEEKLY, "monthly": MONTHLY, "yearly": YEARLY}
_ONE_DAY = timedelta(days=1)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or InvalidInput."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput.coded("unknown_time_zone", zone=name) from exc


@dataclass(frozen=True)
class Recurrence:
    """When a plan recurs: frequency, every N, local times of day, start and end dates.

    `month_day` beyond a month's length means that month's last day, so a plan for the
    31st runs on Feb 28/29 and Apr 30 instead of silently skipping those months; -1 is
    always the last day. Yearly plans on Feb 29 run on Feb 28 in common years.
    """

    freq: str
    start: date
    tz: str = "Asia/Jakarta"
    times: tuple[time, ...] = (time(8, 0),)
    interval: int = 1
    weekdays: tuple[int, ...] = field(default_factory=tuple)  # 0 = Monday
    month_day: int | None = None
    month: int | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        """Reject schedules that cannot mean anything."""
        if self.freq not in FREQUENCIES:
            raise InvalidInput.coded("must_be_one_of", what="freq", allowed=", ".join(FREQUENCIES))
        if self.interval < 1:
            raise InvalidInput.coded("interval_at_least_one")
        if not self.times:
            raise InvalidInput.coded("time_of_day_needed")
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise InvalidInput.coded("bad_weekdays")
        if self.month_day is not None and not (1 <= self.month_day <= 31 or self.month_day == -1):
            raise InvalidInput.coded("bad_month_day")
        if self.month is not None and not 1 <= self.month <= 12:
            raise InvalidInput.coded("bad_month")
        if self.end is not None and self.end < self.start:
            raise InvalidInput.coded("end_before_start")
        zone(self.tz)

    def _rules(self) -> list[rrule]:
        until = datetime.combine(self.end, time.max) if self.end else None
        rules = []
        for at in sorted(set(self.times)):
            kwargs: dict[str, object] = {
                "dtstart": datetime.combine(self.start, at),
                "interval": self.interval,
                "until": until,
            }
            if self.freq == "weekly":
                kwargs["byweekday"] = self.weekdays or (self.start.weekday(),)
            elif self.freq in ("monthly", "yearly"):
                kwargs.update(_month_day(self.month_day or self.start.day))
                if self.freq == "yearly":
                    kwargs["bymonth"] = self.month or self.start.month
            rules.append(rrule(_RRULE_FREQ[self.freq], **kwargs))  # type: ignore[arg-type]
        return rules

    def to_utc(self, local: datetime) -> datetime:
        """A naive local wall-clock time of this schedule as an aware UTC datetime."""
        # fold=0: a time in a DST gap moves forward, an ambiguous one takes its first instance.
        return local.replace(tzinfo=zone(self.tz)).astimezone(UTC)

    def to_local(self, instant: datetime) -> datetime:
        """An aware instant as naive wall-clock time in this schedule's zone."""
        return instant.astimezone(zone(self.tz)).replace(tzinfo=None)


def _month_day(day: int) -> dict[str, object]:
    if day == -1 or day <= 28:
        return {"bymonthday": day}
    # Take the last existing day among 28..day: clamps the 29th-31st to short months' ends.
    return {"bymonthday": tuple(range(28, day + 1)), "bysetpos": -1}


def expand(rec: Recurrence, after: datetime, until: datetime) -> list[datetime]:
    """Occurrences in (after, until], as sorted aware UTC datetimes."""
    if until <= after:
        return []
    # Widen the local window by a day each side: DST shifts make local and UTC bounds differ.
    lo = rec.to_local(after) - _ONE_DAY
    hi = rec.to_local(until) + _ONE_DAY
    found = {rec.to_utc(local) for rule in rec._rules() for local in rule.between(lo, hi, inc=True)}
    return sorted(t for t in found if after < t <= until)


def next_occurrence(rec: Recurrence, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`, or None when the schedule has ended."""
    best: datetime | None = None
    for rule in rec._rules():
        local = rule.after(rec.to_local(after) - _ONE_DAY)
        while local is not None and rec.to_utc(local) <= after:
            local = rule.after(local)
        if local is not None and (best is None or rec.to_utc(local) < best):
            best = rec.to_utc(local)
    return best


def next_after_completion(rec: Recurrence, completed_at: datetime) -> datetime | None:
    """For plans anchored to the last completion: one period after the day it was done."""
    n = rec.interval
    step = {
        "daily": relativedelta(days=n),
        "weekly": relativedelta(weeks=n),
        "monthly": relativedelta(months=n),
        "yearly": relativedelta(years=n),
    }[rec.freq]
    day: date = rec.to_local(completed_at).date() + step
    day = max(day, rec.start)
    if rec.end is not None and day > rec.end:
        return None
    return rec.to_utc(datetime.combine(day, min(rec.times)))


def default_due_window(freq: str, interval: int = 1) -> timedelta:
    """How long after its occurrence a generated work order is due, unless the plan says."""
    if freq == "daily":
        return timedelta(hours=2)
    if freq == "weekly":
        return timedelta(days=1)
    if freq == "monthly":
        return timedelta(days=7 if interval >= 3 else 3)
    return timedelta(days=14)
