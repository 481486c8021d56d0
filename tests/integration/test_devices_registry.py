"""The device registry on SQLite and PostgreSQL: heard devices wait, people place them."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devices.domain import Sighting
from devices.service import DeviceService
from maintenance.domain.errors import NotAllowed, NotFound
from maintenance.domain.transitions import Actor
from maintenance.services.locations import LocationService
from udara.db import make_engine, make_session_factory
from udara.scope import Scope

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ADMIN = Actor("fm", "facility_manager")
HQ_MANAGER = Actor("fm-hq", "facility_manager", scope=Scope.of(["hq"]))


@pytest.fixture
def registry(migrated_database_url: str):
    engine = make_engine(migrated_database_url)
    sessions = make_session_factory(engine)
    locations = LocationService(sessions, "Asia/Jakarta")
    locations.save_room("hq", "lt1-lobby", floor="lt1")
    locations.save_room("other", "lt2-kantor", floor="lt2")
    service = DeviceService(sessions, clock=lambda: T0)
    yield service, None
    engine.dispose()


def _seen(device: str, at: datetime, *metrics: str, n: int = 1) -> Sighting:
    return Sighting(device, device.split(":")[0], at, at, n, frozenset(metrics))


def test_a_device_heard_for_the_first_time_waits_pending_with_what_it_reports(registry) -> None:
    service, _ = registry
    assert service.record_sightings([_seen("tasmota:kantor", T0, "co2", n=2)]) == 1
    later = T0 + timedelta(minutes=5)
    assert service.record_sightings([_seen("tasmota:kantor", later, "pm25", n=3)]) == 0
    (device,) = service.list("pending", viewer=ADMIN)
    assert device.device == "tasmota:kantor" and device.status == "pending"
    assert device.first_seen == T0 and device.last_seen == later
    assert device.readings == 5 and device.metrics == ("co2", "pm25")


def test_placing_a_device_puts_it_on_the_room_and_tells_ingest_which_copies_once(
    registry,
) -> None:
    service, _ = registry
    service.record_sightings([_seen("esphome:node-1", T0, "co2")])
    version, _ = service.placements_since(0)
    placed = service.place(
        "esphome:node-1", "hq", "lt1-lobby", mapping={"karbon": "co2"},
        offsets={"co2": -12}, by=ADMIN,
    )  # fmt: skip
    assert (placed.status, placed.building, placed.room) == ("active", "hq", "lt1-lobby")
    assert placed.sensor == "esphome-node-1" and placed.placed_by == "fm"
    newer, changed = service.placements_since(version)
    assert newer > version and [p.device for p in changed] == ["esphome:node-1"]
    assert changed[0].mapping == {"karbon": "co2"} and changed[0].offsets == {"co2": -12.0}
    assert changed[0].is_placed and not changed[0].held_copied
    service.mark_held_copied("esphome:node-1", T0)
    _, everything = service.placements_since(0)
    assert everything[0].held_copied


def test_a_manager_of_one_building_places_only_there_and_sees_only_its_devices(
    registry,
) -> None:
    service, _ = registry
    service.record_sightings([_seen("zigbee2mqtt:lantai 2", T0, "co2")])
    # A device of no building yet, heard on a shared broker: only for unlimited managers.
    assert service.list(viewer=HQ_MANAGER) == []
    with pytest.raises(NotFound):
        service.place("zigbee2mqtt:lantai 2", "hq", "lt1-lobby", by=HQ_MANAGER)
    service.place("zigbee2mqtt:lantai 2", "other", "lt2-kantor", by=ADMIN)
    assert service.list(viewer=HQ_MANAGER) == []
    with pytest.raises(NotFound):
        service.get("zigbee2mqtt:lantai 2", viewer=HQ_MANAGER)
    service.place("zigbee2mqtt:lantai 2", "hq", "lt1-lobby", by=ADMIN)
    assert [d.device for d in service.list(viewer=HQ_MANAGER)] == ["zigbee2mqtt:lantai 2"]
    with pytest.raises(NotFound):
        service.place("zigbee2mqtt:lantai 2", "other", "lt2-kantor", by=HQ_MANAGER)


def test_only_facility_managers_manage_devices_and_retired_ones_stay_listed(registry) -> None:
    service, _ = registry
    service.record_sightings([_seen("shelly:ht-1", T0, "temperature")])
    with pytest.raises(NotAllowed):
        service.retire("shelly:ht-1", by=Actor("sup", "cleaning_supervisor"))
    assert service.retire("shelly:ht-1", by=ADMIN).status == "retired"
    assert [d.status for d in service.list(viewer=ADMIN)] == ["retired"]


def test_a_device_on_a_room_merged_away_reports_for_the_room_it_was_merged_into(
    migrated_database_url: str,
) -> None:
    from maintenance.domain.transitions import SYSTEM
    from udara.bootstrap import Container
    from udara.settings import Settings

    settings = Settings(_env_file=None, database_url=migrated_database_url)  # type: ignore[call-arg]
    container = Container(settings)
    container.location_service.save_room("hq", "lt2-rapat", floor="lt2")
    container.location_service.discover_rooms([("hq", "lt2-rapta")])  # a typo
    devices = container.device_service
    devices.record_sightings([_seen("tasmota:rapat", T0, "co2")])
    devices.place("tasmota:rapat", "hq", "lt2-rapta", by=SYSTEM)
    version, _ = devices.placements_since(0)
    container.building_service.merge_rooms(SYSTEM, "hq", "lt2-rapta", "lt2-rapat", T0)
    assert devices.get("tasmota:rapat", viewer=SYSTEM).room == "lt2-rapat"
    _, changed = devices.placements_since(version)
    assert [(p.device, p.room) for p in changed] == [("tasmota:rapat", "lt2-rapat")]
    container.close()


def test_a_device_given_a_credential_waits_pending_in_its_building_before_it_is_heard(
    registry,
) -> None:
    service, _ = registry
    version, _ = service.placements_since(0)
    expected = service.expect("tasmota:kantor_1", "tasmota", "hq", by=ADMIN)
    assert (expected.status, expected.building, expected.room) == ("pending", "hq", None)
    assert expected.first_seen is None and expected.readings == 0
    # The manager of that building sees it and may place it; another building's does not.
    assert [d.device for d in service.list("pending", viewer=HQ_MANAGER)] == ["tasmota:kantor_1"]
    other = Actor("fm-other", "facility_manager", scope=Scope.of(["other"]))
    assert service.list(viewer=other) == []
    # Ingest learns of it (the building's time zone reads Tasmota's local `Time`).
    newer, changed = service.placements_since(version)
    assert newer > version and [(p.device, p.status, p.building) for p in changed] == [
        ("tasmota:kantor_1", "pending", "hq")
    ]
    assert not changed[0].is_placed

    # Heard: first and last seen, and still pending in hq until placed.
    assert service.record_sightings([_seen("tasmota:kantor_1", T0, "co2", n=2)]) == 0
    heard = service.get("tasmota:kantor_1", viewer=HQ_MANAGER)
    assert (heard.first_seen, heard.last_seen, heard.readings) == (T0, T0, 2)
    placed = service.place("tasmota:kantor_1", "hq", "lt1-lobby", by=HQ_MANAGER)
    assert placed.status == "active"


def test_expecting_a_known_device_changes_nothing_but_a_missing_building(registry) -> None:
    service, _ = registry
    service.record_sightings([_seen("esphome:node-7", T0, "co2")])
    noted = service.expect("esphome:node-7", "esphome", "hq", by=ADMIN)
    assert (noted.building, noted.readings, noted.first_seen) == ("hq", 1, T0)
    again = service.expect("esphome:node-7", "esphome", "other", by=ADMIN)
    assert again.building == "hq"  # a building already noted is not moved
    service.place("esphome:node-7", "hq", "lt1-lobby", by=ADMIN)
    assert service.expect("esphome:node-7", "esphome", None, by=ADMIN).status == "active"
    # Without a building: pending for managers of every building only.
    service.expect("esphome:node-8", "esphome", None, by=ADMIN)
    assert [d.device for d in service.list("pending", viewer=ADMIN)] == ["esphome:node-8"]
    assert service.list("pending", viewer=HQ_MANAGER) == []


def test_expecting_needs_a_known_building_in_reach_and_a_manager(registry) -> None:
    service, _ = registry
    with pytest.raises(NotFound):
        service.expect("tasmota:x", "tasmota", "nowhere", by=ADMIN)
    with pytest.raises(NotFound):
        service.expect("tasmota:x", "tasmota", "other", by=HQ_MANAGER)
    with pytest.raises(NotAllowed):
        service.expect("tasmota:x", "tasmota", "hq", by=Actor("v", "viewer"))
    assert service.list(viewer=ADMIN) == []


def test_udara_devices_add_with_a_building_pre_registers_the_device(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from tests.deploy.conftest import MOSQUITTO_DIR
    from udara.cli import main

    monkeypatch.setenv("UDARA_DATABASE_URL", sqlite_url)
    config = tmp_path / "mosquitto"
    shutil.copytree(MOSQUITTO_DIR, config, ignore=shutil.ignore_patterns("passwd*", ".*"))
    monkeypatch.setenv("MOSQUITTO_CONFIG_DIR", str(config))
    monkeypatch.chdir(tmp_path)  # no stray .env

    def run(*args: str) -> Any:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    assert run("buildings", "add", "hq").exit_code == 0
    added = run("devices", "add", "kantor-plug", "--format", "tasmota", "--topic", "kantor_1",
                "--building", "hq", "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["building"] == "hq"
    pending = json.loads(run("devices", "pending", "--json").stdout)
    assert [(d["device"], d["format"]) for d in pending] == [("tasmota:kantor_1", "tasmota")]
    rows = json.loads(run("devices", "list", "--json").stdout)
    assert [(r["name"], r.get("building")) for r in rows] == [
        ("kantor-plug", None),  # the credential: its ACL holds no building
        ("tasmota:kantor_1", "hq"),  # the registry: pending in hq
    ]

    acl = (config / "acl").read_text()
    refused = run("devices", "add", "node-7", "--format", "esphome", "--node", "node-7",
                  "--building", "annex")  # fmt: skip
    assert refused.exit_code == 1 and "no building 'annex'" in refused.stderr
    assert (config / "acl").read_text() == acl  # the credential was taken back
    assert "node-7" not in (config / "passwd").read_text()
