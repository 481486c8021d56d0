"""Running an inspection (score, photos, corrective work for what failed), reading them back,
and the scores over time of the monthly audit summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inspections.adapters.orm import Inspection, InspectionItem
from inspections.domain.kpis import month_bounds
from inspections.domain.model import (
    MAX_NOTE,
    Answer,
    AnswerError,
    Average,
    Marked,
    Result,
    Template,
    averages,
    parse_templates,
    score,
)
from maintenance.adapters.orm import Building, Room
from maintenance.domain.errors import InvalidInput, NotAllowed, NotFound
from maintenance.domain.sla import SlaTarget
from maintenance.domain.transitions import Actor
from maintenance.services.locations import room_views
from maintenance.services.records import insert_work_order, record
from maintenance.services.sla import load_targets
from maintenance.views import RoomView
from occupants.adapters.photos import PhotoStore
from udara.db import insert_ignoring_conflicts, transaction
from udara.scope import Scope

DEFAULT_TEMPLATES_FILE = Path(__file__).parents[1] / "templates.yaml"
INSPECTORS = ("facility_manager", "cleaning_supervisor")
WORK_TYPE, WORK_PRIORITY = "corrective", "medium"


def load_templates(path: Path = DEFAULT_TEMPLATES_FILE) -> dict[str, Template]:
    """The inspection templates of a YAML file (the shipped ones unless told otherwise)."""
    return parse_templates(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


@dataclass(frozen=True)
class ItemInput:
    """One item as the form sent it; `photo` the uploaded bytes."""

    item: str
    passed: bool | None = None
    score: int | None = None
    note: str = ""
    photo: bytes | None = None


@dataclass(frozen=True)
class InspectionInput:
    """A submitted inspection; `key` is made when the form is shown (resubmitting is safe)."""

    key: str
    template: str
    building: str
    room: str
    items: Sequence[ItemInput]
    asset_code: str | None = None
    note: str = ""


@dataclass(frozen=True)
class ItemView:
    """An answered item as the pages show it."""

    position: int
    item: str
    text: str
    kind: str
    passed: bool | None
    score: int | None
    percent: float
    failed: bool
    note: str
    has_photo: bool
    work_order_id: int | None


@dataclass(frozen=True)
class InspectionView:
    """An inspection as the pages, CSV and tests read it."""

    id: int
    template: str
    crew: str
    building: str
    room: str
    room_name: str
    asset_code: str | None
    inspector: str
    at: datetime
    score: float
    failed: int
    note: str
    items: tuple[ItemView, ...] = ()

    @property
    def work_orders(self) -> tuple[int, ...]:
        """The corrective work orders its failed items opened."""
        return tuple(i.work_order_id for i in self.items if i.work_order_id is not None)


@dataclass(frozen=True)
class AuditSummary:
    """A building's month of inspections: every one, and their scores grouped."""

    building: str
    building_name: str
    month: date
    tz: str
    inspections: tuple[InspectionView, ...]
    by_week: tuple[Average, ...]
    by_crew: tuple[Average, ...]
    by_room: tuple[Average, ...]
    by_template: tuple[Average, ...]
    by_room_week: tuple[Average, ...] = ()

    @property
    def weeks(self) -> list[str]:
        """The weeks (their Mondays) that had inspections, in order."""
        return [a.key[0] for a in self.by_week]

    def room_weeks(self) -> list[tuple[str, dict[str, Average]]]:
        """Each room's mean score per week: (room, week → average), rooms in order."""
        rows: dict[str, dict[str, Average]] = {}
        for a in self.by_room_week:
            rows.setdefault(a.key[0], {})[a.key[1]] = a
        return sorted(rows.items())

    @property
    def mean(self) -> float | None:
        """The month's mean score (None: no inspection)."""
        scores = [i.score for i in self.inspections]
        return round(sum(scores) / len(scores), 1) if scores else None

    @property
    def failed_items(self) -> int:
        return sum(i.failed for i in self.inspections)


def _clean(text: str | None, limit: int) -> str:
    return (text or "").strip()[:limit]


class InspectionService:
    """Inspections of the user's buildings: run one, read them, sum up a month."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime],
        templates: Mapping[str, Template],
        photos: PhotoStore,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self.templates = dict(templates)
        self.photos = photos

    def template(self, code: str) -> Template:
        """The template `code`; InvalidInput when there is none."""
        found = self.templates.get(code)
        if found is None:
            raise InvalidInput.coded("no_template", template=code)
        return found

    # --- running one ---
    def submit(self, actor: Actor, data: InspectionInput) -> InspectionView:
        """Record an inspection; each failed item opens a corrective work order for the
        template's crew with the item's text and photo. The same `key` again returns the
        inspection already recorded and opens nothing."""
        if actor.role not in INSPECTORS or not actor.active:
            raise NotAllowed.coded("may_not_inspect", role=actor.role, user=actor.username)
        if not actor.scope.allows(data.building):
            raise NotFound.coded("no_room", building=data.building, room=data.room)
        given = _clean(data.key, 64)
        if not given:
            raise InvalidInput.coded("must_be_one_of", what="key", allowed="a form's key")
        # The key is the inspector's own: nobody reaches another's inspection by its key.
        key = f"{actor.username}/{given}"
        existing = self._by_key(key, actor.scope)
        if existing is not None:
            return existing
        template = self.template(data.template)
        photos = {i.item: self.photos.put(i.photo) for i in data.items if i.photo}
        answers = [
            Answer(i.item, i.passed, i.score, _clean(i.note, MAX_NOTE), i.item in photos)
            for i in data.items
        ]
        try:
            scored = score(template, answers)
        except AnswerError as exc:
            raise InvalidInput.coded(exc.code, item=exc.item) from exc
        now = self._clock()
        with transaction(self._sessions) as session:
            rooms = room_views(session, Building.code == data.building, Room.code == data.room)
            if not rooms:
                raise NotFound.coded("no_room", building=data.building, room=data.room)
            room = rooms[0]
            building_id = session.scalars(
                select(Building.id).where(Building.code == data.building)
            ).one()
            values = {
                "key": key, "template": template.code, "crew_id": template.crew,
                "building_id": building_id, "room_id": room.id,
                "asset_code": _clean(data.asset_code, 64) or None, "inspector": actor.username,
                "at": now, "score": scored.score, "failed": len(scored.failures),
                "note": _clean(data.note, MAX_NOTE),
            }  # fmt: skip
            new_id = insert_ignoring_conflicts(session, Inspection, values, on=["key"])
            if new_id is not None:  # None: a concurrent submit of the same form won
                self._record_items(session, int(new_id), template, scored.items, room,
                                   building_id, photos, now, actor.username)  # fmt: skip
        if new_id is None:
            found = self._by_key(key, actor.scope)
            if found is None:  # recorded in a building the inspector no longer reaches
                raise NotFound.coded("no_room", building=data.building, room=data.room)
            return found
        return self.get(int(new_id), scope=actor.scope)

    def _record_items(
        self, session: Session, inspection_id: int, template: Template, marks: Sequence[Marked],
        room: RoomView, building_id: int, photos: Mapping[str, str], now: datetime, actor: str,
    ) -> None:  # fmt: skip
        target = load_targets(session)[(WORK_TYPE, WORK_PRIORITY)]
        for position, mark in enumerate(marks):
            photo = photos.get(mark.item.code)
            wo_id = None
            if mark.failed:
                wo_id = self._open_work(session, inspection_id, template, mark, room.id,
                                        building_id, room.name, now, actor, target)  # fmt: skip
            session.add(InspectionItem(
                inspection_id=inspection_id, position=position, item=mark.item.code,
                text=mark.item.words("id")[:300], kind=mark.item.kind, weight=mark.item.weight,
                passed=mark.answer.passed, score=mark.answer.score, percent=mark.percent,
                failed=mark.failed, note=mark.answer.note, photo=photo, work_order_id=wo_id,
            ))  # fmt: skip

    def _open_work(
        self, session: Session, inspection_id: int, template: Template, mark: Marked, room_id: int,
        building_id: int, room_name: str, now: datetime, actor: str, target: SlaTarget,
    ) -> int:  # fmt: skip
        item = mark.item
        lines = [f"{template.words('id')} #{inspection_id}: {item.words('id')}",
                 f"({template.words('en')}: {item.words('en')})"]  # fmt: skip
        if mark.answer.note:
            lines.append(mark.answer.note)
        values = {
            "type": WORK_TYPE, "crew_id": template.crew, "building_id": building_id,
            "room_id": room_id, "priority": WORK_PRIORITY, "checklist": [],
            "title": f"{item.words('id')} — {room_name}"[:200], "source": "inspection",
            "description": "\n".join(lines),
        }  # fmt: skip
        wo_id = insert_work_order(session, values, target=target, start=now, now=now,
                                  actor=actor)  # fmt: skip
        assert wo_id is not None  # noqa: S101 - a plain insert always returns its key
        record(session, wo_id, now, actor, "note",
               text=f"inspection #{inspection_id}: {item.code}")  # fmt: skip
        return wo_id

    # --- reading ---
    def _rows(
        self, session: Session, *where: Any, limit: int | None = None, offset: int = 0
    ) -> list[InspectionView]:
        query = (
            select(Inspection, Building.code, Room.code, Room.name)
            .join(Building, Building.id == Inspection.building_id)
            .join(Room, Room.id == Inspection.room_id)
            .where(*where)
            .order_by(Inspection.at.desc(), Inspection.id.desc())
            .limit(limit)
            .offset(offset)
        )
        rows = session.execute(query).all()
        items: dict[int, list[ItemView]] = {}
        ids = [r[0].id for r in rows]
        for start in range(0, len(ids), 500):
            for it in session.scalars(
                select(InspectionItem)
                .where(InspectionItem.inspection_id.in_(ids[start : start + 500]))
                .order_by(InspectionItem.position)
            ):
                items.setdefault(it.inspection_id, []).append(ItemView(
                    it.position, it.item, it.text, it.kind, it.passed, it.score, it.percent,
                    it.failed, it.note, it.photo is not None, it.work_order_id,
                ))  # fmt: skip
        return [
            InspectionView(i.id, i.template, i.crew_id, b, r, name, i.asset_code, i.inspector,
                           i.at, i.score, i.failed, i.note, tuple(items.get(i.id, ())))
            for i, b, r, name in rows
        ]  # fmt: skip

    def _scoped(self, scope: Scope, building: str | None) -> list[Any]:
        buildings = scope.narrow(building)
        return [] if buildings is None else [Building.code.in_(buildings)]

    def _by_key(self, key: str, scope: Scope) -> InspectionView | None:
        with self._sessions() as session:
            found = self._rows(session, Inspection.key == key, *self._scoped(scope, None))
        return found[0] if found else None

    def get(self, inspection_id: int, *, scope: Scope) -> InspectionView:
        """One inspection; NotFound outside `scope`, as if it did not exist."""
        with self._sessions() as session:
            found = self._rows(session, Inspection.id == inspection_id,
                               *self._scoped(scope, None))  # fmt: skip
        if not found:
            raise NotFound.coded("no_inspection", id=inspection_id)
        return found[0]

    def recent(
        self, *, scope: Scope, building: str | None = None, start: datetime | None = None,
        end: datetime | None = None, limit: int | None = None, offset: int = 0,
    ) -> list[InspectionView]:  # fmt: skip
        """Inspections of the buildings in `scope`, newest first (a page of them with
        `limit` and `offset`)."""
        where = self._scoped(scope, building)
        if start is not None:
            where.append(Inspection.at >= start)
        if end is not None:
            where.append(Inspection.at < end)
        with self._sessions() as session:
            return self._rows(session, *where, limit=limit, offset=offset)

    def photo(self, inspection_id: int, position: int, *, scope: Scope) -> bytes | None:
        """The photo of one item of an inspection in `scope` (None: no such photo)."""
        self.get(inspection_id, scope=scope)
        with self._sessions() as session:
            digest = session.scalar(
                select(InspectionItem.photo).where(
                    InspectionItem.inspection_id == inspection_id,
                    InspectionItem.position == position,
                )
            )
        return self.photos.get(digest) if digest else None

    def work_order_photos(self, wo_id: int) -> list[str]:
        """Digests of the photos of the failed items that opened work order `wo_id` (the
        caller has checked that its reader may see the work order)."""
        with self._sessions() as session:
            found = session.scalars(
                select(InspectionItem.photo)
                .where(InspectionItem.work_order_id == wo_id, InspectionItem.photo.is_not(None))
                .order_by(InspectionItem.id)
            )
            return [p for p in found if p]

    # --- scores over time ---
    def audit_summary(self, *, scope: Scope, building: str, month: date) -> AuditSummary:
        """A building's inspections of `month` (its local month) and their mean scores by
        week, crew, room and template; NotFound for a building outside `scope`."""
        if not scope.allows(building):
            raise NotFound.coded("no_building", building=building)
        with self._sessions() as session:
            found = session.execute(
                select(Building.name, Building.timezone).where(Building.code == building)
            ).first()
        if found is None:
            raise NotFound.coded("no_building", building=building)
        name, tz = found
        start, end = month_bounds(month, tz)
        done = self.recent(scope=scope, building=building, start=start, end=end)
        results = [Result(i.at, i.crew, i.room, i.template, i.score) for i in done]
        return AuditSummary(
            building, name, month, tz, tuple(done),
            tuple(averages(results, tz, ["week"])), tuple(averages(results, tz, ["crew"])),
            tuple(averages(results, tz, ["room"])), tuple(averages(results, tz, ["template"])),
            tuple(averages(results, tz, ["room", "week"])),
        )  # fmt: skip


def move_room_inspections(session: Session, from_room: int, into_room: int) -> int:
    """A room merged into another (in the merge's transaction): its inspections become the
    other room's."""
    moved = session.execute(
        update(Inspection)
        .where(Inspection.room_id == from_room)
        .values(room_id=into_room)
        .execution_options(synchronize_session=False)
    )
    return int(moved.rowcount)  # type: ignore[attr-defined]
