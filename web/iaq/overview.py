"""What the air-quality pages and the rooms API show, assembled from the services."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from flask import g

from ingest.adapters.influx import InfluxError
from web import deps, security
from web.iaq import compliance
from web.iaq.grid import BuildingGroup, OpenAlert, Place, RoomCard, build_grid

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grid:
    """The grid, and whether InfluxDB could be read."""

    buildings: list[BuildingGroup]
    readings_ok: bool

    def cards(self) -> Iterator[RoomCard]:
        """Every room card, building by building and floor by floor."""
        for building in self.buildings:
            for floor in building.floors:
                yield from floor.rooms


def timezones() -> dict[str, str]:
    """IANA zone per building code (read once per request)."""
    cached: dict[str, str] | None = g.get("udara_timezones")
    if cached is None:
        cached = deps.container().location_service.building_timezones(scope=security.scope())
        g.udara_timezones = cached
    return cached


def timezone_of(building: str | None) -> str:
    """The building's zone, or the site default."""
    default = deps.container().settings.timezone
    return timezones().get(building or "", default)


def open_alerts(building: str | None = None) -> list[OpenAlert]:
    """Open alerts in the grid's shape."""
    alerts = deps.container().alert_service.list(
        open_only=True, building=building, scope=security.scope()
    )
    return [OpenAlert(a.id, a.building, a.room, a.metric, a.severity, a.kind) for a in alerts]


def grid(building: str | None = None) -> Grid:
    """Buildings → floors → rooms with latest values and statuses."""
    c = deps.container()
    rooms = c.location_service.rooms(building, scope=security.scope())
    places = [Place(r.building, r.floor, r.code, r.name) for r in rooms]
    since = deps.now() - timedelta(seconds=c.settings.offline_after_s)
    try:
        latest = deps.readings().latest(since, building, scope=security.scope())
        ok = True
    except InfluxError:
        log.warning("InfluxDB unavailable for the room grid", exc_info=True)
        latest, ok = {}, False
    return Grid(build_grid(places, latest, open_alerts(building), deps.profile()), ok)


def report(month: date, building: str | None = None) -> compliance.Report:
    """The monthly compliance report of one building, or of all of them."""
    c = deps.container()
    rooms_by_building: dict[str, list[str]] = {}
    for r in c.location_service.rooms(building, scope=security.scope()):
        rooms_by_building.setdefault(r.building, []).append(r.code)
    if building and security.scope().allows(building):
        rooms_by_building.setdefault(building, [])
    scores = [
        compliance.building_score(
            deps.readings(), deps.profile(), code, timezone_of(code), rooms, month, deps.now()
        )
        for code, rooms in sorted(rooms_by_building.items())
    ]
    return compliance.Report(month, deps.profile(), scores)
