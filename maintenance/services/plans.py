"""Plan use cases: list, create, update (only future untouched work changes), calendar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Building, Crew, Plan, WorkOrder, WorkOrderEvent
from maintenance.adapters.sql import lock
from maintenance.domain.errors import InvalidInput, NotFound
from maintenance.domain.transitions import check_manage_plans
from maintenance.services import calendar
from maintenance.services.locations import ensure_building, find_room
from maintenance.services.plan_rows import (
    SCHEDULE_FIELDS,
    PlanSpec,
    changed_fields,
    occurrence_due,
    plan_view,
    row_values,
    spec_of,
)
from maintenance.services.records import checklist_from, record
from maintenance.services.sla import load_targets
from maintenance.services.users import load_actor
from maintenance.views import Occurrence, PlanView
from udara.db import transaction
from udara.scope import EVERYTHING, Scope


def save_plan(session: Session, spec: PlanSpec, now: datetime, default_tz: str) -> tuple[int, str]:
    """Create or update plan `spec.code` in `session`; returns (id, created/updated/same)."""
    if session.get(Crew, spec.crew) is None:
        raise InvalidInput.coded("no_crew", crew=spec.crew)
    building = session.scalar(select(Building).where(Building.code == spec.building))
    if building is None:
        building = session.get_one(Building, ensure_building(session, spec.building, default_tz))
    spec.validate(building.timezone)
    room = find_room(session, spec.building, spec.room) if spec.room else None
    if spec.room and room is None:
        raise InvalidInput.coded("no_room", building=spec.building, room=spec.room)
    values = row_values(spec, building.id, room.id if room else None)
    plan_id = session.scalar(select(Plan.id).where(Plan.code == spec.code))
    if plan_id is None:
        # Plans never back-fill the time before they existed: generation starts now.
        plan = Plan(**values, generated_until=now, version=0, created_at=now, updated_at=now)
        session.add(plan)
        session.flush()
        return plan.id, "created"
    lock(session, Plan, plan_id)
    plan = session.get_one(Plan, plan_id, populate_existing=True)
    changed = changed_fields(spec_of(session, plan), spec)
    if not changed:
        return plan.id, "same"
    for name, value in values.items():
        setattr(plan, name, value)
    plan.updated_at = now
    _rewrite_future(session, plan, now, regenerate=bool(changed & SCHEDULE_FIELDS))
    return plan.id, "updated"


def _rewrite_future(session: Session, plan: Plan, now: datetime, regenerate: bool) -> None:
    """Bring untouched future work orders in line with an edited plan; leave the rest alone."""
    # Lock the rows that are still untouched: a person touching one meanwhile keeps it.
    untouched = (
        update(WorkOrder)
        .where(
            WorkOrder.plan_id == plan.id,
            WorkOrder.touched.is_(False),
            WorkOrder.status == "open",
            WorkOrder.occurrence_at > now,
        )
        .values(version=WorkOrder.version + 1)
        .returning(WorkOrder.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(session.execute(untouched).scalars())
    rows = list(
        session.scalars(
            select(WorkOrder).where(WorkOrder.id.in_(ids)).execution_options(populate_existing=True)
        )
    )
    if regenerate:
        session.execute(delete(WorkOrderEvent).where(WorkOrderEvent.work_order_id.in_(ids)))
        session.execute(delete(WorkOrder).where(WorkOrder.id.in_(ids)))
        plan.generated_until = min(plan.generated_until, now)
        return
    target = load_targets(session)[(plan.type, plan.priority)]
    for wo in rows:
        assert wo.occurrence_at is not None  # noqa: S101 - plan work always has one
        wo.title, wo.description, wo.type = plan.title, plan.description, plan.type
        wo.crew_id, wo.priority = plan.crew_id, plan.priority
        wo.checklist = checklist_from(plan.checklist)
        wo.due_at = occurrence_due(plan, wo.occurrence_at)
        wo.respond_by = wo.occurrence_at + target.respond
        wo.updated_at = now
        record(session, wo.id, now, "system", "plan_updated", plan_id=plan.id)


class PlanService:
    """Recurring plans and what they will produce."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        default_timezone: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = session_factory
        self._tz = default_timezone
        self._clock = clock

    def get(self, plan_id: int, *, scope: Scope) -> PlanView:
        """One plan; NotFound if missing or of a building out of `scope`."""
        with self._sessions() as session:
            plan = session.get(Plan, plan_id)
            view = plan_view(session, plan) if plan is not None else None
            if view is None or not scope.allows(view.building):
                raise NotFound.coded("no_plan", id=plan_id)
            return view

    def create(self, spec: PlanSpec, by_user: str, now: datetime) -> PlanView:
        """Add a plan (InvalidInput if its code exists); generation starts at `now`."""
        with transaction(self._sessions) as session:
            actor = load_actor(session, by_user)
            check_manage_plans(actor)
            if not actor.scope.allows(spec.building):
                raise InvalidInput.coded("no_building", building=spec.building)
            if session.scalar(select(Plan.id).where(Plan.code == spec.code)) is not None:
                raise InvalidInput.coded("plan_exists", code=spec.code)
            plan_id, _ = save_plan(session, spec, now, self._tz)
            return plan_view(session, session.get_one(Plan, plan_id))

    def update(self, plan_id: int, by_user: str, now: datetime, **changes: Any) -> PlanView:
        """Change a plan's fields (JSON-like values fine); only future untouched orders follow."""
        with transaction(self._sessions) as session:
            actor = load_actor(session, by_user)
            check_manage_plans(actor)
            plan = session.get(Plan, plan_id)
            if plan is None or not actor.scope.allows(plan_view(session, plan).building):
                raise NotFound.coded("no_plan", id=plan_id)
            unknown = set(changes) - set(PlanSpec.__dataclass_fields__)
            if unknown:
                raise InvalidInput.coded("plan_field_unknown", fields=", ".join(sorted(unknown)))
            spec = PlanSpec.from_mapping({**asdict(spec_of(session, plan)), **changes})
            if not actor.scope.allows(spec.building):
                raise InvalidInput.coded("no_building", building=spec.building)
            if spec.code != plan.code:
                raise InvalidInput.coded("plan_code_fixed")
            save_plan(session, spec, now, self._tz)
            return plan_view(session, session.get_one(Plan, plan_id))

    def calendar(
        self,
        start: datetime,
        end: datetime,
        building: str | None = None,
        crew: str | None = None,
        *,
        scope: Scope,
    ) -> list[Occurrence]:
        """Occurrences in [start, end) of buildings in `scope`: generated, skipped, planned."""
        if building is not None and not scope.allows(building):
            raise NotFound.coded("no_building", building=building)
        with self._sessions() as session:
            found = calendar.occurrences(session, start, end, building, crew)
        return [occ for occ in found if scope.allows(occ.building)]

    def today(
        self,
        building: str,
        now: datetime | None = None,
        crew: str | None = None,
        *,
        scope: Scope,
    ) -> list[Occurrence]:
        """Today's schedule in the building's local day."""
        if not scope.allows(building):
            raise NotFound.coded("no_building", building=building)
        now = now or self._clock()
        with self._sessions() as session:
            return calendar.local_day(session, building, now, crew)

    def preview(self, days: int, now: datetime | None = None) -> list[Occurrence]:
        """What the plans of every building will produce over the next `days` days."""
        if days < 1:
            raise InvalidInput.coded("days_at_least_one")
        now = now or self._clock()
        return self.calendar(now, now + timedelta(days=days), scope=EVERYTHING)

    def list(
        self,
        building: str | None = None,
        crew: str | None = None,
        active: bool | None = None,
        *,
        scope: Scope,
    ) -> list[PlanView]:
        """Plans of the buildings in `scope`, by code."""
        buildings = scope.narrow(building)
        with self._sessions() as session:
            query = select(Plan).order_by(Plan.code)
            if buildings is not None:
                query = query.join(Building).where(Building.code.in_(buildings))
            if crew:
                query = query.where(Plan.crew_id == crew)
            if active is not None:
                query = query.where(Plan.active.is_(active))
            return [plan_view(session, p) for p in session.scalars(query)]
