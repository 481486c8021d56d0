"""Rebuilding evaluation windows from stored readings after a restart: pure, time passed in.

An ingest that starts with empty windows cannot open (or clear) a critical alert of an 8 h
or 24 h limit for hours, since a verdict needs 75 % coverage. So at start ingest reads back,
per metric, only what the windows hold, never every reading of a day:

- the averaging window as slot sums and counts (`SlotRow`), at the window's own slot width
  (1 h for 24 h limits, 20 min for 8 h): 25 rows per room and metric, whatever the rate;
- the last minutes as raw readings (`TailRow`), replayed in time order into the short window
  and, for ranges without an averaging time, into the run outside the range (which needs
  each reading: an hour, plus two short windows so that the first replayed means are whole);
- each sensor's newest stored reading (`LastSeen`): readings up to it are in the windows.

The windows are placed by the newest stored reading of the metric (`reference`), not by the
clock, so a backlog the broker kept during a downtime still finds the windows it belongs to.
Whether an alert is open is not rebuilt here: it comes from the database
(`Evaluator.restore_open`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ingest.domain.evaluation import EvaluationConfig, Evaluator
from ingest.domain.model import MAX_CLOCK_AHEAD, SensorRef
from ingest.domain.profiles import Limit


@dataclass(frozen=True, slots=True)
class SlotRow:
    """Sum and count of a room's readings of one metric in the slot from `start` (epoch s)."""

    building: str
    room: str
    start: float
    total: float
    count: int


@dataclass(frozen=True, slots=True)
class TailRow:
    """One stored reading of a room (any of its sensors) at epoch seconds `t`."""

    building: str
    room: str
    t: float
    value: float


@dataclass(frozen=True, slots=True)
class LastSeen:
    """A sensor's newest stored reading of the metric, at epoch seconds `t`."""

    sensor: SensorRef
    t: float


@dataclass(frozen=True, slots=True)
class MetricHistory:
    """What to read back for one metric, in epoch seconds: slots of `slot_width` from
    `slots_since` (None without an averaging time), raw readings from `tail_since`."""

    metric: str
    slot_width: float | None
    slots_since: float | None
    tail_since: float
    until: float


@dataclass
class Restored:
    """What a rebuild put back, for the log line."""

    slots: int = 0
    readings: int = 0
    seen: int = 0  # (sensor, metric) pairs whose newest stored reading is known
    skipped: int = 0  # rows no window takes (a room whose override has other slots)


def lookback(
    limits: Mapping[str, Limit], config: EvaluationConfig, now: datetime
) -> tuple[float, float]:
    """Where to look for each sensor's newest stored reading: twice the longest window
    before `now` (so a downtime up to that long still finds it) up to the newest a reading
    may lie ahead of its receipt."""
    longest = max(
        (
            max(_tail(limit, config), limit.averaging.total_seconds() if limit.averaging else 0)
            for limit in limits.values()
        ),
        default=0.0,
    )
    t = now.timestamp()
    return t - 2 * longest, t + MAX_CLOCK_AHEAD.total_seconds()


def plan(
    limits: Mapping[str, Limit],
    config: EvaluationConfig,
    newest: Mapping[str, float],
    now: datetime,
) -> list[MetricHistory]:
    """The reads that rebuild each metric with stored readings (`newest`: the newest stored
    reading of each metric, epoch seconds); metrics nothing was stored for need none."""
    _, until = lookback(limits, config, now)
    reads = []
    for metric, limit in sorted(limits.items()):
        if metric not in newest:
            continue
        reference = min(newest[metric], now.timestamp())
        width = slots_since = None
        if limit.averaging is not None:
            width = limit.averaging.total_seconds() / config.compliance_slots
            # The n slots ending with the reference's, and one more for a backlog near it.
            slots_since = (math.floor(reference / width) - config.compliance_slots) * width
        short_width = config.short_window.total_seconds() / config.short_slots
        tail_since = math.floor((reference - _tail(limit, config)) / short_width) * short_width
        reads.append(MetricHistory(metric, width, slots_since, tail_since, until))
    return reads


def _tail(limit: Limit, config: EvaluationConfig) -> float:
    """How far back raw readings are replayed: the short window and one slot; for ranges
    the hour a run outside must last, after two short windows that make its means whole."""
    short = config.short_window.total_seconds()
    if limit.averaging is not None:
        return short + short / config.short_slots
    return config.range_critical_after.total_seconds() + 2 * short


def restore(
    evaluator: Evaluator,
    read: MetricHistory,
    rows: Iterable[SlotRow | TailRow | LastSeen],
    now: datetime,
    restored: Restored | None = None,
) -> Restored:
    """Put one metric's stored rows back into the evaluator's windows, as of restart `now`.

    Rows of each room come in time order: slots, then raw readings (as the grouped queries
    return them), then each sensor's newest reading (older replayed ones would decide
    nothing after it)."""
    done = restored or Restored()
    metric, width = read.metric, read.slot_width or math.nan  # no window takes NaN slots
    for row in rows:
        if isinstance(row, SlotRow):
            if evaluator.restore_slot(
                row.building, row.room, metric, width, row.start, row.total, row.count
            ):
                done.slots += 1
            else:
                done.skipped += 1
        elif isinstance(row, TailRow):
            if evaluator.replay(row.building, row.room, metric, row.t, row.value):
                done.readings += 1
            else:
                done.skipped += 1
        else:
            evaluator.restore_seen(row.sensor, metric, row.t, now)
            done.seen += 1
    return done
