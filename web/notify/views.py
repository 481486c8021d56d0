"""The one-tap acknowledge page: no login; the signed link says who acknowledges what.

GET shows the alert and asks; only the POST acknowledges (a link preview in a chat app or a
mail scanner opening the link changes nothing). Worded in the recipient's chosen language.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from notifications.domain.texts import TEXTS, supported
from notifications.services.links import AckRefused
from web import deps

bp = Blueprint("notify", __name__)
STATUS = {"tampered": 400, "expired": 410, "used": 410, "gone": 404, "resolved": 409}


def _page(lang: str, key: str, code: int = 200, **params: object) -> ResponseReturnValue:
    lang = supported(lang)
    title, text = TEXTS[lang][key]
    words = {k: v.format(**params) for k, v in (("title", title), ("text", text))}
    button = TEXTS[lang]["ack_page.button"][1]
    return render_template("notify/ack.html", lang=lang, button=button, **words, **params), code


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
