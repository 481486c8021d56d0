"""The broker configuration docker-compose.yml mounts, run in a real Mosquitto.

Devices are issued with `udara devices` code; the service accounts come from the mounted
entrypoint.sh. Nothing is mocked: every verdict is the broker's own CONNACK, PUBACK or
delivery.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.domain.formats.registry import FORMATS
from ingest.domain.formats.registry import subscriptions as ingest_subscriptions
from tests.deploy.conftest import (
    MOSQUITTO_DIR,
    REPO,
    SERVICE_ENV,
    STANDARD_DEVICES,
    Broker,
    run_entrypoint,
)
from tests.deploy.mqtt_probe import NOT_AUTHORIZED, Probe
from udara.devices import DeviceRegistry
from udara.devservers import wait_until

pytestmark = pytest.mark.integration

LOBBY = "udara/hq/lobby/co2-1/"
MEETING = "udara/hq/meeting-1/pm-1/"
READING = b'{"co2": 612}'


def ingest(broker: Broker, topic: str = "udara/#", **kwargs: Any) -> Probe:
    """The platform's consumer on the platform listener, subscribed like ingest."""
    probe = broker.connected("udara-ingest", platform=True, client_id="udara-ingest", **kwargs)
    assert probe.subscribe(topic) == [1]
    return probe


def test_device_publishes_under_its_prefix_and_ingest_receives(broker: Broker) -> None:
    consumer = ingest(broker, "udara/+/+/+/telemetry")
    device = broker.connected("lobby-co2")

    assert device.publish(LOBBY + "telemetry", READING) == 0
    assert device.publish(LOBBY + "status", b"online", retain=True) == 0

    consumer.wait_for(LOBBY + "telemetry", READING)


def test_python_fallback_hash_is_accepted_by_mosquitto(broker: Broker) -> None:
    # meeting-pm's password was hashed in Python, not by mosquitto_passwd.
    consumer = ingest(broker)
    device = broker.connected("meeting-pm")
    assert device.publish(MEETING + "telemetry", READING) == 0
    consumer.wait_for(MEETING + "telemetry", READING)


def test_shared_subscription_of_ingest_workers_receives(broker: Broker) -> None:
    consumer = ingest(broker, "$share/ingest/udara/+/+/+/telemetry")
    device = broker.connected("lobby-co2")
    assert device.publish(LOBBY + "telemetry", READING) == 0
    consumer.wait_for(LOBBY + "telemetry", READING)


def test_device_writing_another_devices_topic_is_refused(broker: Broker) -> None:
    consumer = ingest(broker)
    intruder = broker.connected("lobby-co2")

    assert intruder.publish(MEETING + "telemetry", b'{"co2": 9999}') == NOT_AUTHORIZED
    assert intruder.publish(MEETING + "status", b"offline", retain=True) == NOT_AUTHORIZED
    assert intruder.publish("udara/hq/lobby/other/telemetry", READING) == NOT_AUTHORIZED
    assert intruder.publish(LOBBY + "command", b"x") == NOT_AUTHORIZED
    # The refusals were acknowledged before this reading was sent: once ingest has it,
    # it would have had the forged ones.
    owner = broker.connected("meeting-pm")
    assert owner.publish(MEETING + "telemetry", READING) == 0
    consumer.wait_for(MEETING + "telemetry", READING)

    assert consumer.got(MEETING + "telemetry") == [READING]
    assert consumer.got(MEETING + "status") == []
    assert consumer.got("udara/hq/lobby/other/telemetry") == []


def test_only_ingest_reads_sensor_topics(broker: Broker) -> None:
    consumer = ingest(broker)
    snoopers = [
        broker.connected("lobby-co2"),
        broker.connected("udara-simulator", platform=True),
        broker.connected("udara-web", platform=True),
    ]
    for snooper in snoopers:
        # Mosquitto's acl_file grants the SUBSCRIBE but delivers only what the ACL lets the
        # user read, which for these accounts is nothing.
        snooper.subscribe("udara/#")
        snooper.subscribe("#")

    sender = broker.connected("meeting-pm")
    assert sender.publish(MEETING + "telemetry", READING) == 0
    assert sender.publish(MEETING + "status", b"online", retain=True) == 0
    consumer.wait_for(MEETING + "status", b"online")
    for snooper in snoopers:
        # A round trip on the snooper's own connection flushes anything queued for it.
        snooper.publish(LOBBY + "telemetry", b"{}")
        assert snooper.messages == [], f"{snooper.username} read {snooper.messages}"


def test_last_will_only_on_own_status_topic(broker: Broker) -> None:
    consumer = ingest(broker)
    honest = broker.connected("lobby-co2", will=(LOBBY + "status", b"offline"))
    forger = broker.connected("meeting-pm", will=(LOBBY + "status", b"forged"))
    forger.drop()
    time.sleep(0.5)  # the broker handles the forger's will before the honest one's
    honest.drop()
    consumer.wait_for(LOBBY + "status", b"offline")
    assert b"forged" not in consumer.got(LOBBY + "status")


@pytest.mark.parametrize(
    ("username", "password"),
    [
        (None, None),  # anonymous
        ("lobby-co2", "wrong-password-123"),
        ("no-such-device", "whatever-password"),
        ("udara-ingest", "wrong-password-123"),
    ],
)
def test_refused_logins(broker: Broker, username: str | None, password: str | None) -> None:
    for platform in (False, True):
        code = broker.probe(username, password, platform=platform).connect()
        assert code.value in (0x86, NOT_AUTHORIZED), code  # bad user name or password / not auth


def test_device_cannot_take_over_the_ingest_session(broker: Broker) -> None:
    # Ingest keeps a persistent session; readings queue while it is away.
    consumer = ingest(broker, session_expiry=3600, clean_start=False)
    consumer.close()
    device = broker.connected("lobby-co2")
    for n in range(5):
        assert device.publish(LOBBY + "telemetry", b'{"co2": %d}' % n) == 0

    # A device presenting ingest's client id gets its own user name as client id instead,
    # so the queued session is neither taken over nor wiped.
    hijacker = broker.connected(
        "lobby-co2", client_id="udara-ingest", clean_start=True, session_expiry=0
    )
    hijacker.close()

    back = broker.connected(
        "udara-ingest",
        platform=True,
        client_id="udara-ingest",
        clean_start=False,
        session_expiry=3600,
    )
    assert back.session_present
    back.wait_for(LOBBY + "telemetry", b'{"co2": 4}')
    assert len(back.got(LOBBY + "telemetry")) == 5


def test_queued_readings_survive_a_broker_restart(broker: Broker) -> None:
    consumer = ingest(broker, session_expiry=86_400, clean_start=False)
    consumer.close()
    device = broker.connected("lobby-co2")
    payloads = [b'{"co2": %d}' % n for n in range(50)]
    for payload in payloads:
        assert device.publish(LOBBY + "telemetry", payload) == 0
    broker.stop()  # SIGTERM: the broker writes its persistence file
    assert (broker.data_dir / "mosquitto.db").exists()

    broker.start()
    back = broker.connected(
        "udara-ingest",
        platform=True,
        client_id="udara-ingest",
        clean_start=False,
        session_expiry=86_400,
    )
    back.wait_for(LOBBY + "telemetry", payloads[-1])
    assert back.got(LOBBY + "telemetry") == payloads


def test_devices_added_and_removed_apply_on_sighup(broker: Broker) -> None:
    consumer = ingest(broker)
    issued = broker.registry.add("kitchen-co", building="hq", room="kitchen", sensor="co-1")
    assert not broker.login_ok("kitchen-co", issued.password)  # not loaded yet
    broker.reload()
    wait_until(lambda: broker.login_ok("kitchen-co", issued.password), 10, "new device login")
    device = broker.connected("kitchen-co", issued.password)
    assert device.publish("udara/hq/kitchen/co-1/telemetry", b'{"co": 1.5}') == 0
    consumer.wait_for("udara/hq/kitchen/co-1/telemetry", b'{"co": 1.5}')

    assert broker.login_ok("lobby-co2")
    broker.registry.remove("lobby-co2")
    broker.reload()
    wait_until(lambda: not broker.login_ok("lobby-co2"), 10, "removed device refused")


def test_simulator_account_publishes_as_any_sensor(broker: Broker) -> None:
    consumer = ingest(broker)
    simulator = broker.connected("udara-simulator", platform=True)
    assert simulator.publish("udara/sim/r-001/s-1/telemetry", READING) == 0
    assert simulator.publish("udara/sim/r-001/s-1/status", b"online", retain=True) == 0
    assert simulator.publish("udara/sim/r-001/s-1/other", READING) == NOT_AUTHORIZED
    assert simulator.publish("elsewhere", READING) == NOT_AUTHORIZED
    consumer.wait_for("udara/sim/r-001/s-1/telemetry", READING)


def test_web_account_only_hands_pushed_telemetry_on(broker: Broker) -> None:
    web = broker.connected("udara-web", platform=True)
    assert web.publish(LOBBY + "telemetry", READING) == 0  # HTTP push → evaluation
    assert web.publish(LOBBY + "status", b"online") == NOT_AUTHORIZED
    assert web.publish("tele/kantor_1/SENSOR", READING) == NOT_AUTHORIZED


def test_healthcheck_script(broker: Broker) -> None:
    script = str(broker.config_dir / "healthcheck.sh")
    env = {"PATH": os.environ["PATH"], "MQTT_HEALTHCHECK_PORT": str(broker.platform_port)}
    ok = subprocess.run(
        ["sh", script],
        env={**env, "MQTT_HEALTHCHECK_PASSWORD": SERVICE_ENV["MQTT_HEALTHCHECK_PASSWORD"]},
        timeout=30,
        check=False,
    )
    assert ok.returncode == 0
    bad = subprocess.run(
        ["sh", script],
        env={**env, "MQTT_HEALTHCHECK_PASSWORD": "wrong"},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert bad.returncode != 0


def test_entrypoint_manages_only_service_accounts(broker_factory: Callable[..., Broker]) -> None:
    broker = broker_factory((("lobby-co2", "hq", "lobby", "co2-1", True),))
    broker.stop()
    registry = broker.registry
    device_line = next(
        line
        for line in (broker.config_dir / "passwd").read_text().splitlines()
        if line.startswith("lobby-co2:")
    )

    # A restart with a new ingest password and no simulator password.
    env = {
        **SERVICE_ENV,
        "MQTT_INGEST_PASSWORD": "rotated-ingest-pw",
        "MQTT_SIMULATOR_PASSWORD": "",
    }
    run_entrypoint(broker.config_dir, broker.data_dir, env)

    lines = (broker.config_dir / "passwd").read_text().splitlines()
    assert device_line in lines  # devices untouched
    assert not registry.has_password("udara-simulator")  # account removed
    assert registry.check_password("udara-ingest", "rotated-ingest-pw")
    assert registry.check_password("udara-web", SERVICE_ENV["MQTT_WEB_PASSWORD"])
    assert (broker.config_dir / "passwd").stat().st_mode & 0o077 == 0


def test_repository_ships_no_device_and_no_password(tmp_path: Path) -> None:
    # Site data (devices, hashes) is created on the site, never committed.
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)

    assert git("check-ignore", "-q", "deploy/mosquitto/passwd").returncode == 0
    tracked = git("ls-files", "deploy/mosquitto").stdout.split()
    assert "deploy/mosquitto/passwd" not in tracked
    committed = git("show", ":deploy/mosquitto/acl")
    acl = committed.stdout if committed.returncode == 0 else (MOSQUITTO_DIR / "acl").read_text()
    (tmp_path / "acl").write_text(acl)
    assert DeviceRegistry(tmp_path).devices() == []


# --- devices of other firmware --------------------------------------------------------------

# What an operator's own console (Home Assistant, Node-RED, …) would be granted by hand: it
# sends Tasmota commands. Udara never writes command topics.
CONSOLE_ACL = "\n# the site's own console, by hand\nuser ops-console\ntopic write cmnd/#\n"
CONSOLE_PASSWORD = "console-test-password"
FIRMWARE_ACCOUNTS = (
    ("kantor-plug", "tasmota", "kantor_1"),
    ("node-7", "esphome", "node-7"),
    ("z2m", "zigbee2mqtt", None),
    ("ht-lt2", "shelly", "shellyplusht-lt2"),
    ("lns", "chirpstack", None),
)
# One message each account sends on a topic ingest reads (CONTRACTS.md "Sensor devices").
FIRMWARE_READINGS = {
    "kantor-plug": "tele/kantor_1/SENSOR",
    "node-7": "node-7/sensor/co2/state",
    "z2m": "zigbee2mqtt/lantai 2",
    "ht-lt2": "shellyplusht-lt2/events/rpc",
    "lns": "application/7/device/0004a30b001c0530/event/up",
}


@pytest.fixture
def firmware_broker(broker_factory: Callable[..., Broker]) -> Broker:
    """The standard devices, one account of each other firmware, and a hand-made console."""
    return broker_factory(
        STANDARD_DEVICES,
        accounts=FIRMWARE_ACCOUNTS,
        extra_acl=CONSOLE_ACL,
        extra_passwords={"ops-console": CONSOLE_PASSWORD},
    )


def firmware_ingest(broker: Broker) -> Probe:
    """Ingest, subscribed to every format's topics as it does (UDARA_DEVICE_FORMATS: all)."""
    probe = broker.connected("udara-ingest", platform=True, client_id="udara-ingest")
    for topic in ingest_subscriptions(FORMATS):
        assert probe.subscribe(topic) == [1], topic
    return probe


def test_tasmota_device_publishes_only_its_own_topics_and_reads_its_commands(
    firmware_broker: Broker,
) -> None:
    broker = firmware_broker
    consumer = firmware_ingest(broker)
    plug = broker.connected("kantor-plug", will=("tele/kantor_1/LWT", b"Offline"))
    for topic in ("cmnd/kantor_1/#", "cmnd/tasmotas/#", "cmnd/#"):
        plug.subscribe(topic)  # the last one delivers only what the ACL lets it read

    assert plug.publish("tele/kantor_1/LWT", b"Online", retain=True) == 0
    assert plug.publish("tele/kantor_1/SENSOR", READING) == 0
    assert plug.publish("stat/kantor_1/RESULT", b'{"POWER":"ON"}') == 0
    for forged in (
        "tele/other/SENSOR",
        "tele/kantor_10/SENSOR",
        "stat/other/RESULT",
        "cmnd/other/POWER",
        "cmnd/kantor_1/POWER",  # it takes commands, it does not give them
        LOBBY + "telemetry",
        "udara/hq/kantor/kantor_1/telemetry",
        "zigbee2mqtt/lantai 2",
    ):
        assert plug.publish(forged, READING) == NOT_AUTHORIZED, forged
    # Nor may any other account write in its space.
    assert broker.connected("lobby-co2").publish("tele/kantor_1/SENSOR", b"{}") == NOT_AUTHORIZED
    assert broker.connected("node-7").publish("tele/kantor_1/SENSOR", b"{}") == NOT_AUTHORIZED

    console = broker.connected("ops-console", CONSOLE_PASSWORD)
    assert console.publish("cmnd/other/POWER", b"OFF") == 0
    assert console.publish("cmnd/kantor_1/POWER", b"ON") == 0
    assert console.publish("cmnd/tasmotas/STATUS", b"0") == 0
    plug.wait_for("cmnd/tasmotas/STATUS", b"0")
    assert plug.got("cmnd/kantor_1/POWER") in ([b"ON"], [b"ON", b"ON"])  # via one or two subs
    assert plug.got("cmnd/other/POWER") == []

    consumer.wait_for("tele/kantor_1/SENSOR", READING)
    consumer.wait_for("tele/kantor_1/LWT", b"Online")
    assert consumer.got("tele/other/SENSOR") == [] and consumer.got("tele/kantor_10/SENSOR") == []
    assert consumer.got(LOBBY + "telemetry") == []
    plug.drop()  # its last will, in its own space, reaches ingest
    consumer.wait_for("tele/kantor_1/LWT", b"Offline")


def test_every_firmware_account_reaches_ingest_and_stays_in_its_space(
    firmware_broker: Broker,
) -> None:
    broker = firmware_broker
    consumer = firmware_ingest(broker)
    for name, topic in FIRMWARE_READINGS.items():
        account = broker.connected(name)
        assert account.publish(topic, READING) == 0, (name, topic)
        consumer.wait_for(topic, READING)
        # Udara's own topics, and every other account's, are out of reach.
        assert account.publish(LOBBY + "telemetry", READING) == NOT_AUTHORIZED, name
        for other, elsewhere in FIRMWARE_READINGS.items():
            if other != name:
                assert account.publish(elsewhere, b"forged") == NOT_AUTHORIZED, (name, elsewhere)
    for topic in FIRMWARE_READINGS.values():
        assert consumer.got(topic) == [READING]


def test_firmware_accounts_read_only_their_own_command_topics(firmware_broker: Broker) -> None:
    broker = firmware_broker
    node = broker.connected("node-7")
    shelly = broker.connected("ht-lt2")
    bridge = broker.connected("z2m")
    lns = broker.connected("lns")
    for probe in (node, shelly, bridge, lns):
        probe.subscribe("#")  # delivers only what the ACL lets each read

    # Every account writes its own space only: the ESPHome node and the Shelly cannot
    # command each other, nor the bridges' devices.
    assert node.publish("shellyplusht-lt2/rpc", b"{}") == NOT_AUTHORIZED
    assert shelly.publish("node-7/switch/relay/command", b"ON") == NOT_AUTHORIZED
    assert node.publish("zigbee2mqtt/lantai 2/set", b"{}") == NOT_AUTHORIZED
    assert shelly.publish("application/7/device/00/command/down", b"{}") == NOT_AUTHORIZED

    # Each reads its firmware's command topics (here sent from its own space, the one account
    # that may write there), and nothing else of what it publishes.
    # (account, topics it publishes, those of them it reads back)
    cases = [
        (node, ["node-7/switch/relay/command", "node-7/climate/ac/mode/command",
                "node-7/status"], 2),
        (shelly, ["shellyplusht-lt2/rpc", "shellyplusht-lt2/command/switch:0",
                  "shellyplusht-lt2/online", "shellyplusht-lt2/events/rpc"], 2),
        (bridge, ["zigbee2mqtt/lantai 2/set", "zigbee2mqtt/bridge/request/health_check"], 2),
        (lns, ["application/7/device/0004a30b001c0530/command/down",
               "application/7/device/0004a30b001c0530/event/up"], 1),
    ]  # fmt: skip
    for probe, topics, n_read in cases:
        for topic in topics:
            assert probe.publish(topic, b"x") == 0, topic
        probe.publish(topics[0], b"flush")  # a round trip: anything queued before has arrived
        probe.wait_for(topics[0], b"flush")
        assert [m.topic for m in probe.messages if m.payload == b"x"] == topics[:n_read]
