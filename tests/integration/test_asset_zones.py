"""Zone diagnosis with ingest's real AlertService: rooms of one AHU breaching together make
one AHU work order; a lone room's breach stays the room's, naming its AHU. Both engines."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ingest.alert_service import AlertService, AlertView
from ingest.domain.alerts import AlertChange, AlertKey
from maintenance.adapters.orm import WorkOrderAlert
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from udara.bootstrap import Container
from udara.settings import Settings

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
B = "menara-a"
ZONE = ("lt5-rapat-1", "lt5-rapat-2", "lt5-rapat-3")


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[Container]:
    """An AHU serving three rooms, an FCU serving one of them, another AHU serving one room."""
    container = Container(Settings(database_url=migrated_database_url))
    for room in (*ZONE, "lt5-plant", "lt6-kantor", "lt7-lab"):
        container.location_service.ensure_room(B, room)
    assets = container.asset_service
    assets.add("ahu-l5", "ahu", B, room="lt5-plant", serves=ZONE, by=SYSTEM)
    assets.add("fcu-l5-1", "fcu", B, serves=("lt5-rapat-1",), by=SYSTEM)
    assets.add("ahu-l6", "ahu", B, serves=("lt6-kantor",), by=SYSTEM)
    yield container
    container.engine.dispose()


def co2(room: str, at: datetime = T0, value: float = 1500.0) -> AlertChange:
    return AlertChange("open", AlertKey(B, room, "co2", "warning"), at, value=value)


def open_alerts(app: Container, *changes: AlertChange) -> list[AlertView]:
    return AlertService(app.session_factory).apply(list(changes))


def orders(app: Container) -> list[WorkOrderView]:
    page = app.work_order_service.list(WorkOrderFilter(), limit=500, now=T0, viewer=SYSTEM)
    return list(page.items)


def live(app: Container) -> list[WorkOrderView]:
    return [wo for wo in orders(app) if wo.status != "cancelled"]


def links(app: Container) -> int:
    with app.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(WorkOrderAlert)) or 0)


def test_three_rooms_of_one_ahu_breaching_make_one_ahu_work_order(app: Container) -> None:
    handler = app.alert_work_orders
    alerts = open_alerts(app, *(co2(room) for room in ZONE))
    for i, alert in enumerate(alerts):
        handler.handle_opened(alert, T0 + timedelta(minutes=5 * i))
    [wo] = live(app)
    assert wo.asset == "ahu-l5"
    assert wo.zone_rooms == ZONE
    assert wo.room == "lt5-plant"  # where the unit stands: where the crew goes
    assert "ahu-l5" in wo.title and all(room in wo.title for room in ZONE)
    assert sorted(wo.alert_ids) == sorted(a.id for a in alerts)
    assert wo.to_json()["asset"] == "ahu-l5"
    actions = [e.action for e in app.work_order_service.history(wo.id, viewer=SYSTEM)]
    assert "zone_promoted" in actions and "zone_rooms_added" in actions
    # Replays (the listener and the sweep both seeing an alert) change nothing.
    for alert in alerts:
        handler.handle_opened(alert, T0 + timedelta(minutes=20))
    assert len(live(app)) == 1 and links(app) == 3
    # The AHU's job lists in its history.
    asset_orders = app.work_order_service.list(
        WorkOrderFilter(asset="ahu-l5"), now=T0, viewer=SYSTEM
    ).items
    assert [w.id for w in asset_orders] == [wo.id]


def test_a_lone_room_breach_opens_the_rooms_order_naming_its_ahu(app: Container) -> None:
    [alert] = open_alerts(app, co2("lt6-kantor"))
    app.alert_work_orders.handle_opened(alert, T0)
    [wo] = live(app)
    assert (wo.room, wo.asset, wo.zone_rooms) == ("lt6-kantor", "ahu-l6", ())
    assert "ahu-l6" in wo.title and "ahu-l6" in wo.description


def test_breaches_further_apart_than_the_window_stay_the_rooms_own(app: Container) -> None:
    first, second = open_alerts(app, co2(ZONE[1]), co2(ZONE[2]))
    app.alert_work_orders.handle_opened(first, T0)
    app.alert_work_orders.handle_opened(second, T0 + timedelta(minutes=31))
    assert sorted(wo.room or "" for wo in live(app)) == [ZONE[1], ZONE[2]]
    assert {wo.asset for wo in live(app)} == {"ahu-l5"}


def test_an_order_a_person_touched_is_not_taken_over(app: Container) -> None:
    app.user_service.create("rina", "facility_manager", T0)
    first, second = open_alerts(app, co2(ZONE[1]), co2(ZONE[2]))
    app.alert_work_orders.handle_opened(first, T0)
    [mine] = live(app)
    app.work_order_service.transition(mine.id, "in_progress", "rina", T0)
    app.alert_work_orders.handle_opened(second, T0 + timedelta(minutes=1))
    assert sorted(wo.room or "" for wo in live(app)) == [ZONE[1], ZONE[2]]


def test_rooms_without_a_unit_and_other_rules_are_unchanged(app: Container) -> None:
    [alert] = open_alerts(
        app, AlertChange("open", AlertKey(B, "lt7-lab", "pm25", "warning"), T0, value=80)
    )
    app.alert_work_orders.handle_opened(alert, T0)
    assert sorted((wo.rule_id, wo.asset) for wo in live(app)) == [
        ("pm-deep-clean", None), ("pm-filter", None),
    ]  # fmt: skip


def test_concurrent_breaches_of_one_zone_make_one_ahu_order(app: Container) -> None:
    alerts = open_alerts(app, *(co2(room) for room in ZONE))
    barrier = threading.Barrier(len(alerts) * 2)
    failures: list[BaseException] = []

    def handle(alert: AlertView) -> None:
        try:
            barrier.wait()
            app.alert_work_orders.handle_opened(alert, T0)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=handle, args=(a,)) for a in alerts * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    [wo] = live(app)
    assert (wo.asset, wo.zone_rooms) == ("ahu-l5", ZONE)
    assert sorted(wo.alert_ids) == sorted(a.id for a in alerts) and links(app) == 3
