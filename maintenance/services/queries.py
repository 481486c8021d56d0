"""Read-side of work orders: filtered lists, one order, history, today's schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from assets.adapters.orm import AssetRow
from maintenance.adapters.orm import (
    Building,
    Floor,
    Room,
    User,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderVerification,
)
from maintenance.domain.errors import InvalidInput
from maintenance.domain.model import CLOSED_STATUSES, PRIORITIES, STATUSES, WORK_ORDER_TYPES
from maintenance.domain.verification import VERIFICATION_STATES
from maintenance.domain.visibility import WorkOrderVisibility
from maintenance.views import EventView

MAX_PAGE = 500


@dataclass(frozen=True)
class WorkOrderFilter:
    """What a work-order list may be narrowed by; None means any."""

    status: str | None = None
    crew: str | None = None
    assignee: str | None = None
    building: str | None = None
    floor: str | None = None
    room: str | None = None
    type: str | None = None
    priority: str | None = None
    overdue: bool | None = None
    open_only: bool = False
    plan_id: int | None = None
    asset: str | None = None  # an asset's code
    due_before: datetime | None = None
    due_after: datetime | None = None
    verification: str | None = None  # pending | verified | not_fixed (sensor verification)

    def __post_init__(self) -> None:
        """Reject values no work order can have (the API answers 422, not an empty list)."""
        for value, allowed, what in (
            (self.status, STATUSES, "status"),
            (self.type, WORK_ORDER_TYPES, "type"),
            (self.priority, PRIORITIES, "priority"),
            (self.verification, VERIFICATION_STATES, "verification"),
        ):
            if value is not None and value not in allowed:
                raise InvalidInput.coded("must_be_one_of", what=what, allowed=", ".join(allowed))


def visible(q: Select[WorkOrder], rule: WorkOrderVisibility) -> Select[WorkOrder]:
    """`q` narrowed to what `rule` admits: the list form of `WorkOrderVisibility.admits`."""
    if rule.scope.buildings is not None:
        q = q.where(
            WorkOrder.building_id.in_(
                select(Building.id).where(Building.code.in_(rule.scope.buildings))
            )
        )
    if rule.crews is not None:
        mine = [WorkOrder.crew_id.in_(rule.crews)]
        if rule.assignee is not None:
            assigned = select(User.id).where(User.username == rule.assignee)
            mine.append(WorkOrder.assignee_id.in_(assigned))
        q = q.where(or_(*mine))
    return q


def filtered(
    f: WorkOrderFilter, now: datetime, rule: WorkOrderVisibility | None = None
) -> Select[WorkOrder]:
    """A SELECT of work orders matching `f` (overdue as of `now`) that `rule` admits."""
    q = select(WorkOrder) if rule is None else visible(select(WorkOrder), rule)
    if f.status:
        q = q.where(WorkOrder.status == f.status)
    if f.open_only:
        q = q.where(WorkOrder.status.not_in(CLOSED_STATUSES))
    if f.crew:
        q = q.where(WorkOrder.crew_id == f.crew)
    if f.type:
        q = q.where(WorkOrder.type == f.type)
    if f.priority:
        q = q.where(WorkOrder.priority == f.priority)
    if f.verification:
        q = q.where(
            select(WorkOrderVerification.work_order_id)
            .where(
                WorkOrderVerification.work_order_id == WorkOrder.id,
                WorkOrderVerification.state == f.verification,
                WorkOrderVerification.since == WorkOrder.completed_at,
            )
            .exists()
        )
    if f.plan_id is not None:
        q = q.where(WorkOrder.plan_id == f.plan_id)
    if f.asset is not None:
        q = q.where(WorkOrder.asset_id.in_(select(AssetRow.id).where(AssetRow.code == f.asset)))
    if f.assignee:
        q = q.where(WorkOrder.assignee_id.in_(select(User.id).where(User.username == f.assignee)))
    if f.building:
        q = q.where(
            WorkOrder.building_id.in_(select(Building.id).where(Building.code == f.building))
        )
    if f.room:
        q = q.where(WorkOrder.room_id.in_(select(Room.id).where(Room.code == f.room)))
    if f.floor:
        q = q.where(WorkOrder.room_id.in_(select(Room.id).join(Floor).where(Floor.code == f.floor)))
    if f.due_before:
        q = q.where(WorkOrder.due_at < f.due_before)
    if f.due_after:
        q = q.where(WorkOrder.due_at >= f.due_after)
    if f.overdue is not None:
        late = (WorkOrder.status.not_in(CLOSED_STATUSES)) & (WorkOrder.due_at < now)
        q = q.where(late if f.overdue else or_(~late, WorkOrder.due_at.is_(None)))
    return q


def page(
    session: Session,
    f: WorkOrderFilter,
    now: datetime,
    limit: int,
    offset: int,
    rule: WorkOrderVisibility | None = None,
) -> tuple[list[WorkOrder], int]:
    """One page of matching work orders (soonest due first) and the total count."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit must be 1..{MAX_PAGE} and offset at least 0")
    q = filtered(f, now, rule)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    ordered = q.order_by(WorkOrder.due_at.is_(None), WorkOrder.due_at, WorkOrder.id)
    rows = list(session.scalars(ordered.limit(limit).offset(offset)))
    return rows, int(total)


def history(session: Session, wo_id: int) -> list[EventView]:
    """A work order's history, oldest first."""
    query = (
        select(WorkOrderEvent)
        .where(WorkOrderEvent.work_order_id == wo_id)
        .order_by(WorkOrderEvent.at, WorkOrderEvent.id)
    )
    return [
        EventView(e.at, e.actor, e.action, e.from_status, e.to_status, dict(e.detail))
        for e in session.scalars(query)
    ]
