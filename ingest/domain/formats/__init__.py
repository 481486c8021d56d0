"""Device formats beyond Udara's own payload: one pure adapter module per format.

Each module (`udara`, `tasmota`, `esphome`, `zigbee2mqtt`, `shelly`, `chirpstack`, `tts`)
has `FORMAT`, `SUBSCRIPTIONS` and

    decode(topic, payload, received_at, settings) -> Outcome

which returns `Telemetry`, `Status`, `Ignored` or `Rejection` and raises nothing. No I/O, no
clock: the time of receipt is an argument. `registry` routes a topic to its format and says
what ingest subscribes to. See CONTRACTS.md, "Sensor devices beyond Udara's own payload".
"""

from __future__ import annotations

from ingest.domain.formats.registry import (
    ADAPTER_ERROR,
    DECODERS,
    FORMATS,
    SUBSCRIPTIONS,
    Route,
    decode,
    parse_formats,
    route,
    sanitize_sensor_id,
    subscriptions,
)
from ingest.domain.formats.results import (
    DeviceReading,
    FormatReason,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    Status,
    Telemetry,
    ValueRejection,
)
from ingest.domain.formats.settings import (
    DEFAULT_SETTINGS,
    DeviceSettings,
    SettingsSource,
)

__all__ = [
    "ADAPTER_ERROR",
    "DECODERS",
    "DEFAULT_SETTINGS",
    "FORMATS",
    "SUBSCRIPTIONS",
    "DeviceReading",
    "DeviceSettings",
    "FormatReason",
    "IgnoreReason",
    "Ignored",
    "Outcome",
    "Rejection",
    "Route",
    "SettingsSource",
    "Status",
    "Telemetry",
    "ValueRejection",
    "decode",
    "parse_formats",
    "route",
    "sanitize_sensor_id",
    "subscriptions",
]
