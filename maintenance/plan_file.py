"""Reading a maintenance-strategy YAML file, with errors that name the line and the field."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assets.domain.model import ASSET_KINDS, METERS
from maintenance.domain.model import (
    ANCHORS,
    CATCH_UP_POLICIES,
    CODE_PATTERN,
    CREW_ID_PATTERN,
    FREQUENCIES,
    PRIORITIES,
    ROOM_KINDS,
    TRAFFIC_LEVELS,
    WORK_ORDER_TYPES,
)

WEEKDAYS = {
    **{d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        d: i for i, d in enumerate(("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"))
    },
}
_DURATION = re.compile(r"^(\d+)\s*(m|min|h|d|w)$")
_MINUTES = {"m": 1, "min": 1, "h": 60, "d": 1440, "w": 10080}


class PlanFileError(ValueError):
    """A strategy file is unusable; the message names file, line and field."""


class _Located(dict[Any, Any]):
    line = 0
    lines: dict[Any, int]


class _LocatedList(list[Any]):
    line = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader that remembers where every mapping value and list item starts."""

    def construct_located_mapping(self, node: yaml.MappingNode) -> _Located:
        self.flatten_mapping(node)
        data = _Located()
        data.line, data.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in data:
                raise PlanFileError(f"line {key_node.start_mark.line + 1}: {key}: duplicate key")
            data[key] = self.construct_object(value_node, deep=True)
            data.lines[key] = value_node.start_mark.line + 1
        return data

    def construct_located_sequence(self, node: yaml.SequenceNode) -> _LocatedList:
        items = _LocatedList(self.construct_object(n, deep=True) for n in node.value)
        items.line, items.lines = (
            node.start_mark.line + 1,
            [n.start_mark.line + 1 for n in node.value],
        )
        return items

    def construct_int_or_clock(self, node: yaml.ScalarNode) -> Any:
        # YAML 1.1 reads an unquoted 07:30 as the base-60 integer 450; keep it a clock time.
        if ":" in str(node.value):
            return str(node.value)
        return self.construct_yaml_int(node)


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_located_mapping
)
_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_located_sequence
)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_int_or_clock)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoomIn(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str | None = None
    kind: Literal[ROOM_KINDS] = "office"  # type: ignore[valid-type]
    traffic: Literal[TRAFFIC_LEVELS] | None = None  # type: ignore[valid-type]


class FloorIn(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str | None = None
    level: int | None = None
    rooms: list[RoomIn] = []


class BuildingIn(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: str | None = None
    timezone: str | None = None
    floors: list[FloorIn] = []


class CrewIn(_Strict):
    id: str = Field(pattern=CREW_ID_PATTERN)
    name: str


class AreasIn(_Strict):
    """Where a task applies: the rooms matching every filter given, or with none the building;
    `assets` (a kind, e.g. ahu) makes it an asset plan: one per asset of that kind."""

    building: str
    assets: Literal[ASSET_KINDS] | None = None  # type: ignore[valid-type]
    rooms: list[str] | None = None
    floors: list[str] | None = None
    kinds: list[Literal[ROOM_KINDS]] | None = None  # type: ignore[valid-type]
    traffic: list[Literal[TRAFFIC_LEVELS]] | None = None  # type: ignore[valid-type]


class ScheduleIn(_Strict):
    freq: Literal[FREQUENCIES]  # type: ignore[valid-type]
    interval: int = Field(default=1, ge=1, le=366)
    at: list[time] | None = None
    weekdays: list[int] | None = None
    month_day: int | None = None
    month: int | None = Field(default=None, ge=1, le=12)
    start: date | None = None
    end: date | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _one_or_many_times(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | time) else value

    @field_validator("weekdays", mode="before")
    @classmethod
    def _weekday_names(cls, value: Any) -> Any:
        if value is None:
            return None
        names = [value] if isinstance(value, str) else value
        try:
            return [WEEKDAYS[str(n).lower()] for n in names]
        except KeyError as exc:
            raise ValueError(
                f"unknown weekday {exc.args[0]!r}; use mon..sun or senin..minggu"
            ) from exc


class MeterIn(_Strict):
    """Also due each `every` of this meter (calendar or meter, whichever comes first)."""

    name: Literal[METERS]  # type: ignore[valid-type]
    every: float = Field(gt=0)


class TaskIn(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    type: Literal[WORK_ORDER_TYPES]  # type: ignore[valid-type]
    crew: str
    areas: AreasIn
    schedule: ScheduleIn
    priority: Literal[PRIORITIES] | None = None  # type: ignore[valid-type]
    checklist: list[str] = []
    description: str = ""
    anchor: Literal[ANCHORS] = "calendar"  # type: ignore[valid-type]
    catch_up: Literal[CATCH_UP_POLICIES] = "latest"  # type: ignore[valid-type]
    due_within: int | None = None  # minutes; "2h", "3d", "90m" in the file
    active: bool = True
    meter: MeterIn | None = None

    @field_validator("due_within", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if value is None or isinstance(value, int):
            return value
        match = _DURATION.match(str(value).strip())
        if not match:
            raise ValueError("a duration like 90m, 2h, 3d or 1w")
        return int(match.group(1)) * _MINUTES[match.group(2)]


class StrategyIn(_Strict):
    version: Literal[1] = 1
    crews: list[CrewIn] = []
    buildings: list[BuildingIn] = []
    tasks: list[TaskIn] = []


def where(tree: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest part of `loc` that exists in the loaded tree."""
    line = getattr(tree, "line", 1)
    node = tree
    for part in loc:
        if isinstance(node, _Located) and part in node:
            line, node = node.lines[part], node[part]
        elif isinstance(node, _LocatedList) and isinstance(part, int) and part < len(node):
            line, node = node.lines[part], node[part]
        else:
            break
    return line


def dotted(loc: tuple[Any, ...]) -> str:
    """('tasks', 2, 'schedule', 'freq') as tasks[2].schedule.freq."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(file)"


def read_strategy(path: Path) -> tuple[StrategyIn, Any]:
    """Parse and validate a strategy file; returns the model and the located tree."""
    try:
        tree = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        raise PlanFileError(f"{path}:{line}: not valid YAML: {exc.problem}") from exc
    except PlanFileError as exc:
        raise PlanFileError(f"{path}:{str(exc).removeprefix('line ')}") from exc
    if not isinstance(tree, dict):
        raise PlanFileError(f"{path}:1: expected a mapping with crews, buildings and tasks")
    try:
        return StrategyIn.model_validate(tree), tree
    except ValidationError as exc:
        lines = [
            f"{path}:{where(tree, tuple(e['loc']))}: {dotted(tuple(e['loc']))}: {e['msg']}"
            for e in exc.errors()
        ]
        raise PlanFileError("\n".join(lines)) from exc
