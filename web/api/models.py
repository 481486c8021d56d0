"""Pydantic models of the JSON API: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

# The shapes the CLI emits too live with their packages, free of Flask (one serializer each).
from ingest.schemas import AlertOut
from maintenance.schemas import WorkOrderOut

CODE = r"^[a-z0-9_-]{1,64}$"  # building, floor and room codes, as in MQTT topics
CREW = r"^[a-z0-9][a-z0-9_-]{0,31}$"
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
Metric = Literal["temperature", "humidity", "co2", "pm25", "pm10", "co", "hcho"]
AlertState = Literal["active", "acknowledged", "resolved"]
WorkOrderType = Literal["routine", "preventive", "corrective", "emergency"]
Priority = Literal["low", "medium", "high", "urgent"]
Status = Literal["open", "assigned", "in_progress", "on_hold", "done", "verified", "cancelled"]
CellStatus = Literal["ok", "warning", "critical", "no_data"]
Frequency = Literal["daily", "weekly", "monthly", "yearly"]

MAX_RANGE = timedelta(days=400)
MAX_POINTS = 2000
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Body(BaseModel):
    """A request body: unknown fields are mistakes, not ignored; text never holds NUL."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text must not contain NUL characters")
        return data


class Query(BaseModel):
    """Query parameters; unknown ones (such as `lang`) are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Paging(Query):
    """Page through a list."""

    limit: int = Field(50, ge=1, le=500, description="items per page")
    offset: int = Field(0, ge=0, le=1_000_000_000, description="items to skip")


# --- errors ---
class ErrorOut(BaseModel):
    """What went wrong: a stable code, a sentence, and per-field details for bad input."""

    error: str = Field(description="machine-readable code, e.g. `invalid_request`")
    message: str
    details: list[dict[str, Any]] | None = None


# --- rooms and readings ---
class ProfileOut(BaseModel):
    """The threshold profile statuses are judged against."""

    name: str
    title: str
    superseded_by: str | None


class MetricOut(BaseModel):
    """Latest value of one metric and its status against the active profile."""

    value: float | None
    unit: str
    status: CellStatus
    limit: str | None


class RoomOut(BaseModel):
    """A room with its latest reading and status per metric."""

    building: str
    floor: str | None
    room: str
    name: str
    status: CellStatus
    metrics: dict[str, MetricOut]
    open_alerts: list[int]


class RoomsOut(BaseModel):
    """Every room (of a building) with its latest readings."""

    profile: ProfileOut
    items: list[RoomOut]


class RoomsQuery(Query):
    """Narrow the rooms to one building."""

    building: str | None = Field(None, pattern=CODE)


class ReadingsQuery(Query):
    """A time range and bucket size; defaults to the last 24 hours in 5-minute means."""

    metric: Metric | None = Field(None, description="one metric; all when absent")
    start: AwareDatetime | None = Field(None, description="RFC 3339 with offset")
    end: AwareDatetime | None = Field(None, description="RFC 3339 with offset; default now")
    every: str | None = Field(
        None,
        pattern=r"^[1-9][0-9]{0,5}[smhd]$",
        description="bucket size such as `5m`, `1h`, `1d`; chosen from the range when absent",
    )

    @model_validator(mode="after")
    def _range_makes_sense(self) -> ReadingsQuery:
        if self.start is not None and self.end is not None:
            if self.end <= self.start:
                raise ValueError("end must be after start")
            if self.end - self.start > MAX_RANGE:
                raise ValueError(f"the range may span at most {MAX_RANGE.days} days")
        return self

    def bucket(self) -> timedelta | None:
        """`every` as a duration."""
        if self.every is None:
            return None
        return timedelta(seconds=int(self.every[:-1]) * _UNITS[self.every[-1]])


class LimitOut(BaseModel):
    """A limit of the active profile, for drawing bands."""

    lower: float | None
    upper: float | None
    unit: str
    averaging_minutes: int | None
    label: str
    source: str


class ReadingPoint(BaseModel):
    """Start of one bucket and the mean of each metric in it."""

    time: datetime
    values: dict[str, float | None]


class ReadingsOut(BaseModel):
    """Downsampled readings of one room."""

    building: str
    room: str
    start: datetime
    end: datetime
    every: str
    metrics: list[str]
    limits: dict[str, LimitOut]
    points: list[ReadingPoint]


# --- alerts ---
class AlertQuery(Paging):
    """Filter alerts."""

    state: AlertState | None = None
    open: bool | None = Field(None, description="true: active or acknowledged")
    building: str | None = Field(None, pattern=CODE)
    room: str | None = Field(None, pattern=CODE)


class AlertsOut(BaseModel):
    """One page of alerts, newest first."""

    items: list[AlertOut]
    limit: int
    offset: int
    next_offset: int | None


# --- work orders ---
class WorkOrderQuery(Paging):
    """Filter work orders."""

    status: Status | None = None
    crew: str | None = Field(None, pattern=CREW)
    assignee: str | None = Field(None, pattern=USERNAME)
    building: str | None = Field(None, pattern=CODE)
    floor: str | None = Field(None, pattern=CODE)
    room: str | None = Field(None, pattern=CODE)
    type: WorkOrderType | None = None
    priority: Priority | None = None
    overdue: bool | None = None
    open: bool | None = Field(None, description="true: not done, verified or cancelled")
    verification: Literal["pending", "verified", "not_fixed"] | None = Field(
        None, description="sensor verification of done alert work orders"
    )


class WorkOrdersOut(BaseModel):
    """One page of work orders, soonest due first."""

    items: list[WorkOrderOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class WorkOrderCreate(Body):
    """A work order raised by hand; due time follows the SLA unless given."""

    type: WorkOrderType
    crew: str = Field(pattern=CREW)
    building: str = Field(pattern=CODE)
    room: str | None = Field(None, pattern=CODE)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    priority: Priority = "medium"
    checklist: list[str] = Field(default_factory=list, max_length=50)
    due_at: AwareDatetime | None = None
    asset: str | None = Field(None, pattern=CODE, description="equipment of the same building")

    @field_validator("checklist")
    @classmethod
    def _items_short(cls, items: list[str]) -> list[str]:
        if any(not item.strip() or len(item) > 200 for item in items):
            raise ValueError("checklist items are 1 to 200 characters")
        return items


class ChecklistTick(Body):
    """Tick (or untick) checklist item `index` (from 0)."""

    index: int = Field(ge=0, le=1000)
    done: bool = True


class WorkOrderPatch(Body):
    """Change a work order, all or nothing: assignee, checklist, status, notes, in that order.

    `assignee: null` takes the work order back to open. With `status`, `notes` become the
    transition's notes (completion notes when finishing); without it they are added as a note.
    """

    status: Status | None = None
    assignee: str | None = Field(None, pattern=USERNAME)
    notes: str | None = Field(None, min_length=1, max_length=5000)
    time_spent_minutes: int | None = Field(None, ge=0, le=100_000)
    checklist: list[ChecklistTick] | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _something_to_do(self) -> WorkOrderPatch:
        if not self.model_fields_set - {"time_spent_minutes"}:
            raise ValueError("give at least one of status, assignee, notes, checklist")
        if self.time_spent_minutes is not None and self.status is None:
            raise ValueError("time_spent_minutes goes with a status change")
        return self


# --- plans ---
class PlansQuery(Query):
    """Filter plans."""

    building: str | None = Field(None, pattern=CODE)
    crew: str | None = Field(None, pattern=CREW)
    active: bool | None = None


class PlanCreate(Body):
    """A recurring maintenance plan; times are local to the building."""

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
    title: str = Field(min_length=1, max_length=200)
    type: WorkOrderType
    crew: str = Field(pattern=CREW)
    building: str = Field(pattern=CODE)
    room: str | None = Field(None, pattern=CODE)
    freq: Frequency
    start_date: date
    times: list[time] = Field(default_factory=lambda: [time(8, 0)], min_length=1, max_length=24)
    interval: int = Field(1, ge=1, le=366)
    weekdays: list[int] = Field(default_factory=list, max_length=7)
    month_day: int | None = Field(None, ge=1, le=31)
    month: int | None = Field(None, ge=1, le=12)
    end_date: date | None = None
    priority: Priority = "medium"
    checklist: list[str] = Field(default_factory=list, max_length=50)
    description: str = Field("", max_length=5000)
    anchor: Literal["calendar", "completion"] = "calendar"
    catch_up: Literal["all", "latest", "skip"] = "latest"
    due_minutes: int | None = Field(None, ge=1, le=366 * 24 * 60)
    active: bool = True
    asset_kind: str | None = Field(
        None, pattern=CODE, description="an asset plan: one per asset of this kind"
    )
    meter: str | None = Field(None, pattern=CODE, description="also due on this meter")
    meter_every: float | None = Field(None, gt=0, description="each this much of `meter`")

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, days: list[int]) -> list[int]:
        if any(not 0 <= d <= 6 for d in days):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return days

    @field_validator("checklist")
    @classmethod
    def _items_short(cls, items: list[str]) -> list[str]:
        if any(not item.strip() or len(item) > 200 for item in items):
            raise ValueError("checklist items are 1 to 200 characters")
        return items


class PlanOut(BaseModel):
    """A recurring plan."""

    id: int
    code: str
    title: str
    description: str
    type: str
    crew: str
    priority: str
    building: str
    room: str | None
    checklist: list[str]
    freq: str
    interval: int
    times: list[str]
    weekdays: list[int]
    month_day: int | None
    month: int | None
    start_date: date
    end_date: date | None
    anchor: str
    catch_up: str
    due_minutes: int
    active: bool
    timezone: str
    asset_kind: str | None = None
    meter: str | None = None
    meter_every: float | None = None


class PlansOut(BaseModel):
    """Plans, by code."""

    items: list[PlanOut]
