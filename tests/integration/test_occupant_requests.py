"""Occupant reports on a real database (SQLite and PostgreSQL): folding, work orders for the
right crew, photos without EXIF, triage, status following the work order, token rotation."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from maintenance.domain.errors import InvalidInput, NotAllowed, NotFound
from maintenance.domain.transitions import Actor
from occupants.domain.model import PhotoRefused
from occupants.services.requests import ReportInput
from tests.support.photos import phone_jpeg, small_png
from udara.bootstrap import Container
from udara.scope import EVERYTHING, Scope
from udara.settings import Settings

T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
AIR = {"co2": 1450.0, "temperature": 27.5, "humidity": 68.0, "pm25": 12.0}


class Clocked(Container):
    """A container whose clock and room readings the test sets."""

    now = T0
    air: dict[str, float] = AIR

    def clock(self) -> datetime:
        return self.now

    def room_air(self, building: str, room: str) -> dict[str, float]:
        return dict(self.air)


@pytest.fixture
def app(migrated_database_url: str, tmp_path: Path) -> Iterator[Clocked]:
    """Services with a lobby toilet (high traffic), a meeting room and a second building."""
    settings = Settings(
        _env_file=None, database_url=migrated_database_url, media_dir=tmp_path / "media"
    )  # type: ignore[call-arg]
    container = Clocked(settings)
    container.user_service.create("rina", "facility_manager", T0)
    container.user_service.create("budi", "cleaning_supervisor", T0, crews=("cleaning",))
    container.user_service.create("siti", "technician", T0, crews=("cleaning",))
    locations = container.location_service
    locations.save_room("hq", "wc-lobi", floor="l1", name="Toilet Lobi", kind="toilet",
                        traffic="high")  # fmt: skip
    locations.save_room("hq", "r201", floor="l2", name="Ruang Rapat 201", kind="meeting_room")
    locations.save_room("annex", "a1", floor="l1", name="Annex 1", kind="office")
    container.user_service.create("ana", "facility_manager", T0, buildings=("annex",))
    yield container
    container.engine.dispose()


def room(app: Clocked, building: str, code: str):
    token = app.room_links.link(building, code).token
    found = app.room_links.resolve(token)
    assert found is not None
    return found


def actor(app: Clocked, username: str) -> Actor:
    from maintenance.services.users import actor_of

    view = app.user_service.by_username(username)
    assert view is not None
    return actor_of(view)


def test_a_report_with_a_photo_makes_one_request_and_one_cleaning_work_order_without_exif(
    app: Clocked,
) -> None:
    toilet = room(app, "hq", "wc-lobi")
    ref = app.occupant_requests.report(
        toilet, ReportInput("dirty", "Lantai <b>basah</b>", photo=phone_jpeg())
    )
    [request] = app.occupant_requests.list_requests(scope=EVERYTHING)
    assert (request.ref, request.category, request.status, request.reports) == (
        ref, "dirty", "in_work_order", 1,
    )  # fmt: skip
    assert request.air is None  # not an air report
    wo = app.work_order_service.get(request.work_order_id or 0, viewer=actor(app, "rina"))
    assert (wo.crew, wo.type, wo.priority, wo.room, wo.source) == (
        "cleaning", "corrective", "high", "wc-lobi", "request",
    )  # fmt: skip
    [digest] = app.occupant_requests.work_order_photos(wo.id)
    stored = app.occupant_requests.photos.get(digest)
    assert stored is not None
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
        assert max(image.size) == 1600
        assert image.size == (1200, 1600)  # turned upright as the camera meant
    assert b"PhoneMaker" not in stored


def test_ten_reports_of_one_dirty_toilet_in_ten_minutes_make_one_request_and_one_work_order(
    app: Clocked,
) -> None:
    toilet = room(app, "hq", "wc-lobi")
    refs = set()
    for minute in range(10):
        app.now = T0 + timedelta(minutes=minute)
        refs.add(app.occupant_requests.report(toilet, ReportInput("dirty")))
    assert len(refs) == 1
    [request] = app.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.reports == 10
    orders = app.work_order_service.list(viewer=actor(app, "rina")).items
    assert [o.id for o in orders if o.source == "request"] == [request.work_order_id]
    # Another category in the same room is other work; the same one after the window too.
    app.occupant_requests.report(toilet, ReportInput("supplies_empty"))
    app.now = T0 + timedelta(minutes=31)
    app.occupant_requests.report(toilet, ReportInput("dirty"))
    assert len(app.occupant_requests.list_requests(scope=EVERYTHING)) == 3


def test_concurrent_reports_of_one_room_and_category_make_one_request(app: Clocked) -> None:
    toilet = room(app, "hq", "wc-lobi")
    refs: list[str] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            refs.append(app.occupant_requests.report(toilet, ReportInput("trash_full")))
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(refs)) == 1
    [request] = app.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.reports == 8 and request.work_order_id is not None


def test_a_symptoms_report_keeps_the_rooms_air_of_that_moment_and_waits_for_triage(
    app: Clocked,
) -> None:
    meeting = room(app, "hq", "r201")
    ref = app.occupant_requests.report(
        meeting, ReportInput("symptoms", symptoms=["headache", "eye_irritation", "nonsense"])
    )
    app.air = {"co2": 600.0}  # the air changes afterwards: the request keeps what it was
    app.now = T0 + timedelta(minutes=5)
    app.occupant_requests.report(meeting, ReportInput("symptoms", symptoms=["fatigue"]))
    [request] = app.occupant_requests.list_requests(scope=EVERYTHING)
    assert (request.ref, request.status, request.work_order_id) == (ref, "new", None)
    assert request.air == AIR
    assert request.symptoms == ["headache", "eye_irritation", "fatigue"]
    assert request.reports == 2
    # A supervisor accepts it into a work order; the request then follows its work.
    accepted = app.occupant_requests.accept(actor(app, "budi"), ref, crew="hvac")
    assert accepted.out.status == "in_work_order"
    wo_id = accepted.out.work_order_id
    assert wo_id is not None
    wos = app.work_order_service
    wos.transition(wo_id, "in_progress", "rina", T0 + timedelta(minutes=10))
    wos.transition(wo_id, "done", "rina", T0 + timedelta(minutes=40), notes="Filter AHU diganti")
    done = app.occupant_requests.get(ref, scope=EVERYTHING)
    assert done.out.status == "done" and done.completion_notes == "Filter AHU diganti"
    assert app.occupant_requests.list_requests(scope=EVERYTHING, status="done")[0].ref == ref


def test_triage_rejects_with_a_reason_and_respects_roles_and_buildings(app: Clocked) -> None:
    ref = app.occupant_requests.report(room(app, "hq", "r201"), ReportInput("other", "Lampu"))
    with pytest.raises(NotFound):
        app.occupant_requests.reject(actor(app, "ana"), ref, "bukan gedung saya")
    with pytest.raises(NotAllowed):
        app.occupant_requests.reject(actor(app, "siti"), ref, "tidak")
    with pytest.raises(InvalidInput):
        app.occupant_requests.reject(actor(app, "rina"), ref, "  ")
    rejected = app.occupant_requests.reject(actor(app, "rina"), ref, "Bukan urusan gedung")
    assert (rejected.out.status, rejected.reject_reason) == ("rejected", "Bukan urusan gedung")
    assert app.occupant_requests.list_requests(scope=Scope.of(["annex"])) == []
    # A rejected request takes no more reports: the next one is a new request.
    assert app.occupant_requests.report(room(app, "hq", "r201"), ReportInput("other")) != ref


def test_a_rotated_token_stops_working(app: Clocked) -> None:
    old = app.room_links.link("hq", "r201").token
    assert app.room_links.link("hq", "r201").token == old  # stable until rotated
    new = app.room_links.rotate(actor(app, "rina"), "hq", "r201").token
    assert new != old
    assert app.room_links.resolve(old) is None
    resolved = app.room_links.resolve(new)
    assert resolved is not None and resolved.code == "r201"
    with pytest.raises(NotAllowed):
        app.room_links.rotate(actor(app, "budi"), "hq", "r201")
    with pytest.raises(NotFound):
        app.room_links.rotate(actor(app, "ana"), "hq", "r201")


def test_photos_are_checked_by_content(app: Clocked) -> None:
    meeting = room(app, "hq", "r201")
    for bad in (b"GIF89a not really", b"\x89PNG\r\n\x1a\n broken", b"%PDF-1.4", b""):
        if bad:
            with pytest.raises(PhotoRefused):
                app.occupant_requests.report(meeting, ReportInput("dirty", photo=bad))
    ref = app.occupant_requests.report(meeting, ReportInput("dirty", photo=small_png()))
    detail = app.occupant_requests.get(ref, scope=EVERYTHING)
    stored = app.occupant_requests.photos.get(detail.photos[0])
    assert stored is not None and b"secret location" not in stored


def test_a_merged_rooms_requests_and_printed_link_follow_it(app: Clocked) -> None:
    typo = room(app, "hq", "r201")
    old_token = app.room_links.link("hq", "r201").token
    ref = app.occupant_requests.report(typo, ReportInput("dirty"))
    app.building_service.merge_rooms(actor(app, "rina"), "hq", "r201", "wc-lobi", T0)
    moved = app.occupant_requests.get(ref, scope=EVERYTHING)
    assert moved.out.room == "wc-lobi"
    # wc-lobi had no link of its own yet: the printed code now opens it.
    followed = app.room_links.resolve(old_token)
    assert followed is not None and followed.code == "wc-lobi"
