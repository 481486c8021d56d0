"""Inspections over the API: a supervisor's synced checklist is scored like the web form's,
its failed items open corrective work, a retry with the same key records nothing twice, and
readers see it; bad answers get a 422 that names the item."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from typing import Any

from click.testing import CliRunner
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from inspections.cli import inspections
from maintenance.domain.transitions import SYSTEM
from tests.support.photos import large_jpeg, phone_jpeg
from tests.web.conftest import FixedClockContainer, Seed
from udara.scope import EVERYTHING

Headers = Callable[[str], dict[str, str]]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


PHOTO = b64(phone_jpeg((640, 480)))


def checklist(key: str = "tablet-7f3a", **changes: Any) -> dict[str, Any]:
    """An office-floor inspection of the lobby: the floor marked 2 of 5, the lights failed,
    each with the photo their template asks for."""
    body: dict[str, Any] = {
        "key": key, "template": "office_floor", "building": "hq", "room": "lobby",
        "note": "Shift pagi",
        "items": [
            {"item": "floor", "score": 2, "note": "Noda kopi di karpet", "photo": PHOTO},
            {"item": "desks", "score": 4}, {"item": "glass", "score": 5},
            {"item": "bins", "passed": True},
            {"item": "lights", "passed": False, "note": "Lampu koridor mati", "photo": PHOTO},
        ],
    }  # fmt: skip
    body.update(changes)
    return body


def test_a_synced_checklist_is_scored_and_its_failures_become_cleaning_work(
    container: FixedClockContainer, seeded: Seed, client: FlaskClient, token_for: Headers
) -> None:
    made = client.post("/api/v1/inspections", headers=token_for("sup"), json=checklist())
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert (body["building"], body["room"], body["room_name"], body["inspector"]) == (
        "hq", "lobby", "Lobi", "sup",
    )  # fmt: skip
    assert body["crew"] == "cleaning" and body["failed"] == 2
    failed = [i for i in body["items"] if i["failed"]]
    assert [i["item"] for i in failed] == ["floor", "lights"]
    assert all(i["has_photo"] for i in failed)
    # The photo is kept re-encoded, its camera metadata gone.
    kept = container.inspections.photo(body["id"], failed[0]["position"], scope=EVERYTHING)
    assert kept is not None and kept.startswith(b"\xff\xd8") and b"PhoneMaker" not in kept
    assert len(body["work_orders"]) == 2
    assert {i["work_order_id"] for i in failed} == set(body["work_orders"])
    # The same numbers as the form's scoring: weighted, floor counting twice.
    assert body["score"] == container.inspections.get(body["id"], scope=EVERYTHING).score
    for wo_id in body["work_orders"]:
        order = container.work_order_service.get(wo_id, viewer=SYSTEM)
        assert (order.type, order.crew, order.building, order.room) == (
            "corrective", "cleaning", "hq", "lobby",
        )  # fmt: skip

    # A retry after a lost answer: the same inspection, no new work.
    again = client.post("/api/v1/inspections", headers=token_for("sup"), json=checklist())
    assert again.status_code == 201 and again.get_json()["id"] == body["id"]
    assert len(container.inspections.recent(scope=EVERYTHING)) == 1
    assert again.get_json()["work_orders"] == body["work_orders"]

    # Readers see it, one or in the list.
    one = client.get(f"/api/v1/inspections/{body['id']}", headers=token_for("viewer"))
    assert one.status_code == 200 and one.get_json() == body
    listed = client.get("/api/v1/inspections?building=hq", headers=token_for("fm")).get_json()
    assert listed["items"] == [body]
    # The CLI speaks the same JSON.
    shell = CliRunner().invoke(inspections, ["list", "--json"], obj=container)
    assert shell.exit_code == 0, shell.output
    assert json.loads(shell.output) == [body]


def test_technicians_may_not_inspect_and_a_room_elsewhere_is_not_found(
    container: FixedClockContainer, seeded: Seed, client: FlaskClient, token_for: Headers
) -> None:
    refused = client.post("/api/v1/inspections", headers=token_for("tech"), json=checklist())
    assert refused.status_code == 403
    nowhere = client.post(
        "/api/v1/inspections", headers=token_for("sup"), json=checklist(room="nosuchroom")
    )
    assert nowhere.status_code == 404
    assert container.inspections.recent(scope=EVERYTHING) == []


def test_bad_answers_are_refused_with_what_is_wrong(
    container: FixedClockContainer, seeded: Seed, client: FlaskClient, token_for: Headers
) -> None:
    sup = token_for("sup")
    out_of_range = checklist(items=[{"item": "floor", "score": 9}])
    answer = client.post("/api/v1/inspections", headers=sup, json=out_of_range)
    assert answer.status_code == 422 and "items.0.score" in answer.get_json()["message"]
    # Every item of the template must be answered, each as its kind asks.
    missing = checklist(items=[{"item": "floor", "score": 3}])
    answer = client.post("/api/v1/inspections", headers=sup, json=missing)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    wrong_kind = checklist()
    wrong_kind["items"][3] = {"item": "bins", "score": 3}
    answer = client.post("/api/v1/inspections", headers=sup, json=wrong_kind)
    assert answer.status_code == 422 and "bins" in answer.get_json()["message"]
    # A failed item whose template asks for a photo needs one; a photo must be base64.
    no_photo = checklist()
    del no_photo["items"][4]["photo"]
    answer = client.post("/api/v1/inspections", headers=sup, json=no_photo)
    assert answer.status_code == 422 and "lights" in answer.get_json()["message"]
    garbled = checklist()
    garbled["items"][0]["photo"] = "not base64!"
    answer = client.post("/api/v1/inspections", headers=sup, json=garbled)
    assert answer.status_code == 422 and "floor" in answer.get_json()["message"]
    not_a_picture = checklist()
    not_a_picture["items"][0]["photo"] = b64(b"%PDF-1.4 a document")
    answer = client.post("/api/v1/inspections?lang=en", headers=sup, json=not_a_picture)
    assert answer.status_code == 422 and answer.get_json() == {
        "error": "photo_unreadable",
        "message": "The photo could not be read. Try another one.",
    }
    unknown = client.post(
        "/api/v1/inspections", headers=sup, json=checklist(template="nosuchtemplate")
    )
    assert unknown.status_code in (404, 422)
    extra = client.post("/api/v1/inspections", headers=sup, json=checklist(colour="red"))
    assert extra.status_code == 422
    assert container.inspections.recent(scope=EVERYTHING) == []


def test_a_real_phone_photo_goes_through_the_api_and_the_form(
    container: FixedClockContainer, seeded: Seed, client: FlaskClient, token_for: Headers,
    as_user: Callable[[str], FlaskClient],
) -> None:  # fmt: skip
    """Over the 1 MB other bodies may have: an inspection carries photos (the form's limit was
    set too late for the form, which had already been read with 1 MB)."""
    photo = large_jpeg()
    assert 2 * 1024 * 1024 <= len(photo) < 5 * 1024 * 1024
    body = checklist()
    body["items"][0]["photo"] = b64(photo)
    made = client.post("/api/v1/inspections", headers=token_for("sup"), json=body)
    assert made.status_code == 201, made.get_data(as_text=True)[:300]
    form = {
        "key": "form-1", "template": "office_floor", "room": "hq/r201", "item-floor": "2",
        "photo-floor": FileStorage(io.BytesIO(photo), "lantai.jpg", content_type="image/jpeg"),
        "item-desks": "4", "item-glass": "5",
        "item-bins": "pass", "item-lights": "pass",
    }  # fmt: skip
    # Encoded here: the test client spools a large body to a temporary file it never closes.
    boundary, encoded = encode_multipart(form)
    sent = as_user("sup").post(
        "/inspections", data=encoded, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[:300]
    assert len(container.inspections.recent(scope=EVERYTHING)) == 2
    # Photos beyond what one inspection may carry are refused before anything is read.
    many = checklist()
    for item in many["items"]:
        item["photo"] = PHOTO
    answer = client.post("/api/v1/inspections", headers=token_for("sup"), json=many)
    assert answer.status_code == 422 and "at most 4 photos" in answer.get_json()["message"]
