"""Zigbee2MQTT `zigbee2mqtt/{friendly_name}`, its availability and the topics to skip.

Sources: zigbee2mqtt.io "MQTT Topics and Messages" (guide/usage/mqtt_topics_and_messages:
the WSDCGQ01LM example, `/availability`, `/set`, `/get`, `bridge/…`, friendly names with
`/`), "Device-Availability" (guide/configuration/device-availability), and
Koenkk/zigbee-herdsman-converters `src/lib/exposes.ts` (keys and units: `pm25`/`pm10` µg/m³,
`formaldehyd` mg/m³, `hcho` mg/m³) and `src/devices/tuya.ts` (`TS0601_air_quality_sensor`
exposes temperature, humidity, co2, voc, formaldehyd).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest.domain.const import RejectReason
from ingest.domain.formats import zigbee2mqtt
from ingest.domain.formats.results import (
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    Status,
    Telemetry,
)
from ingest.domain.formats.settings import DeviceSettings

RECEIVED = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)
SETTINGS = DeviceSettings()
HCHO_PPM_PER_MG_M3 = 24.45 / 30.03


def message(topic: str, body: object, settings: DeviceSettings = SETTINGS) -> Outcome:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return zigbee2mqtt.decode(topic, payload, RECEIVED, settings)


STATES = [
    pytest.param(
        # mqtt_topics_and_messages: Xiaomi MiJia temperature & humidity sensor (WSDCGQ01LM)
        "zigbee2mqtt/0x00158d0001e2e7a1",
        {"temperature": 27.34, "humidity": 44.72},
        {"temperature": 27.34, "humidity": 44.72},
        id="WSDCGQ01LM",
    ),
    pytest.param(
        # tuya.ts TS0601_air_quality_sensor: formaldehyd (sic) in mg/m³ → ppm ×24.45/30.03
        "zigbee2mqtt/lantai-2/ruang-rapat/air",
        {
            "co2": 612,
            "formaldehyd": 0.03,
            "humidity": 58.3,
            "temperature": 27.2,
            "voc": 24,
            "linkquality": 156,
        },
        {"co2": 612.0, "hcho": 0.03 * HCHO_PPM_PER_MG_M3, "humidity": 58.3, "temperature": 27.2},
        id="TS0601_air_quality_sensor, friendly name with /",
    ),
    pytest.param(
        # tuya.ts TS0601_smart_air_house_keeper: + pm25 (exposes.ts: µg/m³)
        "zigbee2mqtt/air-keeper",
        {
            "co2": 530,
            "formaldehyd": 0.01,
            "humidity": 60,
            "pm25": 18,
            "temperature": 28.1,
            "voc": 11,
            "linkquality": 98,
        },
        {
            "co2": 530.0,
            "hcho": 0.01 * HCHO_PPM_PER_MG_M3,
            "humidity": 60.0,
            "pm25": 18.0,
            "temperature": 28.1,
        },
        id="TS0601_smart_air_house_keeper",
    ),
    pytest.param(
        # exposes.ts hcho (mg/m³), pm10 (µg/m³); "formaldehyde" is read as ppm
        "zigbee2mqtt/box",
        {"hcho": 0.05, "pm10": 33, "battery": 100, "update": {"state": "idle"}},
        {"hcho": 0.05 * HCHO_PPM_PER_MG_M3, "pm10": 33.0},
        id="hcho and pm10",
    ),
    pytest.param("zigbee2mqtt/box2", {"formaldehyde": 0.04}, {"hcho": 0.04}, id="formaldehyde ppm"),
]


@pytest.mark.parametrize(("topic", "body", "expected"), STATES)
def test_device_states(topic: str, body: dict[str, object], expected: dict[str, float]) -> None:
    outcome = message(topic, body)
    assert isinstance(outcome, Telemetry), outcome
    assert outcome.device == "zigbee2mqtt:" + topic.removeprefix("zigbee2mqtt/")
    [reading] = outcome.readings
    assert reading.values == pytest.approx(expected)
    assert reading.time == RECEIVED
    assert outcome.rejected == ()


@pytest.mark.parametrize(
    ("last_seen", "expected"),
    [
        # advanced.last_seen: ISO_8601 (Date.toISOString), ISO_8601_local, epoch (ms)
        ("2026-03-07T05:59:58.123Z", datetime(2026, 3, 7, 5, 59, 58, 123000, tzinfo=UTC)),
        ("2026-03-07T12:59:58.123+07:00", datetime(2026, 3, 7, 5, 59, 58, 123000, tzinfo=UTC)),
        ("2026-03-07T12:59:58.123+0700", datetime(2026, 3, 7, 5, 59, 58, 123000, tzinfo=UTC)),
        (1772863198123, datetime(2026, 3, 7, 5, 59, 58, 123000, tzinfo=UTC)),
    ],
)
def test_last_seen_is_the_readings_time(last_seen: object, expected: datetime) -> None:
    outcome = message("zigbee2mqtt/th", {"temperature": 25.0, "last_seen": last_seen})
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].time == expected


@pytest.mark.parametrize("last_seen", ["2026-03-07 05:59", 1772863198, "soon", None])
def test_bad_last_seen_rejects(last_seen: object) -> None:
    # epoch *seconds* read as milliseconds is January 1970: rejected, not misfiled
    outcome = message("zigbee2mqtt/th", {"temperature": 25.0, "last_seen": last_seen})
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.BAD_TIMESTAMP


def test_tuya_model_with_formaldehyd_in_ppm_is_set_per_device() -> None:
    # an older tuya.ts had TS0601_smart_air_house_keeper: e.formaldehyd().withUnit('ppm')
    settings = DeviceSettings(units={"formaldehyd": "ppm"})
    outcome = message("zigbee2mqtt/air-keeper", {"formaldehyd": 0.03}, settings)
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == pytest.approx({"hcho": 0.03})


def test_settings_map_other_keys_and_drop_defaults() -> None:
    settings = DeviceSettings(metrics={"local_temperature": "temperature", "humidity": None})
    outcome = message("zigbee2mqtt/trv", {"local_temperature": 24.5, "humidity": 50}, settings)
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == {"temperature": 24.5}


def test_null_and_wrong_types_are_counted_per_value() -> None:
    outcome = message("zigbee2mqtt/air", {"co2": None, "pm25": "12", "temperature": 26.0})
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == {"temperature": 26.0}
    assert [(r.key, r.reason) for r in outcome.rejected] == [
        ("co2", RejectReason.NOT_FINITE),
        ("pm25", RejectReason.BAD_TYPE),
    ]


@pytest.mark.parametrize(
    "topic",
    [
        "zigbee2mqtt/bridge/state",
        "zigbee2mqtt/bridge/info",
        "zigbee2mqtt/bridge/devices",
        "zigbee2mqtt/bridge/event",
        "zigbee2mqtt/bridge/response/device/rename",
        "zigbee2mqtt/lamp/set",
        "zigbee2mqtt/lamp/set/state",
        "zigbee2mqtt/lt2/lamp/get",
        "zigbee2mqtt/lamp/get/brightness",
    ],
)
def test_bridge_and_command_topics_are_skipped(topic: str) -> None:
    outcome = message(topic, {"state": "online"})
    assert isinstance(outcome, Ignored)
    assert outcome.reason == IgnoreReason.NOT_TELEMETRY


@pytest.mark.parametrize(
    ("payload", "online"),
    [
        (b'{"state":"online"}', True),  # Zigbee2MQTT 2.x
        (b'{"state":"offline"}', False),
        (b"online", True),  # legacy_availability_payload
        (b"offline", False),
    ],
)
def test_availability_is_a_status_change(payload: bytes, online: bool) -> None:
    outcome = message("zigbee2mqtt/lt2/ruang-rapat/air/availability", payload)
    assert outcome == Status("zigbee2mqtt", "zigbee2mqtt:lt2/ruang-rapat/air", online)


@pytest.mark.parametrize("payload", [b'{"state":"sleepy"}', b"{", b"[]", b"maybe"])
def test_bad_availability_is_rejected(payload: bytes) -> None:
    outcome = message("zigbee2mqtt/air/availability", payload)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.BAD_STATUS


def test_devices_without_air_metrics_are_ignored() -> None:
    # mqtt_topics_and_messages: WXKG01LM switch, IKEA bulb
    for body in ({"action": "single"}, {"state": "ON", "brightness": 215, "color_temp": 325}):
        outcome = message("zigbee2mqtt/switch", body)
        assert isinstance(outcome, Ignored)
        assert outcome.reason == IgnoreReason.NO_METRIC


def test_attribute_output_is_not_an_object() -> None:
    outcome = message("zigbee2mqtt/th/temperature", b"25.3")  # output: attribute
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.NOT_OBJECT


def test_foreign_topic_is_rejected() -> None:
    outcome = message("zigbee/th", {"temperature": 25.0})
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.BAD_TOPIC
