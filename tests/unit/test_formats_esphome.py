"""ESPHome `{node}/sensor/{object_id}/state` and `{node}/status`.

Sources (esphome/esphome): `esphome/components/mqtt/mqtt_sensor.cpp` (`publish_state`: the
value as `value_accuracy_to_string`, or `None` with `publish_nan_as_none`),
`esphome/components/mqtt/mqtt_component.cpp` (`get_default_topic_for_`: prefix / type /
object_id / suffix), `esphome/core/helpers.cpp` (`%.*f` formatting; `str_snake_case` and
`str_sanitize` make the object_id). Sensor names are those of the esphome.io component pages.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.domain.const import RejectReason
from ingest.domain.formats import esphome
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


def object_id(name: str) -> str:
    """ESPHome's object_id of a sensor name: `str_sanitize(str_snake_case(name))` on bytes."""
    snake = name.lower().replace(" ", "_").encode()
    return "".join(
        chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "-_") else "_" for b in snake
    )


def state(node: str, oid: str, payload: bytes, settings: DeviceSettings = SETTINGS) -> Outcome:
    return esphome.decode(f"{node}/sensor/{oid}/state", payload, RECEIVED, settings)


READINGS = [
    # mqtt_sensor.cpp publish_state: accuracy 0 → "812"; 2 → "21.50"
    pytest.param("kantor-lt3", "co2", b"812", "co2", 812.0, id="co2"),
    pytest.param("kantor-lt3", "temperature", b"21.50", "temperature", 21.5, id="temperature"),
    pytest.param("kantor-lt3", "humidity", b"55", "humidity", 55.0, id="humidity"),
    # esphome.io sen5x: name " PM <2.5µm Weight concentration"
    pytest.param(
        "kantor-lt3",
        object_id(" PM <2.5µm Weight concentration"),
        b"7.4",
        "pm25",
        7.4,
        id="sen5x pm_2_5 name",
    ),
    pytest.param(
        "kantor-lt3",
        object_id(" PM <10µm Weight concentration"),
        b"9.1",
        "pm10",
        9.1,
        id="sen5x pm_10_0 name",
    ),
    # esphome.io gcja5 / sds011: "Particulate Matter <2.5µm Concentration"
    pytest.param(
        "kantor-lt3",
        object_id("Particulate Matter <2.5µm Concentration"),
        b"12",
        "pm25",
        12.0,
        id="gcja5 pm_2_5 name",
    ),
    pytest.param(
        "kantor-lt3",
        object_id("Particulate Matter <10.0µm Concentration"),
        b"20",
        "pm10",
        20.0,
        id="gcja5 pm_10_0 name",
    ),
    # esphome.io pm2005: "PM2.5", "PM10.0"; pm1006 (IKEA Vindriktning): "PM2.5 sensor"
    pytest.param("vindriktning", object_id("PM2.5"), b"14", "pm25", 14.0, id="pm2005 PM2.5"),
    pytest.param("vindriktning", object_id("PM10.0"), b"18", "pm10", 18.0, id="pm2005 PM10.0"),
    pytest.param("vindriktning", object_id("PM2.5 sensor"), b"14", "pm25", 14.0, id="pm1006"),
    # older ESPHome dropped the characters str_sanitize now replaces: "PM 2.5" → pm_25
    pytest.param("lama", "pm_25", b"14", "pm25", 14.0, id="older object_id pm_25"),
    pytest.param("lama", "carbon_dioxide", b"640", "co2", 640.0, id="carbon_dioxide"),
    pytest.param("lama", "living_room_temperature", b"26.1", "temperature", 26.1, id="room prefix"),
    pytest.param("lama", "scd41_co2", b"701", "co2", 701.0, id="sensor prefix"),
    # components/sfa30/sensor.py: formaldehyde in ppb → 24.5 ppb = 0.0245 ppm
    pytest.param("lama", "formaldehyde", b"24.5", "hcho", 0.0245, id="sfa30 formaldehyde ppb"),
]


@pytest.mark.parametrize(("node", "oid", "payload", "metric", "value"), READINGS)
def test_real_states(node: str, oid: str, payload: bytes, metric: str, value: float) -> None:
    outcome = state(node, oid, payload)
    assert isinstance(outcome, Telemetry), outcome
    assert outcome.device == f"esphome:{node}"
    [reading] = outcome.readings
    assert reading.values == pytest.approx({metric: value})
    assert reading.time == RECEIVED  # ESPHome sends no timestamp


@pytest.mark.parametrize(
    "name",
    [
        "PM1.0",  # PM1 is no Udara metric
        "WiFi Signal",
        "Uptime",
        "Dew Point",
        "ESP Temperature",
        "Internal Temperature",
        "eCO2",  # SGP30 estimate: one sensor a message, no preference possible
        "Outdoor Temperature",
        "Absolute Humidity",
        "VOC",
    ],
)
def test_other_sensors_are_unmapped(name: str) -> None:
    outcome = state("kantor-lt3", object_id(name), b"1")
    assert isinstance(outcome, Ignored)
    assert outcome.reason == IgnoreReason.UNMAPPED


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"nan", RejectReason.NOT_FINITE),  # printf("%.*f", NaN)
        (b"None", RejectReason.NOT_FINITE),  # publish_nan_as_none
        (b"-nan", RejectReason.NOT_FINITE),
        (b"inf", RejectReason.NOT_FINITE),
        (b"ON", RejectReason.BAD_TYPE),
        (b"1_000", RejectReason.BAD_TYPE),  # float() would take it; ESPHome never sends it
        (b"", RejectReason.BAD_TYPE),
        (b"-5", RejectReason.IMPOSSIBLE),
        (b"\xff", RejectReason.NOT_UTF8),
    ],
)
def test_unusable_values_are_counted(payload: bytes, reason: str) -> None:
    outcome = state("kantor-lt3", "co2", payload)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == reason
    assert [r.reason for r in outcome.rejected] == ([reason] if outcome.rejected else [])
    assert outcome.device == "esphome:kantor-lt3"


def test_settings_override_the_names_and_units() -> None:
    settings = DeviceSettings(
        metrics={"scd41_temperature": None, "udara_box": "co2"},
        units={"ruang_temp": "°F"},
    )
    assert isinstance(state("n", "scd41_temperature", b"27.0", settings), Ignored)
    box = state("n", "udara_box", b"950", settings)
    assert isinstance(box, Telemetry)
    assert box.readings[0].values == {"co2": 950.0}
    fahrenheit = state("n", "ruang_temp", b"70.7", settings)
    assert isinstance(fahrenheit, Telemetry)
    assert fahrenheit.readings[0].values == pytest.approx({"temperature": 21.5})


def test_offsets_apply() -> None:
    outcome = state("n", "temperature", b"25.0", DeviceSettings(offsets={"temperature": -0.8}))
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == pytest.approx({"temperature": 24.2})


@pytest.mark.parametrize(("payload", "online"), [(b"online", True), (b"offline", False)])
def test_status_topic(payload: bytes, online: bool) -> None:
    outcome = esphome.decode("kantor-lt3/status", payload, RECEIVED, SETTINGS)
    assert outcome == Status("esphome", "esphome:kantor-lt3", online)


def test_bad_status_and_foreign_topics() -> None:
    bad = esphome.decode("kantor-lt3/status", b"sleeping", RECEIVED, SETTINGS)
    assert isinstance(bad, Rejection)
    assert bad.reason == RejectReason.BAD_STATUS
    foreign = esphome.decode("kantor-lt3/binary_sensor/x/state", b"ON", RECEIVED, SETTINGS)
    assert isinstance(foreign, Rejection)
    assert foreign.reason == RejectReason.BAD_TOPIC


def test_a_topic_prefix_with_levels_is_the_node() -> None:
    outcome = esphome.decode("gedung/lt3/sensor/co2/state", b"700", RECEIVED, SETTINGS)
    assert isinstance(outcome, Telemetry)
    assert outcome.device == "esphome:gedung/lt3"


@pytest.mark.parametrize(
    ("oid", "metric"),
    [
        ("pm_2_5", "pm25"),
        ("pm_10", "pm10"),
        ("pm_10_0", "pm10"),
        ("pm_1_0", None),
        ("pm25", "pm25"),
        ("co", "co"),
        ("carbon_monoxide", "co"),
        ("hcho", "hcho"),
        ("relative_humidity", "humidity"),
        ("temp", "temperature"),
        ("e_co2", None),
        ("dew_point", None),
        ("temperature_cpu", None),
    ],
)
def test_default_names(oid: str, metric: str | None) -> None:
    assert esphome.default_metric(oid) == metric


def test_device_temperature_unit_applies_when_the_message_does_not_say() -> None:
    settings = DeviceSettings(temperature_unit="°F")
    outcome = state("n", "temperature", b"70.7", settings)
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == pytest.approx({"temperature": 21.5})
    co2 = state("n", "co2", b"800", settings)  # other metrics keep their unit
    assert isinstance(co2, Telemetry)
    assert co2.readings[0].values == {"co2": 800.0}
