"""Data quality: when a sensor is `faulty`. Pure, in event time, in bounded memory.

Issue 10, part 5. A (sensor, metric) is faulty while at least one of these holds; the
thresholds are data (`quality.yaml`, `quality_config.py`) and carry their own reasons.

- `stuck` (CO2, temperature, humidity): no change of at least one resolution step for 6 h
  while the sensor keeps reporting (no silence over 30 min; a longer one starts the run
  again, since offline is its own alert). The resolution is the smallest step a device
  reports (1 ppm, 0.1 °C, 0.1 %): a live sensor's noise crosses it within minutes, even in
  an empty room at night, while a hung sensor repeats its last value exactly. Clears at the
  first reading that moves by a step. Memory: the run's start, min and max.
- `jump`: two consecutive readings dt apart may differ by allowance + max rate × dt (CO2
  100 ppm + 500 ppm/min, temperature 0.5 °C + 5 °C/min, humidity 5 % + 20 %/min: no room's
  air changes faster; the allowance covers the sensor's own repeatability). A reading that
  fits neither the last trusted reading nor the one just before it is a jump. One jump is
  forgiven: a lone outlier (breath on the sensor, one bad bus read) is followed by a reading
  fitting the trusted one, and a step that then holds re-anchors on its second reading;
  either counts once. Faulty when jumps keep coming: 3 within 1 h. Clears after 10
  readings in a row that each fit. Memory: two readings, the last 3 jump times, a counter.
- `drift_low` / `drift_high` (CO2): an empty room settles towards outdoor air (≈ 420 ppm)
  overnight, so the minimum of each unoccupied span ("night") says where the sensor's
  baseline is. Faulty when it is below 350 or above 550 ppm for 3 judged nights in a row;
  clears after a judged night back within. Nights come from the building's operating hours
  and IANA zone (`nights.py`; 22:00–05:00 local when unknown). A night is judged at the
  first reading after it ends, and only when it lasts ≥ 4 h and its readings cover half of
  it (time between readings at most 30 min apart); an unjudged night neither counts nor
  breaks a run. Memory: the night's edges, minimum, covered time and last reading, and the
  run's count and side.
- One condition per (sensor, metric): it opens with the first reason that opens and clears
  when the last one clears; each change names the reason that moved it and `reasons`, all
  those open after it. Parameters are numbers, ISO instants and durations in seconds
  (`span_s`, `window_s`), for wording in the reader's language later.
- Event time only: time comes in with each reading, there is no clock. A reading at or
  before the newest one of its (sensor, metric) is ignored: a redelivered duplicate must not
  count as a second reading, and verdicts only move forward, as in evaluation.
- `check(reading)` is what the pipeline calls: the changes a reading decides, and its
  metrics not to trust, which it stores flagged and leaves out of evaluation and
  compliance: those `is_faulty` (from the reading that opened the condition up to, not
  including, the one that clears it) and the one value that just jumped (`is_suspect`),
  even when forgiven, so a lone 85 °C does not reach the evaluation windows.
- Restart: `ingest.domain.quality_replay` replays stored readings, bounded (the raw last
  6.5 h, and the drift metric's 10-minute minima back to `QualityConfig.rebuild_history`,
  7 days, so three nights even across a long weekend, through `replay_night`); `reconcile`
  then compares what it believes open with the faulty alerts the database holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ingest.domain.model import Reading, SensorRef
from ingest.domain.nights import NightSchedule
from ingest.domain.quality_checks import (
    DriftCheck,
    JumpCheck,
    Params,
    Reason,
    StuckCheck,
    Verdict,
)
from ingest.domain.quality_config import QualityConfig, load_quality_config

__all__ = [
    "FaultKey",
    "NightSchedule",
    "QualityChange",
    "QualityConfig",
    "QualityDetector",
    "Reason",
    "rebuild",
    "reconcile",
]


@dataclass(frozen=True, slots=True)
class FaultKey:
    """What a faulty condition is about: one metric of one sensor."""

    sensor: SensorRef
    metric: str


@dataclass(frozen=True, slots=True)
class QualityChange:
    """Open or clear the faulty condition of `key`, at the event time `at`, because of `reason`.

    `reason` is None only for a clear `reconcile` decides: the database held a condition
    open that the replayed readings do not.
    """

    action: Literal["open", "clear"]
    key: FaultKey
    reason: Reason | None
    at: datetime
    params: Params = field(default_factory=dict, hash=False)
    reasons: tuple[Reason, ...] = ()  # every reason open after this change


class _MetricQuality:
    """The checks of one (sensor, metric) and the reasons they hold open."""

    __slots__ = ("newest", "stuck", "jump", "drift", "reasons")

    def __init__(self, config: QualityConfig, metric: str) -> None:
        rule = config.metrics.get(metric)
        self.newest = float("-inf")
        self.stuck: StuckCheck | None = None
        if rule is not None and rule.resolution is not None:
            self.stuck = StuckCheck(rule.resolution, config.stuck)
        self.jump: JumpCheck | None = None
        if rule is not None and rule.max_rate_per_min is not None:
            self.jump = JumpCheck(rule, config.jump)
        self.drift: DriftCheck | None = None
        if metric == config.drift.metric:
            self.drift = DriftCheck(config.drift, config.stuck.max_gap.total_seconds())
        self.reasons: tuple[Reason, ...] = ()


class QualityDetector:
    """Turns readings into faulty opens and clears per (sensor, metric); holds no I/O."""

    def __init__(
        self,
        config: QualityConfig | None = None,
        schedules: Mapping[str, NightSchedule] | None = None,
        default_zone: str = "Asia/Jakarta",
    ) -> None:
        self.config = config or load_quality_config()
        self._schedules = dict(schedules or {})
        self._default = NightSchedule(None, default_zone, self.config.drift.default_night)
        # Per sensor, then metric: the pipeline hashes a sensor once per reading, not a
        # (sensor, metric) key per value.
        self._states: dict[SensorRef, dict[str, _MetricQuality]] = {}
        self._open: dict[FaultKey, QualityChange] = {}
        self._checked = frozenset({*self.config.metrics, self.config.drift.metric})

    def observe(
        self, reading_time: datetime, sensor: SensorRef, metric: str, value: float
    ) -> list[QualityChange]:
        """Check one value at its own time; the condition changes it decides."""
        if metric not in self._checked:
            return []
        changes: list[QualityChange] = []
        state = self._state(sensor, metric)
        self._observe(state, sensor, metric, reading_time, reading_time.timestamp(), value, changes)
        return changes

    def observe_reading(self, reading: Reading) -> list[QualityChange]:
        """Check every metric of a reading."""
        return self.check(reading)[0]

    def check(self, reading: Reading) -> tuple[list[QualityChange], list[str]]:
        """Check every metric of a reading, as the pipeline does: the changes it decides, and
        the metrics of it not to trust (faulty now, or this very value an implausible jump).

        A value at or before the newest of its (sensor, metric) decides nothing and is
        distrusted only while the (sensor, metric) is faulty."""
        changes: list[QualityChange] = []
        distrusted: list[str] = []
        sensor, at = reading.sensor, reading.time
        t = at.timestamp()
        states = self._states.get(sensor)
        if states is None:
            states = self._states[sensor] = {}
        for metric, value in reading.values.items():
            if metric not in self._checked:
                continue
            state = states.get(metric)
            if state is None:
                state = states[metric] = _MetricQuality(self.config, metric)
            fresh = self._observe(state, sensor, metric, at, t, value, changes)
            if state.reasons or (fresh and state.jump is not None and state.jump.suspect):
                distrusted.append(metric)
        return changes, distrusted

    def replay_night(
        self, moment: datetime, sensor: SensorRef, metric: str, value: float
    ) -> list[QualityChange]:
        """Feed `value` to the drift check alone, as a reading at `moment`.

        For a restart: older nights are replayed as the minimum of each short slot (see
        `ingest.domain.quality_replay`), which says where each night's minimum lies and
        which parts of it had readings, but would look stuck or jumping to the other checks.
        Raw readings after the last replayed slot then go through `check` as usual."""
        if metric != self.config.drift.metric:
            return []
        state = self._state(sensor, metric)
        t = moment.timestamp()
        if state.drift is None or t <= state.newest:
            return []
        state.newest = t
        verdicts: list[Verdict] = []
        state.drift.observe(t, value, self._schedules.get(sensor.building, self._default), verdicts)
        return [c for v in verdicts if (c := self._apply(sensor, metric, state, v, moment))]

    def is_faulty(self, sensor: SensorRef, metric: str) -> bool:
        """True while the (sensor, metric) is believed faulty: tag its readings, skip them."""
        return FaultKey(sensor, metric) in self._open

    def is_suspect(self, sensor: SensorRef, metric: str) -> bool:
        """True when the newest reading of the (sensor, metric) was an implausible jump.

        A forgiven outlier opens nothing, but one 85 °C reading would still pull a
        10-minute mean over a limit: the pipeline leaves it out of evaluation too."""
        state = self._states.get(sensor, {}).get(metric)
        return state is not None and state.jump is not None and state.jump.suspect

    def reasons(self, sensor: SensorRef, metric: str) -> tuple[Reason, ...]:
        """The reasons holding the (sensor, metric) faulty now (empty when it is not)."""
        state = self._states.get(sensor, {}).get(metric)
        return () if state is None else state.reasons

    def open_faults(self) -> dict[FaultKey, QualityChange]:
        """Each condition believed open, with the change that opened it."""
        return dict(self._open)

    def night_schedule(self, building: str) -> NightSchedule:
        """The unoccupied spans the drift check uses for `building`."""
        return self._schedules.get(building, self._default)

    def set_schedule(self, building: str, schedule: NightSchedule) -> None:
        """New operating hours or zone for `building`; its nights in progress are dropped."""
        self._schedules[building] = schedule
        for sensor, states in self._states.items():
            if sensor.building == building:
                for state in states.values():
                    if state.drift is not None:
                        state.drift.forget_night()

    def _state(self, sensor: SensorRef, metric: str) -> _MetricQuality:
        states = self._states.get(sensor)
        if states is None:
            states = self._states[sensor] = {}
        state = states.get(metric)
        if state is None:
            state = states[metric] = _MetricQuality(self.config, metric)
        return state

    def _observe(
        self,
        state: _MetricQuality,
        sensor: SensorRef,
        metric: str,
        at: datetime,
        t: float,
        value: float,
        changes: list[QualityChange],
    ) -> bool:
        """Run the checks of one value; False (and nothing decided) when it is not newer."""
        if t <= state.newest:
            return False
        state.newest = t
        verdicts: list[Verdict] = []
        if state.stuck is not None:
            state.stuck.observe(t, value, verdicts)
        if state.jump is not None:
            state.jump.observe(t, value, verdicts)
        if state.drift is not None:
            nights = self._schedules.get(sensor.building, self._default)
            state.drift.observe(t, value, nights, verdicts)
        for verdict in verdicts:
            change = self._apply(sensor, metric, state, verdict, at)
            if change is not None:
                changes.append(change)
        return True

    def _apply(
        self, sensor: SensorRef, metric: str, state: _MetricQuality, verdict: Verdict, at: datetime
    ) -> QualityChange | None:
        """Fold one check's verdict into the condition; a change when the condition moved."""
        reason, action, params = verdict
        before = state.reasons
        if action == "open":
            state.reasons = (*before, reason)
        else:
            state.reasons = tuple(r for r in before if r != reason)
        if bool(before) == bool(state.reasons):
            return None  # another reason already held it open, or still does
        key = FaultKey(sensor, metric)
        change = QualityChange(action, key, reason, at, params, state.reasons)
        if action == "open":
            self._open[key] = change
        else:
            self._open.pop(key, None)
        return change


def rebuild(
    readings: Iterable[Reading],
    config: QualityConfig | None = None,
    schedules: Mapping[str, NightSchedule] | None = None,
    default_zone: str = "Asia/Jakarta",
) -> QualityDetector:
    """A detector in the state live ingest would have after `readings` (in time order)."""
    detector = QualityDetector(config, schedules, default_zone)
    for reading in readings:
        detector.observe_reading(reading)
    return detector


def reconcile(
    detector: QualityDetector, open_in_database: Iterable[FaultKey], at: datetime
) -> list[QualityChange]:
    """What to open or clear so the database agrees with a rebuilt detector, at `at`."""
    believed = detector.open_faults()
    stored = set(open_in_database)
    changes = [change for key, change in believed.items() if key not in stored]
    for key in stored - believed.keys():
        changes.append(QualityChange("clear", key, None, at))
    return changes
