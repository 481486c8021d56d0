"""Asset tables: the register, the rooms each unit serves (its zone), meter readings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assets.domain.model import ASSET_STATUSES
from maintenance.adapters.types import UtcDateTime
from udara.db import Base


class AssetRow(Base):
    """One piece of equipment of a building; `code` is unique across buildings."""

    __tablename__ = "assets"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in ASSET_STATUSES)})", name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))  # where it stands
    name: Mapped[str] = mapped_column(String(100))
    make: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    serial: Mapped[str | None] = mapped_column(String(100))
    installed_on: Mapped[date | None] = mapped_column(Date)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Bumped to lock the row: zone decisions of one unit are taken one at a time.
    version: Mapped[int] = mapped_column(Integer, default=0)


class AssetRoom(Base):
    """A room the asset supplies: together they are its zone."""

    __tablename__ = "asset_rooms"
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), primary_key=True, index=True)


class MeterReading(Base):
    """One reading of an asset's meter (run hours, filter pressure drop, ...)."""

    __tablename__ = "asset_meter_readings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), index=True)
    meter: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))
