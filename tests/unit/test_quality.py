"""Data quality on accelerated event time: stuck, jumping and drifting sensors, and only those."""

from __future__ import annotations

import math
import pickle
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from ingest.domain.model import Reading, SensorRef
from ingest.domain.nights import NightSchedule
from ingest.domain.quality import (
    FaultKey,
    QualityChange,
    QualityDetector,
    rebuild,
    reconcile,
)
from ingest.domain.quality_config import (
    QualityConfig,
    load_quality_config,
    parse_quality_config,
)
from maintenance.domain.rules import AlertFacts, matching_rules, parse_rules

JAKARTA = ZoneInfo("Asia/Jakarta")
JAYAPURA = ZoneInfo("Asia/Jayapura")
MONDAY = datetime(2024, 3, 4, tzinfo=JAKARTA)  # local midnight starting a week
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SENSOR = SensorRef("menara-a", "r-101", "s1")
OFFICE_HOURS = {day: [["07:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}

Point = tuple[datetime, float]


def feed(detector: QualityDetector, metric: str, points: Iterable[Point]) -> list[QualityChange]:
    """Observe each (time, value) of SENSOR's `metric`; every change, in order."""
    changes: list[QualityChange] = []
    for at, value in points:
        changes += detector.observe(at, SENSOR, metric, value)
    return changes


def every(start: datetime, step: timedelta, values: Iterable[float]) -> list[Point]:
    """`values` at `start`, `start + step`, …"""
    return [(start + i * step, v) for i, v in enumerate(values)]


def noisy(level: float, sigma: float, n: int, seed: int = 1, digits: int = 0) -> list[float]:
    """`n` readings of a steady `level` with a sensor's gaussian noise, rounded as devices do."""
    rng = random.Random(seed)
    return [round(level + rng.gauss(0, sigma), digits) for _ in range(n)]


def jittered_times(start: datetime, end: datetime, seed: int) -> Iterator[datetime]:
    """Reading times from `start` to `end`, 1 to 5 minutes apart."""
    rng = random.Random(seed)
    at = start
    while at < end:
        yield at
        at += timedelta(seconds=rng.uniform(60, 300))


def office_day(seed: int = 7, days: int = 14) -> list[Reading]:
    """An occupied office (Mon–Fri 07–19 Jakarta): CO2 420→1100 by day and back at night,
    temperature 24–27 °C with the air conditioning on by day, humidity 50–65 %, noisy."""
    rng = random.Random(seed)
    co2, temp, rh = 430.0, 26.0, 60.0
    previous = MONDAY
    readings = []
    for at in jittered_times(MONDAY, MONDAY + days * DAY, seed):
        hours = (at - previous).total_seconds() / 3600
        previous = at
        local = at.astimezone(JAKARTA)
        occupied = local.weekday() < 5 and 8 <= local.hour < 18
        ac_on = local.weekday() < 5 and 7 <= local.hour < 19
        co2_target, ach = (1100.0, 1.2) if occupied else (420.0, 0.35)
        co2 = co2_target + (co2 - co2_target) * math.exp(-ach * hours)
        temp_target = 24.5 + (0.8 if occupied else 0) if ac_on else 27.0
        temp = temp_target + (temp - temp_target) * math.exp(-1.5 * hours)
        rh_target = 52.0 if ac_on else 64.0
        rh = rh_target + (rh - rh_target) * math.exp(-1.0 * hours)
        values = {
            "co2": float(round(co2 + rng.gauss(0, 8))),
            "temperature": round(temp + rng.gauss(0, 0.08), 2),
            "humidity": round(rh + rng.gauss(0, 0.6), 1),
            "pm25": 0.0,  # a clean-room PM sensor reads exactly 0 for days: not stuck
        }
        readings.append(Reading(SENSOR, at.astimezone(UTC), values))
    return readings


def nights_with_minima(
    minima: list[float], zone: ZoneInfo = JAKARTA, day_level: float = 700.0
) -> list[Point]:
    """CO2 every 5 min from Monday 05:00 for len(minima) days: noisy by day, night k (from
    22:00 on day k to 05:00 local, the default) settling to minima[k] around 03:00. The
    last night never ends within the stream, so it is not judged."""
    rng = random.Random(3)
    points: list[Point] = []
    start = MONDAY.replace(tzinfo=zone)
    for day, low in enumerate(minima):
        for i in range(288):
            at = start + day * DAY + i * 5 * MIN
            if at < start + 5 * HOUR:
                continue  # the stream starts after the night before Monday
            hour = (at - (start + day * DAY)) / HOUR
            # The hours before this day's 05:00 belong to the previous night.
            night_low = minima[day - 1] if hour < 12 and day else low
            if hour < 5 or hour >= 22:
                depth = abs(hour - 3 if hour < 12 else hour - 27)  # hours from 03:00
                value = night_low + 15 * depth + abs(rng.gauss(0, 4))
                value = night_low if depth == 0 else value
            else:
                value = day_level + rng.gauss(0, 8)
            points.append((at, float(round(value))))
    return points


def reasons_of(changes: list[QualityChange]) -> list[tuple[str, str | None]]:
    """(action, reason) of each change."""
    return [(c.action, c.reason) for c in changes]


# --- stuck -------------------------------------------------------------------------------


def test_a_stuck_co2_sensor_opens_stuck_after_six_hours_and_not_before() -> None:
    detector = QualityDetector()
    live = every(MONDAY, 5 * MIN, noisy(650, 8, 24))
    stuck_from = MONDAY + 2 * HOUR
    frozen = every(stuck_from, 5 * MIN, [612.0] * 100)
    assert feed(detector, "co2", live) == []
    before = [p for p in frozen if p[0] < stuck_from + 6 * HOUR]
    assert feed(detector, "co2", before) == []
    assert not detector.is_faulty(SENSOR, "co2")
    (change,) = feed(detector, "co2", [p for p in frozen if p[0] == stuck_from + 6 * HOUR])
    assert (change.action, change.reason, change.key) == ("open", "stuck", FaultKey(SENSOR, "co2"))
    assert change.at == stuck_from + 6 * HOUR
    assert change.params["span_s"] == 6 * 3600
    assert change.params["since"] == stuck_from.astimezone(UTC).isoformat()
    assert detector.is_faulty(SENSOR, "co2")


def test_a_stuck_sensor_clears_at_the_first_reading_that_moves_again() -> None:
    detector = QualityDetector()
    frozen = every(MONDAY, 5 * MIN, [612.0] * 100)
    assert reasons_of(feed(detector, "co2", frozen)) == [("open", "stuck")]
    moved_at = MONDAY + 100 * 5 * MIN
    (change,) = feed(detector, "co2", [(moved_at, 613.0)])
    assert (change.action, change.reason, change.at) == ("clear", "stuck", moved_at)
    assert not detector.is_faulty(SENSOR, "co2")


def test_a_sensor_dithering_by_one_resolution_step_is_alive_not_stuck() -> None:
    detector = QualityDetector()
    steady_room = every(MONDAY, 2 * MIN, [24.1, 24.2] * 300)  # 20 h at the edge of a step
    assert feed(detector, "temperature", steady_room) == []


def test_float_jitter_below_the_resolution_is_not_a_change() -> None:
    detector = QualityDetector()
    # A unit conversion's rounding noise (°F to °C) while the sensor is hung.
    hung = every(MONDAY, 5 * MIN, [24.3, 24.300000001, 24.299999999] * 30)
    assert reasons_of(feed(detector, "temperature", hung)) == [("open", "stuck")]


def test_a_silence_longer_than_the_allowed_gap_restarts_the_stuck_run() -> None:
    detector = QualityDetector()
    morning = every(MONDAY, 5 * MIN, [500.0] * 48)  # 4 h
    afternoon = every(MONDAY + 5 * HOUR, 5 * MIN, [500.0] * 80)  # after 1 h of silence
    assert feed(detector, "co2", morning) == []
    changes = feed(detector, "co2", afternoon)
    assert [c.at for c in changes] == [MONDAY + 11 * HOUR]  # 6 h after the silence


def test_metrics_without_a_rule_are_never_checked() -> None:
    detector = QualityDetector()
    clean_air = every(MONDAY, 5 * MIN, [0.0] * 1000)  # PM2.5 at exactly 0 for 3 days
    assert feed(detector, "pm25", clean_air) == []
    assert not detector.is_faulty(SENSOR, "pm25")


# --- normal data -------------------------------------------------------------------------


def test_a_noisy_occupied_office_never_looks_faulty_over_fourteen_days() -> None:
    readings = office_day(days=14)
    assert len(readings) > 6000
    lows = [r.values["co2"] for r in readings]
    assert min(lows) < 440 and max(lows) > 1050  # the day really does reach 1100 ppm
    for hours in (None, OFFICE_HOURS):
        schedules = {} if hours is None else {"menara-a": NightSchedule(hours, "Asia/Jakarta")}
        detector = QualityDetector(schedules=schedules)
        changes = [c for r in readings for c in detector.observe_reading(r)]
        assert changes == []


def test_the_simulators_rooms_never_look_faulty_over_fourteen_days() -> None:
    from sensors_sim.model import RoomModel
    from sensors_sim.rooms import make_rooms

    detector = QualityDetector(schedules={"menara-a": NightSchedule(OFFICE_HOURS, "Asia/Jakarta")})
    changes: list[QualityChange] = []
    for room in make_rooms(6):
        model = RoomModel(room, seed=11, tz=JAKARTA)
        for at in jittered_times(MONDAY, MONDAY + 14 * DAY, seed=len(room.name)):
            values = model.step(at)
            changes += detector.observe_reading(Reading(room.sensor, at, values))
    assert changes == []


# --- jumps -------------------------------------------------------------------------------


def test_a_single_spike_is_forgiven() -> None:
    detector = QualityDetector()
    values = noisy(600, 8, 30)
    values[10] = 3000.0  # someone breathed on it
    assert feed(detector, "co2", every(MONDAY, MIN, values)) == []
    assert not detector.is_faulty(SENSOR, "co2")


def test_two_spikes_an_hour_are_forgiven_but_a_third_within_the_hour_makes_it_faulty() -> None:
    detector = QualityDetector()
    values = noisy(600, 8, 61)
    values[10] = values[40] = values[60] = 3000.0
    changes = feed(detector, "co2", every(MONDAY, MIN, values))
    assert [(c.action, c.reason, c.at) for c in changes] == [("open", "jump", MONDAY + HOUR)]


def test_a_sensor_that_keeps_jumping_is_faulty_and_clears_after_ten_plausible_readings() -> None:
    detector = QualityDetector()
    values = noisy(600, 8, 60)
    values[10] = values[40] = 3000.0
    assert feed(detector, "co2", every(MONDAY, MIN, values)) == []
    later = MONDAY + 2 * HOUR  # those two spikes are over an hour old by now
    erratic = [600.0, 3000.0, 610.0, 2950.0, 605.0, 3010.0] + noisy(600, 8, 12, seed=2)
    changes = feed(detector, "co2", every(later, MIN, erratic))
    assert reasons_of(changes) == [("open", "jump"), ("clear", "jump")]
    opened, cleared = changes
    assert opened.at == later + 5 * MIN  # the third jump within the hour
    assert opened.params["jumps"] == 3 and opened.params["window_s"] == 3600
    assert cleared.at == later + 15 * MIN  # after 10 plausible readings
    assert cleared.params["readings"] == 10


def test_the_reading_that_jumps_is_suspect_even_when_it_is_forgiven() -> None:
    detector = QualityDetector()
    flags = []
    for at, value in every(MONDAY, MIN, [24.0, 24.1, 85.0, 24.1, 24.0]):
        assert detector.observe(at, SENSOR, "temperature", value) == []
        flags.append(detector.is_suspect(SENSOR, "temperature"))
    assert flags == [False, False, True, False, False]
    assert not detector.is_suspect(SENSOR, "pm25")


def test_a_step_that_holds_counts_once() -> None:
    detector = QualityDetector()
    values = noisy(24.0, 0.05, 20, digits=2) + noisy(40.0, 0.05, 20, seed=2, digits=2)
    assert feed(detector, "temperature", every(MONDAY, MIN, values)) == []


def test_a_sustained_jumping_temperature_stays_faulty_while_the_jumps_continue() -> None:
    detector = QualityDetector()
    # A loose connector: the reading flips between the room and the sensor's rail.
    flips = [24.0 if i % 3 else 85.0 for i in range(60)]
    changes = feed(detector, "temperature", every(MONDAY, MIN, flips))
    assert reasons_of(changes) == [("open", "jump")]
    assert detector.is_faulty(SENSOR, "temperature")


def test_a_slow_sensor_may_change_more_between_readings_than_a_fast_one() -> None:
    detector = QualityDetector()
    # 1500 ppm in 5 minutes (a packed meeting room) is plausible; each step is within
    # 100 + 500 ppm/min × 5 min.
    ramp = every(MONDAY, 5 * MIN, [500.0, 1100.0, 1800.0, 2000.0, 1400.0, 800.0] * 4)
    assert feed(detector, "co2", ramp) == []


def test_a_redelivered_reading_is_not_a_second_reading() -> None:
    detector = QualityDetector()
    frozen = every(MONDAY, 5 * MIN, [612.0] * 60)
    twice = [p for p in frozen for _ in range(2)]
    feed(detector, "co2", twice)
    late = feed(detector, "co2", [(MONDAY, 9000.0)])  # older than the newest: ignored
    assert late == [] and not detector.is_faulty(SENSOR, "co2")


# --- drift -------------------------------------------------------------------------------


def test_a_co2_sensor_drifting_up_30_ppm_a_night_opens_drift_high_on_the_third_night_above_550():
    minima = [430.0 + 30 * k for k in range(9)]  # 580, 610, 640 are the nights above 550
    assert [m > 550 for m in minima] == [False] * 5 + [True] * 4
    detector = QualityDetector()
    changes = feed(detector, "co2", nights_with_minima(minima))
    assert reasons_of(changes) == [("open", "drift_high")]
    (change,) = changes
    # The night of minimum 640 ended at 05:00 on day 8 (the night before day 8 holds day 7's).
    assert change.at == MONDAY + 8 * DAY + 5 * HOUR
    assert change.params == change.params | {"value": 640.0, "bound": 550.0, "nights": 3}


def test_drift_high_is_not_opened_on_the_second_night_above_550() -> None:
    detector = QualityDetector()
    changes = feed(detector, "co2", nights_with_minima([430, 460, 580, 610, 620]))
    assert changes == []  # 580 and 610 judged; 620's night has not ended yet


def test_a_night_back_within_range_clears_drift() -> None:
    detector = QualityDetector()
    changes = feed(detector, "co2", nights_with_minima([600, 600, 600, 440, 440]))
    assert reasons_of(changes) == [("open", "drift_high"), ("clear", "drift_high")]
    assert changes[1].at == MONDAY + 4 * DAY + 5 * HOUR


def test_a_co2_sensor_drifting_down_opens_drift_low_on_the_third_night_below_350() -> None:
    minima = [410.0 - 30 * k for k in range(7)]  # 320, 290, 260 are below 350
    changes = feed(QualityDetector(), "co2", nights_with_minima(minima))
    assert reasons_of(changes) == [("open", "drift_low")]
    assert changes[0].params["value"] == 260.0 and changes[0].params["bound"] == 350.0


def test_an_odd_night_breaks_the_run_of_drifting_nights() -> None:
    changes = feed(QualityDetector(), "co2", nights_with_minima([600, 600, 450, 600, 600, 600]))
    assert changes == []


def test_a_night_with_too_few_readings_is_not_judged() -> None:
    points = nights_with_minima([600, 600, 600, 600, 600])
    # Silent from 23:00 to 04:30 on the third night: it neither counts nor breaks the run.
    third = MONDAY + 2 * DAY
    kept = [p for p in points if not third - HOUR <= p[0] < third + 4.5 * HOUR]
    changes = feed(QualityDetector(), "co2", kept)
    assert [c.at for c in changes] == [MONDAY + 4 * DAY + 5 * HOUR]


def test_the_building_zone_decides_which_readings_are_night() -> None:
    """Open 07–19 every day: 22:00–24:00 UTC is 05–07 in Jakarta (night) but 07–09 in
    Jayapura (open). A sensor that dips to outdoor air only then is drifting in Jayapura."""
    daily = {day: [["07:00", "19:00"]] for day in range(7)}
    rng = random.Random(5)
    points = [
        (at, float(round((420 if at.hour >= 22 else 600) + rng.gauss(0, 4))))
        for at in (datetime(2024, 3, 4, tzinfo=UTC) + i * 5 * MIN for i in range(288 * 5))
    ]
    verdicts = {}
    for zone in ("Asia/Jakarta", "Asia/Jayapura"):
        detector = QualityDetector(schedules={"menara-a": NightSchedule(daily, zone)})
        verdicts[zone] = reasons_of(feed(detector, "co2", points))
    assert verdicts == {"Asia/Jakarta": [], "Asia/Jayapura": [("open", "drift_high")]}


def test_unknown_operating_hours_make_22_to_05_local_the_night() -> None:
    schedule = NightSchedule(None, "Asia/Jayapura")
    local = datetime(2024, 3, 6, 23, 30, tzinfo=JAYAPURA)
    span = schedule.span_at(local.timestamp())
    assert span.unoccupied
    assert (span.start, span.end) == (
        datetime(2024, 3, 6, 22, tzinfo=JAYAPURA).timestamp(),
        datetime(2024, 3, 7, 5, tzinfo=JAYAPURA).timestamp(),
    )
    assert not schedule.span_at(datetime(2024, 3, 7, 5, tzinfo=JAYAPURA).timestamp()).unoccupied


def test_new_operating_hours_drop_the_night_in_progress() -> None:
    detector = QualityDetector()
    points = nights_with_minima([600, 600, 600, 600])
    changed_at = MONDAY + 2 * DAY + 2 * HOUR  # during the second night
    changes = feed(detector, "co2", [p for p in points if p[0] < changed_at])
    detector.set_schedule("menara-a", NightSchedule(None, "Asia/Jakarta"))  # same hours
    changes += feed(detector, "co2", [p for p in points if p[0] >= changed_at])
    assert changes == []  # the second night went unjudged: two judged nights, not three


def test_a_weekend_is_one_night_and_a_lunch_break_is_not_judged() -> None:
    hours = {d: [["07:00", "12:00"], ["13:00", "17:00"]] for d in range(5)}
    schedule = NightSchedule(hours, "Asia/Jakarta")
    weekend = schedule.span_at(datetime(2024, 3, 9, 12, tzinfo=JAKARTA).timestamp())
    assert weekend.end - weekend.start == (2 * DAY + 14 * HOUR).total_seconds()
    lunch = schedule.span_at(datetime(2024, 3, 5, 12, 30, tzinfo=JAKARTA).timestamp())
    assert lunch.unoccupied and lunch.end - lunch.start == 3600  # shorter than a night
    always_open = NightSchedule({d: [["00:00", "24:00"]] for d in range(7)}, "UTC")
    assert not always_open.span_at(0).unoccupied


# --- two reasons, one condition -----------------------------------------------------------


def test_one_condition_stays_open_until_its_last_reason_clears() -> None:
    detector = QualityDetector()
    # Stuck at 600 from Monday noon: stuck opens on Monday evening, drift later.
    points = [p for p in nights_with_minima([430] * 5) if p[0] < MONDAY + 12 * HOUR]
    points += every(MONDAY + 12 * HOUR, 5 * MIN, [600.0] * (288 * 4))
    changes = feed(detector, "co2", points)
    assert reasons_of(changes) == [("open", "stuck")]
    assert detector.reasons(SENSOR, "co2") == ("stuck", "drift_high")
    # The sensor moves again, but its nights are still high: still faulty, no change.
    assert feed(detector, "co2", [(MONDAY + 4 * DAY + 12 * HOUR, 650.0)]) == []
    assert detector.reasons(SENSOR, "co2") == ("drift_high",)
    assert detector.is_faulty(SENSOR, "co2")


# --- restart -----------------------------------------------------------------------------


def eventful(days: int = 14) -> list[Reading]:
    """Two weeks of an office whose CO2 drifts high from day 5 and humidity hangs on day 12."""
    readings = office_day(days=days)
    out = []
    for r in readings:
        values = dict(r.values)
        day = (r.time - MONDAY) / DAY
        if day >= 5:
            values["co2"] += 160  # baseline moved: nights settle near 580
        if 12 <= day < 12.5:
            values["humidity"] = 55.5
        out.append(Reading(r.sensor, r.time, values))
    return out


def test_rebuilding_from_the_same_readings_gives_the_same_state_as_live() -> None:
    readings = eventful()
    live = QualityDetector()
    for r in readings:
        live.observe_reading(r)
    assert live.open_faults()  # something to compare
    assert pickle.dumps(rebuild(readings)) == pickle.dumps(live)


def test_a_detector_rebuilt_from_the_stored_week_decides_as_the_live_one_after_a_restart() -> None:
    readings = eventful()
    restart = MONDAY + 12 * DAY + 2 * HOUR  # while the sensor hangs
    history = load_quality_config().rebuild_history
    before = [r for r in readings if r.time < restart]
    after = [r for r in readings if r.time >= restart]
    live = QualityDetector()
    for r in before:
        live.observe_reading(r)
    rebuilt = rebuild(r for r in before if r.time >= restart - history)
    assert rebuilt.open_faults() == live.open_faults()
    assert reconcile(rebuilt, live.open_faults(), restart) == []
    redelivered = [r for r in before if r.time >= restart - 10 * MIN]  # the broker resends
    live_changes = [c for r in after for c in live.observe_reading(r)]
    rebuilt_changes = [c for r in redelivered + after for c in rebuilt.observe_reading(r)]
    assert rebuilt_changes == live_changes
    assert {(c.action, c.reason) for c in live_changes} >= {("open", "stuck"), ("clear", "stuck")}


def test_reconcile_opens_what_the_replay_holds_open_and_clears_what_it_does_not() -> None:
    stored = every(MONDAY, 5 * MIN, [612.0] * 80)
    detector = rebuild(Reading(SENSOR, at, {"co2": v}) for at, v in stored)
    stale = FaultKey(SensorRef("menara-a", "r-102", "s9"), "humidity")
    at = MONDAY + DAY
    changes = reconcile(detector, [stale], at)
    assert [(c.action, c.key, c.reason) for c in changes] == [
        ("open", FaultKey(SENSOR, "co2"), "stuck"),
        ("clear", stale, None),
    ]
    assert changes[1].at == at


# --- bounded memory ----------------------------------------------------------------------


def test_memory_per_sensor_does_not_grow_with_the_number_of_readings() -> None:
    readings = eventful(days=14)
    detector = QualityDetector()
    sizes = {}
    for i, r in enumerate(readings, 1):
        detector.observe_reading(r)
        if i in (len(readings) // 14, len(readings)):
            sizes[i] = len(pickle.dumps(detector))
    first_day, two_weeks = sizes.values()
    assert two_weeks <= first_day + 600  # a few open conditions and their parameters
    assert two_weeks < 6_000  # everything a sensor with three metrics needs


# --- configuration -----------------------------------------------------------------------


def test_the_shipped_thresholds_are_the_documented_ones() -> None:
    config = load_quality_config()
    assert {m: r.resolution for m, r in config.metrics.items()} == {
        "co2": 1,
        "temperature": 0.1,
        "humidity": 0.1,
    }
    assert config.metrics["temperature"].max_rate_per_min == 5
    assert config.stuck.after == 6 * HOUR
    assert (config.drift.low, config.drift.high, config.drift.nights) == (350, 550, 3)
    assert config.drift.default_night[0].hour == 22 and config.drift.default_night[1].hour == 5


@pytest.mark.parametrize(
    "mutate",
    [
        lambda raw: raw.update(extra=1),
        lambda raw: raw["stuck"].update(after="six hours"),
        lambda raw: raw["drift"].update(low=500),
        lambda raw: raw["metrics"]["co2"].update(resolution=0),
        lambda raw: raw["jump"].update(open_after=0),
        lambda raw: raw["metrics"]["co2"].update(rate=5),
    ],
)
def test_malformed_quality_thresholds_are_refused(mutate: Callable[[dict], None]) -> None:
    raw = yaml.safe_load(
        (Path(__file__).parents[2] / "ingest" / "domain" / "quality.yaml").read_text("utf-8")
    )
    assert isinstance(parse_quality_config(raw), QualityConfig)
    mutate(raw)
    with pytest.raises(ValueError):
        parse_quality_config(raw)


# --- from alert to work ------------------------------------------------------------------


def test_a_faulty_alert_becomes_a_recalibrate_or_replace_work_order_for_hvac() -> None:
    path = Path(__file__).parents[2] / "maintenance" / "alert_rules.yaml"
    rules = parse_rules(yaml.safe_load(path.read_text(encoding="utf-8"))["rules"])
    (rule,) = matching_rules(rules, AlertFacts("faulty", "warning", "co2"))
    assert (rule.crew, rule.type, rule.priority_for("warning")) == ("hvac", "corrective", "medium")
    assert rule.title.startswith("Kalibrasi ulang / ganti sensor")
    checklist = " ".join(rule.checklist).lower()
    assert all(word in checklist for word in ("penempatan", "alat ukur acuan", "420 ppm", "ganti"))
