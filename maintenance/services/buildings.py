"""The building register: buildings, floors and rooms created and edited by people.

Every use case takes the acting `Actor`: a building outside the actor's scope is, to them, a
building that does not exist (NotFound, before any role check, so a refusal never tells
that it exists); changes need a facility manager (`check_manage_locations`), and a new
building one of every building (`check_create_building`). Ingest's discovery goes through
`LocationService` instead and still creates whatever it meets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Building, Floor, Room, RoomAlias
from maintenance.adapters.sql import insert_ignore
from maintenance.domain.errors import Conflict, InvalidInput, NotFound
from maintenance.domain.hours import OperatingHours
from maintenance.domain.locations import (
    check_create_building,
    check_manage_locations,
    default_traffic,
    guess_kind,
)
from maintenance.domain.recurrence import zone
from maintenance.domain.transitions import Actor
from maintenance.services.building_rows import (
    UNSET_FLOOR_NAME,
    building_view,
    checked_code,
    checked_kind,
    checked_level,
    checked_name,
    counted,
    locked_rooms,
    place_views,
    read_building,
    visible_building,
)
from maintenance.services.locations import DEFAULT_FLOOR, ensure_floor, floor_by_prefix
from maintenance.services.room_merge import AlertMover, DeviceMover, merge_room
from maintenance.views import BuildingView, FloorView, PlaceView
from udara.db import transaction


class BuildingService:
    """Buildings, floors and rooms as people see and shape them, within their scope."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        default_timezone: str,
        move_alerts: AlertMover | None = None,
        move_devices: DeviceMover | None = None,
    ) -> None:
        self._sessions = session_factory
        self._tz = default_timezone
        self._move_alerts = move_alerts
        self._move_devices = move_devices

    # --- reading ---
    def buildings(self, actor: Actor) -> list[BuildingView]:
        """The buildings `actor` reaches, by code."""
        query = select(Building).order_by(Building.code)
        if actor.scope.buildings is not None:
            query = query.where(Building.code.in_(sorted(actor.scope.buildings)))
        with self._sessions() as session:
            rows = session.execute(counted(query))
            return [building_view(b, floors, rooms) for b, floors, rooms in rows]

    def building(self, actor: Actor, code: str) -> BuildingView:
        """One building; NotFound if it does not exist or is out of `actor`'s reach."""
        with self._sessions() as session:
            return read_building(session, visible_building(session, actor, code))

    def floors(self, actor: Actor, building: str) -> list[FloorView]:
        """The floors of a building, lowest level first (unlevelled ones last), by code."""
        with self._sessions() as session:
            b = visible_building(session, actor, building)
            rooms = (
                select(func.count())
                .where(Room.floor_id == Floor.id)
                .correlate(Floor)
                .scalar_subquery()
            )
            query = (
                select(Floor.code, Floor.name, Floor.level, rooms)
                .where(Floor.building_id == b.id)
                .order_by(Floor.level.is_(None), Floor.level, Floor.code)
            )
            return [FloorView(b.code, *row) for row in session.execute(query)]

    def rooms(self, actor: Actor, building: str) -> list[PlaceView]:
        """The rooms of a building, by code, with the codes merged into each."""
        with self._sessions() as session:
            return place_views(session, visible_building(session, actor, building))

    def room(self, actor: Actor, building: str, code: str) -> PlaceView:
        """One room; NotFound if it (or its building, for `actor`) does not exist."""
        with self._sessions() as session:
            b = visible_building(session, actor, building)
            found = place_views(session, b, code)
        if not found:
            raise NotFound.coded("no_room", building=building, room=code)
        return found[0]

    # --- buildings ---
    def create_building(
        self,
        actor: Actor,
        code: str,
        *,
        name: str | None = None,
        timezone: str | None = None,
        hours: OperatingHours | None = None,
    ) -> BuildingView:
        """Add a building (facility managers of every building); Conflict if the code is taken."""
        check_create_building(actor)
        values = {
            "code": checked_code(code, "building"),
            "name": checked_name(name, "building", code),
            "timezone": zone(timezone or self._tz).key,
            "hours": (hours or OperatingHours()).to_json(),
        }
        with transaction(self._sessions) as session:
            if insert_ignore(session, Building, values, on=["code"]) is None:
                raise Conflict.coded("building_exists", building=code)
            return read_building(session, visible_building(session, actor, code))

    def update_building(
        self,
        actor: Actor,
        code: str,
        *,
        name: str | None = None,
        timezone: str | None = None,
        hours: OperatingHours | None = None,
    ) -> BuildingView:
        """Rename a building, change its time zone or operating hours (None: unchanged)."""
        with transaction(self._sessions) as session:
            b = visible_building(session, actor, code)
            check_manage_locations(actor)
            if name is not None:
                b.name = checked_name(name, "building", b.code)
            if timezone is not None:
                b.timezone = zone(timezone).key
            if hours is not None:
                b.hours = hours.to_json()
            session.flush()
            return read_building(session, b)

    # --- floors ---
    def add_floor(
        self,
        actor: Actor,
        building: str,
        code: str,
        *,
        name: str | None = None,
        level: int | None = None,
    ) -> FloorView:
        """Add a floor to a building; Conflict if the building has one of that code."""
        with transaction(self._sessions) as session:
            b = visible_building(session, actor, building)
            check_manage_locations(actor)
            floor_name = checked_name(name, "floor", checked_code(code, "floor"))
            values = {
                "building_id": b.id,
                "code": code,
                "name": floor_name,
                "level": checked_level(level),
            }
            if insert_ignore(session, Floor, values, on=["building_id", "code"]) is None:
                raise Conflict.coded("floor_exists", building=building, floor=code)
            return FloorView(b.code, code, floor_name, level, 0)

    def update_floor(
        self,
        actor: Actor,
        building: str,
        code: str,
        *,
        name: str | None = None,
        level: int | None = None,
        clear_level: bool = False,
    ) -> FloorView:
        """Rename a floor or set its level (`clear_level` removes it)."""
        with transaction(self._sessions) as session:
            b = visible_building(session, actor, building)
            check_manage_locations(actor)
            floor = session.scalar(
                select(Floor).where(Floor.building_id == b.id, Floor.code == code)
            )
            if floor is None:
                raise NotFound.coded("no_floor", building=building, floor=code)
            if name is not None:
                floor.name = checked_name(name, "floor", floor.code)
            if level is not None or clear_level:
                floor.level = checked_level(level)
            rooms = session.scalar(select(func.count()).where(Room.floor_id == floor.id)) or 0
            return FloorView(b.code, floor.code, floor.name, floor.level, rooms)

    # --- rooms ---
    def add_room(
        self,
        actor: Actor,
        building: str,
        code: str,
        *,
        floor: str | None = None,
        name: str | None = None,
        kind: str | None = None,
        traffic: str | None = None,
    ) -> PlaceView:
        """Add a room. Without a floor it goes where discovery would put it; a floor code
        the building lacks is created. Kind is guessed from the code, traffic follows kind."""
        checked_kind(kind, traffic)
        with transaction(self._sessions) as session:
            b = visible_building(session, actor, building)
            check_manage_locations(actor)
            checked_code(code, "room")
            self._refuse_merged(session, b, code)
            if floor is not None:
                floor_id = ensure_floor(session, b.id, checked_code(floor, "floor"))
            else:
                floor_id = floor_by_prefix(session, b.id, code) or ensure_floor(
                    session, b.id, DEFAULT_FLOOR, UNSET_FLOOR_NAME
                )
            kind = kind or guess_kind(code)
            values = {
                "building_id": b.id,
                "floor_id": floor_id,
                "code": code,
                "name": checked_name(name, "room", code),
                "kind": kind,
                "traffic": traffic or default_traffic(kind),
            }
            if insert_ignore(session, Room, values, on=["building_id", "code"]) is None:
                raise Conflict.coded("room_exists", building=building, room=code)
            return place_views(session, b, code)[0]

    def update_room(
        self,
        actor: Actor,
        building: str,
        code: str,
        *,
        floor: str | None = None,
        name: str | None = None,
        kind: str | None = None,
        traffic: str | None = None,
    ) -> PlaceView:
        """Rename a room, move it to another floor (created if new), change its kind or
        traffic (None: unchanged). A new kind brings its traffic level unless one is given.
        The code stays: it is the sensors' topic; a wrong code is merged into the right room."""
        checked_kind(kind, traffic)
        with transaction(self._sessions) as session:
            b = visible_building(session, actor, building)
            check_manage_locations(actor)
            [room] = locked_rooms(session, b, code)
            if floor is not None:
                room.floor_id = ensure_floor(session, b.id, checked_code(floor, "floor"))
            if name is not None:
                room.name = checked_name(name, "room", room.code)
            if kind is not None:
                room.kind = kind
                room.traffic = default_traffic(kind)
            if traffic is not None:
                room.traffic = traffic
            session.flush()
            return place_views(session, b, code)[0]

    def merge_rooms(
        self, actor: Actor, building: str, from_code: str, into_code: str, now: datetime
    ) -> PlaceView:
        """Merge room `from_code` (say, a typo discovery made) into `into_code`: its work
        orders, plans and alerts move over, its code becomes an alias of the other room (its
        readings stay part of that room's history) and the room itself goes."""
        with transaction(self._sessions) as session:
            b = visible_building(session, actor, building)
            check_manage_locations(actor)
            if from_code == into_code:
                raise InvalidInput.coded("merge_into_itself")
            source, target = locked_rooms(session, b, from_code, into_code)
            merge_room(
                session, b, source, target, actor.username, now,
                self._move_alerts, self._move_devices,
            )  # fmt: skip
            return place_views(session, b, into_code)[0]

    @staticmethod
    def _refuse_merged(session: Session, building: Building, code: str) -> None:
        """A merged code stays the alias it became: no second room under it."""
        into = session.scalar(
            select(Room.code)
            .join(RoomAlias, RoomAlias.room_id == Room.id)
            .where(RoomAlias.building_id == building.id, RoomAlias.code == code)
        )
        if into is not None:
            raise Conflict.coded("room_is_alias", building=building.code, room=code, into=into)


__all__ = ["AlertMover", "BuildingService"]
