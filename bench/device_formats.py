"""`make bench`, other firmware: the backlog drained in Tasmota's and ChirpStack's shapes.

The same readings as Udara's own backlog (500 sensors, one second apart per sensor, plus
PM10) are published in Udara's payload, then in each format, then in Udara's payload again,
each into a building of its own. Each backlog is drained first by the bare paho loop (JSON
parse only) on a session of its own, then by a fresh `udara ingest` process on its persistent
session, before the next is published: a format is measured next to its own bare loop, and
the CPU ingest's two processes used is that format's. The devices are placed in the registry
beforehand (`DeviceService.place`, as a facility manager does), so their readings go to `iaq`
under their rooms and are evaluated, as in production; every building's rooms exist before,
so no drain pays for room discovery.

A format's ratio (ingest / bare loop on the same payloads) is set against Udara's own,
the mean of its two runs (first and last, so a machine that speeds up or slows down over
the phase favours neither side). The issue's target: registry lookup and adapters cost at
most 10 %, i.e. a format's ratio at least 0.9 of Udara's.

The payloads are the simulator's (`sensors_sim.formats`), pre-encoded for the raw-packet
generator: a Tasmota ESP32 with SCD30 and PMS5003 (about 270 bytes), a Milesight AM319
behind ChirpStack v4 (about 1.1 kB), Udara's own (about 105 bytes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.latency import cpu_seconds, descendants
from bench.mqtt_tools import bare_drain, drop_session, publish_parallel, register_session
from devices.domain import Sighting
from ingest.adapters.influx import InfluxClient
from ingest.domain.formats import SUBSCRIPTIONS as FORMAT_SUBSCRIPTIONS
from maintenance.domain.transitions import SYSTEM
from sensors_sim.formats import Device, device_for
from sensors_sim.rooms import KINDS, Room
from udara.bootstrap import Container
from udara.settings import Settings

START = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
ZONE = "Asia/Jakarta"  # the buildings' zone (the default), which Tasmota's local Time is in
BASELINE = "udara"


def fmt_of(label: str) -> str:
    """The format of a backlog's label (`tasmota`, `tasmota-2` for its second round)."""
    return label.split("-")[0]


def labels_of(formats: Sequence[str], rounds: int) -> list[str]:
    """The backlogs in order: Udara's, then per round each format and Udara's again."""
    others = [f for f in formats if f != BASELINE]
    out = [BASELINE]
    for r in range(1, rounds + 1):
        suffix = "" if r == 1 else f"-{r}"
        out += [f + suffix for f in others] + [f"{BASELINE}-{r + 1}"]
    return out


def building(label: str) -> str:
    """The building whose rooms a backlog's devices are placed on."""
    return f"bench-fmt-{label}"


def bench_devices(fmt: str, rooms: int, label: str | None = None) -> list[Device]:
    """One simulated device per room r0000… of the backlog's building."""
    tz = ZoneInfo(ZONE)
    return [
        device_for(fmt, Room(building(label or fmt), f"r{k:04d}", 1, KINDS["office"]), tz)
        for k in range(rooms)
    ]


def backlog(devices: Sequence[Device], n: int, start: datetime = START) -> list[tuple[str, bytes]]:
    """N readings in the devices' shape: the values of Udara's own backlog plus PM10 (a
    PMS5003 and an AM319 always report it), one second apart per device."""
    out = []
    rooms = len(devices)
    for i in range(n):
        values = {
            "co2": 600.0 + i % 50,
            "temperature": 24.5,
            "humidity": 55.0,
            "pm25": 12.0,
            "pm10": 19.0,
        }
        [message] = devices[i % rooms].reading(values, start + timedelta(seconds=i // rooms))
        out.append((message.topic, message.payload))
    return out


def place(database_url: str, influx_url: str, devices: dict[str, list[Device]]) -> float:
    """Create every format's rooms, register its devices as heard and place each on its room
    through the device registry; returns the seconds that took.

    They were never heard before, so nothing is held for them: the registry is told their
    held readings are copied, as ingest would tell it after finding none.
    """
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, influx_url=influx_url, influx_db="bench"
    )
    container = Container(settings)
    started = time.monotonic()
    now = datetime.now(UTC)
    rooms = [(d.room.building, d.room.name) for ds in devices.values() for d in ds]
    container.location_service.discover_rooms(rooms)
    service = container.device_service
    placed = [d for ds in devices.values() for d in ds if d.format != BASELINE]
    service.record_sightings(
        Sighting(d.device_id, d.format, now, now, 0, frozenset()) for d in placed
    )
    for d in placed:
        service.place(d.device_id, d.room.building, d.room.name, by=SYSTEM)
        service.mark_held_copied(d.device_id, now)
    container.close()
    return time.monotonic() - started


@dataclass
class Drain:
    """One backlog's drain by ingest: first and last reading stored, with the CPU seconds
    of ingest's MQTT process and pipeline worker at both moments."""

    expected: int
    first_t: float = 0.0
    first_n: int = 0
    done_t: float = 0.0
    done_n: int = 0
    cpu_first: tuple[float, float] = (0.0, 0.0)
    cpu_done: tuple[float, float] = (0.0, 0.0)

    @property
    def rate(self) -> float:
        """Readings stored per second from the first stored to the last."""
        return (self.done_n - self.first_n) / max(self.done_t - self.first_t, 1e-9)

    def cpu_us(self, process: int) -> float:
        """CPU µs a message of ingest's MQTT process (0) or pipeline worker (1)."""
        used = self.cpu_done[process] - self.cpu_first[process]
        return used / max(self.done_n - self.first_n, 1) * 1e6


def count(influx: InfluxClient, name: str) -> int:
    """Readings stored in one building."""
    try:
        series = influx.query('SELECT count("co2") FROM "iaq" WHERE "building" = $b', {"b": name})
    except Exception:
        return 0
    return int(series[0]["values"][0][1]) if series else 0


def timed_drain(influx: InfluxClient, name: str, n: int, ingest_pid: int) -> Drain:
    """Poll until the building holds its `n` readings: the rate and the CPU it took."""
    drain = Drain(n)
    pids: list[int] = []
    deadline = time.monotonic() + 600

    def cpu() -> tuple[float, float]:
        nonlocal pids
        if len(pids) < 2:
            pids = descendants(ingest_pid)
        return cpu_seconds(ingest_pid), sum(cpu_seconds(p) for p in pids[1:])

    while time.monotonic() < deadline:
        stored, now = count(influx, name), time.monotonic()
        if stored and not drain.first_t:
            drain.first_t, drain.first_n, drain.cpu_first = now, stored, cpu()
        if stored >= n:
            drain.done_t, drain.done_n, drain.cpu_done = now, stored, cpu()
            return drain
        time.sleep(0.05)
    raise RuntimeError(f"only {count(influx, name)} of {n} readings stored in {name}")


def format_drains(
    port: int,
    influx: InfluxClient,
    start_ingest: Callable[[str], Any],
    database_url: str,
    formats: Sequence[str],
    n: int,
    rooms: int,
    rounds: int = 2,
) -> dict[str, float | int]:
    """Udara's backlog, then `rounds` times each format's and Udara's again, each drained by
    the bare loop and then by ingest; figures keyed `fmt_{label}_…` per backlog and
    `fmt_{format}_…` over its rounds.

    Each backlog is published, drained by the bare paho loop and then by a fresh ingest
    process on its persistent session (which must exist, disconnected), before the next:
    each format is measured next to its own bare loop and its CPU is its own. Udara's own
    comes first and after every round, so a drift of the machine over the phase shows and
    favours neither side: a format's mean ratio is set against the mean of Udara's.
    """
    labels = labels_of(formats, rounds)
    devices = {label: bench_devices(fmt_of(label), rooms, label) for label in labels}
    place_s = place(database_url, influx.url, devices)
    print(f"formats: {rooms} devices each placed in {place_s:.1f} s", flush=True)
    out: dict[str, float | int] = {}
    for label in labels:
        fmt = fmt_of(label)
        topic = (
            f"udara/{building(label)}/+/+/telemetry"
            if fmt == BASELINE
            else FORMAT_SUBSCRIPTIONS[fmt][0]  # telemetry; status topics carry nothing here
        )
        session = f"bench-bare-{label}"
        register_session(port, session, topic)
        messages = backlog(devices[label], n)
        size = sum(len(p) for _, p in messages) / n
        publish_parallel(port, messages)
        cpu0 = time.process_time()
        bare = bare_drain(port, session, n)
        bare_us = (time.process_time() - cpu0) / n * 1e6
        drop_session(port, session)
        ingest = start_ingest(f"ingest-{label}")
        try:
            drain = timed_drain(influx, building(label), n, ingest.proc.pid)
        finally:
            ingest.stop()
        out.update(
            {
                f"fmt_{label}_bytes": round(size),
                f"fmt_{label}_bare_rate": round(bare),
                f"fmt_{label}_bare_us": round(bare_us, 1),
                f"fmt_{label}_rate": round(drain.rate),
                f"fmt_{label}_ratio": round(drain.rate / bare, 3),
                f"fmt_{label}_mqtt_us": round(drain.cpu_us(0), 1),
                f"fmt_{label}_worker_us": round(drain.cpu_us(1), 1),
            }
        )
        print(
            f"  {label}: {size:,.0f} B a message; bare paho loop {bare:,.0f} msgs/s "
            f"({bare_us:.0f} µs CPU a message); ingest {drain.rate:,.0f} readings/s, ratio "
            f"{drain.rate / bare:.2f}; ingest CPU a message: MQTT process "
            f"{drain.cpu_us(0):.0f} µs, pipeline worker {drain.cpu_us(1):.0f} µs",
            flush=True,
        )

    def mean(fmt: str, figure: str) -> float:
        runs = [out[f"fmt_{label}_{figure}"] for label in labels if fmt_of(label) == fmt]
        return sum(runs) / len(runs)

    base = mean(BASELINE, "ratio")
    base_cpu = mean(BASELINE, "mqtt_us") + mean(BASELINE, "worker_us")
    for fmt in dict.fromkeys(fmt_of(label) for label in labels):
        cpu = mean(fmt, "mqtt_us") + mean(fmt, "worker_us")
        out.update(
            {
                f"fmt_{fmt}_mean_rate": round(mean(fmt, "rate")),
                f"fmt_{fmt}_mean_ratio": round(mean(fmt, "ratio"), 3),
                f"fmt_{fmt}_vs_udara": round(mean(fmt, "ratio") / base, 3),
                f"fmt_{fmt}_ingest_us": round(cpu, 1),
                f"fmt_{fmt}_cpu_vs_udara": round(cpu / base_cpu, 3),
            }
        )
        print(
            f"  {fmt}: {mean(fmt, 'rate'):,.0f} readings/s, ratio {mean(fmt, 'ratio'):.2f}, "
            f"{mean(fmt, 'ratio') / base:.2f} of Udara's (target ≥ 0.9); ingest CPU "
            f"{cpu:.0f} µs a message, {cpu / base_cpu:.2f} × Udara's",
            flush=True,
        )
    return out


def markdown_rows(r: dict[str, Any]) -> list[tuple[str, object]]:
    """Rows for the BENCHMARKS.md table: each format over its rounds."""
    rows: list[tuple[str, object]] = []
    for key in r:
        if key.startswith("fmt_") and key.endswith("_cpu_vs_udara"):
            f = key[: -len("_cpu_vs_udara")]
            rows.append(
                (
                    f"{f[4:]} backlog ({r[f + '_bytes']} B a message, mean of its runs): "
                    "stored/s; ratio to its bare loop; that ratio / Udara's (target ≥ 0.9); "
                    "ingest CPU µs a message (× Udara's)",
                    f"{r[f + '_mean_rate']}; {r[f + '_mean_ratio']}; {r[f + '_vs_udara']}; "
                    f"{r[f + '_ingest_us']} ({r[key]})",
                )
            )
    return rows
