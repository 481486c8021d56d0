"""A building's maintenance KPIs for a month: work orders and inspections read, the domain
(`inspections/domain/kpis.py`) computes; and the result as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from inspections.adapters.orm import Inspection
from inspections.domain.kpis import (
    AuditFacts,
    Kpis,
    MonthKpis,
    OrderFacts,
    month_bounds,
    month_kpis,
)
from maintenance.adapters.orm import Building, WorkOrder
from maintenance.domain.errors import NotFound
from udara.scope import Scope


class KpiService:
    """KPIs per building, crew and month, for whoever may see the building."""

    def __init__(
        self, session_factory: sessionmaker[Session], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = session_factory
        self._clock = clock

    def month(self, *, scope: Scope, building: str, month: date) -> MonthKpis:
        """The KPIs of `building` for its local `month`; NotFound outside `scope`."""
        if not scope.allows(building):
            raise NotFound.coded("no_building", building=building)
        with self._sessions() as session:
            found = session.execute(
                select(Building.id, Building.timezone).where(Building.code == building)
            ).first()
            if found is None:
                raise NotFound.coded("no_building", building=building)
            building_id, tz = found
            start, end = month_bounds(month, tz)
            rows = session.scalars(
                select(WorkOrder).where(
                    WorkOrder.building_id == building_id,
                    WorkOrder.created_at < end,
                    # What a month before `start` already closed tells this month nothing.
                    or_(
                        WorkOrder.completed_at.is_(None),
                        WorkOrder.completed_at >= start,
                        WorkOrder.due_at >= start,
                    ),  # fmt: skip
                )
            ).all()
            orders = [
                OrderFacts(
                    wo.crew_id,
                    wo.type,
                    wo.status,
                    wo.created_at,
                    wo.respond_by,
                    wo.responded_at,
                    wo.due_at,
                    wo.completed_at,
                    planned=wo.plan_id is not None,
                )  # fmt: skip
                for wo in rows
            ]
            audits = [
                AuditFacts(at, crew, score)
                for at, crew, score in session.execute(
                    select(Inspection.at, Inspection.crew_id, Inspection.score).where(
                        Inspection.building_id == building_id,
                        Inspection.at >= start,
                        Inspection.at < end,
                    )
                )
            ]
        return month_kpis(orders, audits, month, tz, self._clock())


def kpi_row(k: Kpis) -> dict[str, float | int | None]:
    """One group's KPIs as flat numbers (the API's and the CSV's fields)."""
    return {
        "pm_compliance": k.pm_compliance.value,
        "pm_done_on_time": k.pm_compliance.hit,
        "pm_due": k.pm_compliance.total,
        "sla_response_hit_rate": k.sla_response.value,
        "sla_response_hit": k.sla_response.hit,
        "sla_response_due": k.sla_response.total,
        "sla_resolution_hit_rate": k.sla_resolution.value,
        "sla_resolution_hit": k.sla_resolution.hit,
        "sla_resolution_due": k.sla_resolution.total,
        "mttr_hours": k.mttr_hours,
        "repairs": k.repairs,
        "backlog": k.backlog.count,
        "backlog_mean_age_days": k.backlog.mean_age_days,
        "backlog_oldest_age_days": k.backlog.oldest_age_days,
        "audit_score": k.audit_score,
        "audits": k.audits,
    }


def to_csv(building: str, found: MonthKpis) -> str:
    """The month's KPIs as CSV: one line for the building, one per crew."""
    out = io.StringIO()
    fields = list(kpi_row(found.overall))
    writer = csv.writer(out)
    writer.writerow(["month", "building", "crew", *fields])
    groups = [("", found.overall), *found.crews.items()]
    for crew, k in groups:
        row = kpi_row(k)
        writer.writerow([f"{found.month:%Y-%m}", building, crew,
                         *("" if row[f] is None else row[f] for f in fields)])  # fmt: skip
    return out.getvalue()
