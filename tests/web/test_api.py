"""The JSON API of CONTRACTS.md: tokens, JSON errors, pagination, work orders, alerts, plans."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ingest.domain.evaluation import Evaluator
from ingest.domain.model import Reading, SensorRef
from ingest.domain.profiles import load_profile
from maintenance.domain.transitions import SYSTEM
from tests.web.conftest import NOW, FixedClockContainer, Seed
from web.adapters.orm import ApiToken

Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    """A client without a session (tokens only)."""
    return app.test_client()


# --- tokens ---
def test_tokens_are_stored_only_as_digests(
    container: FixedClockContainer, seeded: Seed, api: FlaskClient
) -> None:
    token = container.token_service.create("fm", NOW, name="integration")
    with container.session_factory() as session:
        row = session.scalars(select(ApiToken)).one()
    assert token not in (row.token_hash, row.prefix) and row.prefix == token[:12]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    ok = api.get("/api/v1/alerts", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer udr_not-a-real-token", "Basic Zm06eA==", "bearer " + "x" * 5000, "Token"],
)
def test_bad_credentials_are_401_json(seeded: Seed, api: FlaskClient, header: str) -> None:
    response = api.get("/api/v1/alerts", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_revoked_tokens_and_inactive_users_are_refused(
    container: FixedClockContainer, seeded: Seed, api: FlaskClient
) -> None:
    token = container.token_service.create("sup", NOW)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/alerts", headers=headers).status_code == 200
    container.user_service.set_active("sup", False)
    assert api.get("/api/v1/alerts", headers=headers).status_code == 401
    container.user_service.set_active("sup", True)
    assert container.token_service.revoke_all("sup", NOW) == 1
    assert api.get("/api/v1/alerts", headers=headers).status_code == 401


def test_the_browser_session_works_for_reads_and_needs_a_csrf_header_for_writes(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    fm = as_user("fm")
    assert fm.get("/api/v1/alerts").status_code == 200
    refused = fm.post(f"/api/v1/alerts/{seeded.alert_id}/acknowledge")
    assert refused.status_code == 403 and refused.get_json()["error"] == "csrf_failed"
    page = fm.get("/alerts").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    accepted = fm.post(
        f"/api/v1/alerts/{seeded.alert_id}/acknowledge", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200


# --- errors ---
def test_unknown_paths_and_methods_answer_json(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    missing = api.get("/api/v1/nothing-here", headers=token_for("fm"))
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = api.delete("/api/v1/alerts", headers=token_for("fm"))
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"


def test_validation_errors_say_what_is_wrong(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    response = api.get("/api/v1/alerts?state=burning&limit=0", headers=token_for("fm"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_request"
    fields = {tuple(d["loc"]) for d in body["details"]}
    assert ("state",) in fields and ("limit",) in fields
    assert "state" in body["message"]


# --- alerts ---
def test_alerts_are_paginated_newest_first(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    first = api.get("/api/v1/alerts?limit=1", headers=token_for("viewer")).get_json()
    assert len(first["items"]) == 1 and first["next_offset"] == 1
    second = api.get("/api/v1/alerts?limit=1&offset=1", headers=token_for("viewer")).get_json()
    assert second["next_offset"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {
        seeded.alert_id, seeded.resolved_alert_id,
    }  # fmt: skip


def test_alert_json_has_the_contract_fields(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    body = api.get(f"/api/v1/alerts/{seeded.alert_id}", headers=token_for("tech")).get_json()
    for key in ("id", "building", "room", "metric", "severity", "state", "opened_at",
                "resolved_at", "kind"):  # fmt: skip
        assert key in body
    assert body["state"] == "active" and body["metric"] == "co2"
    assert api.get("/api/v1/alerts/4242", headers=token_for("tech")).status_code == 404


def open_coded_alert(container: FixedClockContainer) -> int:
    """A CO2 early warning in the lobby, as evaluation words it (a code and its numbers)."""
    reading = Reading(SensorRef("hq", "lobby", "s1"), NOW, {"co2": 1250.4})
    [change] = Evaluator(load_profile("permenkes-1077-2011")).observe(reading)
    return container.alert_service.apply([change])[0].id


EN_WARNING = "CO₂ 10 min mean 1,250 ppm is above 1,000 ppm: an early warning"
ID_WARNING = "Rata-rata CO₂ 10 menit terakhir 1.250 ppm, di atas 1.000 ppm: peringatan dini"


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({}, "", ID_WARNING),
        ({"Accept-Language": "en-US,en;q=0.9"}, "", EN_WARNING),
        ({"Accept-Language": "id-ID,id;q=0.9"}, "", ID_WARNING),
        ({"Accept-Language": "en"}, "?lang=id", ID_WARNING),
        ({}, "?lang=en", EN_WARNING),
        ({"Accept-Language": "id"}, "cookie:en", EN_WARNING),
    ],
)
def test_alert_messages_follow_the_request_language(
    seeded: Seed,
    container: FixedClockContainer,
    api: FlaskClient,
    token_for: Headers,
    headers: dict[str, str],
    query: str,
    expected: str,
) -> None:
    alert_id = open_coded_alert(container)
    h = {**token_for("viewer"), **headers}
    if query.startswith("cookie:"):  # the language a page remembered
        api.set_cookie("udara_lang", query.removeprefix("cookie:"))
        query = ""
    one = api.get(f"/api/v1/alerts/{alert_id}{query}", headers=h).get_json()
    assert one["message"].startswith(expected)
    assert one["message_code"] == "early_warning_above"
    assert one["message_params"]["metric"] == "co2"
    assert one["room_name"] == "Lobi"
    listed = api.get(f"/api/v1/alerts{query}", headers=h).get_json()["items"]
    assert next(a for a in listed if a["id"] == alert_id) == one


def test_alerts_stored_before_codes_keep_their_text_and_show_their_room_name(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    for lang in ("en", "id"):
        url = f"/api/v1/alerts/{seeded.alert_id}?lang={lang}"
        body = api.get(url, headers=token_for("viewer")).get_json()
        assert body["message"] == "co2 short-window mean 1250 ppm"
        assert body["message_code"] is None
        assert (body["room"], body["room_name"]) == ("r201", "Ruang Rapat 201")


def test_alert_filters(seeded: Seed, api: FlaskClient, token_for: Headers) -> None:
    h = token_for("fm")
    resolved = api.get("/api/v1/alerts?state=resolved", headers=h).get_json()["items"]
    assert [a["id"] for a in resolved] == [seeded.resolved_alert_id]
    still_open = api.get("/api/v1/alerts?open=true", headers=h).get_json()["items"]
    assert [a["id"] for a in still_open] == [seeded.alert_id]
    in_room = api.get("/api/v1/alerts?building=hq&room=lobby", headers=h).get_json()["items"]
    assert [a["id"] for a in in_room] == [seeded.resolved_alert_id]


def test_acknowledge_keeps_the_first_and_refuses_resolved_alerts(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    h = token_for("fm")
    url = f"/api/v1/alerts/{seeded.alert_id}/acknowledge"
    first = api.post(url, headers=h).get_json()
    assert first["state"] == "acknowledged" and first["acknowledged_by"] == "fm"
    again = api.post(url, headers=h).get_json()
    assert again["acknowledged_at"] == first["acknowledged_at"]
    resolved = api.post(f"/api/v1/alerts/{seeded.resolved_alert_id}/acknowledge", headers=h)
    assert resolved.status_code == 409 and resolved.get_json()["error"] == "conflict"
    assert api.post("/api/v1/alerts/999/acknowledge", headers=h).status_code == 404


# --- work orders ---
def test_work_orders_list_filters_and_pages(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    h = token_for("viewer")
    page = api.get("/api/v1/work-orders?crew=cleaning&limit=1", headers=h).get_json()
    assert page["total"] >= 2 and len(page["items"]) == 1 and page["next_offset"] == 1
    item = page["items"][0]
    for key in ("id", "type", "crew", "building", "room", "title", "priority", "status",
                "assignee", "due_at", "plan_id", "occurrence_at", "alert_id"):  # fmt: skip
        assert key in item
    statuses = api.get("/api/v1/work-orders?status=open", headers=h).get_json()["items"]
    assert statuses and all(w["status"] == "open" for w in statuses)
    nobody = api.get("/api/v1/work-orders?assignee=tech", headers=h).get_json()
    assert nobody["total"] == 0
    bad = api.get("/api/v1/work-orders?status=finished", headers=h)
    assert bad.status_code == 422


def test_create_work_order(
    seeded: Seed, container: FixedClockContainer, api: FlaskClient, token_for: Headers
) -> None:
    body = {
        "type": "emergency", "crew": "hvac", "building": "hq", "room": "r201",
        "title": "Bau gas", "priority": "urgent", "checklist": ["Evakuasi", "Cek sumber"],
    }  # fmt: skip
    response = api.post("/api/v1/work-orders", json=body, headers=token_for("sup"))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "open" and created["created_by"] == "sup"
    assert [c["text"] for c in created["checklist"]] == ["Evakuasi", "Cek sumber"]
    assert container.work_order_service.get(created["id"], viewer=SYSTEM).title == "Bau gas"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "fix"}, "type"),
        ({"crew": "Cleaning Crew"}, "crew"),
        ({"title": ""}, "title"),
        ({"color": "red"}, "color"),
        ({"checklist": ["ok", ""]}, "checklist"),
        ({"due_at": "2026-03-11T10:00:00"}, "due_at"),  # no offset
    ],
)
def test_create_work_order_rejects_bad_fields(
    seeded: Seed, api: FlaskClient, token_for: Headers, change: dict[str, Any], field: str
) -> None:
    body = {"type": "routine", "crew": "cleaning", "building": "hq", "title": "x", **change}
    response = api.post("/api/v1/work-orders", json=body, headers=token_for("fm"))
    assert response.status_code == 422
    assert field in {str(d["loc"][0]) for d in response.get_json()["details"]}


def test_create_work_order_for_unknown_places_is_422_from_the_service(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    body = {"type": "routine", "crew": "cleaning", "building": "nowhere", "title": "x"}
    response = api.post("/api/v1/work-orders", json=body, headers=token_for("fm"))
    assert response.status_code == 422 and "nowhere" in response.get_json()["message"]


def test_patch_assign_tick_finish_in_one_flow(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    url = f"/api/v1/work-orders/{seeded.work_order_id}"
    assigned = api.patch(url, json={"assignee": "tech"}, headers=token_for("sup")).get_json()
    assert assigned["assignee"] == "tech" and assigned["status"] == "assigned"
    tech = token_for("tech")
    started = api.patch(url, json={"status": "in_progress"}, headers=tech).get_json()
    assert started["status"] == "in_progress"
    ticked = api.patch(
        url, json={"checklist": [{"index": 0}, {"index": 1, "done": True}]}, headers=tech
    ).get_json()
    assert all(c["done"] for c in ticked["checklist"])
    noted = api.patch(url, json={"notes": "lantai basah"}, headers=tech)
    assert noted.status_code == 200
    done = api.patch(
        url, json={"status": "done", "notes": "beres", "time_spent_minutes": 20}, headers=tech
    ).get_json()
    assert done["status"] == "done" and done["completion_notes"] == "beres"
    assert done["time_spent_minutes"] == 20
    verified = api.patch(url, json={"status": "verified"}, headers=token_for("fm")).get_json()
    assert verified["status"] == "verified"


def test_patch_follows_the_role_rules(seeded: Seed, api: FlaskClient, token_for: Headers) -> None:
    url = f"/api/v1/work-orders/{seeded.hvac_work_order_id}"
    wrong_crew = api.patch(url, json={"assignee": "tech"}, headers=token_for("sup"))
    assert wrong_crew.status_code == 403
    # The cleaning technician does not see the HVAC crew's work: to them it does not exist.
    not_mine = api.patch(url, json={"status": "done"}, headers=token_for("tech"))
    assert not_mine.status_code == 404
    jump = api.patch(url, json={"status": "verified"}, headers=token_for("fm"))
    assert jump.status_code == 409 and jump.get_json()["error"] == "conflict"
    viewer = api.patch(url, json={"notes": "hi"}, headers=token_for("viewer"))
    assert viewer.status_code == 403
    missing = api.patch("/api/v1/work-orders/9999", json={"notes": "x"}, headers=token_for("fm"))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "body",
    [{}, {"status": "teleported"}, {"time_spent_minutes": 5}, {"notes": ""}, [1, 2], "text"],
)
def test_patch_rejects_empty_or_malformed_changes(
    seeded: Seed, api: FlaskClient, token_for: Headers, body: Any
) -> None:
    url = f"/api/v1/work-orders/{seeded.work_order_id}"
    response = api.patch(url, json=body, headers=token_for("fm"))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == "invalid_request"


def test_patch_with_assignee_null_takes_work_back(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    url = f"/api/v1/work-orders/{seeded.work_order_id}"
    api.patch(url, json={"assignee": "tech"}, headers=token_for("sup"))
    back = api.patch(url, json={"assignee": None}, headers=token_for("sup")).get_json()
    assert back["assignee"] is None and back["status"] == "open"


# --- plans ---
PLAN = {
    "code": "toilet-l1", "title": "Toilet lantai 1", "type": "routine", "crew": "cleaning",
    "building": "hq", "freq": "weekly", "weekdays": [0, 3], "times": ["07:00", "13:30"],
    "start_date": "2026-03-01", "checklist": ["Isi sabun", "Pel lantai"],
}  # fmt: skip


def test_plans_are_created_and_listed(seeded: Seed, api: FlaskClient, token_for: Headers) -> None:
    created = api.post("/api/v1/plans", json=PLAN, headers=token_for("sup"))
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()
    assert plan["times"] == ["07:00", "13:30"] and plan["weekdays"] == [0, 3]
    assert plan["timezone"] == "Asia/Jakarta"
    listed = api.get("/api/v1/plans?crew=cleaning", headers=token_for("fm")).get_json()["items"]
    assert [p["code"] for p in listed] == ["toilet-l1"]
    duplicate = api.post("/api/v1/plans", json=PLAN, headers=token_for("fm"))
    assert duplicate.status_code == 422


@pytest.mark.parametrize(
    "change",
    [{"freq": "hourly"}, {"weekdays": [7]}, {"times": ["25:00"]}, {"start_date": "soon"},
     {"interval": 0}, {"code": ""}, {"unknown": 1}],
)  # fmt: skip
def test_plans_reject_bad_fields(
    seeded: Seed, api: FlaskClient, token_for: Headers, change: dict[str, Any]
) -> None:
    response = api.post("/api/v1/plans", json={**PLAN, **change}, headers=token_for("fm"))
    assert response.status_code == 422, response.get_json()


# --- readings ---
@pytest.mark.parametrize(
    "query",
    [
        "metric=radon",
        "start=2026-03-10T00:00:00Z&end=2026-03-09T00:00:00Z",
        "start=2025-01-01T00:00:00Z&end=2026-03-10T00:00:00Z",
        "start=2026-03-01T00:00:00Z&every=1s",
        "every=5x",
        "start=2026-03-10T00:00:00",
        "start=2030-01-01T00:00:00Z",
    ],
)
def test_readings_reject_bad_ranges(
    seeded: Seed, api: FlaskClient, token_for: Headers, query: str
) -> None:
    response = api.get(f"/api/v1/rooms/hq/lobby/readings?{query}", headers=token_for("fm"))
    assert response.status_code == 422, (query, response.get_json())


def test_readings_of_an_unknown_room_are_404(
    seeded: Seed, api: FlaskClient, token_for: Headers
) -> None:
    response = api.get("/api/v1/rooms/hq/attic/readings", headers=token_for("fm"))
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_token_use_is_recorded_without_a_write_per_request(
    container: FixedClockContainer, seeded: Seed, api: FlaskClient
) -> None:
    from datetime import timedelta

    token = container.token_service.create("fm", NOW)
    headers = {"Authorization": f"Bearer {token}"}

    def last_used() -> object:
        with container.session_factory() as session:
            return session.scalars(select(ApiToken.last_used_at)).one()

    api.get("/api/v1/alerts", headers=headers)
    first = last_used()
    assert first is not None
    container.now = NOW + timedelta(minutes=1)
    api.get("/api/v1/alerts", headers=headers)
    assert last_used() == first
    container.now = NOW + timedelta(minutes=6)
    api.get("/api/v1/alerts", headers=headers)
    assert last_used() != first
