"""Error pages for people and JSON errors for the API, for every status Udara answers with."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.wrappers import Response
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ingest.adapters.influx import InfluxError
from web.api.errors import error_response
from web.i18n import lazy

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

TITLES = {
    400: lazy("The request could not be understood."),
    403: lazy("Your role does not allow this page or action."),
    404: lazy("This page does not exist."),
    405: lazy("This action is not possible here."),
    413: lazy("The upload is too large."),
    429: lazy("Too many attempts. Please wait a minute and try again."),
    500: lazy("Something went wrong on our side."),
    503: lazy("A service Udara needs is unavailable. Please try again shortly."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, message: str | None = None) -> tuple[str, int]:
    text = message or str(TITLES.get(status, TITLES[400]))
    return render_template("error.html", status=status, message=text), status


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    if _wants_json():
        return error_response(status, CODES.get(status, "error"), exc.description or exc.name)
    return _page(status)


def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    log.info("CSRF check failed on %s: %s", request.path, exc.description)
    return _page(400, str(lazy("The form has expired. Go back, reload the page and try again.")))


def _unexpected(exc: Exception) -> Response | tuple[str, int]:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if _wants_json():
        return error_response(500, "internal_error", "an unexpected error occurred")
    return _page(500)


def _readings_down(exc: InfluxError) -> Response | tuple[str, int]:
    log.warning("InfluxDB unavailable on %s: %s", request.path, exc)
    if _wants_json():
        return error_response(503, "readings_unavailable", "the time-series database is down")
    return _page(503)


def register(app: Flask) -> None:
    """Attach the handlers."""
    app.register_error_handler(InfluxError, _readings_down)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
