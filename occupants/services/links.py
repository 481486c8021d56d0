"""Rooms' public links (the token on each room's QR code) and buildings' lobby displays."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Building, Floor, Room
from maintenance.domain.errors import NotAllowed, NotFound
from maintenance.domain.transitions import Actor
from maintenance.services.locations import room_views
from maintenance.views import RoomView
from occupants.adapters.orm import BuildingDisplay, RoomLink
from udara.db import insert_ignoring_conflicts, transaction

LINK_PRINTERS = ("facility_manager", "cleaning_supervisor")
LINK_ROTATORS = ("facility_manager",)


def new_token() -> str:
    """An unguessable token (128 bits), short enough for a small QR code."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class RoomLinkView:
    """A room and the token of its public link."""

    room: RoomView
    floor_name: str
    token: str


def _ensure_link(session: Session, room_id: int, now: datetime) -> str:
    values = {"room_id": room_id, "token": new_token(), "created_at": now}
    insert_ignoring_conflicts(session, RoomLink, values, on=["room_id"])
    return str(session.scalars(select(RoomLink.token).where(RoomLink.room_id == room_id)).one())


class RoomLinks:
    """Room tokens: made on first use, rotated by a facility manager (the old one dies)."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Callable[[], datetime]):
        self._sessions = session_factory
        self._clock = clock

    def link(self, building: str, room: str) -> RoomLinkView:
        """The room's link (the operator's shell: every building); NotFound without a room."""
        return self.sheet(Actor("cli", "facility_manager"), building, room=room)[0]

    def sheet(
        self, actor: Actor, building: str, *, floor: str | None = None, room: str | None = None
    ) -> list[RoomLinkView]:
        """Every room of `building` (or of one floor) with its link, by floor and code."""
        if actor.role not in LINK_PRINTERS:
            raise NotAllowed.coded("may_not_print_links", role=actor.role, user=actor.username)
        if not actor.scope.allows(building):
            raise NotFound.coded("no_building", building=building)
        now = self._clock()
        with transaction(self._sessions) as session:
            if session.scalar(select(Building.id).where(Building.code == building)) is None:
                raise NotFound.coded("no_building", building=building)
            where = [Building.code == building]
            if floor is not None:
                where.append(Floor.code == floor)
            if room is not None:
                where.append(Room.code == room)
            rooms = room_views(session, *where)
            if room is not None and not rooms:
                raise NotFound.coded("no_room", building=building, room=room)
            if floor is not None and not rooms and not _floor_exists(session, building, floor):
                raise NotFound.coded("no_floor", building=building, floor=floor)
            names = dict(
                session.execute(
                    select(Floor.code, Floor.name).join(Building).where(Building.code == building)
                ).all()
            )
            return [RoomLinkView(r, names.get(r.floor, r.floor), _ensure_link(session, r.id, now))
                    for r in rooms]  # fmt: skip

    def rotate(self, actor: Actor, building: str, room: str) -> RoomLinkView:
        """Give the room a new token; the old link answers 404 from now on."""
        if actor.role not in LINK_ROTATORS:
            raise NotAllowed.coded("may_not_print_links", role=actor.role, user=actor.username)
        if not actor.scope.allows(building):
            raise NotFound.coded("no_room", building=building, room=room)
        with transaction(self._sessions) as session:
            found = room_views(session, Building.code == building, Room.code == room)
            if not found:
                raise NotFound.coded("no_room", building=building, room=room)
            session.execute(delete(RoomLink).where(RoomLink.room_id == found[0].id))
        return self.sheet(actor, building, room=room)[0]

    def resolve(self, token: str) -> RoomView | None:
        """The room whose current token this is, or None (unknown, or rotated away)."""
        if not token or len(token) > 64:
            return None
        with self._sessions() as session:
            room_id = session.scalar(select(RoomLink.room_id).where(RoomLink.token == token))
            if room_id is None:
                return None
            found = room_views(session, Room.id == room_id)
            return found[0] if found else None

    def display_token(self, building: str) -> str:
        """The building's lobby-display token, made on first use (operator's shell)."""
        now = self._clock()
        with transaction(self._sessions) as session:
            building_id = session.scalar(select(Building.id).where(Building.code == building))
            if building_id is None:
                raise NotFound.coded("no_building", building=building)
            values = {"building_id": building_id, "token": new_token(), "created_at": now}
            insert_ignoring_conflicts(session, BuildingDisplay, values, on=["building_id"])
            query = select(BuildingDisplay.token).where(BuildingDisplay.building_id == building_id)
            return str(session.scalars(query).one())

    def display_link(self, actor: Actor, building: str) -> str:
        """The building's display token for a facility manager of it (made on first use)."""
        if actor.role not in LINK_ROTATORS:
            raise NotAllowed.coded("may_not_print_links", role=actor.role, user=actor.username)
        if not actor.scope.allows(building):
            raise NotFound.coded("no_building", building=building)
        return self.display_token(building)

    def rotate_display(self, actor: Actor, building: str) -> str:
        """Give the building's lobby display a new token (a facility manager of it); the old
        display link answers 404 from now on. The new token."""
        if actor.role not in LINK_ROTATORS:
            raise NotAllowed.coded("may_not_print_links", role=actor.role, user=actor.username)
        if not actor.scope.allows(building):
            raise NotFound.coded("no_building", building=building)
        with transaction(self._sessions) as session:
            building_id = session.scalar(select(Building.id).where(Building.code == building))
            if building_id is None:
                raise NotFound.coded("no_building", building=building)
            session.execute(
                delete(BuildingDisplay).where(BuildingDisplay.building_id == building_id)
            )
        return self.display_token(building)

    def display_building(self, token: str) -> str | None:
        """The code of the building whose display token this is."""
        if not token or len(token) > 64:
            return None
        with self._sessions() as session:
            return session.scalar(
                select(Building.code)
                .join(BuildingDisplay, BuildingDisplay.building_id == Building.id)
                .where(BuildingDisplay.token == token)
            )


def _floor_exists(session: Session, building: str, floor: str) -> bool:
    query = select(Floor.id).join(Building).where(Building.code == building, Floor.code == floor)
    return session.scalar(query) is not None
