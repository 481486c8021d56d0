"""In a real browser on a phone's viewport: an occupant opens a room's link, reports with a
photo and sees the status page; the supervisor accepts the request into a work order; the crew
finishes it from the phone view with an after-photo; the occupant's page then says done, with
the crew's note and photo."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from notifications.adapters.orm import Delivery
from tests.e2e.conftest import Site
from tests.e2e.test_browser import sign_in
from tests.support.photos import phone_jpeg
from udara.scope import EVERYTHING

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phones(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Three phones with their own cookies: the occupant's, the supervisor's, the crew's."""
    made = [browser.new_context(**PHONE) for _ in range(3)]  # type: ignore[arg-type]
    for ctx in made:
        ctx.set_default_timeout(10_000)
    yield made
    for ctx in made:
        ctx.close()


def errors_of(page: Page) -> list[str]:
    """Console errors and failed page scripts, collected as the page runs."""
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(str(e)))
    page.on("response", lambda r: found.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return found


def loaded(page: Page, selector: str) -> bool:
    """Whether the image `selector` names was fetched and decoded."""
    return bool(page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0"))


def test_report_triage_finish_with_after_photo_and_done_on_the_reporters_phone(
    site: Site, phones: list[BrowserContext]
) -> None:
    occupant, supervisor, crew = (ctx.new_page() for ctx in phones)
    problems = errors_of(occupant)
    token = site.container.room_links.link("hq", "r201").token

    # The occupant scans the code: the room's page, in Indonesian, fits the phone.
    occupant.goto(f"{site.url}/r/{token}")
    expect(occupant.locator("html")).to_have_attribute("lang", "id")
    expect(occupant.locator("h1")).to_have_text("Ruang Rapat 201")
    width = occupant.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    occupant.check('input[name="category"][value="other"]')
    occupant.fill("#message", "Kursi rusak di dekat jendela")
    occupant.fill("#contact", "ani@example.co.id")
    occupant.set_input_files(
        "#photo", {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg()}
    )
    occupant.locator('form button[type="submit"]').click()
    expect(occupant).to_have_url(re.compile(rf"/r/{re.escape(token)}/requests/R[A-Z0-9]+$"))
    expect(occupant.locator("p.status-now")).to_contain_text("Diterima")
    status_url = occupant.url
    ref = status_url.rsplit("/", 1)[-1]

    # The supervisor accepts it into a work order for the proposed crew.
    sign_in(supervisor, site, "sup")
    supervisor.goto(f"{site.url}/requests?status=new")
    row = supervisor.locator(f'tr[data-ref="{ref}"]')
    expect(row).to_contain_text("Kursi rusak di dekat jendela")
    expect(row.locator('input[name="crew"]')).to_have_value("cleaning")
    row.locator('form[action$="/accept"] button').click()
    expect(supervisor.locator(f'tr[data-ref="{ref}"]')).to_contain_text("Dalam pengerjaan")
    request = site.container.occupant_requests.get(ref, scope=EVERYTHING)
    wo_id = request.out.work_order_id
    assert wo_id is not None

    # The crew picks it up on the phone, sees the report's photo, finishes with an after-photo.
    sign_in(crew, site, "tech")
    crew.goto(f"{site.url}/my-work/{wo_id}")
    report_photo = f'img[src$="/work-orders/{wo_id}/photos/0"]'
    expect(crew.locator(report_photo)).to_be_visible()
    assert loaded(crew, report_photo)
    crew.click("#start")
    expect(crew.locator("#finish")).to_be_visible()
    crew.fill("#finish-notes", "Kursi sudah diganti")
    crew.fill("#finish-time", "20")
    crew.set_input_files(
        "#after-photo",
        {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg((1600, 1200))},
    )
    crew.click("#finish")
    expect(crew).to_have_url(f"{site.url}/my-work")
    crew.goto(f"{site.url}/work-orders/{wo_id}")
    after = f'img[src$="/work-orders/{wo_id}/after-photos/0"]'
    expect(crew.locator(after)).to_be_visible()
    assert loaded(crew, after)

    # The occupant's page says done, with the crew's note and the after-photo.
    occupant.goto(status_url)
    expect(occupant.locator("p.status-now")).to_contain_text("Selesai")
    expect(occupant.locator("main")).to_contain_text("Kursi sudah diganti")
    shown = "img.after-photo"
    expect(occupant.locator(shown)).to_be_visible()
    assert loaded(occupant, shown)
    assert problems == [], problems
    # And the occupant was written to: in work, then done (sent by the scheduler's dispatcher).
    with site.container.session_factory() as session:
        subjects = session.scalars(
            select(Delivery.subject)
            .where(Delivery.recipient == f"request:{ref}", Delivery.address == "ani@example.co.id")
            .order_by(Delivery.id)
        ).all()
    assert subjects == [f"[Udara] Laporan {ref} sedang dikerjakan",
                        f"[Udara] Laporan {ref} selesai ditangani"]  # fmt: skip
