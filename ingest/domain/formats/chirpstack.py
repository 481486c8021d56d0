"""ChirpStack v4: uplink events, over MQTT or HTTP push (chirpstack-docs, integrations/events).

- MQTT topic `application/{application_id}/device/{dev_eui}/event/{event}`; only `up`
  carries readings, other events (`join`, `status`, `ack`, `txack`, `log`, `location`,
  `integration`) are ignored. Over HTTP (`POST /api/v1/ingest/chirpstack`) pass topic `""`.
- The payload is protobuf's JSON mapping of `UplinkEvent`, camelCase, fields with default
  values omitted: `time` (RFC 3339 with nanoseconds, read to the microsecond),
  `deviceInfo.devEui` (lower-case hex; the device id is `chirpstack:{devEui}`), `fPort`,
  `data` (base64), `rxInfo`, and `object`: the codec's decoded payload, present only when the
  device profile has a codec. Without it the uplink is counted (`no_decoded_payload`) and
  not stored: Udara does not decode device bytes itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final, Literal

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

FORMAT: Final = "chirpstack"
SUBSCRIPTIONS: Final = ("application/+/device/+/event/up",)

_EUI: Final = re.compile(r"[0-9a-f]{16}")


def route(topic: str) -> Literal["telemetry", "ignore"] | None:
    """What a ChirpStack v4 event topic carries, or None when it is not one."""
    return _route(topic.split("/"))


def _route(parts: list[str]) -> Literal["telemetry", "ignore"] | None:
    if len(parts) != 6 or parts[0] != "application" or parts[2] != "device":
        return None
    if parts[4] != "event" or not parts[1] or not parts[3]:
        return None
    return "telemetry" if parts[5] == "up" else "ignore"


def decode(topic: str, payload: bytes, received_at: datetime, settings: SettingsSource) -> Outcome:
    """One ChirpStack event → telemetry, ignored, or a rejection. Topic `""`: an HTTP push."""
    topic_eui: str | None = None
    if topic:
        parts = topic.split("/")
        kind = _route(parts)
        if kind is None:
            return Rejection(
                FORMAT, RejectReason.BAD_TOPIC, f"{topic[:200]!r} is not a ChirpStack event"
            )
        topic_eui = parts[3].lower()
        if kind == "ignore":
            return Ignored(FORMAT, IgnoreReason.NOT_TELEMETRY, parts[5], f"{FORMAT}:{topic_eui}")
    device: str | None = None
    try:
        data = load_object(payload, MAX_ENVELOPE_BYTES)
        info = data.get("deviceInfo")
        eui = info.get("devEui") if isinstance(info, dict) else None
        eui = eui.lower() if isinstance(eui, str) else topic_eui
        if eui is None or not _EUI.fullmatch(eui):
            raise Rejected(FormatReason.BAD_DEVICE_ID, f"devEui {str(eui)[:40]!r}")
        device = f"{FORMAT}:{eui}"
        obj = data.get("object")
        if obj is None:
            raise Rejected(FormatReason.NO_DECODED_PAYLOAD, "no codec output (`object`)")
        if not isinstance(obj, dict):
            raise Rejected(RejectReason.NOT_OBJECT, f"object is a JSON {type(obj).__name__}")
        when = reading_time(data["time"], received_at) if "time" in data else received_at
        return decoded_readings(
            FORMAT, device, obj, when, received_at, settings_for(settings, device)
        )
    except Rejected as exc:
        return rejection(FORMAT, exc, device)
