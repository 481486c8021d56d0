"""Work-order use cases: create, list, transition, assign, checklist, notes, history."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assets.adapters.orm import AssetRow
from maintenance.adapters.orm import Building, Crew, User, WorkOrder, WorkOrderAlert
from maintenance.adapters.sql import lock
from maintenance.domain import transitions as rules
from maintenance.domain.errors import InvalidInput, NotFound
from maintenance.domain.model import CLOSED_STATUSES, PRIORITIES, WORK_ORDER_TYPES
from maintenance.domain.visibility import (
    may_see_building,
    may_see_colleague,
    work_order_visibility,
)
from maintenance.services import queries
from maintenance.services.events import WorkOrderChange, WorkOrderListener
from maintenance.services.locations import find_room
from maintenance.services.records import checklist_from, insert_work_order, record, views
from maintenance.services.sla import load_targets
from maintenance.services.users import load_actor
from maintenance.services.workflow import apply_transition
from maintenance.views import EventView, Page, WorkOrderView
from udara.db import transaction


class Unset(enum.Enum):
    """The type of UNSET: "leave this field alone", as opposed to None."""

    UNSET = enum.auto()


UNSET: Final = Unset.UNSET


class WorkOrderService:
    """The work-order use cases the web API and CLI call; `by_user` is a username."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime],
        listeners: Sequence[WorkOrderListener] = (),
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._listeners = tuple(listeners)

    def get(self, wo_id: int, now: datetime | None = None, *, viewer: rules.Actor) -> WorkOrderView:
        """One work order; NotFound if there is none or `viewer` may not see it."""
        with self._sessions() as session:
            _check_visible(session, self._row(session, wo_id), viewer)
            return self._view(session, wo_id, now or self._clock())

    def history(self, wo_id: int, *, viewer: rules.Actor) -> list[EventView]:
        """Who changed what and when, oldest first."""
        with self._sessions() as session:
            _check_visible(session, self._row(session, wo_id), viewer)
            return queries.history(session, wo_id)

    def create(
        self,
        by_user: str,
        now: datetime,
        *,
        type: str,
        crew: str,
        building: str,
        title: str,
        room: str | None = None,
        description: str = "",
        priority: str = "medium",
        checklist: Sequence[str] = (),
        due_at: datetime | None = None,
        asset: str | None = None,
    ) -> WorkOrderView:
        """Raise a work order by hand; deadlines follow the SLA unless `due_at` is given.
        `asset` (a code) must be equipment of the same building."""
        if type not in WORK_ORDER_TYPES or priority not in PRIORITIES:
            raise InvalidInput.coded("unknown_type_or_priority")
        if not title.strip():
            raise InvalidInput.coded("empty_title")
        with transaction(self._sessions) as session:
            actor = load_actor(session, by_user)
            rules.check_create(actor, crew)
            if session.get(Crew, crew) is None:
                raise InvalidInput.coded("no_crew", crew=crew)
            building_id = session.scalar(select(Building.id).where(Building.code == building))
            if building_id is None or not may_see_building(actor, building):
                raise InvalidInput.coded("no_building", building=building)
            room_row = find_room(session, building, room) if room else None
            if room and room_row is None:
                raise InvalidInput.coded("no_room", building=building, room=room)
            asset_id = None
            if asset:
                asset_id = session.scalar(
                    select(AssetRow.id).where(
                        AssetRow.code == asset, AssetRow.building_id == building_id
                    )
                )
                if asset_id is None:
                    raise InvalidInput.coded("asset_other_building", asset=asset, building=building)
            values: dict[str, Any] = {
                "asset_id": asset_id,
                "type": type, "crew_id": crew, "building_id": building_id,
                "room_id": room_row.id if room_row else None, "title": title.strip(),
                "description": description, "priority": priority,
                "checklist": checklist_from(checklist), "source": "manual", "touched": True,
            }  # fmt: skip
            if due_at is not None:
                values["due_at"] = due_at
            target = load_targets(session)[(type, priority)]
            wo_id = insert_work_order(
                session, values, target=target, start=now, now=now, actor=by_user
            )
            assert wo_id is not None  # noqa: S101 - a plain insert always returns its key
            return self._view(session, wo_id, now)

    def transition(
        self,
        wo_id: int,
        to_status: str,
        by_user: str,
        now: datetime,
        notes: str | None = None,
        time_spent: int | None = None,
    ) -> WorkOrderView:
        """Move a work order to `to_status` if the status machine and roles allow it."""
        return self.update(
            wo_id, by_user, now, status=to_status, notes=notes, time_spent=time_spent
        )

    def assign(
        self, wo_id: int, assignee: str | None, by_user: str, now: datetime
    ) -> WorkOrderView:
        """Give the work order to `assignee` (None takes it back to open)."""
        return self.update(wo_id, by_user, now, assignee=assignee)

    def tick(
        self, wo_id: int, index: int, done: bool, by_user: str, now: datetime
    ) -> WorkOrderView:
        """Tick (or untick) checklist item `index`."""
        return self.update(wo_id, by_user, now, ticks=((index, done),))

    def add_note(self, wo_id: int, text: str, by_user: str, now: datetime) -> WorkOrderView:
        """Add a note to the history."""
        return self.update(wo_id, by_user, now, notes=text)

    def update(
        self,
        wo_id: int,
        by_user: str,
        now: datetime,
        *,
        assignee: str | None | Unset = UNSET,
        ticks: Sequence[tuple[int, bool]] = (),
        status: str | None = None,
        notes: str | None = None,
        time_spent: int | None = None,
    ) -> WorkOrderView:
        """Apply several changes as one: all of them, or none when any step is refused.

        In order: `assignee` (None takes the work back to open), checklist `ticks`
        (index, done), then `status` with `notes` and `time_spent` as the transition's, or
        `notes` alone as a note. Every step is checked and applied on one locked row in one
        transaction; a refusal (NotFound, NotAllowed, InvalidTransition, InvalidInput)
        rolls back the steps before it.
        """
        if time_spent is not None and time_spent < 0:
            raise InvalidInput.coded("negative_time_spent")
        if time_spent is not None and status is None:
            raise InvalidInput.coded("time_spent_without_status")
        if status is None and notes is not None and not notes.strip():
            raise InvalidInput.coded("empty_note")
        with transaction(self._sessions) as session:
            wo = self._locked(session, wo_id)
            actor = load_actor(session, by_user)
            _check_visible(session, wo, actor)
            before = (wo.assignee_id, wo.status)
            if not isinstance(assignee, Unset):
                _assign(session, wo, actor, assignee, now)
            for index, done in ticks:
                _tick(session, wo, actor, index, done, now)
            if status is not None:
                apply_transition(session, wo, actor, status, now, notes, time_spent)
            elif notes is not None:
                rules.check_comment(actor)
                _touch(wo, now)
                record(session, wo_id, now, by_user, "note", text=notes.strip())
            self._tell(session, wo, before, by_user, now)
            return self._view(session, wo_id, now)

    def _tell(
        self,
        session: Session,
        wo: WorkOrder,
        before: tuple[int | None, str],
        by_user: str,
        now: datetime,
    ) -> None:
        """Tell listeners, in this transaction, that work was given to someone, started,
        finished or cancelled."""
        if not self._listeners:
            return
        changes = []
        if wo.assignee_id is not None and wo.assignee_id != before[0]:
            assignee = session.get_one(User, wo.assignee_id).username
            changes.append(WorkOrderChange("assigned", wo.id, now, by_user, wo.version, assignee))
        if wo.status == "in_progress" and before[1] != "in_progress":
            changes.append(WorkOrderChange("started", wo.id, now, by_user, wo.version))
        if wo.status == "done" and before[1] != "done":
            changes.append(WorkOrderChange("done", wo.id, now, by_user, wo.version))
        if wo.status == "cancelled" and before[1] != "cancelled":
            changes.append(WorkOrderChange("cancelled", wo.id, now, by_user, wo.version))
        for change in changes:
            for listener in self._listeners:
                listener.work_order_changed(session, change)

    def open_for_alerts(self, alert_ids: Sequence[int]) -> dict[int, int]:
        """Alert id → id of the open work order it feeds (the newest, if several), for the
        alerts given: two indexed lookups, however many work orders are open."""
        if not alert_ids:
            return {}
        ids = list(set(alert_ids))
        still_open = WorkOrder.status.not_in(CLOSED_STATUSES)
        direct = select(WorkOrder.alert_id, WorkOrder.id).where(
            WorkOrder.alert_id.in_(ids), still_open
        )
        attached = (
            select(WorkOrderAlert.alert_id, WorkOrder.id)
            .join(WorkOrder, WorkOrder.id == WorkOrderAlert.work_order_id)
            .where(WorkOrderAlert.alert_id.in_(ids), still_open)
        )
        found: dict[int, int] = {}
        with self._sessions() as session:
            for alert_id, wo_id in [*session.execute(direct), *session.execute(attached)]:
                if alert_id is not None and wo_id > found.get(alert_id, 0):
                    found[alert_id] = wo_id
        return found

    def list(
        self,
        f: queries.WorkOrderFilter | None = None,
        *,
        viewer: rules.Actor,
        limit: int = 50,
        offset: int = 0,
        now: datetime | None = None,
    ) -> Page:
        """A page of the work orders `viewer` may see matching `f`, soonest due first."""
        now = now or self._clock()
        rule = work_order_visibility(viewer)
        with self._sessions() as session:
            rows, total = queries.page(
                session, f or queries.WorkOrderFilter(), now, limit, offset, rule
            )
            return Page(tuple(views(session, rows, now)), total, limit, offset)

    @staticmethod
    def _row(session: Session, wo_id: int) -> WorkOrder:
        wo = session.get(WorkOrder, wo_id)
        if wo is None:
            raise NotFound.coded("no_work_order", id=wo_id)
        return wo

    @staticmethod
    def _locked(session: Session, wo_id: int) -> WorkOrder:
        if not lock(session, WorkOrder, wo_id):
            raise NotFound.coded("no_work_order", id=wo_id)
        return session.get_one(WorkOrder, wo_id, populate_existing=True)

    @staticmethod
    def _view(session: Session, wo_id: int, now: datetime) -> WorkOrderView:
        wo = session.get(WorkOrder, wo_id)
        if wo is None:
            raise NotFound.coded("no_work_order", id=wo_id)
        return views(session, [wo], now)[0]


def _facts(session: Session, wo: WorkOrder) -> rules.WorkOrderFacts:
    assignee = session.get(User, wo.assignee_id) if wo.assignee_id else None
    building = session.get_one(Building, wo.building_id)
    return rules.WorkOrderFacts(
        wo.status, wo.crew_id, assignee.username if assignee else None, building.code
    )


def _check_visible(session: Session, wo: WorkOrder, viewer: rules.Actor) -> None:
    """NotFound unless `viewer` may see `wo`: to them it does not exist."""
    if not work_order_visibility(viewer).admits(_facts(session, wo)):
        raise NotFound.coded("no_work_order", id=wo.id)


def _assign(
    session: Session, wo: WorkOrder, actor: rules.Actor, assignee: str | None, now: datetime
) -> None:
    if assignee is None:
        apply_transition(session, wo, actor, "open", now, None, None)
        return
    facts = _facts(session, wo)
    person = load_actor(session, assignee)
    if not may_see_colleague(actor, person.scope):  # as if there were no such person
        raise NotFound.coded("no_user", user=assignee)
    rules.check_assign(actor, facts, person)
    user = session.scalars(select(User).where(User.username == assignee)).one()
    old_status = wo.status
    wo.assignee_id = user.id
    if wo.status == "open":
        wo.status = "assigned"
    wo.responded_at = wo.responded_at or now
    _touch(wo, now)
    record(session, wo.id, now, actor.username, "assigned", old_status, wo.status,
           assignee=assignee, previous=facts.assignee)  # fmt: skip


def _tick(
    session: Session, wo: WorkOrder, actor: rules.Actor, index: int, done: bool, now: datetime
) -> None:
    rules.check_work_on(actor, _facts(session, wo))
    if not 0 <= index < len(wo.checklist):
        raise InvalidInput.coded("no_checklist_item", index=index)
    items = [dict(item) for item in wo.checklist]  # a new list, so the JSON column saves
    items[index].update(done=done, done_by=actor.username if done else None,
                        done_at=now.isoformat() if done else None)  # fmt: skip
    wo.checklist = items
    _touch(wo, now)
    record(session, wo.id, now, actor.username, "checklist", item=index, done=done)


def _touch(wo: WorkOrder, now: datetime) -> None:
    wo.touched = True
    wo.updated_at = now
