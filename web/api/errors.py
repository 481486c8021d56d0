"""JSON errors of the API: every refusal says what is wrong, nothing a client sends is a 500."""

from __future__ import annotations

import logging

from flask import jsonify, request
from flask.wrappers import Response

from ingest.adapters.influx import InfluxError
from ingest.alert_service import AlertAlreadyResolved, AlertNotFound
from maintenance.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    MaintenanceError,
    NotAllowed,
    NotFound,
)
from web.api import bp
from web.refusals import refusal

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An API refusal with its status and code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str) -> Response:
    """A JSON error body with `status`."""
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="udara"'
    return response


@bp.before_request
def _parse_json_once() -> Response | None:
    """The API reads JSON only; a body nested beyond Python's recursion limit is a 400."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return error_response(
            415, "unsupported_media_type", "send JSON with Content-Type: application/json"
        )
    if request.is_json and request.content_length:
        try:
            request.get_json(silent=True)
        except RecursionError:
            return error_response(400, "bad_request", "the JSON body is nested too deeply")
    return None


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message)


def _message(exc: Exception) -> str:
    """Maintenance refusals in the request's language; other errors as they are."""
    return refusal(exc) if isinstance(exc, MaintenanceError) else str(exc)


@bp.errorhandler(NotFound)
@bp.errorhandler(AlertNotFound)
def _not_found(exc: Exception) -> Response:
    return error_response(404, "not_found", _message(exc))


@bp.errorhandler(NotAllowed)
def _not_allowed(exc: NotAllowed) -> Response:
    return error_response(403, "forbidden", _message(exc))


@bp.errorhandler(InvalidTransition)
@bp.errorhandler(Conflict)
@bp.errorhandler(AlertAlreadyResolved)
def _conflict(exc: Exception) -> Response:
    return error_response(409, "conflict", _message(exc))


@bp.errorhandler(InvalidInput)
def _invalid(exc: InvalidInput) -> Response:
    return error_response(422, "invalid_request", _message(exc))


@bp.errorhandler(InfluxError)
def _influx_down(exc: InfluxError) -> Response:
    log.warning("InfluxDB error in the API: %s", exc)
    return error_response(503, "readings_unavailable", "the time-series database is unavailable")
