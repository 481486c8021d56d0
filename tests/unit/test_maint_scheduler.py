"""The scheduler's job is configured so that lateness, overlap and restarts are harmless."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from maintenance.scheduler import RECONCILE_JOB_ID, build_scheduler, reconcile_job

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


class CountingReconciler:
    """Stands in for the Reconciler: records the times it was run at."""

    def __init__(self) -> None:
        self.runs: list[datetime] = []

    def run(self, now: datetime, until: datetime | None = None) -> Any:
        self.runs.append(now)
        return type("Report", (), {"to_json": lambda self: {}})()


def test_the_reconcile_job_has_a_stable_id_and_tolerant_settings() -> None:
    scheduler = build_scheduler(CountingReconciler(), _clock)  # type: ignore[arg-type]
    [job] = scheduler.get_jobs()
    assert job.id == RECONCILE_JOB_ID
    assert job.coalesce is True and job.max_instances == 1
    assert job.misfire_grace_time >= 600
    assert job.trigger.interval.total_seconds() == 60


def test_the_job_reconciles_as_of_the_clock_it_is_given() -> None:
    reconciler = CountingReconciler()
    reconcile_job(reconciler, _clock)  # type: ignore[arg-type]
    assert reconciler.runs == [NOW]
