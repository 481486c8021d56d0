"""The building register on SQLite and PostgreSQL: who may see and shape which buildings,
discovery living alongside hand-made rooms, and merging a typo room into the right one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from ingest.adapters.orm import AlertRow
from ingest.alert_service import AlertService
from ingest.domain.alerts import AlertChange, AlertKey
from maintenance.adapters.orm import Room, RoomAlias, WorkOrder, WorkOrderAlert, WorkOrderEvent
from maintenance.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from maintenance.domain.hours import parse_hours
from maintenance.domain.transitions import SYSTEM, Actor
from maintenance.services.buildings import BuildingService
from maintenance.services.plan_rows import PlanSpec
from udara.bootstrap import Container
from udara.scope import EVERYTHING, Scope
from udara.settings import Settings

T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
ADMIN = Actor("rina", "facility_manager")  # every building
HQ_MANAGER = Actor("budi", "facility_manager", scope=Scope.of({"hq"}))
HQ_SUPERVISOR = Actor(
    "sari", "cleaning_supervisor", frozenset({"cleaning"}), scope=Scope.of({"hq"})
)
HQ_VIEWER = Actor("tamu", "viewer", scope=Scope.of({"hq"}))


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[Container]:
    """Services on a migrated database: buildings hq (floor l2, room lobi) and depot, and
    the facility manager rina."""
    container = Container(
        Settings(_env_file=None, database_url=migrated_database_url, timezone="Asia/Jakarta")  # type: ignore[call-arg]
    )
    container.user_service.create("rina", "facility_manager", T0)
    register = container.building_service
    register.create_building(ADMIN, "hq", name="Kantor Pusat")
    register.create_building(ADMIN, "depot", name="Gudang", timezone="Asia/Makassar")
    register.add_floor(ADMIN, "hq", "l2", name="Lantai 2", level=2)
    register.add_room(ADMIN, "hq", "lobi", name="Lobi Utama")
    yield container
    container.close()


def register(app: Container) -> BuildingService:
    return app.building_service


def test_a_building_is_created_with_its_zone_and_operating_hours(app: Container) -> None:
    hours = parse_hours("mon-fri 07:00-19:00,sat 08:00-13:00,sun closed")
    made = register(app).create_building(
        ADMIN, "menara-b", name="Menara B", timezone="Asia/Jayapura", hours=hours
    )
    assert (made.code, made.name, made.timezone) == ("menara-b", "Menara B", "Asia/Jayapura")
    assert made.hours == "mon-fri 07:00-19:00,sat 08:00-13:00,sun closed"
    assert made.hours_by_day["sat"] == [["08:00", "13:00"]]
    assert register(app).building(ADMIN, "menara-b") == made
    hq = register(app).building(ADMIN, "hq")
    assert (hq.timezone, hq.hours, hq.floors, hq.rooms) == ("Asia/Jakarta", "", 2, 1)


def test_building_codes_names_and_zones_are_checked(app: Container) -> None:
    with pytest.raises(Conflict):
        register(app).create_building(ADMIN, "hq")
    with pytest.raises(InvalidInput) as bad_zone:
        register(app).create_building(ADMIN, "b2", timezone="Asia/Atlantis")
    assert bad_zone.value.code == "unknown_time_zone"
    with pytest.raises(InvalidInput) as bad_code:
        register(app).create_building(ADMIN, "Menara B")
    assert bad_code.value.code == "bad_code"
    with pytest.raises(InvalidInput):
        register(app).create_building(ADMIN, "b3", name="x" * 101)
    assert [b.code for b in register(app).buildings(ADMIN)] == ["depot", "hq"]


def test_a_scoped_manager_sees_and_edits_only_their_buildings(app: Container) -> None:
    hq = register(app)
    assert [b.code for b in hq.buildings(HQ_MANAGER)] == ["hq"]
    updated = hq.update_building(
        HQ_MANAGER, "hq", name="Kantor Pusat Baru", hours=parse_hours("mon-fri 08:00-17:00")
    )
    assert (updated.name, updated.hours) == ("Kantor Pusat Baru", "mon-fri 08:00-17:00")
    hq.add_floor(HQ_MANAGER, "hq", "l3", level=3)
    assert hq.add_room(HQ_MANAGER, "hq", "l3-rapat").floor == "l3"
    for attempt in (
        lambda: hq.building(HQ_MANAGER, "depot"),
        lambda: hq.rooms(HQ_MANAGER, "depot"),
        lambda: hq.floors(HQ_MANAGER, "depot"),
        lambda: hq.update_building(HQ_MANAGER, "depot", name="Mine now"),
        lambda: hq.add_floor(HQ_MANAGER, "depot", "l1"),
        lambda: hq.add_room(HQ_MANAGER, "depot", "r1"),
        lambda: hq.building(HQ_MANAGER, "no-such-building"),
    ):
        with pytest.raises(NotFound) as hidden:
            attempt()
        assert hidden.value.code == "no_building"  # out of reach reads exactly like missing
    assert register(app).building(ADMIN, "depot").name == "Gudang"


def test_only_a_manager_of_every_building_creates_buildings(app: Container) -> None:
    with pytest.raises(NotAllowed) as refused:
        register(app).create_building(HQ_MANAGER, "cabang")
    assert refused.value.code == "may_not_create_buildings"
    with pytest.raises(NotAllowed):
        register(app).create_building(Actor("sup", "cleaning_supervisor"), "cabang")
    assert [b.code for b in register(app).buildings(ADMIN)] == ["depot", "hq"]


def test_other_roles_read_their_buildings_but_do_not_change_them(app: Container) -> None:
    assert [r.code for r in register(app).rooms(HQ_VIEWER, "hq")] == ["lobi"]
    for actor in (HQ_SUPERVISOR, HQ_VIEWER, Actor("rina", "facility_manager", active=False)):
        with pytest.raises(NotAllowed):
            register(app).add_room(actor, "hq", "r9")
        with pytest.raises(NotAllowed):
            register(app).update_room(actor, "hq", "lobi", name="Lobi")
    with pytest.raises(NotFound):  # not even a refusal says that depot exists
        register(app).add_room(HQ_SUPERVISOR, "depot", "r9")


def test_rooms_are_placed_named_and_edited(app: Container) -> None:
    rooms = register(app)
    assert rooms.room(ADMIN, "hq", "lobi").floor == "default"
    by_prefix = rooms.add_room(ADMIN, "hq", "l2-pantry")
    assert (by_prefix.floor, by_prefix.kind, by_prefix.traffic) == ("l2", "pantry", "high")
    new_floor = rooms.add_room(ADMIN, "hq", "r301", floor="l3", name="Ruang 301", kind="office")
    assert (new_floor.floor, new_floor.name, new_floor.traffic) == ("l3", "Ruang 301", "normal")
    with pytest.raises(Conflict):
        rooms.add_room(ADMIN, "hq", "r301")
    renamed = rooms.update_room(ADMIN, "hq", "r301", name="Ruang Direksi", kind="meeting_room")
    assert (renamed.name, renamed.kind, renamed.traffic) == (
        "Ruang Direksi",
        "meeting_room",
        "normal",
    )
    busy = rooms.update_room(ADMIN, "hq", "r301", traffic="high", floor="l2")
    assert (busy.traffic, busy.floor, busy.name) == ("high", "l2", "Ruang Direksi")
    with pytest.raises(InvalidInput):
        rooms.update_room(ADMIN, "hq", "r301", kind="ballroom")
    with pytest.raises(NotFound):
        rooms.update_room(ADMIN, "hq", "r999", name="x")
    floors = {f.code: f for f in rooms.floors(ADMIN, "hq")}
    assert [f.code for f in floors.values()] == ["l2", "default", "l3"]  # unlevelled last
    assert (floors["l2"].rooms, floors["l3"].rooms, floors["l3"].name) == (2, 0, "l3")
    assert rooms.update_floor(ADMIN, "hq", "l3", name="Lantai 3", level=3).level == 3
    assert [f.code for f in rooms.floors(ADMIN, "hq")] == ["l2", "l3", "default"]
    with pytest.raises(Conflict):
        rooms.add_floor(ADMIN, "hq", "l2")
    with pytest.raises(InvalidInput):
        rooms.add_floor(ADMIN, "hq", "l99", level=999)


def test_discovery_keeps_a_hand_made_room_as_it_is(app: Container) -> None:
    register(app).add_room(ADMIN, "hq", "l2-rapat", name="Ruang Rapat Besar", kind="meeting_room")
    locations = app.location_service
    assert locations.discover_rooms([("hq", "l2-rapat"), ("hq", "l2-baru")]) == 1
    assert locations.ensure_room("hq", "l2-rapat").name == "Ruang Rapat Besar"
    assert [r.code for r in register(app).rooms(ADMIN, "hq")] == ["l2-baru", "l2-rapat", "lobi"]


def _alerts(app: Container) -> AlertService:
    return AlertService(app.session_factory, listeners=[app.alert_work_orders])


def _room_id(app: Container, code: str) -> int:
    with app.session_factory() as session:
        return session.scalars(select(Room.id).where(Room.code == code)).one()


def test_a_typo_room_merged_into_the_right_one_brings_its_work_and_history(
    app: Container,
) -> None:
    locations, rooms = app.location_service, register(app)
    rooms.add_room(ADMIN, "hq", "l2-rapat", name="Ruang Rapat")
    locations.discover_rooms([("hq", "l2-rapta")])  # a sensor configured with a typo
    alerts = _alerts(app)
    co2 = AlertKey("hq", "l2-rapta", "co2", "warning")
    [old] = alerts.apply([AlertChange("open", co2, T0, value=1300.0)])
    alerts.apply([AlertChange("clear", co2, T0)])
    [still_open] = alerts.apply([AlertChange("open", co2, T0, value=1400.0)])
    manual = app.work_order_service.create(
        "rina", T0, type="routine", crew="cleaning", building="hq", room="l2-rapta", title="Lap"
    )
    plan = app.plan_service.create(
        PlanSpec("rapta-clean", "Bersihkan", "routine", "cleaning", "hq", "daily", date(2026, 3, 1),
                 room="l2-rapta"),
        "rina", T0,
    )  # fmt: skip

    merged = rooms.merge_rooms(ADMIN, "hq", "l2-rapta", "l2-rapat", T0)

    assert (merged.code, merged.aliases) == ("l2-rapat", ("l2-rapta",))
    with pytest.raises(NotFound):
        rooms.room(ADMIN, "hq", "l2-rapta")
    assert app.work_order_service.get(manual.id, T0, viewer=SYSTEM).room == "l2-rapat"
    assert app.plan_service.get(plan.id, scope=EVERYTHING).room == "l2-rapat"
    with app.session_factory() as session:
        rows = session.scalars(select(AlertRow).order_by(AlertRow.id)).all()
        assert [(a.id, a.room, a.state) for a in rows] == [
            (old.id, "l2-rapat", "resolved"),
            (still_open.id, "l2-rapat", "resolved"),  # open at the merge: resolved by it
        ]
        assert all(a.open_key is None for a in rows)
        links = session.scalars(select(WorkOrderAlert)).all()
        assert links and all(link.resolved_at is not None for link in links)
        moved = session.scalars(
            select(WorkOrderEvent).where(WorkOrderEvent.action == "room_merged")
        ).all()
        assert {e.work_order_id for e in moved} >= {manual.id}
        assert moved[0].detail == {"from_room": "l2-rapta", "into": "l2-rapat"}


def test_a_merged_code_is_never_a_room_again(app: Container) -> None:
    locations, rooms = app.location_service, register(app)
    locations.discover_rooms([("hq", "lobbi")])
    rooms.merge_rooms(ADMIN, "hq", "lobbi", "lobi", T0)
    assert locations.discover_rooms([("hq", "lobbi")]) == 0
    assert locations.ensure_room("hq", "lobbi").code == "lobi"
    assert locations.save_room("hq", "lobbi").code == "lobi"  # plan files, the seed
    assert ("hq", "lobbi") in locations.room_keys()
    assert locations.aliases() == {("hq", "lobbi"): "lobi"}
    with pytest.raises(Conflict) as taken:
        rooms.add_room(ADMIN, "hq", "lobbi")
    assert taken.value.params["into"] == "lobi"
    # An alert of the merged code (a sensor still on the old topic) makes work for the room.
    [alert] = _alerts(app).apply(
        [AlertChange("open", AlertKey("hq", "lobbi", "pm25", "critical"), T0, value=90.0)]
    )
    with app.session_factory() as session:
        rooms_of_work = set(session.scalars(select(WorkOrder.room_id)))
    assert rooms_of_work == {_room_id(app, "lobi")}
    assert [r.code for r in rooms.rooms(ADMIN, "hq")] == ["lobi"]


def test_merging_again_carries_earlier_aliases_along(app: Container) -> None:
    locations, rooms = app.location_service, register(app)
    locations.discover_rooms([("hq", "lobii"), ("hq", "lobbi")])
    rooms.merge_rooms(ADMIN, "hq", "lobii", "lobbi", T0)
    rooms.merge_rooms(ADMIN, "hq", "lobbi", "lobi", T0)
    assert rooms.room(ADMIN, "hq", "lobi").aliases == ("lobbi", "lobii")
    assert locations.ensure_room("hq", "lobii").code == "lobi"


def test_open_alert_work_of_both_rooms_stays_one_open_order_per_rule(app: Container) -> None:
    app.location_service.discover_rooms([("hq", "lobbi")])
    alerts = _alerts(app)
    alerts.apply(
        [
            AlertChange("open", AlertKey("hq", "lobi", "pm25", "critical"), T0, value=90.0),
            AlertChange("open", AlertKey("hq", "lobbi", "pm25", "critical"), T0, value=95.0),
            AlertChange("open", AlertKey("hq", "lobbi", "co2", "warning"), T0, value=1300.0),
        ]
    )
    register(app).merge_rooms(ADMIN, "hq", "lobbi", "lobi", T0)
    lobi = _room_id(app, "lobi")
    with app.session_factory() as session:
        orders = session.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
    assert {wo.room_id for wo in orders} == {lobi}
    keys = [wo.open_key for wo in orders if wo.open_key is not None]
    assert len(keys) == len(set(keys)) and all(k.startswith(f"{lobi}/") for k in keys)
    assert any(wo.open_key is None and wo.status == "open" for wo in orders)  # the duplicate
    # The next pm25 alert of the room attaches to the room's order, not a new one.
    before = len(orders)
    alerts.apply([AlertChange("clear", AlertKey("hq", "lobi", "pm25", "critical"), T0)])
    alerts.apply([AlertChange("open", AlertKey("hq", "lobi", "pm25", "critical"), T0, value=80.0)])
    with app.session_factory() as session:
        assert len(session.scalars(select(WorkOrder)).all()) == before


def test_a_room_is_not_merged_into_itself_nor_across_reach(app: Container) -> None:
    rooms = register(app)
    with pytest.raises(InvalidInput):
        rooms.merge_rooms(ADMIN, "hq", "lobi", "lobi", T0)
    with pytest.raises(NotFound):
        rooms.merge_rooms(ADMIN, "hq", "lobi", "nowhere", T0)
    rooms.add_room(ADMIN, "depot", "r1")
    with pytest.raises(NotFound):
        rooms.merge_rooms(HQ_MANAGER, "depot", "r1", "r1", T0)
    with app.session_factory() as session:
        assert session.scalars(select(RoomAlias)).all() == []


def test_two_people_merging_the_same_room_at_once_get_one_merge_and_one_404(
    app: Container,
) -> None:
    app.location_service.discover_rooms([("hq", "lobbi"), ("hq", "lobby")])
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def merge(into: str) -> None:
        start.wait()
        try:
            register(app).merge_rooms(ADMIN, "hq", "lobbi", into, T0)
            outcomes.append(f"merged into {into}")
        except NotFound:
            outcomes.append("not found")

    threads = [threading.Thread(target=merge, args=(into,)) for into in ("lobi", "lobby")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[1] == "not found" and outcomes[0] != outcomes[1]
    aliases = app.location_service.aliases()
    assert list(aliases) == [("hq", "lobbi")]
