"""A crew member's phone view: open, start, tick the checklist, add a note, finish."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from maintenance.domain.transitions import SYSTEM
from tests.web.conftest import NOW, FixedClockContainer, Seed


def test_my_work_lists_my_orders_and_my_crews_open_work(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    tech = as_user("tech")
    before = tech.get("/my-work").get_data(as_text=True)
    assert "Pekerjaan terbuka tim Anda" in before and f'data-wo="{seeded.work_order_id}"' in before
    container.work_order_service.assign(seeded.work_order_id, "tech", "sup", NOW)
    mine = tech.get("/my-work?partial=1").get_data(as_text=True)
    assert "<html" not in mine
    assigned, _, crew_work = mine.partition("Pekerjaan terbuka tim Anda")
    assert f'data-wo="{seeded.work_order_id}"' in assigned
    assert f'data-wo="{seeded.work_order_id}"' not in crew_work
    assert f'data-wo="{seeded.hvac_work_order_id}"' not in mine


def test_technician_completes_a_work_order(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    wo = seeded.work_order_id
    container.work_order_service.assign(wo, "tech", "sup", NOW)
    tech = as_user("tech")
    page = tech.get(f"/my-work/{wo}").get_data(as_text=True)
    assert 'id="start"' in page and 'id="finish"' not in page
    assert tech.post(f"/my-work/{wo}/start").status_code == 302
    assert container.work_order_service.get(wo, viewer=SYSTEM).status == "in_progress"
    for index in (0, 1):
        tech.post(f"/my-work/{wo}/checklist/{index}", data={"done": "1"})
    tech.post(f"/my-work/{wo}/checklist/1", data={"done": "0"})
    tech.post(f"/my-work/{wo}/checklist/1", data={"done": "1"})
    items = container.work_order_service.get(wo, viewer=SYSTEM).checklist
    assert all(i.done and i.done_by == "tech" for i in items)
    tech.post(f"/my-work/{wo}/note", data={"text": "Lantai licin, pasang rambu"})
    finished = tech.post(f"/my-work/{wo}/finish", data={"notes": "Selesai", "time_spent": "25"})
    assert finished.headers["Location"] == "/my-work"
    view = container.work_order_service.get(wo, viewer=SYSTEM)
    assert view.status == "done" and view.time_spent_minutes == 25
    history = container.work_order_service.history(wo, viewer=SYSTEM)
    assert any(e.action == "note" and "rambu" in e.detail.get("text", "") for e in history)


def test_finishing_with_unticked_items_and_no_notes_is_refused(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    wo = seeded.work_order_id
    container.work_order_service.assign(wo, "tech", "sup", NOW)
    tech = as_user("tech")
    tech.post(f"/my-work/{wo}/start")
    response = tech.post(f"/my-work/{wo}/finish", data={}, follow_redirects=True)
    assert "Belum dapat dilakukan" in response.get_data(as_text=True)
    assert container.work_order_service.get(wo, viewer=SYSTEM).status == "in_progress"


def test_bad_finish_and_empty_notes_are_refused(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    wo = seeded.work_order_id
    tech = as_user("tech")
    tech.post(f"/my-work/{wo}/start")  # unassigned crew work: starting takes it
    assert container.work_order_service.get(wo, viewer=SYSTEM).assignee == "tech"
    page = tech.post(f"/my-work/{wo}/finish", data={"time_spent": "-5"}, follow_redirects=True)
    assert "Periksa kembali waktu pengerjaan" in page.get_data(as_text=True)
    page = tech.post(f"/my-work/{wo}/note", data={"text": ""}, follow_redirects=True)
    assert "Catatan tidak boleh kosong" in page.get_data(as_text=True)
    page = tech.post(f"/my-work/{wo}/checklist/7", data={"done": "1"}, follow_redirects=True)
    assert "Periksa kembali isian" in page.get_data(as_text=True)


def test_someone_elses_work_cannot_be_started(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    wo = seeded.work_order_id
    container.work_order_service.assign(wo, "tech2", "sup", NOW)
    tech = as_user("tech")
    assert 'id="start"' not in tech.get(f"/my-work/{wo}").get_data(as_text=True)
    response = tech.post(f"/my-work/{wo}/start", follow_redirects=True)
    assert "Tidak diizinkan" in response.get_data(as_text=True)
    assert container.work_order_service.get(wo, viewer=SYSTEM).status == "assigned"
    assert tech.post("/my-work/99999/start").status_code == 404


def test_my_work_is_phone_friendly(seeded: Seed, as_user: Callable[[str], FlaskClient]) -> None:
    html = as_user("tech").get(f"/my-work/{seeded.work_order_id}").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'class="big"' in html
