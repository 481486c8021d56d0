"""Devices as the registry sees them: pure values and rules, no database, no clock.

Decisions:
- A device is known by the id its format gives it (`tasmota:{topic}`, `chirpstack:{dev_eui}`,
  …); Udara's own payload places itself through its topic and is never pending.
- A device heard for the first time is **pending**: its readings are kept apart (InfluxDB
  `iaq_unplaced`, tag `device`), never evaluated, never dropped, until a facility manager
  places it on a room. Placing makes it **active**; **retired** devices are still heard
  (counted) but their readings are not stored.
- Ingest, the one writer of readings, copies what a device held into the room it is first
  placed on (after the last held reading it wrote) and notes that it did, so a restart in
  between copies it then and nothing is copied twice. Moving a device later leaves its
  history with the room it was in.
- The sensor tag of a placed device defaults to its id with every character outside
  `a-z0-9_-` replaced by `-`, so `tasmota:kantor_1` is stored as sensor `tasmota-kantor_1`.
- A per-device mapping renames what the format calls a value (an ESPHome object id such as
  `karbon` → `co2`); per-metric calibration offsets are added after unit conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from ingest.domain.formats import sanitize_sensor_id

DeviceStatus = Literal["pending", "active", "retired"]
STATUSES: Final = ("pending", "active", "retired")
DEVICE_ID_MAX = 200


def sensor_tag(device_id: str) -> str:
    """The default sensor tag of a placed device: its id made a valid topic segment."""
    return sanitize_sensor_id(device_id)


@dataclass(frozen=True)
class Placement:
    """Where a device's readings go and how they are corrected: what ingest needs per message."""

    device: str
    format: str
    status: DeviceStatus
    building: str | None = None
    room: str | None = None
    sensor: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    offsets: Mapping[str, float] = field(default_factory=dict)
    held_copied: bool = False

    @property
    def is_placed(self) -> bool:
        """Active on a room: readings go to `iaq` under building, room and sensor."""
        return self.status == "active" and self.building is not None and self.room is not None


@dataclass(frozen=True)
class Sighting:
    """A device heard in one batch: when first and last, how many readings, which metrics."""

    device: str
    format: str
    first: datetime
    last: datetime
    readings: int
    metrics: frozenset[str]


@dataclass(frozen=True)
class Health:
    """How well a placed device reports, the way air-quality vendors show it: the share of
    expected readings received, and how long it was faulty."""

    coverage: float  # 0..1: share of the period's slots that hold at least one reading
    faulty_hours: float
    faulty_now: tuple[str, ...]  # metrics faulty at the end of the period


def health(
    slots_with_data: int,
    slots: int,
    faulty: list[tuple[str, datetime, datetime | None]],
    since: datetime,
    until: datetime,
) -> Health:
    """A device's health over [since, until): `faulty` holds (metric, opened, resolved or
    None) of its faulty alerts; overlapping ones count once."""
    spans = sorted(
        (max(opened, since), min(resolved or until, until)) for _, opened, resolved in faulty
    )
    total = 0.0
    end = since
    for start, stop in spans:
        start = max(start, end)
        if stop > start:
            total += (stop - start).total_seconds()
            end = stop
    return Health(
        coverage=min(slots_with_data / slots, 1.0) if slots else 0.0,
        faulty_hours=round(total / 3600, 1),
        faulty_now=tuple(sorted({m for m, _, resolved in faulty if resolved is None})),
    )
