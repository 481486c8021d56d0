"""Schedulers racing, one SIGKILLed mid-run, then a restart: each occurrence exactly once.

The office strategy (examples/plans/office.yaml) was imported 30 days ago and no scheduler
ran since; half of its plans catch up on everything they missed, the rest follow their own
policy (skip, latest). Then, on SQLite and on PostgreSQL:

1. a `udara scheduler run-once` is SIGKILLed right after its first commit, holding locks;
2. two `run-once` processes run at the same moment;
3. one more runs after them (the restart) and finds nothing left to do.

Every occurrence of a calendar plan ends up exactly once, either as a work order or as a
recorded skip, and the runs' own reports add up to what the database holds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from maintenance.adapters.orm import Building, Plan, SkippedOccurrence, WorkOrder, WorkOrderEvent
from maintenance.domain.recurrence import expand
from maintenance.plan_import import import_strategy
from maintenance.services.plan_rows import schedule
from tests.faults.harness import ROOT, figure, wait_for
from udara.bootstrap import Container
from udara.settings import Settings

pytestmark = [pytest.mark.faults, pytest.mark.integration]

STRATEGY = ROOT / "examples" / "plans" / "office.yaml"
DOWN_DAYS = 30
TZ = "Asia/Jakarta"


@dataclass(frozen=True)
class Tally:
    """What the database holds, counted so that duplicates would show."""

    work_orders: int
    distinct_occurrences: int
    skipped: int
    distinct_skipped: int
    created_events: int
    escalated_events: int

    @property
    def rows(self) -> int:
        """Work orders from plans plus recorded skips."""
        return self.work_orders + self.skipped


def _count(session: Session, query: Any) -> int:
    return int(session.scalar(query) or 0)


def tally(container: Container) -> Tally:
    """Count plan work orders (all and distinct by occurrence), skips and history lines."""
    from_plans = WorkOrder.plan_id.is_not(None)
    distinct_wo = select(WorkOrder.plan_id, WorkOrder.occurrence_at).where(from_plans).distinct()
    distinct_skip = select(SkippedOccurrence.plan_id, SkippedOccurrence.occurrence_at).distinct()
    events = select(func.count()).select_from(WorkOrderEvent)
    with container.session_factory() as s:
        return Tally(
            work_orders=_count(s, select(func.count()).select_from(WorkOrder).where(from_plans)),
            distinct_occurrences=_count(
                s, select(func.count()).select_from(distinct_wo.subquery())
            ),
            skipped=_count(s, select(func.count()).select_from(SkippedOccurrence)),
            distinct_skipped=_count(s, select(func.count()).select_from(distinct_skip.subquery())),
            created_events=_count(s, events.where(WorkOrderEvent.action == "created")),
            escalated_events=_count(s, events.where(WorkOrderEvent.action == "escalated")),
        )


def _start(url: str, until: datetime, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "UDARA_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "udara.cli", "scheduler", "run-once"]
    command += ["--until", until.isoformat()]
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _report(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err[-2000:]
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == [], report
    return report


def test_two_schedulers_a_killed_one_and_a_restart_create_each_work_order_once(
    migrated_database_url: str, tmp_path: Path
) -> None:
    url = migrated_database_url
    container = Container(Settings(database_url=url, timezone=TZ))
    now = datetime.now(UTC)
    imported = now - timedelta(days=DOWN_DAYS)
    until = now + timedelta(days=2)  # fixed horizon: every run owes the same occurrences
    import_strategy(container.session_factory, STRATEGY, imported, TZ)
    with container.session_factory.begin() as session:
        session.execute(update(Plan).where(Plan.id % 2 == 0).values(catch_up="all"))
    started = time.monotonic()

    # 1. A scheduler dies mid-run (after its first commit, likely holding a plan's lock).
    killed = _start(url, until, tmp_path)
    wait_for(
        lambda: tally(container).rows > 0 or killed.poll() is not None,
        120,
        "the first scheduler's first commit",
        poll=0.02,
    )
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    assert killed.returncode == -signal.SIGKILL, "the scheduler finished before the kill"
    after_kill = tally(container)

    # 2. Two schedulers at once.
    racing = [_start(url, until, tmp_path) for _ in range(2)]
    reports = [_report(p) for p in racing]
    after_race = tally(container)
    race_s = time.monotonic() - started

    # 3. The restart.
    restart = _report(_start(url, until, tmp_path))
    final = tally(container)

    # Nothing twice: neither work orders, nor skips, nor their history.
    assert final.work_orders == final.distinct_occurrences, final
    assert final.skipped == final.distinct_skipped, final
    assert final.created_events == final.work_orders, "a work order created twice in history"
    # The runs' reports add up to what the database holds (the killed run's share excepted).
    generated = sum(r["generated"] for r in reports)
    assert generated == after_race.work_orders - after_kill.work_orders > 0, (
        "the killed scheduler left work for the others" if generated else "no work left"
    )
    assert sum(r["skipped"] for r in reports) == after_race.skipped - after_kill.skipped
    escalated = sum(r["escalated"] for r in reports) + restart["escalated"]
    assert escalated == final.escalated_events - after_kill.escalated_events
    assert (restart["generated"], restart["skipped"]) == (0, 0), restart
    assert final.rows == after_race.rows

    # Nothing lost: each calendar occurrence is a work order or a recorded skip, never both.
    occurrences: dict[int, Counter[datetime]] = {}
    orders: Counter[int] = Counter()
    with container.session_factory() as session:
        for plan_id, at in session.execute(
            select(WorkOrder.plan_id, WorkOrder.occurrence_at).where(WorkOrder.plan_id.is_not(None))
        ):
            assert plan_id is not None and at is not None
            occurrences.setdefault(plan_id, Counter())[at] += 1
            orders[plan_id] += 1
        for plan_id, at in session.execute(
            select(SkippedOccurrence.plan_id, SkippedOccurrence.occurrence_at)
        ):
            occurrences.setdefault(plan_id, Counter())[at] += 1
        plans = list(session.execute(select(Plan, Building.timezone).join(Building)))
        calendar_plans = 0
        for plan, tz in plans:
            mine = occurrences.get(plan.id, Counter())
            assert all(n == 1 for n in mine.values()), f"plan {plan.code}: {mine.most_common(3)}"
            if plan.anchor == "completion":
                # The next one only once the last is done: none was, so one order at most.
                assert orders[plan.id] <= 1, f"plan {plan.code}: {orders[plan.id]} open orders"
                continue
            calendar_plans += 1
            owed = set(expand(schedule(plan, tz), imported, until))
            assert set(mine) == owed, (
                f"plan {plan.code}: {len(owed - set(mine))} occurrences lost, "
                f"{len(set(mine) - owed)} unexpected"
            )
    container.engine.dispose()
    engine = url.split(":", 1)[0].split("+", 1)[0]
    figure(
        f"schedulers ({engine})",
        f"{len(plans)} plans ({calendar_plans} calendar), {DOWN_DAYS} days down: killed run "
        f"left {after_kill.rows} rows, the two racing runs added {generated} work orders "
        f"({', '.join(str(r['generated']) for r in reports)}) and "
        f"{after_race.skipped - after_kill.skipped} skips, restart added 0; "
        f"{final.work_orders} work orders, {final.skipped} skips, 0 duplicates; "
        f"{time.monotonic() - started:.1f}s ({race_s:.1f}s to the end of the race)",
    )
