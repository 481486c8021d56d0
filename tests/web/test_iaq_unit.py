"""Pure parts of the air-quality views: cell status and the room grid (no I/O); compliance
scoring is tested in tests/unit/test_compliance.py."""

from __future__ import annotations

from ingest.domain.profiles import load_profile
from web.iaq.grid import OpenAlert, Place, build_grid, cell_status, reported_metrics

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


def test_a_faulty_sensor_is_a_sensor_alert_of_the_room_not_a_verdict_on_its_metric() -> None:
    places = [Place("hq", "l1", "lobby", "Lobi")]
    latest = {("hq", "lobby"): {"co2": 700.0}}
    alerts = [OpenAlert(1, "hq", "lobby", "co2", "warning", "faulty")]
    [card] = build_grid(places, latest, alerts, PROFILE)[0].floors[0].rooms
    assert [(a.kind, a.metric) for a in card.sensor_alerts] == [("faulty", "co2")]
    cell = card.cell("co2")
    assert cell is not None and (cell.status, cell.alert_ids) == ("ok", ())


def test_floors_sort_naturally_with_unplaced_rooms_last() -> None:
    places = [
        Place("hq", floor, f"r-{floor or 'none'}", floor)
        for floor in ("lt10", "default", "lt2", "b1", "lt1")
    ]
    grid = build_grid(places, {}, [], PROFILE)
    assert [f.floor for f in grid[0].floors] == ["b1", "lt1", "lt2", "lt10", "default"]
    assert all(room.silent for f in grid[0].floors for room in f.rooms)
