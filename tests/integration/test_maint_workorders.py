"""Work-order services on a real database: roles, transitions, history, SLAs, people, rooms."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from maintenance.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from udara.bootstrap import Container
from udara.scope import EVERYTHING
from udara.settings import Settings

T0 = datetime(2025, 5, 5, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[Container]:
    """Services on a migrated database, with a facility manager, a supervisor and a cleaner."""
    container = Container(Settings(database_url=migrated_database_url, timezone="Asia/Jakarta"))
    users = container.user_service
    users.create("rina", "facility_manager", T0, password="rahasia-rina")
    users.create("budi", "cleaning_supervisor", T0, crews=("cleaning",))
    users.create("siti", "technician", T0, crews=("cleaning",))
    users.create("dewi", "technician", T0, crews=("cleaning",))
    users.create("agus", "technician", T0, crews=("hvac",))
    container.location_service.save_room("menara-a", "lt1-lobi", floor="lt1", kind="lobby")
    yield container
    container.engine.dispose()


def raise_lobby_order(app: Container, **kwargs: object):
    defaults: dict[str, object] = {
        "type": "corrective", "crew": "cleaning", "building": "menara-a", "room": "lt1-lobi",
        "title": "Tumpahan kopi di lobi", "priority": "high",
        "checklist": ("Bersihkan", "Keringkan"),
    }  # fmt: skip
    return app.work_order_service.create("budi", T0, **{**defaults, **kwargs})  # type: ignore[arg-type]


def test_a_work_order_walks_from_open_to_verified_with_its_history(app: Container) -> None:
    wos = app.work_order_service
    wo = raise_lobby_order(app)
    assert (wo.status, wo.crew, wo.room, wo.floor, wo.source) == (
        "open",
        "cleaning",
        "lt1-lobi",
        "lt1",
        "manual",
    )
    assert wo.due_at == T0 + timedelta(hours=24) and wo.respond_by == T0 + timedelta(hours=2)
    wos.assign(wo.id, "siti", "budi", T0 + timedelta(minutes=5))
    wos.transition(wo.id, "in_progress", "siti", T0 + timedelta(minutes=10))
    wos.tick(wo.id, 0, True, "siti", T0 + timedelta(minutes=20))
    with pytest.raises(InvalidTransition, match="checklist"):
        wos.transition(wo.id, "done", "siti", T0 + timedelta(minutes=25))
    wos.tick(wo.id, 1, True, "siti", T0 + timedelta(minutes=25))
    done = wos.transition(
        wo.id, "done", "siti", T0 + timedelta(minutes=30), notes="Sudah kering", time_spent=20
    )
    assert (done.completion_notes, done.time_spent_minutes) == ("Sudah kering", 20)
    with pytest.raises(NotAllowed):
        wos.transition(wo.id, "verified", "siti", T0 + timedelta(minutes=40))
    verified = wos.transition(wo.id, "verified", "budi", T0 + timedelta(minutes=45))
    assert verified.status == "verified" and verified.responded_at == T0 + timedelta(minutes=5)
    history = wos.history(wo.id, viewer=SYSTEM)
    assert [(e.actor, e.action, e.to_status) for e in history] == [
        ("budi", "created", "open"), ("budi", "assigned", "assigned"),
        ("siti", "status", "in_progress"), ("siti", "checklist", None),
        ("siti", "checklist", None), ("siti", "status", "done"), ("budi", "status", "verified"),
    ]  # fmt: skip
    assert history[5].detail == {"notes": "Sudah kering", "time_spent_minutes": 20}


def test_roles_are_enforced_by_the_service(app: Container) -> None:
    wos = app.work_order_service
    wo = raise_lobby_order(app)
    with pytest.raises(NotAllowed):
        wos.create("siti", T0, type="corrective", crew="cleaning", building="menara-a", title="x")
    with pytest.raises(NotAllowed):
        wos.assign(wo.id, "dewi", "siti", T0)
    with pytest.raises(NotAllowed, match="not in the cleaning crew"):
        wos.assign(wo.id, "agus", "budi", T0)
    wos.assign(wo.id, "siti", "budi", T0)
    with pytest.raises(NotAllowed):
        wos.transition(wo.id, "in_progress", "dewi", T0)
    with pytest.raises(NotAllowed):
        wos.transition(wo.id, "cancelled", "siti", T0)
    with pytest.raises(InvalidTransition):
        wos.transition(wo.id, "verified", "rina", T0)
    with pytest.raises(NotFound):
        wos.transition(999_999, "cancelled", "rina", T0)
    with pytest.raises(NotFound):
        wos.transition(wo.id, "cancelled", "nobody", T0)
    assert wos.transition(wo.id, "cancelled", "rina", T0, notes="Dobel").status == "cancelled"


def test_a_technician_can_pick_up_open_work_of_their_crew(app: Container) -> None:
    wo = raise_lobby_order(app)
    started = app.work_order_service.transition(wo.id, "in_progress", "dewi", T0)
    assert (started.status, started.assignee) == ("in_progress", "dewi")


def test_lists_filter_paginate_and_flag_overdue(app: Container) -> None:
    wos = app.work_order_service
    for i in range(7):
        raise_lobby_order(app, title=f"Order {i}", priority="low" if i % 2 else "urgent")
    raise_lobby_order(app, crew="hvac", title="AC bocor")
    page = wos.list(WorkOrderFilter(crew="cleaning"), limit=3, offset=3, now=T0, viewer=SYSTEM)
    assert (page.total, len(page.items)) == (7, 3)
    urgent = wos.list(WorkOrderFilter(priority="urgent", floor="lt1"), now=T0, viewer=SYSTEM)
    assert urgent.total == 4
    late = wos.list(WorkOrderFilter(overdue=True), now=T0 + timedelta(hours=9), viewer=SYSTEM)
    assert {wo.priority for wo in late.items} == {"urgent"}  # urgent corrective: 8 h
    assert all(wo.overdue for wo in late.items)
    with pytest.raises(InvalidInput):
        WorkOrderFilter(status="finished")
    assert page.to_json()["total"] == 7


def test_work_order_json_has_the_contract_fields(app: Container) -> None:
    data = raise_lobby_order(app).to_json()
    for key in ("id", "type", "crew", "building", "room", "title", "priority", "status",
                "assignee", "due_at", "plan_id", "occurrence_at", "alert_id"):  # fmt: skip
        assert key in data
    assert data["due_at"] == "2025-05-06T01:00:00+00:00"


def test_sla_breaches_escalate_once_per_level(app: Container) -> None:
    wo = raise_lobby_order(app, type="emergency", priority="urgent", title="Banjir di lobi")
    sla = app.sla_service
    assert sla.escalate(T0 + timedelta(minutes=10)) == 0
    assert sla.escalate(T0 + timedelta(minutes=16)) == 1
    assert sla.escalate(T0 + timedelta(minutes=17)) == 0
    assert sla.status(wo.id, T0 + timedelta(minutes=17)).escalate_to == "crew_supervisor"
    assert sla.escalate(T0 + timedelta(hours=4, minutes=16)) == 1
    events = [
        e for e in app.work_order_service.history(wo.id, viewer=SYSTEM) if e.action == "escalated"
    ]
    assert [(e.detail["level"], e.detail["notify"]) for e in events] == [
        (1, ["budi"]),
        (2, ["rina"]),
    ]


def test_sla_targets_can_be_overridden(app: Container) -> None:
    app.sla_service.set_target("corrective", "high", timedelta(minutes=10), timedelta(hours=1))
    wo = raise_lobby_order(app)
    assert wo.due_at == T0 + timedelta(hours=1)


def test_users_sign_in_with_their_password_only(app: Container) -> None:
    users = app.user_service
    assert users.authenticate("rina", "rahasia-rina") is not None
    assert users.authenticate("rina", "salah") is None
    assert users.authenticate("siti", "") is None  # no password set
    users.set_active("rina", False)
    assert users.authenticate("rina", "rahasia-rina") is None
    budi = users.by_username("budi")
    assert budi is not None and budi.supervises == ("cleaning",)
    with pytest.raises(InvalidInput, match="exists"):
        users.create("budi", "viewer", T0)


def test_rooms_discovered_at_once_by_many_threads_exist_once(app: Container) -> None:
    barrier = threading.Barrier(8)
    seen: list[int] = []

    def discover(i: int) -> None:
        barrier.wait()
        seen.append(app.location_service.ensure_room("menara-b", f"lt{i % 2}-rapat").id)

    threads = [threading.Thread(target=discover, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rooms = app.location_service.rooms("menara-b", scope=EVERYTHING)
    assert len(set(seen)) == 2 and len(rooms) == 2
    assert {(r.kind, r.timezone, r.floor) for r in rooms} == {
        ("meeting_room", "Asia/Jakarta", "default")
    }
