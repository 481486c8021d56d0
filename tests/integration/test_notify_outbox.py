"""The outbox on SQLite and PostgreSQL: who is told, once; leases, retries, folding, time.

Channels here are recording stand-ins (tests/integration/test_notify_channels.py sends
through a real SMTP server and a real HTTP receiver); the database is real.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from maintenance.domain.transitions import SYSTEM
from notifications.adapters import outbox
from notifications.adapters.orm import Delivery
from notifications.domain.channels import OutgoingMessage, SendFailed
from notifications.domain.routing import RetryPolicy
from notifications.services.dispatch import Dispatcher
from notifications.services.setup import load_routing
from tests.support.notify_env import (
    MONDAY_10,
    Clock,
    alert_service,
    cleared,
    co2,
    make_app,
    opened,
    populate,
)
from udara.bootstrap import Container
from udara.scope import EVERYTHING

pytestmark = pytest.mark.integration


class Recording:
    """A channel that keeps what it is given; fails the next `fail` sends."""

    def __init__(self, fail: int = 0, permanent: bool = False, delay: float = 0.0) -> None:
        self.sent: list[tuple[str, OutgoingMessage]] = []
        self.fail = fail
        self.permanent = permanent
        self.delay = delay
        self.lock = threading.Lock()

    def send(self, address: str, message: OutgoingMessage) -> None:
        time.sleep(self.delay)
        with self.lock:
            if self.fail:
                self.fail -= 1
                raise SendFailed("451 try again later", permanent=self.permanent)
            self.sent.append((address, message))

    def to(self, address: str) -> list[OutgoingMessage]:
        return [m for a, m in self.sent if a == address]


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
def app(migrated_database_url: str, clock: Clock) -> Iterator[Container]:
    app = make_app(migrated_database_url, clock)
    base = load_routing()
    app.routing = dataclasses.replace(base, on_call={"level2": ("agus",), "level3": ("sari",)})
    populate(app)
    yield app
    app.close()


def dispatcher(app: Container, email: Recording, other: Recording | None = None,
               owner: str = "A") -> Dispatcher:  # fmt: skip
    return Dispatcher(app.session_factory, app.routing, email, other or Recording(), app.clock,
                      owner=owner)  # fmt: skip


def deliveries(app: Container, **where: object) -> list[Delivery]:
    with app.session_factory() as session:
        query = select(Delivery).order_by(Delivery.id)
        for name, value in where.items():
            query = query.where(getattr(Delivery, name) == value)
        return list(session.scalars(query))


def recipients(app: Container, **where: object) -> list[str]:
    return sorted(d.recipient for d in deliveries(app, **where))


def test_a_critical_alert_is_addressed_to_the_buildings_managers_and_the_routed_crews_supervisors(
    app: Container, clock: Clock
) -> None:
    [alert] = alert_service(app).apply([opened(co2(), clock.now)])
    rows = deliveries(app, alert_id=alert.id)
    # rina reaches every building; hadi supervises hvac, where CO2 work goes. budi is
    # limited to menara-b, sari leads cleaning, agus supervises nothing.
    assert sorted((d.recipient, d.channel, d.event, d.status) for d in rows) == [
        ("hadi", "email", "alert_opened", "pending"),
        ("rina", "email", "alert_opened", "pending"),
    ]
    by = {d.recipient: d for d in rows}
    assert by["rina"].subject == "[Udara] KRITIS: CO₂ di lt5-rapat (Menara A)"
    assert by["hadi"].subject == "[Udara] CRITICAL: CO₂ in lt5-rapat (Menara A)"
    assert "/n/ack/" in by["rina"].body and by["rina"].lang == "id"


def test_a_user_limited_to_one_building_never_hears_about_another(
    app: Container, clock: Clock
) -> None:
    alerts = alert_service(app)
    [in_b] = alerts.apply([opened(co2(building="menara-b", room="lobi"), clock.now)])
    [in_a] = alerts.apply([opened(co2(), clock.now)])
    assert recipients(app, alert_id=in_b.id) == ["budi", "rina"]  # hadi is of menara-a only
    assert "budi" not in recipients(app, alert_id=in_a.id)
    clock.advance(minutes=61)
    app.alert_notifications.sweep(alerts, clock.now)  # escalations, on-call lists too
    alerts.apply([cleared(co2(), clock.now)])
    assert "budi" not in recipients(app, alert_id=in_a.id)


def test_routing_an_alert_twice_makes_no_second_delivery(app: Container, clock: Clock) -> None:
    alerts = alert_service(app)
    [alert] = alerts.apply([opened(co2(), clock.now)])
    before = len(deliveries(app))
    app.alert_notifications.alert_opened(alert)  # a replayed listener call
    app.alert_notifications.sweep(alerts, clock.now)  # and the sweep
    assert app.alert_notifications.route(alert, "alert_opened", clock.now) is None
    assert len(deliveries(app)) == before


def test_the_sweep_routes_what_a_failed_listener_call_missed(app: Container, clock: Clock) -> None:
    from ingest.alert_service import AlertService

    deaf = AlertService(app.session_factory, listeners=[])
    [alert] = deaf.apply([opened(co2(), clock.now)])
    assert deliveries(app) == []
    report = app.alert_notifications.sweep(deaf, clock.now)
    assert report.opened == 1
    assert recipients(app, alert_id=alert.id) == ["hadi", "rina"]
    deaf.apply([cleared(co2(), clock.advance(minutes=5))])
    assert app.alert_notifications.sweep(deaf, clock.now).resolved == 1
    assert recipients(app, event="alert_resolved") == ["hadi", "rina"]


def test_two_dispatchers_racing_send_each_delivery_once(app: Container, clock: Clock) -> None:
    for n in range(12):
        app.user_service.create(f"staff{n}", "viewer", clock.now)
        app.notifications.add_contact(f"staff{n}", f"staff{n}@example.co.id")
        app.notifications.send_test(f"staff{n}")
    first, second = Recording(delay=0.02), Recording(delay=0.02)
    racers = [dispatcher(app, first, owner="A"), dispatcher(app, second, owner="B")]
    start = threading.Barrier(2)
    later = clock.advance(seconds=11)

    def race(d: Dispatcher) -> None:
        start.wait()
        d.run(later)

    threads = [threading.Thread(target=race, args=(d,)) for d in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [address for address, _ in first.sent + second.sent]
    assert sorted(sent) == sorted(f"staff{n}@example.co.id" for n in range(12))
    rows = deliveries(app, event="test")
    assert {(d.status, d.attempts) for d in rows} == {("sent", 1)}


def test_a_dispatcher_that_dies_between_claim_and_confirm_is_resent_once_after_its_lease(
    app: Container, clock: Clock
) -> None:
    app.notifications.send_test("rina")
    now = clock.advance(seconds=11)
    dead = dispatcher(app, Recording(), owner="dead")
    with app.session_factory() as session:
        [group] = outbox.due_groups(session, now)
    assert dead.claim(group, now)  # claimed, then the process "dies" before sending back
    survivor_channel = Recording()
    survivor = dispatcher(app, survivor_channel, owner="survivor")
    assert survivor.run(now + timedelta(minutes=4, seconds=59)).messages == 0  # lease held
    assert survivor.run(now + timedelta(minutes=5, seconds=1)).messages == 1
    assert survivor.run(now + timedelta(minutes=20)).messages == 0
    assert len(survivor_channel.sent) == 1
    [row] = deliveries(app, event="test")
    assert (row.status, row.attempts) == ("sent", 2)


def test_a_failing_channel_is_retried_with_backoff_and_holds_up_no_other_channel(
    app: Container, clock: Clock
) -> None:
    app.notifications.add_contact("rina", "json://127.0.0.1:9/hook")
    alert_service(app).apply([opened(co2(), clock.now)])
    email, webhook = Recording(fail=4), Recording()  # two failures for each of rina, hadi
    d = dispatcher(app, email, webhook)
    t = clock.advance(seconds=11)
    d.run(t)
    assert len(webhook.sent) == 1 and email.sent == []  # the webhook did not wait
    assert d.run(t + timedelta(seconds=20)).messages == 0  # backing off (30 s)
    d.run(t + timedelta(seconds=31))  # second failure: next try after 60 s
    assert email.sent == []
    assert d.run(t + timedelta(seconds=31 + 61)).messages == 2  # rina's and hadi's e-mail
    rows = deliveries(app, channel="email", recipient="rina")
    assert [(r.status, r.attempts) for r in rows] == [("sent", 3)]


def test_after_its_last_attempt_a_delivery_is_failed_and_a_refused_address_fails_at_once(
    app: Container, clock: Clock
) -> None:
    app.routing = dataclasses.replace(
        app.routing, retry={"email": RetryPolicy(2, (timedelta(seconds=30),))}
    )
    app.notifications.send_test("rina")
    d = dispatcher(app, Recording(fail=5))
    t = clock.advance(seconds=11)
    d.run(t)
    d.run(t + timedelta(seconds=31))
    [row] = deliveries(app, recipient="rina")
    assert (row.status, row.attempts, row.error) == ("failed", 2, "451 try again later")
    app.notifications.send_test("budi")
    d = dispatcher(app, Recording(fail=1, permanent=True))
    d.run(clock.advance(seconds=11))
    [row] = deliveries(app, recipient="budi")
    assert (row.status, row.attempts) == ("failed", 1)


def test_an_alert_storm_reaches_each_recipient_as_one_message(app: Container, clock: Clock) -> None:
    rooms = [f"r{n:02d}" for n in range(30)]
    for room in rooms:
        app.location_service.ensure_room("menara-a", room)
    alerts = alert_service(app)
    alerts.apply([opened(co2(room=room), clock.now) for room in rooms])
    email = Recording()
    d = dispatcher(app, email)
    assert d.run(clock.advance(seconds=11)).messages == 2
    [to_rina] = email.to("rina@example.co.id")
    assert to_rina.subject == "[Udara] 30 pemberitahuan"
    assert all(f"({'Menara A'})" in to_rina.body for _ in rooms) and "r29" in to_rina.body
    [to_hadi] = email.to("hadi@example.co.id")
    assert to_hadi.subject == "[Udara] 30 notifications"
    # One more a minute later waits out the fold window, then goes as a message of its own.
    app.location_service.ensure_room("menara-a", "r30")
    alerts.apply([opened(co2(room="r30"), clock.advance(minutes=1))])
    assert d.run(clock.advance(seconds=11)).messages == 0
    assert d.run(clock.advance(seconds=50)).messages == 2
    assert len(email.to("rina@example.co.id")) == 2
    assert {(d.status, d.attempts) for d in deliveries(app)} == {("sent", 1)}


def test_unacknowledged_critical_alerts_escalate_on_an_accelerated_clock(
    app: Container, clock: Clock
) -> None:
    alerts = alert_service(app)
    [alert] = alerts.apply([opened(co2(), clock.now)])
    sweep = app.alert_notifications.sweep
    assert sweep(alerts, clock.advance(minutes=14)).escalated == 0
    assert sweep(alerts, clock.advance(minutes=1)).escalated == 1
    level2 = deliveries(app, event="alert_escalated")
    assert sorted(d.recipient for d in level2) == ["agus", "rina"]  # managers + on-call
    assert all(d.subject.startswith("[Udara] ESKALASI L2") for d in level2 if d.lang == "id")
    assert sweep(alerts, clock.advance(minutes=44)).escalated == 0
    assert sweep(alerts, clock.advance(minutes=1)).escalated == 1
    assert recipients(app, event="alert_escalated") == ["agus", "agus", "rina", "rina", "sari"]
    assert sweep(alerts, clock.advance(hours=5)).escalated == 0  # no level after 3

    # An acknowledged alert does not escalate.
    app.location_service.ensure_room("menara-a", "lt6")
    [other] = alerts.apply([opened(co2(room="lt6"), clock.now)])
    alerts.acknowledge(other.id, "rina", clock.advance(minutes=5), scope=EVERYTHING)
    assert sweep(alerts, clock.advance(minutes=30)).escalated == 0
    assert alert.id != other.id


def test_a_warning_is_told_once_it_lasted_30_minutes_within_the_buildings_hours(
    app: Container, clock: Clock
) -> None:
    alerts = alert_service(app)
    clock.now = MONDAY_10.replace(hour=11, minute=45)  # 18:45 in Jakarta; closes at 19:00
    [warning] = alerts.apply([opened(co2("warning"), clock.now)])
    sweep = app.alert_notifications.sweep
    assert deliveries(app) == []  # warnings wait
    assert sweep(alerts, clock.advance(minutes=35)).warnings == 0  # 15 min within hours
    clock.now = MONDAY_10.replace(day=3, hour=0, minute=14)  # Tuesday 07:14: 29 min
    assert sweep(alerts, clock.now).warnings == 0
    assert sweep(alerts, clock.advance(minutes=1)).warnings == 1
    assert recipients(app, alert_id=warning.id) == ["hadi", "rina"]
    [row] = deliveries(app, alert_id=warning.id, recipient="rina")
    assert row.subject.startswith("[Udara] PERINGATAN: CO₂")

    # menara-b has no hours set: 30 minutes of any time; one that clears sooner is never told.
    [short] = alerts.apply([opened(co2("warning", "menara-b", "lobi"), clock.now)])
    alerts.apply([cleared(co2("warning", "menara-b", "lobi"), clock.advance(minutes=20))])
    assert sweep(alerts, clock.advance(minutes=20)).warnings == 0
    assert deliveries(app, alert_id=short.id) == []


def test_quiet_hours_hold_all_but_critical_alerts_and_muted_warnings_are_suppressed(
    app: Container, clock: Clock
) -> None:
    for name in ("rina", "agus"):
        app.notifications.set_prefs(name, quiet_hours="22:00-06:00")
    app.notifications.set_prefs("hadi", mute_warnings=True)
    clock.now = MONDAY_10.replace(hour=16)  # 23:00 in Jakarta
    alerts = alert_service(app)
    [critical] = alerts.apply([opened(co2(), clock.now)])
    [row] = deliveries(app, alert_id=critical.id, recipient="rina")
    assert row.next_attempt_at == clock.now + timedelta(seconds=10)  # criticals pass

    wo = app.work_order_service.create("rina", clock.now, type="corrective", crew="hvac",
                                       building="menara-a", title="Ganti filter AHU-2")  # fmt: skip
    app.work_order_service.assign(wo.id, "agus", "rina", clock.now)
    [assigned] = deliveries(app, event="work_order_assigned")
    assert assigned.recipient == "agus"
    assert assigned.next_attempt_at == MONDAY_10.replace(hour=23) + timedelta(seconds=10)

    app.location_service.ensure_room("menara-a", "lt7")
    [warning] = alerts.apply([opened(co2("warning", room="lt7"), clock.now)])
    app.alert_notifications.route(warning, "alert_opened", clock.now)
    by = {d.recipient: d for d in deliveries(app, alert_id=warning.id)}
    assert (by["hadi"].status, by["hadi"].reason) == ("suppressed", "muted")
    assert (by["rina"].status, by["rina"].reason) == ("pending", "quiet")


def test_work_orders_tell_the_assignee_the_creator_and_each_escalation_level(
    app: Container, clock: Clock
) -> None:
    service = app.work_order_service
    wo = service.create("rina", clock.now, type="corrective", crew="hvac", building="menara-a",
                        title="Periksa damper AHU-1", priority="high")  # fmt: skip
    service.assign(wo.id, "agus", "rina", clock.now)
    assert recipients(app, event="work_order_assigned") == ["agus"]
    service.transition(wo.id, "in_progress", "agus", clock.now)
    service.transition(wo.id, "done", "agus", clock.advance(hours=1), notes="beres")
    assert recipients(app, event="work_order_done") == ["rina"]
    [done] = deliveries(app, event="work_order_done")
    assert done.subject == f"[Udara] WO #{wo.id} selesai: Periksa damper AHU-1"

    late = service.create(
        "rina", clock.now, type="corrective", crew="hvac", building="menara-a",
        title="Bocor kondensat", priority="urgent",
    )  # fmt: skip
    app.sla_service.escalate(clock.advance(minutes=31))  # no response in 30 min: level 1
    assert recipients(app, event="work_order_escalated") == ["hadi"]
    app.sla_service.escalate(clock.advance(hours=9))  # overdue by more than a response window
    assert recipients(app, event="work_order_escalated") == ["hadi", "rina"]  # not budi (B)
    assert {d.work_order_id for d in deliveries(app, event="work_order_escalated")} == {late.id}


def test_a_work_order_change_and_its_deliveries_commit_together(
    app: Container, clock: Clock
) -> None:
    from maintenance.services.workorders import WorkOrderService

    class Broken:
        def work_order_changed(self, session: object, change: object) -> None:
            app.work_order_notifications.work_order_changed(session, change)  # type: ignore[arg-type]
            raise RuntimeError("the database went away")

    service = WorkOrderService(app.session_factory, app.clock, listeners=[Broken()])
    wo = app.work_order_service.create("rina", clock.now, type="corrective", crew="hvac",
                                       building="menara-a", title="x")  # fmt: skip
    with pytest.raises(RuntimeError):
        service.assign(wo.id, "agus", "rina", clock.now)
    assert deliveries(app) == []
    assert app.work_order_service.get(wo.id, viewer=SYSTEM).assignee is None
