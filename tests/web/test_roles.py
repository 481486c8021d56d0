"""Every page and API call checks the role: signed out → sign-in (pages) or 401 (API);
a role without the right → 403; the others get through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import Seed

FM, SUP, TECH, VIEWER = "fm", "sup", "tech", "viewer"
EVERYONE = (FM, SUP, TECH, VIEWER)
READERS = (FM, SUP, VIEWER)
MANAGERS = (FM, SUP)
WORKERS = (FM, SUP, TECH)

WO, ALERT = "{wo}", "{alert}"
PAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("GET", "/rooms", READERS),
    ("GET", "/rooms/hq/lobby", READERS),
    ("GET", "/alerts", READERS),
    ("GET", "/compliance", READERS),
    ("GET", "/compliance.csv", READERS),
    ("GET", "/compliance/print", READERS),
    ("GET", "/board", READERS),
    ("GET", "/board/today", READERS),
    ("GET", "/board/calendar", READERS),
    ("GET", f"/work-orders/{WO}", EVERYONE),
    ("GET", "/work-orders/new", MANAGERS),
    ("GET", "/my-work", WORKERS),
    ("GET", f"/my-work/{WO}", WORKERS),
    ("GET", "/plans", MANAGERS),
    ("GET", "/users", (FM,)),
    ("GET", "/rules", MANAGERS),
    ("POST", f"/alerts/{ALERT}/acknowledge", (FM,)),
    ("POST", f"/work-orders/{WO}/assign", MANAGERS),
    ("POST", f"/work-orders/{WO}/status", MANAGERS),
    ("POST", "/work-orders/new", MANAGERS),
    ("POST", f"/my-work/{WO}/start", WORKERS),
    ("POST", f"/my-work/{WO}/hold", WORKERS),
    ("POST", f"/my-work/{WO}/checklist/0", WORKERS),
    ("POST", f"/my-work/{WO}/note", WORKERS),
    ("POST", f"/my-work/{WO}/finish", WORKERS),
    ("POST", "/plans", MANAGERS),
    ("POST", "/users", (FM,)),
]

API: list[tuple[str, str, tuple[str, ...], dict[str, Any] | None]] = [
    ("GET", "/api/v1/rooms", EVERYONE, None),
    ("GET", "/api/v1/rooms/hq/lobby/readings", EVERYONE, None),
    ("GET", "/api/v1/alerts", EVERYONE, None),
    ("GET", f"/api/v1/alerts/{ALERT}", EVERYONE, None),
    ("POST", f"/api/v1/alerts/{ALERT}/acknowledge", (FM,), None),
    ("GET", "/api/v1/work-orders", EVERYONE, None),
    ("GET", f"/api/v1/work-orders/{WO}", EVERYONE, None),
    (
        "POST",
        "/api/v1/work-orders",
        MANAGERS,
        {"type": "corrective", "crew": "cleaning", "building": "hq", "title": "Tumpahan kopi"},
    ),
    ("PATCH", f"/api/v1/work-orders/{WO}", WORKERS, {"notes": "sudah dicek"}),
    ("GET", "/api/v1/plans", MANAGERS, None),
    (
        "POST",
        "/api/v1/plans",
        MANAGERS,
        {
            "code": "lobby-daily",
            "title": "Lobi harian",
            "type": "routine",
            "crew": "cleaning",
            "building": "hq",
            "room": "lobby",
            "freq": "daily",
            "start_date": "2026-03-01",
        },
    ),  # fmt: skip
]


def _path(template: str, seeded: Seed) -> str:
    return template.replace(WO, str(seeded.work_order_id)).replace(ALERT, str(seeded.alert_id))


@pytest.mark.parametrize(
    ("method", "path", "allowed"), PAGES, ids=[f"{m} {p}" for m, p, _ in PAGES]
)
def test_pages_check_the_role(
    app: Flask, seeded: Seed, as_user: Callable[[str], FlaskClient],
    method: str, path: str, allowed: tuple[str, ...],
) -> None:  # fmt: skip
    url = _path(path, seeded)
    anonymous = app.test_client().open(url, method=method)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login")
    for username in EVERYONE:
        response = as_user(username).open(url, method=method)
        status = response.status_code
        if username in allowed:
            assert status not in (401, 403), f"{username} {method} {url} → {status}"
            assert status < 500 or status == 503, f"{username} {method} {url} → {status}"
            assert not response.headers.get("Location", "").startswith("/login")
        else:
            assert status == 403, f"{username} {method} {url} → {status}"


@pytest.mark.parametrize(
    ("method", "path", "allowed", "body"), API, ids=[f"{m} {p}" for m, p, _, _ in API]
)
def test_api_checks_the_role(
    app: Flask, seeded: Seed, token_for: Callable[[str], dict[str, str]],
    method: str, path: str, allowed: tuple[str, ...], body: dict[str, Any] | None,
) -> None:  # fmt: skip
    url = _path(path, seeded)
    client = app.test_client()
    anonymous = client.open(url, method=method, json=body)
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"] == "unauthorized"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    for username in EVERYONE:
        mine = {**body, "code": f"{body['code']}-{username}"} if body and "code" in body else body
        response = client.open(url, method=method, json=mine, headers=token_for(username))
        if username in allowed:
            assert response.status_code in (200, 201, 503), (username, response.get_json())
        else:
            assert response.status_code == 403, (username, response.get_json())
            assert response.get_json()["error"] == "forbidden"


def test_a_technician_only_sees_work_of_their_own_crews(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    # Another crew's work does not exist for a technician: 404 on every page and the API.
    hvac_order = f"/my-work/{seeded.hvac_work_order_id}"
    assert as_user("tech").get(hvac_order).status_code == 404
    assert as_user("hvac").get(hvac_order).status_code == 200
    assert as_user("tech").get(f"/work-orders/{seeded.hvac_work_order_id}").status_code == 404


def test_the_navigation_only_offers_what_the_role_may_open(
    as_user: Callable[[str], FlaskClient],
) -> None:
    tech = as_user("tech").get("/my-work").get_data(as_text=True)
    assert 'href="/my-work"' in tech and 'href="/rooms"' not in tech
    viewer = as_user("viewer").get("/rooms").get_data(as_text=True)
    assert 'href="/my-work"' not in viewer and 'href="/users"' not in viewer
    fm = as_user("fm").get("/rooms").get_data(as_text=True)
    assert 'href="/users"' in fm and 'href="/plans"' in fm
