"""The public JSON of a work order (CONTRACTS.md): the one model the API and the CLI both emit.

Pydantic only: `udara workorders list --json` builds it without loading Flask, and the API's
OpenAPI document is generated from it.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from maintenance.views import StockLevelView, StockMovementView, WorkOrderView


class ChecklistItemOut(BaseModel):
    """One checklist line."""

    text: str
    done: bool
    done_by: str | None
    done_at: str | None


class VerificationOut(BaseModel):
    """Sensor verification of a done alert work order (CONTRACTS.md, "Assets")."""

    state: str  # pending | verified | not_fixed
    metric: str
    lower: float | None
    upper: float | None
    since: datetime
    decided_at: datetime | None
    mean: float | None
    samples: int | None
    window_start: datetime | None
    window_end: datetime | None
    breach_at: datetime | None
    reason: str | None  # not_fixed: reading_outside | new_alert
    value: float | None
    alert_id: int | None


class WorkOrderOut(BaseModel):
    """A work order (CONTRACTS.md)."""

    id: int
    type: str
    crew: str
    building: str
    room: str | None
    floor: str | None
    title: str
    description: str
    priority: str
    status: str
    assignee: str | None
    source: str
    due_at: datetime | None
    respond_by: datetime | None
    plan_id: int | None
    occurrence_at: datetime | None
    alert_id: int | None
    alert_ids: list[int]
    rule_id: str | None
    checklist: list[ChecklistItemOut]
    created_at: datetime
    created_by: str
    responded_at: datetime | None
    completed_at: datetime | None
    verified_at: datetime | None
    alert_resolved_at: datetime | None
    completion_notes: str | None
    time_spent_minutes: int | None
    escalation_level: int
    overdue: bool
    asset: str | None = None
    zone_rooms: list[str] = []
    verification: VerificationOut | None = None

    @classmethod
    def of(cls, view: WorkOrderView) -> WorkOrderOut:
        """The JSON shape of a work order the services returned."""
        return cls.model_validate(view, from_attributes=True)


class StockItemOut(BaseModel):
    """A stock item: counted in `unit`; `crew`'s supervisor buys it when it runs low."""

    code: str
    name: str
    unit: str
    crew: str


class StockLevelOut(BaseModel):
    """An item's stock in one building (`low`: at or below the reorder level) and its open
    purchase work order, if any."""

    item: str
    name: str
    unit: str
    crew: str
    building: str
    quantity: float
    reorder_level: float | None
    low: bool
    purchase_order_id: int | None

    @classmethod
    def of(cls, view: StockLevelView) -> StockLevelOut:
        """The JSON shape of a stock level the service returned."""
        return cls.model_validate(view, from_attributes=True)


class StockMovementOut(BaseModel):
    """Stock received or consumed (on `work_order_id`)."""

    id: int
    item: str
    unit: str
    building: str
    kind: str  # receive | consume
    quantity: float
    work_order_id: int | None
    at: datetime
    actor: str
    note: str

    @classmethod
    def of(cls, view: StockMovementView) -> StockMovementOut:
        """The JSON shape of a movement the service returned."""
        return cls.model_validate(view, from_attributes=True)
