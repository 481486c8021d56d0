"""Alerts from ingest's real AlertService become work orders: one open per (room, rule)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ingest.adapters.orm import AlertRow
from ingest.alert_service import AlertService
from ingest.domain.alerts import AlertChange, AlertKey
from maintenance.adapters.orm import WorkOrderAlert
from maintenance.domain.transitions import SYSTEM
from maintenance.services.alert_resolution import resolve_alert
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from udara.bootstrap import Container
from udara.db import transaction
from udara.scope import EVERYTHING
from udara.settings import Settings

T0 = datetime(2025, 5, 5, 3, 0, tzinfo=UTC)
CO2 = AlertKey("menara-a", "lt5-rapat", "co2", "warning")


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[Container]:
    """Maintenance services on a migrated database, with a facility manager and a technician."""
    container = Container(Settings(database_url=migrated_database_url, timezone="Asia/Jakarta"))
    container.user_service.create("rina", "facility_manager", T0)
    container.user_service.create("agus", "technician", T0, crews=("hvac",))
    yield container
    container.engine.dispose()


def ingest_alerts(app: Container, listening: bool = True) -> AlertService:
    listeners = [app.alert_work_orders] if listening else []
    return AlertService(app.session_factory, listeners=listeners)


def opened(key: AlertKey, at: datetime = T0, value: float | None = 1450.0) -> AlertChange:
    return AlertChange("open", key, at, value=value)


def cleared(key: AlertKey, at: datetime) -> AlertChange:
    return AlertChange("clear", key, at)


def orders(app: Container) -> list[WorkOrderView]:
    return list(
        app.work_order_service.list(WorkOrderFilter(), limit=500, now=T0, viewer=SYSTEM).items
    )


def test_an_alert_from_ingest_becomes_exactly_one_work_order_for_the_right_crew(
    app: Container,
) -> None:
    alerts = ingest_alerts(app)
    [alert] = alerts.apply([opened(CO2)])
    [wo] = orders(app)
    assert (wo.crew, wo.type, wo.priority, wo.rule_id, wo.source) == (
        "hvac",
        "corrective",
        "medium",
        "co2-ventilation",
        "alert",
    )
    assert (wo.building, wo.room, wo.alert_id, wo.alert_ids) == (
        "menara-a",
        "lt5-rapat",
        alert.id,
        (alert.id,),
    )
    assert "ventilasi" in wo.title and wo.checklist
    assert wo.respond_by == T0 + timedelta(hours=8)  # SLA counts from when the alert opened

    alerts.apply([cleared(CO2, T0 + timedelta(minutes=40))])
    [wo] = orders(app)
    assert (wo.status, wo.alert_resolved_at) == (
        "open",
        T0 + timedelta(minutes=40),
    )  # crew closes it
    assert "alert_resolved" in [
        e.action for e in app.work_order_service.history(wo.id, viewer=SYSTEM)
    ]

    app.work_order_service.transition(wo.id, "cancelled", "rina", T0 + timedelta(hours=1))
    alerts.apply([opened(CO2, T0 + timedelta(hours=2))])
    assert len(orders(app)) == 2  # a closed order frees the slot: the new condition gets its own


def test_fine_dust_needs_a_filter_inspection_and_a_deep_clean(app: Container) -> None:
    ingest_alerts(app).apply(
        [opened(AlertKey("menara-a", "lt2-kantor-1", "pm25", "warning"), value=80)]
    )
    assert sorted((wo.crew, wo.rule_id) for wo in orders(app)) == [
        ("cleaning", "pm-deep-clean"), ("hvac", "pm-filter"),
    ]  # fmt: skip


def test_alert_storm_opens_one_work_order_per_room_and_rule(app: Container) -> None:
    alerts = ingest_alerts(app)
    threads, rounds = 8, 6
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def storm(n: int) -> None:
        offline = AlertKey("menara-a", "lt5-rapat", None, "warning", kind="offline", sensor=f"s{n}")
        try:
            barrier.wait()
            for i in range(rounds):
                key = CO2 if (n + i) % 2 else AlertKey("menara-a", "lt5-rapat", "co2", "critical")
                at = T0 + timedelta(minutes=i)
                alerts.apply([opened(key, at, 1900.0), opened(offline, at, None)])
                alerts.apply([cleared(key, at + timedelta(seconds=30)), cleared(offline, at)])
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    workers = [threading.Thread(target=storm, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    by_rule = {str(wo.rule_id): wo for wo in orders(app)}
    assert sorted(by_rule) == ["co2-ventilation", "sensor-offline"]
    assert by_rule["co2-ventilation"].priority == "high"  # a critical alert raised it
    with app.session_factory() as session:
        co2_alerts = session.scalar(select(func.count()).where(AlertRow.metric == "co2"))
        links = session.scalar(
            select(func.count()).where(WorkOrderAlert.rule_id == "co2-ventilation")
        )
    assert co2_alerts == links == len(by_rule["co2-ventilation"].alert_ids) > threads
    # A resolve can overtake the open it belongs to; the reconcile sweep settles those.
    app.alert_work_orders.sweep(alerts, T0 + timedelta(hours=1))
    assert all(wo.alert_resolved_at is not None for wo in orders(app))


def test_two_alerts_of_one_order_resolving_at_once_both_count(app: Container) -> None:
    """Regression: under READ COMMITTED each resolution saw the other still open (write skew),
    so neither noted that the condition was gone and the order kept waiting for its alerts."""
    deaf = ingest_alerts(app, listening=False)
    critical = AlertKey("menara-a", "lt5-rapat", "co2", "critical")
    first, second = deaf.apply([opened(CO2), opened(critical, value=2100.0)])
    app.alert_work_orders.sweep(deaf, T0 + timedelta(minutes=1))
    [wo] = orders(app)
    assert set(wo.alert_ids) == {first.id, second.id}
    resolved = T0 + timedelta(minutes=30)
    started = threading.Event()
    failures: list[BaseException] = []

    def resolve_second() -> None:
        try:
            started.set()
            with transaction(app.session_factory) as session:
                resolve_alert(session, second.id, resolved, resolved)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    with transaction(app.session_factory) as session:
        assert resolve_alert(session, first.id, resolved, resolved) == 1
        other = threading.Thread(target=resolve_second)
        other.start()
        started.wait()
        time.sleep(0.3)  # let the other resolution count while ours is uncommitted
    other.join(timeout=30)
    assert not other.is_alive() and failures == []
    [wo] = orders(app)
    assert wo.alert_resolved_at == resolved


def test_an_alert_attaching_to_an_order_whose_condition_ended_reopens_the_condition(
    app: Container,
) -> None:
    alerts = ingest_alerts(app)
    alerts.apply([opened(CO2)])
    alerts.apply([cleared(CO2, T0 + timedelta(minutes=10))])
    assert orders(app)[0].alert_resolved_at == T0 + timedelta(minutes=10)
    alerts.apply([opened(CO2, T0 + timedelta(minutes=20))])
    [wo] = orders(app)  # the crew has not closed it: the new alert joins the same order
    assert (len(wo.alert_ids), wo.alert_resolved_at) == (2, None)


def test_the_reconcile_sweep_repairs_missed_listener_calls(app: Container) -> None:
    deaf = ingest_alerts(app, listening=False)
    [alert] = deaf.apply(
        [opened(AlertKey("menara-b", "lt1-toilet", "humidity", "warning"), value=78)]
    )
    assert orders(app) == []
    report = app.alert_work_orders.sweep(deaf, T0 + timedelta(minutes=1))
    [wo] = orders(app)
    assert (report.attached, wo.rule_id, wo.alert_id) == (1, "humidity-high", alert.id)
    assert (
        app.location_service.get_room("menara-b", "lt1-toilet", scope=EVERYTHING).kind == "toilet"
    )
    deaf.apply(
        [
            cleared(
                AlertKey("menara-b", "lt1-toilet", "humidity", "warning"), T0 + timedelta(hours=1)
            )
        ]
    )
    assert app.alert_work_orders.sweep(deaf, T0 + timedelta(hours=2)).resolved == 1
    again = app.alert_work_orders.sweep(deaf, T0 + timedelta(hours=3))
    assert (again.attached, again.resolved) == (0, 0)
    assert orders(app)[0].alert_resolved_at == T0 + timedelta(hours=1)


def test_alerts_no_rule_covers_make_no_work(app: Container) -> None:
    ingest_alerts(app).apply(
        [opened(AlertKey("menara-a", "lt5-rapat", "humidity", "warning"), value=50)]
    )
    assert orders(app) == []


def test_the_open_work_order_of_each_alert_is_found_directly(app: Container) -> None:
    alerts = ingest_alerts(app)
    [first] = alerts.apply([opened(CO2)])
    second_key = AlertKey("menara-a", "lt5-rapat", "co2", "critical")
    [second] = alerts.apply([opened(second_key, T0 + timedelta(minutes=5))])
    [wo] = orders(app)  # the second alert joined the room's open co2 work order
    other = AlertKey("menara-b", "lobi", "co2", "warning")
    [third] = alerts.apply([opened(other, T0 + timedelta(minutes=6))])
    found = app.work_order_service.open_for_alerts([first.id, second.id, third.id, 999])
    assert found[first.id] == found[second.id] == wo.id
    assert found[third.id] != wo.id and 999 not in found

    app.work_order_service.transition(wo.id, "cancelled", "rina", T0 + timedelta(hours=1))
    assert first.id not in app.work_order_service.open_for_alerts([first.id, third.id])
