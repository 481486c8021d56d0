"""Evaluate readings against a threshold profile: pure, in event time, in bounded memory.

The rules are iaq-standards.md, "How Udara evaluates a limit". Decisions taken here:

- Event time. Windows are placed by the reading's own timestamp, never by a clock, so a
  replayed or back-filled series gives the same changes, with the same `at`, as live. A
  reading older than the newest one of its (building, room, metric) is added to its slots
  but decides nothing itself: verdicts only move forward in event time, so alert history is
  never rewritten backwards; the next in-order reading sees it in the means.
- Windows (`windows.py`): slots aligned to the Unix epoch; the window at t is the n slots
  ending with the slot that contains t. Compliance uses 24 slots of the limit's averaging
  time, the mean of slot means, and needs 75 % of slots filled. The short window is 10
  slots of 1 minute. Several sensors in one room feed the same room windows.
- Warning: the short-window mean beyond the limit (an early warning, not a breach).
- Critical, averaged limits: the compliance mean beyond the limit. Ranges without an
  averaging time: the short mean beyond the range in every in-order reading for 1 h, with
  no silence longer than the short window in between.
- Hysteresis: an open alert clears only when its own mean is back inside the limit by the
  margin (5 % of the bound it breached): warnings and range criticals on the short mean;
  criticals of averaged limits on the compliance mean (with 75 % coverage), because ten
  clean minutes would clear them only for the next reading to reopen them while the long
  mean is still above the limit. Insufficient coverage neither opens nor clears.
- One open per AlertKey: each state remembers what it believes open; `restore_open` seeds
  that from the database after a restart. Keys of metrics without a limit are ignored.
- Offline: silence counts from the newest of a sensor's reading times and the receipt
  times the caller passes (`received_at`), so a sensor back-filling old readings is heard.
- Restart: `history.py` rebuilds the windows from stored readings. A sensor's readings at
  or before its newest stored one are then already in the windows: one arriving again (the
  broker redelivers what was stored but not yet acknowledged) is heard but not counted twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.messages import MessageCode, message
from ingest.domain.model import Reading, SensorRef, StatusChange
from ingest.domain.profiles import Limit, Profile, RoomOverride
from ingest.domain.verdicts import MetricSnapshot, MetricState

__all__ = ["EvaluationConfig", "Evaluator", "MetricSnapshot"]


@dataclass(frozen=True, slots=True)
class EvaluationConfig:
    """Windows, margins and allowances of the evaluation (defaults from iaq-standards.md)."""

    short_window: timedelta = timedelta(minutes=10)
    short_slots: int = 10
    range_critical_after: timedelta = timedelta(hours=1)
    hysteresis: float = 0.05  # share of the breached bound
    min_coverage: float = 0.75
    compliance_slots: int = 24
    range_slots: int = 12  # compliance of ranges: hourly means of 5-minute slots
    offline_after: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        zero = timedelta(0)
        if min(self.short_window, self.range_critical_after, self.offline_after) <= zero:
            raise ValueError("windows and allowances must be positive")
        if min(self.short_slots, self.compliance_slots, self.range_slots) < 1:
            raise ValueError("a window needs at least one slot")
        if not (0 <= self.hysteresis < 1 and 0 < self.min_coverage <= 1):
            raise ValueError("hysteresis must be in [0, 1) and min_coverage in (0, 1]")


class _Room:
    """The limits of one room and the states of the metrics seen there."""

    __slots__ = ("building", "room", "limits", "config", "metrics")

    def __init__(self, key: tuple[str, str], limits: dict[str, Limit], config: EvaluationConfig):
        self.building, self.room = key
        self.limits = limits
        self.config = config
        self.metrics: dict[str, MetricState] = {}

    def start(self, metric: str) -> MetricState | None:
        """The new state of `metric`, or None when the room has no limit for it."""
        limit = self.limits.get(metric)
        if limit is None:
            return None
        state = self.metrics[metric] = MetricState(self.building, self.room, limit, self.config)
        return state


class _Sensor:
    """When a sensor was last heard, and its offline alert."""

    __slots__ = ("room", "key", "last_heard", "offline_open", "offline_at", "restored_through")

    def __init__(self, ref: SensorRef, room: _Room) -> None:
        self.room = room
        self.key = AlertKey(ref.building, ref.room, None, "warning", "offline", ref.sensor)
        self.last_heard = float("-inf")
        self.offline_open = False
        self.offline_at: datetime | None = None
        self.restored_through = float("-inf")  # newest stored reading rebuilt into windows


class Evaluator:
    """Turns readings and status messages into alert opens and clears; holds no I/O."""

    def __init__(
        self,
        profile: Profile,
        config: EvaluationConfig | None = None,
        overrides: Mapping[tuple[str, str], RoomOverride] | None = None,
    ) -> None:
        self.profile = profile
        self.config = config or EvaluationConfig()
        self._overrides = dict(overrides or {})
        self._default_limits = profile.evaluated_limits()
        self._offline_after = self.config.offline_after.total_seconds()
        self._rooms: dict[tuple[str, str], _Room] = {}
        self._sensors: dict[SensorRef, _Sensor] = {}

    def limits_for(self, building: str, room: str) -> dict[str, Limit]:
        """The evaluated limits of a room: the profile's, with the room's override applied."""
        override = self._overrides.get((building, room))
        if override is None:
            return dict(self._default_limits)
        return self.profile.with_overrides(override).evaluated_limits()

    def observe(self, reading: Reading, received_at: datetime | None = None) -> list[AlertChange]:
        """Evaluate one reading at its own time; `received_at` only feeds offline detection."""
        changes: list[AlertChange] = []
        sensor = self._sensors.get(reading.sensor) or self._add_sensor(reading.sensor)
        at = reading.time
        t = at.timestamp()
        heard = t if received_at is None else max(t, received_at.timestamp())
        if heard > sensor.last_heard:
            sensor.last_heard = heard
        if sensor.offline_open:
            back = at if sensor.offline_at is None else max(at, sensor.offline_at)
            changes.append(self._offline_change(sensor, "clear", back, "sensor_online_reporting"))
        if t <= sensor.restored_through:
            return changes  # stored before the restart, so already in the rebuilt windows
        room = sensor.room
        states = room.metrics
        for metric, value in reading.values.items():
            state = states.get(metric) or room.start(metric)
            if state is not None:
                state.observe(t, value, at, changes)
        return changes

    def check_offline(self, now: datetime) -> list[AlertChange]:
        """Open `offline` for each known sensor silent longer than the allowance."""
        cutoff = now.timestamp() - self._offline_after
        changes: list[AlertChange] = []
        for sensor in self._sensors.values():
            if not sensor.offline_open and sensor.last_heard < cutoff:
                heard = sensor.last_heard
                if math.isinf(heard):
                    changes.append(
                        self._offline_change(sensor, "open", now, "sensor_offline_never_heard")
                    )
                else:
                    changes.append(
                        self._offline_change(
                            sensor, "open", now, "sensor_offline_silent", since=_iso(heard)
                        )
                    )
        return changes

    def status(self, change: StatusChange, at: datetime) -> list[AlertChange]:
        """A device's retained status: `offline` opens its offline alert, `online` clears it."""
        sensor = self._sensors.get(change.sensor) or self._add_sensor(change.sensor)
        if change.online:
            sensor.last_heard = max(sensor.last_heard, at.timestamp())
            if sensor.offline_open:
                return [self._offline_change(sensor, "clear", at, "sensor_online_reported")]
        elif not sensor.offline_open:
            return [self._offline_change(sensor, "open", at, "sensor_offline_reported")]
        return []

    def restore_open(self, keys: Iterable[AlertKey]) -> None:
        """Seed the alerts believed open (from the database) after a restart."""
        for key in keys:
            if key.kind == "offline" and key.sensor is not None:
                ref = SensorRef(key.building, key.room, key.sensor)
                (self._sensors.get(ref) or self._add_sensor(ref)).offline_open = True
            elif key.kind == "threshold" and key.metric is not None:
                room = self._room(key.building, key.room)
                state = room.metrics.get(key.metric) or room.start(key.metric)
                if state is not None and key.severity == "critical":
                    state.crit_open = True
                elif state is not None:
                    state.warn_open = True

    def restore_slot(
        self, building: str, room: str, metric: str, width: float, start: float, total: float,
        count: int,
    ) -> bool:  # fmt: skip
        """Put a stored slot (sum and count of readings from epoch seconds `start`, `width`
        long) back into the room's averaging window; False when the window has other slots."""
        state = self._metric_state(building, room, metric)
        if state is None or state.long is None or state.long.width != width:
            return False
        return state.restore_slot(start, total, count)

    def replay(self, building: str, room: str, metric: str, t: float, value: float) -> bool:
        """Replay a stored reading into the room's short window and run (no verdict)."""
        state = self._metric_state(building, room, metric)
        if state is None:
            return False
        state.replay(t, value)
        return True

    def restore_seen(self, sensor: SensorRef, metric: str, newest: float, now: datetime) -> None:
        """A sensor's newest stored reading of `metric` (epoch seconds) at restart `now`.

        Readings at or before it are in the rebuilt windows. The sensor is known again, and
        its silence counts from the restart (when it was last received is not stored)."""
        state = self._sensors.get(sensor) or self._add_sensor(sensor)
        state.restored_through = max(state.restored_through, newest)
        state.last_heard = max(state.last_heard, now.timestamp())
        metric_state = self._metric_state(sensor.building, sensor.room, metric)
        if metric_state is not None:
            metric_state.restore_newest(newest)

    def snapshot(
        self, building: str, room: str, at: datetime | None = None
    ) -> dict[str, MetricSnapshot]:
        """Per metric seen in the room: means, coverage and status, at `at` or the newest."""
        state = self._rooms.get((building, room))
        if state is None:
            return {}
        t = None if at is None else at.timestamp()
        return {metric: s.snapshot(t) for metric, s in state.metrics.items()}

    def open_keys(self) -> set[AlertKey]:
        """Every key the evaluator believes open."""
        keys = {s.key for s in self._sensors.values() if s.offline_open}
        for room in self._rooms.values():
            for s in room.metrics.values():
                keys.update(key for key, is_open in s.alert_flags() if is_open)
        return keys

    def _room(self, building: str, room: str) -> _Room:
        key = (building, room)
        state = self._rooms.get(key)
        if state is None:
            state = self._rooms[key] = _Room(key, self.limits_for(building, room), self.config)
        return state

    def _metric_state(self, building: str, room: str, metric: str) -> MetricState | None:
        state = self._room(building, room)
        return state.metrics.get(metric) or state.start(metric)

    def _add_sensor(self, ref: SensorRef) -> _Sensor:
        sensor = self._sensors[ref] = _Sensor(ref, self._room(ref.building, ref.room))
        return sensor

    def _offline_change(
        self,
        sensor: _Sensor,
        action: Literal["open", "clear"],
        at: datetime,
        why: MessageCode,
        **extra: str,
    ) -> AlertChange:
        opening = action == "open"
        sensor.offline_open = opening
        sensor.offline_at = at if opening else None
        key = sensor.key
        code, params, text = message(
            why, sensor=key.sensor, building=key.building, room=key.room, **extra
        )
        return AlertChange(action, key, at, message=text, message_code=code, message_params=params)


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat()
