"""Device registry use cases: what ingest records as it hears devices, what people do with them.

Ingest calls `record_sightings` once per batch, `placements_since` to refresh its cache and
`mark_held_copied` once it copied a newly placed device's held readings;
pages, the API and the CLI call the rest with the acting user, whose building scope decides
what they see (a device outside it does not exist for them).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from devices.adapters.orm import DeviceRow
from devices.domain import DEVICE_ID_MAX, Placement, Sighting, sensor_tag
from ingest.domain.const import METRICS as METRIC_NAMES
from maintenance.adapters.orm import Building, Room
from maintenance.domain.errors import InvalidInput, NotAllowed, NotFound
from maintenance.domain.model import CODE_PATTERN
from maintenance.domain.transitions import Actor
from udara.db import insert_ignoring_conflicts, insert_many_ignoring_conflicts, transaction

DEVICE_ADMIN = "facility_manager"


@dataclass(frozen=True)
class DeviceView:
    """A device as people see it (CLI `--json`, API, pages)."""

    device: str
    format: str
    status: str
    first_seen: datetime | None
    last_seen: datetime | None
    readings: int
    metrics: tuple[str, ...]
    building: str | None
    room: str | None
    sensor: str | None
    mapping: dict[str, str]
    offsets: dict[str, float]
    placed_at: datetime | None
    placed_by: str | None

    def to_json(self) -> dict[str, object]:
        """The device JSON of CONTRACTS.md ("Sensor devices")."""
        data: dict[str, object] = dict(self.__dict__)
        for key in ("first_seen", "last_seen", "placed_at"):
            value = data[key]
            data[key] = value.isoformat() if isinstance(value, datetime) else None
        data["metrics"] = list(self.metrics)
        return data


def _visible(actor: Actor, building: str | None) -> bool:
    """Placed devices follow their building; devices of no building yet (heard on a shared
    broker) are for managers who reach every building."""
    if building is None:
        return actor.scope.is_everything
    return actor.scope.allows(building)


class DeviceService:
    """The registry of devices, pending and placed."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = session_factory
        self._clock = clock

    # --- what ingest calls ---
    def record_sightings(self, sightings: Iterable[Sighting]) -> int:
        """Register new devices as pending and note when each was last heard and with what;
        one transaction per batch. Returns how many devices were new."""
        seen = {s.device: s for s in sightings if 0 < len(s.device) <= DEVICE_ID_MAX}
        if not seen:
            return 0
        with transaction(self._sessions) as session:
            known = set(session.scalars(select(DeviceRow.id).where(DeviceRow.id.in_(seen))))
            new = [
                {
                    "id": s.device,
                    "format": s.format,
                    "status": "pending",
                    "first_seen": s.first,
                    "last_seen": s.last,
                    "readings": 0,
                    "metrics": sorted(s.metrics),
                    "mapping": {},
                    "offsets": {},
                    "version": 0,
                }  # fmt: skip
                for s in seen.values()
                if s.device not in known
            ]
            insert_many_ignoring_conflicts(session, DeviceRow, new, ["id"])
            for row in session.scalars(select(DeviceRow).where(DeviceRow.id.in_(seen))):
                s = seen[row.id]
                row.last_seen = max(row.last_seen, s.last) if row.last_seen else s.last
                row.first_seen = min(row.first_seen, s.first) if row.first_seen else s.first
                row.readings = (row.readings or 0) + s.readings
                if not s.metrics <= set(row.metrics or ()):
                    row.metrics = sorted(set(row.metrics or ()) | s.metrics)
            return len(new)

    def mark_held_copied(self, device: str, at: datetime) -> None:
        """Ingest copied the device's held readings into its room's history."""
        with transaction(self._sessions) as session:
            session.execute(
                update(DeviceRow).where(DeviceRow.id == device).values(held_copied_at=at)
            )

    def placement_of(self, device: str) -> Placement | None:
        """Where one device's readings go (HTTP push asks per uplink), if it is known."""
        with self._sessions() as session:
            found = session.execute(
                select(DeviceRow, Building.code, Room.code)
                .outerjoin(Building, DeviceRow.building_id == Building.id)
                .outerjoin(Room, DeviceRow.room_id == Room.id)
                .where(DeviceRow.id == device)
            ).first()
            return _placement(*found) if found else None

    def placements_since(self, version: int) -> tuple[int, list[Placement]]:
        """Devices changed by people since `version` (0: all), and the newest version."""
        with self._sessions() as session:
            newest = session.scalar(select(func.max(DeviceRow.version))) or 0
            rows = session.execute(
                select(DeviceRow, Building.code, Room.code)
                .outerjoin(Building, DeviceRow.building_id == Building.id)
                .outerjoin(Room, DeviceRow.room_id == Room.id)
                .where(DeviceRow.version > version)
            )
            return int(newest), [_placement(row, b, r) for row, b, r in rows]

    # --- what people do ---
    def list(self, status: str | None = None, *, viewer: Actor) -> builtins.list[DeviceView]:
        """Devices `viewer` may see, pending first, then by building, room and id."""
        query = (
            select(DeviceRow, Building.code, Room.code)
            .outerjoin(Building, DeviceRow.building_id == Building.id)
            .outerjoin(Room, DeviceRow.room_id == Room.id)
        )
        if status:
            query = query.where(DeviceRow.status == status)
        with self._sessions() as session:
            views = [_view(row, b, r) for row, b, r in session.execute(query)]
        order = {"pending": 0, "active": 1, "retired": 2}
        views.sort(key=lambda v: (order[v.status], v.building or "", v.room or "", v.device))
        return [v for v in views if _visible(viewer, v.building)]

    def get(self, device: str, *, viewer: Actor) -> DeviceView:
        """One device; NotFound if unknown or out of `viewer`'s reach."""
        with self._sessions() as session:
            return self._visible_view(session, device, viewer)

    def place(
        self,
        device: str,
        building: str,
        room: str,
        *,
        sensor: str | None = None,
        mapping: Mapping[str, str] | None = None,
        offsets: Mapping[str, float] | None = None,
        by: Actor,
    ) -> DeviceView:
        """Put a device on a room: from now on its readings are stored and evaluated there, and
        ingest copies what it held into the room's history within seconds."""
        _check_admin(by)
        sensor = sensor or sensor_tag(device)
        _check_code(sensor, "sensor")
        with transaction(self._sessions) as session:
            row = self._visible_row(session, device, by)
            room_row = session.scalar(
                select(Room).join(Building).where(Building.code == building, Room.code == room)
            )
            if room_row is None or not by.scope.allows(building):
                raise NotFound.coded("no_room", building=building, room=room)
            row.building_id, row.room_id, row.sensor = room_row.building_id, room_row.id, sensor
            if mapping is not None:
                row.mapping = _mapping(mapping)
            if offsets is not None:
                row.offsets = _offsets(offsets)
            row.status = "active"
            row.placed_at = self._clock()
            row.placed_by = by.username
            _bump(session, row)
            return _view(row, building, room)

    def expect(
        self, device: str, format: str, building: str | None = None, *, by: Actor
    ) -> DeviceView:
        """Register a device before it is heard (its broker credential was just issued):
        pending, with `building` noted, so the managers of that building see it among theirs
        and place it. A device already known keeps its state; a pending one of no building
        yet gets `building`."""
        _check_admin(by)
        if not 0 < len(device) <= DEVICE_ID_MAX:
            raise InvalidInput.coded("bad_code", what="device", code=device)
        with transaction(self._sessions) as session:
            building_id = None
            if building is not None:
                building_id = session.scalar(select(Building.id).where(Building.code == building))
                if building_id is None or not by.scope.allows(building):
                    raise NotFound.coded("no_building", building=building)
            new = insert_ignoring_conflicts(
                session, DeviceRow,
                {"id": device, "format": format, "status": "pending", "readings": 0,
                 "metrics": [], "mapping": {}, "offsets": {}, "version": 0},
                ["id"],
            )  # fmt: skip
            row = session.get(DeviceRow, device)
            assert row is not None  # noqa: S101 - inserted or already there
            noted = row.status == "pending" and row.building_id is None and building_id
            if noted:
                row.building_id = building_id
            if new is not None or noted:
                _bump(session, row)  # ingest reads the building's time zone for it
            return self._visible_view(session, device, by)

    def correct(
        self,
        device: str,
        *,
        mapping: Mapping[str, str] | None = None,
        offsets: Mapping[str, float] | None = None,
        by: Actor,
    ) -> DeviceView:
        """Change how a device's values are read (mapping) or corrected (offsets)."""
        _check_admin(by)
        with transaction(self._sessions) as session:
            row = self._visible_row(session, device, by)
            if mapping is not None:
                row.mapping = _mapping(mapping)
            if offsets is not None:
                row.offsets = _offsets(offsets)
            _bump(session, row)
            return self._visible_view(session, device, by)

    def retire(self, device: str, *, by: Actor) -> DeviceView:
        """Stop storing a device's readings (it is still heard and counted)."""
        _check_admin(by)
        with transaction(self._sessions) as session:
            row = self._visible_row(session, device, by)
            row.status = "retired"
            _bump(session, row)
            return self._visible_view(session, device, by)

    def _visible_row(self, session: Session, device: str, viewer: Actor) -> DeviceRow:
        row = session.get(DeviceRow, device)
        building = session.get(Building, row.building_id) if row and row.building_id else None
        if row is None or not _visible(viewer, building.code if building else None):
            raise NotFound.coded("no_device", device=device)
        return row

    def _visible_view(self, session: Session, device: str, viewer: Actor) -> DeviceView:
        row = self._visible_row(session, device, viewer)
        building = session.get(Building, row.building_id) if row.building_id else None  # cached
        room = session.get(Room, row.room_id) if row.room_id else None
        return _view(row, building.code if building else None, room.code if room else None)


def move_room_devices(session: Session, from_room: int, into_room: int) -> int:
    """Devices placed on a room merged into another report for that one from now on (in the
    merge's transaction); each gets a new version, so ingest re-routes it."""
    rows = session.scalars(select(DeviceRow).where(DeviceRow.room_id == from_room)).all()
    for row in rows:
        row.room_id = into_room
        _bump(session, row)
    return len(rows)


def _bump(session: Session, row: DeviceRow) -> None:
    """Give the row a version above every other, so ingest's refresh picks it up."""
    newest = session.scalar(select(func.max(DeviceRow.version))) or 0
    session.execute(update(DeviceRow).where(DeviceRow.id == row.id).values(version=newest + 1))
    row.version = newest + 1


def _check_admin(actor: Actor) -> None:
    if not (actor.active and actor.role == DEVICE_ADMIN):
        raise NotAllowed.coded("may_not_manage_devices", role=actor.role, user=actor.username)


def _check_code(value: str, what: str) -> None:
    if not re.match(CODE_PATTERN, value):
        raise InvalidInput.coded("bad_code", what=what, code=value)


def _mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    for source, metric in mapping.items():
        if metric not in METRIC_NAMES or not 0 < len(source) <= 64:
            raise InvalidInput.coded("bad_mapping", source=source, metric=metric)
    return dict(mapping)


def _offsets(offsets: Mapping[str, float]) -> dict[str, float]:
    clean: dict[str, float] = {}
    for metric, offset in offsets.items():
        if metric not in METRIC_NAMES or not -10_000 < float(offset) < 10_000:
            raise InvalidInput.coded("bad_offset", metric=metric)
        clean[metric] = float(offset)
    return clean


def _placement(row: DeviceRow, building: str | None, room: str | None) -> Placement:
    return Placement(
        device=row.id,
        format=row.format,
        status=row.status,  # type: ignore[arg-type]
        building=building,
        room=room,
        sensor=row.sensor,
        mapping=dict(row.mapping or {}),
        offsets={k: float(v) for k, v in (row.offsets or {}).items()},
        held_copied=row.held_copied_at is not None,
    )


def _view(row: DeviceRow, building: str | None, room: str | None) -> DeviceView:
    return DeviceView(
        device=row.id, format=row.format, status=row.status, first_seen=row.first_seen,
        last_seen=row.last_seen, readings=row.readings, metrics=tuple(row.metrics or ()),
        building=building, room=room, sensor=row.sensor, mapping=dict(row.mapping or {}),
        offsets={k: float(v) for k, v in (row.offsets or {}).items()},
        placed_at=row.placed_at, placed_by=row.placed_by,
    )  # fmt: skip
