"""Which format a topic belongs to, what ingest subscribes to, and one entry point for all.

`decode` is the function ingest calls per MQTT message; HTTP push calls the format's own
`decode` (`chirpstack`, `tts`) with topic `""`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import ModuleType
from typing import Final, Literal

from ingest.domain.const import RejectReason
from ingest.domain.formats import (
    chirpstack,
    esphome,
    shelly,
    tasmota,
    tts,
    udara,
    zigbee2mqtt,
)
from ingest.domain.formats.results import Outcome, Rejection
from ingest.domain.formats.settings import SettingsSource

Kind = Literal["telemetry", "status", "ignore"]
Decoder = Callable[[str, bytes, datetime, SettingsSource], Outcome]

# Every format, in the order topics are matched: the most specific shapes first, ESPHome's
# `{node}/status` (two levels, any node) last.
FORMATS: Final = ("udara", "tasmota", "chirpstack", "zigbee2mqtt", "shelly", "esphome", "tts")
_MODULES: Final[dict[str, ModuleType]] = {
    "udara": udara,
    "tasmota": tasmota,
    "chirpstack": chirpstack,
    "zigbee2mqtt": zigbee2mqtt,
    "shelly": shelly,
    "esphome": esphome,
    "tts": tts,
}
DECODERS: Final[dict[str, Decoder]] = {name: m.decode for name, m in _MODULES.items()}
SUBSCRIPTIONS: Final[dict[str, tuple[str, ...]]] = {
    name: tuple(m.SUBSCRIPTIONS) for name, m in _MODULES.items()
}

# Reason of the rejection `decode` returns if an adapter ever raised (a bug): the message is
# acknowledged and counted instead of being redelivered forever.
ADAPTER_ERROR: Final = "adapter_error"


@dataclass(frozen=True, slots=True)
class Route:
    """The format of a topic and what it carries."""

    format: str
    kind: Kind


def parse_formats(text: str | None) -> tuple[str, ...]:
    """`UDARA_DEVICE_FORMATS` (comma-separated; empty or unset: all) → format names."""
    if not text or not text.strip():
        return FORMATS
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in _MODULES]
    if unknown:
        raise ValueError(f"unknown device format(s): {', '.join(unknown)}")
    return tuple(n for n in FORMATS if n in names)


def subscriptions(formats: Iterable[str] = FORMATS) -> tuple[str, ...]:
    """The MQTT topic filters of the given formats (TTS has none: HTTP push only)."""
    wanted = set(formats)
    return tuple(f for name in FORMATS if name in wanted for f in SUBSCRIPTIONS[name])


def route(topic: str, formats: Iterable[str] = FORMATS) -> Route | None:
    """Which of the subscribed formats a topic belongs to and whether it is telemetry,
    status or to be ignored; None when it belongs to none of them."""
    for name, route_of in _routers(tuple(formats)):
        kind = route_of(topic)
        if kind is not None:
            return Route(name, kind)
    return None


@lru_cache(maxsize=64)
def _routers(formats: tuple[str, ...]) -> tuple[tuple[str, Callable[[str], Kind | None]], ...]:
    """The `route` functions of the given formats, in matching order (worked out once per
    set of formats, not per message)."""
    wanted = set(formats)
    return tuple((n, _MODULES[n].route) for n in FORMATS if n in wanted and n != "tts")


def decode(
    topic: str,
    payload: bytes,
    received_at: datetime,
    settings: SettingsSource,
    formats: Iterable[str] = FORMATS,
) -> Outcome:
    """One MQTT message of any subscribed format → its outcome. Never raises.

    `received_at` is the time of receipt, timezone-aware. `settings` is a `DeviceSettings`
    or a function from device id to `DeviceSettings` (the id of a Shelly or LoRaWAN device is
    only known from the payload).
    """
    found = route(topic, formats)
    if found is None:
        return Rejection("unknown", RejectReason.BAD_TOPIC, f"{topic[:200]!r} matches no format")
    try:
        return DECODERS[found.format](topic, payload, received_at, settings)
    except Exception as exc:  # a bug must not stall the queue: see ADAPTER_ERROR
        return Rejection(found.format, ADAPTER_ERROR, f"{type(exc).__name__}: {exc}"[:200])


_NOT_NAME: Final = re.compile(r"[^a-z0-9_-]")
MAX_SENSOR_ID: Final = 64


def sanitize_sensor_id(device_id: str) -> str:
    """The default `sensor` tag of a placed device: its id lower-cased, every character
    outside `a-z0-9_-` (`:` included) replaced by `-`, at most 64 characters.

    A longer id keeps its first 55 characters and ends in `-` and 8 hex digits of its SHA-256,
    so two long ids that share a prefix stay two sensors.
    """
    name = _NOT_NAME.sub("-", device_id.lower()) or "-"
    if len(name) <= MAX_SENSOR_ID:
        return name
    digest = hashlib.sha256(device_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name[: MAX_SENSOR_ID - 9]}-{digest}"
