"""Work-order status machine and role rules."""

from __future__ import annotations

import pytest

from maintenance.domain.errors import InvalidTransition, NotAllowed
from maintenance.domain.transitions import (
    TRANSITIONS,
    Actor,
    WorkOrderFacts,
    check_assign,
    check_comment,
    check_create,
    check_manage_plans,
    check_transition,
    check_work_on,
)

MANAGER = Actor("bu-rina", "facility_manager")
SUPERVISOR = Actor(
    "pak-budi", "cleaning_supervisor", frozenset({"cleaning"}), frozenset({"cleaning"})
)
CLEANER = Actor("siti", "technician", member_of=frozenset({"cleaning"}))
OTHER_CLEANER = Actor("dewi", "technician", member_of=frozenset({"cleaning"}))
HVAC_TECH = Actor("agus", "technician", member_of=frozenset({"hvac"}))
VIEWER = Actor("tamu", "viewer")


def wo(status: str = "open", crew: str = "cleaning", assignee: str | None = None) -> WorkOrderFacts:
    return WorkOrderFacts(status=status, crew=crew, assignee=assignee)


def test_terminal_statuses_have_no_way_out() -> None:
    assert TRANSITIONS["verified"] == frozenset()
    assert TRANSITIONS["cancelled"] == frozenset()


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("open", "done"),
        ("open", "verified"),
        ("assigned", "done"),
        ("on_hold", "done"),
        ("done", "open"),
        ("verified", "in_progress"),
        ("cancelled", "open"),
    ],
)
def test_skipping_steps_is_an_invalid_transition(start: str, target: str) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(MANAGER, wo(start, assignee="siti"), target)


def test_assigned_is_reached_only_by_assigning() -> None:
    with pytest.raises(InvalidTransition, match="assign"):
        check_transition(MANAGER, wo("open"), "assigned")


def test_assignee_walks_their_work_from_start_to_done() -> None:
    check_transition(CLEANER, wo("assigned", assignee="siti"), "in_progress")
    check_transition(CLEANER, wo("in_progress", assignee="siti"), "on_hold")
    check_transition(CLEANER, wo("on_hold", assignee="siti"), "in_progress")
    check_transition(CLEANER, wo("in_progress", assignee="siti"), "done")


def test_a_crew_member_may_not_touch_a_colleagues_work() -> None:
    with pytest.raises(NotAllowed):
        check_transition(OTHER_CLEANER, wo("in_progress", assignee="siti"), "done")


def test_a_crew_member_may_start_unassigned_work_of_their_own_crew_only() -> None:
    check_transition(CLEANER, wo("open"), "in_progress")
    with pytest.raises(NotAllowed):
        check_transition(HVAC_TECH, wo("open"), "in_progress")


def test_only_managers_cancel_and_verify() -> None:
    with pytest.raises(NotAllowed):
        check_transition(CLEANER, wo("assigned", assignee="siti"), "cancelled")
    with pytest.raises(NotAllowed):
        check_transition(CLEANER, wo("done", assignee="dewi"), "verified")
    check_transition(SUPERVISOR, wo("done", assignee="siti"), "verified")
    check_transition(MANAGER, wo("in_progress", crew="hvac", assignee="agus"), "cancelled")


def test_supervisors_manage_only_the_crews_they_supervise() -> None:
    with pytest.raises(NotAllowed):
        check_transition(SUPERVISOR, wo("done", crew="hvac", assignee="agus"), "verified")


def test_nobody_verifies_their_own_work() -> None:
    with pytest.raises(NotAllowed, match="themselves"):
        check_transition(SUPERVISOR, wo("done", assignee="pak-budi"), "verified")


def test_only_a_manager_reopens_finished_work() -> None:
    check_transition(SUPERVISOR, wo("done", assignee="siti"), "in_progress")
    with pytest.raises(NotAllowed):
        check_transition(CLEANER, wo("done", assignee="siti"), "in_progress")


def test_viewers_and_deactivated_users_change_nothing() -> None:
    gone = Actor("bu-rina", "facility_manager", active=False)
    for actor in (VIEWER, gone):
        with pytest.raises(NotAllowed):
            check_transition(actor, wo("open"), "cancelled")
        with pytest.raises(NotAllowed):
            check_comment(actor)


def test_assignment_needs_a_manager_and_a_crew_member() -> None:
    check_assign(SUPERVISOR, wo("open"), CLEANER)
    with pytest.raises(NotAllowed, match="not in the cleaning crew"):
        check_assign(SUPERVISOR, wo("open"), HVAC_TECH)
    with pytest.raises(NotAllowed):
        check_assign(CLEANER, wo("open"), OTHER_CLEANER)
    with pytest.raises(NotAllowed):
        check_assign(MANAGER, wo("open"), VIEWER)


def test_a_technician_may_take_open_work_of_their_crew() -> None:
    check_assign(CLEANER, wo("open"), CLEANER)
    with pytest.raises(NotAllowed):
        check_assign(CLEANER, wo("assigned", assignee="dewi"), CLEANER)


def test_finished_work_cannot_be_reassigned() -> None:
    with pytest.raises(InvalidTransition):
        check_assign(MANAGER, wo("done", assignee="siti"), OTHER_CLEANER)


def test_checklist_work_is_for_the_assignee_or_a_manager() -> None:
    check_work_on(CLEANER, wo("in_progress", assignee="siti"))
    check_work_on(SUPERVISOR, wo("in_progress", assignee="siti"))
    with pytest.raises(NotAllowed):
        check_work_on(OTHER_CLEANER, wo("in_progress", assignee="siti"))
    with pytest.raises(InvalidTransition):
        check_work_on(MANAGER, wo("verified", assignee="siti"))


def test_supervisors_and_managers_create_work_for_any_crew_and_manage_plans() -> None:
    check_create(SUPERVISOR, "hvac")
    check_create(MANAGER, "cleaning")
    check_manage_plans(SUPERVISOR)
    with pytest.raises(NotAllowed):
        check_create(CLEANER, "cleaning")
    with pytest.raises(NotAllowed):
        check_manage_plans(HVAC_TECH)
