"""Abuse of the routes added for occupants' updates and work-order photos: odd references,
indexes and tokens on the public pages, and broken or oversized finish forms — never a
server error, a clear 413 page for a body over the limit. (The report form's flood, fuzz and
413 are in tests/web/test_public_reports.py.)"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask

from tests.support.photos import phone_jpeg
from tests.web.conftest import NOW, FixedClockContainer, Seed, login, make_settings
from tests.web.test_public_reports import multipart
from tests.web.test_work_order_photos import reported_work_order


@pytest.fixture
def container(seeded_url: str, tmp_path: Path) -> FixedClockContainer:
    return FixedClockContainer(make_settings(seeded_url, media_dir=tmp_path / "media"), NOW)


@pytest.mark.parametrize(
    "path",
    [
        "/r/{token}/requests/" + "R" * 5000,
        "/r/{token}/requests/R%00X",
        "/r/{token}/requests/{ref}/after/0",  # not done yet
        "/r/{token}/requests/{ref}/after/99999999999999999999",
        "/r/{token}/requests/{ref}/after/-1",
        "/r/{token}/requests/../../display/x",
        "/display/" + "x" * 10_000,
        "/display/%00",
        "/display/{token}",  # a room's token is no display's
        "/r/" + "y" * 10_000 + "/requests/R",
    ],
)
def test_odd_public_paths_are_plain_refusals(
    app: Flask, seeded: Seed, container: FixedClockContainer, path: str
) -> None:
    token, status_url, _ = reported_work_order(app, container)
    ref = status_url.rsplit("/", 1)[-1]
    answer = app.test_client().get(path.format(token=token, ref=ref))
    assert answer.status_code in (400, 404), (path[:80], answer.status_code)


@pytest.mark.parametrize(
    "data",
    [
        {"notes": "x", "time_spent": "abc"},
        {"notes": "é" * 200_000, "time_spent": "5"},
        {"notes": "x", "after_photo": (io.BytesIO(b"\x89PNG\r\n\x1a\nbroken"), "a.png")},
        {"notes": "x", "after_photo": (io.BytesIO(b""), "")},
        {"notes": "x", "after_photo": "not a file"},
        {"notes": ["a", "b"], "time_spent": ["1", "2"]},
    ],
)
def test_the_finish_form_answers_bad_input_without_server_errors(
    app: Flask, seeded: Seed, container: FixedClockContainer, data: dict[str, object]
) -> None:
    _, _, wo_id = reported_work_order(app, container)
    tech = login(app.test_client(), "tech")
    tech.post(f"/my-work/{wo_id}/start")
    answer = tech.post(f"/my-work/{wo_id}/finish", **multipart(data))
    assert answer.status_code < 500, answer.get_data(as_text=True)[:300]
    assert container.occupant_requests.after_photos(wo_id) == []


def test_broken_multipart_on_the_finish_form_is_no_server_error(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    _, _, wo_id = reported_work_order(app, container)
    tech = login(app.test_client(), "tech")
    for body, kind in (
        (b'--xx\r\nContent-Disposition: form-data; name="notes"\r\n\r\nx',
         "multipart/form-data; boundary=xx"),
        (b"\x00\x01\x02", "multipart/form-data"),
        (b'{"notes": "x"}', "application/json"),
    ):  # fmt: skip
        answer = tech.post(f"/my-work/{wo_id}/finish", data=body, content_type=kind)
        assert answer.status_code < 500, (kind, answer.status_code)


def test_an_after_photo_over_the_limit_gets_a_clear_413_page(
    app: Flask, seeded: Seed, container: FixedClockContainer
) -> None:
    _, _, wo_id = reported_work_order(app, container)
    tech = login(app.test_client(), "tech")
    tech.post(f"/my-work/{wo_id}/start")
    big = (io.BytesIO(b"\xff\xd8" + b"0" * (6 * 1024 * 1024)), "big.jpg", "image/jpeg")
    answer = tech.post(f"/my-work/{wo_id}/finish?lang=en", **multipart({"after_photo": big}))
    assert answer.status_code == 413
    assert "too large" in answer.get_data(as_text=True)
    # Other forms keep their 1 MB limit.
    note: dict[str, object] = {"text": "x" * (2 * 1024 * 1024)}
    assert tech.post(f"/my-work/{wo_id}/note", **multipart(note)).status_code == 413
    # A photo within the limit still goes through on the same work order.
    fits = (io.BytesIO(phone_jpeg((640, 480))), "ok.jpg", "image/jpeg")
    ok = tech.post(f"/my-work/{wo_id}/finish", **multipart({"after_photo": fits}))
    assert ok.status_code == 302
    assert len(container.occupant_requests.after_photos(wo_id)) == 1
