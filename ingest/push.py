"""HTTP push from LoRaWAN network servers (ChirpStack, The Things Stack webhooks).

The Things Stack's MQTT is QoS 0 only, and a network server may sit where no broker reaches;
their webhooks POST each uplink. The answer is 2xx only once its readings are written:

1. the uplink is decoded by the format's pure adapter (the same as over MQTT);
2. the device registry says where its readings go: a placed device's into `iaq` under its
   room, a pending (or new) one's into `iaq_unplaced`; a retired one's nowhere;
3. the lines are written to InfluxDB (a redelivered uplink has the same time: the same point);
4. a placed device's readings are handed to ingest's one evaluator over the broker, as Udara's
   own payload at QoS 1 with its `ts`; ingest writes the same points again (idempotent) and
   evaluates them. If the broker is away the caller gets 503 and retries: nothing is lost,
   nothing doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from devices.domain import Placement, Sighting, sensor_tag
from ingest.adapters.influx import reading_line
from ingest.devices import settings_of
from ingest.domain.formats import DECODERS, DeviceSettings, Ignored, Rejection, Telemetry
from ingest.domain.model import Reading, SensorRef, telemetry_payload
from ingest.unplaced import unplaced_line

PUSH_FORMATS = ("chirpstack", "tts")
MAX_PUSH_BYTES = 64 * 1024


class PushDirectory(Protocol):
    """What HTTP push needs of the device registry (`DeviceService`)."""

    def placement_of(self, device: str) -> Placement | None:
        """Where one device's readings go, if it is known."""

    def record_sightings(self, sightings: Iterable[Sighting]) -> int:
        """Register new devices as pending; note when each was last heard."""


@dataclass(frozen=True)
class PushResult:
    """What one uplink became: how many readings were stored where, or why none."""

    device: str | None
    stored: int = 0
    held: int = 0
    ignored: str | None = None
    rejected: str | None = None
    detail: str = ""


class PushIngest:
    """Stores pushed uplinks and hands placed readings to evaluation."""

    def __init__(
        self,
        directory: PushDirectory,
        write_lines: Callable[[Sequence[str]], None],
        publish: Callable[[list[tuple[str, bytes]]], None],
        default_timezone: str,
        building_timezone: Callable[[str], str | None],
    ) -> None:
        self._directory = directory
        self._write = write_lines
        self._publish = publish
        self._default_tz = default_timezone
        self._zone_of = building_timezone

    def push(self, fmt: str, body: bytes, received_at: datetime) -> PushResult:
        """One uplink of `fmt` → stored, held, ignored or rejected. InfluxError and the
        publisher's errors propagate: the caller answers 503 and the server retries."""
        if fmt not in PUSH_FORMATS:
            return PushResult(None, rejected="bad_format", detail=fmt[:40])
        if len(body) > MAX_PUSH_BYTES:
            return PushResult(None, rejected="too_large", detail=f"{len(body)} bytes")
        placements: dict[str, Placement | None] = {}

        def settings(device: str) -> DeviceSettings:
            placement = placements.setdefault(device, self._directory.placement_of(device))
            return self._settings(placement)

        outcome = DECODERS[fmt]("", body, received_at, settings)  # "": pushed, not a topic
        if isinstance(outcome, Ignored):
            return PushResult(outcome.device, ignored=outcome.reason, detail=outcome.detail)
        if isinstance(outcome, Rejection):
            return PushResult(outcome.device, rejected=outcome.reason, detail=outcome.detail)
        if not isinstance(outcome, Telemetry):  # a status: nothing to store over HTTP
            return PushResult(getattr(outcome, "device", None), ignored="not_telemetry")
        return self._store(outcome, placements.get(outcome.device), received_at)

    def _store(
        self, uplink: Telemetry, placement: Placement | None, received_at: datetime
    ) -> PushResult:
        device = uplink.device
        metrics = frozenset(m for r in uplink.readings for m in r.values)
        times = [r.time for r in uplink.readings] or [received_at]
        sighting = Sighting(device, uplink.format, min(times), max(times),
                            len(uplink.readings), metrics)  # fmt: skip
        if placement is not None and placement.status == "retired":
            self._directory.record_sightings([sighting])
            return PushResult(device, ignored="retired_device")
        if placement is None or not placement.is_placed:
            self._write([unplaced_line(device, r.time, r.values) for r in uplink.readings])
            self._directory.record_sightings([sighting])
            return PushResult(device, held=len(uplink.readings))
        sensor = SensorRef(placement.building or "", placement.room or "",
                           placement.sensor or sensor_tag(device))  # fmt: skip
        readings = [Reading(sensor, r.time, r.values) for r in uplink.readings]
        self._write([reading_line(r) for r in readings])
        self._publish([(sensor.topic(), telemetry_payload(r.values, r.time)) for r in readings])
        self._directory.record_sightings([sighting])
        return PushResult(device, stored=len(readings))

    def _settings(self, placement: Placement | None) -> DeviceSettings:
        if placement is None:
            return DeviceSettings(timezone=self._default_tz)
        zone = (self._zone_of(placement.building) if placement.building else None) or (
            self._default_tz
        )
        return settings_of(placement, zone)
