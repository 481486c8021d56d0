"""Occupant domain: folding reports into requests, category rules, request status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from occupants.domain.air import plain_word
from occupants.domain.model import (
    CATEGORIES,
    FOLD_WINDOW,
    OpenRequest,
    clean_symptoms,
    fold_key,
    folds_into,
    request_status,
)
from occupants.domain.rules import RuleError, parse_rules, route
from occupants.services.requests import check_contact, load_rules

T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def test_a_report_within_thirty_minutes_of_the_first_folds_into_its_request() -> None:
    open_request = OpenRequest(T0, closed=False)
    assert folds_into(open_request, T0)
    assert folds_into(open_request, T0 + timedelta(minutes=29, seconds=59))
    assert not folds_into(open_request, T0 + FOLD_WINDOW)
    assert not folds_into(open_request, T0 + timedelta(hours=2))


def test_a_closed_request_or_none_takes_no_more_reports() -> None:
    assert not folds_into(None, T0)
    assert not folds_into(OpenRequest(T0, closed=True), T0 + timedelta(minutes=1))


def test_the_fold_key_is_per_room_and_category() -> None:
    assert fold_key(7, "dirty") == "7/dirty"
    assert fold_key(7, "dirty") != fold_key(7, "smell") != fold_key(8, "smell")


def test_the_request_status_follows_its_work_order() -> None:
    assert request_status("new", None) == "new"
    assert request_status("in_work_order", "open") == "in_work_order"
    assert request_status("in_work_order", "in_progress") == "in_work_order"
    assert request_status("in_work_order", "done") == "done"
    assert request_status("in_work_order", "verified") == "done"
    assert request_status("in_work_order", "cancelled") == "rejected"
    assert request_status("rejected", None) == "rejected"


def test_symptoms_are_kept_only_for_symptom_and_stuffy_reports_once_each_in_order() -> None:
    given = ["fatigue", "headache", "headache", "<script>", "cough"]
    assert clean_symptoms("symptoms", given) == ("headache", "cough", "fatigue")
    assert clean_symptoms("stuffy", ["cough"]) == ("cough",)
    assert clean_symptoms("dirty", ["cough"]) == ()


def test_the_shipped_rules_route_every_category() -> None:
    rules = load_rules()
    assert set(rules) == set(CATEGORIES)
    dirty_lobby = route(rules, "dirty", "high")
    assert (dirty_lobby.triage, dirty_lobby.crew, dirty_lobby.type, dirty_lobby.priority) == (
        False, "cleaning", "corrective", "high",
    )  # fmt: skip
    assert route(rules, "dirty", "normal").priority == "medium"
    assert route(rules, "trash_full", "low").priority == "low"
    assert route(rules, "supplies_empty", "high").crew == "cleaning"
    assert route(rules, "smell", "normal").crew == "cleaning"
    for category in ("too_hot", "too_cold", "stuffy"):
        assert route(rules, category, "normal").crew == "hvac"
    leak = route(rules, "leak", "low")
    assert (leak.crew, leak.priority) == ("hvac", "high")
    assert route(rules, "symptoms", "high").triage
    assert route(rules, "other", "normal").triage


def test_rules_files_are_checked() -> None:
    complete = {c: {"triage": True} for c in CATEGORIES}
    with pytest.raises(RuleError, match="no rule for dirty"):
        parse_rules({k: v for k, v in complete.items() if k != "dirty"})
    with pytest.raises(RuleError, match="unknown category"):
        parse_rules({**complete, "graffiti": {"triage": True}})
    with pytest.raises(RuleError, match="priority"):
        parse_rules({**complete, "dirty": {"crew": "cleaning", "priority": "whenever"}})
    with pytest.raises(RuleError, match="crew"):
        parse_rules({**complete, "dirty": {"priority": "low"}})


def test_air_is_told_in_plain_words_from_the_grid_status() -> None:
    assert [plain_word(s) for s in ("ok", "warning", "critical", "no_data")] == [
        "good", "attention", "poor", None,
    ]  # fmt: skip


def test_a_contact_is_an_email_address_or_a_phone_number() -> None:
    assert check_contact(" siti@example.co.id ") == "siti@example.co.id"
    assert check_contact("+62 812-3456-7890") == "+62 812-3456-7890"
    assert check_contact("") is None
    for bad in ("<b>hi</b>", "siti", "x" * 300 + "@example.com", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            check_contact(bad)
