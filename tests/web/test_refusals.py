"""Maintenance refusals reach people in their language: pages and the API translate the
domain's coded errors; the domain's own text (logs, CLI) stays English."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from maintenance.domain import errors as domain
from maintenance.domain.errors import InvalidTransition, NotAllowed
from tests.web.conftest import Seed
from web import refusals

Headers = Callable[[str], dict[str, str]]


def test_every_coded_refusal_is_worded_at_the_web_edge_in_both_languages(app: Flask) -> None:
    assert set(refusals.MESSAGES) == set(domain.MESSAGES)
    for code, english in domain.MESSAGES.items():
        with app.test_request_context("/?lang=en"):
            assert str(refusals.MESSAGES[code]) == english, code
        with app.test_request_context("/?lang=id"):
            assert str(refusals.MESSAGES[code]) != english, f"{code} has no Indonesian"


def test_the_domain_text_stays_english_and_carries_code_and_params() -> None:
    exc = InvalidTransition.coded("no_transition", from_status="open", to_status="verified")
    assert str(exc) == "a work order cannot go from open to verified"
    assert exc.code == "no_transition"
    assert exc.params == {"from_status": "open", "to_status": "verified"}


def test_refusal_words_statuses_and_roles_and_leaves_uncoded_errors_alone(app: Flask) -> None:
    coded = NotAllowed.coded("may_not_move", role="technician", user="siti", to_status="done")
    with app.test_request_context("/?lang=id"):
        assert refusals.refusal(coded) == (
            "Teknisi siti tidak boleh mengubah status perintah kerja ini menjadi Selesai"
        )
        assert refusals.refusal(NotAllowed("plain words")) == "plain words"
    with app.test_request_context("/?lang=en"):
        assert refusals.refusal(coded) == "Technician siti may not move this work order to Done"


def _refused_verify(client: FlaskClient, wo: int) -> str:
    response = client.post(
        f"/work-orders/{wo}/status", data={"status": "verified"}, follow_redirects=True
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_refusal_on_the_indonesian_board_is_indonesian(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    html = _refused_verify(as_user("fm"), seeded.work_order_id)
    assert (
        "Belum dapat dilakukan: status perintah kerja tidak dapat berubah dari Terbuka menjadi "
        "Terverifikasi" in html
    )
    assert "cannot go from" not in html


def test_a_refusal_on_the_english_board_is_english(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    fm = as_user("fm")
    fm.get("/board?lang=en")
    html = _refused_verify(fm, seeded.work_order_id)
    assert "Not possible now: a work order cannot go from Open to Verified" in html


def test_a_role_refusal_on_the_board_follows_the_language(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    sup = as_user("sup")
    url = f"/work-orders/{seeded.hvac_work_order_id}/assign"
    html = sup.post(url, data={"assignee": "tech"}, follow_redirects=True).get_data(as_text=True)
    assert (
        "Tidak diizinkan: Supervisor kebersihan sup tidak boleh menugaskan pekerjaan tim hvac"
        in (html)
    )
    sup.get("/board?lang=en")
    html = sup.post(url, data={"assignee": "tech"}, follow_redirects=True).get_data(as_text=True)
    assert "Not allowed: Cleaning supervisor sup may not assign hvac work" in html


@pytest.mark.parametrize(
    ("extra_headers", "query", "expected"),
    [
        ({}, "", "status perintah kerja tidak dapat berubah dari Terbuka menjadi Terverifikasi"),
        ({"Accept-Language": "id-ID,id;q=0.9"}, "", "tidak dapat berubah dari Terbuka"),
        ({"Accept-Language": "en-US,en;q=0.9"}, "", "a work order cannot go from Open to Verified"),
        ({"Accept-Language": "en"}, "?lang=id", "tidak dapat berubah dari Terbuka"),
        ({}, "?lang=en", "a work order cannot go from Open to Verified"),
    ],
)  # fmt: skip
def test_api_refusals_follow_the_request_language(
    seeded: Seed,
    client: FlaskClient,
    token_for: Headers,
    extra_headers: dict[str, str],
    query: str,
    expected: str,
) -> None:
    url = f"/api/v1/work-orders/{seeded.work_order_id}{query}"
    headers = {**token_for("fm"), **extra_headers}
    response = client.patch(url, json={"status": "verified"}, headers=headers)
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "conflict" and expected in body["message"]


def test_api_not_found_is_worded_too(seeded: Seed, client: FlaskClient, token_for: Headers) -> None:
    missing = client.patch("/api/v1/work-orders/9999", json={"notes": "x"}, headers=token_for("fm"))
    assert missing.get_json() == {"error": "not_found", "message": "perintah kerja 9999 tidak ada"}
    english = client.patch(
        "/api/v1/work-orders/9999",
        json={"notes": "x"},
        headers={**token_for("fm"), "Accept-Language": "en"},
    )
    assert english.get_json() == {"error": "not_found", "message": "no work order 9999"}
