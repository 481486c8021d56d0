"""Converting between plan rows, plan specs, schedules and views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from assets.domain.meters import MeterTrigger
from assets.domain.model import ASSET_KINDS, check_meter
from maintenance.adapters.orm import Building, Plan, Room
from maintenance.domain.errors import InvalidInput
from maintenance.domain.model import ANCHORS, CATCH_UP_POLICIES, PRIORITIES, WORK_ORDER_TYPES
from maintenance.domain.recurrence import Recurrence, default_due_window
from maintenance.views import PlanView

# Changing any of these moves occurrences: untouched future work orders are regenerated.
SCHEDULE_FIELDS = frozenset(
    {"building", "room", "freq", "interval", "times", "weekdays", "month_day", "month",
     "start_date", "end_date", "anchor", "active"}
)  # fmt: skip


@dataclass(frozen=True)
class PlanSpec:
    """Everything that defines a plan, as given by a person or a strategy file."""

    code: str
    title: str
    type: str
    crew: str
    building: str
    freq: str
    start_date: date
    room: str | None = None
    times: tuple[time, ...] = (time(8, 0),)
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    month_day: int | None = None
    month: int | None = None
    end_date: date | None = None
    priority: str = "medium"
    checklist: tuple[str, ...] = ()
    description: str = ""
    anchor: str = "calendar"
    catch_up: str = "latest"
    due_minutes: int | None = None
    active: bool = True
    # An asset plan: one child plan (and its work) per active asset of this kind.
    asset_kind: str | None = None
    # Calendar or meter, whichever comes first: also due each `meter_every` of `meter`.
    meter: str | None = None
    meter_every: float | None = None

    def validate(self, timezone: str) -> Recurrence:
        """Check the spec; returns its schedule in `timezone` (raises InvalidInput)."""
        for value, allowed, what in (
            (self.type, WORK_ORDER_TYPES, "type"),
            (self.priority, PRIORITIES, "priority"),
            (self.anchor, ANCHORS, "anchor"),
            (self.catch_up, CATCH_UP_POLICIES, "catch_up"),
        ):
            if value not in allowed:
                raise InvalidInput.coded("must_be_one_of", what=what, allowed=", ".join(allowed))
        if not self.title.strip() or not self.code.strip():
            raise InvalidInput.coded("empty_code_or_title")
        if self.due_minutes is not None and self.due_minutes <= 0:
            raise InvalidInput.coded("due_minutes_positive")
        if self.asset_kind is not None and self.asset_kind not in ASSET_KINDS:
            raise InvalidInput.coded(
                "must_be_one_of", what="asset_kind", allowed=", ".join(ASSET_KINDS)
            )
        if (self.meter is None) != (self.meter_every is None):
            raise InvalidInput("meter and meter_every go together")
        if self.meter is not None:
            check_meter(self.meter)
            MeterTrigger(self.meter, float(self.meter_every or 0))
        return schedule(self, timezone)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PlanSpec:
        """A spec from JSON-like data ("07:00", "2025-01-31"); InvalidInput names the field."""
        try:
            return TypeAdapter(cls).validate_python(dict(data))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "plan"
            raise InvalidInput(f"{where}: {first['msg']}") from exc

    def due_window(self) -> timedelta:
        """How long after each occurrence its work order is due."""
        if self.due_minutes is not None:
            return timedelta(minutes=self.due_minutes)
        return default_due_window(self.freq, self.interval)


def schedule(p: PlanSpec | Plan, timezone: str) -> Recurrence:
    """The recurrence of a plan row or spec, in its building's time zone."""
    times = p.times if isinstance(p, PlanSpec) else parse_times(p.times)
    weekdays = p.weekdays if isinstance(p, PlanSpec) else parse_weekdays(p.weekdays)
    return Recurrence(
        freq=p.freq, start=p.start_date, tz=timezone, times=times, interval=p.interval,
        weekdays=weekdays, month_day=p.month_day, month=p.month, end=p.end_date,
    )  # fmt: skip


def parse_times(text: str) -> tuple[time, ...]:
    """'07:00,12:00' as times."""
    return tuple(time.fromisoformat(t) for t in text.split(",") if t)


def parse_weekdays(text: str) -> tuple[int, ...]:
    """'0,3' as weekday numbers."""
    return tuple(int(d) for d in text.split(",") if d)


def spec_of(session: Session, plan: Plan) -> PlanSpec:
    """The spec a plan row was made from."""
    building = session.get_one(Building, plan.building_id)
    room = session.get(Room, plan.room_id) if plan.room_id else None
    return PlanSpec(
        code=plan.code, title=plan.title, type=plan.type, crew=plan.crew_id,
        building=building.code, room=room.code if room else None, freq=plan.freq,
        start_date=plan.start_date, times=parse_times(plan.times), interval=plan.interval,
        weekdays=parse_weekdays(plan.weekdays), month_day=plan.month_day, month=plan.month,
        end_date=plan.end_date, priority=plan.priority, checklist=tuple(plan.checklist),
        description=plan.description, anchor=plan.anchor, catch_up=plan.catch_up,
        due_minutes=plan.due_minutes, active=plan.active, asset_kind=plan.asset_kind,
        meter=plan.meter, meter_every=plan.meter_every,
    )  # fmt: skip


def row_values(spec: PlanSpec, building_id: int, room_id: int | None) -> dict[str, Any]:
    """Column values of a plan row for `spec`."""
    return {
        "code": spec.code, "title": spec.title.strip(), "description": spec.description,
        "type": spec.type, "crew_id": spec.crew, "priority": spec.priority,
        "checklist": list(spec.checklist), "building_id": building_id, "room_id": room_id,
        "freq": spec.freq, "interval": spec.interval,
        "times": ",".join(t.strftime("%H:%M") for t in sorted(set(spec.times))),
        "weekdays": ",".join(str(d) for d in sorted(set(spec.weekdays))),
        "month_day": spec.month_day, "month": spec.month, "start_date": spec.start_date,
        "end_date": spec.end_date, "anchor": spec.anchor, "catch_up": spec.catch_up,
        "due_minutes": spec.due_window() // timedelta(minutes=1), "active": spec.active,
        "asset_kind": spec.asset_kind, "meter": spec.meter, "meter_every": spec.meter_every,
    }  # fmt: skip


def changed_fields(old: PlanSpec, new: PlanSpec) -> set[str]:
    """Names of the spec fields that differ."""
    return {f.name for f in fields(PlanSpec) if getattr(old, f.name) != getattr(new, f.name)}


def plan_view(session: Session, plan: Plan) -> PlanView:
    """A plan as the API shows it."""
    spec = spec_of(session, plan)
    building = session.get_one(Building, plan.building_id)
    return PlanView(
        id=plan.id, code=plan.code, title=plan.title, description=plan.description,
        type=plan.type, crew=plan.crew_id, priority=plan.priority, building=spec.building,
        room=spec.room, checklist=tuple(plan.checklist), freq=plan.freq,
        interval=plan.interval, times=tuple(t.strftime("%H:%M") for t in spec.times),
        weekdays=spec.weekdays, month_day=plan.month_day, month=plan.month,
        start_date=plan.start_date, end_date=plan.end_date, anchor=plan.anchor,
        catch_up=plan.catch_up, due_minutes=plan.due_minutes, active=plan.active,
        timezone=building.timezone, asset_kind=plan.asset_kind, meter=plan.meter,
        meter_every=plan.meter_every,
    )  # fmt: skip


def occurrence_due(plan: Plan, occurrence_at: datetime) -> datetime:
    """Due time of an occurrence: it follows the occurrence, not when the job ran."""
    return occurrence_at + timedelta(minutes=plan.due_minutes)
