"""`/demo/mailbox`: what the demo's local SMTP sink received (udara/demo_mail.py), so a
newcomer reads the messages the demo sends and taps their acknowledge links. Development
only: in production it does not exist (404)."""

from __future__ import annotations

import re

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from udara.demo_mail import read_mailbox
from web import deps
from web.notify.views import bp

URL = re.compile(r"https?://[^\s<>\"']+")


def linked(text: str) -> Markup:
    """Plain text, escaped, with its links clickable."""
    escaped = str(escape(text))
    # Safe: the text is escaped first; a link cannot hold a quote or an angle bracket.
    return Markup(URL.sub(lambda m: f'<a href="{m[0]}">{m[0]}</a>', escaped))  # noqa: S704


@bp.get("/demo/mailbox")
def mailbox() -> ResponseReturnValue:
    """The newest messages the demo's mail sink received."""
    if deps.container().settings.is_production:
        abort(404)
    messages = [(m, linked(m.text)) for m in read_mailbox()]
    return render_template("notify/mailbox.html", messages=messages)
