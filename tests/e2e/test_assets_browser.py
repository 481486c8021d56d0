"""In a real browser: a facility manager registers an air handler with its zone and prints
its QR label; a technician who scans the label on a phone lands on the unit's page and
records its run hours."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from maintenance.domain.transitions import SYSTEM
from tests.e2e.conftest import Site
from tests.e2e.test_browser import PHONE, Console, sign_in

pytestmark = pytest.mark.browser


def test_a_manager_registers_an_ahu_and_a_technician_scans_its_label(
    site: Site, browser: Browser
) -> None:
    desk = browser.new_context()
    desk.set_default_timeout(10_000)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.set_default_timeout(10_000)
    try:
        fm = desk.new_page()
        fm_console = Console(fm)
        sign_in(fm, site, "fm")
        fm.goto(f"{site.url}/assets?lang=en")
        # The browser itself refuses a code no MQTT topic could carry (its pattern was an
        # invalid expression under the `v` flag browsers use, and so checked nothing).
        fm.fill("#a-code", "AHU Lobi")
        assert fm.locator("#a-code").evaluate("e => e.validity.patternMismatch") is True
        fm.fill("#a-code", "ahu-e2e")
        assert fm.locator("#a-code").evaluate("e => e.validity.valid") is True
        fm.select_option("#a-kind", "ahu")
        fm.select_option("#a-building", "hq")
        fm.fill("#a-room", "lobby")
        fm.fill("#a-serves", "lobby, r201")
        fm.fill("#a-name", "AHU Lobi")
        fm.get_by_role("button", name="Add", exact=True).click()
        expect(fm).to_have_url(f"{site.url}/assets/ahu-e2e")
        expect(fm.locator("h1")).to_contain_text("AHU Lobi")
        served = site.container.asset_service.get("ahu-e2e", viewer=SYSTEM)
        assert served.serves == ("lobby", "r201")

        fm.get_by_role("link", name="QR label").click()
        card = fm.locator('figure.card[data-asset="ahu-e2e"]')
        expect(card.locator("svg")).to_be_visible()
        label_url = card.locator("code").inner_text()
        assert label_url.endswith("/assets/ahu-e2e"), label_url
        assert fm_console.errors == []

        # The technician's phone opens what the label encodes.
        tech = phone.new_page()
        tech_console = Console(tech)
        sign_in(tech, site, "tech")
        tech.goto(f"{site.url}/assets/ahu-e2e?lang=en")
        expect(tech.locator("h1")).to_contain_text("AHU Lobi")
        tech.select_option("#m-meter", "run_hours")
        tech.fill("#m-value", "1234")
        tech.get_by_role("button", name="Record reading").click()
        expect(tech.locator("table").filter(has_text="1234")).to_be_visible()
        readings = site.container.asset_service.meter_readings("ahu-e2e", viewer=SYSTEM)
        assert [(r.meter, r.value, r.recorded_by) for r in readings] == [
            ("run_hours", 1234.0, "tech")
        ]
        assert tech_console.errors == []
    finally:
        desk.close()
        phone.close()
