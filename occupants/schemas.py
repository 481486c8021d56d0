"""The public request JSON: one model for the API and `udara requests list --json`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class RequestOut(BaseModel):
    """An occupant request (CONTRACTS.md, "Occupants"); `air` only for air reports."""

    ref: str
    building: str
    room: str
    category: str
    symptoms: list[str]
    status: str
    reports: int
    work_order_id: int | None
    created_at: datetime
    air: dict[str, float] | None
