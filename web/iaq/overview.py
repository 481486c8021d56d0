"""What the air-quality pages and the rooms API show, assembled from the services."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import g

from ingest.adapters.influx import InfluxError
from ingest.domain.compliance import month_bounds
from occupants.domain.symptoms import RoomSymptoms, by_room
from web import deps, security
from web.iaq import compliance
from web.iaq.grid import BuildingGroup, OpenAlert, Place, RoomCard, build_grid

log = logging.getLogger(__name__)
END_OF_TIME = datetime(9000, 1, 1, tzinfo=UTC)


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
        latest = deps.readings().latest(since, security.scope().narrow(building))
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
            deps.readings(),
            deps.profile(),
            c.evaluation_config,
            code,
            timezone_of(code),
            rooms,
            month,
            deps.now(),
        )
        for code, rooms in sorted(rooms_by_building.items())
    ]
    return compliance.Report(month, deps.profile(), scores)


def symptoms(report: compliance.Report) -> dict[str, list[RoomSymptoms]]:
    """Occupants' symptom reports of the report's month, per building and room (each
    building's month in its own time zone), beside the air recorded with them."""
    c = deps.container()
    found: dict[str, list[RoomSymptoms]] = {}
    for b in report.buildings:
        # The whole month: a report is made at the clock's time, never ahead of it.
        start, end = month_bounds(report.month, b.timezone, END_OF_TIME)
        reports = c.occupant_requests.symptom_reports(
            scope=security.scope(), building=b.building, start=start, end=end
        )
        found[b.building] = by_room(reports)
    return found
