"""Rows of the building register: checked values, scoped reads, locks and views."""

from __future__ import annotations

import re

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from maintenance.adapters.orm import Building, Floor, Room, RoomAlias
from maintenance.domain.errors import InvalidInput, NotFound
from maintenance.domain.hours import OperatingHours, render_hours
from maintenance.domain.model import CODE_PATTERN, ROOM_KINDS, TRAFFIC_LEVELS
from maintenance.domain.transitions import Actor
from maintenance.domain.visibility import may_see_building
from maintenance.views import BuildingView, PlaceView

MAX_NAME = 100
LEVELS = range(-20, 301)
UNSET_FLOOR_NAME = "Lantai belum diatur"


def checked_code(value: str, what: str) -> str:
    """`value` if it is a code (as in MQTT topics), else InvalidInput."""
    if not re.match(CODE_PATTERN, value or ""):
        raise InvalidInput.coded("bad_code", what=what, code=value)
    return value


def checked_name(value: str | None, what: str, default: str) -> str:
    """A trimmed name of 1-100 characters; `default` when none is given."""
    name = (value or "").strip() or default
    if len(name) > MAX_NAME:
        raise InvalidInput.coded("bad_name", what=what)
    return name


def checked_level(level: int | None) -> int | None:
    """A floor level from -20 to 300 (or None), else InvalidInput."""
    if level is not None and level not in LEVELS:
        raise InvalidInput.coded("bad_level")
    return level


def checked_kind(kind: str | None, traffic: str | None) -> None:
    """Raise InvalidInput unless kind and traffic (when given) are known ones."""
    if kind is not None and kind not in ROOM_KINDS:
        raise InvalidInput.coded("must_be_one_of", what="kind", allowed=", ".join(ROOM_KINDS))
    if traffic is not None and traffic not in TRAFFIC_LEVELS:
        raise InvalidInput.coded(
            "must_be_one_of", what="traffic", allowed=", ".join(TRAFFIC_LEVELS)
        )


def visible_building(session: Session, actor: Actor, code: str) -> Building:
    """Building `code` if it exists and `actor` may see it; otherwise NotFound."""
    building = session.scalar(select(Building).where(Building.code == code))
    if building is None or not may_see_building(actor, building.code):
        raise NotFound.coded("no_building", building=code)
    return building


def locked_rooms(session: Session, building: Building, *codes: str) -> list[Room]:
    """Rooms `codes` of `building`, locked for this transaction; NotFound for a missing one.

    A no-op UPDATE first: it locks the rows on PostgreSQL and takes SQLite's write lock, so
    a concurrent merge or edit of the same room waits, and then finds the room gone (404)
    rather than failing on a row deleted under it.
    """
    same = (Room.building_id == building.id) & Room.code.in_(codes)
    session.execute(
        update(Room).where(same).values(code=Room.code).execution_options(synchronize_session=False)
    )
    found = {room.code: room for room in session.scalars(select(Room).where(same))}
    for code in codes:
        if code not in found:
            raise NotFound.coded("no_room", building=building.code, room=code)
    return [found[code] for code in codes]


def counted(query: Select[Building]) -> Select[Building, int, int]:
    """`query` with each building's floor and room counts, in the same statement."""
    floors = select(func.count()).where(Floor.building_id == Building.id).scalar_subquery()
    rooms = select(func.count()).where(Room.building_id == Building.id).scalar_subquery()
    return query.add_columns(floors, rooms)


def building_view(b: Building, floors: int, rooms: int) -> BuildingView:
    """A building row as the view every channel shows (hours as text and per day)."""
    hours = OperatingHours.from_json(b.hours)
    return BuildingView(
        b.code, b.name, b.timezone, render_hours(hours), hours.to_json(), floors, rooms
    )


def read_building(session: Session, b: Building) -> BuildingView:
    """The view of one building, counts read now."""
    [(row, floors, rooms)] = session.execute(counted(select(Building).where(Building.id == b.id)))
    return building_view(row, floors, rooms)


def place_views(session: Session, building: Building, *codes: str) -> list[PlaceView]:
    """Rooms of `building` (only `codes`, when given) with floor codes and aliases, by code."""
    query = (
        select(Room.id, Floor.code, Room.code, Room.name, Room.kind, Room.traffic)
        .join(Floor, Floor.id == Room.floor_id)
        .where(Room.building_id == building.id)
        .order_by(Room.code)
    )
    if codes:
        query = query.where(Room.code.in_(codes))
    rows = session.execute(query).all()
    aliases: dict[int, list[str]] = {}
    alias_rows = select(RoomAlias.room_id, RoomAlias.code).where(
        RoomAlias.room_id.in_([row[0] for row in rows])
    )
    for room_id, alias in session.execute(alias_rows.order_by(RoomAlias.code)):
        aliases.setdefault(room_id, []).append(alias)
    return [
        PlaceView(building.code, floor, code, name, kind, traffic, tuple(aliases.get(rid, ())))
        for rid, floor, code, name, kind, traffic in rows
    ]
