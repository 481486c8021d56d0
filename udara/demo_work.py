"""The demo history's people at work: each new work order gets a life, played in event time.

A life is a few steps (assign, start, finish with the checklist ticked, verify) with times
drawn per work order from a seeded generator, performed through `WorkOrderService.update`
by the demo users when the replay's event time reaches them. Steps that would fall after the
end of the history are never taken, so recent work is still open, assigned or in progress,
and a few missed rounds of the last days stay open past their deadline.
"""

from __future__ import annotations

import heapq
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Room, WorkOrder
from maintenance.domain.errors import MaintenanceError
from maintenance.services.workorders import WorkOrderService

log = logging.getLogger(__name__)

MANAGER, SUPERVISOR, TECHNICIAN, CLEANER = "manajer", "supervisor", "teknisi", "petugas"
MISSED_SHARE = 0.03  # cleaning rounds nobody did
MINUTE = timedelta(minutes=1)
SPOT_CHECKED = 0.25  # cleaning the supervisor verified on a round
OPEN_IF_MISSED_WITHIN = timedelta(days=3)  # older misses were cancelled by the supervisor
NOTES = {
    "co2-ventilation": "Damper udara segar disetel ulang, VAV diperiksa; CO2 turun di bawah "
    "1000 ppm.",
    "pm-filter": "Pre-filter AHU jenuh karena kabut asap, diganti; rangka filter disegel.",
    "pm-deep-clean": "Vakum HEPA dan lap basah kisi-kisi AC selesai.",
    "humidity-high": "Koil dan saluran kondensat diperiksa; kelembapan kembali di bawah 60 %.",
    "temperature": "Unit AC diperbaiki (katup/kapasitor diganti); suhu kembali 24 °C.",
    "sensor-offline": "Adaptor daya sensor rusak, diganti; data masuk kembali.",
}


@dataclass(frozen=True)
class NewOrder:
    """What a work order's life depends on."""

    id: int
    source: str
    crew: str
    room: str | None
    rule: str | None
    created_at: datetime
    occurrence_at: datetime | None
    due_at: datetime | None
    checklist_items: int


@dataclass(order=True)
class Step:
    """One change a person makes to a work order at a moment."""

    at: datetime
    seq: int
    order: int = field(compare=False)
    by: str = field(compare=False)
    change: dict[str, Any] = field(compare=False)


class WorkLife:
    """Schedules and performs the steps of every work order it is told about."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        work_orders: WorkOrderService,
        end: datetime,
        tz: tzinfo,
        seed: int = 1,
        faults: dict[str, list[tuple[datetime, datetime]]] | None = None,
    ) -> None:
        self._sessions = sessions
        self._work_orders = work_orders
        self.end = end
        self.tz = tz
        self.seed = seed
        self.faults = faults or {}  # room -> (start, end) of its faults: fixed at the end
        self._queue: list[Step] = []
        self._seq = 0
        self._seen = 0
        self._dropped: set[int] = set()
        self.steps_taken = 0

    def begin(self) -> None:
        """Leave the work orders that exist now alone: only new ones get a life."""
        with self._sessions() as session:
            newest = session.scalars(select(WorkOrder.id).order_by(WorkOrder.id.desc())).first()
        self._seen = newest or 0

    def discover(self) -> int:
        """Give a life to the work orders created since the last call; how many there were."""
        query = (
            select(WorkOrder, Room.code)
            .outerjoin(Room, Room.id == WorkOrder.room_id)
            .where(WorkOrder.id > self._seen)
            .order_by(WorkOrder.id)
        )
        with self._sessions() as session:
            rows = [_new_order(wo, room) for wo, room in session.execute(query)]
        for order in rows:
            self._seen = max(self._seen, order.id)
            self._plan(order)
        return len(rows)

    def run_until(self, now: datetime) -> None:
        """Take every step due by `now`, oldest first."""
        queue = self._queue
        while queue and queue[0].at <= now:
            step = heapq.heappop(queue)
            if step.order in self._dropped:
                continue
            try:
                self._work_orders.update(step.order, step.by, step.at, **step.change)
                self.steps_taken += 1
            except MaintenanceError as exc:  # someone (or the SLA) got there first: let it be
                log.debug("work order %s: step %s refused: %s", step.order, step.change, exc)
                self._dropped.add(step.order)

    def _plan(self, order: NewOrder) -> None:
        rng = random.Random(f"{self.seed}:work:{order.id}")  # noqa: S311 - made-up lives
        if order.source == "alert":
            steps = self._alert_work(order, rng)
        elif order.source == "plan" and order.occurrence_at is not None:
            steps = self._plan_work(order, order.occurrence_at, rng)
        else:
            steps = []
        for at, by, change in steps:
            if at < self.end:
                self._seq += 1
                heapq.heappush(self._queue, Step(at, self._seq, order.id, by, change))

    def _plan_work(
        self, order: NewOrder, due: datetime, rng: random.Random
    ) -> list[tuple[datetime, str, dict[str, Any]]]:
        if order.crew == "cleaning":
            return self._cleaning(order, due, rng)
        worker = TECHNICIAN if order.crew == "hvac" else MANAGER  # vendors report to the manager
        start = self._working(due, rng) + _minutes(rng, 0, 90)
        done = start + _minutes(rng, 45, 180)
        steps = [
            (start, worker, _status("in_progress")),
            (done, worker, _finish(order, done - start)),
        ]
        if worker != MANAGER and rng.random() < 0.7:  # nobody verifies their own work
            steps.append((self._verify_time(done, rng), MANAGER, _status("verified")))
        return steps

    def _cleaning(
        self, order: NewOrder, due: datetime, rng: random.Random
    ) -> list[tuple[datetime, str, dict[str, Any]]]:
        """A round or a deep clean: done on time, now and then spot-checked, rarely missed."""
        if rng.random() < MISSED_SHARE:
            if self.end - due < OPEN_IF_MISSED_WITHIN:
                return []  # still open, overdue by now
            why = "Terlewat: petugas cuti; dikerjakan pada ronde berikutnya."
            return [(self._morning(due, rng), SUPERVISOR, _status("cancelled", why))]
        start = due + _minutes(rng, -5, 25)
        window = min((order.due_at or due) - due, timedelta(hours=4)) or timedelta(hours=1)
        done = start + _minutes(rng, 0.2 * window / MINUTE, 0.6 * window / MINUTE)
        steps = [
            (start, CLEANER, _status("in_progress")),
            (done, CLEANER, _finish(order, done - start)),
        ]
        if rng.random() < SPOT_CHECKED:
            steps.append((self._verify_time(done, rng), SUPERVISOR, _status("verified")))
        return steps

    def _alert_work(
        self, order: NewOrder, rng: random.Random
    ) -> list[tuple[datetime, str, dict[str, Any]]]:
        boss, worker = (MANAGER, TECHNICIAN) if order.crew == "hvac" else (SUPERVISOR, CLEANER)
        assigned = self._working(order.created_at + _minutes(rng, 3, 25), rng)
        start = assigned + _minutes(rng, 10, 40)
        work = _minutes(rng, 40, 150)
        done = start + work
        for began, fixed in self.faults.get(order.room or "", ()):
            if began <= order.created_at < fixed:  # done once the fault is fixed, not before
                done = max(done, fixed + _minutes(rng, 5, 30))
        note = NOTES.get(order.rule or "", "Selesai dikerjakan.")
        steps = [
            (assigned, boss, {"assignee": worker}),
            (start, worker, _status("in_progress")),
            (done, worker, _finish(order, work, note)),
        ]
        if rng.random() < 0.8:
            steps.append((self._verify_time(done, rng), boss, _status("verified")))
        return steps

    def _working(self, at: datetime, rng: random.Random) -> datetime:
        """`at` if it falls in working hours, else the next working morning."""
        local = at.astimezone(self.tz)
        if local.weekday() < 5 and time(7, 30) <= local.time() < time(17, 30):
            return at
        return self._morning(at, rng)

    def _morning(self, at: datetime, rng: random.Random) -> datetime:
        """Some minutes past 08:00 of the next workday after `at`."""
        day = at.astimezone(self.tz).date() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, time(8), self.tz) + _minutes(rng, 0, 45)

    def _verify_time(self, done: datetime, rng: random.Random) -> datetime:
        """A supervisor's round: late afternoon the same workday, else the next morning."""
        local = done.astimezone(self.tz)
        if local.weekday() < 5 and local.time() < time(16):
            return datetime.combine(local.date(), time(16, 30), self.tz) + _minutes(rng, 0, 60)
        return self._morning(done, rng)


def _new_order(wo: WorkOrder, room: str | None) -> NewOrder:
    return NewOrder(
        wo.id, wo.source, wo.crew_id, room, wo.rule_id, wo.created_at, wo.occurrence_at,
        wo.due_at, len(wo.checklist),
    )  # fmt: skip


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=round(rng.uniform(low, high)))


def _status(to: str, notes: str | None = None) -> dict[str, Any]:
    return {"status": to, "notes": notes}


def _finish(order: NewOrder, work: timedelta, notes: str | None = None) -> dict[str, Any]:
    """Every checklist item ticked, then done, with the time the work itself took."""
    ticks = [(i, True) for i in range(order.checklist_items)]
    return {"ticks": ticks, "status": "done", "notes": notes, "time_spent": work // MINUTE}
