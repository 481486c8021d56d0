"""Assets on the web and the API: managers register units and their zones, workers read them
and record meters, the page shows a unit's work, a QR label opens it; the CLI and the API
speak the same JSON; work orders carry their asset."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import CliRunner
from flask.testing import FlaskClient

from assets.cli import assets
from maintenance.domain.transitions import SYSTEM
from tests.web.conftest import NOW, FixedClockContainer, Seed


def _ahu(container: FixedClockContainer) -> None:
    container.asset_service.add(
        "ahu-1", "ahu", "hq", room="lobby", serves=("lobby", "r201"), name="AHU Lantai 1",
        by=SYSTEM,
    )  # fmt: skip


def test_a_manager_registers_an_ahu_with_its_zone_from_the_page(
    container: FixedClockContainer, seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    fm = as_user("fm")
    made = fm.post(
        "/assets",
        data={"code": "ahu-2", "kind": "ahu", "building": "hq", "room": "lobby",
              "serves": "lobby, r201", "name": "AHU Dua"},
    )  # fmt: skip
    assert made.status_code == 302 and made.headers["Location"].endswith("/assets/ahu-2")
    view = container.asset_service.get("ahu-2", viewer=SYSTEM)
    assert (view.kind, view.room, view.serves, view.name) == (
        "ahu", "lobby", ("lobby", "r201"), "AHU Dua",
    )  # fmt: skip
    page = fm.get("/assets?lang=id").get_data(as_text=True)
    assert 'data-asset="ahu-2"' in page and "Tambah aset" in page
    edited = fm.post("/assets/ahu-2", data={"name": "AHU 2", "serves": "r201", "status": "active"})
    assert edited.status_code == 302
    assert container.asset_service.get("ahu-2", viewer=SYSTEM).serves == ("r201",)
    refused = fm.post("/assets", data={"code": "ahu-3", "kind": "ahu", "building": "hq",
                                        "serves": "nosuchroom"})  # fmt: skip
    assert refused.status_code == 302
    assert [a.code for a in container.asset_service.list(viewer=SYSTEM)] == ["ahu-2"]


def test_the_asset_page_shows_its_zone_work_and_meters_and_workers_record_meters(
    container: FixedClockContainer, seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    _ahu(container)
    container.work_order_service.create(
        "fm", NOW, type="corrective", crew="cleaning", building="hq", title="Bersihkan grill AHU",
        asset="ahu-1",
    )  # fmt: skip
    tech = as_user("tech")
    assert (
        tech.post("/assets/ahu-1/meters", data={"meter": "run_hours", "value": "1234"}).status_code
        == 302
    )
    page = tech.get("/assets/ahu-1?lang=en").get_data(as_text=True)
    assert "AHU Lantai 1" in page and 'data-room="r201"' in page
    assert "Bersihkan grill AHU" in page and "1234" in page and "Run hours" in page
    assert 'action="/assets/ahu-1"' not in page  # only managers edit
    assert tech.post("/assets/ahu-1", data={"name": "x"}).status_code == 403
    assert as_user("viewer").get("/assets/ahu-1").status_code == 403
    label = as_user("sup").get("/assets/ahu-1/qr").get_data(as_text=True)
    assert "<svg" in label and "/assets/ahu-1" in label


def test_the_api_and_the_cli_list_the_same_asset_json(
    container: FixedClockContainer, seeded: Seed, client: FlaskClient,
    token_for: Callable[[str], dict[str, str]],
) -> None:  # fmt: skip
    created = client.post(
        "/api/v1/assets", headers=token_for("fm"),
        json={"code": "fcu-201", "kind": "fcu", "building": "hq", "serves": ["r201"]},
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["serves"] == ["r201"]
    again = client.post(
        "/api/v1/assets", headers=token_for("fm"),
        json={"code": "fcu-201", "kind": "fcu", "building": "hq"},
    )  # fmt: skip
    assert again.status_code == 422
    assert client.post("/api/v1/assets", headers=token_for("sup"), json={}).status_code == 403
    meter = client.post(
        "/api/v1/assets/fcu-201/meters", headers=token_for("tech"),
        json={"meter": "filter_pressure_drop", "value": 180},
    )  # fmt: skip
    assert meter.status_code == 201
    wo = client.post(
        "/api/v1/work-orders", headers=token_for("fm"),
        json={"type": "corrective", "crew": "hvac", "building": "hq", "room": "r201",
              "title": "Ganti filter FCU", "asset": "fcu-201"},
    )  # fmt: skip
    assert wo.status_code == 201 and wo.get_json()["asset"] == "fcu-201"
    one = client.get("/api/v1/assets/fcu-201", headers=token_for("sup")).get_json()
    assert [w["title"] for w in one["work_orders"]] == ["Ganti filter FCU"]
    assert [(m["meter"], m["value"]) for m in one["meters"]] == [("filter_pressure_drop", 180.0)]
    listed = client.get("/api/v1/assets", headers=token_for("tech")).get_json()["items"]

    result = CliRunner().invoke(assets, ["list", "--json"], obj=container)
    assert result.exit_code == 0, result.output
    cli_rows = json.loads(result.output)
    assert [r["code"] for r in cli_rows] == [r["code"] for r in listed] == ["fcu-201"]
    assert cli_rows == listed  # one model, the same JSON


def test_a_work_order_takes_only_an_asset_of_its_own_building(
    container: FixedClockContainer, seeded: Seed, client: FlaskClient,
    token_for: Callable[[str], dict[str, str]],
) -> None:  # fmt: skip
    container.location_service.save_room("cabang", "lobi", floor="l1")
    container.asset_service.add("ahu-cabang", "ahu", "cabang", by=SYSTEM)
    refused = client.post(
        "/api/v1/work-orders", headers=token_for("fm"),
        json={"type": "corrective", "crew": "hvac", "building": "hq", "title": "x",
              "asset": "ahu-cabang"},
    )  # fmt: skip
    assert refused.status_code == 422


def test_the_cli_adds_an_asset_records_a_meter_and_raises_work_on_it(
    container: FixedClockContainer, seeded: Seed
) -> None:
    from maintenance.cli import workorders

    runner = CliRunner()
    added = runner.invoke(
        assets,
        ["add", "ahu-9", "--kind", "ahu", "--building", "hq", "--serves", "lobby", "--serves",
         "r201", "--name", "AHU Sembilan"],
        obj=container,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["serves"] == ["lobby", "r201"]
    unknown = runner.invoke(assets, ["add", "x", "--kind", "ahu", "--building", "hq",
                                     "--serves", "nosuchroom"], obj=container)  # fmt: skip
    assert unknown.exit_code != 0 and "nosuchroom" in unknown.output
    metered = runner.invoke(
        assets, ["meter", "ahu-9", "--meter", "run_hours", "--value", "1234"], obj=container
    )
    assert metered.exit_code == 0 and json.loads(metered.output)["value"] == 1234.0
    raised = runner.invoke(
        workorders,
        ["create", "--by", "fm", "--type", "corrective", "--crew", "hvac", "--building", "hq",
         "--title", "Periksa belt AHU", "--asset", "ahu-9"],
        obj=container,
    )  # fmt: skip
    assert raised.exit_code == 0, raised.output
    assert json.loads(raised.output)["asset"] == "ahu-9"


def test_the_work_order_page_names_its_asset(
    container: FixedClockContainer, seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    _ahu(container)
    wo = container.work_order_service.create(
        "fm", NOW, type="corrective", crew="hvac", building="hq", title="Periksa kipas",
        asset="ahu-1",
    )  # fmt: skip
    page = as_user("fm").get(f"/work-orders/{wo.id}?lang=id").get_data(as_text=True)
    assert 'href="/assets/ahu-1"' in page and "Aset" in page
