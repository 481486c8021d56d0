"""Data-quality thresholds as data: `quality.yaml` loaded into frozen dataclasses.

The values and their reasons live in the YAML file; this module only checks their shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|h|min|s)\s*$")
_SECONDS: Final = {"d": 86400.0, "h": 3600.0, "min": 60.0, "s": 1.0}


@dataclass(frozen=True, slots=True)
class MetricRule:
    """What stuck and jumping mean for one metric (None: that check is off for it)."""

    resolution: float | None = None
    max_rate_per_min: float | None = None
    allowance: float = 0.0

    def allowed_change(self, seconds: float) -> float:
        """How much two readings `seconds` apart may differ (inf when jumps are not checked)."""
        if self.max_rate_per_min is None:
            return float("inf")
        return self.allowance + self.max_rate_per_min * seconds / 60.0


@dataclass(frozen=True, slots=True)
class StuckRule:
    """No change beyond the resolution for `after`, with no silence longer than `max_gap`."""

    after: timedelta = timedelta(hours=6)
    max_gap: timedelta = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class JumpRule:
    """Faulty after `open_after` implausible jumps within `within`; clear after `clear_after`."""

    open_after: int = 3
    within: timedelta = timedelta(hours=1)
    clear_after: int = 10


@dataclass(frozen=True, slots=True)
class DriftRule:
    """Night minima of `metric` outside [low, high] for `nights` judged nights in a row."""

    metric: str = "co2"
    outdoor: float = 420.0
    low: float = 350.0
    high: float = 550.0
    nights: int = 3
    min_night: timedelta = timedelta(hours=4)
    min_coverage: float = 0.5
    default_night: tuple[time, time] = (time(22, 0), time(5, 0))


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """All data-quality thresholds; `load_quality_config()` reads the shipped ones."""

    metrics: dict[str, MetricRule] = field(default_factory=dict)
    stuck: StuckRule = StuckRule()
    jump: JumpRule = JumpRule()
    drift: DriftRule = DriftRule()
    rebuild_history: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        zero = timedelta(0)
        if min(self.stuck.after, self.stuck.max_gap, self.jump.within) <= zero:
            raise ValueError("quality: durations must be positive")
        if self.jump.open_after < 1 or self.jump.clear_after < 1 or self.drift.nights < 1:
            raise ValueError("quality: counts must be at least 1")
        if not self.drift.low < self.drift.outdoor < self.drift.high:
            raise ValueError("quality: drift bounds must lie either side of outdoor air")
        if not 0 < self.drift.min_coverage <= 1:
            raise ValueError("quality: drift.min_coverage must be in (0, 1]")
        for metric, rule in self.metrics.items():
            numbers = (rule.resolution, rule.max_rate_per_min, rule.allowance)
            if any(n is not None and n < 0 for n in numbers) or rule.resolution == 0:
                raise ValueError(f"quality: {metric}: resolution > 0, rates and allowance >= 0")


def parse_duration(value: Any) -> timedelta:
    """`6h`, `30min`, `90s`, `7d` (or a number of seconds) as a timedelta."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if match is None:
        raise ValueError(f"quality: {value!r} is not a duration like 6h, 30min, 90s or 7d")
    return timedelta(seconds=float(match[1]) * _SECONDS[match[2]])


def parse_clock(value: Any) -> time:
    """`HH:MM` local time (`24:00` is midnight at the end of the day, read as 00:00)."""
    if isinstance(value, time):
        return value
    hours, _, minutes = str(value).partition(":")
    if not (hours.isdigit() and minutes.isdigit()) or int(minutes) > 59 or int(hours) > 24:
        raise ValueError(f"quality: {value!r} is not a local time HH:MM")
    return time(int(hours) % 24, int(minutes))


def _section(raw: Mapping[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    section = raw.get(name) or {}
    if not isinstance(section, Mapping):
        raise ValueError(f"quality: {name} must be a mapping")
    unknown = set(section) - allowed
    if unknown:
        raise ValueError(f"quality: unknown keys in {name}: {', '.join(sorted(unknown))}")
    return dict(section)


def parse_quality_config(raw: Mapping[str, Any]) -> QualityConfig:
    """A config from its mapping form (as in quality.yaml); ValueError when malformed."""
    top = {"metrics", "stuck", "jump", "drift", "rebuild_history"}
    if unknown := set(raw) - top:
        raise ValueError(f"quality: unknown keys: {', '.join(sorted(unknown))}")
    metrics: dict[str, MetricRule] = {}
    for metric in raw.get("metrics") or {}:
        rule = _section(raw["metrics"], metric, {"resolution", "max_rate_per_min", "allowance"})
        metrics[str(metric)] = MetricRule(
            resolution=_number(rule.get("resolution")),
            max_rate_per_min=_number(rule.get("max_rate_per_min")),
            allowance=_number(rule.get("allowance")) or 0.0,
        )
    stuck = _section(raw, "stuck", {"after", "max_gap"})
    jump = _section(raw, "jump", {"open_after", "within", "clear_after"})
    drift = _section(
        raw,
        "drift",
        {"metric", "outdoor", "low", "high", "nights", "min_night", "min_coverage"}
        | {"default_night"},
    )
    night = drift.pop("default_night", None) or {"start": "22:00", "end": "05:00"}
    for key in ("after", "max_gap"):
        if key in stuck:
            stuck[key] = parse_duration(stuck[key])
    if "within" in jump:
        jump["within"] = parse_duration(jump["within"])
    if "min_night" in drift:
        drift["min_night"] = parse_duration(drift["min_night"])
    for key in ("outdoor", "low", "high", "min_coverage"):
        if key in drift:
            drift[key] = _number(drift[key])
    history = raw.get("rebuild_history")
    return QualityConfig(
        metrics=metrics,
        stuck=StuckRule(**stuck),
        jump=JumpRule(**jump),
        drift=DriftRule(
            **drift, default_night=(parse_clock(night["start"]), parse_clock(night["end"]))
        ),
        rebuild_history=timedelta(days=7) if history is None else parse_duration(history),
    )


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"quality: {value!r} is not a number")
    return float(value)


@cache
def load_quality_config(path: Path | None = None) -> QualityConfig:
    """The thresholds in `path`, or the shipped `ingest/domain/quality.yaml`."""
    if path is None:
        text = resources.files("ingest.domain").joinpath("quality.yaml").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return parse_quality_config(yaml.safe_load(text) or {})
