"""The scheduler's job is configured so that lateness, overlap and restarts are harmless."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from maintenance.scheduler import RECONCILE_JOB_ID, build_scheduler, reconcile_job


class CountingReconciler:
    """Stands in for the Reconciler: records the times it was run at."""

    def __init__(self) -> None:
        self.runs: list[datetime] = []

    def run(self, now: datetime, until: datetime | None = None) -> Any:
        self.runs.append(now)
        return type("Report", (), {"to_json": lambda self: {}})()


def test_the_reconcile_job_has_a_stable_id_and_tolerant_settings() -> None:
    scheduler = build_scheduler(CountingReconciler())  # type: ignore[arg-type]
    [job] = scheduler.get_jobs()
    assert job.id == RECONCILE_JOB_ID
    assert job.coalesce is True and job.max_instances == 1
    assert job.misfire_grace_time >= 600
    assert job.trigger.interval.total_seconds() == 60


def test_the_job_reconciles_as_of_the_current_utc_time() -> None:
    reconciler = CountingReconciler()
    reconcile_job(reconciler)  # type: ignore[arg-type]
    [at] = reconciler.runs
    assert at.utcoffset() is not None and at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
