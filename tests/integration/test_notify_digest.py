"""The daily digest at 07:00 building time, on fixed times: facility managers and
supervisors of each building, once per person and building-day, through the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from notifications import jobs
from notifications.adapters.orm import Delivery
from notifications.services.digest import digest_key
from tests.support.notify_env import (
    MONDAY_10,
    Clock,
    alert_service,
    co2,
    make_app,
    opened,
    populate,
)
from udara.bootstrap import Container
from udara.db import transaction

pytestmark = pytest.mark.integration
# Tuesday 07:00 in Jakarta (UTC+7) is Tuesday 00:00 UTC: 21 hours after Monday 10:00.
TUESDAY_7 = MONDAY_10 + timedelta(hours=21)


@pytest.fixture
def app(migrated_database_url: str) -> Iterator[Container]:
    app = make_app(migrated_database_url, Clock(MONDAY_10))
    populate(app)
    yield app
    app.close()


def digests(app: Container) -> list[Delivery]:
    with app.session_factory() as session:
        query = select(Delivery).where(Delivery.event == "digest").order_by(Delivery.id)
        return list(session.scalars(query))


def test_the_digest_goes_at_seven_once_per_person_and_building_day(app: Container) -> None:
    [alert] = alert_service(app).apply([opened(co2(), MONDAY_10)])  # menara-a, critical
    with transaction(app.session_factory) as session:  # one of its messages failed
        session.execute(
            update(Delivery).where(Delivery.alert_id == alert.id, Delivery.recipient == "hadi")
            .values(status="failed")
        )  # fmt: skip
    assert app.digests.run(TUESDAY_7 - timedelta(minutes=1)) == 0  # 06:59: not yet
    made = app.digests.run(TUESDAY_7)
    found = {(d.building, d.recipient) for d in digests(app)}
    # Managers who reach the building (budi only menara-b), supervisors likewise (hadi leads
    # hvac in menara-a; sari supervises cleaning everywhere); agus, a technician, hears none.
    assert found == {
        ("menara-a", "rina"), ("menara-a", "hadi"), ("menara-a", "sari"),
        ("menara-b", "rina"), ("menara-b", "budi"), ("menara-b", "sari"),
    }  # fmt: skip
    assert made == 6
    # The job running again that day, or a second scheduler, adds nothing.
    assert app.digests.run(TUESDAY_7 + timedelta(minutes=5)) == 0
    assert app.digests.run(TUESDAY_7 + timedelta(hours=10)) == 0
    assert len(digests(app)) == 6
    by = {(d.building, d.recipient): d for d in digests(app)}
    rina = by[("menara-a", "rina")]
    assert rina.event_key == digest_key("menara-a", "2026-03-03")
    assert rina.subject == "[Udara] Ringkasan harian Menara A, 03-03-2026"
    assert "Peringatan terbuka: 1 (1 kritis)." in rina.body
    assert "Peringatan baru kemarin: 1." in rina.body
    assert "Pesan gagal terkirim (24 jam): 1." in rina.body
    assert rina.status == "pending" and rina.body.endswith("/alerts")
    assert "Open alerts: 1 (1 critical)." in by[("menara-a", "hadi")].body  # his English
    assert "Peringatan terbuka: 0 (0 kritis)." in by[("menara-b", "budi")].body
    # The next day has its own digest.
    assert app.digests.run(TUESDAY_7 + timedelta(days=1)) == 6


def test_the_scheduler_runs_the_digest_job(app: Container) -> None:
    found = {job.id: job for job in app.scheduler_jobs()}
    assert found[jobs.DIGEST_JOB_ID].every_s == jobs.DIGEST_EVERY_S
    jobs.digest_job(app.digests, lambda: TUESDAY_7)
    assert len(digests(app)) == 6
