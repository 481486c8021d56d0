"""The database-touching API on both engines: SQLite and PostgreSQL (`migrated_database_url`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.web.conftest import NOW, TEST_CONFIG, FixedClockContainer, make_settings, seed
from web import create_app


@pytest.fixture
def engine_case(
    migrated_database_url: str,
) -> Iterator[tuple[FixedClockContainer, FlaskClient, dict[str, int]]]:
    """A seeded database on this engine, an app over it, and the seed's ids."""
    container = FixedClockContainer(make_settings(migrated_database_url), NOW)
    found = seed(container)
    client = create_app(container, TEST_CONFIG).test_client()
    ids = {"wo": found.work_order_id, "alert": found.alert_id}
    yield container, client, ids
    container.engine.dispose()


def _h(container: FixedClockContainer, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {container.token_service.create(username, NOW)}"}


def test_work_order_lifecycle_and_alerts_on_each_engine(
    engine_case: tuple[FixedClockContainer, FlaskClient, dict[str, int]],
) -> None:
    container, api, ids = engine_case
    fm, sup, tech = _h(container, "fm"), _h(container, "sup"), _h(container, "tech")
    created = api.post(
        "/api/v1/work-orders",
        json={"type": "corrective", "crew": "cleaning", "building": "hq", "room": "lobby",
              "title": "Kaca pecah", "checklist": ["Amankan area"]},
        headers=sup,
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    url = f"/api/v1/work-orders/{created.get_json()['id']}"
    assert api.patch(url, json={"assignee": "tech"}, headers=sup).status_code == 200
    assert api.patch(url, json={"status": "in_progress"}, headers=tech).status_code == 200
    assert api.patch(url, json={"checklist": [{"index": 0}]}, headers=tech).status_code == 200
    done = api.patch(url, json={"status": "done", "time_spent_minutes": 15}, headers=tech)
    assert done.get_json()["status"] == "done"
    listed = api.get("/api/v1/work-orders?assignee=tech&status=done", headers=fm).get_json()
    assert [w["id"] for w in listed["items"]] == [done.get_json()["id"]]
    ack = api.post(f"/api/v1/alerts/{ids['alert']}/acknowledge", headers=fm)
    assert ack.get_json()["state"] == "acknowledged"
    page = api.get("/api/v1/alerts?limit=1&state=acknowledged", headers=fm).get_json()
    assert page["items"][0]["acknowledged_by"] == "fm"


def test_plans_on_each_engine(
    engine_case: tuple[FixedClockContainer, FlaskClient, dict[str, int]],
) -> None:
    container, api, _ = engine_case
    body = {
        "code": "ahu-monthly", "title": "Servis AHU", "type": "preventive", "crew": "hvac",
        "building": "hq", "freq": "monthly", "month_day": 5, "start_date": "2026-01-01",
    }  # fmt: skip
    created = api.post("/api/v1/plans", json=body, headers=_h(container, "fm"))
    assert created.status_code == 201, created.get_json()
    assert api.get("/api/v1/plans", headers=_h(container, "sup")).get_json()["items"][0][
        "code"
    ] == ("ahu-monthly")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/work-orders?assignee=a%00b", "/api/v1/alerts?building=h%00q", "/board?crew=a%00"],
)
def test_nul_bytes_never_reach_the_database(
    engine_case: tuple[FixedClockContainer, FlaskClient, dict[str, int]], path: str
) -> None:
    container, api, _ = engine_case
    response = api.get(path, headers=_h(container, "fm"))
    assert response.status_code in (400, 302, 422)


def test_nul_bytes_in_json_and_sign_in_are_refused(
    engine_case: tuple[FixedClockContainer, FlaskClient, dict[str, int]],
) -> None:
    container, api, ids = engine_case
    body = json.dumps({"notes": "ok\u0000"})
    response = api.patch(
        f"/api/v1/work-orders/{ids['wo']}", data=body,
        headers={**_h(container, "fm"), "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422
    login = api.post("/login", data={"username": "f\x00m", "password": "x"})
    assert login.status_code == 400


def _row_and_history(container: FixedClockContainer, wo_id: int) -> tuple[dict, int]:
    with container.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM work_orders WHERE id = :id"), {"id": wo_id})
        events = conn.execute(
            text("SELECT count(*) FROM work_order_events WHERE work_order_id = :id"),
            {"id": wo_id},
        )
        return dict(row.mappings().one()), events.scalar_one()


@pytest.mark.parametrize(
    ("who", "body", "status", "error"),
    [
        # a valid assignment, then a jump the status machine refuses
        ("sup", {"assignee": "tech", "status": "verified"}, 409, "conflict"),
        # a valid assignment and tick, then a checklist item that does not exist
        ("fm", {"assignee": "tech", "checklist": [{"index": 0}, {"index": 7}]}, 422,
         "invalid_request"),
        # a valid tick, then finishing work that was never started
        ("fm", {"checklist": [{"index": 0}, {"index": 1}], "status": "done"}, 409, "conflict"),
        # a valid assignment, then a cancellation a technician may not make
        ("tech", {"assignee": "tech", "status": "cancelled"}, 403, "forbidden"),
    ],
)  # fmt: skip
def test_a_refused_patch_changes_nothing_on_each_engine(
    engine_case: tuple[FixedClockContainer, FlaskClient, dict[str, int]],
    who: str,
    body: dict,
    status: int,
    error: str,
) -> None:
    container, api, ids = engine_case
    url = f"/api/v1/work-orders/{ids['wo']}"
    headers = _h(container, who)
    before_api = api.get(url, headers=headers).get_json()
    before_db = _row_and_history(container, ids["wo"])
    response = api.patch(url, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"] == error
    assert api.get(url, headers=headers).get_json() == before_api
    assert _row_and_history(container, ids["wo"]) == before_db


def test_a_multi_field_patch_applies_every_change_on_each_engine(
    engine_case: tuple[FixedClockContainer, FlaskClient, dict[str, int]],
) -> None:
    container, api, ids = engine_case
    url = f"/api/v1/work-orders/{ids['wo']}"
    fm = _h(container, "fm")
    _, events_before = _row_and_history(container, ids["wo"])
    body = {
        "assignee": "tech", "checklist": [{"index": 0}, {"index": 1}],
        "status": "in_progress", "notes": "mulai",
    }  # fmt: skip
    response = api.patch(url, json=body, headers=fm)
    assert response.status_code == 200, response.get_json()
    got = api.get(url, headers=fm).get_json()
    assert got["assignee"] == "tech" and got["status"] == "in_progress"
    assert all(item["done"] for item in got["checklist"])
    row, events_after = _row_and_history(container, ids["wo"])
    assert row["status"] == "in_progress" and row["version"] == 1
    assert events_after == events_before + 4  # assigned, two ticks, status
