"""Inspections on a real database (SQLite and PostgreSQL): a failed item opens a corrective
work order for the template's crew with the item's text and its photo (re-encoded, no EXIF);
resubmitting the same form opens nothing more; scope; the audit summary; the KPIs."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from inspections.services.inspections import InspectionInput, ItemInput
from maintenance.domain.errors import InvalidInput, NotAllowed, NotFound
from maintenance.domain.transitions import Actor
from maintenance.services.users import actor_of
from tests.support.photos import phone_jpeg
from udara.bootstrap import Container
from udara.scope import EVERYTHING, Scope
from udara.settings import Settings

T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


class Clocked(Container):
    now = T0

    def clock(self) -> datetime:
        return self.now


@pytest.fixture
def app(migrated_database_url: str, tmp_path: Path) -> Iterator[Clocked]:
    settings = Settings(
        _env_file=None, database_url=migrated_database_url, media_dir=tmp_path / "media"
    )  # type: ignore[call-arg]
    container = Clocked(settings)
    container.user_service.create("rina", "facility_manager", T0)
    container.user_service.create("budi", "cleaning_supervisor", T0, crews=("cleaning",))
    container.user_service.create("siti", "technician", T0, crews=("cleaning",))
    locations = container.location_service
    locations.save_room("hq", "wc-l1", floor="l1", name="Toilet L1", kind="toilet")
    locations.save_room("hq", "ahu-1", floor="roof", name="Ruang AHU 1", kind="plant_room")
    locations.save_room("annex", "a1", floor="l1", name="Annex 1", kind="office")
    container.user_service.create("ana", "cleaning_supervisor", T0, buildings=("annex",))
    yield container
    container.engine.dispose()


def actor(app: Clocked, username: str) -> Actor:
    view = app.user_service.by_username(username)
    assert view is not None
    return actor_of(view)


def toilet(key: str = "form-1", **overrides: ItemInput) -> InspectionInput:
    items = {
        "floor": ItemInput("floor", score=2, note="Lantai basah", photo=phone_jpeg((640, 480))),
        "fixtures": ItemInput("fixtures", score=4),
        "smell": ItemInput("smell", passed=True),
        "supplies": ItemInput("supplies", passed=False),
        "bins": ItemInput("bins", passed=True),
        "leaks": ItemInput("leaks", passed=True),
    }
    items.update(overrides)
    return InspectionInput(key, "toilet", "hq", "wc-l1", list(items.values()))


def test_a_failed_item_opens_a_cleaning_work_order_with_its_text_and_photo(app: Clocked) -> None:
    done = app.inspections.submit(actor(app, "budi"), toilet())
    # floor 2 → 25 % ×2, fixtures 4 → 75 % ×2, smell 100 ×2, supplies 0, bins 100, leaks 100 ×2
    assert done.score == round((50 + 150 + 200 + 0 + 100 + 200) / 10, 1)
    assert done.failed == 2
    floor, *_ = done.items
    assert floor.failed and floor.has_photo and floor.work_order_id is not None
    rina = actor(app, "rina")
    wo = app.work_order_service.get(floor.work_order_id, viewer=rina)
    assert (wo.crew, wo.type, wo.source, wo.building, wo.room, wo.status) == (
        "cleaning", "corrective", "inspection", "hq", "wc-l1", "open",
    )  # fmt: skip
    assert "Lantai bersih dan kering" in wo.title
    assert "Floor clean and dry" in wo.description and "Lantai basah" in wo.description
    # The work order's photo is the item's, re-encoded without EXIF.
    [digest] = app.work_order_photos(floor.work_order_id)
    data = app.photo_store.get(digest)
    assert data is not None
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert app.inspections.photo(done.id, floor.position, scope=EVERYTHING) == data
    # The failed pass/fail item without a photo opened work too, with no photo.
    supplies = next(i for i in done.items if i.item == "supplies")
    assert supplies.work_order_id is not None
    assert app.work_order_photos(supplies.work_order_id) == []


def test_resubmitting_the_same_form_does_not_double_the_work_orders(app: Clocked) -> None:
    budi = actor(app, "budi")
    first = app.inspections.submit(budi, toilet())
    app.now = T0 + timedelta(minutes=1)
    again = app.inspections.submit(budi, toilet())
    assert again.id == first.id and again.work_orders == first.work_orders
    assert len(app.inspections.recent(scope=EVERYTHING)) == 1
    page = app.work_order_service.list(viewer=actor(app, "rina"))
    assert len([o for o in page.items if o.source == "inspection"]) == 2
    # Another inspector's form with the same key is theirs, not budi's.
    other = app.inspections.submit(actor(app, "rina"), toilet())
    assert other.id != first.id and other.inspector == "rina"
    # A new form (a new key) is a new inspection.
    third = app.inspections.submit(budi, toilet("form-2"))
    assert third.id != first.id and set(third.work_orders).isdisjoint(first.work_orders)


def test_the_ahu_room_opens_hvac_work(app: Clocked) -> None:
    answers = [
        ItemInput("filters", score=1, photo=phone_jpeg((320, 240))),
        ItemInput("drain", passed=True),
        ItemInput("belts", score=5),
        ItemInput("noise", passed=True),
        ItemInput("room", passed=True),
    ]
    done = app.inspections.submit(
        actor(app, "rina"),
        InspectionInput("ahu-form", "ahu_room", "hq", "ahu-1", answers, asset_code="AHU-01"),
    )
    [wo_id] = done.work_orders
    assert app.work_order_service.get(wo_id, viewer=actor(app, "rina")).crew == "hvac"
    assert done.asset_code == "AHU-01"


def test_refusals_missing_photo_technicians_and_other_buildings(app: Clocked) -> None:
    no_photo = toilet(floor=ItemInput("floor", score=1))
    with pytest.raises(InvalidInput) as refused:
        app.inspections.submit(actor(app, "budi"), no_photo)
    assert refused.value.code == "photo_required"
    with pytest.raises(InvalidInput):
        app.inspections.submit(actor(app, "budi"), toilet(bins=ItemInput("bins")))
    with pytest.raises(NotAllowed):
        app.inspections.submit(actor(app, "siti"), toilet())
    # A supervisor of the annex: hq does not exist for her.
    with pytest.raises(NotFound):
        app.inspections.submit(actor(app, "ana"), toilet())
    assert app.inspections.recent(scope=EVERYTHING) == []
    done = app.inspections.submit(actor(app, "budi"), toilet())
    with pytest.raises(NotFound):
        app.inspections.get(done.id, scope=Scope.of(["annex"]))
    with pytest.raises(NotFound):
        app.inspections.audit_summary(scope=Scope.of(["annex"]), building="hq",
                                      month=date(2026, 3, 1))  # fmt: skip
    with pytest.raises(NotFound):
        app.kpis.month(scope=Scope.of(["annex"]), building="hq", month=date(2026, 3, 1))


def test_audit_summary_and_kpis_of_the_month(app: Clocked) -> None:
    budi = actor(app, "budi")
    app.now = datetime(2026, 3, 2, 3, tzinfo=UTC)  # Monday, week of 2 March
    app.inspections.submit(budi, toilet("w1"))
    app.now = datetime(2026, 3, 10, 3, tzinfo=UTC)  # week of 9 March
    good = {k: ItemInput(k, score=5) for k in ("floor", "fixtures")}
    app.inspections.submit(budi, toilet("w2", supplies=ItemInput("supplies", passed=True),
                                        **good))  # fmt: skip
    app.now = datetime(2026, 4, 2, 3, tzinfo=UTC)  # April: not March's
    app.inspections.submit(budi, toilet("april"))
    summary = app.inspections.audit_summary(scope=EVERYTHING, building="hq",
                                            month=date(2026, 3, 1))  # fmt: skip
    assert len(summary.inspections) == 2
    assert [(a.key, a.count) for a in summary.by_week] == [
        (("2026-03-02",), 1), (("2026-03-09",), 1)]  # fmt: skip
    assert [a.mean for a in summary.by_week] == [70.0, 100.0]
    assert summary.mean == 85.0 and summary.failed_items == 2
    [(room, cells)] = summary.room_weeks()
    assert room == "wc-l1" and {w: a.mean for w, a in cells.items()} == {
        "2026-03-02": 70.0, "2026-03-09": 100.0}  # fmt: skip
    kpis = app.kpis.month(scope=EVERYTHING, building="hq", month=date(2026, 3, 1))
    # Two corrective orders opened on 2 March, none responded to or completed by April.
    assert (kpis.overall.audit_score, kpis.overall.audits) == (85.0, 2)
    assert kpis.overall.sla_response.value == 0.0 and kpis.overall.sla_response.total == 2
    assert kpis.overall.backlog.count == 2
    assert set(kpis.crews) == {"cleaning"}
    empty = app.kpis.month(scope=EVERYTHING, building="annex", month=date(2026, 3, 1))
    assert empty.overall.sla_response.value is None and empty.crews == {}
