"""Ingest SIGKILLed under load, twice: the whole process group, then only its worker."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.faults.conftest import IngestFactory
from tests.faults.harness import (
    IngestSetup,
    Pace,
    StreamPublisher,
    count_points,
    figure,
    good_readings,
    paced_offsets,
    wait_all_stored,
    wait_for,
)
from udara.devservers import ManagedServer

pytestmark = [pytest.mark.faults, pytest.mark.integration]

TOTAL = 32_000
# readings/s: the stream lasts 40 s and outlives both kills and restarts, also when the suite
# shares the machine with another worker (25 s was too short then: two restarts of ingest
# under load took the rest of it).
RATE = 800


def test_ingest_sigkilled_under_load_then_restarted_stores_every_reading(
    own_mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    ingest_processes: IngestFactory,
) -> None:
    setup = IngestSetup(own_mosquitto.port, influxdb.port, influx_db_name, sqlite_url)
    influx = setup.influx()
    stream = good_readings(TOTAL)
    ingest = ingest_processes(setup)
    ingest.start()
    ingest.wait_ready()
    started = time.monotonic()
    publisher = StreamPublisher(
        setup.mqtt_url, stream.messages, Pace(paced_offsets([(TOTAL / RATE, RATE)]))
    ).start()

    # 1. The whole ingest (MQTT process and worker) dies at once, as under the OOM killer.
    wait_for(lambda: count_points(influx) >= TOTAL // 4, 120, "a quarter of the stream stored")
    assert publisher.running(), "the first kill must land while readings still stream"
    ingest.kill()
    stored_at_first_kill, acked_at_first_kill = count_points(influx), publisher.acked
    # Let a backlog build up at the broker while nobody consumes.
    wait_for(
        lambda: publisher.acked >= acked_at_first_kill + 2 * RATE or not publisher.running(),
        60,
        "the broker to take a backlog while ingest is down",
    )
    ingest.start()
    ingest.wait_ready()

    # 2. Only the worker dies: the MQTT process must notice and exit non-zero, so that a
    #    supervisor restarts it (it must not linger, connected, acknowledging nothing).
    wait_for(
        lambda: count_points(influx) >= stored_at_first_kill + TOTAL // 5,
        120,
        "progress after the first restart",
    )
    assert publisher.running(), "the second kill must land while readings still stream"
    worker = ingest.worker_pid()
    assert worker is not None, "no worker process found"
    os.kill(worker, signal.SIGKILL)
    stored_at_second_kill = count_points(influx)
    wait_for(lambda: not ingest.alive(), 30, "ingest to exit after its worker was killed")
    assert ingest.process is not None and ingest.process.returncode == 1
    ingest.start()
    ingest.wait_ready()

    publisher.join(180)
    drained = wait_all_stored(influx, stream.expected, 180, "after two SIGKILLs")
    metrics = ingest.metrics()
    assert metrics.rejected_total == 0, metrics.rejected
    figure(
        "ingest SIGKILLed",
        f"{TOTAL} readings at {RATE}/s; killed group at {stored_at_first_kill} stored, "
        f"killed worker at {stored_at_second_kill}; all {TOTAL} stored "
        f"{drained:.1f}s after the stream ended; {time.monotonic() - started:.1f}s in all",
    )
