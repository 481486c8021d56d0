"""Two `udara scheduler run-once` processes at once create every occurrence exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from maintenance.adapters.orm import Plan, WorkOrder
from maintenance.domain.recurrence import Recurrence, expand
from maintenance.services.plan_rows import PlanSpec
from udara.bootstrap import Container
from udara.settings import Settings

ROOT = Path(__file__).parents[2]
PLANS = 24
ROUNDS = (time(7, 0), time(10, 0), time(13, 0), time(16, 0))


def _seed(container: Container, now: datetime, since: datetime) -> int:
    """Plans whose cursor is ten days back, so a reconcile has hundreds of orders to write."""
    container.user_service.create("rina", "facility_manager", now)
    expected = 0
    for i in range(PLANS):
        room = f"lt{i % 6 + 1}-toilet-{i}"
        container.location_service.save_room("menara-a", room, kind="toilet")
        spec = PlanSpec(
            code=f"toilet-{i}", title="Pembersihan toilet", type="routine", crew="cleaning",
            building="menara-a", room=room, freq="daily", start_date=date(2025, 1, 1),
            times=ROUNDS, catch_up="all", due_minutes=90,
        )  # fmt: skip
        container.plan_service.create(spec, "rina", now)
        rec = Recurrence("daily", date(2025, 1, 1), "Asia/Jakarta", ROUNDS)
        expected += len(expand(rec, since, now + timedelta(hours=24)))
    with container.session_factory.begin() as session:
        session.execute(update(Plan).values(generated_until=since))
    return expected


def test_two_run_once_processes_at_once_create_no_duplicate(
    migrated_database_url: str, tmp_path: Path
) -> None:
    container = Container(Settings(database_url=migrated_database_url))
    now = datetime.now(UTC)
    # Margin so occurrences right at "now" cannot differ between the test and the processes.
    expected = _seed(container, now, since=now - timedelta(days=10))
    env = {**os.environ, "UDARA_DATABASE_URL": migrated_database_url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "udara.cli", "scheduler", "run-once"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    procs = [subprocess.Popen(command, cwd=tmp_path, env=env, **pipes) for _ in range(2)]  # type: ignore[call-overload]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    with container.session_factory() as session:
        stored = session.scalar(select(func.count()).select_from(WorkOrder)) or 0
        distinct = (
            session.scalar(
                select(func.count()).select_from(
                    select(WorkOrder.plan_id, WorkOrder.occurrence_at).distinct().subquery()
                )
            )
            or 0
        )
    container.engine.dispose()
    # Both may have done some of the work, but together exactly once per occurrence.
    assert sum(r["generated"] for r in reports) == stored == distinct
    assert abs(stored - expected) <= PLANS  # the look-ahead edge moves with the clock
    assert stored > 800
