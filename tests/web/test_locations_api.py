"""The building register API: /api/v1/buildings, its floors and rooms, within each caller's
buildings; 201 on create, 404 out of reach, 409 on clashes, 422 on bad input, never 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from maintenance.adapters.orm import Building, User, UserBuilding
from maintenance.domain.transitions import Actor
from tests.web.conftest import NOW, PASSWORD, FixedClockContainer, Seed
from udara.db import transaction

Headers = Callable[[str], dict[str, str]]
ADMIN = Actor("fm", "facility_manager")


def limit_to(container: FixedClockContainer, username: str, *buildings: str) -> None:
    """Limit a user to these buildings (as `udara users update --building` will)."""
    with transaction(container.session_factory) as session:
        user = session.query(User).filter_by(username=username).one()
        for code in buildings:
            building = session.query(Building).filter_by(code=code).one()
            session.add(UserBuilding(user_id=user.id, building_id=building.id))


@pytest.fixture
def depot(container: FixedClockContainer, seeded: Seed) -> None:
    """A second building, and fm-hq: a facility manager of hq only."""
    container.building_service.create_building(ADMIN, "depot", name="Gudang Cikarang")
    container.building_service.add_room(ADMIN, "depot", "rak-1")
    container.user_service.create("fm-hq", "facility_manager", NOW, password=PASSWORD)
    limit_to(container, "fm-hq", "hq")


def test_every_role_lists_the_buildings_it_reaches(
    client: FlaskClient, token_for: Headers, depot: None
) -> None:
    assert client.get("/api/v1/buildings").status_code == 401
    body = client.get("/api/v1/buildings", headers=token_for("viewer")).get_json()
    assert [b["code"] for b in body["items"]] == ["depot", "hq"]
    hq = body["items"][1]
    assert (hq["name"], hq["timezone"], hq["rooms"], hq["hours"]) == (
        "Kantor Pusat", "Asia/Jakarta", 2, "",
    )  # fmt: skip
    scoped = client.get("/api/v1/buildings", headers=token_for("fm-hq")).get_json()
    assert [b["code"] for b in scoped["items"]] == ["hq"]


def test_a_facility_manager_creates_a_building_with_operating_hours(
    client: FlaskClient, token_for: Headers, container: FixedClockContainer
) -> None:
    fm = token_for("fm")
    created = client.post(
        "/api/v1/buildings",
        json={"code": "menara-b", "name": "Menara B", "timezone": "Asia/Makassar",
              "hours": "mon-fri 07:00-19:00,sat 08:00-13:00"},
        headers=fm,
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["hours"] == "mon-fri 07:00-19:00,sat 08:00-13:00"
    assert body["hours_by_day"]["sat"] == [["08:00", "13:00"]]
    # The API and `udara buildings list --json` emit one shape.
    assert body == container.building_service.building(ADMIN, "menara-b").to_json()
    by_day = client.post(
        "/api/v1/buildings",
        json={"code": "menara-c", "hours": {"mon": [["08:00", "12:00"], ["13:00", "17:00"]],
                                            "sun": []}},
        headers=fm,
    )  # fmt: skip
    assert by_day.status_code == 201
    assert by_day.get_json()["hours"] == "mon 08:00-12:00 13:00-17:00,sun closed"
    assert by_day.get_json()["timezone"] == "Asia/Jakarta"  # UDARA_TIMEZONE


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"code": "hq"}, 409, "already exists"),
        ({"code": "b2", "hours": "mon-fri 19:00-07:00"}, 422, "split a night at midnight"),
        ({"code": "b2", "hours": "weekdays 07:00-19:00"}, 422, "unknown day 'weekdays'"),
        ({"code": "b2", "hours": {"mon": [["07:00", "31:00"]]}}, 422, "31:00"),
        ({"code": "b2", "hours": {"funday": []}}, 422, "hours"),
        ({"code": "b2", "hours": {"mon": "07:00-19:00"}}, 422, "hours"),
        ({"code": "b2", "hours": ["mon"]}, 422, "hours"),
        ({"code": "b2", "timezone": "Asia/Atlantis"}, 422, "unknown time zone"),
        ({"code": "Gedung B"}, 422, "code"),
        ({"code": "b2", "name": "x" * 101}, 422, "name"),
        ({"code": "b2", "floors": 3}, 422, "floors"),
        ({}, 422, "code"),
    ],
)
def test_bad_or_clashing_buildings_are_refused_with_what_is_wrong(
    client: FlaskClient, token_for: Headers, body: dict[str, Any], status: int, words: str
) -> None:
    response = client.post("/api/v1/buildings?lang=en", json=body, headers=token_for("fm"))
    assert response.status_code == status, response.get_json()
    assert words in response.get_json()["message"]


def test_only_a_manager_of_every_building_creates_one(
    client: FlaskClient, token_for: Headers, depot: None
) -> None:
    for who in ("sup", "tech", "viewer", "fm-hq"):
        response = client.post("/api/v1/buildings", json={"code": "b9"}, headers=token_for(who))
        assert response.status_code == 403, who
    assert "b9" not in str(client.get("/api/v1/buildings", headers=token_for("fm")).get_json())


def test_a_scoped_manager_reaches_nothing_of_another_building(
    client: FlaskClient, token_for: Headers, depot: None
) -> None:
    h = token_for("fm-hq")
    for method, path, body in (
        ("get", "/api/v1/buildings/depot", None),
        ("patch", "/api/v1/buildings/depot", {"name": "Mine"}),
        ("get", "/api/v1/buildings/depot/floors", None),
        ("post", "/api/v1/buildings/depot/floors", {"code": "l1"}),
        ("patch", "/api/v1/buildings/depot/floors/default", {"name": "Dasar"}),
        ("get", "/api/v1/buildings/depot/rooms", None),
        ("post", "/api/v1/buildings/depot/rooms", {"code": "rak-2"}),
        ("get", "/api/v1/buildings/depot/rooms/rak-1", None),
        ("patch", "/api/v1/buildings/depot/rooms/rak-1", {"name": "Rak Satu"}),
        ("post", "/api/v1/buildings/depot/rooms/rak-1/merge", {"into": "rak-1"}),
        ("get", "/api/v1/buildings/nowhere", None),
    ):
        response = getattr(client, method)(path, json=body, headers=h)
        assert response.status_code == 404, (method, path, response.get_json())
    missing = client.get("/api/v1/buildings/nowhere", headers=h).get_json()
    hidden = client.get("/api/v1/buildings/depot", headers=h).get_json()
    assert hidden["error"] == missing["error"] == "not_found"  # indistinguishable
    own = client.patch(
        "/api/v1/buildings/hq", json={"hours": "mon-fri 08:00-17:00"}, headers=h
    ).get_json()
    assert own["hours"] == "mon-fri 08:00-17:00"
    assert client.get("/api/v1/buildings/depot", headers=token_for("fm")).status_code == 200


def test_rooms_are_added_renamed_and_listed(
    client: FlaskClient, token_for: Headers, seeded: Seed
) -> None:
    fm = token_for("fm")
    made = client.post(
        "/api/v1/buildings/hq/rooms",
        json={"code": "l2-pantry", "floor": "l2", "name": "Pantry Lantai 2"},
        headers=fm,
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json() == {
        "building": "hq", "floor": "l2", "code": "l2-pantry", "name": "Pantry Lantai 2",
        "kind": "pantry", "traffic": "high", "aliases": [],
    }  # fmt: skip
    again = client.post("/api/v1/buildings/hq/rooms", json={"code": "l2-pantry"}, headers=fm)
    assert again.status_code == 409
    renamed = client.patch(
        "/api/v1/buildings/hq/rooms/l2-pantry", json={"name": "Dapur Kecil"}, headers=fm
    )
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Dapur Kecil"
    unchanged = client.patch("/api/v1/buildings/hq/rooms/l2-pantry", json={}, headers=fm)
    assert unchanged.get_json() == renamed.get_json()
    listed = client.get("/api/v1/buildings/hq/rooms", headers=token_for("viewer")).get_json()
    assert [r["code"] for r in listed["items"]] == ["l2-pantry", "lobby", "r201"]
    for path, body, status in (
        ("/api/v1/buildings/hq/rooms/nope", {"name": "x"}, 404),
        ("/api/v1/buildings/hq/rooms/lobby", {"kind": "ballroom"}, 422),
        ("/api/v1/buildings/hq/rooms/lobby", {"traffic": "extreme"}, 422),
        ("/api/v1/buildings/hq/rooms/lobby", {"name": ""}, 422),
        ("/api/v1/buildings/hq/rooms/lobby", {"code": "lobi"}, 422),
        ("/api/v1/buildings/hq/rooms/lobby", {"floor": "Lantai 1"}, 422),
    ):
        assert client.patch(path, json=body, headers=fm).status_code == status, (path, body)
    assert (
        client.patch(
            "/api/v1/buildings/hq/rooms/lobby", json={"name": "x"}, headers=token_for("sup")
        ).status_code
        == 403
    )


def test_floors_are_added_and_levelled(
    client: FlaskClient, token_for: Headers, seeded: Seed
) -> None:
    fm = token_for("fm")
    made = client.post(
        "/api/v1/buildings/hq/floors",
        json={"code": "b1", "name": "Basement", "level": -1},
        headers=fm,
    )
    assert made.status_code == 201
    assert made.get_json() == {"building": "hq", "code": "b1", "name": "Basement", "level": -1,
                               "rooms": 0}  # fmt: skip
    assert (
        client.post("/api/v1/buildings/hq/floors", json={"code": "b1"}, headers=fm).status_code
        == 409
    )
    assert (
        client.post(
            "/api/v1/buildings/hq/floors", json={"code": "x", "level": 999}, headers=fm
        ).status_code
        == 422
    )
    cleared = client.patch("/api/v1/buildings/hq/floors/b1", json={"level": None}, headers=fm)
    assert cleared.get_json()["level"] is None and cleared.get_json()["name"] == "Basement"
    floors = client.get("/api/v1/buildings/hq/floors", headers=fm).get_json()["items"]
    assert {f["code"]: f["rooms"] for f in floors} == {"l1": 1, "l2": 1, "b1": 0}


def test_a_typo_room_is_merged_into_the_right_one(
    client: FlaskClient, token_for: Headers, container: FixedClockContainer, seeded: Seed
) -> None:
    container.location_service.discover_rooms([("hq", "lobi")])
    fm = token_for("fm")
    merged = client.post(
        "/api/v1/buildings/hq/rooms/lobi/merge", json={"into": "lobby"}, headers=fm
    )
    assert merged.status_code == 200, merged.get_json()
    assert (merged.get_json()["code"], merged.get_json()["aliases"]) == ("lobby", ["lobi"])
    assert client.get("/api/v1/buildings/hq/rooms/lobi", headers=fm).status_code == 404
    taken = client.post("/api/v1/buildings/hq/rooms", json={"code": "lobi"}, headers=fm)
    assert taken.status_code == 409 and "lobby" in taken.get_json()["message"]
    itself = client.post(
        "/api/v1/buildings/hq/rooms/lobby/merge", json={"into": "lobby"}, headers=fm
    )
    assert itself.status_code == 422
    unknown = client.post(
        "/api/v1/buildings/hq/rooms/lobby/merge", json={"into": "ghost"}, headers=fm
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        [], "text", 7, {"code": None}, {"code": ["hq"]}, {"code": "b", "hours": 5},
        {"code": "b", "hours": {"mon": [[7, 19]]}}, {"code": "b", "hours": "mon " + "x" * 10_000},
        {"code": "b", "hours": {"mon": [["07:00"]]}}, {"code": "b", "level": "high"},
        {"code": "b\u0000"}, {"code": "b", "name": "\u0000"},
    ],
)  # fmt: skip
def test_nothing_a_client_sends_is_a_500(
    client: FlaskClient, token_for: Headers, seeded: Seed, payload: Any
) -> None:
    fm = token_for("fm")
    for path in ("/api/v1/buildings", "/api/v1/buildings/hq/rooms", "/api/v1/buildings/hq/floors"):
        response = client.post(path, json=payload, headers=fm)
        assert 400 <= response.status_code < 500, (path, payload, response.get_json())
        assert "error" in response.get_json()
    weird = client.patch("/api/v1/buildings/hq/rooms/%00", json={"name": "x"}, headers=fm)
    assert weird.status_code in (400, 404)


def test_the_register_is_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for method, path in (
        ("get", "/api/v1/buildings"),
        ("post", "/api/v1/buildings"),
        ("get", "/api/v1/buildings/{building}/rooms"),
        ("post", "/api/v1/buildings/{building}/rooms"),
        ("patch", "/api/v1/buildings/{building}/rooms/{room}"),
        ("post", "/api/v1/buildings/{building}/floors"),
        ("post", "/api/v1/buildings/{building}/rooms/{room}/merge"),
    ):
        operation = paths[path][method]
        assert operation["summary"] and {"401", "403"} <= set(operation["responses"])
    assert "201" in paths["/api/v1/buildings"]["post"]["responses"]
    assert "404" in paths["/api/v1/buildings/{building}/rooms"]["get"]["responses"]
