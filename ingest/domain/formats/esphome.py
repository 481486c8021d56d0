"""ESPHome: `{node}/sensor/{object_id}/state` (one value) and `{node}/status` (esphome/esphome).

From the firmware source (`components/mqtt/mqtt_sensor.cpp`, `mqtt_component.cpp`,
`core/helpers.cpp`):

- the state topic is `{topic_prefix}/sensor/{object_id}/state`; the topic prefix defaults to
  the node name; `object_id` is the sensor's name snake-cased and sanitized (`"PM 2.5"` →
  `pm_2_5`, older releases dropped the dot: `pm_25`);
- the payload is the value as plain text, `printf("%.*f")` with the sensor's accuracy
  (`"21.5"`, `"1234"`); NaN is `nan`, or `None` with `publish_nan_as_none`;
- there is no timestamp: the time of receipt is the reading's time;
- availability is `{topic_prefix}/status`, `online` / `offline` (birth and last will).

Which object_id is which metric is a per-device mapping (settings `metrics`, keyed by
object_id); by default the object_id's last words decide (`DEFAULT_NAMES`). One message holds
one sensor, so there is no preference between sensors here: a node with two temperature
sensors needs one of them unmapped (`None`) in its settings.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Final, Literal

from ingest.domain.const import RejectReason
from ingest.domain.formats._common import measure, payload_text, rejection, telemetry
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

FORMAT: Final = "esphome"
SUBSCRIPTIONS: Final = ("+/sensor/+/state", "+/status")

# (metric, the words an object_id ends with). An object_id names its metric when its last
# words are one of these ("living_room_temperature", "scd41_co2", "pm_2_5"); the first
# match wins, so longer patterns come first.
DEFAULT_NAMES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("co2", ("carbon", "dioxide")),
    ("co2", ("co2",)),
    ("co", ("carbon", "monoxide")),
    ("co", ("co",)),
    ("pm25", ("particulate", "matter", "2", "5")),
    ("pm25", ("pm", "2", "5")),
    ("pm25", ("pm2", "5")),
    ("pm25", ("pm", "25")),
    ("pm25", ("pm25",)),
    ("pm10", ("particulate", "matter", "10", "0")),
    ("pm10", ("particulate", "matter", "10")),
    ("pm10", ("pm", "10", "0")),
    ("pm10", ("pm10", "0")),
    ("pm10", ("pm", "10")),
    ("pm10", ("pm10",)),
    ("hcho", ("formaldehyde",)),
    ("hcho", ("hcho",)),
    ("hcho", ("ch2o",)),
    ("humidity", ("relative", "humidity")),
    ("humidity", ("humidity",)),
    ("temperature", ("temperature",)),
    ("temperature", ("temp",)),
)
# A word right before the metric's words that makes it something else: a dew point, absolute
# humidity, an estimated CO2 (`e_co2`; `eco2` is one word and matches nothing), the chip's
# own temperature, or not room air.
NOT_AIR: Final = frozenset(
    {
        "dew",
        "absolute",
        "abs",
        "e",
        "estimated",
        "equivalent",
        "cpu",
        "chip",
        "core",
        "internal",
        "esp",
        "esp32",
        "esp8266",
        "board",
        "device",
        "outdoor",
        "outside",
        "soil",
        "water",
        "pipe",
        "probe",
    }
)
# Trailing words that name no metric ("PM <2.5µm Weight concentration" →
# pm__2_5__m_weight_concentration).
FILLER: Final = frozenset(
    {"concentration", "weight", "mass", "m", "um", "level", "value", "sensor"}
)

# The unit ESPHome's own components report each metric in; formaldehyde comes from the SFA30
# component (`components/sfa30/sensor.py`: ppb). A device's settings `units` override these.
DEFAULT_UNITS: Final[dict[str, str]] = {"hcho": "ppb"}

# `+/status` also matches these birth messages of other software.
NOT_ESPHOME: Final = frozenset({"homeassistant/status"})

_SPLIT: Final = re.compile(r"[_\-]+")
_NUMBER: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_NOT_A_NUMBER: Final = frozenset({"nan", "-nan", "+nan", "none", "inf", "-inf", "+inf"})
_STATUS: Final = {"online": True, "offline": False}


def default_metric(object_id: str) -> str | None:
    """The metric an object_id names by default, or None."""
    words = [w for w in _SPLIT.split(object_id.lower()) if w]
    words = [w[:-2] if w.endswith("um") and w[:-2].isdigit() else w for w in words]  # "5um"
    while words and words[-1] in FILLER:
        words.pop()
    for metric, tail in DEFAULT_NAMES:
        n = len(tail)
        if len(words) >= n and tuple(words[-n:]) == tail:
            if len(words) > n and words[-n - 1] in NOT_AIR:
                return None
            return metric
    return None


def route(topic: str) -> Literal["telemetry", "status"] | None:
    """What a topic of ESPHome's shape carries, or None when it is not ESPHome's."""
    parts = topic.split("/")
    if len(parts) >= 4 and parts[-3] == "sensor" and parts[-1] == "state" and all(parts[-4:]):
        return "telemetry"
    if len(parts) >= 2 and parts[-1] == "status" and all(parts) and topic not in NOT_ESPHOME:
        return "status"
    return None


def decode(topic: str, payload: bytes, received_at: datetime, settings: SettingsSource) -> Outcome:
    """One ESPHome message → telemetry, a status change, ignored, or a rejection."""
    kind = route(topic)
    if kind is None:
        return Rejection(FORMAT, RejectReason.BAD_TOPIC, f"{topic[:200]!r} is not +/sensor/+/state")
    parts = topic.split("/")
    node = "/".join(parts[:-3] if kind == "telemetry" else parts[:-1])
    device = f"{FORMAT}:{node}"
    try:
        text = payload_text(payload).strip()
        if kind == "status":
            if text.lower() not in _STATUS:
                raise Rejected(RejectReason.BAD_STATUS, f"{text[:40]!r} is not online/offline")
            return Status(FORMAT, device, _STATUS[text.lower()])
        object_id = parts[-2]
        config = settings_for(settings, device)
        if object_id in config.metrics:
            metric = config.metrics[object_id]
        else:
            metric = default_metric(object_id)
        if metric is None:
            return Ignored(FORMAT, IgnoreReason.UNMAPPED, object_id, device)
        raw: object
        if _NUMBER.fullmatch(text):
            raw = float(text)
        elif text.lower() in _NOT_A_NUMBER:  # `nan`, or `None` with publish_nan_as_none
            raw = math.nan if text.lower() == "none" else float(text)  # measure(): not_finite
        else:
            raw = text[:40]  # measure(): bad_type
        result = measure(object_id, metric, raw, DEFAULT_UNITS.get(metric), config)
        if isinstance(result, ValueRejection):
            return telemetry(FORMAT, device, [], [result])
        return telemetry(FORMAT, device, [DeviceReading(received_at, {metric: result})], [])
    except Rejected as exc:
        return rejection(FORMAT, exc, device)
