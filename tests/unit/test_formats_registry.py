"""The registry (topic → format, subscriptions), device settings, units, sensor ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.domain import formats
from ingest.domain.const import UNITS, RejectReason
from ingest.domain.formats import registry
from ingest.domain.formats.results import Ignored, Rejection, Status, Telemetry
from ingest.domain.formats.settings import DeviceSettings
from ingest.domain.formats.units import UDARA_UNIT, canonical_unit

RECEIVED = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)
SETTINGS = DeviceSettings()

ROUTES = [
    ("udara/menara-a/lt3/s1/telemetry", "udara", "telemetry"),
    ("udara/menara-a/lt3/s1/status", "udara", "status"),
    ("tele/ruang-rapat/SENSOR", "tasmota", "telemetry"),
    ("tele/ruang-rapat/LWT", "tasmota", "status"),
    ("tele/ruang-rapat/STATE", "tasmota", "ignore"),
    ("kantor-lt3/sensor/co2/state", "esphome", "telemetry"),
    ("kantor-lt3/status", "esphome", "status"),
    ("zigbee2mqtt/lt2/air", "zigbee2mqtt", "telemetry"),
    ("zigbee2mqtt/lt2/air/availability", "zigbee2mqtt", "status"),
    ("zigbee2mqtt/bridge/state", "zigbee2mqtt", "ignore"),
    ("zigbee2mqtt/lamp/set", "zigbee2mqtt", "ignore"),
    # a friendly name that looks like an ESPHome state topic is still Zigbee2MQTT's
    ("zigbee2mqtt/sensor/x/state", "zigbee2mqtt", "telemetry"),
    ("shellyplusht-b8d61a8b17cc/events/rpc", "shelly", "telemetry"),
    ("application/17c8/device/0101010101010101/event/up", "chirpstack", "telemetry"),
    ("application/17c8/device/0101010101010101/event/join", "chirpstack", "ignore"),
]


@pytest.mark.parametrize(("topic", "fmt", "kind"), ROUTES)
def test_route(topic: str, fmt: str, kind: str) -> None:
    assert registry.route(topic) == registry.Route(fmt, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "topic",
    ["", "udara/a/b/telemetry", "tele/x/y/SENSOR", "homeassistant/status", "a/b/c"],
)
def test_route_of_foreign_topics(topic: str) -> None:
    assert registry.route(topic) is None


def test_route_only_among_subscribed_formats() -> None:
    assert registry.route("kantor-lt3/status", ["tasmota"]) is None
    assert registry.route("tele/x/SENSOR", ["tasmota"]) == registry.Route("tasmota", "telemetry")


def test_subscriptions() -> None:
    assert registry.subscriptions() == (
        "udara/+/+/+/telemetry",
        "udara/+/+/+/status",
        "tele/+/SENSOR",
        "tele/+/LWT",
        "application/+/device/+/event/up",
        "zigbee2mqtt/#",
        "+/events/rpc",
        "+/sensor/+/state",
        "+/status",
    )
    assert registry.subscriptions(["esphome", "tasmota"]) == (
        "tele/+/SENSOR",
        "tele/+/LWT",
        "+/sensor/+/state",
        "+/status",
    )
    assert registry.subscriptions(["tts"]) == ()


def test_parse_formats() -> None:
    assert registry.parse_formats(None) == registry.FORMATS
    assert registry.parse_formats(" ") == registry.FORMATS
    assert registry.parse_formats("Tasmota, udara,tasmota") == ("udara", "tasmota")
    with pytest.raises(ValueError, match="lorawan"):
        registry.parse_formats("udara,lorawan")


def test_decode_dispatches_by_topic() -> None:
    assert isinstance(
        formats.decode("tele/x/SENSOR", b'{"SHT3X":{"Temperature":25}}', RECEIVED, SETTINGS),
        Telemetry,
    )
    assert isinstance(formats.decode("tele/x/LWT", b"Offline", RECEIVED, SETTINGS), Status)
    assert isinstance(formats.decode("zigbee2mqtt/bridge/info", b"{}", RECEIVED, SETTINGS), Ignored)
    unknown = formats.decode("homeassistant/sensor/x/config", b"{}", RECEIVED, SETTINGS)
    assert isinstance(unknown, Rejection)
    assert unknown.reason == RejectReason.BAD_TOPIC
    unsubscribed = formats.decode("tele/x/SENSOR", b"{}", RECEIVED, SETTINGS, ["udara"])
    assert isinstance(unsubscribed, Rejection)


def test_a_raising_adapter_becomes_a_counted_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> object:
        raise KeyError("bug")

    monkeypatch.setitem(registry.DECODERS, "tasmota", broken)
    outcome = formats.decode("tele/x/SENSOR", b"{}", RECEIVED, SETTINGS)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == registry.ADAPTER_ERROR


@pytest.mark.parametrize(
    ("device", "sensor"),
    [
        ("tasmota:ruang-rapat", "tasmota-ruang-rapat"),
        ("esphome:Kantor_LT3", "esphome-kantor_lt3"),
        ("zigbee2mqtt:Lantai 2/Ruang Rapat", "zigbee2mqtt-lantai-2-ruang-rapat"),
        ("shelly:shellyplusht-b8d61a8b17cc", "shelly-shellyplusht-b8d61a8b17cc"),
        ("chirpstack:24e124710c140083", "chirpstack-24e124710c140083"),
        ("tts:eui-a8404194a1875ff3", "tts-eui-a8404194a1875ff3"),
        ("zigbee2mqtt:Sensör ÜÇ", "zigbee2mqtt-sens-r-"),
    ],
)
def test_sanitize_sensor_id(device: str, sensor: str) -> None:
    result = formats.sanitize_sensor_id(device)
    assert result.startswith(sensor)
    assert len(result) <= 64


def test_long_sensor_ids_stay_distinct() -> None:
    a = formats.sanitize_sensor_id("zigbee2mqtt:" + "gedung/" * 12 + "a")
    b = formats.sanitize_sensor_id("zigbee2mqtt:" + "gedung/" * 12 + "b")
    assert a != b
    assert len(a) == len(b) == 64
    import re

    assert re.fullmatch(r"[a-z0-9_-]{1,64}", a)


@pytest.mark.parametrize(
    "bad",
    [
        {"timezone": "Asia/Atlantis"},
        {"timezone": "../etc/passwd"},
        {"metrics": {"x": "radon"}},
        {"units": {"x": "furlongs"}},
        {"offsets": {"radon": 1.0}},
        {"offsets": {"co2": float("nan")}},
        {"temperature_unit": "ppm"},
    ],
)
def test_settings_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DeviceSettings(**bad)  # type: ignore[arg-type]


def test_settings_keep_their_own_copies() -> None:
    metrics: dict[str, str | None] = {"a": "co2"}
    settings = DeviceSettings(metrics=metrics, units={"a": "ug/m3"})
    metrics["a"] = None
    assert settings.metrics["a"] == "co2"
    assert settings.units["a"] == "µg/m³"
    assert DeviceSettings(temperature_unit="fahrenheit").temperature_unit == "°F"


def test_udara_units_are_the_contracts() -> None:
    assert {m: canonical_unit(u) for m, u in UNITS.items()} == UDARA_UNIT
