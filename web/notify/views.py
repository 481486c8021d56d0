"""The one-tap acknowledge page, and the delivery log facility managers read.

The acknowledge page needs no login: the signed link says who acknowledges what.

GET shows the alert and asks; only the POST acknowledges (a link preview in a chat app or a
mail scanner opening the link changes nothing). Worded in the recipient's chosen language.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from ingest.alert_service import AlertView
from notifications.domain.model import EVENTS, STATUSES
from notifications.domain.texts import TEXTS, supported
from notifications.schemas import DeliveryRow
from notifications.services.links import AckRefused
from udara.scope import EVERYTHING
from web import deps
from web.iaq.overview import timezones
from web.security import FACILITY_MANAGER, me, roles_required

bp = Blueprint("notify", __name__)
CHANNEL = re.compile(r"[a-z][a-z0-9+.-]{0,31}")
STATUS = {"tampered": 400, "expired": 410, "used": 410, "gone": 404, "resolved": 409}


def _page(lang: str, key: str, code: int = 200, **params: object) -> ResponseReturnValue:
    lang = supported(lang)
    title, text = TEXTS[lang][key]
    words = {k: v.format(**params) for k, v in (("title", title), ("text", text))}
    button = TEXTS[lang]["ack_page.button"][1]
    alert = params.get("alert")
    if isinstance(alert, AlertView):  # what it is about, in the recipient's language
        words["about"] = _alert_text(alert, lang)
    return render_template("notify/ack.html", lang=lang, button=button, **words, **params), code


def _alert_text(alert: AlertView, lang: str) -> str:
    from ingest.domain.messages import word
    from udara.i18n import words

    container = deps.container()
    # The signed link names the alert, so its building's zone may be read for this reader.
    zones = container.location_service.building_timezones(scope=EVERYTHING)
    tz = zones.get(alert.building, container.settings.timezone)
    return word(alert.message_code, alert.message_params, alert.message, words(lang, tz))


@bp.get("/n/ack/<token>")
def ack(token: str) -> ResponseReturnValue:
    """Ask to confirm (or say why the link cannot be used)."""
    try:
        preview = deps.container().acknowledgements.preview(token, deps.now())
    except AckRefused as refused:
        return _page("id", f"ack_page.{refused.reason}", STATUS[refused.reason])
    return _page(preview.lang, "ack_page.ask", user=preview.username, alert=preview.alert,
                 ask=True)  # fmt: skip


@bp.post("/n/ack/<token>")
def ack_confirm(token: str) -> ResponseReturnValue:
    """Acknowledge as the link's person, once."""
    from udara.i18n import words

    try:
        done = deps.container().acknowledgements.confirm(token, deps.now())
    except AckRefused as refused:
        return _page("id", f"ack_page.{refused.reason}", STATUS[refused.reason])
    at = done.alert.acknowledged_at or deps.now()
    return _page(done.lang, "ack_page.done", user=done.alert.acknowledged_by or done.username,
                 at=words(done.lang).instant(at), alert=done.alert)  # fmt: skip


# --- the delivery log: facility managers, their buildings only ---------------------------
PAGE = 100
MAX_PAGE = 10_000


def _int_arg(name: str) -> int | None:
    """A whole-number query parameter (400 when it is not one)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10:
        abort(400)
    return int(raw)


@bp.get("/notifications")
@roles_required(FACILITY_MANAGER)
def deliveries() -> ResponseReturnValue:
    """Every message of the manager's buildings: status, attempts, filterable, failed first
    to the eye."""
    status = request.args.get("status") or None
    event = request.args.get("event") or None
    channel = request.args.get("channel") or None
    if (status and status not in STATUSES) or (event and event not in EVENTS):
        abort(400)
    if channel and not CHANNEL.fullmatch(channel):
        abort(400)
    alert_id, wo_id = _int_arg("alert_id"), _int_arg("wo_id")
    page = _int_arg("page") or 0
    if page > MAX_PAGE:
        abort(400)
    service = deps.container().notifications
    found = service.deliveries(
        status, event=event, channel=channel, scope=me().scope, alert_id=alert_id,
        work_order_id=wo_id, limit=PAGE + 1, offset=page * PAGE,
    )  # fmt: skip
    filters = {"status": status, "event": event, "channel": channel, "alert_id": alert_id,
               "wo_id": wo_id}  # fmt: skip
    return render_template(
        "notify/list.html",
        deliveries=found[:PAGE],
        more=len(found) > PAGE,
        page=page,
        filters={k: v for k, v in filters.items() if v is not None},
        statuses=STATUSES,
        events=[e for e in EVENTS if e != "test"] + ["test"],
        channels=service.channels(scope=me().scope),
        tz=timezones(),
    )


def deliveries_of(*, alert_id: int | None = None, wo_id: int | None = None) -> list[DeliveryRow]:
    """An alert's or a work order's own deliveries, for its page (facility managers)."""
    if me().role != FACILITY_MANAGER:
        return []
    return deps.container().notifications.deliveries(
        scope=me().scope, alert_id=alert_id, work_order_id=wo_id, limit=50
    )
