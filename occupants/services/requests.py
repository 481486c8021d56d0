"""Occupant reports become requests (folded per room and category) and work orders."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Building, Crew, Floor, Room, WorkOrder
from maintenance.domain import transitions
from maintenance.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from maintenance.domain.model import PRIORITIES
from maintenance.domain.transitions import Actor
from maintenance.services.locations import room_views
from maintenance.services.records import insert_work_order, record
from maintenance.services.sla import load_targets
from maintenance.views import RoomView
from occupants.adapters.orm import OccupantReport, OccupantRequest, WorkOrderPhoto
from occupants.adapters.photos import PhotoStore
from occupants.domain.model import (
    AIR_CATEGORIES,
    CATEGORIES,
    MAX_CONTACT,
    MAX_MESSAGE,
    REQUEST_STATUSES,
    SYMPTOMS,
    OpenRequest,
    clean_symptoms,
    fold_key,
    folds_into,
    request_status,
)
from occupants.domain.rules import CategoryRule, Route, parse_rules, route
from occupants.domain.symptoms import SBS_METRICS, SymptomReport, is_symptom_report
from occupants.schemas import RequestOut
from udara.db import insert_ignoring_conflicts, transaction
from udara.scope import Scope

log = logging.getLogger(__name__)
DEFAULT_RULES_FILE = Path(__file__).parents[1] / "rules.yaml"
TRIAGERS = ("facility_manager", "cleaning_supervisor")
REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,190}\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9][0-9 .-]{6,18}[0-9]$")

AirNow = Callable[[str, str], Mapping[str, float]]


class RequestListener(Protocol):
    """Told inside the transaction that a request was rejected at triage (raising rolls the
    rejection back): notifications write the reporters' messages there."""

    def request_rejected(self, session: Session, request_id: int, at: datetime) -> None:
        """Called after the rejection is applied and before it commits."""


def load_rules(path: Path = DEFAULT_RULES_FILE) -> dict[str, CategoryRule]:
    """The category rules of a YAML file (the shipped ones unless told otherwise)."""
    return parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def new_ref() -> str:
    """A request reference: short to read out, too many to guess."""
    return "R" + "".join(secrets.choice(REF_ALPHABET) for _ in range(9))


@dataclass(frozen=True)
class ReportInput:
    """One occupant's report, as the public form sent it."""

    category: str
    message: str = ""
    symptoms: Sequence[str] = ()
    photo: bytes | None = None
    contact: str | None = None
    lang: str = "id"


@dataclass(frozen=True)
class RequestDetail:
    """A request for the triage page and the reporter's status page."""

    out: RequestOut
    room_name: str
    floor: str
    messages: tuple[str, ...] = ()
    photos: tuple[str, ...] = ()
    reject_reason: str | None = None
    completion_notes: str | None = None
    completed_at: datetime | None = None
    proposed_crew: str | None = None
    after_photos: tuple[str, ...] = ()  # the crew's, added when finishing (digests)
    contacts: tuple[tuple[str, str], ...] = field(default=(), repr=False)


def check_contact(contact: str | None) -> str | None:
    """An e-mail address or a phone number, or None; InvalidInput for anything else."""
    text = (contact or "").strip()
    if not text:
        return None
    if len(text) > MAX_CONTACT or not (EMAIL.match(text) or PHONE.match(text)):
        raise InvalidInput.coded("must_be_one_of", what="contact", allowed="e-mail, phone")
    return text


class OccupantRequests:
    """Reports in; requests and their work orders out; triage for what needs a person."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime],
        rules: Mapping[str, CategoryRule],
        photos: PhotoStore,
        air_now: AirNow,
        listeners: Sequence[RequestListener] = (),
    ) -> None:
        self._listeners = tuple(listeners)
        self._sessions = session_factory
        self._clock = clock
        self.rules = dict(rules)
        self.photos = photos
        self._air_now = air_now

    # --- reports ---
    def report(self, room: RoomView, data: ReportInput) -> str:
        """Record one report in `room`; the ref of the request it made or folded into."""
        if data.category not in CATEGORIES:
            raise InvalidInput.coded(
                "must_be_one_of", what="category", allowed=", ".join(CATEGORIES)
            )
        message = data.message.strip()[:MAX_MESSAGE]
        contact = check_contact(data.contact)
        symptoms = clean_symptoms(data.category, list(data.symptoms))
        photo = self.photos.put(data.photo) if data.photo else None  # PhotoRefused: a 400
        air = self._air(room) if data.category in AIR_CATEGORIES else None
        now = self._clock()
        report = {"at": now, "message": message, "symptoms": list(symptoms), "air": air,
                  "photo": photo, "contact": contact, "lang": data.lang[:8]}  # fmt: skip
        with transaction(self._sessions) as session:
            request = self._fold_or_open(session, room, data.category, now, air)
            if symptoms:
                request.symptoms = [s for s in SYMPTOMS if s in {*request.symptoms, *symptoms}]
            session.add(OccupantReport(request_id=request.id, **report))
            if request.work_order_id is not None and (message or photo):
                record(session, request.work_order_id, now, "occupant", "note",
                       text=f"{request.ref}: {message}" if message else request.ref)  # fmt: skip
            return request.ref

    def _air(self, room: RoomView) -> dict[str, float] | None:
        """The room's latest readings; None when InfluxDB cannot say (the report still counts)."""
        try:
            return {k: float(v) for k, v in self._air_now(room.building, room.code).items()}
        except Exception:
            log.warning("no readings for %s/%s with a report", room.building, room.code,
                        exc_info=True)  # fmt: skip
            return None

    def _fold_or_open(
        self, session: Session, room: RoomView, category: str, now: datetime, air: Any
    ) -> OccupantRequest:
        key = fold_key(room.id, category)
        for _ in range(3):  # only loops when a concurrent report opened the request first
            found = _locked_open(session, key)
            if found is not None:
                request = session.get_one(OccupantRequest, found, populate_existing=True)
                if folds_into(OpenRequest(request.created_at, _closed(session, request)), now):
                    request.reports += 1
                    request.last_report_at = now
                    request.air = request.air or air
                    return request
                request.open_key = None  # its window is over: the next report starts anew
                session.flush()
            target = route(self.rules, category, room.traffic)
            values = {"ref": new_ref(), "building_id": _building_id(session, room.building),
                      "room_id": room.id, "category": category, "symptoms": [], "status": "new",
                      "reports": 1, "air": air, "open_key": key, "created_at": now,
                      "last_report_at": now, "version": 0}  # fmt: skip
            new_id = insert_ignoring_conflicts(session, OccupantRequest, values, on=["open_key"])
            if new_id is None:
                continue
            request = session.get_one(OccupantRequest, new_id)
            if not target.triage:
                self._open_work(session, request, room, target, now, "occupant")
            return request
        raise RuntimeError(f"could not open or find the request for {key}")

    def _open_work(
        self, session: Session, request: OccupantRequest, room: RoomView, target: Route,
        now: datetime, actor: str,
    ) -> int:  # fmt: skip
        crew, priority = target.crew or "cleaning", target.priority
        values = {
            "type": target.type, "crew_id": crew, "building_id": request.building_id,
            "room_id": room.id, "title": target.title.format(room=room.name)[:200],
            "description": f"{request.ref} · {request.category}", "priority": priority,
            "checklist": [], "source": "request",
        }  # fmt: skip
        wo_id = insert_work_order(
            session, values, target=load_targets(session)[(target.type, priority)], start=now,
            now=now, actor=actor,
        )  # fmt: skip
        assert wo_id is not None  # noqa: S101 - a plain insert always returns its key
        request.work_order_id = wo_id
        request.status = "in_work_order"
        return wo_id

    # --- reading ---
    def list_requests(
        self, *, scope: Scope, status: str | None = None, building: str | None = None,
        limit: int = 500,
    ) -> list[RequestOut]:  # fmt: skip
        """Requests of the buildings in `scope`, newest first."""
        return [d.out for d in self.details(scope=scope, status=status, building=building,
                                            limit=limit)]  # fmt: skip

    def details(
        self, *, scope: Scope, status: str | None = None, building: str | None = None,
        limit: int = 500, ref: str | None = None, room_id: int | None = None,
    ) -> list[RequestDetail]:  # fmt: skip
        """Requests with what the pages show of them."""
        if status is not None and status not in REQUEST_STATUSES:
            raise InvalidInput.coded(
                "must_be_one_of", what="status", allowed=", ".join(REQUEST_STATUSES)
            )
        buildings = scope.narrow(building)
        query = _request_rows()
        if buildings is not None:
            query = query.where(Building.code.in_(buildings))
        if ref is not None:
            query = query.where(OccupantRequest.ref == ref)
        if room_id is not None:
            query = query.where(OccupantRequest.room_id == room_id)
        query = query.order_by(OccupantRequest.created_at.desc(), OccupantRequest.id.desc())
        with self._sessions() as session:
            rows = session.execute(query.limit(limit)).all()
            reports = _reports(session, [row[0].id for row in rows])
            after = _after_photos(session, [row[0].work_order_id for row in rows])
            found = [
                self._detail(row, reports.get(row[0].id, []),
                             after.get(row[0].work_order_id or 0, ()))
                for row in rows
            ]  # fmt: skip
        return [d for d in found if status is None or d.out.status == status]

    def _detail(
        self, row: Any, reports: list[OccupantReport], after: tuple[str, ...] = ()
    ) -> RequestDetail:
        request, building, room_code, room_name, floor, wo = row
        out = RequestOut(
            ref=request.ref, building=building, room=room_code, category=request.category,
            symptoms=list(request.symptoms), reports=request.reports,
            status=request_status(request.status, wo.status if wo else None),
            work_order_id=request.work_order_id, created_at=request.created_at,
            air=request.air if request.category in AIR_CATEGORIES else None,
        )  # fmt: skip
        return RequestDetail(
            out, room_name, floor,
            messages=tuple(r.message for r in reports if r.message),
            photos=tuple(dict.fromkeys(r.photo for r in reports if r.photo)),
            reject_reason=request.reject_reason,
            completion_notes=wo.completion_notes if wo else None,
            completed_at=wo.completed_at if wo else None,
            proposed_crew=self.rules[request.category].crew,
            after_photos=after,
            contacts=tuple((r.contact, r.lang) for r in reports if r.contact),
        )  # fmt: skip

    def get(self, ref: str, *, scope: Scope) -> RequestDetail:
        """One request; NotFound outside `scope`, as if it did not exist."""
        found = self.details(scope=scope, ref=ref, limit=1)
        if not found:
            raise NotFound.coded("no_request", ref=ref)
        return found[0]

    def for_room(self, room: RoomView, ref: str) -> RequestDetail:
        """The reporter's view: a request of this room only (another room's: NotFound)."""
        found = self.details(scope=Scope.of([room.building]), ref=ref, room_id=room.id, limit=1)
        if not found:
            raise NotFound.coded("no_request", ref=ref)
        return found[0]

    def work_order_photos(self, wo_id: int) -> list[str]:
        """Digests of the photos of the requests that became work order `wo_id`
        (the caller has checked that its reader may see the work order)."""
        query = (
            select(OccupantReport.photo)
            .join(OccupantRequest, OccupantRequest.id == OccupantReport.request_id)
            .where(OccupantRequest.work_order_id == wo_id, OccupantReport.photo.is_not(None))
            .order_by(OccupantReport.id)
        )
        with self._sessions() as session:
            return list(dict.fromkeys(p for p in session.scalars(query) if p))

    def symptom_reports(
        self, *, scope: Scope, building: str, start: datetime, end: datetime
    ) -> list[SymptomReport]:
        """The reports of symptoms made in `building` in [start, end), with the air recorded
        with each (CO2, PM2.5, temperature, humidity); none outside `scope`."""
        if not scope.allows(building):
            return []
        query = (
            select(OccupantReport.at, OccupantReport.symptoms, OccupantReport.air,
                   OccupantRequest.category, Room.code, Room.name)
            .join(OccupantRequest, OccupantRequest.id == OccupantReport.request_id)
            .join(Building, Building.id == OccupantRequest.building_id)
            .join(Room, Room.id == OccupantRequest.room_id)
            .where(Building.code == building, OccupantReport.at >= start,
                   OccupantReport.at < end, OccupantRequest.category.in_(AIR_CATEGORIES))
            .order_by(OccupantReport.at, OccupantReport.id)
        )  # fmt: skip
        found = []
        with self._sessions() as session:
            for at, symptoms, air, category, room, name in session.execute(query):
                if not is_symptom_report(category, symptoms or []):
                    continue
                kept = {m: float(v) for m, v in (air or {}).items()
                        if m in SBS_METRICS and isinstance(v, int | float)}  # fmt: skip
                found.append(SymptomReport(building, room, name or room, at,
                                           tuple(symptoms or ()), kept))  # fmt: skip
        return found

    def after_photos(self, wo_id: int) -> list[str]:
        """Digests of the after-photos the crew added to work order `wo_id`, oldest first
        (the caller has checked that its reader may see the work order)."""
        with self._sessions() as session:
            return list(_after_photos(session, [wo_id]).get(wo_id, ()))

    def keep_photo(self, data: bytes) -> str:
        """Check a photo by its content, re-encode and store it; its digest (PhotoRefused
        when it is not a JPEG or PNG Udara keeps)."""
        return self.photos.put(data)

    def attach_after_photo(self, wo_id: int, digest: str, by_user: str) -> None:
        """Record a kept photo as work order `wo_id`'s after-photo (once; the caller has
        just finished the work order as `by_user`)."""
        self.photos.path(digest)  # ValueError for anything but a digest
        values = {"work_order_id": wo_id, "kind": "after", "photo": digest,
                  "added_by": by_user[:64], "added_at": self._clock()}  # fmt: skip
        with transaction(self._sessions) as session:
            insert_ignoring_conflicts(session, WorkOrderPhoto, values,
                                      on=["work_order_id", "kind", "photo"])  # fmt: skip

    # --- triage ---
    def accept(
        self, actor: Actor, ref: str, *, crew: str | None = None, priority: str | None = None
    ) -> RequestDetail:
        """Turn a new request into a work order for `crew` (the rule's crew by default)."""
        now = self._clock()
        with transaction(self._sessions) as session:
            request, room = self._decidable(session, actor, ref)
            rule = self.rules[request.category]
            crew = crew or rule.crew or "cleaning"
            priority = priority or rule.priority_for(room.traffic)
            if priority not in PRIORITIES:
                raise InvalidInput.coded("unknown_type_or_priority")
            if session.get(Crew, crew) is None:
                raise InvalidInput.coded("no_crew", crew=crew)
            transitions.check_create(actor, crew)
            target = Route(False, crew, rule.type, priority, rule.title)
            self._open_work(session, request, room, target, now, actor.username)
            request.decided_by = actor.username
        return self.get(ref, scope=actor.scope)

    def reject(self, actor: Actor, ref: str, reason: str) -> RequestDetail:
        """Refuse a new request, saying why; it takes no more reports."""
        reason = reason.strip()[:MAX_MESSAGE]
        if not reason:
            raise InvalidInput.coded("reject_reason_needed")
        with transaction(self._sessions) as session:
            request, _ = self._decidable(session, actor, ref)
            request.status = "rejected"
            request.reject_reason = reason
            request.decided_by = actor.username
            request.open_key = None
            session.flush()
            for listener in self._listeners:
                listener.request_rejected(session, request.id, self._clock())
        return self.get(ref, scope=actor.scope)

    def _decidable(
        self, session: Session, actor: Actor, ref: str
    ) -> tuple[OccupantRequest, RoomView]:
        row = session.execute(
            select(OccupantRequest.id, Building.code, Room.code)
            .join(Building, Building.id == OccupantRequest.building_id)
            .join(Room, Room.id == OccupantRequest.room_id)
            .where(OccupantRequest.ref == ref)
        ).first()
        if row is None or not actor.scope.allows(row[1]):
            raise NotFound.coded("no_request", ref=ref)
        if actor.role not in TRIAGERS or not actor.active:
            raise NotAllowed.coded("may_not_triage", role=actor.role,
                                               user=actor.username)  # fmt: skip
        _locked(session, row[0])
        request = session.get_one(OccupantRequest, row[0], populate_existing=True)
        if request.status != "new":
            raise InvalidTransition.coded("request_decided", ref=ref, status=request.status)
        return request, room_views(session, Room.id == request.room_id)[0]


def _request_rows() -> Any:
    return (
        select(OccupantRequest, Building.code, Room.code, Room.name, Floor.code, WorkOrder)
        .join(Building, Building.id == OccupantRequest.building_id)
        .join(Room, Room.id == OccupantRequest.room_id)
        .join(Floor, Floor.id == Room.floor_id)
        .outerjoin(WorkOrder, WorkOrder.id == OccupantRequest.work_order_id)
    )


def _reports(session: Session, ids: list[int]) -> dict[int, list[OccupantReport]]:
    found: dict[int, list[OccupantReport]] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(OccupantReport)
            .where(OccupantReport.request_id.in_(ids[start : start + 500]))
            .order_by(OccupantReport.id)
        )
        for report in session.scalars(query):
            found.setdefault(report.request_id, []).append(report)
    return found


def _after_photos(session: Session, wo_ids: list[int | None]) -> dict[int, tuple[str, ...]]:
    ids = sorted({i for i in wo_ids if i is not None})
    if not ids:
        return {}
    found: dict[int, list[str]] = {}
    query = (
        select(WorkOrderPhoto.work_order_id, WorkOrderPhoto.photo)
        .where(WorkOrderPhoto.work_order_id.in_(ids), WorkOrderPhoto.kind == "after")
        .order_by(WorkOrderPhoto.id)
    )
    for wo_id, photo in session.execute(query):
        found.setdefault(wo_id, []).append(photo)
    return {k: tuple(v) for k, v in found.items()}


def _locked_open(session: Session, key: str) -> int | None:
    # UPDATE .. RETURNING locks the open request (or waits for whoever holds it).
    stmt = (
        update(OccupantRequest)
        .where(OccupantRequest.open_key == key)
        .values(version=OccupantRequest.version + 1)
        .returning(OccupantRequest.id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).scalar_one_or_none()


def _locked(session: Session, request_id: int) -> None:
    session.execute(
        update(OccupantRequest)
        .where(OccupantRequest.id == request_id)
        .values(version=OccupantRequest.version + 1)
        .execution_options(synchronize_session=False)
    )


def _closed(session: Session, request: OccupantRequest) -> bool:
    """Rejected, or its work finished or cancelled: it takes no more reports."""
    if request.status == "rejected":
        return True
    if request.work_order_id is None:
        return False
    wo_status = session.scalar(
        select(WorkOrder.status).where(WorkOrder.id == request.work_order_id)
    )
    return request_status(request.status, wo_status) in ("done", "rejected")


def _building_id(session: Session, code: str) -> int:
    return int(session.scalars(select(Building.id).where(Building.code == code)).one())


def move_room_requests(session: Session, from_room: int, into_room: int) -> int:
    """A room merged into another (in the merge's transaction): its requests become the
    other room's (they stop folding), and its printed link keeps working for that room
    unless the room has a link of its own."""
    from sqlalchemy import delete

    from occupants.adapters.orm import RoomLink

    moved = session.execute(
        update(OccupantRequest)
        .where(OccupantRequest.room_id == from_room)
        .values(room_id=into_room, open_key=None, version=OccupantRequest.version + 1)
        .execution_options(synchronize_session=False)
    )
    has_link = session.scalar(select(RoomLink.room_id).where(RoomLink.room_id == into_room))
    if has_link is None:
        session.execute(
            update(RoomLink).where(RoomLink.room_id == from_room).values(room_id=into_room)
        )
    else:
        session.execute(delete(RoomLink).where(RoomLink.room_id == from_room))
    return int(moved.rowcount)  # type: ignore[attr-defined]
