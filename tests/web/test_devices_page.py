"""The devices page: a manager places a pending device; nobody reaches another building's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient

from devices.domain import Sighting
from maintenance.domain.transitions import SYSTEM
from tests.web.conftest import NOW, FixedClockContainer, Seed


def _hear(container: FixedClockContainer, device: str, *metrics: str) -> None:
    container.device_service.record_sightings(
        [
            Sighting(
                device, device.split(":")[0], NOW - timedelta(hours=1), NOW, 12, frozenset(metrics)
            )
        ]
    )


def test_a_pending_device_is_shown_with_what_it_reports_and_placed_from_the_page(
    container: FixedClockContainer, seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    _hear(container, "tasmota:kantor_1", "co2", "pm25")
    fm = as_user("fm")
    page = fm.get("/devices").get_data(as_text=True)
    assert 'data-device="tasmota:kantor_1"' in page and "co2, pm25" in page
    placed = fm.post(
        "/devices/tasmota:kantor_1/place",
        data={"room": "hq/r201", "mapping": "CarbonDioxide=co2", "offsets": "co2=-15"},
    )
    assert placed.status_code == 302
    device = container.device_service.get("tasmota:kantor_1", viewer=SYSTEM)
    assert (device.status, device.building, device.room) == ("active", "hq", "r201")
    assert device.offsets == {"co2": -15.0} and device.mapping == {"CarbonDioxide": "co2"}


def test_only_facility_managers_open_the_devices_page(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    for user in ("sup", "tech", "viewer"):
        assert as_user(user).get("/devices").status_code == 403
        assert as_user(user).post("/devices/x:y/retire").status_code == 403


def test_a_manager_of_another_building_neither_sees_nor_places_the_device(
    container: FixedClockContainer, seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    container.location_service.save_room("cabang", "lobi", floor="l1")
    container.user_service.create(
        "fm-cabang", "facility_manager", NOW, password="rahasia-yang-panjang",
        buildings=("cabang",),
    )  # fmt: skip
    _hear(container, "esphome:node-7", "co2")
    container.device_service.place("esphome:node-7", "hq", "lobby", by=SYSTEM)
    other = as_user("fm-cabang")
    assert "esphome:node-7" not in other.get("/devices").get_data(as_text=True)
    moved = other.post("/devices/esphome:node-7/place", data={"room": "cabang/lobi"})
    assert moved.status_code == 404
    assert other.post("/devices/esphome:node-7/retire").status_code == 404
    assert container.device_service.get("esphome:node-7", viewer=SYSTEM).room == "lobby"


def test_placed_devices_show_their_faulty_time_even_without_influxdb(
    container: FixedClockContainer, seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    from ingest.domain.alerts import AlertChange, AlertKey

    _hear(container, "shelly:ht-1", "temperature")
    placed = container.device_service.place("shelly:ht-1", "hq", "lobby", by=SYSTEM)
    key = AlertKey("hq", "lobby", "temperature", "warning", "faulty", placed.sensor)
    container.alert_service.apply([AlertChange("open", key, NOW - timedelta(hours=3))])
    page = as_user("fm").get("/devices").get_data(as_text=True)
    row = page[page.index('data-device="shelly:ht-1"') :]
    assert "3.0" in row[: row.index("</tr>")] and "temperature" in row[: row.index("</tr>")]


def test_a_placed_device_is_corrected_from_the_page(
    container: FixedClockContainer, seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    _hear(container, "esphome:node-3", "co2")
    container.device_service.place("esphome:node-3", "hq", "r201", by=SYSTEM)
    fm = as_user("fm")
    saved = fm.post(
        "/devices/esphome:node-3/correct", data={"mapping": "karbon=co2", "offsets": "co2=-20"}
    )
    assert saved.status_code == 302
    device = container.device_service.get("esphome:node-3", viewer=SYSTEM)
    assert device.mapping == {"karbon": "co2"} and device.offsets == {"co2": -20.0}
    bad = fm.post("/devices/esphome:node-3/correct", data={"mapping": "karbon=radon"})
    assert bad.status_code == 302
    assert container.device_service.get("esphome:node-3", viewer=SYSTEM).mapping == {
        "karbon": "co2"
    }
