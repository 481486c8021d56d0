"""A merged room's readings history, against a real InfluxDB 1.x: readings filed under the
typo code stay part of the room's charts and compliance after the merge."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from maintenance.domain.transitions import Actor
from tests.web.conftest import NOW, TEST_CONFIG, FixedClockContainer, login, make_settings
from tests.web.influx_support import write_readings
from udara.devservers import ManagedServer
from web import create_app

ADMIN = Actor("fm", "facility_manager")


@pytest.fixture
def live(seeded_url: str, influxdb: ManagedServer, influx_db_name: str) -> FixedClockContainer:
    """The seeded database (hq: lobby, r201) and a fresh InfluxDB database."""
    container = FixedClockContainer(
        make_settings(
            seeded_url, influx_url=f"http://127.0.0.1:{influxdb.port}", influx_db=influx_db_name
        ),
        NOW,
    )
    container.influx.create_database()
    return container


@pytest.fixture
def fm(live: FixedClockContainer) -> FlaskClient:
    """A facility manager signed in."""
    return login(create_app(live, TEST_CONFIG).test_client(), "fm")


def _minutes(start: datetime, count: int, value: float) -> list[tuple[datetime, dict[str, float]]]:
    return [(start + timedelta(minutes=m), {"co2": value}) for m in range(count)]


def test_the_chart_of_a_room_includes_what_its_merged_typo_recorded(
    live: FixedClockContainer, fm: FlaskClient
) -> None:
    hour_ago = NOW - timedelta(hours=1)
    # A sensor published under the typo for the first half hour, then under the right code.
    write_readings(live.influx, "hq", "lobbi", _minutes(hour_ago, 30, 900.0), sensor="s7")
    write_readings(
        live.influx, "hq", "lobby", _minutes(hour_ago + timedelta(minutes=30), 30, 700.0)
    )
    write_readings(live.influx, "hq", "r201", _minutes(hour_ago, 60, 1500.0))  # not mixed in
    live.location_service.discover_rooms([("hq", "lobbi")])
    query = {"metric": "co2", "start": hour_ago.isoformat(), "every": "30m"}

    before = fm.get("/api/v1/rooms/hq/lobby/readings", query_string=query).get_json()
    assert [p["values"]["co2"] for p in before["points"]] == [700.0]

    live.building_service.merge_rooms(ADMIN, "hq", "lobbi", "lobby", NOW)
    after = fm.get("/api/v1/rooms/hq/lobby/readings", query_string=query).get_json()
    assert [p["values"]["co2"] for p in after["points"]] == [900.0, 700.0]
    assert fm.get("/api/v1/rooms/hq/lobbi/readings").status_code == 404  # no room of its own


def test_compliance_counts_a_merged_typo_as_part_of_its_room(
    live: FixedClockContainer, fm: FlaskClient
) -> None:
    # 1 March (Jakarta) recorded under the typo, 2 March under the room's code: hourly PM2.5.
    day = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    for code, offset, value in (("lobbi", 0, 20.0), ("lobby", 1, 50.0)):
        points = [
            (day + timedelta(days=offset, minutes=m), {"pm25": value}) for m in range(0, 1440, 30)
        ]
        write_readings(live.influx, "hq", code, points)
    live.location_service.discover_rooms([("hq", "lobbi")])
    live.building_service.merge_rooms(ADMIN, "hq", "lobbi", "lobby", NOW)

    rows = list(
        csv.DictReader(io.StringIO(fm.get("/compliance.csv?month=2026-03&building=hq").text))
    )
    pm25 = {r["room"]: r for r in rows if r["metric"] == "pm25"}
    assert "lobbi" not in pm25
    assert (pm25["lobby"]["covered"], pm25["lobby"]["compliant"]) == ("2", "1")


def test_a_window_both_codes_reported_in_is_one_window_of_the_room(
    live: FixedClockContainer,
) -> None:
    day = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    # Both codes report every hour of 1 March, in different slots: 20 and 40 → mean 30.
    for code, minute, value in (("lobbi", 0, 20.0), ("lobby", 30, 40.0)):
        points = [(day + timedelta(hours=h, minutes=minute), {"pm25": value}) for h in range(24)]
        write_readings(live.influx, "hq", code, points)
    live.location_service.discover_rooms([("hq", "lobbi")])
    live.building_service.merge_rooms(ADMIN, "hq", "lobbi", "lobby", NOW)
    windows = live.iaq_readings.windows(
        "hq", day, day + timedelta(days=1), timedelta(days=1), 24, ["pm25"], timedelta(hours=17)
    )  # windows start at midnight in Jakarta
    assert set(windows) == {"lobby"}
    [window] = windows["lobby"]
    assert window.means["pm25"] == pytest.approx(30.0)
    assert window.slots["pm25"] == 24  # both filled the same hourly slots: never above 24
