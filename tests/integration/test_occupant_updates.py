"""The reporter hears back, on a real database (SQLite and PostgreSQL) through a real SMTP
server (aiosmtpd): the work order of their report started and done, once per status and
address, in the language of their report, with the status page's link and the crew's note;
and the crew's after-photo reaches the request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from maintenance.domain.transitions import SYSTEM
from notifications.adapters.orm import Delivery
from notifications.services.setup import DEFAULT_ROUTING_FILE as SHIPPED_ROUTING
from occupants.services.requests import ReportInput
from tests.support.notify_env import MONDAY_10, Clock, make_app
from tests.support.notify_servers import SmtpSink
from tests.support.photos import phone_jpeg
from udara.bootstrap import Container
from udara.scope import EVERYTHING

pytestmark = pytest.mark.integration
PUBLIC = "https://udara.gedung.co.id"


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
def app(
    migrated_database_url: str, clock: Clock, smtp: SmtpSink, tmp_path: Path
) -> Iterator[Container]:
    app = site(migrated_database_url, clock, smtp, tmp_path)
    yield app
    app.close()


def site(url: str, clock: Clock, smtp: SmtpSink, tmp_path: Path, **settings: Any) -> Container:
    """menara-a with its lobby toilet, a facility manager and a cleaner."""
    app = make_app(
        url, clock, smtp_url=smtp.url, mail_from="Udara <udara@gedung.co.id>",
        public_url=PUBLIC, media_dir=tmp_path / "media", **settings,
    )  # fmt: skip
    app.building_service.create_building(SYSTEM, "menara-a", name="Menara A")
    app.location_service.save_room("menara-a", "wc-lobi", floor="l1", name="Toilet Lobi",
                                   kind="toilet", traffic="high")  # fmt: skip
    app.user_service.create("rina", "facility_manager", clock.now)
    app.user_service.create("siti", "technician", clock.now, crews=("cleaning",))
    return app


def deliveries(app: Container) -> list[Delivery]:
    with app.session_factory() as session:
        query = select(Delivery).where(Delivery.event == "request_update").order_by(Delivery.id)
        return list(session.scalars(query))


def test_reporters_hear_once_when_their_work_starts_and_once_when_it_is_done(
    app: Container, clock: Clock, smtp: SmtpSink
) -> None:
    token = app.room_links.link("menara-a", "wc-lobi").token
    toilet = app.room_links.resolve(token)
    assert toilet is not None
    reports = app.occupant_requests
    ref = reports.report(toilet, ReportInput("dirty", "Lantai basah", contact="ani@mail.co.id"))
    clock.advance(minutes=2)
    assert reports.report(toilet, ReportInput("dirty", contact="bob@example.com", lang="en")) == ref
    assert reports.report(toilet, ReportInput("dirty", contact="ANI@mail.co.id ")) == ref
    assert reports.report(toilet, ReportInput("dirty", contact="+62 812 3456 7890")) == ref
    assert reports.report(toilet, ReportInput("dirty")) == ref
    [request] = reports.list_requests(scope=EVERYTHING)
    wo_id = request.work_order_id
    assert wo_id is not None
    assert deliveries(app) == []  # a work order exists, but nobody has started it

    wos = app.work_order_service
    wos.assign(wo_id, "siti", "rina", clock.advance(minutes=5))
    assert deliveries(app) == []  # assigned is not yet "in work" for the reporter
    wos.transition(wo_id, "in_progress", "siti", clock.advance(minutes=5))
    started = deliveries(app)
    assert sorted(d.address for d in started) == ["ANI@mail.co.id", "bob@example.com"]
    assert {d.recipient for d in started} == {f"request:{ref}"}
    assert {d.building for d in started} == {"menara-a"}
    report = app.dispatcher.run(clock.advance(seconds=11))
    assert report.messages == 2 and report.failed == 0

    # Paused and resumed: still "in work" for the reporter, nothing new.
    wos.transition(wo_id, "on_hold", "siti", clock.advance(minutes=5))
    wos.transition(wo_id, "in_progress", "siti", clock.advance(minutes=5))
    assert len(deliveries(app)) == 2
    wos.transition(wo_id, "done", "siti", clock.advance(minutes=30), notes="Sudah dipel")
    # Sent back and finished again: the reporter already heard it is done.
    wos.transition(wo_id, "in_progress", "rina", clock.advance(minutes=1))
    wos.transition(wo_id, "done", "siti", clock.advance(minutes=10), notes="Dipel lagi")
    assert len(deliveries(app)) == 4
    app.dispatcher.run(clock.advance(minutes=5))
    assert app.dispatcher.run(clock.advance(minutes=5)).messages == 0

    link = f"{PUBLIC}/r/{token}/requests/{ref}"
    to_ani = smtp.to("ANI@mail.co.id")
    to_bob = smtp.to("bob@example.com")
    assert [m["Subject"] for m in to_ani] == [
        f"[Udara] Laporan {ref} sedang dikerjakan", f"[Udara] Laporan {ref} selesai ditangani",
    ]  # fmt: skip
    assert [m["Subject"] for m in to_bob] == [
        f"[Udara] Your report {ref} is being worked on", f"[Udara] Your report {ref} is done",
    ]  # fmt: skip
    ani_done = to_ani[1].get_body(("plain",))
    bob_done = to_bob[1].get_body(("plain",))
    assert ani_done is not None and bob_done is not None
    ani_text, bob_text = ani_done.get_content(), bob_done.get_content()
    assert "kotor, Toilet Lobi (Menara A)" in ani_text and "Catatan tim: Sudah dipel" in ani_text
    assert link in ani_text
    assert "The team wrote: Sudah dipel" in bob_text and link in bob_text
    assert len(smtp.messages) == 4  # nothing to the phone number, nothing twice


def test_a_work_order_without_contacts_tells_no_occupant(app: Container, clock: Clock) -> None:
    toilet = app.room_links.resolve(app.room_links.link("menara-a", "wc-lobi").token)
    assert toilet is not None
    app.occupant_requests.report(toilet, ReportInput("dirty", contact="0812-3456-7890"))
    [request] = app.occupant_requests.list_requests(scope=EVERYTHING)
    assert request.work_order_id is not None
    app.work_order_service.transition(request.work_order_id, "in_progress", "siti", clock.now)
    app.work_order_service.transition(request.work_order_id, "done", "siti", clock.now)
    assert deliveries(app) == []


def test_the_crews_after_photo_reaches_the_request_reencoded_once(
    app: Container, clock: Clock
) -> None:
    toilet = app.room_links.resolve(app.room_links.link("menara-a", "wc-lobi").token)
    assert toilet is not None
    reports = app.occupant_requests
    ref = reports.report(toilet, ReportInput("dirty", photo=phone_jpeg()))
    [request] = reports.list_requests(scope=EVERYTHING)
    wo_id = request.work_order_id
    assert wo_id is not None
    digest = reports.keep_photo(phone_jpeg((1000, 800)))
    reports.attach_after_photo(wo_id, digest, "siti")
    reports.attach_after_photo(wo_id, digest, "siti")  # the same photo is kept once
    assert reports.after_photos(wo_id) == [digest]
    assert len(reports.work_order_photos(wo_id)) == 1  # the report's own, apart
    stored = reports.photos.get(digest)
    assert stored is not None and b"PhoneMaker" not in stored
    detail = reports.for_room(toilet, ref)
    assert detail.after_photos == (digest,)


def test_a_request_rejected_at_triage_or_whose_work_is_cancelled_is_told_once_with_the_reason(
    app: Container, clock: Clock, smtp: SmtpSink
) -> None:
    from maintenance.services.users import actor_of

    app.location_service.save_room("menara-a", "r501", floor="l5", name="Ruang 501",
                                   kind="office")  # fmt: skip
    room = app.room_links.resolve(app.room_links.link("menara-a", "r501").token)
    assert room is not None
    reports = app.occupant_requests
    # "other" waits for triage; the manager rejects it with a reason.
    ref = reports.report(room, ReportInput("other", "Kursi goyang", contact="ani@mail.co.id",
                                           lang="en"))  # fmt: skip
    rina = app.user_service.by_username("rina")
    assert rina is not None
    reports.reject(actor_of(rina), ref, "Kursi pribadi, bukan milik gedung")
    # Dirty: a work order at once, then cancelled by the manager.
    dirty = reports.report(room, ReportInput("dirty", contact="bob@example.com"))
    [wo_id] = [r.work_order_id for r in reports.list_requests(scope=EVERYTHING) if r.ref == dirty]
    assert wo_id is not None
    app.work_order_service.transition(wo_id, "cancelled", "rina", clock.advance(minutes=1))
    app.dispatcher.run(clock.advance(minutes=1))
    [to_ani] = smtp.to("ani@mail.co.id")
    assert to_ani["Subject"] == f"[Udara] Your report {ref} was closed"
    body = to_ani.get_body(("plain",))
    assert body is not None
    assert "Reason: Kursi pribadi, bukan milik gedung" in body.get_content()
    [to_bob] = smtp.to("bob@example.com")
    assert to_bob["Subject"] == f"[Udara] Laporan {dirty} ditutup"
    assert {r.status for r in reports.list_requests(scope=EVERYTHING)} == {"rejected"}
    assert len(deliveries(app)) == 2


def test_the_routing_file_chooses_what_reporters_hear(
    migrated_database_url: str, clock: Clock, smtp: SmtpSink, tmp_path: Path
) -> None:
    """A site that tells reporters only that the work is done (UDARA_NOTIFY_ROUTING_FILE)."""
    shipped = yaml.safe_load(SHIPPED_ROUTING.read_text(encoding="utf-8"))
    assert shipped["requests"]["reporter_updates"] == ["in_work_order", "done", "rejected"]
    shipped["requests"]["reporter_updates"] = ["done"]
    routing = tmp_path / "routing.yaml"
    routing.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    app = site(migrated_database_url, clock, smtp, tmp_path, notify_routing_file=str(routing))
    try:
        toilet = app.room_links.resolve(app.room_links.link("menara-a", "wc-lobi").token)
        assert toilet is not None
        reports = app.occupant_requests
        ref = reports.report(toilet, ReportInput("dirty", contact="ani@mail.co.id"))
        [request] = reports.list_requests(scope=EVERYTHING)
        assert request.work_order_id is not None
        wos = app.work_order_service
        wos.transition(request.work_order_id, "in_progress", "siti", clock.advance(minutes=5))
        assert deliveries(app) == []  # started: not for this site's reporters
        wos.transition(request.work_order_id, "done", "siti", clock.advance(minutes=20))
        [done] = deliveries(app)
        assert (done.address, done.params["status"]) == ("ani@mail.co.id", "done")
        assert done.recipient == f"request:{ref}"
    finally:
        app.close()
