"""Shelly Gen2+ JSON-RPC notifications on `{prefix}/events/rpc`.

Sources: shelly-api-docs.shelly.cloud gen2/General/Notifications (`NotifyStatus`: `ts`
"Unix timestamp (in UTC)", one object per `component:id`; `NotifyFullStatus`; receiving them
on `<shelly-id>/events/rpc`), gen2/Devices/Gen2/ShellyPlusHT (components), and a
`NotifyFullStatus` a Shelly Plus H&T published over MQTT (gist.github.com/NelsonMinar/
494a0f53785c20290b395639548349fa), reproduced below.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.domain.const import RejectReason
from ingest.domain.formats import shelly
from ingest.domain.formats.results import (
    FormatReason,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    Telemetry,
)
from ingest.domain.formats.settings import DeviceSettings

RECEIVED = datetime(2023, 4, 8, 14, 8, 30, tzinfo=UTC)
TOPIC = "shellyplusht-b8d61a8b17cc/events/rpc"
SETTINGS = DeviceSettings()

# The gist's NotifyFullStatus, as the device sent it (wifi/ws trimmed to what it showed).
FULL_STATUS: dict[str, Any] = {
    "src": "shellyplusht-b8d61a8b17cc",
    "dst": "shellyplusht-b8d61a8b17cc/events",
    "method": "NotifyFullStatus",
    "params": {
        "ts": 1680962879.62,
        "ble": {},
        "cloud": {"connected": False},
        "devicepower:0": {
            "id": 0,
            "battery": {"V": 0.43, "percent": 0},
            "external": {"present": True},
        },
        "ht_ui": {},
        "humidity:0": {"id": 0, "rh": 42.2},
        "mqtt": {"connected": True},
        "sys": {
            "mac": "B8D61A8B17CC",
            "restart_required": False,
            "time": None,
            "unixtime": None,
            "uptime": 3,
            "ram_size": 235300,
            "ram_free": 164244,
            "fs_size": 458752,
            "fs_free": 118784,
            "cfg_rev": 10,
            "kvs_rev": 0,
            "webhook_rev": 0,
            "available_updates": {},
            "wakeup_reason": {"boot": "deepsleep_wake", "cause": "status_update"},
            "wakeup_period": 600,
        },
        "temperature:0": {"id": 0, "tC": 19.8, "tF": 67.6},
        "wifi": {"sta_ip": "192.168.3.183", "status": "got ip", "ssid": "winos", "rssi": -58},
        "ws": {"connected": False},
    },
}
TS = datetime(2023, 4, 8, 14, 7, 59, 620000, tzinfo=UTC)


def notify(body: dict[str, Any], settings: DeviceSettings = SETTINGS) -> Outcome:
    return shelly.decode(TOPIC, json.dumps(body).encode(), RECEIVED, settings)


def with_params(**params: Any) -> dict[str, Any]:
    return {
        "src": "shellyplusht-b8d61a8b17cc",
        "dst": "x/events",
        "method": "NotifyStatus",
        "params": {"ts": 1680962879.62, **params},
    }


def test_full_status_of_a_plus_ht() -> None:
    outcome = notify(FULL_STATUS)
    assert isinstance(outcome, Telemetry)
    assert outcome.device == "shelly:shellyplusht-b8d61a8b17cc"
    [reading] = outcome.readings
    assert reading.values == {"temperature": 19.8, "humidity": 42.2}
    assert reading.time == TS


def test_notify_status_carries_only_what_changed() -> None:
    # Notifications page: "Some or all unchanged attributes … may not be visible"
    outcome = notify(with_params(**{"temperature:0": {"id": 0, "tC": 20.4, "tF": 68.7}}))
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == {"temperature": 20.4}
    battery_only = notify(with_params(**{"devicepower:0": {"id": 0, "battery": {"percent": 80}}}))
    assert isinstance(battery_only, Ignored)
    assert battery_only.reason == IgnoreReason.NO_METRIC


def test_device_id_is_src_not_the_topic_prefix() -> None:
    outcome = shelly.decode(
        "gedung-a/lt2/ht/events/rpc", json.dumps(FULL_STATUS).encode(), RECEIVED, SETTINGS
    )
    assert isinstance(outcome, Telemetry)
    assert outcome.device == "shelly:shellyplusht-b8d61a8b17cc"


def test_out_of_range_sensor_is_a_rejected_value() -> None:
    outcome = notify(
        with_params(
            **{
                "temperature:0": {"id": 0, "tC": None, "tF": None},
                "humidity:0": {"id": 0, "rh": 40.0},
            }
        )
    )
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == {"humidity": 40.0}
    assert [(r.key, r.reason) for r in outcome.rejected] == [
        ("temperature:0", RejectReason.NOT_FINITE)
    ]


def test_addon_probes_only_when_mapped() -> None:
    body = with_params(**{"temperature:100": {"id": 100, "tC": 45.0, "tF": 113.0}})
    assert isinstance(notify(body), Ignored)
    mapped = notify(body, DeviceSettings(metrics={"temperature:100": "temperature"}))
    assert isinstance(mapped, Telemetry)
    assert mapped.readings[0].values == {"temperature": 45.0}


def test_other_methods_are_ignored() -> None:
    event = {
        "src": "shellyplusht-b8d61a8b17cc",
        "dst": "x/events",
        "method": "NotifyEvent",
        "params": {"ts": 1680962879.62, "events": [{"component": "sys", "event": "sleep"}]},
    }
    outcome = notify(event)
    assert isinstance(outcome, Ignored)
    assert outcome.reason == IgnoreReason.NOT_TELEMETRY


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({**FULL_STATUS, "src": None}, FormatReason.BAD_DEVICE_ID),
        ({**FULL_STATUS, "params": [1, 2]}, RejectReason.BAD_TYPE),
        (
            {**FULL_STATUS, "params": {**FULL_STATUS["params"], "ts": 3.2}},
            RejectReason.BAD_TIMESTAMP,
        ),
        (
            {**FULL_STATUS, "params": {**FULL_STATUS["params"], "ts": "now"}},
            RejectReason.BAD_TIMESTAMP,
        ),
        (
            {**FULL_STATUS, "params": {"ts": 1680962879.62, "temperature:0": 19.8}},
            RejectReason.BAD_TYPE,
        ),
    ],
)
def test_broken_notifications_are_rejected(body: dict[str, Any], reason: str) -> None:
    outcome = notify(body)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == reason


def test_offset_calibrates() -> None:
    outcome = notify(FULL_STATUS, DeviceSettings(offsets={"humidity": 2.0}))
    assert isinstance(outcome, Telemetry)
    assert outcome.readings[0].values == pytest.approx({"temperature": 19.8, "humidity": 44.2})


def test_foreign_topic() -> None:
    outcome = shelly.decode("shellyplusht/status/temperature:0", b"{}", RECEIVED, SETTINGS)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.BAD_TOPIC
