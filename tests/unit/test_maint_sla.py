"""SLA targets, overdue detection and escalation levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from maintenance.domain.sla import default_targets, evaluate

T0 = datetime(2025, 5, 5, 8, 0, tzinfo=UTC)
EMERGENCY = default_targets()[("emergency", "urgent")]


def status_at(minutes: int, status: str = "open"):
    return evaluate(
        status=status,
        respond_by=T0 + EMERGENCY.respond,
        due_at=T0 + EMERGENCY.resolve,
        now=T0 + timedelta(minutes=minutes),
        response_window=EMERGENCY.respond,
    )


def test_every_type_and_priority_has_a_target_and_emergencies_are_fast() -> None:
    targets = default_targets()
    assert len(targets) == 16
    assert EMERGENCY.respond == timedelta(minutes=15)
    assert EMERGENCY.resolve == timedelta(hours=4)
    assert all(t.respond < t.resolve for t in targets.values())


def test_urgent_work_is_answered_faster_than_low_priority_work() -> None:
    targets = default_targets()
    for kind in ("routine", "preventive", "corrective"):
        assert targets[(kind, "urgent")].respond < targets[(kind, "low")].respond


def test_within_targets_nothing_escalates() -> None:
    s = status_at(10)
    assert (s.response_breached, s.overdue, s.escalation_level, s.escalate_to) == (
        False, False, 0, None,
    )  # fmt: skip


def test_unanswered_past_the_response_target_goes_to_the_supervisor() -> None:
    s = status_at(16)
    assert s.response_breached and not s.overdue
    assert (s.escalation_level, s.escalate_to) == (1, "crew_supervisor")


def test_someone_responding_stops_the_response_breach() -> None:
    assert status_at(16, "in_progress").escalation_level == 0


def test_overdue_goes_to_the_supervisor_then_to_the_facility_manager() -> None:
    s = status_at(4 * 60 + 1, "in_progress")
    assert s.overdue and s.escalation_level == 1
    s = status_at(4 * 60 + 16, "in_progress")
    assert (s.escalation_level, s.escalate_to) == (2, "facility_manager")


def test_finished_work_is_never_overdue() -> None:
    for status in ("done", "verified", "cancelled"):
        s = status_at(10 * 60, status)
        assert not s.overdue and s.escalation_level == 0
