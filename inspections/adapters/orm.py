"""Inspections' tables: one row per inspection run, one per answered item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from maintenance.adapters.types import UtcDateTime
from udara.db import Base


class Inspection(Base):
    """An inspection of one room or area with one template, as submitted."""

    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "inspector/key", the key made when the form is shown: submitting the same form twice
    # records one inspection.
    key: Mapped[str] = mapped_column(String(130), unique=True)
    template: Mapped[str] = mapped_column(String(64))
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    # An asset's code, free text: the asset register lives elsewhere.
    asset_code: Mapped[str | None] = mapped_column(String(64))
    inspector: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    score: Mapped[float] = mapped_column(Float)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class InspectionItem(Base):
    """One answered item, with the text it had then (templates may change later)."""

    __tablename__ = "inspection_items"
    __table_args__ = (UniqueConstraint("inspection_id", "item"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    weight: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[int | None] = mapped_column(Integer)
    percent: Mapped[float] = mapped_column(Float)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the re-encoded photo (its name in the shared photo store).
    photo: Mapped[str | None] = mapped_column(String(64))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
