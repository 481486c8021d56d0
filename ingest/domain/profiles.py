"""Threshold profiles: the limits Udara checks, loaded from `profiles/*.yaml` (data, not code).

Each limit keeps its metric, bounds, unit, averaging time and source text. Rooms may replace
some limits (`RoomOverride`), e.g. the office temperature ranges of Permenkes 48/2016.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ingest.domain.const import METRICS

DEFAULT_PROFILE: Final = "permenkes-1077-2011"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|min|s)\s*$")
_SECONDS_PER_UNIT: Final = {"h": 3600.0, "min": 60.0, "s": 1.0}


class UnknownProfile(ValueError):
    """A profile name with no `profiles/<name>.yaml`."""

    def __init__(self, name: str) -> None:
        known = ", ".join(available_profiles())
        super().__init__(f"unknown threshold profile {name!r}; available: {known}")
        self.name = name


class Limit(BaseModel):
    """One limit of a profile: bounds on a metric's mean over `averaging` (None: no time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    lower: float | None = None
    upper: float | None = None
    unit: str
    averaging: timedelta | None = None
    source: str
    # Profile the value is borrowed from while this profile's own value is unconfirmed.
    taken_from: str | None = None

    @field_validator("averaging", mode="before")
    @classmethod
    def _parse_duration(cls, value: Any) -> Any:
        # The YAML files say "24h", "8h", "30min": readable, and what the regulations print.
        if isinstance(value, str) and (match := _DURATION.match(value)):
            return timedelta(seconds=float(match[1]) * _SECONDS_PER_UNIT[match[2]])
        return value

    @model_validator(mode="after")
    def _bounds_make_sense(self) -> Limit:
        if self.lower is None and self.upper is None:
            raise ValueError(f"{self.metric}: a limit needs a lower or an upper bound")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError(f"{self.metric}: lower bound {self.lower} > upper {self.upper}")
        if self.averaging is not None and self.averaging <= timedelta(0):
            raise ValueError(f"{self.metric}: averaging time must be positive")
        return self

    def contains(self, value: float) -> bool:
        """True when `value` is within the bounds (a bound itself is inside): the one bounds
        check, used by evaluation and compliance scoring alike."""
        return (self.lower is None or value >= self.lower) and (
            self.upper is None or value <= self.upper
        )

    @property
    def evaluated(self) -> bool:
        """Whether a sensor reports this metric, so Udara evaluates it."""
        return self.metric in METRICS

    @property
    def label(self) -> str:
        """The limit as people read it, e.g. `≤ 35 µg/m³ (24 h mean)` or `18–30 °C`."""
        if self.lower is not None and self.upper is not None:
            text = f"{self.lower:g}–{self.upper:g} {self.unit}"
        elif self.upper is not None:
            text = f"≤ {self.upper:g} {self.unit}"
        else:
            text = f"≥ {self.lower:g} {self.unit}"
        return f"{text} ({format_duration(self.averaging)} mean)" if self.averaging else text


class RoomOverride(BaseModel):
    """Limits that replace the profile's limits of the same metric in one room."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    limits: tuple[Limit, ...]
    reason: str = ""


class Profile(BaseModel):
    """A named set of limits with its source, and its successor if it has one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    source: str
    superseded_by: str | None = None
    notes: tuple[str, ...] = ()
    limits: tuple[Limit, ...]

    @model_validator(mode="after")
    def _one_limit_per_metric(self) -> Profile:
        metrics = [limit.metric for limit in self.limits]
        if len(metrics) != len(set(metrics)):
            raise ValueError(f"profile {self.name}: more than one limit for a metric")
        return self

    def limit(self, metric: str) -> Limit | None:
        """The limit of `metric`, or None when the profile has none."""
        return next((lim for lim in self.limits if lim.metric == metric), None)

    def evaluated_limits(self) -> dict[str, Limit]:
        """The limits a sensor can be checked against, by metric."""
        return {lim.metric: lim for lim in self.limits if lim.evaluated}

    def with_overrides(self, *overrides: RoomOverride) -> Profile:
        """This profile with limits replaced (or added) by the overrides, later ones winning."""
        limits = {lim.metric: lim for lim in self.limits}
        for override in overrides:
            limits.update({lim.metric: lim for lim in override.limits})
        return self.model_copy(update={"limits": tuple(limits.values())})


def format_duration(span: timedelta) -> str:
    """`24 h`, `30 min`, `75 s`: the way the standards write averaging times."""
    seconds = span.total_seconds()
    for unit, size in _SECONDS_PER_UNIT.items():
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def _profile_dir() -> Traversable:
    return resources.files("ingest.domain").joinpath("profiles")


@cache
def _shipped_names() -> tuple[str, ...]:
    names = (entry.name for entry in _profile_dir().iterdir())
    return tuple(sorted(name.removesuffix(".yaml") for name in names if name.endswith(".yaml")))


def available_profiles() -> list[str]:
    """Names of the profiles shipped in `profiles/`, sorted."""
    return list(_shipped_names())


@cache
def load_profile(name: str) -> Profile:
    """The profile `name` (e.g. `permenkes-1077-2011`), or `UnknownProfile`."""
    # Checking against the shipped names first also keeps `name` from walking the filesystem.
    if name not in _shipped_names():
        raise UnknownProfile(name)
    text = _profile_dir().joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    profile = Profile.model_validate(yaml.safe_load(text))
    if profile.name != name:
        raise ValueError(f"profiles/{name}.yaml names itself {profile.name!r}")
    return profile


def _office_temperature(lower: float, upper: float, rooms: str) -> RoomOverride:
    source = f"Permenkes 48/2016 (K3 perkantoran): {lower:g}–{upper:g} °C in {rooms}"
    limit = Limit(metric="temperature", lower=lower, upper=upper, unit="°C", source=source)
    return RoomOverride(limits=(limit,), reason=source)


OFFICE_WORK_ROOM: Final = _office_temperature(23, 26, "work rooms")
OFFICE_LOBBY_OR_CORRIDOR: Final = _office_temperature(23, 28, "lobbies and corridors")
