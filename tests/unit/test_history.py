"""Windows rebuilt from stored readings give the verdicts an evaluator that never stopped gives."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.domain.alerts import AlertChange
from ingest.domain.evaluation import EvaluationConfig, Evaluator
from ingest.domain.history import (
    LastSeen,
    MetricHistory,
    SlotRow,
    TailRow,
    lookback,
    plan,
    restore,
)
from ingest.domain.model import Reading, SensorRef
from ingest.domain.profiles import load_profile

PROFILE = load_profile("permenkes-1077-2011")
CONFIG = EvaluationConfig()
LIMITS = PROFILE.evaluated_limits()
T0 = datetime(2026, 11, 2, 0, 0, 7, tzinfo=UTC)  # not on a slot boundary
S1 = SensorRef("menara-a", "lt5-rapat", "s1")
S2 = SensorRef("menara-a", "lt5-rapat", "s2")
LOBBY = SensorRef("menara-a", "lobi", "s3")


def stored_rows(
    stored: list[Reading], read: MetricHistory
) -> Iterator[SlotRow | TailRow | LastSeen]:
    """What InfluxDB answers for `read`: slot sums and counts per room (epoch-aligned), the
    raw readings per room in time order, then each sensor's newest reading."""
    metric = read.metric
    mine = sorted(
        (r for r in stored if metric in r.values and r.time.timestamp() <= read.until),
        key=lambda r: (r.sensor.building, r.sensor.room, r.time),
    )
    if read.slot_width is not None and read.slots_since is not None:
        slots: dict[tuple[str, str, float], list[float]] = {}
        for r in mine:
            t = r.time.timestamp()
            if t >= read.slots_since:
                start = math.floor(t / read.slot_width) * read.slot_width
                slots.setdefault((r.sensor.building, r.sensor.room, start), []).append(
                    r.values[metric]
                )
        for (building, room, start), values in sorted(slots.items()):
            yield SlotRow(building, room, start, sum(values), len(values))
    for r in mine:
        if r.time.timestamp() >= read.tail_since:
            yield TailRow(r.sensor.building, r.sensor.room, r.time.timestamp(), r.values[metric])
    yield from newest_per_sensor(stored, metric)


def newest_per_sensor(stored: list[Reading], metric: str) -> list[LastSeen]:
    newest: dict[SensorRef, float] = {}
    for r in stored:
        if metric in r.values:
            newest[r.sensor] = max(newest.get(r.sensor, -math.inf), r.time.timestamp())
    return [LastSeen(sensor, t) for sensor, t in newest.items()]


def restarted(before: list[Reading], survivor: Evaluator, now: datetime) -> Evaluator:
    """A new evaluator as ingest builds it at start: open alerts from the database (here:
    the survivor's), then windows from what was stored."""
    fresh = Evaluator(PROFILE, CONFIG)
    fresh.restore_open(survivor.open_keys())
    newest = {
        metric: max(seen.t for seen in found)
        for metric in LIMITS
        if (found := newest_per_sensor(before, metric))
    }
    for read in plan(LIMITS, CONFIG, newest, now):
        restore(fresh, read, stored_rows(before, read), now)
    return fresh


def run(ev: Evaluator, readings: Iterable[Reading]) -> list[AlertChange]:
    changes: list[AlertChange] = []
    for r in readings:
        changes.extend(ev.observe(r, received_at=r.time))
    return changes


def same(a: list[AlertChange], b: list[AlertChange]) -> None:
    """Same alerts at the same event times; values equal but for float summation order."""
    assert [(c.action, c.key, c.at, c.limit) for c in a] == [
        (c.action, c.key, c.at, c.limit) for c in b
    ]
    for x, y in zip(a, b, strict=True):
        assert x.value == pytest.approx(y.value, rel=1e-9)


def series(
    sensor: SensorRef, metric: str, values: Iterable[float], start: datetime, step: timedelta
) -> list[Reading]:
    return [Reading(sensor, start + i * step, {metric: v}) for i, v in enumerate(values)]


def check_restart_changes_nothing(readings: list[Reading], restart_after: int) -> None:
    before, after = readings[:restart_after], readings[restart_after:]
    survivor = Evaluator(PROFILE, CONFIG)
    run(survivor, before)
    fresh = restarted(before, survivor, now=before[-1].time + timedelta(seconds=30))
    expected = run(survivor, after)
    assert expected, "the scenario must decide something after the restart"
    same(run(fresh, after), expected)


def test_co2_critical_opens_after_a_restart_when_it_would_have_without_one() -> None:
    # Seven hours at 900 ppm, then 1,400 ppm: the 8 h mean crosses 1,000 ppm hours later.
    minutes = [900.0] * (7 * 60) + [1400.0] * (6 * 60)
    readings = series(S1, "co2", minutes, T0, timedelta(minutes=1))
    check_restart_changes_nothing(readings, restart_after=7 * 60 + 30)


def test_pm25_critical_clears_after_a_restart_on_the_24h_mean() -> None:
    hours = [60.0] * 20 + [5.0] * 40
    readings = series(S1, "pm25", hours, T0, timedelta(hours=1))
    # Every 5 minutes instead of hourly, so slots hold several readings.
    readings = [
        Reading(S1, r.time + k * timedelta(minutes=5), r.values)
        for r in readings
        for k in range(12)
    ]
    check_restart_changes_nothing(readings, restart_after=26 * 12)


def test_two_sensors_of_one_room_feed_the_rebuilt_window_together() -> None:
    a = series(S1, "co2", [1300.0] * 600, T0, timedelta(minutes=1))
    b = series(
        S2, "co2", [700.0 + i for i in range(600)], T0 + timedelta(seconds=20), timedelta(minutes=1)
    )
    readings = sorted(a + b, key=lambda r: r.time)
    check_restart_changes_nothing(readings, restart_after=2 * 200)


def test_a_run_outside_the_temperature_range_keeps_its_start_across_a_restart() -> None:
    # 40 minutes outside before the restart: critical exactly one hour after the run began.
    inside = [24.0] * 30
    outside = [31.5] * 200
    readings = series(LOBBY, "temperature", inside + outside, T0, timedelta(seconds=30))
    check_restart_changes_nothing(readings, restart_after=30 + 80)


def test_a_silence_before_the_restart_still_breaks_the_run() -> None:
    first = series(LOBBY, "temperature", [31.5] * 40, T0, timedelta(seconds=30))
    later = series(
        LOBBY, "temperature", [31.5] * 200, T0 + timedelta(minutes=45), timedelta(seconds=30)
    )
    check_restart_changes_nothing(first + later, restart_after=40 + 20)


def test_a_reading_redelivered_after_the_restart_is_not_counted_twice() -> None:
    minutes = [900.0] * (7 * 60) + [1400.0] * (6 * 60)
    readings = series(S1, "co2", minutes, T0, timedelta(minutes=1))
    cut = 7 * 60 + 30
    survivor = Evaluator(PROFILE, CONFIG)
    run(survivor, readings[:cut])
    fresh = restarted(readings[:cut], survivor, readings[cut].time)
    # The broker redelivers the last hundred stored readings, then the stream goes on.
    same(run(fresh, readings[cut - 100 :]), run(survivor, readings[cut:]))


def test_the_plan_reads_only_what_the_windows_hold() -> None:
    now = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    newest = {"co2": now.timestamp() - 60, "temperature": now.timestamp() + 3600}
    reads = {read.metric: read for read in plan(LIMITS, CONFIG, newest, now)}
    assert set(reads) == {"co2", "temperature"}  # nothing stored of the others: no reads
    co2 = reads["co2"]
    assert co2.slot_width == 20 * 60
    assert co2.slots_since is not None and co2.slots_since % co2.slot_width == 0
    ref = now.timestamp() - 60
    assert ref - 8 * 3600 - 2 * 1200 < co2.slots_since <= ref - 8 * 3600
    assert ref - 12 * 60 < co2.tail_since <= ref - 11 * 60
    temperature = reads["temperature"]  # a reading ahead of the clock: windows end at now
    assert temperature.slot_width is None and temperature.slots_since is None
    assert now.timestamp() - 81 * 60 < temperature.tail_since <= now.timestamp() - 80 * 60
    since, until = lookback(LIMITS, CONFIG, now)
    assert until == co2.until == (now + timedelta(days=1)).timestamp()
    assert since == (now - timedelta(hours=48)).timestamp()


def test_slots_of_another_width_are_skipped_not_misplaced() -> None:
    ev = Evaluator(PROFILE, CONFIG)
    read = MetricHistory("co2", 3600.0, 0.0, 0.0, 1e12)
    done = restore(ev, read, [SlotRow("b", "r", T0.timestamp(), 5000.0, 5)], T0)
    assert (done.slots, done.skipped) == (0, 1)
    assert ev.snapshot("b", "r")["co2"].compliance_mean is None


def test_restored_sensors_count_their_silence_from_the_restart() -> None:
    ev = Evaluator(PROFILE, CONFIG)
    now = T0 + timedelta(hours=1)
    read = MetricHistory("co2", None, None, 0.0, 1e12)
    restore(ev, read, [LastSeen(S1, T0.timestamp())], now)
    assert ev.check_offline(now + timedelta(minutes=14)) == []
    [change] = ev.check_offline(now + timedelta(minutes=16))
    assert change.key.sensor == "s1" and change.action == "open"
