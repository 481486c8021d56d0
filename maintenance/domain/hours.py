"""A building's operating hours: parsed from and rendered to one line of text, pure.

The text is what people type and what `udara buildings add --hours` takes:
`mon-fri 07:00-19:00,sat 08:00-13:00,sun closed`. Decisions:

- Clauses are separated by commas (or semicolons); each names days, then one or more
  periods separated by spaces (`mon-fri 07:00-12:00 13:00-17:00`), or the word `closed`.
- Days are `mon` … `sun`, ranges of them (`mon-fri`; `fri-mon` wraps over the weekend), or
  `daily`. A day named twice is a mistake, not an override: it is refused.
- Times are local to the building (its IANA zone applies when an instant is checked), `HH:MM`
  from 00:00 to 24:00; `24:00` only ends a period. A period ends after it starts: a night
  shift is two periods (22:00-24:00 on one day, 00:00-06:00 on the next), because which day
  it belongs to is exactly what a single wrapped period leaves unclear.
- Periods of one day may not overlap; they are kept in order.
- A day not mentioned is closed. A day written as `closed` is kept as an explicitly empty
  day, so the text renders back as written. No clause at all means "hours not set".
- Rendering groups consecutive weekdays with the same periods (`mon-fri`), in weekday order:
  `render(parse(text)) == text` for text already in that form, and `parse(render(h)) == h`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from maintenance.domain.errors import InvalidInput

DAYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOSED: Final = "closed"
EVERY_DAY: Final = "daily"
MINUTES_PER_DAY: Final = 24 * 60

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DAY_RANGE = re.compile(r"^([a-z]+)(?:-([a-z]+))?$")

Period = tuple[int, int]  # minutes after local midnight: [start, end)
StoredHours = dict[str, list[list[str]]]  # the JSON in `buildings.hours`


@dataclass(frozen=True)
class OperatingHours:
    """Open periods per weekday; a day absent from `days` is closed (and was not written)."""

    days: tuple[tuple[str, tuple[Period, ...]], ...] = ()

    @property
    def is_set(self) -> bool:
        """False when no day has been given at all."""
        return bool(self.days)

    def periods(self, day: str) -> tuple[Period, ...]:
        """The open periods of `day` (empty when closed)."""
        return dict(self.days).get(day, ())

    def is_open(self, at: datetime, timezone: str) -> bool:
        """True when the aware instant `at` falls in an open period, local to `timezone`."""
        local = at.astimezone(ZoneInfo(timezone))
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.periods(DAYS[local.weekday()]))

    def to_json(self) -> StoredHours:
        """The stored form: {"mon": [["07:00", "19:00"]], "sun": []}."""
        return {day: [[_hhmm(s), _hhmm(e)] for s, e in periods] for day, periods in self.days}

    @classmethod
    def from_json(cls, stored: Mapping[str, Sequence[Sequence[str]]] | None) -> OperatingHours:
        """Hours read back from storage (validated like typed text)."""
        if not stored:
            return cls()
        per_day: dict[str, list[Period]] = {}
        for day, periods in stored.items():
            if day not in DAYS:
                raise InvalidInput.coded("hours_day", day=day)
            per_day[day] = [_stored_period(period) for period in periods]
        return _checked(per_day)


def _minutes(text: str) -> int:
    match = _TIME.match(text)
    if match is None:
        raise InvalidInput.coded("hours_time", time=text)
    hours, minutes = int(match.group(1)), int(match.group(2))
    value = hours * 60 + minutes
    if minutes > 59 or value > MINUTES_PER_DAY:
        raise InvalidInput.coded("hours_time", time=text)
    return value


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _period(text: str) -> Period:
    start_text, dash, end_text = text.partition("-")
    if not dash:
        raise InvalidInput.coded("hours_period", period=text)
    start, end = _minutes(start_text), _minutes(end_text)
    if start >= end:
        raise InvalidInput.coded("hours_order", period=text)
    return start, end


def _stored_period(period: Sequence[str]) -> Period:
    if isinstance(period, str) or len(period) != 2:
        raise InvalidInput.coded("hours_period", period=str(period))
    return _period(f"{period[0]}-{period[1]}")


def _days(text: str) -> list[str]:
    if text == EVERY_DAY:
        return list(DAYS)
    match = _DAY_RANGE.match(text)
    if match is None:
        raise InvalidInput.coded("hours_day", day=text)
    first, last = match.group(1), match.group(2) or match.group(1)
    for day in (first, last):
        if day not in DAYS:
            raise InvalidInput.coded("hours_day", day=day)
    start, end = DAYS.index(first), DAYS.index(last)
    count = (end - start) % len(DAYS) + 1
    return [DAYS[(start + k) % len(DAYS)] for k in range(count)]


def _checked(per_day: Mapping[str, Sequence[Period]]) -> OperatingHours:
    """Sorted periods per day, in weekday order, refusing overlaps."""
    days: list[tuple[str, tuple[Period, ...]]] = []
    for day in DAYS:
        if day not in per_day:
            continue
        periods = tuple(sorted(per_day[day]))
        for (s1, e1), (s2, e2) in zip(periods, periods[1:], strict=False):
            if s2 < e1:
                raise InvalidInput.coded(
                    "hours_overlap",
                    day=day,
                    first=f"{_hhmm(s1)}-{_hhmm(e1)}",
                    second=f"{_hhmm(s2)}-{_hhmm(e2)}",
                )
        days.append((day, periods))
    return OperatingHours(tuple(days))


def parse_hours(text: str) -> OperatingHours:
    """Operating hours from text such as `mon-fri 07:00-19:00,sat 08:00-13:00,sun closed`."""
    per_day: dict[str, list[Period]] = {}
    for clause in re.split(r"[,;]", text.strip().lower()):
        words = clause.split()
        if not words:  # a stray separator: nothing to say
            continue
        if len(words) < 2:
            raise InvalidInput.coded("hours_clause", clause=clause.strip())
        days = _days(words[0])
        if words[1:] == [CLOSED]:
            periods: list[Period] = []
        else:
            periods = [_period(word) for word in words[1:]]
        for day in days:
            if day in per_day:
                raise InvalidInput.coded("hours_twice", day=day)
            per_day[day] = list(periods)
    return _checked(per_day)


def _day_span(first: str, last: str) -> str:
    return first if first == last else f"{first}-{last}"


def render_hours(hours: OperatingHours) -> str:
    """The canonical text of `hours` (empty when not set)."""
    clauses: list[str] = []
    run: list[str] = []
    periods_of_run: tuple[Period, ...] | None = None
    given = dict(hours.days)

    def close_run() -> None:
        if run and periods_of_run is not None:
            when = " ".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in periods_of_run) or CLOSED
            clauses.append(f"{_day_span(run[0], run[-1])} {when}")

    for day in DAYS:
        periods = given.get(day)
        if periods is None or periods != periods_of_run:
            close_run()
            run, periods_of_run = [], periods
        if periods is not None:
            run.append(day)
    close_run()
    return ",".join(clauses)
