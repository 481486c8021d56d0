"""The simulator's message stream: statuses, readings and scenario messages in time order (pure)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ingest.domain.const import STATUS_SUFFIX
from ingest.domain.model import telemetry_payload
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

    def room_list(self) -> list[Room]:
        """The simulated rooms."""
        return make_rooms(self.rooms, self.building)


def status_message(room: Room, online: bool, at: datetime) -> Message:
    """The retained `online`/`offline` status a device publishes."""
    payload = b"online" if online else b"offline"
    return Message(room.sensor.topic(STATUS_SUFFIX), payload, True, at.timestamp())


def messages(
    spec: SimulationSpec, start: datetime, end: datetime | None = None, limit: int | None = None
) -> Iterator[Message]:
    """Every message from `start` until `end` or `limit` readings, in simulated time order.

    Each sensor first publishes its retained `online` status, then one reading per interval,
    the sensors spread evenly over the interval. `limit` counts readings, malformed included.
    """
    scenario = SCENARIOS[spec.scenario]
    if spec.onset is not None:
        scenario = replace(scenario, onset=spec.onset)
    rooms = spec.room_list()
    targets = target_rooms(scenario, rooms)
    tz = ZoneInfo(spec.timezone)
    models = [RoomModel(room, spec.seed, tz, spec.night_setback) for room in rooms]
    for model in models:
        model.start(start)
    yield from (status_message(room, True, start) for room in rooms)

    offline: set[str] = set()
    step_ms = spec.interval / timedelta(milliseconds=1)
    phases = [timedelta(milliseconds=int(step_ms * i / len(rooms))) for i in range(len(rooms))]
    sent = readings = 0
    tick = start
    while (limit is None or sent < limit) and len(offline) < len(rooms):
        for room, model, phase in zip(rooms, models, phases, strict=True):
            at = tick + phase
            if end is not None and at >= end:
                return
            effects = effects_at(scenario, room.name, targets, at.astimezone(tz), at - start)
            if effects.offline:
                if room.name not in offline:
                    offline.add(room.name)
                    yield status_message(room, False, at)
                continue
            local = at.astimezone(tz)
            payload = telemetry_payload(model.step(at, effects), local)
            yield Message(room.sensor.topic(), payload, False, at.timestamp())
            sent += 1
            readings += 1
            every = scenario.malformed_every
            if every and readings % every == 0 and (limit is None or sent < limit):
                kind = MALFORMED_KINDS[(readings // every - 1) % len(MALFORMED_KINDS)]
                yield malformed_message(kind, room.sensor, local)
                sent += 1
            if limit is not None and sent >= limit:
                return
        tick += spec.interval
