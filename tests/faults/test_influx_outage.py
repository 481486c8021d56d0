"""InfluxDB crashes under a stream and stays away for 60 s: ingest holds on, then catches up.

While InfluxDB is down ingest retries the same batch and takes nothing new; the broker keeps
the backlog (Receive Maximum bounds what ingest holds). Nothing is acknowledged before it is
written, so after InfluxDB returns every reading is stored, by the same ingest process.
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
from udara.devservers import ManagedServer, influx_ready

pytestmark = [pytest.mark.faults, pytest.mark.integration]

OUTAGE_S = 60.0
RATE = 500  # readings/s: the 30,000 sent during the outage exceed what ingest may hold
RECEIVE_MAXIMUM = 20_000  # unacknowledged messages ingest holds; the broker queues the rest
STREAM_S = 75.0  # 5 s before the crash, 60 s of outage, 10 s after
RSS_LIMIT_MB = 400  # both ingest processes together, generous: memory must stay bounded


def test_influxdb_down_for_60s_under_a_stream_loses_no_reading(
    own_mosquitto: ManagedServer,
    own_influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    ingest_processes: IngestFactory,
) -> None:
    setup = IngestSetup(own_mosquitto.port, own_influxdb.port, influx_db_name, sqlite_url)
    influx = setup.influx()
    total = round(STREAM_S * RATE)
    stream = good_readings(total)
    ingest = ingest_processes(setup)
    ingest.start()
    ingest.wait_ready()
    publisher = StreamPublisher(
        setup.mqtt_url, stream.messages, Pace(paced_offsets([(STREAM_S, RATE)]))
    ).start()

    wait_for(lambda: count_points(influx) >= 3 * RATE, 60, "readings flowing before the crash")
    own_influxdb.kill()  # a crash, not a clean shutdown: acknowledged writes must survive
    crashed = time.monotonic()
    max_rss = 0.0
    while time.monotonic() - crashed < OUTAGE_S:
        assert ingest.alive(), f"ingest died while InfluxDB was down\n{ingest.log_tail()}"
        max_rss = max(max_rss, ingest.rss_mb())
        time.sleep(1.0)  # sampling interval, not a wait for a result
    assert publisher.running(), "readings must still stream when InfluxDB comes back"
    acked_at_return = publisher.acked
    own_influxdb.start()
    wait_for(lambda: influx_ready(own_influxdb.port), 120, "InfluxDB to come back")
    back = time.monotonic()
    backlog_at_return = publisher.acked - count_points(influx)
    assert backlog_at_return > RECEIVE_MAXIMUM, "the broker's queue must hold part of the backlog"

    publisher.join(120)
    wait_for(lambda: count_points(influx) > 0, 60, "InfluxDB to answer queries")
    drained = wait_all_stored(influx, stream.expected, 150, "after a 60 s InfluxDB outage")
    recovered_s = time.monotonic() - back
    metrics = ingest.metrics()
    assert ingest.starts == 1 and ingest.alive(), "the same ingest process must carry on"
    assert metrics.rejected_total == 0, metrics.rejected
    assert metrics.write_failures > 0, "ingest never noticed InfluxDB was gone"
    assert max_rss <= RSS_LIMIT_MB, f"ingest grew to {max_rss:.0f} MB while InfluxDB was down"
    figure(
        "InfluxDB outage",
        f"{total} readings at {RATE}/s, InfluxDB killed for {back - crashed:.0f}s; "
        f"{metrics.write_failures} failed writes; ingest at most {max_rss:.0f} MB RSS; "
        f"{acked_at_return} acked by the broker and {backlog_at_return} of them waiting "
        f"when InfluxDB returned; "
        f"all stored {recovered_s:.1f}s after it returned ({drained:.1f}s after the stream)",
    )


def test_metrics_show_an_influxdb_outage_while_it_lasts(
    own_mosquitto: ManagedServer,
    own_influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    ingest_processes: IngestFactory,
) -> None:
    setup = IngestSetup(own_mosquitto.port, own_influxdb.port, influx_db_name, sqlite_url)
    influx = setup.influx()
    stream = good_readings(400)
    ingest = ingest_processes(setup)
    ingest.start()
    ingest.wait_ready()
    StreamPublisher(setup.mqtt_url, stream.messages[:200]).start().join(60)
    wait_all_stored(influx, dict(list(stream.expected.items())[:200]), 60, "before the outage")
    own_influxdb.stop()
    StreamPublisher(setup.mqtt_url, stream.messages[200:]).start().join(60)

    def outage_visible() -> bool:
        m = ingest.metrics()
        return m.write_failures > 0 and m.unacknowledged > 0

    # The worker logs a failed write within a second; an operator's dashboard must see it too.
    wait_for(outage_visible, 15, "/metrics to show failing writes and unacknowledged messages")
    own_influxdb.start()
    wait_all_stored(influx, stream.expected, 90, "after InfluxDB returned")
