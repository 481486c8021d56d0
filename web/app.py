"""The Flask app factory: settings → container → extensions → blueprints."""

from __future__ import annotations

import gc
from datetime import timedelta
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

from occupants.domain.model import MAX_PHOTO_BYTES
from udara.bootstrap import Container
from udara.settings import Settings

MAX_ID = 2**31 - 1


class BoundedInt(IntegerConverter):
    """`<int:...>` limited to 0..2**31-1: larger numbers are 404s, not database overflows."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


# Forms that carry a photo (at most 5 MB, CONTRACTS.md) may be larger than the 1 MB elsewhere.
# Set before anything reads the form (refuse_nul_bytes, CSRF), so it holds when it is parsed:
# a blueprint's own before_request runs after the app's, too late.
PHOTO_BODY_LIMIT = MAX_PHOTO_BYTES + 256 * 1024  # the photo and the form's few fields
# An inspection carries a photo for each failed item its template asks one of: at most this
# many photos; in the API's JSON each is base64 (4 bytes for every 3).
INSPECTION_PHOTOS = 4
BODY_LIMITS = {
    "public.report": PHOTO_BODY_LIMIT,
    "mywork.finish": PHOTO_BODY_LIMIT,
    "inspections.submit": INSPECTION_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024,
    "api.submit_inspection": INSPECTION_PHOTOS * MAX_PHOTO_BYTES * 4 // 3 + 256 * 1024,
}


def larger_bodies_for_photos() -> None:
    """The photo forms' body limits (their views are the only ones reading a file)."""
    limit = BODY_LIMITS.get(request.endpoint or "")
    if limit is not None:
        request.max_content_length = limit


def refuse_nul_bytes() -> None:
    """NUL never belongs in text; PostgreSQL refuses it, so stop it at the door (400)."""
    if "\x00" in request.path:
        abort(400)
    for source in (request.args, request.form):
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                abort(400)


def freeze_start_up_objects() -> None:
    """Leave what start-up built out of the cycle collector's full passes.

    The modules, the app and the container (~150,000 objects) live as long as the worker,
    yet every full collection walks them all: ~100 ms, and the room grid's 100,000
    short-lived objects per request start one every few requests. Frozen, a full pass walks
    only what was made since.
    """
    gc.collect()
    gc.freeze()


def _container(container: Container | None, overrides: dict[str, Any]) -> Container:
    """The container to serve from; lower-case overrides replace Udara settings."""
    fields = {k: v for k, v in overrides.items() if k in Settings.model_fields}
    if container is None:
        return Container(Settings(**fields))
    if fields:
        settings = container.settings.model_copy(update=fields)
        return Container(settings)
    return container


def create_app(
    container: Container | None = None, settings_overrides: dict[str, Any] | None = None
) -> Flask:
    """Build the web app.

    `settings_overrides` keys that name a `Settings` field (lower case) override Udara's
    settings; upper-case keys are Flask config (e.g. `WTF_CSRF_ENABLED`, `RATELIMIT_ENABLED`).
    """
    overrides = dict(settings_overrides or {})
    container = _container(container, overrides)
    settings = container.settings
    settings.check_production_ready()

    app = Flask("web", static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=settings.secret_key.get_secret_value(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=1024 * 1024,
        JSON_SORT_KEYS=False,
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="10 per minute",
        LIVE_POLL_SECONDS=15,
        # The public room pages (no login): reports per address and per room.
        PUBLIC_REPORT_RATE_LIMIT="10 per 10 minutes",
        PUBLIC_ROOM_RATE_LIMIT="60 per 10 minutes",
        PUBLIC_READ_RATE_LIMIT="120 per minute",
    )
    app.config.update({k: v for k, v in overrides.items() if k.isupper()})
    app.extensions["udara"] = container
    # Before any blueprint: every <int:...> in a URL stays within a database integer.
    app.url_map.converters["int"] = BoundedInt
    app.before_request(larger_bodies_for_photos)
    app.before_request(refuse_nul_bytes)

    from web import extensions

    extensions.init_app(app)

    from web.admin.views import bp as admin_bp
    from web.alerts.views import bp as alerts_bp
    from web.api import bp as api_bp
    from web.assets.views import bp as assets_bp
    from web.auth.views import bp as auth_bp
    from web.board.views import bp as board_bp
    from web.devices.views import bp as devices_bp
    from web.iaq.views import bp as iaq_bp
    from web.inspections.views import bp as inspections_bp
    from web.locations.views import bp as locations_bp
    from web.mywork.views import bp as mywork_bp
    from web.notify.views import bp as notify_bp
    from web.occupants.views import bp as occupants_bp
    from web.ops.views import bp as ops_bp
    from web.public.views import bp as public_bp
    from web.stock.views import bp as stock_bp

    blueprints = (auth_bp, iaq_bp, alerts_bp, board_bp, mywork_bp, admin_bp, devices_bp, ops_bp)
    for blueprint in (*blueprints, api_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(locations_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(occupants_bp)
    app.register_blueprint(inspections_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(stock_bp)
    extensions.csrf.exempt(api_bp)  # the API checks tokens, or CSRF headers on sessions
    extensions.csrf.exempt(public_bp)  # no session: its forms carry their own signed token
    extensions.limit_login(app, auth_bp)
    extensions.limit_public(app, public_bp)

    from web.ops.views import init_metrics

    init_metrics(app)

    from web import errors
    from web.security import security_headers

    errors.register(app)
    app.after_request(security_headers)
    if settings.is_production:  # a gunicorn worker; tests and `flask run` keep plain gc
        freeze_start_up_objects()
    return app
