"""Reading queries for the UI and API, always downsampled inside InfluxDB.

Every query binds its values as `$params` and quotes identifiers; intervals are built from
validated `timedelta`s, never from request text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.adapters.influx import MEASUREMENT, InfluxClient, quote_ident
from ingest.domain.const import METRICS
from udara.scope import Scope

MAX_POINTS = 2000  # per series: more than any screen shows


def rfc3339(value: datetime) -> str:
    """An aware instant as InfluxQL's RFC 3339 time literal (UTC, nanosecond field)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def interval(span: timedelta) -> str:
    """A GROUP BY time() interval in whole seconds."""
    seconds = int(span.total_seconds())
    if seconds < 1:
        raise ValueError("an interval must be at least one second")
    return f"{seconds}s"


def _fields(metrics: Sequence[str], aggregate: str) -> str:
    for metric in metrics:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
    return ", ".join(f"{aggregate}({quote_ident(m)}) AS {quote_ident(m)}" for m in metrics)


def _instant(ms: Any) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, UTC)


@dataclass(frozen=True)
class Point:
    """One downsampled bucket: its start and the mean of each metric (None when empty)."""

    at: datetime
    values: dict[str, float | None]


@dataclass(frozen=True)
class Window:
    """One averaging window of one room: per metric, the mean of slot means and filled slots."""

    start: datetime
    means: dict[str, float | None]
    slots: dict[str, int]


class IaqReadings:
    """Latest values, chart series and compliance windows from measurement `iaq`."""

    def __init__(self, influx: InfluxClient) -> None:
        self._influx = influx

    def latest(
        self, since: datetime, building: str | None = None, *, scope: Scope
    ) -> dict[tuple[str, str], dict[str, float]]:
        """The newest value of each metric per (building, room) since `since`, of the
        buildings in `scope` (InfluxDB knows every building that ever sent a reading)."""
        buildings = scope.narrow(building)
        if buildings is not None and not buildings:
            return {}
        where = "time > $since"
        params: dict[str, Any] = {"since": rfc3339(since)}
        if building:
            where += " AND " + quote_ident("building") + " = $building"
            params["building"] = building
        query = (
            f"SELECT {_fields(METRICS, 'last')} FROM {quote_ident(MEASUREMENT)} "
            f"WHERE {where} GROUP BY {quote_ident('building')}, {quote_ident('room')}"
        )
        found: dict[tuple[str, str], dict[str, float]] = {}
        for series in self._influx.query(query, params):
            tags = series.get("tags") or {}
            if not scope.allows(tags.get("building")):
                continue
            row = dict(zip(series["columns"], series["values"][0], strict=False))
            found[(tags.get("building", ""), tags.get("room", ""))] = {
                m: float(row[m]) for m in METRICS if row.get(m) is not None
            }
        return found

    def series(
        self,
        building: str,
        room: str,
        start: datetime,
        end: datetime,
        every: timedelta,
        metrics: Sequence[str] = METRICS,
    ) -> list[Point]:
        """Means per `every` bucket in [start, end) of one room; empty buckets are left out."""
        if (end - start) / every > MAX_POINTS:
            raise ValueError(f"at most {MAX_POINTS} points per series: choose a longer interval")
        query = (
            f"SELECT {_fields(metrics, 'mean')} FROM {quote_ident(MEASUREMENT)} "
            f"WHERE {quote_ident('building')} = $building AND {quote_ident('room')} = $room "
            f"AND time >= $start AND time < $end GROUP BY time({interval(every)}) fill(none)"
        )
        params = {"building": building, "room": room, "start": rfc3339(start), "end": rfc3339(end)}
        points: list[Point] = []
        for series in self._influx.query(query, params):
            columns = series["columns"]
            for values in series["values"]:
                row = dict(zip(columns, values, strict=False))
                points.append(
                    Point(_instant(row["time"]), {m: _float(row.get(m)) for m in metrics})
                )
        return points

    def windows(
        self,
        building: str,
        start: datetime,
        end: datetime,
        window: timedelta,
        slots: int,
        metrics: Sequence[str],
        offset: timedelta = timedelta(0),
    ) -> dict[str, list[Window]]:
        """Averaging windows per room: the mean of slot means and how many slots had data.

        The inner query averages each slot (window / slots); the outer one averages the slot
        means and counts the filled slots, both inside InfluxDB.
        """
        slot = window / slots
        where = f"{quote_ident('building')} = $building AND time >= $start AND time < $end"
        inner = (
            f"SELECT {_fields(metrics, 'mean')} FROM {quote_ident(MEASUREMENT)} WHERE {where} "
            f"GROUP BY time({interval(slot)}), {quote_ident('room')}"
        )
        outer_fields = ", ".join(
            f"mean({quote_ident(m)}) AS {quote_ident(m)}, "
            f"count({quote_ident(m)}) AS {quote_ident(m + '__slots')}"
            for m in metrics
        )
        shift = interval(offset) if offset.total_seconds() >= 1 else "0s"
        query = (
            f"SELECT {outer_fields} FROM ({inner}) WHERE time >= $start AND time < $end "
            f"GROUP BY time({interval(window)}, {shift}), {quote_ident('room')}"
        )
        params = {"building": building, "start": rfc3339(start), "end": rfc3339(end)}
        rooms: dict[str, list[Window]] = {}
        for series in self._influx.query(query, params):
            room = (series.get("tags") or {}).get("room", "")
            columns = series["columns"]
            found = rooms.setdefault(room, [])
            for values in series["values"]:
                row = dict(zip(columns, values, strict=False))
                found.append(
                    Window(
                        _instant(row["time"]),
                        {m: _float(row.get(m)) for m in metrics},
                        {m: int(row.get(m + "__slots") or 0) for m in metrics},
                    )
                )
        return rooms

    def ping(self) -> bool:
        """True when InfluxDB answers."""
        return self._influx.ping()


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
