"""Pure parts of the air-quality views: cell status and compliance scoring (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ingest.domain.profiles import load_profile
from web.iaq.compliance import MetricScore, month_bounds, score, window_of
from web.iaq.grid import OpenAlert, Place, build_grid, cell_status, reported_metrics
from web.iaq.readings import Window

PROFILE = load_profile("permenkes-1077-2011")
PM25 = PROFILE.evaluated_limits()["pm25"]
HUMIDITY = PROFILE.evaluated_limits()["humidity"]


def test_open_alerts_decide_before_the_latest_value() -> None:
    assert cell_status(20.0, PM25, {"critical", "warning"}) == "critical"
    assert cell_status(20.0, PM25, {"warning"}) == "warning"
    assert cell_status(None, PM25, set()) == "no_data"
    assert cell_status(36.0, PM25, set()) == "warning"
    assert cell_status(35.0, PM25, set()) == "ok"
    assert cell_status(39.0, HUMIDITY, set()) == "warning"


def test_grid_adds_rooms_only_seen_in_readings_or_alerts() -> None:
    places = [Place("hq", "l1", "lobby", "Lobi")]
    latest = {("hq", "lobby"): {"co2": 700.0}, ("hq", "r9"): {"co2": 1200.0}}
    alerts = [OpenAlert(1, "annex", "gudang", None, "warning", "offline")]
    grid = build_grid(places, latest, alerts, PROFILE)
    assert [b.building for b in grid] == ["annex", "hq"]
    annex_room = grid[0].floors[0].rooms[0]
    assert annex_room.sensor_alerts and annex_room.status == "no_data"
    hq_rooms = [r.room for f in grid[1].floors for r in f.rooms]
    assert sorted(hq_rooms) == ["lobby", "r9"]
    r9 = next(r for f in grid[1].floors for r in f.rooms if r.room == "r9")
    cell = r9.cell("co2")
    assert cell is not None and cell.status == "warning"


def test_only_metrics_some_room_reads_or_alerts_on_get_tiles() -> None:
    places = [Place("hq", "l1", "lobby", "Lobi"), Place("hq", "l2", "r201", "Rapat")]
    latest = {("hq", "lobby"): {"co2": 700.0, "temperature": 24.0}, ("hq", "r201"): {"co2": 900.0}}
    alerts = [
        OpenAlert(1, "hq", "r201", "hcho", "critical", "threshold"),  # an alert, no reading
        OpenAlert(2, "hq", "lobby", None, "warning", "offline"),  # a sensor alert: no metric
    ]
    cards = [
        r for b in build_grid(places, latest, alerts, PROFILE) for f in b.floors for r in f.rooms
    ]
    assert reported_metrics(cards) == ("temperature", "co2", "hcho")  # in the usual order
    assert reported_metrics([]) == ()
    assert reported_metrics(c for c in cards if c.room == "lobby") == ("temperature", "co2")


def _window(mean: float | None, slots: int) -> Window:
    return Window(datetime(2026, 3, 1, tzinfo=UTC), {"pm25": mean}, {"pm25": slots})


def test_a_window_counts_only_with_75_percent_of_its_slots() -> None:
    windows = [_window(20, 24), _window(20, 18), _window(50, 17), _window(50, 24), _window(None, 0)]
    result = score("pm25", PM25, windows, total=10)
    assert (result.covered, result.compliant) == (3, 2)
    assert result.share == 2 / 3 and result.coverage == 0.3
    assert result.worst == 50


def test_no_coverage_means_no_share_rather_than_zero() -> None:
    result = score("pm25", PM25, [_window(10, 5)], total=3)
    assert result.share is None and result.coverage == 0


def test_building_totals_fold_room_scores() -> None:
    total = MetricScore("pm25", PM25, timedelta(hours=24))
    total.add(MetricScore("pm25", PM25, timedelta(hours=24), 10, 8, 8, 30.0))
    total.add(MetricScore("pm25", PM25, timedelta(hours=24), 10, 2, 1, 40.0))
    assert (total.total, total.covered, total.compliant, total.worst) == (20, 10, 9, 40.0)


def test_windows_follow_each_limits_averaging_time() -> None:
    assert window_of(PM25) == timedelta(hours=24)
    assert window_of(HUMIDITY) == timedelta(hours=1)  # ranges: hourly means


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
    result = score("humidity", HUMIDITY, hourly, total=3)
    assert (result.covered, result.compliant) == (2, 1)


def test_floors_sort_naturally_with_unplaced_rooms_last() -> None:
    places = [
        Place("hq", floor, f"r-{floor or 'none'}", floor)
        for floor in ("lt10", "default", "lt2", "b1", "lt1")
    ]
    grid = build_grid(places, {}, [], PROFILE)
    assert [f.floor for f in grid[0].floors] == ["b1", "lt1", "lt2", "lt10", "default"]
    assert all(room.silent for f in grid[0].floors for room in f.rooms)
