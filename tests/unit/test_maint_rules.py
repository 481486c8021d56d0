"""Alert-to-work-order rules, including the shipped defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from maintenance.domain.errors import InvalidInput
from maintenance.domain.rules import AlertFacts, matching_rules, parse_rules

RULES_FILE = Path(__file__).parents[2] / "maintenance" / "alert_rules.yaml"
DEFAULTS = parse_rules(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["rules"])


def work_for(kind: str, severity: str, metric: str | None = None, value: float | None = None):
    rules = matching_rules(DEFAULTS, AlertFacts(kind, severity, metric, value))
    return {(r.crew, r.type, r.priority_for(severity)) for r in rules}


def test_co2_needs_hvac_corrective_work_on_ventilation() -> None:
    assert work_for("threshold", "warning", "co2", 1400) == {("hvac", "corrective", "medium")}
    assert work_for("threshold", "critical", "co2", 2600) == {("hvac", "corrective", "high")}


def test_pm25_needs_a_filter_inspection_and_a_deep_clean() -> None:
    assert work_for("threshold", "warning", "pm25", 60) == {
        ("hvac", "corrective", "medium"),
        ("cleaning", "corrective", "medium"),
    }


def test_humidity_direction_decides_the_work() -> None:
    rules = matching_rules(DEFAULTS, AlertFacts("threshold", "warning", "humidity", 75))
    assert [r.id for r in rules] == ["humidity-high"]
    assert "jamur" in rules[0].title  # mould inspection
    rules = matching_rules(DEFAULTS, AlertFacts("threshold", "warning", "humidity", 30))
    assert [r.id for r in rules] == ["humidity-low"]


def test_critical_carbon_monoxide_is_an_emergency_but_a_warning_is_not() -> None:
    assert work_for("threshold", "critical", "co", 40) == {("hvac", "emergency", "urgent")}
    assert work_for("threshold", "warning", "co", 12) == {("hvac", "corrective", "high")}


def test_temperature_goes_to_hvac() -> None:
    assert work_for("threshold", "warning", "temperature", 31) == {("hvac", "corrective", "medium")}


def test_a_silent_sensor_gets_a_technician_check() -> None:
    rules = matching_rules(DEFAULTS, AlertFacts("offline", "warning"))
    assert [r.id for r in rules] == ["sensor-offline"]
    assert rules[0].checklist


def test_every_default_rule_has_a_checklist() -> None:
    assert all(rule.checklist for rule in DEFAULTS)


def test_rule_ids_must_be_unique() -> None:
    raw = {"id": "x", "work_order": {"crew": "hvac", "type": "corrective", "title": "t"}}
    with pytest.raises(InvalidInput, match="duplicate"):
        parse_rules([raw, raw])


@pytest.mark.parametrize(
    "raw",
    [
        {"work_order": {"crew": "hvac", "type": "corrective", "title": "t"}},
        {"id": "x", "work_order": {"crew": "hvac", "type": "repair", "title": "t"}},
        {"id": "x", "work_order": {"crew": "hvac", "type": "corrective"}},
        {"id": "x", "match": {"severity": "fatal"},
         "work_order": {"crew": "hvac", "type": "corrective", "title": "t"}},
        {"id": "x", "work_order": {"crew": "hvac", "type": "corrective", "title": "t",
                                   "priority": "asap"}},
    ],
)  # fmt: skip
def test_malformed_rules_are_rejected(raw: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        parse_rules([raw])
