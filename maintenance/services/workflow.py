"""Applying a status change to a work-order row, with its side effects and history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from maintenance.adapters.orm import Building, User, WorkOrder
from maintenance.domain import transitions as rules
from maintenance.domain.errors import InvalidTransition
from maintenance.domain.model import CLOSED_STATUSES
from maintenance.services.records import record


def apply_transition(
    session: Session,
    wo: WorkOrder,
    actor: rules.Actor,
    to_status: str,
    now: datetime,
    notes: str | None,
    time_spent: int | None,
) -> None:
    """Check and apply one transition on a locked row; raises NotAllowed/InvalidTransition."""
    assignee = session.get(User, wo.assignee_id) if wo.assignee_id else None
    building = session.get_one(Building, wo.building_id)
    facts = rules.WorkOrderFacts(
        wo.status, wo.crew_id, assignee.username if assignee else None, building.code
    )
    rules.check_transition(actor, facts, to_status)
    old = wo.status
    if to_status == "in_progress" and assignee is None:
        # Picking up unassigned work makes you its assignee.
        wo.assignee_id = session.scalars(
            select(User.id).where(User.username == actor.username)
        ).one()
    if to_status == "open":
        wo.assignee_id = None
    if to_status in ("in_progress", "on_hold", "done"):
        wo.responded_at = wo.responded_at or now
    if to_status == "done":
        if any(not item.get("done") for item in wo.checklist) and not notes:
            raise InvalidTransition.coded("checklist_unfinished")
        wo.completed_at = now
        wo.completion_notes = notes
        wo.time_spent_minutes = time_spent
    if old == "done" and to_status == "in_progress":
        wo.completed_at = None
    if to_status == "verified":
        wo.verified_at = now
    if to_status in CLOSED_STATUSES:
        wo.open_key = None  # frees the (room, rule) slot for a new alert work order
    wo.status = to_status
    wo.touched = True
    wo.updated_at = now
    detail: dict[str, object] = {}
    if notes:
        detail["notes"] = notes
    if time_spent is not None:
        detail["time_spent_minutes"] = time_spent
    record(session, wo.id, now, actor.username, "status", old, to_status, **detail)
