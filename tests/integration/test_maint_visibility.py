"""The work-order visibility rule on a real database: its list form (a WHERE clause) and its
single-object form (`admits`, behind `get`) agree for every work order and every actor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import product

import pytest

from maintenance.domain.errors import NotFound
from maintenance.domain.transitions import Actor
from maintenance.domain.visibility import work_order_visibility
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from udara.bootstrap import Container
from udara.scope import EVERYTHING, Scope
from udara.settings import Settings

T0 = datetime(2025, 5, 5, 1, 0, tzinfo=UTC)
BUILDINGS = ("a", "b", "c")
CREWS = ("cleaning", "hvac")
ASSIGNEES = (None, "t1", "t2")
SCOPES = (EVERYTHING, Scope.of(["a"]), Scope.of(["a", "b"]))
CREW_SETS: tuple[frozenset[str], ...] = (frozenset(), frozenset({"cleaning"}), frozenset({"hvac"}))
EVERYONE = Actor("boss", "facility_manager")  # reads every building


def actors() -> list[Actor]:
    """Every role in every scope; technicians also by name (t1 has work, t9 none), crews they
    belong to, and crews they lead."""
    found = [
        Actor("someone", role, scope=scope)
        for role, scope in product(("facility_manager", "cleaning_supervisor", "viewer"), SCOPES)
    ]
    found += [
        Actor(name, "technician", member_of, supervises, True, scope)
        for name, member_of, supervises, scope in product(
            ("t1", "t9"), CREW_SETS, (frozenset(), frozenset({"hvac"})), SCOPES
        )
    ]
    return found


@pytest.fixture
def orders(migrated_database_url: str) -> Iterator[tuple[Container, list[WorkOrderView]]]:
    """A work order for every building × crew × assignee (none, t1, t2)."""
    container = Container(Settings(database_url=migrated_database_url, timezone="Asia/Jakarta"))
    users = container.user_service
    users.create("boss", "facility_manager", T0)
    for name in ("t1", "t2"):
        users.create(name, "technician", T0, crews=CREWS)
    for building in BUILDINGS:
        container.location_service.save_room(building, f"{building}-room", kind="office")
    service = container.work_order_service
    made = []
    for building, crew, assignee in product(BUILDINGS, CREWS, ASSIGNEES):
        view = service.create(
            "boss", T0, type="corrective", crew=crew, building=building,
            room=f"{building}-room", title=f"{crew} in {building} for {assignee}",
        )  # fmt: skip
        if assignee is not None:
            view = service.assign(view.id, assignee, "boss", T0)
        made.append(view)
    yield container, made
    container.engine.dispose()


def test_the_list_and_the_single_read_agree_for_every_order_and_actor(
    orders: tuple[Container, list[WorkOrderView]],
) -> None:
    container, made = orders
    service = container.work_order_service
    sizes = set()
    for actor in actors():
        rule = work_order_visibility(actor)
        admitted = {wo.id for wo in made if rule.admits(wo.facts())}
        listed = {wo.id for wo in service.list(viewer=actor, limit=500, now=T0).items}
        readable = set()
        for wo in made:
            try:
                service.get(wo.id, T0, viewer=actor)
            except NotFound:
                continue
            readable.add(wo.id)
        assert listed == readable == admitted, actor
        total = service.list(viewer=actor, limit=1, now=T0).total
        assert total == len(admitted), actor
        for building in BUILDINGS:  # a filter narrows what is visible, never widens it
            narrowed = service.list(WorkOrderFilter(building=building), viewer=actor, limit=500)
            expected = {wo.id for wo in made if wo.id in admitted and wo.building == building}
            assert {wo.id for wo in narrowed.items} == expected, (actor, building)
        sizes.add(len(admitted))
    # The generated actors see anything from nothing to everything.
    assert 0 in sizes and len(made) in sizes and len(sizes) > 4


def test_history_follows_the_same_rule(orders: tuple[Container, list[WorkOrderView]]) -> None:
    container, made = orders
    service = container.work_order_service
    tech = Actor("t1", "technician", frozenset({"cleaning"}), scope=Scope.of(["a"]))
    rule = work_order_visibility(tech)
    for wo in made:
        if rule.admits(wo.facts()):
            assert service.history(wo.id, viewer=tech)
        else:
            with pytest.raises(NotFound):
                service.history(wo.id, viewer=tech)


def test_a_person_only_of_other_buildings_cannot_be_given_work_and_is_no_one(
    orders: tuple[Container, list[WorkOrderView]],
) -> None:
    container, made = orders
    users, service = container.user_service, container.work_order_service
    users.create("rina", "facility_manager", T0, buildings=("a",))
    users.create("elsewhere", "technician", T0, crews=CREWS, buildings=("b",))
    users.create("both", "technician", T0, crews=CREWS, buildings=("a", "b"))
    in_a = next(wo for wo in made if wo.building == "a" and wo.assignee is None)
    with pytest.raises(NotFound) as unknown:
        service.assign(in_a.id, "nobody", "rina", T0)
    with pytest.raises(NotFound) as elsewhere:
        service.assign(in_a.id, "elsewhere", "rina", T0)
    assert (elsewhere.value.code, elsewhere.value.params) == ("no_user", {"user": "elsewhere"})
    assert unknown.value.code == elsewhere.value.code
    assert service.get(in_a.id, T0, viewer=EVERYONE).assignee is None  # nothing changed
    assert service.assign(in_a.id, "both", "rina", T0).assignee == "both"
