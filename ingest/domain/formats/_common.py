"""Helpers every adapter shares: payload decoding, one value's checks, timestamps, the outcome.

Internally an adapter raises `Rejected` (the exception of Udara's own model) for a
whole-message rejection; its `decode` turns it into a `Rejection` before returning.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from ingest.domain.const import MAX_PAYLOAD_BYTES, PHYSICAL_RANGES, RejectReason
from ingest.domain.formats.results import (
    DeviceReading,
    FormatReason,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    Telemetry,
    ValueRejection,
)
from ingest.domain.formats.settings import DeviceSettings
from ingest.domain.formats.units import CONVERSIONS, UDARA_UNIT
from ingest.domain.model import Rejected, _reading_time, load_json_object

# Network servers wrap a device's few bytes in metadata from every gateway that heard it;
# their envelopes get a larger allowance than a device's own message.
MAX_ENVELOPE_BYTES: Final = 64 * 1024

JsonObject = dict[str, Any]
_isfinite: Final = math.isfinite


# Every format reads its JSON as Udara's own payload is read (one place for orjson's
# fast path and the standard library's verdict on what orjson refuses).
load_object = load_json_object


def payload_text(payload: bytes, limit: int = MAX_PAYLOAD_BYTES) -> str:
    """A plain-text payload (ESPHome state, status words), or raise `Rejected`."""
    if len(payload) > limit:
        raise Rejected(RejectReason.TOO_LARGE, f"{len(payload)} bytes > {limit}")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(RejectReason.NOT_UTF8, str(exc)[:200]) from None


def measure(
    key: str,
    metric: str,
    raw: object,
    unit: str | None,
    settings: DeviceSettings,
    stated: bool = False,
) -> float | ValueRejection:
    """One reported value in Udara's unit, calibrated and checked, or why it was left out.

    `unit` is the unit the format reports this key in (None: Udara's unit); `stated` says
    the message itself names it (Tasmota's `TempUnit`, Shelly's `tC`). The unit used: the one
    configured for `key` in `settings`, else a stated one, else the device's
    `temperature_unit` for a temperature, else `unit`. Checks, in order: a number (not a bool,
    string or null), finite, convertible, calibrated (offset added after conversion),
    physically possible.
    """
    cls = raw.__class__
    if cls is not float and cls is not int:  # JSON's numbers skip these checks (hot path)
        if raw is None:  # how firmwares and decoders spell "no value" (NaN, sensor fault)
            return ValueRejection(key, metric, RejectReason.NOT_FINITE, "null")
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return ValueRejection(
                key, metric, RejectReason.BAD_TYPE, f"{type(raw).__name__}, not a number"
            )
    try:
        value = float(raw)  # type: ignore[arg-type]  # an int or float: checked above
    except OverflowError:
        return ValueRejection(key, metric, RejectReason.IMPOSSIBLE, "too large for a float")
    if not _isfinite(value):
        return ValueRejection(key, metric, RejectReason.NOT_FINITE, repr(value))
    units, offsets = settings.units, settings.offsets
    configured = units.get(key) if units else None
    if configured is not None:
        unit = configured
    elif not stated and metric == "temperature" and settings.temperature_unit is not None:
        unit = settings.temperature_unit
    unit = unit or UDARA_UNIT[metric]
    try:
        convert = CONVERSIONS[(metric, unit)]
    except KeyError:
        return ValueRejection(key, metric, FormatReason.BAD_UNIT, f"{unit} is no unit of {metric}")
    if convert is not None:
        value = convert(value)
    value += offsets.get(metric, 0.0) if offsets else 0.0
    low, high = PHYSICAL_RANGES[metric]
    if not low <= value <= high:  # also catches a conversion that overflowed to infinity
        return ValueRejection(
            key, metric, RejectReason.IMPOSSIBLE, f"{value:g} outside physical range {low}..{high}"
        )
    return value


_DATETIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(?:([Zz])|([+-])(\d\d):?(\d\d))?"
)


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 date-time; naive when it has no offset. ValueError otherwise.

    Fractions of any length are read (ChirpStack sends nanoseconds); digits beyond the
    microsecond are dropped, which keeps the instant to within 1 µs.
    """
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{text[:60]!r} is not an ISO 8601 date-time")
    try:  # what the pattern accepts, fromisoformat reads alike, in C (a test holds them equal)
        return datetime.fromisoformat(text)
    except ValueError:
        pass  # `t`, `z`, a decimal comma, or a field out of range: read it field by field
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz: timezone | None = None
    if zulu:
        tz = UTC
    elif sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if offset >= timedelta(hours=24):
            raise ValueError(f"offset {sign}{off_h}:{off_m} out of range")
        tz = timezone(-offset if sign == "-" else offset)
    return datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
    )


def reading_time(
    value: object, received_at: datetime, settings: DeviceSettings | None = None
) -> datetime:
    """A device or network timestamp → the reading's UTC time, or raise `Rejected`.

    Strings are ISO 8601; one without an offset is local time in `settings.timezone` (the
    building's zone) and is rejected when no settings are given. Numbers are Unix seconds.
    The same plausibility rules as Udara's own `ts` apply (not before 2000, at most a day
    after receipt).
    """
    if isinstance(value, str):
        try:
            when = parse_datetime(value)
        except ValueError as exc:
            raise Rejected(RejectReason.BAD_TIMESTAMP, str(exc)) from None
        if when.tzinfo is None:
            if settings is None:
                raise Rejected(RejectReason.BAD_TIMESTAMP, "timestamp needs an offset")
            # A local time that occurs twice (DST ends) is taken at its first occurrence.
            when = when.replace(tzinfo=settings.zone)
        return _reading_time(when, received_at)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(RejectReason.BAD_TIMESTAMP, f"timestamp is a {type(value).__name__}")
    try:
        seconds = float(value)
    except OverflowError:
        raise Rejected(RejectReason.BAD_TIMESTAMP, "timestamp too large") from None
    return _reading_time(seconds, received_at)


def telemetry(
    fmt: str,
    device: str,
    readings: list[DeviceReading],
    rejected: list[ValueRejection],
) -> Outcome:
    """The outcome of a message whose known values were checked one by one.

    Some values sound: `Telemetry` (with the others in `rejected`). Known values but none
    sound: a `Rejection` carrying the first value's reason. No known value at all: `Ignored`.
    """
    kept = [r for r in readings if r.values]
    if kept:
        return Telemetry(fmt, device, tuple(kept), tuple(rejected))
    if rejected:
        first = rejected[0]
        return Rejection(fmt, first.reason, f"{first.key}: {first.detail}", device, tuple(rejected))
    return Ignored(fmt, IgnoreReason.NO_METRIC, "no air metric in message", device)


def rejection(fmt: str, exc: Rejected, device: str | None = None) -> Rejection:
    """A whole-message `Rejection` from the internal exception."""
    return Rejection(fmt, exc.reason, exc.detail, device)
