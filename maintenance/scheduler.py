"""The one scheduler process: APScheduler runs the reconcile job every minute.

The database is the source of truth, so the job keeps no state between runs; a restart,
a misfire or a second scheduler only makes it do its (idempotent) work again.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from maintenance.services.reconcile import Reconciler

log = logging.getLogger(__name__)
RECONCILE_JOB_ID = "maintenance.reconcile"
RECONCILE_EVERY_S = 60
# A run that is late (host asleep, long GC, slow database) is still worth doing.
MISFIRE_GRACE_S = 3600


@dataclass(frozen=True)
class Job:
    """Another package's job the one scheduler also runs (notifications' dispatch, ...):
    a module-level function with a stable id, run every `every_s` seconds."""

    id: str
    func: Callable[..., object]
    every_s: float
    name: str
    args: tuple[object, ...] = ()


def reconcile_job(reconciler: Reconciler, clock: Callable[[], datetime]) -> None:
    """The job: one reconcile pass as of the current time."""
    report = reconciler.run(clock())
    log.info("reconcile: %s", report.to_json())


def build_scheduler(
    reconciler: Reconciler,
    clock: Callable[[], datetime],
    every_s: int = RECONCILE_EVERY_S,
    jobs: Sequence[Job] = (),
) -> BlockingScheduler:
    """A blocking scheduler with the reconcile job and `jobs`, first runs immediately."""
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        reconcile_job,
        "interval",
        seconds=every_s,
        id=RECONCILE_JOB_ID,
        name="generate plan occurrences, link alerts, escalate SLAs",
        replace_existing=True,
        coalesce=True,  # after a pause, one catch-up run; the job itself covers the gap
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_S,
        args=[reconciler, clock],
        next_run_time=clock(),
    )
    for job in jobs:
        scheduler.add_job(
            job.func,
            "interval",
            seconds=job.every_s,
            id=job.id,
            name=job.name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,  # never two runs of one job at once in this process
            misfire_grace_time=MISFIRE_GRACE_S,
            args=list(job.args),
            next_run_time=clock(),
        )
    return scheduler


def run_scheduler(
    reconciler: Reconciler, clock: Callable[[], datetime], jobs: Sequence[Job] = ()
) -> None:
    """Run until SIGTERM or SIGINT. Refuses inside web workers (every worker would run it)."""
    if "gunicorn" in sys.modules:
        raise RuntimeError(
            "the scheduler runs in its own process (`udara scheduler`), not in web workers"
        )
    scheduler = build_scheduler(reconciler, clock, jobs=jobs)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler stopping on signal %s", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler started: job %s every %ss", RECONCILE_JOB_ID, RECONCILE_EVERY_S)
    for job in jobs:
        log.info("scheduler started: job %s every %ss", job.id, job.every_s)
    scheduler.start()
