"""Evaluation of readings against the profiles, as iaq-standards.md describes it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.const import METRICS
from ingest.domain.evaluation import EvaluationConfig, Evaluator
from ingest.domain.model import Reading, SensorRef
from ingest.domain.profiles import OFFICE_WORK_ROOM, Limit, Profile, load_profile
from tests.unit.test_profiles import ROWS

T0 = datetime(2024, 3, 1, tzinfo=UTC)  # a whole hour, so hourly slots start here
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
AVERAGED = [row for row in ROWS if row[5] is not None and row[1] in METRICS]
RANGES = [row for row in ROWS if row[5] is None and row[1] in METRICS]


def evaluator(profile: str = "permenkes-1077-2011", **kwargs: object) -> Evaluator:
    """An evaluator of the named profile."""
    return Evaluator(load_profile(profile), **kwargs)  # type: ignore[arg-type]


def reading(at: datetime, room: str = "r1", sensor: str = "s1", **values: float) -> Reading:
    """A reading in building b1."""
    return Reading(SensorRef("b1", room, sensor), at, dict(values))


def feed(
    ev: Evaluator,
    metric: str,
    values: Iterable[float],
    start: datetime,
    step: timedelta,
    room: str = "r1",
    sensor: str = "s1",
) -> list[list[AlertChange]]:
    """Observe one reading per step; the changes of each reading."""
    ref = SensorRef("b1", room, sensor)
    return [ev.observe(Reading(ref, start + i * step, {metric: v})) for i, v in enumerate(values)]


def flat(changes: list[list[AlertChange]]) -> list[tuple[str, str]]:
    """(action, severity) of every change, in order."""
    return [(c.action, c.key.severity) for batch in changes for c in batch]


@pytest.mark.parametrize(("profile", "metric", "lower", "upper", "unit", "avg"), AVERAGED)
def test_mean_above_the_limit_over_its_averaging_time_is_critical_from_75_percent_coverage(
    profile: str, metric: str, lower: None, upper: float, unit: str, avg: timedelta
) -> None:
    slot = avg / 24
    changes = feed(evaluator(profile), metric, [upper * 1.2] * 24, T0 + slot / 2, slot)
    assert flat(changes[:1]) == [("open", "warning")]
    assert [i for i, batch in enumerate(changes) if batch][1:] == [17]  # the 18th of 24 slots
    critical = changes[17][0]
    assert (critical.action, critical.key.severity) == ("open", "critical")
    assert critical.at == T0 + slot / 2 + 17 * slot
    assert critical.value == pytest.approx(upper * 1.2)


@pytest.mark.parametrize(("profile", "metric", "lower", "upper", "unit", "avg"), AVERAGED)
def test_mean_just_inside_the_limit_raises_nothing(
    profile: str, metric: str, lower: None, upper: float, unit: str, avg: timedelta
) -> None:
    slot = avg / 24
    assert flat(feed(evaluator(profile), metric, [upper * 0.99] * 48, T0, slot)) == []


@pytest.mark.parametrize("side", ["above", "below"])
@pytest.mark.parametrize(("profile", "metric", "lower", "upper", "unit", "avg"), RANGES)
def test_range_warns_at_once_and_is_critical_after_an_hour_outside(
    profile: str, metric: str, lower: float, upper: float, unit: str, avg: None, side: str
) -> None:
    value = upper + 2 if side == "above" else lower - 2
    changes = feed(evaluator(profile), metric, [value] * 90, T0, MIN)
    assert [(i, c.action, c.key.severity) for i, b in enumerate(changes) for c in b] == [
        (0, "open", "warning"),
        (60, "open", "critical"),
    ]


def test_early_warning_says_it_is_not_a_breach_of_the_regulation() -> None:
    [warning] = evaluator().observe(reading(T0, pm25=80.0))
    assert warning.key == AlertKey("b1", "r1", "pm25", "warning")
    assert "early warning, not a breach" in warning.message
    assert warning.limit == "≤ 35 µg/m³ (24 h mean)"


def test_critical_message_names_the_source() -> None:
    changes = feed(evaluator(), "co2", [1500.0] * 18, T0, 20 * MIN)
    assert "Permenkes 1077/2011" in changes[17][0].message


def test_critical_needs_75_percent_coverage() -> None:
    ev = evaluator()
    changes = feed(ev, "pm25", [50.0] * 17, T0, HOUR)
    assert flat(changes) == [("open", "warning")]
    assert ev.snapshot("b1", "r1")["pm25"].insufficient_data
    assert flat([ev.observe(reading(T0 + 17 * HOUR, pm25=50.0))]) == [("open", "critical")]


def test_insufficient_coverage_neither_opens_nor_clears_a_critical() -> None:
    ev = evaluator()
    feed(ev, "pm25", [50.0] * 18, T0, HOUR)
    # Twelve silent hours: the window at hour 30 holds hours 7..17 and 30, 12 of 24 slots.
    changes = ev.observe(reading(T0 + 30 * HOUR, pm25=0.0))
    assert flat([changes]) == [("clear", "warning")]
    snap = ev.snapshot("b1", "r1")["pm25"]
    assert (snap.status, snap.insufficient_data, snap.coverage) == ("critical", True, 0.5)


def test_slot_means_keep_a_chatty_sensor_from_outweighing_the_day() -> None:
    ev = evaluator()
    feed(ev, "pm25", [20.0] * 18, T0, HOUR, sensor="quiet")
    busy = feed(ev, "pm25", [200.0] * 360, T0 + 18 * HOUR, 10 * timedelta(seconds=1), sensor="busy")
    assert ("open", "critical") not in flat(busy)
    assert ev.snapshot("b1", "r1")["pm25"].compliance_mean == pytest.approx((18 * 20 + 200) / 19)


def test_sensors_in_one_room_feed_the_same_window() -> None:
    ev = evaluator()
    feed(ev, "co2", [1500.0] * 9, T0, 20 * MIN, sensor="a")
    changes = feed(ev, "co2", [1500.0] * 9, T0 + 180 * MIN, 20 * MIN, sensor="b")
    assert ("open", "critical") in flat(changes)  # 18 slots between them, none on its own


def test_alert_clears_only_after_value_is_back_inside_the_margin() -> None:
    ev = evaluator()  # temperature 18–30 °C: a warning clears at 28.5 °C or less
    assert flat(feed(ev, "temperature", [31.0] * 10, T0, MIN)) == [("open", "warning")]
    assert flat(feed(ev, "temperature", [29.0] * 20, T0 + 10 * MIN, MIN)) == []
    changes = feed(ev, "temperature", [28.0] * 10, T0 + 30 * MIN, MIN)
    cleared = next(i for i, batch in enumerate(changes) if batch)
    assert flat(changes) == [("clear", "warning")]
    assert changes[cleared][0].value == pytest.approx(28.5)  # 5 slots of 29 and 5 of 28


def test_oscillation_around_threshold_opens_one_alert() -> None:
    ev = evaluator()  # eight minutes at 31 °C, eight at 29 °C: the 10-min mean crosses 30 often
    changes, above = [], []
    for i in range(240):
        changes += ev.observe(reading(T0 + i * MIN, temperature=29.0 if (i // 8) % 2 else 31.0))
        above.append((ev.snapshot("b1", "r1")["temperature"].short_mean or 0) > 30)
    assert sum(a != b for a, b in zip(above, above[1:], strict=False)) > 20
    assert [(c.action, c.key.severity) for c in changes] == [("open", "warning")]


def test_range_critical_needs_an_unbroken_hour_outside() -> None:
    ev = evaluator()
    values = [32.0] * 50 + [20.0] * 10 + [32.0] * 50
    changes = feed(ev, "temperature", values, T0, MIN)
    assert ("open", "critical") not in flat(changes)


def test_range_critical_delay_is_configurable() -> None:
    ev = evaluator(config=EvaluationConfig(range_critical_after=timedelta(minutes=20)))
    changes = feed(ev, "humidity", [70.0] * 30, T0, MIN)
    assert [i for i, batch in enumerate(changes) if batch] == [0, 20]


def test_averaged_critical_clears_when_its_own_mean_is_back_inside_the_margin() -> None:
    ev = evaluator()  # PM2.5 ≤ 35: clears at 33.25 µg/m³ or less over 24 h
    feed(ev, "pm25", [40.0] * 24, T0, HOUR)
    changes = feed(ev, "pm25", [30.0] * 24, T0 + 24 * HOUR, HOUR)
    critical = [(i, c) for i, b in enumerate(changes) for c in b if c.key.severity == "critical"]
    assert [(i, c.action) for i, c in critical] == [(16, "clear")]  # (7·40 + 17·30)/24 ≤ 33.25
    assert critical[0][1].value == pytest.approx((7 * 40 + 17 * 30) / 24)


def test_one_open_per_key_whatever_the_message_rate() -> None:
    ev = evaluator()
    changes = []
    for second in range(600):
        changes += [ev.observe(reading(T0 + second * MIN / 60, sensor=f"s{second % 10}", co2=2e3))]
    assert flat(changes) == [("open", "warning")]


def test_late_reading_gives_same_verdict_as_live() -> None:
    co2 = [800.0 + 15 * i for i in range(60)] + [800.0] * 60  # rises past 1000, then falls
    live, late = evaluator(), evaluator()
    live_changes: list[AlertChange] = []
    for i, value in enumerate(co2):
        live_changes += live.observe(reading(T0 + i * 5 * MIN, co2=value))
        live.observe(reading(T0 + i * 5 * MIN, room="r2", co2=600.0))
    feed(late, "co2", [600.0] * 300, T0, 5 * MIN, room="r2")  # r2 is a day ahead already
    late_changes = sum(feed(late, "co2", co2, T0, 5 * MIN), [])
    assert late_changes == live_changes
    assert {(c.action, c.key.severity) for c in live_changes} == {
        ("open", "warning"),
        ("open", "critical"),
        ("clear", "warning"),
    }


def test_out_of_order_reading_counts_in_the_means_but_decides_nothing_itself() -> None:
    ev = evaluator()
    feed(ev, "co2", [800.0] * 101, T0, MIN)
    assert ev.observe(reading(T0 + 95 * MIN + 30 * timedelta(seconds=1), co2=5000.0)) == []
    [warning] = ev.observe(reading(T0 + 101 * MIN, co2=800.0))
    assert (warning.action, warning.at) == ("open", T0 + 101 * MIN)
    assert warning.value == pytest.approx((9 * 800 + 2900) / 10)


def test_restored_open_alert_is_not_opened_again_and_clears_when_back_inside() -> None:
    ev = evaluator()
    ev.restore_open([AlertKey("b1", "r1", "co2", "warning")])
    assert flat(feed(ev, "co2", [1500.0] * 5, T0, MIN)) == []
    assert flat(feed(ev, "co2", [900.0] * 10, T0 + 5 * MIN, MIN)) == [("clear", "warning")]


def test_restored_critical_clears_only_once_coverage_allows_a_verdict() -> None:
    ev = evaluator()
    ev.restore_open([AlertKey("b1", "r1", "pm25", "critical")])
    changes = feed(ev, "pm25", [10.0] * 24, T0, HOUR)
    assert [i for i, batch in enumerate(changes) if batch] == [17]
    assert ev.open_keys() == set()


def test_clear_is_never_sent_for_an_alert_that_is_not_open() -> None:
    assert flat(feed(evaluator(), "co2", [500.0] * 100, T0, 5 * MIN)) == []


def test_office_override_narrows_temperature_range_for_that_room_only() -> None:
    ev = evaluator(overrides={("b1", "office"): OFFICE_WORK_ROOM})
    [warning] = ev.observe(reading(T0, room="office", temperature=27.0))
    assert warning.limit == "23–26 °C"
    assert ev.observe(reading(T0, room="lab", temperature=27.0)) == []


def test_metric_without_a_limit_in_the_profile_is_not_evaluated() -> None:
    co2 = Limit(metric="co2", upper=1000, unit="ppm", averaging=timedelta(hours=8), source="s")
    ev = Evaluator(Profile(name="co2-only", title="t", source="s", limits=(co2,)))
    assert ev.observe(reading(T0, temperature=99.0, co2=400.0)) == []
    assert list(ev.snapshot("b1", "r1")) == ["co2"]


def test_snapshot_gives_means_coverage_and_status_for_the_colour_grid() -> None:
    ev = evaluator()
    feed(ev, "pm25", [50.0] * 18, T0, HOUR)
    feed(ev, "co2", [500.0] * 3, T0, MIN)
    snap = ev.snapshot("b1", "r1")
    assert (snap["pm25"].status, snap["pm25"].coverage, snap["pm25"].compliance_mean) == (
        "critical",
        0.75,
        50.0,
    )
    assert (snap["co2"].status, snap["co2"].short_mean) == ("insufficient_data", 500.0)
    assert snap["pm25"].newest == T0 + 17 * HOUR


def test_snapshot_at_a_later_time_lets_old_readings_age_out() -> None:
    ev = evaluator()
    feed(ev, "temperature", [25.0] * 3, T0, MIN)
    assert ev.snapshot("b1", "r1")["temperature"].status == "ok"
    later = ev.snapshot("b1", "r1", at=T0 + HOUR)["temperature"]
    assert (later.short_mean, later.status) == (None, "insufficient_data")


def test_snapshot_of_an_unknown_room_is_empty() -> None:
    assert evaluator().snapshot("b1", "nowhere") == {}


@pytest.mark.parametrize(
    "fields",
    [
        {"short_window": timedelta(0)},
        {"compliance_slots": 0},
        {"hysteresis": 1.5},
        {"min_coverage": 0.0},
    ],
)
def test_nonsensical_config_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EvaluationConfig(**fields)  # type: ignore[arg-type]
