"""Ingest end to end against a real Mosquitto and a real InfluxDB 1.x."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.adapters.influx import InfluxClient
from ingest.adapters.mqtt import register_session
from ingest.domain.model import SensorRef, telemetry_payload
from ingest.service import subscriptions
from tests.support.ingest_env import stored_count, unique_client_id, wait_for
from tests.support.publish import publish_all
from udara.bootstrap import Container
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING
from udara.settings import Settings

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # a Monday, 08:00 WIB


@pytest.fixture
def test_settings(
    mosquitto: ManagedServer, influxdb: ManagedServer, influx_db_name: str, sqlite_url: str
) -> Settings:
    """Settings pointed at the test servers, with a fresh ingest session."""
    return Settings(
        mqtt_url=f"mqtt://127.0.0.1:{mosquitto.port}",
        mqtt_client_id=unique_client_id(),
        influx_url=f"http://127.0.0.1:{influxdb.port}",
        influx_db=influx_db_name,
        database_url=sqlite_url,
        influx_flush_interval_s=0.1,
    )


@pytest.fixture
def container(test_settings: Settings) -> Container:
    """A composition root pointed at the test servers."""
    return Container(test_settings)


@pytest.fixture
def running_ingest(container: Container) -> Iterator[Container]:
    """`udara ingest`'s service running in this process, its session registered first."""
    settings = container.settings
    register_session(settings.mqtt, settings.mqtt_client_id, subscriptions(None))
    service = container.make_ingest_service()
    service.start()
    assert service.consumer.connected.wait(10)
    container.running = service  # type: ignore[attr-defined]
    yield container
    service.stop()


def _readings(sensor: SensorRef, n: int, co2: float = 600.0) -> list[tuple[str, bytes]]:
    return [
        (
            sensor.topic(),
            telemetry_payload({"co2": co2, "temperature": 24.0}, T0 + timedelta(seconds=i)),
        )
        for i in range(n)
    ]


def test_every_published_reading_is_stored_with_tags_and_event_time(
    running_ingest: Container,
) -> None:
    sensor = SensorRef("menara-a", "lt3-rapat", "s1")
    publish_all(running_ingest.settings.mqtt, _readings(sensor, 500))
    influx: InfluxClient = running_ingest.influx
    wait_for(lambda: stored_count(influx) == 500, 20, "500 readings in InfluxDB")
    series = influx.query(
        "SELECT co2, temperature FROM iaq WHERE building = $b AND room = $r ORDER BY time LIMIT 1",
        params={"b": "menara-a", "r": "lt3-rapat"},
    )
    first = series[0]["values"][0]
    assert first[0] == int(T0.timestamp() * 1000)  # the reading's own time, not receipt time
    assert first[1:] == [600.0, 24.0]
    tags = influx.query('SHOW TAG VALUES FROM iaq WITH KEY = "sensor"')
    assert tags[0]["values"] == [["sensor", "s1"]]


def test_malformed_messages_are_counted_and_never_block_good_ones(
    running_ingest: Container,
) -> None:
    sensor = SensorRef("menara-a", "lobby", "s2")
    good = _readings(sensor, 200)
    bad: list[tuple[str, bytes]] = [
        (sensor.topic(), b"not json"),
        (sensor.topic(), b'{"co2": NaN}'),
        (sensor.topic(), b'{"humidity": 140}'),
        (sensor.topic(), b'{"co2": -5}'),
        (sensor.topic(), b'{"co2": "high"}'),
        (sensor.topic(), json.dumps({"co2": 1, "pad": "x" * 17_000}).encode()),
        ("udara/menara-a/lobby/" + "s" * 65 + "/telemetry", b'{"co2": 500}'),
        ("udara/Menara/lobby/s2/telemetry", b'{"co2": 500}'),
        (sensor.topic(), b"[1, 2]"),
        (sensor.topic(), b'{"ts": "yesterday", "co2": 500}'),
    ]
    interleaved: list[tuple[str, bytes]] = []
    for i, message in enumerate(good):
        interleaved.append(message)
        if i % 20 == 0:
            interleaved.append(bad[(i // 20) % len(bad)])
    publish_all(running_ingest.settings.mqtt, interleaved)
    wait_for(lambda: stored_count(running_ingest.influx) == 200, 20, "all good readings")
    service = running_ingest.running  # type: ignore[attr-defined]
    wait_for(lambda: service.stats.rejected_total == 10, 10, "ten rejections")
    assert service.stats.rejected == {
        "not_json": 1,
        "not_finite": 1,
        "impossible_value": 2,
        "bad_type": 1,
        "too_large": 1,
        "bad_topic": 2,
        "not_object": 1,
        "bad_timestamp": 1,
    }


def test_sustained_co2_opens_exactly_one_alert_and_writes_the_event(
    running_ingest: Container,
) -> None:
    sensor = SensorRef("menara-a", "lt5-rapat", "s3")
    # Ten minutes of 1,600 ppm, one reading every 10 s, published from two threads at once.
    messages = [
        (sensor.topic(), telemetry_payload({"co2": 1600.0}, T0 + timedelta(seconds=10 * i)))
        for i in range(60)
    ]
    threads = [
        threading.Thread(target=publish_all, args=(running_ingest.settings.mqtt, messages[k::2]))
        for k in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_for(lambda: stored_count(running_ingest.influx) == 60, 20, "60 readings")
    alerts = running_ingest.alert_service
    wait_for(lambda: bool(alerts.list(open_only=True, scope=EVERYTHING)), 10, "an open alert")
    open_alerts = alerts.list(open_only=True, scope=EVERYTHING)
    assert [(a.room, a.metric, a.severity) for a in open_alerts] == [
        ("lt5-rapat", "co2", "warning")
    ]
    events = running_ingest.influx.query(
        'SELECT "event" FROM iaq_alert WHERE room = $r', params={"r": "lt5-rapat"}
    )
    assert [v[1] for v in events[0]["values"]] == ["open"]


def test_a_line_influxdb_refuses_is_isolated_counted_and_the_rest_stored(
    running_ingest: Container,
) -> None:
    influx: InfluxClient = running_ingest.influx
    # Another tool wrote hcho as an integer into this shard: InfluxDB now refuses float hcho.
    influx.create_database()
    influx.write_lines([f"iaq,building=other,room=x,sensor=y hcho=1i {int(T0.timestamp())}000"])
    sensor = SensorRef("menara-a", "lt9-lab", "s4")
    messages = _readings(sensor, 50)
    messages.insert(
        25, (sensor.topic(), telemetry_payload({"hcho": 0.05}, T0 + timedelta(minutes=5)))
    )
    publish_all(running_ingest.settings.mqtt, messages)
    wait_for(lambda: stored_count(influx, where="WHERE room = 'lt9-lab'") == 50, 20, "50 stored")
    service = running_ingest.running  # type: ignore[attr-defined]
    wait_for(lambda: service.stats.rejected.get("influx_rejected") == 1, 10, "one refused line")


def test_an_ingest_given_buildings_takes_only_theirs(test_settings: Settings) -> None:
    settings = test_settings.model_copy(update={"mqtt_buildings": "menara-a,gedung-c"})
    container = Container(settings)
    # The session and its subscriptions first, as `udara run` does: nothing is published
    # between the connection and the broker's SUBACK unseen.
    register_session(
        settings.mqtt,
        settings.mqtt_client_id,
        subscriptions(settings.mqtt_shared_group, settings.mqtt_buildings),
    )
    service = container.make_ingest_service()
    service.start()
    try:
        assert service.consumer.connected.wait(10)
        ours_a = _readings(SensorRef("menara-a", "lobi", "s1"), 30)
        ours_c = _readings(SensorRef("gedung-c", "lobi", "s1"), 20)
        theirs = _readings(SensorRef("menara-b", "lobi", "s1"), 40)
        publish_all(settings.mqtt, ours_a + theirs + ours_c)
        wait_for(lambda: stored_count(container.influx) == 50, 20, "50 readings")
        series = container.influx.query('SELECT count("co2") FROM iaq GROUP BY "building"')
        counts = {s["tags"]["building"]: s["values"][0][1] for s in series}
        assert counts == {"menara-a": 30, "gedung-c": 20}
    finally:
        service.stop()
        container.close()


def test_readings_sent_while_a_first_ingest_starts_wait_for_it_in_its_session(
    container: Container,
) -> None:
    """A new ingest (no session yet) registers its session before its worker rebuilds:
    what sensors publish meanwhile is queued for it, not dropped by the broker."""
    import queue as queue_module
    from functools import partial

    from ingest.adapters.mqtt import register_session as register
    from ingest.inbound import WireMessage
    from ingest.service import IngestService
    from ingest.worker import worker_main

    settings = container.settings
    registered = threading.Event()

    def register_first() -> None:
        topics = subscriptions(None, None, settings.formats)
        register(settings.mqtt, settings.mqtt_client_id, topics)
        registered.set()

    inbox: queue_module.Queue[WireMessage] = queue_module.Queue(30_000)
    service = IngestService(
        inbox, container.make_mqtt_consumer(inbox), partial(worker_main, settings),
        register_session=register_first,
    )  # fmt: skip
    starting = threading.Thread(target=service.start)
    starting.start()
    try:
        assert registered.wait(10)
        # The worker is still being spawned and rebuilding: nothing consumes yet.
        publish_all(settings.mqtt, _readings(SensorRef("menara-a", "lt1-lobi", "s7"), 300))
        starting.join(60)
        wait_for(lambda: stored_count(container.influx) == 300, 30, "all 300 readings stored")
    finally:
        starting.join(60)
        service.stop()


def test_registering_the_session_again_takes_nothing_from_its_backlog(
    container: Container,
) -> None:
    """A restart registers ingest's session before its worker is ready; the broker then sends
    that registering client the queued backlog, which it must leave in the session."""
    from ingest.adapters.mqtt import register_session as register

    settings = container.settings
    topics = subscriptions(None, None, settings.formats)
    register(settings.mqtt, settings.mqtt_client_id, topics)
    publish_all(settings.mqtt, _readings(SensorRef("menara-a", "lt2-kantor", "s8"), 400))
    register(settings.mqtt, settings.mqtt_client_id, topics)  # the restart's registration
    service = container.make_ingest_service()
    service.start()
    try:
        wait_for(lambda: stored_count(container.influx) == 400, 30, "the whole backlog stored")
    finally:
        service.stop()
