"""Recording on work orders that an attached alert has resolved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from maintenance.adapters.orm import WorkOrder, WorkOrderAlert
from maintenance.services.records import record


def resolve_alert(session: Session, alert_id: int, resolved_at: datetime, now: datetime) -> int:
    """Mark `alert_id` resolved on its work orders; how many noted it (0 if done before)."""
    # The conditional UPDATE makes the listener and a concurrent sweep record it only once.
    stmt = (
        update(WorkOrderAlert)
        .where(WorkOrderAlert.alert_id == alert_id, WorkOrderAlert.resolved_at.is_(None))
        .values(resolved_at=resolved_at)
        .returning(WorkOrderAlert.work_order_id)
    )
    wo_ids = sorted(session.execute(stmt).scalars())  # one lock order: no deadlocks
    for wo_id in wo_ids:
        # Lock the order before counting its unresolved alerts. Without the lock, two alerts
        # of one order resolving at once each see the other still open (PostgreSQL's READ
        # COMMITTED) and neither notes that the condition is gone. With it, the second waits,
        # and its count, a new statement, sees the first one's committed resolution.
        wo = session.get_one(WorkOrder, wo_id, with_for_update=True, populate_existing=True)
        record(session, wo_id, now, "system", "alert_resolved", alert_id=alert_id)
        still_open = session.scalar(
            select(func.count())
            .select_from(WorkOrderAlert)
            .where(WorkOrderAlert.work_order_id == wo_id, WorkOrderAlert.resolved_at.is_(None))
        )
        if not still_open:
            # The condition is gone; the crew still checks and closes the order themselves.
            wo.alert_resolved_at = resolved_at
            wo.updated_at = now
    return len(wo_ids)


def settle_resolved_orders(session: Session, now: datetime) -> int:
    """Note the end of the condition on orders whose alerts have all resolved; how many."""
    # Repairs what a lost listener call or a crash between the two statements above left.
    unresolved = select(WorkOrderAlert.work_order_id).where(WorkOrderAlert.resolved_at.is_(None))
    last = (
        select(WorkOrderAlert.work_order_id, func.max(WorkOrderAlert.resolved_at))
        .join(WorkOrder, WorkOrder.id == WorkOrderAlert.work_order_id)
        .where(
            WorkOrder.alert_resolved_at.is_(None),
            WorkOrderAlert.work_order_id.not_in(unresolved),
        )
        .group_by(WorkOrderAlert.work_order_id)
    )
    settled = 0
    for wo_id, resolved_at in session.execute(last).all():
        wo = session.get_one(WorkOrder, wo_id, with_for_update=True, populate_existing=True)
        if wo.alert_resolved_at is None:
            wo.alert_resolved_at = resolved_at
            wo.updated_at = now
            settled += 1
    return settled
