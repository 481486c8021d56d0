"""ChirpStack v4 uplink events with Milesight AM307/AM319 decoded objects.

Sources: chirpstack/chirpstack-docs `src/chirpstack/integrations/events.md` (the `up` event
JSON example, reproduced as `UPLINK`: it has no `object`, as without a codec) and the
`UplinkEvent` protobuf docs ("object … only set when a codec is configured");
Milesight-IoT/SensorDecoders `AM_Series/AM300_Series/README.md` (the decoded example used as
`AM319_OBJECT`), `AM300_Chirpstack_v4.js` (units: hcho = raw / 100 in mg/m³) and
`AM300_v2/AM319_hcho_v2_Decoder.js` (`history` entries with `timestamp`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.domain.const import RejectReason
from ingest.domain.formats import chirpstack
from ingest.domain.formats.results import (
    FormatReason,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    Telemetry,
)
from ingest.domain.formats.settings import DeviceSettings

RECEIVED = datetime(2022, 7, 18, 9, 34, 16, tzinfo=UTC)
SETTINGS = DeviceSettings()
TOPIC = "application/17c82e96-be03-4f38-aef3-f83d48582d97/device/0101010101010101/event/up"
HCHO_PPM_PER_MG_M3 = 24.45 / 30.03

UPLINK: dict[str, Any] = {
    "deduplicationId": "3ac7e3c4-4401-4b8d-9386-a5c902f9202d",
    "time": "2022-07-18T09:34:15.775023242+00:00",
    "deviceInfo": {
        "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
        "tenantName": "ChirpStack",
        "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97",
        "applicationName": "Test application",
        "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
        "deviceProfileName": "Test device-profile",
        "deviceName": "Test device",
        "devEui": "0101010101010101",
        "tags": {"key": "value"},
    },
    "devAddr": "00189440",
    "dr": 1,
    "fPort": 1,
    "data": "qg==",
    "rxInfo": [
        {
            "gatewayId": "0016c001f153a14c",
            "uplinkId": 4217106255,
            "rssi": -36,
            "snr": 10.5,
            "context": "E3OWOQ==",
            "metadata": {"region_name": "eu868", "region_common_name": "EU868"},
        }
    ],
    "txInfo": {
        "frequency": 867100000,
        "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 11, "codeRate": "CR_4_5"}},
    },
}
# README.md example, sample hex 03 67 EE 00 04 68 7C … 0C 7D 30 00
AM319_OBJECT = {
    "temperature": 23.8,
    "humidity": 62,
    "pir": "trigger",
    "light_level": 2,
    "co2": 936,
    "tvoc": 37,
    "pressure": 1008.6,
    "hcho": 0.04,
    "pm2_5": 32,
    "pm10": 48,
}
AT = datetime(2022, 7, 18, 9, 34, 15, 775023, tzinfo=UTC)


def up(body: dict[str, Any], topic: str = TOPIC, settings: DeviceSettings = SETTINGS) -> Outcome:
    return chirpstack.decode(topic, json.dumps(body).encode(), RECEIVED, settings)


def test_uplink_without_codec_is_counted_not_stored() -> None:
    outcome = up(UPLINK)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == FormatReason.NO_DECODED_PAYLOAD
    assert outcome.device == "chirpstack:0101010101010101"


def test_am319_decoded_object() -> None:
    outcome = up({**UPLINK, "object": AM319_OBJECT})
    assert isinstance(outcome, Telemetry)
    assert outcome.device == "chirpstack:0101010101010101"
    [reading] = outcome.readings
    assert reading.time == AT  # nanoseconds read, the instant kept to the microsecond
    assert reading.values == pytest.approx(
        {
            "temperature": 23.8,
            "humidity": 62.0,
            "co2": 936.0,
            "hcho": 0.04 * HCHO_PPM_PER_MG_M3,
            "pm25": 32.0,
            "pm10": 48.0,
        }
    )


def test_am307_has_no_pm_or_hcho() -> None:
    am307 = {
        "temperature": 27.1,
        "humidity": 70.5,
        "pir": "idle",
        "light_level": 3,
        "co2": 1120,
        "tvoc": 120,
        "pressure": 1009.2,
        "battery": 100,
    }
    outcome = up({**UPLINK, "object": am307})
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == {"temperature": 27.1, "humidity": 70.5, "co2": 1120.0}


def test_history_entries_are_readings_at_their_own_time() -> None:
    # AM319_hcho_v2_Decoder.js channel 0x20 0xCE: decoded.history.push({timestamp, …})
    obj = {
        **AM319_OBJECT,
        "history": [
            {
                "timestamp": 1658135655,
                "temperature": 23.5,
                "humidity": 61.0,
                "pir": "idle",
                "light_level": 2,
                "co2": 901,
                "tvoc": 0.35,
                "pressure": 1008.4,
                "pm2_5": 30,
                "pm10": 45,
                "hcho": 0.03,
            },
            {"timestamp": 5, "temperature": 23.4},  # device clock never set
            "garbage",
        ],
    }
    outcome = up({**UPLINK, "object": obj})
    assert isinstance(outcome, Telemetry)
    now, stored = outcome.readings
    assert now.time == AT
    assert stored.time == datetime(2022, 7, 18, 9, 14, 15, tzinfo=UTC)
    assert stored.values["co2"] == 901.0
    assert [(r.key, r.reason) for r in outcome.rejected] == [
        ("history[1].timestamp", RejectReason.BAD_TIMESTAMP),
        ("history[2]", RejectReason.BAD_TYPE),
    ]


def test_dev_eui_is_lower_cased_and_http_push_has_no_topic() -> None:
    body = {
        **UPLINK,
        "deviceInfo": {**UPLINK["deviceInfo"], "devEui": "24E124710C140083"},
        "object": {"co2": 700},
    }
    outcome = up(body, topic="")
    assert isinstance(outcome, Telemetry)
    assert outcome.device == "chirpstack:24e124710c140083"


def test_missing_time_is_receipt_time() -> None:
    body = {k: v for k, v in UPLINK.items() if k != "time"}
    outcome = up({**body, "object": {"co2": 700}})
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].time == RECEIVED


@pytest.mark.parametrize("event", ["join", "status", "ack", "txack", "log", "location"])
def test_other_events_are_ignored(event: str) -> None:
    outcome = up(UPLINK, topic=TOPIC.replace("/event/up", f"/event/{event}"))
    assert isinstance(outcome, Ignored)
    assert outcome.reason == IgnoreReason.NOT_TELEMETRY


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"time": "2022-07-18 09:34"}, RejectReason.BAD_TIMESTAMP),
        ({"time": "2022-07-21T09:34:15Z"}, RejectReason.BAD_TIMESTAMP),  # days ahead
        ({"deviceInfo": {"devEui": "not-an-eui"}}, FormatReason.BAD_DEVICE_ID),
        ({"object": [1, 2]}, RejectReason.NOT_OBJECT),
    ],
)
def test_broken_uplinks_are_rejected(change: dict[str, Any], reason: str) -> None:
    outcome = up({**UPLINK, "object": {"co2": 700}, **change})
    assert isinstance(outcome, Rejection)
    assert outcome.reason == reason


def test_codec_values_are_checked_one_by_one() -> None:
    outcome = up({**UPLINK, "object": {"co2": 65535, "temperature": "23.8 °C", "humidity": 50}})
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == {"humidity": 50.0}
    assert {r.key: r.reason for r in outcome.rejected} == {
        "co2": RejectReason.IMPOSSIBLE,
        "temperature": RejectReason.BAD_TYPE,
    }


def test_other_decoders_are_mapped_per_device() -> None:
    settings = DeviceSettings(metrics={"TempC_SHT": "temperature", "Hum_SHT": "humidity"})
    outcome = up(
        {**UPLINK, "object": {"TempC_SHT": 24.1, "Hum_SHT": 66.2, "BatV": 3.0}}, settings=settings
    )
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == {"temperature": 24.1, "humidity": 66.2}


def test_non_lorawan_object_without_metrics_is_ignored() -> None:
    outcome = up({**UPLINK, "object": {"door": "open", "battery": 90}})
    assert isinstance(outcome, Ignored)
    assert outcome.reason == IgnoreReason.NO_METRIC
