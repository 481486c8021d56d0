"""Reading queries for the UI and API, always downsampled inside InfluxDB.

Every query binds its values as `$params` and quotes identifiers; intervals are built from
validated `timedelta`s, never from request text.

A room's history includes the readings filed under the codes merged into it (its aliases,
say a typo a sensor once published under): a chart series asks for every one of its tag
values, and compliance windows fold an alias's windows into its room's. Latest values do
not look at aliases: they cover the last minutes, and what arrives after a merge belongs
under the room's own code (`RoomAlias`), which keeps the room grid at its few statements.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.adapters.influx import (
    FAULTY_PREFIX,
    MEASUREMENT,
    InfluxClient,
    quote_ident,
    rfc3339,
)
from ingest.domain.compliance import Window
from ingest.domain.const import METRICS

MAX_POINTS = 2000  # per series: more than any screen shows
Aliases = dict[tuple[str, str], str]  # (building, merged code) → the room's code


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


def _only(buildings: Collection[str] | None, params: dict[str, Any]) -> str:
    """` AND (building = $b0 OR …)` for `buildings`, bound into `params` ("" for None)."""
    if buildings is None:
        return ""
    names = [f"b{i}" for i in range(len(buildings))]
    params.update(zip(names, sorted(buildings), strict=True))
    return " AND (" + " OR ".join(f"{quote_ident('building')} = ${n}" for n in names) + ")"


@dataclass(frozen=True)
class Point:
    """One downsampled bucket: its start and the mean of each metric (None when empty)."""

    at: datetime
    values: dict[str, float | None]


class IaqReadings:
    """Latest values, chart series and compliance windows from measurement `iaq`."""

    def __init__(self, influx: InfluxClient, aliases: Callable[[], Aliases] | None = None) -> None:
        self._influx = influx
        self._aliases = aliases or dict

    def _codes(self, building: str, room: str) -> list[str]:
        """The tag values readings of this room are filed under: its code, then its aliases."""
        merged = sorted(
            a for (b, a), into in self._aliases().items() if (b, into) == (building, room)
        )
        return [room, *merged]

    def latest(
        self, since: datetime, buildings: Collection[str] | None = None
    ) -> dict[tuple[str, str], dict[str, float]]:
        """The newest value of each metric per (building, room) since `since`, of
        `buildings` (None: every building; empty: none, and no query)."""
        if buildings is not None and not buildings:
            return {}
        where = "time > $since"
        params: dict[str, Any] = {"since": rfc3339(since)}
        where += _only(buildings, params)
        query = (
            f"SELECT {_fields(METRICS, 'last')} FROM {quote_ident(MEASUREMENT)} "
            f"WHERE {where} GROUP BY {quote_ident('building')}, {quote_ident('room')}"
        )
        found: dict[tuple[str, str], dict[str, float]] = {}
        for series in self._influx.query(query, params):
            tags = series.get("tags") or {}
            row = dict(zip(series["columns"], series["values"][0], strict=False))
            found[(tags.get("building", ""), tags.get("room", ""))] = {
                m: float(row[m]) for m in METRICS if row.get(m) is not None
            }
        return found

    def slots_with_data(
        self, since: datetime, until: datetime, slot: timedelta, buildings: Collection[str] | None
    ) -> dict[tuple[str, str, str], int]:
        """Per (building, room, sensor): how many `slot`-long stretches of [since, until) hold
        at least one reading (of the metric it reports most). Counted inside InfluxDB: one
        statement, a row per sensor, however many sensors."""
        if buildings is not None and not buildings:
            return {}
        where = "time >= $since AND time < $until"
        params: dict[str, Any] = {"since": rfc3339(since), "until": rfc3339(until)}
        where += _only(buildings, params)
        tags = ", ".join(quote_ident(t) for t in ("building", "room", "sensor"))
        inner = (
            f"SELECT {_fields(METRICS, 'count')} FROM {quote_ident(MEASUREMENT)} "
            f"WHERE {where} GROUP BY time({interval(slot)}), {tags} fill(none)"
        )
        outer = ", ".join(f"count({quote_ident(m)}) AS {quote_ident(m)}" for m in METRICS)
        query = f"SELECT {outer} FROM ({inner}) GROUP BY {tags}"
        found: dict[tuple[str, str, str], int] = {}
        for series in self._influx.query(query, params):
            t = series.get("tags") or {}
            row = series["values"][0][1:]
            found[(t.get("building", ""), t.get("room", ""), t.get("sensor", ""))] = max(
                (int(v) for v in row if v is not None), default=0
            )
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
        codes = self._codes(building, room)
        rooms = " OR ".join(f"{quote_ident('room')} = $room{k}" for k in range(len(codes)))
        query = (
            f"SELECT {_fields(metrics, 'mean')} FROM {quote_ident(MEASUREMENT)} "
            f"WHERE {quote_ident('building')} = $building AND ({rooms}) "
            f"AND time >= $start AND time < $end GROUP BY time({interval(every)}) fill(none)"
        )
        params = {"building": building, "start": rfc3339(start), "end": rfc3339(end)}
        params.update({f"room{k}": code for k, code in enumerate(codes)})
        points: list[Point] = []
        for series in self._influx.query(query, params):
            columns = series["columns"]
            for values in series["values"]:
                row = dict(zip(columns, values, strict=False))
                points.append(
                    Point(_instant(row["time"]), {m: _float(row.get(m)) for m in metrics})
                )
        return points

    def flagged_metrics(self, building: str, start: datetime, end: datetime) -> set[str]:
        """The metrics of which `building` has readings flagged by data quality (stored with
        a `faulty_<metric>` copy) in [start, end): one query over those sparse fields."""
        counts = ", ".join(
            f"count({quote_ident(FAULTY_PREFIX + m)}) AS {quote_ident(m)}" for m in METRICS
        )
        query = (
            f"SELECT {counts} FROM {quote_ident(MEASUREMENT)} "
            f"WHERE {quote_ident('building')} = $building AND time >= $start AND time < $end"
        )
        params = {"building": building, "start": rfc3339(start), "end": rfc3339(end)}
        found: set[str] = set()
        for series in self._influx.query(query, params):
            for values in series["values"]:
                row = dict(zip(series["columns"], values, strict=False))
                found.update(m for m in METRICS if row.get(m))
        return found

    def windows(
        self,
        building: str,
        start: datetime,
        end: datetime,
        window: timedelta,
        slots: int,
        metrics: Sequence[str],
        offset: timedelta = timedelta(0),
        *,
        exclude_flagged: bool = False,
    ) -> dict[str, list[Window]]:
        """Averaging windows per room: the mean of slot means and how many slots had data.

        The inner query averages each slot (window / slots); the outer one averages the slot
        means and counts the filled slots, both inside InfluxDB. `exclude_flagged` (one
        metric) leaves out the readings data quality flagged, see `_unflagged_slots`.
        """
        slot = window / slots
        where = f"{quote_ident('building')} = $building AND time >= $start AND time < $end"
        if exclude_flagged:
            if len(metrics) != 1:
                raise ValueError("flagged readings are left out one metric at a time")
            inner = _unflagged_slots(metrics[0], where, interval(slot))
        else:
            inner = (
                f"SELECT {_fields(metrics, 'mean')} FROM {quote_ident(MEASUREMENT)} "
                f"WHERE {where} GROUP BY time({interval(slot)}), {quote_ident('room')}"
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
        return _fold_aliases(rooms, building, self._aliases(), slots, metrics)

    def ping(self) -> bool:
        """True when InfluxDB answers."""
        return self._influx.ping()


def _unflagged_slots(metric: str, where: str, slot: str) -> str:
    """Slot means of `metric` without its flagged readings, per room.

    InfluxQL cannot select the rows where a field is absent (a comparison with a missing
    field never matches), so the flagged readings are subtracted instead: each slot's sum
    and count, less those of the `faulty_<metric>` copies. `fill(0)` makes the missing
    flagged sums 0 rather than null (which would null the difference); a slot left with no
    reading is dropped, so it counts against coverage, as an empty slot does.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    value, flag = quote_ident(metric), quote_ident(FAULTY_PREFIX + metric)
    sums = (
        f"SELECT sum({value}) AS s, count({value}) AS n, sum({flag}) AS fs, count({flag}) AS fn "
        f"FROM {quote_ident(MEASUREMENT)} WHERE {where} "
        f"GROUP BY time({slot}), {quote_ident('room')} fill(0)"
    )
    room = quote_ident("room")
    return f"SELECT (s - fs) / (n - fn) AS {value} FROM ({sums}) WHERE n > fn GROUP BY {room}"


def _combine(a: Window, b: Window, slots: int, metrics: Sequence[str]) -> Window:
    """One window from a room's and an alias's of the same start: means weighted by filled
    slots (exact when the two streams did not report in the same slots, as a renamed sensor
    does not), slots added up to the window's count."""
    means: dict[str, float | None] = {}
    for m in metrics:
        parts = [(w.means[m], w.slots[m]) for w in (a, b) if w.means.get(m) is not None]
        weight = sum(n for _, n in parts)
        means[m] = sum(v * n for v, n in parts if v is not None) / weight if weight else None
    filled = {m: min(slots, a.slots.get(m, 0) + b.slots.get(m, 0)) for m in metrics}
    return Window(a.start, means, filled)


def _fold_aliases(
    rooms: dict[str, list[Window]],
    building: str,
    aliases: Aliases,
    slots: int,
    metrics: Sequence[str],
) -> dict[str, list[Window]]:
    """Windows of merged codes counted as their room's."""
    folded = {r: w for r, w in rooms.items() if (building, r) not in aliases}
    for room, windows in rooms.items():
        into = aliases.get((building, room))
        if into is None:
            continue
        by_start = {w.start: w for w in folded.get(into, [])}
        for w in windows:
            own = by_start.get(w.start)
            by_start[w.start] = w if own is None else _combine(own, w, slots, metrics)
        folded[into] = sorted(by_start.values(), key=lambda w: w.start)
    return folded


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
