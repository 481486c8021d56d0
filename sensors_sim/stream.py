"""The simulator's message stream: statuses, readings and scenario messages in time order (pure).

Each room's sensor publishes in the spec's format (`sensors_sim.formats`): Udara's own payload
by default, or a firmware's (Tasmota, ESPHome, …), or those round-robin (`mixed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ingest.domain.const import STATUS_SUFFIX
from sensors_sim.formats import Device, device_for, format_of
from sensors_sim.malformed import KINDS as MALFORMED_KINDS
from sensors_sim.malformed import malformed_message
from sensors_sim.message import Message
from sensors_sim.model import RoomModel
from sensors_sim.rooms import DEFAULT_BUILDING, Room, make_rooms
from sensors_sim.scenarios import SCENARIOS, effects_at, target_rooms


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    """What to simulate: which building and rooms, which scenario, how often sensors report."""

    rooms: int = 12
    building: str = DEFAULT_BUILDING
    scenario: str = "normal"
    seed: int = 1
    interval: timedelta = timedelta(seconds=10)
    timezone: str = "Asia/Jakarta"
    onset: timedelta | None = None  # replaces the scenario's own onset
    night_setback: bool = False  # air handlers dehumidify and filter out of hours
    format: str = "udara"  # a format of sensors_sim.formats, or `mixed`

    def room_list(self) -> list[Room]:
        """The simulated rooms."""
        return make_rooms(self.rooms, self.building)


def status_message(room: Room, online: bool, at: datetime) -> Message:
    """The retained `online`/`offline` status a device of Udara's format publishes."""
    payload = b"online" if online else b"offline"
    return Message(room.sensor.topic(STATUS_SUFFIX), payload, True, at.timestamp())


def devices(spec: SimulationSpec) -> list[Device]:
    """The simulated device of each room, in the spec's format (or formats, `mixed`)."""
    tz = ZoneInfo(spec.timezone)
    return [
        device_for(format_of(spec.format, i), room, tz) for i, room in enumerate(spec.room_list())
    ]


@dataclass(frozen=True, slots=True)
class Sent:
    """What one simulated device sent at one moment, and what it meant to send.

    `kind` is `status` (`online` says which), `reading` (`values`: what the sensor measured,
    in Udara's units, before the format rounds them) or `malformed` (an invalid message).
    """

    kind: Literal["status", "reading", "malformed"]
    device: Device
    at: datetime
    messages: tuple[Message, ...]
    values: dict[str, float] | None = None
    online: bool | None = None


def messages(
    spec: SimulationSpec, start: datetime, end: datetime | None = None, limit: int | None = None
) -> Iterator[Message]:
    """Every message from `start` until `end` or `limit` readings, in simulated time order.

    Each sensor first publishes its retained `online` status, then one reading per interval,
    the sensors spread evenly over the interval. `limit` counts readings, malformed included
    (an ESPHome reading is one message per value).
    """
    for sent in events(spec, start, end, limit):
        yield from sent.messages


def events(
    spec: SimulationSpec, start: datetime, end: datetime | None = None, limit: int | None = None
) -> Iterator[Sent]:
    """What `messages` publishes, grouped by device and moment, with the values meant."""
    scenario = SCENARIOS[spec.scenario]
    if spec.onset is not None:
        scenario = replace(scenario, onset=spec.onset)
    rooms = spec.room_list()
    targets = target_rooms(scenario, rooms)
    tz = ZoneInfo(spec.timezone)
    sensors = devices(spec)
    models = [RoomModel(room, spec.seed, tz, spec.night_setback) for room in rooms]
    for model in models:
        model.start(start)
    for device in sensors:
        yield Sent("status", device, start, tuple(device.status(True, start)), online=True)

    offline: set[str] = set()
    step_ms = spec.interval / timedelta(milliseconds=1)
    phases = [timedelta(milliseconds=int(step_ms * i / len(rooms))) for i in range(len(rooms))]
    sent = readings = 0
    tick = start
    while (limit is None or sent < limit) and len(offline) < len(rooms):
        for room, device, model, phase in zip(rooms, sensors, models, phases, strict=True):
            at = tick + phase
            if end is not None and at >= end:
                return
            effects = effects_at(scenario, room.name, targets, at.astimezone(tz), at - start)
            if effects.offline:
                if room.name not in offline:
                    offline.add(room.name)
                    yield Sent("status", device, at, tuple(device.status(False, at)), online=False)
                continue
            pm10 = True if device.with_pm10 else None
            values = device.reported(model.step(at, effects, pm10))
            yield Sent("reading", device, at, tuple(device.reading(values, at)), values)
            sent += 1
            readings += 1
            every = scenario.malformed_every
            if every and readings % every == 0 and (limit is None or sent < limit):
                kind = MALFORMED_KINDS[(readings // every - 1) % len(MALFORMED_KINDS)]
                bad = malformed_message(kind, room.sensor, at.astimezone(tz))
                yield Sent("malformed", device, at, (bad,))
                sent += 1
            if limit is not None and sent >= limit:
                return
        tick += spec.interval
