"""Asset plans: "every AHU: filter cleaning monthly" expands per AHU, exactly once across two
schedulers racing; a meter trigger adds an order when run hours pass the step first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from maintenance.adapters.orm import Plan, WorkOrder
from maintenance.domain.transitions import SYSTEM
from maintenance.services.plan_rows import PlanSpec
from maintenance.services.queries import WorkOrderFilter
from udara.bootstrap import Container
from udara.settings import Settings

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
B = "menara-a"
AHUS = ("ahu-1", "ahu-2", "ahu-3")


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[Container]:
    """Three AHUs and an FCU in one building, a manager, and the AHU filter plan."""
    container = Container(Settings(database_url=migrated_database_url, timezone="Asia/Jakarta"))
    now = datetime.now(UTC)
    container.user_service.create("rina", "facility_manager", now)
    container.location_service.ensure_room(B, "lt1-plant")
    for code in AHUS:
        container.asset_service.add(code, "ahu", B, room="lt1-plant", by=SYSTEM)
    container.asset_service.add("fcu-1", "fcu", B, by=SYSTEM)
    spec = PlanSpec(
        code="ahu-filter", title="Bersihkan filter AHU", type="preventive", crew="hvac",
        building=B, freq="weekly", weekdays=(0, 3), start_date=date(2026, 1, 1),
        asset_kind="ahu", meter="run_hours", meter_every=500, catch_up="all",
    )  # fmt: skip
    container.plan_service.create(spec, "rina", now - timedelta(days=1))
    yield container
    container.engine.dispose()


def _run_once(url: str, until: datetime) -> subprocess.Popen[str]:
    env = {**os.environ, "UDARA_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "udara.cli", "scheduler", "run-once"]
    return subprocess.Popen(
        [*command, "--until", until.isoformat()],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def plan_orders(app: Container) -> list[WorkOrder]:
    with app.session_factory() as session:
        return list(session.scalars(select(WorkOrder).where(WorkOrder.plan_id.is_not(None))))


def test_an_asset_plan_expands_per_ahu_exactly_once_across_two_schedulers(
    app: Container, migrated_database_url: str
) -> None:
    until = datetime.now(UTC) + timedelta(days=21)
    runs = [_run_once(migrated_database_url, until) for _ in range(2)]
    for run in runs:
        out, err = run.communicate(timeout=240)
        assert run.returncode == 0, err[-2000:]
        assert json.loads(out.strip().splitlines()[-1])["errors"] == []
    with app.session_factory() as session:
        children = {
            code: asset
            for code, asset in session.execute(
                select(Plan.code, Plan.asset_id).where(Plan.parent_id.is_not(None))
            )
        }
        distinct = session.scalar(
            select(func.count()).select_from(
                select(WorkOrder.plan_id, WorkOrder.occurrence_at).distinct().subquery()
            )
        )
    assert sorted(children) == [f"ahu-filter@{a}" for a in AHUS]  # no FCU, no duplicates
    orders = plan_orders(app)
    assert len(orders) == distinct  # every (plan, occurrence) once
    per_asset = app.work_order_service.list(WorkOrderFilter(asset="ahu-2"), viewer=SYSTEM)
    assert per_asset.total == len(orders) // 3 >= 5  # two a week for three weeks
    assert {wo.asset for wo in per_asset.items} == {"ahu-2"}
    assert all(wo.room == "lt1-plant" and "ahu-2" in wo.title for wo in per_asset.items)


def test_run_hours_past_the_step_make_one_order_before_the_calendar(app: Container) -> None:
    now = datetime.now(UTC)
    app.plan_generator.run(now, until=now)  # children exist; the calendar owes nothing yet
    assert plan_orders(app) == []
    app.asset_service.record_meter("ahu-1", "run_hours", 320, by=SYSTEM)
    app.plan_generator.run(datetime.now(UTC), until=now)
    assert plan_orders(app) == []
    app.asset_service.record_meter("ahu-1", "run_hours", 530, by=SYSTEM)
    for _ in range(2):  # twice: the second pass finds nothing new
        app.plan_generator.run(datetime.now(UTC), until=now)
    [order] = plan_orders(app)
    view = app.work_order_service.get(order.id, datetime.now(UTC), viewer=SYSTEM)
    assert view.asset == "ahu-1" and "run_hours" in view.description
    # The next order counts from 530: 900 is not due, 1040 is (once the first is closed).
    app.work_order_service.transition(order.id, "cancelled", "rina", datetime.now(UTC))
    app.asset_service.record_meter("ahu-1", "run_hours", 900, by=SYSTEM)
    app.plan_generator.run(datetime.now(UTC), until=now)
    assert len(plan_orders(app)) == 1
    app.asset_service.record_meter("ahu-1", "run_hours", 1040, by=SYSTEM)
    app.plan_generator.run(datetime.now(UTC), until=now)
    assert len(plan_orders(app)) == 2
    assert {o.asset_id for o in plan_orders(app)} == {plan_orders(app)[0].asset_id}


def test_a_strategy_file_declares_an_asset_plan(app: Container, tmp_path: Path) -> None:
    from maintenance.plan_import import import_strategy

    strategy = tmp_path / "ahu.yaml"
    strategy.write_text(
        "tasks:\n"
        "  - code: ahu-coil\n"
        "    title: Bersihkan koil AHU\n"
        "    type: preventive\n"
        "    crew: hvac\n"
        f"    areas: {{building: {B}, assets: ahu}}\n"
        "    schedule: {freq: monthly, month_day: 1}\n"
        "    meter: {name: run_hours, every: 1000}\n",
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    report = import_strategy(app.session_factory, strategy, now, "Asia/Jakarta")
    assert report.created == [f"ahu-coil@{B}"]
    app.plan_generator.run(now, until=now)
    with app.session_factory() as session:
        children = sorted(session.scalars(select(Plan.code).where(Plan.code.like("ahu-coil@%@%"))))
        meter = session.scalar(select(Plan.meter_every).where(Plan.code == f"ahu-coil@{B}"))
    assert children == [f"ahu-coil@{B}@{a}" for a in AHUS] and meter == 1000
