"""Shelly Gen2+: JSON-RPC notifications on `{prefix}/events/rpc` (shelly-api-docs, gen2).

- `NotifyFullStatus` (the whole status, e.g. when a Plus H&T wakes) and `NotifyStatus` (only
  what changed) carry `params.ts`, Unix UTC seconds, and one object per component:
  `"temperature:0": {"id":0,"tC":19.8,"tF":67.6}`, `"humidity:0": {"id":0,"rh":42.2}`.
  `tC` is null when the sensor reads out of range. Other methods (`NotifyEvent`, …) carry no
  readings and are ignored.
- The device id is the notification's `src` (`shellyplusht-08b61fcb7f3c`), not the topic
  prefix, which the owner may change.
- By default only component 0 is room air: `temperature:100`…`104` are Plus Add-on probes (a
  pipe, a tank…); map them in the device's settings (`"temperature:100": "temperature"`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from ingest.domain.const import RejectReason
from ingest.domain.formats._common import (
    load_object,
    measure,
    reading_time,
    rejection,
    telemetry,
)
from ingest.domain.formats.results import (
    DeviceReading,
    FormatReason,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    ValueRejection,
)
from ingest.domain.formats.settings import SettingsSource, settings_for
from ingest.domain.model import Rejected

FORMAT: Final = "shelly"
SUBSCRIPTIONS: Final = ("+/events/rpc",)

METHODS: Final = frozenset({"NotifyStatus", "NotifyFullStatus"})
# Component type → (Udara metric, the field of its status that holds the value).
COMPONENT_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "temperature": ("temperature", "tC"),  # always °C, whatever the display shows
    "humidity": ("humidity", "rh"),
}
# Components read by default.
DEFAULT_COMPONENTS: Final = frozenset({"temperature:0", "humidity:0"})


def route(topic: str) -> Literal["telemetry"] | None:
    """`telemetry` for `{prefix}/events/rpc`, else None."""
    parts = topic.split("/")
    if len(parts) >= 3 and parts[-2:] == ["events", "rpc"] and all(parts[:-2]):
        return "telemetry"
    return None


def decode(topic: str, payload: bytes, received_at: datetime, settings: SettingsSource) -> Outcome:
    """One Shelly notification → telemetry, ignored, or a rejection."""
    if route(topic) is None:
        return Rejection(FORMAT, RejectReason.BAD_TOPIC, f"{topic[:200]!r} is not +/events/rpc")
    device: str | None = None
    try:
        data = load_object(payload)
        src = data.get("src")
        if not isinstance(src, str) or not src or len(src) > 200:
            raise Rejected(FormatReason.BAD_DEVICE_ID, "no src in notification")
        device = f"{FORMAT}:{src}"
        method = data.get("method")
        if not isinstance(method, str) or method not in METHODS:
            return Ignored(FORMAT, IgnoreReason.NOT_TELEMETRY, str(method)[:60], device)
        params = data.get("params")
        if not isinstance(params, dict):
            raise Rejected(RejectReason.BAD_TYPE, "params is not an object")
        return _status(device, params, received_at, settings)
    except Rejected as exc:
        return rejection(FORMAT, exc, device)


def _status(
    device: str, params: dict[str, Any], received_at: datetime, source: SettingsSource
) -> Outcome:
    settings = settings_for(source, device)
    when = reading_time(params["ts"], received_at) if "ts" in params else received_at
    overrides = settings.metrics
    values: dict[str, float] = {}
    rejected: list[ValueRejection] = []
    for component, status in params.items():
        kind, _, _ = component.partition(":")
        spec = COMPONENT_FIELDS.get(kind)
        if spec is None:
            continue
        if component in overrides:
            metric = overrides[component]
            if metric is None:
                continue
        elif component in DEFAULT_COMPONENTS:
            metric = spec[0]
        else:
            continue
        if metric in values:
            continue
        if not isinstance(status, dict):
            detail = f"{type(status).__name__}, not a component status object"
            rejected.append(ValueRejection(component, metric, RejectReason.BAD_TYPE, detail))
            continue
        if spec[1] not in status:
            continue  # NotifyStatus may carry only other fields of the component
        unit = "°C" if kind == "temperature" and metric == "temperature" else None
        result = measure(component, metric, status[spec[1]], unit, settings, stated=True)
        if isinstance(result, ValueRejection):
            rejected.append(result)
        else:
            values[metric] = result
    return telemetry(FORMAT, device, [DeviceReading(when, values)], rejected)
