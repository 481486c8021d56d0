"""Maintenance KPIs of one building and month, overall and per crew (pure; `now` is passed).

Definitions, each with its reason (docs/CONTRACTS.md, "Assets": the KPI API):
- The month is the building's local calendar month, [start, end). Work is counted in the
  month its *deadline* falls in, so an order created on the 30th and due on the 2nd belongs
  to the next month, and one that crosses a month end is counted once.
- A deadline still in the future (the month is not over) counts only once it is met: work
  is not "missed" before it is due.
- Cancelled work counts nowhere.
- PM compliance: planned or preventive work (`type` preventive, or made by a plan) due in the
  month and completed by its due time, over all of it.
- SLA response hit rate: work whose response deadline (`respond_by`) falls in the month and
  was responded to (assigned, started) by then. Resolution: `due_at` in the month, completed
  by then — every type.
- MTTR: mean hours from creation to completion of corrective and emergency work completed in
  the month (repairs, not routine cleaning rounds).
- Backlog: work created before the month's end (or `now`) and not completed by then: how
  many, their mean and oldest age in days.
- Audit score: the mean inspection score of the month.
A rate over nothing is None ("no data"), never 0 % or 100 %.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

REPAIR_TYPES: Final = frozenset({"corrective", "emergency"})


@dataclass(frozen=True)
class OrderFacts:
    """What the KPIs read of one work order."""

    crew: str
    type: str
    status: str
    created_at: datetime
    respond_by: datetime | None = None
    responded_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    planned: bool = False  # made by a plan


@dataclass(frozen=True)
class AuditFacts:
    """One inspection: when, by which crew's template, its score."""

    at: datetime
    crew: str
    score: float


@dataclass(frozen=True)
class Rate:
    """`hit` of `total`; `value` the share in percent, None when `total` is 0."""

    hit: int
    total: int

    @property
    def value(self) -> float | None:
        return round(100.0 * self.hit / self.total, 1) if self.total else None


@dataclass(frozen=True)
class Backlog:
    """Open work at one moment."""

    count: int
    mean_age_days: float | None
    oldest_age_days: float | None


@dataclass(frozen=True)
class Kpis:
    """The KPIs of one group (a building, or one crew of it) for one month."""

    pm_compliance: Rate
    sla_response: Rate
    sla_resolution: Rate
    mttr_hours: float | None
    repairs: int
    backlog: Backlog
    audit_score: float | None
    audits: int


@dataclass(frozen=True)
class MonthKpis:
    """A building's month: overall and per crew."""

    month: date
    start: datetime
    end: datetime
    overall: Kpis
    crews: dict[str, Kpis] = field(default_factory=dict)


def month_bounds(month: date, tz: str) -> tuple[datetime, datetime]:
    """The local month [start, end) as aware datetimes."""
    zone = ZoneInfo(tz)
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (datetime(month.year, month.month, 1, tzinfo=zone),
            datetime(nxt.year, nxt.month, 1, tzinfo=zone))  # fmt: skip


def _deadline_rate(
    orders: Iterable[OrderFacts],
    deadline: Callable[[OrderFacts], datetime | None],
    met_at: Callable[[OrderFacts], datetime | None],
    start: datetime,
    end: datetime,
    now: datetime,
) -> Rate:
    hit = total = 0
    for o in orders:
        due = deadline(o)
        if o.status == "cancelled" or due is None or not start <= due < end:
            continue
        done = met_at(o)
        on_time = done is not None and done <= due
        if due > now and not on_time:
            continue  # not due yet: neither met nor missed
        total += 1
        hit += on_time
    return Rate(hit, total)


def pm_compliance(orders: Iterable[OrderFacts], start: datetime, end: datetime,
                  now: datetime) -> Rate:  # fmt: skip
    """Planned and preventive work due in [start, end), completed by its due time."""
    planned = (o for o in orders if o.planned or o.type == "preventive")
    return _deadline_rate(planned, lambda o: o.due_at, lambda o: o.completed_at, start, end, now)


def sla_response(orders: Iterable[OrderFacts], start: datetime, end: datetime,
                 now: datetime) -> Rate:  # fmt: skip
    """Response deadlines in [start, end) that were met."""
    return _deadline_rate(orders, lambda o: o.respond_by, lambda o: o.responded_at, start, end,
                          now)  # fmt: skip


def sla_resolution(orders: Iterable[OrderFacts], start: datetime, end: datetime,
                   now: datetime) -> Rate:  # fmt: skip
    """Resolution deadlines in [start, end) that were met."""
    return _deadline_rate(orders, lambda o: o.due_at, lambda o: o.completed_at, start, end, now)


def mttr_hours(orders: Iterable[OrderFacts], start: datetime, end: datetime) -> tuple[
    float | None, int
]:  # fmt: skip
    """Mean hours to repair of corrective and emergency work completed in [start, end), and
    how many repairs that mean is of."""
    hours = [
        (o.completed_at - o.created_at).total_seconds() / 3600
        for o in orders
        if o.type in REPAIR_TYPES and o.status != "cancelled" and o.completed_at is not None
        and start <= o.completed_at < end
    ]  # fmt: skip
    return (round(sum(hours) / len(hours), 1) if hours else None), len(hours)


def backlog(orders: Iterable[OrderFacts], at: datetime) -> Backlog:
    """Work created by `at` and not completed by then (cancelled work left out)."""
    ages = [
        (at - o.created_at).total_seconds() / 86400
        for o in orders
        if o.status != "cancelled" and o.created_at <= at
        and (o.completed_at is None or o.completed_at > at)
    ]  # fmt: skip
    if not ages:
        return Backlog(0, None, None)
    return Backlog(len(ages), round(sum(ages) / len(ages), 1), round(max(ages), 1))


def kpis(
    orders: Sequence[OrderFacts], audits: Sequence[AuditFacts], start: datetime, end: datetime,
    now: datetime,
) -> Kpis:  # fmt: skip
    """Every KPI of one group of orders and inspections for [start, end)."""
    mttr, repairs = mttr_hours(orders, start, end)
    scores = [a.score for a in audits if start <= a.at < end]
    return Kpis(
        pm_compliance=pm_compliance(orders, start, end, now),
        sla_response=sla_response(orders, start, end, now),
        sla_resolution=sla_resolution(orders, start, end, now),
        mttr_hours=mttr,
        repairs=repairs,
        backlog=backlog(orders, min(end, now)),
        audit_score=round(sum(scores) / len(scores), 1) if scores else None,
        audits=len(scores),
    )


def month_kpis(
    orders: Sequence[OrderFacts], audits: Sequence[AuditFacts], month: date, tz: str,
    now: datetime,
) -> MonthKpis:  # fmt: skip
    """A building's KPIs for `month` (local), overall and for each crew with work or audits."""
    start, end = month_bounds(month, tz)
    crews = sorted({o.crew for o in orders} | {a.crew for a in audits})
    return MonthKpis(
        month, start, end, kpis(orders, audits, start, end, now),
        {c: kpis([o for o in orders if o.crew == c], [a for a in audits if a.crew == c],
                 start, end, now) for c in crews},
    )  # fmt: skip
