"""The Things Stack v3: uplink JSON pushed by its webhook integration (lorawan-stack-docs,
integrations/data-formats).

Its MQTT server offers QoS 0 only, so Udara takes TTS uplinks over HTTP
(`POST /api/v1/ingest/tts`); pass topic `""`. The message is an `ApplicationUp`:

- `end_device_ids.device_id` (the device id is `tts:{device_id}`), `end_device_ids.dev_eui`
  (upper-case hex), top-level `received_at` (Application Server);
- `uplink_message.decoded_payload`: the payload formatter's output, absent without one
  (counted `no_decoded_payload`, not stored); `uplink_message.rx_metadata[].time`: when each
  gateway received the uplink; `uplink_message.received_at` (Network Server);
- empty fields are omitted; other messages (`join_accept`, `downlink_*`, `location_solved`)
  carry no uplink and are ignored, as are uplinks the console simulated (`"simulated": true`).

The reading's time is the first gateway time (as ChirpStack's `time`), else the Network
Server's `received_at`, else the top-level `received_at`, else the time of receipt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from ingest.domain.const import RejectReason
from ingest.domain.formats._common import (
    MAX_ENVELOPE_BYTES,
    load_object,
    reading_time,
    rejection,
)
from ingest.domain.formats._lorawan import decoded_readings
from ingest.domain.formats.results import (
    FormatReason,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
)
from ingest.domain.formats.settings import SettingsSource, settings_for
from ingest.domain.model import Rejected

FORMAT: Final = "tts"
SUBSCRIPTIONS: Final[tuple[str, ...]] = ()  # HTTP push only


def decode(topic: str, payload: bytes, received_at: datetime, settings: SettingsSource) -> Outcome:
    """One TTS `ApplicationUp` → telemetry, ignored, or a rejection."""
    if topic:
        return Rejection(FORMAT, RejectReason.BAD_TOPIC, "TTS uplinks arrive over HTTP only")
    device: str | None = None
    try:
        data = load_object(payload, MAX_ENVELOPE_BYTES)
        ids = data.get("end_device_ids")
        device_id = ids.get("device_id") if isinstance(ids, dict) else None
        if not isinstance(device_id, str) or not device_id or len(device_id) > 200:
            raise Rejected(FormatReason.BAD_DEVICE_ID, "no end_device_ids.device_id")
        device = f"{FORMAT}:{device_id}"
        uplink = data.get("uplink_message")
        if uplink is None:
            kinds = ", ".join(k for k in data if k not in ("end_device_ids", "correlation_ids"))
            return Ignored(FORMAT, IgnoreReason.NOT_TELEMETRY, kinds[:80], device)
        if not isinstance(uplink, dict):
            raise Rejected(RejectReason.NOT_OBJECT, "uplink_message is not an object")
        if data.get("simulated") is True:
            return Ignored(FORMAT, IgnoreReason.SIMULATED, "console simulation", device)
        obj = uplink.get("decoded_payload")
        if obj is None:
            raise Rejected(FormatReason.NO_DECODED_PAYLOAD, "no decoded_payload")
        if not isinstance(obj, dict):
            raise Rejected(RejectReason.NOT_OBJECT, "decoded_payload is not an object")
        when = _time(data, uplink, received_at)
        return decoded_readings(
            FORMAT, device, obj, when, received_at, settings_for(settings, device)
        )
    except Rejected as exc:
        return rejection(FORMAT, exc, device)


def _time(data: dict[str, Any], uplink: dict[str, Any], received_at: datetime) -> datetime:
    metadata = uplink.get("rx_metadata")
    if isinstance(metadata, list):
        for gateway in metadata:
            if isinstance(gateway, dict) and "time" in gateway:
                try:
                    return reading_time(gateway["time"], received_at)
                except Rejected:
                    continue  # a gateway without a sane clock; try the next, then the servers
    for holder in (uplink, data):
        if "received_at" in holder:
            return reading_time(holder["received_at"], received_at)
    return received_at
