"""Named scenarios as data: which rooms they hit, when, and how (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sensors_sim.climate import hour_of, is_workday
from sensors_sim.rooms import Room


@dataclass(frozen=True, slots=True)
class Effects:
    """How a scenario changes one room at one moment; the defaults change nothing."""

    ach: float | None = None  # outdoor-air changes per hour, replacing the room's own
    attendees: int | None = None  # people present, replacing the room's schedule
    ac_off: bool = False  # no cooling and no dehumidification
    dust_pm25: float = 0.0  # µg/m³ a dust source adds at steady state
    offline: bool = False  # the sensor stops publishing
    haze: float = 1.0  # outdoor PM2.5 multiplied by this (dry-season haze, forest fires)
    # Sensor faults: the air is what it is, the sensor misreports it.
    co2_drift_ppm_per_day: float = 0.0  # the NDIR baseline creeps up this much a day
    stuck: str | None = None  # this metric repeats the value it had when the fault began


NO_EFFECTS = Effects()


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named situation the simulator can play."""

    name: str
    description: str
    target: Literal["none", "meeting", "office", "floor"] = "none"
    effects: Effects = NO_EFFECTS
    hours: tuple[tuple[float, float], ...] = ()  # workday local hours it is active; () = always
    onset: timedelta = timedelta(0)  # simulated time from the start until it begins
    malformed_every: int = 0  # one invalid message after every N readings


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("normal", "ordinary office days"),
        Scenario(
            "meeting-co2",
            "an overbooked, under-ventilated meeting room: CO2 builds to 1500-2500 ppm",
            target="meeting",
            effects=Effects(ach=2.0, attendees=12),
            hours=((9.0, 12.0), (13.0, 16.5)),
        ),
        Scenario(
            "hvac-failure",
            "the air handler of one floor stops: 31+ °C, 75+ % RH, CO2 rising",
            target="floor",
            effects=Effects(ach=0.5, ac_off=True),
        ),
        Scenario(
            "renovation-dust",
            "renovation works in an office: PM2.5 100-300 µg/m³ during working hours",
            target="office",
            effects=Effects(dust_pm25=180.0),
            hours=((8.0, 12.0), (13.0, 17.0)),
        ),
        Scenario(
            "sensor-offline",
            "one sensor publishes a retained `offline` status and stops",
            target="office",
            effects=Effects(offline=True),
            onset=timedelta(minutes=10),
        ),
        Scenario(
            "sensor-drift",
            "the CO2 sensor of one office drifts: its NDIR baseline creeps up 30 ppm a night, "
            "so its night-time minimum is above 550 ppm from about the fourth night",
            target="office",
            effects=Effects(co2_drift_ppm_per_day=30.0),
        ),
        Scenario(
            "sensor-stuck",
            "the CO2 reading of one office freezes at one value while the sensor keeps "
            "reporting (its other values stay live)",
            target="office",
            effects=Effects(stuck="co2"),
            onset=timedelta(minutes=30),
        ),
        Scenario(
            "malformed",
            "invalid messages of every reject kind interleaved with readings",
            malformed_every=10,
        ),
    )
}


def target_rooms(scenario: Scenario, rooms: Sequence[Room]) -> frozenset[str]:
    """Names of the rooms the scenario affects."""
    if scenario.target == "none":
        return frozenset()
    if scenario.target == "meeting":
        meeting = [r.name for r in rooms if r.kind.name == "meeting"]
        if not meeting:
            raise ValueError(f"{scenario.name} needs a meeting room: use --rooms 3 or more")
        return frozenset(meeting[:1])
    office = next((r for r in rooms if r.kind.name == "office"), rooms[0])
    if scenario.target == "office":
        return frozenset({office.name})
    return frozenset(r.name for r in rooms if r.floor == office.floor)


def effects_at(
    scenario: Scenario, room: str, targets: frozenset[str], local: datetime, elapsed: timedelta
) -> Effects:
    """The scenario's effects on `room` at this local time, `elapsed` after the start."""
    if room not in targets or elapsed < scenario.onset:
        return NO_EFFECTS
    if scenario.hours:
        h = hour_of(local)
        if not is_workday(local) or not any(a <= h < b for a, b in scenario.hours):
            return NO_EFFECTS
    return scenario.effects
