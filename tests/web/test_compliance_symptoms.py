"""Sick building syndrome in the compliance report: per room and month, occupants' symptom
reports beside the CO2, PM2.5, temperature and humidity recorded with them, on the page, the
printable version and the CSV (real InfluxDB for the readings the reports record)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask

from occupants.services.requests import ReportInput
from tests.web.conftest import (
    NOW,
    PASSWORD,
    TEST_CONFIG,
    FixedClockContainer,
    Seed,
    login,
)
from tests.web.influx_support import write_readings
from web import create_app

STUFFY = {"co2": 1450.0, "pm25": 30.0, "temperature": 27.0, "humidity": 70.0}


def report(live: FixedClockContainer, room: str, data: ReportInput, at: object = None) -> None:
    place = live.room_links.resolve(live.room_links.link("hq", room).token)
    assert place is not None
    if at is not None:
        live.now = at  # type: ignore[assignment]
    live.occupant_requests.report(place, data)
    live.now = NOW


@pytest.fixture
def reported(live: FixedClockContainer, seeded: Seed) -> Flask:
    """In March: two symptom reports in r201 (stuffy air recorded with them), one in the
    lobby without readings; reports that are not about symptoms; one in February."""
    recent = [NOW - timedelta(minutes=m) for m in range(1, 11)]
    write_readings(live.influx, "hq", "r201", [(t, STUFFY) for t in recent])
    report(live, "r201", ReportInput("symptoms", symptoms=["headache", "fatigue"]))
    later = NOW + timedelta(minutes=5)
    write_readings(live.influx, "hq", "r201",
                   [(later - timedelta(minutes=1), {**STUFFY, "co2": 1650.0})])  # fmt: skip
    report(live, "r201", ReportInput("stuffy", symptoms=["headache"]), later)
    report(live, "r201", ReportInput("stuffy"))  # stuffy, but nobody felt unwell
    report(live, "r201", ReportInput("dirty", "kotor"))
    report(live, "lobby", ReportInput("symptoms", "pusing"))  # no symptoms ticked, no readings
    report(live, "r201", ReportInput("symptoms", symptoms=["cough"]), NOW - timedelta(days=20))
    return create_app(live, TEST_CONFIG)


def test_the_csv_sets_symptom_reports_beside_the_air_recorded_with_them(reported: Flask) -> None:
    fm = login(reported.test_client(), "fm")
    answer = fm.get("/compliance.csv?month=2026-03&building=hq")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    by = {(r["room"], r["metric"]): r for r in rows}
    assert by[("r201", "co2")]["symptom_reports"] == "2"
    assert by[("r201", "co2")]["mean_at_symptom_reports"] == "1550.0000"  # 1450 and 1650
    assert by[("r201", "temperature")]["mean_at_symptom_reports"] == "27.0000"
    assert by[("r201", "humidity")]["mean_at_symptom_reports"] == "70.0000"
    assert by[("r201", "pm25")]["mean_at_symptom_reports"] == "30.0000"
    assert by[("lobby", "co2")]["symptom_reports"] == "1"  # counted, without readings
    assert by[("lobby", "co2")]["mean_at_symptom_reports"] == ""
    assert by[("*", "co2")]["symptom_reports"] == "3"
    assert by[("*", "co2")]["mean_at_symptom_reports"] == "1550.0000"
    others = [r for r in rows if r["metric"] not in ("co2", "pm25", "temperature", "humidity")]
    assert all(r["mean_at_symptom_reports"] == "" for r in others)
    february = fm.get("/compliance.csv?month=2026-02&building=hq").get_data(as_text=True)
    feb = {(r["room"], r["metric"]): r for r in csv.DictReader(io.StringIO(february))}
    assert feb[("r201", "co2")]["symptom_reports"] == "1"


def test_the_page_and_print_version_list_each_symptom_report_with_its_air(
    reported: Flask,
) -> None:
    fm = login(reported.test_client(), "fm")
    for path in ("/compliance?month=2026-03&building=hq", "/compliance/print?month=2026-03"):
        html = fm.get(path).get_data(as_text=True)
        start = html.index('<table class="symptoms" data-building="hq">')
        table = html[start : html.index("</table>", start)]
        assert table.count('data-room="r201"') == 3  # two reports and the room's summary
        assert table.count('data-room="lobby"') == 2
        assert "Sakit kepala" in table and "Lelah" in table  # Indonesian by default
        assert "1.450" in table and "1.650" in table and "1.550" in table  # and their mean
        assert "Ruang Rapat 201" in table
        assert "kotor" not in table and "pusing" not in table  # no messages, only symptoms
    english = fm.get("/compliance?month=2026-03&building=hq&lang=en").get_data(as_text=True)
    assert "Occupants&#39; symptom reports" in english or "Occupants' symptom reports" in english
    assert "Headache" in english and "Reports: 2" in english
    quiet = fm.get("/compliance?month=2026-01&building=hq&lang=en").get_data(as_text=True)
    assert "No symptom reports from occupants this month." in quiet


def test_symptom_reports_of_another_building_stay_out(
    reported: Flask, live: FixedClockContainer
) -> None:
    live.location_service.save_building("annex", "Annex", "Asia/Jakarta")
    live.user_service.create("fm-annex", "facility_manager", NOW, password=PASSWORD,
                             buildings=("annex",))  # fmt: skip
    other = login(reported.test_client(), "fm-annex")
    html = other.get("/compliance?month=2026-03").get_data(as_text=True)
    assert 'data-building="hq"' not in html and "Sakit kepala" not in html
    text = other.get("/compliance.csv?month=2026-03").get_data(as_text=True)
    assert ",hq," not in text
