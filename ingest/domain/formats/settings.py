"""Per-device settings an adapter needs: metric mapping, units, calibration, time zone."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.domain.const import METRICS
from ingest.domain.formats.units import canonical_unit

DEFAULT_TIMEZONE: Final = "Asia/Jakarta"
TEMPERATURE_UNITS: Final = frozenset({"°C", "°F", "K"})


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (cached); ValueError when there is none of that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """What the facility manager set for one device (or the defaults of an unplaced one).

    - `timezone`: IANA zone of the building, for timestamps without an offset (Tasmota's
      `Time`); for an unplaced device pass the default zone (`UDARA_TIMEZONE`).
    - `metrics`: source key → Udara metric, or None to drop that key. Overrides the format's
      default mapping and, for Tasmota, wins over the preference between sensors. Source keys:
      Tasmota `"SCD30.CarbonDioxide"`, ESPHome the object_id, Zigbee2MQTT / ChirpStack / TTS
      the payload key, Shelly the component (`"temperature:100"`).
    - `units`: source key → the unit that key is in, when it differs from the format's default
      (e.g. a Tuya `formaldehyd` reported in ppm, an ESPHome sensor in °F).
    - `offsets`: metric → calibration offset, added after unit conversion.
    - `temperature_unit`: the unit of the device's temperatures when its messages do not say
      (`°F` for an ESPHome node or LoRaWAN decoder set to Fahrenheit). Tasmota's `TempUnit` and
      Shelly's `tC` say it themselves and win; a unit set in `units` for a key wins over both.
    """

    timezone: str = DEFAULT_TIMEZONE
    metrics: Mapping[str, str | None] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    offsets: Mapping[str, float] = field(default_factory=dict)
    temperature_unit: str | None = None

    def __post_init__(self) -> None:
        zone(self.timezone)
        if self.temperature_unit is not None:
            unit = canonical_unit(self.temperature_unit)
            if unit not in TEMPERATURE_UNITS:
                raise ValueError(f"{self.temperature_unit!r} is not a temperature unit")
            object.__setattr__(self, "temperature_unit", unit)
        for key, metric in self.metrics.items():
            if metric is not None and metric not in METRICS:
                raise ValueError(f"{key}: {metric!r} is not one of {', '.join(METRICS)}")
        units = {}
        for key, unit in self.units.items():
            canonical = canonical_unit(unit)
            if canonical is None:
                raise ValueError(f"{key}: unknown unit {unit!r}")
            units[key] = canonical
        for metric, offset in self.offsets.items():
            if metric not in METRICS:
                raise ValueError(f"offset for {metric!r}, which is not a metric")
            if isinstance(offset, bool) or not math.isfinite(offset):
                raise ValueError(f"offset for {metric} must be a finite number")
        # Frozen copies: the caller's dicts can change later without changing these settings.
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))
        object.__setattr__(self, "units", MappingProxyType(units))
        object.__setattr__(self, "offsets", MappingProxyType(dict(self.offsets)))

    @property
    def zone(self) -> ZoneInfo:
        """The building's time zone."""
        return zone(self.timezone)


DEFAULT_SETTINGS: Final = DeviceSettings()

# Settings for one device: fixed, or looked up by device id once the adapter knows it (the id
# of a Shelly, ChirpStack or TTS device is inside the payload).
SettingsSource = DeviceSettings | Callable[[str], DeviceSettings]


def settings_for(source: SettingsSource, device: str) -> DeviceSettings:
    """The settings of `device` from a fixed value or a lookup."""
    if isinstance(source, DeviceSettings):
        return source
    return source(device)
