"""Messages of other firmware (Tasmota, ESPHome, Zigbee2MQTT, Shelly, ChirpStack): decoded by
the pure adapters, routed by the device registry.

- A device heard for the first time is pending at once (the registry is told off the hot
  path); its readings go to `iaq_unplaced`, kept, never evaluated.
- A placed device's readings become readings of its room and sensor: stored in `iaq` and
  evaluated like Udara's own.
- A retired device is heard and counted, nothing is stored.
- Placements made by people reach ingest by polling the registry's version every few
  seconds. A device placed for the first time has its held readings copied into the room's
  history then, between batches, so after every held reading ingest wrote: none falls
  between the two measurements. The registry notes the copy; a restart before it copies then.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from devices.domain import Placement, Sighting, sensor_tag
from ingest.domain.formats import DeviceSettings, Outcome, decode
from ingest.domain.model import Reading, SensorRef
from ingest.unplaced import unplaced_line

log = logging.getLogger(__name__)

REFRESH_EVERY_S = 2.0
RECENT_HELD = timedelta(minutes=30)
PENDING, RETIRED = "pending", "retired"
# The registry is told what was heard at most this often: a new device is pending within
# seconds, and a busy site costs one transaction per interval, not one per batch (measured
# with py-spy: recording 500 placed devices after every batch took about a fifth of the
# worker's CPU during a format drain, and making their sightings on the pipeline thread
# another 2 µs a message, all under the worker process's one interpreter lock).
RECORD_EVERY_S = 5.0


class DeviceDirectory(Protocol):
    """What ingest needs of the device registry (`DeviceService`)."""

    def record_sightings(self, sightings: Iterable[Sighting]) -> int:
        """Register new devices as pending; note when each was last heard."""

    def placements_since(self, version: int) -> tuple[int, list[Placement]]:
        """Devices changed since `version`, and the newest version."""

    def mark_held_copied(self, device: str, at: datetime) -> None:
        """The device's held readings are in its room's history now."""


@dataclass
class Routed:
    """What one device message becomes: lines to write, readings to evaluate."""

    lines: list[str] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    retired: bool = False


@dataclass
class _Seen:
    format: str
    first: datetime
    last: datetime
    readings: int = 0
    metrics: set[str] = field(default_factory=set)


class DeviceRouter:
    """Decodes device messages and decides, per device, where their readings go."""

    def __init__(
        self,
        formats: tuple[str, ...],
        directory: DeviceDirectory,
        default_timezone: str,
        building_timezones: Callable[[], dict[str, str]],
        copy_held: Callable[[Placement, Callable[[Reading], None]], int],
        clock: Callable[[], datetime],
        record_every_s: float = RECORD_EVERY_S,
    ) -> None:
        self.formats = formats
        self._directory = directory
        self._default = DeviceSettings(timezone=default_timezone)
        self._timezones = building_timezones
        self._copy_held = copy_held
        self._clock = clock
        self._placements: dict[str, Placement] = {}
        # Per known device, where its readings go (the hot path's one lookup): the room
        # sensor of a placed device, `PENDING` or `RETIRED`.
        self._targets: dict[str, SensorRef | str] = {}
        self._settings: dict[str, DeviceSettings] = {}
        self._version = 0
        self._next_refresh = 0.0
        self._seen: dict[str, _Seen] = {}
        # What was heard since the registry was last told, handed over whole (the pipeline
        # thread builds no sightings): at most every `record_every_s`, the first at once.
        self._sightings: queue.SimpleQueue[dict[str, _Seen]] = queue.SimpleQueue()
        self._record_every = record_every_s
        self._next_record = 0.0
        self._zones: dict[str, str] = {}
        # The last `RECENT_HELD` (event time) of a just-placed device's held readings: copied
        # into the room and, unlike older held history, evaluated (see `take_copied`).
        self._copied: list[Reading] = []

    # --- decoding and routing (the pipeline thread) ---
    def decode(self, topic: str, payload: bytes, received_at: datetime) -> Outcome:
        """One message of a device format → its outcome (never raises)."""
        return decode(topic, payload, received_at, self.settings_for, self.formats)

    def settings_for(self, device: str) -> DeviceSettings:
        """How the adapters read this device: its mapping, offsets and building's zone."""
        return self._settings.get(device, self._default)

    def placement(self, device: str) -> Placement | None:
        """Where a device's readings go, if it is known."""
        return self._placements.get(device)

    def route(
        self, device: str, fmt: str, readings: Iterable[tuple[datetime, dict[str, float]]]
    ) -> Routed:
        """Lines and readings of one message of `device`."""
        routed = Routed()
        target = self._targets.get(device)
        if target is None:  # heard for the first time: pending from now on
            self._place(Placement(device, fmt, "pending"))
            target = PENDING
        for at, values in readings:
            self._saw(device, fmt, at, values)
            if isinstance(target, SensorRef):
                routed.readings.append(Reading(target, at, values))
            elif target == RETIRED:
                routed.retired = True
            else:
                routed.lines.append(unplaced_line(device, at, values))
        return routed

    def sensor_of(self, device: str) -> SensorRef | None:
        """The room sensor a placed device reports as (for its online/offline status)."""
        target = self._targets.get(device)
        return target if isinstance(target, SensorRef) else None

    def _place(self, p: Placement) -> None:
        self._placements[p.device] = p
        if p.is_placed:
            sensor = SensorRef(p.building or "", p.room or "", p.sensor or sensor_tag(p.device))
            self._targets[p.device] = sensor
        else:
            self._targets[p.device] = RETIRED if p.status == "retired" else PENDING

    def _saw(self, device: str, fmt: str, at: datetime, values: dict[str, float]) -> None:
        seen = self._seen.get(device)
        if seen is None:
            seen = self._seen[device] = _Seen(fmt, at, at)
        elif at > seen.last:
            seen.last = at
        elif at < seen.first:
            seen.first = at
        seen.readings += 1
        if not seen.metrics.issuperset(values):
            seen.metrics.update(values)

    # --- between batches (the pipeline thread) ---
    def between_batches(self) -> None:
        """Hand this batch's sightings to the registry thread; refresh placements now and
        then, copying the held readings of devices that were just placed."""
        if self._seen and time.monotonic() >= self._next_record:
            self._sightings.put(self._seen)  # the registry thread makes sightings of them
            self._seen = {}
            self._next_record = time.monotonic() + self._record_every
        if time.monotonic() >= self._next_refresh:
            self._next_refresh = time.monotonic() + REFRESH_EVERY_S
            self.refresh()

    def refresh(self) -> None:
        """Take placements people changed since the last look."""
        try:
            version, changed = self._directory.placements_since(self._version)
            if changed:
                self._zones = self._timezones()
        except Exception:  # the database may be away: keep routing as we know it
            log.warning("could not refresh device placements", exc_info=True)
            return
        self._version = version
        for placement in changed:
            self._place(placement)
            self._settings[placement.device] = self._settings_of(placement)
            if placement.is_placed and not placement.held_copied:
                self._copy(placement)

    def _copy(self, placement: Placement) -> None:
        recent: deque[Reading] = deque()  # the held stream's last RECENT_HELD, event time

        def keep(reading: Reading) -> None:  # readings come oldest first
            recent.append(reading)
            while recent[0].time < reading.time - RECENT_HELD:
                recent.popleft()

        try:
            copied = self._copy_held(placement, keep)
            self._directory.mark_held_copied(placement.device, self._clock())
        except Exception:
            log.warning("could not copy held readings of %s yet", placement.device, exc_info=True)
            self._version = 0  # look at every device again next time: the copy is retried
            return
        self._copied.extend(recent)
        log.info("device %s placed: %d held readings copied", placement.device, copied)

    def take_copied(self) -> list[Reading]:
        """The recent held readings copied since the last call, oldest first, to evaluate.

        Readings a device sent while it was pending, or in the seconds between its placement
        and ingest noticing it, are copied into the room; the last `RECENT_HELD` of them (by
        their own time) are also judged like live ones, so air that is bad as the device is
        placed raises its alert at once. Older held history only fills the charts: it opens
        no alerts, and so no work orders, for conditions long over."""
        taken, self._copied = self._copied, []
        taken.sort(key=lambda r: r.time)
        return taken

    def _settings_of(self, placement: Placement) -> DeviceSettings:
        zone = self._zones.get(placement.building or "", self._default.timezone)
        return settings_of(placement, zone)

    # --- the registry thread ---
    def record_forever(self) -> None:
        """Tell the registry what was heard, off the hot path; never raises."""
        while True:
            heard = [self._sightings.get()]
            while True:
                try:
                    heard.append(self._sightings.get_nowait())
                except queue.Empty:
                    break
            sightings = [
                Sighting(d, s.format, s.first, s.last, s.readings, frozenset(s.metrics))
                for seen in heard
                for d, s in seen.items()
            ]
            try:
                self._directory.record_sightings(_merged(sightings))
            except Exception:
                log.exception("could not record %d device sightings", len(sightings))

    def start(self) -> None:
        """Load the placements, then record sightings in a background thread."""
        self.refresh()
        threading.Thread(target=self.record_forever, name="devices", daemon=True).start()


def settings_of(placement: Placement, zone: str) -> DeviceSettings:
    """How the adapters read a placed device: its mapping and offsets, in its building's
    zone; corrections the adapters refuse are left out (read as is), not fatal."""
    try:
        return DeviceSettings(
            timezone=zone, metrics=dict(placement.mapping), offsets=dict(placement.offsets)
        )
    except ValueError:
        log.warning("device %s has unusable corrections; read as is", placement.device)
        return DeviceSettings(timezone=zone)


def _merged(sightings: list[Sighting]) -> list[Sighting]:
    """One sighting per device from several batches."""
    merged: dict[str, Sighting] = {}
    for s in sightings:
        m = merged.get(s.device)
        merged[s.device] = s if m is None else Sighting(
            s.device, s.format, min(m.first, s.first), max(m.last, s.last),
            m.readings + s.readings, m.metrics | s.metrics,
        )  # fmt: skip
    return list(merged.values())
