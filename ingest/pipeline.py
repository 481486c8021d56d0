"""The ingest pipeline: validate, judge data quality, batch, write to InfluxDB, acknowledge,
then evaluate.

At-least-once: a message is acknowledged only after the write holding it succeeded. While
InfluxDB is down the pipeline retries the same batch with backoff and takes nothing new, so
its bounded inbox fills, the MQTT side stops reading, the broker stops sending (Receive
Maximum) and keeps the backlog. A bad message is acknowledged, counted by reason and logged,
never stored. The pipeline knows nothing of MQTT or processes: it takes chunks of
`WireMessage`s from a queue and hands acknowledgements to a callback.

Data quality (`ingest.quality`) judges each reading before its line is made: values it does
not trust are written flagged and left out of what evaluation gets, and its faulty alerts
are applied with evaluation's, after the write.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ingest.adapters.influx import InfluxError, reading_line
from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.const import TOPIC_PREFIX
from ingest.domain.evaluation import Evaluator
from ingest.domain.formats import Ignored, Status, Telemetry
from ingest.domain.model import (
    Reading,
    Rejected,
    SensorRef,
    StatusChange,
    parse_status,
    parse_telemetry,
    parse_topic,
)
from ingest.inbound import InboundMessage, WireAck, WireMessage
from ingest.reject_log import RejectLog

if TYPE_CHECKING:
    from ingest.devices import DeviceRouter
    from ingest.quality import SensorQuality

log = logging.getLogger(__name__)
UDARA_TOPIC = TOPIC_PREFIX + "/"

INFLUX_REJECTED = "influx_rejected"
UNEXPECTED = "unexpected_error"  # a message that broke the validator itself: counted, never fatal
# Flush early once the stream pauses this long: a broker that allows few unacknowledged
# messages in flight (Mosquitto's default is 20) sends nothing more until we acknowledge.
IDLE_FLUSH_S = 0.02
# Topics already parsed, with their sensor: a site's sensors send on the same few thousand
# topics all day. Bounded: emptied when full (a flood of new topics costs only the parse).
TOPIC_CACHE = 50_000


class LineWriter(Protocol):
    """What the pipeline needs of InfluxDB (`InfluxClient`; a fake in the unit tests)."""

    def write_lines(self, lines: Sequence[str]) -> None:
        """Write line-protocol lines; raises InfluxError (`retryable` or not) on failure."""

    def create_database(self) -> None:
        """Create the database if it does not exist."""


class AlertSink(Protocol):
    """What the pipeline needs of alerts (`AlertService`)."""

    def apply(self, changes: Iterable[AlertChange]) -> object:
        """Persist opens and clears."""

    def open_keys(self) -> list[AlertKey]:
        """Keys of the alerts open now."""


@dataclass
class PipelineStats:
    """What the pipeline has done; shipped to the MQTT process for the summary and /metrics."""

    received: int = 0
    stored: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)
    write_failures: int = 0
    write_seconds: list[float] = field(default_factory=list)  # drained by each snapshot

    @property
    def rejected_total(self) -> int:
        """All rejections, whatever the reason."""
        return sum(self.rejected.values())

    def snapshot(self) -> PipelineStats:
        """A copy to ship; write durations move to the copy."""
        copy = replace(
            self,
            rejected=dict(self.rejected),
            ignored=dict(self.ignored),
            write_seconds=self.write_seconds,
        )
        self.write_seconds = []
        return copy


@dataclass
class _Batch:
    # One entry per message: its line(s) (a LoRaWAN uplink may carry several readings, joined
    # by newlines so bisection keeps a message whole) and the readings to evaluate (their
    # trusted values only).
    lines: list[str] = field(default_factory=list)
    readings: list[tuple[Reading, ...]] = field(default_factory=list)
    messages: list[InboundMessage] = field(default_factory=list)
    ack_now: list[WireAck] = field(default_factory=list)  # rejected and status messages
    faulty: list[AlertChange] = field(default_factory=list)  # applied after the write


class PipelineStopped(Exception):
    """Raised inside the pipeline when asked to stop while a batch could not be written."""


class IngestPipeline:
    """Drains the inbox into InfluxDB and alerts; `run()` blocks until stopped."""

    def __init__(
        self,
        inbox: queue.Queue[list[WireMessage]],
        influx: LineWriter,
        evaluator: Evaluator,
        alerts: AlertSink,
        ack: Callable[[list[WireAck], PipelineStats], None],
        clock: Callable[[], datetime],
        batch_size: int = 5_000,
        flush_interval: float = 0.25,
        on_new_rooms: Callable[[list[tuple[str, str]]], None] | None = None,
        known_rooms: Callable[[], set[tuple[str, str]]] | None = None,
        offline_check_every: float = 30.0,
        rebuild: Callable[[Evaluator], object] | None = None,
        first_retry_s: float = 0.5,
        devices: DeviceRouter | None = None,
        quality: SensorQuality | None = None,
    ) -> None:
        self._inbox = inbox
        self._influx = influx
        self._evaluator = evaluator
        self._alerts = alerts
        self._ack = ack
        self._clock = clock
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._on_new_rooms = on_new_rooms
        self._load_known_rooms = known_rooms
        self._known_rooms: set[tuple[str, str]] = set()
        self._discoveries: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._offline_every = offline_check_every
        self._rebuild = rebuild
        self._first_retry = first_retry_s
        self._devices = devices
        self._quality = quality
        self._next_offline_check = time.monotonic() + offline_check_every
        self._rejects = RejectLog(log)
        self._topics: dict[str, tuple[SensorRef, str]] = {}
        self.stats = PipelineStats()
        self.stop_event = threading.Event()

    def prepare(self) -> None:
        """Before taking messages: create the database if InfluxDB is up (otherwise the first
        write will), seed evaluation with the open alerts, rebuild its windows, replay data
        quality and bring its faulty alerts in line with it."""
        try:
            self._influx.create_database()
        except InfluxError as exc:
            log.warning("InfluxDB not reachable at start (%s); will retry on first write", exc)
        open_keys = self._alerts.open_keys()
        self._evaluator.restore_open(open_keys)
        if self._rebuild is not None:
            self._rebuild(self._evaluator)
        if self._quality is not None:
            self._apply_alerts(self._quality.prepare(open_keys, self._clock()))
        if self._devices is not None:
            self._devices.start()

    def run(self) -> None:
        """Process until `stop_event` is set; a batch in hand is written first."""
        threading.Thread(target=self._register_rooms, name="rooms", daemon=True).start()
        try:
            while not self.stop_event.is_set():
                batch = self._collect()
                if batch.ack_now:
                    self._ack(batch.ack_now, self.stats.snapshot())
                if batch.messages:
                    self._flush(batch)
                if self._devices is not None:
                    self._devices.between_batches()
                    self._evaluate_copied(self._devices.take_copied())
                if self._quality is not None:
                    self._quality.maybe_refresh()
                self._maybe_check_offline()
        except PipelineStopped:
            log.warning("stopped with an unwritten batch; the broker will redeliver it")
        log.info("ingest pipeline stopped")

    def _collect(self) -> _Batch:
        batch = _Batch()
        deadline = time.monotonic() + self._flush_interval
        while len(batch.lines) < self._batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if batch.messages or batch.ack_now:
                remaining = min(remaining, IDLE_FLUSH_S)
            try:
                chunk = self._inbox.get(timeout=remaining)
            except queue.Empty:
                break
            for wire in chunk:
                self._take(InboundMessage.from_wire(wire), batch)
        return batch

    def _take(self, message: InboundMessage, batch: _Batch) -> None:
        self.stats.received += 1
        if self._devices is not None and not message.topic.startswith(UDARA_TOPIC):
            self._take_device(message, batch)
            return
        try:
            parsed = self._topics.get(message.topic)
            if parsed is None:
                parsed = self._parse_topic(message.topic)
            sensor, kind = parsed
            if kind == "status":
                status = parse_status(sensor, message.payload)
                self._apply_alerts(self._evaluator.status(status, message.received_at))
                batch.ack_now.append(message.ack_wire())
                return
            reading = parse_telemetry(sensor, message.payload, message.received_at)
        except Rejected as exc:
            self._count_reject(message, exc.reason, exc.detail)
            batch.ack_now.append(message.ack_wire())
            return
        except Exception as exc:  # a poison message must never stop ingest
            log.exception("unexpected error validating a message on %r", message.topic[:200])
            self._count_reject(message, UNEXPECTED, repr(exc))
            batch.ack_now.append(message.ack_wire())
            return
        line, evaluated = self._judge(reading, batch)
        batch.lines.append(line)
        batch.readings.append((evaluated,))
        batch.messages.append(message)

    def _parse_topic(self, topic: str) -> tuple[SensorRef, str]:
        """`parse_topic`, remembered: the same sensor object for every message of a topic
        also makes evaluation's and data quality's lookups by sensor identity checks."""
        parsed = parse_topic(topic)
        if len(self._topics) >= TOPIC_CACHE:
            self._topics.clear()
        self._topics[topic] = parsed
        return parsed

    def _judge(self, reading: Reading, batch: _Batch) -> tuple[str, Reading]:
        """The reading's line (untrusted values flagged) and what evaluation gets of it."""
        if self._quality is None:
            return reading_line(reading), reading
        evaluated, flagged, changes = self._quality.judge(reading)
        batch.faulty.extend(changes)
        return reading_line(reading, flagged), evaluated

    def _evaluate_copied(self, readings: list[Reading]) -> None:
        """Judge a just-placed device's recent held readings (already stored) like live ones."""
        if not readings:
            return
        now = self._clock()
        changes: list[AlertChange] = []
        for reading in readings:
            evaluated = reading
            if self._quality is not None:
                evaluated, _, faulty = self._quality.judge(reading)
                changes.extend(faulty)
            changes.extend(self._evaluator.observe(evaluated, received_at=now))
        self._apply_alerts(changes)

    def _take_device(self, message: InboundMessage, batch: _Batch) -> None:
        """A message of another firmware: decoded by its adapter, routed by the registry."""
        assert self._devices is not None  # noqa: S101 - only called with a router
        outcome = self._devices.decode(message.topic, message.payload, message.received_at)
        if isinstance(outcome, Telemetry):
            for value in outcome.rejected:
                self._count_reject(message, value.reason, f"{value.key}: {value.detail}")
            values = ((r.time, r.values) for r in outcome.readings)
            routed = self._devices.route(outcome.device, outcome.format, values)
            judged = [self._judge(r, batch) for r in routed.readings]
            lines = [line for line, _ in judged] + routed.lines
            if lines:
                batch.lines.append("\n".join(lines))
                batch.readings.append(tuple(evaluated for _, evaluated in judged))
                batch.messages.append(message)
                return
            if routed.retired:
                self._count_ignored("retired_device")
        elif isinstance(outcome, Status):
            sensor = self._devices.sensor_of(outcome.device)
            if sensor is not None:
                status = StatusChange(sensor, outcome.online)
                self._apply_alerts(self._evaluator.status(status, message.received_at))
        elif isinstance(outcome, Ignored):
            self._count_ignored(outcome.reason)
        else:  # the whole message: counted once, by its reason
            self._count_reject(message, outcome.reason, outcome.detail)
        batch.ack_now.append(message.ack_wire())

    def _count_ignored(self, reason: str) -> None:
        self.stats.ignored[reason] = self.stats.ignored.get(reason, 0) + 1

    def _count_reject(self, message: InboundMessage, reason: str, detail: str) -> None:
        self.stats.rejected[reason] = self.stats.rejected.get(reason, 0) + 1
        self._rejects.record(reason, message.topic, message.payload, detail)

    def _flush(self, batch: _Batch) -> None:
        # Refused lines are counted inside; they are acknowledged with the rest.
        stored = self._write_until_done(batch.lines, batch.readings, batch.messages)
        self._ack([m.ack_wire() for m in batch.messages], self.stats.snapshot())
        now = self._clock()
        changes: list[AlertChange] = batch.faulty
        for group in stored:
            for reading in group:
                self._discover_room(reading)
                changes.extend(self._evaluator.observe(reading, received_at=now))
        self._apply_alerts(changes)

    def _write_until_done(
        self,
        lines: list[str],
        readings: list[tuple[Reading, ...]],
        messages: list[InboundMessage],
    ) -> list[tuple[Reading, ...]]:
        """Write, retrying transient failures with backoff; returns the readings stored."""
        delay = self._first_retry
        while True:
            try:
                started = time.perf_counter()
                self._influx.write_lines(lines)
                self.stats.write_seconds.append(time.perf_counter() - started)
                self.stats.stored += len(lines) + sum(line.count("\n") for line in lines)
                return readings
            except InfluxError as exc:
                self.stats.write_failures += 1
                if "database not found" in str(exc):
                    self._create_database()
                    continue
                if not exc.retryable:
                    return self._isolate_refused(lines, readings, messages, exc)
                log.warning("InfluxDB write failed (%s); retrying in %.1fs", exc, delay)
                self._ack([], self.stats.snapshot())  # /metrics shows the outage while it lasts
                if self.stop_event.wait(delay):
                    # Shutting down with InfluxDB away: leave the batch unacknowledged, the
                    # broker redelivers it to the next run.
                    raise PipelineStopped from exc
                delay = min(delay * 2, 30.0)

    def _create_database(self) -> None:
        try:
            self._influx.create_database()
        except InfluxError as exc:
            log.warning("could not create InfluxDB database: %s", exc)
            time.sleep(1)

    def _isolate_refused(
        self,
        lines: list[str],
        readings: list[tuple[Reading, ...]],
        messages: list[InboundMessage],
        error: InfluxError,
    ) -> list[tuple[Reading, ...]]:
        """InfluxDB refused the batch: bisect it until the refused lines are found and counted."""
        if len(lines) == 1:
            self._count_reject(messages[0], INFLUX_REJECTED, str(error))
            return []
        half = len(lines) // 2
        left = self._write_until_done(lines[:half], readings[:half], messages[:half])
        return left + self._write_until_done(lines[half:], readings[half:], messages[half:])

    def _discover_room(self, reading: Reading) -> None:
        room = (reading.sensor.building, reading.sensor.room)
        if room in self._known_rooms:
            return
        self._known_rooms.add(room)
        if self._on_new_rooms is not None:
            self._discoveries.put(room)

    def _register_rooms(self) -> None:
        """Tell maintenance about new rooms, off the hot path, in one transaction per burst.

        Rooms already in the database are loaded first, so a restart registers nothing again.
        """
        if self._load_known_rooms is not None:
            try:
                self._known_rooms.update(self._load_known_rooms())
            except Exception:  # the database may be away; discovery then just repeats work
                log.warning("could not load the known rooms", exc_info=True)
        while True:
            rooms = [self._discoveries.get()]
            while len(rooms) < 5_000:
                try:
                    rooms.append(self._discoveries.get_nowait())
                except queue.Empty:
                    break
            try:
                if self._on_new_rooms is not None:
                    self._on_new_rooms(rooms)
            except Exception:  # discovery is a convenience; it must never block readings
                log.exception("could not register %d new rooms", len(rooms))

    def _maybe_check_offline(self) -> None:
        if time.monotonic() < self._next_offline_check:
            return
        self._next_offline_check = time.monotonic() + self._offline_every
        self._apply_alerts(self._evaluator.check_offline(self._clock()))

    def _apply_alerts(self, changes: list[AlertChange]) -> None:
        if not changes:
            return
        try:
            self._alerts.apply(changes)
        except Exception:
            # The readings are stored; a database hiccup must not stall ingest. Evaluation
            # re-syncs open alerts from the database on the next restart.
            log.exception("could not persist %d alert changes", len(changes))
