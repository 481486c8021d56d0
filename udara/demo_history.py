"""`make run`'s past: weeks of the demo building's air, alerts and work, written in seconds.

- Readings come from the simulator's room model (`sensors_sim/history.py`: office days,
  nights and weekends, meetings, a haze, air-conditioning failures, a sensor without power)
  and go straight to InfluxDB through ingest's own line writer, 5,000 lines a request: no
  broker, no pacing.
- The real `Evaluator` reads them in event time and the real `AlertService` applies its
  changes, with the listeners the composition root wires, so alerts open and resolve when
  the air says and alerts become work orders exactly as in production.
- The scheduler's reconcile pass runs at each event-time midnight, so plans generate a day
  of work ahead as they would have; the demo users then do it (`udara/demo_work.py`).
- Every service is told the event time (`EventTime.clock`); the wall clock is read once, as
  the end of the history.
- Once only: a building that already has alerts or work orders is left alone, so a second
  `make run` adds nothing (readings would overwrite themselves anyway: same series, same
  timestamps on a grid counted from the epoch).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from sensors_sim.history import EPOCH, HistorySpec, Incident, demo_incidents
from sensors_sim.rooms import make_rooms
from udara.bootstrap import Container
from udara.demo import DEMO_BUILDING, DEMO_USERS, ensure_example_plans
from udara.demo_air import AirProcess
from udara.demo_devices import seed_pending_devices
from udara.demo_inspections import InspectionRounds
from udara.demo_report import SeedReport, Stopwatch, count_work
from udara.demo_work import WorkLife
from udara.scope import EVERYTHING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from udara.settings import Settings

DEFAULT_DAYS = 30
INTERVAL = timedelta(minutes=5)
SEED = 1


class EventTime(Container):
    """The production object graph, told the replay's event time whenever it asks the time."""

    def __init__(self, settings: Settings, now: datetime) -> None:
        super().__init__(settings)
        self.now = now

    def clock(self) -> datetime:
        """The event time the replay has reached."""
        return self.now


def history_present(container: Container, building: str) -> str | None:
    """Why `building` already has a past (alerts or work orders), or None."""
    if container.alert_service.list(building=building, limit=1, scope=EVERYTHING):
        return "it already has alerts"
    orders = container.work_order_service.list(
        WorkOrderFilter(building=building), viewer=SYSTEM, limit=1
    )
    return "it already has work orders" if orders.total else None


def seed_history(
    container: Container,
    building: str = DEMO_BUILDING,
    days: int = DEFAULT_DAYS,
    rooms: int = 12,
    end: datetime | None = None,
) -> SeedReport:
    """Write `days` of history of `building` ending at `end` (default: now), once."""
    step = INTERVAL.total_seconds()
    end = end or container.clock()
    end = EPOCH + timedelta(seconds=(end - EPOCH).total_seconds() // step * step)
    report = SeedReport(building, end - timedelta(days=days), end, container.settings.timezone)
    report.skipped = history_present(container, building)
    if report.skipped:
        return report
    history = EventTime(container.settings, report.start)
    _faster_commits(history.engine)
    try:
        with _quiet("maintenance.services.sla"):
            _seed(history, report, rooms)
    finally:
        history.close()
    return report


def _seed(history: EventTime, report: SeedReport, room_count: int) -> None:
    watch = Stopwatch()
    with watch("set-up"):
        spec = _set_up(history, report, room_count)
        alerts = history.alert_service
        air = AirProcess(spec, history.settings, alerts.open_keys())
        work = WorkLife(history.session_factory, history.work_order_service, spec.end, spec.tz,
                        SEED, faults=_faults(spec.incidents))  # fmt: skip
        work.begin()
        rounds = InspectionRounds(history, report.building, [r.name for r in spec.rooms],
                                  spec.start, spec.end, spec.tz, SEED)  # fmt: skip
    next_pass = spec.start
    try:
        for tick, changes in watch.timed("waiting for the air", air):
            with watch("work"):
                work.run_until(tick)
            with watch("inspections"):
                if rounds.run_until(tick, partial(setattr, history, "now")):
                    work.discover()  # the failed items' work orders get a life too
            if tick >= next_pass:  # the scheduler's pass: a day of plan work ahead
                with watch("plans"):
                    history.now = tick
                    history.reconciler.run(tick)
                    work.discover()
                    next_pass = _next_midnight(tick, spec.tz)
            if changes:
                with watch("alerts"):
                    history.now = max(change.at for change in changes)
                    applied = Counter(a.state == "resolved" for a in alerts.apply(changes))
                    report.alerts_opened += applied[False]
                    report.alerts_resolved += applied[True]
                    if applied[False]:
                        work.discover()
    finally:
        air.close()
    report.readings = air.readings
    report.inspections = rounds.done
    with watch("devices"):
        report.pending_devices, report.held_readings = seed_pending_devices(history, spec.end)
    count_work(history, report)
    report.seconds = {
        **watch.seconds,
        "total": watch.total(),
        "CPU here": watch.cpu(),
        "CPU of the air alongside": air.cpu_seconds,
    }


def _set_up(history: EventTime, report: SeedReport, room_count: int) -> HistorySpec:
    """People, plans, rooms and the database the history needs; what to generate."""
    tz = ZoneInfo(history.settings.timezone)
    start, end = report.start, report.end
    rooms = tuple(make_rooms(room_count, report.building))
    incidents = tuple(i for i in demo_incidents(rooms, end, tz) if i.end > start and i.start < end)
    history.influx.create_database()  # first: with InfluxDB away, nothing is written
    _ensure_people(history, start)
    ensure_example_plans(history, now=start)
    history.rooms_discovered([(report.building, room.name) for room in rooms])
    return HistorySpec(rooms, start, end, INTERVAL, SEED, tz, True, incidents)


def _next_midnight(at: datetime, tz: tzinfo) -> datetime:
    """The next local midnight after `at`: the replay runs the scheduler's pass daily, which
    generates as much as its one-day look-ahead does minute by minute."""
    day = at.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), tz)


def _ensure_people(container: Container, at: datetime) -> None:
    """The demo users, there since the history began (`make run` gives them passwords)."""
    users = container.user_service
    for username, role, crews, _what in DEMO_USERS:
        if users.by_username(username) is None:
            users.create(username, role, at, crews=crews)


def _faults(incidents: Iterable[Incident]) -> dict[str, list[tuple[datetime, datetime]]]:
    """Room → its faults (start, end): work on them is done when the fault was fixed."""
    faults: dict[str, list[tuple[datetime, datetime]]] = {}
    for incident in incidents:
        if incident.effects.ac_off or incident.effects.offline:
            for room in incident.rooms:
                faults.setdefault(room, []).append((incident.start, incident.end))
    return faults


def _faster_commits(engine: Engine) -> None:
    """No flush to disk per commit while seeding, most of the database's time: SQLite in WAL
    mode and PostgreSQL both stay consistent; a power cut could lose the last commits."""
    setting = {
        "sqlite": "PRAGMA synchronous=NORMAL",
        "postgresql": "SET synchronous_commit TO off",
    }.get(engine.dialect.name)
    if setting is None:
        return

    @event.listens_for(engine, "connect")
    def _no_flush_per_commit(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute(setting)
        cursor.close()
        if engine.dialect.name == "postgresql":
            dbapi_conn.commit()  # psycopg opened a transaction for the SET


@contextmanager
def _quiet(*loggers: str) -> Iterator[None]:
    """The history's SLA escalations go to each work order's history, not to the terminal."""
    saved = [(logging.getLogger(name), logging.getLogger(name).level) for name in loggers]
    for logger, _ in saved:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)
