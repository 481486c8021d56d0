"""Filter and parts stock on a real database (SQLite and PostgreSQL): receiving, consumption on
a work order, the reorder level opening exactly one purchase work order, roles and scope."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from maintenance.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from maintenance.services.users import actor_of
from udara.bootstrap import Container
from udara.cli import main
from udara.settings import Settings

T0 = datetime(2025, 5, 5, 1, 0, tzinfo=UTC)


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[Container]:
    """A manager of every building, a supervisor of hvac in menara-a, an hvac technician of
    menara-a, and a work order for him in each of two buildings."""
    container = Container(Settings(database_url=migrated_database_url))
    users = container.user_service
    container.location_service.save_room("menara-a", "lt3-ahu", floor="lt3", kind="plant_room")
    container.location_service.save_room("gedung-b", "lt1-ahu", floor="lt1", kind="plant_room")
    users.create("rina", "facility_manager", T0)
    users.create("hasan", "cleaning_supervisor", T0, crews=("hvac",), buildings=("menara-a",))
    users.create("agus", "technician", T0, crews=("hvac",), buildings=("menara-a",))
    users.create("lina", "viewer", T0)
    yield container
    container.engine.dispose()


def hvac_order(app: Container, building: str = "menara-a", room: str = "lt3-ahu") -> int:
    wo = app.work_order_service.create(
        "rina", T0, type="preventive", crew="hvac", building=building, room=room,
        title="Ganti filter AHU",
    )  # fmt: skip
    return wo.id


def purchase_orders(app: Container) -> list[dict[str, object]]:
    page = app.work_order_service.list(WorkOrderFilter(), viewer=SYSTEM, limit=500)
    return [w.to_json() for w in page.items if w.source == "stock"]


def test_consumption_to_the_reorder_level_opens_exactly_one_purchase_order(app: Container) -> None:
    stock = app.stock_service
    stock.add_item("filter-g4-592", "Filter G4 592x592", "pcs", "hvac", "hasan", T0)
    stock.receive("filter-g4-592", "menara-a", 6, "hasan", T0, note="PO 118")
    stock.set_reorder_level("filter-g4-592", "menara-a", 2, "hasan", T0)
    wo_id = hvac_order(app)
    app.work_order_service.assign(wo_id, "agus", "hasan", T0)

    level = stock.consume(wo_id, "filter-g4-592", 3, "agus", T0 + timedelta(hours=1))
    assert (level.quantity, level.low, level.purchase_order_id) == (3.0, False, None)
    assert purchase_orders(app) == []

    level = stock.consume(wo_id, "filter-g4-592", 1, "agus", T0 + timedelta(hours=2))
    assert (level.quantity, level.low) == (2.0, True)
    orders = purchase_orders(app)
    assert len(orders) == 1
    order = orders[0]
    assert level.purchase_order_id == order["id"]
    assert (order["crew"], order["building"], order["status"]) == ("hvac", "menara-a", "open")
    assert "Filter G4 592x592" in str(order["title"])

    # Further consumption below the level, and a second item's level, keep it one per item.
    stock.consume(wo_id, "filter-g4-592", 1, "agus", T0 + timedelta(hours=3))
    stock.set_reorder_level("filter-g4-592", "menara-a", 3, "hasan", T0 + timedelta(hours=3))
    assert len(purchase_orders(app)) == 1

    used = stock.consumption(wo_id, viewer=SYSTEM)
    assert [(m.item, m.kind, m.quantity, m.actor) for m in used] == [
        ("filter-g4-592", "consume", 3.0, "agus"),
        ("filter-g4-592", "consume", 1.0, "agus"),
        ("filter-g4-592", "consume", 1.0, "agus"),
    ]
    history = app.work_order_service.history(wo_id, viewer=SYSTEM)
    assert [e.detail["quantity"] for e in history if e.action == "consumption"] == [3, 1, 1]

    # Once that order is done, the next fall below the level opens a new one.
    purchase = level.purchase_order_id
    assert purchase is not None
    wos = app.work_order_service
    wos.assign(purchase, "agus", "hasan", T0 + timedelta(hours=4))
    wos.transition(purchase, "in_progress", "agus", T0 + timedelta(hours=4))
    wos.transition(purchase, "done", "agus", T0 + timedelta(hours=5))
    stock.receive("filter-g4-592", "menara-a", 1, "hasan", T0 + timedelta(hours=5))
    stock.consume(wo_id, "filter-g4-592", 1, "agus", T0 + timedelta(hours=6))
    assert [o["status"] for o in purchase_orders(app)] == ["done", "open"]


def test_concurrent_consumption_opens_one_purchase_order(app: Container) -> None:
    stock = app.stock_service
    stock.add_item("cairan-coil", "Pembersih coil", "l", "hvac", "rina", T0)
    stock.receive("cairan-coil", "menara-a", 20, "rina", T0)
    stock.set_reorder_level("cairan-coil", "menara-a", 15, "rina", T0)
    orders = [hvac_order(app) for _ in range(4)]
    errors: list[BaseException] = []

    def use(wo_id: int) -> None:
        try:
            stock.consume(wo_id, "cairan-coil", 2, "rina", T0 + timedelta(minutes=wo_id))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=use, args=(wo_id,)) for wo_id in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [lv.quantity for lv in stock.levels(viewer=SYSTEM)] == [12.0]
    assert len(purchase_orders(app)) == 1


def test_roles_scope_and_bad_input_are_refused(app: Container) -> None:
    stock = app.stock_service
    stock.add_item("filter-g4-592", "Filter G4 592x592", "pcs", "hvac", "rina", T0)
    stock.receive("filter-g4-592", "menara-a", 2, "rina", T0)
    stock.receive("filter-g4-592", "gedung-b", 5, "rina", T0)
    with pytest.raises(NotAllowed):
        stock.receive("filter-g4-592", "menara-a", 1, "agus", T0)
    with pytest.raises(NotAllowed):
        stock.add_item("lap", "Lap", "pcs", "cleaning", "lina", T0)
    with pytest.raises(NotFound):  # a building outside hasan's scope does not exist for him
        stock.receive("filter-g4-592", "gedung-b", 1, "hasan", T0)
    with pytest.raises(InvalidInput):
        stock.receive("filter-g4-592", "menara-a", -1, "rina", T0)
    with pytest.raises(Conflict):
        stock.add_item("filter-g4-592", "Lagi", "pcs", "hvac", "rina", T0)
    hasan = app.user_service.by_username("hasan")
    assert hasan is not None
    assert [lv.building for lv in stock.levels(viewer=actor_of(hasan))] == ["menara-a"]
    assert [lv.building for lv in stock.levels(viewer=SYSTEM)] == ["gedung-b", "menara-a"]
    # A technician records consumption only on work he may work on; more than there is, no.
    other = hvac_order(app)
    with pytest.raises(NotAllowed):
        stock.consume(other, "filter-g4-592", 1, "agus", T0)  # not his (unassigned)
    app.work_order_service.assign(other, "agus", "rina", T0)
    with pytest.raises(InvalidInput, match="only 2"):
        stock.consume(other, "filter-g4-592", 3, "agus", T0)
    outside = hvac_order(app, "gedung-b", "lt1-ahu")
    with pytest.raises(NotFound):
        stock.consume(outside, "filter-g4-592", 1, "agus", T0)


def test_the_stock_commands_receive_consume_and_reorder(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, app: Container
) -> None:
    monkeypatch.setenv("UDARA_DATABASE_URL", migrated_database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("stock", "add-item", "filter-g4", "--name", "Filter G4", "--unit", "pcs", "--crew", "hvac")
    run("stock", "receive", "filter-g4", "--building", "menara-a", "--quantity", "4")
    run("stock", "reorder-level", "filter-g4", "--building", "menara-a", "--level", "2")
    wo_id = hvac_order(app)
    app.work_order_service.assign(wo_id, "agus", "hasan", T0)
    out = run("stock", "consume", str(wo_id), "filter-g4", "--quantity", "2", "--as", "agus")
    assert "2 pcs left; purchase work order #" in out
    listed = json.loads(run("stock", "list", "--json"))
    assert len(listed) == 1
    assert {k: listed[0][k] for k in ("item", "building", "quantity", "reorder_level", "low")} == {
        "item": "filter-g4", "building": "menara-a", "quantity": 2.0, "reorder_level": 2.0,
        "low": True,
    }  # fmt: skip
    assert listed[0]["purchase_order_id"] == purchase_orders(app)[0]["id"]
    items = json.loads(run("stock", "items", "--json"))
    assert items == [{"code": "filter-g4", "name": "Filter G4", "unit": "pcs", "crew": "hvac"}]
    refused = CliRunner().invoke(
        main, ["stock", "consume", str(wo_id), "filter-g4", "--quantity", "9", "--as", "agus"]
    )
    assert refused.exit_code == 1 and "only 2 pcs" in refused.output
