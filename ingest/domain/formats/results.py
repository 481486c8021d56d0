"""What a format adapter returns for one message.

Every adapter returns exactly one of four outcomes and raises nothing:

- `Telemetry`: readings in Udara's units (and the values it had to drop, each with a reason);
- `Status`: a device went online or offline (Tasmota LWT, ESPHome status, Zigbee2MQTT
  availability, Udara's own status topic);
- `Ignored`: a well-formed message that carries no air reading (bridge topics, `/set`, a smart
  plug's energy report, a Shelly event, a LoRaWAN join). Counted by reason, never logged as
  an error: shared buses carry far more of these than readings;
- `Rejection`: a message that breaks its format (not JSON, too large, bad timestamp, every
  known value unusable, ...), with a reason for the rejection counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from ingest.domain.model import SensorRef


class FormatReason:
    """Rejection reasons the device formats add to `RejectReason` (same counter, same label)."""

    NO_DECODED_PAYLOAD: Final = "no_decoded_payload"  # LoRaWAN uplink without a codec's output
    BAD_DEVICE_ID: Final = "bad_device_id"  # no usable device id in the message
    BAD_UNIT: Final = "bad_unit"  # a configured unit that does not fit the metric

    ALL: Final = (NO_DECODED_PAYLOAD, BAD_DEVICE_ID, BAD_UNIT)


class IgnoreReason:
    """Why a message was ignored (the label of an `ignored` counter)."""

    NOT_TELEMETRY: Final = "not_telemetry"  # bridge, /set, /get, other event or method
    NO_METRIC: Final = "no_metric"  # well-formed, but no air metric in it
    UNMAPPED: Final = "unmapped"  # ESPHome sensor whose object_id maps to no metric
    SIMULATED: Final = "simulated"  # The Things Stack console's simulated uplink

    ALL: Final = (NOT_TELEMETRY, NO_METRIC, UNMAPPED, SIMULATED)


@dataclass(frozen=True, slots=True)
class ValueRejection:
    """One value left out of a reading: `key` as the device named it, the metric it would be."""

    key: str
    metric: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class DeviceReading:
    """Values by Udara metric, in Udara's units, at the reading's own time (UTC)."""

    time: datetime
    values: dict[str, float]


@dataclass(frozen=True, slots=True)
class Telemetry:
    """Readings of one device. Most messages hold one reading; a LoRaWAN history upload more."""

    format: str
    device: str
    readings: tuple[DeviceReading, ...]
    rejected: tuple[ValueRejection, ...] = ()
    sensor: SensorRef | None = None  # only Udara's own format places itself


@dataclass(frozen=True, slots=True)
class Status:
    """A device's availability changed."""

    format: str
    device: str
    online: bool
    sensor: SensorRef | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message that is no reading and no fault."""

    format: str
    reason: str
    detail: str = ""
    device: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A message that breaks its format; `reason` is a `RejectReason` or `FormatReason`."""

    format: str
    reason: str
    detail: str
    device: str | None = None
    rejected: tuple[ValueRejection, ...] = ()


Outcome = Telemetry | Status | Ignored | Rejection
