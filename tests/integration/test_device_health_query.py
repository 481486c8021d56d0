"""Slots with data, counted inside a real InfluxDB: the numbers behind a device's health."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.adapters.influx import InfluxClient, reading_line
from ingest.domain.model import Reading, SensorRef
from udara.devservers import ManagedServer
from web.iaq.readings import IaqReadings

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def influx(influxdb: ManagedServer, influx_db_name: str) -> Iterator[InfluxClient]:
    client = InfluxClient(f"http://127.0.0.1:{influxdb.port}", influx_db_name)
    client.create_database()
    yield client
    client.close()


def test_each_sensor_counts_the_slots_that_hold_a_reading(influx: InfluxClient) -> None:
    shelly = SensorRef("hq", "lobby", "shelly-ht-1")  # temperature only
    tasmota = SensorRef("hq", "r201", "tasmota-kantor_1")
    other = SensorRef("cabang", "lobi", "s1")
    readings = [
        Reading(shelly, T0 + timedelta(minutes=5 * i + 1), {"temperature": 24.0})
        for i in range(12)
        if i not in (3, 4)  # a 10-minute gap
    ]
    readings += [  # two readings in one slot count once
        Reading(tasmota, T0 + timedelta(minutes=m), {"co2": 600.0, "temperature": 25.0})
        for m in (1, 2, 31)
    ]
    readings.append(Reading(other, T0, {"co2": 500.0}))
    influx.write_lines([reading_line(r) for r in readings])
    found = IaqReadings(influx).slots_with_data(
        T0, T0 + timedelta(hours=1), timedelta(minutes=5), {"hq"}
    )
    assert found == {("hq", "lobby", "shelly-ht-1"): 10, ("hq", "r201", "tasmota-kantor_1"): 2}
