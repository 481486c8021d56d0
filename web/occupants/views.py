"""The QR sheet of a building, room-link rotation, the requests supervisors triage, and the
photos of a work order (served only to those who may see the work order)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from maintenance.domain.errors import NotAllowed, NotFound
from occupants.domain.model import REQUEST_STATUSES
from web import deps, security
from web.public import words
from web.security import ASSIGNERS, FACILITY_MANAGER, WORKERS, roles_required
from web.workorders import attempt

bp = Blueprint("occupants", __name__)


def qr_svg(url: str) -> Markup:
    """The QR code of `url` as inline SVG (made here from our own URL, never from input)."""
    import segno

    return Markup(segno.make(url, error="m").svg_inline(scale=4, title=url))  # noqa: S704


def public_link(token: str) -> str:
    """The room's public link under UDARA_PUBLIC_URL."""
    return f"{deps.container().settings.public_url.rstrip('/')}/r/{token}"


@bp.get("/buildings/<building>/qr")
@roles_required(*ASSIGNERS)
def qr_sheet(building: str) -> ResponseReturnValue:
    """A printable A4 sheet of the building's (or one floor's) room codes."""
    floor = request.args.get("floor") or None
    try:
        links = deps.container().room_links.sheet(security.actor(), building, floor=floor)
    except (NotFound, NotAllowed):
        abort(404)
    cards = [(link, public_link(link.token), qr_svg(public_link(link.token))) for link in links]
    display = None
    if security.actor().role == FACILITY_MANAGER:
        token = deps.container().room_links.display_link(security.actor(), building)
        display = f"{deps.container().settings.public_url.rstrip('/')}/display/{token}"
    return render_template("occupants/qr_sheet.html", building=building, floor=floor,
                           cards=cards, display=display)  # fmt: skip


@bp.post("/buildings/<building>/rooms/<room>/link")
@roles_required(FACILITY_MANAGER)
def rotate_link(building: str, room: str) -> ResponseReturnValue:
    """Give a room a new link: its printed code stops working (print the new one)."""
    attempt(lambda: deps.container().room_links.rotate(security.actor(), building, room))
    return redirect(url_for("occupants.qr_sheet", building=building), 302)


@bp.post("/buildings/<building>/display/link")
@roles_required(FACILITY_MANAGER)
def rotate_display(building: str) -> ResponseReturnValue:
    """Give the building's lobby display a new link: the old one stops working."""
    attempt(lambda: deps.container().room_links.rotate_display(security.actor(), building))
    return redirect(url_for("occupants.qr_sheet", building=building), 302)


@bp.get("/requests")
@roles_required(*ASSIGNERS)
def requests_page() -> ResponseReturnValue:
    """Occupant requests of the user's buildings, newest first; new ones to triage."""
    status = request.args.get("status") or None
    if status is not None and status not in REQUEST_STATUSES:
        abort(400)
    building = request.args.get("building") or None
    found = deps.container().occupant_requests.details(
        scope=security.scope(), status=status, building=building, limit=200
    )
    return render_template("occupants/requests.html", requests=found, status=status,
                           statuses=REQUEST_STATUSES, W=words)  # fmt: skip


@bp.post("/requests/<ref>/accept")
@roles_required(*ASSIGNERS)
def accept(ref: str) -> ResponseReturnValue:
    """Accept a request into a work order."""
    crew = request.form.get("crew") or None
    service = deps.container().occupant_requests
    attempt(lambda: service.accept(security.actor(), ref, crew=crew))
    return redirect(url_for("occupants.requests_page"), 302)


@bp.post("/requests/<ref>/reject")
@roles_required(*ASSIGNERS)
def reject(ref: str) -> ResponseReturnValue:
    """Reject a request with a reason."""
    reason = request.form.get("reason", "")
    service = deps.container().occupant_requests
    attempt(lambda: service.reject(security.actor(), ref, reason))
    return redirect(url_for("occupants.requests_page"), 302)


@bp.get("/work-orders/<int:wo_id>/photos/<int:index>")
@roles_required(*WORKERS, security.VIEWER)
def photo(wo_id: int, index: int) -> ResponseReturnValue:
    """Photo `index` of a work order (from its requests or inspection), to whoever may see
    the order."""
    return _wo_photo(wo_id, index, after=False)


@bp.get("/work-orders/<int:wo_id>/after-photos/<int:index>")
@roles_required(*WORKERS, security.VIEWER)
def after_photo(wo_id: int, index: int) -> ResponseReturnValue:
    """After-photo `index` the crew added when finishing, to whoever may see the order."""
    return _wo_photo(wo_id, index, after=True)


def _wo_photo(wo_id: int, index: int, *, after: bool) -> ResponseReturnValue:
    c = deps.container()
    try:
        c.work_order_service.get(wo_id, viewer=security.actor())
    except NotFound:
        abort(404)
    if after:
        digests = c.occupant_requests.after_photos(wo_id)
    else:
        digests = c.work_order_photos(wo_id)  # from occupants' reports and inspections
    data = c.photo_store.get(digests[index]) if index < len(digests) else None
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
