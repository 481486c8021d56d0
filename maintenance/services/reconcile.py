"""One reconcile pass: generate what plans owe, repair alert links, escalate SLA breaches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from maintenance.services.alert_work_orders import AlertWorkOrders
from maintenance.services.generation import PlanGenerator
from maintenance.services.sla import SlaService

if TYPE_CHECKING:
    from ingest.alert_service import AlertService

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    """Counts of what one pass did, and which steps failed."""

    generated: int = 0
    skipped: int = 0
    alerts_attached: int = 0
    alerts_resolved: int = 0
    escalated: int = 0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


class Reconciler:
    """The scheduler's job body; every step is idempotent, so running it twice is harmless."""

    def __init__(
        self,
        generator: PlanGenerator,
        sla: SlaService,
        alert_work_orders: AlertWorkOrders | None = None,
        alerts: Callable[[], AlertService] | None = None,
    ) -> None:
        self._generator = generator
        self._sla = sla
        self._alert_work_orders = alert_work_orders
        self._alerts = alerts

    def run(self, now: datetime, until: datetime | None = None) -> ReconcileReport:
        """Reconcile up to `until` (default: now plus the look-ahead) as of `now`."""
        report = ReconcileReport()
        # Steps run independently: an alerts problem must not stop plan generation.
        try:
            generation = self._generator.run(now, until)
            report.generated, report.skipped = generation.generated, generation.skipped
            report.errors.extend(f"generation: plan {p} failed" for p in generation.failed)
        except Exception as exc:
            log.exception("plan generation failed")
            report.errors.append(f"generation: {exc}")
        if self._alert_work_orders is not None and self._alerts is not None:
            try:
                sweep = self._alert_work_orders.sweep(self._alerts(), now)
                report.alerts_attached, report.alerts_resolved = sweep.attached, sweep.resolved
            except Exception as exc:
                log.exception("alert sweep failed")
                report.errors.append(f"alerts: {exc}")
        try:
            report.escalated = self._sla.escalate(now)
        except Exception as exc:
            log.exception("SLA escalation failed")
            report.errors.append(f"sla: {exc}")
        return report
