"""The notification pages: the delivery log facility managers read (their buildings only,
filterable, failed ones marked), an alert's and a work order's own deliveries, and the
contact points and preferences people manage on their profile."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from notifications.adapters.orm import Delivery
from tests.support.notify_env import MONDAY_10, alert_service, co2, opened, populate
from tests.web.conftest import FixedClockContainer, make_settings
from udara.db import transaction, upgrade_database
from web import create_app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FixedClockContainer]:
    url = f"sqlite:///{tmp_path / 'udara.db'}"
    upgrade_database(url)
    container = FixedClockContainer(make_settings(url), MONDAY_10)
    populate(container)
    yield container
    container.close()


@pytest.fixture
def as_user(app: FixedClockContainer) -> Callable[[str], FlaskClient]:
    flask_app = create_app(app, {"WTF_CSRF_ENABLED": False, "TESTING": True})

    def make(username: str) -> FlaskClient:
        view = app.user_service.by_username(username)
        assert view is not None
        client = flask_app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(view.id)
            session["_fresh"] = True
        return client

    return make


def rows(html: str) -> list[tuple[str, str]]:
    """(status, row html) of each delivery row shown."""
    return re.findall(r'<tr data-delivery="\d+" data-status="(\w+)"([^>]*)>', html)


def test_the_log_shows_a_managers_buildings_filtered_and_marks_failures(
    app: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    alerts = alert_service(app)
    [in_a] = alerts.apply([opened(co2(), app.now)])
    [in_b] = alerts.apply([opened(co2(building="menara-b", room="lobi"), app.now)])
    with transaction(app.session_factory) as session:  # rina's message about menara-b failed
        session.execute(
            update(Delivery)
            .where(Delivery.alert_id == in_b.id, Delivery.recipient == "rina")
            .values(status="failed", attempts=8, error="550 mailbox unavailable")
        )
    rina = as_user("rina").get("/notifications")
    assert rina.status_code == 200
    shown = rows(rina.text)
    assert len(shown) == 4  # rina and hadi of menara-a; rina and budi of menara-b
    assert ("failed", ' class="failed"') in shown and "550 mailbox unavailable" in rina.text
    budi = as_user("budi").get("/notifications").text
    assert "lt5-rapat" not in budi and "Menara A" not in budi and len(rows(budi)) == 2
    failed = as_user("rina").get("/notifications?status=failed").text
    assert [s for s, _ in rows(failed)] == ["failed"]
    by_alert = as_user("rina").get(f"/notifications?alert_id={in_a.id}").text
    assert len(rows(by_alert)) == 2 and "Menara B" not in by_alert
    assert len(rows(as_user("rina").get("/notifications?channel=tgram").text)) == 0
    assert len(rows(as_user("rina").get("/notifications?event=alert_opened").text)) == 4
    assert as_user("rina").get("/notifications?event=nonsense").status_code == 400
    assert as_user("sari").get("/notifications").status_code == 403
    assert as_user("agus").get("/notifications").status_code == 403
    # The alert list links each alert's own deliveries for managers.
    assert f'data-deliveries="{in_a.id}"' in as_user("rina").get("/alerts").text


def test_a_work_orders_page_shows_its_own_deliveries_to_managers(
    app: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    wo = app.work_order_service.create(
        "rina", app.now, type="corrective", crew="hvac", building="menara-a",
        room="lt5-rapat", title="Periksa AHU",
    )  # fmt: skip
    app.work_order_service.assign(wo.id, "agus", "rina", app.now)
    page = as_user("rina").get(f"/work-orders/{wo.id}").text
    assert [s for s, _ in rows(page)] == ["pending"] and "agus" in page
    assert 'data-delivery="' not in as_user("sari").get(f"/work-orders/{wo.id}").text
