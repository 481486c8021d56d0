"""Who may see what: the building scope and the visibility rules of the maintenance domain."""

from __future__ import annotations

from itertools import product

import pytest

from maintenance.domain.errors import NotAllowed
from maintenance.domain.transitions import Actor, WorkOrderFacts
from maintenance.domain.visibility import (
    WorkOrderVisibility,
    check_grant,
    may_see_building,
    may_see_colleague,
    may_see_user,
    work_order_visibility,
)
from udara.scope import EVERYTHING, Scope

A, B, AB = Scope.of(["a"]), Scope.of(["b"]), Scope.of(["a", "b"])
CLEANING = frozenset({"cleaning"})


def actor(
    role: str,
    scope: Scope = EVERYTHING,
    name: str = "someone",
    *,
    member_of: frozenset[str] = frozenset(),
    supervises: frozenset[str] = frozenset(),
    active: bool = True,
) -> Actor:
    return Actor(name, role, member_of, supervises, active, scope)


def wo(
    building: str | None = "a", crew: str = "cleaning", assignee: str | None = None
) -> WorkOrderFacts:
    return WorkOrderFacts("open", crew, assignee, building)


# --- Scope --------------------------------------------------------------------------------
@pytest.mark.parametrize("codes", [None, (), [], frozenset()])
def test_no_buildings_named_is_every_building(codes: object) -> None:
    scope = Scope.of(codes)  # type: ignore[arg-type]
    assert scope == EVERYTHING and scope.is_everything and scope.buildings is None
    assert scope.sorted() == []


def test_a_scope_names_each_building_once() -> None:
    scope = Scope.of(["b", "a", "b"])
    assert scope.buildings == frozenset({"a", "b"}) and not scope.is_everything
    assert scope.sorted() == ["a", "b"]


def test_allows() -> None:
    assert EVERYTHING.allows("a") and EVERYTHING.allows("anything") and EVERYTHING.allows(None)
    assert A.allows("a") and not A.allows("b")
    assert not A.allows(None)  # an object of no building is no object of a limited user's
    assert AB.allows("a") and AB.allows("b") and not AB.allows("c")


@pytest.mark.parametrize(
    ("holder", "other", "covers"),
    [
        (EVERYTHING, EVERYTHING, True),
        (EVERYTHING, A, True),
        (A, EVERYTHING, False),  # every building includes ones A does not hold
        (A, A, True),
        (AB, A, True),
        (A, AB, False),
        (A, B, False),
    ],
)
def test_covers(holder: Scope, other: Scope, covers: bool) -> None:
    assert holder.covers(other) is covers


@pytest.mark.parametrize(
    ("one", "other", "overlaps"),
    [
        (EVERYTHING, EVERYTHING, True),
        (EVERYTHING, A, True),
        (A, EVERYTHING, True),
        (A, AB, True),
        (A, B, False),
    ],
)
def test_overlaps_both_ways(one: Scope, other: Scope, overlaps: bool) -> None:
    assert one.overlaps(other) is overlaps and other.overlaps(one) is overlaps


@pytest.mark.parametrize(
    ("scope", "asked", "narrowed"),
    [
        (EVERYTHING, None, None),  # no restriction
        (EVERYTHING, "b", frozenset({"b"})),
        (AB, None, frozenset({"a", "b"})),
        (AB, "a", frozenset({"a"})),
        (A, "b", frozenset()),  # out of scope: nothing can match, like a missing building
    ],
)
def test_narrow(scope: Scope, asked: str | None, narrowed: frozenset[str] | None) -> None:
    assert scope.narrow(asked) == narrowed


def test_narrow_agrees_with_allows() -> None:
    for scope, building in product((EVERYTHING, A, B, AB), ("a", "b", "c")):
        narrowed = scope.narrow(building)
        assert (narrowed is None or building in narrowed) is scope.allows(building)


# --- work orders --------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["facility_manager", "cleaning_supervisor", "viewer"])
def test_other_roles_see_all_work_of_their_buildings(role: str) -> None:
    rule = work_order_visibility(actor(role, A))
    assert rule == WorkOrderVisibility(A)
    assert rule.admits(wo("a", "cleaning")) and rule.admits(wo("a", "hvac", "agus"))
    assert not rule.admits(wo("b", "cleaning")) and not rule.admits(wo(None))
    assert work_order_visibility(actor(role)).admits(wo("b", "hvac"))


def test_technicians_see_their_crews_work_and_what_is_theirs_in_their_buildings() -> None:
    siti = actor("technician", A, "siti", member_of=CLEANING)
    rule = work_order_visibility(siti)
    assert rule == WorkOrderVisibility(A, CLEANING, "siti")
    assert rule.admits(wo("a", "cleaning"))  # their crew's, unassigned
    assert rule.admits(wo("a", "cleaning", "dewi"))  # their crew's, someone else's
    assert rule.admits(wo("a", "hvac", "siti"))  # another crew's, given to them
    assert not rule.admits(wo("a", "hvac"))
    assert not rule.admits(wo("a", "hvac", "agus"))
    # The building comes first: not even work given to them in another building.
    assert not rule.admits(wo("b", "cleaning")) and not rule.admits(wo("b", "hvac", "siti"))


def test_a_technician_who_supervises_a_crew_sees_its_work() -> None:
    lead = actor("technician", EVERYTHING, "lead", supervises=frozenset({"hvac"}))
    assert work_order_visibility(lead).admits(wo("z", "hvac"))
    assert not work_order_visibility(lead).admits(wo("z", "cleaning"))


def test_a_technician_of_no_crew_sees_only_what_is_theirs() -> None:
    rule = work_order_visibility(actor("technician", EVERYTHING, "solo"))
    assert rule.admits(wo("a", "hvac", "solo")) and not rule.admits(wo("a", "hvac"))
    assert not rule.admits(wo("a", "cleaning", None))


def test_may_see_building() -> None:
    assert may_see_building(actor("viewer", A), "a")
    assert not may_see_building(actor("viewer", A), "b")
    assert may_see_building(actor("viewer"), "b")


# --- people -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("admin", "user", "sees"),
    [
        (EVERYTHING, EVERYTHING, True),
        (EVERYTHING, A, True),
        (A, A, True),
        (AB, A, True),
        (A, AB, False),  # a colleague who also works in b
        (A, EVERYTHING, False),  # the company-wide administrator
        (A, B, False),
    ],
)
def test_a_user_administrator_sees_people_entirely_within_their_buildings(
    admin: Scope, user: Scope, sees: bool
) -> None:
    assert may_see_user(actor("facility_manager", admin), user) is sees


@pytest.mark.parametrize("role", ["cleaning_supervisor", "technician", "viewer"])
def test_only_facility_managers_administer_people(role: str) -> None:
    assert not may_see_user(actor(role), A)


def test_an_inactive_manager_administers_nobody() -> None:
    assert not may_see_user(actor("facility_manager", EVERYTHING, active=False), A)


@pytest.mark.parametrize(
    ("holder", "granted"), [(EVERYTHING, EVERYTHING), (EVERYTHING, B), (AB, A), (A, A)]
)
def test_a_manager_gives_what_they_hold(holder: Scope, granted: Scope) -> None:
    check_grant(actor("facility_manager", holder, "rina"), granted)


@pytest.mark.parametrize(
    ("holder", "granted", "named"), [(A, B, "b"), (A, AB, "a, b"), (A, EVERYTHING, "*")]
)
def test_a_manager_cannot_give_what_they_do_not_hold(
    holder: Scope, granted: Scope, named: str
) -> None:
    with pytest.raises(NotAllowed) as refused:
        check_grant(actor("facility_manager", holder, "rina"), granted)
    assert refused.value.code == "scope_not_held"
    assert refused.value.params == {"user": "rina", "buildings": named}


@pytest.mark.parametrize(
    ("mine", "theirs", "sees"),
    [(EVERYTHING, A, True), (A, EVERYTHING, True), (A, AB, True), (A, B, False)],
)
def test_colleagues_are_people_who_share_a_building(mine: Scope, theirs: Scope, sees: bool) -> None:
    assert may_see_colleague(actor("cleaning_supervisor", mine), theirs) is sees
