"""Accessibility of the public pages (no login: anyone in the building uses them) checked by
axe-core in a real browser on a phone's viewport: no "serious" or "critical" violation on the
room page (with a form error shown too), the status page once done with the crew's photo, and
the lobby display, in Indonesian and English.

axe-core is installed with npm into `var/axe-core/` on first use and kept there; without npm
or a reachable registry the test is skipped, saying so.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from occupants.services.requests import ReportInput
from tests.e2e.conftest import Site
from tests.support.photos import phone_jpeg
from udara.scope import EVERYTHING

pytestmark = pytest.mark.browser
CACHE = Path(__file__).parents[2] / "var" / "axe-core"
AXE_JS = CACHE / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js, npm-installed into the cache once."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install axe-core for the accessibility check")
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "axe-core@4"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)  # noqa: S603
        except subprocess.TimeoutExpired:
            pytest.skip("npm install axe-core took more than 5 minutes: registry unreachable?")
        if done.returncode != 0 or not AXE_JS.exists():
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            pytest.skip("npm could not install axe-core (registry unreachable?): " + " ".join(tail))
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A phone; the page's Content-Security-Policy lets the test inject axe (nothing else)."""
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, bypass_csp=True
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def violations(page: Page, axe: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page as it stands."""
    page.add_script_tag(content=axe)
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(found: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} — "
        + "; ".join(n["html"][:120] for n in v["nodes"][:3])
        for v in found
    )


def done_request(site: Site) -> tuple[str, str]:
    """A report in the lobby whose work is done with an after-photo: (room token, ref)."""
    c = site.container
    token = c.room_links.link("hq", "lobby").token
    room = c.room_links.resolve(token)
    assert room is not None
    ref = c.occupant_requests.report(room, ReportInput("trash_full", photo=phone_jpeg()))
    wo_id = c.occupant_requests.get(ref, scope=EVERYTHING).out.work_order_id
    assert wo_id is not None
    now = c.clock()
    c.work_order_service.transition(wo_id, "in_progress", "tech", now)
    c.work_order_service.transition(wo_id, "done", "tech", now, notes="Sudah dikosongkan")
    digest = c.occupant_requests.keep_photo(phone_jpeg((800, 600)))
    c.occupant_requests.attach_after_photo(wo_id, digest, "tech")
    return token, ref


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_public_pages_have_no_serious_or_critical_accessibility_violation(
    site: Site, phone: BrowserContext, axe_source: str, lang: str
) -> None:
    token, ref = done_request(site)
    display = site.container.room_links.display_token("hq")
    page = phone.new_page()
    pages = {
        "room page": f"/r/{token}?lang={lang}",
        "status page, done": f"/r/{token}/requests/{ref}?lang={lang}",
        "lobby display": f"/display/{display}?lang={lang}",
    }
    for name, path in pages.items():
        page.goto(f"{site.url}{path}")
        found = violations(page, axe_source)
        assert not found, f"{name}:\n{describe(found)}"
    # The form with an error shown (sent without choosing a category).
    page.goto(f"{site.url}/r/{token}?lang={lang}")
    page.evaluate("document.querySelectorAll('[required]').forEach(e => e.required = false)")
    page.locator('form button[type="submit"]').click()
    page.wait_for_selector("p.error")
    found = violations(page, axe_source)
    assert not found, f"room page with an error:\n{describe(found)}"


def test_the_lobby_display_swaps_in_fresh_tiles_by_itself(
    site: Site, phone: BrowserContext
) -> None:
    display = site.container.room_links.display_token("hq")
    page = phone.new_page()
    page.clock.install()
    page.goto(f"{site.url}/display/{display}")
    tiles = page.locator("[data-refresh]")
    assert tiles.get_attribute("data-refreshed") is None
    page.evaluate("window.notReloaded = true")
    site.container.location_service.save_room("hq", "r305", floor="l3", name="Ruang Baru 305")
    page.clock.run_for(61_000)
    page.wait_for_selector("[data-refreshed]")
    assert "Ruang Baru 305" in tiles.inner_text()  # the new room's tile, without a reload
    assert page.evaluate("window.notReloaded") is True
