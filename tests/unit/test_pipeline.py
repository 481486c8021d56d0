"""The pipeline's promises, fast, against the in-memory InfluxDB: retry, bisection, ack order."""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.evaluation import Evaluator
from ingest.domain.model import SensorRef, telemetry_payload
from ingest.domain.profiles import load_profile
from ingest.inbound import WireAck, WireMessage
from ingest.pipeline import IngestPipeline, PipelineStats
from tests.support.fake_influx import FakeInflux

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
SENSOR = SensorRef("menara-a", "lt3", "s1")


class Alerts:
    """Records what the pipeline applies (the `AlertSink` of the pipeline)."""

    def __init__(self) -> None:
        self.applied: list[AlertChange] = []

    def apply(self, changes: Iterable[AlertChange]) -> object:
        self.applied.extend(changes)
        return None

    def open_keys(self) -> list[AlertKey]:
        return []


class Running:
    """A pipeline on its own thread, its acknowledgements checked as they are sent."""

    def __init__(self, influx: FakeInflux) -> None:
        self.influx = influx
        self.inbox: queue.Queue[list[WireMessage]] = queue.Queue(4)
        self.acked: list[int] = []
        self.acked_unstored: list[int] = []  # acknowledged before their point was stored
        self.stored_keys: dict[int, tuple[str, str]] = {}
        self.stats = PipelineStats()
        self.pipeline = IngestPipeline(
            self.inbox,
            influx,
            Evaluator(load_profile("permenkes-1077-2011")),
            Alerts(),
            ack=self._ack,
            clock=lambda: T0,
            batch_size=8,
            flush_interval=0.02,
            offline_check_every=3600,
            first_retry_s=0.01,
        )
        self.thread = threading.Thread(target=self.pipeline.run, daemon=True)
        self.thread.start()

    def _ack(self, acks: list[WireAck], stats: PipelineStats) -> None:
        for mid, _qos, _generation in acks:
            key = self.stored_keys.get(mid)
            if key is not None and key not in self.influx.points:
                self.acked_unstored.append(mid)
            self.acked.append(mid)
        self.stats = stats

    def send(self, messages: list[tuple[int, bytes]]) -> None:
        chunk: list[WireMessage] = []
        for mid, payload in messages:
            chunk.append((SENSOR.topic(), payload, mid, 1, T0.timestamp(), 1))
        self.inbox.put(chunk)

    def stop(self) -> None:
        self.pipeline.stop_event.set()
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.fixture
def influx() -> FakeInflux:
    return FakeInflux()


@pytest.fixture
def running(influx: FakeInflux) -> Iterator[Running]:
    pipeline = Running(influx)
    yield pipeline
    pipeline.stop()


def readings(running: Running, mids: range, **values: float) -> list[tuple[int, bytes]]:
    """Telemetry messages whose points the harness can look up when they are acknowledged."""
    messages = []
    for mid in mids:
        at = T0 + timedelta(seconds=mid)
        series = f"iaq,building={SENSOR.building},room={SENSOR.room},sensor={SENSOR.sensor}"
        running.stored_keys[mid] = (series, str(int(at.timestamp() * 1000)))
        messages.append((mid, telemetry_payload(values or {"co2": 600.0}, at)))
    return messages


def eventually(predicate: Callable[[], bool], what: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def test_a_message_is_acknowledged_only_after_the_write_holding_it_succeeded(
    running: Running, influx: FakeInflux
) -> None:
    influx.down = True
    running.send(readings(running, range(1, 21)))
    eventually(lambda: influx.requests >= 3, "retries while InfluxDB is down")
    assert running.acked == []
    influx.down = False
    eventually(lambda: len(running.acked) == 20, "every message acknowledged")
    assert sorted(running.acked) == list(range(1, 21))
    assert running.acked_unstored == []
    assert influx.stored() == 20
    assert running.stats.write_failures >= 2


def test_while_influxdb_is_down_the_same_batch_is_retried_and_nothing_new_taken(
    running: Running, influx: FakeInflux
) -> None:
    influx.down = True
    running.send(readings(running, range(1, 6)))
    eventually(lambda: influx.requests >= 2, "a retry")
    running.send(readings(running, range(6, 11)))
    time.sleep(0.1)
    assert running.inbox.qsize() == 1, "the second chunk must wait in the inbox"
    influx.down = False
    eventually(lambda: len(running.acked) == 10, "both chunks acknowledged")
    assert running.acked[:5] == [1, 2, 3, 4, 5]  # the first batch first
    assert running.acked_unstored == []


def test_a_refused_line_is_found_by_bisection_counted_and_the_rest_stored(
    running: Running, influx: FakeInflux
) -> None:
    influx.refuse = lambda line: "hcho=" in line
    messages = readings(running, range(1, 9))
    messages[5] = readings(running, range(6, 7), hcho=0.05)[0]
    running.send(messages)
    eventually(lambda: len(running.acked) == 8, "the whole batch acknowledged")
    assert influx.stored() == 7
    assert influx.stored("hcho") == 0
    assert running.stats.rejected == {"influx_rejected": 1}
    # One try of the batch, then halves down to the refused line: 2 * log2(8) more requests.
    assert influx.requests <= 1 + 2 * math.log2(8)
    assert running.acked_unstored == [6]  # the refused one alone: counted, never stored


def test_rejected_messages_are_acknowledged_at_once_even_while_influxdb_is_down(
    running: Running, influx: FakeInflux
) -> None:
    influx.down = True
    running.send([(1, b"not json"), (2, b'{"co2": -5}'), *readings(running, range(3, 4))])
    eventually(lambda: running.acked == [1, 2], "the two rejected messages acknowledged")
    time.sleep(0.05)
    assert running.acked == [1, 2], "the reading waits for InfluxDB"
    assert running.stats.rejected == {"not_json": 1, "impossible_value": 1}


def test_stopping_while_influxdb_is_down_leaves_the_batch_to_the_broker(
    influx: FakeInflux,
) -> None:
    influx.down = True
    running = Running(influx)
    running.send(readings(running, range(1, 4)))
    eventually(lambda: influx.requests >= 2, "a retry")
    running.stop()
    assert running.acked == []
    assert influx.stored() == 0
