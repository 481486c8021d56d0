"""A restart of ingest changes no verdict: windows are rebuilt from InfluxDB before it consumes.

Real Mosquitto, real InfluxDB 1.x, ingest's own service (worker process included). The same
readings go once through an ingest that runs throughout and once through one that is
stopped part-way, while the broker keeps what is published meanwhile, and started again.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.adapters.mqtt import register_session
from ingest.alert_service import AlertView
from ingest.domain.model import SensorRef, telemetry_payload
from ingest.service import IngestService, subscriptions
from tests.support.ingest_env import stored_count, unique_client_id, wait_for
from tests.support.publish import publish_all
from udara.bootstrap import Container
from udara.db import upgrade_database
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING
from udara.settings import Settings

pytestmark = pytest.mark.integration

MEETING = SensorRef("menara-a", "lt5-rapat", "s1")
LOBBY = SensorRef("menara-a", "lobi", "s2")
MINUTE = timedelta(minutes=1)

Message = tuple[datetime, str, bytes]


def _readings(start: datetime) -> list[Message]:
    """Eleven hours of CO2 in a meeting room (900 ppm for seven, then 1,400: the 8 h mean
    crosses 1,000 ppm about 1 h 40 min later) and a lobby that leaves its temperature
    range for 90 minutes (critical after an hour outside), one reading a minute each.

    The CO2 wobbles by a few ppm as a live NDIR sensor's does: a value repeated exactly for
    six hours is a stuck sensor, whose readings evaluation rightly stops trusting."""
    messages: list[Message] = []
    for i in range(11 * 60):
        at = start + i * MINUTE
        co2 = (900.0 if i < 7 * 60 else 1400.0) + (i % 7) - 3
        messages.append((at, MEETING.topic(), telemetry_payload({"co2": co2}, at)))
    lobby_start = start + timedelta(hours=7, minutes=20)
    for i in range(130):
        at = lobby_start + i * MINUTE + timedelta(seconds=30)
        temperature = 31.5 if 20 <= i < 110 else 24.0
        messages.append((at, LOBBY.topic(), telemetry_payload({"temperature": temperature}, at)))
    return sorted(messages)


def _settings(
    mosquitto: ManagedServer, influxdb: ManagedServer, tmp_path: Path, name: str
) -> Settings:
    url = f"sqlite:///{tmp_path / f'{name}.db'}"
    upgrade_database(url)
    return Settings(
        mqtt_url=f"mqtt://127.0.0.1:{mosquitto.port}",
        mqtt_client_id=unique_client_id(),
        influx_url=f"http://127.0.0.1:{influxdb.port}",
        influx_db=f"udara_restart_{name}_{unique_client_id()[-8:]}",
        database_url=url,
        influx_flush_interval_s=0.1,
    )


def _start(container: Container) -> IngestService:
    service = container.make_ingest_service()
    service.start()
    assert service.consumer.connected.wait(10)
    return service


def _publish(container: Container, messages: list[Message]) -> None:
    publish_all(container.settings.mqtt, [(topic, payload) for _, topic, payload in messages])


def _alerts(container: Container) -> list[tuple[object, ...]]:
    def row(a: AlertView) -> tuple[object, ...]:
        value = None if a.value is None else round(a.value, 6)
        return (a.room, a.metric, a.severity, a.opened_at, a.resolved_at, value, a.limit)

    return sorted(row(a) for a in container.alert_service.list(scope=EVERYTHING))


def _settled(container: Container, stored: int) -> list[tuple[object, ...]]:
    """The alerts once every reading is stored and evaluation has caught up."""
    wait_for(lambda: stored_count(container.influx, "co2") + stored_count(
        container.influx, "temperature"
    ) == stored, 60, f"{stored} readings stored")  # fmt: skip
    seen, since = _alerts(container), time.monotonic()
    while time.monotonic() - since < 1.5:  # evaluation follows the write that holds them
        time.sleep(0.1)
        if (now := _alerts(container)) != seen:
            seen, since = now, time.monotonic()
    return seen


def test_readings_across_a_restart_give_the_alerts_an_uninterrupted_ingest_gives(
    mosquitto: ManagedServer, influxdb: ManagedServer, tmp_path: Path
) -> None:
    start = (datetime.now(UTC) - timedelta(hours=12)).replace(second=0, microsecond=0)
    messages = _readings(start)
    restart_at = start + timedelta(hours=8)
    before = [m for m in messages if m[0] < restart_at]
    while_down = [m for m in messages if restart_at <= m[0] < restart_at + 10 * MINUTE]
    after = [m for m in messages if m[0] >= restart_at + 10 * MINUTE]

    throughout = Container(_settings(mosquitto, influxdb, tmp_path, "throughout"))
    service = _start(throughout)
    try:
        _publish(throughout, messages)
        expected = _settled(throughout, len(messages))
    finally:
        service.stop()
        throughout.close()
    kinds = {(room, metric, severity) for room, metric, severity, *_ in expected}
    assert kinds == {
        ("lt5-rapat", "co2", "warning"),
        ("lt5-rapat", "co2", "critical"),
        ("lobi", "temperature", "warning"),
        ("lobi", "temperature", "critical"),
    }, "the scenario must open both criticals after the restart point"
    for _, metric, severity, opened_at, *_ in expected:
        assert isinstance(opened_at, datetime)
        if severity == "critical":  # decided after the restart, on windows from before it
            assert opened_at > restart_at + timedelta(minutes=10), metric

    settings = _settings(mosquitto, influxdb, tmp_path, "restarted")
    register_session(settings.mqtt, settings.mqtt_client_id, subscriptions(None))
    first = Container(settings)
    service = _start(first)
    try:
        _publish(first, before)
        _settled(first, len(before))
    finally:
        service.stop()
        first.close()
    _publish(first, while_down)  # the broker keeps these for the persistent session

    second = Container(settings)
    service = _start(second)
    try:
        _publish(second, after)
        assert _settled(second, len(messages)) == expected
    finally:
        service.stop()
        second.close()
