"""Work-order changes others may act on in the same transaction (notifications write their
outbox rows there, so a change and its messages commit together or not at all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy.orm import Session

# started: the work moved to in_progress (from open, assigned, on hold or done).
# not_fixed: the room's sensors stayed outside the limit after the work was done.
ChangeKind = Literal["assigned", "started", "escalated", "done", "cancelled", "not_fixed"]


@dataclass(frozen=True)
class WorkOrderChange:
    """What happened to a work order; `version` tells repeats of one kind apart."""

    kind: ChangeKind
    work_order_id: int
    at: datetime
    actor: str
    version: int
    assignee: str | None = None
    level: int | None = None
    reason: str | None = None


class WorkOrderListener(Protocol):
    """Told about a change inside its transaction: raising rolls the change back."""

    def work_order_changed(self, session: Session, change: WorkOrderChange) -> None:
        """Called after the change is applied and before it commits."""
