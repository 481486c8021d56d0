"""Alert-to-work-order rules: which alert (kind, metric, severity, value) needs what work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from maintenance.domain.errors import InvalidInput
from maintenance.domain.model import PRIORITIES, WORK_ORDER_TYPES

ALERT_KINDS = ("threshold", "offline", "faulty")
SEVERITIES = ("warning", "critical")


@dataclass(frozen=True)
class AlertFacts:
    """What the rules look at in an alert."""

    kind: str
    severity: str
    metric: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class AlertRule:
    """One rule: alerts it matches, and the work order they need (one open per room)."""

    id: str
    crew: str
    type: str
    title: str
    priority: str = "medium"
    description: str = ""
    checklist: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset({"threshold"})
    metrics: frozenset[str] | None = None  # None: any metric
    severities: frozenset[str] = frozenset(SEVERITIES)
    value_above: float | None = None
    value_below: float | None = None
    priority_by_severity: Mapping[str, str] = field(default_factory=dict)
    # Zone diagnosis (domain/zones.py): rooms of one serving unit breaching together make
    # one order on the unit, titled `zone_title` ({asset}, {rooms}; default: unit + title).
    zone: bool = False
    zone_title: str = ""

    def matches(self, alert: AlertFacts) -> bool:
        """True when this rule applies to `alert`."""
        if alert.kind not in self.kinds or alert.severity not in self.severities:
            return False
        if self.metrics is not None and alert.metric not in self.metrics:
            return False
        # A value condition needs a value: direction-specific work is never guessed.
        if self.value_above is not None and (
            alert.value is None or alert.value <= self.value_above
        ):
            return False
        return not (
            self.value_below is not None
            and (alert.value is None or alert.value >= self.value_below)
        )

    def priority_for(self, severity: str) -> str:
        """The work order's priority for an alert of this severity."""
        return self.priority_by_severity.get(severity, self.priority)


def matching_rules(rules: Iterable[AlertRule], alert: AlertFacts) -> list[AlertRule]:
    """Every rule that applies to `alert` (one alert may need work from several crews)."""
    return [rule for rule in rules if rule.matches(alert)]


def _choices(raw: Any, allowed: tuple[str, ...], what: str, rule_id: str) -> frozenset[str]:
    values = [raw] if isinstance(raw, str) else list(raw)
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise InvalidInput(f"rule {rule_id}: {what} must be among {', '.join(allowed)}")
    return frozenset(values)


def parse_rule(raw: Mapping[str, Any]) -> AlertRule:
    """Build one rule from its mapping form (as in alert_rules.yaml), or InvalidInput."""
    rule_id = str(raw.get("id", ""))
    if not rule_id:
        raise InvalidInput("every rule needs an id")
    match: Mapping[str, Any] = raw.get("match") or {}
    work: Mapping[str, Any] = raw.get("work_order") or {}
    for key in ("crew", "type", "title"):
        if not work.get(key):
            raise InvalidInput(f"rule {rule_id}: work_order.{key} is required")
    if work["type"] not in WORK_ORDER_TYPES:
        raise InvalidInput(f"rule {rule_id}: unknown work-order type {work['type']!r}")
    priority = work.get("priority", "medium")
    by_severity: dict[str, str] = {}
    if isinstance(priority, Mapping):
        by_severity = {str(k): str(v) for k, v in priority.items()}
        priority = by_severity.get("warning", "medium")
    for value in (priority, *by_severity.values()):
        _choices(value, PRIORITIES, "priority", rule_id)
    metrics = match.get("metric")
    return AlertRule(
        id=rule_id,
        crew=str(work["crew"]),
        type=str(work["type"]),
        title=str(work["title"]),
        priority=str(priority),
        description=str(work.get("description", "")),
        checklist=tuple(str(item) for item in work.get("checklist", ())),
        kinds=_choices(match.get("kind", "threshold"), ALERT_KINDS, "kind", rule_id),
        metrics=None
        if metrics is None
        else frozenset([metrics] if isinstance(metrics, str) else metrics),
        severities=_choices(match.get("severity", SEVERITIES), SEVERITIES, "severity", rule_id),
        value_above=match.get("value_above"),
        value_below=match.get("value_below"),
        priority_by_severity=by_severity,
        zone=bool(work.get("zone", False)),
        zone_title=str(work.get("zone_title", "")),
    )


def parse_rules(raw: Iterable[Mapping[str, Any]]) -> tuple[AlertRule, ...]:
    """Build a rule set; rule ids must be unique because they key the open work order."""
    rules = tuple(parse_rule(item) for item in raw)
    ids = [rule.id for rule in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidInput(f"duplicate rule ids: {', '.join(duplicates)}")
    return rules
