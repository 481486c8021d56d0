"""Udara's own payload (CONTRACTS.md, "MQTT"), as one format among the others.

The contract and its validation stay in `ingest.domain.model`; this adapter only wraps them
in the formats' outcomes. Unlike the device formats, Udara's contract rejects the whole
message when any value is wrong (a device that sends NaN is broken, not partly sound), and
the device places itself: the outcome's `sensor` is the `SensorRef` of its topic.
Calibration offsets of its settings, if any, are applied and the range re-checked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from ingest.domain.const import SUBSCRIPTIONS as UDARA_SUBSCRIPTIONS
from ingest.domain.const import TELEMETRY_SUFFIX, TOPIC_PREFIX
from ingest.domain.formats._common import measure, rejection
from ingest.domain.formats.results import (
    DeviceReading,
    Outcome,
    Rejection,
    Status,
    Telemetry,
    ValueRejection,
)
from ingest.domain.formats.settings import SettingsSource, settings_for
from ingest.domain.model import Rejected, parse_status, parse_telemetry, parse_topic

FORMAT: Final = "udara"
SUBSCRIPTIONS: Final = UDARA_SUBSCRIPTIONS


def route(topic: str) -> Literal["telemetry", "status"] | None:
    """What a topic under `udara/` carries, or None when it is not Udara's."""
    if not topic.startswith(TOPIC_PREFIX + "/"):
        return None
    try:
        return parse_topic(topic)[1]
    except Rejected:
        return None


def decode(topic: str, payload: bytes, received_at: datetime, settings: SettingsSource) -> Outcome:
    """One Udara message → telemetry, a status change, or a rejection."""
    try:
        sensor, kind = parse_topic(topic)
    except Rejected as exc:
        return rejection(FORMAT, exc)
    device = f"{FORMAT}:{sensor.building}/{sensor.room}/{sensor.sensor}"
    try:
        if kind != TELEMETRY_SUFFIX:
            return Status(FORMAT, device, parse_status(sensor, payload).online, sensor)
        reading = parse_telemetry(sensor, payload, received_at)
    except Rejected as exc:
        return rejection(FORMAT, exc, device)
    config = settings_for(settings, device)
    values = reading.values
    if config.offsets:
        values = {}
        for metric, value in reading.values.items():
            result = measure(metric, metric, value, None, config, stated=True)
            if isinstance(result, ValueRejection):
                return Rejection(FORMAT, result.reason, result.detail, device, (result,))
            values[metric] = result
    return Telemetry(FORMAT, device, (DeviceReading(reading.time, values),), sensor=sensor)
