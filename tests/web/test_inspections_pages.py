"""Inspections through the web: the phone form (photo, failed items → work orders,
resubmission), the audit summary and its CSV, the KPI page, its CSV and GET /api/v1/kpis."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests.support.photos import phone_jpeg
from tests.web.conftest import NOW, FixedClockContainer, Seed, make_settings
from tests.web.test_public_reports import multipart
from udara.scope import EVERYTHING

KPI_FIELDS = {"pm_compliance", "sla_response_hit_rate", "sla_resolution_hit_rate", "mttr_hours",
              "backlog", "audit_score"}  # fmt: skip


@pytest.fixture
def container(seeded_url: str, tmp_path: Path) -> FixedClockContainer:
    """The seeded database; photos under the test's own folder."""
    return FixedClockContainer(make_settings(seeded_url, media_dir=tmp_path / "media"), NOW)


def form_key(client: FlaskClient, query: str = "?room=hq/lobby&template=toilet") -> str:
    html = client.get(f"/inspections/new{query}").get_data(as_text=True)
    found = re.search(r'name="key" value="([0-9a-f]+)"', html)
    assert found, html[:500]
    return found.group(1)


def toilet_form(key: str, **extra: object) -> dict[str, object]:
    return {
        "key": key, "template": "toilet", "room": "hq/lobby",
        "item-floor": "2", "photo-floor": (io.BytesIO(phone_jpeg((800, 600))), "lantai.jpg"),
        "note-floor": "Lantai basah di dekat wastafel",
        "item-fixtures": "4", "item-smell": "pass", "item-supplies": "pass",
        "item-bins": "pass", "item-leaks": "pass", **extra,
    }  # fmt: skip


def test_a_supervisor_runs_an_inspection_and_the_failed_item_becomes_work_with_its_photo(
    app: Flask, as_user: Callable[[str], FlaskClient], container: FixedClockContainer,
) -> None:  # fmt: skip
    sup = as_user("sup")
    key = form_key(sup)
    sent = sup.post("/inspections", **multipart(toilet_form(key)))
    assert sent.status_code == 303
    detail = sup.get(sent.headers["Location"]).get_data(as_text=True)
    # floor 25 % ×2, fixtures 75 % ×2, smell 100 ×2, supplies, bins, leaks ×2: 800 / 10
    assert "data-score>80 %<" in detail
    [inspection] = container.inspections.recent(scope=EVERYTHING)
    [wo_id] = inspection.work_orders
    assert f"/work-orders/{wo_id}" in detail
    # The technician of the cleaning crew sees the work order and its photo.
    tech = as_user("tech")
    work = tech.get(f"/my-work/{wo_id}").get_data(as_text=True)
    assert f'href="/work-orders/{wo_id}/photos/0" data-photo' in work
    assert "Lantai basah di dekat wastafel" in work and "Floor clean and dry" in work
    photo = tech.get(f"/work-orders/{wo_id}/photos/0")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(photo.data)) as image:
        assert not image.getexif() and max(image.size) <= 1600
    # The same form sent again (a double tap, a retry): the same inspection, no new work.
    again = sup.post("/inspections", **multipart(toilet_form(key)))
    assert again.status_code == 303 and again.headers["Location"] == sent.headers["Location"]
    assert len(container.inspections.recent(scope=EVERYTHING)) == 1
    assert sup.get(f"/inspections/{inspection.id}/photos/0").status_code == 200
    assert sup.get(f"/inspections/{inspection.id}/photos/3").status_code == 404


def test_a_failed_item_without_its_photo_is_sent_back_with_the_answers_kept(
    app: Flask, as_user: Callable[[str], FlaskClient], container: FixedClockContainer,
) -> None:  # fmt: skip
    sup = as_user("sup")
    form = toilet_form(form_key(sup))
    del form["photo-floor"]
    answer = sup.post("/inspections?lang=en", **multipart(form))
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "take a photo of it" in html
    assert 'value="2" required checked' in html and "Lantai basah di dekat wastafel" in html
    assert container.inspections.recent(scope=EVERYTHING) == []


def test_viewers_and_technicians_cannot_inspect(as_user: Callable[[str], FlaskClient]) -> None:
    assert as_user("viewer").get("/inspections/new").status_code == 403
    assert as_user("tech").post("/inspections", data={"key": "x"}).status_code == 403
    assert as_user("viewer").get("/inspections").status_code == 200


def _inspect(container: FixedClockContainer) -> None:
    from inspections.services.inspections import InspectionInput, ItemInput
    from maintenance.services.users import actor_of

    sup = container.user_service.by_username("sup")
    assert sup is not None
    items = [ItemInput("floor", score=5), ItemInput("desks", score=3), ItemInput("glass", score=5),
             ItemInput("bins", passed=False), ItemInput("lights", passed=True)]  # fmt: skip
    container.inspections.submit(
        actor_of(sup), InspectionInput("k1", "office_floor", "hq", "r201", items)
    )


def test_the_audit_summary_its_print_and_csv(
    app: Flask, as_user: Callable[[str], FlaskClient], container: FixedClockContainer,
) -> None:  # fmt: skip
    _inspect(container)
    fm = as_user("fm")
    page = fm.get("/audits?building=hq&month=2026-03&lang=en").get_data(as_text=True)
    assert "Monthly audit summary" in page and "Ruang Rapat 201" in page
    assert "2026-03-09" in page  # the week of 10 March starts on Monday the 9th
    assert 'data-group="room-week"' in page
    printed = fm.get("/audits?building=hq&month=2026-03&print=1").get_data(as_text=True)
    assert "data-print" in printed and "<nav" not in printed
    answer = fm.get("/audits.csv?building=hq&month=2026-03")
    assert answer.mimetype == "text/csv"
    assert "udara-audits-2026-03-hq.csv" in answer.headers["Content-Disposition"]
    [row] = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    # floor 100 ×2, desks 50, glass 100, bins 0, lights 100: 450 / 6
    assert (row["room"], row["template"], row["score"], row["failed_items"]) == (
        "r201", "office_floor", "75.0", "1")  # fmt: skip
    assert row["work_orders"].isdigit()
    empty = fm.get("/audits.csv?building=hq&month=2026-02").get_data(as_text=True)
    assert len(empty.strip().splitlines()) == 1
    assert fm.get("/audits?building=nosuch").status_code == 404
    assert fm.get("/audits?month=2026-13").status_code == 400


def test_the_kpi_api_csv_and_page(
    app: Flask, as_user: Callable[[str], FlaskClient], token_for: Callable[[str], dict[str, str]],
    container: FixedClockContainer, seeded: Seed,
) -> None:  # fmt: skip
    _inspect(container)
    answer = app.test_client().get("/api/v1/kpis?building=hq&month=2026-03",
                                   headers=token_for("fm"))  # fmt: skip
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert (body["building"], body["month"]) == ("hq", "2026-03")
    assert KPI_FIELDS <= set(body["overall"])
    assert set(body["crews"]) == {"cleaning", "hvac"}
    assert body["overall"]["audit_score"] == 75.0 and body["crews"]["hvac"]["audits"] == 0
    # Nothing is due yet on 10 March: no data, not 0 %.
    assert body["overall"]["sla_resolution_hit_rate"] is None
    from maintenance.domain.transitions import SYSTEM

    page = container.work_order_service.list(viewer=SYSTEM, limit=100)
    open_work = [o for o in page.items if o.status not in ("done", "verified", "cancelled")]
    assert body["overall"]["backlog"] == len(open_work) >= 3  # seeded, alerts', inspection's
    client = app.test_client()
    assert client.get("/api/v1/kpis?month=2026-03", headers=token_for("fm")).status_code in (
        400, 422)  # fmt: skip
    assert client.get("/api/v1/kpis?building=nosuch", headers=token_for("fm")).status_code == 404
    assert client.get("/api/v1/kpis?building=hq", headers=token_for("tech")).status_code == 403
    assert client.get("/api/v1/kpis?building=hq").status_code == 401
    csv_text = as_user("fm").get("/kpis.csv?building=hq&month=2026-03").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [r["crew"] for r in rows] == ["", "cleaning", "hvac"]
    assert rows[0]["audit_score"] == "75.0" and rows[0]["sla_resolution_hit_rate"] == ""
    html = as_user("viewer").get("/kpis?building=hq&month=2026-03&lang=en").get_data(as_text=True)
    assert "PM compliance" in html and 'id="kpi-rates"' in html and "kpis.js" in html


def test_the_pages_speak_indonesian_and_the_checklist_its_items_in_both_languages(
    as_user: Callable[[str], FlaskClient],
) -> None:
    sup = as_user("sup")
    form = sup.get("/inspections/new?room=hq/lobby&template=toilet").get_data(as_text=True)
    assert "Lantai bersih dan kering" in form and "Kirim inspeksi" in form
    english = sup.get("/inspections/new?room=hq/lobby&template=toilet&lang=en").get_data(
        as_text=True
    )
    assert "Floor clean and dry" in english and "Submit inspection" in english
    kpis = as_user("fm").get("/kpis?building=hq&lang=id").get_data(as_text=True)
    assert "Kepatuhan PM" in kpis and "tidak ada data" in kpis


def test_the_cli_lists_inspections_and_prints_the_apis_kpis(
    app: Flask, as_user: Callable[[str], FlaskClient], container: FixedClockContainer,
    token_for: Callable[[str], dict[str, str]],
) -> None:  # fmt: skip
    from click.testing import CliRunner

    from inspections.cli import inspections, kpis

    _inspect(container)
    listed = CliRunner().invoke(inspections, ["list", "--json"], obj=container)
    [row] = json.loads(listed.output)
    assert (row["room"], row["template"], row["score"], row["failed"]) == (
        "r201", "office_floor", 75.0, 1)  # fmt: skip
    printed = CliRunner().invoke(kpis, ["hq", "--month", "2026-03"], obj=container)
    api = app.test_client().get("/api/v1/kpis?building=hq&month=2026-03", headers=token_for("fm"))
    assert json.loads(printed.output) == api.get_json()
    assert CliRunner().invoke(kpis, ["nosuch"], obj=container).exit_code != 0


@pytest.mark.parametrize(("change", "status"), [
    ({"item-floor": "99"}, 400), ({"item-floor": "x"}, 400), ({"item-smell": "maybe"}, 400),
    ({"template": "nosuch"}, 400), ({"room": "hq"}, 400), ({"room": "hq/../x"}, 400),
    ({"key": ""}, 400), ({"room": "hq/nosuchroom"}, 404), ({"room": "nosuch/lobby"}, 404),
])  # fmt: skip
def test_what_a_form_cannot_be_is_refused_never_a_500(
    as_user: Callable[[str], FlaskClient], container: FixedClockContainer,
    change: dict[str, str], status: int,
) -> None:  # fmt: skip
    form = toilet_form("bad-form", **{"item-floor": "5"})
    del form["photo-floor"]
    form.update(change)
    assert as_user("sup").post("/inspections", **multipart(form)).status_code == status
    assert container.inspections.recent(scope=EVERYTHING) == []
