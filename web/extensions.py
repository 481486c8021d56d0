"""Flask extensions: CSRF, login sessions, Babel (locale and time zone), login rate limits,
and gzip for the responses that may be compressed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, request, session
from flask.wrappers import Response
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from web import i18n, labels
from web.security import load_user

csrf = CSRFProtect()
compress = Compress()


def compressed(response: Response) -> Response:
    """gzip `response` if the client accepts it.

    Only for responses that carry no secret next to text a request can choose: the grid's
    live refresh (535 kB → about 14 kB for 500 rooms, fetched every 15 s by phones on mobile
    data) and the API's GETs. Pages with a CSRF token stay uncompressed (BREACH).
    """
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    """Attach every extension and the template helpers to `app`."""
    csrf.init_app(app)
    app.config.setdefault("COMPRESS_REGISTER", False)  # opt-in per response: see compressed()
    app.config.setdefault("COMPRESS_ALGORITHM", "gzip")
    compress.init_app(app)

    login = LoginManager()
    login.login_view = "auth.login"
    login.login_message = i18n.lazy("Please sign in to see this page.")
    login.login_message_category = "info"
    login.session_protection = "basic"
    login.user_loader(load_user)
    login.init_app(app)

    Babel(
        app,
        locale_selector=i18n.select_locale,
        default_locale=i18n.DEFAULT_LOCALE,
        default_timezone="UTC",
    )
    i18n.init_app(app)
    labels.init_app(app)


def _posted_username() -> str:
    """Rate-limit key of a login attempt: the username tried, whoever tries it."""
    return "user:" + (request.form.get("username") or "").strip().lower()[:64]


def _failed(response: Any) -> bool:
    """Only failed sign-ins (no redirect) use up the allowance."""
    return bool(response.status_code != 302)


def limit_login(app: Flask, auth: Blueprint) -> None:
    """Limit failed sign-ins per client address and per username (in-memory counters)."""
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI", "memory://"),
        default_limits=[],
    )
    rate = app.config["LOGIN_RATE_LIMIT"]
    limiter.limit(rate, methods=["POST"], deduct_when=_failed)(auth)
    limiter.limit(rate, methods=["POST"], key_func=_posted_username, deduct_when=_failed)(auth)
    app.extensions["udara_limiter"] = limiter


def _room_token() -> str:
    """Rate-limit key of a report: the room it is about, whoever sends it."""
    return "room:" + str((request.view_args or {}).get("token", ""))[:64]


def limit_public(app: Flask, public: Blueprint) -> None:
    """Limit reports per client address and per room, and page reads per address."""
    limiter: Limiter = app.extensions["udara_limiter"]
    limiter.limit(app.config["PUBLIC_REPORT_RATE_LIMIT"], methods=["POST"])(public)
    limiter.limit(app.config["PUBLIC_ROOM_RATE_LIMIT"], methods=["POST"], key_func=_room_token)(
        public
    )
    limiter.limit(app.config["PUBLIC_READ_RATE_LIMIT"], methods=["GET"])(public)


__all__ = ["csrf", "init_app", "limit_login", "limit_public", "session"]
