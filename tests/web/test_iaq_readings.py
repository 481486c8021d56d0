"""Air-quality pages and the rooms/readings API against a real InfluxDB 1.x."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.profiles import Limit, load_profile
from tests.support.sql import Statements
from tests.web.conftest import NOW, TEST_CONFIG, FixedClockContainer, Seed, login, make_settings
from tests.web.influx_support import write_readings
from udara.devservers import ManagedServer
from web import create_app, labels

PROFILE = load_profile("permenkes-1077-2011")


@pytest.fixture
def live(seeded_url: str, influxdb: ManagedServer, influx_db_name: str) -> FixedClockContainer:
    """A container over the seeded database and a real InfluxDB with a fresh database."""
    container = FixedClockContainer(
        make_settings(
            seeded_url, influx_url=f"http://127.0.0.1:{influxdb.port}", influx_db=influx_db_name
        ),
        NOW,
    )
    container.influx.create_database()
    return container


@pytest.fixture
def live_seed(live: FixedClockContainer, seeded_template: tuple[object, Seed]) -> Seed:
    """Seeded people and places, and readings for the last ten minutes in both rooms."""
    found = seeded_template[1]
    recent = [NOW - timedelta(minutes=m) for m in range(1, 11)]
    write_readings(
        live.influx, "hq", "lobby", [(t, {"co2": 800, "temperature": 25.5}) for t in recent]
    )
    write_readings(live.influx, "hq", "r201", [(t, {"co2": 1250, "humidity": 70}) for t in recent])
    return found


@pytest.fixture
def fm(live: FixedClockContainer, live_seed: Seed) -> FlaskClient:
    """A facility manager signed in to an app over the real InfluxDB."""
    return login(create_app(live, TEST_CONFIG).test_client(), "fm")


def _card(html: str, room: str) -> str:
    start = html.index(f'data-room="hq/{room}"')
    return html[start : html.index("</article>", start)]


def _tiles(html: str, room: str) -> dict[str, str]:
    """Status per metric tile of one room's card, in the order shown."""
    return dict(re.findall(r'data-metric="([a-z0-9]+)" data-status="([a-z_]+)"', _card(html, room)))


def _cell(html: str, room: str, metric: str) -> str:
    return _tiles(html, room)[metric]


def test_grid_colours_each_metric_by_alert_and_latest_value(fm: FlaskClient) -> None:
    html = fm.get("/rooms").get_data(as_text=True)
    assert _cell(html, "lobby", "co2") == "ok"
    assert _cell(html, "lobby", "temperature") == "ok"
    assert _cell(html, "lobby", "humidity") == "no_data"  # r201 reports humidity, lobby does not
    assert _cell(html, "r201", "co2") == "warning"  # the open warning alert
    assert _cell(html, "r201", "humidity") == "warning"  # 70 % is outside 40–60 %
    assert "Permenkes RI No. 1077/MENKES/PER/V/2011" in html
    assert "permenkes-2-2023" in html  # the successor is named


def test_grid_shows_tiles_only_for_metrics_some_room_reports(
    live: FixedClockContainer, fm: FlaskClient
) -> None:
    html = fm.get("/rooms").get_data(as_text=True)
    # lobby reads CO2 and temperature, r201 CO2 and humidity: no tile for the other four
    assert list(_tiles(html, "lobby")) == ["temperature", "humidity", "co2"]
    assert list(_tiles(html, "r201")) == ["temperature", "humidity", "co2"]
    assert html.count('class="tile ') == 6
    assert 'data-metrics="pm25 pm10 co hcho"' in html  # and the page says which it leaves out
    assert "Tidak ditampilkan: PM2.5, PM10, CO, Formaldehida." in html
    english = fm.get("/rooms?partial=1&lang=en").get_data(as_text=True)
    assert "Not shown: PM2.5, PM10, CO, Formaldehyde. No room here reported them" in english
    # an open alert shows its metric even without a reading, on every card
    live.alert_service.apply(
        [AlertChange("open", AlertKey("hq", "r201", "hcho", "critical"), NOW, value=0.4)]
    )
    write_readings(live.influx, "hq", "r201", [(NOW, {"pm25": 12.0})])
    html = fm.get("/rooms?partial=1").get_data(as_text=True)
    assert _tiles(html, "r201") == {
        "temperature": "no_data", "humidity": "warning", "co2": "warning", "pm25": "ok",
        "hcho": "critical",
    }  # fmt: skip
    assert _tiles(html, "lobby")["hcho"] == "no_data"
    assert 'data-metrics="pm10 co"' in html


def test_grid_shows_every_metric_while_readings_are_unavailable(
    as_user: Callable[[str], FlaskClient],
) -> None:
    html = as_user("fm").get("/rooms").get_data(as_text=True)  # InfluxDB does not answer
    assert "InfluxDB" in html
    assert _tiles(html, "r201") == {
        "temperature": "no_data", "humidity": "no_data", "co2": "warning", "pm25": "no_data",
        "pm10": "no_data", "co": "no_data", "hcho": "no_data",
    }  # fmt: skip
    assert 'id="hidden-metrics"' not in html


def _tile(html: str, room: str, metric: str) -> str:
    start = html.index(f'data-metric="{metric}"', html.index(f'data-room="hq/{room}"'))
    return html[html.rindex("<li", 0, start) : html.index("</li>", start)]


@pytest.mark.parametrize(
    ("lang", "co2_limit", "humidity_limit", "words"),
    [
        ("id", "≤ 1.000 ppm (rata-rata 8 jam)", "40–60 %", ("Baik", "Peringatan", "Kelembapan")),
        ("en", "≤ 1,000 ppm (8 h mean)", "40–60 %", ("OK", "Warning", "Humidity")),
    ],
)
def test_grid_tiles_show_value_limit_and_status_in_the_readers_language(
    fm: FlaskClient, lang: str, co2_limit: str, humidity_limit: str, words: tuple[str, ...]
) -> None:
    ok, warning, humidity = words
    for path in ("/rooms", "/rooms?partial=1"):
        html = fm.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").get_data(as_text=True)
        lobby_co2 = _tile(html, "lobby", "co2")
        assert f'title="{co2_limit}"' in lobby_co2
        assert '<span class="v">800 <small>ppm</small>' in lobby_co2
        assert f'<span class="st">{ok}</span>' in lobby_co2
        r201_humidity = _tile(html, "r201", "humidity")
        assert f'title="{humidity_limit}"' in r201_humidity
        assert f'<span class="m">{humidity}</span>' in r201_humidity
        assert f'<span class="st">{warning}</span>' in r201_humidity
        temperature = _tile(html, "lobby", "temperature")
        assert ("25,5" if lang == "id" else "25.5") + " <small>°C</small>" in temperature


def test_grid_words_each_limit_once_per_request_not_once_per_tile(
    live: FixedClockContainer, fm: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(40):
        live.location_service.save_room("hq", f"lt3-r{n}", floor="lt3")
        write_readings(live.influx, "hq", f"lt3-r{n}", [(NOW, {"co2": 600, "pm25": 10})])
    original, worded = labels.limit_text, []

    def counted(limit: Limit | None) -> str:
        worded.append(limit)
        return original(limit)

    monkeypatch.setattr(labels, "limit_text", counted)
    monkeypatch.setitem(fm.application.jinja_env.filters, "limit_text", counted)
    html = fm.get("/rooms?partial=1").get_data(as_text=True)
    assert html.count('title="≤ 1.000 ppm (rata-rata 8 jam)"') == 42
    # once per limit the grid shows (seven metrics), not once per tile (42 rooms x 7)
    assert len(worded) == len(set(worded)) <= len(PROFILE.evaluated_limits()), len(worded)


def test_grid_partial_is_only_the_fragment_for_live_refresh(fm: FlaskClient) -> None:
    html = fm.get("/rooms?partial=1").get_data(as_text=True)
    assert "<html" not in html
    assert 'data-room="hq/lobby"' in html


def test_grid_reads_the_rooms_once_in_a_few_statements(
    live: FixedClockContainer, fm: FlaskClient
) -> None:
    for n in range(40):
        live.location_service.save_room("hq", f"lt3-r{n}", floor="lt3")
    live.location_service.save_building("kosong", "Gedung Kosong", "Asia/Jayapura")
    statements = Statements(live.engine)
    page = fm.get("/rooms").get_data(as_text=True)
    # the signed-in user with their crews and buildings, the rooms, the open alerts, the
    # buildings of the picker (not 2 x 85)
    assert statements.count <= 6, statements.count
    assert page.count('data-room="hq/') == 42
    assert '<option value="hq"' in page
    assert '<option value="kosong"' not in page  # the picker offers buildings with rooms
    statements.count = 0
    fragment = fm.get("/rooms?partial=1").get_data(as_text=True)
    assert statements.count <= 5, statements.count  # no building picker in the fragment
    assert fragment.count('data-room="hq/') == 42 and "<select" not in fragment


def test_rooms_api_gives_latest_value_and_status_per_metric(
    live_seed: Seed, live: FixedClockContainer
) -> None:
    client = create_app(live, TEST_CONFIG).test_client()
    token = live.token_service.create("viewer", NOW)
    body = client.get("/api/v1/rooms", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["profile"]["name"] == "permenkes-1077-2011"
    assert body["profile"]["superseded_by"] == "permenkes-2-2023"
    rooms = {(r["building"], r["room"]): r for r in body["items"]}
    assert rooms[("hq", "lobby")]["metrics"]["co2"] == {
        "value": 800.0, "unit": "ppm", "status": "ok", "limit": "≤ 1000 ppm (8 h mean)",
    }  # fmt: skip
    assert rooms[("hq", "r201")]["status"] == "warning"
    assert rooms[("hq", "r201")]["open_alerts"] == [live_seed.alert_id]


def test_readings_are_downsampled_in_influxdb(live_seed: Seed, fm: FlaskClient) -> None:
    start = (NOW - timedelta(hours=1)).isoformat()
    response = fm.get(
        "/api/v1/rooms/hq/lobby/readings",
        query_string={"metric": "co2", "start": start, "every": "5m"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["every"] == "300s"
    assert body["metrics"] == ["co2"]
    assert body["limits"]["co2"]["upper"] == 1000
    assert 2 <= len(body["points"]) <= 3  # ten 1-minute readings in 5-minute buckets
    assert all(p["values"]["co2"] == 800 for p in body["points"])


def test_readings_default_to_the_last_day_in_five_minute_buckets(fm: FlaskClient) -> None:
    body = fm.get("/api/v1/rooms/hq/r201/readings").get_json()
    assert body["every"] == "300s"
    assert datetime.fromisoformat(body["end"]) == NOW
    assert set(body["metrics"]) >= {"co2", "humidity", "pm25"}


def test_room_page_shows_chart_canvases_and_limits(fm: FlaskClient) -> None:
    html = fm.get("/rooms/hq/lobby").get_data(as_text=True)
    assert 'id="chart-co2"' in html and "≤ 1.000 ppm (rata-rata 8 jam)" in html
    assert "/api/v1/rooms/hq/lobby/readings" in html
    assert 'data-tz="Asia/Jakarta"' in html


def _month_of_pm25(live: FixedClockContainer) -> None:
    # March 2026 in Jakarta: 1st and 2nd clean (20 µg/m³), 3rd dirty (50), then silence;
    # the 4th has readings in only 12 of 24 hours: not covered.
    start = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # 1 March 00:00 WIB
    points = []
    for minute in range(0, 3 * 24 * 60, 10):
        at = start + timedelta(minutes=minute)
        points.append((at, {"pm25": 20.0 if minute < 2 * 24 * 60 else 50.0}))
    for minute in range(0, 12 * 60, 10):
        points.append((start + timedelta(days=3, minutes=minute), {"pm25": 10.0}))
    write_readings(live.influx, "hq", "lobby", points)


def test_compliance_counts_covered_windows_within_the_limit(
    live: FixedClockContainer, fm: FlaskClient
) -> None:
    _month_of_pm25(live)
    response = fm.get("/compliance.csv?month=2026-03&building=hq")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    lobby = next(r for r in rows if r["room"] == "lobby" and r["metric"] == "pm25")
    # 9 whole local days from 1 March 00:00 to 10 March 10:00 WIB.
    assert (lobby["windows"], lobby["covered"], lobby["compliant"]) == ("9", "3", "2")
    assert lobby["compliant_share"] == "0.6667"
    assert lobby["window_minutes"] == "1440"
    building = next(r for r in rows if r["room"] == "*" and r["metric"] == "pm25")
    assert building["covered"] == "3"  # r201 has no PM readings


def test_compliance_page_and_print_version_show_the_same_report(
    live: FixedClockContainer, fm: FlaskClient
) -> None:
    _month_of_pm25(live)
    screen = fm.get("/compliance?month=2026-03").get_data(as_text=True)
    printed = fm.get("/compliance/print?month=2026-03").get_data(as_text=True)
    for html in (screen, printed):
        assert "66,7 %" in html  # Indonesian decimal comma
        assert "data tidak cukup" in html
    assert "data-print" in printed and "<nav" not in printed


def test_compliance_rejects_a_malformed_month(fm: FlaskClient) -> None:
    assert fm.get("/compliance?month=2026-13").status_code == 400
    assert fm.get("/compliance.csv?month=march").status_code == 400


def test_readings_unavailable_is_503_not_500(
    container: FixedClockContainer, seeded: Seed, token_for: Callable[[str], dict[str, str]]
) -> None:
    client = create_app(container, TEST_CONFIG).test_client()
    response = client.get("/api/v1/rooms/hq/lobby/readings", headers=token_for("fm"))
    assert response.status_code == 503
    assert response.get_json()["error"] == "readings_unavailable"
    assert client.get("/api/v1/rooms", headers=token_for("fm")).status_code == 503


def _unused(app: Flask) -> None:  # keeps the Flask import for type hints in fixtures
    del app


def test_the_live_refresh_and_api_reads_are_gzipped_pages_with_a_csrf_token_are_not(
    fm: FlaskClient, live: FixedClockContainer
) -> None:
    import gzip

    plain = fm.get("/rooms?partial=1")
    zipped = fm.get("/rooms?partial=1", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert "Content-Encoding" not in plain.headers  # only for clients that ask

    page = fm.get("/rooms", headers={"Accept-Encoding": "gzip"})
    assert "csrf" in page.get_data(as_text=True)
    assert "Content-Encoding" not in page.headers  # a secret next to chosen text: BREACH

    api = fm.get("/api/v1/rooms", headers={"Accept-Encoding": "gzip"})
    assert api.status_code == 200
    assert api.headers["Content-Encoding"] == "gzip"
    assert b'"lobby"' in gzip.decompress(api.get_data())
