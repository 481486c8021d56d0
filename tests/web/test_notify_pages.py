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


def test_people_manage_their_own_contact_points_and_preferences(
    app: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    sari = as_user("sari")
    page = sari.get("/profile")
    assert page.status_code == 200 and "sari@example.co.id" in page.text
    added = sari.post("/profile", data={"action": "add", "address": "ntfy://ntfy.sh/udara-sari"})
    assert added.status_code == 302
    assert [c.channel for c in app.notifications.contacts("sari")] == ["email", "ntfy"]
    bad = sari.post("/profile", data={"action": "add", "address": "not an address"})
    assert bad.status_code == 400
    twice = sari.post("/profile", data={"action": "add", "address": "lain@example.co.id"})
    assert twice.status_code == 400  # one per channel
    assert sari.post("/profile", data={"action": "remove", "channel": "ntfy"}).status_code == 302
    assert [c.channel for c in app.notifications.contacts("sari")] == ["email"]
    saved = sari.post(
        "/profile",
        data={"action": "prefs", "lang": "en", "mute_warnings": "y", "quiet_hours": "22:00-06:00"},
    )
    assert saved.status_code == 302
    prefs = app.notifications.prefs("sari")
    assert (prefs.lang, prefs.mute_warnings, prefs.quiet_hours) == ("en", True, "22:00-06:00")
    wrong = sari.post("/profile", data={"action": "prefs", "lang": "en", "quiet_hours": "late"})
    assert wrong.status_code == 400
    assert sari.post("/profile", data={"action": "nonsense"}).status_code == 400
    # The test button goes through the outbox like any message.
    assert sari.post("/profile", data={"action": "test"}).status_code == 302
    [test] = app.notifications.deliveries(event="test")
    assert (test.recipient, test.channel, test.status) == ("sari", "email", "pending")
    assert test.subject == "[Udara] Test message"  # in her language, English now


def test_managers_manage_the_people_they_administer_only(
    app: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    rina, budi = as_user("rina"), as_user("budi")
    assert rina.get("/users/hadi/notifications").status_code == 200
    added = rina.post(
        "/users/hadi/notifications", data={"action": "add", "address": "json://127.0.0.1/hook"}
    )
    assert added.status_code == 302
    assert "json" in [c.channel for c in app.notifications.contacts("hadi")]
    # budi is limited to menara-b; hadi works in menara-a: as unknown as nobody.
    assert budi.get("/users/hadi/notifications").status_code == 404
    assert budi.get("/users/nosuchuser/notifications").status_code == 404
    refused = budi.post("/users/hadi/notifications", data={"action": "remove", "channel": "json"})
    assert refused.status_code == 404
    assert "json" in [c.channel for c in app.notifications.contacts("hadi")]
    assert as_user("sari").get("/users/hadi/notifications").status_code == 403


def test_profile_forms_need_the_csrf_token(app: FixedClockContainer) -> None:
    flask_app = create_app(app, {"TESTING": True})
    client = flask_app.test_client()
    view = app.user_service.by_username("sari")
    assert view is not None
    with client.session_transaction() as session:
        session["_user_id"] = str(view.id)
        session["_fresh"] = True
    refused = client.post("/profile", data={"action": "add", "address": "x@example.co.id"})
    assert refused.status_code == 400
    assert [c.channel for c in app.notifications.contacts("sari")] == ["email"]


def test_people_choose_channels_per_kind_on_their_profile(
    app: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    rina = as_user("rina")
    app.notifications.add_contact("rina", "json://127.0.0.1/hook")
    page = rina.get("/profile")
    assert "Saluran per jenis pesan" in page.text and "Ringkasan harian" in page.text
    boxes = re.findall(
        r'<input type="checkbox" name="ch_(\w+)" value="(\w+)"( checked)?>', page.text
    )
    assert len(boxes) == 8 and all(checked for *_, checked in boxes)  # 4 kinds × 2: all
    saved = rina.post(
        "/profile",
        data={"action": "channels", "ch_alert": ["json"], "ch_work_order": ["email", "json"]},
    )
    assert saved.status_code == 302
    # All (or none) ticked is "every channel": a contact point added later is used too.
    assert app.notifications.prefs("rina").channels == {"alert": ["json"]}
    page = rina.get("/profile")
    assert '<input type="checkbox" name="ch_alert" value="json" checked>' in page.text
    assert '<input type="checkbox" name="ch_alert" value="email">' in page.text
    # An alert now reaches her by the webhook alone.
    alert_service(app).apply([opened(co2(), app.now)])
    mine = [d.channel for d in app.notifications.deliveries() if d.recipient == "rina"]
    assert mine == ["json"]
    forged = rina.post("/profile", data={"action": "channels", "ch_alert": ["tgram"]})
    assert forged.status_code == 400
    assert app.notifications.prefs("rina").channels == {"alert": ["json"]}
    # In English for who reads English.
    assert "Channels per kind" in rina.get("/profile?lang=en").text
    # Without a contact point there is nothing to choose.
    app.notifications.remove_channel("budi", "email")
    bare = as_user("budi").get("/profile").text
    assert "Tambahkan kontak terlebih dahulu." in bare and 'name="ch_alert"' not in bare
