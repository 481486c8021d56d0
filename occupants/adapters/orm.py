"""Occupants' tables: rooms' public links, buildings' lobby displays, requests and reports,
and the photos a crew adds to a work order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from maintenance.adapters.types import UtcDateTime
from occupants.domain.model import CATEGORIES
from udara.db import Base

STORED_STATUSES = ("new", "in_work_order", "rejected")  # `done` is read from the work order


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RoomLink(Base):
    """A room's public link token: printed on its QR code, replaced when rotated."""

    __tablename__ = "room_links"
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BuildingDisplay(Base):
    """A building's lobby display token."""

    __tablename__ = "building_displays"
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OccupantRequest(Base):
    """What the reports of one room and category within the fold window became."""

    __tablename__ = "occupant_requests"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("status", STORED_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reports: Mapped[int] = mapped_column(Integer, default=1)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    # The room's readings when the request's first air report came: metric → value.
    air: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # "room/category" while reports may fold into it, NULL after: UNIQUE makes one.
    open_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_report_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)


class OccupantReport(Base):
    """One report as an occupant sent it (the contact is kept only to send updates)."""

    __tablename__ = "occupant_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("occupant_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    message: Mapped[str] = mapped_column(Text, default="")
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    air: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # SHA-256 of the re-encoded photo (its file name in the photo store).
    photo: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8), default="id")


WORK_ORDER_PHOTO_KINDS = ("after",)


class WorkOrderPhoto(Base):
    """A photo the crew added to a work order: `after`, taken when finishing the work.
    (A request's own photos stay on its reports and reach the work order through it.)"""

    __tablename__ = "work_order_photos"
    __table_args__ = (
        CheckConstraint(_in("kind", WORK_ORDER_PHOTO_KINDS), name="kind"),
        UniqueConstraint("work_order_id", "kind", "photo"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the re-encoded photo (its file name in the photo store).
    photo: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
