"""The air of one room, stepped through simulated time (pure: time is an argument, noise is seeded).

Each quantity relaxes exponentially towards the value the room would settle at under the
current conditions, which is the exact solution of a one-box mass balance over the step, so
steps of seconds or of an hour give the same curves.

Out of hours the air handlers are off (by default: warm, humid nights), or with
`night_setback` they keep recirculating through filters and coil with the fresh-air damper
shut, as buildings that guard against mould do: about 27 °C and under 60 % RH, no fresh air.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sensors_sim.climate import hvac_on, meeting_attendees, occupancy_share, outdoor
from sensors_sim.rooms import Room
from sensors_sim.scenarios import NO_EFFECTS, Effects

CO2_PER_PERSON_M3H = 0.0187  # 0.0052 L/s: an adult at office work
INFILTRATION_ACH = 0.3  # leakage through the envelope with the air handler off
SETBACK_TEMPERATURE_C = 27.0  # night setback: cooled just enough to dehumidify
SETBACK_RH = 55.0
WARM_UP = timedelta(hours=12)
WARM_UP_STEP = timedelta(minutes=30)


@dataclass(slots=True)
class AirState:
    """What the room's air is like now."""

    co2: float
    temperature: float
    humidity: float
    pm25: float
    pm10_ratio: float = 1.6


def relax(value: float, target: float, rate_per_hour: float, hours: float) -> float:
    """Move `value` towards `target` as a first-order system does over `hours`."""
    return target + (value - target) * math.exp(-rate_per_hour * hours)


class RoomModel:
    """One room and its sensor; deterministic given the seed and the times it is stepped to."""

    def __init__(self, room: Room, seed: int, tz: tzinfo, night_setback: bool = False) -> None:
        self.room = room
        self.seed = seed
        self.tz = tz
        self.night_setback = night_setback
        self._rng = random.Random(f"{seed}:room:{room.name}")
        self.setpoint = 24.0 + self._rng.uniform(-0.6, 0.6)
        self.ach_factor = self._rng.uniform(0.85, 1.15)
        self.capacity_factor = self._rng.uniform(0.8, 1.0)
        self.state: AirState | None = None
        self.at: datetime | None = None
        self._drift_since: datetime | None = None  # when the sensor began to drift
        self._stuck: dict[str, float] = {}  # metric → the value it is stuck at

    def start(self, at: datetime) -> None:
        """Settle the room by simulating the hours before `at` (no scenario effects)."""
        t = at - WARM_UP
        t_out, rh_out, pm_out, co2_out = outdoor(self.seed, t.astimezone(self.tz))
        self.state = AirState(co2_out, t_out + 0.8, rh_out - 4, pm_out * 0.65)
        self.at = t
        while t < at:
            t = min(t + WARM_UP_STEP, at)
            self.advance(t)

    def people(self, local: datetime, effects: Effects) -> float:
        """People present at this local time."""
        kind = self.room.kind
        if effects.attendees is not None:
            return effects.attendees
        if kind.name == "meeting":
            return meeting_attendees(self.seed, self.room.name, kind.capacity, local)
        return occupancy_share(kind.name, local) * kind.capacity * self.capacity_factor

    def advance(self, at: datetime, effects: Effects = NO_EFFECTS) -> None:
        """Step the room's air to `at` under the conditions of that moment."""
        if self.state is None or self.at is None:
            self.start(at)
            return
        s, kind = self.state, self.room.kind
        hours = max(0.0, (at - self.at).total_seconds() / 3600)
        local = at.astimezone(self.tz)
        t_out, rh_out, pm_out, co2_out = outdoor(self.seed, local)
        people = self.people(local, effects)
        occ = min(1.0, people / kind.capacity)
        pm_out *= effects.haze
        ahu = hvac_on(local) and not effects.ac_off
        setback = self.night_setback and not ahu and not effects.ac_off
        ach = effects.ach or (kind.ach * self.ach_factor if ahu else INFILTRATION_ACH)

        co2_source = people * CO2_PER_PERSON_M3H / kind.volume_m3 * 1e6  # ppm per hour
        s.co2 = relax(s.co2, co2_out + co2_source / ach, ach, hours)
        if ahu:
            s.temperature = relax(s.temperature, self.setpoint + 1.2 * occ, 2.0, hours)
            s.humidity = relax(s.humidity, 54 + 6 * occ + kind.rh_offset, 1.5, hours)
        elif setback:  # recirculating through the coil: warmer, but dried
            s.temperature = relax(s.temperature, SETBACK_TEMPERATURE_C + 1.2 * occ, 1.0, hours)
            s.humidity = relax(s.humidity, SETBACK_RH + 6 * occ + kind.rh_offset, 0.8, hours)
        else:  # outdoor heat plus people and equipment; no dehumidification
            s.temperature = relax(s.temperature, t_out + 0.8 + 2.2 * occ, 0.5, hours)
            s.humidity = relax(s.humidity, min(92.0, rh_out - 4 + 20 * occ), 0.4, hours)

        filtered = ahu or setback
        pm_target = pm_out * (0.35 if filtered else 0.65) + 3 * occ
        if kind.name == "pantry":
            pm_target += 20 * occ  # cooking and the microwave queue
        if effects.dust_pm25:
            pm_target += effects.dust_pm25 * self._dust_intensity(at)
        removal = 2.0 if ahu else 1.0 if setback else 0.4  # filters at full or low fan speed
        s.pm25 = relax(s.pm25, pm_target, ach + removal, hours)
        s.pm10_ratio = 2.2 if effects.dust_pm25 else 1.6  # construction dust is coarse
        self.at = at

    def _dust_intensity(self, at: datetime) -> float:
        """How hard the crew works in this 20-minute block (0.6 to 1.3)."""
        block = int(at.timestamp() // 1200)
        return random.Random(f"{self.seed}:dust:{self.room.name}:{block}").uniform(0.6, 1.3)

    def reading(self, effects: Effects = NO_EFFECTS, pm10: bool | None = None) -> dict[str, float]:
        """What the sensor reports now: the air plus sensor noise, rounded as devices do, and
        its faults (drift, a stuck value). `pm10`: whether it reports PM10 (default: what
        the room kind's sensor does)."""
        s = self.state
        if s is None or self.at is None:
            raise RuntimeError("advance() the room before reading it")
        g = self._rng.gauss
        pm25 = max(0.0, s.pm25 + g(0, max(0.5, 0.04 * s.pm25)))
        values = {
            "temperature": round(s.temperature + g(0, 0.08), 2),
            "humidity": round(min(100.0, max(0.0, s.humidity + g(0, 0.6))), 1),
            "co2": float(round(max(0.0, s.co2 + g(0, 8)))),
            "pm25": round(pm25, 1),
        }
        if self.room.kind.pm10 if pm10 is None else pm10:
            values["pm10"] = round(pm25 * s.pm10_ratio + abs(g(0, 1.0)), 1)
        return self._faults(values, self.at, effects)

    def _faults(self, values: dict[str, float], at: datetime, effects: Effects) -> dict[str, float]:
        """The sensor's faults applied to an honest reading (noise already drawn, so the other
        values are those of a sound sensor)."""
        if effects.co2_drift_ppm_per_day:
            self._drift_since = self._drift_since or at
            drift = effects.co2_drift_ppm_per_day * ((at - self._drift_since) / timedelta(days=1))
            values["co2"] = float(round(values["co2"] + drift))
        else:
            self._drift_since = None
        if effects.stuck in values:
            values[effects.stuck] = self._stuck.setdefault(effects.stuck, values[effects.stuck])
        else:
            self._stuck.clear()
        return values

    def step(
        self, at: datetime, effects: Effects = NO_EFFECTS, pm10: bool | None = None
    ) -> dict[str, float]:
        """Advance to `at` and return the sensor's reading."""
        self.advance(at, effects)
        return self.reading(effects, pm10)
