"""Data quality wired into the pipeline, on accelerated event time against the in-memory
InfluxDB: faulty alerts, flagged storage, what evaluation no longer sees, and restarts."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.devices import Routed
from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.evaluation import Evaluator
from ingest.domain.formats import DeviceReading, Telemetry
from ingest.domain.model import Reading, SensorRef, telemetry_payload
from ingest.domain.profiles import load_profile
from ingest.domain.quality import FaultKey, QualityDetector
from ingest.domain.quality_alerts import alert_key
from ingest.domain.quality_config import load_quality_config
from ingest.inbound import WireAck, WireMessage
from ingest.pipeline import IngestPipeline, PipelineStats
from ingest.quality import SensorQuality
from tests.support.fake_influx import FakeInflux

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 in Jakarta
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
STUCK = SensorRef("menara-a", "lt3-rapat", "s1")
HEALTHY = SensorRef("menara-a", "lt3-rapat", "s2")
FAULTY_CO2 = AlertKey("menara-a", "lt3-rapat", "co2", "warning", "faulty", "s1")


class Alerts:
    """The pipeline's `AlertSink`: records what it applies, holds what the database would."""

    def __init__(self, open_keys: Iterable[AlertKey] = ()) -> None:
        self.applied: list[AlertChange] = []
        self.stored = list(open_keys)

    def apply(self, changes: Iterable[AlertChange]) -> object:
        self.applied.extend(changes)
        return None

    def open_keys(self) -> list[AlertKey]:
        return list(self.stored)

    def opened(self, kind: str) -> list[AlertChange]:
        return [c for c in self.applied if c.action == "open" and c.key.kind == kind]


class Ingest:
    """A pipeline with data quality on its own thread; `send` returns once all are acked."""

    def __init__(
        self,
        alerts: Alerts | None = None,
        quality: SensorQuality | None = None,
        devices: OnePlacedDevice | None = None,
    ) -> None:
        self.influx = FakeInflux()
        self.alerts = alerts or Alerts()
        self.evaluator = Evaluator(load_profile("permenkes-1077-2011"))
        self.quality = quality or SensorQuality(load_quality_config(), "Asia/Jakarta")
        self.inbox: queue.Queue[list[WireMessage]] = queue.Queue(4)
        self.acked = 0
        self.sent = 0
        self.pipeline = IngestPipeline(
            self.inbox,
            self.influx,
            self.evaluator,
            self.alerts,
            ack=self._ack,
            clock=lambda: T0,
            batch_size=500,
            flush_interval=0.02,
            offline_check_every=3600,
            first_retry_s=0.01,
            quality=self.quality,
            devices=devices,  # type: ignore[arg-type]
        )
        self.pipeline.prepare()
        self.thread = threading.Thread(target=self.pipeline.run, daemon=True)
        self.thread.start()

    def _ack(self, acks: list[WireAck], stats: PipelineStats) -> None:
        self.acked += len(acks)

    def send(self, messages: list[tuple[str, bytes]]) -> None:
        """Process `messages`, evaluation included: a batch is acknowledged before it is
        evaluated, so a last message (not JSON, acknowledged at once in the next batch) marks
        that the ones before it are done."""
        messages = [*messages, (STUCK.topic(), b"done?")]
        for start in range(0, len(messages), 100):
            chunk: list[WireMessage] = []
            for topic, payload in messages[start : start + 100]:
                self.sent += 1
                chunk.append((topic, payload, self.sent, 1, T0.timestamp(), 1))
            self.inbox.put(chunk)
        deadline = time.monotonic() + 20
        while self.acked < self.sent:
            assert time.monotonic() < deadline, "timed out waiting for acknowledgements"
            time.sleep(0.005)

    def stop(self) -> None:
        self.pipeline.stop_event.set()
        self.thread.join(5)

    def point(self, sensor: SensorRef, at: datetime) -> str:
        series = f"iaq,building={sensor.building},room={sensor.room},sensor={sensor.sensor}"
        return self.influx.points[(series, str(int(at.timestamp() * 1000)))]


@pytest.fixture
def ingest() -> Iterator[Ingest]:
    running = Ingest()
    yield running
    running.stop()


def reading(sensor: SensorRef, at: datetime, **values: float) -> tuple[str, bytes]:
    return sensor.topic(), telemetry_payload(values, at)


def every_5_min(start: timedelta, end: timedelta) -> list[datetime]:
    """Event times from T0 + start up to (not including) T0 + end."""
    return [T0 + start + i * 5 * MIN for i in range(int((end - start) / (5 * MIN)))]


def test_a_stuck_co2_sensor_opens_one_faulty_alert_after_6_h_and_leaves_evaluation(
    ingest: Ingest,
) -> None:
    """s1 hangs at 1500 ppm; s2 in the same room reads the real air (about 600 ppm)."""

    def both(times: list[datetime], stuck: float = 1500.0) -> list[tuple[str, bytes]]:
        out = []
        for k, at in enumerate(times):
            out.append(reading(STUCK, at, co2=stuck, temperature=24.0 + k % 3 / 10))
            out.append(reading(HEALTHY, at + 30 * time_unit, co2=598.0 + k % 5))
        return out

    time_unit = timedelta(seconds=1)
    ingest.send(both(every_5_min(timedelta(0), 6 * HOUR - 5 * MIN)))
    assert ingest.alerts.opened("faulty") == []
    # Before its fault is known the stuck value is the room's air: (1500 + 600) / 2 > 1000.
    assert {c.key.severity for c in ingest.alerts.opened("threshold")} == {"warning", "critical"}

    ingest.send(both(every_5_min(6 * HOUR - 5 * MIN, 16 * HOUR)))
    [faulty] = ingest.alerts.opened("faulty")
    assert (faulty.key, faulty.at, faulty.value) == (FAULTY_CO2, T0 + 6 * HOUR, 1500.0)
    assert faulty.message_code == "sensor_stuck"
    assert faulty.message_params is not None and faulty.message_params["span_s"] == 21600
    # From then on the room's CO2 is s2's: what the stuck value opened clears, and the
    # stuck 1500 ppm opens no CO2 alert for the ten hours it keeps reporting.
    after = [c for c in ingest.alerts.applied if c.key.kind == "threshold" and c.at > faulty.at]
    assert {(c.action, c.key.severity) for c in after} == {
        ("clear", "warning"),
        ("clear", "critical"),
    }
    assert ingest.evaluator.snapshot("menara-a", "lt3-rapat")["co2"].short_mean == pytest.approx(
        600, abs=3
    )
    # Stored all the same, flagged while the fault lasts; the temperature is not flagged.
    assert ingest.point(STUCK, T0 + 6 * HOUR - 5 * MIN).startswith("co2=1500,temperature=")
    assert ingest.point(STUCK, T0 + 6 * HOUR).startswith("co2=1500,faulty_co2=1500,temperature=")
    assert ingest.influx.stored("faulty_co2") == 10 * 12  # 6:00 … 15:55

    # It moves: the fault clears at that reading, which is evaluated again.
    ingest.send(both([T0 + 16 * HOUR], stuck=1480.0))
    clears = [c for c in ingest.alerts.applied if c.key == FAULTY_CO2 and c.action == "clear"]
    assert [(c.at, c.message_code) for c in clears] == [(T0 + 16 * HOUR, "sensor_faulty_cleared")]
    assert ingest.point(STUCK, T0 + 16 * HOUR).startswith("co2=1480,temperature=")
    assert ingest.alerts.opened("threshold")[-1].at == T0 + 16 * HOUR  # (1480 + 600) / 2
    assert len(ingest.alerts.opened("faulty")) == 1


def test_a_faulty_sensor_is_still_heard_so_its_offline_alert_clears(ingest: Ingest) -> None:
    times = every_5_min(timedelta(0), 6 * HOUR + 5 * MIN)
    ingest.send([reading(STUCK, at, co2=800.0) for at in times])
    assert [c.key for c in ingest.alerts.opened("faulty")] == [FAULTY_CO2]
    newest_evaluated = ingest.evaluator.snapshot("menara-a", "lt3-rapat")["co2"].newest
    assert newest_evaluated == T0 + 6 * HOUR - 5 * MIN

    ingest.send([(STUCK.topic("status"), b"offline")])
    assert [c.action for c in ingest.alerts.applied if c.key.kind == "offline"] == ["open"]
    ingest.send([reading(STUCK, T0 + 7 * HOUR, co2=800.0)])  # flagged: no CO2 left to evaluate
    assert [c.action for c in ingest.alerts.applied if c.key.kind == "offline"] == [
        "open",
        "clear",
    ]
    assert ingest.evaluator.snapshot("menara-a", "lt3-rapat")["co2"].newest == newest_evaluated


def test_one_implausible_value_is_stored_flagged_and_never_evaluated(ingest: Ingest) -> None:
    values = [24.0, 24.1] * 5
    values[6] = 85.0  # one bad bus read: alone it would pull the 10-minute mean over 30 °C
    ingest.send(
        [reading(STUCK, T0 + i * MIN, temperature=v) for i, v in enumerate(values)]
        + [reading(STUCK, T0 + 10 * MIN, temperature=24.0)]
    )
    assert ingest.alerts.applied == []  # no temperature warning, and a lone jump is forgiven
    assert ingest.point(STUCK, T0 + 6 * MIN) == "faulty_temperature=85,temperature=85"
    assert ingest.influx.stored("faulty_") == 1


class OnePlacedDevice:
    """A device router (`DeviceRouter`'s part the pipeline calls) with one device, placed
    as STUCK, whose uplinks carry a list of [epoch seconds, co2] readings."""

    def start(self) -> None:
        pass

    def between_batches(self) -> None:
        pass

    def take_copied(self) -> list[Reading]:
        return []

    def decode(self, topic: str, payload: bytes, received_at: datetime) -> Telemetry:
        readings = tuple(
            DeviceReading(datetime.fromtimestamp(t, UTC), {"co2": co2})
            for t, co2 in json.loads(payload)
        )
        return Telemetry("chirpstack", "chirpstack:0011", readings)

    def route(
        self, device: str, fmt: str, readings: Iterable[tuple[datetime, dict[str, float]]]
    ) -> Routed:
        return Routed(readings=[Reading(STUCK, at, values) for at, values in readings])

    def sensor_of(self, device: str) -> SensorRef | None:
        return STUCK


def test_readings_of_other_firmware_are_judged_like_udaras_own() -> None:
    running = Ingest(devices=OnePlacedDevice())
    try:
        # LoRaWAN history uploads: an hour of readings per uplink, stuck at 800 ppm.
        uplinks = [
            json.dumps([[(T0 + (h * 60 + m) * MIN).timestamp(), 800.0] for m in range(0, 60, 5)])
            for h in range(7)
        ]
        running.send([("application/1/device/0011/event/up", u.encode()) for u in uplinks])
    finally:
        running.stop()
    assert [(c.key, c.at) for c in running.alerts.opened("faulty")] == [(FAULTY_CO2, T0 + 6 * HOUR)]
    assert running.influx.stored("faulty_co2") == 12  # the seventh uplink's hour
    evaluated = running.evaluator.snapshot("menara-a", "lt3-rapat")["co2"]
    assert evaluated.newest == T0 + 6 * HOUR - 5 * MIN


# --- restart: replay, then reconcile with the database --------------------------------------


def stuck_replay(
    minutes: int, moved: bool = False, complete: bool = True
) -> Callable[[QualityDetector], bool]:
    """A replay that feeds `minutes` of a stuck sensor's stored CO2 (and a move at the end)."""

    def run(detector: QualityDetector) -> bool:
        for i in range(0, minutes, 5):
            detector.check(Reading(STUCK, T0 - minutes * MIN + i * MIN, {"co2": 900.0}))
        if moved:
            detector.check(Reading(STUCK, T0, {"co2": 930.0}))
        return complete

    return run


def test_a_restart_keeps_an_open_faulty_alert_the_replay_agrees_with() -> None:
    alerts = Alerts([FAULTY_CO2])
    quality = SensorQuality(load_quality_config(), "Asia/Jakarta", replay=stuck_replay(7 * 60))
    running = Ingest(alerts, quality)
    try:
        assert alerts.applied == []
        running.send([reading(STUCK, T0 + MIN, co2=900.0)])
        assert "faulty_co2=900" in running.point(STUCK, T0 + MIN)  # still flagged
        assert alerts.applied == []
    finally:
        running.stop()


def test_a_restart_opens_what_storage_shows_and_clears_what_it_no_longer_does() -> None:
    other = alert_key(FaultKey(HEALTHY, "temperature"))
    alerts = Alerts([other])
    quality = SensorQuality(load_quality_config(), "Asia/Jakarta", replay=stuck_replay(7 * 60))
    running = Ingest(alerts, quality)
    running.stop()
    assert [(c.action, c.key) for c in alerts.applied] == [("open", FAULTY_CO2), ("clear", other)]


def test_a_replay_that_did_not_finish_clears_nothing() -> None:
    alerts = Alerts([FAULTY_CO2])
    replay = stuck_replay(7 * 60, moved=True, complete=False)
    running = Ingest(alerts, SensorQuality(load_quality_config(), "Asia/Jakarta", replay=replay))
    running.stop()
    assert alerts.applied == []
    alerts = Alerts([FAULTY_CO2])
    replay = stuck_replay(7 * 60, moved=True, complete=True)
    running = Ingest(alerts, SensorQuality(load_quality_config(), "Asia/Jakarta", replay=replay))
    running.stop()
    assert [(c.action, c.key) for c in alerts.applied] == [("clear", FAULTY_CO2)]


# --- nights from the buildings' operating hours ---------------------------------------------


def test_operating_hours_are_read_at_start_and_again_when_they_change() -> None:
    office = {"mon": [["07:00", "19:00"]], "tue": [["07:00", "19:00"]]}
    found: dict[str, tuple[str, dict[str, list[list[str]]]]] = {
        "menara-a": ("Asia/Jakarta", office),
        "gedung-b": ("Asia/Makassar", {}),
    }
    now = [0.0]
    quality = SensorQuality(
        load_quality_config(),
        "Asia/Jakarta",
        schedules=lambda: found,
        refresh_s=300,
        monotonic=lambda: now[0],
    )
    applied: list[tuple[str, str]] = []
    set_schedule = quality.detector.set_schedule

    def spy(building: str, schedule: object) -> None:
        applied.append((building, str(getattr(schedule, "zone", ""))))
        set_schedule(building, schedule)  # type: ignore[arg-type]

    quality.detector.set_schedule = spy  # type: ignore[method-assign]
    quality.prepare([], T0)
    assert sorted(applied) == [("gedung-b", "Asia/Makassar"), ("menara-a", "Asia/Jakarta")]
    now[0] = 299
    found["menara-a"] = ("Asia/Jakarta", {"mon": [["08:00", "17:00"]]})
    quality.maybe_refresh()
    assert len(applied) == 2  # not yet
    now[0] = 300
    quality.maybe_refresh()
    assert applied[2:] == [("menara-a", "Asia/Jakarta")]  # only what changed
    found["gedung-b"] = ("Mars/Olympus", {})
    now[0] = 600
    quality.maybe_refresh()  # a bad zone keeps the nights it had
    assert len(applied) == 3
