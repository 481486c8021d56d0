"""The locations page: facility managers create buildings with operating hours, add floors and
rooms, rename rooms and merge a typo into the right room, only within their buildings."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from maintenance.domain.transitions import Actor
from tests.web.conftest import NOW, PASSWORD, FixedClockContainer, Seed, login
from tests.web.test_locations_api import limit_to

Client = Callable[[str], FlaskClient]
ADMIN = Actor("fm", "facility_manager")
HOURS = {"new-hours_mon": "07:00-19:00", "new-hours_tue": "07:00-19:00",
         "new-hours_wed": "07:00-19:00", "new-hours_thu": "07:00-19:00",
         "new-hours_fri": "07:00-19:00", "new-hours_sat": "08:00-13:00"}  # fmt: skip


@pytest.fixture
def depot(container: FixedClockContainer, seeded: Seed) -> None:
    """A second building, and fm-hq: a facility manager of hq only."""
    container.building_service.create_building(ADMIN, "depot", name="Gudang Cikarang")
    container.building_service.add_room(ADMIN, "depot", "rak-1")
    container.user_service.create("fm-hq", "facility_manager", NOW, password=PASSWORD)
    limit_to(container, "fm-hq", "hq")


def test_facility_managers_find_the_page_in_the_menu(as_user: Client) -> None:
    html = as_user("fm").get("/rooms").get_data(as_text=True)
    assert 'href="/locations"' in html and ">Lokasi<" in html
    for other in ("sup", "tech", "viewer"):
        assert 'href="/locations"' not in as_user(other).get("/board").get_data(as_text=True)
        assert as_user(other).get("/locations").status_code == 403
        assert as_user(other).get("/locations/hq").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/locations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_building_is_created_with_its_time_zone_and_operating_hours(
    as_user: Client, container: FixedClockContainer
) -> None:
    fm = as_user("fm")
    page = fm.get("/locations").get_data(as_text=True)
    assert 'data-building="hq"' in page and 'id="new-building"' in page
    assert 'value="Asia/Jakarta"' in page  # the site's default zone, preset
    response = fm.post(
        "/locations",
        data={"new-code": "menara-b", "new-name": "Menara B", "new-timezone": "Asia/Makassar",
              **HOURS},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/locations/menara-b")
    made = container.building_service.building(ADMIN, "menara-b")
    assert (made.name, made.timezone) == ("Menara B", "Asia/Makassar")
    assert made.hours == "mon-fri 07:00-19:00,sat 08:00-13:00"
    detail = fm.get("/locations/menara-b").get_data(as_text=True)
    assert "Gedung menara-b dibuat." in detail
    assert "mon-fri 07:00-19:00,sat 08:00-13:00" in detail
    assert (
        'name="b-hours_sat" placeholder="tutup" size="28" type="text" value="08:00-13:00"' in detail
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"new-code": "b2", "new-hours_mon": "19:00-07:00"}, "pisahkan malam di tengah malam"),
        ({"new-code": "b2", "new-hours_tue": "pagi"}, "bukan rentang waktu"),
        ({"new-code": "b2", "new-timezone": "Asia/Atlantis"}, "zona waktu"),
        ({"new-code": "hq"}, "sudah ada"),
        ({"new-code": "Gedung B"}, "a-z, 0-9"),
    ],
)
def test_mistakes_come_back_in_the_readers_language_with_the_input_kept(
    as_user: Client, data: dict[str, str], words: str
) -> None:
    response = as_user("fm").post("/locations", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert words in html, html[html.find("flash") - 200 : html.find("flash") + 400]
    assert f'value="{data["new-code"]}"' in html


def test_floors_and_rooms_are_added_renamed_and_shown(
    as_user: Client, container: FixedClockContainer, seeded: Seed
) -> None:
    fm = as_user("fm")
    page = fm.get("/locations/hq").get_data(as_text=True)
    assert 'data-room="lobby"' in page and 'data-room="r201"' in page
    added = fm.post(
        "/locations/hq/floors",
        data={"floor-code": "l3", "floor-name": "Lantai 3", "floor-level": "3"},
    )
    assert added.status_code == 302
    made = fm.post(
        "/locations/hq/rooms",
        data={"room-code": "l3-rapat", "room-name": "Ruang Rapat 3", "room-floor": "l3",
              "room-kind": "", "room-traffic": ""},
    )  # fmt: skip
    assert made.status_code == 302
    room = container.building_service.room(ADMIN, "hq", "l3-rapat")
    assert (room.floor, room.kind, room.traffic) == ("l3", "meeting_room", "normal")
    edit = fm.get("/locations/hq/rooms/l3-rapat").get_data(as_text=True)
    assert 'value="Ruang Rapat 3"' in edit
    saved = fm.post(
        "/locations/hq/rooms/l3-rapat",
        data={"edit-name": "Ruang Direksi", "edit-floor": "l3", "edit-kind": "meeting_room",
              "edit-traffic": "high"},
    )  # fmt: skip
    assert saved.status_code == 302
    page = fm.get("/locations/hq").get_data(as_text=True)
    row = page[page.index('data-room="l3-rapat"') :]
    assert "Ruang Direksi" in row[: row.index("</tr>")] and "Tinggi" in row[: row.index("</tr>")]
    assert "Ruangan l3-rapat disimpan." in page
    blank = {"room-floor": "", "room-kind": "", "room-traffic": ""}
    again = fm.post("/locations/hq/rooms", data={"room-code": "l3-rapat", **blank})
    assert again.status_code == 400 and "sudah ada" in again.get_data(as_text=True)
    assert fm.get("/locations/hq/rooms/nope").status_code == 404
    assert fm.post("/locations/hq/rooms/nope", data={"edit-name": "x"}).status_code == 404


def test_a_typo_room_is_merged_on_the_building_page(
    as_user: Client, container: FixedClockContainer, seeded: Seed
) -> None:
    container.location_service.discover_rooms([("hq", "lobi")])
    fm = as_user("fm")
    merged = fm.post("/locations/hq/merge", data={"merge-from_room": "lobi", "merge-into": "lobby"})
    assert merged.status_code == 302
    page = fm.get("/locations/hq").get_data(as_text=True)
    assert 'data-room="lobi"' not in page
    lobby = page[page.index('data-room="lobby"') :]
    assert "<code>lobi</code>" in lobby[: lobby.index("</tr>")]
    itself = fm.post(
        "/locations/hq/merge", data={"merge-from_room": "lobby", "merge-into": "lobby"}
    )
    assert itself.status_code == 400
    assert "tidak dapat digabungkan ke dirinya sendiri" in itself.get_data(as_text=True)


def test_a_scoped_manager_sees_only_their_buildings_and_creates_none(
    container: FixedClockContainer, app: Flask, depot: None
) -> None:
    fm_hq = login(app.test_client(), "fm-hq")
    page = fm_hq.get("/locations").get_data(as_text=True)
    assert 'data-building="hq"' in page and "depot" not in page
    assert 'id="new-building"' not in page
    for method, path, data in (
        ("get", "/locations/depot", {}),
        ("post", "/locations/depot", {"b-name": "Mine", "b-timezone": "Asia/Jakarta"}),
        ("post", "/locations/depot/floors", {"floor-code": "l9"}),
        ("post", "/locations/depot/rooms", {"room-code": "r9"}),
        ("post", "/locations/depot/merge", {"merge-from_room": "rak-1", "merge-into": "rak-1"}),
        ("get", "/locations/depot/rooms/rak-1", {}),
        ("post", "/locations/depot/rooms/rak-1", {"edit-name": "Mine"}),
    ):
        response = getattr(fm_hq, method)(path, data=data)
        assert response.status_code == 404, (method, path)
    refused = fm_hq.post("/locations", data={"new-code": "cabang"})
    assert refused.status_code == 400
    assert "hanya menjangkau sebagian gedung" in refused.get_data(as_text=True)
    assert [b.code for b in container.building_service.buildings(ADMIN)] == ["depot", "hq"]
    blank = {"room-floor": "", "room-kind": "", "room-traffic": ""}
    own = fm_hq.post("/locations/hq/rooms", data={"room-code": "r9", **blank})
    assert own.status_code == 302


def test_forms_need_the_csrf_token(flask_app_factory: Callable[..., Flask], seeded: Seed) -> None:
    app = flask_app_factory(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        browser.get("/login").get_data(as_text=True),
    )
    assert token is not None
    browser.post(
        "/login", data={"username": "fm", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    refused = browser.post("/locations/hq/floors", data={"floor-code": "l9"})
    assert refused.status_code == 400
    page = browser.get("/locations/hq").get_data(as_text=True)
    field = re.search(r'name="floor-csrf_token" type="hidden" value="([^"]+)"', page)
    assert field is not None
    accepted = browser.post(
        "/locations/hq/floors", data={"floor-code": "l9", "floor-csrf_token": field.group(1)}
    )
    assert accepted.status_code == 302


def test_the_pages_speak_indonesian_and_english(as_user: Client, seeded: Seed) -> None:
    fm = as_user("fm")
    for path in ("/locations", "/locations/hq", "/locations/hq/rooms/lobby"):
        indonesian = fm.get(path).get_data(as_text=True)
        english = fm.get(f"{path}?lang=en").get_data(as_text=True)
        fm.get("/locations?lang=id")
        assert "Lokasi" in indonesian and "Locations" in english, path
        for word in ("Name", "Floor", "Time zone", "Operating hours", "Save", "Kind"):
            assert f">{word}" not in indonesian, (path, word)
        for word in ("Nama", "Lantai", "Zona waktu", "Jam operasional", "Simpan", "Jenis"):
            assert f">{word}" not in english, (path, word)
