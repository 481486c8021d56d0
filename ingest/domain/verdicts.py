"""Windows, alert state and verdicts of one (building, room, metric) under one limit.

The rules and their reasons are in `ingest.domain.evaluation`'s docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.messages import MessageCode, Params, message, regulation
from ingest.domain.profiles import Limit
from ingest.domain.windows import SlotWindow

if TYPE_CHECKING:
    from ingest.domain.evaluation import EvaluationConfig

Status = Literal["ok", "warning", "critical", "insufficient_data"]


@dataclass(frozen=True, slots=True)
class MetricSnapshot:
    """What the UI shows for one room-metric: means, coverage, and the alert status."""

    metric: str
    limit: Limit
    newest: datetime | None  # event time of the newest reading, None before any
    short_mean: float | None
    compliance_mean: float | None  # None for limits without an averaging time
    coverage: float | None  # share of the averaging window's slots with a reading
    insufficient_data: bool
    status: Status


class MetricState:
    """One room-metric: its windows, its run outside the range, and its open alerts."""

    __slots__ = (
        "limit", "lower", "upper", "margin_low", "margin_up", "short", "long", "min_filled",
        "critical_after", "max_gap", "newest", "run_since", "warn_open", "warn_side",
        "crit_open", "crit_side", "warn_key", "crit_key",
    )  # fmt: skip

    def __init__(self, building: str, room: str, limit: Limit, config: EvaluationConfig) -> None:
        self.limit = limit
        self.lower = -math.inf if limit.lower is None else limit.lower
        self.upper = math.inf if limit.upper is None else limit.upper
        self.margin_low = abs(limit.lower or 0.0) * config.hysteresis
        self.margin_up = abs(limit.upper or 0.0) * config.hysteresis
        short_seconds = config.short_window.total_seconds()
        self.short = SlotWindow(short_seconds, config.short_slots)
        self.long: SlotWindow | None = None
        if limit.averaging is not None:
            self.long = SlotWindow(limit.averaging.total_seconds(), config.compliance_slots)
        self.min_filled = math.ceil(config.min_coverage * config.compliance_slots - 1e-9)
        self.critical_after = config.range_critical_after.total_seconds()
        self.max_gap = short_seconds  # a longer silence breaks a run outside the range
        self.newest = -math.inf
        self.run_since: float | None = None  # event time the short mean went outside
        self.warn_open = False
        self.warn_side = 0  # +1 above, -1 below, 0 unknown (restored after a restart)
        self.crit_open = False
        self.crit_side = 0
        self.warn_key = AlertKey(building, room, limit.metric, "warning")
        self.crit_key = AlertKey(building, room, limit.metric, "critical")

    def observe(self, t: float, value: float, at: datetime, out: list[AlertChange]) -> None:
        """Add a reading at epoch seconds `t` (= `at`) and append the changes it decides."""
        long = self.long
        mean = self._short_step(t, value)
        if mean is None:
            # Counted in the windows, but verdicts only move forward in event time.
            if long is not None:
                long.add(t, value)
            return
        if self.run_since is not None:  # the short mean is outside the limit
            if not self.warn_open:
                self.warn_open = True
                out.append(self._open_warning(at, mean))
        elif self.warn_open and self._back_inside(mean, self.warn_side):
            self.warn_open = False
            out.append(self._clear(self.warn_key, at, mean))
        if long is None:
            self._range_critical(t, mean, at, out)
        else:
            long.add(t, value)
            self._compliance(long, at, out)

    def replay(self, t: float, value: float) -> None:
        """Replay a stored reading after a restart: short window, newest time and the run
        outside the range, but no verdict (open alerts come from the database) and not the
        averaging window (it is rebuilt from stored slot sums, `restore_slot`)."""
        self._short_step(t, value)

    def restore_slot(self, start: float, total: float, count: int) -> bool:
        """Put one stored slot (sum and count of its readings) back into the averaging window."""
        if self.long is None or count < 1:
            return False
        return self.long.add(start + self.long.width / 2, total, count)

    def restore_newest(self, t: float) -> None:
        """The event time of the newest stored reading: older ones decide nothing."""
        if t > self.newest:
            self.newest = t

    def _short_step(self, t: float, value: float) -> float | None:
        """Add to the short window and follow the run outside the limit; returns the short
        mean, or None for a reading older than the newest (it decides nothing)."""
        short = self.short
        if t < self.newest:
            short.add(t, value)
            return None
        if t - self.newest > self.max_gap:
            self.run_since = None
        self.newest = t
        short.add(t, value)
        mean = short.mean_sum / short.filled
        if self.limit.contains(mean):
            self.run_since = None
        else:
            self.warn_side = 1 if mean > self.upper else -1
            if self.run_since is None:
                self.run_since = t
        return mean

    def _range_critical(self, t: float, mean: float, at: datetime, out: list[AlertChange]) -> None:
        """Critical when the short mean has stayed outside the range for `critical_after`."""
        if self.run_since is not None and t - self.run_since >= self.critical_after:
            self.crit_side = self.warn_side
            if not self.crit_open:
                self.crit_open = True
                coded = message(
                    "range_critical", **self._params(mean), span_s=self.critical_after,
                    window_s=self.max_gap,
                )  # fmt: skip
                out.append(self._change("open", self.crit_key, at, mean, coded))
        elif self.crit_open and self._back_inside(mean, self.crit_side):
            self.crit_open = False
            out.append(self._clear(self.crit_key, at, mean))

    def _compliance(self, long: SlotWindow, at: datetime, out: list[AlertChange]) -> None:
        """Critical on the averaging-time mean, decided only with enough coverage."""
        if long.filled < self.min_filled:
            return  # insufficient data: neither opens nor clears
        mean = long.mean_sum / long.filled
        if not self.limit.contains(mean):
            self.crit_side = 1 if mean > self.upper else -1
            if not self.crit_open:
                self.crit_open = True
                coded = message(
                    "average_breach", **self._params(mean), coverage=long.coverage,
                    source=regulation(self.limit.source),
                )  # fmt: skip
                out.append(self._change("open", self.crit_key, at, mean, coded))
        elif self.crit_open and self._back_inside(mean, self.crit_side):
            self.crit_open = False
            out.append(self._clear(self.crit_key, at, mean))

    def _back_inside(self, mean: float, side: int) -> bool:
        """Inside the limit, and by the margin from the bound that was breached."""
        if side == 0:  # side unknown after a restart: take the nearer bound
            side = 1 if self.upper - mean < mean - self.lower else -1
        if side > 0:
            return self.lower <= mean <= self.upper - self.margin_up
        return self.lower + self.margin_low <= mean <= self.upper

    def _open_warning(self, at: datetime, mean: float) -> AlertChange:
        """The early-warning open: short mean beyond the limit, not (yet) a breach."""
        above = self.warn_side > 0
        params = self._params(mean)
        params.update(bound=self.upper if above else self.lower, window_s=self.max_gap)
        code: MessageCode
        if self.limit.averaging is not None:
            code = "early_warning_above" if above else "early_warning_below"
        else:
            code = "range_warning_above" if above else "range_warning_below"
            params["span_s"] = self.critical_after
        coded = message(code, **params)
        return self._change("open", self.warn_key, at, mean, coded)

    def _clear(self, key: AlertKey, at: datetime, mean: float) -> AlertChange:
        """The clear: back inside the limit by the hysteresis margin."""
        coded = message("threshold_cleared", **self._params(mean))
        return self._change("clear", key, at, mean, coded)

    def _params(self, mean: float) -> Params:
        """What every threshold message says: the metric, its mean and the limit."""
        lim = self.limit
        averaging = None if lim.averaging is None else lim.averaging.total_seconds()
        return {
            "metric": lim.metric, "value": mean, "unit": lim.unit, "lower": lim.lower,
            "upper": lim.upper, "averaging_s": averaging,
        }  # fmt: skip

    def _change(
        self,
        action: Literal["open", "clear"],
        key: AlertKey,
        at: datetime,
        v: float,
        coded: tuple[MessageCode, Params, str],
    ) -> AlertChange:
        code, params, text = coded
        return AlertChange(
            action, key, at, value=v, limit=self.limit.label, message=text,
            message_code=code, message_params=params,
        )  # fmt: skip

    def alert_flags(self) -> tuple[tuple[AlertKey, bool], tuple[AlertKey, bool]]:
        """The warning and critical keys, each with whether it is believed open."""
        return (self.warn_key, self.warn_open), (self.crit_key, self.crit_open)

    def snapshot(self, t: float | None) -> MetricSnapshot:
        """Means and status at epoch seconds `t`, or at the newest reading when None."""
        when = self.newest if t is None else t
        seen = not math.isinf(when)  # a state restored from open alerts may have no reading
        short_mean = self.short.at(when)[0] if seen else None
        compliance: float | None = None
        coverage: float | None = None
        if self.long is not None:
            compliance, coverage = self.long.at(when) if seen else (None, 0.0)
            insufficient = round(coverage * self.long.n) < self.min_filled
        else:
            insufficient = short_mean is None
        status: Status = "ok"
        if self.crit_open:
            status = "critical"
        elif self.warn_open:
            status = "warning"
        elif insufficient:
            status = "insufficient_data"
        newest = None if math.isinf(self.newest) else datetime.fromtimestamp(self.newest, UTC)
        return MetricSnapshot(
            self.limit.metric, self.limit, newest, short_mean, compliance, coverage,
            insufficient, status,
        )  # fmt: skip
