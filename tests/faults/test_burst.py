"""A 10x burst for 10 s in the middle of a steady stream: nothing lost, backlog drained."""

from __future__ import annotations

import time

import pytest

from tests.faults.conftest import IngestFactory
from tests.faults.harness import (
    IngestSetup,
    Pace,
    StreamPublisher,
    figure,
    good_readings,
    paced_offsets,
    scrape,
    wait_all_stored,
)
from udara.devservers import ManagedServer

pytestmark = [pytest.mark.faults, pytest.mark.integration]

RATE = 1_000  # readings/s in steady state; the burst (10,000/s) is about what ingest can take
SEGMENTS = ((8.0, RATE), (10.0, 10 * RATE), (8.0, RATE))  # (seconds, readings/s)


def test_a_tenfold_burst_for_ten_seconds_loses_nothing(
    own_mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    ingest_processes: IngestFactory,
) -> None:
    setup = IngestSetup(own_mosquitto.port, influxdb.port, influx_db_name, sqlite_url)
    influx = setup.influx()
    offsets = paced_offsets(SEGMENTS)
    stream = good_readings(len(offsets), sensor_count=60, rooms=20)
    ingest = ingest_processes(setup)
    ingest.start()
    ingest.wait_ready()
    publisher = StreamPublisher(setup.mqtt_url, stream.messages, Pace(offsets)).start()
    started = time.monotonic()
    burst_end = SEGMENTS[0][0] + SEGMENTS[1][0]

    # Sample the backlog (acknowledged by the broker, not yet written) while it streams.
    samples: list[tuple[float, int, int]] = []  # (seconds since start, backlog, unacked)
    while publisher.running():
        m = scrape(ingest.metrics_port)
        if m is not None:
            samples.append(
                (time.monotonic() - started, publisher.acked - m.points_written, m.unacknowledged)
            )
        assert ingest.alive(), ingest.log_tail()
        time.sleep(0.25)  # sampling interval
    result = publisher.join(60)
    stream_s = time.monotonic() - started
    drained = wait_all_stored(influx, stream.expected, 180, "after the burst")

    peak_t, peak_backlog, _ = max(samples, key=lambda s: s[1], default=(0.0, 0, 0))
    peak_unacked = max((s[2] for s in samples), default=0)
    caught_up = next(
        (t - burst_end for t, backlog, _ in samples if t > burst_end and backlog <= RATE), None
    )
    metrics = ingest.metrics()
    assert metrics.rejected_total == 0, metrics.rejected
    assert ingest.starts == 1 and ingest.alive()
    figure(
        "10x burst",
        f"{len(offsets)} readings: {RATE}/s, {10 * RATE}/s for 10 s, {RATE}/s; publisher "
        f"{result.rate:.0f}/s overall over {stream_s:.1f}s; max backlog {peak_backlog} "
        f"at {peak_t:.1f}s (burst ends at {burst_end:.0f}s), max {peak_unacked} unacknowledged "
        f"in ingest; backlog under 1 s of steady load "
        + (f"{caught_up:.1f}s after the burst" if caught_up is not None else "not before the end")
        + f"; all stored {drained:.1f}s after the stream",
    )
