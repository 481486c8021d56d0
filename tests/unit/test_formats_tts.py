"""The Things Stack v3 `ApplicationUp` messages, as its webhook POSTs them.

Source: TheThingsIndustries/lorawan-stack-docs `doc/content/integrations/data-formats/
_index.md`: the "Uplink message example" (reproduced as `UPLINK`) and the "Join message
example" (`JOIN_ACCEPT`); "Empty fields are omitted". Decoded keys of a Milesight AM319 as
its decoder (Milesight-IoT/SensorDecoders `AM_Series/AM300_Series/AM300_TTN.js`) emits them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.domain.const import RejectReason
from ingest.domain.formats import tts
from ingest.domain.formats.results import (
    FormatReason,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    Telemetry,
)
from ingest.domain.formats.settings import DeviceSettings

RECEIVED = datetime(2020, 2, 12, 15, 15, 47, tzinfo=UTC)
SETTINGS = DeviceSettings()

UPLINK: dict[str, Any] = {
    "end_device_ids": {
        "device_id": "dev1",
        "application_ids": {"application_id": "app1"},
        "dev_eui": "0004A30B001C0530",
        "join_eui": "800000000000000C",
        "dev_addr": "00BCB929",
    },
    "correlation_ids": [
        "as:up:01E0WZGT6Y7657CPFPE5WEYDSQ",
        "gs:conn:01E0WDEC6T5T4XXBAX7S1VMFKE",
        "gs:uplink:01E0WZGSZWT07NE5TS2APTV1Z9",
        "ns:uplink:01E0WZGSZXZXZS8RFAWZX0F2FY",
        "rpc:/ttn.lorawan.v3.GsNs/HandleUplink:01E0WZGSZXGE1KS577PFBWRJEE",
    ],
    "received_at": "2020-02-12T15:15:46.014773143Z",
    "uplink_message": {
        "session_key_id": "AXA50tHUGUucuzS/bCGMNw==",
        "f_cnt": 1,
        "frm_payload": "gkHe",
        "decoded_payload": {"temperature": 1.0, "luminosity": 0.64},
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": "gtw1", "eui": "9C5C8E00001A05C4"},
                "time": "2020-02-12T15:15:45.787Z",
                "timestamp": 2463457000,
                "rssi": -35,
                "channel_rssi": -35,
                "snr": 5,
                "uplink_token": "ChIKEAoEZ3R3MRIInFyOAAAaBcQQ6L3Vlgk=",
                "channel_index": 2,
            }
        ],
        "settings": {
            "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}},
            "data_rate_index": 5,
            "coding_rate": "4/6",
            "frequency": "868300000",
            "timestamp": 2463457000,
            "time": "2020-02-12T15:15:45.787Z",
        },
        "consumed_airtime": "0.056576s",
        "locations": {
            "user": {
                "latitude": 37.97155556731436,
                "longitude": 23.72678801175413,
                "altitude": 10,
                "source": "SOURCE_REGISTRY",
            }
        },
        "received_at": "2020-02-12T15:15:45.789585559Z",
    },
}
JOIN_ACCEPT: dict[str, Any] = {
    "end_device_ids": {
        "device_id": "dev1",
        "application_ids": {"application_id": "app1"},
        "dev_eui": "0004A30B001C0530",
        "join_eui": "800000000000000C",
        "dev_addr": "01497ECC",
    },
    "correlation_ids": ["as:up:01E191YN5F2HMBQCBCVRF731VY"],
    "received_at": "2020-02-17T07:49:09.935284891Z",
    "join_accept": {
        "session_key_id": "AXBSH1Pk6Z0G166RlH16CQ==",
        "received_at": "2020-02-17T07:49:09.736532315Z",
    },
}
GATEWAY_TIME = datetime(2020, 2, 12, 15, 15, 45, 787000, tzinfo=UTC)


def post(body: dict[str, Any], settings: DeviceSettings = SETTINGS) -> Outcome:
    return tts.decode("", json.dumps(body).encode(), RECEIVED, settings)


def with_uplink(**change: Any) -> dict[str, Any]:
    return {**UPLINK, "uplink_message": {**UPLINK["uplink_message"], **change}}


def test_docs_uplink_example() -> None:
    outcome = post(UPLINK)
    assert isinstance(outcome, Telemetry)
    assert outcome.device == "tts:dev1"
    [reading] = outcome.readings
    assert reading.values == {"temperature": 1.0}  # luminosity is no Udara metric
    assert reading.time == GATEWAY_TIME  # rx_metadata[0].time


def test_milesight_decoded_payload() -> None:
    decoded = {
        "temperature": 26.4,
        "humidity": 71.5,
        "co2": 1480,
        "pm2_5": 22,
        "pm10": 35,
        "hcho": 0.02,
        "tvoc": 55,
        "pressure": 1006.1,
        "light_level": 1,
        "pir": "idle",
    }
    outcome = post(with_uplink(decoded_payload=decoded))
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == pytest.approx(
        {
            "temperature": 26.4,
            "humidity": 71.5,
            "co2": 1480.0,
            "pm25": 22.0,
            "pm10": 35.0,
            "hcho": 0.02 * 24.45 / 30.03,
        }
    )


@pytest.mark.parametrize(
    ("uplink_change", "top_change", "expected"),
    [
        # no gateway time (a gateway without GPS or time source): the Network Server's
        (
            {"rx_metadata": [{"gateway_ids": {"gateway_id": "gtw1"}, "rssi": -35}]},
            {},
            datetime(2020, 2, 12, 15, 15, 45, 789585, tzinfo=UTC),
        ),
        # a gateway whose clock says 1980: skipped
        (
            {"rx_metadata": [{"time": "1980-01-06T00:00:00Z"}]},
            {},
            datetime(2020, 2, 12, 15, 15, 45, 789585, tzinfo=UTC),
        ),
        # no metadata, no NS time: the Application Server's received_at
        (
            {"rx_metadata": None, "received_at": None},
            {},
            datetime(2020, 2, 12, 15, 15, 46, 14773, tzinfo=UTC),
        ),
    ],
)
def test_time_falls_back_from_gateway_to_servers(
    uplink_change: dict[str, Any], top_change: dict[str, Any], expected: datetime
) -> None:
    uplink = {
        k: v for k, v in {**UPLINK["uplink_message"], **uplink_change}.items() if v is not None
    }
    outcome = post({**UPLINK, **top_change, "uplink_message": uplink})
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].time == expected


def test_without_a_payload_formatter_it_is_counted_not_stored() -> None:
    uplink = {k: v for k, v in UPLINK["uplink_message"].items() if k != "decoded_payload"}
    outcome = post({**UPLINK, "uplink_message": uplink})
    assert isinstance(outcome, Rejection)
    assert outcome.reason == FormatReason.NO_DECODED_PAYLOAD
    assert outcome.device == "tts:dev1"


def test_join_accept_and_simulated_uplinks_are_ignored() -> None:
    join = post(JOIN_ACCEPT)
    assert isinstance(join, Ignored)
    assert join.reason == IgnoreReason.NOT_TELEMETRY
    simulated = post({**UPLINK, "simulated": True})
    assert isinstance(simulated, Ignored)
    assert simulated.reason == IgnoreReason.SIMULATED


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({**UPLINK, "end_device_ids": {"dev_eui": "0004A30B001C0530"}}, FormatReason.BAD_DEVICE_ID),
        (with_uplink(decoded_payload="gkHe"), RejectReason.NOT_OBJECT),
        ({**UPLINK, "uplink_message": []}, RejectReason.NOT_OBJECT),
        (with_uplink(rx_metadata=[], received_at="2020-02-12"), RejectReason.BAD_TIMESTAMP),
        (with_uplink(decoded_payload={"temperature": float("nan")}), RejectReason.NOT_FINITE),
    ],
)
def test_broken_uplinks_are_rejected(body: dict[str, Any], reason: str) -> None:
    outcome = post(body)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == reason


def test_tts_has_no_mqtt_topic() -> None:
    outcome = tts.decode(
        "v3/app1@ttn/devices/dev1/up", json.dumps(UPLINK).encode(), RECEIVED, SETTINGS
    )
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.BAD_TOPIC
