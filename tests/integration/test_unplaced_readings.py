"""Held readings of a pending device reach the room's history when it is placed (real InfluxDB)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from devices.domain import Placement
from ingest.adapters.influx import InfluxClient
from ingest.unplaced import copy_held, unplaced_line
from udara.devservers import ManagedServer

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PLACED = Placement("tasmota:kantor_1", "tasmota", "active", "hq", "lt1-lobby", "tasmota-kantor_1")


@pytest.fixture
def influx(influxdb: ManagedServer, influx_db_name: str) -> Iterator[InfluxClient]:
    client = InfluxClient(f"http://127.0.0.1:{influxdb.port}", influx_db_name)
    client.create_database()
    yield client
    client.close()


def _room_points(influx: InfluxClient) -> list[list[object]]:
    series = influx.query(
        'SELECT "co2", "temperature" FROM "iaq" WHERE "room" = $room AND "sensor" = $sensor',
        {"room": "lt1-lobby", "sensor": "tasmota-kantor_1"},
    )
    return series[0]["values"] if series else []


def test_placing_copies_every_held_reading_once_under_the_room(
    influx: InfluxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ingest.unplaced.COPY_PAGE", 7)  # several pages
    lines = [
        unplaced_line("tasmota:kantor_1", T0 + timedelta(minutes=i), {"co2": 500.0 + i})
        for i in range(20)
    ]
    lines.append(unplaced_line("tasmota:other", T0, {"co2": 999.0}))
    lines.append(unplaced_line("tasmota:kantor_1", T0 + timedelta(hours=1), {"temperature": 24.5}))
    influx.write_lines(lines)

    assert copy_held(influx, PLACED) == 21
    assert copy_held(influx, PLACED) == 21  # the page and ingest may both copy: same points
    points = _room_points(influx)
    assert len(points) == 21
    assert points[0][1] == 500.0 and points[19][1] == 519.0 and points[20][2] == 24.5
    assert 999.0 not in [p[1] for p in points]


def test_a_device_not_placed_copies_nothing(influx: InfluxClient) -> None:
    influx.write_lines([unplaced_line("tasmota:kantor_1", T0, {"co2": 500.0})])
    pending = Placement("tasmota:kantor_1", "tasmota", "pending")
    assert copy_held(influx, pending) == 0
    assert _room_points(influx) == []
