"""Mosquitto stopped and restarted twice while a publisher streams: nothing lost.

The broker persists sessions and queued messages on shutdown; the publisher resends what was
not acknowledged; ingest reconnects to its persistent session and gets the queued backlog.
"""

from __future__ import annotations

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
from udara.devservers import ManagedServer, port_open

pytestmark = [pytest.mark.faults, pytest.mark.integration]

TOTAL = 24_000
RATE = 1_000  # readings/s, 24 s of stream
DOWN_S = 4.0  # how long the broker stays away each time


def _restart(broker: ManagedServer, down_s: float) -> float:
    """Stop the broker (SIGTERM: it saves its sessions), keep it down, start it again."""
    broker.stop()
    assert not port_open("127.0.0.1", broker.port)
    stopped = time.monotonic()
    wait_for(lambda: time.monotonic() - stopped >= down_s, down_s + 5, "the outage to last")
    broker.start()
    wait_for(lambda: port_open("127.0.0.1", broker.port), 30, "mosquitto to listen again")
    return time.monotonic() - stopped


def test_broker_restarted_mid_stream_twice_loses_no_reading(
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

    outages = []
    for fraction in (0.2, 0.55):
        wait_for(
            lambda f=fraction: publisher.acked >= TOTAL * f,  # type: ignore[misc]
            120,
            f"{fraction:.0%} of the stream acknowledged",
        )
        assert publisher.running(), "the broker must go down while readings still stream"
        sent_before = publisher.published
        outages.append(_restart(own_mosquitto, DOWN_S))
        assert publisher.published > sent_before or not publisher.running()
        # The same ingest process reconnects and resumes its session: no restart needed.
        wait_for(lambda: ingest.metrics().connected, 60, "ingest to reconnect")
        assert ingest.alive()

    result = publisher.join(240)
    stream_s = time.monotonic() - started
    drained = wait_all_stored(influx, stream.expected, 180, "after two broker restarts")
    metrics = ingest.metrics()
    assert metrics.rejected_total == 0, metrics.rejected
    assert ingest.starts == 1 and ingest.alive()
    assert count_points(influx) == TOTAL
    figure(
        "broker restart",
        f"{TOTAL} readings at {RATE}/s, broker down {outages[0]:.1f}s and {outages[1]:.1f}s; "
        f"publisher reconnected {result.reconnects}x; ingest received {metrics.received} "
        f"({metrics.received - TOTAL} redelivered copies), wrote {metrics.points_written}; "
        f"all stored {drained:.1f}s after the stream ({stream_s:.1f}s)",
    )
