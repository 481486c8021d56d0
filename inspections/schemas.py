"""The public inspection JSON: one model for the API and `udara inspections list --json`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from inspections.services.inspections import InspectionView


class InspectionItemOut(BaseModel):
    """An answered item with its mark and the work order a failure opened."""

    position: int
    item: str
    text: str
    kind: str
    passed: bool | None
    score: int | None
    percent: float
    failed: bool
    note: str
    has_photo: bool
    work_order_id: int | None


class InspectionOut(BaseModel):
    """A recorded inspection; `score` is the weighted percentage."""

    id: int
    template: str
    crew: str
    building: str
    room: str
    room_name: str
    asset: str | None
    inspector: str
    at: datetime
    score: float
    failed: int
    note: str
    items: list[InspectionItemOut]
    work_orders: list[int]

    @classmethod
    def of(cls, view: InspectionView) -> InspectionOut:
        """The JSON shape of an inspection the service returned."""
        return cls(
            id=view.id, template=view.template, crew=view.crew, building=view.building,
            room=view.room, room_name=view.room_name, asset=view.asset_code,
            inspector=view.inspector, at=view.at, score=view.score, failed=view.failed,
            note=view.note,
            items=[InspectionItemOut.model_validate(i, from_attributes=True) for i in view.items],
            work_orders=list(view.work_orders),
        )  # fmt: skip
