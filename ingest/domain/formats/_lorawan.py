"""What ChirpStack and The Things Stack share: the device codec's decoded object.

The keys are those of the payload decoder configured for the device. Defaults follow
Milesight's AM307/AM308/AM319 decoders (Milesight-IoT/SensorDecoders, `AM_Series`), which
also upload stored readings as `history`: a list of objects with their own `timestamp`
(Unix seconds) and the same keys. Other decoders need their keys mapped in the settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from ingest.domain.const import RejectReason
from ingest.domain.formats._common import measure, reading_time, telemetry
from ingest.domain.formats.results import DeviceReading, Outcome, ValueRejection
from ingest.domain.formats.settings import DeviceSettings
from ingest.domain.model import Rejected

# Decoded key → (Udara metric, the unit the decoder reports it in).
DEFAULT_KEYS: Final[dict[str, tuple[str, str]]] = {
    "temperature": ("temperature", "°C"),
    "humidity": ("humidity", "%"),
    "co2": ("co2", "ppm"),
    "pm2_5": ("pm25", "µg/m³"),
    "pm25": ("pm25", "µg/m³"),
    "pm10": ("pm10", "µg/m³"),
    "hcho": ("hcho", "mg/m³"),  # Milesight AM319 HCHO: readUInt16LE / 100, mg/m³
}
HISTORY_KEY: Final = "history"


def _values(
    obj: dict[str, Any], prefix: str, settings: DeviceSettings, rejected: list[ValueRejection]
) -> dict[str, float]:
    overrides = settings.metrics
    values: dict[str, float] = {}
    for key, raw in obj.items():
        unit: str | None
        if overrides and key in overrides:
            metric = overrides[key]
            if metric is None:
                continue
            default = DEFAULT_KEYS.get(key)
            unit = default[1] if default is not None and default[0] == metric else None
        elif key in DEFAULT_KEYS:
            metric, unit = DEFAULT_KEYS[key]
        else:
            continue
        if metric in values:  # pm2_5 and pm25 both present: the first wins
            continue
        result = measure(prefix + key, metric, raw, unit, settings)
        if isinstance(result, ValueRejection):
            rejected.append(result)
        else:
            values[metric] = result
    return values


def decoded_readings(
    fmt: str,
    device: str,
    obj: dict[str, Any],
    when: datetime,
    received_at: datetime,
    settings: DeviceSettings,
) -> Outcome:
    """The decoded object's reading at `when`, plus its `history` readings at their own times."""
    rejected: list[ValueRejection] = []
    readings = [DeviceReading(when, _values(obj, "", settings, rejected))]
    history = obj.get(HISTORY_KEY)
    if isinstance(history, list):
        for i, entry in enumerate(history):
            prefix = f"{HISTORY_KEY}[{i}]."
            if not isinstance(entry, dict):
                rejected.append(
                    ValueRejection(prefix[:-1], "*", RejectReason.BAD_TYPE, "not an object")
                )
                continue
            try:
                at = reading_time(entry.get("timestamp"), received_at)
            except Rejected as exc:
                rejected.append(ValueRejection(prefix + "timestamp", "*", exc.reason, exc.detail))
                continue
            readings.append(DeviceReading(at, _values(entry, prefix, settings, rejected)))
    return telemetry(fmt, device, readings, rejected)
