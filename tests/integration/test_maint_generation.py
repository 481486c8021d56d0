"""Plans generate work exactly once, follow catch-up policies after downtime, and edit safely."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import update

from maintenance.adapters.orm import Plan
from maintenance.domain.errors import InvalidInput, NotAllowed
from maintenance.domain.transitions import SYSTEM
from maintenance.services.plan_rows import PlanSpec
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from udara.bootstrap import Container
from udara.scope import EVERYTHING
from udara.settings import Settings

T0 = datetime(2025, 5, 5, 0, 0, tzinfo=UTC)  # 07:00 in Jakarta, before the 08:00 round


def utc(day: int, hour: int = 1) -> datetime:
    return datetime(2025, 5, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[Container]:
    """Services on a migrated database with a manager, a cleaner and one lobby."""
    container = Container(Settings(database_url=migrated_database_url, timezone="Asia/Jakarta"))
    container.user_service.create("rina", "facility_manager", T0)
    container.user_service.create("siti", "technician", T0, crews=("cleaning",))
    container.location_service.save_room("menara-a", "lt1-lobi", floor="lt1", kind="lobby")
    yield container
    container.engine.dispose()


def daily_lobby(**overrides: object) -> PlanSpec:
    spec = PlanSpec(
        code="lobi-pagi", title="Ronde lobi", type="routine", crew="cleaning",
        building="menara-a", room="lt1-lobi", freq="daily", start_date=date(2025, 5, 1),
        times=(time(8, 0),), checklist=("Pel lantai",), due_minutes=120,
    )  # fmt: skip
    return replace(spec, **overrides)  # type: ignore[arg-type]


def plan_orders(app: Container, now: datetime = T0) -> list[WorkOrderView]:
    page = app.work_order_service.list(WorkOrderFilter(), limit=500, now=now, viewer=SYSTEM)
    return sorted((wo for wo in page.items if wo.plan_id), key=lambda wo: wo.occurrence_at or T0)


@pytest.mark.parametrize(
    ("policy", "generated", "skipped"),
    [
        ("all", [5, 6, 7, 8, 9], []),
        ("latest", [5, 8, 9], [6, 7]),
        ("skip", [5, 9], [6, 7, 8]),
    ],
)
def test_three_days_of_downtime_then_a_reconcile_follows_the_catch_up_policy(
    app: Container, policy: str, generated: list[int], skipped: list[int]
) -> None:
    app.plan_service.create(daily_lobby(catch_up=policy), "rina", T0)
    assert app.reconciler.run(T0).generated == 1  # today's 08:00 round, a day of look-ahead
    back = T0 + timedelta(days=3, hours=2)  # the scheduler was down until 09:00 on May 8
    report = app.reconciler.run(back)
    assert (report.generated, report.skipped, report.errors) == (
        len(generated) - 1,
        len(skipped),
        [],
    )
    orders = plan_orders(app, back)
    assert [wo.occurrence_at for wo in orders] == [utc(d) for d in generated]
    # Due time follows the occurrence (08:00 + 2 h local), not when the reconcile ran.
    assert all(wo.due_at == wo.occurrence_at + timedelta(hours=2) for wo in orders)  # type: ignore[operator]
    calendar = app.plan_service.calendar(utc(5, 0), utc(10, 0), scope=EVERYTHING)
    assert [o.occurrence_at for o in calendar if o.state == "skipped"] == [utc(d) for d in skipped]
    again = app.reconciler.run(back)
    assert (again.generated, again.skipped) == (0, 0)


def test_reconciling_twice_or_late_never_duplicates_and_never_loses(app: Container) -> None:
    app.plan_service.create(daily_lobby(catch_up="all"), "rina", T0)
    for minutes in (0, 0, 1, 90, 3000, 3000):
        app.reconciler.run(T0 + timedelta(minutes=minutes))
    occurrences = [wo.occurrence_at for wo in plan_orders(app)]
    assert occurrences == [utc(d) for d in (5, 6, 7, 8)]


def test_run_once_until_generates_up_to_that_time(app: Container) -> None:
    app.plan_service.create(daily_lobby(), "rina", T0)
    app.reconciler.run(T0, until=utc(11, 12))
    assert len(plan_orders(app)) == 7
    assert [
        o.state for o in app.plan_service.calendar(utc(12, 0), utc(14, 0), scope=EVERYTHING)
    ] == ["planned"] * 2


def test_generated_orders_copy_the_plan_checklist(app: Container) -> None:
    app.plan_service.create(daily_lobby(), "rina", T0)
    app.reconciler.run(T0)
    wo = plan_orders(app)[0]
    assert [item.text for item in wo.checklist] == ["Pel lantai"]
    assert (wo.source, wo.type, wo.crew, wo.room) == ("plan", "routine", "cleaning", "lt1-lobi")


def test_editing_a_plan_changes_only_future_untouched_orders(app: Container) -> None:
    plan = app.plan_service.create(daily_lobby(), "rina", T0)
    app.reconciler.run(T0, until=utc(9, 12))
    first, second, third = plan_orders(app)[:3]
    app.work_order_service.assign(third.id, "siti", "rina", T0)  # a person touched it
    now = utc(6, 12)  # the first two rounds are past
    app.plan_service.update(
        plan.id, "rina", now, title="Ronde lobi (baru)", checklist=("Pel", "Lap")
    )
    titles = {wo.occurrence_at: wo.title for wo in plan_orders(app)}
    assert titles[first.occurrence_at] == titles[second.occurrence_at] == "Ronde lobi"
    assert titles[third.occurrence_at] == "Ronde lobi"
    assert titles[utc(8)] == titles[utc(9)] == "Ronde lobi (baru)"
    app.plan_service.update(plan.id, "rina", now, times=["09:30"])  # JSON-like, as the API sends
    app.reconciler.run(now, until=utc(9, 12))
    times = [wo.occurrence_at for wo in plan_orders(app)]
    half_past_nine = [utc(d, 2) + timedelta(minutes=30) for d in (7, 8, 9)]
    assert times == [utc(5), utc(6), utc(7), *half_past_nine]


def test_a_plan_anchored_to_completion_waits_for_the_work_and_counts_from_it(
    app: Container,
) -> None:
    spec = daily_lobby(code="filter-ac", freq="monthly", anchor="completion", crew="cleaning")
    app.plan_service.create(spec, "rina", T0)
    app.reconciler.run(T0, until=datetime(2025, 6, 2, tzinfo=UTC))
    orders = plan_orders(app)
    assert [wo.occurrence_at for wo in orders] == [
        datetime(2025, 5, 1, 1, tzinfo=UTC) + timedelta(days=31)
    ]
    app.reconciler.run(T0 + timedelta(days=60))  # still open: nothing new however late
    assert len(plan_orders(app)) == 1
    wos = app.work_order_service
    wos.transition(orders[0].id, "in_progress", "siti", utc(20))
    wos.tick(orders[0].id, 0, True, "siti", utc(20))
    wos.transition(orders[0].id, "done", "siti", utc(20, 3))  # finished early, on May 20
    app.reconciler.run(utc(21), until=datetime(2025, 7, 1, tzinfo=UTC))
    assert plan_orders(app)[-1].occurrence_at == datetime(2025, 6, 20, 1, tzinfo=UTC)


def test_plan_updates_reject_unknown_fields_and_bad_values(app: Container) -> None:
    plan = app.plan_service.create(daily_lobby(), "rina", T0)
    with pytest.raises(InvalidInput, match="no field colour"):
        app.plan_service.update(plan.id, "rina", T0, colour="red")
    with pytest.raises(InvalidInput, match="times"):
        app.plan_service.update(plan.id, "rina", T0, times=["25:00"])
    with pytest.raises(NotAllowed):
        app.plan_service.update(plan.id, "siti", T0, title="x")


def test_a_lost_cursor_cannot_duplicate_because_the_database_refuses(app: Container) -> None:
    app.plan_service.create(daily_lobby(catch_up="all"), "rina", T0)
    app.reconciler.run(T0, until=utc(9))
    with app.session_factory.begin() as session:  # as if a second scheduler read a stale cursor
        session.execute(update(Plan).values(generated_until=T0))
    assert app.reconciler.run(T0, until=utc(9)).generated == 0
    assert len(plan_orders(app)) == 5
