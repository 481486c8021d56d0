"""Sensor-verified completion: the scheduler's job watches rooms after alert work is done.

When a corrective work order born of an air-quality (threshold) alert is done, the room's
readings of the alert's metric must stay inside the limit for UDARA_VERIFY_MINUTES; then
Udara verifies the order itself (history "verified_by_sensor" with the mean over that
period). A reading outside the limit, or a new alert for the same room and metric, first
flags it "not fixed" (history "not_fixed_by_sensor"; the work-order list filters by it).

The database and InfluxDB are the truth and the job keeps no state between runs: a restart
checks again from the order's completion, so nothing is lost and nothing is decided twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Building, Room, WorkOrder, WorkOrderVerification
from maintenance.adapters.sql import lock
from maintenance.domain.verification import DEFAULT_MAX_GAP, Bounds, Sample, Verdict, decide
from maintenance.services.events import WorkOrderChange, WorkOrderListener
from maintenance.services.records import record
from udara.db import transaction
from udara.scope import EVERYTHING

if TYPE_CHECKING:
    from ingest.alert_service import AlertService

log = logging.getLogger(__name__)
VERIFY_JOB_ID = "maintenance.verify"
VERIFY_EVERY_S = 60
# Orders done longer ago than this are not watched (nor, after an upgrade, judged afresh).
LOOKBACK = timedelta(days=7)
SENSOR = "sensor"  # the actor of the history lines the job writes

Readings = Callable[[str, str, str, datetime, datetime], Sequence[tuple[datetime, float]]]


@dataclass
class VerifyReport:
    """What one pass did."""

    started: int = 0
    checked: int = 0
    verified: list[int] = field(default_factory=list)
    not_fixed: list[int] = field(default_factory=list)
    errors: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for the log."""
        return {"started": self.started, "checked": self.checked, "verified": self.verified,
                "not_fixed": self.not_fixed, "errors": self.errors}  # fmt: skip


@dataclass(frozen=True)
class _Watch:
    wo_id: int
    building: str
    room: str
    metric: str
    since: datetime
    bounds: Bounds


class SensorVerification:
    """Starts, checks and decides the sensor verification of done alert work orders."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        readings: Readings,
        alerts: Callable[[], AlertService],
        bounds_of: Callable[[str], Bounds | None],
        hold: timedelta,
        max_gap: timedelta = DEFAULT_MAX_GAP,
        listeners: Sequence[WorkOrderListener] = (),
    ) -> None:
        self._sessions = session_factory
        self._readings = readings
        self._alerts = alerts
        self._bounds_of = bounds_of
        self.hold = hold
        self.max_gap = max_gap
        self._listeners = tuple(listeners)
        # Done orders whose alert the air does not judge (offline, faulty sensor): looked up
        # once per process, not every minute.
        self._not_judged: set[int] = set()

    def run(self, now: datetime) -> VerifyReport:
        """One pass as of `now`: start watching newly done orders, then check every watch."""
        report = VerifyReport()
        report.started = self._start(now)
        for watch in self._watches(now):
            report.checked += 1
            try:
                verdict, alert_id = self._verdict(watch, now)
                if verdict.state != "pending" and self._decide(watch, verdict, alert_id, now):
                    target = report.verified if verdict.state == "verified" else report.not_fixed
                    target.append(watch.wo_id)
            except Exception:  # one room's trouble (InfluxDB down) must not stop the others
                log.exception("sensor verification of work order %s failed", watch.wo_id)
                report.errors += 1
        return report

    def _start(self, now: datetime) -> int:
        """A pending verification for every done alert order without one for this completion."""
        current = and_(
            WorkOrderVerification.work_order_id == WorkOrder.id,
            WorkOrderVerification.since == WorkOrder.completed_at,
        )
        q = (
            select(WorkOrder.id, WorkOrder.alert_id, WorkOrder.completed_at)
            .outerjoin(WorkOrderVerification, current)
            .where(
                WorkOrder.source == "alert", WorkOrder.type == "corrective",
                WorkOrder.status == "done", WorkOrder.alert_id.is_not(None),
                WorkOrder.completed_at >= now - LOOKBACK,
                WorkOrderVerification.work_order_id.is_(None),
            )
        )  # fmt: skip
        with self._sessions() as session:
            found = list(session.execute(q))
        started = 0
        for wo_id, alert_id, completed_at in found:
            if wo_id in self._not_judged:
                continue
            alert = self._alerts().get(alert_id or 0, scope=EVERYTHING)
            bounds = self._bounds_of(alert.metric) if alert and alert.metric else None
            if alert is None or alert.kind != "threshold" or bounds is None:
                self._not_judged.add(wo_id)  # offline and faulty-sensor work: not the air
                continue
            with transaction(self._sessions) as session:
                row = session.get(WorkOrderVerification, wo_id, with_for_update=True)
                if row is not None and row.since == completed_at:
                    continue
                if row is not None:  # sent back and done again: watch the new completion
                    session.delete(row)
                    session.flush()
                session.add(
                    WorkOrderVerification(
                        work_order_id=wo_id, metric=alert.metric, lower=bounds.lower,
                        upper=bounds.upper, since=completed_at, state="pending",
                    )
                )  # fmt: skip
                record(session, wo_id, now, SENSOR, "sensor_watch", metric=alert.metric,
                       minutes=int(self.hold.total_seconds() // 60))  # fmt: skip
                started += 1
        return started

    def _watches(self, now: datetime) -> list[_Watch]:
        q = (
            select(WorkOrderVerification, Building.code, Room.code)
            .join(WorkOrder, WorkOrder.id == WorkOrderVerification.work_order_id)
            .join(Building, Building.id == WorkOrder.building_id)
            .join(Room, Room.id == WorkOrder.room_id)
            .where(
                WorkOrderVerification.state == "pending",
                WorkOrderVerification.since == WorkOrder.completed_at,
                WorkOrderVerification.since >= now - LOOKBACK,
                WorkOrder.status.in_(("done", "verified")),
            )
        )
        with self._sessions() as session:
            return [
                _Watch(
                    v.work_order_id, building, room, v.metric, v.since, Bounds(v.lower, v.upper)
                )  # fmt: skip
                for v, building, room in session.execute(q)
            ]

    def _verdict(self, watch: _Watch, now: datetime) -> tuple[Verdict, int | None]:
        """The verdict as of `now`, and the new alert's id when that decided it."""
        samples = [
            Sample(at, value)
            for at, value in self._readings(
                watch.building, watch.room, watch.metric, watch.since, now
            )
        ]
        later = [
            a
            for a in self._alerts().list(
                building=watch.building, room=watch.room, kind="threshold", since=watch.since,
                scope=EVERYTHING,
            )
            if a.metric == watch.metric and a.opened_at > watch.since
        ]  # fmt: skip
        first = min(later, key=lambda a: a.opened_at) if later else None
        verdict = decide(
            since=watch.since, now=now, readings=samples, bounds=watch.bounds, hold=self.hold,
            max_gap=self.max_gap, new_alert_at=first.opened_at if first else None,
        )  # fmt: skip
        if verdict.reason == "new_alert" and first is not None:
            return replace(verdict, value=first.value), first.id
        return verdict, None

    def _decide(self, watch: _Watch, verdict: Verdict, alert_id: int | None, now: datetime) -> bool:
        """Record the verdict once (a second scheduler deciding too finds it decided)."""
        with transaction(self._sessions) as session:
            if not lock(session, WorkOrder, watch.wo_id):
                return False
            row = session.get(WorkOrderVerification, watch.wo_id, populate_existing=True)
            wo = session.get_one(WorkOrder, watch.wo_id, populate_existing=True)
            if row is None or row.state != "pending" or row.since != wo.completed_at:
                return False
            row.state, row.decided_at, row.checked_at = verdict.state, now, now
            row.mean, row.samples = verdict.mean, verdict.samples or None
            row.window_start, row.window_end = verdict.window_start, verdict.window_end
            row.breach_at, row.reason, row.value = verdict.breach_at, verdict.reason, verdict.value
            row.alert_id = alert_id
            if verdict.state == "verified":
                detail: dict[str, Any] = {
                    "metric": watch.metric, "mean": round(verdict.mean or 0.0, 2),
                    "samples": verdict.samples, "minutes": int(self.hold.total_seconds() // 60),
                    "from": _iso(verdict.window_start), "to": _iso(verdict.window_end),
                }  # fmt: skip
                if wo.status == "done":
                    record(session, wo.id, now, SENSOR, "verified_by_sensor", "done", "verified",
                           **detail)  # fmt: skip
                    wo.status, wo.verified_at, wo.open_key = "verified", now, None
                    wo.updated_at = now
                else:  # a person verified it already: the sensor agrees
                    record(session, wo.id, now, SENSOR, "verified_by_sensor", **detail)
            else:
                record(session, wo.id, now, SENSOR, "not_fixed_by_sensor", metric=watch.metric,
                       reason=verdict.reason, value=verdict.value,
                       breach_at=_iso(verdict.breach_at), alert_id=alert_id)  # fmt: skip
                wo.updated_at = now
                # In this transaction: the flag and its messages commit together (the
                # crew's supervisors and whoever did the work decide what happens next).
                change = WorkOrderChange("not_fixed", wo.id, now, SENSOR, wo.version,
                                         reason=verdict.reason)  # fmt: skip
                for listener in self._listeners:
                    listener.work_order_changed(session, change)
            return True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def verify_job(verification: SensorVerification, clock: Callable[[], datetime]) -> None:
    """The scheduler's job: one verification pass as of the current time."""
    report = verification.run(clock())
    if report.started or report.verified or report.not_fixed or report.errors:
        log.info("sensor verification: %s", report.to_json())
