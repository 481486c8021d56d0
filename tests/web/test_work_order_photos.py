"""Photos on work orders: a request's photos travel into its work order, the crew adds an
after-photo when finishing from the phone view, both are shown to whoever may see the work
order (404 to anyone else), and the reporter's status page shows the note and after-photo."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from tests.support.photos import phone_jpeg
from tests.web.conftest import NOW, PASSWORD, FixedClockContainer, Seed, login, make_settings
from tests.web.test_public_reports import form_token, multipart, token_of
from udara.scope import EVERYTHING


@pytest.fixture
def container(seeded_url: str, tmp_path: Path) -> FixedClockContainer:
    """The seeded database; photos under the test's own folder."""
    return FixedClockContainer(make_settings(seeded_url, media_dir=tmp_path / "media"), NOW)


def noisy_png(side: int = 1000) -> bytes:
    """A PNG of random pixels: about 3 MB, more than the 1 MB other forms may send."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def report(client: FlaskClient, token: str, **fields: object) -> str:
    data = {"form_token": form_token(client, token), "category": "dirty", **fields}
    answer = client.post(f"/r/{token}", **multipart(data))
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    return str(answer.headers["Location"])


def finish(client: FlaskClient, wo_id: int, photo: tuple[io.BytesIO, str, str] | None,
           notes: str = "Sudah dipel") -> TestResponse:  # fmt: skip
    data: dict[str, object] = {"notes": notes, "time_spent": "15"}
    if photo is not None:
        data["after_photo"] = photo
    return client.post(f"/my-work/{wo_id}/finish", **multipart(data))


def reported_work_order(
    app: Flask, container: FixedClockContainer, **fields: object
) -> tuple[str, str, int]:
    token = token_of(app)
    status_url = report(app.test_client(), token,
                        photo=(io.BytesIO(phone_jpeg()), "IMG_1.jpg", "image/jpeg"),
                        **fields)  # fmt: skip
    [request] = container.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.work_order_id is not None
    return token, status_url, request.work_order_id


def test_the_crew_finishes_with_an_after_photo_seen_by_staff_and_the_reporter(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    token, status_url, wo_id = reported_work_order(app, container, contact="ani@mail.co.id")
    tech = login(app.test_client(), "tech")
    page = tech.get(f"/my-work/{wo_id}").get_data(as_text=True)
    assert f"/work-orders/{wo_id}/photos/0" in page  # the report's photo, on the phone view
    assert tech.post(f"/my-work/{wo_id}/start").status_code == 302
    page = tech.get(f"/my-work/{wo_id}").get_data(as_text=True)
    assert 'name="after_photo"' in page and 'enctype="multipart/form-data"' in page
    big = noisy_png()
    assert len(big) > 1024 * 1024  # larger than other forms may be: the finish form takes it
    answer = finish(tech, wo_id, (io.BytesIO(big), "after.png", "image/png"))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/my-work")
    wo = container.work_order_service.get(wo_id, viewer=_actor(container, "fm"))
    assert (wo.status, wo.completion_notes) == ("done", "Sudah dipel")

    sup = login(app.test_client(), "sup")
    detail = sup.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    assert f"/work-orders/{wo_id}/photos/0" in detail
    assert f"/work-orders/{wo_id}/after-photos/0" in detail
    shown = sup.get(f"/work-orders/{wo_id}/after-photos/0")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(shown.data)) as image:
        assert image.format == "JPEG" and max(image.size) <= 1600  # re-encoded, shrunk
    assert sup.get(f"/work-orders/{wo_id}/after-photos/1").status_code == 404

    # The manager sees the reporter's two updates on the work order, without the address.
    ref = status_url.rsplit("/", 1)[-1]
    fm_page = login(app.test_client(), "fm").get(f"/work-orders/{wo_id}").get_data(as_text=True)
    assert fm_page.count(f"<td>request:{ref}</td>") == 2 and "ani@mail.co.id" not in fm_page

    # The reporter's page: done, the crew's note, the after-photo.
    reporter = app.test_client()
    done = reporter.get(f"{status_url}?lang=en").get_data(as_text=True)
    assert "Done" in done and "Sudah dipel" in done
    found = re.search(r'src="([^"]+/after/0)"', done)
    assert found, done
    photo = reporter.get(found.group(1))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.data == shown.data
    # Another room's link does not reach it.
    other = token_of(app, "hq", "r201")
    assert reporter.get(found.group(1).replace(token, other)).status_code == 404


def test_work_order_photos_are_404_to_whoever_may_not_see_the_work_order(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    _, _, wo_id = reported_work_order(app, container)
    tech = login(app.test_client(), "tech")
    tech.post(f"/my-work/{wo_id}/start")
    finish(tech, wo_id, (io.BytesIO(phone_jpeg((800, 600))), "a.jpg", "image/jpeg"))
    assert tech.get(f"/work-orders/{wo_id}/after-photos/0").status_code == 200
    container.location_service.save_building("annex", "Annex", "Asia/Jakarta")
    container.user_service.create("fm-annex", "facility_manager", NOW, password=PASSWORD,
                                  buildings=("annex",))  # fmt: skip
    for username in ("hvac", "fm-annex"):  # another crew; another building
        client = login(app.test_client(), username)
        for path in (f"/work-orders/{wo_id}", f"/work-orders/{wo_id}/photos/0",
                     f"/work-orders/{wo_id}/after-photos/0"):  # fmt: skip
            assert client.get(path).status_code == 404, (username, path)
        assert finish(client, wo_id, None).status_code == 404
    assert app.test_client().get(f"/work-orders/{wo_id}/after-photos/0").status_code in (302, 401)


def test_an_after_photo_that_is_no_photo_is_refused_and_the_work_stays_open(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    _, status_url, wo_id = reported_work_order(app, container)
    tech = login(app.test_client(), "tech")
    tech.post(f"/my-work/{wo_id}/start")
    answer = finish(tech, wo_id, (io.BytesIO(b"%PDF-1.7 not a photo"), "a.jpg", "image/jpeg"))
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/my-work/{wo_id}")
    page = tech.get(f"/my-work/{wo_id}").get_data(as_text=True)
    assert "Foto tidak dapat dibaca. Coba foto lain." in page  # not an image at all
    wo = container.work_order_service.get(wo_id, viewer=_actor(container, "fm"))
    assert wo.status == "in_progress"
    assert container.occupant_requests.after_photos(wo_id) == []
    # Until the work is done, the reporter's page shows no after-photo route either.
    assert app.test_client().get(f"{status_url}/after/0").status_code == 404


def test_a_phone_photo_over_1_mb_is_taken_by_the_public_form(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    big = noisy_png()
    assert 1024 * 1024 < len(big) < 5 * 1024 * 1024
    report(app.test_client(), token_of(app), photo=(io.BytesIO(big), "IMG_2.png", "image/png"))
    [request] = container.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.work_order_id is not None
    assert len(container.occupant_requests.work_order_photos(request.work_order_id)) == 1


def _actor(container: FixedClockContainer, username: str):
    from maintenance.services.users import actor_of

    view = container.user_service.by_username(username)
    assert view is not None
    return actor_of(view)
