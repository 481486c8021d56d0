"""`/r/<token>`: a room's public page and report form; `/display/<token>`: a lobby display.

No login. The room token is the credential; an unknown or rotated one is a plain 404. The
form carries its own CSRF token (signed, expiring, bound to the room token) because there is
no session; a hidden honeypot field catches form-filling robots.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from itsdangerous import BadData, URLSafeTimedSerializer

from maintenance.domain.errors import InvalidInput, NotFound
from maintenance.views import RoomView
from occupants.domain.model import CATEGORIES, SYMPTOM_CATEGORIES, SYMPTOMS, PhotoRefused
from occupants.domain.model import MAX_PHOTO_BYTES as MAX_UPLOAD
from occupants.services.requests import ReportInput
from web import deps
from web.i18n import current_lang, lazy
from web.public import words
from web.refusals import PHOTO_REFUSALS

log = logging.getLogger(__name__)
bp = Blueprint("public", __name__)
FORM_SALT = "udara-room-report"
FORM_MAX_AGE_S = 4 * 3600
HONEYPOT = "website"
ERRORS = {
    **PHOTO_REFUSALS,
    "category": lazy("Choose what the problem is."),
    "contact": lazy("Give an e-mail address or a phone number, or leave it empty."),
    "expired": lazy("The form has expired. Please send it again."),
}


@bp.errorhandler(413)
def _too_large(_exc: Exception) -> ResponseReturnValue:
    return render_template("public/error.html", message=ERRORS["photo_too_large"]), 413


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=FORM_SALT)


def _room(token: str) -> RoomView:
    room = deps.container().room_links.resolve(token)
    if room is None:
        abort(404)
    return room


def _page(room: RoomView, token: str, error: str | None = None, status: int = 200,
          form: dict[str, Any] | None = None) -> ResponseReturnValue:  # fmt: skip
    card = next(iter(words.cards(room.building, room.code)), None)
    return render_template(
        "public/room.html", room=room, token=token, air=words.air_words(card),
        form_token=_signer().dumps(token), categories=CATEGORIES, symptoms=SYMPTOMS,
        symptom_categories=SYMPTOM_CATEGORIES, W=words, error=error, form=form or {},
        honeypot=HONEYPOT, errors=ERRORS,
    ), status  # fmt: skip


@bp.get("/r/<token>")
def room_page(token: str) -> ResponseReturnValue:
    """The room's air in plain words and the report form."""
    return _page(_room(token), token)


@bp.post("/r/<token>")
def report(token: str) -> ResponseReturnValue:
    """Take one report; answer with its status page."""
    room = _room(token)
    form = request.form
    kept = {"category": form.get("category", ""), "message": form.get("message", "")[:1000],
            "contact": form.get("contact", "")[:200]}  # fmt: skip
    if form.get(HONEYPOT):
        log.info("honeypot filled on a report for %s/%s", room.building, room.code)
        return redirect(url_for("public.room_page", token=token), 303)
    try:
        signed = _signer().loads(form.get("form_token", ""), max_age=FORM_MAX_AGE_S)
    except BadData:
        signed = None
    if signed != token:
        return _page(room, token, "expired", 400, kept)
    category = form.get("category", "")
    if category not in CATEGORIES:
        return _page(room, token, "category", 400, kept)
    upload = request.files.get("photo")
    photo = upload.stream.read(MAX_UPLOAD + 1) if upload and upload.filename else None
    data = ReportInput(
        category, form.get("message", ""), form.getlist("symptoms"), photo or None,
        form.get("contact") or None, current_lang(),
    )  # fmt: skip
    try:
        ref = deps.container().occupant_requests.report(room, data)
    except PhotoRefused as exc:
        return _page(room, token, exc.code, 400, kept)
    except InvalidInput:
        return _page(room, token, "contact", 400, kept)
    return redirect(url_for("public.status", token=token, request_ref=ref), 303)


@bp.get("/r/<token>/requests/<request_ref>")
def status(token: str, request_ref: str) -> ResponseReturnValue:
    """What became of a report: received, in work, done (with the crew's note)."""
    room = _room(token)
    try:
        detail = deps.container().occupant_requests.for_room(room, request_ref[:16])
    except NotFound:
        abort(404)
    return render_template("public/status.html", room=room, token=token, detail=detail, W=words)


@bp.get("/r/<token>/requests/<request_ref>/after/<int:n>")
def after_photo(token: str, request_ref: str, n: int) -> ResponseReturnValue:
    """The crew's after-photo, shown to the reporter once the work is done."""
    room = _room(token)
    requests = deps.container().occupant_requests
    try:
        detail = requests.for_room(room, request_ref[:16])
    except NotFound:
        abort(404)
    if detail.out.status != "done" or n >= len(detail.after_photos):
        abort(404)
    data = requests.photos.get(detail.after_photos[n])
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/display/<token>")
def display(token: str) -> ResponseReturnValue:
    """A building's lobby display: each room's air in large, calm tiles; refreshes itself."""
    building = deps.container().room_links.display_building(token)
    if building is None:
        abort(404)
    tiles = [(card, words.air_words(card)) for card in words.cards(building)]
    return render_template("public/display.html", building=building, tiles=tiles, W=words)
