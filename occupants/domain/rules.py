"""Which work a report category becomes: rules as data (`occupants/rules.yaml`).

A rule names the crew, the work-order type and the priority (one priority, or one per traffic
level of the room: a dirty toilet in a busy lobby matters sooner than one in a quiet corner),
or says `triage: true`: a facility manager decides, and no work order is made until then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from occupants.domain.model import CATEGORIES

WORK_ORDER_TYPES = ("routine", "preventive", "corrective", "emergency")
PRIORITIES = ("low", "medium", "high", "urgent")


class RuleError(ValueError):
    """The rules file is not valid."""


@dataclass(frozen=True)
class CategoryRule:
    """What reports of one category become."""

    category: str
    triage: bool = False
    crew: str | None = None
    type: str = "corrective"
    priority: str = "medium"
    by_traffic: Mapping[str, str] = field(default_factory=dict)
    title: str = "Laporan penghuni di {room}"

    def priority_for(self, traffic: str) -> str:
        """The priority for a room of this traffic level."""
        return self.by_traffic.get(traffic, self.priority)


@dataclass(frozen=True)
class Route:
    """Where one report goes: to triage, or to a crew as a work order."""

    triage: bool
    crew: str | None = None
    type: str = "corrective"
    priority: str = "medium"
    title: str = "Laporan penghuni di {room}"


def _rule(category: str, data: Mapping[str, Any]) -> CategoryRule:
    if category not in CATEGORIES:
        raise RuleError(f"unknown category {category!r}")
    title = str(data.get("title") or CategoryRule.title)
    crew, kind, priority = data.get("crew"), data.get("type", "corrective"), data.get("priority")
    if data.get("triage"):
        return CategoryRule(category, triage=True, crew=crew if isinstance(crew, str) else None,
                            title=title)  # fmt: skip
    if not isinstance(crew, str) or not crew:
        raise RuleError(f"{category}: a crew is needed (or triage: true)")
    if kind not in WORK_ORDER_TYPES:
        raise RuleError(f"{category}: unknown type {kind!r}")
    by_traffic: dict[str, str] = {}
    if isinstance(priority, Mapping):
        by_traffic = {str(k): str(v) for k, v in priority.items()}
        priority = by_traffic.get("normal", "medium")
    priority = str(priority or "medium")
    for value in (priority, *by_traffic.values()):
        if value not in PRIORITIES:
            raise RuleError(f"{category}: unknown priority {value!r}")
    return CategoryRule(category, False, crew, str(kind), priority, by_traffic, title)


def parse_rules(data: Mapping[str, Any]) -> dict[str, CategoryRule]:
    """Rules per category from the YAML's mapping; every category must have one."""
    rules = {str(k): _rule(str(k), v or {}) for k, v in data.items()}
    missing = [c for c in CATEGORIES if c not in rules]
    if missing:
        raise RuleError(f"no rule for {', '.join(missing)}")
    return rules


def route(rules: Mapping[str, CategoryRule], category: str, traffic: str) -> Route:
    """Where a report of `category` in a room of `traffic` goes."""
    rule = rules[category]
    if rule.triage or rule.crew is None:
        return Route(True, rule.crew, rule.type, rule.priority_for(traffic), rule.title)
    return Route(False, rule.crew, rule.type, rule.priority_for(traffic), rule.title)
