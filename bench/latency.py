"""Publish→queryable latency under a paced live load, measured with probe readings.

The load (many sensors, paced to a target rate) comes from publisher processes. A probe
sensor in this process publishes one reading every `probe_every` seconds on its own
connection and a poller asks InfluxDB for the probe's newest value: the time from a probe's
publish to the moment InfluxDB returns it is one latency sample. Probes travel the same
broker queue and the same ingest pipeline as the load, so they wait behind it exactly as a
load reading would; polling one series stays cheap, where counting the whole load every few
milliseconds would itself load InfluxDB. The CPU each process used is reported, so a missed
target shows where the two cores went.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.mqtt_tools import RawPublisher, publish_chunk
from ingest.adapters.influx import InfluxClient
from ingest.domain.model import SensorRef, telemetry_payload

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process and its reaped children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    return sum(int(fields[k - 3]) for k in (14, 15, 16, 17)) / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in task.read_text().split())
            except OSError:
                continue
    return found


@dataclass
class CpuMeter:
    """CPU used by named groups of processes between `start()` and `stop()`, in cores."""

    groups: dict[str, list[int]]
    _before: dict[str, float] = field(default_factory=dict)
    _t0: float = 0.0

    def _sample(self) -> dict[str, float]:
        return {name: sum(cpu_seconds(p) for p in pids) for name, pids in self.groups.items()}

    def start(self) -> None:
        """Remember the starting CPU times."""
        self._before, self._t0 = self._sample(), time.monotonic()

    def stop(self, extra: dict[str, float] | None = None) -> dict[str, float]:
        """Cores used per name since `start()` (plus `extra` CPU seconds measured elsewhere)."""
        elapsed = time.monotonic() - self._t0
        after = self._sample()
        used = {name: (after[name] - self._before[name]) / elapsed for name in self.groups}
        for name, seconds in (extra or {}).items():
            used[name] = seconds / elapsed
        return used


def _paced_publisher(args: tuple[int, list[tuple[str, bytes]], float]) -> float:
    port, messages, rate = args
    started = time.process_time()
    publish_chunk(port, messages, rate=rate)
    return time.process_time() - started


@dataclass
class LatencyResult:
    """What one paced run measured."""

    offered_rate: float
    probes: list[float]
    cpu_cores: dict[str, float]

    def percentile(self, q: float) -> float:
        """The q-quantile (0..1) of the probe latencies, nearest rank."""
        ordered = sorted(self.probes)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def measure(
    port: int,
    influx: InfluxClient,
    load: Sequence[tuple[str, bytes]],
    rate: float,
    cpu_groups: dict[str, list[int]],
    publishers: int = 2,
    probe_every: float = 0.1,
) -> LatencyResult:
    """Publish `load` at `rate`/s from `publishers` processes while probing the latency."""
    chunks = [(port, list(load[k::publishers]), rate / publishers) for k in range(publishers)]
    probes: list[float] = []
    sent: dict[int, float] = {}
    done = threading.Event()
    meter = CpuMeter(cpu_groups)
    probe_sensor = SensorRef("bench-probe", f"probe-{uuid.uuid4().hex[:8]}", "probe")

    def probe() -> None:
        publisher = RawPublisher(port)
        k = 0
        try:
            while not done.is_set():
                k += 1
                payload = telemetry_payload({"co2": float(k)}, time.time())
                sent[k] = time.time()
                publisher.publish([(probe_sensor.topic(), payload)])
                time.sleep(probe_every)
            publisher.wait_for_acks()
        finally:
            publisher.close()

    def poll() -> None:
        seen = 0
        query = 'SELECT last("co2") FROM "iaq" WHERE "building" = $b AND "room" = $r'
        params = {"b": probe_sensor.building, "r": probe_sensor.room}
        while not (done.is_set() and seen >= len(sent)):
            try:
                series = influx.query(query, params)
                newest = int(series[0]["values"][0][1]) if series else 0
            except Exception:  # InfluxDB busy or the probe not yet written: ask again
                newest = seen
            now = time.time()
            for k in range(seen + 1, newest + 1):
                probes.append(now - sent[k])
            seen = max(seen, newest)
            time.sleep(0.005)

    meter.start()
    threads = [threading.Thread(target=f, daemon=True) for f in (probe, poll)]
    for thread in threads:
        thread.start()
    t0 = time.monotonic()
    with mp.get_context("fork").Pool(publishers) as pool:
        publisher_cpu = sum(pool.map(_paced_publisher, chunks))
    offered = len(load) / (time.monotonic() - t0)
    done.set()
    threads[0].join()
    threads[1].join(120)
    cores = meter.stop({"load publishers": publisher_cpu})
    return LatencyResult(offered, probes, cores)
