"""Zigbee2MQTT: `zigbee2mqtt/{friendly_name}` device state (Koenkk/zigbee2mqtt).

- The friendly name may itself contain `/` (`kitchen/floor_sensor`): everything after the
  base topic is the name, unless the topic is a bridge topic (`zigbee2mqtt/bridge/…`),
  a command (`…/set`, `…/get`, `…/set/{attribute}`), or availability (`…/availability`,
  which is a status change: `{"state":"online"}`, or plain `online` with the legacy payload).
- The payload is one JSON object of the device's exposes (zigbee-herdsman-converters
  `src/lib/exposes.ts`): `temperature` °C, `humidity` %, `co2` ppm, `pm25`/`pm10` µg/m³,
  `formaldehyd` (sic, Tuya) and `hcho` mg/m³; `formaldehyde` ppm. Some Tuya models expose
  `formaldehyd` in ppm instead (`TS0601_smart_air_house_keeper`): set that device's unit.
- `last_seen`, when the bridge is configured to send it, is the time of the device's last
  message: ISO 8601 (`Z` or local with offset) or epoch milliseconds. Without it the time of
  receipt is the reading's time.
- Only the default `output: json` is read; with `output: attribute` each value arrives on its
  own topic as plain text and is rejected as not an object.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final, Literal

from ingest.domain.const import RejectReason
from ingest.domain.formats._common import (
    load_object,
    measure,
    payload_text,
    reading_time,
    rejection,
    telemetry,
)
from ingest.domain.formats.results import (
    DeviceReading,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    Status,
    ValueRejection,
)
from ingest.domain.formats.settings import SettingsSource, settings_for
from ingest.domain.model import Rejected

FORMAT: Final = "zigbee2mqtt"
BASE_TOPIC: Final = "zigbee2mqtt"
SUBSCRIPTIONS: Final = (f"{BASE_TOPIC}/#",)

# Payload key → (Udara metric, the unit Zigbee2MQTT reports it in).
DEFAULT_KEYS: Final[dict[str, tuple[str, str]]] = {
    "temperature": ("temperature", "°C"),
    "humidity": ("humidity", "%"),
    "co2": ("co2", "ppm"),
    "pm25": ("pm25", "µg/m³"),
    "pm10": ("pm10", "µg/m³"),
    "formaldehyd": ("hcho", "mg/m³"),  # sic: Tuya air-quality boxes
    "hcho": ("hcho", "mg/m³"),
    "formaldehyde": ("hcho", "ppm"),
}

_COMMANDS: Final = frozenset({"set", "get"})
_STATUS: Final = {"online": True, "offline": False}


def route(topic: str) -> Literal["telemetry", "status", "ignore"] | None:
    """What a topic under `zigbee2mqtt/` carries, or None when it is not Zigbee2MQTT's."""
    parts = topic.split("/")
    if len(parts) < 2 or parts[0] != BASE_TOPIC or not all(parts[1:]):
        return None
    if parts[1] == "bridge":
        return "ignore"
    if parts[-1] in _COMMANDS or (len(parts) > 2 and parts[-2] in _COMMANDS):
        return "ignore"
    if parts[-1] == "availability":
        return "status" if len(parts) > 2 else None
    return "telemetry"


def decode(topic: str, payload: bytes, received_at: datetime, settings: SettingsSource) -> Outcome:
    """One Zigbee2MQTT message → telemetry, a status change, ignored, or a rejection."""
    kind = route(topic)
    if kind is None:
        return Rejection(
            FORMAT, RejectReason.BAD_TOPIC, f"{topic[:200]!r} is not zigbee2mqtt/{{name}}"
        )
    if kind == "ignore":
        return Ignored(FORMAT, IgnoreReason.NOT_TELEMETRY, topic[len(BASE_TOPIC) + 1 :][:200])
    name = topic[len(BASE_TOPIC) + 1 :]
    if kind == "status":
        name = name[: -len("/availability")]
    device = f"{FORMAT}:{name}"
    try:
        if kind == "status":
            return _status(device, payload)
        return _state(device, load_object(payload), received_at, settings)
    except Rejected as exc:
        return rejection(FORMAT, exc, device)


def _status(device: str, payload: bytes) -> Outcome:
    text = payload_text(payload).strip()
    state: object = text.lower()
    if text.startswith("{"):  # Zigbee2MQTT ≥ 1.30 / 2.x: {"state":"online"}
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):
            body = None
        state = body.get("state") if isinstance(body, dict) else None
    if not isinstance(state, str) or state not in _STATUS:
        raise Rejected(RejectReason.BAD_STATUS, f"availability {text[:40]!r}")
    return Status(FORMAT, device, _STATUS[state])


def _state(
    device: str, data: dict[str, Any], received_at: datetime, source: SettingsSource
) -> Outcome:
    settings = settings_for(source, device)
    when = received_at
    if "last_seen" in data:
        seen = data["last_seen"]
        if isinstance(seen, int | float) and not isinstance(seen, bool):
            try:
                seen = seen / 1000.0  # epoch milliseconds
            except OverflowError:
                raise Rejected(RejectReason.BAD_TIMESTAMP, "last_seen too large") from None
        when = reading_time(seen, received_at)
    overrides = settings.metrics
    values: dict[str, float] = {}
    rejected: list[ValueRejection] = []
    for key, raw in data.items():
        unit: str | None
        if key in overrides:
            metric = overrides[key]
            if metric is None:
                continue
            default = DEFAULT_KEYS.get(key)
            unit = default[1] if default is not None and default[0] == metric else None
        elif key in DEFAULT_KEYS:
            metric, unit = DEFAULT_KEYS[key]
        else:
            continue
        if metric in values:  # two keys of one metric (formaldehyd and hcho): the first wins
            continue
        result = measure(key, metric, raw, unit, settings)
        if isinstance(result, ValueRejection):
            rejected.append(result)
        else:
            values[metric] = result
    return telemetry(FORMAT, device, [DeviceReading(when, values)], rejected)
