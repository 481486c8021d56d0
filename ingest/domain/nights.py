"""When a building is empty: the spans outside its operating hours, in its own time zone. Pure.

Decisions:

- Operating hours are given as weekday → list of (start, end) local times, the shape of
  `buildings.hours` (`{"mon": [["07:00", "19:00"]], "sun": []}`); weekdays may also be
  Python's numbers (0 = Monday). `24:00` ends a day. A period whose end is not after its start
  runs past midnight into the next day.
- Unoccupied is everything outside the open periods, so a weekend is one long span from
  Friday's closing to Monday's opening: what matters for a night-time minimum is that the
  room is empty, not the calendar.
- Hours unknown (empty), or a week without a single open period: the default night
  (22:00–05:00 local) every day, because "never open" is far more often "never entered".
  Open around the clock: there is no night, so nothing is judged.
- Wall-clock arithmetic in the building's zone (zoneinfo), so a zone with daylight saving
  keeps its local opening times; Indonesia's zones have none.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ingest.domain.quality_config import parse_clock

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = 1440  # minutes
_WEEK = 7 * _DAY

_Periods = Sequence[Sequence[str | time]]
Hours = Mapping[str, _Periods] | Mapping[int, _Periods]  # weekday → [(start, end), …]


@dataclass(frozen=True, slots=True)
class Span:
    """An occupied or unoccupied stretch [start, end) in epoch seconds (±inf: no edge)."""

    start: float
    end: float
    unoccupied: bool

    def holds(self, t: float) -> bool:
        """True when epoch seconds `t` fall in this span."""
        return self.start <= t < self.end


class NightSchedule:
    """The unoccupied spans of one building: its operating hours' complement in its zone."""

    __slots__ = ("zone", "_edges", "_opens", "_always_open")

    def __init__(
        self, hours: Hours | None, zone: str, default_night: tuple[time, time] | None = None
    ) -> None:
        self.zone = ZoneInfo(zone)
        periods = _open_periods(hours or {})
        if not periods:
            start, end = default_night or (time(22, 0), time(5, 0))
            # Open from the night's end to its start, every day.
            opening = f"{end:%H:%M}", f"{start:%H:%M}"
            periods = _open_periods(dict.fromkeys(DAYS, [opening]))
        merged = _merge(periods)
        self._always_open = any(b - a >= _WEEK for a, b in merged)
        # Edges in minutes from this week's Monday 00:00; _opens[i]: the building opens at i.
        self._edges: list[float] = []
        self._opens: list[bool] = []
        for a, b in merged:
            self._edges += [a, b]
            self._opens += [True, False]

    def span_at(self, moment: float) -> Span:
        """The occupied or unoccupied span holding epoch seconds `moment`."""
        if self._always_open:
            return Span(-math.inf, math.inf, unoccupied=False)
        local = datetime.fromtimestamp(moment, self.zone).replace(tzinfo=None)
        week_start = datetime.combine(local.date() - timedelta(days=local.weekday()), time())
        minute = (local - week_start).total_seconds() / 60
        i = bisect_right(self._edges, minute) - 1  # the last edge at or before `minute`
        unoccupied = not self._opens[i]
        return Span(
            self._epoch(week_start, self._edges[i]),
            self._epoch(week_start, self._edges[i + 1]),
            unoccupied,
        )

    def _epoch(self, week_start: datetime, minute: float) -> float:
        wall = week_start + timedelta(minutes=minute)
        return wall.replace(tzinfo=self.zone).timestamp()


def _open_periods(hours: Hours) -> list[tuple[int, int]]:
    """Open periods as minutes since Monday 00:00 (local), possibly running past Sunday."""
    periods: list[tuple[int, int]] = []
    for day, day_periods in hours.items():
        name = str(day).lower()[:3]
        index = day if isinstance(day, int) else DAYS.index(name) if name in DAYS else -1
        if not 0 <= index < 7:
            raise ValueError(f"weekday {day!r} is not 0-6 or mon-sun")
        for period in day_periods:
            start, end = (_minutes(p) for p in period)
            if end <= start:  # past midnight
                end += _DAY
            periods.append((index * _DAY + start, index * _DAY + end))
    return periods


def _minutes(value: str | time) -> int:
    if isinstance(value, str) and value.strip() == "24:00":
        return _DAY
    clock = parse_clock(value)
    return clock.hour * 60 + clock.minute


def _merge(periods: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The weekly-repeating union of the periods over five weeks around this one, merged.

    Edges near the ends of the five weeks may be cut short; the ones around any minute of
    the middle week are exact, because each week holds an opening and a closing.
    """
    week = [(a % _WEEK, a % _WEEK + (b - a)) for a, b in periods]
    spread = sorted((a + k * _WEEK, b + k * _WEEK) for a, b in week for k in range(-2, 3))
    merged: list[tuple[int, int]] = []
    for a, b in spread:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
