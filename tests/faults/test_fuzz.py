"""10,000 fuzzed bad messages interleaved with good readings through a real ingest.

Every good reading is stored (and nothing else); every bad message is counted once, under
the reason its one defect calls for, in the Prometheus counter scraped over HTTP.
Set UDARA_FAULTS_SEED to replay a run.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta

import pytest

from tests.faults.conftest import IngestFactory
from tests.faults.fuzz import fuzz_messages
from tests.faults.harness import (
    T0,
    IngestSetup,
    StreamPublisher,
    figure,
    good_readings,
    sensors,
    wait_all_stored,
    wait_for,
)
from udara.devservers import ManagedServer

pytestmark = [pytest.mark.faults, pytest.mark.integration]

BAD = 10_000
GOOD = 15_000
STATUS_OK = 40  # valid `online` status messages: neither stored nor rejected


def test_ten_thousand_fuzzed_bad_messages_are_counted_by_reason_and_no_good_one_is_lost(
    own_mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    ingest_processes: IngestFactory,
) -> None:
    seed = int(os.environ.get("UDARA_FAULTS_SEED", random.SystemRandom().randrange(2**32)))
    rng = random.Random(seed)
    refs = sensors(20, 10)
    good = good_readings(GOOD, sensor_count=len(refs), rooms=10)
    bad = fuzz_messages(rng, BAD, refs, T0, timedelta(seconds=1))
    statuses = [(refs[i % len(refs)].topic("status"), b"online") for i in range(STATUS_OK)]
    messages = good.messages + bad.messages + statuses
    rng.shuffle(messages)

    setup = IngestSetup(own_mosquitto.port, influxdb.port, influx_db_name, sqlite_url)
    influx = setup.influx()
    ingest = ingest_processes(setup)
    ingest.start()
    ingest.wait_ready()
    started = time.monotonic()
    StreamPublisher(setup.mqtt_url, messages).start().join(240)
    published_s = time.monotonic() - started

    where = f"(seed {seed}; replay with UDARA_FAULTS_SEED={seed})"
    wait_all_stored(influx, good.expected, 180, f"good readings among fuzz {where}")
    wait_for(
        lambda: ingest.metrics().rejected_total >= BAD, 120, f"{BAD} rejections counted {where}"
    )
    metrics = ingest.metrics()
    assert ingest.alive() and ingest.starts == 1, "a bad message must never stop ingest"
    assert metrics.rejected_total == BAD, f"{metrics.rejected_total} rejections {where}"
    assert metrics.rejected == dict(bad.reasons), f"by reason {where}"
    assert metrics.received == len(messages), f"{metrics.received} received {where}"
    assert metrics.points_written == GOOD, f"{metrics.points_written} points written {where}"
    figure(
        "fuzz",
        f"seed {seed}: {GOOD} good + {BAD} bad + {STATUS_OK} status, published in "
        f"{published_s:.1f}s, all processed in {time.monotonic() - started:.1f}s; "
        f"{GOOD} stored; rejected "
        + ", ".join(f"{reason} {n}" for reason, n in sorted(metrics.rejected.items())),
    )
