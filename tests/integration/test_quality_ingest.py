"""Faulty sensors end to end against a real Mosquitto and a real InfluxDB 1.x: a stuck sensor
becomes one technician work order; flagged readings are left out of compliance and of the
evaluation windows rebuilt at start; data quality itself is replayed at start."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from ingest.adapters.influx import InfluxClient, reading_line
from ingest.adapters.influx_history import InfluxHistory
from ingest.adapters.influx_quality import InfluxQualityHistory
from ingest.adapters.mqtt import register_session
from ingest.domain.evaluation import EvaluationConfig, Evaluator
from ingest.domain.model import Reading, SensorRef, telemetry_payload
from ingest.domain.profiles import load_profile
from ingest.domain.quality import FaultKey, QualityDetector
from ingest.domain.quality_alerts import alert_key
from ingest.domain.quality_config import load_quality_config
from ingest.quality import SensorQuality
from ingest.quality_rebuild import QualityReplay
from ingest.rebuild import WindowRebuild
from ingest.service import subscriptions
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from tests.support.ingest_env import stored_count, unique_client_id, wait_for
from tests.support.publish import publish_all
from udara.bootstrap import Container
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING
from udara.settings import Settings
from web.iaq.compliance import building_score
from web.iaq.readings import IaqReadings

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # a Monday, 08:00 WIB
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
PROFILE = load_profile("permenkes-1077-2011")


@pytest.fixture
def influx(influxdb: ManagedServer, influx_db_name: str) -> Iterator[InfluxClient]:
    client = InfluxClient(f"http://127.0.0.1:{influxdb.port}", influx_db_name)
    client.create_database()
    yield client
    client.close()


def store(influx: InfluxClient, readings: list[Reading], flagged: tuple[str, ...] = ()) -> None:
    """Write readings exactly as ingest does, `flagged` metrics flagged."""
    lines = [reading_line(r, flagged) for r in readings]
    for start in range(0, len(lines), 10_000):
        influx.write_lines(lines[start : start + 10_000])


def test_a_stuck_sensor_becomes_exactly_one_technician_work_order(
    mosquitto: ManagedServer, influxdb: ManagedServer, influx_db_name: str, sqlite_url: str
) -> None:
    settings = Settings(
        mqtt_url=f"mqtt://127.0.0.1:{mosquitto.port}",
        mqtt_client_id=unique_client_id(),
        influx_url=f"http://127.0.0.1:{influxdb.port}",
        influx_db=influx_db_name,
        database_url=sqlite_url,
        influx_flush_interval_s=0.1,
    )
    container = Container(settings)
    register_session(settings.mqtt, settings.mqtt_client_id, subscriptions(None))
    service = container.make_ingest_service()
    service.start()
    try:
        assert service.consumer.connected.wait(10)
        sensor = SensorRef("menara-a", "lt3-rapat", "s1")
        # 8 h, a reading every 5 min (event time via `ts`): CO2 hung at 612 ppm, a live
        # thermometer beside it.
        messages = [
            (
                sensor.topic(),
                telemetry_payload(
                    {"co2": 612.0, "temperature": 24.0 + i % 3 / 10}, T0 + i * 5 * MIN
                ),
            )
            for i in range(8 * 12)
        ]
        publish_all(settings.mqtt, messages)
        influx = container.influx
        wait_for(lambda: stored_count(influx) == 96, 30, "96 readings")
        alerts = container.alert_service
        wait_for(lambda: bool(alerts.list(open_only=True, scope=EVERYTHING)), 10, "an alert")
        [alert] = alerts.list(open_only=True, scope=EVERYTHING)
        assert (alert.kind, alert.metric, alert.sensor, alert.severity) == (
            "faulty",
            "co2",
            "s1",
            "warning",
        )
        assert alert.opened_at == T0 + 6 * HOUR and alert.message_code == "sensor_stuck"

        def orders() -> list[WorkOrderView]:
            found = container.work_order_service.list(
                WorkOrderFilter(), limit=50, now=T0, viewer=SYSTEM
            )
            return list(found.items)

        wait_for(lambda: bool(orders()), 10, "a work order")
        [order] = orders()
        assert (order.crew, order.type, order.rule_id, order.alert_id) == (
            "hvac",
            "corrective",
            "sensor-faulty",
            alert.id,
        )
        assert order.title == "Kalibrasi ulang / ganti sensor s1 (co2) di lt3-rapat"
        # Stored all the same, flagged from the reading that opened the alert on.
        assert stored_count(influx, "faulty_co2") == 2 * 12
        assert stored_count(influx, "faulty_temperature") == 0
    finally:
        service.stop()
        container.close()


def test_compliance_leaves_flagged_readings_out(influx: InfluxClient) -> None:
    """1 March 2026 in Jakarta, three 8 h CO2 windows. Room r1: the room's air at 600 ppm
    (s-good) and a stuck sensor at 1500 (s-stuck), flagged from 08:00 to 16:00. Room r2:
    its only sensor reads 600, flagged (stuck) from 08:00 to 16:00."""
    day = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # local midnight
    every = [day + i * 5 * MIN for i in range(24 * 12)]
    good = SensorRef("hq", "r1", "s-good")
    stuck = SensorRef("hq", "r1", "s-stuck")
    alone = SensorRef("hq", "r2", "s1")

    def during(start: int, end: int) -> list[datetime]:
        return [t for t in every if day + start * HOUR <= t < day + end * HOUR]

    store(influx, [Reading(good, t, {"co2": 600.0, "temperature": 24.0}) for t in every])
    store(influx, [Reading(stuck, t, {"co2": 1500.0}) for t in during(0, 8)])
    store(influx, [Reading(stuck, t, {"co2": 1500.0}) for t in during(8, 16)], ("co2",))
    store(influx, [Reading(alone, t, {"co2": 600.0}) for t in during(0, 8) + during(16, 24)])
    store(influx, [Reading(alone, t, {"co2": 600.0}) for t in during(8, 16)], ("co2",))

    readings = IaqReadings(influx)
    end = day + timedelta(days=1)
    assert readings.flagged_metrics("hq", day, end) == {"co2"}
    assert readings.flagged_metrics("hq", end, end + timedelta(days=1)) == set()
    windows = readings.windows(
        "hq", day, end, 8 * HOUR, 24, ["co2"], timedelta(hours=1), exclude_flagged=True
    )
    assert [(w.means["co2"], w.slots["co2"]) for w in windows["r1"]] == [
        (1050.0, 24),
        (600.0, 24),
        (600.0, 24),
    ]
    assert [(w.means["co2"], w.slots["co2"]) for w in windows["r2"]] == [
        (600.0, 24),
        (None, 0),
        (600.0, 24),
    ]
    counted = readings.windows("hq", day, end, 8 * HOUR, 24, ["co2"], timedelta(hours=1))
    assert [w.means["co2"] for w in counted["r1"]] == [1050.0, 1050.0, 600.0]

    now = end + HOUR
    score = building_score(
        readings, PROFILE, EvaluationConfig(), "hq", "Asia/Jakarta", ["r1", "r2"],
        date(2026, 3, 1), now,
    )  # fmt: skip
    co2 = {room.room: room.metrics["co2"] for room in score.rooms}
    assert (co2["r1"].covered, co2["r1"].compliant, co2["r1"].worst) == (3, 2, 1050.0)
    assert (co2["r2"].covered, co2["r2"].compliant) == (2, 2)
    temperature = score.rooms[0].metrics["temperature"]  # unflagged: the shared read
    assert (temperature.covered, temperature.compliant) == (24, 24)


def test_the_windows_rebuilt_at_start_leave_flagged_readings_out(influx: InfluxClient) -> None:
    sensor = SensorRef("menara-a", "lt3-rapat", "s1")
    now = T0 + 10 * HOUR
    fine = [Reading(sensor, T0 + i * 5 * MIN, {"co2": 600.0}) for i in range(8 * 12)]
    stuck = [Reading(sensor, T0 + 8 * HOUR + i * 5 * MIN, {"co2": 1500.0}) for i in range(24)]
    store(influx, fine)
    store(influx, stuck, ("co2",))
    evaluator = Evaluator(PROFILE)
    WindowRebuild(InfluxHistory(influx), lambda: now).run(evaluator)
    snapshot = evaluator.snapshot("menara-a", "lt3-rapat", now)["co2"]
    assert snapshot.compliance_mean == 600.0
    assert snapshot.short_mean is None  # its last minutes were all flagged


def week(sensor: SensorRef, night: float, now: datetime, seed: int) -> list[Reading]:
    """A week every 5 minutes: CO2 near 800 ppm by day, settling to `night` 22:00-05:00
    WIB; temperature and humidity with a live sensor's noise."""
    rng = random.Random(seed)
    readings = []
    for i in range(7 * 24 * 12):
        at = now - timedelta(days=7) + i * 5 * MIN
        local = (at.hour + 7) % 24
        co2 = night if local >= 22 or local < 5 else 800.0
        values = {
            "co2": float(round(co2 + rng.gauss(0, 8))),
            "temperature": round(25 + rng.gauss(0, 0.2), 1),
            "humidity": round(60 + rng.gauss(0, 0.5), 1),
        }
        readings.append(Reading(sensor, at, values))
    return readings


def test_data_quality_is_replayed_from_influxdb_and_reconciled_with_open_alerts(
    influx: InfluxClient,
) -> None:
    now = datetime(2026, 11, 9, 3, 0, tzinfo=UTC)
    drifted = SensorRef("menara-a", "lt3", "drifted")
    fine = SensorRef("menara-a", "lt4", "fine")
    stuck = SensorRef("menara-b", "lobi", "stuck")
    readings = week(drifted, 650, now, 1) + week(fine, 430, now, 2)
    readings += [
        Reading(stuck, now - 8 * HOUR + i * 5 * MIN, {"co2": 612.0}) for i in range(8 * 12)
    ]
    store(influx, readings)

    live = QualityDetector(load_quality_config())
    for reading in sorted(readings, key=lambda r: r.time):
        live.check(reading)
    expected = {FaultKey(drifted, "co2"), FaultKey(stuck, "co2")}
    assert set(live.open_faults()) == expected

    replayed = QualityDetector(load_quality_config())
    assert QualityReplay(InfluxQualityHistory(influx, chunk_size=500), lambda: now).run(replayed)
    assert set(replayed.open_faults()) == expected

    # The database holds the drifted sensor's alert and, wrongly, the fine one's.
    stored = [alert_key(FaultKey(drifted, "co2")), alert_key(FaultKey(fine, "co2"))]
    replay = QualityReplay(InfluxQualityHistory(influx), lambda: now)
    quality = SensorQuality(load_quality_config(), "Asia/Jakarta", replay=replay.run)
    changes = quality.prepare(stored, now)
    assert sorted((c.action, c.key.sensor) for c in changes) == [
        ("clear", "fine"),
        ("open", "stuck"),
    ]
    assert all(c.message_code in ("sensor_stuck", "sensor_faulty_cleared") for c in changes)


def test_a_replay_without_influxdb_clears_nothing(influxdb: ManagedServer) -> None:
    away = InfluxClient("http://127.0.0.1:9", "nowhere")  # nothing listens on port 9
    replay = QualityReplay(InfluxQualityHistory(away), lambda: T0)
    quality = SensorQuality(load_quality_config(), "Asia/Jakarta", replay=replay.run)
    stored = [alert_key(FaultKey(SensorRef("menara-a", "lt3", "s1"), "co2"))]
    assert quality.prepare(stored, T0) == []


def test_the_nights_come_from_each_buildings_hours_and_zone(sqlite_url: str) -> None:
    from maintenance.domain.hours import parse_hours
    from maintenance.domain.transitions import Actor

    container = Container(Settings(database_url=sqlite_url, timezone="Asia/Jakarta"))
    try:
        buildings = container.building_service
        admin = Actor("fm", "facility_manager")
        buildings.create_building(
            admin, "menara-a", hours=parse_hours("mon-fri 07:00-19:00,sat 08:00-13:00")
        )
        buildings.create_building(admin, "gedung-b", timezone="Asia/Makassar")
        found = container.location_service.building_hours(scope=EVERYTHING)
        assert found == {
            "menara-a": (
                "Asia/Jakarta",
                {"mon": [["07:00", "19:00"]], "tue": [["07:00", "19:00"]],
                 "wed": [["07:00", "19:00"]], "thu": [["07:00", "19:00"]],
                 "fri": [["07:00", "19:00"]], "sat": [["08:00", "13:00"]]},
            ),
            "gedung-b": ("Asia/Makassar", {}),
        }  # fmt: skip
        quality = container.make_sensor_quality()
        quality.refresh_schedules()
        # Saturday 14:00 WIB: menara-a is closed from Saturday 13:00 to Monday 07:00 WIB.
        saturday = datetime(2026, 11, 7, 7, 0, tzinfo=UTC)
        span = quality.detector.night_schedule("menara-a").span_at(saturday.timestamp())
        assert span.unoccupied
        assert (span.start, span.end) == (
            datetime(2026, 11, 7, 6, 0, tzinfo=UTC).timestamp(),
            datetime(2026, 11, 9, 0, 0, tzinfo=UTC).timestamp(),
        )
        # No hours: the default night, 22:00-05:00 in the building's own zone (WITA).
        night = quality.detector.night_schedule("gedung-b").span_at(saturday.timestamp() + 8 * 3600)
        assert (
            night.unoccupied and night.start == datetime(2026, 11, 7, 14, 0, tzinfo=UTC).timestamp()
        )
    finally:
        container.close()
