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


def test_other_packages_jobs_run_with_stable_ids_one_at_a_time() -> None:
    from maintenance.scheduler import Job
    from notifications import jobs

    extra = [
        Job(jobs.DISPATCH_JOB_ID, jobs.dispatch_job, jobs.DISPATCH_EVERY_S, "send", (None,)),
        Job(jobs.SWEEP_JOB_ID, jobs.sweep_job, jobs.SWEEP_EVERY_S, "route", (None, None, None)),
    ]
    scheduler = build_scheduler(CountingReconciler(), _clock, jobs=extra)  # type: ignore[arg-type]
    found = {job.id: job for job in scheduler.get_jobs()}
    assert set(found) == {RECONCILE_JOB_ID, "notifications.dispatch", "notifications.sweep"}
    for job in found.values():
        assert job.coalesce is True and job.max_instances == 1
    assert found["notifications.dispatch"].trigger.interval.total_seconds() == 5
