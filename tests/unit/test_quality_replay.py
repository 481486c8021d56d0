"""The restart's bounded replay (pure): nights as slot minima plus a raw tail reach the state a
detector reaches on every raw reading, for what the database must agree with."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from ingest.domain.model import Reading, SensorRef
from ingest.domain.nights import NightSchedule
from ingest.domain.quality import FaultKey, QualityDetector
from ingest.domain.quality_config import load_quality_config
from ingest.domain.quality_replay import (
    NightRow,
    ReplayPlan,
    TailRow,
    plan_replay,
    replay,
)

CONFIG = load_quality_config()
NOW = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # Monday 10:00 in Jakarta
MIN = timedelta(minutes=1)
OFFICE = {d: [["07:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_the_plan_reads_slot_minima_for_a_week_and_raw_readings_for_the_last_6_5_h() -> None:
    newest = (NOW - 20 * MIN).timestamp()
    plan = plan_replay(CONFIG, newest, NOW)
    assert plan is not None
    assert plan.metrics == ("co2", "humidity", "temperature") and plan.drift_metric == "co2"
    assert plan.slot == 600
    assert plan.tail_since == (NOW - 20 * MIN - timedelta(hours=6, minutes=30)).timestamp()
    assert plan.nights_since == (NOW - 20 * MIN - timedelta(days=7)).timestamp()
    assert plan.until == (NOW + timedelta(days=1)).timestamp()
    # Placed by the newest stored reading, never past now; nothing stored, nothing to read.
    later = plan_replay(CONFIG, (NOW + timedelta(hours=5)).timestamp(), NOW)
    assert later is not None and later.tail_since == NOW.timestamp() - 6.5 * 3600
    assert plan_replay(CONFIG, None, NOW) is None


def week(sensor: SensorRef, night_level: float, seed: int) -> Iterator[Reading]:
    """A week of one sensor every 2 minutes: office days near 800 ppm, nights settling to
    `night_level`, temperature and humidity with a live sensor's noise."""
    rng = random.Random(seed)
    start = NOW - timedelta(days=7)
    for i in range(7 * 24 * 30):
        at = start + 2 * i * MIN
        local_hour = (at.hour + 7) % 24
        busy = at.weekday() < 5 and 7 <= local_hour < 19
        co2 = round((800 if busy else night_level) + rng.gauss(0, 8))
        values = {
            "co2": float(co2),
            "temperature": round(25 + rng.gauss(0, 0.2), 1),
            "humidity": round(60 + rng.gauss(0, 0.5), 1),
        }
        yield Reading(sensor, at, values)


def stored_rows(readings: list[Reading], plan: ReplayPlan) -> Iterator[NightRow | TailRow]:
    """What InfluxDB answers the replay's two grouped queries (per sensor, in time order)."""
    slots: dict[tuple[SensorRef, float], float] = {}
    for r in readings:
        t = r.time.timestamp()
        if plan.nights_since <= t < plan.tail_since:
            key = (r.sensor, t - t % plan.slot)
            slots[key] = min(slots.get(key, float("inf")), r.values["co2"])
    for (sensor, t), minimum in sorted(slots.items(), key=lambda kv: (kv[0][0].sensor, kv[0][1])):
        yield NightRow(sensor, t, minimum)
    for r in readings:
        if r.time.timestamp() >= plan.tail_since:
            yield TailRow(r.sensor, r.time.timestamp(), r.values)


def test_the_bounded_replay_reaches_what_every_raw_reading_reaches() -> None:
    high = SensorRef("menara-a", "lt3", "drifted-high")
    low = SensorRef("menara-a", "lt4", "drifted-low")
    fine = SensorRef("menara-a", "lt5", "fine")
    stuck = SensorRef("menara-a", "lt6", "stuck")
    readings = [*week(high, 640, 1), *week(low, 300, 2), *week(fine, 430, 3)]
    readings += [
        Reading(stuck, NOW - timedelta(days=2) + 2 * i * MIN, {"co2": 612.0, "humidity": 61.0})
        for i in range(2 * 24 * 30)
    ]
    readings.sort(key=lambda r: r.time)
    schedules = {"menara-a": NightSchedule(OFFICE, "Asia/Jakarta")}

    everything = QualityDetector(CONFIG, schedules)
    for r in readings:
        everything.check(r)
    bounded = QualityDetector(CONFIG, schedules)
    plan = plan_replay(CONFIG, readings[-1].time.timestamp(), NOW)
    assert plan is not None
    done = replay(bounded, plan, stored_rows(readings, plan))

    expected = {
        FaultKey(high, "co2"),
        FaultKey(low, "co2"),
        FaultKey(stuck, "co2"),
        FaultKey(stuck, "humidity"),
    }
    assert set(everything.open_faults()) == expected
    assert set(bounded.open_faults()) == expected
    for sensor in (high, low, fine, stuck):
        for metric in ("co2", "temperature", "humidity"):
            assert bounded.reasons(sensor, metric) == everything.reasons(sensor, metric)
    # Read back: at most a slot per 10 minutes of a week, and 6 h 40 min (6.5 h from the
    # newest reading, back to a slot's start) of raw readings, 4 x 200, of 16,560 readings.
    assert done.slots <= 4 * 7 * 144 and done.readings == 4 * 200
