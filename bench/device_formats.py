"""`make bench`, other firmware: the backlog drained in Tasmota's and ChirpStack's shapes.

The same 100,000 readings (500 sensors, one second apart per sensor) are published once in
Udara's own payload and once per format, each into its own building, and drained by one
`udara ingest` process in that order. The devices are placed in the registry beforehand
(`DeviceService.place`, as a facility manager does), so their readings go to `iaq` under
their rooms and are evaluated, as in production; the rooms of all three buildings exist
before, so no drain pays for room discovery. Each format's backlog is also drained by the
bare paho loop (JSON parse only) on a session of its own, so a format's ratio
(ingest / bare loop, both on the same payloads) is set against Udara's own measured in the
same phase: the issue's target is that registry lookup and adapters cost at most 10 %, i.e.
a format's ratio at least 0.9 of Udara's.

The payloads are the simulator's (`sensors_sim.formats`): a Tasmota ESP32 with SCD30 and
PMS5003 (375 bytes), a Milesight AM319 behind ChirpStack v4 (1.2 kB), pre-encoded and
published with the raw-packet generator.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
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


def building(fmt: str) -> str:
    """The building whose rooms a format's devices are placed on."""
    return f"bench-fmt-{fmt}"


def bench_devices(fmt: str, rooms: int) -> list[Device]:
    """One simulated device per room r0000… of the format's building."""
    tz = ZoneInfo(ZONE)
    return [
        device_for(fmt, Room(building(fmt), f"r{k:04d}", 1, KINDS["office"]), tz)
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
    placed = [d for fmt, ds in devices.items() if fmt != BASELINE for d in ds]
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
    """One building's drain: first and last reading stored, CPU of ingest's two processes."""

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
        """CPU µs a message of one ingest process (0: MQTT process, 1: pipeline worker).

        Only the worker's is this building's own: it takes messages in order, where the MQTT
        process reads up to Receive Maximum ahead, into the next building's backlog."""
        used = self.cpu_done[process] - self.cpu_first[process]
        return used / max(self.done_n - self.first_n, 1) * 1e6


def counts(influx: InfluxClient, buildings: Sequence[str]) -> dict[str, int]:
    """Readings stored per building, in one query."""
    pattern = "|".join(buildings)
    try:
        series = influx.query(
            f'SELECT count("co2") FROM "iaq" WHERE "building" =~ /^({pattern})$/ '
            'GROUP BY "building"'
        )
    except Exception:
        return {}
    return {s["tags"]["building"]: int(s["values"][0][1]) for s in series}


def timed_drains(
    influx: InfluxClient, expected: dict[str, int], ingest_pid: int, timeout: float = 600
) -> dict[str, Drain]:
    """Poll until every building holds its readings; each one's rate and CPU."""
    drains = {b: Drain(n) for b, n in expected.items()}
    pids: list[int] = []
    deadline = time.monotonic() + timeout

    def cpu() -> tuple[float, float]:
        nonlocal pids
        if len(pids) < 2:
            pids = descendants(ingest_pid)[:2]
        worker = sum(cpu_seconds(p) for p in pids[1:])
        return cpu_seconds(ingest_pid), worker

    while time.monotonic() < deadline:
        stored, now = counts(influx, list(drains)), time.monotonic()
        for name, drain in drains.items():
            n = stored.get(name, 0)
            if n and not drain.first_t:
                drain.first_t, drain.first_n, drain.cpu_first = now, n, cpu()
            if n >= drain.expected and not drain.done_t:
                drain.done_t, drain.done_n, drain.cpu_done = now, n, cpu()
        if all(d.done_t for d in drains.values()):
            return drains
        time.sleep(0.05)
    raise RuntimeError(f"not every backlog stored: {stored} of {expected}")


def format_drains(
    port: int,
    influx: InfluxClient,
    start_ingest: Any,
    database_url: str,
    formats: Sequence[str],
    n: int,
    rooms: int,
) -> dict[str, float | int]:
    """Udara's backlog and each format's, drained by the bare loop and by one ingest process
    (its persistent session must exist and be disconnected); figures keyed `fmt_…`."""
    names = [BASELINE, *[f for f in formats if f != BASELINE]]
    devices = {fmt: bench_devices(fmt, rooms) for fmt in names}
    place_s = place(database_url, influx.url, devices)
    print(f"formats: {len(names) - 1} × {rooms} devices placed in {place_s:.1f} s", flush=True)
    for fmt in names:
        topics = (
            (f"udara/{building(fmt)}/+/+/telemetry",)
            if fmt == BASELINE
            else FORMAT_SUBSCRIPTIONS[fmt][:1]  # telemetry; status topics carry nothing here
        )
        register_session(port, f"bench-bare-{fmt}", topics[0])
    out: dict[str, float | int] = {}
    for fmt in names:
        messages = backlog(devices[fmt], n)
        size = sum(len(p) for _, p in messages) / n
        publish_parallel(port, messages)
        bare = bare_drain(port, f"bench-bare-{fmt}", n)
        drop_session(port, f"bench-bare-{fmt}")
        out[f"fmt_{fmt}_bytes"] = round(size)
        out[f"fmt_{fmt}_bare_rate"] = round(bare)
        print(
            f"  {fmt}: {size:,.0f} bytes a message; bare paho loop {bare:,.0f} msgs/s", flush=True
        )
    ingest = start_ingest("ingest-formats")
    try:
        drains = timed_drains(influx, {building(f): n for f in names}, ingest.proc.pid)
    finally:
        ingest.stop()
    base_ratio = drains[building(BASELINE)].rate / out[f"fmt_{BASELINE}_bare_rate"]
    for fmt in names:
        drain = drains[building(fmt)]
        ratio = drain.rate / out[f"fmt_{fmt}_bare_rate"]
        out[f"fmt_{fmt}_rate"] = round(drain.rate)
        out[f"fmt_{fmt}_ratio"] = round(ratio, 3)
        out[f"fmt_{fmt}_vs_udara"] = round(ratio / base_ratio, 3)
        out[f"fmt_{fmt}_worker_us"] = round(drain.cpu_us(1), 1)
        print(
            f"  {fmt}: ingest {drain.rate:,.0f} readings/s, ratio to its bare loop "
            f"{ratio:.2f} ({ratio / base_ratio:.2f} of Udara's, target ≥ 0.9); "
            f"pipeline worker CPU {drain.cpu_us(1):.0f} µs a message",
            flush=True,
        )
    return out


def markdown_rows(r: dict[str, Any]) -> list[tuple[str, object]]:
    """Rows for the BENCHMARKS.md table."""
    rows: list[tuple[str, object]] = []
    for key in r:
        if key.startswith("fmt_") and key.endswith("_rate") and not key.endswith("bare_rate"):
            fmt = key[4:-5]
            rows.append(
                (
                    f"backlog in {fmt} format ({r[f'fmt_{fmt}_bytes']} B): stored/s; bare loop; "
                    "ratio; ratio / Udara's (target ≥ 0.9)",
                    f"{r[key]}; {r[f'fmt_{fmt}_bare_rate']}; {r[f'fmt_{fmt}_ratio']}; "
                    f"{r[f'fmt_{fmt}_vs_udara']}",
                )
            )
    return rows
