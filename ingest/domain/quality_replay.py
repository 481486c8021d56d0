"""What a restart replays into the data-quality detector: bounded, pure (time passed in).

The detector looks far back: stuck 6 h, jumps 1 h and 10 readings, drift three judged
nights (`rebuild_history`, 7 days, so a long weekend too). Seven days of raw CO2,
temperature and humidity are 15 M values for 500 sensors reporting once a minute, 90 M at
every 10 s: too many to read and replay before ingest may start. So a restart replays:

- **the tail**: every checked metric's raw readings over `stuck.after + stuck.max_gap`
  (6.5 h) before the newest stored reading, through `QualityDetector.check` as live. A
  sensor still stuck reopens within it (the run then starts at the tail, which only words
  the `since` of an alert the database holds already); jumps need 1 h and 10 readings; the
  night in progress gets its raw readings.
- **the nights before it**, back to `rebuild_history`: the drift metric only, as the
  minimum of each 10-minute slot per sensor, fed to the drift check alone
  (`QualityDetector.replay_night`) at the slot's start. A night's minimum is the minimum of
  its slots' minima, exactly; its covered time counts from slot to slot, so it is within a
  slot of what raw readings give, and a night edge off a 10-minute mark (hours such as
  07:15) moves by less than a slot. About 1,000 rows per sensor for a week, whatever its
  reporting rate.

Windows are placed by the newest stored reading (capped at now), as the evaluation rebuild
does: readings the broker kept during a downtime continue the replayed runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from ingest.domain.model import MAX_CLOCK_AHEAD, Reading, SensorRef
from ingest.domain.quality import QualityConfig, QualityDetector

NIGHT_SLOT: Final = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    """What to read back, in epoch seconds: slot minima of `drift_metric` from `nights_since`
    to `tail_since`, then raw readings of `metrics` from `tail_since` to `until`."""

    metrics: tuple[str, ...]
    drift_metric: str
    slot: float
    nights_since: float
    tail_since: float
    until: float


@dataclass(frozen=True, slots=True)
class NightRow:
    """The minimum of one sensor's drift metric in the slot starting at `t` (epoch s)."""

    sensor: SensorRef
    t: float
    minimum: float


@dataclass(frozen=True, slots=True)
class TailRow:
    """One stored reading of a sensor at `t` (epoch s): its checked metrics."""

    sensor: SensorRef
    t: float
    values: dict[str, float] = field(hash=False)


@dataclass
class Replayed:
    """What a replay fed the detector, for the log line."""

    slots: int = 0
    readings: int = 0


def plan_replay(config: QualityConfig, newest: float | None, now: datetime) -> ReplayPlan | None:
    """The reads for a restart at `now`, given the newest stored reading of any checked
    metric (epoch seconds); None when nothing was stored."""
    if newest is None:
        return None
    slot = NIGHT_SLOT.total_seconds()
    reference = min(newest, now.timestamp())
    tail = (config.stuck.after + config.stuck.max_gap).total_seconds()
    tail = max(tail, config.jump.within.total_seconds())
    # Slot-aligned, so the last slot of the nights ends where the raw tail begins.
    tail_since = math.floor((reference - tail) / slot) * slot
    nights_since = min(
        tail_since, math.floor((reference - config.rebuild_history.total_seconds()) / slot) * slot
    )
    metrics = tuple(sorted({*config.metrics, config.drift.metric}))
    until = now.timestamp() + MAX_CLOCK_AHEAD.total_seconds()
    return ReplayPlan(metrics, config.drift.metric, slot, nights_since, tail_since, until)


def lookback(config: QualityConfig, now: datetime) -> tuple[float, float]:
    """Where to look for the newest stored reading: `rebuild_history` before `now` up to the
    newest a reading may lie ahead of its receipt (epoch seconds)."""
    t = now.timestamp()
    return t - config.rebuild_history.total_seconds(), t + MAX_CLOCK_AHEAD.total_seconds()


def replay(
    detector: QualityDetector,
    plan: ReplayPlan,
    rows: Iterable[NightRow | TailRow],
    replayed: Replayed | None = None,
) -> Replayed:
    """Feed stored rows to a fresh detector. Each sensor's rows come in time order, its
    night slots before its tail (as the grouped queries return them)."""
    done = replayed or Replayed()
    metric = plan.drift_metric
    for row in rows:
        at = datetime.fromtimestamp(row.t, UTC)
        if isinstance(row, NightRow):
            detector.replay_night(at, row.sensor, metric, row.minimum)
            done.slots += 1
        else:
            detector.check(Reading(row.sensor, at, row.values))
            done.readings += 1
    return done
