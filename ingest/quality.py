"""Data quality inside ingest: every reading judged before it is written, faulty alerts.

The rules are the pure detector's (`ingest.domain.quality`); this module wires it:

- `judge(reading)`: the detector's verdict on one reading, before the write. Values it does
  not trust (a faulty (sensor, metric), or one implausible jump) are stored flagged
  (`faulty_<metric>` beside the value, `ingest.adapters.influx.FAULTY_PREFIX`) and left out
  of what evaluation gets; evaluation still hears the reading (offline clears on it).
  Opens and clears become `faulty` alerts (`ingest.domain.quality_alerts`).
- Nights: each building's operating hours and zone (`buildings.hours`, through the
  `schedules` callback the composition root gives), read at start and every `refresh_s`
  (5 min), so edited hours apply without a restart; `UDARA_TIMEZONE` and the default night
  for buildings without hours.
- Restart (`prepare`): the detector is replayed from storage (`QualityReplay`, bounded; see
  `ingest.domain.quality_replay`), then reconciled with the faulty alerts the database
  holds open: what the replay believes open and the database lacks opens, what the database
  holds and the replay does not clears. A replay that could not finish (InfluxDB away, a
  cap) clears nothing: it cannot tell a condition is over.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.model import Reading
from ingest.domain.nights import Hours, NightSchedule
from ingest.domain.quality import QualityConfig, QualityDetector, reconcile
from ingest.domain.quality_alerts import alert_change, fault_keys

log = logging.getLogger(__name__)

# Building code → (IANA zone, operating hours as stored: {"mon": [["07:00", "19:00"]], …}).
Schedules = Callable[[], Mapping[str, tuple[str, Hours]]]
# Fills a fresh detector from storage; True when it read everything it meant to.
Replay = Callable[[QualityDetector], bool]

REFRESH_S = 300.0


class SensorQuality:
    """The detector of one ingest pipeline, with its schedules and its restart."""

    def __init__(
        self,
        config: QualityConfig,
        default_zone: str,
        schedules: Schedules | None = None,
        replay: Replay | None = None,
        refresh_s: float = REFRESH_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.detector = QualityDetector(config, default_zone=default_zone)
        self._schedules = schedules
        self._replay = replay
        self._refresh_s = refresh_s
        self._monotonic = monotonic
        self._next_refresh = monotonic() + refresh_s
        self._known: dict[str, str] = {}  # building → its zone and hours, as last applied

    def judge(self, reading: Reading) -> tuple[Reading, list[str], list[AlertChange]]:
        """The reading evaluation gets (its trusted values), the metrics to store flagged,
        and the alert changes the reading decides."""
        changes, distrusted = self.detector.check(reading)
        alerts = [alert_change(c) for c in changes]
        for alert in alerts:
            log.info("data quality: %s", alert.message)
        if distrusted:
            trusted = {m: v for m, v in reading.values.items() if m not in distrusted}
            reading = Reading(reading.sensor, reading.time, trusted)
        return reading, distrusted, alerts

    def prepare(self, open_keys: Iterable[AlertKey], now: datetime) -> list[AlertChange]:
        """At start: schedules, the replay from storage, then what the database must change
        to agree with it (faulty alerts among `open_keys`)."""
        self.refresh_schedules()
        complete = self._replay(self.detector) if self._replay is not None else False
        changes = reconcile(self.detector, fault_keys(open_keys), now)
        if not complete:
            kept = [c for c in changes if c.action == "clear"]
            if kept:
                log.warning(
                    "data quality: the replay did not finish; %d faulty alerts stay open "
                    "until their sensors are judged again",
                    len(kept),
                )
            changes = [c for c in changes if c.action == "open"]
        return [alert_change(c) for c in changes]

    def maybe_refresh(self) -> None:
        """Re-read the buildings' hours when `refresh_s` has passed (between batches)."""
        if self._monotonic() >= self._next_refresh:
            self._next_refresh = self._monotonic() + self._refresh_s
            self.refresh_schedules()

    def refresh_schedules(self) -> None:
        """Apply each building's hours and zone that are new or changed since last time."""
        if self._schedules is None:
            return
        try:
            found = self._schedules()
        except Exception:  # the database may be away: keep the nights we have
            log.warning("data quality: could not read the buildings' hours", exc_info=True)
            return
        default_night = self.detector.config.drift.default_night
        for building, (zone, hours) in found.items():
            signature = json.dumps([zone, hours], sort_keys=True, default=str)
            if self._known.get(building) == signature:
                continue
            try:
                schedule = NightSchedule(hours, zone, default_night)
            except (ValueError, KeyError, TypeError) as exc:  # a bad zone or hours
                log.warning("data quality: nights of %s keep their default: %s", building, exc)
                continue
            self._known[building] = signature
            self.detector.set_schedule(building, schedule)
