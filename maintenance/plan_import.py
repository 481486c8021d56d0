"""`udara plans import`: load a strategy file into locations and plans, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Building, Crew, Floor, Room
from maintenance.adapters.sql import insert_ignore
from maintenance.domain.errors import InvalidInput
from maintenance.domain.locations import default_daily_rounds, default_priority, default_traffic
from maintenance.domain.recurrence import zone
from maintenance.plan_file import PlanFileError, StrategyIn, TaskIn, dotted, read_strategy, where
from maintenance.services.locations import ensure_building, ensure_floor, ensure_room_in
from maintenance.services.plan_rows import PlanSpec
from maintenance.services.plans import save_plan
from udara.db import transaction


@dataclass
class ImportReport:
    """Plan codes by what the import did to them."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class _FieldError(Exception):
    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def import_strategy(
    session_factory: sessionmaker[Session], path: Path, now: datetime, default_tz: str
) -> ImportReport:
    """Validate the whole file, then apply it in one transaction; PlanFileError on any fault."""
    model, tree = read_strategy(path)
    report = ImportReport()
    try:
        with transaction(session_factory) as session:
            _locations(session, model, default_tz)
            seen: set[str] = set()
            for index, task in enumerate(model.tasks):
                if task.code in seen:
                    raise _FieldError(("tasks", index, "code"), f"{task.code!r} appears twice")
                seen.add(task.code)
                for spec in _specs(session, task, ("tasks", index), now):
                    try:
                        _, outcome = save_plan(session, spec, now, default_tz)
                    except InvalidInput as exc:
                        raise _FieldError(("tasks", index), str(exc)) from exc
                    getattr(report, outcome if outcome != "same" else "unchanged").append(spec.code)
    except _FieldError as exc:
        raise PlanFileError(f"{path}:{where(tree, exc.loc)}: {dotted(exc.loc)}: {exc}") from exc
    return report


def _locations(session: Session, model: StrategyIn, default_tz: str) -> None:
    for crew in model.crews:
        insert_ignore(session, Crew, {"id": crew.id, "name": crew.name}, on=["id"])
        session.execute(update(Crew).where(Crew.id == crew.id).values(name=crew.name))
    for bi, b in enumerate(model.buildings):
        tz = b.timezone or default_tz
        try:
            zone(tz)
        except InvalidInput as exc:
            raise _FieldError(("buildings", bi, "timezone"), str(exc)) from exc
        building = session.get_one(Building, ensure_building(session, b.code, tz, b.name))
        building.name, building.timezone = b.name or building.name, tz
        for f in b.floors:
            floor = session.get_one(Floor, ensure_floor(session, building.id, f.code, f.name))
            floor.name, floor.level = f.name or floor.name, f.level
            for r in f.rooms:
                room = session.get_one(Room, ensure_room_in(session, building.id, floor.id, r.code))
                room.floor_id, room.name, room.kind = floor.id, r.name or r.code, r.kind
                room.traffic = r.traffic or default_traffic(r.kind)
    session.flush()


def _rooms(session: Session, task: TaskIn, loc: tuple[Any, ...]) -> list[Room | None]:
    a = task.areas
    building_id = session.scalar(select(Building.id).where(Building.code == a.building))
    if building_id is None:
        raise _FieldError((*loc, "areas", "building"), f"no building {a.building!r}")
    if a.assets or not (a.rooms or a.floors or a.kinds or a.traffic):
        return [None]  # building-wide task, or an asset plan (one child per asset)
    query = select(Room).where(Room.building_id == building_id).order_by(Room.code)
    if a.rooms:
        known = set(session.scalars(select(Room.code).where(Room.building_id == building_id)))
        for i, code in enumerate(a.rooms):
            if code not in known:
                raise _FieldError((*loc, "areas", "rooms", i), f"no room {code!r} in {a.building}")
        query = query.where(Room.code.in_(a.rooms))
    if a.floors:
        query = query.join(Floor).where(Floor.code.in_(a.floors))
    if a.kinds:
        query = query.where(Room.kind.in_(a.kinds))
    if a.traffic:
        query = query.where(Room.traffic.in_(a.traffic))
    rooms = list(session.scalars(query))
    if not rooms:
        raise _FieldError((*loc, "areas"), "matches no room")
    return list(rooms)


def _specs(session: Session, task: TaskIn, loc: tuple[Any, ...], now: datetime) -> list[PlanSpec]:
    if session.get(Crew, task.crew) is None:
        raise _FieldError((*loc, "crew"), f"no crew {task.crew!r} (add it under crews:)")
    s = task.schedule
    tz = session.scalars(select(Building.timezone).where(Building.code == task.areas.building))
    start = s.start or now.astimezone(zone(tz.first() or "UTC")).date()
    specs = []
    for room in _rooms(session, task, loc):
        traffic = room.traffic if room else "normal"
        times: tuple[time, ...] = tuple(s.at) if s.at else (time(8, 0),)
        if not s.at and s.freq == "daily":
            times = default_daily_rounds(traffic)  # busy areas get more rounds
        code = f"{task.code}@{task.areas.building}" + (f"/{room.code}" if room else "")
        spec = PlanSpec(
            code=code, title=task.title, type=task.type, crew=task.crew,
            building=task.areas.building, room=room.code if room else None, freq=s.freq,
            start_date=start, times=times, interval=s.interval, weekdays=tuple(s.weekdays or ()),
            month_day=s.month_day, month=s.month, end_date=s.end,
            priority=task.priority or default_priority(traffic), checklist=tuple(task.checklist),
            description=task.description, anchor=task.anchor, catch_up=task.catch_up,
            due_minutes=task.due_within, active=task.active, asset_kind=task.areas.assets,
            meter=task.meter.name if task.meter else None,
            meter_every=task.meter.every if task.meter else None,
        )  # fmt: skip
        try:
            spec.validate("UTC")
        except InvalidInput as exc:
            raise _FieldError((*loc, "schedule"), str(exc)) from exc
        specs.append(spec)
    return specs


__all__ = ["ImportReport", "PlanFileError", "import_strategy"]
