"""The room grid: latest value and status per metric against the active profile (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ingest.domain.const import METRICS, UNITS
from ingest.domain.profiles import Limit, Profile

CellStatus = Literal["ok", "warning", "critical", "no_data"]
RANK: dict[str, int] = {"no_data": 0, "ok": 1, "warning": 2, "critical": 3}


@dataclass(frozen=True)
class OpenAlert:
    """The parts of an open alert the grid looks at."""

    id: int
    building: str
    room: str
    metric: str | None
    severity: str
    kind: str


@dataclass(frozen=True)
class Cell:
    """One metric of one room."""

    metric: str
    value: float | None
    unit: str
    limit: Limit | None
    status: CellStatus
    alert_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RoomCard:
    """One room of the grid."""

    building: str
    floor: str
    room: str
    name: str
    cells: tuple[Cell, ...]
    sensor_alerts: tuple[OpenAlert, ...] = ()

    @property
    def silent(self) -> bool:
        """No reading and no alert at all: nothing to show but the room's name."""
        return not self.sensor_alerts and all(c.status == "no_data" for c in self.cells)

    @property
    def status(self) -> CellStatus:
        """The worst status of its metrics."""
        return max((c.status for c in self.cells), key=RANK.__getitem__, default="no_data")

    def cell(self, metric: str) -> Cell | None:
        """The cell of `metric`."""
        return next((c for c in self.cells if c.metric == metric), None)


def reported_metrics(cards: Iterable[RoomCard]) -> tuple[str, ...]:
    """The metrics some room has a reading or an open alert for, in the usual order.

    A building whose sensors never measure, say, formaldehyde would otherwise show a
    "no data" tile for it on every room.
    """
    seen = {c.metric for card in cards for c in card.cells if c.status != "no_data"}
    return tuple(m for m in METRICS if m in seen)


@dataclass(frozen=True)
class Place:
    """A room the grid shows: its building, floor and name."""

    building: str
    floor: str
    room: str
    name: str


@dataclass
class FloorGroup:
    """The rooms of one floor."""

    floor: str
    rooms: list[RoomCard] = field(default_factory=list)


@dataclass
class BuildingGroup:
    """The floors of one building."""

    building: str
    floors: list[FloorGroup] = field(default_factory=list)


UNSET_FLOORS = ("", "default")  # rooms ingest discovered before anyone placed them


def floor_order(code: str) -> tuple[bool, list[tuple[int, int | str]]]:
    """Natural order (lt2 before lt10); floors not set yet come last."""
    parts = re.findall(r"\d+|\D+", code)
    key = [(0, int(p)) if p.isdigit() else (1, p) for p in parts]
    return code in UNSET_FLOORS, key


def cell_status(value: float | None, limit: Limit | None, severities: set[str]) -> CellStatus:
    """Open alerts decide first (they follow the regulation's averaging); then the value."""
    if "critical" in severities:
        return "critical"
    if "warning" in severities:
        return "warning"
    if value is None:
        return "no_data"
    if limit is not None and not limit.contains(value):
        return "warning"
    return "ok"


def room_card(
    place: Place,
    latest: Mapping[str, float],
    alerts: Iterable[OpenAlert],
    limits: Mapping[str, Limit],
) -> RoomCard:
    """The card of one room from its latest values, open alerts and the profile's limits."""
    alerts = list(alerts)
    cells = []
    for metric in METRICS:
        # A faulty sensor's alert names a metric but says nothing of the air: not the cell's.
        mine = [a for a in alerts if a.metric == metric and a.kind == "threshold"]
        value, limit = latest.get(metric), limits.get(metric)
        status = cell_status(value, limit, {a.severity for a in mine})
        cells.append(Cell(metric, value, UNITS[metric], limit, status, tuple(a.id for a in mine)))
    sensor_alerts = tuple(a for a in alerts if a.kind != "threshold")
    p = place
    return RoomCard(p.building, p.floor, p.room, p.name, tuple(cells), sensor_alerts)


def build_grid(
    places: Iterable[Place],
    latest: Mapping[tuple[str, str], Mapping[str, float]],
    alerts: Iterable[OpenAlert],
    profile: Profile,
) -> list[BuildingGroup]:
    """Buildings → floors → room cards; rooms only seen in readings are added too."""
    by_room: dict[tuple[str, str], list[OpenAlert]] = {}
    for alert in alerts:
        by_room.setdefault((alert.building, alert.room), []).append(alert)
    known = {(p.building, p.room): p for p in places}
    for building, room in list(latest) + list(by_room):
        known.setdefault((building, room), Place(building, "", room, room))
    groups: dict[str, BuildingGroup] = {}
    limits = profile.evaluated_limits()  # once, not once per room
    for key in sorted(known, key=lambda k: (k[0], floor_order(known[k].floor), k[1])):
        place = known[key]
        group = groups.setdefault(place.building, BuildingGroup(place.building))
        if not group.floors or group.floors[-1].floor != place.floor:
            group.floors.append(FloorGroup(place.floor))
        card = room_card(place, latest.get(key, {}), by_room.get(key, ()), limits)
        group.floors[-1].rooms.append(card)
    return list(groups.values())
