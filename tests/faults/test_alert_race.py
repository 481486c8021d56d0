"""Concurrent writers of one alert condition: one alert, one work order, one link, one event.

Twice, on SQLite and on PostgreSQL: processes and threads applying the same `open` change
while reconcile sweeps race the winner's listener; and two ingest processes sharing one
room's CO2 stream (an MQTT shared subscription), each deciding on its own to open the alert.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from ingest.adapters.influx import InfluxClient
from ingest.adapters.orm import AlertRow
from ingest.domain.model import SensorRef, telemetry_payload
from maintenance.adapters.orm import Room, WorkOrder, WorkOrderAlert
from tests.faults.alert_storm import CO2_WARNING, storm_process
from tests.faults.conftest import IngestFactory
from tests.faults.harness import (
    BUILDING,
    IngestSetup,
    Key,
    StreamPublisher,
    figure,
    wait_all_stored,
    wait_for,
)
from udara.bootstrap import Container
from udara.devservers import ManagedServer
from udara.settings import Settings

pytestmark = [pytest.mark.faults, pytest.mark.integration]

TZ = "Asia/Jakarta"
AT = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)
PROCESSES, APPLIERS, SWEEPERS, ROUNDS = 4, 3, 1, 5


def _engine_name(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def _alert_rows(container: Container, building: str, room: str) -> list[AlertRow]:
    with container.session_factory() as session:
        query = select(AlertRow).where(AlertRow.building == building, AlertRow.room == room)
        return list(session.scalars(query))


def _orders_and_links(container: Container, room_code: str) -> tuple[list[WorkOrder], int]:
    with container.session_factory() as session:
        room_ids = select(Room.id).where(Room.code == room_code)
        orders = list(session.scalars(select(WorkOrder).where(WorkOrder.room_id.in_(room_ids))))
        links = session.scalar(
            select(func.count())
            .select_from(WorkOrderAlert)
            .where(WorkOrderAlert.work_order_id.in_([o.id for o in orders]))
        )
        return orders, int(links or 0)


def _open_events(influx: InfluxClient, room: str) -> int:
    series = influx.query(
        'SELECT count("alert_id") FROM "iaq_alert" WHERE "room" = $room AND "event" = \'open\'',
        params={"room": room},
    )
    return int(series[0]["values"][0][1]) if series else 0


def test_processes_and_threads_opening_one_condition_make_one_alert_and_one_work_order(
    migrated_database_url: str, influxdb: ManagedServer, influx_db_name: str
) -> None:
    settings: dict[str, Any] = {
        "database_url": migrated_database_url,
        "influx_url": f"http://127.0.0.1:{influxdb.port}",
        "influx_db": influx_db_name,
        "timezone": TZ,
    }
    container = Container(Settings(**settings))
    container.influx.create_database()
    context = mp.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(
            target=storm_process,
            args=(settings, AT, barrier, results, APPLIERS, SWEEPERS, ROUNDS),
            name=f"alert-storm-{k}",
            daemon=True,  # never outlive a failed test
        )
        for k in range(PROCESSES)
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=240) for _ in processes]
    for process in processes:
        process.join(60)
    elapsed = time.monotonic() - started

    errors = [e for _, errs in outcomes for e in errs]
    assert errors == [], errors[0]
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    opened = [alert_id for ids, _ in outcomes for alert_id in ids]
    assert len(opened) == 1, f"{len(opened)} writers believe they opened the alert: {opened}"

    rows = _alert_rows(container, CO2_WARNING.building, CO2_WARNING.room)
    assert [(r.id, r.state, r.open_key) for r in rows] == [
        (opened[0], "active", CO2_WARNING.open_key)
    ]
    orders, links = _orders_and_links(container, CO2_WARNING.room)
    assert [(o.rule_id, o.alert_id, o.status) for o in orders] == [
        ("co2-ventilation", opened[0], "open")
    ]
    assert links == 1
    assert _open_events(container.influx, CO2_WARNING.room) == 1
    container.close()
    figure(
        f"alert storm ({_engine_name(migrated_database_url)})",
        f"{PROCESSES} processes x {APPLIERS} threads x {ROUNDS} applies of one open "
        f"+ {PROCESSES * SWEEPERS} sweeping threads: 1 alert, 1 work order, 1 link, "
        f"1 InfluxDB event; {elapsed:.1f}s",
    )


SENSORS = 8
READINGS_PER_SENSOR = 80  # 20 minutes every 15 s: the 10-minute CO2 mean is far above 1,000


def test_two_ingest_processes_sharing_one_rooms_breach_open_one_alert_and_one_work_order(
    own_mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    migrated_database_url: str,
    ingest_processes: IngestFactory,
) -> None:
    room = "lt8-rapat-utama"
    ingests = []
    for k in range(2):
        setup = IngestSetup(
            own_mosquitto.port,
            influxdb.port,
            influx_db_name,
            migrated_database_url,
            shared_group="faults",
        )
        ingests.append(ingest_processes(setup, name=f"ingest-{k}"))
    for ingest in ingests:
        ingest.start()
    for ingest in ingests:
        ingest.wait_ready()

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    messages: list[tuple[str, bytes]] = []
    expected: dict[Key, float] = {}
    for i in range(READINGS_PER_SENSOR):
        at = start + timedelta(seconds=15 * i)
        for k in range(SENSORS):
            ref = SensorRef(BUILDING, room, f"co2-{k}")
            value = 1700.0 + k + i / 100
            messages.append((ref.topic(), telemetry_payload({"co2": value}, at)))
            expected[(ref.sensor, int(at.timestamp() * 1000))] = value
    started = time.monotonic()
    StreamPublisher(f"mqtt://127.0.0.1:{own_mosquitto.port}", messages).start().join(120)
    influx = InfluxClient(f"http://127.0.0.1:{influxdb.port}", influx_db_name)
    wait_all_stored(influx, expected, 120, "the room's readings")
    shares = [ingest.metrics().received for ingest in ingests]
    assert sum(shares) == len(messages), shares
    assert min(shares) >= len(messages) // 4, f"the broker did not share the stream: {shares}"

    container = Container(Settings(database_url=migrated_database_url, timezone=TZ))
    wait_for(lambda: bool(_orders_and_links(container, room)[0]), 60, "a work order")
    for ingest in ingests:  # a clean stop finishes every batch and its alert changes
        assert ingest.stop() == 0, ingest.log_tail()
    elapsed = time.monotonic() - started

    rows = _alert_rows(container, BUILDING, room)
    assert [(r.metric, r.severity, r.state) for r in rows] == [("co2", "warning", "active")]
    orders, links = _orders_and_links(container, room)
    assert [(o.rule_id, o.alert_id) for o in orders] == [("co2-ventilation", rows[0].id)]
    assert links == 1
    assert _open_events(influx, room) == 1
    with container.session_factory() as session:
        assert session.scalar(select(func.count()).where(Room.code == room)) == 1
    container.close()
    figure(
        f"ingest alert race ({_engine_name(migrated_database_url)})",
        f"{len(messages)} CO2 readings of one room split {shares[0]}/{shares[1]} between two "
        f"ingest processes: 1 alert, 1 work order, 1 event; {elapsed:.1f}s",
    )
