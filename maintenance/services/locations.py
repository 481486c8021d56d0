"""Buildings, floors and rooms; rooms that ingest discovers are created on the fly."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Building, Floor, Room, RoomAlias
from maintenance.adapters.sql import insert_ignore
from maintenance.domain.errors import InvalidInput, NotFound
from maintenance.domain.hours import StoredHours
from maintenance.domain.locations import default_traffic, guess_kind
from maintenance.domain.model import CODE_PATTERN, ROOM_KINDS, TRAFFIC_LEVELS
from maintenance.domain.recurrence import zone
from maintenance.views import RoomView
from udara.db import insert_many_ignoring_conflicts, transaction
from udara.scope import Scope

DEFAULT_FLOOR = "default"


def _code(value: str, what: str) -> str:
    if not re.match(CODE_PATTERN, value):
        raise InvalidInput(f"{what} code {value!r}: 1-64 of a-z, 0-9, '-' and '_'")
    return value


def ensure_building(session: Session, code: str, timezone: str, name: str | None = None) -> int:
    """Id of building `code`, created with `timezone` if missing (safe under concurrency)."""
    zone(timezone)
    values = {"code": _code(code, "building"), "name": name or code, "timezone": timezone}
    insert_ignore(session, Building, values, on=["code"])
    return int(session.scalars(select(Building.id).where(Building.code == code)).one())


def ensure_floor(session: Session, building_id: int, code: str, name: str | None = None) -> int:
    """Id of a floor, created if missing."""
    values = {"building_id": building_id, "code": _code(code, "floor"), "name": name or code}
    insert_ignore(session, Floor, values, on=["building_id", "code"])
    query = select(Floor.id).where(Floor.building_id == building_id, Floor.code == code)
    return int(session.scalars(query).one())


def _room_values(building_id: int, floor_id: int, code: str) -> dict[str, Any]:
    """A new room's row: named by its code, with a kind guessed from it."""
    kind = guess_kind(code)
    return {
        "building_id": building_id,
        "floor_id": floor_id,
        "code": _code(code, "room"),
        "name": code,
        "kind": kind,
        "traffic": default_traffic(kind),
    }


def ensure_room_in(session: Session, building_id: int, floor_id: int, code: str) -> int:
    """Id of a room, created with a kind guessed from its code if missing; a code merged
    into another room (an alias) is that room."""
    merged_into = session.scalar(
        select(RoomAlias.room_id).where(
            RoomAlias.building_id == building_id, RoomAlias.code == code
        )
    )
    if merged_into is not None:
        return int(merged_into)
    values = _room_values(building_id, floor_id, code)
    insert_ignore(session, Room, values, on=["building_id", "code"])
    query = select(Room.id).where(Room.building_id == building_id, Room.code == code)
    return int(session.scalars(query).one())


def floor_by_prefix(session: Session, building_id: int, room_code: str) -> int | None:
    """The floor whose code prefixes the room's (`lt2` for `lt2-kantor-3`), if one exists.

    Sensors name rooms the way the building does, so a discovered room usually says its floor.
    """
    floors = session.execute(select(Floor.id, Floor.code).where(Floor.building_id == building_id))
    return _floor_named_by([(fid, code) for fid, code in floors], room_code)


def _floor_named_by(floors: Sequence[tuple[int, str]], room_code: str) -> int | None:
    """Of (id, code) floors, the one whose code is the longest prefix of the room's code."""
    matches = [(len(code), fid) for fid, code in floors if room_code.startswith(f"{code}-")]
    return max(matches)[1] if matches else None


def room_view(session: Session, room: Room) -> RoomView:
    """A room with its building and floor codes."""
    building = session.get_one(Building, room.building_id)
    floor = session.get_one(Floor, room.floor_id)
    return RoomView(
        room.id, building.code, floor.code, room.code, room.name, room.kind, room.traffic,
        building.timezone,
    )  # fmt: skip


def room_views(session: Session, *where: ColumnElement[bool]) -> list[RoomView]:
    """Rooms matching `where` by building and code, read with their building and floor in one
    statement (not two more per room)."""
    fields = select(
        Room.id, Building.code, Floor.code, Room.code, Room.name, Room.kind, Room.traffic,
        Building.timezone,
    )  # fmt: skip
    query = (
        fields.join(Building, Room.building_id == Building.id)
        .join(Floor, Room.floor_id == Floor.id)
        .where(*where)
        .order_by(Building.code, Room.code)
    )
    return [RoomView(*row) for row in session.execute(query)]


def find_room(session: Session, building_code: str, room_code: str) -> Room | None:
    """The room `room_code` of building `building_code`, if it exists."""
    return session.scalar(
        select(Room).join(Building).where(Building.code == building_code, Room.code == room_code)
    )


def find_merged_room(session: Session, building_code: str, alias: str) -> Room | None:
    """The room that the code `alias` was merged into, if it was."""
    return session.scalar(
        select(Room)
        .join(RoomAlias, RoomAlias.room_id == Room.id)
        .join(Building, Building.id == RoomAlias.building_id)
        .where(Building.code == building_code, RoomAlias.code == alias)
    )


def alias_map(session: Session) -> dict[tuple[str, str], str]:
    """(building code, merged code) → code of the room it was merged into, in one query."""
    query = (
        select(Building.code, RoomAlias.code, Room.code)
        .join(RoomAlias, RoomAlias.building_id == Building.id)
        .join(Room, Room.id == RoomAlias.room_id)
    )
    return {(building, alias): room for building, alias, room in session.execute(query)}


class LocationService:
    """Buildings → floors → rooms."""

    def __init__(self, session_factory: sessionmaker[Session], default_timezone: str) -> None:
        self._sessions = session_factory
        self._tz = default_timezone

    def ensure_room(self, building_code: str, room_code: str) -> RoomView:
        """The room, creating it (and its building and a default floor) if new; idempotent."""
        with transaction(self._sessions) as session:
            # A merged typo is the room it was merged into, never a room of its own again.
            room = find_room(session, building_code, room_code) or find_merged_room(
                session, building_code, room_code
            )
            if room is None:
                building_id = ensure_building(session, building_code, self._tz)
                floor_id = floor_by_prefix(session, building_id, room_code) or ensure_floor(
                    session, building_id, DEFAULT_FLOOR, "Lantai belum diatur"
                )
                room = session.get_one(
                    Room, ensure_room_in(session, building_id, floor_id, room_code)
                )
            return room_view(session, room)

    def discover_rooms(self, rooms: Iterable[tuple[str, str]]) -> int:
        """Create the (building, room) pairs that are new, all in one transaction, placed as
        `ensure_room` places them; returns how many were created. Ingest calls this with
        what it saw in a batch: a new site's 500 sensors cost one transaction, not 500."""
        wanted: dict[str, set[str]] = {}
        for building_code, room_code in rooms:
            if re.match(CODE_PATTERN, building_code) and re.match(CODE_PATTERN, room_code):
                wanted.setdefault(building_code, set()).add(room_code)  # others: not a place
        created = 0
        with transaction(self._sessions) as session:
            for building_code, room_codes in sorted(wanted.items()):
                building_id = ensure_building(session, building_code, self._tz)
                known = select(Room.code).where(
                    Room.building_id == building_id, Room.code.in_(room_codes)
                )
                merged = select(RoomAlias.code).where(
                    RoomAlias.building_id == building_id, RoomAlias.code.in_(room_codes)
                )
                existing = set(session.scalars(known)) | set(session.scalars(merged))
                missing = sorted(room_codes - existing)
                if not missing:
                    continue
                floor_rows = select(Floor.id, Floor.code).where(Floor.building_id == building_id)
                floors = [(fid, code) for fid, code in session.execute(floor_rows)]
                default_floor: int | None = None
                new_rooms = []
                for room_code in missing:
                    floor_id = _floor_named_by(floors, room_code)
                    if floor_id is None:
                        if default_floor is None:
                            default_floor = ensure_floor(
                                session, building_id, DEFAULT_FLOOR, "Lantai belum diatur"
                            )
                        floor_id = default_floor
                    new_rooms.append(_room_values(building_id, floor_id, room_code))
                for start in range(0, len(new_rooms), 500):  # within SQLite's variable limit
                    rows = new_rooms[start : start + 500]
                    insert_many_ignoring_conflicts(session, Room, rows, ["building_id", "code"])
                created += len(new_rooms)
        return created

    def room_keys(self) -> set[tuple[str, str]]:
        """Every (building code, room code) pair, merged codes included (ingest need not
        announce those: they are known), in two queries."""
        with self._sessions() as session:
            query = select(Building.code, Room.code).join(Room, Room.building_id == Building.id)
            keys = {(building, room) for building, room in session.execute(query)}
            return keys | set(alias_map(session))

    def aliases(self) -> dict[tuple[str, str], str]:
        """(building code, merged code) → code of the room it was merged into."""
        with self._sessions() as session:
            return alias_map(session)

    def rooms_by_code(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], RoomView]:
        """The rooms of these (building code, room code) pairs that exist, in one query."""
        wanted = set(keys)
        if not wanted:
            return {}
        buildings, codes = {b for b, _ in wanted}, {r for _, r in wanted}
        with self._sessions() as session:
            found = room_views(session, Building.code.in_(buildings), Room.code.in_(codes))
        return {(v.building, v.code): v for v in found if (v.building, v.code) in wanted}

    def save_building(self, code: str, name: str, timezone: str | None = None) -> None:
        """Create or rename a building, and set its time zone."""
        with transaction(self._sessions) as session:
            building_id = ensure_building(session, code, timezone or self._tz, name)
            building = session.get_one(Building, building_id)
            building.name = name
            building.timezone = timezone or building.timezone

    def save_room(
        self,
        building_code: str,
        room_code: str,
        *,
        floor: str | None = None,
        name: str | None = None,
        kind: str | None = None,
        traffic: str | None = None,
    ) -> RoomView:
        """Create or update a room; traffic follows the kind unless given."""
        if kind is not None and kind not in ROOM_KINDS:
            raise InvalidInput.coded("must_be_one_of", what="kind", allowed=", ".join(ROOM_KINDS))
        if traffic is not None and traffic not in TRAFFIC_LEVELS:
            raise InvalidInput.coded(
                "must_be_one_of", what="traffic", allowed=", ".join(TRAFFIC_LEVELS)
            )
        with transaction(self._sessions) as session:
            building_id = ensure_building(session, building_code, self._tz)
            floor_id = ensure_floor(session, building_id, floor or DEFAULT_FLOOR)
            room = session.get_one(Room, ensure_room_in(session, building_id, floor_id, room_code))
            if floor is not None:
                room.floor_id = floor_id
            room.name = name or room.name
            if kind is not None:
                room.kind = kind
                room.traffic = traffic or default_traffic(kind)
            room.traffic = traffic or room.traffic
            session.flush()
            return room_view(session, room)

    def rooms(self, building: str | None = None, *, scope: Scope) -> list[RoomView]:
        """Every room of the buildings in `scope` (or of `building`), by building and code."""
        buildings = scope.narrow(building)
        with self._sessions() as session:
            where = [] if buildings is None else [Building.code.in_(buildings)]
            return room_views(session, *where)

    def building_timezones(self, *, scope: Scope) -> dict[str, str]:
        """IANA zone per code of every building in `scope` that has a room (one query)."""
        with self._sessions() as session:
            has_rooms = select(Room.id).where(Room.building_id == Building.id).exists()
            query = select(Building.code, Building.timezone).where(has_rooms)
            if scope.buildings is not None:
                query = query.where(Building.code.in_(scope.buildings))
            return {code: timezone for code, timezone in session.execute(query)}

    def building_hours(self, *, scope: Scope) -> dict[str, tuple[str, StoredHours]]:
        """IANA zone and operating hours (as stored) per code of every building in `scope`,
        in one query: ingest's data quality reads the buildings' nights from them."""
        with self._sessions() as session:
            query = select(Building.code, Building.timezone, Building.hours)
            if scope.buildings is not None:
                query = query.where(Building.code.in_(scope.buildings))
            return {code: (zone, hours or {}) for code, zone, hours in session.execute(query)}

    def building_codes(self, *, scope: Scope) -> list[str]:
        """Codes of every building in `scope`, rooms or not, in order."""
        with self._sessions() as session:
            query = select(Building.code).order_by(Building.code)
            if scope.buildings is not None:
                query = query.where(Building.code.in_(scope.buildings))
            return list(session.scalars(query))

    def get_room(self, building_code: str, room_code: str, *, scope: Scope) -> RoomView:
        """One room; NotFound if it does not exist or its building is out of `scope`."""
        if not scope.allows(building_code):
            raise NotFound.coded("no_room", building=building_code, room=room_code)
        with self._sessions() as session:
            found = room_views(session, Building.code == building_code, Room.code == room_code)
        if not found:
            raise NotFound.coded("no_room", building=building_code, room=room_code)
        return found[0]
