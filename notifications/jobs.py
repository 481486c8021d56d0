"""The notification jobs the one scheduler runs (module-level, stable ids): route what time
decides, and send the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.alert_service import AlertService
    from notifications.services.alerts import AlertNotifications
    from notifications.services.digest import Digests
    from notifications.services.dispatch import Dispatcher

log = logging.getLogger(__name__)
DISPATCH_JOB_ID = "notifications.dispatch"
DISPATCH_EVERY_S = 5
SWEEP_JOB_ID = "notifications.sweep"
SWEEP_EVERY_S = 30
DIGEST_JOB_ID = "notifications.digest"
DIGEST_EVERY_S = 300


def dispatch_job(dispatcher: Dispatcher) -> None:
    """Send what is due."""
    report = dispatcher.run()
    if report.messages or report.retried or report.failed:
        log.info("notifications dispatched: %s", report.to_json())


def sweep_job(
    notifications: AlertNotifications,
    alerts: Callable[[], AlertService],
    clock: Callable[[], datetime],
) -> None:
    """Route lasting warnings, escalations, and what failed listener calls missed."""
    report = notifications.sweep(alerts(), clock())
    if any(report.to_json().values()):
        log.info("notifications routed: %s", report.to_json())


def digest_job(digests: Digests, clock: Callable[[], datetime]) -> None:
    """Route the daily digests of the buildings whose 07:00 has come (once per day)."""
    made = digests.run(clock())
    if made:
        log.info("daily digests routed: %s deliveries", made)
