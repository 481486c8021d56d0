"""Compliance scoring (pure): covered and compliant windows per limit, building totals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ingest.domain.compliance import (
    MetricScore,
    Window,
    building_score,
    month_bounds,
    score,
    window_of,
    windows_to_read,
)
from ingest.domain.evaluation import EvaluationConfig
from ingest.domain.profiles import Limit, load_profile

PROFILE = load_profile("permenkes-1077-2011")
PM25 = PROFILE.evaluated_limits()["pm25"]
HUMIDITY = PROFILE.evaluated_limits()["humidity"]
CONFIG = EvaluationConfig()


def _window(mean: float | None, slots: int) -> Window:
    return Window(datetime(2026, 3, 1, tzinfo=UTC), {"pm25": mean}, {"pm25": slots})


def test_a_window_counts_only_with_75_percent_of_its_slots() -> None:
    windows = [_window(20, 24), _window(20, 18), _window(50, 17), _window(50, 24), _window(None, 0)]
    result = score("pm25", PM25, windows, total=10, config=CONFIG)
    assert (result.covered, result.compliant) == (3, 2)
    assert result.share == 2 / 3 and result.coverage == 0.3
    assert result.worst == 50


def test_no_coverage_means_no_share_rather_than_zero() -> None:
    result = score("pm25", PM25, [_window(10, 5)], total=3, config=CONFIG)
    assert result.share is None and result.coverage == 0


def test_building_totals_fold_room_scores() -> None:
    total = MetricScore("pm25", PM25, timedelta(hours=24))
    total.add(MetricScore("pm25", PM25, timedelta(hours=24), 10, 8, 8, 30.0))
    total.add(MetricScore("pm25", PM25, timedelta(hours=24), 10, 2, 1, 40.0))
    assert (total.total, total.covered, total.compliant, total.worst) == (20, 10, 9, 40.0)


def test_windows_follow_each_limits_averaging_time() -> None:
    assert window_of(PM25, CONFIG) == timedelta(hours=24)
    assert window_of(HUMIDITY, CONFIG) == timedelta(hours=1)  # ranges: hourly means


def test_month_bounds_are_local_and_stop_now() -> None:
    now = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    start, end = month_bounds(date(2026, 3, 1), "Asia/Jakarta", now)
    assert start.astimezone(UTC) == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    assert end == now
    start, end = month_bounds(date(2025, 12, 1), "Asia/Jakarta", now)
    assert end.astimezone(UTC) == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)


def test_ranges_are_judged_on_hourly_means_of_five_minute_slots() -> None:
    hourly = [
        Window(datetime(2026, 3, 1, tzinfo=UTC), {"humidity": 50.0}, {"humidity": 9}),
        Window(datetime(2026, 3, 1, 1, tzinfo=UTC), {"humidity": 70.0}, {"humidity": 12}),
        Window(datetime(2026, 3, 1, 2, tzinfo=UTC), {"humidity": 50.0}, {"humidity": 8}),
    ]
    result = score("humidity", HUMIDITY, hourly, total=3, config=CONFIG)
    assert (result.covered, result.compliant) == (2, 1)


def test_a_bound_itself_is_inside_the_limit() -> None:
    assert PM25.contains(35.0) and not PM25.contains(35.01)
    assert HUMIDITY.contains(40.0) and HUMIDITY.contains(60.0)
    assert not HUMIDITY.contains(39.9) and not HUMIDITY.contains(60.1)
    lux = Limit(metric="lighting", lower=60, unit="lux", source="test")
    assert lux.contains(1e9) and not lux.contains(59)


def test_coverage_rules_come_from_the_evaluation_config() -> None:
    strict = EvaluationConfig(min_coverage=1.0, compliance_slots=12)
    windows = [_window(20, 11), _window(20, 12)]
    assert score("pm25", PM25, windows, total=2, config=strict).covered == 1
    assert score("pm25", PM25, windows, total=2, config=CONFIG).covered == 0  # of 24 slots


def test_windows_are_read_once_per_size_and_start_at_local_midnight() -> None:
    now = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    start, end = month_bounds(date(2026, 3, 1), "Asia/Jakarta", now)
    reads = {read.window: read for read in windows_to_read(PROFILE, CONFIG, start, end)}
    assert set(reads) == {timedelta(hours=24), timedelta(hours=8), timedelta(minutes=30),
                          timedelta(hours=1)}  # fmt: skip
    day = reads[timedelta(hours=24)]
    assert set(day.metrics) == {"pm25", "pm10"} and day.total == 2
    assert day.shift == timedelta(hours=17)  # 00:00 WIB is 17:00 UTC
    assert reads[timedelta(hours=1)].slots == CONFIG.range_slots


def test_a_building_scores_its_rooms_and_totals_rooms_only_seen_in_readings() -> None:
    now = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    start, end = month_bounds(date(2026, 3, 1), "Asia/Jakarta", now)
    reads = windows_to_read(PROFILE, CONFIG, start, end)
    day = next(read for read in reads if read.window == timedelta(hours=24))
    found = [
        (read, {"r1": [_window(20, 24), _window(50, 24)], "r9": [_window(10, 20)]})
        if read is day
        else (read, {})
        for read in reads
    ]
    result = building_score(PROFILE, CONFIG, "hq", "Asia/Jakarta", ["r1", "r2"], found)
    assert [room.room for room in result.rooms] == ["r1", "r2", "r9"]
    total = result.totals["pm25"]
    assert (total.covered, total.compliant, total.worst) == (3, 2, 50)


def test_a_metric_with_flagged_readings_is_read_on_its_own_without_them() -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=2)
    plain = {r.metrics: r for r in windows_to_read(PROFILE, CONFIG, start, end)}
    assert all(not r.exclude_flagged for r in plain.values())
    reads = windows_to_read(PROFILE, CONFIG, start, end, flagged={"co2", "humidity"})
    by_metrics = {r.metrics: r for r in reads}
    assert by_metrics[("co2",)].exclude_flagged and by_metrics[("humidity",)].exclude_flagged
    assert by_metrics[("co",)].window == by_metrics[("co2",)].window == timedelta(hours=8)
    assert ("temperature",) in by_metrics and not by_metrics[("temperature",)].exclude_flagged
    assert sorted(m for r in reads for m in r.metrics) == sorted(m for k in plain for m in k)


def test_windows_whose_flagged_slots_were_left_out_score_on_what_remains() -> None:
    """A stuck CO2 sensor read 1500 ppm for 12 of the 24 slots of an 8 h window, the room's
    air 600 ppm in the other 12: counted, the window breaches. Left out, those slots are
    empty and the window is not covered (12 < 18): a broken sensor neither breaches nor
    complies on the room's behalf. The next window, stuck for 4 slots, stays covered."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    co2 = PROFILE.evaluated_limits()["co2"]
    with_flags = [
        Window(start, {"co2": (12 * 1500 + 12 * 600) / 24}, {"co2": 24}),
        Window(start + timedelta(hours=8), {"co2": (4 * 1500 + 20 * 600) / 24}, {"co2": 24}),
    ]
    without = [
        Window(start, {"co2": 600.0}, {"co2": 12}),
        Window(start + timedelta(hours=8), {"co2": 600.0}, {"co2": 20}),
    ]
    counted = score("co2", co2, with_flags, 2, CONFIG)
    assert (counted.covered, counted.compliant, counted.worst) == (2, 1, 1050.0)
    result = score("co2", co2, without, 2, CONFIG)
    assert (result.covered, result.compliant, result.worst) == (1, 1, 600.0)
    reads = windows_to_read(PROFILE, CONFIG, start, start + timedelta(hours=16), {"co2"})
    found = [(r, {"r1": without if r.metrics == ("co2",) else []}) for r in reads]
    room = building_score(PROFILE, CONFIG, "b", "UTC", ["r1"], found).rooms[0]
    assert (room.metrics["co2"].covered, room.metrics["co2"].compliant) == (1, 1)
