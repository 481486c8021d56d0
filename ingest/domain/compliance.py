"""Monthly compliance: the share of covered time within each limit of the active profile.

Pure: the averaging windows come in (read from storage by the caller), scores go out.
Each limit is judged on its own averaging window (PM 24 h, CO2 and CO 8 h, formaldehyde
30 min); ranges without an averaging time on the hour the critical rule uses, split into
`range_slots` slots (the standard sets no averaging time for them). A window counts as
covered when `min_coverage` of its slots hold a reading; its mean is the mean of the slot
means. Windows start at the building's local midnight. The share is compliant windows /
covered windows. The numbers are evaluation's (`EvaluationConfig`), the bounds check
`Limit.contains`.

Readings flagged by data quality (a faulty sensor's, an implausible jump;
`ingest.domain.quality`) are left out while the fault lasts: a metric with flagged readings
in the building's month is read on its own, with each slot's mean taken over its unflagged
readings (a slot holding only flagged ones is empty, so it counts against coverage, not
against the limit). Metrics without flags keep the shared, cheaper read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ingest.domain.evaluation import EvaluationConfig
from ingest.domain.profiles import Limit, Profile


@dataclass(frozen=True)
class Window:
    """One averaging window of one room: per metric, the mean of slot means and filled slots."""

    start: datetime
    means: dict[str, float | None]
    slots: dict[str, int]


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


@dataclass(frozen=True)
class WindowRead:
    """Windows of one size to read for a building's month: `total` of them from the month's
    start, `shift` aligning them to local midnight."""

    window: timedelta
    slots: int
    metrics: tuple[str, ...]
    total: int
    shift: timedelta
    exclude_flagged: bool = False  # one metric, read without its flagged readings


def window_of(limit: Limit, config: EvaluationConfig) -> timedelta:
    """The window a limit is judged on."""
    return limit.averaging or config.range_critical_after


def slots_of(limit: Limit, config: EvaluationConfig) -> int:
    """How many slots that window is split into for coverage."""
    return config.compliance_slots if limit.averaging else config.range_slots


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


def score(
    metric: str, limit: Limit, windows: Iterable[Window], total: int, config: EvaluationConfig
) -> MetricScore:
    """Covered and compliant windows of one metric in one room."""
    result = MetricScore(metric, limit, window_of(limit, config), total=total)
    needed = config.min_coverage * slots_of(limit, config)
    for window in windows:
        mean = window.means.get(metric)
        if mean is None or window.slots.get(metric, 0) < needed:
            continue
        result.covered += 1
        if limit.contains(mean):
            result.compliant += 1
        result.worst = mean if result.worst is None else _worse(limit, result.worst, mean)
    return result


def windows_to_read(
    profile: Profile,
    config: EvaluationConfig,
    start: datetime,
    end: datetime,
    flagged: Collection[str] = frozenset(),
) -> list[WindowRead]:
    """One read per window size (metrics sharing it are read together) for [start, end),
    and one of its own for each metric with `flagged` readings then."""
    groups: dict[tuple[timedelta, int], list[str]] = {}
    alone: list[tuple[timedelta, int, str]] = []
    for metric, limit in profile.evaluated_limits().items():
        size = (window_of(limit, config), slots_of(limit, config))
        if metric in flagged:
            alone.append((*size, metric))
        else:
            groups.setdefault(size, []).append(metric)
    offset = (start.utcoffset() or timedelta(0)).total_seconds()
    reads = []

    def read(window: timedelta, slots: int, metrics: tuple[str, ...], exclude: bool) -> None:
        total = max(0, int((end - start) / window))
        shift = timedelta(seconds=-offset % window.total_seconds())
        reads.append(WindowRead(window, slots, metrics, total, shift, exclude))

    for (window, slots), metrics in groups.items():
        read(window, slots, tuple(metrics), exclude=False)
    for window, slots, metric in alone:
        read(window, slots, (metric,), exclude=True)
    return reads


def building_score(
    profile: Profile,
    config: EvaluationConfig,
    building: str,
    tz: str,
    rooms: Sequence[str],
    found: Iterable[tuple[WindowRead, Mapping[str, list[Window]]]],
) -> BuildingScore:
    """Score every room of one building from the windows read per `windows_to_read`."""
    limits = profile.evaluated_limits()
    per_room: dict[str, dict[str, MetricScore]] = {room: {} for room in rooms}
    for read, windows in found:
        for room in set(per_room) | set(windows):
            for metric in read.metrics:
                per_room.setdefault(room, {})[metric] = score(
                    metric, limits[metric], windows.get(room, ()), read.total, config
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
