"""`GET /api/v1/kpis`: a building's maintenance KPIs for a month, overall and per crew
(CONTRACTS.md, "Assets" and "Inspections and KPIs")."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from spectree import Response as Spec

from inspections.services.kpis import kpi_row
from web import deps
from web.api import bp, spec
from web.api.auth import api_auth, api_user
from web.api.models import CODE, ErrorOut, Query
from web.i18n import zone
from web.security import IAQ_READERS

MONTH = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"


class KpisQuery(Query):
    """The building, and the month (YYYY-MM, the building's local month; default this one)."""

    building: str = Field(pattern=CODE)
    month: str | None = Field(None, pattern=MONTH)


class KpiGroupOut(BaseModel):
    """One group's KPIs; rates are percentages, null when there was nothing to count."""

    pm_compliance: float | None
    pm_done_on_time: int
    pm_due: int
    sla_response_hit_rate: float | None
    sla_response_hit: int
    sla_response_due: int
    sla_resolution_hit_rate: float | None
    sla_resolution_hit: int
    sla_resolution_due: int
    mttr_hours: float | None
    repairs: int
    backlog: int
    backlog_mean_age_days: float | None
    backlog_oldest_age_days: float | None
    audit_score: float | None
    audits: int


class KpisOut(BaseModel):
    """A building's month: `overall`, and `crews` by crew id."""

    building: str
    month: str
    overall: KpiGroupOut
    crews: dict[str, KpiGroupOut]


@bp.get("/kpis")
@api_auth(*IAQ_READERS)
@spec.validate(
    resp=Spec(HTTP_200=KpisOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut),
    tags=["kpis"],
)
def get_kpis(query: KpisQuery) -> KpisOut:
    """PM compliance, SLA hit rates, MTTR, backlog and audit scores of one building-month."""
    if query.month:
        year, month = (int(p) for p in query.month.split("-"))
        wanted = date(year, month, 1)
    else:
        today = deps.now().astimezone(zone(deps.container().settings.timezone))
        wanted = date(today.year, today.month, 1)
    found = deps.container().kpis.month(
        scope=api_user().scope, building=query.building, month=wanted
    )
    return KpisOut(
        building=query.building,
        month=f"{wanted:%Y-%m}",
        overall=KpiGroupOut(**kpi_row(found.overall)),  # type: ignore[arg-type]
        crews={c: KpiGroupOut(**kpi_row(k)) for c, k in found.crews.items()},  # type: ignore[arg-type]
    )
