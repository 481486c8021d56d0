"""The three data-quality checks of one (sensor, metric), each in a few numbers of state.

The rules and their reasons are in `ingest.domain.quality`'s docstring. Each check sees the
readings of its (sensor, metric) in event-time order (the detector drops the rest) and
appends what it decides to `out` as a `Verdict`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Literal

from ingest.domain.nights import NightSchedule, Span
from ingest.domain.quality_config import DriftRule, JumpRule, MetricRule, StuckRule

Reason = Literal["stuck", "jump", "drift_low", "drift_high"]
ParamValue = str | float | int | None
Params = dict[str, ParamValue]
Verdict = tuple[Reason, Literal["open", "clear"], Params]

_FLOAT_SLACK = 1e-6  # 24.2 - 24.1 is 0.0999…: one resolution step must count as one


class StuckCheck:
    """Open when the value stays within one resolution step for `after` of steady reports."""

    __slots__ = ("resolution", "step", "after", "max_gap", "since", "lo", "hi", "last", "open")

    def __init__(self, resolution: float, rule: StuckRule) -> None:
        self.resolution = resolution
        self.step = resolution * (1 - _FLOAT_SLACK)
        self.after = rule.after.total_seconds()
        self.max_gap = rule.max_gap.total_seconds()
        self.since = -math.inf  # first reading of the current run without a change
        self.lo = math.inf
        self.hi = -math.inf
        self.last = -math.inf
        self.open = False

    def observe(self, t: float, value: float, out: list[Verdict]) -> None:
        """Widen the run's band by the reading, or start a new run when it moved or was silent."""
        silent = t - self.last > self.max_gap
        self.last = t
        if silent and not self.open:  # it did not keep reporting: the run starts again
            self._restart(t, value)
            return
        lo = self.lo if self.lo <= value else value  # min() and max() cost more, per reading
        hi = self.hi if self.hi >= value else value
        if hi - lo >= self.step:
            if self.open:
                self.open = False
                params: Params = {"value": value, "since": _iso(self.since)}
                out.append(("stuck", "clear", params | {"span_s": round(t - self.since)}))
            self._restart(t, value)
            return
        self.lo, self.hi = lo, hi
        if not self.open and t - self.since >= self.after:
            self.open = True
            params = {"value": value, "since": _iso(self.since), "resolution": self.resolution}
            out.append(("stuck", "open", params | {"span_s": round(t - self.since)}))

    def _restart(self, t: float, value: float) -> None:
        self.since, self.lo, self.hi = t, value, value


class JumpCheck:
    """Open after repeated implausible jumps; clear after a run of plausible readings."""

    __slots__ = (
        "rule", "allowance", "rate", "open_after", "within", "clear_after", "ref_t", "ref_v",
        "prev_t", "prev_v", "recent", "consistent", "open", "suspect",
    )  # fmt: skip

    def __init__(self, rule: MetricRule, jumps: JumpRule) -> None:
        self.rule = rule
        self.allowance = rule.allowance  # `rule.allowed_change`, inlined in `observe`
        self.rate = rule.max_rate_per_min if rule.max_rate_per_min is not None else math.inf
        self.open_after = jumps.open_after
        self.within = jumps.within.total_seconds()
        self.clear_after = jumps.clear_after
        self.ref_t = self.prev_t = -math.inf  # last trusted reading; last reading
        self.ref_v = self.prev_v = math.nan
        self.recent: tuple[float, ...] = ()  # times of the last `open_after` jumps
        self.consistent = 0  # plausible readings in a row, counted up to `clear_after`
        self.open = False
        self.suspect = False  # the newest reading was a jump

    def observe(self, t: float, value: float, out: list[Verdict]) -> None:
        """Trust a reading that fits the last trusted one, or the one before it; else a jump."""
        ref_t = self.ref_t  # the first reading has nothing to compare with: it is trusted
        fits = ref_t == -math.inf or (
            abs(value - self.ref_v) <= self.allowance + self.rate * (t - ref_t) / 60.0
        )
        # A step that holds for a second reading is a new level, counted once as a jump.
        holds = not fits and self._fits(self.prev_t, self.prev_v, t, value)
        previous, previous_t = self.prev_v, self.prev_t
        self.prev_t, self.prev_v = t, value
        self.suspect = not (fits or holds)
        if fits or holds:
            self.ref_t, self.ref_v = t, value
            if self.consistent < self.clear_after:
                self.consistent += 1
            if self.open and self.consistent >= self.clear_after:
                self.open = False
                out.append(("jump", "clear", {"value": value, "readings": self.clear_after}))
            return
        self.consistent = 0
        recent = [s for s in self.recent if s > t - self.within]
        recent.append(t)
        self.recent = tuple(recent[-self.open_after :])
        if not self.open and len(self.recent) >= self.open_after:
            self.open = True
            params: Params = {
                "value": value,
                "previous": previous,
                "allowed": round(self.rule.allowed_change(t - previous_t), 3),
                "interval_s": round(t - previous_t, 3),
                "jumps": len(self.recent),
                "window_s": round(self.within),
            }
            out.append(("jump", "open", params))

    def _fits(self, t0: float, v0: float, t: float, value: float) -> bool:
        if math.isinf(t0):  # nothing to compare with: the first reading is trusted
            return True
        return abs(value - v0) <= self.rule.allowed_change(t - t0)


class DriftCheck:
    """Open when the minimum of each of `nights` judged nights in a row is outside [low, high]."""

    __slots__ = (
        "rule", "max_gap", "span", "night_start", "night_end", "night_min", "covered", "last",
        "bad", "side", "open", "open_side",
    )  # fmt: skip

    def __init__(self, rule: DriftRule, max_gap: float) -> None:
        self.rule = rule
        self.max_gap = max_gap  # a longer silence is not covered by the readings around it
        self.span: Span | None = None  # the occupied or unoccupied span last seen (a cache)
        self.night_start = self.night_end = math.nan  # the night in progress, if any
        self.night_min = math.inf
        self.covered = 0.0  # seconds of the night between readings at most max_gap apart
        self.last = math.nan  # its last reading
        self.bad = 0  # judged nights in a row outside, on side `side`
        self.side = 0
        self.open = False
        self.open_side = 0

    def forget_night(self) -> None:
        """Drop the night in progress (the building's hours changed under it)."""
        self.span = None
        self.night_start = self.night_end = math.nan

    def observe(self, t: float, value: float, nights: NightSchedule, out: list[Verdict]) -> None:
        """Fold the reading into its night's minimum; judge a night once a reading is past it."""
        if not math.isnan(self.night_end) and not self.night_start <= t < self.night_end:
            self._judge(t, out)
            self.night_start = self.night_end = math.nan
        span = self.span
        if span is None or not span.holds(t):
            span = self.span = nights.span_at(t)
        if not span.unoccupied:
            return
        if math.isnan(self.night_end):
            self.night_start, self.night_end = span.start, span.end
            self.night_min, self.covered = value, 0.0
        elif t - self.last <= self.max_gap:
            self.covered += t - self.last
        self.night_min = min(self.night_min, value)
        self.last = t

    def _judge(self, t: float, out: list[Verdict]) -> None:
        rule = self.rule
        length = self.night_end - self.night_start
        judged = length >= rule.min_night.total_seconds() and (
            self.covered >= rule.min_coverage * length
        )
        if not judged:
            return  # too short, or too few readings: neither counts nor breaks a run
        low = self.night_min
        side = 1 if low > rule.high else -1 if low < rule.low else 0
        if self.open and side != self.open_side:
            self.open = False
            out.append((_drift(self.open_side), "clear", self._params(self.open_side)))
        if side == 0:
            self.bad = self.side = 0
            return
        self.bad = min(self.bad + 1, rule.nights) if side == self.side else 1
        self.side = side
        if not self.open and self.bad >= rule.nights:
            self.open, self.open_side = True, side
            out.append((_drift(side), "open", self._params(side) | {"nights": rule.nights}))

    def _params(self, side: int) -> Params:
        return {
            "value": self.night_min,
            "bound": self.rule.high if side > 0 else self.rule.low,
            "outdoor": self.rule.outdoor,
            "night_start": _iso(self.night_start),
            "night_end": _iso(self.night_end),
        }


def _drift(side: int) -> Reason:
    return "drift_high" if side > 0 else "drift_low"


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat()
