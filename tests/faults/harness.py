"""The fault suite's harness: `udara ingest` as real processes, a paced real publisher,
Prometheus metrics scraped over HTTP, and every stored point compared with what was sent.

"Nothing lost" is checked exactly: each good reading has its own (sensor, timestamp) and its
own CO2 value, and the suite reads every point back from InfluxDB, so a missing reading, an
extra point (a bad message stored) or an overwritten one (a wrong value under a good
timestamp) all fail the test. Redelivered duplicates overwrite themselves and are harmless.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from ingest.adapters.influx import InfluxClient
from ingest.adapters.mqtt import register_session
from ingest.domain.model import SensorRef, telemetry_payload
from ingest.service import subscriptions
from sensors_sim.publisher import publish_readings
from sensors_sim.stats import PublishStats
from tests.support.ingest_env import ingest_env, unique_client_id
from udara.devservers import free_port
from udara.settings import MqttTarget

ROOT = Path(__file__).resolve().parents[2]
BUILDING = "fault-b"
T0 = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # Tuesday 08:00 WIB
MAX_SERIES_ROWS = 10_000  # InfluxDB 1.x marks longer series "partial"; keep streams below

Key = tuple[str, int]  # (sensor id, epoch milliseconds)

# --- figures -------------------------------------------------------------------------------

FIGURES: list[tuple[str, str]] = []


def figure(test: str, text: str) -> None:
    """Record a short figure for the end-of-run summary (and print it for `-s`)."""
    FIGURES.append((test, text))
    print(f"[faults] {test}: {text}")  # noqa: T201


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, poll: float = 0.2) -> None:
    """Poll until `predicate()` is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(poll)


# --- good readings -------------------------------------------------------------------------


@dataclass
class GoodStream:
    """Good readings to publish, and what InfluxDB must hold afterwards."""

    messages: list[tuple[str, bytes]]
    expected: dict[Key, float]


def co2_value(i: int) -> float:
    """A CO2 value unique to reading `i`, always inside the limit (no alerts, no noise)."""
    return 400.0 + (i % 500) + (i // 500) / 1000.0


def sensors(n: int, rooms: int, building: str = BUILDING) -> list[SensorRef]:
    """`n` sensors spread over `rooms` rooms of one building."""
    return [SensorRef(building, f"lt{k % rooms + 1}-ruang-{k % rooms}", f"s{k}") for k in range(n)]


def good_readings(
    n: int,
    *,
    sensor_count: int = 20,
    rooms: int = 10,
    start: datetime = T0,
    step: timedelta = timedelta(seconds=1),
    first: int = 0,
) -> GoodStream:
    """`n` readings, round robin over the sensors, each with its own time and CO2 value."""
    refs = sensors(sensor_count, rooms)
    assert (first + n) / sensor_count < MAX_SERIES_ROWS, "too many points per sensor to read back"
    messages: list[tuple[str, bytes]] = []
    expected: dict[Key, float] = {}
    for i in range(first, first + n):
        ref = refs[i % sensor_count]
        at = start + step * (i // sensor_count)
        value = co2_value(i)
        payload = telemetry_payload({"co2": value, "temperature": 24.5, "humidity": 55.0}, at)
        messages.append((ref.topic(), payload))
        expected[(ref.sensor, int(at.timestamp() * 1000))] = value
    return GoodStream(messages, expected)


# --- InfluxDB ------------------------------------------------------------------------------


def count_points(influx: InfluxClient) -> int:
    """How many CO2 points InfluxDB holds (0 before the database exists or while it is down)."""
    try:
        series = influx.query('SELECT count("co2") FROM "iaq"')
    except Exception:
        return 0
    return int(series[0]["values"][0][1]) if series else 0


def stored_points(influx: InfluxClient) -> dict[Key, float]:
    """Every CO2 point InfluxDB holds, by (sensor, epoch ms)."""
    points: dict[Key, float] = {}
    for series in influx.query('SELECT "co2" FROM "iaq" GROUP BY "sensor"'):
        assert not series.get("partial"), "a series was cut short: use more sensors"
        sensor = series["tags"]["sensor"]
        for at, value in series["values"]:
            points[(sensor, int(at))] = float(value)
    return points


def assert_exactly_stored(influx: InfluxClient, expected: dict[Key, float]) -> None:
    """InfluxDB holds every expected point with its value, and nothing else."""
    stored = stored_points(influx)
    missing = sorted(expected.keys() - stored.keys())
    extra = sorted(stored.keys() - expected.keys())
    wrong = sorted(
        k
        for k in expected.keys() & stored.keys()
        if not math.isclose(stored[k], expected[k], rel_tol=1e-12)
    )
    assert not (missing or extra or wrong), (
        f"{len(missing)} good readings lost (first {missing[:3]}), "
        f"{len(extra)} points that were never good readings (first {extra[:3]}), "
        f"{len(wrong)} with a wrong value (first {wrong[:3]}); "
        f"{len(stored)} stored of {len(expected)} expected"
    )


def wait_all_stored(
    influx: InfluxClient, expected: dict[Key, float], timeout: float, what: str
) -> float:
    """Wait until InfluxDB holds as many points as expected, then compare them exactly.

    Returns the seconds waited. Fails early if more points than good readings appear.
    """
    started = time.monotonic()
    n = len(expected)

    def done() -> bool:
        stored = count_points(influx)
        assert stored <= n, f"{stored} points stored but only {n} good readings were sent"
        return stored == n

    try:
        wait_for(done, timeout, f"{n} readings stored ({what})", poll=0.5)
    except AssertionError:
        assert_exactly_stored(influx, expected)  # a more useful message: which ones
        raise
    assert_exactly_stored(influx, expected)
    return time.monotonic() - started


# --- ingest processes ----------------------------------------------------------------------


@dataclass
class IngestMetrics:
    """What one scrape of `udara ingest --metrics-port` says."""

    received: int
    points_written: int
    rejected: dict[str, int]
    write_failures: int
    queue_depth: int
    unacknowledged: int
    connected: bool

    @property
    def rejected_total(self) -> int:
        """Rejections of every reason."""
        return sum(self.rejected.values())


def scrape(port: int) -> IngestMetrics | None:
    """Scrape the ingest metrics on 127.0.0.1:port; None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:  # noqa: S310
            text = response.read().decode()
    except (urllib.error.URLError, OSError):
        return None
    values: dict[str, float] = {}
    rejected: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "udara_ingest_messages_rejected_total":
                rejected[sample.labels["reason"]] = int(sample.value)
            elif not sample.labels:
                values[sample.name] = sample.value
    return IngestMetrics(
        received=int(values.get("udara_ingest_messages_received_total", 0)),
        points_written=int(values.get("udara_ingest_points_written_total", 0)),
        rejected={reason: n for reason, n in rejected.items() if n},
        write_failures=int(values.get("udara_ingest_write_failures_total", 0)),
        queue_depth=int(values.get("udara_ingest_queue_depth", 0)),
        unacknowledged=int(values.get("udara_ingest_unacknowledged_messages", 0)),
        connected=values.get("udara_ingest_broker_connected", 0) == 1,
    )


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class IngestProcess:
    """`udara ingest` as its own process group: started, scraped, stopped or killed."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str = "ingest") -> None:
        self.env = {**env, "PYTHONPATH": str(ROOT)}
        self.workdir = workdir
        self.name = name
        self.metrics_port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.log_path = workdir / f"{name}.log"

    def start(self) -> None:
        """Start a new ingest process (metrics on a fresh free port)."""
        self.metrics_port = free_port()
        self.starts += 1
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{self.name}-{self.starts}.log"
        command = [sys.executable, "-m", "udara.cli", "ingest", "--no-summary"]
        command += ["--metrics-port", str(self.metrics_port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes the worker too
            )

    @property
    def pid(self) -> int:
        """The main (MQTT) process id."""
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        """True while the main process runs."""
        return self.process is not None and self.process.poll() is None

    def worker_pid(self) -> int | None:
        """The pipeline worker's process id (the multiprocessing child)."""
        for child in _children(self.pid):
            cmdline = _cmdline(child)
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                return child
        return None

    def metrics(self) -> IngestMetrics:
        """Scrape this process's metrics (fails if it does not answer)."""
        scraped = scrape(self.metrics_port)
        assert scraped is not None, f"{self.name} metrics unreachable\n{self.log_tail()}"
        return scraped

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until the worker is up and the consumer connected (from the metrics)."""

        def ready() -> bool:
            assert self.alive(), f"{self.name} exited early\n{self.log_tail()}"
            scraped = scrape(self.metrics_port)
            return scraped is not None and scraped.connected

        wait_for(ready, timeout, f"{self.name} to connect")

    def rss_mb(self) -> float:
        """Resident memory of the main process and its worker, in MB."""
        worker = self.worker_pid()
        return rss_mb(self.pid) + (rss_mb(worker) if worker else 0.0)

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or the OOM killer would."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM, wait for a clean exit, then SIGKILL whatever of the group is left."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)
        return self.process.returncode

    def log_tail(self, lines: int = 30) -> str:
        """The end of the current log, for failure messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class IngestSetup:
    """Where an ingest points: broker, InfluxDB, relational database and its session."""

    mqtt_port: int
    influx_port: int
    influx_db: str
    database_url: str
    client_id: str = field(default_factory=unique_client_id)
    shared_group: str | None = None

    @property
    def mqtt_url(self) -> str:
        """The broker URL."""
        return f"mqtt://127.0.0.1:{self.mqtt_port}"

    def env(self) -> dict[str, str]:
        """The environment of an ingest process."""
        env = ingest_env(
            self.mqtt_port, self.influx_port, self.influx_db, self.database_url, self.client_id
        )
        if self.shared_group:
            env["UDARA_MQTT_SHARED_GROUP"] = self.shared_group
        return env

    def register(self) -> None:
        """Create the persistent session first, so the broker queues from now on."""
        register_session(
            MqttTarget(self.mqtt_url), self.client_id, subscriptions(self.shared_group)
        )

    def influx(self) -> InfluxClient:
        """A client of the InfluxDB database ingest writes to."""
        return InfluxClient(f"http://127.0.0.1:{self.influx_port}", self.influx_db, timeout=60)


# --- publishing ----------------------------------------------------------------------------


def paced_offsets(segments: Sequence[tuple[float, float]]) -> list[float]:
    """Send times (seconds from the start) for segments of (duration s, rate per s)."""
    offsets: list[float] = []
    start = 0.0
    for duration, rate in segments:
        n = round(duration * rate)
        offsets.extend(start + k / rate for k in range(n))
        start += duration
    return offsets


class Pace:
    """The `pace` callback of `publish_readings`: message k goes out at start + offsets[k]."""

    def __init__(self, offsets: Sequence[float]) -> None:
        self.offsets = offsets
        self.sent = 0
        self.started: float | None = None

    def __call__(self, _message: Sequence[Any]) -> float:
        if self.started is None:
            self.started = time.monotonic()
        at = self.started + self.offsets[self.sent]
        self.sent += 1
        return at


class StreamPublisher:
    """`sensors_sim.publisher.publish_readings` in a thread: QoS 1, every PUBACK awaited."""

    def __init__(
        self,
        mqtt_url: str,
        messages: Sequence[tuple[str, bytes]],
        pace: Pace | None = None,
        ack_timeout: float = 240.0,
    ) -> None:
        self.mqtt_url = mqtt_url
        self.messages = messages
        self.pace = pace
        self.ack_timeout = ack_timeout
        self.live: PublishStats | None = None
        self.result: PublishStats | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="publisher", daemon=True)

    def _progress(self, stats: PublishStats) -> None:
        self.live = stats

    def _run(self) -> None:
        try:
            self.result = publish_readings(
                self.mqtt_url,
                self.messages,
                ack_timeout=self.ack_timeout,
                pace=self.pace,
                progress=self._progress,
            )
        except BaseException as exc:  # noqa: BLE001 - re-raised in join()
            self.error = exc

    def start(self) -> StreamPublisher:
        """Start publishing in the background."""
        self.thread.start()
        return self

    @property
    def published(self) -> int:
        """Messages handed to the client so far."""
        return self.live.published if self.live else 0

    @property
    def acked(self) -> int:
        """Messages the broker acknowledged so far."""
        return self.live.acked if self.live else 0

    def running(self) -> bool:
        """True until the publisher returned."""
        return self.thread.is_alive()

    def join(self, timeout: float) -> PublishStats:
        """Wait for the end; every message must have been published and acknowledged."""
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"publisher still running after {timeout:.0f}s"
        if self.error is not None:
            raise self.error
        result = self.result
        assert result is not None
        assert result.published == len(self.messages), (
            f"publisher gave up: {result.published} of {len(self.messages)} published"
        )
        assert result.ok, f"broker acknowledged {result.acked} of {result.published}"
        return result
