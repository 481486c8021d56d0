"""Sensor-verified completion end to end: readings published over MQTT through ingest into the
real InfluxDB, the alert's work order done, then the verification job run on an accelerated
clock (every instant given, the readings' own times in the recent past)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ingest.domain.model import SensorRef, telemetry_payload
from maintenance.domain.transitions import SYSTEM
from maintenance.schemas import WorkOrderOut
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from notifications.adapters.orm import Delivery
from tests.support.ingest_env import running_ingest, stored_count, wait_for
from tests.support.publish import publish_all
from udara.bootstrap import Container
from udara.devservers import ManagedServer

pytestmark = pytest.mark.integration

BUILDING = "menara-a"


def _crew(container: Container) -> None:
    """agus works in the hvac crew, hadi supervises it, rina manages; all have e-mail."""
    users, now = container.user_service, datetime.now(UTC)
    users.create("agus", "technician", now, crews=("hvac",))
    users.create("hadi", "technician", now)
    users.add_to_crew("hadi", "hvac", supervisor=True)
    users.create("rina", "facility_manager", now)
    for name in ("agus", "hadi", "rina"):
        container.notifications.add_contact(name, f"{name}@example.co.id")


def told(app: Container, event: str) -> list[Delivery]:
    """The outbox's deliveries of `event`, by recipient."""
    with app.session_factory() as session:
        query = select(Delivery).where(Delivery.event == event).order_by(Delivery.recipient)
        return list(session.scalars(query))


@pytest.fixture
def running(
    mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    migrated_database_url: str,
) -> Iterator[Container]:
    """Ingest running against the test servers (SQLite and PostgreSQL), a hvac technician."""
    with running_ingest(
        mosquitto.port,
        influxdb.port,
        influx_db_name,
        migrated_database_url,
        prepare=_crew,
        verify_minutes=30,
    ) as container:
        yield container


def co2(room: str, start: datetime, ppm: float, count: int, every_s: int = 15) -> list:
    sensor = SensorRef(BUILDING, room, "s-1")
    return [
        (sensor.topic(), telemetry_payload({"co2": ppm}, start + timedelta(seconds=every_s * i)))
        for i in range(count)
    ]


def order_of(app: Container, room: str) -> WorkOrderView:
    page = app.work_order_service.list(WorkOrderFilter(room=room), viewer=SYSTEM)
    assert len(page.items) == 1
    return page.items[0]


def breach_then_done(app: Container, room: str, base: datetime) -> tuple[int, datetime]:
    """20 minutes of 1,800 ppm from `base` (an alert, its hvac order), then the order done by
    its technician five minutes later; (order id, when it was done)."""
    before = stored_count(app.influx)
    publish_all(app.settings.mqtt, co2(room, base, 1800.0, 80))
    wait_for(lambda: stored_count(app.influx) == before + 80, 20, "the breach stored")
    wait_for(
        lambda: bool(app.work_order_service.list(WorkOrderFilter(room=room), viewer=SYSTEM).items),
        20,
        "a work order from the alert",
    )
    wo = order_of(app, room)
    assert (wo.type, wo.source, wo.crew) == ("corrective", "alert", "hvac")
    done_at = base + timedelta(minutes=25)
    wos = app.work_order_service
    wos.transition(wo.id, "in_progress", "agus", done_at - timedelta(minutes=4))
    wos.transition(wo.id, "done", "agus", done_at, notes="damper udara segar dibuka")
    return wo.id, done_at


def test_a_done_co2_order_is_verified_by_the_sensor_once_the_air_stayed_good(
    running: Container,
) -> None:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=90)
    wo_id, done_at = breach_then_done(running, "lt7-rapat", base)
    verifier = running.sensor_verification

    report = verifier.run(done_at + timedelta(seconds=30))
    assert report.started == 1
    assert order_of(running, "lt7-rapat").verification.state == "pending"  # type: ignore[union-attr]

    # Forty minutes of good air after the work, every 30 s.
    before = stored_count(running.influx)
    publish_all(running.settings.mqtt, co2("lt7-rapat", done_at + timedelta(seconds=30), 620.0,
                                           80, every_s=30))  # fmt: skip
    wait_for(lambda: stored_count(running.influx) == before + 80, 20, "the good air stored")

    # Twenty minutes in: not long enough yet.
    assert verifier.run(done_at + timedelta(minutes=20)).verified == []
    wo = order_of(running, "lt7-rapat")
    assert (wo.status, wo.verification.state) == ("done", "pending")  # type: ignore[union-attr]

    # Past thirty minutes: verified by the sensor, with the mean over the window.
    report = verifier.run(done_at + timedelta(minutes=41))
    assert report.verified == [wo_id]
    wo = order_of(running, "lt7-rapat")
    assert wo.status == "verified"
    body = WorkOrderOut.of(wo).model_dump(mode="json")
    check = body["verification"]
    assert check["state"] == "verified"
    assert check["metric"] == "co2" and check["upper"] == 1000.0
    assert check["mean"] == pytest.approx(620.0)
    assert check["samples"] >= 60
    history = running.work_order_service.history(wo_id, viewer=SYSTEM)
    line = [e for e in history if e.action == "verified_by_sensor"]
    assert len(line) == 1
    assert (line[0].actor, line[0].from_status, line[0].to_status) == ("sensor", "done", "verified")
    assert line[0].detail["mean"] == pytest.approx(620.0)

    # Another pass (a restart, a second scheduler) decides nothing again.
    again = verifier.run(done_at + timedelta(minutes=50))
    assert (again.started, again.verified, again.not_fixed) == (0, [], [])
    assert len([e for e in running.work_order_service.history(wo_id, viewer=SYSTEM)
                if e.action == "verified_by_sensor"]) == 1  # fmt: skip


def test_a_done_co2_order_is_flagged_not_fixed_when_the_air_stays_bad(running: Container) -> None:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=90)
    wo_id, done_at = breach_then_done(running, "lt8-kelas", base)
    verifier = running.sensor_verification
    verifier.run(done_at + timedelta(seconds=10))

    before = stored_count(running.influx)
    publish_all(running.settings.mqtt, co2("lt8-kelas", done_at + timedelta(seconds=30), 1450.0,
                                           40, every_s=30))  # fmt: skip
    wait_for(lambda: stored_count(running.influx) == before + 40, 20, "the bad air stored")

    report = verifier.run(done_at + timedelta(minutes=25))
    assert report.not_fixed == [wo_id]
    wo = order_of(running, "lt8-kelas")
    assert wo.status == "done"  # the supervisor decides: send it back or verify
    assert wo.verification is not None
    assert (wo.verification.state, wo.verification.reason) == ("not_fixed", "reading_outside")
    assert wo.verification.value == 1450.0
    flagged = running.work_order_service.list(
        WorkOrderFilter(verification="not_fixed"), viewer=SYSTEM
    )
    assert [w.id for w in flagged.items] == [wo_id]
    history = running.work_order_service.history(wo_id, viewer=SYSTEM)
    assert [e.action for e in history if e.actor == "sensor"] == [
        "sensor_watch",
        "not_fixed_by_sensor",
    ]
    # The crew's supervisor and whoever did the work hear of it, once, in their language.
    messages = told(running, "work_order_not_fixed")
    assert [(m.recipient, m.work_order_id) for m in messages] == [("agus", wo_id), ("hadi", wo_id)]
    assert "belum tuntas" in messages[0].subject and "masih di luar batas" in messages[0].body
    assert told(running, "work_order_verified") == []
    verifier.run(done_at + timedelta(minutes=26))  # a second pass: decided, nobody told again
    assert len(told(running, "work_order_not_fixed")) == 2

    # Sent back and done again: a new watch of the new completion; the old flag is void.
    wos = running.work_order_service
    wos.transition(wo_id, "in_progress", "rina", done_at + timedelta(minutes=30))
    assert order_of(running, "lt8-kelas").verification is None
    wos.transition(wo_id, "done", "agus", done_at + timedelta(minutes=40), notes="filter diganti")
    assert verifier.run(done_at + timedelta(minutes=41)).started == 1
    assert order_of(running, "lt8-kelas").verification.state == "pending"  # type: ignore[union-attr]
