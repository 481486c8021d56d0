"""Who the people are, read in the caller's transaction: users with their scope, crews,
contact points and preferences; buildings' zones and hours; a work order's facts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from maintenance.adapters.orm import (
    Building,
    CrewMember,
    Room,
    User,
    UserBuilding,
    WorkOrder,
)
from maintenance.domain.hours import OperatingHours
from notifications.adapters.orm import ContactPoint, NotificationPrefs
from notifications.domain.model import Contact, Person, Prefs
from notifications.domain.timing import parse_quiet_hours
from occupants.adapters.orm import OccupantReport, OccupantRequest, RoomLink
from udara.scope import Scope


def prefs_of(row: NotificationPrefs | None) -> Prefs:
    """A preferences row as routing reads it (defaults when there is none)."""
    if row is None:
        return Prefs()
    quiet = None
    if row.quiet_hours:
        try:
            quiet = parse_quiet_hours(row.quiet_hours)
        except ValueError:
            quiet = None
    channels = {kind: tuple(chosen) for kind, chosen in (row.channels or {}).items()}
    return Prefs(row.lang or "id", bool(row.mute_warnings), quiet, row.timezone, channels)


def load_people(session: Session, where: ColumnElement[bool]) -> list[Person]:
    """The users matching `where`, with everything routing needs, in a few queries."""
    users = list(session.scalars(select(User).where(where).order_by(User.username)))
    if not users:
        return []
    ids = [u.id for u in users]
    scopes: dict[int, set[str]] = {}
    for user_id, code in session.execute(
        select(UserBuilding.user_id, Building.code)
        .join(Building, Building.id == UserBuilding.building_id)
        .where(UserBuilding.user_id.in_(ids))
    ):
        scopes.setdefault(user_id, set()).add(code)
    supervises: dict[int, set[str]] = {}
    for user_id, crew in session.execute(
        select(CrewMember.user_id, CrewMember.crew_id).where(
            CrewMember.user_id.in_(ids), CrewMember.is_supervisor.is_(True)
        )
    ):
        supervises.setdefault(user_id, set()).add(crew)
    contacts: dict[int, list[Contact]] = {}
    for row in session.scalars(
        select(ContactPoint).where(ContactPoint.user_id.in_(ids)).order_by(ContactPoint.channel)
    ):
        contacts.setdefault(row.user_id, []).append(Contact(row.channel, row.address))
    prefs = {
        row.user_id: row
        for row in session.scalars(
            select(NotificationPrefs).where(NotificationPrefs.user_id.in_(ids))
        )
    }
    return [
        Person(
            username=u.username,
            role=u.role,
            active=bool(u.active),
            scope=Scope.of(scopes.get(u.id)),
            supervises=frozenset(supervises.get(u.id, ())),
            contacts=tuple(contacts.get(u.id, ())),
            prefs=prefs_of(prefs.get(u.id)),
        )
        for u in users
    ]


def facility_managers(session: Session) -> list[Person]:
    """Every facility manager (routing keeps those who reach the building)."""
    return load_people(session, User.role == "facility_manager")


def crew_supervisors(session: Session, crews: Iterable[str]) -> list[Person]:
    """The supervisors of these crews."""
    wanted = sorted(set(crews))
    if not wanted:
        return []
    leads = select(CrewMember.user_id).where(
        CrewMember.crew_id.in_(wanted), CrewMember.is_supervisor.is_(True)
    )
    return load_people(session, User.id.in_(leads))


def supervisors(session: Session) -> list[Person]:
    """Cleaning supervisors and the supervisors of any crew."""
    leads = select(CrewMember.user_id).where(CrewMember.is_supervisor.is_(True))
    return load_people(session, (User.role == "cleaning_supervisor") | User.id.in_(leads))


def named(session: Session, usernames: Iterable[str]) -> list[Person]:
    """The users with these names (unknown names are left out)."""
    wanted = sorted({n for n in usernames if n})
    return load_people(session, User.username.in_(wanted)) if wanted else []


def user_id(session: Session, username: str) -> int | None:
    """The id of the user called `username`."""
    return session.scalar(select(User.id).where(User.username == username))


@dataclass(frozen=True)
class BuildingFacts:
    """A building's zone and operating hours."""

    code: str
    name: str
    timezone: str
    hours: OperatingHours


def building(session: Session, code: str) -> BuildingFacts | None:
    """The building with this code."""
    row = session.scalar(select(Building).where(Building.code == code))
    if row is None:
        return None
    try:
        hours = OperatingHours.from_json(row.hours)
    except ValueError:
        hours = OperatingHours()
    return BuildingFacts(row.code, row.name, row.timezone, hours)


def room_name(session: Session, building_code: str, room_code: str) -> str:
    """A room's name (its code when it has none or is unknown)."""
    name = session.scalar(
        select(Room.name)
        .join(Building, Building.id == Room.building_id)
        .where(Building.code == building_code, Room.code == room_code)
    )
    return name or room_code


@dataclass(frozen=True)
class WorkOrderFacts:
    """What a work-order message says and whom it goes to."""

    id: int
    title: str
    building: str
    room: str | None
    crew: str
    priority: str
    status: str
    due_at: datetime | None
    assignee: str | None
    created_by: str
    version: int


def work_order(session: Session, wo_id: int) -> WorkOrderFacts | None:
    """The work order's facts as they stand in this transaction."""
    wo = session.get(WorkOrder, wo_id)
    if wo is None:
        return None
    code = session.scalar(select(Building.code).where(Building.id == wo.building_id)) or ""
    room = session.scalar(select(Room.code).where(Room.id == wo.room_id)) if wo.room_id else None
    assignee = (
        session.scalar(select(User.username).where(User.id == wo.assignee_id))
        if wo.assignee_id
        else None
    )
    return WorkOrderFacts(
        wo.id, wo.title, code, room, wo.crew_id, wo.priority, wo.status, wo.due_at,
        assignee, wo.created_by, wo.version,
    )  # fmt: skip


@dataclass(frozen=True)
class Reporter:
    """An occupant who left a contact with a report that became a work order."""

    ref: str
    category: str
    contact: str
    lang: str
    room_token: str | None  # the room's current public link (None: rotated, not reprinted)
    room_name: str
    building: str
    building_name: str
    completion_notes: str | None
    reject_reason: str | None = None


def reporters(
    session: Session, *, wo_id: int | None = None, request_id: int | None = None
) -> list[Reporter]:
    """Whoever reported into work order `wo_id` (or into request `request_id`) and left a
    contact, oldest report first."""
    query = (
        select(OccupantRequest.ref, OccupantRequest.category, OccupantReport.contact,
               OccupantReport.lang, RoomLink.token, Room.name, Room.code, Building.code,
               Building.name, WorkOrder.completion_notes, OccupantRequest.reject_reason)
        .join(OccupantReport, OccupantReport.request_id == OccupantRequest.id)
        .join(Room, Room.id == OccupantRequest.room_id)
        .join(Building, Building.id == OccupantRequest.building_id)
        .outerjoin(WorkOrder, WorkOrder.id == OccupantRequest.work_order_id)
        .outerjoin(RoomLink, RoomLink.room_id == OccupantRequest.room_id)
        .where(OccupantReport.contact.is_not(None))
        .order_by(OccupantReport.id)
    )  # fmt: skip
    if wo_id is not None:
        query = query.where(OccupantRequest.work_order_id == wo_id)
    if request_id is not None:
        query = query.where(OccupantRequest.id == request_id)
    found = []
    for row in session.execute(query):
        ref, category, contact, lang, token, room_name, room_code, code, name, notes, why = row
        if contact:
            found.append(Reporter(ref, category, contact, lang or "id", token,
                                  room_name or room_code, code, name or code, notes,
                                  why))  # fmt: skip
    return found
