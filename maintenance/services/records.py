"""Shared writes: inserting work orders, recording history, building views."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assets.adapters.orm import AssetRow
from maintenance.adapters.orm import (
    Building,
    Floor,
    Room,
    User,
    WorkOrder,
    WorkOrderAlert,
    WorkOrderEvent,
    WorkOrderVerification,
)
from maintenance.adapters.sql import insert_ignore
from maintenance.domain.model import CLOSED_STATUSES
from maintenance.domain.sla import SlaTarget
from maintenance.views import ChecklistItem, VerificationView, WorkOrderView


def record(
    session: Session,
    wo_id: int,
    at: datetime,
    actor: str,
    action: str,
    from_status: str | None = None,
    to_status: str | None = None,
    **detail: Any,
) -> None:
    """Append one line to a work order's history."""
    session.add(
        WorkOrderEvent(
            work_order_id=wo_id,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            detail=detail,
        )  # fmt: skip
    )


def checklist_from(items: Iterable[str]) -> list[dict[str, Any]]:
    """A fresh, unticked copy of a template checklist."""
    return [{"text": str(text), "done": False, "done_by": None, "done_at": None} for text in items]


def insert_work_order(
    session: Session,
    values: dict[str, Any],
    *,
    target: SlaTarget,
    start: datetime,
    now: datetime,
    actor: str,
    on: list[str] | None = None,
    due_within: timedelta | None = None,
) -> int | None:
    """Insert a work order with SLA deadlines counted from `start`; None if `on` conflicted."""
    row = {
        "status": "open",
        "description": "",
        "checklist": [],
        "escalation_level": 0,
        "touched": False,
        "version": 0,
        **values,
        "created_at": now,
        "updated_at": now,
        "created_by": actor,
        "respond_by": start + target.respond,
    }
    row.setdefault("due_at", start + (due_within or target.resolve))
    if on:
        wo_id = insert_ignore(session, WorkOrder, row, on=on)
    else:
        wo = WorkOrder(**row)
        session.add(wo)
        session.flush()
        wo_id = wo.id
    if wo_id is not None:
        record(session, wo_id, now, actor, "created", to_status="open", source=row["source"])
    return int(wo_id) if wo_id is not None else None


def views(session: Session, rows: Sequence[WorkOrder], now: datetime) -> list[WorkOrderView]:
    """Views of work orders, with names looked up in a few batched queries."""
    ids = [wo.id for wo in rows]
    buildings = dict(session.execute(select(Building.id, Building.code)).all())
    room_ids = {wo.room_id for wo in rows if wo.room_id}
    rooms = {
        rid: (code, floor)
        for rid, code, floor in session.execute(
            select(Room.id, Room.code, Floor.code).join(Floor).where(Room.id.in_(room_ids))
        )
    }
    user_ids = {wo.assignee_id for wo in rows if wo.assignee_id}
    users = dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    asset_ids = {wo.asset_id for wo in rows if wo.asset_id}
    asset_codes = select(AssetRow.id, AssetRow.code).where(AssetRow.id.in_(asset_ids))
    assets: dict[int, str] = dict(session.execute(asset_codes).all()) if asset_ids else {}
    alerts: dict[int, list[int]] = {}
    for wo_id, alert_id in session.execute(
        select(WorkOrderAlert.work_order_id, WorkOrderAlert.alert_id)
        .where(WorkOrderAlert.work_order_id.in_(ids))
        .order_by(WorkOrderAlert.attached_at, WorkOrderAlert.alert_id)
    ):
        alerts.setdefault(wo_id, []).append(alert_id)
    checks = {
        v.work_order_id: v
        for v in session.scalars(
            select(WorkOrderVerification).where(WorkOrderVerification.work_order_id.in_(ids))
        )
    }
    return [
        _view(wo, buildings, rooms, users, alerts.get(wo.id, []), now, assets, checks.get(wo.id))
        for wo in rows
    ]


def _verification(wo: WorkOrder, v: WorkOrderVerification | None) -> VerificationView | None:
    # A verification of an earlier completion (the order was sent back since) is void.
    if v is None or wo.completed_at is None or v.since != wo.completed_at:
        return None
    return VerificationView(
        state=v.state, metric=v.metric, lower=v.lower, upper=v.upper, since=v.since,
        decided_at=v.decided_at, mean=v.mean, samples=v.samples, window_start=v.window_start,
        window_end=v.window_end, breach_at=v.breach_at, reason=v.reason, value=v.value,
        alert_id=v.alert_id,
    )  # fmt: skip


def _view(
    wo: WorkOrder,
    buildings: dict[int, str],
    rooms: dict[int, tuple[str, str]],
    users: dict[int, str],
    alert_ids: list[int],
    now: datetime,
    assets: dict[int, str],
    check: WorkOrderVerification | None = None,
) -> WorkOrderView:
    room, floor = rooms.get(wo.room_id, (None, None)) if wo.room_id else (None, None)
    return WorkOrderView(
        id=wo.id,
        type=wo.type,
        crew=wo.crew_id,
        building=buildings.get(wo.building_id, ""),
        room=room,
        floor=floor,
        title=wo.title,
        description=wo.description,
        priority=wo.priority,
        status=wo.status,
        assignee=users.get(wo.assignee_id) if wo.assignee_id else None,
        source=wo.source,
        due_at=wo.due_at,
        respond_by=wo.respond_by,
        plan_id=wo.plan_id,
        occurrence_at=wo.occurrence_at,
        alert_id=wo.alert_id,
        alert_ids=tuple(alert_ids),
        rule_id=wo.rule_id,
        checklist=tuple(ChecklistItem(**item) for item in wo.checklist),
        created_at=wo.created_at,
        created_by=wo.created_by,
        responded_at=wo.responded_at,
        completed_at=wo.completed_at,
        verified_at=wo.verified_at,
        alert_resolved_at=wo.alert_resolved_at,
        completion_notes=wo.completion_notes,
        time_spent_minutes=wo.time_spent_minutes,
        escalation_level=wo.escalation_level,
        overdue=wo.status not in CLOSED_STATUSES and wo.due_at is not None and now > wo.due_at,
        asset=assets.get(wo.asset_id) if wo.asset_id else None,
        zone_rooms=tuple(wo.zone_rooms or ()),
        verification=_verification(wo, check),
    )
