"""Maintenance tables: people and crews, locations, plans, work orders and their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from maintenance.adapters.types import UtcDateTime
from maintenance.domain.model import PRIORITIES, ROLES, STATUSES, WORK_ORDER_TYPES
from maintenance.domain.stock import MOVEMENT_KINDS
from maintenance.domain.verification import VERIFICATION_STATES
from udara.db import Base


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Crew(Base):
    """A team work is given to, by short id (`cleaning`, `hvac`, ...)."""

    __tablename__ = "crews"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class User(Base):
    """A person who signs in or is given work."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CrewMember(Base):
    """Membership of a user in a crew; supervisors are members with the flag set."""

    __tablename__ = "crew_members"
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    is_supervisor: Mapped[bool] = mapped_column(Boolean, default=False)


class UserBuilding(Base):
    """A building a user is limited to; a user without rows here reaches every building."""

    __tablename__ = "user_buildings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True)


class Building(Base):
    """A building; `code` matches the building part of MQTT topics."""

    __tablename__ = "buildings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    # Operating hours per weekday, local time: {"mon": [["07:00", "19:00"]], ...}.
    hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSON, default=dict)


class Floor(Base):
    """A floor of a building."""

    __tablename__ = "floors"
    __table_args__ = (UniqueConstraint("building_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int | None] = mapped_column(Integer)


class Room(Base):
    """A room or area; `code` matches the room part of MQTT topics, unique per building."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("building_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    floor_id: Mapped[int] = mapped_column(ForeignKey("floors.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    traffic: Mapped[str] = mapped_column(String(16))


class RoomAlias(Base):
    """Another code a room was once known by (a discovered typo merged into it): readings
    stored under the alias stay part of the room's history, and new ones are filed under it."""

    __tablename__ = "room_aliases"
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Plan(Base):
    """A recurring maintenance task for one location, expanded into work orders."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16))
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"))
    priority: Mapped[str] = mapped_column(String(16))
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    freq: Mapped[str] = mapped_column(String(16))
    interval: Mapped[int] = mapped_column(Integer, default=1)
    times: Mapped[str] = mapped_column(String(200))  # "07:00,12:00" local
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "0,3" (0 = Monday)
    month_day: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    anchor: Mapped[str] = mapped_column(String(16), default="calendar")
    catch_up: Mapped[str] = mapped_column(String(16), default="all")
    due_minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An asset plan: `asset_kind` set, it expands into one child plan per asset of that kind
    # in the building (`parent_id`, `asset_id` set on the child), and generates nothing itself.
    asset_kind: Mapped[str | None] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    # Calendar or meter, whichever comes first: due also each `meter_every` of `meter`.
    meter: Mapped[str | None] = mapped_column(String(32))
    meter_every: Mapped[float | None] = mapped_column(Float)
    meter_baseline: Mapped[float | None] = mapped_column(Float)
    # Every occurrence at or before this instant has been generated or recorded as skipped.
    generated_until: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SkippedOccurrence(Base):
    """An occurrence a catch-up policy decided not to generate, kept so the gap is visible."""

    __tablename__ = "skipped_occurrences"
    __table_args__ = (UniqueConstraint("plan_id", "occurrence_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    occurrence_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(64))


class WorkOrder(Base):
    """A piece of work for a crew at a location, from a plan, an alert or a person."""

    __tablename__ = "work_orders"
    __table_args__ = (
        UniqueConstraint("plan_id", "occurrence_at"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("type", WORK_ORDER_TYPES), name="type"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(16))
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    occurrence_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Alerts are ingest's table: referenced by id only, so each side migrates on its own.
    alert_id: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[str | None] = mapped_column(String(64))
    # The equipment the work is on (an AHU, an FCU); a zone order names the rooms it covers.
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    zone_rooms: Mapped[list[str] | None] = mapped_column(JSON)
    # "room/rule" (or "asset:id/rule" for a zone's order) while open, NULL once closed:
    # UNIQUE makes one open order per (room, rule).
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    respond_by: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    alert_resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completion_notes: Mapped[str | None] = mapped_column(Text)
    time_spent_minutes: Mapped[int | None] = mapped_column(Integer)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # False until a person changes it: plan edits may still rewrite untouched future orders.
    touched: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WorkOrderAlert(Base):
    """An alert attached to a work order, and when it resolved."""

    __tablename__ = "work_order_alerts"
    # One alert feeds each rule's work order once, however often it is replayed.
    __table_args__ = (UniqueConstraint("alert_id", "rule_id"),)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    attached_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WorkOrderEvent(Base):
    """One line of a work order's history: who changed what, when."""

    __tablename__ = "work_order_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SlaTargetRow(Base):
    """Configurable response and resolution targets per (type, priority)."""

    __tablename__ = "sla_targets"
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    priority: Mapped[str] = mapped_column(String(16), primary_key=True)
    respond_minutes: Mapped[int] = mapped_column(Integer)
    resolve_minutes: Mapped[int] = mapped_column(Integer)


class WorkOrderVerification(Base):
    """Sensor verification of an alert-born corrective order once it is done: pending until
    the room's readings stayed inside the limit (verified) or breached first (not_fixed)."""

    __tablename__ = "work_order_verifications"
    __table_args__ = (CheckConstraint(_in("state", VERIFICATION_STATES), name="state"),)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(16))
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)
    # The order's completed_at this verification watches from (a redo starts a new one).
    since: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), index=True)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    mean: Mapped[float | None] = mapped_column(Float)
    samples: Mapped[int | None] = mapped_column(Integer)
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    breach_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    alert_id: Mapped[int | None] = mapped_column(Integer)


class StockItem(Base):
    """Something kept in stock (a filter size, a cleaning supply), counted in `unit`; the
    crew whose supervisor buys it when it runs low."""

    __tablename__ = "stock_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(16))
    crew_id: Mapped[str] = mapped_column(ForeignKey("crews.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StockLevel(Base):
    """How much of an item a building holds, and the level at which it is reordered."""

    __tablename__ = "stock_levels"
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float, default=0.0)
    reorder_level: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StockMovement(Base):
    """Stock received or consumed (on a work order), by whom and when."""

    __tablename__ = "stock_movements"
    __table_args__ = (CheckConstraint(_in("kind", MOVEMENT_KINDS), name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[float] = mapped_column(Float)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


# Work orders and plans reference assets: register their table with the same metadata.
import assets.adapters.orm  # noqa: E402,F401
