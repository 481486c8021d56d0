"""Jakarta-like outdoor air and office-day schedules, as functions of local time (pure)."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import date, datetime
from functools import lru_cache

Curve = tuple[tuple[float, float], ...]

# Hour of day -> value, interpolated linearly; the last point closes the day.
OUTDOOR_TEMP_C: Curve = (
    (0, 26.5), (5, 25.2), (7, 26.0), (10, 29.5), (13, 32.0), (15, 32.3), (17, 30.5),
    (20, 28.0), (24, 26.5),
)  # fmt: skip
OUTDOOR_RH: Curve = (
    (0, 86), (5, 90), (8, 82), (11, 73), (14, 68), (16, 69), (19, 77), (22, 84), (24, 86),
)  # fmt: skip
# Night inversions and rush hours make mornings the dirtiest, afternoons the cleanest.
OUTDOOR_PM25: Curve = (
    (0, 55), (4, 60), (7, 68), (9, 56), (12, 40), (15, 29), (17, 33), (19, 46), (21, 52),
    (24, 55),
)  # fmt: skip
OUTDOOR_CO2_PPM: Curve = (
    (0, 425), (6, 430), (7.5, 450), (10, 425), (17.5, 445), (20, 428), (24, 425),
)  # fmt: skip
OUTDOOR_PM25_RANGE = (25.0, 70.0)

# Share of an office's desks in use, by hour, per day type (Friday: longer Jumatan break).
WEEKDAY_OFFICE: Curve = (
    (0, 0), (6.5, 0), (7.5, 0.35), (8.5, 0.85), (11.75, 0.9), (12.0, 0.4), (12.9, 0.4),
    (13.2, 0.85), (16.5, 0.8), (17.5, 0.3), (18.5, 0.1), (20, 0.05), (21, 0), (24, 0),
)  # fmt: skip
FRIDAY_OFFICE: Curve = (
    (0, 0), (6.5, 0), (7.5, 0.35), (8.5, 0.85), (11.25, 0.85), (11.5, 0.2), (13.0, 0.2),
    (13.3, 0.8), (16.5, 0.75), (17.5, 0.25), (18.5, 0.05), (20, 0), (24, 0),
)  # fmt: skip
SATURDAY_OFFICE: Curve = ((0, 0), (8.5, 0), (9, 0.05), (13, 0.05), (13.5, 0), (24, 0))
NO_ONE: Curve = ((0, 0), (24, 0))
# Lobby: crowds at arrival, lunch and departure; pantry: lunch and afternoon coffee.
WEEKDAY_LOBBY: Curve = (
    (0, 0.02), (6.5, 0.05), (7.75, 0.6), (8.5, 0.3), (11.5, 0.15), (12.0, 0.5), (13.0, 0.5),
    (13.5, 0.15), (16.75, 0.2), (17.25, 0.7), (18.0, 0.2), (20, 0.05), (24, 0.02),
)  # fmt: skip
WEEKDAY_PANTRY: Curve = (
    (0, 0), (7, 0), (8, 0.3), (9, 0.1), (11.75, 0.2), (12.25, 0.9), (13.0, 0.6), (13.5, 0.1),
    (15, 0.15), (15.5, 0.5), (16, 0.1), (18, 0), (24, 0),
)  # fmt: skip

HVAC_HOURS = (7.0, 18.0)  # weekdays; the air handlers are off at night and at weekends
MEETING_SLOTS = (9, 10, 11, 13, 14, 15, 16)  # start hours of one-hour bookings


@lru_cache(maxsize=64)
def _hours(curve: Curve) -> list[float]:
    return [h for h, _ in curve]


def interpolate(curve: Curve, hour: float) -> float:
    """The curve's value at `hour` (0 <= hour < 24)."""
    i = bisect_right(_hours(curve), hour) - 1
    (h0, v0), (h1, v1) = curve[i], curve[min(i + 1, len(curve) - 1)]
    return v0 if h1 == h0 else v0 + (v1 - v0) * (hour - h0) / (h1 - h0)


def hour_of(local: datetime) -> float:
    """Fractional hour of day of a local time."""
    return local.hour + local.minute / 60 + local.second / 3600


def is_workday(local: datetime) -> bool:
    """Monday to Friday (public holidays are not simulated)."""
    return local.weekday() < 5


def hvac_on(local: datetime) -> bool:
    """Whether the building's air handlers run at this local time."""
    return is_workday(local) and HVAC_HOURS[0] <= hour_of(local) < HVAC_HOURS[1]


@lru_cache(maxsize=256)
def day_factor(seed: int, day: date) -> float:
    """How hazy a date is compared with an average day (0.85 to 1.1)."""
    return random.Random(f"{seed}:haze:{day.isoformat()}").uniform(0.85, 1.1)


def outdoor(seed: int, local: datetime) -> tuple[float, float, float, float]:
    """Outdoor temperature °C, RH %, PM2.5 µg/m³ and CO2 ppm at this local time."""
    return _outdoor_minute(seed, local.replace(second=0, microsecond=0))


@lru_cache(maxsize=4096)
def _outdoor_minute(seed: int, local: datetime) -> tuple[float, float, float, float]:
    h = hour_of(local)
    low, high = OUTDOOR_PM25_RANGE
    pm25 = min(high, max(low, interpolate(OUTDOOR_PM25, h) * day_factor(seed, local.date())))
    return (
        interpolate(OUTDOOR_TEMP_C, h),
        interpolate(OUTDOOR_RH, h),
        pm25,
        interpolate(OUTDOOR_CO2_PPM, h),
    )


def occupancy_share(kind: str, local: datetime) -> float:
    """Share of a room's capacity present at this local time (meeting rooms: see bookings)."""
    day = local.weekday()
    h = hour_of(local)
    if day == 6:
        return 0.0
    office = SATURDAY_OFFICE if day == 5 else FRIDAY_OFFICE if day == 4 else WEEKDAY_OFFICE
    if kind == "lobby":
        return interpolate(WEEKDAY_LOBBY, h) if day < 5 else 0.3 * interpolate(office, h)
    if kind == "pantry":
        return interpolate(WEEKDAY_PANTRY if day < 5 else NO_ONE, h)
    if kind in ("corridor", "toilet"):
        return 0.25 * interpolate(office, h)
    return interpolate(office, h)


def meeting_attendees(seed: int, room: str, capacity: int, local: datetime) -> int:
    """People in a meeting room now: one-hour bookings drawn per room and date from the seed."""
    h = hour_of(local)
    if not is_workday(local) or int(h) not in MEETING_SLOTS:
        return 0
    # People leave a few minutes before the hour so the next meeting can start.
    return _bookings(seed, room, capacity, local.date()).get(int(h), 0) if h % 1 < 0.9 else 0


@lru_cache(maxsize=4096)
def _bookings(seed: int, room: str, capacity: int, day: date) -> dict[int, int]:
    """Attendees by start hour of the room's one-hour bookings that day."""
    rng = random.Random(f"{seed}:book:{room}:{day.isoformat()}")
    return {slot: rng.randint(3, capacity) for slot in MEETING_SLOTS if rng.random() < 0.55}
