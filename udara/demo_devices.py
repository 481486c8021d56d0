"""The demo's devices waiting to be placed: heard for a day in other formats, held apart.

Each is recorded as ingest records a device it does not know (`DeviceService.record_sightings`:
pending) and its day of readings is written where ingest holds them (`iaq_unplaced`), so the
devices page has something to place and placing one copies a day into the room's chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from devices.domain import Sighting
from ingest.unplaced import unplaced_line
from maintenance.domain.transitions import SYSTEM
from sensors_sim.model import RoomModel
from sensors_sim.rooms import KINDS, Room

if TYPE_CHECKING:
    from udara.bootstrap import Container

HELD_FOR = timedelta(days=1)


@dataclass(frozen=True)
class PendingDevice:
    """A device of another format, what air it hangs in, and what it reports how often."""

    device: str
    format: str
    kind: str
    metrics: tuple[str, ...]
    every: timedelta


PENDING_DEVICES = (
    PendingDevice("tasmota:lt3-pantry", "tasmota", "pantry",
                  ("temperature", "humidity", "pm25", "pm10"), timedelta(minutes=5)),
    PendingDevice("zigbee2mqtt:ruang rapat/kecil", "zigbee2mqtt", "meeting",
                  ("temperature", "humidity", "co2"), timedelta(minutes=5)),
    PendingDevice("chirpstack:a84041000181c2d4", "chirpstack", "office",
                  ("co2", "temperature", "humidity"), timedelta(minutes=15)),
)  # fmt: skip


def held_readings(
    device: PendingDevice, start: datetime, end: datetime, tz: ZoneInfo
) -> list[tuple[datetime, dict[str, float]]]:
    """What the device reported between `start` and `end` (the simulator's air of its kind)."""
    room = Room("unplaced", device.device, 0, KINDS[device.kind])
    model = RoomModel(room, seed=7, tz=tz, night_setback=True)
    readings = []
    at = start
    while at < end:
        values = model.step(at)
        readings.append((at, {m: values[m] for m in device.metrics if m in values}))
        at += device.every
    return readings


def seed_pending_devices(container: Container, end: datetime) -> tuple[int, int]:
    """Record the demo's pending devices with a day of held readings, unless the registry
    knows them already; returns (devices, readings) recorded."""
    tz = ZoneInfo(container.settings.timezone)
    start = end - HELD_FOR
    known = {d.device for d in container.device_service.list(viewer=SYSTEM)}
    sightings, lines = [], []
    for device in PENDING_DEVICES:
        if device.device in known:
            continue
        readings = held_readings(device, start, end, tz)
        lines += [unplaced_line(device.device, at, values) for at, values in readings]
        first, last = readings[0][0], readings[-1][0]
        metrics = frozenset(device.metrics)
        sightings.append(
            Sighting(device.device, device.format, first, last, len(readings), metrics)
        )
    container.influx.write_lines(lines)
    if sightings:
        container.device_service.record_sightings(sightings)
    return len(sightings), len(lines)
