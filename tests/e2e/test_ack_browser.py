"""In a real browser: the one-tap acknowledge link of a critical alert's message — valid,
reused, expired, tampered. Only a valid link, confirmed, changes anything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from ingest.alert_service import AlertView
from ingest.domain.alerts import AlertChange, AlertKey
from notifications.adapters.orm import Delivery
from tests.e2e.conftest import Site
from udara.scope import EVERYTHING

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://[^/\s]+(/n/ack/\S+)")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A phone-sized fresh profile: nobody is signed in."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def _alert(site: Site, alert_id: int) -> AlertView:
    found = site.container.alert_service.get(alert_id, scope=EVERYTHING)
    assert found is not None
    return found


def _open_critical(site: Site, room: str) -> tuple[int, str]:
    """A critical alert opened now; the path of the acknowledge link in fm's message."""
    people = site.container.notifications
    if not people.contacts("fm"):  # the seed's manager gets an e-mail contact point
        people.add_contact("fm", "fm@example.co.id")
    now = datetime.now(UTC)
    key = AlertKey("hq", room, "temperature", "critical")
    [alert] = site.container.alert_service.apply([AlertChange("open", key, now, value=31.5)])
    with site.container.session_factory() as session:
        bodies = session.scalars(
            select(Delivery.body).where(Delivery.recipient == "fm", Delivery.alert_id == alert.id)
        ).all()
    paths = [m.group(1) for body in bodies if (m := LINK.search(body or ""))]
    assert paths, "the manager's message carries an acknowledge link"
    return alert.id, paths[0]


def _shows(page: Page, title: str, text: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("main.ack h1")).to_have_text(title)
    expect(page.locator("main.ack")).to_contain_text(text)


def test_a_valid_link_asks_then_acknowledges_as_its_recipient_and_a_reused_one_says_used(
    site: Site, context: BrowserContext
) -> None:
    alert_id, path = _open_critical(site, "r201")
    page = context.new_page()
    page.goto(site.url + path)
    _shows(page, "Konfirmasi peringatan", "Konfirmasi peringatan ini sebagai fm?")
    assert _alert(site, alert_id).state == "active"  # opening the link changes nothing
    page.get_by_role("button", name="Konfirmasi").click()
    _shows(page, "Dikonfirmasi", "Peringatan dikonfirmasi oleh fm")
    done = _alert(site, alert_id)
    assert (done.state, done.acknowledged_by) == ("acknowledged", "fm")

    again = context.new_page()  # the same link tapped again, later
    response = again.goto(site.url + path)
    assert response is not None and response.status == 410
    _shows(again, "Tautan sudah dipakai", "Tidak ada yang diubah.")
    expect(again.get_by_role("button")).to_have_count(0)
    after = _alert(site, alert_id)
    assert (after.state, after.acknowledged_by, after.acknowledged_at) == (
        done.state, done.acknowledged_by, done.acknowledged_at
    )  # fmt: skip


def test_expired_and_tampered_links_say_so_offer_nothing_and_change_nothing(
    site: Site, context: BrowserContext
) -> None:
    alert_id, path = _open_critical(site, "lobby")
    # A link signed by the same signer 25 hours ago: expired an hour ago.
    old = site.container.links.ack(alert_id, "fm", datetime.now(UTC) - timedelta(hours=25))
    expired = LINK.search(old)
    assert expired is not None
    page = context.new_page()
    response = page.goto(site.url + expired.group(1))
    assert response is not None and response.status == 410
    _shows(page, "Tautan kedaluwarsa", "sudah kedaluwarsa (berlaku 24 jam)")
    expect(page.get_by_role("button")).to_have_count(0)

    # One character of the signed payload changed.
    prefix, token = path.rsplit("/", 1)
    i = len(token) // 3
    forged = token[:i] + ("B" if token[i] != "B" else "C") + token[i + 1 :]
    response = page.goto(f"{site.url}{prefix}/{forged}")
    assert response is not None and response.status == 400
    _shows(page, "Tautan tidak sah", "Tautan ini tidak sah. Tidak ada yang diubah.")
    expect(page.get_by_role("button")).to_have_count(0)

    untouched = _alert(site, alert_id)
    assert (untouched.state, untouched.acknowledged_by) == ("active", None)
    # The genuine link still works afterwards: the refusals used nothing up.
    page.goto(site.url + path)
    _shows(page, "Konfirmasi peringatan", "Konfirmasi peringatan ini sebagai fm?")
