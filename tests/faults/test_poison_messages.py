"""Single bad messages that must be rejected like any other, found by fuzzing the timestamp."""

from __future__ import annotations

import pytest

from tests.faults.conftest import IngestFactory
from tests.faults.harness import (
    IngestSetup,
    StreamPublisher,
    count_points,
    good_readings,
    sensors,
    wait_all_stored,
    wait_for,
)
from udara.devservers import ManagedServer

pytestmark = [pytest.mark.faults, pytest.mark.integration]

GOOD = 300


def test_a_timestamp_that_overflows_in_utc_is_rejected_and_ingest_carries_on(
    own_mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    ingest_processes: IngestFactory,
) -> None:
    setup = IngestSetup(own_mosquitto.port, influxdb.port, influx_db_name, sqlite_url)
    influx = setup.influx()
    good = good_readings(GOOD)
    topic = sensors(1, 1)[0].topic()
    pills = [
        (topic, b'{"ts":"0001-01-01T00:00:00+14:00","co2":700}'),  # UTC would be year 0
        (topic, b'{"ts":"9999-12-31T23:59:59-14:00","co2":700}'),  # UTC would be year 10000
    ]
    ingest = ingest_processes(setup)
    ingest.start()
    ingest.wait_ready()
    StreamPublisher(setup.mqtt_url, pills[:1] + good.messages + pills[1:]).start().join(60)

    wait_for(lambda: not ingest.alive() or count_points(influx) == GOOD, 60, "ingest to settle")
    assert ingest.alive(), f"ingest exited (code {ingest.stop()}):\n{ingest.log_tail(12)}"
    wait_all_stored(influx, good.expected, 60, "good readings after the overflowing ones")
    wait_for(lambda: ingest.metrics().rejected_total == 2, 30, "both counted")
    assert ingest.metrics().rejected == {"bad_timestamp": 2}


def test_epoch_zero_and_negative_timestamps_are_rejected(
    own_mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    ingest_processes: IngestFactory,
) -> None:
    setup = IngestSetup(own_mosquitto.port, influxdb.port, influx_db_name, sqlite_url)
    influx = setup.influx()
    good = good_readings(GOOD)
    topic = sensors(1, 1)[0].topic()
    unset_clocks = [
        (topic, b'{"ts":0,"co2":700}'),
        (topic, b'{"ts":-5,"co2":700}'),
        (topic, b'{"ts":-1.5,"co2":700}'),
    ]
    ingest = ingest_processes(setup)
    ingest.start()
    ingest.wait_ready()
    StreamPublisher(setup.mqtt_url, unset_clocks + good.messages).start().join(60)

    wait_all_stored(influx, good.expected, 60, "good readings only, none from 1970")
    wait_for(lambda: ingest.metrics().rejected_total >= 3, 30, "three rejections")
    assert ingest.metrics().rejected == {"bad_timestamp": 3}
