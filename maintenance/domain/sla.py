"""Service levels: response and resolution targets, overdue detection, escalation levels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from maintenance.domain.model import CLOSED_STATUSES, PRIORITIES, WORK_ORDER_TYPES

ESCALATE_TO: Final[dict[int, str]] = {1: "crew_supervisor", 2: "facility_manager"}


@dataclass(frozen=True)
class SlaTarget:
    """How soon someone must respond to, and finish, a work order."""

    respond: timedelta
    resolve: timedelta


def _t(respond_min: int, resolve_h: float) -> SlaTarget:
    return SlaTarget(timedelta(minutes=respond_min), timedelta(hours=resolve_h))


_DEFAULTS: Final[dict[str, dict[str, SlaTarget]]] = {
    # Emergencies threaten health or safety: respond in 15 min, resolve in 4 h at any priority.
    "emergency": {p: _t(15, 4) for p in PRIORITIES},
    "corrective": {
        "urgent": _t(30, 8),
        "high": _t(120, 24),
        "medium": _t(8 * 60, 72),
        "low": _t(24 * 60, 7 * 24),
    },
    "preventive": {
        "urgent": _t(120, 24),
        "high": _t(8 * 60, 72),
        "medium": _t(24 * 60, 7 * 24),
        "low": _t(72 * 60, 14 * 24),
    },
    "routine": {
        "urgent": _t(30, 2),
        "high": _t(60, 4),
        "medium": _t(4 * 60, 24),
        "low": _t(24 * 60, 72),
    },
}


def default_targets() -> dict[tuple[str, str], SlaTarget]:
    """The shipped SLA table, keyed by (type, priority); every pair is present."""
    return {(t, p): _DEFAULTS[t][p] for t in WORK_ORDER_TYPES for p in PRIORITIES}


@dataclass(frozen=True)
class SlaStatus:
    """Where a work order stands against its targets at one moment."""

    respond_by: datetime | None
    due_at: datetime | None
    response_breached: bool
    overdue: bool
    escalation_level: int

    @property
    def escalate_to(self) -> str | None:
        """Who should hear about it: the crew supervisor (1) or the facility manager (2)."""
        return ESCALATE_TO.get(self.escalation_level)


def evaluate(
    *,
    status: str,
    respond_by: datetime | None,
    due_at: datetime | None,
    now: datetime,
    response_window: timedelta,
) -> SlaStatus:
    """SLA state at `now`: breaches go to the supervisor, long overdue work to the manager."""
    closed = status in CLOSED_STATUSES
    response_breached = (
        not closed and status == "open" and respond_by is not None and now > respond_by
    )
    overdue = not closed and due_at is not None and now > due_at
    level = 0
    if response_breached or overdue:
        level = 1
    # Overdue by another full response window: the supervisor has had their chance.
    if overdue and due_at is not None and now > due_at + response_window:
        level = 2
    return SlaStatus(respond_by, due_at, response_breached, overdue, level)
