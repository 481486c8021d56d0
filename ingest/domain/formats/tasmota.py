"""Tasmota: `tele/{topic}/SENSOR` telemetry and `tele/{topic}/LWT` status (arendst/Tasmota).

A SENSOR message is one JSON object: `Time`, then one object per sensor keyed by the
sensor's name (`"BME280"`, `"SHT3X-44"`, `"SCD41"`, ...), then `TempUnit` (`C`/`F`).
What this adapter relies on, from the firmware source:

- `Time` is local time without an offset (`support.ino` `ResponseGetTime`, default format),
  so it is read in the building's zone. Other `Time` formats are honoured too: with
  SetOption52 it carries the offset, `Time 1` adds `"Epoch"` (UTC seconds, preferred when
  present), `Time 2` makes `Time` itself UTC epoch seconds, `Time 3` adds milliseconds.
- `TempUnit` `F` means every temperature in the message is °F (`ConvertTemp`).
- PMS5003/7003 (`xsns_18`): `PM1`/`PM2.5`/`PM10` are the atmospheric values in µg/m³ and are
  used; `CF1`/`CF2.5`/`CF10` (factory "standard particle") and `PB*` (counts) are not.
  SPS30 (`xsns_44`) spells them `PM2_5`/`PM10`; SEN5x/SEN6x as PMS.
- `CarbonDioxide` is a measured CO2 (SCD30 NDIR, SCD4x photoacoustic, MH-Z19, SenseAir, SEN66);
  `eCO2` is an estimate (SGP30, CCS811; the SCD30's running average).
- SCD4x objects are keyed by the detected variant (`SCD40`, `SCD41`, `SCD43`), several sensors
  of one kind by name plus `-` and an address or index (`SHT3X-44`, `DS18B20-1`): the
  adapter reads fields, not sensor names, so any key works.
- `"ESP32":{"Temperature":…}` is the chip's own temperature (`xsns_127`), never room air.

When several sensors report the same metric, `PREFERENCE` decides (see there).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, Final, Literal, get_args

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
from ingest.domain.formats.settings import DeviceSettings, SettingsSource, settings_for
from ingest.domain.model import Rejected

FORMAT: Final = "tasmota"
SUBSCRIPTIONS: Final = ("tele/+/SENSOR", "tele/+/LWT")

# Field of a sensor object → Udara metric (the field's unit is Udara's, except temperature,
# which follows TempUnit). Fields not listed (CF*, PB*, PM1, PM4, TVOC, DewPoint, Pressure,
# aHumidity, VOC/NOx indices, ...) are not air metrics Udara stores.
FIELD_METRIC: Final[dict[str, str]] = {
    "Temperature": "temperature",
    "Humidity": "humidity",
    "CarbonDioxide": "co2",
    "eCO2": "co2",
    "PM2.5": "pm25",
    "PM2_5": "pm25",
    "PM10": "pm10",
    "CO": "co",  # Grove multichannel gas sensor (xsns_19), ppm
}

# Sensor objects that are never room air.
NOT_AIR: Final = frozenset({"ESP32"})  # the ESP32's CPU temperature

# Fields that make a sensor object a PM sensor or a CO2 sensor (otherwise it is a dedicated
# temperature/humidity sensor or another gas sensor).
_PM_FIELDS: Final = frozenset({"PM2.5", "PM2_5", "PM10", "PM1", "PM1_0", "CF2.5"})
_CO2_FIELDS: Final = frozenset({"CarbonDioxide", "eCO2"})

SensorKind = Literal["th", "co2", "pm"]

# Preference when several sensors of one message report a metric: the first pattern a
# candidate matches gives its rank (lower wins); `*` matches any kind of sensor. Equal ranks
# go to the sensor that comes first in the message. A key the device's settings map
# explicitly outranks all of these; a preferred value that fails its checks (null, NaN,
# impossible) is counted and the next candidate is used.
#
# - CO2: a measurement (NDIR/photoacoustic `CarbonDioxide`) before an estimate (`eCO2`).
# - Temperature and humidity: a dedicated T/RH sensor (SHT3x, BME280, …) before a CO2 sensor's
#   (its NDIR lamp warms it), before a PM sensor's built-in one (PMSx003T, SEN5x, SEN6x).
# - PM2.5/PM10: only PM sensors report them; their atmospheric values, never CF*.
PREFERENCE: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "co2": (("CarbonDioxide", "*"), ("eCO2", "*")),
    "temperature": (("Temperature", "th"), ("Temperature", "co2"), ("Temperature", "pm")),
    "humidity": (("Humidity", "th"), ("Humidity", "co2"), ("Humidity", "pm")),
    "pm25": (("PM2.5", "pm"), ("PM2_5", "pm")),
    "pm10": (("PM10", "pm"),),
    "co": (("CO", "*"),),
}
_UNRANKED: Final = 99  # a field mapped by settings to a metric it has no default rank for

_STATUS: Final = {"online": True, "offline": False}
_TEMP_UNITS: Final = {"C": "°C", "F": "°F"}


def device_id(topic: str) -> str:
    """`tasmota:{topic}` of `tele/{topic}/…`."""
    return f"{FORMAT}:{topic.split('/')[1]}"


def route(topic: str) -> Literal["telemetry", "status", "ignore"] | None:
    """What a topic of Tasmota's shape carries, or None when it is not Tasmota's."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != "tele" or not parts[1]:
        return None
    if parts[2] == "SENSOR":
        return "telemetry"
    if parts[2] == "LWT":
        return "status"
    return "ignore"  # STATE, INFO1, RESULT, …


def decode(topic: str, payload: bytes, received_at: datetime, settings: SettingsSource) -> Outcome:
    """One Tasmota message → telemetry, a status change, ignored, or a rejection."""
    kind = route(topic)
    if kind is None:
        return Rejection(FORMAT, RejectReason.BAD_TOPIC, f"{topic[:200]!r} is not tele/+/SENSOR")
    device = device_id(topic)
    try:
        if kind == "status":
            return _status(device, payload)
        if kind == "ignore":
            return Ignored(FORMAT, IgnoreReason.NOT_TELEMETRY, topic.rsplit("/", 1)[1], device)
        return _sensor(device, load_object(payload), received_at, settings_for(settings, device))
    except Rejected as exc:
        return rejection(FORMAT, exc, device)


def _status(device: str, payload: bytes) -> Outcome:
    word = payload_text(payload).strip().lower()  # `Online` / `Offline` (LWT, retained)
    if word not in _STATUS:
        raise Rejected(RejectReason.BAD_STATUS, f"LWT {word[:40]!r} is not Online/Offline")
    return Status(FORMAT, device, _STATUS[word])


def _kind(fields: Collection[str]) -> SensorKind:
    if not _PM_FIELDS.isdisjoint(fields):
        return "pm"
    if not _CO2_FIELDS.isdisjoint(fields):
        return "co2"
    return "th"


def _rank(metric: str, field: str, kind: SensorKind) -> int:
    for rank, (want_field, want_kind) in enumerate(PREFERENCE.get(metric, ())):
        if want_field == field and want_kind in ("*", kind):
            return rank
    return _UNRANKED


# `_rank` of every (metric, field, kind) it ranks, looked up instead of searched.
_RANKS: Final[dict[tuple[str, str, SensorKind], int]] = {
    (metric, field, kind): _rank(metric, field, kind)
    for metric, patterns in PREFERENCE.items()
    for field, _ in patterns
    for kind in get_args(SensorKind)
    if _rank(metric, field, kind) != _UNRANKED
}
_BY_RANK: Final = itemgetter(0, 1)  # (rank, order) of a candidate

# A message's sensors with their fields, in message order: which values are candidates for
# which metric, and in which order they are tried, depends on nothing else (and the settings'
# key mapping), so a device's messages, all of one shape, share one `Plan`.
Shape = tuple[tuple[str, tuple[str, ...]], ...]
# Per metric, in order of first appearance: its candidates (sensor, field, source key), best
# first.
Plan = tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...]


def _shape(data: dict[str, Any]) -> Shape:
    return tuple(
        [(name, tuple(fields)) for name, fields in data.items() if isinstance(fields, dict)]
    )


def _plan(shape: Shape, overrides: Mapping[str, str | None]) -> Plan:
    """Which values of a message of this shape may give each metric, best first: a key the
    settings map explicitly, then `PREFERENCE`, then message order."""
    # metric → [(rank, order, sensor, field, source key)]
    candidates: dict[str, list[tuple[int, int, str, str, str]]] = {}
    order = 0
    for name, fields in shape:
        not_air = name in NOT_AIR
        kind: SensorKind | None = None
        for field in fields:
            key = f"{name}.{field}"
            if key in overrides:
                mapped = overrides[key]
                if mapped is None:
                    continue
                metric, rank = mapped, -1
            else:
                default = FIELD_METRIC.get(field)
                if default is None or not_air:
                    continue
                metric = default
                if kind is None:
                    kind = _kind(fields)
                rank = _RANKS.get((metric, field, kind), _UNRANKED)
            candidates.setdefault(metric, []).append((rank, order, name, field, key))
            order += 1
    return tuple(
        (metric, tuple((c[2], c[3], c[4]) for c in sorted(options, key=_BY_RANK)))
        for metric, options in candidates.items()
    )


@lru_cache(maxsize=1024)
def _default_plan(shape: Shape) -> Plan:
    """The plan of a device without a key mapping, worked out once per shape."""
    return _plan(shape, {})


def _sensor(
    device: str, data: dict[str, Any], received_at: datetime, settings: DeviceSettings
) -> Outcome:
    when = _time(data, received_at, settings)
    temp_unit = data.get("TempUnit", "C")
    # measure() rejects a unit it does not know (bad_unit): a TempUnit other than C or F.
    temp_unit = (
        _TEMP_UNITS.get(temp_unit, f"TempUnit {temp_unit!r}"[:24])
        if isinstance(temp_unit, str)
        else f"TempUnit {type(temp_unit).__name__}"
    )
    overrides = settings.metrics
    shape = _shape(data)
    plan = _plan(shape, overrides) if overrides else _default_plan(shape)
    values: dict[str, float] = {}
    rejected: list[ValueRejection] = []
    # The best candidate of each metric; one that fails its checks (null, NaN, impossible)
    # is counted and the next one is tried.
    for metric, options in plan:
        unit = temp_unit if metric == "temperature" else None
        for name, field, key in options:
            result = measure(key, metric, data[name][field], unit, settings, stated=True)
            if isinstance(result, ValueRejection):
                rejected.append(result)
                continue
            values[metric] = result
            break
    return telemetry(FORMAT, device, [DeviceReading(when, values)], rejected)


def _time(data: dict[str, Any], received_at: datetime, settings: DeviceSettings) -> datetime:
    """The message's time: `Epoch` (UTC) when present, else `Time` (local unless offset)."""
    if "Epoch" in data:
        return reading_time(data["Epoch"], received_at)
    if "Time" in data:
        return reading_time(data["Time"], received_at, settings)
    return received_at
