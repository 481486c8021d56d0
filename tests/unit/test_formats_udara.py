"""Udara's own payload through the formats interface (CONTRACTS.md, "MQTT").

The contract's validation is `ingest.domain.model`'s; these tests pin how its outcome is
wrapped: the device places itself, and one bad value rejects the whole message.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.domain.const import RejectReason
from ingest.domain.formats import udara
from ingest.domain.formats.results import Rejection, Status, Telemetry
from ingest.domain.formats.settings import DeviceSettings
from ingest.domain.model import SensorRef, telemetry_payload

RECEIVED = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)
SENSOR = SensorRef("menara-a", "lt3-rapat", "s1")
SETTINGS = DeviceSettings()


def test_telemetry_places_itself() -> None:
    payload = telemetry_payload({"co2": 812.0, "temperature": 24.5}, 1772862874)
    outcome = udara.decode(SENSOR.topic(), payload, RECEIVED, SETTINGS)
    assert isinstance(outcome, Telemetry)
    assert outcome.sensor == SENSOR
    assert outcome.device == "udara:menara-a/lt3-rapat/s1"
    [reading] = outcome.readings
    assert reading.values == {"co2": 812.0, "temperature": 24.5}
    assert reading.time == datetime(2026, 3, 7, 5, 54, 34, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"co2": NaN, "temperature": 24.5}', RejectReason.NOT_FINITE),
        (b'{"humidity": 140}', RejectReason.IMPOSSIBLE),
        (b'{"co2": "812"}', RejectReason.BAD_TYPE),
        (b"{}", RejectReason.NO_METRIC),
        (b'{"co2": 800, "ts": 0}', RejectReason.BAD_TIMESTAMP),
    ],
)
def test_one_bad_value_rejects_the_whole_message(payload: bytes, reason: str) -> None:
    outcome = udara.decode(SENSOR.topic(), payload, RECEIVED, SETTINGS)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == reason


def test_status() -> None:
    outcome = udara.decode(SENSOR.topic("status"), b"offline", RECEIVED, SETTINGS)
    assert outcome == Status("udara", "udara:menara-a/lt3-rapat/s1", False, SENSOR)


def test_bad_topic() -> None:
    outcome = udara.decode("udara/Menara A/x/s1/telemetry", b"{}", RECEIVED, SETTINGS)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == RejectReason.BAD_TOPIC


def test_offsets_apply_and_keep_the_range_check() -> None:
    settings = DeviceSettings(offsets={"humidity": 3.0})
    ok = udara.decode(SENSOR.topic(), b'{"humidity": 60}', RECEIVED, settings)
    assert isinstance(ok, Telemetry)
    assert ok.readings[0].values == {"humidity": 63.0}
    over = udara.decode(SENSOR.topic(), b'{"humidity": 99}', RECEIVED, settings)
    assert isinstance(over, Rejection)
    assert over.reason == RejectReason.IMPOSSIBLE
