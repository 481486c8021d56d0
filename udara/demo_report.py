"""What a seed of the demo's history wrote, and where its time went."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from maintenance.adapters.orm import Building, WorkOrder
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter

if TYPE_CHECKING:
    from udara.bootstrap import Container

T = TypeVar("T")


@dataclass
class SeedReport:
    """What a seed wrote, or why it wrote nothing."""

    building: str
    start: datetime
    end: datetime
    timezone: str = "UTC"
    skipped: str | None = None
    readings: int = 0
    alerts_opened: int = 0
    alerts_resolved: int = 0
    work_orders: dict[str, int] = field(default_factory=dict)  # by status
    overdue: int = 0
    pending_devices: int = 0
    held_readings: int = 0
    inspections: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """What to print."""
        start, end = (t.astimezone(ZoneInfo(self.timezone)) for t in (self.start, self.end))
        span = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {end:%Z}"
        if self.skipped:
            return [
                f"history of {self.building}: not seeded, {self.skipped} (it is written once, "
                "into a building without any; `make clean` starts the demo over)"
            ]
        orders = ", ".join(f"{n} {status}" for status, n in sorted(self.work_orders.items()))
        took = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        return [
            f"history of {self.building} seeded, {span}:",
            f"  {self.readings:,} readings; {self.alerts_opened} alerts opened, "
            f"{self.alerts_resolved} resolved",
            f"  {sum(self.work_orders.values())} work orders ({orders}); {self.overdue} overdue",
            f"  {self.inspections} inspections",
            f"  {self.pending_devices} pending devices with {self.held_readings:,} held readings",
            f"  took {took}",
        ]


class Stopwatch:
    """Seconds spent per phase, summed over many short stretches."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started = time.perf_counter()
        self._cpu = time.process_time()

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        """Count the time inside the block towards `phase`."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - began

    def timed(self, phase: str, items: Iterable[T]) -> Iterator[T]:
        """Count the time spent producing each item towards `phase`."""
        iterator = iter(items)
        while True:
            with self(phase):
                item = next(iterator, None)
            if item is None:
                return
            yield item

    def total(self) -> float:
        """Seconds since the watch was made."""
        return time.perf_counter() - self._started

    def cpu(self) -> float:
        """CPU seconds this process used since the watch was made."""
        return time.process_time() - self._cpu


def count_work(container: Container, report: SeedReport) -> None:
    """Fill in the building's work orders by status, and how many are overdue at the end."""
    query = (
        select(WorkOrder.status, func.count())
        .join(Building, Building.id == WorkOrder.building_id)
        .where(Building.code == report.building)
        .group_by(WorkOrder.status)
    )
    with container.session_factory() as session:
        report.work_orders = {status: int(n) for status, n in session.execute(query)}
    overdue = WorkOrderFilter(building=report.building, overdue=True)
    page = container.work_order_service.list(overdue, viewer=SYSTEM, limit=1, now=report.end)
    report.overdue = page.total
