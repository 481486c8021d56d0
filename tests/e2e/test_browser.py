"""In a real browser: a supervisor assigns work, the technician finishes it on a phone, and the
facility manager acknowledges an alert and opens the room's charts; pages update live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from ingest.domain.alerts import AlertChange, AlertKey
from maintenance.domain.transitions import SYSTEM
from tests.e2e.conftest import Site
from tests.web.conftest import PASSWORD
from tests.web.influx_support import write_readings

pytestmark = pytest.mark.browser
PHONE: ViewportSize = {"width": 390, "height": 844}


class Console:
    """Browser console errors and uncaught exceptions (CSP violations show up here)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (own cookies) per test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def sign_in(page: Page, site: Site, username: str) -> None:
    """Use the sign-in form as a person would."""
    page.goto(f"{site.url}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator("header.top .who")).to_be_visible()


def test_supervisor_assigns_and_technician_finishes_on_a_phone(
    site: Site, browser: Browser, context: BrowserContext
) -> None:
    wo = site.seed.work_order_id
    sup = context.new_page()
    console = Console(sup)
    sign_in(sup, site, "sup")
    expect(sup).to_have_url(f"{site.url}/board")
    expect(sup.locator("html")).to_have_attribute("lang", "id")
    card = sup.locator(f'article.wo[data-wo="{wo}"]')
    expect(card).to_have_attribute("data-status", "open")
    card.locator('select[name="assignee"]').select_option("tech")
    card.locator(f'button[data-assign="{wo}"]').click()
    expect(sup.locator(".flash.success")).to_contain_text("ditugaskan kepada tech")
    assigned = sup.locator(f'[data-column="assigned"] article.wo[data-wo="{wo}"]')
    expect(assigned.locator("[data-assignee]")).to_have_attribute("data-assignee", "tech")
    assert console.errors == []

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        tech = phone.new_page()
        tech_console = Console(tech)
        sign_in(tech, site, "tech")
        expect(tech).to_have_url(f"{site.url}/my-work")
        tech.locator(f'article.wo[data-wo="{wo}"] a.open').click()
        tech.locator("#start").click()
        expect(tech.locator(".flash.success")).to_contain_text("Pekerjaan dimulai")
        for index in (0, 1):
            item = tech.locator(f'.checklist li[data-item="{index}"]')
            item.locator("button").click()
            expect(tech.locator(f'.checklist li[data-item="{index}"]')).to_have_attribute(
                "data-done", "1"
            )
        tech.fill("#note-text", "Lantai licin, rambu sudah dipasang")
        tech.locator("#save-note").click()
        expect(tech.locator(".flash.success")).to_contain_text("Catatan ditambahkan")
        tech.fill("#finish-notes", "Lobi bersih")
        tech.fill("#finish-time", "35")
        overflow = tech.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the phone page scrolls sideways"
        tech.locator("#finish").click()
        expect(tech).to_have_url(f"{site.url}/my-work")
        expect(tech.locator(".flash.success")).to_contain_text("selesai")
        assert tech_console.errors == []
    finally:
        phone.close()

    view = site.container.work_order_service.get(wo, viewer=SYSTEM)
    assert view.status == "done" and view.assignee == "tech" and view.time_spent_minutes == 35
    assert view.completion_notes == "Lobi bersih"
    # The supervisor's board moved the card by itself (live refresh, no reload).
    marker = sup.evaluate("window.__still_here = true")
    del marker
    expect(sup.locator(f'[data-column="done"] article.wo[data-wo="{wo}"]')).to_be_visible()
    assert sup.evaluate("window.__still_here") is True


def test_facility_manager_acknowledges_an_alert_and_opens_the_room_chart(
    site: Site, context: BrowserContext
) -> None:
    alert_id = site.seed.alert_id
    fm = context.new_page()
    console = Console(fm)
    sign_in(fm, site, "fm")
    fm.goto(f"{site.url}/alerts")
    row = fm.locator(f'tr[data-alert="{alert_id}"]')
    expect(row).to_have_attribute("data-state", "active")
    expect(row.locator("a[data-work-order]")).to_be_visible()  # the alert's work order
    row.locator(f'button[data-ack="{alert_id}"]').click()
    expect(fm.locator(".flash.success")).to_contain_text(f"Peringatan {alert_id} sudah diketahui")
    expect(fm.locator(f'tr[data-alert="{alert_id}"]')).to_have_attribute(
        "data-state", "acknowledged"
    )
    fm.locator(f'tr[data-alert="{alert_id}"] a[href="/rooms/hq/r201"]').click()
    expect(fm).to_have_url(f"{site.url}/rooms/hq/r201")
    charts = fm.locator("#room-charts")
    expect(charts).to_have_attribute("data-state", "loaded")
    expect(charts).to_have_attribute("data-range", "24h")
    points = int(fm.locator("#summary-co2").get_attribute("data-points") or 0)
    assert 250 <= points <= 290  # 5-minute means over a day
    assert _canvas_has_ink(fm, "chart-co2")
    fm.locator('button[data-range="30d"]').click()
    expect(charts).to_have_attribute("data-range", "30d")
    month = int(fm.locator("#summary-humidity").get_attribute("data-points") or 0)
    assert 300 <= month <= 361  # 2-hour means over 30 days, never raw readings
    assert console.errors == [], console.errors


def _canvas_has_ink(page: Page, canvas_id: str) -> bool:
    return bool(
        page.evaluate(
            """(id) => {
                const c = document.getElementById(id);
                const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
                return false;
            }""",
            canvas_id,
        )
    )


def test_alerts_appear_without_a_reload_and_english_is_remembered(
    site: Site, context: BrowserContext
) -> None:
    fm = context.new_page()
    sign_in(fm, site, "fm")
    fm.goto(f"{site.url}/alerts?lang=en")
    expect(fm.locator("html")).to_have_attribute("lang", "en")
    fm.evaluate("window.__still_here = true")
    new = site.container.alert_service.apply(
        [
            AlertChange(
                "open", AlertKey("hq", "lobby", "hcho", "critical"), site.container.clock(), 0.4
            )
        ]
    )[0]
    expect(fm.locator(f'tr[data-alert="{new.id}"]')).to_be_visible()
    assert fm.evaluate("window.__still_here") is True
    fm.goto(f"{site.url}/rooms")
    expect(fm.locator("html")).to_have_attribute("lang", "en")
    cell = fm.locator('[data-room="hq/r201"] [data-metric="co2"]')
    expect(cell).to_have_attribute("data-status", "warning")
    expect(fm.locator("#profile-banner")).to_contain_text("permenkes-2-2023")
    # Tiles only for what the rooms report: the open alert brings formaldehyde, nobody reads CO.
    hcho = fm.locator('[data-room="hq/lobby"] [data-metric="hcho"]')
    expect(hcho).to_have_attribute("data-status", "critical")
    expect(fm.locator('[data-metric="co"]')).to_have_count(0)
    expect(fm.locator("#hidden-metrics")).to_contain_text("Not shown: PM10, CO.")
    # A first CO reading brings its tiles with the next live refresh, without a reload.
    fm.evaluate("window.__still_here = true")
    write_readings(site.container.influx, "hq", "r201", [(site.container.clock(), {"co": 2.0})])
    expect(fm.locator('[data-room="hq/r201"] [data-metric="co"]')).to_have_attribute(
        "data-status", "ok"
    )
    expect(fm.locator('[data-room="hq/lobby"] [data-metric="co"]')).to_have_attribute(
        "data-status", "no_data"
    )
    expect(fm.locator("#hidden-metrics")).to_contain_text("Not shown: PM10.")
    assert fm.evaluate("window.__still_here") is True
