"""The sensor payload model, shared by ingest and the simulator, and its validation.

Pure: no I/O, no clock. The time of receipt is passed in.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ingest.domain.const import (
    MAX_PAYLOAD_BYTES,
    METRICS,
    PHYSICAL_RANGES,
    STATUS_SUFFIX,
    TELEMETRY_SUFFIX,
    TOPIC_PREFIX,
    RejectReason,
)

_NAME = re.compile(r"[a-z0-9_-]{1,64}")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
EARLIEST_EPOCH_S = EARLIEST.timestamp()
LATEST_EPOCH_S = datetime(2200, 1, 1, tzinfo=UTC).timestamp()
MAX_CLOCK_AHEAD = timedelta(days=1)


class Rejected(Exception):
    """A message that breaks the sensor contract; `reason` is one of `RejectReason`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SensorRef:
    """Where a sensor is: building, room and its own id, as in its topic."""

    building: str
    room: str
    sensor: str

    def topic(self, suffix: str = TELEMETRY_SUFFIX) -> str:
        """The MQTT topic of this sensor for `telemetry` or `status`."""
        return f"{TOPIC_PREFIX}/{self.building}/{self.room}/{self.sensor}/{suffix}"


@dataclass(frozen=True, slots=True)
class Reading:
    """One validated telemetry message: values by metric at the reading's own time (UTC)."""

    sensor: SensorRef
    time: datetime
    values: dict[str, float]


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A device's retained `online`/`offline` status message."""

    sensor: SensorRef
    online: bool


def parse_topic(topic: str) -> tuple[SensorRef, Literal["telemetry", "status"]]:
    """Split `udara/{building}/{room}/{sensor}/{telemetry|status}` or reject it."""
    parts = topic.split("/")
    if (
        len(parts) != 5
        or parts[0] != TOPIC_PREFIX
        or parts[4] not in (TELEMETRY_SUFFIX, STATUS_SUFFIX)
        or not all(_NAME.fullmatch(p) for p in parts[1:4])
    ):
        raise Rejected(
            RejectReason.BAD_TOPIC, f"topic {topic[:200]!r} is not udara/b/r/s/telemetry"
        )
    kind: Literal["telemetry", "status"] = "telemetry" if parts[4] == TELEMETRY_SUFFIX else "status"
    return SensorRef(parts[1], parts[2], parts[3]), kind


class Telemetry(BaseModel):
    """The telemetry payload of CONTRACTS.md. Unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=True, strict=False)

    # Numbers first: pydantic's datetime would take any number as seconds *or milliseconds*.
    ts: float | datetime | None = Field(default=None, union_mode="left_to_right")
    temperature: float | None = None
    humidity: float | None = None
    co2: float | None = None
    pm25: float | None = None
    pm10: float | None = None
    co: float | None = None
    hcho: float | None = None

    @field_validator(*METRICS, mode="before")
    @classmethod
    def _numbers_only(cls, value: Any) -> Any:
        # JSON true/false and numeric strings are wrong types, not readings.
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError("must be a number")
        return value

    @field_validator("ts", mode="before")
    @classmethod
    def _timestamp_shape(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
            raise ValueError("must be an RFC 3339 string or epoch seconds")
        return value

    def metric_values(self) -> dict[str, float]:
        """The metrics present in the payload."""
        fields = self.__dict__  # plain dict access: this runs for every reading
        return {m: v for m in METRICS if (v := fields[m]) is not None}


def _reading_time(ts: datetime | float | None, received_at: datetime) -> datetime:
    if ts is None:
        return received_at
    if isinstance(ts, datetime):
        if ts.tzinfo is None:
            raise Rejected(RejectReason.BAD_TIMESTAMP, "RFC 3339 timestamp needs an offset")
        try:
            when = ts.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00
            raise Rejected(RejectReason.BAD_TIMESTAMP, f"timestamp {ts} out of range") from None
    else:
        if not math.isfinite(ts) or not EARLIEST_EPOCH_S <= ts <= LATEST_EPOCH_S:
            raise Rejected(RejectReason.BAD_TIMESTAMP, f"epoch seconds {ts!r} out of range")
        when = datetime.fromtimestamp(ts, UTC)
    # A sensor whose clock was never set sends 1970 (or 0); one far ahead would poison
    # the newest window. Both are faults, not air.
    if when < EARLIEST or when > received_at + MAX_CLOCK_AHEAD:
        raise Rejected(
            RejectReason.BAD_TIMESTAMP,
            f"timestamp {when.isoformat()} before 2000 or over a day after receipt",
        )
    return when


# The shape nearly every sensor sends: an RFC 3339 time with an offset and at most
# microseconds. What this pattern accepts, `datetime.fromisoformat` (in C) and pydantic read
# alike; anything else goes to pydantic (a test holds them equal).
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)")


def _plain(data: dict[str, Any]) -> tuple[dict[str, float], datetime | float | None] | None:
    """The metric values and `ts` of a payload in the common shape (JSON numbers, `ts` a
    number, an RFC 3339 string or absent), as `Telemetry` would read them; None for any
    other shape, which then goes through `Telemetry` for its exact reason."""
    values: dict[str, float] = {}
    try:
        for metric in METRICS:
            value = data.get(metric)
            if value is None:
                continue
            kind = type(value)
            if kind is float:
                values[metric] = value
            elif kind is int:
                values[metric] = float(value)  # OverflowError past 1e308: pydantic decides
            else:
                return None
        ts: Any = data.get("ts")
        kind = type(ts)
        if kind is str:
            if _RFC3339.fullmatch(ts) is None:
                return None
            return values, datetime.fromisoformat(ts)  # ValueError: a field out of range
        if kind is float or kind is int:
            return values, float(ts)
        if ts is None:
            return values, None
    except (OverflowError, ValueError):
        pass
    return None


def parse_telemetry(sensor: SensorRef, payload: bytes, received_at: datetime) -> Reading:
    """Validate a telemetry payload into a `Reading`, or raise `Rejected` with the reason.

    The common shape is read directly (`_plain`); any other through the pydantic model,
    whose first error gives the reason."""
    data = load_json_object(payload)
    plain = _plain(data)
    if plain is None:
        values, ts = _validated(data)
    else:
        values, ts = plain
    if not values:
        raise Rejected(RejectReason.NO_METRIC, "no known metric in payload")
    for metric, value in values.items():
        if not math.isfinite(value):
            raise Rejected(RejectReason.NOT_FINITE, f"{metric} is {value}")
        low, high = PHYSICAL_RANGES[metric]
        if not low <= value <= high:
            raise Rejected(
                RejectReason.IMPOSSIBLE, f"{metric}={value} outside physical range {low}..{high}"
            )
    return Reading(sensor, _reading_time(ts, received_at), values)


def load_json_object(payload: bytes, limit: int = MAX_PAYLOAD_BYTES) -> dict[str, Any]:
    """The payload as a JSON object, or `Rejected` (too large, not UTF-8, JSON or an object):
    Udara's own payload and every device format read their JSON here."""
    if len(payload) > limit:
        raise Rejected(RejectReason.TOO_LARGE, f"{len(payload)} bytes > {limit}")
    try:
        # orjson reads what the standard library reads alike, 4x as fast; what it refuses
        # (bad UTF-8 or JSON, but also NaN, 1e400 or lone surrogates, which `json` takes) the
        # standard library reads for the contract's reason and detail.
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        data = _loads(payload)
    if not isinstance(data, dict):
        raise Rejected(RejectReason.NOT_OBJECT, f"payload is a JSON {type(data).__name__}")
    return data


def _loads(payload: bytes) -> Any:
    """The payload as the standard library reads it, or `Rejected` (not UTF-8 or JSON)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(RejectReason.NOT_UTF8, str(exc)) from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Rejected(RejectReason.NOT_JSON, str(exc)[:200]) from None


def _validated(data: dict[str, Any]) -> tuple[dict[str, float], datetime | float | None]:
    """Metric values and `ts` through the pydantic model; its first error is the reason."""
    try:
        telemetry = Telemetry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        reason = RejectReason.BAD_TIMESTAMP if field.startswith("ts") else RejectReason.BAD_TYPE
        raise Rejected(reason, f"{field}: {first['msg']}") from None
    return telemetry.metric_values(), telemetry.ts


def parse_status(sensor: SensorRef, payload: bytes) -> StatusChange:
    """Validate a status payload (`online` or `offline`)."""
    text = payload.decode("utf-8", errors="replace").strip().lower()
    if text not in ("online", "offline"):
        raise Rejected(RejectReason.BAD_STATUS, f"status {text[:40]!r} is not online/offline")
    return StatusChange(sensor, text == "online")


def telemetry_payload(values: dict[str, float], ts: datetime | float | None = None) -> bytes:
    """Encode a telemetry payload as a device would (used by the simulator and tests)."""
    body: dict[str, Any] = dict(values)
    if isinstance(ts, datetime):
        body["ts"] = ts.isoformat()
    elif ts is not None:
        body["ts"] = ts
    return json.dumps(body, separators=(",", ":")).encode()
