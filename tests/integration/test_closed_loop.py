"""The closed loop: a sensor breach published over MQTT becomes exactly one work order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.domain.model import SensorRef, telemetry_payload
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from tests.support.ingest_env import running_ingest, stored_count, wait_for
from tests.support.publish import publish_all
from udara.bootstrap import Container
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING

pytestmark = pytest.mark.integration


@pytest.fixture
def running(
    mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    migrated_database_url: str,
) -> Iterator[Container]:
    """Ingest running against the test servers, on SQLite and on PostgreSQL."""
    with running_ingest(
        mosquitto.port, influxdb.port, influx_db_name, migrated_database_url
    ) as container:
        yield container


def test_co2_breach_from_a_sensor_opens_one_hvac_work_order_and_the_room_appears(
    running: Container,
) -> None:
    sensor = SensorRef("menara-a", "lt7-rapat-besar", "s-1")
    start = datetime.now(UTC) - timedelta(minutes=20)
    # Twenty minutes of 1,800 ppm, every 15 s, sent twice (a device retrying after a reconnect).
    messages = [
        (sensor.topic(), telemetry_payload({"co2": 1800.0}, start + timedelta(seconds=15 * i)))
        for i in range(80)
    ]
    publish_all(running.settings.mqtt, messages + messages)
    wait_for(lambda: stored_count(running.influx) == 80, 20, "80 distinct readings stored")

    def hvac_orders() -> list[dict[str, object]]:
        page = running.work_order_service.list(
            WorkOrderFilter(room="lt7-rapat-besar"), viewer=SYSTEM
        )
        return [w.to_json() for w in page.items]

    wait_for(lambda: bool(hvac_orders()), 20, "a work order from the alert")
    orders = hvac_orders()
    assert len(orders) == 1
    order = orders[0]
    assert order["crew"] == "hvac"
    assert order["type"] == "corrective"
    assert order["building"] == "menara-a"
    alerts = running.alert_service.list(open_only=True, room="lt7-rapat-besar", scope=EVERYTHING)
    assert [a.metric for a in alerts] == ["co2"]
    assert order["alert_id"] == alerts[0].id
    rooms = running.location_service.rooms("menara-a", scope=EVERYTHING)
    assert "lt7-rapat-besar" in [r.code for r in rooms]
