"""In a real browser: a supervisor runs a toilet inspection on a phone (a failed item with a
photo opens a work order), and a facility manager reads the KPI page with its charts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from maintenance.domain.transitions import SYSTEM
from tests.e2e.conftest import Site
from tests.e2e.test_browser import PHONE, Console, sign_in
from tests.support.photos import phone_jpeg
from tests.web.conftest import make_settings, seed
from udara.bootstrap import Container
from udara.db import upgrade_database
from udara.devservers import ManagedServer, free_port
from udara.scope import EVERYTHING
from web import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, influxdb: ManagedServer) -> Iterator[Site]:
    """The seeded app in a thread, its photos under the test's own folder."""
    folder = tmp_path_factory.mktemp("e2e-inspections")
    url = f"sqlite:///{folder / 'udara.db'}"
    upgrade_database(url)
    settings = make_settings(
        url,
        influx_url=f"http://127.0.0.1:{influxdb.port}",
        influx_db=f"e2e_{folder.name}",
        media_dir=folder / "media",
    )
    container = Container(settings)
    container.influx.create_database()
    found = seed(container, datetime.now(UTC))
    server: BaseWSGIServer = make_server("127.0.0.1", free_port(), create_app(container),
                                         threaded=True)  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, name="udara-e2e-insp", daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", container, found)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        container.engine.dispose()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context()
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def test_a_supervisor_runs_an_inspection_on_a_phone(site: Site, browser: Browser) -> None:
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.set_default_timeout(10_000)
    try:
        page: Page = phone.new_page()
        console = Console(page)
        sign_in(page, site, "sup")
        page.goto(f"{site.url}/inspections/new")
        expect(page.locator("h1")).to_have_text("Inspeksi baru")
        page.get_by_label("Ruangan atau area").select_option("hq/lobby")
        page.get_by_label("Daftar periksa").select_option("toilet")
        page.get_by_role("button", name="Mulai").click()
        floor = page.locator('fieldset[data-item="floor"]')
        expect(floor.locator("legend")).to_contain_text("Lantai bersih dan kering")
        marks = {"floor": "1", "fixtures": "4", "smell": "pass", "supplies": "pass",
                 "bins": "pass", "leaks": "pass"}  # fmt: skip
        for item, mark in marks.items():
            page.locator(f'input[name="item-{item}"][value="{mark}"]').check()
        floor.locator('input[type="file"]').set_input_files(
            {"name": "lantai.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg((1200, 900))}
        )
        floor.locator('input[type="text"]').fill("Genangan air dekat wastafel")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the phone page scrolls sideways"
        page.get_by_role("button", name="Kirim inspeksi").click()
        expect(page.locator("h1")).to_contain_text("Inspeksi #")
        # floor 0 % ×2, fixtures 75 % ×2, smell ×2, supplies, bins, leaks ×2 at 100 %: 75 %
        expect(page.locator("[data-score]")).to_have_text("75 %")
        expect(page.locator("a[data-wo]")).to_have_count(1)
        assert console.errors == []
    finally:
        phone.close()
    [done] = site.container.inspections.recent(scope=EVERYTHING)
    [wo_id] = done.work_orders
    wo = site.container.work_order_service.get(wo_id, viewer=SYSTEM)
    assert (wo.crew, wo.source, wo.room) == ("cleaning", "inspection", "lobby")
    assert "Genangan air dekat wastafel" in wo.description
    assert len(site.container.work_order_photos(wo_id)) == 1


def test_a_facility_manager_reads_the_kpi_page(site: Site, context: BrowserContext) -> None:
    page = context.new_page()
    console = Console(page)
    sign_in(page, site, "fm")
    page.locator("header.top nav").get_by_role("link", name="KPI", exact=True).click()
    expect(page.locator("h1")).to_contain_text("KPI pemeliharaan")
    table = page.locator("#kpi-table")
    expect(table.locator("thead")).to_contain_text("Kepatuhan PM")
    expect(table.locator('tr[data-crew="cleaning"]')).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-kpi-charts", "drawn")
    assert page.locator("#kpi-rates").bounding_box() is not None
    page.get_by_role("link", name="Ringkasan audit bulanan").click()
    expect(page.locator("h1")).to_contain_text("Ringkasan audit bulanan")
    assert console.errors == []
