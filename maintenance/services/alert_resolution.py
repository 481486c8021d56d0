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
    wo_ids = list(session.execute(stmt).scalars())
    for wo_id in wo_ids:
        record(session, wo_id, now, "system", "alert_resolved", alert_id=alert_id)
        still_open = session.scalar(
            select(func.count())
            .select_from(WorkOrderAlert)
            .where(WorkOrderAlert.work_order_id == wo_id, WorkOrderAlert.resolved_at.is_(None))
        )
        if not still_open:
            # The condition is gone; the crew still checks and closes the order themselves.
            wo = session.get_one(WorkOrder, wo_id)
            wo.alert_resolved_at = resolved_at
            wo.updated_at = now
    return len(wo_ids)
