"""Turning plans into work orders: exactly once per (plan, occurrence), whatever runs when."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Building, Plan, SkippedOccurrence, WorkOrder
from maintenance.adapters.sql import insert_ignore, lock
from maintenance.domain.catchup import decide
from maintenance.domain.model import CLOSED_STATUSES
from maintenance.domain.recurrence import (
    Recurrence,
    expand,
    next_after_completion,
    next_occurrence,
)
from maintenance.domain.sla import SlaTarget
from maintenance.services.asset_plans import (
    expand_templates,
    has_open_order,
    latest_meter,
    meter_crossing,
)
from maintenance.services.plan_rows import occurrence_due, schedule
from maintenance.services.records import checklist_from, insert_work_order
from maintenance.services.sla import load_targets
from udara.db import transaction

log = logging.getLogger(__name__)
DEFAULT_LOOKAHEAD = timedelta(hours=24)
_MAX_MISSED = 10_000  # bounds the catch-up walk of a completion-anchored plan


@dataclass
class GenerationReport:
    """What one generation pass did."""

    generated: int = 0
    skipped: int = 0
    expanded: int = 0  # child plans created for assets
    failed: list[int] = field(default_factory=list)


def completion_next(session: Session, plan: Plan, rec: Recurrence) -> datetime | None:
    """Next occurrence of a completion-anchored plan, or None while its last one is open."""
    mine = select(WorkOrder).where(WorkOrder.plan_id == plan.id)
    if session.scalar(mine.where(WorkOrder.status.not_in(CLOSED_STATUSES)).limit(1)):
        return None
    last_done = session.scalar(
        select(func.max(WorkOrder.completed_at)).where(WorkOrder.plan_id == plan.id)
    )
    last_occurrence = session.scalar(
        select(func.max(WorkOrder.occurrence_at)).where(WorkOrder.plan_id == plan.id)
    )
    if last_done is None:
        return next_occurrence(rec, last_occurrence or plan.generated_until)
    nxt = next_after_completion(rec, last_done)
    if nxt is not None and last_occurrence is not None and nxt <= last_occurrence:
        nxt = next_occurrence(rec, last_occurrence)  # done before its own occurrence time
    return nxt


def _may_owe(plan: Plan, timezone: str, horizon: datetime) -> bool:
    # Cheap unlocked pre-check: most minutes, most plans have nothing new to generate.
    if plan.anchor == "completion" or plan.meter is not None:
        return True
    nxt = next_occurrence(schedule(plan, timezone), plan.generated_until)
    return nxt is not None and nxt <= horizon


class PlanGenerator:
    """Generates what plans owe up to a horizon; safe to run twice, concurrently, or late."""

    def __init__(
        self, session_factory: sessionmaker[Session], lookahead: timedelta = DEFAULT_LOOKAHEAD
    ) -> None:
        self._sessions = session_factory
        self.lookahead = lookahead

    def run(self, now: datetime, until: datetime | None = None) -> GenerationReport:
        """Generate every occurrence up to `until` (default: now plus the look-ahead)."""
        horizon = until or now + self.lookahead
        report = GenerationReport()
        try:
            with transaction(self._sessions) as session:
                report.expanded = expand_templates(session, now)
        except Exception:  # a broken template must not stop the other plans
            log.exception("expanding asset plans failed")
        with self._sessions() as session:
            plan_ids = [plan.id for plan, tz in session.execute(
                select(Plan, Building.timezone).join(Building, Plan.building_id == Building.id)
                .where(Plan.active.is_(True), Plan.asset_kind.is_(None)).order_by(Plan.id)
            ) if _may_owe(plan, tz, horizon)]  # fmt: skip
        for plan_id in plan_ids:
            try:
                self._plan(plan_id, now, horizon, report)
            except Exception:  # one broken plan must not stop the others
                log.exception("generating plan %s failed", plan_id)
                report.failed.append(plan_id)
        return report

    def _plan(
        self, plan_id: int, now: datetime, horizon: datetime, report: GenerationReport
    ) -> None:
        with transaction(self._sessions) as session:
            # The row lock serialises schedulers per plan; the UNIQUE key is the backstop.
            if not lock(session, Plan, plan_id):
                return
            plan = session.get_one(Plan, plan_id, populate_existing=True)
            if not plan.active:
                return
            rec = schedule(plan, session.get_one(Building, plan.building_id).timezone)
            if plan.anchor == "completion":
                generate, skip = self._completion(session, plan, rec, now, horizon)
            else:
                decision = decide(expand(rec, plan.generated_until, horizon), now, plan.catch_up)
                generate, skip = list(decision.generate), list(decision.skip)
            for occurrence in skip:
                values = {"plan_id": plan.id, "occurrence_at": occurrence, "recorded_at": now,
                          "reason": f"catch_up:{plan.catch_up}"}  # fmt: skip
                if insert_ignore(
                    session, SkippedOccurrence, values, on=["plan_id", "occurrence_at"]
                ):
                    report.skipped += 1
            target = load_targets(session)[(plan.type, plan.priority)]
            made = 0
            for occurrence in generate:
                made += self._insert(session, plan, occurrence, now, target)
            report.generated += made
            plan.generated_until = max(plan.generated_until, horizon)
            if plan.meter is not None:
                if made:  # the calendar came first: the meter counts again from here
                    plan.meter_baseline = latest_meter(session, plan)
                report.generated += self._meter(session, plan, now, target)

    @staticmethod
    def _completion(
        session: Session, plan: Plan, rec: Recurrence, now: datetime, horizon: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        nxt = completion_next(session, plan, rec)
        missed: list[datetime] = []
        while (
            nxt is not None and nxt < now and plan.catch_up != "all" and len(missed) < _MAX_MISSED
        ):
            missed.append(nxt)
            nxt = next_after_completion(rec, nxt)
        if plan.catch_up == "latest" and missed:
            return [missed[-1]], missed[:-1]
        return ([nxt] if nxt is not None and nxt <= horizon else []), missed

    @classmethod
    def _meter(cls, session: Session, plan: Plan, now: datetime, target: SlaTarget) -> int:
        """The meter's order when it advanced by its step first (at most one open)."""
        due = meter_crossing(session, plan)
        if due is None or due.at > now:
            return 0
        plan.meter_baseline = due.value
        if has_open_order(session, plan):
            return 0  # the open order is that service: count again from here
        return cls._insert(session, plan, due.at, now, target, trigger="meter")

    @staticmethod
    def _insert(
        session: Session,
        plan: Plan,
        occurrence: datetime,
        now: datetime,
        target: SlaTarget,
        trigger: str = "calendar",
    ) -> int:
        values = {
            "asset_id": plan.asset_id,
            "type": plan.type, "crew_id": plan.crew_id, "building_id": plan.building_id,
            "room_id": plan.room_id, "title": plan.title, "description": plan.description,
            "priority": plan.priority, "checklist": checklist_from(plan.checklist),
            "source": "plan", "plan_id": plan.id, "occurrence_at": occurrence,
            "due_at": occurrence_due(plan, occurrence),
        }  # fmt: skip
        if trigger == "meter":
            values["description"] = f"{plan.meter} >= +{plan.meter_every:g}\n{plan.description}"
        wo_id = insert_work_order(
            session, values, target=target, start=occurrence, now=now, actor="scheduler",
            on=["plan_id", "occurrence_at"],
        )  # fmt: skip
        return 1 if wo_id is not None else 0
