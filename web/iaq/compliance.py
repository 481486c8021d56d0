"""Monthly compliance: the share of covered time within each limit of the active profile.

Each limit is judged on its own averaging window (PM 24 h, CO2 and CO 8 h, formaldehyde
30 min); ranges without an averaging time on hourly means, as the critical rule uses one
hour. A window counts as covered when at least 75 % of its 24 slots hold a reading (the
coverage rule of iaq-standards.md; hourly range windows use twelve 5-minute slots, since the
standard sets no averaging time for them); its mean is the mean of the slot means. Windows start at
the building's local midnight. The share is compliant windows / covered windows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ingest.domain.profiles import Limit, Profile
from web.iaq.grid import outside
from web.iaq.readings import IaqReadings, Window

SLOTS = 24
RANGE_SLOTS = 12  # ranges: hourly means of 5-minute slots
MIN_COVERAGE = 0.75
RANGE_WINDOW = timedelta(hours=1)


@dataclass
class MetricScore:
    """How one metric fared over the month."""

    metric: str
    limit: Limit
    window: timedelta
    total: int = 0
    covered: int = 0
    compliant: int = 0
    worst: float | None = None

    @property
    def share(self) -> float | None:
        """Compliant share of covered windows (None without coverage)."""
        return self.compliant / self.covered if self.covered else None

    @property
    def coverage(self) -> float | None:
        """Covered share of all windows of the month so far."""
        return self.covered / self.total if self.total else None

    def add(self, other: MetricScore) -> None:
        """Fold another room's score into this one (building totals)."""
        self.total += other.total
        self.covered += other.covered
        self.compliant += other.compliant
        if other.worst is not None:
            if self.worst is None:
                self.worst = other.worst
            else:
                self.worst = _worse(self.limit, self.worst, other.worst)


@dataclass
class RoomScore:
    """One room's scores by metric."""

    room: str
    metrics: dict[str, MetricScore]


@dataclass
class BuildingScore:
    """One building: its rooms and the building-wide totals."""

    building: str
    timezone: str
    rooms: list[RoomScore] = field(default_factory=list)
    totals: dict[str, MetricScore] = field(default_factory=dict)


@dataclass
class Report:
    """The compliance report of one month."""

    month: date
    profile: Profile
    buildings: list[BuildingScore]


def window_of(limit: Limit) -> timedelta:
    """The window a limit is judged on."""
    return limit.averaging or RANGE_WINDOW


def slots_of(limit: Limit) -> int:
    """How many slots that window is split into for coverage."""
    return SLOTS if limit.averaging else RANGE_SLOTS


def month_bounds(month: date, tz: str, now: datetime) -> tuple[datetime, datetime]:
    """Local month start and the end of the month (or `now`, whichever is earlier), aware."""
    zone = ZoneInfo(tz)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=zone)
    return start, min(end, now.astimezone(zone))


def _worse(limit: Limit, a: float, b: float) -> float:
    """The value further outside (or nearer the edge of) the limit."""
    if limit.upper is not None:
        return max(a, b)
    return min(a, b)


def score(metric: str, limit: Limit, windows: Iterable[Window], total: int) -> MetricScore:
    """Covered and compliant windows of one metric in one room."""
    result = MetricScore(metric, limit, window_of(limit), total=total)
    needed = MIN_COVERAGE * slots_of(limit)
    for window in windows:
        mean = window.means.get(metric)
        if mean is None or window.slots.get(metric, 0) < needed:
            continue
        result.covered += 1
        if not outside(limit, mean):
            result.compliant += 1
        result.worst = mean if result.worst is None else _worse(limit, result.worst, mean)
    return result


def _windows_by_size(profile: Profile) -> dict[tuple[timedelta, int], list[str]]:
    groups: dict[tuple[timedelta, int], list[str]] = {}
    for metric, limit in profile.evaluated_limits().items():
        groups.setdefault((window_of(limit), slots_of(limit)), []).append(metric)
    return groups


def building_score(
    readings: IaqReadings,
    profile: Profile,
    building: str,
    tz: str,
    rooms: Sequence[str],
    month: date,
    now: datetime,
) -> BuildingScore:
    """Score every room of one building for `month` (one InfluxDB query per window size)."""
    start, end = month_bounds(month, tz, now)
    limits = profile.evaluated_limits()
    per_room: dict[str, dict[str, MetricScore]] = {room: {} for room in rooms}
    offset = start.utcoffset() or timedelta(0)
    for (window, slots), metrics in _windows_by_size(profile).items():
        total = max(0, int((end - start) / window))
        found: dict[str, list[Window]] = {}
        if total:
            shift = timedelta(seconds=(-offset.total_seconds()) % window.total_seconds())
            found = readings.windows(
                building, start, start + total * window, window, slots, metrics, shift
            )
        for room in set(per_room) | set(found):
            for metric in metrics:
                per_room.setdefault(room, {})[metric] = score(
                    metric, limits[metric], found.get(room, ()), total
                )
    result = BuildingScore(building, tz)
    for room in sorted(per_room):
        result.rooms.append(RoomScore(room, per_room[room]))
        for metric, item in per_room[room].items():
            total_score = result.totals.setdefault(
                metric, MetricScore(metric, item.limit, item.window)
            )
            total_score.add(item)
    return result


def to_csv(report: Report) -> str:
    """The report as CSV: one line per room and metric, plus building totals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["month", "profile", "building", "room", "metric", "limit", "window_minutes",
         "windows", "covered", "compliant", "compliant_share", "coverage", "worst_mean"]
    )  # fmt: skip

    def line(building: str, room: str, s: MetricScore) -> None:
        writer.writerow(
            [report.month.strftime("%Y-%m"), report.profile.name, building, room, s.metric,
             s.limit.label, int(s.window.total_seconds() // 60), s.total, s.covered,
             s.compliant, _fmt(s.share), _fmt(s.coverage), _fmt(s.worst)]
        )  # fmt: skip

    for b in report.buildings:
        for r in b.rooms:
            for s in r.metrics.values():
                line(b.building, r.room, s)
        for s in b.totals.values():
            line(b.building, "*", s)
    return out.getvalue()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
