"""KPI formulas on hand-computed work: PM compliance, SLA hit rates, MTTR, backlog, audit
scores — months with no data, work crossing month ends, deadlines not reached yet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from inspections.domain.kpis import (
    AuditFacts,
    OrderFacts,
    backlog,
    month_bounds,
    month_kpis,
    mttr_hours,
    pm_compliance,
    sla_resolution,
    sla_response,
)

TZ = "Asia/Jakarta"
H = timedelta(hours=1)
START, END = month_bounds(date(2026, 3, 1), TZ)  # 2026-02-28 17:00 UTC .. 2026-03-31 17:00 UTC
AFTER = datetime(2026, 4, 15, tzinfo=UTC)  # the month is over


def at(day: int, hour: int = 3, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def order(crew: str = "cleaning", type: str = "corrective", status: str = "done", *,
          created: datetime, respond_by: datetime | None = None,
          responded: datetime | None = None, due: datetime | None = None,
          completed: datetime | None = None, planned: bool = False) -> OrderFacts:  # fmt: skip
    return OrderFacts(crew, type, status, created, respond_by, responded, due, completed,
                      planned)  # fmt: skip


def test_month_bounds_are_the_local_calendar_month() -> None:
    assert START == datetime(2026, 2, 28, 17, tzinfo=UTC)
    assert END == datetime(2026, 3, 31, 17, tzinfo=UTC)


def test_pm_compliance_counts_planned_and_preventive_work_due_in_the_month() -> None:
    orders = [
        # on time: a plan's routine round and a preventive order
        order(type="routine", planned=True, created=at(2), due=at(2, 10), completed=at(2, 9)),
        order(type="preventive", created=at(5), due=at(12), completed=at(11)),
        # late
        order(type="preventive", created=at(5), due=at(12), completed=at(13)),
        # never done
        order(type="preventive", status="open", created=at(20), due=at(25)),
        # created in February, due in March (crosses the month end): March's
        order(type="preventive", created=at(25, month=2), due=at(2), completed=at(1)),
        # due on 1 April 02:00 local = 31 March 19:00 UTC: April's, not March's
        order(type="preventive", status="open", created=at(30), due=at(31, 19)),
        # cancelled: nowhere; manual corrective work: not planned
        order(type="preventive", status="cancelled", created=at(3), due=at(4)),
        order(type="corrective", created=at(3), due=at(4), completed=at(5)),
    ]
    rate = pm_compliance(orders, START, END, AFTER)
    assert (rate.hit, rate.total, rate.value) == (3, 5, 60.0)


def test_a_deadline_not_reached_yet_is_neither_met_nor_missed() -> None:
    now = at(10)
    orders = [
        order(type="preventive", status="open", created=at(1), due=at(20)),  # not due yet
        order(type="preventive", created=at(1), due=at(20), completed=at(9)),  # done early
        order(type="preventive", status="open", created=at(1), due=at(5)),  # missed
    ]
    rate = pm_compliance(orders, START, END, now)
    assert (rate.hit, rate.total, rate.value) == (1, 2, 50.0)


def test_sla_response_and_resolution_hit_rates() -> None:
    orders = [
        order(created=at(3), respond_by=at(3, 5), responded=at(3, 4), due=at(4),
              completed=at(3, 20)),  # both met
        order(created=at(3), respond_by=at(3, 5), responded=at(3, 7), due=at(4),
              completed=at(5)),  # both missed
        order(status="open", created=at(3), respond_by=at(3, 5), due=at(4)),  # both missed
        order(created=at(31, 10), respond_by=at(31, 12), responded=at(31, 11),
              due=at(2, 10, month=4), completed=at(1, 9, month=4)),  # response March, due April
    ]  # fmt: skip
    response = sla_response(orders, START, END, AFTER)
    resolution = sla_resolution(orders, START, END, AFTER)
    assert (response.hit, response.total, response.value) == (2, 4, 50.0)
    assert (resolution.hit, resolution.total) == (1, 3)
    assert resolution.value == 33.3


def test_mttr_is_the_mean_repair_time_of_work_completed_in_the_month() -> None:
    orders = [
        order(created=at(3), completed=at(3) + 4 * H),
        order(type="emergency", created=at(3), completed=at(3) + 2 * H),
        # created in February, completed in March: its 30 hours count in March
        order(created=at(28, 10, month=2), completed=at(1, 16)),
        # routine rounds are not repairs; completed in April is April's
        order(type="routine", created=at(3), completed=at(3) + 50 * H),
        order(created=at(31, 10), completed=at(31, 20)),
    ]
    assert mttr_hours(orders, START, END) == (12.0, 3)  # (4 + 2 + 30) / 3


def test_backlog_is_the_work_open_at_the_moment() -> None:
    end = at(31)
    orders = [
        order(status="open", created=at(21)),  # 10 days
        order(status="in_progress", created=at(29)),  # 2 days
        order(created=at(1), completed=at(31, 5)),  # open at `end`, done after: 30 days
        order(created=at(1), completed=at(2)),  # done before
        order(status="cancelled", created=at(1)),
        order(status="open", created=at(31, 5)),  # created after
    ]
    found = backlog(orders, end)
    assert (found.count, found.mean_age_days, found.oldest_age_days) == (3, 14.0, 30.0)


def test_a_month_without_data_says_no_data_not_zero() -> None:
    found = month_kpis([], [], date(2026, 3, 1), TZ, AFTER)
    k = found.overall
    assert (k.pm_compliance.value, k.sla_response.value, k.sla_resolution.value) == (
        None, None, None)  # fmt: skip
    assert (k.mttr_hours, k.repairs, k.backlog.count, k.audit_score, k.audits) == (
        None, 0, 0, None, 0)  # fmt: skip
    assert found.crews == {}


def test_per_crew_kpis_and_audit_scores() -> None:
    orders = [
        order(created=at(3), respond_by=at(3, 5), responded=at(3, 4), due=at(4),
              completed=at(3, 9)),
        order("hvac", created=at(3), respond_by=at(3, 5), responded=at(3, 6), due=at(4),
              completed=at(5, 3)),
    ]  # fmt: skip
    audits = [
        AuditFacts(at(2), "cleaning", 80.0),
        AuditFacts(at(9), "cleaning", 60.0),
        AuditFacts(at(9), "hvac", 50.0),
        AuditFacts(at(9, month=4), "hvac", 10.0),
    ]
    found = month_kpis(orders, audits, date(2026, 3, 1), TZ, AFTER)
    assert found.overall.sla_response.value == 50.0
    assert (found.overall.audit_score, found.overall.audits) == (63.3, 3)
    cleaning, hvac = found.crews["cleaning"], found.crews["hvac"]
    assert (cleaning.sla_response.value, cleaning.sla_resolution.value) == (100.0, 100.0)
    assert (hvac.sla_response.value, hvac.sla_resolution.value) == (0.0, 0.0)
    assert (cleaning.mttr_hours, hvac.mttr_hours) == (6.0, 48.0)
    assert (cleaning.audit_score, hvac.audit_score) == (70.0, 50.0)
