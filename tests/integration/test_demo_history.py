"""`udara demo seed-history`: days of history in InfluxDB and the database, once (real servers)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ingest.domain.profiles import load_profile
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from sensors_sim.rooms import make_rooms
from udara.bootstrap import Container
from udara.demo_cli import seed_history_command
from udara.demo_devices import PENDING_DEVICES
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING
from udara.settings import Settings
from web.iaq.compliance import building_score
from web.iaq.readings import IaqReadings

pytestmark = pytest.mark.integration

WIB = ZoneInfo("Asia/Jakarta")
END = datetime(2026, 11, 19, 17, 0, tzinfo=WIB)  # a Thursday: the days before are workdays
START = END - timedelta(days=3)
BUILDING = "menara-a"
PER_METRIC = 3 * 24 * 12  # a reading every five minutes
FIVE_MINUTES = timedelta(minutes=5)


@pytest.fixture
def container(influxdb: ManagedServer, influx_db_name: str, sqlite_url: str) -> Iterator[Container]:
    """A container on the test InfluxDB and a migrated SQLite database."""
    settings = Settings(
        influx_url=f"http://127.0.0.1:{influxdb.port}",
        influx_db=influx_db_name,
        database_url=sqlite_url,
    )
    container = Container(settings)
    yield container
    container.close()


def _seed(container: Container) -> str:
    began = time.perf_counter()
    result = CliRunner().invoke(
        seed_history_command, ["--days", "3", "--end", END.isoformat()], obj=container
    )
    assert result.exit_code == 0, result.output
    print(f"\nseed-history --days 3: {time.perf_counter() - began:.1f} s\n{result.output}")  # noqa: T201
    return result.output


def _instant(container: Container, query: str) -> datetime:
    """The time of the one point a query returns."""
    ms = container.influx.query(query)[0]["values"][0][0]
    return datetime.fromtimestamp(ms / 1000, WIB)


def _counts(container: Container) -> dict[str, Any]:
    """Readings per room and metric, alerts, work orders and pending devices."""
    series = container.influx.query(
        'SELECT count(*) FROM "iaq" WHERE "building" = $b GROUP BY "room"', {"b": BUILDING}
    )
    readings = {
        s["tags"]["room"]: {
            column.removeprefix("count_"): value
            for column, value in zip(s["columns"], s["values"][0], strict=True)
            if column != "time" and value
        }
        for s in series
    }
    orders = container.work_order_service.list(
        WorkOrderFilter(building=BUILDING), viewer=SYSTEM, limit=500, now=END
    )
    alerts = container.alert_service.list(building=BUILDING, scope=EVERYTHING)
    return {
        "readings": readings,
        "alerts": Counter(a.state for a in alerts),
        "orders": (orders.total, Counter(o.status for o in orders.items)),
        "devices": [(d.device, d.readings) for d in container.device_service.list(viewer=SYSTEM)],
    }


def test_three_days_of_history_are_written_once_with_alerts_work_and_breaches(
    container: Container,
) -> None:
    assert _seed(container).startswith(f"history of {BUILDING} seeded")

    counts = _counts(container)
    rooms = make_rooms(12, BUILDING)
    for room in rooms:
        metrics = {"temperature", "humidity", "co2", "pm25"} | (
            {"pm10"} if room.kind.pm10 else set()
        )
        assert counts["readings"][room.name] == dict.fromkeys(metrics, PER_METRIC), room.name
    oldest, newest = (
        _instant(container, 'SELECT "co2" FROM "iaq" ORDER BY time ASC LIMIT 1'),
        _instant(container, 'SELECT "co2" FROM "iaq" ORDER BY time DESC LIMIT 1'),
    )
    assert START <= oldest < START + FIVE_MINUTES
    assert END - FIVE_MINUTES <= newest < END

    # Alerts opened and resolved at event times, each with its work order.
    alerts = container.alert_service.list(building=BUILDING, scope=EVERYTHING)
    resolved = [a for a in alerts if a.state == "resolved"]
    assert resolved
    assert all(START <= a.opened_at <= (a.resolved_at or END) <= END for a in resolved)
    page = container.work_order_service.list(
        WorkOrderFilter(building=BUILDING), viewer=SYSTEM, limit=500, now=END
    )
    assert page.total <= 500
    orders = page.items
    from_alerts = {aid: o for o in orders if o.source == "alert" for aid in o.alert_ids}
    linked = [a for a in resolved if a.id in from_alerts]
    assert linked
    assert all(START <= from_alerts[a.id].created_at <= END for a in linked)  # not wall time
    assert any(from_alerts[a.id].crew == "hvac" for a in linked)

    # Plan work of the past days exists, mostly done; some work is still open.
    past = [o for o in orders if o.source == "plan" and o.occurrence_at and o.occurrence_at < END]
    finished = [o for o in past if o.status in ("done", "verified")]
    assert len(past) > 100 and len(finished) > 0.8 * len(past)
    assert any(o.status == "verified" for o in past)
    assert any(o.status not in ("done", "verified", "cancelled") for o in orders)

    # The compliance report of the month is computable and shows breaches.
    report = building_score(
        IaqReadings(container.influx), load_profile("permenkes-1077-2011"),
        container.evaluation_config, BUILDING,
        "Asia/Jakarta", [r.name for r in rooms], date(2026, 11, 1), END,
    )  # fmt: skip
    totals = report.totals
    assert all(totals[m].covered > 0 for m in ("co2", "pm25", "temperature", "humidity"))
    assert totals["co2"].compliant < totals["co2"].covered

    # Tuesday's inspection round: three rooms, in the month's audit summary and its KPIs.
    month = date(2026, 11, 1)
    summary = container.inspections.audit_summary(scope=EVERYTHING, building=BUILDING,
                                                  month=month)  # fmt: skip
    assert len(summary.inspections) == 3 and summary.mean is not None
    assert all(START <= i.at <= END for i in summary.inspections)
    kpis = container.kpis.month(scope=EVERYTHING, building=BUILDING, month=month)
    assert kpis.overall.audits == 3 and kpis.overall.sla_resolution.total > 0
    assert kpis.overall.pm_compliance.value is not None

    # Devices of other formats wait to be placed, each with a day of held readings.
    pending = container.device_service.list("pending", viewer=SYSTEM)
    assert {d.device for d in pending} == {d.device for d in PENDING_DEVICES}
    held = container.influx.query('SELECT count("temperature") FROM "iaq_unplaced"')
    assert held[0]["values"][0][1] > 3 * 90

    # A second run changes nothing.
    assert "not seeded" in _seed(container)
    assert _counts(container) == counts
