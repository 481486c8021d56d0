"""Zone diagnosis end to end: CO2 breaches published over MQTT in three rooms one AHU serves
become ONE AHU work order naming the rooms; a breach in one room of another AHU's zone
becomes that room's order, naming its AHU. Both engines, real Mosquitto and InfluxDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.domain.model import SensorRef, telemetry_payload
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from tests.support.ingest_env import running_ingest, stored_count, wait_for
from tests.support.publish import publish_all
from udara.bootstrap import Container
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING

pytestmark = pytest.mark.integration
B = "menara-z"
ZONE = ("lt3-kantor-a", "lt3-kantor-b", "lt3-rapat")
LONE = "lt4-kantor"


def _plant(container: Container) -> None:
    for room in (*ZONE, LONE, "lt4-kantor-2", "plant"):
        container.location_service.ensure_room(B, room)
    assets = container.asset_service
    assets.add("ahu-3", "ahu", B, room="plant", serves=ZONE, by=SYSTEM)
    assets.add("ahu-4", "ahu", B, room="plant", serves=(LONE, "lt4-kantor-2"), by=SYSTEM)


@pytest.fixture
def running(
    mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    migrated_database_url: str,
) -> Iterator[Container]:
    """Ingest running against the test servers, with two AHUs and their zones registered."""
    with running_ingest(
        mosquitto.port, influxdb.port, influx_db_name, migrated_database_url, prepare=_plant
    ) as container:
        yield container


def _breach(room: str, start: datetime) -> list[tuple[str, bytes]]:
    sensor = SensorRef(B, room, "s-1")
    return [
        (sensor.topic(), telemetry_payload({"co2": 1800.0}, start + timedelta(seconds=15 * i)))
        for i in range(80)
    ]


def _orders(container: Container) -> list[WorkOrderView]:
    page = container.work_order_service.list(WorkOrderFilter(building=B), viewer=SYSTEM)
    return [w for w in page.items if w.status != "cancelled"]


def test_a_zone_breach_is_one_ahu_job_and_a_lone_breach_names_its_ahu(
    running: Container,
) -> None:
    start = datetime.now(UTC) - timedelta(minutes=20)
    messages = [m for room in (*ZONE, LONE) for m in _breach(room, start)]
    publish_all(running.settings.mqtt, messages)
    wait_for(lambda: stored_count(running.influx) == 80 * 4, 30, "320 readings stored")

    def settled() -> bool:
        alerts = running.alert_service.list(open_only=True, building=B, scope=EVERYTHING)
        linked = {i for w in _orders(running) for i in w.alert_ids}
        return len(alerts) == 4 and {a.id for a in alerts} <= linked

    wait_for(settled, 30, "four CO2 alerts, each on a work order")
    orders = _orders(running)
    assert len(orders) == 2, [(w.title, w.room) for w in orders]
    [zone] = [w for w in orders if w.zone_rooms]
    [lone] = [w for w in orders if not w.zone_rooms]
    assert (zone.asset, zone.zone_rooms, zone.crew, zone.rule_id) == (
        "ahu-3", ZONE, "hvac", "co2-ventilation",
    )  # fmt: skip
    assert len(zone.alert_ids) == 3 and "ahu-3" in zone.title
    assert (lone.room, lone.asset) == (LONE, "ahu-4") and "ahu-4" in lone.title
    # The AHU's page (and API) lists the zone's job.
    history = running.work_order_service.list(WorkOrderFilter(asset="ahu-3"), viewer=SYSTEM)
    assert [w.id for w in history.items] == [zone.id]
