"""Stock on the pages and the API, and the sensor verification on the work-order page and JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient

from ingest.domain.alerts import AlertChange, AlertKey
from maintenance.domain.transitions import SYSTEM
from maintenance.domain.verification import Bounds
from maintenance.services.queries import WorkOrderFilter
from maintenance.services.verification import SensorVerification
from tests.web.conftest import NOW, FixedClockContainer, Seed


def test_a_supervisor_keeps_stock_on_the_stock_page(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    sup = as_user("sup")
    added = sup.post("/stock/items", data={"code": "tisu-gulung", "name": "Tisu gulung",
                                          "unit": "roll", "crew": "cleaning"})  # fmt: skip
    assert added.status_code == 302
    sup.post("/stock/receive", data={"item": "tisu-gulung", "building": "hq", "quantity": "24",
                                     "note": "dari gudang"})  # fmt: skip
    sup.post("/stock/level", data={"item": "tisu-gulung", "building": "hq",
                                   "reorder_level": "6"})  # fmt: skip
    page = sup.get("/stock").get_data(as_text=True)
    assert 'data-item="tisu-gulung" data-building="hq"' in page
    assert "Batas pesan ulang" in page and "dari gudang" in page and "24" in page
    [level] = container.stock_service.levels(viewer=SYSTEM)
    assert (level.quantity, level.reorder_level, level.low) == (24.0, 6.0, False)
    # A refusal is a flashed message in the reader's language, not an error page.
    refused = sup.post("/stock/receive", data={"item": "tisu-gulung", "building": "hq",
                                               "quantity": "0"}, follow_redirects=True)  # fmt: skip
    assert "jumlah harus bilangan positif" in refused.get_data(as_text=True)
    assert as_user("tech").get("/stock").status_code == 403
    assert as_user("viewer").get("/stock").status_code == 403
    assert sup.get("/stock?building=nosuch").status_code == 404


def test_a_technician_records_consumption_on_his_work_order_and_stock_reorders(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    stock, wo = container.stock_service, seeded.work_order_id
    stock.add_item("cairan-pel", "Cairan pel lantai", "l", "cleaning", "fm", NOW)
    stock.receive("cairan-pel", "hq", 5, "fm", NOW)
    stock.set_reorder_level("cairan-pel", "hq", 2, "fm", NOW)
    tech = as_user("tech")
    before = tech.get(f"/my-work/{wo}").get_data(as_text=True)
    assert 'id="consumption"' in before and "Catat pemakaian" not in before  # not his yet
    container.work_order_service.assign(wo, "tech", "sup", NOW)
    page = tech.get(f"/my-work/{wo}").get_data(as_text=True)
    assert "Catat pemakaian" in page
    used = tech.post(f"/work-orders/{wo}/consumption",
                     data={"item": "cairan-pel", "quantity": "3,5", "next": f"/my-work/{wo}"},
                     follow_redirects=True)  # fmt: skip
    text = used.get_data(as_text=True)
    assert "Stok menipis: perintah kerja pembelian #" in text
    assert 'data-item="cairan-pel"' in text
    [level] = stock.levels(viewer=SYSTEM)
    assert level.quantity == 1.5 and level.purchase_order_id is not None
    purchase = container.work_order_service.get(level.purchase_order_id, viewer=SYSTEM)
    assert (purchase.source, purchase.crew, purchase.building) == ("stock", "cleaning", "hq")
    history = tech.get(f"/work-orders/{wo}").get_data(as_text=True)
    assert "stok dipakai" in history


def test_the_api_records_consumption_and_lists_stock(
    seeded: Seed, container: FixedClockContainer, token_for: Callable[[str], dict[str, str]],
    client: FlaskClient,
) -> None:  # fmt: skip
    stock, wo = container.stock_service, seeded.hvac_work_order_id
    stock.add_item("filter-g4", "Filter G4", "pcs", "hvac", "fm", NOW)
    stock.receive("filter-g4", "hq", 3, "fm", NOW)
    stock.set_reorder_level("filter-g4", "hq", 1, "fm", NOW)
    fm = token_for("fm")
    answer = client.post(f"/api/v1/work-orders/{wo}/consumption", headers=fm,
                         json={"item": "filter-g4", "quantity": 2, "note": "AHU-2"})  # fmt: skip
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["level"]["quantity"] == 1.0 and body["level"]["low"] is True
    assert body["level"]["purchase_order_id"] is not None
    assert [(m["item"], m["quantity"], m["note"]) for m in body["consumption"]] == [
        ("filter-g4", 2.0, "AHU-2")
    ]
    too_much = client.post(f"/api/v1/work-orders/{wo}/consumption", headers=fm,
                           json={"item": "filter-g4", "quantity": 5})  # fmt: skip
    assert too_much.status_code == 422 and "hanya ada 1 pcs" in too_much.get_json()["message"]
    bad = client.post(f"/api/v1/work-orders/{wo}/consumption", headers=fm,
                      json={"item": "filter-g4", "quantity": -1})  # fmt: skip
    assert bad.status_code == 422
    # The cleaning technician does not work on the hvac order.
    tech = client.post(f"/api/v1/work-orders/{wo}/consumption", headers=token_for("tech"),
                       json={"item": "filter-g4", "quantity": 1})  # fmt: skip
    assert tech.status_code in (403, 404)
    listed = client.get("/api/v1/stock", headers=fm).get_json()
    assert [(i["item"], i["building"], i["quantity"]) for i in listed["items"]] == [
        ("filter-g4", "hq", 1.0)
    ]
    assert client.get("/api/v1/stock", headers=token_for("tech")).status_code == 403


def test_the_sensor_verification_shows_on_the_page_and_in_the_json(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient],
    token_for: Callable[[str], dict[str, str]], client: FlaskClient,
) -> None:  # fmt: skip
    # The seeded CO2 alert in hq/r201 opened an hvac work order; done at NOW.
    [alert_order] = [
        o
        for o in container.work_order_service.list(
            WorkOrderFilter(room="r201"), viewer=SYSTEM
        ).items
        if o.source == "alert" and o.alert_id == seeded.alert_id
    ]
    wos = container.work_order_service
    wos.transition(alert_order.id, "in_progress", "hvac", NOW - timedelta(minutes=5))
    wos.transition(alert_order.id, "done", "hvac", NOW, notes="damper dibuka")
    readings = [(NOW + timedelta(minutes=m), 700.0) for m in range(0, 35)]
    verifier = SensorVerification(
        container.session_factory, lambda *_: readings, lambda: container.alert_service,
        lambda metric: Bounds(upper=1000.0), hold=timedelta(minutes=30),
    )  # fmt: skip
    verifier.run(NOW + timedelta(minutes=10))
    pending = as_user("fm").get(f"/work-orders/{alert_order.id}").get_data(as_text=True)
    assert 'data-verification="pending"' in pending and "Menunggu pemeriksaan sensor" in pending
    assert verifier.run(NOW + timedelta(minutes=40)).verified == [alert_order.id]
    page = as_user("fm").get(f"/work-orders/{alert_order.id}").get_data(as_text=True)
    assert 'data-verification="verified"' in page and "Diverifikasi oleh sensor" in page
    assert "rata-rata 700" in page
    api = client.get(f"/api/v1/work-orders/{alert_order.id}", headers=token_for("fm")).get_json()
    assert api["status"] == "verified"
    assert api["verification"]["state"] == "verified" and api["verification"]["mean"] == 700.0
    found = client.get("/api/v1/work-orders?verification=verified", headers=token_for("fm"))
    assert [w["id"] for w in found.get_json()["items"]] == [alert_order.id]
    wrong = client.get("/api/v1/work-orders?verification=maybe", headers=token_for("fm"))
    assert wrong.status_code == 422


def test_a_new_alert_for_the_room_and_metric_flags_the_done_order_not_fixed(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    [alert_order] = [
        o
        for o in container.work_order_service.list(
            WorkOrderFilter(room="r201"), viewer=SYSTEM
        ).items
        if o.source == "alert" and o.alert_id == seeded.alert_id
    ]
    wos = container.work_order_service
    wos.transition(alert_order.id, "in_progress", "hvac", NOW - timedelta(minutes=5))
    wos.transition(alert_order.id, "done", "hvac", NOW, notes="damper dibuka")
    key = AlertKey("hq", "r201", "co2", "warning")
    alerts = container.alert_service
    alerts.apply([AlertChange("clear", key, NOW + timedelta(minutes=2))])
    [again] = alerts.apply([AlertChange("open", key, NOW + timedelta(minutes=12), value=1180.0)])
    readings = [(NOW + timedelta(minutes=m), 800.0) for m in range(0, 40)]  # none outside
    verifier = SensorVerification(
        container.session_factory, lambda *_: readings, lambda: container.alert_service,
        lambda metric: Bounds(upper=1000.0), hold=timedelta(minutes=30),
    )  # fmt: skip
    verifier.run(NOW + timedelta(minutes=1))
    assert verifier.run(NOW + timedelta(minutes=45)).not_fixed == [alert_order.id]
    view = container.work_order_service.get(alert_order.id, viewer=SYSTEM)
    assert view.status == "done" and view.verification is not None
    check = view.verification
    assert (check.state, check.reason, check.alert_id) == ("not_fixed", "new_alert", again.id)
    assert check.breach_at == NOW + timedelta(minutes=12)
    page = as_user("sup").get(f"/work-orders/{alert_order.id}").get_data(as_text=True)
    assert 'data-verification="not_fixed"' in page and "peringatan baru untuk ruangan ini" in page
    # The board flags it, and its filter finds exactly the flagged orders.
    board = as_user("sup").get("/board?verification=not_fixed").get_data(as_text=True)
    assert "data-not-fixed" in board and f"/work-orders/{alert_order.id}" in board
    assert f'/work-orders/{seeded.work_order_id}"' not in board
    assert as_user("sup").get("/board?verification=maybe").status_code == 400
