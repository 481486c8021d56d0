"""The public room pages: scan, report (with a photo), follow it; abuse resistance; the QR
sheet, triage page and API of the staff."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.support.photos import phone_jpeg
from tests.web.conftest import NOW, TEST_CONFIG, FixedClockContainer, Seed, login, make_settings
from tests.web.influx_support import write_readings
from udara.scope import EVERYTHING
from web import create_app

FIELDS = {"ref", "building", "room", "category", "symptoms", "status", "reports",
          "work_order_id", "created_at", "air"}  # fmt: skip


@pytest.fixture
def container(seeded_url: str, tmp_path: Path) -> FixedClockContainer:
    """The seeded database; photos under the test's own folder."""
    return FixedClockContainer(make_settings(seeded_url, media_dir=tmp_path / "media"), NOW)


def token_of(app: Flask, building: str = "hq", room: str = "lobby") -> str:
    container: FixedClockContainer = app.extensions["udara"]
    return container.room_links.link(building, room).token


def form_token(client: FlaskClient, token: str) -> str:
    html = client.get(f"/r/{token}").get_data(as_text=True)
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def multipart(data: dict[str, object]) -> dict[str, object]:
    """Arguments for `client.post` with `data` encoded in memory (the test client would spool
    a large body to a temporary file it never closes)."""
    fields: MultiDict[str, object] = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                item = FileStorage(item[0], item[1], key, *item[2:])
            fields.add(key, item)
    boundary, body = encode_multipart(fields)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def send(client: FlaskClient, token: str, **fields: object):
    data = {"form_token": form_token(client, token), "category": "dirty", **fields}
    return client.post(f"/r/{token}", **multipart(data))


def test_the_room_page_speaks_indonesian_first_and_english_on_request(
    app: Flask, seeded: Seed
) -> None:
    token = token_of(app)
    client = app.test_client()
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="id"' in html and "Lobi" in html and 'capture="environment"' in html
    english = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Report a problem" in english


def test_an_unknown_or_rotated_token_is_a_plain_404(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    client = app.test_client()
    assert client.get("/r/nosuchtoken").status_code == 404
    old = token_of(app)
    fm = login(app.test_client(), "fm")
    assert fm.post("/buildings/hq/rooms/lobby/link").status_code == 302
    assert client.get(f"/r/{old}").status_code == 404
    assert client.post(f"/r/{old}", data={"category": "dirty"}).status_code == 404
    assert client.get(f"/r/{token_of(app)}").status_code == 200


def test_a_report_with_a_photo_becomes_a_cleaning_work_order_and_a_status_page(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    token = token_of(app)
    client = app.test_client()
    photo = (io.BytesIO(phone_jpeg()), "IMG_0001.jpg", "image/jpeg")
    answer = send(client, token, message="<script>alert(1)</script> basah", photo=photo)
    assert answer.status_code == 303
    status_url = answer.headers["Location"]
    assert status_url.startswith(f"/r/{token}/requests/R")
    page = client.get(status_url).get_data(as_text=True)
    assert "Dalam pengerjaan" in page  # in work: a cleaning work order was made at once
    [request] = container.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.work_order_id is not None
    wo = container.work_order_service.get(request.work_order_id, viewer=_fm(container))
    assert (wo.crew, wo.priority) == ("cleaning", "high")  # a lobby is high traffic
    [digest] = container.occupant_requests.work_order_photos(wo.id)
    stored = container.occupant_requests.photos.get(digest)
    assert stored is not None
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
    # Staff see the report escaped, and the photo with the work order.
    sup = login(app.test_client(), "sup")
    listing = sup.get("/requests").get_data(as_text=True)
    assert "&lt;script&gt;" in listing and "<script>alert" not in listing
    shown = sup.get(f"/work-orders/{wo.id}/photos/0")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert sup.get(f"/work-orders/{wo.id}/photos/1").status_code == 404
    # The crew finishes: the reporter's page says done, with the crew's note.
    wos = container.work_order_service
    wos.transition(wo.id, "in_progress", "fm", NOW)
    wos.transition(wo.id, "done", "fm", NOW + timedelta(minutes=20), notes="Sudah dipel")
    done = client.get(f"{status_url}?lang=en").get_data(as_text=True)
    assert "Done" in done and "Sudah dipel" in done


def _fm(container: FixedClockContainer):
    from maintenance.services.users import actor_of

    view = container.user_service.by_username("fm")
    assert view is not None
    return actor_of(view)


def test_ten_reports_of_one_dirty_toilet_in_ten_minutes_make_one_request(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    token = token_of(app)
    locations = set()
    for minute in range(10):
        container.now = NOW + timedelta(minutes=minute)
        answer = send(app.test_client(), token)
        assert answer.status_code == 303
        locations.add(answer.headers["Location"])
    assert len(locations) == 1
    [request] = container.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.reports == 10


def test_the_form_token_binds_the_form_to_its_room_and_the_honeypot_catches_robots(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    lobby, r201 = token_of(app), token_of(app, "hq", "r201")
    client = app.test_client()
    stolen = form_token(client, lobby)
    moved = client.post(f"/r/{r201}", data={"form_token": stolen, "category": "dirty"})
    assert moved.status_code == 400
    assert client.post(f"/r/{lobby}", data={"category": "dirty"}).status_code == 400
    robot = send(client, lobby, website="http://spam.example")
    assert robot.status_code == 303 and "/requests/" not in robot.headers["Location"]
    assert container.occupant_requests.list_requests(scope=EVERYTHING) == []


def test_an_upload_over_the_limit_gets_a_clear_413_page(app: Flask, seeded: Seed) -> None:
    token = token_of(app)
    client = app.test_client()
    big = (io.BytesIO(b"\xff\xd8" + b"0" * (6 * 1024 * 1024)), "big.jpg", "image/jpeg")
    answer = send(client, token, photo=big)
    assert answer.status_code == 413
    assert "5 MB" in answer.get_data(as_text=True)


def test_a_flood_from_one_address_is_limited_without_server_errors(
    flask_app_factory: Callable[..., Flask], seeded: Seed
) -> None:
    app = flask_app_factory(RATELIMIT_ENABLED=True)
    token = token_of(app)
    client = app.test_client()
    signed = form_token(client, token)
    statuses: dict[int, int] = {}
    for _ in range(500):
        code = client.post(f"/r/{token}", data={"form_token": signed, "category": "dirty"})
        statuses[code.status_code] = statuses.get(code.status_code, 0) + 1
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses.get(429, 0) >= 480, statuses
    assert statuses.get(303, 0) <= 10


@pytest.mark.parametrize(
    "data",
    [
        {"category": ["dirty", "smell"]},
        {"category": "x" * 100_000},
        {"category": "symptoms", "symptoms": ["headache"] * 5000},
        {"category": "dirty", "message": "é" * 200_000},
        {"category": "dirty", "contact": "<img src=x onerror=alert(1)>"},
        {"category": "dirty", "photo": (io.BytesIO(b"%PDF-1.7 not a photo"), "a.jpg")},
        {"category": "dirty", "photo": (io.BytesIO(b"\x89PNG\r\n\x1a\nbroken"), "a.png")},
        {"category": "dirty", "photo": (io.BytesIO(b""), "")},
        {"category": "dirty", "photo": "not a file"},
        {"form_token": "garbage", "category": "dirty"},
    ],
)
def test_the_public_form_answers_bad_input_without_server_errors(
    app: Flask, seeded: Seed, data: dict[str, object]
) -> None:
    token = token_of(app)
    client = app.test_client()
    body = {"form_token": form_token(client, token), **data}
    answer = client.post(f"/r/{token}", **multipart(body))
    assert answer.status_code < 500, answer.get_data(as_text=True)[:300]


def test_broken_multipart_and_wrong_content_types_are_no_server_errors(
    app: Flask, seeded: Seed
) -> None:
    token = token_of(app)
    client = app.test_client()
    for body, kind in (
        (b'--xx\r\nContent-Disposition: form-data; name="category"\r\n\r\ndirty',
         "multipart/form-data; boundary=xx"),
        (b"\x00\x01\x02", "multipart/form-data"),
        (b'{"category": "dirty"}', "application/json"),
        (b"category=dirty&category=%00", "application/x-www-form-urlencoded"),
    ):  # fmt: skip
        answer = client.post(f"/r/{token}", data=body, content_type=kind)
        assert answer.status_code < 500, (kind, answer.status_code)


def test_the_qr_sheet_is_for_managers_and_supervisors_of_the_building(
    as_user: Callable[[str], FlaskClient], app: Flask
) -> None:
    sheet = as_user("sup").get("/buildings/hq/qr")
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200
    assert html.count("<svg") == 2 and f"/r/{token_of(app)}" in html
    assert "Pindai untuk melaporkan" in html and "Scan to report" in html
    one_floor = as_user("fm").get("/buildings/hq/qr?floor=l2").get_data(as_text=True)
    assert one_floor.count("<svg") == 1 and 'data-room="r201"' in one_floor
    assert as_user("fm").get("/buildings/hq/qr?floor=nosuch").status_code == 404
    assert as_user("fm").get("/buildings/nosuch/qr").status_code == 404
    assert as_user("tech").get("/buildings/hq/qr").status_code == 403


def test_triage_accepts_symptoms_into_a_work_order_and_the_api_lists_contract_fields(
    app: Flask, seeded: Seed, container: FixedClockContainer,
    token_for: Callable[[str], dict[str, str]],
) -> None:  # fmt: skip
    token = token_of(app, "hq", "r201")
    answer = send(app.test_client(), token, category="symptoms", symptoms=["headache", "cough"])
    assert answer.status_code == 303
    [request] = container.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.status == "new" and request.work_order_id is None
    sup = login(app.test_client(), "sup")
    assert sup.post(f"/requests/{request.ref}/accept", data={"crew": "hvac"}).status_code == 302
    body = app.test_client().get("/api/v1/requests", headers=token_for("viewer")).get_json()
    [item] = body["items"]
    assert set(item) == FIELDS
    assert (item["status"], item["symptoms"]) == ("in_work_order", ["headache", "cough"])
    assert item["work_order_id"] is not None
    assert app.test_client().get("/api/v1/requests", headers=token_for("tech")).status_code == 403
    filtered = app.test_client().get("/api/v1/requests?status=done", headers=token_for("fm"))
    assert filtered.get_json()["items"] == []


def test_a_symptoms_report_stores_the_rooms_readings_of_that_moment_and_shows_plain_words(
    live: FixedClockContainer, seeded: Seed
) -> None:
    recent = [NOW - timedelta(minutes=m) for m in range(1, 11)]
    readings = {"co2": 1450.0, "temperature": 27.0, "humidity": 70.0}
    write_readings(live.influx, "hq", "r201", [(t, readings) for t in recent])
    app = create_app(live, TEST_CONFIG)
    token = token_of(app, "hq", "r201")
    client = app.test_client()
    page = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert "Needs attention" in page and "ppm" not in page  # plain words, no raw jargon
    send(client, token, category="symptoms", symptoms=["headache", "eye_irritation"])
    [request] = live.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.air == readings
    assert request.symptoms == ["headache", "eye_irritation"]
