"""Tasmota `tele/+/SENSOR` and `tele/+/LWT`, from payloads the firmware's own source writes.

Each sample names where its shape comes from in arendst/Tasmota. Most are built from the
driver's JSON format string (`ResponseAppend_P(...)` in `tasmota/tasmota_xsns_sensor/…`)
with plausible values; the `Time` formats come from `support.ino` (`ResponseGetTime`) and
`support_rtc.ino` (`GetDateAndTime`, SetOption52).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest.domain.const import RejectReason
from ingest.domain.formats import tasmota
from ingest.domain.formats.results import (
    FormatReason,
    Ignored,
    IgnoreReason,
    Rejection,
    Status,
    Telemetry,
)
from ingest.domain.formats.settings import DeviceSettings

JAKARTA = DeviceSettings(timezone="Asia/Jakarta")
RECEIVED = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)  # 13:00 in Jakarta
TOPIC = "tele/ruang-rapat/SENSOR"
LOCAL_TIME = "2026-03-07T12:54:34"  # Jakarta (UTC+7) → 05:54:34 UTC
AT = datetime(2026, 3, 7, 5, 54, 34, tzinfo=UTC)


def sensor(settings: DeviceSettings = JAKARTA, /, **body: object) -> Telemetry:
    outcome = tasmota.decode(TOPIC, json.dumps(body).encode(), RECEIVED, settings)
    assert isinstance(outcome, Telemetry), outcome
    assert outcome.device == "tasmota:ruang-rapat"
    return outcome


def values(outcome: Telemetry) -> dict[str, float]:
    [reading] = outcome.readings
    return reading.values


# ---- Real payloads, one row per sensor driver -------------------------------------------

SAMPLES = [
    pytest.param(
        # /work/shared/reference/device-payloads.md (Tasmota docs' BME280 + PMS5003 example);
        # PM2.5 ≠ CF2.5 here to show which one is read.
        {
            "Time": LOCAL_TIME,
            "BME280": {"Temperature": 20.7, "Humidity": 24.4, "DewPoint": -0.4, "Pressure": 1013.4},
            "PMS5003": {
                "CF1": 22,
                "CF2.5": 41,
                "CF10": 57,
                "PM1": 22,
                "PM2.5": 32,
                "PM10": 49,
                "PB0.3": 4146,
                "PB0.5": 1224,
                "PB1": 262,
                "PB2.5": 16,
                "PB5": 4,
                "PB10": 2,
            },
            "PressureUnit": "hPa",
            "TempUnit": "C",
        },
        {"temperature": 20.7, "humidity": 24.4, "pm25": 32.0, "pm10": 49.0},
        id="bme280+pms5003: atmospheric PM2.5/PM10, not CF*",
    ),
    pytest.param(
        # xsns_42_scd30.ino Scd30Show: {"CarbonDioxide":%d,"eCO2":%d, + ResponseAppendTHD
        {
            "Time": LOCAL_TIME,
            "SCD30": {
                "CarbonDioxide": 814,
                "eCO2": 787,
                "Temperature": 24.3,
                "Humidity": 47.1,
                "DewPoint": 12.3,
            },
            "TempUnit": "C",
        },
        {"co2": 814.0, "temperature": 24.3, "humidity": 47.1},
        id="scd30: CarbonDioxide (NDIR), not eCO2",
    ),
    pytest.param(
        # xsns_92_scd40.ino Scd40Show: the object key is the detected variant (mScd40Names)
        {
            "Time": LOCAL_TIME,
            "SCD41": {
                "CarbonDioxide": 1012,
                "eCO2": 1003,
                "Temperature": 25.1,
                "Humidity": 55.0,
                "DewPoint": 15.5,
            },
            "TempUnit": "C",
        },
        {"co2": 1012.0, "temperature": 25.1, "humidity": 55.0},
        id="scd41: variant as the key",
    ),
    pytest.param(
        # xsns_14_sht3x.ino Sht3xShow: two sensors → "%s%c%02X" = SHT3X-44, SHT3X-45
        {
            "Time": LOCAL_TIME,
            "SHT3X-44": {"Temperature": 23.9, "Humidity": 61.2, "DewPoint": 16.0},
            "SHT3X-45": {"Temperature": 24.4, "Humidity": 60.1, "DewPoint": 16.2},
            "TempUnit": "C",
        },
        {"temperature": 23.9, "humidity": 61.2},
        id="sht3x-44/-45: suffixed keys, the first one wins a tie",
    ),
    pytest.param(
        # xsns_05_ds18x20.ino: several probes → "%s%c%d" = DS18B20-1, DS18B20-2, each with Id
        {
            "Time": LOCAL_TIME,
            "DS18B20-1": {"Id": "01144A0CB2AA", "Temperature": 24.8},
            "DS18B20-2": {"Id": "0314971B21FF", "Temperature": 25.3},
            "TempUnit": "C",
        },
        {"temperature": 24.8},
        id="ds18b20-1/-2: index suffixes",
    ),
    pytest.param(
        # xsns_21_sgp30 (eCO2/TVOC) next to an SCD30: the NDIR measurement wins
        {
            "Time": LOCAL_TIME,
            "SGP30": {"eCO2": 1480, "TVOC": 310},
            "SCD30": {
                "CarbonDioxide": 905,
                "eCO2": 899,
                "Temperature": 24.0,
                "Humidity": 50.0,
                "DewPoint": 13.0,
            },
            "TempUnit": "C",
        },
        {"co2": 905.0, "temperature": 24.0, "humidity": 50.0},
        id="sgp30 + scd30: NDIR CO2 over eCO2 whatever the order",
    ),
    pytest.param(
        # SGP30 alone: its estimate is the only CO2 there is
        {"Time": LOCAL_TIME, "SGP30": {"eCO2": 650, "TVOC": 45}},
        {"co2": 650.0},
        id="sgp30 alone: eCO2 as last resort",
    ),
    pytest.param(
        # xsns_18 with PMS_MODEL_PMSx003T: T/RH inside the PMS object; an SHT3X is preferred
        {
            "Time": LOCAL_TIME,
            "PMS5003": {
                "CF1": 5,
                "CF2.5": 9,
                "CF10": 11,
                "PM1": 5,
                "PM2.5": 9,
                "PM10": 11,
                "PB0.3": 1020,
                "PB0.5": 300,
                "PB1": 60,
                "PB2.5": 4,
                "Temperature": 29.8,
                "Humidity": 41.0,
            },
            "SHT3X": {"Temperature": 26.2, "Humidity": 52.3, "DewPoint": 15.8},
            "TempUnit": "C",
        },
        {"temperature": 26.2, "humidity": 52.3, "pm25": 9.0, "pm10": 11.0},
        id="pmsx003t + sht3x: the T/RH sensor over the PM sensor's built-in one",
    ),
    pytest.param(
        {
            "Time": LOCAL_TIME,
            "PMS5003": {
                "CF1": 5,
                "CF2.5": 9,
                "CF10": 11,
                "PM1": 5,
                "PM2.5": 9,
                "PM10": 11,
                "PB0.3": 1020,
                "PB0.5": 300,
                "PB1": 60,
                "PB2.5": 4,
                "Temperature": 29.8,
                "Humidity": 41.0,
            },
            "TempUnit": "C",
        },
        {"temperature": 29.8, "humidity": 41.0, "pm25": 9.0, "pm10": 11.0},
        id="pmsx003t alone: its built-in T/RH",
    ),
    pytest.param(
        # xsns_44_sps30.ino SPS30_Show: PM1_0, PM2_5, PM4_0, PM10, NCPM*, TYPSIZ
        {
            "Time": LOCAL_TIME,
            "SPS30": {
                "PM1_0": 3.41,
                "PM2_5": 4.12,
                "PM4_0": 4.55,
                "PM10": 4.73,
                "NCPM0_5": 22.1,
                "NCPM1_0": 26.5,
                "NCPM2_5": 26.8,
                "NCPM4_0": 26.9,
                "NCPM10": 26.9,
                "TYPSIZ": 0.52,
            },
        },
        {"pm25": 4.12, "pm10": 4.73},
        id="sps30: PM2_5 spelling",
    ),
    pytest.param(
        # xsns_103_sen5x.ino SEN5XShow: PM1/PM2.5/PM4/PM10, NOx, VOC, THD, aHumidity
        {
            "Time": LOCAL_TIME,
            "SEN5X": {
                "PM1": 2.1,
                "PM2.5": 3.0,
                "PM4": 3.4,
                "PM10": 3.6,
                "NOx": 1,
                "VOC": 98,
                "Temperature": 27.4,
                "Humidity": 58.0,
                "DewPoint": 18.5,
                "aHumidity": 15.1234,
            },
            "TempUnit": "C",
        },
        {"pm25": 3.0, "pm10": 3.6, "temperature": 27.4, "humidity": 58.0},
        id="sen5x",
    ),
    pytest.param(
        # xsns_119_sen6x.ino Sen6xShow (SEN66: PM + CarbonDioxide + NOx/VOC + THD) next to an
        # SHT4X: CO2 from the SEN66, temperature from the dedicated sensor
        {
            "Time": LOCAL_TIME,
            "SEN66": {
                "PM1": 1.0,
                "PM2.5": 1.4,
                "PM4": 1.5,
                "PM10": 1.6,
                "CarbonDioxide": 702,
                "NOx": 1,
                "VOC": 104,
                "Temperature": 28.9,
                "Humidity": 49.0,
                "DewPoint": 17.2,
                "aHumidity": 14.0,
            },
            "SHT4X": {"Temperature": 27.0, "Humidity": 53.5, "DewPoint": 16.9},
            "TempUnit": "C",
        },
        {"pm25": 1.4, "pm10": 1.6, "co2": 702.0, "temperature": 27.0, "humidity": 53.5},
        id="sen66 + sht4x",
    ),
    pytest.param(
        # xsns_19_mgs.ino MGSShow: Grove multichannel gas sensor, ppm
        {
            "Time": LOCAL_TIME,
            "MGS": {
                "NH3": 0.85,
                "CO": 3.2,
                "NO2": 0.07,
                "C3H8": 1200.0,
                "C4H10": 1500.0,
                "CH4": 4500.0,
                "H2": 2.1,
                "C2H5OH": 1.5,
            },
        },
        {"co": 3.2},
        id="mgs: CO in ppm",
    ),
    pytest.param(
        # xsns_127_esp32_sensors.ino: "ESP32":{"Temperature":…} is the CPU, never room air
        {
            "Time": LOCAL_TIME,
            "ESP32": {"Temperature": 52.2},
            "SHT3X": {"Temperature": 25.5, "Humidity": 60.0, "DewPoint": 17.3},
            "TempUnit": "C",
        },
        {"temperature": 25.5, "humidity": 60.0},
        id="esp32 chip temperature ignored",
    ),
    pytest.param(
        # ConvertTemp with SetOption8 1: every temperature in °F, TempUnit F; 70.7 °F = 21.5 °C
        {
            "Time": LOCAL_TIME,
            "AM2301": {"Temperature": 70.7, "Humidity": 45.2, "DewPoint": 48.6},
            "TempUnit": "F",
        },
        {"temperature": 21.5, "humidity": 45.2},
        id="TempUnit F converted",
    ),
]


@pytest.mark.parametrize(("body", "expected"), SAMPLES)
def test_real_payloads(body: dict[str, object], expected: dict[str, float]) -> None:
    outcome = sensor(**body)
    assert values(outcome) == pytest.approx(expected)
    assert outcome.rejected == ()
    assert outcome.readings[0].time == AT


# ---- Time ---------------------------------------------------------------------------------

TIMES = [
    # support.ino ResponseGetTime default: local time, no offset → the building's zone
    pytest.param({"Time": "2026-03-07T12:54:34"}, JAKARTA, AT, id="local, Jakarta"),
    pytest.param(
        {"Time": "2026-03-07T12:54:34"},
        DeviceSettings(timezone="Asia/Makassar"),  # WITA, UTC+8
        datetime(2026, 3, 7, 4, 54, 34, tzinfo=UTC),
        id="local, Makassar building",
    ),
    # support_rtc.ino GetDateAndTime with SetOption52: the offset is appended
    pytest.param(
        {"Time": "2026-03-07T12:54:34+08:00"},
        JAKARTA,
        datetime(2026, 3, 7, 4, 54, 34, tzinfo=UTC),
        id="SetOption52 offset wins",
    ),
    # ResponseGetTime format 3: DT_LOCAL_MILLIS
    pytest.param(
        {"Time": "2026-03-07T12:54:34.123"},
        JAKARTA,
        datetime(2026, 3, 7, 5, 54, 34, 123000, tzinfo=UTC),
        id="Time 3: millis",
    ),
    # format 1: "Time":"<local>","Epoch":<UTC seconds> → Epoch is unambiguous
    pytest.param(
        {"Time": "2026-03-07T12:54:34", "Epoch": 1772862874},
        JAKARTA,
        AT,
        id="Time 1: Epoch preferred",
    ),
    # format 2: "Time":<UTC seconds>
    pytest.param({"Time": 1772862874}, JAKARTA, AT, id="Time 2: epoch"),
    pytest.param({}, JAKARTA, RECEIVED, id="no Time: receipt"),
]


@pytest.mark.parametrize(("stamp", "settings", "expected"), TIMES)
def test_time_formats(
    stamp: dict[str, object], settings: DeviceSettings, expected: datetime
) -> None:
    outcome = sensor(settings, SHT3X={"Temperature": 25.0}, **stamp)
    assert outcome.readings[0].time == expected


def test_unplaced_device_uses_the_default_zone_it_is_given() -> None:
    default = DeviceSettings()  # Asia/Jakarta, UDARA_TIMEZONE's default
    assert sensor(default, Time=LOCAL_TIME, SHT3X={"Temperature": 25.0}).readings[0].time == AT


@pytest.mark.parametrize(
    "stamp",
    [
        "1970-01-01T00:03:21",  # RTC not yet set: Tasmota counts from 1970 before NTP
        "2026-03-09T12:54:34",  # two days ahead of receipt
        "2026-13-07T12:54:34",
        "yesterday",
        True,
    ],
)
def test_implausible_time_rejects_the_message(stamp: object) -> None:
    body = {"Time": stamp, "SHT3X": {"Temperature": 25.0}}
    outcome = tasmota.decode(TOPIC, json.dumps(body).encode(), RECEIVED, JAKARTA)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.BAD_TIMESTAMP
    assert outcome.device == "tasmota:ruang-rapat"


# ---- Per-value rejections -----------------------------------------------------------------


def test_a_bad_value_is_counted_and_the_others_kept() -> None:
    outcome = sensor(
        Time=LOCAL_TIME,
        SHT3X={"Temperature": 24.0, "Humidity": 140.0},  # impossible
        PMS5003={"PM2.5": "n/a", "PM10": 20},  # wrong type
    )
    assert values(outcome) == {"temperature": 24.0, "pm10": 20.0}
    reasons = {(r.key, r.reason) for r in outcome.rejected}
    assert reasons == {
        ("SHT3X.Humidity", RejectReason.IMPOSSIBLE),
        ("PMS5003.PM2.5", RejectReason.BAD_TYPE),
    }


def test_a_failed_preferred_value_falls_back_to_the_next_sensor() -> None:
    outcome = sensor(
        Time=LOCAL_TIME,
        SHT3X={"Temperature": None, "Humidity": 55.0},  # null: Tasmota's NaN
        SCD30={"CarbonDioxide": 700, "eCO2": 690, "Temperature": 26.0, "Humidity": 50.0},
    )
    assert values(outcome) == {"temperature": 26.0, "humidity": 55.0, "co2": 700.0}
    [rejected] = outcome.rejected
    assert (rejected.key, rejected.reason) == ("SHT3X.Temperature", RejectReason.NOT_FINITE)


def test_every_value_bad_rejects_the_message_with_each_value_counted() -> None:
    body = {"Time": LOCAL_TIME, "SHT3X": {"Temperature": -300, "Humidity": False}}
    outcome = tasmota.decode(TOPIC, json.dumps(body).encode(), RECEIVED, JAKARTA)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.IMPOSSIBLE
    assert [r.reason for r in outcome.rejected] == [
        RejectReason.IMPOSSIBLE,
        RejectReason.BAD_TYPE,
    ]


def test_unknown_tempunit_rejects_temperatures_only() -> None:
    outcome = sensor(Time=LOCAL_TIME, SHT3X={"Temperature": 295.0, "Humidity": 50.0}, TempUnit="K")
    assert values(outcome) == {"humidity": 50.0}
    assert [r.reason for r in outcome.rejected] == [FormatReason.BAD_UNIT]


# ---- Settings -----------------------------------------------------------------------------


def test_settings_map_and_unmap_sensor_fields() -> None:
    settings = DeviceSettings(
        metrics={"SGP30.eCO2": None, "ANALOG.Temperature1": "temperature"},
    )
    outcome = sensor(
        settings,
        Time=LOCAL_TIME,
        SGP30={"eCO2": 900, "TVOC": 12},
        SHT3X={"Temperature": 25.0},
        ANALOG={"Temperature1": 23.5},
    )
    # the mapped NTC outranks the default preference; the estimate is not CO2 for this device
    assert values(outcome) == {"temperature": 23.5}


def test_calibration_offset_is_added_after_conversion() -> None:
    settings = DeviceSettings(offsets={"temperature": -1.5, "co2": 40})
    outcome = sensor(
        settings,
        Time=LOCAL_TIME,
        AM2301={"Temperature": 70.7, "Humidity": 45.2},
        SCD30={"CarbonDioxide": 800},
        TempUnit="F",
    )
    assert values(outcome) == pytest.approx({"temperature": 20.0, "humidity": 45.2, "co2": 840.0})


def test_offset_that_leaves_the_physical_range_rejects_the_value() -> None:
    outcome = sensor(
        DeviceSettings(offsets={"humidity": 5}),
        Time=LOCAL_TIME,
        SHT3X={"Temperature": 25.0, "Humidity": 98.0},
    )
    assert values(outcome) == {"temperature": 25.0}
    assert [r.reason for r in outcome.rejected] == [RejectReason.IMPOSSIBLE]


def test_settings_lookup_gets_the_device_id() -> None:
    asked: list[str] = []

    def lookup(device: str) -> DeviceSettings:
        asked.append(device)
        return JAKARTA

    body = {"Time": LOCAL_TIME, "SHT3X": {"Temperature": 25.0}}
    tasmota.decode(TOPIC, json.dumps(body).encode(), RECEIVED, lookup)
    assert asked == ["tasmota:ruang-rapat"]


# ---- Whole messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe", RejectReason.NOT_UTF8),
        (b'{"Time":"2026-03-07T12:54:34","SHT3X":{', RejectReason.NOT_JSON),
        (b"[1, 2]", RejectReason.NOT_OBJECT),
        (b"{" + b" " * 17000 + b"}", RejectReason.TOO_LARGE),
    ],
)
def test_broken_messages_are_rejected(payload: bytes, reason: str) -> None:
    outcome = tasmota.decode(TOPIC, payload, RECEIVED, JAKARTA)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == reason


@pytest.mark.parametrize(
    "body",
    [
        # xsns_44_sps30.ino CmdClean publishes {"SPS30":{"CFAN":"true"}} on tele/…/SENSOR
        {"Time": LOCAL_TIME, "SPS30": {"CFAN": "true"}},
        # a smart plug's energy report (xnrg): no air metric
        {"Time": LOCAL_TIME, "ENERGY": {"Total": 1.2, "Power": 60, "Voltage": 230}},
        {"Time": LOCAL_TIME, "ESP32": {"Temperature": 48.0}, "TempUnit": "C"},
    ],
)
def test_messages_without_air_metrics_are_ignored(body: dict[str, object]) -> None:
    outcome = tasmota.decode(TOPIC, json.dumps(body).encode(), RECEIVED, JAKARTA)
    assert isinstance(outcome, Ignored)
    assert outcome.reason == IgnoreReason.NO_METRIC


@pytest.mark.parametrize(
    ("payload", "online"),
    [(b"Online", True), (b"Offline", False), (b"online\n", True)],  # LWT, retained
)
def test_lwt_is_a_status_change(payload: bytes, online: bool) -> None:
    assert tasmota.decode("tele/ruang-rapat/LWT", payload, RECEIVED, JAKARTA) == Status(
        "tasmota", "tasmota:ruang-rapat", online
    )


def test_lwt_garbage_is_rejected() -> None:
    outcome = tasmota.decode("tele/ruang-rapat/LWT", b"Maybe", RECEIVED, JAKARTA)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.BAD_STATUS


def test_other_tele_topics_are_ignored_and_foreign_ones_rejected() -> None:
    state = tasmota.decode("tele/ruang-rapat/STATE", b'{"POWER":"ON"}', RECEIVED, JAKARTA)
    assert isinstance(state, Ignored)
    assert state.reason == IgnoreReason.NOT_TELEMETRY
    foreign = tasmota.decode("stat/ruang-rapat/RESULT", b"{}", RECEIVED, JAKARTA)
    assert isinstance(foreign, Rejection)
    assert foreign.reason == RejectReason.BAD_TOPIC


def test_preference_is_data() -> None:
    assert tasmota.PREFERENCE["co2"][0] == ("CarbonDioxide", "*")
    assert [kind for _, kind in tasmota.PREFERENCE["temperature"]] == ["th", "co2", "pm"]
    assert "CF2.5" not in tasmota.FIELD_METRIC


def test_tempunit_in_the_message_wins_over_the_device_setting() -> None:
    settings = DeviceSettings(temperature_unit="F")
    outcome = sensor(settings, Time=LOCAL_TIME, SHT3X={"Temperature": 25.0}, TempUnit="C")
    assert values(outcome) == {"temperature": 25.0}
