"""SLA targets (defaults plus overrides in the database), status, and the escalation sweep."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import CrewMember, SlaTargetRow, User, WorkOrder
from maintenance.adapters.sql import insert_ignore
from maintenance.domain.errors import InvalidInput, NotFound
from maintenance.domain.model import CLOSED_STATUSES, PRIORITIES, WORK_ORDER_TYPES
from maintenance.domain.sla import ESCALATE_TO, SlaStatus, SlaTarget, default_targets, evaluate
from maintenance.services.events import WorkOrderChange, WorkOrderListener
from maintenance.services.records import record
from maintenance.views import SlaView
from udara.db import transaction

log = logging.getLogger(__name__)
Targets = dict[tuple[str, str], SlaTarget]


def load_targets(session: Session) -> Targets:
    """The shipped targets with the database's overrides applied."""
    targets = default_targets()
    for row in session.scalars(select(SlaTargetRow)):
        targets[(row.type, row.priority)] = SlaTarget(
            timedelta(minutes=row.respond_minutes), timedelta(minutes=row.resolve_minutes)
        )
    return targets


def status_of(wo: WorkOrder, targets: Targets, now: datetime) -> SlaStatus:
    """Where `wo` stands against its targets at `now`."""
    return evaluate(
        status=wo.status,
        respond_by=wo.respond_by,
        due_at=wo.due_at,
        now=now,
        response_window=targets[(wo.type, wo.priority)].respond,
    )


def _escalation_contacts(session: Session, crew: str, level: int) -> list[str]:
    if level == 1:
        query = select(User.username).join(CrewMember, CrewMember.user_id == User.id)
        query = query.where(CrewMember.crew_id == crew, CrewMember.is_supervisor.is_(True))
    else:
        query = select(User.username).where(User.role == "facility_manager")
    return sorted(session.scalars(query.where(User.active.is_(True))))


class SlaService:
    """Targets per (type, priority), SLA status per work order, escalation."""

    def __init__(
        self, session_factory: sessionmaker[Session], listeners: Sequence[WorkOrderListener] = ()
    ) -> None:
        self._sessions = session_factory
        self._listeners = tuple(listeners)

    def targets(self) -> Targets:
        """Every (type, priority) target in force."""
        with self._sessions() as session:
            return load_targets(session)

    def set_target(self, type_: str, priority: str, respond: timedelta, resolve: timedelta) -> None:
        """Override one target (applies to work orders created from now on)."""
        if type_ not in WORK_ORDER_TYPES or priority not in PRIORITIES:
            raise InvalidInput.coded("unknown_type_or_priority")
        if not timedelta(0) < respond <= resolve:
            raise InvalidInput("respond must be positive and no longer than resolve")
        minutes = {"respond_minutes": respond // timedelta(minutes=1)}
        minutes["resolve_minutes"] = resolve // timedelta(minutes=1)
        with transaction(self._sessions) as session:
            key = {"type": type_, "priority": priority}
            insert_ignore(session, SlaTargetRow, {**key, **minutes}, on=["type", "priority"])
            session.execute(
                update(SlaTargetRow)
                .where(SlaTargetRow.type == type_, SlaTargetRow.priority == priority)
                .values(**minutes)
            )

    def status(self, work_order_id: int, now: datetime) -> SlaView:
        """SLA position of one work order."""
        with self._sessions() as session:
            wo = session.get(WorkOrder, work_order_id)
            if wo is None:
                raise NotFound.coded("no_work_order", id=work_order_id)
            s = status_of(wo, load_targets(session), now)
            return SlaView(
                wo.id, s.respond_by, s.due_at, s.response_breached, s.overdue,
                s.escalation_level, s.escalate_to, wo.escalation_level,
            )  # fmt: skip

    def escalate(self, now: datetime) -> int:
        """Raise the escalation level of breached work orders; returns how many rose."""
        with self._sessions() as session:
            targets = load_targets(session)
            query = select(WorkOrder).where(
                WorkOrder.status.not_in(CLOSED_STATUSES), WorkOrder.escalation_level < 2
            )
            due = [
                (wo.id, wo.crew_id, wo.escalation_level, status_of(wo, targets, now))
                for wo in session.scalars(query)
            ]
        raised = 0
        for wo_id, crew, old_level, sla in due:
            if sla.escalation_level > old_level:
                raised += self._raise(wo_id, crew, sla, now)
        return raised

    def _raise(self, wo_id: int, crew: str, sla: SlaStatus, now: datetime) -> int:
        with transaction(self._sessions) as session:
            # Conditional UPDATE: of two schedulers, only one records the escalation.
            result = session.execute(
                update(WorkOrder)
                .where(WorkOrder.id == wo_id, WorkOrder.escalation_level < sla.escalation_level)
                .values(escalation_level=sla.escalation_level, updated_at=now)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return 0
            level = sla.escalation_level
            contacts = _escalation_contacts(session, crew, level)
            reason = "overdue" if sla.overdue else "no response"
            record(session, wo_id, now, "system", "escalated", level=level,
                   escalated_to=ESCALATE_TO[level], notify=contacts, reason=reason)  # fmt: skip
            log.warning("work order %s escalated to %s (%s)", wo_id, ESCALATE_TO[level], reason)
            version = session.get_one(WorkOrder, wo_id).version
            change = WorkOrderChange("escalated", wo_id, now, "system", version, level=level,
                                     reason=reason)  # fmt: skip
            for listener in self._listeners:
                listener.work_order_changed(session, change)
            return 1
