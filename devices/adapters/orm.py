"""The device registry table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from devices.domain import STATUSES
from maintenance.adapters.types import UtcDateTime
from udara.db import Base


class DeviceRow(Base):
    """One device Udara has heard or been told about, and where its readings go."""

    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
    )
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    format: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    first_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)
    readings: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[list[str]] = mapped_column(JSON, default=list)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    sensor: Mapped[str | None] = mapped_column(String(64))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    offsets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    placed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    placed_by: Mapped[str | None] = mapped_column(String(64))
    # When ingest copied the readings held before placement into the room's history.
    held_copied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Bumped on every change a person makes: ingest refreshes its cache from the newest.
    version: Mapped[int] = mapped_column(Integer, default=0, index=True)
