"""The simulator against a real Mosquitto, checked by a real paho subscriber."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from click.testing import CliRunner
from paho.mqtt.enums import CallbackAPIVersion

from ingest.domain.model import SensorRef, telemetry_payload
from sensors_sim.cli import simulate
from sensors_sim.publisher import publish_readings
from udara.devservers import ManagedServer, free_port, start_mosquitto
from udara.settings import MqttTarget

pytestmark = pytest.mark.integration


class Subscriber:
    """A QoS 1 paho subscriber that records every message under a topic filter."""

    def __init__(self, port: int, topic_filter: str) -> None:
        self.received: list[tuple[str, bytes, bool]] = []
        self._subscribed = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self._client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic_filter, qos=1)
        self._client.on_subscribe = lambda c, u, mid, rcs, p: self._subscribed.set()
        self._client.on_message = lambda c, u, m: self.received.append(
            (m.topic, bytes(m.payload), bool(m.retain))
        )
        self._client.connect("127.0.0.1", port)
        self._client.loop_start()
        assert self._subscribed.wait(10), "subscription not acknowledged"

    def wait_for(
        self, count: int, timeout: float = 30, topic_part: str = ""
    ) -> list[tuple[str, bytes, bool]]:
        """The messages whose topic holds `topic_part`, once `count` of them arrived."""
        deadline = time.monotonic() + timeout

        def matching() -> list[tuple[str, bytes, bool]]:
            return [m for m in list(self.received) if topic_part in m[0]]

        while len(matching()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return matching()

    def close(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()


@pytest.fixture
def building(mosquitto: ManagedServer) -> Iterator[str]:
    """A building id of this test alone; its retained statuses are cleared afterwards, since
    the broker is shared: every later ingest test subscribed to `udara/#` would get them."""
    name = f"sim-{uuid.uuid4().hex[:8]}"
    yield name
    clear_retained(mosquitto.port, f"udara/{name}/#")


def clear_retained(port: int, topic_filter: str) -> None:
    """Delete every retained message under `topic_filter` (an empty retained payload each).

    The broker sends a new subscription its retained messages before anything published
    after the SUBACK, so once a marker published then has arrived, all of them have."""
    sub = Subscriber(port, topic_filter)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        marker = topic_filter.replace("#", f"clear-{uuid.uuid4().hex[:8]}")
        client.publish(marker, b"marker", qos=1).wait_for_publish(10)
        assert sub.wait_for(1, topic_part=marker), "the marker never came back"
        topics = {t for t, payload, retained in list(sub.received) if retained and payload}
        for topic in topics:
            client.publish(topic, b"", qos=1, retain=True).wait_for_publish(10)
    finally:
        sub.close()
        client.disconnect()
        client.loop_stop()


@pytest.fixture
def subscriber(mosquitto: ManagedServer, building: str) -> Iterator[Subscriber]:
    """Everything published for this test's building."""
    sub = Subscriber(mosquitto.port, f"udara/{building}/#")
    yield sub
    sub.close()


def test_every_published_reading_arrives_and_is_acknowledged(
    mosquitto: ManagedServer, building: str, subscriber: Subscriber
) -> None:
    sensors = [SensorRef(building, f"r{i}", f"s{i}") for i in range(20)]
    sent = [
        (s.topic(), telemetry_payload({"co2": 400.0 + n, "temperature": 24.0}, 1_800_000_000 + n))
        for n in range(500)
        for s in sensors
    ]
    stats = publish_readings(f"mqtt://127.0.0.1:{mosquitto.port}", sent)
    assert stats.ok and stats.published == stats.acked == 10_000
    received = subscriber.wait_for(10_000)
    assert sorted((t, p) for t, p, _ in received) == sorted(sent)
    assert stats.rate > 1000


def test_simulate_command_publishes_an_accelerated_day_with_statuses(
    mosquitto: ManagedServer, building: str, subscriber: Subscriber
) -> None:
    result = CliRunner().invoke(
        simulate,
        [
            *("--mqtt-url", f"mqtt://127.0.0.1:{mosquitto.port}", "--building", building),
            *("--rooms", "5", "--interval", "60", "--start", "2026-11-02", "--duration", "1d"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "published 7,205 messages: 7,205 acknowledged" in result.output
    received = subscriber.wait_for(7205)
    assert len(received) == 7205
    statuses = [(t, p) for t, p, _ in received if t.endswith("/status")]
    assert len(statuses) == 5 and {p for _, p in statuses} == {b"online"}


def test_sensor_offline_leaves_a_retained_offline_status_for_late_subscribers(
    mosquitto: ManagedServer, building: str
) -> None:
    args = ["--scenario", "sensor-offline", "--rooms", "3", "--building", building]
    args += ["--start", "2026-11-02T09:00", "--duration", "1h", "--onset", "20m"]
    result = CliRunner().invoke(
        simulate, [*args, "--mqtt-url", f"mqtt://127.0.0.1:{mosquitto.port}"]
    )
    assert result.exit_code == 0, result.output
    late = Subscriber(mosquitto.port, f"udara/{building}/+/+/status")
    try:
        retained = {t.split("/")[2]: (p, r) for t, p, r in late.wait_for(3, timeout=10)}
    finally:
        late.close()
    assert retained["lt2-kantor-1"] == (b"offline", True)
    assert retained["lt1-lobi"] == (b"online", True)


def test_load_mode_keeps_the_rate_and_waits_for_every_puback(
    mosquitto: ManagedServer, building: str, subscriber: Subscriber
) -> None:
    args = ["--rate", "1000", "--count", "2000", "--rooms", "50", "--building", building]
    started = time.monotonic()
    result = CliRunner().invoke(
        simulate, [*args, "--mqtt-url", f"mqtt://127.0.0.1:{mosquitto.port}"]
    )
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "published 2,050 messages: 2,050 acknowledged" in result.output
    assert 1.8 <= elapsed < 10
    assert len(subscriber.wait_for(2050)) == 2050


def test_malformed_scenario_messages_all_reach_the_broker(
    mosquitto: ManagedServer, building: str
) -> None:
    # This building's topics only: the bad-topic kind stays under it (`…/LT3 Rapat!/…`), and
    # `udara/#` also brought every retained status other tests left on the shared broker, a
    # flood that overflowed the subscriber's queue on a loaded machine (209 of 224 arrived).
    sub = Subscriber(mosquitto.port, f"udara/{building}/#")
    try:
        args = ["--scenario", "malformed", "--rooms", "4", "--count", "220", "--building", building]
        args += ["--start", "2026-11-02T09:00"]
        result = CliRunner().invoke(
            simulate, [*args, "--mqtt-url", f"mqtt://127.0.0.1:{mosquitto.port}"]
        )
        assert result.exit_code == 0, result.output
        mine = [m for m in sub.wait_for(224, timeout=60) if building in m[0]]
    finally:
        sub.close()
    assert len(mine) == 224
    assert any(len(p) > 16 * 1024 for _, p, _ in mine)
    assert any("LT3 Rapat!" in t for t, _, _ in mine)


def test_refused_publishes_make_the_command_fail(tmp_path: Path) -> None:
    acl = tmp_path / "acl"
    acl.write_text("topic read udara/#\n")  # devices may not publish on this broker
    broker = start_mosquitto(tmp_path, extra=f"allow_anonymous true\nacl_file {acl}")
    try:
        args = ["--rooms", "2", "--count", "10", "--start", "2026-11-02"]
        result = CliRunner().invoke(
            simulate, [*args, "--mqtt-url", f"mqtt://127.0.0.1:{broker.port}"]
        )
    finally:
        broker.stop()
    assert result.exit_code == 1
    assert "0 acknowledged, 12 refused" in result.output


def test_unreachable_broker_is_a_clear_error() -> None:
    args = ["--count", "1", "--mqtt-url", f"mqtt://127.0.0.1:{free_port()}"]
    result = CliRunner().invoke(simulate, args)
    assert result.exit_code == 1
    assert "cannot reach the broker" in result.output


def test_device_credentials_are_used(tmp_path: Path) -> None:
    passwords = tmp_path / "passwd"
    passwords.write_text("")
    subprocess.run(["mosquitto_passwd", "-b", str(passwords), "sensor", "rahasia"], check=True)
    broker = start_mosquitto(tmp_path, extra=f"allow_anonymous false\npassword_file {passwords}")
    try:
        url = f"mqtt://127.0.0.1:{broker.port}"
        base = ["--rooms", "1", "--count", "5", "--start", "2026-11-02", "--mqtt-url", url]
        wrong = CliRunner().invoke(simulate, [*base, "--username", "sensor", "--password", "x"])
        right = CliRunner().invoke(
            simulate, [*base, "--username", "sensor", "--password", "rahasia"]
        )
    finally:
        broker.stop()
    assert wrong.exit_code == 1 and "refused the connection" in wrong.output
    assert right.exit_code == 0, right.output


def test_stop_event_ends_a_real_time_run_and_collects_its_acks(mosquitto: ManagedServer) -> None:
    stop = threading.Event()
    target = MqttTarget(f"mqtt://127.0.0.1:{mosquitto.port}")
    endless = (("udara/b/r/s/telemetry", b'{"co2": 500}') for _ in iter(int, 1))
    threading.Timer(0.5, stop.set).start()
    stats = publish_readings(target, endless, stop=stop)
    assert stop.is_set() and stats.published > 0 and stats.ok
    assert stats.elapsed_s < 5
