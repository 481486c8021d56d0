"""Weeks of a building's air at once, for seeding history (pure: no I/O, no clock).

The live simulator's rooms and room model, stepped every few minutes over a past span, with
incidents placed in it: a haze, air-conditioning failures, an overbooked meeting room, a
sensor that lost power. `demo_incidents` places them relative to the end of the span, so a
history ending now always has the recent ones and a long one has them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ingest.domain.model import Reading
from sensors_sim.climate import hour_of, is_workday
from sensors_sim.model import RoomModel
from sensors_sim.rooms import Room
from sensors_sim.scenarios import NO_EFFECTS, SCENARIOS, Effects

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MEETING_HOURS = SCENARIOS["meeting-co2"].hours
# Outdoor PM2.5 over four dry-season days of haze, as a multiple of an ordinary day.
HAZE_DAYS = (2.0, 3.0, 3.4, 2.2)


@dataclass(frozen=True, slots=True)
class Incident:
    """Something that changed some rooms' air for a while."""

    what: str
    rooms: frozenset[str]  # empty: every room
    start: datetime
    end: datetime
    effects: Effects
    hours: tuple[tuple[float, float], ...] = ()  # local workday hours it acts in; () = always

    def acts_on(self, room: str, at: datetime, local: datetime) -> bool:
        """Whether the incident changes `room` at this moment."""
        if not (self.start <= at < self.end) or (self.rooms and room not in self.rooms):
            return False
        if not self.hours:
            return True
        h = hour_of(local)
        return is_workday(local) and any(a <= h < b for a, b in self.hours)


def combine(a: Effects, b: Effects) -> Effects:
    """Two incidents at once: faults add up, a haze multiplies."""
    return Effects(
        ach=b.ach if b.ach is not None else a.ach,
        attendees=b.attendees if b.attendees is not None else a.attendees,
        ac_off=a.ac_off or b.ac_off,
        dust_pm25=a.dust_pm25 + b.dust_pm25,
        offline=a.offline or b.offline,
        haze=a.haze * b.haze,
    )


def _workday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def demo_incidents(rooms: Sequence[Room], end: datetime, tz: tzinfo) -> list[Incident]:
    """The demo building's month, counted back from the local date of `end`."""
    today = end.astimezone(tz).date()

    def at(days_back: int, hour: float, workday: bool = True) -> datetime:
        day = today - timedelta(days=days_back)
        day = _workday_on_or_before(day) if workday else day
        return datetime.combine(day, time(0), tz) + timedelta(hours=hour)

    def first(kind: str, nth: int = 0) -> str:
        names = [r.name for r in rooms if r.kind.name == kind]
        return names[min(nth, len(names) - 1)] if names else rooms[-1].name

    top_floor = frozenset(r.name for r in rooms if r.floor == rooms[-1].floor)
    meeting = frozenset({first("meeting")})
    overbooked = SCENARIOS["meeting-co2"].effects
    incidents = [
        Incident(f"haze day {i + 1}", frozenset(), at(21 - i, 0, False), at(20 - i, 0, False),
                 Effects(haze=factor))
        for i, factor in enumerate(HAZE_DAYS)
    ]  # fmt: skip
    incidents += [
        Incident("sensor without power", frozenset({first("toilet")}), at(15, 1.2, False),
                 at(15, 6.7, False), Effects(offline=True)),
        Incident("chiller valve stuck: no cooling on the top floor", top_floor, at(12, 10.5),
                 at(12, 10.5) + timedelta(hours=27.5), SCENARIOS["hvac-failure"].effects),
        Incident("overbooked meeting room", meeting, at(8, 0), at(8, 24), overbooked,
                 MEETING_HOURS),
        Incident("fan-coil unit failed", frozenset({first("office", 1)}), at(5, 9),
                 at(5, 16.5), Effects(ac_off=True, ach=1.0)),
        Incident("overbooked meeting room", meeting, at(1, 0), at(1, 24), overbooked,
                 MEETING_HOURS),
    ]  # fmt: skip
    return incidents


@dataclass(frozen=True, slots=True)
class HistorySpec:
    """What to generate: which rooms, over which span, how often, with what happening."""

    rooms: tuple[Room, ...]
    start: datetime
    end: datetime
    interval: timedelta = timedelta(minutes=5)
    seed: int = 1
    tz: tzinfo = UTC
    night_setback: bool = True
    incidents: tuple[Incident, ...] = ()

    def first_tick(self) -> datetime:
        """The first tick at or after `start`, on a grid counted from the epoch, so two
        histories over the same time write the same timestamps."""
        step = self.interval.total_seconds()
        n = -(-(self.start - EPOCH).total_seconds() // step)
        return EPOCH + timedelta(seconds=n * step)


def ticks(spec: HistorySpec) -> Iterator[tuple[datetime, list[Reading]]]:
    """Each tick of the span and the readings of the sensors that reported in it, in time
    order: sensors are spread over the interval as the live simulator spreads them."""
    models = [RoomModel(room, spec.seed, spec.tz, spec.night_setback) for room in spec.rooms]
    n = len(spec.rooms)
    phases = [timedelta(seconds=int(spec.interval.total_seconds() * i / n)) for i in range(n)]
    tick = spec.first_tick()
    for model, phase in zip(models, phases, strict=True):
        model.start(tick + phase)
    while tick < spec.end:
        readings: list[Reading] = []
        for room, model, phase in zip(spec.rooms, models, phases, strict=True):
            at = tick + phase
            if at >= spec.end:
                break
            effects = effects_at(spec.incidents, room.name, at, at.astimezone(spec.tz))
            if effects.offline:
                model.advance(at, effects)  # the air goes on while nobody measures it
                continue
            readings.append(Reading(room.sensor, at, model.step(at, effects)))
        yield tick, readings
        tick += spec.interval


def effects_at(incidents: Sequence[Incident], room: str, at: datetime, local: datetime) -> Effects:
    """What every incident acting on `room` now does to it, together."""
    effects = NO_EFFECTS
    for incident in incidents:
        if incident.acts_on(room, at, local):
            effects = (
                incident.effects if effects is NO_EFFECTS else combine(effects, incident.effects)
            )
    return effects
