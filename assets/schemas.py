"""The public asset JSON: one model for the API and `udara assets list --json`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from assets.service import AssetView, MeterReadingView
from maintenance.schemas import WorkOrderOut


class AssetOut(BaseModel):
    """An asset (CONTRACTS.md, "Assets"); `serves` are the rooms of its zone."""

    code: str
    kind: str
    building: str
    room: str | None
    name: str
    make: str | None
    model: str | None
    serial: str | None
    installed_on: date | None
    attributes: dict[str, Any]
    status: str
    serves: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: AssetView) -> AssetOut:
        """The JSON shape of an asset the service returned (API and CLI alike)."""
        return cls.model_validate(view, from_attributes=True)


class MeterReadingOut(BaseModel):
    """One meter reading."""

    asset: str
    meter: str
    value: float
    at: datetime
    recorded_by: str

    @classmethod
    def of(cls, view: MeterReadingView) -> MeterReadingOut:
        """The JSON shape of a meter reading the service returned."""
        return cls.model_validate(view, from_attributes=True)


class AssetDetailOut(AssetOut):
    """An asset with its work-order history (newest first) and latest meter readings."""

    work_orders: list[WorkOrderOut]
    meters: list[MeterReadingOut]
