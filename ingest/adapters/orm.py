"""Alert tables. `open_key` is set while an alert is open and NULL once resolved, so a
UNIQUE index on it lets the database itself guarantee one open alert per condition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from udara.db import Base


class AlertRow(Base):
    """One alert: a threshold breach or a sensor problem, with its lifecycle."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building: Mapped[str] = mapped_column(String(64))
    room: Mapped[str] = mapped_column(String(64))
    sensor: Mapped[str | None] = mapped_column(String(64))
    metric: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="threshold")
    state: Mapped[str] = mapped_column(String(16), default="active")
    open_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    value: Mapped[float | None] = mapped_column(Float)
    limit_text: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text, default="")
    # The message as a code and its parameters, worded in the reader's language when shown.
    message_code: Mapped[str | None] = mapped_column(String(64))
    message_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_alerts_state_opened", "state", "opened_at"),
        Index("ix_alerts_building_room", "building", "room"),
    )
