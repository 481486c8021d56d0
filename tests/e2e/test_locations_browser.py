"""In a real browser: a facility manager creates a building with operating hours, adds a floor
and a room, renames the room and finds it under its new name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from maintenance.domain.transitions import Actor
from tests.e2e.conftest import Site
from tests.e2e.test_browser import Console, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (own cookies) per test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def test_a_facility_manager_sets_up_a_building_floor_and_room(
    site: Site, context: BrowserContext
) -> None:
    page: Page = context.new_page()
    console = Console(page)
    sign_in(page, site, "fm")
    page.locator("header.top nav").get_by_role("link", name="Lokasi").click()
    expect(page).to_have_url(f"{site.url}/locations")
    expect(page.locator("h1")).to_have_text("Lokasi")

    form = page.locator("#new-building")
    form.get_by_label("Kode").fill("menara-c")
    form.get_by_label("Nama").fill("Menara C")
    form.get_by_label("Zona waktu").fill("Asia/Makassar")
    for day in ("Sen", "Sel", "Rab", "Kam", "Jum"):
        form.get_by_label(day, exact=True).fill("07:00-12:00 13:00-19:00")
    form.get_by_label("Sab", exact=True).fill("08:00-13:00")
    form.get_by_role("button", name="Buat gedung").click()

    expect(page).to_have_url(f"{site.url}/locations/menara-c")
    expect(page.locator(".flash.success")).to_contain_text("Gedung menara-c dibuat.")
    expect(page.locator("#building-hours")).to_have_text(
        "mon-fri 07:00-12:00 13:00-19:00,sat 08:00-13:00"
    )

    floor = page.locator("#add-floor")
    floor.get_by_label("Kode").fill("lt7")
    floor.get_by_label("Nama").fill("Lantai 7")
    floor.get_by_label("Tingkat").fill("7")
    floor.get_by_role("button", name="Tambahkan lantai").click()
    expect(page.locator(".flash.success")).to_contain_text("Lantai lt7 ditambahkan.")
    expect(page.locator('tr.floor[data-floor="lt7"]')).to_contain_text("Lantai 7")

    room = page.locator("#add-room")
    room.get_by_label("Kode").fill("lt7-rapat")
    room.get_by_label("Nama").fill("Ruang Rapat 7")
    room.get_by_label("Lantai").select_option("lt7")
    room.get_by_role("button", name="Tambahkan ruangan").click()
    row = page.locator('tr[data-room="lt7-rapat"]')
    expect(row).to_contain_text("Ruang Rapat 7")
    expect(row).to_contain_text("Ruang rapat")  # the kind, guessed from the code

    row.get_by_role("link", name="Ubah").click()
    expect(page).to_have_url(f"{site.url}/locations/menara-c/rooms/lt7-rapat")
    page.get_by_label("Nama").fill("Ruang Rapat Direksi")
    page.get_by_role("button", name="Simpan ruangan").click()

    expect(page).to_have_url(f"{site.url}/locations/menara-c")
    expect(page.locator('tr[data-room="lt7-rapat"] .room-name')).to_have_text("Ruang Rapat Direksi")
    made = site.container.building_service.room(
        Actor("fm", "facility_manager"), "menara-c", "lt7-rapat"
    )
    assert (made.name, made.floor, made.kind) == ("Ruang Rapat Direksi", "lt7", "meeting_room")
    assert console.errors == []
