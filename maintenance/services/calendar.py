"""The planned-occurrence calendar: generated, skipped and still-to-come work per plan."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from maintenance.adapters.orm import Building, Plan, Room, SkippedOccurrence, WorkOrder
from maintenance.domain.errors import NotFound
from maintenance.domain.recurrence import expand, zone
from maintenance.services.generation import completion_next
from maintenance.services.plan_rows import occurrence_due, schedule
from maintenance.views import Occurrence

_TICK = timedelta(microseconds=1)  # turns expand's (after, until] into [start, end)


def occurrences(
    session: Session, start: datetime, end: datetime, building: str | None, crew: str | None
) -> list[Occurrence]:
    """Every occurrence of the matching plans in [start, end), in time order."""
    query = select(Plan, Building).join(Building, Plan.building_id == Building.id)
    query = query.where(Plan.asset_kind.is_(None))  # a template's children are the plans
    if building:
        query = query.where(Building.code == building)
    if crew:
        query = query.where(Plan.crew_id == crew)
    rooms = dict(session.execute(select(Room.id, Room.code)).all())
    found: list[Occurrence] = []
    for plan, bldg in session.execute(query):
        room = rooms.get(plan.room_id) if plan.room_id else None
        found.extend(_of_plan(session, plan, bldg, room, start, end))
    return sorted(found, key=lambda o: (o.occurrence_at, o.plan_code))


def _of_plan(
    session: Session,
    plan: Plan,
    bldg: Building,
    room: str | None,
    start: datetime,
    end: datetime,
) -> list[Occurrence]:
    rec = schedule(plan, bldg.timezone)

    def occ(at: datetime, state: str, wo: WorkOrder | None = None) -> Occurrence:
        return Occurrence(
            plan.id, plan.code, plan.title, plan.crew_id, bldg.code, room, at, rec.to_local(at),
            occurrence_due(plan, at), state, wo.id if wo else None, wo.status if wo else None,
        )  # fmt: skip

    found: list[Occurrence] = []
    for wo in session.scalars(
        select(WorkOrder).where(
            WorkOrder.plan_id == plan.id,
            WorkOrder.occurrence_at >= start,
            WorkOrder.occurrence_at < end,
        )
    ):
        if wo.occurrence_at is not None:
            found.append(occ(wo.occurrence_at, "generated", wo))
    for skipped in session.scalars(
        select(SkippedOccurrence.occurrence_at).where(
            SkippedOccurrence.plan_id == plan.id,
            SkippedOccurrence.occurrence_at >= start,
            SkippedOccurrence.occurrence_at < end,
        )
    ):
        found.append(occ(skipped, "skipped"))
    if not plan.active:
        return found
    if plan.anchor == "completion":
        nxt = completion_next(session, plan, rec)
        planned = [nxt] if nxt is not None and start <= nxt < end else []
    else:
        planned = expand(rec, max(plan.generated_until, start - _TICK), end - _TICK)
    known = {o.occurrence_at for o in found}
    return found + [occ(at, "planned") for at in planned if at not in known]


def local_day(session: Session, building: str, now: datetime, crew: str | None) -> list[Occurrence]:
    """Occurrences during the building's local calendar day containing `now`."""
    tz_name = session.scalar(select(Building.timezone).where(Building.code == building))
    if tz_name is None:
        raise NotFound.coded("no_building", building=building)
    midnight = now.astimezone(zone(tz_name)).replace(hour=0, minute=0, second=0, microsecond=0)
    # Aware + timedelta is wall-clock arithmetic: the next local midnight even across DST.
    return occurrences(session, midnight, midnight + timedelta(days=1), building, crew)
