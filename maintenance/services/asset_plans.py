"""Asset plans: "every AHU: filter cleaning monthly" becomes one child plan per AHU.

A plan with `asset_kind` is a template: each active asset of that kind in its building gets a
child plan (`{code}@{asset}`, on the asset's room, with the asset on every work order), and
the ordinary generator expands the children, so each (asset, occurrence) is made exactly once
however many schedulers run: a child is inserted once (its code is UNIQUE) and generated
under its own row lock with the (plan, occurrence) key as backstop. A template edit is
copied onto its children on the next pass; a retired asset's child plan stops.

A plan with `meter`/`meter_every` is also due each time the asset's meter advances by the
step since its last order (assets/domain/meters.py): calendar or meter, whichever first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assets.adapters.orm import AssetRow, MeterReading
from assets.domain.meters import MeterTrigger, Reading, crossing
from maintenance.adapters.orm import Plan, WorkOrder
from maintenance.adapters.sql import insert_ignore
from maintenance.domain.model import CLOSED_STATUSES

# Columns a child copies from its template.
COPIED = (
    "description", "type", "crew_id", "priority", "checklist", "building_id", "freq",
    "interval", "times", "weekdays", "month_day", "month", "start_date", "end_date", "anchor",
    "catch_up", "due_minutes", "meter", "meter_every",
)  # fmt: skip


def child_code(template: Plan, asset_code: str) -> str:
    """The code of a template's child plan for one asset."""
    return f"{template.code}@{asset_code}"[:200]


def _child_values(template: Plan, asset: AssetRow) -> dict[str, Any]:
    values = {name: getattr(template, name) for name in COPIED}
    values.update(
        title=f"{template.title} ({asset.code})"[:200], room_id=asset.room_id,
        asset_id=asset.id, active=template.active and asset.status == "active",
    )  # fmt: skip
    return values


def expand_templates(session: Session, now: datetime) -> int:
    """Give every asset of each template's kind its child plan, and bring children in line
    with their template; how many children were created."""
    created = 0
    # One order everywhere: two schedulers touching the same children never deadlock.
    templates = session.scalars(select(Plan).where(Plan.asset_kind.is_not(None)).order_by(Plan.id))
    for template in list(templates):
        assets = session.scalars(
            select(AssetRow)
            .where(
                AssetRow.building_id == template.building_id,
                AssetRow.kind == template.asset_kind,
            )
            .order_by(AssetRow.code)
        )
        for asset in list(assets):
            values = _child_values(template, asset)
            code = child_code(template, asset.code)
            row = {**values, "code": code, "parent_id": template.id, "generated_until": now,
                   "version": 0, "created_at": now, "updated_at": template.updated_at}  # fmt: skip
            if insert_ignore(session, Plan, row, on=["code"]) is not None:
                created += 1
                continue
            child = session.scalar(select(Plan).where(Plan.code == code))
            if child is None or child.parent_id != template.id:
                continue
            changed = {k: v for k, v in values.items() if getattr(child, k) != v}
            if changed:
                for name, value in changed.items():
                    setattr(child, name, value)
                child.updated_at = now
    return created


def latest_meter(session: Session, plan: Plan) -> float | None:
    """The newest reading of the plan's meter on its asset."""
    if plan.meter is None or plan.asset_id is None:
        return None
    value = session.scalar(
        select(MeterReading.value)
        .where(MeterReading.asset_id == plan.asset_id, MeterReading.meter == plan.meter)
        .order_by(MeterReading.at.desc(), MeterReading.id.desc())
        .limit(1)
    )
    return float(value) if value is not None else None


def meter_crossing(session: Session, plan: Plan) -> Reading | None:
    """The reading at which the plan's meter became due since its last order, if it did."""
    if plan.meter is None or plan.meter_every is None or plan.asset_id is None:
        return None
    since = session.scalar(
        select(func.max(WorkOrder.occurrence_at)).where(WorkOrder.plan_id == plan.id)
    )
    q = select(MeterReading.at, MeterReading.value).where(
        MeterReading.asset_id == plan.asset_id, MeterReading.meter == plan.meter
    )
    if since is not None:
        q = q.where(MeterReading.at > since)
    readings = [Reading(at, float(value)) for at, value in session.execute(q)]
    return crossing(MeterTrigger(plan.meter, plan.meter_every), plan.meter_baseline, readings)


def has_open_order(session: Session, plan: Plan) -> bool:
    """True while an order of this plan still needs work."""
    q = select(WorkOrder.id).where(
        WorkOrder.plan_id == plan.id, WorkOrder.status.not_in(CLOSED_STATUSES)
    )
    return session.scalar(q.limit(1)) is not None
