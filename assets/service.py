"""Asset use cases: the register people keep, the zones they draw, the meters they read.

Every call takes the acting user; their building scope decides what exists for them (an
asset of another building answers exactly like a missing one: NotFound, HTTP 404).
Facility managers add and change assets; supervisors and technicians read them and record
meter readings.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from assets.adapters.orm import AssetRoom, AssetRow, MeterReading
from assets.domain.model import (
    ASSET_ADMIN,
    ASSET_READERS,
    ASSET_STATUSES,
    check_code,
    check_kind,
    check_meter,
)
from maintenance.adapters.orm import Building, Room
from maintenance.domain.errors import InvalidInput, NotAllowed, NotFound
from maintenance.domain.transitions import Actor
from udara.db import insert_ignoring_conflicts, transaction


@dataclass(frozen=True)
class AssetView:
    """An asset as people see it (pages; the API and CLI `--json` as `schemas.AssetOut`)."""

    code: str
    kind: str
    building: str
    room: str | None
    name: str
    make: str | None
    model: str | None
    serial: str | None
    installed_on: date | None
    attributes: dict[str, Any]
    status: str
    serves: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class MeterReadingView:
    """One meter reading of an asset."""

    asset: str
    meter: str
    value: float
    at: datetime
    recorded_by: str


@dataclass(frozen=True)
class AssetChanges:
    """What an edit changes; None leaves a field as it is."""

    name: str | None = None
    room: str | None = None
    serves: Sequence[str] | None = None
    status: str | None = None
    make: str | None = None
    model: str | None = None
    serial: str | None = None
    installed_on: date | None = None
    attributes: Mapping[str, Any] | None = None


def _check_admin(actor: Actor) -> None:
    if not actor.active or actor.role != ASSET_ADMIN:
        raise NotAllowed.coded("may_not_manage_assets", role=actor.role, user=actor.username)


def _check_reader(actor: Actor, code: str) -> None:
    # A role that reads no assets meets none: the same answer as for a missing one.
    if not actor.active or actor.role not in ASSET_READERS:
        raise NotFound.coded("no_asset", asset=code)


def _room_id(session: Session, building_id: int, building: str, code: str) -> int:
    room = session.scalar(select(Room.id).where(Room.building_id == building_id, Room.code == code))
    if room is None:
        raise InvalidInput.coded("no_room", building=building, room=code)
    return int(room)


def _views(session: Session, rows: Sequence[AssetRow]) -> list[AssetView]:
    ids = [row.id for row in rows]
    buildings = dict(session.execute(select(Building.id, Building.code)).all())
    room_ids = {row.room_id for row in rows if row.room_id}
    serves: dict[int, list[str]] = {}
    for asset_id, room_code in session.execute(
        select(AssetRoom.asset_id, Room.code)
        .join(Room, Room.id == AssetRoom.room_id)
        .where(AssetRoom.asset_id.in_(ids))
        .order_by(Room.code)
    ):
        serves.setdefault(asset_id, []).append(room_code)
    rooms = dict(session.execute(select(Room.id, Room.code).where(Room.id.in_(room_ids))).all())
    return [
        AssetView(
            code=row.code,
            kind=row.kind,
            building=buildings.get(row.building_id, ""),
            room=rooms.get(row.room_id) if row.room_id else None,
            name=row.name,
            make=row.make,
            model=row.model,
            serial=row.serial,
            installed_on=row.installed_on,
            attributes=dict(row.attributes or {}),
            status=row.status,
            serves=tuple(serves.get(row.id, ())),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )  # fmt: skip
        for row in rows
    ]


class AssetService:
    """The register of a building's equipment, its zones and meter readings."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Callable[[], datetime]):
        self._sessions = session_factory
        self._clock = clock

    def add(
        self,
        code: str,
        kind: str,
        building: str,
        *,
        by: Actor,
        room: str | None = None,
        serves: Iterable[str] = (),
        name: str | None = None,
        make: str | None = None,
        model: str | None = None,
        serial: str | None = None,
        installed_on: date | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> AssetView:
        """Register an asset of `building` (facility managers of that building)."""
        _check_admin(by)
        check_code(code)
        check_kind(kind)
        now = self._clock()
        with transaction(self._sessions) as session:
            building_id = session.scalar(select(Building.id).where(Building.code == building))
            if building_id is None or not by.scope.allows(building):
                raise NotFound.coded("no_building", building=building)
            if session.scalar(select(AssetRow.id).where(AssetRow.code == code)) is not None:
                raise InvalidInput.coded("asset_exists", asset=code)
            row = AssetRow(
                code=code, kind=kind, building_id=building_id,
                room_id=_room_id(session, building_id, building, room) if room else None,
                name=(name or code.upper())[:100], make=make, model=model, serial=serial,
                installed_on=installed_on, attributes=dict(attributes or {}), notes="",
                status="active", created_at=now, updated_at=now, version=0,
            )  # fmt: skip
            session.add(row)
            session.flush()
            for room_code in dict.fromkeys(serves):
                session.add(
                    AssetRoom(
                        asset_id=row.id,
                        room_id=_room_id(session, building_id, building, room_code),
                    )
                )
            session.flush()
            return _views(session, [row])[0]

    def update(self, code: str, changes: AssetChanges, *, by: Actor) -> AssetView:
        """Change an asset (facility managers); `serves` replaces its zone."""
        _check_admin(by)
        now = self._clock()
        with transaction(self._sessions) as session:
            row = self._row(session, code, by)
            building = session.get_one(Building, row.building_id).code
            if changes.status is not None:
                if changes.status not in ASSET_STATUSES:
                    raise InvalidInput.coded(
                        "must_be_one_of", what="status", allowed=", ".join(ASSET_STATUSES)
                    )
                row.status = changes.status
            if changes.name is not None:
                row.name = changes.name.strip()[:100] or row.code.upper()
            if changes.room is not None:
                row.room_id = (
                    _room_id(session, row.building_id, building, changes.room)
                    if changes.room
                    else None
                )
            for attr in ("make", "model", "serial", "installed_on"):
                value = getattr(changes, attr)
                if value is not None:
                    setattr(row, attr, value or None)
            if changes.attributes is not None:
                row.attributes = dict(changes.attributes)
            if changes.serves is not None:
                wanted = {
                    _room_id(session, row.building_id, building, r) for r in changes.serves if r
                }
                for link in session.scalars(select(AssetRoom).where(AssetRoom.asset_id == row.id)):
                    if link.room_id not in wanted:
                        session.delete(link)
                    wanted.discard(link.room_id)
                for room_id in wanted:
                    session.add(AssetRoom(asset_id=row.id, room_id=room_id))
            row.updated_at = now
            row.version += 1
            session.flush()
            return _views(session, [row])[0]

    def list(
        self,
        *,
        viewer: Actor,
        building: str | None = None,
        kind: str | None = None,
        status: str | None = None,
    ) -> list[AssetView]:
        """Assets of the viewer's buildings, by building and code."""
        if not viewer.active or viewer.role not in ASSET_READERS:
            return []
        allowed = viewer.scope.narrow(building)
        q = select(AssetRow).join(Building, Building.id == AssetRow.building_id)
        if allowed is not None:
            q = q.where(Building.code.in_(allowed))
        if kind:
            q = q.where(AssetRow.kind == kind)
        if status:
            q = q.where(AssetRow.status == status)
        with self._sessions() as session:
            rows = list(session.scalars(q.order_by(Building.code, AssetRow.code)))
            return _views(session, rows)

    def get(self, code: str, *, viewer: Actor) -> AssetView:
        """One asset; NotFound when missing or of a building out of the viewer's reach."""
        _check_reader(viewer, code)
        with self._sessions() as session:
            return _views(session, [self._row(session, code, viewer)])[0]

    def record_meter(
        self,
        code: str,
        meter: str,
        value: float,
        *,
        by: Actor,
        at: datetime | None = None,
    ) -> MeterReadingView:
        """Record a meter reading (facility managers, supervisors, technicians); a meter
        plan of this asset that became due is generated by the scheduler's next pass."""
        _check_reader(by, code)
        check_meter(meter)
        if not value >= 0 or value == float("inf"):
            raise InvalidInput.coded("meter_not_negative")
        when = at or self._clock()
        with transaction(self._sessions) as session:
            row = self._row(session, code, by)
            session.add(
                MeterReading(
                    asset_id=row.id,
                    meter=meter,
                    value=float(value),
                    at=when,
                    recorded_by=by.username,
                )  # fmt: skip
            )
        return MeterReadingView(code, meter, float(value), when, by.username)

    def meter_readings(
        self, code: str, *, viewer: Actor, limit: int = 50
    ) -> builtins.list[MeterReadingView]:
        """An asset's latest meter readings, newest first."""
        _check_reader(viewer, code)
        with self._sessions() as session:
            row = self._row(session, code, viewer)
            found = session.scalars(
                select(MeterReading)
                .where(MeterReading.asset_id == row.id)
                .order_by(MeterReading.at.desc(), MeterReading.id.desc())
                .limit(limit)
            )
            return [MeterReadingView(code, m.meter, m.value, m.at, m.recorded_by) for m in found]

    @staticmethod
    def _row(session: Session, code: str, actor: Actor) -> AssetRow:
        found = session.execute(
            select(AssetRow, Building.code)
            .join(Building, Building.id == AssetRow.building_id)
            .where(AssetRow.code == code)
        ).first()
        if found is None or not actor.scope.allows(found[1]):
            raise NotFound.coded("no_asset", asset=code)
        return found[0]


def move_room_assets(session: Session, from_room: int, into_room: int) -> None:
    """A merged room's assets and zone memberships follow it into the room it joins."""
    session.execute(
        update(AssetRow)
        .where(AssetRow.room_id == from_room)
        .values(room_id=into_room, version=AssetRow.version + 1)
        .execution_options(synchronize_session=False)
    )
    for (asset_id,) in session.execute(
        select(AssetRoom.asset_id).where(AssetRoom.room_id == from_room)
    ).all():
        insert_ignoring_conflicts(
            session, AssetRoom, {"asset_id": asset_id, "room_id": into_room},
            ["asset_id", "room_id"],
        )  # fmt: skip
    session.execute(
        delete(AssetRoom)
        .where(AssetRoom.room_id == from_room)
        .execution_options(synchronize_session=False)
    )
