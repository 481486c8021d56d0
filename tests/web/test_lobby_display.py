"""The lobby display (`/display/<token>`): calm tiles per room with the air in the same plain
words as the room pages (the grid's evaluation, real InfluxDB), refreshing itself, no names of
people; an unknown or rotated token is a plain 404; facility managers of the building rotate
it."""

from __future__ import annotations

import re
from datetime import timedelta

from click.testing import CliRunner
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

PEOPLE = ("Bu Rina", "Pak Budi", "Siti", "Joko", "Andi", "Tamu", "ani@mail.co.id")


def tiles(html: str) -> dict[str, str]:
    """Room name → the tile's text."""
    found = {}
    for block in re.findall(r'<article class="tile">(.*?)</article>', html, re.S):
        name = re.search(r"<h2>(.*?)</h2>", block, re.S)
        assert name
        found[name.group(1).strip()] = re.sub(r"<[^>]+>", " ", block)
    return found


def test_the_display_shows_each_rooms_air_in_plain_words_refreshes_and_names_nobody(
    live: FixedClockContainer, seeded: Seed
) -> None:
    recent = [NOW - timedelta(minutes=m) for m in range(1, 11)]
    write_readings(
        live.influx,
        "hq",
        "r201",
        [(t, {"co2": 1450.0, "temperature": 27.0, "humidity": 70.0}) for t in recent],
    )
    clean = {"co2": 600.0, "temperature": 24.0, "pm25": 8.0}
    write_readings(live.influx, "hq", "lobby", [(t, clean) for t in recent])
    lobby = live.room_links.resolve(live.room_links.link("hq", "lobby").token)
    assert lobby is not None
    live.occupant_requests.report(
        lobby, ReportInput("dirty", "Siti meninggalkan ember", contact="ani@mail.co.id")
    )
    app = create_app(live, TEST_CONFIG)
    token = live.room_links.display_token("hq")
    answer = app.test_client().get(f"/display/{token}?lang=en")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    # It refreshes itself: a small script swaps in fresh tiles (no meta refresh, which
    # axe-core counts as a critical accessibility violation).
    assert 'class="tiles" data-refresh="60"' in html and "/static/display.js" in html
    found = tiles(html)
    assert set(found) == {"Lobi", "Ruang Rapat 201"}
    assert "Needs attention" in found["Ruang Rapat 201"]  # CO2 1450 ppm: the grid's warning
    assert "Good" in found["Lobi"] and "Needs attention" not in found["Lobi"]
    # The same words as the room's own page (one evaluation).
    room_page = app.test_client().get(f"/r/{live.room_links.link('hq', 'r201').token}?lang=en")
    assert "Needs attention" in room_page.get_data(as_text=True)
    for text in (*PEOPLE, "ppm", "ember", "<form"):
        assert text not in html, text  # no people, no reports, no raw jargon, nothing to send
    indonesian = app.test_client().get(f"/display/{token}?lang=id").get_data(as_text=True)
    assert 'lang="id"' in indonesian and "Perlu perhatian" in indonesian


def test_a_display_without_readings_says_so_calmly(app: Flask, seeded: Seed) -> None:
    container: FixedClockContainer = app.extensions["udara"]
    token = container.room_links.display_token("hq")
    answer = app.test_client().get(f"/display/{token}?lang=en")  # InfluxDB unreachable here
    assert answer.status_code == 200
    found = tiles(answer.get_data(as_text=True))
    assert set(found) == {"Lobi", "Ruang Rapat 201"}
    assert "No recent readings from this room." in found["Lobi"]
    # The seeded open CO2 alert of r201 still speaks, as on the staff grid.
    assert "Needs attention" in found["Ruang Rapat 201"]


def test_an_unknown_or_rotated_display_token_is_a_plain_404(app: Flask, seeded: Seed) -> None:
    container: FixedClockContainer = app.extensions["udara"]
    client = app.test_client()
    for token in ("nosuchtoken", "x" * 65, container.room_links.link("hq", "lobby").token):
        assert client.get(f"/display/{token}").status_code == 404  # a room's token is no display's
    old = container.room_links.display_token("hq")
    assert container.room_links.display_token("hq") == old  # stable until rotated
    fm = login(app.test_client(), "fm")
    sheet = fm.get("/buildings/hq/qr").get_data(as_text=True)
    assert f"/display/{old}" in sheet and "/buildings/hq/display/link" in sheet
    assert fm.post("/buildings/hq/display/link").status_code == 302
    assert client.get(f"/display/{old}").status_code == 404
    new = container.room_links.display_token("hq")
    assert new != old and client.get(f"/display/{new}").status_code == 200
    assert f"/display/{new}" in fm.get("/buildings/hq/qr").get_data(as_text=True)


def test_only_a_facility_manager_of_the_building_rotates_its_display(
    app: Flask, seeded: Seed
) -> None:
    container: FixedClockContainer = app.extensions["udara"]
    token = container.room_links.display_token("hq")
    sup = login(app.test_client(), "sup")
    assert sup.post("/buildings/hq/display/link").status_code == 403
    assert "/display/" not in sup.get("/buildings/hq/qr").get_data(as_text=True)
    container.location_service.save_building("annex", "Annex", "Asia/Jakarta")
    container.user_service.create("fm-annex", "facility_manager", NOW, password=PASSWORD,
                                  buildings=("annex",))  # fmt: skip
    other = login(app.test_client(), "fm-annex")
    assert other.post("/buildings/hq/display/link").status_code == 404
    assert login(app.test_client(), "fm").post("/buildings/nosuch/display/link").status_code == 404
    assert container.room_links.display_token("hq") == token  # unchanged by the refusals


def test_the_cli_prints_and_rotates_a_display_link(app: Flask, seeded: Seed) -> None:
    from occupants.cli import displays

    container: FixedClockContainer = app.extensions["udara"]
    runner = CliRunner()
    shown = runner.invoke(displays, ["link", "hq"], obj=container)
    assert shown.exit_code == 0, shown.output
    old = shown.output.strip().rsplit("/", 1)[-1]
    rotated = runner.invoke(displays, ["rotate", "hq"], obj=container)
    assert rotated.exit_code == 0, rotated.output
    new = rotated.output.strip().rsplit("/", 1)[-1]
    assert new != old and container.room_links.display_building(new) == "hq"
    assert container.room_links.display_building(old) is None
    assert runner.invoke(displays, ["rotate", "nosuch"], obj=container).exit_code != 0
