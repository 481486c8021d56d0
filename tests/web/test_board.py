"""The supervisor's board: filters, assign and reassign, overdue and escalated work, today's
schedule and the calendar, raising work by hand, and the detail page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

from flask.testing import FlaskClient

from maintenance.domain.transitions import SYSTEM
from maintenance.services.plan_rows import PlanSpec
from tests.web.conftest import NOW, FixedClockContainer, Seed


def _column(html: str, status: str) -> str:
    start = html.index(f'data-column="{status}"')
    end = html.find("data-column=", start + 10)
    return html[start : end if end > 0 else len(html)]


def test_board_groups_open_work_by_status(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    html = as_user("sup").get("/board").get_data(as_text=True)
    assert f'data-wo="{seeded.work_order_id}"' in _column(html, "open")
    for status in ("assigned", "in_progress", "on_hold", "done"):
        assert f'data-column="{status}"' in html


def test_board_filters_by_crew_building_type_and_priority(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    sup = as_user("sup")
    cleaning = sup.get("/board?crew=cleaning").get_data(as_text=True)
    assert f'data-wo="{seeded.work_order_id}"' in cleaning
    assert f'data-wo="{seeded.hvac_work_order_id}"' not in cleaning
    high = sup.get("/board?priority=high&type=corrective").get_data(as_text=True)
    assert f'data-wo="{seeded.hvac_work_order_id}"' in high
    assert f'data-wo="{seeded.work_order_id}"' not in high
    other = sup.get("/board?building=elsewhere").get_data(as_text=True)
    assert "data-wo=" not in other
    floor = sup.get("/board?floor=l1").get_data(as_text=True)
    assert f'data-wo="{seeded.work_order_id}"' in floor
    assert f'data-wo="{seeded.hvac_work_order_id}"' not in floor


def test_board_rejects_filters_no_work_order_can_match(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    sup = as_user("sup")
    for query in ("type=repair", "priority=asap", "crew=BAD CREW", "building=../x"):
        assert sup.get(f"/board?{query}").status_code == 400, query


def test_overdue_and_escalated_work_is_highlighted(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    container.now = NOW + timedelta(days=5)
    container.sla_service.escalate(container.now)
    sup = as_user("sup")
    html = sup.get("/board").get_data(as_text=True)
    assert 'class="wo overdue escalated"' in html
    assert "Terlambat" in html and "Dieskalasi" in html
    overdue_only = sup.get("/board?overdue=1").get_data(as_text=True)
    assert f'data-wo="{seeded.work_order_id}"' in overdue_only
    container.now = NOW
    assert "data-wo=" not in sup.get("/board?overdue=1").get_data(as_text=True)


def test_supervisor_assigns_and_reassigns_within_their_crew(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    sup = as_user("sup")
    wo = seeded.work_order_id
    board = sup.get("/board").get_data(as_text=True)
    assert f'data-assign="{wo}"' in board and '<option value="tech" >Siti</option>' in board
    response = sup.post(f"/work-orders/{wo}/assign", data={"assignee": "tech", "next": "/board"})
    assert response.headers["Location"] == "/board"
    assert container.work_order_service.get(wo, viewer=SYSTEM).assignee == "tech"
    assert container.work_order_service.get(wo, viewer=SYSTEM).status == "assigned"
    sup.post(f"/work-orders/{wo}/assign", data={"assignee": "tech2"})
    assert container.work_order_service.get(wo, viewer=SYSTEM).assignee == "tech2"
    sup.post(f"/work-orders/{wo}/assign", data={"assignee": ""})
    view = container.work_order_service.get(wo, viewer=SYSTEM)
    assert view.assignee is None and view.status == "open"


def test_assigning_outside_the_rules_is_refused_with_a_message(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    sup = as_user("sup")
    response = sup.post(
        f"/work-orders/{seeded.hvac_work_order_id}/assign",
        data={"assignee": "hvac"},
        follow_redirects=True,
    )
    assert "Tidak diizinkan" in response.get_data(as_text=True)
    assert (
        container.work_order_service.get(seeded.hvac_work_order_id, viewer=SYSTEM).assignee is None
    )
    response = sup.post(
        f"/work-orders/{seeded.work_order_id}/assign",
        data={"assignee": "hvac"},
        follow_redirects=True,
    )
    assert "Tidak diizinkan" in response.get_data(as_text=True)
    assert sup.post("/work-orders/99999/assign", data={"assignee": "tech"}).status_code == 404


def test_assign_never_redirects_off_site(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    response = as_user("sup").post(
        f"/work-orders/{seeded.work_order_id}/assign",
        data={"assignee": "tech", "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/board"


def test_viewer_sees_the_board_without_assign_controls(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    html = as_user("viewer").get("/board").get_data(as_text=True)
    assert f'data-wo="{seeded.work_order_id}"' in html and "data-assign=" not in html


def test_board_fragment_for_live_updates_keeps_filters(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    sup = as_user("sup")
    page = sup.get("/board?crew=cleaning").get_data(as_text=True)
    assert 'data-live="/board?partial=1&amp;crew=cleaning"' in page
    fragment = sup.get("/board?partial=1&crew=cleaning").get_data(as_text=True)
    assert "<html" not in fragment and f'data-wo="{seeded.work_order_id}"' in fragment


def test_detail_page_shows_checklist_history_and_manager_actions(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    wo = seeded.work_order_id
    container.work_order_service.assign(wo, "tech", "sup", NOW)
    container.work_order_service.transition(wo, "in_progress", "tech", NOW)
    for index in (0, 1):
        container.work_order_service.tick(wo, index, True, "tech", NOW)
    container.work_order_service.transition(wo, "done", "tech", NOW, "bersih", 30)
    fm = as_user("fm")
    html = fm.get(f"/work-orders/{wo}").get_data(as_text=True)
    assert "Sapu lantai" in html and "bersih" in html and "30" in html
    assert "dibuat" in html  # the history speaks Indonesian too
    assert 'data-status-to="verified"' in html
    response = fm.post(f"/work-orders/{wo}/status", data={"status": "verified"})
    assert response.status_code == 302
    assert container.work_order_service.get(wo, viewer=SYSTEM).status == "verified"
    assert fm.post(f"/work-orders/{wo}/status", data={"status": "nonsense"}).status_code == 302
    assert fm.get("/work-orders/99999").status_code == 404


def test_new_work_order_by_hand(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    sup = as_user("sup")
    prefilled = sup.get("/work-orders/new?building=hq&room=r201&title=Bau").get_data(as_text=True)
    assert 'value="r201"' in prefilled
    form = {
        "title": "Tumpahan kopi", "type": "corrective", "priority": "high", "crew": "cleaning",
        "building": "hq", "room": "r201", "checklist": "Lap\nKeringkan\n",
    }  # fmt: skip
    response = sup.post("/work-orders/new", data=form)
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    created = container.work_order_service.get(new_id, viewer=SYSTEM)
    assert created.title == "Tumpahan kopi" and [c.text for c in created.checklist] == [
        "Lap", "Keringkan",
    ]  # fmt: skip
    bad = sup.post("/work-orders/new", data={**form, "room": "no-such-room"})
    assert bad.status_code == 400 and "Periksa kembali isian" in bad.get_data(as_text=True)
    assert sup.post("/work-orders/new", data={**form, "type": "x"}).status_code == 400


def _plan(container: FixedClockContainer) -> None:
    spec = PlanSpec(
        code="lobby-pagi", title="Pel lobi pagi", type="routine", crew="cleaning",
        building="hq", room="lobby", freq="daily", start_date=date(2026, 3, 1),
        times=(time(7, 0), time(15, 0)),
    )  # fmt: skip
    container.plan_service.create(spec, "fm", NOW - timedelta(days=3))


def test_today_shows_the_building_local_day(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    _plan(container)
    html = as_user("sup").get("/board/today?building=hq").get_data(as_text=True)
    assert "Pel lobi pagi" in html
    assert "07.00" in html or "07:00" in html  # local time in Jakarta, not UTC
    assert "15.00" in html or "15:00" in html
    assert as_user("sup").get("/board/today?building=nowhere").status_code == 404


def test_calendar_lists_planned_occurrences_day_by_day(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    _plan(container)
    sup = as_user("sup")
    html = sup.get("/board/calendar?building=hq&start=2026-03-09&days=7").get_data(as_text=True)
    assert html.count("Pel lobi pagi") == 14  # twice a day for a week
    assert 'data-day="2026-03-15"' in html
    assert sup.get("/board/calendar?days=9").status_code == 400
    assert sup.get("/board/calendar?start=yesterday").status_code == 400
